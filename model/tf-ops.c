/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <cblas.h>
#include <math.h>
#include <string.h>

#include "tf-gemm.h"
#include "tf-ops.h"

/* im2col tiles stay under this many floats (8 MiB) per thread, so memory
 * does not grow with the batch and the tile stays warm in cache for the GEMM
 * that reads it. */
#define CONV_WORK_FLOATS (2u << 20)

/* exp(x) for float, within 2 ulp over the whole range, written so that the
 * loops calling it vectorise: round-to-nearest by the 1.5 * 2^23 trick,
 * x = n ln2 + r with |r| <= ln2 / 2, a degree-6 polynomial for e^r, and
 * 2^n put straight into the exponent bits. */
static inline float
exp_vec (float x)
{
  const float log2e = 1.44269504088896341f;
  const float ln2_hi = 0.693359375f, ln2_lo = -2.12194440e-4f;
  const float shifter = 12582912.0f;   /* 1.5 * 2^23 */
  union { float f; gint32 i; } scale;
  float n, r, p, in = x;

  x = x < -87.0f ? -87.0f : x;
  x = x > 88.0f ? 88.0f : x;
  n = (x * log2e + shifter) - shifter;
  r = x - n * ln2_hi - n * ln2_lo;
  p = 1.0f / 720.0f;
  p = p * r + 1.0f / 120.0f;
  p = p * r + 1.0f / 24.0f;
  p = p * r + 1.0f / 6.0f;
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  scale.i = ((gint32) n + 127) << 23;
  /* below -87 the float result is (nearly) subnormal: call it 0, as expf's
   * own answer underflows to 0 a little further down */
  return in < -87.0f ? 0.0f : p * scale.f;
}

/* erf(x) by Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7), odd symmetry. */
static inline float
erf_vec (float x)
{
  float ax = x < 0.0f ? -x : x;
  float t = 1.0f / (1.0f + 0.3275911f * ax);
  float y = 1.061405429f;

  y = y * t - 1.453152027f;
  y = y * t + 1.421413741f;
  y = y * t - 0.284496736f;
  y = y * t + 0.254829592f;
  y = 1.0f - y * t * exp_vec (-ax * ax);
  return x < 0.0f ? -y : y;
}

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

void
tf_linear_forward (float       *out,
                   const float *inp,
                   const float *weight,
                   const float *bias,
                   int          n,
                   int          ic,
                   int          oc)
{
  if (bias)
    for (int i = 0; i < n; i++)
      memcpy (out + (size_t) i * oc, bias, sizeof (float) * oc);
  tf_gemm (FALSE, TRUE, n, oc, ic, 1.0f, inp, ic, weight, ic, bias ? 1.0f : 0.0f, out, oc);
}

static gsize
conv_work_size (int ci,
                int k,
                int wo)
{
  /* at least one output row */
  return MAX ((gsize) CONV_WORK_FLOATS, (gsize) ci * k * k * wo);
}

void
tf_im2col_rows (float       *col,
             const float *inp,
             const float *in_scale,
             const float *in_shift,
             int          n,
             int          ci,
             int          h,
             int          w,
             int          k,
             int          stride,
             int          pad,
             int          ho,
             int          wo,
             int          r0,
             int          r1)
{
  size_t ncols = (size_t) (r1 - r0) * wo;

  for (int c = 0; c < ci; c++)
    {
      const float sc = in_scale ? in_scale[c] : 1.0f;
      const float sh = in_shift ? in_shift[c] : 0.0f;
      const gboolean affine = in_scale != NULL || in_shift != NULL;
      const float *plane = inp + (size_t) c * n * h * w;

      for (int ky = 0; ky < k; ky++)
        for (int kx = 0; kx < k; kx++)
          {
            float *dst = col + ((size_t) (c * k + ky) * k + kx) * ncols;
            /* valid output columns: 0 <= ox * stride - pad + kx < w */
            int ox_lo = 0, ox_hi = wo;
            while (ox_lo < wo && ox_lo * stride - pad + kx < 0)
              ox_lo++;
            while (ox_hi > ox_lo && (ox_hi - 1) * stride - pad + kx >= w)
              ox_hi--;

            for (int r = r0; r < r1; r++, dst += wo)
              {
                int img = r / ho, oy = r % ho;
                int iy = oy * stride - pad + ky;
                const float *src;

                if (iy < 0 || iy >= h)
                  {
                    memset (dst, 0, sizeof (float) * wo);
                    continue;
                  }
                src = plane + ((size_t) img * h + iy) * w + kx - pad;
                for (int ox = 0; ox < ox_lo; ox++)
                  dst[ox] = 0.0f;
                if (stride == 1 && !affine)
                  memcpy (dst + ox_lo, src + ox_lo, sizeof (float) * (ox_hi - ox_lo));
                else if (stride == 1)
                  for (int ox = ox_lo; ox < ox_hi; ox++)
                    dst[ox] = src[ox] * sc + sh;
                else
                  for (int ox = ox_lo; ox < ox_hi; ox++)
                    dst[ox] = src[ox * stride] * sc + sh;
                for (int ox = ox_hi; ox < wo; ox++)
                  dst[ox] = 0.0f;
              }
          }
    }
}

typedef struct
{
  float            *out;
  const float      *inp;
  const float      *weight;
  const float      *in_scale;
  const float      *in_shift;
  const TfEpilogue *epi;
  TfPool           *pool;
  int               n, ci, h, w, co, k, stride, pad, ho, wo;
  int               tile_rows;   /* output rows per task */
} ConvJob;

static void
conv_epilogue (const ConvJob *j,
               gsize          col0,
               gsize          cols,
               gsize          total)
{
  const TfEpilogue *e = j->epi;

  if (e == NULL)
    return;
  tf_channel_epilogue (j->out + col0, j->co, cols, total, e->scale, e->shift, e->act, e->slope,
                       e->residual ? e->residual + col0 : NULL);
}

static void
conv_task (int      task,
           int      n_tasks,
           int      thread,
           gpointer data)
{
  const ConvJob *j = data;
  int rows = j->n * j->ho, kk = j->ci * j->k * j->k;
  int r0 = task * j->tile_rows, r1 = MIN (rows, r0 + j->tile_rows);
  gsize total = (gsize) rows * j->wo, col0 = (gsize) r0 * j->wo, cols = (gsize) (r1 - r0) * j->wo;
  gboolean direct = j->k == 1 && j->stride == 1 && j->pad == 0 && !j->in_scale && !j->in_shift;
  float *work;

  (void) n_tasks;
  if (direct)
    {
      /* a 1x1 stride-1 conv reads its input as is: no unfolding */
      tf_gemm (FALSE, FALSE, j->co, (int) cols, j->ci, 1.0f, j->weight, j->ci, j->inp + col0, (int) total,
               0.0f, j->out + col0, (int) total);
    }
  else
    {
      gsize need = (gsize) kk * cols;
      g_autofree float *own = NULL;

      work = j->pool ? tf_pool_scratch (j->pool, thread, need) : (own = g_new (float, need));
      tf_im2col_rows (work, j->inp, j->in_scale, j->in_shift, j->n, j->ci, j->h, j->w, j->k, j->stride, j->pad,
                   j->ho, j->wo, r0, r1);
      tf_gemm (FALSE, FALSE, j->co, (int) cols, kk, 1.0f, j->weight, kk, work, (int) cols, 0.0f,
               j->out + col0, (int) total);
    }
  conv_epilogue (j, col0, cols, total);
}

void
tf_conv2d_forward (float            *out,
                   const float      *inp,
                   const float      *weight,
                   const float      *in_scale,
                   const float      *in_shift,
                   const TfEpilogue *epilogue,
                   TfPool           *pool,
                   int               n,
                   int               ci,
                   int               h,
                   int               w,
                   int               co,
                   int               k,
                   int               stride,
                   int               pad)
{
  ConvJob j = {
    .out = out, .inp = inp, .weight = weight, .in_scale = in_scale, .in_shift = in_shift,
    .epi = epilogue, .pool = pool, .n = n, .ci = ci, .h = h, .w = w, .co = co, .k = k,
    .stride = stride, .pad = pad,
    .ho = (h + 2 * pad - k) / stride + 1,
    .wo = (w + 2 * pad - k) / stride + 1,
  };
  int rows = n * j.ho, threads = tf_pool_get_threads (pool);
  /* as many tiles as threads, smaller when a tile's unfolding would not fit */
  int by_memory = (int) MAX (1, conv_work_size (ci, k, j.wo) / ((gsize) ci * k * k * j.wo));
  int by_threads = (rows + threads - 1) / threads;

  j.tile_rows = MAX (1, MIN (by_memory, by_threads));
  tf_pool_run (pool, (rows + j.tile_rows - 1) / j.tile_rows, conv_task, &j);
}

void
tf_conv2d_naive (float       *out,
                 const float *inp,
                 const float *weight,
                 const float *in_scale,
                 const float *in_shift,
                 int          n,
                 int          ci,
                 int          h,
                 int          w,
                 int          co,
                 int          k,
                 int          stride,
                 int          pad)
{
  int ho = (h + 2 * pad - k) / stride + 1;
  int wo = (w + 2 * pad - k) / stride + 1;

  for (int o = 0; o < co; o++)
    for (int b = 0; b < n; b++)
      for (int oy = 0; oy < ho; oy++)
        for (int ox = 0; ox < wo; ox++)
          {
            double acc = 0;
            for (int c = 0; c < ci; c++)
              for (int ky = 0; ky < k; ky++)
                for (int kx = 0; kx < k; kx++)
                  {
                    int iy = oy * stride - pad + ky, ix = ox * stride - pad + kx;
                    float v;
                    if (iy < 0 || iy >= h || ix < 0 || ix >= w)
                      continue;
                    v = inp[(((size_t) c * n + b) * h + iy) * w + ix];
                    if (in_scale)
                      v *= in_scale[c];
                    if (in_shift)
                      v += in_shift[c];
                    acc += (double) v * weight[(((size_t) o * ci + c) * k + ky) * k + kx];
                  }
            out[(((size_t) o * n + b) * ho + oy) * wo + ox] = (float) acc;
          }
}

void
tf_bn_fold (float       *scale,
            float       *shift,
            const float *bn,
            const float *conv_bias,
            int          c,
            float        eps)
{
  const float *w = bn, *b = bn + c, *mean = bn + 2 * c, *var = bn + 3 * c;

  for (int i = 0; i < c; i++)
    {
      /* computed in double: the folded form should not add error of its own */
      double s = w[i] / sqrt ((double) var[i] + eps);
      scale[i] = (float) s;
      shift[i] = (float) (b[i] + s * ((conv_bias ? conv_bias[i] : 0.0) - mean[i]));
    }
}

/* One channel's row: separate loops per case so that each vectorises. */
static void
epilogue_row (float       *restrict row,
              const float *restrict res,
              size_t                len,
              float                 s,
              float                 t,
              TfAct                 act,
              float                 a)
{
  switch (act)
    {
    case TF_ACT_NONE:
      if (res)
        for (size_t i = 0; i < len; i++)
          row[i] = row[i] * s + t + res[i];
      else
        for (size_t i = 0; i < len; i++)
          row[i] = row[i] * s + t;
      break;
    case TF_ACT_RELU:
      for (size_t i = 0; i < len; i++)
        {
          float v = row[i] * s + t;
          row[i] = v > 0.0f ? v : 0.0f;
        }
      break;
    case TF_ACT_PRELU:
      for (size_t i = 0; i < len; i++)
        {
          float v = row[i] * s + t;
          row[i] = v > 0.0f ? v : a * v;
        }
      break;
    case TF_ACT_SIGMOID:
      for (size_t i = 0; i < len; i++)
        row[i] = 1.0f / (1.0f + exp_vec (-(row[i] * s + t)));
      break;
    default:
      g_assert_not_reached ();
    }
  if (res && act != TF_ACT_NONE)
    for (size_t i = 0; i < len; i++)
      row[i] += res[i];
}

void
tf_channel_epilogue (float       *x,
                     int          c,
                     size_t       len,
                     size_t       ld,
                     const float *scale,
                     const float *shift,
                     TfAct        act,
                     const float *slope,
                     const float *residual)
{
  for (int ch = 0; ch < c; ch++)
    epilogue_row (x + ch * ld, residual ? residual + ch * ld : NULL, len,
                  scale ? scale[ch] : 1.0f, shift ? shift[ch] : 0.0f, act, slope ? slope[ch] : 0.0f);
}

void
tf_subsample (float       *out,
              const float *inp,
              int          c,
              int          n,
              int          h,
              int          w,
              int          stride)
{
  int ho = (h - 1) / stride + 1, wo = (w - 1) / stride + 1;

  for (size_t plane = 0; plane < (size_t) c * n; plane++)
    for (int y = 0; y < ho; y++)
      {
        const float *src = inp + (plane * h + (size_t) y * stride) * w;
        float *dst = out + (plane * ho + y) * wo;
        for (int x = 0; x < wo; x++)
          dst[x] = src[x * stride];
      }
}

/* One output row of a depthwise 3x3 conv from its three input rows, k the
 * nine taps with those of a missing row (above or below the image) zeroed
 * and that row pointing at the middle one, so that the inner loop has no
 * branch and vectorises; the two edge columns are done apart. */
static void
depthwise_row (float       *restrict o,
               const float *restrict r0,
               const float *restrict r1,
               const float *restrict r2,
               const float          *k,
               float                 bias,
               gboolean              relu,
               int                   w)
{
  const float k0 = k[0], k1 = k[1], k2 = k[2], k3 = k[3], k4 = k[4], k5 = k[5], k6 = k[6], k7 = k[7], k8 = k[8];

  for (int x = 1; x < w - 1; x++)
    o[x] = bias + k0 * r0[x - 1] + k1 * r0[x] + k2 * r0[x + 1]
                + k3 * r1[x - 1] + k4 * r1[x] + k5 * r1[x + 1]
                + k6 * r2[x - 1] + k7 * r2[x] + k8 * r2[x + 1];
  /* the first and last columns (one and the same when w == 1) */
  for (int e = 0; e < (w > 1 ? 2 : 1); e++)
    {
      int x = e == 0 ? 0 : w - 1;
      float v = bias;
      for (int dx = -1; dx <= 1; dx++)
        if (x + dx >= 0 && x + dx < w)
          v += k[dx + 1] * r0[x + dx] + k[dx + 4] * r1[x + dx] + k[dx + 7] * r2[x + dx];
      o[x] = v;
    }
  if (relu)
    for (int x = 0; x < w; x++)
      o[x] = o[x] > 0.0f ? o[x] : 0.0f;
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

/* depthwise_row 16 columns at a time: each input row is loaded once per
 * step and its left and right neighbours made by shifting lanes in from the
 * previous and next vectors (zero beyond the row), so nothing outside the
 * rows is read and the edges need no special case. */
__attribute__ ((target ("avx512f,fma")))
static void
depthwise_row_avx512 (float       *restrict o,
                      const float *restrict r0,
                      const float *restrict r1,
                      const float *restrict r2,
                      const float          *k,
                      float                 bias,
                      gboolean              relu,
                      int                   w)
{
  const __m512 zero = _mm512_setzero_ps (), vb = _mm512_set1_ps (bias);
  const float *rows[3] = { r0, r1, r2 };
  __m512 kv[3][3], prev[3], cur[3];

  for (int r = 0; r < 3; r++)
    {
      for (int c = 0; c < 3; c++)
        kv[r][c] = _mm512_set1_ps (k[3 * r + c]);
      prev[r] = zero;
      cur[r] = _mm512_maskz_loadu_ps ((__mmask16) (w >= 16 ? 0xffff : (1u << w) - 1), rows[r]);
    }
  for (int x = 0; x < w; x += 16)
    {
      int after = w - x - 16;   /* columns after this step */
      __mmask16 m = (__mmask16) (w - x >= 16 ? 0xffff : (1u << (w - x)) - 1);
      __mmask16 mn = (__mmask16) (after >= 16 ? 0xffff : after > 0 ? (1u << after) - 1 : 0);
      __m512 acc[3], sum;

      /* one accumulator per row: three short dependency chains */
      for (int r = 0; r < 3; r++)
        {
          __m512 next = mn ? _mm512_maskz_loadu_ps (mn, rows[r] + x + 16) : zero;
          __m512 lft = _mm512_castsi512_ps (_mm512_alignr_epi32 (_mm512_castps_si512 (cur[r]),
                                                                 _mm512_castps_si512 (prev[r]), 15));
          __m512 rgt = _mm512_castsi512_ps (_mm512_alignr_epi32 (_mm512_castps_si512 (next),
                                                                 _mm512_castps_si512 (cur[r]), 1));
          acc[r] = _mm512_mul_ps (kv[r][0], lft);
          acc[r] = _mm512_fmadd_ps (kv[r][1], cur[r], acc[r]);
          acc[r] = _mm512_fmadd_ps (kv[r][2], rgt, acc[r]);
          prev[r] = cur[r];
          cur[r] = next;
        }
      sum = _mm512_add_ps (_mm512_add_ps (vb, acc[0]), _mm512_add_ps (acc[1], acc[2]));
      if (relu)
        sum = _mm512_max_ps (sum, zero);
      _mm512_mask_storeu_ps (o + x, m, sum);
    }
}
#endif

void
tf_depthwise3x3_row (float       *out,
                     const float *above,
                     const float *row,
                     const float *below,
                     const float *weight,
                     float        bias,
                     TfAct        act,
                     int          w)
{
  float k[9];

  for (int i = 0; i < 9; i++)
    k[i] = (i < 3 && above == NULL) || (i >= 6 && below == NULL) ? 0.0f : weight[i];
  if (above == NULL)
    above = row;
  if (below == NULL)
    below = row;
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  if (tf_gemm_avx512_available ())
    {
      depthwise_row_avx512 (out, above, row, below, k, bias, act == TF_ACT_RELU, w);
      return;
    }
#endif
  depthwise_row (out, above, row, below, k, bias, act == TF_ACT_RELU, w);
}

typedef struct
{
  float       *out;
  const float *inp;
  const float *weight;
  const float *bias;
  TfAct        act;
  int          h, w, bands;
} DepthwiseJob;

static void
depthwise_task (int      task,
                int      n_tasks,
                int      thread,
                gpointer data)
{
  const DepthwiseJob *j = data;
  int ch = task / j->bands, band = task % j->bands;
  gsize y0, y1, plane = (gsize) ch * j->h * j->w;

  (void) n_tasks;
  (void) thread;
  tf_split_range (j->h, j->bands, band, &y0, &y1);
  for (int y = (int) y0; y < (int) y1; y++)
    {
      const float *row = j->inp + plane + (gsize) y * j->w;
      tf_depthwise3x3_row (j->out + plane + (gsize) y * j->w, y > 0 ? row - j->w : NULL, row,
                           y + 1 < j->h ? row + j->w : NULL, j->weight + 9 * ch,
                           j->bias ? j->bias[ch] : 0.0f, j->act, j->w);
    }
}

void
tf_depthwise3x3_forward (float       *out,
                         const float *inp,
                         const float *weight,
                         const float *bias,
                         TfAct        act,
                         TfPool      *pool,
                         int          c,
                         int          h,
                         int          w)
{
  int threads = tf_pool_get_threads (pool);
  /* enough tasks to balance the threads, bands of at least 8 rows */
  int bands = CLAMP ((4 * threads + c - 1) / c, 1, MAX (1, h / 8));
  DepthwiseJob j = { out, inp, weight, bias, act, h, w, bands };

  g_return_if_fail (act == TF_ACT_NONE || act == TF_ACT_RELU);
  if (c <= 0 || h <= 0 || w <= 0)
    return;
  tf_pool_run (pool, c * bands, depthwise_task, &j);
}

void
tf_depthwise3x3_naive (float       *out,
                       const float *inp,
                       const float *weight,
                       const float *bias,
                       TfAct        act,
                       int          c,
                       int          h,
                       int          w)
{
  for (int ch = 0; ch < c; ch++)
    for (int y = 0; y < h; y++)
      for (int x = 0; x < w; x++)
        {
          double acc = bias ? bias[ch] : 0.0;
          for (int ky = 0; ky < 3; ky++)
            for (int kx = 0; kx < 3; kx++)
              {
                int iy = y + ky - 1, ix = x + kx - 1;
                if (iy >= 0 && iy < h && ix >= 0 && ix < w)
                  acc += (double) weight[ch * 9 + ky * 3 + kx] * inp[((size_t) ch * h + iy) * w + ix];
              }
          if (act == TF_ACT_RELU && acc < 0)
            acc = 0;
          out[((size_t) ch * h + y) * w + x] = (float) acc;
        }
}

void
tf_layernorm_forward (float       *out,
                      float       *mean,
                      float       *rstd,
                      const float *inp,
                      const float *weight,
                      const float *bias,
                      int          n,
                      int          c,
                      float        eps)
{
  for (int i = 0; i < n; i++)
    {
      const float *x = inp + (size_t) i * c;
      float *y = out + (size_t) i * c;
      double m = 0, v = 0;
      float mf, s;

      for (int j = 0; j < c; j++)
        m += x[j];
      m /= c;
      for (int j = 0; j < c; j++)
        {
          double dx = x[j] - m;
          v += dx * dx;
        }
      v /= c;
      mf = (float) m;
      s = (float) (1.0 / sqrt (v + eps));
      for (int j = 0; j < c; j++)
        y[j] = (x[j] - mf) * s * weight[j] + bias[j];
      if (mean)
        mean[i] = mf;
      if (rstd)
        rstd[i] = s;
    }
}

float
tf_exp_approx (float x)
{
  return exp_vec (x);
}

void
tf_gelu_naive (float  *x,
               size_t  n)
{
  for (size_t i = 0; i < n; i++)
    x[i] = (float) (0.5 * x[i] * (1.0 + erf (x[i] * M_SQRT1_2)));
}

void
tf_gelu_forward (float  *x,
                 size_t  n)
{
  for (size_t i = 0; i < n; i++)
    x[i] = 0.5f * x[i] * (1.0f + erf_vec (x[i] * (float) M_SQRT1_2));
}

void
tf_softmax_rows (float *x,
                 int    rows,
                 int    cols)
{
  for (int r = 0; r < rows; r++)
    {
      float *restrict row = x + (size_t) r * cols;
      float lanes[8], mx, sum = 0.0f, inv;
      int j = 0;

      /* eight running maxima: a reduction the compiler can vectorise */
      for (int k = 0; k < 8; k++)
        lanes[k] = row[0];
      for (; j + 8 <= cols; j += 8)
        for (int k = 0; k < 8; k++)
          lanes[k] = row[j + k] > lanes[k] ? row[j + k] : lanes[k];
      mx = lanes[0];
      for (int k = 1; k < 8; k++)
        mx = lanes[k] > mx ? lanes[k] : mx;
      for (; j < cols; j++)
        mx = row[j] > mx ? row[j] : mx;

      for (j = 0; j < cols; j++)
        row[j] = exp_vec (row[j] - mx);
      for (j = 0; j < cols; j++)
        sum += row[j];
      inv = 1.0f / sum;
      for (j = 0; j < cols; j++)
        row[j] *= inv;
    }
}

void
tf_attention_head_forward (float       *out,
                           int          ld_out,
                           float       *att,
                           const float *qkv,
                           int          t,
                           int          d,
                           int          heads,
                           int          h)
{
  int hd = d / heads;
  const float *q = qkv + h * hd, *k = qkv + d + h * hd, *v = qkv + 2 * d + h * hd;

  /* att [t][t] = q k^T / sqrt hd; softmax; out_h [t][hd] = att v */
  tf_gemm (FALSE, TRUE, t, t, hd, 1.0f / sqrtf ((float) hd), q, 3 * d, k, 3 * d, 0.0f, att, t);
  tf_softmax_rows (att, t, t);
  tf_gemm (FALSE, FALSE, t, hd, t, 1.0f, att, t, v, 3 * d, 0.0f, out + h * hd, ld_out);
}

void
tf_attention_forward (float       *out,
                      int          ld_out,
                      float       *att,
                      const float *qkv,
                      int          t,
                      int          d,
                      int          heads)
{
  for (int h = 0; h < heads; h++)
    tf_attention_head_forward (out, ld_out, att + (gsize) h * t * t, qkv, t, d, heads, h);
}

void
tf_attention_naive (float       *out,
                    int          ld_out,
                    float       *att,
                    const float *qkv,
                    int          t,
                    int          d,
                    int          heads)
{
  int hd = d / heads;
  double scale = 1.0 / sqrt ((double) hd);

  for (int h = 0; h < heads; h++)
    for (int i = 0; i < t; i++)
      {
        float *a = att + ((size_t) h * t + i) * t;
        double mx = -INFINITY, sum = 0;

        for (int j = 0; j < t; j++)
          {
            double s = 0;
            for (int e = 0; e < hd; e++)
              s += (double) qkv[(size_t) i * 3 * d + h * hd + e] * qkv[(size_t) j * 3 * d + d + h * hd + e];
            a[j] = (float) (s * scale);
            mx = MAX (mx, a[j]);
          }
        for (int j = 0; j < t; j++)
          {
            double e = exp (a[j] - mx);
            a[j] = (float) e;
            sum += e;
          }
        for (int j = 0; j < t; j++)
          a[j] = (float) (a[j] / sum);
        for (int e = 0; e < hd; e++)
          {
            double acc = 0;
            for (int j = 0; j < t; j++)
              acc += (double) a[j] * qkv[(size_t) j * 3 * d + 2 * d + h * hd + e];
            out[(size_t) i * ld_out + h * hd + e] = (float) acc;
          }
      }
}
