/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <json-glib/json-glib.h>
#include <math.h>

#include "tf-error.h"
#include "tf-json.h"
#include "tf-model.h"

/* Limits that keep every size computation far from overflow and refuse
 * configs that would be absurd on a laptop. */
#define TF_MAX_INPUT     1024
#define TF_MAX_WIDTH     4096
#define TF_MAX_DEPTH     128
#define TF_MAX_CLASSES   10000

gboolean
tf_config_preset (const char *name,
                  int         num_classes,
                  TfConfig   *c)
{
  g_return_val_if_fail (name != NULL && c != NULL, FALSE);

  *c = (TfConfig) {
    .input_size = 112,
    .lanets = 2,
    .lanet_reduction = 16,
    .mlp_ratio = 3.0,
    .num_classes = num_classes,
    .mad_p = 0.6,
    .msad_p = 0.3,
    .ln_eps = 1e-6,
    .bn_eps = 1e-5,
  };

  if (g_str_equal (name, "paper"))
    {
      const int depths[] = { 3, 4, 14 }, widths[] = { 64, 128, 256 };
      memcpy (c->stem_depths, depths, sizeof depths);
      memcpy (c->stem_widths, widths, sizeof widths);
      c->embed_dim = 768;
      c->depth = 8;
      c->heads = 8;
      return TRUE;
    }
  if (g_str_equal (name, "small"))
    {
      const int depths[] = { 2, 2, 4 }, widths[] = { 32, 64, 128 };
      memcpy (c->stem_depths, depths, sizeof depths);
      memcpy (c->stem_widths, widths, sizeof widths);
      c->embed_dim = 256;
      c->depth = 4;
      c->heads = 4;
      return TRUE;
    }
  return FALSE;
}

gboolean
tf_config_validate (const TfConfig  *c,
                    GError         **error)
{
#define REFUSE(...) \
  G_STMT_START { g_set_error (error, TF_ERROR, TF_ERROR_CONFIG, __VA_ARGS__); return FALSE; } G_STMT_END

  if (c->input_size < 8 || c->input_size > TF_MAX_INPUT || c->input_size % 8 != 0)
    REFUSE ("config: input_size %d must be a multiple of 8 between 8 and %d", c->input_size, TF_MAX_INPUT);
  for (int s = 0; s < TF_STAGES; s++)
    {
      if (c->stem_depths[s] < 1 || c->stem_depths[s] > TF_MAX_DEPTH)
        REFUSE ("config: stem_depths[%d] = %d is outside 1..%d", s, c->stem_depths[s], TF_MAX_DEPTH);
      if (c->stem_widths[s] < 1 || c->stem_widths[s] > TF_MAX_WIDTH)
        REFUSE ("config: stem_widths[%d] = %d is outside 1..%d", s, c->stem_widths[s], TF_MAX_WIDTH);
    }
  if (c->lanets < 1 || c->lanets > 64)
    REFUSE ("config: lanets = %d is outside 1..64", c->lanets);
  if (c->lanet_reduction < 1 || c->stem_widths[2] / c->lanet_reduction < 1)
    REFUSE ("config: lanet_reduction %d leaves no LANet channels for width %d",
            c->lanet_reduction, c->stem_widths[2]);
  if (c->embed_dim < 1 || c->embed_dim > 16384)
    REFUSE ("config: embed_dim = %d is outside 1..16384", c->embed_dim);
  if (c->heads < 1 || c->embed_dim % c->heads != 0)
    REFUSE ("config: embed_dim %d is not divisible by heads %d", c->embed_dim, c->heads);
  if (c->depth < 1 || c->depth > TF_MAX_DEPTH)
    REFUSE ("config: depth = %d is outside 1..%d", c->depth, TF_MAX_DEPTH);
  if (!(c->mlp_ratio > 0 && c->mlp_ratio <= 16) || tf_config_hidden (c) < 1)
    REFUSE ("config: mlp_ratio %g is outside (0, 16]", c->mlp_ratio);
  if (c->num_classes < 1 || c->num_classes > TF_MAX_CLASSES)
    REFUSE ("config: num_classes = %d is outside 1..%d", c->num_classes, TF_MAX_CLASSES);
  if (!(c->mad_p >= 0 && c->mad_p <= 1) || !(c->msad_p >= 0 && c->msad_p <= 1))
    REFUSE ("config: mad_p %g and msad_p %g must lie in [0, 1]", c->mad_p, c->msad_p);
  if (!(c->ln_eps > 0 && c->ln_eps < 1) || !(c->bn_eps > 0 && c->bn_eps < 1))
    REFUSE ("config: ln_eps %g and bn_eps %g must lie in (0, 1)", c->ln_eps, c->bn_eps);
  return TRUE;
#undef REFUSE
}

char *
tf_config_to_json (const TfConfig *c)
{
  GString *s = g_string_new (NULL);

  g_string_append_printf (s, "{\"input_size\":%d,\"stem_depths\":[%d,%d,%d],\"stem_widths\":[%d,%d,%d],"
                          "\"lanets\":%d,\"lanet_reduction\":%d,\"embed_dim\":%d,\"depth\":%d,\"heads\":%d,"
                          "\"mlp_ratio\":",
                          c->input_size, c->stem_depths[0], c->stem_depths[1], c->stem_depths[2],
                          c->stem_widths[0], c->stem_widths[1], c->stem_widths[2],
                          c->lanets, c->lanet_reduction, c->embed_dim, c->depth, c->heads);
  tf_json_append_double (s, c->mlp_ratio);
  g_string_append_printf (s, ",\"num_classes\":%d,\"mad_p\":", c->num_classes);
  tf_json_append_double (s, c->mad_p);
  g_string_append (s, ",\"msad_p\":");
  tf_json_append_double (s, c->msad_p);
  g_string_append (s, ",\"ln_eps\":");
  tf_json_append_double (s, c->ln_eps);
  g_string_append (s, ",\"bn_eps\":");
  tf_json_append_double (s, c->bn_eps);
  g_string_append_c (s, '}');
  return g_string_free (s, FALSE);
}

/* json-glib reads "3" as an int and "3.0" as a double; accept both where the
 * value is integral, refuse anything else by name. */
static gboolean
read_number (JsonObject  *obj,
             const char  *key,
             gboolean     integral,
             double      *out,
             GError     **error)
{
  JsonNode *node = json_object_get_member (obj, key);

  if (node == NULL)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_CONFIG, "config: '%s' is missing", key);
      return FALSE;
    }
  if (!tf_json_get_number (node, out))
    {
      g_set_error (error, TF_ERROR, TF_ERROR_CONFIG, "config: '%s' is not a number", key);
      return FALSE;
    }
  if (!isfinite (*out) || (integral && *out != floor (*out)))
    {
      g_set_error (error, TF_ERROR, TF_ERROR_CONFIG, "config: '%s' = %g is not %s",
                   key, *out, integral ? "an integer" : "finite");
      return FALSE;
    }
  /* an integer all the same, only one no config could use */
  if (integral && fabs (*out) > 1e9)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_CONFIG, "config: '%s' = %.0f is out of range", key, *out);
      return FALSE;
    }
  return TRUE;
}

static gboolean
read_int (JsonObject *obj, const char *key, int *out, GError **error)
{
  double v;

  if (!read_number (obj, key, TRUE, &v, error))
    return FALSE;
  *out = (int) v;
  return TRUE;
}

static gboolean
read_int_array (JsonObject  *obj,
                const char  *key,
                int         *out,
                GError     **error)
{
  JsonNode *node = json_object_get_member (obj, key);
  JsonArray *arr;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node) ||
      json_array_get_length (arr = json_node_get_array (node)) != TF_STAGES)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_CONFIG,
                   "config: '%s' must be an array of %d integers", key, TF_STAGES);
      return FALSE;
    }
  for (guint i = 0; i < TF_STAGES; i++)
    {
      JsonNode *el = json_array_get_element (arr, i);
      if (!JSON_NODE_HOLDS_VALUE (el) || json_node_get_value_type (el) != G_TYPE_INT64 ||
          json_node_get_int (el) < 1 || json_node_get_int (el) > 1000000)
        {
          g_set_error (error, TF_ERROR, TF_ERROR_CONFIG,
                       "config: '%s'[%u] is not a positive integer", key, i);
          return FALSE;
        }
      out[i] = (int) json_node_get_int (el);
    }
  return TRUE;
}

gboolean
tf_config_from_json (const char  *json,
                     TfConfig    *c,
                     GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *obj;

  g_return_val_if_fail (json != NULL && c != NULL, FALSE);

  if (!(obj = tf_json_parse_object (parser, json, "config", error)))
    return FALSE;
  memset (c, 0, sizeof *c);

  if (!read_int (obj, "input_size", &c->input_size, error) ||
      !read_int_array (obj, "stem_depths", c->stem_depths, error) ||
      !read_int_array (obj, "stem_widths", c->stem_widths, error) ||
      !read_int (obj, "lanets", &c->lanets, error) ||
      !read_int (obj, "lanet_reduction", &c->lanet_reduction, error) ||
      !read_int (obj, "embed_dim", &c->embed_dim, error) ||
      !read_int (obj, "depth", &c->depth, error) ||
      !read_int (obj, "heads", &c->heads, error) ||
      !read_number (obj, "mlp_ratio", FALSE, &c->mlp_ratio, error) ||
      !read_int (obj, "num_classes", &c->num_classes, error) ||
      !read_number (obj, "mad_p", FALSE, &c->mad_p, error) ||
      !read_number (obj, "msad_p", FALSE, &c->msad_p, error) ||
      !read_number (obj, "ln_eps", FALSE, &c->ln_eps, error) ||
      !read_number (obj, "bn_eps", FALSE, &c->bn_eps, error))
    return FALSE;

  return tf_config_validate (c, error);
}

double
tf_config_macs (const TfConfig *c)
{
  double macs = 0;
  int size = c->input_size, in = c->stem_widths[0];
  int g = tf_config_grid (c), n = g * g, t = n + 1;
  int cw = c->stem_widths[2], h = c->stem_widths[2] / c->lanet_reduction;
  double d = c->embed_dim, hid = tf_config_hidden (c);

  macs += (double) size * size * in * 3 * 9;             /* input layer */
  for (int s = 0; s < TF_STAGES; s++)
    for (int u = 0; u < c->stem_depths[s]; u++)
      {
        int out = c->stem_widths[s], stride = u == 0 ? 2 : 1;
        int osize = size / stride;
        macs += (double) size * size * out * in * 9;      /* conv1 at input resolution */
        macs += (double) osize * osize * out * out * 9;   /* conv2, strided */
        if (in != out)
          macs += (double) osize * osize * out * in;      /* 1x1 shortcut */
        in = out;
        size = osize;
      }
  macs += (double) c->lanets * n * (cw * h + h);          /* LANets */
  macs += (double) n * cw * d;                            /* projection */
  macs += c->depth * (t * d * 3 * d                       /* qkv */
                      + 2.0 * t * t * d                   /* scores and weighted sum */
                      + t * d * d                         /* attention projection */
                      + 2.0 * t * d * hid);               /* MLP */
  macs += d * c->num_classes;                             /* head */
  return macs;
}
