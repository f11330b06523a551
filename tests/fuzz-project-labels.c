/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Fuzzes a project's label CSV import (tf_project_import_labels in
 * app/media/tf-project-io.c) on a small project made once: pictures with
 * one or two faces (two media share a base name), a video of four frames
 * with two tracks, some labels and an undo step already there. The input
 * is written to a CSV beside the project. An import that fails changes
 * nothing (labels, history, undo and redo as they were) and reports its
 * lines in UTF-8; one that succeeds is undone in one step, back to the
 * labels before it. With -DTF_HAVE_LIBFUZZER a libFuzzer target, else the
 * portable driver of tf-fuzz-driver.h:
 *
 *   fuzz-project-labels SECONDS [SEED_FILE_OR_DIR...] */
#include <glib.h>
#include <glib/gstdio.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tf-project.h"

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);
int LLVMFuzzerInitialize (int    *argc,
                          char ***argv);

static char *tmp_dir;
static char *project_path;
static char *csv_path;
static GBytes *pristine;     /* the project file as made */
static TfProject *project;   /* open; made again from @pristine after an import that succeeded */

static void
check (gboolean    condition,
       const char *what)
{
  if (!condition)
    {
      fprintf (stderr, "fuzz-project-labels: invariant broken: %s\n", what);
      abort ();
    }
}

static void
need (gboolean      ok,
      const GError *error)
{
  if (!ok)
    {
      fprintf (stderr, "fuzz-project-labels: cannot make the project: %s\n", error ? error->message : "?");
      abort ();
    }
}

static char *
tmp_file (const char *name)
{
  return g_build_filename (tmp_dir, name, NULL);
}

static gint64
add_media (TfProject   *p,
           const char  *name,
           TfMediaKind  kind,
           GError     **error)
{
  g_autofree char *path = tmp_file (name), *dir = g_path_get_dirname (path);

  g_mkdir_with_parents (dir, 0755);
  need (g_file_set_contents (path, name, -1, error), *error);
  return tf_project_add_media (p, path, kind, 64, 48, kind == TF_MEDIA_VIDEO ? 4 / 25.0 : 0, error);
}

static void
add_faces (TfProject *p,
           gint64     media,
           gint64     run,
           int        frames,
           int        per_frame)
{
  g_autoptr(GError) error = NULL;
  guint8 crop[3 * 4 * 4] = { 0 };

  for (int f = 0; f < frames; f++)
    for (int i = 0; i < per_frame; i++)
      {
        TfProjectNewFace nf = { .media = media, .run = run, .frame = f, .time_s = f / 25.0, .index = i,
                                .det = { .x = 10 * i, .y = 5, .w = 8, .h = 8, .score = 0.9f },
                                .track = i + 1, .crop = crop, .crop_size = 4 };
        float probs[3] = { 0.5f, 0.3f, 0.2f };
        gint64 face = tf_project_add_face (p, &nf, &error);

        need (face > 0 && tf_project_add_prediction (p, face, run, probs, 3, &error), error);
      }
}

static void
make_pristine (void)
{
  const char *const classes[] = { "calm", "glad", "cross", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(TfProject) p = tf_project_open (project_path, TF_PROJECT_CREATE, &error);
  gint64 run, a, b, c, clip;
  char *data;
  gsize len;

  need (p != NULL, error);
  need ((run = tf_project_add_run (p, NULL, classes, NULL, &error)) > 0, error);
  need ((a = add_media (p, "a.png", TF_MEDIA_IMAGE, &error)) > 0, error);
  need ((b = add_media (p, "sub/b.png", TF_MEDIA_IMAGE, &error)) > 0, error);
  need ((c = add_media (p, "sub/a.png", TF_MEDIA_IMAGE, &error)) > 0, error);
  need ((clip = add_media (p, "clip.mp4", TF_MEDIA_VIDEO, &error)) > 0, error);
  add_faces (p, a, run, 1, 2);      /* faces 1, 2 */
  add_faces (p, b, run, 1, 1);      /* 3 */
  add_faces (p, c, run, 1, 1);      /* 4 */
  add_faces (p, clip, run, 4, 2);   /* 5..12: frames 0..3, tracks 1 and 2 */
  need (tf_project_set_label (p, 1, 0, TF_LABEL_PERSON, "ann", "first", &error), error);
  need (tf_project_set_label (p, 5, TF_LABEL_UNSURE, TF_LABEL_PERSON, NULL, NULL, &error), error);
  need (tf_project_set_label (p, 6, 2, TF_LABEL_PERSON, "bob", NULL, &error), error);
  need (tf_project_undo (p, NULL, &error) == 1, error);   /* something to redo, which an import replaces */
  g_clear_pointer (&p, tf_project_close);
  need (g_file_get_contents (project_path, &data, &len, &error), error);
  pristine = g_bytes_new_take (data, len);
}

static void
open_project (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *wal = g_strconcat (project_path, "-wal", NULL), *shm = g_strconcat (project_path, "-shm", NULL);
  gsize len;
  const char *data = g_bytes_get_data (pristine, &len);

  g_unlink (wal);
  g_unlink (shm);
  need (g_file_set_contents_full (project_path, data, (gssize) len, G_FILE_SET_CONTENTS_NONE, 0644, &error), error);
  project = tf_project_open (project_path, TF_PROJECT_OPEN, &error);
  need (project != NULL, error);
}

static gboolean
describe_face (const TfProjectFace *f,
               gpointer             data)
{
  g_string_append_printf (data, "%" G_GINT64_FORMAT ":%d,%d,%s,%s,%" G_GINT64_FORMAT "\n", f->id, f->label.label,
                          f->label.source, f->label.annotator ? f->label.annotator : "-",
                          f->label.note ? f->label.note : "-", f->label.time);
  return TRUE;
}

/* Every face's label; with @history, the label history and what undo and
 * redo would do as well. */
static char *
describe (gboolean history)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) s = g_string_new (NULL);

  check (tf_project_foreach_face (project, NULL, describe_face, s, &error), "the faces can be read");
  if (history)
    {
      g_autoptr(GPtrArray) changes = tf_project_get_label_history (project, 0, &error);

      check (changes != NULL, "the history can be read");
      for (guint i = 0; i < changes->len; i++)
        {
          TfProjectLabelChange *c = changes->pdata[i];
          g_string_append_printf (s, "h%" G_GINT64_FORMAT ",%" G_GINT64_FORMAT ",%" G_GINT64_FORMAT ",%d,%d,%d\n",
                                  c->id, c->action, c->face, c->before.label, c->after.label, c->state);
        }
      g_string_append_printf (s, "undo %d redo %d\n", tf_project_can_undo (project), tf_project_can_redo (project));
    }
  return g_string_free (g_steal_pointer (&s), FALSE);
}

/* At exit, libFuzzer's too: the folder goes with what it holds. */
static void
clean_up (void)
{
  const char *const names[] = { "a.png", "sub/b.png", "sub/a.png", "clip.mp4", "labels.csv", "labels.tfproj",
                                "labels.tfproj-wal", "labels.tfproj-shm", "sub" };

  g_clear_pointer (&project, tf_project_close);
  g_clear_pointer (&pristine, g_bytes_unref);
  for (guint i = 0; tmp_dir && i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *path = tmp_file (names[i]);
      g_remove (path);
    }
  if (tmp_dir)
    g_rmdir (tmp_dir);
  g_clear_pointer (&project_path, g_free);
  g_clear_pointer (&csv_path, g_free);
  g_clear_pointer (&tmp_dir, g_free);
}

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  (void) argc;
  (void) argv;
  tmp_dir = g_dir_make_tmp ("fuzz-project-labels-XXXXXX", NULL);
  if (tmp_dir == NULL)
    abort ();
  project_path = tmp_file ("labels.tfproj");
  csv_path = tmp_file ("labels.csv");
  make_pristine ();
  atexit (clean_up);
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *labels_before = NULL, *all_before = NULL, *after = NULL;
  gint64 n = -1;
  gboolean ok;

  if (tmp_dir == NULL)
    LLVMFuzzerInitialize (NULL, NULL);
  if (project == NULL)
    open_project ();
  if (!g_file_set_contents_full (csv_path, (const char *) data, (gssize) size, G_FILE_SET_CONTENTS_NONE, 0644, NULL))
    abort ();
  labels_before = describe (FALSE);
  all_before = describe (TRUE);

  ok = tf_project_import_labels (project, csv_path, size % 2 ? "fuzz" : NULL, problems, &n, &error);
  check (ok == (error == NULL), "an error exactly when refused");
  for (guint i = 0; i < problems->len; i++)
    check (g_utf8_validate (problems->pdata[i], -1, NULL), "the problems are UTF-8");
  if (!ok)
    {
      check (g_utf8_validate (error->message, -1, NULL), "the message is UTF-8");
      check (error->domain == TF_PROJECT_ERROR, "a project error");
      after = describe (TRUE);
      check (g_str_equal (after, all_before), "a refused import changes nothing");
      check (error->code != TF_PROJECT_ERROR_INPUT || problems->len > 0 || strstr (error->message, "header"),
             "a refused CSV says which lines");
      return 0;
    }
  check (problems->len == 0, "an import with problems is refused");
  check (n >= 0, "a count of labels");
  if (n > 0)
    {
      int undone = tf_project_undo (project, NULL, &error);
      check (undone == n, "one undo step takes back every label the import set");
    }
  after = describe (FALSE);
  check (g_str_equal (after, labels_before), "after the undo, the labels are those before the import");
  /* the history grows with each import: the next input starts afresh */
  g_clear_pointer (&project, tf_project_close);
  return 0;
}

#ifndef TF_HAVE_LIBFUZZER
#include "tf-fuzz-driver.h"

int
main (int    argc,
      char **argv)
{
  static const char *const tokens[] = { "file,frame,face,track,label\n", "\xEF\xBB\xBF", "a.png", "sub/a.png",
                                        "sub/b.png", "clip.mp4", "calm", "GLAD", "not a face", "unsure", ",",
                                        "\"\"", "\r\n", "-1", "3", "9223372036854775807", "../", "\xe9", NULL };
  static const char *const own[] = { "file,frame,face,label\nclip.mp4,2,1,glad\nsub/b.png,0,0,calm\n",
                                     "file,track,label\nclip.mp4,1,cross\n" };
  GPtrArray *seeds = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  int status;

  for (guint i = 0; i < G_N_ELEMENTS (own); i++)
    g_ptr_array_add (seeds, g_bytes_new_static (own[i], strlen (own[i])));
  LLVMFuzzerInitialize (&argc, &argv);
  status = tf_fuzz_main (argc, argv, "fuzz-project-labels", seeds, tokens, NULL, 0x7f2a0b);
  clean_up ();
  return status;
}
#endif
