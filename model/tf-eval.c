/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Evaluation: the model over a labelled set, and the metrics of the
 * confusion matrix. */
#include <string.h>

#include "tf-engine.h"
#include "tf-eval.h"
#include "tf-ops.h"

TfEvalResult *
tf_eval_result_new (int          n_classes,
                    const guint *confusion)
{
  TfEvalResult *r;

  g_return_val_if_fail (n_classes > 0, NULL);

  r = g_new0 (TfEvalResult, 1);
  r->n_classes = n_classes;
  r->confusion = g_new0 (guint, (gsize) n_classes * n_classes);
  r->support = g_new0 (guint, n_classes);
  r->recall = g_new0 (double, n_classes);
  r->f1 = g_new0 (double, n_classes);
  if (confusion)
    memcpy (r->confusion, confusion, sizeof (guint) * n_classes * n_classes);
  tf_eval_result_compute (r);
  return r;
}

void
tf_eval_result_free (TfEvalResult *r)
{
  if (r == NULL)
    return;
  g_free (r->confusion);
  g_free (r->support);
  g_free (r->recall);
  g_free (r->f1);
  g_free (r);
}

/* recall = tp / (true examples); F1 = 2 tp / (true examples + predictions),
 * which is 2PR / (P + R) without the division by zero when tp = 0. */
void
tf_eval_result_compute (TfEvalResult *r)
{
  int k = r->n_classes;
  guint right = 0;
  double recall_sum = 0, f1_sum = 0;

  r->n_faces = 0;
  r->n_present = 0;
  for (int c = 0; c < k; c++)
    {
      guint tp = r->confusion[c * k + c], row = 0, col = 0;
      for (int j = 0; j < k; j++)
        {
          row += r->confusion[c * k + j];
          col += r->confusion[j * k + c];
        }
      r->support[c] = row;
      r->recall[c] = row ? (double) tp / row : 0;
      r->f1[c] = row + col ? 2.0 * tp / (row + col) : 0;
      r->n_faces += row;
      right += tp;
      if (row)
        {
          r->n_present++;
          recall_sum += r->recall[c];
          f1_sum += r->f1[c];
        }
    }
  r->accuracy = r->n_faces ? (double) right / r->n_faces : 0.0;
  r->macro_recall = r->n_present ? recall_sum / r->n_present : 0.0;
  r->macro_f1 = r->n_present ? f1_sum / r->n_present : 0.0;
}

/* What each batch of the loop hands on: the raw logits of the faces and,
 * with flip, of their mirror images, each [got][k]. */
typedef void (*BatchFunc) (const float *logits,
                           const float *flipped,
                           const int   *labels,
                           int          got,
                           int          k,
                           gpointer     data);

/* @model over @ds in batches, as tf_eval_run documents; returns the images
 * @decode failed on, or -1 with @error set. */
static gint64
eval_loop (TfModel      *model,
           TfDataset    *ds,
           int           batch,
           gboolean      flip,
           TfDecodeFunc  decode,
           gpointer      decode_data,
           GCancellable *cancellable,
           BatchFunc     func,
           gpointer      func_data,
           GError      **error)
{
  int k, s, got;
  guint n;
  g_autoptr(TfEngine) engine = NULL;
  g_autoptr(TfLoader) loader = NULL;
  g_autoptr(GError) local = NULL;
  g_autofree guint *order = NULL;
  g_autofree float *in = NULL, *tg = NULL, *logits = NULL;
  g_autofree int *labels = NULL;

  if (!tf_dataset_set_classes (ds, (const char * const *) model->classes, error))
    return -1;
  k = model->config.num_classes;
  s = model->input.size;
  n = tf_dataset_get_n_items (ds);
  engine = tf_engine_new (model);
  loader = tf_loader_new (ds, &model->input, NULL, decode, decode_data, batch, 1);
  order = g_new (guint, MAX (n, 1));
  in = g_new (float, (gsize) batch * 3 * s * s);   /* [batch][3][s][s] */
  tg = g_new (float, (gsize) batch * k);           /* [batch][k] */
  logits = g_new (float, (gsize) batch * k);       /* [batch][k] */
  labels = g_new (int, batch);                     /* [batch] */

  for (guint i = 0; i < n; i++)
    order[i] = i;
  tf_loader_start_epoch (loader, order, n, 0);

  while (!g_cancellable_set_error_if_cancelled (cancellable, &local) &&
         tf_loader_next (loader, in, tg, labels, &got, &local) && got > 0)
    {
      TfOutputs out;
      if (!tf_engine_forward (engine, in, got, TF_PROBE_NONE, NULL, &out, &local))
        break;
      memcpy (logits, out.logits, sizeof (float) * got * k);
      if (flip)
        {
          tf_engine_mirror_inputs (in, got, s);
          if (!tf_engine_forward (engine, in, got, TF_PROBE_NONE, NULL, &out, &local))
            break;
        }
      func (logits, flip ? out.logits : NULL, labels, got, k, func_data);
    }
  if (local)
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return -1;
    }
  return tf_loader_get_n_failed (loader);
}

/* Predictions come from the uncalibrated probabilities, softmax(logits):
 * the mirrored average of calibrated ones could pick another class, and a
 * model's temperature must never change what it predicts. */
static void
confusion_batch (const float *logits,
                 const float *flipped,
                 const int   *labels,
                 int          got,
                 int          k,
                 gpointer     data)
{
  TfEvalResult *res = data;
  g_autofree float *probs = g_memdup2 (logits, sizeof (float) * got * k);   /* [got][k] */

  tf_softmax_rows (probs, got, k);
  if (flipped)
    {
      g_autofree float *other = g_memdup2 (flipped, sizeof (float) * got * k);   /* [got][k] */

      tf_softmax_rows (other, got, k);
      for (int i = 0; i < got * k; i++)
        probs[i] = 0.5f * (probs[i] + other[i]);
    }
  for (int i = 0; i < got; i++)
    {
      int best = 0;
      for (int c = 1; c < k; c++)
        if (probs[i * k + c] > probs[i * k + best])
          best = c;
      res->confusion[labels[i] * k + best]++;
    }
}

TfEvalResult *
tf_eval_run (TfModel      *model,
             TfDataset    *ds,
             int           batch,
             gboolean      flip,
             TfDecodeFunc  decode,
             gpointer      decode_data,
             GCancellable *cancellable,
             GError      **error)
{
  g_autoptr(TfEvalResult) res = NULL;
  gint64 skipped;

  g_return_val_if_fail (model != NULL && ds != NULL && decode != NULL, NULL);
  g_return_val_if_fail (batch >= 1, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  res = tf_eval_result_new (model->config.num_classes, NULL);
  skipped = eval_loop (model, ds, batch, flip, decode, decode_data, cancellable, confusion_batch, res, error);
  if (skipped < 0)
    return NULL;
  res->n_skipped = (guint) skipped;
  tf_eval_result_compute (res);
  return g_steal_pointer (&res);
}

typedef struct
{
  GArray *logits;
  GArray *labels;
} Collect;

static void
collect_batch (const float *logits,
               const float *flipped,
               const int   *labels,
               int          got,
               int          k,
               gpointer     data)
{
  Collect *c = data;

  g_array_append_vals (c->logits, logits, (guint) got * k);
  g_array_append_vals (c->labels, labels, got);
  if (flipped)
    {
      g_array_append_vals (c->logits, flipped, (guint) got * k);
      g_array_append_vals (c->labels, labels, got);
    }
}

gboolean
tf_eval_collect_logits (TfModel      *model,
                        TfDataset    *ds,
                        int           batch,
                        gboolean      flip,
                        TfDecodeFunc  decode,
                        gpointer      decode_data,
                        GCancellable *cancellable,
                        GArray       *logits,
                        GArray       *labels,
                        guint        *n_skipped,
                        GError      **error)
{
  Collect c = { logits, labels };
  gint64 skipped;

  g_return_val_if_fail (model != NULL && ds != NULL && decode != NULL, FALSE);
  g_return_val_if_fail (batch >= 1, FALSE);
  g_return_val_if_fail (logits != NULL && g_array_get_element_size (logits) == sizeof (float), FALSE);
  g_return_val_if_fail (labels != NULL && g_array_get_element_size (labels) == sizeof (int), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  g_array_set_size (logits, 0);
  g_array_set_size (labels, 0);
  skipped = eval_loop (model, ds, batch, flip, decode, decode_data, cancellable, collect_batch, &c, error);
  if (skipped < 0)
    return FALSE;
  if (n_skipped)
    *n_skipped = (guint) skipped;
  return TRUE;
}
