/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A project's faces, their predictions and labels: the label history with
 * undo and redo, the walk over all faces, the review queue, statistics. */
#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "tf-project-private.h"

/* ---- float32 BLOBs ------------------------------------------------------------ */

void
_tf_project_floats_to_le (const float *in,
                          int          n,
                          guint8      *out)
{
  for (int i = 0; i < n; i++)
    {
      guint32 bits;
      memcpy (&bits, &in[i], 4);
      bits = GUINT32_TO_LE (bits);
      memcpy (out + 4 * i, &bits, 4);
    }
}

void
_tf_project_floats_from_le (const guint8 *in,
                            int           n,
                            float        *out)
{
  for (int i = 0; i < n; i++)
    {
      guint32 bits;
      memcpy (&bits, in + 4 * i, 4);
      bits = GUINT32_FROM_LE (bits);
      memcpy (&out[i], &bits, 4);
    }
}

static void
no_such_face (TfProject  *p,
              gint64      face,
              GError    **error)
{
  g_set_error (error, TF_PROJECT_ERROR, TF_PROJECT_ERROR_INVALID, _("%s: no face %lld"), p->display,
               (long long) face);
}

/* ---- faces and predictions ------------------------------------------------------ */

gint64
tf_project_add_face (TfProject              *p,
                     const TfProjectNewFace *f,
                     GError                **error)
{
  guint8 marks[TF_FACE_LANDMARKS * 2 * 4];
  TfProjectStmt *s;
  gint64 id = 0;
  gboolean ok;

  g_return_val_if_fail (p != NULL && f != NULL, 0);
  g_return_val_if_fail (f->crop == NULL || (f->crop_size > 0 && f->crop_size <= 4096), 0);
  if (!_tf_project_tx_begin (p, error))
    return 0;
  ok = (s = _tf_project_stmt (p, "INSERT INTO faces (media, run, frame, time_s, idx, x, y, w, h, score, landmarks, "
                                 "track, manual) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", error)) != NULL;
  if (ok)
    {
      sqlite3_bind_int64 (s, 1, f->media);
      if (f->run > 0)
        sqlite3_bind_int64 (s, 2, f->run);
      sqlite3_bind_int64 (s, 3, f->frame);
      sqlite3_bind_double (s, 4, f->time_s);
      sqlite3_bind_int (s, 5, f->index);
      sqlite3_bind_double (s, 6, f->det.x);
      sqlite3_bind_double (s, 7, f->det.y);
      sqlite3_bind_double (s, 8, f->det.w);
      sqlite3_bind_double (s, 9, f->det.h);
      sqlite3_bind_double (s, 10, f->det.score);
      if (f->has_landmarks)
        {
          _tf_project_floats_to_le (&f->det.landmarks[0][0], TF_FACE_LANDMARKS * 2, marks);
          sqlite3_bind_blob (s, 11, marks, sizeof marks, SQLITE_TRANSIENT);
        }
      sqlite3_bind_int (s, 12, f->track);
      sqlite3_bind_int (s, 13, f->manual != FALSE);
      ok = _tf_project_step (p, s, error);
      id = sqlite3_last_insert_rowid (p->db);
    }
  if (ok && f->crop)
    {
      ok = (s = _tf_project_stmt (p, "INSERT INTO crops (face, size, rgb) VALUES (?, ?, ?)", error)) != NULL;
      if (ok)
        {
          sqlite3_bind_int64 (s, 1, id);
          sqlite3_bind_int (s, 2, f->crop_size);
          sqlite3_bind_blob (s, 3, f->crop, 3 * f->crop_size * f->crop_size, SQLITE_STATIC);
          ok = _tf_project_step (p, s, error);
        }
    }
  return _tf_project_tx_end (p, ok, error) ? id : 0;
}

gboolean
tf_project_delete_face (TfProject  *p,
                        gint64      face,
                        GError    **error)
{
  TfProjectStmt *s;
  gboolean ok;

  g_return_val_if_fail (p != NULL, FALSE);
  if (!_tf_project_tx_begin (p, error))
    return FALSE;
  ok = (s = _tf_project_stmt (p, "DELETE FROM faces WHERE id = ?", error)) != NULL;
  if (ok)
    {
      sqlite3_bind_int64 (s, 1, face);
      ok = _tf_project_step (p, s, error);
    }
  if (ok && sqlite3_changes (p->db) == 0)
    {
      no_such_face (p, face, error);
      ok = FALSE;
    }
  return _tf_project_tx_end (p, ok, error);
}

GBytes *
tf_project_get_crop (TfProject  *p,
                     gint64      face,
                     int        *size,
                     GError    **error)
{
  g_autoptr(TfProjectStmt) s = NULL;
  int rc, n;

  g_return_val_if_fail (p != NULL, NULL);
  if (!(s = _tf_project_stmt (p, "SELECT size, rgb FROM crops WHERE face = ?", error)))
    return NULL;
  sqlite3_bind_int64 (s, 1, face);
  if ((rc = sqlite3_step (s)) != SQLITE_ROW)
    {
      if (rc != SQLITE_DONE)
        _tf_project_error (p, rc, error);
      return NULL;
    }
  n = sqlite3_column_int (s, 0);
  if (n <= 0 || sqlite3_column_bytes (s, 1) != 3 * n * n)
    {
      g_set_error (error, TF_PROJECT_ERROR, TF_PROJECT_ERROR_NOT_PROJECT,
                   _("%s: damaged: the crop of face %lld has the wrong size"), p->display, (long long) face);
      return NULL;
    }
  if (size)
    *size = n;
  return g_bytes_new (sqlite3_column_blob (s, 1), (gsize) 3 * n * n);
}

gboolean
tf_project_add_prediction (TfProject    *p,
                           gint64        face,
                           gint64        run,
                           const float  *probs,
                           int           n_probs,
                           GError      **error)
{
  g_autofree guint8 *blob = NULL;
  double entropy = 0, top = -1, second = 0;
  TfProjectStmt *s;
  GArray *map;
  int best = 0;
  gboolean ok;

  g_return_val_if_fail (p != NULL && probs != NULL && n_probs > 0, FALSE);
  if (!(map = _tf_project_run_map (p, run, error)))
    return FALSE;
  if ((int) map->len != n_probs)
    {
      g_set_error (error, TF_PROJECT_ERROR, TF_PROJECT_ERROR_INVALID,
                   _("%s: run %lld has %u classes, not %d"), p->display, (long long) run, map->len, n_probs);
      return FALSE;
    }
  for (int k = 0; k < n_probs; k++)
    {
      double q = probs[k];
      if (!isfinite (q) || q < 0 || q > 1.0001)
        {
          g_set_error (error, TF_PROJECT_ERROR, TF_PROJECT_ERROR_INVALID,
                       _("%s: face %lld: a probability is not within 0..1"), p->display, (long long) face);
          return FALSE;
        }
      if (q > top)
        {
          second = MAX (top, 0);
          top = q;
          best = k;
        }
      else if (q > second)
        second = q;
      if (q > 0)
        entropy -= q * log (q);
    }
  blob = g_malloc ((gsize) 4 * n_probs);
  _tf_project_floats_to_le (probs, n_probs, blob);
  if (!_tf_project_tx_begin (p, error))
    return FALSE;
  ok = (s = _tf_project_stmt (p, "INSERT OR REPLACE INTO predictions (face, run, probs, predicted, margin, entropy) "
                                 "VALUES (?, ?, ?, ?, ?, ?)", error)) != NULL;
  if (ok)
    {
      sqlite3_bind_int64 (s, 1, face);
      sqlite3_bind_int64 (s, 2, run);
      sqlite3_bind_blob (s, 3, blob, 4 * n_probs, SQLITE_STATIC);
      sqlite3_bind_int (s, 4, g_array_index (map, int, best));
      sqlite3_bind_double (s, 5, top - second);
      sqlite3_bind_double (s, 6, entropy);
      ok = _tf_project_step (p, s, error);
    }
  return _tf_project_tx_end (p, ok, error);
}

/* ---- labels and their history ------------------------------------------------------- */

void
tf_project_label_clear (TfProjectLabel *l)
{
  g_clear_pointer (&l->annotator, g_free);
  g_clear_pointer (&l->note, g_free);
  l->label = TF_LABEL_NONE;
}

/* The label in columns @col.. (class, source, annotator, time, note). */
static void
label_from_row (sqlite3_stmt   *s,
                int             col,
                TfProjectLabel *l)
{
  memset (l, 0, sizeof *l);
  l->label = TF_LABEL_NONE;
  if (sqlite3_column_type (s, col) == SQLITE_NULL)
    return;
  l->label = sqlite3_column_int (s, col);
  l->source = (TfLabelSource) sqlite3_column_int (s, col + 1);
  l->annotator = g_strdup ((const char *) sqlite3_column_text (s, col + 2));
  l->time = sqlite3_column_int64 (s, col + 3);
  l->note = g_strdup ((const char *) sqlite3_column_text (s, col + 4));
}

static void
bind_label (sqlite3_stmt         *s,
            int                   col,
            const TfProjectLabel *l)
{
  if (l->label == TF_LABEL_NONE)
    {
      for (int i = 0; i < 5; i++)
        sqlite3_bind_null (s, col + i);
      return;
    }
  sqlite3_bind_int (s, col, l->label);
  sqlite3_bind_int (s, col + 1, l->source);
  sqlite3_bind_text (s, col + 2, l->annotator, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (s, col + 3, l->time);
  sqlite3_bind_text (s, col + 4, l->note, -1, SQLITE_TRANSIENT);
}

gboolean
tf_project_get_label (TfProject       *p,
                      gint64           face,
                      TfProjectLabel  *label,
                      GError         **error)
{
  g_autoptr(TfProjectStmt) s = NULL;
  int rc;

  g_return_val_if_fail (p != NULL && label != NULL, FALSE);
  memset (label, 0, sizeof *label);
  label->label = TF_LABEL_NONE;
  if (!(s = _tf_project_stmt (p, "SELECT l.class, l.source, l.annotator, l.time, l.note FROM faces f "
                                 "LEFT JOIN labels l ON l.face = f.id WHERE f.id = ?", error)))
    return FALSE;
  sqlite3_bind_int64 (s, 1, face);
  if ((rc = sqlite3_step (s)) == SQLITE_ROW)
    {
      label_from_row (s, 0, label);
      return TRUE;
    }
  if (rc == SQLITE_DONE)
    no_such_face (p, face, error);
  else
    _tf_project_error (p, rc, error);
  return FALSE;
}

/* Writes @l as the face's label, without history. */
static gboolean
write_label (TfProject            *p,
             gint64                face,
             const TfProjectLabel *l,
             GError              **error)
{
  TfProjectStmt *s;

  if (l->label == TF_LABEL_NONE)
    s = _tf_project_stmt (p, "DELETE FROM labels WHERE face = ?", error);
  else
    s = _tf_project_stmt (p, "INSERT OR REPLACE INTO labels (face, class, source, annotator, time, note) "
                             "VALUES (?, ?, ?, ?, ?, ?)", error);
  if (s == NULL)
    return FALSE;
  sqlite3_bind_int64 (s, 1, face);
  if (l->label != TF_LABEL_NONE)
    bind_label (s, 2, l);
  return _tf_project_step (p, s, error);
}

/* The undo step of the open transaction (its first change starts one).
 * A change drops what could be redone: those changes stay, as replaced.
 * Done at every change, not once per step, so that a change rolled back
 * inside a group cannot take the drop back with it. */
static gboolean
ensure_action (TfProject  *p,
               GError    **error)
{
  TfProjectStmt *s;
  int rc;

  if (!(s = _tf_project_stmt (p, "UPDATE label_history SET state = 2 WHERE state = 1", error)) ||
      !_tf_project_step (p, s, error))
    return FALSE;
  if (p->action > 0)
    return TRUE;
  if (!(s = _tf_project_stmt (p, "SELECT coalesce (max (action), 0) + 1 FROM label_history", error)))
    return FALSE;
  if ((rc = sqlite3_step (s)) != SQLITE_ROW)
    {
      _tf_project_error (p, rc, error);
      sqlite3_reset (s);
      return FALSE;
    }
  p->action = sqlite3_column_int64 (s, 0);
  sqlite3_reset (s);
  return TRUE;
}

gboolean
_tf_project_put_label (TfProject      *p,
                       gint64          face,
                       int             label,
                       TfLabelSource   source,
                       const char     *annotator,
                       const char     *note,
                       GError        **error)
{
  TfProjectLabel before, after = {
    .label = label, .source = source, .annotator = (char *) annotator, .note = (char *) note,
    .time = g_get_real_time () / G_USEC_PER_SEC,
  };
  TfProjectStmt *s;
  gboolean ok;

  if (!(label == TF_LABEL_NONE || label == TF_LABEL_NOT_A_FACE || label == TF_LABEL_UNSURE ||
        (label >= 0 && label < (int) p->classes->len)) ||
      source < TF_LABEL_PERSON || source > TF_LABEL_PROPAGATED)
    {
      g_set_error (error, TF_PROJECT_ERROR, TF_PROJECT_ERROR_INVALID, _("%s: no class %d"), p->display, label);
      return FALSE;
    }
  if (!tf_project_get_label (p, face, &before, error))
    return FALSE;
  ok = write_label (p, face, &after, error) && ensure_action (p, error) &&
       (s = _tf_project_stmt (p, "INSERT INTO label_history (action, face, old_class, old_source, old_annotator, "
                                 "old_time, old_note, new_class, new_source, new_annotator, new_time, new_note) "
                                 "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", error)) != NULL;
  if (ok)
    {
      sqlite3_bind_int64 (s, 1, p->action);
      sqlite3_bind_int64 (s, 2, face);
      bind_label (s, 3, &before);
      bind_label (s, 8, &after);
      ok = _tf_project_step (p, s, error);
    }
  tf_project_label_clear (&before);
  return ok;
}

gboolean
tf_project_set_label (TfProject      *p,
                      gint64          face,
                      int             label,
                      TfLabelSource   source,
                      const char     *annotator,
                      const char     *note,
                      GError        **error)
{
  g_return_val_if_fail (p != NULL, FALSE);
  if (!_tf_project_tx_begin (p, error))
    return FALSE;
  return _tf_project_tx_end (p, _tf_project_put_label (p, face, label, source, annotator, note, error), error);
}

gboolean
tf_project_clear_label (TfProject  *p,
                        gint64      face,
                        GError    **error)
{
  return tf_project_set_label (p, face, TF_LABEL_NONE, TF_LABEL_PERSON, NULL, NULL, error);
}

void
tf_project_label_change_free (TfProjectLabelChange *c)
{
  if (c == NULL)
    return;
  tf_project_label_clear (&c->before);
  tf_project_label_clear (&c->after);
  g_free (c);
}

#define HISTORY_COLUMNS "id, action, face, old_class, old_source, old_annotator, old_time, old_note, " \
                        "new_class, new_source, new_annotator, new_time, new_note, state"

GPtrArray *
tf_project_get_label_history (TfProject  *p,
                              gint64      face,
                              GError    **error)
{
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify) tf_project_label_change_free);
  g_autoptr(TfProjectStmt) s = NULL;
  int rc;

  g_return_val_if_fail (p != NULL, NULL);
  s = face > 0 ? _tf_project_stmt (p, "SELECT " HISTORY_COLUMNS " FROM label_history WHERE face = ? ORDER BY id", error)
               : _tf_project_stmt (p, "SELECT " HISTORY_COLUMNS " FROM label_history ORDER BY id", error);
  if (s == NULL)
    return NULL;
  if (face > 0)
    sqlite3_bind_int64 (s, 1, face);
  while ((rc = sqlite3_step (s)) == SQLITE_ROW)
    {
      TfProjectLabelChange *c = g_new0 (TfProjectLabelChange, 1);

      c->id = sqlite3_column_int64 (s, 0);
      c->action = sqlite3_column_int64 (s, 1);
      c->face = sqlite3_column_int64 (s, 2);
      label_from_row (s, 3, &c->before);
      label_from_row (s, 8, &c->after);
      c->state = (TfChangeState) sqlite3_column_int (s, 13);
      g_ptr_array_add (out, c);
    }
  if (rc != SQLITE_DONE)
    {
      _tf_project_error (p, rc, error);
      return NULL;
    }
  return g_steal_pointer (&out);
}

static gboolean
has_state (TfProject *p,
           int        state)
{
  g_autoptr(TfProjectStmt) s = _tf_project_stmt (p, "SELECT 1 FROM label_history WHERE state = ? LIMIT 1", NULL);

  if (s == NULL)
    return FALSE;
  sqlite3_bind_int (s, 1, state);
  return sqlite3_step (s) == SQLITE_ROW;
}

gboolean
tf_project_can_undo (TfProject *p)
{
  g_return_val_if_fail (p != NULL, FALSE);
  return has_state (p, TF_CHANGE_DONE);
}

gboolean
tf_project_can_redo (TfProject *p)
{
  g_return_val_if_fail (p != NULL, FALSE);
  return has_state (p, TF_CHANGE_UNDONE);
}

/* Undo: the latest step still done goes back to the labels before it, its
 * changes last to first. Redo: the earliest undone one is applied again. */
static int
step_history (TfProject  *p,
              gboolean    undo,
              gint64     *face,
              GError    **error)
{
  const int from = undo ? TF_CHANGE_DONE : TF_CHANGE_UNDONE, to = undo ? TF_CHANGE_UNDONE : TF_CHANGE_DONE;
  g_autoptr(GPtrArray) changes = g_ptr_array_new_with_free_func ((GDestroyNotify) tf_project_label_change_free);
  TfProjectStmt *s;
  gint64 action = 0;
  gboolean ok;
  int rc;

  if (!_tf_project_tx_begin (p, error))
    return -1;
  ok = (s = _tf_project_stmt (p, undo ? "SELECT max (action) FROM label_history WHERE state = 0"
                                      : "SELECT min (action) FROM label_history WHERE state = 1", error)) != NULL;
  if (ok)
    {
      if ((rc = sqlite3_step (s)) == SQLITE_ROW)
        action = sqlite3_column_int64 (s, 0);
      else
        ok = (_tf_project_error (p, rc, error), FALSE);
      sqlite3_reset (s);
    }
  if (ok && action > 0)
    ok = (s = _tf_project_stmt (p, undo ? "SELECT " HISTORY_COLUMNS " FROM label_history "
                                          "WHERE state = ? AND action = ? ORDER BY id DESC"
                                        : "SELECT " HISTORY_COLUMNS " FROM label_history "
                                          "WHERE state = ? AND action = ? ORDER BY id", error)) != NULL;
  if (ok && action > 0)
    {
      sqlite3_bind_int (s, 1, from);
      sqlite3_bind_int64 (s, 2, action);
      while ((rc = sqlite3_step (s)) == SQLITE_ROW)
        {
          TfProjectLabelChange *c = g_new0 (TfProjectLabelChange, 1);
          c->face = sqlite3_column_int64 (s, 2);
          label_from_row (s, 3, &c->before);
          label_from_row (s, 8, &c->after);
          g_ptr_array_add (changes, c);
        }
      if (rc != SQLITE_DONE)
        ok = (_tf_project_error (p, rc, error), FALSE);
      sqlite3_reset (s);
    }
  for (guint i = 0; ok && i < changes->len; i++)
    {
      TfProjectLabelChange *c = changes->pdata[i];
      ok = write_label (p, c->face, undo ? &c->before : &c->after, error);
    }
  if (ok && action > 0)
    {
      ok = (s = _tf_project_stmt (p, "UPDATE label_history SET state = ? WHERE state = ? AND action = ?",
                                  error)) != NULL;
      if (ok)
        {
          sqlite3_bind_int (s, 1, to);
          sqlite3_bind_int (s, 2, from);
          sqlite3_bind_int64 (s, 3, action);
          ok = _tf_project_step (p, s, error);
        }
    }
  if (!_tf_project_tx_end (p, ok, error))
    return -1;
  if (face && changes->len > 0)
    *face = ((TfProjectLabelChange *) changes->pdata[0])->face;
  return (int) changes->len;
}

int
tf_project_undo (TfProject  *p,
                 gint64     *face,
                 GError    **error)
{
  g_return_val_if_fail (p != NULL, -1);
  return step_history (p, TRUE, face, error);
}

int
tf_project_redo (TfProject  *p,
                 gint64     *face,
                 GError    **error)
{
  g_return_val_if_fail (p != NULL, -1);
  return step_history (p, FALSE, face, error);
}
