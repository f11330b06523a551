/* SPDX-License-Identifier: GPL-3.0-or-later */
/* TfProbBars: one row per class (name, bar, percentage). Each row is a small
 * child widget so that it is its own accessible object (a meter with the
 * class name as label and the percentage as value). The predicted row
 * carries the "accent" style class, so its colour is the theme's accent
 * colour (libadwaita's @accent_color, lighter in the dark style); the
 * others use the foreground colour, faded. The parent lines the columns up:
 * every row's name column is as wide as the widest name. */
#include <glib/gi18n.h>
#include <math.h>

#include "tf-prob-bars.h"
#include "tf-class-name.h"
#include "tf-widgets-private.h"

#define ROW_SPACING   4
#define COL_GAP       8
#define BAR_HEIGHT    8
#define BAR_MIN       48
#define BAR_NAT       160
#define NAME_MIN      72

/* ---- one row */

#define TF_TYPE_PROB_BAR (tf_prob_bar_get_type ())
G_DECLARE_FINAL_TYPE (TfProbBar, tf_prob_bar, TF, PROB_BAR, GtkWidget)

struct _TfProbBar
{
  GtkWidget  parent_instance;

  char      *name;
  float      prob;
  gboolean   highlighted;
  int        name_col;          /* set by the parent */
  int        pct_col;
};

G_DEFINE_FINAL_TYPE (TfProbBar, tf_prob_bar, GTK_TYPE_WIDGET)

struct _TfProbBars
{
  GtkWidget  parent_instance;

  TfFaceProbe *probe;
  GPtrArray   *rows;            /* TfProbBar, children */
  int          highlighted;
};

G_DEFINE_FINAL_TYPE (TfProbBars, tf_prob_bars, GTK_TYPE_WIDGET)

char *
tf_prob_bars_format_percent (float prob)
{
  if (prob > 0 && prob < 0.005f)
    /* TRANSLATORS: a probability below one percent */
    return g_strdup (_("<1 %"));
  /* TRANSLATORS: a probability in percent; keep the %.0f */
  return g_strdup_printf (_("%.0f %%"), (double) prob * 100.0);
}

/* where the track and the fill of the bar go in a row of @width x @height */
static void
bar_geometry (TfProbBar       *bar,
              int              width,
              int              height,
              graphene_rect_t *track,
              graphene_rect_t *fill)
{
  float x = (float) (bar->name_col + COL_GAP);
  float w = MAX (0.0f, (float) (width - bar->name_col - bar->pct_col - 2 * COL_GAP));
  float h = (float) MIN (BAR_HEIGHT, height);
  float y = floorf ((height - h) / 2.0f);
  float p = isfinite (bar->prob) ? CLAMP (bar->prob, 0.0f, 1.0f) : 0.0f;

  graphene_rect_init (track, x, y, w, h);
  graphene_rect_init (fill, x, y, roundf (w * p), h);
}

static void
tf_prob_bar_snapshot (GtkWidget   *widget,
                      GtkSnapshot *snapshot)
{
  TfProbBar *bar = TF_PROB_BAR (widget);
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  g_autoptr (PangoLayout) name = NULL;
  g_autoptr (PangoLayout) pct = NULL;
  g_autofree char *pct_text = tf_prob_bars_format_percent (bar->prob);
  graphene_rect_t track, fill;
  GskRoundedRect rounded;
  GdkRGBA fg, c;
  int tw, th;

  tf_widget_get_fg (widget, &fg);

  name = gtk_widget_create_pango_layout (widget, bar->name);
  pango_layout_set_width (name, bar->name_col * PANGO_SCALE);
  pango_layout_set_ellipsize (name, PANGO_ELLIPSIZE_END);
  if (bar->highlighted)
    {
      g_autoptr (PangoAttrList) attrs = pango_attr_list_new ();

      pango_attr_list_insert (attrs, pango_attr_weight_new (PANGO_WEIGHT_BOLD));
      pango_layout_set_attributes (name, attrs);
    }
  pango_layout_get_pixel_size (name, &tw, &th);
  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (0, floorf ((height - th) / 2.0f)));
  gtk_snapshot_append_layout (snapshot, name, &fg);
  gtk_snapshot_restore (snapshot);

  pct = gtk_widget_create_pango_layout (widget, pct_text);
  pango_layout_get_pixel_size (pct, &tw, &th);
  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT ((float) (width - tw), floorf ((height - th) / 2.0f)));
  gtk_snapshot_append_layout (snapshot, pct, &fg);
  gtk_snapshot_restore (snapshot);

  bar_geometry (bar, width, height, &track, &fill);
  if (track.size.width <= 0)
    return;
  gsk_rounded_rect_init_from_rect (&rounded, &track, track.size.height / 2);
  gtk_snapshot_push_rounded_clip (snapshot, &rounded);
  c = tf_rgba_fade (&fg, 0.12f);
  gtk_snapshot_append_color (snapshot, &c, &track);
  c = bar->highlighted ? fg : tf_rgba_fade (&fg, 0.45f);
  if (fill.size.width > 0)
    gtk_snapshot_append_color (snapshot, &c, &fill);
  gtk_snapshot_pop (snapshot);
}

static int
line_height (GtkWidget *widget)
{
  g_autoptr (PangoLayout) layout = gtk_widget_create_pango_layout (widget, "Ag");
  int h;

  pango_layout_get_pixel_size (layout, NULL, &h);
  return h;
}

static void
tf_prob_bar_measure (GtkWidget      *widget,
                     GtkOrientation  orientation,
                     int             for_size,
                     int            *minimum,
                     int            *natural,
                     int            *minimum_baseline,
                     int            *natural_baseline)
{
  TfProbBar *bar = TF_PROB_BAR (widget);

  (void) for_size;
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = bar->name_col + bar->pct_col + 2 * COL_GAP + BAR_MIN;
      *natural = bar->name_col + bar->pct_col + 2 * COL_GAP + BAR_NAT;
    }
  else
    *minimum = *natural = MAX (line_height (widget), BAR_HEIGHT) + 4;
  *minimum_baseline = *natural_baseline = -1;
}

static void
tf_prob_bar_finalize (GObject *object)
{
  TfProbBar *bar = TF_PROB_BAR (object);

  g_free (bar->name);

  G_OBJECT_CLASS (tf_prob_bar_parent_class)->finalize (object);
}

static void
tf_prob_bar_class_init (TfProbBarClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = tf_prob_bar_finalize;
  widget_class->snapshot = tf_prob_bar_snapshot;
  widget_class->measure = tf_prob_bar_measure;

  gtk_widget_class_set_css_name (widget_class, "tf-prob-bar");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_METER);
}

static void
tf_prob_bar_init (TfProbBar *bar)
{
  (void) bar;
}

static void
tf_prob_bar_set (TfProbBar  *bar,
                 const char *name,
                 float       prob,
                 gboolean    highlighted)
{
  g_autofree char *pct = tf_prob_bars_format_percent (prob);
  g_autofree char *description = NULL;

  g_free (bar->name);
  bar->name = g_strdup (name);
  bar->prob = prob;
  bar->highlighted = highlighted;
  if (highlighted)
    gtk_widget_add_css_class (GTK_WIDGET (bar), "accent");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (bar), "accent");

  /* TRANSLATORS: "happiness 91 %" and, for the prediction, "happiness 91 %, predicted" */
  description = highlighted ? g_strdup_printf (_("%s %s, predicted"), name, pct)
                            : g_strdup_printf (_("%s %s"), name, pct);
  gtk_accessible_update_property (GTK_ACCESSIBLE (bar),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, name,
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, description,
                                  GTK_ACCESSIBLE_PROPERTY_VALUE_MIN, 0.0,
                                  GTK_ACCESSIBLE_PROPERTY_VALUE_MAX, 100.0,
                                  GTK_ACCESSIBLE_PROPERTY_VALUE_NOW, (double) prob * 100.0,
                                  GTK_ACCESSIBLE_PROPERTY_VALUE_TEXT, pct,
                                  -1);
  gtk_widget_queue_draw (GTK_WIDGET (bar));
}

/* ---- the rows together */

/* the widest class name and the widest percentage, in pixels */
static void
column_widths (TfProbBars *self,
               int        *name_w,
               int        *pct_w)
{
  g_autoptr (PangoLayout) layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), NULL);
  g_autoptr (PangoAttrList) bold = pango_attr_list_new ();
  g_autofree char *widest = tf_prob_bars_format_percent (1.0f);
  int w;

  /* measured bold: the highlighted name is drawn bold */
  pango_attr_list_insert (bold, pango_attr_weight_new (PANGO_WEIGHT_BOLD));
  pango_layout_set_attributes (layout, bold);
  *name_w = 0;
  for (guint i = 0; i < self->rows->len; i++)
    {
      TfProbBar *bar = g_ptr_array_index (self->rows, i);

      pango_layout_set_text (layout, bar->name, -1);
      pango_layout_get_pixel_size (layout, &w, NULL);
      *name_w = MAX (*name_w, w);
    }
  pango_layout_set_attributes (layout, NULL);
  pango_layout_set_text (layout, widest, -1);
  pango_layout_get_pixel_size (layout, pct_w, NULL);
}

static void
tf_prob_bars_measure (GtkWidget      *widget,
                      GtkOrientation  orientation,
                      int             for_size,
                      int            *minimum,
                      int            *natural,
                      int            *minimum_baseline,
                      int            *natural_baseline)
{
  TfProbBars *self = TF_PROB_BARS (widget);
  int name_w, pct_w;

  (void) for_size;
  *minimum_baseline = *natural_baseline = -1;
  column_widths (self, &name_w, &pct_w);

  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = MIN (name_w, NAME_MIN) + pct_w + 2 * COL_GAP + BAR_MIN;
      *natural = name_w + pct_w + 2 * COL_GAP + BAR_NAT;
      return;
    }

  if (self->rows->len == 0)
    {
      *minimum = *natural = line_height (widget) + 4;
      return;
    }
  *minimum = *natural = 0;
  for (guint i = 0; i < self->rows->len; i++)
    {
      int m, n;

      gtk_widget_measure (g_ptr_array_index (self->rows, i), GTK_ORIENTATION_VERTICAL, -1,
                          &m, &n, NULL, NULL);
      *minimum += m + (i > 0 ? ROW_SPACING : 0);
      *natural += n + (i > 0 ? ROW_SPACING : 0);
    }
}

static void
tf_prob_bars_size_allocate (GtkWidget *widget,
                            int        width,
                            int        height,
                            int        baseline)
{
  TfProbBars *self = TF_PROB_BARS (widget);
  int name_w, pct_w, y = 0;

  (void) height;
  (void) baseline;
  column_widths (self, &name_w, &pct_w);
  /* a narrow sidebar shortens (ellipsizes) long names before the bars vanish */
  name_w = MIN (name_w, MAX (NAME_MIN, width - pct_w - 2 * COL_GAP - BAR_MIN));

  for (guint i = 0; i < self->rows->len; i++)
    {
      TfProbBar *bar = g_ptr_array_index (self->rows, i);
      int row_h;

      bar->name_col = name_w;
      bar->pct_col = pct_w;
      gtk_widget_measure (GTK_WIDGET (bar), GTK_ORIENTATION_VERTICAL, width, NULL, &row_h, NULL, NULL);
      gtk_widget_size_allocate (GTK_WIDGET (bar), &(GtkAllocation) { 0, y, width, row_h }, -1);
      y += row_h + ROW_SPACING;
    }
}

static void
tf_prob_bars_snapshot (GtkWidget   *widget,
                       GtkSnapshot *snapshot)
{
  TfProbBars *self = TF_PROB_BARS (widget);

  if (self->rows->len == 0)
    {
      g_autoptr (PangoLayout) layout = gtk_widget_create_pango_layout (widget, _("No prediction"));
      GdkRGBA fg, c;

      tf_widget_get_fg (widget, &fg);
      c = tf_rgba_fade (&fg, 0.55f);
      gtk_snapshot_append_layout (snapshot, layout, &c);
      return;
    }
  for (guint i = 0; i < self->rows->len; i++)
    gtk_widget_snapshot_child (widget, g_ptr_array_index (self->rows, i), snapshot);
}

static void
remove_rows (TfProbBars *self)
{
  while (self->rows->len > 0)
    {
      GtkWidget *row = g_ptr_array_steal_index (self->rows, self->rows->len - 1);

      gtk_widget_unparent (row);
    }
}

static void
tf_prob_bars_dispose (GObject *object)
{
  TfProbBars *self = TF_PROB_BARS (object);

  if (self->rows != NULL)
    remove_rows (self);
  g_clear_pointer (&self->probe, tf_face_probe_unref);

  G_OBJECT_CLASS (tf_prob_bars_parent_class)->dispose (object);
}

static void
tf_prob_bars_finalize (GObject *object)
{
  TfProbBars *self = TF_PROB_BARS (object);

  g_ptr_array_unref (self->rows);

  G_OBJECT_CLASS (tf_prob_bars_parent_class)->finalize (object);
}

static void
tf_prob_bars_class_init (TfProbBarsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tf_prob_bars_dispose;
  object_class->finalize = tf_prob_bars_finalize;
  widget_class->measure = tf_prob_bars_measure;
  widget_class->size_allocate = tf_prob_bars_size_allocate;
  widget_class->snapshot = tf_prob_bars_snapshot;

  gtk_widget_class_set_css_name (widget_class, "tf-prob-bars");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
tf_prob_bars_init (TfProbBars *self)
{
  self->rows = g_ptr_array_new ();
  self->highlighted = -1;
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Class probabilities"),
                                  -1);
}

int
tf_prob_bars_predicted (const TfFaceProbe *probe)
{
  int best = 0;

  g_return_val_if_fail (probe != NULL, -1);

  if (probe->probs == NULL || probe->classes <= 0)
    return -1;
  /* the model's prediction, or the argmax when it is not given */
  if (probe->predicted >= 0 && probe->predicted < probe->classes)
    return probe->predicted;
  for (int k = 1; k < probe->classes; k++)
    if (probe->probs[k] > probe->probs[best])
      best = k;
  return best;
}

char *
tf_prob_bars_class_name (const TfFaceProbe *probe,
                         int                k)
{
  if (probe->class_names != NULL && k >= 0 && (int) g_strv_length (probe->class_names) > k)
    return g_strdup (tf_class_display_name (probe->class_names[k]));
  return g_strdup_printf (_("Class %d"), k + 1);
}

GtkWidget *
tf_prob_bars_new (void)
{
  return g_object_new (TF_TYPE_PROB_BARS, NULL);
}

void
tf_prob_bars_set_probe (TfProbBars  *self,
                        TfFaceProbe *probe)
{
  int n = 0;

  g_return_if_fail (TF_IS_PROB_BARS (self));

  if (probe != NULL)
    tf_face_probe_ref (probe);
  g_clear_pointer (&self->probe, tf_face_probe_unref);
  self->probe = probe;

  if (probe != NULL && probe->probs != NULL && probe->classes > 0)
    n = probe->classes;

  self->highlighted = n > 0 ? tf_prob_bars_predicted (probe) : -1;

  /* keep the rows when the number of classes stays (the usual case) */
  if ((int) self->rows->len != n)
    {
      remove_rows (self);
      for (int k = 0; k < n; k++)
        {
          GtkWidget *row = g_object_new (tf_prob_bar_get_type (), NULL);

          gtk_widget_set_parent (row, GTK_WIDGET (self));
          g_ptr_array_add (self->rows, row);
        }
    }
  for (int k = 0; k < n; k++)
    {
      g_autofree char *name = tf_prob_bars_class_name (probe, k);

      tf_prob_bar_set (g_ptr_array_index (self->rows, k), name, probe->probs[k], k == self->highlighted);
    }
  gtk_widget_queue_resize (GTK_WIDGET (self));
}

int
tf_prob_bars_get_highlighted (TfProbBars *self)
{
  g_return_val_if_fail (TF_IS_PROB_BARS (self), -1);

  return self->highlighted;
}

const char *
tf_prob_bars_get_name (TfProbBars *self,
                       int         index)
{
  g_return_val_if_fail (TF_IS_PROB_BARS (self), NULL);

  if (index < 0 || index >= (int) self->rows->len)
    return NULL;
  return ((TfProbBar *) g_ptr_array_index (self->rows, index))->name;
}

gboolean
tf_prob_bars_get_fill_rect (TfProbBars      *self,
                            int              index,
                            graphene_rect_t *rect)
{
  TfProbBar *bar;
  graphene_rect_t bounds, track;

  g_return_val_if_fail (TF_IS_PROB_BARS (self), FALSE);

  if (index < 0 || index >= (int) self->rows->len)
    return FALSE;
  bar = g_ptr_array_index (self->rows, index);
  if (!gtk_widget_compute_bounds (GTK_WIDGET (bar), GTK_WIDGET (self), &bounds))
    return FALSE;
  bar_geometry (bar, (int) bounds.size.width, (int) bounds.size.height, &track, rect);
  rect->origin.x += bounds.origin.x;
  rect->origin.y += bounds.origin.y;
  return TRUE;
}
