/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The video view of the application's window under a real display (Xvfb,
 * GSK's cairo renderer, settings in memory): one seek bar (the timeline)
 * with a play/pause button, Space and the frame keys, the people of a
 * video by Page Down, a video with no face, and a cancelled analysis that
 * goes on. Keys go through the X server where XTest is there. A picture of
 * the window in each state is saved next to the test binary (its path is
 * in the log). */
#include <glib/gi18n.h>
#include <gst/gst.h>
#include <math.h>

#include "tf-test-app.h"
#include "tf-test-gst.h"
#include "tf-test-util.h"

/* a video of the astronaut for 3 s, made once */
static char *video;

static const char *
astronaut_video (void)
{
  if (video == NULL)
    {
      video = g_build_filename (tmpdir, "astronaut.webm", NULL);
      tf_test_make_video (video, sample, 45);
    }
  return video;
}

/* A key typed as a person types it: through the X server where XTest is
 * there, else straight to the window's capture-phase key handlers. */
static void
type_key (guint keyval)
{
#ifdef HAVE_XTEST
  if (GDK_IS_X11_DISPLAY (gtk_widget_get_display (GTK_WIDGET (window))))
    {
      tf_test_x11_key (GTK_WIDGET (window), keyval, 0);
      tf_test_settle (0.1);
      return;
    }
#endif
  {
    GtkEventController *keys = NULL;
    gboolean handled = FALSE;

    for (guint i = 0; (keys = tf_test_nth_controller (GTK_WIDGET (window), GTK_TYPE_EVENT_CONTROLLER_KEY, i)); i++)
      if (!handled)
        g_signal_emit_by_name (keys, "key-pressed", keyval, 0, 0, &handled);
    tf_test_settle (0.1);
  }
}

static GtkWidget *
play_button (void)
{
  TfVideoView *view = tf_window_get_video_view (window);
  GtkWidget *timeline = GTK_WIDGET (tf_video_view_get_timeline (view));
  GtkWidget *button = gtk_widget_get_prev_sibling (timeline);

  g_assert_true (GTK_IS_BUTTON (button));
  return button;
}

static gboolean
is_playing (gpointer data)
{
  return tf_video_view_get_playing (tf_window_get_video_view (window)) == GPOINTER_TO_INT (data);
}

/* One seek bar: no GtkVideo (whose controls were a second one, and a play
 * icon over the faces); the button beside the timeline and Space play and
 * pause, but Space in a text entry is a space. */
static void
test_play_pause (void)
{
  TfVideoView *view = tf_window_get_video_view (window);
  GtkWidget *button, *entry;
  g_autoptr(TfTestImage) image = NULL;
  graphene_rect_t frame, box;
  g_autoptr(TfFaceProbe) face = NULL;
  int got[3];

  open_and_wait (astronaut_video (), 120);
  g_assert_false (was_cancelled);
  g_assert_cmpint (tf_window_get_view (window), ==, TF_VIEW_VIDEO);
  g_assert_null (tf_test_find_type (GTK_WIDGET (window), GTK_TYPE_VIDEO));
  g_assert_null (tf_test_find_type (GTK_WIDGET (view), GTK_TYPE_SCALE));
  g_assert_nonnull (tf_test_find_type (GTK_WIDGET (view), GTK_TYPE_PICTURE));
  g_assert_cmpint (tf_test_count_widgets (GTK_WIDGET (view), TF_TEST_BY_TYPE,
                                          GSIZE_TO_POINTER (TF_TYPE_TIMELINE)), ==, 1);

  button = play_button ();
  g_assert_true (gtk_widget_get_sensitive (button));
  g_assert_cmpstr (gtk_button_get_icon_name (GTK_BUTTON (button)), ==, "media-playback-start-symbolic");
  g_assert_cmpstr (gtk_widget_get_tooltip_text (button), ==, C_("video", "Play"));
  g_assert_false (tf_video_view_get_playing (view));

  /* the face's box over the still frame, and nothing drawn in its middle
   * (where GtkVideo put its play icon) but the picture */
  tf_video_view_seek (view, 1.0);
  tf_test_settle (0.3);
  /* held: the face shown is replaced by itself with its maps */
  face = tf_face_probe_ref (tf_video_view_get_face (view));
  g_assert_nonnull (face);
  g_assert_true (tf_video_view_get_frame_rect (view, &frame));
  screenshot ("video-boxes");
  image = tf_test_render (GTK_WIDGET (view), "video-view-boxes", &(GdkRGBA) { 1, 1, 1, 1 });
  {
    double scale = frame.size.width / 480.0;
    GdkRGBA color;
    int want[3];

    box = GRAPHENE_RECT_INIT (frame.origin.x + face->box[0] * scale, frame.origin.y + face->box[1] * scale,
                              face->box[2] * scale, face->box[3] * scale);
    tf_widgets_class_color (face->predicted, &color);
    tf_test_rgba_to_rgb (&color, want);
    /* the box's left edge, half-way down */
    tf_test_pixel (image, box.origin.x, box.origin.y + box.size.height / 2, got);
    g_assert_cmpint (tf_test_distance (got, want), <=, 40);
  }

  /* the button plays and pauses, and says what it does next */
  gtk_widget_activate (button);
  g_assert_true (tf_test_wait_until (is_playing, GINT_TO_POINTER (TRUE), 5));
  g_assert_cmpstr (gtk_button_get_icon_name (GTK_BUTTON (button)), ==, "media-playback-pause-symbolic");
  g_assert_cmpstr (gtk_widget_get_tooltip_text (button), ==, C_("video", "Pause"));
  screenshot ("video-playing");
  gtk_widget_activate (button);
  g_assert_true (tf_test_wait_until (is_playing, GINT_TO_POINTER (FALSE), 5));
  g_assert_cmpstr (gtk_button_get_icon_name (GTK_BUTTON (button)), ==, "media-playback-start-symbolic");

  /* Space, with the focus on a button (which would take it for itself) */
  gtk_widget_grab_focus (button);
  type_key (GDK_KEY_space);
  g_assert_true (tf_test_wait_until (is_playing, GINT_TO_POINTER (TRUE), 5));
  type_key (GDK_KEY_space);
  g_assert_true (tf_test_wait_until (is_playing, GINT_TO_POINTER (FALSE), 5));
  screenshot ("video-paused");

  /* in a text entry (the label's note) Space is typed, not played */
  entry = tf_test_find_type (GTK_WIDGET (tf_face_inspector_get_label_bar (tf_window_get_inspector (window))),
                             GTK_TYPE_ENTRY);
  g_assert_nonnull (entry);
  g_assert_true (gtk_widget_grab_focus (entry));
  type_key (GDK_KEY_space);
  tf_test_settle (0.3);
  g_assert_false (tf_video_view_get_playing (view));
#ifdef HAVE_XTEST
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (entry)), ==, " ");
#endif
  gtk_editable_set_text (GTK_EDITABLE (entry), "");
  gtk_widget_grab_focus (button);
}

/* The timeline at a time: a key typed through the X server is handled
 * when the main loop gets to it, which under ASan on a loaded machine
 * can take longer than type_key's 0.1 s. */
static double want_position;

static gboolean
position_is_wanted (gpointer data)
{
  (void) data;
  return fabs (tf_timeline_get_position (tf_video_view_get_timeline (tf_window_get_video_view (window)))
               - want_position) < 1e-6;
}

static gboolean
track_is_selected (gpointer data)
{
  return tf_video_view_get_selected_track (tf_window_get_video_view (window)) == GPOINTER_TO_INT (data);
}

static gboolean
at_position (double time_s)
{
  want_position = time_s;
  return tf_test_wait_until (position_is_wanted, NULL, 5);
}

/* Period and comma step through the analysed frames; Page Down and Page
 * Up go through the people (one here: it stays chosen). */
static void
test_frame_keys (void)
{
  TfVideoView *view = tf_window_get_video_view (window);
  TfTimeline *timeline = tf_video_view_get_timeline (view);
  GPtrArray *results = tf_window_get_results (window);
  g_autoptr(TfFaceProbe) first = NULL;
  g_autoptr(TfFaceProbe) second = NULL;

  g_assert_cmpuint (results->len, >=, 3);
  /* held: a face shown is replaced by the same face with its maps */
  first = tf_face_probe_ref (g_ptr_array_index (results, 0));
  second = tf_face_probe_ref (g_ptr_array_index (results, 1));
  tf_video_view_seek (view, first->time_s);

  type_key (GDK_KEY_period);
  g_assert_true (at_position (second->time_s));
  /* the same face (its maps, made when it is shown, come in a new probe) */
  g_assert_cmpfloat (tf_video_view_get_face (view)->time_s, ==, second->time_s);
  g_assert_true (tf_face_inspector_get_probe (tf_window_get_inspector (window)) == tf_video_view_get_face (view));
  type_key (GDK_KEY_comma);
  g_assert_true (at_position (first->time_s));
  /* nothing before the first */
  type_key (GDK_KEY_comma);
  g_assert_cmpfloat (fabs (tf_timeline_get_position (timeline) - first->time_s), <, 1e-6);

  /* the one person stays chosen, at the face of the moment */
  tf_video_view_seek (view, second->time_s);
  type_key (GDK_KEY_Page_Down);
  g_assert_true (tf_test_wait_until (track_is_selected, GINT_TO_POINTER (second->track), 5));
  g_assert_cmpint (tf_video_view_get_selected_track (view), ==, second->track);
  g_assert_cmpint (tf_timeline_get_selected_track (timeline), ==, second->track);
  g_assert_cmpfloat (fabs (tf_timeline_get_position (timeline) - second->time_s), <, 1e-6);
  screenshot ("video-frame-keys");

  /* and the shortcuts window says so */
  g_action_group_activate_action (G_ACTION_GROUP (app), "shortcuts", NULL);
  g_assert_true (tf_test_wait_until (window_shown, GSIZE_TO_POINTER (GTK_TYPE_SHORTCUTS_WINDOW), 10));
  {
    GtkWidget *shortcuts = GTK_WIDGET (find_window (GTK_TYPE_SHORTCUTS_WINDOW));
    const char *want[][2] = {
      { C_("shortcut window", "Play or pause"), "space" },
      { C_("shortcut window", "Next / previous person"), "Page_Down Page_Up" },
      { C_("shortcut window", "Next / previous analysed frame"), "period comma" },
    };
    g_autoptr(GPtrArray) all = g_ptr_array_new ();
    g_autoptr(GPtrArray) todo = g_ptr_array_new ();
    /* every shortcut of the window, pages not shown included */
    g_ptr_array_add (todo, shortcuts);
    while (todo->len > 0)
      {
        GtkWidget *one = g_ptr_array_steal_index (todo, todo->len - 1);

        if (GTK_IS_SHORTCUTS_SHORTCUT (one))
          g_ptr_array_add (all, one);
        for (GtkWidget *c = gtk_widget_get_first_child (one); c; c = gtk_widget_get_next_sibling (c))
          g_ptr_array_add (todo, c);
      }
    for (guint i = 0; i < G_N_ELEMENTS (want); i++)
      {
        gboolean found = FALSE;

        for (guint k = 0; k < all->len; k++)
          {
            g_autofree char *title = NULL, *accel = NULL;

            g_object_get (all->pdata[k], "title", &title, "accelerator", &accel, NULL);
            found = found || (g_strcmp0 (title, want[i][0]) == 0 && g_strcmp0 (accel, want[i][1]) == 0);
          }
        if (!found)
          g_error ("the shortcuts window does not list \"%s\" (%s)", want[i][0], want[i][1]);
      }
    gtk_window_destroy (GTK_WINDOW (shortcuts));
  }
}

/* A video without a face says so once its analysis is over, and not
 * before. */
static void
test_no_faces (void)
{
  g_autofree char *folder = g_build_filename (tmpdir, "no-faces", NULL);
  g_autofree char *path = g_build_filename (folder, "no-face.webm", NULL);
  g_autofree char *pipeline = g_strdup_printf (
    "videotestsrc pattern=smpte num-buffers=15 ! video/x-raw,width=320,height=240,framerate=15/1 ! "
    "videoconvert ! vp8enc deadline=1 ! webmmux ! filesink location=\"%s\"", path);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  TfTimeline *timeline = tf_video_view_get_timeline (tf_window_get_video_view (window));
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (folder, 0700), ==, 0);
  g_assert_true (tf_test_run_pipeline (pipeline));
  g_assert_true (tf_window_new_project (window, &error));
  g_assert_no_error (error);
  finished = FALSE;
  tf_window_open (window, &file, 1);
  /* still analysing */
  g_assert_cmpstr (tf_timeline_get_empty_text (timeline), ==, _("No faces tracked yet"));
  g_assert_true (tf_test_wait_until (is_finished, NULL, 60));
  g_assert_false (was_cancelled);
  g_assert_cmpint (tf_timeline_get_n_tracks (timeline), ==, 0);
  g_assert_cmpstr (tf_timeline_get_empty_text (timeline), ==, _("No faces found in this video"));
  screenshot ("video-no-faces");

  /* the same from a folder's grid, once its analysis is over */
  open_and_wait (folder, 60);
  g_assert_cmpint (tf_window_get_view (window), ==, TF_VIEW_FOLDER);
  g_signal_emit_by_name (tf_window_get_folder_view (window), "item-activated", path);
  tf_test_settle (0.2);
  g_assert_cmpstr (tf_video_view_get_file (tf_window_get_video_view (window)), ==, path);
  g_assert_cmpstr (tf_timeline_get_empty_text (timeline), ==, _("No faces found in this video"));
}

static gboolean
has_faces (gpointer data)
{
  return tf_window_get_results (window)->len >= GPOINTER_TO_UINT (data);
}

static gint64
project_faces (void)
{
  TfProjectFilter all = { .labelled = TF_LABELLED_ANY, .label = TF_PROJECT_ANY, .predicted = TF_PROJECT_ANY };
  g_autoptr(GError) error = NULL;
  gint64 n = tf_project_count_faces (tf_window_get_project (window), &all, &error);

  g_assert_no_error (error);
  return n;
}

/* the faces' times, in order, as one string */
static char *
face_times (void)
{
  GPtrArray *results = tf_window_get_results (window);
  GString *times = g_string_new (NULL);

  for (guint i = 0; i < results->len; i++)
    {
      TfFaceProbe *p = g_ptr_array_index (results, i);
      g_string_append_printf (times, "%.3f/%d ", p->time_s, p->face);
    }
  return g_string_free (times, FALSE);
}

#ifdef TF_TEST_ASAN
#  define CONTINUE_FRAMES 20
#else
#  define CONTINUE_FRAMES 40
#endif

/* A cancelled analysis keeps its faces and offers to go on; going on
 * analyses the rest only: the same faces as an analysis never stopped,
 * none twice, in the window and in the project, on the same track. */
static void
test_continue (void)
{
  g_autofree char *path = g_build_filename (tmpdir, "continue.webm", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GSettings) settings = g_settings_new (TF_APPLICATION_ID);
  TfSession *session = tf_window_get_session (window);
  TfVideoView *view = tf_window_get_video_view (window);
  g_autofree char *whole = NULL, *resumed = NULL;
  GtkWidget *button;
  GPtrArray *results;
  gint64 whole_stored;
  guint before, whole_n;

  /* every frame of 2.7 s (1.3 s under ASan, where each face takes 5 times longer) */
  tf_test_make_video (path, sample, CONTINUE_FRAMES);
  g_settings_set_double (settings, "video-fps", 0);
  open_and_wait (path, 120);
  g_assert_false (was_cancelled);
  whole = face_times ();
  whole_n = tf_window_get_results (window)->len;
  whole_stored = project_faces ();
  g_test_message ("never stopped: %u faces (%" G_GINT64_FORMAT " stored)",
                  tf_window_get_results (window)->len, whole_stored);
  g_assert_cmpuint (tf_window_get_results (window)->len, >=, CONTINUE_FRAMES * 3 / 4);

  /* again, cancelled part-way */
  {
    g_autoptr(GError) error = NULL;
    g_assert_true (tf_window_new_project (window, &error));
    g_assert_no_error (error);
  }
  finished = FALSE;
  tf_window_open (window, &file, 1);
  g_assert_true (tf_test_wait_until (has_faces, GUINT_TO_POINTER (6), 60));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.cancel", NULL));
  g_assert_true (tf_test_wait_until (is_finished, NULL, 10));
  g_assert_true (was_cancelled);
  tf_test_settle (0.3);
  before = tf_window_get_results (window)->len;
  g_test_message ("cancelled after %u faces", before);
  g_assert_cmpuint (before, >=, 6);
  g_assert_cmpuint (before, <, whole_n);   /* part-way */
  g_assert_true (tf_session_can_continue (session));
  button = tf_test_find_widget (GTK_WIDGET (window), TF_TEST_BY_BUTTON_LABEL, _("C_ontinue Analysis"));
  g_assert_nonnull (button);
  g_assert_true (gtk_widget_is_visible (button));
  g_assert_nonnull (tf_test_find_widget (GTK_WIDGET (window), TF_TEST_BY_SHOWN_LABEL,
                                         _("Analysis cancelled: the faces found so far are kept")));
  screenshot ("video-cancelled");
  g_assert_cmpstr (tf_timeline_get_empty_text (tf_video_view_get_timeline (view)), ==, _("No faces tracked yet"));

  /* go on, with the button where the progress bar was */
  finished = FALSE;
  g_signal_emit_by_name (button, "clicked");
  g_assert_false (gtk_widget_is_visible (button));
  g_assert_true (tf_window_get_busy (window));
  g_assert_true (tf_test_wait_until (is_finished, NULL, 120));
  g_assert_false (was_cancelled);
  g_assert_false (tf_session_can_continue (session));
  tf_test_settle (0.3);
  screenshot ("video-continued");

  results = tf_window_get_results (window);
  resumed = face_times ();
  g_test_message ("went on to %u faces", results->len);
  g_assert_cmpstr (resumed, ==, whole);
  g_assert_cmpint (project_faces (), ==, whole_stored);
  /* the one person's track went on */
  for (guint i = 0; i < results->len; i++)
    g_assert_cmpint (((TfFaceProbe *) g_ptr_array_index (results, i))->track, ==, 1);
  g_assert_cmpuint (tf_video_view_get_n_tracks (view), ==, 1);
  g_assert_false (gtk_widget_is_visible (button));
  g_settings_reset (settings, "video-fps");
}

int
main (int    argc,
      char **argv)
{
  int status;

  if (!tf_test_app_init (&argc, &argv, "test-gui-video"))
    return 1;

  g_test_add_func ("/gui-video/play-pause", test_play_pause);
  g_test_add_func ("/gui-video/frame-keys", test_frame_keys);
  g_test_add_func ("/gui-video/no-faces", test_no_faces);
  g_test_add_func ("/gui-video/continue", test_continue);
  status = g_test_run ();
  g_clear_pointer (&video, g_free);
  tf_test_app_finish ();
  return status;
}
