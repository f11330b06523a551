/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tf-atomic-file.h"
#include "tf-error.h"

/* Temporary files are named .TARGET.tmp-PID-XXXXXX beside the target: the
 * dot keeps them out of listings, the process id says whether their writer
 * still runs. */
#define TEMP_INFIX ".tmp-"

struct _TfAtomicFile
{
  char    *path;       /* the target */
  char    *tmp_path;
  char    *display;    /* the target's name for messages (UTF-8) */
  int      fd;         /* -1 once closed */
  int      slot;       /* in the signal-cleanup registry, -1 when not */
  int      failed;     /* errno of the first failed write, 0 */
  gboolean done;       /* committed or given up */
};

/* ---- what a signal handler may remove ------------------------------------- */

#define N_SLOTS 64

/* Written under slots_lock; read by the signal handler, which only calls
 * unlink() (async-signal-safe) on what it finds. */
static char *volatile slots[N_SLOTS];
static GMutex slots_lock;

static int
register_temp (const char *tmp_path)
{
  int slot = -1;

  g_mutex_lock (&slots_lock);
  for (int i = 0; i < N_SLOTS; i++)
    if (slots[i] == NULL)
      {
        slots[i] = g_strdup (tmp_path);
        slot = i;
        break;
      }
  g_mutex_unlock (&slots_lock);
  return slot;
}

static void
unregister_temp (int slot)
{
  char *path;

  if (slot < 0)
    return;
  g_mutex_lock (&slots_lock);
  path = slots[slot];
  slots[slot] = NULL;
  g_mutex_unlock (&slots_lock);
  g_free (path);
}

static void
on_fatal_signal (int sig)
{
  int saved_errno = errno;

  for (int i = 0; i < N_SLOTS; i++)
    {
      char *path = slots[i];
      if (path != NULL)
        unlink (path);
    }
  errno = saved_errno;
  /* die of the signal, as the shell expects */
  signal (sig, SIG_DFL);
  raise (sig);
}

void
tf_atomic_file_install_signal_cleanup (void)
{
  static const int signals[] = { SIGINT, SIGTERM, SIGHUP, SIGPIPE };
  struct sigaction sa;

  memset (&sa, 0, sizeof sa);
  sa.sa_handler = on_fatal_signal;
  sigemptyset (&sa.sa_mask);
  sa.sa_flags = SA_RESETHAND;
  for (guint i = 0; i < G_N_ELEMENTS (signals); i++)
    {
      struct sigaction old;

      /* a signal the caller ignores (nohup) stays ignored */
      if (sigaction (signals[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN)
        continue;
      sigaction (signals[i], &sa, NULL);
    }
}

/* ---- helpers ------------------------------------------------------------- */

static void
set_io_error (GError    **error,
              const char *display,
              int         err)
{
  g_set_error (error, TF_ERROR, TF_ERROR_IO, "Could not write '%s': %s", display, g_strerror (err));
}

/* Removes the temporary files of @path whose writing process is gone. */
static void
remove_stale_temps (const char *dir,
                    const char *base)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  g_autofree char *prefix = g_strconcat (".", base, TEMP_INFIX, NULL);
  const char *name;

  if (d == NULL)
    return;
  while ((name = g_dir_read_name (d)) != NULL)
    {
      const char *p;
      char *end = NULL;
      gint64 pid;

      if (!g_str_has_prefix (name, prefix))
        continue;
      p = name + strlen (prefix);
      pid = g_ascii_strtoll (p, &end, 10);
      if (end == p || *end != '-' || pid <= 0 || pid > G_MAXINT)
        continue;
      if (pid == getpid () || kill ((pid_t) pid, 0) == 0 || errno != ESRCH)
        continue;
      {
        g_autofree char *stale = g_build_filename (dir, name, NULL);
        g_unlink (stale);
      }
    }
}

static gboolean
write_all (int           fd,
           const guint8 *buf,
           gsize         len,
           int          *err)
{
  while (len > 0)
    {
      gssize n = write (fd, buf, MIN (len, (gsize) 1 << 30));

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          *err = n == 0 ? ENOSPC : errno;
          return FALSE;
        }
      buf += n;
      len -= (gsize) n;
    }
  return TRUE;
}

static void
discard (TfAtomicFile *file)
{
  if (file->fd >= 0)
    {
      close (file->fd);
      file->fd = -1;
    }
  if (!file->done)
    g_unlink (file->tmp_path);
  unregister_temp (file->slot);
  file->slot = -1;
  file->done = TRUE;
}

/* ---- public API ---------------------------------------------------------- */

gboolean
tf_atomic_file_check_writable (const char  *path,
                               GError     **error)
{
  g_autofree char *display = NULL;
  g_autofree char *dir = NULL;
  struct stat st;

  g_return_val_if_fail (path != NULL && *path != '\0', FALSE);

  display = g_filename_display_name (path);
  if (g_stat (path, &st) == 0 && S_ISDIR (st.st_mode))
    {
      g_set_error (error, TF_ERROR, TF_ERROR_IO, "Could not write '%s': it is a folder", display);
      return FALSE;
    }
  dir = g_path_get_dirname (path);
  if (g_stat (dir, &st) != 0)
    {
      set_io_error (error, display, errno);
      return FALSE;
    }
  if (!S_ISDIR (st.st_mode))
    {
      set_io_error (error, display, ENOTDIR);
      return FALSE;
    }
  /* the temporary file is made in the folder, so the folder must be writable
   * even when the target itself is */
  if (access (dir, W_OK | X_OK) != 0)
    {
      set_io_error (error, display, errno);
      return FALSE;
    }
  return TRUE;
}

TfAtomicFile *
tf_atomic_file_new (const char  *path,
                    GError     **error)
{
  g_autoptr(TfAtomicFile) file = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *base = NULL;
  g_autofree char *name = NULL;
  struct stat st;

  g_return_val_if_fail (path != NULL && *path != '\0', NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!tf_atomic_file_check_writable (path, error))
    return NULL;
  file = g_new0 (TfAtomicFile, 1);
  file->fd = -1;
  file->slot = -1;
  file->path = g_strdup (path);
  file->display = g_filename_display_name (path);
  dir = g_path_get_dirname (path);
  base = g_path_get_basename (path);
  remove_stale_temps (dir, base);

  name = g_strdup_printf (".%s" TEMP_INFIX "%d-XXXXXX", base, (int) getpid ());
  file->tmp_path = g_build_filename (dir, name, NULL);
  /* 0666 less the umask, as any new file; the target's own mode when it
   * exists (set before the first byte, so the data are never more exposed) */
  file->fd = g_mkstemp_full (file->tmp_path, O_WRONLY | O_CLOEXEC, 0666);
  if (file->fd < 0)
    {
      int err = errno;
      file->done = TRUE;   /* nothing to remove */
      set_io_error (error, file->display, err);
      return NULL;
    }
  file->slot = register_temp (file->tmp_path);
  if (g_stat (path, &st) == 0 && S_ISREG (st.st_mode) && fchmod (file->fd, st.st_mode & 07777) != 0)
    {
      set_io_error (error, file->display, errno);
      return NULL;
    }
  return g_steal_pointer (&file);
}

gboolean
tf_atomic_file_write (TfAtomicFile  *file,
                      const void    *data,
                      gsize          len,
                      GError       **error)
{
  g_return_val_if_fail (file != NULL, FALSE);
  g_return_val_if_fail (data != NULL || len == 0, FALSE);

  if (file->done)
    {
      set_io_error (error, file->display, file->failed ? file->failed : EBADF);
      return FALSE;
    }
  if (file->failed == 0)
    write_all (file->fd, data, len, &file->failed);
  if (file->failed != 0)
    {
      set_io_error (error, file->display, file->failed);
      return FALSE;
    }
  return TRUE;
}

gboolean
tf_atomic_file_commit (TfAtomicFile  *file,
                       GError       **error)
{
  g_autofree char *dir = NULL;
  int err = 0;
  int fd;

  g_return_val_if_fail (file != NULL, FALSE);

  if (file->done)
    err = file->failed ? file->failed : EBADF;
  else if (file->failed)
    err = file->failed;
  /* without fsync a crash soon after rename() can leave an empty file */
  else if (fsync (file->fd) != 0)
    err = errno;
  if (file->fd >= 0)
    {
      if (close (file->fd) != 0 && err == 0)
        err = errno;
      file->fd = -1;
    }
  if (err == 0 && g_rename (file->tmp_path, file->path) != 0)
    err = errno;
  if (err != 0)
    {
      discard (file);
      set_io_error (error, file->display, err);
      return FALSE;
    }
  unregister_temp (file->slot);
  file->slot = -1;
  file->done = TRUE;

  /* makes the rename itself durable; failing here loses nothing already
   * written, so it is not an error */
  dir = g_path_get_dirname (file->path);
  fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0)
    {
      (void) fsync (fd);
      close (fd);
    }
  return TRUE;
}

void
tf_atomic_file_free (TfAtomicFile *file)
{
  if (file == NULL)
    return;
  discard (file);
  g_free (file->path);
  g_free (file->tmp_path);
  g_free (file->display);
  g_free (file);
}

gboolean
tf_atomic_file_set_contents (const char  *path,
                             const void  *data,
                             gsize        len,
                             GError     **error)
{
  g_autoptr(TfAtomicFile) file = tf_atomic_file_new (path, error);

  return file != NULL && tf_atomic_file_write (file, data, len, error) && tf_atomic_file_commit (file, error);
}
