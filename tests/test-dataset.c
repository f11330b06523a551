/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The data pipeline: FER+ majority protocol, folder and CSV datasets,
 * sampling, augmentation and the threaded loader. */
#include <string.h>

#include "tf-augment.h"
#include "tf-dataset.h"
#include "tf-error.h"
#include "tf-image.h"
#include "tf-loader.h"
#include "tf-test-util.h"

static const TfInputSpec rgb_spec = {
  .size = 24, .gray = FALSE, .mean = { 123.675f, 116.28f, 103.53f }, .std = { 58.395f, 57.12f, 57.375f },
};

/* Removes a temporary tree (files and folders, no links followed). */
static void
remove_tree (const char *path)
{
  if (g_file_test (path, G_FILE_TEST_IS_DIR) && !g_file_test (path, G_FILE_TEST_IS_SYMLINK))
    {
      g_autoptr(GDir) d = g_dir_open (path, 0, NULL);
      const char *name;
      while (d && (name = g_dir_read_name (d)))
        {
          g_autofree char *child = g_build_filename (path, name, NULL);
          remove_tree (child);
        }
      g_rmdir (path);
    }
  else
    g_unlink (path);
}

static void
write_file (const char *dir,
            const char *name,
            const char *contents)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
}

/* ---- FER+ majority protocol ---- */

static void
test_ferplus_majority (void)
{
  g_autofree char *dir = g_dir_make_tmp ("tf-ferplus-XXXXXX", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(TfDataset) hard = NULL;
  g_autoptr(TfDataset) soft = NULL;
  static const char *kept[] = { "a.png", "c.png", "f.png", "j.png", "k m.png" };
  static const int labels[] = { 0, 0, 7, 1, 2 };
  const guint *counts;

  /* votes: neutral happiness surprise sadness anger disgust fear contempt unknown not-a-face */
  write_file (dir, "label.csv",
              /* votes of 1 go: 6 of 6 */
              "a.png,\"(0, 0, 48, 48)\",6,1,1,1,1,0,0,0,0,0\n"
              /* exactly half is not more than half */
              "b.png,\"(0, 0, 48, 48)\",5,5,0,0,0,0,0,0,0,0\n"
              /* 4 of 10 before removing the 1s, 4 of 7 after: kept */
              "c.png,\"(0, 0, 48, 48)\",4,3,1,1,1,0,0,0,0,0\n"
              /* unknown and not-a-face winners are dropped */
              "d.png,\"(0, 0, 48, 48)\",0,0,0,0,0,0,0,0,8,2\n"
              "e.png,\"(0, 0, 48, 48)\",0,0,0,0,0,0,0,0,2,8\n"
              "f.png,\"(0, 0, 48, 48)\",0,0,0,0,0,0,0,3,0,0\n"
              /* no majority */
              "g.png,\"(0, 0, 48, 48)\",2,2,2,0,0,0,0,0,0,0\n"
              /* every vote an outlier: nothing left */
              "h.png,\"(0, 0, 48, 48)\",1,1,1,1,1,1,1,1,1,1\n"
              /* unknown counts in the total: 2 of 4 is half */
              "i.png,\"(0, 0, 48, 48)\",0,2,0,0,0,0,0,0,2,0\n"
              /* 3 of 5 */
              "j.png,\"(0, 0, 48, 48)\",0,3,0,0,0,0,0,0,2,0\n"
              "\n"
              /* quoted name, spaces, CRLF */
              "\"k m.png\" , \"(0,0,48,48)\", 0, 0, 7, 0, 0, 0, 0, 0, 0, 0\r\n");

  hard = tf_dataset_new_ferplus (dir, FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (tf_dataset_get_n_items (hard), ==, G_N_ELEMENTS (kept));
  g_assert_cmpint (tf_dataset_get_n_classes (hard), ==, 8);
  g_assert_cmpstr (tf_dataset_get_class_names (hard)[7], ==, "contempt");
  g_assert_null (tf_dataset_get_class_names (hard)[8]);
  for (guint i = 0; i < G_N_ELEMENTS (kept); i++)
    {
      g_autofree char *want = g_build_filename (dir, kept[i], NULL);
      const float *t = tf_dataset_get_target (hard, i);
      g_assert_cmpstr (tf_dataset_get_path (hard, i), ==, want);
      g_assert_cmpint (tf_dataset_get_label (hard, i), ==, labels[i]);
      for (int c = 0; c < 8; c++)
        g_assert_cmpfloat (t[c], ==, c == labels[i] ? 1.0f : 0.0f);
    }
  counts = tf_dataset_get_class_counts (hard);
  g_assert_cmpuint (counts[0], ==, 2);
  g_assert_cmpuint (counts[1], ==, 1);
  g_assert_cmpuint (counts[2], ==, 1);
  g_assert_cmpuint (counts[7], ==, 1);

  /* soft: the same faces, emotion votes after 1 -> 0, unknown left out */
  soft = tf_dataset_new_ferplus (dir, TRUE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (tf_dataset_get_n_items (soft), ==, G_N_ELEMENTS (kept));
  g_assert_cmpfloat_with_epsilon (tf_dataset_get_target (soft, 1)[0], 4.0 / 7.0, 1e-7);
  g_assert_cmpfloat_with_epsilon (tf_dataset_get_target (soft, 1)[1], 3.0 / 7.0, 1e-7);
  g_assert_cmpfloat (tf_dataset_get_target (soft, 1)[2], ==, 0.0f);
  g_assert_cmpfloat (tf_dataset_get_target (soft, 3)[1], ==, 1.0f);   /* j: 3 happiness, 2 unknown */
  for (guint i = 0; i < G_N_ELEMENTS (kept); i++)
    g_assert_cmpint (tf_dataset_get_label (soft, i), ==, labels[i]);

  remove_tree (dir);
}

static void
check_ferplus_error (const char *contents,
                     int         code,
                     const char *fragment)
{
  g_autofree char *dir = g_dir_make_tmp ("tf-ferplus-XXXXXX", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(TfDataset) ds = NULL;

  if (contents)
    write_file (dir, "label.csv", contents);
  ds = tf_dataset_new_ferplus (dir, FALSE, &error);
  g_assert_null (ds);
  g_assert_error (error, TF_ERROR, code);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "label.csv"));
  if (fragment)
    g_assert_nonnull (strstr (error->message, fragment));
  remove_tree (dir);
}

static void
test_ferplus_malformed (void)
{
  static const char ok[] = "a.png,\"(0, 0, 48, 48)\",6,0,0,0,0,0,0,0,4,0\n";
  g_autofree char *short_row = g_strconcat (ok, ok, "c.png,\"(0, 0, 48, 48)\",6,0,0,0,0,0,0,0,4\n", NULL);
  g_autofree char *long_row = g_strconcat (ok, "b.png,\"(0, 0, 48, 48)\",6,0,0,0,0,0,0,0,4,0,0\n", NULL);

  check_ferplus_error (NULL, TF_ERROR_IO, NULL);
  check_ferplus_error (short_row, TF_ERROR_FORMAT, "label.csv:3:");
  check_ferplus_error (long_row, TF_ERROR_FORMAT, "label.csv:2:");
  check_ferplus_error ("a.png,\"(0, 0, 48, 48)\",6,0,x,0,0,0,0,0,4,0\n", TF_ERROR_FORMAT, ":1:");
  check_ferplus_error ("a.png,\"(0, 0, 48, 48)\",6,0,-1,0,0,0,0,0,4,0\n", TF_ERROR_FORMAT, ":1:");
  check_ferplus_error ("a.png,\"(0, 0, 48, 48)\",6,0,,0,0,0,0,0,4,0\n", TF_ERROR_FORMAT, ":1:");
  check_ferplus_error ("a.png,\"(0, 0, 48, 48),6,0,0,0,0,0,0,0,4,0\n", TF_ERROR_FORMAT, "quote");
  check_ferplus_error (",\"(0, 0, 48, 48)\",6,0,0,0,0,0,0,0,4,0\n", TF_ERROR_FORMAT, ":1:");
  /* the box unquoted splits into four fields */
  check_ferplus_error ("a.png,(0, 0, 48, 48),6,0,0,0,0,0,0,0,4,0\n", TF_ERROR_FORMAT, ":1:");
}

static void
test_ferplus_real (gconstpointer data)
{
  const char *split = data;
  g_autofree char *dir = g_test_build_filename (G_TEST_DIST, "..", "..", "shared", "data", "ferplus", split, NULL);
  g_autofree char *csv = g_build_filename (dir, "label.csv", NULL);
  /* counted independently of this code, from the README's protocol */
  static const guint train[8] = { 8733, 7284, 3136, 3022, 2098, 116, 536, 120 };
  static const guint valid[8] = { 1180, 862, 411, 348, 289, 25, 60, 16 };
  const guint *want = g_str_equal (split, "train") ? train : valid;
  g_autoptr(GError) error = NULL;
  g_autoptr(TfDataset) hard = NULL;
  g_autoptr(TfDataset) soft = NULL;
  g_autoptr(GString) line = g_string_new (split);

  if (!g_file_test (csv, G_FILE_TEST_EXISTS))
    {
      g_test_skip ("no FER+ data next to the source tree");
      return;
    }
  hard = tf_dataset_new_ferplus (dir, FALSE, &error);
  g_assert_no_error (error);
  soft = tf_dataset_new_ferplus (dir, TRUE, &error);
  g_assert_no_error (error);

  g_assert_cmpuint (tf_dataset_get_n_items (hard), ==, g_str_equal (split, "train") ? 25045 : 3191);
  g_assert_cmpuint (tf_dataset_get_n_items (soft), ==, tf_dataset_get_n_items (hard));
  for (int c = 0; c < 8; c++)
    {
      g_string_append_printf (line, " %s %u", tf_dataset_get_class_names (hard)[c],
                              tf_dataset_get_class_counts (hard)[c]);
      g_assert_cmpuint (tf_dataset_get_class_counts (hard)[c], ==, want[c]);
      g_assert_cmpuint (tf_dataset_get_class_counts (soft)[c], ==, want[c]);
    }
  g_test_message ("%s", line->str);
  for (guint i = 0; i < tf_dataset_get_n_items (soft); i++)
    {
      const float *t = tf_dataset_get_target (soft, i);
      double sum = 0;
      for (int c = 0; c < 8; c++)
        sum += t[c];
      g_assert_cmpfloat_with_epsilon (sum, 1.0, 1e-5);
      g_assert_cmpfloat (t[tf_dataset_get_label (soft, i)], >, 0.5f);
    }
}

/* ---- folders and image,label CSV ---- */

static void
test_folders (void)
{
  g_autofree char *root = g_dir_make_tmp ("tf-folders-XXXXXX", NULL);
  static const char *dirs[] = { "happy", "angry", ".git", "zz-empty" };
  static const char *files[] = { "happy/b.PNG", "happy/a.jpg", "happy/notes.txt", "happy/.hidden.png",
                                 "angry/x.jpeg", "angry/y.TIFF", ".git/c.png", "top.png" };
  static const char *want[] = { "angry/x.jpeg", "angry/y.TIFF", "happy/a.jpg", "happy/b.PNG" };
  g_autoptr(GError) error = NULL;
  g_autoptr(TfDataset) ds = NULL;
  g_autoptr(TfDataset) none = NULL;
  const char * const *names;

  for (guint i = 0; i < G_N_ELEMENTS (dirs); i++)
    {
      g_autofree char *p = g_build_filename (root, dirs[i], NULL);
      g_assert_cmpint (g_mkdir (p, 0700), ==, 0);
    }
  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    write_file (root, files[i], "x");

  ds = tf_dataset_new_folders (root, &error);
  g_assert_no_error (error);
  names = tf_dataset_get_class_names (ds);
  g_assert_cmpint (tf_dataset_get_n_classes (ds), ==, 3);
  g_assert_cmpstr (names[0], ==, "angry");
  g_assert_cmpstr (names[1], ==, "happy");
  g_assert_cmpstr (names[2], ==, "zz-empty");
  g_assert_cmpuint (tf_dataset_get_n_items (ds), ==, G_N_ELEMENTS (want));
  for (guint i = 0; i < G_N_ELEMENTS (want); i++)
    {
      g_autofree char *p = g_build_filename (root, want[i], NULL);
      g_assert_cmpstr (tf_dataset_get_path (ds, i), ==, p);
      g_assert_cmpint (tf_dataset_get_label (ds, i), ==, i < 2 ? 0 : 1);
    }
  g_assert_cmpuint (tf_dataset_get_class_counts (ds)[2], ==, 0);

  remove_tree (root);
  none = tf_dataset_new_folders (root, &error);
  g_assert_null (none);
  g_assert_error (error, TF_ERROR, TF_ERROR_IO);
}

static void
test_image_label_csv (void)
{
  g_autofree char *dir = g_dir_make_tmp ("tf-csv-XXXXXX", NULL);
  g_autofree char *wild = g_test_build_filename (G_TEST_DIST, "..", "..", "shared", "data", "wild-dev", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(TfDataset) ds = NULL;
  g_autoptr(TfDataset) bad = NULL;

  write_file (dir, "labels.csv", "image,emotion\nx.jpg,sadness\ny.jpg,anger\nsub/z.jpg,sadness\n");
  write_file (dir, "bad.csv", "image,emotion\nx.jpg,sadness\ny.jpg\n");
  ds = tf_dataset_new_image_label_csv (dir, "labels.csv", &error);
  g_assert_no_error (error);
  g_assert_cmpint (tf_dataset_get_n_classes (ds), ==, 2);
  g_assert_cmpstr (tf_dataset_get_class_names (ds)[0], ==, "anger");
  g_assert_cmpstr (tf_dataset_get_class_names (ds)[1], ==, "sadness");
  g_assert_cmpuint (tf_dataset_get_n_items (ds), ==, 3);
  g_assert_cmpint (tf_dataset_get_label (ds, 0), ==, 1);
  g_assert_cmpint (tf_dataset_get_label (ds, 1), ==, 0);
  g_assert_true (g_str_has_suffix (tf_dataset_get_path (ds, 2), "z.jpg"));

  bad = tf_dataset_new_image_label_csv (dir, "bad.csv", &error);
  g_assert_null (bad);
  g_assert_error (error, TF_ERROR, TF_ERROR_FORMAT);
  g_assert_nonnull (strstr (error->message, "bad.csv:3:"));
  remove_tree (dir);

  if (g_file_test (wild, G_FILE_TEST_IS_DIR))
    {
      g_autoptr(TfDataset) w = NULL;
      g_clear_error (&error);
      w = tf_dataset_new_image_label_csv (wild, "labels.csv", &error);
      g_assert_no_error (error);
      g_assert_cmpuint (tf_dataset_get_n_items (w), ==, 180);
      g_assert_cmpint (tf_dataset_get_n_classes (w), ==, 6);
      for (int c = 0; c < 6; c++)
        g_assert_cmpuint (tf_dataset_get_class_counts (w)[c], ==, 30);
    }
}

/* Labels as spreadsheets write them: a byte-order mark, classes spelt in
 * two cases, a label in another encoding. */
static void
test_label_text (void)
{
  g_autofree char *dir = g_dir_make_tmp ("tf-csv-XXXXXX", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(TfDataset) ds = NULL;
  g_autoptr(TfDataset) bad = NULL;
  g_autoptr(TfDataset) folders = NULL;
  g_autofree char *root = NULL, *sub = NULL;

  write_file (dir, "bom.csv", "\xEF\xBB\xBFimage,emotion\nx.jpg,Anger\ny.jpg,anger\nz.jpg,happiness\n");
  ds = tf_dataset_new_image_label_csv (dir, "bom.csv", &error);
  g_assert_no_error (error);
  /* the header stays a header (no class "emotion"), and Anger is anger */
  g_assert_cmpint (tf_dataset_get_n_classes (ds), ==, 2);
  g_assert_cmpstr (tf_dataset_get_class_names (ds)[0], ==, "Anger");
  g_assert_cmpstr (tf_dataset_get_class_names (ds)[1], ==, "happiness");
  g_assert_cmpuint (tf_dataset_get_n_items (ds), ==, 3);
  g_assert_cmpint (tf_dataset_get_label (ds, 0), ==, 0);
  g_assert_cmpint (tf_dataset_get_label (ds, 1), ==, 0);
  g_assert_cmpint (tf_dataset_get_label (ds, 2), ==, 1);

  /* Latin-1 "col\xe8re": refused before training, by line */
  write_file (dir, "latin1.csv", "image,emotion\nx.jpg,anger\ny.jpg,col\xe8re\n");
  bad = tf_dataset_new_image_label_csv (dir, "latin1.csv", &error);
  g_assert_null (bad);
  g_assert_error (error, TF_ERROR, TF_ERROR_FORMAT);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "latin1.csv:3:"));
  g_assert_nonnull (strstr (error->message, "UTF-8"));
  g_clear_error (&error);

  /* folders: a name that is not UTF-8, and two that differ only in case */
  root = g_build_filename (dir, "tree", NULL);
  sub = g_build_filename (root, "col\xe8re", NULL);
  g_assert_cmpint (g_mkdir_with_parents (sub, 0755), ==, 0);
  write_file (sub, "a.png", "x");
  folders = tf_dataset_new_folders (root, &error);
  g_assert_null (folders);
  g_assert_error (error, TF_ERROR, TF_ERROR_INPUT);
  g_assert_nonnull (strstr (error->message, "UTF-8"));
  g_clear_error (&error);
  remove_tree (sub);
  g_free (sub);
  sub = g_build_filename (root, "Anger", NULL);
  g_assert_cmpint (g_mkdir_with_parents (sub, 0755), ==, 0);
  write_file (sub, "a.png", "x");
  g_free (sub);
  sub = g_build_filename (root, "anger", NULL);
  g_assert_cmpint (g_mkdir_with_parents (sub, 0755), ==, 0);
  write_file (sub, "b.png", "x");
  folders = tf_dataset_new_folders (root, &error);
  g_assert_null (folders);
  g_assert_error (error, TF_ERROR, TF_ERROR_INPUT);
  g_assert_nonnull (strstr (error->message, "differ only in case"));
  remove_tree (dir);
}

static void
test_set_classes (void)
{
  static const char * const mine[] = { "cat", "dog", NULL };
  static const char * const model[] = { "bird", "Dog", "cat", NULL };
  static const char * const lacking[] = { "cat", NULL };
  const float soft[2] = { 0.25f, 0.75f };
  g_autoptr(TfDataset) ds = tf_dataset_new (mine);
  g_autoptr(GError) error = NULL;
  const float *t;

  tf_dataset_add (ds, "a", 0);
  tf_dataset_add_soft (ds, "b", soft);
  g_assert_cmpint (tf_dataset_get_label (ds, 1), ==, 1);

  g_assert_false (tf_dataset_set_classes (ds, lacking, &error));
  g_assert_error (error, TF_ERROR, TF_ERROR_CONFIG);
  g_assert_cmpint (tf_dataset_get_n_classes (ds), ==, 2);   /* unchanged */
  g_clear_error (&error);

  g_assert_true (tf_dataset_set_classes (ds, model, &error));
  g_assert_no_error (error);
  g_assert_cmpint (tf_dataset_get_n_classes (ds), ==, 3);
  g_assert_cmpstr (tf_dataset_get_class_names (ds)[1], ==, "Dog");
  g_assert_cmpint (tf_dataset_get_label (ds, 0), ==, 2);
  g_assert_cmpint (tf_dataset_get_label (ds, 1), ==, 1);
  t = tf_dataset_get_target (ds, 0);
  g_assert_true (t[0] == 0.0f && t[1] == 0.0f && t[2] == 1.0f);
  t = tf_dataset_get_target (ds, 1);
  g_assert_true (t[0] == 0.0f && t[1] == 0.75f && t[2] == 0.25f);
  g_assert_cmpuint (tf_dataset_get_class_counts (ds)[0], ==, 0);
  g_assert_cmpuint (tf_dataset_get_class_counts (ds)[1], ==, 1);
  g_assert_cmpuint (tf_dataset_get_class_counts (ds)[2], ==, 1);
}

/* ---- sampling ---- */

static TfDataset *
make_imbalanced (guint n0, guint n1, guint n2)
{
  static const char * const names[] = { "a", "b", "c", NULL };
  TfDataset *ds = tf_dataset_new (names);
  guint n[3] = { n0, n1, n2 };

  /* classes interleaved, so an index says nothing about its class */
  for (guint i = 0; n[0] + n[1] + n[2] > 0; i++)
    {
      int c = (int) (i % 3);
      g_autofree char *p = NULL;
      if (n[c] == 0)
        continue;
      n[c]--;
      p = g_strdup_printf ("item-%u-%d", i, c);
      tf_dataset_add (ds, p, c);
    }
  return ds;
}

static void
test_sampler (void)
{
  g_autoptr(TfDataset) ds = make_imbalanced (900, 90, 10);
  g_autoptr(TfSampler) seq = tf_sampler_new (ds, TF_SAMPLE_SEQUENTIAL, 1);
  g_autoptr(TfSampler) shuf = tf_sampler_new (ds, TF_SAMPLE_SHUFFLE, 42);
  g_autoptr(TfSampler) again = tf_sampler_new (ds, TF_SAMPLE_SHUFFLE, 42);
  g_autoptr(TfSampler) bal = tf_sampler_new (ds, TF_SAMPLE_BALANCED, 7);
  guint n = tf_dataset_get_n_items (ds), hits[3] = { 0 }, draws = 0;
  g_autofree guint *a = g_new (guint, n);
  g_autofree guint *b = g_new (guint, n);
  g_autofree gboolean *seen = g_new0 (gboolean, n);

  g_assert_cmpuint (tf_sampler_get_epoch_length (bal), ==, 1000);
  tf_sampler_epoch_order (seq, 3, a);
  for (guint i = 0; i < n; i++)
    g_assert_cmpuint (a[i], ==, i);

  /* a permutation, the same from a fresh sampler (a resumed run), another next epoch */
  tf_sampler_epoch_order (shuf, 5, a);
  tf_sampler_epoch_order (again, 5, b);
  g_assert_cmpmem (a, n * sizeof (guint), b, n * sizeof (guint));
  for (guint i = 0; i < n; i++)
    {
      g_assert_cmpuint (a[i], <, n);
      g_assert_false (seen[a[i]]);
      seen[a[i]] = TRUE;
    }
  tf_sampler_epoch_order (shuf, 6, b);
  g_assert_true (memcmp (a, b, n * sizeof (guint)) != 0);

  /* balanced: each class a third of the draws (std of a rate ~0.003 here) */
  for (guint e = 0; e < 20; e++)
    {
      tf_sampler_epoch_order (bal, e, a);
      for (guint i = 0; i < n; i++)
        hits[tf_dataset_get_label (ds, a[i])]++;
      draws += n;
    }
  for (int c = 0; c < 3; c++)
    {
      g_test_message ("balanced: class %d drawn at rate %.4f", c, (double) hits[c] / draws);
      g_assert_cmpfloat (fabs ((double) hits[c] / draws - 1.0 / 3.0), <, 0.015);
    }
  tf_sampler_epoch_order (bal, 4, a);
  {
    g_autoptr(TfSampler) bal2 = tf_sampler_new (ds, TF_SAMPLE_BALANCED, 7);
    tf_sampler_epoch_order (bal2, 4, b);
    g_assert_cmpmem (a, n * sizeof (guint), b, n * sizeof (guint));
  }
}

/* ---- augmentation ---- */

static guint8 *
make_image (int      w,
            int      h,
            int      channels,
            guint32  seed)
{
  guint8 *px = g_new (guint8, (gsize) w * h * channels);
  TfRng rng;

  tf_rng_seed (&rng, seed);
  for (gsize i = 0; i < (gsize) w * h * channels; i++)
    px[i] = (guint8) tf_rng_below (&rng, 256);
  return px;
}

static void
test_augment_identity (void)
{
  const int w = 37, h = 29, s = rgb_spec.size;
  gsize n = (gsize) 3 * s * s;
  g_autofree guint8 *rgb = make_image (w, h, 3, 1);
  g_autofree guint8 *gray = make_image (w, h, 1, 2);
  g_autofree guint8 *gray3 = g_new (guint8, (gsize) w * h * 3);
  g_autofree float *want = g_new (float, n);
  g_autofree float *got = g_new (float, n);
  TfInputSpec gray_spec = rgb_spec;
  TfAugment none = { .scale_min = 1, .scale_max = 1 };
  TfAugment full;
  TfRng rng;

  gray_spec.gray = TRUE;
  for (gsize i = 0; i < (gsize) w * h; i++)
    memset (gray3 + 3 * i, gray[i], 3);

  /* no augmentation is the inference preprocessing, bit for bit */
  tf_image_to_input (rgb, w, h, w * 3, 3, &rgb_spec, want);
  tf_augment_apply (NULL, rgb, w, h, w * 3, 3, &rgb_spec, NULL, got);
  g_assert_cmpmem (got, n * sizeof (float), want, n * sizeof (float));
  tf_rng_seed (&rng, 9);
  tf_augment_apply (&none, rgb, w, h, w * 3, 3, &rgb_spec, &rng, got);
  g_assert_cmpmem (got, n * sizeof (float), want, n * sizeof (float));

  /* a one-channel image (what the cache keeps) gives what its RGB gives */
  tf_augment_init_default (&full);
  for (int g = 0; g < 2; g++)
    {
      const TfInputSpec *spec = g ? &gray_spec : &rgb_spec;
      tf_image_to_input (gray3, w, h, w * 3, 3, spec, want);
      tf_augment_apply (NULL, gray, w, h, w, 1, spec, NULL, got);
      g_assert_cmpmem (got, n * sizeof (float), want, n * sizeof (float));
      for (guint64 seed = 0; seed < 8; seed++)
        {
          tf_rng_seed (&rng, seed);
          tf_augment_apply (&full, gray3, w, h, w * 3, 3, spec, &rng, want);
          tf_rng_seed (&rng, seed);
          tf_augment_apply (&full, gray, w, h, w, 1, spec, &rng, got);
          g_assert_cmpmem (got, n * sizeof (float), want, n * sizeof (float));
        }
    }
}

static void
test_augment_determinism (void)
{
  const int w = 61, h = 70, s = rgb_spec.size;
  gsize n = (gsize) 3 * s * s;
  g_autofree guint8 *rgba = make_image (w, h, 4, 3);
  g_autofree float *a = g_new (float, n);
  g_autofree float *b = g_new (float, n);
  TfAugment aug;
  TfRng rng;

  tf_augment_init_default (&aug);
  aug.rotation = 30;
  tf_rng_seed (&rng, 77);
  tf_augment_apply (&aug, rgba, w, h, w * 4, 4, &rgb_spec, &rng, a);
  tf_rng_seed (&rng, 77);
  tf_augment_apply (&aug, rgba, w, h, w * 4, 4, &rgb_spec, &rng, b);
  g_assert_cmpmem (a, n * sizeof (float), b, n * sizeof (float));
  for (gsize i = 0; i < n; i++)
    {
      g_assert_true (isfinite (a[i]));
      /* within the normalised 0-255 range (erased pixels are 0) */
      g_assert_cmpfloat (a[i], >=, -123.675f / 57.12f - 1e-4f);
      g_assert_cmpfloat (a[i], <=, (255 - 103.53f) / 57.12f + 1e-4f);
    }
  tf_rng_seed (&rng, 78);
  tf_augment_apply (&aug, rgba, w, h, w * 4, 4, &rgb_spec, &rng, b);
  g_assert_true (memcmp (a, b, n * sizeof (float)) != 0);
}

static void
test_augment_flip (void)
{
  /* an asymmetric 8 x 8 image at S = 8: resampling is then the identity */
  const int s = 8;
  TfInputSpec spec = rgb_spec;
  g_autofree guint8 *img = make_image (s, s, 3, 5);
  g_autofree guint8 *mirror = g_new (guint8, s * s * 3);
  float want[3 * 8 * 8], got[3 * 8 * 8], plain[3 * 8 * 8];
  TfAugment flip = { .scale_min = 1, .scale_max = 1, .flip_p = 1 };
  TfAugment warp_flip = flip;
  TfAugment warp = { .scale_min = 1, .scale_max = 1, .rotation = 1e-9f };
  TfRng rng;

  spec.size = s;
  for (int y = 0; y < s; y++)
    for (int x = 0; x < s; x++)
      memcpy (mirror + (y * s + x) * 3, img + (y * s + s - 1 - x) * 3, 3);
  tf_image_to_input (mirror, s, s, s * 3, 3, &spec, want);
  tf_image_to_input (img, s, s, s * 3, 3, &spec, plain);
  g_assert_true (memcmp (want, plain, sizeof want) != 0);

  tf_rng_seed (&rng, 1);
  tf_augment_apply (&flip, img, s, s, s * 3, 3, &spec, &rng, got);
  g_assert_cmpmem (got, sizeof got, want, sizeof want);

  /* the warp path (a rotation too small to matter forces it) lines pixel
   * centres up the same way */
  warp_flip.rotation = 1e-9f;
  tf_rng_seed (&rng, 1);
  tf_augment_apply (&warp_flip, img, s, s, s * 3, 3, &spec, &rng, got);
  tf_assert_close (got, want, 3 * s * s, 1e-4, "warp flip");
  tf_rng_seed (&rng, 1);
  tf_augment_apply (&warp, img, s, s, s * 3, 3, &spec, &rng, got);
  tf_assert_close (got, plain, 3 * s * s, 1e-4, "warp identity");
}

static void
test_augment_shrink_and_erase (void)
{
  const int w = 400, h = 300, s = rgb_spec.size;
  gsize n = (gsize) 3 * s * s;
  g_autofree guint8 *flat = g_new (guint8, (gsize) w * h * 3);
  g_autofree float *out = g_new (float, n);
  TfAugment geo = { .scale_min = 0.8f, .scale_max = 1.2f, .rotation = 20, .shift = 0.1f };
  TfAugment erase = { .scale_min = 1, .scale_max = 1, .erase_p = 1,
                      .erase_area_min = 0.1f, .erase_area_max = 0.2f,
                      .erase_aspect_min = 0.5f, .erase_aspect_max = 2.0f };
  TfRng rng;

  /* a flat image stays flat through the prefilter and the warp */
  for (gsize i = 0; i < (gsize) w * h; i++)
    {
      flat[3 * i] = 200;
      flat[3 * i + 1] = 100;
      flat[3 * i + 2] = 50;
    }
  tf_rng_seed (&rng, 3);
  tf_augment_apply (&geo, flat, w, h, w * 3, 3, &rgb_spec, &rng, out);
  for (gsize i = 0; i < (gsize) s * s; i++)
    {
      g_assert_cmpfloat_with_epsilon (out[i], (200 - rgb_spec.mean[0]) / rgb_spec.std[0], 1e-4);
      g_assert_cmpfloat_with_epsilon (out[2 * s * s + i], (50 - rgb_spec.mean[2]) / rgb_spec.std[2], 1e-4);
    }

  /* erasing zeroes one rectangle of 10-20 % of the area in every channel */
  for (guint64 seed = 0; seed < 10; seed++)
    {
      int zeros = 0;
      tf_rng_seed (&rng, seed);
      tf_augment_apply (&erase, flat, w, h, w * 3, 3, &rgb_spec, &rng, out);
      for (gsize i = 0; i < (gsize) s * s; i++)
        if (out[i] == 0.0f)
          {
            zeros++;
            g_assert_cmpfloat (out[s * s + i], ==, 0.0f);
            g_assert_cmpfloat (out[2 * s * s + i], ==, 0.0f);
          }
      g_assert_cmpint (zeros, >=, (int) (0.1 * s * s * 0.7));
      g_assert_cmpint (zeros, <=, (int) (0.2 * s * s * 1.3));
    }
}

/* ---- loader ---- */

static gint fake_decodes;

/* Synthesises an image from its path: size and pixels from a hash; paths
 * with "bad" fail, with "gray" are gray, with "slow" take a while. */
static guint8 *
fake_decode (const char  *path,
             int         *width,
             int         *height,
             int         *stride,
             GError     **error,
             gpointer     user_data)
{
  guint32 h = g_str_hash (path);
  guint8 *px;
  int w, hh;

  g_assert_cmpint (GPOINTER_TO_INT (user_data), ==, 1234);
  g_atomic_int_inc (&fake_decodes);
  if (strstr (path, "slow"))
    g_usleep (2000);
  if (strstr (path, "bad"))
    {
      g_set_error (error, TF_ERROR, TF_ERROR_INPUT, "%s: fake decoding failure", path);
      return NULL;
    }
  w = 16 + (int) (h % 40);
  hh = 16 + (int) ((h / 40) % 40);
  px = make_image (w + 1, hh, 3, h);   /* one spare pixel per row: stride > 3 w */
  if (strstr (path, "gray"))
    for (gsize i = 0; i < (gsize) (w + 1) * hh; i++)
      px[3 * i + 1] = px[3 * i + 2] = px[3 * i];
  *width = w;
  *height = hh;
  *stride = (w + 1) * 3;
  return px;
}

static TfDataset *
make_fake_dataset (guint        n,
                   const char  *tag,
                   guint        every)
{
  static const char * const names[] = { "a", "b", "c", NULL };
  TfDataset *ds = tf_dataset_new (names);

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *p = g_strdup_printf ("/fake/%s%u-%s.png", (every && i % every == every - 1) ? tag : "",
                                            i, i % 2 ? "gray" : "rgb");
      tf_dataset_add (ds, p, (int) (i % 3));
    }
  return ds;
}

typedef struct
{
  GArray *inputs, *targets, *labels, *sizes;
} Epoch;

static void
epoch_clear (Epoch *e)
{
  g_array_unref (e->inputs);
  g_array_unref (e->targets);
  g_array_unref (e->labels);
  g_array_unref (e->sizes);
}

/* Runs one epoch through @loader, keeping everything it hands out. */
static void
run_epoch (TfLoader    *loader,
           TfDataset   *ds,
           const guint *order,
           guint        n,
           guint64      seed,
           Epoch       *e)
{
  int b = tf_loader_get_batch_size (loader), k = tf_dataset_get_n_classes (ds), got;
  gsize item = (gsize) 3 * rgb_spec.size * rgb_spec.size;
  g_autofree float *inputs = g_new (float, b * item);
  g_autofree float *targets = g_new (float, (gsize) b * k);
  g_autofree int *labels = g_new (int, b);
  g_autoptr(GError) error = NULL;

  e->inputs = g_array_new (FALSE, FALSE, sizeof (float));
  e->targets = g_array_new (FALSE, FALSE, sizeof (float));
  e->labels = g_array_new (FALSE, FALSE, sizeof (int));
  e->sizes = g_array_new (FALSE, FALSE, sizeof (int));
  tf_loader_start_epoch (loader, order, n, seed);
  while (tf_loader_next (loader, inputs, targets, labels, &got, &error))
    {
      g_assert_cmpint (got, >, 0);
      g_assert_cmpint (got, <=, b);
      g_array_append_vals (e->inputs, inputs, (guint) (got * item));
      g_array_append_vals (e->targets, targets, (guint) (got * k));
      g_array_append_vals (e->labels, labels, (guint) got);
      g_array_append_val (e->sizes, got);
    }
  g_assert_no_error (error);
}

static void
assert_epochs_equal (const Epoch *a,
                     const Epoch *b)
{
  g_assert_cmpmem (a->sizes->data, a->sizes->len * sizeof (int), b->sizes->data, b->sizes->len * sizeof (int));
  g_assert_cmpmem (a->labels->data, a->labels->len * sizeof (int), b->labels->data, b->labels->len * sizeof (int));
  g_assert_cmpmem (a->targets->data, a->targets->len * sizeof (float),
                   b->targets->data, b->targets->len * sizeof (float));
  g_assert_cmpmem (a->inputs->data, a->inputs->len * sizeof (float),
                   b->inputs->data, b->inputs->len * sizeof (float));
}

static void
test_loader_threads (void)
{
  g_autoptr(TfDataset) ds = make_fake_dataset (45, "", 0);
  g_autoptr(TfSampler) sampler = tf_sampler_new (ds, TF_SAMPLE_BALANCED, 11);
  guint n = tf_sampler_get_epoch_length (sampler);
  g_autofree guint *order = g_new (guint, n);
  gpointer ud = GINT_TO_POINTER (1234);
  TfAugment aug;
  Epoch ref, e;

  tf_augment_init_default (&aug);
  tf_sampler_epoch_order (sampler, 0, order);

  /* decoded in the caller, without cache: the reference */
  {
    g_autoptr(TfLoader) l0 = tf_loader_new (ds, &rgb_spec, &aug, fake_decode, ud, 8, 0);
    tf_loader_set_cache_limit (l0, 0);
    run_epoch (l0, ds, order, n, 5, &ref);
    g_assert_cmpuint (ref.labels->len, ==, n);
    g_assert_cmpuint (ref.sizes->len, ==, 6);   /* 45 = 5 x 8 + 5 */
    g_assert_cmpint (g_array_index (ref.sizes, int, 5), ==, 5);
    for (guint i = 0; i < n; i++)
      {
        g_assert_cmpint (g_array_index (ref.labels, int, i), ==, tf_dataset_get_label (ds, order[i]));
        g_assert_cmpfloat (g_array_index (ref.targets, float, 3 * i + tf_dataset_get_label (ds, order[i])), ==, 1.0f);
      }
  }

  /* 1 and 3 workers, with the cache (gray images kept as one channel) */
  for (int threads = 1; threads <= 3; threads += 2)
    {
      g_autoptr(TfLoader) l = tf_loader_new (ds, &rgb_spec, &aug, fake_decode, ud, 8, threads);
      run_epoch (l, ds, order, n, 5, &e);
      assert_epochs_equal (&ref, &e);
      epoch_clear (&e);
      g_assert_cmpuint (tf_loader_get_cache_bytes (l), >, 0);

      /* the second pass comes from the cache alone, and is the same */
      g_atomic_int_set (&fake_decodes, 0);
      run_epoch (l, ds, order, n, 5, &e);
      g_assert_cmpint (g_atomic_int_get (&fake_decodes), ==, 0);
      assert_epochs_equal (&ref, &e);
      epoch_clear (&e);
    }
  epoch_clear (&ref);
}

static void
test_loader_eval (void)
{
  g_autoptr(TfDataset) ds = make_fake_dataset (10, "", 0);
  g_autoptr(TfLoader) l = tf_loader_new (ds, &rgb_spec, NULL, fake_decode, GINT_TO_POINTER (1234), 4, 2);
  gsize item = (gsize) 3 * rgb_spec.size * rgb_spec.size;
  g_autofree float *want = g_new (float, item);
  guint order[10];
  Epoch e;

  for (guint i = 0; i < 10; i++)
    order[i] = 9 - i;
  run_epoch (l, ds, order, 10, 0, &e);
  g_assert_cmpuint (e.labels->len, ==, 10);
  for (guint i = 0; i < 10; i++)
    {
      int w, h, stride;
      g_autofree guint8 *px = fake_decode (tf_dataset_get_path (ds, order[i]), &w, &h, &stride, NULL,
                                           GINT_TO_POINTER (1234));
      tf_image_to_input (px, w, h, stride, 3, &rgb_spec, want);
      g_assert_cmpmem (&g_array_index (e.inputs, float, i * item), item * sizeof (float), want, item * sizeof (float));
    }
  epoch_clear (&e);
}

static void
test_loader_failures (void)
{
  /* items 3, 7, 11, ... fail: 5 of 20 */
  g_autoptr(TfDataset) ds = make_fake_dataset (20, "bad", 4);
  g_autoptr(TfDataset) all_bad = make_fake_dataset (6, "bad", 1);
  g_autoptr(TfSampler) seq = tf_sampler_new (ds, TF_SAMPLE_SEQUENTIAL, 0);
  guint order[20];
  gsize item = (gsize) 3 * rgb_spec.size * rgb_spec.size;
  g_autofree float *inputs = g_new (float, 4 * item);
  float targets[4 * 3];
  int got;
  g_autoptr(GError) error = NULL;

  tf_sampler_epoch_order (seq, 0, order);
  for (int threads = 0; threads <= 2; threads += 2)
    {
      g_autoptr(TfLoader) l = tf_loader_new (ds, &rgb_spec, NULL, fake_decode, GINT_TO_POINTER (1234), 4, threads);
      Epoch e;

      /* a warning per file, the first time only */
      for (guint i = 3; i < 20; i += 4)
        g_test_expect_message (NULL, G_LOG_LEVEL_WARNING, "*fake decoding failure*");
      run_epoch (l, ds, order, 20, 1, &e);
      g_test_assert_expected_messages ();
      g_assert_cmpuint (tf_loader_get_n_failed (l), ==, 5);
      g_assert_cmpuint (e.labels->len, ==, 15);
      epoch_clear (&e);

      run_epoch (l, ds, order, 20, 1, &e);
      g_assert_cmpuint (tf_loader_get_n_failed (l), ==, 5);
      g_assert_cmpuint (e.labels->len, ==, 15);
      epoch_clear (&e);
    }

  /* nothing decodes: the epoch ends with an error, not silently */
  {
    g_autoptr(TfLoader) l = tf_loader_new (all_bad, &rgb_spec, NULL, fake_decode, GINT_TO_POINTER (1234), 4, 1);
    for (int i = 0; i < 6; i++)
      g_test_expect_message (NULL, G_LOG_LEVEL_WARNING, "*fake decoding failure*");
    tf_loader_start_epoch (l, order, 6, 0);
    g_assert_false (tf_loader_next (l, inputs, targets, NULL, &got, &error));
    g_test_assert_expected_messages ();
    g_assert_error (error, TF_ERROR, TF_ERROR_INPUT);
    g_assert_cmpint (got, ==, 0);
    g_assert_cmpuint (tf_loader_get_n_failed (l), ==, 6);
  }
}

static void
test_loader_shutdown (void)
{
  g_autoptr(TfDataset) ds = make_fake_dataset (200, "slow", 1);
  g_autoptr(TfDataset) quick = make_fake_dataset (30, "", 0);
  g_autoptr(TfSampler) sampler = tf_sampler_new (ds, TF_SAMPLE_SHUFFLE, 3);
  gsize item = (gsize) 3 * rgb_spec.size * rgb_spec.size;
  g_autofree guint *order = g_new (guint, 200);
  g_autofree float *inputs = g_new (float, 8 * item);
  float targets[8 * 3];
  int labels[8], got;
  TfAugment aug;

  tf_augment_init_default (&aug);
  tf_sampler_epoch_order (sampler, 0, order);

  /* freed while workers decode */
  for (int round = 0; round < 3; round++)
    {
      TfLoader *l = tf_loader_new (ds, &rgb_spec, &aug, fake_decode, GINT_TO_POINTER (1234), 8, 3);
      tf_loader_start_epoch (l, order, 200, 1);
      if (round > 0)
        g_assert_true (tf_loader_next (l, inputs, targets, labels, &got, NULL));
      if (round > 1)
        g_assert_true (tf_loader_next (l, inputs, targets, labels, &got, NULL));
      tf_loader_free (l);
    }
  /* never started, and never given an epoch */
  tf_loader_free (tf_loader_new (ds, &rgb_spec, NULL, fake_decode, GINT_TO_POINTER (1234), 8, 2));

  /* an epoch abandoned half way, then a full one: as from a fresh loader */
  {
    g_autoptr(TfLoader) l = tf_loader_new (quick, &rgb_spec, &aug, fake_decode, GINT_TO_POINTER (1234), 4, 2);
    g_autoptr(TfLoader) fresh = tf_loader_new (quick, &rgb_spec, &aug, fake_decode, GINT_TO_POINTER (1234), 4, 2);
    guint seq[30];
    Epoch a, b;

    for (guint i = 0; i < 30; i++)
      seq[i] = (i * 7) % 30;
    tf_loader_start_epoch (l, seq, 30, 99);
    g_assert_true (tf_loader_next (l, inputs, targets, labels, &got, NULL));
    run_epoch (l, quick, seq, 30, 4, &a);
    run_epoch (fresh, quick, seq, 30, 4, &b);
    assert_epochs_equal (&a, &b);
    epoch_clear (&a);
    epoch_clear (&b);
  }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/dataset/ferplus/majority", test_ferplus_majority);
  g_test_add_func ("/dataset/ferplus/malformed", test_ferplus_malformed);
  g_test_add_data_func ("/dataset/ferplus/real-train", "train", test_ferplus_real);
  g_test_add_data_func ("/dataset/ferplus/real-valid", "valid", test_ferplus_real);
  g_test_add_func ("/dataset/folders", test_folders);
  g_test_add_func ("/dataset/image-label-csv", test_image_label_csv);
  g_test_add_func ("/dataset/label-text", test_label_text);
  g_test_add_func ("/dataset/set-classes", test_set_classes);
  g_test_add_func ("/dataset/sampler", test_sampler);
  g_test_add_func ("/augment/identity", test_augment_identity);
  g_test_add_func ("/augment/determinism", test_augment_determinism);
  g_test_add_func ("/augment/flip", test_augment_flip);
  g_test_add_func ("/augment/shrink-and-erase", test_augment_shrink_and_erase);
  g_test_add_func ("/loader/threads", test_loader_threads);
  g_test_add_func ("/loader/eval", test_loader_eval);
  g_test_add_func ("/loader/failures", test_loader_failures);
  g_test_add_func ("/loader/shutdown", test_loader_shutdown);

  return g_test_run ();
}
