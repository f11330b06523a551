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

/* ---- is the whole picture there? ------------------------------------------- */

/* JPEG: the segments up to the first scan by their lengths (so a thumbnail
 * inside APP1 is skipped whole), then an end-of-image marker somewhere
 * after it (entropy-coded data stuffs every 0xFF, so FF D9 is the marker). */
static const char *
jpeg_complete (const guint8 *data,
               gsize         len)
{
  gsize p = 2;

  while (within (p, 4, len))
    {
      guint8 marker;
      gsize seglen;

      if (data[p] != 0xFF)
        return "a marker is missing";
      marker = data[p + 1];
      if (marker == 0xFF)
        {
          p++;
          continue;
        }
      if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7))
        {
          p += 2;
          continue;
        }
      if (marker == 0xD9)
        return "it ends before its first scan";
      seglen = read_u16 (data + p + 2, FALSE);
      if (seglen < 2 || !within (p + 2, seglen, len))
        return "it ends inside a header segment";
      p += 2 + seglen;
      if (marker == 0xDA)
        {
          for (gsize q = p; within (q, 2, len); q++)
            if (data[q] == 0xFF && data[q + 1] == 0xD9)
              return NULL;
          return "it ends before the end of its picture data";
        }
    }
  return "it ends before its picture data";
}

/* PNG: chunk by chunk to IEND, each chunk's length inside the file. */
static const char *
png_complete (const guint8 *data,
              gsize         len)
{
  gsize p = 8;

  while (within (p, 12, len))
    {
      guint32 n = read_u32 (data + p, FALSE);

      if (n > G_MAXINT32)
        return "a chunk length is invalid";
      if (!within (p + 8, (gsize) n + 4, len))
        return "it ends inside a chunk";
      if (memcmp (data + p + 4, "IEND", 4) == 0)
        return NULL;
      p += 12 + (gsize) n;
    }
  return "it ends before its last chunk";
}

/* GIF: blocks and sub-blocks to the trailer (0x3B). */
static const char *
gif_complete (const guint8 *data,
              gsize         len)
{
  gsize p = 13;

  if (!within (0, 13, len))
    return "it ends inside its header";
  if (data[10] & 0x80)
    p += (gsize) 3 << ((data[10] & 7) + 1);   /* global colour table */
  while (within (p, 1, len))
    {
      guint8 kind = data[p];

      if (kind == 0x3B)
        return NULL;
      if (kind == 0x21)   /* extension: label, then sub-blocks */
        p += 2;
      else if (kind == 0x2C)   /* image: descriptor, local table, LZW size, sub-blocks */
        {
          if (!within (p, 10, len))
            return "it ends inside an image descriptor";
          if (data[p + 9] & 0x80)
            p += (gsize) 3 << ((data[p + 9] & 7) + 1);
          p += 11;
        }
      else
        return "a block of an unknown kind";
      while (within (p, 1, len) && data[p] != 0)
        p += 1 + (gsize) data[p];
      p++;
    }
  return "it ends before its trailer";
}

/* BMP: uncompressed rows (BI_RGB, BI_BITFIELDS) must all be in the file. */
static const char *
bmp_complete (const guint8 *data,
              gsize         len)
{
  TfImageHeader h;
  guint32 offset, header_size, compression = 0;
  guint bits;
  guint64 row, need;

  if (!tf_image_header_sniff (data, len, &h) || !within (0, 30, len))
    return "it ends inside its header";
  offset = read_u32 (data + 10, TRUE);
  header_size = read_u32 (data + 14, TRUE);
  if (header_size == BMP_CORE_HEADER_SIZE)
    bits = read_u16 (data + 24, TRUE);
  else
    {
      bits = read_u16 (data + 28, TRUE);
      if (within (30, 4, len))
        compression = read_u32 (data + 30, TRUE);
    }
  if (compression != 0 && compression != 3)
    return NULL;   /* run-length coded: the decoder knows where it ends */
  if (h.width <= 0 || h.height <= 0 || bits == 0 || bits > 32)
    return NULL;   /* the decoder refuses these by itself */
  row = ((guint64) h.width * bits + 31) / 32 * 4;
  need = (guint64) offset + row * (guint64) h.height;
  return need <= len ? NULL : "it ends before its last row";
}

/* TIFF: every strip (or tile) that IFD0 lists lies inside the file. */
static const char *
tiff_complete (const guint8 *data,
               gsize         len)
{
  static const guint pairs[2][2] = { { 0x0111, 0x0117 }, { 0x0144, 0x0145 } };   /* strips, tiles */
  gboolean little = data[0] == 'I';
  guint32 ifd = read_u32 (data + 4, little);
  guint n;

  if (ifd < 8 || !within (ifd, 2, len))
    return "its first directory is missing";
  n = read_u16 (data + ifd, little);
  if (!within ((gsize) ifd + 2, (gsize) n * TIFF_ENTRY_SIZE, len))
    return "it ends inside its first directory";
  for (guint k = 0; k < 2; k++)
    {
      const guint8 *offsets = NULL, *counts = NULL;
      guint32 count = 0;
      guint otype = 0, ctype = 0;

      for (guint i = 0; i < n; i++)
        {
          const guint8 *e = data + ifd + 2 + (gsize) i * TIFF_ENTRY_SIZE;
          guint tag = read_u16 (e, little);
          if (tag == pairs[k][0])
            offsets = e, otype = read_u16 (e + 2, little), count = read_u32 (e + 4, little);
          else if (tag == pairs[k][1])
            counts = e, ctype = read_u16 (e + 2, little);
        }
      if (offsets == NULL || counts == NULL)
        continue;
      if (count == 0 || count != read_u32 (counts + 4, little) ||
          (otype != TIFF_TYPE_SHORT && otype != TIFF_TYPE_LONG) ||
          (ctype != TIFF_TYPE_SHORT && ctype != TIFF_TYPE_LONG))
        return NULL;   /* unusual: left to the decoder */
      {
        gsize osize = otype == TIFF_TYPE_SHORT ? 2 : 4, csize = ctype == TIFF_TYPE_SHORT ? 2 : 4;
        const guint8 *ov = offsets + 8, *cv = counts + 8;

        /* the values sit in the entry when they fit in 4 bytes, else at an offset */
        if ((gsize) count * osize > 4)
          {
            guint32 at = read_u32 (offsets + 8, little);
            if (!within (at, (gsize) count * osize, len))
              return "it ends before its strip table";
            ov = data + at;
          }
        if ((gsize) count * csize > 4)
          {
            guint32 at = read_u32 (counts + 8, little);
            if (!within (at, (gsize) count * csize, len))
              return "it ends before its strip table";
            cv = data + at;
          }
        for (guint32 i = 0; i < count; i++)
          {
            guint32 o = osize == 2 ? read_u16 (ov + 2 * i, little) : read_u32 (ov + 4 * i, little);
            guint32 c = csize == 2 ? read_u16 (cv + 2 * i, little) : read_u32 (cv + 4 * i, little);
            if (!within (o, c, len))
              return "it ends before its last strip";
          }
      }
    }
  return NULL;
}

const char *
tf_image_header_check_complete (const guint8 *data,
                                gsize         len)
{
  static const guint8 png_magic[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n' };

  g_return_val_if_fail (data != NULL || len == 0, NULL);

  if (within (0, 3, len) && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF)
    return jpeg_complete (data, len);
  if (within (0, 8, len) && memcmp (data, png_magic, 8) == 0)
    return png_complete (data, len);
  if (within (0, 6, len) && (memcmp (data, "GIF87a", 6) == 0 || memcmp (data, "GIF89a", 6) == 0))
    return gif_complete (data, len);
  if (within (0, 2, len) && data[0] == 'B' && data[1] == 'M')
    return bmp_complete (data, len);
  if (is_tiff (data, len))
    return tiff_complete (data, len);
  return NULL;
}
