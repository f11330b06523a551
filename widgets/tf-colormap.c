/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Colour maps: matplotlib's published 256-entry tables (see
 * tf-colormap-data.h), interpolated linearly between entries so a smooth
 * map stays smooth, and a plain gray ramp. */
#include <math.h>
#include <string.h>

#include "tf-colormap.h"
#include "tf-colormap-data.h"

static const char * const colormap_names[TF_N_COLORMAPS] = {
  [TF_COLORMAP_VIRIDIS] = "viridis",
  [TF_COLORMAP_MAGMA] = "magma",
  [TF_COLORMAP_INFERNO] = "inferno",
  [TF_COLORMAP_TURBO] = "turbo",
  [TF_COLORMAP_GRAY] = "gray",
};

const char *
tf_colormap_to_string (TfColormap map)
{
  g_return_val_if_fail ((int) map >= 0 && map < TF_N_COLORMAPS, NULL);

  return colormap_names[map];
}

int
tf_colormap_from_string (const char *name)
{
  if (name == NULL)
    return -1;
  for (int i = 0; i < TF_N_COLORMAPS; i++)
    if (strcmp (name, colormap_names[i]) == 0)
      return i;
  return -1;
}

static uint8_t
to_byte (float v)
{
  long b = lrintf (v * 255.0f);

  return (uint8_t) CLAMP (b, 0, 255);
}

void
tf_colormap_lookup (TfColormap map,
                    double     t,
                    uint8_t    rgb[3])
{
  const float (*table)[3];
  double pos, frac;
  int i;

  g_return_if_fail (rgb != NULL);

  if (!(t > 0.0))             /* also NaN */
    t = 0.0;
  if (t > 1.0)
    t = 1.0;

  switch (map)
    {
    case TF_COLORMAP_VIRIDIS: table = viridis_data; break;
    case TF_COLORMAP_MAGMA:   table = magma_data; break;
    case TF_COLORMAP_INFERNO: table = inferno_data; break;
    case TF_COLORMAP_TURBO:   table = turbo_data; break;
    case TF_COLORMAP_GRAY:
    case TF_N_COLORMAPS:
    default:
      rgb[0] = rgb[1] = rgb[2] = to_byte ((float) t);
      return;
    }

  pos = t * 255.0;
  i = (int) pos;
  if (i >= 255)
    i = 254;
  frac = pos - i;
  for (int c = 0; c < 3; c++)
    rgb[c] = to_byte ((float) (table[i][c] * (1.0 - frac) + table[i + 1][c] * frac));
}
