/* SPDX-License-Identifier: GPL-3.0-or-later */
/* TfWindow across its files: tf-window.c (the window, its views and the
 * session's results), tf-window-actions.c (its actions, export, file
 * choosers), tf-window-browse.c (going through a folder's photos),
 * tf-window-project.c (its project), tf-window-finetune.c (its
 * Fine-tune page: the model it makes used, the project lent to it),
 * tf-window-errors.c (the page of a file that cannot be read, the recent
 * list), tf-window-explore.c (occlusion and LANet drop of the inspected
 * face). */
#pragma once

#include "tf-finetune-view.h"
#include "tf-project.h"
#include "tf-review-view.h"
#include "tf-stats-view.h"
#include "tf-window.h"

G_BEGIN_DECLS

/* most recent files offered in the Open menu */
#define MAX_RECENT 6

struct _TfWindow
{
  AdwApplicationWindow  parent_instance;

  /* template */
  AdwToastOverlay      *toast_overlay;
  AdwHeaderBar         *header_bar;
  AdwWindowTitle       *window_title;
  GtkWidget            *back_button;
  AdwSplitButton       *open_button;
  GtkWidget            *export_button;
  GtkWidget            *sidebar_button;
  guint                 header_idle;
  guint                 progress_idle;     /* progress shown at 4 Hz */
  double                progress_fraction;
  char                 *progress_text;
  GtkRevealer          *progress_revealer;
  GtkProgressBar       *progress_bar;
  GtkLabel             *progress_label;
  GtkWidget            *cancel_button;
  GtkWidget            *continue_button;    /* shown for a cancelled analysis that can go on */
  GtkStack             *main_stack;
  AdwBin               *split_holder;
  AdwStatusPage        *empty_page;
  GMenu                *recent_section;

  /* built in code: the split depends on the libadwaita version */
  GtkWidget            *split;
  GtkStack             *media_stack;
  TfPhotoView          *photo_view;
  TfFolderView         *folder_view;
  TfVideoView          *video_view;
  GtkStack             *sidebar_stack;
  TfFaceInspector      *inspector;

  GSettings            *settings;
  GtkRecentManager     *recent;
  TfSession            *session;

  /* the current analysis */
  TfView                view;
  gboolean              in_item;         /* one of the folder's files is shown */
  GPtrArray            *results;         /* TfFaceProbe, in order */
  GPtrArray            *toasts;          /* AdwToast shown */
  guint                 n_failed, n_no_face;
  gint64                open_time;
  double                first_face_ms;

  /* the face in the inspector, and ablations computed so far */
  TfFaceProbe          *inspected;
  GHashTable           *ablated;         /* TfFaceProbe -> TfFaceProbe */
  GCancellable         *ablation_cancellable;

  /* exploring the inspected face (tf-window-explore.c) */
  gboolean              explore_running;    /* a variant being computed */
  gboolean              explore_pending;    /* and a newer one waiting */
  guint                 explore_computed;   /* variants started, for the tests */
  guint                 explore_restores;   /* face restored: older variants are not shown */
  GCancellable         *occlusion_cancellable;
  guint                 occlusion_serial;   /* the occlusion map whose answers are shown */

  /* the pages beside the media, and the buttons that choose them */
  GtkWidget            *review_view;
  GtkWidget            *stats_view;
  GtkWidget            *finetune_view;
  GtkWidget            *page_buttons[4];
  char                 *media_page;      /* the media view to go back to */

  /* the project (tf-window-project.c) */
  TfProject            *project;
  TfLabelMap           *labels;
  GHashTable           *media_ids;       /* canonical path -> gint64 media id */
  gint64                run;             /* this window's analysis run (0: none yet) */
  char                 *run_key;         /* the model and settings of the last analysis */
  char                 *run_settings;    /* those settings, as the run's JSON */
  char                 *last_media_file; /* the file of the last face stored ... */
  gint64                last_media;      /* ... and its media id */
  gboolean              batch_open;      /* analysis results in an open transaction */
  guint                 commit_timeout;
  gboolean              store_failed;    /* storing stopped after an error (said once) */
  GCancellable         *probe_cancellable;  /* the maps of a restored face */
  char                 *annotator;       /* as filed in the project (annotator ()) */
  char                 *annotator_told;  /* the project and name whose spelling a toast told */
  char                 *annotator_wanted;   /* the preference annotator was filed from ... */
  TfProject            *annotator_project;  /* ... in this project (not a reference; NULL: ask again) */
  gboolean              project_lent;    /* the Fine-tune page stores a run in it */
  gboolean              merging;         /* File → Merge Projects runs in a thread */

  /* the page of a file that cannot be read (tf-window-errors.c) */
  GtkWidget            *error_page;
  char                 *error_file;

  /* the live camera page (tf-window-camera.c) */
  GtkWidget            *camera_view;
  char                 *camera_pipeline;  /* --camera-pipeline's, or NULL */

  /* comparing with a second model (tf-window-compare.c) */
  TfComparePanel       *compare_panel;
  GCancellable         *compare_cancellable;      /* the face shown, with its maps */
  GCancellable         *compare_all_cancellable;  /* every face, for the filter */
  GHashTable           *compare_disagree;         /* gint64 face ids the models disagree on */
  GHashTable           *compare_done;             /* gint64 project faces not open, compared */
  char                 *compare_project;          /* the project those ids are of */
};

/* tf-window-actions.c */
void tf_window_install_actions (GtkWidgetClass *widget_class);
/* the window's own key handling (the video's keys) */
void tf_window_actions_init    (TfWindow       *self);
void tf_window_update_actions  (TfWindow       *self);
/* the inspector's remembered choices and its (?) buttons */
void tf_window_help_init       (TfWindow       *self);

/* tf-window-figure.c: Export Figure… and Export Contact Sheet… */
void tf_window_figure_install_actions (GtkWidgetClass *widget_class);

/* tf-window-reanalyse.c */
/* the paths opened (a re-analysis opens them again) */
void     tf_window_reanalyse_remember (TfWindow           *self,
                                       const char * const *paths,
                                       guint               n_paths);
/* whether the files being opened are analysed again (not restored) */
gboolean tf_window_reanalysing        (TfWindow           *self);
/* A face of a re-analysis at the place of a face a person labelled or
 * drew: that face's id (taken: it matches once), else 0. */
gint64   tf_window_reanalyse_match    (TfWindow           *self,
                                       TfFaceProbe        *probe);
/* the analysis ended: the kept faces it did not find again, to the views */
void     tf_window_reanalyse_finished (TfWindow           *self,
                                       gboolean            cancelled);

/* tf-window-project.c */
void        tf_window_project_init          (TfWindow       *self);
void        tf_window_project_dispose       (TfWindow       *self);
void        tf_window_project_install_actions (GtkWidgetClass *widget_class);
void        tf_window_project_update_actions (TfWindow      *self);
/* stores a face the analysis found and sets its face_id */
void        tf_window_project_store_face    (TfWindow       *self,
                                             TfFaceProbe    *probe);
void        tf_window_project_file_done     (TfWindow       *self,
                                             const char     *file,
                                             const char     *error,
                                             gint64          faces);
/* whether the project's pictures are face crops */
gboolean    tf_window_project_crops         (TfWindow       *self);
/* TRUE when it changed */
gboolean    tf_window_project_set_crops     (TfWindow       *self,
                                             gboolean        crops);
/* an analysis starts: a new run when the model or the settings changed */
void        tf_window_project_analysis_started (TfWindow    *self);
/* commits the analysis results waiting for their transaction */
void        tf_window_project_flush         (TfWindow       *self);
/* the label bar and maps of the face just shown in the inspector */
void        tf_window_project_face_shown    (TfWindow       *self);
/* the stored faces of @file (NULL: not in the project) */
GPtrArray  *tf_window_project_restore       (TfWindow       *self,
                                             const char     *file);
TfFaceProbe *tf_window_project_probe        (TfWindow       *self,
                                             gint64          face);
GPtrArray  *tf_window_project_media_files   (TfWindow       *self);
gboolean    tf_window_project_load_label_cb (const TfProjectFace *face,
                                             gpointer        user_data);
/* the window works in @project (its pages, labels and title follow) */
void        tf_window_project_adopt         (TfWindow       *self,
                                             TfProject      *project);
/* the project's media in the views, restored from it */
void        tf_window_project_show_media    (TfWindow       *self);

/* tf-window-finetune.c */
void        tf_window_finetune_init         (TfWindow       *self);
/* The project, taken from the window for a thread to write (the window
 * neither reads nor changes it meanwhile); NULL when there is none. */
TfProject  *tf_window_project_lend          (TfWindow       *self);
/* ... given back: the window works in it again and shows its media with
 * what the thread stored. */
void        tf_window_project_give_back     (TfWindow       *self,
                                             TfProject      *project);

/* tf-window-browse.c */
void        tf_window_browse_init           (TfWindow       *self);
/* The next (@direction 1) or previous (-1) photo of the folder, in the
 * grid's order, shown as if opened there; at either end a beep and FALSE. */
gboolean    tf_window_step_photo            (TfWindow       *self,
                                             int             direction);
/* Back in the grid: @shown (the file last shown) selected, in view and
 * focused, its main face in the inspector. */
void        tf_window_browse_back           (TfWindow       *self,
                                             const char     *shown);
/* The toast naming the folder's files that could not be read or have no
 * face, with a button that shows them. */
void        tf_window_folder_problems_toast (TfWindow       *self);

/* tf-window-compare.c */
/* the compare panel (hidden until comparing) for the sidebar, and the
 * "only-disagreeing" action */
GtkWidget  *tf_window_compare_init              (TfWindow       *self);
void        tf_window_compare_dispose           (TfWindow       *self);
void        tf_window_compare_install_actions   (GtkWidgetClass *widget_class);
/* the inspector shows another face (or none) */
void        tf_window_compare_face_shown        (TfWindow       *self);
/* an analysis ended: its faces through the second model too */
void        tf_window_compare_analysis_finished (TfWindow       *self);

/* tf-window-errors.c */
/* the error page in the media stack ("error"), the player's errors to it */
void     tf_window_errors_init      (TfWindow       *self);
void     tf_window_errors_dispose   (TfWindow       *self);
/* @file could not be read (@error names it and says why): its page, with
 * what to do, when it is the file on show; out of the recent list */
void     tf_window_show_file_error  (TfWindow       *self,
                                     const char     *file,
                                     const char     *error);
/* the folder's @file, which could not be read, chosen in its grid: its page */
void     tf_window_show_item_error  (TfWindow       *self,
                                     const char     *file,
                                     const char     *error);
/* @path (a photo, a video or a folder) into the recent list, at once: a
 * failure to open it found later takes it out again */
void     tf_window_remember_recent  (TfWindow       *self,
                                     const char     *path);
/* @path out of the recent list (it failed to open) */
void     tf_window_forget_recent    (TfWindow       *self,
                                     const char     *path);
/* the file the media page shows now (a photo, a video, or the one its
 * error page is about), NULL when it shows none */
const char *tf_window_shown_file    (TfWindow       *self);
/* whether the Open menu offers @info: photos, videos, folders, projects */
gboolean tf_window_recent_can_open  (GtkRecentInfo  *info);

/* tf-window-camera.c */
/* the camera page in the media stack ("camera"), its Record */
void     tf_window_camera_init      (TfWindow       *self);
void     tf_window_camera_dispose   (TfWindow       *self);

/* tf-window.c */
void tf_window_reset_results   (TfWindow       *self);
/* shows @toast (a floating ref is taken), dismissed with the results */
void tf_window_add_adw_toast   (TfWindow       *self,
                                AdwToast       *toast);
/* tf_window_open, with @recent: whether the files go to the recent list */
void tf_window_open_files      (TfWindow       *self,
                                GFile         **files,
                                int             n_files,
                                gboolean        recent);
/* a face added by hand, into the views, selected */
void tf_window_add_face        (TfWindow       *self,
                                TfFaceProbe    *probe);
void tf_window_remove_face     (TfWindow       *self,
                                TfFaceProbe    *probe);
void tf_window_replace_face    (TfWindow       *self,
                                TfFaceProbe    *old_probe,
                                TfFaceProbe    *new_probe);
/* a problem the person must read whole: a dialog */
void tf_window_show_error      (TfWindow       *self,
                                const char     *title,
                                const char     *message);
/* a face found or restored, to the views showing its file */
void tf_window_deliver_face    (TfWindow       *self,
                                TfFaceProbe    *probe);
/* Shows @probe (NULL: none) in the inspector, with its ablation if one was
 * computed. */
void tf_window_show_face       (TfWindow       *self,
                                TfFaceProbe    *probe);

/* exploring the inspected face (tf-window-explore.c): connects the
 * inspector's signals; _cancel stops the occlusion map being computed */
void tf_window_explore_init    (TfWindow       *self);
void tf_window_explore_cancel  (TfWindow       *self);

G_END_DECLS
