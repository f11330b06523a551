/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The transformer's matrix layers, each forward beside its backward: the
 * linear layer and multi-head self-attention (one head of one sequence at a
 * time, so that callers can split heads over threads), with the naive twin. */
#include <math.h>
#include <string.h>

#include "tf-ops.h"

/* ---- linear -------------------------------------------------------------- */

/* inp is (n, ic); weight is (oc, ic); bias is (oc); out is (n, oc) */
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

/* dout is (n, oc); inp and dinp are (n, ic); weight and dweight are (oc, ic); dbias is (oc) */
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

/* ---- multi-head self-attention ------------------------------------------- */

/* qkv is (t, 3 d); att is (heads, t, t); out is (t, d), rows ld_out apart */
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

/* qkv is (t, 3 d); att is (heads, t, t); out is (t, d), rows ld_out apart */
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

/* qkv is (t, 3 d); att is (t, t); out is (t, d), rows ld_out apart, head h's columns written */
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

/* dout is (t, d), rows ld_out apart; att and scratch are (t, t); qkv and dqkv are (t, 3 d) */
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
