/* SPDX-License-Identifier: GPL-3.0-or-later */
/* JSON helpers: reading the JSON inside model metadata, writing JSON text. */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Parses @json with @parser and returns its root object, or NULL with an
 * error (TF_ERROR_CONFIG) that starts with @what. */
JsonObject *tf_json_parse_object (JsonParser  *parser,
                                  const char  *json,
                                  const char  *what,
                                  GError     **error);

/* TRUE when @node is a number (json-glib reads "3" as an int, "3.0" as a
 * double), stored in @out. */
gboolean    tf_json_get_number   (JsonNode    *node,
                                  double      *out);

/* Appends @v as a JSON number that reads back to the same double.
 * json-glib 1.6's generator turns 1e-08 into the invalid "1e-08.0". */
void        tf_json_append_double (GString   *s,
                                   double     v);
/* Appends @node (any JSON value) as compact JSON text. */
void        tf_json_append_node   (GString   *s,
                                   JsonNode  *node);

/* Appends @str as a JSON string, quotes and escapes added; bytes that are
 * not UTF-8 become U+FFFD, so the output is always valid JSON. */
void        tf_json_string        (GString     *s,
                                   const char  *str);
/* Appends "file":NAME for the file name @path (in the file system's
 * encoding): its UTF-8 display name, and when @path is not UTF-8 also
 * "file_bytes":[...], the name's bytes. */
void        tf_json_file_member   (GString     *s,
                                   const char  *path);
/* Appends @n floats as a JSON array; 9 significant digits read back to the
 * same float, and what is not finite is written as null. */
void        tf_json_floats        (GString     *s,
                                   const float *v,
                                   gsize        n);

G_END_DECLS
