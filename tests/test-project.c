/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Labelling projects (app/media/tf-project.h): what is saved stays saved,
 * what is not a project (or is a newer one) is refused and left as it was,
 * one writer at a time, labels with their history, the review queue. */
#include <errno.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <sqlite3.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tf-finetune-data.h"
#include "tf-project.h"
#include "tf-test-util.h"

static char *tmpdir;
static const char *const classes[] = { "calm", "glad", "cross", NULL };

static char *
tmp_path (const char *name)
{
  return g_build_filename (tmpdir, name, NULL);
}

static void
write_file (const char *path,
            const char *text)
{
  g_assert_true (g_file_set_contents (path, text, -1, NULL));
}

static GBytes *
read_bytes (const char *path)
{
  char *data = NULL;
  gsize len = 0;

  g_assert_true (g_file_get_contents (path, &data, &len, NULL));
  return g_bytes_new_take (data, len);
}

/* A project at @name with @n_media media files (made in @tmpdir) and
 * @per_media faces each, one run over the three classes. Face i (from 0)
 * is predicted class i % 3, with a margin that varies from face to face. */
static TfProject *
make_project (const char  *name,
              int          n_media,
              int          per_media,
              gint64      *run_out)
{
  g_autofree char *path = tmp_path (name);
  g_autoptr(GError) error = NULL;
  TfProject *p;
  gint64 run;
  guint8 crop[3 * 4 * 4];
  int i = 0;

  p = tf_project_open (path, TF_PROJECT_CREATE, &error);
  g_assert_no_error (error);
  run = tf_project_add_run (p, NULL, classes, "{\"test\":true}", &error);
  g_assert_no_error (error);
  g_assert_cmpint (run, >, 0);
  g_assert_true (tf_project_begin (p, &error));
  for (int m = 0; m < n_media; m++)
    {
      g_autofree char *file = g_strdup_printf ("%s/%s-media-%d.png", tmpdir, name, m);
      g_autofree char *content = g_strdup_printf ("picture %s %d", name, m);
      gint64 media;

      write_file (file, content);
      media = tf_project_add_media (p, file, TF_MEDIA_IMAGE, 64, 48, 0, &error);
      g_assert_no_error (error);
      for (int f = 0; f < per_media; f++, i++)
        {
          /* margins spread over the faces: face i's top is class i % 3 */
          float probs[3] = { 0.2f, 0.2f, 0.2f };
          TfProjectNewFace nf = {
            .media = media, .run = run, .index = f, .det = { .x = 1, .y = 2, .w = 30, .h = 40, .score = 0.9f, .landmarks = { { 5, 6 } } },
            .has_landmarks = TRUE, .track = f + 1, .crop = crop, .crop_size = 4,
          };
          gint64 face;

          probs[i % 3] = 0.4f + 0.2f * (float) ((i * 7919) % 97) / 97.0f;
          memset (crop, i & 0xff, sizeof crop);
          face = tf_project_add_face (p, &nf, &error);
          g_assert_no_error (error);
          g_assert_true (tf_project_add_prediction (p, face, run, probs, 3, &error));
          g_assert_no_error (error);
        }
    }
  g_assert_true (tf_project_commit (p, &error));
  g_assert_no_error (error);
  if (run_out)
    *run_out = run;
  return p;
}

/* ---- the file ----------------------------------------------------------------- */

static void
test_create_reopen (void)
{
  g_autofree char *path = tmp_path ("reopen.tfproj");
  g_autoptr(GError) error = NULL;
  g_autoptr(TfProject) p = make_project ("reopen.tfproj", 2, 3, NULL);
  g_autoptr(TfProject) again = NULL;
  g_auto(GStrv) names = NULL;
  g_autoptr(GPtrArray) media = NULL;
  g_autoptr(GBytes) crop = NULL;
  g_autofree char *setting = NULL;
  int size = 0;

  g_assert_false (tf_project_is_read_only (p));
  g_assert_cmpint (tf_project_add_class (p, "pain", &error), ==, 3);
  g_assert_no_error (error);
  g_assert_cmpint (tf_project_add_class (p, "Pain", &error), ==, -1);   /* taken, up to case */
  g_assert_error (error, TF_PROJECT_ERROR, TF_PROJECT_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_cmpint (tf_project_add_class (p, "unsure", &error), ==, -1);
  g_clear_error (&error);
  g_assert_true (tf_project_set_setting (p, TF_PROJECT_SETTING_CROPS, "1", &error));
  g_assert_true (tf_project_set_label (p, 2, 3, TF_LABEL_PERSON, "ann", "winces", &error));
  g_assert_no_error (error);
  g_clear_pointer (&p, tf_project_close);

  /* a second create is refused, the project untouched */
  g_assert_null (tf_project_open (path, TF_PROJECT_CREATE, &error));
  g_assert_error (error, TF_PROJECT_ERROR, TF_PROJECT_ERROR_EXISTS);
  g_clear_error (&error);

  again = tf_project_open (path, TF_PROJECT_OPEN, &error);
  g_assert_no_error (error);
  names = tf_project_get_classes (again);
  g_assert_cmpuint (g_strv_length (names), ==, 4);
  g_assert_cmpstr (names[3], ==, "pain");
  g_assert_cmpint (tf_project_find_label (again, "GLAD"), ==, 1);
  g_assert_cmpint (tf_project_find_label (again, "not a face"), ==, TF_LABEL_NOT_A_FACE);
  g_assert_cmpint (tf_project_find_label (again, "joy"), ==, TF_LABEL_NONE);
  setting = tf_project_get_setting (again, TF_PROJECT_SETTING_CROPS);
  g_assert_cmpstr (setting, ==, "1");
  media = tf_project_list_media (again, &error);
  g_assert_cmpuint (media->len, ==, 2);
  g_assert_cmpstr (((TfProjectMedia *) media->pdata[0])->path, ==, "reopen.tfproj-media-0.png");
  g_assert_cmpint (((TfProjectMedia *) media->pdata[0])->width, ==, 64);
  g_assert_cmpuint (strlen (((TfProjectMedia *) media->pdata[0])->sha256), ==, 64);
  g_assert_cmpint (tf_project_count_faces (again, NULL, &error), ==, 6);
  crop = tf_project_get_crop (again, 2, &size, &error);
  g_assert_no_error (error);
  g_assert_cmpint (size, ==, 4);
  g_assert_cmpuint (g_bytes_get_size (crop), ==, 48);
  g_assert_cmpint (((const guint8 *) g_bytes_get_data (crop, NULL))[0], ==, 1);
  {
    TfProjectFace face;
    g_assert_true (tf_project_get_face (again, 2, 0, &face, &error));
    g_assert_cmpstr (face.file, ==, "reopen.tfproj-media-0.png");
    g_assert_cmpint (face.label.label, ==, 3);
    g_assert_cmpstr (face.label.note, ==, "winces");
    g_assert_cmpint (face.n_probs, ==, 3);
    g_assert_cmpint (face.predicted, ==, 1);
    g_assert_true (face.has_landmarks);
    g_assert_cmpfloat (face.det.landmarks[0][1], ==, 6);
    tf_project_face_clear (&face);
  }
  /* a false face goes with what hangs on it */
  g_assert_true (tf_project_delete_face (again, 2, &error));
  g_assert_false (tf_project_delete_face (again, 2, &error));
  g_assert_error (error, TF_PROJECT_ERROR, TF_PROJECT_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_null (tf_project_get_crop (again, 2, &size, &error));
  g_assert_no_error (error);
  g_assert_cmpint (tf_project_count_faces (again, NULL, &error), ==, 5);
}

/* Compares the file with what it held, and that no WAL was left beside. */
static void
assert_untouched (const char *path,
                  GBytes     *before)
{
  g_autoptr(GBytes) after = read_bytes (path);
  g_autofree char *wal = g_strconcat (path, "-wal", NULL);
  GStatBuf st;

  g_assert_true (g_bytes_equal (before, after));
  g_assert_false (g_stat (wal, &st) == 0 && st.st_size > 0);
}

static void
assert_refused (const char *path,
                int         code)
{
  g_autoptr(GBytes) before = read_bytes (path);
  TfProjectFlags flags[] = { TF_PROJECT_OPEN, TF_PROJECT_READ_ONLY };

  for (guint i = 0; i < G_N_ELEMENTS (flags); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *base = g_path_get_basename (path);

      g_assert_null (tf_project_open (path, flags[i], &error));
      g_assert_error (error, TF_PROJECT_ERROR, code);
      g_test_message ("%s", error->message);
      g_assert_nonnull (strstr (error->message, base));
      assert_untouched (path, before);
    }
}

static void
test_newer_version (void)
{
  g_autofree char *path = tmp_path ("newer.tfproj");
  g_autoptr(TfProject) p = make_project ("newer.tfproj", 1, 2, NULL);
  sqlite3 *db = NULL;

  g_clear_pointer (&p, tf_project_close);
  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "PRAGMA user_version = 99", NULL, NULL, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_close (db), ==, SQLITE_OK);
  assert_refused (path, TF_PROJECT_ERROR_TOO_NEW);
}

static void
test_not_a_project (void)
{
  g_autofree char *text = tmp_path ("text.tfproj"), *empty = tmp_path ("empty.tfproj");
  g_autofree char *foreign = tmp_path ("foreign.tfproj"), *truncated = tmp_path ("truncated.tfproj");
  g_autofree char *whole = tmp_path ("whole.tfproj");
  g_autoptr(TfProject) p = make_project ("whole.tfproj", 3, 40, NULL);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  sqlite3 *db = NULL;

  write_file (text, "file,label\nsmile.png,glad\n");
  assert_refused (text, TF_PROJECT_ERROR_NOT_PROJECT);
  write_file (empty, "");
  assert_refused (empty, TF_PROJECT_ERROR_NOT_PROJECT);
  /* a SQLite file that is not ours */
  g_assert_cmpint (sqlite3_open (foreign, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "CREATE TABLE t (x); INSERT INTO t VALUES (1)", NULL, NULL, NULL), ==,
                   SQLITE_OK);
  sqlite3_close (db);
  assert_refused (foreign, TF_PROJECT_ERROR_NOT_PROJECT);

  /* a project cut short (a copy that stopped half way) */
  g_clear_pointer (&p, tf_project_close);
  bytes = read_bytes (whole);
  g_assert_cmpuint (g_bytes_get_size (bytes), >, 8192);
  g_assert_true (g_file_set_contents (truncated, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes) / 2, NULL));
  assert_refused (truncated, TF_PROJECT_ERROR_NOT_PROJECT);

  g_assert_null (tf_project_open (tmpdir, TF_PROJECT_OPEN, &error));
  g_assert_error (error, TF_PROJECT_ERROR, TF_PROJECT_ERROR_NOT_PROJECT);
  g_clear_error (&error);
  g_assert_null (tf_project_open ("/nonexistent/x.tfproj", TF_PROJECT_OPEN, &error));
  g_assert_error (error, TF_PROJECT_ERROR, TF_PROJECT_ERROR_NOT_FOUND);
}

static void
test_read_only_file (void)
{
  g_autofree char *path = tmp_path ("ro.tfproj");
  g_autoptr(TfProject) p = make_project ("ro.tfproj", 1, 2, NULL);
  g_autoptr(GBytes) before = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(TfProjectStats) st = NULL;

  g_clear_pointer (&p, tf_project_close);
  g_assert_cmpint (g_chmod (path, 0444), ==, 0);
  before = read_bytes (path);
  p = tf_project_open (path, TF_PROJECT_OPEN, &error);
  g_assert_no_error (error);
  g_assert_true (tf_project_is_read_only (p));
  st = tf_project_get_stats (p, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpint (st->faces, ==, 2);
  g_assert_false (tf_project_set_label (p, 1, 0, TF_LABEL_PERSON, NULL, NULL, &error));
  g_assert_error (error, TF_PROJECT_ERROR, TF_PROJECT_ERROR_READ_ONLY);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "read-only"));
  g_clear_pointer (&p, tf_project_close);
  assert_untouched (path, before);
  g_assert_cmpint (g_chmod (path, 0644), ==, 0);
}

/* A second process holds the project open for writing: writers here get
 * the clear error, readers get in; once it is gone, writers get in. */
static void
test_second_process (void)
{
  g_autofree char *path = tmp_path ("busy.tfproj");
  g_autoptr(TfProject) p = make_project ("busy.tfproj", 1, 2, NULL);
  g_autoptr(GError) error = NULL;
  int ready[2], release[2], status;
  char c;
  pid_t pid;

  g_clear_pointer (&p, tf_project_close);
  g_assert_cmpint (pipe (ready), ==, 0);
  g_assert_cmpint (pipe (release), ==, 0);
  pid = fork ();
  g_assert_cmpint (pid, >=, 0);
  if (pid == 0)
    {
      TfProject *held = tf_project_open (path, TF_PROJECT_OPEN, NULL);
      ssize_t n = write (ready[1], held ? "y" : "n", 1);
      n += read (release[0], &c, 1);
      _exit (held && n == 2 ? 0 : 1);
    }
  g_assert_cmpint (read (ready[0], &c, 1), ==, 1);
  g_assert_cmpint (c, ==, 'y');

  g_assert_null (tf_project_open (path, TF_PROJECT_OPEN, &error));
  g_assert_error (error, TF_PROJECT_ERROR, TF_PROJECT_ERROR_BUSY);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "in use by another program"));
  g_clear_error (&error);
  p = tf_project_open (path, TF_PROJECT_READ_ONLY, &error);
  g_assert_no_error (error);
  g_assert_cmpint (tf_project_count_faces (p, NULL, &error), ==, 2);
  g_clear_pointer (&p, tf_project_close);

  g_assert_cmpint (write (release[1], "x", 1), ==, 1);
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  g_assert_true (WIFEXITED (status) && WEXITSTATUS (status) == 0);
  p = tf_project_open (path, TF_PROJECT_OPEN, &error);
  g_assert_no_error (error);
  g_assert_false (tf_project_is_read_only (p));
  for (int i = 0; i < 2; i++)
    {
      close (ready[i]);
      close (release[i]);
    }
}

/* ---- labels ---------------------------------------------------------------------- */

static int
label_of (TfProject *p,
          gint64     face)
{
  TfProjectLabel l;
  g_autoptr(GError) error = NULL;
  int label;

  g_assert_true (tf_project_get_label (p, face, &l, &error));
  label = l.label;
  tf_project_label_clear (&l);
  return label;
}

static void
test_labels_history (void)
{
  g_autoptr(TfProject) p = make_project ("labels.tfproj", 1, 4, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) history = NULL;
  gint64 face = 0;

  g_assert_false (tf_project_can_undo (p));
  g_assert_cmpint (tf_project_undo (p, &face, &error), ==, 0);
  g_assert_true (tf_project_set_label (p, 1, 0, TF_LABEL_PERSON, "ann", NULL, &error));
  g_assert_true (tf_project_set_label (p, 1, 2, TF_LABEL_PERSON, "ann", "second look", &error));
  g_assert_true (tf_project_set_label (p, 2, TF_LABEL_NOT_A_FACE, TF_LABEL_PERSON, "bob", NULL, &error));
  g_assert_no_error (error);
  g_assert_false (tf_project_set_label (p, 3, 7, TF_LABEL_PERSON, NULL, NULL, &error));
  g_assert_error (error, TF_PROJECT_ERROR, TF_PROJECT_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (tf_project_set_label (p, 99, 0, TF_LABEL_PERSON, NULL, NULL, &error));
  g_assert_error (error, TF_PROJECT_ERROR, TF_PROJECT_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_cmpint (label_of (p, 1), ==, 2);
  g_assert_cmpint (label_of (p, 2), ==, TF_LABEL_NOT_A_FACE);

  history = tf_project_get_label_history (p, 1, &error);
  g_assert_cmpuint (history->len, ==, 2);
  g_assert_cmpint (((TfProjectLabelChange *) history->pdata[1])->before.label, ==, 0);
  g_assert_cmpint (((TfProjectLabelChange *) history->pdata[1])->after.label, ==, 2);
  g_assert_cmpstr (((TfProjectLabelChange *) history->pdata[1])->after.note, ==, "second look");
  g_clear_pointer (&history, g_ptr_array_unref);

  /* undo twice, redo once */
  g_assert_cmpint (tf_project_undo (p, &face, &error), ==, 1);
  g_assert_cmpint (face, ==, 2);
  g_assert_cmpint (label_of (p, 2), ==, TF_LABEL_NONE);
  g_assert_cmpint (tf_project_undo (p, &face, &error), ==, 1);
  g_assert_cmpint (label_of (p, 1), ==, 0);
  g_assert_true (tf_project_can_redo (p));
  g_assert_cmpint (tf_project_redo (p, &face, &error), ==, 1);
  g_assert_cmpint (label_of (p, 1), ==, 2);
  /* a new change drops what could be redone, and keeps it in the history */
  g_assert_true (tf_project_clear_label (p, 1, &error));
  g_assert_false (tf_project_can_redo (p));
  g_assert_cmpint (label_of (p, 1), ==, TF_LABEL_NONE);
  history = tf_project_get_label_history (p, 0, &error);
  g_assert_cmpuint (history->len, ==, 4);
  g_assert_cmpint (((TfProjectLabelChange *) history->pdata[2])->state, ==, TF_CHANGE_REPLACED);
  g_clear_pointer (&history, g_ptr_array_unref);

  /* a group is one undo step; a group rolled back leaves nothing */
  g_assert_true (tf_project_begin (p, &error));
  for (gint64 f = 1; f <= 4; f++)
    g_assert_true (tf_project_set_label (p, f, 1, TF_LABEL_IMPORTED, "csv", NULL, &error));
  g_assert_true (tf_project_commit (p, &error));
  g_assert_true (tf_project_begin (p, &error));
  g_assert_true (tf_project_set_label (p, 3, 0, TF_LABEL_PERSON, "csv", NULL, &error));
  g_assert_cmpint (label_of (p, 3), ==, 0);
  tf_project_rollback (p);
  g_assert_cmpint (label_of (p, 3), ==, 1);
  g_assert_cmpint (tf_project_undo (p, &face, &error), ==, 4);
  g_assert_cmpint (label_of (p, 4), ==, TF_LABEL_NONE);
  g_assert_cmpint (label_of (p, 2), ==, TF_LABEL_NONE);   /* its not-a-face was undone, then replaced */
  g_assert_cmpint (tf_project_redo (p, &face, &error), ==, 4);
  g_assert_cmpint (label_of (p, 2), ==, 1);
  g_assert_no_error (error);
}

/* Several annotators: each has a vote; the face's label is the final
 * one, else the majority, else none (a tie); names are filed in one
 * spelling; undo takes back one vote or one final label. */
static void
test_votes (void)
{
  g_autoptr(TfProject) p = make_project ("votes.tfproj", 1, 6, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) votes = NULL;
  g_autoptr(GArray) queue = NULL;
  g_autoptr(TfProjectVoteTable) table = NULL;
  g_auto(GStrv) names = NULL;
  TfProjectLabel l;
  gint64 face = 0;
  char *filed;

  /* face 1: Alice and Bob agree; face 2: they split; face 3: 2 against 1 */
  g_assert_true (tf_project_set_label (p, 1, 0, TF_LABEL_PERSON, "Alice", NULL, &error));
  g_assert_true (tf_project_set_label (p, 1, 0, TF_LABEL_PERSON, "Bob", NULL, &error));
  g_assert_true (tf_project_set_label (p, 2, 0, TF_LABEL_PERSON, "Alice", NULL, &error));
  g_assert_true (tf_project_set_label (p, 2, 1, TF_LABEL_PERSON, "Bob", NULL, &error));
  g_assert_true (tf_project_set_label (p, 3, 2, TF_LABEL_PERSON, "Alice", NULL, &error));
  g_assert_true (tf_project_set_label (p, 3, 2, TF_LABEL_PERSON, "Bob", NULL, &error));
  /* "carol " in another case and with a space is the same Carol */
  g_assert_true (tf_project_set_label (p, 3, 1, TF_LABEL_PERSON, "Carol", NULL, &error));
  g_assert_true (tf_project_set_label (p, 4, 1, TF_LABEL_PERSON, " carol ", NULL, &error));
  g_assert_no_error (error);
  filed = tf_project_annotator_name (p, "CAROL", &error);
  g_assert_cmpstr (filed, ==, "Carol");
  g_free (filed);
  g_assert_null (tf_project_annotator_name (p, "  ", &error));
  g_assert_error (error, TF_PROJECT_ERROR, TF_PROJECT_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (tf_project_set_final_label (p, 1, 0, "", NULL, &error));
  g_assert_error (error, TF_PROJECT_ERROR, TF_PROJECT_ERROR_INVALID);
  g_clear_error (&error);
  names = tf_project_get_annotators (p, &error);
  g_assert_cmpuint (g_strv_length (names), ==, 3);
  g_assert_cmpstr (names[2], ==, "Carol");

  g_assert_true (tf_project_get_label (p, 1, &l, &error));
  g_assert_cmpint (l.label, ==, 0);
  g_assert_cmpint (l.votes, ==, 2);
  g_assert_cmpint (l.agree, ==, 2);
  tf_project_label_clear (&l);
  g_assert_cmpint (label_of (p, 2), ==, TF_LABEL_NONE);   /* a tie */
  g_assert_true (tf_project_get_label (p, 3, &l, &error));
  g_assert_cmpint (l.label, ==, 2);
  g_assert_cmpint (l.votes, ==, 3);
  g_assert_cmpint (l.agree, ==, 2);
  g_assert_false (l.final);
  tf_project_label_clear (&l);
  g_assert_true (tf_project_get_vote (p, 3, "carol", &l, &error));
  g_assert_cmpint (l.label, ==, 1);
  tf_project_label_clear (&l);

  /* the split faces first, the most split first; the others after */
  queue = tf_project_get_queue (p, NULL, TF_QUEUE_DISAGREEMENT, &error);
  g_assert_cmpuint (queue->len, ==, 6);
  g_assert_cmpint (g_array_index (queue, gint64, 0), ==, 2);
  g_assert_cmpint (g_array_index (queue, gint64, 1), ==, 3);
  g_clear_pointer (&queue, g_array_unref);

  /* an adjudicator decides face 2; it leaves the split ones */
  g_assert_true (tf_project_set_final_label (p, 2, 1, "Dana", "the mouth", &error));
  g_assert_true (tf_project_get_label (p, 2, &l, &error));
  g_assert_cmpint (l.label, ==, 1);
  g_assert_true (l.final);
  g_assert_cmpstr (l.annotator, ==, "Dana");
  g_assert_cmpint (l.votes, ==, 2);
  g_assert_cmpint (l.agree, ==, 1);
  tf_project_label_clear (&l);
  votes = tf_project_get_votes (p, 2, &error);
  g_assert_cmpuint (votes->len, ==, 3);
  g_assert_true (((TfProjectLabel *) votes->pdata[2])->final);
  g_assert_false (((TfProjectLabel *) votes->pdata[0])->final);
  queue = tf_project_get_queue (p, NULL, TF_QUEUE_DISAGREEMENT, &error);
  g_assert_cmpint (g_array_index (queue, gint64, 0), ==, 3);
  g_clear_pointer (&queue, g_array_unref);
  /* an adjudicator is not an annotator */
  g_clear_pointer (&names, g_strfreev);
  names = tf_project_get_annotators (p, &error);
  g_assert_cmpuint (g_strv_length (names), ==, 3);

  /* the table of votes: faces with a vote by annotators, and the finals */
  table = tf_project_get_vote_table (p, &error);
  g_assert_no_error (error);
  g_assert_cmpint (table->n_faces, ==, 4);
  g_assert_cmpint (table->n_annotators, ==, 3);
  g_assert_cmpint (table->faces[1], ==, 2);
  g_assert_cmpint (table->cells[1 * 3 + 1], ==, 1);   /* Bob on face 2 */
  g_assert_cmpint (table->cells[3 * 3 + 0], ==, TF_LABEL_NONE);   /* Alice did not see face 4 */
  g_assert_cmpint (table->final[1], ==, 1);
  g_assert_cmpint (table->final[0], ==, TF_LABEL_NONE);

  /* undo takes the final label back, then Carol's vote on face 4 */
  g_assert_cmpint (tf_project_undo (p, &face, &error), ==, 1);
  g_assert_cmpint (face, ==, 2);
  g_assert_cmpint (label_of (p, 2), ==, TF_LABEL_NONE);
  g_assert_cmpint (tf_project_undo (p, &face, &error), ==, 1);
  g_assert_cmpint (label_of (p, 4), ==, TF_LABEL_NONE);
  g_assert_cmpint (tf_project_redo (p, &face, &error), ==, 1);
  g_assert_cmpint (label_of (p, 4), ==, 1);
  /* a vote taken back: the others decide again */
  g_assert_true (tf_project_set_label (p, 3, TF_LABEL_NONE, TF_LABEL_PERSON, "bob", NULL, &error));
  g_assert_cmpint (label_of (p, 3), ==, TF_LABEL_NONE);   /* Alice 2, Carol 1: a tie */
  g_assert_true (tf_project_clear_label (p, 1, &error));
  g_assert_cmpint (label_of (p, 1), ==, TF_LABEL_NONE);
  g_assert_cmpint (tf_project_undo (p, &face, &error), ==, 2);   /* both votes in one step */
  g_assert_cmpint (label_of (p, 1), ==, 0);
  /* a face with a final label clears too, final and votes in one step */
  g_assert_true (tf_project_set_final_label (p, 1, 2, "Dana", NULL, &error));
  g_assert_true (tf_project_clear_label (p, 1, &error));
  g_assert_no_error (error);
  g_clear_pointer (&votes, g_ptr_array_unref);
  votes = tf_project_get_votes (p, 1, &error);
  g_assert_cmpuint (votes->len, ==, 0);
  g_assert_cmpint (tf_project_undo (p, &face, &error), ==, 3);
  g_assert_cmpint (label_of (p, 1), ==, 2);

  /* every vote is exported, however many annotators */
  {
    g_autofree char *out = tmp_path ("votes.jsonl"), *text = NULL;
    g_auto(GStrv) lines = NULL;
    TfProjectFilter f;
    guint found = 0;

    g_assert_true (tf_project_begin (p, &error));
    for (int a = 0; a < 70; a++)
      {
        g_autofree char *name = g_strdup_printf ("voter-%02d", a);
        g_assert_true (tf_project_set_label (p, 6, a % 3, TF_LABEL_PERSON, name, NULL, &error));
      }
    g_assert_true (tf_project_commit (p, &error));
    tf_project_filter_init (&f);
    g_assert_true (tf_project_export (p, TF_PROJECT_EXPORT_JSONL, &f, out, NULL, &error));
    g_assert_true (g_file_get_contents (out, &text, NULL, NULL));
    lines = g_strsplit (text, "\n", -1);
    /* the keys of "votes": "voter-NN": */
    for (const char *s = lines[5]; (s = strstr (s, "\"voter-")); s++)
      found += s[9] == '"' && s[10] == ':';
    g_assert_cmpuint (found, ==, 70);
  }
  g_assert_no_error (error);
}

/* What fine-tuning learns from several annotators: the final label, else
 * the majority, else the vote distribution; with soft targets the
 * distribution wherever no final label was chosen. */
static void
test_finetune_votes (void)
{
  g_autoptr(TfProject) p = make_project ("train-votes.tfproj", 1, 4, NULL);
  g_autoptr(GError) error = NULL;

  /* 1: final glad over two calm votes; 2: calm 2 : glad 1; 3: a tie; 4: not a face */
  g_assert_true (tf_project_set_label (p, 1, 0, TF_LABEL_PERSON, "a", NULL, &error));
  g_assert_true (tf_project_set_label (p, 1, 0, TF_LABEL_PERSON, "b", NULL, &error));
  g_assert_true (tf_project_set_final_label (p, 1, 1, "judge", NULL, &error));
  g_assert_true (tf_project_set_label (p, 2, 0, TF_LABEL_PERSON, "a", NULL, &error));
  g_assert_true (tf_project_set_label (p, 2, 0, TF_LABEL_PERSON, "b", NULL, &error));
  g_assert_true (tf_project_set_label (p, 2, 1, TF_LABEL_PERSON, "c", NULL, &error));
  g_assert_true (tf_project_set_label (p, 3, 1, TF_LABEL_PERSON, "a", NULL, &error));
  g_assert_true (tf_project_set_label (p, 3, 2, TF_LABEL_PERSON, "b", NULL, &error));
  g_assert_true (tf_project_set_label (p, 4, TF_LABEL_NOT_A_FACE, TF_LABEL_PERSON, "a", NULL, &error));
  g_assert_no_error (error);

  for (int soft = 0; soft <= 1; soft++)
    {
      g_autoptr(TfFinetuneData) d = tf_finetune_data_from_project_votes (p, 0, 1, 0, soft, &error);
      TfDataset *ds;

      g_assert_no_error (error);
      ds = d->train;
      g_assert_cmpuint (d->n_labelled, ==, 3);
      g_assert_cmpuint (d->n_soft, ==, soft ? 2 : 1);
      g_assert_cmpuint (tf_dataset_get_n_items (ds), ==, 3);
      for (guint i = 0; i < 3; i++)
        {
          const char *path = tf_dataset_get_path (ds, i);
          const float *t = tf_dataset_get_target (ds, i);

          if (g_str_has_suffix (path, ":1"))
            g_assert_cmpfloat (t[1], ==, 1);   /* the final label */
          else if (g_str_has_suffix (path, ":2"))
            {
              g_assert_cmpfloat_with_epsilon (t[0], soft ? 2 / 3.0 : 1, 1e-6);
              g_assert_cmpfloat_with_epsilon (t[1], soft ? 1 / 3.0 : 0, 1e-6);
            }
          else
            {
              g_assert_true (g_str_has_suffix (path, ":3"));
              g_assert_cmpfloat_with_epsilon (t[1], 0.5, 1e-6);
              g_assert_cmpfloat_with_epsilon (t[2], 0.5, 1e-6);
            }
        }
    }
}

/* A project of format 1 (one label per face, the annotator optional)
 * opens with its labels as votes, and its history still undoes. */
static void
test_migrate_v1 (void)
{
  g_autofree char *path = tmp_path ("v1.tfproj");
  g_autoptr(TfProject) p = make_project ("v1.tfproj", 1, 3, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) votes = NULL;
  sqlite3 *db = NULL;
  gint64 face = 0;

  g_assert_true (tf_project_set_label (p, 1, 0, TF_LABEL_PERSON, NULL, NULL, &error));
  g_assert_true (tf_project_set_label (p, 2, 1, TF_LABEL_IMPORTED, "ann", "n", &error));
  g_assert_true (tf_project_set_label (p, 2, 2, TF_LABEL_IMPORTED, "ann", NULL, &error));
  g_assert_no_error (error);
  g_clear_pointer (&p, tf_project_close);
  /* back to format 1, as that version wrote it */
  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "DROP TABLE votes; DROP TABLE splits; ALTER TABLE labels DROP COLUMN final; "
                                     "ALTER TABLE labels DROP COLUMN votes; ALTER TABLE labels DROP COLUMN agree; "
                                     "ALTER TABLE label_history DROP COLUMN final; "
                                     "UPDATE labels SET annotator = NULL WHERE annotator = ''; "
                                     "UPDATE label_history SET old_annotator = NULL WHERE old_annotator = ''; "
                                     "UPDATE label_history SET new_annotator = NULL WHERE new_annotator = ''; "
                                     "PRAGMA user_version = 1", NULL, NULL, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_close (db), ==, SQLITE_OK);

  /* read-only, it is not changed: it must be opened for writing once */
  g_assert_null (tf_project_open (path, TF_PROJECT_READ_ONLY, &error));
  g_assert_error (error, TF_PROJECT_ERROR, TF_PROJECT_ERROR_READ_ONLY);
  g_clear_error (&error);
  p = tf_project_open (path, TF_PROJECT_OPEN, &error);
  g_assert_no_error (error);
  g_assert_cmpint (label_of (p, 1), ==, 0);
  g_assert_cmpint (label_of (p, 2), ==, 2);
  votes = tf_project_get_votes (p, 1, &error);
  g_assert_cmpuint (votes->len, ==, 1);
  g_assert_cmpstr (((TfProjectLabel *) votes->pdata[0])->annotator, ==, "");
  g_clear_pointer (&votes, g_ptr_array_unref);
  votes = tf_project_get_votes (p, 2, &error);
  g_assert_cmpuint (votes->len, ==, 1);
  g_assert_cmpstr (((TfProjectLabel *) votes->pdata[0])->annotator, ==, "ann");
  /* the history made before still undoes */
  g_assert_cmpint (tf_project_undo (p, &face, &error), ==, 1);
  g_assert_cmpint (label_of (p, 2), ==, 1);
  g_assert_cmpint (tf_project_undo (p, &face, &error), ==, 1);
  g_assert_cmpint (label_of (p, 2), ==, TF_LABEL_NONE);
  g_assert_cmpint (tf_project_undo (p, &face, &error), ==, 1);
  g_assert_cmpint (label_of (p, 1), ==, TF_LABEL_NONE);
  g_assert_no_error (error);
}

/* ---- reading: walk, queue, stats --------------------------------------------------------- */

static gboolean
collect (const TfProjectFace *face,
         gpointer             data)
{
  g_array_append_val ((GArray *) data, face->id);
  g_assert_nonnull (face->file);
  g_assert_nonnull (face->probs);
  g_assert_cmpint (face->n_probs, ==, 3);
  return TRUE;
}

static void
test_walk_and_queue (void)
{
  g_autoptr(TfProject) p = make_project ("queue.tfproj", 3, 20, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) walked = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) queue = NULL, entropy = NULL;
  TfProjectFilter f;
  double last = -1;
  TfProjectNewFace drawn = { .media = 2, .manual = TRUE };
  gint64 manual;

  drawn.det.x = drawn.det.y = 10;
  drawn.det.w = drawn.det.h = 20;
  drawn.det.score = 1;
  g_assert_true (tf_project_foreach_face (p, NULL, collect, walked, &error));
  g_assert_cmpuint (walked->len, ==, 60);
  for (guint i = 0; i < walked->len; i++)
    g_assert_cmpint (g_array_index (walked, gint64, i), ==, i + 1);   /* media, frame, face order */

  /* a face drawn by hand has no prediction: first in the queue */
  manual = tf_project_add_face (p, &drawn, &error);
  g_assert_no_error (error);
  queue = tf_project_get_queue (p, NULL, TF_QUEUE_MARGIN, &error);
  g_assert_cmpuint (queue->len, ==, 61);
  g_assert_cmpint (g_array_index (queue, gint64, 0), ==, manual);
  for (guint i = 1; i < queue->len; i++)
    {
      TfProjectFace face;
      g_assert_true (tf_project_get_face (p, g_array_index (queue, gint64, i), 0, &face, &error));
      g_assert_cmpfloat (face.margin, >=, last);
      last = face.margin;
      tf_project_face_clear (&face);
    }
  entropy = tf_project_get_queue (p, NULL, TF_QUEUE_ENTROPY, &error);
  g_assert_cmpuint (entropy->len, ==, 61);
  g_assert_cmpint (g_array_index (entropy, gint64, 0), ==, manual);
  last = G_MAXDOUBLE;
  for (guint i = 1; i < entropy->len; i++)
    {
      TfProjectFace face;
      g_assert_true (tf_project_get_face (p, g_array_index (entropy, gint64, i), 0, &face, &error));
      g_assert_cmpfloat (face.entropy, <=, last);
      last = face.entropy;
      tf_project_face_clear (&face);
    }

  /* filters */
  g_assert_true (tf_project_set_label (p, 1, 0, TF_LABEL_PERSON, NULL, NULL, &error));   /* predicted 0: agrees */
  g_assert_true (tf_project_set_label (p, 2, 0, TF_LABEL_PERSON, NULL, NULL, &error));   /* predicted 1 */
  g_assert_true (tf_project_set_label (p, 3, TF_LABEL_UNSURE, TF_LABEL_PERSON, NULL, NULL, &error));
  tf_project_filter_init (&f);
  f.labelled = TF_LABELLED_NO;
  g_assert_cmpint (tf_project_count_faces (p, &f, &error), ==, 58);
  g_clear_pointer (&queue, g_array_unref);
  queue = tf_project_get_queue (p, &f, TF_QUEUE_MARGIN, &error);
  g_assert_cmpuint (queue->len, ==, 58);
  f.labelled = TF_LABELLED_YES;
  g_assert_cmpint (tf_project_count_faces (p, &f, &error), ==, 3);
  tf_project_filter_init (&f);
  f.disagreeing = TRUE;
  g_clear_pointer (&queue, g_array_unref);
  queue = tf_project_get_queue (p, &f, TF_QUEUE_MARGIN, &error);
  g_assert_cmpuint (queue->len, ==, 1);
  g_assert_cmpint (g_array_index (queue, gint64, 0), ==, 2);
  tf_project_filter_init (&f);
  f.label = TF_LABEL_UNSURE;
  g_assert_cmpint (tf_project_count_faces (p, &f, &error), ==, 1);
  tf_project_filter_init (&f);
  f.predicted = 2;
  g_assert_cmpint (tf_project_count_faces (p, &f, &error), ==, 20);
  tf_project_filter_init (&f);
  f.media = 3;
  g_assert_cmpint (tf_project_count_faces (p, &f, &error), ==, 20);
  g_assert_no_error (error);
}

static void
test_stats (void)
{
  g_autoptr(TfProject) p = make_project ("stats.tfproj", 1, 9, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(TfProjectStats) st = NULL;

  /* faces 1..9 are predicted 0, 1, 2, 0, 1, 2, ... */
  g_assert_true (tf_project_set_label (p, 1, 0, TF_LABEL_PERSON, NULL, NULL, &error));
  g_assert_true (tf_project_set_label (p, 2, 1, TF_LABEL_PERSON, NULL, NULL, &error));
  g_assert_true (tf_project_set_label (p, 3, 0, TF_LABEL_PERSON, NULL, NULL, &error));
  g_assert_true (tf_project_set_label (p, 4, TF_LABEL_NOT_A_FACE, TF_LABEL_PERSON, NULL, NULL, &error));
  st = tf_project_get_stats (p, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpint (st->faces, ==, 9);
  g_assert_cmpint (st->labelled, ==, 4);
  g_assert_cmpint (st->not_faces, ==, 1);
  g_assert_cmpint (st->predicted, ==, 9);
  g_assert_cmpint (st->label_counts[0], ==, 2);
  g_assert_cmpint (st->label_counts[1], ==, 1);
  g_assert_cmpint (st->predicted_counts[2], ==, 3);
  g_assert_cmpint (st->compared, ==, 3);
  g_assert_cmpint (st->agreed, ==, 2);
  g_assert_cmpint (st->confusion[0 * 3 + 2], ==, 1);   /* labelled calm, predicted cross */
}

/* ---- integrity: check, relink -------------------------------------------------------------- */

static void
test_check_relink (void)
{
  g_autoptr(TfProject) p = make_project ("moved.tfproj", 2, 2, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(TfProjectReport) r = NULL;
  g_autofree char *from = tmp_path ("moved.tfproj-media-1.png");
  g_autofree char *away = tmp_path ("elsewhere"), *to = NULL;
  g_autoptr(GPtrArray) media = NULL;

  g_assert_true (tf_project_set_label (p, 3, 1, TF_LABEL_PERSON, NULL, NULL, &error));
  r = tf_project_check (p, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (r->problems->len, ==, 0);
  g_clear_pointer (&r, tf_project_report_free);

  g_assert_cmpint (g_mkdir_with_parents (away, 0755), ==, 0);
  to = g_build_filename (away, "renamed.png", NULL);
  g_assert_cmpint (g_rename (from, to), ==, 0);
  r = tf_project_check (p, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (r->missing, ==, 1);
  g_assert_cmpuint (r->problems->len, ==, 1);
  g_test_message ("%s", (char *) r->problems->pdata[0]);
  g_assert_nonnull (strstr (r->problems->pdata[0], "moved.tfproj-media-1.png"));
  g_clear_pointer (&r, tf_project_report_free);
  media = tf_project_list_media (p, &error);
  g_assert_true (((TfProjectMedia *) media->pdata[1])->missing);
  g_clear_pointer (&media, g_ptr_array_unref);

  r = tf_project_check (p, tmpdir, &error);
  g_assert_no_error (error);
  g_assert_cmpint (r->relinked, ==, 1);
  g_assert_cmpint (r->missing, ==, 0);
  g_assert_cmpuint (r->problems->len, ==, 0);
  media = tf_project_list_media (p, &error);
  g_assert_cmpstr (((TfProjectMedia *) media->pdata[1])->path, ==, "elsewhere/renamed.png");
  g_assert_false (((TfProjectMedia *) media->pdata[1])->missing);
  g_assert_cmpint (label_of (p, 3), ==, 1);
}

/* ---- a full disk ------------------------------------------------------------------------------ */

static void
test_full_disk (void)
{
  g_autofree char *mnt = tmp_path ("full");
  g_autofree char *fill = NULL, *path = NULL;
  g_autofree guint8 *block = g_malloc0 (4096), *crop = g_malloc0 (3 * 160 * 160);
  g_autoptr(GError) error = NULL;
  TfProject *p;
  gint64 media, run, saved_faces;
  FILE *f;
  gboolean ok = TRUE;

  g_assert_cmpint (g_mkdir (mnt, 0755), ==, 0);
  if (mount ("tmpfs", mnt, "tmpfs", 0, "size=2m") != 0)
    {
      g_test_skip_printf ("cannot mount a small tmpfs here: %s", g_strerror (errno));
      g_rmdir (mnt);
      return;
    }
  path = g_build_filename (mnt, "full.tfproj", NULL);
  fill = g_build_filename (mnt, "media.png", NULL);
  write_file (fill, "a picture");
  p = tf_project_open (path, TF_PROJECT_CREATE, &error);
  g_assert_no_error (error);
  run = tf_project_add_run (p, NULL, classes, NULL, &error);
  media = tf_project_add_media (p, fill, TF_MEDIA_IMAGE, 640, 480, 0, &error);
  for (int i = 0; i < 5; i++)
    {
      TfProjectNewFace nf = { .media = media, .run = run, .index = i, .crop = crop, .crop_size = 160 };
      g_assert_cmpint (tf_project_add_face (p, &nf, &error), >, 0);
    }
  g_assert_true (tf_project_set_label (p, 1, 2, TF_LABEL_PERSON, NULL, NULL, &error));
  g_assert_no_error (error);
  saved_faces = tf_project_count_faces (p, NULL, &error);

  /* fill the disk to the last block, then a batch of big crops */
  g_free (fill);
  fill = g_build_filename (mnt, "fill", NULL);
  f = fopen (fill, "w");
  g_assert_nonnull (f);
  while (fwrite (block, 1, 4096, f) == 4096)
    ;
  fclose (f);
  g_assert_true (tf_project_begin (p, &error));
  for (int i = 0; ok && i < 200; i++)
    {
      TfProjectNewFace nf = { .media = media, .run = run, .index = 10 + i, .crop = crop, .crop_size = 160 };
      memset (crop, i, 3 * 160 * 160);
      ok = tf_project_add_face (p, &nf, &error) > 0;
    }
  if (ok)
    ok = tf_project_commit (p, &error);
  else
    tf_project_rollback (p);
  g_assert_false (ok);
  g_test_message ("%s", error->message);
  g_assert_error (error, TF_PROJECT_ERROR, TF_PROJECT_ERROR_FULL);
  g_assert_nonnull (strstr (error->message, "full.tfproj"));
  g_clear_error (&error);
  /* a label on the full disk: refused or saved, never half */
  ok = tf_project_set_label (p, 2, 1, TF_LABEL_PERSON, NULL, NULL, &error);
  g_test_message ("a label on the full disk: %s", ok ? "saved" : error->message);
  g_clear_error (&error);
  tf_project_close (p);

  p = tf_project_open (path, TF_PROJECT_OPEN, &error);
  g_assert_no_error (error);
  g_assert_cmpint (tf_project_count_faces (p, NULL, &error), ==, saved_faces);
  g_assert_cmpint (label_of (p, 1), ==, 2);
  g_assert_cmpint (label_of (p, 2), ==, ok ? 1 : TF_LABEL_NONE);
  {
    g_autoptr(TfProjectReport) r = tf_project_check (p, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (r->problems->len, ==, 0);
  }
  tf_project_close (p);
  g_unlink (fill);
  g_assert_cmpint (umount (mnt), ==, 0);
  g_rmdir (mnt);
}

/* ---- importing labels ------------------------------------------------------------------------- */

/* A video of 3 frames with 2 faces each (tracks 1 and 2), a picture with
 * one: every way a CSV row picks faces (frame and face, frame and track,
 * track alone, nothing), all in one undo step. */
static void
test_import_labels (void)
{
  g_autofree char *path = tmp_path ("import.tfproj"), *video = tmp_path ("import-clip.mp4");
  g_autofree char *picture = tmp_path ("import-pic.png"), *csv = tmp_path ("import.csv");
  g_autoptr(TfProject) p = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func (g_free);
  const int want[] = { 0, 2, 0, 0, 1, 2, 2 };   /* faces 1..7 */
  gint64 clip, pic, n = 0;

  write_file (video, "a video");
  write_file (picture, "a picture");
  p = tf_project_open (path, TF_PROJECT_CREATE, &error);
  g_assert_no_error (error);
  g_assert_true (tf_project_set_classes (p, classes, &error));
  clip = tf_project_add_media (p, video, TF_MEDIA_VIDEO, 64, 48, 1, &error);
  pic = tf_project_add_media (p, picture, TF_MEDIA_IMAGE, 64, 48, 0, &error);
  for (int f = 0; f < 3; f++)
    for (int i = 0; i < 2; i++)
      {
        TfProjectNewFace nf = { .media = clip, .frame = f, .index = i, .track = i + 1, .det = { .w = 8, .h = 8 } };
        g_assert_cmpint (tf_project_add_face (p, &nf, &error), ==, 2 * f + i + 1);
      }
  {
    TfProjectNewFace nf = { .media = pic, .det = { .w = 8, .h = 8 } };
    g_assert_cmpint (tf_project_add_face (p, &nf, &error), ==, 7);
  }
  g_assert_no_error (error);

  write_file (csv, "file,frame,face,track,label\n"
                   "import-clip.mp4,0,0,,glad\n"       /* face 1 */
                   "import-clip.mp4,0,,2,cross\n"      /* face 2 */
                   "import-clip.mp4,,,1,calm\n"        /* faces 1, 3, 5: 1 again */
                   "import-clip.mp4,1,1,,calm\n"       /* face 4 */
                   "import-clip.mp4,2,0,,glad\n"       /* face 5 again */
                   "import-clip.mp4,2,1,2,cross\n"     /* face 6 */
                   "import-pic.png,,,,cross\n");       /* face 7 */
  g_assert_true (tf_project_import_labels (p, csv, "ann", problems, &n, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (problems->len, ==, 0);
  g_assert_cmpint (n, ==, 9);
  for (int f = 1; f <= 7; f++)
    g_assert_cmpint (label_of (p, f), ==, want[f - 1]);
  g_assert_cmpint (tf_project_undo (p, NULL, &error), ==, 9);
  for (int f = 1; f <= 7; f++)
    g_assert_cmpint (label_of (p, f), ==, TF_LABEL_NONE);
}

/* What a CSV quotes in a problem (a file, a label) may be in any encoding:
 * the problems are UTF-8 all the same (found by fuzz-project-labels). */
static void
test_import_problems_utf8 (void)
{
  g_autoptr(TfProject) p = make_project ("latin1.tfproj", 1, 1, NULL);
  g_autofree char *csv = tmp_path ("latin1.csv");
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func (g_free);
  gint64 n = -1;

  write_file (csv, "file,label\nlatin1.tfproj-media-0.png,caf\xe9\n\xff\xfe.png,calm\n");
  g_assert_false (tf_project_import_labels (p, csv, NULL, problems, &n, &error));
  g_assert_error (error, TF_PROJECT_ERROR, TF_PROJECT_ERROR_INPUT);
  g_assert_cmpuint (problems->len, ==, 2);
  for (guint i = 0; i < problems->len; i++)
    {
      g_test_message ("%s", (char *) problems->pdata[i]);
      g_assert_true (g_utf8_validate (problems->pdata[i], -1, NULL));
      g_assert_nonnull (strstr (problems->pdata[i], "\xef\xbf\xbd"));   /* U+FFFD where the bytes were */
    }
  g_assert_nonnull (strstr (problems->pdata[0], "latin1.csv:2: unknown class 'caf"));
  g_assert_nonnull (strstr (problems->pdata[1], "latin1.csv:3: no media"));
  g_assert_cmpint (label_of (p, 1), ==, TF_LABEL_NONE);
}

/* ---- a copy under another name ------------------------------------------------------------ */

static gboolean
describe_face (const TfProjectFace *f,
               gpointer             data)
{
  GString *s = data;

  g_string_append_printf (s, "%" G_GINT64_FORMAT " m%" G_GINT64_FORMAT " f%" G_GINT64_FORMAT " i%d %g,%g,%g,%g "
                          "t%d l%d s%d %s %s %" G_GINT64_FORMAT " p%d:", f->id, f->media, f->frame, f->index,
                          f->det.x, f->det.y, f->det.w, f->det.h, f->track, f->label.label, f->label.source,
                          f->label.annotator ? f->label.annotator : "-", f->label.note ? f->label.note : "-",
                          f->label.time, f->predicted);
  for (int k = 0; k < f->n_probs; k++)
    g_string_append_printf (s, " %.9g", f->probs[k]);
  g_string_append_c (s, '\n');
  return TRUE;
}

/* Everything a person sees of a project but the media paths: faces, their
 * predictions and labels, the label history, classes, settings, media. */
static char *
describe (TfProject *p)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) s = g_string_new (NULL);
  g_autoptr(GPtrArray) history = tf_project_get_label_history (p, 0, &error);
  g_autoptr(GPtrArray) media = tf_project_list_media (p, &error);
  g_auto(GStrv) names = tf_project_get_classes (p);
  g_autofree char *crops = tf_project_get_setting (p, TF_PROJECT_SETTING_CROPS);
  g_autofree char *joined = g_strjoinv (",", names);

  g_assert_no_error (error);
  g_string_append_printf (s, "classes %s crops %s undo %d redo %d\n", joined, crops ? crops : "-",
                          tf_project_can_undo (p), tf_project_can_redo (p));
  for (guint i = 0; i < media->len; i++)
    {
      TfProjectMedia *m = media->pdata[i];
      g_string_append_printf (s, "media %" G_GINT64_FORMAT " %" G_GINT64_FORMAT " %s %d %dx%d\n", m->id, m->size,
                              m->sha256, m->kind, m->width, m->height);
    }
  g_assert_true (tf_project_foreach_face (p, NULL, describe_face, s, &error));
  for (guint i = 0; i < history->len; i++)
    {
      TfProjectLabelChange *c = history->pdata[i];
      g_string_append_printf (s, "change %" G_GINT64_FORMAT " a%" G_GINT64_FORMAT " f%" G_GINT64_FORMAT " %d->%d "
                              "%s %d\n", c->id, c->action, c->face, c->before.label, c->after.label,
                              c->after.note ? c->after.note : "-", c->state);
    }
  return g_string_free (g_steal_pointer (&s), FALSE);
}

static void
assert_media_resolve (TfProject *p)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) media = tf_project_list_media (p, &error);
  g_autoptr(TfProjectReport) r = NULL;

  g_assert_no_error (error);
  for (guint i = 0; i < media->len; i++)
    {
      g_autofree char *file = tf_project_media_file (p, media->pdata[i]);
      g_test_message ("%s -> %s", ((TfProjectMedia *) media->pdata[i])->path, file);
      g_assert_true (g_file_test (file, G_FILE_TEST_IS_REGULAR));
    }
  r = tf_project_check (p, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (r->problems->len, ==, 0);
  g_assert_cmpint (r->missing, ==, 0);
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

static void
test_save_copy (void)
{
  g_autoptr(TfProject) p = make_project ("original.tfproj", 2, 3, NULL);
  g_autoptr(TfProject) copy = NULL, reader = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) media = NULL;
  g_autofree char *dest_dir = tmp_path ("copies/deeper"), *dest = NULL, *orig_after = NULL, *before = NULL;
  g_autofree char *after = NULL, *orig_path = tmp_path ("original.tfproj"), *ro_dest = NULL, *wal = NULL;
  g_autoptr(GBytes) kept = NULL;
  gint64 face = 0;
  sqlite3 *db = NULL;
  sqlite3_stmt *s = NULL;

  /* labels, an undone step and a redoable one, a setting: all of it travels */
  g_assert_true (tf_project_set_label (p, 1, 0, TF_LABEL_PERSON, "ann", "first", &error));
  g_assert_true (tf_project_set_label (p, 2, TF_LABEL_UNSURE, TF_LABEL_PERSON, "bob", NULL, &error));
  g_assert_true (tf_project_set_label (p, 3, 2, TF_LABEL_PERSON, "ann", NULL, &error));
  g_assert_cmpint (tf_project_undo (p, &face, &error), ==, 1);
  g_assert_true (tf_project_set_setting (p, TF_PROJECT_SETTING_CROPS, "1", &error));
  g_assert_cmpint (tf_project_add_class (p, "pain", &error), ==, 3);
  g_assert_no_error (error);
  before = describe (p);

  g_assert_cmpint (g_mkdir_with_parents (dest_dir, 0755), ==, 0);
  dest = g_build_filename (dest_dir, "copy.tfproj", NULL);

  /* not while a group is open */
  g_assert_true (tf_project_begin (p, &error));
  g_assert_false (tf_project_save_copy (p, dest, &error));
  g_assert_error (error, TF_PROJECT_ERROR, TF_PROJECT_ERROR_INVALID);
  g_clear_error (&error);
  tf_project_rollback (p);
  g_assert_false (g_file_test (dest, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (count_entries (dest_dir), ==, 0);

  g_assert_true (tf_project_save_copy (p, dest, &error));
  g_assert_no_error (error);
  /* nothing but the copy beside it, no WAL left */
  g_assert_cmpuint (count_entries (dest_dir), ==, 1);
  /* the original is still open for writing and unchanged */
  orig_after = describe (p);
  g_assert_cmpstr (orig_after, ==, before);
  g_assert_true (tf_project_set_label (p, 4, 1, TF_LABEL_PERSON, NULL, NULL, &error));
  g_assert_no_error (error);

  /* a second copy to the same name is refused, the first one untouched */
  kept = read_bytes (dest);
  g_assert_false (tf_project_save_copy (p, dest, &error));
  g_assert_error (error, TF_PROJECT_ERROR, TF_PROJECT_ERROR_EXISTS);
  g_assert_nonnull (strstr (error->message, "copy.tfproj"));
  g_clear_error (&error);
  assert_untouched (dest, kept);
  g_assert_false (tf_project_save_copy (p, orig_path, &error));
  g_assert_error (error, TF_PROJECT_ERROR, TF_PROJECT_ERROR_EXISTS);
  g_clear_error (&error);

  /* the copy: a project in WAL mode, the same content, paths from its folder */
  g_assert_cmpint (sqlite3_open_v2 (dest, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "PRAGMA journal_mode", -1, &s, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (s), ==, SQLITE_ROW);
  g_assert_cmpstr ((const char *) sqlite3_column_text (s, 0), ==, "wal");
  sqlite3_finalize (s);
  sqlite3_close (db);
  copy = tf_project_open (dest, TF_PROJECT_OPEN, &error);
  g_assert_no_error (error);
  after = describe (copy);
  g_assert_cmpstr (after, ==, before);
  media = tf_project_list_media (copy, &error);
  g_assert_cmpuint (media->len, ==, 2);
  g_assert_cmpstr (((TfProjectMedia *) media->pdata[0])->path, ==, "../../original.tfproj-media-0.png");
  assert_media_resolve (copy);
  /* it works as a project: redo what was undone there, undo again */
  g_assert_cmpint (tf_project_redo (copy, &face, &error), ==, 1);
  g_assert_cmpint (face, ==, 3);
  g_assert_cmpint (label_of (copy, 3), ==, 2);
  g_assert_cmpint (tf_project_undo (copy, &face, &error), ==, 1);
  g_assert_no_error (error);
  g_clear_pointer (&copy, tf_project_close);

  /* a reader can make a copy too, and it stays a reader */
  g_clear_pointer (&p, tf_project_close);
  reader = tf_project_open (orig_path, TF_PROJECT_READ_ONLY, &error);
  g_assert_no_error (error);
  ro_dest = tmp_path ("copies/from-reader.tfproj");
  g_assert_true (tf_project_save_copy (reader, ro_dest, &error));
  g_assert_no_error (error);
  g_assert_false (tf_project_set_label (reader, 1, 1, TF_LABEL_PERSON, NULL, NULL, &error));
  g_assert_error (error, TF_PROJECT_ERROR, TF_PROJECT_ERROR_READ_ONLY);
  g_clear_error (&error);
  g_clear_pointer (&reader, tf_project_close);
  wal = g_strconcat (ro_dest, "-wal", NULL);
  g_assert_false (g_file_test (wal, G_FILE_TEST_EXISTS));
  copy = tf_project_open (ro_dest, TF_PROJECT_OPEN, &error);
  g_assert_no_error (error);
  g_assert_cmpint (label_of (copy, 4), ==, 1);
  assert_media_resolve (copy);
}

/* Media at sub/y.png and y.png, the copy in sub/: the first takes the
 * name "y.png" the second had. */
static void
test_save_copy_paths_swap (void)
{
  g_autofree char *sub = tmp_path ("swap/sub"), *path = tmp_path ("swap/p.tfproj");
  g_autofree char *in_sub = tmp_path ("swap/sub/y.png"), *in_top = tmp_path ("swap/y.png");
  g_autofree char *dest = tmp_path ("swap/sub/c.tfproj"), *up = tmp_path ("u.tfproj");
  g_autoptr(TfProject) p = NULL, copy = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) media = NULL;

  g_assert_cmpint (g_mkdir_with_parents (sub, 0755), ==, 0);
  write_file (in_sub, "the one below");
  write_file (in_top, "the one above");
  p = tf_project_open (path, TF_PROJECT_CREATE, &error);
  g_assert_no_error (error);
  g_assert_cmpint (tf_project_add_media (p, in_sub, TF_MEDIA_IMAGE, 1, 1, 0, &error), ==, 1);
  g_assert_cmpint (tf_project_add_media (p, in_top, TF_MEDIA_IMAGE, 1, 1, 0, &error), ==, 2);
  g_assert_true (tf_project_save_copy (p, dest, &error));
  g_assert_no_error (error);
  copy = tf_project_open (dest, TF_PROJECT_OPEN, &error);
  g_assert_no_error (error);
  media = tf_project_list_media (copy, &error);
  g_assert_cmpstr (((TfProjectMedia *) media->pdata[0])->path, ==, "y.png");
  g_assert_cmpstr (((TfProjectMedia *) media->pdata[1])->path, ==, "../y.png");
  assert_media_resolve (copy);
  g_clear_pointer (&media, g_ptr_array_unref);
  g_clear_pointer (&copy, tf_project_close);

  /* and up a folder: swap/sub/y.png and swap/y.png from above */
  g_assert_true (tf_project_save_copy (p, up, &error));
  copy = tf_project_open (up, TF_PROJECT_OPEN, &error);
  g_assert_no_error (error);
  media = tf_project_list_media (copy, &error);
  g_assert_cmpstr (((TfProjectMedia *) media->pdata[0])->path, ==, "swap/sub/y.png");
  g_assert_cmpstr (((TfProjectMedia *) media->pdata[1])->path, ==, "swap/y.png");
  assert_media_resolve (copy);
}

/* A copy that does not fit: FULL, and nothing of it left on the disk. */
static void
test_save_copy_full_disk (void)
{
  g_autofree char *mnt = tmp_path ("copy-full"), *dest = NULL, *before = NULL, *after = NULL;
  g_autofree guint8 *crop = g_malloc (3 * 300 * 300);
  g_autoptr(TfProject) p = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GRand) rng = g_rand_new_with_seed (3);
  g_autofree char *path = tmp_path ("big.tfproj"), *file = tmp_path ("big.png");
  gint64 media, run;

  g_assert_cmpint (g_mkdir (mnt, 0755), ==, 0);
  if (mount ("tmpfs", mnt, "tmpfs", 0, "size=2m") != 0)
    {
      g_test_skip_printf ("cannot mount a small tmpfs here: %s", g_strerror (errno));
      g_rmdir (mnt);
      return;
    }
  /* about 3 MB of crops that do not compress */
  write_file (file, "a picture");
  p = tf_project_open (path, TF_PROJECT_CREATE, &error);
  g_assert_no_error (error);
  run = tf_project_add_run (p, NULL, classes, NULL, &error);
  media = tf_project_add_media (p, file, TF_MEDIA_IMAGE, 640, 480, 0, &error);
  g_assert_true (tf_project_begin (p, &error));
  for (int i = 0; i < 12; i++)
    {
      TfProjectNewFace nf = { .media = media, .run = run, .index = i, .crop = crop, .crop_size = 300 };
      for (guint k = 0; k < 3 * 300 * 300; k++)
        crop[k] = (guint8) g_rand_int (rng);
      g_assert_cmpint (tf_project_add_face (p, &nf, &error), >, 0);
    }
  g_assert_true (tf_project_commit (p, &error));
  g_assert_true (tf_project_set_label (p, 1, 2, TF_LABEL_PERSON, NULL, NULL, &error));
  g_assert_no_error (error);
  before = describe (p);

  dest = g_build_filename (mnt, "copy.tfproj", NULL);
  g_assert_false (tf_project_save_copy (p, dest, &error));
  g_test_message ("%s", error->message);
  g_assert_error (error, TF_PROJECT_ERROR, TF_PROJECT_ERROR_FULL);
  g_assert_nonnull (strstr (error->message, "copy.tfproj"));
  g_assert_nonnull (strstr (error->message, "full"));
  g_clear_error (&error);
  g_assert_cmpuint (count_entries (mnt), ==, 0);
  /* the project goes on as it was */
  after = describe (p);
  g_assert_cmpstr (after, ==, before);
  g_assert_true (tf_project_set_label (p, 2, 1, TF_LABEL_PERSON, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (umount (mnt), ==, 0);
  g_rmdir (mnt);
}

/* A creation killed half-way leaves its temporary file: the next creation
 * beside it removes it when its writer is gone, and leaves a live one's. */
static void
test_create_stale (void)
{
  g_autofree char *path = tmp_path ("stale.tfproj");
  g_autofree char *dead = NULL, *dead_wal = NULL, *live = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(TfProject) p = NULL;
  GPid child;
  int status;
  char *argv[] = { (char *) "true", NULL };

  /* a process id that has ended */
  g_assert_true (g_spawn_async (NULL, argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD,
                                NULL, NULL, &child, &error));
  g_assert_cmpint (waitpid (child, &status, 0), ==, child);
  dead = g_strdup_printf ("%s/.stale.tfproj.new-%d-AbC123", tmpdir, (int) child);
  dead_wal = g_strconcat (dead, "-wal", NULL);
  live = g_strdup_printf ("%s/.stale.tfproj.new-%d-XyZ789", tmpdir, (int) getpid ());
  g_assert_true (g_file_set_contents (dead, "half", -1, NULL));
  g_assert_true (g_file_set_contents (dead_wal, "half", -1, NULL));
  g_assert_true (g_file_set_contents (live, "writing", -1, NULL));

  p = tf_project_open (path, TF_PROJECT_CREATE, &error);
  g_assert_no_error (error);
  g_assert_false (g_file_test (dead, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (dead_wal, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (live, G_FILE_TEST_EXISTS));
  g_unlink (live);
}

/* What stops or weakens a fine-tune names each class as the caller shows
 * it (the application: translated), or as the project writes it. */
static const char *
shout (const char *name)
{
  static char buf[32];

  g_strlcpy (buf, name, sizeof buf);
  for (char *c = buf; *c; c++)
    *c = g_ascii_toupper (*c);
  return buf;
}

static void
test_finetune_check_names (void)
{
  char *names[] = { "anger", "calm", NULL };
  guint counts[] = { 3, 0 };
  TfFinetuneData d = { .classes = names, .n_classes = 2, .counts = counts, .n_labelled = 3 };
  g_autofree char *plain = tf_finetune_data_check (&d, NULL);
  g_autofree char *shown = tf_finetune_data_check_named (&d, NULL, shout);

  g_assert_nonnull (strstr (plain, "every labelled face is anger"));
  g_assert_nonnull (strstr (shown, "every labelled face is ANGER"));
  counts[0] = TF_FINETUNE_MIN_PER_CLASS;
  counts[1] = 2;
  g_clear_pointer (&shown, g_free);
  shown = tf_finetune_data_check_named (&d, NULL, shout);
  g_assert_nonnull (strstr (shown, "only 2 faces are labelled CALM"));
}

int
main (int    argc,
      char **argv)
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  tmpdir = g_dir_make_tmp ("tf-test-project-XXXXXX", NULL);
  g_test_add_func ("/project/create-reopen", test_create_reopen);
  g_test_add_func ("/project/finetune-check-names", test_finetune_check_names);
  g_test_add_func ("/project/create-stale", test_create_stale);
  g_test_add_func ("/project/newer-version", test_newer_version);
  g_test_add_func ("/project/not-a-project", test_not_a_project);
  g_test_add_func ("/project/read-only-file", test_read_only_file);
  g_test_add_func ("/project/second-process", test_second_process);
  g_test_add_func ("/project/labels-history", test_labels_history);
  g_test_add_func ("/project/votes", test_votes);
  g_test_add_func ("/project/migrate-v1", test_migrate_v1);
  g_test_add_func ("/project/finetune-votes", test_finetune_votes);
  g_test_add_func ("/project/walk-and-queue", test_walk_and_queue);
  g_test_add_func ("/project/stats", test_stats);
  g_test_add_func ("/project/check-relink", test_check_relink);
  g_test_add_func ("/project/full-disk", test_full_disk);
  g_test_add_func ("/project/import-labels", test_import_labels);
  g_test_add_func ("/project/import-problems-utf8", test_import_problems_utf8);
  g_test_add_func ("/project/save-copy", test_save_copy);
  g_test_add_func ("/project/save-copy-paths-swap", test_save_copy_paths_swap);
  g_test_add_func ("/project/save-copy-full-disk", test_save_copy_full_disk);
  ret = g_test_run ();
  tf_test_remove_tmpdir (tmpdir);
  return ret;
}
