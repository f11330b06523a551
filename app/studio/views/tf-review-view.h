/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The review queue: a project's faces in the order most worth a look (the
 * least confident first), filtered by label, prediction and media, with a
 * count of those reviewed. The list wraps the queue's ids and makes a row
 * item only when a row asks for one; rows read their data between frames
 * (those on screen first) and the reviewed faces are counted by a worker
 * on its own read-only connection, so a project of any size opens and
 * scrolls without stalls. Selecting a face (or activating its row) emits
 * "face-activated" (gint64 face). */
#pragma once

#include <gtk/gtk.h>

#include "tf-chart.h"
#include "tf-project.h"

G_BEGIN_DECLS

/* A face of the list; its fields are read from the project when its row is
 * first shown. */
#define TF_TYPE_REVIEW_ITEM (tf_review_item_get_type ())
G_DECLARE_FINAL_TYPE (TfReviewItem, tf_review_item, TF, REVIEW_ITEM, GObject)

gint64       tf_review_item_get_face   (TfReviewItem *self);
/* TF_LABEL_NONE until loaded or when unlabelled */
int          tf_review_item_get_label  (TfReviewItem *self);

#define TF_TYPE_REVIEW_VIEW (tf_review_view_get_type ())
G_DECLARE_FINAL_TYPE (TfReviewView, tf_review_view, TF, REVIEW_VIEW, GtkWidget)

GtkWidget  *tf_review_view_new          (void);
/* @project is borrowed: its owner keeps it open while the view shows it,
 * or sets NULL first. A new project resets the filters. */
void        tf_review_view_set_project  (TfReviewView *self,
                                         TfProject    *project);
TfProject  *tf_review_view_get_project  (TfReviewView *self);
/* Reads the queue again (after an analysis, an import, an undo of many
 * labels); the selected face stays selected while it is listed. */
void        tf_review_view_refresh      (TfReviewView *self);
/* @face's label changed: its row and the count follow, the order does not
 * (the list does not move under the person labelling it). */
void        tf_review_view_face_changed (TfReviewView *self,
                                         gint64        face);
/* 0 when none */
gint64      tf_review_view_get_selected (TfReviewView *self);
/* Selects @face and scrolls to it; FALSE when it is not listed. */
gboolean    tf_review_view_select_face  (TfReviewView *self,
                                         gint64        face);
/* Selects the face after the selected one (the first when none is) and
 * returns it; 0 at the end of the list, where the selection stays. */
gint64      tf_review_view_select_next  (TfReviewView *self);
/* TfReviewItem, in the list's order */
GListModel *tf_review_view_get_model    (TfReviewView *self);
/* how many TfReviewItem exist now (for tests: rows are made lazily) */
guint       tf_review_view_get_n_items_made (TfReviewView *self);
/* how many rows on screen wait for their data (read between frames) */
guint       tf_review_view_get_n_loading (TfReviewView *self);

/* Lists only the faces of @faces (a set of gint64 ids, g_int64_hash: the
 * faces a second model disagrees on; a ref is held), within the filters
 * chosen; NULL: every face the filters choose. */
void        tf_review_view_set_only_faces (TfReviewView *self,
                                           GHashTable   *faces);

G_END_DECLS
