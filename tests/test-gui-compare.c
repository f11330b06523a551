/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Comparing with a second model, in the whole window: the sample photo's
 * face through the shipped model and through a second one side by side in
 * the sidebar, the banner saying whether they agree, a model that does not
 * load refused with its name, and the folder's grid listing only the files
 * the two disagree on; Stop Comparing takes it all away. */
#include <glib/gi18n.h>
#include <math.h>

#include "tf-test-app.h"

#include "tf-model.h"

static char *shipped, *renamed, *other;

static TfFaceProbe *
inspected (void)
{
  return tf_face_inspector_get_probe (tf_window_get_inspector (window));
}

static gboolean
has_compare_maps (gpointer data)
{
  TfFaceProbe *p = inspected ();

  return p != NULL && p->compare != NULL && p->compare->lanet_max != NULL;
}

/* every face open has its second view */
static gboolean
all_compared (gpointer data)
{
  GPtrArray *results = tf_window_get_results (window);

  for (guint i = 0; i < results->len; i++)
    if (((TfFaceProbe *) g_ptr_array_index (results, i))->compare == NULL)
      return FALSE;
  return results->len > 0;
}

/* The shipped model with its class names in reverse order: the same
 * numbers, so it predicts the class in the same place under another name
 * (a disagreement known in advance), and a small random model of other
 * classes. */
static void
make_models (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TfModel) m = tf_model_load (shipped, &error);
  g_autoptr(TfModel) small = NULL;
  TfConfig c;
  const char *classes[] = { "neutral", "happiness", "calm", NULL };
  int k;

  g_assert_no_error (error);
  k = m->config.num_classes;
  for (int i = 0; i < k / 2; i++)
    {
      char *t = m->classes[i];
      m->classes[i] = m->classes[k - 1 - i];
      m->classes[k - 1 - i] = t;
    }
  renamed = g_build_filename (tmpdir, "renamed.safetensors", NULL);
  g_assert_true (tf_model_save (m, renamed, TF_DTYPE_F32, &error));
  g_assert_no_error (error);

  g_assert_true (tf_config_preset ("small", 3, &c));
  c.input_size = 48;
  small = tf_model_new (&c, classes);
  tf_model_init_random (small, 4);
  other = g_build_filename (tmpdir, "other.safetensors", NULL);
  g_assert_true (tf_model_save (small, other, TF_DTYPE_F32, &error));
  g_assert_no_error (error);
}

/* The mirrored average is on by default in the application; off, the same
 * face reads (a little) otherwise */
static void
test_mirror (void)
{
  g_autoptr(GSettings) settings = g_settings_new ("com.example.TransFER");
  g_autofree float *averaged = NULL;
  TfFaceProbe *p;
  float diff = 0;

  g_assert_true (g_settings_get_boolean (settings, "mirror-average"));
  open_and_wait (sample, 30);
  g_assert_true (tf_test_wait_until (has_inspected_face, NULL, 10));
  p = inspected ();
  averaged = g_memdup2 (p->probs, sizeof (float) * p->classes);
  g_settings_set_boolean (settings, "mirror-average", FALSE);
  open_and_wait (sample, 30);
  g_assert_true (tf_test_wait_until (has_inspected_face, NULL, 10));
  p = inspected ();
  for (int k = 0; k < p->classes; k++)
    diff = MAX (diff, fabsf (p->probs[k] - averaged[k]));
  g_assert_cmpfloat (diff, >, 1e-6);
  g_settings_reset (settings, "mirror-average");
}

static void
test_photo (void)
{
  TfComparePanel *panel = tf_window_get_compare_panel (window);
  g_autoptr(GError) error = NULL;
  g_autofree char *bad = g_build_filename (tmpdir, "broken.safetensors", NULL);
  g_autofree char *expected = NULL;
  TfFaceProbe *p;

  open_and_wait (sample, 30);
  g_assert_true (tf_test_wait_until (has_inspected_face, NULL, 10));
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (panel)));
  g_assert_false (g_action_group_get_action_enabled (G_ACTION_GROUP (window), "only-disagreeing"));

  /* the shipped model against itself: the same answer, agreeing */
  g_assert_true (tf_window_compare_with (window, shipped, &error));
  g_assert_no_error (error);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (panel)));
  g_assert_true (tf_test_wait_until (has_compare_maps, NULL, 10));
  p = inspected ();
  g_assert_cmpint (p->compare->classes, ==, p->classes);
  for (int k = 0; k < p->classes; k++)
    g_assert_cmpfloat_with_epsilon (p->compare->probs[k], p->probs[k], 1e-5);
  g_assert_false (tf_compare_panel_get_disagree (panel));
  expected = g_strdup_printf (_("The models agree: %s"), tf_class_display_name (p->class_names[p->predicted]));
  g_assert_cmpstr (tf_compare_panel_get_banner (panel), ==, expected);
  g_clear_pointer (&expected, g_free);
  /* the heads side by side: the same model, the same shares */
  expected = g_strdup_printf (_("Their heads' contributions differ by %.0f %% on average"), 0.0);
  g_assert_cmpstr (tf_compare_panel_get_head_diff (panel), ==, expected);
  g_clear_pointer (&expected, g_free);
  screenshot ("compare-agree");

  /* the same numbers under other names: a disagreement, named */
  g_assert_true (tf_window_compare_with (window, renamed, &error));
  g_assert_true (tf_test_wait_until (has_compare_maps, NULL, 10));
  p = inspected ();
  g_assert_cmpint (p->compare->predicted, ==, p->predicted);
  g_assert_true (tf_compare_panel_get_disagree (panel));
  expected = g_strdup_printf (_("The models disagree: %s vs %s"), tf_class_display_name (p->class_names[p->predicted]),
                              tf_class_display_name (p->compare->class_names[p->compare->predicted]));
  g_assert_cmpstr (tf_compare_panel_get_banner (panel), ==, expected);
  screenshot ("compare-disagree");

  /* other classes, input size and colour: compared on the classes shared */
  g_assert_true (tf_window_compare_with (window, other, &error));
  g_assert_true (tf_test_wait_until (has_compare_maps, NULL, 10));
  p = inspected ();
  g_assert_cmpint (p->compare->classes, ==, 3);
  g_assert_cmpint (p->compare->input_size, ==, 48);
  /* the heads are compared only where both models have the same blocks and heads */
  g_assert_true ((tf_compare_panel_get_head_diff (panel) != NULL) ==
                 (p->depth == p->compare->depth && p->heads == p->compare->heads && p->compare->head_contrib != NULL));
  g_assert_true (tf_compare_panel_get_disagree (panel) ==
                 !g_str_equal (p->class_names[p->predicted], p->compare->class_names[p->compare->predicted]));
  screenshot ("compare-other-classes");

  /* a file that is no model: refused, naming it; the last one stays */
  g_assert_true (g_file_set_contents (bad, "not a model", -1, NULL));
  g_assert_false (tf_window_compare_with (window, bad, &error));
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "broken.safetensors"));
  g_clear_error (&error);
  g_assert_cmpstr (tf_session_get_compare_path (tf_window_get_session (window)), ==, other);

  /* Stop Comparing: the panel goes, and the faces' second views with it */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.stop-comparing", NULL));
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (panel)));
  g_assert_null (inspected ()->compare);
  g_assert_null (tf_session_get_compare_path (tf_window_get_session (window)));
}

static void
test_folder_filter (void)
{
  g_autofree char *folder = g_build_filename (tmpdir, "faces", NULL);
  g_autofree char *contents = NULL;
  TfFolderView *grid = tf_window_get_folder_view (window);
  GListModel *review = tf_review_view_get_model (TF_REVIEW_VIEW (tf_window_get_review_view (window)));
  g_autoptr(GError) error = NULL;
  gsize length;

  /* two photos (the sample twice) */
  g_assert_true (g_file_get_contents (sample, &contents, &length, NULL));
  g_assert_cmpint (g_mkdir_with_parents (folder, 0700), ==, 0);
  for (int i = 0; i < 2; i++)
    {
      g_autofree char *name = g_strdup_printf ("face%d.png", i);
      g_autofree char *path = g_build_filename (folder, name, NULL);
      g_assert_true (g_file_set_contents (path, contents, (gssize) length, NULL));
    }
  open_and_wait (folder, 30);
  g_assert_cmpuint (tf_folder_view_get_n_shown (grid), ==, 2);

  /* the renamed model disagrees on both: the filter keeps both */
  g_assert_true (tf_window_compare_with (window, renamed, &error));
  g_assert_true (tf_test_wait_until (all_compared, NULL, 20));
  g_action_group_change_action_state (G_ACTION_GROUP (window), "only-disagreeing", g_variant_new_boolean (TRUE));
  g_assert_true (tf_folder_view_get_only_disagreeing (grid));
  g_assert_cmpuint (tf_folder_view_get_n_shown (grid), ==, 2);
  /* the review list too (where a video's faces are listed) */
  g_assert_cmpuint (g_list_model_get_n_items (review), ==, 2);
  screenshot ("compare-folder-disagree");

  /* the shipped model agrees with itself: nothing left to list */
  g_assert_true (tf_window_compare_with (window, shipped, &error));
  g_assert_true (tf_test_wait_until (all_compared, NULL, 20));
  tf_test_settle (0.1);
  g_assert_cmpuint (tf_folder_view_get_n_shown (grid), ==, 0);
  g_assert_cmpuint (g_list_model_get_n_items (review), ==, 0);
  screenshot ("compare-folder-agree");

  /* Stop Comparing: every file again */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.stop-comparing", NULL));
  g_assert_false (tf_folder_view_get_only_disagreeing (grid));
  g_assert_cmpuint (tf_folder_view_get_n_shown (grid), ==, 2);
  g_assert_cmpuint (g_list_model_get_n_items (review), ==, 2);
  g_assert_false (g_action_group_get_action_enabled (G_ACTION_GROUP (window), "only-disagreeing"));
}

int
main (int    argc,
      char **argv)
{
  int status;

  if (!tf_test_app_init (&argc, &argv, "test-gui-compare"))
    return 77;
  shipped = g_test_build_filename (G_TEST_DIST, "..", "data", "models", "transfer-ferplus.safetensors", NULL);
  make_models ();

  g_test_add_func ("/gui-compare/mirror", test_mirror);
  g_test_add_func ("/gui-compare/photo", test_photo);
  g_test_add_func ("/gui-compare/folder-filter", test_folder_filter);
  status = g_test_run ();

  tf_test_app_finish ();
  g_free (shipped);
  g_free (renamed);
  g_free (other);
  return status;
}
