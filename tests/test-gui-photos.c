/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Going through a folder of photos in the application's window (Xvfb, keys
 * through the X server): a small folder made here from the sample photo
 * (copies, a picture with two faces of different sizes, one with none, a
 * file that is not a picture). The next and previous photo without the
 * grid, labelling on the way, Back to the thumbnail last shown with the
 * keyboard focus on it, the grid's selection in the inspector, the main
 * face of a picture with two, and the toast naming the files without a
 * result with its button. A picture of the window in each state is saved
 * next to the test binary (its path is in the log). */
#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "tf-test-app.h"

static char *folder;

/* ---- fixtures ------------------------------------------------------------ */

/* The sample twice on a grey ground: at 0.55 of its size on the left, whole
 * on the right, so that the larger face is not the first found. */
static void
make_two_faces (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkPixbuf) astronaut = gdk_pixbuf_new_from_file (sample, &error);
  g_autoptr(GdkPixbuf) canvas = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, 1100, 560);
  int w, h;

  g_assert_no_error (error);
  w = gdk_pixbuf_get_width (astronaut);
  h = gdk_pixbuf_get_height (astronaut);
  gdk_pixbuf_fill (canvas, 0x707070ff);
  gdk_pixbuf_composite (astronaut, canvas, 40, 150, (int) (w * 0.55), (int) (h * 0.55), 40, 150, 0.55, 0.55,
                        GDK_INTERP_BILINEAR, 255);
  gdk_pixbuf_copy_area (astronaut, 0, 0, w, h, canvas, 560, 24);
  g_assert_true (gdk_pixbuf_save (canvas, path, "png", &error, NULL));
  g_assert_no_error (error);
}

/* the folder: a-copy.png, b-two-faces.png, c-copy.png, d-no-face.png,
 * e-notes.jpg (not a picture) */
static void
make_folder (void)
{
  g_autofree char *contents = NULL, *path = NULL;
  g_autoptr(GdkPixbuf) blank = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, 320, 240);
  gsize len;

  folder = g_build_filename (tmpdir, "photos", NULL);
  g_assert_cmpint (g_mkdir_with_parents (folder, 0700), ==, 0);
  g_assert_true (g_file_get_contents (sample, &contents, &len, NULL));
  for (int i = 0; i < 2; i++)
    {
      g_autofree char *name = g_build_filename (folder, i == 0 ? "a-copy.png" : "c-copy.png", NULL);
      g_assert_true (g_file_set_contents (name, contents, (gssize) len, NULL));
    }
  path = g_build_filename (folder, "b-two-faces.png", NULL);
  make_two_faces (path);
  g_free (path);
  path = g_build_filename (folder, "d-no-face.png", NULL);
  gdk_pixbuf_fill (blank, 0x808080ff);
  g_assert_true (gdk_pixbuf_save (blank, path, "png", NULL, NULL));
  g_free (path);
  path = g_build_filename (folder, "e-notes.jpg", NULL);
  g_assert_true (g_file_set_contents (path, "not a picture\n", -1, NULL));
}

static TfFolderView *
grid (void)
{
  return tf_window_get_folder_view (window);
}

static TfFolderItem *
nth_item (guint i)
{
  g_autoptr(TfFolderItem) item = g_list_model_get_item (tf_folder_view_get_model (grid ()), i);

  return item;   /* the model holds it */
}

static guint
position_of (const char *file)
{
  GListModel *model = tf_folder_view_get_model (grid ());

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    if (g_strcmp0 (tf_folder_item_get_file (nth_item (i)), file) == 0)
      return i;
  g_assert_not_reached ();
  return 0;
}

static guint
position_ending (const char *suffix)
{
  GListModel *model = tf_folder_view_get_model (grid ());

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    if (g_str_has_suffix (tf_folder_item_get_file (nth_item (i)), suffix))
      return i;
  g_assert_not_reached ();
  return 0;
}

/* the face in the inspector (it keeps the last one while another page
 * says that no face is chosen) */
static TfFaceProbe *
inspected (void)
{
  TfFaceInspector *inspector = tf_window_get_inspector (window);

  return gtk_widget_get_mapped (GTK_WIDGET (inspector)) ? tf_face_inspector_get_probe (inspector) : NULL;
}

/* the page of a file that cannot be read, when it is the one shown */
static AdwStatusPage *
shown_error_page (void)
{
  GtkWidget *page = tf_test_find_widget (GTK_WIDGET (window), TF_TEST_BY_NAME, "error-page");

  g_assert_nonnull (page);
  if (gtk_stack_get_visible_child (GTK_STACK (gtk_widget_get_parent (page))) != page)
    return NULL;
  return ADW_STATUS_PAGE (page);
}

/* the folder's file shown: its photo, or its error page (the file whose
 * name the page bears, found in the grid) */
static const char *
shown_file (void)
{
  AdwStatusPage *page = shown_error_page ();
  GListModel *model;

  if (page == NULL)
    return tf_photo_view_get_file (tf_window_get_photo_view (window));
  model = tf_folder_view_get_model (tf_window_get_folder_view (window));
  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(TfFolderItem) item = g_list_model_get_item (model, i);
      g_autofree char *name = g_filename_display_basename (tf_folder_item_get_file (item));

      if (g_strcmp0 (name, adw_status_page_get_title (page)) == 0)
        return tf_folder_item_get_file (item);
    }
  return NULL;
}

static const char *
subtitle (void)
{
  AdwHeaderBar *bar = ADW_HEADER_BAR (tf_test_find_type (GTK_WIDGET (window), ADW_TYPE_HEADER_BAR));

  return adw_window_title_get_subtitle (ADW_WINDOW_TITLE (adw_header_bar_get_title_widget (bar)));
}

/* the index of the largest box: what a person looks at first here */
static int
largest_face (TfPhotoView *view)
{
  int best = -1;
  double best_area = 0;

  for (guint i = 0; i < tf_photo_view_get_n_faces (view); i++)
    {
      TfFaceProbe *p = tf_photo_view_get_face (view, i);
      if ((double) p->box[2] * p->box[3] > best_area)
        {
          best_area = (double) p->box[2] * p->box[3];
          best = (int) i;
        }
    }
  return best;
}

/* a key typed, and what it does done; without XTest, the action the key is
 * bound to */
static void
type_key (guint           keyval,
          GdkModifierType mods)
{
#ifdef HAVE_XTEST
  if (GDK_IS_X11_DISPLAY (gtk_widget_get_display (GTK_WIDGET (window))))
    {
      tf_test_x11_key (GTK_WIDGET (window), keyval, mods);
      tf_test_settle (0.15);
      return;
    }
#endif
  if (keyval == GDK_KEY_Page_Down || keyval == GDK_KEY_Right)
    gtk_widget_activate_action (GTK_WIDGET (window), "win.next-face", NULL);
  else if (keyval == GDK_KEY_Page_Up || keyval == GDK_KEY_Left)
    gtk_widget_activate_action (GTK_WIDGET (window), "win.previous-face", NULL);
  else
    press_key (keyval, mods);
  tf_test_settle (0.15);
}

static gboolean
photo_loaded (gpointer data)
{
  return tf_photo_view_get_loaded (tf_window_get_photo_view (window));
}

static void
open_item (guint position)
{
  g_signal_emit_by_name (grid (), "item-activated", tf_folder_item_get_file (nth_item (position)));
  g_assert_true (tf_test_wait_until (photo_loaded, NULL, 10));
}

/* the position of the grid's cell that has the keyboard focus, or -1 */
static int
focused_position (void)
{
  GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (window));
  GListModel *model = tf_folder_view_get_model (grid ());

  if (focus == NULL || !gtk_widget_is_ancestor (focus, GTK_WIDGET (grid ())))
    return -1;
  /* the cell's card is the one whose name label is the shown file's */
  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autofree char *name = g_filename_display_basename (tf_folder_item_get_file (nth_item (i)));
      GtkWidget *label = tf_test_find_widget (focus, TF_TEST_BY_SHOWN_LABEL, name);

      if (label)
        return (int) i;
    }
  return -1;
}

static gboolean
focus_on_cell (gpointer data)
{
  return focused_position () == GPOINTER_TO_INT (data);
}

/* a window of @type shown, application's or not (a dialog is not) */
static GtkWidget *
find_toplevel (GType type)
{
  GList *toplevels = gtk_window_list_toplevels ();
  GtkWidget *found = NULL;

  for (GList *l = toplevels; l && !found; l = l->next)
    if (G_TYPE_CHECK_INSTANCE_TYPE (l->data, type) && gtk_widget_get_mapped (l->data))
      found = l->data;
  g_list_free (toplevels);
  return found;
}

static gboolean
toplevel_shown (gpointer data)
{
  return find_toplevel (GPOINTER_TO_SIZE (data)) != NULL;
}

static gboolean
labelled (gpointer data)
{
  /* by id: the probe shown is replaced by the same face with its maps */
  gint64 face_id = (gint64) GPOINTER_TO_SIZE (data);

  return tf_label_map_lookup (tf_window_get_label_map (window), face_id, NULL) != TF_LABEL_MAP_NONE;
}

/* ---- tests --------------------------------------------------------------- */

/* the toast names the files, its button lists them, a row opens one */
static void
test_toast (void)
{
  GtkWidget *show, *dialog, *row;
  guint no_face = position_ending ("d-no-face.png");

  show = tf_test_find_widget (GTK_WIDGET (window), TF_TEST_BY_BUTTON_LABEL,
                              g_dpgettext2 (GETTEXT_PACKAGE, "toast button", "Show All"));
  g_assert_nonnull (show);
  g_assert_nonnull (tf_test_find_widget (GTK_WIDGET (window), TF_TEST_BY_SHOWN_LABEL,
                                         "e-notes.jpg could not be read, d-no-face.png has no face"));
  screenshot ("photos-toast");
  gtk_widget_activate (show);
  g_assert_true (tf_test_wait_until (toplevel_shown, GSIZE_TO_POINTER (ADW_TYPE_MESSAGE_DIALOG), 5));
  dialog = find_toplevel (ADW_TYPE_MESSAGE_DIALOG);
  g_assert_cmpuint (tf_test_count_widgets (dialog, TF_TEST_BY_TYPE, GSIZE_TO_POINTER (ADW_TYPE_ACTION_ROW)), ==, 2);
  screenshot_of (dialog, "photos-toast-dialog");
  row = tf_test_find_widget (dialog, TF_TEST_BY_SHOWN_LABEL, "d-no-face.png");
  g_assert_nonnull (row);
  row = gtk_widget_get_ancestor (row, GTK_TYPE_LIST_BOX_ROW);
  gtk_widget_activate (row);
  tf_test_settle (0.2);
  g_assert_null (find_toplevel (ADW_TYPE_MESSAGE_DIALOG));
  g_assert_true (g_str_has_suffix (shown_file (), "d-no-face.png"));
  g_assert_cmpstr (subtitle (), ==, "d-no-face.png");
  g_assert_null (inspected ());
  screenshot ("photos-toast-opened");

  /* Back: the file shown is the grid's selection, with the focus */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.back", NULL));
  g_assert_true (tf_folder_view_get_selected (grid ()) == nth_item (no_face));
  g_assert_true (tf_test_wait_until (focus_on_cell, GUINT_TO_POINTER (no_face), 5));
}

/* Page Down / Up and Ctrl+Right / Left from photo to photo, labelling on
 * the way, the ends the ends */
static void
test_next_photo (void)
{
  TfPhotoView *photo = tf_window_get_photo_view (window);
  guint n = g_list_model_get_n_items (tf_folder_view_get_model (grid ()));
  TfFaceProbe *probe;
  guint at;

  open_item (0);
  g_assert_cmpstr (shown_file (), ==, tf_folder_item_get_file (nth_item (0)));
  /* at the start, back stays */
  type_key (GDK_KEY_Page_Up, 0);
  g_assert_cmpstr (shown_file (), ==, tf_folder_item_get_file (nth_item (0)));

  for (at = 1; at < n; at++)
    {
      g_autofree char *name = g_filename_display_basename (tf_folder_item_get_file (nth_item (at)));

      type_key (at % 2 ? GDK_KEY_Page_Down : GDK_KEY_Right, at % 2 ? 0 : GDK_CONTROL_MASK);
      g_assert_cmpstr (shown_file (), ==, tf_folder_item_get_file (nth_item (at)));
      /* the title and the inspector follow */
      g_assert_cmpstr (subtitle (), ==, name);
      if (tf_folder_item_get_n_faces (nth_item (at)) > 0)
        {
          g_assert_true (tf_test_wait_until (photo_loaded, NULL, 10));
          g_assert_cmpint (tf_photo_view_get_selected (photo), ==, largest_face (photo));
          g_assert_true (inspected () == tf_photo_view_get_face (photo, tf_photo_view_get_selected (photo)));
        }
      else
        g_assert_null (inspected ());
    }
  screenshot ("photos-last");
  /* at the end, on stays: no wrap to the first */
  type_key (GDK_KEY_Page_Down, 0);
  g_assert_cmpstr (shown_file (), ==, tf_folder_item_get_file (nth_item (n - 1)));
  type_key (GDK_KEY_Right, GDK_CONTROL_MASK);
  g_assert_cmpstr (shown_file (), ==, tf_folder_item_get_file (nth_item (n - 1)));

  /* back to a copy with a face, and a digit labels it there */
  at = position_ending ("a-copy.png");
  while (position_of (shown_file ()) > at)
    type_key (position_of (shown_file ()) % 2 ? GDK_KEY_Page_Up : GDK_KEY_Left,
              position_of (shown_file ()) % 2 ? 0 : GDK_CONTROL_MASK);
  g_assert_cmpstr (shown_file (), ==, tf_folder_item_get_file (nth_item (at)));
  probe = inspected ();
  g_assert_nonnull (probe);
  g_assert_cmpint (probe->face_id, >, 0);
  type_key (GDK_KEY_1, 0);
  g_assert_true (tf_test_wait_until (labelled, GSIZE_TO_POINTER ((gsize) probe->face_id), 5));
  screenshot ("photos-labelled");

  /* Back (Alt+Left, as in other GNOME applications): that photo selected
   * and focused, and the arrow keys go on from it */
#ifdef HAVE_XTEST
  type_key (GDK_KEY_Left, GDK_ALT_MASK);
#else
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.back", NULL));
#endif
  g_assert_false (tf_window_get_busy (window));
  g_assert_cmpstr (gtk_stack_get_visible_child_name (GTK_STACK (gtk_widget_get_parent (GTK_WIDGET (grid ())))), ==, "folder");
  g_assert_true (tf_folder_view_get_selected (grid ()) == nth_item (at));
  g_assert_true (inspected () == tf_folder_item_get_main_face (nth_item (at)));
  g_assert_true (tf_test_wait_until (focus_on_cell, GUINT_TO_POINTER (at), 5));
  screenshot ("photos-back");
#ifdef HAVE_XTEST
  {
    guint next = at + 1 < n ? at + 1 : at - 1;

    type_key (at + 1 < n ? GDK_KEY_Right : GDK_KEY_Left, 0);
    g_assert_true (tf_test_wait_until (focus_on_cell, GUINT_TO_POINTER (next), 5));
    /* the keyboard's selection shows its main face before it is opened */
    g_assert_true (tf_folder_view_get_selected (grid ()) == nth_item (next));
    g_assert_true (inspected () == tf_folder_item_get_main_face (nth_item (next)));
    /* Enter opens it (labelling keys are not Enter's there) */
    type_key (GDK_KEY_Return, 0);
    g_assert_true (tf_test_wait_until (photo_loaded, NULL, 10));
    g_assert_cmpstr (shown_file (), ==, tf_folder_item_get_file (nth_item (next)));
    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.back", NULL));
  }
#endif
}

/* two faces: the larger is chosen, in the photo and in the grid */
static void
test_main_face (void)
{
  TfPhotoView *photo = tf_window_get_photo_view (window);
  guint two = position_ending ("b-two-faces.png");
  TfFolderItem *item = nth_item (two);
  TfFaceProbe *a, *b;

  g_assert_cmpuint (tf_folder_item_get_n_faces (item), ==, 2);
  a = tf_folder_item_get_face (item, 0);
  b = tf_folder_item_get_face (item, 1);
  g_test_message ("faces: %.0fx%.0f (score %.2f), %.0fx%.0f (score %.2f)",
                  a->box[2], a->box[3], a->score, b->box[2], b->box[3], b->score);
  g_assert_cmpfloat (fabs ((double) a->box[2] * a->box[3] - (double) b->box[2] * b->box[3]), >,
                     0.3 * MAX ((double) a->box[2] * a->box[3], (double) b->box[2] * b->box[3]));

  /* selected in the grid: its larger face in the inspector */
  tf_folder_view_select_file (grid (), tf_folder_item_get_file (item), TRUE);
  g_assert_true (inspected () == ((double) a->box[2] * a->box[3] > (double) b->box[2] * b->box[3] ? a : b));
  screenshot ("photos-grid-selected");

  open_item (two);
  g_assert_cmpint (tf_photo_view_get_selected (photo), ==, largest_face (photo));
  g_assert_true (inspected () == tf_photo_view_get_face (photo, largest_face (photo)));
  screenshot ("photos-two-faces");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.back", NULL));
}

/* one file without a face: named, and its button opens it */
static void
test_toast_one (void)
{
  g_autofree char *dir = g_build_filename (tmpdir, "one", NULL);
  g_autofree char *contents = NULL, *copy = NULL, *blank_path = NULL;
  g_autoptr(GdkPixbuf) blank = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, 200, 150);
  GtkWidget *show;
  gsize len;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_assert_true (g_file_get_contents (sample, &contents, &len, NULL));
  copy = g_build_filename (dir, "face.png", NULL);
  g_assert_true (g_file_set_contents (copy, contents, (gssize) len, NULL));
  blank_path = g_build_filename (dir, "IMG_0042.png", NULL);
  gdk_pixbuf_fill (blank, 0x506070ff);
  g_assert_true (gdk_pixbuf_save (blank, blank_path, "png", NULL, NULL));

  open_and_wait (dir, 60);
  g_assert_nonnull (tf_test_find_widget (GTK_WIDGET (window), TF_TEST_BY_SHOWN_LABEL, "IMG_0042.png has no face"));
  show = tf_test_find_widget (GTK_WIDGET (window), TF_TEST_BY_BUTTON_LABEL,
                              g_dpgettext2 (GETTEXT_PACKAGE, "toast button", "Show"));
  g_assert_nonnull (show);
  screenshot ("photos-toast-one");
  gtk_widget_activate (show);
  g_assert_true (tf_test_wait_until (photo_loaded, NULL, 5));
  g_assert_null (find_toplevel (ADW_TYPE_MESSAGE_DIALOG));
  g_assert_cmpstr (shown_file (), ==, blank_path);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.back", NULL));
  g_assert_true (tf_folder_view_get_selected (grid ()) == tf_folder_view_lookup (grid (), blank_path));
}

/* ---- main ---------------------------------------------------------------- */

int
main (int    argc,
      char **argv)
{
  int status;

  if (!tf_test_app_init (&argc, &argv, "test-gui-photos"))
    return 1;
  make_folder ();
  open_and_wait (folder, 90);
  g_assert_cmpuint (g_list_model_get_n_items (tf_folder_view_get_model (grid ())), ==, 5);

  g_test_add_func ("/photos/toast", test_toast);
  g_test_add_func ("/photos/next-photo", test_next_photo);
  g_test_add_func ("/photos/main-face", test_main_face);
  g_test_add_func ("/photos/toast-one", test_toast_one);
  status = g_test_run ();
  g_clear_pointer (&folder, g_free);
  tf_test_app_finish ();
  return status;
}
