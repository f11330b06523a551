/* SPDX-License-Identifier: GPL-3.0-or-later */
/* TfComparePanel: one face as two models see it, side by side: whether
 * they agree (a banner), each one's main map over the face, the maps'
 * difference, the probabilities of the classes both know with their
 * difference, and the classes only one of them knows. Classes are matched
 * by their names, never by their order. */
#pragma once

#include <gtk/gtk.h>

#include "tf-colormap.h"
#include "tf-face-probe.h"

G_BEGIN_DECLS

#define TF_TYPE_COMPARE_PANEL (tf_compare_panel_get_type ())
G_DECLARE_FINAL_TYPE (TfComparePanel, tf_compare_panel, TF, COMPARE_PANEL, GtkWidget)

GtkWidget   *tf_compare_panel_new          (void);
/* @first: the face as the main model sees it; @second: through the model
 * compared with (NULL: not computed yet, the panel says it is coming);
 * @second_name: that model, for the captions. */
void         tf_compare_panel_set_probes   (TfComparePanel *self,
                                            TfFaceProbe    *first,
                                            TfFaceProbe    *second,
                                            const char     *second_name);
void         tf_compare_panel_set_colormap (TfComparePanel *self,
                                            TfColormap      map);
/* Whether the two predictions differ (by name; a class only one model
 * knows is a disagreement), and the banner's text. */
gboolean     tf_compare_panel_get_disagree (TfComparePanel *self);
const char  *tf_compare_panel_get_banner   (TfComparePanel *self);
/* "Their heads' contributions differ by N % on average" (half the summed
 * absolute difference per block, averaged), NULL when the two models'
 * blocks and heads do not match or a probe lacks them. */
const char  *tf_compare_panel_get_head_diff (TfComparePanel *self);

/* Whether @probe->compare (the same face through a second model) predicts a
 * class of another name than @probe; FALSE without a compare probe. */
gboolean     tf_face_probe_disagrees       (const TfFaceProbe *probe);

G_END_DECLS
