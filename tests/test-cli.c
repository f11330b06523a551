/* SPDX-License-Identifier: GPL-3.0-or-later */
/* transfer-cli end to end: its output is a contract other tools rely on. */
#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>
#include <sys/wait.h>

#include "tf-model.h"
#include "tf-test-util.h"

static char *cli;
static char *tmpdir;
static char *model_path;

/* Runs transfer-cli with @args (NULL-terminated); returns the exit status. */
static int
run_cli (char      **out,
         char      **err,
         const char *first,
         ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  va_list ap;
  int status = -1;

  g_ptr_array_add (argv, cli);
  va_start (ap, first);
  for (const char *a = first; a; a = va_arg (ap, const char *))
    g_ptr_array_add (argv, (gpointer) a);
  va_end (ap);
  g_ptr_array_add (argv, NULL);

  g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL, out, err, &status, &error);
  g_assert_no_error (error);
  return g_spawn_check_wait_status (status, NULL) ? 0 : (WIFEXITED (status) ? WEXITSTATUS (status) : -1);
}

static JsonObject *
parse_line (JsonParser *parser,
            const char *line)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (json_parser_load_from_data (parser, line, -1, &error));
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
  return json_node_get_object (json_parser_get_root (parser));
}

static void
test_init_and_predict (void)
{
  g_autofree char *out = NULL, *err = NULL;
  g_autofree char *sample = g_test_build_filename (G_TEST_DIST, "..", "data", "astronaut.png", NULL);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_auto(GStrv) lines = NULL;
  JsonObject *obj, *face, *probs;
  JsonArray *faces, *logits;
  double sum = 0, best = -1;
  const char *best_name = NULL;

  g_assert_cmpint (run_cli (&out, &err, "predict", "--model", model_path, "--no-detect", "--probes",
                            sample, sample, NULL), ==, 0);
  lines = g_strsplit (g_strstrip (out), "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 2);

  obj = parse_line (parser, lines[0]);
  g_assert_true (g_str_has_suffix (json_object_get_string_member (obj, "file"), "astronaut.png"));
  faces = json_object_get_array_member (obj, "faces");
  g_assert_cmpuint (json_array_get_length (faces), ==, 1);
  face = json_array_get_object_element (faces, 0);

  /* the whole image is the face */
  g_assert_cmpint (json_array_get_int_element (json_object_get_array_member (face, "box"), 2), ==, 512);
  probs = json_object_get_object_member (face, "probs");
  g_assert_cmpuint (json_object_get_size (probs), ==, 3);
  for (int k = 0; k < 3; k++)
    {
      const char *names[] = { "calm", "glad", "cross" };
      double p = json_object_get_double_member (probs, names[k]);
      g_assert_cmpfloat (p, >, 0);
      sum += p;
      if (p > best)
        best = p, best_name = names[k];
    }
  g_assert_cmpfloat_with_epsilon (sum, 1.0, 1e-5);
  g_assert_cmpstr (json_object_get_string_member (face, "predicted"), ==, best_name);
  logits = json_object_get_array_member (face, "logits");
  g_assert_cmpuint (json_array_get_length (logits), ==, 3);

  /* probes: small preset, 14x14 grid, 2 LANets, 4 blocks of 4 heads */
  g_assert_cmpint (json_object_get_int_member (face, "grid"), ==, 14);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (face, "lanet_maps")), ==, 2);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (face, "lanet_max")), ==, 196);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (face, "head_contrib")), ==, 4);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (face, "rollout")), ==, 196);

  /* the same image twice in one batch gives the same answer (up to rounding:
   * the two sit in different GEMM columns) */
  {
    g_autoptr(JsonParser) second = json_parser_new ();
    JsonObject *face2 = json_array_get_object_element (
        json_object_get_array_member (parse_line (second, lines[1]), "faces"), 0);
    JsonArray *logits2 = json_object_get_array_member (face2, "logits");
    for (guint k = 0; k < 3; k++)
      g_assert_cmpfloat_with_epsilon (json_array_get_double_element (logits, k),
                                      json_array_get_double_element (logits2, k), 1e-5);
  }
}

/* Exploring a face: the occlusion map, the LANet ablation, a LANet dropped */
static void
test_explore (void)
{
  g_autofree char *out = NULL, *err = NULL;
  g_autofree char *sample = g_test_build_filename (G_TEST_DIST, "..", "data", "astronaut.png", NULL);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(JsonParser) parser2 = json_parser_new ();
  JsonObject *face, *dropped;
  JsonArray *map, *ablation, *maps, *lanet_max;
  double ablated[3];

  g_assert_cmpint (run_cli (&out, &err, "predict", "--model", model_path, "--no-detect", "--occlusion",
                            "--patch", "32", "--stride", "28", "--ablation", sample, NULL), ==, 0);
  face = json_array_get_object_element (json_object_get_array_member (parse_line (parser, out), "faces"), 0);
  g_assert_cmpint (json_object_get_int_member (face, "occlusion_grid"), ==, 4);
  g_assert_cmpint (json_object_get_int_member (face, "occlusion_patch"), ==, 32);
  g_assert_cmpstr (json_object_get_string_member (face, "occlusion_class"), ==,
                   json_object_get_string_member (face, "predicted"));
  map = json_object_get_array_member (face, "occlusion_map");
  g_assert_cmpuint (json_array_get_length (map), ==, 16);
  ablation = json_object_get_array_member (face, "lanet_ablation");
  g_assert_cmpuint (json_array_get_length (ablation), ==, 2);
  for (guint b = 0; b < 2; b++)
    {
      JsonArray *p = json_array_get_array_element (ablation, b);
      double sum = 0;
      g_assert_cmpuint (json_array_get_length (p), ==, 3);
      for (guint k = 0; k < 3; k++)
        sum += json_array_get_double_element (p, k);
      g_assert_cmpfloat_with_epsilon (sum, 1.0, 1e-5);
    }
  for (guint k = 0; k < 3; k++)
    ablated[k] = json_array_get_double_element (json_array_get_array_element (ablation, 0), k);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* LANet 1 dropped: its probabilities are the ablation's first row, and
   * the max of the maps is the other map */
  g_assert_cmpint (run_cli (&out, &err, "predict", "--model", model_path, "--no-detect", "--probes",
                            "--drop-lanet", "1", sample, NULL), ==, 0);
  dropped = json_array_get_object_element (json_object_get_array_member (parse_line (parser2, out), "faces"), 0);
  g_assert_cmpint (json_object_get_int_member (dropped, "dropped_lanet"), ==, 1);
  maps = json_object_get_array_member (dropped, "lanet_maps");
  lanet_max = json_object_get_array_member (dropped, "lanet_max");
  for (guint q = 0; q < 196; q++)
    g_assert_cmpfloat (json_array_get_double_element (lanet_max, q), ==,
                       json_array_get_double_element (json_array_get_array_element (maps, 1), q));
  {
    JsonArray *logits = json_object_get_array_member (dropped, "logits");
    const char *names[] = { "calm", "glad", "cross" };
    JsonObject *probs = json_object_get_object_member (dropped, "probs");
    g_assert_cmpuint (json_array_get_length (logits), ==, 3);
    for (int k = 0; k < 3; k++)
      g_assert_cmpfloat_with_epsilon (json_object_get_double_member (probs, names[k]), ablated[k], 1e-5);
  }
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* a LANet the model lacks, and a drop with the ablation, are refused */
  g_assert_cmpint (run_cli (&out, &err, "predict", "--model", model_path, "--no-detect", "--drop-lanet", "3",
                            sample, NULL), ==, 1);
  g_assert_nonnull (strstr (err, "has 2 LANets"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run_cli (&out, &err, "predict", "--model", model_path, "--no-detect", "--drop-lanet", "1",
                            "--ablation", sample, NULL), ==, 2);
}

static void
test_bad_inputs (void)
{
  g_autofree char *out = NULL, *err = NULL;
  g_autofree char *corrupt = g_build_filename (tmpdir, "corrupt.png", NULL);
  g_autofree char *truncated = g_build_filename (tmpdir, "truncated.png", NULL);
  g_autofree char *sample = g_test_build_filename (G_TEST_DIST, "..", "data", "astronaut.png", NULL);
  g_autofree char *bytes = NULL;
  gsize len;

  g_assert_true (g_file_set_contents (corrupt, "\x89PNG\r\n\x1a\n garbage", -1, NULL));
  g_assert_true (g_file_get_contents (sample, &bytes, &len, NULL));
  g_assert_true (g_file_set_contents (truncated, bytes, (gssize) (len / 3), NULL));

  /* unreadable images are reported by name; the good one still gets its line */
  g_assert_cmpint (run_cli (&out, &err, "predict", "--model", model_path, "--no-detect",
                            corrupt, sample, "/nonexistent.jpg", truncated, NULL), ==, 1);
  g_assert_nonnull (strstr (err, "corrupt.png"));
  g_assert_nonnull (strstr (err, "nonexistent.jpg: no such file"));
  g_assert_nonnull (strstr (err, "truncated.png"));
  {
    g_auto(GStrv) good = g_strsplit (g_strstrip (out), "\n", -1);
    g_assert_cmpuint (g_strv_length (good), ==, 1);
  }
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* a model that is not one */
  g_assert_cmpint (run_cli (&out, &err, "predict", "--model", corrupt, "--no-detect", sample, NULL), ==, 1);
  g_assert_nonnull (strstr (err, "corrupt.png"));
  g_assert_cmpstr (out, ==, "");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* usage errors */
  g_assert_cmpint (run_cli (&out, &err, "frobnicate", NULL), ==, 2);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run_cli (&out, &err, "init", "--config", "huge", "--classes", "a", "--out", corrupt, NULL), ==, 2);
}

/* Extreme shapes: a 1-pixel face and a very wide strip still give a
 * prediction (the crop is resampled to the model's input, not refused). */
static void
test_extreme_images (void)
{
  const int sizes[][2] = { { 1, 1 }, { 3000, 2 }, { 2, 900 } };

  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      g_autoptr(GdkPixbuf) img = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, sizes[i][0], sizes[i][1]);
      g_autofree char *path = g_strdup_printf ("%s/extreme-%u.png", tmpdir, i);
      g_autofree char *out = NULL, *err = NULL;
      g_autoptr(JsonParser) parser = json_parser_new ();
      g_autoptr(GError) error = NULL;
      JsonObject *face;

      gdk_pixbuf_fill (img, 0x80604000u + i);
      g_assert_true (gdk_pixbuf_save (img, path, "png", &error, NULL));
      g_assert_no_error (error);
      g_assert_cmpint (run_cli (&out, &err, "predict", "--model", model_path, "--no-detect", path, NULL), ==, 0);
      face = json_array_get_object_element (
          json_object_get_array_member (parse_line (parser, g_strstrip (out)), "faces"), 0);
      g_assert_cmpint (json_array_get_int_element (json_object_get_array_member (face, "box"), 2), ==, sizes[i][0]);
      g_assert_cmpint (json_array_get_int_element (json_object_get_array_member (face, "box"), 3), ==, sizes[i][1]);
    }
}

/* A folder-per-class set of small synthetic faces: each class its own tint. */
static char *
make_folder_dataset (void)
{
  char *root = g_build_filename (tmpdir, "faces", NULL);
  const char *classes[] = { "calm", "glad", "cross" };

  for (int c = 0; c < 3; c++)
    {
      g_autofree char *dir = g_build_filename (root, classes[c], NULL);
      g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
      for (int i = 0; i < 6; i++)
        {
          g_autoptr(GdkPixbuf) img = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, 20, 18);
          g_autofree char *path = g_strdup_printf ("%s/%d.png", dir, i);
          guint8 *px = gdk_pixbuf_get_pixels (img);
          int stride = gdk_pixbuf_get_rowstride (img);
          for (int y = 0; y < 18; y++)
            for (int x = 0; x < 20; x++)
              for (int ch = 0; ch < 3; ch++)
                px[y * stride + x * 3 + ch] = (guint8) ((ch == c ? 160 : 40) + 7 * ((x * (i + 1) + y * (c + 2)) % 13));
          g_assert_true (gdk_pixbuf_save (img, path, "png", NULL, NULL));
        }
    }
  return root;
}

static double
final_loss (const char *out)
{
  const char *line = strstr (out, "final_loss=");

  g_assert_nonnull (line);
  return g_ascii_strtod (line + strlen ("final_loss="), NULL);
}

/* A run stopped and resumed from its checkpoint ends where an uninterrupted
 * one does: same order, augmentation, drops and optimiser state. */
static void
test_train_resume (void)
{
  g_autofree char *data = make_folder_dataset ();
  g_autofree char *ck = g_build_filename (tmpdir, "run.ckpt", NULL);
  g_autofree char *out_a = NULL, *out_b = NULL, *out_c = NULL, *err = NULL;
  g_autofree char *model_a = g_build_filename (tmpdir, "a.safetensors", NULL);
  const char *common[] = { "--config", "small", "--size", "16", "--folders", data, "--batch", "4", "--epochs", "3",
                           "--seed", "9", NULL };
  double a, c;

#define TRAIN(out, ...) run_cli (out, &err, "train", common[0], common[1], common[2], common[3], common[4], \
                                 common[5], common[6], common[7], common[8], common[9], common[10], common[11], \
                                 __VA_ARGS__, NULL)
  /* 18 images in steps of 4: 5 steps an epoch, so step 7 is mid-epoch */
  g_assert_cmpint (TRAIN (&out_a, "--max-steps", "12", "--out", model_a), ==, 0);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (TRAIN (&out_b, "--max-steps", "7", "--checkpoint", ck, "--out", model_a), ==, 0);
  g_clear_pointer (&err, g_free);
  g_assert_true (g_file_test (ck, G_FILE_TEST_EXISTS));
  g_assert_cmpint (TRAIN (&out_c, "--max-steps", "12", "--checkpoint", ck, "--resume", "--out", model_a), ==, 0);
  g_assert_nonnull (strstr (err, "resuming"));
  g_clear_pointer (&err, g_free);
#undef TRAIN

  a = final_loss (out_a);
  c = final_loss (out_c);
  g_test_message ("uninterrupted %.6f, resumed %.6f", a, c);
  g_assert_cmpfloat (fabs (a - c), <=, 1e-5);
  g_assert_cmpfloat (fabs (final_loss (out_b) - a), >, 0);   /* it did stop early */
}

/* Train a few epochs, evaluate, then fine-tune with the stem frozen. */
static void
test_train_eval_finetune (void)
{
  g_autofree char *data = g_build_filename (tmpdir, "faces", NULL);
  g_autofree char *model = g_build_filename (tmpdir, "trained.safetensors", NULL);
  g_autofree char *tuned = g_build_filename (tmpdir, "tuned.safetensors", NULL);
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(TfModel) before = NULL, after = NULL;
  JsonObject *res;
  JsonArray *confusion;
  guint total = 0;
  const TfParamInfo *p, *q;

  if (!g_file_test (data, G_FILE_TEST_IS_DIR))
    g_free (make_folder_dataset ());
  g_assert_cmpint (run_cli (&out, &err, "train", "--config", "small", "--size", "16", "--folders", data,
                            "--batch", "6", "--epochs", "2", "--out", model, NULL), ==, 0);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (run_cli (&out, &err, "eval", "--model", model, "--folders", data, "--format", "json", NULL), ==, 0);
  res = parse_line (parser, out);
  g_assert_cmpint (json_object_get_int_member (res, "faces"), ==, 18);
  g_assert_cmpfloat (json_object_get_double_member (res, "accuracy"), >=, 0.0);
  g_assert_cmpfloat (json_object_get_double_member (res, "accuracy"), <=, 1.0);
  confusion = json_object_get_array_member (res, "confusion");
  for (guint r = 0; r < 3; r++)
    for (guint c = 0; c < 3; c++)
      total += (guint) json_array_get_int_element (json_array_get_array_element (confusion, r), c);
  g_assert_cmpuint (total, ==, 18);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (run_cli (&out, &err, "train", "--from", model, "--freeze", "extractor.", "--frozen-bn",
                            "--folders", data, "--batch", "6", "--epochs", "1", "--out", tuned, NULL), ==, 0);
  before = tf_model_load (model, NULL);
  after = tf_model_load (tuned, NULL);
  g_assert_nonnull (before);
  g_assert_nonnull (after);
  /* the frozen stem is untouched; the head moved */
  p = tf_model_find_param (before, "extractor.body.3.res_layer.1.weight");
  g_assert_cmpmem (before->params + p->offset, p->numel * 4, after->params + p->offset, p->numel * 4);
  q = tf_model_find_param (before, "head.fc.weight");
  g_assert_cmpfloat (tf_test_max_abs_diff (before->params + q->offset, after->params + q->offset, q->numel), >, 0);
  g_assert_nonnull (g_hash_table_lookup (after->metadata, "recipe"));
  /* the recipe records what ran, defaults resolved: AdamW at 1e-4 */
  g_assert_nonnull (strstr (g_hash_table_lookup (before->metadata, "recipe"), "\"lr\":0.0001,"));
  g_assert_nonnull (strstr (g_hash_table_lookup (before->metadata, "recipe"), "\"optimizer\":\"adamw\""));
  /* the starting point's recipe stays, as the lineage */
  g_assert_cmpstr (g_hash_table_lookup (after->metadata, "base_recipe"), ==,
                   g_hash_table_lookup (before->metadata, "recipe"));
}

static double
key_value (const char *out,
           const char *key)
{
  g_autofree char *needle = g_strdup_printf ("\n%s=", key);
  g_autofree char *text = g_strconcat ("\n", out, NULL);
  const char *at = strstr (text, needle);

  g_assert_nonnull (at);
  return g_ascii_strtod (at + strlen (needle), NULL);
}

/* calibrate fits a temperature on a labelled set and writes it beside the
 * very same weights; predict then reports softmax(logits / T). */
static void
test_calibrate (void)
{
  g_autofree char *data = g_build_filename (tmpdir, "faces", NULL);
  g_autofree char *cal = g_build_filename (tmpdir, "calibrated.safetensors", NULL);
  g_autofree char *trained = g_build_filename (tmpdir, "to-calibrate.safetensors", NULL);
  g_autofree char *face = NULL;
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr(TfModel) before = NULL, after = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonObject *obj, *probs;
  JsonArray *logits;
  double t, sum = 0, mx;

  if (!g_file_test (data, G_FILE_TEST_IS_DIR))
    g_free (make_folder_dataset ());
  face = g_build_filename (data, "glad", "2.png", NULL);
  /* a model that learnt these very faces: T runs to its lower bound (a
   * random one's to the upper). The fit itself is test-calibrate's; this is
   * the command's plumbing */
  g_assert_cmpint (run_cli (&out, &err, "train", "--config", "small", "--size", "16", "--folders", data,
                            "--batch", "6", "--epochs", "2", "--seed", "4", "--out", trained, NULL), ==, 0);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (run_cli (&out, &err, "calibrate", "--model", trained, "--folders", data, "--flip",
                            "--batch", "5", "--out", cal, NULL), ==, 0);
  g_test_message ("%s", out);
  g_assert_cmpfloat (key_value (out, "faces"), ==, 18);
  g_assert_cmpfloat (key_value (out, "samples"), ==, 36);
  t = key_value (out, "temperature");
  g_assert_cmpfloat (t, >=, TF_MODEL_TEMPERATURE_MIN);
  g_assert_cmpfloat (t, <=, TF_MODEL_TEMPERATURE_MAX);
  g_assert_cmpfloat (key_value (out, "nll_after"), <=, key_value (out, "nll_before"));
  g_assert_cmpfloat (key_value (out, "ece_after"), >=, 0);
  g_assert_cmpfloat (key_value (out, "ece_before"), <=, 1);

  before = tf_model_load (trained, &error);
  g_assert_no_error (error);
  after = tf_model_load (cal, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (after->temperature, ==, t);
  g_assert_cmpmem (after->params, after->n_params * sizeof (float), before->params, before->n_params * sizeof (float));
  g_assert_nonnull (strstr (g_hash_table_lookup (after->metadata, "calibration.dataset"), data));
  g_assert_nonnull (strstr (g_hash_table_lookup (after->metadata, "calibration.dataset"), "mirrored"));
  g_assert_cmpfloat (g_ascii_strtod (g_hash_table_lookup (after->metadata, "calibration.ece_after"), NULL), ==,
                     key_value (out, "ece_after"));
  g_assert_cmpfloat (g_ascii_strtod (g_hash_table_lookup (after->metadata, "calibration.ece_before"), NULL), ==,
                     key_value (out, "ece_before"));
  g_assert_cmpstr (g_hash_table_lookup (after->metadata, "trained_with"), ==,
                   g_hash_table_lookup (before->metadata, "trained_with"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* the probabilities predict prints are softmax(logits / T) */
  g_assert_cmpint (run_cli (&out, &err, "predict", "--model", cal, "--no-detect", face, NULL), ==, 0);
  obj = json_array_get_object_element (json_object_get_array_member (parse_line (parser, out), "faces"), 0);
  probs = json_object_get_object_member (obj, "probs");
  logits = json_object_get_array_member (obj, "logits");
  g_assert_cmpuint (json_array_get_length (logits), ==, 3);
  mx = json_array_get_double_element (logits, 0);
  for (guint j = 1; j < 3; j++)
    mx = MAX (mx, json_array_get_double_element (logits, j));
  for (guint j = 0; j < 3; j++)
    sum += exp ((json_array_get_double_element (logits, j) - mx) / t);
  for (guint j = 0; j < 3; j++)
    {
      double want = exp ((json_array_get_double_element (logits, j) - mx) / t) / sum;
      g_assert_cmpfloat (fabs (json_object_get_double_member (probs, after->classes[j]) - want), <, 1e-5);
    }
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* what it needs */
  g_assert_cmpint (run_cli (&out, &err, "calibrate", "--model", model_path, "--folders", data, NULL), ==, 2);
  g_assert_nonnull (strstr (err, "--out"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run_cli (&out, &err, "calibrate", "--model", model_path, "--out", cal, NULL), ==, 2);
  g_assert_nonnull (strstr (err, "dataset"));
}

/* eval --detect names the photos in which no face was found: on stderr,
 * and in the JSON. */
static void
test_eval_detect_missed (void)
{
  g_autofree char *out = NULL, *err = NULL;
  g_autofree char *sample = g_test_build_filename (G_TEST_DIST, "..", "data", "astronaut.png", NULL);
  g_autofree char *detector = g_test_build_filename (G_TEST_DIST, "..", "data", "models", "yunet.safetensors", NULL);
  g_autofree char *root = g_build_filename (tmpdir, "detect", NULL);
  g_autofree char *calm = g_build_filename (root, "calm", NULL), *glad = g_build_filename (root, "glad", NULL);
  g_autofree char *photo = g_build_filename (calm, "astronaut.png", NULL);
  g_autofree char *blank = g_build_filename (glad, "blank.png", NULL);
  g_autofree char *contents = NULL;
  g_autoptr(GdkPixbuf) img = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, 64, 48);
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *res;
  JsonArray *missed;
  gsize len;

  g_assert_cmpint (g_mkdir_with_parents (calm, 0755), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (glad, 0755), ==, 0);
  g_assert_true (g_file_get_contents (sample, &contents, &len, NULL));
  g_assert_true (g_file_set_contents (photo, contents, (gssize) len, NULL));
  gdk_pixbuf_fill (img, 0x808080ff);
  g_assert_true (gdk_pixbuf_save (img, blank, "png", NULL, NULL));

  g_assert_cmpint (run_cli (&out, &err, "eval", "--model", model_path, "--detector", detector, "--folders", root,
                            "--detect", "--format", "json", NULL), ==, 0);
  res = parse_line (parser, out);
  g_assert_cmpint (json_object_get_int_member (res, "faces"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (res, "skipped"), ==, 1);
  missed = json_object_get_array_member (res, "missed");
  g_assert_nonnull (missed);
  g_assert_cmpuint (json_array_get_length (missed), ==, 1);
  g_assert_true (g_str_has_suffix (json_array_get_string_element (missed, 0), "blank.png"));
  g_assert_nonnull (strstr (err, "transfer-cli: no face found in "));
  g_assert_null (strstr (err, "astronaut.png"));   /* its face was found */
}

/* Without --model, the shipped FER+ model answers, with FER+ classes. */
static void
test_shipped_model (void)
{
  g_autofree char *out = NULL, *err = NULL;
  g_autofree char *shipped = g_test_build_filename (G_TEST_DIST, "..", "data", "models",
                                                    "transfer-ferplus.safetensors", NULL);
  g_autofree char *face = g_test_build_filename (G_TEST_DIST, "..", "..", "shared", "data", "ferplus", "valid",
                                                 "fer0028642.png", NULL);
  g_autofree char *sample = g_test_build_filename (G_TEST_DIST, "..", "data", "astronaut.png", NULL);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(TfModel) model = NULL;
  g_autoptr(GError) error = NULL;
  JsonObject *probs;

  model = tf_model_load (shipped, &error);
  g_assert_no_error (error);
  g_assert_cmpint (model->config.num_classes, ==, 8);
  g_assert_cmpstr (model->classes[0], ==, "neutral");
  g_assert_cmpstr (model->classes[7], ==, "contempt");
  g_assert_true (model->input.gray);
  g_assert_nonnull (strstr (model->input.json, "crop"));
  g_assert_nonnull (g_hash_table_lookup (model->metadata, "valid_accuracy"));
  g_assert_nonnull (g_hash_table_lookup (model->metadata, "recipe"));

  g_assert_cmpint (run_cli (&out, &err, "predict", "--no-detect", sample, NULL), ==, 0);
  probs = json_object_get_object_member (
      json_array_get_object_element (json_object_get_array_member (parse_line (parser, out), "faces"), 0), "probs");
  g_assert_true (json_object_has_member (probs, "happiness"));
  g_assert_true (json_object_has_member (probs, "contempt"));

  /* a clearly happy FER+ valid face (10 of 10 votes) reads as happy */
  if (g_file_test (face, G_FILE_TEST_EXISTS))
    {
      g_autoptr(JsonParser) p2 = json_parser_new ();
      g_clear_pointer (&out, g_free);
      g_clear_pointer (&err, g_free);
      g_assert_cmpint (run_cli (&out, &err, "predict", "--no-detect", face, NULL), ==, 0);
      g_assert_cmpstr (json_object_get_string_member (
          json_array_get_object_element (json_object_get_array_member (parse_line (p2, out), "faces"), 0),
          "predicted"), ==, "happiness");
    }
}

static void
test_bench (void)
{
  g_autofree char *out = NULL, *err = NULL;
  g_auto(GStrv) lines = NULL;
  guint n;
  double ms;

  g_assert_cmpint (run_cli (&out, &err, "bench", "--model", model_path, "--batch", "2", "--iters", "1",
                            "--threads", "2", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "stem_ms="));
  g_assert_nonnull (strstr (out, "encoder_ms="));
  lines = g_strsplit (g_strstrip (out), "\n", -1);
  n = g_strv_length (lines);
  g_assert_true (g_str_has_prefix (lines[n - 1], "ms_per_face="));
  ms = g_ascii_strtod (lines[n - 1] + strlen ("ms_per_face="), NULL);
  g_assert_cmpfloat (ms, >, 0);
  g_assert_true (isfinite (ms));
}

/* bench --camera on a short test stream: its figures; a pipeline that
 * does not parse and a bad --seconds are refused with a message. */
static void
test_bench_camera (void)
{
  g_autofree char *out = NULL, *err = NULL;
  g_autofree char *out2 = NULL, *err2 = NULL;
  g_autofree char *out3 = NULL, *err3 = NULL;

  g_assert_cmpint (run_cli (&out, &err, "bench", "--camera", "--seconds", "1", "--threads", "1",
                            "--camera-pipeline", "videotestsrc ! video/x-raw,width=320,height=240,framerate=30/1",
                            NULL), ==, 0);
  g_assert_nonnull (strstr (out, "updates_per_s="));
  g_assert_nonnull (strstr (out, "latency_ms_median="));
  g_assert_nonnull (strstr (out, "rss_mb_end="));
  g_assert_cmpint (run_cli (&out2, &err2, "bench", "--camera", "--camera-pipeline", "nosuchcamerasrc", NULL), ==, 1);
  g_assert_nonnull (strstr (err2, "nosuchcamerasrc"));
  g_assert_cmpint (run_cli (&out3, &err3, "bench", "--camera", "--seconds", "0", NULL), ==, 2);
  g_assert_nonnull (strstr (err3, "--seconds"));
}

static JsonObject *
first_face (JsonParser *parser,
            const char *out)
{
  return json_array_get_object_element (json_object_get_array_member (parse_line (parser, out), "faces"), 0);
}

/* --flip averages with the mirrored face (another answer than without);
 * --compare adds a second model's view of the same aligned face. */
static void
test_flip_and_compare (void)
{
  g_autofree char *out = NULL, *err = NULL, *plain = NULL;
  g_autofree char *shipped = g_test_build_filename (G_TEST_DIST, "..", "data", "models",
                                                    "transfer-ferplus.safetensors", NULL);
  g_autofree char *sample = g_test_build_filename (G_TEST_DIST, "..", "data", "astronaut.png", NULL);
  g_autofree char *missing = g_build_filename (tmpdir, "no-such-model.safetensors", NULL);
  g_autoptr(JsonParser) p1 = json_parser_new ();
  g_autoptr(JsonParser) p2 = json_parser_new ();
  JsonObject *face, *flipped, *probs, *cmp;
  GList *members;
  double diff = 0, sum = 0;

  g_assert_cmpint (run_cli (&plain, &err, "predict", sample, NULL), ==, 0);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run_cli (&out, &err, "predict", "--flip", sample, NULL), ==, 0);
  face = first_face (p1, plain);
  flipped = first_face (p2, out);
  probs = json_object_get_object_member (face, "probs");
  members = json_object_get_members (probs);
  for (GList *l = members; l; l = l->next)
    {
      double a = json_object_get_double_member (probs, l->data);
      double b = json_object_get_double_member (json_object_get_object_member (flipped, "probs"), l->data);
      diff = MAX (diff, fabs (a - b));
      sum += b;
    }
  g_list_free (members);
  g_assert_cmpfloat (diff, >, 1e-6);
  g_assert_cmpfloat_with_epsilon (sum, 1.0, 1e-5);
  g_assert_false (json_object_has_member (face, "compare"));

  /* the shipped model against itself: the same probabilities, agreeing */
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run_cli (&out, &err, "predict", "--compare", shipped, sample, NULL), ==, 0);
  face = first_face (p2, out);
  cmp = json_object_get_object_member (face, "compare");
  g_assert_nonnull (cmp);
  probs = json_object_get_object_member (face, "probs");
  members = json_object_get_members (probs);
  for (GList *l = members; l; l = l->next)
    g_assert_cmpfloat (json_object_get_double_member (probs, l->data), ==,
                       json_object_get_double_member (json_object_get_object_member (cmp, "probs"), l->data));
  g_list_free (members);
  g_assert_cmpstr (json_object_get_string_member (cmp, "predicted"), ==,
                   json_object_get_string_member (face, "predicted"));
  g_assert_true (json_object_get_boolean_member (cmp, "agree"));
  g_assert_false (json_object_has_member (cmp, "only_in_first"));

  /* a model of other classes (and colour and size): nothing shared, each
   * list named, and they cannot agree */
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run_cli (&out, &err, "predict", "--compare", model_path, sample, NULL), ==, 0);
  cmp = json_object_get_object_member (first_face (p2, out), "compare");
  g_assert_cmpuint (json_object_get_size (json_object_get_object_member (cmp, "probs")), ==, 3);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (cmp, "only_in_first")), ==, 8);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (cmp, "only_in_second")), ==, 3);
  g_assert_cmpstr (json_array_get_string_element (json_object_get_array_member (cmp, "only_in_second"), 0), ==,
                   "calm");
  g_assert_false (json_object_get_boolean_member (cmp, "agree"));

  /* without detection too, each model with its own input */
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run_cli (&out, &err, "predict", "--no-detect", "--flip", "--compare", model_path, sample, NULL),
                   ==, 0);
  g_assert_true (json_object_has_member (first_face (p2, out), "compare"));

  /* a second model that does not load: an error naming it */
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run_cli (&out, &err, "predict", "--compare", missing, sample, NULL), ==, 1);
  g_assert_nonnull (strstr (err, "no-such-model.safetensors"));
  g_assert_cmpstr (out, ==, "");
}

int
main (int    argc,
      char **argv)
{
  g_autofree char *out = NULL, *err = NULL;
  int ret;

  g_test_init (&argc, &argv, NULL);
  cli = g_strdup (g_getenv ("TRANSFER_CLI"));
  if (cli == NULL)
    cli = g_test_build_filename (G_TEST_BUILT, "..", "app", "transfer-cli", NULL);
  tmpdir = g_dir_make_tmp ("tf-test-cli-XXXXXX", NULL);
  model_path = g_build_filename (tmpdir, "small.safetensors", NULL);

  g_assert_cmpint (run_cli (&out, &err, "init", "--config", "small", "--classes", "calm,glad,cross",
                            "--seed", "5", "--out", model_path, NULL), ==, 0);

  g_test_add_func ("/cli/init-and-predict", test_init_and_predict);
  g_test_add_func ("/cli/explore", test_explore);
  g_test_add_func ("/cli/bad-inputs", test_bad_inputs);
  g_test_add_func ("/cli/extreme-images", test_extreme_images);
  g_test_add_func ("/cli/train-resume", test_train_resume);
  g_test_add_func ("/cli/train-eval-finetune", test_train_eval_finetune);
  g_test_add_func ("/cli/eval-detect-missed", test_eval_detect_missed);
  g_test_add_func ("/cli/calibrate", test_calibrate);
  g_test_add_func ("/cli/shipped-model", test_shipped_model);
  g_test_add_func ("/cli/bench", test_bench);
  g_test_add_func ("/cli/bench-camera", test_bench_camera);
  g_test_add_func ("/cli/flip-and-compare", test_flip_and_compare);
  ret = g_test_run ();

  tf_test_remove_tmpdir (tmpdir);
  return ret;
}
