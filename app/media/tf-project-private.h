/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What the files of TfProject share: tf-project.c (the file, its schema and
 * lock, transactions, settings, classes), tf-project-media.c (media, runs,
 * relinking, the check), tf-project-faces.c (faces, predictions, labels and
 * their history, the queries) and tf-project-io.c (import and export). */
#pragma once

#include <sqlite3.h>

#include "tf-project.h"

G_BEGIN_DECLS

struct _TfProject
{
  sqlite3    *db;
  char       *path;       /* absolute */
  char       *dir;        /* its folder: media paths are relative to it */
  char       *display;    /* for messages */
  gboolean    read_only;
  int         lock_fd;    /* holds the writer's lock; -1 when read-only */
  GHashTable *stmts;      /* SQL text (a static string) -> prepared statement */
  GPtrArray  *classes;    /* names, by id */
  GHashTable *run_maps;   /* run id -> GArray of int: run class -> project class */
  int         depth;      /* transactions open (the outer one and savepoints) */
  gboolean    aborted;    /* SQLite rolled the outer transaction back on an error */
  gint64      action;     /* the undo step of the open outer transaction; 0: none yet */
  char       *annotator_asked, *annotator_filed;  /* the last tf_project_annotator_name */
};

/* A cached statement: g_autoptr(TfProjectStmt) resets it at the end of the
 * scope (it stays prepared, and no read transaction is left open). */
typedef sqlite3_stmt TfProjectStmt;
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TfProjectStmt, sqlite3_reset)

/* @sql must be a string that lives as long as the project (a literal). */
TfProjectStmt *_tf_project_stmt     (TfProject      *project,
                                     const char     *sql,
                                     GError        **error);
gboolean       _tf_project_exec     (TfProject      *project,
                                     const char     *sql,
                                     GError        **error);
/* Steps a statement that returns no row. */
gboolean       _tf_project_step     (TfProject      *project,
                                     sqlite3_stmt   *stmt,
                                     GError        **error);
/* @error from SQLite's result code @rc, naming the project. */
void           _tf_project_error    (TfProject      *project,
                                     int             rc,
                                     GError        **error);
gboolean       _tf_project_writable (TfProject      *project,
                                     GError        **error);

/* A transaction, or a savepoint inside one. _tf_project_tx_end commits when
 * @ok (setting @error when that fails), else rolls back (leaving @error as
 * the caller set it); it returns whether the work was saved. */
gboolean       _tf_project_tx_begin (TfProject      *project,
                                     GError        **error);
gboolean       _tf_project_tx_end   (TfProject      *project,
                                     gboolean        ok,
                                     GError        **error);

/* Removes a SQLite file and its -wal, -shm and -journal. */
void           _tf_project_remove_database (const char *path);
/* fsync() of a folder: the names made in it reach the disk. */
void           _tf_project_sync_dir (const char     *dir);

/* @file relative to the project's folder ("../x" when outside). */
char          *_tf_project_relative (TfProject      *project,
                                     const char     *file);
/* The sha256 of @path's content (hex) and its size. */
char          *_tf_project_hash_file (const char    *path,
                                      gint64        *size,
                                      GError       **error);
/* The id of the class named exactly @name, or -1. */
int            _tf_project_find_class (TfProject    *project,
                                       const char   *name);
/* The run's class -> project class map; NULL with @error for an unknown run. */
GArray        *_tf_project_run_map  (TfProject      *project,
                                     gint64          run,
                                     GError        **error);
gint64         _tf_project_resolve_run (TfProject   *project,
                                        gint64       run);
/* Sets a label inside an open transaction, recording the change. */
gboolean       _tf_project_put_label (TfProject     *project,
                                      gint64         face,
                                      int            label,
                                      TfLabelSource  source,
                                      const char    *annotator,
                                      const char    *note,
                                      GError       **error);
/* Writes @face's row of labels from its votes (the final one, else the
 * majority, else none on a tie), inside an open transaction; the merge
 * (tf-project-merge.c) resolves each merged face with it. */
gboolean       _tf_project_resolve_label (TfProject  *project,
                                          gint64      face,
                                          GError    **error);

/* tf_project_save_copy; without @sync the copy is not forced to the disk
 * (the merge, which syncs the file it becomes once, at the end). */
gboolean       _tf_project_save_copy (TfProject *project,
                                      const char *path,
                                      gboolean   sync,
                                      GError   **error);

/* Little-endian float32 arrays, as BLOBs hold them. */
void           _tf_project_floats_to_le   (const float  *in,
                                           int           n,
                                           guint8       *out);
void           _tf_project_floats_from_le (const guint8 *in,
                                           int           n,
                                           float        *out);

/* Removes the temporary files ".BASE" INFIX "PID-XXXXXX" (and their -wal,
 * -shm) in @dir whose writing process is gone: what a kill during a copy or
 * a creation left. */
void        _tf_project_remove_stale (const char *dir,
                                      const char *base,
                                      const char *infix);

G_END_DECLS
