/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The window's live camera page: the camera view in the media stack, its
 * pipeline (--camera-pipeline, $TF_CAMERA_PIPELINE, else the system's
 * camera), and Record: each recorded frame is saved as a picture beside
 * the project (NAME-camera/camera-DATE.png) and its faces, with their
 * crops and predictions, are stored as the analysis stores a picture's. */
#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "tf-atomic-file.h"
#include "tf-camera-view.h"
#include "tf-window-private.h"

/* The folder beside the project that holds its camera pictures. */
static char *
camera_folder (TfWindow *self)
{
  const char *path = tf_project_get_path (self->project);
  g_autofree char *stem = g_str_has_suffix (path, TF_PROJECT_SUFFIX)
                          ? g_strndup (path, strlen (path) - strlen (TF_PROJECT_SUFFIX)) : g_strdup (path);

  return g_strconcat (stem, "-camera", NULL);
}

/* @frame as a new PNG in the project's camera folder: its path, or NULL. */
static char *
save_frame (TfWindow    *self,
            GdkTexture  *frame,
            GError     **error)
{
  g_autofree char *folder = camera_folder (self);
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *stamp = g_date_time_format (now, "%Y%m%d-%H%M%S");
  g_autoptr(GBytes) png = gdk_texture_save_to_png_bytes (frame);

  if (g_mkdir_with_parents (folder, 0755) != 0)
    {
      int errsv = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv), "%s: %s", folder, g_strerror (errsv));
      return NULL;
    }
  for (int n = 0; n < 1000; n++)
    {
      g_autofree char *name = n == 0 ? g_strdup_printf ("camera-%s.png", stamp)
                                     : g_strdup_printf ("camera-%s-%d.png", stamp, n);
      g_autofree char *path = g_build_filename (folder, name, NULL);

      if (g_file_test (path, G_FILE_TEST_EXISTS))
        continue;
      if (!tf_atomic_file_set_contents (path, g_bytes_get_data (png, NULL), g_bytes_get_size (png), error))
        return NULL;
      return g_steal_pointer (&path);
    }
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS, _("%s: too many pictures of the same second"), folder);
  return NULL;
}

static void
on_record_cb (TfCameraView *view,
              GdkTexture   *frame,
              GPtrArray    *faces,
              TfWindow     *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *file = NULL;
  guint stored = 0;

  if (self->project == NULL || tf_project_is_read_only (self->project) || self->project_lent)
    {
      AdwToast *toast = adw_toast_new (_("Recording needs a project that can be written: make a new one, "
                                         "then choose Record again"));

      tf_camera_view_set_recording (view, FALSE);
      adw_toast_set_button_label (toast, _("_New Project"));
      adw_toast_set_action_name (toast, "win.new-project");
      tf_window_add_adw_toast (self, toast);
      return;
    }
  if ((file = save_frame (self, frame, &error)) == NULL)
    {
      g_autofree char *text = g_strdup_printf (_("The camera’s picture could not be saved: %s"), error->message);

      tf_camera_view_set_recording (view, FALSE);
      tf_window_add_toast (self, text);
      return;
    }
  for (guint i = 0; i < faces->len; i++)
    {
      g_autoptr(TfFaceProbe) face = tf_face_probe_copy (faces->pdata[i]);

      /* a picture of its own: the face's place and crop are the frame's */
      g_free (face->file);
      face->file = g_strdup (file);
      face->frame = 0;
      face->time_s = 0;
      tf_window_project_store_face (self, face);
      stored += face->face_id > 0;
    }
  tf_camera_view_add_recorded (view, stored);
}

static void
on_face_activated_cb (TfCameraView *view,
                      TfFaceProbe  *face,
                      TfWindow     *self)
{
  tf_window_show_face (self, face);
}

void
tf_window_camera_init (TfWindow *self)
{
  self->camera_view = tf_camera_view_new ();
  gtk_stack_add_named (self->media_stack, self->camera_view, "camera");
  g_signal_connect (self->camera_view, "record", G_CALLBACK (on_record_cb), self);
  g_signal_connect (self->camera_view, "face-activated", G_CALLBACK (on_face_activated_cb), self);
}

void
tf_window_camera_dispose (TfWindow *self)
{
  if (self->camera_view)
    tf_camera_view_stop (TF_CAMERA_VIEW (self->camera_view));
  g_clear_pointer (&self->camera_pipeline, g_free);
}

void
tf_window_show_camera (TfWindow   *self,
                       const char *description)
{
  g_return_if_fail (TF_IS_WINDOW (self));

  /* the pipeline given once (--camera-pipeline) serves the menu's too */
  if (description != NULL)
    {
      g_free (self->camera_pipeline);
      self->camera_pipeline = g_strdup (description);
    }
  g_free (self->media_page);
  self->media_page = g_strdup ("camera");
  tf_window_show_face (self, NULL);
  tf_window_show_page (self, "media");
  tf_camera_view_start (TF_CAMERA_VIEW (self->camera_view), self->session, self->settings, self->camera_pipeline);
}

TfCameraView *
tf_window_get_camera_view (TfWindow *self)
{
  g_return_val_if_fail (TF_IS_WINDOW (self), NULL);
  return TF_CAMERA_VIEW (self->camera_view);
}
