/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Sharded batch analysis: the selection (each file in exactly one shard,
 * the same on any machine for the same relative paths, a hash pinned by
 * values computed outside GLib), --shard's bad values, an empty shard,
 * and GNU parallel running 3 shards of transfer-cli analyze whose rows,
 * combined as the README says, are one run's. */
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>
#include <sys/wait.h>

#include "tf-analyze.h"
#include "tf-model.h"
#include "tf-test-util.h"

static char *cli;
static char *tmpdir;
static char *model_path;   /* small, 16x16 input: the engine costs nothing */
static char *sample;       /* a photo with one face */

/* Runs @argv in @dir; returns the exit status. */
static int
run (const char  *dir,
     const char **argv,
     char       **out,
     char       **err)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *o = NULL, *e = NULL;
  int status = -1;

  g_spawn_sync (dir, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &o, &e, &status, &error);
  g_assert_no_error (error);
  g_test_message ("%s %s: %s%s", argv[0], argv[1] ? argv[1] : "", o, e);
  if (out)
    *out = g_steal_pointer (&o);
  if (err)
    *err = g_steal_pointer (&e);
  return g_spawn_check_wait_status (status, NULL) ? 0 : (WIFEXITED (status) ? WEXITSTATUS (status) : -1);
}

static void
write_file (const char *dir,
            const char *name,
            const char *contents,
            gsize       len)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autofree char *parent = g_path_get_dirname (path);

  g_assert_cmpint (g_mkdir_with_parents (parent, 0755), ==, 0);
  g_assert_true (g_file_set_contents (path, contents, (gssize) len, NULL));
}

/* ---- the selection ------------------------------------------------------------ */

/* SHA-256 prefixes computed with Python's hashlib: a change of the hash
 * would move files between shards of runs already made elsewhere. */
static void
test_hash_pinned (void)
{
  g_assert_cmpint (tf_analyze_shard_of ("photos/a.jpg", 1), ==, 1);
  g_assert_cmpint (tf_analyze_shard_of ("photos/a.jpg", 3), ==, 1);
  g_assert_cmpint (tf_analyze_shard_of ("photos/a.jpg", 7), ==, 2);
  g_assert_cmpint (tf_analyze_shard_of ("photos/a.jpg", 100000), ==, 21152);
  g_assert_cmpint (tf_analyze_shard_of ("photos/sub/b.jpg", 7), ==, 4);
  g_assert_cmpint (tf_analyze_shard_of ("photos/sub/b.jpg", 100000), ==, 53006);
  g_assert_cmpint (tf_analyze_shard_of ("x.png", 7), ==, 7);
}

static void
test_key (void)
{
  g_autofree char *cwd = g_get_current_dir ();
  g_autofree char *abs = g_build_filename (cwd, "photos", "sub", "a.jpg", NULL);
  g_autofree char *k1 = tf_analyze_shard_key ("./photos/", abs);
  g_autofree char *k2 = tf_analyze_shard_key ("photos//sub", abs);
  g_autofree char *k3 = tf_analyze_shard_key ("photos/sub/a.jpg", "photos/sub/a.jpg");
  g_autofree char *k4 = tf_analyze_shard_key (".", abs);
  g_autofree char *k5 = tf_analyze_shard_key ("/data/x.jpg", "/data/x.jpg");

  g_assert_cmpstr (k1, ==, "photos/sub/a.jpg");
  g_assert_cmpstr (k2, ==, "photos/sub/a.jpg");
  g_assert_cmpstr (k3, ==, "photos/sub/a.jpg");
  g_assert_cmpstr (k4, ==, "photos/sub/a.jpg");
  g_assert_cmpstr (k5, ==, "/data/x.jpg");
}

/* The files of @root's tree, named relative to it, shard by shard. */
static GPtrArray *
shards_in (const char *root,
           int         count,
           guint      *n_all)
{
  g_autofree char *cwd = g_get_current_dir ();
  GPtrArray *shards = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);
  const char *paths[] = { "photos", "extra.jpg" };

  g_autofree char *here = NULL;

  g_assert_cmpint (g_chdir (root), ==, 0);
  here = g_get_current_dir ();
  for (int i = 1; i <= count; i++)
    {
      GPtrArray *files = tf_analyze_expand_shard (paths, 2, i, count, n_all);
      GPtrArray *rel = g_ptr_array_new_with_free_func (g_free);
      for (guint k = 0; k < files->len; k++)
        {
          const char *f = files->pdata[k];
          /* folder entries come back absolute: keep the part below the root */
          if (g_path_is_absolute (f))
            {
              g_assert_true (g_str_has_prefix (f, here));
              f += strlen (here) + 1;
            }
          g_ptr_array_add (rel, g_strdup (f));
        }
      g_ptr_array_unref (files);
      g_ptr_array_add (shards, rel);
    }
  g_assert_cmpint (g_chdir (cwd), ==, 0);
  return shards;
}

/* Every file in exactly one shard, in the unsharded order; the same
 * shards for the same tree at another place (another machine's mount). */
static void
test_partition (void)
{
  g_autofree char *a = g_build_filename (tmpdir, "machine-a", NULL);
  g_autofree char *b = g_build_filename (tmpdir, "elsewhere", "machine-b", NULL);
  const char *roots[] = { a, b };
  const int counts[] = { 1, 2, 3, 7 };
  g_autoptr(GPtrArray) whole = NULL;
  guint n_whole;

  for (int r = 0; r < 2; r++)
    {
      for (int i = 0; i < 30; i++)
        {
          g_autofree char *name = g_strdup_printf ("photos/%s%02d.jpg", i % 3 ? "" : "sub/", i);
          write_file (roots[r], name, "", 0);   /* a picture by its name: enough to be listed */
        }
      write_file (roots[r], "extra.jpg", "", 0);
    }
  whole = shards_in (a, 1, &n_whole);
  g_assert_cmpuint (n_whole, ==, 31);
  g_assert_cmpuint (((GPtrArray *) whole->pdata[0])->len, ==, 31);

  for (guint c = 0; c < G_N_ELEMENTS (counts); c++)
    {
      g_autoptr(GPtrArray) sa = NULL, sb = NULL;
      g_autoptr(GHashTable) owner = g_hash_table_new (g_str_hash, g_str_equal);
      GPtrArray *all = whole->pdata[0];
      guint n_all, total = 0, nonempty = 0;

      sa = shards_in (a, counts[c], &n_all);
      g_assert_cmpuint (n_all, ==, 31);
      sb = shards_in (b, counts[c], &n_all);
      for (int i = 0; i < counts[c]; i++)
        {
          GPtrArray *fa = sa->pdata[i], *fb = sb->pdata[i];
          int last = -1;
          g_assert_cmpuint (fa->len, ==, fb->len);
          for (guint k = 0; k < fa->len; k++)
            {
              int at = -1;
              g_assert_cmpstr (fa->pdata[k], ==, fb->pdata[k]);
              g_assert_true (g_hash_table_insert (owner, fa->pdata[k], GINT_TO_POINTER (i + 1)));
              for (guint j = 0; j < all->len; j++)
                if (strcmp (all->pdata[j], fa->pdata[k]) == 0)
                  at = (int) j;
              g_assert_cmpint (at, >, last);   /* present, in the unsharded order */
              last = at;
            }
          total += fa->len;
          nonempty += fa->len > 0;
        }
      g_assert_cmpuint (total, ==, 31);
      g_assert_cmpuint (g_hash_table_size (owner), ==, 31);
      /* 31 files spread over every shard of up to 7 (not all in one) */
      g_assert_cmpuint (nonempty, ==, (guint) counts[c]);
    }
}

/* ---- the command line ------------------------------------------------------------- */

static void
test_bad_shard (void)
{
  const char *bad[] = { "0/3", "4/3", "a/b", "1/0", "-1/3", "1/3/4", "+1/3", " 1/3", "1/", "/3", "", "1/100001" };
  g_autofree char *out = g_build_filename (tmpdir, "bad.csv", NULL);
  g_autofree char *project = g_build_filename (tmpdir, "bad.tfproj", NULL);

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree char *err = NULL, *err2 = NULL;
      const char *a[] = { cli, "analyze", "-q", "--model", model_path, "--shard", bad[i], "--out", out, sample, NULL };
      const char *p[] = { cli, "project", "new", "-q", "--model", model_path, "--shard", bad[i], project, sample, NULL };

      g_assert_cmpint (run (tmpdir, a, NULL, &err), ==, 2);
      g_assert_nonnull (strstr (err, "--shard"));
      g_assert_false (g_file_test (out, G_FILE_TEST_EXISTS));
      g_assert_cmpint (run (tmpdir, p, NULL, &err2), ==, 2);
      g_assert_nonnull (strstr (err2, "--shard"));
      g_assert_false (g_file_test (project, G_FILE_TEST_EXISTS));
    }
}

/* one.png falls in shard 2 of 3: shard 1 is a valid, empty output. */
static void
test_empty_shard (void)
{
  g_autofree char *csv = NULL, *jsonl = NULL, *err = NULL, *stats = NULL;
  const char *a[] = { cli, "analyze", "-q", "--model", model_path, "--shard", "1/3", "one.png", NULL };
  const char *j[] = { cli, "analyze", "-q", "--model", model_path, "--format", "jsonl", "--shard", "1/3", "one.png",
                      NULL };
  const char *p[] = { cli, "project", "new", "--model", model_path, "--shard", "1/3", "empty.tfproj", "one.png",
                      NULL };
  const char *s[] = { cli, "project", "stats", "empty.tfproj", NULL };

  g_assert_cmpint (tf_analyze_shard_of ("one.png", 3), ==, 2);
  g_assert_cmpint (run (tmpdir, a, &csv, NULL), ==, 0);
  g_assert_true (g_str_has_prefix (csv, "file,frame,"));
  g_assert_cmpint (strchr (csv, '\n') - csv, ==, (int) strlen (csv) - 1);   /* the header alone */
  g_assert_cmpint (run (tmpdir, j, &jsonl, NULL), ==, 0);
  g_assert_cmpstr (jsonl, ==, "");
  g_assert_cmpint (run (tmpdir, p, NULL, &err), ==, 0);
  g_assert_nonnull (strstr (err, "shard 1/3 holds none of the 1 file"));
  g_assert_cmpint (run (tmpdir, s, &stats, NULL), ==, 0);
  g_assert_true (g_str_has_prefix (stats, "faces      0"));
}

/* Shard projects merged hold the faces and predictions of one unsharded
 * project, in one analysis run. (The pictures differ: a merge takes files
 * of the same content for one media, wherever they are.) */
static void
test_merge_shards (void)
{
  const char *whole[] = { cli, "project", "new", "--model", model_path, "whole.tfproj", "distinct", NULL };
  const char *s1[] = { cli, "project", "new", "--model", model_path, "--shard", "1/2", "s1.tfproj", "distinct", NULL };
  const char *s2[] = { cli, "project", "new", "--model", model_path, "--shard", "2/2", "s2.tfproj", "distinct", NULL };
  const char *merge[] = { cli, "project", "merge", "merged.tfproj", "s1.tfproj", "s2.tfproj", NULL };
  const char *stats_whole[] = { cli, "project", "stats", "whole.tfproj", NULL };
  const char *stats_merged[] = { cli, "project", "stats", "merged.tfproj", NULL };
  g_autofree char *a = NULL, *b = NULL, *png = NULL;
  g_auto(GStrv) a_lines = NULL, b_lines = NULL;
  gsize len;

  /* the sample with bytes after its end, a different file each */
  g_assert_true (g_file_get_contents (sample, &png, &len, NULL));
  for (int i = 0; i < 5; i++)
    {
      g_autofree char *name = g_strdup_printf ("distinct/%d.png", i);
      g_autofree char *data = g_malloc (len + 1);

      memcpy (data, png, len);
      data[len] = (char) i;
      write_file (tmpdir, name, data, len + 1);
    }
  g_assert_cmpint (run (tmpdir, whole, NULL, NULL), ==, 0);
  g_assert_cmpint (run (tmpdir, s1, NULL, NULL), ==, 0);
  g_assert_cmpint (run (tmpdir, s2, NULL, NULL), ==, 0);
  g_assert_cmpint (run (tmpdir, merge, NULL, NULL), ==, 0);
  g_assert_cmpint (run (tmpdir, stats_whole, &a, NULL), ==, 0);
  g_assert_cmpint (run (tmpdir, stats_merged, &b, NULL), ==, 0);
  a_lines = g_strsplit (a, "\n", -1);
  b_lines = g_strsplit (b, "\n", -1);
  /* "faces      N", then "predicted  N (run R)": the same faces, all predicted by one run */
  g_assert_true (g_str_has_prefix (a_lines[0], "faces "));
  g_assert_cmpstr (a_lines[0], !=, "faces      0");
  g_assert_cmpstr (b_lines[0], ==, a_lines[0]);
  g_assert_true (g_str_has_prefix (a_lines[2], "predicted "));
  g_assert_cmpstr (b_lines[2], ==, a_lines[2]);
}

/* ---- GNU parallel ---------------------------------------------------------------- */

typedef struct
{
  char   *file;
  gint64  frame;
  char   *line;
} Row;

static void
row_free (Row *r)
{
  g_free (r->file);
  g_free (r->line);
  g_free (r);
}

static int
row_cmp (gconstpointer a,
         gconstpointer b)
{
  const Row *x = *(const Row * const *) a, *y = *(const Row * const *) b;
  int c = strcmp (x->file, y->file);

  return c ? c : (x->frame > y->frame) - (x->frame < y->frame);
}

/* @text's rows (after a CSV header), stably sorted by file and frame. The
 * test's paths hold no comma or quote: a CSV row's file is its first field. */
static GPtrArray *
sorted_rows (const char *text,
             gboolean    csv,
             char      **header)
{
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  GPtrArray *rows = g_ptr_array_new_with_free_func ((GDestroyNotify) row_free);
  g_autoptr(JsonParser) parser = json_parser_new ();

  for (int i = 0; lines[i]; i++)
    {
      Row *r;
      if (lines[i][0] == '\0')
        {
          g_assert_null (lines[i + 1]);   /* only the end */
          break;
        }
      if (csv && i == 0)
        {
          *header = g_strdup (lines[0]);
          continue;
        }
      r = g_new0 (Row, 1);
      r->line = g_strdup (lines[i]);
      if (csv)
        {
          g_auto(GStrv) f = g_strsplit (lines[i], ",", 3);
          g_assert_nonnull (f[1]);
          r->file = g_strdup (f[0]);
          r->frame = g_ascii_strtoll (f[1], NULL, 10);
        }
      else
        {
          JsonObject *o;
          g_assert_true (json_parser_load_from_data (parser, lines[i], -1, NULL));
          o = json_node_get_object (json_parser_get_root (parser));
          r->file = g_strdup (json_object_get_string_member (o, "file"));
          r->frame = json_object_get_int_member (o, "frame");
        }
      g_ptr_array_add (rows, r);
    }
  g_ptr_array_sort (rows, row_cmp);   /* stable */
  return rows;
}

static void
assert_same_rows (const char *single,
                  const char *combined,
                  gboolean    csv)
{
  g_autofree char *h1 = NULL, *h2 = NULL;
  g_autoptr(GPtrArray) a = sorted_rows (single, csv, &h1);
  g_autoptr(GPtrArray) b = sorted_rows (combined, csv, &h2);

  g_assert_cmpstr (h1, ==, h2);
  g_assert_cmpuint (a->len, ==, 6);   /* one face in each of the 6 photos */
  g_assert_cmpuint (a->len, ==, b->len);
  for (guint i = 0; i < a->len; i++)
    g_assert_cmpstr (((Row *) a->pdata[i])->line, ==, ((Row *) b->pdata[i])->line);
}

static void
test_parallel (void)
{
  g_autofree char *parallel = g_find_program_in_path ("parallel");
  const char *formats[] = { "csv", "jsonl" };
  /* the README's one-liners */
  const char *combine[] = { "awk 'NR == 1 || FNR > 1' shard-1.csv shard-2.csv shard-3.csv > combined.csv",
                            "cat shard-1.jsonl shard-2.jsonl shard-3.jsonl > combined.jsonl" };

  if (parallel == NULL)
    {
      g_test_skip ("GNU parallel is not installed (Debian: apt-get install parallel)");
      return;
    }
  for (int f = 0; f < 2; f++)
    {
      g_autofree char *single = NULL, *combined = NULL, *combined_path = NULL, *out = g_strdup_printf ("shard-{}.%s",
                                                                                                        formats[f]);
      const char *one[] = { cli, "analyze", "-q", "--threads", "1", "--model", model_path, "--format", formats[f],
                            "photos", "one.png", NULL };
      /* --quote: the arguments as they are, whatever the paths hold */
      const char *par[] = { parallel, "--will-cite", "--quote", "--halt", "now,fail=1", cli, "analyze", "-q",
                            "--threads", "1", "--model", model_path, "--format", formats[f], "--shard", "{}/3",
                            "--out", out, "photos", "one.png", ":::", "1", "2", "3", NULL };
      const char *sh[] = { "sh", "-c", combine[f], NULL };

      g_assert_cmpint (run (tmpdir, one, &single, NULL), ==, 0);
      g_assert_cmpint (run (tmpdir, par, NULL, NULL), ==, 0);
      for (int i = 1; i <= 3; i++)
        {
          g_autofree char *name = g_strdup_printf ("shard-%d.%s", i, formats[f]);
          g_autofree char *path = g_build_filename (tmpdir, name, NULL);
          g_autofree char *text = NULL;
          g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
          /* every shard holds rows: the names were chosen so */
          g_assert_cmpuint (strlen (text), >, f == 0 ? strcspn (text, "\n") + 1 : 0);
        }
      g_assert_cmpint (run (tmpdir, sh, NULL, NULL), ==, 0);
      combined_path = g_strdup_printf ("%s/combined.%s", tmpdir, formats[f]);
      g_assert_true (g_file_get_contents (combined_path, &combined, NULL, NULL));
      assert_same_rows (single, combined, f == 0);
    }
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(TfModel) model = NULL;
  const char *const classes[] = { "calm", "glad", "cross", NULL };
  const char *photos[] = { "photos/a.png", "photos/b.png", "photos/c.png", "photos/sub/d.png", "photos/sub/e.png",
                           "one.png" };
  g_autofree char *png = NULL;
  gsize png_len;
  TfConfig config;
  int ret;

  g_test_init (&argc, &argv, NULL);
  cli = g_strdup (g_getenv ("TRANSFER_CLI"));
  if (cli == NULL)
    cli = g_test_build_filename (G_TEST_BUILT, "..", "app", "cli", "transfer-cli", NULL);
  tmpdir = g_dir_make_tmp ("tf-test-shard-XXXXXX", NULL);
  sample = g_test_build_filename (G_TEST_DIST, "..", "data", "astronaut.png", NULL);
  model_path = g_build_filename (tmpdir, "small16.safetensors", NULL);
  g_assert_true (tf_config_preset ("small", 3, &config));
  config.input_size = 16;
  model = tf_model_new (&config, classes);
  tf_model_init_random (model, 3);
  g_assert_true (tf_model_save (model, model_path, TF_DTYPE_F32, NULL));
  /* shards of 3: c | b, sub/d, one | a, sub/e */
  g_assert_true (g_file_get_contents (sample, &png, &png_len, NULL));
  for (guint i = 0; i < G_N_ELEMENTS (photos); i++)
    write_file (tmpdir, photos[i], png, png_len);

  g_test_add_func ("/shard/hash-pinned", test_hash_pinned);
  g_test_add_func ("/shard/key", test_key);
  g_test_add_func ("/shard/partition", test_partition);
  g_test_add_func ("/shard/bad", test_bad_shard);
  g_test_add_func ("/shard/empty", test_empty_shard);
  g_test_add_func ("/shard/parallel", test_parallel);
  g_test_add_func ("/shard/merge-projects", test_merge_shards);
  ret = g_test_run ();

  tf_test_remove_tmpdir (tmpdir);
  g_free (model_path);
  g_free (sample);
  g_free (cli);
  return ret;
}
