/* SPDX-License-Identifier: GPL-3.0-or-later */
/* TfColorScale: a horizontal gradient of the colour map with the meaning of
 * its two ends written under them, so a coloured picture can be read
 * without knowing the colour map's name. */
#include <glib/gi18n.h>
#include <math.h>

#include "tf-color-scale.h"
#include "tf-widgets-private.h"

#define BAR_HEIGHT 10
#define GAP        2
#define NAT_WIDTH  240
#define MIN_WIDTH  80
#define N_STOPS    9

struct _TfColorScale
{
  GtkWidget   parent_instance;

  TfColormap  colormap;
  gboolean    diverging;
  char       *low, *high;
};

G_DEFINE_FINAL_TYPE (TfColorScale, tf_color_scale, GTK_TYPE_WIDGET)

GdkRGBA
tf_color_scale_diverging (float t)
{
  static const float blue[3] = { 33 / 255.f, 102 / 255.f, 172 / 255.f };
  static const float red[3] = { 178 / 255.f, 24 / 255.f, 43 / 255.f };
  const float *end = t < 0 ? blue : red;
  float a = isfinite (t) ? fminf (fabsf (t), 1.0f) : 0.0f;

  return (GdkRGBA) { 1 + (end[0] - 1) * a, 1 + (end[1] - 1) * a, 1 + (end[2] - 1) * a, 1 };
}

static GdkRGBA
stop_color (TfColorScale *self,
            double        t)
{
  uint8_t rgb[3];

  if (self->diverging)
    return tf_color_scale_diverging ((float) (2 * t - 1));
  tf_colormap_lookup (self->colormap, t, rgb);
  return (GdkRGBA) { rgb[0] / 255.f, rgb[1] / 255.f, rgb[2] / 255.f, 1 };
}

static void
update_accessible (TfColorScale *self)
{
  /* TRANSLATORS: the colour legend's accessible name: from its left end to its right end */
  g_autofree char *label = g_strdup_printf (_("Colour scale from %s to %s"), self->low, self->high);

  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
}

gboolean
tf_color_scale_get_bar_rect (TfColorScale    *self,
                             graphene_rect_t *rect)
{
  int w = gtk_widget_get_width (GTK_WIDGET (self));

  g_return_val_if_fail (TF_IS_COLOR_SCALE (self), FALSE);

  if (w <= 0)
    return FALSE;
  graphene_rect_init (rect, 0, 0, (float) w, BAR_HEIGHT);
  return TRUE;
}

static void
draw_label (TfColorScale  *self,
            GtkSnapshot   *snapshot,
            const char    *text,
            float          x,
            float          align,
            const GdkRGBA *color)
{
  g_autoptr (PangoLayout) layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), text);
  int w, h;

  pango_layout_get_pixel_size (layout, &w, &h);
  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (roundf (x - align * w), BAR_HEIGHT + GAP));
  gtk_snapshot_append_layout (snapshot, layout, color);
  gtk_snapshot_restore (snapshot);
}

static void
tf_color_scale_snapshot (GtkWidget   *widget,
                         GtkSnapshot *snapshot)
{
  TfColorScale *self = TF_COLOR_SCALE (widget);
  GskColorStop stops[N_STOPS];
  graphene_rect_t bar;
  GskRoundedRect clip;
  GdkRGBA fg, dim;

  if (!tf_color_scale_get_bar_rect (self, &bar))
    return;
  for (int i = 0; i < N_STOPS; i++)
    {
      stops[i].offset = i / (float) (N_STOPS - 1);
      stops[i].color = stop_color (self, i / (double) (N_STOPS - 1));
    }
  gsk_rounded_rect_init_from_rect (&clip, &bar, 3);
  gtk_snapshot_push_rounded_clip (snapshot, &clip);
  gtk_snapshot_append_linear_gradient (snapshot, &bar,
                                       &GRAPHENE_POINT_INIT (bar.origin.x, 0),
                                       &GRAPHENE_POINT_INIT (bar.origin.x + bar.size.width, 0),
                                       stops, N_STOPS);
  gtk_snapshot_pop (snapshot);

  tf_widget_get_fg (widget, &fg);
  dim = tf_rgba_fade (&fg, 0.7f);
  draw_label (self, snapshot, self->low, 0, 0, &dim);
  draw_label (self, snapshot, self->high, bar.size.width, 1, &dim);
}

static void
tf_color_scale_measure (GtkWidget      *widget,
                        GtkOrientation  orientation,
                        int             for_size,
                        int            *minimum,
                        int            *natural,
                        int            *minimum_baseline,
                        int            *natural_baseline)
{
  TfColorScale *self = TF_COLOR_SCALE (widget);
  g_autofree char *both = g_strdup_printf ("%s  %s", self->low, self->high);
  g_autoptr (PangoLayout) layout = gtk_widget_create_pango_layout (widget, both);
  int w, h;

  (void) for_size;
  pango_layout_get_pixel_size (layout, &w, &h);
  *minimum_baseline = *natural_baseline = -1;
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = MAX (MIN_WIDTH, w);
      *natural = MAX (NAT_WIDTH, w);
    }
  else
    *minimum = *natural = BAR_HEIGHT + GAP + h;
}

static void
tf_color_scale_finalize (GObject *object)
{
  TfColorScale *self = TF_COLOR_SCALE (object);

  g_free (self->low);
  g_free (self->high);
  G_OBJECT_CLASS (tf_color_scale_parent_class)->finalize (object);
}

static void
tf_color_scale_class_init (TfColorScaleClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = tf_color_scale_finalize;
  widget_class->snapshot = tf_color_scale_snapshot;
  widget_class->measure = tf_color_scale_measure;
  gtk_widget_class_set_css_name (widget_class, "tf-color-scale");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
tf_color_scale_init (TfColorScale *self)
{
  self->colormap = TF_COLORMAP_VIRIDIS;
  /* TRANSLATORS: the low end of a colour legend */
  self->low = g_strdup (C_("colour scale", "low"));
  /* TRANSLATORS: the high end of a colour legend */
  self->high = g_strdup (C_("colour scale", "high"));
  update_accessible (self);
}

GtkWidget *
tf_color_scale_new (void)
{
  return g_object_new (TF_TYPE_COLOR_SCALE, NULL);
}

void
tf_color_scale_set_colormap (TfColorScale *self,
                             TfColormap    map)
{
  g_return_if_fail (TF_IS_COLOR_SCALE (self));
  g_return_if_fail ((int) map >= 0 && map < TF_N_COLORMAPS);

  self->colormap = map;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

TfColormap
tf_color_scale_get_colormap (TfColorScale *self)
{
  g_return_val_if_fail (TF_IS_COLOR_SCALE (self), TF_COLORMAP_VIRIDIS);
  return self->colormap;
}

void
tf_color_scale_set_diverging (TfColorScale *self,
                              gboolean      diverging)
{
  g_return_if_fail (TF_IS_COLOR_SCALE (self));

  self->diverging = !!diverging;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
tf_color_scale_set_labels (TfColorScale *self,
                           const char   *low,
                           const char   *high)
{
  g_return_if_fail (TF_IS_COLOR_SCALE (self));

  g_free (self->low);
  g_free (self->high);
  self->low = g_strdup (low ? low : C_("colour scale", "low"));
  self->high = g_strdup (high ? high : C_("colour scale", "high"));
  update_accessible (self);
  gtk_widget_queue_resize (GTK_WIDGET (self));
}

const char *
tf_color_scale_get_low (TfColorScale *self)
{
  g_return_val_if_fail (TF_IS_COLOR_SCALE (self), NULL);
  return self->low;
}

const char *
tf_color_scale_get_high (TfColorScale *self)
{
  g_return_val_if_fail (TF_IS_COLOR_SCALE (self), NULL);
  return self->high;
}
