/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The training loop: set-up (optimiser, schedule, resume), the epochs, and
 * the provenance written into the model at the end. */
#include <math.h>

#include "tf-augment.h"
#include "tf-checkpoint.h"
#include "tf-error.h"
#include "tf-eval.h"
#include "tf-atomic-file.h"
#include "tf-fit.h"
#include "tf-json.h"
#include "tf-ops.h"
#include "tf-train.h"

/* A run in progress: what tf_fit_run sets up and the epochs use. */
typedef struct
{
  const TfFitRecipe    *recipe;
  const TfFitCallbacks *callbacks;
  gpointer              user_data;
  GCancellable         *cancellable;
  TfFitResult          *result;

  TfModel              *model;
  TfDataset            *train, *valid;
  TfDecodeFunc          decode;
  gpointer              decode_data;

  guint                 n;                 /* training images */
  int                   steps_per_epoch;
  TfParamGroups        *groups;
  TfOptimizer          *optimizer;
  TfCheckpointState     state;
  TfTrainer            *trainer;
  TfLoader             *loader;
  TfSampler            *sampler;
  guint                *order;             /* [epoch length] */
  float                *in;                /* [batch][3][S][S] */
  float                *tg;                /* [batch][K] */
  float                *anchor;            /* [n_params] the starting weights, for L2-SP; NULL: off */
} Fit;

static void
fit_clear (Fit *f)
{
  g_clear_pointer (&f->loader, tf_loader_free);
  g_clear_pointer (&f->sampler, tf_sampler_free);
  g_clear_pointer (&f->trainer, tf_trainer_free);
  g_clear_pointer (&f->optimizer, tf_optimizer_free);
  g_clear_pointer (&f->groups, tf_param_groups_unref);
  tf_checkpoint_state_clear (&f->state);
  g_clear_pointer (&f->order, g_free);
  g_clear_pointer (&f->in, g_free);
  g_clear_pointer (&f->tg, g_free);
  g_clear_pointer (&f->anchor, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Fit, fit_clear)

void
tf_fit_recipe_init (TfFitRecipe *recipe)
{
  g_return_if_fail (recipe != NULL);

  *recipe = (TfFitRecipe) {
    .optim = TF_OPTIM_ADAMW,
    .lr = 0,
    .weight_decay = -1,
    .momentum = TF_OPTIM_DEFAULT_SGD_MOMENTUM,
    .schedule = TF_SCHEDULE_COSINE,
    .epochs = TF_FIT_DEFAULT_EPOCHS,
    .batch = TF_FIT_DEFAULT_BATCH,
    .label_smoothing = TF_FIT_DEFAULT_LABEL_SMOOTHING,
    .augment = TRUE,
    .drop = TRUE,
    .checkpoint_every = TF_FIT_DEFAULT_CHECKPOINT_EVERY,
    .trained_with = TF_FIT_DEFAULT_TRAINED_WITH,
  };
}

gboolean
tf_fit_recipe_validate (const TfFitRecipe *r,
                        GError           **error)
{
  const char *bad = NULL;

  g_return_val_if_fail (r != NULL, FALSE);

  if (r->epochs < 1 || r->epochs > TF_FIT_MAX_EPOCHS)
    bad = "epochs must lie in 1.." G_STRINGIFY (TF_FIT_MAX_EPOCHS);
  else if (r->batch < 2 || r->batch > TF_FIT_MAX_BATCH)
    bad = "batch must lie in 2.." G_STRINGIFY (TF_FIT_MAX_BATCH);
  else if (r->checkpoint_every < 1)
    bad = "checkpoint_every must be at least 1";
  else if (r->resume && r->checkpoint == NULL)
    bad = "resume needs a checkpoint file";
  else if (!(r->label_smoothing >= 0 && r->label_smoothing < 1))
    bad = "label_smoothing must lie in [0, 1)";
  else if (r->threads < 0 || r->threads > 256)
    bad = "threads must lie in 0..256";
  else if (!(r->l2sp >= 0 && r->l2sp <= 1e3))
    bad = "l2sp must lie in [0, 1000]";
  if (bad)
    {
      g_set_error_literal (error, TF_ERROR, TF_ERROR_INPUT, bad);
      return FALSE;
    }
  return TRUE;
}

/* ---- set-up ------------------------------------------------------------------ */

/* The recipe as run, defaults resolved, recorded in the model file so that
 * it can be reproduced. */
static char *
recipe_json (const TfFitRecipe   *r,
             const TfOptimConfig *oc,
             const TfSchedule    *sched)
{
  g_autoptr(GString) s = g_string_new ("{\"command\":");

  if (r->command)
    tf_json_string (s, r->command);
  else
    g_string_append (s, "null");
  g_string_append (s, ",\"dataset\":");
  tf_json_string (s, r->dataset_kind ? r->dataset_kind : "custom");
  g_string_append_printf (s, ",\"epochs\":%d,\"batch\":%d,\"optimizer\":", r->epochs, r->batch);
  tf_json_string (s, tf_optim_kind_name (oc->kind));
  g_string_append (s, ",\"schedule\":");
  tf_json_string (s, tf_schedule_kind_name (sched->kind));
  g_string_append_printf (s, ",\"lr\":%g,\"weight_decay\":%g,\"label_smoothing\":%g,\"seed\":%" G_GINT64_FORMAT
                          ",\"balanced\":%s,\"soft\":%s,\"augment\":%s,\"mad_msad\":%s,\"frozen_bn\":%s",
                          sched->base_lr, oc->weight_decay, r->label_smoothing, (gint64) r->seed,
                          r->balanced ? "true" : "false", r->soft ? "true" : "false", r->augment ? "true" : "false",
                          r->drop ? "true" : "false", r->frozen_bn ? "true" : "false");
  if (r->l2sp > 0)
    g_string_append_printf (s, ",\"l2sp\":%g", r->l2sp);
  if (r->freeze && r->freeze[0])
    {
      g_string_append (s, ",\"freeze\":[");
      for (int i = 0; r->freeze[i]; i++)
        {
          if (i)
            g_string_append_c (s, ',');
          tf_json_string (s, r->freeze[i]);
        }
      g_string_append_c (s, ']');
    }
  g_string_append_c (s, '}');
  return g_string_free (g_steal_pointer (&s), FALSE);
}

/* The optimiser over the trained groups and the schedule over the whole
 * run, from the recipe; the run's drop generator seeded. */
static gboolean
fit_setup_optimizer (Fit            *f,
                     TfOptimConfig  *oc,
                     GError        **error)
{
  const TfFitRecipe *r = f->recipe;
  TfSchedule *sched = &f->state.schedule;

  tf_optim_config_init (oc, r->optim);
  if (r->weight_decay >= 0)
    oc->weight_decay = r->weight_decay;
  if (oc->kind == TF_OPTIM_SGD)
    oc->momentum = r->momentum;
  if (!tf_optim_config_validate (oc, error) ||
      !(f->groups = tf_param_groups_new (f->model, r->freeze, error)))
    return FALSE;
  f->optimizer = tf_optimizer_new (oc, f->groups);

  *sched = (TfSchedule) {
    .kind = r->schedule,
    .base_lr = r->lr > 0 ? r->lr : oc->kind == TF_OPTIM_SGD ? TF_FIT_DEFAULT_LR_SGD : TF_FIT_DEFAULT_LR_ADAMW,
    .warmup_steps = (guint64) r->warmup_epochs * f->steps_per_epoch,
    .total_steps = (guint64) r->epochs * f->steps_per_epoch,
    .min_lr = r->min_lr,
    .gamma = 0.1,
  };
  if (sched->kind == TF_SCHEDULE_PIECEWISE)
    {
      /* the released config's steps: a tenth at 50% and 75% of the run */
      sched->n_milestones = 2;
      sched->milestones[0] = sched->total_steps / 2;
      sched->milestones[1] = sched->total_steps * 3 / 4;
    }
  if (sched->total_steps <= sched->warmup_steps)
    sched->warmup_steps = 0;
  tf_rng_seed (&f->state.rng, tf_seed_mix (r->seed, 0x6d6173u));
  return tf_schedule_validate (sched, error);
}

/* Replaces the fresh optimiser and state by the checkpoint's, and the
 * model's parameters by its. */
static gboolean
fit_resume (Fit     *f,
            GError **error)
{
  TfOptimizer *resumed = NULL;

  tf_checkpoint_state_clear (&f->state);
  if (!tf_checkpoint_load (f->recipe->checkpoint, &f->model, &resumed, &f->state, error))
    return FALSE;
  tf_optimizer_free (f->optimizer);
  f->optimizer = resumed;
  tf_optimizer_set_groups (f->optimizer, f->groups);
  f->result->resumed = TRUE;
  return TRUE;
}

/* ---- the epochs ---------------------------------------------------------------- */

static gboolean
fit_checkpoint (Fit                     *f,
                const TfCheckpointState *state,
                GError                 **error)
{
  return tf_checkpoint_save (f->recipe->checkpoint, f->model, f->optimizer, state, error);
}

/* How far back the gradients are needed: not into layers all of whose
 * tensors are frozen, when nothing below them trains. */
static TfBackwardExtent
fit_backward_extent (const TfParamGroups *groups)
{
  gboolean stem_trains = FALSE, body_trains = FALSE;

  for (guint i = 0; i < groups->n_runs; i++)
    {
      const TfParamRun *run = &groups->runs[i];
      if (run->frozen)
        continue;
      if (g_str_has_prefix (run->name, "extractor."))
        stem_trains = TRUE;
      else if (!g_str_has_prefix (run->name, "head.") && !g_str_has_prefix (run->name, "vit.norm."))
        body_trains = TRUE;
    }
  return stem_trains ? TF_BACKWARD_ALL : body_trains ? TF_BACKWARD_ABOVE_STEM : TF_BACKWARD_HEAD;
}

/* L2-SP (Li et al., 2018): the gradient of alpha/2 |w - w0|^2 over the
 * trained tensors pulls the weights toward those the run started from,
 * rather than toward zero as weight decay does. */
static void
fit_add_l2sp (Fit   *f,
              float *grads)
{
  const float alpha = (float) f->recipe->l2sp;
  const float *w = f->model->params;

  for (guint i = 0; i < f->groups->n_runs; i++)
    {
      const TfParamRun *run = &f->groups->runs[i];
      if (run->frozen)
        continue;
      for (gsize j = run->offset; j < run->offset + run->numel; j++)
        grads[j] += alpha * (w[j] - f->anchor[j]);
    }
}

/* One epoch from state.position_in_epoch on. FALSE on error; *@stop when
 * max_steps was reached; *@mean the epoch's mean loss (NaN: no step). */
static gboolean
fit_epoch (Fit      *f,
           gboolean *stop,
           double   *mean,
           GError  **error)
{
  const TfFitRecipe *r = f->recipe;
  TfCheckpointState *st = &f->state;
  guint first_batch = (guint) (st->position_in_epoch / r->batch);
  double loss_sum = 0, start = g_get_monotonic_time () / 1e6;
  int seen = 0, got;
  guint batch_index = first_batch;
  g_autoptr(GError) local = NULL;

  *stop = FALSE;
  tf_sampler_epoch_order (f->sampler, (guint) st->epoch, f->order);
  tf_loader_start_epoch_at (f->loader, f->order, tf_sampler_get_epoch_length (f->sampler),
                            tf_seed_mix (r->seed, st->epoch), first_batch);

  while (!g_cancellable_set_error_if_cancelled (f->cancellable, &local) &&
         tf_loader_next (f->loader, f->in, f->tg, NULL, &got, &local) && got > 0)
    {
      TfTrainOptions opt = { .bn_train = !r->frozen_bn, .bn_momentum = 0.1f, .drop = r->drop,
                             .rng = &st->rng, .label_smoothing = (float) r->label_smoothing,
                             .backward = fit_backward_extent (f->groups) };
      double loss, lr, norm, now, rate;
      guint64 left;

      batch_index++;
      if (got < 2 && opt.bn_train)
        continue;   /* one face left by failed images: no batch statistics */
      if (!tf_trainer_step (f->trainer, f->in, f->tg, got, &opt, &loss, error))
        return FALSE;
      if (f->anchor)
        fit_add_l2sp (f, tf_trainer_get_grads (f->trainer));
      norm = tf_clip_grad_norm (tf_trainer_get_grads (f->trainer), f->groups, r->clip);
      lr = tf_schedule_lr (&st->schedule, st->step);
      if (!isfinite (loss) || !isfinite (norm))
        {
          f->result->diverged = TRUE;
          g_set_error (error, TF_ERROR, TF_ERROR_INPUT, "the loss diverged at step %" G_GUINT64_FORMAT " (loss %g)",
                       st->step, loss);
          return FALSE;
        }
      tf_optimizer_step (f->optimizer, f->model->params, tf_trainer_get_grads (f->trainer), lr);
      st->step++;
      st->position_in_epoch = (guint64) batch_index * r->batch;
      loss_sum += loss * got;
      seen += got;
      f->result->steps = st->step;
      f->result->final_loss = loss;

      now = g_get_monotonic_time () / 1e6;
      rate = seen / MAX (now - start, 1e-9);
      left = (guint64) (r->epochs - st->epoch - 1) * f->n + (f->n - MIN (f->n, batch_index * (guint) r->batch));
      if (f->callbacks && f->callbacks->progress)
        {
          TfFitProgress p = {
            .step = st->step, .epoch = st->epoch + 1, .epochs = r->epochs, .batch = batch_index,
            .steps_per_epoch = f->steps_per_epoch, .loss = loss, .epoch_loss = loss_sum / seen, .lr = lr,
            .images_per_s = rate, .eta_s = left / MAX (rate, 1e-9), .epoch_seconds = now - start,
          };
          f->callbacks->progress (&p, f->user_data);
        }
      if (r->checkpoint && (st->step % (guint64) r->checkpoint_every == 0 ||
                            (r->max_steps && st->step >= (guint64) r->max_steps)))
        if (!fit_checkpoint (f, st, error))
          return FALSE;
      if (r->max_steps && st->step >= (guint64) r->max_steps)
        {
          *stop = TRUE;
          return TRUE;
        }
    }
  if (local)
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  /* an epoch that trained on nothing would save an untrained model as if
   * it had learnt */
  if (seen == 0 && first_batch == 0)
    {
      guint failed = tf_loader_get_n_failed (f->loader);
      g_set_error (error, TF_ERROR, TF_ERROR_INPUT,
                   "nothing to train on: %u of the %u images could be read%s", f->n - MIN (failed, f->n), f->n,
                   f->n - MIN (failed, f->n) < 2 && !r->frozen_bn ? " (a step needs at least 2)" : "");
      return FALSE;
    }
  *mean = seen ? loss_sum / seen : NAN;
  return TRUE;
}

/* ---- provenance ------------------------------------------------------------------ */

/* How the model was made; what it held before moves under base_* (the
 * lineage of one step). */
static void
fit_set_provenance (Fit        *f,
                    const char *recipe,
                    double      valid_acc)
{
  const char *keys[] = { "trained_with", "recipe", "epochs", "dataset", "valid_accuracy" };
  const TfFitRecipe *r = f->recipe;
  GHashTable *md = f->model->metadata;

  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      const char *old = g_hash_table_lookup (md, keys[i]);
      if (old)
        g_hash_table_insert (md, g_strconcat ("base_", keys[i], NULL), g_strdup (old));
    }
  g_hash_table_insert (md, g_strdup ("trained_with"),
                       g_strdup (r->trained_with ? r->trained_with : TF_FIT_DEFAULT_TRAINED_WITH));
  g_hash_table_insert (md, g_strdup ("recipe"), g_strdup (recipe));
  g_hash_table_insert (md, g_strdup ("epochs"), g_strdup_printf ("%d", r->epochs));
  g_hash_table_insert (md, g_strdup ("dataset"),
                       g_strdup (r->dataset_name ? r->dataset_name : r->dataset_kind ? r->dataset_kind : "custom"));
  if (valid_acc >= 0)
    g_hash_table_insert (md, g_strdup ("valid_accuracy"), g_strdup_printf ("%.4f", valid_acc));
  g_hash_table_remove (md, "checkpoint");

  /* a temperature was fitted to the starting weights, not to these: it moves
   * to the lineage with its figures, and the new model is uncalibrated until
   * transfer-cli calibrate measures it */
  {
    g_autoptr(GPtrArray) calibration = g_ptr_array_new_with_free_func (g_free);
    GHashTableIter iter;
    gpointer key;

    g_hash_table_iter_init (&iter, md);
    while (g_hash_table_iter_next (&iter, &key, NULL))
      if (g_str_has_prefix (key, "calibration."))
        g_ptr_array_add (calibration, g_strdup (key));
    for (guint i = 0; i < calibration->len; i++)
      {
        const char *k = calibration->pdata[i];
        g_hash_table_insert (md, g_strconcat ("base_", k, NULL), g_strdup (g_hash_table_lookup (md, k)));
        g_hash_table_remove (md, k);
      }
    tf_model_set_temperature (f->model, 1.0);
  }
}

/* ---- the run ---------------------------------------------------------------------- */

static gboolean
fit_run (Fit     *f,
         GError **error)
{
  const TfFitRecipe *r = f->recipe;
  TfModel *model = f->model;
  TfOptimConfig oc;
  TfAugment aug;
  g_autofree char *recipe = NULL;
  double valid_acc = -1;
  int k, s;

  if (!tf_fit_recipe_validate (r, error))
    return FALSE;
  if (!tf_dataset_set_classes (f->train, (const char * const *) model->classes, error) ||
      (f->valid && !tf_dataset_set_classes (f->valid, (const char * const *) model->classes, error)))
    return FALSE;

  k = model->config.num_classes;
  s = model->input.size;
  f->n = tf_dataset_get_n_items (f->train);
  f->steps_per_epoch = (int) ((f->n + r->batch - 1) / r->batch);
  if (f->n == 0)
    {
      g_set_error_literal (error, TF_ERROR, TF_ERROR_INPUT, "the dataset holds no images");
      return FALSE;
    }
  /* a checkpoint that cannot be written is found now, not after an hour */
  if (r->checkpoint && !tf_atomic_file_check_writable (r->checkpoint, error))
    return FALSE;
  if (!fit_setup_optimizer (f, &oc, error))
    return FALSE;
  recipe = recipe_json (r, &oc, &f->state.schedule);
  if (r->l2sp > 0)
    f->anchor = g_memdup2 (model->params, model->n_params * sizeof (float));
  if (r->resume && g_file_test (r->checkpoint, G_FILE_TEST_EXISTS) && !fit_resume (f, error))
    return FALSE;
  f->result->steps = f->state.step;

  f->trainer = tf_trainer_new (model);
  tf_augment_init_default (&aug);
  f->loader = tf_loader_new (f->train, &model->input, r->augment ? &aug : NULL, f->decode, f->decode_data,
                             r->batch, 1);
  f->sampler = tf_sampler_new (f->train, r->balanced ? TF_SAMPLE_BALANCED : TF_SAMPLE_SHUFFLE, r->seed);
  f->order = g_new (guint, tf_sampler_get_epoch_length (f->sampler));
  f->in = g_new (float, (gsize) r->batch * 3 * s * s);
  f->tg = g_new (float, (gsize) r->batch * k);

  if (f->callbacks && f->callbacks->start)
    {
      TfFitStart start = {
        .n_images = f->n, .n_classes = k, .steps_per_epoch = f->steps_per_epoch,
        .n_params = tf_config_n_params (&model->config), .n_trainable = f->groups->n_trainable,
        .resumed = f->result->resumed, .resumed_epoch = f->state.epoch + 1, .resumed_step = f->state.step,
      };
      f->callbacks->start (&start, f->user_data);
    }

  for (; f->state.epoch < (guint64) r->epochs; f->state.epoch++, f->state.position_in_epoch = 0)
    {
      gboolean stop;
      double mean = NAN;

      if (!fit_epoch (f, &stop, &mean, error))
        return FALSE;
      if (stop)
        {
          f->result->stopped = TRUE;
          return TRUE;
        }
      if (f->valid)
        {
          g_autoptr(TfEvalResult) res = NULL;
          if (!(res = tf_eval_run (model, f->valid, TF_EVAL_DEFAULT_BATCH, r->valid_flip, f->decode,
                                   f->decode_data, f->cancellable, error)))
            return FALSE;
          valid_acc = res->accuracy;
          f->result->valid_accuracy = valid_acc;
        }
      f->result->epochs_done = f->state.epoch + 1;
      if (f->callbacks && f->callbacks->epoch)
        {
          TfFitEpoch e = { .epoch = f->state.epoch + 1, .epochs = r->epochs, .train_loss = mean,
                           .valid_accuracy = valid_acc };
          f->callbacks->epoch (&e, f->user_data);
        }
      if (r->checkpoint)
        {
          TfCheckpointState next = f->state;
          next.epoch++;
          next.position_in_epoch = 0;
          if (!fit_checkpoint (f, &next, error))
            return FALSE;
        }
    }

  fit_set_provenance (f, recipe, valid_acc);
  return TRUE;
}

gboolean
tf_fit_run (TfModel              *model,
            TfDataset            *train,
            TfDataset            *valid,
            TfDecodeFunc          decode,
            gpointer              decode_data,
            const TfFitRecipe    *recipe,
            const TfFitCallbacks *callbacks,
            gpointer              user_data,
            GCancellable         *cancellable,
            TfFitResult          *result,
            GError              **error)
{
  TfFitResult scratch;
  g_auto(Fit) f = {
    .recipe = recipe, .callbacks = callbacks, .user_data = user_data, .cancellable = cancellable,
    .result = result ? result : &scratch,
    .model = model, .train = train, .valid = valid, .decode = decode, .decode_data = decode_data,
  };
  int saved_threads = tf_get_threads ();
  gboolean ok;

  g_return_val_if_fail (model != NULL && train != NULL && decode != NULL && recipe != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  *f.result = (TfFitResult) { .final_loss = NAN, .valid_accuracy = -1 };
  if (recipe->threads > 0)
    tf_set_threads (recipe->threads);
  ok = fit_run (&f, error);
  fit_clear (&f);   /* the engines go before the thread count they were made with */
  if (recipe->threads > 0)
    tf_set_threads (saved_threads);
  return ok;
}
