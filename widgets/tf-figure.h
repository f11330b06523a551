/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Figures for a paper or a slide, drawn with cairo on any surface: the face
 * inspector's panels for one face (the crop, each LANet map over it, their
 * max, the rollout, the occlusion map when computed, the head grid, the
 * probabilities and a caption), and a contact sheet of many faces (a row
 * each: the crop, each LANet map, the max, the rollout). Sizes are in
 * points (1/72 inch); PNG files are rendered at TF_FIGURE_DPI. */
#pragma once

#include <cairo.h>

#include "tf-colormap.h"
#include "tf-face-probe.h"

G_BEGIN_DECLS

#define TF_FIGURE_DPI       300
/* the text width of an A4 page set in two columns (174 mm), rounded to
 * whole pixels: 2055 px at 300 dpi */
#define TF_FIGURE_WIDTH_PX  2055
#define TF_FIGURE_WIDTH_PT  (TF_FIGURE_WIDTH_PX * 72.0 / TF_FIGURE_DPI)

typedef enum
{
  TF_FIGURE_PNG,
  TF_FIGURE_SVG,
} TfFigureFormat;

typedef struct
{
  TfColormap  colormap;
  double      opacity;      /* of the maps over the crop, 0..1 */
  const char *model;        /* the model's name for the caption (NULL: none) */
  gboolean    as_model;     /* the crop in grayscale for a model that reads
                             * luma (the probe's input_gray), as the
                             * inspector's "as the model sees it" */
  const char *compare_model; /* the name of the model in probe->compare
                              * (NULL: "compared model") */
} TfFigureStyle;

/* the style the inspector starts with: viridis at 0.6, the crop in colour */
#define TF_FIGURE_STYLE_INIT { TF_COLORMAP_VIRIDIS, 0.6, NULL, FALSE, NULL }

/* The figure of @probe: its size in points, and its drawing on @cr (in
 * points from (0, 0), white background included). */
void      tf_figure_get_size    (const TfFaceProbe    *probe,
                                 double               *width,
                                 double               *height);
void      tf_figure_draw        (cairo_t              *cr,
                                 const TfFaceProbe    *probe,
                                 const TfFigureStyle  *style);

/* The contact sheet of @n_probes faces. */
void      tf_contact_sheet_get_size (TfFaceProbe * const *probes,
                                     guint                n_probes,
                                     double              *width,
                                     double              *height);
void      tf_contact_sheet_draw (cairo_t              *cr,
                                 TfFaceProbe * const  *probes,
                                 guint                 n_probes,
                                 const TfFigureStyle  *style);

/* What a file of the figure (or the sheet) holds, as @format, appended to
 * @out; @width and @height (may be NULL) get its size: pixels for PNG (at
 * TF_FIGURE_DPI, less for a sheet taller than a PNG may be), points for
 * SVG. FALSE with an error when cairo fails. Safe in a thread; the caller
 * writes the bytes (tf_atomic_file_set_contents). */
gboolean  tf_figure_render      (const TfFaceProbe    *probe,
                                 const TfFigureStyle  *style,
                                 TfFigureFormat        format,
                                 GByteArray           *out,
                                 int                  *width,
                                 int                  *height,
                                 GError              **error);
gboolean  tf_contact_sheet_render (TfFaceProbe * const *probes,
                                 guint                 n_probes,
                                 const TfFigureStyle  *style,
                                 TfFigureFormat        format,
                                 GByteArray           *out,
                                 int                  *width,
                                 int                  *height,
                                 GError              **error);

G_END_DECLS
