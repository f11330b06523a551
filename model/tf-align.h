/* SPDX-License-Identifier: GPL-3.0-or-later */
/* From five detected landmarks to the face crop an expression model
 * expects: a least-squares similarity transform onto the model's crop
 * template (from its metadata), and an anti-aliased bilinear warp. */
#pragma once

#include <glib.h>
#include <stdint.h>

#include "tf-detect.h"
#include "tf-model.h"

G_BEGIN_DECLS

/* Where the five landmarks sit in the model's crop, as fractions of its
 * side, and the side of the crops the model was trained on (48 for FER
 * faces upscaled to the input size; the input size when it was trained on
 * crops of its own size). */
typedef struct
{
  float landmarks[TF_FACE_LANDMARKS][2];
  int   source_size;
} TfCropTemplate;

/* Reads input.crop.landmarks and input.crop.source_size from the spec's
 * JSON; a spec without them gets the FER2013 framing measured by
 * tools/measure_template.py. FALSE with @error when they are present but
 * malformed. */
gboolean tf_crop_template_from_spec (const TfInputSpec *spec,
                                     TfCropTemplate    *tmpl,
                                     GError           **error);

/* The similarity x' = a x - b y + tx, y' = b x + a y + ty. */
typedef struct
{
  double a, b, tx, ty;
} TfSimilarity;

/* Least-squares similarity (rotation, uniform scale, translation; no
 * reflection) taking @src[i] to @dst[i]. FALSE when the source points
 * coincide. */
gboolean tf_similarity_fit          (const float        (*src)[2],
                                     const float        (*dst)[2],
                                     int                  n,
                                     TfSimilarity        *out);
void     tf_similarity_apply        (const TfSimilarity  *m,
                                     double               x,
                                     double               y,
                                     double              *xo,
                                     double              *yo);
gboolean tf_similarity_invert       (const TfSimilarity  *m,
                                     TfSimilarity        *inv);

/* The transform from image pixels to the pixels of a @size x @size crop
 * that puts @landmarks on the template. */
gboolean tf_align_transform         (const float        (*landmarks)[2],
                                     const TfCropTemplate *tmpl,
                                     int                  size,
                                     TfSimilarity        *image_to_crop);

/* Warps 8-bit RGB (@stride bytes per row) into a @size x @size packed RGB
 * crop through @image_to_crop. Each crop pixel averages a grid of bilinear
 * samples as fine as the source pixels it covers, so shrinking a large face
 * does not alias; points outside the image take the nearest edge pixel, so
 * faces at the border are padded, not dropped. */
void     tf_align_warp_rgb          (const uint8_t       *rgb,
                                     int                  width,
                                     int                  height,
                                     int                  stride,
                                     const TfSimilarity  *image_to_crop,
                                     int                  size,
                                     uint8_t             *out);

/* The whole path for one face: warp to the template's source size, then
 * the model's own resample, colour handling and normalisation
 * (tf_image_to_input). @input receives [3][S][S]; @source_rgb, when not
 * NULL, the warped crop at the source size (source_size^2 x 3 bytes, from
 * which tf_image_to_input gives @input again); @crop_rgb, when not NULL, a
 * @crop_size x @crop_size RGB crop of the same framing for display. */
gboolean tf_align_face              (const uint8_t       *rgb,
                                     int                  width,
                                     int                  height,
                                     int                  stride,
                                     const TfFace        *face,
                                     const TfInputSpec   *spec,
                                     const TfCropTemplate *tmpl,
                                     float               *input,
                                     uint8_t             *source_rgb,
                                     uint8_t             *crop_rgb,
                                     int                  crop_size);

/* Detection for a single photo: when nothing is found, looks again with
 * the photo set in a margin of its own edge pixels (half its longer side
 * on every side), so that tight face crops, which give the detector no
 * context, are found too. Coordinates are the photo's. */
GArray  *tf_detect_photo            (TfDetector          *detector,
                                     const uint8_t       *rgb,
                                     int                  width,
                                     int                  height,
                                     int                  stride,
                                     GError             **error);

G_END_DECLS
