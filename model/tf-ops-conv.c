/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Convolution over channel-major (CNHW) activations as im2col + GEMM, in
 * row tiles: the naive twin, the forward with its fused epilogue, and the
 * backward (col2im). */
#include <string.h>

#include "tf-ops.h"

/* im2col tiles stay under this many floats (8 MiB) per thread, so memory
 * does not grow with the batch and the tile stays warm in cache for the GEMM
 * that reads it. */
#define CONV_WORK_FLOATS (2u << 20)

/* im2col tiles of the backward stay under this many floats per thread */
#define CONV_BACK_FLOATS (2u << 20)

/* ---- unfolding ----------------------------------------------------------- */

/* inp is (ci, n, h, w); col is (ci k k, (r1 - r0) wo) */
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

/* ---- the forward's and backward's tasks ---------------------------------- */

static gsize
conv_work_size (int ci,
                int k,
                int wo)
{
  /* at least one output row */
  return MAX ((gsize) CONV_WORK_FLOATS, (gsize) ci * k * k * wo);
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

typedef struct
{
  float       *dinp;
  const float *dout, *inp, *weight;
  TfPool      *pool;
  int          n, ci, h, w, co, k, stride, pad, ho, wo;
  int          imgs_per_task, tile_rows;
  gsize        kk, scratch;   /* floats per thread: col and dcol */
  float       *partial;       /* [tasks][co kk]: each task's dW, summed in task order */
  float       *own;           /* scratch when there is no pool */
} ConvBackJob;

/* Scatter-adds col [ci k k][rows wo] back into the CNHW input gradient. */
static void
col2im_rows (float       *dinp,
             const float *col,
             const ConvBackJob *j,
             int          r0,
             int          r1)
{
  size_t ncols = (size_t) (r1 - r0) * j->wo;

  for (int c = 0; c < j->ci; c++)
    for (int ky = 0; ky < j->k; ky++)
      for (int kx = 0; kx < j->k; kx++)
        {
          const float *src = col + ((size_t) (c * j->k + ky) * j->k + kx) * ncols;
          /* valid output columns: 0 <= ox * stride - pad + kx < w */
          int ox_lo = 0, ox_hi = j->wo;
          while (ox_lo < j->wo && ox_lo * j->stride - j->pad + kx < 0)
            ox_lo++;
          while (ox_hi > ox_lo && (ox_hi - 1) * j->stride - j->pad + kx >= j->w)
            ox_hi--;
          for (int r = r0; r < r1; r++, src += j->wo)
            {
              int img = r / j->ho, oy = r % j->ho, iy = oy * j->stride - j->pad + ky;
              float *restrict dst;
              if (iy < 0 || iy >= j->h)
                continue;
              dst = dinp + (((size_t) c * j->n + img) * j->h + iy) * j->w + kx - j->pad;
              if (j->stride == 1)
                for (int ox = ox_lo; ox < ox_hi; ox++)
                  dst[ox] += src[ox];
              else
                for (int ox = ox_lo; ox < ox_hi; ox++)
                  dst[ox * j->stride] += src[ox];
            }
        }
}

static void
conv_back_task (int      task,
                int      n_tasks,
                int      thread,
                gpointer data)
{
  const ConvBackJob *j = data;
  int i0 = task * j->imgs_per_task, i1 = MIN (j->n, i0 + j->imgs_per_task);
  int rows0 = i0 * j->ho, rows1 = i1 * j->ho;
  gsize total = (gsize) j->n * j->ho * j->wo, plane = (gsize) j->h * j->w;
  float *col = j->pool ? tf_pool_scratch (j->pool, thread, j->scratch) : j->own;
  float *dcol = col + j->kk * (gsize) j->tile_rows * j->wo;
  /* per task, not per thread: which thread runs a task varies, and the sum
   * must not, or a resumed run would drift from an uninterrupted one */
  float *dw = j->partial + (gsize) task * j->co * j->kk;

  (void) n_tasks;
  if (j->dinp)
    for (int c = 0; c < j->ci; c++)
      memset (j->dinp + ((gsize) c * j->n + i0) * plane, 0, sizeof (float) * (i1 - i0) * plane);

  for (int r0 = rows0; r0 < rows1; r0 += j->tile_rows)
    {
      int r1 = MIN (rows1, r0 + j->tile_rows);
      int cols = (r1 - r0) * j->wo;
      const float *dy = j->dout + (gsize) r0 * j->wo;

      tf_im2col_rows (col, j->inp, NULL, NULL, j->n, j->ci, j->h, j->w, j->k, j->stride, j->pad,
                      j->ho, j->wo, r0, r1);
      /* dW += dy col^T */
      tf_gemm (FALSE, TRUE, j->co, (int) j->kk, cols, 1.0f, dy, (int) total, col, cols, 1.0f, dw, (int) j->kk);
      if (j->dinp)
        {
          /* dcol = W^T dy, folded back onto the input */
          tf_gemm (TRUE, FALSE, (int) j->kk, cols, j->co, 1.0f, j->weight, (int) j->kk, dy, (int) total,
                   0.0f, dcol, cols);
          col2im_rows (j->dinp, dcol, j, r0, r1);
        }
    }
}

/* ---- convolution --------------------------------------------------------- */

/* inp is (ci, n, h, w); weight is (co, ci, k, k); in_scale and in_shift are (ci); out is (co, n, ho, wo) */
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

/* inp is (ci, n, h, w); weight is (co, ci, k, k); in_scale and in_shift are (ci); out is (co, n, ho, wo) */
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

/* dout is (co, n, ho, wo); inp and dinp are (ci, n, h, w); weight and dweight are (co, ci, k, k) */
void
tf_conv2d_backward (float       *dinp,
                    float       *dweight,
                    const float *dout,
                    const float *inp,
                    const float *weight,
                    TfPool      *pool,
                    int          n,
                    int          ci,
                    int          h,
                    int          w,
                    int          co,
                    int          k,
                    int          stride,
                    int          pad)
{
  int threads = tf_pool_get_threads (pool), tasks;
  ConvBackJob j = {
    .dinp = dinp, .dout = dout, .inp = inp, .weight = weight, .pool = pool,
    .n = n, .ci = ci, .h = h, .w = w, .co = co, .k = k, .stride = stride, .pad = pad,
    .ho = (h + 2 * pad - k) / stride + 1, .wo = (w + 2 * pad - k) / stride + 1,
    .kk = (gsize) ci * k * k,
  };

  j.tile_rows = (int) CLAMP (CONV_BACK_FLOATS / (j.kk * j.wo), 1, (gsize) n * j.ho);
  j.imgs_per_task = (n + threads - 1) / threads;
  tasks = (n + j.imgs_per_task - 1) / j.imgs_per_task;
  j.scratch = 2 * j.kk * (gsize) j.tile_rows * j.wo;
  j.partial = g_new0 (float, (gsize) tasks * co * j.kk);
  if (pool == NULL)
    j.own = g_new (float, j.scratch);

  tf_pool_run (pool, tasks, conv_back_task, &j);
  for (int t = 0; t < tasks; t++)
    {
      const float *part = j.partial + (gsize) t * co * j.kk;
      for (gsize i = 0; i < (gsize) co * j.kk; i++)
        dweight[i] += part[i];
    }
  g_free (j.partial);
  g_free (j.own);
}
