/* SPDX-License-Identifier: GPL-3.0-or-later */
/* `transfer-cli project import` killed with SIGKILL at random moments, over
 * and over: each time the project must pass `project check` and hold all
 * of the import that was running or none of it. */
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tf-project.h"
#include "tf-test-util.h"

#define N_MEDIA    30
#define PER_MEDIA  100
#define N_FACES    (N_MEDIA * PER_MEDIA)
/* Under AddressSanitizer every run of the program is ten times slower: the
 * sanitizer build checks memory on fewer kills, the plain one counts. */
#ifdef TF_TEST_ASAN
#  define N_KILLS  15
#else
#  define N_KILLS  60
#endif

static char *cli;
static char *tmpdir;

static char *
tmp_path (const char *name)
{
  return g_build_filename (tmpdir, name, NULL);
}

/* A project of N_FACES faces with small crops and predictions, through the
 * library (an analysis would take minutes). */
static void
make_project (const char *path)
{
  const char *const classes[] = { "a", "b", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(TfProject) p = tf_project_open (path, TF_PROJECT_CREATE, &error);
  guint8 crop[3 * 8 * 8] = { 0 };
  gint64 run;

  g_assert_no_error (error);
  run = tf_project_add_run (p, NULL, classes, NULL, &error);
  g_assert_true (tf_project_begin (p, &error));
  for (int m = 0; m < N_MEDIA; m++)
    {
      g_autofree char *file = g_strdup_printf ("%s/m%02d.png", tmpdir, m);
      g_autofree char *content = g_strdup_printf ("media %d", m);
      gint64 media;

      g_assert_true (g_file_set_contents (file, content, -1, NULL));
      media = tf_project_add_media (p, file, TF_MEDIA_IMAGE, 64, 64, 0, &error);
      g_assert_no_error (error);
      for (int f = 0; f < PER_MEDIA; f++)
        {
          TfProjectNewFace nf = { .media = media, .run = run, .frame = f / 4, .index = f % 4,
                                  .det = { .x = f, .y = f, .w = 8, .h = 8, .score = 0.9f }, .crop = crop, .crop_size = 8 };
          float probs[2] = { 0.3f + 0.004f * f, 0.7f - 0.004f * f };
          gint64 face = tf_project_add_face (p, &nf, &error);

          g_assert_no_error (error);
          g_assert_true (tf_project_add_prediction (p, face, run, probs, 2, &error));
        }
    }
  g_assert_true (tf_project_commit (p, &error));
  g_assert_no_error (error);
}

/* Every face labelled @label. */
static char *
make_csv (const char *name,
          const char *label)
{
  g_autoptr(GString) csv = g_string_new ("file,frame,face,label\n");
  char *path = tmp_path (name);

  for (int m = 0; m < N_MEDIA; m++)
    for (int f = 0; f < PER_MEDIA; f++)
      g_string_append_printf (csv, "m%02d.png,%d,%d,%s\n", m, f / 4, f % 4, label);
  g_assert_true (g_file_set_contents (path, csv->str, (gssize) csv->len, NULL));
  return path;
}

static GPid
spawn (const char *const *args,
       gboolean           quiet)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  GPid pid;

  g_ptr_array_add (argv, cli);
  for (guint i = 0; args[i]; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  g_spawn_async (NULL, (char **) argv->pdata, NULL,
                 G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL | (quiet ? G_SPAWN_STDERR_TO_DEV_NULL : 0),
                 NULL, NULL, &pid, &error);
  g_assert_no_error (error);
  return pid;
}

/* The exit status, or -signal. */
static int
reap (GPid pid)
{
  int status;

  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  return WIFSIGNALED (status) ? -WTERMSIG (status) : WEXITSTATUS (status);
}

/* Which import the project holds: 0 (all a), 1 (all b); fails when mixed. */
static int
holds (const char *path,
       gint64     *history)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TfProject) p = tf_project_open (path, TF_PROJECT_READ_ONLY, &error);
  g_autoptr(TfProjectStats) st = NULL;
  g_autoptr(GPtrArray) first = NULL, last = NULL;

  g_assert_no_error (error);
  st = tf_project_get_stats (p, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpint (st->faces, ==, N_FACES);
  g_assert_cmpint (st->labelled, ==, N_FACES);
  g_assert_true (st->label_counts[0] == N_FACES || st->label_counts[1] == N_FACES);
  /* each import leaves one change per face */
  first = tf_project_get_label_history (p, 1, &error);
  last = tf_project_get_label_history (p, N_FACES, &error);
  g_assert_cmpuint (first->len, ==, last->len);
  *history = first->len;
  return st->label_counts[0] == N_FACES ? 0 : 1;
}

static void
test_kill_import (void)
{
  g_autofree char *project = tmp_path ("kill.tfproj");
  g_autofree char *csv_a = make_csv ("a.csv", "a");
  g_autofree char *csv_b = make_csv ("b.csv", "b");
  const char *csv[2] = { csv_a, csv_b };
  gint64 t0, full_us, history = 0, expected_history = 1;
  int state, died_before = 0, died_after = 0, finished = 0;

  make_project (project);
  {
    const char *const args[] = { "project", "import", project, "--labels", csv[0], NULL };
    t0 = g_get_monotonic_time ();
    g_assert_cmpint (reap (spawn (args, FALSE)), ==, 0);
    full_us = g_get_monotonic_time () - t0;
  }
  g_test_message ("an import of %d labels takes %.0f ms", N_FACES, full_us / 1e3);
  state = holds (project, &history);
  g_assert_cmpint (state, ==, 0);
  g_assert_cmpint (history, ==, 1);

  for (int k = 0; k < N_KILLS; k++)
    {
      const char *const args[] = { "project", "import", project, "--labels", csv[!state], NULL };
      const char *const check[] = { "project", "check", project, NULL };
      GPid pid = spawn (args, TRUE);
      int status, now;

      /* anywhere from the start to the usual end */
      g_usleep (g_test_rand_int_range (0, (gint32) MIN (full_us, G_MAXINT32)));
      kill (pid, SIGKILL);
      status = reap (pid);
      g_assert_cmpint (reap (spawn (check, TRUE)), ==, 0);
      now = holds (project, &history);
      if (status == 0)
        {
          finished++;
          g_assert_cmpint (now, !=, state);
        }
      else if (now == state)
        died_before++;
      else
        died_after++;
      expected_history += now != state;
      g_assert_cmpint (history, ==, expected_history);
      state = now;
    }
  g_test_message ("%d kills: %d left the project as it was, %d after the commit, %d imports had finished", N_KILLS,
                  died_before, died_after, finished);
  g_assert_cmpint (died_before + died_after + finished, ==, N_KILLS);
}

int
main (int    argc,
      char **argv)
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  cli = g_strdup (g_getenv ("TRANSFER_CLI"));
  if (cli == NULL)
    cli = g_test_build_filename (G_TEST_BUILT, "..", "app", "cli", "transfer-cli", NULL);
  tmpdir = g_dir_make_tmp ("tf-test-project-kill-XXXXXX", NULL);
  g_test_add_func ("/project-kill/import", test_kill_import);
  ret = g_test_run ();
  tf_test_remove_tmpdir (tmpdir);
  g_free (cli);
  return ret;
}
