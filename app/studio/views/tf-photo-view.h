/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A photo scaled to fit, each face's box and five landmarks drawn over it
 * with its predicted expression. A click, or the arrow keys, choose a face:
 * "face-selected" (TfFaceProbe *) tells the owner. The photo is decoded
 * off the main thread. */
#pragma once

#include <gtk/gtk.h>

#include "tf-face-probe.h"

G_BEGIN_DECLS

#define TF_TYPE_PHOTO_VIEW (tf_photo_view_get_type ())
G_DECLARE_FINAL_TYPE (TfPhotoView, tf_photo_view, TF, PHOTO_VIEW, GtkWidget)

GtkWidget   *tf_photo_view_new          (void);
/* Shows @path (decoded in a thread) and forgets the faces; NULL: nothing. */
void         tf_photo_view_set_file     (TfPhotoView *self,
                                         const char  *path);
const char  *tf_photo_view_get_file     (TfPhotoView *self);
/* TRUE once the picture is decoded and shown */
gboolean     tf_photo_view_get_loaded   (TfPhotoView *self);
void         tf_photo_view_add_face     (TfPhotoView *self,
                                         TfFaceProbe *probe);
guint        tf_photo_view_get_n_faces  (TfPhotoView *self);
TfFaceProbe *tf_photo_view_get_face     (TfPhotoView *self,
                                         guint        index);
/* -1: none */
int          tf_photo_view_get_selected (TfPhotoView *self);
/* Selects face @index (clamped; -1 clears) and emits "face-selected". */
void         tf_photo_view_select       (TfPhotoView *self,
                                         int          index);

G_END_DECLS
