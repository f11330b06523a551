/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A small mutation fuzzer for compilers without libFuzzer (header-only: a
 * fuzz target includes it under #ifndef TF_HAVE_LIBFUZZER and calls
 * tf_fuzz_main from its main). It runs the target on every seed, then on
 * mutated seeds until the time is up, each input in an exactly-sized heap
 * copy so that a sanitizer sees any read past its end:
 *
 *   fuzz-NAME SECONDS [SEED_FILE_OR_DIR...]
 *
 * The mutations: bit flips, interesting bytes, chunks deleted,
 * duplicated or truncated, splices with another seed, the target's
 * @tokens inserted or written over (words its grammar knows), and the
 * target's own @extra mutation. A fixed random seed makes a
 * failure in the suite reproduce on the next run. */
#pragma once

#include <glib.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

#define TF_FUZZ_MAX_LEN (256 * 1024)

/* A mutation that knows the target's format (a length field, an offset),
 * applied in place of a generic one now and then. */
typedef void (*TfFuzzMutateFunc) (GArray *buf,
                                  GRand  *rand);

static inline void
tf_fuzz_load_seed (GPtrArray  *seeds,
                   const char *path)
{
  g_autoptr(GError) error = NULL;
  char *contents;
  gsize len;

  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
      const char *name;

      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);
          if (g_file_test (child, G_FILE_TEST_IS_REGULAR))
            tf_fuzz_load_seed (seeds, child);
        }
      return;
    }
  if (!g_file_get_contents (path, &contents, &len, &error))
    {
      fprintf (stderr, "fuzz: %s\n", error->message);
      exit (2);
    }
  g_ptr_array_add (seeds, g_bytes_new_take (contents, MIN (len, TF_FUZZ_MAX_LEN)));
}

static inline void
tf_fuzz_mutate (GArray             *buf,
                GPtrArray          *seeds,
                const char * const *tokens,
                TfFuzzMutateFunc    extra,
                GRand              *rand)
{
  static const guint8 interesting[] = { 0, 1, '\n', '\r', '"', ',', ' ', '0', '9', '(', ')', 0x7F, 0x80, 0xC3,
                                        0xE9, 0xEF, 0xBB, 0xBF, 0xFF };
  guint len = buf->len;
  guint pos = len > 0 ? (guint) g_rand_int_range (rand, 0, (gint32) len) : 0;

  switch (g_rand_int_range (rand, 0, extra ? 9 : 7))
    {
    case 0:  /* bit flip */
      if (len > 0)
        ((guint8 *) buf->data)[pos] ^= 1u << g_rand_int_range (rand, 0, 8);
      break;
    case 1:  /* interesting byte */
      if (len > 0)
        ((guint8 *) buf->data)[pos] = interesting[g_rand_int_range (rand, 0, G_N_ELEMENTS (interesting))];
      break;
    case 2:  /* delete a chunk */
      if (len > 0)
        g_array_remove_range (buf, pos, (guint) g_rand_int_range (rand, 1, (gint32) MIN (len - pos, 16u) + 1));
      break;
    case 3:  /* duplicate a chunk */
      if (len > 0 && len < TF_FUZZ_MAX_LEN / 2)
        {
          guint n = (guint) g_rand_int_range (rand, 1, (gint32) MIN (len - pos, 64u) + 1);
          g_autofree guint8 *chunk = g_memdup2 (buf->data + pos, n);
          g_array_insert_vals (buf, (guint) g_rand_int_range (rand, 0, (gint32) len + 1), chunk, n);
        }
      break;
    case 4:  /* truncate */
      g_array_set_size (buf, pos);
      break;
    case 5:  /* splice with another seed */
      {
        GBytes *other = seeds->pdata[g_rand_int_range (rand, 0, (gint32) seeds->len)];
        gsize other_len;
        const guint8 *other_data = g_bytes_get_data (other, &other_len);
        guint from = other_len > 0 ? (guint) g_rand_int_range (rand, 0, (gint32) other_len) : 0;

        g_array_set_size (buf, pos);
        g_array_append_vals (buf, other_data + from, (guint) (other_len - from));
      }
      break;
    case 6:  /* a token of the target's grammar, inserted or written over */
      if (tokens != NULL && tokens[0] != NULL)
        {
          guint n = g_strv_length ((char **) tokens);
          const char *t = tokens[g_rand_int_range (rand, 0, (gint32) n)];
          guint tlen = (guint) strlen (t);

          if (g_rand_boolean (rand) && pos + tlen <= len)
            memcpy (buf->data + pos, t, tlen);
          else
            g_array_insert_vals (buf, pos, t, tlen);
        }
      break;
    case 7:
    case 8:  /* the target's own */
      extra (buf, rand);
      break;
    default:
      g_assert_not_reached ();
    }
  if (buf->len > TF_FUZZ_MAX_LEN)
    g_array_set_size (buf, TF_FUZZ_MAX_LEN);
}

static inline void
tf_fuzz_run_one (const guint8 *data,
                 gsize         len)
{
  g_autofree guint8 *copy = g_memdup2 (data, len);

  LLVMFuzzerTestOneInput (copy, len);
}

/* @seeds: the target's own seeds (taken); more come from the command line.
 * @random_seed fixes the run, so that a failure reproduces. */
static inline int
tf_fuzz_main (int                 argc,
              char              **argv,
              const char         *name,
              GPtrArray          *seeds,
              const char * const *tokens,
              TfFuzzMutateFunc    extra,
              guint32             random_seed)
{
  g_autoptr(GPtrArray) owned = seeds;
  g_autoptr(GArray) buf = g_array_new (FALSE, FALSE, 1);
  g_autoptr(GRand) rand = NULL;
  guint64 n_runs = 0;
  gint64 deadline;
  double seconds;
  char *end;

  seconds = argc >= 2 ? g_ascii_strtod (argv[1], &end) : 0;
  if (argc < 2 || *end != '\0' || seconds <= 0)
    {
      fprintf (stderr, "usage: %s SECONDS [SEED_FILE_OR_DIR...]\n", name);
      return 2;
    }
  for (int i = 2; i < argc; i++)
    tf_fuzz_load_seed (owned, argv[i]);
  if (owned->len == 0)
    g_ptr_array_add (owned, g_bytes_new_static ("", 0));
  for (guint i = 0; i < owned->len; i++)
    {
      gsize len;
      const guint8 *data = g_bytes_get_data (owned->pdata[i], &len);
      tf_fuzz_run_one (data, len);
      n_runs++;
    }

  rand = g_rand_new_with_seed (random_seed);
  deadline = g_get_monotonic_time () + (gint64) (seconds * G_USEC_PER_SEC);
  while (g_get_monotonic_time () < deadline)
    {
      GBytes *seed = owned->pdata[g_rand_int_range (rand, 0, (gint32) owned->len)];
      gsize len;
      const guint8 *data = g_bytes_get_data (seed, &len);
      int n_mutations = g_rand_int_range (rand, 1, 9);

      g_array_set_size (buf, 0);
      g_array_append_vals (buf, data, (guint) len);
      for (int m = 0; m < n_mutations; m++)
        tf_fuzz_mutate (buf, owned, tokens, extra, rand);
      tf_fuzz_run_one ((const guint8 *) buf->data, buf->len);
      n_runs++;
    }
  printf ("%s: %" G_GUINT64_FORMAT " inputs in %.0f s, no failure\n", name, n_runs, seconds);
  return 0;
}
