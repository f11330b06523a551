/* SPDX-License-Identifier: GPL-3.0-or-later */
/* transfer-cli project end to end: a project from a photo and from a
 * folder of face crops, imports that change all or nothing, exports that
 * `analyze` and `train` agree with, the check and relinking, a copy. */
#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>
#include <signal.h>
#include <sys/wait.h>

#include "tf-model.h"
#include "tf-test-util.h"

static char *cli;
static char *tmpdir;
static char *model_path;   /* small, 16x16 input, classes calm, glad, cross */
static char *sample;

/* Runs transfer-cli with @args (NULL-terminated); returns the exit status. */
static int
run_cli (char      **out,
         char      **err,
         const char *first,
         ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *o = NULL, *e = NULL;
  va_list ap;
  int status = -1;

  g_ptr_array_add (argv, cli);
  va_start (ap, first);
  for (const char *a = first; a; a = va_arg (ap, const char *))
    g_ptr_array_add (argv, (gpointer) a);
  va_end (ap);
  g_ptr_array_add (argv, NULL);

  g_spawn_sync (tmpdir, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL, &o, &e, &status, &error);
  g_assert_no_error (error);
  g_test_message ("%s %s: %s%s", (char *) argv->pdata[1], argv->len > 2 ? (char *) argv->pdata[2] : "", o, e);
  /* the callers reuse their strings from one run to the next */
  if (out)
    {
      g_free (*out);
      *out = g_steal_pointer (&o);
    }
  if (err)
    {
      g_free (*err);
      *err = g_steal_pointer (&e);
    }
  return g_spawn_check_wait_status (status, NULL) ? 0 : (WIFEXITED (status) ? WEXITSTATUS (status) : -1);
}

static char *
tmp_path (const char *name)
{
  return g_build_filename (tmpdir, name, NULL);
}

static JsonObject *
stats (JsonParser *parser,
       const char *project)
{
  g_autofree char *out = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (run_cli (&out, NULL, "project", "stats", project, "--format", "json", NULL), ==, 0);
  g_assert_true (json_parser_load_from_data (parser, out, -1, &error));
  return json_node_get_object (json_parser_get_root (parser));
}

/* A small picture whose colour says its class (0..2) and @i. */
static void
make_picture (const char *path,
              int         c,
              int         i)
{
  g_autoptr(GdkPixbuf) img = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, 24, 20);
  guint8 *px = gdk_pixbuf_get_pixels (img);
  int stride = gdk_pixbuf_get_rowstride (img);

  for (int y = 0; y < 20; y++)
    for (int x = 0; x < 24; x++)
      for (int ch = 0; ch < 3; ch++)
        px[y * stride + x * 3 + ch] = (guint8) ((ch == c ? 170 : 40) + 5 * ((x * (i + 1) + y * (c + 2)) % 11));
  g_assert_true (gdk_pixbuf_save (img, path, "png", NULL, NULL));
}

/* ---- a photo through the face pipeline --------------------------------------------- */

/* The export's rows are analyze's, with the label and its provenance. */
static void
test_photo (void)
{
  g_autofree char *out = NULL, *err = NULL, *analyze = NULL, *csv = NULL;
  g_autofree char *project = tmp_path ("photo.tfproj"), *csv_path = tmp_path ("photo.csv");
  g_autofree char *labels = tmp_path ("photo-labels.csv");
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_auto(GStrv) a_lines = NULL, p_lines = NULL;
  JsonObject *st;

  g_assert_cmpint (run_cli (&out, &err, "project", "new", "--quiet", project, sample, NULL), ==, 0);
  st = stats (parser, project);
  g_assert_cmpint (json_object_get_int_member (st, "faces"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (st, "predicted"), ==, 1);
  g_clear_pointer (&err, g_free);

  /* a second new on the same name is refused */
  g_assert_cmpint (run_cli (NULL, &err, "project", "new", project, sample, NULL), ==, 1);
  g_assert_nonnull (strstr (err, "already exists"));
  g_clear_pointer (&err, g_free);

  g_assert_true (g_file_set_contents (labels, "file,frame,face,label\nastronaut.png,0,0,happiness\n", -1, NULL));
  g_assert_cmpint (run_cli (NULL, NULL, "project", "import", project, "--labels", labels, "--annotator", "ann", NULL),
                   ==, 0);
  g_assert_cmpint (run_cli (&out, NULL, "project", "export", project, "--out", csv_path, NULL), ==, 0);
  g_assert_cmpint (run_cli (&analyze, NULL, "analyze", "--quiet", sample, NULL), ==, 0);
  g_assert_true (g_file_get_contents (csv_path, &csv, NULL, NULL));
  a_lines = g_strsplit (g_strstrip (analyze), "\n", -1);
  p_lines = g_strsplit (g_strstrip (csv), "\n", -1);
  g_assert_cmpuint (g_strv_length (a_lines), ==, 2);
  g_assert_cmpuint (g_strv_length (p_lines), ==, 2);
  {
    g_autofree char *header = g_strconcat (a_lines[0], ",label_source,annotator,final,agree,votes", NULL);
    /* past the file column: analyze's row, its empty label filled */
    const char *a_row = strchr (a_lines[1], ','), *p_row = strchr (p_lines[1], ',');
    g_auto(GStrv) a = g_strsplit (a_row, ",", -1), p = g_strsplit (p_row, ",", -1);
    guint n = g_strv_length (a);

    g_assert_cmpstr (p_lines[0], ==, header);
    g_assert_cmpuint (g_strv_length (p), ==, n + 5);
    for (guint i = 0; i < n; i++)
      if (i != n - 3)
        g_assert_cmpstr (p[i], ==, a[i]);
    g_assert_cmpstr (a[n - 3], ==, "");
    g_assert_cmpstr (p[n - 3], ==, "happiness");
    g_assert_cmpstr (p[n], ==, "imported");
    g_assert_cmpstr (p[n + 1], ==, "ann");
    /* one vote, not adjudicated */
    g_assert_true (g_str_has_suffix (p_lines[1], ",imported,ann,0,1,ann=happiness"));
  }
}

/* ---- a folder of face crops --------------------------------------------------------- */

static const char *const names[] = { "calm", "glad", "cross" };

/* pics/c-i.png, 3 classes x 2, and a damaged one. */
static char *
make_pictures (void)
{
  char *dir = tmp_path ("pics");

  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  for (int c = 0; c < 3; c++)
    for (int i = 0; i < 2; i++)
      {
        g_autofree char *name = g_strdup_printf ("%s/%s-%d.png", dir, names[c], i);
        make_picture (name, c, i);
      }
  {
    g_autofree char *broken = g_build_filename (dir, "broken.png", NULL);
    g_assert_true (g_file_set_contents (broken, "\x89PNG\r\n\x1a\n not really", -1, NULL));
  }
  return dir;
}

static void
test_crops (void)
{
  g_autofree char *pics = make_pictures ();
  g_autofree char *project = tmp_path ("crops.tfproj");
  g_autofree char *bad = tmp_path ("bad.csv"), *good = tmp_path ("good.csv");
  g_autofree char *out = NULL, *err = NULL, *before = NULL, *after = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GString) csv = g_string_new ("file,label\n");
  JsonObject *st;

  g_assert_cmpint (run_cli (&out, &err, "project", "new", "--crops", "--model", model_path, project, pics, NULL), ==,
                   1);
  g_assert_nonnull (strstr (err, "broken.png"));
  st = stats (parser, project);
  g_assert_cmpint (json_object_get_int_member (st, "faces"), ==, 6);
  g_clear_pointer (&err, g_free);

  /* each bad line reported by number; nothing changes */
  g_assert_true (g_file_set_contents (bad, "file,label,face\n"
                                           "calm-0.png,calm,\n"              /* 2: fine */
                                           "glad-0.png,joy,\n"               /* 3: unknown class */
                                           "nowhere.png,calm,\n"             /* 4: unknown file */
                                           "cross-0.png,cross,first\n"       /* 5: not a number */
                                           "cross-1.png,cross,3\n"           /* 6: no such face */
                                           "\"glad-1.png,glad\n", -1, NULL)); /* 7: open quote */
  g_assert_cmpint (run_cli (NULL, NULL, "project", "export", project, "--out", "before.csv", NULL), ==, 0);
  g_assert_cmpint (run_cli (&out, &err, "project", "import", project, "--labels", bad, NULL), ==, 1);
  for (int line = 3; line <= 7; line++)
    {
      g_autofree char *where = g_strdup_printf ("bad.csv:%d:", line);
      g_assert_nonnull (strstr (err, where));
    }
  g_assert_null (strstr (err, "bad.csv:2:"));
  g_assert_nonnull (strstr (err, "joy"));
  g_assert_nonnull (strstr (err, "nowhere.png"));
  g_assert_nonnull (strstr (err, "nothing was changed"));
  st = stats (parser, project);
  g_assert_cmpint (json_object_get_int_member (st, "labelled"), ==, 0);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run_cli (NULL, NULL, "project", "export", project, "--out", "after.csv", NULL), ==, 0);
  {
    g_autofree char *path_a = tmp_path ("before.csv"), *path_b = tmp_path ("after.csv");
    g_assert_true (g_file_get_contents (path_a, &before, NULL, NULL));
    g_assert_true (g_file_get_contents (path_b, &after, NULL, NULL));
    g_assert_cmpstr (before, ==, after);
  }

  /* all six, by base name, relative and absolute path */
  for (int c = 0; c < 3; c++)
    {
      g_autofree char *abs = g_strdup_printf ("%s/%s-1.png", pics, names[c]);
      g_string_append_printf (csv, "pics/%s-0.png,%s\n%s,%s\n", names[c], names[c], abs, names[c]);
    }
  g_assert_true (g_file_set_contents (good, csv->str, -1, NULL));
  g_assert_cmpint (run_cli (&out, NULL, "project", "import", project, "--labels", good, "--annotator", "ann", NULL),
                   ==, 0);
  g_assert_nonnull (strstr (out, "imported 6 labels"));
  st = stats (parser, project);
  g_assert_cmpint (json_object_get_int_member (st, "labelled"), ==, 6);
  for (guint k = 0; k < 3; k++)
    g_assert_cmpint (json_array_get_int_element (json_object_get_array_member (st, "label_counts"), k), ==, 2);

  /* JSON Lines: one object per face, the label and who gave it */
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (run_cli (NULL, NULL, "project", "export", project, "--format", "jsonl", "--labelled-only",
                            "--out", "crops.jsonl", NULL), ==, 0);
  {
    g_autofree char *path = tmp_path ("crops.jsonl"), *text = NULL;
    g_auto(GStrv) lines = NULL;
    JsonObject *row;

    g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
    lines = g_strsplit (g_strstrip (text), "\n", -1);
    g_assert_cmpuint (g_strv_length (lines), ==, 6);
    g_assert_true (json_parser_load_from_data (parser, lines[0], -1, NULL));
    row = json_node_get_object (json_parser_get_root (parser));
    g_assert_cmpstr (json_object_get_string_member (row, "label"), ==, "calm");
    g_assert_cmpstr (json_object_get_string_member (row, "label_source"), ==, "imported");
    g_assert_cmpstr (json_object_get_string_member (row, "annotator"), ==, "ann");
    g_assert_true (json_object_has_member (row, "p_glad"));
    g_assert_false (json_object_get_boolean_member (row, "final"));
    g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (row, "votes"), "ann"), ==, "calm");
  }

  /* a second annotator disagrees on the first face: a tie, no label, both votes exported */
  g_assert_true (g_file_set_contents (good, "file,label\ncalm-1.png,glad\n", -1, NULL));
  g_assert_cmpint (run_cli (NULL, NULL, "project", "import", project, "--labels", good, "--annotator", "Bo", NULL),
                   ==, 0);
  g_assert_cmpint (run_cli (NULL, NULL, "project", "export", project, "--format", "jsonl", "--out", "tie.jsonl",
                            NULL), ==, 0);
  {
    g_autofree char *path = tmp_path ("tie.jsonl"), *text = NULL;
    g_auto(GStrv) lines = NULL;
    JsonObject *row = NULL, *votes;

    g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
    lines = g_strsplit (g_strstrip (text), "\n", -1);
    g_assert_cmpuint (g_strv_length (lines), ==, 6);
    for (guint i = 0; lines[i]; i++)
      {
        g_assert_true (json_parser_load_from_data (parser, lines[i], -1, NULL));
        row = json_node_get_object (json_parser_get_root (parser));
        if (json_object_get_size (json_object_get_object_member (row, "votes")) == 2)
          break;
      }
    g_assert_true (g_str_has_suffix (json_object_get_string_member (row, "file"), "calm-1.png"));
    g_assert_true (json_object_get_null_member (row, "label"));
    votes = json_object_get_object_member (row, "votes");
    g_assert_cmpuint (json_object_get_size (votes), ==, 2);
    g_assert_cmpstr (json_object_get_string_member (votes, "Bo"), ==, "glad");
  }
  /* an empty name is refused; "bo" is filed under Bo, who changes their mind: calm again */
  g_assert_cmpint (run_cli (NULL, &err, "project", "import", project, "--labels", good, "--annotator", " ", NULL), ==, 2);
  g_assert_nonnull (strstr (err, "--annotator needs a name"));
  g_clear_pointer (&err, g_free);
  g_assert_true (g_file_set_contents (good, "file,label\ncalm-1.png,calm\n", -1, NULL));
  g_assert_cmpint (run_cli (NULL, &err, "project", "import", project, "--labels", good, "--annotator", "bo", NULL), ==, 0);
  g_assert_nonnull (strstr (err, "filed under the annotator \"Bo\""));
  g_clear_pointer (&err, g_free);
  st = stats (parser, project);
  g_assert_cmpint (json_array_get_int_element (json_object_get_array_member (st, "label_counts"), 0), ==, 2);
  /* the annotators' agreement: ann and Bo share one face, alike; one class used: kappa undefined */
  {
    JsonObject *agreement = json_object_get_object_member (st, "agreement");
    JsonArray *pairs = json_object_get_array_member (agreement, "pairs");
    JsonObject *pair;

    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (agreement, "annotators")), ==, 2);
    g_assert_cmpuint (json_array_get_length (pairs), ==, 1);
    pair = json_array_get_object_element (pairs, 0);
    g_assert_cmpstr (json_object_get_string_member (pair, "a"), ==, "Bo");
    g_assert_cmpint (json_object_get_int_member (pair, "items"), ==, 1);
    g_assert_cmpfloat (json_object_get_double_member (pair, "agreement"), ==, 1);
    g_assert_true (json_object_get_null_member (pair, "cohen_kappa"));
    g_assert_true (json_object_get_null_member (agreement, "fleiss_kappa"));
    g_assert_cmpfloat (json_object_get_double_member (st, "model_agreement"), >=, 0);
  }

  /* a training set that train reads, both ways */
  g_assert_cmpint (run_cli (NULL, NULL, "project", "export", project, "--format", "folders", "--out", "set", NULL),
                   ==, 0);
  {
    g_autofree char *labels = tmp_path ("set/labels.csv"), *text = NULL, *calm = tmp_path ("set/calm");
    g_autofree char *model_a = tmp_path ("from-folders.safetensors"), *model_b = tmp_path ("from-csv.safetensors");
    g_autofree char *set = tmp_path ("set");

    g_assert_true (g_file_get_contents (labels, &text, NULL, NULL));
    g_assert_true (g_str_has_prefix (text, "image,label\ncalm/face-"));
    g_assert_true (g_file_test (calm, G_FILE_TEST_IS_DIR));
    g_assert_cmpint (run_cli (NULL, NULL, "train", "--config", "small", "--size", "16", "--folders", set,
                              "--batch", "3", "--epochs", "1", "--out", model_a, NULL), ==, 0);
    g_assert_cmpint (run_cli (NULL, NULL, "train", "--config", "small", "--size", "16", "--csv", labels,
                              "--batch", "3", "--epochs", "1", "--out", model_b, NULL), ==, 0);
    /* never into a folder that holds something */
    g_assert_cmpint (run_cli (NULL, &err, "project", "export", project, "--format", "folders", "--out", "set",
                              NULL), ==, 1);
    g_assert_nonnull (strstr (err, "not an empty folder"));
    g_clear_pointer (&err, g_free);
  }
}

/* A folder-per-class tree of pictures that are (copies of) the project's:
 * matched by content; one that is not refused with its path, and nothing
 * changes. */
static void
test_import_folders (void)
{
  g_autofree char *project = tmp_path ("crops.tfproj"), *tree = tmp_path ("tree");
  g_autofree char *err = NULL, *stranger = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *st;

  for (int c = 0; c < 3; c++)
    {
      g_autofree char *dir = g_build_filename (tree, names[(c + 1) % 3], NULL);
      g_autofree char *from = g_strdup_printf ("%s/pics/%s-0.png", tmpdir, names[c]);
      g_autofree char *to = g_strdup_printf ("%s/copy-%d.png", dir, c);
      g_autofree char *data = NULL;
      gsize len;

      g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
      g_assert_true (g_file_get_contents (from, &data, &len, NULL));
      g_assert_true (g_file_set_contents (to, data, (gssize) len, NULL));
    }
  stranger = g_build_filename (tree, "calm", "stranger.png", NULL);
  make_picture (stranger, 0, 9);
  g_assert_cmpint (run_cli (NULL, &err, "project", "import", project, "--folders", tree, "--annotator", "ann", NULL), ==, 1);
  g_assert_nonnull (strstr (err, "stranger.png"));
  st = stats (parser, project);
  g_assert_cmpint (json_array_get_int_element (json_object_get_array_member (st, "label_counts"), 0), ==, 2);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (g_unlink (stranger), ==, 0);
  g_assert_cmpint (run_cli (NULL, NULL, "project", "import", project, "--folders", tree, "--annotator", "ann", NULL), ==, 0);
  st = stats (parser, project);
  /* the same annotator changed their mind: calm-0 is now glad, glad-0 cross, cross-0 calm */
  g_assert_cmpint (json_object_get_int_member (st, "labelled"), ==, 6);
  g_assert_cmpint (json_object_get_int_member (st, "compared"), ==, 6);
  for (guint k = 0; k < 3; k++)
    g_assert_cmpint (json_array_get_int_element (json_object_get_array_member (st, "label_counts"), k), ==, 2);
}

/* check: a moved picture is missing (exit 1, named), found again with
 * --relink; a read-only project refuses an import with the reason. */
static void
test_check (void)
{
  g_autofree char *project = tmp_path ("crops.tfproj"), *out = NULL, *err = NULL;
  g_autofree char *from = tmp_path ("pics/glad-1.png"), *away = tmp_path ("away"), *to = NULL;
  g_autofree char *good = tmp_path ("good.csv");

  g_assert_cmpint (run_cli (&out, NULL, "project", "check", project, NULL), ==, 0);
  g_assert_nonnull (strstr (out, "sound"));
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (g_mkdir (away, 0755), ==, 0);
  to = g_build_filename (away, "glad-1.png", NULL);
  g_assert_cmpint (g_rename (from, to), ==, 0);
  g_assert_cmpint (run_cli (&out, NULL, "project", "check", project, NULL), ==, 1);
  g_assert_nonnull (strstr (out, "glad-1.png: missing"));
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (run_cli (&out, NULL, "project", "check", project, "--relink", away, NULL), ==, 0);
  g_assert_nonnull (strstr (out, "1 relinked"));
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (run_cli (&out, NULL, "project", "check", project, NULL), ==, 0);

  g_assert_cmpint (g_chmod (project, 0444), ==, 0);
  g_assert_cmpint (run_cli (NULL, &err, "project", "import", project, "--labels", good, NULL), ==, 1);
  g_assert_nonnull (strstr (err, "read-only"));
  g_assert_cmpint (g_chmod (project, 0644), ==, 0);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (run_cli (NULL, &err, "project", "stats", sample, NULL), ==, 1);
  g_assert_nonnull (strstr (err, "not a TransFER project"));
}

/* Two media with one base name: a CSV that names it so is told which. */
static void
test_ambiguous_name (void)
{
  g_autofree char *a = tmp_path ("twins/a"), *b = tmp_path ("twins/b"), *pa = NULL, *pb = NULL;
  g_autofree char *project = tmp_path ("twins.tfproj"), *csv = tmp_path ("twins.csv"), *err = NULL;

  g_assert_cmpint (g_mkdir_with_parents (a, 0755), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (b, 0755), ==, 0);
  pa = g_build_filename (a, "face.png", NULL);
  pb = g_build_filename (b, "face.png", NULL);
  make_picture (pa, 0, 1);
  make_picture (pb, 1, 1);
  g_assert_cmpint (run_cli (NULL, NULL, "project", "new", "--quiet", "--crops", "--model", model_path, project, pa,
                            pb, NULL), ==, 0);
  g_assert_true (g_file_set_contents (csv, "file,label\nface.png,calm\n", -1, NULL));
  g_assert_cmpint (run_cli (NULL, &err, "project", "import", project, "--labels", csv, NULL), ==, 1);
  g_assert_nonnull (strstr (err, "twins.csv:2: 'face.png' matches 2 media"));
  g_assert_nonnull (strstr (err, "twins/a/face.png"));
}

/* copy: a project under another name in another folder, sound there (its
 * media found), the same faces and labels; never over a file. */
static void
test_copy (void)
{
  g_autofree char *project = tmp_path ("crops.tfproj"), *dir = tmp_path ("copies/here"), *dest = NULL;
  g_autofree char *out = NULL, *err = NULL, *a = NULL, *b = NULL;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  dest = g_build_filename (dir, "copy.tfproj", NULL);
  g_assert_cmpint (run_cli (&out, NULL, "project", "copy", project, dest, NULL), ==, 0);
  g_assert_nonnull (strstr (out, "copy.tfproj"));
  g_assert_cmpint (run_cli (&out, NULL, "project", "check", dest, NULL), ==, 0);
  g_assert_nonnull (strstr (out, "sound: 6 media, 0 missing"));
  g_assert_cmpint (run_cli (&a, NULL, "project", "stats", project, "--format", "json", NULL), ==, 0);
  g_assert_cmpint (run_cli (&b, NULL, "project", "stats", dest, "--format", "json", NULL), ==, 0);
  g_assert_cmpstr (a, ==, b);
  g_assert_nonnull (strstr (b, "\"labelled\":6"));

  g_assert_cmpint (run_cli (NULL, &err, "project", "copy", project, dest, NULL), ==, 1);
  g_assert_nonnull (strstr (err, "already exists"));
  g_assert_cmpint (run_cli (NULL, &err, "project", "copy", project, "copy.sqlite", NULL), ==, 2);
  g_assert_nonnull (strstr (err, ".tfproj"));
  g_assert_cmpint (run_cli (NULL, &err, "project", "copy", sample, "x.tfproj", NULL), ==, 1);
  g_assert_nonnull (strstr (err, "not a TransFER project"));

  /* bench --project imports and undoes labels in a copy: the project is not changed */
  g_assert_cmpint (run_cli (&out, NULL, "bench", "--project", project, "--iters", "1", "--labels", "4", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "faces=6 "));
  g_assert_nonnull (strstr (out, "import_labels=4 "));
  g_assert_nonnull (strstr (out, "undo_labels=4 "));
  g_assert_cmpint (run_cli (&b, NULL, "project", "stats", project, "--format", "json", NULL), ==, 0);
  g_assert_cmpstr (a, ==, b);
}

/* ---- fine-tuning on a project's labels ---------------------------------------------------- */

/* A project of 3 classes x 8 crops, @per_class of each labelled (0: none;
 * with @one_class only the first class's). */
static char *
make_labelled_project (const char *name,
                       int         per_class,
                       gboolean    one_class)
{
  g_autofree char *dir = g_strdup_printf ("%s/%s-pics", tmpdir, name);
  g_autofree char *csv_path = g_strdup_printf ("%s/%s.csv", tmpdir, name);
  char *project = g_strdup_printf ("%s/%s.tfproj", tmpdir, name);
  g_autoptr(GString) csv = g_string_new ("file,label\n");

  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  for (int c = 0; c < 3; c++)
    for (int i = 0; i < 8; i++)
      {
        g_autofree char *file = g_strdup_printf ("%s/%s-%d.png", dir, names[c], i);
        make_picture (file, c, i);
        if (i < per_class && (!one_class || c == 0))
          g_string_append_printf (csv, "%s,%s\n", file, names[c]);
      }
  g_assert_cmpint (run_cli (NULL, NULL, "project", "new", "--crops", "--model", model_path, project, dir, NULL), ==, 0);
  g_assert_true (g_file_set_contents (csv_path, csv->str, -1, NULL));
  if (per_class > 0)
    g_assert_cmpint (run_cli (NULL, NULL, "project", "import", project, "--labels", csv_path, NULL), ==, 0);
  return project;
}

/* finetune --project: the held-out before and after in the report, the
 * model saved with it; what stops a fine-tune is said and exits 1; the
 * shipped model is never the output. */
static void
test_finetune (void)
{
  g_autofree char *project = make_labelled_project ("ft", 6, FALSE);
  g_autofree char *single = make_labelled_project ("ft-one", 6, TRUE);
  g_autofree char *none = make_labelled_project ("ft-none", 0, FALSE);
  g_autofree char *few = make_labelled_project ("ft-few", 3, FALSE);
  g_autofree char *out = tmp_path ("ft.safetensors"), *report = tmp_path ("ft.json");
  g_autofree char *shipped = g_test_build_filename (G_TEST_DIST, "..", "data", "models",
                                                    "transfer-ferplus.safetensors", NULL);
  g_autofree char *o = NULL, *e = NULL, *text = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(TfModel) model = NULL;
  g_autoptr(GError) error = NULL;
  JsonObject *r;

  g_assert_cmpint (run_cli (&o, &e, "finetune", "--from", model_path, "--project", project, "--preset", "head",
                            "--epochs", "2", "--report", report, "--out", out, NULL), ==, 0);
  g_assert_nonnull (strstr (o, "accuracy: "));
  g_assert_nonnull (strstr (o, " -> "));
  g_assert_true (g_file_get_contents (report, &text, NULL, NULL));
  g_assert_true (json_parser_load_from_data (parser, text, -1, &error));
  g_assert_no_error (error);
  r = json_node_get_object (json_parser_get_root (parser));
  /* 20 % of each class by picture: one or two of six */
  g_assert_cmpint (json_object_get_int_member (r, "train") + json_object_get_int_member (r, "holdout"), ==, 18);
  g_assert_cmpint (json_object_get_int_member (r, "holdout"), >=, 3);
  g_assert_cmpint (json_object_get_int_member (r, "unlabelled"), ==, 6);
  g_assert_cmpint (json_array_get_length (json_object_get_array_member (r, "epochs")), ==, 2);
  g_assert_true (json_object_has_member (json_object_get_object_member (r, "before"), "confusion"));
  g_assert_true (json_object_has_member (json_object_get_object_member (r, "after"), "macro_f1"));
  model = tf_model_load (out, &error);
  g_assert_no_error (error);
  g_assert_nonnull (g_hash_table_lookup (model->metadata, "finetune"));
  g_assert_cmpstr (g_hash_table_lookup (model->metadata, "finetune.start_file"), ==, "small16.safetensors");
  g_assert_cmpuint (strlen (g_hash_table_lookup (model->metadata, "finetune.start_sha256")), ==, 64);
  g_assert_nonnull (g_hash_table_lookup (model->metadata, "finetune.date"));
  g_assert_cmpstr (g_hash_table_lookup (model->metadata, "dataset"), ==, project);
  g_assert_nonnull (strstr (g_hash_table_lookup (model->metadata, "recipe"), "transfer-cli finetune"));

  /* killed with SIGKILL once its first checkpoint is written, then run
   * again: the same weights as a run never interrupted */
  {
    g_autofree char *ck = tmp_path ("ft.ckpt"), *whole = tmp_path ("ft-whole.safetensors");
    g_autofree char *resumed = tmp_path ("ft-resumed.safetensors");
    const char *argv[] = { cli, "finetune", "--from", model_path, "--project", project, "--preset", "all",
                           "--epochs", "6", "--checkpoint", ck, "--out", resumed, NULL };
    g_autoptr(TfModel) a = NULL, b = NULL;
    GPid pid;
    int wstatus;

    g_assert_cmpint (run_cli (&o, &e, "finetune", "--from", model_path, "--project", project, "--preset", "all",
                              "--epochs", "6", "--out", whole, NULL), ==, 0);
    g_assert_true (g_spawn_async (tmpdir, (char **) argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL
                                  | G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &pid, &error));
    g_assert_no_error (error);
    while (!g_file_test (ck, G_FILE_TEST_EXISTS))
      g_usleep (2000);
    g_assert_cmpint (kill (pid, SIGKILL), ==, 0);
    g_assert_cmpint (waitpid (pid, &wstatus, 0), ==, pid);
    g_spawn_close_pid (pid);
    g_assert_true (WIFSIGNALED (wstatus));
    g_assert_false (g_file_test (resumed, G_FILE_TEST_EXISTS));
    g_assert_cmpint (run_cli (&o, &e, "finetune", "--from", model_path, "--project", project, "--preset", "all",
                              "--epochs", "6", "--checkpoint", ck, "--out", resumed, NULL), ==, 0);
    g_assert_nonnull (strstr (e, "resum"));
    a = tf_model_load (whole, &error);
    g_assert_no_error (error);
    b = tf_model_load (resumed, &error);
    g_assert_no_error (error);
    g_assert_cmpmem (a->params, a->n_params * sizeof (float), b->params, b->n_params * sizeof (float));
    g_assert_false (g_file_test (ck, G_FILE_TEST_EXISTS));
  }

  /* everything trains with --holdout 0: no before and after */
  g_assert_cmpint (run_cli (&o, &e, "finetune", "--from", model_path, "--project", project, "--preset", "head",
                            "--epochs", "1", "--holdout", "0", "--report", report, "--out", out, NULL), ==, 0);
  g_clear_pointer (&text, g_free);
  g_assert_true (g_file_get_contents (report, &text, NULL, NULL));
  g_assert_nonnull (strstr (text, "\"train\":18,\"holdout\":0"));
  g_assert_nonnull (strstr (text, "\"before\":null"));

  /* what stops it, in words, and nothing written */
  g_assert_cmpint (g_remove (out), ==, 0);
  g_assert_cmpint (run_cli (&o, &e, "finetune", "--from", model_path, "--project", single, "--out", out, NULL), ==, 1);
  g_assert_nonnull (strstr (e, "every labelled face is calm"));
  g_assert_cmpint (run_cli (&o, &e, "finetune", "--from", model_path, "--project", none, "--out", out, NULL), ==, 1);
  g_assert_nonnull (strstr (e, "no face is labelled"));
  g_assert_cmpint (run_cli (&o, &e, "finetune", "--from", model_path, "--project", few, "--out", out, NULL), ==, 1);
  g_assert_nonnull (strstr (e, "only 3 faces are labelled calm"));
  g_assert_false (g_file_test (out, G_FILE_TEST_EXISTS));

  /* the shipped model is never overwritten; a bad preset or share is refused */
  g_assert_cmpint (run_cli (&o, &e, "finetune", "--project", project, "--out", shipped, NULL), ==, 2);
  g_assert_nonnull (strstr (e, "never overwritten"));
  g_assert_cmpint (run_cli (&o, &e, "finetune", "--project", project, "--preset", "most", "--out", out, NULL), ==, 2);
  g_assert_nonnull (strstr (e, "--preset"));
  g_assert_cmpint (run_cli (&o, &e, "finetune", "--project", project, "--holdout", "1", "--out", out, NULL), ==, 2);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(TfModel) model = NULL;
  const char *const classes[] = { "calm", "glad", "cross", NULL };
  TfConfig config;
  int ret;

  g_test_init (&argc, &argv, NULL);
  cli = g_strdup (g_getenv ("TRANSFER_CLI"));
  if (cli == NULL)
    cli = g_test_build_filename (G_TEST_BUILT, "..", "app", "cli", "transfer-cli", NULL);
  tmpdir = g_dir_make_tmp ("tf-test-cli-project-XXXXXX", NULL);
  sample = g_test_build_filename (G_TEST_DIST, "..", "data", "astronaut.png", NULL);
  model_path = tmp_path ("small16.safetensors");
  g_assert_true (tf_config_preset ("small", 3, &config));
  config.input_size = 16;
  model = tf_model_new (&config, classes);
  tf_model_init_random (model, 3);
  g_assert_true (tf_model_save (model, model_path, TF_DTYPE_F32, NULL));

  g_test_add_func ("/cli-project/photo", test_photo);
  g_test_add_func ("/cli-project/crops", test_crops);
  g_test_add_func ("/cli-project/import-folders", test_import_folders);
  g_test_add_func ("/cli-project/check", test_check);
  g_test_add_func ("/cli-project/ambiguous-name", test_ambiguous_name);
  g_test_add_func ("/cli-project/copy", test_copy);
  g_test_add_func ("/cli-project/finetune", test_finetune);
  ret = g_test_run ();

  tf_test_remove_tmpdir (tmpdir);
  g_free (model_path);
  g_free (sample);
  g_free (cli);
  return ret;
}
