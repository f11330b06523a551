/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "tf-colormap.h"
#include "tf-face-probe.h"

G_BEGIN_DECLS

/* TfHeadGrid: blocks (rows) x heads (columns), each cell coloured by
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

G_END_DECLS
