/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The application in the test's own process, for the tests that drive its
 * window (test-gui and the test-gui-* files; header-only: each test is one
 * file): one TfApplication and TfWindow under Xvfb with animations off, a
 * home of its own (no recent files or caches of the user's), this build's
 * translations; opening a file and waiting for its analysis, pictures of
 * the window into the test log, keys typed through the X server, and the
 * modal dialogs an earlier case left closed. tf_test_app_init before
 * g_test_run, tf_test_app_finish after. */
#pragma once

#include <glib/gstdio.h>
#include <gst/gst.h>

#include "tf-application.h"
#include "tf-test-gtk.h"
#include "tf-window.h"

G_GNUC_UNUSED static char          *tmpdir;
G_GNUC_UNUSED static char          *sample;
G_GNUC_UNUSED static TfApplication *app;
G_GNUC_UNUSED static TfWindow      *window;

/* what the session reported */
G_GNUC_UNUSED static gboolean       finished;
G_GNUC_UNUSED static gboolean       was_cancelled;

/* ---- fixtures ------------------------------------------------------------ */

G_GNUC_UNUSED static void
on_finished_cb (TfSession *session,
                gboolean   cancelled,
                gpointer   user_data)
{
  finished = TRUE;
  was_cancelled = cancelled;
}

G_GNUC_UNUSED static gboolean
is_finished (gpointer data)
{
  return finished;
}

G_GNUC_UNUSED static gboolean
has_inspected_face (gpointer data)
{
  return tf_face_inspector_get_probe (tf_window_get_inspector (window)) != NULL;
}

/* Opens @path in the window and waits for its analysis to end. */
G_GNUC_UNUSED static void
open_and_wait (const char *path,
               double      seconds)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GError) error = NULL;

  /* a new project: what the last one has would be restored, not analysed */
  g_assert_true (tf_window_new_project (window, &error));
  g_assert_no_error (error);
  finished = FALSE;
  tf_window_open (window, &file, 1);
  g_assert_true (tf_test_wait_until (is_finished, NULL, seconds));
}

/* Saves what @widget (a window) shows as a PNG next to the test binary. */
G_GNUC_UNUSED static void
screenshot_of (GtkWidget  *widget,
               const char *name)
{
  g_autofree char *file = g_strconcat ("gui-", name, ".png", NULL);
  g_autofree char *path = NULL;

  tf_test_settle (0.1);
  path = tf_test_save_window (widget, file);
  g_test_message ("picture of the window (%s): %s", name, path);
}

G_GNUC_UNUSED static void
screenshot (const char *name)
{
  screenshot_of (GTK_WIDGET (window), name);
}

/* the application's window of @type other than the main one */
G_GNUC_UNUSED static GtkWindow *
find_window (GType type)
{
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (app)); l; l = l->next)
    if (G_TYPE_CHECK_INSTANCE_TYPE (l->data, type))
      return l->data;
  return NULL;
}

G_GNUC_UNUSED static gboolean
window_shown (gpointer data)
{
  GtkWindow *w = find_window (GPOINTER_TO_SIZE (data));

  return w && gtk_widget_get_mapped (GTK_WIDGET (w)) && gtk_widget_get_width (GTK_WIDGET (w)) > 0;
}


/* A key typed on the keyboard: through the X server (XTest), so it goes
 * the way a person's does, focus and key controllers included. Without
 * XTest the label bar's key handler is called, as the window's is. */
G_GNUC_UNUSED static void
press_key (guint           keyval,
           GdkModifierType mods)
{
#ifdef HAVE_XTEST
  if (GDK_IS_X11_DISPLAY (gtk_widget_get_display (GTK_WIDGET (window))))
    {
      tf_test_x11_key (GTK_WIDGET (window), keyval, mods);
      return;
    }
#endif
  if (mods & GDK_CONTROL_MASK)
    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window),
                                               mods & GDK_SHIFT_MASK ? "win.redo" : "win.undo", NULL));
  else
    tf_label_bar_handle_key (tf_face_inspector_get_label_bar (tf_window_get_inspector (window)), keyval);
}


/* a modal dialog left by an earlier test takes the keys */
G_GNUC_UNUSED static void
close_dialogs (void)
{
  GList *toplevels = gtk_window_list_toplevels ();

  for (GList *l = toplevels; l; l = l->next)
    if (l->data != (gpointer) window && gtk_window_get_modal (l->data))
      gtk_window_destroy (l->data);
  g_list_free (toplevels);
  tf_test_settle (0.1);
}


G_GNUC_UNUSED static void
remove_tree (const char *path)
{
  GDir *dir = g_dir_open (path, 0, NULL);

  if (dir)
    {
      const char *name;
      while ((name = g_dir_read_name (dir)))
        {
          g_autofree char *child = g_build_filename (path, name, NULL);
          remove_tree (child);
        }
      g_dir_close (dir);
    }
  g_remove (path);
}


/* the file chooser a window action opened (GtkFileChooserNative's own
 * dialog where there is no portal) */
G_GNUC_UNUSED static GtkWindow *
find_chooser (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) toplevel = g_list_model_get_item (toplevels, i);
      if (GTK_IS_FILE_CHOOSER_DIALOG (toplevel) && gtk_widget_get_mapped (GTK_WIDGET (toplevel)))
        return GTK_WINDOW (toplevel);
    }
  return NULL;
}

G_GNUC_UNUSED static gboolean
chooser_shown (gpointer data)
{
  return find_chooser () != NULL;
}

G_GNUC_UNUSED static gboolean
chooser_gone (gpointer data)
{
  return find_chooser () == NULL;
}

G_GNUC_UNUSED static gboolean
file_exists (gpointer data)
{
  return g_file_test (data, G_FILE_TEST_EXISTS);
}

/* the toasts on screen closed with their own buttons, so the next one
 * shows at once */
G_GNUC_UNUSED static void
dismiss_toasts (void)
{
  GType type = g_type_from_name ("AdwToastWidget");
  GtkWidget *toast;

  for (int i = 0; type != 0 && i < 10 && (toast = tf_test_find_type (GTK_WIDGET (window), type)) != NULL; i++)
    {
      for (GtkWidget *w = gtk_widget_get_first_child (toast); w; w = gtk_widget_get_next_sibling (w))
        if (GTK_IS_BUTTON (w) && g_strcmp0 (gtk_button_get_icon_name (GTK_BUTTON (w)), "window-close-symbolic") == 0)
          gtk_widget_activate (w);
      tf_test_settle (0.3);
    }
}

/* a person's choice in the chooser's format list */
G_GNUC_UNUSED static void
choose_format (GtkWindow  *chooser,
               const char *name)
{
  GtkDropDown *formats = GTK_DROP_DOWN (tf_test_find_type (GTK_WIDGET (chooser), GTK_TYPE_DROP_DOWN));
  GListModel *model;
  guint n;

  g_assert_nonnull (formats);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (formats)));
  model = gtk_drop_down_get_model (formats);
  n = g_list_model_get_n_items (model);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GtkFileFilter) filter = g_list_model_get_item (model, i);
      if (g_strcmp0 (gtk_file_filter_get_name (filter), name) == 0)
        {
          gtk_drop_down_set_selected (formats, i);
          tf_test_settle (0.1);
          return;
        }
    }
  g_assert_not_reached ();
}

G_GNUC_UNUSED static char *
chooser_name (GtkWindow *chooser)
{
  return gtk_file_chooser_get_current_name (GTK_FILE_CHOOSER (chooser));
}

/* @path typed as the name, the chooser's @button pressed; waits for the
 * chooser to go */
G_GNUC_UNUSED static void
accept_chooser (GtkWindow  *chooser,
                const char *button,
                const char *path)
{
  GtkWidget *accept = tf_test_find_widget (GTK_WIDGET (chooser), TF_TEST_BY_BUTTON_LABEL, button);

  g_assert_nonnull (accept);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), path);
  tf_test_settle (0.1);
  gtk_widget_activate (accept);
  g_assert_true (tf_test_wait_until (chooser_gone, NULL, 10));
}

/* The application and its window, shown; FALSE (said on stderr) when the
 * settings schema is not found. */
G_GNUC_UNUSED static gboolean
tf_test_app_init (int    *argc,
                  char ***argv,
                  const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *pattern = g_strconcat (name, "-XXXXXX", NULL);

  tmpdir = g_dir_make_tmp (pattern, &error);
  g_assert_no_error (error);
  tf_test_use_home (tmpdir);
  tf_test_use_translations ();

  g_test_init (argc, argv, NULL);
  g_test_log_set_fatal_handler (tf_test_log_filter, NULL);

  gst_init (NULL, NULL);
  sample = g_test_build_filename (G_TEST_DIST, "..", "data", "astronaut.png", NULL);

  if (!tf_application_has_schema ())
    {
      g_printerr ("%s: the settings schema is not found (GSETTINGS_SCHEMA_DIR)\n", name);
      return FALSE;
    }
  app = tf_application_new ();
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE | G_APPLICATION_HANDLES_OPEN);
  g_application_register (G_APPLICATION (app), NULL, &error);
  g_assert_no_error (error);
  /* the pictures show each state as it is, not half-way through a transition */
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, NULL);
  window = tf_window_new (app);
  g_object_add_weak_pointer (G_OBJECT (window), (gpointer *) &window);
  gtk_window_set_default_size (GTK_WINDOW (window), 1200, 800);
  gtk_window_present (GTK_WINDOW (window));
  g_signal_connect (tf_window_get_session (window), "finished", G_CALLBACK (on_finished_cb), NULL);
  tf_test_settle (0.5);
  return TRUE;
}

G_GNUC_UNUSED static gboolean
tf_test_window_gone (gpointer data)
{
  return window == NULL;
}

/* the window closed, the application and the home removed (kept with
 * TEST_GUI_KEEP set); a job of the window's still running (the maps of the
 * face last shown, under ASan a second or more) holds it until it ends */
G_GNUC_UNUSED static void
tf_test_app_finish (void)
{
  if (window)
    gtk_window_destroy (GTK_WINDOW (window));
  g_assert_true (tf_test_wait_until (tf_test_window_gone, NULL, 30));
  g_clear_object (&app);
  if (g_getenv ("TEST_GUI_KEEP") == NULL)
    remove_tree (tmpdir);
  g_clear_pointer (&tmpdir, g_free);
  g_clear_pointer (&sample, g_free);
}
