/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The training loop and evaluation as library calls (model/tf-fit.c,
 * model/tf-eval.c), in process: exact resume after a cancelled run,
 * prompt cancellation, the divergence guard, and the metrics. */
#include <gio/gio.h>
#include <stdio.h>
#include <string.h>

#include "tf-checkpoint.h"
#include "tf-engine.h"
#include "tf-error.h"
#include "tf-eval.h"
#include "tf-fit.h"
#include "tf-image.h"
#include "tf-test-train.h"
#include "tf-test-util.h"

/* @n items over the model's classes, "bad" every @bad_every (0: none). */
static TfDataset *
make_dataset (TfModel *model,
              int      n,
              int      first,
              int      bad_every)
{
  TfDataset *ds = tf_dataset_new ((const char * const *) model->classes);
  int k = model->config.num_classes;

  for (int i = 0; i < n; i++)
    {
      g_autofree char *path = g_strdup_printf ("%d/%d%s", i % k, first + i,
                                               bad_every && i % bad_every == bad_every - 1 ? "bad" : "");
      tf_dataset_add (ds, path, i % k);
    }
  return ds;
}

typedef struct
{
  GCancellable *cancellable;
  guint64       cancel_at;       /* the step after which to cancel; 0: never */
  gint64        cancelled_us;
  guint         n_progress, n_epochs;
  double        last_loss;
} Watch;

static void
on_progress_cb (const TfFitProgress *p,
                gpointer             user_data)
{
  Watch *w = user_data;

  w->n_progress++;
  g_assert_cmpuint (p->step, ==, w->n_progress);
  g_assert_cmpuint (p->batch, >=, 1);
  g_assert_cmpuint (p->batch, <=, (guint) p->steps_per_epoch);
  g_assert_true (isfinite (p->loss) && isfinite (p->epoch_loss) && p->lr > 0);
  if (w->cancel_at && p->step == w->cancel_at)
    {
      w->cancelled_us = g_get_monotonic_time ();
      g_cancellable_cancel (w->cancellable);
    }
}

static void
on_epoch_cb (const TfFitEpoch *e,
             gpointer          user_data)
{
  Watch *w = user_data;

  w->n_epochs++;
  w->last_loss = e->train_loss;
  g_assert_cmpuint (e->epoch, ==, w->n_epochs);
}

static const TfFitCallbacks watch_callbacks = {
  .progress = on_progress_cb,
  .epoch = on_epoch_cb,
};

/* 15 images in batches of 4: 4 steps an epoch (the last of 3 images). */
static void
tiny_recipe (TfFitRecipe *r)
{
  tf_fit_recipe_init (r);
  r->epochs = 3;
  r->batch = 4;
  r->seed = 7;
  r->lr = 3e-3;
  r->checkpoint_every = 3;
  r->dataset_kind = "fake";
}

/* (a) A run cancelled mid-epoch and resumed from its last checkpoint ends
 * with the very parameters of an uninterrupted one: same order, same
 * augmentation, same drops, same optimiser state. */
static void
test_fit_resume_exact (void)
{
  char *dir = g_dir_make_tmp ("tf-fit-XXXXXX", NULL);
  g_autofree char *ck = g_build_filename (dir, "run.ckpt", NULL);
  g_autoptr(TfModel) a = load_tiny (), b = load_tiny (), c = load_tiny (), saved = NULL;
  g_autoptr(TfDataset) train = make_dataset (a, 15, 0, 0), valid = make_dataset (a, 10, 100, 0);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(TfEvalResult) check = NULL;
  TfCheckpointState state = { 0 };
  TfFitResult ra, rb, rc;
  TfFitRecipe r;
  Watch wa = { 0 }, wb = { .cancellable = cancellable, .cancel_at = 7 }, wc = { 0 };
  const char *base;

  tiny_recipe (&r);
  /* a temperature fitted to the starting weights does not hold for the new ones */
  tf_model_set_temperature (a, 0.5);
  g_hash_table_insert (a->metadata, g_strdup ("calibration.ece_after"), g_strdup ("0.0100"));
  g_assert_true (tf_fit_run (a, train, valid, fake_decode, NULL, &r, &watch_callbacks, &wa, NULL, &ra, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (ra.steps, ==, 12);
  g_assert_cmpuint (ra.epochs_done, ==, 3);
  g_assert_false (ra.stopped || ra.resumed || ra.diverged);
  g_assert_cmpuint (wa.n_progress, ==, 12);
  g_assert_cmpuint (wa.n_epochs, ==, 3);
  g_assert_true (isfinite (wa.last_loss));

  /* the validation accuracy is tf_eval's on the final parameters */
  check = tf_eval_run (a, valid, TF_EVAL_DEFAULT_BATCH, FALSE, fake_decode, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (ra.valid_accuracy, ==, check->accuracy);

  /* checkpoints every 3 steps and after each epoch; cancelled after step 7
   * (the third of epoch 2): the checkpoint stays the one of step 6 */
  r.checkpoint = ck;
  g_assert_false (tf_fit_run (b, train, valid, fake_decode, NULL, &r, &watch_callbacks, &wb, cancellable, &rb,
                              &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_assert_cmpuint (rb.steps, ==, 7);
  g_assert_cmpuint (rb.epochs_done, ==, 1);
  g_assert_null (g_hash_table_lookup (b->metadata, "recipe"));   /* provenance only for a finished run */
  g_assert_true (tf_checkpoint_load (ck, &saved, NULL, &state, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (state.step, ==, 6);
  g_assert_cmpuint (state.epoch, ==, 1);
  g_assert_cmpuint (state.position_in_epoch, ==, 8);   /* two batches into epoch 2 */
  tf_checkpoint_state_clear (&state);

  r.resume = TRUE;
  wc.n_progress = 6;
  wc.n_epochs = 1;
  g_assert_true (tf_fit_run (c, train, valid, fake_decode, NULL, &r, &watch_callbacks, &wc, NULL, &rc, &error));
  g_assert_no_error (error);
  g_assert_true (rc.resumed);
  g_assert_cmpuint (rc.steps, ==, 12);
  g_assert_cmpuint (wc.n_progress, ==, 12);
  g_assert_cmpmem (a->params, a->n_params * sizeof (float), c->params, c->n_params * sizeof (float));
  g_assert_cmpfloat (ra.final_loss, ==, rc.final_loss);
  g_assert_cmpfloat (ra.valid_accuracy, ==, rc.valid_accuracy);

  /* the provenance: the recipe as run, the starting point's as lineage */
  g_assert_cmpstr (g_hash_table_lookup (a->metadata, "recipe"), ==, g_hash_table_lookup (c->metadata, "recipe"));
  g_assert_nonnull (strstr (g_hash_table_lookup (a->metadata, "recipe"), "\"lr\":0.003,"));
  g_assert_nonnull (strstr (g_hash_table_lookup (a->metadata, "recipe"), "\"dataset\":\"fake\""));
  g_assert_cmpstr (g_hash_table_lookup (a->metadata, "trained_with"), ==, TF_FIT_DEFAULT_TRAINED_WITH);
  g_assert_cmpstr (g_hash_table_lookup (a->metadata, "epochs"), ==, "3");
  g_assert_cmpstr (g_hash_table_lookup (a->metadata, "dataset"), ==, "fake");
  base = g_hash_table_lookup (a->metadata, "base_trained_with");
  g_assert_nonnull (base);
  g_assert_nonnull (strstr (base, "make_goldens"));
  {
    g_autofree char *want = g_strdup_printf ("%.4f", ra.valid_accuracy);
    g_assert_cmpstr (g_hash_table_lookup (a->metadata, "valid_accuracy"), ==, want);
  }
  g_assert_null (g_hash_table_lookup (c->metadata, "checkpoint"));
  g_assert_cmpfloat (a->temperature, ==, 1.0);
  g_assert_null (g_hash_table_lookup (a->metadata, TF_MODEL_TEMPERATURE_KEY));
  g_assert_null (g_hash_table_lookup (a->metadata, "calibration.ece_after"));
  g_assert_cmpstr (g_hash_table_lookup (a->metadata, "base_" TF_MODEL_TEMPERATURE_KEY), ==, "0.5");
  g_assert_cmpstr (g_hash_table_lookup (a->metadata, "base_calibration.ece_after"), ==, "0.0100");
  tf_test_remove_tmpdir (dir);
}

/* (b) Cancellation stops the run before the next step, and the checkpoint
 * left behind loads; a run cancelled before it starts writes nothing. */
static void
test_fit_cancel (void)
{
  char *dir = g_dir_make_tmp ("tf-fit-XXXXXX", NULL);
  g_autofree char *ck = g_build_filename (dir, "run.ckpt", NULL);
  g_autofree char *ck2 = g_build_filename (dir, "never.ckpt", NULL);
  g_autoptr(TfModel) model = load_tiny (), loaded = NULL;
  g_autoptr(TfOptimizer) optimizer = NULL;
  g_autoptr(TfDataset) train = make_dataset (model, 15, 0, 0);
  g_autoptr(GCancellable) cancellable = g_cancellable_new (), already = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  TfCheckpointState state = { 0 };
  TfFitResult res;
  TfFitRecipe r;
  Watch w = { .cancellable = cancellable, .cancel_at = 5 };
  double waited;

  tiny_recipe (&r);
  r.epochs = 1000;   /* minutes of work, were it not cancelled */
  r.checkpoint = ck;
  r.checkpoint_every = 2;
  g_assert_false (tf_fit_run (model, train, NULL, fake_decode, NULL, &r, &watch_callbacks, &w, cancellable, &res,
                              &error));
  waited = (g_get_monotonic_time () - w.cancelled_us) / 1e6;
  g_test_message ("returned %.3f s after the cancel", waited);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_assert_cmpfloat (waited, <, 2.0);
  g_assert_cmpuint (res.steps, ==, 5);
  g_assert_cmpuint (w.n_progress, ==, 5);

  g_assert_true (tf_checkpoint_load (ck, &loaded, &optimizer, &state, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (state.step, ==, 4);
  g_assert_cmpuint (tf_optimizer_get_step_count (optimizer), ==, 4);
  tf_checkpoint_state_clear (&state);
  g_clear_pointer (&loaded, tf_model_free);
  loaded = tf_model_load (ck, &error);   /* a checkpoint is a model file too */
  g_assert_no_error (error);
  g_assert_nonnull (loaded);

  g_cancellable_cancel (already);
  g_assert_false (tf_fit_run (model, train, NULL, fake_decode, NULL, &r, NULL, NULL, already, &res, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (res.steps, ==, 0);
  g_assert_false (g_file_test (ck2, G_FILE_TEST_EXISTS));
  tf_test_remove_tmpdir (dir);
}

/* The divergence guard stops at the first step whose loss or gradient is
 * not finite, before the optimiser applies it; a recipe out of range is
 * refused before any work. (The non-finite loss comes from a target: a
 * rate large enough to blow up sends NaN through the kernels, which
 * UBSan reports in the fast exp's float-to-int conversion.) */
static void
test_fit_guards (void)
{
  g_autoptr(TfModel) model = load_tiny ();
  g_autoptr(TfDataset) train = make_dataset (model, 15, 0, 0);
  g_autoptr(TfDataset) poisoned = tf_dataset_new ((const char * const *) model->classes);
  g_autofree float *before = g_memdup2 (model->params, model->n_params * sizeof (float));
  g_autoptr(GError) error = NULL;
  float target[5] = { 0.5f, NAN, 0.5f, 0, 0 };
  TfFitResult res;
  TfFitRecipe r;

  g_assert_cmpint (model->config.num_classes, ==, 5);
  for (int i = 0; i < 8; i++)
    {
      g_autofree char *path = g_strdup_printf ("%d/%d", i % 5, i);
      tf_dataset_add_soft (poisoned, path, target);
    }
  tiny_recipe (&r);
  g_assert_false (tf_fit_run (model, poisoned, NULL, fake_decode, NULL, &r, NULL, NULL, NULL, &res, &error));
  g_assert_error (error, TF_ERROR, TF_ERROR_INPUT);
  g_assert_nonnull (strstr (error->message, "diverged at step 0"));
  g_assert_true (res.diverged);
  g_assert_cmpuint (res.steps, ==, 0);
  /* the weights as they were (the forward did update BatchNorm's running
   * statistics, which are buffers) */
  for (guint i = 0; i < model->param_info->len; i++)
    {
      const TfParamInfo *p = &g_array_index (model->param_info, TfParamInfo, i);
      if (!p->is_buffer)
        g_assert_cmpmem (before + p->offset, p->numel * sizeof (float), model->params + p->offset,
                         p->numel * sizeof (float));
    }
  g_clear_error (&error);

  tiny_recipe (&r);
  r.batch = 1;
  g_assert_false (tf_fit_recipe_validate (&r, &error));
  g_assert_error (error, TF_ERROR, TF_ERROR_INPUT);
  g_clear_error (&error);
  g_assert_false (tf_fit_run (model, train, NULL, fake_decode, NULL, &r, NULL, NULL, NULL, &res, &error));
  g_assert_error (error, TF_ERROR, TF_ERROR_INPUT);
  g_assert_false (res.diverged);
  g_assert_cmpuint (res.steps, ==, 0);
}

/* (c) The metrics of a hand-made confusion: class 3 is never true but
 * once predicted; it stays out of the macro averages. */
static void
test_eval_metrics (void)
{
  const guint confusion[4 * 4] = {
    3, 1, 0, 0,
    0, 2, 0, 1,
    1, 0, 1, 0,
    0, 0, 0, 0,
  };
  g_autoptr(TfEvalResult) r = tf_eval_result_new (4, confusion);
  g_autoptr(TfEvalResult) empty = tf_eval_result_new (3, NULL);

  g_assert_cmpuint (r->n_faces, ==, 9);
  g_assert_cmpint (r->n_present, ==, 3);
  g_assert_cmpuint (r->support[0], ==, 4);
  g_assert_cmpuint (r->support[3], ==, 0);
  g_assert_cmpfloat_with_epsilon (r->accuracy, 6.0 / 9, 1e-12);
  g_assert_cmpfloat_with_epsilon (r->recall[0], 0.75, 1e-12);
  g_assert_cmpfloat_with_epsilon (r->recall[1], 2.0 / 3, 1e-12);
  g_assert_cmpfloat_with_epsilon (r->recall[2], 0.5, 1e-12);
  g_assert_cmpfloat (r->recall[3], ==, 0);
  /* F1 = 2 tp / (true + predicted) */
  g_assert_cmpfloat_with_epsilon (r->f1[0], 6.0 / 8, 1e-12);
  g_assert_cmpfloat_with_epsilon (r->f1[1], 4.0 / 6, 1e-12);
  g_assert_cmpfloat_with_epsilon (r->f1[2], 2.0 / 3, 1e-12);
  g_assert_cmpfloat (r->f1[3], ==, 0);
  /* over the three present classes, not four */
  g_assert_cmpfloat_with_epsilon (r->macro_f1, (6.0 / 8 + 4.0 / 6 + 2.0 / 3) / 3, 1e-12);
  g_assert_cmpfloat_with_epsilon (r->macro_recall, (0.75 + 2.0 / 3 + 0.5) / 3, 1e-12);

  /* recomputed after a change */
  r->confusion[3 * 4 + 3] = 3;
  tf_eval_result_compute (r);
  g_assert_cmpint (r->n_present, ==, 4);
  g_assert_cmpfloat_with_epsilon (r->recall[3], 1.0, 1e-12);
  g_assert_cmpfloat_with_epsilon (r->f1[3], 6.0 / 7, 1e-12);
  g_assert_cmpfloat_with_epsilon (r->accuracy, 9.0 / 12, 1e-12);

  g_assert_cmpuint (empty->n_faces, ==, 0);
  g_assert_cmpfloat (empty->accuracy, ==, 0);
  g_assert_cmpfloat (empty->macro_f1, ==, 0);
}

/* The prediction of each image, one forward at a time, optionally
 * averaged with the mirrored input. */
static int
predict_one (TfEngine   *engine,
             TfModel    *model,
             const char *path,
             gboolean    flip)
{
  int w, h, stride, s = model->input.size, k = model->config.num_classes, best = 0;
  g_autofree guint8 *px = fake_decode (path, &w, &h, &stride, NULL, NULL);
  g_autofree float *in = g_new (float, 3 * s * s), *probs = g_new (float, k);
  g_autoptr(GError) error = NULL;
  TfOutputs out;

  tf_image_to_input (px, w, h, stride, 3, &model->input, in);
  g_assert_true (tf_engine_forward (engine, in, 1, TF_PROBE_NONE, NULL, &out, &error));
  memcpy (probs, out.probs, sizeof (float) * k);
  if (flip)
    {
      for (int row = 0; row < 3 * s; row++)
        for (int a = 0, b = s - 1; a < b; a++, b--)
          {
            float t = in[row * s + a];
            in[row * s + a] = in[row * s + b];
            in[row * s + b] = t;
          }
      g_assert_true (tf_engine_forward (engine, in, 1, TF_PROBE_NONE, NULL, &out, &error));
      for (int c = 0; c < k; c++)
        probs[c] = 0.5f * (probs[c] + out.probs[c]);
    }
  for (int c = 1; c < k; c++)
    if (probs[c] > probs[best])
      best = c;
  return best;
}

/* tf_eval_run counts what one-at-a-time forwards predict, in batches that
 * do not divide the set, and skips what does not decode. */
static void
test_eval_run (void)
{
  g_autoptr(TfModel) model = load_tiny ();
  g_autoptr(TfDataset) ds = make_dataset (model, 23, 50, 6);   /* 3 of 23 fail */
  g_autoptr(TfDataset) good = make_dataset (model, 9, 0, 0);
  g_autoptr(TfEngine) engine = tf_engine_new (model);
  g_autoptr(GCancellable) cancelled = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  int k = model->config.num_classes;

  for (int flip = 0; flip <= 1; flip++)
    {
      g_autoptr(TfEvalResult) r = NULL;
      g_autofree guint *want = g_new0 (guint, k * k);

      for (guint i = 0; i < tf_dataset_get_n_items (ds); i++)
        {
          const char *path = tf_dataset_get_path (ds, i);
          if (!strstr (path, "bad"))
            want[tf_dataset_get_label (ds, i) * k + predict_one (engine, model, path, flip)]++;
        }
      /* a temperature changes no prediction, mirrored averaging included */
      for (int t = 0; t < 2; t++)
        {
          tf_model_set_temperature (model, t ? 0.2 : 1.0);
          for (int i = 0; i < 3; i++)
            g_test_expect_message (NULL, G_LOG_LEVEL_WARNING, "*fake decoding failure*");
          r = tf_eval_run (model, ds, 7, flip, fake_decode, NULL, NULL, &error);
          g_test_assert_expected_messages ();
          g_assert_no_error (error);
          g_assert_cmpuint (r->n_skipped, ==, 3);
          g_assert_cmpuint (r->n_faces, ==, 20);
          g_assert_cmpmem (r->confusion, sizeof (guint) * k * k, want, sizeof (guint) * k * k);
          g_clear_pointer (&r, tf_eval_result_free);
        }
      tf_model_set_temperature (model, 1.0);
    }

  /* (a set without failures: a worker could name one before it stops) */
  g_cancellable_cancel (cancelled);
  g_assert_null (tf_eval_run (model, good, 7, FALSE, fake_decode, NULL, cancelled, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

/* tf_eval_collect_logits keeps the raw logits of what decodes, in order,
 * whatever the model's temperature; with flip each batch's mirror images
 * follow it. */
static void
test_eval_collect (void)
{
  g_autoptr(TfModel) model = load_tiny ();
  g_autoptr(TfDataset) ds = make_dataset (model, 9, 50, 4);   /* 2 of 9 fail */
  g_autoptr(TfEngine) engine = tf_engine_new (model);
  g_autoptr(GArray) logits = g_array_new (FALSE, FALSE, sizeof (float));
  g_autoptr(GArray) labels = g_array_new (FALSE, FALSE, sizeof (int));
  g_autoptr(GArray) flipped = g_array_new (FALSE, FALSE, sizeof (float));
  g_autoptr(GArray) flabels = g_array_new (FALSE, FALSE, sizeof (int));
  g_autoptr(GError) error = NULL;
  int k = model->config.num_classes, s = model->input.size, row = 0;
  guint skipped = 0;
  const float *got;

  tf_model_set_temperature (model, 3.0);
  for (int i = 0; i < 2; i++)
    g_test_expect_message (NULL, G_LOG_LEVEL_WARNING, "*fake decoding failure*");
  g_assert_true (tf_eval_collect_logits (model, ds, 3, FALSE, fake_decode, NULL, NULL, logits, labels, &skipped,
                                         &error));
  g_test_assert_expected_messages ();
  g_assert_no_error (error);
  g_assert_cmpuint (skipped, ==, 2);
  g_assert_cmpuint (labels->len, ==, 7);
  g_assert_cmpuint (logits->len, ==, 7 * (guint) k);
  got = (const float *) (void *) logits->data;
  for (guint i = 0; i < tf_dataset_get_n_items (ds); i++)
    {
      const char *path = tf_dataset_get_path (ds, i);
      int w, h, stride;
      g_autofree guint8 *px = NULL;
      g_autofree float *in = g_new (float, 3 * s * s);
      TfOutputs out;

      if (strstr (path, "bad"))
        continue;
      px = fake_decode (path, &w, &h, &stride, NULL, NULL);
      tf_image_to_input (px, w, h, stride, 3, &model->input, in);
      g_assert_true (tf_engine_forward (engine, in, 1, TF_PROBE_NONE, NULL, &out, &error));
      g_assert_cmpint (g_array_index (labels, int, row), ==, tf_dataset_get_label (ds, i));
      tf_assert_close (got + (gsize) row * k, out.logits, k, 1e-5, "collected logits");
      row++;
    }

  for (int i = 0; i < 2; i++)
    g_test_expect_message (NULL, G_LOG_LEVEL_WARNING, "*fake decoding failure*");
  g_assert_true (tf_eval_collect_logits (model, ds, 1, TRUE, fake_decode, NULL, NULL, flipped, flabels, NULL,
                                         &error));
  g_test_assert_expected_messages ();
  g_assert_no_error (error);
  g_assert_cmpuint (flabels->len, ==, 14);
  for (int r = 0; r < 7; r++)
    {
      g_assert_cmpint (g_array_index (flabels, int, 2 * r), ==, g_array_index (labels, int, r));
      g_assert_cmpint (g_array_index (flabels, int, 2 * r + 1), ==, g_array_index (labels, int, r));
      tf_assert_close ((const float *) (void *) flipped->data + (gsize) 2 * r * k, got + (gsize) r * k, k, 1e-5,
                       "unmirrored rows");
    }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/fit/resume-exact", test_fit_resume_exact);
  g_test_add_func ("/fit/cancel", test_fit_cancel);
  g_test_add_func ("/fit/guards", test_fit_guards);
  g_test_add_func ("/eval/metrics", test_eval_metrics);
  g_test_add_func ("/eval/run", test_eval_run);
  g_test_add_func ("/eval/collect-logits", test_eval_collect);
  return g_test_run ();
}
