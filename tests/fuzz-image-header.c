/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Fuzzes the JPEG / TIFF / BMP header parser (tf-image-header.h): every
 * public function on the input, and on the input wrapped as the EXIF
 * payload of a JPEG's APP1 segment. With -DTF_HAVE_LIBFUZZER this is a
 * plain libFuzzer target; without it, main() below is a small mutation
 * driver so that the suite can fuzz with any compiler:
 *
 *   fuzz-image-header SECONDS [SEED_FILE_OR_DIR...]
 *
 * The driver always adds a few headers built in memory, so it needs no
 * files; tests/fuzz-corpus-image-header/ holds real ones made with PIL. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "tf-image-header.h"

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);
int LLVMFuzzerInitialize (int    *argc,
                          char ***argv);

#define APP1_MAX_PAYLOAD (0xFFFF - 2 - 6)   /* a segment length counts itself and "Exif\0\0" */

static guint64 n_found;

/* Where the sizes and the orientation live, and tags nobody asks for. */
static const guint tags[] = { 0x0100, 0x0101, 0x0112, 0x0000, 0xFFFF };

static void
check (gboolean    condition,
       const char *what)
{
  if (!condition)
    {
      fprintf (stderr, "fuzz-image-header: invariant broken: %s\n", what);
      abort ();
    }
}

/* The input as a JPEG: SOI, then one APP1 "Exif" segment whose TIFF block
 * is @data (cut to what a segment holds) and ends the buffer, so that a
 * read past the block is a read past an exactly-sized heap allocation. */
static guint8 *
wrap_as_exif (const guint8 *data,
              gsize         size,
              gsize        *wrapped_len)
{
  gsize payload = MIN (size, (gsize) APP1_MAX_PAYLOAD);
  gsize seglen = 2 + 6 + payload;
  guint8 *out = g_malloc (4 + seglen);

  out[0] = 0xFF;
  out[1] = 0xD8;
  out[2] = 0xFF;
  out[3] = 0xE1;
  out[4] = seglen >> 8;
  out[5] = seglen & 0xFF;
  memcpy (out + 6, "Exif\0\0", 6);
  if (payload > 0)
    memcpy (out + 12, data, payload);
  *wrapped_len = 4 + seglen;
  return out;
}

static void
check_header (const guint8 *data,
              gsize         size)
{
  TfImageHeader header;
  gboolean known = tf_image_header_sniff (data, size, &header);
  const char *incomplete = tf_image_header_check_complete (data, size);
  guint32 w, h;

  check (incomplete == NULL || *incomplete != '\0', "a reason for an incomplete picture is not empty");

  check (known == (header.format != TF_IMAGE_HEADER_FORMAT_NONE), "sniff returns whether it knows the format");
  check (header.orientation >= 0 && header.orientation <= 8, "sniffed orientation is 0..8");
  check (header.height >= 0 && header.height <= (gint64) G_MAXUINT32, "sniffed height is >= 0 and fits 32 bits");
  check (header.width >= G_MININT32 && header.width <= (gint64) G_MAXUINT32, "sniffed width fits 32 bits");
  check (!header.top_down || header.format == TF_IMAGE_HEADER_FORMAT_BMP, "only a BMP is top-down");
  check (header.width >= 0 || header.format == TF_IMAGE_HEADER_FORMAT_BMP, "only a BMP has a negative width");
  switch (header.format)
    {
    case TF_IMAGE_HEADER_FORMAT_NONE:
      check (header.width == 0 && header.height == 0 && header.orientation == 0, "nothing known, nothing said");
      break;
    case TF_IMAGE_HEADER_FORMAT_JPEG:
      check (header.orientation == tf_image_header_jpeg_orientation (data, size), "a JPEG's orientation is its EXIF's");
      check (header.width == 0 && header.height == 0, "a JPEG's size is not read");
      break;
    case TF_IMAGE_HEADER_FORMAT_TIFF:
      check (header.orientation == tf_image_header_tiff_orientation (data, size), "a TIFF's orientation is its tag");
      if (tf_image_header_tiff_tag (data, size, 0x0100, &w) && tf_image_header_tiff_tag (data, size, 0x0101, &h))
        check (header.width == w && header.height == h, "a TIFF's size is its tags");
      else
        check (header.width == 0 && header.height == 0, "a TIFF without both tags says no size");
      break;
    case TF_IMAGE_HEADER_FORMAT_BMP:
      check (size >= 26 && data[0] == 'B' && data[1] == 'M', "a BMP starts with BM");
      check (header.orientation == 0, "a BMP has no orientation");
      break;
    default:
      check (FALSE, "a known format");
    }
  if (known)
    n_found++;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree guint8 *jpeg = NULL;
  gsize jpeg_len;
  guint32 value;
  int tiff_o, jpeg_o;

  tiff_o = tf_image_header_tiff_orientation (data, size);
  check (tiff_o >= 0 && tiff_o <= 8, "TIFF orientation is 0..8");
  jpeg_o = tf_image_header_jpeg_orientation (data, size);
  check (jpeg_o >= 0 && jpeg_o <= 8, "JPEG orientation is 0..8");
  for (gsize i = 0; i < G_N_ELEMENTS (tags); i++)
    {
      value = 0xA5A5A5A5;
      if (!tf_image_header_tiff_tag (data, size, tags[i], &value))
        check (value == 0xA5A5A5A5, "a tag not found leaves the value alone");
      else if (tags[i] == 0x0112)
        check (tiff_o == (value >= 1 && value <= 8 ? (int) value : 0), "orientation is the tag in range");
    }
  check_header (data, size);

  /* the same bytes as a JPEG's EXIF block: the walker hands them over whole */
  jpeg = wrap_as_exif (data, size, &jpeg_len);
  jpeg_o = tf_image_header_jpeg_orientation (jpeg, jpeg_len);
  check (jpeg_o == tf_image_header_tiff_orientation (data, MIN (size, (gsize) APP1_MAX_PAYLOAD)),
         "a wrapped block has the block's orientation");
  check_header (jpeg, jpeg_len);
  /* and every cut of it, down to the segment header */
  for (gsize cut = jpeg_len; cut > jpeg_len - MIN (jpeg_len, 16); cut--)
    {
      g_autofree guint8 *short_copy = g_memdup2 (jpeg, cut - 1);
      check (tf_image_header_jpeg_orientation (short_copy, cut - 1) == 0, "a cut segment gives no orientation");
    }
  return 0;
}

int
LLVMFuzzerInitialize (int    *argc G_GNUC_UNUSED,
                      char ***argv G_GNUC_UNUSED)
{
  /* A g_critical() from a g_return_if_fail() is a bug like any crash. */
  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
  return 0;
}

#ifndef TF_HAVE_LIBFUZZER
#include "tf-fuzz-driver.h"

/* Seeds */

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

/* A TIFF header with IFD0 holding width, height (SHORT and LONG) and
 * orientation. */
static GBytes *
tiff_seed (gboolean little)
{
  guint8 t[8 + 2 + 3 * 12 + 4] = { 0 };
  const guint entries[3][3] = { { 0x0100, 3, 64 }, { 0x0101, 4, 48 }, { 0x0112, 3, 6 } };

  t[0] = t[1] = little ? 'I' : 'M';
  put16 (t + 2, 42, little);
  put32 (t + 4, 8, little);
  put16 (t + 8, 3, little);
  for (int i = 0; i < 3; i++)
    {
      guint8 *e = t + 10 + 12 * i;

      put16 (e, entries[i][0], little);
      put16 (e + 2, entries[i][1], little);
      put32 (e + 4, 1, little);
      if (entries[i][1] == 3)
        put16 (e + 8, entries[i][2], little);
      else
        put32 (e + 8, entries[i][2], little);
    }
  return g_bytes_new (t, sizeof t);
}

static GBytes *
bmp_seed (guint32 header_size,
          gint32  width,
          gint32  height)
{
  guint8 b[54] = { 'B', 'M' };

  put32 (b + 2, sizeof b, TRUE);
  put32 (b + 10, sizeof b, TRUE);
  put32 (b + 14, header_size, TRUE);
  if (header_size == 12)
    {
      put16 (b + 18, (guint) width, TRUE);
      put16 (b + 20, (guint) height, TRUE);
    }
  else
    {
      put32 (b + 18, (guint32) width, TRUE);
      put32 (b + 22, (guint32) height, TRUE);
    }
  return g_bytes_new (b, sizeof b);
}

static GPtrArray *
build_seeds (void)
{
  GPtrArray *seeds = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_autoptr(GBytes) tiff = tiff_seed (FALSE);
  gsize tiff_len, jpeg_len;
  const guint8 *tiff_data = g_bytes_get_data (tiff, &tiff_len);
  guint8 *jpeg = wrap_as_exif (tiff_data, tiff_len, &jpeg_len);
  /* the reported overflow: an entry promised by a 10-byte TIFF block */
  const guint8 short_tiff[] = { 0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x12, 'E', 'x', 'i', 'f', 0, 0,
                                'I', 'I', 42, 0, 8, 0, 0, 0, 1, 0 };

  g_ptr_array_add (seeds, tiff_seed (TRUE));
  g_ptr_array_add (seeds, g_bytes_ref (tiff));
  g_ptr_array_add (seeds, g_bytes_new_take (jpeg, jpeg_len));
  g_ptr_array_add (seeds, g_bytes_new (short_tiff, sizeof short_tiff));
  g_ptr_array_add (seeds, bmp_seed (40, 64, 48));
  g_ptr_array_add (seeds, bmp_seed (40, -64, -48));
  g_ptr_array_add (seeds, bmp_seed (12, 64, 48));
  return seeds;
}

/* Mutations */

/* Offsets and counts near the bounds the parser checks. */
static guint32
interesting_value (guint   len,
                   GRand  *rand)
{
  switch (g_rand_int_range (rand, 0, 8))
    {
    case 0: return g_rand_int_range (rand, 0, 16);
    case 1: return len + g_rand_int_range (rand, -14, 3);
    case 2: return 8;
    case 3: return 42;
    case 4: return 0x0112;
    case 5: return 0xFFFF - g_rand_int_range (rand, 0, 3);
    case 6: return G_MAXUINT32 - g_rand_int_range (rand, 0, 3);
    default: return 0x80000000u;
    }
}

/* A 16- or 32-bit value near the bounds the parser checks, either byte
 * order; or a JPEG segment length pointing at or around the end. */
static void
mutate_field (GArray *buf,
              GRand  *rand)
{
  guint len = buf->len;
  guint pos = len > 0 ? (guint) g_rand_int_range (rand, 0, (gint32) len) : 0;

  if (g_rand_boolean (rand))
    {
      guint32 v = interesting_value (len, rand);
      gboolean little = g_rand_boolean (rand);
      gboolean wide = g_rand_boolean (rand);
      guint8 bytes[4];

      if (wide)
        put32 (bytes, v, little);
      else
        put16 (bytes, v & 0xFFFF, little);
      if (pos + (wide ? 4 : 2) <= len)
        memcpy (buf->data + pos, bytes, wide ? 4 : 2);
    }
  else if (len >= 6 && ((guint8 *) buf->data)[0] == 0xFF)
    put16 ((guint8 *) buf->data + 4, (len - 4 + g_rand_int_range (rand, -3, 4)) & 0xFFFF, FALSE);
}

int
main (int    argc,
      char **argv)
{
  static const char *const tokens[] = { "II*\0", "MM\0*", "BM", "\xFF\xD8\xFF", "\xFF\xE1", "Exif\0\0",
                                        "\xFF\xD9", "\xFF\xDA", "IEND", "IDAT", "GIF89a", ";", NULL };

  LLVMFuzzerInitialize (&argc, &argv);
  return tf_fuzz_main (argc, argv, "fuzz-image-header", build_seeds (), tokens, mutate_field, 0x1eade7);
}

#endif
