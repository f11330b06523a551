/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The project file: creating and opening it (refusing what is not ours,
 * untouched), its schema and migrations, the writer's lock, transactions,
 * settings and classes. */
#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tf-project-private.h"

G_DEFINE_QUARK (tf-project-error-quark, tf_project_error)

/* PRAGMA application_id: "TFPJ". A SQLite file without it is not ours. */
#define APPLICATION_ID 0x5446504a

/* How long a change waits for a writer that is not TransFER (a sqlite3
 * shell) before it fails with "in use by another program". */
#define BUSY_TIMEOUT_MS 1000

/* The schema, one step per version: migrations[v] takes a project from
 * user_version v to v + 1, in the transaction that sets the new version.
 * Add a step at the end; never change one that has shipped. HACKING.md
 * ("Project files") describes each table. */
static const char *const migrations[] = {
  /* 0 -> 1 */
  "CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;"
  "CREATE TABLE classes (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);"
  "CREATE TABLE media ("
  "  id INTEGER PRIMARY KEY, path TEXT NOT NULL UNIQUE, size INTEGER NOT NULL, sha256 TEXT NOT NULL,"
  "  kind INTEGER NOT NULL CHECK (kind IN (0, 1)), width INTEGER NOT NULL DEFAULT 0,"
  "  height INTEGER NOT NULL DEFAULT 0, duration REAL NOT NULL DEFAULT 0,"
  "  missing INTEGER NOT NULL DEFAULT 0, added INTEGER NOT NULL);"
  "CREATE INDEX media_sha256 ON media (sha256);"
  "CREATE TABLE runs ("
  "  id INTEGER PRIMARY KEY, model TEXT NOT NULL, model_sha256 TEXT NOT NULL, classes TEXT NOT NULL,"
  "  settings TEXT NOT NULL, time INTEGER NOT NULL);"
  "CREATE TABLE faces ("
  "  id INTEGER PRIMARY KEY, media INTEGER NOT NULL REFERENCES media (id) ON DELETE CASCADE,"
  "  run INTEGER REFERENCES runs (id) ON DELETE SET NULL, frame INTEGER NOT NULL, time_s REAL NOT NULL,"
  "  idx INTEGER NOT NULL, x REAL NOT NULL, y REAL NOT NULL, w REAL NOT NULL, h REAL NOT NULL,"
  "  score REAL NOT NULL, landmarks BLOB, track INTEGER NOT NULL DEFAULT 0,"
  "  manual INTEGER NOT NULL DEFAULT 0);"
  "CREATE INDEX faces_media ON faces (media, frame, idx);"
  "CREATE TABLE crops ("
  "  face INTEGER PRIMARY KEY REFERENCES faces (id) ON DELETE CASCADE, size INTEGER NOT NULL,"
  "  rgb BLOB NOT NULL);"
  "CREATE TABLE predictions ("
  "  face INTEGER NOT NULL REFERENCES faces (id) ON DELETE CASCADE,"
  "  run INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE, probs BLOB NOT NULL,"
  "  predicted INTEGER NOT NULL REFERENCES classes (id), margin REAL NOT NULL, entropy REAL NOT NULL,"
  "  PRIMARY KEY (face, run)) WITHOUT ROWID;"
  "CREATE INDEX predictions_margin ON predictions (run, margin);"
  "CREATE INDEX predictions_entropy ON predictions (run, entropy);"
  "CREATE TABLE labels ("
  "  face INTEGER PRIMARY KEY REFERENCES faces (id) ON DELETE CASCADE,"
  "  class INTEGER NOT NULL CHECK (class >= -2), source INTEGER NOT NULL CHECK (source IN (0, 1, 2)),"
  "  annotator TEXT, time INTEGER NOT NULL, note TEXT);"
  "CREATE INDEX labels_class ON labels (class);"
  "CREATE TABLE label_history ("
  "  id INTEGER PRIMARY KEY, action INTEGER NOT NULL,"
  "  face INTEGER NOT NULL REFERENCES faces (id) ON DELETE CASCADE,"
  "  old_class INTEGER, old_source INTEGER, old_annotator TEXT, old_time INTEGER, old_note TEXT,"
  "  new_class INTEGER, new_source INTEGER, new_annotator TEXT, new_time INTEGER, new_note TEXT,"
  "  state INTEGER NOT NULL DEFAULT 0 CHECK (state IN (0, 1, 2)));"
  "CREATE INDEX label_history_face ON label_history (face);"
  "CREATE INDEX label_history_state ON label_history (state, action);",
  /* 1 -> 2: several annotators. Each annotator's label is a vote; an
   * adjudicator's is the final one (one per face); labels keeps the face's
   * label resolved from them (the final, else the majority), with how many
   * votes it came from and how many agree with it. The history records
   * votes (final: whose change). */
  "CREATE TABLE votes ("
  "  face INTEGER NOT NULL REFERENCES faces (id) ON DELETE CASCADE,"
  "  final INTEGER NOT NULL CHECK (final IN (0, 1)), annotator TEXT NOT NULL,"
  "  class INTEGER NOT NULL CHECK (class >= -2), source INTEGER NOT NULL CHECK (source IN (0, 1, 2)),"
  "  time INTEGER NOT NULL, note TEXT, PRIMARY KEY (face, final, annotator)) WITHOUT ROWID;"
  "CREATE UNIQUE INDEX votes_final ON votes (face) WHERE final = 1;"
  "CREATE INDEX votes_annotator ON votes (annotator);"
  "INSERT INTO votes (face, final, annotator, class, source, time, note)"
  "  SELECT face, 0, coalesce (annotator, ''), class, source, time, note FROM labels;"
  "UPDATE labels SET annotator = '' WHERE annotator IS NULL;"
  "ALTER TABLE labels ADD COLUMN final INTEGER NOT NULL DEFAULT 0;"
  "ALTER TABLE labels ADD COLUMN votes INTEGER NOT NULL DEFAULT 1;"
  "ALTER TABLE labels ADD COLUMN agree INTEGER NOT NULL DEFAULT 1;"
  "ALTER TABLE label_history ADD COLUMN final INTEGER NOT NULL DEFAULT 0;"
  /* the faces whose votes disagree, without a final label: their number of
   * votes and the most for one class (a format-1 face has one vote) */
  "CREATE TABLE splits (face INTEGER PRIMARY KEY REFERENCES faces (id) ON DELETE CASCADE,"
  "  total INTEGER NOT NULL, top INTEGER NOT NULL);"
  "UPDATE label_history SET old_annotator = '' WHERE old_class IS NOT NULL AND old_annotator IS NULL;"
  "UPDATE label_history SET new_annotator = '' WHERE new_class IS NOT NULL AND new_annotator IS NULL;",
};
G_STATIC_ASSERT (G_N_ELEMENTS (migrations) == TF_PROJECT_VERSION);

/* ---- errors, statements, transactions -------------------------------------- */

void
_tf_project_error (TfProject *p,
                   int        rc,
                   GError   **error)
{
  const char *why = p->db ? sqlite3_errmsg (p->db) : sqlite3_errstr (rc);

  switch (rc & 0xff)
    {
    case SQLITE_FULL:
      g_set_error (error, TF_PROJECT_ERROR, TF_PROJECT_ERROR_FULL,
                   _("%s: the disk is full: the change was not saved (the project keeps its last saved state)"),
                   p->display);
      break;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      g_set_error (error, TF_PROJECT_ERROR, TF_PROJECT_ERROR_BUSY,
                   _("%s: in use by another program; close it there first"), p->display);
      break;
    case SQLITE_READONLY:
    case SQLITE_PERM:
      g_set_error (error, TF_PROJECT_ERROR, TF_PROJECT_ERROR_READ_ONLY,
                   _("%s: the project cannot be written: %s"), p->display, why);
      break;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      g_set_error (error, TF_PROJECT_ERROR, TF_PROJECT_ERROR_NOT_PROJECT,
                   _("%s: not a TransFER project, or a damaged one: %s"), p->display, why);
      break;
    case SQLITE_CONSTRAINT:
    case SQLITE_MISMATCH:
    case SQLITE_RANGE:
      g_set_error (error, TF_PROJECT_ERROR, TF_PROJECT_ERROR_INVALID, "%s: %s", p->display, why);
      break;
    default:
      g_set_error (error, TF_PROJECT_ERROR, TF_PROJECT_ERROR_IO,
                   _("%s: cannot read or write the project: %s"), p->display, why);
      break;
    }
}

TfProjectStmt *
_tf_project_stmt (TfProject   *p,
                  const char  *sql,
                  GError     **error)
{
  sqlite3_stmt *s = g_hash_table_lookup (p->stmts, sql);
  int rc;

  if (s)
    {
      sqlite3_reset (s);
      sqlite3_clear_bindings (s);
      return s;
    }
  rc = sqlite3_prepare_v3 (p->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, NULL);
  if (rc != SQLITE_OK)
    {
      _tf_project_error (p, rc, error);
      return NULL;
    }
  g_hash_table_insert (p->stmts, (gpointer) sql, s);
  return s;
}

gboolean
_tf_project_exec (TfProject   *p,
                  const char  *sql,
                  GError     **error)
{
  int rc = sqlite3_exec (p->db, sql, NULL, NULL, NULL);

  if (rc == SQLITE_OK)
    return TRUE;
  _tf_project_error (p, rc, error);
  return FALSE;
}

gboolean
_tf_project_step (TfProject     *p,
                  sqlite3_stmt  *s,
                  GError       **error)
{
  int rc = sqlite3_step (s);

  if (rc == SQLITE_DONE || rc == SQLITE_ROW)
    {
      sqlite3_reset (s);
      return TRUE;
    }
  _tf_project_error (p, rc, error);
  sqlite3_reset (s);
  return FALSE;
}

gboolean
_tf_project_writable (TfProject  *p,
                      GError    **error)
{
  if (!p->read_only)
    return TRUE;
  g_set_error (error, TF_PROJECT_ERROR, TF_PROJECT_ERROR_READ_ONLY,
               _("%s: the project is open read-only: the change was not saved"), p->display);
  return FALSE;
}

/* What the classes are is cached; a rollback may have taken one back. */
static gboolean
load_classes (TfProject  *p,
              GError    **error)
{
  g_autoptr(TfProjectStmt) s = _tf_project_stmt (p, "SELECT id, name FROM classes ORDER BY id", error);
  int rc;

  if (s == NULL)
    return FALSE;
  g_ptr_array_set_size (p->classes, 0);
  while ((rc = sqlite3_step (s)) == SQLITE_ROW)
    {
      if (sqlite3_column_int64 (s, 0) != p->classes->len)
        {
          g_set_error (error, TF_PROJECT_ERROR, TF_PROJECT_ERROR_NOT_PROJECT,
                       _("%s: damaged: the class ids are not 0, 1, 2..."), p->display);
          return FALSE;
        }
      g_ptr_array_add (p->classes, g_strdup ((const char *) sqlite3_column_text (s, 1)));
    }
  if (rc != SQLITE_DONE)
    {
      _tf_project_error (p, rc, error);
      return FALSE;
    }
  return TRUE;
}

static void
after_rollback (TfProject *p)
{
  g_hash_table_remove_all (p->run_maps);
  (void) load_classes (p, NULL);
}

gboolean
_tf_project_tx_begin (TfProject  *p,
                      GError    **error)
{
  if (!_tf_project_writable (p, error))
    return FALSE;
  if (p->depth > 0 && p->aborted)
    {
      g_set_error (error, TF_PROJECT_ERROR, TF_PROJECT_ERROR_IO,
                   _("%s: an earlier change of this group failed and the group was not saved"), p->display);
      return FALSE;
    }
  if (!_tf_project_exec (p, p->depth == 0 ? "BEGIN IMMEDIATE" : "SAVEPOINT tf", error))
    return FALSE;
  p->depth++;
  return TRUE;
}

gboolean
_tf_project_tx_end (TfProject  *p,
                    gboolean    ok,
                    GError    **error)
{
  g_return_val_if_fail (p->depth > 0, FALSE);

  p->depth--;
  if (ok && p->aborted)
    {
      ok = FALSE;
      g_set_error (error, TF_PROJECT_ERROR, TF_PROJECT_ERROR_IO,
                   _("%s: an earlier change of this group failed and the group was not saved"), p->display);
    }
  if (ok && _tf_project_exec (p, p->depth == 0 ? "COMMIT" : "RELEASE tf", error))
    {
      if (p->depth == 0)
        p->action = 0;
      return TRUE;
    }
  /* SQLite rolls the whole transaction back itself on some errors (a full
   * disk, an I/O error): then there is no savepoint left to go back to */
  if (sqlite3_get_autocommit (p->db))
    p->aborted = p->depth > 0;
  else if (p->depth == 0)
    (void) sqlite3_exec (p->db, "ROLLBACK", NULL, NULL, NULL);
  else
    (void) sqlite3_exec (p->db, "ROLLBACK TO tf; RELEASE tf", NULL, NULL, NULL);
  if (p->depth == 0)
    {
      p->action = 0;
      p->aborted = FALSE;
    }
  after_rollback (p);
  return FALSE;
}

gboolean
tf_project_begin (TfProject  *p,
                  GError    **error)
{
  g_return_val_if_fail (p != NULL, FALSE);
  return _tf_project_tx_begin (p, error);
}

gboolean
tf_project_commit (TfProject  *p,
                   GError    **error)
{
  g_return_val_if_fail (p != NULL && p->depth > 0, FALSE);
  return _tf_project_tx_end (p, TRUE, error);
}

void
tf_project_rollback (TfProject *p)
{
  g_return_if_fail (p != NULL && p->depth > 0);
  (void) _tf_project_tx_end (p, FALSE, NULL);
}

/* ---- the writer's lock ------------------------------------------------------ */

/* One writer at a time, told at open: a window labelling a project that
 * another program changes behind its back would show and undo stale labels.
 * SQLite's own locks only say so at the first change (BEGIN IMMEDIATE waits
 * BUSY_TIMEOUT_MS, then fails), which stays as the guard against programs
 * that are not TransFER. The lock is flock() on NAME.tfproj-lock rather than
 * a byte range of the project itself: closing any descriptor of the project
 * file would drop the POSIX locks SQLite holds on it in this process. The
 * kernel drops the lock with the process, so a killed writer leaves none;
 * the file is removed by the writer that holds it, and a writer that locked
 * a file just removed tries again with the new one. */
static int
take_lock (TfProject  *p,
           GError    **error)
{
  g_autofree char *lock_path = g_strconcat (p->path, "-lock", NULL);

  for (int attempt = 0; attempt < 8; attempt++)
    {
      struct stat held, named;
      int fd = g_open (lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0666), saved;

      if (fd < 0)
        {
          saved = errno;
          g_set_error (error, TF_PROJECT_ERROR, TF_PROJECT_ERROR_IO,
                       _("%s: cannot create its lock file: %s"), p->display, g_strerror (saved));
          return -1;
        }
      if (flock (fd, LOCK_EX | LOCK_NB) != 0)
        {
          saved = errno;
          close (fd);
          if (saved == EWOULDBLOCK)
            g_set_error (error, TF_PROJECT_ERROR, TF_PROJECT_ERROR_BUSY,
                         _("%s: in use by another program; close it there first"), p->display);
          else
            g_set_error (error, TF_PROJECT_ERROR, TF_PROJECT_ERROR_IO,
                         _("%s: cannot lock the project: %s"), p->display, g_strerror (saved));
          return -1;
        }
      if (fstat (fd, &held) == 0 && g_stat (lock_path, &named) == 0 &&
          held.st_dev == named.st_dev && held.st_ino == named.st_ino)
        return fd;
      close (fd);
    }
  g_set_error (error, TF_PROJECT_ERROR, TF_PROJECT_ERROR_BUSY,
               _("%s: in use by another program; close it there first"), p->display);
  return -1;
}

static void
release_lock (TfProject *p)
{
  g_autofree char *lock_path = NULL;

  if (p->lock_fd < 0)
    return;
  lock_path = g_strconcat (p->path, "-lock", NULL);
  g_unlink (lock_path);
  close (p->lock_fd);
  p->lock_fd = -1;
}

/* ---- creating, opening, migrating --------------------------------------------- */

static gboolean
pragma_int (sqlite3    *db,
            const char *sql,
            int        *value,
            int        *rc)
{
  sqlite3_stmt *s = NULL;

  *rc = sqlite3_prepare_v2 (db, sql, -1, &s, NULL);
  if (*rc == SQLITE_OK && (*rc = sqlite3_step (s)) == SQLITE_ROW)
    {
      *value = sqlite3_column_int (s, 0);
      *rc = SQLITE_OK;
    }
  sqlite3_finalize (s);
  return *rc == SQLITE_OK;
}

/* Runs the steps from @from to TF_PROJECT_VERSION in one transaction. */
static gboolean
migrate (TfProject  *p,
         GError    **error)
{
  g_autofree char *set_version = g_strdup_printf ("PRAGMA user_version = %d", TF_PROJECT_VERSION);
  int version = 0, rc;

  if (!_tf_project_tx_begin (p, error))
    return FALSE;
  /* read again under the lock: another program may have just done it */
  if (!pragma_int (p->db, "PRAGMA user_version", &version, &rc))
    {
      _tf_project_error (p, rc, error);
      return _tf_project_tx_end (p, FALSE, error);
    }
  for (int v = version; v < TF_PROJECT_VERSION; v++)
    if (!_tf_project_exec (p, migrations[v], error))
      return _tf_project_tx_end (p, FALSE, error);
  if (!_tf_project_exec (p, set_version, error))
    return _tf_project_tx_end (p, FALSE, error);
  return _tf_project_tx_end (p, TRUE, error);
}

void
_tf_project_remove_database (const char *path)
{
  const char *suffixes[] = { "", "-wal", "-shm", "-journal" };

  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *name = g_strconcat (path, suffixes[i], NULL);
      g_unlink (name);
    }
}

static void
stmt_finalize (gpointer stmt)
{
  sqlite3_finalize (stmt);
}

static TfProject *
project_new (const char *path)
{
  TfProject *p = g_new0 (TfProject, 1);

  p->path = g_canonicalize_filename (path, NULL);
  p->dir = g_path_get_dirname (p->path);
  p->display = g_filename_display_name (path);
  p->lock_fd = -1;
  p->stmts = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, stmt_finalize);
  p->classes = g_ptr_array_new_with_free_func (g_free);
  p->run_maps = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, (GDestroyNotify) g_array_unref);
  return p;
}

/* A new name in @dir reaches the disk with the folder's entries. */
void
_tf_project_sync_dir (const char *dir)
{
  int fd = g_open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);

  if (fd >= 0)
    {
      (void) fsync (fd);
      close (fd);
    }
}

/* The schema is written into a temporary file beside @path, which takes
 * the name only when complete: a project file is never half made. */
static gboolean
create_file (const char  *path,
             GError     **error)
{
  g_autoptr(TfProject) p = project_new (path);
  g_autofree char *base = g_path_get_basename (p->path);
  g_autofree char *tmp = g_strdup_printf ("%s/.%s.new-%d-XXXXXX", p->dir, base, (int) getpid ());
  g_autofree char *set_id = g_strdup_printf ("PRAGMA application_id = %d", APPLICATION_ID);
  g_autofree char *wal = NULL;
  int fd, rc, saved;

  if (g_file_test (p->path, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, TF_PROJECT_ERROR, TF_PROJECT_ERROR_EXISTS,
                   _("%s: already exists: choose another name"), p->display);
      return FALSE;
    }
  /* what a creation killed half-way left beside it */
  _tf_project_remove_stale (p->dir, base, ".new-");
  if ((fd = g_mkstemp_full (tmp, O_RDWR | O_CLOEXEC, 0666)) < 0)
    {
      saved = errno;
      g_set_error (error, TF_PROJECT_ERROR, saved == ENOSPC ? TF_PROJECT_ERROR_FULL : TF_PROJECT_ERROR_IO,
                   _("%s: cannot create the project: %s"), p->display, g_strerror (saved));
      return FALSE;
    }
  close (fd);
  rc = sqlite3_open_v2 (tmp, &p->db, SQLITE_OPEN_READWRITE, NULL);
  if (rc == SQLITE_OK)
    {
      sqlite3_extended_result_codes (p->db, 1);
      rc = sqlite3_exec (p->db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL", NULL, NULL, NULL);
    }
  if (rc != SQLITE_OK)
    _tf_project_error (p, rc, error);
  if (rc != SQLITE_OK || !_tf_project_exec (p, set_id, error) || !migrate (p, error))
    {
      sqlite3_close_v2 (p->db);
      p->db = NULL;
      _tf_project_remove_database (tmp);
      return FALSE;
    }
  /* closing checkpoints the WAL into the file and syncs it (with no
   * statement left to keep the connection open) */
  g_hash_table_remove_all (p->stmts);
  rc = sqlite3_close_v2 (p->db);
  p->db = NULL;
  wal = g_strconcat (tmp, "-wal", NULL);
  if (rc != SQLITE_OK || g_file_test (wal, G_FILE_TEST_EXISTS))
    {
      _tf_project_remove_database (tmp);
      g_set_error (error, TF_PROJECT_ERROR, TF_PROJECT_ERROR_IO,
                   _("%s: cannot create the project: %s"), p->display, sqlite3_errstr (rc));
      return FALSE;
    }
  /* link() refuses to replace a file another program made meanwhile */
  if (link (tmp, p->path) != 0)
    {
      saved = errno;
      _tf_project_remove_database (tmp);
      g_set_error (error, TF_PROJECT_ERROR, saved == EEXIST ? TF_PROJECT_ERROR_EXISTS : TF_PROJECT_ERROR_IO,
                   _("%s: cannot create the project: %s"), p->display, g_strerror (saved));
      return FALSE;
    }
  g_unlink (tmp);
  _tf_project_sync_dir (p->dir);
  return TRUE;
}

/* Whether the user may write @path: its folder too (the WAL lives there).
 * A file with every write permission off opens read-only even for root,
 * who could write it: that is what its owner asked. */
static gboolean
may_write (const char     *path,
           const char     *dir,
           const GStatBuf *st)
{
  return (st->st_mode & 0222) != 0 && g_access (path, W_OK) == 0 && g_access (dir, W_OK) == 0;
}

TfProject *
tf_project_open (const char      *path,
                 TfProjectFlags   flags,
                 GError         **error)
{
  g_autoptr(TfProject) p = NULL;
  GStatBuf st;
  gboolean writable;
  int rc, app_id = 0, version = 0;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if ((flags & TF_PROJECT_CREATE) && !create_file (path, error))
    return NULL;
  p = project_new (path);
  if (g_stat (p->path, &st) != 0)
    {
      int saved = errno;
      g_set_error (error, TF_PROJECT_ERROR, saved == ENOENT ? TF_PROJECT_ERROR_NOT_FOUND : TF_PROJECT_ERROR_IO,
                   "%s: %s", p->display, g_strerror (saved));
      return NULL;
    }
  if (!S_ISREG (st.st_mode))
    {
      g_set_error (error, TF_PROJECT_ERROR, TF_PROJECT_ERROR_NOT_PROJECT,
                   _("%s: not a TransFER project (not a file)"), p->display);
      return NULL;
    }
  writable = may_write (p->path, p->dir, &st);
  p->read_only = (flags & TF_PROJECT_READ_ONLY) || !writable;
  if (!p->read_only && (p->lock_fd = take_lock (p, error)) < 0)
    return NULL;

  /* nothing below writes until the file is known to be a project of a
   * version this program reads: a refused file is left as it was. A reader
   * of a file it could write opens it read-write with query_only, so that
   * the last one to close removes the WAL files as a writer does. */
  rc = sqlite3_open_v2 (p->path, &p->db, writable ? SQLITE_OPEN_READWRITE : SQLITE_OPEN_READONLY, NULL);
  if (rc == SQLITE_OK)
    {
      sqlite3_extended_result_codes (p->db, 1);
      sqlite3_busy_timeout (p->db, BUSY_TIMEOUT_MS);
      if (p->read_only)
        rc = sqlite3_exec (p->db, "PRAGMA query_only = ON", NULL, NULL, NULL);
    }
  if (rc != SQLITE_OK || !pragma_int (p->db, "PRAGMA application_id", &app_id, &rc) ||
      !pragma_int (p->db, "PRAGMA user_version", &version, &rc))
    {
      _tf_project_error (p, rc, error);
      return NULL;
    }
  if (app_id != APPLICATION_ID)
    {
      g_set_error (error, TF_PROJECT_ERROR, TF_PROJECT_ERROR_NOT_PROJECT,
                   _("%s: not a TransFER project"), p->display);
      return NULL;
    }
  if (version > TF_PROJECT_VERSION)
    {
      g_set_error (error, TF_PROJECT_ERROR, TF_PROJECT_ERROR_TOO_NEW,
                   _("%s: made by a newer version of TransFER Studio (project format %d; this version reads "
                     "up to %d): open it there"), p->display, version, TF_PROJECT_VERSION);
      return NULL;
    }
  if (version < TF_PROJECT_VERSION && p->read_only)
    {
      g_set_error (error, TF_PROJECT_ERROR, TF_PROJECT_ERROR_READ_ONLY,
                   _("%s: made by an older version (project format %d): open it once for writing to "
                     "update it"), p->display, version);
      return NULL;
    }
  /* FULL, not NORMAL: in WAL mode NORMAL survives a killed program but may
   * lose the last commits to a power cut, and a label reported as saved
   * must stay saved. It costs one fsync of the WAL per commit: nothing next
   * to a person's click, and bulk changes are one commit (begin/commit). */
  if (!_tf_project_exec (p, "PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL; PRAGMA temp_store = MEMORY",
                         error))
    return NULL;
  if (version < TF_PROJECT_VERSION && !migrate (p, error))
    return NULL;
  if (!load_classes (p, error))
    return NULL;
  return g_steal_pointer (&p);
}

void
tf_project_close (TfProject *p)
{
  if (p == NULL)
    return;
  if (p->depth > 0 && p->db)
    (void) sqlite3_exec (p->db, "ROLLBACK", NULL, NULL, NULL);
  g_hash_table_destroy (p->stmts);
  g_free (p->annotator_asked);
  g_free (p->annotator_filed);
  sqlite3_close_v2 (p->db);
  release_lock (p);
  g_ptr_array_unref (p->classes);
  g_hash_table_destroy (p->run_maps);
  g_free (p->path);
  g_free (p->dir);
  g_free (p->display);
  g_free (p);
}

const char *
tf_project_get_path (TfProject *p)
{
  g_return_val_if_fail (p != NULL, NULL);
  return p->path;
}

gboolean
tf_project_is_read_only (TfProject *p)
{
  g_return_val_if_fail (p != NULL, TRUE);
  return p->read_only;
}

/* ---- settings and classes ------------------------------------------------------- */

char *
tf_project_get_setting (TfProject  *p,
                        const char *key)
{
  g_autoptr(TfProjectStmt) s = NULL;

  g_return_val_if_fail (p != NULL && key != NULL, NULL);
  if (!(s = _tf_project_stmt (p, "SELECT value FROM settings WHERE key = ?", NULL)))
    return NULL;
  sqlite3_bind_text (s, 1, key, -1, SQLITE_TRANSIENT);
  return sqlite3_step (s) == SQLITE_ROW ? g_strdup ((const char *) sqlite3_column_text (s, 0)) : NULL;
}

gboolean
tf_project_set_setting (TfProject   *p,
                        const char  *key,
                        const char  *value,
                        GError     **error)
{
  TfProjectStmt *s;
  gboolean ok;

  g_return_val_if_fail (p != NULL && key != NULL && value != NULL, FALSE);
  if (!_tf_project_tx_begin (p, error))
    return FALSE;
  ok = (s = _tf_project_stmt (p, "INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)", error)) != NULL;
  if (ok)
    {
      sqlite3_bind_text (s, 1, key, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (s, 2, value, -1, SQLITE_TRANSIENT);
      ok = _tf_project_step (p, s, error);
    }
  return _tf_project_tx_end (p, ok, error);
}

char **
tf_project_get_classes (TfProject *p)
{
  GStrvBuilder *b = g_strv_builder_new ();
  char **names;

  for (guint i = 0; p && i < p->classes->len; i++)
    g_strv_builder_add (b, p->classes->pdata[i]);
  names = g_strv_builder_end (b);
  g_strv_builder_unref (b);
  return names;
}

int
tf_project_get_n_classes (TfProject *p)
{
  g_return_val_if_fail (p != NULL, 0);
  return (int) p->classes->len;
}

int
_tf_project_find_class (TfProject  *p,
                        const char *name)
{
  for (guint i = 0; i < p->classes->len; i++)
    if (g_str_equal (p->classes->pdata[i], name))
      return (int) i;
  return -1;
}

static gboolean
insert_class (TfProject   *p,
              const char  *name,
              GError     **error)
{
  TfProjectStmt *s = _tf_project_stmt (p, "INSERT INTO classes (id, name) VALUES (?, ?)", error);

  if (s == NULL)
    return FALSE;
  sqlite3_bind_int (s, 1, (int) p->classes->len);
  sqlite3_bind_text (s, 2, name, -1, SQLITE_TRANSIENT);
  if (!_tf_project_step (p, s, error))
    return FALSE;
  g_ptr_array_add (p->classes, g_strdup (name));
  return TRUE;
}

static gboolean
check_class_name (TfProject   *p,
                  const char  *name,
                  GError     **error)
{
  if (*name && g_utf8_validate (name, -1, NULL) && tf_project_find_label (p, name) == TF_LABEL_NONE &&
      strchr (name, '/') == NULL && !g_str_equal (name, ".") && !g_str_equal (name, ".."))
    return TRUE;
  g_set_error (error, TF_PROJECT_ERROR, TF_PROJECT_ERROR_INVALID,
               _("%s: '%s' cannot name a class (empty, not UTF-8, a '/', or a name taken)"), p->display, name);
  return FALSE;
}

gboolean
tf_project_set_classes (TfProject          *p,
                        const char * const *classes,
                        GError            **error)
{
  gboolean ok = TRUE;

  g_return_val_if_fail (p != NULL && classes != NULL, FALSE);
  if (!_tf_project_tx_begin (p, error))
    return FALSE;
  for (guint i = 0; ok && classes[i]; i++)
    if (_tf_project_find_class (p, classes[i]) < 0)
      ok = check_class_name (p, classes[i], error) && insert_class (p, classes[i], error);
  return _tf_project_tx_end (p, ok, error);
}

int
tf_project_add_class (TfProject   *p,
                      const char  *name,
                      GError     **error)
{
  gboolean ok;

  g_return_val_if_fail (p != NULL && name != NULL, -1);
  if (!_tf_project_tx_begin (p, error))
    return -1;
  ok = check_class_name (p, name, error) && insert_class (p, name, error);
  return _tf_project_tx_end (p, ok, error) ? (int) p->classes->len - 1 : -1;
}

/* The special labels' names, also as CSV imports spell them. */
static const struct
{
  int         label;
  const char *names[3];
} special_labels[] = {
  { TF_LABEL_NOT_A_FACE, { "not a face", "not_a_face", "not-a-face" } },
  { TF_LABEL_UNSURE, { "unsure", NULL, NULL } },
};

int
tf_project_find_label (TfProject  *p,
                       const char *name)
{
  int found = -1;

  g_return_val_if_fail (p != NULL && name != NULL, TF_LABEL_NONE);
  if ((found = _tf_project_find_class (p, name)) >= 0)
    return found;
  for (guint i = 0; i < p->classes->len; i++)
    if (g_ascii_strcasecmp (p->classes->pdata[i], name) == 0)
      {
        if (found >= 0)
          return TF_LABEL_NONE;   /* "Happy" and "happy" are both classes */
        found = (int) i;
      }
  if (found >= 0)
    return found;
  for (guint i = 0; i < G_N_ELEMENTS (special_labels); i++)
    for (guint k = 0; k < G_N_ELEMENTS (special_labels[i].names) && special_labels[i].names[k]; k++)
      if (g_ascii_strcasecmp (special_labels[i].names[k], name) == 0)
        return special_labels[i].label;
  return TF_LABEL_NONE;
}

const char *
tf_project_label_name (TfProject *p,
                       int        label)
{
  g_return_val_if_fail (p != NULL, NULL);
  if (label >= 0 && (guint) label < p->classes->len)
    return p->classes->pdata[label];
  for (guint i = 0; i < G_N_ELEMENTS (special_labels); i++)
    if (special_labels[i].label == label)
      return special_labels[i].names[0];
  return NULL;
}
