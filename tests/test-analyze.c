/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The face pipeline end to end through transfer-cli: analyze over photos,
 * folders and videos, bad inputs that must not stop a batch, predict with
 * detection, and (where ../shared/data is present) the wild-dev photos. */
#include <gdk-pixbuf/gdk-pixbuf.h>
#include <gst/gst.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>
#include <sys/wait.h>
#include <zlib.h>

#include "tf-test-gst.h"
#include "tf-test-util.h"

static char *cli;
static char *tmpdir;
static char *sample;

static int
run_cli_argv (char      **out,
              char      **err,
              GPtrArray  *args)
{
  g_autoptr(GError) error = NULL;
  int status = -1;

  g_ptr_array_insert (args, 0, cli);
  g_ptr_array_add (args, NULL);
  g_spawn_sync (NULL, (char **) args->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL, out, err, &status, &error);
  g_assert_no_error (error);
  return g_spawn_check_wait_status (status, NULL) ? 0 : (WIFEXITED (status) ? WEXITSTATUS (status) : -1);
}

static int
run_cli (char      **out,
         char      **err,
         const char *first,
         ...)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  va_list ap;

  va_start (ap, first);
  for (const char *a = first; a; a = va_arg (ap, const char *))
    g_ptr_array_add (args, (gpointer) a);
  va_end (ap);
  return run_cli_argv (out, err, args);
}

static char **
csv_rows (char *out)
{
  return g_strsplit (g_strstrip (out), "\n", -1);
}

static void
test_photo_csv (void)
{
  g_autofree char *out = NULL, *err = NULL;
  g_auto(GStrv) rows = NULL, header = NULL, row = NULL;
  double sum = 0, x, y, w, h;
  int pcols = 0;

  g_assert_cmpint (run_cli (&out, &err, "analyze", sample, NULL), ==, 0);
  rows = csv_rows (out);
  g_assert_cmpuint (g_strv_length (rows), ==, 2);
  header = g_strsplit (rows[0], ",", -1);
  g_assert_cmpstr (header[0], ==, "file");
  g_assert_cmpstr (header[3], ==, "face");
  g_assert_cmpstr (header[7], ==, "h");
  for (int i = 8; header[i] && g_str_has_prefix (header[i], "p_"); i++)
    pcols++;
  g_assert_cmpint (pcols, ==, 8);
  g_assert_cmpstr (header[8 + pcols], ==, "predicted");
  g_assert_cmpstr (header[9 + pcols], ==, "label");
  g_assert_cmpstr (header[10 + pcols], ==, "track");
  g_assert_cmpstr (header[11 + pcols], ==, "score");

  row = g_strsplit (rows[1], ",", -1);
  g_assert_true (g_str_has_suffix (row[0], "astronaut.png"));
  g_assert_cmpstr (row[1], ==, "0");
  x = g_ascii_strtod (row[4], NULL);
  y = g_ascii_strtod (row[5], NULL);
  w = g_ascii_strtod (row[6], NULL);
  h = g_ascii_strtod (row[7], NULL);
  /* Eileen Collins' face: around (230, 130) in the 512x512 photo */
  g_assert_cmpfloat (x, <, 230);
  g_assert_cmpfloat (x + w, >, 230);
  g_assert_cmpfloat (y, <, 130);
  g_assert_cmpfloat (y + h, >, 130);
  g_assert_cmpfloat (w, >, 60);
  g_assert_cmpfloat (w, <, 250);
  for (int k = 0; k < pcols; k++)
    sum += g_ascii_strtod (row[8 + k], NULL);
  g_assert_cmpfloat_with_epsilon (sum, 1.0, 1e-3);
  g_assert_cmpfloat (g_ascii_strtod (row[11 + pcols], NULL), >=, 0.6);
}

static void
test_csv_quoting (void)
{
  /* a file name with a comma and a quote stays one CSV field */
  g_autofree char *odd = g_build_filename (tmpdir, "smile, \"please\".png", NULL);
  g_autofree char *contents = NULL, *out = NULL;
  g_autofree char *expected = NULL;
  gsize len;

  g_assert_true (g_file_get_contents (sample, &contents, &len, NULL));
  g_assert_true (g_file_set_contents (odd, contents, (gssize) len, NULL));
  g_assert_cmpint (run_cli (&out, NULL, "analyze", "--quiet", odd, NULL), ==, 0);
  expected = g_strdup_printf ("\"%s/smile, \"\"please\"\".png\",0,0.000,0,", tmpdir);
  g_assert_nonnull (strstr (out, expected));
}

static void
test_predict_detect (void)
{
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonObject *face;
  JsonArray *faces, *lm;

  g_assert_cmpint (run_cli (&out, &err, "predict", "--probes", sample, NULL), ==, 0);
  g_assert_true (json_parser_load_from_data (parser, out, -1, &error));
  faces = json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)), "faces");
  g_assert_cmpuint (json_array_get_length (faces), ==, 1);
  face = json_array_get_object_element (faces, 0);
  lm = json_object_get_array_member (face, "landmarks");
  g_assert_cmpuint (json_array_get_length (lm), ==, 5);
  /* the left eye is left of the right eye, both above the mouth */
  g_assert_cmpfloat (json_array_get_double_element (json_array_get_array_element (lm, 0), 0), <,
                     json_array_get_double_element (json_array_get_array_element (lm, 1), 0));
  g_assert_cmpfloat (json_array_get_double_element (json_array_get_array_element (lm, 0), 1), <,
                     json_array_get_double_element (json_array_get_array_element (lm, 3), 1));
  g_assert_true (json_object_has_member (face, "lanet_maps"));
  g_assert_true (json_object_has_member (face, "head_contrib"));
  g_assert_cmpfloat (json_object_get_double_member (face, "score"), >, 0.6);
}

static void
test_video_tracks (void)
{
  g_autofree char *video = g_build_filename (tmpdir, "slide.webm", NULL);
  g_autofree char *out = NULL, *err = NULL, *out5 = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  int track = -1, n = 0;
  double last_t = -1;

  tf_test_make_video (video, sample, 30);

  g_assert_cmpint (run_cli (&out, &err, "analyze", "--format", "jsonl", "--detect-every", "3", video, NULL), ==, 0);
  lines = g_strsplit (g_strstrip (out), "\n", -1);
  /* one face in each of the 30 frames, one track, times increasing */
  g_assert_cmpuint (g_strv_length (lines), ==, 30);
  for (guint i = 0; lines[i]; i++)
    {
      g_autoptr(GError) error = NULL;
      JsonObject *o;
      g_assert_true (json_parser_load_from_data (parser, lines[i], -1, &error));
      o = json_node_get_object (json_parser_get_root (parser));
      g_assert_cmpint (json_object_get_int_member (o, "frame"), ==, i);
      g_assert_cmpfloat (json_object_get_double_member (o, "time_s"), >, last_t);
      last_t = json_object_get_double_member (o, "time_s");
      if (track < 0)
        track = (int) json_object_get_int_member (o, "track");
      g_assert_cmpint (json_object_get_int_member (o, "track"), ==, track);
      g_assert_cmpuint (json_array_get_length (json_object_get_array_member (o, "landmarks")), ==, 5);
      n++;
    }
  g_assert_cmpint (n, ==, 30);

  /* every 5th frame: frames 0, 5, ..., 25 */
  g_assert_cmpint (run_cli (&out5, NULL, "analyze", "--every", "5", video, NULL), ==, 0);
  g_strfreev (lines);
  lines = csv_rows (out5);
  g_assert_cmpuint (g_strv_length (lines), ==, 1 + 6);
  g_assert_true (strstr (lines[2], ",5,") != NULL);
}

static void
write_file (const char *name,
            const void *data,
            gsize       len)
{
  g_autofree char *path = g_build_filename (tmpdir, "batch", name, NULL);
  g_autoptr(GError) error = NULL;

  g_assert_true (g_file_set_contents (path, data, (gssize) len, &error));
}

static void
test_bad_inputs (void)
{
  g_autofree char *dir = g_build_filename (tmpdir, "batch", NULL);
  g_autofree char *video = NULL, *contents = NULL, *out = NULL, *err = NULL;
  g_autofree char *audio = g_build_filename (tmpdir, "audio-only.ogg", NULL);
  g_autofree char *gray = g_build_filename (dir, "no-face.png", NULL);
  g_autofree char *desc = NULL;
  g_autofree char *missing = g_build_filename (tmpdir, "missing.jpg", NULL);
  g_auto(GStrv) rows = NULL;
  gsize len;
  int status;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  /* a good photo among bad files: its row must come out */
  g_assert_true (g_file_get_contents (sample, &contents, &len, NULL));
  write_file ("photo.png", contents, len);
  write_file ("empty.jpg", "", 0);
  write_file ("text.jpg", "this is not a picture\n", 22);
  video = g_build_filename (tmpdir, "whole.webm", NULL);
  tf_test_make_video (video, sample, 45);
  g_clear_pointer (&contents, g_free);
  g_assert_true (g_file_get_contents (video, &contents, &len, NULL));
  write_file ("truncated.webm", contents, len / 2);
  desc = g_strdup_printf ("audiotestsrc num-buffers=20 ! audioconvert ! vorbisenc ! oggmux ! filesink location=\"%s\"",
                          audio);
  if (!tf_test_run_pipeline (desc))
    g_test_message ("no vorbis encoder: the audio-only case is not covered");
  g_free (desc);
  desc = g_strdup_printf ("videotestsrc pattern=smpte num-buffers=1 ! video/x-raw,width=200,height=150 ! videoconvert ! pngenc ! "
                          "filesink location=\"%s\"", gray);
  g_assert_true (tf_test_run_pipeline (desc));

  /* the folder, and files given by name (an audio file is taken only then) */
  status = run_cli (&out, &err, "analyze", "--format", "csv", dir, missing, audio, NULL);
  g_test_message ("stderr:\n%s", err);
  /* some files could not be read: exit status 1, but the batch went on */
  g_assert_cmpint (status, ==, 1);
  g_assert_nonnull (strstr (err, "empty.jpg"));
  g_assert_nonnull (strstr (err, "text.jpg"));
  g_assert_nonnull (strstr (err, "truncated.webm"));
  g_assert_nonnull (strstr (err, "missing.jpg"));
  g_assert_nonnull (strstr (err, "no-face.png: no face found"));
  if (g_file_test (audio, G_FILE_TEST_EXISTS))
    g_assert_nonnull (strstr (err, "audio-only.ogg"));
  rows = csv_rows (out);
  g_assert_nonnull (strstr (out, "photo.png,0,"));
  /* the truncated video gave the frames before the damage, if any */
  g_test_message ("%u rows", g_strv_length (rows) - 1);
}

static void
png_chunk (FILE          *f,
           const char    *type,
           const guint8  *data,
           guint32        len)
{
  guint8 be[4] = { len >> 24, len >> 16, len >> 8, len };
  uLong crc = crc32 (crc32 (0, NULL, 0), (const Bytef *) type, 4);

  crc = crc32 (crc, data, len);
  fwrite (be, 1, 4, f);
  fwrite (type, 1, 4, f);
  fwrite (data, 1, len, f);
  be[0] = crc >> 24, be[1] = crc >> 16, be[2] = crc >> 8, be[3] = crc;
  fwrite (be, 1, 4, f);
}

/* A real, valid 8-bit grey PNG of side x side black pixels, deflated row by
 * row (about 1 MB for 30000 pixels a side). */
static void
write_black_png (const char *path,
                 guint32     side)
{
  static const guint8 magic[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
  guint8 ihdr[13] = { side >> 24, side >> 16, side >> 8, side, side >> 24, side >> 16, side >> 8, side,
                      8, 0, 0, 0, 0 };
  g_autofree guint8 *row = g_malloc0 (side + 1), *buf = g_malloc (1 << 20);
  FILE *f = fopen (path, "wb");
  z_stream z = { 0 };

  g_assert_nonnull (f);
  fwrite (magic, 1, 8, f);
  png_chunk (f, "IHDR", ihdr, 13);
  g_assert_cmpint (deflateInit (&z, 1), ==, Z_OK);
  for (guint32 y = 0; y <= side; y++)
    {
      z.next_in = row;
      z.avail_in = y < side ? side + 1 : 0;
      do
        {
          z.next_out = buf;
          z.avail_out = 1 << 20;
          deflate (&z, y < side ? Z_NO_FLUSH : Z_FINISH);
          if ((1 << 20) - z.avail_out > 0)
            png_chunk (f, "IDAT", buf, (1 << 20) - z.avail_out);
        }
      while (z.avail_out == 0);
    }
  deflateEnd (&z);
  png_chunk (f, "IEND", NULL, 0);
  g_assert_cmpint (fclose (f), ==, 0);
}

static void
test_huge_png (void)
{
  /* refused from its size, without decoding gigabytes; the batch goes on */
  g_autofree char *path = g_build_filename (tmpdir, "huge.png", NULL);
  g_autofree char *out = NULL, *err = NULL;

  write_black_png (path, 30000);
  g_assert_cmpint (run_cli (&out, &err, "analyze", path, sample, NULL), ==, 1);
  g_test_message ("stderr: %s", err);
  g_assert_nonnull (strstr (err, "huge.png"));
  g_assert_nonnull (strstr (err, "30000"));
  g_assert_nonnull (strstr (out, "astronaut.png"));
}

static void
test_out_file (void)
{
  g_autofree char *target = g_build_filename (tmpdir, "rows.jsonl", NULL);
  g_autofree char *contents = NULL, *err = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();

  /* an earlier result stays until the new one is complete */
  g_assert_true (g_file_set_contents (target, "old\n", -1, NULL));
  g_assert_cmpint (run_cli (NULL, &err, "analyze", "--format", "jsonl", "--out", target, sample, NULL), ==, 0);
  g_assert_true (g_file_get_contents (target, &contents, NULL, NULL));
  g_assert_true (json_parser_load_from_data (parser, contents, -1, NULL));
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (json_parser_get_root (parser)), "track"), ==, 1);

  /* a place that cannot be written: said at once, by name, before any work */
  {
    g_autofree char *bad = g_build_filename (tmpdir, "no-such-folder", "rows.csv", NULL);
    g_autofree char *err2 = NULL, *out2 = NULL;
    g_assert_cmpint (run_cli (&out2, &err2, "analyze", "--quiet", "--out", bad, sample, NULL), ==, 1);
    g_assert_nonnull (strstr (err2, "Could not write"));
    g_assert_nonnull (strstr (err2, "rows.csv"));
    g_assert_false (g_file_test (bad, G_FILE_TEST_EXISTS));
  }
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

static void
test_wild_dev (void)
{
  g_autofree char *dir = g_test_build_filename (G_TEST_DIST, "..", "..", "shared", "data", "wild-dev", NULL);
  g_autofree char *out = NULL, *err = NULL;
  g_auto(GStrv) rows = NULL;
  g_autoptr(GHashTable) covered = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GPtrArray) args = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  guint photos = 0, analysed = 0;

  if (!g_file_test (dir, G_FILE_TEST_IS_DIR))
    {
      g_test_skip ("../shared/data/wild-dev is not here");
      return;
    }
  {
    g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
    const char *name;
    while ((name = g_dir_read_name (d)) != NULL)
      if (g_str_has_suffix (name, ".jpg"))
        g_ptr_array_add (names, g_strdup (name));
    g_ptr_array_sort (names, compare_names);
    photos = names->len;
  }
  g_ptr_array_add (args, g_strdup ("analyze"));
  g_ptr_array_add (args, g_strdup ("--quiet"));
#ifdef TF_TEST_ASAN
  /* a third of them: the same code, five times slower under ASan */
  for (guint i = 0; i < names->len; i += 3)
    g_ptr_array_add (args, g_build_filename (dir, (char *) names->pdata[i], NULL)), analysed++;
#else
  g_ptr_array_add (args, g_strdup (dir));
  analysed = photos;
#endif
  {
    g_autoptr(GPtrArray) argv = g_ptr_array_new ();
    for (guint i = 0; i < args->len; i++)
      g_ptr_array_add (argv, args->pdata[i]);
    run_cli_argv (&out, &err, argv);
  }
  rows = csv_rows (out);
  /* a face whose box covers the middle of the photo (the photos are of one
   * person, face roughly centred), of a sensible size */
  for (guint i = 1; rows[i]; i++)
    {
      g_auto(GStrv) f = g_strsplit (rows[i], ",", -1);
      double x = g_ascii_strtod (f[4], NULL), y = g_ascii_strtod (f[5], NULL);
      double w = g_ascii_strtod (f[6], NULL), h = g_ascii_strtod (f[7], NULL);
      int iw = 0, ih = 0;
      g_assert_nonnull (gdk_pixbuf_get_file_info (f[0], &iw, &ih));
      if (x < iw / 2.0 && x + w > iw / 2.0 && y < ih / 2.0 && y + h > ih / 2.0 && w > iw / 8.0)
        g_hash_table_add (covered, g_strdup (f[0]));
    }
  g_test_message ("wild-dev: %u of %u photos have a centred face", g_hash_table_size (covered), analysed);
  g_assert_cmpuint (photos, ==, 180);
  /* one photo in a hundred may miss (one does, of the 180) */
  g_assert_cmpuint (analysed - g_hash_table_size (covered), <=, MAX (1, analysed / 100));
}

int
main (int    argc,
      char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  gst_init (&argc, &argv);
  cli = g_strdup (g_getenv ("TRANSFER_CLI"));
  g_assert_nonnull (cli);
  sample = g_test_build_filename (G_TEST_DIST, "..", "data", "astronaut.png", NULL);
  tmpdir = g_dir_make_tmp ("tf-analyze-XXXXXX", NULL);
  g_assert_nonnull (tmpdir);

  g_test_add_func ("/analyze/photo-csv", test_photo_csv);
  g_test_add_func ("/analyze/csv-quoting", test_csv_quoting);
  g_test_add_func ("/analyze/predict-detect", test_predict_detect);
  g_test_add_func ("/analyze/video-tracks", test_video_tracks);
  g_test_add_func ("/analyze/bad-inputs", test_bad_inputs);
  g_test_add_func ("/analyze/huge-png", test_huge_png);
  g_test_add_func ("/analyze/out-file", test_out_file);
  g_test_add_func ("/analyze/wild-dev", test_wild_dev);
  status = g_test_run ();
  tf_test_remove_tmpdir (tmpdir);
  g_free (cli);
  g_free (sample);
  return status;
}
