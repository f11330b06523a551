/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What the media reader learns from a file's first bytes before any decoder
 * sees them: the EXIF orientation of a JPEG, and the format, size and
 * orientation of a TIFF or a BMP (whose decoder would allocate the whole
 * picture before anyone could refuse it). Hand-written, bounds-checked
 * against the length given, never reading a byte past it: the input is
 * whatever a file holds. GLib only. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  TF_IMAGE_HEADER_FORMAT_NONE,   /* none of those below */
  TF_IMAGE_HEADER_FORMAT_JPEG,
  TF_IMAGE_HEADER_FORMAT_TIFF,
  TF_IMAGE_HEADER_FORMAT_BMP,
} TfImageHeaderFormat;

typedef struct
{
  TfImageHeaderFormat format;
  gint64              width;        /* as stored: a BMP's may be negative (invalid); 0: not said */
  gint64              height;       /* >= 0: a top-down BMP's without its sign; 0: not said */
  gboolean            top_down;     /* a BMP stored top row first (negative height) */
  int                 orientation;  /* EXIF / TIFF Orientation 1..8, 0: none */
} TfImageHeader;

/* The EXIF orientation (1..8) in an APP1 "Exif" segment of the JPEG file
 * that starts with @data, or 0 when there is none or the data is
 * malformed. Walks the marker segments before the first scan; each
 * segment's length is checked to end within @len, and the TIFF block of
 * the EXIF payload is read with tf_image_header_tiff_orientation(). */
int      tf_image_header_jpeg_orientation (const guint8  *data,
                                           gsize          len);

/* The value of @tag in IFD0 of the TIFF-structured block @tiff of @len
 * bytes (a TIFF file, or an EXIF payload after "Exif\0\0"), when it is a
 * single SHORT or LONG. Checks the byte order mark and the magic 42, that
 * the IFD0 offset, its entry count and every entry read lie within @len.
 * FALSE (and *value untouched) otherwise, or when the tag is absent. */
gboolean tf_image_header_tiff_tag         (const guint8  *tiff,
                                           gsize          len,
                                           guint          tag,
                                           guint32       *value);

/* The Orientation tag (0x0112) of IFD0 of @tiff when it is 1..8, else 0.
 * Checked as tf_image_header_tiff_tag(). */
int      tf_image_header_tiff_orientation (const guint8  *tiff,
                                           gsize          len);

/* Recognises a JPEG, TIFF or BMP file from its first @len bytes and fills
 * @header (zeroed first). JPEG: the start-of-image marker, and the EXIF
 * orientation. TIFF: byte order mark and magic, ImageWidth and ImageLength
 * from IFD0 when both are there and within @len (else both 0), and the
 * orientation. BMP: "BM" and the 26 bytes to the height; a 12-byte
 * BITMAPCOREHEADER's unsigned 16-bit size, else the signed 32-bit width and
 * height of the later headers: a negative width is reported as it is, a
 * negative height as top_down with its absolute value. Returns FALSE (format
 * NONE) for anything else. */
gboolean tf_image_header_sniff            (const guint8  *data,
                                           gsize          len,
                                           TfImageHeader *header);

/* Whether the whole picture of the JPEG, PNG, GIF, BMP or TIFF file held in
 * @data is there, from its structure alone (decoders fill what is missing
 * of a truncated file with grey, black or whatever memory held, and say
 * nothing): NULL when it is, or is another format, else what is wrong
 * ("it ends before its last row"). JPEG: the header segments by their
 * lengths, then an end-of-image marker after the first scan. PNG: every
 * chunk to IEND. GIF: every block to the trailer. BMP: the rows of an
 * uncompressed picture. TIFF: every strip or tile IFD0 lists. */
const char *tf_image_header_check_complete (const guint8 *data,
                                            gsize         len);

G_END_DECLS
