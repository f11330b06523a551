/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Figures with cairo: the same colours as the widgets on screen (the heat
 * map's pixels come from the attention overlay, the cells' colours from
 * the head grid, the percentages and the marked class from the probability
 * bars), laid out for print: white paper, black text, sizes in points.
 * Text goes through pango at 72 units per inch with metrics unhinted, so a
 * PNG and an SVG of the same figure lay out alike. */
#include <glib/gi18n.h>
#include <math.h>
#include <pango/pangocairo.h>

#include "tf-chart.h"
#include "tf-figure.h"
#include "tf-widgets-private.h"

#define MARGIN        12.0
#define GAP           6.0
#define PANEL_MAX     120.0     /* a face panel is not drawn larger */
#define LABEL_H       11.0      /* a panel's name under it */
#define TITLE_H       12.0      /* a section's title */
#define RANGE_H       8.0       /* the occlusion's scale, under its name */
#define BAR_ROW       11.0
#define BAR_THICK     5.0
#define CELL_MAX      12.0
#define LEGEND_BAR    5.0
#define SHEET_CELL    64.0
#define SHEET_GAP     4.0
#define SHEET_ROW_LABEL 10.0
#define PNG_MAX_SIDE  32000     /* cairo's image surfaces stop at 32767 */

#define FONT          "Sans 7"
#define FONT_BOLD     "Sans Bold 7"
#define FONT_SMALL    "Sans 6"

/* the libadwaita accent blue, and its text gray, for the paper */
static const double accent[3] = { 0.208, 0.518, 0.894 };
static const double ink[3] = { 0.0, 0.0, 0.0 };
static const double dim[3] = { 0.36, 0.36, 0.36 };

/* ---- text */

static PangoLayout *
make_layout (cairo_t    *cr,
             const char *text,
             const char *font,
             double      width)   /* <= 0: one line, not cut */
{
  PangoLayout *layout = pango_cairo_create_layout (cr);
  PangoContext *context = pango_layout_get_context (layout);
  cairo_font_options_t *options = cairo_font_options_create ();
  PangoFontDescription *desc = pango_font_description_from_string (font);

  cairo_font_options_set_hint_metrics (options, CAIRO_HINT_METRICS_OFF);
  cairo_font_options_set_hint_style (options, CAIRO_HINT_STYLE_NONE);
  pango_cairo_context_set_font_options (context, options);
  pango_cairo_context_set_resolution (context, 72.0);
  pango_layout_context_changed (layout);
  pango_layout_set_font_description (layout, desc);
  pango_layout_set_text (layout, text, -1);
  if (width > 0)
    {
      pango_layout_set_width (layout, (int) (width * PANGO_SCALE));
      pango_layout_set_ellipsize (layout, PANGO_ELLIPSIZE_END);
    }
  pango_font_description_free (desc);
  cairo_font_options_destroy (options);
  return layout;
}

static void
text_size (cairo_t    *cr,
           const char *text,
           const char *font,
           double     *width,
           double     *height)
{
  g_autoptr (PangoLayout) layout = make_layout (cr, text, font, -1);
  PangoRectangle logical;

  pango_layout_get_extents (layout, NULL, &logical);
  if (width != NULL)
    *width = (double) logical.width / PANGO_SCALE;
  if (height != NULL)
    *height = (double) logical.height / PANGO_SCALE;
}

/* @text at (@x, @y) (its top), @align 0 left of x, 0.5 centred, 1 right;
 * cut with an ellipsis to @width when > 0 */
static void
show_text (cairo_t      *cr,
           const char   *text,
           const char   *font,
           const double  color[3],
           double        x,
           double        y,
           double        align,
           double        width)
{
  g_autoptr (PangoLayout) layout = make_layout (cr, text, font, width);
  PangoRectangle logical;

  pango_layout_get_extents (layout, NULL, &logical);
  cairo_save (cr);
  cairo_set_source_rgb (cr, color[0], color[1], color[2]);
  cairo_move_to (cr, x - align * logical.width / PANGO_SCALE, y);
  pango_cairo_show_layout (cr, layout);
  cairo_restore (cr);
}

/* ---- pictures */

static cairo_surface_t *
crop_surface (const TfFaceProbe   *probe,
              const TfFigureStyle *style)
{
  cairo_surface_t *surface;
  int w, h;

  if (probe->crop == NULL)
    return NULL;
  w = gdk_texture_get_width (probe->crop);
  h = gdk_texture_get_height (probe->crop);
  surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, w, h);
  if (cairo_surface_status (surface) != CAIRO_STATUS_SUCCESS)
    return surface;
  cairo_surface_flush (surface);
  /* GdkTexture's download format is cairo's ARGB32 */
  gdk_texture_download (probe->crop, cairo_image_surface_get_data (surface),
                        cairo_image_surface_get_stride (surface));
  if (style->as_model && probe->input_gray)
    for (int y = 0; y < h; y++)
      {
        guint32 *row = (guint32 *) (cairo_image_surface_get_data (surface)
                                    + (gsize) y * cairo_image_surface_get_stride (surface));

        for (int x = 0; x < w; x++)
          {
            /* the luma weights of tf_image_to_input, as the overlay's */
            guint32 px = row[x];
            guint32 l = (guint32) lrintf (0.299f * ((px >> 16) & 0xff) + 0.587f * ((px >> 8) & 0xff)
                                          + 0.114f * (px & 0xff));

            row[x] = (px & 0xff000000u) | (l << 16) | (l << 8) | l;
          }
      }
  cairo_surface_mark_dirty (surface);
  return surface;
}

/* a RGB24 surface of @side x @side from packed RGB bytes */
static cairo_surface_t *
rgb_surface (const guint8 *rgb,
             int           side)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, side, side);
  guint8 *data;
  int stride;

  if (cairo_surface_status (surface) != CAIRO_STATUS_SUCCESS)
    return surface;
  cairo_surface_flush (surface);
  data = cairo_image_surface_get_data (surface);
  stride = cairo_image_surface_get_stride (surface);
  for (int y = 0; y < side; y++)
    {
      guint32 *row = (guint32 *) (data + (gsize) y * stride);
      const guint8 *in = rgb + (gsize) y * side * 3;

      for (int x = 0; x < side; x++)
        row[x] = 0xff000000u | ((guint32) in[3 * x] << 16) | ((guint32) in[3 * x + 1] << 8) | in[3 * x + 2];
    }
  cairo_surface_mark_dirty (surface);
  return surface;
}

/* the overlay's heat map of @map, as the inspector draws it */
static cairo_surface_t *
heat_surface (const float *map,
              int          g,
              TfColormap   colormap)
{
  int side = tf_attention_heat_side (g);
  g_autofree guint8 *rgb = tf_attention_heat_rgb (map, g, colormap, side);

  return rgb_surface (rgb, side);
}

/* the occlusion map, one square per place, on the head grid's diverging
 * scale symmetric around 0 (blue: hiding it lowers the predicted class) */
static cairo_surface_t *
occlusion_surface (const float *map,
                   int          g,
                   double      *scale)
{
  g_autofree guint8 *rgb = g_new (guint8, (gsize) g * g * 3);
  float m = 0;

  for (int i = 0; i < g * g; i++)
    if (isfinite (map[i]))
      m = MAX (m, fabsf (map[i]));
  if (m < 1e-9f)
    m = 1e-9f;
  for (int i = 0; i < g * g; i++)
    {
      /* a drop is a fall of the probability: negative on the scale */
      GdkRGBA c = tf_color_scale_diverging (isfinite (map[i]) ? -map[i] / m : 0);

      rgb[3 * i + 0] = (guint8) lrintf (c.red * 255);
      rgb[3 * i + 1] = (guint8) lrintf (c.green * 255);
      rgb[3 * i + 2] = (guint8) lrintf (c.blue * 255);
    }
  *scale = m;
  return rgb_surface (rgb, g);
}

/* @surface scaled into the square (@x, @y, @side) with @alpha */
static void
paint_square (cairo_t         *cr,
              cairo_surface_t *surface,
              double           x,
              double           y,
              double           side,
              double           alpha,
              cairo_filter_t   filter)
{
  int w = cairo_image_surface_get_width (surface);
  int h = cairo_image_surface_get_height (surface);

  if (w <= 0 || h <= 0)
    return;
  cairo_save (cr);
  cairo_rectangle (cr, x, y, side, side);
  cairo_clip (cr);
  cairo_translate (cr, x, y);
  cairo_scale (cr, side / w, side / h);
  cairo_set_source_surface (cr, surface, 0, 0);
  cairo_pattern_set_filter (cairo_get_source (cr), filter);
  cairo_pattern_set_extend (cairo_get_source (cr), CAIRO_EXTEND_PAD);
  cairo_paint_with_alpha (cr, alpha);
  cairo_restore (cr);
}

/* one face panel: the crop (gray without one), @over (may be NULL) on it,
 * a hairline around, @label under it */
static void
draw_panel (cairo_t         *cr,
            cairo_surface_t *crop,
            cairo_surface_t *over,
            cairo_filter_t   over_filter,
            double           opacity,
            double           x,
            double           y,
            double           side,
            const char      *label)
{
  if (crop != NULL)
    paint_square (cr, crop, x, y, side, 1.0, CAIRO_FILTER_GOOD);
  else
    {
      cairo_set_source_rgb (cr, 0.85, 0.85, 0.85);
      cairo_rectangle (cr, x, y, side, side);
      cairo_fill (cr);
    }
  if (over != NULL)
    paint_square (cr, over, x, y, side, opacity, over_filter);
  cairo_set_source_rgb (cr, 0.6, 0.6, 0.6);
  cairo_set_line_width (cr, 0.5);
  cairo_rectangle (cr, x + 0.25, y + 0.25, side - 0.5, side - 0.5);
  cairo_stroke (cr);
  if (label != NULL)
    show_text (cr, label, FONT, ink, x + side / 2, y + side + 1.5, 0.5, side + GAP);
}

/* ---- the panels of one face */

typedef struct
{
  const float *map;       /* NULL: the crop alone */
  char        *label;
  gboolean     occlusion;
} Panel;

static void
panel_clear (gpointer data)
{
  g_free (((Panel *) data)->label);
}

/* the face panels of @probe, in order */
static GArray *
face_panels (const TfFaceProbe *probe)
{
  GArray *panels = g_array_new (FALSE, TRUE, sizeof (Panel));
  int gg = probe->grid * probe->grid;
  Panel p = { 0 };

  g_array_set_clear_func (panels, panel_clear);
  p.label = g_strdup (C_("figure", "Face"));
  g_array_append_val (panels, p);
  if (probe->grid > 0 && probe->lanet_maps != NULL)
    for (int b = 0; b < probe->lanets; b++)
      {
        p.map = probe->lanet_maps + (gsize) b * gg;
        /* TRANSLATORS: a panel of a figure: the map of LANet number %d */
        p.label = g_strdup_printf (C_("figure", "LANet %d"), b + 1);
        g_array_append_val (panels, p);
      }
  if (probe->grid > 0 && probe->lanet_max != NULL)
    {
      p.map = probe->lanet_max;
      p.label = g_strdup (C_("figure", "Max of LANets"));
      g_array_append_val (panels, p);
    }
  if (probe->grid > 0 && probe->rollout != NULL)
    {
      p.map = probe->rollout;
      p.label = g_strdup (C_("figure", "Rollout"));
      g_array_append_val (panels, p);
    }
  if (probe->occlusion_map != NULL && probe->occlusion_grid > 0)
    {
      p.map = probe->occlusion_map;
      p.occlusion = TRUE;
      p.label = g_strdup (C_("figure", "Occlusion"));
      g_array_append_val (panels, p);
    }
  return panels;
}

/* where the parts of the figure go */
typedef struct
{
  double width, height;
  guint  n_panels;
  double side;                  /* a face panel's */
  double row2_y, row2_h;
  double grid_w;                /* the head grid's column */
  double caption_y;
} FigureLayout;

static double
head_grid_height (const TfFaceProbe *probe,
                  double             width,
                  double            *cell)
{
  if (probe->head_contrib == NULL || probe->depth <= 0 || probe->heads <= 0)
    {
      *cell = 0;
      return 0;
    }
  *cell = MIN (CELL_MAX, (width - 14) / probe->heads);
  /* the title, the heads' numbers, the cells, the legend and its words */
  return TITLE_H + 9 + *cell * probe->depth + 4 + LEGEND_BAR + 9;
}

static double
bars_height (const TfFaceProbe *probe)
{
  if (probe == NULL || probe->probs == NULL || probe->classes <= 0)
    return 0;
  return TITLE_H + BAR_ROW * probe->classes;
}

static char *
caption_text (const TfFaceProbe   *probe,
              const TfFigureStyle *style)
{
  GString *text = g_string_new (NULL);
  g_autofree char *base = probe->file != NULL ? g_path_get_basename (probe->file) : NULL;
  int k = tf_prob_bars_predicted (probe);

  g_string_append (text, base != NULL ? base : C_("figure", "(no file)"));
  if (probe->frame > 0 || probe->time_s > 0)
    /* TRANSLATORS: a figure's caption: the frame of a video and its time in seconds */
    g_string_append_printf (text, C_("figure", " · frame %lld (%.2f s)"),
                            (long long) probe->frame, probe->time_s);
  if (probe->face >= 0)
    /* TRANSLATORS: a figure's caption: the face's number in its picture or frame */
    g_string_append_printf (text, C_("figure", " · face %d"), probe->face + 1);
  if (k >= 0)
    {
      g_autofree char *name = tf_prob_bars_class_name (probe, k);
      g_autofree char *pct = tf_prob_bars_format_percent (probe->probs[k]);

      g_string_append_printf (text, " · %s %s", name, pct);
    }
  if (style != NULL && style->model != NULL && *style->model)
    /* TRANSLATORS: a figure's caption: the model's name */
    g_string_append_printf (text, C_("figure", " · model: %s"), style->model);
  return g_string_free (text, FALSE);
}

static void
figure_layout (cairo_t           *cr,
               const TfFaceProbe *probe,
               FigureLayout      *l)
{
  g_autoptr (GArray) panels = face_panels (probe);
  double inner, cell, grid_h, bar_h, caption_h;

  l->width = TF_FIGURE_WIDTH_PT;
  inner = l->width - 2 * MARGIN;
  l->n_panels = panels->len;
  l->side = MIN (PANEL_MAX, (inner - (l->n_panels - 1) * GAP) / l->n_panels);
  l->row2_y = MARGIN + l->side + LABEL_H + GAP;
  /* the occlusion's scale under its name */
  if (probe->occlusion_map != NULL && probe->occlusion_grid > 0)
    l->row2_y += RANGE_H;
  l->grid_w = floor (inner * 0.42);
  grid_h = head_grid_height (probe, l->grid_w, &cell);
  bar_h = bars_height (probe);
  if (probe->compare != NULL && bars_height (probe->compare) > 0)
    bar_h += GAP + bars_height (probe->compare);
  l->row2_h = MAX (grid_h, bar_h);
  l->caption_y = l->row2_y + l->row2_h + (l->row2_h > 0 ? GAP : 0);
  text_size (cr, "Ag", FONT, NULL, &caption_h);
  l->height = ceil (l->caption_y + caption_h + MARGIN);
}

static void
draw_head_grid (cairo_t             *cr,
                const TfFaceProbe   *probe,
                const TfFigureStyle *style,
                double               x,
                double               y,
                double               width)
{
  double cell, label_w = 14, x0, y0, legend_w;
  cairo_pattern_t *gradient;

  if (head_grid_height (probe, width, &cell) <= 0)
    return;
  /* TRANSLATORS: a figure's section: rows are blocks, columns heads */
  show_text (cr, C_("figure", "Head contributions (block × head)"), FONT_BOLD, ink, x, y, 0, width);
  x0 = x + label_w;
  y0 = y + TITLE_H + 9;
  for (int h = 0; h < probe->heads; h++)
    {
      g_autofree char *n = g_strdup_printf ("%d", h + 1);

      show_text (cr, n, FONT_SMALL, dim, x0 + (h + 0.5) * cell, y + TITLE_H, 0.5, -1);
    }
  for (int b = 0; b < probe->depth; b++)
    {
      g_autofree char *n = g_strdup_printf ("%d", b + 1);

      show_text (cr, n, FONT_SMALL, dim, x0 - 3, y0 + (b + 0.5) * cell - 4, 1, -1);
      for (int h = 0; h < probe->heads; h++)
        {
          GdkRGBA c = tf_head_grid_probe_color (probe, FALSE, style->colormap, b, h);

          cairo_set_source_rgb (cr, c.red, c.green, c.blue);
          cairo_rectangle (cr, x0 + h * cell + 0.5, y0 + b * cell + 0.5, cell - 1, cell - 1);
          cairo_fill (cr);
        }
    }

  /* the colour map's scale, 0 to the block's largest share, wide enough
   * for its words */
  y0 += cell * probe->depth + 4;
  text_size (cr, _("block’s largest"), FONT_SMALL, &legend_w, NULL);
  legend_w = MAX (cell * probe->heads, legend_w + 16);
  gradient = cairo_pattern_create_linear (x0, 0, x0 + legend_w, 0);
  for (int i = 0; i <= 8; i++)
    {
      uint8_t rgb[3];

      tf_colormap_lookup (style->colormap, i / 8.0, rgb);
      cairo_pattern_add_color_stop_rgb (gradient, i / 8.0, rgb[0] / 255.0, rgb[1] / 255.0, rgb[2] / 255.0);
    }
  cairo_set_source (cr, gradient);
  cairo_rectangle (cr, x0, y0, legend_w, LEGEND_BAR);
  cairo_fill (cr);
  cairo_pattern_destroy (gradient);
  show_text (cr, "0", FONT_SMALL, dim, x0, y0 + LEGEND_BAR + 1, 0, -1);
  show_text (cr, _("block’s largest"), FONT_SMALL, dim, x0 + legend_w, y0 + LEGEND_BAR + 1, 1, -1);
}

/* the probability bars, the marked class bold and in the accent colour;
 * returns the height drawn */
static double
draw_bars (cairo_t           *cr,
           const TfFaceProbe *probe,
           const char        *title,
           double             x,
           double             y,
           double             width)
{
  int marked = tf_prob_bars_predicted (probe);
  double name_w = 0, pct_w, bar_x, bar_w;
  g_autofree char *widest = tf_prob_bars_format_percent (1.0f);

  if (bars_height (probe) <= 0)
    return 0;
  show_text (cr, title, FONT_BOLD, ink, x, y, 0, width);
  for (int k = 0; k < probe->classes; k++)
    {
      g_autofree char *name = tf_prob_bars_class_name (probe, k);
      double w;

      text_size (cr, name, FONT_BOLD, &w, NULL);
      name_w = MAX (name_w, w);
    }
  name_w = MIN (name_w, width * 0.4);
  text_size (cr, widest, FONT, &pct_w, NULL);
  bar_x = x + 8 + name_w + GAP;
  bar_w = MAX (10.0, width - (bar_x - x) - GAP - pct_w);

  for (int k = 0; k < probe->classes; k++)
    {
      g_autofree char *name = tf_prob_bars_class_name (probe, k);
      g_autofree char *pct = tf_prob_bars_format_percent (probe->probs[k]);
      double ry = y + TITLE_H + k * BAR_ROW;
      double p = isfinite (probe->probs[k]) ? CLAMP (probe->probs[k], 0.0f, 1.0f) : 0.0;
      gboolean on = k == marked;

      if (on)
        {
          /* a triangle before the predicted class */
          cairo_set_source_rgb (cr, accent[0], accent[1], accent[2]);
          cairo_move_to (cr, x, ry + 2.5);
          cairo_line_to (cr, x + 5, ry + 5);
          cairo_line_to (cr, x, ry + 7.5);
          cairo_close_path (cr);
          cairo_fill (cr);
        }
      show_text (cr, name, on ? FONT_BOLD : FONT, ink, x + 8, ry, 0, name_w);
      cairo_set_source_rgb (cr, 0.9, 0.9, 0.9);
      cairo_rectangle (cr, bar_x, ry + (BAR_ROW - BAR_THICK) / 2 - 0.5, bar_w, BAR_THICK);
      cairo_fill (cr);
      if (on)
        cairo_set_source_rgb (cr, accent[0], accent[1], accent[2]);
      else
        cairo_set_source_rgb (cr, 0.55, 0.55, 0.55);
      cairo_rectangle (cr, bar_x, ry + (BAR_ROW - BAR_THICK) / 2 - 0.5, bar_w * p, BAR_THICK);
      cairo_fill (cr);
      show_text (cr, pct, on ? FONT_BOLD : FONT, ink, x + width, ry, 1, -1);
    }
  return bars_height (probe);
}

static void
paint_paper (cairo_t *cr,
             double   width,
             double   height)
{
  cairo_save (cr);
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_rectangle (cr, 0, 0, width, height);
  cairo_fill (cr);
  cairo_restore (cr);
}

void
tf_figure_get_size (const TfFaceProbe *probe,
                    double            *width,
                    double            *height)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 1, 1);
  cairo_t *cr = cairo_create (surface);
  FigureLayout l;

  g_return_if_fail (probe != NULL);

  figure_layout (cr, probe, &l);
  *width = l.width;
  *height = l.height;
  cairo_destroy (cr);
  cairo_surface_destroy (surface);
}

void
tf_figure_draw (cairo_t             *cr,
                const TfFaceProbe   *probe,
                const TfFigureStyle *style)
{
  static const TfFigureStyle plain = TF_FIGURE_STYLE_INIT;
  g_autoptr (GArray) panels = NULL;
  g_autofree char *caption = NULL;
  cairo_surface_t *crop;
  FigureLayout l;
  double x;

  g_return_if_fail (cr != NULL && probe != NULL);
  if (style == NULL)
    style = &plain;

  figure_layout (cr, probe, &l);
  paint_paper (cr, l.width, l.height);
  panels = face_panels (probe);
  crop = crop_surface (probe, style);

  x = MARGIN;
  for (guint i = 0; i < panels->len; i++)
    {
      const Panel *p = &g_array_index (panels, Panel, i);
      cairo_surface_t *over = NULL;
      cairo_filter_t filter = CAIRO_FILTER_GOOD;
      double scale = 0;

      if (p->occlusion)
        {
          over = occlusion_surface (p->map, probe->occlusion_grid, &scale);
          filter = CAIRO_FILTER_NEAREST;
        }
      else if (p->map != NULL)
        over = heat_surface (p->map, probe->grid, style->colormap);
      draw_panel (cr, crop, over, filter, style->opacity, x, MARGIN, l.side, p->label);
      if (p->occlusion)
        {
          /* TRANSLATORS: under the occlusion panel: the largest change of the
           * predicted class's probability, in percentage points (blue: hiding
           * the place lowers it, red: raises it) */
          g_autofree char *range = g_strdup_printf (C_("figure", "±%.1f pts"), scale * 100.0);

          show_text (cr, range, FONT_SMALL, dim, x + l.side / 2, MARGIN + l.side + LABEL_H, 0.5, l.side + GAP);
        }
      if (over != NULL)
        cairo_surface_destroy (over);
      x += l.side + GAP;
    }
  if (crop != NULL)
    cairo_surface_destroy (crop);

  draw_head_grid (cr, probe, style, MARGIN, l.row2_y, l.grid_w);
  {
    double bx = MARGIN + l.grid_w + 2 * GAP;
    double bw = l.width - MARGIN - bx;
    double h = draw_bars (cr, probe, C_("figure", "Probabilities"), bx, l.row2_y, bw);

    if (probe->compare != NULL)
      {
        g_autofree char *title = style->compare_model != NULL && *style->compare_model
                                 /* TRANSLATORS: a figure's section: the second model's probabilities; %s is its name */
                                 ? g_strdup_printf (C_("figure", "Probabilities, %s"), style->compare_model)
                                 : g_strdup (C_("figure", "Probabilities, compared model"));

        draw_bars (cr, probe->compare, title, bx, l.row2_y + h + GAP, bw);
      }
  }

  caption = caption_text (probe, style);
  show_text (cr, caption, FONT, dim, MARGIN, l.caption_y, 0, l.width - 2 * MARGIN);
}

/* ---- contact sheets */

static int
sheet_lanets (TfFaceProbe * const *probes,
              guint                n)
{
  int b = 0;

  for (guint i = 0; i < n; i++)
    if (probes[i]->lanet_maps != NULL)
      b = MAX (b, probes[i]->lanets);
  return b;
}

void
tf_contact_sheet_get_size (TfFaceProbe * const *probes,
                           guint                n_probes,
                           double              *width,
                           double              *height)
{
  int columns = 1 + sheet_lanets (probes, n_probes) + 2;

  *width = 2 * MARGIN + columns * SHEET_CELL + (columns - 1) * SHEET_GAP;
  *height = 2 * MARGIN + LABEL_H + n_probes * (SHEET_CELL + SHEET_ROW_LABEL + SHEET_GAP);
}

void
tf_contact_sheet_draw (cairo_t             *cr,
                       TfFaceProbe * const *probes,
                       guint                n_probes,
                       const TfFigureStyle *style)
{
  static const TfFigureStyle plain = TF_FIGURE_STYLE_INIT;
  int lanets = sheet_lanets (probes, n_probes);
  int columns = 1 + lanets + 2;
  double width, height, y;

  g_return_if_fail (cr != NULL);
  if (style == NULL)
    style = &plain;

  tf_contact_sheet_get_size (probes, n_probes, &width, &height);
  paint_paper (cr, width, height);

  /* the columns' names over the first row */
  for (int c = 0; c < columns; c++)
    {
      g_autofree char *name = NULL;
      double cx = MARGIN + c * (SHEET_CELL + SHEET_GAP) + SHEET_CELL / 2;

      if (c == 0)
        name = g_strdup (C_("figure", "Face"));
      else if (c <= lanets)
        name = g_strdup_printf (C_("figure", "LANet %d"), c);
      else if (c == lanets + 1)
        name = g_strdup (C_("figure", "Max of LANets"));
      else
        name = g_strdup (C_("figure", "Rollout"));
      show_text (cr, name, FONT_BOLD, ink, cx, MARGIN, 0.5, SHEET_CELL + SHEET_GAP);
    }

  y = MARGIN + LABEL_H;
  for (guint i = 0; i < n_probes; i++)
    {
      const TfFaceProbe *p = probes[i];
      cairo_surface_t *crop = crop_surface (p, style);
      int gg = p->grid * p->grid;
      g_autofree char *caption = caption_text (p, NULL);

      for (int c = 0; c < columns; c++)
        {
          const float *map = NULL;
          cairo_surface_t *over = NULL;
          double cx = MARGIN + c * (SHEET_CELL + SHEET_GAP);

          if (c == 0 || p->grid <= 0)
            map = NULL;
          else if (c <= lanets)
            map = p->lanet_maps != NULL && c <= p->lanets ? p->lanet_maps + (gsize) (c - 1) * gg : NULL;
          else if (c == lanets + 1)
            map = p->lanet_max;
          else
            map = p->rollout;
          if (c > 0 && map == NULL)
            {
              /* not computed: an empty cell, not the bare face */
              cairo_set_source_rgb (cr, 0.93, 0.93, 0.93);
              cairo_rectangle (cr, cx, y, SHEET_CELL, SHEET_CELL);
              cairo_fill (cr);
              show_text (cr, "—", FONT, dim, cx + SHEET_CELL / 2, y + SHEET_CELL / 2 - 4, 0.5, -1);
              continue;
            }
          if (map != NULL)
            over = heat_surface (map, p->grid, style->colormap);
          draw_panel (cr, crop, over, CAIRO_FILTER_GOOD, style->opacity, cx, y, SHEET_CELL, NULL);
          if (over != NULL)
            cairo_surface_destroy (over);
        }
      show_text (cr, caption, FONT_SMALL, dim, MARGIN, y + SHEET_CELL + 1,
                 0, width - 2 * MARGIN);
      if (crop != NULL)
        cairo_surface_destroy (crop);
      y += SHEET_CELL + SHEET_ROW_LABEL + SHEET_GAP;
    }
}

/* ---- files */

static double
png_scale (double width,
           double height)
{
  return MIN (TF_FIGURE_DPI / 72.0, PNG_MAX_SIDE / MAX (width, height));
}

static gboolean
render (double           width,
        double           height,
        TfChartDrawFunc  draw,
        gpointer         data,
        TfFigureFormat   format,
        GByteArray      *out,
        int             *out_width,
        int             *out_height,
        GError         **error)
{
  double scale = format == TF_FIGURE_PNG ? png_scale (width, height) : 0;
  cairo_status_t status = tf_chart_render (width, height, scale, draw, data, out);

  if (status != CAIRO_STATUS_SUCCESS)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   /* TRANSLATORS: %s is cairo's reason */
                   _("The figure could not be drawn: %s"), cairo_status_to_string (status));
      return FALSE;
    }
  /* as tf_chart_render rounds them */
  if (out_width != NULL)
    *out_width = scale > 0 ? (int) ceil (width * scale - 1e-6) : (int) ceil (width);
  if (out_height != NULL)
    *out_height = scale > 0 ? (int) ceil (height * scale - 1e-6) : (int) ceil (height);
  return TRUE;
}

typedef struct
{
  const TfFaceProbe   *probe;
  TfFaceProbe * const *probes;
  guint                n;
  const TfFigureStyle *style;
} Drawing;

static void
draw_figure_cb (cairo_t  *cr,
                gpointer  data)
{
  const Drawing *d = data;

  tf_figure_draw (cr, d->probe, d->style);
}

gboolean
tf_figure_render (const TfFaceProbe    *probe,
                  const TfFigureStyle  *style,
                  TfFigureFormat        format,
                  GByteArray           *out,
                  int                  *width,
                  int                  *height,
                  GError              **error)
{
  Drawing d = { probe, NULL, 0, style };
  double w, h;

  g_return_val_if_fail (probe != NULL && out != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  tf_figure_get_size (probe, &w, &h);
  return render (w, h, draw_figure_cb, &d, format, out, width, height, error);
}

static void
draw_sheet_cb (cairo_t  *cr,
               gpointer  data)
{
  const Drawing *d = data;

  tf_contact_sheet_draw (cr, d->probes, d->n, d->style);
}

gboolean
tf_contact_sheet_render (TfFaceProbe * const  *probes,
                         guint                 n_probes,
                         const TfFigureStyle  *style,
                         TfFigureFormat        format,
                         GByteArray           *out,
                         int                  *width,
                         int                  *height,
                         GError              **error)
{
  Drawing d = { NULL, probes, n_probes, style };
  double w, h;

  g_return_val_if_fail (probes != NULL || n_probes == 0, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  tf_contact_sheet_get_size (probes, n_probes, &w, &h);
  return render (w, h, draw_sheet_cb, &d, format, out, width, height, error);
}
