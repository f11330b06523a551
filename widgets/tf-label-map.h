/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "tf-face-probe.h"

G_BEGIN_DECLS

/* The labels a person gave, as the views draw them. The values are those
 * of a project (tf-project.h): a class id of the project's class list, or: */
#define TF_LABEL_MAP_NONE       (-3)
#define TF_LABEL_MAP_UNSURE     (-2)
#define TF_LABEL_MAP_NOT_A_FACE (-1)

/* Where a label came from (the order of TfLabelSource in tf-project.h). */
typedef enum
{
  TF_LABEL_MAP_FROM_PERSON,
  TF_LABEL_MAP_FROM_IMPORTED,
  TF_LABEL_MAP_FROM_PROPAGATED,
} TfLabelMapSource;

/* How a face's label stands against the model's prediction. */
typedef enum
{
  TF_LABEL_STATE_NONE,       /* not labelled: the prediction is all there is */
  TF_LABEL_STATE_AGREES,     /* labelled with the predicted class */
  TF_LABEL_STATE_DISAGREES,  /* labelled with another class */
  TF_LABEL_STATE_OTHER,      /* not a face, unsure, or a face without a prediction */
} TfLabelState;

/* TfLabelMap: face id (TfFaceProbe.face_id) -> label, shared by the window
 * and every view that draws faces, so one change redraws them all. The
 * owner (who stores labels in the project) keeps it up to date; views
 * only read it and redraw on "changed" (gint64 face_id; 0: many faces). */
#define TF_TYPE_LABEL_MAP (tf_label_map_get_type ())
G_DECLARE_FINAL_TYPE (TfLabelMap, tf_label_map, TF, LABEL_MAP, GObject)

TfLabelMap  *tf_label_map_new         (void);
/* The project's class names, NULL-terminated (copied); labels are ids in it. */
void         tf_label_map_set_classes (TfLabelMap          *self,
                                       const char * const  *classes);
const char * const *tf_label_map_get_classes (TfLabelMap   *self);
int          tf_label_map_get_n_classes (TfLabelMap        *self);
/* @label TF_LABEL_MAP_NONE forgets the face. Emits "changed". */
void         tf_label_map_set         (TfLabelMap          *self,
                                       gint64               face_id,
                                       int                  label,
                                       TfLabelMapSource     source);
/* Forgets every label; emits "changed" (0). */
void         tf_label_map_clear       (TfLabelMap          *self);
/* The face's label (TF_LABEL_MAP_NONE when it has none); @source may be NULL. */
int          tf_label_map_lookup      (TfLabelMap          *self,
                                       gint64               face_id,
                                       TfLabelMapSource    *source);
guint        tf_label_map_get_size    (TfLabelMap          *self);
/* The name drawn for @label: the class, "not a face", "unsure"; NULL for
 * none or an unknown id. */
const char  *tf_label_map_label_name  (TfLabelMap          *self,
                                       int                  label);
/* @probe's label against its prediction (by class name, so a model whose
 * classes are ordered otherwise than the project's compares right). */
TfLabelState tf_label_map_get_state   (TfLabelMap          *self,
                                       const TfFaceProbe   *probe);

G_END_DECLS
