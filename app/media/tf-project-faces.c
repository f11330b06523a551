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

/* ---- labels, votes and their history ------------------------------------------------ */

void
tf_project_label_clear (TfProjectLabel *l)
{
  g_clear_pointer (&l->annotator, g_free);
  g_clear_pointer (&l->note, g_free);
  l->label = TF_LABEL_NONE;
  l->final = FALSE;
  l->votes = l->agree = 0;
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
  sqlite3_bind_text (s, col + 2, l->annotator ? l->annotator : "", -1, SQLITE_TRANSIENT);
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
  if (!(s = _tf_project_stmt (p, "SELECT l.class, l.source, l.annotator, l.time, l.note, l.final, l.votes, l.agree "
                                 "FROM faces f LEFT JOIN labels l ON l.face = f.id WHERE f.id = ?", error)))
    return FALSE;
  sqlite3_bind_int64 (s, 1, face);
  if ((rc = sqlite3_step (s)) == SQLITE_ROW)
    {
      label_from_row (s, 0, label);
      if (label->label != TF_LABEL_NONE)
        {
          label->final = sqlite3_column_int (s, 5) != 0;
          label->votes = sqlite3_column_int (s, 6);
          label->agree = sqlite3_column_int (s, 7);
        }
      return TRUE;
    }
  if (rc == SQLITE_DONE)
    no_such_face (p, face, error);
  else
    _tf_project_error (p, rc, error);
  return FALSE;
}

/* The votes of @face (final ones last), TfProjectLabel *. */
static GPtrArray *
read_votes (TfProject  *p,
            gint64      face,
            GError    **error)
{
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify) tf_project_label_free);
  g_autoptr(TfProjectStmt) s = NULL;
  int rc;

  if (!(s = _tf_project_stmt (p, "SELECT class, source, annotator, time, note, final FROM votes WHERE face = ? "
                                 "ORDER BY final, annotator", error)))
    return NULL;
  sqlite3_bind_int64 (s, 1, face);
  while ((rc = sqlite3_step (s)) == SQLITE_ROW)
    {
      TfProjectLabel *l = g_new0 (TfProjectLabel, 1);

      label_from_row (s, 0, l);
      l->final = sqlite3_column_int (s, 5) != 0;
      g_ptr_array_add (out, l);
    }
  if (rc != SQLITE_DONE)
    {
      _tf_project_error (p, rc, error);
      return NULL;
    }
  return g_steal_pointer (&out);
}

void
tf_project_label_free (TfProjectLabel *l)
{
  if (l == NULL)
    return;
  tf_project_label_clear (l);
  g_free (l);
}

GPtrArray *
tf_project_get_votes (TfProject  *p,
                      gint64      face,
                      GError    **error)
{
  TfProjectLabel unused;

  g_return_val_if_fail (p != NULL, NULL);
  /* an unknown face is an error, not an empty list */
  if (!tf_project_get_label (p, face, &unused, error))
    return NULL;
  tf_project_label_clear (&unused);
  return read_votes (p, face, error);
}

/* @face's vote by @annotator (@final: its final label, whoever gave it). */
static gboolean
read_vote (TfProject       *p,
           gint64           face,
           gboolean         final,
           const char      *annotator,
           TfProjectLabel  *l,
           GError         **error)
{
  g_autoptr(TfProjectStmt) s = NULL;
  int rc;

  memset (l, 0, sizeof *l);
  l->label = TF_LABEL_NONE;
  s = final ? _tf_project_stmt (p, "SELECT class, source, annotator, time, note FROM votes "
                                   "WHERE face = ? AND final = 1", error)
            : _tf_project_stmt (p, "SELECT class, source, annotator, time, note FROM votes "
                                   "WHERE face = ? AND final = 0 AND annotator = ?", error);
  if (s == NULL)
    return FALSE;
  sqlite3_bind_int64 (s, 1, face);
  if (!final)
    sqlite3_bind_text (s, 2, annotator, -1, SQLITE_TRANSIENT);
  if ((rc = sqlite3_step (s)) == SQLITE_ROW)
    {
      label_from_row (s, 0, l);
      l->final = final;
    }
  else if (rc != SQLITE_DONE)
    {
      _tf_project_error (p, rc, error);
      return FALSE;
    }
  return TRUE;
}

gboolean
tf_project_get_vote (TfProject       *p,
                     gint64           face,
                     const char      *annotator,
                     TfProjectLabel  *label,
                     GError         **error)
{
  g_autofree char *name = NULL;

  g_return_val_if_fail (p != NULL && label != NULL, FALSE);
  if (!tf_project_get_label (p, face, label, error))
    return FALSE;
  tf_project_label_clear (label);
  name = annotator && *annotator ? tf_project_annotator_name (p, annotator, NULL) : g_strdup ("");
  return read_vote (p, face, FALSE, name ? name : annotator, label, error);
}

char **
tf_project_get_annotators (TfProject  *p,
                           GError    **error)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(TfProjectStmt) s = NULL;
  int rc;

  g_return_val_if_fail (p != NULL, NULL);
  if (!(s = _tf_project_stmt (p, "SELECT DISTINCT annotator FROM votes WHERE final = 0 ORDER BY annotator", error)))
    return NULL;
  while ((rc = sqlite3_step (s)) == SQLITE_ROW)
    g_ptr_array_add (names, g_strdup ((const char *) sqlite3_column_text (s, 0)));
  if (rc != SQLITE_DONE)
    {
      _tf_project_error (p, rc, error);
      return NULL;
    }
  g_ptr_array_add (names, NULL);
  return (char **) g_ptr_array_free (g_steal_pointer (&names), FALSE);
}

char *
tf_project_annotator_name (TfProject   *p,
                           const char  *name,
                           GError     **error)
{
  g_autoptr(TfProjectStmt) s = NULL;
  g_autofree char *trimmed = NULL, *folded = NULL;
  int rc;

  g_return_val_if_fail (p != NULL, NULL);
  trimmed = g_strstrip (g_strdup (name ? name : ""));
  if (*trimmed == '\0' || !g_utf8_validate (trimmed, -1, NULL))
    {
      g_set_error (error, TF_PROJECT_ERROR, TF_PROJECT_ERROR_INVALID,
                   *trimmed ? _("%s: an annotator's name is not valid UTF-8")
                            : _("%s: an annotator needs a name"), p->display);
      return NULL;
    }
  /* the names are few (an index scan of DISTINCT); the same one again is
   * answered from the last look-up */
  if (p->annotator_asked && strcmp (p->annotator_asked, trimmed) == 0 && p->annotator_filed)
    return g_strdup (p->annotator_filed);
  folded = g_utf8_casefold (trimmed, -1);
  if (!(s = _tf_project_stmt (p, "SELECT DISTINCT annotator FROM votes", error)))
    return NULL;
  while ((rc = sqlite3_step (s)) == SQLITE_ROW)
    {
      const char *have = (const char *) sqlite3_column_text (s, 0);
      g_autofree char *have_folded = g_utf8_casefold (have, -1);

      if (strcmp (have, trimmed) == 0)
        break;
      if (strcmp (have_folded, folded) == 0)
        {
          g_free (trimmed);
          trimmed = g_strdup (have);
          break;
        }
    }
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    {
      _tf_project_error (p, rc, error);
      return NULL;
    }
  g_free (p->annotator_asked);
  g_free (p->annotator_filed);
  p->annotator_asked = g_strstrip (g_strdup (name));
  p->annotator_filed = g_strdup (trimmed);
  return g_steal_pointer (&trimmed);
}

/* Writes the face's label resolved from its votes: the final one, else
 * the one class with the most votes, else none (a tie). */
gboolean
_tf_project_resolve_label (TfProject  *p,
                           gint64      face,
                           GError    **error)
{
  g_autoptr(GPtrArray) votes = read_votes (p, face, error);
  g_autoptr(GHashTable) counts = g_hash_table_new (NULL, NULL);
  const TfProjectLabel *pick = NULL;
  int n = 0, top = 0, n_top = 0, agree = 0;
  TfProjectStmt *s;

  if (votes == NULL)
    return FALSE;
  for (guint i = 0; i < votes->len; i++)
    {
      const TfProjectLabel *v = votes->pdata[i];
      int c;

      if (v->final)
        continue;
      n++;
      c = GPOINTER_TO_INT (g_hash_table_lookup (counts, GINT_TO_POINTER (v->label + 10))) + 1;
      g_hash_table_insert (counts, GINT_TO_POINTER (v->label + 10), GINT_TO_POINTER (c));
      if (c > top)
        top = c, n_top = 1;
      else if (c == top)
        n_top++;
    }
  for (guint i = 0; i < votes->len; i++)
    {
      const TfProjectLabel *v = votes->pdata[i];

      if (v->final)
        pick = v;
      /* the latest vote of the majority speaks for it (its note, time) */
      else if (n_top == 1 && GPOINTER_TO_INT (g_hash_table_lookup (counts, GINT_TO_POINTER (v->label + 10))) == top &&
               (pick == NULL || v->time >= pick->time))
        pick = v;
    }
  if (pick)
    agree = GPOINTER_TO_INT (g_hash_table_lookup (counts, GINT_TO_POINTER (pick->label + 10)));
  if (pick == NULL)
    s = _tf_project_stmt (p, "DELETE FROM labels WHERE face = ?", error);
  else
    s = _tf_project_stmt (p, "INSERT OR REPLACE INTO labels (face, class, source, annotator, time, note, final, "
                             "votes, agree) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", error);
  if (s == NULL)
    return FALSE;
  sqlite3_bind_int64 (s, 1, face);
  if (pick)
    {
      bind_label (s, 2, pick);
      sqlite3_bind_int (s, 7, pick->final);
      sqlite3_bind_int (s, 8, n);
      sqlite3_bind_int (s, 9, agree);
    }
  if (!_tf_project_step (p, s, error))
    return FALSE;
  /* the faces whose votes split and that no adjudicator decided: the
   * queue's disagreement order reads them without grouping every vote */
  if (top < n && !(pick && pick->final))
    s = _tf_project_stmt (p, "INSERT OR REPLACE INTO splits (face, total, top) VALUES (?, ?, ?)", error);
  else
    s = _tf_project_stmt (p, "DELETE FROM splits WHERE face = ?", error);
  if (s == NULL)
    return FALSE;
  sqlite3_bind_int64 (s, 1, face);
  if (top < n && !(pick && pick->final))
    {
      sqlite3_bind_int (s, 2, n);
      sqlite3_bind_int (s, 3, top);
    }
  return _tf_project_step (p, s, error);
}

/* Removes the vote @l stands for (its annotator's, or the final one), then
 * writes @l unless it is none. */
static gboolean
write_vote (TfProject            *p,
            gint64                face,
            gboolean              final,
            const char           *key,
            const TfProjectLabel *l,
            GError              **error)
{
  TfProjectStmt *s;

  s = final ? _tf_project_stmt (p, "DELETE FROM votes WHERE face = ? AND final = 1", error)
            : _tf_project_stmt (p, "DELETE FROM votes WHERE face = ? AND final = 0 AND annotator = ?", error);
  if (s == NULL)
    return FALSE;
  sqlite3_bind_int64 (s, 1, face);
  if (!final)
    sqlite3_bind_text (s, 2, key ? key : "", -1, SQLITE_TRANSIENT);
  if (!_tf_project_step (p, s, error))
    return FALSE;
  if (l->label == TF_LABEL_NONE)
    return TRUE;
  if (!(s = _tf_project_stmt (p, "INSERT INTO votes (face, final, class, source, annotator, time, note) "
                                 "VALUES (?, ?, ?, ?, ?, ?, ?)", error)))
    return FALSE;
  sqlite3_bind_int64 (s, 1, face);
  sqlite3_bind_int (s, 2, final != FALSE);
  bind_label (s, 3, l);
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

/* Changes one vote (or the final label) inside an open transaction,
 * recording the change and resolving the face's label again. */
static gboolean
put_vote (TfProject      *p,
          gint64          face,
          gboolean        final,
          int             label,
          TfLabelSource   source,
          const char     *annotator,
          const char     *note,
          GError        **error)
{
  g_autofree char *name = NULL;
  TfProjectLabel before, after = {
    .label = label, .source = source, .note = (char *) note, .final = final,
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
  /* the unnamed annotator of old projects stays "", any other name is filed */
  if ((annotator && *annotator) || final)
    {
      if (!(name = tf_project_annotator_name (p, annotator, error)))
        return FALSE;
    }
  else
    name = g_strdup ("");
  after.annotator = name;
  if (!tf_project_get_label (p, face, &before, error))
    return FALSE;
  tf_project_label_clear (&before);
  if (!read_vote (p, face, final, name, &before, error))
    return FALSE;
  ok = write_vote (p, face, final, name, &after, error) && _tf_project_resolve_label (p, face, error) &&
       ensure_action (p, error) &&
       (s = _tf_project_stmt (p, "INSERT INTO label_history (action, face, final, old_class, old_source, "
                                 "old_annotator, old_time, old_note, new_class, new_source, new_annotator, new_time, "
                                 "new_note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", error)) != NULL;
  if (ok)
    {
      sqlite3_bind_int64 (s, 1, p->action);
      sqlite3_bind_int64 (s, 2, face);
      sqlite3_bind_int (s, 3, final != FALSE);
      bind_label (s, 4, &before);
      bind_label (s, 9, &after);
      ok = _tf_project_step (p, s, error);
    }
  tf_project_label_clear (&before);
  return ok;
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
  return put_vote (p, face, FALSE, label, source, annotator, note, error);
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
  return _tf_project_tx_end (p, put_vote (p, face, FALSE, label, source, annotator, note, error), error);
}

gboolean
tf_project_set_final_label (TfProject   *p,
                            gint64       face,
                            int          label,
                            const char  *adjudicator,
                            const char  *note,
                            GError     **error)
{
  g_return_val_if_fail (p != NULL, FALSE);
  if (!_tf_project_tx_begin (p, error))
    return FALSE;
  return _tf_project_tx_end (p, put_vote (p, face, TRUE, label, TF_LABEL_PERSON, adjudicator, note, error), error);
}

gboolean
tf_project_clear_label (TfProject  *p,
                        gint64      face,
                        GError    **error)
{
  g_autoptr(GPtrArray) votes = NULL;
  gboolean ok;

  g_return_val_if_fail (p != NULL, FALSE);
  if (!_tf_project_tx_begin (p, error))
    return FALSE;
  ok = (votes = tf_project_get_votes (p, face, error)) != NULL;
  for (guint i = 0; ok && i < votes->len; i++)
    {
      const TfProjectLabel *v = votes->pdata[i];
      ok = put_vote (p, face, v->final, TF_LABEL_NONE, TF_LABEL_PERSON, v->annotator, NULL, error);
    }
  return _tf_project_tx_end (p, ok, error);
}

TfProjectVoteTable *
tf_project_get_vote_table (TfProject  *p,
                           GError    **error)
{
  g_autoptr(TfProjectVoteTable) t = g_new0 (TfProjectVoteTable, 1);
  g_autoptr(GHashTable) column = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(TfProjectStmt) s = NULL;
  g_autoptr(TfProjectStmt) c = NULL;
  int rc, row = -1;
  gint64 last = 0;

  g_return_val_if_fail (p != NULL, NULL);
  if (!(t->annotators = tf_project_get_annotators (p, error)))
    return NULL;
  t->n_annotators = (int) g_strv_length (t->annotators);
  for (int a = 0; a < t->n_annotators; a++)
    g_hash_table_insert (column, t->annotators[a], GINT_TO_POINTER (a + 1));
  if (!(c = _tf_project_stmt (p, "SELECT count (DISTINCT face) FROM votes", error)))
    return NULL;
  if ((rc = sqlite3_step (c)) != SQLITE_ROW)
    {
      _tf_project_error (p, rc, error);
      return NULL;
    }
  t->n_faces = sqlite3_column_int (c, 0);
  t->faces = g_new0 (gint64, MAX (t->n_faces, 1));
  t->final = g_new (int, MAX (t->n_faces, 1));
  t->cells = g_new (int, MAX ((gsize) t->n_faces * t->n_annotators, 1));
  for (gsize i = 0; i < (gsize) t->n_faces * t->n_annotators; i++)
    t->cells[i] = TF_LABEL_NONE;
  for (int i = 0; i < t->n_faces; i++)
    t->final[i] = TF_LABEL_NONE;
  if (!(s = _tf_project_stmt (p, "SELECT face, final, annotator, class FROM votes ORDER BY face", error)))
    return NULL;
  while ((rc = sqlite3_step (s)) == SQLITE_ROW)
    {
      gint64 face = sqlite3_column_int64 (s, 0);
      int label = sqlite3_column_int (s, 3);

      if (row < 0 || face != last)
        {
          if (++row >= t->n_faces)
            break;   /* changed since counted: cannot be, inside one read */
          t->faces[row] = last = face;
        }
      if (sqlite3_column_int (s, 1))
        t->final[row] = label;
      else
        {
          int a = GPOINTER_TO_INT (g_hash_table_lookup (column, sqlite3_column_text (s, 2))) - 1;
          if (a >= 0)
            t->cells[(gsize) row * t->n_annotators + a] = label;
        }
    }
  if (rc != SQLITE_DONE && rc != SQLITE_ROW)
    {
      _tf_project_error (p, rc, error);
      return NULL;
    }
  return g_steal_pointer (&t);
}

void
tf_project_vote_table_free (TfProjectVoteTable *t)
{
  if (t == NULL)
    return;
  g_free (t->faces);
  g_strfreev (t->annotators);
  g_free (t->cells);
  g_free (t->final);
  g_free (t);
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
                        "new_class, new_source, new_annotator, new_time, new_note, state, final"

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
      c->before.final = c->after.final = sqlite3_column_int (s, 14) != 0;
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
  /* a name may come back or go: spell names from the votes again */
  g_clear_pointer (&p->annotator_asked, g_free);
  g_clear_pointer (&p->annotator_filed, g_free);
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
          c->before.final = c->after.final = sqlite3_column_int (s, 14) != 0;
          g_ptr_array_add (changes, c);
        }
      if (rc != SQLITE_DONE)
        ok = (_tf_project_error (p, rc, error), FALSE);
      sqlite3_reset (s);
    }
  /* the vote that was there goes, the one before (undo) or after (redo)
   * comes back; a change of an old project may name two annotators */
  for (guint i = 0; ok && i < changes->len; i++)
    {
      TfProjectLabelChange *c = changes->pdata[i];
      const TfProjectLabel *gone = undo ? &c->after : &c->before, *back = undo ? &c->before : &c->after;
      const TfProjectLabel none = { .label = TF_LABEL_NONE };

      ok = (gone->label == TF_LABEL_NONE || write_vote (p, c->face, c->after.final, gone->annotator, &none, error)) &&
           (back->label == TF_LABEL_NONE || write_vote (p, c->face, c->after.final, back->annotator, back, error)) &&
           _tf_project_resolve_label (p, c->face, error);
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
