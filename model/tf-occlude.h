/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Exploring a face the way the paper does: hiding part of it (occlusion,
 * one rectangle or a patch slid over the whole crop) and dropping one LANet
 * map at inference (MAD with a chosen map). Everything works on the
 * normalised input [3][S][S] and goes through tf_engine_forward. */
#pragma once

#include <gio/gio.h>

#include "tf-engine.h"

G_BEGIN_DECLS

/* A 23 px patch over 5 x 5 cells of a 112 px crop: a map in 0.8 s on two
 * cores (7 x 7, stride 16, took 1.3 s: `transfer-cli bench --occlusion`). */
#define TF_OCCLUSION_DEFAULT_PATCH  23
#define TF_OCCLUSION_DEFAULT_STRIDE 23
/* occluded copies per engine call */
#define TF_OCCLUSION_DEFAULT_BATCH  16

typedef enum
{
  TF_OCCLUDE_GREY,   /* the value a mid-grey pixel (128) normalises to */
  TF_OCCLUDE_BLUR,   /* a box blur of the region (radius S / 14, at least 1) */
} TfOccludeFill;

/* x, y, w, h in input pixels; it may lie partly or wholly outside the crop */
typedef struct
{
  int x, y, w, h;
} TfOccludeRect;

/* @grey[c]: (128 - mean[c]) / std[c], what a mid-grey pixel becomes. */
void     tf_occlude_grey       (const TfInputSpec   *spec,
                                float                grey[3]);

/* Hides @rect of @input ([3][S][S], normalised with @spec, S = spec->size),
 * clipped to the crop. Returns whether any pixel lay inside it. */
gboolean tf_occlude            (float               *input,
                                const TfInputSpec   *spec,
                                const TfOccludeRect *rect,
                                TfOccludeFill        fill);

typedef struct
{
  int           patch;    /* side of the hiding square, input pixels */
  int           stride;   /* step between places; the map is ceil(S / stride) square */
  TfOccludeFill fill;
  int           batch;    /* copies per engine call */
} TfOcclusionOptions;

void     tf_occlusion_options_init (TfOcclusionOptions *options);

/* The side of the map, ceil(size / stride): the crop is cut into that many
 * even cells a side, cell j spanning [j * size / grid, (j + 1) * size / grid)
 * (integer division), so the map's cells tile the crop as a map drawn over
 * it does; place (row, col) is the patch centred on its cell, clipped. */
int      tf_occlusion_grid     (int                  size,
                                int                  stride);
void     tf_occlusion_place    (int                  patch,
                                int                  size,
                                int                  grid,
                                int                  row,
                                int                  col,
                                TfOccludeRect       *rect);

/* Called after each engine call with the fraction of places done. */
typedef void (*TfOcclusionProgress) (double fraction, gpointer user_data);

/* The occlusion-sensitivity map of one face: @map[grid * grid] (row-major)
 * is, at each place, p(c) - p_occluded(c), c the predicted class (the
 * argmax of the unoccluded probabilities, returned in @predicted, which
 * may be NULL); positive where hiding the place lowers the prediction.
 * Returns FALSE with @error set when cancelled or when the engine fails. */
gboolean tf_occlusion_map      (TfEngine                 *engine,
                                const TfModel            *model,
                                const float              *input,
                                const TfOcclusionOptions *options,
                                float                    *map,
                                int                      *predicted,
                                TfOcclusionProgress       progress,
                                gpointer                  progress_data,
                                GCancellable             *cancellable,
                                GError                  **error);

/* One forward of @input (one face) with LANet map @lanet dropped (MAD at
 * inference: MSAD stays off; -1 drops nothing). @out as tf_engine_forward;
 * @mirrored: its probabilities and logits averaged with the mirror image's
 * (the same map dropped), as tf_engine_forward_mirrored does. */
gboolean tf_lanet_drop_forward (TfEngine                 *engine,
                                const TfModel            *model,
                                const float              *input,
                                int                       lanet,
                                gboolean                  mirrored,
                                TfProbeFlags              probes,
                                TfOutputs                *out,
                                GError                  **error);

/* @probs[B][K]: the probabilities of one face with each LANet dropped in
 * turn, in one engine call (@mirrored as above). */
gboolean tf_lanet_ablation     (TfEngine                 *engine,
                                const TfModel            *model,
                                const float              *input,
                                gboolean                  mirrored,
                                float                    *probs,
                                GError                  **error);

G_END_DECLS
