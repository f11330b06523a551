/* SPDX-License-Identifier: GPL-3.0-or-later */
/* How far each pair of annotators agrees, as a heat map: rows and columns
 * the annotators, each cell Cohen's kappa of the pair, blue for agreement
 * beyond chance, red for less than chance, faint near chance, grey where
 * kappa is undefined; the diagonal holds the faces each annotator
 * labelled; a legend and an optional caption under it. The number of
 * faces a pair shares is written in the cell when it is tall enough and
 * is always in its tooltip. tf_agreement_matrix_draw is the one drawing,
 * for the widget and for files. With 20 annotators the cells stay at least
 * 36 px: put the widget in a GtkScrolledWindow. */
#pragma once

#include <gtk/gtk.h>

#include "tf-chart.h"

G_BEGIN_DECLS

/* Draws @n annotators (@names) into @width x @height. @kappa, @items and
 * @agreement are [n][n] and symmetric: Cohen's kappa (NaN: undefined),
 * the faces both labelled (the diagonal: the faces each labelled) and the
 * share of those with the same label (may be NULL; NaN: none). @caption
 * (may be NULL) goes under the legend; @empty (may be NULL) is said when
 * @n is 0. */
void tf_agreement_matrix_draw     (cairo_t             *cr,
                                   double               width,
                                   double               height,
                                   const TfChartStyle  *style,
                                   int                  n,
                                   const char * const  *names,
                                   const double        *kappa,
                                   const gint64        *items,
                                   const double        *agreement,
                                   const char          *caption,
                                   const char          *empty);
/* The size the matrix of @n annotators reads well at. */
void tf_agreement_matrix_get_size (int                  n,
                                   int                 *width,
                                   int                 *height);

#define TF_TYPE_AGREEMENT_MATRIX (tf_agreement_matrix_get_type ())
G_DECLARE_FINAL_TYPE (TfAgreementMatrix, tf_agreement_matrix, TF, AGREEMENT_MATRIX, GtkWidget)

GtkWidget *tf_agreement_matrix_new              (void);
/* Copies @names [n] and the [n][n] @kappa, @items and @agreement (may be
 * NULL) as tf_agreement_matrix_draw takes them; @n 0 clears. */
void       tf_agreement_matrix_set_data         (TfAgreementMatrix  *self,
                                                 int                 n,
                                                 const char * const *names,
                                                 const double       *kappa,
                                                 const gint64       *items,
                                                 const double       *agreement);
void       tf_agreement_matrix_set_caption      (TfAgreementMatrix  *self,
                                                 const char         *caption);
/* what is said without annotators */
void       tf_agreement_matrix_set_empty_text   (TfAgreementMatrix  *self,
                                                 const char         *text);
int        tf_agreement_matrix_get_n_annotators (TfAgreementMatrix  *self);
/* the kappa of a cell (NaN: undefined, on the diagonal or no such cell) */
double     tf_agreement_matrix_get_kappa        (TfAgreementMatrix  *self,
                                                 int                 row,
                                                 int                 column);
/* the faces of a cell (-1: no such cell) */
gint64     tf_agreement_matrix_get_items        (TfAgreementMatrix  *self,
                                                 int                 row,
                                                 int                 column);

G_END_DECLS
