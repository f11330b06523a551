/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The window's project: every face the analysis finds is stored (with the
 * aligned crop the model saw and its probabilities) in batched
 * transactions; media already in the project are restored without being
 * analysed again; labels are given from the keyboard or the inspector's
 * label bar, each one a transaction of its own, undone and redone; faces
 * the detector missed are drawn; a video track's range is labelled at once.
 * A window always has a project: a new one lives in the user's data folder
 * until it is saved elsewhere. */
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <string.h>

#include "tf-analyze.h"
#include "tf-datafiles.h"
#include "tf-project.h"
#include "tf-window-private.h"

G_STATIC_ASSERT (TF_LABEL_MAP_NONE == TF_LABEL_NONE);
G_STATIC_ASSERT (TF_LABEL_MAP_UNSURE == TF_LABEL_UNSURE);
G_STATIC_ASSERT (TF_LABEL_MAP_NOT_A_FACE == TF_LABEL_NOT_A_FACE);
G_STATIC_ASSERT ((int) TF_LABEL_MAP_FROM_PROPAGATED == (int) TF_LABEL_PROPAGATED);

/* analysis results wait at most this long for their transaction's commit */
#define COMMIT_DELAY_MS 300
/* a project with more faces opens on its review queue, not all its media */
#define MAX_RESTORED_FACES 5000

/* ---- helpers ------------------------------------------------------------------- */

static char *
canonical (const char *path)
{
  g_autofree char *abs = g_canonicalize_filename (path, NULL);
  char *real = realpath (abs, NULL);

  if (real == NULL)
    return g_steal_pointer (&abs);
  {
    char *copy = g_strdup (real);
    free (real);
    return copy;
  }
}

/* The annotator the preferences name: trimmed; blank (or all spaces) is
 * the login's full name. */
static char *
wanted_annotator (TfWindow *self)
{
  g_autofree char *name = g_strstrip (g_settings_get_string (self->settings, "annotator"));

  return *name ? g_steal_pointer (&name) : g_strstrip (g_strdup (g_get_real_name ()));
}

/* The name this person's labels are filed under: the preference, in the
 * spelling the open project already has for it ("alice" -> "Alice").
 * Kept while the preference and the project stay: the project answers
 * only its last question from memory, and asking it "alice" and "Alice"
 * in turn would read every vote's name at each label. */
static const char *
annotator (TfWindow *self)
{
  g_autofree char *name = wanted_annotator (self);
  char *filed;

  if (self->annotator && self->annotator_project == self->project && self->project &&
      g_strcmp0 (name, self->annotator_wanted) == 0)
    return self->annotator;
  filed = self->project && *name ? tf_project_annotator_name (self->project, name, NULL) : NULL;
  g_free (self->annotator);
  self->annotator = filed ? filed : g_strdup (name);
  g_free (self->annotator_wanted);
  self->annotator_wanted = g_steal_pointer (&name);
  self->annotator_project = self->project;
  return self->annotator;
}

/* Once per name and project: the labels went under the project's
 * spelling of the name, not the preference's. */
static void
tell_filed_name (TfWindow *self)
{
  g_autofree char *wanted = wanted_annotator (self);
  g_autofree char *key = NULL, *text = NULL;

  if (self->project == NULL || self->annotator == NULL || strcmp (self->annotator, wanted) == 0)
    return;
  key = g_strconcat (tf_project_get_path (self->project), "\n", wanted, NULL);
  if (g_strcmp0 (key, self->annotator_told) == 0)
    return;
  g_free (self->annotator_told);
  self->annotator_told = g_steal_pointer (&key);
  /* TRANSLATORS: a toast; the first %s is the name as the project spells it, the second as the
   * preferences do ("Labels filed as “Alice”: this project's spelling of “alice”") */
  text = g_strdup_printf (_("Labels filed as “%s”: this project's spelling of “%s”"), self->annotator, wanted);
  tf_window_add_toast (self, text);
}

/* A project's error, as the person should read it: the file and the problem. */
static void
project_toast (TfWindow     *self,
               const char   *what,
               const GError *error)
{
  g_autofree char *text = g_strdup_printf ("%s: %s", what, error->message);

  tf_window_add_toast (self, text);
}

static void
update_title (TfWindow *self)
{
  g_autofree char *name = NULL;
  g_autofree char *title = NULL;

  if (self->project == NULL)
    {
      adw_window_title_set_title (self->window_title, _("TransFER Studio"));
      return;
    }
  name = g_filename_display_basename (tf_project_get_path (self->project));
  if (g_str_has_suffix (name, TF_PROJECT_SUFFIX))
    name[strlen (name) - strlen (TF_PROJECT_SUFFIX)] = '\0';
  if (tf_project_is_read_only (self->project))
    /* TRANSLATORS: the window title of a project that cannot be changed */
    title = g_strdup_printf (_("%s (read-only)"), name);
  else
    title = g_strdup (name);
  adw_window_title_set_title (self->window_title, title);
  gtk_window_set_title (GTK_WINDOW (self), title);
}

/* The label map follows the project's classes and labels. */
static void
reload_labels (TfWindow *self)
{
  g_auto(GStrv) classes = NULL;
  TfProjectFilter filter;
  g_autoptr(GError) error = NULL;

  tf_label_map_clear (self->labels);
  /* the names the project has may have changed: filed again at the next label */
  self->annotator_project = NULL;
  if (self->project == NULL)
    {
      tf_label_map_set_classes (self->labels, NULL);
      return;
    }
  classes = tf_project_get_classes (self->project);
  tf_label_map_set_classes (self->labels, (const char * const *) classes);
  tf_project_filter_init (&filter);
  filter.labelled = TF_LABELLED_YES;
  if (!tf_project_foreach_face (self->project, &filter, tf_window_project_load_label_cb, self, &error))
    project_toast (self, tf_project_get_path (self->project), error);
}

gboolean
tf_window_project_load_label_cb (const TfProjectFace *face,
                                 gpointer             user_data)
{
  TfWindow *self = user_data;

  tf_label_map_set (self->labels, face->id, face->label.label, (TfLabelMapSource) face->label.source);
  return TRUE;
}

/* ---- storing what the analysis finds ------------------------------------------- */

static gboolean
commit_batch (TfWindow *self)
{
  g_autoptr(GError) error = NULL;

  g_clear_handle_id (&self->commit_timeout, g_source_remove);
  if (!self->batch_open)
    return TRUE;
  self->batch_open = FALSE;
  if (tf_project_commit (self->project, &error))
    return TRUE;
  tf_project_rollback (self->project);
  self->store_failed = TRUE;
  {
    g_autofree char *text = g_strdup_printf (_("The analysis could not be saved in the project: %s"),
                                             error->message);
    tf_window_add_toast (self, text);
  }
  return FALSE;
}

static gboolean
commit_timeout_cb (gpointer data)
{
  TfWindow *self = data;

  self->commit_timeout = 0;
  commit_batch (self);
  return G_SOURCE_REMOVE;
}

void
tf_window_project_flush (TfWindow *self)
{
  if (self->project)
    commit_batch (self);
}

static gboolean
writable (TfWindow *self)
{

  return self->project != NULL && !tf_project_is_read_only (self->project);
}

static gboolean
ensure_batch (TfWindow *self)
{
  g_autoptr(GError) error = NULL;

  if (self->batch_open)
    return TRUE;
  if (!tf_project_begin (self->project, &error))
    {
      self->store_failed = TRUE;
      project_toast (self, tf_project_get_path (self->project), error);
      return FALSE;
    }
  self->batch_open = TRUE;
  self->commit_timeout = g_timeout_add (COMMIT_DELAY_MS, commit_timeout_cb, self);
  return TRUE;
}

static char *
settings_json (TfWindow *self)
{
  /* the mirrored average changes the probabilities: another run */
  return g_strdup_printf ("{\"video_fps\":%g,\"threshold\":%g,\"crops\":%s,\"mirror\":%s}",
                          g_settings_get_double (self->settings, "video-fps"),
                          g_settings_get_double (self->settings, "detector-threshold"),
                          tf_window_project_crops (self) ? "true" : "false",
                          g_settings_get_boolean (self->settings, "mirror-average") ? "true" : "false");
}

/* The model and settings the next faces come from; a new run is made when
 * they differ from the current run's. Read when an analysis starts, not at
 * each face: a setting changed half-way does not change a running analysis. */
void
tf_window_project_analysis_started (TfWindow *self)
{
  const char *path = tf_session_get_model_path (self->session);
  g_autofree char *json = settings_json (self);
  g_autofree char *key = g_strdup_printf ("%s\n%s", path ? path : "", json);

  if (self->run > 0 && g_strcmp0 (key, self->run_key) == 0)
    return;
  self->run = 0;
  g_free (self->run_key);
  self->run_key = g_steal_pointer (&key);
  g_free (self->run_settings);
  self->run_settings = g_steal_pointer (&json);
}

/* This window's analysis run, made at the first face stored after a change. */
static gint64
ensure_run (TfWindow  *self,
            GError   **error)
{
  const char *path = tf_session_get_model_path (self->session);
  g_autofree char *model = NULL;

  if (self->run > 0)
    return self->run;
  if (self->run_key == NULL)   /* a face drawn before any analysis */
    tf_window_project_analysis_started (self);
  model = path && *path ? g_strdup (path) : tf_data_find (TF_DATA_MODEL);
  self->run = tf_project_add_run (self->project, model, tf_session_get_classes (self->session),
                                  self->run_settings, error);
  if (self->run > 0 && tf_label_map_get_n_classes (self->labels) != tf_project_get_n_classes (self->project))
    {
      g_auto(GStrv) classes = tf_project_get_classes (self->project);
      tf_label_map_set_classes (self->labels, (const char * const *) classes);
    }
  return self->run;
}

static gint64
media_id (TfWindow     *self,
          const char   *file,
          GError      **error)
{
  g_autofree char *key = NULL;
  gint64 *id;
  TfMediaKind kind = TF_MEDIA_IMAGE;
  gint64 added;

  /* a file's faces come together: its id without resolving its path again */
  if (self->last_media > 0 && g_strcmp0 (file, self->last_media_file) == 0)
    return self->last_media;
  key = canonical (file);
  id = g_hash_table_lookup (self->media_ids, key);
  if (id)
    {
      g_free (self->last_media_file);
      self->last_media_file = g_strdup (file);
      return self->last_media = *id;
    }
  tf_media_kind_for_name (file, &kind);
  added = tf_project_add_media (self->project, file, kind, 0, 0, 0, error);
  if (added > 0)
    g_hash_table_insert (self->media_ids, g_steal_pointer (&key), g_memdup2 (&added, sizeof added));
  return added;
}

/* Stores @probe (a face the analysis found, or one drawn by hand) and sets
 * its face_id; nothing when the project cannot take it (said once). */
static void
store_probe (TfWindow    *self,
             TfFaceProbe *probe,
             gboolean     manual)
{
  g_autoptr(GError) error = NULL;
  TfProjectNewFace face = { 0 };
  gint64 run, media, id;

  if (!writable (self) || self->store_failed || probe->face_id != 0 || probe->source_rgb == NULL)
    return;
  if (!ensure_batch (self))
    return;
  if ((run = ensure_run (self, &error)) <= 0 || (media = media_id (self, probe->file, &error)) <= 0)
    goto failed;
  /* analysed again: a face a person labelled or drew stays that face */
  if (!manual && (id = tf_window_reanalyse_match (self, probe)) > 0)
    {
      if (!tf_project_add_prediction (self->project, id, run, probe->probs, probe->classes, &error))
        goto failed;
      probe->face_id = id;
      return;
    }
  face.media = media;
  face.run = manual ? 0 : run;
  face.frame = probe->frame;
  face.time_s = probe->time_s;
  face.index = probe->face;
  face.det = (TfFace) { .x = probe->box[0], .y = probe->box[1], .w = probe->box[2], .h = probe->box[3],
                        .score = probe->score };
  memcpy (face.det.landmarks, probe->landmarks, sizeof face.det.landmarks);
  face.has_landmarks = TRUE;
  face.track = probe->track;
  face.manual = manual;
  face.crop = probe->source_rgb;
  face.crop_size = probe->source_size;
  if ((id = tf_project_add_face (self->project, &face, &error)) <= 0 ||
      !tf_project_add_prediction (self->project, id, run, probe->probs, probe->classes, &error))
    goto failed;
  probe->face_id = id;
  return;

failed:
  self->batch_open = FALSE;
  g_clear_handle_id (&self->commit_timeout, g_source_remove);
  tf_project_rollback (self->project);
  self->store_failed = TRUE;
  {
    g_autofree char *text = g_strdup_printf (_("The analysis could not be saved in the project: %s"),
                                             error->message);
    tf_window_add_toast (self, text);
  }
}

void
tf_window_project_store_face (TfWindow    *self,
                              TfFaceProbe *probe)
{
  store_probe (self, probe, FALSE);
}

void
tf_window_project_file_done (TfWindow   *self,
                             const char *file,
                             const char *error_text,
                             gint64      faces)
{
  g_autoptr(GError) error = NULL;

  /* a file without faces is analysed all the same: not again next time */
  if (!writable (self) || self->store_failed || error_text != NULL || faces > 0)
    return;
  if (!ensure_batch (self) || media_id (self, file, &error) <= 0)
    {
      if (error)
        project_toast (self, tf_project_get_path (self->project), error);
    }
}

/* ---- restoring faces from the project ------------------------------------------- */

static GdkTexture *
texture_from_crop (const guint8 *rgb,
                   int           size)
{
  g_autoptr(GBytes) bytes = g_bytes_new (rgb, (gsize) 3 * size * size);

  return gdk_memory_texture_new (size, size, GDK_MEMORY_R8G8B8, bytes, (gsize) 3 * size);
}

typedef struct
{
  TfWindow  *self;
  GPtrArray *probes;
  GHashTable *run_classes;   /* run -> GStrv */
} Restore;

/* A probe from a stored face: where it is, its crop and probabilities (of
 * the latest run that predicted it); the maps come when it is inspected. */
static TfFaceProbe *
probe_from_face (TfWindow            *self,
                 const TfProjectFace *f,
                 GHashTable          *run_classes)
{
  g_autoptr(TfFaceProbe) p = tf_face_probe_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) crop = NULL;
  TfProjectFace other = { 0 };
  const TfProjectFace *with = f;
  gint64 run = tf_project_get_latest_run (self->project);
  char **classes;
  int size = 0;

  /* an older run's face: its own latest prediction */
  for (gint64 r = run - 1; with->probs == NULL && r > 0; r--)
    {
      tf_project_face_clear (&other);
      if (tf_project_get_face (self->project, f->id, r, &other, NULL) && other.probs)
        {
          with = &other;
          run = r;
        }
    }
  p->face_id = f->id;
  p->frame = f->frame;
  p->time_s = f->time_s;
  p->face = f->index;
  p->track = f->track;
  p->box[0] = f->det.x;
  p->box[1] = f->det.y;
  p->box[2] = f->det.w;
  p->box[3] = f->det.h;
  p->score = f->det.score;
  memcpy (p->landmarks, f->det.landmarks, sizeof p->landmarks);
  if (with->probs)
    {
      classes = g_hash_table_lookup (run_classes, &run);
      if (classes == NULL)
        {
          classes = tf_project_get_run_classes (self->project, run, NULL);
          if (classes)
            g_hash_table_insert (run_classes, g_memdup2 (&run, sizeof run), classes);
        }
      if (classes && (int) g_strv_length (classes) == with->n_probs)
        {
          p->classes = with->n_probs;
          p->class_names = g_strdupv (classes);
          p->probs = g_memdup2 (with->probs, sizeof (float) * with->n_probs);
          p->predicted = 0;
          for (int k = 1; k < p->classes; k++)
            if (p->probs[k] > p->probs[p->predicted])
              p->predicted = k;
        }
    }
  tf_project_face_clear (&other);
  crop = tf_project_get_crop (self->project, f->id, &size, &error);
  if (crop && size > 0)
    {
      p->source_rgb = g_memdup2 (g_bytes_get_data (crop, NULL), g_bytes_get_size (crop));
      p->source_size = size;
      p->crop = texture_from_crop (p->source_rgb, size);
    }
  return g_steal_pointer (&p);
}

static gboolean
restore_face_cb (const TfProjectFace *face,
                 gpointer             user_data)
{
  Restore *r = user_data;

  g_ptr_array_add (r->probes, probe_from_face (r->self, face, r->run_classes));
  return TRUE;
}

/* The stored faces of @file, with their file name set; NULL when the
 * project does not have the file. */
GPtrArray *
tf_window_project_restore (TfWindow   *self,
                           const char *file)
{
  g_autofree char *key = NULL;
  gint64 *id;
  TfProjectFilter filter;
  g_autoptr(GError) error = NULL;
  Restore r;

  if (self->project == NULL)
    return NULL;
  key = canonical (file);
  id = g_hash_table_lookup (self->media_ids, key);
  if (id == NULL)
    return NULL;
  tf_project_filter_init (&filter);
  filter.media = *id;
  r.self = self;
  r.probes = g_ptr_array_new_with_free_func ((GDestroyNotify) tf_face_probe_unref);
  r.run_classes = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, (GDestroyNotify) g_strfreev);
  if (!tf_project_foreach_face (self->project, &filter, restore_face_cb, &r, &error))
    {
      project_toast (self, tf_project_get_path (self->project), error);
      g_clear_pointer (&r.probes, g_ptr_array_unref);
    }
  for (guint i = 0; r.probes && i < r.probes->len; i++)
    {
      TfFaceProbe *p = g_ptr_array_index (r.probes, i);
      p->file = g_strdup (file);
    }
  g_hash_table_unref (r.run_classes);
  return r.probes;
}

/* A probe for a face of the project that no view holds (the review page). */
TfFaceProbe *
tf_window_project_probe (TfWindow *self,
                         gint64    face)
{
  TfProjectFace f = { 0 };
  g_autoptr(GHashTable) run_classes = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(TfProjectMedia) media = NULL;
  TfFaceProbe *p;

  if (self->project == NULL || !tf_project_get_face (self->project, face, 0, &f, &error))
    return NULL;
  run_classes = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, (GDestroyNotify) g_strfreev);
  p = probe_from_face (self, &f, run_classes);
  /* the stored path is relative to the project */
  media = g_new0 (TfProjectMedia, 1);
  media->path = g_strdup (f.file);
  p->file = tf_project_media_file (self->project, media);
  tf_project_face_clear (&f);
  return p;
}

/* The media files of the project, as absolute paths, in the order added. */
GPtrArray *
tf_window_project_media_files (TfWindow *self)
{
  GPtrArray *files = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) media = NULL;

  if (self->project == NULL || (media = tf_project_list_media (self->project, NULL)) == NULL)
    return files;
  for (guint i = 0; i < media->len; i++)
    g_ptr_array_add (files, tf_project_media_file (self->project, g_ptr_array_index (media, i)));
  return files;
}

/* ---- the project itself ----------------------------------------------------------- */

static void
index_media (TfWindow *self)
{
  g_autoptr(GPtrArray) media = NULL;

  g_hash_table_remove_all (self->media_ids);
  if (self->project == NULL || (media = tf_project_list_media (self->project, NULL)) == NULL)
    return;
  for (guint i = 0; i < media->len; i++)
    {
      TfProjectMedia *m = g_ptr_array_index (media, i);
      g_autofree char *file = tf_project_media_file (self->project, m);

      g_hash_table_insert (self->media_ids, canonical (file), g_memdup2 (&m->id, sizeof m->id));
    }
}

static gboolean is_untitled (TfProject *project);
static void     remove_project_file (const char *path);

static void
close_project (TfWindow *self)
{
  g_autofree char *empty = NULL;

  if (self->project == NULL)
    return;
  self->annotator_project = NULL;
  commit_batch (self);
  /* an untitled project nothing was put in is not kept */
  if (!tf_project_is_read_only (self->project) && is_untitled (self->project) &&
      g_hash_table_size (self->media_ids) == 0 && tf_project_count_faces (self->project, NULL, NULL) == 0)
    empty = g_strdup (tf_project_get_path (self->project));
  tf_review_view_set_project (TF_REVIEW_VIEW (self->review_view), NULL);
  tf_stats_view_set_project (TF_STATS_VIEW (self->stats_view), NULL);
  tf_finetune_view_set_project (TF_FINETUNE_VIEW (self->finetune_view), NULL);
  g_clear_pointer (&self->project, tf_project_close);
  if (empty)
    remove_project_file (empty);
  self->run = 0;
  g_clear_pointer (&self->run_key, g_free);
  g_clear_pointer (&self->run_settings, g_free);
  g_clear_pointer (&self->last_media_file, g_free);
  self->last_media = 0;
  self->store_failed = FALSE;
  g_hash_table_remove_all (self->media_ids);
}

static void
adopt_project (TfWindow  *self,
               TfProject *project)
{
  close_project (self);
  self->project = project;
  index_media (self);
  reload_labels (self);
  update_title (self);
  tf_face_inspector_set_labelling (self->inspector, TRUE);
  tf_review_view_set_project (TF_REVIEW_VIEW (self->review_view), project);
  tf_stats_view_set_project (TF_STATS_VIEW (self->stats_view), project);
  tf_finetune_view_set_project (TF_FINETUNE_VIEW (self->finetune_view), project);
  if (tf_project_is_read_only (project))
    {
      g_autofree char *name = g_filename_display_basename (tf_project_get_path (project));
      g_autofree char *text = g_strdup_printf (_("%s is opened read-only: labels cannot be changed"), name);
      tf_window_add_toast (self, text);
    }
  tf_window_update_actions (self);
}

static void
remove_project_file (const char *path)
{
  g_autofree char *wal = g_strconcat (path, "-wal", NULL);
  g_autofree char *shm = g_strconcat (path, "-shm", NULL);

  g_unlink (path);
  g_unlink (wal);
  g_unlink (shm);
}

static char *
projects_folder (void)
{
  return g_build_filename (g_get_user_data_dir (), "transfer-studio", "projects", NULL);
}

/* A new project in the user's data folder: "Untitled", "Untitled 2", ... */
static TfProject *
new_untitled (GError **error)
{
  g_autofree char *folder = projects_folder ();

  if (g_mkdir_with_parents (folder, 0700) != 0)
    {
      int errsv = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv), "%s: %s", folder, g_strerror (errsv));
      return NULL;
    }
  for (int n = 1; n < 10000; n++)
    {
      g_autofree char *name = n == 1 ? g_strdup_printf ("%s%s", _("Untitled"), TF_PROJECT_SUFFIX)
                                     : g_strdup_printf ("%s %d%s", _("Untitled"), n, TF_PROJECT_SUFFIX);
      g_autofree char *path = g_build_filename (folder, name, NULL);
      g_autoptr(GError) local = NULL;
      TfProject *project;

      if (g_file_test (path, G_FILE_TEST_EXISTS))
        continue;
      project = tf_project_open (path, TF_PROJECT_CREATE, &local);
      if (project)
        return project;
      if (!g_error_matches (local, TF_PROJECT_ERROR, TF_PROJECT_ERROR_EXISTS))
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return NULL;
        }
    }
  g_set_error (error, TF_PROJECT_ERROR, TF_PROJECT_ERROR_EXISTS, _("Too many untitled projects in %s"), folder);
  return NULL;
}

static gboolean
is_untitled (TfProject *project)
{
  g_autofree char *folder = projects_folder ();
  g_autofree char *dir = g_path_get_dirname (tf_project_get_path (project));
  g_autofree char *a = canonical (folder);
  g_autofree char *b = canonical (dir);

  return g_strcmp0 (a, b) == 0;
}

static void
remember_project (TfWindow *self)
{
  g_autoptr(GFile) file = NULL;
  g_autofree char *uri = NULL;

  g_settings_set_string (self->settings, "project-file", tf_project_get_path (self->project));
  if (is_untitled (self->project))
    return;
  file = g_file_new_for_path (tf_project_get_path (self->project));
  uri = g_file_get_uri (file);
  gtk_recent_manager_add_item (self->recent, uri);
}

gboolean
tf_window_new_project (TfWindow  *self,
                       GError   **error)
{
  TfProject *project;

  g_return_val_if_fail (TF_IS_WINDOW (self), FALSE);

  if (self->project_lent)
    {
      g_set_error (error, TF_PROJECT_ERROR, TF_PROJECT_ERROR_BUSY,
                   _("The project is busy storing the new model’s predictions: try again when it is done"));
      return FALSE;
    }
  if (!(project = new_untitled (error)))
    return FALSE;
  tf_session_cancel (self->session);
  tf_window_reset_results (self);
  adopt_project (self, project);
  remember_project (self);
  gtk_stack_set_visible_child_name (self->main_stack, "empty");
  self->view = TF_VIEW_EMPTY;
  tf_window_update_actions (self);
  return TRUE;
}

/* Media files that moved since the project last saw them are looked for
 * under the project's folder (by size and content hash) and relinked; the
 * faces and labels of those still missing stay. Said in a toast. */
static void
relink_moved_media (TfWindow *self)
{
  g_autoptr(GPtrArray) media = tf_project_list_media (self->project, NULL);
  g_autofree char *folder = NULL;
  g_autoptr(GError) error = NULL;
  int relinked = 0, missing = 0;
  gboolean any = FALSE;

  for (guint i = 0; media && i < media->len && !any; i++)
    {
      g_autofree char *file = tf_project_media_file (self->project, g_ptr_array_index (media, i));
      any = !g_file_test (file, G_FILE_TEST_EXISTS);
    }
  if (!any)
    return;
  folder = g_path_get_dirname (tf_project_get_path (self->project));
  if (!tf_project_relink (self->project, folder, &relinked, &missing, &error))
    {
      project_toast (self, tf_project_get_path (self->project), error);
      return;
    }
  if (relinked > 0)
    index_media (self);
  if (relinked > 0 || missing > 0)
    {
      g_autofree char *found = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%d moved media file found",
                                                             "%d moved media files found", relinked), relinked);
      g_autofree char *lost = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                            "%d media file missing: its faces and labels are kept",
                                                            "%d media files missing: their faces and labels are kept",
                                                            missing), missing);
      if (relinked > 0 && missing > 0)
        {
          /* TRANSLATORS: "N moved media files found", "N media files missing: ..." */
          g_autofree char *both = g_strdup_printf (_("%s; %s"), found, lost);
          tf_window_add_toast (self, both);
        }
      else
        tf_window_add_toast (self, relinked > 0 ? found : lost);
    }
}

/* Shows the project's media: one directly, several as a grid; a large
 * project (more faces than a grid shows well) opens on its review queue,
 * which is made for 100,000 faces. */
static void
show_project_media (TfWindow *self)
{
  g_autoptr(GPtrArray) files = NULL;
  g_autoptr(GPtrArray) gfiles = g_ptr_array_new_with_free_func (g_object_unref);
  /* the review queue has just listed them all */
  gint64 faces = g_list_model_get_n_items (tf_review_view_get_model (TF_REVIEW_VIEW (self->review_view)));

  if (faces > MAX_RESTORED_FACES)
    {
      tf_window_reset_results (self);
      self->view = TF_VIEW_EMPTY;
      tf_window_show_page (self, "review");
      return;
    }
  files = tf_window_project_media_files (self);
  if (files->len == 0)
    {
      tf_window_reset_results (self);
      self->view = TF_VIEW_EMPTY;
      gtk_stack_set_visible_child_name (self->main_stack, "empty");
      tf_window_update_actions (self);
      return;
    }
  for (guint i = 0; i < files->len; i++)
    g_ptr_array_add (gfiles, g_file_new_for_path (g_ptr_array_index (files, i)));
  tf_window_open_files (self, (GFile **) gfiles->pdata, (int) gfiles->len, FALSE);
}

gboolean
tf_window_open_project (TfWindow    *self,
                        const char  *path,
                        GError     **error)
{
  TfProject *project;
  gint64 start;

  g_return_val_if_fail (TF_IS_WINDOW (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  if (self->project && g_strcmp0 (tf_project_get_path (self->project), path) == 0)
    return TRUE;
  if (self->project_lent)
    {
      g_set_error (error, TF_PROJECT_ERROR, TF_PROJECT_ERROR_BUSY,
                   _("The project is busy storing the new model’s predictions: try again when it is done"));
      return FALSE;
    }
  start = g_get_monotonic_time ();
  /* a project written elsewhere, open in another window, too new: refused,
   * the current one stays */
  project = tf_project_open (path, TF_PROJECT_OPEN, error);
  if (project == NULL)
    return FALSE;
  tf_session_cancel (self->session);
  adopt_project (self, project);
  remember_project (self);
  if (!tf_project_is_read_only (project))
    relink_moved_media (self);
  show_project_media (self);
  g_debug ("project %s open and shown in %.0f ms", path, (g_get_monotonic_time () - start) / 1000.0);
  return TRUE;
}

TfProject *
tf_window_get_project (TfWindow *self)
{
  g_return_val_if_fail (TF_IS_WINDOW (self), NULL);
  return self->project;
}

/* for tf-window-finetune.c: the window works in @project, and shows the
 * project's media */
void
tf_window_project_adopt (TfWindow  *self,
                         TfProject *project)
{
  adopt_project (self, project);
}

void
tf_window_project_show_media (TfWindow *self)
{
  show_project_media (self);
}

TfLabelMap *
tf_window_get_label_map (TfWindow *self)
{
  g_return_val_if_fail (TF_IS_WINDOW (self), NULL);
  return self->labels;
}

/* ---- labelling ------------------------------------------------------------------ */

/* The project's class for the model's class @index of @probe. */
static int
project_class (TfWindow          *self,
               const TfFaceProbe *probe,
               int                index)
{
  const char * const *classes = tf_label_map_get_classes (self->labels);

  if (probe->class_names == NULL || index < 0 || index >= probe->classes)
    return -1;
  for (int k = 0; classes[k]; k++)
    if (g_strcmp0 (classes[k], probe->class_names[index]) == 0)
      return k;
  return -1;
}

static TfLabelBarKind
bar_kind (int label)
{
  if (label >= 0)
    return TF_LABEL_BAR_CLASS;
  if (label == TF_LABEL_NOT_A_FACE)
    return TF_LABEL_BAR_NOT_A_FACE;
  if (label == TF_LABEL_UNSURE)
    return TF_LABEL_BAR_UNSURE;
  return TF_LABEL_BAR_NONE;
}

/* @me's vote among @votes (tf_project_get_votes), or the final label
 * (@final); NULL when there is none. */
static const TfProjectLabel *
find_vote (GPtrArray  *votes,
           gboolean    final,
           const char *me)
{
  for (guint i = 0; votes && i < votes->len; i++)
    {
      const TfProjectLabel *v = votes->pdata[i];

      if (final ? v->final : !v->final && g_strcmp0 (v->annotator, me) == 0)
        return v;
    }
  return NULL;
}

/* The label bar shows the inspected face's stored labels: this person's
 * vote on its buttons (the final label while adjudicating), the others'
 * votes, and the face's label they make. */
static void
show_label (TfWindow *self)
{
  TfLabelBar *bar = tf_face_inspector_get_label_bar (self->inspector);
  const char * const *classes = tf_label_map_get_classes (self->labels);
  TfProjectLabel label = { .label = TF_LABEL_NONE };
  g_autoptr(GPtrArray) votes = NULL;
  g_autofree TfLabelBarVote *shown = NULL;
  const TfProjectLabel *mine;
  const char *me;
  g_autoptr(GError) error = NULL;

  if (self->project == NULL)
    return;
  me = annotator (self);
  tf_label_bar_set_annotator (bar, me);
  tf_label_bar_set_classes (bar, classes, (int) g_strv_length ((char **) classes),
                            self->inspected ? project_class (self, self->inspected, self->inspected->predicted) : -1);
  if (self->inspected == NULL)
    return;
  gtk_widget_set_sensitive (GTK_WIDGET (bar), self->inspected->face_id != 0 && writable (self));
  if (self->inspected->face_id != 0 &&
      (!tf_project_get_label (self->project, self->inspected->face_id, &label, &error) ||
       !(votes = tf_project_get_votes (self->project, self->inspected->face_id, &error))))
    project_toast (self, tf_project_get_path (self->project), error);
  shown = g_new0 (TfLabelBarVote, votes ? votes->len + 1 : 1);
  for (guint i = 0; votes && i < votes->len; i++)
    {
      const TfProjectLabel *v = votes->pdata[i];

      shown[i].annotator = v->annotator;
      shown[i].kind = bar_kind (v->label);
      shown[i].class_index = v->label >= 0 ? v->label : -1;
      shown[i].final = v->final;
      shown[i].mine = !v->final && g_strcmp0 (v->annotator, me) == 0;
    }
  tf_label_bar_set_votes (bar, shown, votes ? (int) votes->len : 0, bar_kind (label.label), label.label, label.agree);
  mine = find_vote (votes, tf_label_bar_get_adjudicating (bar), me);
  if (mine)
    tf_label_bar_set_label (bar, bar_kind (mine->label), mine->label, (TfLabelBarSource) mine->source, mine->note);
  else
    tf_label_bar_set_label (bar, TF_LABEL_BAR_NONE, -1, TF_LABEL_BAR_FROM_PERSON, NULL);
  tf_project_label_clear (&label);
}

static void
on_probe_done_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(TfWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(TfFaceProbe) probe = tf_session_face_finish (TF_SESSION (source), result, &error);
  TfFaceProbe *old;

  if (probe == NULL || self->session == NULL)
    return;   /* cancelled, or a face without a crop: its probabilities stay shown */
  old = self->inspected;
  if (old == NULL || old->face_id != probe->face_id)
    return;
  /* the stored probabilities, not the recomputed ones: the project's word */
  if (old->probs && old->classes == probe->classes)
    {
      memcpy (probe->probs, old->probs, sizeof (float) * old->classes);
      probe->predicted = old->predicted;
    }
  tf_window_replace_face (self, old, probe);
}

/* Called by tf_window_show_face: the label, and the maps of a restored face. */
void
tf_window_project_face_shown (TfWindow *self)
{
  g_cancellable_cancel (self->probe_cancellable);
  g_clear_object (&self->probe_cancellable);
  if (self->inspected == NULL)
    return;
  show_label (self);
  if (self->inspected->lanet_maps == NULL && self->inspected->source_rgb != NULL)
    {
      self->probe_cancellable = g_cancellable_new ();
      tf_session_probe_async (self->session, self->inspected, self->probe_cancellable,
                              on_probe_done_cb, g_object_ref (self));
    }
}

/* After a label: the next face in the current order (a setting). */
static void
advance (TfWindow *self)
{
  const char *page = gtk_stack_get_visible_child_name (self->media_stack);

  if (!g_settings_get_boolean (self->settings, "auto-advance"))
    return;
  if (g_strcmp0 (page, "review") == 0)
    tf_review_view_select_next (TF_REVIEW_VIEW (self->review_view));
  else if (g_strcmp0 (page, "photo") == 0)
    {
      int i = tf_photo_view_get_selected (self->photo_view);
      if (i + 1 < (int) tf_photo_view_get_n_faces (self->photo_view))
        tf_photo_view_select (self->photo_view, i + 1);
    }
  else if (g_strcmp0 (page, "video") == 0)
    tf_video_view_step (self->video_view, 1);
}

/* The views draw @face's label as its votes now make it: with several
 * annotators not always the one just given. */
static void
label_changed (TfWindow *self,
               gint64    face)
{
  TfProjectLabel label = { .label = TF_LABEL_NONE };

  if (!tf_project_get_label (self->project, face, &label, NULL))
    label.label = TF_LABEL_NONE;
  tf_label_map_set (self->labels, face, label.label, (TfLabelMapSource) label.source);
  tf_project_label_clear (&label);
  tf_review_view_face_changed (TF_REVIEW_VIEW (self->review_view), face);
}

/* What the label bar's buttons set on @face: this person's vote, or while
 * adjudicating the final label (this person its adjudicator). */
static gboolean
put_label (TfWindow       *self,
           gint64          face,
           int             label,
           TfLabelSource   source,
           const char     *note,
           GError        **error)
{
  if (tf_label_bar_get_adjudicating (tf_face_inspector_get_label_bar (self->inspector)))
    return tf_project_set_final_label (self->project, face, label, annotator (self), note, error);
  return tf_project_set_label (self->project, face, label, source, annotator (self), note, error);
}

/* What the label bar's buttons show of @face: the vote, or the final label. */
static gboolean
get_shown_label (TfWindow        *self,
                 gint64           face,
                 TfProjectLabel  *label,
                 GError         **error)
{
  if (!tf_label_bar_get_adjudicating (tf_face_inspector_get_label_bar (self->inspector)))
    return tf_project_get_vote (self->project, face, annotator (self), label, error);
  if (!tf_project_get_label (self->project, face, label, error))
    return FALSE;
  if (!label->final)
    tf_project_label_clear (label);
  return TRUE;
}

/* Labels the inspected face (or the video's selected range); TRUE when saved. */
gboolean
tf_window_label (TfWindow   *self,
                 int         label,
                 gboolean    accept)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) range = NULL;
  TfProjectLabel old = { .label = TF_LABEL_NONE };
  TfFaceProbe *probe = self->inspected;
  const char *page = gtk_stack_get_visible_child_name (self->media_stack);

  g_return_val_if_fail (TF_IS_WINDOW (self), FALSE);

  if (!writable (self))
    {
      if (self->project)
        tf_window_add_toast (self, _("This project is read-only: labels cannot be changed"));
      return FALSE;
    }
  commit_batch (self);
  if (g_strcmp0 (page, "video") == 0)
    range = tf_video_view_get_range_faces (self->video_view);
  if (range && range->len > 0)
    {
      int n = 0;

      if (accept)
        label = probe ? project_class (self, probe, probe->predicted) : -1;
      if (accept && label < 0)
        return FALSE;
      if (!tf_project_begin (self->project, &error))
        goto failed;
      for (guint i = 0; i < range->len; i++)
        {
          TfFaceProbe *p = g_ptr_array_index (range, i);
          if (p->face_id == 0)
            continue;
          if (!put_label (self, p->face_id, label, label == TF_LABEL_NONE ? TF_LABEL_PERSON : TF_LABEL_PROPAGATED,
                          NULL, &error))
            {
              tf_project_rollback (self->project);
              goto failed;
            }
          n++;
        }
      if (!tf_project_commit (self->project, &error))
        {
          tf_project_rollback (self->project);
          goto failed;
        }
          for (guint i = 0; i < range->len; i++)
        {
          TfFaceProbe *p = g_ptr_array_index (range, i);
          if (p->face_id != 0)
            label_changed (self, p->face_id);
        }
      tf_video_view_clear_range (self->video_view);
      tell_filed_name (self);
      {
        g_autofree char *text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%d face labelled",
                                                              "%d faces labelled", n), n);
        tf_window_add_toast (self, text);
      }
      show_label (self);
      tf_window_update_actions (self);
      return TRUE;
    }

  if (probe == NULL || probe->face_id == 0)
    return FALSE;
  if (accept)
    label = project_class (self, probe, probe->predicted);
  if (accept && label < 0)
    return FALSE;
  /* the note stays with the vote (or the final label) whatever its label */
  if (!get_shown_label (self, probe->face_id, &old, &error) ||
      !put_label (self, probe->face_id, label, TF_LABEL_PERSON, label == TF_LABEL_NONE ? NULL : old.note, &error))
    {
      tf_project_label_clear (&old);
      goto failed;
    }
  tf_project_label_clear (&old);
  /* committed: what the stress test reads as acknowledged */
  g_debug ("label saved: face %" G_GINT64_FORMAT " = %d", probe->face_id, label);
  label_changed (self, probe->face_id);
  show_label (self);
  tell_filed_name (self);
  tf_window_update_actions (self);
  if (label != TF_LABEL_NONE)
    advance (self);
  return TRUE;

failed:
  {
    g_autofree char *text = g_strdup_printf (_("The label was not saved: %s"), error->message);
    tf_window_add_toast (self, text);
    show_label (self);
  }
  return FALSE;
}

static void
on_label_chosen_cb (TfLabelBar     *bar,
                    TfLabelBarKind  kind,
                    int             index,
                    TfWindow       *self)
{
  switch (kind)
    {
    case TF_LABEL_BAR_CLASS:
      tf_window_label (self, index, index < 0);
      break;
    case TF_LABEL_BAR_NOT_A_FACE:
      tf_window_label (self, TF_LABEL_NOT_A_FACE, FALSE);
      break;
    case TF_LABEL_BAR_UNSURE:
      tf_window_label (self, TF_LABEL_UNSURE, FALSE);
      break;
    case TF_LABEL_BAR_NONE:
    default:
      tf_window_label (self, TF_LABEL_NONE, FALSE);
      break;
    }
}

static void
on_label_cleared_cb (TfLabelBar *bar,
                     TfWindow   *self)
{
  tf_window_label (self, TF_LABEL_NONE, FALSE);
}

static void
on_note_changed_cb (TfLabelBar *bar,
                    const char *note,
                    TfWindow   *self)
{
  g_autoptr(GError) error = NULL;
  TfProjectLabel old = { .label = TF_LABEL_NONE };
  TfFaceProbe *probe = self->inspected;

  if (probe == NULL || probe->face_id == 0 || !writable (self))
    return;
  commit_batch (self);
  if (!get_shown_label (self, probe->face_id, &old, &error))
    goto failed;
  if (g_strcmp0 (old.note, *note ? note : NULL) == 0)
    {
      tf_project_label_clear (&old);
      return;
    }
  if (tf_label_bar_get_adjudicating (bar))
    {
      /* the final label's note, the final label as it was (the bar offers
       * no note without one) */
      if (old.label == TF_LABEL_NONE)
        {
          tf_project_label_clear (&old);
          show_label (self);
          return;
        }
      if (!tf_project_set_final_label (self->project, probe->face_id, old.label, old.annotator, *note ? note : NULL,
                                       &error))
        goto failed;
    }
  /* a note needs a vote to hang on: without one the face is marked unsure */
  else if (!tf_project_set_label (self->project, probe->face_id,
                                  old.label == TF_LABEL_NONE ? TF_LABEL_UNSURE : old.label,
                                  old.label == TF_LABEL_NONE ? TF_LABEL_PERSON : old.source,
                                  annotator (self), *note ? note : NULL, &error))
    goto failed;
  if (old.label == TF_LABEL_NONE)
    label_changed (self, probe->face_id);
  tf_project_label_clear (&old);
  show_label (self);
  return;

failed:
  tf_project_label_clear (&old);
  {
    g_autofree char *text = g_strdup_printf (_("The note was not saved: %s"), error->message);
    tf_window_add_toast (self, text);
  }
}

/* The labelling keys work wherever the focus is, except in a text entry. */
static gboolean
on_key_pressed_cb (GtkEventControllerKey *controller,
                   guint                  keyval,
                   guint                  keycode,
                   GdkModifierType        state,
                   TfWindow              *self)
{
  GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (self));

  if (state & (GDK_CONTROL_MASK | GDK_ALT_MASK | GDK_SUPER_MASK))
    return FALSE;
  if (focus && (GTK_IS_EDITABLE (focus) || GTK_IS_TEXT_VIEW (focus)))
    return FALSE;
  if (self->project == NULL || g_strcmp0 (gtk_stack_get_visible_child_name (self->main_stack), "media") != 0)
    return FALSE;
  /* a face to label, or a video's range */
  if (self->inspected == NULL &&
      !(g_strcmp0 (gtk_stack_get_visible_child_name (self->media_stack), "video") == 0 &&
        tf_timeline_get_range (tf_video_view_get_timeline (self->video_view), NULL, NULL, NULL)))
    return FALSE;
  if (keyval == GDK_KEY_Escape)
    return FALSE;
  /* in the grid, Enter opens the selected file */
  if ((keyval == GDK_KEY_Return || keyval == GDK_KEY_KP_Enter || keyval == GDK_KEY_ISO_Enter) &&
      g_strcmp0 (gtk_stack_get_visible_child_name (self->media_stack), "folder") == 0)
    return FALSE;
  return tf_label_bar_handle_key (tf_face_inspector_get_label_bar (self->inspector), keyval);
}

/* ---- faces drawn by hand, false faces ---------------------------------------------- */

static void
on_drawn_face_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(TfWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(TfFaceProbe) probe = tf_session_face_finish (TF_SESSION (source), result, &error);

  if (self->session == NULL)
    return;
  if (probe == NULL)
    {
      g_autofree char *text = g_strdup_printf (_("The face could not be added: %s"), error->message);
      tf_window_add_toast (self, text);
      return;
    }
  commit_batch (self);
  store_probe (self, probe, TRUE);
  commit_batch (self);
  if (probe->face_id == 0 && writable (self))
    return;   /* said already */
  tf_window_add_face (self, probe);
}

static void
on_box_drawn_cb (GtkWidget *view,
                 double     a,
                 double     b,
                 double     c,
                 double     d,
                 double     e,
                 TfWindow  *self)
{
  float box[4];
  double time_s = 0;
  const char *file;

  if (TF_IS_VIDEO_VIEW (view))
    {
      time_s = a;
      box[0] = (float) b, box[1] = (float) c, box[2] = (float) d, box[3] = (float) e;
      file = tf_video_view_get_file (self->video_view);
    }
  else
    {
      box[0] = (float) a, box[1] = (float) b, box[2] = (float) c, box[3] = (float) d;
      file = tf_photo_view_get_file (self->photo_view);
    }
  if (file == NULL)
    return;
  tf_session_face_from_box_async (self->session, file, time_s, box, NULL, on_drawn_face_cb, g_object_ref (self));
}

/* the photo's signal has four coordinates, the video's a time first */
static void
on_photo_box_drawn_cb (GtkWidget *view,
                       double     x,
                       double     y,
                       double     w,
                       double     h,
                       TfWindow  *self)
{
  on_box_drawn_cb (view, x, y, w, h, 0, self);
}

gboolean
tf_window_delete_face (TfWindow *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TfFaceProbe) probe = self->inspected ? tf_face_probe_ref (self->inspected) : NULL;

  if (probe == NULL || probe->face_id == 0 || !writable (self))
    return FALSE;
  commit_batch (self);
  if (!tf_project_delete_face (self->project, probe->face_id, &error))
    {
      g_autofree char *text = g_strdup_printf (_("The face could not be deleted: %s"), error->message);
      tf_window_add_toast (self, text);
      return FALSE;
    }
  tf_label_map_set (self->labels, probe->face_id, TF_LABEL_NONE, TF_LABEL_MAP_FROM_PERSON);
  tf_window_remove_face (self, probe);
  tf_review_view_refresh (TF_REVIEW_VIEW (self->review_view));
  tf_window_add_toast (self, _("Face deleted"));
  return TRUE;
}

/* ---- undo -------------------------------------------------------------------------- */

static void
undo_redo (TfWindow *self,
           gboolean  redo)
{
  g_autoptr(GError) error = NULL;
  gint64 face = 0;
  int n;

  if (!writable (self))
    return;
  commit_batch (self);
  n = redo ? tf_project_redo (self->project, &face, &error) : tf_project_undo (self->project, &face, &error);
  if (n < 0)
    {
      g_autofree char *text = g_strdup_printf (redo ? _("Could not redo: %s") : _("Could not undo: %s"),
                                               error->message);
      tf_window_add_toast (self, text);
      return;
    }
  if (n == 0)
    return;
  if (n == 1 && face != 0)
    label_changed (self, face);
  else
    {
      reload_labels (self);
      tf_review_view_refresh (TF_REVIEW_VIEW (self->review_view));
    }
  show_label (self);
  tf_window_update_actions (self);
}

/* Ctrl+J: the label bar's buttons and keys set the final label, or the vote again */
static void
adjudicate_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  TfLabelBar *bar = tf_face_inspector_get_label_bar (TF_WINDOW (widget)->inspector);

  tf_label_bar_set_adjudicating (bar, !tf_label_bar_get_adjudicating (bar));
}

static void
undo_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *param)
{
  undo_redo (TF_WINDOW (widget), FALSE);
}

static void
redo_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *param)
{
  undo_redo (TF_WINDOW (widget), TRUE);
}

static void
delete_face_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *param)
{
  tf_window_delete_face (TF_WINDOW (widget));
}

static void
add_face_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *param)
{
  TfWindow *self = TF_WINDOW (widget);
  const char *page = gtk_stack_get_visible_child_name (self->media_stack);

  if (g_strcmp0 (page, "photo") == 0)
    tf_photo_view_set_drawing (self->photo_view, TRUE);
  else if (g_strcmp0 (page, "video") == 0)
    tf_video_view_set_drawing (self->video_view, TRUE);
}

static void
previous_label_change_action (GtkWidget  *widget,
                              const char *action_name,
                              GVariant   *param)
{
  tf_video_view_jump_label_change (TF_WINDOW (widget)->video_view, -1);
}

static void
next_label_change_action (GtkWidget  *widget,
                          const char *action_name,
                          GVariant   *param)
{
  tf_video_view_jump_label_change (TF_WINDOW (widget)->video_view, 1);
}

/* ---- New, Open, Save As, import, export ----------------------------------------------- */

static void
new_project_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *param)
{
  TfWindow *self = TF_WINDOW (widget);
  g_autoptr(GError) error = NULL;

  if (!tf_window_new_project (self, &error))
    tf_window_add_toast (self, error->message);
}

static void
on_project_chosen_cb (GFile    **files,
                      guint      n_files,
                      gpointer   user_data)
{
  g_autoptr(TfWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = n_files > 0 ? g_file_get_path (files[0]) : NULL;

  if (path && !tf_window_open_project (self, path, &error))
    {
      /* the file chooser may have put it there */
      tf_window_forget_recent (self, path);
      tf_window_show_error (self, _("Could Not Open the Project"), error->message);
    }
}

static GListModel *
project_filters (void)
{
  GListStore *filters = g_list_store_new (GTK_TYPE_FILE_FILTER);
  g_autoptr(GtkFileFilter) projects = gtk_file_filter_new ();

  gtk_file_filter_set_name (projects, _("TransFER Studio Projects"));
  gtk_file_filter_add_mime_type (projects, "application/x-transfer-project");
  gtk_file_filter_add_suffix (projects, "tfproj");
  g_list_store_append (filters, projects);
  return G_LIST_MODEL (filters);
}

static void
open_project_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *param)
{
  TfWindow *self = TF_WINDOW (widget);
  g_autoptr(GListModel) filters = project_filters ();

  tf_choose_files (GTK_WINDOW (self), TF_CHOOSE_OPEN, _("Open Project"), _("_Open"),
                   filters, NULL, on_project_chosen_cb, g_object_ref (self));
}

gboolean
tf_window_save_project_as (TfWindow    *self,
                           const char  *path,
                           GError     **error)
{
  g_autofree char *old_path = NULL;
  gboolean was_untitled;
  TfProject *copy;

  g_return_val_if_fail (TF_IS_WINDOW (self), FALSE);

  if (self->project == NULL)
    return FALSE;
  commit_batch (self);
  if (!tf_project_save_copy (self->project, path, error))
    return FALSE;
  if (!(copy = tf_project_open (path, TF_PROJECT_OPEN, error)))
    return FALSE;
  old_path = g_strdup (tf_project_get_path (self->project));
  was_untitled = is_untitled (self->project);
  /* the faces shown keep their ids: the copy has the same */
  close_project (self);
  self->project = copy;
  index_media (self);
  update_title (self);
  tf_review_view_set_project (TF_REVIEW_VIEW (self->review_view), copy);
  tf_stats_view_set_project (TF_STATS_VIEW (self->stats_view), copy);
  tf_finetune_view_set_project (TF_FINETUNE_VIEW (self->finetune_view), copy);
  remember_project (self);
  /* an untitled project lived in the data folder only until saved */
  if (was_untitled)
    remove_project_file (old_path);
  tf_window_update_actions (self);
  return TRUE;
}

static void
on_save_as_chosen_cb (GFile    **files,
                      guint      n_files,
                      gpointer   user_data)
{
  g_autoptr(TfWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = n_files > 0 ? g_file_get_path (files[0]) : NULL;

  if (path == NULL)
    return;
  if (!g_str_has_suffix (path, TF_PROJECT_SUFFIX))
    {
      char *with = g_strconcat (path, TF_PROJECT_SUFFIX, NULL);
      g_free (path);
      path = with;
    }
  if (!tf_window_save_project_as (self, path, &error))
    tf_window_show_error (self, _("Could Not Save the Project"), error->message);
  else
    {
      g_autofree char *name = g_filename_display_basename (path);
      g_autofree char *text = g_strdup_printf (_("Saved as %s"), name);
      tf_window_add_toast (self, text);
    }
}

static void
save_as_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *param)
{
  TfWindow *self = TF_WINDOW (widget);
  g_autoptr(GListModel) filters = project_filters ();
  g_autofree char *name = NULL;

  if (self->project == NULL)
    return;
  name = g_path_get_basename (tf_project_get_path (self->project));
  tf_choose_files (GTK_WINDOW (self), TF_CHOOSE_SAVE, _("Save Project As"), _("_Save"),
                   filters, name, on_save_as_chosen_cb, g_object_ref (self));
}

/* ---- Merge Projects ------------------------------------------------------------------- */

typedef struct
{
  char     *out;
  GStrv     inputs;
  AdwToast *progress;   /* "Merging…", weak */
} MergeJob;

static void
merge_job_free (MergeJob *job)
{
  if (job->progress)
    g_object_remove_weak_pointer (G_OBJECT (job->progress), (gpointer *) &job->progress);
  g_free (job->out);
  g_strfreev (job->inputs);
  g_free (job);
}

static void
merge_thread (GTask        *task,
              gpointer      source,
              gpointer      data,
              GCancellable *cancellable)
{
  MergeJob *job = data;
  GError *error = NULL;
  TfProjectMergeReport *report = tf_project_merge (job->out, (const char * const *) job->inputs, &error);

  if (report)
    g_task_return_pointer (task, report, (GDestroyNotify) tf_project_merge_report_free);
  else
    g_task_return_error (task, error);
}

static void
open_merged (TfWindow   *self,
             const char *path)
{
  g_autoptr(GError) error = NULL;

  if (!tf_window_open_project (self, path, &error))
    tf_window_show_error (self, _("Could Not Open the Project"), error->message);
}

static void
on_merged_toast_open_cb (AdwToast *toast,
                         TfWindow *self)
{
  open_merged (self, g_object_get_data (G_OBJECT (toast), "path"));
}

static void
on_merged_dialog_response_cb (AdwMessageDialog *dialog,
                              const char       *response,
                              TfWindow         *self)
{
  if (g_str_equal (response, "open"))
    open_merged (self, g_object_get_data (G_OBJECT (dialog), "path"));
}

/* The report's sentences (the first thousand: the CLI lists them all). */
static void
show_merge_report (TfWindow             *self,
                   const char           *path,
                   const char           *summary,
                   TfProjectMergeReport *report)
{
  AdwMessageDialog *dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (self),
                                                                         _("Projects Merged"), summary));
  GtkWidget *scroller = gtk_scrolled_window_new ();
  GtkWidget *view = gtk_text_view_new ();
  g_autoptr(GString) text = g_string_new (NULL);
  const guint shown = MIN (report->messages->len, 1000);

  for (guint i = 0; i < shown; i++)
    g_string_append_printf (text, "%s%s", i ? "\n\n" : "", (const char *) report->messages->pdata[i]);
  if (report->messages->len > shown)
    {
      g_string_append (text, "\n\n");
      g_string_append_printf (text, _("… and %u more: transfer-cli project merge lists them all"),
                              report->messages->len - shown);
    }
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (GTK_TEXT_VIEW (view)), text->str, -1);
  gtk_text_view_set_editable (GTK_TEXT_VIEW (view), FALSE);
  gtk_text_view_set_cursor_visible (GTK_TEXT_VIEW (view), FALSE);
  gtk_text_view_set_wrap_mode (GTK_TEXT_VIEW (view), GTK_WRAP_WORD_CHAR);
  gtk_widget_add_css_class (view, "card");
  gtk_text_view_set_left_margin (GTK_TEXT_VIEW (view), 8);
  gtk_text_view_set_right_margin (GTK_TEXT_VIEW (view), 8);
  gtk_text_view_set_top_margin (GTK_TEXT_VIEW (view), 8);
  gtk_text_view_set_bottom_margin (GTK_TEXT_VIEW (view), 8);
  gtk_widget_set_name (view, "merge-report");
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scroller), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_min_content_height (GTK_SCROLLED_WINDOW (scroller), 240);
  gtk_scrolled_window_set_min_content_width (GTK_SCROLLED_WINDOW (scroller), 520);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), view);
  adw_message_dialog_set_extra_child (dialog, scroller);
  adw_message_dialog_add_response (dialog, "close", _("_Close"));
  adw_message_dialog_add_response (dialog, "open", _("_Open the Merged Project"));
  adw_message_dialog_set_response_appearance (dialog, "open", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (dialog, "open");
  adw_message_dialog_set_close_response (dialog, "close");
  g_object_set_data_full (G_OBJECT (dialog), "path", g_strdup (path), g_free);
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_merged_dialog_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
on_merged_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  TfWindow *self = TF_WINDOW (source);
  MergeJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  g_autoptr(TfProjectMergeReport) report = g_task_propagate_pointer (G_TASK (result), &error);
  g_autofree char *name = g_filename_display_basename (job->out), *summary = NULL;

  self->merging = FALSE;
  /* the window closed meanwhile: the merged project is there, nobody to tell */
  if (!gtk_widget_get_realized (GTK_WIDGET (self)))
    return;
  tf_window_update_actions (self);
  /* the result replaces "Merging…" at once */
  if (job->progress)
    adw_toast_dismiss (job->progress);
  if (report == NULL)
    {
      tf_window_show_error (self, _("Could Not Merge the Projects"), error->message);
      return;
    }
  summary = g_strdup_printf (_("%d projects merged into %s. Faces: %lld (%lld matched across projects). Votes: %lld. "
                               "Conflicts: %lld (the later vote kept)."),
                             report->inputs, name, (long long) report->faces, (long long) report->faces_matched,
                             (long long) report->votes, (long long) report->conflicts);
  if (report->messages->len > 0)
    show_merge_report (self, job->out, summary, report);
  else
    {
      g_autofree char *brief = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%d project merged into %s",
                                                             "%d projects merged into %s", (gulong) report->inputs),
                                                report->inputs, name);
      AdwToast *toast = tf_window_add_toast (self, brief);

      adw_toast_set_button_label (toast, _("_Open"));
      g_object_set_data_full (G_OBJECT (toast), "path", g_strdup (job->out), g_free);
      g_signal_connect_object (toast, "button-clicked", G_CALLBACK (on_merged_toast_open_cb), self, 0);
    }
}

gboolean
tf_window_merge_projects (TfWindow           *self,
                          const char         *out,
                          const char * const *inputs)
{
  g_autoptr(GTask) task = NULL;
  MergeJob *job;

  g_return_val_if_fail (TF_IS_WINDOW (self), FALSE);
  g_return_val_if_fail (out != NULL && inputs != NULL, FALSE);

  if (self->merging)
    return FALSE;
  /* the open project may be one of them: its last faces saved first */
  if (self->project)
    commit_batch (self);
  job = g_new0 (MergeJob, 1);
  job->out = g_strdup (out);
  job->inputs = g_strdupv ((char **) inputs);
  task = g_task_new (self, NULL, on_merged_cb, NULL);
  g_task_set_task_data (task, job, (GDestroyNotify) merge_job_free);
  self->merging = TRUE;
  tf_window_update_actions (self);
  {
    g_autofree char *name = g_filename_display_basename (out);
    g_autofree char *text = g_strdup_printf (_("Merging %u projects into %s…"), g_strv_length (job->inputs), name);
    job->progress = tf_window_add_toast (self, text);
    if (job->progress)
      g_object_add_weak_pointer (G_OBJECT (job->progress), (gpointer *) &job->progress);
  }
  g_task_run_in_thread (task, merge_thread);
  return TRUE;
}

typedef struct
{
  TfWindow *self;
  GStrv     inputs;
} MergeChoice;

static void
on_merge_target_cb (GFile    **files,
                    guint      n_files,
                    gpointer   user_data)
{
  MergeChoice *choice = user_data;
  g_autoptr(TfWindow) self = choice->self;
  g_auto(GStrv) inputs = choice->inputs;
  g_autofree char *path = n_files > 0 ? g_file_get_path (files[0]) : NULL;

  g_free (choice);
  if (path == NULL)
    return;
  if (!g_str_has_suffix (path, TF_PROJECT_SUFFIX))
    {
      char *with = g_strconcat (path, TF_PROJECT_SUFFIX, NULL);
      g_free (path);
      path = with;
    }
  if (!tf_window_merge_projects (self, path, (const char * const *) inputs))
    tf_window_show_error (self, _("Could Not Merge the Projects"), _("A merge is already running"));
}

static void
on_merge_inputs_cb (GFile    **files,
                    guint      n_files,
                    gpointer   user_data)
{
  g_autoptr(TfWindow) self = user_data;
  g_autoptr(GListModel) filters = NULL;
  g_autoptr(GStrvBuilder) paths = g_strv_builder_new ();
  MergeChoice *choice;

  if (n_files == 0)
    return;
  if (n_files < 2)
    {
      tf_window_show_error (self, _("Could Not Merge the Projects"),
                            _("Choose two or more projects to merge (hold Ctrl to choose several)."));
      return;
    }
  for (guint i = 0; i < n_files; i++)
    {
      g_autofree char *path = g_file_get_path (files[i]);
      if (path)
        g_strv_builder_add (paths, path);
    }
  choice = g_new0 (MergeChoice, 1);
  choice->self = g_object_ref (self);
  choice->inputs = g_strv_builder_end (paths);
  filters = project_filters ();
  /* TRANSLATORS: the name offered for a merged project */
  tf_choose_files (GTK_WINDOW (self), TF_CHOOSE_SAVE, _("Save the Merged Project"), _("_Merge"), filters,
                   _("merged.tfproj"), on_merge_target_cb, choice);
}

static void
merge_projects_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *param)
{
  TfWindow *self = TF_WINDOW (widget);
  g_autoptr(GListModel) filters = project_filters ();

  tf_choose_files (GTK_WINDOW (self), TF_CHOOSE_OPEN_MULTIPLE, _("Choose the Projects to Merge"), _("_Choose"),
                   filters, NULL, on_merge_inputs_cb, g_object_ref (self));
}

/* Imports labels from a CSV file or a folder-per-class tree; each bad line is
 * listed in a dialog and nothing changes. */
gboolean
tf_window_import_labels (TfWindow    *self,
                         const char  *path,
                         gint64      *n_labels,
                         GError     **error)
{
  g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func (g_free);
  gboolean ok;

  g_return_val_if_fail (TF_IS_WINDOW (self), FALSE);

  if (!writable (self))
    {
      g_set_error (error, TF_PROJECT_ERROR, TF_PROJECT_ERROR_READ_ONLY, _("This project is read-only"));
      return FALSE;
    }
  commit_batch (self);
  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    ok = tf_project_import_folders (self->project, path, annotator (self), problems, n_labels, error);
  else
    ok = tf_project_import_labels (self->project, path, annotator (self), problems, n_labels, error);
  if (!ok && problems->len > 0 && error && *error)
    {
      g_autoptr(GString) all = g_string_new ((*error)->message);
      for (guint i = 0; i < problems->len && i < 50; i++)
        g_string_append_printf (all, "\n%s", (char *) g_ptr_array_index (problems, i));
      if (problems->len > 50)
        g_string_append_printf (all, "\n…");
      g_free ((*error)->message);
      (*error)->message = g_string_free (g_steal_pointer (&all), FALSE);
    }
  if (ok)
    {
      reload_labels (self);
      tf_review_view_refresh (TF_REVIEW_VIEW (self->review_view));
      tf_stats_view_refresh (TF_STATS_VIEW (self->stats_view));
      show_label (self);
      tf_window_update_actions (self);
    }
  return ok;
}

static void
on_import_chosen_cb (GFile    **files,
                     guint      n_files,
                     gpointer   user_data)
{
  g_autoptr(TfWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = n_files > 0 ? g_file_get_path (files[0]) : NULL;
  gint64 n = 0;

  if (path == NULL)
    return;
  if (!tf_window_import_labels (self, path, &n, &error))
    tf_window_show_error (self, _("No Labels Were Imported"), error->message);
  else
    {
      g_autofree char *text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%d label imported", "%d labels imported",
                                                            (gulong) n), (int) n);
      tf_window_add_toast (self, text);
    }
}

static void
import_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *param)
{
  TfWindow *self = TF_WINDOW (widget);
  g_autoptr(GListStore) filters = g_list_store_new (GTK_TYPE_FILE_FILTER);
  g_autoptr(GtkFileFilter) csv = gtk_file_filter_new ();
  gboolean folder = param && g_str_equal (g_variant_get_string (param, NULL), "folder");

  gtk_file_filter_set_name (csv, _("CSV"));
  gtk_file_filter_add_mime_type (csv, "text/csv");
  gtk_file_filter_add_suffix (csv, "csv");
  g_list_store_append (filters, csv);
  tf_choose_files (GTK_WINDOW (self), folder ? TF_CHOOSE_FOLDER : TF_CHOOSE_OPEN,
                   folder ? _("Import Labels from Class Folders") : _("Import Labels"), _("_Import"),
                   folder ? NULL : G_LIST_MODEL (filters), NULL, on_import_chosen_cb, g_object_ref (self));
}

gboolean
tf_window_export_labels (TfWindow              *self,
                         TfProjectExportFormat  format,
                         const char            *path,
                         gint64                *n_faces,
                         GError               **error)
{
  TfProjectFilter filter;

  g_return_val_if_fail (TF_IS_WINDOW (self), FALSE);

  if (self->project == NULL)
    return FALSE;
  commit_batch (self);
  tf_project_filter_init (&filter);
  return tf_project_export (self->project, format, &filter, path, n_faces, error);
}

typedef struct
{
  TfWindow              *self;
  TfProjectExportFormat  format;
} ExportChoice;

static void
on_export_labels_chosen_cb (GFile    **files,
                            guint      n_files,
                            gpointer   user_data)
{
  ExportChoice *c = user_data;
  g_autoptr(TfWindow) self = c->self;
  TfProjectExportFormat format = c->format;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = n_files > 0 ? g_file_get_path (files[0]) : NULL;
  gint64 n = 0;

  g_free (c);
  if (path == NULL)
    return;
  /* the format chosen sets the name's extension */
  if (format == TF_PROJECT_EXPORT_CSV && !g_str_has_suffix (path, ".csv"))
    {
      char *with = g_strconcat (path, ".csv", NULL);
      g_free (path);
      path = with;
    }
  else if (format == TF_PROJECT_EXPORT_JSONL && !g_str_has_suffix (path, ".jsonl"))
    {
      char *with = g_strconcat (path, ".jsonl", NULL);
      g_free (path);
      path = with;
    }
  if (!tf_window_export_labels (self, format, path, &n, &error))
    tf_window_show_error (self, _("Could Not Export the Labels"), error->message);
  else
    {
      g_autofree char *name = g_filename_display_basename (path);
      g_autofree char *text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%d face written to %s",
                                                            "%d faces written to %s", (gulong) n), (int) n, name);
      tf_window_add_toast (self, text);
    }
}

static void
export_labels_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *param)
{
  TfWindow *self = TF_WINDOW (widget);
  ExportChoice *c = g_new0 (ExportChoice, 1);
  const char *what = g_variant_get_string (param, NULL);
  g_autofree char *stem = NULL, *initial = NULL;

  if (self->project == NULL)
    {
      g_free (c);
      return;
    }
  c->self = g_object_ref (self);
  if (!tf_project_parse_export_format (what, &c->format))
    c->format = TF_PROJECT_EXPORT_CSV;
  stem = g_path_get_basename (tf_project_get_path (self->project));
  if (g_str_has_suffix (stem, TF_PROJECT_SUFFIX))
    stem[strlen (stem) - strlen (TF_PROJECT_SUFFIX)] = '\0';
  if (c->format == TF_PROJECT_EXPORT_FOLDERS)
    /* TRANSLATORS: the folder offered for a training set; %s is the project's name */
    initial = g_strdup_printf (_("%s-training-set"), stem);
  else
    initial = g_strdup_printf ("%s-labels.%s", stem, c->format == TF_PROJECT_EXPORT_JSONL ? "jsonl" : "csv");
  tf_choose_files (GTK_WINDOW (self), TF_CHOOSE_SAVE,
                   c->format == TF_PROJECT_EXPORT_FOLDERS ? _("Export a Training Set") : _("Export Labels"),
                   _("_Export"), NULL, initial, on_export_labels_chosen_cb, c);
}

/* The "face-crops" property of the window (a check in the main menu). */
gboolean
tf_window_project_set_crops (TfWindow *self,
                             gboolean  crops)
{
  g_autoptr(GError) error = NULL;

  if (!writable (self) || crops == tf_window_project_crops (self))
    return FALSE;
  commit_batch (self);
  if (!tf_project_set_setting (self->project, TF_PROJECT_SETTING_CROPS, crops ? "1" : "0", &error))
    {
      project_toast (self, tf_project_get_path (self->project), error);
      return FALSE;
    }
  return TRUE;
}

gboolean
tf_window_project_crops (TfWindow *self)
{
  g_autofree char *value = NULL;

  if (self->project == NULL)
    return FALSE;
  value = tf_project_get_setting (self->project, TF_PROJECT_SETTING_CROPS);
  return g_strcmp0 (value, "1") == 0;
}

static void
show_page_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *param)
{
  tf_window_show_page (TF_WINDOW (widget), g_variant_get_string (param, NULL));
}

void
tf_window_project_update_actions (TfWindow *self)
{
  GtkWidget *w = GTK_WIDGET (self);
  gboolean can = writable (self);
  const char *page = gtk_stack_get_visible_child_name (self->media_stack);
  gboolean media = g_strcmp0 (gtk_stack_get_visible_child_name (self->main_stack), "media") == 0;

  gtk_widget_action_set_enabled (w, "win.undo", can && tf_project_can_undo (self->project));
  gtk_widget_action_set_enabled (w, "win.redo", can && tf_project_can_redo (self->project));
  gtk_widget_action_set_enabled (w, "win.adjudicate", self->project != NULL);
  gtk_widget_action_set_enabled (w, "win.delete-face", can && self->inspected && self->inspected->face_id != 0);
  gtk_widget_action_set_enabled (w, "win.add-face", can && media &&
                                 (g_strcmp0 (page, "photo") == 0 || g_strcmp0 (page, "video") == 0));
  gtk_widget_action_set_enabled (w, "win.next-label-change", media && g_strcmp0 (page, "video") == 0);
  gtk_widget_action_set_enabled (w, "win.previous-label-change", media && g_strcmp0 (page, "video") == 0);
  gtk_widget_action_set_enabled (w, "win.save-project-as", self->project != NULL);
  gtk_widget_action_set_enabled (w, "win.merge-projects", !self->merging);
  gtk_widget_action_set_enabled (w, "win.import-labels", can);
  gtk_widget_action_set_enabled (w, "win.export-labels", self->project != NULL);
  gtk_widget_action_set_enabled (w, "win.face-crops", can);
  g_object_notify (G_OBJECT (self), "face-crops");
  gtk_widget_action_set_enabled (w, "win.show-page", self->project != NULL);
}

void
tf_window_project_install_actions (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "win.undo", NULL, undo_action);
  gtk_widget_class_install_action (widget_class, "win.redo", NULL, redo_action);
  gtk_widget_class_install_action (widget_class, "win.adjudicate", NULL, adjudicate_action);
  gtk_widget_class_install_action (widget_class, "win.delete-face", NULL, delete_face_action);
  gtk_widget_class_install_action (widget_class, "win.add-face", NULL, add_face_action);
  gtk_widget_class_install_action (widget_class, "win.next-label-change", NULL, next_label_change_action);
  gtk_widget_class_install_action (widget_class, "win.previous-label-change", NULL, previous_label_change_action);
  gtk_widget_class_install_action (widget_class, "win.new-project", NULL, new_project_action);
  gtk_widget_class_install_action (widget_class, "win.open-project", NULL, open_project_action);
  gtk_widget_class_install_action (widget_class, "win.save-project-as", NULL, save_as_action);
  gtk_widget_class_install_action (widget_class, "win.merge-projects", NULL, merge_projects_action);
  gtk_widget_class_install_action (widget_class, "win.import-labels", "s", import_action);
  gtk_widget_class_install_action (widget_class, "win.export-labels", "s", export_labels_action);
  gtk_widget_class_install_action (widget_class, "win.show-page", "s", show_page_action);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_z, GDK_CONTROL_MASK, "win.undo", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_z, GDK_CONTROL_MASK | GDK_SHIFT_MASK, "win.redo", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Z, GDK_CONTROL_MASK | GDK_SHIFT_MASK, "win.redo", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_j, GDK_CONTROL_MASK, "win.adjudicate", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Delete, 0, "win.delete-face", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_b, GDK_CONTROL_MASK, "win.add-face", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_bracketleft, 0, "win.previous-label-change", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_bracketright, 0, "win.next-label-change", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_n, GDK_CONTROL_MASK, "win.new-project", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "win.save-project-as", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_1, GDK_ALT_MASK, "win.show-page", "s", "media");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_2, GDK_ALT_MASK, "win.show-page", "s", "review");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_3, GDK_ALT_MASK, "win.show-page", "s", "stats");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_4, GDK_ALT_MASK, "win.show-page", "s", "finetune");
}

/* ---- setup ------------------------------------------------------------------------- */

/* the annotator's name, or the switch to adjudicating: the bar shows the
 * face's labels again */
static void
on_annotator_changed_cb (GSettings  *settings,
                         const char *key,
                         TfWindow   *self)
{
  show_label (self);
}

static void
on_adjudicating_cb (TfLabelBar *bar,
                    GParamSpec *pspec,
                    TfWindow   *self)
{
  show_label (self);
}

static void
on_review_face_cb (GtkWidget *view,
                   gint64     face,
                   TfWindow  *self)
{
  g_autoptr(TfFaceProbe) probe = face > 0 ? tf_window_project_probe (self, face) : NULL;

  tf_window_show_face (self, probe);
  tf_window_update_actions (self);
}

void
tf_window_project_init (TfWindow *self)
{
  TfLabelBar *bar = tf_face_inspector_get_label_bar (self->inspector);
  GtkEventController *keys = gtk_event_controller_key_new ();
  g_autofree char *last = g_settings_get_string (self->settings, "project-file");
  g_autoptr(GError) error = NULL;
  TfProject *project = NULL;

  self->media_ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_signal_connect (bar, "label-chosen", G_CALLBACK (on_label_chosen_cb), self);
  g_signal_connect (bar, "label-cleared", G_CALLBACK (on_label_cleared_cb), self);
  g_signal_connect (bar, "note-changed", G_CALLBACK (on_note_changed_cb), self);
  g_signal_connect (bar, "notify::adjudicating", G_CALLBACK (on_adjudicating_cb), self);
  g_signal_connect_object (self->settings, "changed::annotator", G_CALLBACK (on_annotator_changed_cb), self, 0);
  g_signal_connect (self->photo_view, "box-drawn", G_CALLBACK (on_photo_box_drawn_cb), self);
  g_signal_connect (self->video_view, "box-drawn", G_CALLBACK (on_box_drawn_cb), self);
  g_signal_connect (self->review_view, "face-activated", G_CALLBACK (on_review_face_cb), self);

  gtk_event_controller_set_propagation_phase (keys, GTK_PHASE_CAPTURE);
  g_signal_connect (keys, "key-pressed", G_CALLBACK (on_key_pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), keys);

  /* the last project, else a new one; one open in another window or
   * program is left to it */
  if (*last && g_file_test (last, G_FILE_TEST_EXISTS))
    {
      project = tf_project_open (last, TF_PROJECT_OPEN, &error);
      if (project == NULL)
        {
          if (!g_error_matches (error, TF_PROJECT_ERROR, TF_PROJECT_ERROR_BUSY))
            project_toast (self, last, error);
          g_clear_error (&error);
        }
    }
  if (project == NULL && !(project = new_untitled (&error)))
    {
      g_autofree char *text = g_strdup_printf (_("No project could be made, labels cannot be kept: %s"),
                                               error->message);
      tf_window_add_toast (self, text);
      tf_face_inspector_set_labelling (self->inspector, FALSE);
      return;
    }
  adopt_project (self, project);
  remember_project (self);
}

void
tf_window_show_project (TfWindow *self)
{
  g_return_if_fail (TF_IS_WINDOW (self));

  if (self->project == NULL || self->view != TF_VIEW_EMPTY)
    return;
  if (!tf_project_is_read_only (self->project))
    relink_moved_media (self);
  show_project_media (self);
}

void
tf_window_project_dispose (TfWindow *self)
{
  g_cancellable_cancel (self->probe_cancellable);
  g_clear_object (&self->probe_cancellable);
  close_project (self);
  g_clear_pointer (&self->media_ids, g_hash_table_unref);
  g_clear_pointer (&self->run_key, g_free);
  g_clear_pointer (&self->run_settings, g_free);
  g_clear_pointer (&self->last_media_file, g_free);
  g_clear_pointer (&self->annotator, g_free);
  g_clear_pointer (&self->annotator_told, g_free);
  g_clear_pointer (&self->annotator_wanted, g_free);
}
