/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A photo scaled to fit, each face's box and five landmarks drawn over it
 * with its predicted expression, or the label a person gave it (from a
 * TfLabelMap). A click, or the arrow keys, choose a face: "face-selected"
 * (TfFaceProbe *) tells the owner. In drawing mode a drag draws the box of
 * a face the detector missed: "box-drawn" (double x, y, w, h in image
 * pixels). The photo is decoded off the main thread. */
#pragma once

#include <gtk/gtk.h>

#include "tf-face-probe.h"
#include "tf-label-map.h"

G_BEGIN_DECLS

#define TF_TYPE_PHOTO_VIEW (tf_photo_view_get_type ())
G_DECLARE_FINAL_TYPE (TfPhotoView, tf_photo_view, TF, PHOTO_VIEW, GtkWidget)

GtkWidget   *tf_photo_view_new          (void);
/* Shows @path (decoded in a thread) and forgets the faces; NULL: nothing.
 * Another file ends drawing mode. */
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
/* Selects the main face (tf_face_probes_main), or none when there is no
 * face, and emits "face-selected". Until another face is selected, the
 * choice is made again (and emitted when it changes) as faces are added and
 * when the picture's size is known (a face cut by an edge then counts for
 * its visible part). */
void         tf_photo_view_select_main  (TfPhotoView *self);
/* Removes @probe (or the face with its face_id). When it was selected, the
 * face now at its place (else the one before) is, and "face-selected" is
 * emitted (NULL when none is left). */
void         tf_photo_view_remove_face  (TfPhotoView *self,
                                         TfFaceProbe *probe);
/* Puts @new_probe where @old_probe (or the face with its face_id) was: a
 * face whose maps were computed later. The selection stays; nothing is
 * emitted. */
void         tf_photo_view_replace_face (TfPhotoView *self,
                                         TfFaceProbe *old_probe,
                                         TfFaceProbe *new_probe);
/* The labels drawn (by TfFaceProbe.face_id; a ref is held, NULL: none);
 * redrawn on its "changed". */
void         tf_photo_view_set_label_map (TfPhotoView *self,
                                          TfLabelMap  *map);
/* Drawing mode (the "drawing" property): a crosshair, a hint, and a drag
 * that emits "box-drawn" (clamped to the image; a box under 8 pixels a side
 * is ignored and drawing goes on). A "box-drawn" ends the mode before its
 * handlers run; Escape cancels. */
void         tf_photo_view_set_drawing  (TfPhotoView *self,
                                         gboolean     drawing);
gboolean     tf_photo_view_get_drawing  (TfPhotoView *self);

/* The index of the main face among @probes (TfFaceProbe) of a picture of
 * @width x @height (0: unknown), by tf_face_main: the largest, then the
 * most central; -1 when there is none. */
int          tf_face_probes_main        (GPtrArray   *probes,
                                         int          width,
                                         int          height);

G_END_DECLS
