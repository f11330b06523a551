/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <cairo-svg.h>
#include <limits.h>
#include <locale.h>
#include <math.h>
#include <string.h>

#include "tf-chart.h"
#include "tf-widgets-private.h"

void
tf_chart_style_from_widget (GtkWidget     *widget,
                            TfChartStyle  *style,
                            char         **font)
{
  PangoFontDescription *desc;

  g_return_if_fail (GTK_IS_WIDGET (widget));
  g_return_if_fail (style != NULL && font != NULL);

  desc = pango_context_get_font_description (gtk_widget_get_pango_context (widget));
  *font = desc ? pango_font_description_to_string (desc) : g_strdup ("Sans 10");
  tf_widget_get_fg (widget, &style->fg);
  style->bg = (GdkRGBA) { 0, 0, 0, 0 };
  style->font = *font;
}

void
tf_chart_style_for_file (TfChartStyle *style)
{
  g_return_if_fail (style != NULL);

  style->fg = (GdkRGBA) { 0.14f, 0.12f, 0.19f, 1 };
  style->bg = (GdkRGBA) { 1, 1, 1, 1 };
  style->font = "Sans 10";
}

double
tf_chart_nice_step (double range,
                    int    ticks)
{
  double raw, mag, norm;

  if (!(range > 0) || !isfinite (range))
    return 1;
  raw = range / MAX (ticks, 1);
  mag = pow (10, floor (log10 (raw)));
  norm = raw / mag;
  return (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 5 ? 5 : 10) * mag;
}

PangoLayout *
tf_chart_layout (cairo_t            *cr,
                 const TfChartStyle *style,
                 const char         *text,
                 gboolean            bold)
{
  PangoLayout *layout = pango_cairo_create_layout (cr);
  PangoFontDescription *font = pango_font_description_from_string (style->font ? style->font : "Sans 10");

  if (bold)
    pango_font_description_set_weight (font, PANGO_WEIGHT_BOLD);
  pango_layout_set_font_description (layout, font);
  pango_layout_set_text (layout, text, -1);
  pango_font_description_free (font);
  return layout;
}

void
tf_chart_text_size (cairo_t            *cr,
                    const TfChartStyle *style,
                    const char         *text,
                    int                *width,
                    int                *height)
{
  PangoLayout *layout = tf_chart_layout (cr, style, text, FALSE);

  pango_layout_get_pixel_size (layout, width, height);
  g_object_unref (layout);
}

void
tf_chart_draw_text (cairo_t            *cr,
                    const TfChartStyle *style,
                    const double       *rgb,
                    const char         *text,
                    double              x,
                    double              y,
                    double              xalign,
                    double              yalign,
                    double              angle,
                    gboolean            bold)
{
  PangoLayout *layout = tf_chart_layout (cr, style, text, bold);
  int w, h;

  pango_layout_get_pixel_size (layout, &w, &h);
  cairo_save (cr);
  if (rgb)
    cairo_set_source_rgb (cr, rgb[0], rgb[1], rgb[2]);
  else
    gdk_cairo_set_source_rgba (cr, &style->fg);
  cairo_translate (cr, x, y);
  cairo_rotate (cr, angle);
  cairo_move_to (cr, -xalign * w, -yalign * h);
  pango_cairo_show_layout (cr, layout);
  cairo_restore (cr);
  g_object_unref (layout);
}

void
tf_chart_set_fg (cairo_t            *cr,
                 const TfChartStyle *style,
                 double              alpha)
{
  cairo_set_source_rgba (cr, style->fg.red, style->fg.green, style->fg.blue, style->fg.alpha * alpha);
}

void
tf_chart_draw_background (cairo_t            *cr,
                          const TfChartStyle *style,
                          double              width,
                          double              height)
{
  if (style->bg.alpha <= 0)
    return;
  gdk_cairo_set_source_rgba (cr, &style->bg);
  cairo_rectangle (cr, 0, 0, width, height);
  cairo_fill (cr);
}

static cairo_status_t
append_cb (void                *closure,
           const unsigned char *data,
           unsigned int         length)
{
  g_byte_array_append (closure, data, length);
  return CAIRO_STATUS_SUCCESS;
}

cairo_status_t
tf_chart_render (double           width,
                 double           height,
                 double           png_scale,
                 TfChartDrawFunc  draw,
                 gpointer         data,
                 GByteArray      *out)
{
  gboolean png = png_scale > 0;
  cairo_surface_t *surface;
  cairo_status_t status;
  cairo_t *cr;

  g_return_val_if_fail (draw != NULL && out != NULL, CAIRO_STATUS_NULL_POINTER);

  if (png)
    /* whole pixels: less a rounding error, so 493.2 pt at 300 dpi are
     * 2055 pixels, not 2056 */
    surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, (int) ceil (width * png_scale - 1e-6),
                                          (int) ceil (height * png_scale - 1e-6));
  else
    surface = cairo_svg_surface_create_for_stream (append_cb, out, width, height);
  cr = cairo_create (surface);
  if (png)
    cairo_scale (cr, png_scale, png_scale);
  draw (cr, data);
  status = cairo_status (cr);
  cairo_destroy (cr);
  if (png)
    {
      cairo_surface_flush (surface);
      if (status == CAIRO_STATUS_SUCCESS)
        status = cairo_surface_write_to_png_stream (surface, append_cb, out);
    }
  else
    {
      /* an SVG surface writes its end when finished */
      cairo_surface_finish (surface);
      if (status == CAIRO_STATUS_SUCCESS)
        status = cairo_surface_status (surface);
    }
  cairo_surface_destroy (surface);
  return status;
}

char *
tf_format_count (gint64 n)
{
  const struct lconv *lc = localeconv ();
  const char *sep = lc->thousands_sep, *grouping = lc->grouping;
  char digits[32];
  g_autoptr(GPtrArray) groups = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GString) out = g_string_new (n < 0 ? "-" : "");
  int end, i = 0;

  g_snprintf (digits, sizeof digits, "%" G_GUINT64_FORMAT, n < 0 ? -(guint64) n : (guint64) n);
  if (sep == NULL || *sep == '\0' || grouping == NULL || *grouping <= 0 || *grouping == CHAR_MAX)
    return g_strconcat (out->str, digits, NULL);
  /* grouping[i] is the size of the i-th group from the right; the last one
   * repeats, CHAR_MAX ends the grouping */
  for (end = (int) strlen (digits); end > 0;)
    {
      int size = grouping[i], take = size <= 0 || size == CHAR_MAX ? end : MIN (size, end);

      g_ptr_array_add (groups, g_strndup (digits + end - take, take));
      end -= take;
      if (grouping[i + 1] != '\0')
        i++;
    }
  for (guint k = groups->len; k-- > 0;)
    {
      g_string_append (out, g_ptr_array_index (groups, k));
      if (k > 0)
        g_string_append (out, sep);
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}
