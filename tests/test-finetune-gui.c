/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The Fine-tune page in the application, in this process under a real
 * display (Xvfb, GSK's cairo renderer, settings in memory), on the tiny
 * golden model: a project of face crops whose labels are known (four
 * classes, one the model lacks) is fine-tuned through the page's own
 * buttons; the figures shown are checked against the run's report, the
 * new model is saved, used (the session loads it, the project gets a new
 * run) and listed in the preferences; a run is cancelled, and one
 * interrupted is resumed. Pictures of the page are saved next to the test
 * binary. */
#include <adwaita.h>
#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <gst/gst.h>
#include <errno.h>
#include <math.h>
#include <string.h>
#include <sys/mount.h>

#include "tf-test-gtk.h"
#include "tf-test-util.h"

#include "tf-application.h"
#include "tf-preferences.h"
#include "tf-window.h"
#include "views/tf-finetune-view-private.h"

/* the tiny golden model's classes and one it lacks */
#define N_CLASSES    4
#define PER_CLASS    8
#define N_UNLABELLED 12
#define CROP         48

static const char *const classes[N_CLASSES + 1] = { "neutral", "happy", "sad", "pain", NULL };

static char          *tmpdir;
static char          *tiny_model;
static char          *project_path;
static TfApplication *app;
static TfWindow      *window;

/* ---- fixtures ------------------------------------------------------------ */

/* A crop of class @k: a grey ground with a bright block whose place says
 * the class, and some noise. */
static void
draw_crop (guint8 *rgb,
           int     k,
           GRand  *rng)
{
  for (int y = 0; y < CROP; y++)
    for (int x = 0; x < CROP; x++)
      {
        gboolean block = x / (CROP / 2) == k % 2 && y / (CROP / 2) == k / 2;

        for (int c = 0; c < 3; c++)
          rgb[(y * CROP + x) * 3 + c] = (guint8) CLAMP ((block ? 220 : 60) + (c == k % 3 ? 20 : 0) +
                                                        g_rand_int_range (rng, -20, 21), 0, 255);
      }
}

/* A project of face crops, each its own picture (so each is a group of
 * the split of its own): PER_CLASS faces labelled with each class and
 * N_UNLABELLED without a label, predicted by a run of the tiny model. */
static char *
make_project (const char *name)
{
  const char *run_classes[] = { "neutral", "happy", "sad", "angry", "surprised", NULL };
  g_autofree char *path = g_build_filename (tmpdir, name, NULL);
  g_autofree char *media = g_strconcat (path, "-media", NULL);
  g_autoptr(GRand) rng = g_rand_new_with_seed (3);
  g_autoptr(GError) error = NULL;
  g_autoptr(TfProject) project = NULL;
  guint8 crop[CROP * CROP * 3];
  gint64 run;

  g_assert_cmpint (g_mkdir_with_parents (media, 0755), ==, 0);
  project = tf_project_open (path, TF_PROJECT_CREATE, &error);
  g_assert_no_error (error);
  g_assert_true (tf_project_set_classes (project, classes, &error));
  g_assert_true (tf_project_set_setting (project, TF_PROJECT_SETTING_CROPS, "1", &error));
  run = tf_project_add_run (project, tiny_model, run_classes, NULL, &error);
  g_assert_cmpint (run, >, 0);
  g_assert_true (tf_project_begin (project, &error));
  for (int i = 0; i < N_CLASSES * PER_CLASS + N_UNLABELLED; i++)
    {
      int k = i < N_CLASSES * PER_CLASS ? i % N_CLASSES : g_rand_int_range (rng, 0, N_CLASSES);
      g_autofree char *file = g_strdup_printf ("%s/face-%03d.png", media, i);
      g_autoptr(GdkPixbuf) pixbuf = NULL;
      TfProjectNewFace face = { 0 };
      float probs[5] = { 0.2f, 0.2f, 0.2f, 0.2f, 0.2f };
      gint64 id;

      draw_crop (crop, k, rng);
      pixbuf = gdk_pixbuf_new_from_data (crop, GDK_COLORSPACE_RGB, FALSE, 8, CROP, CROP, CROP * 3, NULL, NULL);
      g_assert_true (gdk_pixbuf_save (pixbuf, file, "png", &error, NULL));
      face.media = tf_project_add_media (project, file, TF_MEDIA_IMAGE, CROP, CROP, 0, &error);
      g_assert_no_error (error);
      face.run = run;
      face.det = (TfFace) { .x = 0, .y = 0, .w = CROP, .h = CROP, .score = 1 };
      face.crop = crop;
      face.crop_size = CROP;
      id = tf_project_add_face (project, &face, &error);
      g_assert_no_error (error);
      probs[i % 5] = 0.5f;
      g_assert_true (tf_project_add_prediction (project, id, run, probs, 5, &error));
      if (i < N_CLASSES * PER_CLASS)
        g_assert_true (tf_project_set_label (project, id, k, TF_LABEL_IMPORTED, "test", NULL, &error));
    }
  g_assert_true (tf_project_commit (project, &error));
  g_assert_no_error (error);
  return g_steal_pointer (&path);
}

static TfFinetuneView *
view (void)
{
  return tf_window_get_finetune_view (window);
}

static GtkWidget *
find (const char *name)
{
  GtkWidget *widget = tf_test_find_widget (GTK_WIDGET (view ()), TF_TEST_BY_NAME, name);

  g_assert_nonnull (widget);
  return widget;
}

static GtkWidget *
find_id (const char *id)
{
  GtkWidget *widget = tf_test_find_widget (GTK_WIDGET (view ()), TF_TEST_BY_ID, id);

  g_assert_nonnull (widget);
  return widget;
}

static void
screenshot_of (gpointer    widget,
               const char *name)
{
  g_autofree char *file = g_strconcat ("finetune-", name, ".png", NULL);
  g_autofree char *path = NULL;

  tf_test_settle (0.2);
  path = tf_test_save_window (GTK_WIDGET (widget), file);
  g_test_message ("picture of the window (%s): %s", name, path);
}

static void
screenshot (const char *name)
{
  screenshot_of (window, name);
}

static gboolean
setup_ready (gpointer data)
{
  return tf_finetune_view_get_state (view ()) == TF_FINETUNE_VIEW_SETUP && !tf_finetune_view_is_loading (view ()) &&
         gtk_widget_get_sensitive (find_id ("start_button"));
}

static gboolean
state_is (gpointer data)
{
  return tf_finetune_view_get_state (view ()) == (TfFinetuneViewState) GPOINTER_TO_INT (data);
}

static gboolean
has_epochs (gpointer data)
{
  return tf_plot_get_n_values (TF_PLOT (find ("run-plot")), 1) >= GPOINTER_TO_UINT (data);
}

/* the project shown on the Fine-tune page, read and ready to start */
static void
open_on_page (const char *path)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (tf_window_open_project (window, path, &error));
  g_assert_no_error (error);
  tf_window_show_page (window, "finetune");
  g_assert_true (tf_test_wait_until (setup_ready, NULL, 30));
}

/* the head only, for @epochs: a few seconds on the tiny model */
static void
choose_tiny_recipe (int epochs)
{
  adw_combo_row_set_selected (ADW_COMBO_ROW (find_id ("preset_row")), TF_FINETUNE_HEAD);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (find ("epochs")), epochs);
}

static void
click (const char *id)
{
  GtkWidget *button = find_id (id);

  g_assert_true (gtk_widget_is_sensitive (button));
  g_signal_emit_by_name (button, "clicked");
}

static char *
percent (double fraction)
{
  return g_strdup_printf (_("%.1f %%"), 100 * fraction);
}

/* the main loop's longest wait while something runs, for the log */
typedef struct
{
  gint64 last, longest;
} Beat;

static gboolean
beat_cb (gpointer data)
{
  Beat *b = data;
  gint64 now = g_get_monotonic_time ();

  if (b->last)
    b->longest = MAX (b->longest, now - b->last);
  b->last = now;
  return G_SOURCE_CONTINUE;
}

/* ---- tests --------------------------------------------------------------- */

static void
test_finetune_setup (void)
{
  GtkWidget *problem, *label;
  TfFinetuneOptions options;
  double holdout = 0;

  open_on_page (project_path);
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (view ())));
  /* every page of it fits a narrow window (a phone's 360 px) */
  {
    int min = 0, nat = 0;

    gtk_widget_measure (GTK_WIDGET (view ()), GTK_ORIENTATION_HORIZONTAL, -1, &min, &nat, NULL, NULL);
    g_test_message ("the page: %d px wide at least, %d natural", min, nat);
    g_assert_cmpint (min, <=, 360);
  }
  /* the defaults: the recommended preset, a fifth held out */
  tf_finetune_view_get_options (view (), &options, &holdout);
  g_assert_cmpint (options.preset, ==, TF_FINETUNE_DEFAULT_PRESET);
  g_assert_cmpfloat_with_epsilon (holdout, TF_FINETUNE_DEFAULT_HOLDOUT, 1e-9);
  g_assert_cmpint (options.epochs, >, 0);
  g_assert_cmpfloat (options.lr, >, 0);
  /* the majority of the votes, unless asked to learn every vote; kept with the run's options */
  g_assert_false (options.soft_targets);
  gtk_switch_set_active (GTK_SWITCH (find ("soft-targets")), TRUE);
  tf_finetune_view_get_options (view (), &options, &holdout);
  g_assert_true (options.soft_targets);
  {
    g_autofree char *json = _tf_finetune_options_to_json (&options, holdout, NULL);
    g_autofree char *model = NULL;
    TfFinetuneOptions back;
    double back_holdout;
    gint64 started;

    g_assert_true (_tf_finetune_options_from_json (json, &back, &back_holdout, &model, &started));
    g_assert_true (back.soft_targets);
  }
  gtk_switch_set_active (GTK_SWITCH (find ("soft-targets")), FALSE);
  /* nothing stops a run; the class the model lacks is said */
  problem = tf_test_find_widget (GTK_WIDGET (view ()), TF_TEST_BY_NAME, "problem");
  g_assert_null (problem);
  g_assert_nonnull (find ("new-classes"));
  g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (find ("new-classes"))), ==,
                   "The head grows for: pain");
  label = find ("estimate");
  g_assert_cmpstr (gtk_label_get_label (GTK_LABEL (label)), !=, "—");
  screenshot ("setup");

  /* no face held out: said, and read again */
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (find ("holdout")), 0);
  g_assert_true (tf_test_wait_until (setup_ready, NULL, 30));
  /* many notes: folded under one row */
  adw_expander_row_set_expanded (ADW_EXPANDER_ROW (find ("warnings")), TRUE);
  tf_test_settle (0.1);
  g_assert_nonnull (tf_test_find_widget (GTK_WIDGET (view ()), TF_TEST_BY_SHOWN_LABEL,
                                         "nothing is held out: there will be no before and after to compare"));
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (find ("holdout")), 20);
  g_assert_true (tf_test_wait_until (setup_ready, NULL, 30));
}

static void
test_finetune_run (void)
{
  TfSession *session = tf_window_get_session (window);
  TfProject *project;
  const TfFinetuneReport *report;
  g_autofree char *before_text = NULL, *after_text = NULL, *f1_text = NULL;
  g_autofree char *saved = g_build_filename (tmpdir, "saved.safetensors", NULL);
  g_autofree char *folder = NULL, *stored = NULL, *checkpoint = NULL;
  g_autoptr(TfModel) loaded = NULL;
  g_autoptr(GError) error = NULL;
  TfConfusion *confusion;
  Beat beat = { 0 };
  gint64 latest;
  guint beating;

  open_on_page (project_path);
  choose_tiny_recipe (2);
  latest = tf_project_get_latest_run (tf_window_get_project (window));
  g_assert_cmpint (latest, >, 0);

  beating = g_timeout_add (10, beat_cb, &beat);
  click ("start_button");
  g_assert_cmpint (tf_finetune_view_get_state (view ()), ==, TF_FINETUNE_VIEW_RUNNING);
  /* the options are kept for a resume while it runs */
  stored = tf_project_get_setting (tf_window_get_project (window), TF_FINETUNE_SETTING_OPTIONS);
  g_assert_nonnull (strstr (stored, "\"head\""));
  g_assert_true (tf_test_wait_until (state_is, GINT_TO_POINTER (TF_FINETUNE_VIEW_RESULTS), 300));
  g_source_remove (beating);
  g_test_message ("the main loop waited at most %.0f ms while fine-tuning", beat.longest / 1000.0);
  g_assert_cmpint (beat.longest, <, 2 * G_USEC_PER_SEC);

  /* what is shown is the report's */
  report = tf_finetune_view_get_report (view ());
  g_assert_nonnull (report);
  g_assert_false (report->cancelled);
  g_assert_nonnull (report->before);
  g_assert_nonnull (report->after);
  g_assert_cmpuint (report->epoch_loss->len, ==, 2);
  g_assert_true (g_strv_contains ((const char * const *) report->classes, "pain"));
  g_assert_cmpuint (report->n_holdout, >, 0);
  before_text = percent (report->before->accuracy);
  after_text = percent (report->after->accuracy);
  f1_text = percent (report->after->macro_f1);
  g_assert_cmpstr (gtk_label_get_label (GTK_LABEL (find ("accuracy-before"))), ==, before_text);
  g_assert_cmpstr (gtk_label_get_label (GTK_LABEL (find ("accuracy-after"))), ==, after_text);
  g_assert_cmpstr (gtk_label_get_label (GTK_LABEL (find ("f1-after"))), ==, f1_text);
  confusion = TF_CONFUSION (find ("confusion-after"));
  g_assert_cmpint (tf_confusion_get_n_classes (confusion), ==, report->after->n_classes);
  for (int a = 0; a < report->after->n_classes; a++)
    for (int b = 0; b < report->after->n_classes; b++)
      g_assert_cmpint (tf_confusion_get_count (confusion, a, b), ==,
                       report->after->confusion[a * report->after->n_classes + b]);
  confusion = TF_CONFUSION (find ("confusion-before"));
  g_assert_cmpint (tf_confusion_get_count (confusion, 0, 0), ==, report->before->confusion[0]);
  g_assert_cmpuint (tf_plot_get_n_values (TF_PLOT (find ("results-plot")), 0), ==, 2);
  g_assert_cmpuint (tf_finetune_view_get_drift_faces (view ())->len, ==, report->drift_index->len);
  /* finished: nothing left to resume */
  checkpoint = tf_finetune_checkpoint_path (project_path);
  g_assert_false (g_file_test (checkpoint, G_FILE_TEST_EXISTS));
  screenshot ("results");

  /* a changed face opens in the inspector */
  if (report->drift_index->len > 0)
    {
      gint64 face = g_array_index (tf_finetune_view_get_drift_faces (view ()), gint64, 0);
      GtkListBoxRow *row = gtk_list_box_get_row_at_index (GTK_LIST_BOX (find ("drift")), 0);

      g_signal_emit_by_name (find ("drift"), "row-activated", row);
      g_assert_nonnull (tf_face_inspector_get_probe (tf_window_get_inspector (window)));
      g_assert_cmpint (tf_face_inspector_get_probe (tf_window_get_inspector (window))->face_id, ==, face);
    }

  /* Save As: written, and a model that loads */
  tf_finetune_view_save_to (view (), saved);
  g_assert_true (tf_test_wait_until (state_is, GINT_TO_POINTER (TF_FINETUNE_VIEW_RESULTS), 60));
  g_assert_cmpstr (tf_finetune_view_get_saved_file (view ()), ==, saved);
  loaded = tf_model_load (saved, &error);
  g_assert_no_error (error);
  g_assert_true (g_strv_contains ((const char * const *) loaded->classes, "pain"));

  /* Use This Model: saved in the models folder, loaded by the session, the
   * project predicted again as a new run */
  click ("use_button");
  g_assert_true (tf_test_wait_until (state_is, GINT_TO_POINTER (TF_FINETUNE_VIEW_APPLIED), 120));
  folder = tf_finetune_models_folder ();
  g_assert_true (g_str_has_prefix (tf_finetune_view_get_saved_file (view ()), folder));
  g_assert_true (g_file_test (tf_finetune_view_get_saved_file (view ()), G_FILE_TEST_IS_REGULAR));
  g_assert_cmpstr (tf_session_get_model_path (session), ==, tf_finetune_view_get_saved_file (view ()));
  project = tf_window_get_project (window);
  g_assert_nonnull (project);
  g_assert_cmpint (tf_project_get_latest_run (project), >, latest);
  {
    g_auto(GStrv) run_classes = tf_project_get_run_classes (project, tf_project_get_latest_run (project), &error);
    g_assert_no_error (error);
    g_assert_true (g_strv_contains ((const char * const *) run_classes, "pain"));
  }
  g_assert_true (gtk_widget_get_visible (find_id ("applied_group")));
  screenshot ("applied");
  tf_test_drain ();
}

static gboolean
preferences_shown (gpointer data)
{
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (app)); l; l = l->next)
    if (TF_IS_PREFERENCES (l->data) && gtk_widget_get_mapped (l->data))
      return TRUE;
  return FALSE;
}

static void
test_finetune_preferences (void)
{
  const char *saved = tf_finetune_view_get_saved_file (view ());
  GtkWidget *preferences = NULL, *row;

  g_assert_nonnull (saved);
  g_action_group_activate_action (G_ACTION_GROUP (app), "preferences", NULL);
  g_assert_true (tf_test_wait_until (preferences_shown, NULL, 10));
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (app)); l; l = l->next)
    if (TF_IS_PREFERENCES (l->data))
      preferences = l->data;
  /* listed, and checked: it is the model in use */
  row = tf_test_find_widget (preferences, TF_TEST_BY_NAME, saved);
  g_assert_nonnull (row);
  g_assert_true (gtk_check_button_get_active (GTK_CHECK_BUTTON (tf_test_find_type (row, GTK_TYPE_CHECK_BUTTON))));
  g_assert_true (gtk_widget_get_visible (tf_test_find_widget (preferences, TF_TEST_BY_ID, "finetuned_group")));
  {
    g_autofree char *path = tf_test_save_window (preferences, "finetune-preferences.png");
    g_test_message ("picture of the preferences: %s", path);
  }
  gtk_window_destroy (GTK_WINDOW (preferences));
  tf_test_drain ();

  /* another model in the folder: listed too, and choosing it loads it */
  {
    g_autofree char *folder = tf_finetune_models_folder ();
    g_autofree char *other = g_build_filename (folder, "other.safetensors", NULL);
    g_autofree char *saved_as = g_build_filename (tmpdir, "saved.safetensors", NULL);
    g_autofree char *bytes = NULL;
    GtkWidget *check;
    gsize length;

    g_assert_true (g_file_get_contents (saved_as, &bytes, &length, NULL));
    g_assert_true (g_file_set_contents (other, bytes, (gssize) length, NULL));
    g_action_group_activate_action (G_ACTION_GROUP (app), "preferences", NULL);
    g_assert_true (tf_test_wait_until (preferences_shown, NULL, 10));
    for (GList *l = gtk_application_get_windows (GTK_APPLICATION (app)); l; l = l->next)
      if (TF_IS_PREFERENCES (l->data))
        preferences = l->data;
    g_assert_nonnull (tf_test_find_widget (preferences, TF_TEST_BY_NAME, saved));
    row = tf_test_find_widget (preferences, TF_TEST_BY_NAME, other);
    g_assert_nonnull (row);
    check = tf_test_find_type (row, GTK_TYPE_CHECK_BUTTON);
    g_assert_false (gtk_check_button_get_active (GTK_CHECK_BUTTON (check)));
    gtk_check_button_set_active (GTK_CHECK_BUTTON (check), TRUE);
    g_assert_cmpstr (tf_session_get_model_path (tf_window_get_session (window)), ==, other);
    /* the one that was in use is unchecked */
    check = tf_test_find_type (tf_test_find_widget (preferences, TF_TEST_BY_NAME, saved), GTK_TYPE_CHECK_BUTTON);
    g_assert_false (gtk_check_button_get_active (GTK_CHECK_BUTTON (check)));
    gtk_window_destroy (GTK_WINDOW (preferences));
    tf_test_drain ();
  }

  /* back to the setup for the next test */
  click ("discard_button");
  g_assert_cmpint (tf_finetune_view_get_state (view ()), ==, TF_FINETUNE_VIEW_SETUP);
}

/* the message dialogs shown, destroyed; whether one says @what (may be NULL) */
static gboolean
close_dialogs (const char *what,
               const char *picture)
{
  GList *toplevels = gtk_window_list_toplevels ();
  gboolean said = FALSE;

  for (GList *l = toplevels; l; l = l->next)
    if (ADW_IS_MESSAGE_DIALOG (l->data))
      {
        const char *body = adw_message_dialog_get_body (l->data);

        g_test_message ("dialog: %s: %s", adw_message_dialog_get_heading (l->data), body);
        said |= what == NULL || strstr (body, what) != NULL;
        if (picture)
          screenshot_of (l->data, picture);
        gtk_window_destroy (l->data);
      }
  g_list_free (toplevels);
  return said;
}

/* Saving fails, said in a dialog: the shipped model cannot be overwritten
 * (the file keeps its bytes), and a full disk. (The shipped model is a copy here, found through
 * $TRANSFER_MODEL, so a failure cannot harm the source tree's.) */
static void
test_finetune_save_errors (void)
{
  g_autofree char *shipped = g_build_filename (tmpdir, "shipped.safetensors", NULL);
  g_autofree char *contents = NULL;
  GStatBuf before, after;
  gsize length;

  g_assert_true (g_file_get_contents (tiny_model, &contents, &length, NULL));
  g_assert_true (g_file_set_contents (shipped, contents, (gssize) length, NULL));
  g_setenv ("TRANSFER_MODEL", shipped, TRUE);
  open_on_page (project_path);
  choose_tiny_recipe (1);
  click ("start_button");
  g_assert_true (tf_test_wait_until (state_is, GINT_TO_POINTER (TF_FINETUNE_VIEW_RESULTS), 300));
  g_assert_cmpint (g_stat (shipped, &before), ==, 0);
  tf_finetune_view_save_to (view (), shipped);
  tf_test_settle (0.3);
  g_assert_cmpint (tf_finetune_view_get_state (view ()), ==, TF_FINETUNE_VIEW_RESULTS);
  g_assert_cmpint (g_stat (shipped, &after), ==, 0);
  g_assert_cmpint (after.st_mtime, ==, before.st_mtime);
  g_assert_cmpint (after.st_size, ==, before.st_size);
  {
    g_autofree char *now = NULL;
    g_assert_true (g_file_get_contents (shipped, &now, NULL, NULL));
    g_assert_true (memcmp (now, contents, length) == 0);
  }
  /* the dialog that says so */
  g_assert_true (close_dialogs ("shipped.safetensors", "refused"));
  g_unsetenv ("TRANSFER_MODEL");

  /* a full disk: said with the file's name, nothing left behind */
  {
    g_autofree char *mnt = g_build_filename (tmpdir, "full", NULL);
    g_autofree char *model = g_build_filename (mnt, "model.safetensors", NULL);
    g_autofree char *fill = g_build_filename (mnt, "fill", NULL);
    g_autofree char *block = g_malloc0 (4096);
    g_autoptr(GDir) dir = NULL;
    const char *name;
    FILE *f;

    g_assert_cmpint (g_mkdir (mnt, 0755), ==, 0);
    if (mount ("tmpfs", mnt, "tmpfs", 0, "size=2m") != 0)
      g_test_message ("no full-disk check: cannot mount a small tmpfs here: %s", g_strerror (errno));
    else
      {
        f = fopen (fill, "w");
        g_assert_nonnull (f);
        while (fwrite (block, 1, 4096, f) == 4096)
          ;
        fclose (f);
        tf_finetune_view_save_to (view (), model);
        g_assert_true (tf_test_wait_until (state_is, GINT_TO_POINTER (TF_FINETUNE_VIEW_RESULTS), 60));
        g_assert_true (close_dialogs ("model.safetensors", "full-disk"));
        dir = g_dir_open (mnt, 0, NULL);
        while (dir && (name = g_dir_read_name (dir)))
          g_assert_cmpstr (name, ==, "fill");
        g_clear_pointer (&dir, g_dir_close);
        g_assert_cmpint (umount (mnt), ==, 0);
      }
    g_rmdir (mnt);
  }
  click ("discard_button");
}

/* Cancelled after an epoch: the best epoch so far is offered; discarded,
 * nothing is left to resume. */
static void
test_finetune_cancel (void)
{
  g_autofree char *checkpoint = tf_finetune_checkpoint_path (project_path);
  const TfFinetuneReport *report;
  g_autofree char *use = NULL;

  open_on_page (project_path);
  choose_tiny_recipe (200);
  click ("start_button");
  g_assert_true (tf_test_wait_until (has_epochs, GUINT_TO_POINTER (1), 300));
  click ("cancel_button");
  g_assert_true (tf_test_wait_until (state_is, GINT_TO_POINTER (TF_FINETUNE_VIEW_RESULTS), 120));
  report = tf_finetune_view_get_report (view ());
  g_assert_true (report->cancelled);
  g_assert_cmpint (report->best_epoch, >=, 1);
  use = g_strdup_printf (_("_Use the Best Epoch (%d)"), report->best_epoch);
  g_assert_cmpstr (gtk_button_get_label (GTK_BUTTON (find_id ("use_button"))), ==, use);
  g_assert_true (g_file_test (checkpoint, G_FILE_TEST_EXISTS));
  screenshot ("cancelled");
  click ("discard_button");
  g_assert_cmpint (tf_finetune_view_get_state (view ()), ==, TF_FINETUNE_VIEW_SETUP);
  g_assert_false (g_file_test (checkpoint, G_FILE_TEST_EXISTS));

  /* cancelled before an epoch: back to the setup */
  g_assert_true (tf_test_wait_until (setup_ready, NULL, 30));
  click ("start_button");
  tf_finetune_view_cancel (view ());
  g_assert_true (tf_test_wait_until (state_is, GINT_TO_POINTER (TF_FINETUNE_VIEW_SETUP), 120));
  g_assert_null (tf_finetune_view_get_report (view ()));
}

static gboolean
checkpoint_written (gpointer data)
{
  return g_file_test (data, G_FILE_TEST_EXISTS) && has_epochs (GUINT_TO_POINTER (1));
}

/* A run stopped by leaving its project (as a closed window stops it) is
 * offered to resume when the project is opened again, and resumes with the
 * options it had. */
static void
test_finetune_resume (void)
{
  g_autofree char *checkpoint = tf_finetune_checkpoint_path (project_path);
  g_autofree char *other = make_project ("other.tfproj");
  const TfFinetuneReport *report;
  TfFinetuneOptions options;
  double holdout;

  open_on_page (project_path);
  choose_tiny_recipe (6);
  click ("start_button");
  g_assert_true (tf_test_wait_until (checkpoint_written, checkpoint, 300));
  open_on_page (other);
  g_assert_false (gtk_widget_get_visible (find_id ("resume_group")));
  /* the run notices it is cancelled at its next step */
  tf_test_settle (2);

  /* the other recipe shown now: the resume brings back the run's */
  choose_tiny_recipe (2);
  open_on_page (project_path);
  g_assert_true (g_file_test (checkpoint, G_FILE_TEST_EXISTS));
  g_assert_true (gtk_widget_get_visible (find_id ("resume_group")));
  screenshot ("resume");
  click ("resume_button");
  tf_finetune_view_get_options (view (), &options, &holdout);
  g_assert_cmpint (options.epochs, ==, 6);
  g_assert_true (tf_test_wait_until (state_is, GINT_TO_POINTER (TF_FINETUNE_VIEW_RESULTS), 300));
  report = tf_finetune_view_get_report (view ());
  g_assert_false (report->cancelled);
  /* the epochs before the interruption are in the history */
  g_assert_cmpuint (report->epoch_loss->len, ==, 6);
  g_assert_false (g_file_test (checkpoint, G_FILE_TEST_EXISTS));
  click ("discard_button");
  g_assert_false (gtk_widget_get_visible (find_id ("resume_group")));
}

/* A project without labels says what to do. */
static gboolean
not_loading (gpointer data)
{
  return !tf_finetune_view_is_loading (view ());
}

static void
test_finetune_no_labels (void)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (tf_window_new_project (window, &error));
  tf_window_show_page (window, "finetune");
  g_assert_true (tf_test_wait_until (not_loading, NULL, 30));
  tf_test_settle (0.1);
  g_assert_true (gtk_widget_get_mapped (find_id ("empty_page")));
  g_assert_false (gtk_widget_get_mapped (find_id ("start_button")));
  screenshot ("no-labels");
}

/* The window closed while a run trains: the run stops on its own, its
 * checkpoint kept, and nothing is touched after the page went. */
static void
test_finetune_close (void)
{
  g_autofree char *checkpoint = tf_finetune_checkpoint_path (project_path);

  open_on_page (project_path);
  choose_tiny_recipe (200);
  click ("start_button");
  g_assert_true (tf_test_wait_until (has_epochs, GUINT_TO_POINTER (1), 300));
  gtk_window_destroy (GTK_WINDOW (window));
  tf_test_settle (2);
  g_assert_null (window);
  g_assert_true (g_file_test (checkpoint, G_FILE_TEST_EXISTS));
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSettings) settings = NULL;
  int status;

  tmpdir = g_dir_make_tmp ("test-finetune-gui-XXXXXX", &error);
  g_assert_no_error (error);
  tf_test_use_home (tmpdir);
  tf_test_use_translations ();
  g_test_init (&argc, &argv, NULL);
  g_test_log_set_fatal_handler (tf_test_log_filter, NULL);
  gst_init (NULL, NULL);

  if (!tf_application_has_schema ())
    {
      g_printerr ("test-finetune-gui: the settings schema is not found (GSETTINGS_SCHEMA_DIR)\n");
      return 1;
    }
  /* the tiny golden model: a fine-tune takes seconds */
  tiny_model = g_test_build_filename (G_TEST_DIST, "goldens", "tiny-model.safetensors", NULL);
  project_path = make_project ("faces.tfproj");
  settings = g_settings_new (TF_APPLICATION_ID);
  g_settings_set_string (settings, "model-file", tiny_model);

  app = tf_application_new ();
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE | G_APPLICATION_HANDLES_OPEN);
  g_application_register (G_APPLICATION (app), NULL, &error);
  g_assert_no_error (error);
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, NULL);
  window = tf_window_new (app);
  g_object_add_weak_pointer (G_OBJECT (window), (gpointer *) &window);
  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 900);
  gtk_window_present (GTK_WINDOW (window));
  tf_test_settle (0.5);
  g_assert_cmpstr (tf_session_get_model_path (tf_window_get_session (window)), ==, tiny_model);

  g_test_add_func ("/gui/finetune-setup", test_finetune_setup);
  g_test_add_func ("/gui/finetune-run", test_finetune_run);
  g_test_add_func ("/gui/finetune-preferences", test_finetune_preferences);
  g_test_add_func ("/gui/finetune-save-errors", test_finetune_save_errors);
  g_test_add_func ("/gui/finetune-cancel", test_finetune_cancel);
  g_test_add_func ("/gui/finetune-resume", test_finetune_resume);
  g_test_add_func ("/gui/finetune-no-labels", test_finetune_no_labels);
  /* last: it closes the window */
  g_test_add_func ("/gui/finetune-close", test_finetune_close);
  status = g_test_run ();

  if (window)
    gtk_window_destroy (GTK_WINDOW (window));
  tf_test_settle (0.2);
  g_clear_object (&app);
  if (g_getenv ("TEST_GUI_KEEP") == NULL)
    tf_test_remove_tmpdir (g_steal_pointer (&tmpdir));
  g_free (tmpdir);
  g_free (tiny_model);
  g_free (project_path);
  return status;
}
