/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Writing safetensors files, atomically: a failed save never damages the
 * file it was replacing. */
#include "tf-safetensors.h"
#include "tf-atomic-file.h"
#include "tf-error.h"
#include "tf-safetensors-private.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

struct _TfSafetensorsWriter
{
  JsonObject *metadata;
  JsonObject *entries;        /* name -> {dtype, shape, data_offsets}, in order */
  GPtrArray  *buffers;        /* GBytes, little-endian, same order */
  guint64     offset;         /* end of the data so far */
};

/* Rounds @mant right by @shift bits, to nearest with ties to even. */
static guint32
round_shift (guint32 mant,
             guint32 shift)
{
  guint32 h = mant >> shift;
  guint32 rem = mant & ((1u << shift) - 1);
  guint32 half = 1u << (shift - 1);

  return h + (rem > half || (rem == half && (h & 1)));
}

guint16
tf_f32_to_f16 (float f)
{
  guint32 x;
  guint32 sign;
  guint32 exp;

  memcpy (&x, &f, sizeof x);
  sign = (x >> 16) & 0x8000;
  x &= 0x7fffffff;
  exp = x >> 23;

  if (x > 0x7f800000)
    return sign | 0x7e00 | ((x >> 13) & 0x3ff);  /* quiet, so never Inf */
  /* 65520 lies halfway between 65504, the largest half, and 65536; the tie
   * goes to the even neighbour, which is Inf. */
  if (x >= 0x477ff000)
    return sign | 0x7c00;
  /* A carry out of the mantissa lands in the exponent, which is right, for
   * normals and for subnormals rounding up to the smallest normal alike. */
  if (exp >= 113)
    return sign | round_shift (x - (112u << 23), 13);
  /* Up to 2^-25 everything rounds to zero (2^-25 itself ties to even 0). */
  if (exp < 102)
    return sign;
  return sign | round_shift ((x & 0x7fffff) | 0x800000, 126 - exp);
}

guint16
tf_f32_to_bf16 (float f)
{
  guint32 x;

  memcpy (&x, &f, sizeof x);
  if ((x & 0x7fffffff) > 0x7f800000)
    return (x >> 16) | 0x0040;  /* truncating could turn a NaN into Inf */
  return (x + 0x7fff + ((x >> 16) & 1)) >> 16;
}

/* Writer */

TfSafetensorsWriter *
tf_safetensors_writer_new (void)
{
  TfSafetensorsWriter *w = g_new0 (TfSafetensorsWriter, 1);

  w->metadata = json_object_new ();
  w->entries = json_object_new ();
  w->buffers = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  return w;
}

void
tf_safetensors_writer_free (TfSafetensorsWriter *w)
{
  if (w == NULL)
    return;

  json_object_unref (w->metadata);
  json_object_unref (w->entries);
  g_ptr_array_unref (w->buffers);
  g_free (w);
}

void
tf_safetensors_writer_add_metadata (TfSafetensorsWriter *w,
                                    const char          *key,
                                    const char          *value)
{
  g_return_if_fail (w != NULL);
  g_return_if_fail (key != NULL && g_utf8_validate (key, -1, NULL));
  g_return_if_fail (value != NULL && g_utf8_validate (value, -1, NULL));

  json_object_set_string_member (w->metadata, key, value);
}

void
tf_safetensors_writer_add_f32 (TfSafetensorsWriter *w,
                               const char          *name,
                               const int64_t       *shape,
                               int                  ndim,
                               const float         *data,
                               TfDtype              dtype)
{
  JsonObject *entry;
  JsonArray *array;
  guint8 *bytes;
  int64_t numel;
  gsize nbytes;

  g_return_if_fail (w != NULL);
  g_return_if_fail (name != NULL && *name != '\0' && g_utf8_validate (name, -1, NULL));
  g_return_if_fail (strcmp (name, "__metadata__") != 0);
  g_return_if_fail (!json_object_has_member (w->entries, name));
  g_return_if_fail (ndim >= 0 && ndim <= TF_ST_MAX_DIMS);
  g_return_if_fail (shape != NULL || ndim == 0);
  g_return_if_fail (dtype == TF_DTYPE_F32 || dtype == TF_DTYPE_F16 || dtype == TF_DTYPE_BF16);
  /* Never write what the reader would refuse. */
  for (int i = 0; i < ndim; i++)
    g_return_if_fail (shape[i] >= 0 && shape[i] <= TF_ST_MAX_INT);
  if (!tf_st_count_elements (shape, ndim, tf_dtype_size (dtype), &numel))
    {
      g_critical ("%s: tensor '%s' has too many elements", G_STRFUNC, name);
      return;
    }
  g_return_if_fail (data != NULL || numel == 0);

  nbytes = (gsize) numel * tf_dtype_size (dtype);
  bytes = g_malloc (nbytes);
  for (int64_t i = 0; i < numel; i++)
    {
      guint32 u32;
      guint16 u16;

      if (dtype == TF_DTYPE_F32)
        {
          memcpy (&u32, &data[i], 4);
          u32 = GUINT32_TO_LE (u32);
          memcpy (bytes + 4 * i, &u32, 4);
        }
      else
        {
          u16 = dtype == TF_DTYPE_F16 ? tf_f32_to_f16 (data[i]) : tf_f32_to_bf16 (data[i]);
          u16 = GUINT16_TO_LE (u16);
          memcpy (bytes + 2 * i, &u16, 2);
        }
    }
  g_ptr_array_add (w->buffers, g_bytes_new_take (bytes, nbytes));

  entry = json_object_new ();
  json_object_set_string_member (entry, "dtype", tf_dtype_name (dtype));
  array = json_array_new ();
  for (int i = 0; i < ndim; i++)
    json_array_add_int_element (array, shape[i]);
  json_object_set_array_member (entry, "shape", array);
  array = json_array_new ();
  json_array_add_int_element (array, (gint64) w->offset);
  json_array_add_int_element (array, (gint64) (w->offset + nbytes));
  json_object_set_array_member (entry, "data_offsets", array);
  json_object_set_object_member (w->entries, name, entry);
  w->offset += nbytes;
}

/* The length prefix and the JSON header, padded with spaces so that the data
 * section starts 8-byte aligned in the file. */
static GByteArray *
build_header (TfSafetensorsWriter *w)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = json_node_new (JSON_NODE_OBJECT);
  g_autoptr(JsonObject) obj = json_object_new ();
  g_autofree char *json = NULL;
  JsonObjectIter iter;
  const char *name;
  JsonNode *entry;
  GByteArray *out;
  gsize json_len;
  guint64 padded;
  guint64 padded_le;

  if (json_object_get_size (w->metadata) > 0)
    json_object_set_object_member (obj, "__metadata__", json_object_ref (w->metadata));
  json_object_iter_init_ordered (&iter, w->entries);
  while (json_object_iter_next_ordered (&iter, &name, &entry))
    json_object_set_member (obj, name, json_node_ref (entry));
  json_node_set_object (root, obj);
  json_generator_set_root (generator, root);
  json = json_generator_to_data (generator, &json_len);

  padded = (json_len + 7) & ~(guint64) 7;
  padded_le = GUINT64_TO_LE (padded);
  out = g_byte_array_sized_new (8 + padded);
  g_byte_array_append (out, (const guint8 *) &padded_le, 8);
  g_byte_array_append (out, (const guint8 *) json, json_len);
  g_byte_array_set_size (out, 8 + padded);
  memset (out->data + 8 + json_len, ' ', padded - json_len);
  return out;
}

GBytes *
tf_safetensors_writer_to_bytes (TfSafetensorsWriter *w)
{
  GByteArray *out;

  g_return_val_if_fail (w != NULL, NULL);

  out = build_header (w);
  for (guint i = 0; i < w->buffers->len; i++)
    {
      gsize len;
      const guint8 *data = g_bytes_get_data (w->buffers->pdata[i], &len);

      g_byte_array_append (out, data, len);
    }
  return g_byte_array_free_to_bytes (out);
}

gboolean
tf_safetensors_writer_write (TfSafetensorsWriter  *w,
                             const char           *path,
                             GError              **error)
{
  g_autoptr(GByteArray) header = NULL;
  g_autoptr(TfAtomicFile) file = NULL;

  g_return_val_if_fail (w != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  header = build_header (w);
  if (!(file = tf_atomic_file_new (path, error)) || !tf_atomic_file_write (file, header->data, header->len, error))
    return FALSE;
  for (guint i = 0; i < w->buffers->len; i++)
    {
      gsize len;
      const guint8 *data = g_bytes_get_data (w->buffers->pdata[i], &len);

      if (!tf_atomic_file_write (file, data, len, error))
        return FALSE;
    }
  return tf_atomic_file_commit (file, error);
}
