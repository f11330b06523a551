/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Training-time augmentation: decoded 8-bit pixels to the model input
 * [3][S][S], randomly warped, flipped, jittered and erased. */
#pragma once

#include <glib.h>

#include "tf-model.h"
#include "tf-rng.h"

G_BEGIN_DECLS

typedef struct
{
  /* geometry, one inverse-mapped bilinear warp from the image to S x S */
  float scale_min, scale_max;       /* zoom, uniform: 1 shows the whole image, 1.2 a 1/1.2 crop */
  float rotation;                   /* degrees, uniform in [-rotation, rotation] */
  float shift;                      /* fraction of the side, uniform in [-shift, shift] per axis */
  float flip_p;                     /* horizontal flip probability */
  /* photometric, on the 0-255 scale before normalisation, result clamped */
  float brightness;                 /* v *= 1 + U(-b, b) */
  float contrast;                   /* v = m + (1 + U(-c, c)) (v - m), m the mean luma */
  /* random erasing after normalisation (torchvision's RandomErasing) */
  float erase_p;
  float erase_area_min, erase_area_max;       /* fraction of S * S */
  float erase_aspect_min, erase_aspect_max;   /* height / width, log-uniform */
} TfAugment;

/* Mild face-crop settings: zoom 0.9-1.15, 10 degrees, shift 0.05, flip 0.5,
 * brightness and contrast 0.2, erasing p 0.5 over 2-25 % with aspect 0.3-3.3. */
void     tf_augment_init_default (TfAugment         *aug);
/* TRUE when @aug leaves the geometry alone (zoom 1, no rotation or shift):
 * the image is then resampled exactly as tf_image_to_input does. */
gboolean tf_augment_is_rigid     (const TfAugment   *aug);

/* @pixels: 8-bit gray, RGB or RGBA (@channels 1, 3 or 4), rows @stride bytes
 * apart. Writes [3][S][S] normalised as @spec says (gray models take the luma
 * of tf_image_to_input). With @aug NULL this is tf_image_to_input exactly;
 * otherwise every random draw comes from @rng, in a fixed order, so the
 * same seed gives the same output. Pixels outside the image repeat its
 * edge. */
void     tf_augment_apply        (const TfAugment   *aug,
                                  const guint8      *pixels,
                                  int                width,
                                  int                height,
                                  int                stride,
                                  int                channels,
                                  const TfInputSpec *spec,
                                  TfRng             *rng,
                                  float             *out);

G_END_DECLS
