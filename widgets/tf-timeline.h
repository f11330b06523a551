/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* TfTimeline: per tracked face, the class probabilities over time as
 * stacked areas (one strip per track), a cursor at the current time;
 * clicking or dragging emits "seek" (double seconds). */
#define TF_TYPE_TIMELINE (tf_timeline_get_type ())
G_DECLARE_FINAL_TYPE (TfTimeline, tf_timeline, TF, TIMELINE, GtkWidget)
GtkWidget    *tf_timeline_new                   (void);
void          tf_timeline_set_classes           (TfTimeline *self, const char * const *names, int n);
void          tf_timeline_set_duration          (TfTimeline *self, double seconds);
void          tf_timeline_clear                 (TfTimeline *self);
/* appends a point (times increase per track); @probs has n classes */
void          tf_timeline_add_point             (TfTimeline *self, int track, double time_s, const float *probs);
void          tf_timeline_set_position          (TfTimeline *self, double seconds);
double        tf_timeline_get_position          (TfTimeline *self);
int           tf_timeline_get_n_tracks          (TfTimeline *self);
/* The colour class @index is drawn in wherever classes are drawn by colour
 * (a small fixed palette, repeated past its end). */
void          tf_widgets_class_color            (int index, GdkRGBA *color);

G_END_DECLS
