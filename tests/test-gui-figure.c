/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Figures through the window's own chooser: the inspected face as SVG and
 * as PNG (the format chosen is the file's, whatever its name says), a
 * contact sheet of a folder analysed without maps (they are computed for
 * it, or cancelled meanwhile), and a folder that cannot be written to (the
 * toast says so, nothing is left there). Pictures of the window and of the files in the log. */
#include <glib/gi18n.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tf-test-app.h"

/* a shown label whose text starts with @data */
static GtkWidget *
find_label_prefix (GtkWidget  *root,
                   const char *prefix)
{
  if (GTK_IS_LABEL (root) && gtk_widget_get_mapped (root)
      && g_str_has_prefix (gtk_label_get_text (GTK_LABEL (root)), prefix))
    return root;
  for (GtkWidget *w = gtk_widget_get_first_child (root); w; w = gtk_widget_get_next_sibling (w))
    {
      GtkWidget *found = find_label_prefix (w, prefix);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static gboolean
toast_starts (gpointer data)
{
  return find_label_prefix (GTK_WIDGET (window), data) != NULL;
}

static const char *
toast_text (const char *prefix)
{
  g_assert_true (tf_test_wait_until (toast_starts, (gpointer) prefix, 30));
  return gtk_label_get_text (GTK_LABEL (find_label_prefix (GTK_WIDGET (window), prefix)));
}

static gboolean
thumbnails_made (gpointer data)
{
  return tf_folder_view_get_n_thumbnails (tf_window_get_folder_view (window)) >= (guint) GPOINTER_TO_INT (data);
}

static GtkWindow *
open_chooser (const char *action)
{
  dismiss_toasts ();
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), action, NULL));
  g_assert_true (tf_test_wait_until (chooser_shown, NULL, 10));
  return find_chooser ();
}

static void
assert_starts (const char *path,
               const char *magic)
{
  g_autofree char *text = NULL;
  gsize len = 0;

  g_assert_true (tf_test_wait_until (file_exists, (gpointer) path, 30));
  g_assert_true (g_file_get_contents (path, &text, &len, NULL));
  g_assert_cmpuint (len, >, strlen (magic));
  g_assert_cmpmem (text, strlen (magic), magic, strlen (magic));
}

/* The inspected face as SVG, then as PNG under a name that says SVG. */
static void
test_figure (void)
{
  g_autofree char *svg = g_build_filename (tmpdir, "face.svg", NULL);
  g_autofree char *png = g_build_filename (tmpdir, "face-named.svg", NULL);
  g_autofree char *name = NULL;
  g_auto(GStrv) accels = NULL;
  GtkWindow *chooser;
  const char *text;

  /* the key is Ctrl+Shift+E */
  accels = gtk_application_get_accels_for_action (GTK_APPLICATION (app), "win.export-figure");
  g_assert_nonnull (accels);
  g_assert_cmpstr (accels[0], ==, "<Shift><Control>e");

  open_and_wait (sample, 30);
  g_assert_true (tf_test_wait_until (has_inspected_face, NULL, 10));
  chooser = open_chooser ("win.export-figure");
  name = chooser_name (chooser);
  g_assert_cmpstr (name, ==, "astronaut-face1.png");
  choose_format (chooser, _("SVG Drawing"));
  g_clear_pointer (&name, g_free);
  name = chooser_name (chooser);
  g_assert_cmpstr (name, ==, "astronaut-face1.svg");
  screenshot_of (GTK_WIDGET (chooser), "figure-chooser-svg");
  accept_chooser (chooser, _("_Export"), svg);
  assert_starts (svg, "<?xml");
  text = toast_text ("Saved face.svg");
  g_test_message ("toast: %s", text);
  g_assert_nonnull (strstr (text, " pt)"));
  screenshot ("figure-svg-toast");

  chooser = open_chooser ("win.export-figure");
  choose_format (chooser, _("PNG Image"));
  accept_chooser (chooser, _("_Export"), png);
  /* the format chosen, not the name's */
  assert_starts (png, "\x89PNG\r\n\x1a\n");
  text = toast_text ("Saved face-named.svg");
  g_test_message ("toast: %s", text);
  g_assert_nonnull (strstr (text, "2055 × "));
  {
    g_autoptr(GdkTexture) picture = gdk_texture_new_from_filename (png, NULL);

    g_assert_nonnull (picture);
    g_assert_cmpint (gdk_texture_get_width (picture), ==, TF_FIGURE_WIDTH_PX);
    g_test_message ("the figure: %s (%d x %d px)", png, gdk_texture_get_width (picture),
                    gdk_texture_get_height (picture));
  }
}

/* A folder of three copies of the sample (TF_TEST_SHEET_FACES of them when
 * set: the README's measurement), analysed without maps: the sheet has them
 * computed, a row each. The time from Export to the toast is logged. */
static void
test_contact_sheet (void)
{
  g_autofree char *folder = g_build_filename (tmpdir, "three", NULL);
  g_autofree char *sheet = g_build_filename (tmpdir, "sheet.png", NULL);
  g_autofree char *bytes = NULL;
  g_autofree char *name = NULL;
  g_autofree char *faces = NULL;
  const char *env = g_getenv ("TF_TEST_SHEET_FACES");
  int n = env != NULL && atoi (env) > 0 ? atoi (env) : 3;
  gint64 start;
  gsize len;
  GtkWindow *chooser;
  const char *text;

  g_assert_true (g_file_get_contents (sample, &bytes, &len, NULL));
  g_assert_cmpint (g_mkdir_with_parents (folder, 0755), ==, 0);
  for (int i = 0; i < n; i++)
    {
      g_autofree char *base = g_strdup_printf ("face-%03d.png", i);
      g_autofree char *path = g_build_filename (folder, base, NULL);

      g_assert_true (g_file_set_contents (path, bytes, (gssize) len, NULL));
    }
  open_and_wait (folder, 60 + n);
  g_assert_cmpint (tf_window_get_view (window), ==, TF_VIEW_FOLDER);
  g_assert_cmpuint (tf_window_get_results (window)->len, ==, (guint) n);
  /* the grid drawn whole before anything is measured or pictured */
  g_assert_true (tf_test_wait_until (thumbnails_made, GINT_TO_POINTER (n), 10 + n));
  /* the folder's faces came without maps */
  g_assert_null (((TfFaceProbe *) tf_window_get_results (window)->pdata[0])->lanet_maps);

  chooser = open_chooser ("win.export-contact-sheet");
  name = chooser_name (chooser);
  g_assert_cmpstr (name, ==, "three-contact-sheet.png");
  start = g_get_monotonic_time ();
  accept_chooser (chooser, _("_Export"), sheet);
  g_assert_true (tf_test_wait_until (toast_starts, "Saved sheet.png", 30 + n));
  g_test_message ("contact sheet of %d faces, maps computed: %.2f s from Export to the toast",
                  n, (g_get_monotonic_time () - start) / 1e6);
  text = toast_text ("Saved sheet.png");
  g_test_message ("toast: %s", text);
  faces = g_strdup_printf ("%d faces", n);
  g_assert_nonnull (strstr (text, faces));
  assert_starts (sheet, "\x89PNG\r\n\x1a\n");
  screenshot ("figure-sheet-toast");
  {
    g_autoptr(GdkTexture) picture = gdk_texture_new_from_filename (sheet, NULL);
    double scale = TF_FIGURE_DPI / 72.0;
    guint32 px = 0;

    g_assert_nonnull (picture);
    g_test_message ("the sheet: %s (%d x %d px)", sheet, gdk_texture_get_width (picture),
                    gdk_texture_get_height (picture));
    /* margins of 12 pt, a header of 11, n rows of 64 pt cells with a
     * line of 10 under each and 4 between */
    scale = MIN (scale, 32000 / (2 * 12 + 11 + n * (64 + 10 + 4.0)));
    g_assert_cmpint (gdk_texture_get_height (picture), ==, (int) ceil ((2 * 12 + 11 + n * (64 + 10 + 4)) * scale - 1e-6));
    /* the first row's LANet 1 cell shows a map, not the empty cell's gray */
    {
      int w = gdk_texture_get_width (picture), h = gdk_texture_get_height (picture);
      g_autofree guint32 *data = g_new (guint32, (gsize) w * h);
      int x = (int) ((12 + 64 + 4 + 32) * scale), y = (int) ((12 + 11 + 32) * scale);

      gdk_texture_download (picture, (guchar *) data, (gsize) w * 4);
      px = data[(gsize) y * w + x] & 0xffffff;
      g_test_message ("LANet 1 of the first face at (%d, %d): %06x", x, y, px);
      g_assert_cmphex (px, !=, 0xededed);
      g_assert_cmphex (px, !=, 0xffffff);
    }
  }
}

/* The same sheet again, cancelled while its maps are computed: a toast
 * says so and no file is written. */
static void
test_sheet_cancel (void)
{
  g_autofree char *sheet = g_build_filename (tmpdir, "cancelled.png", NULL);
  GtkWindow *chooser;
  GtkWidget *toast, *cancel;

  chooser = open_chooser ("win.export-contact-sheet");
  accept_chooser (chooser, _("_Export"), sheet);
  /* the toast counting the faces, and its button */
  toast_text ("Computing maps");
  /* the toast's button (the window has other Cancel buttons) */
  toast = tf_test_find_type (GTK_WIDGET (window), g_type_from_name ("AdwToastWidget"));
  g_assert_nonnull (toast);
  cancel = tf_test_find_widget (toast, TF_TEST_BY_BUTTON_LABEL, _("_Cancel"));
  g_assert_nonnull (cancel);
  gtk_widget_activate (cancel);
  toast_text ("Figure export cancelled");
  tf_test_settle (0.5);
  g_assert_false (g_file_test (sheet, G_FILE_TEST_EXISTS));
}

/* A folder no file may be written to: the toast says which, with the
 * reason, and nothing is left there. */
static void
test_read_only (void)
{
  g_autofree char *locked = g_build_filename (tmpdir, "locked", NULL);
  const char *folder = locked;
  g_autofree char *path = NULL;
  GtkWidget *details;
  GtkWindow *chooser;
  AdwMessageDialog *dialog = NULL;
  GList *toplevels;
  guint before = 0;
  GDir *dir;

  g_assert_cmpint (g_mkdir_with_parents (locked, 0755), ==, 0);
  g_assert_cmpint (g_chmod (locked, 0555), ==, 0);
  /* root may write anywhere but in sysfs */
  if (access (locked, W_OK) == 0)
    folder = "/sys/kernel";
  path = g_build_filename (folder, "figure.png", NULL);
  dir = g_dir_open (folder, 0, NULL);
  g_assert_nonnull (dir);
  while (g_dir_read_name (dir) != NULL)
    before++;
  g_dir_close (dir);

  /* the folder's contact sheet, refused before its maps are computed */
  chooser = open_chooser ("win.export-contact-sheet");
  choose_format (chooser, _("PNG Image"));
  accept_chooser (chooser, _("_Export"), path);
  toast_text ("Could not export the figure");
  screenshot ("figure-read-only-toast");
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  dir = g_dir_open (folder, 0, NULL);
  while (g_dir_read_name (dir) != NULL)
    before--;
  g_dir_close (dir);
  g_assert_cmpuint (before, ==, 0);

  /* the whole message names the folder */
  details = tf_test_find_widget (GTK_WIDGET (window), TF_TEST_BY_BUTTON_LABEL, _("_Details"));
  g_assert_nonnull (details);
  gtk_widget_activate (details);
  tf_test_settle (0.3);
  toplevels = gtk_window_list_toplevels ();
  for (GList *l = toplevels; l; l = l->next)
    if (ADW_IS_MESSAGE_DIALOG (l->data))
      dialog = l->data;
  g_list_free (toplevels);
  g_assert_nonnull (dialog);
  g_test_message ("details: %s", adw_message_dialog_get_body (dialog));
  g_assert_nonnull (strstr (adw_message_dialog_get_body (dialog), folder));
  /* closed as a person does: its Close button */
  adw_message_dialog_response (dialog, "close");
  tf_test_settle (0.3);
  g_assert_cmpint (g_chmod (locked, 0755), ==, 0);
}

int
main (int    argc,
      char **argv)
{
  int status;

  if (!tf_test_app_init (&argc, &argv, "test-gui-figure"))
    return 1;
  g_test_add_func ("/gui/figure/face", test_figure);
  g_test_add_func ("/gui/figure/contact-sheet", test_contact_sheet);
  g_test_add_func ("/gui/figure/contact-sheet-cancel", test_sheet_cancel);
  /* last: after its dialog the window's pictures stall under Xvfb */
  g_test_add_func ("/gui/figure/read-only", test_read_only);
  status = g_test_run ();
  tf_test_app_finish ();
  return status;
}
