/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <gdk-pixbuf/gdk-pixbuf.h>
#include <string.h>

#include "tf-cli-decode.h"
#include "tf-error.h"

/* As tf-cli-image.c: 30,000 x 30,000 RGB would be 2.7 GB. */
#define MAX_PIXELS (200u * 1000u * 1000u)

guint8 *
tf_cli_decode_rgb (const char  *path,
                   int         *width,
                   int         *height,
                   int         *stride,
                   GError     **error,
                   gpointer     user_data)
{
  g_autofree char *display = NULL;
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  g_autoptr(GdkPixbuf) oriented = NULL;
  g_autoptr(GError) local_error = NULL;
  const guint8 *src;
  guint8 *rgb;
  int w = 0, h = 0, n_channels, src_stride;

  g_return_val_if_fail (path != NULL && width != NULL && height != NULL && stride != NULL, NULL);
  (void) user_data;

  display = g_filename_display_name (path);
  /* the header first: nothing is decoded that would not fit */
  if (gdk_pixbuf_get_file_info (path, &w, &h) == NULL)
    {
      if (!g_file_test (path, G_FILE_TEST_EXISTS))
        g_set_error (error, TF_ERROR, TF_ERROR_IO, "%s: no such file", display);
      else
        g_set_error (error, TF_ERROR, TF_ERROR_INPUT, "%s: not an image format this system can decode", display);
      return NULL;
    }
  if (w <= 0 || h <= 0 || (guint64) w * h > MAX_PIXELS)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_INPUT,
                   "%s: image of %d x %d pixels is outside what can be read (at most %u megapixels)",
                   display, w, h, MAX_PIXELS / 1000000);
      return NULL;
    }

  /* from the file, not a GdkPixbufLoader: the incremental PNG path accepts
   * truncated files and hands back partly undefined pixels */
  pixbuf = gdk_pixbuf_new_from_file (path, &local_error);
  if (pixbuf == NULL)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_INPUT, "%s: cannot decode the image: %s", display,
                   local_error ? local_error->message : "unknown error");
      return NULL;
    }
  /* photos from cameras store their rotation in EXIF */
  oriented = gdk_pixbuf_apply_embedded_orientation (pixbuf);
  if (oriented == NULL)
    oriented = g_object_ref (pixbuf);

  w = gdk_pixbuf_get_width (oriented);
  h = gdk_pixbuf_get_height (oriented);
  n_channels = gdk_pixbuf_get_n_channels (oriented);
  src_stride = gdk_pixbuf_get_rowstride (oriented);
  if (gdk_pixbuf_get_colorspace (oriented) != GDK_COLORSPACE_RGB ||
      gdk_pixbuf_get_bits_per_sample (oriented) != 8 || (n_channels != 3 && n_channels != 4) ||
      w <= 0 || h <= 0 || (guint64) w * h > MAX_PIXELS)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_INPUT, "%s: unsupported pixel format", display);
      return NULL;
    }

  src = gdk_pixbuf_read_pixels (oriented);
  rgb = g_new (guint8, (gsize) w * h * 3);
  for (int y = 0; y < h; y++)
    {
      const guint8 *row = src + (gsize) y * src_stride;
      guint8 *dst = rgb + (gsize) y * w * 3;
      if (n_channels == 3)
        memcpy (dst, row, (gsize) w * 3);
      else
        for (int x = 0; x < w; x++)
          memcpy (dst + 3 * x, row + 4 * x, 3);   /* alpha dropped */
    }
  *width = w;
  *height = h;
  *stride = w * 3;
  return rgb;
}
