/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What the figures share (TfPlot, TfConfusion and the statistics page's
 * plots): the colours and font a figure is drawn with (the theme's on
 * screen, black on white in files), text placed by an anchor and turned,
 * and tick steps of 1, 2 or 5 times a power of ten. Plain cairo, so one
 * function draws a figure on screen, into a PNG and into an SVG. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

typedef struct
{
  GdkRGBA     fg;
  GdkRGBA     bg;      /* alpha 0: none */
  const char *font;    /* a Pango font description */
} TfChartStyle;

/* The GNOME palette's blue 3, used where a figure has one colour. */
#define TF_CHART_BLUE   { 0x35 / 255.0f, 0x84 / 255.0f, 0xe4 / 255.0f, 1 }
#define TF_CHART_ORANGE { 0xff / 255.0f, 0x78 / 255.0f, 0x00 / 255.0f, 1 }
#define TF_CHART_GREEN  { 0x2e / 255.0f, 0xc2 / 255.0f, 0x7e / 255.0f, 1 }
#define TF_CHART_PURPLE { 0x91 / 255.0f, 0x41 / 255.0f, 0xac / 255.0f, 1 }

/* @widget's foreground colour and font, no background; the font's
 * description goes to *@font (g_free), which @style points to. */
void         tf_chart_style_from_widget (GtkWidget          *widget,
                                         TfChartStyle       *style,
                                         char              **font);
/* Black on white in "Sans 10": what files are drawn with. */
void         tf_chart_style_for_file    (TfChartStyle       *style);

/* A tick step of 1, 2 or 5 times a power of ten giving about @ticks steps
 * over @range (> 0). */
double       tf_chart_nice_step         (double              range,
                                         int                 ticks);

PangoLayout *tf_chart_layout            (cairo_t            *cr,
                                         const TfChartStyle *style,
                                         const char         *text,
                                         gboolean            bold);
void         tf_chart_text_size         (cairo_t            *cr,
                                         const TfChartStyle *style,
                                         const char         *text,
                                         int                *width,
                                         int                *height);
/* @text with its (@xalign, @yalign) point at (@x, @y), turned by @angle,
 * in @rgb (NULL: the foreground). */
void         tf_chart_draw_text         (cairo_t            *cr,
                                         const TfChartStyle *style,
                                         const double       *rgb,
                                         const char         *text,
                                         double              x,
                                         double              y,
                                         double              xalign,
                                         double              yalign,
                                         double              angle,
                                         gboolean            bold);
/* The foreground at @alpha of its own alpha, as cairo's source. */
void         tf_chart_set_fg            (cairo_t            *cr,
                                         const TfChartStyle *style,
                                         double              alpha);
void         tf_chart_draw_background   (cairo_t            *cr,
                                         const TfChartStyle *style,
                                         double              width,
                                         double              height);

/* What a figure file holds: @draw's drawing of @width x @height (cairo
 * units) appended to @out, as a PNG of @png_scale pixels a unit, or as an
 * SVG when @png_scale is 0. The status of cairo's drawing, then writing. */
typedef void (*TfChartDrawFunc) (cairo_t *cr,
                                 gpointer data);
cairo_status_t tf_chart_render          (double              width,
                                         double              height,
                                         double              png_scale,
                                         TfChartDrawFunc     draw,
                                         gpointer            data,
                                         GByteArray         *out);

/* @n with the locale's thousands separators ("1,204") */
char        *tf_format_count            (gint64              n);

G_END_DECLS
