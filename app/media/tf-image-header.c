/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The headers of JPEG, TIFF and BMP files, read by hand: GStreamer gives no
 * orientation tag for a JPEG (jpegparse has rank none, so decodebin never
 * plugs it), and the pixbuf loader that decodes TIFF and BMP allocates the
 * whole picture before anyone sees its size.
 *
 * Every read goes through within(): an offset and a length compared against
 * the buffer's length by subtraction from the larger side only, so that no
 * sum wraps around (a "len - 12" on a 10-byte block would, and did). Fuzzed
 * by tests/fuzz-image-header.c. */
#include <string.h>

#include "tf-image-header.h"

#define TIFF_TAG_IMAGE_WIDTH   0x0100
#define TIFF_TAG_IMAGE_LENGTH  0x0101
#define TIFF_TAG_ORIENTATION   0x0112
#define TIFF_TYPE_SHORT        3
#define TIFF_TYPE_LONG         4
#define TIFF_ENTRY_SIZE        12
#define BMP_HEADER_MIN         26   /* file header (14), header size, width, height */
#define BMP_CORE_HEADER_SIZE   12   /* OS/2 BITMAPCOREHEADER: 16-bit unsigned sizes */

/* TRUE when the @n bytes at @offset lie inside a buffer of @len bytes. */
static inline gboolean
within (gsize offset,
        gsize n,
        gsize len)
{
  return offset <= len && n <= len - offset;
}

static guint
read_u16 (const guint8 *p,
          gboolean      little)
{
  return little ? (guint) p[0] | (guint) p[1] << 8 : (guint) p[0] << 8 | (guint) p[1];
}

static guint32
read_u32 (const guint8 *p,
          gboolean      little)
{
  return little ? (guint32) p[0] | (guint32) p[1] << 8 | (guint32) p[2] << 16 | (guint32) p[3] << 24
                : (guint32) p[0] << 24 | (guint32) p[1] << 16 | (guint32) p[2] << 8 | (guint32) p[3];
}

static gboolean
is_tiff (const guint8 *data,
         gsize         len)
{
  return len >= 8 && ((data[0] == 'I' && data[1] == 'I' && data[2] == 42 && data[3] == 0) ||
                      (data[0] == 'M' && data[1] == 'M' && data[2] == 0 && data[3] == 42));
}

gboolean
tf_image_header_tiff_tag (const guint8 *tiff,
                          gsize         len,
                          guint         tag,
                          guint32      *value)
{
  gboolean little;
  guint32 ifd;
  guint n;

  g_return_val_if_fail (tiff != NULL || len == 0, FALSE);
  g_return_val_if_fail (value != NULL, FALSE);

  if (!within (0, 8, len))
    return FALSE;
  if (tiff[0] == 'I' && tiff[1] == 'I')
    little = TRUE;
  else if (tiff[0] == 'M' && tiff[1] == 'M')
    little = FALSE;
  else
    return FALSE;
  if (read_u16 (tiff + 2, little) != 42)
    return FALSE;
  ifd = read_u32 (tiff + 4, little);
  if (ifd < 8 || !within (ifd, 2, len))
    return FALSE;
  n = read_u16 (tiff + ifd, little);
  for (guint i = 0; i < n; i++)
    {
      /* ifd <= len and i < 65536: no wrap-around short of a buffer near G_MAXSIZE */
      gsize e = (gsize) ifd + 2 + (gsize) i * TIFF_ENTRY_SIZE;
      guint type;

      if (!within (e, TIFF_ENTRY_SIZE, len))
        return FALSE;
      if (read_u16 (tiff + e, little) != tag)
        continue;
      /* one value sits in the first bytes of the 4-byte field */
      type = read_u16 (tiff + e + 2, little);
      if (read_u32 (tiff + e + 4, little) != 1 || (type != TIFF_TYPE_SHORT && type != TIFF_TYPE_LONG))
        return FALSE;
      *value = type == TIFF_TYPE_SHORT ? read_u16 (tiff + e + 8, little) : read_u32 (tiff + e + 8, little);
      return TRUE;
    }
  return FALSE;
}

int
tf_image_header_tiff_orientation (const guint8 *tiff,
                                  gsize         len)
{
  guint32 value = 0;

  g_return_val_if_fail (tiff != NULL || len == 0, 0);

  if (!tf_image_header_tiff_tag (tiff, len, TIFF_TAG_ORIENTATION, &value) || value < 1 || value > 8)
    return 0;
  return (int) value;
}

int
tf_image_header_jpeg_orientation (const guint8 *data,
                                  gsize         len)
{
  gsize p = 2;

  g_return_val_if_fail (data != NULL || len == 0, 0);

  if (len < 4 || data[0] != 0xFF || data[1] != 0xD8)
    return 0;
  /* the segments before the first scan; APP1 "Exif" is the one we want */
  while (within (p, 4, len))
    {
      guint8 marker;
      gsize seglen;

      if (data[p] != 0xFF)
        return 0;
      marker = data[p + 1];
      if (marker == 0xFF)   /* fill byte */
        {
          p++;
          continue;
        }
      if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD8))   /* no length */
        {
          p += 2;
          continue;
        }
      if (marker == 0xDA || marker == 0xD9)   /* start of scan, end of image */
        return 0;
      /* the length counts its own two bytes, not the marker's */
      seglen = read_u16 (data + p + 2, FALSE);
      if (seglen < 2 || !within (p + 2, seglen, len))
        return 0;
      if (marker == 0xE1 && seglen >= 2 + 6 && memcmp (data + p + 4, "Exif\0\0", 6) == 0)
        {
          int o = tf_image_header_tiff_orientation (data + p + 10, seglen - 8);
          if (o != 0)
            return o;
        }
      p += 2 + seglen;
    }
  return 0;
}

gboolean
tf_image_header_sniff (const guint8  *data,
                       gsize          len,
                       TfImageHeader *header)
{
  g_return_val_if_fail (data != NULL || len == 0, FALSE);
  g_return_val_if_fail (header != NULL, FALSE);

  memset (header, 0, sizeof *header);
  if (len >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF)
    {
      header->format = TF_IMAGE_HEADER_FORMAT_JPEG;
      header->orientation = tf_image_header_jpeg_orientation (data, len);
      return TRUE;
    }
  if (is_tiff (data, len))
    {
      guint32 w, h;

      header->format = TF_IMAGE_HEADER_FORMAT_TIFF;
      if (tf_image_header_tiff_tag (data, len, TIFF_TAG_IMAGE_WIDTH, &w) &&
          tf_image_header_tiff_tag (data, len, TIFF_TAG_IMAGE_LENGTH, &h))
        {
          header->width = w;
          header->height = h;
        }
      header->orientation = tf_image_header_tiff_orientation (data, len);
      return TRUE;
    }
  if (len >= BMP_HEADER_MIN && data[0] == 'B' && data[1] == 'M')
    {
      header->format = TF_IMAGE_HEADER_FORMAT_BMP;
      if (read_u32 (data + 14, TRUE) == BMP_CORE_HEADER_SIZE)
        {
          header->width = read_u16 (data + 18, TRUE);
          header->height = read_u16 (data + 20, TRUE);
        }
      else
        {
          gint32 h = (gint32) read_u32 (data + 22, TRUE);   /* negative: stored top-down */

          header->width = (gint32) read_u32 (data + 18, TRUE);
          header->top_down = h < 0;
          header->height = h < 0 ? -(gint64) h : h;
        }
      return TRUE;
    }
  return FALSE;
}
