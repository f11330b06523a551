/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The Fine-tune page: its template, states and buttons, and what the
 * window and the tests call; the setup, the threads and the result are in
 * the files tf-finetune-view-private.h names. */
#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "tf-datafiles.h"
#include "tf-file-chooser.h"
#include "tf-finetune-view-private.h"
#include "tf-toast.h"

/* the held-out share is read again this long after it last changed */
#define REREAD_DELAY_MS 300

enum
{
  FACE_ACTIVATED,
  USE_MODEL,
  REPREDICTED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (TfFinetuneView, tf_finetune_view, GTK_TYPE_WIDGET)

/* ---- helpers ------------------------------------------------------------------ */

void
_tf_finetune_setup_free (TfFinetuneSetup *setup)
{
  if (setup == NULL)
    return;
  g_clear_pointer (&setup->data, tf_finetune_data_free);
  g_free (setup->problem);
  g_clear_pointer (&setup->warnings, g_ptr_array_unref);
  g_strfreev (setup->new_classes);
  g_free (setup->model_name);
  g_free (setup->error);
  g_free (setup);
}

const char *
_tf_finetune_preset_label (TfFinetunePreset preset)
{
  switch (preset)
    {
    case TF_FINETUNE_HEAD:
      return _("Head only");
    case TF_FINETUNE_RECOMMENDED:
      return _("Recommended");
    case TF_FINETUNE_ALL:
      return _("Whole model");
    }
  return "";
}

void
_tf_finetune_view_show_error (TfFinetuneView *self,
                              const char     *title,
                              const char     *message)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkWidget *dialog = adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, title, message);

  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "close");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "close");
  gtk_window_present (GTK_WINDOW (dialog));
}

void
_tf_finetune_view_toast (TfFinetuneView *self,
                         const char     *text)
{
  GtkWidget *parent = gtk_widget_get_parent (GTK_WIDGET (self));
  GtkWidget *window_toasts = parent ? gtk_widget_get_ancestor (parent, ADW_TYPE_TOAST_OVERLAY) : NULL;
  AdwToast *toast = tf_toast_new (GTK_WIDGET (self), text);

  /* the window's, where there is one: its toasts and the page's queue up
   * rather than overlap */
  adw_toast_overlay_add_toast (window_toasts ? ADW_TOAST_OVERLAY (window_toasts) : self->toasts, toast);
}

char *
tf_finetune_models_folder (void)
{
  return g_build_filename (g_get_user_data_dir (), "transfer-studio", "models", NULL);
}

char *
tf_finetune_checkpoint_path (const char *project_path)
{
  g_autofree char *dir = NULL, *base = NULL, *name = NULL;

  g_return_val_if_fail (project_path != NULL, NULL);

  dir = g_path_get_dirname (project_path);
  base = g_path_get_basename (project_path);
  name = g_strconcat (".", base, ".finetune-checkpoint", NULL);
  return g_build_filename (dir, name, NULL);
}

char *
_tf_finetune_view_start_model (TfFinetuneView *self)
{
  if (self->model_file && *self->model_file)
    return g_strdup (self->model_file);
  return tf_data_find (TF_DATA_MODEL);
}

void
_tf_finetune_view_set_state (TfFinetuneView      *self,
                             TfFinetuneViewState  state)
{
  gboolean busy = state == TF_FINETUNE_VIEW_APPLYING;

  self->state = state;
  switch (state)
    {
    case TF_FINETUNE_VIEW_SETUP:
      _tf_finetune_setup_show (self);
      break;
    case TF_FINETUNE_VIEW_RUNNING:
      gtk_widget_set_visible (GTK_WIDGET (self->resume_group), FALSE);
      gtk_stack_set_visible_child_name (self->stack, "run");
      break;
    case TF_FINETUNE_VIEW_RESULTS:
    case TF_FINETUNE_VIEW_APPLYING:
    case TF_FINETUNE_VIEW_APPLIED:
      gtk_stack_set_visible_child_name (self->stack, "results");
      gtk_revealer_set_reveal_child (self->apply_revealer, busy);
      gtk_widget_set_sensitive (GTK_WIDGET (self->use_button), state == TF_FINETUNE_VIEW_RESULTS);
      gtk_widget_set_visible (GTK_WIDGET (self->use_button), state != TF_FINETUNE_VIEW_APPLIED);
      gtk_widget_set_sensitive (GTK_WIDGET (self->save_button), !busy);
      gtk_widget_set_sensitive (GTK_WIDGET (self->discard_button), !busy);
      gtk_button_set_label (self->discard_button, state == TF_FINETUNE_VIEW_APPLIED ? _("_Done") : _("_Discard"));
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->discard_button),
                                   state == TF_FINETUNE_VIEW_APPLIED ? _("Back to the setup, for another fine-tune")
                                                                     : _("Forget the new model"));
      break;
    }
}

/* ---- callbacks ---------------------------------------------------------------------- */

static void
on_preset_changed_cb (TfFinetuneView *self)
{
  if (self->updating)
    return;
  _tf_finetune_setup_apply_preset (self);
  _tf_finetune_setup_update_estimate (self);
}

static void
on_epochs_changed_cb (TfFinetuneView *self)
{
  if (!self->updating)
    self->epochs_edited = TRUE;
  _tf_finetune_setup_update_estimate (self);
}

static void
on_lr_changed_cb (TfFinetuneView *self)
{
  if (!self->updating)
    self->lr_edited = TRUE;
}

static gboolean
reread_cb (gpointer data)
{
  TfFinetuneView *self = data;

  self->reread_timeout = 0;
  _tf_finetune_setup_read (self);
  return G_SOURCE_REMOVE;
}

static void
on_holdout_changed_cb (TfFinetuneView *self)
{
  if (self->updating || self->project_path == NULL)
    return;
  g_clear_handle_id (&self->reread_timeout, g_source_remove);
  self->reread_timeout = g_timeout_add (REREAD_DELAY_MS, reread_cb, self);
}

/* the learning rate's spin button holds its power of ten */
static gboolean
on_lr_output_cb (GtkSpinButton *spin,
                 gpointer       user_data)
{
  char text[32];

  g_snprintf (text, sizeof text, "%.1e", pow (10, gtk_spin_button_get_value (spin)));
  if (g_strcmp0 (text, gtk_editable_get_text (GTK_EDITABLE (spin))) != 0)
    gtk_editable_set_text (GTK_EDITABLE (spin), text);
  return TRUE;
}

static int
on_lr_input_cb (GtkSpinButton *spin,
                double        *value,
                gpointer       user_data)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (spin));
  char *end = NULL;
  double lr = g_strtod (text, &end);

  if (end == text || !isfinite (lr) || lr <= 0)
    return GTK_INPUT_ERROR;
  *value = log10 (lr);
  return TRUE;
}

static void
on_start_clicked_cb (TfFinetuneView *self)
{
  tf_finetune_view_start (self, FALSE);
}

static void
on_resume_clicked_cb (TfFinetuneView *self)
{
  tf_finetune_view_start (self, TRUE);
}

static void
on_resume_discard_clicked_cb (TfFinetuneView *self)
{
  _tf_finetune_view_forget_run (self);
}

static void
on_cancel_clicked_cb (TfFinetuneView *self)
{
  tf_finetune_view_cancel (self);
}

static void
on_use_clicked_cb (TfFinetuneView *self)
{
  tf_finetune_view_use (self);
}

static void
on_discard_clicked_cb (TfFinetuneView *self)
{
  tf_finetune_view_discard (self);
}

static void
on_save_chosen_cb (GFile    **files,
                   guint      n_files,
                   gpointer   user_data)
{
  g_autoptr(TfFinetuneView) self = g_weak_ref_get (user_data);
  g_autofree char *path = n_files > 0 ? g_file_get_path (files[0]) : NULL;

  g_weak_ref_clear (user_data);
  g_free (user_data);
  if (self == NULL || path == NULL)
    return;
  if (!g_str_has_suffix (path, ".safetensors"))
    {
      char *with = g_strconcat (path, ".safetensors", NULL);
      g_free (path);
      path = with;
    }
  tf_finetune_view_save_to (self, path);
}

static void
on_save_clicked_cb (TfFinetuneView *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  g_autoptr(GListStore) filters = g_list_store_new (GTK_TYPE_FILE_FILTER);
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();
  g_autofree char *stem = NULL, *initial = NULL;
  GWeakRef *ref = g_new0 (GWeakRef, 1);

  if (self->model == NULL)
    {
      g_free (ref);
      return;
    }
  stem = self->project_path ? g_path_get_basename (self->project_path) : g_strdup (_("Untitled"));
  if (g_str_has_suffix (stem, TF_PROJECT_SUFFIX))
    stem[strlen (stem) - strlen (TF_PROJECT_SUFFIX)] = '\0';
  /* TRANSLATORS: the file name offered for a fine-tuned model; %s is the project's name */
  initial = g_strdup_printf (_("%s-finetuned.safetensors"), stem);
  gtk_file_filter_set_name (filter, _("Models (safetensors)"));
  gtk_file_filter_add_suffix (filter, "safetensors");
  g_list_store_append (filters, filter);
  g_weak_ref_init (ref, self);
  tf_choose_files (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, TF_CHOOSE_SAVE, _("Save the Fine-tuned Model"),
                   _("_Save"), G_LIST_MODEL (filters), initial, on_save_chosen_cb, ref);
}

static void
on_drift_row_activated_cb (TfFinetuneView *self,
                           GtkListBoxRow  *row)
{
  gint64 *face = g_object_get_data (G_OBJECT (row), "tf-face");

  if (face)
    g_signal_emit (self, signals[FACE_ACTIVATED], 0, *face);
}

/* ---- overrides ---------------------------------------------------------------------- */

static void
tf_finetune_view_dispose (GObject *object)
{
  TfFinetuneView *self = TF_FINETUNE_VIEW (object);

  _tf_finetune_job_detach (self);
  g_clear_handle_id (&self->reread_timeout, g_source_remove);
  if (self->reading)
    g_cancellable_cancel (self->reading);
  g_clear_object (&self->reading);
  self->project = NULL;
  gtk_widget_dispose_template (GTK_WIDGET (self), TF_TYPE_FINETUNE_VIEW);
  G_OBJECT_CLASS (tf_finetune_view_parent_class)->dispose (object);
}

static void
tf_finetune_view_finalize (GObject *object)
{
  TfFinetuneView *self = TF_FINETUNE_VIEW (object);

  _tf_finetune_setup_free (self->setup);
  g_clear_pointer (&self->label_rows, g_ptr_array_unref);
  g_clear_pointer (&self->model, tf_model_free);
  g_clear_pointer (&self->report, tf_finetune_report_free);
  g_clear_pointer (&self->drift_faces, g_array_unref);
  g_free (self->project_path);
  g_free (self->model_file);
  g_free (self->saved_file);
  g_free (self->applied_file);
  G_OBJECT_CLASS (tf_finetune_view_parent_class)->finalize (object);
}

static void
tf_finetune_view_class_init (TfFinetuneViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tf_finetune_view_dispose;
  object_class->finalize = tf_finetune_view_finalize;

  signals[FACE_ACTIVATED] = g_signal_new ("face-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                          NULL, NULL, G_TYPE_NONE, 1, G_TYPE_INT64);
  signals[USE_MODEL] = g_signal_new ("use-model", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                                     NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[REPREDICTED] = g_signal_new ("repredicted", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                                       NULL, G_TYPE_NONE, 3, G_TYPE_POINTER, G_TYPE_INT64, G_TYPE_STRING);

  g_type_ensure (TF_TYPE_PLOT);
  g_type_ensure (TF_TYPE_CONFUSION);
  gtk_widget_class_set_template_from_resource (widget_class, "/com/example/TransFER/ui/tf-finetune-view.ui");
  gtk_widget_class_bind_template_child (widget_class, TfFinetuneView, toasts);
  gtk_widget_class_bind_template_child (widget_class, TfFinetuneView, stack);
  gtk_widget_class_bind_template_child (widget_class, TfFinetuneView, empty_page);
  gtk_widget_class_bind_template_child (widget_class, TfFinetuneView, resume_group);
  gtk_widget_class_bind_template_child (widget_class, TfFinetuneView, resume_row);
  gtk_widget_class_bind_template_child (widget_class, TfFinetuneView, labels_group);
  gtk_widget_class_bind_template_child (widget_class, TfFinetuneView, settings_group);
  gtk_widget_class_bind_template_child (widget_class, TfFinetuneView, preset_row);
  gtk_widget_class_bind_template_child (widget_class, TfFinetuneView, holdout_spin);
  gtk_widget_class_bind_template_child (widget_class, TfFinetuneView, soft_switch);
  gtk_widget_class_bind_template_child (widget_class, TfFinetuneView, epochs_spin);
  gtk_widget_class_bind_template_child (widget_class, TfFinetuneView, lr_spin);
  gtk_widget_class_bind_template_child (widget_class, TfFinetuneView, estimate_label);
  gtk_widget_class_bind_template_child (widget_class, TfFinetuneView, start_button);
  gtk_widget_class_bind_template_child (widget_class, TfFinetuneView, start_hint);
  gtk_widget_class_bind_template_child (widget_class, TfFinetuneView, phase_label);
  gtk_widget_class_bind_template_child (widget_class, TfFinetuneView, run_detail);
  gtk_widget_class_bind_template_child (widget_class, TfFinetuneView, run_progress);
  gtk_widget_class_bind_template_child (widget_class, TfFinetuneView, eta_label);
  gtk_widget_class_bind_template_child (widget_class, TfFinetuneView, run_plot);
  gtk_widget_class_bind_template_child (widget_class, TfFinetuneView, cancel_button);
  gtk_widget_class_bind_template_child (widget_class, TfFinetuneView, results_title);
  gtk_widget_class_bind_template_child (widget_class, TfFinetuneView, results_summary);
  gtk_widget_class_bind_template_child (widget_class, TfFinetuneView, applied_group);
  gtk_widget_class_bind_template_child (widget_class, TfFinetuneView, applied_row);
  gtk_widget_class_bind_template_child (widget_class, TfFinetuneView, accuracy_before);
  gtk_widget_class_bind_template_child (widget_class, TfFinetuneView, accuracy_after);
  gtk_widget_class_bind_template_child (widget_class, TfFinetuneView, f1_before);
  gtk_widget_class_bind_template_child (widget_class, TfFinetuneView, f1_after);
  gtk_widget_class_bind_template_child (widget_class, TfFinetuneView, accuracy_caption);
  gtk_widget_class_bind_template_child (widget_class, TfFinetuneView, f1_caption);
  gtk_widget_class_bind_template_child (widget_class, TfFinetuneView, recall_grid);
  gtk_widget_class_bind_template_child (widget_class, TfFinetuneView, matrices_box);
  gtk_widget_class_bind_template_child (widget_class, TfFinetuneView, confusion_before);
  gtk_widget_class_bind_template_child (widget_class, TfFinetuneView, confusion_after);
  gtk_widget_class_bind_template_child (widget_class, TfFinetuneView, results_plot);
  gtk_widget_class_bind_template_child (widget_class, TfFinetuneView, drift_group);
  gtk_widget_class_bind_template_child (widget_class, TfFinetuneView, drift_list);
  gtk_widget_class_bind_template_child (widget_class, TfFinetuneView, use_button);
  gtk_widget_class_bind_template_child (widget_class, TfFinetuneView, save_button);
  gtk_widget_class_bind_template_child (widget_class, TfFinetuneView, discard_button);
  gtk_widget_class_bind_template_child (widget_class, TfFinetuneView, apply_revealer);
  gtk_widget_class_bind_template_child (widget_class, TfFinetuneView, apply_label);
  gtk_widget_class_bind_template_child (widget_class, TfFinetuneView, apply_progress);
  gtk_widget_class_bind_template_child (widget_class, TfFinetuneView, apply_cancel_button);
  gtk_widget_class_bind_template_callback (widget_class, on_start_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_resume_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_resume_discard_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_cancel_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_use_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_save_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_discard_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_drift_row_activated_cb);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "finetuneview");
}

/* what a flow box holds is laid out, not chosen: no focus stop of its own */
static void
unfocus_flow_box (GtkWidget *child)
{
  GtkWidget *box;

  while (child && !GTK_IS_FLOW_BOX_CHILD (child))
    child = gtk_widget_get_parent (child);
  if (child == NULL || (box = gtk_widget_get_parent (child)) == NULL)
    return;
  for (GtkWidget *c = gtk_widget_get_first_child (box); c; c = gtk_widget_get_next_sibling (c))
    gtk_widget_set_focusable (c, FALSE);
}

static void
tf_finetune_view_init (TfFinetuneView *self)
{
  GtkWidget *review = gtk_button_new_with_mnemonic (_("Open the _Review Queue"));
  TfFinetuneOptions options;

  gtk_widget_init_template (GTK_WIDGET (self));
  self->label_rows = g_ptr_array_new ();
  self->model_file = g_strdup ("");
  self->state = TF_FINETUNE_VIEW_SETUP;

  /* labels come from the review queue: a way there when there are none */
  gtk_actionable_set_action_name (GTK_ACTIONABLE (review), "win.show-page");
  gtk_actionable_set_action_target (GTK_ACTIONABLE (review), "s", "review");
  gtk_widget_set_halign (review, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (review, "pill");
  adw_status_page_set_child (self->empty_page, review);

  unfocus_flow_box (GTK_WIDGET (self->accuracy_before));
  unfocus_flow_box (GTK_WIDGET (self->confusion_before));
  unfocus_flow_box (GTK_WIDGET (self->use_button));
  g_signal_connect (self->lr_spin, "output", G_CALLBACK (on_lr_output_cb), self);
  g_signal_connect (self->lr_spin, "input", G_CALLBACK (on_lr_input_cb), self);
  tf_finetune_options_init (&options);
  tf_finetune_view_set_options (self, &options, TF_FINETUNE_DEFAULT_HOLDOUT);
  _tf_finetune_setup_apply_preset (self);
  g_signal_connect_swapped (self->preset_row, "notify::selected", G_CALLBACK (on_preset_changed_cb), self);
  g_signal_connect_swapped (self->epochs_spin, "value-changed", G_CALLBACK (on_epochs_changed_cb), self);
  g_signal_connect_swapped (self->lr_spin, "value-changed", G_CALLBACK (on_lr_changed_cb), self);
  g_signal_connect_swapped (self->holdout_spin, "value-changed", G_CALLBACK (on_holdout_changed_cb), self);

  /* the curves: the loss of each step, the held-out accuracy of each epoch */
  tf_plot_add_series (self->run_plot, _("Training loss"), NULL);
  tf_plot_add_series (self->run_plot, _("Held-out accuracy"), NULL);
  tf_plot_set_series_axis (self->run_plot, 1, TF_PLOT_AXIS_PERCENT);
  tf_plot_set_series_points (self->run_plot, 1, TRUE);
  tf_plot_set_titles (self->run_plot, _("Epoch"), _("Loss"), _("Accuracy"));
  tf_plot_set_empty_text (self->run_plot, _("The curves appear after the first step"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->run_plot), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Training loss and held-out accuracy"), -1);
  tf_plot_add_series (self->results_plot, _("Training loss"), NULL);
  tf_plot_add_series (self->results_plot, _("Held-out accuracy"), NULL);
  tf_plot_set_series_axis (self->results_plot, 1, TF_PLOT_AXIS_PERCENT);
  tf_plot_set_series_points (self->results_plot, 0, TRUE);
  tf_plot_set_series_points (self->results_plot, 1, TRUE);
  tf_plot_set_titles (self->results_plot, _("Epoch"), _("Loss"), _("Accuracy"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->results_plot), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Training loss and held-out accuracy per epoch"), -1);
  _tf_finetune_setup_show (self);
}

/* ---- public API ------------------------------------------------------------------- */

GtkWidget *
tf_finetune_view_new (void)
{
  return g_object_new (TF_TYPE_FINETUNE_VIEW, NULL);
}

void
tf_finetune_view_set_project (TfFinetuneView *self,
                              TfProject      *project)
{
  const char *path;

  g_return_if_fail (TF_IS_FINETUNE_VIEW (self));

  self->project = project;
  path = project ? tf_project_get_path (project) : NULL;
  /* the same project given back after the new predictions, or reopened:
   * what the page shows stays */
  if (path && g_strcmp0 (path, self->project_path) == 0)
    {
      if (self->state == TF_FINETUNE_VIEW_SETUP)
        tf_finetune_view_refresh (self);
      return;
    }
  if (path == NULL && self->state == TF_FINETUNE_VIEW_APPLYING)
    return;   /* lent to the page itself for the new predictions */
  g_free (self->project_path);
  self->project_path = g_strdup (path);
  /* a run of the other project stops, its checkpoint kept: it is offered
   * again when that project is */
  if (self->state == TF_FINETUNE_VIEW_RUNNING)
    _tf_finetune_job_detach (self);
  /* the result belonged to the other project */
  if (self->state != TF_FINETUNE_VIEW_SETUP && self->state != TF_FINETUNE_VIEW_APPLYING)
    {
      _tf_finetune_results_clear (self);
      self->state = TF_FINETUNE_VIEW_SETUP;
    }
  g_clear_pointer (&self->setup, _tf_finetune_setup_free);
  if (self->state == TF_FINETUNE_VIEW_SETUP)
    _tf_finetune_setup_read (self);
}

void
tf_finetune_view_set_model_file (TfFinetuneView *self,
                                 const char     *path)
{
  g_return_if_fail (TF_IS_FINETUNE_VIEW (self));

  if (g_strcmp0 (path ? path : "", self->model_file) == 0)
    return;
  g_free (self->model_file);
  self->model_file = g_strdup (path ? path : "");
  if (self->state == TF_FINETUNE_VIEW_SETUP && self->project_path)
    _tf_finetune_setup_read (self);
}

void
tf_finetune_view_refresh (TfFinetuneView *self)
{
  g_return_if_fail (TF_IS_FINETUNE_VIEW (self));

  if (self->state == TF_FINETUNE_VIEW_SETUP)
    _tf_finetune_setup_read (self);
}

TfFinetuneViewState
tf_finetune_view_get_state (TfFinetuneView *self)
{
  g_return_val_if_fail (TF_IS_FINETUNE_VIEW (self), TF_FINETUNE_VIEW_SETUP);
  return self->state;
}

gboolean
tf_finetune_view_is_loading (TfFinetuneView *self)
{
  g_return_val_if_fail (TF_IS_FINETUNE_VIEW (self), FALSE);
  return self->reading != NULL || self->reread_timeout != 0;
}

gboolean
tf_finetune_view_start (TfFinetuneView *self,
                        gboolean        resume)
{
  g_autofree char *model = NULL, *json = NULL, *stored = NULL;
  g_autoptr(GError) error = NULL;
  TfFinetuneOptions options;
  double holdout;
  gint64 started;

  g_return_val_if_fail (TF_IS_FINETUNE_VIEW (self), FALSE);

  if (self->state != TF_FINETUNE_VIEW_SETUP || self->job != NULL || self->project_path == NULL)
    return FALSE;
  if (resume)
    {
      stored = self->project ? tf_project_get_setting (self->project, TF_FINETUNE_SETTING_OPTIONS) : NULL;
      if (!_tf_finetune_options_from_json (stored, &options, &holdout, &model, &started))
        {
          _tf_finetune_view_forget_run (self);
          _tf_finetune_view_show_error (self, _("The Fine-tune Cannot Be Resumed"),
                                        _("The project does not say how the interrupted fine-tune was set up."));
          return FALSE;
        }
      tf_finetune_view_set_options (self, &options, holdout);
      options.resume = TRUE;
      if (*model == '\0')
        {
          g_free (model);
          model = tf_data_find (TF_DATA_MODEL);
        }
    }
  else
    {
      if (self->setup == NULL || self->setup->data == NULL || self->setup->problem != NULL)
        return FALSE;
      tf_finetune_view_get_options (self, &options, &holdout);
      model = _tf_finetune_view_start_model (self);
      /* a new run: the old checkpoint would be resumed instead */
      _tf_finetune_view_forget_run (self);
      json = _tf_finetune_options_to_json (&options, holdout, self->model_file);
      if (self->project && !tf_project_is_read_only (self->project) &&
          !tf_project_set_setting (self->project, TF_FINETUNE_SETTING_OPTIONS, json, &error))
        _tf_finetune_view_toast (self, error->message);
    }
  if (model == NULL)
    {
      _tf_finetune_view_show_error (self, _("Fine-tuning Could Not Start"),
                                    _("The model shipped with the application is not installed."));
      return FALSE;
    }
  _tf_finetune_run_start (self, &options, holdout, model);
  return TRUE;
}

void
tf_finetune_view_cancel (TfFinetuneView *self)
{
  g_return_if_fail (TF_IS_FINETUNE_VIEW (self));
  _tf_finetune_job_cancel (self);
}

const TfFinetuneReport *
tf_finetune_view_get_report (TfFinetuneView *self)
{
  g_return_val_if_fail (TF_IS_FINETUNE_VIEW (self), NULL);
  return self->report;
}

GArray *
tf_finetune_view_get_drift_faces (TfFinetuneView *self)
{
  g_return_val_if_fail (TF_IS_FINETUNE_VIEW (self), NULL);
  return self->drift_faces;
}

const char *
tf_finetune_view_get_saved_file (TfFinetuneView *self)
{
  g_return_val_if_fail (TF_IS_FINETUNE_VIEW (self), NULL);
  return self->saved_file;
}

/* The file Use This Model saves to: PROJECT-DATE.safetensors in the models
 * folder, numbered when one of that name exists. */
static char *
use_path (TfFinetuneView *self)
{
  g_autofree char *folder = tf_finetune_models_folder ();
  g_autofree char *stem = self->project_path ? g_path_get_basename (self->project_path) : g_strdup (_("Untitled"));
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *date = g_date_time_format (now, "%Y-%m-%d");

  if (g_str_has_suffix (stem, TF_PROJECT_SUFFIX))
    stem[strlen (stem) - strlen (TF_PROJECT_SUFFIX)] = '\0';
  for (int n = 1;; n++)
    {
      g_autofree char *name = n == 1 ? g_strdup_printf ("%s-%s.safetensors", stem, date)
                                     : g_strdup_printf ("%s-%s-%d.safetensors", stem, date, n);
      char *path = g_build_filename (folder, name, NULL);

      if (!g_file_test (path, G_FILE_TEST_EXISTS))
        return path;
      g_free (path);
    }
}

void
tf_finetune_view_use (TfFinetuneView *self)
{
  g_autofree char *path = NULL;

  g_return_if_fail (TF_IS_FINETUNE_VIEW (self));

  if (self->state != TF_FINETUNE_VIEW_RESULTS || self->model == NULL || self->job != NULL)
    return;
  path = use_path (self);
  _tf_finetune_save_start (self, path, TRUE);
}

void
tf_finetune_view_save_to (TfFinetuneView *self,
                          const char     *path)
{
  g_autofree char *shipped = tf_data_find (TF_DATA_MODEL);
  g_autofree char *want = NULL, *have = NULL;

  g_return_if_fail (TF_IS_FINETUNE_VIEW (self));
  g_return_if_fail (path != NULL);

  if (self->model == NULL || self->job != NULL)
    return;
  /* the shipped model is what a reset in the preferences goes back to */
  want = g_canonicalize_filename (path, NULL);
  if (shipped)
    {
      char *real = realpath (shipped, NULL);

      have = g_strdup (real ? real : shipped);
      free (real);
      if (g_file_test (want, G_FILE_TEST_EXISTS))
        {
          char *real_want = realpath (want, NULL);

          if (real_want)
            {
              g_free (want);
              want = g_strdup (real_want);
              free (real_want);
            }
        }
    }
  if (have && g_strcmp0 (want, have) == 0)
    {
      g_autofree char *name = g_filename_display_name (path);
      g_autofree char *text = g_strdup_printf (_("%s is the model shipped with the application: it is kept as it "
                                                 "is. Choose another name."), name);

      _tf_finetune_view_show_error (self, _("The Model Was Not Saved"), text);
      return;
    }
  _tf_finetune_save_start (self, path, FALSE);
}

void
tf_finetune_view_discard (TfFinetuneView *self)
{
  g_return_if_fail (TF_IS_FINETUNE_VIEW (self));

  if (self->job != NULL)
    return;
  /* a model in use stays in use: only the page forgets it */
  if (self->state == TF_FINETUNE_VIEW_RESULTS)
    _tf_finetune_view_forget_run (self);
  _tf_finetune_results_clear (self);
  _tf_finetune_view_set_state (self, TF_FINETUNE_VIEW_SETUP);
  _tf_finetune_setup_read (self);
}

void
tf_finetune_view_repredict (TfFinetuneView *self,
                            TfProject      *project,
                            const char     *model_file)
{
  g_return_if_fail (TF_IS_FINETUNE_VIEW (self));
  g_return_if_fail (project != NULL && model_file != NULL);

  _tf_finetune_repredict_start (self, project, model_file);
}

void
tf_finetune_view_use_failed (TfFinetuneView *self,
                             const char     *message)
{
  g_return_if_fail (TF_IS_FINETUNE_VIEW (self));

  _tf_finetune_view_set_state (self, TF_FINETUNE_VIEW_RESULTS);
  _tf_finetune_view_show_error (self, _("The New Model Could Not Be Used"), message);
}

void
_tf_finetune_view_emit_use_model (TfFinetuneView *self,
                                  const char     *path)
{
  g_signal_emit (self, signals[USE_MODEL], 0, path);
}

void
_tf_finetune_view_emit_repredicted (TfFinetuneView *self,
                                    TfProject      *project,
                                    gint64          run,
                                    const char     *error)
{
  g_signal_emit (self, signals[REPREDICTED], 0, project, run, error);
}
