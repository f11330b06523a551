/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gstdio.h>
#include <jpeglib.h>
#include <jerror.h>
#include <math.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tf-align.h"
#include "tf-datafiles.h"
#include "tf-decode.h"
#include "tf-error.h"
#include "tf-image.h"
#include "tf-image-header.h"
#include "tf-media.h"


/* Only a regular file that can be opened is handed to a decoder: a FIFO or
 * a device would block it forever, and a folder or an unreadable file is
 * not "an unknown image format". */
static gboolean
check_readable_file (const char  *path,
                     const char  *display,
                     GError     **error)
{
  GStatBuf st;
  int fd;

  if (g_stat (path, &st) != 0)
    {
      int err = errno;
      g_set_error (error, TF_ERROR, TF_ERROR_IO, "%s: %s", display,
                   err == ENOENT ? "no such file" : g_strerror (err));
      return FALSE;
    }
  if (S_ISDIR (st.st_mode))
    {
      g_set_error (error, TF_ERROR, TF_ERROR_INPUT, "%s: is a folder, not a picture", display);
      return FALSE;
    }
  if (!S_ISREG (st.st_mode))
    {
      g_set_error (error, TF_ERROR, TF_ERROR_INPUT, "%s: not a regular file (a pipe, socket or device)", display);
      return FALSE;
    }
  if ((fd = g_open (path, O_RDONLY | O_CLOEXEC, 0)) < 0)
    {
      int err = errno;
      g_set_error (error, TF_ERROR, TF_ERROR_IO, "%s: cannot be read: %s", display, g_strerror (err));
      return FALSE;
    }
  close (fd);
  return TRUE;
}

/* ---- whether a JPEG's picture data decodes without complaint ------------- */

typedef struct
{
  struct jpeg_error_mgr pub;
  jmp_buf               jump;
  gboolean              damaged;
  char                  message[JMSG_LENGTH_MAX];
} JpegCheckError;

static void
jpeg_check_error_exit (j_common_ptr cinfo)
{
  JpegCheckError *err = (JpegCheckError *) cinfo->err;

  err->pub.format_message (cinfo, err->message);
  longjmp (err->jump, 1);
}

/* libjpeg reports damage to the entropy-coded data as warnings, and fills
 * the rest of the picture with grey: the first one is kept. Warnings about
 * metadata (an unknown JFIF version, an odd Adobe transform, a bad ICC
 * profile) are no damage to the picture. */
static void
jpeg_check_emit_message (j_common_ptr cinfo,
                         int          level)
{
  JpegCheckError *err = (JpegCheckError *) cinfo->err;
  int code = err->pub.msg_code;

  if (level >= 0 || err->damaged)
    return;
  if (code == JWRN_JFIF_MAJOR || code == JWRN_ADOBE_XFORM || code == JWRN_BOGUS_ICC)
    return;
  err->damaged = TRUE;
  err->pub.format_message (cinfo, err->message);
}

static void
jpeg_check_output_message (j_common_ptr cinfo)
{
  (void) cinfo;   /* nothing on stderr */
}

/* Decodes the JPEG in @data at an eighth of its size (every coefficient is
 * still entropy-decoded, the inverse DCT is cheap) and returns libjpeg's
 * first complaint, or NULL when it has none. A picture of more than
 * TF_MEDIA_MAX_PIXELS is not decoded (its size is refused elsewhere). */
static char *
jpeg_decode_problem (const guint8 *data,
                     gsize         len)
{
  struct jpeg_decompress_struct cinfo;
  JpegCheckError err;
  JSAMPARRAY row;

  memset (&err, 0, sizeof err);
  cinfo.err = jpeg_std_error (&err.pub);
  err.pub.error_exit = jpeg_check_error_exit;
  err.pub.emit_message = jpeg_check_emit_message;
  err.pub.output_message = jpeg_check_output_message;
  if (setjmp (err.jump))
    {
      jpeg_destroy_decompress (&cinfo);
      return g_strdup (err.message);
    }
  jpeg_create_decompress (&cinfo);
  jpeg_mem_src (&cinfo, data, (unsigned long) len);
  jpeg_read_header (&cinfo, TRUE);
  if ((guint64) cinfo.image_width * cinfo.image_height > TF_MEDIA_MAX_PIXELS)
    {
      jpeg_destroy_decompress (&cinfo);
      return NULL;
    }
  cinfo.scale_num = 1;
  cinfo.scale_denom = 8;
  cinfo.dct_method = JDCT_IFAST;
  cinfo.do_fancy_upsampling = FALSE;
  jpeg_start_decompress (&cinfo);
  /* freed with the decompressor, also when an error jumps out */
  row = cinfo.mem->alloc_sarray ((j_common_ptr) &cinfo, JPOOL_IMAGE,
                                 cinfo.output_width * cinfo.output_components, 1);
  while (cinfo.output_scanline < cinfo.output_height && !err.damaged)
    jpeg_read_scanlines (&cinfo, row, 1);
  if (!err.damaged)
    jpeg_finish_decompress (&cinfo);
  jpeg_destroy_decompress (&cinfo);
  return err.damaged ? g_strdup (err.message) : NULL;
}

gboolean
tf_decode_check_whole (const char  *path,
                       const char  *display,
                       GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GMappedFile) mapped = g_mapped_file_new (path, FALSE, &local_error);
  const char *damage;
  TfImageHeader header;

  if (mapped == NULL)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_IO, "%s: cannot be read: %s", display, local_error->message);
      return FALSE;
    }
  damage = tf_image_header_check_complete ((const guint8 *) g_mapped_file_get_contents (mapped),
                                           g_mapped_file_get_length (mapped));
  if (damage)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_INPUT, "%s: damaged or truncated: %s", display, damage);
      return FALSE;
    }
  /* whole, but its picture data may be damaged inside: decoders make grey
   * of it and say nothing */
  if (tf_image_header_sniff ((const guint8 *) g_mapped_file_get_contents (mapped),
                             g_mapped_file_get_length (mapped), &header) &&
      header.format == TF_IMAGE_HEADER_FORMAT_JPEG)
    {
      g_autofree char *problem = jpeg_decode_problem ((const guint8 *) g_mapped_file_get_contents (mapped),
                                                      g_mapped_file_get_length (mapped));
      if (problem)
        {
          g_set_error (error, TF_ERROR, TF_ERROR_INPUT, "%s: damaged or truncated: %s", display, problem);
          return FALSE;
        }
    }
  return TRUE;
}

guint8 *
tf_decode_rgb (const char  *path,
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
  if (!check_readable_file (path, display, error))
    return NULL;
  /* the header first: nothing is decoded that would not fit (a TIFF cut
   * before its directory is not even recognised: said as damaged) */
  if (gdk_pixbuf_get_file_info (path, &w, &h) == NULL)
    {
      if (tf_decode_check_whole (path, display, error))
        g_set_error (error, TF_ERROR, TF_ERROR_INPUT, "%s: not an image format this system can decode", display);
      return NULL;
    }
  if (w > 0 && h > 0 && (guint64) w * h > TF_MEDIA_MAX_PIXELS)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_INPUT, "%s: %dx%d pixels, more than the %u-megapixel limit",
                   display, w, h, TF_MEDIA_MAX_PIXELS / 1000000);
      return NULL;
    }
  /* decoders fill what a truncated file lacks with grey, black or whatever
   * memory held, and say nothing: the structure says */
  if (!tf_decode_check_whole (path, display, error))
    return NULL;
  if (w <= 0 || h <= 0)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_INPUT, "%s: invalid picture size %d x %d in the header", display, w, h);
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
      w <= 0 || h <= 0 || (guint64) w * h > TF_MEDIA_MAX_PIXELS)
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

gboolean
tf_decode_input (const char        *path,
                 const TfInputSpec *spec,
                 float             *out,
                 int               *width,
                 int               *height,
                 GError           **error)
{
  g_autofree guint8 *rgb = NULL;
  int w, h, stride;

  g_return_val_if_fail (path != NULL && spec != NULL && out != NULL, FALSE);

  if (!(rgb = tf_decode_rgb (path, &w, &h, &stride, error, NULL)))
    return FALSE;
  tf_image_to_input (rgb, w, h, stride, 3, spec, out);
  if (width)
    *width = w;
  if (height)
    *height = h;
  return TRUE;
}

/* ---- the main face of a photo, aligned -------------------------------------- */

struct _TfFaceCropper
{
  GMutex          lock;       /* one detector, shared by the loader's threads */
  TfDetector     *detector;
  TfModel        *model;
  TfCropTemplate  tmpl;
  int             size;
  GPtrArray      *missed;     /* display names of the photos without a face, under lock */
};

TfFaceCropper *
tf_face_cropper_new (TfModel    *model,
                     const char *detector_path,
                     GError    **error)
{
  g_autofree char *dp = detector_path ? g_strdup (detector_path) : tf_data_find (TF_DATA_DETECTOR);
  TfFaceCropper *al;
  TfCropTemplate tmpl;

  if (dp == NULL)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_IO, "the shipped face detector is not installed: give --detector");
      return NULL;
    }
  if (!tf_crop_template_from_spec (&model->input, &tmpl, error))
    return NULL;
  al = g_new0 (TfFaceCropper, 1);
  if (!(al->detector = tf_detector_load (dp, error)))
    {
      g_free (al);
      return NULL;
    }
  tf_detector_set_threads (al->detector, 1);
  g_mutex_init (&al->lock);
  al->missed = g_ptr_array_new_with_free_func (g_free);
  al->model = model;
  al->tmpl = tmpl;
  al->size = tmpl.source_size;
  return al;
}

void
tf_face_cropper_free (TfFaceCropper *al)
{
  if (al == NULL)
    return;
  tf_detector_free (al->detector);
  g_ptr_array_unref (al->missed);
  g_mutex_clear (&al->lock);
  g_free (al);
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

char **
tf_face_cropper_get_missed (TfFaceCropper *al)
{
  GStrvBuilder *builder = g_strv_builder_new ();
  char **names;

  g_return_val_if_fail (al != NULL, NULL);

  g_mutex_lock (&al->lock);
  g_ptr_array_sort (al->missed, compare_names);
  for (guint i = 0; i < al->missed->len; i++)
    g_strv_builder_add (builder, g_ptr_array_index (al->missed, i));
  g_mutex_unlock (&al->lock);
  names = g_strv_builder_end (builder);
  g_strv_builder_unref (builder);
  return names;
}

guint8 *
tf_decode_face_crop (const char  *path,
                     int         *width,
                     int         *height,
                     int         *stride,
                     GError     **error,
                     gpointer     user_data)
{
  TfFaceCropper *al = user_data;
  g_autofree guint8 *rgb = tf_decode_rgb (path, width, height, stride, error, NULL);
  g_autoptr(GArray) faces = NULL;
  const TfFace *best = NULL;
  TfSimilarity m;
  guint8 *crop;
  int chosen;

  if (rgb == NULL)
    return NULL;
  g_mutex_lock (&al->lock);
  faces = tf_detect_photo (al->detector, rgb, *width, *height, *stride, error);
  g_mutex_unlock (&al->lock);
  if (faces == NULL)
    return NULL;
  /* the main face: the one the application chooses too */
  chosen = tf_face_main (faces->len > 0 ? &g_array_index (faces, TfFace, 0).x : NULL,
                       sizeof (TfFace) / sizeof (float), faces->len, *width, *height);
  best = chosen >= 0 ? &g_array_index (faces, TfFace, chosen) : NULL;
  if (best == NULL || !tf_align_transform (best->landmarks, &al->tmpl, al->size, &m))
    {
      g_autofree char *display = g_filename_display_name (path);
      g_mutex_lock (&al->lock);
      g_ptr_array_add (al->missed, g_strdup (display));
      g_mutex_unlock (&al->lock);
      g_set_error (error, TF_ERROR, TF_ERROR_INPUT, "%s: no face found", display);
      return NULL;
    }
  crop = g_malloc ((gsize) al->size * al->size * 3);
  tf_align_warp_rgb (rgb, *width, *height, *stride, &m, al->size, crop);
  *width = *height = al->size;
  *stride = al->size * 3;
  return crop;
}

void
tf_decode_resize_rgb (const guint8 *rgb,
                      int           width,
                      int           height,
                      int           stride,
                      int           size,
                      guint8       *out)
{
  g_autofree float *plane = g_new (float, (gsize) width * height);
  g_autofree float *small = g_new (float, (gsize) size * size);

  for (int c = 0; c < 3; c++)
    {
      for (int y = 0; y < height; y++)
        for (int x = 0; x < width; x++)
          plane[(gsize) y * width + x] = rgb[(gsize) y * stride + 3 * x + c];
      tf_image_resample_plane (plane, width, height, small, size, size);
      for (int i = 0; i < size * size; i++)
        out[3 * i + c] = (guint8) CLAMP (lrintf (small[i]), 0, 255);
    }
}
