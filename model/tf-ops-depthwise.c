/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Depthwise 3x3 convolution (stride 1, padding 1) over one channel-major
 * image, the face detector's: a branch-free row kernel, its AVX-512 form,
 * the pooled forward and the naive twin. Inference only. */
#include "tf-gemm.h"
#include "tf-ops.h"

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

/* above, row, below and out are (w); weight is (3, 3) */
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

/* inp and out are (c, h, w); weight is (c, 3, 3); bias is (c) */
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

/* inp and out are (c, h, w); weight is (c, 3, 3); bias is (c) */
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
