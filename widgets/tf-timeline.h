/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "tf-face-probe.h"
#include "tf-label-map.h"

G_BEGIN_DECLS

/* TfTimeline: per tracked face, the class probabilities over time as
 * stacked areas (one strip per track), a cursor at the current time;
 * clicking or dragging emits "seek" (double seconds).
 *
 * With a TfLabelMap, a label lane under each strip shows the labels of the
 * track's faces: a person's solid, imported ones dashed, propagated ones
 * pale and hatched, "not a face" and "unsure" gray with a pattern, and a
 * red tick where a label disagrees with the prediction. Dragging in a
 * lane (or Shift+dragging anywhere on a track) selects a time range of
 * that track: "range-selected" (int track, double t0, double t1), and
 * "range-cleared" when it goes (a click in a lane, Escape). Tracks are
 * named by their ids (TfFaceProbe.track) throughout. */
#define TF_TYPE_TIMELINE (tf_timeline_get_type ())
G_DECLARE_FINAL_TYPE (TfTimeline, tf_timeline, TF, TIMELINE, GtkWidget)
GtkWidget    *tf_timeline_new                   (void);
void          tf_timeline_set_classes           (TfTimeline *self, const char * const *names, int n);
void          tf_timeline_set_duration          (TfTimeline *self, double seconds);
/* forgets the points and the range */
void          tf_timeline_clear                 (TfTimeline *self);
/* appends a point (times increase per track); @probs has n classes */
void          tf_timeline_add_point             (TfTimeline *self, int track, double time_s, const float *probs);
/* appends @probe's point (its track, time, probabilities, prediction),
 * labelled through its face_id */
void          tf_timeline_add_face              (TfTimeline *self, const TfFaceProbe *probe);
void          tf_timeline_set_position          (TfTimeline *self, double seconds);
double        tf_timeline_get_position          (TfTimeline *self);
int           tf_timeline_get_n_tracks          (TfTimeline *self);
/* The labels drawn in the lanes (a ref is held; NULL: no lanes); redrawn
 * on its "changed". */
void          tf_timeline_set_label_map         (TfTimeline *self, TfLabelMap *map);
/* The selected range of track @track, @t0 <= @t1 in seconds; FALSE (and
 * nothing written) when none is selected. Any pointer may be NULL. */
gboolean      tf_timeline_get_range             (TfTimeline *self, int *track, double *t0, double *t1);
/* Selects @t0..@t1 (either order, clamped to the length) of track @track,
 * or clears the range when @track < 0 or is not shown; emits
 * "range-selected" or "range-cleared" when that changes anything. */
void          tf_timeline_set_range             (TfTimeline *self, int track, double t0, double t1);
/* The time of the next (@direction > 0) or previous analysed point of
 * @track strictly after (before) @from_s whose label differs from the
 * point before it in time; -1 when there is none. */
double        tf_timeline_find_label_change     (TfTimeline *self, int track, double from_s, int direction);
/* The vertical span of the label lane of the @index-th track (in order of
 * first appearance), in widget coordinates; FALSE: no such track, or no
 * label map (no lanes). */
gboolean      tf_timeline_lane_span             (TfTimeline *self, int index, double *top, double *height);
/* What the timeline says while it has no track (NULL: "No faces tracked
 * yet"); get returns the text said. */
void          tf_timeline_set_empty_text        (TfTimeline *self, const char *text);
const char   *tf_timeline_get_empty_text        (TfTimeline *self);
/* The track (an id; -1: none) whose row is marked as the chosen one. */
void          tf_timeline_set_selected_track    (TfTimeline *self, int track);
int           tf_timeline_get_selected_track    (TfTimeline *self);
/* The colour class @index is drawn in wherever classes are drawn by colour
 * (a small fixed palette, repeated past its end). */
void          tf_widgets_class_color            (int index, GdkRGBA *color);

G_END_DECLS
