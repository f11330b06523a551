/* SPDX-License-Identifier: GPL-3.0-or-later */
/* transfer-cli on hostile ground: full disks, outputs that are inputs,
 * signals mid-write, files that are not pictures, option values at the
 * edges. Each case once passed silently or hung. */
#include <errno.h>
#include <gdk-pixbuf/gdk-pixbuf.h>
#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include "tf-test-util.h"

static char *cli;
static char *sample;
static char *tmpdir;
static char *model_path;   /* a small random model, classes a and b */

/* Runs transfer-cli with @argv (NULL-terminated, without the program),
 * standard output to @stdout_path (NULL: captured into *@out), standard
 * error into *@err. Returns the exit status (-signal when killed). */
static int
run (const char  *stdout_path,
     char       **out,
     char       **err,
     const char  *const *argv)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) out_bytes = NULL, err_bytes = NULL;

  g_ptr_array_add (args, cli);
  for (guint i = 0; argv[i]; i++)
    g_ptr_array_add (args, (gpointer) argv[i]);
  g_ptr_array_add (args, NULL);
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDERR_PIPE |
                                        (stdout_path ? 0 : G_SUBPROCESS_FLAGS_STDOUT_PIPE));
  if (stdout_path)
    g_subprocess_launcher_set_stdout_file_path (launcher, stdout_path);
  proc = g_subprocess_launcher_spawnv (launcher, (const char * const *) args->pdata, &error);
  g_assert_no_error (error);
  g_subprocess_communicate (proc, NULL, NULL, &out_bytes, &err_bytes, &error);
  g_assert_no_error (error);
  if (out)
    *out = out_bytes ? g_strndup (g_bytes_get_data (out_bytes, NULL), g_bytes_get_size (out_bytes)) : g_strdup ("");
  if (err)
    *err = g_strndup (g_bytes_get_data (err_bytes, NULL), g_bytes_get_size (err_bytes));
  if (g_subprocess_get_if_signaled (proc))
    return -g_subprocess_get_term_sig (proc);
  return g_subprocess_get_exit_status (proc);
}

static char *
read_all (const char *path)
{
  char *text = NULL;

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  return text;
}

/* No temporary file of ours left in @dir. */
static void
assert_no_temps (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  g_assert_nonnull (d);
  while ((name = g_dir_read_name (d)) != NULL)
    if (strstr (name, ".tmp-") != NULL)
      g_error ("a temporary file was left behind: %s/%s", dir, name);
}

/* 1. Every command that writes to a full standard output fails. */
static void
test_full_stdout (void)
{
  const char *const detect[] = { "detect", sample, NULL };
  const char *const predict[] = { "predict", sample, NULL };
  const char *const analyze[] = { "analyze", "--quiet", sample, NULL };
  const char *const *const cases[] = { detect, predict, analyze };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *err = NULL;
      int status = run ("/dev/full", NULL, &err, cases[i]);

      g_test_message ("%s > /dev/full: exit %d, %s", cases[i][0], status, err);
      g_assert_cmpint (status, ==, 1);
      g_assert_nonnull (strstr (err, "standard output"));
    }
}

/* 1. analyze --out on a full disk: the previous file stays, exit 1. */
static void
test_full_disk_out (void)
{
  g_autofree char *mnt = g_build_filename (tmpdir, "full", NULL);
  g_autofree char *out_path = g_build_filename (mnt, "faces.csv", NULL);
  g_autofree char *fill = g_build_filename (mnt, "fill", NULL);
  g_autofree char *err = NULL, *text = NULL;
  const char *const argv[] = { "analyze", "--quiet", "--out", out_path, sample, NULL };
  g_autofree char *block = g_malloc0 (4096);
  FILE *f;

  g_assert_cmpint (g_mkdir (mnt, 0755), ==, 0);
  if (mount ("tmpfs", mnt, "tmpfs", 0, "size=2m") != 0)
    {
      g_test_skip_printf ("cannot mount a small tmpfs here: %s", g_strerror (errno));
      g_rmdir (mnt);
      return;
    }
  g_assert_true (g_file_set_contents (out_path, "the previous results\n", -1, NULL));
  /* fill the disk to the last block */
  f = fopen (fill, "w");
  g_assert_nonnull (f);
  while (fwrite (block, 1, 4096, f) == 4096)
    ;
  fclose (f);

  g_assert_cmpint (run (NULL, NULL, &err, argv), ==, 1);
  g_test_message ("%s", err);
  g_assert_nonnull (strstr (err, "faces.csv"));
  g_assert_nonnull (strstr (err, g_strerror (ENOSPC)));
  text = read_all (out_path);
  g_assert_cmpstr (text, ==, "the previous results\n");
  assert_no_temps (mnt);

  g_assert_cmpint (umount (mnt), ==, 0);
  g_rmdir (mnt);
}

/* 6. The output keeps its mode; an output that is an input is refused. */
static void
test_out_mode_and_input (void)
{
  g_autofree char *out_path = g_build_filename (tmpdir, "rows.csv", NULL);
  g_autofree char *copy = g_build_filename (tmpdir, "photo.png", NULL);
  g_autofree char *err = NULL, *before = NULL, *after = NULL;
  const char *const argv[] = { "analyze", "--quiet", "--out", out_path, sample, NULL };
  const char *const self[] = { "analyze", "--quiet", "--out", copy, copy, NULL };
  GStatBuf st;

  g_assert_true (g_file_set_contents (out_path, "old\n", -1, NULL));
  g_assert_cmpint (g_chmod (out_path, 0644), ==, 0);
  g_assert_cmpint (run (NULL, NULL, &err, argv), ==, 0);
  g_assert_cmpint (g_stat (out_path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0644);
  g_clear_pointer (&err, g_free);

  g_assert_true (g_file_get_contents (sample, &before, NULL, NULL));
  g_assert_true (g_file_set_contents (copy, before, -1, NULL));
  g_assert_cmpint (run (NULL, NULL, &err, self), ==, 2);
  g_assert_nonnull (strstr (err, "one of the inputs"));
  after = read_all (copy);
  g_assert_true (memcmp (before, after, strlen ("\x89PNG")) == 0);
  g_assert_cmpint (g_stat (copy, &st), ==, 0);
}

/* 7. SIGTERM while analyze --out writes: the old file stays, no temporary
 * file is left. */
static void
test_signal_mid_write (void)
{
  g_autofree char *dir = g_build_filename (tmpdir, "signal", NULL);
  g_autofree char *out_path = g_build_filename (dir, "rows.csv", NULL);
  g_autoptr(GPtrArray) args = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  gboolean saw_temp = FALSE;

  g_assert_cmpint (g_mkdir (dir, 0755), ==, 0);
  g_assert_true (g_file_set_contents (out_path, "kept\n", -1, NULL));
  g_ptr_array_add (args, g_strdup (cli));
  g_ptr_array_add (args, g_strdup ("analyze"));
  g_ptr_array_add (args, g_strdup ("--quiet"));
  g_ptr_array_add (args, g_strdup ("--out"));
  g_ptr_array_add (args, g_strdup (out_path));
  for (int i = 0; i < 200; i++)
    g_ptr_array_add (args, g_strdup (sample));
  g_ptr_array_add (args, NULL);
  proc = g_subprocess_newv ((const char * const *) args->pdata, G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error);
  g_assert_no_error (error);
  /* wait until the temporary file exists, then interrupt */
  for (int i = 0; i < 300 && !saw_temp; i++)
    {
      g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
      const char *name;
      while ((name = g_dir_read_name (d)) != NULL)
        saw_temp |= strstr (name, ".tmp-") != NULL;
      if (!saw_temp)
        g_usleep (20000);
    }
  g_assert_true (saw_temp);
  g_subprocess_send_signal (proc, SIGTERM);
  g_subprocess_wait (proc, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_signaled (proc));
  g_assert_cmpint (g_subprocess_get_term_sig (proc), ==, SIGTERM);
  text = read_all (out_path);
  g_assert_cmpstr (text, ==, "kept\n");
  assert_no_temps (dir);
}

/* 10 and 16: what is not a readable picture says what it is, at once. */
static void
test_not_pictures (void)
{
  g_autofree char *fifo = g_build_filename (tmpdir, "pipe.png", NULL);
  g_autofree char *folder = g_build_filename (tmpdir, "folder.jpg", NULL);
  g_autofree char *loop1 = g_build_filename (tmpdir, "loop1.png", NULL);
  g_autofree char *loop2 = g_build_filename (tmpdir, "loop2.png", NULL);
  g_autofree char *missing = g_build_filename (tmpdir, "missing.png", NULL);
  g_autofree char *err = NULL;
  const char *const detect[] = { "detect", fifo, folder, loop1, missing, NULL };
  const char *const predict[] = { "predict", "--no-detect", fifo, NULL };

  g_assert_cmpint (mkfifo (fifo, 0644), ==, 0);
  g_assert_cmpint (g_mkdir (folder, 0755), ==, 0);
  g_assert_cmpint (symlink (loop2, loop1), ==, 0);
  g_assert_cmpint (symlink (loop1, loop2), ==, 0);

  /* before, gdk-pixbuf opened the FIFO and waited for a writer forever */
  g_assert_cmpint (run (NULL, NULL, &err, detect), ==, 1);
  g_test_message ("%s", err);
  g_assert_nonnull (strstr (err, "pipe.png: not a regular file"));
  g_assert_nonnull (strstr (err, "folder.jpg: is a folder"));
  g_assert_nonnull (strstr (err, g_strerror (ELOOP)));
  g_assert_nonnull (strstr (err, "missing.png: no such file"));
  g_assert_null (strstr (err, "not an image format"));
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run (NULL, NULL, &err, predict), ==, 1);
  g_assert_nonnull (strstr (err, "not a regular file"));
}

/* A 64x64 grey PNG. */
static void
write_png (const char *path)
{
  g_autoptr(GdkPixbuf) pb = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, 64, 64);
  g_autoptr(GError) error = NULL;

  gdk_pixbuf_fill (pb, 0x808080ff);
  g_assert_true (gdk_pixbuf_save (pb, path, "png", &error, NULL));
  g_assert_no_error (error);
}

/* 1. train's --out and --checkpoint, and finetune's --out, on a full disk (a 2 MB tmpfs: a
 * model of the small config is 16 MB): exit 1, the previous files as they
 * were, no temporary file left. */
static void
test_full_disk_train (void)
{
  g_autofree char *mnt = g_build_filename (tmpdir, "full-train", NULL);
  g_autofree char *dir = g_build_filename (tmpdir, "train-full-data", NULL);
  g_autofree char *one = g_build_filename (dir, "one.png", NULL);
  g_autofree char *two = g_build_filename (dir, "two.png", NULL);
  g_autofree char *csv = g_build_filename (dir, "labels.csv", NULL);
  g_autofree char *out_path = g_build_filename (mnt, "model.safetensors", NULL);
  g_autofree char *ckpt = g_build_filename (mnt, "run.ckpt", NULL);
  g_autofree char *elsewhere = g_build_filename (dir, "model.safetensors", NULL);
  g_autofree char *err = NULL, *text = NULL;
  const char *const to_out[] = { "train", "--from", model_path, "--csv", csv, "--epochs", "1", "--batch", "2",
                                 "--no-augment", "--out", out_path, NULL };
  const char *const to_ckpt[] = { "train", "--from", model_path, "--csv", csv, "--epochs", "1", "--batch", "2",
                                  "--no-augment", "--checkpoint", ckpt, "--out", elsewhere, NULL };
  const char *const finetune[] = { "finetune", "--from", model_path, "--csv", csv, "--holdout", "0", "--epochs", "1",
                                   "--batch", "2", "--out", out_path, NULL };

  g_assert_cmpint (g_mkdir (mnt, 0755), ==, 0);
  if (mount ("tmpfs", mnt, "tmpfs", 0, "size=2m") != 0)
    {
      g_test_skip_printf ("cannot mount a small tmpfs here: %s", g_strerror (errno));
      g_rmdir (mnt);
      return;
    }
  g_assert_cmpint (g_mkdir (dir, 0755), ==, 0);
  write_png (one);
  write_png (two);
  g_assert_true (g_file_set_contents (csv, "image,emotion\none.png,a\ntwo.png,b\n", -1, NULL));
  g_assert_true (g_file_set_contents (out_path, "the previous model", -1, NULL));
  g_assert_true (g_file_set_contents (ckpt, "the previous checkpoint", -1, NULL));

  g_assert_cmpint (run (NULL, NULL, &err, to_out), ==, 1);
  g_test_message ("--out: %s", err);
  g_assert_nonnull (strstr (err, "model.safetensors"));
  g_assert_nonnull (strstr (err, g_strerror (ENOSPC)));
  text = read_all (out_path);
  g_assert_cmpstr (text, ==, "the previous model");
  assert_no_temps (mnt);
  g_clear_pointer (&err, g_free);
  g_clear_pointer (&text, g_free);

  /* finetune writes its model the same way */
  g_assert_cmpint (run (NULL, NULL, &err, finetune), ==, 1);
  g_test_message ("finetune --out: %s", err);
  g_assert_nonnull (strstr (err, "model.safetensors"));
  g_assert_nonnull (strstr (err, g_strerror (ENOSPC)));
  text = read_all (out_path);
  g_assert_cmpstr (text, ==, "the previous model");
  assert_no_temps (mnt);
  g_clear_pointer (&err, g_free);
  g_clear_pointer (&text, g_free);

  g_assert_cmpint (run (NULL, NULL, &err, to_ckpt), ==, 1);
  g_test_message ("--checkpoint: %s", err);
  g_assert_nonnull (strstr (err, "run.ckpt"));
  g_assert_nonnull (strstr (err, g_strerror (ENOSPC)));
  text = read_all (ckpt);
  g_assert_cmpstr (text, ==, "the previous checkpoint");
  assert_no_temps (mnt);

  g_assert_cmpint (umount (mnt), ==, 0);
  g_rmdir (mnt);
}

/* 16. A file name that is not UTF-8 keeps the JSON output valid: its
 * display name, and its bytes under file_bytes. */
static void
test_non_utf8_names (void)
{
  g_autofree char *dir = g_build_filename (tmpdir, "latin1", NULL);
  g_autofree char *path = g_build_filename (dir, "caf\xe9.png", NULL);
  g_autofree char *png = NULL;
  gsize len;
  const char *const detect[] = { "detect", path, NULL };
  const char *const predict[] = { "predict", path, NULL };
  const char *const analyze[] = { "analyze", "--quiet", "--format", "jsonl", dir, NULL };
  const char *const *const cases[] = { detect, predict, analyze };

  g_assert_cmpint (g_mkdir (dir, 0755), ==, 0);
  g_assert_true (g_file_get_contents (sample, &png, &len, NULL));
  g_assert_true (g_file_set_contents (path, png, (gssize) len, NULL));
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *out = NULL, *err = NULL;
      g_autoptr(JsonParser) parser = json_parser_new ();
      g_autoptr(GError) error = NULL;
      g_auto(GStrv) lines = NULL;
      JsonObject *obj;
      JsonArray *bytes;

      g_assert_cmpint (run (NULL, &out, &err, cases[i]), ==, 0);
      lines = g_strsplit (out, "\n", 2);
      g_test_message ("%s: %.200s", cases[i][0], lines[0]);
      json_parser_load_from_data (parser, lines[0], -1, &error);
      g_assert_no_error (error);
      obj = json_node_get_object (json_parser_get_root (parser));
      g_assert_true (g_str_has_suffix (json_object_get_string_member (obj, "file"), "caf\xef\xbf\xbd.png"));
      bytes = json_object_get_array_member (obj, "file_bytes");
      g_assert_nonnull (bytes);
      g_assert_cmpuint (json_array_get_length (bytes), ==, strlen (path));
      g_assert_cmpint (json_array_get_int_element (bytes, (guint) strlen (path) - 5), ==, 0xe9);
    }
}

/* A PNG header declaring @w x @h pixels, then an empty IDAT and IEND: a
 * few dozen bytes. */
static void
write_png_bomb (const char *path,
                guint32     w,
                guint32     h)
{
  static const guint8 magic[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n' };
  g_autoptr(GByteArray) b = g_byte_array_new ();
  const struct { const char *type; guint8 data[13]; guint len; } chunks[] = {
    { "IHDR", { w >> 24, w >> 16, w >> 8, w, h >> 24, h >> 16, h >> 8, h, 8, 2, 0, 0, 0 }, 13 },
    { "IDAT", { 0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01 }, 8 },
    { "IEND", { 0 }, 0 },
  };

  g_byte_array_append (b, magic, 8);
  for (guint i = 0; i < G_N_ELEMENTS (chunks); i++)
    {
      guint8 be[4] = { 0, 0, 0, (guint8) chunks[i].len };
      uLong crc = crc32 (0, (const Bytef *) chunks[i].type, 4);
      guint8 c[4];

      crc = crc32 (crc, chunks[i].data, chunks[i].len);
      c[0] = crc >> 24; c[1] = crc >> 16; c[2] = crc >> 8; c[3] = crc;
      g_byte_array_append (b, be, 4);
      g_byte_array_append (b, (const guint8 *) chunks[i].type, 4);
      g_byte_array_append (b, chunks[i].data, chunks[i].len);
      g_byte_array_append (b, c, 4);
    }
  g_assert_true (g_file_set_contents (path, (const char *) b->data, b->len, NULL));
}

/* A 24-bit BMP header declaring @w x @h, with 3 KB of rows. */
static void
write_bmp_bomb (const char *path,
                gint32      w,
                gint32      h)
{
  guint8 buf[54 + 3072] = { 'B', 'M' };
  guint32 v[] = { sizeof buf, 0, 54, 40, (guint32) w, (guint32) h };

  for (guint i = 0; i < G_N_ELEMENTS (v); i++)
    for (int k = 0; k < 4; k++)
      buf[2 + 4 * i + k] = (guint8) (v[i] >> (8 * k));
  buf[26] = 1;    /* planes */
  buf[28] = 24;   /* bits */
  g_assert_true (g_file_set_contents (path, (const char *) buf, sizeof buf, NULL));
}

/* 8. Decompression bombs are refused from their header on every path. */
static void
test_bombs (void)
{
  g_autofree char *png = g_build_filename (tmpdir, "bomb.png", NULL);
  g_autofree char *bmp = g_build_filename (tmpdir, "bomb.bmp", NULL);
  const char *const a[] = { "analyze", "--quiet", png, bmp, NULL };
  const char *const p[] = { "predict", "--no-detect", png, bmp, NULL };
  const char *const d[] = { "detect", png, bmp, NULL };
  const char *const *const cases[] = { a, p, d };

  write_png_bomb (png, 14000, 14000);
  write_bmp_bomb (bmp, 16000, 16000);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *err = NULL;

      g_assert_cmpint (run (NULL, NULL, &err, cases[i]), ==, 1);
      g_test_message ("%s: %s", cases[i][0], err);
      g_assert_nonnull (strstr (err, "bomb.png: 14000x14000 pixels, more than the 100-megapixel limit"));
      g_assert_nonnull (strstr (err, "bomb.bmp: 16000x16000 pixels, more than the 100-megapixel limit"));
    }
}

/* 9. A picture cut short is damaged, not analysed with grey in it. */
static void
test_truncated (void)
{
  static const char *const formats[][2] = { { "jpeg", "jpg" }, { "png", "png" }, { "bmp", "bmp" }, { "tiff", "tif" } };
  g_autoptr(GdkPixbuf) pb = gdk_pixbuf_new_from_file (sample, NULL);
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func (g_free);

  g_assert_nonnull (pb);
  for (guint i = 0; i < G_N_ELEMENTS (formats); i++)
    {
      g_autofree char *name = g_strdup_printf ("half.%s", formats[i][1]);
      char *path = g_build_filename (tmpdir, name, NULL);
      g_autofree char *data = NULL;
      gsize len;
      g_autoptr(GError) error = NULL;

      g_assert_true (gdk_pixbuf_save (pb, path, formats[i][0], &error, NULL));
      g_assert_no_error (error);
      g_assert_true (g_file_get_contents (path, &data, &len, NULL));
      g_assert_true (g_file_set_contents (path, data, (gssize) (len / 2), NULL));
      g_ptr_array_add (files, path);
    }
  for (guint c = 0; c < 3; c++)
    {
      g_autoptr(GPtrArray) argv = g_ptr_array_new ();
      g_autofree char *err = NULL;

      if (c == 0)
        g_ptr_array_add (argv, "analyze"), g_ptr_array_add (argv, "--quiet");
      else if (c == 1)
        g_ptr_array_add (argv, "predict"), g_ptr_array_add (argv, "--no-detect");
      else
        g_ptr_array_add (argv, "detect");
      for (guint i = 0; i < files->len; i++)
        g_ptr_array_add (argv, files->pdata[i]);
      g_ptr_array_add (argv, NULL);
      g_assert_cmpint (run (NULL, NULL, &err, (const char * const *) argv->pdata), ==, 1);
      g_test_message ("%s", err);
      for (guint i = 0; i < files->len; i++)
        {
          g_autofree char *base = g_path_get_basename (files->pdata[i]);
          g_autofree char *want = g_strdup_printf ("%s: damaged or truncated", base);
          g_assert_nonnull (strstr (err, want));
        }
    }
}

/* A photo cut in half, or with noise over a stretch of its picture data
 * (its end marker kept), is said to be damaged, never analysed with grey in
 * it and reported as "no face found"; predict and analyze still answer for
 * the whole photo beside them and exit 1 at the end. */
static void
test_damaged_jpeg (void)
{
  g_autofree char *whole = g_build_filename (tmpdir, "whole.jpg", NULL);
  g_autofree char *half = g_build_filename (tmpdir, "cut-in-half.jpg", NULL);
  g_autofree char *noisy = g_build_filename (tmpdir, "noisy-middle.jpg", NULL);
  g_autoptr(GdkPixbuf) pb = gdk_pixbuf_new_from_file (sample, NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *data = NULL;
  const char *const predict[] = { "predict", whole, half, noisy, NULL };
  const char *const analyze[] = { "analyze", "--quiet", whole, half, noisy, NULL };
  const char *const *const cases[] = { predict, analyze };
  gsize len;

  g_assert_nonnull (pb);
  g_assert_true (gdk_pixbuf_save (pb, whole, "jpeg", &error, "quality", "90", NULL));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (whole, &data, &len, NULL));
  g_assert_true (g_file_set_contents (half, data, (gssize) (len / 2), NULL));
  for (gsize i = len / 3; i < len / 2; i++)
    data[i] = (char) ((i * 7919) >> 3);
  g_assert_true (g_file_set_contents (noisy, data, (gssize) len, NULL));

  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      g_autofree char *out = NULL, *err = NULL;

      g_assert_cmpint (run (NULL, &out, &err, cases[c]), ==, 1);
      g_test_message ("%s: %s", cases[c][0], err);
      g_assert_nonnull (strstr (err, "cut-in-half.jpg: damaged or truncated"));
      g_assert_nonnull (strstr (err, "noisy-middle.jpg: damaged or truncated"));
      g_assert_null (strstr (err, "no face"));
      /* the whole photo is answered for, and only it */
      g_assert_nonnull (strstr (out, "whole.jpg"));
      g_assert_null (strstr (out, "cut-in-half.jpg"));
      g_assert_null (strstr (out, "noisy-middle.jpg"));
    }
}

/* 11, 12. An animated GIF is its first frame, at once; a top-down BMP
 * (negative height) reads as any BMP, in every command. */
static void
test_gif_and_top_down_bmp (void)
{
  g_autofree char *gif = g_test_build_filename (G_TEST_DIST, "fixtures", "animated.gif", NULL);
  g_autofree char *bmp = g_build_filename (tmpdir, "top-down.bmp", NULL);
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr(GdkPixbuf) pb = gdk_pixbuf_new_from_file (sample, NULL);
  g_autofree char *data = NULL;
  g_auto(GStrv) lines = NULL;
  gsize len;
  const char *const a[] = { "analyze", "--quiet", gif, NULL };

  g_assert_cmpint (run (NULL, &out, &err, a), ==, 0);
  lines = g_strsplit (g_strstrip (out), "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 2);   /* the header and one face of frame 0 */
  g_assert_true (g_str_has_prefix (strstr (lines[1], "animated.gif,"), "animated.gif,0,0.000,"));

  /* gdk-pixbuf writes bottom-up rows: flip them and negate the height */
  {
    g_autoptr(GError) error = NULL;
    g_autofree guint8 *flipped = NULL;
    guint32 off, rowlen;
    gint32 h;

    g_assert_true (gdk_pixbuf_save (pb, bmp, "bmp", &error, NULL));
    g_assert_true (g_file_get_contents (bmp, &data, &len, NULL));
    off = (guint8) data[10] | (guint8) data[11] << 8;
    h = (gint32) ((guint8) data[22] | (guint8) data[23] << 8);
    rowlen = (guint32) ((len - off) / (guint32) h);
    flipped = g_memdup2 (data, len);
    for (gint32 y = 0; y < h; y++)
      memcpy (flipped + off + (gsize) y * rowlen, data + off + (gsize) (h - 1 - y) * rowlen, rowlen);
    h = -h;
    for (int k = 0; k < 4; k++)
      flipped[22 + k] = (guint8) ((guint32) h >> (8 * k));
    g_assert_true (g_file_set_contents (bmp, (const char *) flipped, (gssize) len, NULL));
  }
  {
    const char *const an[] = { "analyze", "--quiet", bmp, NULL };
    const char *const pr[] = { "predict", bmp, NULL };
    const char *const de[] = { "detect", bmp, NULL };
    const char *const *const cases[] = { an, pr, de };

    for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
      {
        g_autofree char *o = NULL, *e = NULL;
        g_assert_cmpint (run (NULL, &o, &e, cases[i]), ==, 0);
        g_test_message ("%s: %.120s", cases[i][0], o);
        g_assert_nonnull (strstr (o, i == 0 ? "happiness" : "\"score\""));
      }
  }
}

/* 15. Option values at the edges are usage errors, not overflows. */
static void
test_option_values (void)
{
  static const struct { const char *option, *value, *says; } cases[] = {
    { "--fps", "inf", "--fps must lie" },
    { "--fps", "1e308", "--fps must lie" },
    { "--fps", "nan", "--fps must lie" },
    { "--every", "2147483647", "--every and --detect-every must lie" },
    { "--detect-every", "0", "--every and --detect-every must lie" },
    { "--threshold", "nan", "--threshold must lie" },
    { "--threshold", "1.5", "--threshold must lie" },
    { "--threads", "0", "--threads must lie" },
  };
  g_autofree char *err = NULL;
  const char *const many[] = { "analyze", "--quiet", "--threads", "64", sample, NULL };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *e = NULL;
      const char *const argv[] = { "analyze", "--quiet", cases[i].option, cases[i].value, sample, NULL };

      g_assert_cmpint (run (NULL, NULL, &e, argv), ==, 2);
      g_test_message ("%s %s: %.80s", cases[i].option, cases[i].value, e);
      g_assert_nonnull (strstr (e, cases[i].says));
    }
  /* more threads than cores: allowed, with a warning */
  g_assert_cmpint (run (NULL, NULL, &err, many), ==, 0);
  if (g_get_num_processors () < 64)
    g_assert_nonnull (strstr (err, "warning: --threads 64"));
}


/* 3, 4, 5: train refuses what cannot give a sound model, before it starts. */
static void
test_train_refusals (void)
{
  g_autofree char *dir = g_build_filename (tmpdir, "train", NULL);
  g_autofree char *one = g_build_filename (dir, "one.png", NULL);
  g_autofree char *two = g_build_filename (dir, "two.png", NULL);
  g_autofree char *out_path = g_build_filename (dir, "out.safetensors", NULL);
  g_autofree char *missing_csv = g_build_filename (dir, "missing.csv", NULL);
  g_autofree char *latin_csv = g_build_filename (dir, "latin1.csv", NULL);
  g_autofree char *good_csv = g_build_filename (dir, "good.csv", NULL);
  g_autofree char *nowhere = g_build_filename (dir, "no-such-folder", "out.safetensors", NULL);
  g_autofree char *err = NULL;

  g_assert_cmpint (g_mkdir (dir, 0755), ==, 0);
  write_png (one);
  write_png (two);
  g_assert_true (g_file_set_contents (missing_csv, "image,emotion\none.png,a\ngone1.png,b\ngone2.png,a\n", -1, NULL));
  g_assert_true (g_file_set_contents (latin_csv, "image,emotion\none.png,a\ntwo.png,b\xe8\n", -1, NULL));
  g_assert_true (g_file_set_contents (good_csv, "image,emotion\none.png,a\ntwo.png,b\n", -1, NULL));

  /* 4. one readable image: no step can be taken; no model is written */
  {
    const char *const argv[] = { "train", "--from", model_path, "--csv", missing_csv, "--epochs", "1", "--batch", "2",
                                 "--out", out_path, NULL };
    g_assert_cmpint (run (NULL, NULL, &err, argv), ==, 1);
    g_test_message ("%s", err);
    g_assert_nonnull (strstr (err, "nothing to train on: 1 of the 3 images could be read"));
    g_assert_false (g_file_test (out_path, G_FILE_TEST_EXISTS));
    g_clear_pointer (&err, g_free);
  }
  /* 3. a label that is not UTF-8 would make a model file without classes */
  {
    const char *const argv[] = { "train", "--from", model_path, "--csv", latin_csv, "--epochs", "1", "--batch", "2",
                                 "--out", out_path, NULL };
    g_assert_cmpint (run (NULL, NULL, &err, argv), ==, 1);
    g_test_message ("%s", err);
    g_assert_nonnull (strstr (err, "latin1.csv:3:"));
    g_assert_nonnull (strstr (err, "UTF-8"));
    g_assert_false (g_file_test (out_path, G_FILE_TEST_EXISTS));
    g_clear_pointer (&err, g_free);
  }
  /* 5. a destination that cannot be written, said before the first step */
  {
    const char *const argv[] = { "train", "--from", model_path, "--csv", good_csv, "--epochs", "1", "--batch", "2",
                                 "--out", nowhere, NULL };
    const char *const ckpt[] = { "train", "--from", model_path, "--csv", good_csv, "--epochs", "1", "--batch", "2",
                                 "--checkpoint", nowhere, "--out", out_path, NULL };
    g_assert_cmpint (run (NULL, NULL, &err, argv), ==, 1);
    g_test_message ("%s", err);
    g_assert_nonnull (strstr (err, "no-such-folder"));
    g_assert_null (strstr (err, "epoch"));
    g_clear_pointer (&err, g_free);
    g_assert_cmpint (run (NULL, NULL, &err, ckpt), ==, 1);
    g_test_message ("%s", err);
    g_assert_nonnull (strstr (err, "no-such-folder"));
    g_assert_null (strstr (err, "epoch 1"));
    g_assert_false (g_file_test (out_path, G_FILE_TEST_EXISTS));
  }
}

int
main (int    argc,
      char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  cli = g_strdup (g_getenv ("TRANSFER_CLI"));
  g_assert_nonnull (cli);
  sample = g_test_build_filename (G_TEST_DIST, "..", "data", "astronaut.png", NULL);
  tmpdir = g_dir_make_tmp ("tf-cli-hardening-XXXXXX", NULL);
  model_path = g_build_filename (tmpdir, "small.safetensors", NULL);
  {
    const char *const init[] = { "init", "--config", "small", "--classes", "a,b", "--out", model_path, NULL };
    g_autofree char *err = NULL;
    g_assert_cmpint (run (NULL, NULL, &err, init), ==, 0);
  }

  g_test_add_func ("/cli-hardening/full-stdout", test_full_stdout);
  g_test_add_func ("/cli-hardening/full-disk-out", test_full_disk_out);
  g_test_add_func ("/cli-hardening/out-mode-and-input", test_out_mode_and_input);
  g_test_add_func ("/cli-hardening/signal-mid-write", test_signal_mid_write);
  g_test_add_func ("/cli-hardening/not-pictures", test_not_pictures);
  g_test_add_func ("/cli-hardening/option-values", test_option_values);
  g_test_add_func ("/cli-hardening/train-refusals", test_train_refusals);
  g_test_add_func ("/cli-hardening/full-disk-train", test_full_disk_train);
  g_test_add_func ("/cli-hardening/non-utf8-names", test_non_utf8_names);
  g_test_add_func ("/cli-hardening/bombs", test_bombs);
  g_test_add_func ("/cli-hardening/truncated", test_truncated);
  g_test_add_func ("/cli-hardening/damaged-jpeg", test_damaged_jpeg);
  g_test_add_func ("/cli-hardening/gif-and-top-down-bmp", test_gif_and_top_down_bmp);
  status = g_test_run ();
  tf_test_remove_tmpdir (tmpdir);
  g_free (cli);
  g_free (sample);
  g_free (model_path);
  return status;
}
