/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The media reader on files made here with GStreamer itself: frame counts,
 * indices and times for each sampling mode, accurate seeking, photos and
 * their EXIF orientation, every kind of bad input, cancel. */
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <gst/gst.h>
#include <math.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include "tf-image-header.h"
#include "tf-media.h"
#include "tf-test-util.h"

static char *tmpdir;   /* fixtures, made once */

/* ---- fixtures ------------------------------------------------------------- */

static char *
fixture (const char *name)
{
  return g_build_filename (tmpdir, name, NULL);
}

/* Runs a gst-launch style description to EOS, or returns FALSE when an
 * element it needs is not installed (the caller skips). */
static gboolean
encode (const char *description,
        const char *out)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *full = g_strdup_printf ("%s ! filesink location=\"%s\"", description, out);
  g_autoptr(GstElement) pipeline = NULL;
  g_autoptr(GstBus) bus = NULL;
  g_autoptr(GstMessage) msg = NULL;

  if (g_file_test (out, G_FILE_TEST_EXISTS))
    return TRUE;
  pipeline = gst_parse_launch (full, &error);
  if (pipeline == NULL || error != NULL)
    {
      g_test_message ("cannot build '%s': %s", description, error ? error->message : "?");
      return FALSE;
    }
  bus = gst_element_get_bus (pipeline);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  msg = gst_bus_timed_pop_filtered (bus, 60 * GST_SECOND, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  if (msg == NULL || GST_MESSAGE_TYPE (msg) != GST_MESSAGE_EOS)
    {
      g_autoptr(GError) e = NULL;
      if (msg != NULL)
        gst_message_parse_error (msg, &e, NULL);
      g_error ("encoding '%s' failed: %s", description, e ? e->message : "timeout");
    }
  return TRUE;
}

#define SMALL_VIDEO "videotestsrc num-buffers=60 pattern=ball ! video/x-raw,width=160,height=120,framerate=30/1"

typedef struct
{
  const char *name;
  const char *description;
} VideoFormat;

static const VideoFormat formats[] = {
  { "v.webm", SMALL_VIDEO " ! vp8enc ! webmmux" },
  { "v9.webm", SMALL_VIDEO " ! vp9enc deadline=1 cpu-used=8 ! webmmux" },
  { "v.mp4", SMALL_VIDEO " ! x264enc speed-preset=ultrafast ! mp4mux" },
  { "v.ogv", SMALL_VIDEO " ! theoraenc ! oggmux" },
};

/* A fixture video, or NULL after g_test_skip when its encoder is missing. */
static char *
video_fixture (const VideoFormat *f)
{
  g_autofree char *path = fixture (f->name);

  if (!encode (f->description, path))
    {
      g_test_skip ("encoder not installed");
      return NULL;
    }
  return g_steal_pointer (&path);
}

static guint32
crc32_update (guint32       crc,
              const guint8 *p,
              gsize         n)
{
  crc = ~crc;
  for (gsize i = 0; i < n; i++)
    {
      crc ^= p[i];
      for (int k = 0; k < 8; k++)
        crc = (crc >> 1) ^ (0xEDB88320u & -(crc & 1));
    }
  return ~crc;
}

static void
png_chunk (GByteArray   *out,
           const char   *type,
           const guint8 *data,
           gsize         len)
{
  guint8 be[4] = { len >> 24, len >> 16, len >> 8, len };
  guint32 crc = crc32_update (0, (const guint8 *) type, 4);

  crc = crc32_update (crc, data, len);
  g_byte_array_append (out, be, 4);
  g_byte_array_append (out, (const guint8 *) type, 4);
  g_byte_array_append (out, data, len);
  be[0] = crc >> 24, be[1] = crc >> 16, be[2] = crc >> 8, be[3] = crc;
  g_byte_array_append (out, be, 4);
}

/* A valid 1-bit greyscale PNG of side x side pixels, all black: a few
 * hundred KB on disk, side*side bytes once decoded to GRAY8. */
static void
write_big_png (const char *path,
               guint32     side)
{
  g_autoptr(GByteArray) png = g_byte_array_new ();
  g_autoptr(GByteArray) idat = g_byte_array_new ();
  g_autoptr(GZlibCompressor) z = g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_ZLIB, 1);
  g_autofree guint8 *row = g_malloc0 (1 + (side + 7) / 8);
  gsize row_len = 1 + (side + 7) / 8;
  guint8 ihdr[13] = { side >> 24, side >> 16, side >> 8, side, side >> 24, side >> 16, side >> 8, side,
                      1 /* bit depth */, 0 /* grey */, 0, 0, 0 };
  guint8 buf[65536];
  g_autoptr(GError) error = NULL;

  for (guint32 y = 0; y <= side; y++)
    {
      gsize in_len = y < side ? row_len : 0, read = 0, written;
      GConverterFlags flags = y < side ? G_CONVERTER_NO_FLAGS : G_CONVERTER_INPUT_AT_END;
      GConverterResult r;

      do
        {
          r = g_converter_convert (G_CONVERTER (z), row + read, in_len - read, buf, sizeof buf,
                                   flags, &read, &written, &error);
          g_assert_no_error (error);
          g_byte_array_append (idat, buf, written);
          in_len -= read;
          read = 0;
        }
      while (in_len > 0 || (flags == G_CONVERTER_INPUT_AT_END && r != G_CONVERTER_FINISHED));
    }
  g_byte_array_append (png, (const guint8 *) "\x89PNG\r\n\x1a\n", 8);
  png_chunk (png, "IHDR", ihdr, sizeof ihdr);
  png_chunk (png, "IDAT", idat->data, idat->len);
  png_chunk (png, "IEND", NULL, 0);
  g_assert_true (g_file_set_contents (path, (const char *) png->data, png->len, NULL));
}

static void
put16 (guint8  *p,
       guint    v,
       gboolean little)
{
  p[little ? 0 : 1] = v & 0xFF;
  p[little ? 1 : 0] = (v >> 8) & 0xFF;
}

static void
put32 (guint8  *p,
       guint32  v,
       gboolean little)
{
  put16 (p + (little ? 0 : 2), v & 0xFFFF, little);
  put16 (p + (little ? 2 : 0), v >> 16, little);
}

/* An APP1 segment with an EXIF IFD0 holding only Orientation. */
static GBytes *
exif_app1 (int      orientation,
           gboolean little)
{
  guint8 tiff[26] = { 0 };
  GByteArray *seg = g_byte_array_new ();
  guint len = 2 + 6 + sizeof tiff;
  const guint8 head[4] = { 0xFF, 0xE1, len >> 8, len & 0xFF };

  tiff[0] = tiff[1] = little ? 'I' : 'M';
  put16 (tiff + 2, 42, little);
  put32 (tiff + 4, 8, little);        /* IFD0 right after the header */
  put16 (tiff + 8, 1, little);        /* one entry: */
  put16 (tiff + 10, 0x0112, little);  /* Orientation, */
  put16 (tiff + 12, 3, little);       /* SHORT, */
  put32 (tiff + 14, 1, little);       /* count 1, */
  put16 (tiff + 18, orientation, little);
  put32 (tiff + 22, 0, little);       /* no next IFD */
  g_byte_array_append (seg, head, 4);
  g_byte_array_append (seg, (const guint8 *) "Exif\0\0", 6);
  g_byte_array_append (seg, tiff, sizeof tiff);
  return g_byte_array_free_to_bytes (seg);
}

/* The base JPEG with an EXIF orientation spliced in after SOI. */
static char *
oriented_jpeg (int orientation)
{
  g_autofree char *base = fixture ("base.jpg");
  g_autofree char *name = g_strdup_printf ("o%d.jpg", orientation);
  char *path = fixture (name);
  g_autofree char *data = NULL;
  g_autoptr(GBytes) app1 = exif_app1 (orientation, orientation % 2 == 0);
  g_autoptr(GByteArray) out = g_byte_array_new ();
  gsize len;

  g_assert_true (encode ("videotestsrc num-buffers=1 pattern=smpte ! video/x-raw,width=64,height=48 ! jpegenc quality=95", base));
  g_assert_true (g_file_get_contents (base, &data, &len, NULL));
  g_byte_array_append (out, (const guint8 *) data, 2);
  g_byte_array_append (out, g_bytes_get_data (app1, NULL), g_bytes_get_size (app1));
  g_byte_array_append (out, (const guint8 *) data + 2, len - 2);
  g_assert_true (g_file_set_contents (path, (const char *) out->data, out->len, NULL));
  return path;
}

/* ---- helpers -------------------------------------------------------------- */

static TfMedia *
open_ok (const char           *path,
         const TfMediaOptions *options)
{
  g_autoptr(GError) error = NULL;
  TfMedia *m = tf_media_open (path, options, &error);

  g_assert_no_error (error);
  g_assert_nonnull (m);
  return m;
}

/* Reads every kept frame: their count, and indices and times into @frames
 * (g_array of TfFrame without pixels). */
static GArray *
read_all (TfMedia *m)
{
  GArray *frames = g_array_new (FALSE, TRUE, sizeof (TfFrame));
  g_autoptr(GError) error = NULL;
  TfFrame *f;

  while ((f = tf_media_next (m, &error)) != NULL)
    {
      TfFrame copy = *f;
      g_assert_cmpint (f->width, ==, tf_media_get_width (m));
      g_assert_cmpint (f->height, ==, tf_media_get_height (m));
      g_assert_cmpint (f->stride, >=, f->width * 3);
      copy.rgb = NULL;
      g_array_append_val (frames, copy);
      tf_frame_free (f);
    }
  g_assert_no_error (error);
  return frames;
}

/* Opens @path (open may already fail) and reads to the end: the failure
 * must be @code, name the file, and contain @contains when given. Returns
 * how many frames came before it. */
static int
expect_failure (const char           *path,
                const TfMediaOptions *options,
                int                   code,
                const char           *contains)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TfMedia) m = tf_media_open (path, options, &error);
  g_autofree char *base = g_path_get_basename (path);
  int frames = 0;

  if (m != NULL)
    {
      TfFrame *f;
      while ((f = tf_media_next (m, &error)) != NULL)
        {
          tf_frame_free (f);
          frames++;
        }
    }
  g_assert_nonnull (error);
  g_test_message ("%s: %s", base, error->message);
  g_assert_error (error, TF_MEDIA_ERROR, code);
  g_assert_nonnull (strstr (error->message, base));
  if (contains != NULL)
    g_assert_nonnull (strstr (error->message, contains));
  /* asking again repeats the failure, never a crash */
  if (m != NULL)
    {
      g_autoptr(GError) again = NULL;
      g_assert_null (tf_media_next (m, &again));
      g_assert_error (again, TF_MEDIA_ERROR, code);
    }
  return frames;
}

static long
peak_rss_kb (void)
{
  struct rusage r;

  getrusage (RUSAGE_SELF, &r);
  return r.ru_maxrss;
}

/* ---- videos --------------------------------------------------------------- */

static void
test_video_every (gconstpointer data)
{
  g_autofree char *path = video_fixture (data);
  const TfMediaOptions every7 = { .every = 7 };

  if (path == NULL)
    return;
  {
    g_autoptr(TfMedia) m = open_ok (path, NULL);
    g_autoptr(GArray) frames = NULL;

    g_assert_cmpint (tf_media_get_kind (m), ==, TF_MEDIA_VIDEO);
    g_assert_cmpint (tf_media_get_width (m), ==, 160);
    g_assert_cmpint (tf_media_get_height (m), ==, 120);
    g_assert_cmpfloat_with_epsilon (tf_media_get_fps (m), 30.0, 1e-6);
    g_assert_cmpfloat_with_epsilon (tf_media_get_duration (m), 2.0, 0.05);
    frames = read_all (m);
    g_assert_cmpuint (frames->len, ==, 60);
    for (guint i = 0; i < frames->len; i++)
      {
        TfFrame *f = &g_array_index (frames, TfFrame, i);
        g_assert_cmpint (f->index, ==, i);
        g_assert_cmpfloat_with_epsilon (f->time_s, i / 30.0, 1e-3);
      }
    /* at the end it stays at the end */
    g_assert_null (tf_media_next (m, NULL));
  }
  {
    g_autoptr(TfMedia) m = open_ok (path, &every7);
    g_autoptr(GArray) frames = read_all (m);

    g_assert_cmpuint (frames->len, ==, 9);   /* 0, 7, ..., 56 */
    for (guint i = 0; i < frames->len; i++)
      g_assert_cmpint (g_array_index (frames, TfFrame, i).index, ==, 7 * i);
  }
}

static void
test_video_fps (gconstpointer data)
{
  g_autofree char *path = video_fixture (data);
  const double rates[] = { 10, 7, 30, 100, 0.7 };

  if (path == NULL)
    return;
  for (guint r = 0; r < G_N_ELEMENTS (rates); r++)
    {
      const TfMediaOptions o = { .fps = rates[r] };
      g_autoptr(TfMedia) m = open_ok (path, &o);
      g_autoptr(GArray) frames = read_all (m);
      int expect[60], n_expect = 0;

      /* for each multiple of 1 / fps, the first frame (at i / 30) at or after it */
      for (int k = 0; k / rates[r] <= 59 / 30.0 + 1e-9; k++)
        {
          int i = (int) ceil (k / rates[r] * 30 - 1e-6);
          if (n_expect == 0 || expect[n_expect - 1] != i)
            expect[n_expect++] = i;
        }
      g_assert_cmpuint (frames->len, ==, n_expect);
      for (int j = 0; j < n_expect; j++)
        g_assert_cmpint (g_array_index (frames, TfFrame, j).index, ==, expect[j]);
      g_test_message ("fps %.1f: %u frames", rates[r], frames->len);
    }
}

static void
test_video_seek (gconstpointer data)
{
  g_autofree char *path = video_fixture (data);
  const double targets[] = { 0.5, 0.51, 1.234, 0.0, 1.9, 0.0334 };
  g_autoptr(TfMedia) m = NULL;
  g_autoptr(GError) error = NULL;
  const TfMediaOptions every5 = { .every = 5 };

  if (path == NULL)
    return;
  m = open_ok (path, NULL);
  tf_frame_free (tf_media_next (m, NULL));
  for (guint i = 0; i < G_N_ELEMENTS (targets); i++)
    {
      g_autoptr(TfFrame) f = NULL;

      g_assert_true (tf_media_seek (m, targets[i], &error));
      g_assert_no_error (error);
      f = tf_media_next (m, &error);
      g_assert_no_error (error);
      g_assert_nonnull (f);
      g_test_message ("seek %.4f -> frame %" G_GINT64_FORMAT " at %.4f", targets[i], f->index, f->time_s);
      g_assert_cmpfloat (f->time_s, >=, targets[i]);
      g_assert_cmpfloat (f->time_s, <, targets[i] + 1 / 30.0 + 1e-3);
      g_assert_cmpint (f->index, ==, (gint64) llround (f->time_s * 30));
      g_assert_cmpint (f->index, ==, (gint64) ceil (targets[i] * 30 - 1e-6));
    }
  /* seeking onto a frame's own time returns that frame */
  {
    g_autoptr(TfFrame) a = NULL, b = NULL;
    g_assert_true (tf_media_seek (m, 0.8, NULL));
    a = tf_media_next (m, NULL);
    g_assert_true (tf_media_seek (m, a->time_s, NULL));
    b = tf_media_next (m, NULL);
    g_assert_cmpint (a->index, ==, b->index);
    g_assert_cmpmem (a->rgb, (gsize) a->stride * a->height, b->rgb, (gsize) b->stride * b->height);
  }
  /* past the end: a clean end */
  g_assert_true (tf_media_seek (m, 5.0, &error));
  g_assert_null (tf_media_next (m, &error));
  g_assert_no_error (error);

  /* sampling restarts at the seek */
  {
    g_autoptr(TfMedia) s = open_ok (path, &every5);
    g_autoptr(GArray) frames = NULL;

    g_assert_true (tf_media_seek (s, 1.0, NULL));
    frames = read_all (s);
    g_assert_cmpuint (frames->len, ==, 6);   /* 30, 35, ..., 55 */
    for (guint i = 0; i < frames->len; i++)
      g_assert_cmpint (g_array_index (frames, TfFrame, i).index, ==, 30 + 5 * i);
  }
}

static void
test_video_with_audio (void)
{
  g_autofree char *path = fixture ("av.webm");
  g_autoptr(TfMedia) m = NULL;
  g_autoptr(GArray) frames = NULL;

  if (!encode (SMALL_VIDEO " ! vp8enc ! queue ! webmmux name=mux "
               "audiotestsrc num-buffers=90 ! audio/x-raw,rate=44100 ! vorbisenc ! queue ! mux. mux.", path))
    {
      g_test_skip ("encoder not installed");
      return;
    }
  m = open_ok (path, NULL);
  g_assert_cmpint (tf_media_get_kind (m), ==, TF_MEDIA_VIDEO);
  frames = read_all (m);
  g_assert_cmpuint (frames->len, ==, 60);
}

/* ---- photos --------------------------------------------------------------- */

static void
test_photo (void)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "..", "data", "astronaut.png", NULL);
  g_autoptr(TfMedia) m = open_ok (path, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(TfFrame) f = NULL;
  g_autoptr(TfFrame) again = NULL;
  guint64 sum = 0;

  g_assert_cmpint (tf_media_get_kind (m), ==, TF_MEDIA_IMAGE);
  g_assert_cmpint (tf_media_get_width (m), ==, 512);
  g_assert_cmpint (tf_media_get_height (m), ==, 512);
  g_assert_cmpfloat (tf_media_get_duration (m), ==, 0);
  g_assert_cmpfloat (tf_media_get_fps (m), ==, 0);
  f = tf_media_next (m, &error);
  g_assert_no_error (error);
  g_assert_nonnull (f);
  g_assert_cmpint (f->width, ==, 512);
  g_assert_cmpint (f->height, ==, 512);
  g_assert_cmpint (f->index, ==, 0);
  g_assert_cmpfloat (f->time_s, ==, 0);
  for (int y = 0; y < f->height; y++)
    for (int x = 0; x < f->width * 3; x++)
      sum += f->rgb[(gsize) y * f->stride + x];
  g_assert_cmpuint (sum, >, 0);   /* a picture, not black */
  g_assert_null (tf_media_next (m, &error));
  g_assert_no_error (error);

  /* seeking to 0 shows it again; later than 0 there is nothing */
  g_assert_true (tf_media_seek (m, 0, &error));
  again = tf_media_next (m, &error);
  g_assert_no_error (error);
  g_assert_nonnull (again);
  g_assert_cmpmem (f->rgb, (gsize) f->stride * f->height, again->rgb, (gsize) again->stride * again->height);
  g_assert_true (tf_media_seek (m, 1.0, &error));
  g_assert_null (tf_media_next (m, &error));
  g_assert_no_error (error);
}

/* Still pictures in each format an installed encoder makes, from one RGB
 * test card: the lossless ones must decode to the PNG's pixels exactly. */
static void
test_photo_formats (void)
{
  static const struct { const char *name, *encoder; gboolean lossless; } kinds[] = {
    { "card.png", "pngenc", TRUE },
    { "card.tiff", "avenc_tiff", TRUE },   /* gdkpixbufdec: decodebin's avdec_tiff cannot */
    { "card.bmp", "avenc_bmp", TRUE },
    { "card.jpg", "jpegenc", FALSE },
    { "card.webp", "webpenc", FALSE },
  };
  g_autoptr(TfFrame) ref = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    {
      g_autofree char *path = fixture (kinds[i].name);
      g_autofree char *description = g_strdup_printf ("videotestsrc num-buffers=1 pattern=smpte ! "
                                                      "video/x-raw,format=RGB,width=64,height=48 ! "
                                                      "videoconvert ! %s", kinds[i].encoder);
      g_autoptr(TfMedia) m = NULL;
      g_autoptr(GError) error = NULL;
      TfFrame *f;

      if (!encode (description, path))
        {
          g_test_message ("%s: no encoder, not tested", kinds[i].name);
          continue;
        }
      m = open_ok (path, NULL);
      g_assert_cmpint (tf_media_get_kind (m), ==, TF_MEDIA_IMAGE);
      g_assert_cmpint (tf_media_get_width (m), ==, 64);
      g_assert_cmpint (tf_media_get_height (m), ==, 48);
      f = tf_media_next (m, &error);
      g_assert_no_error (error);
      g_assert_nonnull (f);
      g_assert_null (tf_media_next (m, &error));
      g_assert_no_error (error);
      if (ref == NULL)
        ref = f;   /* the PNG */
      else
        {
          if (kinds[i].lossless)
            for (int y = 0; y < f->height; y++)
              g_assert_cmpmem (f->rgb + (gsize) y * f->stride, f->width * 3,
                               ref->rgb + (gsize) y * ref->stride, ref->width * 3);
          tf_frame_free (f);
        }
    }
}

/* Where pixel (x, y) of the upright picture comes from in the stored one
 * (w x h), for each EXIF orientation (as PIL's exif_transpose). */
static void
source_pixel (int  orientation,
              int  w,
              int  h,
              int  x,
              int  y,
              int *sx,
              int *sy)
{
  switch (orientation)
    {
    case 2: *sx = w - 1 - x, *sy = y; break;
    case 3: *sx = w - 1 - x, *sy = h - 1 - y; break;
    case 4: *sx = x, *sy = h - 1 - y; break;
    case 5: *sx = y, *sy = x; break;
    case 6: *sx = y, *sy = h - 1 - x; break;
    case 7: *sx = w - 1 - y, *sy = h - 1 - x; break;
    case 8: *sx = w - 1 - y, *sy = x; break;
    default: *sx = x, *sy = y; break;
    }
}

static void
test_orientation (void)
{
  g_autofree char *base = fixture ("base.jpg");
  g_autoptr(TfFrame) ref = NULL;

  g_free (oriented_jpeg (1));   /* makes base.jpg */
  {
    g_autoptr(TfMedia) m = open_ok (base, NULL);
    ref = tf_media_next (m, NULL);
    g_assert_nonnull (ref);
    g_assert_cmpint (ref->width, ==, 64);
    g_assert_cmpint (ref->height, ==, 48);
  }
  for (int o = 1; o <= 8; o++)
    {
      g_autofree char *path = oriented_jpeg (o);
      g_autofree char *data = NULL;
      g_autoptr(TfMedia) m = NULL;
      g_autoptr(TfFrame) f = NULL;
      gboolean swap = o >= 5;
      gsize len;

      g_assert_true (g_file_get_contents (path, &data, &len, NULL));
      g_assert_cmpint (tf_image_header_jpeg_orientation ((const guint8 *) data, len), ==, o);

      m = open_ok (path, NULL);
      g_assert_cmpint (tf_media_get_width (m), ==, swap ? 48 : 64);
      g_assert_cmpint (tf_media_get_height (m), ==, swap ? 64 : 48);
      f = tf_media_next (m, NULL);
      g_assert_nonnull (f);
      g_assert_cmpint (f->width, ==, swap ? 48 : 64);
      g_assert_cmpint (f->height, ==, swap ? 64 : 48);
      for (int y = 0; y < f->height; y++)
        for (int x = 0; x < f->width; x++)
          {
            int sx, sy;
            source_pixel (o, ref->width, ref->height, x, y, &sx, &sy);
            if (memcmp (f->rgb + (gsize) y * f->stride + 3 * x, ref->rgb + (gsize) sy * ref->stride + 3 * sx, 3) != 0)
              g_error ("orientation %d: pixel (%d, %d) is not stored pixel (%d, %d)", o, x, y, sx, sy);
          }
    }
}

/* The parser on malformed EXIF: every truncation and many corruptions of a
 * valid header read nothing out of bounds (the sanitizer run checks). */
static void
test_exif_parser (void)
{
  g_autoptr(GBytes) app1 = exif_app1 (6, FALSE);
  g_autoptr(GByteArray) jpeg = g_byte_array_new ();
  const guint8 soi[2] = { 0xFF, 0xD8 }, eoi[2] = { 0xFF, 0xD9 };
  const guint8 no_exif[] = { 0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x04, 'J', 'F', 0xFF, 0xD9 };
  guint8 *copy;

  g_byte_array_append (jpeg, soi, 2);
  g_byte_array_append (jpeg, g_bytes_get_data (app1, NULL), g_bytes_get_size (app1));
  g_byte_array_append (jpeg, eoi, 2);
  g_assert_cmpint (tf_image_header_jpeg_orientation (jpeg->data, jpeg->len), ==, 6);
  g_assert_cmpint (tf_image_header_jpeg_orientation (no_exif, sizeof no_exif), ==, 0);
  g_assert_cmpint (tf_image_header_jpeg_orientation (NULL, 0), ==, 0);

  for (guint n = 0; n < jpeg->len; n++)
    {
      copy = g_memdup2 (jpeg->data, n);   /* exactly n bytes: ASan sees any overread */
      /* found only once the whole APP1 segment is there */
      g_assert_cmpint (tf_image_header_jpeg_orientation (copy, n), ==, n < 2 + g_bytes_get_size (app1) ? 0 : 6);
      g_free (copy);
    }
  for (guint i = 2; i < jpeg->len; i++)
    for (int v = 0; v < 256; v += 15)
      {
        int o;
        copy = g_memdup2 (jpeg->data, jpeg->len);
        copy[i] = v;
        o = tf_image_header_jpeg_orientation (copy, jpeg->len);
        g_assert_cmpint (o, >=, 0);
        g_assert_cmpint (o, <=, 8);
        g_free (copy);
      }
}

/* ---- headers (tf-image-header) --------------------------------------------- */

typedef struct
{
  guint8 *map;
  gsize   size;
} Guarded;

/* @data copied so that it ends exactly where an unreadable page begins: a
 * read past its end faults, with or without a sanitizer. */
static const guint8 *
guarded_copy (const guint8 *data,
              gsize         len,
              Guarded      *g)
{
  gsize page = (gsize) sysconf (_SC_PAGESIZE);
  guint8 *end;

  g->size = (len / page + 2) * page;
  g->map = mmap (NULL, g->size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  g_assert_true (g->map != MAP_FAILED);
  end = g->map + g->size - page;
  g_assert_cmpint (mprotect (end, page, PROT_NONE), ==, 0);
  if (len > 0)
    memcpy (end - len, data, len);
  return end - len;
}

static void
guarded_free (Guarded *g)
{
  munmap (g->map, g->size);
}

/* Every public function of tf-image-header on @data: nothing found. */
static void
assert_header_says_nothing (const guint8 *data,
                            gsize         len,
                            gboolean      is_jpeg)
{
  TfImageHeader header;
  guint32 value = 0xdeadbeef;

  g_assert_cmpint (tf_image_header_jpeg_orientation (data, len), ==, 0);
  g_assert_false (tf_image_header_tiff_tag (data, len, 0x0112, &value));
  g_assert_cmpuint (value, ==, 0xdeadbeef);
  g_assert_cmpint (tf_image_header_tiff_orientation (data, len), ==, 0);
  tf_image_header_sniff (data, len, &header);
  g_assert_cmpint (header.format, ==, is_jpeg ? TF_IMAGE_HEADER_FORMAT_JPEG : TF_IMAGE_HEADER_FORMAT_TIFF);
  g_assert_cmpint (header.orientation, ==, 0);
  g_assert_cmpint (header.width, ==, 0);
  g_assert_cmpint (header.height, ==, 0);
}

/* A TIFF block of 8 to 11 bytes that ends exactly at the end of the buffer,
 * alone and as a JPEG's EXIF payload: its IFD0 claims an entry that does
 * not fit. "len - 12" wrapped around for these lengths, and the parser read
 * the entry past the end. */
static void
test_header_short_tiff (void)
{
  for (gsize tiff_len = 8; tiff_len <= 11; tiff_len++)
    for (guint32 ifd = 8; ifd + 2 <= MAX (tiff_len, 10); ifd++)
      for (int little = 0; little <= 1; little++)
        {
          guint8 tiff[11] = { 0 };
          g_autoptr(GByteArray) jpeg = g_byte_array_new ();
          guint seglen = 2 + 6 + tiff_len;
          const guint8 head[6] = { 0xFF, 0xD8, 0xFF, 0xE1, seglen >> 8, seglen & 0xFF };
          g_autofree guint8 *tiff_copy = NULL, *jpeg_copy = NULL;
          Guarded g;

          tiff[0] = tiff[1] = little ? 'I' : 'M';
          put16 (tiff + 2, 42, little);
          put32 (tiff + 4, ifd, little);
          if (ifd + 2 <= tiff_len)
            put16 (tiff + ifd, 1, little);   /* one entry, of which nothing follows */
          g_byte_array_append (jpeg, head, sizeof head);
          g_byte_array_append (jpeg, (const guint8 *) "Exif\0\0", 6);
          g_byte_array_append (jpeg, tiff, tiff_len);

          /* exactly-sized heap copies: ASan sees any read past the end */
          tiff_copy = g_memdup2 (tiff, tiff_len);
          assert_header_says_nothing (tiff_copy, tiff_len, FALSE);
          jpeg_copy = g_memdup2 (jpeg->data, jpeg->len);
          assert_header_says_nothing (jpeg_copy, jpeg->len, TRUE);
          /* and before an unreadable page, for builds without ASan */
          assert_header_says_nothing (guarded_copy (tiff, tiff_len, &g), tiff_len, FALSE);
          guarded_free (&g);
          assert_header_says_nothing (guarded_copy (jpeg->data, jpeg->len, &g), jpeg->len, TRUE);
          guarded_free (&g);
        }
}

/* A BITMAPFILEHEADER and BITMAPINFOHEADER for a 24-bit picture. */
static void
bmp_header (guint8  header[54],
            gint32  width,
            gint32  height,
            guint32 file_size)
{
  memset (header, 0, 54);
  header[0] = 'B';
  header[1] = 'M';
  put32 (header + 2, file_size, TRUE);
  put32 (header + 10, 54, TRUE);      /* pixel data offset */
  put32 (header + 14, 40, TRUE);      /* BITMAPINFOHEADER */
  put32 (header + 18, (guint32) width, TRUE);
  put32 (header + 22, (guint32) height, TRUE);
  put16 (header + 26, 1, TRUE);       /* planes */
  put16 (header + 28, 24, TRUE);      /* bits per pixel */
}

/* The parser on the headers it knows, and on what is none of them. */
static void
test_header_sniff (void)
{
  guint8 tiff[8 + 2 + 3 * 12 + 4] = { 0 };
  guint8 bmp[54], core[26] = { 'B', 'M' };
  const guint8 png[] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
  TfImageHeader header;
  guint32 value;

  for (int little = 0; little <= 1; little++)
    {
      const guint tags[3][3] = { { 0x0100, 4, 70000 }, { 0x0101, 3, 48 }, { 0x0112, 3, 8 } };

      tiff[0] = tiff[1] = little ? 'I' : 'M';
      put16 (tiff + 2, 42, little);
      put32 (tiff + 4, 8, little);
      put16 (tiff + 8, 3, little);
      for (int i = 0; i < 3; i++)
        {
          guint8 *e = tiff + 10 + 12 * i;
          put16 (e, tags[i][0], little);
          put16 (e + 2, tags[i][1], little);
          put32 (e + 4, 1, little);
          if (tags[i][1] == 3)
            put16 (e + 8, tags[i][2], little);
          else
            put32 (e + 8, tags[i][2], little);
        }
      g_assert_true (tf_image_header_sniff (tiff, sizeof tiff, &header));
      g_assert_cmpint (header.format, ==, TF_IMAGE_HEADER_FORMAT_TIFF);
      g_assert_cmpint (header.width, ==, 70000);
      g_assert_cmpint (header.height, ==, 48);
      g_assert_cmpint (header.orientation, ==, 8);
      g_assert_true (tf_image_header_tiff_tag (tiff, sizeof tiff, 0x0101, &value));
      g_assert_cmpuint (value, ==, 48);
      g_assert_false (tf_image_header_tiff_tag (tiff, sizeof tiff, 0x0102, &value));
      /* cut inside the last entry: the size is still there, not the orientation */
      g_assert_true (tf_image_header_sniff (tiff, 10 + 2 * 12 + 11, &header));
      g_assert_cmpint (header.width, ==, 70000);
      g_assert_cmpint (header.orientation, ==, 0);
      /* cut inside the second: neither side */
      g_assert_true (tf_image_header_sniff (tiff, 10 + 12 + 11, &header));
      g_assert_cmpint (header.width, ==, 0);
      g_assert_cmpint (header.height, ==, 0);
    }

  bmp_header (bmp, 640, 480, 54);
  g_assert_true (tf_image_header_sniff (bmp, sizeof bmp, &header));
  g_assert_cmpint (header.format, ==, TF_IMAGE_HEADER_FORMAT_BMP);
  g_assert_cmpint (header.width, ==, 640);
  g_assert_cmpint (header.height, ==, 480);
  g_assert_false (header.top_down);
  bmp_header (bmp, -640, G_MININT32, 54);
  g_assert_true (tf_image_header_sniff (bmp, sizeof bmp, &header));
  g_assert_cmpint (header.width, ==, -640);
  g_assert_cmpint (header.height, ==, (gint64) G_MAXINT32 + 1);
  g_assert_true (header.top_down);
  /* OS/2 BITMAPCOREHEADER: 16-bit unsigned sizes */
  put32 (core + 14, 12, TRUE);
  put16 (core + 18, 40000, TRUE);
  put16 (core + 20, 300, TRUE);
  g_assert_true (tf_image_header_sniff (core, sizeof core, &header));
  g_assert_cmpint (header.width, ==, 40000);
  g_assert_cmpint (header.height, ==, 300);
  g_assert_false (tf_image_header_sniff (core, sizeof core - 1, &header));
  g_assert_cmpint (header.format, ==, TF_IMAGE_HEADER_FORMAT_NONE);

  g_assert_false (tf_image_header_sniff (png, sizeof png, &header));
  g_assert_false (tf_image_header_sniff (NULL, 0, &header));
  g_assert_cmpint (header.format, ==, TF_IMAGE_HEADER_FORMAT_NONE);
}

/* A BMP whose header gives a negative width is refused with that width, not
 * with its two's complement read as unsigned (4294966784x48 pixels). */
static void
test_header_bmp_negative_width (void)
{
  g_autofree char *path = fixture ("negative-width.bmp");
  guint8 bmp[54];
  TfImageHeader header;

  bmp_header (bmp, -512, 48, sizeof bmp);
  g_assert_true (tf_image_header_sniff (bmp, sizeof bmp, &header));
  g_assert_cmpint (header.width, ==, -512);
  g_assert_true (g_file_set_contents (path, (const char *) bmp, sizeof bmp, NULL));
  expect_failure (path, NULL, TF_MEDIA_ERROR_FORMAT, "-512 pixels");
}

/* A top-down BMP (negative height): the height without its sign, and the
 * first stored row at the top of the picture. */
static void
test_header_bmp_top_down (void)
{
  g_autofree char *path = fixture ("top-down.bmp");
  const int w = 4, h = 2, stride = 12;   /* 24-bit rows, padded to 4 bytes */
  guint8 bmp[54 + 2 * 12] = { 0 };
  g_autoptr(TfMedia) m = NULL;
  g_autoptr(TfFrame) f = NULL;
  TfImageHeader header;

  bmp_header (bmp, w, -h, sizeof bmp);
  for (int x = 0; x < w; x++)
    {
      bmp[54 + 3 * x + 2] = 0xFF;              /* first row stored: red (BGR) */
      bmp[54 + stride + 3 * x + 0] = 0xFF;     /* second: blue */
    }
  g_assert_true (tf_image_header_sniff (bmp, sizeof bmp, &header));
  g_assert_cmpint (header.format, ==, TF_IMAGE_HEADER_FORMAT_BMP);
  g_assert_cmpint (header.width, ==, w);
  g_assert_cmpint (header.height, ==, h);
  g_assert_true (header.top_down);

  g_assert_true (g_file_set_contents (path, (const char *) bmp, sizeof bmp, NULL));
  m = open_ok (path, NULL);
  g_assert_cmpint (tf_media_get_width (m), ==, w);
  g_assert_cmpint (tf_media_get_height (m), ==, h);
  f = tf_media_next (m, NULL);
  g_assert_nonnull (f);
  g_assert_cmpint (f->height, ==, h);
  g_assert_cmpmem (f->rgb, 3, "\xff\x00\x00", 3);
  g_assert_cmpmem (f->rgb + f->stride, 3, "\x00\x00\xff", 3);
}

/* ---- bad inputs ------------------------------------------------------------ */

static void
test_bad_files (void)
{
  g_autofree char *missing = fixture ("missing.jpg");
  g_autofree char *empty = fixture ("empty.jpg");
  g_autofree char *text = fixture ("text.jpg");
  g_autofree char *folder = fixture ("folder.mp4");

  g_assert_true (g_file_set_contents (empty, "", 0, NULL));
  g_assert_true (g_file_set_contents (text, "This is not a picture.\nNor a video.\n", -1, NULL));
  g_assert_cmpint (g_mkdir_with_parents (folder, 0700), ==, 0);

  expect_failure (missing, NULL, TF_MEDIA_ERROR_OPEN, "no such file");
  expect_failure (empty, NULL, TF_MEDIA_ERROR_OPEN, "empty");
  expect_failure (folder, NULL, TF_MEDIA_ERROR_OPEN, "folder");
  expect_failure (text, NULL, TF_MEDIA_ERROR_FORMAT, NULL);
}

static void
test_audio_only (void)
{
  const char *descriptions[][2] = {
    { "a.ogg", "audiotestsrc num-buffers=20 ! vorbisenc ! oggmux" },
    { "a.wav", "audiotestsrc num-buffers=20 ! wavenc" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (descriptions); i++)
    {
      g_autofree char *path = fixture (descriptions[i][0]);

      if (!encode (descriptions[i][1], path))
        {
          g_test_skip ("encoder not installed");
          continue;
        }
      expect_failure (path, NULL, TF_MEDIA_ERROR_NO_VIDEO, NULL);
    }
}

static void
test_corrupt_jpeg (void)
{
  g_autofree char *base = fixture ("base.jpg");
  g_autofree char *garbage = fixture ("garbage.jpg");
  g_autofree char *headless = fixture ("headless.jpg");
  g_autofree char *data = NULL;
  gsize len;

  g_free (oriented_jpeg (1));
  g_assert_true (g_file_get_contents (base, &data, &len, NULL));
  /* the entropy-coded half replaced by noise, markers included */
  for (gsize i = len / 2; i < len; i++)
    data[i] = (char) ((i * 7919) >> 3);
  g_assert_true (g_file_set_contents (garbage, data, len, NULL));
  /* a start of image and an APP0, then nothing that makes a picture */
  g_assert_true (g_file_set_contents (headless, "\xff\xd8\xff\xe0\x00\x04JF\xff\xd9", 10, NULL));

  expect_failure (garbage, NULL, TF_MEDIA_ERROR_DECODE, NULL);
  expect_failure (headless, NULL, TF_MEDIA_ERROR_DECODE, NULL);
}

/* A photo cut in half, or with noise over a stretch of its picture data
 * (its end marker kept: whole by its structure), is damaged: an error that
 * names the file, not a picture half grey that the analysis reports as "no
 * face found". The same photo undamaged decodes. */
static void
test_damaged_jpeg (void)
{
  g_autofree char *whole = fixture ("whole.jpg");
  g_autofree char *half = fixture ("cut-in-half.jpg");
  g_autofree char *middle = fixture ("noisy-middle.jpg");
  g_autofree char *data = NULL;
  g_autofree guint8 *rgb = NULL;
  g_autoptr(GError) error = NULL;
  int w, h, stride;
  gsize len;

  g_assert_true (encode ("videotestsrc num-buffers=1 pattern=smpte ! video/x-raw,width=320,height=240 "
                         "! jpegenc quality=90", whole));
  g_assert_true (g_file_get_contents (whole, &data, &len, NULL));
  g_assert_nonnull (rgb = tf_media_read_picture (whole, &w, &h, &stride, &error));
  g_assert_no_error (error);

  g_assert_true (g_file_set_contents (half, data, (gssize) (len / 2), NULL));
  expect_failure (half, NULL, TF_MEDIA_ERROR_DECODE, "damaged or truncated");

  for (gsize i = len / 3; i < len / 2; i++)
    data[i] = (char) ((i * 7919) >> 3);
  g_assert_true (g_file_set_contents (middle, data, (gssize) len, NULL));
  expect_failure (middle, NULL, TF_MEDIA_ERROR_DECODE, "damaged or truncated");
  g_clear_pointer (&rgb, g_free);
  g_assert_null (rgb = tf_media_read_picture (middle, &w, &h, &stride, &error));
  g_assert_error (error, TF_MEDIA_ERROR, TF_MEDIA_ERROR_DECODE);
  g_assert_nonnull (strstr (error->message, "noisy-middle.jpg: damaged or truncated"));
}

static void
test_truncated_video (void)
{
  const VideoFormat *webm = &formats[0];
  g_autofree char *path = video_fixture (webm);
  g_autofree char *cut = fixture ("cut.webm");
  g_autofree char *data = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(TfMedia) m = NULL;
  gint64 last = -1;
  int n = 0;
  TfFrame *f;
  gsize len;

  if (path == NULL)
    return;
  g_assert_true (g_file_get_contents (path, &data, &len, NULL));
  g_assert_true (g_file_set_contents (cut, data, len / 2, NULL));
  /* WebM: the frames before the cut, then a clean end (matroskademux
   * stops at the short read; the reader reports an error only if GStreamer does) */
  m = open_ok (cut, NULL);
  while ((f = tf_media_next (m, &error)) != NULL)
    {
      g_assert_cmpint (f->index, >, last);
      last = f->index;
      tf_frame_free (f);
      n++;
    }
  g_test_message ("cut.webm: %d frames, then %s", n, error ? error->message : "a clean end");
  if (error != NULL)
    g_assert_error (error, TF_MEDIA_ERROR, TF_MEDIA_ERROR_DECODE);
  g_assert_cmpint (n, >, 5);
  g_assert_cmpint (n, <, 60);

  /* MP4 with its index (moov) at the end: nothing is playable */
  {
    g_autofree char *mp4 = video_fixture (&formats[2]);
    g_autofree char *mp4_cut = fixture ("cut.mp4");
    g_autofree char *bytes = NULL;

    if (mp4 == NULL)
      return;
    g_assert_true (g_file_get_contents (mp4, &bytes, &len, NULL));
    g_assert_true (g_file_set_contents (mp4_cut, bytes, len / 2, NULL));
    /* the first open of a process, again and again: decodebin drops the
     * demuxer's error in a race (one such open in three here, while the
     * plugins load), and the open then waited out its 30 s deadline; the
     * demuxer that gave up is seen instead */
    g_setenv ("TF_TEST_CUT_MP4", mp4_cut, TRUE);
    g_setenv ("TF_TEST_CUT_WEBM", cut, TRUE);
    for (int i = 0; i < 6; i++)
      {
        g_test_trap_subprocess ("/media/bad/cut-mp4-first-open", 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
        g_test_trap_assert_passed ();
      }
    g_unsetenv ("TF_TEST_CUT_MP4");
    g_unsetenv ("TF_TEST_CUT_WEBM");
  }
}

/* run by test_truncated_video in a process of its own */
static void
test_cut_mp4_first_open (void)
{
  const char *path = g_getenv ("TF_TEST_CUT_MP4");
  g_autoptr(GError) error = NULL;
  g_autoptr(TfMedia) m = NULL;

  if (!g_test_subprocess () || path == NULL || g_getenv ("TF_TEST_CUT_WEBM") == NULL)
    {
      g_test_skip ("run by /media/bad/truncated-video");
      return;
    }
  /* as the parent did before it: the cut WebM read to its end (its
   * pipeline's threads linger, and the race came with them) */
  {
    g_autoptr(TfMedia) webm = tf_media_open (g_getenv ("TF_TEST_CUT_WEBM"), NULL, NULL);
    TfFrame *f;

    while (webm && (f = tf_media_next (webm, NULL)) != NULL)
      tf_frame_free (f);
  }
  m = tf_media_open (path, NULL, &error);
  g_assert_null (m);
  g_assert_error (error, TF_MEDIA_ERROR, TF_MEDIA_ERROR_DECODE);
  g_printerr ("cut.mp4, a first open: %s\n", error->message);
  g_assert_null (strstr (error->message, "no picture after"));
}

static void
test_too_large (void)
{
  g_autofree char *big = fixture ("big.png");
  g_autofree char *photo = g_test_build_filename (G_TEST_DIST, "..", "data", "astronaut.png", NULL);
  const TfMediaOptions small = { .max_side = 256 };
  long before, after;

  write_big_png (big, 30000);
  before = peak_rss_kb ();
  expect_failure (big, NULL, TF_MEDIA_ERROR_TOO_LARGE, "30000x30000 pixels, larger than the 16384-pixel limit");
  after = peak_rss_kb ();
  g_test_message ("peak RSS %ld KB before, %ld KB after the 30000x30000 PNG", before, after);
  /* decoded, it would be 900 MB of GRAY8 */
  g_assert_cmpint (after - before, <, 100 * 1024);

  expect_failure (photo, &small, TF_MEDIA_ERROR_TOO_LARGE, "512x512 pixels, larger than the 256-pixel limit");

  /* a BMP is refused from its header: its decoder would allocate first */
  {
    g_autofree char *bmp = fixture ("big.bmp");
    guint8 header[54] = { 'B', 'M' };

    put32 (header + 10, 54, TRUE);      /* pixel data offset */
    put32 (header + 14, 40, TRUE);      /* BITMAPINFOHEADER */
    put32 (header + 18, 30000, TRUE);
    put32 (header + 22, (guint32) -30000, TRUE);   /* top-down */
    put16 (header + 26, 1, TRUE);
    put16 (header + 28, 24, TRUE);
    g_assert_true (g_file_set_contents (bmp, (const char *) header, sizeof header, NULL));
    expect_failure (bmp, NULL, TF_MEDIA_ERROR_TOO_LARGE, "30000x30000 pixels, larger than the 16384-pixel limit");
  }
}

/* ---- cancel --------------------------------------------------------------- */

typedef struct
{
  TfMedia *media;
  gint64   cancelled_at;
} CancelData;

static gpointer
cancel_thread (gpointer user_data)
{
  CancelData *d = user_data;

  g_usleep (100 * 1000);
  d->cancelled_at = g_get_monotonic_time ();
  tf_media_cancel (d->media);
  return NULL;
}

static void
test_cancel (void)
{
  g_autofree char *path = fixture ("long.mp4");
  /* 720p black: cheap to encode, a second of colour conversion to read */
  const TfMediaOptions rare = { .every = 1000000 };
  g_autoptr(TfMedia) m = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(TfFrame) first = NULL;
  CancelData d = { 0 };
  GThread *thread;
  gint64 start, returned;

  if (!encode ("videotestsrc num-buffers=200 pattern=black ! video/x-raw,width=1280,height=720,framerate=30/1 ! "
               "x264enc speed-preset=ultrafast ! mp4mux", path))
    {
      g_test_skip ("encoder not installed");
      return;
    }
  m = open_ok (path, &rare);
  first = tf_media_next (m, &error);   /* frame 0; the next kept one would be past the end */
  g_assert_no_error (error);
  d.media = m;
  thread = g_thread_new ("cancel", cancel_thread, &d);
  start = g_get_monotonic_time ();
  g_assert_null (tf_media_next (m, &error));
  returned = g_get_monotonic_time ();
  g_thread_join (thread);
  g_test_message ("next returned %.0f ms after it started, %.0f ms after cancel",
                  (returned - start) / 1e3, (returned - d.cancelled_at) / 1e3);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (returned - d.cancelled_at, <, 500 * 1000);
  g_clear_error (&error);
  /* it stays cancelled */
  g_assert_null (tf_media_next (m, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

/* Going on after a kept frame gives what one read would have given after
 * it, for both ways of sampling. */
static void
test_video_seek_after (gconstpointer data)
{
  g_autofree char *path = video_fixture (data);
  const TfMediaOptions options[] = { { .fps = 7 }, { .every = 4 } };

  if (path == NULL)
    return;
  for (guint o = 0; o < G_N_ELEMENTS (options); o++)
    {
      g_autoptr(TfMedia) whole = open_ok (path, &options[o]);
      g_autoptr(GArray) all = read_all (whole);

      g_assert_cmpuint (all->len, >=, 4);
      for (guint k = 1; k + 1 < all->len; k += all->len / 2)
        {
          g_autoptr(TfMedia) m = open_ok (path, &options[o]);
          g_autoptr(GArray) rest = NULL;
          g_autoptr(GError) error = NULL;

          g_assert_true (tf_media_seek_after (m, g_array_index (all, TfFrame, k).time_s, &error));
          g_assert_no_error (error);
          rest = read_all (m);
          g_assert_cmpuint (rest->len, ==, all->len - k - 1);
          for (guint i = 0; i < rest->len; i++)
            g_assert_cmpint (g_array_index (rest, TfFrame, i).index, ==, g_array_index (all, TfFrame, k + 1 + i).index);
        }
    }
  /* after the last frame: nothing */
  {
    g_autoptr(TfMedia) whole = open_ok (path, &options[1]);
    g_autoptr(GArray) all = read_all (whole);
    g_autoptr(TfMedia) m = open_ok (path, &options[1]);
    g_autoptr(GArray) rest = NULL;

    g_assert_true (tf_media_seek_after (m, g_array_index (all, TfFrame, all->len - 1).time_s, NULL));
    rest = read_all (m);
    g_assert_cmpuint (rest->len, ==, 0);
  }
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  int ret;

  g_test_init (&argc, &argv, NULL);
  if (!gst_init_check (NULL, NULL, &error))
    g_error ("GStreamer: %s", error->message);
  tmpdir = g_dir_make_tmp ("tf-media-XXXXXX", &error);
  g_assert_no_error (error);

  for (guint i = 0; i < G_N_ELEMENTS (formats); i++)
    {
      g_autofree char *every = g_strdup_printf ("/media/video/%s/every", formats[i].name);
      g_autofree char *fps = g_strdup_printf ("/media/video/%s/fps", formats[i].name);
      g_autofree char *seek = g_strdup_printf ("/media/video/%s/seek", formats[i].name);
      g_test_add_data_func (every, &formats[i], test_video_every);
      g_test_add_data_func (fps, &formats[i], test_video_fps);
      g_test_add_data_func (seek, &formats[i], test_video_seek);
      g_autofree char *after = g_strdup_printf ("/media/video/%s/seek-after", formats[i].name);
      g_test_add_data_func (after, &formats[i], test_video_seek_after);
    }
  g_test_add_func ("/media/video/with-audio", test_video_with_audio);
  g_test_add_func ("/media/photo", test_photo);
  g_test_add_func ("/media/photo/formats", test_photo_formats);
  g_test_add_func ("/media/photo/orientation", test_orientation);
  g_test_add_func ("/media/photo/exif-parser", test_exif_parser);
  g_test_add_func ("/media/header/short-tiff", test_header_short_tiff);
  g_test_add_func ("/media/header/sniff", test_header_sniff);
  g_test_add_func ("/media/header/bmp-negative-width", test_header_bmp_negative_width);
  g_test_add_func ("/media/header/bmp-top-down", test_header_bmp_top_down);
  g_test_add_func ("/media/bad/files", test_bad_files);
  g_test_add_func ("/media/bad/audio-only", test_audio_only);
  g_test_add_func ("/media/bad/corrupt-jpeg", test_corrupt_jpeg);
  g_test_add_func ("/media/bad/damaged-jpeg", test_damaged_jpeg);
  g_test_add_func ("/media/bad/truncated-video", test_truncated_video);
  g_test_add_func ("/media/bad/cut-mp4-first-open", test_cut_mp4_first_open);
  g_test_add_func ("/media/bad/too-large", test_too_large);
  g_test_add_func ("/media/cancel", test_cancel);

  ret = g_test_run ();
  tf_test_remove_tmpdir (tmpdir);
  gst_deinit ();
  return ret;
}
