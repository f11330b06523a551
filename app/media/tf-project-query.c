/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Reading a project's faces: the walk over them (exports, lists), the
 * review queue, counts and statistics. The filters become SQL; the joins
 * are by primary key and the queue's order comes from the predictions'
 * (run, margin) and (run, entropy) indexes. */
#include <glib/gi18n.h>
#include <string.h>

#include "tf-project-private.h"

void
tf_project_filter_init (TfProjectFilter *f)
{
  g_return_if_fail (f != NULL);
  memset (f, 0, sizeof *f);
  f->labelled = TF_LABELLED_ANY;
  f->label = TF_PROJECT_ANY;
  f->predicted = TF_PROJECT_ANY;
}

/* " WHERE ..." for @f over faces f, predictions p (of the run), labels l:
 * only integers go into the text. */
static void
filter_where (const TfProjectFilter *f,
              GString               *sql)
{
  const char *and = " WHERE ";

#define COND(...) G_STMT_START { g_string_append (sql, and); g_string_append_printf (sql, __VA_ARGS__); \
                                 and = " AND "; } G_STMT_END
  if (f == NULL)
    return;
  if (f->labelled == TF_LABELLED_NO)
    COND ("l.face IS NULL");
  else if (f->labelled == TF_LABELLED_YES)
    COND ("l.face IS NOT NULL");
  if (f->label == TF_LABEL_NONE)
    COND ("l.face IS NULL");
  else if (f->label != TF_PROJECT_ANY)
    COND ("l.class = %d", f->label);
  if (f->predicted != TF_PROJECT_ANY)
    COND ("p.predicted = %d", f->predicted);
  if (f->disagreeing)
    COND ("l.class >= 0 AND p.predicted IS NOT NULL AND l.class <> p.predicted");
  if (f->media > 0)
    COND ("f.media = %" G_GINT64_FORMAT, f->media);
#undef COND
}

static gboolean
needs_labels (const TfProjectFilter *f)
{
  return f && (f->labelled != TF_LABELLED_ANY || f->label != TF_PROJECT_ANY || f->disagreeing);
}

/* The joins a filter needs, the run's predictions always (the queue's order). */
static void
filter_from (TfProject             *p,
             const TfProjectFilter *f,
             GString               *sql)
{
  gint64 run = _tf_project_resolve_run (p, f ? f->run : 0);

  g_string_append_printf (sql, " FROM faces f LEFT JOIN predictions p ON p.face = f.id AND p.run = %" G_GINT64_FORMAT,
                          run);
  if (needs_labels (f))
    g_string_append (sql, " LEFT JOIN labels l ON l.face = f.id");
}

static sqlite3_stmt *
prepare (TfProject  *p,
         const char *sql,
         GError    **error)
{
  sqlite3_stmt *s = NULL;
  int rc = sqlite3_prepare_v2 (p->db, sql, -1, &s, NULL);

  if (rc == SQLITE_OK)
    return s;
  _tf_project_error (p, rc, error);
  return NULL;
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (sqlite3_stmt, sqlite3_finalize)

/* ---- the walk ------------------------------------------------------------------ */

#define FACE_COLUMNS "f.id, f.media, m.path, f.frame, f.time_s, f.idx, f.x, f.y, f.w, f.h, f.score, f.landmarks, " \
                     "f.track, f.manual, p.probs, p.predicted, p.margin, p.entropy, l.class, l.source, "            \
                     "l.annotator, l.time, l.note, l.final, l.votes, l.agree, "                                    \
                     "CASE WHEN l.face IS NULL THEN (SELECT count (*) FROM votes v WHERE v.face = f.id AND v.final = 0) END"

/* Fills @out from a row of FACE_COLUMNS; strings and probabilities point
 * into the row (valid until the next step), @probs is the buffer. */
static void
face_from_row (sqlite3_stmt  *s,
               GArray        *probs,
               TfProjectFace *out)
{
  memset (out, 0, sizeof *out);
  out->id = sqlite3_column_int64 (s, 0);
  out->media = sqlite3_column_int64 (s, 1);
  out->file = (const char *) sqlite3_column_text (s, 2);
  out->frame = sqlite3_column_int64 (s, 3);
  out->time_s = sqlite3_column_double (s, 4);
  out->index = sqlite3_column_int (s, 5);
  out->det.x = (float) sqlite3_column_double (s, 6);
  out->det.y = (float) sqlite3_column_double (s, 7);
  out->det.w = (float) sqlite3_column_double (s, 8);
  out->det.h = (float) sqlite3_column_double (s, 9);
  out->det.score = (float) sqlite3_column_double (s, 10);
  if (sqlite3_column_bytes (s, 11) == TF_FACE_LANDMARKS * 2 * 4)
    {
      _tf_project_floats_from_le (sqlite3_column_blob (s, 11), TF_FACE_LANDMARKS * 2, &out->det.landmarks[0][0]);
      out->has_landmarks = TRUE;
    }
  out->track = sqlite3_column_int (s, 12);
  out->manual = sqlite3_column_int (s, 13) != 0;
  out->predicted = -1;
  if (sqlite3_column_type (s, 14) != SQLITE_NULL)
    {
      out->n_probs = sqlite3_column_bytes (s, 14) / 4;
      g_array_set_size (probs, out->n_probs);
      _tf_project_floats_from_le (sqlite3_column_blob (s, 14), out->n_probs, (float *) (void *) probs->data);
      out->probs = (const float *) (void *) probs->data;
      out->predicted = sqlite3_column_int (s, 15);
      out->margin = sqlite3_column_double (s, 16);
      out->entropy = sqlite3_column_double (s, 17);
    }
  out->label.label = TF_LABEL_NONE;
  if (sqlite3_column_type (s, 18) != SQLITE_NULL)
    {
      out->label.label = sqlite3_column_int (s, 18);
      out->label.source = (TfLabelSource) sqlite3_column_int (s, 19);
      out->label.annotator = (char *) sqlite3_column_text (s, 20);
      out->label.time = sqlite3_column_int64 (s, 21);
      out->label.note = (char *) sqlite3_column_text (s, 22);
      out->label.final = sqlite3_column_int (s, 23) != 0;
      out->label.votes = sqlite3_column_int (s, 24);
      out->label.agree = sqlite3_column_int (s, 25);
    }
  else
    /* no label: the votes cast, which tie (0: none) */
    out->label.votes = sqlite3_column_int (s, 26);
}

static gboolean
walk (TfProject             *p,
      const TfProjectFilter *f,
      gint64                 only_face,
      TfProjectFaceFunc      func,
      gpointer               user_data,
      GError               **error)
{
  g_autoptr(GString) sql = g_string_new ("SELECT " FACE_COLUMNS);
  g_autoptr(sqlite3_stmt) s = NULL;
  g_autoptr(GArray) probs = g_array_new (FALSE, FALSE, sizeof (float));
  TfProjectFilter all;
  gsize where;
  int rc;

  if (f == NULL)
    {
      tf_project_filter_init (&all);
      f = &all;
    }
  g_string_append_printf (sql, " FROM faces f JOIN media m ON m.id = f.media LEFT JOIN predictions p ON p.face = f.id "
                               "AND p.run = %" G_GINT64_FORMAT " LEFT JOIN labels l ON l.face = f.id",
                          _tf_project_resolve_run (p, f->run));
  where = sql->len;   /* the columns' subquery has a WHERE of its own */
  filter_where (f, sql);
  if (only_face > 0)
    g_string_append_printf (sql, "%s f.id = %" G_GINT64_FORMAT, strstr (sql->str + where, " WHERE ") ? " AND" : " WHERE",
                            only_face);
  g_string_append (sql, " ORDER BY f.media, f.frame, f.idx, f.id");
  if (!(s = prepare (p, sql->str, error)))
    return FALSE;
  while ((rc = sqlite3_step (s)) == SQLITE_ROW)
    {
      TfProjectFace face;

      face_from_row (s, probs, &face);
      if (!func (&face, user_data))
        return TRUE;
    }
  if (rc != SQLITE_DONE)
    {
      _tf_project_error (p, rc, error);
      return FALSE;
    }
  return TRUE;
}

gboolean
tf_project_foreach_face (TfProject             *p,
                         const TfProjectFilter *filter,
                         TfProjectFaceFunc      func,
                         gpointer               user_data,
                         GError               **error)
{
  g_return_val_if_fail (p != NULL && func != NULL, FALSE);
  return walk (p, filter, 0, func, user_data, error);
}

static gboolean
copy_face (const TfProjectFace *face,
           gpointer             data)
{
  TfProjectFace *out = data;

  *out = *face;
  out->file = g_strdup (face->file);
  out->probs = face->probs ? g_memdup2 (face->probs, sizeof (float) * face->n_probs) : NULL;
  out->label.annotator = g_strdup (face->label.annotator);
  out->label.note = g_strdup (face->label.note);
  return FALSE;
}

gboolean
tf_project_get_face (TfProject      *p,
                     gint64          face,
                     gint64          run,
                     TfProjectFace  *out,
                     GError        **error)
{
  TfProjectFilter f;

  g_return_val_if_fail (p != NULL && out != NULL, FALSE);
  memset (out, 0, sizeof *out);
  tf_project_filter_init (&f);
  f.run = run;
  if (!walk (p, &f, face, copy_face, out, error))
    return FALSE;
  if (out->id == 0)
    {
      g_set_error (error, TF_PROJECT_ERROR, TF_PROJECT_ERROR_INVALID, _("%s: no face %lld"), p->display,
                   (long long) face);
      return FALSE;
    }
  return TRUE;
}

void
tf_project_face_clear (TfProjectFace *face)
{
  g_free ((char *) face->file);
  g_free ((float *) face->probs);
  tf_project_label_clear (&face->label);
  memset (face, 0, sizeof *face);
  face->label.label = TF_LABEL_NONE;
}

/* ---- the review queue and counts -------------------------------------------------- */

GArray *
tf_project_get_queue (TfProject             *p,
                      const TfProjectFilter *filter,
                      TfQueueOrder           order,
                      GError               **error)
{
  g_autoptr(GString) sql = g_string_new ("SELECT f.id");
  g_autoptr(sqlite3_stmt) s = NULL;
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  int rc;

  g_return_val_if_fail (p != NULL, NULL);
  filter_from (p, filter, sql);
  /* the split of each face's votes: the share of the top class */
  if (order == TF_QUEUE_DISAGREEMENT)
    g_string_append (sql, " LEFT JOIN splits d ON d.face = f.id");
  filter_where (filter, sql);
  /* in ascending order SQLite puts NULL first: faces the run did not see */
  if (order == TF_QUEUE_ENTROPY)
    g_string_append (sql, " ORDER BY p.entropy IS NOT NULL, p.entropy DESC, f.id");
  else if (order == TF_QUEUE_DISAGREEMENT)
    g_string_append (sql, " ORDER BY d.face IS NULL, CAST (d.top AS REAL) / d.total, d.total DESC, p.margin, f.id");
  else
    g_string_append (sql, " ORDER BY p.margin, f.id");
  if (!(s = prepare (p, sql->str, error)))
    return NULL;
  while ((rc = sqlite3_step (s)) == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (s, 0);
      g_array_append_val (ids, id);
    }
  if (rc != SQLITE_DONE)
    {
      _tf_project_error (p, rc, error);
      return NULL;
    }
  return g_steal_pointer (&ids);
}

gint64
tf_project_count_faces (TfProject             *p,
                        const TfProjectFilter *filter,
                        GError               **error)
{
  g_autoptr(GString) sql = g_string_new ("SELECT count (*)");
  g_autoptr(sqlite3_stmt) s = NULL;
  int rc;

  g_return_val_if_fail (p != NULL, -1);
  filter_from (p, filter, sql);
  filter_where (filter, sql);
  if (!(s = prepare (p, sql->str, error)))
    return -1;
  if ((rc = sqlite3_step (s)) != SQLITE_ROW)
    {
      _tf_project_error (p, rc, error);
      return -1;
    }
  return sqlite3_column_int64 (s, 0);
}

/* ---- statistics ------------------------------------------------------------------- */

/* Adds the count of each row (key, [key2,] count) of @sql (its ?1 the
 * run) to @counts[key], or with @pairs to @counts[key * n + key2]; the
 * special labels are counted apart. */
static gboolean
count_rows (TfProject      *p,
            TfProjectStats *st,
            const char     *sql,
            gint64         *counts,
            gboolean        pairs,
            GError        **error)
{
  g_autoptr(sqlite3_stmt) s = prepare (p, sql, error);
  const int n = st->n_classes;
  int rc;

  if (s == NULL)
    return FALSE;
  if (sqlite3_bind_parameter_count (s) > 0)
    sqlite3_bind_int64 (s, 1, st->run);
  while ((rc = sqlite3_step (s)) == SQLITE_ROW)
    {
      int a = sqlite3_column_int (s, 0), b = pairs ? sqlite3_column_int (s, 1) : 0;
      gint64 c = sqlite3_column_int64 (s, pairs ? 2 : 1);

      if (a == TF_LABEL_NOT_A_FACE && counts == st->label_counts)
        st->not_faces += c;
      else if (a == TF_LABEL_UNSURE && counts == st->label_counts)
        st->unsure += c;
      else if (a >= 0 && a < n && b >= 0 && b < n)
        counts[pairs ? a * n + b : a] += c;
    }
  if (rc != SQLITE_DONE)
    {
      _tf_project_error (p, rc, error);
      return FALSE;
    }
  return TRUE;
}

static gint64
count_of (TfProject  *p,
          const char *sql,
          gint64      run,
          GError    **error)
{
  g_autoptr(sqlite3_stmt) s = prepare (p, sql, error);
  int rc;

  if (s == NULL)
    return -1;
  if (sqlite3_bind_parameter_count (s) > 0)
    sqlite3_bind_int64 (s, 1, run);
  if ((rc = sqlite3_step (s)) != SQLITE_ROW)
    {
      _tf_project_error (p, rc, error);
      return -1;
    }
  return sqlite3_column_int64 (s, 0);
}

/* The annotators' agreement over their votes (the final labels are an
 * adjudicator's, not a vote). */
static TfAgreement *
project_agreement (TfProject       *p,
                   TfProjectStats  *st,
                   GError         **error)
{
  g_autoptr(TfProjectVoteTable) t = tf_project_get_vote_table (p, error);
  g_autofree int *cells = NULL;
  g_autofree const char **categories = NULL;
  const int n = st->n_classes;

  if (t == NULL)
    return NULL;
  categories = g_new0 (const char *, n + 3);
  for (int k = 0; k < n; k++)
    categories[k] = st->classes[k];
  categories[n] = tf_project_label_name (p, TF_LABEL_NOT_A_FACE);
  categories[n + 1] = tf_project_label_name (p, TF_LABEL_UNSURE);
  cells = g_new (int, MAX ((gsize) t->n_faces * t->n_annotators, 1));
  for (gsize i = 0; i < (gsize) t->n_faces * t->n_annotators; i++)
    {
      int v = t->cells[i];
      cells[i] = v >= 0 && v < n ? v : v == TF_LABEL_NOT_A_FACE ? n : v == TF_LABEL_UNSURE ? n + 1
                                                                 : TF_AGREEMENT_MISSING;
    }
  return tf_agreement_compute (cells, t->n_faces, t->n_annotators, n + 2, (const char * const *) t->annotators,
                               categories, error);
}

TfProjectStats *
tf_project_get_stats (TfProject  *p,
                      gint64      run,
                      GError    **error)
{
  g_autoptr(TfProjectStats) st = g_new0 (TfProjectStats, 1);
  int n;

  g_return_val_if_fail (p != NULL, NULL);
  st->run = _tf_project_resolve_run (p, run);
  st->classes = tf_project_get_classes (p);
  st->n_classes = n = (int) g_strv_length (st->classes);
  st->label_counts = g_new0 (gint64, MAX (n, 1));
  st->predicted_counts = g_new0 (gint64, MAX (n, 1));
  st->confusion = g_new0 (gint64, MAX (n * n, 1));
  if ((st->faces = count_of (p, "SELECT count (*) FROM faces", 0, error)) < 0 ||
      (st->labelled = count_of (p, "SELECT count (*) FROM labels", 0, error)) < 0 ||
      (st->predicted = count_of (p, "SELECT count (*) FROM predictions WHERE run = ?1", st->run, error)) < 0)
    return NULL;
  if (!count_rows (p, st, "SELECT class, count (*) FROM labels GROUP BY class", st->label_counts,
                   FALSE, error) ||
      !count_rows (p, st, "SELECT predicted, count (*) FROM predictions WHERE run = ?1 GROUP BY predicted",
                   st->predicted_counts, FALSE, error) ||
      !count_rows (p, st, "SELECT l.class, p.predicted, count (*) FROM labels l JOIN predictions p "
                          "ON p.face = l.face AND p.run = ?1 WHERE l.class >= 0 GROUP BY l.class, p.predicted",
                   st->confusion, TRUE, error))
    return NULL;
  for (int a = 0; a < n; a++)
    for (int b = 0; b < n; b++)
      {
        st->compared += st->confusion[a * n + b];
        if (a == b)
          st->agreed += st->confusion[a * n + b];
      }
  if (!(st->agreement = project_agreement (p, st, error)))
    return NULL;
  return g_steal_pointer (&st);
}

void
tf_project_stats_free (TfProjectStats *st)
{
  if (st == NULL)
    return;
  g_clear_pointer (&st->agreement, tf_agreement_free);
  g_strfreev (st->classes);
  g_free (st->label_counts);
  g_free (st->predicted_counts);
  g_free (st->confusion);
  g_free (st);
}
