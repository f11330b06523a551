/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Fine-tuning as a library call (model/tf-finetune.c): the grouped split,
 * the head growing for a new class, what each preset leaves fixed, L2-SP,
 * cancellation offering the best epoch, the report. */
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <string.h>
#include <glib/gstdio.h>

#include "tf-engine.h"
#include "tf-error.h"
#include "tf-finetune.h"
#include "tf-ops.h"
#include "tf-test-train.h"
#include "tf-test-util.h"
#include "tf-train.h"

/* @n items of @names' first @k classes in turn, from index @first. */
static TfDataset *
make_dataset (const char * const *names,
              int                 k,
              int                 n,
              int                 first)
{
  TfDataset *ds = tf_dataset_new (names);

  for (int i = 0; i < n; i++)
    {
      g_autofree char *path = g_strdup_printf ("%d/%d", i % k, first + i);
      tf_dataset_add (ds, path, i % k);
    }
  return ds;
}

static void
tiny_options (TfFinetuneOptions *o,
              TfFinetunePreset   preset)
{
  tf_finetune_options_init (o);
  o->preset = preset;
  o->epochs = 2;
  o->batch = 4;
  o->lr = 3e-3;
  o->seed = 5;
}

/* Whether every float of the tensors named with @prefix is the same. */
static gboolean
same_tensors (TfModel    *a,
              TfModel    *b,
              const char *prefix)
{
  for (guint i = 0; i < a->param_info->len; i++)
    {
      const TfParamInfo *p = &g_array_index (a->param_info, TfParamInfo, i);
      if (g_str_has_prefix (p->name, prefix) &&
          memcmp (a->params + p->offset, b->params + p->offset, p->numel * sizeof (float)) != 0)
        return FALSE;
    }
  return TRUE;
}

/* Groups never straddle; each class holds out about the fraction; a seed
 * gives one split; labels < 0 stay out. */
static void
test_finetune_split (void)
{
  const guint n = 400;
  g_autofree int *labels = g_new (int, n);
  g_autofree gint64 *groups = g_new (gint64, n);
  g_autofree gboolean *a = NULL, *b = NULL, *c = NULL, *none = NULL;
  guint per_class[4] = { 0 }, held[4] = { 0 };
  gboolean differs = FALSE;

  for (guint i = 0; i < n; i++)
    {
      groups[i] = i / 5;                 /* tracks of 5 frames */
      labels[i] = (int) (i / 5) % 4;     /* one class per track */
      if (i % 37 == 0)
        labels[i] = -1;                  /* unsure: never held out */
    }
  a = tf_finetune_split (labels, groups, n, 0.2, 1);
  b = tf_finetune_split (labels, groups, n, 0.2, 1);
  c = tf_finetune_split (labels, groups, n, 0.2, 2);
  none = tf_finetune_split (labels, groups, n, 0, 1);
  g_assert_cmpmem (a, n * sizeof (gboolean), b, n * sizeof (gboolean));
  for (guint i = 0; i < n; i++)
    {
      differs |= a[i] != c[i];
      g_assert_false (none[i]);
      if (labels[i] < 0)
        {
          g_assert_false (a[i]);
          continue;
        }
      per_class[labels[i]]++;
      held[labels[i]] += a[i];
      /* the whole group on one side */
      for (guint j = 0; j < n; j++)
        if (groups[j] == groups[i] && labels[j] >= 0)
          g_assert_cmpint (a[j], ==, a[i]);
    }
  g_assert_true (differs);
  for (int k = 0; k < 4; k++)
    {
      double f = (double) held[k] / per_class[k];
      g_assert_cmpfloat (f, >=, 0.12);
      g_assert_cmpfloat (f, <=, 0.30);
    }

  /* a class of a single group stays in training */
  {
    int l2[6] = { 0, 0, 1, 1, 1, 1 };
    gint64 g2[6] = { 1, 1, 2, 3, 4, 5 };
    g_autofree gboolean *s = tf_finetune_split (l2, g2, 6, 0.5, 3);
    g_assert_false (s[0] || s[1]);
    g_assert_true (s[2] || s[3] || s[4] || s[5]);
    g_assert_false (s[2] && s[3] && s[4] && s[5]);
  }
}

/* The head grows by a class; the old classes' logits stay the same. */
static void
test_finetune_dup (void)
{
  g_autoptr(TfModel) m = load_tiny (), d = NULL;
  g_autoptr(GError) error = NULL;
  const char *extra[] = { "pain", NULL };
  const char *dup[] = { "pain", m->classes[0], NULL };
  int k = m->config.num_classes, s = m->input.size;
  g_autofree float *input = g_new (float, 2 * 3 * s * s);
  TfOutputs a = { 0 }, b = { 0 };

  d = tf_model_dup (m, extra, &error);
  g_assert_no_error (error);
  g_assert_cmpint (d->config.num_classes, ==, k + 1);
  g_assert_cmpstr (d->classes[k], ==, "pain");
  g_assert_null (d->classes[k + 1]);

  for (int i = 0; i < 2 * 3 * s * s; i++)
    input[i] = (float) sin (i * 0.37);
  {
    g_autoptr(TfEngine) ea = tf_engine_new (m), eb = tf_engine_new (d);
    g_assert_true (tf_engine_forward (ea, input, 2, TF_PROBE_NONE, NULL, &a, &error));
    g_assert_no_error (error);
    g_assert_true (tf_engine_forward (eb, input, 2, TF_PROBE_NONE, NULL, &b, &error));
    g_assert_no_error (error);
    for (int n = 0; n < 2; n++)
      {
        float low = m->head_b[0];
        tf_assert_close (a.logits + n * k, b.logits + n * (k + 1), (gsize) k, 1e-5, "old classes");
        for (int c = 1; c < k; c++)
          low = MIN (low, m->head_b[c]);
        g_assert_cmpfloat_with_epsilon (b.logits[n * (k + 1) + k], low, 1e-6);
      }
  }

  g_assert_null (tf_model_dup (m, dup, &error));
  g_assert_error (error, TF_ERROR, TF_ERROR_INPUT);
  g_assert_nonnull (strstr (error->message, m->classes[0]));
}

/* A whole run: before and after, the history, the report in the model, the
 * starting model untouched, the stem frozen by the recommended preset. */
static void
test_finetune_run (void)
{
  g_autoptr(TfModel) start = load_tiny (), copy = load_tiny (), out = NULL;
  g_autoptr(TfDataset) train = make_dataset ((const char * const *) start->classes, 3, 24, 0);
  g_autoptr(TfDataset) held = make_dataset ((const char * const *) start->classes, 3, 12, 100);
  g_autoptr(TfDataset) unl = make_dataset ((const char * const *) start->classes, 5, 10, 200);
  g_autoptr(TfFinetuneReport) r = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  TfFinetuneOptions o;
  const char *json;
  JsonObject *obj;

  tiny_options (&o, TF_FINETUNE_RECOMMENDED);
  o.anchors = 1;   /* the labelled faces the 10 unlabelled ones do not match: 14 mixed pairs */
  o.blend = 1;     /* the last epoch unblended: its held-out accuracy is the after one */
  out = tf_finetune_run (start, train, held, unl, fake_decode, NULL, &o, NULL, NULL, NULL, &r, &error);
  g_assert_no_error (error);
  g_assert_nonnull (out);
  g_assert_cmpuint (r->n_anchors, ==, 14);
  g_assert_cmpmem (start->params, start->n_params * sizeof (float), copy->params, copy->n_params * sizeof (float));
  g_assert_cmpuint (r->n_train, ==, 24);
  g_assert_cmpuint (r->n_holdout, ==, 12);
  g_assert_cmpuint (r->n_unlabelled, ==, 10);
  g_assert_nonnull (r->before);
  g_assert_nonnull (r->after);
  g_assert_cmpuint (r->after->n_faces, ==, 12);
  g_assert_cmpuint (r->epoch_loss->len, ==, 2);
  g_assert_cmpint (r->best_epoch, ==, 2);
  g_assert_false (r->cancelled);
  g_assert_cmpuint (r->drift_index->len, ==, r->drift_before->len);
  g_assert_cmpfloat (g_array_index (r->epoch_accuracy, double, 1), ==, r->after->accuracy);
  g_assert_true (same_tensors (start, out, "extractor."));
  g_assert_false (same_tensors (start, out, "vit."));
  g_assert_false (same_tensors (start, out, "head."));

  json = g_hash_table_lookup (out->metadata, "finetune");
  g_assert_nonnull (json);
  g_assert_true (json_parser_load_from_data (parser, json, -1, &error));
  g_assert_no_error (error);
  obj = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpint (json_object_get_int_member (obj, "train"), ==, 24);
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (json_object_get_object_member (obj, "after"),
                                                                 "accuracy"), r->after->accuracy, 1e-5);
  g_assert_nonnull (strstr (g_hash_table_lookup (out->metadata, "recipe"), "\"l2sp\""));
  g_assert_nonnull (strstr (g_hash_table_lookup (out->metadata, "recipe"), "\"extractor.\""));
}

/* The head preset changes nothing but the head and the last norm. */
static void
test_finetune_head (void)
{
  g_autoptr(TfModel) start = load_tiny (), out = NULL;
  g_autoptr(TfDataset) train = make_dataset ((const char * const *) start->classes, 3, 16, 0);
  g_autoptr(GError) error = NULL;
  TfFinetuneOptions o;

  tiny_options (&o, TF_FINETUNE_HEAD);
  out = tf_finetune_run (start, train, NULL, NULL, fake_decode, NULL, &o, NULL, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < start->param_info->len; i++)
    {
      const TfParamInfo *p = &g_array_index (start->param_info, TfParamInfo, i);
      gboolean same = memcmp (start->params + p->offset, out->params + p->offset, p->numel * sizeof (float)) == 0;
      if (g_str_has_prefix (p->name, "head.") || g_str_has_prefix (p->name, "vit.norm."))
        continue;
      if (!same)
        g_error ("%s changed under the head preset", p->name);
    }
  g_assert_false (same_tensors (start, out, "head."));
}

/* A class the model lacks grows the head and is learnt. */
static void
test_finetune_new_class (void)
{
  g_autoptr(TfModel) start = load_tiny (), out = NULL;
  g_autoptr(GStrvBuilder) b = g_strv_builder_new ();
  g_auto(GStrv) names = NULL;
  g_autoptr(TfDataset) train = NULL;
  g_autoptr(TfFinetuneReport) r = NULL;
  g_autoptr(GError) error = NULL;
  TfFinetuneOptions o;
  int k = start->config.num_classes;

  g_strv_builder_add (b, start->classes[0]);
  g_strv_builder_add (b, start->classes[1]);
  g_strv_builder_add (b, "pain");
  names = g_strv_builder_end (b);
  train = make_dataset ((const char * const *) names, 3, 18, 0);
  tiny_options (&o, TF_FINETUNE_ALL);
  out = tf_finetune_run (start, train, NULL, NULL, fake_decode, NULL, &o, NULL, NULL, NULL, &r, &error);
  g_assert_no_error (error);
  g_assert_cmpint (out->config.num_classes, ==, k + 1);
  g_assert_cmpstr (out->classes[k], ==, "pain");
  g_assert_cmpstrv (r->new_classes, ((const char *[]) { "pain", NULL }));
  g_assert_cmpuint (r->train_counts[k], ==, 6);
  g_assert_nonnull (strstr (g_hash_table_lookup (out->metadata, "finetune"), "\"new_classes\":[\"pain\"]"));
}

/* L2-SP keeps the weights nearer the start. */
static void
test_finetune_l2sp (void)
{
  g_autoptr(TfModel) start = load_tiny (), free_run = NULL, pulled = NULL;
  g_autoptr(TfDataset) train = make_dataset ((const char * const *) start->classes, 3, 16, 0);
  g_autoptr(GError) error = NULL;
  TfFinetuneOptions o;
  double d_free = 0, d_pulled = 0;

  tiny_options (&o, TF_FINETUNE_ALL);
  o.distill = 0;
  o.l2sp = 0;
  free_run = tf_finetune_run (start, train, NULL, NULL, fake_decode, NULL, &o, NULL, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  o.l2sp = 50;
  pulled = tf_finetune_run (start, train, NULL, NULL, fake_decode, NULL, &o, NULL, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  for (gsize i = 0; i < start->n_params; i++)
    {
      d_free += (free_run->params[i] - start->params[i]) * (double) (free_run->params[i] - start->params[i]);
      d_pulled += (pulled->params[i] - start->params[i]) * (double) (pulled->params[i] - start->params[i]);
    }
  g_test_message ("distance from the start: %.4g free, %.4g with L2-SP", sqrt (d_free), sqrt (d_pulled));
  g_assert_cmpfloat (d_pulled, <, 0.5 * d_free);
}

typedef struct
{
  GCancellable *cancellable;
  guint64       cancel_at;
  guint         phases;
  int           cancel_phase;   /* 0: none; else the phase + 1 to cancel at */
  guint         epochs_told;
} Watch;

static void
on_progress_cb (const TfFitProgress *p,
                gpointer             user_data)
{
  Watch *w = user_data;
  if (p->step == w->cancel_at)
    g_cancellable_cancel (w->cancellable);
}

static void
on_phase_cb (TfFinetunePhase phase,
             gpointer        user_data)
{
  Watch *w = user_data;

  w->phases |= 1u << phase;
  if (w->cancel_phase == (int) phase + 1)
    g_cancellable_cancel (w->cancellable);
}

static void
on_epoch_cb (const TfFitEpoch *e,
             gpointer          user_data)
{
  Watch *w = user_data;

  w->epochs_told++;
  g_assert_cmpuint (e->epoch, ==, w->epochs_told);
  g_assert_cmpint (e->epochs, ==, 3);
}

/* Cancelled in the second epoch: the first epoch's model is offered;
 * cancelled in the first: nothing. */
static void
test_finetune_cancel (void)
{
  g_autoptr(TfModel) start = load_tiny ();
  g_autoptr(TfDataset) train = make_dataset ((const char * const *) start->classes, 3, 16, 0);
  g_autoptr(TfDataset) held = make_dataset ((const char * const *) start->classes, 3, 9, 100);
  TfFinetuneCallbacks cbs = { { NULL, on_progress_cb, NULL }, on_phase_cb };
  TfFinetuneOptions o;

  tiny_options (&o, TF_FINETUNE_RECOMMENDED);
  for (int at = 6; at >= 2; at -= 4)   /* 4 steps an epoch: step 6 is in epoch 2, step 2 in epoch 1 */
    {
      g_autoptr(GCancellable) cancellable = g_cancellable_new ();
      g_autoptr(TfFinetuneReport) r = NULL;
      g_autoptr(GError) error = NULL;
      g_autoptr(TfModel) out = NULL;
      Watch w = { cancellable, (guint64) at, 0, 0, 0 };

      out = tf_finetune_run (start, train, held, NULL, fake_decode, NULL, &o, &cbs, &w, cancellable, &r, &error);
      g_assert_nonnull (r);
      g_assert_true (w.phases & (1u << TF_FINETUNE_PHASE_TRAIN));
      g_assert_false (w.phases & (1u << TF_FINETUNE_PHASE_AFTER));
      if (at == 6)
        {
          g_assert_no_error (error);
          g_assert_nonnull (out);
          g_assert_true (r->cancelled);
          g_assert_cmpint (r->best_epoch, ==, 1);
          g_assert_null (r->after);
        }
      else
        {
          g_assert_null (out);
          g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
        }
    }

  /* cancelled while measuring the trained model: the model, unmeasured */
  {
    g_autoptr(GCancellable) cancellable = g_cancellable_new ();
    g_autoptr(TfFinetuneReport) r = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(TfModel) out = NULL;
    Watch w = { cancellable, 0, 0, TF_FINETUNE_PHASE_AFTER + 1, 0 };

    out = tf_finetune_run (start, train, held, NULL, fake_decode, NULL, &o, &cbs, &w, cancellable, &r, &error);
    g_assert_no_error (error);
    g_assert_nonnull (out);
    g_assert_true (r->cancelled);
    g_assert_null (r->after);
    g_assert_nonnull (r->before);
    g_assert_cmpint (r->best_epoch, ==, 2);
  }
}

/* A labelled image that cannot be read is named; too few faces are said. */
static void
test_finetune_bad_input (void)
{
  g_autoptr(TfModel) start = load_tiny ();
  g_autoptr(TfDataset) train = make_dataset ((const char * const *) start->classes, 3, 8, 0);
  g_autoptr(TfDataset) one = make_dataset ((const char * const *) start->classes, 1, 1, 0);
  g_autoptr(GError) error = NULL;
  TfFinetuneOptions o;

  tiny_options (&o, TF_FINETUNE_HEAD);
  tf_dataset_add (train, "2/77bad", 2);
  g_assert_null (tf_finetune_run (start, train, NULL, NULL, fake_decode, NULL, &o, NULL, NULL, NULL, NULL, &error));
  g_assert_error (error, TF_ERROR, TF_ERROR_INPUT);
  g_assert_nonnull (strstr (error->message, "2/77bad"));
  g_clear_error (&error);

  g_assert_null (tf_finetune_run (start, one, NULL, NULL, fake_decode, NULL, &o, NULL, NULL, NULL, NULL, &error));
  g_assert_error (error, TF_ERROR, TF_ERROR_INPUT);
  g_assert_nonnull (strstr (error->message, "1 labelled face"));
  g_clear_error (&error);

  /* a model whose training would not fit in memory is refused before it starts */
  {
    TfConfig big = start->config;
    g_autoptr(TfModel) huge = NULL;

    big.input_size = 1024;
    huge = tf_model_new (&big, (const char * const *) start->classes);
    g_assert_cmpfloat (tf_finetune_memory_bytes (huge, &o), >, 1e11);
    g_assert_null (tf_finetune_run (huge, train, NULL, NULL, fake_decode, NULL, &o, NULL, NULL, NULL, NULL, &error));
    g_assert_error (error, TF_ERROR, TF_ERROR_INPUT);
    g_assert_nonnull (strstr (error->message, "GB are free"));
    g_test_message ("%s", error->message);
  }
}

/* A backward that stops above frozen layers gives the layers above the
 * very gradients of a whole one, and zeros below. */
static void
test_finetune_backward_extent (void)
{
  g_autoptr(TfModel) m = load_tiny ();
  g_autoptr(TfTrainer) t = tf_trainer_new (m);
  int n = 3, k = m->config.num_classes, s = m->input.size;
  g_autofree float *input = g_new (float, (gsize) n * 3 * s * s);
  g_autofree float *targets = g_new0 (float, (gsize) n * k);
  g_autofree float *full = NULL;
  g_autoptr(GError) error = NULL;
  TfBackwardExtent extents[] = { TF_BACKWARD_ABOVE_STEM, TF_BACKWARD_HEAD };
  double loss;

  for (int i = 0; i < n * 3 * s * s; i++)
    input[i] = (float) cos (i * 0.11);
  for (int i = 0; i < n; i++)
    targets[i * k + i % k] = 1;
  {
    TfTrainOptions opt = { .bn_train = FALSE, .label_smoothing = 0.1f };
    g_assert_true (tf_trainer_step (t, input, targets, n, &opt, &loss, &error));
    g_assert_no_error (error);
    full = g_memdup2 (tf_trainer_get_grads (t), m->n_params * sizeof (float));
  }
  for (guint e = 0; e < G_N_ELEMENTS (extents); e++)
    {
      TfTrainOptions opt = { .bn_train = FALSE, .label_smoothing = 0.1f, .backward = extents[e] };
      const float *g;

      g_assert_true (tf_trainer_step (t, input, targets, n, &opt, &loss, &error));
      g_assert_no_error (error);
      g = tf_trainer_get_grads (t);
      for (guint i = 0; i < m->param_info->len; i++)
        {
          const TfParamInfo *p = &g_array_index (m->param_info, TfParamInfo, i);
          gboolean kept = g_str_has_prefix (p->name, "head.") || g_str_has_prefix (p->name, "vit.norm.") ||
                          (extents[e] == TF_BACKWARD_ABOVE_STEM && !g_str_has_prefix (p->name, "extractor."));
          gboolean any = FALSE;

          if (p->is_buffer)
            continue;
          for (gsize j = p->offset; j < p->offset + p->numel; j++)
            any |= g[j] != 0;
          if (kept)
            g_assert_cmpmem (g + p->offset, p->numel * sizeof (float), full + p->offset, p->numel * sizeof (float));
          else if (any)
            g_error ("%s has gradients below where the backward stops", p->name);
        }
    }
}

/* A run cancelled in its second epoch and resumed from its checkpoint ends
 * where an uninterrupted one does, with the whole history; a finished run
 * leaves no checkpoint behind. */
static void
test_finetune_resume (void)
{
  g_autofree char *dir = g_dir_make_tmp ("tf-finetune-XXXXXX", NULL);
  g_autofree char *ck = g_build_filename (dir, "run.ckpt", NULL), *hist = g_strconcat (ck, ".history", NULL);
  g_autoptr(TfModel) start = load_tiny (), a = NULL, b = NULL, c = NULL;
  g_autoptr(TfDataset) train = make_dataset ((const char * const *) start->classes, 3, 16, 0);
  g_autoptr(TfDataset) held = make_dataset ((const char * const *) start->classes, 3, 9, 100);
  g_autoptr(TfFinetuneReport) ra = NULL, rb = NULL, rc = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  TfFinetuneCallbacks cbs = { { NULL, on_progress_cb, NULL }, on_phase_cb };
  Watch w = { cancellable, 6, 0, 0, 0 };
  TfFinetuneOptions o;

  tiny_options (&o, TF_FINETUNE_RECOMMENDED);
  o.epochs = 3;
  a = tf_finetune_run (start, train, held, NULL, fake_decode, NULL, &o, NULL, NULL, NULL, &ra, &error);
  g_assert_no_error (error);

  o.checkpoint = ck;
  o.resume = TRUE;
  b = tf_finetune_run (start, train, held, NULL, fake_decode, NULL, &o, &cbs, &w, cancellable, &rb, &error);
  g_assert_no_error (error);
  g_assert_true (rb->cancelled);
  g_assert_true (g_file_test (ck, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (hist, G_FILE_TEST_EXISTS));

  {
    TfFinetuneCallbacks told = { { NULL, NULL, on_epoch_cb }, NULL };
    Watch wc = { 0 };
    c = tf_finetune_run (start, train, held, NULL, fake_decode, NULL, &o, &told, &wc, NULL, &rc, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (wc.epochs_told, ==, 3);   /* epoch 1 told again, 2 and 3 as they ran */
  }
  g_assert_cmpmem (a->params, a->n_params * sizeof (float), c->params, c->n_params * sizeof (float));
  g_assert_cmpuint (rc->epoch_loss->len, ==, 3);
  g_assert_cmpmem (ra->epoch_loss->data, 3 * sizeof (double), rc->epoch_loss->data, 3 * sizeof (double));
  g_assert_cmpfloat (ra->after->accuracy, ==, rc->after->accuracy);
  g_assert_false (g_file_test (ck, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (hist, G_FILE_TEST_EXISTS));
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

/* blend 0.5 gives the average of the fine-tuned and the starting weights */
static void
test_finetune_blend (void)
{
  g_autoptr(TfModel) start = load_tiny (), full = NULL, half = NULL;
  g_autoptr(TfDataset) train = make_dataset ((const char * const *) start->classes, 3, 12, 0);
  g_autoptr(GError) error = NULL;
  g_autofree float *mean = g_new (float, start->n_params);
  TfFinetuneOptions o;

  tiny_options (&o, TF_FINETUNE_RECOMMENDED);
  o.blend = 1;
  full = tf_finetune_run (start, train, NULL, NULL, fake_decode, NULL, &o, NULL, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  o.blend = 0.5;
  half = tf_finetune_run (start, train, NULL, NULL, fake_decode, NULL, &o, NULL, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  for (gsize i = 0; i < start->n_params; i++)
    mean[i] = 0.5f * full->params[i] + 0.5f * start->params[i];
  tf_assert_close (half->params, mean, start->n_params, 1e-6, "blend 0.5");
  g_assert_cmpstr (g_hash_table_lookup (half->metadata, "finetune.blend"), ==, "0.5");
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  tf_set_threads (2);
  g_test_add_func ("/finetune/split", test_finetune_split);
  g_test_add_func ("/finetune/dup", test_finetune_dup);
  g_test_add_func ("/finetune/run", test_finetune_run);
  g_test_add_func ("/finetune/head", test_finetune_head);
  g_test_add_func ("/finetune/backward-extent", test_finetune_backward_extent);
  g_test_add_func ("/finetune/new-class", test_finetune_new_class);
  g_test_add_func ("/finetune/l2sp", test_finetune_l2sp);
  g_test_add_func ("/finetune/blend", test_finetune_blend);
  g_test_add_func ("/finetune/cancel", test_finetune_cancel);
  g_test_add_func ("/finetune/resume", test_finetune_resume);
  g_test_add_func ("/finetune/bad-input", test_finetune_bad_input);
  return g_test_run ();
}
