/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <glib/gi18n.h>

#include "tf-application.h"
#include "tf-camera.h"
#include "tf-datafiles.h"
#include "tf-preferences.h"
#include "tf-window.h"

struct _TfApplication
{
  AdwApplication  parent_instance;

  gint64          launch_time;      /* monotonic, at the start of main () */
  gboolean        startup_time;     /* --startup-time: report and quit */
  gboolean        analysis_time;    /* --analysis-time: the same for the analysis */
  gint64          open_time;        /* monotonic, when the files were opened */
  guint           frames_drawn;     /* by the window since then */

  /* the live camera: --camera-pipeline, --camera-bench */
  char           *camera_pipeline;
  double          camera_bench;     /* seconds; 0: no benchmark */
  GArray         *paint_ms;         /* double: a frame's arrival to its overlay painted */
  gint64          bench_first_us;
  double          bench_rss_start;
  int             exit_status;      /* main () returns it: 1 when the camera failed */
};

G_DEFINE_FINAL_TYPE (TfApplication, tf_application, ADW_TYPE_APPLICATION)

/* ---- helpers ------------------------------------------------------------- */

static TfWindow *
get_window (TfApplication *self)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));

  if (TF_IS_WINDOW (window))
    return TF_WINDOW (window);
  return tf_application_new_window (self);
}

/* ---- actions ------------------------------------------------------------- */

static void
open_activated (GSimpleAction *action,
                GVariant      *param,
                gpointer       user_data)
{
  TfWindow *window = get_window (user_data);

  gtk_window_present (GTK_WINDOW (window));
  tf_window_open_dialog (window, FALSE);
}

static void
open_folder_activated (GSimpleAction *action,
                       GVariant      *param,
                       gpointer       user_data)
{
  TfWindow *window = get_window (user_data);

  gtk_window_present (GTK_WINDOW (window));
  tf_window_open_dialog (window, TRUE);
}

static void
preferences_activated (GSimpleAction *action,
                       GVariant      *param,
                       gpointer       user_data)
{
  TfWindow *window = get_window (user_data);
  GtkWindow *preferences = GTK_WINDOW (tf_preferences_new (GTK_WINDOW (window), tf_window_get_session (window)));

  gtk_window_present (preferences);
}

static void
shortcuts_activated (GSimpleAction *action,
                     GVariant      *param,
                     gpointer       user_data)
{
  g_autoptr(GtkBuilder) builder = gtk_builder_new_from_resource ("/com/example/TransFER/ui/shortcuts.ui");
  GtkWindow *shortcuts = GTK_WINDOW (gtk_builder_get_object (builder, "shortcuts_window"));
  TfWindow *window = get_window (user_data);

  gtk_window_set_transient_for (shortcuts, GTK_WINDOW (window));
  gtk_window_set_application (shortcuts, GTK_APPLICATION (user_data));
  gtk_window_present (shortcuts);
}

static void
about_activated (GSimpleAction *action,
                 GVariant      *param,
                 gpointer       user_data)
{
  static const char *developers[] = { N_("The TransFER Studio developers"), NULL };
  static const char *research[] = {
    "Fanglei Xue, Qiangchang Wang, Guodong Guo — TransFER: Learning Relation-aware Facial Expression "
    "Representations with Transformers (ICCV 2021) https://arxiv.org/abs/2108.11116",
    "Wei Wu, Hanyang Peng, Shiqi Yu — YuNet: A Tiny Millisecond-level Face Detector https://github.com/ShiqiYu/libfacedetection.train",
    "Emad Barsoum, Cha Zhang, Cristian Canton Ferrer, Zhengyou Zhang — FER+ labels https://github.com/microsoft/FERPlus",
    NULL
  };
  TfWindow *window = get_window (user_data);
  const char *developer_name = _("The TransFER Studio developers");
  const char *comments = _("See what a facial expression model looks at: its attention maps, "
                           "the contribution of every attention head, and its prediction.");
#if ADW_CHECK_VERSION (1, 5, 0)
  AdwAboutDialog *about = ADW_ABOUT_DIALOG (adw_about_dialog_new ());
#define ABOUT(fn) adw_about_dialog_##fn
#else
  AdwAboutWindow *about = ADW_ABOUT_WINDOW (adw_about_window_new ());
#define ABOUT(fn) adw_about_window_##fn
#endif
  const char *people[G_N_ELEMENTS (developers)];

  for (guint i = 0; i < G_N_ELEMENTS (developers); i++)
    people[i] = developers[i] ? _(developers[i]) : NULL;

  ABOUT (set_application_name) (about, _("TransFER Studio"));
  ABOUT (set_application_icon) (about, TF_APPLICATION_ID);
  ABOUT (set_developer_name) (about, developer_name);
  ABOUT (set_version) (about, PACKAGE_VERSION);
  ABOUT (set_comments) (about, comments);
  ABOUT (set_license_type) (about, GTK_LICENSE_GPL_3_0);
  ABOUT (set_copyright) (about, _("© The TransFER Studio developers"));
  ABOUT (set_developers) (about, people);
  /* TRANSLATORS: the heading of the research the application builds on */
  ABOUT (add_acknowledgement_section) (about, _("Research"), research);
  ABOUT (add_legal_section) (about, _("YuNet face detector"),
                             "Copyright (c) 2022 Shiqi Yu; Copyright 2018-2022 OpenMMLab",
                             GTK_LICENSE_APACHE_2_0, NULL);
  ABOUT (add_legal_section) (about, _("FER+ labels"),
                             "Copyright (c) Microsoft Corporation",
                             GTK_LICENSE_MIT_X11, NULL);
  ABOUT (add_legal_section) (about, _("Sample photo"),
                             _("Astronaut Eileen Collins, NASA, public domain"),
                             GTK_LICENSE_UNKNOWN, NULL);
#undef ABOUT

#if ADW_CHECK_VERSION (1, 5, 0)
  adw_dialog_present (ADW_DIALOG (about), GTK_WIDGET (window));
#else
  gtk_window_set_transient_for (GTK_WINDOW (about), GTK_WINDOW (window));
  gtk_window_set_application (GTK_WINDOW (about), GTK_APPLICATION (user_data));
  gtk_window_set_modal (GTK_WINDOW (about), TRUE);
  gtk_window_present (GTK_WINDOW (about));
#endif
}

static void
quit_activated (GSimpleAction *action,
                GVariant      *param,
                gpointer       user_data)
{
  GList *windows = gtk_application_get_windows (GTK_APPLICATION (user_data));

  /* closing (not destroying) lets each window save its size; the
   * application ends with its last window */
  for (GList *l = g_list_copy (windows), *next; l; l = next)
    {
      next = l->next;
      gtk_window_close (l->data);
      g_list_free_1 (l);
    }
}

static const GActionEntry app_actions[] = {
  { "open", open_activated, NULL, NULL, NULL, { 0 } },
  { "open-folder", open_folder_activated, NULL, NULL, NULL, { 0 } },
  { "preferences", preferences_activated, NULL, NULL, NULL, { 0 } },
  { "shortcuts", shortcuts_activated, NULL, NULL, NULL, { 0 } },
  { "about", about_activated, NULL, NULL, NULL, { 0 } },
  { "quit", quit_activated, NULL, NULL, NULL, { 0 } },
};

static const struct
{
  const char *action;
  const char *accels[3];
} accels[] = {
  { "app.open", { "<Control>o", NULL } },
  { "app.open-folder", { "<Control><Shift>o", NULL } },
  { "app.preferences", { "<Control>comma", NULL } },
  { "app.shortcuts", { "<Control>question", NULL } },
  { "app.quit", { "<Control>q", NULL } },
  { "win.export", { "<Control>e", NULL } },
  { "win.cancel", { "Escape", NULL } },
  { "win.back", { "<Alt>Left", "Back", NULL } },
  { "win.next-face", { "Page_Down", "<Control>Right", NULL } },
  { "win.previous-face", { "Page_Up", "<Control>Left", NULL } },
};

static void
count_frame (GdkFrameClock *clock,
             TfApplication *self)
{
  self->frames_drawn++;
}

/* --analysis-time: from opening to the end of the analysis, its results
 * stored in the project and shown (the window's own handler ran first) */
static void
report_analysis (TfSession     *session,
                 gboolean       cancelled,
                 TfApplication *self)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));

  g_print ("analysis_s=%.2f faces=%u frames_drawn=%u%s\n", (g_get_monotonic_time () - self->open_time) / 1e6,
           TF_IS_WINDOW (window) ? tf_window_get_results (TF_WINDOW (window))->len : 0,
           self->frames_drawn, cancelled ? " cancelled" : "");
  g_application_quit (G_APPLICATION (self));
}

/* ---- the live camera ------------------------------------------------------ */

/* --camera-bench: each result painted, from its frame's arrival to the
 * frame clock's paint of its overlay; after the seconds asked, the figures */
static void
on_overlay_painted_cb (TfCameraView  *view,
                       gint64         arrived_us,
                       gint64         result_us,
                       TfApplication *self)
{
  gint64 now = g_get_monotonic_time ();
  double ms = (now - arrived_us) / 1e3, elapsed, median, p95;
  GArray *a = self->paint_ms;

  if (self->bench_first_us == 0)
    {
      self->bench_first_us = now;
      self->bench_rss_start = tf_camera_rss_mb ();
      return;
    }
  g_array_append_val (a, ms);
  elapsed = (now - self->bench_first_us) / 1e6;
  if (elapsed < self->camera_bench)
    return;
  tf_camera_latency_summary (a, &median, &p95);
  g_print ("seconds=%.1f updates=%u updates_per_s=%.2f\n", elapsed, a->len, a->len / elapsed);
  g_print ("paint_latency_ms_median=%.1f paint_latency_ms_p95=%.1f\n", median, p95);
  g_print ("rss_mb_start=%.1f rss_mb_end=%.1f\n", self->bench_rss_start, tf_camera_rss_mb ());
  g_signal_handlers_disconnect_by_func (view, on_overlay_painted_cb, self);
  g_application_quit (G_APPLICATION (self));
}

/* --camera-bench: a camera that cannot start, or stops, ends the run with
 * its message rather than waiting for ever */
static gboolean
check_camera_cb (gpointer data)
{
  TfApplication *self = data;
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));
  TfCameraView *view;

  if (!TF_IS_WINDOW (window))
    return G_SOURCE_CONTINUE;
  view = tf_window_get_camera_view (TF_WINDOW (window));
  if (g_str_equal (tf_camera_view_get_state (view), "live"))
    return G_SOURCE_CONTINUE;
  g_printerr ("transfer-studio: %s\n", tf_camera_view_get_message (view));
  self->exit_status = 1;
  g_application_quit (G_APPLICATION (self));
  return G_SOURCE_REMOVE;
}

/* the camera page at start, when asked for on the command line */
static void
start_camera (TfApplication *self,
              TfWindow      *window)
{
  TfCameraView *view = tf_window_get_camera_view (window);

  if (self->camera_bench > 0)
    {
      self->paint_ms = g_array_new (FALSE, FALSE, sizeof (double));
      g_signal_connect_object (view, "overlay-painted", G_CALLBACK (on_overlay_painted_cb), self, 0);
    }
  tf_window_show_camera (window, self->camera_pipeline);
  if (self->camera_bench > 0)
    g_timeout_add_full (G_PRIORITY_DEFAULT, 250, check_camera_cb, g_object_ref (self), g_object_unref);
}

/* ---- overrides ----------------------------------------------------------- */

static void
tf_application_startup (GApplication *app)
{
  TfApplication *self = TF_APPLICATION (app);
  GtkIconTheme *theme;

  G_APPLICATION_CLASS (tf_application_parent_class)->startup (app);

  g_set_application_name (_("TransFER Studio"));
  /* running from the build folder, the icons are the source tree's */
  theme = gtk_icon_theme_get_for_display (gdk_display_get_default ());
  if (!gtk_icon_theme_has_icon (theme, TF_APPLICATION_ID))
    {
      g_autofree char *icons = tf_data_find (TF_DATA_ICONS);
      if (icons)
        gtk_icon_theme_add_search_path (theme, icons);
    }
  gtk_window_set_default_icon_name (TF_APPLICATION_ID);
  g_action_map_add_action_entries (G_ACTION_MAP (self), app_actions, G_N_ELEMENTS (app_actions), self);
  for (guint i = 0; i < G_N_ELEMENTS (accels); i++)
    gtk_application_set_accels_for_action (GTK_APPLICATION (self), accels[i].action, accels[i].accels);
}

static void
tf_application_activate (GApplication *app)
{
  TfWindow *window = get_window (TF_APPLICATION (app));

  gtk_window_present (GTK_WINDOW (window));
  /* started without files: the last project's media, as they were left */
  tf_window_show_project (window);
  if (TF_APPLICATION (app)->camera_pipeline || TF_APPLICATION (app)->camera_bench > 0)
    start_camera (TF_APPLICATION (app), window);
}

static void
tf_application_open (GApplication  *app,
                     GFile        **files,
                     int            n_files,
                     const char    *hint)
{
  TfApplication *self = TF_APPLICATION (app);
  TfWindow *window = get_window (self);

  gtk_window_present (GTK_WINDOW (window));
  if (self->analysis_time)
    {
      GdkFrameClock *clock = gtk_widget_get_frame_clock (GTK_WIDGET (window));

      self->open_time = g_get_monotonic_time ();
      if (clock)
        g_signal_connect_object (clock, "after-paint", G_CALLBACK (count_frame), self, 0);
      /* after the window's own handler: the faces are stored and shown */
      g_signal_connect_object (tf_window_get_session (window), "finished",
                               G_CALLBACK (report_analysis), self, G_CONNECT_AFTER);
    }
  tf_window_open (window, files, n_files);
}

static int
tf_application_handle_local_options (GApplication *app,
                                     GVariantDict *options)
{
  TfApplication *self = TF_APPLICATION (app);

  self->startup_time = g_variant_dict_contains (options, "startup-time");
  self->analysis_time = g_variant_dict_contains (options, "analysis-time");
  g_variant_dict_lookup (options, "camera-pipeline", "s", &self->camera_pipeline);
  if (g_variant_dict_lookup (options, "camera-bench", "d", &self->camera_bench) && !(self->camera_bench > 0))
    {
      g_printerr ("%s\n", _("--camera-bench needs a number of seconds above 0"));
      return 2;
    }
  return -1;
}

static void
tf_application_finalize (GObject *object)
{
  TfApplication *self = TF_APPLICATION (object);

  g_free (self->camera_pipeline);
  g_clear_pointer (&self->paint_ms, g_array_unref);
  G_OBJECT_CLASS (tf_application_parent_class)->finalize (object);
}

static void
tf_application_class_init (TfApplicationClass *klass)
{
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = tf_application_finalize;

  app_class->startup = tf_application_startup;
  app_class->activate = tf_application_activate;
  app_class->open = tf_application_open;
  app_class->handle_local_options = tf_application_handle_local_options;
}

static void
tf_application_init (TfApplication *self)
{
  self->launch_time = g_get_monotonic_time ();
  g_application_add_main_option (G_APPLICATION (self), "startup-time", 0, G_OPTION_FLAG_NONE, G_OPTION_ARG_NONE,
                                 _("Print the time from launch to the first face drawn, then quit"), NULL);
  g_application_add_main_option (G_APPLICATION (self), "analysis-time", 0, G_OPTION_FLAG_NONE, G_OPTION_ARG_NONE,
                                 _("Print the time the analysis of the files given took, then quit"), NULL);
  g_application_add_main_option (G_APPLICATION (self), "camera-pipeline", 0, G_OPTION_FLAG_NONE,
                                 G_OPTION_ARG_STRING,
                                 _("Show the live camera page with this GStreamer pipeline as the camera"),
                                 _("DESCRIPTION"));
  g_application_add_main_option (G_APPLICATION (self), "camera-bench", 0, G_OPTION_FLAG_NONE, G_OPTION_ARG_DOUBLE,
                                 _("Show the live camera for this many seconds, print how soon its results are "
                                   "painted, then quit"), _("SECONDS"));
}

void
tf_application_set_launch_time (TfApplication *self,
                                gint64         monotonic_us)
{
  self->launch_time = monotonic_us;
}

static gboolean
report_startup (GtkWidget     *widget,
                GdkFrameClock *clock,
                gpointer       data)
{
  TfApplication *self = data;

  /* this frame has the face in it */
  g_print ("first_face_ms=%.0f\n", (g_get_monotonic_time () - self->launch_time) / 1000.0);
  g_application_quit (G_APPLICATION (self));
  return G_SOURCE_REMOVE;
}

static void
on_first_face_shown_cb (TfWindow      *window,
                        TfApplication *self)
{
  if (self->startup_time)
    gtk_widget_add_tick_callback (GTK_WIDGET (window), report_startup, self, NULL);
}

TfWindow *
tf_application_new_window (TfApplication *self)
{
  TfWindow *window;

  g_return_val_if_fail (TF_IS_APPLICATION (self), NULL);

  window = tf_window_new (self);
  g_signal_connect_object (window, "first-face-shown", G_CALLBACK (on_first_face_shown_cb), self, 0);
  return window;
}

/* ---- public API ---------------------------------------------------------- */

TfApplication *
tf_application_new (void)
{
  return g_object_new (TF_TYPE_APPLICATION,
                       "application-id", TF_APPLICATION_ID,
                       "flags", G_APPLICATION_HANDLES_OPEN,
                       "resource-base-path", "/com/example/TransFER",
                       NULL);
}

gboolean
tf_application_has_schema (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;

  if (source)
    schema = g_settings_schema_source_lookup (source, TF_APPLICATION_ID, TRUE);
  return schema != NULL;
}

int
tf_application_get_exit_status (TfApplication *self)
{
  g_return_val_if_fail (TF_IS_APPLICATION (self), 1);
  return self->exit_status;
}
