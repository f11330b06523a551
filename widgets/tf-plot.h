/* SPDX-License-Identifier: GPL-3.0-or-later */
/* TfPlot: lines over a common x axis (training loss per step, held-out
 * accuracy per epoch), with tick labels, a legend, a second y axis on the
 * right for shares (0-100 %), dots on the values of a series that has few
 * (epochs), and one marked x (the best epoch) drawn as a dashed line with
 * those dots ringed. Values that are not finite leave a gap. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

typedef enum
{
  TF_PLOT_AXIS_LEFT,       /* from 0 (or the least value) to a round number above the most */
  TF_PLOT_AXIS_PERCENT,    /* the right axis: values 0..1 drawn as 0-100 % */
} TfPlotAxis;

#define TF_TYPE_PLOT (tf_plot_get_type ())
G_DECLARE_FINAL_TYPE (TfPlot, tf_plot, TF, PLOT, GtkWidget)

GtkWidget  *tf_plot_new               (void);

/* A new series named @name (for the legend) in @color (NULL: the next of
 * blue, orange, green, purple), on the left axis, a line without dots;
 * its index. */
guint       tf_plot_add_series        (TfPlot         *self,
                                       const char     *name,
                                       const GdkRGBA  *color);
void        tf_plot_set_series_axis   (TfPlot         *self,
                                       guint           series,
                                       TfPlotAxis      axis);
/* a dot on each value (and a ring at the marker) */
void        tf_plot_set_series_points (TfPlot         *self,
                                       guint           series,
                                       gboolean        points);
void        tf_plot_append            (TfPlot         *self,
                                       guint           series,
                                       double          x,
                                       double          y);
/* Removes every value and the marker; the series stay. */
void        tf_plot_clear             (TfPlot         *self);

/* The marked x (NAN: none) and what the legend calls it ("Best epoch"). */
void        tf_plot_set_marker        (TfPlot         *self,
                                       double          x,
                                       const char     *label);
double      tf_plot_get_marker        (TfPlot         *self);
/* The x axis spans @min..@max whatever the values (the epochs planned,
 * so it does not rescale as they come); NAN, NAN: the values' span. With
 * @integer its ticks fall on whole numbers. */
void        tf_plot_set_x_range       (TfPlot         *self,
                                       double          min,
                                       double          max,
                                       gboolean        integer);
/* The axes' titles (NULL: none). */
void        tf_plot_set_titles        (TfPlot         *self,
                                       const char     *x,
                                       const char     *left,
                                       const char     *percent);
/* what is said when no series has a value */
void        tf_plot_set_empty_text    (TfPlot         *self,
                                       const char     *text);

guint       tf_plot_get_n_series      (TfPlot         *self);
guint       tf_plot_get_n_values      (TfPlot         *self,
                                       guint           series);
gboolean    tf_plot_get_value         (TfPlot         *self,
                                       guint           series,
                                       guint           index,
                                       double         *x,
                                       double         *y);
/* The spans the axes are drawn over, from the values and the settings. */
void        tf_plot_get_x_span        (TfPlot         *self,
                                       double         *min,
                                       double         *max);
void        tf_plot_get_y_span        (TfPlot         *self,
                                       TfPlotAxis      axis,
                                       double         *min,
                                       double         *max);
/* Where (@x, @y) of @axis was drawn, in widget coordinates, and the
 * rectangle the values are drawn in; FALSE before the first frame. */
gboolean    tf_plot_value_to_point    (TfPlot          *self,
                                       TfPlotAxis       axis,
                                       double           x,
                                       double           y,
                                       graphene_point_t *point);
gboolean    tf_plot_get_area          (TfPlot          *self,
                                       graphene_rect_t  *area);

G_END_DECLS
