/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Helpers shared by the test programs (header-only: each test is one file). */
#pragma once

#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>

#include "tf-safetensors.h"

/* TF_TEST_ASAN: built with AddressSanitizer (clang's way or gcc's), where
 * every program runs several times slower: tests that only need volume
 * take less of it there. */
#if defined(__has_feature)
#  if __has_feature (address_sanitizer)
#    define TF_TEST_ASAN 1
#  endif
#endif
#if defined(__SANITIZE_ADDRESS__) && !defined(TF_TEST_ASAN)
#  define TF_TEST_ASAN 1
#endif

/* Largest |a - b| over n values; a NaN anywhere counts as infinite. */
static inline double
tf_test_max_abs_diff (const float *a,
                      const float *b,
                      gsize        n)
{
  double worst = 0;

  for (gsize i = 0; i < n; i++)
    {
      double d = fabs ((double) a[i] - b[i]);
      if (isnan (d))
        return INFINITY;
      worst = MAX (worst, d);
    }
  return worst;
}

#define tf_assert_close(a, b, n, tol, what) G_STMT_START {                          \
    double _err = tf_test_max_abs_diff ((a), (b), (n));                               \
    if (!(_err <= (tol)))                                                             \
      g_error ("%s: max abs error %.3g exceeds %.3g", (what), _err, (double) (tol));  \
    g_test_message ("%s: max abs error %.3g", (what), _err);                          \
  } G_STMT_END

/* Reads golden tensor @name, whatever its shape; returns its element count. */
static inline float *
tf_test_read_golden (TfSafetensors *st,
                     const char    *name,
                     gsize         *numel)
{
  const TfStTensor *t = tf_safetensors_lookup (st, name);
  g_autoptr(GError) error = NULL;
  float *data;

  if (t == NULL)
    g_error ("golden tensor '%s' is missing", name);
  data = g_new (float, MAX (t->numel, 1));
  if (!tf_safetensors_read_f32 (st, name, t->shape, t->ndim, data, &error))
    g_error ("golden tensor '%s': %s", name, error->message);
  if (numel)
    *numel = t->numel;
  return data;
}

/* Removes a temporary folder made by g_dir_make_tmp, with what it holds,
 * and frees its name. */
static inline void
tf_test_remove_tmpdir (char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d && (name = g_dir_read_name (d)))
    {
      char *p = g_build_filename (dir, name, NULL);
      if (g_file_test (p, G_FILE_TEST_IS_DIR) && !g_file_test (p, G_FILE_TEST_IS_SYMLINK))
        tf_test_remove_tmpdir (p);   /* frees p */
      else
        {
          g_unlink (p);
          g_free (p);
        }
    }
  g_rmdir (dir);
  g_free (dir);
}
