/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The window, its views and the results of the session's analysis: faces
 * go to the view showing their file, the chosen one to the inspector. */
#include <glib/gi18n.h>
#include <string.h>

#include "tf-analyze.h"
#include "tf-datafiles.h"
#include "tf-toast.h"
#include "tf-window-private.h"

G_DEFINE_FINAL_TYPE (TfWindow, tf_window, ADW_TYPE_APPLICATION_WINDOW)

enum
{
  FIRST_FACE_SHOWN,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* the pages beside the inspector, in the order of their buttons */
static const char * const page_names[] = { "media", "review", "stats", "finetune" };

enum
{
  PROP_0,
  PROP_FACE_CROPS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* ---- helpers ------------------------------------------------------------- */

void
tf_window_show_face (TfWindow    *self,
                     TfFaceProbe *probe)
{
  TfFaceProbe *shown;

  if (probe == self->inspected)
    return;
  g_cancellable_cancel (self->ablation_cancellable);
  g_clear_object (&self->ablation_cancellable);
  tf_window_explore_cancel (self);
  tf_face_inspector_set_occlusion_progress (self->inspector, -1);
  g_clear_pointer (&self->inspected, tf_face_probe_unref);
  if (probe == NULL)
    {
      gtk_stack_set_visible_child_name (self->sidebar_stack, "none");
      tf_window_project_face_shown (self);
      tf_window_compare_face_shown (self);
      return;
    }
  self->inspected = tf_face_probe_ref (probe);
  shown = g_hash_table_lookup (self->ablated, probe);
  tf_face_inspector_set_ablation_progress (self->inspector, -1);
  tf_face_inspector_set_probe (self->inspector, shown ? shown : probe);
  gtk_stack_set_visible_child_name (self->sidebar_stack, "face");
  tf_window_project_face_shown (self);
  tf_window_compare_face_shown (self);
}

void
tf_window_show_error (TfWindow   *self,
                      const char *title,
                      const char *message)
{
  AdwMessageDialog *dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (self), title, message));

  adw_message_dialog_add_response (dialog, "close", _("_Close"));
  adw_message_dialog_set_default_response (dialog, "close");
  adw_message_dialog_set_close_response (dialog, "close");
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
set_subtitle_for_file (TfWindow   *self,
                       const char *path)
{
  g_autofree char *name = path ? g_filename_display_basename (path) : NULL;

  adw_window_title_set_subtitle (self->window_title, name ? name : "");
}

static void
on_toast_dismissed_cb (AdwToast *toast,
                       TfWindow *self)
{
  g_ptr_array_remove (self->toasts, toast);
}

/* the news of what was open before goes with it */
static void
dismiss_toasts (TfWindow *self)
{
  g_autoptr(GPtrArray) toasts = g_ptr_array_new_with_free_func (g_object_unref);

  /* dismissing one takes it out of self->toasts */
  for (guint i = 0; i < self->toasts->len; i++)
    g_ptr_array_add (toasts, g_object_ref (g_ptr_array_index (self->toasts, i)));
  for (guint i = 0; i < toasts->len; i++)
    adw_toast_dismiss (g_ptr_array_index (toasts, i));
}

/* Where the progress bar was, a cancelled analysis that can go on offers
 * to (the bar stays where it stopped); else the bar's Cancel. */
static void
show_continue (TfWindow *self,
               gboolean  offer)
{
  gtk_widget_set_visible (self->continue_button, offer);
  gtk_widget_set_visible (self->cancel_button, !offer);
  if (offer)
    {
      gtk_label_set_label (self->progress_label, _("Analysis cancelled: the faces found so far are kept"));
      gtk_revealer_set_reveal_child (self->progress_revealer, TRUE);
    }
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.continue-analysis", offer);
}

void
tf_window_reset_results (TfWindow *self)
{
  dismiss_toasts (self);
  tf_window_show_face (self, NULL);
  g_ptr_array_set_size (self->results, 0);
  g_hash_table_remove_all (self->ablated);
  self->n_failed = self->n_no_face = 0;
  self->first_face_ms = -1;
  self->in_item = FALSE;
  tf_photo_view_set_file (self->photo_view, NULL);
  tf_folder_view_clear (self->folder_view);
  tf_video_view_set_file (self->video_view, NULL);
  /* what was cancelled is no longer shown: nothing to go on with */
  if (gtk_widget_get_visible (self->continue_button))
    {
      show_continue (self, FALSE);
      gtk_revealer_set_reveal_child (self->progress_revealer, FALSE);
    }
}

static TfSessionOptions
session_options (TfWindow *self)
{
  TfSessionOptions options = {
    .every_fps = g_settings_get_double (self->settings, "video-fps"),
    .threshold = g_settings_get_double (self->settings, "detector-threshold"),
    .threads = g_settings_get_int (self->settings, "threads"),
    .crops = tf_window_project_crops (self),
    /* a folder's or a video's faces are many and looked at one at a time:
     * their maps are made when shown (tf_window_project_face_shown), and
     * the analysis does no more work than transfer-cli analyze */
    .skip_maps = self->view != TF_VIEW_PHOTO,
    .mirror = g_settings_get_boolean (self->settings, "mirror-average"),
  };

  return options;
}

static void
apply_colormap (TfWindow *self)
{
  g_autofree char *map = g_settings_get_string (self->settings, "colormap");
  int colormap = tf_colormap_from_string (map);

  tf_face_inspector_set_colormap (self->inspector, colormap >= 0 ? (TfColormap) colormap : TF_COLORMAP_VIRIDIS);
}

static int
compare_recent (gconstpointer a,
                gconstpointer b)
{
  /* newest first */
  return g_date_time_compare (gtk_recent_info_get_modified ((GtkRecentInfo *) b),
                              gtk_recent_info_get_modified ((GtkRecentInfo *) a));
}

static void
rebuild_recent (TfWindow *self)
{
  GList *items = g_list_sort (gtk_recent_manager_get_items (self->recent), compare_recent);
  const char *app_name = g_get_application_name ();
  int n = 0;

  g_menu_remove_all (self->recent_section);
  for (GList *l = items; l && n < MAX_RECENT; l = l->next)
    {
      GtkRecentInfo *info = l->data;
      g_autoptr(GMenuItem) item = NULL;
      g_auto(GStrv) parts = NULL;
      g_autofree char *label = NULL;

      if (!gtk_recent_info_has_application (info, app_name) || !gtk_recent_info_is_local (info) ||
          !tf_window_recent_can_open (info))
        continue;
      /* menu labels take mnemonics: a file's underscores stay as they are */
      parts = g_strsplit (gtk_recent_info_get_display_name (info), "_", -1);
      label = g_strjoinv ("__", parts);
      item = g_menu_item_new (label, NULL);
      g_menu_item_set_action_and_target_value (item, "win.open-recent",
                                               g_variant_new_string (gtk_recent_info_get_uri (info)));
      g_menu_append_item (self->recent_section, item);
      n++;
    }
  g_list_free_full (items, (GDestroyNotify) gtk_recent_info_unref);
  g_debug ("%d recent files in the Open menu", n);
}

/* ---- session callbacks --------------------------------------------------- */


static void
on_started_cb (TfSession *session,
               guint      n_files,
               TfWindow  *self)
{
  gtk_progress_bar_set_fraction (self->progress_bar, 0);
  gtk_label_set_label (self->progress_label, _("Analysing…"));
  show_continue (self, FALSE);
  gtk_revealer_set_reveal_child (self->progress_revealer, TRUE);
  tf_window_project_analysis_started (self);
  tf_window_update_actions (self);
}

/* A face found by the analysis or restored from the project, to the views. */
static void
deliver_face (TfWindow    *self,
              TfFaceProbe *probe)
{
  g_ptr_array_add (self->results, tf_face_probe_ref (probe));
  if (self->first_face_ms < 0)
    {
      self->first_face_ms = (g_get_monotonic_time () - self->open_time) / 1000.0;
      g_debug ("first face shown %.0f ms after opening", self->first_face_ms);
      g_signal_emit (self, signals[FIRST_FACE_SHOWN], 0);
    }

  if (self->view == TF_VIEW_FOLDER)
    tf_folder_view_add_face (self->folder_view, probe);
  if (g_strcmp0 (tf_photo_view_get_file (self->photo_view), probe->file) == 0)
    {
      tf_photo_view_add_face (self->photo_view, probe);
      if (tf_photo_view_get_selected (self->photo_view) < 0)
        tf_photo_view_select_main (self->photo_view);
    }
  if (g_strcmp0 (tf_video_view_get_file (self->video_view), probe->file) == 0)
    {
      tf_video_view_add_face (self->video_view, probe);
      /* the first face of a video is there to label before anything is chosen */
      if (self->inspected == NULL && tf_video_view_get_face (self->video_view) != NULL)
        tf_window_show_face (self, tf_video_view_get_face (self->video_view));
    }
  if (self->results->len == 1 || self->results->len % 64 == 0)
    tf_window_update_actions (self);
}

void
tf_window_deliver_face (TfWindow    *self,
                        TfFaceProbe *probe)
{
  deliver_face (self, probe);
}

static void
on_face_cb (TfSession   *session,
            TfFaceProbe *probe,
            TfWindow    *self)
{
  /* stored first: the views draw it with its id */
  tf_window_project_store_face (self, probe);
  deliver_face (self, probe);
}

void
tf_window_add_face (TfWindow    *self,
                    TfFaceProbe *probe)
{
  g_ptr_array_add (self->results, tf_face_probe_ref (probe));
  if (self->view == TF_VIEW_FOLDER || self->in_item)
    tf_folder_view_add_face (self->folder_view, probe);
  if (g_strcmp0 (tf_photo_view_get_file (self->photo_view), probe->file) == 0)
    {
      tf_photo_view_add_face (self->photo_view, probe);
      tf_photo_view_select (self->photo_view, (int) tf_photo_view_get_n_faces (self->photo_view) - 1);
    }
  if (g_strcmp0 (tf_video_view_get_file (self->video_view), probe->file) == 0)
    {
      tf_video_view_add_face (self->video_view, probe);
      tf_video_view_select_track (self->video_view, probe->track);
      tf_video_view_seek (self->video_view, probe->time_s);
    }
  tf_window_show_face (self, probe);
  tf_review_view_refresh (TF_REVIEW_VIEW (self->review_view));
  tf_window_update_actions (self);
}

void
tf_window_remove_face (TfWindow    *self,
                       TfFaceProbe *probe)
{
  /* held while it leaves the lists that hold it */
  g_autoptr(TfFaceProbe) keep = tf_face_probe_ref (probe);

  (void) keep;
  if (self->inspected == probe)
    tf_window_show_face (self, NULL);
  g_ptr_array_remove (self->results, probe);
  tf_folder_view_remove_face (self->folder_view, probe);
  if (g_strcmp0 (tf_photo_view_get_file (self->photo_view), probe->file) == 0)
    tf_photo_view_remove_face (self->photo_view, probe);
  if (g_strcmp0 (tf_video_view_get_file (self->video_view), probe->file) == 0)
    {
      /* the video view keeps its faces: shown again without this one */
      g_autofree char *file = g_strdup (probe->file);
      gboolean analysed = tf_video_view_get_analysed (self->video_view);

      tf_video_view_set_file (self->video_view, file);
      tf_video_view_set_analysed (self->video_view, analysed);
      for (guint i = 0; i < self->results->len; i++)
        {
          TfFaceProbe *p = g_ptr_array_index (self->results, i);
          if (g_strcmp0 (p->file, file) == 0)
            tf_video_view_add_face (self->video_view, p);
        }
    }
  tf_window_update_actions (self);
}

void
tf_window_replace_face (TfWindow    *self,
                        TfFaceProbe *old_probe,
                        TfFaceProbe *new_probe)
{
  guint index;

  if (g_ptr_array_find (self->results, old_probe, &index))
    {
      tf_face_probe_unref (g_ptr_array_index (self->results, index));
      g_ptr_array_index (self->results, index) = tf_face_probe_ref (new_probe);
    }
  tf_folder_view_replace_face (self->folder_view, old_probe, new_probe);
  if (g_strcmp0 (tf_photo_view_get_file (self->photo_view), old_probe->file) == 0)
    tf_photo_view_replace_face (self->photo_view, old_probe, new_probe);
  if (g_strcmp0 (tf_video_view_get_file (self->video_view), old_probe->file) == 0)
    tf_video_view_replace_face (self->video_view, old_probe, new_probe);
  if (self->inspected == old_probe)
    {
      tf_face_probe_unref (self->inspected);
      self->inspected = tf_face_probe_ref (new_probe);
      tf_face_inspector_set_probe (self->inspector, new_probe);
      /* the same face with its maps: its label and note are shown already
       * (showing them again would wipe a note being typed) */
      if (old_probe->face_id != new_probe->face_id || new_probe->lanet_maps == NULL)
        tf_window_project_face_shown (self);
      tf_window_compare_face_shown (self);
    }
}

/* A new label is a new layout of the window: progress is shown four times a
 * second, however fast the frames go. */
static gboolean
show_progress_cb (gpointer data)
{
  TfWindow *self = data;

  self->progress_idle = 0;
  if (self->progress_fraction < 0)
    gtk_progress_bar_pulse (self->progress_bar);
  else
    gtk_progress_bar_set_fraction (self->progress_bar, CLAMP (self->progress_fraction, 0, 1));
  if (self->progress_text && g_strcmp0 (self->progress_text, gtk_label_get_label (self->progress_label)) != 0)
    gtk_label_set_label (self->progress_label, self->progress_text);
  return G_SOURCE_REMOVE;
}

static void
on_progress_cb (TfSession  *session,
                double      fraction,
                const char *text,
                TfWindow   *self)
{
  self->progress_fraction = fraction;
  g_free (self->progress_text);
  self->progress_text = g_strdup (text);
  if (self->progress_idle == 0)
    self->progress_idle = g_timeout_add (250, show_progress_cb, self);
}

static void
on_file_done_cb (TfSession  *session,
                 const char *file,
                 const char *error,
                 gint64      frames,
                 gint64      faces,
                 TfWindow   *self)
{
  tf_window_project_file_done (self, file, error, faces);
  if (error == NULL && g_strcmp0 (tf_video_view_get_file (self->video_view), file) == 0)
    tf_video_view_set_analysed (self->video_view, TRUE);
  if (self->view == TF_VIEW_FOLDER)
    tf_folder_view_file_done (self->folder_view, file, error, frames, faces);
  if (error)
    self->n_failed++;
  else if (faces == 0)
    self->n_no_face++;

  /* a file that cannot be read: its page, when it is on show */
  if (error)
    tf_window_show_file_error (self, file, error);
  /* one file: each problem is news; a folder's show in its grid */
  if (self->view != TF_VIEW_FOLDER && !error && faces == 0)
    {
      g_autofree char *base = g_filename_display_basename (file);
      g_autofree char *text = g_strdup_printf (_("No face found in %s"), base);

      tf_window_add_toast (self, text);
    }
}

static void
on_finished_cb (TfSession *session,
                gboolean   cancelled,
                TfWindow  *self)
{
  g_clear_handle_id (&self->progress_idle, g_source_remove);
  gtk_revealer_set_reveal_child (self->progress_revealer, FALSE);
  show_continue (self, cancelled && tf_session_can_continue (self->session));
  tf_window_reanalyse_finished (self, cancelled);
  tf_window_project_flush (self);
  tf_window_compare_analysis_finished (self);
  tf_review_view_refresh (TF_REVIEW_VIEW (self->review_view));
  tf_stats_view_refresh (TF_STATS_VIEW (self->stats_view));
  if (cancelled && tf_session_can_continue (self->session))
    {
      AdwToast *toast = tf_window_add_toast (self, _("Analysis cancelled"));

      /* TRANSLATORS: the button of the toast "Analysis cancelled" */
      adw_toast_set_button_label (toast, _("_Continue"));
      adw_toast_set_action_name (toast, "win.continue-analysis");
    }
  else if (cancelled)
    tf_window_add_toast (self, _("Analysis cancelled"));
  else if (self->view == TF_VIEW_FOLDER && (self->n_failed > 0 || self->n_no_face > 0))
    tf_window_folder_problems_toast (self);
  tf_window_update_actions (self);
}

/* ---- widget callbacks ---------------------------------------------------- */

static void
on_face_selected_cb (GtkWidget   *view,
                     TfFaceProbe *probe,
                     TfWindow    *self)
{
  tf_window_show_face (self, probe);
  tf_window_update_actions (self);
}

static void
on_item_activated_cb (TfFolderView *folder_view,
                      const char   *file,
                      TfWindow     *self)
{
  TfFolderItem *item = tf_folder_view_lookup (folder_view, file);
  guint n = item ? tf_folder_item_get_n_faces (item) : 0;

  if (item == NULL)
    return;
  self->in_item = TRUE;
  if (tf_folder_item_get_error (item))
    {
      tf_window_show_item_error (self, file, tf_folder_item_get_error (item));
      set_subtitle_for_file (self, file);
      return;
    }
  /* the results computed already; the analysis adds any still to come */
  if (tf_folder_item_get_is_video (item))
    {
      tf_video_view_set_file (self->video_view, file);
      for (guint i = 0; i < n; i++)
        tf_video_view_add_face (self->video_view, tf_folder_item_get_face (item, i));
      tf_video_view_set_analysed (self->video_view,
                                  tf_folder_item_get_done (item) && tf_folder_item_get_error (item) == NULL);
      g_free (self->media_page);
      self->media_page = g_strdup ("video");
      gtk_stack_set_visible_child_name (self->media_stack, "video");
    }
  else
    {
      g_free (self->media_page);
      self->media_page = g_strdup ("photo");
      tf_photo_view_set_file (self->photo_view, file);
      for (guint i = 0; i < n; i++)
        tf_photo_view_add_face (self->photo_view, tf_folder_item_get_face (item, i));
      gtk_stack_set_visible_child_name (self->media_stack, "photo");
      tf_photo_view_select_main (self->photo_view);
      gtk_widget_grab_focus (GTK_WIDGET (self->photo_view));
    }
  set_subtitle_for_file (self, file);
  tf_window_update_actions (self);
}

static void
on_ablation_progress_cb (double   fraction,
                         gpointer user_data)
{
  TfWindow *self = user_data;

  tf_face_inspector_set_ablation_progress (self->inspector, fraction);
}

typedef struct
{
  TfWindow    *window;
  TfFaceProbe *original;
} Ablation;

static void
ablation_free (Ablation *a)
{
  g_object_unref (a->window);
  tf_face_probe_unref (a->original);
  g_free (a);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Ablation, ablation_free)

static void
on_ablation_done_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(Ablation) a = user_data;
  TfWindow *self = a->window;
  TfFaceProbe *original = a->original;
  g_autoptr(GError) error = NULL;
  g_autoptr(TfFaceProbe) ablated = tf_session_ablation_finish (TF_SESSION (source), result, &error);

  if (ablated == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) && self->session)
        {
          g_autofree char *text = g_strdup_printf (_("Could not compute the ablation: %s"), error->message);
          tf_face_inspector_set_ablation_progress (self->inspector, -1);
          tf_window_add_toast (self, text);
        }
      return;
    }
  if (self->session == NULL)
    return;
  g_hash_table_insert (self->ablated, tf_face_probe_ref (original), tf_face_probe_ref (ablated));
  if (original == self->inspected)
    {
      tf_face_inspector_set_ablation_progress (self->inspector, -1);
      tf_face_inspector_set_probe (self->inspector, ablated);
    }
}

static void
on_ablation_requested_cb (TfFaceInspector *inspector,
                          TfWindow        *self)
{
  TfFaceProbe *ablated;
  Ablation *a;

  if (self->inspected == NULL)
    return;
  ablated = g_hash_table_lookup (self->ablated, self->inspected);
  if (ablated && ablated->ablation)
    {
      tf_face_inspector_set_probe (self->inspector, ablated);
      return;
    }
  g_cancellable_cancel (self->ablation_cancellable);
  g_clear_object (&self->ablation_cancellable);
  self->ablation_cancellable = g_cancellable_new ();
  tf_face_inspector_set_ablation_progress (self->inspector, 0);
  a = g_new0 (Ablation, 1);
  a->window = g_object_ref (self);
  a->original = tf_face_probe_ref (self->inspected);
  /* from what is kept of the face (its occlusion map stays) */
  tf_session_ablation_async (self->session, ablated ? ablated : self->inspected, self->ablation_cancellable,
                             on_ablation_progress_cb, self, on_ablation_done_cb, a);
}

static void
on_settings_changed_cb (GSettings  *settings,
                        const char *key,
                        TfWindow   *self)
{
  if (g_str_equal (key, "colormap"))
    apply_colormap (self);
  else if (g_str_equal (key, "model-file"))
    {
      g_autofree char *path = g_settings_get_string (settings, key);
      g_autoptr(GError) error = NULL;

      /* a model chosen in the preferences is loaded there already */
      if (g_strcmp0 (path, tf_session_get_model_path (self->session)) != 0 &&
          !tf_window_load_model (self, path, &error))
        tf_window_add_toast (self, error->message);
      tf_finetune_view_set_model_file (TF_FINETUNE_VIEW (self->finetune_view),
                                       tf_session_get_model_path (self->session));
    }
  /* the analysis options are read when the next analysis starts */
}

static gboolean
on_drop_cb (GtkDropTarget *target,
            const GValue  *value,
            double         x,
            double         y,
            TfWindow      *self)
{
  GSList *list;
  g_autoptr(GPtrArray) files = g_ptr_array_new ();

  if (!G_VALUE_HOLDS (value, GDK_TYPE_FILE_LIST))
    return FALSE;
  list = gdk_file_list_get_files (g_value_get_boxed (value));
  for (GSList *l = list; l; l = l->next)
    g_ptr_array_add (files, l->data);
  g_slist_free (list);
  if (files->len == 0)
    return FALSE;
  tf_window_open (self, (GFile **) files->pdata, (int) files->len);
  return TRUE;
}

/* ---- construction -------------------------------------------------------- */

/* Narrow, the header bar keeps what fits beside three window buttons: the
 * Open button shrinks to its icon, Export stays in the main menu. */
static gboolean
update_header_cb (gpointer data)
{
  TfWindow *self = data;
  gboolean narrow = tf_window_get_sidebar_collapsed (self);

  self->header_idle = 0;
  gtk_widget_set_visible (self->export_button, !narrow);
  /* the pages stay in the main menu */
  gtk_widget_set_visible (gtk_widget_get_parent (self->page_buttons[0]), !narrow);
  if (narrow)
    adw_split_button_set_icon_name (self->open_button, "document-open-symbolic");
  else
    adw_split_button_set_label (self->open_button, _("_Open"));
  return G_SOURCE_REMOVE;
}

/* the split folds while it is allocated: the header bar changes after */
static void
on_collapsed_cb (GObject    *split,
                 GParamSpec *pspec,
                 TfWindow   *self)
{
  if (self->header_idle == 0)
    self->header_idle = g_idle_add (update_header_cb, self);
}

static void
build_split (TfWindow *self)
{
  GtkWidget *media, *sidebar, *scroller, *none, *face;

  self->media_stack = GTK_STACK (gtk_stack_new ());
  media = GTK_WIDGET (self->media_stack);
  gtk_widget_set_size_request (media, 360, -1);
  self->photo_view = TF_PHOTO_VIEW (tf_photo_view_new ());
  self->folder_view = TF_FOLDER_VIEW (tf_folder_view_new ());
  self->video_view = TF_VIDEO_VIEW (tf_video_view_new ());
  gtk_stack_add_named (self->media_stack, GTK_WIDGET (self->photo_view), "photo");
  gtk_stack_add_named (self->media_stack, GTK_WIDGET (self->folder_view), "folder");
  gtk_stack_add_named (self->media_stack, GTK_WIDGET (self->video_view), "video");
  self->review_view = tf_review_view_new ();
  self->stats_view = tf_stats_view_new ();
  gtk_stack_add_named (self->media_stack, self->review_view, "review");
  gtk_stack_add_named (self->media_stack, self->stats_view, "stats");
  self->finetune_view = tf_finetune_view_new ();
  gtk_stack_add_named (self->media_stack, self->finetune_view, "finetune");
  tf_photo_view_set_label_map (self->photo_view, self->labels);
  tf_folder_view_set_label_map (self->folder_view, self->labels);
  tf_video_view_set_label_map (self->video_view, self->labels);

  self->sidebar_stack = GTK_STACK (gtk_stack_new ());
  sidebar = GTK_WIDGET (self->sidebar_stack);
  gtk_widget_set_size_request (sidebar, 360, -1);
  gtk_widget_add_css_class (sidebar, "background");
  none = adw_status_page_new ();
  adw_status_page_set_icon_name (ADW_STATUS_PAGE (none), "avatar-default-symbolic");
  adw_status_page_set_title (ADW_STATUS_PAGE (none), _("No Face Chosen"));
  adw_status_page_set_description (ADW_STATUS_PAGE (none),
                                   _("Choose a face to see what the model looks at"));
  gtk_widget_add_css_class (none, "compact");
  gtk_stack_add_named (self->sidebar_stack, none, "none");
  self->inspector = TF_FACE_INSPECTOR (tf_face_inspector_new ());
  scroller = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scroller), GTK_POLICY_AUTOMATIC, GTK_POLICY_AUTOMATIC);
  /* the compare panel above the inspector, shown while comparing */
  face = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  gtk_box_append (GTK_BOX (face), tf_window_compare_init (self));
  gtk_box_append (GTK_BOX (face), GTK_WIDGET (self->inspector));
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), face);
  gtk_stack_add_named (self->sidebar_stack, scroller, "face");
  gtk_stack_set_visible_child_name (self->sidebar_stack, "none");

#if ADW_CHECK_VERSION (1, 4, 0)
  {
    AdwOverlaySplitView *split = ADW_OVERLAY_SPLIT_VIEW (adw_overlay_split_view_new ());
    AdwBreakpoint *breakpoint = adw_breakpoint_new (adw_breakpoint_condition_parse ("max-width: 720sp"));

    adw_overlay_split_view_set_sidebar_position (split, GTK_PACK_END);
    adw_overlay_split_view_set_content (split, media);
    adw_overlay_split_view_set_sidebar (split, sidebar);
    adw_overlay_split_view_set_min_sidebar_width (split, 320);
    adw_overlay_split_view_set_max_sidebar_width (split, 420);
    g_object_bind_property (self->sidebar_button, "active", split, "show-sidebar",
                            G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
    gtk_widget_set_size_request (media, 360, -1);
    gtk_widget_set_size_request (sidebar, -1, -1);
    adw_breakpoint_add_setters (breakpoint, G_OBJECT (split), "collapsed", TRUE,
                                G_OBJECT (split), "show-sidebar", FALSE, NULL);
    adw_application_window_add_breakpoint (ADW_APPLICATION_WINDOW (self), breakpoint);
    self->split = GTK_WIDGET (split);
  }
#else
  {
    AdwFlap *flap = ADW_FLAP (adw_flap_new ());

    /* folds (the inspector over the media) when both do not fit side by
     * side: under about 720 px */
    adw_flap_set_flap_position (flap, GTK_PACK_END);
    adw_flap_set_content (flap, media);
    adw_flap_set_flap (flap, sidebar);
    adw_flap_set_separator (flap, gtk_separator_new (GTK_ORIENTATION_VERTICAL));
    adw_flap_set_swipe_to_open (flap, TRUE);
    adw_flap_set_swipe_to_close (flap, TRUE);
    g_object_bind_property (self->sidebar_button, "active", flap, "reveal-flap",
                            G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
    self->split = GTK_WIDGET (flap);
  }
#endif
#if ADW_CHECK_VERSION (1, 4, 0)
  g_signal_connect (self->split, "notify::collapsed", G_CALLBACK (on_collapsed_cb), self);
#else
  g_signal_connect (self->split, "notify::folded", G_CALLBACK (on_collapsed_cb), self);
#endif
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (self->sidebar_button), TRUE);
  adw_bin_set_child (self->split_holder, self->split);

  g_signal_connect (self->photo_view, "face-selected", G_CALLBACK (on_face_selected_cb), self);
  g_signal_connect (self->video_view, "face-selected", G_CALLBACK (on_face_selected_cb), self);
  g_signal_connect (self->folder_view, "item-activated", G_CALLBACK (on_item_activated_cb), self);
  g_signal_connect (self->inspector, "ablation-requested", G_CALLBACK (on_ablation_requested_cb), self);
  tf_window_explore_init (self);
}

static void
on_page_toggled_cb (GtkToggleButton *button,
                    TfWindow        *self)
{
  if (gtk_toggle_button_get_active (button))
    tf_window_show_page (self, g_object_get_data (G_OBJECT (button), "tf-page"));
}

/* Media, Review, Statistics, Fine-tune: a linked group at the start of the
 * header bar. */
static void
build_page_buttons (TfWindow *self)
{
  static const char * const icons[] = { "image-x-generic-symbolic", "view-list-bullet-symbolic",
                                        "x-office-presentation-symbolic", "applications-science-symbolic" };
  const char *tips[] = { _("Media (Alt+1)"), _("Review Queue (Alt+2)"), _("Statistics (Alt+3)"),
                         _("Fine-tune (Alt+4)") };
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);

  gtk_widget_add_css_class (box, "linked");
  for (guint i = 0; i < G_N_ELEMENTS (page_names); i++)
    {
      GtkWidget *button = gtk_toggle_button_new ();

      gtk_button_set_icon_name (GTK_BUTTON (button), icons[i]);
      gtk_widget_set_tooltip_text (button, tips[i]);
      gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, tips[i], -1);
      if (i > 0)
        gtk_toggle_button_set_group (GTK_TOGGLE_BUTTON (button), GTK_TOGGLE_BUTTON (self->page_buttons[0]));
      g_object_set_data (G_OBJECT (button), "tf-page", (gpointer) page_names[i]);
      g_signal_connect (button, "toggled", G_CALLBACK (on_page_toggled_cb), self);
      gtk_box_append (GTK_BOX (box), button);
      self->page_buttons[i] = button;
    }
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (self->page_buttons[0]), TRUE);
  adw_header_bar_pack_start (self->header_bar, box);
}

static void
load_initial_model (TfWindow *self)
{
  g_autofree char *path = g_settings_get_string (self->settings, "model-file");
  g_autoptr(GError) error = NULL;

  if (tf_window_load_model (self, path, &error))
    return;
  if (*path)
    {
      g_autofree char *text = g_strdup_printf (_("%s The shipped model is used instead."), error->message);
      tf_window_add_toast (self, text);
      g_clear_error (&error);
      if (tf_window_load_model (self, NULL, &error))
        return;
    }
  tf_window_add_toast (self, error->message);
}

static gboolean
tf_window_close_request (GtkWindow *window)
{
  TfWindow *self = TF_WINDOW (window);
  int width, height;

  gtk_window_get_default_size (window, &width, &height);
  g_settings_delay (self->settings);
  if (!gtk_window_is_maximized (window) && width > 0 && height > 0)
    {
      g_settings_set_int (self->settings, "window-width", width);
      g_settings_set_int (self->settings, "window-height", height);
    }
  g_settings_set_boolean (self->settings, "window-maximized", gtk_window_is_maximized (window));
  g_settings_apply (self->settings);
  tf_session_cancel (self->session);
  return GTK_WINDOW_CLASS (tf_window_parent_class)->close_request (window);
}

static void
tf_window_dispose (GObject *object)
{
  TfWindow *self = TF_WINDOW (object);

  g_clear_handle_id (&self->header_idle, g_source_remove);
  g_clear_handle_id (&self->progress_idle, g_source_remove);
  if (self->media_ids)
    tf_window_project_dispose (self);
  tf_window_errors_dispose (self);
  tf_window_camera_dispose (self);
  tf_window_compare_dispose (self);
  g_cancellable_cancel (self->ablation_cancellable);
  g_clear_object (&self->ablation_cancellable);
  tf_window_explore_cancel (self);
  if (self->session)
    {
      g_signal_handlers_disconnect_by_data (self->session, self);
      tf_session_cancel (self->session);
      g_clear_object (&self->session);
    }
  if (self->settings)
    g_signal_handlers_disconnect_by_data (self->settings, self);
  if (self->recent)
    g_signal_handlers_disconnect_by_data (self->recent, self);
  g_clear_pointer (&self->inspected, tf_face_probe_unref);
  g_clear_pointer (&self->ablated, g_hash_table_unref);
  g_clear_pointer (&self->results, g_ptr_array_unref);
  if (self->toasts)
    for (guint i = 0; i < self->toasts->len; i++)
      g_signal_handlers_disconnect_by_data (g_ptr_array_index (self->toasts, i), self);
  g_clear_pointer (&self->toasts, g_ptr_array_unref);
  g_clear_object (&self->settings);
  g_clear_object (&self->labels);
  gtk_widget_dispose_template (GTK_WIDGET (self), TF_TYPE_WINDOW);
  G_OBJECT_CLASS (tf_window_parent_class)->dispose (object);
}

static void
tf_window_finalize (GObject *object)
{
  g_free (TF_WINDOW (object)->progress_text);
  g_free (TF_WINDOW (object)->media_page);
  G_OBJECT_CLASS (tf_window_parent_class)->finalize (object);
}

static void
tf_window_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  switch (prop_id)
    {
    case PROP_FACE_CROPS:
      g_value_set_boolean (value, tf_window_project_crops (TF_WINDOW (object)));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tf_window_set_property (GObject      *object,
                        guint         prop_id,
                        const GValue *value,
                        GParamSpec   *pspec)
{
  switch (prop_id)
    {
    case PROP_FACE_CROPS:
      if (tf_window_project_set_crops (TF_WINDOW (object), g_value_get_boolean (value)))
        g_object_notify_by_pspec (object, pspec);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tf_window_class_init (TfWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = tf_window_dispose;
  object_class->finalize = tf_window_finalize;
  object_class->get_property = tf_window_get_property;
  object_class->set_property = tf_window_set_property;

  /* the project's "pictures are face crops" setting: the whole picture is
   * the face, nothing is detected (datasets of crops) */
  properties[PROP_FACE_CROPS] = g_param_spec_boolean ("face-crops", NULL, NULL, FALSE,
                                                      G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY
                                                      | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
  window_class->close_request = tf_window_close_request;

  /* emitted once, when the first face of the first analysis is shown (for
   * the application's --startup-time) */
  signals[FIRST_FACE_SHOWN] = g_signal_new ("first-face-shown", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                            0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class, "/com/example/TransFER/ui/tf-window.ui");
  gtk_widget_class_bind_template_child (widget_class, TfWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, TfWindow, header_bar);
  gtk_widget_class_bind_template_child (widget_class, TfWindow, window_title);
  gtk_widget_class_bind_template_child (widget_class, TfWindow, back_button);
  gtk_widget_class_bind_template_child (widget_class, TfWindow, open_button);
  gtk_widget_class_bind_template_child (widget_class, TfWindow, export_button);
  gtk_widget_class_bind_template_child (widget_class, TfWindow, sidebar_button);
  gtk_widget_class_bind_template_child (widget_class, TfWindow, progress_revealer);
  gtk_widget_class_bind_template_child (widget_class, TfWindow, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, TfWindow, progress_label);
  gtk_widget_class_bind_template_child (widget_class, TfWindow, cancel_button);
  gtk_widget_class_bind_template_child (widget_class, TfWindow, continue_button);
  gtk_widget_class_bind_template_child (widget_class, TfWindow, main_stack);
  gtk_widget_class_bind_template_child (widget_class, TfWindow, split_holder);
  gtk_widget_class_bind_template_child (widget_class, TfWindow, empty_page);
  gtk_widget_class_bind_template_child (widget_class, TfWindow, recent_section);

  tf_window_install_actions (widget_class);
  tf_window_compare_install_actions (widget_class);
  tf_window_project_install_actions (widget_class);
  gtk_widget_class_install_property_action (widget_class, "win.face-crops", "face-crops");
}

static void
tf_window_init (TfWindow *self)
{
  GtkDropTarget *drop;
  GtkIconTheme *theme;

  g_type_ensure (TF_TYPE_FACE_INSPECTOR);
  gtk_widget_init_template (GTK_WIDGET (self));
  self->labels = tf_label_map_new ();
  self->media_page = g_strdup ("photo");

  self->results = g_ptr_array_new_with_free_func ((GDestroyNotify) tf_face_probe_unref);
  self->toasts = g_ptr_array_new_with_free_func (g_object_unref);
  self->ablated = g_hash_table_new_full (g_direct_hash, g_direct_equal,
                                         (GDestroyNotify) tf_face_probe_unref,
                                         (GDestroyNotify) tf_face_probe_unref);
  self->first_face_ms = -1;
  self->view = TF_VIEW_EMPTY;
  build_split (self);
  tf_window_errors_init (self);
  tf_window_camera_init (self);

  /* running from the build folder, the application's icon is not installed */
  theme = gtk_icon_theme_get_for_display (gtk_widget_get_display (GTK_WIDGET (self)));
  if (!gtk_icon_theme_has_icon (theme, TF_APPLICATION_ID))
    adw_status_page_set_icon_name (self->empty_page, "camera-photo-symbolic");

  self->settings = g_settings_new (TF_APPLICATION_ID);
  gtk_window_set_default_size (GTK_WINDOW (self),
                               g_settings_get_int (self->settings, "window-width"),
                               g_settings_get_int (self->settings, "window-height"));
  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));
  g_signal_connect (self->settings, "changed", G_CALLBACK (on_settings_changed_cb), self);
  apply_colormap (self);
  /* both ways: the inspector's own slider is the same setting */
  g_settings_bind (self->settings, "overlay-opacity", self->inspector, "opacity", G_SETTINGS_BIND_DEFAULT);
  tf_window_help_init (self);

  self->recent = gtk_recent_manager_get_default ();
  g_signal_connect_swapped (self->recent, "changed", G_CALLBACK (rebuild_recent), self);
  rebuild_recent (self);

  self->session = tf_session_new ();
  g_signal_connect (self->session, "started", G_CALLBACK (on_started_cb), self);
  g_signal_connect (self->session, "face", G_CALLBACK (on_face_cb), self);
  g_signal_connect (self->session, "progress", G_CALLBACK (on_progress_cb), self);
  g_signal_connect (self->session, "file-done", G_CALLBACK (on_file_done_cb), self);
  g_signal_connect (self->session, "finished", G_CALLBACK (on_finished_cb), self);
  load_initial_model (self);
  build_page_buttons (self);
  tf_window_project_init (self);
  tf_window_browse_init (self);
  tf_window_finetune_init (self);
  tf_window_actions_init (self);

  drop = gtk_drop_target_new (GDK_TYPE_FILE_LIST, GDK_ACTION_COPY);
  g_signal_connect (drop, "drop", G_CALLBACK (on_drop_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self->toast_overlay), GTK_EVENT_CONTROLLER (drop));

  tf_window_update_actions (self);
}

/* ---- public API ---------------------------------------------------------- */

TfWindow *
tf_window_new (TfApplication *application)
{
  return g_object_new (TF_TYPE_WINDOW, "application", application, NULL);
}

void
tf_window_open (TfWindow  *self,
                GFile    **files,
                int        n_files)
{
  g_return_if_fail (TF_IS_WINDOW (self));

  tf_window_open_files (self, files, n_files, TRUE);
}

static gboolean
is_project_file (const char *path)
{
  return g_str_has_suffix (path, TF_PROJECT_SUFFIX);
}

/* The stored faces of @file to the views, as if the analysis had found them. */
static gboolean
restore_file (TfWindow   *self,
              const char *file)
{
  g_autoptr(GPtrArray) probes = tf_window_project_restore (self, file);

  if (probes == NULL)
    return FALSE;
  for (guint i = 0; i < probes->len; i++)
    deliver_face (self, g_ptr_array_index (probes, i));
  if (self->view == TF_VIEW_FOLDER)
    tf_folder_view_file_done (self->folder_view, file, NULL, probes->len, probes->len);
  else if (probes->len == 0)
    {
      g_autofree char *base = g_filename_display_basename (file);
      g_autofree char *text = g_strdup_printf (_("No face found in %s"), base);
      tf_window_add_toast (self, text);
    }
  return TRUE;
}

void
tf_window_open_files (TfWindow  *self,
                      GFile    **files,
                      int        n_files,
                      gboolean   recent)
{
  g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) expanded = NULL;
  g_autoptr(GPtrArray) todo = g_ptr_array_new ();
  TfSessionOptions options;
  const char *first;

  if (self->project_lent)
    {
      tf_window_add_toast (self, _("The project is busy storing the new model’s predictions: open the files when "
                                   "it is done"));
      return;
    }
  for (int i = 0; i < n_files; i++)
    {
      char *path = g_file_get_path (files[i]);
      if (path == NULL)
        {
          g_autofree char *uri = g_file_get_uri (files[i]);
          g_autofree char *text = g_strdup_printf (_("Only files on this computer can be opened: %s"), uri);
          tf_window_add_toast (self, text);
          continue;
        }
      /* a project (a double-click on a .tfproj) is opened, not analysed;
       * the other files go into it */
      if (is_project_file (path))
        {
          g_autoptr(GError) error = NULL;
          if (!tf_window_open_project (self, path, &error))
            {
              tf_window_forget_recent (self, path);
              tf_window_show_error (self, _("Could Not Open the Project"), error->message);
              g_free (path);
              return;
            }
          g_free (path);
          continue;
        }
      g_ptr_array_add (paths, path);
      if (recent)
        tf_window_remember_recent (self, path);
    }
  if (paths->len == 0)
    return;
  first = g_ptr_array_index (paths, 0);
  tf_window_reanalyse_remember (self, (const char * const *) paths->pdata, paths->len);

  tf_session_cancel (self->session);
  tf_window_project_flush (self);
  tf_window_reset_results (self);
  if (paths->len > 1 || g_file_test (first, G_FILE_TEST_IS_DIR))
    {
      g_autofree char *title = NULL;

      self->view = TF_VIEW_FOLDER;
      if (paths->len > 1)
        title = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u file", "%u files", paths->len), paths->len);
      else
        title = g_filename_display_basename (first);
      g_object_set_data_full (G_OBJECT (self), "tf-folder-title", g_strdup (title), g_free);
      adw_window_title_set_subtitle (self->window_title, title);
      g_free (self->media_page);
      self->media_page = g_strdup ("folder");
    }
  else if (tf_is_video_file (first))
    {
      self->view = TF_VIEW_VIDEO;
      tf_video_view_set_file (self->video_view, first);
      set_subtitle_for_file (self, first);
      g_free (self->media_page);
      self->media_page = g_strdup ("video");
    }
  else
    {
      self->view = TF_VIEW_PHOTO;
      tf_photo_view_set_file (self->photo_view, first);
      set_subtitle_for_file (self, first);
      g_free (self->media_page);
      self->media_page = g_strdup ("photo");
    }
  gtk_stack_set_visible_child_name (self->main_stack, "media");
  tf_window_show_page (self, "media");

  /* what the project has is restored, the rest analysed */
  self->open_time = g_get_monotonic_time ();
  g_ptr_array_add (paths, NULL);
  expanded = tf_analyze_expand_paths ((const char * const *) paths->pdata, (int) paths->len - 1);
  for (guint i = 0; i < expanded->len; i++)
    if (tf_window_reanalysing (self) || !restore_file (self, g_ptr_array_index (expanded, i)))
      g_ptr_array_add (todo, g_ptr_array_index (expanded, i));
  if (self->view == TF_VIEW_PHOTO && tf_photo_view_get_n_faces (self->photo_view) > 0 &&
      tf_photo_view_get_selected (self->photo_view) < 0)
    tf_photo_view_select_main (self->photo_view);
  if (todo->len > 0)
    {
      g_ptr_array_add (todo, NULL);
      options = session_options (self);
      tf_session_analyze (self->session, (const char * const *) todo->pdata, &options);
    }
  tf_window_update_actions (self);
}

void
tf_window_open_sample (TfWindow *self)
{
  g_autofree char *path = tf_data_find (TF_DATA_SAMPLE);
  g_autoptr(GFile) file = NULL;

  g_return_if_fail (TF_IS_WINDOW (self));

  if (path == NULL)
    {
      tf_window_add_toast (self, _("The sample photo is not installed"));
      return;
    }
  file = g_file_new_for_path (path);
  tf_window_open (self, &file, 1);
}

gboolean
tf_window_load_model (TfWindow    *self,
                      const char  *path,
                      GError     **error)
{
  g_return_val_if_fail (TF_IS_WINDOW (self), FALSE);

  if (path && *path == '\0')
    path = NULL;
  if (!tf_session_load (self->session, path, NULL, error))
    return FALSE;
  /* remembered; the change notification finds it loaded already */
  g_settings_set_string (self->settings, "model-file", tf_session_get_model_path (self->session));
  /* the next fine-tune starts from it */
  tf_finetune_view_set_model_file (TF_FINETUNE_VIEW (self->finetune_view), tf_session_get_model_path (self->session));
  return TRUE;
}

AdwToast *
tf_window_add_toast (TfWindow   *self,
                     const char *text)
{
  AdwToast *toast;

  g_return_val_if_fail (TF_IS_WINDOW (self), NULL);

  /* a long text has a Details button, and more time */
  toast = tf_toast_new (GTK_WIDGET (self), text);
  tf_window_add_adw_toast (self, toast);
  return toast;
}

void
tf_window_add_adw_toast (TfWindow *self,
                         AdwToast *toast)
{
  g_ptr_array_add (self->toasts, g_object_ref (toast));
  g_signal_connect_object (toast, "dismissed", G_CALLBACK (on_toast_dismissed_cb), self, 0);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

TfSession *
tf_window_get_session (TfWindow *self)
{
  g_return_val_if_fail (TF_IS_WINDOW (self), NULL);
  return self->session;
}

TfFaceInspector *
tf_window_get_inspector (TfWindow *self)
{
  g_return_val_if_fail (TF_IS_WINDOW (self), NULL);
  return self->inspector;
}

TfPhotoView *
tf_window_get_photo_view (TfWindow *self)
{
  g_return_val_if_fail (TF_IS_WINDOW (self), NULL);
  return self->photo_view;
}

TfFolderView *
tf_window_get_folder_view (TfWindow *self)
{
  g_return_val_if_fail (TF_IS_WINDOW (self), NULL);
  return self->folder_view;
}

TfVideoView *
tf_window_get_video_view (TfWindow *self)
{
  g_return_val_if_fail (TF_IS_WINDOW (self), NULL);
  return self->video_view;
}

TfView
tf_window_get_view (TfWindow *self)
{
  g_return_val_if_fail (TF_IS_WINDOW (self), TF_VIEW_EMPTY);
  return self->view;
}

GPtrArray *
tf_window_get_results (TfWindow *self)
{
  g_return_val_if_fail (TF_IS_WINDOW (self), NULL);
  return self->results;
}

gboolean
tf_window_get_busy (TfWindow *self)
{
  g_return_val_if_fail (TF_IS_WINDOW (self), FALSE);
  /* the bar that offers to continue a cancelled analysis is no work */
  return tf_session_is_running (self->session) ||
         (gtk_revealer_get_reveal_child (self->progress_revealer) && !gtk_widget_get_visible (self->continue_button));
}

gboolean
tf_window_get_sidebar_collapsed (TfWindow *self)
{
  g_return_val_if_fail (TF_IS_WINDOW (self), FALSE);
#if ADW_CHECK_VERSION (1, 4, 0)
  return adw_overlay_split_view_get_collapsed (ADW_OVERLAY_SPLIT_VIEW (self->split));
#else
  return adw_flap_get_folded (ADW_FLAP (self->split));
#endif
}

double
tf_window_get_first_face_ms (TfWindow *self)
{
  g_return_val_if_fail (TF_IS_WINDOW (self), -1);
  return self->first_face_ms;
}

TfReviewView *
tf_window_get_review_view (TfWindow *self)
{
  g_return_val_if_fail (TF_IS_WINDOW (self), NULL);
  return TF_REVIEW_VIEW (self->review_view);
}

TfStatsView *
tf_window_get_stats_view (TfWindow *self)
{
  g_return_val_if_fail (TF_IS_WINDOW (self), NULL);
  return TF_STATS_VIEW (self->stats_view);
}

TfFinetuneView *
tf_window_get_finetune_view (TfWindow *self)
{
  g_return_val_if_fail (TF_IS_WINDOW (self), NULL);
  return TF_FINETUNE_VIEW (self->finetune_view);
}

void
tf_window_show_page (TfWindow   *self,
                     const char *page)
{
  const char *child;

  g_return_if_fail (TF_IS_WINDOW (self));

  /* the queue follows every change already (a refresh would sort it again) */
  if (g_strcmp0 (page, "review") == 0)
    child = "review";
  else if (g_strcmp0 (page, "stats") == 0)
    {
      child = "stats";
      tf_stats_view_refresh (TF_STATS_VIEW (self->stats_view));
    }
  else if (g_strcmp0 (page, "finetune") == 0)
    {
      /* the labels given since it was last shown */
      child = "finetune";
      tf_window_project_flush (self);
      tf_finetune_view_refresh (TF_FINETUNE_VIEW (self->finetune_view));
    }
  else
    {
      page = "media";
      child = self->media_page;
    }
  if (g_strcmp0 (child, "review") == 0 || g_strcmp0 (child, "stats") == 0 || g_strcmp0 (child, "finetune") == 0 ||
      g_strcmp0 (child, "camera") == 0 ||
      self->view != TF_VIEW_EMPTY)
    gtk_stack_set_visible_child_name (self->main_stack, "media");
  else
    gtk_stack_set_visible_child_name (self->main_stack, "empty");
  gtk_stack_set_visible_child_name (self->media_stack, child);
  for (guint i = 0; i < G_N_ELEMENTS (page_names); i++)
    {
      g_signal_handlers_block_matched (self->page_buttons[i], G_SIGNAL_MATCH_DATA, 0, 0, NULL, NULL, self);
      gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (self->page_buttons[i]), g_str_equal (page, page_names[i]));
      g_signal_handlers_unblock_matched (self->page_buttons[i], G_SIGNAL_MATCH_DATA, 0, 0, NULL, NULL, self);
    }
  tf_window_update_actions (self);
}
