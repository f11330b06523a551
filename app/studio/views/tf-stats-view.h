/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A project's statistics: how many faces, labelled, not faces and unsure;
 * the faces per class by label and by prediction; the confusion matrix of
 * the model against the labels with its agreement and Cohen's kappa. Each
 * plot is drawn by one function, on screen and into the files it saves. */
#pragma once

#include <gtk/gtk.h>

#include "tf-project.h"

G_BEGIN_DECLS

#define TF_TYPE_STATS_VIEW (tf_stats_view_get_type ())
G_DECLARE_FINAL_TYPE (TfStatsView, tf_stats_view, TF, STATS_VIEW, GtkWidget)

GtkWidget            *tf_stats_view_new         (void);
/* @project is borrowed, as by TfReviewView; NULL clears. */
void                  tf_stats_view_set_project (TfStatsView  *self,
                                                 TfProject    *project);
/* Reads the statistics again (after labels changed), off the main loop:
 * the figures shown stay until the new ones come. */
void                  tf_stats_view_refresh     (TfStatsView  *self);
/* TRUE while the statistics are being read */
gboolean              tf_stats_view_is_loading  (TfStatsView  *self);
/* The statistics shown; NULL without a project, before they are first
 * read, or when they cannot be read. */
const TfProjectStats *tf_stats_view_get_stats   (TfStatsView  *self);
/* Saves @plot ("counts": faces per class; "confusion": the confusion
 * matrix) as PNG (at three times the screen's size, for print) or SVG, by
 * @path's extension, through one checked atomic write. The error names
 * the file. */
gboolean              tf_stats_view_export      (TfStatsView  *self,
                                                 const char   *plot,
                                                 const char   *path,
                                                 GError      **error);

/* Cohen's kappa of the @n x @n @confusion matrix ([row][column] counts):
 * (p_o - p_e) / (1 - p_e); NAN when it is undefined (no counts, or every
 * count in one row and its column). */
double                tf_cohen_kappa            (const gint64 *confusion,
                                                 int           n);

G_END_DECLS
