/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>
#include <string.h>

#include "tf-error.h"
#include "tf-occlude.h"
#include "tf-compare.h"

void
tf_occlude_grey (const TfInputSpec *spec,
                 float              grey[3])
{
  /* a gray model reads luma, and the luma of (128, 128, 128) is 128 */
  for (int c = 0; c < 3; c++)
    grey[c] = (128.0f - spec->mean[c]) / spec->std[c];
}

/* @rect clipped to the S x S crop into x0..x1, y0..y1 (exclusive ends);
 * FALSE when nothing is left */
static gboolean
clip (const TfOccludeRect *rect,
      int                  s,
      int                 *x0,
      int                 *y0,
      int                 *x1,
      int                 *y1)
{
  /* in 64 bits: a rectangle far outside must not wrap around */
  gint64 ax = rect->x, ay = rect->y, bx = ax + MAX (rect->w, 0), by = ay + MAX (rect->h, 0);

  *x0 = (int) CLAMP (ax, 0, s);
  *y0 = (int) CLAMP (ay, 0, s);
  *x1 = (int) CLAMP (bx, 0, s);
  *y1 = (int) CLAMP (by, 0, s);
  return *x1 > *x0 && *y1 > *y0;
}

/* Box blur of the region x0..x1, y0..y1 of one plane, each pixel the mean
 * of the (2r+1)^2 window of the original plane around it, clipped to the
 * crop: a summed-area table over the rows and columns the windows reach. */
static void
blur_region (float *plane,        /* [s][s] */
             int    s,
             int    x0,
             int    y0,
             int    x1,
             int    y1,
             int    r)
{
  int ax = MAX (x0 - r, 0), ay = MAX (y0 - r, 0), bx = MIN (x1 + r, s), by = MIN (y1 + r, s);
  int w = bx - ax, h = by - ay;
  g_autofree double *sat = g_new0 (double, (gsize) (w + 1) * (h + 1));   /* [h+1][w+1] */

  for (int y = 0; y < h; y++)
    {
      double row = 0;
      for (int x = 0; x < w; x++)
        {
          row += plane[(gsize) (ay + y) * s + ax + x];
          sat[(gsize) (y + 1) * (w + 1) + x + 1] = sat[(gsize) y * (w + 1) + x + 1] + row;
        }
    }
  for (int y = y0; y < y1; y++)
    for (int x = x0; x < x1; x++)
      {
        int wx0 = MAX (x - r, ax) - ax, wy0 = MAX (y - r, ay) - ay;
        int wx1 = MIN (x + r + 1, bx) - ax, wy1 = MIN (y + r + 1, by) - ay;
        double sum = sat[(gsize) wy1 * (w + 1) + wx1] - sat[(gsize) wy0 * (w + 1) + wx1]
                     - sat[(gsize) wy1 * (w + 1) + wx0] + sat[(gsize) wy0 * (w + 1) + wx0];
        plane[(gsize) y * s + x] = (float) (sum / ((wx1 - wx0) * (wy1 - wy0)));
      }
}

gboolean
tf_occlude (float               *input,
            const TfInputSpec   *spec,
            const TfOccludeRect *rect,
            TfOccludeFill        fill)
{
  int s, x0, y0, x1, y1;
  float grey[3];

  g_return_val_if_fail (input != NULL && spec != NULL && rect != NULL, FALSE);

  s = spec->size;
  if (!clip (rect, s, &x0, &y0, &x1, &y1))
    return FALSE;
  tf_occlude_grey (spec, grey);
  for (int c = 0; c < 3; c++)
    {
      float *plane = input + (gsize) c * s * s;

      if (fill == TF_OCCLUDE_BLUR)
        blur_region (plane, s, x0, y0, x1, y1, MAX (s / 14, 1));
      else
        for (int y = y0; y < y1; y++)
          for (int x = x0; x < x1; x++)
            plane[(gsize) y * s + x] = grey[c];
    }
  return TRUE;
}

void
tf_occlusion_options_init (TfOcclusionOptions *options)
{
  *options = (TfOcclusionOptions) {
    .patch = TF_OCCLUSION_DEFAULT_PATCH,
    .stride = TF_OCCLUSION_DEFAULT_STRIDE,
    .fill = TF_OCCLUDE_GREY,
    .batch = TF_OCCLUSION_DEFAULT_BATCH,
  };
}

int
tf_occlusion_grid (int size,
                   int stride)
{
  g_return_val_if_fail (size > 0 && stride > 0, 0);
  return (size + stride - 1) / stride;
}

void
tf_occlusion_place (int            patch,
                    int            size,
                    int            grid,
                    int            row,
                    int            col,
                    TfOccludeRect *rect)
{
  /* centred on the cell: (start + end - patch) / 2, floored */
  int x0 = col * size / grid, x1 = (col + 1) * size / grid;
  int y0 = row * size / grid, y1 = (row + 1) * size / grid;

  rect->x = (int) floor ((x0 + x1 - patch) / 2.0);
  rect->y = (int) floor ((y0 + y1 - patch) / 2.0);
  rect->w = rect->h = patch;
}

gboolean
tf_occlusion_map (TfEngine                 *engine,
                  const TfModel            *model,
                  const float              *input,
                  const TfOcclusionOptions *options,
                  float                    *map,
                  int                      *predicted,
                  TfOcclusionProgress       progress,
                  gpointer                  progress_data,
                  GCancellable             *cancellable,
                  GError                  **error)
{
  const int s = model->input.size, K = model->config.num_classes;
  const gsize per = (gsize) 3 * s * s;
  int grid, places, batch, best;
  float base;
  g_autofree float *copies = NULL;
  TfOutputs out;

  g_return_val_if_fail (engine != NULL && model != NULL && input != NULL && options != NULL && map != NULL,
                        FALSE);

  if (options->patch < 1 || options->patch > s || options->stride < 1 || options->stride > s)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_INPUT,
                   "occlusion patch %d and stride %d: each must lie in 1..%d (the input size)",
                   options->patch, options->stride, s);
      return FALSE;
    }
  grid = tf_occlusion_grid (s, options->stride);
  places = grid * grid;
  batch = CLAMP (options->batch, 1, places);

  if (!tf_engine_forward (engine, input, 1, TF_PROBE_NONE, NULL, &out, error))
    return FALSE;
  best = tf_probs_argmax (out.probs, K);
  base = out.probs[best];
  if (predicted)
    *predicted = best;

  copies = g_new (float, per * batch);
  for (int p0 = 0; p0 < places; p0 += batch)
    {
      int n = MIN (batch, places - p0);

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      for (int i = 0; i < n; i++)
        {
          TfOccludeRect rect;

          tf_occlusion_place (options->patch, s, grid, (p0 + i) / grid, (p0 + i) % grid, &rect);
          memcpy (copies + per * i, input, per * sizeof (float));
          tf_occlude (copies + per * i, &model->input, &rect, options->fill);
        }
      if (!tf_engine_forward (engine, copies, n, TF_PROBE_NONE, NULL, &out, error))
        return FALSE;
      for (int i = 0; i < n; i++)
        map[p0 + i] = base - out.probs[(gsize) i * K + best];
      if (progress)
        progress ((double) (p0 + n) / places, progress_data);
    }
  return TRUE;
}

/* @input [n][3][S][S] with @mad[i] dropped from face i; with @mirrored the
 * mirror images go in the same call, with the same maps dropped, and rows
 * 0..n-1 of the probabilities and logits become the two's means (the other
 * arrays keep the faces as given, as tf_engine_forward_mirrored does) */
static gboolean
forward_dropped (TfEngine       *engine,
                 const float    *input,
                 int             n,
                 const int      *mad,
                 gboolean        mirrored,
                 TfProbeFlags    probes,
                 TfOutputs      *out,
                 GError        **error)
{
  /* not training: the forced maps are dropped and MSAD draws nothing */
  TfForwardOptions opt = { .training = FALSE, .force_mad = mad };

  if (mirrored)
    return tf_engine_forward_mirrored_dropped (engine, input, n, probes, mad, out, error);
  return tf_engine_forward (engine, input, n, probes, &opt, out, error);
}

gboolean
tf_lanet_drop_forward (TfEngine       *engine,
                       const TfModel  *model,
                       const float    *input,
                       int             lanet,
                       gboolean        mirrored,
                       TfProbeFlags    probes,
                       TfOutputs      *out,
                       GError        **error)
{
  if (lanet < -1 || lanet >= model->config.lanets)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_INPUT, "LANet %d to drop: the model has %d", lanet + 1,
                   model->config.lanets);
      return FALSE;
    }
  return forward_dropped (engine, input, 1, &lanet, mirrored, probes, out, error);
}

gboolean
tf_lanet_ablation (TfEngine       *engine,
                   const TfModel  *model,
                   const float    *input,
                   gboolean        mirrored,
                   float          *probs,
                   GError        **error)
{
  const int B = model->config.lanets, K = model->config.num_classes;
  const gsize per = (gsize) 3 * model->input.size * model->input.size;
  g_autofree float *copies = g_new (float, per * B);
  g_autofree int *mad = g_new (int, B);
  TfOutputs out;

  for (int b = 0; b < B; b++)
    {
      memcpy (copies + per * b, input, per * sizeof (float));
      mad[b] = b;
    }
  if (!forward_dropped (engine, copies, B, mad, mirrored, TF_PROBE_NONE, &out, error))
    return FALSE;
  memcpy (probs, out.probs, sizeof (float) * B * K);
  return TRUE;
}
