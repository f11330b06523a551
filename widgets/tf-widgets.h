/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Reusable widgets that draw what the model sees. Each is a GtkWidget
 * subclass with an accessible role and label; all take their data through
 * setters (copies, or references on TfFaceProbe) and never block. */
#pragma once

#include <gtk/gtk.h>

#include "tf-colormap.h"
#include "tf-face-probe.h"

G_BEGIN_DECLS

/* What the attention overlay draws over the aligned face. */
typedef enum
{
  TF_OVERLAY_NONE,
  TF_OVERLAY_LANET,       /* one LANet map (index) */
  TF_OVERLAY_LANET_MAX,   /* their max */
  TF_OVERLAY_ROLLOUT,     /* attention rollout */
  TF_OVERLAY_HEAD,        /* one head's class-token attention (block, head) */
} TfOverlayKind;

/* ---- TfAttentionOverlay: the aligned crop with a heat map over it,
 * upsampled smoothly (bilinear) from the g x g grid. */
#define TF_TYPE_ATTENTION_OVERLAY (tf_attention_overlay_get_type ())
G_DECLARE_FINAL_TYPE (TfAttentionOverlay, tf_attention_overlay, TF, ATTENTION_OVERLAY, GtkWidget)
GtkWidget    *tf_attention_overlay_new          (void);
void          tf_attention_overlay_set_probe    (TfAttentionOverlay *self, TfFaceProbe *probe);
void          tf_attention_overlay_set_kind     (TfAttentionOverlay *self, TfOverlayKind kind,
                                                 int index /* LANet, or block */, int head);
TfOverlayKind tf_attention_overlay_get_kind     (TfAttentionOverlay *self);
void          tf_attention_overlay_set_opacity  (TfAttentionOverlay *self, double opacity);
void          tf_attention_overlay_set_colormap (TfAttentionOverlay *self, TfColormap map);

/* ---- TfProbBars: one bar per class, the prediction highlighted. */
#define TF_TYPE_PROB_BARS (tf_prob_bars_get_type ())
G_DECLARE_FINAL_TYPE (TfProbBars, tf_prob_bars, TF, PROB_BARS, GtkWidget)
GtkWidget    *tf_prob_bars_new                  (void);
void          tf_prob_bars_set_probe            (TfProbBars *self, TfFaceProbe *probe);
/* the bar the prediction is drawn in, for tests (-1: none) */
int           tf_prob_bars_get_highlighted      (TfProbBars *self);

/* ---- TfHeadGrid: blocks (rows) x heads (columns), each cell coloured by
 * the head's contribution (or, in ablation mode, by the change of the
 * predicted class's probability). Cells are focusable and selectable with
 * the keyboard; "head-selected" (block, head) fires on a choice. */
#define TF_TYPE_HEAD_GRID (tf_head_grid_get_type ())
G_DECLARE_FINAL_TYPE (TfHeadGrid, tf_head_grid, TF, HEAD_GRID, GtkWidget)
GtkWidget    *tf_head_grid_new                  (void);
void          tf_head_grid_set_probe            (TfHeadGrid *self, TfFaceProbe *probe);
void          tf_head_grid_set_show_ablation    (TfHeadGrid *self, gboolean ablation);
void          tf_head_grid_set_colormap         (TfHeadGrid *self, TfColormap map);
gboolean      tf_head_grid_get_selected         (TfHeadGrid *self, int *block, int *head);
void          tf_head_grid_select               (TfHeadGrid *self, int block, int head);
/* rows and columns drawn, for tests */
void          tf_head_grid_get_shape            (TfHeadGrid *self, int *blocks, int *heads);

/* ---- TfTimeline: per tracked face, the class probabilities over time as
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

/* ---- TfFaceInspector: the crop with the overlay and its controls (map
 * chooser: each LANet, their max, rollout, or the chosen head; opacity),
 * the probability bars, the head grid (choosing a head shows its
 * attention), and the ablation view: "Compute ablation" emits
 * "ablation-requested"; the owner computes it off the main thread, shows
 * progress with tf_face_inspector_set_ablation_progress, and hands over
 * the result with tf_face_inspector_set_probe (a probe with ablation). */
#define TF_TYPE_FACE_INSPECTOR (tf_face_inspector_get_type ())
G_DECLARE_FINAL_TYPE (TfFaceInspector, tf_face_inspector, TF, FACE_INSPECTOR, GtkWidget)
GtkWidget    *tf_face_inspector_new             (void);
void          tf_face_inspector_set_probe       (TfFaceInspector *self, TfFaceProbe *probe);
TfFaceProbe  *tf_face_inspector_get_probe       (TfFaceInspector *self);
void          tf_face_inspector_set_opacity     (TfFaceInspector *self, double opacity);
void          tf_face_inspector_set_colormap    (TfFaceInspector *self, TfColormap map);
/* < 0 hides the progress bar */
void          tf_face_inspector_set_ablation_progress (TfFaceInspector *self, double fraction);
/* the parts, for the application's tests */
TfAttentionOverlay *tf_face_inspector_get_overlay   (TfFaceInspector *self);
TfProbBars         *tf_face_inspector_get_prob_bars (TfFaceInspector *self);
TfHeadGrid         *tf_face_inspector_get_head_grid (TfFaceInspector *self);

G_END_DECLS
