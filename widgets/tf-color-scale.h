/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "tf-colormap.h"

G_BEGIN_DECLS

/* TfColorScale: a colour legend, a bar from one end of a colour map to the
 * other with a word under each end ("low" ... "high" by default), for a
 * picture coloured relative to its own range (the attention overlay). In
 * diverging mode it is the head grid's blue-white-red scale. */
#define TF_TYPE_COLOR_SCALE (tf_color_scale_get_type ())
G_DECLARE_FINAL_TYPE (TfColorScale, tf_color_scale, TF, COLOR_SCALE, GtkWidget)
GtkWidget    *tf_color_scale_new           (void);
void          tf_color_scale_set_colormap  (TfColorScale *self, TfColormap map);
TfColormap    tf_color_scale_get_colormap  (TfColorScale *self);
/* blue (low) .. white .. red (high) instead of the colour map */
void          tf_color_scale_set_diverging (TfColorScale *self, gboolean diverging);
/* the words under the ends (NULL: "low", "high") */
void          tf_color_scale_set_labels    (TfColorScale *self, const char *low, const char *high);
const char   *tf_color_scale_get_low       (TfColorScale *self);
const char   *tf_color_scale_get_high      (TfColorScale *self);
/* the bar's rectangle in widget coordinates, for tests (FALSE: not laid out) */
gboolean      tf_color_scale_get_bar_rect  (TfColorScale *self, graphene_rect_t *rect);
/* blue (-1) .. white (0) .. red (+1), ColorBrewer RdBu's ends: the head
 * grid's ablation colours */
GdkRGBA       tf_color_scale_diverging     (float t);

G_END_DECLS
