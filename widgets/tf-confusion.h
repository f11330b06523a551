/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A confusion matrix as a heat map: rows the label, columns the prediction,
 * each cell as opaque as its share of the row (so rare labels show as
 * clearly as common ones) and showing its count, a caption under it.
 * tf_confusion_draw is the one drawing, for TfConfusion on screen and for
 * the files the statistics page saves. */
#pragma once

#include <gtk/gtk.h>

#include "tf-chart.h"

G_BEGIN_DECLS

/* Draws the @n x @n @counts ([label][prediction]) of @classes into
 * @width x @height with @caption under it (may be NULL); @empty (may be
 * NULL) says why there is nothing when no count is above 0. */
void tf_confusion_draw     (cairo_t             *cr,
                            double               width,
                            double               height,
                            const TfChartStyle  *style,
                            int                  n,
                            const char * const  *classes,
                            const gint64        *counts,
                            const char          *caption,
                            const char          *empty);
/* The size the matrix of @n classes reads well at. */
void tf_confusion_get_size (int                  n,
                            int                 *width,
                            int                 *height);

#define TF_TYPE_CONFUSION (tf_confusion_get_type ())
G_DECLARE_FINAL_TYPE (TfConfusion, tf_confusion, TF, CONFUSION, GtkWidget)

GtkWidget   *tf_confusion_new          (void);
/* Copies @classes and @counts ([n][n]); @n 0 clears. */
void         tf_confusion_set_matrix   (TfConfusion        *self,
                                        int                 n,
                                        const char * const *classes,
                                        const gint64       *counts);
void         tf_confusion_set_caption  (TfConfusion        *self,
                                        const char         *caption);
/* what is said without counts */
void         tf_confusion_set_empty_text (TfConfusion      *self,
                                          const char       *text);
int          tf_confusion_get_n_classes (TfConfusion       *self);
/* the count of the cell (-1: no such cell) */
gint64       tf_confusion_get_count    (TfConfusion        *self,
                                        int                 row,
                                        int                 column);
const char  *tf_confusion_get_caption  (TfConfusion        *self);

G_END_DECLS
