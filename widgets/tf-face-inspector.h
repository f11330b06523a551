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

/* Exploring (issue 13). The variant is the face as the model sees it with
 * part hidden or a LANet dropped (the owner computes it on
 * "occlusion-changed" / "lanet-drop-changed"); it is shown instead of the
 * face until the next tf_face_inspector_set_probe (NULL: the face again). */
void          tf_face_inspector_set_variant     (TfFaceInspector *self, TfFaceProbe *variant);
TfFaceProbe  *tf_face_inspector_get_variant     (TfFaceInspector *self);
/* The occluder: x, y, w, h in fractions of the crop (it may reach past
 * it); FALSE when there is none. Setting one is what a drag to it does
 * (NULL: the release). */
gboolean      tf_face_inspector_get_occluder    (TfFaceInspector *self, double rect[4], gboolean *blur);
void          tf_face_inspector_set_occluder    (TfFaceInspector *self, const double *rect);
/* The LANet dropped, from 0 (-1: none) */
int           tf_face_inspector_get_dropped_lanet (TfFaceInspector *self);
void          tf_face_inspector_set_dropped_lanet (TfFaceInspector *self, int lanet);
/* the occlusion map being computed (< 0: hidden; ended without a map: the
 * chooser goes back to the kept choice) */
void          tf_face_inspector_set_occlusion_progress (TfFaceInspector *self, double fraction);
/* chooses "Occlusion sensitivity", as the chooser does */
void          tf_face_inspector_show_occlusion_map (TfFaceInspector *self);
gboolean      tf_face_inspector_get_occlusion_shown (TfFaceInspector *self);

G_END_DECLS
