/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The window and its Fine-tune page: a changed face opens in the
 * inspector; a model the page saved for use is loaded into the session
 * (and remembered, as the preferences do), then the page is lent the
 * project to store the new model's predictions as a run, and gives it
 * back. */
#include <glib/gi18n.h>

#include "tf-window-private.h"

/* A project is used from one thread at a time, and a second connection
 * that writes is refused: the Fine-tune page stores its new run through
 * the window's own, which the window lets go of meanwhile. */
TfProject *
tf_window_project_lend (TfWindow *self)
{
  TfProject *project;

  if (self->project == NULL || self->project_lent)
    return NULL;
  tf_session_cancel (self->session);
  tf_window_project_flush (self);
  g_cancellable_cancel (self->probe_cancellable);
  tf_review_view_set_project (TF_REVIEW_VIEW (self->review_view), NULL);
  tf_stats_view_set_project (TF_STATS_VIEW (self->stats_view), NULL);
  tf_face_inspector_set_labelling (self->inspector, FALSE);
  project = g_steal_pointer (&self->project);
  self->project_lent = TRUE;
  /* the next analysis makes a run of its own */
  self->run = 0;
  g_clear_pointer (&self->run_key, g_free);
  g_clear_pointer (&self->run_settings, g_free);
  tf_window_update_actions (self);
  return project;
}

void
tf_window_project_give_back (TfWindow  *self,
                             TfProject *project)
{
  const char *page = gtk_stack_get_visible_child_name (self->media_stack);
  g_autofree char *shown = g_strdup (page);
  g_autofree char *file = NULL;

  self->project_lent = FALSE;
  if (project == NULL)
    return;
  tf_window_project_adopt (self, project);
  /* the faces shown again, with the predictions just stored: the photo or
   * video shown, else the project's media */
  if (self->view == TF_VIEW_PHOTO && tf_photo_view_get_file (self->photo_view))
    file = g_strdup (tf_photo_view_get_file (self->photo_view));
  else if (self->view == TF_VIEW_VIDEO && tf_video_view_get_file (self->video_view))
    file = g_strdup (tf_video_view_get_file (self->video_view));
  if (file)
    {
      g_autoptr(GFile) gfile = g_file_new_for_path (file);

      tf_window_open_files (self, &gfile, 1, FALSE);
    }
  else if (self->view != TF_VIEW_EMPTY)
    tf_window_project_show_media (self);
  if (g_strcmp0 (shown, "review") == 0 || g_strcmp0 (shown, "stats") == 0 || g_strcmp0 (shown, "finetune") == 0)
    tf_window_show_page (self, shown);
}

static void
on_face_activated_cb (TfFinetuneView *view,
                      gint64          face,
                      TfWindow       *self)
{
  g_autoptr(TfFaceProbe) probe = face > 0 ? tf_window_project_probe (self, face) : NULL;

  if (probe == NULL)
    {
      tf_window_add_toast (self, _("This face is no longer in the project"));
      return;
    }
  tf_window_show_face (self, probe);
  /* a narrow window shows the inspector over the page */
  if (tf_window_get_sidebar_collapsed (self))
    gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (self->sidebar_button), TRUE);
  tf_window_update_actions (self);
}

static void
on_use_model_cb (TfFinetuneView *view,
                 const char     *path,
                 TfWindow       *self)
{
  g_autoptr(GError) error = NULL;
  TfProject *project;

  if (!tf_window_load_model (self, path, &error))
    {
      tf_finetune_view_use_failed (view, error->message);
      return;
    }
  /* no project to store the predictions in: the model is used all the same */
  if ((project = tf_window_project_lend (self)) == NULL)
    return;
  tf_finetune_view_repredict (view, project, path);
}

static void
on_repredicted_cb (TfFinetuneView *view,
                   gpointer        project,
                   gint64          run,
                   const char     *error,
                   TfWindow       *self)
{
  tf_window_project_give_back (self, project);
  if (run > 0)
    tf_window_add_toast (self, _("The project’s faces have the new model’s predictions"));
}

void
tf_window_finetune_init (TfWindow *self)
{
  g_signal_connect (self->finetune_view, "face-activated", G_CALLBACK (on_face_activated_cb), self);
  g_signal_connect (self->finetune_view, "use-model", G_CALLBACK (on_use_model_cb), self);
  g_signal_connect (self->finetune_view, "repredicted", G_CALLBACK (on_repredicted_cb), self);
  tf_finetune_view_set_model_file (TF_FINETUNE_VIEW (self->finetune_view),
                                   tf_session_get_model_path (self->session));
}
