/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "tf-error.h"
#include "tf-json.h"
#include "tf-model.h"
#include "tf-rng.h"

static const float default_mean[3] = { 123.675f, 116.28f, 103.53f };
static const float default_std[3] = { 58.395f, 57.12f, 57.375f };

/* The parameter layout, in canonical order. Called once without storage to
 * count, then again to hand out pointers into the one allocation. */
typedef struct
{
  GArray *info;
  float  *base;
  gsize   offset;
} Layout;

static float *
layout_add (Layout     *l,
            gboolean    is_buffer,
            int         ndim,
            const int  *shape,
            const char *fmt,
            ...) G_GNUC_PRINTF (5, 6);

static float *
layout_add (Layout     *l,
            gboolean    is_buffer,
            int         ndim,
            const int  *shape,
            const char *fmt,
            ...)
{
  TfParamInfo p = { 0 };
  va_list args;
  float *ptr;

  va_start (args, fmt);
  p.name = g_strdup_vprintf (fmt, args);
  va_end (args);
  p.ndim = ndim;
  p.numel = 1;
  for (int i = 0; i < ndim; i++)
    {
      p.shape[i] = shape[i];
      p.numel *= (gsize) shape[i];
    }
  p.offset = l->offset;
  p.is_buffer = is_buffer;
  ptr = l->base ? l->base + l->offset : NULL;
  l->offset += p.numel;
  g_array_append_val (l->info, p);
  return ptr;
}

#define SHAPE(...) (const int[]) { __VA_ARGS__ }
#define NDIM(...) (int) (sizeof ((const int[]) { __VA_ARGS__ }) / sizeof (int))
#define ADD(l, ...) layout_add (l, FALSE, __VA_ARGS__)

/* BatchNorm: weight, bias, running_mean, running_var, contiguous ([4][c]). */
static float *
layout_bn (Layout     *l,
           int         c,
           const char *prefix)
{
  float *w = layout_add (l, FALSE, 1, SHAPE (c), "%s.weight", prefix);
  layout_add (l, FALSE, 1, SHAPE (c), "%s.bias", prefix);
  layout_add (l, TRUE, 1, SHAPE (c), "%s.running_mean", prefix);
  layout_add (l, TRUE, 1, SHAPE (c), "%s.running_var", prefix);
  return w;
}

static void
layout_model (TfModel *m,
              Layout  *l)
{
  const TfConfig *c = &m->config;
  int w0 = c->stem_widths[0], in = w0, u = 0;
  int cw = c->stem_widths[2], hl = cw / c->lanet_reduction;
  int d = c->embed_dim, hid = tf_config_hidden (c), t = tf_config_tokens (c);

  m->in_conv = ADD (l, 4, SHAPE (w0, 3, 3, 3), "extractor.input_layer.0.weight");
  m->in_bn = layout_bn (l, w0, "extractor.input_layer.1");
  m->in_prelu = ADD (l, 1, SHAPE (w0), "extractor.input_layer.2.weight");

  for (int s = 0; s < TF_STAGES; s++)
    for (int k = 0; k < c->stem_depths[s]; k++, u++)
      {
        TfUnitParams *p = &m->units[u];
        g_autofree char *res = g_strdup_printf ("extractor.body.%d.res_layer", u);
        g_autofree char *sc = g_strdup_printf ("extractor.body.%d.shortcut_layer", u);
        g_autofree char *bn0 = g_strconcat (res, ".0", NULL);
        g_autofree char *bn4 = g_strconcat (res, ".4", NULL);
        g_autofree char *scbn = g_strconcat (sc, ".1", NULL);
        int out = c->stem_widths[s];

        p->in = in;
        p->out = out;
        p->stride = k == 0 ? 2 : 1;
        p->bn0 = layout_bn (l, in, bn0);
        p->conv1 = ADD (l, 4, SHAPE (out, in, 3, 3), "%s.1.weight", res);
        p->prelu = ADD (l, 1, SHAPE (out), "%s.2.weight", res);
        p->conv2 = ADD (l, 4, SHAPE (out, out, 3, 3), "%s.3.weight", res);
        p->bn4 = layout_bn (l, out, bn4);
        if (in != out)
          {
            p->sc_conv = ADD (l, 4, SHAPE (out, in, 1, 1), "%s.0.weight", sc);
            p->sc_bn = layout_bn (l, out, scbn);
          }
        else
          {
            p->sc_conv = NULL;
            p->sc_bn = NULL;
          }
        in = out;
      }

  for (int b = 0; b < c->lanets; b++)
    {
      TfLanetParams *p = &m->lanets[b];
      g_autofree char *bn1 = g_strdup_printf ("attention.las.%d.bn1", b);
      g_autofree char *bn2 = g_strdup_printf ("attention.las.%d.bn2", b);

      p->conv1_w = ADD (l, 4, SHAPE (hl, cw, 1, 1), "attention.las.%d.LA_conv1.weight", b);
      p->conv1_b = ADD (l, 1, SHAPE (hl), "attention.las.%d.LA_conv1.bias", b);
      p->bn1 = layout_bn (l, hl, bn1);
      p->conv2_w = ADD (l, 4, SHAPE (1, hl, 1, 1), "attention.las.%d.LA_conv2.weight", b);
      p->conv2_b = ADD (l, 1, SHAPE (1), "attention.las.%d.LA_conv2.bias", b);
      p->bn2 = layout_bn (l, 1, bn2);
    }

  m->proj_w = ADD (l, 4, SHAPE (d, cw, 1, 1), "convert.proj.weight");
  m->proj_b = ADD (l, 1, SHAPE (d), "convert.proj.bias");
  m->cls_token = ADD (l, 3, SHAPE (1, 1, d), "vit.cls_token");
  m->pos_embed = ADD (l, 3, SHAPE (1, t, d), "vit.pos_embed");

  for (int i = 0; i < c->depth; i++)
    {
      TfBlockParams *p = &m->blocks[i];

      p->norm1_w = ADD (l, 1, SHAPE (d), "vit.blocks.%d.norm1.weight", i);
      p->norm1_b = ADD (l, 1, SHAPE (d), "vit.blocks.%d.norm1.bias", i);
      p->qkv_w = ADD (l, 2, SHAPE (3 * d, d), "vit.blocks.%d.attn.qkv.weight", i);
      p->proj_w = ADD (l, 2, SHAPE (d, d), "vit.blocks.%d.attn.proj.weight", i);
      p->proj_b = ADD (l, 1, SHAPE (d), "vit.blocks.%d.attn.proj.bias", i);
      p->norm2_w = ADD (l, 1, SHAPE (d), "vit.blocks.%d.norm2.weight", i);
      p->norm2_b = ADD (l, 1, SHAPE (d), "vit.blocks.%d.norm2.bias", i);
      p->fc1_w = ADD (l, 2, SHAPE (hid, d), "vit.blocks.%d.mlp.fc1.weight", i);
      p->fc1_b = ADD (l, 1, SHAPE (hid), "vit.blocks.%d.mlp.fc1.bias", i);
      p->fc2_w = ADD (l, 2, SHAPE (d, hid), "vit.blocks.%d.mlp.fc2.weight", i);
      p->fc2_b = ADD (l, 1, SHAPE (d), "vit.blocks.%d.mlp.fc2.bias", i);
    }

  m->norm_w = ADD (l, 1, SHAPE (d), "vit.norm.weight");
  m->norm_b = ADD (l, 1, SHAPE (d), "vit.norm.bias");
  m->head_w = ADD (l, 2, SHAPE (c->num_classes, d), "head.fc.weight");
  m->head_b = ADD (l, 1, SHAPE (c->num_classes), "head.fc.bias");
}

static void
param_info_clear (gpointer data)
{
  TfParamInfo *p = data;

  g_free (p->name);
}

static GArray *
new_info_array (void)
{
  GArray *info = g_array_new (FALSE, TRUE, sizeof (TfParamInfo));

  g_array_set_clear_func (info, param_info_clear);
  return info;
}

static int
total_units (const TfConfig *c)
{
  int n = 0;

  for (int s = 0; s < TF_STAGES; s++)
    n += c->stem_depths[s];
  return n;
}

/* Every parameter and buffer @config declares, in file order, without
 * allocating them. */
static GArray *
param_layout (const TfConfig *config)
{
  TfModel m = { .config = *config };
  Layout l = { .info = new_info_array () };

  m.units = g_new0 (TfUnitParams, total_units (config));
  m.lanets = g_new0 (TfLanetParams, config->lanets);
  m.blocks = g_new0 (TfBlockParams, config->depth);
  layout_model (&m, &l);
  g_free (m.units);
  g_free (m.lanets);
  g_free (m.blocks);
  return l.info;
}

gsize
tf_config_n_params (const TfConfig *config)
{
  g_autoptr(GArray) info = param_layout (config);
  gsize n = 0;

  for (guint i = 0; i < info->len; i++)
    {
      TfParamInfo *p = &g_array_index (info, TfParamInfo, i);
      if (!p->is_buffer)
        n += p->numel;
    }
  return n;
}

static char *
shape_string (const int64_t *shape,
              int            ndim)
{
  GString *s = g_string_new ("[");

  for (int d = 0; d < ndim; d++)
    g_string_append_printf (s, "%s%" G_GINT64_FORMAT, d ? ", " : "", shape[d]);
  g_string_append_c (s, ']');
  return g_string_free (s, FALSE);
}

/* Every tensor @config needs is in @st with its shape: checked before the
 * parameters are allocated, so a config that declares more than the file
 * holds is refused at once (the file's own offsets were checked when it was
 * opened, so what is allocated after this is bounded by the file's size). */
static gboolean
check_tensors (TfSafetensors  *st,
               const TfConfig *config,
               const char     *path,
               GError        **error)
{
  g_autoptr(GArray) info = param_layout (config);

  for (guint i = 0; i < info->len; i++)
    {
      TfParamInfo *p = &g_array_index (info, TfParamInfo, i);
      const TfStTensor *t = tf_safetensors_lookup (st, p->name);
      gboolean same = t != NULL && t->ndim == p->ndim;

      for (int d = 0; same && d < p->ndim; d++)
        same = t->shape[d] == p->shape[d];
      if (!same)
        {
          g_autofree char *base = g_path_get_basename (path);
          g_autofree char *want = shape_string (p->shape, p->ndim);
          g_autofree char *have = t ? shape_string (t->shape, t->ndim) : NULL;

          if (t == NULL)
            g_set_error (error, TF_ERROR, TF_ERROR_TENSOR, "%s: tensor '%s' %s is missing", base, p->name, want);
          else
            g_set_error (error, TF_ERROR, TF_ERROR_TENSOR, "%s: tensor '%s' has shape %s, the config needs %s",
                         base, p->name, have, want);
          return FALSE;
        }
    }
  return TRUE;
}

gboolean
tf_model_check_config (const TfConfig  *config,
                       GError         **error)
{
  gsize n;

  if (!tf_config_validate (config, error))
    return FALSE;
  if ((n = tf_config_n_params (config)) > (gsize) G_MAXINT32)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_CONFIG,
                   "config: %" G_GSIZE_FORMAT " parameters is more than this engine holds", n);
      return FALSE;
    }
  return TRUE;
}

/* Sets BN to the identity: weight 1, bias 0, mean 0, var 1. */
static void
bn_identity (float *bn,
             int    c)
{
  for (int i = 0; i < c; i++)
    {
      bn[i] = 1.0f;
      bn[c + i] = 0.0f;
      bn[2 * c + i] = 0.0f;
      bn[3 * c + i] = 1.0f;
    }
}

TfModel *
tf_model_new (const TfConfig     *config,
              const char * const *classes)
{
  TfModel *m;
  Layout l = { 0 };

  g_return_val_if_fail (config != NULL, NULL);
  g_return_val_if_fail (tf_model_check_config (config, NULL), NULL);

  m = g_new0 (TfModel, 1);
  m->config = *config;
  m->n_units = total_units (config);
  m->units = g_new0 (TfUnitParams, m->n_units);
  m->lanets = g_new0 (TfLanetParams, config->lanets);
  m->blocks = g_new0 (TfBlockParams, config->depth);
  m->metadata = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  m->temperature = 1.0;

  m->classes = g_new0 (char *, config->num_classes + 1);
  for (int k = 0; k < config->num_classes; k++)
    m->classes[k] = classes && g_strv_length ((char **) classes) > (guint) k
                    ? g_strdup (classes[k]) : g_strdup_printf ("class%d", k);

  m->input.size = config->input_size;
  m->input.gray = FALSE;
  memcpy (m->input.mean, default_mean, sizeof default_mean);
  memcpy (m->input.std, default_std, sizeof default_std);

  /* count, allocate, then lay out for real */
  l.info = new_info_array ();
  layout_model (m, &l);
  m->n_params = l.offset;
  g_array_unref (l.info);

  m->params = g_aligned_alloc0 (m->n_params, sizeof (float), 64);
  m->param_info = new_info_array ();
  l = (Layout) { .info = m->param_info, .base = m->params };
  layout_model (m, &l);
  return m;
}

static void
fill_uniform (TfRng *rng, float *p, gsize n, double bound)
{
  for (gsize i = 0; i < n; i++)
    p[i] = (float) ((2.0 * tf_rng_uniform (rng) - 1.0) * bound);
}

/* timm's trunc_normal_(std): normal, redrawn outside [-2, 2] absolute. */
static void
fill_trunc_normal (TfRng *rng, float *p, gsize n, double std)
{
  for (gsize i = 0; i < n; i++)
    {
      double v;
      do
        v = tf_rng_normal (rng) * std;
      while (v < -2.0 || v > 2.0);
      p[i] = (float) v;
    }
}

void
tf_model_init_random (TfModel *m,
                      guint64  seed)
{
  TfRng rng;

  g_return_if_fail (m != NULL);
  tf_rng_seed (&rng, seed);
  memset (m->params, 0, m->n_params * sizeof (float));

  for (guint i = 0; i < m->param_info->len; i++)
    {
      TfParamInfo *p = &g_array_index (m->param_info, TfParamInfo, i);
      float *data = m->params + p->offset;

      if (p->ndim == 4)
        {
          /* PyTorch's conv default: kaiming_uniform(a = sqrt 5) = U(+-1/sqrt(fan_in)) */
          gsize fan_in = p->shape[1] * p->shape[2] * p->shape[3];
          fill_uniform (&rng, data, p->numel, 1.0 / sqrt ((double) fan_in));
          /* and its bias, when the next entry is that conv's bias */
          if (i + 1 < m->param_info->len)
            {
              TfParamInfo *b = &g_array_index (m->param_info, TfParamInfo, i + 1);
              if (g_str_has_suffix (b->name, ".bias") && b->numel == (gsize) p->shape[0] &&
                  strncmp (b->name, p->name, strlen (p->name) - strlen ("weight")) == 0)
                {
                  fill_uniform (&rng, m->params + b->offset, b->numel, 1.0 / sqrt ((double) fan_in));
                  i++;
                }
            }
        }
      else if (p->ndim == 2 || p->ndim == 3)
        fill_trunc_normal (&rng, data, p->numel, 0.02);
    }

  bn_identity (m->in_bn, m->config.stem_widths[0]);
  for (int k = 0; k < m->config.stem_widths[0]; k++)
    m->in_prelu[k] = 0.25f;
  for (int u = 0; u < m->n_units; u++)
    {
      TfUnitParams *p = &m->units[u];
      bn_identity (p->bn0, p->in);
      bn_identity (p->bn4, p->out);
      if (p->sc_bn)
        bn_identity (p->sc_bn, p->out);
      for (int k = 0; k < p->out; k++)
        p->prelu[k] = 0.25f;
    }
  for (int b = 0; b < m->config.lanets; b++)
    {
      bn_identity (m->lanets[b].bn1, m->config.stem_widths[2] / m->config.lanet_reduction);
      bn_identity (m->lanets[b].bn2, 1);
    }
  for (int i = 0; i < m->config.depth; i++)
    {
      TfBlockParams *p = &m->blocks[i];
      for (int k = 0; k < m->config.embed_dim; k++)
        p->norm1_w[k] = p->norm2_w[k] = 1.0f;
    }
  for (int k = 0; k < m->config.embed_dim; k++)
    m->norm_w[k] = 1.0f;
}

const TfParamInfo *
tf_model_find_param (TfModel    *m,
                     const char *name)
{
  g_return_val_if_fail (m != NULL && name != NULL, NULL);
  for (guint i = 0; i < m->param_info->len; i++)
    {
      TfParamInfo *p = &g_array_index (m->param_info, TfParamInfo, i);
      if (g_str_equal (p->name, name))
        return p;
    }
  return NULL;
}

gboolean
tf_model_parse_temperature (const char  *value,
                            double      *temperature,
                            GError     **error)
{
  char *end = NULL;
  double t;

  g_return_val_if_fail (value != NULL && temperature != NULL, FALSE);

  t = g_ascii_strtod (value, &end);
  if (end == value || *end != '\0' || !isfinite (t) || t < TF_MODEL_TEMPERATURE_MIN || t > TF_MODEL_TEMPERATURE_MAX)
    {
      /* what the file says, cut short: a metadata value can be long (and
       * g_utf8_substring must not be asked past the end) */
      gboolean valid = g_utf8_validate (value, -1, NULL);
      g_autofree char *shown = valid ? g_utf8_substring (value, 0, MIN (g_utf8_strlen (value, -1), 40))
                                     : g_strdup ("(not UTF-8)");

      g_set_error (error, TF_ERROR, TF_ERROR_CONFIG,
                   "metadata '%s' is \"%s\": it must be a number from %g to %g",
                   TF_MODEL_TEMPERATURE_KEY, shown, TF_MODEL_TEMPERATURE_MIN, TF_MODEL_TEMPERATURE_MAX);
      return FALSE;
    }
  *temperature = t;
  return TRUE;
}

void
tf_model_set_temperature (TfModel *m,
                          double   temperature)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  g_return_if_fail (m != NULL);
  g_return_if_fail (temperature >= TF_MODEL_TEMPERATURE_MIN && temperature <= TF_MODEL_TEMPERATURE_MAX);

  g_ascii_formatd (buf, sizeof buf, "%.6g", temperature);
  m->temperature = g_ascii_strtod (buf, NULL);
  if (m->temperature == 1.0)
    g_hash_table_remove (m->metadata, TF_MODEL_TEMPERATURE_KEY);
  else
    g_hash_table_insert (m->metadata, g_strdup (TF_MODEL_TEMPERATURE_KEY), g_strdup (buf));
}

void
tf_input_spec_clear (TfInputSpec *spec)
{
  g_clear_pointer (&spec->json, g_free);
}

static gboolean
read_triple (JsonObject *obj,
             const char *key,
             float      *out,
             gboolean    positive,
             GError    **error)
{
  JsonNode *node = json_object_get_member (obj, key);
  JsonArray *arr;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node) ||
      json_array_get_length (arr = json_node_get_array (node)) != 3)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_CONFIG, "input: '%s' must be an array of 3 numbers", key);
      return FALSE;
    }
  for (guint i = 0; i < 3; i++)
    {
      double v;

      if (!tf_json_get_number (json_array_get_element (arr, i), &v))
        {
          g_set_error (error, TF_ERROR, TF_ERROR_CONFIG, "input: '%s'[%u] is not a number", key, i);
          return FALSE;
        }
      if (!isfinite (v) || (positive && !(v > 1e-6)) || fabs (v) > 1e6)
        {
          g_set_error (error, TF_ERROR, TF_ERROR_CONFIG, "input: '%s'[%u] = %g is out of range", key, i, v);
          return FALSE;
        }
      out[i] = (float) v;
    }
  return TRUE;
}

gboolean
tf_input_spec_from_json (const char   *json,
                         TfInputSpec  *spec,
                         GError      **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *obj;
  JsonNode *node;
  const char *color = "rgb";

  memset (spec, 0, sizeof *spec);
  if (!(obj = tf_json_parse_object (parser, json, "input", error)))
    return FALSE;

  node = json_object_get_member (obj, "size");
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64)
    {
      g_set_error_literal (error, TF_ERROR, TF_ERROR_CONFIG, "input: 'size' must be an integer");
      return FALSE;
    }
  spec->size = (int) CLAMP (json_node_get_int (node), 0, G_MAXINT);

  node = json_object_get_member (obj, "color");
  if (node != NULL)
    {
      if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
        {
          g_set_error_literal (error, TF_ERROR, TF_ERROR_CONFIG, "input: 'color' must be \"rgb\" or \"gray\"");
          return FALSE;
        }
      color = json_node_get_string (node);
    }
  if (!g_str_equal (color, "rgb") && !g_str_equal (color, "gray"))
    {
      g_set_error (error, TF_ERROR, TF_ERROR_CONFIG, "input: color '%s' is neither \"rgb\" nor \"gray\"", color);
      return FALSE;
    }
  spec->gray = g_str_equal (color, "gray");

  if (!read_triple (obj, "mean", spec->mean, FALSE, error) ||
      !read_triple (obj, "std", spec->std, TRUE, error))
    return FALSE;

  spec->json = g_strdup (json);
  return TRUE;
}

char *
tf_input_spec_to_json (const TfInputSpec *spec)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(JsonNode) root = NULL;
  JsonObject *obj;
  JsonArray *mean = json_array_new (), *std = json_array_new ();
  GString *s = g_string_new (NULL);

  /* keep keys this engine does not interpret (crop framing and the like) */
  if (spec->json && json_parser_load_from_data (parser, spec->json, -1, NULL) &&
      JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    root = json_node_copy (json_parser_get_root (parser));
  else
    root = json_node_init_object (json_node_alloc (), json_object_new ());
  obj = json_node_get_object (root);

  json_object_set_int_member (obj, "size", spec->size);
  json_object_set_string_member (obj, "color", spec->gray ? "gray" : "rgb");
  for (int i = 0; i < 3; i++)
    {
      json_array_add_double_element (mean, spec->mean[i]);
      json_array_add_double_element (std, spec->std[i]);
    }
  json_object_set_array_member (obj, "mean", mean);
  json_object_set_array_member (obj, "std", std);

  tf_json_append_node (s, root);
  return g_string_free (s, FALSE);
}

/* A metadata value that is a JSON array of non-empty names (@what names it
 * in messages): exactly @n of them, or at least one when @n is -1. */
static char **
parse_names (const char  *json,
             const char  *what,
             int          n,
             GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GStrvBuilder) names = g_strv_builder_new ();
  JsonNode *root;
  JsonArray *arr;

  if (!json_parser_load_from_data (parser, json, -1, NULL) ||
      (root = json_parser_get_root (parser)) == NULL || !JSON_NODE_HOLDS_ARRAY (root))
    {
      g_set_error (error, TF_ERROR, TF_ERROR_CONFIG, "%s: not a JSON array of names", what);
      return NULL;
    }
  arr = json_node_get_array (root);
  if (n >= 0 && (int) json_array_get_length (arr) != n)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_CONFIG, "%s: %u names for a model of %d classes", what,
                   json_array_get_length (arr), n);
      return NULL;
    }
  if (n < 0 && json_array_get_length (arr) == 0)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_CONFIG, "%s: no names", what);
      return NULL;
    }
  for (guint i = 0; i < json_array_get_length (arr); i++)
    {
      JsonNode *el = json_array_get_element (arr, i);
      if (!JSON_NODE_HOLDS_VALUE (el) || json_node_get_value_type (el) != G_TYPE_STRING ||
          *json_node_get_string (el) == '\0')
        {
          g_set_error (error, TF_ERROR, TF_ERROR_CONFIG, "%s: entry %u is not a non-empty string", what, i);
          return NULL;
        }
      g_strv_builder_add (names, json_node_get_string (el));
    }
  return g_strv_builder_end (names);
}

static char **
parse_classes (const char  *json,
               int          n,
               GError     **error)
{
  return parse_names (json, "classes", n, error);
}

static gboolean
is_structural_key (const char *key)
{
  return g_str_equal (key, "format") || g_str_equal (key, "config") ||
         g_str_equal (key, "classes") || g_str_equal (key, "input");
}

static gboolean
prefix_error (GError    **error,
              const char *path)
{
  g_autofree char *base = g_path_get_basename (path);

  g_prefix_error (error, "%s: ", base);
  return FALSE;
}

/* The partial file's prefixes: a JSON array of non-empty names. */
static GStrv
parse_prefixes (const char  *json,
                GError     **error)
{
  return parse_names (json, "metadata 'partial'", -1, error);
}

static gboolean
under_prefixes (const char         *name,
                const char * const *prefixes)
{
  for (guint i = 0; prefixes[i]; i++)
    if (g_str_has_prefix (name, prefixes[i]) && name[strlen (prefixes[i])] == '.')
      return TRUE;
  return FALSE;
}

char *
tf_model_describe_partial (const char *json)
{
  g_auto(GStrv) prefixes = json ? parse_prefixes (json, NULL) : NULL;
  g_autoptr(GString) s = g_string_new (NULL);

  if (prefixes == NULL)
    return g_strdup (json ? json : "");
  for (guint i = 0; prefixes[i]; i++)
    g_string_append_printf (s, "%s%s.*", i ? ", " : "", prefixes[i]);
  return g_string_free (g_steal_pointer (&s), FALSE);
}

TfModel *
tf_model_load (const char  *path,
               GError     **error)
{
  g_autoptr(TfSafetensors) st = NULL;
  g_autoptr(TfModel) m = NULL;
  g_auto(GStrv) classes = NULL;
  TfConfig config;
  TfInputSpec input;
  const char *format, *config_json, *classes_json, *input_json;

  g_return_val_if_fail (path != NULL, NULL);

  if (!(st = tf_safetensors_open (path, error)))
    return NULL;

  format = tf_safetensors_get_metadata (st, "format");
  config_json = tf_safetensors_get_metadata (st, "config");
  classes_json = tf_safetensors_get_metadata (st, "classes");
  input_json = tf_safetensors_get_metadata (st, "input");
  if (format == NULL || !g_str_equal (format, "transfer"))
    {
      g_autofree char *base = g_path_get_basename (path);
      g_set_error (error, TF_ERROR, TF_ERROR_CONFIG,
                   "%s: not a TransFER model (metadata 'format' is %s%s%s, expected \"transfer\")",
                   base, format ? "\"" : "", format ? format : "missing", format ? "\"" : "");
      return NULL;
    }
  if (tf_safetensors_get_metadata (st, TF_MODEL_PARTIAL_KEY) != NULL)
    {
      g_autofree char *base = g_path_get_basename (path);
      g_autofree char *held = tf_model_describe_partial (tf_safetensors_get_metadata (st, TF_MODEL_PARTIAL_KEY));
      g_set_error (error, TF_ERROR, TF_ERROR_CONFIG,
                   "%s: a partial model (it holds %s only): it can start a training run "
                   "(transfer-cli train --from), not predict", base, held);
      return NULL;
    }
  if (config_json == NULL || classes_json == NULL || input_json == NULL)
    {
      g_autofree char *base = g_path_get_basename (path);
      g_set_error (error, TF_ERROR, TF_ERROR_CONFIG, "%s: metadata '%s' is missing", base,
                   config_json == NULL ? "config" : classes_json == NULL ? "classes" : "input");
      return NULL;
    }
  if (!tf_config_from_json (config_json, &config, error) || !tf_model_check_config (&config, error))
    return prefix_error (error, path), NULL;
  if (!(classes = parse_classes (classes_json, config.num_classes, error)))
    return prefix_error (error, path), NULL;
  if (!tf_input_spec_from_json (input_json, &input, error))
    return prefix_error (error, path), NULL;
  if (input.size != config.input_size)
    {
      g_autofree char *base = g_path_get_basename (path);
      g_set_error (error, TF_ERROR, TF_ERROR_CONFIG, "%s: input size %d differs from config input_size %d",
                   base, input.size, config.input_size);
      tf_input_spec_clear (&input);
      return NULL;
    }

  if (!check_tensors (st, &config, path, error))
    {
      tf_input_spec_clear (&input);
      return NULL;
    }
  m = tf_model_new (&config, (const char * const *) classes);
  tf_input_spec_clear (&m->input);
  m->input = input;

  for (guint i = 0; i < m->param_info->len; i++)
    {
      TfParamInfo *p = &g_array_index (m->param_info, TfParamInfo, i);
      if (!tf_safetensors_read_f32 (st, p->name, p->shape, p->ndim, m->params + p->offset, error))
        return NULL;
      tf_safetensors_release (st, p->name);
    }

  for (guint i = 0; i < tf_safetensors_get_n_tensors (st); i++)
    {
      const TfStTensor *t = tf_safetensors_get_nth (st, i);
      if (!g_str_has_suffix (t->name, "num_batches_tracked") && !tf_model_find_param (m, t->name))
        g_debug ("%s: ignoring unknown tensor '%s'", path, t->name);
    }

  /* keep provenance and anything else a later tool wrote */
  {
    const char * const *keys = tf_safetensors_get_metadata_keys (st);
    for (guint i = 0; keys && keys[i]; i++)
      if (!is_structural_key (keys[i]))
        g_hash_table_insert (m->metadata, g_strdup (keys[i]),
                             g_strdup (tf_safetensors_get_metadata (st, keys[i])));
  }

  /* parsed once here: the engine reads the number, never the string */
  {
    const char *t = g_hash_table_lookup (m->metadata, TF_MODEL_TEMPERATURE_KEY);
    if (t != NULL && !tf_model_parse_temperature (t, &m->temperature, error))
      return prefix_error (error, path), NULL;
  }

  return g_steal_pointer (&m);
}

gboolean
tf_model_file_is_partial (const char *path)
{
  g_autoptr(TfSafetensors) st = tf_safetensors_open (path, NULL);

  return st != NULL && tf_safetensors_get_metadata (st, TF_MODEL_PARTIAL_KEY) != NULL;
}

/* The partial file's config (which has no classes of its own) with @n classes. */
static char *
config_with_classes (const char  *json,
                     int          n,
                     GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *obj;

  if (!(obj = tf_json_parse_object (parser, json, "config", error)))
    return NULL;
  json_object_set_int_member (obj, "num_classes", n);
  return json_to_string (json_parser_get_root (parser), FALSE);
}

TfModel *
tf_model_load_partial (const char          *path,
                       const char * const  *classes,
                       guint64              seed,
                       GError             **error)
{
  g_autoptr(TfSafetensors) st = NULL;
  g_autoptr(TfModel) m = NULL;
  g_auto(GStrv) prefixes = NULL;
  g_autofree char *config_json = NULL;
  const char *partial, *input_json;
  TfConfig config;
  TfInputSpec input;

  g_return_val_if_fail (path != NULL && classes != NULL, NULL);

  if (!(st = tf_safetensors_open (path, error)))
    return NULL;
  if ((partial = tf_safetensors_get_metadata (st, TF_MODEL_PARTIAL_KEY)) == NULL)
    {
      g_autofree char *base = g_path_get_basename (path);
      g_set_error (error, TF_ERROR, TF_ERROR_CONFIG, "%s: not a partial model (no metadata '%s')", base,
                   TF_MODEL_PARTIAL_KEY);
      return NULL;
    }
  if (!(prefixes = parse_prefixes (partial, error)))
    return prefix_error (error, path), NULL;
  if (tf_safetensors_get_metadata (st, "config") == NULL || (input_json = tf_safetensors_get_metadata (st, "input")) == NULL)
    {
      g_autofree char *base = g_path_get_basename (path);
      g_set_error (error, TF_ERROR, TF_ERROR_CONFIG, "%s: metadata '%s' is missing", base,
                   tf_safetensors_get_metadata (st, "config") == NULL ? "config" : "input");
      return NULL;
    }
  if (!(config_json = config_with_classes (tf_safetensors_get_metadata (st, "config"),
                                           (int) g_strv_length ((char **) classes), error)) ||
      !tf_config_from_json (config_json, &config, error) || !tf_model_check_config (&config, error) ||
      !tf_input_spec_from_json (input_json, &input, error))
    return prefix_error (error, path), NULL;
  if (input.size != config.input_size)
    {
      g_autofree char *base = g_path_get_basename (path);
      g_set_error (error, TF_ERROR, TF_ERROR_CONFIG, "%s: input size %d differs from config input_size %d",
                   base, input.size, config.input_size);
      tf_input_spec_clear (&input);
      return NULL;
    }

  m = tf_model_new (&config, classes);
  tf_input_spec_clear (&m->input);
  m->input = input;
  tf_model_init_random (m, seed);

  for (guint i = 0; i < m->param_info->len; i++)
    {
      TfParamInfo *p = &g_array_index (m->param_info, TfParamInfo, i);
      const TfStTensor *t;

      if (!under_prefixes (p->name, (const char * const *) prefixes))
        continue;
      if ((t = tf_safetensors_lookup (st, p->name)) == NULL)
        {
          g_autofree char *base = g_path_get_basename (path);
          g_autofree char *want = shape_string (p->shape, p->ndim);
          g_set_error (error, TF_ERROR, TF_ERROR_TENSOR, "%s: tensor '%s' %s is missing", base, p->name, want);
          return NULL;
        }
      if (!tf_safetensors_read_f32 (st, p->name, p->shape, p->ndim, m->params + p->offset, error))
        return NULL;
      tf_safetensors_release (st, p->name);
    }
  for (guint i = 0; i < tf_safetensors_get_n_tensors (st); i++)
    {
      const TfStTensor *t = tf_safetensors_get_nth (st, i);
      const TfParamInfo *p = tf_model_find_param (m, t->name);

      if (g_str_has_suffix (t->name, "num_batches_tracked"))
        continue;
      if (p == NULL || !under_prefixes (t->name, (const char * const *) prefixes))
        {
          g_autofree char *base = g_path_get_basename (path);
          g_autofree char *held = tf_model_describe_partial (partial);
          g_set_error (error, TF_ERROR, TF_ERROR_TENSOR, "%s: tensor '%s' is not one of the partial model's %s",
                       base, t->name, held);
          return NULL;
        }
    }

  /* where the start came from, kept apart from what the training will say */
  {
    const char * const *keys = tf_safetensors_get_metadata_keys (st);
    for (guint i = 0; keys && keys[i]; i++)
      if (!is_structural_key (keys[i]) && !g_str_has_prefix (keys[i], "base_"))
        g_hash_table_insert (m->metadata, g_strconcat ("base_", keys[i], NULL),
                             g_strdup (tf_safetensors_get_metadata (st, keys[i])));
  }
  return g_steal_pointer (&m);
}

gboolean
tf_model_save (TfModel     *m,
               const char  *path,
               TfDtype      dtype,
               GError     **error)
{
  g_autoptr(TfSafetensorsWriter) w = tf_safetensors_writer_new ();
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *config = tf_config_to_json (&m->config);
  g_autofree char *input = tf_input_spec_to_json (&m->input);
  g_autofree char *classes = NULL;
  GHashTableIter iter;
  gpointer key, value;

  g_return_val_if_fail (m != NULL && path != NULL, FALSE);

  json_builder_begin_array (b);
  for (int k = 0; k < m->config.num_classes; k++)
    json_builder_add_string_value (b, m->classes[k]);
  json_builder_end_array (b);
  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  classes = json_generator_to_data (gen, NULL);

  tf_safetensors_writer_add_metadata (w, "format", "transfer");
  tf_safetensors_writer_add_metadata (w, "config", config);
  tf_safetensors_writer_add_metadata (w, "classes", classes);
  tf_safetensors_writer_add_metadata (w, "input", input);
  g_hash_table_iter_init (&iter, m->metadata);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (!is_structural_key (key))
      tf_safetensors_writer_add_metadata (w, key, value);

  for (guint i = 0; i < m->param_info->len; i++)
    {
      TfParamInfo *p = &g_array_index (m->param_info, TfParamInfo, i);
      tf_safetensors_writer_add_f32 (w, p->name, p->shape, p->ndim, m->params + p->offset, dtype);
    }
  return tf_safetensors_writer_write (w, path, error);
}

TfModel *
tf_model_dup (TfModel            *m,
              const char * const *extra,
              GError            **error)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new ();
  TfConfig config = m->config;
  TfModel *d;
  GHashTableIter iter;
  gpointer key, value;
  int k_old = m->config.num_classes;

  g_return_val_if_fail (m != NULL, NULL);

  for (int k = 0; k < k_old; k++)
    g_ptr_array_add (names, m->classes[k]);
  for (int i = 0; extra && extra[i]; i++)
    {
      for (guint j = 0; j < names->len; j++)
        if (g_strcmp0 (names->pdata[j], extra[i]) == 0)
          {
            g_set_error (error, TF_ERROR, TF_ERROR_INPUT, "the model already has the class '%s'", extra[i]);
            return NULL;
          }
      if (!*extra[i])
        {
          g_set_error_literal (error, TF_ERROR, TF_ERROR_INPUT, "a class needs a name");
          return NULL;
        }
      g_ptr_array_add (names, (gpointer) extra[i]);
    }
  g_ptr_array_add (names, NULL);
  config.num_classes = (int) names->len - 1;

  d = tf_model_new (&config, (const char * const *) names->pdata);
  for (guint i = 0; i < d->param_info->len; i++)
    {
      const TfParamInfo *to = &g_array_index (d->param_info, TfParamInfo, i);
      const TfParamInfo *from = &g_array_index (m->param_info, TfParamInfo, i);
      /* same layout but for the head, which is last and grows by rows */
      memcpy (d->params + to->offset, m->params + from->offset, MIN (to->numel, from->numel) * sizeof (float));
    }
  if (config.num_classes > k_old)
    {
      float low = m->head_b[0];
      for (int k = 1; k < k_old; k++)
        low = MIN (low, m->head_b[k]);
      for (int k = k_old; k < config.num_classes; k++)
        d->head_b[k] = low;   /* head_w rows stay zero */
    }

  tf_input_spec_clear (&d->input);
  d->input = m->input;
  d->input.json = g_strdup (m->input.json);
  g_hash_table_iter_init (&iter, m->metadata);
  while (g_hash_table_iter_next (&iter, &key, &value))
    g_hash_table_insert (d->metadata, g_strdup (key), g_strdup (value));
  d->temperature = m->temperature;
  return d;
}

void
tf_model_free (TfModel *m)
{
  if (m == NULL)
    return;
  g_free (m->units);
  g_free (m->lanets);
  g_free (m->blocks);
  g_strfreev (m->classes);
  g_clear_pointer (&m->metadata, g_hash_table_unref);
  g_clear_pointer (&m->param_info, g_array_unref);
  g_aligned_free (m->params);
  tf_input_spec_clear (&m->input);
  g_free (m);
}
