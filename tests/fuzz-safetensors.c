/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Fuzzes the safetensors reader.  With -DTF_HAVE_LIBFUZZER this is a plain
 * libFuzzer target; without it, main() below is a small mutation driver so
 * that the suite can fuzz with any compiler:
 *
 *   fuzz-safetensors SECONDS [SEED_FILE_OR_DIR...]
 *   fuzz-safetensors --write-seeds DIR
 *
 * The driver always adds seeds built in memory with the writer, so it needs
 * no files; --write-seeds stores the same seeds (tests/fuzz-corpus/). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "tf-error.h"
#include "tf-safetensors.h"

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);
int LLVMFuzzerInitialize (int    *argc,
                          char ***argv);

static guint64 n_accepted;

/* What the model loader reads, and a key nobody writes. */
static const char * const metadata_keys[] = {
  "format", "config", "classes", "input", "dataset", "epochs",
  "valid_accuracy", "trained_with", "", "absent",
};

static void
check (gboolean    condition,
       const char *what)
{
  if (!condition)
    {
      fprintf (stderr, "fuzz-safetensors: invariant broken: %s\n", what);
      abort ();
    }
}

/* Writes every tensor that read_f32 accepted back out and reads the result
 * again: the writer and the reader must agree bit for bit. */
static void
check_round_trip (TfSafetensors  *st,
                  float         **values)
{
  g_autoptr(TfSafetensorsWriter) w = tf_safetensors_writer_new ();
  g_autoptr(TfSafetensors) again = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  guint n = tf_safetensors_get_n_tensors (st);

  for (gsize i = 0; i < G_N_ELEMENTS (metadata_keys); i++)
    {
      const char *value = tf_safetensors_get_metadata (st, metadata_keys[i]);

      if (value != NULL)
        tf_safetensors_writer_add_metadata (w, metadata_keys[i], value);
    }
  for (guint i = 0; i < n; i++)
    {
      const TfStTensor *t = tf_safetensors_get_nth (st, i);
      TfDtype dtype = t->dtype == TF_DTYPE_F64 ? TF_DTYPE_F32 : t->dtype;

      if (values[i] != NULL)
        tf_safetensors_writer_add_f32 (w, t->name, t->shape, t->ndim, values[i], dtype);
    }

  bytes = tf_safetensors_writer_to_bytes (w);
  again = tf_safetensors_new_from_data (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                                        "again", &error);
  check (again != NULL, "the writer's output parses");

  for (gsize i = 0; i < G_N_ELEMENTS (metadata_keys); i++)
    check (g_strcmp0 (tf_safetensors_get_metadata (st, metadata_keys[i]),
                      tf_safetensors_get_metadata (again, metadata_keys[i])) == 0,
           "metadata survives a round trip");
  for (guint i = 0; i < n; i++)
    {
      const TfStTensor *t = tf_safetensors_get_nth (st, i);
      g_autofree float *out = NULL;

      if (values[i] == NULL)
        continue;
      out = g_new (float, t->numel);
      check (tf_safetensors_read_f32 (again, t->name, t->shape, t->ndim, out, NULL),
             "a rewritten tensor reads back");
      check (memcmp (out, values[i], t->numel * sizeof (float)) == 0,
             "a rewritten tensor holds the same values");
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(TfSafetensors) st = NULL;
  g_autoptr(GError) error = NULL;
  float **values;
  guint n;

  st = tf_safetensors_new_from_data (data, size, "fuzz.safetensors", &error);
  if (st == NULL)
    {
      check (error != NULL && error->domain == TF_ERROR && error->code == TF_ERROR_FORMAT,
             "a refusal is a FORMAT error");
      return 0;
    }
  n_accepted++;

  n = tf_safetensors_get_n_tensors (st);
  values = g_new0 (float *, n + 1);
  for (guint i = 0; i < n; i++)
    {
      const TfStTensor *t = tf_safetensors_get_nth (st, i);
      g_autoptr(GError) read_error = NULL;
      float *out;
      guint sum = 0;

      check (tf_safetensors_lookup (st, t->name) == t, "lookup finds the nth tensor");
      check (t->data >= data && t->nbytes <= size && t->data - data <= (ptrdiff_t) (size - t->nbytes),
             "tensor data lies inside the buffer");
      check (t->nbytes == (gsize) t->numel * tf_dtype_size (t->dtype), "nbytes matches numel");
      for (gsize b = 0; b < t->nbytes; b++)
        sum += t->data[b];  /* lets ASan see every byte we claim */
      (void) sum;

      out = g_new (float, t->numel);
      if (tf_safetensors_read_f32 (st, t->name, t->shape, t->ndim, out, &read_error))
        {
          for (int64_t k = 0; k < t->numel; k++)
            check (isfinite (out[k]), "read_f32 returns finite values only");
          values[i] = out;
        }
      else
        {
          check (read_error->domain == TF_ERROR && read_error->code == TF_ERROR_TENSOR,
                 "a read error is a TENSOR error");
          g_free (out);
        }
      tf_safetensors_release (st, t->name);
    }

  for (gsize i = 0; i < G_N_ELEMENTS (metadata_keys); i++)
    {
      const char *value = tf_safetensors_get_metadata (st, metadata_keys[i]);

      if (value != NULL)
        check (g_utf8_validate (value, -1, NULL), "metadata is UTF-8");
    }

  check_round_trip (st, values);

  for (guint i = 0; i < n; i++)
    g_free (values[i]);
  g_free (values);
  return 0;
}

int
LLVMFuzzerInitialize (int    *argc G_GNUC_UNUSED,
                      char ***argv G_GNUC_UNUSED)
{
  /* A g_critical() from a g_return_if_fail() is a bug like any crash. */
  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
  return 0;
}

#ifndef TF_HAVE_LIBFUZZER
#include "tf-fuzz-driver.h"

/* Seeds */

static GBytes *
raw_file (const char *json,
          gsize       data_size)
{
  gsize len = strlen (json);
  guint64 len_le = GUINT64_TO_LE ((guint64) len);
  GByteArray *out = g_byte_array_new ();

  g_byte_array_append (out, (const guint8 *) &len_le, 8);
  g_byte_array_append (out, (const guint8 *) json, len);
  for (gsize i = 0; i < data_size; i++)
    g_byte_array_append (out, (const guint8 *) "\x3f", 1);
  return g_byte_array_free_to_bytes (out);
}

static GPtrArray *
build_seeds (void)
{
  GPtrArray *seeds = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  const int64_t s23[] = { 2, 3 }, s4[] = { 4 }, s0[] = { 0, 5 }, s2222[] = { 2, 1, 2, 1, 2 };
  const float v[] = { 0.5f, -1.25f, 3.0f, 65504.0f, 1e-6f, -0.0f, 7.0f, 1e-8f };
  g_autoptr(TfSafetensorsWriter) a = tf_safetensors_writer_new ();
  g_autoptr(TfSafetensorsWriter) b = tf_safetensors_writer_new ();
  g_autoptr(TfSafetensorsWriter) c = tf_safetensors_writer_new ();

  tf_safetensors_writer_add_metadata (a, "format", "transfer");
  tf_safetensors_writer_add_metadata (a, "classes", "[\"neutral\", \"happy\"]");
  tf_safetensors_writer_add_f32 (a, "head.weight", s23, 2, v, TF_DTYPE_F32);
  tf_safetensors_writer_add_f32 (a, "head.bias", s4, 1, v + 4, TF_DTYPE_F32);
  g_ptr_array_add (seeds, tf_safetensors_writer_to_bytes (a));

  tf_safetensors_writer_add_f32 (b, "h", s4, 1, v, TF_DTYPE_F16);
  tf_safetensors_writer_add_f32 (b, "bf", s23, 2, v, TF_DTYPE_BF16);
  tf_safetensors_writer_add_f32 (b, "scalar", NULL, 0, v + 2, TF_DTYPE_F32);
  tf_safetensors_writer_add_f32 (b, "empty", s0, 2, NULL, TF_DTYPE_F16);
  tf_safetensors_writer_add_f32 (b, "five-d", s2222, 5, v, TF_DTYPE_F32);
  g_ptr_array_add (seeds, tf_safetensors_writer_to_bytes (b));

  tf_safetensors_writer_add_metadata (c, "config", "{\"depth\": 8, \"heads\": 8}");
  tf_safetensors_writer_add_metadata (c, "input", "{\"size\": 112, \"mean\": [0.5, 0.5, 0.5]}");
  g_ptr_array_add (seeds, tf_safetensors_writer_to_bytes (c));

  /* Dtypes the writer does not produce, and integers. */
  g_ptr_array_add (seeds, raw_file ("{\"d\":{\"dtype\":\"F64\",\"shape\":[2],\"data_offsets\":[0,16]},"
                                    "\"i\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[16,24]},"
                                    "\"b\":{\"dtype\":\"BOOL\",\"shape\":[2,2],\"data_offsets\":[24,28]},"
                                    "\"u\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[28,29]},"
                                    "\"__metadata__\":{\"format\":\"pt\"}}", 29));
  g_ptr_array_add (seeds, raw_file ("{}      ", 0));
  /* Near misses, so mutations start close to the checks. */
  g_ptr_array_add (seeds, raw_file ("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                                    "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12));
  g_ptr_array_add (seeds, raw_file ("{\"a\":{\"dtype\":\"F16\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8));
  return seeds;
}

static int
write_seeds (const char *dir)
{
  g_autoptr(GPtrArray) seeds = build_seeds ();
  g_autoptr(GError) error = NULL;

  g_mkdir_with_parents (dir, 0755);
  for (guint i = 0; i < seeds->len; i++)
    {
      g_autofree char *name = g_strdup_printf ("seed-%02u.safetensors", i);
      g_autofree char *path = g_build_filename (dir, name, NULL);
      gsize len;
      const char *data = g_bytes_get_data (seeds->pdata[i], &len);

      if (!g_file_set_contents (path, data, (gssize) len, &error))
        {
          fprintf (stderr, "fuzz-safetensors: %s\n", error->message);
          return 1;
        }
    }
  return 0;
}

/* Mutations */

static const char * const tokens[] = {
  "\"F32\"", "\"F16\"", "\"BF16\"", "\"F64\"", "\"I64\"", "\"BOOL\"", "\"U8\"", "\"F8_E4M3\"",
  "\"__metadata__\"", "\"dtype\"", "\"shape\"", "\"data_offsets\"", "[]", "[0]", "{}", "null",
  "true", "\"\"", "\"\\u0000\"", "\"\\ud800\"", "0", "-1", "1.0", "1e3", "4294967296",
  "9007199254740992", "9007199254740993", "9223372036854775808", "18446744073709551616",
  "[0,0]", "[1,2,3,4,5,6,7,8,9]", "[4294967296,4294967296]", ",", ":", "\"a\"", "\"\":",
  "\"__metadata__\":[],", "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[", NULL,
};

/* The header length field: near the data, tiny, huge. */
static void
mutate_length (GArray *buf,
               GRand  *rand)
{
  guint64 v;

  if (buf->len < 8)
    return;
  memcpy (&v, buf->data, 8);
  v = GUINT64_FROM_LE (v);
  switch (g_rand_int_range (rand, 0, 6))
    {
    case 0: v += g_rand_int_range (rand, -16, 17); break;
    case 1: v = g_rand_int_range (rand, 0, 3); break;
    case 2: v = buf->len - 8 + g_rand_int_range (rand, -2, 3); break;
    case 3: v = G_MAXUINT64 - g_rand_int_range (rand, 0, 3); break;
    case 4: v = (guint64) 100 * 1024 * 1024 + g_rand_int_range (rand, -1, 2); break;
    default: v = ((guint64) g_rand_int (rand) << 32) | g_rand_int (rand); break;
    }
  v = GUINT64_TO_LE (v);
  memcpy (buf->data, &v, 8);
}

int
main (int    argc,
      char **argv)
{
  int status;

  if (argc == 3 && strcmp (argv[1], "--write-seeds") == 0)
    return write_seeds (argv[2]);
  LLVMFuzzerInitialize (&argc, &argv);
  status = tf_fuzz_main (argc, argv, "fuzz-safetensors", build_seeds (), tokens, mutate_length, 0x5afe7e45);
  if (status == 0)
    printf ("fuzz-safetensors: %" G_GUINT64_FORMAT " accepted\n", n_accepted);
  return status;
}

#endif
