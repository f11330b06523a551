/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Merging projects: several annotators' (or several machines') projects
 * into a new one. The new project is made beside its name as a copy of the
 * first input; each other input is ATTACHed to it in turn and copied in
 * bulk (INSERT ... SELECT) through temporary id maps (classes, media, runs,
 * faces, tracks, annotators); the file takes its name only when complete.
 * HACKING.md ("Merging projects") has the rules. */
#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tf-project-private.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC (sqlite3_stmt, sqlite3_finalize)

/* The temporary file: .NAME.merge-PID-RANDOM beside NAME (what a killed
 * merge left is removed by the next one to that name). */
#define MERGE_INFIX ".merge-"

typedef struct
{
  TfProject            *out;
  TfProjectMergeReport *report;
  GPtrArray            *displays;     /* char *: each input's name for messages */
  GPtrArray            *classes;      /* GStrv: each input's classes */
  GPtrArray            *dirs;         /* char *: each input's folder (its media paths are relative to it) */
  GPtrArray            *upgraded;     /* char *: copies of older-format inputs, removed at the end */
  int                   k;            /* the input being merged */
  char                 *dir;          /* its folder */
  GHashTable           *by_sha;       /* sha256 -> media id (gint64 *) */
  GHashTable           *by_path;      /* path in out -> input index + 1 */
  GHashTable           *names;        /* casefolded annotator -> the spelling filed */
  GHashTable           *name_from;    /* casefolded annotator -> input index + 1 that spelled it first */
  GHashTable           *settings;     /* key -> value (the first project's) */
  GHashTable           *setting_from; /* key -> input index + 1 */
  sqlite3_stmt         *describe;     /* describe_face's */
  gint64                t0;           /* for the times of G_MESSAGES_DEBUG=transfer-merge */
} Merge;

/* Logs how long the step before took (timings, never asserted). */
static gboolean
stage (Merge      *m,
       const char *what)
{
  gint64 now = g_get_monotonic_time ();

  g_log ("transfer-merge", G_LOG_LEVEL_DEBUG, "input %d: %s: %.3f s", m->k, what, (now - m->t0) / 1e6);
  m->t0 = now;
  return TRUE;
}

void
tf_project_merge_report_free (TfProjectMergeReport *r)
{
  if (r == NULL)
    return;
  g_clear_pointer (&r->messages, g_ptr_array_unref);
  g_free (r);
}

static void
say (Merge      *m,
     const char *format,
     ...) G_GNUC_PRINTF (2, 3);

static void
say (Merge      *m,
     const char *format,
     ...)
{
  va_list args;

  va_start (args, format);
  g_ptr_array_add (m->report->messages, g_strdup_vprintf (format, args));
  va_end (args);
}

static const char *
input_name (Merge *m,
            int    k)
{
  return m->displays->pdata[k];
}

/* An error of SQLite while input @m->k is read: a damaged input is named
 * as such, a full disk as the merge's. */
static gboolean
fail (Merge   *m,
      int      rc,
      GError **error)
{
  if ((rc & 0xff) == SQLITE_CORRUPT || (rc & 0xff) == SQLITE_NOTADB)
    g_set_error (error, TF_PROJECT_ERROR, TF_PROJECT_ERROR_NOT_PROJECT, _("%s: damaged: %s"), input_name (m, m->k),
                 sqlite3_errmsg (m->out->db));
  else if ((rc & 0xff) == SQLITE_FULL)
    g_set_error (error, TF_PROJECT_ERROR, TF_PROJECT_ERROR_FULL,
                 _("%s: the disk is full: the merged project was not saved, and nothing of it was left"),
                 m->out->display);
  else
    _tf_project_error (m->out, rc, error);
  return FALSE;
}

static gboolean
exec (Merge      *m,
      const char *sql,
      GError    **error)
{
  int rc = sqlite3_exec (m->out->db, sql, NULL, NULL, NULL);

  return rc == SQLITE_OK ? TRUE : fail (m, rc, error);
}

static sqlite3_stmt *
prepare (Merge      *m,
         const char *sql,
         GError    **error)
{
  sqlite3_stmt *s = NULL;
  int rc = sqlite3_prepare_v2 (m->out->db, sql, -1, &s, NULL);

  if (rc == SQLITE_OK)
    return s;
  sqlite3_finalize (s);
  fail (m, rc, error);
  return NULL;
}

/* Steps @s to its end (rows are not wanted) and resets it. */
static gboolean
run (Merge        *m,
     sqlite3_stmt *s,
     GError      **error)
{
  int rc;

  while ((rc = sqlite3_step (s)) == SQLITE_ROW)
    ;
  sqlite3_reset (s);
  return rc == SQLITE_DONE ? TRUE : fail (m, rc, error);
}

/* The one integer a query gives (-1 with @error). */
static gint64
query_int (Merge      *m,
           const char *sql,
           GError    **error)
{
  g_autoptr(sqlite3_stmt) s = prepare (m, sql, error);
  int rc;

  if (s == NULL)
    return -1;
  if ((rc = sqlite3_step (s)) == SQLITE_ROW)
    return sqlite3_column_int64 (s, 0);
  fail (m, rc, error);
  return -1;
}

static const char *
text (sqlite3_stmt *s,
      int           col)
{
  const char *t = (const char *) sqlite3_column_text (s, col);
  return t ? t : "";
}

/* ---- classes and settings ------------------------------------------------------------------ */

static gboolean
merge_classes (Merge   *m,
               GError **error)
{
  g_autoptr(sqlite3_stmt) s = prepare (m, "SELECT id, name FROM src.classes ORDER BY id", error);
  g_autoptr(sqlite3_stmt) put = NULL;
  GStrvBuilder *names = g_strv_builder_new ();
  int rc;

  if (s == NULL || !(put = prepare (m, "INSERT INTO cmap (src, dst) VALUES (?, ?)", error)) ||
      !exec (m, "INSERT INTO cmap (src, dst) VALUES (-1, -1), (-2, -2)", error))
    {
      g_strv_builder_unref (names);
      return FALSE;
    }
  while ((rc = sqlite3_step (s)) == SQLITE_ROW)
    {
      const char *name = text (s, 1);
      const char *one[] = { name, NULL };
      int id = _tf_project_find_class (m->out, name);

      g_strv_builder_add (names, name);
      if (id < 0 && tf_project_set_classes (m->out, one, error))
        id = _tf_project_find_class (m->out, name);
      if (id < 0)
        break;
      sqlite3_bind_int64 (put, 1, sqlite3_column_int64 (s, 0));
      sqlite3_bind_int (put, 2, id);
      if (!run (m, put, error))
        break;
    }
  g_ptr_array_add (m->classes, g_strv_builder_end (names));
  g_strv_builder_unref (names);
  if (rc == SQLITE_ROW)
    return FALSE;   /* @error is set */
  return rc == SQLITE_DONE ? TRUE : fail (m, rc, error);
}

/* Said once all are merged: which project lacks which classes. */
static void
report_classes (Merge *m)
{
  g_auto(GStrv) all = tf_project_get_classes (m->out);

  for (guint k = 0; k < m->classes->len; k++)
    {
      char **have = m->classes->pdata[k];
      g_autoptr(GString) lacks = g_string_new (NULL);
      guint n = 0;

      for (guint i = 0; all[i]; i++)
        if (!g_strv_contains ((const char * const *) have, all[i]))
          {
            g_string_append_printf (lacks, "%s%s", n ? ", " : "", all[i]);
            n++;
          }
      if (n)
        say (m, g_dngettext (NULL, "%s lacks the class %s of the merged class list (its class ids were remapped)",
                             "%s lacks the classes %s of the merged class list (its class ids were remapped)", n),
             input_name (m, k), lacks->str);
      else if (g_strv_length (have) == g_strv_length (all) && k > 0 &&
               !g_strv_equal ((const char * const *) have, (const char * const *) all))
        say (m, _("%s has the same classes in another order (its class ids were remapped)"), input_name (m, k));
    }
}

static gboolean
merge_settings (Merge   *m,
                GError **error)
{
  g_autoptr(sqlite3_stmt) s = prepare (m, "SELECT key, value FROM src.settings ORDER BY key", error);
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  GHashTableIter iter;
  gpointer key, value;
  int rc;

  if (s == NULL)
    return FALSE;
  while ((rc = sqlite3_step (s)) == SQLITE_ROW)
    {
      const char *k = text (s, 0), *v = text (s, 1), *have = g_hash_table_lookup (m->settings, k);

      if (have == NULL)
        {
          if (!tf_project_set_setting (m->out, k, v, error))
            return FALSE;
          if (m->k > 0)
            say (m, _("%s has the setting %s = %s, which the projects before it lack: the merged project has it"),
                 input_name (m, m->k), k, v);
          g_hash_table_insert (m->setting_from, g_strdup (k), GINT_TO_POINTER (m->k + 1));
          g_hash_table_insert (m->settings, g_strdup (k), g_strdup (v));
          have = g_hash_table_lookup (m->settings, k);
        }
      else if (!g_str_equal (have, v))
        say (m, _("%s has the setting %s = %s, %s has %s: the merged project keeps %s"), input_name (m, m->k), k, v,
             input_name (m, GPOINTER_TO_INT (g_hash_table_lookup (m->setting_from, k)) - 1), have, have);
      g_hash_table_add (seen, g_strdup (k));
    }
  if (rc != SQLITE_DONE)
    return fail (m, rc, error);
  g_hash_table_iter_init (&iter, m->settings);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (!g_hash_table_contains (seen, key))
      say (m, _("%s lacks the setting %s = %s of %s: the merged project has it"), input_name (m, m->k),
           (const char *) key, (const char *) value,
           input_name (m, GPOINTER_TO_INT (g_hash_table_lookup (m->setting_from, key)) - 1));
  return TRUE;
}

/* ---- media and runs ------------------------------------------------------------------------- */

static gboolean
merge_media (Merge   *m,
             GError **error)
{
  g_autoptr(sqlite3_stmt) s = prepare (m, "SELECT id, path, size, sha256, kind, width, height, duration, missing, "
                                          "added FROM src.media ORDER BY id", error);
  g_autoptr(sqlite3_stmt) add = NULL, put = NULL, path_of = NULL;
  g_autofree char *example = NULL;
  gint64 moved = 0;
  int rc;

  if (s == NULL ||
      !(add = prepare (m, "INSERT INTO main.media (path, size, sha256, kind, width, height, duration, missing, added) "
                          "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", error)) ||
      !(put = prepare (m, "INSERT INTO mmap (src, dst) VALUES (?, ?)", error)) ||
      !(path_of = prepare (m, "SELECT path FROM main.media WHERE id = ?", error)))
    return FALSE;
  while ((rc = sqlite3_step (s)) == SQLITE_ROW)
    {
      g_autofree char *abs = g_canonicalize_filename (text (s, 1), m->dir);
      g_autofree char *rel = _tf_project_relative (m->out, abs);
      const char *sha = text (s, 3);
      gint64 *known = g_hash_table_lookup (m->by_sha, sha), id;
      gboolean missing = sqlite3_column_int (s, 8) != 0;

      if (known)
        {
          /* the same content, wherever it is */
          id = *known;
          m->report->media_shared++;
          sqlite3_bind_int64 (path_of, 1, id);
          if (sqlite3_step (path_of) == SQLITE_ROW && !g_str_equal (text (path_of, 0), rel))
            {
              if (example == NULL)
                example = g_strdup_printf ("%s = %s", text (s, 1), text (path_of, 0));
              moved++;
            }
          sqlite3_reset (path_of);
        }
      else
        {
          int other = GPOINTER_TO_INT (g_hash_table_lookup (m->by_path, rel)) - 1;

          if (other >= 0)
            {
              /* one name, two contents: both kept; this one under a name of
               * its own, missing until relinked (its file is elsewhere) */
              g_autofree char *first = g_strdup (rel), *mine = g_path_get_basename (input_name (m, m->k));

              for (int n = 1; g_hash_table_contains (m->by_path, rel); n++)
                {
                  g_free (rel);
                  rel = n == 1 ? g_strdup_printf ("%s (%s)", first, mine) : g_strdup_printf ("%s (%s %d)", first, mine, n);
                }
              say (m, _("Conflict: %s and %s both have the media %s, with different content: both are kept; the one "
                        "of %s is listed as “%s” and marked missing until relinked (project check --relink)"),
                   input_name (m, other), input_name (m, m->k), first, input_name (m, m->k), rel);
              m->report->conflicts++;
              missing = TRUE;
            }
          sqlite3_bind_text (add, 1, rel, -1, SQLITE_STATIC);
          sqlite3_bind_int64 (add, 2, sqlite3_column_int64 (s, 2));
          sqlite3_bind_text (add, 3, sha, -1, SQLITE_STATIC);
          sqlite3_bind_int (add, 4, sqlite3_column_int (s, 4));
          sqlite3_bind_int (add, 5, sqlite3_column_int (s, 5));
          sqlite3_bind_int (add, 6, sqlite3_column_int (s, 6));
          sqlite3_bind_double (add, 7, sqlite3_column_double (s, 7));
          sqlite3_bind_int (add, 8, missing);
          sqlite3_bind_int64 (add, 9, sqlite3_column_int64 (s, 9));
          if (!run (m, add, error))
            return FALSE;
          id = sqlite3_last_insert_rowid (m->out->db);
          g_hash_table_insert (m->by_sha, g_strdup (sha), g_memdup2 (&id, sizeof id));
          g_hash_table_insert (m->by_path, g_strdup (rel), GINT_TO_POINTER (m->k + 1));
        }
      sqlite3_bind_int64 (put, 1, sqlite3_column_int64 (s, 0));
      sqlite3_bind_int64 (put, 2, id);
      if (!run (m, put, error))
        return FALSE;
    }
  if (rc != SQLITE_DONE)
    return fail (m, rc, error);
  if (moved)
    say (m, g_dngettext (NULL, "%s: %lld media file is the same content as one of the projects "
                               "before it under another path (%s): merged as one",
                         "%s: %lld media files are the same content as ones of the projects "
                         "before it under other paths (%s, ...): merged as one", moved),
         input_name (m, m->k), (long long) moved, example);
  return TRUE;
}

/* Runs of the same model, classes and settings as one of an earlier
 * project become that run (shards of one analysis); the others are added. */
static gboolean
merge_runs (Merge   *m,
            gint64   runs_before,
            GError **error)
{
  g_autoptr(sqlite3_stmt) s = prepare (m, "SELECT id, model, model_sha256, classes, settings, time FROM src.runs "
                                          "ORDER BY id", error);
  g_autoptr(sqlite3_stmt) same = NULL, add = NULL, put = NULL;
  int rc;

  if (s == NULL ||
      !(same = prepare (m, "SELECT id FROM main.runs WHERE id <= ? AND model_sha256 = ? AND classes = ? "
                           "AND settings = ? ORDER BY id LIMIT 1", error)) ||
      !(add = prepare (m, "INSERT INTO main.runs (model, model_sha256, classes, settings, time) "
                          "VALUES (?, ?, ?, ?, ?)", error)) ||
      !(put = prepare (m, "INSERT INTO rmap (src, dst) VALUES (?, ?)", error)))
    return FALSE;
  while ((rc = sqlite3_step (s)) == SQLITE_ROW)
    {
      gint64 id = 0;

      sqlite3_bind_int64 (same, 1, runs_before);
      for (int c = 2; c <= 4; c++)
        sqlite3_bind_text (same, c, text (s, c), -1, SQLITE_STATIC);
      if ((rc = sqlite3_step (same)) == SQLITE_ROW)
        id = sqlite3_column_int64 (same, 0);
      sqlite3_reset (same);
      if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return fail (m, rc, error);
      if (id == 0)
        {
          for (int c = 1; c <= 4; c++)
            sqlite3_bind_text (add, c, text (s, c), -1, SQLITE_STATIC);
          sqlite3_bind_int64 (add, 5, sqlite3_column_int64 (s, 5));
          if (!run (m, add, error))
            return FALSE;
          id = sqlite3_last_insert_rowid (m->out->db);
        }
      sqlite3_bind_int64 (put, 1, sqlite3_column_int64 (s, 0));
      sqlite3_bind_int64 (put, 2, id);
      if (!run (m, put, error))
        return FALSE;
    }
  return rc == SQLITE_DONE ? TRUE : fail (m, rc, error);
}

/* ---- faces ------------------------------------------------------------------------------------ */

/* The boxes' intersection over union, in SQL (a: the input's face s, b: o). */
#define IOU_SQL                                                                                           \
  "(max (0.0, min (s.x + s.w, o.x + o.w) - max (s.x, o.x)) * max (0.0, min (s.y + s.h, o.y + o.h) - "    \
  "max (s.y, o.y)))"
#define UNION_SQL "(s.w * s.h + o.w * o.h - " IOU_SQL ")"

/* Pairs each face of the input with the face of the same media and frame
 * that earlier projects brought and that it overlaps most (IoU >=
 * TF_PROJECT_MERGE_IOU), best pairs first, each face at most once; the
 * others are new faces, numbered after the last. */
static gboolean
map_faces (Merge   *m,
           gint64   faces_before,
           GError **error)
{
  g_autoptr(sqlite3_stmt) s = NULL, put = NULL;
  g_autoptr(GHashTable) taken_src = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  g_autoptr(GHashTable) taken_dst = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  int rc;

  if (faces_before > 0)
    {
      g_autofree char *sql = g_strdup_printf (
        "SELECT s.id, o.id, " IOU_SQL " / " UNION_SQL " AS iou FROM src.faces s "
        "JOIN mmap mm ON mm.src = s.media JOIN main.faces o ON o.media = mm.dst AND o.frame = s.frame "
        "WHERE o.id <= %" G_GINT64_FORMAT " AND s.w > 0 AND s.h > 0 AND o.w > 0 AND o.h > 0 AND iou >= " G_STRINGIFY (TF_PROJECT_MERGE_IOU) " "
        "ORDER BY iou DESC, s.id, o.id", faces_before);

      if (!(s = prepare (m, sql, error)) ||
          !(put = prepare (m, "INSERT INTO fmap (src, dst, matched) VALUES (?, ?, 1)", error)))
        return FALSE;
      while ((rc = sqlite3_step (s)) == SQLITE_ROW)
        {
          gint64 a = sqlite3_column_int64 (s, 0), b = sqlite3_column_int64 (s, 1);
          if (g_hash_table_contains (taken_src, &a) || g_hash_table_contains (taken_dst, &b))
            continue;
          g_hash_table_add (taken_src, g_memdup2 (&a, sizeof a));
          g_hash_table_add (taken_dst, g_memdup2 (&b, sizeof b));
          sqlite3_bind_int64 (put, 1, a);
          sqlite3_bind_int64 (put, 2, b);
          if (!run (m, put, error))
            return FALSE;
          m->report->faces_matched++;
        }
      if (rc != SQLITE_DONE)
        return fail (m, rc, error);
    }
  {
    g_autofree char *sql = g_strdup_printf (
      "INSERT INTO fmap (src, dst, matched) SELECT id, %" G_GINT64_FORMAT " + row_number () OVER (ORDER BY id), 0 "
      "FROM src.faces WHERE id NOT IN (SELECT src FROM fmap)", faces_before);

    if (!exec (m, sql, error))
      return FALSE;
    m->report->faces_added += sqlite3_changes64 (m->out->db);
  }
  return TRUE;
}

/* Tracks: an input's track that a matched face continues keeps the merged
 * face's track; the others of a media that earlier projects have faces in
 * are numbered after its last track; in a media new to the merge they keep
 * their numbers. */
static const char track_sql[] =
  "INSERT OR IGNORE INTO tmap (media, track, dst) "
  "  SELECT mm.dst, s.track, min (o.track) FROM src.faces s JOIN fmap fm ON fm.src = s.id AND fm.matched = 1 "
  "  JOIN main.faces o ON o.id = fm.dst JOIN mmap mm ON mm.src = s.media WHERE s.track != 0 AND o.track != 0 "
  "  GROUP BY mm.dst, s.track;"
  "WITH last (media, top) AS (SELECT media, max (track) FROM main.faces WHERE media IN (SELECT dst FROM mmap) "
  "  GROUP BY media), "
  "tracks (media, track) AS (SELECT DISTINCT mm.dst, s.track FROM src.faces s JOIN mmap mm ON mm.src = s.media "
  "  WHERE s.track != 0 AND NOT EXISTS (SELECT 1 FROM tmap t WHERE t.media = mm.dst AND t.track = s.track)) "
  "INSERT OR IGNORE INTO tmap (media, track, dst) "
  "  SELECT t.media, t.track, CASE WHEN l.top IS NULL THEN t.track "
  "    ELSE l.top + row_number () OVER (PARTITION BY t.media ORDER BY t.track) END "
  "  FROM tracks t LEFT JOIN last l ON l.media = t.media;";

static const char faces_sql[] =
  "INSERT INTO main.faces (id, media, run, frame, time_s, idx, x, y, w, h, score, landmarks, track, manual) "
  "  SELECT fm.dst, mm.dst, rm.dst, s.frame, s.time_s, s.idx, s.x, s.y, s.w, s.h, s.score, s.landmarks, "
  "    CASE WHEN s.track = 0 THEN 0 ELSE coalesce (t.dst, s.track) END, s.manual "
  "  FROM src.faces s JOIN fmap fm ON fm.src = s.id AND fm.matched = 0 JOIN mmap mm ON mm.src = s.media "
  "  LEFT JOIN rmap rm ON rm.src = s.run LEFT JOIN tmap t ON t.media = mm.dst AND t.track = s.track "
  "  ORDER BY fm.dst;"
  /* a matched face keeps what the first project had; what it lacked comes */
  "UPDATE main.faces SET landmarks = coalesce (main.faces.landmarks, x.landmarks), "
  "    track = CASE WHEN main.faces.track != 0 THEN main.faces.track ELSE x.track END "
  "  FROM (SELECT fm.dst AS id, s.landmarks AS landmarks, "
  "          CASE WHEN s.track = 0 THEN 0 ELSE coalesce (t.dst, s.track) END AS track "
  "        FROM src.faces s JOIN fmap fm ON fm.src = s.id AND fm.matched = 1 JOIN mmap mm ON mm.src = s.media "
  "        LEFT JOIN tmap t ON t.media = mm.dst AND t.track = s.track) x "
  "  WHERE main.faces.id = x.id AND ((main.faces.landmarks IS NULL AND x.landmarks IS NOT NULL) "
  "    OR (main.faces.track = 0 AND x.track != 0));"
  "INSERT INTO main.crops (face, size, rgb) "
  "  SELECT fm.dst, c.size, c.rgb FROM src.crops c JOIN fmap fm ON fm.src = c.face "
  "  WHERE fm.matched = 0 OR NOT EXISTS (SELECT 1 FROM main.crops k WHERE k.face = fm.dst);";

static gboolean
merge_predictions (Merge   *m,
                   GError **error)
{
  gint64 given = query_int (m, "SELECT count (*) FROM src.predictions", error), kept;

  /* a matched face may have the prediction of a run already (the same
   * analysis): that one stays, and the blob is not even read */
  if (given < 0 ||
      !exec (m, "INSERT OR IGNORE INTO main.predictions (face, run, probs, predicted, margin, entropy) "
                "  SELECT fm.dst, rm.dst, p.probs, cm.dst, p.margin, p.entropy FROM src.predictions p "
                "  JOIN fmap fm ON fm.src = p.face JOIN rmap rm ON rm.src = p.run JOIN cmap cm ON cm.src = p.predicted "
                "  WHERE fm.matched = 0 OR NOT EXISTS (SELECT 1 FROM main.predictions k WHERE k.face = fm.dst "
                "    AND k.run = rm.dst)",
             error))
    return FALSE;
  kept = sqlite3_changes64 (m->out->db);
  if (kept < given)
    say (m, g_dngettext (NULL, "%s: %lld prediction is of a face and an analysis run (the same "
                               "model, classes and settings) the projects before it have: theirs is kept",
                         "%s: %lld predictions are of faces and analysis runs (the same "
                         "model, classes and settings) the projects before it have: theirs are kept", given - kept),
         input_name (m, m->k), (long long) (given - kept));
  return TRUE;
}

/* ---- votes -------------------------------------------------------------------------------------- */

static gboolean
map_annotators (Merge   *m,
                GError **error)
{
  g_autoptr(sqlite3_stmt) s = prepare (m, "SELECT DISTINCT annotator FROM src.votes ORDER BY annotator", error);
  g_autoptr(sqlite3_stmt) put = NULL;
  int rc;

  if (s == NULL || !(put = prepare (m, "INSERT INTO amap (src, dst) VALUES (?, ?)", error)))
    return FALSE;
  while ((rc = sqlite3_step (s)) == SQLITE_ROW)
    {
      const char *name = text (s, 0);
      g_autofree char *folded = g_utf8_casefold (name, -1);
      const char *filed = g_hash_table_lookup (m->names, folded);

      if (filed == NULL)
        {
          g_hash_table_insert (m->name_from, g_strdup (folded), GINT_TO_POINTER (m->k + 1));
          g_hash_table_insert (m->names, g_strdup (folded), g_strdup (name));
          filed = g_hash_table_lookup (m->names, folded);
        }
      else if (!g_str_equal (filed, name))
        say (m, _("%s: the votes of “%s” are filed under “%s”, as %s spells the name"), input_name (m, m->k), name,
             filed, input_name (m, GPOINTER_TO_INT (g_hash_table_lookup (m->name_from, folded)) - 1));
      sqlite3_bind_text (put, 1, name, -1, SQLITE_STATIC);
      sqlite3_bind_text (put, 2, filed, -1, SQLITE_STATIC);
      if (!run (m, put, error))
        return FALSE;
    }
  return rc == SQLITE_DONE ? TRUE : fail (m, rc, error);
}

static const char *
label_name (Merge *m,
            int    label)
{
  const char *name = tf_project_label_name (m->out, label);
  return name ? name : "?";
}

static const char *
who (const char *annotator)
{
  return *annotator ? annotator : _("the unnamed annotator");
}

/* "face 12 (photos/a.jpg, frame 3, box 10,20 48×48)" */
static char *
describe_face (Merge  *m,
               gint64  face)
{
  g_autoptr(TfProjectStmt) s = NULL;

  if (m->describe == NULL)
    m->describe = prepare (m, "SELECT m.path, f.frame, f.x, f.y, f.w, f.h FROM main.faces f "
                              "JOIN main.media m ON m.id = f.media WHERE f.id = ?", NULL);
  if ((s = m->describe) == NULL)
    return g_strdup_printf (_("face %lld"), (long long) face);
  sqlite3_bind_int64 (s, 1, face);
  if (sqlite3_step (s) != SQLITE_ROW)
    return g_strdup_printf (_("face %lld"), (long long) face);
  return g_strdup_printf (_("face %lld (%s, frame %lld, box %.0f,%.0f %.0f×%.0f)"),
                          (long long) face, text (s, 0), (long long) sqlite3_column_int64 (s, 1), sqlite3_column_double (s, 2),
                          sqlite3_column_double (s, 3), sqlite3_column_double (s, 4), sqlite3_column_double (s, 5));
}

/* One sentence per conflict of the rows of @s: face, final, old annotator,
 * old class, old time, old input, new annotator, new class, new time, new
 * input; the later (by time) is kept, on a tie the new one when
 * @tie_to_new, else the one merged first. */
static gboolean
report_conflicts (Merge         *m,
                  sqlite3_stmt  *s,
                  gboolean       tie_to_new,
                  GError       **error)
{
  int rc;

  while ((rc = sqlite3_step (s)) == SQLITE_ROW)
    {
      gint64 face = sqlite3_column_int64 (s, 0);
      gboolean final = sqlite3_column_int (s, 1) != 0, later = sqlite3_column_int64 (s, 8) > sqlite3_column_int64 (s, 4) ||
                                      (tie_to_new && sqlite3_column_int64 (s, 8) == sqlite3_column_int64 (s, 4));
      const char *a_who = text (s, 2), *b_who = text (s, 6);
      int a_class = sqlite3_column_int (s, 3), b_class = sqlite3_column_int (s, 7);
      int a_in = sqlite3_column_int (s, 5), b_in = sqlite3_column_int (s, 9);
      g_autofree char *what = describe_face (m, face);

      m->report->conflicts++;
      if (final)
        say (m, _("Conflict: the final label of %s is “%s” in %s (by %s) and “%s” in %s (by %s): the later one, "
                  "“%s”, is kept"), what, label_name (m, a_class), input_name (m, a_in), who (a_who),
             label_name (m, b_class), input_name (m, b_in), who (b_who), label_name (m, later ? b_class : a_class));
      else
        say (m, _("Conflict: %s voted “%s” in %s and “%s” in %s on %s: the later vote, “%s”, is kept"), who (a_who),
             label_name (m, a_class), input_name (m, a_in), label_name (m, b_class), input_name (m, b_in), what,
             label_name (m, later ? b_class : a_class));
    }
  sqlite3_reset (s);
  return rc == SQLITE_DONE ? TRUE : fail (m, rc, error);
}

static gboolean
merge_votes (Merge   *m,
             GError **error)
{
  gint64 given = query_int (m, "SELECT count (*) FROM src.votes", error), carried;
  g_autoptr(sqlite3_stmt) within = NULL, across = NULL, keep = NULL;

  if (given < 0 || !map_annotators (m, error) ||
      !exec (m, "DELETE FROM sv;"
                "INSERT INTO sv (face, final, annotator, akey, class, source, time, note) "
                "  SELECT fm.dst, v.final, am.dst, CASE WHEN v.final THEN '' ELSE am.dst END, cm.dst, v.source, "
                "    v.time, v.note FROM src.votes v JOIN fmap fm ON fm.src = v.face "
                "    JOIN amap am ON am.src = v.annotator JOIN cmap cm ON cm.src = v.class", error))
    return FALSE;
  carried = sqlite3_changes64 (m->out->db);
  /* the faces whose label is resolved again */
  if (!exec (m, "INSERT OR IGNORE INTO touched (face) SELECT face FROM sv", error))
    return FALSE;
  if (carried < given)
    say (m, g_dngettext (NULL, "%s: %lld vote is of a class the project does not have (damaged): "
                               "not carried over",
                         "%s: %lld votes are of classes the project does not have (damaged): "
                         "not carried over", given - carried),
         input_name (m, m->k), (long long) (given - carried));

  /* two spellings of one name in the same input */
  if (!(within = prepare (m, "SELECT a.face, a.final, a.annotator, a.class, a.time, ?1, b.annotator, b.class, b.time, "
                             "?1 FROM sv a JOIN sv b ON b.face = a.face AND b.final = a.final AND b.akey = a.akey "
                             "AND b.rowid > a.rowid WHERE b.class != a.class ORDER BY a.face", error)))
    return FALSE;
  sqlite3_bind_int (within, 1, m->k);
  if (!report_conflicts (m, within, TRUE, error) ||
      !exec (m, "DELETE FROM sv WHERE EXISTS (SELECT 1 FROM sv b WHERE b.face = sv.face AND b.final = sv.final "
                "AND b.akey = sv.akey AND b.rowid != sv.rowid AND (b.time > sv.time OR (b.time = sv.time "
                "AND b.rowid > sv.rowid)))", error))
    return FALSE;

  /* the votes earlier projects brought */
  if (!(across = prepare (m, "SELECT sv.face, sv.final, v.annotator, v.class, v.time, coalesce (o.input, 0), "
                             "sv.annotator, sv.class, sv.time, ? FROM sv JOIN main.votes v ON v.face = sv.face "
                             "AND v.final = sv.final AND (sv.final = 1 OR v.annotator = sv.annotator) "
                             "LEFT JOIN origin o ON o.face = sv.face AND o.final = sv.final AND o.akey = sv.akey "
                             "WHERE v.class != sv.class ORDER BY sv.face", error)))
    return FALSE;
  sqlite3_bind_int (across, 1, m->k);
  if (!report_conflicts (m, across, FALSE, error))
    return FALSE;
  if (!exec (m, "DELETE FROM main.votes WHERE (face, final, annotator) IN (SELECT v.face, v.final, v.annotator "
                "  FROM sv JOIN main.votes v ON v.face = sv.face AND v.final = sv.final "
                "  AND (sv.final = 1 OR v.annotator = sv.annotator) WHERE sv.time > v.time);"
                "DELETE FROM sv WHERE EXISTS (SELECT 1 FROM main.votes v WHERE v.face = sv.face "
                "  AND v.final = sv.final AND (sv.final = 1 OR v.annotator = sv.annotator));"
                "INSERT INTO main.votes (face, final, annotator, class, source, time, note) "
                "  SELECT face, final, annotator, class, source, time, note FROM sv;", error) ||
      !(keep = prepare (m, "INSERT OR REPLACE INTO origin (face, final, akey, input) "
                           "SELECT face, final, akey, ? FROM sv", error)))
    return FALSE;
  sqlite3_bind_int (keep, 1, m->k);
  return run (m, keep, error);
}

/* ---- one input ------------------------------------------------------------------------------------ */

static const char temp_tables[] =
  "CREATE TEMP TABLE cmap (src INTEGER PRIMARY KEY, dst INTEGER NOT NULL);"
  "CREATE TEMP TABLE mmap (src INTEGER PRIMARY KEY, dst INTEGER NOT NULL);"
  "CREATE TEMP TABLE rmap (src INTEGER PRIMARY KEY, dst INTEGER NOT NULL);"
  "CREATE TEMP TABLE fmap (src INTEGER PRIMARY KEY, dst INTEGER NOT NULL, matched INTEGER NOT NULL);"
  "CREATE INDEX temp.fmap_dst ON fmap (dst);"
  "CREATE TEMP TABLE tmap (media INTEGER, track INTEGER, dst INTEGER NOT NULL, PRIMARY KEY (media, track));"
  "CREATE TEMP TABLE amap (src TEXT PRIMARY KEY, dst TEXT NOT NULL);"
  "CREATE TEMP TABLE sv (face INTEGER, final INTEGER, annotator TEXT, akey TEXT, class INTEGER, source INTEGER, "
  "  time INTEGER, note TEXT);"
  "CREATE INDEX temp.sv_key ON sv (face, final, akey);"
  "CREATE TEMP TABLE origin (face INTEGER, final INTEGER, akey TEXT, input INTEGER, "
  "  PRIMARY KEY (face, final, akey)) WITHOUT ROWID;"
  "CREATE TEMP TABLE touched (face INTEGER PRIMARY KEY);";

static gboolean
merge_one (Merge       *m,
           const char  *path,
           const char  *media_dir,
           GError     **error)
{
  g_autoptr(sqlite3_stmt) attach = NULL;
  gint64 faces_before, runs_before;
  gboolean ok;

  g_clear_pointer (&m->dir, g_free);
  m->dir = g_strdup (media_dir);
  m->t0 = g_get_monotonic_time ();
  if (!(attach = prepare (m, "ATTACH ? AS src", error)))
    return FALSE;
  sqlite3_bind_text (attach, 1, path, -1, SQLITE_STATIC);
  if (sqlite3_step (attach) != SQLITE_DONE)
    {
      g_set_error (error, TF_PROJECT_ERROR, TF_PROJECT_ERROR_IO, _("%s: cannot read the project: %s"),
                   input_name (m, m->k), sqlite3_errmsg (m->out->db));
      return FALSE;
    }
  /* read through mmap: no read() per page of crops */
  (void) sqlite3_exec (m->out->db, "PRAGMA src.mmap_size = 4294967296", NULL, NULL, NULL);
  /* one transaction: the input is read as one snapshot, even while
   * another program writes it. Deferred, not the IMMEDIATE of
   * _tf_project_tx_begin: that would lock every attached file for writing */
  ok = exec (m, "BEGIN", error) && (m->out->depth = 1) &&
       exec (m, "DELETE FROM cmap; DELETE FROM mmap; DELETE FROM rmap; DELETE FROM fmap; DELETE FROM tmap; "
                "DELETE FROM amap", error) &&
       (faces_before = query_int (m, "SELECT coalesce (max (id), 0) FROM main.faces", error)) >= 0 &&
       (runs_before = query_int (m, "SELECT coalesce (max (id), 0) FROM main.runs", error)) >= 0 &&
       merge_settings (m, error) && merge_classes (m, error) && merge_media (m, error) &&
       merge_runs (m, runs_before, error) && stage (m, "classes, media, runs") && map_faces (m, faces_before, error) &&
       stage (m, "face matching") && exec (m, track_sql, error) && stage (m, "tracks") && exec (m, faces_sql, error) &&
       stage (m, "faces and crops") && merge_predictions (m, error) && stage (m, "predictions") &&
       merge_votes (m, error) && stage (m, "votes");
  if (m->out->depth > 0)
    {
      m->out->depth = 0;
      if (ok && !exec (m, "COMMIT", error))
        ok = FALSE;
      if (!ok && !sqlite3_get_autocommit (m->out->db))
        (void) sqlite3_exec (m->out->db, "ROLLBACK", NULL, NULL, NULL);
    }
  if (sqlite3_exec (m->out->db, "DETACH src", NULL, NULL, NULL) != SQLITE_OK && ok)
    ok = fail (m, sqlite3_errcode (m->out->db), error);
  return ok;
}

/* ---- the whole -------------------------------------------------------------------------------------- */

/* Whether a TransFER writer holds @path's lock: its saved state is merged. */
static gboolean
being_written (const char *path)
{
  g_autofree char *lock_path = g_strconcat (path, "-lock", NULL);
  int fd = g_open (lock_path, O_RDONLY | O_CLOEXEC, 0);
  gboolean held = FALSE;

  if (fd < 0)
    return FALSE;
  if (flock (fd, LOCK_SH | LOCK_NB) != 0)
    held = errno == EWOULDBLOCK;
  else
    flock (fd, LOCK_UN);
  close (fd);
  return held;
}

/* A project of an older format is not changed (it is only read): a copy of
 * it, beside the merged project, is updated and merged instead. The copy's
 * media paths stay relative to the input's folder. */
static char *
upgraded_copy (const char  *path,
               const char  *name,
               const char  *dir,
               const char  *base,
               guint        k,
               GError     **error)
{
  g_autofree char *tmp = g_strdup_printf ("%s/.%s" MERGE_INFIX "%d-%08x-in%u", dir, base, (int) getpid (),
                                          g_random_int (), k);
  g_autoptr(GError) local = NULL;
  sqlite3 *db = NULL;
  sqlite3_stmt *s = NULL;
  TfProject *p;
  int rc;

  rc = sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_prepare_v2 (db, "VACUUM INTO ?", -1, &s, NULL);
  if (rc == SQLITE_OK)
    {
      sqlite3_bind_text (s, 1, tmp, -1, SQLITE_STATIC);
      if ((rc = sqlite3_step (s)) == SQLITE_DONE)
        rc = SQLITE_OK;
    }
  if (rc != SQLITE_OK)
    g_set_error (error, TF_PROJECT_ERROR, (rc & 0xff) == SQLITE_FULL ? TF_PROJECT_ERROR_FULL : TF_PROJECT_ERROR_IO,
                 _("%s: cannot read the project: %s"), name, db ? sqlite3_errmsg (db) : sqlite3_errstr (rc));
  sqlite3_finalize (s);
  sqlite3_close_v2 (db);
  if (rc != SQLITE_OK)
    {
      _tf_project_remove_database (tmp);
      return NULL;
    }
  /* opened for writing, the copy is migrated */
  if (!(p = tf_project_open (tmp, TF_PROJECT_OPEN, &local)))
    {
      g_set_error (error, TF_PROJECT_ERROR, local->code, _("%s: cannot update a copy of it: %s"), name,
                   local->message);
      _tf_project_remove_database (tmp);
      return NULL;
    }
  tf_project_close (p);
  return g_steal_pointer (&tmp);
}

/* The errors of tf_project_open name the input; the merge's own checks.
 * @paths receives the files to read (an older project's updated copy). */
static gboolean
check_inputs (const char          *target,
              const char          *display,
              const char          *dir,
              const char          *base,
              const char * const  *inputs,
              GPtrArray           *paths,
              Merge               *m,
              GError             **error)
{
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (GStatBuf));
  GStatBuf out_st;
  gboolean out_exists = g_stat (target, &out_st) == 0;

  for (guint k = 0; inputs[k]; k++)
    {
      g_autofree char *abs = g_canonicalize_filename (inputs[k], NULL);
      g_autofree char *name = g_filename_display_name (inputs[k]);
      g_autoptr(TfProject) p = NULL;
      g_autofree char *copy = NULL;
      GStatBuf st;

      if (g_str_equal (abs, target) || (out_exists && g_stat (abs, &st) == 0 && st.st_dev == out_st.st_dev &&
                                        st.st_ino == out_st.st_ino))
        {
          g_set_error (error, TF_PROJECT_ERROR, TF_PROJECT_ERROR_INVALID,
                       _("%s: the merged project is one of the projects merged: give a new file"), display);
          return FALSE;
        }
      if (!(p = tf_project_open (abs, TF_PROJECT_READ_ONLY, error)))
        {
          /* (READ_ONLY: a project of an older format) */
          if (!error || !g_error_matches (*error, TF_PROJECT_ERROR, TF_PROJECT_ERROR_READ_ONLY))
            return FALSE;
          g_clear_error (error);
          if (!(copy = upgraded_copy (abs, name, dir, base, k, error)))
            return FALSE;
          g_ptr_array_add (m->upgraded, g_strdup (copy));
        }
      if (g_stat (abs, &st) != 0)
        {
          int saved = errno;
          g_set_error (error, TF_PROJECT_ERROR, TF_PROJECT_ERROR_IO, "%s: %s", name, g_strerror (saved));
          return FALSE;
        }
      for (guint i = 0; i < ids->len; i++)
        if (g_array_index (ids, GStatBuf, i).st_dev == st.st_dev && g_array_index (ids, GStatBuf, i).st_ino == st.st_ino)
          {
            g_set_error (error, TF_PROJECT_ERROR, TF_PROJECT_ERROR_INVALID,
                         _("%s: given twice (as %s too): give each project once"), name,
                         (const char *) m->displays->pdata[i]);
            return FALSE;
          }
      g_array_append_val (ids, st);
      g_ptr_array_add (m->dirs, g_path_get_dirname (abs));
      g_ptr_array_add (m->displays, g_steal_pointer (&name));
      m->k = (int) k;
      if (being_written (abs))
        say (m, _("%s is open for writing in another program: its saved state is merged"), input_name (m, k));
      if (copy)
        say (m, _("%s is of an older project format: a copy of it was updated and merged (the file is left as it "
                  "was)"), input_name (m, k));
      g_ptr_array_add (paths, copy ? g_steal_pointer (&copy) : g_steal_pointer (&abs));
    }
  return TRUE;
}

static gboolean
resolve_labels (Merge   *m,
                GError **error)
{
  g_autoptr(sqlite3_stmt) s = prepare (m, "SELECT face FROM touched ORDER BY face", error);
  g_autoptr(GArray) faces = g_array_new (FALSE, FALSE, sizeof (gint64));
  gboolean ok = TRUE;
  int rc;

  if (s == NULL)
    return FALSE;
  while ((rc = sqlite3_step (s)) == SQLITE_ROW)
    {
      gint64 face = sqlite3_column_int64 (s, 0);
      g_array_append_val (faces, face);
    }
  if (rc != SQLITE_DONE)
    return fail (m, rc, error);
  if (!_tf_project_tx_begin (m->out, error))
    return FALSE;
  for (guint i = 0; ok && i < faces->len; i++)
    ok = _tf_project_resolve_label (m->out, g_array_index (faces, gint64, i), error);
  return _tf_project_tx_end (m->out, ok, error);
}

static gboolean
count (Merge   *m,
       GError **error)
{
  TfProjectMergeReport *r = m->report;

  return (r->media = query_int (m, "SELECT count (*) FROM main.media", error)) >= 0 &&
         (r->faces = query_int (m, "SELECT count (*) FROM main.faces", error)) >= 0 &&
         (r->votes = query_int (m, "SELECT count (*) FROM main.votes", error)) >= 0 &&
         (r->labelled = query_int (m, "SELECT count (*) FROM main.labels", error)) >= 0 &&
         (r->runs = query_int (m, "SELECT count (*) FROM main.runs", error)) >= 0 &&
         (r->predictions = query_int (m, "SELECT count (*) FROM main.predictions", error)) >= 0;
}

/* The project's file complete on the disk: WAL mode as every project,
 * nothing left in a WAL, synced. */
static gboolean
finish (Merge      *m,
        const char *tmp,
        const char *display,
        GError    **error)
{
  g_autofree char *wal = g_strconcat (tmp, "-wal", NULL);
  int fd, saved;

  g_clear_pointer (&m->describe, sqlite3_finalize);
  if (!exec (m, "PRAGMA main.journal_mode = WAL", error))
    return FALSE;
  g_clear_pointer (&m->out, tf_project_close);
  if (g_file_test (wal, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, TF_PROJECT_ERROR, TF_PROJECT_ERROR_IO, _("%s: cannot write the merged project: %s"),
                   display, _("its journal was left behind"));
      return FALSE;
    }
  if ((fd = g_open (tmp, O_RDONLY | O_CLOEXEC, 0)) < 0 || fsync (fd) != 0)
    {
      saved = errno;
      if (fd >= 0)
        close (fd);
      g_set_error (error, TF_PROJECT_ERROR, saved == ENOSPC || saved == EDQUOT ? TF_PROJECT_ERROR_FULL : TF_PROJECT_ERROR_IO,
                   _("%s: cannot write the merged project: %s"), display, g_strerror (saved));
      return FALSE;
    }
  close (fd);
  return TRUE;
}

/* The merged project begins as a copy of the first input (save_copy: a
 * snapshot, the media paths made relative to the merged project's folder,
 * far faster than copying its rows), without the undo history; what the
 * others are matched against is read back from it. */
static gboolean
start_from_first (Merge       *m,
                  const char  *path,
                  const char  *media_dir,
                  const char  *tmp,
                  const char  *display,
                  GError     **error)
{
  g_autoptr(TfProject) first = tf_project_open (path, TF_PROJECT_READ_ONLY, error);
  g_autoptr(GError) local = NULL;
  g_autoptr(sqlite3_stmt) s = NULL;
  int rc;

  m->k = 0;
  if (first == NULL)
    return FALSE;
  /* an updated copy of an older project: its paths are the input's */
  if (!g_str_equal (first->dir, media_dir))
    {
      g_free (first->dir);
      first->dir = g_strdup (media_dir);
    }
  if (!_tf_project_save_copy (first, tmp, FALSE, &local))
    {
      int why = sqlite3_errcode (first->db) & 0xff;

      /* a damage found on reading is the input's; else its words name the
       * temporary file */
      if (why == SQLITE_CORRUPT || why == SQLITE_NOTADB)
        g_set_error (error, TF_PROJECT_ERROR, TF_PROJECT_ERROR_NOT_PROJECT, _("%s: damaged: %s"), input_name (m, 0),
                     sqlite3_errmsg (first->db));
      else
        g_set_error (error, TF_PROJECT_ERROR, local->code, _("%s: cannot write the merged project: %s"), display,
                     local->message);
      return FALSE;
    }
  g_clear_pointer (&first, tf_project_close);
  if (!(m->out = tf_project_open (tmp, TF_PROJECT_OPEN, &local)))
    {
      g_set_error (error, TF_PROJECT_ERROR, local->code, _("%s: cannot write the merged project: %s"), display,
                   local->message);
      return FALSE;
    }
  g_free (m->out->display);
  m->out->display = g_strdup (display);
  stage (m, "a copy");
  /* the file is ours alone until it takes its name, and removed on any
   * failure: no journal, no sync until the end (then one fsync) */
  if (!exec (m, "PRAGMA main.journal_mode = OFF; PRAGMA main.synchronous = OFF; PRAGMA foreign_keys = OFF", error) ||
      !exec (m, temp_tables, error) || !exec (m, "BEGIN; DELETE FROM main.label_history", error))
    return FALSE;

  g_ptr_array_add (m->classes, tf_project_get_classes (m->out));
  if (!(s = prepare (m, "SELECT key, value FROM main.settings", error)))
    return FALSE;
  while ((rc = sqlite3_step (s)) == SQLITE_ROW)
    {
      g_hash_table_insert (m->settings, g_strdup (text (s, 0)), g_strdup (text (s, 1)));
      g_hash_table_insert (m->setting_from, g_strdup (text (s, 0)), GINT_TO_POINTER (1));
    }
  g_clear_pointer (&s, sqlite3_finalize);
  if (rc != SQLITE_DONE)
    return fail (m, rc, error);
  if (!(s = prepare (m, "SELECT id, path, sha256 FROM main.media ORDER BY id", error)))
    return FALSE;
  while ((rc = sqlite3_step (s)) == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (s, 0);

      if (!g_hash_table_contains (m->by_sha, text (s, 2)))
        g_hash_table_insert (m->by_sha, g_strdup (text (s, 2)), g_memdup2 (&id, sizeof id));
      g_hash_table_insert (m->by_path, g_strdup (text (s, 1)), GINT_TO_POINTER (1));
    }
  g_clear_pointer (&s, sqlite3_finalize);
  if (rc != SQLITE_DONE)
    return fail (m, rc, error);
  if (!(s = prepare (m, "SELECT DISTINCT annotator FROM main.votes ORDER BY annotator", error)))
    return FALSE;
  while ((rc = sqlite3_step (s)) == SQLITE_ROW)
    {
      char *folded = g_utf8_casefold (text (s, 0), -1);

      if (g_hash_table_contains (m->names, folded))
        {
          g_free (folded);
          continue;
        }
      g_hash_table_insert (m->name_from, g_strdup (folded), GINT_TO_POINTER (1));
      g_hash_table_insert (m->names, folded, g_strdup (text (s, 0)));
    }
  if (rc != SQLITE_DONE)
    return fail (m, rc, error);
  m->report->faces_added = query_int (m, "SELECT count (*) FROM main.faces", error);
  if (m->report->faces_added < 0 ||
      !exec (m, "INSERT OR IGNORE INTO origin (face, final, akey, input) "
                "SELECT face, final, CASE WHEN final = 1 THEN '' ELSE annotator END, 0 FROM main.votes; COMMIT", error))
    return FALSE;
  stage (m, "the first project's state");
  return TRUE;
}

TfProjectMergeReport *
tf_project_merge (const char          *out,
                  const char * const  *inputs,
                  GError             **error)
{
  g_autoptr(TfProjectMergeReport) report = g_new0 (TfProjectMergeReport, 1);
  g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *target = NULL, *display = NULL, *dir = NULL, *base = NULL, *tmp = NULL;
  Merge m = { 0 };
  gboolean ok;

  g_return_val_if_fail (out != NULL && inputs != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  target = g_canonicalize_filename (out, NULL);
  display = g_filename_display_name (out);
  if (inputs[0] == NULL)
    {
      g_set_error (error, TF_PROJECT_ERROR, TF_PROJECT_ERROR_INVALID, _("%s: no project to merge"), display);
      return NULL;
    }
  report->messages = g_ptr_array_new_with_free_func (g_free);
  m.report = report;
  m.displays = g_ptr_array_new_with_free_func (g_free);
  m.classes = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  m.dirs = g_ptr_array_new_with_free_func (g_free);
  m.upgraded = g_ptr_array_new_with_free_func (g_free);
  m.by_sha = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  m.by_path = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  m.names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  m.name_from = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  m.settings = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  m.setting_from = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  dir = g_path_get_dirname (target);
  base = g_path_get_basename (target);
  ok = TRUE;
  if (!g_file_test (dir, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, TF_PROJECT_ERROR, TF_PROJECT_ERROR_NOT_FOUND, _("%s: cannot write the merged project: %s"),
                   display, _("its folder does not exist"));
      ok = FALSE;
    }
  if (ok)
    {
      g_autofree char *hidden = g_strconcat (".", base, NULL);

      /* what a merge killed half-way left, and the copies save_copy made
       * for it (named after its file) */
      _tf_project_remove_stale (dir, base, MERGE_INFIX);
      _tf_project_remove_stale (dir, hidden, MERGE_INFIX);
      ok = check_inputs (target, display, dir, base, inputs, paths, &m, error);
    }
  if (ok && (g_file_test (target, G_FILE_TEST_EXISTS) || g_file_test (target, G_FILE_TEST_IS_SYMLINK)))
    {
      g_set_error (error, TF_PROJECT_ERROR, TF_PROJECT_ERROR_EXISTS, _("%s: already exists: choose another name"),
                   display);
      ok = FALSE;
    }
  if (ok)
    {
      tmp = g_strdup_printf ("%s/.%s" MERGE_INFIX "%d-%08x", dir, base, (int) getpid (), g_random_int ());
      m.t0 = g_get_monotonic_time ();
      ok = start_from_first (&m, paths->pdata[0], m.dirs->pdata[0], tmp, display, error);
    }
  report->inputs = (int) paths->len;
  for (guint k = 1; ok && k < paths->len; k++)
    {
      m.k = (int) k;
      ok = merge_one (&m, paths->pdata[k], m.dirs->pdata[k], error);
    }
  if (ok)
    {
      report_classes (&m);
      m.t0 = g_get_monotonic_time ();
      ok = resolve_labels (&m, error) && stage (&m, "labels") && count (&m, error) &&
           exec (&m, "DROP TABLE temp.cmap; DROP TABLE temp.mmap; DROP TABLE temp.rmap; DROP TABLE temp.fmap; "
                     "DROP TABLE temp.tmap; DROP TABLE temp.amap; DROP TABLE temp.sv; DROP TABLE temp.origin; "
                     "DROP TABLE temp.touched", error) &&
           stage (&m, "counts") && finish (&m, tmp, display, error) && stage (&m, "journal, sync");
    }
  /* link() refuses a name another program took meanwhile */
  if (ok && link (tmp, target) != 0)
    {
      int saved = errno;

      if (saved == EEXIST)
        g_set_error (error, TF_PROJECT_ERROR, TF_PROJECT_ERROR_EXISTS, _("%s: already exists: choose another name"),
                     display);
      else
        g_set_error (error, TF_PROJECT_ERROR, saved == ENOSPC || saved == EDQUOT ? TF_PROJECT_ERROR_FULL
                                                                                   : TF_PROJECT_ERROR_IO,
                     _("%s: cannot write the merged project: %s"), display, g_strerror (saved));
      ok = FALSE;
    }
  g_clear_pointer (&m.describe, sqlite3_finalize);
  g_clear_pointer (&m.out, tf_project_close);
  /* a full disk said as the merge's (the project's own words speak of a change) */
  if (!ok && error && *error && g_error_matches (*error, TF_PROJECT_ERROR, TF_PROJECT_ERROR_FULL))
    {
      g_clear_error (error);
      g_set_error (error, TF_PROJECT_ERROR, TF_PROJECT_ERROR_FULL,
                   _("%s: the disk is full: the merged project was not saved, and nothing of it was left"), display);
    }
  if (tmp)
    _tf_project_remove_database (tmp);
  if (ok)
    _tf_project_sync_dir (dir);
  g_free (m.dir);
  for (guint i = 0; i < m.upgraded->len; i++)
    _tf_project_remove_database (m.upgraded->pdata[i]);
  g_ptr_array_unref (m.upgraded);
  g_ptr_array_unref (m.dirs);
  g_ptr_array_unref (m.displays);
  g_ptr_array_unref (m.classes);
  g_hash_table_destroy (m.by_sha);
  g_hash_table_destroy (m.by_path);
  g_hash_table_destroy (m.names);
  g_hash_table_destroy (m.name_from);
  g_hash_table_destroy (m.settings);
  g_hash_table_destroy (m.setting_from);
  return ok ? g_steal_pointer (&report) : NULL;
}
