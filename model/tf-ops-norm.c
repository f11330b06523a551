/* SPDX-License-Identifier: GPL-3.0-or-later */
/* BatchNorm (folded for inference; batch statistics for training) and
 * LayerNorm, each forward beside its backward. bn is PyTorch's four vectors
 * (4, c): weight, bias, running_mean, running_var. */
#include <math.h>

#include "tf-ops.h"

/* ---- BatchNorm ----------------------------------------------------------- */

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

/* scale, shift and conv_bias are (c); bn is (4, c) */
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

/* inp and out are (c, m); mean and rstd are (c); bn is (4, c) */
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

/* dout, inp and dinp are (c, m); mean and rstd are (c); bn and dbn are (4, c) */
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

/* bn is (4, c); mean and rstd are (c) */
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

/* ---- LayerNorm ----------------------------------------------------------- */

/* inp and out are (n, c); mean and rstd are (n); weight and bias are (c) */
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

/* dout, inp and dinp are (n, c); mean and rstd are (n); weight, dweight and dbias are (c) */
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
