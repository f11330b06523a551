/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A model measured on a labelled dataset: accuracy, per-class recall and
 * F1, their macro averages and the confusion matrix. */
#pragma once

#include <gio/gio.h>

#include "tf-dataset.h"
#include "tf-loader.h"
#include "tf-model.h"

G_BEGIN_DECLS

/* Faces per forward pass in transfer-cli eval and in validation. */
#define TF_EVAL_DEFAULT_BATCH 64

typedef struct
{
  int      n_classes;     /* K */
  guint    n_faces;       /* images evaluated: the sum of @confusion */
  guint    n_skipped;     /* images @decode failed on (unreadable, or no face found) */
  guint   *confusion;     /* [K][K]: rows the true class, columns the predicted one */
  guint   *support;       /* [K] true examples of each class */
  double  *recall;        /* [K]; 0 for a class without a true example */
  double  *f1;            /* [K]; 0 for a class neither present nor predicted */
  int      n_present;     /* classes with at least one true example */
  double   accuracy;      /* 0 when no image was evaluated */
  /* over the present classes only: a class the data lacks says nothing of
   * the model (its F1 would be 0, or undefined) */
  double   macro_recall;
  double   macro_f1;
} TfEvalResult;

/* A result over @n_classes with @confusion ([K][K], copied; NULL: zeros)
 * and its metrics computed. */
TfEvalResult *tf_eval_result_new             (int           n_classes,
                                              const guint  *confusion);
void          tf_eval_result_free            (TfEvalResult *result);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TfEvalResult, tf_eval_result_free)
/* Recomputes support, recall, F1, accuracy and the macro averages from
 * result->confusion (after the caller changed it). */
void          tf_eval_result_compute         (TfEvalResult *result);

/* Runs @model over @dataset in batches of @batch (its classes set to the
 * model's first), predicting each image's largest probability; with @flip
 * the probabilities are averaged with those of the mirrored input. These are
 * the uncalibrated softmax(logits): the model's temperature changes no
 * prediction, so it changes no accuracy. Images
 * are what @decode returns (called from a loader thread, @decode_data
 * passed on); those it fails on are skipped and counted. @cancellable is
 * checked between batches (G_IO_ERROR_CANCELLED). */
TfEvalResult *tf_eval_run                    (TfModel      *model,
                                              TfDataset    *dataset,
                                              int           batch,
                                              gboolean      flip,
                                              TfDecodeFunc  decode,
                                              gpointer      decode_data,
                                              GCancellable *cancellable,
                                              GError      **error);

/* The same run, keeping each image's raw logits (the model's temperature not
 * applied) in @logits (float, [rows][K]) and its class in @labels (int,
 * [rows]), both emptied first; with @flip the mirrored images of each batch
 * follow it as rows of their own (the probabilities the application shows
 * are one view's, not the mirrored average). */
gboolean      tf_eval_collect_logits         (TfModel      *model,
                                              TfDataset    *dataset,
                                              int           batch,
                                              gboolean      flip,
                                              TfDecodeFunc  decode,
                                              gpointer      decode_data,
                                              GCancellable *cancellable,
                                              GArray       *logits,
                                              GArray       *labels,
                                              guint        *n_skipped,
                                              GError      **error);

G_END_DECLS
