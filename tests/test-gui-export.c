/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Export through the window's own chooser (GtkFileChooserNative's dialog
 * where there is no portal): the format chosen sets the name's extension
 * and the file's format whatever the name says, and the toast says what
 * the file holds, counted from the file itself. */
#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "tf-test-app.h"
#include "tf-test-gst.h"

static gboolean
toast_shown (gpointer data)
{
  return tf_test_find_widget (GTK_WIDGET (window), TF_TEST_BY_SHOWN_LABEL, data) != NULL;
}

/* The export action's chooser, opened. */
static GtkWindow *
open_export_chooser (void)
{
  GtkWindow *chooser;

  dismiss_toasts ();
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.export", NULL));
  g_assert_true (tf_test_wait_until (chooser_shown, NULL, 10));
  chooser = find_chooser ();
  return chooser;
}

/* @path typed as the name (the test's folder, not the working one), the
 * chooser's Export button pressed; waits for @path to be written */
static void
accept_export (GtkWindow  *chooser,
               const char *path)
{
  accept_chooser (chooser, _("_Export"), path);
  g_assert_true (tf_test_wait_until (file_exists, (gpointer) path, 10));
  tf_test_settle (0.3);
}

/* every line of @text a JSON object with the export's members */
static guint
check_jsonl (const char *text)
{
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  g_autoptr(JsonParser) parser = json_parser_new ();
  guint n = 0;

  for (guint i = 0; lines[i]; i++)
    {
      g_autoptr(GError) error = NULL;
      JsonObject *o;

      if (*lines[i] == '\0')
        continue;
      g_assert_true (json_parser_load_from_data (parser, lines[i], -1, &error));
      g_assert_no_error (error);
      o = json_node_get_object (json_parser_get_root (parser));
      g_assert_nonnull (o);
      g_assert_true (json_object_has_member (o, "file"));
      g_assert_true (json_object_has_member (o, "predicted"));
      g_assert_cmpuint (json_array_get_length (json_object_get_array_member (o, "landmarks")), ==, 5);
      n++;
    }
  return n;
}

/* Switching the format changes the name's extension; the file is written
 * in the format chosen even when the name says another. */
static void
test_format_choice (void)
{
  g_autofree char *path = g_build_filename (tmpdir, "mislabelled.csv", NULL);
  g_autofree char *text = NULL, *name = NULL, *toast = NULL;
  GtkWindow *chooser;

  open_and_wait (sample, 30);
  g_assert_cmpuint (tf_window_get_results (window)->len, ==, 1);
  chooser = open_export_chooser ();
  name = chooser_name (chooser);
  g_assert_cmpstr (name, ==, "astronaut-expressions.csv");

  choose_format (chooser, _("JSON Lines"));
  g_clear_pointer (&name, g_free);
  name = chooser_name (chooser);
  g_assert_cmpstr (name, ==, "astronaut-expressions.jsonl");
  screenshot_of (GTK_WIDGET (chooser), "export-jsonl-chosen");
  choose_format (chooser, _("CSV"));
  g_clear_pointer (&name, g_free);
  name = chooser_name (chooser);
  g_assert_cmpstr (name, ==, "astronaut-expressions.csv");
  choose_format (chooser, _("JSON Lines"));

  /* a name that says CSV: JSON Lines all the same */
  accept_export (chooser, path);
  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  g_assert_false (g_str_has_prefix (text, "file,"));
  g_assert_cmpuint (check_jsonl (text), ==, 1);

  toast = g_strdup ("1 row: 1 face in 1 photo");
  g_assert_true (tf_test_wait_until (toast_shown, toast, 10));
  screenshot ("export-photo-toast");
}

/* four copies of the sample side by side: four tracks */
static void
make_four_face_video (const char *path,
                      int         frames)
{
  g_autoptr(GString) desc = g_string_new (NULL);

  g_string_append_printf (desc,
                          "videotestsrc pattern=black num-buffers=%d ! video/x-raw,width=640,height=240,framerate=15/1 ! "
                          "compositor name=mix", frames);
  for (int i = 0; i < 4; i++)
    g_string_append_printf (desc, " sink_%d::xpos=%d sink_%d::ypos=40", i + 1, 160 * i, i + 1);
  g_string_append_printf (desc, " ! videoconvert ! vp8enc deadline=1 ! webmmux ! filesink location=\"%s\"", path);
  for (int i = 0; i < 4; i++)
    g_string_append_printf (desc, "  filesrc location=\"%s\" ! pngdec ! videoconvert ! videoscale ! "
                            "video/x-raw,width=160,height=160 ! imagefreeze num-buffers=%d ! "
                            "video/x-raw,framerate=15/1 ! mix.", sample, frames);
  g_assert_true (tf_test_run_pipeline (desc->str));
}

/* The toast after a video's export: rows, faces (tracks) and frames, as
 * the file has them. */
static void
test_video_toast (void)
{
  g_autofree char *video = g_build_filename (tmpdir, "four.webm", NULL);
  g_autofree char *path = g_build_filename (tmpdir, "four-expressions.csv", NULL);
  g_autofree char *text = NULL, *name = NULL, *expected = NULL;
  g_autoptr(GHashTable) frames = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GHashTable) tracks = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_auto(GStrv) lines = NULL;
  g_auto(GStrv) header = NULL;
  int frame_col = -1, track_col = -1;
  guint rows = 0;
  GtkWindow *chooser;

  make_four_face_video (video, 30);
  open_and_wait (video, 120);
  g_assert_cmpint (tf_window_get_view (window), ==, TF_VIEW_VIDEO);
  chooser = open_export_chooser ();
  name = chooser_name (chooser);
  g_assert_cmpstr (name, ==, "four-expressions.csv");
  accept_export (chooser, path);

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  lines = g_strsplit (g_strstrip (text), "\n", -1);
  header = g_strsplit (lines[0], ",", -1);
  for (int i = 0; header[i]; i++)
    {
      if (strcmp (header[i], "frame") == 0)
        frame_col = i;
      else if (strcmp (header[i], "track") == 0)
        track_col = i;
    }
  g_assert_cmpint (frame_col, >=, 0);
  g_assert_cmpint (track_col, >=, 0);
  for (guint i = 1; lines[i]; i++)
    {
      g_auto(GStrv) row = g_strsplit (lines[i], ",", -1);
      g_assert_cmpuint (g_strv_length (row), ==, g_strv_length (header));
      g_hash_table_add (frames, g_strdup (row[frame_col]));
      g_hash_table_add (tracks, g_strdup (row[track_col]));
      rows++;
    }
  g_test_message ("%u rows, %u tracks, %u frames", rows, g_hash_table_size (tracks), g_hash_table_size (frames));
  /* the four faces are found and kept apart in every frame */
  g_assert_cmpuint (g_hash_table_size (tracks), ==, 4);
  g_assert_cmpuint (rows, ==, 4 * g_hash_table_size (frames));

  expected = g_strdup_printf ("%u rows: 4 faces × %u frames", rows,
                              g_hash_table_size (frames));
  g_test_message ("the toast: %s", expected);
  g_assert_true (tf_test_wait_until (toast_shown, expected, 10));
  screenshot ("export-video-toast");
}

/* ---- main ---------------------------------------------------------------- */

int
main (int    argc,
      char **argv)
{
  int status;

  if (!tf_test_app_init (&argc, &argv, "test-gui-export"))
    return 1;

  g_test_add_func ("/gui-export/format-choice", test_format_choice);
  g_test_add_func ("/gui-export/video-toast", test_video_toast);
  status = g_test_run ();
  tf_test_app_finish ();
  return status;
}
