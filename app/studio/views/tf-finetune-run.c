/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The Fine-tune page's threads: the run (the project read on a read-only
 * connection of its own, then tf_finetune_run), saving the new model, and
 * predicting the lent project's faces with it. What a thread reports is
 * copied and handed to the main loop; a job outlives its view (the window
 * closed), which then only cancels it. */
#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "tf-datafiles.h"
#include "tf-finetune-view-private.h"

/* the progress of a training step reaches the page at most this often */
#define PROGRESS_INTERVAL_US (100 * 1000)
/* the phase before the library's: reading the labelled faces */
#define PHASE_READING        (-1)

typedef enum
{
  JOB_RUN,
  JOB_SAVE,
  JOB_REPREDICT,
} JobKind;

struct _TfFinetuneJob
{
  JobKind              kind;
  GWeakRef             view;
  GCancellable        *cancellable;
  GError              *error;

  /* a run */
  char                *project_path;
  char                *model_path;
  char                *checkpoint;
  char                *shipped_path;   /* the shipped model, when model_path is "" */
  char                *dataset_name;
  TfFinetuneOptions    options;
  double               holdout;
  TfFinetuneData      *data;
  TfFinetuneReport    *report;
  gint64               last_progress;   /* in the thread */

  /* the model made (a run), or saved and predicted with (the view's, until
   * the view goes: then the job's) */
  TfModel             *model;
  gboolean             owns_model;

  /* saving */
  char                *path;
  gboolean             use;
  TfFinetuneViewState  back_to;

  /* new predictions, in the project the window lent */
  TfProject           *project;
  char                *model_file;
  gint64               run;
};

static void
job_clear (gpointer data)
{
  TfFinetuneJob *job = data;

  g_weak_ref_clear (&job->view);
  g_clear_object (&job->cancellable);
  g_clear_error (&job->error);
  g_free (job->project_path);
  g_free (job->model_path);
  g_free (job->checkpoint);
  g_free (job->shipped_path);
  g_free (job->dataset_name);
  g_clear_pointer (&job->data, tf_finetune_data_free);
  g_clear_pointer (&job->report, tf_finetune_report_free);
  if (job->owns_model)
    g_clear_pointer (&job->model, tf_model_free);
  g_free (job->path);
  g_free (job->model_file);
}

static TfFinetuneJob *
job_new (TfFinetuneView *self,
         JobKind         kind)
{
  TfFinetuneJob *job = g_atomic_rc_box_new0 (TfFinetuneJob);

  job->kind = kind;
  g_weak_ref_init (&job->view, self);
  job->cancellable = g_cancellable_new ();
  return job;
}

static TfFinetuneJob *
job_ref (TfFinetuneJob *job)
{
  return g_atomic_rc_box_acquire (job);
}

static void
job_unref (TfFinetuneJob *job)
{
  g_atomic_rc_box_release_full (job, job_clear);
}

static void
start_pulse (TfFinetuneView *self,
             GtkProgressBar *bar);

static gboolean
pulse_cb (gpointer data)
{
  TfFinetuneView *self = data;

  gtk_progress_bar_pulse (self->pulsing);
  return G_SOURCE_CONTINUE;
}

static void
start_pulse (TfFinetuneView *self,
             GtkProgressBar *bar)
{
  self->pulsing = bar;
  if (self->pulse_timeout == 0)
    self->pulse_timeout = g_timeout_add (100, pulse_cb, self);
}

static void
stop_pulse (TfFinetuneView *self)
{
  g_clear_handle_id (&self->pulse_timeout, g_source_remove);
}

/* The view's job is done: it no longer holds it. */
static void
finish_job (TfFinetuneView *self)
{
  stop_pulse (self);
  g_clear_pointer (&self->job, job_unref);
}

void
_tf_finetune_job_cancel (TfFinetuneView *self)
{
  if (self->job == NULL)
    return;
  g_cancellable_cancel (self->job->cancellable);
  if (self->job->kind == JOB_RUN)
    {
      gtk_label_set_label (self->phase_label, _("Cancelling…"));
      gtk_widget_set_sensitive (GTK_WIDGET (self->cancel_button), FALSE);
    }
  else
    {
      gtk_label_set_label (self->apply_label, _("Cancelling…"));
      gtk_widget_set_sensitive (GTK_WIDGET (self->apply_cancel_button), FALSE);
    }
}

void
_tf_finetune_job_detach (TfFinetuneView *self)
{
  TfFinetuneJob *job = self->job;

  if (job == NULL)
    return;
  g_cancellable_cancel (job->cancellable);
  /* the thread reads the model still: it goes with the job */
  if (job->model && job->model == self->model)
    {
      job->owns_model = TRUE;
      self->model = NULL;
    }
  finish_job (self);
}

/* ---- news from a thread, on the main loop ------------------------------------------ */

typedef enum
{
  UPDATE_PHASE,
  UPDATE_START,
  UPDATE_PROGRESS,
  UPDATE_EPOCH,
  UPDATE_COUNT,
} UpdateKind;

typedef struct
{
  TfFinetuneJob *job;
  UpdateKind     kind;
  int            phase;
  TfFitStart     start;
  TfFitProgress  progress;
  TfFitEpoch     epoch;
  guint          done, total;
} Update;

static void
update_free (gpointer data)
{
  Update *u = data;

  job_unref (u->job);
  g_free (u);
}

static const char *
phase_title (int phase)
{
  switch (phase)
    {
    case PHASE_READING:
      return _("Reading the Labelled Faces");
    case TF_FINETUNE_PHASE_BEFORE:
      return _("Measuring the Model Before");
    case TF_FINETUNE_PHASE_TEACHER:
      return _("Noting What the Model Knows");
    case TF_FINETUNE_PHASE_TRAIN:
      return _("Training");
    case TF_FINETUNE_PHASE_AFTER:
      return _("Measuring the New Model");
    case TF_FINETUNE_PHASE_DRIFT:
      return _("Comparing on the Unlabelled Faces");
    }
  return "";
}

static void
show_phase (TfFinetuneView *self,
            int             phase)
{
  if (g_cancellable_is_cancelled (self->job->cancellable))
    return;
  gtk_label_set_label (self->phase_label, phase_title (phase));
  if (phase == TF_FINETUNE_PHASE_TRAIN)
    stop_pulse (self);
  else
    {
      if (phase != PHASE_READING)
        gtk_label_set_label (self->eta_label, "");
      start_pulse (self, self->run_progress);
    }
}

static void
show_progress (TfFinetuneView      *self,
               const TfFitProgress *p)
{
  double done = (p->epoch - 1) * (double) p->steps_per_epoch + p->batch;
  double total = (double) MAX (p->epochs, 1) * MAX (p->steps_per_epoch, 1);
  g_autofree char *detail = NULL, *eta = NULL, *left = NULL;

  stop_pulse (self);
  gtk_progress_bar_set_fraction (self->run_progress, CLAMP (done / total, 0, 1));
  /* TRANSLATORS: the training's progress; the last figure is the loss of the step */
  detail = g_strdup_printf (_("Epoch %d of %d · step %u of %d · loss %.3f"), (int) p->epoch, p->epochs, p->batch,
                            p->steps_per_epoch, p->loss);
  gtk_label_set_label (self->run_detail, detail);
  if (isfinite (p->eta_s) && p->eta_s >= 0)
    {
      left = _tf_finetune_format_duration (p->eta_s);
      /* TRANSLATORS: %s is a duration, "about 3 minutes" */
      eta = g_strdup_printf (_("Training ends in %s"), left);
      gtk_label_set_label (self->eta_label, eta);
    }
  if (isfinite (p->loss) && p->steps_per_epoch > 0)
    tf_plot_append (self->run_plot, 0, (p->epoch - 1) + (double) p->batch / p->steps_per_epoch, p->loss);
}

static void
show_epoch (TfFinetuneView   *self,
            const TfFitEpoch *e)
{
  g_autofree char *detail = NULL, *acc = NULL;

  if (e->valid_accuracy >= 0)
    {
      tf_plot_append (self->run_plot, 1, (double) e->epoch, e->valid_accuracy);
      if (self->best_epoch == 0 || e->valid_accuracy > self->best_accuracy)
        {
          self->best_epoch = (int) e->epoch;
          self->best_accuracy = e->valid_accuracy;
          tf_plot_set_marker (self->run_plot, (double) e->epoch, _("Best so far"));
        }
      acc = _tf_finetune_format_percent (e->valid_accuracy);
      /* TRANSLATORS: after an epoch: its number, the planned epochs, the held-out accuracy, the mean loss */
      detail = g_strdup_printf (_("Epoch %d of %d done: held-out accuracy %s, mean loss %.3f"), (int) e->epoch,
                                e->epochs, acc, e->train_loss);
    }
  else
    detail = g_strdup_printf (_("Epoch %d of %d done: mean loss %.3f"), (int) e->epoch, e->epochs, e->train_loss);
  gtk_label_set_label (self->run_detail, detail);
}

static void
show_count (TfFinetuneView *self,
            guint           done,
            guint           total)
{
  g_autofree char *d = tf_format_count (done), *t = tf_format_count (total), *text = NULL;

  if (g_cancellable_is_cancelled (self->job->cancellable) || total == 0)
    return;
  stop_pulse (self);
  gtk_progress_bar_set_fraction (self->apply_progress, CLAMP ((double) done / total, 0, 1));
  /* TRANSLATORS: faces done and all of them */
  text = g_strdup_printf (_("Predicting the project’s faces with the new model: %s of %s"), d, t);
  gtk_label_set_label (self->apply_label, text);
}

static gboolean
deliver_cb (gpointer data)
{
  Update *u = data;
  g_autoptr(TfFinetuneView) self = g_weak_ref_get (&u->job->view);

  if (self == NULL || self->job != u->job)
    return G_SOURCE_REMOVE;
  switch (u->kind)
    {
    case UPDATE_PHASE:
      show_phase (self, u->phase);
      break;
    case UPDATE_START:
      if (u->start.resumed)
        {
          /* TRANSLATORS: a run resumed from its checkpoint */
          g_autofree char *text = g_strdup_printf (_("Resumed at epoch %d"), (int) u->start.resumed_epoch);
          gtk_label_set_label (self->run_detail, text);
        }
      break;
    case UPDATE_PROGRESS:
      show_progress (self, &u->progress);
      break;
    case UPDATE_EPOCH:
      show_epoch (self, &u->epoch);
      break;
    case UPDATE_COUNT:
      show_count (self, u->done, u->total);
      break;
    }
  return G_SOURCE_REMOVE;
}

static void
post (TfFinetuneJob *job,
      Update        *u)
{
  u->job = job_ref (job);
  g_main_context_invoke_full (NULL, G_PRIORITY_DEFAULT, deliver_cb, u, update_free);
}

/* ---- the callbacks, in the training thread -------------------------------------- */

static void
on_phase_cb (TfFinetunePhase phase,
             gpointer        user_data)
{
  Update *u = g_new0 (Update, 1);

  u->kind = UPDATE_PHASE;
  u->phase = phase;
  post (user_data, u);
}

static void
on_fit_start_cb (const TfFitStart *start,
                 gpointer          user_data)
{
  Update *u = g_new0 (Update, 1);

  u->kind = UPDATE_START;
  u->start = *start;
  post (user_data, u);
}

static void
on_fit_progress_cb (const TfFitProgress *progress,
                    gpointer             user_data)
{
  TfFinetuneJob *job = user_data;
  gint64 now = g_get_monotonic_time ();
  Update *u;

  /* fast steps: a few a second reach the page, and every epoch's last */
  if (progress->batch < (guint) progress->steps_per_epoch && now - job->last_progress < PROGRESS_INTERVAL_US)
    return;
  job->last_progress = now;
  u = g_new0 (Update, 1);
  u->kind = UPDATE_PROGRESS;
  u->progress = *progress;
  post (job, u);
}

static void
on_fit_epoch_cb (const TfFitEpoch *epoch,
                 gpointer          user_data)
{
  Update *u = g_new0 (Update, 1);

  u->kind = UPDATE_EPOCH;
  u->epoch = *epoch;
  post (user_data, u);
}

static void
on_predicted_cb (guint    done,
                 guint    total,
                 gpointer user_data)
{
  TfFinetuneJob *job = user_data;
  gint64 now = g_get_monotonic_time ();
  Update *u;

  if (done < total && now - job->last_progress < PROGRESS_INTERVAL_US)
    return;
  job->last_progress = now;
  u = g_new0 (Update, 1);
  u->kind = UPDATE_COUNT;
  u->done = done;
  u->total = total;
  post (job, u);
}

/* ---- the run ------------------------------------------------------------------------- */

static void
run_thread (GTask        *task,
            gpointer      source_object,
            gpointer      task_data,
            GCancellable *cancellable)
{
  TfFinetuneJob *job = task_data;
  const TfFinetuneCallbacks callbacks = {
    .fit = { on_fit_start_cb, on_fit_progress_cb, on_fit_epoch_cb },
    .phase = on_phase_cb,
  };
  g_autoptr(TfProject) project = NULL;
  g_autoptr(TfModel) start = NULL;
  g_autofree char *problem = NULL;
  GError *error = NULL;

  on_phase_cb (PHASE_READING, job);
  if (!(project = tf_project_open (job->project_path, TF_PROJECT_READ_ONLY, &error)))
    goto out;
  job->data = tf_finetune_data_from_project_votes (project, job->holdout, job->options.seed,
                                                   TF_FINETUNE_DATA_UNLABELLED_DEFAULT, job->options.soft_targets,
                                                   &error);
  g_clear_pointer (&project, tf_project_close);
  if (job->data == NULL || g_cancellable_set_error_if_cancelled (cancellable, &error))
    goto out;
  if ((problem = tf_finetune_data_check_named (job->data, NULL, tf_class_display_name)) != NULL)
    {
      error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_INVALID_DATA, problem);
      goto out;
    }
  if (!(start = tf_model_load (job->model_path, &error)))
    goto out;
  job->model = tf_finetune_run (start, job->data->train, job->data->holdout, job->data->unlabelled,
                                tf_finetune_data_decode, job->data, &job->options, &callbacks, job, cancellable,
                                &job->report, &error);
  job->owns_model = job->model != NULL;

out:
  if (error)
    job->error = error;
  g_task_return_boolean (task, job->model != NULL);
}

static void
finish_run (TfFinetuneView *self,
            TfFinetuneJob  *job)
{
  finish_job (self);
  if (job->model)
    {
      GArray *index = job->report ? job->report->drift_index : NULL;
      GArray *ids = job->data ? job->data->unlabelled_ids : NULL;

      self->model = g_steal_pointer (&job->model);
      job->owns_model = FALSE;
      self->report = g_steal_pointer (&job->report);
      g_clear_pointer (&self->drift_faces, g_array_unref);
      self->drift_faces = g_array_new (FALSE, FALSE, sizeof (gint64));
      for (guint i = 0; index && i < index->len; i++)
        {
          guint k = g_array_index (index, guint, i);
          gint64 face = ids && k < ids->len ? g_array_index (ids, gint64, k) : 0;

          g_array_append_val (self->drift_faces, face);
        }
      /* finished: nothing is left to resume (a cancelled one is kept until
       * its best epoch is used or discarded) */
      if (self->report == NULL || !self->report->cancelled)
        _tf_finetune_view_forget_run (self);
      _tf_finetune_view_set_state (self, TF_FINETUNE_VIEW_RESULTS);
      _tf_finetune_results_show (self);
      return;
    }
  _tf_finetune_view_set_state (self, TF_FINETUNE_VIEW_SETUP);
  if (g_error_matches (job->error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    _tf_finetune_view_toast (self, g_file_test (job->checkpoint, G_FILE_TEST_EXISTS)
                                     ? _("Fine-tuning cancelled: it can be resumed from where it stopped")
                                     : _("Fine-tuning cancelled"));
  else
    _tf_finetune_view_show_error (self, _("Fine-tuning Failed"),
                                  job->error ? job->error->message : _("The fine-tune stopped without a model."));
  tf_finetune_view_refresh (self);
}

static void
on_run_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  TfFinetuneJob *job = user_data;
  g_autoptr(TfFinetuneView) self = g_weak_ref_get (&job->view);

  if (self && self->job == job)
    finish_run (self, job);
  job_unref (job);
}

void
_tf_finetune_run_start (TfFinetuneView          *self,
                        const TfFinetuneOptions *options,
                        double                   holdout,
                        const char              *model_file)
{
  g_autoptr(GTask) task = NULL;
  TfFinetuneJob *job = job_new (self, JOB_RUN);
  g_autofree char *name = g_path_get_basename (self->project_path);
  TfFitRecipe recipe;
  double distill, temperature;

  job->project_path = g_strdup (self->project_path);
  job->model_path = g_strdup (model_file);
  job->shipped_path = tf_data_find (TF_DATA_MODEL);
  job->holdout = holdout;
  job->options = *options;
  if (g_str_has_suffix (name, TF_PROJECT_SUFFIX))
    name[strlen (name) - strlen (TF_PROJECT_SUFFIX)] = '\0';
  job->dataset_name = g_strdup_printf ("project %s", name);
  job->checkpoint = tf_finetune_checkpoint_path (self->project_path);
  job->options.checkpoint = job->checkpoint;
  job->options.dataset_name = job->dataset_name;
  job->options.command = "transfer-studio (Fine-tune page)";
  job->options.start_file = job->model_path && *job->model_path ? job->model_path : job->shipped_path;

  tf_finetune_recipe (&job->options, &recipe, &distill, &temperature);
  self->epochs_planned = recipe.epochs;
  self->best_epoch = 0;
  self->best_accuracy = -1;
  _tf_finetune_results_clear (self);
  tf_plot_clear (self->run_plot);
  tf_plot_set_x_range (self->run_plot, 0, MAX (recipe.epochs, 1), TRUE);
  gtk_progress_bar_set_fraction (self->run_progress, 0);
  gtk_label_set_label (self->phase_label, phase_title (PHASE_READING));
  gtk_label_set_label (self->run_detail, "");
  gtk_label_set_label (self->eta_label, "");
  gtk_widget_set_sensitive (GTK_WIDGET (self->cancel_button), TRUE);
  start_pulse (self, self->run_progress);
  self->job = job_ref (job);
  _tf_finetune_view_set_state (self, TF_FINETUNE_VIEW_RUNNING);

  task = g_task_new (NULL, job->cancellable, on_run_done_cb, job);
  g_task_set_source_tag (task, _tf_finetune_run_start);
  /* a cancelled run may still bring its best epoch */
  g_task_set_check_cancellable (task, FALSE);
  g_task_set_task_data (task, job_ref (job), (GDestroyNotify) job_unref);
  g_task_run_in_thread (task, run_thread);
}

/* ---- saving the model ---------------------------------------------------------------- */

static void
save_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  TfFinetuneJob *job = task_data;
  g_autofree char *dir = g_path_get_dirname (job->path);
  GError *error = NULL;

  if (g_mkdir_with_parents (dir, 0755) != 0)
    {
      int saved = errno;
      g_autofree char *name = g_filename_display_name (dir);

      error = g_error_new (G_IO_ERROR, g_io_error_from_errno (saved), _("%s: cannot make the folder: %s"), name,
                           g_strerror (saved));
    }
  else if (!tf_model_save (job->model, job->path, TF_DTYPE_F32, &error))
    {
      g_autofree char *base = g_filename_display_basename (job->path);

      /* the message names the file the person chose */
      if (strstr (error->message, base) == NULL)
        g_prefix_error (&error, "%s: ", base);
    }
  if (error)
    job->error = error;
  g_task_return_boolean (task, error == NULL);
}

static void
on_save_done_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  TfFinetuneJob *job = user_data;
  g_autoptr(TfFinetuneView) self = g_weak_ref_get (&job->view);

  if (self == NULL || self->job != job)
    {
      job_unref (job);
      return;
    }
  finish_job (self);
  if (job->error)
    {
      _tf_finetune_view_set_state (self, job->back_to);
      _tf_finetune_view_show_error (self, _("The Model Could Not Be Saved"), job->error->message);
    }
  else if (job->use)
    {
      g_free (self->saved_file);
      self->saved_file = g_strdup (job->path);
      g_free (self->applied_file);
      self->applied_file = g_strdup (job->path);
      /* used: the run is over, nothing to resume */
      _tf_finetune_view_forget_run (self);
      gtk_label_set_label (self->apply_label, _("Loading the new model…"));
      _tf_finetune_view_emit_use_model (self, job->path);
      /* nobody lent a project to predict: the model is saved, that is all */
      if (self->job == NULL && self->state == TF_FINETUNE_VIEW_APPLYING)
        {
          _tf_finetune_view_set_state (self, TF_FINETUNE_VIEW_APPLIED);
          _tf_finetune_results_applied (self);
        }
    }
  else
    {
      g_autofree char *base = g_filename_display_basename (job->path);
      g_autofree char *text = g_strdup_printf (_("Saved %s"), base);

      g_free (self->saved_file);
      self->saved_file = g_strdup (job->path);
      _tf_finetune_view_set_state (self, job->back_to);
      _tf_finetune_view_toast (self, text);
    }
  job_unref (job);
}

void
_tf_finetune_save_start (TfFinetuneView *self,
                         const char     *path,
                         gboolean        use)
{
  g_autoptr(GTask) task = NULL;
  g_autofree char *base = g_filename_display_basename (path);
  g_autofree char *text = g_strdup_printf (_("Saving %s…"), base);
  TfFinetuneJob *job = job_new (self, JOB_SAVE);

  job->path = g_strdup (path);
  job->use = use;
  job->model = self->model;
  job->back_to = self->state;
  self->job = job_ref (job);
  _tf_finetune_view_set_state (self, TF_FINETUNE_VIEW_APPLYING);
  gtk_label_set_label (self->apply_label, text);
  gtk_progress_bar_set_fraction (self->apply_progress, 0);
  /* an atomic write cannot stop half-way */
  gtk_widget_set_sensitive (GTK_WIDGET (self->apply_cancel_button), FALSE);
  start_pulse (self, self->apply_progress);

  task = g_task_new (NULL, NULL, on_save_done_cb, job);
  g_task_set_source_tag (task, _tf_finetune_save_start);
  g_task_set_task_data (task, job_ref (job), (GDestroyNotify) job_unref);
  g_task_run_in_thread (task, save_thread);
}

/* ---- the project's faces predicted again ------------------------------------------- */

static void
repredict_thread (GTask        *task,
                  gpointer      source_object,
                  gpointer      task_data,
                  GCancellable *cancellable)
{
  TfFinetuneJob *job = task_data;
  GError *error = NULL;

  if (!tf_finetune_repredict (job->project, job->model, job->model_file, on_predicted_cb, job, cancellable,
                              &job->run, &error))
    {
      job->run = 0;
      job->error = error;
    }
  g_task_return_boolean (task, job->error == NULL);
}

static void
on_repredict_done_cb (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  TfFinetuneJob *job = user_data;
  g_autoptr(TfFinetuneView) self = g_weak_ref_get (&job->view);
  TfProject *project = g_steal_pointer (&job->project);

  if (self == NULL || self->job != job)
    {
      /* the window went: nobody takes the project back */
      tf_project_close (project);
      job_unref (job);
      return;
    }
  finish_job (self);
  self->applied_run = job->run;
  _tf_finetune_view_set_state (self, TF_FINETUNE_VIEW_APPLIED);
  _tf_finetune_results_applied (self);
  if (job->error && !g_error_matches (job->error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    _tf_finetune_view_show_error (self, _("The Project’s Faces Were Not Predicted Again"), job->error->message);
  _tf_finetune_view_emit_repredicted (self, project, job->run, job->error ? job->error->message : NULL);
  job_unref (job);
}

void
_tf_finetune_repredict_start (TfFinetuneView *self,
                              TfProject      *project,
                              const char     *model_file)
{
  g_autoptr(GTask) task = NULL;
  TfFinetuneJob *job;

  if (self->job != NULL || self->model == NULL)
    {
      /* nothing to predict with: the project goes straight back */
      _tf_finetune_view_emit_repredicted (self, project, 0, _("There is no new model to predict with"));
      return;
    }
  job = job_new (self, JOB_REPREDICT);
  job->project = project;
  job->model = self->model;
  job->model_file = g_strdup (model_file);
  self->job = job_ref (job);
  _tf_finetune_view_set_state (self, TF_FINETUNE_VIEW_APPLYING);
  gtk_label_set_label (self->apply_label, _("Predicting the project’s faces with the new model…"));
  gtk_progress_bar_set_fraction (self->apply_progress, 0);
  gtk_widget_set_sensitive (GTK_WIDGET (self->apply_cancel_button), TRUE);
  start_pulse (self, self->apply_progress);

  task = g_task_new (NULL, job->cancellable, on_repredict_done_cb, job);
  g_task_set_source_tag (task, _tf_finetune_repredict_start);
  g_task_set_check_cancellable (task, FALSE);
  g_task_set_task_data (task, job_ref (job), (GDestroyNotify) job_unref);
  g_task_run_in_thread (task, repredict_thread);
}
