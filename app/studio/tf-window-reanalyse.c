/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Re-analyse (Ctrl+R): what is open analysed again with the current
 * preferences (model, detection threshold, video rate...), which otherwise
 * apply from the next analysis only. The project keeps one analysis of
 * each face: the faces the last analysis found unlabelled are dropped,
 * and a face found again where a labelled (or hand-drawn) one is keeps
 * that face, its label and its history, with the new prediction as the
 * new run's. */
#include <glib/gi18n.h>
#include <math.h>

#include "tf-analyze.h"
#include "tf-detect.h"
#include "tf-window-private.h"

#define OPENED_KEY     "tf-reanalyse-opened"     /* GStrv: the paths last opened */
#define KEPT_KEY       "tf-reanalyse-kept"       /* GPtrArray of Kept */
#define RUNNING_KEY    "tf-reanalyse-running"

typedef struct
{
  char   *file;     /* canonical */
  char   *opened;   /* as it was opened */
  gint64  id;
  gint64  frame;
  float   box[4];
} Kept;

static void
kept_free (gpointer data)
{
  Kept *k = data;

  g_free (k->file);
  g_free (k->opened);
  g_free (k);
}

static char *
canonical_path (const char *path)
{
  g_autofree char *abs = g_canonicalize_filename (path, NULL);
  char *real = realpath (abs, NULL);
  char *copy;

  if (real == NULL)
    return g_steal_pointer (&abs);
  copy = g_strdup (real);
  free (real);
  return copy;
}

void
tf_window_reanalyse_remember (TfWindow           *self,
                              const char * const *paths,
                              guint               n_paths)
{
  GStrvBuilder *builder = g_strv_builder_new ();

  /* the faces kept by the last re-analysis are matched only by it */
  if (!tf_window_reanalysing (self))
    g_object_set_data (G_OBJECT (self), KEPT_KEY, NULL);
  for (guint i = 0; i < n_paths; i++)
    g_strv_builder_add (builder, paths[i]);
  g_object_set_data_full (G_OBJECT (self), OPENED_KEY, g_strv_builder_end (builder), (GDestroyNotify) g_strfreev);
  g_strv_builder_unref (builder);
}

gboolean
tf_window_reanalysing (TfWindow *self)
{
  return g_object_get_data (G_OBJECT (self), RUNNING_KEY) != NULL;
}

gboolean
tf_window_can_reanalyse (TfWindow *self)
{
  char **opened = g_object_get_data (G_OBJECT (self), OPENED_KEY);

  g_return_val_if_fail (TF_IS_WINDOW (self), FALSE);
  return opened != NULL && opened[0] != NULL && self->view != TF_VIEW_EMPTY && !self->project_lent;
}

typedef struct
{
  GHashTable *files;     /* canonical path analysed again -> as opened */
  GHashTable *paths;     /* stored path -> canonical, or "" for others */
  TfProject  *project;
  GArray     *drop;      /* gint64 face ids */
  GPtrArray  *kept;      /* Kept */
} Sort;

static gboolean
sort_face_cb (const TfProjectFace *face,
              gpointer             user_data)
{
  Sort *s = user_data;
  const char *file = g_hash_table_lookup (s->paths, face->file);

  if (file == NULL)
    {
      g_autofree char *abs = NULL;

      if (g_path_is_absolute (face->file))
        abs = g_strdup (face->file);
      else
        {
          g_autofree char *dir = g_path_get_dirname (tf_project_get_path (s->project));
          abs = g_build_filename (dir, face->file, NULL);
        }
      file = canonical_path (abs);
      if (!g_hash_table_contains (s->files, file))
        {
          g_free ((char *) file);
          file = g_strdup ("");
        }
      g_hash_table_insert (s->paths, g_strdup (face->file), (char *) file);
    }
  if (*file == '\0')
    return TRUE;
  if (face->label.label == TF_LABEL_NONE && !face->manual)
    g_array_append_val (s->drop, face->id);
  else
    {
      Kept *k = g_new0 (Kept, 1);

      k->file = g_strdup (file);
      k->opened = g_strdup (g_hash_table_lookup (s->files, file));
      k->id = face->id;
      k->frame = face->frame;
      k->box[0] = face->det.x;
      k->box[1] = face->det.y;
      k->box[2] = face->det.w;
      k->box[3] = face->det.h;
      g_ptr_array_add (s->kept, k);
    }
  return TRUE;
}

/* The project forgets the last analysis of @files; what a person gave
 * (labels, drawn faces) stays, to be matched by the new one. */
static gboolean
forget_analysis (TfWindow   *self,
                 GPtrArray  *files,
                 GError    **error)
{
  g_autoptr(GHashTable) set = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr(GHashTable) paths = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr(GArray) drop = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GPtrArray) kept = g_ptr_array_new_with_free_func (kept_free);
  Sort s = { set, paths, self->project, drop, kept };

  if (self->project == NULL || tf_project_is_read_only (self->project))
    return TRUE;
  for (guint i = 0; i < files->len; i++)
    g_hash_table_insert (set, canonical_path (g_ptr_array_index (files, i)),
                         g_strdup (g_ptr_array_index (files, i)));
  tf_window_project_flush (self);
  if (!tf_project_foreach_face (self->project, NULL, sort_face_cb, &s, error))
    return FALSE;
  if (drop->len > 0)
    {
      if (!tf_project_begin (self->project, error))
        return FALSE;
      for (guint i = 0; i < drop->len; i++)
        if (!tf_project_delete_face (self->project, g_array_index (drop, gint64, i), error))
          {
            tf_project_rollback (self->project);
            return FALSE;
          }
      if (!tf_project_commit (self->project, error))
        return FALSE;
    }
  g_debug ("re-analysis: %u faces forgotten, %u kept", drop->len, kept->len);
  g_object_set_data_full (G_OBJECT (self), KEPT_KEY, g_steal_pointer (&kept), (GDestroyNotify) g_ptr_array_unref);
  return TRUE;
}

gint64
tf_window_reanalyse_match (TfWindow    *self,
                           TfFaceProbe *probe)
{
  GPtrArray *kept = g_object_get_data (G_OBJECT (self), KEPT_KEY);
  g_autofree char *file = NULL;
  guint best = G_MAXUINT;
  float best_iou = 0.5f;
  gint64 id;

  if (kept == NULL || kept->len == 0 || probe->file == NULL)
    return 0;
  file = canonical_path (probe->file);
  for (guint i = 0; i < kept->len; i++)
    {
      Kept *k = g_ptr_array_index (kept, i);
      TfFace a = { .x = k->box[0], .y = k->box[1], .w = k->box[2], .h = k->box[3] };
      TfFace b = { .x = probe->box[0], .y = probe->box[1], .w = probe->box[2], .h = probe->box[3] };
      float o;

      if (k->frame != probe->frame || g_strcmp0 (k->file, file) != 0)
        continue;
      o = tf_face_iou (&a, &b);
      if (o > best_iou)
        {
          best_iou = o;
          best = i;
        }
    }
  if (best == G_MAXUINT)
    return 0;
  id = ((Kept *) g_ptr_array_index (kept, best))->id;
  g_ptr_array_remove_index_fast (kept, best);
  return id;
}

void
tf_window_reanalyse_finished (TfWindow *self,
                              gboolean  cancelled)
{
  GPtrArray *kept = g_object_get_data (G_OBJECT (self), KEPT_KEY);

  if (kept == NULL || cancelled)
    return;
  /* what a person gave and the new analysis did not find again stays in
   * sight, as it was stored */
  for (guint i = 0; i < kept->len; i++)
    {
      Kept *k = g_ptr_array_index (kept, i);
      g_autoptr(TfFaceProbe) probe = tf_window_project_probe (self, k->id);

      if (probe == NULL)
        continue;
      g_free (probe->file);
      probe->file = g_strdup (k->opened);
      tf_window_deliver_face (self, probe);
    }
  g_object_set_data (G_OBJECT (self), KEPT_KEY, NULL);
}

void
tf_window_reanalyse (TfWindow *self)
{
  char **opened = g_object_get_data (G_OBJECT (self), OPENED_KEY);
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) expanded = NULL;
  g_autoptr(GError) error = NULL;

  g_return_if_fail (TF_IS_WINDOW (self));

  if (!tf_window_can_reanalyse (self))
    return;
  opened = g_strdupv (opened);
  tf_session_cancel (self->session);
  expanded = tf_analyze_expand_paths ((const char * const *) opened, (int) g_strv_length (opened));
  if (!forget_analysis (self, expanded, &error))
    {
      g_autofree char *text = g_strdup_printf (_("Could not analyse again: %s"), error->message);
      tf_window_add_toast (self, text);
      g_strfreev (opened);
      return;
    }
  for (guint i = 0; opened[i] != NULL; i++)
    g_ptr_array_add (files, g_file_new_for_path (opened[i]));
  g_object_set_data (G_OBJECT (self), RUNNING_KEY, GINT_TO_POINTER (1));
  tf_window_open_files (self, (GFile **) files->pdata, (int) files->len, FALSE);
  g_object_set_data (G_OBJECT (self), RUNNING_KEY, NULL);
  g_strfreev (opened);
}
