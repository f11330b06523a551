/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A project's media (relative paths, content hashes, relinking moved
 * files), its analysis runs, the integrity check, and a copy under another
 * name (whose media paths follow it). */
#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "tf-json.h"
#include "tf-project-private.h"
/* ---- media -------------------------------------------------------------------------- */

static GPtrArray *
split_path (const char *path)
{
  g_auto(GStrv) parts = g_strsplit (path, G_DIR_SEPARATOR_S, -1);
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; parts[i]; i++)
    if (*parts[i])
      g_ptr_array_add (out, g_strdup (parts[i]));
  return out;
}

/* @file relative to @dir ("../x" when outside it). */
static char *
relative_to (const char *dir,
             const char *file)
{
  g_autofree char *abs = g_canonicalize_filename (file, NULL);
  g_autoptr(GPtrArray) from = split_path (dir), to = split_path (abs);
  g_autoptr(GString) rel = g_string_new (NULL);
  guint common = 0;

  while (common < from->len && common < to->len && g_str_equal (from->pdata[common], to->pdata[common]))
    common++;
  for (guint i = common; i < from->len; i++)
    g_string_append (rel, ".." G_DIR_SEPARATOR_S);
  for (guint i = common; i < to->len; i++)
    {
      g_string_append (rel, to->pdata[i]);
      if (i + 1 < to->len)
        g_string_append_c (rel, G_DIR_SEPARATOR);
    }
  return g_string_free (g_steal_pointer (&rel), FALSE);
}

char *
_tf_project_relative (TfProject  *p,
                      const char *file)
{
  return relative_to (p->dir, file);
}

char *
_tf_project_hash_file (const char  *path,
                       gint64      *size,
                       GError     **error)
{
  g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree guint8 *buf = g_malloc (1 << 16);
  int fd = g_open (path, O_RDONLY | O_CLOEXEC, 0), saved = 0;
  gssize n;

  *size = 0;
  if (fd >= 0)
    {
      while ((n = read (fd, buf, 1 << 16)) != 0)
        {
          if (n < 0 && errno == EINTR)
            continue;
          if (n < 0)
            {
              saved = errno;
              break;
            }
          g_checksum_update (sum, buf, n);
          *size += n;
        }
      close (fd);
    }
  else
    saved = errno;
  if (saved)
    {
      g_autofree char *display = g_filename_display_name (path);
      g_set_error (error, TF_PROJECT_ERROR, TF_PROJECT_ERROR_IO, _("%s: cannot read: %s"), display,
                   g_strerror (saved));
      return NULL;
    }
  return g_strdup (g_checksum_get_string (sum));
}

static gint64
media_by_path (TfProject  *p,
               const char *rel)
{
  g_autoptr(TfProjectStmt) s = _tf_project_stmt (p, "SELECT id FROM media WHERE path = ?", NULL);

  if (s == NULL)
    return 0;
  sqlite3_bind_text (s, 1, rel, -1, SQLITE_TRANSIENT);
  return sqlite3_step (s) == SQLITE_ROW ? sqlite3_column_int64 (s, 0) : 0;
}

gint64
tf_project_add_media (TfProject    *p,
                      const char   *file,
                      TfMediaKind   kind,
                      int           width,
                      int           height,
                      double        duration,
                      GError      **error)
{
  g_autofree char *rel = NULL, *sha = NULL;
  TfProjectStmt *s;
  gint64 id, size;
  gboolean ok;

  g_return_val_if_fail (p != NULL && file != NULL, 0);
  if (!_tf_project_writable (p, error))
    return 0;
  rel = _tf_project_relative (p, file);
  if ((id = media_by_path (p, rel)) > 0)
    return id;
  if (!(sha = _tf_project_hash_file (file, &size, error)))
    return 0;
  if (!_tf_project_tx_begin (p, error))
    return 0;
  ok = (s = _tf_project_stmt (p, "INSERT INTO media (path, size, sha256, kind, width, height, duration, added) "
                                 "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", error)) != NULL;
  if (ok)
    {
      sqlite3_bind_text (s, 1, rel, -1, SQLITE_TRANSIENT);
      sqlite3_bind_int64 (s, 2, size);
      sqlite3_bind_text (s, 3, sha, -1, SQLITE_TRANSIENT);
      sqlite3_bind_int (s, 4, kind == TF_MEDIA_VIDEO);
      sqlite3_bind_int (s, 5, width);
      sqlite3_bind_int (s, 6, height);
      sqlite3_bind_double (s, 7, duration);
      sqlite3_bind_int64 (s, 8, g_get_real_time () / G_USEC_PER_SEC);
      ok = _tf_project_step (p, s, error);
      id = sqlite3_last_insert_rowid (p->db);
    }
  return _tf_project_tx_end (p, ok, error) ? id : 0;
}

gboolean
tf_project_set_media_info (TfProject    *p,
                           gint64        media,
                           TfMediaKind   kind,
                           int           width,
                           int           height,
                           double        duration,
                           GError      **error)
{
  TfProjectStmt *s;
  gboolean ok;

  g_return_val_if_fail (p != NULL, FALSE);
  if (!_tf_project_tx_begin (p, error))
    return FALSE;
  ok = (s = _tf_project_stmt (p, "UPDATE media SET kind = ?, width = ?, height = ?, duration = ? WHERE id = ?",
                              error)) != NULL;
  if (ok)
    {
      sqlite3_bind_int (s, 1, kind == TF_MEDIA_VIDEO);
      sqlite3_bind_int (s, 2, width);
      sqlite3_bind_int (s, 3, height);
      sqlite3_bind_double (s, 4, duration);
      sqlite3_bind_int64 (s, 5, media);
      ok = _tf_project_step (p, s, error);
    }
  return _tf_project_tx_end (p, ok, error);
}

void
tf_project_media_free (TfProjectMedia *m)
{
  if (m == NULL)
    return;
  g_free (m->path);
  g_free (m->sha256);
  g_free (m);
}

GPtrArray *
tf_project_list_media (TfProject  *p,
                       GError    **error)
{
  g_autoptr(TfProjectStmt) s = NULL;
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify) tf_project_media_free);
  int rc;

  g_return_val_if_fail (p != NULL, NULL);
  if (!(s = _tf_project_stmt (p, "SELECT id, path, size, sha256, kind, width, height, duration, missing "
                                 "FROM media ORDER BY id", error)))
    return NULL;
  while ((rc = sqlite3_step (s)) == SQLITE_ROW)
    {
      TfProjectMedia *m = g_new0 (TfProjectMedia, 1);

      m->id = sqlite3_column_int64 (s, 0);
      m->path = g_strdup ((const char *) sqlite3_column_text (s, 1));
      m->size = sqlite3_column_int64 (s, 2);
      m->sha256 = g_strdup ((const char *) sqlite3_column_text (s, 3));
      m->kind = sqlite3_column_int (s, 4) ? TF_MEDIA_VIDEO : TF_MEDIA_IMAGE;
      m->width = sqlite3_column_int (s, 5);
      m->height = sqlite3_column_int (s, 6);
      m->duration = sqlite3_column_double (s, 7);
      m->missing = sqlite3_column_int (s, 8) != 0;
      g_ptr_array_add (out, m);
    }
  if (rc != SQLITE_DONE)
    {
      _tf_project_error (p, rc, error);
      return NULL;
    }
  return g_steal_pointer (&out);
}

char *
tf_project_media_file (TfProject            *p,
                       const TfProjectMedia *m)
{
  g_return_val_if_fail (p != NULL && m != NULL, NULL);
  return g_canonicalize_filename (m->path, p->dir);
}

/* ---- runs --------------------------------------------------------------------------- */

gint64
_tf_project_resolve_run (TfProject *p,
                         gint64     run)
{
  return run > 0 ? run : tf_project_get_latest_run (p);
}

gint64
tf_project_get_latest_run (TfProject *p)
{
  g_autoptr(TfProjectStmt) s = NULL;

  g_return_val_if_fail (p != NULL, 0);
  if (!(s = _tf_project_stmt (p, "SELECT max(id) FROM runs", NULL)))
    return 0;
  return sqlite3_step (s) == SQLITE_ROW ? sqlite3_column_int64 (s, 0) : 0;
}

char **
tf_project_get_run_classes (TfProject  *p,
                            gint64      run,
                            GError    **error)
{
  g_autoptr(TfProjectStmt) s = NULL;
  g_auto(GStrv) names = NULL;

  g_return_val_if_fail (p != NULL, NULL);
  if (!(s = _tf_project_stmt (p, "SELECT classes FROM runs WHERE id = ?", error)))
    return NULL;
  sqlite3_bind_int64 (s, 1, run);
  if (sqlite3_step (s) != SQLITE_ROW)
    {
      g_set_error (error, TF_PROJECT_ERROR, TF_PROJECT_ERROR_INVALID, _("%s: no analysis run %lld"),
                   p->display, (long long) run);
      return NULL;
    }
  /* stored as a JSON array of strings, written below: split it back */
  {
    g_autoptr(JsonParser) parser = json_parser_new ();
    JsonNode *root;
    JsonArray *a;
    GStrvBuilder *b;

    if (!json_parser_load_from_data (parser, (const char *) sqlite3_column_text (s, 0), -1, NULL) ||
        !JSON_NODE_HOLDS_ARRAY (root = json_parser_get_root (parser)))
      {
        g_set_error (error, TF_PROJECT_ERROR, TF_PROJECT_ERROR_NOT_PROJECT,
                     _("%s: damaged: run %lld has no class list"), p->display, (long long) run);
        return NULL;
      }
    a = json_node_get_array (root);
    b = g_strv_builder_new ();
    for (guint i = 0; i < json_array_get_length (a); i++)
      g_strv_builder_add (b, json_array_get_string_element (a, i) ? json_array_get_string_element (a, i) : "");
    names = g_strv_builder_end (b);
    g_strv_builder_unref (b);
  }
  return g_steal_pointer (&names);
}

GArray *
_tf_project_run_map (TfProject  *p,
                     gint64      run,
                     GError    **error)
{
  GArray *map = g_hash_table_lookup (p->run_maps, &run);
  g_auto(GStrv) names = NULL;

  if (map)
    return map;
  if (!(names = tf_project_get_run_classes (p, run, error)))
    return NULL;
  map = g_array_new (FALSE, FALSE, sizeof (int));
  for (guint k = 0; names[k]; k++)
    {
      int id = _tf_project_find_class (p, names[k]);
      g_array_append_val (map, id);
    }
  g_hash_table_insert (p->run_maps, g_memdup2 (&run, sizeof run), map);
  return map;
}

gint64
tf_project_add_run (TfProject          *p,
                    const char         *model_file,
                    const char * const *classes,
                    const char         *settings_json,
                    GError            **error)
{
  g_autofree char *name = model_file ? g_path_get_basename (model_file) : g_strdup ("");
  g_autofree char *sha = NULL;
  g_autoptr(GString) list = g_string_new ("[");
  TfProjectStmt *s;
  gint64 id = 0, size;
  gboolean ok;

  g_return_val_if_fail (p != NULL && classes != NULL && classes[0] != NULL, 0);
  if (!_tf_project_writable (p, error))
    return 0;
  if (model_file && !(sha = _tf_project_hash_file (model_file, &size, error)))
    return 0;
  for (guint k = 0; classes[k]; k++)
    {
      if (k)
        g_string_append_c (list, ',');
      tf_json_string (list, classes[k]);
    }
  g_string_append_c (list, ']');
  if (!_tf_project_tx_begin (p, error))
    return 0;
  ok = tf_project_set_classes (p, classes, error) &&
       (s = _tf_project_stmt (p, "INSERT INTO runs (model, model_sha256, classes, settings, time) "
                                 "VALUES (?, ?, ?, ?, ?)", error)) != NULL;
  if (ok)
    {
      sqlite3_bind_text (s, 1, name, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (s, 2, sha ? sha : "", -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (s, 3, list->str, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (s, 4, settings_json ? settings_json : "{}", -1, SQLITE_TRANSIENT);
      sqlite3_bind_int64 (s, 5, g_get_real_time () / G_USEC_PER_SEC);
      ok = _tf_project_step (p, s, error);
      id = sqlite3_last_insert_rowid (p->db);
    }
  return _tf_project_tx_end (p, ok, error) ? id : 0;
}

/* ---- relinking moved media ---------------------------------------------------------- */

typedef struct
{
  TfProject  *p;
  GPtrArray  *lost;      /* TfProjectMedia not where the project says */
  GHashTable *sizes;     /* size -> TRUE, of the lost ones */
  GHashTable *taken;     /* relative paths of the media found */
  int         found;
} Relink;

/* Hashes the files under @dir whose size one of the lost media has. */
static void
relink_walk (Relink     *r,
             const char *dir,
             int         depth)
{
  g_autoptr(GDir) d = depth > 32 ? NULL : g_dir_open (dir, 0, NULL);
  const char *name;

  while (d && r->found < (int) r->lost->len && (name = g_dir_read_name (d)))
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_autofree char *sha = NULL, *rel = NULL;
      GStatBuf st;
      gint64 size;

      if (g_lstat (path, &st) != 0)
        continue;
      if (S_ISDIR (st.st_mode))
        {
          relink_walk (r, path, depth + 1);   /* not through links: no loops */
          continue;
        }
      if ((!S_ISREG (st.st_mode) && !S_ISLNK (st.st_mode)) || g_stat (path, &st) != 0 || !S_ISREG (st.st_mode) ||
          !g_hash_table_contains (r->sizes, &(gint64) { st.st_size }))
        continue;
      rel = _tf_project_relative (r->p, path);
      if (g_hash_table_contains (r->taken, rel) || !(sha = _tf_project_hash_file (path, &size, NULL)))
        continue;
      for (guint i = 0; i < r->lost->len; i++)
        {
          TfProjectMedia *m = r->lost->pdata[i];
          if (m->missing && m->size == size && g_str_equal (m->sha256, sha))
            {
              g_free (m->path);
              m->path = g_strdup (rel);
              m->missing = FALSE;
              g_hash_table_add (r->taken, g_steal_pointer (&rel));
              r->found++;
              break;
            }
        }
    }
}

/* @missing_names (may be NULL) receives the stored paths of the media
 * still missing. */
static gboolean
relink (TfProject  *p,
        const char *folder,
        int        *relinked,
        GPtrArray  *missing_names,
        GError    **error)
{
  g_autoptr(GPtrArray) media = tf_project_list_media (p, error);
  g_autoptr(GHashTable) sizes = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  g_autoptr(GHashTable) taken = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GPtrArray) lost = g_ptr_array_new ();
  g_autoptr(GArray) was_missing = g_array_new (FALSE, FALSE, sizeof (gboolean));
  g_autoptr(GPtrArray) was_path = g_ptr_array_new_with_free_func (g_free);
  Relink r = { p, lost, sizes, taken, 0 };
  gboolean ok = TRUE;

  if (media == NULL)
    return FALSE;
  for (guint i = 0; i < media->len; i++)
    {
      TfProjectMedia *m = media->pdata[i];
      g_autofree char *file = tf_project_media_file (p, m);

      g_array_append_val (was_missing, m->missing);
      g_ptr_array_add (was_path, g_strdup (m->path));
      g_hash_table_add (taken, g_strdup (m->path));
      m->missing = !g_file_test (file, G_FILE_TEST_IS_REGULAR);
      if (m->missing)
        {
          g_ptr_array_add (lost, m);
          g_hash_table_add (sizes, g_memdup2 (&m->size, sizeof m->size));
        }
    }
  if (folder && lost->len > 0)
    relink_walk (&r, folder, 0);
  if (relinked)
    *relinked = r.found;
  for (guint i = 0; missing_names && i < lost->len; i++)
    if (((TfProjectMedia *) lost->pdata[i])->missing)
      g_ptr_array_add (missing_names, g_strdup (((TfProjectMedia *) lost->pdata[i])->path));
  if (p->read_only)
    return TRUE;

  /* one transaction for the lot, and only for what changed */
  if (!_tf_project_tx_begin (p, error))
    return FALSE;
  for (guint i = 0; ok && i < media->len; i++)
    {
      TfProjectMedia *m = media->pdata[i];
      TfProjectStmt *s;

      if (m->missing == g_array_index (was_missing, gboolean, i) && g_str_equal (m->path, was_path->pdata[i]))
        continue;
      ok = (s = _tf_project_stmt (p, "UPDATE media SET path = ?, missing = ? WHERE id = ?", error)) != NULL;
      if (ok)
        {
          sqlite3_bind_text (s, 1, m->path, -1, SQLITE_TRANSIENT);
          sqlite3_bind_int (s, 2, m->missing);
          sqlite3_bind_int64 (s, 3, m->id);
          ok = _tf_project_step (p, s, error);
        }
    }
  return _tf_project_tx_end (p, ok, error);
}

gboolean
tf_project_relink (TfProject   *p,
                   const char  *folder,
                   int         *relinked,
                   int         *missing,
                   GError     **error)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);

  g_return_val_if_fail (p != NULL, FALSE);
  if (!relink (p, folder, relinked, names, error))
    return FALSE;
  if (missing)
    *missing = (int) names->len;
  return TRUE;
}

/* ---- the check ------------------------------------------------------------------------ */

/* Adds a problem per row of @sql (its columns joined; a row "ok" is
 * none), the first 20 and then their count; @what introduces them. */
static gboolean
check_rows (TfProject       *p,
            TfProjectReport *r,
            const char      *sql,
            const char      *what,
            GError         **error)
{
  sqlite3_stmt *s = NULL;
  int rc = sqlite3_prepare_v2 (p->db, sql, -1, &s, NULL), n = 0;

  while (rc == SQLITE_OK && (rc = sqlite3_step (s)) == SQLITE_ROW)
    {
      g_autoptr(GString) row = g_string_new (NULL);

      for (int c = 0; c < sqlite3_column_count (s); c++)
        g_string_append_printf (row, "%s%s", c ? " " : "",
                                sqlite3_column_text (s, c) ? (const char *) sqlite3_column_text (s, c) : "NULL");
      if (!g_str_equal (row->str, "ok") && ++n <= 20)
        g_ptr_array_add (r->problems, g_strdup_printf ("%s: %s: %s", p->display, what, row->str));
      rc = SQLITE_OK;
    }
  if (n > 20)
    g_ptr_array_add (r->problems, g_strdup_printf (_("%s: %s: %d more"), p->display, what, n - 20));
  sqlite3_finalize (s);
  if (rc == SQLITE_DONE)
    return TRUE;
  _tf_project_error (p, rc, error);
  return FALSE;
}

TfProjectReport *
tf_project_check (TfProject   *p,
                  const char  *relink_dir,
                  GError     **error)
{
  g_autoptr(TfProjectReport) r = g_new0 (TfProjectReport, 1);
  g_autoptr(GPtrArray) missing = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) media = NULL;

  g_return_val_if_fail (p != NULL, NULL);
  r->problems = g_ptr_array_new_with_free_func (g_free);
  if (!check_rows (p, r, "PRAGMA integrity_check", _("integrity"), error) ||
      !check_rows (p, r, "SELECT \"table\", rowid, parent FROM pragma_foreign_key_check",
                   _("a row refers to one that does not exist (table, row, other table)"), error) ||
      !check_rows (p, r, "SELECT face, class FROM labels WHERE class >= 0 AND class NOT IN (SELECT id FROM classes)",
                   _("labels of an unknown class (face, class)"), error) ||
      !check_rows (p, r, "SELECT face, annotator, class FROM votes "
                         "WHERE class >= 0 AND class NOT IN (SELECT id FROM classes)",
                   _("votes of an unknown class (face, annotator, class)"), error) ||
      !check_rows (p, r, "SELECT face FROM labels WHERE face NOT IN (SELECT face FROM votes)",
                   _("labels without a vote (face)"), error) ||
      !check_rows (p, r, "SELECT p.face, p.run FROM predictions p JOIN runs r ON r.id = p.run "
                         "WHERE length (p.probs) <> 4 * json_array_length (r.classes)",
                   _("probabilities that do not fit their run (face, run)"), error) ||
      !check_rows (p, r, "SELECT face FROM crops WHERE length (rgb) <> 3 * size * size",
                   _("crops of the wrong size (face)"), error))
    return NULL;
  if (!(media = tf_project_list_media (p, error)) || !relink (p, relink_dir, &r->relinked, missing, error))
    return NULL;
  r->media = (int) media->len;
  r->missing = (int) missing->len;
  for (guint i = 0; i < missing->len; i++)
    {
      g_autofree char *file = g_canonicalize_filename (missing->pdata[i], p->dir);
      g_autofree char *display = g_filename_display_name (file);
      g_ptr_array_add (r->problems, g_strdup_printf (_("%s: missing (moved or deleted; its faces and labels are "
                                                       "kept): relink it from the folder it went to"), display));
    }
  return g_steal_pointer (&r);
}

void
tf_project_report_free (TfProjectReport *r)
{
  if (r == NULL)
    return;
  g_clear_pointer (&r->problems, g_ptr_array_unref);
  g_free (r);
}

/* ---- a copy under another name ------------------------------------------------------------- */

/* The copy is written into .NAME.copy-PID-XXXXXX beside its name and linked
 * to it when complete. The process id says whether its writer still runs:
 * a copy cut short by a kill is removed by the next copy to that name. */
#define COPY_INFIX ".copy-"

void
_tf_project_remove_stale (const char *dir,
                          const char *base,
                          const char *infix)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  g_autofree char *prefix = g_strconcat (".", base, infix, NULL);
  const char *name;

  while (d && (name = g_dir_read_name (d)))
    {
      g_autofree char *path = NULL;
      const char *rest;
      char *end = NULL;
      gint64 pid;

      if (!g_str_has_prefix (name, prefix))
        continue;
      rest = name + strlen (prefix);
      pid = g_ascii_strtoll (rest, &end, 10);
      if (end == rest || *end != '-' || pid <= 0 || pid > G_MAXINT || kill ((pid_t) pid, 0) == 0 || errno != ESRCH)
        continue;
      path = g_build_filename (dir, name, NULL);
      g_unlink (path);   /* its -wal and -shm match the prefix too */
    }
}

static void
copy_error (const char  *display,
            gboolean     full,
            const char  *why,
            GError     **error)
{
  if (full)
    g_set_error (error, TF_PROJECT_ERROR, TF_PROJECT_ERROR_FULL,
                 _("%s: the disk is full: the copy was not saved, and nothing of it was left"), display);
  else
    g_set_error (error, TF_PROJECT_ERROR, TF_PROJECT_ERROR_IO, _("%s: cannot save the copy: %s"), display, why);
}

static void
copy_sqlite_error (sqlite3     *db,
                   int          rc,
                   const char  *display,
                   GError     **error)
{
  gboolean full = (rc & 0xff) == SQLITE_FULL || (db && sqlite3_system_errno (db) == ENOSPC);

  copy_error (display, full, db ? sqlite3_errmsg (db) : sqlite3_errstr (rc), error);
}

/* In the copy @db, the media paths relative to @from (the project's folder)
 * made relative to @to (the copy's). Each first takes a name no relative
 * path has ("/ID"), so that no path is ever held by two rows on the way. */
static int
rewrite_paths (sqlite3    *db,
               const char *from,
               const char *to)
{
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
  sqlite3_stmt *s = NULL;
  int rc;

  rc = sqlite3_prepare_v2 (db, "SELECT id, path FROM media", -1, &s, NULL);
  while (rc == SQLITE_OK && (rc = sqlite3_step (s)) == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (s, 0);
      g_autofree char *abs = g_canonicalize_filename ((const char *) sqlite3_column_text (s, 1), from);

      g_array_append_val (ids, id);
      g_ptr_array_add (paths, relative_to (to, abs));
      rc = SQLITE_OK;
    }
  sqlite3_finalize (s);
  s = NULL;
  if (rc != SQLITE_DONE)
    return rc;
  if ((rc = sqlite3_exec (db, "UPDATE media SET path = '/' || id", NULL, NULL, NULL)) != SQLITE_OK ||
      (rc = sqlite3_prepare_v2 (db, "UPDATE media SET path = ? WHERE id = ?", -1, &s, NULL)) != SQLITE_OK)
    return rc;
  for (guint i = 0; rc == SQLITE_OK && i < ids->len; i++)
    {
      sqlite3_bind_text (s, 1, paths->pdata[i], -1, SQLITE_STATIC);
      sqlite3_bind_int64 (s, 2, g_array_index (ids, gint64, i));
      if ((rc = sqlite3_step (s)) == SQLITE_DONE)
        rc = SQLITE_OK;
      sqlite3_reset (s);
    }
  sqlite3_finalize (s);
  return rc;
}

/* The file SQLite wrote made a project of its own: WAL mode (VACUUM INTO
 * writes a rollback-journal file), the media paths rewritten, all of it on
 * the disk. */
static gboolean
finish_copy (const char  *tmp,
             const char  *from,
             const char  *to,
             const char  *display,
             gboolean     sync,
             GError     **error)
{
  g_autofree char *wal = g_strconcat (tmp, "-wal", NULL);
  sqlite3 *db = NULL;
  int rc, fd;

  rc = sqlite3_open_v2 (tmp, &db, SQLITE_OPEN_READWRITE, NULL);
  if (rc == SQLITE_OK)
    {
      sqlite3_extended_result_codes (db, 1);
      rc = sqlite3_exec (db, sync ? "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; "
                                    "BEGIN IMMEDIATE"
                                  : "PRAGMA journal_mode = WAL; PRAGMA synchronous = OFF; PRAGMA foreign_keys = ON; "
                                    "BEGIN IMMEDIATE", NULL, NULL, NULL);
    }
  if (rc == SQLITE_OK && !g_str_equal (from, to))
    rc = rewrite_paths (db, from, to);
  if (rc == SQLITE_OK)
    rc = sqlite3_exec (db, "COMMIT", NULL, NULL, NULL);
  if (rc != SQLITE_OK)
    {
      copy_sqlite_error (db, rc, display, error);
      sqlite3_close_v2 (db);
      return FALSE;
    }
  /* closing checkpoints the WAL into the file and removes it */
  if ((rc = sqlite3_close (db)) != SQLITE_OK || g_file_test (wal, G_FILE_TEST_EXISTS))
    {
      copy_error (display, (rc & 0xff) == SQLITE_FULL, sqlite3_errstr (rc), error);
      return FALSE;
    }
  if (!sync)
    return TRUE;
  if ((fd = g_open (tmp, O_RDONLY | O_CLOEXEC, 0)) < 0 || fsync (fd) != 0)
    {
      int saved = errno;
      if (fd >= 0)
        close (fd);
      copy_error (display, saved == ENOSPC || saved == EDQUOT, g_strerror (saved), error);
      return FALSE;
    }
  close (fd);
  return TRUE;
}

gboolean
tf_project_save_copy (TfProject   *p,
                      const char  *path,
                      GError     **error)
{
  return _tf_project_save_copy (p, path, TRUE, error);
}

gboolean
_tf_project_save_copy (TfProject   *p,
                       const char  *path,
                       gboolean     sync,
                       GError     **error)
{
  g_autofree char *target = NULL, *dir = NULL, *base = NULL, *tmp = NULL, *display = NULL;
  sqlite3_stmt *s = NULL;
  gboolean ok;
  int fd, rc, saved;

  g_return_val_if_fail (p != NULL && path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  target = g_canonicalize_filename (path, NULL);
  display = g_filename_display_name (path);
  if (p->depth > 0)
    {
      g_set_error (error, TF_PROJECT_ERROR, TF_PROJECT_ERROR_INVALID,
                   _("%s: changes are in progress: commit them before saving a copy"), p->display);
      return FALSE;
    }
  if (g_file_test (target, G_FILE_TEST_EXISTS) || g_file_test (target, G_FILE_TEST_IS_SYMLINK))
    {
      g_set_error (error, TF_PROJECT_ERROR, TF_PROJECT_ERROR_EXISTS,
                   _("%s: already exists: choose another name"), display);
      return FALSE;
    }
  dir = g_path_get_dirname (target);
  base = g_path_get_basename (target);
  _tf_project_remove_stale (dir, base, COPY_INFIX);
  tmp = g_strdup_printf ("%s/.%s" COPY_INFIX "%d-XXXXXX", dir, base, (int) getpid ());
  /* VACUUM INTO takes an empty file: this one holds the name */
  if ((fd = g_mkstemp_full (tmp, O_RDWR | O_CLOEXEC, 0666)) < 0)
    {
      saved = errno;
      copy_error (display, saved == ENOSPC || saved == EDQUOT, g_strerror (saved), error);
      return FALSE;
    }
  close (fd);

  /* a consistent snapshot of the saved state, read in one transaction; a
   * reader (query_only) may make it too: the project itself is not written */
  if (p->read_only)
    (void) sqlite3_exec (p->db, "PRAGMA query_only = OFF", NULL, NULL, NULL);
  rc = sqlite3_prepare_v2 (p->db, "VACUUM INTO ?", -1, &s, NULL);
  if (rc == SQLITE_OK)
    {
      sqlite3_bind_text (s, 1, tmp, -1, SQLITE_STATIC);
      if ((rc = sqlite3_step (s)) == SQLITE_DONE)
        rc = SQLITE_OK;
    }
  ok = rc == SQLITE_OK;
  if (!ok)
    copy_sqlite_error (p->db, rc, display, error);
  sqlite3_finalize (s);
  if (p->read_only)
    (void) sqlite3_exec (p->db, "PRAGMA query_only = ON", NULL, NULL, NULL);

  ok = ok && finish_copy (tmp, p->dir, dir, display, sync, error);
  /* link() refuses a name another program took meanwhile */
  if (ok && link (tmp, target) != 0)
    {
      saved = errno;
      if (saved == EEXIST)
        g_set_error (error, TF_PROJECT_ERROR, TF_PROJECT_ERROR_EXISTS,
                     _("%s: already exists: choose another name"), display);
      else
        copy_error (display, saved == ENOSPC || saved == EDQUOT, g_strerror (saved), error);
      ok = FALSE;
    }
  _tf_project_remove_database (tmp);
  if (ok && sync)
    _tf_project_sync_dir (dir);
  return ok;
}
