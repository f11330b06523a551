/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What model is open, said in Preferences under the model row: the
 * configuration (the preset's name or "custom", the shape, the parameter
 * count, RGB or gray), the classes in order with their shown names, and the
 * provenance the file records (converted from the authors' release with its
 * hash, the accuracy they report, the data set; the shipped model's trainer
 * and validation accuracy), nothing it does not record. The shipped model,
 * and a small one written here as tools/convert_official.py writes the
 * authors' weights, chosen through the "model-file" setting; the rows follow
 * a model loaded while Preferences is open. */
#include <string.h>

#include "tf-test-app.h"
#include "tf-model-info.h"
#include "tf-preferences.h"
#include "tf-test-util.h"

/* the no-break space between a figure and its unit */
#define NBSP "\xc2\xa0"
#define SHA256 "3f1c9a07be52d4e8a61f0c2b7d95e3a4c8b1f6027e9d5a3c4b8e1f0a2d6c7b95"

static const char * const raf_classes[] = {
  "surprise", "fear", "disgust", "happiness", "sadness", "anger", "neutral", NULL
};

/* ---- helpers -------------------------------------------------------------- */

static char *converted_path;

static char *
write_converted_model (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TfModel) model = NULL;
  TfConfig cfg;
  char *path = g_build_filename (tmpdir, "transfer-raf-converted.safetensors", NULL);

  g_assert_true (tf_config_preset ("small", 7, &cfg));
  model = tf_model_new (&cfg, raf_classes);
  tf_model_init_random (model, 7);
  model->input.gray = FALSE;
  g_hash_table_insert (model->metadata, g_strdup ("converted_from"),
                       g_strdup ("the authors' release: TransFER-RAF_param.pdparams"));
  g_hash_table_insert (model->metadata, g_strdup ("source_sha256"), g_strdup (SHA256));
  g_hash_table_insert (model->metadata, g_strdup ("source_format"), g_strdup ("paddle"));
  g_hash_table_insert (model->metadata, g_strdup ("reported_accuracy"),
                       g_strdup ("90.91 % on RAF-DB test (the paper)"));
  g_hash_table_insert (model->metadata, g_strdup ("dataset"), g_strdup ("RAF-DB (basic, 7 classes)"));
  g_assert_true (tf_model_save (model, path, TF_DTYPE_F16, &error));
  g_assert_no_error (error);
  return path;
}

static gboolean
model_is (gpointer path)
{
  return g_strcmp0 (tf_session_get_model_path (tf_window_get_session (window)), path) == 0;
}

/* the model-file setting, and the window's session having loaded it */
static void
use_model (const char *path)
{
  g_autoptr(GSettings) settings = g_settings_new (TF_APPLICATION_ID);

  g_settings_set_string (settings, "model-file", path);
  g_assert_true (tf_test_wait_until (model_is, (gpointer) path, 10));
}

static GtkWindow *
open_preferences (void)
{
  GtkWindow *preferences;

  close_dialogs ();
  g_action_group_activate_action (G_ACTION_GROUP (app), "preferences", NULL);
  g_assert_true (tf_test_wait_until (window_shown, GSIZE_TO_POINTER (TF_TYPE_PREFERENCES), 10));
  preferences = find_window (TF_TYPE_PREFERENCES);
  g_assert_nonnull (preferences);
  return preferences;
}

static GtkWidget *
row (GtkWindow  *preferences,
     const char *id)
{
  GtkWidget *w = tf_test_find_widget (GTK_WIDGET (preferences), TF_TEST_BY_ID, id);

  g_assert_nonnull (w);
  return w;
}

static const char *
subtitle (GtkWindow  *preferences,
          const char *id)
{
  const char *text = adw_action_row_get_subtitle (ADW_ACTION_ROW (row (preferences, id)));

  g_assert_nonnull (text);
  return text;
}

static void
assert_has (const char *text,
            const char *part)
{
  if (strstr (text, part) == NULL)
    g_error ("“%s” is not in “%s”", part, text);
}

/* every row's text in the log, and the details shown */
static void
log_and_expand (GtkWindow  *preferences,
                const char *what)
{
  GtkWidget *info = row (preferences, "model_info_row");

  g_assert_true (gtk_widget_get_visible (info));
  g_test_message ("%s: %s", what, adw_expander_row_get_subtitle (ADW_EXPANDER_ROW (info)));
  g_test_message ("  configuration: %s", subtitle (preferences, "model_config_row"));
  g_test_message ("  classes: %s", subtitle (preferences, "model_classes_row"));
  g_test_message ("  provenance: %s", subtitle (preferences, "model_provenance_row"));
  adw_expander_row_set_expanded (ADW_EXPANDER_ROW (info), TRUE);
}

/* ---- cases ---------------------------------------------------------------- */

/* the words alone: a preset is recognised by its architecture, whatever the
 * classes, input size and drop rates; anything else is custom */
static void
test_presets (void)
{
  TfConfig c;
  g_autoptr(TfModel) model = NULL;
  g_autoptr(TfModelInfo) info = NULL;
  static const char * const two[] = { "yes", "no", NULL };

  g_assert_true (tf_config_preset ("paper", 7, &c));
  c.input_size = 224;
  c.mad_p = 0.1;
  g_assert_cmpstr (tf_model_info_preset (&c), ==, "paper");
  g_assert_true (tf_config_preset ("small", 100, &c));
  g_assert_cmpstr (tf_model_info_preset (&c), ==, "small");
  c.heads = 8;
  g_assert_null (tf_model_info_preset (&c));

  /* a custom model whose file records nothing of where it comes from */
  c.num_classes = 2;
  c.input_size = 64;
  model = tf_model_new (&c, two);
  info = tf_model_info_new (model);
  g_assert_null (info->preset);
  g_assert_true (g_str_has_prefix (info->configuration, "custom: IR stem 2/2/4 units (32/64/128 channels)"));
  assert_has (info->configuration, "ViT 4 blocks × 8 heads, 256 wide");
  assert_has (info->configuration, "RGB 64" NBSP "px");
  g_assert_cmpstr (info->classes, ==, "2: yes, no");
  g_assert_cmpstr (info->provenance, ==, "The file records no provenance");
  g_assert_null (info->source_sha256);
  assert_has (info->summary, "no provenance recorded");
}

static void
test_shipped (void)
{
  GtkWindow *preferences;
  const char *text;

  use_model ("");
  preferences = open_preferences ();
  log_and_expand (preferences, "the shipped model");

  text = subtitle (preferences, "model_config_row");
  g_assert_true (g_str_has_prefix (text, "small: IR stem 2/2/4 units (32/64/128 channels), 2 LANets, "
                                         "ViT 4 blocks × 4 heads, 256 wide; "));
  assert_has (text, NBSP "M parameters; gray 112" NBSP "px");
  g_assert_cmpstr (subtitle (preferences, "model_classes_row"), ==,
                   "8: neutral, happiness, surprise, sadness, anger, disgust, fear, contempt");
  text = subtitle (preferences, "model_provenance_row");
  assert_has (text, "Data set: FER+ (majority protocol)");
  assert_has (text, "Trained with transfer-cli train (C trainer)");
  assert_has (text, "Starting from a model trained with tools/train_gpu.py");
  assert_has (text, "Validation accuracy: 86.6 %");
  g_assert_null (strstr (text, "Converted"));
  g_assert_null (gtk_widget_get_tooltip_text (row (preferences, "model_provenance_row")));
  screenshot_of (GTK_WIDGET (preferences), "model-info-shipped");
  gtk_window_destroy (preferences);
}

static void
test_converted (void)
{
  GtkWindow *preferences;
  const char *text;
  const char *tooltip;

  converted_path = write_converted_model ();
  use_model (converted_path);
  preferences = open_preferences ();
  log_and_expand (preferences, "the converted model");

  text = subtitle (preferences, "model_config_row");
  g_assert_true (g_str_has_prefix (text, "small: "));
  assert_has (text, "RGB 112" NBSP "px");
  g_assert_null (strstr (text, "gray"));
  g_assert_cmpstr (subtitle (preferences, "model_classes_row"), ==,
                   "7: surprise, fear, disgust, happiness, sadness, anger, neutral");
  text = subtitle (preferences, "model_provenance_row");
  assert_has (text, "Converted from the authors' release: TransFER-RAF_param.pdparams "
                    "(PaddlePaddle weights, SHA-256 3f1c9a07be52…)");
  g_assert_null (strstr (text, SHA256));
  assert_has (text, "Reported accuracy: 90.91 % on RAF-DB test (the paper)");
  assert_has (text, "Data set: RAF-DB (basic, 7 classes)");
  /* nothing the file does not say */
  g_assert_null (strstr (text, "Validation"));
  g_assert_null (strstr (text, "Trained"));
  tooltip = gtk_widget_get_tooltip_text (row (preferences, "model_provenance_row"));
  g_assert_nonnull (tooltip);
  assert_has (tooltip, SHA256);
  assert_has (adw_expander_row_get_subtitle (ADW_EXPANDER_ROW (row (preferences, "model_info_row"))),
              "small, 7 classes, the authors' release");
  screenshot_of (GTK_WIDGET (preferences), "model-info-converted");

#ifndef TF_TEST_ASAN  /* (pictures only: each takes seconds there) */
  /* wide, the rows keep the page's readable width */
  gtk_window_set_default_size (preferences, 1280, 800);
  tf_test_settle (0.3);
  screenshot_of (GTK_WIDGET (preferences), "model-info-converted-wide");

  /* at a phone's width every word is still there, wrapped */
  gtk_window_set_default_size (preferences, 360, 900);
  tf_test_settle (0.3);
  screenshot_of (GTK_WIDGET (preferences), "model-info-converted-narrow");
#endif

  /* the shipped model loaded again by the window while Preferences is open */
  use_model ("");
  tf_test_settle (0.1);
  g_assert_cmpstr (subtitle (preferences, "model_classes_row"), ==,
                   "8: neutral, happiness, surprise, sadness, anger, disgust, fear, contempt");
  assert_has (subtitle (preferences, "model_config_row"), "gray 112" NBSP "px");
  g_assert_null (gtk_widget_get_tooltip_text (row (preferences, "model_provenance_row")));
  gtk_window_destroy (preferences);
}

/* a model chosen in Preferences (here among the fine-tuned ones): the
 * details open, so what was opened is in sight */
static void
test_chosen (void)
{
  g_autofree char *folder = g_build_filename (g_get_user_data_dir (), "transfer-studio", "models", NULL);
  g_autofree char *copy = g_build_filename (folder, "raf.safetensors", NULL);
  g_autofree char *contents = NULL;
  GtkWindow *preferences;
  GtkWidget *model_row, *check;
  gsize len;

  g_assert_nonnull (converted_path);
  g_assert_cmpint (g_mkdir_with_parents (folder, 0700), ==, 0);
  g_assert_true (g_file_get_contents (converted_path, &contents, &len, NULL));
  g_assert_true (g_file_set_contents (copy, contents, (gssize) len, NULL));
  preferences = open_preferences ();
  g_assert_false (adw_expander_row_get_expanded (ADW_EXPANDER_ROW (row (preferences, "model_info_row"))));
  model_row = tf_test_find_widget (GTK_WIDGET (preferences), TF_TEST_BY_NAME, copy);
  g_assert_nonnull (model_row);
  check = tf_test_find_type (model_row, GTK_TYPE_CHECK_BUTTON);
  g_assert_nonnull (check);
  gtk_check_button_set_active (GTK_CHECK_BUTTON (check), TRUE);
  g_assert_true (tf_test_wait_until (model_is, copy, 10));
  tf_test_settle (0.1);
  g_assert_true (adw_expander_row_get_expanded (ADW_EXPANDER_ROW (row (preferences, "model_info_row"))));
  g_assert_cmpstr (subtitle (preferences, "model_classes_row"), ==,
                   "7: surprise, fear, disgust, happiness, sadness, anger, neutral");
  assert_has (subtitle (preferences, "model_provenance_row"), "90.91 %");
  /* the model row names the file once */
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row (preferences, "model_row"))), ==,
                   "raf.safetensors (112 px)");
  screenshot_of (GTK_WIDGET (preferences), "model-info-chosen");
  gtk_window_destroy (preferences);
  use_model ("");
  g_assert_cmpint (g_remove (copy), ==, 0);
}

int
main (int    argc,
      char **argv)
{
  int status;

  if (!tf_test_app_init (&argc, &argv, "test-gui-model-info"))
    return 1;
  g_test_add_func ("/gui/model-info/presets", test_presets);
  g_test_add_func ("/gui/model-info/shipped", test_shipped);
  g_test_add_func ("/gui/model-info/converted", test_converted);
  g_test_add_func ("/gui/model-info/chosen", test_chosen);
  status = g_test_run ();
  g_clear_pointer (&converted_path, g_free);
  tf_test_app_finish ();
  return status;
}
