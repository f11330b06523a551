/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Single-threaded SGEMM for x86-64 CPUs with AVX-512F, chosen at run time.
 *
 * The usual blocked scheme: K is cut into blocks of at most KC, N into
 * chunks of at most NC columns. For each (chunk, block) op(B) is packed into
 * panels of NR = 32 columns (two zmm), contiguous over k, which together stay
 * in L2; then op(A) is packed one sliver of at most MR = 14 rows at a time
 * (contiguous over k, so it sits in L1) and swept across every panel by the
 * micro-kernel: per k one broadcast of each A value, two FMAs against the
 * panel's row, 28 accumulators in registers. Rows are dealt out evenly over
 * the slivers, so there is no ragged last sliver; a last panel of 16 columns
 * or fewer gets the one-zmm kernel; columns beyond N are zero in the packed
 * panel and masked off on store.
 *
 * Only the functions that hold intrinsics carry the avx512f target, so the
 * rest of the project keeps the baseline ISA. */
#include "tf-gemm.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))

#include <immintrin.h>

#define MR 14           /* rows per A sliver: 2 * MR accumulators + 2 B rows + 1 broadcast <= 32 zmm */
#define NR 32           /* columns per B panel */
/* Measured on Zen 5 (48 KiB L1d, 1 MiB L2): KC of 256..512 and B blocks of
 * 256 KiB..768 KiB all land within noise of each other. */
#define KC_MAX 384                    /* k per block: an A sliver is at most 21 KiB */
#define B_BLOCK_FLOATS (128 * 1024)   /* packed B block, 512 KiB: half of L2 */

#define AVX512 __attribute__ ((target ("avx512f,fma")))
#define AVX512_INLINE static inline __attribute__ ((always_inline, target ("avx512f,fma")))

typedef void (*KernelFunc) (int          kc,
                            const float *pa,
                            const float *pb,
                            float       *c,
                            gsize        ldc,
                            float        alpha,
                            float        beta,
                            __mmask16    mask0,
                            __mmask16    mask1);

static inline __mmask16
lanes_mask (int n)
{
  return n >= 16 ? (__mmask16) 0xffff : (__mmask16) ((1u << MAX (n, 0)) - 1);
}

/* ---- packing ------------------------------------------------------------ */

/* Transposes a 16x16 block held in r[0..15] (row i in r[i]) in place:
 * unpack pairs of rows, then pairs of pairs, then move 128-bit lanes. */
AVX512_INLINE void
transpose_16x16 (__m512 r[16])
{
  __m512 t[16], u[16];

  for (int i = 0; i < 8; i++)
    {
      t[2 * i] = _mm512_unpacklo_ps (r[2 * i], r[2 * i + 1]);
      t[2 * i + 1] = _mm512_unpackhi_ps (r[2 * i], r[2 * i + 1]);
    }
  /* u[4 g + j] holds, in 128-bit lane L, rows 4g..4g+3 of column 4L + j */
  for (int g = 0; g < 4; g++)
    {
      __m512d lo = _mm512_castps_pd (t[4 * g]), hi = _mm512_castps_pd (t[4 * g + 1]);
      __m512d lo2 = _mm512_castps_pd (t[4 * g + 2]), hi2 = _mm512_castps_pd (t[4 * g + 3]);

      u[4 * g + 0] = _mm512_castpd_ps (_mm512_unpacklo_pd (lo, lo2));
      u[4 * g + 1] = _mm512_castpd_ps (_mm512_unpackhi_pd (lo, lo2));
      u[4 * g + 2] = _mm512_castpd_ps (_mm512_unpacklo_pd (hi, hi2));
      u[4 * g + 3] = _mm512_castpd_ps (_mm512_unpackhi_pd (hi, hi2));
    }
  for (int j = 0; j < 4; j++)
    {
      __m512 v = _mm512_shuffle_f32x4 (u[j], u[4 + j], 0x44);
      __m512 w = _mm512_shuffle_f32x4 (u[j], u[4 + j], 0xee);
      __m512 v2 = _mm512_shuffle_f32x4 (u[8 + j], u[12 + j], 0x44);
      __m512 w2 = _mm512_shuffle_f32x4 (u[8 + j], u[12 + j], 0xee);

      r[j] = _mm512_shuffle_f32x4 (v, v2, 0x88);
      r[4 + j] = _mm512_shuffle_f32x4 (v, v2, 0xdd);
      r[8 + j] = _mm512_shuffle_f32x4 (w, w2, 0x88);
      r[12 + j] = _mm512_shuffle_f32x4 (w, w2, 0xdd);
    }
}

/* dst[t * dst_ld + i] = src[i * src_ld + t] for t < cols, i in store_mask,
 * with zeros in the lanes i >= rows. rows, cols <= 16. */
AVX512_INLINE void
transpose_block (float       *dst,
                 gsize        dst_ld,
                 __mmask16    store_mask,
                 const float *src,
                 gsize        src_ld,
                 int          rows,
                 int          cols)
{
  __mmask16 load_mask = lanes_mask (cols);
  __m512 r[16];

  for (int i = 0; i < 16; i++)
    r[i] = i < rows ? _mm512_maskz_loadu_ps (load_mask, src + i * src_ld) : _mm512_setzero_ps ();
  transpose_16x16 (r);
  for (int t = 0; t < cols; t++)
    _mm512_mask_storeu_ps (dst + t * dst_ld, store_mask, r[t]);
}

/* Sliver [kc][mr] of op(A), rows i0.., columns p0.. */
static void AVX512
pack_a (float       *dst,
        gboolean     trans_a,
        const float *a,
        gsize        lda,
        int          i0,
        int          mr,
        int          p0,
        int          kc)
{
  __mmask16 mask = lanes_mask (mr);

  if (trans_a)
    {
      /* A is [K][lda]: each k is already a contiguous row of the sliver */
      const float *src = a + (gsize) p0 * lda + i0;

      for (int p = 0; p < kc; p++)
        _mm512_mask_storeu_ps (dst + (gsize) p * mr, mask, _mm512_maskz_loadu_ps (mask, src + p * lda));
    }
  else
    {
      const float *src = a + (gsize) i0 * lda + p0;

      for (int p = 0; p < kc; p += 16)
        transpose_block (dst + (gsize) p * mr, mr, mask, src + p, lda, mr, MIN (16, kc - p));
    }
}

/* Panel [kc][width] of op(B), columns j0..j0+nv, rows p0..; width is 16 or
 * 32 and the columns nv..width are zero. */
static void AVX512
pack_b (float       *dst,
        gboolean     trans_b,
        const float *b,
        gsize        ldb,
        int          j0,
        int          nv,
        int          width,
        int          p0,
        int          kc)
{
  if (trans_b)
    {
      /* B is [N][ldb]: transpose 16x16 blocks, 16 columns of the panel at a time */
      for (int h = 0; h < width; h += 16)
        {
          const float *src = b + (gsize) (j0 + h) * ldb + p0;

          for (int p = 0; p < kc; p += 16)
            transpose_block (dst + (gsize) p * width + h, width, 0xffff, src + p, ldb,
                             MIN (16, nv - h), MIN (16, kc - p));
        }
    }
  else
    {
      const float *src = b + (gsize) p0 * ldb + j0;
      __mmask16 m0 = lanes_mask (nv), m1 = lanes_mask (nv - 16);

      if (width == 16)
        for (int p = 0; p < kc; p++)
          _mm512_store_ps (dst + (gsize) p * 16, _mm512_maskz_loadu_ps (m0, src + p * ldb));
      else
        for (int p = 0; p < kc; p++)
          {
            _mm512_store_ps (dst + (gsize) p * 32, _mm512_maskz_loadu_ps (m0, src + p * ldb));
            _mm512_store_ps (dst + (gsize) p * 32 + 16, _mm512_maskz_loadu_ps (m1, src + p * ldb + 16));
          }
    }
}

/* ---- micro-kernel ------------------------------------------------------- */

/* Row r of the tile back to C: alpha * acc + beta * C, C unread when beta is 0. */
AVX512_INLINE void
store_row (float    *c,
           int       nv,
           __m512    x0,
           __m512    x1,
           __m512    valpha,
           float     beta,
           __mmask16 mask0,
           __mmask16 mask1)
{
  x0 = _mm512_mul_ps (x0, valpha);
  x1 = _mm512_mul_ps (x1, valpha);
  if (beta != 0.0f)
    {
      __m512 vbeta = _mm512_set1_ps (beta);

      x0 = _mm512_fmadd_ps (_mm512_maskz_loadu_ps (mask0, c), vbeta, x0);
      if (nv == 2)
        x1 = _mm512_fmadd_ps (_mm512_maskz_loadu_ps (mask1, c + 16), vbeta, x1);
    }
  _mm512_mask_storeu_ps (c, mask0, x0);
  if (nv == 2)
    _mm512_mask_storeu_ps (c + 16, mask1, x1);
}

#define ROWS(X) X (0) X (1) X (2) X (3) X (4) X (5) X (6) X (7) X (8) X (9) X (10) X (11) X (12) X (13)

/* C[mr][16 nv] (masked) = alpha * A sliver [kc][mr] . B panel [kc][16 nv] + beta * C.
 * mr and nv are constants in each instance, so the unused accumulators and
 * the row guards fold away. */
AVX512_INLINE void
kernel_tile (const int    mr,
             const int    nv,
             int          kc,
             const float *restrict pa,
             const float *restrict pb,
             float       *c,
             gsize        ldc,
             float        alpha,
             float        beta,
             __mmask16    mask0,
             __mmask16    mask1)
{
  __m512 valpha = _mm512_set1_ps (alpha);

#define DECLARE(r) __m512 acc##r##_0 = _mm512_setzero_ps (), acc##r##_1 = _mm512_setzero_ps ();
  ROWS (DECLARE)
#undef DECLARE

#pragma GCC unroll 4
  for (int p = 0; p < kc; p++)
    {
      __m512 b0 = _mm512_load_ps (pb);
      __m512 b1 = nv == 2 ? _mm512_load_ps (pb + 16) : b0;

#define STEP(r)                                                  \
      if (r < mr)                                                \
        {                                                        \
          __m512 ar = _mm512_set1_ps (pa[r]);                    \
          acc##r##_0 = _mm512_fmadd_ps (ar, b0, acc##r##_0);     \
          if (nv == 2)                                           \
            acc##r##_1 = _mm512_fmadd_ps (ar, b1, acc##r##_1);   \
        }
      ROWS (STEP)
#undef STEP
      pa += mr;
      pb += 16 * nv;
    }

#define STORE(r)                                                                        \
  if (r < mr)                                                                           \
    store_row (c + r * ldc, nv, acc##r##_0, acc##r##_1, valpha, beta, mask0, mask1);
  ROWS (STORE)
#undef STORE
}

#define DEFINE_KERNELS(mr)                                                              \
  static void AVX512                                                                    \
  kernel_##mr##x32 (int kc, const float *pa, const float *pb, float *c, gsize ldc,      \
                    float alpha, float beta, __mmask16 mask0, __mmask16 mask1)          \
  {                                                                                     \
    kernel_tile (mr, 2, kc, pa, pb, c, ldc, alpha, beta, mask0, mask1);                 \
  }                                                                                     \
  static void AVX512                                                                    \
  kernel_##mr##x16 (int kc, const float *pa, const float *pb, float *c, gsize ldc,      \
                    float alpha, float beta, __mmask16 mask0, __mmask16 mask1)          \
  {                                                                                     \
    kernel_tile (mr, 1, kc, pa, pb, c, ldc, alpha, beta, mask0, mask1);                 \
  }

DEFINE_KERNELS (1)
DEFINE_KERNELS (2)
DEFINE_KERNELS (3)
DEFINE_KERNELS (4)
DEFINE_KERNELS (5)
DEFINE_KERNELS (6)
DEFINE_KERNELS (7)
DEFINE_KERNELS (8)
DEFINE_KERNELS (9)
DEFINE_KERNELS (10)
DEFINE_KERNELS (11)
DEFINE_KERNELS (12)
DEFINE_KERNELS (13)
DEFINE_KERNELS (14)

/* [mr][0]: 16 columns, [mr][1]: 32 */
static const KernelFunc kernels[MR + 1][2] = {
  { NULL, NULL },
  { kernel_1x16, kernel_1x32 },
  { kernel_2x16, kernel_2x32 },
  { kernel_3x16, kernel_3x32 },
  { kernel_4x16, kernel_4x32 },
  { kernel_5x16, kernel_5x32 },
  { kernel_6x16, kernel_6x32 },
  { kernel_7x16, kernel_7x32 },
  { kernel_8x16, kernel_8x32 },
  { kernel_9x16, kernel_9x32 },
  { kernel_10x16, kernel_10x32 },
  { kernel_11x16, kernel_11x32 },
  { kernel_12x16, kernel_12x32 },
  { kernel_13x16, kernel_13x32 },
  { kernel_14x16, kernel_14x32 },
};

/* ---- driver ------------------------------------------------------------- */

/* C = beta * C, for alpha == 0 or k == 0 */
static void
scale_c (int    m,
         int    n,
         float  beta,
         float *c,
         gsize  ldc)
{
  for (int i = 0; i < m; i++)
    for (int j = 0; j < n; j++)
      c[i * ldc + j] = beta == 0.0f ? 0.0f : beta * c[i * ldc + j];
}

gboolean
tf_gemm_avx512_available (void)
{
  static gsize state = 0;   /* 0: not yet decided, 1: no, 2: yes */

  if (g_once_init_enter (&state))
    {
      const char *off = g_getenv ("TF_NO_AVX512");
      gboolean ok;

      __builtin_cpu_init ();
      ok = __builtin_cpu_supports ("avx512f") && __builtin_cpu_supports ("fma");
      if (off != NULL && *off != '\0' && g_strcmp0 (off, "0") != 0)
        ok = FALSE;
      g_once_init_leave (&state, ok ? 2 : 1);
    }
  return state == 2;
}

void
tf_gemm_avx512 (gboolean     trans_a,
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
  int n_kblocks, kc_max, nc_max, n_slivers;
  float *bbuf, *abuf;

  g_return_if_fail (tf_gemm_avx512_available ());
  if (m <= 0 || n <= 0)
    return;
  if (k <= 0 || alpha == 0.0f)
    {
      scale_c (m, n, beta, c, ldc);
      return;
    }

  /* equal K blocks, and as many columns per chunk as fit the B budget */
  n_kblocks = (k + KC_MAX - 1) / KC_MAX;
  kc_max = (k + n_kblocks - 1) / n_kblocks;
  nc_max = MAX (NR, B_BLOCK_FLOATS / kc_max / NR * NR);
  nc_max = MIN (nc_max, (n + NR - 1) / NR * NR);
  n_slivers = (m + MR - 1) / MR;

  bbuf = g_aligned_alloc ((gsize) kc_max * nc_max, sizeof (float), 64);
  abuf = g_aligned_alloc ((gsize) kc_max * MR, sizeof (float), 64);

  for (int j0 = 0; j0 < n; j0 += nc_max)
    {
      int nc = MIN (nc_max, n - j0);

      for (int p0 = 0; p0 < k; p0 += kc_max)
        {
          int kc = MIN (kc_max, k - p0);
          /* later K blocks add to what the first one wrote */
          float beta_block = p0 == 0 ? beta : 1.0f;

          for (int jr = 0; jr < nc; jr += NR)
            {
              int nv = MIN (NR, nc - jr);

              pack_b (bbuf + (gsize) jr * kc, trans_b, b, ldb, j0 + jr, nv, nv > 16 ? 32 : 16, p0, kc);
            }

          for (int s = 0; s < n_slivers; s++)
            {
              int i0 = (int) ((gint64) s * m / n_slivers);
              int mr = (int) ((gint64) (s + 1) * m / n_slivers) - i0;

              pack_a (abuf, trans_a, a, lda, i0, mr, p0, kc);
              for (int jr = 0; jr < nc; jr += NR)
                {
                  int nv = MIN (NR, nc - jr);

                  kernels[mr][nv > 16] (kc, abuf, bbuf + (gsize) jr * kc,
                                        c + (gsize) i0 * ldc + j0 + jr, ldc, alpha, beta_block,
                                        lanes_mask (nv), lanes_mask (nv - 16));
                }
            }
        }
    }

  g_aligned_free (abuf);
  g_aligned_free (bbuf);
}

#else /* not x86-64 */

gboolean
tf_gemm_avx512_available (void)
{
  return FALSE;
}

void
tf_gemm_avx512 (gboolean     trans_a,
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
  (void) trans_a; (void) trans_b; (void) m; (void) n; (void) k; (void) alpha;
  (void) a; (void) lda; (void) b; (void) ldb; (void) beta; (void) c; (void) ldc;
  g_return_if_reached ();
}

#endif
