/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The files of a folder (or of several opened at once) as a grid: a
 * thumbnail (made off the main thread), the file's name and each face's
 * predicted expression, with how many of its faces are labelled (from a
 * TfLabelMap) and a mark where a label disagrees with the model. A click
 * or the arrow keys select an item: "item-selected" (TfFolderItem *, NULL
 * when none is; emitted again when its faces change); a double click or Enter activates it: "item-activated"
 * (const char *file). */
#pragma once

#include <gtk/gtk.h>

#include "tf-face-probe.h"
#include "tf-label-map.h"

G_BEGIN_DECLS

#define TF_TYPE_FOLDER_ITEM (tf_folder_item_get_type ())
G_DECLARE_FINAL_TYPE (TfFolderItem, tf_folder_item, TF, FOLDER_ITEM, GObject)

const char  *tf_folder_item_get_file      (TfFolderItem *self);
/* "happiness 92 %, neutral 60 %", the error, or "No face found" */
const char  *tf_folder_item_get_summary   (TfFolderItem *self);
guint        tf_folder_item_get_n_faces   (TfFolderItem *self);
TfFaceProbe *tf_folder_item_get_face      (TfFolderItem *self,
                                           guint         index);
/* NULL until made (items are thumbnailed when they are first shown) */
/* the face a person looks at first (tf_face_probes_main), NULL: none */
TfFaceProbe *tf_folder_item_get_main_face (TfFolderItem *self);
GdkTexture  *tf_folder_item_get_thumbnail (TfFolderItem *self);
/* NULL unless the file could not be read */
const char  *tf_folder_item_get_error     (TfFolderItem *self);
gboolean     tf_folder_item_get_is_video  (TfFolderItem *self);
/* whether the analysis of the file ended (read whole, or not at all) */
gboolean     tf_folder_item_get_done      (TfFolderItem *self);
/* How many of its faces have a label ("n-labelled"), and how many of those
 * disagree with the model's prediction ("n-disagreeing"); 0 without a
 * label map. */
guint        tf_folder_item_get_n_labelled    (TfFolderItem *self);
guint        tf_folder_item_get_n_disagreeing (TfFolderItem *self);

#define TF_TYPE_FOLDER_VIEW (tf_folder_view_get_type ())
G_DECLARE_FINAL_TYPE (TfFolderView, tf_folder_view, TF, FOLDER_VIEW, GtkWidget)

GtkWidget    *tf_folder_view_new         (void);
void          tf_folder_view_clear       (TfFolderView *self);
/* The item for @probe->file is made when it is first seen. */
void          tf_folder_view_add_face    (TfFolderView *self,
                                          TfFaceProbe  *probe);
void          tf_folder_view_file_done   (TfFolderView *self,
                                          const char   *file,
                                          const char   *error,
                                          gint64        frames,
                                          gint64        faces);
/* TfFolderItem, in the order the files were analysed */
GListModel   *tf_folder_view_get_model   (TfFolderView *self);
TfFolderItem *tf_folder_view_lookup      (TfFolderView *self,
                                          const char   *file);
/* Removes @probe (or the face with its face_id) from its file's item;
 * FALSE when it is not there. The item stays, with no faces left. */
gboolean      tf_folder_view_remove_face  (TfFolderView *self,
                                           TfFaceProbe  *probe);
/* Puts @new_probe where @old_probe (or the face with its face_id) was in
 * its item: a face whose maps were computed later. */
void          tf_folder_view_replace_face (TfFolderView *self,
                                           TfFaceProbe  *old_probe,
                                           TfFaceProbe  *new_probe);
/* The labels counted on the cards (by TfFaceProbe.face_id; a ref is held,
 * NULL: none). A "changed" for one face updates only its item. */
void          tf_folder_view_set_label_map (TfFolderView *self,
                                            TfLabelMap   *map);
/* the selected item, NULL: none */
TfFolderItem *tf_folder_view_get_selected (TfFolderView *self);
/* Selects the item of @file (NULL, or a file not there: none) and scrolls
 * it into view; with @focus the keyboard focus goes to its cell too, once
 * the grid is laid out, so the arrow keys go on from it. FALSE when there is
 * no such item. */
gboolean      tf_folder_view_select_file  (TfFolderView *self,
                                           const char   *file,
                                           gboolean      focus);
/* The item after (@direction 1) or before (-1) that of @file, in the grid's
 * order, skipping videos when @pictures; NULL at the end (no wrap) or when
 * @file has no item. */
TfFolderItem *tf_folder_view_step         (TfFolderView *self,
                                           const char   *file,
                                           int           direction,
                                           gboolean      pictures);
/* how many thumbnails are made (for tests) */
guint         tf_folder_view_get_n_thumbnails (TfFolderView *self);

/* "/a/b/x.jpg: not a picture" -> "not a picture": @error without the
 * file's name (full, for display, or base) that starts it */
char         *tf_error_without_file      (const char   *error,
                                          const char   *file);
/* TRUE for files the video view shows, by their name */
gboolean      tf_is_video_file           (const char   *path);

/* Only the items with a face whose probe->compare (a second model's view)
 * predicts another class (tf_face_probe_disagrees); set it again to
 * re-read the faces after their compare probes came. */
void          tf_folder_view_set_only_disagreeing (TfFolderView *self,
                                                   gboolean      only);
gboolean      tf_folder_view_get_only_disagreeing (TfFolderView *self);
/* the items the grid shows (after the filter) */
guint         tf_folder_view_get_n_shown  (TfFolderView *self);

G_END_DECLS
