/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Private: the GEMM kernels that tf_gemm dispatches to. Callers outside
 * tf-ops.c (and tf-ops-depthwise.c, which asks whether AVX-512 is there)
 * and the tests should use tf_gemm. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* TRUE when the CPU (and OS) run AVX-512F and FMA code and TF_NO_AVX512 is
 * unset (or "0"); decided once, on first call. Always FALSE off x86-64. */
gboolean tf_gemm_avx512_available (void);

/* Row-major C[M][N] = alpha * op(A) op(B) + beta * C, cblas_sgemm's
 * semantics (beta == 0 ignores C's old contents, NaN included), on the
 * calling thread only. op(A) is [M][K]: A is [M][lda] or, transposed,
 * [K][lda]; op(B) is [K][N]: B is [K][ldb] or, transposed, [N][ldb].
 * Only call when tf_gemm_avx512_available () says so. */
void     tf_gemm_avx512           (gboolean     trans_a,
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
                                   int          ldc);

G_END_DECLS
