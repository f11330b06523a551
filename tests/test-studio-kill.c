/* SPDX-License-Identifier: GPL-3.0-or-later */
/* transfer-studio killed with SIGKILL at random moments, over and over,
 * while keys typed through the X server (XTest) label a face: during the
 * start-up and the first analysis, and between or inside label
 * transactions. After each kill the project must open for writing (the
 * lock died with the program), pass tf_project_check, and hold every label
 * the application acknowledged ("label saved" on its debug log, written
 * after the commit), in order, with at most one more saved label that it
 * had no time to acknowledge. */
#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#ifdef HAVE_XTEST
#include <X11/Xatom.h>
#include <X11/Xlib.h>
#include <X11/Xutil.h>
#include <X11/extensions/XTest.h>
#include <X11/keysym.h>
#endif

#include "tf-project.h"
#include "tf-test-util.h"

/* Under AddressSanitizer every start of the application is several times
 * slower: fewer kills there (as in test-project-kill). */
#ifdef TF_TEST_ASAN
#  define N_KILLS          6
#  define STARTUP_LIMIT_S  180
#else
#  define N_KILLS          30
#  define STARTUP_LIMIT_S  60
#endif
/* the keys 1-8: classes 0-7 */
#define N_KEY_CLASSES   8
#define PROJECT_NAME    "kill"

static char *studio;
static char *tmpdir;
static char *project;
static char *photo;
static char **child_env;

#ifdef HAVE_XTEST

static Display *xdisplay;
static int      x_errors;

/* A window that went away between the search and the key: counted, not fatal. */
static int
on_x_error (Display     *display,
            XErrorEvent *event)
{
  x_errors++;
  return 0;
}

/* One run of the application, from its start to its kill. */
typedef struct
{
  GMainLoop *loop;
  GPid       pid;
  int        out_fd;
  GString   *partial;     /* an unfinished line of output */
  GString   *log;         /* the run's output, for a failure's message */
  gint64     spawned_us;
  gint64     ready_us;    /* 0 until "first face shown" */
  gboolean   early;       /* killed at a random moment of the start-up */
  Window     xwin;
  guint      watch_id, key_id, kill_id, deadline_id;
  GArray    *ack_faces;   /* gint64, in the order acknowledged */
  GArray    *ack_labels;  /* int */
  GArray    *typed;       /* int: the classes of the keys typed, in order */
} Run;

static gboolean
get_cardinal (Window      w,
              Atom        property,
              gulong     *value)
{
  Atom type;
  int format;
  unsigned long n, after;
  unsigned char *data = NULL;
  gboolean ok = FALSE;

  if (XGetWindowProperty (xdisplay, w, property, 0, 1, False, XA_CARDINAL, &type, &format, &n, &after,
                          &data) == Success && data && type == XA_CARDINAL && format == 32 && n == 1)
    {
      *value = *(unsigned long *) data;
      ok = TRUE;
    }
  if (data)
    XFree (data);
  return ok;
}

/* The application's main window: a viewable top-level of its process (by
 * _NET_WM_PID, else by the project's name in its title), not GTK's 1x1
 * leader. None until it is up. */
static Window
find_window (GPid pid)
{
  Atom wm_pid = XInternAtom (xdisplay, "_NET_WM_PID", False);
  Window root = DefaultRootWindow (xdisplay), parent, *children = NULL, found = None;
  unsigned int n = 0;

  if (!XQueryTree (xdisplay, root, &root, &parent, &children, &n))
    return None;
  for (unsigned int i = 0; i < n && found == None; i++)
    {
      XWindowAttributes attr;
      gulong owner = 0;
      char *name = NULL;
      gboolean mine;

      if (!XGetWindowAttributes (xdisplay, children[i], &attr) || attr.map_state != IsViewable || attr.width <= 1)
        continue;
      if (get_cardinal (children[i], wm_pid, &owner))
        mine = owner == (gulong) pid;
      else
        mine = XFetchName (xdisplay, children[i], &name) && name && strstr (name, PROJECT_NAME) != NULL;
      if (name)
        XFree (name);
      if (mine)
        found = children[i];
    }
  if (children)
    XFree (children);
  return found;
}

/* A key 1-8 typed on the keyboard into the application's window. */
static gboolean
type_key (Run *run)
{
  int cls = g_test_rand_int_range (0, N_KEY_CLASSES);
  KeyCode code = XKeysymToKeycode (xdisplay, XK_1 + cls);

  g_assert_cmpuint (code, !=, 0);
  if (run->xwin == None)
    {
      int screen = DefaultScreen (xdisplay);

      if ((run->xwin = find_window (run->pid)) == None)
        return FALSE;
      XWarpPointer (xdisplay, None, DefaultRootWindow (xdisplay), 0, 0, 0, 0,
                    DisplayWidth (xdisplay, screen) / 2, DisplayHeight (xdisplay, screen) / 2);
    }
  /* no window manager under Xvfb: the focus is given by hand */
  XSetInputFocus (xdisplay, run->xwin, RevertToParent, CurrentTime);
  XTestFakeKeyEvent (xdisplay, code, True, CurrentTime);
  XTestFakeKeyEvent (xdisplay, code, False, CurrentTime);
  XSync (xdisplay, False);
  g_array_append_val (run->typed, cls);
  return TRUE;
}

/* ---- the application's output (stdout and stderr) ----------------------------- */

static void
on_line (Run        *run,
         const char *line)
{
  const char *ack = strstr (line, "label saved: face ");

  /* the last 64-128 KiB (GTK's debug messages are many) */
  if (run->log->len > 128 * 1024)
    g_string_erase (run->log, 0, run->log->len - 64 * 1024);
  g_string_append_printf (run->log, "%s\n", line);
  if (ack)
    {
      gint64 face;
      int label;

      g_assert_cmpint (sscanf (ack, "label saved: face %" G_GINT64_FORMAT " = %d", &face, &label), ==, 2);
      g_array_append_val (run->ack_faces, face);
      g_array_append_val (run->ack_labels, label);
    }
  else if (strstr (line, "first face shown") && run->ready_us == 0)
    run->ready_us = g_get_monotonic_time ();
}

/* Reads what is there (the descriptor does not block); FALSE at the end. */
static gboolean
read_output (Run *run)
{
  char buf[4096];

  for (;;)
    {
      gssize n = read (run->out_fd, buf, sizeof buf);
      char *nl;

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return errno == EAGAIN || errno == EWOULDBLOCK;
      if (n == 0)
        return FALSE;
      g_string_append_len (run->partial, buf, n);
      while ((nl = memchr (run->partial->str, '\n', run->partial->len)))
        {
          *nl = '\0';
          on_line (run, run->partial->str);
          g_string_erase (run->partial, 0, nl - run->partial->str + 1);
        }
    }
}

static G_NORETURN void
fail (Run        *run,
      const char *why)
{
  g_printerr ("---- transfer-studio's output ----\n%s---- end ----\n", run->log->str);
  g_error ("transfer-studio (pid %d): %s", (int) run->pid, why);
}

/* The status of the application when it ended by itself: a crash or an
 * exit is a failure, whatever the moment. */
static void
check_alive (Run *run)
{
  int status;
  pid_t r = waitpid (run->pid, &status, WNOHANG);

  if (r == run->pid)
    {
      g_autofree char *why = WIFSIGNALED (status)
                             ? g_strdup_printf ("died of signal %d before it was killed", WTERMSIG (status))
                             : g_strdup_printf ("exited with status %d before it was killed", WEXITSTATUS (status));
      fail (run, why);
    }
}

static gboolean
key_cb (gpointer data)
{
  Run *run = data;

  type_key (run);
  /* typing speed: a person in a hurry, up to faster than a transaction */
  run->key_id = g_timeout_add (g_test_rand_int_range (10, 150), key_cb, run);
  return G_SOURCE_REMOVE;
}

static gboolean
kill_cb (gpointer data)
{
  Run *run = data;
  int status;

  run->kill_id = 0;
  check_alive (run);
  g_assert_cmpint (kill (run->pid, SIGKILL), ==, 0);
  g_assert_cmpint (waitpid (run->pid, &status, 0), ==, run->pid);
  if (!WIFSIGNALED (status) || WTERMSIG (status) != SIGKILL)
    fail (run, "ended by itself before it was killed");
  /* what it wrote before it died is acknowledged all the same */
  read_output (run);
  g_main_loop_quit (run->loop);
  return G_SOURCE_REMOVE;
}

static gboolean
deadline_cb (gpointer data)
{
  Run *run = data;

  run->deadline_id = 0;
  fail (run, "no face shown within " G_STRINGIFY (STARTUP_LIMIT_S) " s");
}

static gboolean
output_cb (int          fd,
           GIOCondition condition,
           gpointer     data)
{
  Run *run = data;
  gboolean was_ready = run->ready_us != 0;
  gboolean more = read_output (run);

  if (!was_ready && run->ready_us && !run->early)
    {
      /* a short settle (the face is selected just after it is shown), then
       * keys until the kill */
      guint settle = g_test_rand_int_range (0, 200);

      g_clear_handle_id (&run->deadline_id, g_source_remove);
      run->key_id = g_timeout_add (settle, key_cb, run);
      run->kill_id = g_timeout_add (settle + g_test_rand_int_range (100, 2000), kill_cb, run);
    }
  if (!more)
    {
      /* the end of its output: it died (a failure), or it closed it */
      g_usleep (50 * 1000);
      check_alive (run);
      run->watch_id = 0;
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

static void
spawn_run (Run *run)
{
  const char *argv[] = { studio, project, photo, NULL };
  g_autoptr(GError) error = NULL;
  int out[2];

  /* stdout and stderr into one pipe, as 2>&1: GLib writes the debug
   * messages on stdout, the warnings on stderr */
  g_assert_true (g_unix_open_pipe (out, FD_CLOEXEC, &error));
  g_spawn_async_with_pipes_and_fds (tmpdir, argv, (const char * const *) child_env, G_SPAWN_DO_NOT_REAP_CHILD,
                                    NULL, NULL, -1, out[1], out[1], NULL, NULL, 0,
                                    &run->pid, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_close (out[1], NULL);
  run->out_fd = out[0];
  g_assert_true (g_unix_set_fd_nonblocking (run->out_fd, TRUE, NULL));
  run->spawned_us = g_get_monotonic_time ();
  run->watch_id = g_unix_fd_add (run->out_fd, G_IO_IN | G_IO_HUP | G_IO_ERR, output_cb, run);
}

/* ---- the project after a kill --------------------------------------------- */

typedef struct
{
  gint64 face;     /* 0 while the photo has none stored */
  guint  history;  /* its label changes seen so far */
  int    acked;    /* labels acknowledged, all runs */
  int    unacked;  /* labels saved but not acknowledged */
} Expect;

static gboolean
collect_face_cb (const TfProjectFace *face,
                 gpointer             user_data)
{
  GArray *ids = user_data;

  g_array_append_val (ids, face->id);
  return TRUE;
}

static void
check_project (Run    *run,
               Expect *e)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TfProject) p = tf_project_open (project, TF_PROJECT_OPEN, &error);
  g_autoptr(TfProjectReport) report = NULL;
  g_autoptr(GPtrArray) media = NULL, history = NULL;
  g_autoptr(GArray) faces = g_array_new (FALSE, FALSE, sizeof (gint64));
  TfProjectLabel stored = { .label = TF_LABEL_NONE };
  guint fresh;

  /* for writing: the lock died with the process */
  g_assert_no_error (error);
  g_assert_false (tf_project_is_read_only (p));
  report = tf_project_check (p, NULL, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < report->problems->len; i++)
    g_printerr ("problem: %s\n", (char *) g_ptr_array_index (report->problems, i));
  g_assert_cmpuint (report->problems->len, ==, 0);

  /* the photo and its one face come together or not at all, never twice */
  media = tf_project_list_media (p, &error);
  g_assert_no_error (error);
  g_assert_true (tf_project_foreach_face (p, NULL, collect_face_cb, faces, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (media->len, <=, 1);
  g_assert_cmpuint (faces->len, ==, media->len);
  if (e->face != 0)
    {
      g_assert_cmpuint (faces->len, ==, 1);
      g_assert_cmpint (g_array_index (faces, gint64, 0), ==, e->face);
    }
  else if (faces->len == 1)
    e->face = g_array_index (faces, gint64, 0);

  for (guint i = 0; i < run->ack_faces->len; i++)
    g_assert_cmpint (g_array_index (run->ack_faces, gint64, i), ==, e->face);
  /* each acknowledgement is a key typed (key n: class n - 1), in order;
   * keys typed before the face was selected did nothing */
  {
    guint t = 0;

    for (guint i = 0; i < run->ack_labels->len; i++, t++)
      {
        while (t < run->typed->len && g_array_index (run->typed, int, t) != g_array_index (run->ack_labels, int, i))
          t++;
        if (t == run->typed->len)
          fail (run, "a label was acknowledged that no key asked for");
      }
  }
  if (e->face == 0)
    {
      g_assert_cmpuint (run->ack_faces->len, ==, 0);
      return;
    }

  /* this run's changes: each acknowledged label, in order, then at most
   * the one whose acknowledgement the kill cut off */
  history = tf_project_get_label_history (p, e->face, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (history->len, >=, e->history);
  fresh = history->len - e->history;
  if (fresh < run->ack_labels->len || fresh > run->ack_labels->len + 1)
    {
      g_autofree char *why = g_strdup_printf ("%u labels acknowledged, %u saved", run->ack_labels->len, fresh);
      fail (run, why);
    }
  for (guint i = 0; i < fresh; i++)
    {
      const TfProjectLabelChange *c = g_ptr_array_index (history, e->history + i);

      g_assert_cmpint (c->state, ==, TF_CHANGE_DONE);
      g_assert_cmpint (c->after.source, ==, TF_LABEL_PERSON);
      if (i < run->ack_labels->len)
        g_assert_cmpint (c->after.label, ==, g_array_index (run->ack_labels, int, i));
      else
        {
          gboolean typed = FALSE;

          for (guint t = 0; t < run->typed->len; t++)
            typed |= g_array_index (run->typed, int, t) == c->after.label;
          if (!typed)
            fail (run, "a label was saved that no key asked for");
          e->unacked++;
        }
      /* changes chain: each starts from the label before it */
      if (e->history + i > 0)
        g_assert_cmpint (c->before.label, ==,
                         ((TfProjectLabelChange *) g_ptr_array_index (history, e->history + i - 1))->after.label);
      else
        g_assert_cmpint (c->before.label, ==, TF_LABEL_NONE);
    }
  e->history = history->len;
  e->acked += run->ack_labels->len;

  /* the stored label is the last change */
  g_assert_true (tf_project_get_label (p, e->face, &stored, &error));
  g_assert_no_error (error);
  g_assert_cmpint (stored.label, ==,
                   history->len ? ((TfProjectLabelChange *) g_ptr_array_index (history, history->len - 1))->after.label
                                : TF_LABEL_NONE);
  tf_project_label_clear (&stored);
}

/* The files in @dir whose names start with ".": temporaries a kill left
 * (with settings in memory each start makes an untitled project, and a
 * kill can cut its creation short). Counted, not asserted. */
static int
count_hidden (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;
  int n = 0;

  while (d && (name = g_dir_read_name (d)))
    n += name[0] == '.';
  return n;
}

static void
test_kill_labelling (void)
{
  const char *display = g_getenv ("DISPLAY");
  const char *n_env = g_getenv ("TF_STUDIO_KILLS");
  int n_kills = n_env ? atoi (n_env) : N_KILLS;
  int early = 0, typed = 0, runs_with_labels = 0;
  double startup_ms_sum = 0;
  int startups = 0;
  gint64 startup_us = 1500 * 1000, t0 = g_get_monotonic_time ();
  Expect e = { 0 };

  if (display == NULL || (xdisplay = XOpenDisplay (display)) == NULL)
    {
      g_test_skip ("no X display (run under xvfb-run)");
      return;
    }
  {
    int ev, er, major, minor;
    if (!XTestQueryExtension (xdisplay, &ev, &er, &major, &minor))
      {
        g_test_skip ("the X server has no XTest");
        XCloseDisplay (xdisplay);
        return;
      }
  }
  XSetErrorHandler (on_x_error);
  g_assert_cmpint (n_kills, >, 0);

  {
    g_autoptr(GError) error = NULL;
    TfProject *p = tf_project_open (project, TF_PROJECT_CREATE, &error);

    g_assert_no_error (error);
    tf_project_close (p);
  }

  for (int k = 0; k < n_kills; k++)
    {
      Run run = { 0 };

      run.loop = g_main_loop_new (NULL, FALSE);
      run.partial = g_string_new (NULL);
      run.log = g_string_new (NULL);
      run.ack_faces = g_array_new (FALSE, FALSE, sizeof (gint64));
      run.ack_labels = g_array_new (FALSE, FALSE, sizeof (int));
      run.typed = g_array_new (FALSE, FALSE, sizeof (int));
      /* the first run and one in five of the others die while starting
       * (the first: maybe in the analysis), the others while labelling */
      run.early = k == 0 || g_test_rand_int_range (0, 5) == 0;
      spawn_run (&run);
      if (run.early)
        {
          early++;
          run.kill_id = g_timeout_add (g_test_rand_int_range (0, (gint32) (startup_us / 1000) + 1), kill_cb, &run);
        }
      else
        run.deadline_id = g_timeout_add_seconds (STARTUP_LIMIT_S, deadline_cb, &run);
      g_main_loop_run (run.loop);

      g_clear_handle_id (&run.watch_id, g_source_remove);
      g_clear_handle_id (&run.key_id, g_source_remove);
      g_clear_handle_id (&run.kill_id, g_source_remove);
      g_clear_handle_id (&run.deadline_id, g_source_remove);
      g_close (run.out_fd, NULL);
      if (run.ready_us)
        {
          startup_us = run.ready_us - run.spawned_us;
          startup_ms_sum += startup_us / 1000.0;
          startups++;
        }
      typed += run.typed->len;
      runs_with_labels += run.ack_labels->len > 0;

      check_project (&run, &e);
      g_test_message ("kill %d: %s, %d keys, %u acknowledged; the face %s", k + 1,
                      run.early ? (run.ready_us ? "early, after the first face" : "while starting") : "labelling",
                      run.typed->len, run.ack_labels->len, e.face ? "stored" : "not stored yet");

      g_main_loop_unref (run.loop);
      g_string_free (run.partial, TRUE);
      g_string_free (run.log, TRUE);
      g_array_unref (run.ack_faces);
      g_array_unref (run.ack_labels);
      g_array_unref (run.typed);
    }
  g_test_message ("%d kills (%d while starting) in %.1f s, first face at %.0f ms on average; "
                  "%d keys typed, %d labels acknowledged (in %d runs), %d more saved unacknowledged; %d X errors",
                  n_kills, early, (g_get_monotonic_time () - t0) / 1e6, startups ? startup_ms_sum / startups : 0.0,
                  typed, e.acked, runs_with_labels, e.unacked, x_errors);
  {
    g_autofree char *untitled = g_build_filename (tmpdir, "home", "data", "transfer-studio", "projects", NULL);
    g_test_message ("temporary files left: %d beside the project, %d among the untitled projects",
                    count_hidden (tmpdir), count_hidden (untitled));
  }
  /* the run must have labelled something, else it tested nothing */
  if (n_kills >= N_KILLS)
    g_assert_cmpint (e.acked, >, 0);
  XCloseDisplay (xdisplay);
}

#else

static void
test_kill_labelling (void)
{
  g_test_skip ("built without XTest (libxtst-dev)");
}

#endif

int
main (int    argc,
      char **argv)
{
  g_autofree char *source = NULL;
  g_autofree char *home = NULL;
  g_autofree char *no_bus = NULL;
  int ret;

  g_test_init (&argc, &argv, NULL);
  studio = g_strdup (g_getenv ("TRANSFER_STUDIO"));
  if (studio == NULL)
    studio = g_test_build_filename (G_TEST_BUILT, "..", "app", "studio", "transfer-studio", NULL);
  tmpdir = g_dir_make_tmp ("tf-test-studio-kill-XXXXXX", NULL);
  g_assert_nonnull (tmpdir);
  project = g_build_filename (tmpdir, PROJECT_NAME ".tfproj", NULL);
  photo = g_build_filename (tmpdir, "astronaut.png", NULL);
  source = g_test_build_filename (G_TEST_DIST, "..", "data", "astronaut.png", NULL);
  {
    g_autofree char *bytes = NULL;
    gsize len;
    g_assert_true (g_file_get_contents (source, &bytes, &len, NULL));
    g_assert_true (g_file_set_contents (photo, bytes, (gssize) len, NULL));
  }

  /* the application's world: nothing of the user's (settings in memory
   * from the test's environment), no session bus (so no single-instance
   * hand-over to a program being killed), its debug log on */
  home = g_build_filename (tmpdir, "home", NULL);
  no_bus = g_strdup_printf ("unix:path=%s/no-bus", tmpdir);
  g_assert_cmpint (g_mkdir_with_parents (home, 0700), ==, 0);
  child_env = g_get_environ ();
  child_env = g_environ_setenv (child_env, "G_MESSAGES_DEBUG", "all", TRUE);
  child_env = g_environ_setenv (child_env, "DBUS_SESSION_BUS_ADDRESS", no_bus, TRUE);
  child_env = g_environ_setenv (child_env, "HOME", home, TRUE);
  {
    const char *const xdg[][2] = { { "XDG_DATA_HOME", "data" }, { "XDG_CONFIG_HOME", "config" },
                                   { "XDG_CACHE_HOME", "cache" }, { "XDG_STATE_HOME", "state" } };
    for (guint i = 0; i < G_N_ELEMENTS (xdg); i++)
      {
        g_autofree char *dir = g_build_filename (home, xdg[i][1], NULL);
        child_env = g_environ_setenv (child_env, xdg[i][0], dir, TRUE);
      }
  }
  child_env = g_environ_setenv (child_env, "GSETTINGS_BACKEND", "memory", TRUE);

  g_test_add_func ("/studio-kill/labelling", test_kill_labelling);
  ret = g_test_run ();
  tf_test_remove_tmpdir (tmpdir);
  g_strfreev (child_env);
  g_free (project);
  g_free (photo);
  g_free (studio);
  return ret;
}
