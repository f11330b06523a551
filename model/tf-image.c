/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>
#include <string.h>

#include "tf-image.h"

void
tf_taps_init (TfTaps *co,
              int     in,
              int     out)
{
  double scale = (double) in / out;
  double support = scale >= 1.0 ? scale : 1.0;   /* triangle of radius 1, widened when shrinking */
  double inv = scale >= 1.0 ? 1.0 / scale : 1.0;

  co->max_taps = (int) ceil (support) * 2 + 1;
  co->first = g_new (int, out);
  co->count = g_new (int, out);
  co->weights = g_new0 (double, (gsize) out * co->max_taps);

  for (int i = 0; i < out; i++)
    {
      double center = (i + 0.5) * scale, total = 0;
      /* truncation as in PIL (and torch's antialias path): the bounds are
       * clamped to the image, so taps outside it are dropped, not mirrored */
      int lo = MAX ((int) (center - support + 0.5), 0);
      int hi = MIN ((int) (center + support + 0.5), in);
      double *w = co->weights + (gsize) i * co->max_taps;

      hi = MIN (hi, lo + co->max_taps);
      for (int j = lo; j < hi; j++)
        {
          double x = fabs ((j - center + 0.5) * inv);
          w[j - lo] = x < 1.0 ? 1.0 - x : 0.0;
          total += w[j - lo];
        }
      for (int j = lo; j < hi; j++)
        w[j - lo] = total > 0 ? w[j - lo] / total : 0.0;
      co->first[i] = lo;
      co->count[i] = hi - lo;
    }
}

void
tf_taps_clear (TfTaps *co)
{
  g_free (co->first);
  g_free (co->count);
  g_free (co->weights);
}

void
tf_image_resample_plane (const float *src,
                         int          src_w,
                         int          src_h,
                         float       *dst,
                         int          dst_w,
                         int          dst_h)
{
  TfTaps cx, cy;
  double *tmp = g_new (double, (gsize) src_h * dst_w);

  g_return_if_fail (src_w > 0 && src_h > 0 && dst_w > 0 && dst_h > 0);

  tf_taps_init (&cx, src_w, dst_w);
  tf_taps_init (&cy, src_h, dst_h);

  /* horizontal pass, then vertical: the order PIL and torch use */
  for (int y = 0; y < src_h; y++)
    for (int x = 0; x < dst_w; x++)
      {
        const double *w = cx.weights + (gsize) x * cx.max_taps;
        const float *row = src + (gsize) y * src_w + cx.first[x];
        double acc = 0;
        for (int k = 0; k < cx.count[x]; k++)
          acc += w[k] * row[k];
        tmp[(gsize) y * dst_w + x] = acc;
      }
  for (int y = 0; y < dst_h; y++)
    {
      const double *w = cy.weights + (gsize) y * cy.max_taps;
      for (int x = 0; x < dst_w; x++)
        {
          double acc = 0;
          for (int k = 0; k < cy.count[y]; k++)
            acc += w[k] * tmp[(gsize) (cy.first[y] + k) * dst_w + x];
          dst[(gsize) y * dst_w + x] = (float) acc;
        }
    }

  tf_taps_clear (&cx);
  tf_taps_clear (&cy);
  g_free (tmp);
}

void
tf_image_to_input (const guint8      *pixels,
                   int                width,
                   int                height,
                   int                stride,
                   int                channels,
                   const TfInputSpec *spec,
                   float             *out)
{
  int s = spec->size, planes = spec->gray ? 1 : 3;
  gsize npix = (gsize) width * height;
  float *src;

  g_return_if_fail (pixels != NULL && width > 0 && height > 0 && (channels == 3 || channels == 4));
  g_return_if_fail (stride >= width * channels && s > 0);

  src = g_new (float, npix * planes);
  for (int y = 0; y < height; y++)
    {
      const guint8 *row = pixels + (gsize) y * stride;
      for (int x = 0; x < width; x++)
        {
          const guint8 *px = row + (gsize) x * channels;
          gsize i = (gsize) y * width + x;
          if (spec->gray)
            src[i] = (float) (0.299 * px[0] + 0.587 * px[1] + 0.114 * px[2]);
          else
            for (int c = 0; c < 3; c++)
              src[c * npix + i] = px[c];
        }
    }

  for (int p = 0; p < planes; p++)
    tf_image_resample_plane (src + p * npix, width, height, out + (gsize) p * s * s, s, s);
  if (spec->gray)
    {
      memcpy (out + (gsize) s * s, out, sizeof (float) * s * s);
      memcpy (out + (gsize) 2 * s * s, out, sizeof (float) * s * s);
    }
  for (int c = 0; c < 3; c++)
    {
      float *plane = out + (gsize) c * s * s;
      float m = spec->mean[c], inv = 1.0f / spec->std[c];
      for (gsize i = 0; i < (gsize) s * s; i++)
        plane[i] = (plane[i] - m) * inv;
    }
  g_free (src);
}
