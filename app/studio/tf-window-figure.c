/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Figures for papers and slides (widgets/tf-figure.h): Export Figure… draws
 * the inspected face's panels, Export Contact Sheet… a row per face of the
 * folder, video, photo or review queue on show. Faces shown without maps
 * (a folder is analysed without them) get them first, one by one through
 * the session in its thread, with a toast that counts them and cancels;
 * the file is drawn and written in a thread too. The chooser's format
 * (PNG or SVG) is the file's format, as for the results' export. */
#include <glib/gi18n.h>
#include <string.h>

#include "tf-atomic-file.h"
#include "tf-window-private.h"

/* a contact sheet's rows at most (a PNG is at most 32,000 pixels tall) */
#define MAX_SHEET_FACES 200

static const TfFigureFormat figure_formats[] = { TF_FIGURE_PNG, TF_FIGURE_SVG };
static const char * const figure_extensions[] = { "png", "svg", NULL };

typedef struct
{
  TfWindow       *window;       /* ref */
  gboolean        sheet;
  GPtrArray      *faces;        /* TfFaceProbe refs, as chosen */
  GPtrArray      *drawn;        /* the same with their maps */
  guint           next;
  guint           without_maps; /* faces whose maps could not be made */
  guint           left_out;     /* faces over MAX_SHEET_FACES */
  GFile          *file;
  TfFigureFormat  format;
  TfFigureStyle   style;
  char           *model;
  char           *compare_model;
  GCancellable   *cancellable;
  AdwToast       *progress;     /* ref; NULL until maps are computed */
  int             width, height;
} FigureJob;

static void
figure_job_free (gpointer data)
{
  FigureJob *job = data;

  if (job->progress != NULL)
    {
      g_signal_handlers_disconnect_by_data (job->progress, job);
      adw_toast_dismiss (job->progress);
    }
  g_clear_object (&job->progress);
  g_object_unref (job->window);
  g_ptr_array_unref (job->faces);
  g_ptr_array_unref (job->drawn);
  g_clear_object (&job->file);
  g_free (job->model);
  g_free (job->compare_model);
  g_object_unref (job->cancellable);
  g_free (job);
}

/* ---- drawing and writing, in a thread */

static void
save_thread (GTask        *task,
             gpointer      source,
             gpointer      task_data,
             GCancellable *cancellable)
{
  FigureJob *job = task_data;
  g_autofree char *path = g_file_get_path (job->file);
  g_autoptr(GByteArray) bytes = g_byte_array_new ();
  g_autoptr(GError) error = NULL;
  gboolean ok;

  if (path == NULL)
    {
      g_autofree char *uri = g_file_get_uri (job->file);

      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                               /* TRANSLATORS: %s is a location that is not a local file */
                               _("“%s” is not a local file"), uri);
      return;
    }
  /* Cancel stays offered until the file is written */
  if (g_task_return_error_if_cancelled (task))
    return;
  if (job->sheet)
    ok = tf_contact_sheet_render ((TfFaceProbe * const *) job->drawn->pdata, job->drawn->len, &job->style,
                                  job->format, bytes, &job->width, &job->height, &error);
  else
    ok = tf_figure_render (job->drawn->pdata[0], &job->style, job->format, bytes,
                           &job->width, &job->height, &error);
  if (ok && g_task_return_error_if_cancelled (task))
    return;
  ok = ok && tf_atomic_file_set_contents (path, bytes->data, bytes->len, &error);
  if (!ok)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

static void
on_saved_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  FigureJob *job = g_task_get_task_data (G_TASK (result));
  TfWindow *self = job->window;
  g_autofree char *name = g_file_get_basename (job->file);
  g_autofree char *size = NULL;
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error)
      && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      tf_window_add_toast (self, _("Figure export cancelled"));
      figure_job_free (job);
      return;
    }
  if (error != NULL)
    {
      /* TRANSLATORS: %s says why, naming the folder or the file */
      text = g_strdup_printf (_("Could not export the figure: %s"), error->message);
      tf_window_add_toast (self, text);
      figure_job_free (job);
      return;
    }
  if (job->format == TF_FIGURE_PNG)
    /* TRANSLATORS: a picture's size in pixels */
    size = g_strdup_printf (_("%d × %d px"), job->width, job->height);
  else
    /* TRANSLATORS: a drawing's size in points (1/72 inch) */
    size = g_strdup_printf (_("%d × %d pt"), job->width, job->height);
  if (job->sheet)
    /* TRANSLATORS: a toast: the file, its size, and how many faces it shows */
    text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Saved %s (%s, %u face)", "Saved %s (%s, %u faces)",
                                         job->drawn->len),
                            name, size, job->drawn->len);
  else
    /* TRANSLATORS: a toast: the file and its size */
    text = g_strdup_printf (_("Saved %s (%s)"), name, size);
  if (job->left_out > 0 || job->without_maps > 0)
    {
      g_autofree char *more = g_strdup_printf (job->left_out > 0
                                               /* TRANSLATORS: after "Saved x.png (...)" */
                                               ? _("%s; the first %u faces only")
                                               /* TRANSLATORS: after "Saved x.png (...)" */
                                               : _("%s; faces without maps: %u"),
                                               text, job->left_out > 0 ? (guint) MAX_SHEET_FACES
                                                                       : job->without_maps);
      g_free (text);
      text = g_steal_pointer (&more);
    }
  tf_window_add_toast (self, text);
  figure_job_free (job);
}

static void
save (FigureJob *job)
{
  g_autoptr(GTask) task = g_task_new (job->window, job->cancellable, on_saved_cb, NULL);

  g_task_set_source_tag (task, save);
  /* a file written is reported as written, even if Cancel came after */
  g_task_set_check_cancellable (task, FALSE);
  /* freed by on_saved_cb, on the main thread: the task's last reference
   * may go in the worker, and the job holds the window and a toast */
  g_task_set_task_data (task, job, NULL);
  g_task_run_in_thread (task, save_thread);
}

/* ---- the maps first, one face at a time */

static void compute_next (FigureJob *job);

static void
on_cancel_clicked_cb (AdwToast  *toast,
                      FigureJob *job)
{
  g_cancellable_cancel (job->cancellable);
}

static void
show_progress (FigureJob *job)
{
  g_autofree char *text = NULL;

  /* TRANSLATORS: a toast while maps are computed for a figure: faces done of all */
  text = g_strdup_printf (_("Computing maps: %u of %u faces…"), job->next, job->faces->len);
  if (job->progress == NULL)
    {
      job->progress = g_object_ref (tf_window_add_toast (job->window, text));
      adw_toast_set_timeout (job->progress, 0);
      adw_toast_set_button_label (job->progress, _("_Cancel"));
      g_signal_connect (job->progress, "button-clicked", G_CALLBACK (on_cancel_clicked_cb), job);
    }
  else
    adw_toast_set_title (job->progress, text);
}

static void
on_probe_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  FigureJob *job = user_data;
  TfFaceProbe *old = job->faces->pdata[job->next];
  g_autoptr(TfFaceProbe) probe = NULL;
  g_autoptr(GError) error = NULL;

  probe = tf_session_face_finish (TF_SESSION (source), result, &error);
  if (g_cancellable_is_cancelled (job->cancellable))
    {
      tf_window_add_toast (job->window, _("Figure export cancelled"));
      figure_job_free (job);
      return;
    }
  if (probe == NULL)
    {
      /* drawn without maps: the faces are there, the cells say what is missing */
      g_ptr_array_add (job->drawn, tf_face_probe_ref (old));
      job->without_maps++;
    }
  else
    {
      /* the stored probabilities, not the recomputed ones: the views' word */
      if (old->probs != NULL && old->classes == probe->classes)
        {
          memcpy (probe->probs, old->probs, sizeof (float) * old->classes);
          probe->predicted = old->predicted;
        }
      probe->face_id = old->face_id;
      g_ptr_array_add (job->drawn, g_steal_pointer (&probe));
    }
  job->next++;
  compute_next (job);
}

static void
compute_next (FigureJob *job)
{
  for (; job->next < job->faces->len; job->next++)
    {
      TfFaceProbe *p = job->faces->pdata[job->next];

      if (p->lanet_maps == NULL && p->source_rgb != NULL)
        {
          show_progress (job);
          tf_session_probe_async (job->window->session, p, job->cancellable, on_probe_cb, job);
          return;
        }
      g_ptr_array_add (job->drawn, tf_face_probe_ref (p));
    }
  save (job);
}

/* ---- choosing the file */

static void
on_chosen_cb (GFile    *file,
              guint     format,
              gpointer  user_data)
{
  FigureJob *job = user_data;
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;

  if (file == NULL)
    {
      figure_job_free (job);
      return;
    }
  job->file = g_object_ref (file);
  job->format = figure_formats[MIN (format, G_N_ELEMENTS (figure_formats) - 1)];
  path = g_file_get_path (file);
  /* said before the maps are computed, not after */
  if (path != NULL && !tf_atomic_file_check_writable (path, &error))
    {
      g_autofree char *text = g_strdup_printf (_("Could not export the figure: %s"), error->message);

      tf_window_add_toast (job->window, text);
      figure_job_free (job);
      return;
    }
  compute_next (job);
}

/* "photo.jpg" -> "photo" */
static char *
stem_of (const char *path)
{
  g_autofree char *base = path != NULL && *path ? g_path_get_basename (path) : g_strdup (_("faces"));
  char *dot = strrchr (base, '.');

  if (dot != NULL && dot != base)
    *dot = '\0';
  return g_steal_pointer (&base);
}

static void
choose (TfWindow   *self,
        GPtrArray  *faces,
        gboolean    sheet,
        guint       left_out,
        const char *initial)
{
  g_autoptr(GListStore) filters = g_list_store_new (GTK_TYPE_FILE_FILTER);
  g_autoptr(GtkFileFilter) png = gtk_file_filter_new ();
  g_autoptr(GtkFileFilter) svg = gtk_file_filter_new ();
  g_autofree char *colormap = g_settings_get_string (self->settings, "colormap");
  int map = tf_colormap_from_string (colormap);
  FigureJob *job = g_new0 (FigureJob, 1);

  job->window = g_object_ref (self);
  job->sheet = sheet;
  job->faces = g_ptr_array_ref (faces);
  job->drawn = g_ptr_array_new_with_free_func ((GDestroyNotify) tf_face_probe_unref);
  job->left_out = left_out;
  job->cancellable = g_cancellable_new ();
  job->model = g_strdup (tf_session_get_model_name (self->session));
  job->style.colormap = map >= 0 ? (TfColormap) map : TF_COLORMAP_VIRIDIS;
  job->style.opacity = g_settings_get_double (self->settings, "overlay-opacity");
  job->style.model = job->model;
  job->style.as_model = g_settings_get_boolean (self->settings, "crop-as-model");
  if (tf_session_get_compare_path (self->session) != NULL)
    job->compare_model = g_path_get_basename (tf_session_get_compare_path (self->session));
  job->style.compare_model = job->compare_model;

  gtk_file_filter_set_name (png, _("PNG Image"));
  gtk_file_filter_add_mime_type (png, "image/png");
  gtk_file_filter_add_suffix (png, "png");
  gtk_file_filter_set_name (svg, _("SVG Drawing"));
  gtk_file_filter_add_mime_type (svg, "image/svg+xml");
  gtk_file_filter_add_suffix (svg, "svg");
  g_list_store_append (filters, png);
  g_list_store_append (filters, svg);
  tf_choose_save_format (GTK_WINDOW (self), sheet ? _("Export Contact Sheet") : _("Export Figure"),
                         _("_Export"), G_LIST_MODEL (filters), figure_extensions, initial,
                         on_chosen_cb, job);
}

/* ---- the actions */

static void
export_figure_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *param)
{
  TfWindow *self = TF_WINDOW (widget);
  TfFaceProbe *probe = tf_face_inspector_get_probe (self->inspector);
  g_autoptr(GPtrArray) faces = g_ptr_array_new_with_free_func ((GDestroyNotify) tf_face_probe_unref);
  g_autofree char *stem = NULL, *initial = NULL;

  if (probe == NULL)
    {
      tf_window_add_toast (self, _("No face to draw: choose one first"));
      return;
    }
  g_ptr_array_add (faces, tf_face_probe_ref (probe));
  stem = stem_of (probe->file);
  /* TRANSLATORS: the file name offered for a figure: the picture's name and the face's number */
  initial = g_strdup_printf (_("%s-face%d.png"), stem, MAX (probe->face, 0) + 1);
  choose (self, faces, FALSE, 0, initial);
}

/* the faces the contact sheet shows: the review queue's (in its order and
 * filter) on that page, else those of the folder, photo or video on show;
 * how many more there were in *left_out */
static GPtrArray *
sheet_faces (TfWindow *self,
             guint    *left_out)
{
  GPtrArray *faces = g_ptr_array_new_with_free_func ((GDestroyNotify) tf_face_probe_unref);
  const char *page = gtk_stack_get_visible_child_name (self->media_stack);
  guint total = 0;

  if (g_strcmp0 (page, "review") == 0)
    {
      GListModel *model = tf_review_view_get_model (TF_REVIEW_VIEW (self->review_view));

      total = g_list_model_get_n_items (model);
      for (guint i = 0; i < total && faces->len < MAX_SHEET_FACES; i++)
        {
          g_autoptr(TfReviewItem) item = g_list_model_get_item (model, i);
          TfFaceProbe *p = tf_window_project_probe (self, tf_review_item_get_face (item));

          if (p != NULL)
            g_ptr_array_add (faces, p);
        }
    }
  else if (self->view == TF_VIEW_FOLDER && !self->in_item)
    {
      GListModel *model = tf_folder_view_get_model (self->folder_view);

      for (guint i = 0; i < g_list_model_get_n_items (model); i++)
        {
          g_autoptr(TfFolderItem) item = g_list_model_get_item (model, i);

          for (guint k = 0; k < tf_folder_item_get_n_faces (item); k++, total++)
            if (faces->len < MAX_SHEET_FACES)
              g_ptr_array_add (faces, tf_face_probe_ref (tf_folder_item_get_face (item, k)));
        }
    }
  else
    {
      total = self->results->len;
      for (guint i = 0; i < total && faces->len < MAX_SHEET_FACES; i++)
        g_ptr_array_add (faces, tf_face_probe_ref (self->results->pdata[i]));
    }
  *left_out = total - MIN (total, faces->len);
  return faces;
}

static void
export_sheet_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *param)
{
  TfWindow *self = TF_WINDOW (widget);
  const char *subtitle = adw_window_title_get_subtitle (self->window_title);
  g_autoptr(GPtrArray) faces = NULL;
  g_autofree char *stem = NULL, *initial = NULL;
  guint left_out = 0;

  faces = sheet_faces (self, &left_out);
  if (faces->len == 0)
    {
      tf_window_add_toast (self, _("No faces to put on a contact sheet"));
      return;
    }
  stem = stem_of (subtitle);
  /* TRANSLATORS: the file name offered for a contact sheet; %s is the folder's, photo's or video's name */
  initial = g_strdup_printf (_("%s-contact-sheet.png"), stem);
  choose (self, faces, TRUE, left_out, initial);
}

void
tf_window_figure_install_actions (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "win.export-figure", NULL, export_figure_action);
  gtk_widget_class_install_action (widget_class, "win.export-contact-sheet", NULL, export_sheet_action);
}
