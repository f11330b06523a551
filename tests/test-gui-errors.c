/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Errors as places, not toasts, in the whole application under Xvfb: a
 * file that cannot be read (text named .mp4, an empty file, a cut video, a
 * damaged JPEG, a PDF, a file gone) opened alone or chosen in a folder's grid shows a
 * page with its name, what is wrong and what to do; a long message is never
 * cut off (a toast's Details, a dialog in Preferences); the Open menu's
 * recent files are only what opens, and a file that failed leaves them. */
#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <string.h>

#include "tf-test-app.h"
#include "tf-test-gst.h"
#include "tf-preferences.h"
#include "tf-toast.h"

/* ---- helpers -------------------------------------------------------------- */

static AdwStatusPage *
error_page (void)
{
  GtkWidget *page = tf_test_find_widget (GTK_WIDGET (window), TF_TEST_BY_NAME, "error-page");

  g_assert_nonnull (page);
  return ADW_STATUS_PAGE (page);
}

static gboolean
error_page_shown (gpointer data)
{
  GtkWidget *page = GTK_WIDGET (error_page ());

  return gtk_stack_get_visible_child (GTK_STACK (gtk_widget_get_parent (page))) == page &&
         gtk_widget_get_mapped (page);
}

static char *
path_in_tmp (const char *name)
{
  return g_build_filename (tmpdir, name, NULL);
}

/* the sample as a JPEG with noise over a stretch of its picture data (its
 * end marker kept) */
static char *
make_damaged_jpeg (const char *name)
{
  g_autoptr(GdkPixbuf) pb = gdk_pixbuf_new_from_file (sample, NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *data = NULL;
  char *path = path_in_tmp (name);
  gsize len;

  g_assert_true (gdk_pixbuf_save (pb, path, "jpeg", &error, NULL));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (path, &data, &len, NULL));
  for (gsize i = len / 3; i < len / 2; i++)
    data[i] = (char) ((i * 7919) >> 3);
  g_assert_true (g_file_set_contents (path, data, (gssize) len, NULL));
  return path;
}

/* whether @uri is in the recent list (gtk_recent_manager_has_item is
 * critical while the list is empty) */
static gboolean
in_recent_list (const char *uri)
{
  GList *items = gtk_recent_manager_get_items (gtk_recent_manager_get_default ());
  gboolean found = FALSE;

  for (GList *l = items; l; l = l->next)
    found = found || g_str_equal (gtk_recent_info_get_uri (l->data), uri);
  g_list_free_full (items, (GDestroyNotify) gtk_recent_info_unref);
  return found;
}

static char *
uri_of (const char *path)
{
  char *uri = g_filename_to_uri (path, NULL, NULL);

  g_assert_nonnull (uri);
  return uri;
}

/* the URIs the Open menu's recent section offers */
static void
collect_recent (GMenuModel *model,
                GPtrArray  *uris)
{
  for (int i = 0; i < g_menu_model_get_n_items (model); i++)
    {
      g_autofree char *action = NULL;
      g_autoptr(GVariant) target = NULL;
      g_autoptr(GMenuModel) section = g_menu_model_get_item_link (model, i, G_MENU_LINK_SECTION);

      if (section)
        collect_recent (section, uris);
      if (g_menu_model_get_item_attribute (model, i, G_MENU_ATTRIBUTE_ACTION, "s", &action) &&
          g_str_equal (action, "win.open-recent") &&
          (target = g_menu_model_get_item_attribute_value (model, i, G_MENU_ATTRIBUTE_TARGET, G_VARIANT_TYPE_STRING)))
        g_ptr_array_add (uris, g_variant_dup_string (target, NULL));
    }
}

static GPtrArray *
recent_menu (void)
{
  GtkWidget *split = tf_test_find_type (GTK_WIDGET (window), ADW_TYPE_SPLIT_BUTTON);
  GPtrArray *uris = g_ptr_array_new_with_free_func (g_free);

  g_assert_nonnull (split);
  collect_recent (adw_split_button_get_menu_model (ADW_SPLIT_BUTTON (split)), uris);
  return uris;
}

static gboolean
in_recent_menu (const char *uri)
{
  g_autoptr(GPtrArray) uris = recent_menu ();

  for (guint i = 0; i < uris->len; i++)
    if (g_str_equal (uris->pdata[i], uri))
      return TRUE;
  return FALSE;
}

static gboolean
recent_menu_has (gpointer uri)
{
  return in_recent_menu (uri);
}

/* a modal dialog (an AdwMessageDialog) over the application's windows */
static AdwMessageDialog *
find_message_dialog (void)
{
  GList *toplevels = gtk_window_list_toplevels ();
  AdwMessageDialog *found = NULL;

  for (GList *l = toplevels; l; l = l->next)
    if (ADW_IS_MESSAGE_DIALOG (l->data) && gtk_widget_get_mapped (l->data))
      found = l->data;
  g_list_free (toplevels);
  return found;
}

static gboolean
message_dialog_shown (gpointer data)
{
  return find_message_dialog () != NULL;
}

/* ---- a broken file opened alone ------------------------------------------ */

typedef struct
{
  const char *name;     /* file and screenshot name */
  const char *expect;   /* in the page's description (msgid) */
} BrokenFile;

static void
test_broken_files (void)
{
  g_autofree char *text = path_in_tmp ("notes.mp4");
  g_autofree char *empty = path_in_tmp ("empty.jpg");
  g_autofree char *video = path_in_tmp ("whole.webm");
  g_autofree char *cut = path_in_tmp ("cut.webm");
  g_autofree char *pdf = path_in_tmp ("report.pdf");
  g_autofree char *data = NULL;
  gsize len;
  const BrokenFile cases[] = {
    { "notes.mp4", N_("Open a photo (JPEG, PNG) or a video (MP4, WebM).") },
    { "empty.jpg", N_("The file is empty.") },
    { "cut.webm", N_("Check that the file is complete, or convert it to MP4 or WebM.") },
    { "damaged.jpg", N_("Check that the file is complete, or save it again as JPEG or PNG.") },
    { "report.pdf", N_("Open a photo (JPEG, PNG) or a video (MP4, WebM).") },
    /* a recent file deleted since */
    { "gone.jpg", N_("The file is not there any more.") },
  };

  g_free (make_damaged_jpeg ("damaged.jpg"));
  g_assert_true (g_file_set_contents (text, "These are notes, not a video.\n", -1, NULL));
  g_assert_true (g_file_set_contents (empty, "", 0, NULL));
  g_assert_true (g_file_set_contents (pdf, "%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n", -1, NULL));
  tf_test_make_video (video, sample, 10);
  g_assert_true (g_file_get_contents (video, &data, &len, NULL));
  /* its header and no picture */
  g_assert_true (g_file_set_contents (cut, data, MIN ((gssize) len, 600), NULL));

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = path_in_tmp (cases[i].name);
      g_autofree char *uri = uri_of (path);
      g_autofree char *shot = g_strdup_printf ("error-%s", cases[i].name);
      AdwStatusPage *page;
      const char *description;

      open_and_wait (path, 30);
      g_assert_true (tf_test_wait_until (error_page_shown, NULL, 10));
      page = error_page ();
      description = adw_status_page_get_description (page);
      g_test_message ("%s: %s", cases[i].name, description);
      /* the file's name, what is wrong, what to do, another file */
      g_assert_cmpstr (adw_status_page_get_title (page), ==, cases[i].name);
      g_assert_nonnull (strstr (description, _(cases[i].expect)));
      g_assert_nonnull (tf_test_find_widget (GTK_WIDGET (page), TF_TEST_BY_BUTTON_LABEL, _("_Open Another File…")));
      if (g_str_equal (cases[i].name, "damaged.jpg"))
        g_assert_nonnull (strstr (description, "premature end of data segment"));
      if (g_str_equal (cases[i].name, "report.pdf"))
        g_assert_nonnull (strstr (description, "PDF"));
      /* it failed: not offered again */
      g_assert_false (in_recent_list (uri));
      screenshot (shot);
    }

  /* a file that opens leaves the page */
  open_and_wait (sample, 30);
  g_assert_false (error_page_shown (NULL));
  g_assert_true (g_str_has_suffix (tf_photo_view_get_file (tf_window_get_photo_view (window)), "astronaut.png"));
}

/* ---- the player's own error ---------------------------------------------- */

static void
on_player_error_cb (TfVideoView *view,
                    const char  *message,
                    char       **out)
{
  g_free (*out);
  *out = g_strdup (message);
}

static gboolean
is_set (gpointer data)
{
  return *(char **) data != NULL;
}

static void
test_player_error (void)
{
  g_autofree char *video = path_in_tmp ("whole.webm");
  g_autofree char *text = path_in_tmp ("notes.mp4");
  g_autofree char *message = NULL;
  g_autoptr(GtkWidget) lone = g_object_ref_sink (tf_video_view_new ());
  TfVideoView *view = tf_window_get_video_view (window);

  /* the view says when its player cannot play the file */
  g_signal_connect (lone, "player-error", G_CALLBACK (on_player_error_cb), &message);
  tf_video_view_set_file (TF_VIDEO_VIEW (lone), text);
  tf_video_view_set_playing (TF_VIDEO_VIEW (lone), TRUE);
  g_assert_true (tf_test_wait_until (is_set, &message, 10));
  g_test_message ("the player: %s", message);
  tf_video_view_set_file (TF_VIDEO_VIEW (lone), NULL);

  /* and the window shows the video's error page */
  if (!g_file_test (video, G_FILE_TEST_EXISTS))
    tf_test_make_video (video, sample, 10);
  open_and_wait (video, 60);
  g_assert_false (error_page_shown (NULL));
  g_signal_emit_by_name (view, "player-error",
                         "Error from element /GstPlayBin:playbin/GstURIDecodeBin:uridecodebin0: Internal data stream error.");
  g_assert_true (tf_test_wait_until (error_page_shown, NULL, 5));
  g_assert_cmpstr (adw_status_page_get_title (error_page ()), ==, "whole.webm");
  g_assert_nonnull (strstr (adw_status_page_get_description (error_page ()), "Internal data stream error"));
  g_assert_null (strstr (adw_status_page_get_description (error_page ()), "GstPlayBin"));
  /* what was said first about the file stays */
  g_signal_emit_by_name (view, "player-error", "Another complaint");
  g_assert_null (strstr (adw_status_page_get_description (error_page ()), "Another complaint"));
}

/* ---- a broken file chosen in a folder's grid ------------------------------ */

static void
test_folder_item (void)
{
  g_autofree char *dir = path_in_tmp ("folder");
  g_autofree char *good = g_build_filename (dir, "good.png", NULL);
  g_autofree char *text = g_build_filename (dir, "notes.mp4", NULL);
  g_autofree char *contents = NULL;
  TfFolderView *view = tf_window_get_folder_view (window);
  AdwStatusPage *page;
  gsize len;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_assert_true (g_file_get_contents (sample, &contents, &len, NULL));
  g_assert_true (g_file_set_contents (good, contents, (gssize) len, NULL));
  g_assert_true (g_file_set_contents (text, "not a video\n", -1, NULL));

  open_and_wait (dir, 60);
  g_assert_cmpint (tf_window_get_view (window), ==, TF_VIEW_FOLDER);
  g_assert_false (error_page_shown (NULL));
  g_signal_emit_by_name (view, "item-activated", text);
  g_assert_true (tf_test_wait_until (error_page_shown, NULL, 10));
  page = error_page ();
  g_assert_cmpstr (adw_status_page_get_title (page), ==, "notes.mp4");
  g_assert_nonnull (strstr (adw_status_page_get_description (page), _("Open a photo (JPEG, PNG) or a video (MP4, WebM).")));
  screenshot ("error-folder-item");

  /* back to the grid, and on to a file that opens */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.back", NULL));
  tf_test_settle (0.1);
  g_assert_false (error_page_shown (NULL));
  g_signal_emit_by_name (view, "item-activated", good);
  tf_test_settle (0.1);
  g_assert_false (error_page_shown (NULL));
  g_assert_cmpstr (tf_photo_view_get_file (tf_window_get_photo_view (window)), ==, good);
}

/* ---- long messages, whole ------------------------------------------------- */

static void
test_long_toast (void)
{
  g_autofree char *long_text = g_strdup_printf (
    "%s: cannot be read: the model file's header says it holds 1,234 tensors "
    "but ends after 17 of them; download it again or choose another model",
    "/home/someone/Models/a-rather-long-model-name-finetuned-2026-11-30.safetensors");
  GtkWidget *details;
  AdwMessageDialog *dialog;

  close_dialogs ();
  /* a short one fits: no Details; a long one says its beginning */
  {
    g_autoptr(AdwToast) short_toast = g_object_ref_sink (tf_toast_new (GTK_WIDGET (window), "Face deleted"));
    g_autoptr(AdwToast) long_toast = g_object_ref_sink (tf_toast_new (GTK_WIDGET (window), long_text));
    const char *title = adw_toast_get_title (long_toast);

    g_assert_null (adw_toast_get_button_label (short_toast));
    g_assert_cmpstr (adw_toast_get_title (short_toast), ==, "Face deleted");
    g_test_message ("long toast: %s", title);
    g_assert_cmpint (g_utf8_strlen (title, -1), <=, TF_TOAST_MAX_CHARS);
    g_assert_true (g_str_has_suffix (title, "…"));
    g_assert_cmpstr (adw_toast_get_button_label (long_toast), ==, _("_Details"));
  }

  /* the longest text shown whole fits in the toast, unellipsized */
  open_and_wait (sample, 30);
  {
    g_autofree char *longest = g_strnfill (TF_TOAST_MAX_CHARS, 'W');
    GtkWidget *label = NULL;

    memcpy (longest, "Could not", 9);
    tf_window_add_toast (window, longest);
    for (int tries = 0; tries < 50 && label == NULL; tries++)
      {
        tf_test_settle (0.1);
        label = tf_test_find_widget (GTK_WIDGET (window), TF_TEST_BY_SHOWN_LABEL, longest);
      }
    g_assert_nonnull (label);
    g_assert_false (pango_layout_is_ellipsized (gtk_label_get_layout (GTK_LABEL (label))));
    g_assert_null (tf_test_find_widget (GTK_WIDGET (window), TF_TEST_BY_BUTTON_LABEL, _("_Details")));
  }

  /* the toasts of what was open before go with it */
  open_and_wait (sample, 30);
  tf_window_add_toast (window, long_text);
  details = NULL;
  for (int tries = 0; tries < 50 && details == NULL; tries++)
    {
      tf_test_settle (0.1);
      details = tf_test_find_widget (GTK_WIDGET (window), TF_TEST_BY_BUTTON_LABEL, _("_Details"));
    }
  g_assert_nonnull (details);
  /* the toast says the beginning, never the whole text cut by its width */
  g_assert_null (tf_test_find_widget (GTK_WIDGET (window), TF_TEST_BY_SHOWN_LABEL, long_text));
  screenshot ("long-toast");

  g_signal_emit_by_name (details, "clicked");
  g_assert_true (tf_test_wait_until (message_dialog_shown, NULL, 5));
  dialog = find_message_dialog ();
  g_assert_cmpstr (adw_message_dialog_get_body (dialog), ==, long_text);
  screenshot_of (GTK_WIDGET (dialog), "long-toast-details");
  close_dialogs ();
}

/* a bad model chosen in Preferences: a dialog with the whole message */
static void
test_bad_model_in_preferences (void)
{
  g_autofree char *folder = g_build_filename (g_get_user_data_dir (), "transfer-studio", "models", NULL);
  g_autofree char *bad = g_build_filename (folder, "broken-finetuned-model-with-a-long-name.safetensors", NULL);
  GtkWindow *preferences;
  GtkWidget *check;
  AdwMessageDialog *dialog;
  const char *body;

  close_dialogs ();
  g_assert_cmpint (g_mkdir_with_parents (folder, 0700), ==, 0);
  g_assert_true (g_file_set_contents (bad, "not a model at all", -1, NULL));
  g_action_group_activate_action (G_ACTION_GROUP (app), "preferences", NULL);
  g_assert_true (tf_test_wait_until (window_shown, GSIZE_TO_POINTER (TF_TYPE_PREFERENCES), 10));
  preferences = find_window (TF_TYPE_PREFERENCES);
  check = tf_test_find_type (GTK_WIDGET (preferences), GTK_TYPE_CHECK_BUTTON);
  g_assert_nonnull (check);
  gtk_check_button_set_active (GTK_CHECK_BUTTON (check), TRUE);
  g_assert_true (tf_test_wait_until (message_dialog_shown, NULL, 5));
  dialog = find_message_dialog ();
  body = adw_message_dialog_get_body (dialog);
  g_test_message ("bad model: %s", body);
  g_assert_cmpstr (adw_message_dialog_get_heading (dialog), ==, _("Could Not Load the Model"));
  g_assert_nonnull (strstr (body, "broken-finetuned-model-with-a-long-name.safetensors"));
  g_assert_true (gtk_window_get_transient_for (GTK_WINDOW (dialog)) == preferences);
  screenshot_of (GTK_WIDGET (dialog), "bad-model-dialog");
  /* the dialog and the (modal) preferences */
  close_dialogs ();
  if ((preferences = find_window (TF_TYPE_PREFERENCES)))
    gtk_window_destroy (preferences);
  g_assert_cmpint (g_remove (bad), ==, 0);
  tf_test_settle (0.1);
}

/* ---- the recent list ------------------------------------------------------ */

static void
add_as_chooser_would (const char *path,
                      const char *mime)
{
  g_autofree char *uri = uri_of (path);
  GtkRecentData data = {
    .mime_type = (char *) mime,
    .app_name = (char *) g_get_application_name (),
    .app_exec = (char *) "transfer-studio %u",
  };

  g_assert_true (gtk_recent_manager_add_full (gtk_recent_manager_get_default (), uri, &data));
}

static void
test_recent (void)
{
  g_autofree char *photo = path_in_tmp ("recent-photo.png");
  g_autofree char *csv = path_in_tmp ("faces.csv");
  g_autofree char *model = path_in_tmp ("model.safetensors");
  g_autofree char *broken = path_in_tmp ("broken.jpg");
  g_autofree char *contents = NULL;
  g_autofree char *photo_uri = NULL, *csv_uri = NULL, *model_uri = NULL, *broken_uri = NULL;
  gsize len;

  g_assert_true (g_file_get_contents (sample, &contents, &len, NULL));
  g_assert_true (g_file_set_contents (photo, contents, (gssize) len, NULL));
  photo_uri = uri_of (photo);
  csv_uri = uri_of (csv);
  model_uri = uri_of (model);
  broken_uri = uri_of (broken);

  /* an export written, and a model chosen, through the file chooser (which
   * adds them to the list under the application's name) */
  g_assert_true (g_file_set_contents (csv, "file,frame\n", -1, NULL));
  g_assert_true (g_file_set_contents (model, "x", -1, NULL));
  add_as_chooser_would (csv, "text/csv");
  add_as_chooser_would (model, "application/octet-stream");
  open_and_wait (photo, 30);
  g_assert_true (tf_test_wait_until (recent_menu_has, photo_uri, 10));
  g_assert_false (in_recent_menu (csv_uri));
  g_assert_false (in_recent_menu (model_uri));

  /* a file that opened once and is broken now: opening it again takes it out */
  g_assert_true (g_file_set_contents (broken, contents, (gssize) len, NULL));
  add_as_chooser_would (broken, "image/jpeg");
  g_assert_true (tf_test_wait_until (recent_menu_has, broken_uri, 10));
  g_assert_true (g_file_set_contents (broken, "now it is text", -1, NULL));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.open-recent", "s", broken_uri));
  finished = FALSE;
  g_assert_true (tf_test_wait_until (error_page_shown, NULL, 30));
  tf_test_settle (0.5);
  g_assert_false (in_recent_list (broken_uri));
  g_assert_false (in_recent_menu (broken_uri));
  g_assert_true (in_recent_menu (photo_uri));
  screenshot ("recent-after-failure");

  /* a project that no longer opens: its dialog, and it leaves the list */
  {
    g_autofree char *project = path_in_tmp ("damaged.tfproj");
    g_autofree char *project_uri = uri_of (project);

    g_assert_true (g_file_set_contents (project, "SQLite format 3 but not really", -1, NULL));
    add_as_chooser_would (project, "application/x-transfer-project");
    g_assert_true (tf_test_wait_until (recent_menu_has, project_uri, 10));
    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.open-recent", "s", project_uri));
    g_assert_true (tf_test_wait_until (message_dialog_shown, NULL, 5));
    g_assert_cmpstr (adw_message_dialog_get_heading (find_message_dialog ()), ==, _("Could Not Open the Project"));
    g_assert_false (in_recent_list (project_uri));
    close_dialogs ();
  }
}

int
main (int    argc,
      char **argv)
{
  int status;

  if (!tf_test_app_init (&argc, &argv, "test-gui-errors"))
    return 1;

  g_test_add_func ("/gui-errors/broken-files", test_broken_files);
  g_test_add_func ("/gui-errors/player-error", test_player_error);
  g_test_add_func ("/gui-errors/folder-item", test_folder_item);
  g_test_add_func ("/gui-errors/long-toast", test_long_toast);
  g_test_add_func ("/gui-errors/bad-model-in-preferences", test_bad_model_in_preferences);
  g_test_add_func ("/gui-errors/recent", test_recent);
  status = g_test_run ();
  tf_test_app_finish ();
  return status;
}
