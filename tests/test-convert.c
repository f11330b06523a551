/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tools/convert_official.py, the authors' weights converter, on stand-ins
 * of their files (tools/make_official_fixture.py: the real ones cannot be
 * downloaded here): the Paddle checkpoint's logits against the PyTorch
 * reference's (tests/goldens/official-paddle.json), each mismatch named
 * with nothing written, pickles that would run code refused, PyTorch's two
 * formats, and the partial model a training run starts from. */
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>
#include <errno.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tf-align.h"
#include "tf-model.h"
#include "tf-safetensors.h"
#include "tf-test-util.h"

static const char *python;
static char *tools;
static char *tmpdir;
static char *paddle;     /* the stand-in of TransFER-RAF_param.pdparams */
static char *variants;   /* its mismatching variants */

/* Runs @argv (NULL-terminated); returns the exit status. */
static int
run (char              **out,
     char              **err,
     const char * const *argv)
{
  g_autoptr(GError) error = NULL;
  int status = -1;

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, out, err, &status, &error);
  g_assert_no_error (error);
  return g_spawn_check_wait_status (status, NULL) ? 0 : (WIFEXITED (status) ? WEXITSTATUS (status) : -1);
}

static int
convert (char      **out,
         char      **err,
         const char *src,
         const char *dest)
{
  g_autofree char *script = g_build_filename (tools, "convert_official.py", NULL);
  const char *argv[] = { python, script, src, dest ? "--out" : "--list", dest, NULL };

  return run (out, err, argv);
}

static int
cli (char      **out,
     char      **err,
     const char *first,
     ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  va_list ap;

  g_ptr_array_add (argv, (gpointer) g_getenv ("TRANSFER_CLI"));
  va_start (ap, first);
  for (const char *a = first; a; a = va_arg (ap, const char *))
    g_ptr_array_add (argv, (gpointer) a);
  va_end (ap);
  g_ptr_array_add (argv, NULL);
  return run (out, err, (const char * const *) argv->pdata);
}

static void
fixture (const char *first,
         ...)
{
  g_autofree char *script = g_build_filename (tools, "make_official_fixture.py", NULL);
  g_autofree char *err = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  va_list ap;

  g_ptr_array_add (argv, (gpointer) python);
  g_ptr_array_add (argv, script);
  va_start (ap, first);
  for (const char *a = first; a; a = va_arg (ap, const char *))
    g_ptr_array_add (argv, (gpointer) a);
  va_end (ap);
  g_ptr_array_add (argv, NULL);
  if (run (NULL, &err, (const char * const *) argv->pdata) != 0)
    g_error ("make_official_fixture.py failed: %s", err);
}

static char *
sha256_of (const char *path)
{
  g_autoptr(GMappedFile) f = g_mapped_file_new (path, FALSE, NULL);

  g_assert_nonnull (f);
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) g_mapped_file_get_contents (f),
                                      g_mapped_file_get_length (f));
}

/* Every tensor of @expect has the same values in @path. */
static void
assert_tensors_equal (const char *expect,
                      const char *path)
{
  g_autoptr(TfSafetensors) want = tf_safetensors_open (expect, NULL);
  g_autoptr(TfSafetensors) have = tf_safetensors_open (path, NULL);
  guint n_tensors;

  g_assert_nonnull (want);
  g_assert_nonnull (have);
  n_tensors = tf_safetensors_get_n_tensors (want);
  for (guint i = 0; i < n_tensors; i++)
    {
      const TfStTensor *t = tf_safetensors_get_nth (want, i);
      gsize n = 0, m = 0;
      g_autofree float *a = tf_test_read_golden (want, t->name, &n);
      g_autofree float *b = tf_test_read_golden (have, t->name, &m);

      g_assert_cmpuint (n, ==, m);
      if (tf_test_max_abs_diff (a, b, n) != 0)
        g_error ("%s: %s differs from %s's", path, t->name, expect);
    }
  g_test_message ("%s: %u tensors as in %s", path, n_tensors, expect);
}

/* Nothing but @keep in @dir: a refused conversion leaves no temporary file. */
static void
assert_only (const char *dir,
             const char *keep)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  g_assert_nonnull (d);
  while ((name = g_dir_read_name (d)))
    if (keep == NULL || strcmp (name, keep) != 0)
      g_error ("%s is left in %s", name, dir);
}

static void
test_paddle (void)
{
  g_autofree char *expect = g_build_filename (tmpdir, "paddle-expect.safetensors", NULL);
  g_autofree char *dest = g_build_filename (tmpdir, "authors.safetensors", NULL);
  g_autofree char *golden_path = g_test_build_filename (G_TEST_DIST, "goldens", "official-paddle.json", NULL);
  g_autofree char *image = g_test_build_filename (G_TEST_DIST, "..", "data", "astronaut.png", NULL);
  g_autofree char *out = NULL, *err = NULL, *digest = NULL, *paper_json = NULL;
  g_autoptr(JsonParser) golden = json_parser_new ();
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(TfSafetensors) st = NULL;
  g_autoptr(TfModel) model = NULL;
  g_autoptr(GError) error = NULL;
  TfConfig paper, got;
  JsonArray *want, *logits;
  double lo = INFINITY, hi = -INFINITY, worst = 0;
  const char *classes[] = { "surprise", "fear", "disgust", "happiness", "sadness", "anger", "neutral" };

  fixture ("paddle", paddle, "--variants", variants, "--expect", expect, NULL);
  g_assert_cmpint (convert (&out, &err, paddle, dest), ==, 0);
  g_test_message ("%s", out);
  g_assert_nonnull (strstr (out, "the paper preset"));
  g_assert_nonnull (strstr (out, "65.22 M parameters"));

  /* the metadata: the paper preset, RAF-DB's classes, RGB with the
   * authors' normalisation, and where it came from */
  st = tf_safetensors_open (dest, &error);
  g_assert_no_error (error);
  g_assert_true (tf_config_from_json (tf_safetensors_get_metadata (st, "config"), &got, &error));
  g_assert_true (tf_config_preset ("paper", 7, &paper));
  paper_json = tf_config_to_json (&paper);
  {
    g_autofree char *got_json = tf_config_to_json (&got);
    g_assert_cmpstr (got_json, ==, paper_json);
  }
  {
    /* readable like any file the user writes (mkstemp's 0600 was kept once) */
    GStatBuf sb;
    mode_t mask = umask (0);
    umask (mask);
    g_assert_cmpint (g_stat (dest, &sb), ==, 0);
    g_assert_cmpint (sb.st_mode & 0777, ==, 0666 & ~mask);
  }
  digest = sha256_of (paddle);
  g_assert_cmpstr (tf_safetensors_get_metadata (st, "source_sha256"), ==, digest);
  g_assert_cmpstr (tf_safetensors_get_metadata (st, "source_format"), ==, "paddle");
  g_assert_true (g_str_has_prefix (tf_safetensors_get_metadata (st, "converted_from"),
                                   "the authors' release: TransFER-RAF_param.pdparams"));
  model = tf_model_load (dest, &error);
  g_assert_no_error (error);
  g_assert_cmpint (model->config.num_classes, ==, 7);
  for (int k = 0; k < 7; k++)
    g_assert_cmpstr (model->classes[k], ==, classes[k]);
  g_assert_false (model->input.gray);
  g_assert_cmpfloat_with_epsilon (model->input.mean[0], 123.675, 1e-4);
  g_assert_cmpfloat_with_epsilon (model->input.std[2], 57.375, 1e-4);
  {
    TfCropTemplate tmpl;
    g_assert_true (tf_crop_template_from_spec (&model->input, &tmpl, &error));
    g_assert_cmpint (tmpl.source_size, ==, 100);
  }
  assert_tensors_equal (expect, dest);

  /* the logits through the engine against the PyTorch reference's */
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (cli (&out, &err, "predict", "--model", dest, "--no-detect", image, NULL), ==, 0);
  g_assert_true (json_parser_load_from_file (golden, golden_path, &error));
  g_assert_no_error (error);
  want = json_object_get_array_member (json_node_get_object (json_parser_get_root (golden)), "logits");
  g_assert_true (json_parser_load_from_data (parser, out, -1, &error));
  logits = json_object_get_array_member (
      json_array_get_object_element (json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)),
                                                                   "faces"), 0), "logits");
  g_assert_cmpuint (json_array_get_length (logits), ==, 7);
  for (guint k = 0; k < 7; k++)
    {
      double a = json_array_get_double_element (logits, k), b = json_array_get_double_element (want, k);
      worst = MAX (worst, fabs (a - b));
      lo = MIN (lo, b);
      hi = MAX (hi, b);
    }
  g_test_message ("logits against the reference: max abs error %.3g (the reference's spread %.2f)", worst, hi - lo);
  g_assert_cmpfloat (hi - lo, >, 1.0);   /* logits that say something, so agreeing means something */
  g_assert_cmpfloat (worst, <=, 1e-4);
}

/* A conversion that must stop: exit 1, its message holds each of @needles,
 * the file already at @dest is untouched and nothing else is left. */
static void
assert_refused (const char         *src,
                const char * const *needles)
{
  g_autofree char *dir = g_build_filename (tmpdir, "refused", NULL);
  g_autofree char *dest = g_build_filename (dir, "model.safetensors", NULL);
  g_autofree char *out = NULL, *err = NULL, *text = NULL;

  g_mkdir_with_parents (dir, 0755);
  g_assert_true (g_file_set_contents (dest, "the previous model", -1, NULL));
  g_assert_cmpint (convert (&out, &err, src, dest), ==, 1);
  g_test_message ("%s", err);
  for (guint i = 0; needles[i]; i++)
    if (!strstr (err, needles[i]))
      g_error ("the message lacks '%s': %s", needles[i], err);
  g_assert_nonnull (strstr (err, "nothing written"));
  g_assert_true (g_file_get_contents (dest, &text, NULL, NULL));
  g_assert_cmpstr (text, ==, "the previous model");
  assert_only (dir, "model.safetensors");
}

static void
test_mismatch (void)
{
  g_autofree char *renamed = g_build_filename (variants, "renamed.pdparams", NULL);
  g_autofree char *as_int = g_build_filename (variants, "int.pdparams", NULL);
  g_autofree char *shape = g_build_filename (variants, "shape.pdparams", NULL);
  const char *const renamed_says[] = { "tensor vit.blocks.3.attn.qkv.weight [2304, 768] is missing",
                                       "unexpected tensor vit.blocks.3.attn.qkv_weight", NULL };
  const char *const int_says[] = { "head.fc.bias", "int32", NULL };
  const char *const shape_says[] = { "vit.pos_embed", "[1, 196, 768]", "[1, 197, 768]", NULL };

  if (!g_file_test (renamed, G_FILE_TEST_EXISTS))
    test_paddle ();   /* run alone: the variants come with the checkpoint */
  assert_refused (renamed, renamed_says);
  assert_refused (as_int, int_says);
  assert_refused (shape, shape_says);
  /* 783 MB that no other case reads */
  g_unlink (renamed);
  g_unlink (as_int);
  g_unlink (shape);
}

static void
test_truncated (void)
{
  g_autofree char *cut = g_build_filename (tmpdir, "cut.pdparams", NULL);
  g_autofree char *cut_zip = g_build_filename (tmpdir, "cut.pth", NULL);
  g_autofree char *zip = g_test_build_filename (G_TEST_DIST, "fixtures", "torch-zip.pt", NULL);
  g_autofree char *data = NULL;
  gsize len = 0;
  const char *const says[] = { "cut.pdparams", "damaged or cut short", NULL };
  const char *const zip_says[] = { "cut.pth", "damaged or cut short", NULL };

  if (!g_file_test (paddle, G_FILE_TEST_EXISTS))
    test_paddle ();
  /* the first 40 MB of 261: the pickle stops inside a tensor */
  {
    g_autoptr(GMappedFile) f = g_mapped_file_new (paddle, FALSE, NULL);
    g_assert_true (g_file_set_contents (cut, g_mapped_file_get_contents (f), 40 << 20, NULL));
  }
  assert_refused (cut, says);
  g_assert_true (g_file_get_contents (zip, &data, &len, NULL));
  g_assert_true (g_file_set_contents (cut_zip, data, (gssize) len * 2 / 3, NULL));
  assert_refused (cut_zip, zip_says);
}

/* A pickle that asks for os.system: refused before anything is called. */
static void
test_malicious (void)
{
  g_autofree char *evil = g_build_filename (tmpdir, "evil.pdparams", NULL);
  g_autofree char *marker = g_build_filename (tmpdir, "pwned", NULL);
  g_autofree char *pickle = g_strdup_printf ("cos\nsystem\n(Vtouch %s\ntR.", marker);
  const char *const says[] = { "evil.pdparams", "os.system", "refused", NULL };

  g_assert_true (g_file_set_contents (evil, pickle, -1, NULL));
  assert_refused (evil, says);
  g_assert_false (g_file_test (marker, G_FILE_TEST_EXISTS));
}

/* PyTorch files whose numbers lie: refused before what they announce is
 * allocated (the run would be killed for memory, or stall, otherwise). */
static void
test_hostile (void)
{
  g_autofree char *dir = g_build_filename (tmpdir, "hostile", NULL);
  g_autofree char *expanded = g_build_filename (dir, "expanded.pth", NULL);
  g_autofree char *compressed = g_build_filename (dir, "compressed.pth", NULL);
  g_autofree char *past_end = g_build_filename (dir, "past-end.pth", NULL);
  const char *const expanded_says[] = { "expanded.pth", "reaches past its storage of 4 values", NULL };
  const char *const compressed_says[] = { "compressed.pth", "storage 0 is compressed", NULL };
  const char *const past_end_says[] = { "past-end.pth", "cut short in storage 0", NULL };

  fixture ("hostile", dir, NULL);
  assert_refused (expanded, expanded_says);
  assert_refused (compressed, compressed_says);
  assert_refused (past_end, past_end_says);
}

/* face.evoLVe's IR-50 in an mmcls checkpoint, in PyTorch's zip format and
 * its older one: the same partial model, which predict refuses and a
 * training run starts from. */
static void
test_torch_stem (void)
{
  g_autofree char *zip = g_build_filename (tmpdir, "ir50.pth", NULL);
  g_autofree char *legacy = g_build_filename (tmpdir, "ir50-legacy.pth", NULL);
  g_autofree char *expect = g_build_filename (tmpdir, "stem-expect.safetensors", NULL);
  g_autofree char *stem = g_build_filename (tmpdir, "stem.safetensors", NULL);
  g_autofree char *stem2 = g_build_filename (tmpdir, "stem-legacy.safetensors", NULL);
  g_autofree char *image = g_test_build_filename (G_TEST_DIST, "..", "data", "astronaut.png", NULL);
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr(TfSafetensors) st = NULL;
  g_autoptr(GError) error = NULL;

  fixture ("torch-stem", zip, "--expect", expect, NULL);
  fixture ("torch-stem", legacy, "--legacy", NULL);
  g_assert_cmpint (convert (&out, &err, zip, stem), ==, 0);
  g_test_message ("%s%s", out, err);
  g_assert_nonnull (strstr (out, "a partial model"));
  g_assert_nonnull (strstr (err, "left out 48 tensors"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (convert (&out, &err, legacy, stem2), ==, 0);
  assert_tensors_equal (expect, stem);
  assert_tensors_equal (stem, stem2);

  st = tf_safetensors_open (stem, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (tf_safetensors_get_metadata (st, TF_MODEL_PARTIAL_KEY), ==, "[\"extractor\"]");
  g_assert_cmpstr (tf_safetensors_get_metadata (st, "source_format"), ==, "pytorch");
  g_assert_null (tf_safetensors_lookup (st, "head.fc.weight"));
  g_assert_null (tf_safetensors_lookup (st, "extractor.body.21.res_layer.1.weight"));
  g_assert_nonnull (tf_safetensors_lookup (st, "extractor.body.20.res_layer.1.weight"));

  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (cli (&out, &err, "predict", "--model", stem, "--no-detect", image, NULL), ==, 1);
  g_test_message ("%s", err);
  g_assert_nonnull (strstr (err, "stem.safetensors: a partial model (it holds extractor.* only)"));

  /* one step of the paper preset from the stem, with a rate that leaves it as it was */
  {
    g_autofree char *dir = g_build_filename (tmpdir, "faces", NULL);
    g_autofree char *csv = g_build_filename (dir, "labels.csv", NULL);
    g_autofree char *trained = g_build_filename (tmpdir, "from-stem.safetensors", NULL);
    g_autoptr(TfModel) model = NULL;
    g_autoptr(TfSafetensors) a = NULL;
    gsize n = 0;
    g_autofree float *w = NULL;
    const TfParamInfo *p;

    g_mkdir_with_parents (dir, 0755);
    for (int i = 0; i < 2; i++)
      {
        g_autofree char *name = g_strdup_printf ("%d.png", i);
        g_autofree char *path = g_build_filename (dir, name, NULL);
        g_autofree char *src = NULL;
        gsize len;
        g_assert_true (g_file_get_contents (image, &src, &len, NULL));
        g_assert_true (g_file_set_contents (path, src, (gssize) len, NULL));
      }
    g_assert_true (g_file_set_contents (csv, "image,emotion\n0.png,happiness\n1.png,sadness\n", -1, NULL));
    g_clear_pointer (&out, g_free);
    g_clear_pointer (&err, g_free);
    g_assert_cmpint (cli (&out, &err, "train", "--from", stem, "--csv", csv, "--epochs", "1", "--batch", "2",
                          "--lr", "1e-12", "--no-augment", "--seed", "3", "--out", trained, NULL), ==, 0);
    g_test_message ("%s", err);
    g_assert_nonnull (strstr (err, "starting from"));
    g_assert_nonnull (strstr (err, "extractor.*"));
    model = tf_model_load (trained, &error);
    g_assert_no_error (error);
    g_assert_cmpint (model->config.num_classes, ==, 2);
    g_assert_cmpint (model->config.embed_dim, ==, 768);
    g_assert_cmpstr (g_hash_table_lookup (model->metadata, "base_source_format"), ==, "pytorch");
    a = tf_safetensors_open (stem, NULL);
    w = tf_test_read_golden (a, "extractor.body.20.res_layer.3.weight", &n);
    g_assert_nonnull ((p = tf_model_find_param (model, "extractor.body.20.res_layer.3.weight")));
    tf_assert_close (w, model->params + p->offset, n, 1e-6, "the stem after one step at 1e-12");
  }
}

/* Files torch.save itself wrote (tests/fixtures, made by
 * make_official_fixture.py real-torch): a transposed tensor, float16,
 * bfloat16 and an integer, read alike from both formats. */
static void
test_real_torch (void)
{
  const char *files[] = { "torch-zip.pt", "torch-legacy.pt" };
  const char *const lines[] = {
    "backbone.body.0.res_layer.1.weight\tfloat32\t[2, 3, 2, 2]\tsum=276",
    "t\tfloat32\t[3, 2]\tvalues=[0.0, 3.0, 1.0, 4.0, 2.0, 5.0]",
    "h\tfloat16\t[2]\tvalues=[1.5, -2.25]",
    "b\tfloat32\t[3]\tvalues=[1.5, -2.25, 3.0]",
    "bn.num_batches_tracked\tint64\t[]\tvalues=[7.0]",
    NULL
  };

  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *path = g_test_build_filename (G_TEST_DIST, "fixtures", files[i], NULL);
      g_autofree char *out = NULL, *err = NULL, *joined = g_strjoinv ("\n", (char **) lines);

      g_assert_cmpint (convert (&out, &err, path, NULL), ==, 0);
      g_assert_cmpstr (g_strstrip (out), ==, joined);
    }
}

/* A full disk (a 2 MB tmpfs for a 261 MB model): exit 1 naming the
 * destination and the error, the previous file as it was, no temporary left. */
static void
test_full_disk (void)
{
  g_autofree char *mnt = g_build_filename (tmpdir, "full", NULL);
  g_autofree char *dest = g_build_filename (mnt, "authors.safetensors", NULL);
  g_autofree char *out = NULL, *err = NULL, *text = NULL;

  if (!g_file_test (paddle, G_FILE_TEST_EXISTS))
    test_paddle ();
  g_assert_cmpint (g_mkdir (mnt, 0755), ==, 0);
  if (mount ("tmpfs", mnt, "tmpfs", 0, "size=2m") != 0)
    {
      g_test_skip_printf ("cannot mount a small tmpfs here: %s", g_strerror (errno));
      g_rmdir (mnt);
      return;
    }
  g_assert_true (g_file_set_contents (dest, "the previous model", -1, NULL));
  g_assert_cmpint (convert (&out, &err, paddle, dest), ==, 1);
  g_test_message ("%s", err);
  g_assert_nonnull (strstr (err, "cannot write"));
  g_assert_nonnull (strstr (err, "authors.safetensors"));
  g_assert_nonnull (strstr (err, g_strerror (ENOSPC)));
  g_assert_true (g_file_get_contents (dest, &text, NULL, NULL));
  g_assert_cmpstr (text, ==, "the previous model");
  assert_only (mnt, "authors.safetensors");
  g_assert_cmpint (umount (mnt), ==, 0);
}

static void
test_usage (void)
{
  g_autofree char *script = g_build_filename (tools, "convert_official.py", NULL);
  g_autofree char *out = NULL, *err = NULL, *missing = g_build_filename (tmpdir, "no-such.pdparams", NULL);
  const char *no_out[] = { python, script, "x.pdparams", NULL };
  const char *const says[] = { "no-such.pdparams", "No such file", NULL };

  g_assert_cmpint (run (&out, &err, no_out), ==, 2);
  g_assert_nonnull (strstr (err, "--out"));
  assert_refused (missing, says);
}

static gboolean
rm_rf (const char *path)
{
  g_autoptr(GDir) d = g_dir_open (path, 0, NULL);
  const char *name;

  while (d && (name = g_dir_read_name (d)))
    {
      g_autofree char *child = g_build_filename (path, name, NULL);
      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        rm_rf (child);
      else
        g_unlink (child);
    }
  return g_rmdir (path) == 0;
}

int
main (int    argc,
      char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  python = g_getenv ("TF_PYTHON") ? g_getenv ("TF_PYTHON") : "python3";
  tools = g_test_build_filename (G_TEST_DIST, "..", "tools", NULL);
  /* The stand-ins are about 1 GB: in memory (/dev/shm) where there is one,
   * not a gigabyte of disk writes beside the other tests (17 s here against
   * 19 to 24 on disk). */
  if (g_file_test ("/dev/shm", G_FILE_TEST_IS_DIR) && g_access ("/dev/shm", W_OK) == 0)
    {
      tmpdir = g_build_filename ("/dev/shm", "tf-convert-XXXXXX", NULL);
      if (!g_mkdtemp (tmpdir))
        g_clear_pointer (&tmpdir, g_free);
    }
  if (tmpdir == NULL)
    tmpdir = g_dir_make_tmp ("tf-convert-XXXXXX", NULL);
  g_assert_nonnull (tmpdir);
  paddle = g_build_filename (tmpdir, "TransFER-RAF_param.pdparams", NULL);
  variants = g_build_filename (tmpdir, "variants", NULL);

  g_test_add_func ("/convert/paddle", test_paddle);
  g_test_add_func ("/convert/mismatch", test_mismatch);
  g_test_add_func ("/convert/truncated", test_truncated);
  g_test_add_func ("/convert/malicious", test_malicious);
  g_test_add_func ("/convert/hostile", test_hostile);
  g_test_add_func ("/convert/torch-stem", test_torch_stem);
  g_test_add_func ("/convert/real-torch", test_real_torch);
  g_test_add_func ("/convert/full-disk", test_full_disk);
  g_test_add_func ("/convert/usage", test_usage);
  status = g_test_run ();
  rm_rf (tmpdir);
  return status;
}
