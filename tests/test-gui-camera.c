/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The Live Camera page, on a GStreamer test source instead of a device (as
 * --camera-pipeline gives it): the sample portrait frozen into a 30 fps
 * stream. The overlay draws the face's box, its map and its prediction;
 * Record stores the faces in the project, with a picture of the frame
 * beside it; a pipeline that does not parse and a stream that ends say so
 * on the page, and the page stops when another is shown. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tf-camera-view.h"
#include "tf-test-app.h"
#include "tf-window-private.h"   /* tf_window_project_lend: a window without its project */

static char *portrait;   /* the pipeline */

static TfCameraView *
view (void)
{
  return tf_window_get_camera_view (window);
}

static gboolean
has_face (gpointer data)
{
  GPtrArray *faces = tf_camera_view_get_faces (view ());

  return tf_camera_view_get_updates (view ()) >= GPOINTER_TO_UINT (data) && faces != NULL && faces->len == 1;
}

static gboolean
has_rollout (gpointer data)
{
  GPtrArray *faces = tf_camera_view_get_faces (view ());

  return faces != NULL && faces->len == 1 && ((TfFaceProbe *) faces->pdata[0])->rollout != NULL;
}

static gboolean
in_state (gpointer data)
{
  return g_str_equal (tf_camera_view_get_state (view ()), data);
}

/* whether @menu (or a section of it) has an item for @action */
static gboolean
menu_has_action (GMenuModel *menu,
                 const char *action)
{
  for (int i = 0; i < g_menu_model_get_n_items (menu); i++)
    {
      g_autoptr(GMenuModel) section = g_menu_model_get_item_link (menu, i, G_MENU_LINK_SECTION);
      g_autofree char *a = NULL;

      if (section && menu_has_action (section, action))
        return TRUE;
      if (g_menu_model_get_item_attribute (menu, i, G_MENU_ATTRIBUTE_ACTION, "s", &a) && g_str_equal (a, action))
        return TRUE;
    }
  return FALSE;
}

/* Without a pipeline given and without a camera, the menu's Live Camera
 * (Ctrl+Shift+C) says so, and what to do. */
static void
test_no_camera (void)
{
  GtkWidget *page;
  GtkWidget *button = tf_test_find_widget (GTK_WIDGET (window), TF_TEST_BY_ID, "primary_menu_button");

  g_assert_nonnull (button);
  g_assert_true (menu_has_action (gtk_menu_button_get_menu_model (GTK_MENU_BUTTON (button)), "win.live-camera"));

  if (g_file_test ("/dev/video0", G_FILE_TEST_EXISTS) || g_file_test ("/.flatpak-info", G_FILE_TEST_EXISTS))
    {
      g_test_skip ("this machine has a camera");
      return;
    }
  g_unsetenv ("TF_CAMERA_PIPELINE");
  press_key (GDK_KEY_C, GDK_CONTROL_MASK | GDK_SHIFT_MASK);
  g_assert_true (tf_test_wait_until (in_state, "none", 5));
  page = tf_test_find_widget (GTK_WIDGET (view ()), TF_TEST_BY_NAME, "camera-problem");
  g_assert_true (gtk_widget_get_mapped (page));
  g_assert_cmpstr (adw_status_page_get_title (ADW_STATUS_PAGE (page)), ==, "No Camera Found");
  g_assert_nonnull (strstr (adw_status_page_get_description (ADW_STATUS_PAGE (page)), "--camera-pipeline"));
  screenshot ("camera-none");
}

/* The camera page as drawn, with the map at @opacity: the pixel at the
 * centre of the face into @rgb (its alpha returned); the box's edge and
 * the label checked on the way. */
static int
face_centre (double opacity,
             int    rgb[3])
{
  g_autoptr(GSettings) settings = g_settings_new (TF_APPLICATION_ID);
  g_autoptr(TfTestImage) image = NULL;
  g_autofree char *name = g_strdup_printf ("gui-camera-overlay-%.0f", opacity);
  GtkWidget *picture = tf_test_find_widget (GTK_WIDGET (view ()), TF_TEST_BY_NAME, "camera-picture");
  graphene_rect_t at;
  TfFaceProbe *p;
  double scale, x0, y0, bx, by, bw, bh;
  int edge[3], label[3];

  g_settings_set_double (settings, "overlay-opacity", opacity);
  /* a result shown after the change (its map is made when it is shown) */
  g_assert_true (tf_test_wait_until (has_face, GUINT_TO_POINTER (tf_camera_view_get_updates (view ()) + 1), 20));
  image = tf_test_render (GTK_WIDGET (view ()), name, &(GdkRGBA) { 0, 0, 0, 1 });
  g_assert_true (gtk_widget_compute_bounds (picture, GTK_WIDGET (view ()), &at));
  scale = MIN (at.size.width / 640.0, at.size.height / 480.0);
  x0 = at.origin.x + (at.size.width - 640 * scale) / 2;
  y0 = at.origin.y + (at.size.height - 480 * scale) / 2;
  p = g_ptr_array_index (tf_camera_view_get_faces (view ()), 0);
  bx = x0 + p->box[0] * scale;
  by = y0 + p->box[1] * scale;
  bw = p->box[2] * scale;
  bh = p->box[3] * scale;
  tf_test_pixel (image, bx + bw / 2, by + bh - 1, edge);    /* the bottom edge, 2 pixels inside */
  g_test_message ("edge %d,%d,%d", edge[0], edge[1], edge[2]);
  g_assert_cmpint (edge[1], >, 150);
  g_assert_cmpint (edge[0], <, 120);
  tf_test_pixel (image, bx + 2, by - 4, label);              /* the label's shade */
  g_assert_cmpint (label[0] + label[1] + label[2], <, 3 * 110);
  return tf_test_pixel (image, bx + bw / 2, by + bh / 2, rgb);
}

static void
test_overlay (void)
{
  g_autoptr(GSettings) settings = g_settings_new (TF_APPLICATION_ID);
  g_autoptr(GError) error = NULL;
  TfFaceProbe *p;
  int rgb_map[3], rgb_photo[3];

  g_assert_true (tf_window_new_project (window, &error));
  g_assert_no_error (error);
  tf_window_show_camera (window, portrait);
  g_assert_true (tf_test_wait_until (has_face, GUINT_TO_POINTER (3), 30));
  g_assert_cmpstr (tf_camera_view_get_state (view ()), ==, "live");
  g_assert_cmpstr (tf_camera_view_get_description (view ()), ==, portrait);

  /* the face: a prediction, and the maps the overlay draws */
  p = g_ptr_array_index (tf_camera_view_get_faces (view ()), 0);
  g_assert_cmpint (p->classes, >, 1);
  g_assert_cmpint (p->predicted, >=, 0);
  g_assert_cmpint (p->predicted, <, p->classes);
  g_assert_cmpfloat (p->probs[p->predicted], >, 0.2);
  g_assert_nonnull (p->lanet_max);
  g_assert_nonnull (p->source_rgb);
  g_assert_cmpfloat (p->box[2], >, 40);
  g_test_message ("face at %.0f,%.0f %.0fx%.0f: %s %.2f", p->box[0], p->box[1], p->box[2], p->box[3],
                  p->class_names[p->predicted], p->probs[p->predicted]);
  screenshot ("camera-live");

  /* over the picture: the box's green edge, the prediction's shaded
   * label above it, and the map inside, which the opacity setting shows */
  g_assert_cmpint (face_centre (1.0, rgb_map), ==, 255);
  g_assert_cmpint (face_centre (0.0, rgb_photo), ==, 255);
  g_test_message ("centre of the face: %d,%d,%d with the map, %d,%d,%d without", rgb_map[0], rgb_map[1],
                  rgb_map[2], rgb_photo[0], rgb_photo[1], rgb_photo[2]);
  g_assert_cmpint (abs (rgb_map[0] - rgb_photo[0]) + abs (rgb_map[1] - rgb_photo[1]) +
                   abs (rgb_map[2] - rgb_photo[2]), >, 60);
  g_settings_reset (settings, "overlay-opacity");

  /* the rollout chosen in the inspector: the camera computes it from then on */
  g_assert_null (((TfFaceProbe *) g_ptr_array_index (tf_camera_view_get_faces (view ()), 0))->rollout);
  g_settings_set_string (settings, "overlay-map", "rollout");
  g_assert_true (tf_test_wait_until (has_rollout, NULL, 20));
  g_settings_reset (settings, "overlay-map");
}

static gboolean
recorded (gpointer data)
{
  return tf_camera_view_get_recorded (view ()) >= GPOINTER_TO_UINT (data);
}

static void
test_record (void)
{
  g_autoptr(GError) error = NULL;
  TfProject *project = tf_window_get_project (window);
  g_autofree char *stem = NULL;
  g_autofree char *folder = NULL;
  g_autoptr(GDir) dir = NULL;
  gint64 before, after;
  guint pictures = 0;
  const char *name;

  g_assert_nonnull (project);
  g_assert_cmpstr (tf_camera_view_get_state (view ()), ==, "live");
  before = tf_project_count_faces (project, NULL, &error);
  g_assert_no_error (error);
  tf_camera_view_set_recording (view (), TRUE);
  g_assert_true (tf_test_wait_until (recorded, GUINT_TO_POINTER (1), 20));
  tf_camera_view_set_recording (view (), FALSE);
  screenshot ("camera-recorded");
  after = tf_project_count_faces (project, NULL, &error);
  g_assert_no_error (error);
  /* the face in view, stored as the analysis stores a picture's */
  g_assert_cmpint (after - before, ==, tf_camera_view_get_recorded (view ()));
  g_assert_cmpint (after - before, >=, 1);

  /* the pictures beside the project: NAME-camera/camera-DATE.png */
  stem = g_strndup (tf_project_get_path (project), strlen (tf_project_get_path (project)) - strlen (TF_PROJECT_SUFFIX));
  folder = g_strconcat (stem, "-camera", NULL);
  dir = g_dir_open (folder, 0, &error);
  g_assert_no_error (error);
  while ((name = g_dir_read_name (dir)) != NULL)
    pictures += g_str_has_prefix (name, "camera-") && g_str_has_suffix (name, ".png");
  g_assert_cmpuint (pictures, >=, 1);
}

static void
test_bad_pipeline (void)
{
  GtkWidget *page;

  tf_window_show_camera (window, "nosuchcamerasrc device=/dev/video7");
  g_assert_cmpstr (tf_camera_view_get_state (view ()), ==, "error");
  /* GStreamer's reason, with the pipeline */
  g_assert_nonnull (strstr (tf_camera_view_get_message (view ()), "nosuchcamerasrc"));
  page = tf_test_find_widget (GTK_WIDGET (view ()), TF_TEST_BY_NAME, "camera-problem");
  g_assert_true (gtk_widget_get_mapped (page));
  g_assert_nonnull (strstr (adw_status_page_get_description (ADW_STATUS_PAGE (page)), "nosuchcamerasrc"));
  screenshot ("camera-bad-pipeline");
}

/* A stream that ends while it is shown (a camera unplugged): the page says
 * so; Ctrl+Shift+C starts the last pipeline again; another page stops it. */
static void
test_ends_and_stops (void)
{
  tf_window_show_camera (window, "videotestsrc num-buffers=10 ! video/x-raw,width=320,height=240,framerate=30/1");
  g_assert_true (tf_test_wait_until (in_state, "error", 20));
  g_assert_nonnull (strstr (tf_camera_view_get_message (view ()), "end of stream"));
  screenshot ("camera-ended");

  tf_window_show_camera (window, portrait);
  g_assert_true (tf_test_wait_until (in_state, "live", 5));
  tf_window_show_page (window, "stats");
  g_assert_cmpstr (tf_camera_view_get_state (view ()), ==, "stopped");
  /* the shortcut: the page again, with the pipeline given last */
  press_key (GDK_KEY_C, GDK_CONTROL_MASK | GDK_SHIFT_MASK);
  g_assert_true (tf_test_wait_until (in_state, "live", 5));
  g_assert_cmpstr (tf_camera_view_get_description (view ()), ==, portrait);
  tf_camera_view_stop (view ());
  g_assert_cmpstr (tf_camera_view_get_state (view ()), ==, "stopped");
}

static gboolean
label_shown (gpointer data)
{
  return tf_test_find_widget (GTK_WIDGET (window), TF_TEST_BY_SHOWN_LABEL, data) != NULL;
}

static gboolean
not_recording (gpointer data)
{
  return !tf_camera_view_get_recording (view ());
}

/* Without a project to write (lent to the Fine-tune page here), Record
 * turns itself off and offers a new project. */
static void
test_record_without_project (void)
{
  TfProject *project;
  guint before;

  tf_window_show_camera (window, portrait);
  g_assert_true (tf_test_wait_until (in_state, "live", 10));
  project = tf_window_project_lend (window);
  g_assert_nonnull (project);
  before = tf_camera_view_get_recorded (view ());
  tf_camera_view_set_recording (view (), TRUE);
  g_assert_true (tf_test_wait_until (not_recording, NULL, 20));
  g_assert_true (tf_test_wait_until (label_shown, "_New Project", 5));
  screenshot ("camera-record-without-project");
  g_assert_cmpuint (tf_camera_view_get_recorded (view ()), ==, before);
  tf_camera_view_stop (view ());
  tf_window_project_give_back (window, project);
}

int
main (int    argc,
      char **argv)
{
  int status;

  if (!tf_test_app_init (&argc, &argv, "test-gui-camera"))
    return 1;
  portrait = g_strdup_printf ("filesrc location=\"%s\" ! decodebin ! imagefreeze ! videoconvert ! videoscale ! "
                              "video/x-raw,width=640,height=480,framerate=30/1", sample);
  g_test_add_func ("/gui-camera/no-camera", test_no_camera);
  g_test_add_func ("/gui-camera/overlay", test_overlay);
  g_test_add_func ("/gui-camera/record", test_record);
  g_test_add_func ("/gui-camera/bad-pipeline", test_bad_pipeline);
  g_test_add_func ("/gui-camera/ends-and-stops", test_ends_and_stops);
  g_test_add_func ("/gui-camera/record-without-project", test_record_without_project);
  status = g_test_run ();
  tf_test_app_finish ();
  g_free (portrait);
  return status;
}
