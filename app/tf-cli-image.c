/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <gdk-pixbuf/gdk-pixbuf.h>
#include <math.h>
#include <sys/resource.h>

#include "tf-cli.h"
#include "tf-error.h"
#include "tf-image.h"

/* Refuse before decoding what would not fit in memory: 30,000 x 30,000 RGB
 * is 2.7 GB, beyond what a face crop needs. */
#define MAX_PIXELS (200u * 1000u * 1000u)

gboolean
tf_cli_load_input (const char        *path,
                   const TfInputSpec *spec,
                   float             *out,
                   int               *width,
                   int               *height,
                   GError           **error)
{
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  g_autoptr(GdkPixbuf) oriented = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *display = g_filename_display_name (path);
  GdkPixbufFormat *format;
  int w = 0, h = 0;

  format = gdk_pixbuf_get_file_info (path, &w, &h);
  if (format == NULL)
    {
      if (!g_file_test (path, G_FILE_TEST_EXISTS))
        g_set_error (error, TF_ERROR, TF_ERROR_IO, "%s: no such file", display);
      else
        g_set_error (error, TF_ERROR, TF_ERROR_INPUT, "%s: not an image format this system can decode", display);
      return FALSE;
    }
  if (w <= 0 || h <= 0 || (guint64) w * h > MAX_PIXELS)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_INPUT, "%s: image of %d x %d pixels is outside what can be read (at most %u megapixels)",
                   display, w, h, MAX_PIXELS / 1000000);
      return FALSE;
    }

  pixbuf = gdk_pixbuf_new_from_file (path, &local_error);
  if (pixbuf == NULL)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_INPUT, "%s: cannot decode the image: %s", display,
                   local_error ? local_error->message : "unknown error");
      return FALSE;
    }
  /* photos from cameras store their rotation in EXIF */
  oriented = gdk_pixbuf_apply_embedded_orientation (pixbuf);
  if (oriented == NULL)
    oriented = g_object_ref (pixbuf);

  if (gdk_pixbuf_get_colorspace (oriented) != GDK_COLORSPACE_RGB ||
      gdk_pixbuf_get_bits_per_sample (oriented) != 8)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_INPUT, "%s: unsupported pixel format", display);
      return FALSE;
    }

  tf_image_to_input (gdk_pixbuf_read_pixels (oriented),
                     gdk_pixbuf_get_width (oriented), gdk_pixbuf_get_height (oriented),
                     gdk_pixbuf_get_rowstride (oriented), gdk_pixbuf_get_n_channels (oriented),
                     spec, out);
  if (width)
    *width = gdk_pixbuf_get_width (oriented);
  if (height)
    *height = gdk_pixbuf_get_height (oriented);
  return TRUE;
}

void
tf_json_string (GString    *s,
                const char *str)
{
  g_string_append_c (s, '"');
  for (const char *p = str; *p; p++)
    {
      unsigned char ch = (unsigned char) *p;
      if (ch == '"' || ch == '\\')
        g_string_append_printf (s, "\\%c", ch);
      else if (ch < 0x20)
        g_string_append_printf (s, "\\u%04x", ch);
      else
        g_string_append_c (s, (char) ch);
    }
  g_string_append_c (s, '"');
}

void
tf_json_floats (GString     *s,
                const float *v,
                gsize        n)
{
  g_string_append_c (s, '[');
  for (gsize i = 0; i < n; i++)
    {
      char buf[G_ASCII_DTOSTR_BUF_SIZE];
      if (i)
        g_string_append_c (s, ',');
      /* 9 significant digits round-trip a float exactly */
      if (isfinite (v[i]))
        g_string_append (s, g_ascii_formatd (buf, sizeof buf, "%.9g", v[i]));
      else
        g_string_append (s, "null");
    }
  g_string_append_c (s, ']');
}

/* $@env, else the installed copy of data/models/@name, else the source
 * tree's (running from the build folder). */
static char *
find_shipped (const char *env,
              const char *name)
{
  const char *value = g_getenv (env);
  const char *dirs[] = { TF_DATADIR, TF_SOURCE_DATADIR };

  if (value && *value)
    return g_strdup (value);
  for (guint i = 0; i < G_N_ELEMENTS (dirs); i++)
    {
      char *path = g_build_filename (dirs[i], "models", name, NULL);
      if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
        return path;
      g_free (path);
    }
  return NULL;
}

char *
tf_cli_default_model (void)
{
  return find_shipped ("TRANSFER_MODEL", "transfer-ferplus.safetensors");
}

char *
tf_cli_default_detector (void)
{
  return find_shipped ("TRANSFER_DETECTOR", "yunet.safetensors");
}

/* Linux reports the peak resident set in KiB. */
double
tf_cli_peak_rss_mb (void)
{
  struct rusage ru;

  getrusage (RUSAGE_SELF, &ru);
  return ru.ru_maxrss / 1024.0;
}

int
tf_cli_usage_error (GOptionContext *ctx,
                    const char     *message)
{
  g_autofree char *help = g_option_context_get_help (ctx, TRUE, NULL);

  g_printerr ("transfer-cli: %s\n\n%s", message, help);
  return 2;
}
