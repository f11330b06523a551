/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The window's actions: export (rows written in a worker thread), cancel,
 * the next and previous face, opening; and the file choosers. */
#include <glib/gi18n.h>
#include <string.h>

#include "tf-help.h"
#include "tf-window-private.h"

void
tf_window_update_actions (TfWindow *self)
{
  gboolean running = tf_session_is_running (self->session);
  const char *page = gtk_stack_get_visible_child_name (self->media_stack);
  gboolean faces = FALSE;

  if (g_strcmp0 (gtk_stack_get_visible_child_name (self->main_stack), "media") == 0)
    {
      if (g_strcmp0 (page, "photo") == 0)
        faces = tf_photo_view_get_n_faces (self->photo_view) > 1 || self->in_item;
      else if (g_strcmp0 (page, "video") == 0)
        faces = tf_video_view_get_n_tracks (self->video_view) > 0;
      else if (g_strcmp0 (page, "error") == 0)
        faces = self->in_item;   /* a folder's: on to the next photo */
    }
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.export", self->results->len > 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.cancel", running);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.next-face", faces);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.previous-face", faces);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.back", self->in_item);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.reanalyse", tf_window_can_reanalyse (self));
  gtk_widget_set_visible (self->back_button, self->in_item);
  gtk_widget_set_visible (self->sidebar_button, self->view != TF_VIEW_EMPTY || self->project != NULL);
  tf_window_project_update_actions (self);
}

/* ---- export (the rows are written in a worker thread) ---------------------- */

typedef struct
{
  GPtrArray      *probes;   /* refs: probes never change */
  TfExportFormat  format;
  GFile          *file;
  guint           rows, skipped;
  /* what the rows hold: faces (a video's tracks, a photo's faces), and the
   * frames of the one video when it is all there is */
  guint           faces, photos, videos, frames;
} ExportJob;

static void
export_job_free (gpointer data)
{
  ExportJob *job = data;

  g_ptr_array_unref (job->probes);
  g_object_unref (job->file);
  g_free (job);
}

/* one file's rows: a video is a file of more than one frame */
typedef struct
{
  GHashTable *frames, *tracks;
  guint       rows;
} FileRows;

static void
file_rows_free (gpointer data)
{
  FileRows *f = data;

  g_hash_table_unref (f->frames);
  g_hash_table_unref (f->tracks);
  g_free (f);
}

static void
count_row (GHashTable        *files,
           const TfFaceProbe *p)
{
  FileRows *f = g_hash_table_lookup (files, p->file ? p->file : "");

  if (f == NULL)
    {
      f = g_new0 (FileRows, 1);
      f->frames = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
      f->tracks = g_hash_table_new (NULL, NULL);
      g_hash_table_insert (files, g_strdup (p->file ? p->file : ""), f);
    }
  f->rows++;
  g_hash_table_add (f->frames, g_memdup2 (&p->frame, sizeof p->frame));
  g_hash_table_add (f->tracks, GINT_TO_POINTER (p->track));
}

static void
count_files (ExportJob  *job,
             GHashTable *files)
{
  GHashTableIter iter;
  FileRows *f;

  g_hash_table_iter_init (&iter, files);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &f))
    if (g_hash_table_size (f->frames) > 1)
      {
        job->videos++;
        job->faces += g_hash_table_size (f->tracks);
        job->frames = g_hash_table_size (f->frames);
      }
    else
      {
        job->photos++;
        job->faces += f->rows;
      }
}

/* "240 rows: 4 faces × 60 frames" for a video, "12 rows: 12 faces in 9
 * photos" for photos */
static char *
export_summary (const ExportJob *job)
{
  g_autofree char *rows = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u row", "%u rows", job->rows), job->rows);
  g_autofree char *faces = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u face", "%u faces", job->faces),
                                            job->faces);
  g_autofree char *photos = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u photo", "%u photos", job->photos),
                                             job->photos);
  g_autofree char *videos = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u video", "%u videos", job->videos),
                                             job->videos);
  g_autofree char *where = NULL, *what = NULL;

  if (job->rows == 0)
    return g_steal_pointer (&rows);
  if (job->videos == 1 && job->photos == 0)
    {
      g_autofree char *frames = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u frame", "%u frames", job->frames),
                                                 job->frames);
      if (job->rows == job->faces * job->frames)
        /* TRANSLATORS: "4 faces × 60 frames": each face in each frame of a video */
        what = g_strdup_printf (_("%s × %s"), faces, frames);
      else
        /* TRANSLATORS: "4 faces in 60 frames" (of a video) or "12 faces in 9 photos" */
        what = g_strdup_printf (_("%s in %s"), faces, frames);
    }
  else
    {
      if (job->videos == 0)
        where = g_strdup (photos);
      else if (job->photos == 0)
        where = g_strdup (videos);
      else
        /* TRANSLATORS: "9 photos and 2 videos" */
        where = g_strdup_printf (_("%s and %s"), photos, videos);
      what = g_strdup_printf (_("%s in %s"), faces, where);
    }
  /* TRANSLATORS: "240 rows: 4 faces × 60 frames", what an export wrote */
  return g_strdup_printf (_("%s: %s"), rows, what);
}

static gboolean
same_classes (const TfFaceProbe *a,
              const TfFaceProbe *b)
{
  if (a->classes != b->classes)
    return FALSE;
  for (int k = 0; k < a->classes; k++)
    if (g_strcmp0 (a->class_names[k], b->class_names[k]) != 0)
      return FALSE;
  return TRUE;
}

static void
export_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  ExportJob *job = task_data;
  g_autoptr(GString) out = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) files = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, file_rows_free);
  const TfFaceProbe *first = NULL;

  for (guint i = 0; i < job->probes->len && first == NULL; i++)
    {
      const TfFaceProbe *p = g_ptr_array_index (job->probes, i);
      if (p->probs && p->class_names)
        first = p;
    }
  if (first)
    tf_export_header (out, job->format, (const char * const *) first->class_names, first->classes);
  for (guint i = 0; i < job->probes->len; i++)
    {
      const TfFaceProbe *p = g_ptr_array_index (job->probes, i);
      TfFace det;
      TfExportRow row;

      /* a model changed half-way: its faces do not fit the columns */
      if (first == NULL || p->probs == NULL || p->class_names == NULL || !same_classes (first, p))
        {
          job->skipped++;
          continue;
        }
      det.x = p->box[0];
      det.y = p->box[1];
      det.w = p->box[2];
      det.h = p->box[3];
      det.score = p->score;
      memcpy (det.landmarks, p->landmarks, sizeof det.landmarks);
      row = (TfExportRow) {
        .file = p->file,
        .frame = p->frame,
        .time_s = p->time_s,
        .face = p->face,
        .det = &det,
        .probs = p->probs,
        .predicted = p->predicted,
        .label = NULL,
        .track = p->track,
      };
      tf_export_row (out, job->format, (const char * const *) first->class_names, first->classes, &row);
      job->rows++;
      count_row (files, p);
    }
  count_files (job, files);
  /* atomic: a temporary file renamed over the old one */
  if (!g_file_replace_contents (job->file, out->str, out->len, NULL, FALSE,
                                G_FILE_CREATE_REPLACE_DESTINATION, NULL, cancellable, &error))
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

static void
on_export_done_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  TfWindow *self = TF_WINDOW (source);
  ExportJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  g_autofree char *name = g_file_get_basename (job->file);
  g_autofree char *summary = NULL;
  g_autofree char *text = NULL;

  if (!tf_window_export_finish (self, result, &error))
    {
      text = g_strdup_printf (_("Could not export to %s: %s"), name, error->message);
      tf_window_add_toast (self, text);
      return;
    }
  summary = export_summary (job);
  /* what the file holds, short enough for a toast whole: the person just
   * named the file */
  if (job->skipped > 0)
    /* TRANSLATORS: "240 rows: 4 faces × 60 frames (...)" */
    text = g_strdup_printf (_("%s (faces from another model left out)"), summary);
  else
    text = g_strdup (summary);
  tf_window_add_toast (self, text);
}

/* the formats the export offers, in the chooser's order */
static const TfExportFormat export_formats[] = { TF_EXPORT_CSV, TF_EXPORT_JSONL };
static const char * const export_extensions[] = { "csv", "jsonl", NULL };

/* the format is the one chosen, whatever the name says */
static void
on_export_chosen_cb (GFile    *file,
                     guint     format,
                     gpointer  user_data)
{
  g_autoptr(TfWindow) self = user_data;

  if (file == NULL)
    return;
  tf_window_export_async (self, file, export_formats[MIN (format, G_N_ELEMENTS (export_formats) - 1)],
                          NULL, on_export_done_cb, NULL);
}

static void
on_open_chosen_cb (GFile    **files,
                   guint      n_files,
                   gpointer   user_data)
{
  g_autoptr(TfWindow) self = user_data;

  if (n_files > 0)
    tf_window_open (self, files, (int) n_files);
}

/* ---- actions ------------------------------------------------------------- */

static void
export_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *param)
{
  TfWindow *self = TF_WINDOW (widget);
  g_autoptr(GListStore) filters = g_list_store_new (GTK_TYPE_FILE_FILTER);
  g_autoptr(GtkFileFilter) csv = gtk_file_filter_new ();
  g_autoptr(GtkFileFilter) jsonl = gtk_file_filter_new ();
  const char *subtitle = adw_window_title_get_subtitle (self->window_title);
  g_autofree char *stem = NULL, *initial = NULL;

  gtk_file_filter_set_name (csv, _("CSV"));
  gtk_file_filter_add_mime_type (csv, "text/csv");
  gtk_file_filter_add_suffix (csv, "csv");
  gtk_file_filter_set_name (jsonl, _("JSON Lines"));
  gtk_file_filter_add_suffix (jsonl, "jsonl");
  g_list_store_append (filters, csv);
  g_list_store_append (filters, jsonl);

  /* "photo.jpg" -> "photo-expressions.csv" */
  stem = g_strdup (subtitle && *subtitle ? subtitle : _("results"));
  if (strrchr (stem, '.') && strrchr (stem, '.') != stem)
    *strrchr (stem, '.') = '\0';
  /* TRANSLATORS: the file name offered for an export; %s is the photo's, video's or folder's name */
  initial = g_strdup_printf (_("%s-expressions.csv"), stem);
  tf_choose_save_format (GTK_WINDOW (self), _("Export Results"), _("_Export"), G_LIST_MODEL (filters),
                         export_extensions, initial, on_export_chosen_cb, g_object_ref (self));
}

static void
cancel_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *param)
{
  tf_session_cancel (TF_WINDOW (widget)->session);
}

static void
continue_analysis_action (GtkWidget  *widget,
                          const char *action_name,
                          GVariant   *param)
{
  TfWindow *self = TF_WINDOW (widget);

  if (!gtk_widget_get_visible (self->continue_button) || !tf_session_can_continue (self->session))
    return;
  tf_session_continue (self->session);
}

static void
step_face (TfWindow *self,
           int       direction)
{
  const char *page = gtk_stack_get_visible_child_name (self->media_stack);

  /* in a folder's photo (or the page of one that cannot be read), the keys
   * go from photo to photo; the arrow keys choose among its faces */
  if ((g_strcmp0 (page, "photo") == 0 || g_strcmp0 (page, "error") == 0) && self->in_item)
    tf_window_step_photo (self, direction);
  else if (g_strcmp0 (page, "photo") == 0)
    {
      int n = (int) tf_photo_view_get_n_faces (self->photo_view);
      int i = tf_photo_view_get_selected (self->photo_view);
      if (n > 0)
        tf_photo_view_select (self->photo_view, ((i < 0 ? 0 : i + direction) + n) % n);
    }
  else if (g_strcmp0 (page, "video") == 0)
    /* a video's faces are people: the next person, not the next frame */
    tf_video_view_select_next_track (self->video_view, direction);
}

/* The video's keys, while it is shown and the focus is not in a text
 * entry: Space plays or pauses, period and comma step to the next and
 * previous analysed frame. Before the focused widget (a focused button
 * would take Space for itself). */
static gboolean
on_video_key_pressed_cb (GtkEventControllerKey *controller,
                         guint                  keyval,
                         guint                  keycode,
                         GdkModifierType        state,
                         TfWindow              *self)
{
  GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (self));

  if (state & (GDK_CONTROL_MASK | GDK_ALT_MASK | GDK_SUPER_MASK | GDK_SHIFT_MASK))
    return FALSE;
  if (focus && (GTK_IS_EDITABLE (focus) || GTK_IS_TEXT_VIEW (focus)))
    return FALSE;
  if (g_strcmp0 (gtk_stack_get_visible_child_name (self->main_stack), "media") != 0 ||
      g_strcmp0 (gtk_stack_get_visible_child_name (self->media_stack), "video") != 0 ||
      tf_video_view_get_file (self->video_view) == NULL)
    return FALSE;
  switch (keyval)
    {
    case GDK_KEY_space:
    case GDK_KEY_KP_Space:
      tf_video_view_toggle_playing (self->video_view);
      return TRUE;
    case GDK_KEY_period:
      tf_video_view_step_frame (self->video_view, 1);
      return TRUE;
    case GDK_KEY_comma:
      tf_video_view_step_frame (self->video_view, -1);
      return TRUE;
    default:
      return FALSE;
    }
}

void
tf_window_actions_init (TfWindow *self)
{
  GtkEventController *keys = gtk_event_controller_key_new ();

  gtk_event_controller_set_propagation_phase (keys, GTK_PHASE_CAPTURE);
  g_signal_connect (keys, "key-pressed", G_CALLBACK (on_video_key_pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), keys);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.continue-analysis", FALSE);
}

static void
next_face_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *param)
{
  step_face (TF_WINDOW (widget), 1);
}

static void
previous_face_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *param)
{
  step_face (TF_WINDOW (widget), -1);
}

static void
open_sample_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *param)
{
  tf_window_open_sample (TF_WINDOW (widget));
}

static void
open_recent_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *param)
{
  g_autoptr(GFile) file = g_file_new_for_uri (g_variant_get_string (param, NULL));

  tf_window_open (TF_WINDOW (widget), &file, 1);
}

static void
back_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *param)
{
  TfWindow *self = TF_WINDOW (widget);
  g_autofree char *shown = NULL;

  if (!self->in_item)
    return;
  shown = g_strdup (tf_window_shown_file (self));
  self->in_item = FALSE;
  tf_photo_view_set_file (self->photo_view, NULL);
  tf_video_view_set_file (self->video_view, NULL);
  tf_window_show_face (self, NULL);
  g_free (self->media_page);
  self->media_page = g_strdup ("folder");
  gtk_stack_set_visible_child_name (self->media_stack, "folder");
  adw_window_title_set_subtitle (self->window_title,
                                 g_object_get_data (G_OBJECT (self), "tf-folder-title"));
  tf_window_browse_back (self, shown);
  tf_window_update_actions (self);
}

void
tf_window_open_dialog (TfWindow *self,
                       gboolean  folder)
{
  g_autoptr(GListStore) filters = g_list_store_new (GTK_TYPE_FILE_FILTER);

  g_return_if_fail (TF_IS_WINDOW (self));

  if (!folder)
    {
      g_autoptr(GtkFileFilter) media = gtk_file_filter_new ();
      g_autoptr(GtkFileFilter) all = gtk_file_filter_new ();

      gtk_file_filter_set_name (media, _("Photos and Videos"));
      gtk_file_filter_add_mime_type (media, "image/*");
      gtk_file_filter_add_mime_type (media, "video/*");
      gtk_file_filter_set_name (all, _("All Files"));
      gtk_file_filter_add_pattern (all, "*");
      g_list_store_append (filters, media);
      g_list_store_append (filters, all);
    }
  tf_choose_files (GTK_WINDOW (self), folder ? TF_CHOOSE_FOLDER : TF_CHOOSE_OPEN_MULTIPLE,
                   folder ? _("Open Folder") : _("Open Photos or Videos"), _("_Open"),
                   folder ? NULL : G_LIST_MODEL (filters), NULL, on_open_chosen_cb, g_object_ref (self));
}

void
tf_window_export_async (TfWindow            *self,
                        GFile               *file,
                        TfExportFormat       format,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  ExportJob *job;

  g_return_if_fail (TF_IS_WINDOW (self));
  g_return_if_fail (G_IS_FILE (file));

  job = g_new0 (ExportJob, 1);
  job->probes = g_ptr_array_new_full (self->results->len, (GDestroyNotify) tf_face_probe_unref);
  for (guint i = 0; i < self->results->len; i++)
    g_ptr_array_add (job->probes, tf_face_probe_ref (g_ptr_array_index (self->results, i)));
  job->format = format;
  job->file = g_object_ref (file);
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tf_window_export_async);
  g_task_set_task_data (task, job, export_job_free);
  g_task_run_in_thread (task, export_thread);
}

gboolean
tf_window_export_finish (TfWindow      *self,
                         GAsyncResult  *result,
                         GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- help: "What am I looking at?" -------------------------------------- */

#define HELP_KEY "tf-help"

static void
help_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *param)
{
  tf_window_show_help (TF_WINDOW (widget), g_variant_get_string (param, NULL));
}

GtkWindow *
tf_window_get_help (TfWindow *self)
{
  g_return_val_if_fail (TF_IS_WINDOW (self), NULL);
  return g_object_get_data (G_OBJECT (self), HELP_KEY);
}

/* the help forgotten when it goes (closed, or with the window) */
static void on_window_gone_cb (gpointer data, GObject *window);

static void
on_help_gone_cb (gpointer  data,
                 GObject  *help)
{
  g_object_set_data (G_OBJECT (data), HELP_KEY, NULL);
  g_object_weak_unref (G_OBJECT (data), on_window_gone_cb, help);
}

static void
on_window_gone_cb (gpointer  data,
                   GObject  *window)
{
  g_object_weak_unref (G_OBJECT (data), on_help_gone_cb, window);
}

void
tf_window_show_help (TfWindow   *self,
                     const char *section)
{
  TfHelp *help = g_object_get_data (G_OBJECT (self), HELP_KEY);
  TfFaceProbe *probe = tf_face_inspector_get_probe (self->inspector);
  g_autofree char *name = NULL;
  int colormap;

  g_return_if_fail (TF_IS_WINDOW (self));

  name = g_settings_get_string (self->settings, "colormap");
  colormap = tf_colormap_from_string (name);
  if (help == NULL)
    {
      help = tf_help_new (GTK_WINDOW (self), self->session, probe,
                          colormap >= 0 ? (TfColormap) colormap : TF_COLORMAP_VIRIDIS);
      g_object_set_data_full (G_OBJECT (self), HELP_KEY, help, NULL);
      g_object_weak_ref (G_OBJECT (help), on_help_gone_cb, self);
      g_object_weak_ref (G_OBJECT (self), on_window_gone_cb, help);
    }
  else if (probe != NULL && probe->lanet_maps != NULL)
    /* the face now in the inspector (the sample photo's stays otherwise) */
    tf_help_set_probe (help, probe);
  tf_help_show_section (help, section && *section ? section : NULL);
  gtk_window_present (GTK_WINDOW (help));
}

static void
on_help_requested_cb (TfFaceInspector *inspector,
                      const char      *section,
                      TfWindow        *self)
{
  tf_window_show_help (self, section);
}

/* "map" is one of the inspector's names; the schema lists them */
void
tf_window_help_init (TfWindow *self)
{
  g_settings_bind (self->settings, "overlay-map", self->inspector, "map", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "crop-as-model", self->inspector, "as-model", G_SETTINGS_BIND_DEFAULT);
  g_signal_connect (self->inspector, "help-requested", G_CALLBACK (on_help_requested_cb), self);
}

static void
reanalyse_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *param)
{
  tf_window_reanalyse (TF_WINDOW (widget));
}

/* ---- installation -------------------------------------------------------- */

/* the live camera page (tf-window-camera.c) */
static void
live_camera_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *param)
{
  tf_window_show_camera (TF_WINDOW (widget), NULL);
}

void
tf_window_install_actions (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "win.export", NULL, export_action);
  gtk_widget_class_install_action (widget_class, "win.cancel", NULL, cancel_action);
  gtk_widget_class_install_action (widget_class, "win.continue-analysis", NULL, continue_analysis_action);
  gtk_widget_class_install_action (widget_class, "win.next-face", NULL, next_face_action);
  gtk_widget_class_install_action (widget_class, "win.previous-face", NULL, previous_face_action);
  gtk_widget_class_install_action (widget_class, "win.open-sample", NULL, open_sample_action);
  gtk_widget_class_install_action (widget_class, "win.open-recent", "s", open_recent_action);
  gtk_widget_class_install_action (widget_class, "win.back", NULL, back_action);
  gtk_widget_class_install_action (widget_class, "win.help", "s", help_action);
  gtk_widget_class_install_action (widget_class, "win.reanalyse", NULL, reanalyse_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F1, 0, "win.help", "s", "");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_r, GDK_CONTROL_MASK, "win.reanalyse", NULL);
  gtk_widget_class_install_action (widget_class, "win.live-camera", NULL, live_camera_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_C, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "win.live-camera", NULL);
}
