/* SPDX-License-Identifier: GPL-3.0-or-later */
/* "What am I looking at?" and what goes with it, in the whole window: the
 * main menu's entry and F1 open the help, drawn from the sample photo
 * analysed in the background when no face is chosen; the inspector's (?)
 * buttons open it at their section, drawn from the face inspected; the map
 * chosen survives a new face and is the setting; Ctrl+R and Preferences'
 * Re-analyse analyse what is open again, keeping what a person labelled. */
#include <glib/gi18n.h>

#include "tf-test-app.h"

#include "tf-help.h"
#include "tf-preferences.h"
#include "tf-widgets-private.h"

static TfHelp *
help (void)
{
  return TF_HELP (tf_window_get_help (window));
}

static gboolean
help_shown (gpointer data)
{
  GtkWindow *w = tf_window_get_help (window);

  return w != NULL && gtk_widget_get_mapped (GTK_WIDGET (w)) && gtk_widget_get_width (GTK_WIDGET (w)) > 0;
}

static gboolean
help_has_ablation (gpointer data)
{
  TfFaceProbe *p = help () ? tf_help_get_probe (help ()) : NULL;

  return p != NULL && p->ablation != NULL;
}

static gboolean
help_gone (gpointer data)
{
  return tf_window_get_help (window) == NULL;
}

static void
close_help (void)
{
  if (tf_window_get_help (window) != NULL)
    gtk_window_close (tf_window_get_help (window));
  g_assert_true (tf_test_wait_until (help_gone, NULL, 5));
}

/* a key typed on the X server's keyboard; without XTest, the action it is
 * bound to */
static void
type_key (guint           keyval,
          GdkModifierType mods,
          const char     *action,
          GVariant       *param)
{
#ifdef HAVE_XTEST
  if (GDK_IS_X11_DISPLAY (gtk_widget_get_display (GTK_WIDGET (window))))
    {
      gtk_window_present (GTK_WINDOW (window));
      tf_test_settle (0.1);
      tf_test_x11_key (GTK_WIDGET (window), keyval, mods);
      return;
    }
#endif
  g_assert_true (gtk_widget_activate_action_variant (GTK_WIDGET (window), action, param));
}

/* The pictures are the help's face drawn by the inspector's widgets: each
 * overlay holds the help's probe (the engine's outputs), none is empty. */
static void
assert_real_pictures (TfFaceProbe *probe)
{
  GtkWidget *root = GTK_WIDGET (help ());
  int overlays = 0, grids = 0, scales = 0;
  GtkWidget *child;

  g_assert_nonnull (probe);
  g_assert_nonnull (probe->lanet_maps);
  g_assert_nonnull (probe->rollout);
  g_assert_nonnull (probe->head_contrib);
  g_assert_nonnull (probe->crop);
  /* walk every widget of the help */
  for (child = root; child != NULL;)
    {
      if (TF_IS_ATTENTION_OVERLAY (child))
        {
          g_assert_true (tf_attention_overlay_get_kind (TF_ATTENTION_OVERLAY (child)) >= TF_OVERLAY_NONE);
          overlays++;
        }
      else if (TF_IS_HEAD_GRID (child))
        {
          int blocks, heads;

          tf_head_grid_get_shape (TF_HEAD_GRID (child), &blocks, &heads);
          g_assert_cmpint (blocks, ==, probe->depth);
          g_assert_cmpint (heads, ==, probe->heads);
          grids++;
        }
      else if (TF_IS_COLOR_SCALE (child))
        scales++;
      if (gtk_widget_get_first_child (child))
        child = gtk_widget_get_first_child (child);
      else
        {
          while (child != root && gtk_widget_get_next_sibling (child) == NULL)
            child = gtk_widget_get_parent (child);
          child = child == root ? NULL : gtk_widget_get_next_sibling (child);
        }
    }
  /* the crop twice, two LANets and their max, rollout, a head */
  g_assert_cmpint (overlays, >=, 7);
  g_assert_cmpint (grids, ==, 3);
  g_assert_cmpint (scales, ==, 3);
}

static GtkWidget *
main_menu_button (void)
{
  return tf_test_find_widget (GTK_WIDGET (window), TF_TEST_BY_ID, "primary_menu_button");
}

/* the main menu's item whose action is @action: its target, or NULL */
static gboolean
menu_has (GMenuModel *menu,
          const char *label,
          const char *action)
{
  for (int i = 0; i < g_menu_model_get_n_items (menu); i++)
    {
      g_autofree char *l = NULL, *a = NULL;
      g_autoptr(GMenuModel) section = g_menu_model_get_item_link (menu, i, G_MENU_LINK_SECTION);

      if (section && menu_has (section, label, action))
        return TRUE;
      if (g_menu_model_get_item_attribute (menu, i, G_MENU_ATTRIBUTE_LABEL, "s", &l) &&
          g_menu_model_get_item_attribute (menu, i, G_MENU_ATTRIBUTE_ACTION, "s", &a) &&
          g_str_equal (l, label) && g_str_equal (a, action))
        {
          /* the target the action takes: the help's first page */
          g_autoptr(GVariant) target = g_menu_model_get_item_attribute_value (menu, i, G_MENU_ATTRIBUTE_TARGET, NULL);

          if (g_str_equal (action, "win.help"))
            {
              g_assert_nonnull (target);
              g_assert_true (g_variant_is_of_type (target, G_VARIANT_TYPE_STRING));
              g_assert_cmpstr (g_variant_get_string (target, NULL), ==, "");
            }
          return TRUE;
        }
    }
  return FALSE;
}

static void
test_menu_and_f1 (void)
{
  GMenuModel *menu = NULL;
  GtkWidget *button = NULL;
  TfFaceProbe *probe;

  /* no face chosen yet: the pictures are the sample photo's */
  g_assert_null (tf_face_inspector_get_probe (tf_window_get_inspector (window)));
  button = main_menu_button ();
  g_assert_nonnull (button);
  menu = gtk_menu_button_get_menu_model (GTK_MENU_BUTTON (button));
  g_assert_true (menu_has (menu, _("_What Am I Looking At?"), "win.help"));
  g_assert_true (menu_has (menu, _("_Re-analyse"), "win.reanalyse"));

  /* F1 */
  type_key (GDK_KEY_F1, 0, "win.help", g_variant_new_string (""));
  g_assert_true (tf_test_wait_until (help_shown, NULL, 10));
  g_assert_cmpstr (tf_help_get_section (help ()), ==, "face");
  /* the sample analysed in the background, then its heads dropped one by one */
  g_assert_true (tf_test_wait_until (help_has_ablation, NULL, 60));
  probe = tf_help_get_probe (help ());
  assert_real_pictures (probe);
  g_assert_true (g_str_has_suffix (probe->file, "astronaut.png"));
  screenshot_of (GTK_WIDGET (help ()), "help-face");
  tf_help_show_section (help (), "maps");
  screenshot_of (GTK_WIDGET (help ()), "help-maps");
  tf_help_show_section (help (), "class-token");
  screenshot_of (GTK_WIDGET (help ()), "help-class-token");
  tf_help_show_section (help (), "rollout");
  screenshot_of (GTK_WIDGET (help ()), "help-rollout");
  tf_help_show_section (help (), "ablation");
  screenshot_of (GTK_WIDGET (help ()), "help-ablation");
  tf_help_show_section (help (), "colours");
  screenshot_of (GTK_WIDGET (help ()), "help-colours");

  /* the menu's entry is the same action, at the first page */
  tf_help_show_section (help (), "heads");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.help", "s", ""));
  g_assert_cmpstr (tf_help_get_section (help ()), ==, "face");
  close_help ();
}

static void
test_inspector_buttons (void)
{
  TfFaceInspector *inspector = tf_window_get_inspector (window);
  GtkWidget *maps, *heads;
  TfFaceProbe *probe;

  open_and_wait (sample, 30);
  g_assert_true (tf_test_wait_until (has_inspected_face, NULL, 10));
  probe = tf_face_inspector_get_probe (inspector);

  maps = tf_test_find_widget (GTK_WIDGET (inspector), TF_TEST_BY_NAME, "maps");
  heads = tf_test_find_widget (GTK_WIDGET (inspector), TF_TEST_BY_NAME, "heads");
  g_assert_true (GTK_IS_BUTTON (maps));
  g_assert_true (GTK_IS_BUTTON (heads));
  screenshot ("inspector");

  g_signal_emit_by_name (maps, "clicked");
  g_assert_true (tf_test_wait_until (help_shown, NULL, 10));
  g_assert_cmpstr (tf_help_get_section (help ()), ==, "maps");
  /* the face in the inspector, not the sample's own analysis */
  g_assert_true (tf_help_get_probe (help ()) == probe || tf_help_get_probe (help ())->face_id == probe->face_id);
  assert_real_pictures (tf_help_get_probe (help ()));
  screenshot_of (GTK_WIDGET (help ()), "help-from-inspector");

  g_signal_emit_by_name (heads, "clicked");
  g_assert_cmpstr (tf_help_get_section (help ()), ==, "heads");
  screenshot_of (GTK_WIDGET (help ()), "help-heads");
  close_help ();
}

static void
test_map_choice (void)
{
  TfFaceInspector *inspector = tf_window_get_inspector (window);
  TfAttentionOverlay *overlay = tf_face_inspector_get_overlay (inspector);
  g_autoptr(GSettings) settings = g_settings_new ("com.example.TransFER");
  g_autofree char *copy = g_build_filename (tmpdir, "another.png", NULL);
  g_autofree char *contents = NULL;
  g_autofree char *stored = NULL;
  GtkDropDown *chooser;
  gsize length;
  int index, head;

  open_and_wait (sample, 30);
  g_assert_true (tf_test_wait_until (has_inspected_face, NULL, 10));
  chooser = GTK_DROP_DOWN (tf_test_find_type (GTK_WIDGET (inspector), GTK_TYPE_DROP_DOWN));
  g_assert_nonnull (chooser);

  /* the second LANet, chosen as a person does: the setting follows */
  gtk_drop_down_set_selected (chooser, 1);
  stored = g_settings_get_string (settings, "overlay-map");
  g_assert_cmpstr (stored, ==, "lanet-2");

  /* another face (another photo, analysed): still the second LANet */
  g_assert_true (g_file_get_contents (sample, &contents, &length, NULL));
  g_assert_true (g_file_set_contents (copy, contents, (gssize) length, NULL));
  open_and_wait (copy, 30);
  g_assert_true (tf_test_wait_until (has_inspected_face, NULL, 10));
  g_assert_cmpstr (tf_face_inspector_get_probe (inspector)->file, ==, copy);
  g_assert_cmpint (tf_attention_overlay_get_kind (overlay), ==, TF_OVERLAY_LANET);
  tf_attention_overlay_get_index (overlay, &index, &head);
  g_assert_cmpint (index, ==, 1);
  g_assert_cmpuint (gtk_drop_down_get_selected (chooser), ==, 1);

  /* the setting changed elsewhere (a new start reads it the same way) */
  g_settings_set_string (settings, "overlay-map", "rollout");
  g_assert_cmpint (tf_attention_overlay_get_kind (overlay), ==, TF_OVERLAY_ROLLOUT);
  /* the crop as the model sees it, remembered */
  g_assert_true (g_settings_get_boolean (settings, "crop-as-model"));
  g_assert_true (tf_attention_overlay_get_shows_gray (overlay));
  g_settings_set_boolean (settings, "crop-as-model", FALSE);
  g_assert_false (tf_attention_overlay_get_shows_gray (overlay));
  screenshot ("colour-crop");
  g_settings_reset (settings, "crop-as-model");
  g_settings_reset (settings, "overlay-map");
}

static gboolean
count_cb (const TfProjectFace *face,
          gpointer             user_data)
{
  (*(int *) user_data)++;
  return TRUE;
}

static int
project_faces (void)
{
  int n = 0;

  g_assert_true (tf_project_foreach_face (tf_window_get_project (window), NULL, count_cb, &n, NULL));
  return n;
}

static void
test_reanalyse (void)
{
  TfFaceInspector *inspector = tf_window_get_inspector (window);
  TfLabelBar *bar = tf_face_inspector_get_label_bar (inspector);
  g_autoptr(GSettings) settings = g_settings_new ("com.example.TransFER");
  TfFaceProbe *before, *after;
  gint64 run, id;
  TfProjectLabel label = { 0 };
  GtkWindow *prefs;
  GtkWidget *button;

  open_and_wait (sample, 30);
  g_assert_true (tf_test_wait_until (has_inspected_face, NULL, 10));
  before = tf_face_inspector_get_probe (inspector);
  id = before->face_id;
  g_assert_cmpint (id, >, 0);
  run = tf_project_get_latest_run (tf_window_get_project (window));
  g_assert_cmpint (project_faces (), ==, 1);
  /* a label given by a person */
  g_assert_true (tf_label_bar_handle_key (bar, GDK_KEY_Return));
  tf_test_settle (0.1);

  /* a preference that applies from the next analysis, then Ctrl+R */
  g_settings_set_double (settings, "detector-threshold", 0.5);
  finished = FALSE;
  type_key (GDK_KEY_r, GDK_CONTROL_MASK, "win.reanalyse", NULL);
  g_assert_true (tf_test_wait_until (is_finished, NULL, 30));
  g_assert_true (tf_test_wait_until (has_inspected_face, NULL, 10));
  after = tf_face_inspector_get_probe (inspector);
  g_assert_true (after != before);
  /* a new run of the project, the same face with its label, no copy of it */
  g_assert_cmpint (tf_project_get_latest_run (tf_window_get_project (window)), >, run);
  g_assert_cmpint (after->face_id, ==, id);
  g_assert_cmpint (project_faces (), ==, 1);
  g_assert_true (tf_project_get_label (tf_window_get_project (window), id, &label, NULL));
  g_assert_cmpint (label.label, ==, after->predicted);
  tf_project_label_clear (&label);

  /* a threshold the face does not reach (its score is 0.94): the labelled
   * face is not found again, and stays, shown as stored */
  g_settings_set_double (settings, "detector-threshold", 0.99);
  finished = FALSE;
  type_key (GDK_KEY_r, GDK_CONTROL_MASK, "win.reanalyse", NULL);
  g_assert_true (tf_test_wait_until (is_finished, NULL, 30));
  tf_test_settle (0.1);
  g_assert_cmpuint (tf_photo_view_get_n_faces (tf_window_get_photo_view (window)), ==, 1);
  g_assert_true (tf_test_wait_until (has_inspected_face, NULL, 10));
  g_assert_cmpint (tf_face_inspector_get_probe (inspector)->face_id, ==, id);
  g_assert_cmpint (project_faces (), ==, 1);
  screenshot ("reanalysed-kept");

  /* Preferences' own button does the same and gets out of the way */
  g_assert_true (g_action_group_has_action (G_ACTION_GROUP (app), "preferences"));
  g_action_group_activate_action (G_ACTION_GROUP (app), "preferences", NULL);
  g_assert_true (tf_test_wait_until (window_shown, GSIZE_TO_POINTER (TF_TYPE_PREFERENCES), 10));
  prefs = find_window (TF_TYPE_PREFERENCES);
  button = tf_test_find_widget (GTK_WIDGET (prefs), TF_TEST_BY_BUTTON_LABEL, _("_Re-analyse"));
  g_assert_nonnull (button);
  g_assert_true (gtk_widget_is_sensitive (button));
  screenshot_of (GTK_WIDGET (prefs), "preferences-reanalyse");
  finished = FALSE;
  g_signal_emit_by_name (button, "clicked");
  g_assert_true (tf_test_wait_until (is_finished, NULL, 30));
  tf_test_settle (0.2);
  g_assert_null (find_window (TF_TYPE_PREFERENCES));
  g_assert_cmpint (project_faces (), ==, 1);
  g_settings_reset (settings, "detector-threshold");
}

int
main (int    argc,
      char **argv)
{
  if (!tf_test_app_init (&argc, &argv, "test-gui-help"))
    return 77;

  g_test_add_func ("/gui-help/menu-and-f1", test_menu_and_f1);
  g_test_add_func ("/gui-help/inspector-buttons", test_inspector_buttons);
  g_test_add_func ("/gui-help/map-choice", test_map_choice);
  g_test_add_func ("/gui-help/reanalyse", test_reanalyse);

  {
    int status = g_test_run ();

    tf_test_app_finish ();
    return status;
  }
}
