/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>
#include <string.h>

#include "tf-augment.h"
#include "tf-image.h"

/* One draw of every random choice, taken in this order from the stream. */
typedef struct
{
  double   zoom, angle, tx, ty;   /* angle in radians, shifts in fractions of S */
  gboolean flip;
  double   brightness, contrast;  /* factors */
  gboolean erase;
} Draw;

void
tf_augment_init_default (TfAugment *aug)
{
  g_return_if_fail (aug != NULL);
  *aug = (TfAugment) {
    .scale_min = 0.9f, .scale_max = 1.15f,
    .rotation = 10.0f,
    .shift = 0.05f,
    .flip_p = 0.5f,
    .brightness = 0.2f, .contrast = 0.2f,
    .erase_p = 0.5f,
    .erase_area_min = 0.02f, .erase_area_max = 0.25f,
    .erase_aspect_min = 0.3f, .erase_aspect_max = 3.3f,
  };
}

gboolean
tf_augment_is_rigid (const TfAugment *aug)
{
  g_return_val_if_fail (aug != NULL, TRUE);
  return aug->scale_min == 1.0f && aug->scale_max == 1.0f && aug->rotation == 0.0f && aug->shift == 0.0f;
}

static double
uniform (TfRng  *rng,
         double  lo,
         double  hi)
{
  return lo + (hi - lo) * tf_rng_uniform (rng);
}

static void
draw_params (const TfAugment *aug,
             TfRng           *rng,
             Draw            *d)
{
  d->zoom = uniform (rng, aug->scale_min, aug->scale_max);
  d->angle = uniform (rng, -aug->rotation, aug->rotation) * (G_PI / 180.0);
  d->tx = uniform (rng, -aug->shift, aug->shift);
  d->ty = uniform (rng, -aug->shift, aug->shift);
  d->flip = tf_rng_uniform (rng) < aug->flip_p;
  d->brightness = 1.0 + uniform (rng, -aug->brightness, aug->brightness);
  d->contrast = 1.0 + uniform (rng, -aug->contrast, aug->contrast);
  d->erase = tf_rng_uniform (rng) < aug->erase_p;
}

/* tf_image_to_input, which wants 3 or 4 channels: gray is widened first. */
static void
plain_input (const guint8      *pixels,
             int                width,
             int                height,
             int                stride,
             int                channels,
             const TfInputSpec *spec,
             float             *out)
{
  g_autofree guint8 *rgb = NULL;

  if (channels != 1)
    {
      tf_image_to_input (pixels, width, height, stride, channels, spec, out);
      return;
    }
  rgb = g_new (guint8, (gsize) width * height * 3);
  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      memset (rgb + ((gsize) y * width + x) * 3, pixels[(gsize) y * stride + x], 3);
  tf_image_to_input (rgb, width, height, width * 3, 3, spec, out);
}

/* The source as float planes on the 0-255 scale: one (the luma of a gray
 * model, or a gray image) or three. Returns the plane count. */
static int
source_planes (const guint8      *pixels,
               int                width,
               int                height,
               int                stride,
               int                channels,
               const TfInputSpec *spec,
               float            **planes)
{
  gsize npix = (gsize) width * height;
  int n = spec->gray || channels == 1 ? 1 : 3;
  float *p = g_new (float, npix * n);

  for (int y = 0; y < height; y++)
    {
      const guint8 *row = pixels + (gsize) y * stride;
      for (int x = 0; x < width; x++)
        {
          gsize i = (gsize) y * width + x;
          const guint8 *px = row + (gsize) x * channels;
          guint8 r = px[0], g = channels == 1 ? px[0] : px[1], b = channels == 1 ? px[0] : px[2];
          if (spec->gray)
            p[i] = (float) (0.299 * r + 0.587 * g + 0.114 * b);   /* as tf_image_to_input */
          else if (n == 1)
            p[i] = r;
          else
            {
              p[i] = r;
              p[npix + i] = g;
              p[2 * npix + i] = b;
            }
        }
    }
  *planes = p;
  return n;
}

/* Output pixel -> source position, both with pixel centres at i + 0.5:
 * undo the flip, the shift, the rotation and the zoom about the centres, then
 * stretch the S x S square onto the w x h source as the plain path does. */
static void
warp_planes (const float *src,
             int          w,
             int          h,
             int          n_planes,
             const Draw  *d,
             float       *dst,
             int          s)
{
  double c = cos (d->angle), sn = sin (d->angle);
  double kx = (double) w / (s * d->zoom), ky = (double) h / (s * d->zoom);
  gsize src_plane = (gsize) w * h, dst_plane = (gsize) s * s;

  for (int y = 0; y < s; y++)
    for (int x = 0; x < s; x++)
      {
        double u = (x + 0.5 - 0.5 * s) * (d->flip ? -1.0 : 1.0) - d->tx * s;
        double v = (y + 0.5 - 0.5 * s) - d->ty * s;
        double fx = kx * (c * u + sn * v) + 0.5 * w - 0.5;
        double fy = ky * (c * v - sn * u) + 0.5 * h - 0.5;
        int x0, y0, x1, y1;
        double ax, ay;

        fx = CLAMP (fx, 0.0, (double) (w - 1));   /* edges repeat */
        fy = CLAMP (fy, 0.0, (double) (h - 1));
        x0 = (int) fx;
        y0 = (int) fy;
        x1 = MIN (x0 + 1, w - 1);
        y1 = MIN (y0 + 1, h - 1);
        ax = fx - x0;
        ay = fy - y0;
        for (int p = 0; p < n_planes; p++)
          {
            const float *sp = src + p * src_plane;
            double top = sp[(gsize) y0 * w + x0] + ax * (sp[(gsize) y0 * w + x1] - sp[(gsize) y0 * w + x0]);
            double bot = sp[(gsize) y1 * w + x0] + ax * (sp[(gsize) y1 * w + x1] - sp[(gsize) y1 * w + x0]);
            dst[p * dst_plane + (gsize) y * s + x] = (float) (top + ay * (bot - top));
          }
      }
}

/* Brightness then contrast (about the mean luma), on 0-255 planes. */
static void
jitter_planes (float  *planes,
               int     n_planes,
               gsize   npix,
               double  brightness,
               double  contrast)
{
  double mean = 0;

  if (brightness == 1.0 && contrast == 1.0)
    return;
  /* the luma of a gray plane is written out as for three equal planes, so a
   * gray image kept as one channel jitters exactly as its RGB would */
  for (gsize i = 0; i < npix; i++)
    {
      double r = planes[i];
      double g = n_planes == 1 ? r : planes[npix + i];
      double b = n_planes == 1 ? r : planes[2 * npix + i];
      mean += 0.299 * r + 0.587 * g + 0.114 * b;
    }
  mean = mean * brightness / MAX (npix, 1);
  for (gsize i = 0; i < npix * n_planes; i++)
    {
      double v = mean + contrast * (planes[i] * brightness - mean);
      planes[i] = (float) CLAMP (v, 0.0, 255.0);
    }
}

/* @n_planes 0-255 planes at the start of @out become the normalised [3][S][S]. */
static void
normalise (float             *out,
           int                n_planes,
           const TfInputSpec *spec)
{
  gsize np = (gsize) spec->size * spec->size;

  if (n_planes == 1)
    {
      memcpy (out + np, out, sizeof (float) * np);
      memcpy (out + 2 * np, out, sizeof (float) * np);
    }
  for (int c = 0; c < 3; c++)
    {
      float *plane = out + c * np;
      float m = spec->mean[c], inv = 1.0f / spec->std[c];
      for (gsize i = 0; i < np; i++)
        plane[i] = (plane[i] - m) * inv;
    }
}

static void
denormalise (float             *out,
             const TfInputSpec *spec)
{
  gsize np = (gsize) spec->size * spec->size;

  for (int c = 0; c < 3; c++)
    for (gsize i = 0; i < np; i++)
      out[c * np + i] = out[c * np + i] * spec->std[c] + spec->mean[c];
}

static void
flip_planes (float *out,
             int    s)
{
  for (int p = 0; p < 3; p++)
    for (int y = 0; y < s; y++)
      {
        float *row = out + ((gsize) p * s + y) * s;
        for (int x = 0; x < s / 2; x++)
          {
            float t = row[x];
            row[x] = row[s - 1 - x];
            row[s - 1 - x] = t;
          }
      }
}

/* torchvision's RandomErasing: up to ten tries at a rectangle that fits. */
static void
erase_rect (const TfAugment *aug,
            TfRng           *rng,
            float           *out,
            int              s)
{
  double lo = log (aug->erase_aspect_min), hi = log (aug->erase_aspect_max);

  for (int attempt = 0; attempt < 10; attempt++)
    {
      double area = (double) s * s * uniform (rng, aug->erase_area_min, aug->erase_area_max);
      double aspect = exp (uniform (rng, lo, hi));
      int eh = (int) lround (sqrt (area * aspect));
      int ew = (int) lround (sqrt (area / aspect));
      int top, left;

      if (eh >= s || ew >= s || eh < 1 || ew < 1)
        continue;
      top = (int) tf_rng_below (rng, (guint32) (s - eh + 1));
      left = (int) tf_rng_below (rng, (guint32) (s - ew + 1));
      for (int p = 0; p < 3; p++)
        for (int y = top; y < top + eh; y++)
          memset (out + ((gsize) p * s + y) * s + left, 0, sizeof (float) * ew);
      return;
    }
}

void
tf_augment_apply (const TfAugment   *aug,
                  const guint8      *pixels,
                  int                width,
                  int                height,
                  int                stride,
                  int                channels,
                  const TfInputSpec *spec,
                  TfRng             *rng,
                  float             *out)
{
  int s = spec->size;
  gsize np = (gsize) s * s;
  Draw d;

  g_return_if_fail (pixels != NULL && width > 0 && height > 0 && s > 0 && out != NULL);
  g_return_if_fail (channels == 1 || channels == 3 || channels == 4);
  g_return_if_fail (stride >= width * channels);
  g_return_if_fail (aug == NULL || (rng != NULL && aug->scale_min > 0 && aug->scale_max >= aug->scale_min));
  g_return_if_fail (aug == NULL || aug->erase_p <= 0 ||
                    (aug->erase_aspect_min > 0 && aug->erase_aspect_max >= aug->erase_aspect_min));

  if (aug == NULL)
    {
      plain_input (pixels, width, height, stride, channels, spec, out);
      return;
    }

  draw_params (aug, rng, &d);
  if (tf_augment_is_rigid (aug))
    {
      /* the evaluation resampler, then the rest on its output */
      plain_input (pixels, width, height, stride, channels, spec, out);
      if (d.flip)
        flip_planes (out, s);
      if (d.brightness != 1.0 || d.contrast != 1.0)
        {
          denormalise (out, spec);
          jitter_planes (out, 3, np, d.brightness, d.contrast);
          normalise (out, 3, spec);
        }
    }
  else
    {
      g_autofree float *src = NULL;
      g_autofree float *small = NULL;
      int n_planes = source_planes (pixels, width, height, stride, channels, spec, &src);
      int w = width, h = height;
      /* source pixels per output pixel: bilinear taps alias beyond 1, so
       * shrink with the area-correct resampler first to about 1 */
      double fx = width / (d.zoom * s), fy = height / (d.zoom * s);

      if (fx > 1.0 || fy > 1.0)
        {
          w = MAX (1, (int) lround (width / MAX (fx, 1.0)));
          h = MAX (1, (int) lround (height / MAX (fy, 1.0)));
          small = g_new (float, (gsize) w * h * n_planes);
          for (int p = 0; p < n_planes; p++)
            tf_image_resample_plane (src + (gsize) p * width * height, width, height,
                                     small + (gsize) p * w * h, w, h);
        }
      warp_planes (small ? small : src, w, h, n_planes, &d, out, s);
      jitter_planes (out, n_planes, np, d.brightness, d.contrast);
      normalise (out, n_planes, spec);
    }
  if (d.erase)
    erase_rect (aug, rng, out, s);
}
