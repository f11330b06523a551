/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Temperature scaling and the expected calibration error, in double over
 * float logits. */
#include <math.h>

#include "tf-calibrate.h"
#include "tf-model.h"

/* Iterations of the golden-section search: the bracket, ln(1e6) wide,
 * shrinks by 0.618 each, to under 1e-12 in log T. */
#define FIT_ITERATIONS 80

/* log sum_j exp(x_j / t) over one row; *best gets the first largest entry. */
static double
row_logsumexp (const float *row,
               int          k,
               double       t,
               int         *best)
{
  double mx = row[0] / t, sum = 0;

  *best = 0;
  for (int j = 1; j < k; j++)
    if (row[j] / t > mx)
      {
        mx = row[j] / t;
        *best = j;
      }
  for (int j = 0; j < k; j++)
    sum += exp (row[j] / t - mx);
  return mx + log (sum);
}

double
tf_calibration_nll (const float *logits,
                    const int   *labels,
                    gsize        n,
                    int          k,
                    double       temperature)
{
  double total = 0;

  g_return_val_if_fail (n == 0 || (logits != NULL && labels != NULL), 0);
  g_return_val_if_fail (k >= 1 && temperature > 0, 0);

  for (gsize i = 0; i < n; i++)
    {
      const float *row = logits + i * k;
      int best;

      g_return_val_if_fail (labels[i] >= 0 && labels[i] < k, 0);
      total += row_logsumexp (row, k, temperature, &best) - row[labels[i]] / temperature;
    }
  return n ? total / n : 0;
}

double
tf_calibration_ece (const float *logits,
                    const int   *labels,
                    gsize        n,
                    int          k,
                    double       temperature,
                    int          bins)
{
  g_autofree double *conf = NULL, *right = NULL;
  double ece = 0;

  g_return_val_if_fail (n == 0 || (logits != NULL && labels != NULL), 0);
  g_return_val_if_fail (k >= 1 && temperature > 0 && bins >= 1, 0);

  conf = g_new0 (double, bins);    /* [bins] summed confidence */
  right = g_new0 (double, bins);   /* [bins] correct predictions */
  for (gsize i = 0; i < n; i++)
    {
      const float *row = logits + i * k;
      int best, b;
      double lse = row_logsumexp (row, k, temperature, &best);
      double c = exp (row[best] / temperature - lse);

      g_return_val_if_fail (labels[i] >= 0 && labels[i] < k, 0);
      b = CLAMP ((int) ceil (c * bins) - 1, 0, bins - 1);
      conf[b] += c;
      right[b] += best == labels[i];
    }
  /* |B|/n |acc(B) - conf(B)| = |correct(B) - summed confidence(B)| / n */
  for (int b = 0; b < bins; b++)
    ece += fabs (right[b] - conf[b]);
  return n ? ece / n : 0;
}

double
tf_calibration_fit (const float *logits,
                    const int   *labels,
                    gsize        n,
                    int          k)
{
  const double phi = (sqrt (5.0) - 1) / 2;
  double a = log (TF_MODEL_TEMPERATURE_MIN), b = log (TF_MODEL_TEMPERATURE_MAX);
  double c, d, fc, fd;

  g_return_val_if_fail (n == 0 || (logits != NULL && labels != NULL), 1);
  g_return_val_if_fail (k >= 1, 1);
  if (n == 0)
    return 1;

  c = b - phi * (b - a);
  d = a + phi * (b - a);
  fc = tf_calibration_nll (logits, labels, n, k, exp (c));
  fd = tf_calibration_nll (logits, labels, n, k, exp (d));
  for (int it = 0; it < FIT_ITERATIONS; it++)
    if (fc <= fd)
      {
        b = d;
        d = c;
        fd = fc;
        c = b - phi * (b - a);
        fc = tf_calibration_nll (logits, labels, n, k, exp (c));
      }
    else
      {
        a = c;
        c = d;
        fc = fd;
        d = a + phi * (b - a);
        fd = tf_calibration_nll (logits, labels, n, k, exp (d));
      }
  return CLAMP (exp ((a + b) / 2), TF_MODEL_TEMPERATURE_MIN, TF_MODEL_TEMPERATURE_MAX);
}

void
tf_calibration_compute (const float   *logits,
                        const int     *labels,
                        gsize          n,
                        int            k,
                        TfCalibration *r)
{
  gsize right = 0;

  g_return_if_fail (r != NULL);

  r->temperature = tf_calibration_fit (logits, labels, n, k);
  r->nll_before = tf_calibration_nll (logits, labels, n, k, 1.0);
  r->nll_after = tf_calibration_nll (logits, labels, n, k, r->temperature);
  r->ece_before = tf_calibration_ece (logits, labels, n, k, 1.0, TF_CALIBRATION_BINS);
  r->ece_after = tf_calibration_ece (logits, labels, n, k, r->temperature, TF_CALIBRATION_BINS);
  for (gsize i = 0; i < n; i++)
    {
      int best = 0;
      for (int j = 1; j < k; j++)
        if (logits[i * k + j] > logits[i * k + best])
          best = j;
      right += best == labels[i];
    }
  r->accuracy = n ? (double) right / n : 0;
}
