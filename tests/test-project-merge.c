/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Merging projects (tf_project_merge, `transfer-cli project merge`): the
 * same media by content wherever it is, the same face by box overlap,
 * every annotator's votes with the conflicts said and the later kept, the
 * labels resolved again, bad inputs refused with nothing written, a full
 * disk leaving nothing. */
#include <errno.h>
#include <glib/gstdio.h>
#include <sqlite3.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tf-project.h"
#include "tf-test-util.h"

static char *tmpdir;
static char *cli;

static char *
tmp_path (const char *name)
{
  return g_build_filename (tmpdir, name, NULL);
}

static void
write_file (const char *path,
            const char *text)
{
  g_autofree char *dir = g_path_get_dirname (path);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  g_assert_true (g_file_set_contents (path, text, -1, NULL));
}

static guint
count_entries (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  guint n = 0;

  g_assert_nonnull (d);
  while (g_dir_read_name (d))
    n++;
  return n;
}

static gint64
add_face (TfProject *p,
          gint64     media,
          gint64     run,
          double     x,
          double     y,
          double     size)
{
  g_autoptr(GError) error = NULL;
  guint8 crop[3 * 4 * 4] = { 0 };
  TfProjectNewFace nf = { .media = media, .run = run, .det = { .x = x, .y = y, .w = size, .h = size, .score = 0.9f },
                          .crop = crop, .crop_size = 4 };
  float probs[3] = { 0.5f, 0.3f, 0.2f };
  gint64 face = tf_project_add_face (p, &nf, &error);

  g_assert_no_error (error);
  g_assert_cmpint (face, >, 0);
  g_assert_true (tf_project_add_prediction (p, face, run, probs, 3, &error));
  g_assert_no_error (error);
  return face;
}

static void
vote (TfProject  *p,
      gint64      face,
      const char *label,
      const char *annotator)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (tf_project_set_label (p, face, tf_project_find_label (p, label), TF_LABEL_PERSON, annotator, NULL,
                                       &error));
  g_assert_no_error (error);
}

static void
final (TfProject  *p,
       gint64      face,
       const char *label,
       const char *adjudicator)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (tf_project_set_final_label (p, face, tf_project_find_label (p, label), adjudicator, NULL, &error));
  g_assert_no_error (error);
}

/* Moves every vote of the project @path @seconds later (a vote given later). */
static void
shift_times (const char *path,
             int         seconds)
{
  sqlite3 *db = NULL;
  g_autofree char *sql = g_strdup_printf ("UPDATE votes SET time = time + %d", seconds);

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, sql, NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);
}

static gboolean
said (TfProjectMergeReport *r,
      const char           *a,
      const char           *b,
      const char           *c)
{
  for (guint i = 0; i < r->messages->len; i++)
    {
      const char *m = r->messages->pdata[i];
      if (strstr (m, a) && (!b || strstr (m, b)) && (!c || strstr (m, c)))
        return TRUE;
    }
  return FALSE;
}

/* A (in a/) and B (in b/): the same picture under two names, the same
 * shared/same.png path holding different content when each was made,
 * overlapping faces, different class lists, "Alice"/"alice". */
static void
make_pair (char **a_out,
           char **b_out)
{
  const char *const a_classes[] = { "calm", "glad", "cross", NULL };
  const char *const b_classes[] = { "glad", "cross", "fear", NULL };
  g_autofree char *a = tmp_path ("a/A.tfproj"), *b = tmp_path ("b/B.tfproj");
  g_autofree char *x_a = tmp_path ("a/photos/x.png"), *x_b = tmp_path ("b/pics/renamed.png");
  g_autofree char *y = tmp_path ("y.png"), *same = tmp_path ("shared/same.png");
  g_autoptr(GError) error = NULL;
  TfProject *p;
  gint64 run, mx, my, ms, f1, f2, f3, fs;

  write_file (x_a, "picture X");
  write_file (x_b, "picture X");
  write_file (y, "picture Y");
  write_file (same, "first content");

  p = tf_project_open (a, TF_PROJECT_CREATE, &error);
  g_assert_no_error (error);
  run = tf_project_add_run (p, NULL, a_classes, "{\"test\":true}", &error);
  g_assert_true (tf_project_set_setting (p, TF_PROJECT_SETTING_CROPS, "1", &error));
  mx = tf_project_add_media (p, x_a, TF_MEDIA_IMAGE, 200, 100, 0, &error);
  my = tf_project_add_media (p, y, TF_MEDIA_IMAGE, 200, 100, 0, &error);
  ms = tf_project_add_media (p, same, TF_MEDIA_IMAGE, 200, 100, 0, &error);
  g_assert_no_error (error);
  f1 = add_face (p, mx, run, 0, 0, 40);
  f2 = add_face (p, mx, run, 100, 0, 40);
  f3 = add_face (p, my, run, 10, 10, 40);
  fs = add_face (p, ms, run, 10, 10, 40);
  vote (p, f1, "glad", "Alice");
  vote (p, f1, "calm", "bob");
  vote (p, f2, "cross", "Alice");
  final (p, f3, "calm", "dan");
  vote (p, fs, "calm", "bob");
  tf_project_close (p);

  write_file (same, "second content");
  p = tf_project_open (b, TF_PROJECT_CREATE, &error);
  g_assert_no_error (error);
  run = tf_project_add_run (p, NULL, b_classes, "{\"test\":true}", &error);
  mx = tf_project_add_media (p, x_b, TF_MEDIA_IMAGE, 200, 100, 0, &error);
  my = tf_project_add_media (p, y, TF_MEDIA_IMAGE, 200, 100, 0, &error);
  ms = tf_project_add_media (p, same, TF_MEDIA_IMAGE, 200, 100, 0, &error);
  g_assert_no_error (error);
  /* IoU 0.68 with A's first face: the same face */
  f1 = add_face (p, mx, run, 4, 4, 40);
  /* IoU 0.33 with A's second face: a face of its own */
  f2 = add_face (p, mx, run, 120, 0, 40);
  f3 = add_face (p, my, run, 10, 10, 40);
  fs = add_face (p, ms, run, 10, 10, 40);
  vote (p, f1, "cross", "alice");
  vote (p, f1, "cross", "carol");
  vote (p, f2, "fear", "carol");
  final (p, f3, "glad", "erin");
  vote (p, fs, "fear", "bob");
  tf_project_close (p);
  /* B's votes were given later */
  shift_times (b, 100);
  *a_out = g_steal_pointer (&a);
  *b_out = g_steal_pointer (&b);
}

static int
label_of (TfProject *p,
          gint64     face,
          int       *votes,
          int       *agree)
{
  g_autoptr(GError) error = NULL;
  TfProjectLabel l;
  int label;

  g_assert_true (tf_project_get_label (p, face, &l, &error));
  g_assert_no_error (error);
  label = l.label;
  if (votes)
    *votes = l.votes;
  if (agree)
    *agree = l.agree;
  tf_project_label_clear (&l);
  return label;
}

/* The merged face at @x, @y of media @path. */
static gint64
face_at (TfProject  *p,
         const char *path,
         double      x)
{
  g_autoptr(GPtrArray) media = tf_project_list_media (p, NULL);
  g_autoptr(GError) error = NULL;
  TfProjectFilter filter;
  g_autoptr(GArray) ids = NULL;

  tf_project_filter_init (&filter);
  for (guint i = 0; i < media->len; i++)
    if (g_str_equal (((TfProjectMedia *) media->pdata[i])->path, path))
      filter.media = ((TfProjectMedia *) media->pdata[i])->id;
  g_assert_cmpint (filter.media, >, 0);
  ids = tf_project_get_queue (p, &filter, TF_QUEUE_MARGIN, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < ids->len; i++)
    {
      TfProjectFace f;
      gboolean hit;

      g_assert_true (tf_project_get_face (p, g_array_index (ids, gint64, i), 0, &f, &error));
      hit = f.det.x == x;
      tf_project_face_clear (&f);
      if (hit)
        return g_array_index (ids, gint64, i);
    }
  g_assert_not_reached ();
  return 0;
}

/* The pair of projects, for a test run alone. */
static void
ensure_pair (void)
{
  g_autofree char *a = tmp_path ("a/A.tfproj"), *b = NULL;

  if (g_file_test (a, G_FILE_TEST_EXISTS))
    return;
  g_clear_pointer (&a, g_free);
  make_pair (&a, &b);
}

static void
test_merge (void)
{
  g_autofree char *a = NULL, *b = NULL, *out = tmp_path ("out/M.tfproj"), *out_dir = tmp_path ("out");
  g_autoptr(TfProjectMergeReport) r = NULL;
  g_autoptr(TfProject) m = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) media = NULL, votes = NULL, history = NULL;
  g_auto(GStrv) classes = NULL;
  g_autofree char *crops = NULL, *joined = NULL;
  const char *inputs[3];
  gint64 f1, f2, f2b, f3;
  int n, agree;

  make_pair (&a, &b);
  inputs[0] = a, inputs[1] = b, inputs[2] = NULL;
  g_assert_cmpint (g_mkdir_with_parents (out_dir, 0755), ==, 0);
  r = tf_project_merge (out, inputs, &error);
  g_assert_no_error (error);
  g_assert_nonnull (r);
  for (guint i = 0; i < r->messages->len; i++)
    g_test_message ("%s", (const char *) r->messages->pdata[i]);
  /* only the merged project is left in its folder */
  g_assert_cmpuint (count_entries (out_dir), ==, 1);

  g_assert_cmpint (r->inputs, ==, 2);
  g_assert_cmpint (r->media, ==, 4);          /* x (two names), y, same.png twice */
  g_assert_cmpint (r->media_shared, ==, 2);
  g_assert_cmpint (r->faces, ==, 6);
  g_assert_cmpint (r->faces_matched, ==, 2);
  g_assert_cmpint (r->faces_added, ==, 6);
  g_assert_cmpint (r->runs, ==, 2);           /* the class lists differ: two runs */
  g_assert_cmpint (r->predictions, ==, 8);
  g_assert_cmpint (r->conflicts, ==, 3);      /* Alice's vote, the final label, same.png */

  /* the report names the projects and the items */
  g_assert_true (said (r, "A.tfproj lacks the class fear", NULL, NULL));
  g_assert_true (said (r, "B.tfproj lacks the class calm", NULL, NULL));
  g_assert_true (said (r, "“alice” are filed under “Alice”", "B.tfproj", "A.tfproj"));
  g_assert_true (said (r, "Conflict: Alice voted “glad” in", "“cross” in", "the later vote, “cross”, is kept"));
  g_assert_true (said (r, "Conflict: the final label", "“calm” in", "the later one, “glad”, is kept"));
  g_assert_true (said (r, "Conflict:", "shared/same.png", "with different content"));
  g_assert_true (said (r, "crops", "B.tfproj lacks the setting", NULL));
  g_assert_true (said (r, "the same content", "pics/renamed.png = ../a/photos/x.png", NULL));

  m = tf_project_open (out, TF_PROJECT_OPEN, &error);
  g_assert_no_error (error);
  classes = tf_project_get_classes (m);
  joined = g_strjoinv (",", classes);
  g_assert_cmpstr (joined, ==, "calm,glad,cross,fear");
  crops = tf_project_get_setting (m, TF_PROJECT_SETTING_CROPS);
  g_assert_cmpstr (crops, ==, "1");

  /* paths relative to the merged project's folder; the second same.png
   * under a name of its own, missing until relinked */
  media = tf_project_list_media (m, &error);
  g_assert_cmpuint (media->len, ==, 4);
  g_assert_cmpstr (((TfProjectMedia *) media->pdata[0])->path, ==, "../a/photos/x.png");
  g_assert_cmpstr (((TfProjectMedia *) media->pdata[1])->path, ==, "../y.png");
  g_assert_cmpstr (((TfProjectMedia *) media->pdata[2])->path, ==, "../shared/same.png");
  g_assert_false (((TfProjectMedia *) media->pdata[2])->missing);
  g_assert_cmpstr (((TfProjectMedia *) media->pdata[3])->path, ==, "../shared/same.png (B.tfproj)");
  g_assert_true (((TfProjectMedia *) media->pdata[3])->missing);
  g_assert_cmpstr (((TfProjectMedia *) media->pdata[2])->sha256, !=, ((TfProjectMedia *) media->pdata[3])->sha256);

  /* the matched face carries A's and B's votes; Alice's later one kept */
  f1 = face_at (m, "../a/photos/x.png", 0);
  votes = tf_project_get_votes (m, f1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (votes->len, ==, 3);
  g_assert_cmpstr (((TfProjectLabel *) votes->pdata[0])->annotator, ==, "Alice");
  g_assert_cmpint (((TfProjectLabel *) votes->pdata[0])->label, ==, 2);
  g_assert_cmpstr (((TfProjectLabel *) votes->pdata[1])->annotator, ==, "bob");
  g_assert_cmpint (((TfProjectLabel *) votes->pdata[1])->label, ==, 0);
  g_assert_cmpstr (((TfProjectLabel *) votes->pdata[2])->annotator, ==, "carol");
  g_assert_cmpint (label_of (m, f1, &n, &agree), ==, 2);   /* cross, 2 of 3 */
  g_assert_cmpint (n, ==, 3);
  g_assert_cmpint (agree, ==, 2);

  /* below the IoU: two faces */
  f2 = face_at (m, "../a/photos/x.png", 100);
  f2b = face_at (m, "../a/photos/x.png", 120);
  g_assert_cmpint (f2, !=, f2b);
  g_assert_cmpint (label_of (m, f2, NULL, NULL), ==, 2);
  g_assert_cmpint (label_of (m, f2b, NULL, NULL), ==, 3);  /* B's fear, remapped */

  /* the later final label */
  f3 = face_at (m, "../y.png", 10);
  g_assert_cmpint (label_of (m, f3, NULL, NULL), ==, 1);

  /* the faces of both same.png stay apart */
  g_assert_cmpint (label_of (m, face_at (m, "../shared/same.png", 10), NULL, NULL), ==, 0);
  g_assert_cmpint (label_of (m, face_at (m, "../shared/same.png (B.tfproj)", 10), NULL, NULL), ==, 3);

  /* no undo history; a sound project */
  history = tf_project_get_label_history (m, f1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (history->len, ==, 0);
  {
    g_autoptr(TfProjectReport) check = tf_project_check (m, NULL, &error);
    g_assert_no_error (error);
    /* the renamed same.png is missing: its one problem */
    g_assert_cmpuint (check->problems->len, ==, 1);
    g_assert_nonnull (strstr (check->problems->pdata[0], "same.png (B.tfproj)"));
  }
  /* the merged project takes new votes */
  vote (m, f2b, "calm", "Alice");
  g_assert_cmpint (label_of (m, f2b, NULL, NULL), ==, -3);  /* a tie: 1-1 */

  /* an existing OUT is refused and kept */
  g_clear_pointer (&m, tf_project_close);
  g_assert_null (tf_project_merge (out, inputs, &error));
  g_assert_error (error, TF_PROJECT_ERROR, TF_PROJECT_ERROR_EXISTS);
  g_assert_nonnull (strstr (error->message, "M.tfproj"));
}

/* A track the other project continues keeps the merged face's track; a
 * track of its own gets a number the media does not use. */
static void
test_tracks (void)
{
  const char *const classes[] = { "calm", "glad", NULL };
  g_autofree char *video = tmp_path ("tracks/v.webm"), *a = tmp_path ("tracks/A.tfproj");
  g_autofree char *b = tmp_path ("tracks/B.tfproj"), *out = tmp_path ("tracks/M.tfproj");
  g_autoptr(GError) error = NULL;
  g_autoptr(TfProjectMergeReport) r = NULL;
  g_autoptr(TfProject) m = NULL;
  const char *inputs[] = { a, b, NULL };
  struct { int frame; double x; int track; } want[] = {
    { 0, 0, 1 }, { 1, 0, 1 }, { 2, 2, 1 }, { 0, 300, 2 },
  };

  write_file (video, "a video");
  for (int k = 0; k < 2; k++)
    {
      g_autoptr(TfProject) p = tf_project_open (k ? b : a, TF_PROJECT_CREATE, &error);
      gint64 run, media;

      g_assert_no_error (error);
      run = tf_project_add_run (p, NULL, classes, NULL, &error);
      media = tf_project_add_media (p, video, TF_MEDIA_VIDEO, 640, 480, 1, &error);
      g_assert_no_error (error);
      for (int frame = 0; frame < (k ? 3 : 2); frame++)
        {
          /* B's are 2 px off, its track 5; it sees frame 2 too */
          TfProjectNewFace nf = { .media = media, .run = run, .frame = frame, .track = k ? 5 : 1,
                                  .det = { .x = k ? 2 : 0, .w = 50, .h = 50, .score = 0.9f } };
          g_assert_cmpint (tf_project_add_face (p, &nf, &error), >, 0);
        }
      if (k)
        {
          /* and another face, its track 6 */
          TfProjectNewFace nf = { .media = media, .run = run, .track = 6, .det = { .x = 300, .w = 50, .h = 50 } };
          g_assert_cmpint (tf_project_add_face (p, &nf, &error), >, 0);
        }
    }
  r = tf_project_merge (out, inputs, &error);
  g_assert_no_error (error);
  g_assert_cmpint (r->faces, ==, 4);
  g_assert_cmpint (r->faces_matched, ==, 2);
  g_assert_cmpint (r->runs, ==, 1);     /* the same (synthetic) run */
  m = tf_project_open (out, TF_PROJECT_READ_ONLY, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (want); i++)
    {
      TfProjectFace f;

      g_assert_true (tf_project_get_face (m, (gint64) i + 1, 0, &f, &error));
      g_assert_cmpint (f.frame, ==, want[i].frame);
      g_assert_cmpfloat (f.det.x, ==, want[i].x);
      g_assert_cmpint (f.track, ==, want[i].track);
      tf_project_face_clear (&f);
    }
}

/* A project of the older format (1): only read, a copy of it updated and
 * merged, first or not. */
static void
test_older_format (void)
{
  g_autofree char *a = tmp_path ("a/A.tfproj"), *b = tmp_path ("b/B.tfproj"), *old = tmp_path ("a/old.tfproj");
  g_autofree char *before = NULL, *after = NULL;
  g_autoptr(GError) error = NULL;
  sqlite3 *db = NULL;
  gsize len_before, len_after;

  ensure_pair ();
  {
    g_autofree char *data = NULL;
    gsize len;

    g_assert_true (g_file_get_contents (a, &data, &len, NULL));
    g_assert_true (g_file_set_contents (old, data, (gssize) len, NULL));
  }
  /* back to format 1, as that version wrote it (the final label goes) */
  g_assert_cmpint (sqlite3_open (old, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "DELETE FROM labels WHERE face IN (SELECT face FROM votes WHERE final = 1); "
                                     "DROP TABLE votes; DROP TABLE splits; ALTER TABLE labels DROP COLUMN final; "
                                     "ALTER TABLE labels DROP COLUMN votes; ALTER TABLE labels DROP COLUMN agree; "
                                     "ALTER TABLE label_history DROP COLUMN final; PRAGMA user_version = 1",
                                 NULL, NULL, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_close (db), ==, SQLITE_OK);
  g_assert_true (g_file_get_contents (old, &before, &len_before, NULL));

  for (int first = 0; first < 2; first++)
    {
      g_autofree char *out = tmp_path (first ? "older-first.tfproj" : "older-second.tfproj");
      const char *inputs[] = { first ? old : b, first ? b : old, NULL };
      g_autoptr(TfProjectMergeReport) r = tf_project_merge (out, inputs, &error);
      g_autoptr(TfProject) m = NULL;
      g_autoptr(TfProjectReport) check = NULL;

      g_assert_no_error (error);
      for (guint i = 0; i < r->messages->len; i++)
        g_test_message ("%s", (const char *) r->messages->pdata[i]);
      g_assert_true (said (r, "old.tfproj is of an older project format", NULL, NULL));
      g_assert_cmpint (r->faces, ==, 6);
      g_assert_cmpint (r->faces_matched, ==, 2);
      /* B's 5 votes, and the 2 labels format 1 kept (one per face, the
       * resolved one: Alice's on the second face, bob's on same.png) as
       * votes of the update */
      g_assert_cmpint (r->votes, ==, 7);
      g_assert_true (said (r, first ? "votes of “alice” are filed under “Alice”"
                                    : "votes of “Alice” are filed under “alice”", NULL, NULL));
      m = tf_project_open (out, TF_PROJECT_READ_ONLY, &error);
      g_assert_no_error (error);
      /* the media paths are the input's, made relative to the merged one */
      check = tf_project_check (m, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (check->problems->len, ==, 1);   /* the renamed same.png */
    }
  /* the older project is as it was, and no copy is left beside the merged ones */
  g_assert_true (g_file_get_contents (old, &after, &len_after, NULL));
  g_assert_cmpuint (len_after, ==, len_before);
  g_assert_true (memcmp (before, after, len_before) == 0);
  {
    g_autoptr(GDir) d = g_dir_open (tmpdir, 0, NULL);
    const char *name;

    while ((name = g_dir_read_name (d)))
      g_assert_false (strstr (name, ".merge-"));
  }
}

/* The merge's checks: nothing written, the message names the file. */
static void
test_bad_input (void)
{
  g_autofree char *a = tmp_path ("a/A.tfproj"), *b = tmp_path ("b/B.tfproj"), *dir = tmp_path ("bad");
  g_autofree char *out = tmp_path ("bad/out.tfproj"), *text = tmp_path ("bad/notes.tfproj");
  g_autofree char *again = tmp_path ("a/../a/A.tfproj"), *newer = tmp_path ("bad/newer.tfproj");
  g_autoptr(GError) error = NULL;
  g_autoptr(TfProjectMergeReport) r = NULL;
  sqlite3 *db = NULL;

  ensure_pair ();
  write_file (text, "not a project");
  {
    const char *none[] = { NULL };
    g_assert_null (tf_project_merge (out, none, &error));
    g_assert_error (error, TF_PROJECT_ERROR, TF_PROJECT_ERROR_INVALID);
    g_clear_error (&error);
  }
  {
    const char *inputs[] = { a, text, NULL };
    g_assert_null (tf_project_merge (out, inputs, &error));
    g_assert_error (error, TF_PROJECT_ERROR, TF_PROJECT_ERROR_NOT_PROJECT);
    g_assert_nonnull (strstr (error->message, "notes.tfproj"));
    g_clear_error (&error);
  }
  {
    const char *inputs[] = { a, b, again, NULL };
    g_assert_null (tf_project_merge (out, inputs, &error));
    g_assert_error (error, TF_PROJECT_ERROR, TF_PROJECT_ERROR_INVALID);
    g_assert_nonnull (strstr (error->message, "given twice"));
    g_clear_error (&error);
  }
  {
    const char *inputs[] = { a, b, NULL };
    g_assert_null (tf_project_merge (a, inputs, &error));
    g_assert_error (error, TF_PROJECT_ERROR, TF_PROJECT_ERROR_INVALID);
    g_assert_nonnull (strstr (error->message, "A.tfproj"));
    g_clear_error (&error);
  }
  /* a project of a newer version */
  {
    const char *inputs[] = { a, newer, NULL };
    g_autoptr(TfProject) p = tf_project_open (newer, TF_PROJECT_CREATE, &error);
    g_assert_no_error (error);
    g_clear_pointer (&p, tf_project_close);
    g_assert_cmpint (sqlite3_open (newer, &db), ==, SQLITE_OK);
    g_assert_cmpint (sqlite3_exec (db, "PRAGMA user_version = 99", NULL, NULL, NULL), ==, SQLITE_OK);
    sqlite3_close (db);
    g_assert_null (tf_project_merge (out, inputs, &error));
    g_assert_error (error, TF_PROJECT_ERROR, TF_PROJECT_ERROR_TOO_NEW);
    g_assert_nonnull (strstr (error->message, "newer.tfproj"));
    g_clear_error (&error);
  }
  /* a damaged one (cut in half) */
  {
    g_autofree char *half = tmp_path ("bad/half.tfproj"), *data = NULL;
    const char *inputs[] = { half, b, NULL };
    gsize len;

    g_assert_true (g_file_get_contents (a, &data, &len, NULL));
    g_assert_true (g_file_set_contents (half, data, (gssize) len / 2, NULL));
    g_assert_null (tf_project_merge (out, inputs, &error));
    g_assert_error (error, TF_PROJECT_ERROR, TF_PROJECT_ERROR_NOT_PROJECT);
    g_assert_nonnull (strstr (error->message, "half.tfproj"));
    g_clear_error (&error);
  }
  g_assert_false (g_file_test (out, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (count_entries (dir), ==, 3);   /* notes, newer, half */

  /* what a merge killed half-way left (its process gone) is removed by
   * the next merge to that name */
  {
    g_autofree char *stale = tmp_path ("bad/.out.tfproj.merge-999999-0badf00d");
    g_autofree char *stale_lock = tmp_path ("bad/.out.tfproj.merge-999999-0badf00d-lock");
    g_autofree char *stale_copy = tmp_path ("bad/..out.tfproj.merge-999999-0badf00d.copy-999999-AbCdEf");

    write_file (stale, "half a project");
    write_file (stale_lock, "");
    write_file (stale_copy, "half a copy");
  }
  /* one project: a copy of it without its history */
  {
    const char *inputs[] = { a, NULL };
    g_autoptr(TfProject) p = NULL;
    r = tf_project_merge (out, inputs, &error);
    g_assert_no_error (error);
    g_assert_cmpint (r->faces, ==, 4);
    g_assert_cmpint (r->conflicts, ==, 0);
    g_assert_cmpuint (r->messages->len, ==, 0);
    p = tf_project_open (out, TF_PROJECT_READ_ONLY, &error);
    g_assert_no_error (error);
    g_assert_cmpint (tf_project_count_faces (p, NULL, &error), ==, 4);
    g_clear_pointer (&p, tf_project_close);
    /* notes, newer, half, out: the stale files are gone */
    g_assert_cmpuint (count_entries (dir), ==, 4);
  }
}

/* An input another program is writing: its saved state merged, said. */
static void
test_busy_input (void)
{
  g_autofree char *a = tmp_path ("a/A.tfproj"), *b = tmp_path ("b/B.tfproj"), *out = tmp_path ("busy.tfproj");
  g_autoptr(GError) error = NULL;
  g_autoptr(TfProject) writer = (ensure_pair (), tf_project_open (b, TF_PROJECT_OPEN, &error));
  g_autoptr(TfProjectMergeReport) r = NULL;
  const char *inputs[] = { a, b, NULL };

  g_assert_no_error (error);
  g_assert_true (tf_project_begin (writer, &error));
  g_assert_true (tf_project_set_label (writer, 1, 0, TF_LABEL_PERSON, "zed", NULL, &error));
  r = tf_project_merge (out, inputs, &error);
  g_assert_no_error (error);
  g_assert_true (said (r, "B.tfproj is open for writing in another program", NULL, NULL));
  /* zed's vote is not saved yet: not merged */
  g_assert_false (said (r, "zed", NULL, NULL));
  tf_project_rollback (writer);
}

/* A merge that does not fit: FULL, and nothing of it left. */
static void
test_full_disk (void)
{
  g_autofree char *mnt = tmp_path ("full"), *out = NULL, *a = tmp_path ("big/A.tfproj");
  g_autofree char *b = tmp_path ("big/B.tfproj"), *file = tmp_path ("big/x.png");
  g_autofree guint8 *crop = g_malloc (3 * 300 * 300);
  g_autoptr(GRand) rng = g_rand_new_with_seed (3);
  g_autoptr(GError) error = NULL;
  const char *const classes[] = { "calm", "glad", NULL };
  const char *inputs[] = { a, b, NULL };

  g_assert_cmpint (g_mkdir (mnt, 0755), ==, 0);
  if (mount ("tmpfs", mnt, "tmpfs", 0, "size=2m") != 0)
    {
      g_test_skip_printf ("cannot mount a small tmpfs here: %s", g_strerror (errno));
      g_rmdir (mnt);
      return;
    }
  write_file (file, "a picture");
  for (int k = 0; k < 2; k++)
    {
      g_autoptr(TfProject) p = tf_project_open (k ? b : a, TF_PROJECT_CREATE, &error);
      gint64 run, media;

      g_assert_no_error (error);
      run = tf_project_add_run (p, NULL, classes, NULL, &error);
      media = tf_project_add_media (p, file, TF_MEDIA_IMAGE, 640, 480, 0, &error);
      g_assert_true (tf_project_begin (p, &error));
      /* about 1.6 MB of crops that do not compress, apart in each */
      for (int i = 0; i < 6; i++)
        {
          TfProjectNewFace nf = { .media = media, .run = run, .index = i, .crop = crop, .crop_size = 300,
                                  .det = { .x = 1000 * k + 100 * i, .w = 50, .h = 50 } };
          for (guint n = 0; n < 3 * 300 * 300; n++)
            crop[n] = (guint8) g_rand_int (rng);
          g_assert_cmpint (tf_project_add_face (p, &nf, &error), >, 0);
        }
      g_assert_true (tf_project_commit (p, &error));
      g_assert_no_error (error);
    }
  out = g_build_filename (mnt, "merged.tfproj", NULL);
  g_assert_null (tf_project_merge (out, inputs, &error));
  g_test_message ("%s", error->message);
  g_assert_error (error, TF_PROJECT_ERROR, TF_PROJECT_ERROR_FULL);
  g_assert_nonnull (strstr (error->message, "merged.tfproj"));
  g_assert_nonnull (strstr (error->message, "full"));
  g_assert_cmpuint (count_entries (mnt), ==, 0);
  g_assert_cmpint (umount (mnt), ==, 0);
  g_rmdir (mnt);
}

/* ---- transfer-cli project merge ------------------------------------------------------------------ */

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
  g_free (*out);
  g_free (*err);
  g_spawn_sync (tmpdir, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL, out, err, &status, &error);
  g_assert_no_error (error);
  g_test_message ("%s%s", *out, *err);
  return g_spawn_check_wait_status (status, NULL) ? 0 : (WIFEXITED (status) ? WEXITSTATUS (status) : -1);
}

static void
test_cli (void)
{
  g_autofree char *out = NULL, *err = NULL;

  ensure_pair ();
  g_assert_true (g_file_test (cli, G_FILE_TEST_IS_EXECUTABLE));
  /* conflicts are resolved and said: exit 0 */
  g_assert_cmpint (run_cli (&out, &err, "project", "merge", "cli.tfproj", "a/A.tfproj", "b/B.tfproj", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "merged 2 projects into cli.tfproj: 4 media (2 shared), 6 faces (2 of the later "
                              "projects' faces found among them)"));
  g_assert_nonnull (strstr (out, "3 conflicts"));
  g_assert_nonnull (strstr (err, "transfer-cli: Conflict: Alice voted “glad”"));
  g_assert_nonnull (strstr (err, "transfer-cli: a/A.tfproj lacks the class fear"));

  /* failures: exit 1, the reason, nothing written */
  g_assert_cmpint (run_cli (&out, &err, "project", "merge", "cli.tfproj", "a/A.tfproj", "b/B.tfproj", NULL), ==, 1);
  g_assert_nonnull (strstr (err, "cli.tfproj: already exists"));
  g_assert_cmpint (run_cli (&out, &err, "project", "merge", "new.tfproj", "a/A.tfproj", "bad/notes.tfproj", NULL),
                   ==, 1);
  g_assert_nonnull (strstr (err, "notes.tfproj: not a TransFER project"));
  g_assert_cmpint (run_cli (&out, &err, "project", "merge", "new.tfproj", "a/A.tfproj", "a/A.tfproj", NULL), ==, 1);
  g_assert_nonnull (strstr (err, "given twice"));
  g_assert_cmpint (run_cli (&out, &err, "project", "merge", "new.tfproj", "a/A.tfproj", "missing.tfproj", NULL), ==, 1);
  g_assert_nonnull (strstr (err, "missing.tfproj"));
  g_assert_cmpint (run_cli (&out, &err, "project", "merge", "nowhere/new.tfproj", "a/A.tfproj", "b/B.tfproj", NULL),
                   ==, 1);
  g_assert_nonnull (strstr (err, "nowhere/new.tfproj: cannot write the merged project: its folder does not exist"));
  {
    g_autofree char *path = tmp_path ("new.tfproj");
    g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  }
  /* usage errors: exit 2 */
  g_assert_cmpint (run_cli (&out, &err, "project", "merge", "new.tfproj", NULL), ==, 2);
  g_assert_cmpint (run_cli (&out, &err, "project", "merge", "new.txt", "a/A.tfproj", "b/B.tfproj", NULL), ==, 2);
}

int
main (int    argc,
      char **argv)
{
  int rc;

  g_test_init (&argc, &argv, NULL);
  cli = g_strdup (g_getenv ("TRANSFER_CLI"));
  if (cli == NULL)
    {
      g_autofree char *built = g_test_build_filename (G_TEST_BUILT, "..", "app", "cli", "transfer-cli", NULL);
      /* the CLI runs in the test's folder */
      cli = g_canonicalize_filename (built, NULL);
    }
  tmpdir = g_dir_make_tmp ("tf-test-merge-XXXXXX", NULL);
  g_test_add_func ("/merge/votes", test_merge);
  g_test_add_func ("/merge/tracks", test_tracks);
  g_test_add_func ("/merge/older-format", test_older_format);
  g_test_add_func ("/merge/bad-input", test_bad_input);
  g_test_add_func ("/merge/busy-input", test_busy_input);
  g_test_add_func ("/merge/full-disk", test_full_disk);
  g_test_add_func ("/merge/cli", test_cli);
  rc = g_test_run ();
  tf_test_remove_tmpdir (tmpdir);
  g_free (cli);
  return rc;
}
