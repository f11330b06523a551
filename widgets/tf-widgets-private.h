/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Helpers shared by the widgets, and the seams their tests use in place of
 * synthesised pointer events (GTK 4 has no public way to make those). */
#pragma once

#include "tf-widgets.h"

G_BEGIN_DECLS

/* The widget's foreground colour from its CSS (GTK 4.10 replaced the style
 * context call with gtk_widget_get_color). */
static inline void
tf_widget_get_fg (GtkWidget *widget,
                  GdkRGBA   *color)
{
#if GTK_CHECK_VERSION (4, 10, 0)
  gtk_widget_get_color (widget, color);
#else
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), color);
#endif
}

/* The same colour with its alpha scaled by @alpha. */
static inline GdkRGBA
tf_rgba_fade (const GdkRGBA *color,
              float          alpha)
{
  GdkRGBA c = *color;

  c.alpha *= alpha;
  return c;
}

/* ---- TfAgreementMatrix */
/* The cell under (@x, @y) and a cell's square, as last drawn (FALSE: not
 * drawn, or outside the cells). */
gboolean tf_agreement_matrix_cell_at       (TfAgreementMatrix *self,
                                            double             x,
                                            double             y,
                                            int               *row,
                                            int               *column);
gboolean tf_agreement_matrix_cell_rect     (TfAgreementMatrix *self,
                                            int                row,
                                            int                column,
                                            graphene_rect_t   *rect);
/* the cell's tooltip (NULL: no such cell) */
char    *tf_agreement_matrix_describe_cell (TfAgreementMatrix *self,
                                            int                row,
                                            int                column);
/* what a screen reader is told of the whole matrix */
char    *tf_agreement_matrix_summary       (TfAgreementMatrix *self);

/* ---- TfAttentionOverlay */
/* The square the face is drawn in, in widget coordinates, for the widget's
 * current size (FALSE: nothing drawn). */
gboolean tf_attention_overlay_get_face_rect (TfAttentionOverlay *self,
                                             graphene_rect_t    *rect);
/* The LANet or block, and the head, of the map drawn. */
void     tf_attention_overlay_get_index     (TfAttentionOverlay *self,
                                             int                *index,
                                             int                *head);
/* How many times the overlay texture was built (it must not be rebuilt per
 * frame). */
guint    tf_attention_overlay_get_builds    (TfAttentionOverlay *self);

/* The heat map's side in pixels for a g x g map (the texture drawn). */
int      tf_attention_heat_side             (int                 g);
/* @map (g x g) upsampled bilinearly to @side x @side RGB pixels (3 bytes
 * each, rows packed), coloured by @colormap over the map's own min..max:
 * what the overlay draws over the face, for other surfaces (tf-figure). */
guint8  *tf_attention_heat_rgb              (const float        *map,
                                             int                 g,
                                             TfColormap          colormap,
                                             int                 side);

/* ---- TfProbBars */
/* "91 %", "<1 %": a probability as the bars write it */
char    *tf_prob_bars_format_percent (float prob);
/* the class the bars mark: the model's prediction, else the argmax (-1:
 * no probabilities) */
int      tf_prob_bars_predicted      (const TfFaceProbe *probe);
/* the shown name of class @k ("Class 3" when the probe has no name) */
char    *tf_prob_bars_class_name     (const TfFaceProbe *probe,
                                      int                k);
/* The filled part of bar @index, in the bars widget's coordinates (FALSE:
 * no such bar, or not laid out yet). */
gboolean tf_prob_bars_get_fill_rect (TfProbBars      *self,
                                     int              index,
                                     graphene_rect_t *rect);

/* ---- TfHeadGrid */
/* The colour of cell (@block, @head) of @probe: its contribution relative
 * to its block's largest, through @colormap, or with @ablation (the probe
 * has one) the change of the predicted class on the diverging scale. */
GdkRGBA  tf_head_grid_probe_color (const TfFaceProbe *probe,
                                   gboolean           ablation,
                                   TfColormap         colormap,
                                   int                block,
                                   int                head);
/* The cell under (@x, @y) in widget coordinates; FALSE: none. */
gboolean tf_head_grid_cell_at   (TfHeadGrid *self,
                                 double      x,
                                 double      y,
                                 int        *block,
                                 int        *head);
/* Its rectangle (FALSE: no such cell, or not laid out yet). */
gboolean tf_head_grid_cell_rect (TfHeadGrid      *self,
                                 int              block,
                                 int              head,
                                 graphene_rect_t *rect);
/* What a click at (@x, @y) does: select the cell there and emit
 * "head-selected". */
void     tf_head_grid_click     (TfHeadGrid *self,
                                 double      x,
                                 double      y);

/* ---- TfTimeline */
/* What a click or a drag at @x (widget coordinates) does: move the cursor
 * there and emit "seek" with that time. */
void     tf_timeline_seek_to_x  (TfTimeline *self,
                                 double      x);
/* The x of @seconds in widget coordinates for the current size. */
double   tf_timeline_time_to_x  (TfTimeline *self,
                                 double      seconds);
/* The vertical span of the strip of the @index-th track (in order of first
 * appearance); FALSE: no such track. */
gboolean tf_timeline_strip_span (TfTimeline *self,
                                 int         index,
                                 double     *top,
                                 double     *height);

G_END_DECLS
