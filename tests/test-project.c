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
  g_assert_cmpint (sqlite3_exec (db, "PRAGMA user_version = 2", NULL, NULL, NULL), ==, SQLITE_OK);
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
  g_assert_true (tf_project_set_label (p, 3, 0, TF_LABEL_PERSON, NULL, NULL, &error));
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

int
main (int    argc,
      char **argv)
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  tmpdir = g_dir_make_tmp ("tf-test-project-XXXXXX", NULL);
  g_test_add_func ("/project/create-reopen", test_create_reopen);
  g_test_add_func ("/project/newer-version", test_newer_version);
  g_test_add_func ("/project/not-a-project", test_not_a_project);
  g_test_add_func ("/project/read-only-file", test_read_only_file);
  g_test_add_func ("/project/second-process", test_second_process);
  g_test_add_func ("/project/labels-history", test_labels_history);
  g_test_add_func ("/project/walk-and-queue", test_walk_and_queue);
  g_test_add_func ("/project/stats", test_stats);
  g_test_add_func ("/project/check-relink", test_check_relink);
  g_test_add_func ("/project/full-disk", test_full_disk);
  ret = g_test_run ();
  tf_test_remove_tmpdir (tmpdir);
  return ret;
}
