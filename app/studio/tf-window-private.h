/* SPDX-License-Identifier: GPL-3.0-or-later */
/* TfWindow across its files: tf-window.c (the window, its views and the
 * session's results), tf-window-actions.c (its actions, export, file
 * choosers). */
#pragma once

#include "tf-window.h"

G_BEGIN_DECLS

/* most recent files offered in the Open menu */
#define MAX_RECENT 6

struct _TfWindow
{
  AdwApplicationWindow  parent_instance;

  /* template */
  AdwToastOverlay      *toast_overlay;
  AdwWindowTitle       *window_title;
  GtkWidget            *back_button;
  AdwSplitButton       *open_button;
  GtkWidget            *export_button;
  GtkWidget            *sidebar_button;
  guint                 header_idle;
  guint                 progress_idle;     /* progress shown at 10 Hz */
  double                progress_fraction;
  char                 *progress_text;
  GtkRevealer          *progress_revealer;
  GtkProgressBar       *progress_bar;
  GtkLabel             *progress_label;
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
};

/* tf-window-actions.c */
void tf_window_install_actions (GtkWidgetClass *widget_class);
void tf_window_update_actions  (TfWindow       *self);

/* tf-window.c */
/* Shows @probe (NULL: none) in the inspector, with its ablation if one was
 * computed. */
void tf_window_show_face       (TfWindow       *self,
                                TfFaceProbe    *probe);

G_END_DECLS
