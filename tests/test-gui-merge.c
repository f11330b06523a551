/* SPDX-License-Identifier: GPL-3.0-or-later */
/* File → Merge Projects: two projects chosen in the window's chooser, the
 * merged one named in the next, the merge in a thread, then the report (a
 * dialog listing the conflicts, or a toast when there is nothing to say),
 * both offering to open the merged project. */
#include <glib/gi18n.h>
#include <string.h>

#include "tf-project.h"
#include "tf-test-app.h"

/* A project at @path with the sample picture, one face, @who's vote. */
static void
make_input (const char *path,
            const char *who,
            const char *label,
            double      x)
{
  const char *const classes[] = { "calm", "glad", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(TfProject) p = tf_project_open (path, TF_PROJECT_CREATE, &error);
  TfProjectNewFace nf = { .det = { .x = x, .y = 100, .w = 200, .h = 200, .score = 0.9f } };
  gint64 face;

  g_assert_no_error (error);
  nf.run = tf_project_add_run (p, NULL, classes, NULL, &error);
  nf.media = tf_project_add_media (p, sample, TF_MEDIA_IMAGE, 640, 480, 0, &error);
  g_assert_no_error (error);
  face = tf_project_add_face (p, &nf, &error);
  g_assert_cmpint (face, >, 0);
  g_assert_true (tf_project_set_label (p, face, tf_project_find_label (p, label), TF_LABEL_PERSON, who, NULL, &error));
  g_assert_no_error (error);
}

static AdwMessageDialog *
find_report (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) toplevel = g_list_model_get_item (toplevels, i);
      if (ADW_IS_MESSAGE_DIALOG (toplevel) && gtk_widget_get_mapped (GTK_WIDGET (toplevel)))
        return ADW_MESSAGE_DIALOG (toplevel);
    }
  return NULL;
}

static gboolean
report_shown (gpointer data)
{
  return find_report () != NULL;
}

static gboolean
rows_listed (gpointer data)
{
  GtkTreeView *view = data;
  GtkTreeModel *model = gtk_tree_view_get_model (view);

  return model && gtk_tree_model_iter_n_children (model, NULL) == 2;
}

static gboolean
save_chooser_shown (gpointer data)
{
  GtkWindow *chooser = find_chooser ();
  return chooser && gtk_file_chooser_get_action (GTK_FILE_CHOOSER (chooser)) == GTK_FILE_CHOOSER_ACTION_SAVE;
}

static gboolean
toast_shown (gpointer data)
{
  return tf_test_find_widget (GTK_WIDGET (window), TF_TEST_BY_SHOWN_LABEL, data) != NULL;
}

static gboolean
project_is (gpointer data)
{
  TfProject *p = tf_window_get_project (window);
  return p && g_str_equal (tf_project_get_path (p), data);
}

/* Through the menu's choosers: the conflict listed, the merged project
 * opened from the dialog. */
static void
test_choosers_and_report (void)
{
  g_autofree char *dir = g_build_filename (tmpdir, "inputs", NULL);
  g_autofree char *a = g_build_filename (dir, "A.tfproj", NULL), *b = g_build_filename (dir, "B.tfproj", NULL);
  g_autofree char *out = g_build_filename (tmpdir, "merged.tfproj", NULL), *name = NULL, *text = NULL;
  g_autoptr(GFile) folder = g_file_new_for_path (dir);
  GtkTextBuffer *buffer;
  GtkTextIter start, end;
  GtkWindow *chooser;
  GtkTreeView *list;
  AdwMessageDialog *dialog;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  make_input (a, "Alice", "glad", 100);
  make_input (b, "alice", "calm", 104);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.merge-projects", NULL));
  g_assert_true (tf_test_wait_until (chooser_shown, NULL, 10));
  chooser = find_chooser ();
  g_assert_true (gtk_file_chooser_get_select_multiple (GTK_FILE_CHOOSER (chooser)));
  g_assert_true (gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (chooser), folder, NULL));
  list = GTK_TREE_VIEW (tf_test_find_type (GTK_WIDGET (chooser), GTK_TYPE_TREE_VIEW));
  g_assert_nonnull (list);
  g_assert_true (tf_test_wait_until (rows_listed, list, 10));
  /* both chosen, as a person's Ctrl+A does */
  gtk_tree_selection_select_all (gtk_tree_view_get_selection (list));
  tf_test_settle (0.2);
  screenshot_of (GTK_WIDGET (chooser), "merge-inputs");
  gtk_widget_activate (tf_test_find_widget (GTK_WIDGET (chooser), TF_TEST_BY_BUTTON_LABEL, _("_Choose")));

  /* then where the merged project goes: the next chooser */
  g_assert_true (tf_test_wait_until (save_chooser_shown, NULL, 10));
  chooser = find_chooser ();
  name = chooser_name (chooser);
  g_assert_cmpstr (name, ==, "merged.tfproj");
  accept_chooser (chooser, _("_Merge"), out);

  g_assert_true (tf_test_wait_until (report_shown, NULL, 10));
  dialog = find_report ();
  g_assert_true (g_file_test (out, G_FILE_TEST_EXISTS));
  g_assert_nonnull (strstr (adw_message_dialog_get_body (dialog), "2 projects merged into merged.tfproj"));
  g_assert_nonnull (strstr (adw_message_dialog_get_body (dialog), "Conflicts: 1"));
  buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (tf_test_find_widget (GTK_WIDGET (dialog), TF_TEST_BY_NAME,
                                                                          "merge-report")));
  gtk_text_buffer_get_bounds (buffer, &start, &end);
  text = gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
  g_test_message ("%s", text);
  g_assert_nonnull (strstr (text, "Conflict: Alice voted “glad”"));
  g_assert_nonnull (strstr (text, "“alice” are filed under “Alice”"));
  screenshot_of (GTK_WIDGET (dialog), "merge-report");

  /* the dialog's button, as a person presses it */
  gtk_widget_activate (tf_test_find_widget (GTK_WIDGET (dialog), TF_TEST_BY_BUTTON_LABEL,
                                            _("_Open the Merged Project")));
  g_assert_true (tf_test_wait_until (project_is, out, 10));
  g_assert_null (find_report ());
  screenshot ("merge-opened");
}

/* Nothing to say: a toast, whose button opens the merged project. */
static void
test_toast (void)
{
  g_autofree char *a = g_build_filename (tmpdir, "c.tfproj", NULL), *b = g_build_filename (tmpdir, "d.tfproj", NULL);
  g_autofree char *out = g_build_filename (tmpdir, "quiet.tfproj", NULL);
  const char *inputs[] = { a, b, NULL };
  const char *text = "2 projects merged into quiet.tfproj";
  g_autoptr(TfProject) merged = NULL;
  g_autoptr(GError) error = NULL;

  dismiss_toasts ();
  make_input (a, "carol", "glad", 100);
  make_input (b, "dan", "glad", 102);
  g_assert_true (tf_window_merge_projects (window, out, inputs));
  /* one at a time */
  g_assert_false (tf_window_merge_projects (window, out, inputs));
  g_assert_true (tf_test_wait_until (toast_shown, (gpointer) text, 10));
  g_assert_null (find_report ());
  screenshot ("merge-toast");
  /* its Open button opens the merged project */
  {
    GtkWidget *toast = tf_test_find_type (GTK_WIDGET (window), g_type_from_name ("AdwToastWidget"));
    GtkWidget *open;

    g_assert_nonnull (toast);
    open = tf_test_find_widget (toast, TF_TEST_BY_BUTTON_LABEL, _("_Open"));
    g_assert_nonnull (open);
    gtk_widget_activate (open);
    g_assert_true (tf_test_wait_until (project_is, out, 10));
  }
  /* one face with both votes */
  merged = tf_project_open (out, TF_PROJECT_READ_ONLY, &error);
  g_assert_no_error (error);
  g_assert_cmpint (tf_project_count_faces (merged, NULL, &error), ==, 1);
  {
    g_autoptr(GPtrArray) votes = tf_project_get_votes (merged, 1, &error);
    g_assert_cmpuint (votes->len, ==, 2);
  }
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.merge-projects", NULL));
  {
    GtkWindow *chooser;
    g_assert_true (tf_test_wait_until (chooser_shown, NULL, 10));
    chooser = find_chooser ();
    gtk_dialog_response (GTK_DIALOG (chooser), GTK_RESPONSE_CANCEL);
    g_assert_true (tf_test_wait_until (chooser_gone, NULL, 10));
  }
}

int
main (int    argc,
      char **argv)
{
  int status;

  if (!tf_test_app_init (&argc, &argv, "test-gui-merge"))
    return 1;

  g_test_add_func ("/gui-merge/choosers-and-report", test_choosers_and_report);
  g_test_add_func ("/gui-merge/toast", test_toast);
  status = g_test_run ();
  tf_test_app_finish ();
  return status;
}
