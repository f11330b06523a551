/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Colour maps for attention overlays (perceptually uniform ones first). */
#pragma once

#include <glib.h>
#include <stdint.h>

G_BEGIN_DECLS

typedef enum
{
  TF_COLORMAP_VIRIDIS,
  TF_COLORMAP_MAGMA,
  TF_COLORMAP_INFERNO,
  TF_COLORMAP_TURBO,
  TF_COLORMAP_GRAY,
  TF_N_COLORMAPS,
} TfColormap;

/* Stable names, as stored in GSettings ("viridis", ...); -1 when unknown. */
const char *tf_colormap_to_string   (TfColormap  map);
int         tf_colormap_from_string (const char *name);
/* @t in 0..1 (clamped) -> 8-bit RGB. */
void        tf_colormap_lookup      (TfColormap  map,
                                     double      t,
                                     uint8_t     rgb[3]);

G_END_DECLS
