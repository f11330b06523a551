/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Activations and the loss, each forward beside its backward: the fused
 * BatchNorm-affine + activation epilogue of inference, PReLU, ReLU, sigmoid,
 * GELU, the row softmax and the softmax cross-entropy. The vectorisable exp
 * and erf that softmax, the epilogue's sigmoid and GELU share live here. */
#include <math.h>

#include "tf-ops.h"

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

  /* written so that NaN clamps too: (gint32) of a NaN below is undefined */
  x = x > -87.0f ? x : -87.0f;
  x = x < 88.0f ? x : 88.0f;
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
  return in != in ? in : in < -87.0f ? 0.0f : p * scale.f;
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

float
tf_exp_approx (float x)
{
  return exp_vec (x);
}

/* ---- BatchNorm affine, activation and residual, fused (inference) -------- */

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

/* x is (c, len), rows ld apart; scale, shift and slope are (c); residual is like x */
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

/* ---- PReLU --------------------------------------------------------------- */

/* inp and out are (c, m); slope is (c) */
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

/* dout, inp and dinp are (c, m); slope and dslope are (c) */
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

/* ---- ReLU ---------------------------------------------------------------- */

/* inp and out are (n) */
void
tf_relu_forward (float       *out,
                 const float *inp,
                 size_t       n)
{
  for (size_t i = 0; i < n; i++)
    out[i] = inp[i] > 0.0f ? inp[i] : 0.0f;
}

/* dout, inp and dinp are (n) */
void
tf_relu_backward (float       *dinp,
                  const float *dout,
                  const float *inp,
                  size_t       n)
{
  for (size_t i = 0; i < n; i++)
    dinp[i] = inp[i] > 0.0f ? dout[i] : 0.0f;
}

/* ---- sigmoid ------------------------------------------------------------- */

/* x is (n) */
void
tf_sigmoid_forward (float  *x,
                    size_t  n)
{
  for (size_t i = 0; i < n; i++)
    x[i] = 1.0f / (1.0f + expf (-x[i]));
}

/* dout, out and dinp are (n) */
void
tf_sigmoid_backward (float       *dinp,
                     const float *dout,
                     const float *out,
                     size_t       n)
{
  for (size_t i = 0; i < n; i++)
    dinp[i] = dout[i] * out[i] * (1.0f - out[i]);
}

/* ---- GELU ---------------------------------------------------------------- */

/* x is (n) */
void
tf_gelu_naive (float  *x,
               size_t  n)
{
  for (size_t i = 0; i < n; i++)
    x[i] = (float) (0.5 * x[i] * (1.0 + erf (x[i] * M_SQRT1_2)));
}

/* x is (n) */
void
tf_gelu_forward (float  *x,
                 size_t  n)
{
  for (size_t i = 0; i < n; i++)
    x[i] = 0.5f * x[i] * (1.0f + erf_vec (x[i] * (float) M_SQRT1_2));
}

/* dout, inp and dinp are (n) */
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

/* ---- softmax and the cross-entropy loss ---------------------------------- */

/* x is (rows, cols) */
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

/* logits, targets and dlogits are (n, k) */
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
