/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The one checked writer: the previous file survives every failure, and no
 * temporary file is left behind. */
#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tf-atomic-file.h"
#include "tf-error.h"

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

/* The names in @dir, sorted, as one string ("a b c"). */
static char *
listing (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  g_autoptr(GPtrArray) names = g_ptr_array_new ();
  const char *name;

  g_assert_nonnull (d);
  while ((name = g_dir_read_name (d)) != NULL)
    g_ptr_array_add (names, (gpointer) name);
  g_ptr_array_sort (names, compare_names);
  g_ptr_array_add (names, NULL);
  return g_strjoinv (" ", (char **) names->pdata);
}

static char *
read_all (const char *path)
{
  char *text = NULL;

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  return text;
}

static void
test_write_commit (void)
{
  g_autofree char *dir = g_dir_make_tmp ("tf-atomic-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "out.csv", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL, *names = NULL;
  g_autoptr(TfAtomicFile) file = NULL;
  mode_t mask = umask (022);
  struct stat st;

  umask (mask);
  g_assert_true (tf_atomic_file_set_contents (path, "first\n", 6, &error));
  g_assert_no_error (error);
  text = read_all (path);
  g_assert_cmpstr (text, ==, "first\n");
  /* a new file gets what the umask gives any new file */
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0666 & ~mask);

  /* an existing file keeps its mode */
  g_assert_cmpint (g_chmod (path, 0640), ==, 0);
  file = tf_atomic_file_new (path, &error);
  g_assert_no_error (error);
  g_assert_true (tf_atomic_file_write (file, "second", 6, &error));
  g_assert_true (tf_atomic_file_write (file, "\n", 1, &error));
  /* until the commit the old file is what a reader sees */
  g_clear_pointer (&text, g_free);
  text = read_all (path);
  g_assert_cmpstr (text, ==, "first\n");
  g_assert_true (tf_atomic_file_commit (file, &error));
  g_assert_no_error (error);
  g_clear_pointer (&text, g_free);
  text = read_all (path);
  g_assert_cmpstr (text, ==, "second\n");
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0640);
  names = listing (dir);
  g_assert_cmpstr (names, ==, "out.csv");

  g_unlink (path);
  g_rmdir (dir);
}

static void
test_abandon (void)
{
  g_autofree char *dir = g_dir_make_tmp ("tf-atomic-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "model.safetensors", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL, *names = NULL;
  TfAtomicFile *file;

  g_assert_true (tf_atomic_file_set_contents (path, "old", 3, &error));
  file = tf_atomic_file_new (path, &error);
  g_assert_no_error (error);
  g_assert_true (tf_atomic_file_write (file, "new data, never committed", 25, &error));
  g_clear_pointer (&names, g_free);
  names = listing (dir);
  g_assert_nonnull (strstr (names, ".model.safetensors.tmp-"));
  tf_atomic_file_free (file);
  g_clear_pointer (&names, g_free);
  names = listing (dir);
  g_assert_cmpstr (names, ==, "model.safetensors");
  text = read_all (path);
  g_assert_cmpstr (text, ==, "old");

  g_unlink (path);
  g_rmdir (dir);
}

static void
test_unwritable (void)
{
  g_autofree char *dir = g_dir_make_tmp ("tf-atomic-XXXXXX", NULL);
  g_autofree char *missing = g_build_filename (dir, "no-such-folder", "out.csv", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(TfAtomicFile) file = NULL;

  file = tf_atomic_file_new (missing, &error);
  g_assert_null (file);
  g_assert_error (error, TF_ERROR, TF_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "out.csv"));
  g_clear_error (&error);

  /* a folder is no file to replace */
  g_assert_false (tf_atomic_file_check_writable (dir, &error));
  g_assert_error (error, TF_ERROR, TF_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "folder"));
  g_clear_error (&error);

  g_assert_false (tf_atomic_file_check_writable (missing, NULL));
  g_rmdir (dir);
}

/* A process id that does not run: a child that has exited and been reaped. */
static pid_t
dead_pid (void)
{
  pid_t pid = fork ();
  int status;

  g_assert_cmpint (pid, >=, 0);
  if (pid == 0)
    _exit (0);
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  return pid;
}

static void
test_stale_temps (void)
{
  g_autofree char *dir = g_dir_make_tmp ("tf-atomic-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "ckpt.safetensors", NULL);
  g_autofree char *stale_name = g_strdup_printf (".ckpt.safetensors.tmp-%d-AbCdEf", (int) dead_pid ());
  g_autofree char *live_name = g_strdup_printf (".ckpt.safetensors.tmp-%d-GhIjKl", (int) getppid ());
  g_autofree char *other_name = g_strdup_printf (".other.tmp-%d-AbCdEf", (int) dead_pid ());
  g_autofree char *stale = g_build_filename (dir, stale_name, NULL);
  g_autofree char *live = g_build_filename (dir, live_name, NULL);
  g_autofree char *other = g_build_filename (dir, other_name, NULL);
  g_autoptr(GError) error = NULL;

  g_assert_true (g_file_set_contents (stale, "killed mid-write", -1, NULL));
  g_assert_true (g_file_set_contents (live, "still being written", -1, NULL));
  g_assert_true (g_file_set_contents (other, "another target's", -1, NULL));
  g_assert_true (tf_atomic_file_set_contents (path, "x", 1, &error));
  g_assert_no_error (error);
  /* the dead writer's temporary file of this target went; the others stay */
  g_assert_false (g_file_test (stale, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (live, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (other, G_FILE_TEST_EXISTS));

  g_unlink (live);
  g_unlink (other);
  g_unlink (path);
  g_rmdir (dir);
}

static void
test_signal_cleanup (void)
{
  g_autofree char *dir = g_dir_make_tmp ("tf-atomic-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "out.csv", NULL);
  g_autofree char *names = NULL, *text = NULL;
  int pipefd[2];
  pid_t pid;
  int status;
  char c;

  g_assert_true (g_file_set_contents (path, "kept", -1, NULL));
  g_assert_cmpint (pipe (pipefd), ==, 0);
  pid = fork ();
  g_assert_cmpint (pid, >=, 0);
  if (pid == 0)
    {
      TfAtomicFile *file;

      tf_atomic_file_install_signal_cleanup ();
      file = tf_atomic_file_new (path, NULL);
      if (file == NULL || !tf_atomic_file_write (file, "partial", 7, NULL))
        _exit (3);
      (void) !write (pipefd[1], "w", 1);
      for (;;)
        pause ();
    }
  close (pipefd[1]);
  g_assert_cmpint (read (pipefd[0], &c, 1), ==, 1);
  close (pipefd[0]);
  names = listing (dir);
  g_assert_nonnull (strstr (names, ".out.csv.tmp-"));
  g_assert_cmpint (kill (pid, SIGTERM), ==, 0);
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  /* it died of the signal, as before, and took its temporary file along */
  g_assert_true (WIFSIGNALED (status));
  g_assert_cmpint (WTERMSIG (status), ==, SIGTERM);
  g_clear_pointer (&names, g_free);
  names = listing (dir);
  g_assert_cmpstr (names, ==, "out.csv");
  text = read_all (path);
  g_assert_cmpstr (text, ==, "kept");

  g_unlink (path);
  g_rmdir (dir);
}

/* A real full disk: a 256 KiB tmpfs (needs root; skipped elsewhere). */
static void
test_full_disk (void)
{
  g_autofree char *dir = g_dir_make_tmp ("tf-atomic-full-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "out.bin", NULL);
  g_autofree char *names = NULL, *text = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(TfAtomicFile) file = NULL;
  g_autofree char *block = g_malloc0 (64 * 1024);
  gboolean failed = FALSE;

  if (mount ("tmpfs", dir, "tmpfs", 0, "size=256k") != 0)
    {
      g_test_skip_printf ("cannot mount a small tmpfs here: %s", g_strerror (errno));
      g_rmdir (dir);
      return;
    }
  g_assert_true (tf_atomic_file_set_contents (path, "the previous results", 20, &error));
  g_assert_no_error (error);
  file = tf_atomic_file_new (path, &error);
  g_assert_no_error (error);
  for (int i = 0; i < 16 && !failed; i++)
    failed = !tf_atomic_file_write (file, block, 64 * 1024, &error);
  g_assert_true (failed);
  g_assert_error (error, TF_ERROR, TF_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "out.bin"));
  g_assert_nonnull (strstr (error->message, g_strerror (ENOSPC)));
  g_clear_error (&error);
  /* writing on after a failure fails again, and so does the commit */
  g_assert_false (tf_atomic_file_write (file, "x", 1, &error));
  g_clear_error (&error);
  g_assert_false (tf_atomic_file_commit (file, &error));
  g_assert_error (error, TF_ERROR, TF_ERROR_IO);
  text = read_all (path);
  g_assert_cmpstr (text, ==, "the previous results");
  names = listing (dir);
  g_assert_cmpstr (names, ==, "out.bin");

  g_assert_cmpint (umount (dir), ==, 0);
  g_rmdir (dir);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/atomic-file/write-commit", test_write_commit);
  g_test_add_func ("/atomic-file/abandon", test_abandon);
  g_test_add_func ("/atomic-file/unwritable", test_unwritable);
  g_test_add_func ("/atomic-file/stale-temps", test_stale_temps);
  g_test_add_func ("/atomic-file/signal-cleanup", test_signal_cleanup);
  g_test_add_func ("/atomic-file/full-disk", test_full_disk);
  return g_test_run ();
}
