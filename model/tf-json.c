/* SPDX-License-Identifier: GPL-3.0-or-later */
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
