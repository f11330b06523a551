/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <glib/gi18n.h>

#include <glib/gstdio.h>
#include <string.h>

#include "tf-colormap.h"
#include "tf-file-chooser.h"
#include "tf-finetune-view.h"
#include "tf-application.h"
#include "tf-preferences.h"
#include "tf-window.h"

struct _TfPreferences
{
  AdwPreferencesWindow  parent_instance;

  AdwActionRow         *model_row;
  GtkWidget            *model_button;
  GtkWidget            *model_reset_button;
  AdwExpanderRow       *model_info_row;
  AdwActionRow         *model_config_row;
  AdwActionRow         *model_classes_row;
  AdwActionRow         *model_provenance_row;
  GtkSpinButton        *threshold_spin;
  GtkSpinButton        *threads_spin;
  GtkSpinButton        *fps_spin;
  AdwComboRow          *colormap_row;
  GtkScale             *opacity_scale;
  GtkSwitch            *advance_switch;
  GtkSwitch            *mirror_switch;
  AdwActionRow         *compare_row;
  GtkWidget            *compare_stop_button;
  AdwActionRow         *annotator_row;
  GtkEntry             *annotator_entry;
  AdwPreferencesGroup  *finetuned_group;
  GtkWidget            *reanalyse_button;
  GPtrArray            *finetuned_rows;   /* rows of finetuned_group */
  gboolean              updating;

  TfSession            *session;  /* weak: the window's */
  GSettings            *settings;
};

G_DEFINE_FINAL_TYPE (TfPreferences, tf_preferences, ADW_TYPE_PREFERENCES_WINDOW)

/* ---- helpers ------------------------------------------------------------- */

/* what the loaded model is: its configuration, classes and provenance */
static void
update_model_info (TfPreferences *self)
{
  const TfModelInfo *info = self->session ? tf_session_describe_model (self->session) : NULL;
  g_autofree char *tooltip = NULL;

  gtk_widget_set_visible (GTK_WIDGET (self->model_info_row), info != NULL);
  if (info == NULL)
    return;
  adw_expander_row_set_subtitle (self->model_info_row, info->summary);
  adw_action_row_set_subtitle (self->model_config_row, info->configuration);
  adw_action_row_set_subtitle (self->model_classes_row, info->classes);
  adw_action_row_set_subtitle (self->model_provenance_row, info->provenance);
  if (info->source_sha256)
    /* TRANSLATORS: over the model's provenance; %s: the whole SHA-256 of the file it was converted from */
    tooltip = g_strdup_printf (_("SHA-256 of the file it was converted from: %s"), info->source_sha256);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->model_provenance_row), tooltip);
}

static void
update_model_row (TfPreferences *self)
{
  g_autofree char *path = g_settings_get_string (self->settings, "model-file");
  const char *name = self->session ? tf_session_get_model_name (self->session) : NULL;
  g_autofree char *subtitle = NULL;

  if (*path == '\0')
    /* TRANSLATORS: %s describes the model, e.g. "TransFER small, 112 px, FER+ 87.4 %" */
    subtitle = g_strdup_printf (_("Shipped with the application: %s"), name ? name : "");
  else
    {
      /* the name begins with the file's ("FILE (112 px, …)") */
      subtitle = name ? g_strdup (name) : g_filename_display_basename (path);
    }
  adw_action_row_set_subtitle (self->model_row, subtitle);
  gtk_widget_set_sensitive (self->model_reset_button, *path != '\0');
  update_model_info (self);
}

/* the model compared with, from the window's session */
static void
update_compare_row (TfPreferences *self)
{
  const char *path = self->session ? tf_session_get_compare_path (self->session) : NULL;
  g_autofree char *base = path ? g_filename_display_basename (path) : NULL;

  adw_action_row_set_subtitle (self->compare_row,
                               base ? base : _("Off: the faces are read by the model above only"));
  gtk_widget_set_sensitive (self->compare_stop_button, path != NULL);
}

/* What the annotator's name becomes, said under it: blank (or spaces) is
 * the login's full name; a name the open project has in another case is
 * filed under the project's spelling. */
static void
update_annotator_row (TfPreferences *self)
{
  g_autofree char *name = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->annotator_entry))));
  GtkWindow *parent = gtk_window_get_transient_for (GTK_WINDOW (self));
  TfProject *project = TF_IS_WINDOW (parent) ? tf_window_get_project (TF_WINDOW (parent)) : NULL;
  g_autofree char *filed = NULL, *subtitle = NULL;

  if (*name == '\0')
    /* TRANSLATORS: under the annotator's name in the preferences; %s: the login's full name */
    subtitle = g_strdup_printf (_("The name kept with each label; empty: your login's full name, %s"),
                                g_get_real_name ());
  else if (project && (filed = tf_project_annotator_name (project, name, NULL)) && strcmp (filed, name) != 0)
    /* TRANSLATORS: under the annotator's name in the preferences; %s: the name as the open project spells it */
    subtitle = g_strdup_printf (_("Your labels are filed under “%s”, the spelling this project already has"),
                                filed);
  else
    subtitle = g_strdup (_("The name kept with each label; empty: your login's full name"));
  adw_action_row_set_subtitle (self->annotator_row, subtitle);
}

static void
on_annotator_changed_cb (GtkEditable   *entry,
                         TfPreferences *self)
{
  /* not while the window goes (the template's pointers are cleared first) */
  if (self->annotator_entry && self->annotator_row)
    update_annotator_row (self);
}

static void load_model (TfPreferences *self,
                        const char    *path);

typedef struct
{
  char  *path;
  gint64 modified;
} ModelFile;

static void
model_file_free (gpointer data)
{
  ModelFile *m = data;

  g_free (m->path);
  g_free (m);
}

static int
compare_newest (gconstpointer a,
                gconstpointer b)
{
  const ModelFile *x = *(ModelFile * const *) a, *y = *(ModelFile * const *) b;

  return x->modified < y->modified ? 1 : x->modified > y->modified ? -1 : g_strcmp0 (x->path, y->path);
}

/* The models the Fine-tune page saved, newest first. */
static GPtrArray *
list_finetuned (void)
{
  g_autofree char *folder = tf_finetune_models_folder ();
  GPtrArray *models = g_ptr_array_new_with_free_func (model_file_free);
  g_autoptr(GDir) dir = g_dir_open (folder, 0, NULL);
  const char *name;

  while (dir && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = NULL;
      GStatBuf st;
      ModelFile *m;

      if (!g_str_has_suffix (name, ".safetensors") || name[0] == '.')
        continue;
      path = g_build_filename (folder, name, NULL);
      if (g_stat (path, &st) != 0 || !S_ISREG (st.st_mode))
        continue;
      m = g_new0 (ModelFile, 1);
      m->path = g_steal_pointer (&path);
      m->modified = st.st_mtime;
      g_ptr_array_add (models, m);
    }
  g_ptr_array_sort (models, compare_newest);
  return models;
}

static void
on_finetuned_toggled_cb (GtkCheckButton *check,
                         TfPreferences  *self)
{
  if (self->updating || !gtk_check_button_get_active (check))
    return;
  load_model (self, g_object_get_data (G_OBJECT (check), "tf-path"));
}

/* The fine-tuned models as rows, the one in use checked. */
static void
update_finetuned (TfPreferences *self)
{
  g_autofree char *current = g_settings_get_string (self->settings, "model-file");
  g_autoptr(GPtrArray) models = list_finetuned ();
  GtkCheckButton *group = NULL;

  gboolean same = models->len == self->finetuned_rows->len;

  /* the same files: only the check moves (this runs from a check's own
   * "toggled", which must not destroy it) */
  for (guint i = 0; same && i < models->len; i++)
    same = g_strcmp0 (((ModelFile *) g_ptr_array_index (models, i))->path,
                      gtk_widget_get_name (g_ptr_array_index (self->finetuned_rows, i))) == 0;
  self->updating = TRUE;
  if (same)
    {
      for (guint i = 0; i < self->finetuned_rows->len; i++)
        {
          GtkWidget *row = g_ptr_array_index (self->finetuned_rows, i);
          GtkCheckButton *check = g_object_get_data (G_OBJECT (row), "tf-check");

          gtk_check_button_set_active (check, g_strcmp0 (current, gtk_widget_get_name (row)) == 0);
        }
      self->updating = FALSE;
      return;
    }
  for (guint i = 0; i < self->finetuned_rows->len; i++)
    adw_preferences_group_remove (self->finetuned_group, g_ptr_array_index (self->finetuned_rows, i));
  g_ptr_array_set_size (self->finetuned_rows, 0);
  for (guint i = 0; i < models->len; i++)
    {
      ModelFile *m = g_ptr_array_index (models, i);
      g_autofree char *title = g_filename_display_basename (m->path);
      g_autoptr(GDateTime) time = g_date_time_new_from_unix_local (m->modified);
      g_autofree char *when = time ? g_date_time_format (time, "%x %X") : NULL;
      g_autofree char *subtitle = NULL;
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *check = gtk_check_button_new ();

      if (g_str_has_suffix (title, ".safetensors"))
        title[strlen (title) - strlen (".safetensors")] = '\0';
      /* TRANSLATORS: when a fine-tuned model was saved */
      subtitle = g_strdup_printf (_("Saved %s"), when ? when : "");
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
      gtk_widget_set_name (row, m->path);
      gtk_widget_set_valign (check, GTK_ALIGN_CENTER);
      gtk_check_button_set_group (GTK_CHECK_BUTTON (check), group);
      group = group ? group : GTK_CHECK_BUTTON (check);
      gtk_check_button_set_active (GTK_CHECK_BUTTON (check), g_strcmp0 (current, m->path) == 0);
      g_object_set_data_full (G_OBJECT (check), "tf-path", g_strdup (m->path), g_free);
      gtk_accessible_update_property (GTK_ACCESSIBLE (check), GTK_ACCESSIBLE_PROPERTY_LABEL, title, -1);
      g_signal_connect (check, "toggled", G_CALLBACK (on_finetuned_toggled_cb), self);
      adw_action_row_add_prefix (ADW_ACTION_ROW (row), check);
      g_object_set_data (G_OBJECT (row), "tf-check", check);
      adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), check);
      adw_preferences_group_add (self->finetuned_group, row);
      g_ptr_array_add (self->finetuned_rows, row);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->finetuned_group), models->len > 0);
  self->updating = FALSE;
}

/* a model that does not load: the person chose it and must choose again,
 * so the whole message, in a dialog over the preferences */
static void
show_error (TfPreferences *self,
            const char    *message)
{
  AdwMessageDialog *dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (self),
                                                                         _("Could Not Load the Model"),
                                                                         message));

  adw_message_dialog_add_response (dialog, "close", _("_Close"));
  adw_message_dialog_set_default_response (dialog, "close");
  adw_message_dialog_set_close_response (dialog, "close");
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
load_model (TfPreferences *self,
            const char    *path)
{
  g_autoptr(GError) error = NULL;

  if (self->session == NULL)
    return;
  /* a model that does not load leaves the previous one in place; one that
   * does is remembered, and the window finds it loaded already */
  if (!tf_session_load (self->session, path && *path ? path : NULL, NULL, &error))
    show_error (self, error->message);
  else
    {
      g_settings_set_string (self->settings, "model-file", tf_session_get_model_path (self->session));
      /* the person chose it: what it is, in sight */
      adw_expander_row_set_expanded (self->model_info_row, TRUE);
    }
  update_model_row (self);
  update_finetuned (self);
}

/* "threads" is an int, a spin button's value a double */
static gboolean
int_get_mapping (GValue   *value,
                 GVariant *variant,
                 gpointer  user_data)
{
  g_value_set_double (value, g_variant_get_int32 (variant));
  return TRUE;
}

static GVariant *
int_set_mapping (const GValue       *value,
                 const GVariantType *expected_type,
                 gpointer            user_data)
{
  return g_variant_new_int32 ((gint32) (g_value_get_double (value) + 0.5));
}

/* "colormap" is a name, the combo row's choice an index in the same order */
static gboolean
colormap_get_mapping (GValue   *value,
                      GVariant *variant,
                      gpointer  user_data)
{
  int map = tf_colormap_from_string (g_variant_get_string (variant, NULL));

  g_value_set_uint (value, map >= 0 ? (guint) map : 0);
  return TRUE;
}

static GVariant *
colormap_set_mapping (const GValue       *value,
                      const GVariantType *expected_type,
                      gpointer            user_data)
{
  guint map = g_value_get_uint (value);

  if (map >= TF_N_COLORMAPS)
    return NULL;
  return g_variant_new_string (tf_colormap_to_string ((TfColormap) map));
}

/* ---- callbacks ----------------------------------------------------------- */

static void
on_model_chosen_cb (GFile    **files,
                    guint      n_files,
                    gpointer   user_data)
{
  g_autoptr(TfPreferences) self = user_data;
  g_autofree char *path = NULL;

  if (n_files == 0)
    return;
  path = g_file_get_path (files[0]);
  if (path == NULL)
    {
      show_error (self, _("Only files on this computer can be used as models"));
      return;
    }
  load_model (self, path);
}

static void
on_model_button_clicked_cb (GtkButton     *button,
                            TfPreferences *self)
{
  g_autoptr(GListStore) filters = g_list_store_new (GTK_TYPE_FILE_FILTER);
  g_autoptr(GtkFileFilter) models = gtk_file_filter_new ();

  gtk_file_filter_set_name (models, _("Models (safetensors)"));
  gtk_file_filter_add_suffix (models, "safetensors");
  g_list_store_append (filters, models);
  tf_choose_files (GTK_WINDOW (self), TF_CHOOSE_OPEN, _("Choose an Expression Model"), _("_Choose"),
                   G_LIST_MODEL (filters), NULL, on_model_chosen_cb, g_object_ref (self));
}

static void
on_model_reset_clicked_cb (GtkButton     *button,
                           TfPreferences *self)
{
  load_model (self, NULL);
}

/* a model loaded, here or by the window (whose handler of the setting may
 * run after this window's) */
static void
on_model_loaded_cb (TfSession     *session,
                    TfPreferences *self)
{
  update_model_row (self);
}

static void
on_model_changed_cb (GSettings     *settings,
                     const char    *key,
                     TfPreferences *self)
{
  update_model_row (self);
  update_finetuned (self);
}

/* What is open in the window, analysed again with these settings; the
 * preferences close so the analysis is in sight. */
static void
on_reanalyse_clicked_cb (GtkButton     *button,
                         TfPreferences *self)
{
  GtkWindow *parent = gtk_window_get_transient_for (GTK_WINDOW (self));

  if (!TF_IS_WINDOW (parent) || !tf_window_can_reanalyse (TF_WINDOW (parent)))
    return;
  tf_window_reanalyse (TF_WINDOW (parent));
  gtk_window_close (GTK_WINDOW (self));
}

static void
on_compare_button_clicked_cb (GtkButton     *button,
                              TfPreferences *self)
{
  GtkWindow *parent = gtk_window_get_transient_for (GTK_WINDOW (self));

  /* the window's chooser: its toasts say what came of it */
  if (TF_IS_WINDOW (parent))
    tf_window_compare_choose (TF_WINDOW (parent));
  gtk_window_close (GTK_WINDOW (self));
}

static void
on_compare_stop_clicked_cb (GtkButton     *button,
                            TfPreferences *self)
{
  GtkWindow *parent = gtk_window_get_transient_for (GTK_WINDOW (self));

  if (TF_IS_WINDOW (parent))
    tf_window_compare_stop (TF_WINDOW (parent));
  update_compare_row (self);
}

/* ---- overrides ----------------------------------------------------------- */

static void
tf_preferences_dispose (GObject *object)
{
  TfPreferences *self = TF_PREFERENCES (object);

  if (self->session)
    g_signal_handlers_disconnect_by_data (self->session, self);
  g_clear_weak_pointer (&self->session);
  if (self->settings)
    g_signal_handlers_disconnect_by_data (self->settings, self);
  g_clear_object (&self->settings);
  g_clear_pointer (&self->finetuned_rows, g_ptr_array_unref);
  gtk_widget_dispose_template (GTK_WIDGET (self), TF_TYPE_PREFERENCES);
  G_OBJECT_CLASS (tf_preferences_parent_class)->dispose (object);
}

static void
tf_preferences_class_init (TfPreferencesClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tf_preferences_dispose;

  gtk_widget_class_set_template_from_resource (widget_class, "/com/example/TransFER/ui/tf-preferences.ui");
  gtk_widget_class_bind_template_child (widget_class, TfPreferences, model_row);
  gtk_widget_class_bind_template_child (widget_class, TfPreferences, model_button);
  gtk_widget_class_bind_template_child (widget_class, TfPreferences, model_reset_button);
  gtk_widget_class_bind_template_child (widget_class, TfPreferences, model_info_row);
  gtk_widget_class_bind_template_child (widget_class, TfPreferences, model_config_row);
  gtk_widget_class_bind_template_child (widget_class, TfPreferences, model_classes_row);
  gtk_widget_class_bind_template_child (widget_class, TfPreferences, model_provenance_row);
  gtk_widget_class_bind_template_child (widget_class, TfPreferences, threshold_spin);
  gtk_widget_class_bind_template_child (widget_class, TfPreferences, threads_spin);
  gtk_widget_class_bind_template_child (widget_class, TfPreferences, fps_spin);
  gtk_widget_class_bind_template_child (widget_class, TfPreferences, colormap_row);
  gtk_widget_class_bind_template_child (widget_class, TfPreferences, opacity_scale);
  gtk_widget_class_bind_template_child (widget_class, TfPreferences, advance_switch);
  gtk_widget_class_bind_template_child (widget_class, TfPreferences, mirror_switch);
  gtk_widget_class_bind_template_child (widget_class, TfPreferences, compare_row);
  gtk_widget_class_bind_template_child (widget_class, TfPreferences, compare_stop_button);
  gtk_widget_class_bind_template_callback (widget_class, on_compare_button_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_compare_stop_clicked_cb);
  gtk_widget_class_bind_template_child (widget_class, TfPreferences, annotator_row);
  gtk_widget_class_bind_template_child (widget_class, TfPreferences, annotator_entry);
  gtk_widget_class_bind_template_child (widget_class, TfPreferences, finetuned_group);
  gtk_widget_class_bind_template_callback (widget_class, on_model_button_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_model_reset_clicked_cb);
  gtk_widget_class_bind_template_child (widget_class, TfPreferences, reanalyse_button);
  gtk_widget_class_bind_template_callback (widget_class, on_reanalyse_clicked_cb);
}

static void
tf_preferences_init (TfPreferences *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->finetuned_rows = g_ptr_array_new ();
  self->settings = g_settings_new (TF_APPLICATION_ID);
  g_settings_bind (self->settings, "detector-threshold",
                   gtk_spin_button_get_adjustment (self->threshold_spin), "value", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind_with_mapping (self->settings, "threads",
                                gtk_spin_button_get_adjustment (self->threads_spin), "value",
                                G_SETTINGS_BIND_DEFAULT, int_get_mapping, int_set_mapping, NULL, NULL);
  g_settings_bind (self->settings, "video-fps",
                   gtk_spin_button_get_adjustment (self->fps_spin), "value", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind_with_mapping (self->settings, "colormap", self->colormap_row, "selected",
                                G_SETTINGS_BIND_DEFAULT, colormap_get_mapping, colormap_set_mapping, NULL, NULL);
  g_settings_bind (self->settings, "overlay-opacity",
                   gtk_range_get_adjustment (GTK_RANGE (self->opacity_scale)), "value", G_SETTINGS_BIND_DEFAULT);
  g_signal_connect (self->settings, "changed::model-file", G_CALLBACK (on_model_changed_cb), self);
  g_settings_bind (self->settings, "auto-advance", self->advance_switch, "active", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "mirror-average", self->mirror_switch, "active", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "annotator", self->annotator_entry, "text", G_SETTINGS_BIND_DEFAULT);
  gtk_entry_set_placeholder_text (self->annotator_entry, g_get_real_name ());
  g_signal_connect (self->annotator_entry, "changed", G_CALLBACK (on_annotator_changed_cb), self);
}

/* ---- public API ---------------------------------------------------------- */

TfPreferences *
tf_preferences_new (GtkWindow *parent,
                    TfSession *session)
{
  TfPreferences *self;

  g_return_val_if_fail (GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (TF_IS_SESSION (session), NULL);

  self = g_object_new (TF_TYPE_PREFERENCES,
                       "transient-for", parent,
                       "application", gtk_window_get_application (parent),
                       NULL);
  g_set_weak_pointer (&self->session, session);
  g_signal_connect (session, "model-loaded", G_CALLBACK (on_model_loaded_cb), self);
  gtk_widget_set_sensitive (self->reanalyse_button,
                            TF_IS_WINDOW (parent) && tf_window_can_reanalyse (TF_WINDOW (parent)));
  update_model_row (self);
  update_finetuned (self);
  update_compare_row (self);
  update_annotator_row (self);
  return self;
}
