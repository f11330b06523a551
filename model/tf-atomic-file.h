/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The one checked writer for every file the programs write: model files,
 * checkpoints, analysis outputs, exports. The data go to a temporary file
 * beside the target; every write is checked; commit flushes it to the disk
 * and renames it over the target. Whatever fails (a full disk, a folder that
 * cannot be written, a signal), the previous file stays as it was and no
 * temporary file is left behind. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _TfAtomicFile TfAtomicFile;

/* Starts writing @path: creates the temporary file beside it, with the
 * target's permissions when it exists (else those the umask gives a new
 * file). Temporary files of the same target left by a process that no
 * longer runs (killed with SIGKILL) are removed first. The error names the
 * file and says why it cannot be written. */
TfAtomicFile *tf_atomic_file_new    (const char    *path,
                                     GError       **error);
/* Appends @len bytes. Fails (and keeps failing) once a write failed. */
gboolean      tf_atomic_file_write  (TfAtomicFile  *file,
                                     const void    *data,
                                     gsize          len,
                                     GError       **error);
/* Flushes the data to the disk and replaces the target with them. On
 * failure the target is untouched and the temporary file removed. The
 * file is finished either way; free it after. */
gboolean      tf_atomic_file_commit (TfAtomicFile  *file,
                                     GError       **error);
/* Frees @file; an uncommitted temporary file is removed. */
void          tf_atomic_file_free   (TfAtomicFile  *file);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TfAtomicFile, tf_atomic_file_free)

/* The whole of @data to @path, atomically. */
gboolean      tf_atomic_file_set_contents (const char  *path,
                                           const void  *data,
                                           gsize        len,
                                           GError     **error);

/* Whether @path could be written now (its folder exists and is writable,
 * and it is not a folder itself), without writing it: for checking a
 * destination before long work. */
gboolean      tf_atomic_file_check_writable (const char  *path,
                                             GError     **error);

/* On SIGINT, SIGTERM, SIGHUP and SIGPIPE, remove the temporary files being
 * written, then die of the signal as before. For programs (the command-line
 * tool); call once, early. */
void          tf_atomic_file_install_signal_cleanup (void);

G_END_DECLS
