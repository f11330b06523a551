/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>
#include <string.h>

#include "tf-ops.h"
#include "tf-train-ops.h"

/* ---- BatchNorm ------------------------------------------------------------ */

typedef struct
{
  float       *out, *mean, *rstd, *dinp, *dbn;
  const float *inp, *dout, *bn;
  int          c;
  size_t       m;
  float        eps;
  gboolean     train_stats;
} BnJob;

static void
bn_forward_task (int      task,
                 int      n_tasks,
                 int      thread,
                 gpointer data)
{
  const BnJob *j = data;
  gsize c0, c1;

  (void) thread;
  tf_split_range (j->c, n_tasks, task, &c0, &c1);
  for (gsize ch = c0; ch < c1; ch++)
    {
      const float *x = j->inp + ch * j->m;
      float *y = j->out + ch * j->m;
      double sum = 0, sq = 0, mean, var;
      float mf, rs, w = j->bn[ch], b = j->bn[j->c + ch];

      for (size_t i = 0; i < j->m; i++)
        sum += x[i];
      mean = sum / j->m;
      for (size_t i = 0; i < j->m; i++)
        {
          double dx = x[i] - mean;
          sq += dx * dx;
        }
      var = sq / j->m;
      mf = (float) mean;
      rs = (float) (1.0 / sqrt (var + j->eps));
      j->mean[ch] = mf;
      j->rstd[ch] = rs;
      for (size_t i = 0; i < j->m; i++)
        y[i] = (x[i] - mf) * rs * w + b;
    }
}

void
tf_bn_train_forward (float       *out,
                     float       *mean,
                     float       *rstd,
                     const float *inp,
                     const float *bn,
                     int          c,
                     size_t       m,
                     float        eps,
                     TfPool      *pool)
{
  BnJob j = { .out = out, .mean = mean, .rstd = rstd, .inp = inp, .bn = bn, .c = c, .m = m, .eps = eps };

  tf_pool_run (pool, MIN (c, tf_pool_get_threads (pool)), bn_forward_task, &j);
}

void
tf_bn_update_running (float       *bn,
                      const float *mean,
                      const float *rstd,
                      int          c,
                      size_t       m,
                      float        eps,
                      float        momentum)
{
  float *rm = bn + 2 * c, *rv = bn + 3 * c;

  for (int ch = 0; ch < c; ch++)
    {
      double var = 1.0 / ((double) rstd[ch] * rstd[ch]) - eps;
      double unbiased = m > 1 ? var * m / (m - 1) : var;
      rm[ch] = (float) ((1.0 - momentum) * rm[ch] + momentum * mean[ch]);
      rv[ch] = (float) ((1.0 - momentum) * rv[ch] + momentum * unbiased);
    }
}

static void
bn_backward_task (int      task,
                  int      n_tasks,
                  int      thread,
                  gpointer data)
{
  const BnJob *j = data;
  int c = j->c;
  gsize c0, c1;

  (void) thread;
  tf_split_range (c, n_tasks, task, &c0, &c1);
  for (gsize ch = c0; ch < c1; ch++)
    {
      const float *x = j->inp + ch * j->m, *dy = j->dout + ch * j->m;
      float *dx = j->dinp + ch * j->m;
      float w = j->bn[ch], mean, rstd;
      double sum_dy = 0, sum_dy_xhat = 0;

      if (j->train_stats)
        {
          mean = j->mean[ch];
          rstd = j->rstd[ch];
        }
      else
        {
          mean = j->bn[2 * c + ch];
          rstd = (float) (1.0 / sqrt ((double) j->bn[3 * c + ch] + j->eps));
        }
      for (size_t i = 0; i < j->m; i++)
        {
          double xhat = (x[i] - mean) * rstd;
          sum_dy += dy[i];
          sum_dy_xhat += dy[i] * xhat;
        }
      j->dbn[ch] += (float) sum_dy_xhat;
      j->dbn[c + ch] += (float) sum_dy;

      if (j->train_stats)
        {
          /* the batch statistics depend on every input of the channel */
          float k = w * rstd, a = (float) (sum_dy / j->m), b = (float) (sum_dy_xhat / j->m);
          for (size_t i = 0; i < j->m; i++)
            {
              float xhat = (x[i] - mean) * rstd;
              dx[i] = k * (dy[i] - a - xhat * b);
            }
        }
      else
        {
          float k = w * rstd;
          for (size_t i = 0; i < j->m; i++)
            dx[i] = k * dy[i];
        }
    }
}

void
tf_bn_backward (float       *dinp,
                float       *dbn,
                const float *dout,
                const float *inp,
                const float *mean,
                const float *rstd,
                const float *bn,
                int          c,
                size_t       m,
                float        eps,
                gboolean     train_stats,
                TfPool      *pool)
{
  BnJob j = { .dinp = dinp, .dbn = dbn, .dout = dout, .inp = inp, .mean = (float *) mean,
              .rstd = (float *) rstd, .bn = bn, .c = c, .m = m, .eps = eps, .train_stats = train_stats };

  g_return_if_fail (!train_stats || (mean != NULL && rstd != NULL));
  tf_pool_run (pool, MIN (c, tf_pool_get_threads (pool)), bn_backward_task, &j);
}

/* ---- activations ---------------------------------------------------------- */

void
tf_prelu_forward (float       *out,
                  const float *inp,
                  const float *slope,
                  int          c,
                  size_t       m)
{
  for (int ch = 0; ch < c; ch++)
    {
      const float *restrict x = inp + ch * m;
      float *restrict y = out + ch * m;
      float a = slope[ch];
      for (size_t i = 0; i < m; i++)
        y[i] = x[i] > 0.0f ? x[i] : a * x[i];
    }
}

void
tf_prelu_backward (float       *dinp,
                   float       *dslope,
                   const float *dout,
                   const float *inp,
                   const float *slope,
                   int          c,
                   size_t       m)
{
  for (int ch = 0; ch < c; ch++)
    {
      const float *restrict x = inp + ch * m, *dy = dout + ch * m;
      float *dx = dinp + ch * m;
      float a = slope[ch], ds = 0.0f;
      /* selects, not branches, so that the loop vectorises; dinp may be dout */
      for (size_t i = 0; i < m; i++)
        {
          float g = dy[i], neg = x[i] > 0.0f ? 0.0f : x[i];
          ds += g * neg;
          dx[i] = x[i] > 0.0f ? g : a * g;
        }
      dslope[ch] += ds;
    }
}

void
tf_relu_backward (float       *dinp,
                  const float *dout,
                  const float *inp,
                  size_t       n)
{
  for (size_t i = 0; i < n; i++)
    dinp[i] = inp[i] > 0.0f ? dout[i] : 0.0f;
}

void
tf_sigmoid_backward (float       *dinp,
                     const float *dout,
                     const float *out,
                     size_t       n)
{
  for (size_t i = 0; i < n; i++)
    dinp[i] = dout[i] * out[i] * (1.0f - out[i]);
}

/* ---- convolution ---------------------------------------------------------- */

/* im2col tiles of the backward stay under this many floats per thread */
#define CONV_BACK_FLOATS (2u << 20)

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

void
tf_subsample_backward (float       *dinp,
                       const float *dout,
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
        float *dst = dinp + (plane * h + (size_t) y * stride) * w;
        const float *src = dout + (plane * ho + y) * wo;
        for (int x = 0; x < wo; x++)
          dst[x * stride] += src[x];
      }
}

/* ---- transformer ops ------------------------------------------------------ */

void
tf_linear_backward (float       *dinp,
                    float       *dweight,
                    float       *dbias,
                    const float *dout,
                    const float *inp,
                    const float *weight,
                    int          n,
                    int          ic,
                    int          oc,
                    gboolean     accumulate)
{
  if (dinp)
    tf_gemm (FALSE, FALSE, n, ic, oc, 1.0f, dout, oc, weight, ic, accumulate ? 1.0f : 0.0f, dinp, ic);
  tf_gemm (TRUE, FALSE, oc, ic, n, 1.0f, dout, oc, inp, ic, 1.0f, dweight, ic);
  if (dbias)
    for (int o = 0; o < oc; o++)
      {
        double s = 0;
        for (int i = 0; i < n; i++)
          s += dout[(size_t) i * oc + o];
        dbias[o] += (float) s;
      }
}

void
tf_layernorm_backward (float       *dinp,
                       float       *dweight,
                       float       *dbias,
                       const float *dout,
                       const float *inp,
                       const float *weight,
                       const float *mean,
                       const float *rstd,
                       int          n,
                       int          c)
{
  for (int i = 0; i < n; i++)
    {
      const float *dy = dout + (size_t) i * c, *x = inp + (size_t) i * c;
      float *dx = dinp + (size_t) i * c;
      double dnorm_mean = 0, dnorm_norm_mean = 0;
      float m = mean[i], r = rstd[i], a, b;

      for (int k = 0; k < c; k++)
        {
          double xhat = (x[k] - m) * r, dnorm = (double) weight[k] * dy[k];
          dnorm_mean += dnorm;
          dnorm_norm_mean += dnorm * xhat;
        }
      a = (float) (dnorm_mean / c);
      b = (float) (dnorm_norm_mean / c);
      for (int k = 0; k < c; k++)
        {
          float xhat = (x[k] - m) * r;
          dbias[k] += dy[k];
          dweight[k] += xhat * dy[k];
          dx[k] += (weight[k] * dy[k] - a - xhat * b) * r;
        }
    }
}

void
tf_gelu_backward (float       *dinp,
                  const float *dout,
                  const float *inp,
                  size_t       n)
{
  const float inv_sqrt2 = (float) M_SQRT1_2, inv_sqrt2pi = 0.3989422804014327f;

  for (size_t i = 0; i < n; i++)
    {
      float x = inp[i];
      float cdf = 0.5f * (1.0f + erff (x * inv_sqrt2));
      float pdf = inv_sqrt2pi * expf (-0.5f * x * x);
      dinp[i] = dout[i] * (cdf + x * pdf);
    }
}

void
tf_attention_head_backward (float       *dqkv,
                            const float *dout,
                            int          ld_out,
                            const float *att,
                            const float *qkv,
                            int          t,
                            int          d,
                            int          heads,
                            int          h,
                            float       *scratch)
{
  int hd = d / heads, ld = 3 * d;
  float scale = 1.0f / sqrtf ((float) hd);
  const float *q = qkv + h * hd, *k = qkv + d + h * hd, *v = qkv + 2 * d + h * hd;
  const float *dy = dout + h * hd;
  float *ds = scratch;

  /* dP = dO V^T; dV = P^T dO */
  tf_gemm (FALSE, TRUE, t, t, hd, 1.0f, dy, ld_out, v, ld, 0.0f, ds, t);
  tf_gemm (TRUE, FALSE, t, hd, t, 1.0f, att, t, dy, ld_out, 0.0f, dqkv + 2 * d + h * hd, ld);
  /* through the softmax: dS = P (dP - rowsum(dP P)), then the 1/sqrt(hd) */
  for (int r = 0; r < t; r++)
    {
      const float *p = att + (size_t) r * t;
      float *row = ds + (size_t) r * t;
      double dot = 0;
      for (int c = 0; c < t; c++)
        dot += (double) row[c] * p[c];
      for (int c = 0; c < t; c++)
        row[c] = p[c] * (row[c] - (float) dot) * scale;
    }
  /* dQ = dS K; dK = dS^T Q */
  tf_gemm (FALSE, FALSE, t, hd, t, 1.0f, ds, t, k, ld, 0.0f, dqkv + h * hd, ld);
  tf_gemm (TRUE, FALSE, t, hd, t, 1.0f, ds, t, q, ld, 0.0f, dqkv + d + h * hd, ld);
}

double
tf_softmax_ce_forward_backward (float       *dlogits,
                                const float *logits,
                                const float *targets,
                                int          n,
                                int          k,
                                float        smoothing)
{
  double loss = 0;

  for (int i = 0; i < n; i++)
    {
      const float *z = logits + (size_t) i * k, *y = targets + (size_t) i * k;
      float *dz = dlogits + (size_t) i * k;
      double mx = z[0], sum = 0, logsum, qsum = 0;

      for (int j = 1; j < k; j++)
        mx = MAX (mx, z[j]);
      for (int j = 0; j < k; j++)
        sum += exp (z[j] - mx);
      logsum = mx + log (sum);
      for (int j = 0; j < k; j++)
        qsum += (1.0 - smoothing) * y[j] + smoothing / k;
      for (int j = 0; j < k; j++)
        {
          double q = (1.0 - smoothing) * y[j] + smoothing / k;
          double p = exp (z[j] - logsum);
          loss -= q * (z[j] - logsum);
          dz[j] = (float) ((p * qsum - q) / n);
        }
    }
  return loss / n;
}
