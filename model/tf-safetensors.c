/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The reader trusts nothing in the file: every length, offset, shape and dtype
 * is checked before a pointer into the data is formed, so that callers can
 * index tensors without further checks. */
#include "tf-safetensors.h"
#include "tf-error.h"
#include "tf-safetensors-private.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

/* Real headers are a few hundred kilobytes at most; the limit keeps a
 * corrupt length from making us parse a whole model as JSON. */
#define TF_ST_MAX_HEADER  ((guint64) 100 * 1024 * 1024)
/* A valid header nests three deep; json-glib recurses once per level and
 * overflows the stack on a long run of brackets. */
#define TF_ST_MAX_DEPTH   32
/* json-glib needs about 40 bytes per value: a 100 MiB header of "0,0,..."
 * would take 4 GiB.  A real header has about a dozen values per tensor. */
#define TF_ST_MAX_VALUES  (1 << 20)

struct _TfSafetensors
{
  char         *path;         /* NULL for a caller's buffer */
  char         *display_name; /* what error messages call the file */
  const guint8 *data;         /* start of the data section */
  gsize         data_size;
  void         *map;          /* the whole file, when we mapped it */
  gsize         map_size;
  TfStTensor   *tensors;      /* in header order */
  guint         n_tensors;
  GHashTable   *by_name;      /* name -> TfStTensor* */
  GHashTable   *metadata;     /* char* -> char* */
  char        **metadata_keys; /* sorted, made on first request */
};


typedef struct
{
  GHashTable *counts;         /* JsonObject* -> members reported */
  char       *duplicate;
} DuplicateCheck;

static const struct
{
  const char *name;
  gsize       size;
} dtype_info[] = {
  [TF_DTYPE_F32]  = { "F32",  4 },
  [TF_DTYPE_F16]  = { "F16",  2 },
  [TF_DTYPE_BF16] = { "BF16", 2 },
  [TF_DTYPE_F64]  = { "F64",  8 },
  [TF_DTYPE_I64]  = { "I64",  8 },
  [TF_DTYPE_I32]  = { "I32",  4 },
  [TF_DTYPE_I16]  = { "I16",  2 },
  [TF_DTYPE_I8]   = { "I8",   1 },
  [TF_DTYPE_U8]   = { "U8",   1 },
  [TF_DTYPE_BOOL] = { "BOOL", 1 },
};

/* Scalar conversions */

float
tf_f16_to_f32 (guint16 h)
{
  guint32 sign = (guint32) (h & 0x8000) << 16;
  guint32 exp = (h >> 10) & 0x1f;
  guint32 mant = h & 0x3ff;
  guint32 bits;
  float f;

  if (exp == 0x1f)
    bits = sign | 0x7f800000 | (mant << 13);  /* keeps a NaN's payload */
  else if (exp != 0)
    bits = sign | ((exp + 112) << 23) | (mant << 13);
  else if (mant == 0)
    bits = sign;
  else
    {
      /* Subnormal halves are normal floats: shift the leading one up. */
      for (exp = 113; (mant & 0x400) == 0; exp--)
        mant <<= 1;
      bits = sign | (exp << 23) | ((mant & 0x3ff) << 13);
    }

  memcpy (&f, &bits, sizeof f);
  return f;
}

float
tf_bf16_to_f32 (guint16 b)
{
  guint32 bits = (guint32) b << 16;
  float f;

  memcpy (&f, &bits, sizeof f);
  return f;
}

const char *
tf_dtype_name (TfDtype dtype)
{
  g_return_val_if_fail ((guint) dtype < G_N_ELEMENTS (dtype_info), NULL);

  return dtype_info[dtype].name;
}

gsize
tf_dtype_size (TfDtype dtype)
{
  g_return_val_if_fail ((guint) dtype < G_N_ELEMENTS (dtype_info), 0);

  return dtype_info[dtype].size;
}

static gboolean
dtype_from_name (const char *name,
                 TfDtype    *out)
{
  for (guint i = 0; i < G_N_ELEMENTS (dtype_info); i++)
    if (strcmp (dtype_info[i].name, name) == 0)
      {
        *out = (TfDtype) i;
        return TRUE;
      }
  return FALSE;
}

static char *
format_shape (const int64_t *shape,
              int            ndim)
{
  GString *s = g_string_new ("[");

  for (int i = 0; i < ndim; i++)
    g_string_append_printf (s, "%s%" G_GINT64_FORMAT, i ? ", " : "", (gint64) shape[i]);
  g_string_append_c (s, ']');
  return g_string_free (s, FALSE);
}

/* Bounding the byte count also bounds the element count, and keeps
 * numel * size valid in both int64_t and gsize. */
gboolean
tf_st_count_elements (const int64_t *shape,
                int            ndim,
                gsize          size,
                int64_t       *numel)
{
  guint64 max_numel = MIN ((guint64) G_MAXSIZE, (guint64) G_MAXINT64) / size;

  *numel = 1;
  for (int i = 0; i < ndim; i++)
    {
      if (shape[i] < 0 || (shape[i] != 0 && (guint64) *numel > max_numel / (guint64) shape[i]))
        return FALSE;
      *numel *= shape[i];
    }
  return TRUE;
}

/* Reader */

/* Every message starts with the file's name: the user may have several. */
G_GNUC_PRINTF (4, 5) static gboolean
fail (GError     **error,
      TfError      code,
      const char  *file,
      const char  *format,
      ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, TF_ERROR, code, "%s: %s", file, message);
  return FALSE;
}

void
tf_safetensors_free (TfSafetensors *st)
{
  if (st == NULL)
    return;

  for (guint i = 0; i < st->n_tensors; i++)
    g_free ((char *) st->tensors[i].name);
  g_free (st->tensors);
  g_clear_pointer (&st->by_name, g_hash_table_unref);
  g_clear_pointer (&st->metadata, g_hash_table_unref);
  g_clear_pointer (&st->metadata_keys, g_strfreev);
  if (st->map != NULL)
    munmap (st->map, st->map_size);
  g_free (st->path);
  g_free (st->display_name);
  g_free (st);
}

/* json-glib accepts more than JSON (single quotes, comments, hex numbers)
 * and its cost grows with nesting (recursion) and values (memory) without
 * bound.  Allowing outside strings only the characters JSON needs makes our
 * idea of where strings end agree with json-glib's, so the depth and values
 * counted here are those it will meet. */
static gboolean
check_json_text (TfSafetensors  *st,
                    const char     *text,
                    gsize           len,
                    GError        **error)
{
  gboolean in_string = FALSE;
  gboolean closed = FALSE;
  guint values = 0;
  int depth = 0;

  for (gsize i = 0; i < len; i++)
    {
      char c = text[i];

      /* json-glib ignores what follows the first value; a writer would not. */
      if (closed && !g_ascii_isspace (c))
        return fail (error, TF_ERROR_FORMAT, st->display_name,
                     "the header has data after its JSON object (offset %" G_GSIZE_FORMAT ")", i);
      if (in_string)
        {
          /* json-glib would cut the string short at an escaped NUL. */
          if (c == '\\' && len - i >= 6 && memcmp (text + i + 1, "u0000", 5) == 0)
            return fail (error, TF_ERROR_FORMAT, st->display_name,
                         "the header has an escaped NUL character at offset %" G_GSIZE_FORMAT, i);
          if (c == '\\')
            i++;
          else if (c == '"')
            in_string = FALSE;
          continue;
        }

      if (c == '\0' || strchr ("\"[]{} \t\r\n:,.+-0123456789eE" "truefalsn", c) == NULL)
        return fail (error, TF_ERROR_FORMAT, st->display_name,
                     "the header is not valid JSON (byte 0x%02x at offset %" G_GSIZE_FORMAT ")",
                     (guint) (guchar) c, i);
      if (strchr ("[{,:", c) != NULL && ++values > TF_ST_MAX_VALUES)
        return fail (error, TF_ERROR_FORMAT, st->display_name,
                     "the header holds more than %d values", TF_ST_MAX_VALUES);
      if ((c == '[' || c == '{') && ++depth > TF_ST_MAX_DEPTH)
        return fail (error, TF_ERROR_FORMAT, st->display_name,
                     "the header nests deeper than %d levels", TF_ST_MAX_DEPTH);
      if ((c == ']' || c == '}') && --depth < 0)
        return fail (error, TF_ERROR_FORMAT, st->display_name,
                     "the header is not valid JSON (unbalanced '%c' at offset %" G_GSIZE_FORMAT ")", c, i);
      in_string = c == '"';
      if ((c == ']' || c == '}') && depth == 0)
        closed = TRUE;
    }
  return TRUE;
}

/* json-glib keeps the last of two members with the same name, but it reports
 * each one as parsed; a report that does not grow the object is a repeat. */
static void
on_object_member_cb (JsonParser *parser G_GNUC_UNUSED,
                     JsonObject *object,
                     const char *member_name,
                     gpointer    user_data)
{
  DuplicateCheck *check = user_data;
  guint seen;

  if (check->duplicate != NULL)
    return;
  seen = GPOINTER_TO_UINT (g_hash_table_lookup (check->counts, object)) + 1;
  g_hash_table_insert (check->counts, object, GUINT_TO_POINTER (seen));
  if (seen > json_object_get_size (object))
    check->duplicate = g_strdup (member_name);
}

static gboolean
get_count (JsonNode *node,
           gint64   *out)
{
  /* Doubles ("1.0", "1e3") are refused: sizes must be written exactly. */
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_INT64)
    return FALSE;
  /* json-glib wraps integers from 2^63 up to negative values. */
  *out = json_node_get_int (node);
  return *out >= 0 && *out <= TF_ST_MAX_INT;
}

static gboolean
is_string (JsonNode *node)
{
  return node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
         json_node_get_value_type (node) == G_TYPE_STRING;
}

static gboolean
parse_metadata (TfSafetensors  *st,
                JsonNode       *node,
                GError        **error)
{
  JsonObjectIter iter;
  const char *key;
  JsonNode *value;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    return fail (error, TF_ERROR_FORMAT, st->display_name, "__metadata__ is not a JSON object");

  json_object_iter_init_ordered (&iter, json_node_get_object (node));
  while (json_object_iter_next_ordered (&iter, &key, &value))
    {
      /* json-glib lets a lone UTF-16 surrogate escape through as bad UTF-8. */
      if (!g_utf8_validate (key, -1, NULL))
        return fail (error, TF_ERROR_FORMAT, st->display_name, "a __metadata__ key is not valid UTF-8");
      if (!is_string (value))
        return fail (error, TF_ERROR_FORMAT, st->display_name,
                     "__metadata__ value for '%s' is not a string", key);
      if (!g_utf8_validate (json_node_get_string (value), -1, NULL))
        return fail (error, TF_ERROR_FORMAT, st->display_name,
                     "__metadata__ value for '%s' is not valid UTF-8", key);
      g_hash_table_insert (st->metadata, g_strdup (key), g_strdup (json_node_get_string (value)));
    }
  return TRUE;
}

static gboolean
parse_tensor (TfSafetensors  *st,
              const char     *name,
              JsonNode       *node,
              TfStTensor     *t,
              GError        **error)
{
  const char *file = st->display_name;
  g_autofree char *shape = NULL;
  JsonObject *obj;
  JsonNode *member;
  JsonArray *array;
  gint64 begin;
  gint64 end;
  gsize size;

  if (*name == '\0')
    return fail (error, TF_ERROR_FORMAT, file, "a tensor has an empty name");
  if (!g_utf8_validate (name, -1, NULL))
    return fail (error, TF_ERROR_FORMAT, file, "a tensor name is not valid UTF-8");
  if (!JSON_NODE_HOLDS_OBJECT (node))
    return fail (error, TF_ERROR_FORMAT, file, "tensor '%s': entry is not a JSON object", name);
  obj = json_node_get_object (node);

  member = json_object_get_member (obj, "dtype");
  if (!is_string (member))
    return fail (error, TF_ERROR_FORMAT, file, "tensor '%s': dtype is missing or not a string", name);
  if (!dtype_from_name (json_node_get_string (member), &t->dtype))
    {
      g_autofree char *dtype = g_utf8_make_valid (json_node_get_string (member), -1);

      return fail (error, TF_ERROR_FORMAT, file, "tensor '%s': unsupported dtype '%s'", name, dtype);
    }
  size = dtype_info[t->dtype].size;

  member = json_object_get_member (obj, "shape");
  if (member == NULL || !JSON_NODE_HOLDS_ARRAY (member))
    return fail (error, TF_ERROR_FORMAT, file, "tensor '%s': shape is missing or not an array", name);
  array = json_node_get_array (member);
  if (json_array_get_length (array) > TF_ST_MAX_DIMS)
    return fail (error, TF_ERROR_FORMAT, file, "tensor '%s': shape has %u dimensions, at most %d are supported",
                 name, json_array_get_length (array), TF_ST_MAX_DIMS);
  t->ndim = (int) json_array_get_length (array);
  for (int i = 0; i < t->ndim; i++)
    if (!get_count (json_array_get_element (array, i), &t->shape[i]))
      return fail (error, TF_ERROR_FORMAT, file,
                   "tensor '%s': shape dimension %d is not an integer between 0 and 2^53", name, i);

  if (!tf_st_count_elements (t->shape, t->ndim, size, &t->numel))
    {
      shape = format_shape (t->shape, t->ndim);
      return fail (error, TF_ERROR_FORMAT, file, "tensor '%s': shape %s has too many elements", name, shape);
    }

  member = json_object_get_member (obj, "data_offsets");
  array = member != NULL && JSON_NODE_HOLDS_ARRAY (member) ? json_node_get_array (member) : NULL;
  if (array == NULL || json_array_get_length (array) != 2 ||
      !get_count (json_array_get_element (array, 0), &begin) ||
      !get_count (json_array_get_element (array, 1), &end))
    return fail (error, TF_ERROR_FORMAT, file,
                 "tensor '%s': data_offsets is not an array of two integers between 0 and 2^53", name);
  if (begin > end)
    return fail (error, TF_ERROR_FORMAT, file,
                 "tensor '%s': data_offsets [%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT "] end before they begin",
                 name, begin, end);
  if ((guint64) end > st->data_size)
    return fail (error, TF_ERROR_FORMAT, file,
                 "tensor '%s': data_offsets [%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT "] "
                 "lie outside the %" G_GSIZE_FORMAT "-byte data section",
                 name, begin, end, st->data_size);
  t->nbytes = (gsize) t->numel * size;
  shape = format_shape (t->shape, t->ndim);
  if ((guint64) (end - begin) != t->nbytes)
    return fail (error, TF_ERROR_FORMAT, file,
                 "tensor '%s': data_offsets [%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT "] hold %"
                 G_GINT64_FORMAT " bytes but %s %s needs %" G_GSIZE_FORMAT " (size mismatch)",
                 name, begin, end, end - begin, dtype_info[t->dtype].name, shape, t->nbytes);

  t->name = g_strdup (name);
  t->data = st->data + begin;
  return TRUE;
}

static int
compare_by_offset (gconstpointer a,
                   gconstpointer b)
{
  const TfStTensor *ta = *(const TfStTensor * const *) a;
  const TfStTensor *tb = *(const TfStTensor * const *) b;

  if (ta->data != tb->data)
    return ta->data < tb->data ? -1 : 1;
  return (ta->nbytes > tb->nbytes) - (ta->nbytes < tb->nbytes);
}

static gboolean
check_overlaps (TfSafetensors  *st,
                GError        **error)
{
  g_autofree TfStTensor **sorted = g_new (TfStTensor *, st->n_tensors + 1);
  guint n = 0;

  /* An empty tensor owns no bytes, so it cannot overlap anything. */
  for (guint i = 0; i < st->n_tensors; i++)
    if (st->tensors[i].nbytes > 0)
      sorted[n++] = &st->tensors[i];
  qsort (sorted, n, sizeof *sorted, compare_by_offset);

  for (guint i = 1; i < n; i++)
    {
      const TfStTensor *a = sorted[i - 1];
      const TfStTensor *b = sorted[i];

      if (b->data < a->data + a->nbytes)
        return fail (error, TF_ERROR_FORMAT, st->display_name,
                     "tensors '%s' [%" G_GSIZE_FORMAT ", %" G_GSIZE_FORMAT "] and '%s' [%"
                     G_GSIZE_FORMAT ", %" G_GSIZE_FORMAT "] overlap",
                     a->name, (gsize) (a->data - st->data), (gsize) (a->data - st->data) + a->nbytes,
                     b->name, (gsize) (b->data - st->data), (gsize) (b->data - st->data) + b->nbytes);
    }
  return TRUE;
}

static gboolean
parse_header (TfSafetensors  *st,
              const char     *text,
              gsize           len,
              GError        **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GHashTable) counts = g_hash_table_new (NULL, NULL);
  g_autoptr(GError) local_error = NULL;
  g_autofree char *duplicate = NULL;
  DuplicateCheck check = { counts, NULL };
  JsonNode *root;
  JsonObject *obj;
  JsonObjectIter iter;
  const char *name;
  JsonNode *node;
  gboolean ok;

  if (!check_json_text (st, text, len, error))
    return FALSE;

  g_signal_connect (parser, "object-member", G_CALLBACK (on_object_member_cb), &check);
  ok = json_parser_load_from_data (parser, text, (gssize) len, &local_error);
  g_signal_handlers_disconnect_by_func (parser, on_object_member_cb, &check);
  duplicate = check.duplicate != NULL ? g_utf8_make_valid (check.duplicate, -1) : NULL;
  g_free (check.duplicate);
  if (!ok)
    return fail (error, TF_ERROR_FORMAT, st->display_name,
                 "the header is not valid JSON: %s", local_error->message);
  if (duplicate != NULL)
    return fail (error, TF_ERROR_FORMAT, st->display_name,
                 "the header has a duplicate key '%s'", duplicate);

  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return fail (error, TF_ERROR_FORMAT, st->display_name, "the header is not a JSON object");
  obj = json_node_get_object (root);

  st->tensors = g_new0 (TfStTensor, json_object_get_size (obj));
  json_object_iter_init_ordered (&iter, obj);
  while (json_object_iter_next_ordered (&iter, &name, &node))
    {
      if (strcmp (name, "__metadata__") == 0)
        ok = parse_metadata (st, node, error);
      else if ((ok = parse_tensor (st, name, node, &st->tensors[st->n_tensors], error)))
        st->n_tensors++;
      if (!ok)
        return FALSE;
    }

  if (!check_overlaps (st, error))
    return FALSE;

  for (guint i = 0; i < st->n_tensors; i++)
    g_hash_table_insert (st->by_name, (char *) st->tensors[i].name, &st->tensors[i]);
  return TRUE;
}

static gboolean
parse_file (TfSafetensors  *st,
            const guint8   *base,
            gsize           size,
            GError        **error)
{
  const char *file = st->display_name;
  guint64 header_len;

  if (size == 0)
    return fail (error, TF_ERROR_FORMAT, file, "the file is empty");
  if (size < 8)
    return fail (error, TF_ERROR_FORMAT, file,
                 "the file is %" G_GSIZE_FORMAT " bytes long, too short for a safetensors header", size);

  memcpy (&header_len, base, 8);
  header_len = GUINT64_FROM_LE (header_len);
  if (header_len < 2)
    return fail (error, TF_ERROR_FORMAT, file,
                 "header length %" G_GUINT64_FORMAT " is too small for a JSON object", header_len);
  if (header_len > TF_ST_MAX_HEADER)
    return fail (error, TF_ERROR_FORMAT, file,
                 "header length %" G_GUINT64_FORMAT " exceeds the limit of 100 MiB", header_len);
  if (header_len > size - 8)
    return fail (error, TF_ERROR_FORMAT, file,
                 "header length %" G_GUINT64_FORMAT " exceeds the %" G_GSIZE_FORMAT
                 " bytes that follow it (truncated file?)", header_len, size - 8);

  st->data = base + 8 + header_len;
  st->data_size = size - 8 - (gsize) header_len;
  return parse_header (st, (const char *) base + 8, (gsize) header_len, error);
}

static TfSafetensors *
tf_safetensors_new (const char *display_name)
{
  TfSafetensors *st = g_new0 (TfSafetensors, 1);

  st->display_name = g_strdup (display_name);
  st->by_name = g_hash_table_new (g_str_hash, g_str_equal);
  st->metadata = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  return st;
}

TfSafetensors *
tf_safetensors_new_from_data (const guint8  *data,
                              gsize          size,
                              const char    *display_name,
                              GError       **error)
{
  g_autoptr(TfSafetensors) st = NULL;

  g_return_val_if_fail (data != NULL || size == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  st = tf_safetensors_new (display_name != NULL ? display_name : "(memory)");
  if (!parse_file (st, data, size, error))
    return NULL;
  return g_steal_pointer (&st);
}

static gboolean
map_file (TfSafetensors  *st,
          const char     *path,
          GError        **error)
{
  struct stat sb;
  int saved_errno;
  int fd;

  fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0 || fstat (fd, &sb) != 0)
    {
      saved_errno = errno;
      if (fd >= 0)
        close (fd);
      return fail (error, TF_ERROR_IO, st->display_name, "could not open the file: %s",
                   g_strerror (saved_errno));
    }
  /* Empty files cannot be mapped; parse_file() refuses them by size. */
  if (!S_ISREG (sb.st_mode) || sb.st_size < 8 || (guint64) sb.st_size > G_MAXSIZE)
    {
      close (fd);
      if (S_ISREG (sb.st_mode) && sb.st_size < 8)
        return parse_file (st, NULL, (gsize) sb.st_size, error);
      return fail (error, TF_ERROR_IO, st->display_name, "%s",
                   S_ISREG (sb.st_mode) ? "the file is too large to map" : "not a regular file");
    }

  /* A private read-only mapping lets release() drop pages, which the kernel
   * reads again from the file if they are touched later. */
  st->map = mmap (NULL, (gsize) sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
  saved_errno = errno;
  close (fd);
  if (st->map == MAP_FAILED)
    {
      st->map = NULL;
      return fail (error, TF_ERROR_IO, st->display_name, "could not map the file: %s",
                   g_strerror (saved_errno));
    }
  st->map_size = (gsize) sb.st_size;
  return TRUE;
}

TfSafetensors *
tf_safetensors_open (const char  *path,
                     GError     **error)
{
  g_autoptr(TfSafetensors) st = NULL;
  g_autofree char *display_name = NULL;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  display_name = g_filename_display_basename (path);
  st = tf_safetensors_new (display_name);
  st->path = g_strdup (path);
  if (!map_file (st, path, error) || !parse_file (st, st->map, st->map_size, error))
    return NULL;
  return g_steal_pointer (&st);
}

const char *
tf_safetensors_get_path (TfSafetensors *st)
{
  g_return_val_if_fail (st != NULL, NULL);

  return st->path != NULL ? st->path : st->display_name;
}

const char *
tf_safetensors_get_metadata (TfSafetensors *st,
                             const char    *key)
{
  g_return_val_if_fail (st != NULL, NULL);
  g_return_val_if_fail (key != NULL, NULL);

  return g_hash_table_lookup (st->metadata, key);
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(char * const *) a, *(char * const *) b);
}

const char * const *
tf_safetensors_get_metadata_keys (TfSafetensors *st)
{
  g_return_val_if_fail (st != NULL, NULL);

  if (st->metadata_keys == NULL)
    {
      guint n = 0;
      st->metadata_keys = (char **) g_hash_table_get_keys_as_array (st->metadata, &n);
      /* the array borrows the table's keys: give it copies of its own */
      for (guint i = 0; i < n; i++)
        st->metadata_keys[i] = g_strdup (st->metadata_keys[i]);
      qsort (st->metadata_keys, n, sizeof (char *), compare_strings);
    }
  return (const char * const *) st->metadata_keys;
}

guint
tf_safetensors_get_n_tensors (TfSafetensors *st)
{
  g_return_val_if_fail (st != NULL, 0);

  return st->n_tensors;
}

const TfStTensor *
tf_safetensors_get_nth (TfSafetensors *st,
                        guint          i)
{
  g_return_val_if_fail (st != NULL, NULL);
  g_return_val_if_fail (i < st->n_tensors, NULL);

  return &st->tensors[i];
}

const TfStTensor *
tf_safetensors_lookup (TfSafetensors *st,
                       const char    *name)
{
  g_return_val_if_fail (st != NULL, NULL);
  g_return_val_if_fail (name != NULL, NULL);

  return g_hash_table_lookup (st->by_name, name);
}

/* The data is only byte-aligned inside the file, hence memcpy per value. */
static void
convert_to_f32 (const TfStTensor *t,
                float            *out)
{
  const guint8 *p = t->data;
  guint64 u64;
  guint32 u32;
  guint16 u16;
  double d;

  /* An empty tensor may come with out == NULL, which memcpy() must not see. */
  if (t->dtype == TF_DTYPE_F32 && G_BYTE_ORDER == G_LITTLE_ENDIAN && t->nbytes > 0)
    {
      memcpy (out, t->data, t->nbytes);
      return;
    }

  for (int64_t i = 0; i < t->numel; i++)
    {
      if (t->dtype == TF_DTYPE_F32)
        {
          memcpy (&u32, p + 4 * i, 4);
          u32 = GUINT32_FROM_LE (u32);
          memcpy (&out[i], &u32, 4);
        }
      else if (t->dtype == TF_DTYPE_F64)
        {
          memcpy (&u64, p + 8 * i, 8);
          u64 = GUINT64_FROM_LE (u64);
          memcpy (&d, &u64, 8);
          out[i] = (float) d;
        }
      else
        {
          memcpy (&u16, p + 2 * i, 2);
          u16 = GUINT16_FROM_LE (u16);
          out[i] = t->dtype == TF_DTYPE_F16 ? tf_f16_to_f32 (u16) : tf_bf16_to_f32 (u16);
        }
    }
}

gboolean
tf_safetensors_read_f32 (TfSafetensors  *st,
                         const char     *name,
                         const int64_t  *shape,
                         int             ndim,
                         float          *out,
                         GError        **error)
{
  const TfStTensor *t;

  g_return_val_if_fail (st != NULL, FALSE);
  g_return_val_if_fail (name != NULL, FALSE);
  g_return_val_if_fail (ndim >= 0 && ndim <= TF_ST_MAX_DIMS, FALSE);
  g_return_val_if_fail (shape != NULL || ndim == 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  t = g_hash_table_lookup (st->by_name, name);
  if (t == NULL)
    return fail (error, TF_ERROR_TENSOR, st->display_name, "tensor '%s' is missing", name);

  if (t->ndim != ndim || (ndim > 0 && memcmp (t->shape, shape, ndim * sizeof *shape) != 0))
    {
      g_autofree char *have = format_shape (t->shape, t->ndim);
      g_autofree char *want = format_shape (shape, ndim);

      return fail (error, TF_ERROR_TENSOR, st->display_name,
                   "tensor '%s' has shape %s but the model expects %s", name, have, want);
    }

  if (t->dtype != TF_DTYPE_F32 && t->dtype != TF_DTYPE_F16 &&
      t->dtype != TF_DTYPE_BF16 && t->dtype != TF_DTYPE_F64)
    return fail (error, TF_ERROR_TENSOR, st->display_name,
                 "tensor '%s' has dtype %s, expected a floating-point type",
                 name, dtype_info[t->dtype].name);

  g_return_val_if_fail (out != NULL || t->numel == 0, FALSE);

  convert_to_f32 (t, out);

  /* Checked after conversion so that F64 values beyond float range count. */
  for (int64_t i = 0; i < t->numel; i++)
    if (!isfinite (out[i]))
      return fail (error, TF_ERROR_TENSOR, st->display_name,
                   "tensor '%s' holds a non-finite value (%s) at index %" G_GINT64_FORMAT, name,
                   isnan (out[i]) ? "NaN" : out[i] > 0 ? "Inf" : "-Inf", (gint64) i);

  return TRUE;
}

void
tf_safetensors_release (TfSafetensors *st,
                        const char    *name)
{
  const TfStTensor *t;
  guintptr page;
  guintptr begin;
  guintptr end;

  g_return_if_fail (st != NULL);
  g_return_if_fail (name != NULL);

  /* On a caller's buffer MADV_DONTNEED could zero anonymous memory. */
  if (st->map == NULL)
    return;
  t = g_hash_table_lookup (st->by_name, name);
  if (t == NULL)
    return;

  /* Only whole pages inside the tensor, so that neighbours stay resident. */
  page = (guintptr) sysconf (_SC_PAGESIZE);
  begin = ((guintptr) t->data + page - 1) & ~(page - 1);
  end = ((guintptr) t->data + t->nbytes) & ~(page - 1);
  if (end > begin)
    (void) madvise ((void *) begin, end - begin, MADV_DONTNEED);
}

