/* SPDX-License-Identifier: GPL-3.0-or-later */
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
  TF_OVERLAY_OCCLUSION,   /* the occlusion-sensitivity map (its own grid) */
} TfOverlayKind;

/* TfAttentionOverlay: the aligned crop with a heat map over it,
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
/* Draws the crop as the model reads it: in grayscale for a model whose
 * input is gray (the probe's input_gray), else in colour as it is. */
void          tf_attention_overlay_set_as_model (TfAttentionOverlay *self, gboolean as_model);
gboolean      tf_attention_overlay_get_as_model (TfAttentionOverlay *self);
/* whether the crop is drawn in grayscale now */
gboolean      tf_attention_overlay_get_shows_gray (TfAttentionOverlay *self);
/* Occluding: presses and drags over the face emit "occluder-moved"
 * (x, y in fractions of the crop) and "occluder-released". */
void          tf_attention_overlay_set_occluding (TfAttentionOverlay *self, gboolean occluding);
/* The rectangle drawn over the face (x, y, w, h in fractions of the crop
 * side, clipped to it; NULL: none), grey or blurred. */
void          tf_attention_overlay_set_occluder  (TfAttentionOverlay *self, const double *rect, gboolean blur);

G_END_DECLS
