/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>
#include <string.h>

#include "tf-error.h"
#include "tf-json.h"

JsonObject *
tf_json_parse_object (JsonParser  *parser,
                      const char  *json,
                      const char  *what,
                      GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  JsonNode *root;

  if (!json_parser_load_from_data (parser, json, -1, &local_error))
    {
      g_set_error (error, TF_ERROR, TF_ERROR_CONFIG, "%s: not valid JSON: %s", what, local_error->message);
      return NULL;
    }
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, TF_ERROR, TF_ERROR_CONFIG, "%s: not a JSON object", what);
      return NULL;
    }
  return json_node_get_object (root);
}

gboolean
tf_json_get_number (JsonNode *node,
                    double   *out)
{
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;
  if (json_node_get_value_type (node) == G_TYPE_INT64)
    *out = (double) json_node_get_int (node);
  else if (json_node_get_value_type (node) == G_TYPE_DOUBLE)
    *out = json_node_get_double (node);
  else
    return FALSE;
  return TRUE;
}

void
tf_json_append_double (GString *s,
                       double   v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  g_return_if_fail (isfinite (v));
  /* the shortest text that reads back exactly is valid JSON as it stands */
  g_string_append (s, g_ascii_dtostr (buf, sizeof buf, v));
}

void
tf_json_append_node (GString  *s,
                     JsonNode *node)
{
  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_DOUBLE)
    tf_json_append_double (s, json_node_get_double (node));
  else if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObjectIter iter;
      const char *name;
      JsonNode *member;
      gboolean first = TRUE;

      g_string_append_c (s, '{');
      json_object_iter_init (&iter, json_node_get_object (node));
      while (json_object_iter_next (&iter, &name, &member))
        {
          g_autoptr(JsonNode) key = json_node_init_string (json_node_alloc (), name);
          if (!first)
            g_string_append_c (s, ',');
          first = FALSE;
          tf_json_append_node (s, key);
          g_string_append_c (s, ':');
          tf_json_append_node (s, member);
        }
      g_string_append_c (s, '}');
    }
  else if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *arr = json_node_get_array (node);
      g_string_append_c (s, '[');
      for (guint i = 0; i < json_array_get_length (arr); i++)
        {
          if (i)
            g_string_append_c (s, ',');
          tf_json_append_node (s, json_array_get_element (arr, i));
        }
      g_string_append_c (s, ']');
    }
  else
    {
      /* strings, integers, booleans, null: the generator writes these right */
      g_autoptr(JsonGenerator) gen = json_generator_new ();
      g_autofree char *text = NULL;
      json_generator_set_root (gen, node);
      text = json_generator_to_data (gen, NULL);
      g_string_append (s, text);
    }
}

void
tf_json_string (GString    *s,
                const char *str)
{
  const char *p = str;

  g_string_append_c (s, '"');
  while (*p)
    {
      const char *bad = NULL;
      const char *end;

      /* JSON text is UTF-8: a byte that is not becomes U+FFFD */
      if (!g_utf8_validate (p, -1, &bad))
        end = bad;
      else
        end = p + strlen (p);
      for (; p < end; p++)
        {
          unsigned char ch = (unsigned char) *p;
          if (ch == '"' || ch == '\\')
            g_string_append_printf (s, "\\%c", ch);
          else if (ch < 0x20)
            g_string_append_printf (s, "\\u%04x", ch);
          else
            g_string_append_c (s, (char) ch);
        }
      if (*p)
        {
          g_string_append (s, "\xEF\xBF\xBD");
          p++;
        }
    }
  g_string_append_c (s, '"');
}

void
tf_json_file_member (GString    *s,
                     const char *path)
{
  g_autofree char *display = g_filename_display_name (path);

  g_string_append (s, "\"file\":");
  tf_json_string (s, display);
  /* a name in another encoding: its bytes, so that it can still be found */
  if (!g_utf8_validate (path, -1, NULL))
    {
      g_string_append (s, ",\"file_bytes\":[");
      for (const unsigned char *p = (const unsigned char *) path; *p; p++)
        g_string_append_printf (s, "%s%u", p == (const unsigned char *) path ? "" : ",", *p);
      g_string_append_c (s, ']');
    }
}

void
tf_json_floats (GString     *s,
                const float *v,
                gsize        n)
{
  g_string_append_c (s, '[');
  for (gsize i = 0; i < n; i++)
    {
      char buf[G_ASCII_DTOSTR_BUF_SIZE];
      if (i)
        g_string_append_c (s, ',');
      /* 9 significant digits round-trip a float exactly */
      if (isfinite (v[i]))
        g_string_append (s, g_ascii_formatd (buf, sizeof buf, "%.9g", v[i]));
      else
        g_string_append (s, "null");
    }
  g_string_append_c (s, ']');
}
