/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The main window: the media (a photo, a folder's grid, a video with its
 * timeline) and the face inspector beside it, the analysis' progress, and
 * the window actions: export, cancel, next and previous face. */
#pragma once

#include <adwaita.h>

#include "tf-application.h"
#include "tf-camera-view.h"
#include "tf-export.h"
#include "tf-file-chooser.h"
#include "tf-finetune-view.h"
#include "tf-folder-view.h"
#include "tf-photo-view.h"
#include "tf-project.h"
#include "tf-review-view.h"
#include "tf-session.h"
#include "tf-stats-view.h"
#include "tf-video-view.h"
#include "tf-widgets.h"

G_BEGIN_DECLS

#define TF_TYPE_WINDOW (tf_window_get_type ())
G_DECLARE_FINAL_TYPE (TfWindow, tf_window, TF, WINDOW, AdwApplicationWindow)

typedef enum
{
  TF_VIEW_EMPTY,
  TF_VIEW_PHOTO,
  TF_VIEW_FOLDER,
  TF_VIEW_VIDEO,
} TfView;

TfWindow        *tf_window_new             (TfApplication   *application);
/* Shows and analyses @files: one photo, one video, or a folder's (or
 * several files') grid. */
void             tf_window_open            (TfWindow        *self,
                                            GFile          **files,
                                            int              n_files);
void             tf_window_open_sample     (TfWindow        *self);
/* A file chooser for files (photos, videos) or a folder. */
void             tf_window_open_dialog     (TfWindow        *self,
                                            gboolean         folder);
/* Loads an expression model (NULL or "": the shipped one) and remembers it
 * in the settings; on failure the previous model stays. */
gboolean         tf_window_load_model      (TfWindow        *self,
                                            const char      *path,
                                            GError         **error);
/* Writes every result so far as CSV or JSON Lines, atomically. */
void             tf_window_export_async    (TfWindow        *self,
                                            GFile           *file,
                                            TfExportFormat   format,
                                            GCancellable    *cancellable,
                                            GAsyncReadyCallback callback,
                                            gpointer         user_data);
gboolean         tf_window_export_finish   (TfWindow        *self,
                                            GAsyncResult    *result,
                                            GError         **error);
/* the toast (owned by the window) */
AdwToast        *tf_window_add_toast       (TfWindow        *self,
                                            const char      *text);
/* Shows "media" (the photo, folder or video), "review" (the review queue),
 * "stats" (the statistics) or "finetune" (fine-tuning the model on the
 * labels) beside the inspector. */
void             tf_window_show_page       (TfWindow        *self,
                                            const char      *page);

/* The project the window works in (there is always one, unless none could
 * be made): a new window's lives in the user's data folder until saved
 * elsewhere. Opening media adds them to it; media it has are restored
 * with their faces, predictions and labels instead of analysed again. */
TfProject       *tf_window_get_project     (TfWindow        *self);
TfLabelMap      *tf_window_get_label_map   (TfWindow        *self);
/* A new untitled project in the user's data folder. */
gboolean         tf_window_new_project     (TfWindow        *self,
                                            GError         **error);
/* Shows the media of the project the window started with (its last one):
 * for a window opened without files. */
void             tf_window_show_project    (TfWindow        *self);
/* Opens @path and shows its media; on failure the current project stays. */
gboolean         tf_window_open_project    (TfWindow        *self,
                                            const char      *path,
                                            GError         **error);
/* Copies the project to @path and works there from now on (an untitled
 * project's old file is removed). */
gboolean         tf_window_save_project_as (TfWindow        *self,
                                            const char      *path,
                                            GError         **error);
/* Merges the projects @inputs into the new project @out in a thread (the
 * window stays responsive), then shows the report: a dialog listing what
 * it found (conflicts, class lists...), or a toast when nothing, both
 * offering to open @out. FALSE when a merge already runs. */
gboolean         tf_window_merge_projects  (TfWindow        *self,
                                            const char      *out,
                                            const char * const *inputs);
/* Labels the inspected face (or the video's selected range of a track,
 * as propagated labels) with @label (a project class, TF_LABEL_NOT_A_FACE,
 * TF_LABEL_UNSURE, TF_LABEL_NONE to clear), or with the model's prediction
 * when @accept; saved in one transaction, then the next face is selected
 * (the auto-advance setting). TRUE when saved. */
gboolean         tf_window_label           (TfWindow        *self,
                                            int              label,
                                            gboolean         accept);
/* Deletes the inspected face (a false detection) from the project. */
gboolean         tf_window_delete_face     (TfWindow        *self);
gboolean         tf_window_import_labels   (TfWindow        *self,
                                            const char      *path,
                                            gint64          *n_labels,
                                            GError         **error);
gboolean         tf_window_export_labels   (TfWindow        *self,
                                            TfProjectExportFormat format,
                                            const char      *path,
                                            gint64          *n_faces,
                                            GError         **error);

/* the parts, for the preferences and the tests */
TfSession       *tf_window_get_session     (TfWindow        *self);
TfFaceInspector *tf_window_get_inspector   (TfWindow        *self);
/* "What am I looking at?" at @section (NULL: its first page); the help
 * window, once shown (NULL before) */
void             tf_window_show_help       (TfWindow        *self,
                                            const char      *section);
GtkWindow       *tf_window_get_help        (TfWindow        *self);
/* Analyses what is open again with the current preferences (Ctrl+R) */
void             tf_window_reanalyse       (TfWindow        *self);
gboolean         tf_window_can_reanalyse   (TfWindow        *self);
TfPhotoView     *tf_window_get_photo_view  (TfWindow        *self);
TfFolderView    *tf_window_get_folder_view (TfWindow        *self);
TfVideoView     *tf_window_get_video_view  (TfWindow        *self);
TfReviewView    *tf_window_get_review_view (TfWindow        *self);
TfStatsView     *tf_window_get_stats_view  (TfWindow        *self);
TfFinetuneView  *tf_window_get_finetune_view (TfWindow      *self);
TfView           tf_window_get_view        (TfWindow        *self);
/* the face results of the current analysis, in order */
GPtrArray       *tf_window_get_results     (TfWindow        *self);
/* an analysis running, or its progress still shown */
gboolean         tf_window_get_busy        (TfWindow        *self);
gboolean         tf_window_get_sidebar_collapsed (TfWindow   *self);
/* milliseconds from opening to the first face shown (-1: none yet); the
 * window's "first-face-shown" signal says when it is */
double           tf_window_get_first_face_ms (TfWindow      *self);
/* exploring the inspected face: the changed faces computed so far (a drag's
 * positions in between are dropped, not computed), and whether one is */
guint            tf_window_get_explore_computed (TfWindow   *self);
gboolean         tf_window_get_explore_running  (TfWindow   *self);

/* The live camera page: @description (a GStreamer pipeline; NULL: the one
 * given before, else $TF_CAMERA_PIPELINE, else the system's camera) runs
 * there, with a box, the prediction and the chosen map over each face. */
void             tf_window_show_camera     (TfWindow        *self,
                                            const char      *description);
TfCameraView    *tf_window_get_camera_view (TfWindow        *self);

/* Compares every face with a second model (tf-window-compare.c): the
 * model at @path is loaded beside the one in use (on failure nothing
 * changes); the face shown gets its second view in the sidebar, every face
 * open its probe->compare for the "only-disagreeing" filter. */
gboolean         tf_window_compare_with    (TfWindow        *self,
                                            const char      *path,
                                            GError         **error);
void             tf_window_compare_stop    (TfWindow        *self);
/* the chooser of the model to compare with */
void             tf_window_compare_choose  (TfWindow        *self);
TfComparePanel  *tf_window_get_compare_panel (TfWindow      *self);

G_END_DECLS
