/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The GEMM every kernel calls (our AVX-512 kernel or OpenBLAS), its naive
 * twin, and the engine's thread count. The kernels themselves live in
 * tf-ops-*.c, one family a file; tf-ops.h declares them all. */
#include <cblas.h>

#include "tf-gemm.h"
#include "tf-ops.h"

static gint default_threads = 0;

void
tf_set_threads (int threads)
{
  g_atomic_int_set (&default_threads, CLAMP (threads, 1, 256));
  openblas_set_num_threads (1);
}

int
tf_get_threads (void)
{
  int t = g_atomic_int_get (&default_threads);

  if (t == 0)
    {
      /* first use: every core, and OpenBLAS out of the engine's way */
      tf_set_threads ((int) g_get_num_processors ());
      t = g_atomic_int_get (&default_threads);
    }
  return t;
}

void
tf_gemm (gboolean     trans_a,
         gboolean     trans_b,
         int          m,
         int          n,
         int          k,
         float        alpha,
         const float *a,
         int          lda,
         const float *b,
         int          ldb,
         float        beta,
         float       *c,
         int          ldc)
{
  if (m <= 0 || n <= 0)
    return;
  /* OpenBLAS may be held to AVX2 kernels (OPENBLAS_CORETYPE): where the CPU
   * has AVX-512 our own kernel is about twice as fast, except on products
   * too small to repay its packing (under ~16K multiply-adds, measured) or
   * too narrow to fill its 16-lane rows */
  if (n > 4 && (gint64) m * n * k >= 16384 && tf_gemm_avx512_available ())
    {
      tf_gemm_avx512 (trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
      return;
    }
  cblas_sgemm (CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
               trans_b ? CblasTrans : CblasNoTrans,
               m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

void
tf_gemm_naive (gboolean     trans_a,
               gboolean     trans_b,
               int          m,
               int          n,
               int          k,
               float        alpha,
               const float *a,
               int          lda,
               const float *b,
               int          ldb,
               float        beta,
               float       *c,
               int          ldc)
{
  for (int i = 0; i < m; i++)
    for (int j = 0; j < n; j++)
      {
        double acc = 0;
        for (int p = 0; p < k; p++)
          {
            float av = trans_a ? a[(size_t) p * lda + i] : a[(size_t) i * lda + p];
            float bv = trans_b ? b[(size_t) j * ldb + p] : b[(size_t) p * ldb + j];
            acc += (double) av * bv;
          }
        c[(size_t) i * ldc + j] = (float) (alpha * acc + (beta != 0 ? beta * c[(size_t) i * ldc + j] : 0));
      }
}
