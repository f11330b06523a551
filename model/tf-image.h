/* SPDX-License-Identifier: GPL-3.0-or-later */
/* From decoded pixels to the model's input tensor. */
#pragma once

#include <glib.h>

#include "tf-model.h"

G_BEGIN_DECLS

/* The taps of a 1-D resampling from @in to @out samples: PIL's BILINEAR,
 * the triangle filter widened by the scale when shrinking, taps outside the
 * image dropped and the rest normalised. Output sample i reads count[i]
 * source samples from first[i], weighted by weights[i * max_taps + k]. */
typedef struct
{
  int    *first;
  int    *count;
  double *weights;   /* [out][max_taps] */
  int     max_taps;
} TfTaps;

void tf_taps_init            (TfTaps      *taps,
                              int          in,
                              int          out);
void tf_taps_clear           (TfTaps      *taps);

/* Resamples one float plane (src_w x src_h) to dst_w x dst_h with the
 * separable triangle filter widened by the scale when shrinking (PIL's
 * BILINEAR, torch's interpolate(mode="bilinear", antialias=True,
 * align_corners=False)). */
void tf_image_resample_plane (const float *src,
                              int          src_w,
                              int          src_h,
                              float       *dst,
                              int          dst_w,
                              int          dst_h);

/* @pixels: 8-bit RGB or RGBA (@channels 3 or 4), rows @stride bytes apart.
 * Writes @spec->size^2 x 3 floats to @out ([3][S][S]): for "gray" models the
 * luma 0.299 R + 0.587 G + 0.114 B is taken first and copied to the three
 * channels; the plane(s) are resampled to S x S, then (x - mean) / std. */
void tf_image_to_input       (const guint8      *pixels,
                              int                width,
                              int                height,
                              int                stride,
                              int                channels,
                              const TfInputSpec *spec,
                              float             *out);

G_END_DECLS
