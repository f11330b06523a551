/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <glib/gi18n.h>
#include <math.h>

#include "tf-chart.h"
#include "tf-plot.h"

#define POINT_RADIUS  3.5
#define RING_RADIUS   7.0
#define LINE_WIDTH    2.0
#define MIN_WIDTH     240
#define MIN_HEIGHT    160
#define NAT_WIDTH     560
#define NAT_HEIGHT    260

typedef struct
{
  char       *name;
  GdkRGBA     color;
  TfPlotAxis  axis;
  gboolean    points;
  GArray     *values;      /* double pairs: x, y */
} Series;

struct _TfPlot
{
  GtkWidget        parent_instance;

  GPtrArray       *series;  /* Series */
  double           marker;
  char            *marker_label;
  double           x_min, x_max;   /* NAN: from the values */
  gboolean         x_integer;
  char            *titles[3];      /* x, left, percent */
  char            *empty;

  /* where the last frame drew the values */
  gboolean         drawn;
  graphene_rect_t  area;
};

G_DEFINE_FINAL_TYPE (TfPlot, tf_plot, GTK_TYPE_WIDGET)

static const GdkRGBA palette[] = { TF_CHART_BLUE, TF_CHART_ORANGE, TF_CHART_GREEN, TF_CHART_PURPLE };

static void
series_free (gpointer data)
{
  Series *s = data;

  g_free (s->name);
  g_array_unref (s->values);
  g_free (s);
}

static Series *
get_series (TfPlot *self,
            guint   index)
{
  return index < self->series->len ? g_ptr_array_index (self->series, index) : NULL;
}

static gboolean
has_values (TfPlot     *self,
            TfPlotAxis  axis,
            gboolean    any_axis)
{
  for (guint i = 0; i < self->series->len; i++)
    {
      Series *s = g_ptr_array_index (self->series, i);

      if ((any_axis || s->axis == axis) && s->values->len > 0)
        return TRUE;
    }
  return FALSE;
}

static gboolean
has_axis (TfPlot     *self,
          TfPlotAxis  axis)
{
  for (guint i = 0; i < self->series->len; i++)
    if (((Series *) g_ptr_array_index (self->series, i))->axis == axis)
      return TRUE;
  return FALSE;
}

/* ---- spans and ticks ---------------------------------------------------- */

void
tf_plot_get_x_span (TfPlot *self,
                    double *min,
                    double *max)
{
  double lo = INFINITY, hi = -INFINITY;

  g_return_if_fail (TF_IS_PLOT (self));

  for (guint i = 0; i < self->series->len; i++)
    {
      Series *s = g_ptr_array_index (self->series, i);

      for (guint j = 0; j < s->values->len; j += 2)
        {
          double x = g_array_index (s->values, double, j);

          if (isfinite (x))
            {
              lo = MIN (lo, x);
              hi = MAX (hi, x);
            }
        }
    }
  if (isfinite (self->x_min) && isfinite (self->x_max) && self->x_max > self->x_min)
    {
      /* values beyond the planned span widen it rather than fall off */
      lo = isfinite (lo) ? MIN (lo, self->x_min) : self->x_min;
      hi = isfinite (hi) ? MAX (hi, self->x_max) : self->x_max;
    }
  if (!isfinite (lo))
    lo = 0, hi = 1;
  if (hi <= lo)
    hi = lo + 1;
  if (min)
    *min = lo;
  if (max)
    *max = hi;
}

void
tf_plot_get_y_span (TfPlot     *self,
                    TfPlotAxis  axis,
                    double     *min,
                    double     *max)
{
  double lo = INFINITY, hi = -INFINITY, step;

  g_return_if_fail (TF_IS_PLOT (self));

  if (axis == TF_PLOT_AXIS_PERCENT)
    {
      if (min)
        *min = 0;
      if (max)
        *max = 1;
      return;
    }
  for (guint i = 0; i < self->series->len; i++)
    {
      Series *s = g_ptr_array_index (self->series, i);

      if (s->axis != axis)
        continue;
      for (guint j = 1; j < s->values->len; j += 2)
        {
          double y = g_array_index (s->values, double, j);

          if (isfinite (y))
            {
              lo = MIN (lo, y);
              hi = MAX (hi, y);
            }
        }
    }
  if (!isfinite (lo))
    lo = 0, hi = 1;
  /* a loss reads against zero */
  lo = MIN (lo, 0);
  if (hi <= lo)
    hi = lo + 1;
  step = tf_chart_nice_step (hi - lo, 4);
  lo = floor (lo / step) * step;
  hi = ceil (hi / step) * step;
  if (min)
    *min = lo;
  if (max)
    *max = hi;
}

static double
x_step (TfPlot *self,
        double  lo,
        double  hi)
{
  double step = tf_chart_nice_step (hi - lo, 6);

  return self->x_integer ? MAX (1, round (step)) : step;
}

static char *
format_tick (double value,
             double step)
{
  int digits = step >= 1 ? 0 : (int) ceil (-log10 (step) - 1e-9);

  if (fabs (value) < step * 1e-6)
    value = 0;
  return g_strdup_printf ("%.*f", MIN (digits, 6), value);
}

static char *
format_percent_tick (double value)
{
  /* TRANSLATORS: a tick of the accuracy axis, in percent; keep the %.0f */
  return g_strdup_printf (_("%.0f %%"), value * 100);
}

/* ---- the drawing -------------------------------------------------------- */

typedef struct
{
  double x0, x1, y0, y1;       /* the values' rectangle */
  double xlo, xhi, llo, lhi;   /* the x span and the left axis' */
} Frame;

static double
to_x (const Frame *f,
      double       x)
{
  return f->x0 + (x - f->xlo) / (f->xhi - f->xlo) * (f->x1 - f->x0);
}

static double
to_y (const Frame *f,
      TfPlotAxis   axis,
      double       y)
{
  double lo = axis == TF_PLOT_AXIS_PERCENT ? 0 : f->llo, hi = axis == TF_PLOT_AXIS_PERCENT ? 1 : f->lhi;

  return f->y1 - (y - lo) / (hi - lo) * (f->y1 - f->y0);
}

static void
set_rgba (cairo_t       *cr,
          const GdkRGBA *c)
{
  cairo_set_source_rgba (cr, c->red, c->green, c->blue, c->alpha);
}

/* the legend in one line (wrapped when it does not fit) at the top; its height */
static double
draw_legend (TfPlot             *self,
             cairo_t            *cr,
             const TfChartStyle *style,
             double              x0,
             double              width,
             int                 line_h)
{
  double x = x0, y = 4;

  for (guint i = 0; i <= self->series->len; i++)
    {
      Series *s = i < self->series->len ? g_ptr_array_index (self->series, i) : NULL;
      const char *name = s ? s->name : self->marker_label;
      int tw, th;

      if (s == NULL && (!isfinite (self->marker) || name == NULL))
        break;
      if (name == NULL || *name == '\0')
        continue;
      tf_chart_text_size (cr, style, name, &tw, &th);
      if (x > x0 && x + 24 + tw > width)
        {
          x = x0;
          y += line_h + 4;
        }
      if (s)
        {
          set_rgba (cr, &s->color);
          cairo_set_line_width (cr, LINE_WIDTH);
          cairo_move_to (cr, x, y + line_h / 2.0);
          cairo_line_to (cr, x + 16, y + line_h / 2.0);
          cairo_stroke (cr);
          if (s->points)
            {
              cairo_arc (cr, x + 8, y + line_h / 2.0, POINT_RADIUS, 0, 2 * G_PI);
              cairo_fill (cr);
            }
        }
      else
        {
          static const double dash[] = { 4, 3 };

          tf_chart_set_fg (cr, style, 0.7);
          cairo_set_line_width (cr, 1.5);
          cairo_set_dash (cr, dash, 2, 0);
          cairo_move_to (cr, x + 8, y + 1);
          cairo_line_to (cr, x + 8, y + line_h - 1);
          cairo_stroke (cr);
          cairo_set_dash (cr, NULL, 0, 0);
        }
      tf_chart_draw_text (cr, style, NULL, name, x + 22, y + line_h / 2.0, 0, 0.5, 0, FALSE);
      x += 22 + tw + 20;
    }
  return y + line_h + 8;
}

static void
draw_series (cairo_t      *cr,
             const Frame  *f,
             const Series *s,
             double        marker)
{
  gboolean pen_down = FALSE;

  cairo_save (cr);
  cairo_rectangle (cr, f->x0 - RING_RADIUS, f->y0 - RING_RADIUS, f->x1 - f->x0 + 2 * RING_RADIUS,
                   f->y1 - f->y0 + 2 * RING_RADIUS);
  cairo_clip (cr);
  set_rgba (cr, &s->color);
  cairo_set_line_width (cr, LINE_WIDTH);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  for (guint j = 0; j < s->values->len; j += 2)
    {
      double x = g_array_index (s->values, double, j), y = g_array_index (s->values, double, j + 1);

      if (!isfinite (x) || !isfinite (y))
        {
          pen_down = FALSE;
          continue;
        }
      if (pen_down)
        cairo_line_to (cr, to_x (f, x), to_y (f, s->axis, y));
      else
        cairo_move_to (cr, to_x (f, x), to_y (f, s->axis, y));
      pen_down = TRUE;
    }
  cairo_stroke (cr);
  if (s->points)
    for (guint j = 0; j < s->values->len; j += 2)
      {
        double x = g_array_index (s->values, double, j), y = g_array_index (s->values, double, j + 1);
        double px, py;

        if (!isfinite (x) || !isfinite (y))
          continue;
        px = to_x (f, x);
        py = to_y (f, s->axis, y);
        cairo_new_sub_path (cr);
        cairo_arc (cr, px, py, POINT_RADIUS, 0, 2 * G_PI);
        cairo_fill (cr);
        if (isfinite (marker) && fabs (x - marker) < 1e-9)
          {
            cairo_set_line_width (cr, 2);
            cairo_new_sub_path (cr);
            cairo_arc (cr, px, py, RING_RADIUS, 0, 2 * G_PI);
            cairo_stroke (cr);
          }
      }
  cairo_restore (cr);
}

static void
draw_plot (TfPlot             *self,
           cairo_t            *cr,
           double              width,
           double              height,
           const TfChartStyle *style)
{
  gboolean right = has_axis (self, TF_PLOT_AXIS_PERCENT);
  int tick_w = 0, right_w = 0, line_h = 0, tw, th;
  double xstep, lstep, top;
  Frame f;

  tf_chart_text_size (cr, style, "0", &tw, &line_h);
  tf_plot_get_x_span (self, &f.xlo, &f.xhi);
  tf_plot_get_y_span (self, TF_PLOT_AXIS_LEFT, &f.llo, &f.lhi);
  xstep = x_step (self, f.xlo, f.xhi);
  lstep = tf_chart_nice_step (f.lhi - f.llo, 4);
  for (double v = f.llo; v <= f.lhi + lstep / 2; v += lstep)
    {
      g_autofree char *text = format_tick (v, lstep);

      tf_chart_text_size (cr, style, text, &tw, &th);
      tick_w = MAX (tick_w, tw);
    }
  if (right)
    {
      g_autofree char *text = format_percent_tick (1);

      tf_chart_text_size (cr, style, text, &right_w, &th);
    }

  top = draw_legend (self, cr, style, 8, width, line_h);
  f.x0 = 8 + (self->titles[1] ? line_h + 6 : 0) + tick_w + 8;
  f.x1 = width - 12 - (right ? right_w + 8 + (self->titles[2] ? line_h + 6 : 0) : 0);
  f.y0 = top + line_h / 2.0;
  f.y1 = height - 8 - line_h - 6 - (self->titles[0] ? line_h + 4 : 0);
  if (f.x1 - f.x0 < 20 || f.y1 - f.y0 < 20)
    return;
  self->area = GRAPHENE_RECT_INIT (f.x0, f.y0, f.x1 - f.x0, f.y1 - f.y0);
  self->drawn = TRUE;

  /* the grid: the left axis' ticks, faint; the right axis' labels beside */
  cairo_set_line_width (cr, 1);
  for (double v = f.llo; v <= f.lhi + lstep / 2; v += lstep)
    {
      double y = round (to_y (&f, TF_PLOT_AXIS_LEFT, v)) + 0.5;
      g_autofree char *text = format_tick (v, lstep);

      tf_chart_set_fg (cr, style, fabs (v - f.llo) < lstep / 2 ? 0.6 : 0.12);
      cairo_move_to (cr, f.x0, y);
      cairo_line_to (cr, f.x1, y);
      cairo_stroke (cr);
      if (has_axis (self, TF_PLOT_AXIS_LEFT))
        tf_chart_draw_text (cr, style, NULL, text, f.x0 - 6, y, 1, 0.5, 0, FALSE);
    }
  if (right)
    for (int p = 0; p <= 4; p++)
      {
        g_autofree char *text = format_percent_tick (p / 4.0);
        double y = to_y (&f, TF_PLOT_AXIS_PERCENT, p / 4.0);

        tf_chart_draw_text (cr, style, NULL, text, f.x1 + 6, y, 0, 0.5, 0, FALSE);
      }
  for (double v = ceil (f.xlo / xstep) * xstep; v <= f.xhi + xstep * 1e-6; v += xstep)
    {
      double x = round (to_x (&f, v)) + 0.5;
      g_autofree char *text = format_tick (v, xstep);

      tf_chart_set_fg (cr, style, 0.6);
      cairo_move_to (cr, x, f.y1);
      cairo_line_to (cr, x, f.y1 + 4);
      cairo_stroke (cr);
      tf_chart_draw_text (cr, style, NULL, text, x, f.y1 + 6, 0.5, 0, 0, FALSE);
    }
  if (self->titles[0])
    tf_chart_draw_text (cr, style, NULL, self->titles[0], (f.x0 + f.x1) / 2, height - 6, 0.5, 1, 0, FALSE);
  if (self->titles[1])
    tf_chart_draw_text (cr, style, NULL, self->titles[1], 6, (f.y0 + f.y1) / 2, 0.5, 0, -G_PI / 2, FALSE);
  if (right && self->titles[2])
    tf_chart_draw_text (cr, style, NULL, self->titles[2], width - 6, (f.y0 + f.y1) / 2, 0.5, 0, G_PI / 2, FALSE);

  if (!has_values (self, 0, TRUE))
    {
      if (self->empty)
        tf_chart_draw_text (cr, style, NULL, self->empty, (f.x0 + f.x1) / 2, (f.y0 + f.y1) / 2, 0.5, 0.5, 0,
                            FALSE);
      return;
    }
  if (isfinite (self->marker) && self->marker >= f.xlo && self->marker <= f.xhi)
    {
      static const double dash[] = { 4, 3 };
      double x = round (to_x (&f, self->marker)) + 0.5;

      tf_chart_set_fg (cr, style, 0.7);
      cairo_set_line_width (cr, 1.5);
      cairo_set_dash (cr, dash, 2, 0);
      cairo_move_to (cr, x, f.y0);
      cairo_line_to (cr, x, f.y1);
      cairo_stroke (cr);
      cairo_set_dash (cr, NULL, 0, 0);
    }
  for (guint i = 0; i < self->series->len; i++)
    draw_series (cr, &f, g_ptr_array_index (self->series, i), self->marker);
}

static void
update_accessible (TfPlot *self)
{
  g_autoptr(GString) text = g_string_new (NULL);

  for (guint i = 0; i < self->series->len; i++)
    {
      Series *s = g_ptr_array_index (self->series, i);
      double y;

      if (s->values->len == 0)
        continue;
      y = g_array_index (s->values, double, s->values->len - 1);
      if (text->len)
        g_string_append (text, "; ");
      if (s->axis == TF_PLOT_AXIS_PERCENT)
        /* TRANSLATORS: a series' name and its last value in percent, for screen readers */
        g_string_append_printf (text, _("%s: %.1f %%"), s->name, y * 100);
      else
        /* TRANSLATORS: a series' name and its last value, for screen readers */
        g_string_append_printf (text, _("%s: %.3g"), s->name, y);
    }
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, text->str, -1);
}

static void
changed (TfPlot *self)
{
  update_accessible (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* ---- overrides ---------------------------------------------------------- */

static void
tf_plot_snapshot (GtkWidget   *widget,
                  GtkSnapshot *snapshot)
{
  TfPlot *self = TF_PLOT (widget);
  int width = gtk_widget_get_width (widget), height = gtk_widget_get_height (widget);
  g_autofree char *font = NULL;
  TfChartStyle style;
  cairo_t *cr;

  if (width <= 0 || height <= 0)
    return;
  tf_chart_style_from_widget (widget, &style, &font);
  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));
  draw_plot (self, cr, width, height, &style);
  cairo_destroy (cr);
}

static void
tf_plot_measure (GtkWidget      *widget,
                 GtkOrientation  orientation,
                 int             for_size,
                 int            *minimum,
                 int            *natural,
                 int            *minimum_baseline,
                 int            *natural_baseline)
{
  (void) widget;
  (void) for_size;
  (void) minimum_baseline;
  (void) natural_baseline;
  *minimum = orientation == GTK_ORIENTATION_HORIZONTAL ? MIN_WIDTH : MIN_HEIGHT;
  *natural = orientation == GTK_ORIENTATION_HORIZONTAL ? NAT_WIDTH : NAT_HEIGHT;
}

static void
tf_plot_finalize (GObject *object)
{
  TfPlot *self = TF_PLOT (object);

  g_ptr_array_unref (self->series);
  g_free (self->marker_label);
  for (guint i = 0; i < G_N_ELEMENTS (self->titles); i++)
    g_free (self->titles[i]);
  g_free (self->empty);
  G_OBJECT_CLASS (tf_plot_parent_class)->finalize (object);
}

static void
tf_plot_class_init (TfPlotClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = tf_plot_finalize;
  widget_class->snapshot = tf_plot_snapshot;
  widget_class->measure = tf_plot_measure;
  gtk_widget_class_set_css_name (widget_class, "plot");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
tf_plot_init (TfPlot *self)
{
  self->series = g_ptr_array_new_with_free_func (series_free);
  self->marker = NAN;
  self->x_min = self->x_max = NAN;
}

/* ---- public API --------------------------------------------------------- */

GtkWidget *
tf_plot_new (void)
{
  return g_object_new (TF_TYPE_PLOT, NULL);
}

guint
tf_plot_add_series (TfPlot        *self,
                    const char    *name,
                    const GdkRGBA *color)
{
  Series *s;

  g_return_val_if_fail (TF_IS_PLOT (self), 0);

  s = g_new0 (Series, 1);
  s->name = g_strdup (name ? name : "");
  s->color = color ? *color : palette[self->series->len % G_N_ELEMENTS (palette)];
  s->axis = TF_PLOT_AXIS_LEFT;
  s->values = g_array_new (FALSE, FALSE, sizeof (double));
  g_ptr_array_add (self->series, s);
  changed (self);
  return self->series->len - 1;
}

void
tf_plot_set_series_axis (TfPlot     *self,
                         guint       series,
                         TfPlotAxis  axis)
{
  Series *s;

  g_return_if_fail (TF_IS_PLOT (self));
  g_return_if_fail ((s = get_series (self, series)) != NULL);

  s->axis = axis;
  changed (self);
}

void
tf_plot_set_series_points (TfPlot   *self,
                           guint     series,
                           gboolean  points)
{
  Series *s;

  g_return_if_fail (TF_IS_PLOT (self));
  g_return_if_fail ((s = get_series (self, series)) != NULL);

  s->points = points;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
tf_plot_append (TfPlot *self,
                guint   series,
                double  x,
                double  y)
{
  Series *s;

  g_return_if_fail (TF_IS_PLOT (self));
  g_return_if_fail ((s = get_series (self, series)) != NULL);

  g_array_append_val (s->values, x);
  g_array_append_val (s->values, y);
  changed (self);
}

void
tf_plot_clear (TfPlot *self)
{
  g_return_if_fail (TF_IS_PLOT (self));

  for (guint i = 0; i < self->series->len; i++)
    g_array_set_size (((Series *) g_ptr_array_index (self->series, i))->values, 0);
  self->marker = NAN;
  changed (self);
}

void
tf_plot_set_marker (TfPlot     *self,
                    double      x,
                    const char *label)
{
  g_return_if_fail (TF_IS_PLOT (self));

  self->marker = x;
  g_free (self->marker_label);
  self->marker_label = g_strdup (label);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

double
tf_plot_get_marker (TfPlot *self)
{
  g_return_val_if_fail (TF_IS_PLOT (self), NAN);
  return self->marker;
}

void
tf_plot_set_x_range (TfPlot   *self,
                     double    min,
                     double    max,
                     gboolean  integer)
{
  g_return_if_fail (TF_IS_PLOT (self));

  self->x_min = min;
  self->x_max = max;
  self->x_integer = integer;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
tf_plot_set_titles (TfPlot     *self,
                    const char *x,
                    const char *left,
                    const char *percent)
{
  const char *titles[3] = { x, left, percent };

  g_return_if_fail (TF_IS_PLOT (self));

  for (guint i = 0; i < G_N_ELEMENTS (titles); i++)
    {
      g_free (self->titles[i]);
      self->titles[i] = g_strdup (titles[i]);
    }
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
tf_plot_set_empty_text (TfPlot     *self,
                        const char *text)
{
  g_return_if_fail (TF_IS_PLOT (self));

  g_free (self->empty);
  self->empty = g_strdup (text);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

guint
tf_plot_get_n_series (TfPlot *self)
{
  g_return_val_if_fail (TF_IS_PLOT (self), 0);
  return self->series->len;
}

guint
tf_plot_get_n_values (TfPlot *self,
                      guint   series)
{
  Series *s;

  g_return_val_if_fail (TF_IS_PLOT (self), 0);
  s = get_series (self, series);
  return s ? s->values->len / 2 : 0;
}

gboolean
tf_plot_get_value (TfPlot *self,
                   guint   series,
                   guint   index,
                   double *x,
                   double *y)
{
  Series *s;

  g_return_val_if_fail (TF_IS_PLOT (self), FALSE);

  s = get_series (self, series);
  if (s == NULL || index >= s->values->len / 2)
    return FALSE;
  if (x)
    *x = g_array_index (s->values, double, 2 * index);
  if (y)
    *y = g_array_index (s->values, double, 2 * index + 1);
  return TRUE;
}

gboolean
tf_plot_get_area (TfPlot          *self,
                  graphene_rect_t *area)
{
  g_return_val_if_fail (TF_IS_PLOT (self), FALSE);

  if (!self->drawn)
    return FALSE;
  if (area)
    *area = self->area;
  return TRUE;
}

gboolean
tf_plot_value_to_point (TfPlot           *self,
                        TfPlotAxis        axis,
                        double            x,
                        double            y,
                        graphene_point_t *point)
{
  Frame f;

  g_return_val_if_fail (TF_IS_PLOT (self), FALSE);
  g_return_val_if_fail (point != NULL, FALSE);

  if (!self->drawn)
    return FALSE;
  f.x0 = self->area.origin.x;
  f.y0 = self->area.origin.y;
  f.x1 = f.x0 + self->area.size.width;
  f.y1 = f.y0 + self->area.size.height;
  tf_plot_get_x_span (self, &f.xlo, &f.xhi);
  tf_plot_get_y_span (self, TF_PLOT_AXIS_LEFT, &f.llo, &f.lhi);
  point->x = (float) to_x (&f, x);
  point->y = (float) to_y (&f, axis, y);
  return TRUE;
}
