/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "tf-attention-overlay.h"
#include "tf-color-scale.h"
#include "tf-colormap.h"
#include "tf-face-probe.h"
#include "tf-head-grid.h"
#include "tf-label-bar.h"
#include "tf-prob-bars.h"

G_BEGIN_DECLS

/* TfFaceInspector: the crop with the overlay and its controls (map
 * chooser: each LANet, their max, rollout, or the chosen head; opacity),
 * the probability bars, the head grid (choosing a head shows its
 * attention), and the ablation view: "Compute ablation" emits
 * "ablation-requested"; the owner computes it off the main thread, shows
 * progress with tf_face_inspector_set_ablation_progress, and hands over
 * the result with tf_face_inspector_set_probe (a probe with ablation),
 * which then shows it in the grid, scrolled into sight. "help-requested"
 * (section: "maps", "heads") asks the owner to explain that part. The
 * "as-model" property draws the face as a grayscale model reads it. */
#define TF_TYPE_FACE_INSPECTOR (tf_face_inspector_get_type ())
G_DECLARE_FINAL_TYPE (TfFaceInspector, tf_face_inspector, TF, FACE_INSPECTOR, GtkWidget)
GtkWidget    *tf_face_inspector_new             (void);
void          tf_face_inspector_set_probe       (TfFaceInspector *self, TfFaceProbe *probe);
TfFaceProbe  *tf_face_inspector_get_probe       (TfFaceInspector *self);
void          tf_face_inspector_set_opacity     (TfFaceInspector *self, double opacity);
void          tf_face_inspector_set_colormap    (TfFaceInspector *self, TfColormap map);
/* < 0 hides the progress bar */
void          tf_face_inspector_set_ablation_progress (TfFaceInspector *self, double fraction);
/* Shows the label bar (below the prediction) when a project keeps labels;
 * its classes follow the probe. The owner connects to the bar's signals
 * and shows the stored label with tf_label_bar_set_label. */
void          tf_face_inspector_set_labelling   (TfFaceInspector *self, gboolean labelling);
TfLabelBar   *tf_face_inspector_get_label_bar   (TfFaceInspector *self);
/* The map drawn over the face ("lanet-N", "max", "rollout", "head"; the
 * "map" property): kept for the next face. */
void          tf_face_inspector_set_map         (TfFaceInspector *self, const char *map);
const char   *tf_face_inspector_get_map         (TfFaceInspector *self);
/* The line under the chooser on "Selected head" ("Block 2, head 3: ..." or
 * "Choose a head in the grid"); NULL when it is hidden. */
const char   *tf_face_inspector_get_head_text   (TfFaceInspector *self);
/* the parts, for the application's tests */
TfColorScale       *tf_face_inspector_get_legend    (TfFaceInspector *self);
GtkWidget          *tf_face_inspector_get_compute_button (TfFaceInspector *self);
TfAttentionOverlay *tf_face_inspector_get_overlay   (TfFaceInspector *self);
TfProbBars         *tf_face_inspector_get_prob_bars (TfFaceInspector *self);
TfHeadGrid         *tf_face_inspector_get_head_grid (TfFaceInspector *self);

G_END_DECLS
