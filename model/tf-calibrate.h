/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Temperature scaling (Guo et al., "On Calibration of Modern Neural
 * Networks", ICML 2017): the one T for which softmax(logits / T) has the
 * least negative log-likelihood on held-out faces, and the expected
 * calibration error that says how far confidence and accuracy part. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Equal-width confidence bins of the expected calibration error. */
#define TF_CALIBRATION_BINS 15

typedef struct
{
  double temperature;   /* the fitted T */
  double nll_before;    /* mean -log p(label) at T = 1 */
  double nll_after;     /* ... at the fitted T */
  double ece_before;    /* expected calibration error at T = 1 */
  double ece_after;     /* ... at the fitted T */
  double accuracy;      /* argmax = label: the same at every T */
} TfCalibration;

/* Mean negative log-likelihood of @labels under softmax(@logits / @temperature);
 * @logits is [n][k], @labels [n] in [0, k). 0 for n = 0. */
double   tf_calibration_nll     (const float *logits,
                                 const int   *labels,
                                 gsize        n,
                                 int          k,
                                 double       temperature);
/* Expected calibration error in @bins equal-width bins of the confidence c
 * (the largest probability of softmax(@logits / @temperature)), bin b holding
 * b/bins < c <= (b+1)/bins: sum over bins of |B|/n |accuracy(B) - mean c(B)|.
 * 0 for n = 0. */
double   tf_calibration_ece     (const float *logits,
                                 const int   *labels,
                                 gsize        n,
                                 int          k,
                                 double       temperature,
                                 int          bins);
/* The T in [TF_MODEL_TEMPERATURE_MIN, TF_MODEL_TEMPERATURE_MAX] (tf-model.h)
 * minimising tf_calibration_nll: golden-section search on log T (the NLL is
 * convex in 1/T, so unimodal in log T). 1 for n = 0. */
double   tf_calibration_fit     (const float *logits,
                                 const int   *labels,
                                 gsize        n,
                                 int          k);
/* tf_calibration_fit and every figure of @result. */
void     tf_calibration_compute (const float   *logits,
                                 const int     *labels,
                                 gsize          n,
                                 int            k,
                                 TfCalibration *result);

G_END_DECLS
