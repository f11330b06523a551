/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <glib/gi18n.h>
#include <math.h>

#include "tf-confusion.h"
#include "tf-class-name.h"

#define CELL_SIZE 52

/* the cells (GNOME's blue 4), at an opacity that is their share */
static const double cell_colour[3] = { 0x1c / 255.0, 0x71 / 255.0, 0xd8 / 255.0 };

struct _TfConfusion
{
  GtkWidget  parent_instance;

  int        n;
  char     **classes;
  gint64    *counts;     /* [n][n] */
  char      *caption;
  char      *empty;
};

G_DEFINE_FINAL_TYPE (TfConfusion, tf_confusion, GTK_TYPE_WIDGET)

/* ---- the drawing --------------------------------------------------------- */

void
tf_confusion_get_size (int  n,
                       int *width,
                       int *height)
{
  n = MAX (n, 1);
  if (width)
    *width = 200 + n * CELL_SIZE;
  if (height)
    *height = 190 + n * CELL_SIZE;
}

void
tf_confusion_draw (cairo_t            *cr,
                   double              width,
                   double              height,
                   const TfChartStyle *style,
                   int                 n,
                   const char * const *classes,
                   const gint64       *counts,
                   const char         *caption,
                   const char         *empty)
{
  int name_w = 0, line_h = 0;
  double left, head, cell, x0, y0;
  gint64 total = 0;
  gboolean turned;

  g_return_if_fail (cr != NULL && style != NULL);
  g_return_if_fail (n == 0 || (classes != NULL && counts != NULL));

  tf_chart_draw_background (cr, style, width, height);
  for (int i = 0; i < n * n; i++)
    total += MAX (counts[i], 0);
  if (n == 0 || total == 0)
    {
      if (empty)
        tf_chart_draw_text (cr, style, NULL, empty, width / 2, height / 2, 0.5, 0.5, 0, FALSE);
      return;
    }
  for (int k = 0; k < n; k++)
    {
      int tw, th;

      tf_chart_text_size (cr, style, classes[k] ? tf_class_display_name (classes[k]) : "", &tw, &th);
      name_w = MAX (name_w, tw);
      line_h = MAX (line_h, th);
    }

  /* "Predicted" and the column names above, "Label" and the row names left,
   * the caption below */
  left = line_h + 8 + name_w + 10;
  cell = MIN ((width - left - 16) / n, (height - 2 * line_h - 40) / (n + 1.2));
  turned = name_w > cell - 6;
  head = line_h + 8 + (turned ? name_w * 0.72 + line_h * 0.5 : line_h) + 8;
  cell = MIN (cell, (height - head - 2 * line_h - 24) / n);
  cell = MAX (4, MIN (cell, 72));
  x0 = left + MAX (0, (width - left - 16 - n * cell) / 2);
  y0 = head;

  tf_chart_draw_text (cr, style, NULL, _("Predicted"), x0 + n * cell / 2, 4, 0.5, 0, 0, TRUE);
  tf_chart_draw_text (cr, style, NULL, _("Label"), MAX (4, x0 - 16 - name_w - line_h), y0 + n * cell / 2, 0.5, 0,
                      -G_PI / 2, TRUE);
  for (int a = 0; a < n; a++)
    {
      const char *name = classes[a] ? tf_class_display_name (classes[a]) : "";
      gint64 row = 0;

      for (int b = 0; b < n; b++)
        row += counts[a * n + b];
      tf_chart_draw_text (cr, style, NULL, name, x0 - 8, y0 + (a + 0.5) * cell, 1, 0.5, 0, FALSE);
      if (turned)
        tf_chart_draw_text (cr, style, NULL, name, x0 + (a + 0.5) * cell - line_h * 0.35, y0 - 4, 0, 1, -G_PI / 4,
                            FALSE);
      else
        tf_chart_draw_text (cr, style, NULL, name, x0 + (a + 0.5) * cell, y0 - 6, 0.5, 1, 0, FALSE);
      for (int b = 0; b < n; b++)
        {
          gint64 c = counts[a * n + b];
          double x = x0 + b * cell, y = y0 + a * cell, share = row > 0 ? (double) c / row : 0;
          const double white[3] = { 1, 1, 1 };
          g_autofree char *count = NULL;

          /* the blue over the ground, from faint (none) to full (the whole row) */
          cairo_set_source_rgba (cr, cell_colour[0], cell_colour[1], cell_colour[2], 0.06 + 0.94 * share);
          cairo_rectangle (cr, x + 1, y + 1, cell - 2, cell - 2);
          cairo_fill (cr);
          if (cell < 16)
            continue;
          count = tf_format_count (c);
          tf_chart_draw_text (cr, style, share > 0.45 ? white : NULL, count, x + cell / 2, y + cell / 2, 0.5, 0.5, 0,
                              a == b);
        }
    }
  if (caption)
    tf_chart_draw_text (cr, style, NULL, caption, x0 + n * cell / 2, y0 + n * cell + 12, 0.5, 0, 0, FALSE);
}

/* ---- the widget ---------------------------------------------------------- */

static void
update_accessible (TfConfusion *self)
{
  g_autoptr(GString) text = g_string_new (NULL);
  gint64 total = 0, agreed = 0;

  for (int a = 0; a < self->n; a++)
    for (int b = 0; b < self->n; b++)
      {
        total += self->counts[a * self->n + b];
        if (a == b)
          agreed += self->counts[a * self->n + b];
      }
  if (total > 0)
    {
      g_autofree char *a = tf_format_count (agreed), *t = tf_format_count (total);

      /* TRANSLATORS: what a screen reader says of a confusion matrix */
      g_string_printf (text, _("%s of %s faces predicted as labelled"), a, t);
    }
  if (self->caption)
    g_string_append_printf (text, "%s%s", text->len ? ". " : "", self->caption);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, text->str, -1);
}

static void
tf_confusion_snapshot (GtkWidget   *widget,
                       GtkSnapshot *snapshot)
{
  TfConfusion *self = TF_CONFUSION (widget);
  int width = gtk_widget_get_width (widget), height = gtk_widget_get_height (widget);
  g_autofree char *font = NULL;
  TfChartStyle style;
  cairo_t *cr;

  if (width <= 0 || height <= 0)
    return;
  tf_chart_style_from_widget (widget, &style, &font);
  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));
  tf_confusion_draw (cr, width, height, &style, self->n, (const char * const *) self->classes, self->counts,
                     self->caption, self->empty);
  cairo_destroy (cr);
}

static void
tf_confusion_measure (GtkWidget      *widget,
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
  TfConfusion *self = TF_CONFUSION (widget);
  int width, height;

  tf_confusion_get_size (self->n, &width, &height);
  /* the cells shrink to fit a narrow column, down to about 16 px across
   * (a phone's width) and 36 px down (where the counts still read) */
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = MIN (width, 120 + 16 * MAX (self->n, 1));
      *natural = width;
    }
  else
    {
      *minimum = MIN (height, 150 + 36 * MAX (self->n, 1));
      *natural = height;
    }
}

static void
tf_confusion_finalize (GObject *object)
{
  TfConfusion *self = TF_CONFUSION (object);

  g_strfreev (self->classes);
  g_free (self->counts);
  g_free (self->caption);
  g_free (self->empty);
  G_OBJECT_CLASS (tf_confusion_parent_class)->finalize (object);
}

static void
tf_confusion_class_init (TfConfusionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = tf_confusion_finalize;
  widget_class->snapshot = tf_confusion_snapshot;
  widget_class->measure = tf_confusion_measure;
  gtk_widget_class_set_css_name (widget_class, "confusion");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
tf_confusion_init (TfConfusion *self)
{
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Confusion matrix"), -1);
}

/* ---- public API ---------------------------------------------------------- */

GtkWidget *
tf_confusion_new (void)
{
  return g_object_new (TF_TYPE_CONFUSION, NULL);
}

void
tf_confusion_set_matrix (TfConfusion        *self,
                         int                 n,
                         const char * const *classes,
                         const gint64       *counts)
{
  g_return_if_fail (TF_IS_CONFUSION (self));
  g_return_if_fail (n >= 0);
  g_return_if_fail (n == 0 || (classes != NULL && counts != NULL));

  g_clear_pointer (&self->classes, g_strfreev);
  g_clear_pointer (&self->counts, g_free);
  self->n = n;
  if (n > 0)
    {
      self->classes = g_new0 (char *, n + 1);
      for (int k = 0; k < n; k++)
        self->classes[k] = g_strdup (classes[k] ? classes[k] : "");
      self->counts = g_memdup2 (counts, sizeof (gint64) * n * n);
    }
  update_accessible (self);
  gtk_widget_queue_resize (GTK_WIDGET (self));
}

void
tf_confusion_set_caption (TfConfusion *self,
                          const char  *caption)
{
  g_return_if_fail (TF_IS_CONFUSION (self));

  g_free (self->caption);
  self->caption = g_strdup (caption);
  update_accessible (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
tf_confusion_set_empty_text (TfConfusion *self,
                             const char  *text)
{
  g_return_if_fail (TF_IS_CONFUSION (self));

  g_free (self->empty);
  self->empty = g_strdup (text);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

int
tf_confusion_get_n_classes (TfConfusion *self)
{
  g_return_val_if_fail (TF_IS_CONFUSION (self), 0);
  return self->n;
}

gint64
tf_confusion_get_count (TfConfusion *self,
                        int          row,
                        int          column)
{
  g_return_val_if_fail (TF_IS_CONFUSION (self), -1);

  if (row < 0 || column < 0 || row >= self->n || column >= self->n)
    return -1;
  return self->counts[row * self->n + column];
}

const char *
tf_confusion_get_caption (TfConfusion *self)
{
  g_return_val_if_fail (TF_IS_CONFUSION (self), NULL);
  return self->caption;
}
