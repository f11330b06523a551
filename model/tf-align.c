/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "tf-align.h"
#include "tf-image.h"
#include "tf-json.h"

/* FER2013 crops: where the detector puts the five landmarks on FER+ train
 * faces (tools/measure_template.py), as fractions of the 48-pixel side. */
static const TfCropTemplate default_template = {
  .landmarks = {
    { 0.31f, 0.40f }, { 0.69f, 0.40f }, { 0.50f, 0.58f }, { 0.36f, 0.78f }, { 0.64f, 0.78f },
  },
  .source_size = 48,
};

static gboolean
read_point (JsonNode *node,
            float     point[2])
{
  JsonArray *arr;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node) ||
      json_array_get_length (arr = json_node_get_array (node)) != 2)
    return FALSE;
  for (int i = 0; i < 2; i++)
    {
      double v;
      if (!tf_json_get_number (json_array_get_element (arr, i), &v) || !isfinite (v) ||
          v < -1.0 || v > 2.0)
        return FALSE;
      point[i] = (float) v;
    }
  return TRUE;
}

gboolean
tf_crop_template_from_spec (const TfInputSpec *spec,
                            TfCropTemplate    *tmpl,
                            GError           **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *root, *crop;
  JsonNode *node;

  *tmpl = default_template;
  if (spec->json == NULL || !json_parser_load_from_data (parser, spec->json, -1, NULL) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    return TRUE;
  root = json_node_get_object (json_parser_get_root (parser));
  node = json_object_get_member (root, "crop");
  if (node == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, TF_ERROR, TF_ERROR_CONFIG, "input.crop is not an object");
      return FALSE;
    }
  crop = json_node_get_object (node);
  if ((node = json_object_get_member (crop, "landmarks")) != NULL)
    {
      JsonArray *arr = JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;

      if (arr == NULL || json_array_get_length (arr) != TF_FACE_LANDMARKS)
        {
          g_set_error (error, TF_ERROR, TF_ERROR_CONFIG,
                       "input.crop.landmarks must hold %d [x, y] points", TF_FACE_LANDMARKS);
          return FALSE;
        }
      for (int i = 0; i < TF_FACE_LANDMARKS; i++)
        if (!read_point (json_array_get_element (arr, i), tmpl->landmarks[i]))
          {
            g_set_error (error, TF_ERROR, TF_ERROR_CONFIG,
                         "input.crop.landmarks[%d] is not an [x, y] pair of fractions", i);
            return FALSE;
          }
      /* the similarity needs two distinct points */
      if (hypotf (tmpl->landmarks[0][0] - tmpl->landmarks[1][0],
                  tmpl->landmarks[0][1] - tmpl->landmarks[1][1]) < 1e-3f)
        {
          g_set_error (error, TF_ERROR, TF_ERROR_CONFIG, "input.crop.landmarks: the eyes coincide");
          return FALSE;
        }
      tmpl->source_size = spec->size;
    }
  if ((node = json_object_get_member (crop, "source_size")) != NULL)
    {
      double v;
      if (!tf_json_get_number (node, &v) || v < 8 || v > 4096 || v != floor (v))
        {
          g_set_error (error, TF_ERROR, TF_ERROR_CONFIG,
                       "input.crop.source_size must be a whole number from 8 to 4096");
          return FALSE;
        }
      tmpl->source_size = (int) v;
    }
  return TRUE;
}

gboolean
tf_similarity_fit (const float (*src)[2],
                   const float (*dst)[2],
                   int          n,
                   TfSimilarity *out)
{
  double msx = 0, msy = 0, mdx = 0, mdy = 0, norm = 0, dot = 0, cross = 0;

  if (n < 2)
    return FALSE;
  for (int i = 0; i < n; i++)
    {
      msx += src[i][0];
      msy += src[i][1];
      mdx += dst[i][0];
      mdy += dst[i][1];
    }
  msx /= n;
  msy /= n;
  mdx /= n;
  mdy /= n;
  for (int i = 0; i < n; i++)
    {
      double px = src[i][0] - msx, py = src[i][1] - msy;
      double qx = dst[i][0] - mdx, qy = dst[i][1] - mdy;
      norm += px * px + py * py;
      dot += px * qx + py * qy;
      cross += px * qy - py * qx;
    }
  if (!(norm > 1e-12) || !isfinite (norm))
    return FALSE;
  out->a = dot / norm;
  out->b = cross / norm;
  out->tx = mdx - (out->a * msx - out->b * msy);
  out->ty = mdy - (out->b * msx + out->a * msy);
  return out->a * out->a + out->b * out->b > 1e-20;
}

void
tf_similarity_apply (const TfSimilarity *m,
                     double              x,
                     double              y,
                     double             *xo,
                     double             *yo)
{
  *xo = m->a * x - m->b * y + m->tx;
  *yo = m->b * x + m->a * y + m->ty;
}

gboolean
tf_similarity_invert (const TfSimilarity *m,
                      TfSimilarity       *inv)
{
  double det = m->a * m->a + m->b * m->b;

  if (!(det > 1e-20) || !isfinite (det))
    return FALSE;
  /* [a -b; b a]^-1 = [a b; -b a] / det */
  inv->a = m->a / det;
  inv->b = -m->b / det;
  inv->tx = -(inv->a * m->tx - inv->b * m->ty);
  inv->ty = -(inv->b * m->tx + inv->a * m->ty);
  return TRUE;
}

gboolean
tf_align_transform (const float         (*landmarks)[2],
                    const TfCropTemplate *tmpl,
                    int                   size,
                    TfSimilarity         *image_to_crop)
{
  float dst[TF_FACE_LANDMARKS][2];

  for (int i = 0; i < TF_FACE_LANDMARKS; i++)
    {
      dst[i][0] = tmpl->landmarks[i][0] * size;
      dst[i][1] = tmpl->landmarks[i][1] * size;
    }
  return tf_similarity_fit (landmarks, (const float (*)[2]) dst, TF_FACE_LANDMARKS, image_to_crop);
}

/* Bilinear sample at (x, y) in pixel-centre coordinates (pixel i covers
 * [i, i + 1)), edges replicated. */
static inline void
sample_bilinear (const uint8_t *rgb,
                 int            width,
                 int            height,
                 int            stride,
                 double         x,
                 double         y,
                 double         acc[3])
{
  double fx, fy;
  int x0, y0, x1, y1;

  x = CLAMP (x - 0.5, 0.0, (double) (width - 1));
  y = CLAMP (y - 0.5, 0.0, (double) (height - 1));
  x0 = (int) x;
  y0 = (int) y;
  x1 = MIN (x0 + 1, width - 1);
  y1 = MIN (y0 + 1, height - 1);
  fx = x - x0;
  fy = y - y0;
  for (int c = 0; c < 3; c++)
    {
      double top = rgb[(gsize) y0 * stride + x0 * 3 + c] * (1 - fx) + rgb[(gsize) y0 * stride + x1 * 3 + c] * fx;
      double bot = rgb[(gsize) y1 * stride + x0 * 3 + c] * (1 - fx) + rgb[(gsize) y1 * stride + x1 * 3 + c] * fx;
      acc[c] += top * (1 - fy) + bot * fy;
    }
}

void
tf_align_warp_rgb (const uint8_t      *rgb,
                   int                 width,
                   int                 height,
                   int                 stride,
                   const TfSimilarity *image_to_crop,
                   int                 size,
                   uint8_t            *out)
{
  TfSimilarity inv;
  double step;
  int grid;

  if (width < 1 || height < 1 || !tf_similarity_invert (image_to_crop, &inv))
    {
      memset (out, 0, (gsize) size * size * 3);
      return;
    }
  /* source pixels per crop pixel: that many samples per axis, at most 8 */
  step = sqrt (inv.a * inv.a + inv.b * inv.b);
  grid = (int) CLAMP (ceil (step - 1e-6), 1, 8);

  for (int v = 0; v < size; v++)
    for (int u = 0; u < size; u++)
      {
        double acc[3] = { 0, 0, 0 };

        for (int sv = 0; sv < grid; sv++)
          for (int su = 0; su < grid; su++)
            {
              double cu = u + (su + 0.5) / grid, cv = v + (sv + 0.5) / grid, x, y;
              tf_similarity_apply (&inv, cu, cv, &x, &y);
              sample_bilinear (rgb, width, height, stride, x, y, acc);
            }
        for (int c = 0; c < 3; c++)
          out[((gsize) v * size + u) * 3 + c] = (uint8_t) CLAMP (lround (acc[c] / (grid * grid)), 0, 255);
      }
}

gboolean
tf_align_face (const uint8_t        *rgb,
               int                   width,
               int                   height,
               int                   stride,
               const TfFace         *face,
               const TfInputSpec    *spec,
               const TfCropTemplate *tmpl,
               float                *input,
               uint8_t              *source_rgb,
               uint8_t              *crop_rgb,
               int                   crop_size)
{
  TfSimilarity m;
  int src = tmpl->source_size > 0 ? tmpl->source_size : spec->size;
  g_autofree uint8_t *small = g_malloc ((gsize) src * src * 3);

  if (!tf_align_transform (face->landmarks, tmpl, src, &m))
    return FALSE;
  tf_align_warp_rgb (rgb, width, height, stride, &m, src, small);
  tf_image_to_input (small, src, src, src * 3, 3, spec, input);
  if (source_rgb != NULL)
    memcpy (source_rgb, small, (gsize) src * src * 3);
  if (crop_rgb != NULL)
    {
      if (!tf_align_transform (face->landmarks, tmpl, crop_size, &m))
        return FALSE;
      tf_align_warp_rgb (rgb, width, height, stride, &m, crop_size, crop_rgb);
    }
  return TRUE;
}

GArray *
tf_detect_photo (TfDetector    *detector,
                 const uint8_t *rgb,
                 int            width,
                 int            height,
                 int            stride,
                 GError       **error)
{
  GArray *faces = tf_detector_detect (detector, rgb, width, height, stride, error);
  g_autofree uint8_t *canvas = NULL;
  TfSimilarity shift;
  int m, side;

  if (faces == NULL || faces->len > 0 || width < 1 || height < 1)
    return faces;
  m = MAX (width, height) / 2;
  side = MAX (width, height) + 2 * m;   /* square: the photo at (m, m) */
  if ((gint64) side * side > 16 * 1024 * 1024)
    return faces;
  g_array_unref (faces);
  canvas = g_malloc ((gsize) side * side * 3);
  /* a shift by the margin; the warp repeats the edge pixels outwards */
  shift = (TfSimilarity) { 1, 0, m, m };
  tf_align_warp_rgb (rgb, width, height, stride, &shift, side, canvas);
  faces = tf_detector_detect (detector, canvas, side, side, side * 3, error);
  for (guint i = 0; faces != NULL && i < faces->len; i++)
    tf_face_translate (&g_array_index (faces, TfFace, i), -m, -m);
  return faces;
}
