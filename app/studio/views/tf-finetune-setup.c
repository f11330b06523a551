/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The Fine-tune page's setup: the recipe's widgets and their defaults, the
 * options kept in the project for a resume (and the offer to resume), the
 * labelled faces read off the main loop on a read-only connection (again
 * when the held-out share changes) and shown per class with what the
 * library says of them, and the time a run should take. */
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "tf-finetune-view-private.h"

static const char *
preset_description (TfFinetunePreset preset)
{
  switch (preset)
    {
    case TF_FINETUNE_HEAD:
      return _("The classifier only: fastest, changes the least");
    case TF_FINETUNE_RECOMMENDED:
      return _("All but the first layers, kept close to the model it starts from");
    case TF_FINETUNE_ALL:
      return _("Every layer, kept close to the model it starts from: slowest, needs the most labels");
    }
  return "";
}

static double
lr_from_spin (TfFinetuneView *self)
{
  double lr = pow (10, gtk_spin_button_get_value (self->lr_spin));
  char text[32];

  /* two significant digits, as shown */
  g_ascii_formatd (text, sizeof text, "%.1e", lr);
  return g_ascii_strtod (text, NULL);
}

/* ---- the options: widgets, defaults, the project's record ------------------------ */

void
tf_finetune_view_get_options (TfFinetuneView    *self,
                              TfFinetuneOptions *options,
                              double            *holdout)
{
  guint selected;

  g_return_if_fail (TF_IS_FINETUNE_VIEW (self));
  g_return_if_fail (options != NULL);

  tf_finetune_options_init (options);
  selected = adw_combo_row_get_selected (self->preset_row);
  options->preset = selected <= TF_FINETUNE_ALL ? (TfFinetunePreset) selected : TF_FINETUNE_DEFAULT_PRESET;
  options->epochs = gtk_spin_button_get_value_as_int (self->epochs_spin);
  options->lr = lr_from_spin (self);
  options->seed = TF_FINETUNE_DEFAULT_SEED;
  options->soft_targets = gtk_switch_get_active (self->soft_switch);
  if (holdout)
    *holdout = gtk_spin_button_get_value (self->holdout_spin) / 100.0;
}

void
tf_finetune_view_set_options (TfFinetuneView          *self,
                              const TfFinetuneOptions *options,
                              double                   holdout)
{
  TfFinetuneOptions resolved = *options;
  TfFitRecipe recipe;
  double distill, temperature;

  g_return_if_fail (TF_IS_FINETUNE_VIEW (self));
  g_return_if_fail (options != NULL);

  /* 0: the preset's, shown as the figure it stands for */
  tf_finetune_recipe (&resolved, &recipe, &distill, &temperature);
  self->updating = TRUE;
  adw_combo_row_set_selected (self->preset_row, options->preset);
  gtk_spin_button_set_value (self->epochs_spin, recipe.epochs);
  gtk_spin_button_set_value (self->lr_spin, log10 (recipe.lr > 0 ? recipe.lr : 1e-4));
  gtk_spin_button_set_value (self->holdout_spin, CLAMP (holdout, 0, 0.5) * 100);
  gtk_switch_set_active (self->soft_switch, options->soft_targets);
  self->epochs_edited = options->epochs > 0;
  self->lr_edited = options->lr > 0;
  self->updating = FALSE;
  _tf_finetune_setup_update_estimate (self);
}

/* The preset's epochs and rate, where the person has not set their own. */
void
_tf_finetune_setup_apply_preset (TfFinetuneView *self)
{
  TfFinetuneOptions options;
  TfFitRecipe recipe;
  double distill, temperature;
  guint selected = adw_combo_row_get_selected (self->preset_row);

  tf_finetune_options_init (&options);
  options.preset = selected <= TF_FINETUNE_ALL ? (TfFinetunePreset) selected : TF_FINETUNE_DEFAULT_PRESET;
  tf_finetune_recipe (&options, &recipe, &distill, &temperature);
  self->updating = TRUE;
  if (!self->epochs_edited)
    gtk_spin_button_set_value (self->epochs_spin, recipe.epochs);
  if (!self->lr_edited && recipe.lr > 0)
    gtk_spin_button_set_value (self->lr_spin, log10 (recipe.lr));
  self->updating = FALSE;
  adw_action_row_set_subtitle (ADW_ACTION_ROW (self->preset_row), preset_description (options.preset));
}

/* The options of a run, kept in the project so an interrupted one resumes
 * with them: JSON, the preset by name. */
char *
_tf_finetune_options_to_json (const TfFinetuneOptions *options,
                 double                   holdout,
                 const char              *model_file)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "preset");
  json_builder_add_string_value (builder, tf_finetune_preset_name (options->preset));
  json_builder_set_member_name (builder, "epochs");
  json_builder_add_int_value (builder, options->epochs);
  json_builder_set_member_name (builder, "lr");
  json_builder_add_double_value (builder, options->lr);
  json_builder_set_member_name (builder, "holdout");
  json_builder_add_double_value (builder, holdout);
  json_builder_set_member_name (builder, "soft_targets");
  json_builder_add_boolean_value (builder, options->soft_targets);
  json_builder_set_member_name (builder, "seed");
  json_builder_add_int_value (builder, (gint64) options->seed);
  json_builder_set_member_name (builder, "model");
  json_builder_add_string_value (builder, model_file ? model_file : "");
  json_builder_set_member_name (builder, "started");
  json_builder_add_int_value (builder, g_get_real_time () / G_USEC_PER_SEC);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  return json_generator_to_data (generator, NULL);
}

gboolean
_tf_finetune_options_from_json (const char        *json,
                   TfFinetuneOptions *options,
                   double            *holdout,
                   char             **model_file,
                   gint64            *started)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *o;

  tf_finetune_options_init (options);
  if (json == NULL || *json == '\0' || !json_parser_load_from_data (parser, json, -1, NULL) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    return FALSE;
  o = json_node_get_object (json_parser_get_root (parser));
  if (!tf_finetune_preset_from_name (json_object_get_string_member_with_default (o, "preset", ""), &options->preset))
    return FALSE;
  options->epochs = (int) json_object_get_int_member_with_default (o, "epochs", 0);
  options->lr = json_object_get_double_member_with_default (o, "lr", 0);
  options->seed = (guint64) json_object_get_int_member_with_default (o, "seed", TF_FINETUNE_DEFAULT_SEED);
  options->soft_targets = json_object_get_boolean_member_with_default (o, "soft_targets", FALSE);
  *holdout = json_object_get_double_member_with_default (o, "holdout", TF_FINETUNE_DEFAULT_HOLDOUT);
  *model_file = g_strdup (json_object_get_string_member_with_default (o, "model", ""));
  *started = json_object_get_int_member_with_default (o, "started", 0);
  return options->epochs >= 0 && options->lr >= 0 && *holdout >= 0 && *holdout < 1;
}

void
_tf_finetune_view_forget_run (TfFinetuneView *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *checkpoint = NULL, *stored = NULL;

  if (self->project_path == NULL)
    return;
  checkpoint = tf_finetune_checkpoint_path (self->project_path);
  if (!tf_finetune_remove_checkpoint (checkpoint, &error))
    {
      g_autofree char *text = g_strdup_printf (_("The interrupted fine-tune could not be removed: %s"), error->message);
      _tf_finetune_view_toast (self, text);
      g_clear_error (&error);
    }
  if (self->project && !tf_project_is_read_only (self->project) &&
      (stored = tf_project_get_setting (self->project, TF_FINETUNE_SETTING_OPTIONS)) && *stored &&
      !tf_project_set_setting (self->project, TF_FINETUNE_SETTING_OPTIONS, "", &error))
    _tf_finetune_view_toast (self, error->message);
  _tf_finetune_view_update_resume (self);
}

void
_tf_finetune_view_update_resume (TfFinetuneView *self)
{
  g_autofree char *checkpoint = NULL, *stored = NULL, *model = NULL, *when = NULL, *subtitle = NULL;
  g_autoptr(GDateTime) time = NULL;
  TfFinetuneOptions options;
  TfFitRecipe recipe;
  double holdout, distill, temperature;
  gint64 started = 0;
  gboolean offer = FALSE;

  if (self->project && self->project_path && self->state == TF_FINETUNE_VIEW_SETUP)
    {
      checkpoint = tf_finetune_checkpoint_path (self->project_path);
      stored = tf_project_get_setting (self->project, TF_FINETUNE_SETTING_OPTIONS);
      offer = g_file_test (checkpoint, G_FILE_TEST_IS_REGULAR) &&
              _tf_finetune_options_from_json (stored, &options, &holdout, &model, &started);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->resume_group), offer);
  if (!offer)
    return;
  tf_finetune_recipe (&options, &recipe, &distill, &temperature);
  time = g_date_time_new_from_unix_local (started);
  when = time ? g_date_time_format (time, "%x %X") : g_strdup ("");
  /* TRANSLATORS: the interrupted run: its preset, epochs and when it started */
  subtitle = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s, %d epoch, started %s", "%s, %d epochs, started %s",
                                           (gulong) recipe.epochs),
                              _tf_finetune_preset_label (options.preset), recipe.epochs, when);
  adw_action_row_set_subtitle (self->resume_row, subtitle);
}

/* ---- the setup: read off the main loop ------------------------------------------- */

typedef struct
{
  char    *project_path;
  char    *model_path;
  double   holdout;
} SetupRequest;

static void
setup_request_free (SetupRequest *request)
{
  g_free (request->project_path);
  g_free (request->model_path);
  g_free (request);
}

/* What a setup reading finds in @project (used from one thread). */
static TfFinetuneSetup *
read_setup_from (TfProject  *project,
                 const char *model_path,
                 double      holdout)
{
  TfFinetuneSetup *setup = g_new0 (TfFinetuneSetup, 1);
  g_autoptr(GError) error = NULL;
  g_autoptr(TfModel) model = NULL;
  TfProjectFilter filter;
  gint64 unlabelled;

  setup->data = tf_finetune_data_from_project (project, holdout, TF_FINETUNE_DEFAULT_SEED, 0, &error);
  if (setup->data == NULL)
    {
      setup->error = g_strdup (error->message);
      return setup;
    }
  /* the setup counts faces, it never decodes them: the crops go */
  g_hash_table_remove_all (setup->data->crops);
  tf_project_filter_init (&filter);
  filter.labelled = TF_LABELLED_NO;
  unlabelled = tf_project_count_faces (project, &filter, NULL);
  setup->n_unlabelled = (guint) CLAMP (unlabelled, 0, G_MAXUINT);
  setup->warnings = g_ptr_array_new_with_free_func (g_free);
  setup->problem = tf_finetune_data_check_named (setup->data, setup->warnings, tf_class_display_name);
  if (model_path == NULL)
    {
      if (setup->problem == NULL)
        setup->problem = g_strdup (_("The model shipped with the application is not installed"));
      return setup;
    }
  setup->model_name = g_filename_display_basename (model_path);
  if ((model = tf_model_load (model_path, &error)) == NULL)
    {
      if (setup->problem == NULL)
        setup->problem = g_strdup (error->message);
      return setup;
    }
  setup->new_classes = tf_finetune_data_new_classes (setup->data, model);
  return setup;
}

static void
setup_thread (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  SetupRequest *request = task_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(TfProject) project = tf_project_open (request->project_path, TF_PROJECT_READ_ONLY, &error);

  if (project == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, read_setup_from (project, request->model_path, request->holdout),
                           (GDestroyNotify) _tf_finetune_setup_free);
}

static void
on_setup_read_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  TfFinetuneView *self = TF_FINETUNE_VIEW (source);
  g_autoptr(GError) error = NULL;
  TfFinetuneSetup *setup = g_task_propagate_pointer (G_TASK (result), &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;   /* a newer reading replaced it, or the view went */
  g_clear_object (&self->reading);
  if (setup == NULL && self->project)
    {
      /* the file cannot be opened twice here: read through the owner's */
      g_autofree char *model = _tf_finetune_view_start_model (self);
      double holdout = gtk_spin_button_get_value (self->holdout_spin) / 100.0;

      setup = read_setup_from (self->project, model, holdout);
    }
  _tf_finetune_setup_free (self->setup);
  self->setup = setup;
  _tf_finetune_setup_show (self);
}

void
_tf_finetune_setup_read (TfFinetuneView *self)
{
  g_autoptr(GTask) task = NULL;
  SetupRequest *request;

  g_clear_handle_id (&self->reread_timeout, g_source_remove);
  if (self->reading)
    g_cancellable_cancel (self->reading);
  g_clear_object (&self->reading);
  if (self->project_path == NULL)
    {
      g_clear_pointer (&self->setup, _tf_finetune_setup_free);
      _tf_finetune_setup_show (self);
      return;
    }
  request = g_new0 (SetupRequest, 1);
  request->project_path = g_strdup (self->project_path);
  request->model_path = _tf_finetune_view_start_model (self);
  request->holdout = gtk_spin_button_get_value (self->holdout_spin) / 100.0;
  self->reading = g_cancellable_new ();
  task = g_task_new (self, self->reading, on_setup_read_cb, NULL);
  g_task_set_source_tag (task, _tf_finetune_setup_read);
  g_task_set_task_data (task, request, (GDestroyNotify) setup_request_free);
  g_task_run_in_thread (task, setup_thread);
  if (self->setup == NULL)
    _tf_finetune_setup_show (self);
}

/* ---- the setup: shown ------------------------------------------------------------- */

static GtkWidget *
add_row (TfFinetuneView *self,
         const char     *icon,
         const char     *title,
         const char     *subtitle,
         const char     *css_class)
{
  GtkWidget *row = adw_action_row_new ();

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_title_lines (ADW_ACTION_ROW (row), 0);
  if (subtitle)
    adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  if (icon)
    adw_action_row_set_icon_name (ADW_ACTION_ROW (row), icon);
  if (css_class)
    gtk_widget_add_css_class (row, css_class);
  adw_preferences_group_add (self->labels_group, row);
  g_ptr_array_add (self->label_rows, row);
  return row;
}

static void
clear_label_rows (TfFinetuneView *self)
{
  for (guint i = 0; i < self->label_rows->len; i++)
    adw_preferences_group_remove (self->labels_group, g_ptr_array_index (self->label_rows, i));
  g_ptr_array_set_size (self->label_rows, 0);
}

static guint
n_items (TfDataset *dataset)
{
  return dataset ? tf_dataset_get_n_items (dataset) : 0;
}

static void
fill_labels (TfFinetuneView *self)
{
  TfFinetuneSetup *setup = self->setup;
  TfFinetuneData *data = setup->data;
  g_autofree char *labelled = tf_format_count (data->n_labelled);
  g_autofree char *description = NULL;
  guint empty_classes = 0;

  clear_label_rows (self);
  /* TRANSLATORS: %s is a number of faces */
  description = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s face labelled with a class",
                                              "%s faces labelled with a class", data->n_labelled),
                                 labelled);
  adw_preferences_group_set_description (self->labels_group, description);
  if (setup->problem)
    {
      GtkWidget *row = add_row (self, "dialog-error-symbolic", setup->problem, NULL, "error");
      gtk_widget_set_name (row, "problem");
    }
  if (setup->warnings && setup->warnings->len > 2)
    {
      /* many notes (one a class): folded, so the classes stay in view */
      GtkWidget *expander = adw_expander_row_new ();
      g_autofree char *title = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u note on these labels",
                                                             "%u notes on these labels", setup->warnings->len),
                                                setup->warnings->len);

      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (expander), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (expander), title);
      adw_expander_row_set_icon_name (ADW_EXPANDER_ROW (expander), "dialog-warning-symbolic");
      gtk_widget_set_name (expander, "warnings");
      for (guint i = 0; i < setup->warnings->len; i++)
        {
          GtkWidget *row = adw_action_row_new ();

          adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
          adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), g_ptr_array_index (setup->warnings, i));
          adw_action_row_set_title_lines (ADW_ACTION_ROW (row), 0);
          adw_expander_row_add_row (ADW_EXPANDER_ROW (expander), row);
        }
      adw_preferences_group_add (self->labels_group, expander);
      g_ptr_array_add (self->label_rows, expander);
    }
  else
    for (guint i = 0; setup->warnings && i < setup->warnings->len; i++)
      add_row (self, "dialog-warning-symbolic", g_ptr_array_index (setup->warnings, i), NULL, "warning");
  for (int k = 0; k < data->n_classes; k++)
    {
      guint count = data->counts[k], held = data->holdout_counts ? data->holdout_counts[k] : 0;
      g_autofree char *subtitle = NULL, *number = NULL;
      GtkWidget *row, *label;

      if (count == 0)
        {
          empty_classes++;
          continue;
        }
      /* TRANSLATORS: the faces of a class: %u to train on, %u held out to measure */
      subtitle = g_strdup_printf (_("%u to train on, %u held out"), count - MIN (held, count), held);
      row = add_row (self, NULL, tf_class_display_name (data->classes[k]), subtitle, NULL);
      g_object_set_data_full (G_OBJECT (row), "tf-class", g_strdup (data->classes[k]), g_free);
      if (count < TF_FINETUNE_MIN_PER_CLASS)
        {
          GtkWidget *icon = gtk_image_new_from_icon_name ("dialog-warning-symbolic");
          g_autofree char *tip = g_strdup_printf (_("Fewer than %d faces: label more for this class to be learnt"),
                                                  TF_FINETUNE_MIN_PER_CLASS);

          gtk_widget_set_tooltip_text (icon, tip);
          gtk_widget_add_css_class (icon, "warning");
          adw_action_row_add_suffix (ADW_ACTION_ROW (row), icon);
        }
      number = tf_format_count (count);
      label = gtk_label_new (number);
      gtk_widget_add_css_class (label, "numeric");
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), label);
    }
  if (empty_classes > 0)
    {
      g_autofree char *text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                            "%u more class has no labelled face: it is not trained",
                                                            "%u more classes have no labelled face: they are not trained",
                                                            empty_classes),
                                               empty_classes);

      add_row (self, NULL, text, NULL, "dim-label");
    }
  if (setup->new_classes && setup->new_classes[0])
    {
      g_autoptr(GPtrArray) shown = g_ptr_array_new ();
      g_autofree char *names = NULL;
      g_autofree char *text = NULL;
      g_autofree char *sub = NULL;
      GtkWidget *row;

      for (guint i = 0; setup->new_classes[i]; i++)
        g_ptr_array_add (shown, (gpointer) tf_class_display_name (setup->new_classes[i]));
      g_ptr_array_add (shown, NULL);
      names = g_strjoinv (", ", (GStrv) shown->pdata);
      /* TRANSLATORS: %s lists the project's classes the model lacks ("pain") */
      text = g_strdup_printf (_("The head grows for: %s"), names);
      sub = g_strdup_printf (_("%s does not know these classes yet: it learns them from your labels"),
                             setup->model_name ? setup->model_name : _("The model"));
      row = add_row (self, "list-add-symbolic", text, sub, NULL);
      gtk_widget_set_name (row, "new-classes");
    }
}

char *
_tf_finetune_format_duration (double seconds)
{
  if (!isfinite (seconds) || seconds < 0)
    return g_strdup ("—");
  if (seconds < 90)
    {
      int s = MAX (1, (int) round (seconds));
      /* TRANSLATORS: an estimated duration */
      return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "about %d second", "about %d seconds", s), s);
    }
  if (seconds < 90 * 60)
    {
      int m = (int) round (seconds / 60);
      return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "about %d minute", "about %d minutes", m), m);
    }
  /* TRANSLATORS: an estimated duration in hours, e.g. "about 2.5 hours" */
  return g_strdup_printf (_("about %.1f hours"), seconds / 3600);
}

void
_tf_finetune_setup_update_estimate (TfFinetuneView *self)
{
  TfFinetuneOptions options;
  g_autofree char *text = NULL;
  guint n_train, n_holdout, n_unlabelled;

  if (self->setup == NULL || self->setup->data == NULL)
    {
      gtk_label_set_label (self->estimate_label, "—");
      return;
    }
  tf_finetune_view_get_options (self, &options, NULL);
  n_train = n_items (self->setup->data->train);
  n_holdout = n_items (self->setup->data->holdout);
  n_unlabelled = MIN (MIN (self->setup->n_unlabelled, self->setup->data->n_labelled), TF_FINETUNE_DATA_MAX_UNLABELLED);
  text = _tf_finetune_format_duration (tf_finetune_estimate_s (&options, n_train, n_unlabelled, n_holdout));
  gtk_label_set_label (self->estimate_label, text);
}

static gboolean
folder_writable (const char *path)
{
  g_autofree char *dir = g_path_get_dirname (path);

  return g_access (dir, W_OK) == 0;
}

void
_tf_finetune_setup_show (TfFinetuneView *self)
{
  TfFinetuneSetup *setup = self->setup;
  gboolean ready;

  if (self->state != TF_FINETUNE_VIEW_SETUP)
    return;
  if (self->project_path == NULL || setup == NULL || setup->error)
    {
      gtk_stack_set_visible_child_name (self->stack, "empty");
      gtk_widget_set_visible (adw_status_page_get_child (self->empty_page), setup && setup->error);
      if (self->project_path == NULL)
        {
          adw_status_page_set_icon_name (self->empty_page, "applications-science-symbolic");
          adw_status_page_set_title (self->empty_page, _("Fine-tune the Model"));
          adw_status_page_set_description (self->empty_page, _("Open a project to fine-tune the model on its "
                                                               "labels."));
        }
      else if (setup == NULL)
        {
          adw_status_page_set_icon_name (self->empty_page, "applications-science-symbolic");
          adw_status_page_set_title (self->empty_page, _("Reading the Labels…"));
          adw_status_page_set_description (self->empty_page, NULL);
        }
      else
        {
          g_autofree char *text = g_strdup_printf ("%s\n%s", setup->error,
                                                   _("Label faces with a class in the review queue, then come back."));

          adw_status_page_set_icon_name (self->empty_page, "dialog-information-symbolic");
          adw_status_page_set_title (self->empty_page, _("Nothing to Fine-tune On Yet"));
          adw_status_page_set_description (self->empty_page, text);
        }
      return;
    }
  gtk_stack_set_visible_child_name (self->stack, "setup");
  fill_labels (self);
  _tf_finetune_setup_update_estimate (self);
  ready = setup->problem == NULL && self->job == NULL;
  gtk_widget_set_sensitive (GTK_WIDGET (self->start_button), ready);
  if (setup->problem)
    {
      gtk_label_set_label (self->start_hint, _("What is said above stops fine-tuning."));
      gtk_widget_set_visible (GTK_WIDGET (self->start_hint), TRUE);
    }
  else if (!folder_writable (self->project_path))
    {
      gtk_label_set_label (self->start_hint, _("The project’s folder cannot be written: a fine-tune that is "
                                               "interrupted cannot be resumed."));
      gtk_widget_set_visible (GTK_WIDGET (self->start_hint), TRUE);
    }
  else
    gtk_widget_set_visible (GTK_WIDGET (self->start_hint), FALSE);
  _tf_finetune_view_update_resume (self);
}
