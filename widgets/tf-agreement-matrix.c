/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <glib/gi18n.h>
#include <math.h>

#include "tf-agreement-matrix.h"
#include "tf-widgets-private.h"

#define CELL_SIZE     56
#define MIN_CELL      36    /* two lines of text still fit */
#define MAX_NAME      150   /* longer names are ellipsized */
#define LEGEND_WIDTH  220

/* ColorBrewer RdBu's ends, as the head grid's diverging scale: blue for
 * agreement beyond chance, red for less than chance, over the ground at
 * an opacity that grows with |kappa| (so chance reads as no colour, in a
 * light or a dark theme alike) */
static const double agree_colour[3] = { 33 / 255.0, 102 / 255.0, 172 / 255.0 };
static const double disagree_colour[3] = { 178 / 255.0, 24 / 255.0, 43 / 255.0 };

/* where the cells were drawn */
typedef struct
{
  int    n;
  double x0, y0, cell;
} Geometry;

struct _TfAgreementMatrix
{
  GtkWidget  parent_instance;

  int        n;
  char     **names;
  double    *kappa;       /* [n][n] */
  gint64    *items;       /* [n][n] */
  double    *agreement;   /* [n][n], NaN where not given */
  char      *caption;
  char      *empty;
  Geometry   geometry;    /* of the last drawing (n 0: none) */
};

G_DEFINE_FINAL_TYPE (TfAgreementMatrix, tf_agreement_matrix, GTK_TYPE_WIDGET)

/* ---- the drawing --------------------------------------------------------- */

void
tf_agreement_matrix_get_size (int  n,
                              int *width,
                              int *height)
{
  n = MAX (n, 1);
  if (width)
    *width = 200 + n * CELL_SIZE;
  if (height)
    *height = 250 + n * CELL_SIZE;
}

static double
cell_alpha (double kappa)
{
  return 0.08 + 0.92 * MIN (fabs (kappa), 1.0);
}

static void
set_kappa_source (cairo_t *cr,
                  double   kappa)
{
  const double *rgb = kappa >= 0 ? agree_colour : disagree_colour;

  cairo_set_source_rgba (cr, rgb[0], rgb[1], rgb[2], cell_alpha (kappa));
}

/* @name shortened with an ellipsis to at most @max_w wide */
static char *
ellipsize (cairo_t            *cr,
           const TfChartStyle *style,
           const char         *name,
           int                 max_w)
{
  long len = g_utf8_strlen (name, -1), lo = 0, hi = len;
  int w, h;

  tf_chart_text_size (cr, style, name, &w, &h);
  if (w <= max_w)
    return g_strdup (name);
  /* the longest prefix that fits with its ellipsis */
  while (lo < hi)
    {
      long mid = (lo + hi + 1) / 2;
      g_autofree char *prefix = g_utf8_substring (name, 0, mid);
      g_autofree char *candidate = g_strconcat (prefix, "…", NULL);

      tf_chart_text_size (cr, style, candidate, &w, &h);
      if (w <= max_w)
        lo = mid;
      else
        hi = mid - 1;
    }
  {
    g_autofree char *prefix = g_utf8_substring (name, 0, lo);

    return g_strconcat (prefix, "…", NULL);
  }
}

static void
draw_matrix (cairo_t            *cr,
             double              width,
             double              height,
             const TfChartStyle *style,
             int                 n,
             const char * const *names,
             const double       *kappa,
             const gint64       *items,
             const double       *agreement,
             const char         *caption,
             const char         *empty,
             Geometry           *geometry)
{
  const double white[3] = { 1, 1, 1 };
  g_auto(GStrv) shown = NULL;
  int name_w = 0, line_h = 0, caption_h = 0;
  double left, head, below, cell, x0, y0, lw, ly;
  gboolean turned, two_lines;

  (void) agreement;   /* in the tooltips only */
  g_return_if_fail (cr != NULL && style != NULL);
  g_return_if_fail (n == 0 || (names != NULL && kappa != NULL && items != NULL));

  if (geometry)
    *geometry = (Geometry) { 0 };
  tf_chart_draw_background (cr, style, width, height);
  if (n == 0)
    {
      tf_chart_draw_text (cr, style, NULL, empty ? empty : _("No annotator has labelled a face"), width / 2,
                          height / 2, 0.5, 0.5, 0, FALSE);
      return;
    }
  if (n == 1)
    {
      /* TRANSLATORS: the agreement matrix with a single annotator, named */
      g_autofree char *text = g_strdup_printf (_("Only one annotator, %s: there is nothing to compare"),
                                               names[0] ? names[0] : "");

      tf_chart_draw_text (cr, style, NULL, text, width / 2, height / 2, 0.5, 0.5, 0, FALSE);
      return;
    }

  shown = g_new0 (char *, n + 1);
  for (int a = 0; a < n; a++)
    {
      int tw, th;

      shown[a] = ellipsize (cr, style, names[a] ? names[a] : "", MAX_NAME);
      tf_chart_text_size (cr, style, shown[a], &tw, &th);
      name_w = MAX (name_w, tw);
      line_h = MAX (line_h, th);
    }

  /* the row names left, the column names above (turned when wider than a
   * cell), the legend and the caption below */
  left = 8 + name_w + 10;
  /* a caption may hold several lines */
  if (caption)
    {
      int cw;

      tf_chart_text_size (cr, style, caption, &cw, &caption_h);
    }
  below = 12 + line_h + 4 + 14 + line_h + 4 + line_h + (caption ? 6 + caption_h : 0) + 8;
  cell = (width - left - 16) / n;
  turned = name_w > cell - 6;
  head = 8 + (turned ? name_w * 0.72 + line_h * 0.5 : line_h) + 8;
  cell = MIN (cell, (height - head - below) / n);
  cell = MAX (4, MIN (cell, 72));
  x0 = left + MAX (0, (width - left - 16 - n * cell) / 2);
  y0 = head;
  two_lines = cell >= 2 * line_h + 6;
  if (geometry)
    *geometry = (Geometry) { n, x0, y0, cell };

  for (int a = 0; a < n; a++)
    {
      tf_chart_draw_text (cr, style, NULL, shown[a], x0 - 8, y0 + (a + 0.5) * cell, 1, 0.5, 0, FALSE);
      if (turned)
        tf_chart_draw_text (cr, style, NULL, shown[a], x0 + (a + 0.5) * cell - line_h * 0.35, y0 - 4, 0, 1,
                            -G_PI / 4, FALSE);
      else
        tf_chart_draw_text (cr, style, NULL, shown[a], x0 + (a + 0.5) * cell, y0 - 6, 0.5, 1, 0, FALSE);
    }
  for (int a = 0; a < n; a++)
    for (int b = 0; b < n; b++)
      {
        double x = x0 + b * cell, y = y0 + a * cell, k = kappa[a * n + b];
        g_autofree char *value = NULL, *count = NULL;
        const double *rgb = NULL;

        count = tf_format_count (MAX (items[a * n + b], 0));
        if (a == b)
          {
            /* the faces each annotator labelled, on the ground's grey */
            tf_chart_set_fg (cr, style, 0.10);
            value = g_steal_pointer (&count);
          }
        else if (isnan (k))
          {
            tf_chart_set_fg (cr, style, 0.04);
            value = g_strdup ("–");
          }
        else
          {
            set_kappa_source (cr, k);
            value = g_strdup_printf ("%.2f", k);
            rgb = cell_alpha (k) > 0.55 ? white : NULL;
          }
        cairo_rectangle (cr, x + 1, y + 1, cell - 2, cell - 2);
        cairo_fill (cr);
        if (cell < 16)
          continue;
        if (two_lines && count)
          {
            /* TRANSLATORS: the faces two annotators both labelled, small under their kappa */
            g_autofree char *shared = g_strdup_printf (C_("agreement", "n %s"), count);

            tf_chart_draw_text (cr, style, rgb, value, x + cell / 2, y + cell / 2, 0.5, 1, 0, FALSE);
            tf_chart_draw_text (cr, style, rgb, shared, x + cell / 2, y + cell / 2, 0.5, 0, 0, FALSE);
          }
        else
          tf_chart_draw_text (cr, style, rgb, value, x + cell / 2, y + cell / 2, 0.5, 0.5, 0, a == b);
      }

  /* the legend: kappa from -1 to 1 in the cells' colours, under the
   * matrix, moved left as far as its text needs */
  {
    const char *explain = _("1: full agreement, 0: chance, below 0: worse; diagonal: faces labelled");
    int text_w, th;
    double lx;

    tf_chart_text_size (cr, style, explain, &text_w, &th);
    if (caption)
      {
        int cw;

        tf_chart_text_size (cr, style, caption, &cw, &th);
        text_w = MAX (text_w, cw);
      }
    lw = MIN (LEGEND_WIDTH, MAX (n * cell, 160));
    lx = MAX (8, MIN (x0, width - 8 - MAX (text_w, lw)));
    ly = y0 + n * cell + 12;
    tf_chart_draw_text (cr, style, NULL, _("Cohen’s kappa"), lx, ly, 0, 0, 0, TRUE);
    ly += line_h + 4;
    for (int s = 0; s < 64; s++)
      {
        double k = -1 + 2 * (s + 0.5) / 64;

        set_kappa_source (cr, k);
        cairo_rectangle (cr, lx + lw * s / 64, ly, lw / 64 + 0.5, 10);
        cairo_fill (cr);
      }
    tf_chart_draw_text (cr, style, NULL, "−1", lx, ly + 14, 0, 0, 0, FALSE);
    tf_chart_draw_text (cr, style, NULL, "0", lx + lw / 2, ly + 14, 0.5, 0, 0, FALSE);
    tf_chart_draw_text (cr, style, NULL, "1", lx + lw, ly + 14, 1, 0, 0, FALSE);
    ly += 14 + line_h + 4;
    tf_chart_draw_text (cr, style, NULL, explain, lx, ly, 0, 0, 0, FALSE);
    if (caption)
      tf_chart_draw_text (cr, style, NULL, caption, lx, ly + line_h + 6, 0, 0, 0, FALSE);
  }
}

void
tf_agreement_matrix_draw (cairo_t            *cr,
                          double              width,
                          double              height,
                          const TfChartStyle *style,
                          int                 n,
                          const char * const *names,
                          const double       *kappa,
                          const gint64       *items,
                          const double       *agreement,
                          const char         *caption,
                          const char         *empty)
{
  draw_matrix (cr, width, height, style, n, names, kappa, items, agreement, caption, empty, NULL);
}

/* ---- the widget ---------------------------------------------------------- */

char *
tf_agreement_matrix_describe_cell (TfAgreementMatrix *self,
                                   int                row,
                                   int                column)
{
  const char *a, *b;
  gint64 items;
  double kappa, agreement;
  g_autofree char *count = NULL;

  g_return_val_if_fail (TF_IS_AGREEMENT_MATRIX (self), NULL);

  if (row < 0 || column < 0 || row >= self->n || column >= self->n)
    return NULL;
  a = self->names[row];
  b = self->names[column];
  items = self->items[row * self->n + column];
  kappa = self->kappa[row * self->n + column];
  agreement = self->agreement[row * self->n + column];
  count = tf_format_count (items);
  if (row == column)
    return g_strdup_printf (g_dngettext (NULL, "%s labelled %s face", "%s labelled %s faces", (gulong) items), a,
                            count);
  if (items <= 0)
    return g_strdup_printf (_("%s and %s labelled no face in common"), a, b);
  if (isnan (kappa))
    return g_strdup_printf (g_dngettext (NULL, "%s and %s gave the same single class to the %s face both labelled: "
                                               "kappa is undefined",
                                         "%s and %s gave the same single class to all %s faces both labelled: "
                                         "kappa is undefined", (gulong) items), a, b, count);
  if (isnan (agreement))
    return g_strdup_printf (g_dngettext (NULL, "%s and %s: Cohen’s kappa %.2f over %s face both labelled",
                                         "%s and %s: Cohen’s kappa %.2f over %s faces both labelled",
                                         (gulong) items), a, b, kappa, count);
  return g_strdup_printf (g_dngettext (NULL, "%s and %s: Cohen’s kappa %.2f over %s face both labelled, "
                                             "%.0f %% with the same label",
                                       "%s and %s: Cohen’s kappa %.2f over %s faces both labelled, "
                                       "%.0f %% with the same label", (gulong) items), a, b, kappa, count,
                          100 * agreement);
}

gboolean
tf_agreement_matrix_cell_rect (TfAgreementMatrix *self,
                               int                row,
                               int                column,
                               graphene_rect_t   *rect)
{
  const Geometry *g = &self->geometry;

  g_return_val_if_fail (TF_IS_AGREEMENT_MATRIX (self), FALSE);

  if (g->n != self->n || row < 0 || column < 0 || row >= g->n || column >= g->n)
    return FALSE;
  graphene_rect_init (rect, (float) (g->x0 + column * g->cell), (float) (g->y0 + row * g->cell), (float) g->cell,
                      (float) g->cell);
  return TRUE;
}

gboolean
tf_agreement_matrix_cell_at (TfAgreementMatrix *self,
                             double             x,
                             double             y,
                             int               *row,
                             int               *column)
{
  const Geometry *g = &self->geometry;
  int r, c;

  g_return_val_if_fail (TF_IS_AGREEMENT_MATRIX (self), FALSE);

  if (g->n != self->n || g->n == 0 || x < g->x0 || y < g->y0)
    return FALSE;
  c = (int) ((x - g->x0) / g->cell);
  r = (int) ((y - g->y0) / g->cell);
  if (r >= g->n || c >= g->n)
    return FALSE;
  *row = r;
  *column = c;
  return TRUE;
}

char *
tf_agreement_matrix_summary (TfAgreementMatrix *self)
{
  GString *text = g_string_new (NULL);
  int lo = -1, hi = -1, undefined = 0;

  if (self->n == 1)
    g_string_printf (text, _("Only one annotator, %s: there is nothing to compare"), self->names[0]);
  for (int a = 0; a < self->n; a++)
    for (int b = a + 1; b < self->n; b++)
      {
        int i = a * self->n + b;

        if (isnan (self->kappa[i]))
          undefined++;
        else
          {
            if (lo < 0 || self->kappa[i] < self->kappa[lo])
              lo = i;
            if (hi < 0 || self->kappa[i] > self->kappa[hi])
              hi = i;
          }
      }
  if (self->n > 1)
    g_string_printf (text, g_dngettext (NULL, "%d annotator", "%d annotators", (gulong) self->n), self->n);
  if (lo >= 0)
    {
      g_string_append (text, "; ");
      /* TRANSLATORS: the lowest and highest kappa of a pair of annotators, each with the pair's names */
      g_string_append_printf (text, _("Cohen’s kappa from %.2f (%s and %s) to %.2f (%s and %s)"),
                              self->kappa[lo], self->names[lo / self->n], self->names[lo % self->n],
                              self->kappa[hi], self->names[hi / self->n], self->names[hi % self->n]);
    }
  if (undefined > 0)
    {
      g_string_append (text, "; ");
      g_string_append_printf (text, g_dngettext (NULL, "%d pair without a kappa", "%d pairs without a kappa",
                                                 (gulong) undefined), undefined);
    }
  if (self->caption)
    g_string_append_printf (text, "%s%s", text->len ? ". " : "", self->caption);
  return g_string_free (text, FALSE);
}

static void
update_accessible (TfAgreementMatrix *self)
{
  g_autofree char *text = tf_agreement_matrix_summary (self);

  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, text, -1);
}

static void
tf_agreement_matrix_snapshot (GtkWidget   *widget,
                              GtkSnapshot *snapshot)
{
  TfAgreementMatrix *self = TF_AGREEMENT_MATRIX (widget);
  int width = gtk_widget_get_width (widget), height = gtk_widget_get_height (widget);
  g_autofree char *font = NULL;
  TfChartStyle style;
  cairo_t *cr;

  if (width <= 0 || height <= 0)
    return;
  tf_chart_style_from_widget (widget, &style, &font);
  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));
  draw_matrix (cr, width, height, &style, self->n, (const char * const *) self->names, self->kappa, self->items,
               self->agreement, self->caption, self->empty, &self->geometry);
  cairo_destroy (cr);
}

static gboolean
tf_agreement_matrix_query_tooltip (GtkWidget  *widget,
                                   int         x,
                                   int         y,
                                   gboolean    keyboard,
                                   GtkTooltip *tooltip)
{
  TfAgreementMatrix *self = TF_AGREEMENT_MATRIX (widget);
  g_autofree char *text = NULL;
  graphene_rect_t r;
  int row, column;

  if (keyboard || !tf_agreement_matrix_cell_at (self, x, y, &row, &column))
    return FALSE;
  text = tf_agreement_matrix_describe_cell (self, row, column);
  gtk_tooltip_set_text (tooltip, text);
  if (tf_agreement_matrix_cell_rect (self, row, column, &r))
    gtk_tooltip_set_tip_area (tooltip, &(GdkRectangle) { (int) r.origin.x, (int) r.origin.y,
                                                         (int) r.size.width, (int) r.size.height });
  return TRUE;
}

static void
tf_agreement_matrix_measure (GtkWidget      *widget,
                             GtkOrientation  orientation,
                             int             for_size,
                             int            *minimum,
                             int            *natural,
                             int            *minimum_baseline,
                             int            *natural_baseline)
{
  (void) for_size;
  (void) minimum_baseline;
  (void) natural_baseline;
  TfAgreementMatrix *self = TF_AGREEMENT_MATRIX (widget);
  int width, height, n = self->n < 2 ? 0 : self->n;

  tf_agreement_matrix_get_size (self->n, &width, &height);
  /* the cells shrink to MIN_CELL, where a kappa and its count still read;
   * many annotators then need a scrolled window */
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = MIN (width, 180 + MIN_CELL * n);
      *natural = width;
    }
  else
    {
      *minimum = MIN (height, 200 + MIN_CELL * n);
      *natural = height;
    }
}

static void
tf_agreement_matrix_finalize (GObject *object)
{
  TfAgreementMatrix *self = TF_AGREEMENT_MATRIX (object);

  g_strfreev (self->names);
  g_free (self->kappa);
  g_free (self->items);
  g_free (self->agreement);
  g_free (self->caption);
  g_free (self->empty);
  G_OBJECT_CLASS (tf_agreement_matrix_parent_class)->finalize (object);
}

static void
tf_agreement_matrix_class_init (TfAgreementMatrixClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = tf_agreement_matrix_finalize;
  widget_class->snapshot = tf_agreement_matrix_snapshot;
  widget_class->measure = tf_agreement_matrix_measure;
  widget_class->query_tooltip = tf_agreement_matrix_query_tooltip;
  gtk_widget_class_set_css_name (widget_class, "agreementmatrix");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
tf_agreement_matrix_init (TfAgreementMatrix *self)
{
  gtk_widget_set_has_tooltip (GTK_WIDGET (self), TRUE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Agreement between annotators"), -1);
  update_accessible (self);
}

/* ---- public API ---------------------------------------------------------- */

GtkWidget *
tf_agreement_matrix_new (void)
{
  return g_object_new (TF_TYPE_AGREEMENT_MATRIX, NULL);
}

void
tf_agreement_matrix_set_data (TfAgreementMatrix  *self,
                              int                 n,
                              const char * const *names,
                              const double       *kappa,
                              const gint64       *items,
                              const double       *agreement)
{
  g_return_if_fail (TF_IS_AGREEMENT_MATRIX (self));
  g_return_if_fail (n >= 0);
  g_return_if_fail (n == 0 || (names != NULL && kappa != NULL && items != NULL));

  g_clear_pointer (&self->names, g_strfreev);
  g_clear_pointer (&self->kappa, g_free);
  g_clear_pointer (&self->items, g_free);
  g_clear_pointer (&self->agreement, g_free);
  self->n = n;
  self->geometry = (Geometry) { 0 };
  if (n > 0)
    {
      self->names = g_new0 (char *, n + 1);
      for (int a = 0; a < n; a++)
        self->names[a] = g_strdup (names[a] ? names[a] : "");
      self->kappa = g_memdup2 (kappa, sizeof (double) * n * n);
      self->items = g_memdup2 (items, sizeof (gint64) * n * n);
      self->agreement = g_new (double, n * n);
      for (int i = 0; i < n * n; i++)
        self->agreement[i] = agreement ? agreement[i] : NAN;
    }
  update_accessible (self);
  gtk_widget_queue_resize (GTK_WIDGET (self));
}

void
tf_agreement_matrix_set_caption (TfAgreementMatrix *self,
                                 const char        *caption)
{
  g_return_if_fail (TF_IS_AGREEMENT_MATRIX (self));

  g_free (self->caption);
  self->caption = g_strdup (caption);
  update_accessible (self);
  gtk_widget_queue_resize (GTK_WIDGET (self));
}

void
tf_agreement_matrix_set_empty_text (TfAgreementMatrix *self,
                                    const char        *text)
{
  g_return_if_fail (TF_IS_AGREEMENT_MATRIX (self));

  g_free (self->empty);
  self->empty = g_strdup (text);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

int
tf_agreement_matrix_get_n_annotators (TfAgreementMatrix *self)
{
  g_return_val_if_fail (TF_IS_AGREEMENT_MATRIX (self), 0);
  return self->n;
}

double
tf_agreement_matrix_get_kappa (TfAgreementMatrix *self,
                               int                row,
                               int                column)
{
  g_return_val_if_fail (TF_IS_AGREEMENT_MATRIX (self), NAN);

  if (row < 0 || column < 0 || row >= self->n || column >= self->n || row == column)
    return NAN;
  return self->kappa[row * self->n + column];
}

gint64
tf_agreement_matrix_get_items (TfAgreementMatrix *self,
                               int                row,
                               int                column)
{
  g_return_val_if_fail (TF_IS_AGREEMENT_MATRIX (self), -1);

  if (row < 0 || column < 0 || row >= self->n || column >= self->n)
    return -1;
  return self->items[row * self->n + column];
}
