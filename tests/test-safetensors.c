/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "tf-error.h"
#include "tf-safetensors.h"

/* Helpers */

#define ENTRY(dtype, shape, offsets) \
  "{\"dtype\":" dtype ",\"shape\":" shape ",\"data_offsets\":" offsets "}"


static guint32
f32_bits (float f)
{
  guint32 u;

  memcpy (&u, &f, sizeof u);
  return u;
}

static float
bits_f32 (guint32 u)
{
  float f;

  memcpy (&f, &u, sizeof f);
  return f;
}

/* A file with a hand-written header: the 8-byte length, @json verbatim, then
 * @data_size bytes copied from @data (or zeros). */
static GBytes *
make_file (const char   *json,
           const void   *data,
           gsize         data_size)
{
  gsize json_len = strlen (json);
  guint64 len_le = GUINT64_TO_LE ((guint64) json_len);
  GByteArray *out = g_byte_array_new ();

  g_byte_array_append (out, (const guint8 *) &len_le, 8);
  g_byte_array_append (out, (const guint8 *) json, json_len);
  g_byte_array_set_size (out, 8 + json_len + data_size);
  if (data != NULL)
    memcpy (out->data + 8 + json_len, data, data_size);
  else
    memset (out->data + 8 + json_len, 0, data_size);
  return g_byte_array_free_to_bytes (out);
}

/* Asserts that parsing @bytes fails with @code and that the message names
 * the file and contains each word of the NULL-terminated list. */
static void
assert_refused_valist (GBytes  *bytes,
                       int      code,
                       va_list  words)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TfSafetensors) st = NULL;
  const char *word;

  st = tf_safetensors_new_from_data (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                                     "bad.safetensors", &error);
  g_assert_null (st);
  g_assert_error (error, TF_ERROR, code);
  g_test_message ("%s", error->message);
  g_assert_true (g_str_has_prefix (error->message, "bad.safetensors: "));
  while ((word = va_arg (words, const char *)) != NULL)
    if (strstr (error->message, word) == NULL)
      g_error ("'%s' not in message: %s", word, error->message);
}

static void
assert_refused (GBytes *bytes,
                int     code,
                ...)
{
  va_list args;

  va_start (args, code);
  assert_refused_valist (bytes, code, args);
  va_end (args);
}

/* Refusal of a header written out by hand, followed by @data_size zeros. */
static void
assert_json_refused (const char *json,
                     gsize       data_size,
                     ...)
{
  g_autoptr(GBytes) bytes = make_file (json, NULL, data_size);
  va_list args;

  va_start (args, data_size);
  assert_refused_valist (bytes, TF_ERROR_FORMAT, args);
  va_end (args);
}

static TfSafetensors *
parse_ok (GBytes *bytes)
{
  g_autoptr(GError) error = NULL;
  TfSafetensors *st;

  st = tf_safetensors_new_from_data (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                                     "ok.safetensors", &error);
  g_assert_no_error (error);
  g_assert_nonnull (st);
  return st;
}

static void
assert_message_has (const GError *error,
                    const char   *word)
{
  g_assert_nonnull (error);
  if (strstr (error->message, word) == NULL)
    g_error ("'%s' not in message: %s", word, error->message);
}

static char *
make_tmp_dir (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("test-safetensors-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

/* The test directories are flat: files, no subdirectories. */
static void
remove_tmp_dir (const char *dir)
{
  g_autoptr(GDir) d = NULL;
  const char *name;

  g_chmod (dir, 0755);
  d = g_dir_open (dir, 0, NULL);
  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      g_unlink (path);
    }
  g_rmdir (dir);
}

static guint
count_dir_entries (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  guint n = 0;

  while (d != NULL && g_dir_read_name (d) != NULL)
    n++;
  return n;
}

static TfSafetensorsWriter *
make_small_writer (float scale)
{
  static const int64_t shape[] = { 2, 3 };
  float data[6];
  TfSafetensorsWriter *w = tf_safetensors_writer_new ();

  for (int i = 0; i < 6; i++)
    data[i] = scale * (float) (i + 1);
  tf_safetensors_writer_add_metadata (w, "format", "transfer");
  tf_safetensors_writer_add_f32 (w, "w", shape, 2, data, TF_DTYPE_F32);
  return w;
}

/* Conversions */

static void
test_f16_special (void)
{
  g_assert_cmpuint (f32_bits (tf_f16_to_f32 (0x0000)), ==, 0x00000000);
  g_assert_cmpuint (f32_bits (tf_f16_to_f32 (0x8000)), ==, 0x80000000);
  g_assert_cmpfloat (tf_f16_to_f32 (0x3c00), ==, 1.0f);
  g_assert_cmpfloat (tf_f16_to_f32 (0xc000), ==, -2.0f);
  g_assert_cmpfloat (tf_f16_to_f32 (0x7bff), ==, 65504.0f);
  g_assert_cmpfloat (tf_f16_to_f32 (0x0400), ==, ldexpf (1.0f, -14));
  g_assert_cmpfloat (tf_f16_to_f32 (0x0001), ==, ldexpf (1.0f, -24));
  g_assert_cmpfloat (tf_f16_to_f32 (0x03ff), ==, ldexpf (1023.0f, -24));
  g_assert_cmpfloat (tf_f16_to_f32 (0x8001), ==, -ldexpf (1.0f, -24));
  g_assert_true (isinf (tf_f16_to_f32 (0x7c00)) && tf_f16_to_f32 (0x7c00) > 0);
  g_assert_true (isinf (tf_f16_to_f32 (0xfc00)) && tf_f16_to_f32 (0xfc00) < 0);
  g_assert_true (isnan (tf_f16_to_f32 (0x7e00)));
  g_assert_true (isnan (tf_f16_to_f32 (0x7c01)));
  g_assert_true (isnan (tf_f16_to_f32 (0xfc01)));

  /* Every half survives the round trip bit for bit; NaNs stay NaN. */
  for (guint h = 0; h <= 0xffff; h++)
    {
      float f = tf_f16_to_f32 ((guint16) h);
      guint16 back = tf_f32_to_f16 (f);

      if ((h & 0x7c00) == 0x7c00 && (h & 0x3ff) != 0)
        {
          g_assert_true (isnan (f));
          g_assert_cmpuint (back & 0x7c00, ==, 0x7c00);
          g_assert_cmpuint (back & 0x3ff, !=, 0);
          g_assert_cmpuint (back & 0x8000, ==, h & 0x8000);
        }
      else
        g_assert_cmpuint (back, ==, h);
    }
}

static void
test_f16_rounding (void)
{
  /* Halfway cases go to the even neighbour. */
  g_assert_cmpuint (tf_f32_to_f16 (1.0f + ldexpf (1.0f, -11)), ==, 0x3c00);
  g_assert_cmpuint (tf_f32_to_f16 (1.0f + 3 * ldexpf (1.0f, -11)), ==, 0x3c02);
  g_assert_cmpuint (tf_f32_to_f16 (nextafterf (1.0f + ldexpf (1.0f, -11), 2.0f)), ==, 0x3c01);
  g_assert_cmpuint (tf_f32_to_f16 (-(1.0f + ldexpf (1.0f, -11))), ==, 0xbc00);
  /* Overflow: 65520 ties to Inf, just below stays at the largest half. */
  g_assert_cmpuint (tf_f32_to_f16 (65504.0f), ==, 0x7bff);
  g_assert_cmpuint (tf_f32_to_f16 (65519.996f), ==, 0x7bff);
  g_assert_cmpuint (tf_f32_to_f16 (65520.0f), ==, 0x7c00);
  g_assert_cmpuint (tf_f32_to_f16 (-1e10f), ==, 0xfc00);
  g_assert_cmpuint (tf_f32_to_f16 (INFINITY), ==, 0x7c00);
  g_assert_cmpuint (tf_f32_to_f16 (-INFINITY), ==, 0xfc00);
  /* Subnormals and underflow. */
  g_assert_cmpuint (tf_f32_to_f16 (ldexpf (1.0f, -25)), ==, 0x0000);
  g_assert_cmpuint (tf_f32_to_f16 (nextafterf (ldexpf (1.0f, -25), 1.0f)), ==, 0x0001);
  g_assert_cmpuint (tf_f32_to_f16 (ldexpf (3.0f, -25)), ==, 0x0002);
  g_assert_cmpuint (tf_f32_to_f16 (ldexpf (5.0f, -25)), ==, 0x0002);
  g_assert_cmpuint (tf_f32_to_f16 (ldexpf (1.0f, -24)), ==, 0x0001);
  g_assert_cmpuint (tf_f32_to_f16 (ldexpf (1.0f, -14) - ldexpf (1.0f, -25)), ==, 0x0400);
  g_assert_cmpuint (tf_f32_to_f16 (ldexpf (2045.0f, -25)), ==, 0x03fe);
  g_assert_cmpuint (tf_f32_to_f16 (ldexpf (1023.0f, -24)), ==, 0x03ff);
  g_assert_cmpuint (tf_f32_to_f16 (-ldexpf (1.0f, -30)), ==, 0x8000);
  g_assert_cmpuint (tf_f32_to_f16 (bits_f32 (0x00000001)), ==, 0x0000);
  g_assert_cmpuint (tf_f32_to_f16 (-0.0f), ==, 0x8000);
  /* NaN stays NaN, even one whose payload sits in the low bits only. */
  g_assert_cmpuint (tf_f32_to_f16 (NAN) & 0x7fff, >, 0x7c00);
  g_assert_cmpuint (tf_f32_to_f16 (bits_f32 (0x7f800001)) & 0x7fff, >, 0x7c00);
  g_assert_cmpuint (tf_f32_to_f16 (bits_f32 (0xff800001)), >, 0xfc00);

#ifdef __FLT16_MAX__
  /* Where the compiler has _Float16, compare with its conversion. */
  for (guint64 x = 0; x <= 0xffffffffu; x += 4099)
    {
      float f = bits_f32 ((guint32) x);
      _Float16 ref = (_Float16) f;
      guint16 ref_bits;

      if (isnan (f))
        continue;
      memcpy (&ref_bits, &ref, 2);
      if (tf_f32_to_f16 (f) != ref_bits)
        g_error ("f32 0x%08x: got 0x%04x, expected 0x%04x", (guint32) x, tf_f32_to_f16 (f), ref_bits);
    }
#endif
}

static void
test_bf16 (void)
{
  g_assert_cmpuint (tf_f32_to_bf16 (1.0f), ==, 0x3f80);
  g_assert_cmpfloat (tf_bf16_to_f32 (0x3f80), ==, 1.0f);
  g_assert_cmpfloat (tf_bf16_to_f32 (0xc040), ==, -3.0f);
  g_assert_cmpuint (tf_f32_to_bf16 (1.0f + ldexpf (1.0f, -8)), ==, 0x3f80);
  g_assert_cmpuint (tf_f32_to_bf16 (1.0f + 3 * ldexpf (1.0f, -8)), ==, 0x3f82);
  g_assert_cmpuint (tf_f32_to_bf16 (nextafterf (1.0f + ldexpf (1.0f, -8), 2.0f)), ==, 0x3f81);
  g_assert_cmpuint (tf_f32_to_bf16 (INFINITY), ==, 0x7f80);
  g_assert_cmpuint (tf_f32_to_bf16 (-INFINITY), ==, 0xff80);
  g_assert_cmpuint (tf_f32_to_bf16 (3.4028235e38f), ==, 0x7f80);
  g_assert_cmpuint (tf_f32_to_bf16 (-0.0f), ==, 0x8000);
  g_assert_cmpuint (tf_f32_to_bf16 (bits_f32 (0x00000001)), ==, 0x0000);
  g_assert_true (isnan (tf_bf16_to_f32 (tf_f32_to_bf16 (NAN))));
  g_assert_true (isnan (tf_bf16_to_f32 (tf_f32_to_bf16 (bits_f32 (0x7f800001)))));
  g_assert_true (isnan (tf_bf16_to_f32 (tf_f32_to_bf16 (bits_f32 (0xffffffff)))));
  g_assert_true (isinf (tf_bf16_to_f32 (0x7f80)));

  for (guint b = 0; b <= 0xffff; b++)
    {
      float f = tf_bf16_to_f32 ((guint16) b);

      if (!isnan (f))
        g_assert_cmpuint (tf_f32_to_bf16 (f), ==, b);
      g_assert_cmpuint (f32_bits (f), ==, b << 16);
    }
}

/* Round trips */

static void
test_roundtrip (void)
{
  g_autofree char *dir = make_tmp_dir ();
  g_autofree char *path = g_build_filename (dir, "model.safetensors", NULL);
  g_autoptr(TfSafetensorsWriter) w = tf_safetensors_writer_new ();
  g_autoptr(TfSafetensors) st = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  const char *odd_name = "blocks.0 \"quoted\"\\ \n\tnaïve/ü";
  const int64_t shape_a[] = { 3, 5 };
  const int64_t shape_b[] = { 7 };
  const int64_t shape_empty[] = { 0, 4 };
  float a[15], b[7], scalar = -2.5f, out[15];
  const TfStTensor *t;
  guint64 header_len;
  gsize len;

  for (int i = 0; i < 15; i++)
    a[i] = sinf ((float) i) * 1000.0f + 1e-3f;
  for (int i = 0; i < 7; i++)
    b[i] = ldexpf (1.0f + (float) i / 3.0f, i - 20);

  tf_safetensors_writer_add_f32 (w, "a.f32", shape_a, 2, a, TF_DTYPE_F32);
  tf_safetensors_writer_add_f32 (w, "b.f16", shape_b, 1, b, TF_DTYPE_F16);
  tf_safetensors_writer_add_f32 (w, "c.bf16", shape_a, 2, a, TF_DTYPE_BF16);
  tf_safetensors_writer_add_f32 (w, "scalar", NULL, 0, &scalar, TF_DTYPE_F32);
  tf_safetensors_writer_add_f32 (w, "empty", shape_empty, 2, NULL, TF_DTYPE_F16);
  tf_safetensors_writer_add_f32 (w, "empty32", shape_empty, 2, NULL, TF_DTYPE_F32);
  tf_safetensors_writer_add_f32 (w, odd_name, shape_b, 1, b, TF_DTYPE_BF16);
  tf_safetensors_writer_add_metadata (w, "format", "transfer");
  g_assert_true (tf_safetensors_writer_write (w, path, &error));
  g_assert_no_error (error);
  /* Only the file itself: no temporary left behind. */
  g_assert_cmpuint (count_dir_entries (dir), ==, 1);

  /* The file and the in-memory form are the same bytes. */
  bytes = tf_safetensors_writer_to_bytes (w);
  g_assert_true (g_file_get_contents (path, &contents, &len, NULL));
  g_assert_cmpuint (len, ==, g_bytes_get_size (bytes));
  g_assert_cmpmem (contents, len, g_bytes_get_data (bytes, NULL), len);
  memcpy (&header_len, contents, 8);
  header_len = GUINT64_FROM_LE (header_len);
  g_assert_cmpuint (header_len % 8, ==, 0);
  g_assert_cmpint (contents[8], ==, '{');
  g_assert_cmpuint (len, ==, 8 + header_len + 15 * 4 + 7 * 2 + 15 * 2 + 4 + 0 + 7 * 2);

  st = tf_safetensors_open (path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (tf_safetensors_get_path (st), ==, path);
  g_assert_cmpuint (tf_safetensors_get_n_tensors (st), ==, 7);
  g_assert_cmpstr (tf_safetensors_get_nth (st, 0)->name, ==, "a.f32");
  g_assert_cmpstr (tf_safetensors_get_nth (st, 1)->name, ==, "b.f16");
  g_assert_cmpstr (tf_safetensors_get_nth (st, 6)->name, ==, odd_name);
  g_assert_cmpstr (tf_safetensors_get_metadata (st, "format"), ==, "transfer");

  t = tf_safetensors_lookup (st, "a.f32");
  g_assert_nonnull (t);
  g_assert_cmpint (t->dtype, ==, TF_DTYPE_F32);
  g_assert_cmpint (t->ndim, ==, 2);
  g_assert_cmpint (t->shape[0], ==, 3);
  g_assert_cmpint (t->shape[1], ==, 5);
  g_assert_cmpint (t->numel, ==, 15);
  g_assert_cmpuint (t->nbytes, ==, 60);
  g_assert_true (tf_safetensors_read_f32 (st, "a.f32", shape_a, 2, out, &error));
  g_assert_no_error (error);
  for (int i = 0; i < 15; i++)
    g_assert_cmpuint (f32_bits (out[i]), ==, f32_bits (a[i]));

  g_assert_true (tf_safetensors_read_f32 (st, "b.f16", shape_b, 1, out, &error));
  g_assert_no_error (error);
  for (int i = 0; i < 7; i++)
    g_assert_cmpfloat (out[i], ==, tf_f16_to_f32 (tf_f32_to_f16 (b[i])));

  g_assert_true (tf_safetensors_read_f32 (st, "c.bf16", shape_a, 2, out, &error));
  g_assert_no_error (error);
  for (int i = 0; i < 15; i++)
    {
      g_assert_cmpfloat (out[i], ==, tf_bf16_to_f32 (tf_f32_to_bf16 (a[i])));
      g_assert_cmpfloat_with_epsilon (out[i], a[i], fabsf (a[i]) / 128.0f);
    }

  g_assert_true (tf_safetensors_read_f32 (st, "scalar", NULL, 0, out, &error));
  g_assert_no_error (error);
  g_assert_cmpfloat (out[0], ==, -2.5f);
  g_assert_true (tf_safetensors_read_f32 (st, "empty", shape_empty, 2, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (tf_safetensors_read_f32 (st, "empty32", shape_empty, 2, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (tf_safetensors_read_f32 (st, odd_name, shape_b, 1, out, &error));
  g_assert_no_error (error);
  g_assert_cmpfloat (out[6], ==, tf_bf16_to_f32 (tf_f32_to_bf16 (b[6])));

  /* The in-memory bytes parse the same way. */
  g_clear_pointer (&st, tf_safetensors_free);
  st = parse_ok (bytes);
  g_assert_cmpuint (tf_safetensors_get_n_tensors (st), ==, 7);
  g_assert_cmpstr (tf_safetensors_get_path (st), ==, "ok.safetensors");

  g_clear_pointer (&st, tf_safetensors_free);
  remove_tmp_dir (dir);
}

static void
test_metadata (void)
{
  g_autoptr(TfSafetensorsWriter) w = tf_safetensors_writer_new ();
  g_autoptr(TfSafetensors) st = NULL;
  g_autoptr(GBytes) bytes = NULL;
  const char *config = "{\"depth\": 8, \"classes\": [\"a\", \"b\\\"c\"]}\n";

  tf_safetensors_writer_add_metadata (w, "format", "transfer");
  tf_safetensors_writer_add_metadata (w, "config", config);
  tf_safetensors_writer_add_metadata (w, "classes", "neutral\nhappy\tsad");
  tf_safetensors_writer_add_metadata (w, "", "empty key");
  tf_safetensors_writer_add_metadata (w, "format", "transfer-2");  /* replaces */
  bytes = tf_safetensors_writer_to_bytes (w);
  st = parse_ok (bytes);

  g_assert_cmpuint (tf_safetensors_get_n_tensors (st), ==, 0);
  g_assert_cmpstr (tf_safetensors_get_metadata (st, "format"), ==, "transfer-2");
  g_assert_cmpstr (tf_safetensors_get_metadata (st, "config"), ==, config);
  g_assert_cmpstr (tf_safetensors_get_metadata (st, "classes"), ==, "neutral\nhappy\tsad");
  g_assert_cmpstr (tf_safetensors_get_metadata (st, ""), ==, "empty key");
  g_assert_null (tf_safetensors_get_metadata (st, "absent"));
  g_assert_null (tf_safetensors_lookup (st, "__metadata__"));
}

static void
test_f64_and_unaligned (void)
{
  /* The tensor starts one byte into the data section, so its doubles are
   * misaligned whatever the header length; UBSan would flag a direct load. */
  double d[3] = { 0.5, -1e-3, 123456.789 };
  guint64 le[3];
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(TfSafetensors) st = NULL;
  g_autoptr(GError) error = NULL;
  const int64_t shape[] = { 3 };
  float out[3];

  for (int i = 0; i < 3; i++)
    {
      memcpy (&le[i], &d[i], 8);
      le[i] = GUINT64_TO_LE (le[i]);
    }
  bytes = make_file ("{\"x\":{\"dtype\":\"F64\",\"shape\":[3],\"data_offsets\":[1,25]}}", NULL, 0);
  {
    /* Append one pad byte then the doubles. */
    GByteArray *arr = g_byte_array_new ();

    g_byte_array_append (arr, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
    g_byte_array_append (arr, (const guint8 *) "\0", 1);
    g_byte_array_append (arr, (const guint8 *) le, sizeof le);
    g_bytes_unref (bytes);
    bytes = g_byte_array_free_to_bytes (arr);
  }
  st = parse_ok (bytes);
  g_assert_true (tf_safetensors_read_f32 (st, "x", shape, 1, out, &error));
  g_assert_no_error (error);
  for (int i = 0; i < 3; i++)
    g_assert_cmpfloat (out[i], ==, (float) d[i]);
}

/* Malformed headers */

static void
test_header_length (void)
{
  guint8 raw[24];
  g_autoptr(GBytes) zero = NULL;
  g_autoptr(GBytes) one = NULL;
  g_autoptr(GBytes) too_big = NULL;
  g_autoptr(GBytes) huge = NULL;
  g_autoptr(GBytes) over_limit = NULL;
  guint64 len;

  memset (raw, ' ', sizeof raw);
  raw[8] = '{';
  raw[9] = '}';

  len = GUINT64_TO_LE (0);
  memcpy (raw, &len, 8);
  zero = g_bytes_new (raw, sizeof raw);
  assert_refused (zero, TF_ERROR_FORMAT, "header length 0", "too small", NULL);

  len = GUINT64_TO_LE (1);
  memcpy (raw, &len, 8);
  one = g_bytes_new (raw, sizeof raw);
  assert_refused (one, TF_ERROR_FORMAT, "header length 1", "too small", NULL);

  len = GUINT64_TO_LE (17);  /* one more than follows */
  memcpy (raw, &len, 8);
  too_big = g_bytes_new (raw, sizeof raw);
  assert_refused (too_big, TF_ERROR_FORMAT, "header length 17", "exceeds", NULL);

  len = GUINT64_TO_LE (G_MAXUINT64);
  memcpy (raw, &len, 8);
  huge = g_bytes_new (raw, sizeof raw);
  assert_refused (huge, TF_ERROR_FORMAT, "header length", "exceeds", NULL);

  len = GUINT64_TO_LE ((guint64) 200 * 1024 * 1024);
  memcpy (raw, &len, 8);
  over_limit = g_bytes_new (raw, sizeof raw);
  assert_refused (over_limit, TF_ERROR_FORMAT, "header length", "100 MiB", NULL);

  /* 16 bytes that say exactly 16 follow are fine. */
  len = GUINT64_TO_LE (16);
  memcpy (raw, &len, 8);
  {
    g_autoptr(GBytes) exact = g_bytes_new (raw, sizeof raw);
    g_autoptr(TfSafetensors) st = parse_ok (exact);

    g_assert_cmpuint (tf_safetensors_get_n_tensors (st), ==, 0);
  }
}

static void
test_short_data (void)
{
  g_autoptr(GBytes) seven = g_bytes_new ("\x02\0\0\0\0\0\0", 7);
  g_autoptr(GBytes) empty = g_bytes_new (NULL, 0);

  assert_refused (seven, TF_ERROR_FORMAT, "7 bytes", "too short", NULL);
  assert_refused (empty, TF_ERROR_FORMAT, "empty", NULL);
}

static void
test_invalid_json (void)
{
  assert_json_refused ("{\"a\": ", 0, "not valid JSON", NULL);
  assert_json_refused ("{\"a\":1,}", 0, "not valid JSON", NULL);
  assert_json_refused ("{'a': {}}", 0, "not valid JSON", NULL);
  assert_json_refused ("{/* c */}", 0, "not valid JSON", NULL);
  assert_json_refused ("{\"w\":" ENTRY ("\"U8\"", "[0x10]", "[0,16]") "}", 16, "not valid JSON", NULL);
  assert_json_refused ("{\"w\":" ENTRY ("\"U8\"", "[a]", "[0,16]") "}", 16, "not valid JSON", NULL);
  assert_json_refused ("{\"a\":\"\xff\"}", 0, "not valid JSON", NULL);
  /* json-glib turns a lone surrogate into invalid UTF-8 and cuts at NUL. */
  assert_json_refused ("{\"a\\ud800x\":" ENTRY ("\"F32\"", "[]", "[0,4]") "}", 4, "tensor name", "UTF-8", NULL);
  assert_json_refused ("{\"__metadata__\":{\"k\":\"\\ud800x\"}}", 0, "'k'", "UTF-8", NULL);
  assert_json_refused ("{\"__metadata__\":{\"\\ud800x\":\"v\"}}", 0, "key", "UTF-8", NULL);
  assert_json_refused ("{\"a\\u0000b\":" ENTRY ("\"F32\"", "[]", "[0,4]") "}", 4, "NUL", NULL);
  assert_json_refused ("{\"w\":" ENTRY ("\"\\ud800x\"", "[]", "[0,4]") "}", 4, "'w'", "unsupported dtype", NULL);
  assert_json_refused ("{}{}", 0, "data after its JSON object", NULL);
  assert_json_refused ("{} x", 0, "data after its JSON object", NULL);
  assert_json_refused ("{}]  ", 0, "data after its JSON object", NULL);
  assert_json_refused ("]{}", 0, "unbalanced ']'", NULL);
  assert_json_refused ("[1, 2]", 0, "not a JSON object", NULL);
  assert_json_refused ("\"string\"", 0, "not a JSON object", NULL);
  assert_json_refused ("    ", 0, "not a JSON object", NULL);

  {
    /* Deep nesting would overflow json-glib's recursion. */
    g_autofree char *deep = g_malloc (200001);

    memset (deep, '[', 200000);
    deep[200000] = '\0';
    assert_json_refused (deep, 0, "nests deeper", NULL);
  }
  {
    /* Millions of values would make json-glib allocate gigabytes. */
    GString *wide = g_string_new ("{\"__metadata__\":{\"a\":\"b\"},\"x\":[0");

    for (int i = 0; i < (1 << 20); i++)
      g_string_append (wide, ",0");
    g_string_append (wide, "]}");
    assert_json_refused (wide->str, 0, "more than 1048576 values", NULL);
    g_string_free (wide, TRUE);
  }
  {
    /* A NUL inside the header. */
    g_autoptr(GBytes) nul = make_file ("{\"a\":{}}", NULL, 0);
    guint8 *copy = g_memdup2 (g_bytes_get_data (nul, NULL), g_bytes_get_size (nul));
    g_autoptr(GBytes) bad = NULL;

    copy[10] = '\0';
    bad = g_bytes_new_take (copy, g_bytes_get_size (nul));
    assert_refused (bad, TF_ERROR_FORMAT, "not valid JSON", NULL);
  }
}

static void
test_bad_entries (void)
{
  assert_json_refused ("{\"w\":5}", 0, "'w'", "not a JSON object", NULL);
  assert_json_refused ("{\"\":" ENTRY ("\"F32\"", "[]", "[0,4]") "}", 4, "empty name", NULL);
  assert_json_refused ("{\"w\":{\"shape\":[],\"data_offsets\":[0,4]}}", 4, "'w'", "dtype", NULL);
  assert_json_refused ("{\"w\":" ENTRY ("4", "[]", "[0,4]") "}", 4, "'w'", "dtype", NULL);
  assert_json_refused ("{\"w\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", 4, "'w'", "shape", NULL);
  assert_json_refused ("{\"w\":{\"dtype\":\"F32\",\"shape\":[]}}", 4, "'w'", "data_offsets", NULL);
}

static void
test_unknown_dtype (void)
{
  assert_json_refused ("{\"w\":" ENTRY ("\"F8_E4M3\"", "[4]", "[0,4]") "}", 4,
                       "'w'", "unsupported dtype 'F8_E4M3'", NULL);
  assert_json_refused ("{\"w\":" ENTRY ("\"f32\"", "[1]", "[0,4]") "}", 4, "'w'", "'f32'", NULL);
}

static void
test_bad_shape (void)
{
  assert_json_refused ("{\"w\":" ENTRY ("\"F32\"", "[-1,2]", "[0,8]") "}", 8,
                       "'w'", "shape dimension 0", NULL);
  assert_json_refused ("{\"w\":" ENTRY ("\"F32\"", "[2,2.0]", "[0,16]") "}", 16,
                       "'w'", "shape dimension 1", NULL);
  assert_json_refused ("{\"w\":" ENTRY ("\"F32\"", "[1e1]", "[0,40]") "}", 40,
                       "'w'", "shape dimension 0", NULL);
  assert_json_refused ("{\"w\":" ENTRY ("\"F32\"", "[\"2\"]", "[0,8]") "}", 8,
                       "'w'", "shape dimension 0", NULL);
  assert_json_refused ("{\"w\":" ENTRY ("\"F32\"", "[9007199254740993]", "[0,8]") "}", 8,
                       "'w'", "shape dimension 0", NULL);
  assert_json_refused ("{\"w\":" ENTRY ("\"F32\"", "[18446744073709551617]", "[0,8]") "}", 8,
                       "'w'", "shape dimension 0", NULL);
  assert_json_refused ("{\"w\":" ENTRY ("\"F32\"", "[1,1,1,1,1,1,1,1,1]", "[0,4]") "}", 4,
                       "'w'", "9 dimensions", NULL);
  assert_json_refused ("{\"w\":" ENTRY ("\"F32\"", "[4294967296,4294967296]", "[0,4]") "}", 4,
                       "'w'", "too many elements", NULL);
  assert_json_refused ("{\"w\":" ENTRY ("\"F32\"", "[9007199254740992,9007199254740992,0]", "[0,0]") "}", 0,
                       "'w'", "too many elements", NULL);
}

static void
test_bad_offsets (void)
{
  assert_json_refused ("{\"vit.norm.weight\":" ENTRY ("\"F32\"", "[5]", "[10,20]") "}", 16,
                       "bad.safetensors: tensor 'vit.norm.weight': data_offsets [10, 20] lie outside the 16-byte data section",
                       NULL);
  assert_json_refused ("{\"w\":" ENTRY ("\"F32\"", "[1]", "[8,4]") "}", 16, "'w'", "[8, 4]", "end before they begin", NULL);
  assert_json_refused ("{\"w\":" ENTRY ("\"F32\"", "[1]", "[-4,0]") "}", 16, "'w'", "data_offsets", NULL);
  assert_json_refused ("{\"w\":" ENTRY ("\"F32\"", "[1]", "[0,4,8]") "}", 16, "'w'", "data_offsets", NULL);
  assert_json_refused ("{\"w\":" ENTRY ("\"F32\"", "[1]", "[0]") "}", 16, "'w'", "data_offsets", NULL);
  assert_json_refused ("{\"w\":" ENTRY ("\"F32\"", "[1]", "[0.0,4]") "}", 16, "'w'", "data_offsets", NULL);
  assert_json_refused ("{\"w\":" ENTRY ("\"F32\"", "[1]", "[0,18446744073709551620]") "}", 16,
                       "'w'", "data_offsets", NULL);
  assert_json_refused ("{\"w\":" ENTRY ("\"F32\"", "[1]", "{\"a\":1}") "}", 16, "'w'", "data_offsets", NULL);
}

static void
test_size_mismatch (void)
{
  assert_json_refused ("{\"w\":" ENTRY ("\"F32\"", "[3]", "[0,8]") "}", 16,
                       "'w'", "size mismatch", "F32 [3] needs 12", NULL);
  assert_json_refused ("{\"w\":" ENTRY ("\"BF16\"", "[2,2]", "[0,16]") "}", 16,
                       "'w'", "size mismatch", NULL);
}

static void
test_overlap (void)
{
  g_autoptr(GBytes) ok = NULL;
  g_autoptr(TfSafetensors) st = NULL;

  assert_json_refused ("{\"a\":" ENTRY ("\"F32\"", "[2]", "[0,8]") ","
                       "\"b\":" ENTRY ("\"F32\"", "[2]", "[4,12]") "}", 16,
                       "'a'", "'b'", "overlap", NULL);
  /* The same in reverse header order. */
  assert_json_refused ("{\"b\":" ENTRY ("\"F32\"", "[2]", "[4,12]") ","
                       "\"a\":" ENTRY ("\"F32\"", "[2]", "[0,8]") "}", 16,
                       "'a'", "'b'", "overlap", NULL);
  assert_json_refused ("{\"a\":" ENTRY ("\"U8\"", "[8]", "[0,8]") ","
                       "\"b\":" ENTRY ("\"U8\"", "[8]", "[0,8]") "}", 16, "overlap", NULL);

  /* Adjacent tensors, a gap, and empty tensors anywhere are fine. */
  ok = make_file ("{\"a\":" ENTRY ("\"F32\"", "[2]", "[0,8]") ","
                  "\"b\":" ENTRY ("\"F32\"", "[1]", "[8,12]") ","
                  "\"c\":" ENTRY ("\"F16\"", "[0]", "[4,4]") ","
                  "\"d\":" ENTRY ("\"I8\"", "[2]", "[14,16]") "}", NULL, 16);
  st = parse_ok (ok);
  g_assert_cmpuint (tf_safetensors_get_n_tensors (st), ==, 4);
}

static void
test_bad_metadata (void)
{
  assert_json_refused ("{\"__metadata__\":{\"epochs\":30}}", 0, "'epochs'", "not a string", NULL);
  assert_json_refused ("{\"__metadata__\":{\"a\":\"b\",\"c\":null}}", 0, "'c'", "not a string", NULL);
  assert_json_refused ("{\"__metadata__\":[\"a\"]}", 0, "__metadata__", "not a JSON object", NULL);
  assert_json_refused ("{\"__metadata__\":\"x\"}", 0, "__metadata__", "not a JSON object", NULL);
}

static void
test_duplicates (void)
{
  assert_json_refused ("{\"a\":" ENTRY ("\"F32\"", "[1]", "[0,4]") ","
                       "\"a\":" ENTRY ("\"F32\"", "[1]", "[4,8]") "}", 8,
                       "duplicate", "'a'", NULL);
  /* The same name spelled with an escape. */
  assert_json_refused ("{\"a\":" ENTRY ("\"F32\"", "[1]", "[0,4]") ","
                       "\"\\u0061\":" ENTRY ("\"F32\"", "[1]", "[4,8]") "}", 8,
                       "duplicate", "'a'", NULL);
  assert_json_refused ("{\"a\":{\"dtype\":\"F32\",\"dtype\":\"I8\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4,
                       "duplicate", "'dtype'", NULL);
  assert_json_refused ("{\"__metadata__\":{\"k\":\"1\",\"k\":\"2\"}}", 0, "duplicate", "'k'", NULL);
}

/* Files on disk */

static void
test_files (void)
{
  g_autofree char *dir = make_tmp_dir ();
  g_autofree char *empty = g_build_filename (dir, "empty.safetensors", NULL);
  g_autofree char *truncated = g_build_filename (dir, "truncated.safetensors", NULL);
  g_autofree char *cut_header = g_build_filename (dir, "cut.safetensors", NULL);
  g_autofree char *missing = g_build_filename (dir, "missing.safetensors", NULL);
  g_autoptr(TfSafetensorsWriter) w = make_small_writer (1.0f);
  g_autoptr(GBytes) bytes = tf_safetensors_writer_to_bytes (w);
  const char *data = g_bytes_get_data (bytes, NULL);
  gsize size = g_bytes_get_size (bytes);
  GError *error = NULL;

  g_assert_true (g_file_set_contents (empty, "", 0, NULL));
  g_assert_null (tf_safetensors_open (empty, &error));
  g_assert_error (error, TF_ERROR, TF_ERROR_FORMAT);
  assert_message_has (error, "empty.safetensors: ");
  assert_message_has (error, "empty");
  g_clear_error (&error);

  /* Missing the last byte of the data. */
  g_assert_true (g_file_set_contents (truncated, data, (gssize) size - 1, NULL));
  g_assert_null (tf_safetensors_open (truncated, &error));
  g_assert_error (error, TF_ERROR, TF_ERROR_FORMAT);
  assert_message_has (error, "truncated.safetensors: tensor 'w': data_offsets [0, 24] lie outside");
  g_clear_error (&error);

  /* Cut inside the header. */
  g_assert_true (g_file_set_contents (cut_header, data, 20, NULL));
  g_assert_null (tf_safetensors_open (cut_header, &error));
  g_assert_error (error, TF_ERROR, TF_ERROR_FORMAT);
  assert_message_has (error, "cut.safetensors: header length");
  g_clear_error (&error);

  g_assert_null (tf_safetensors_open (missing, &error));
  g_assert_error (error, TF_ERROR, TF_ERROR_IO);
  assert_message_has (error, "missing.safetensors");
  assert_message_has (error, g_strerror (ENOENT));
  g_clear_error (&error);

  g_assert_null (tf_safetensors_open (dir, &error));
  g_assert_error (error, TF_ERROR, TF_ERROR_IO);
  assert_message_has (error, "not a regular file");
  g_clear_error (&error);

  remove_tmp_dir (dir);
}

/* read_f32 */

static GBytes *
make_f32_file (const char  *name,
               const float *values,
               int          n)
{
  g_autofree char *json = g_strdup_printf ("{\"%s\":{\"dtype\":\"F32\",\"shape\":[%d],\"data_offsets\":[0,%d]}}",
                                           name, n, 4 * n);
  guint32 *le = g_new (guint32, n);
  GBytes *bytes;

  for (int i = 0; i < n; i++)
    le[i] = GUINT32_TO_LE (f32_bits (values[i]));
  bytes = make_file (json, le, 4 * (gsize) n);
  g_free (le);
  return bytes;
}

static void
test_read_non_finite (void)
{
  const float with_nan[] = { 1.0f, 2.0f, NAN, 4.0f };
  const float with_inf[] = { INFINITY, 2.0f, 3.0f, 4.0f };
  const float with_ninf[] = { 1.0f, 2.0f, 3.0f, -INFINITY };
  const int64_t shape[] = { 4 };
  float out[4];
  GError *error = NULL;
  g_autoptr(GBytes) b1 = make_f32_file ("head.weight", with_nan, 4);
  g_autoptr(GBytes) b2 = make_f32_file ("head.bias", with_inf, 4);
  g_autoptr(GBytes) b3 = make_f32_file ("x", with_ninf, 4);
  g_autoptr(TfSafetensors) s1 = parse_ok (b1);
  g_autoptr(TfSafetensors) s2 = parse_ok (b2);
  g_autoptr(TfSafetensors) s3 = parse_ok (b3);
  g_autoptr(GBytes) b4 = NULL;
  g_autoptr(TfSafetensors) s4 = NULL;

  g_assert_false (tf_safetensors_read_f32 (s1, "head.weight", shape, 1, out, &error));
  g_assert_error (error, TF_ERROR, TF_ERROR_TENSOR);
  assert_message_has (error, "ok.safetensors: tensor 'head.weight' holds a non-finite value (NaN) at index 2");
  g_clear_error (&error);

  g_assert_false (tf_safetensors_read_f32 (s2, "head.bias", shape, 1, out, &error));
  g_assert_error (error, TF_ERROR, TF_ERROR_TENSOR);
  assert_message_has (error, "tensor 'head.bias' holds a non-finite value (Inf) at index 0");
  g_clear_error (&error);

  g_assert_false (tf_safetensors_read_f32 (s3, "x", shape, 1, out, &error));
  g_assert_error (error, TF_ERROR, TF_ERROR_TENSOR);
  assert_message_has (error, "(-Inf) at index 3");
  g_clear_error (&error);

  /* F16 Inf, and an F64 beyond float range. */
  b4 = make_file ("{\"h\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]},"
                  "\"d\":{\"dtype\":\"F64\",\"shape\":[1],\"data_offsets\":[8,16]}}",
                  "\x00\x3c\x00\x7c\0\0\0\0\x00\x00\x00\x00\x00\x00\xf0\x7f", 16);
  s4 = parse_ok (b4);
  {
    const int64_t two[] = { 2 };
    const int64_t one[] = { 1 };

    g_assert_false (tf_safetensors_read_f32 (s4, "h", two, 1, out, &error));
    g_assert_error (error, TF_ERROR, TF_ERROR_TENSOR);
    assert_message_has (error, "tensor 'h' holds a non-finite value (Inf) at index 1");
    g_clear_error (&error);
    g_assert_false (tf_safetensors_read_f32 (s4, "d", one, 1, out, &error));
    g_assert_error (error, TF_ERROR, TF_ERROR_TENSOR);
    assert_message_has (error, "tensor 'd' holds a non-finite value (Inf)");
    g_clear_error (&error);
  }
}

static void
test_read_shape_mismatch (void)
{
  g_autoptr(TfSafetensorsWriter) w = make_small_writer (1.0f);
  g_autoptr(GBytes) bytes = tf_safetensors_writer_to_bytes (w);
  g_autoptr(TfSafetensors) st = parse_ok (bytes);
  const int64_t wrong[] = { 3, 2 };
  const int64_t flat[] = { 6 };
  float out[6];
  GError *error = NULL;

  g_assert_false (tf_safetensors_read_f32 (st, "w", wrong, 2, out, &error));
  g_assert_error (error, TF_ERROR, TF_ERROR_TENSOR);
  assert_message_has (error, "tensor 'w' has shape [2, 3] but the model expects [3, 2]");
  g_clear_error (&error);

  g_assert_false (tf_safetensors_read_f32 (st, "w", flat, 1, out, &error));
  g_assert_error (error, TF_ERROR, TF_ERROR_TENSOR);
  assert_message_has (error, "has shape [2, 3] but the model expects [6]");
  g_clear_error (&error);

  g_assert_false (tf_safetensors_read_f32 (st, "w", NULL, 0, out, &error));
  g_assert_error (error, TF_ERROR, TF_ERROR_TENSOR);
  assert_message_has (error, "but the model expects []");
  g_clear_error (&error);
}

static void
test_read_missing_and_dtype (void)
{
  g_autoptr(GBytes) bytes = make_file ("{\"ids\":" ENTRY ("\"I64\"", "[2]", "[0,16]") "}", NULL, 16);
  g_autoptr(TfSafetensors) st = parse_ok (bytes);
  const int64_t shape[] = { 2 };
  float out[2];
  GError *error = NULL;

  g_assert_false (tf_safetensors_read_f32 (st, "vit.cls_token", shape, 1, out, &error));
  g_assert_error (error, TF_ERROR, TF_ERROR_TENSOR);
  assert_message_has (error, "ok.safetensors: tensor 'vit.cls_token' is missing");
  g_clear_error (&error);

  g_assert_false (tf_safetensors_read_f32 (st, "ids", shape, 1, out, &error));
  g_assert_error (error, TF_ERROR, TF_ERROR_TENSOR);
  assert_message_has (error, "tensor 'ids' has dtype I64, expected a floating-point type");
  g_clear_error (&error);
}

/* release */

static void
test_release (void)
{
  g_autofree char *dir = make_tmp_dir ();
  g_autofree char *path = g_build_filename (dir, "big.safetensors", NULL);
  g_autoptr(TfSafetensorsWriter) w = tf_safetensors_writer_new ();
  g_autoptr(TfSafetensors) st = NULL;
  g_autoptr(TfSafetensors) mem = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  const int64_t big_shape[] = { 256, 1024 };
  const int64_t small_shape[] = { 3 };
  const int n = 256 * 1024;
  g_autofree float *data = g_new (float, n);
  g_autofree float *out = g_new (float, n);
  float small[3] = { 1, 2, 3 };

  for (int i = 0; i < n; i++)
    data[i] = (float) i * 0.25f;
  tf_safetensors_writer_add_f32 (w, "small0", small_shape, 1, small, TF_DTYPE_F32);
  tf_safetensors_writer_add_f32 (w, "big", big_shape, 2, data, TF_DTYPE_F32);
  tf_safetensors_writer_add_f32 (w, "small1", small_shape, 1, small, TF_DTYPE_F32);
  g_assert_true (tf_safetensors_writer_write (w, path, &error));
  g_assert_no_error (error);

  st = tf_safetensors_open (path, &error);
  g_assert_no_error (error);
  for (int round = 0; round < 2; round++)
    {
      memset (out, 0, n * sizeof *out);
      g_assert_true (tf_safetensors_read_f32 (st, "big", big_shape, 2, out, &error));
      g_assert_no_error (error);
      g_assert_cmpmem (out, n * sizeof *out, data, n * sizeof *data);
      tf_safetensors_release (st, "big");
      tf_safetensors_release (st, "small0");
      tf_safetensors_release (st, "absent");
    }
  g_assert_true (tf_safetensors_read_f32 (st, "small1", small_shape, 1, out, &error));
  g_assert_cmpfloat (out[2], ==, 3.0f);

  /* On a caller's buffer release must not touch the memory. */
  bytes = tf_safetensors_writer_to_bytes (w);
  mem = parse_ok (bytes);
  tf_safetensors_release (mem, "big");
  g_assert_true (tf_safetensors_read_f32 (mem, "big", big_shape, 2, out, &error));
  g_assert_no_error (error);
  g_assert_cmpmem (out, n * sizeof *out, data, n * sizeof *data);

  g_clear_pointer (&st, tf_safetensors_free);
  remove_tmp_dir (dir);
}

/* Atomic writes */

static void
assert_file_holds_scale (const char *path,
                         float       scale)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TfSafetensors) st = tf_safetensors_open (path, &error);
  const int64_t shape[] = { 2, 3 };
  float out[6];

  g_assert_no_error (error);
  g_assert_true (tf_safetensors_read_f32 (st, "w", shape, 2, out, &error));
  g_assert_no_error (error);
  g_assert_cmpfloat (out[5], ==, 6.0f * scale);
}

static void
test_write_missing_dir (void)
{
  g_autofree char *dir = make_tmp_dir ();
  g_autofree char *path = g_build_filename (dir, "no-such-dir", "model.safetensors", NULL);
  g_autoptr(TfSafetensorsWriter) w = make_small_writer (1.0f);
  GError *error = NULL;

  g_assert_false (tf_safetensors_writer_write (w, path, &error));
  g_assert_error (error, TF_ERROR, TF_ERROR_IO);
  assert_message_has (error, path);
  assert_message_has (error, g_strerror (ENOENT));
  g_clear_error (&error);
  g_assert_cmpuint (count_dir_entries (dir), ==, 0);
  remove_tmp_dir (dir);
}

static void
test_write_readonly_dir (void)
{
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  g_autoptr(TfSafetensorsWriter) first = make_small_writer (1.0f);
  g_autoptr(TfSafetensorsWriter) second = make_small_writer (2.0f);
  GError *error = NULL;

  if (geteuid () == 0)
    {
      g_test_skip ("root ignores directory permissions");
      return;
    }

  dir = make_tmp_dir ();
  path = g_build_filename (dir, "model.safetensors", NULL);
  g_assert_true (tf_safetensors_writer_write (first, path, &error));
  g_assert_no_error (error);

  g_assert_cmpint (g_chmod (dir, 0555), ==, 0);
  g_assert_false (tf_safetensors_writer_write (second, path, &error));
  g_assert_error (error, TF_ERROR, TF_ERROR_IO);
  assert_message_has (error, path);
  assert_message_has (error, g_strerror (EACCES));
  g_clear_error (&error);
  g_assert_cmpint (g_chmod (dir, 0755), ==, 0);

  assert_file_holds_scale (path, 1.0f);
  g_assert_cmpuint (count_dir_entries (dir), ==, 1);

  /* And with the permission back, the replacement goes through. */
  g_assert_true (tf_safetensors_writer_write (second, path, &error));
  g_assert_no_error (error);
  assert_file_holds_scale (path, 2.0f);
  g_assert_cmpuint (count_dir_entries (dir), ==, 1);
  remove_tmp_dir (dir);
}

/* A file size limit makes write() fail part way, as a full disk would. */
static void
test_write_fails_midway (void)
{
  g_autofree char *dir = make_tmp_dir ();
  g_autofree char *path = g_build_filename (dir, "model.safetensors", NULL);
  g_autoptr(TfSafetensorsWriter) first = make_small_writer (1.0f);
  g_autoptr(TfSafetensorsWriter) big = make_small_writer (2.0f);
  const int64_t shape[] = { 64 * 1024 };
  g_autofree float *data = g_new0 (float, 64 * 1024);
  struct rlimit old_limit, limit;
  void (*old_handler) (int);
  GError *error = NULL;
  gboolean ok;

  g_assert_true (tf_safetensors_writer_write (first, path, &error));
  g_assert_no_error (error);
  tf_safetensors_writer_add_f32 (big, "padding", shape, 1, data, TF_DTYPE_F32);

  g_assert_cmpint (getrlimit (RLIMIT_FSIZE, &old_limit), ==, 0);
  if (old_limit.rlim_max != RLIM_INFINITY && old_limit.rlim_max < 4096)
    {
      g_test_skip ("file size limit too low already");
      remove_tmp_dir (dir);
      return;
    }
  limit = old_limit;
  limit.rlim_cur = 4096;
  old_handler = signal (SIGXFSZ, SIG_IGN);
  g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &limit), ==, 0);
  ok = tf_safetensors_writer_write (big, path, &error);
  g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &old_limit), ==, 0);
  signal (SIGXFSZ, old_handler);

  g_assert_false (ok);
  g_assert_error (error, TF_ERROR, TF_ERROR_IO);
  assert_message_has (error, path);
  assert_message_has (error, g_strerror (EFBIG));
  g_clear_error (&error);
  assert_file_holds_scale (path, 1.0f);
  g_assert_cmpuint (count_dir_entries (dir), ==, 1);
  remove_tmp_dir (dir);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/safetensors/f16/special", test_f16_special);
  g_test_add_func ("/safetensors/f16/rounding", test_f16_rounding);
  g_test_add_func ("/safetensors/bf16", test_bf16);
  g_test_add_func ("/safetensors/roundtrip", test_roundtrip);
  g_test_add_func ("/safetensors/metadata", test_metadata);
  g_test_add_func ("/safetensors/f64-unaligned", test_f64_and_unaligned);
  g_test_add_func ("/safetensors/bad/header-length", test_header_length);
  g_test_add_func ("/safetensors/bad/short", test_short_data);
  g_test_add_func ("/safetensors/bad/json", test_invalid_json);
  g_test_add_func ("/safetensors/bad/entries", test_bad_entries);
  g_test_add_func ("/safetensors/bad/dtype", test_unknown_dtype);
  g_test_add_func ("/safetensors/bad/shape", test_bad_shape);
  g_test_add_func ("/safetensors/bad/offsets", test_bad_offsets);
  g_test_add_func ("/safetensors/bad/size-mismatch", test_size_mismatch);
  g_test_add_func ("/safetensors/bad/overlap", test_overlap);
  g_test_add_func ("/safetensors/bad/metadata", test_bad_metadata);
  g_test_add_func ("/safetensors/bad/duplicates", test_duplicates);
  g_test_add_func ("/safetensors/files", test_files);
  g_test_add_func ("/safetensors/read/non-finite", test_read_non_finite);
  g_test_add_func ("/safetensors/read/shape-mismatch", test_read_shape_mismatch);
  g_test_add_func ("/safetensors/read/missing-and-dtype", test_read_missing_and_dtype);
  g_test_add_func ("/safetensors/release", test_release);
  g_test_add_func ("/safetensors/write/missing-dir", test_write_missing_dir);
  g_test_add_func ("/safetensors/write/readonly-dir", test_write_readonly_dir);
  g_test_add_func ("/safetensors/write/fails-midway", test_write_fails_midway);

  return g_test_run ();
}
