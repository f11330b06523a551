/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <gio/gunixfdlist.h>
#include <glib/gi18n.h>
#include <gst/app/gstappsink.h>
#include <gst/gst.h>
#include <gst/video/video.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tf-camera.h"

G_DEFINE_QUARK (tf-camera-error-quark, tf_camera_error)

struct _TfCamera
{
  char             *description;
  TfModel          *model;
  TfDetector       *detector;
  TfAnalyzeOptions  options;
  GstElement       *pipeline;
  GstElement       *appsink;
  GThread          *worker;
  TfCameraCallbacks callbacks;
  gpointer          user_data;
  gint              stopping;     /* atomic */
  gboolean          portal;       /* pipewiresrc through the camera portal */
  int               portal_fd;    /* its PipeWire remote, -1: none */
  gboolean          stopped_told;

  GMutex            lock;         /* the newest frame, from the streaming thread */
  GCond             cond;
  GstSample        *latest;       /* not taken yet; a newer one replaces it */
  gint64            latest_us;    /* when it became available */
  gint64            frames_in;
  gboolean          eos;
};

/* ---- choosing the pipeline ------------------------------------------------- */

/* The first /dev/videoN that captures: a UVC camera also makes a metadata
 * node, whose sysfs index is not 0. */
static char *
first_video_device (void)
{
  for (int n = 0; n < 64; n++)
    {
      g_autofree char *dev = g_strdup_printf ("/dev/video%d", n);
      g_autofree char *index_file = g_strdup_printf ("/sys/class/video4linux/video%d/index", n);
      g_autofree char *index = NULL;

      if (!g_file_test (dev, G_FILE_TEST_EXISTS))
        continue;
      if (g_file_get_contents (index_file, &index, NULL, NULL) && atoi (index) != 0)
        continue;
      return g_steal_pointer (&dev);
    }
  return NULL;
}

/* ---- the camera portal (inside a Flatpak) ------------------------------------- */

#define PORTAL_BUS    "org.freedesktop.portal.Desktop"
#define PORTAL_PATH   "/org/freedesktop/portal/desktop"
#define PORTAL_CAMERA "org.freedesktop.portal.Camera"

static gboolean
portal_camera_present (void)
{
  g_autoptr(GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) value = NULL;

  if (bus == NULL)
    return FALSE;
  reply = g_dbus_connection_call_sync (bus, PORTAL_BUS, PORTAL_PATH, "org.freedesktop.DBus.Properties", "Get",
                                       g_variant_new ("(ss)", PORTAL_CAMERA, "IsCameraPresent"),
                                       G_VARIANT_TYPE ("(v)"), G_DBUS_CALL_FLAGS_NONE, 2000, NULL, NULL);
  if (reply == NULL)
    return FALSE;
  g_variant_get (reply, "(v)", &value);
  return g_variant_is_of_type (value, G_VARIANT_TYPE_BOOLEAN) && g_variant_get_boolean (value);
}

typedef struct
{
  GMainContext *context;
  gboolean      answered;
  guint32       response;   /* 0 granted, 1 refused, 2 otherwise ended */
} PortalWait;

static void
on_portal_response (GDBusConnection *bus,
                    const char      *sender,
                    const char      *path,
                    const char      *iface,
                    const char      *signal,
                    GVariant        *params,
                    gpointer         data)
{
  PortalWait *w = data;

  (void) bus, (void) sender, (void) path, (void) iface, (void) signal;
  g_variant_get (params, "(u@a{sv})", &w->response, NULL);
  w->answered = TRUE;
  g_main_context_wakeup (w->context);
}

static gboolean
on_portal_tick (gpointer data)
{
  (void) data;
  return G_SOURCE_CONTINUE;
}

/* Asks the portal for the camera (the person may be asked, so this waits
 * while they choose, or until stopped) and opens its PipeWire remote: the
 * file descriptor for pipewiresrc, or -1 with @error. Worker thread. */
static int
portal_open_camera (TfCamera  *c,
                    GError   **error)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(GDBusConnection) bus = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GUnixFDList) fds = NULL;
  g_autoptr(GSource) tick = g_timeout_source_new (100);
  g_autofree char *token = g_strdup_printf ("transfer_camera_%u", g_random_int ());
  g_autofree char *sender = NULL;
  g_autofree char *request = NULL;
  GVariantBuilder options;
  PortalWait w = { context, FALSE, 2 };
  gint64 until = g_get_monotonic_time () + 300 * G_USEC_PER_SEC;
  gint32 handle = -1;
  guint subscription;
  int fd = -1;

  g_main_context_push_thread_default (context);
  g_source_set_callback (tick, on_portal_tick, NULL, NULL);
  g_source_attach (tick, context);
  if ((bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, error)) == NULL)
    goto out;
  /* the request's object path, known before the call so no answer is missed */
  sender = g_strdup (g_dbus_connection_get_unique_name (bus) + 1);
  g_strdelimit (sender, ".", '_');
  request = g_strdup_printf ("%s/request/%s/%s", PORTAL_PATH, sender, token);
  subscription = g_dbus_connection_signal_subscribe (bus, PORTAL_BUS, "org.freedesktop.portal.Request",
                                                     "Response", request, NULL, G_DBUS_SIGNAL_FLAGS_NONE,
                                                     on_portal_response, &w, NULL);
  g_variant_builder_init (&options, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&options, "{sv}", "handle_token", g_variant_new_string (token));
  reply = g_dbus_connection_call_sync (bus, PORTAL_BUS, PORTAL_PATH, PORTAL_CAMERA, "AccessCamera",
                                       g_variant_new ("(a{sv})", &options), G_VARIANT_TYPE ("(o)"),
                                       G_DBUS_CALL_FLAGS_NONE, -1, NULL, error);
  while (reply != NULL && !w.answered && !g_atomic_int_get (&c->stopping) && g_get_monotonic_time () < until)
    g_main_context_iteration (context, TRUE);
  g_dbus_connection_signal_unsubscribe (bus, subscription);
  if (reply == NULL)
    goto out;
  if (!w.answered || w.response != 0)
    {
      g_set_error (error, TF_CAMERA_ERROR, TF_CAMERA_ERROR_NO_CAMERA,
                   w.answered && w.response == 1
                   ? _("Access to the camera was not allowed: allow it in the system’s privacy settings")
                   : _("The camera portal did not give access to the camera"));
      goto out;
    }
  g_clear_pointer (&reply, g_variant_unref);
  g_variant_builder_init (&options, G_VARIANT_TYPE_VARDICT);
  reply = g_dbus_connection_call_with_unix_fd_list_sync (bus, PORTAL_BUS, PORTAL_PATH, PORTAL_CAMERA,
                                                         "OpenPipeWireRemote", g_variant_new ("(a{sv})", &options),
                                                         G_VARIANT_TYPE ("(h)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL,
                                                         &fds, NULL, error);
  if (reply == NULL)
    goto out;
  g_variant_get (reply, "(h)", &handle);
  fd = g_unix_fd_list_get (fds, handle, error);

out:
  g_source_destroy (tick);
  g_main_context_pop_thread_default (context);
  return fd;
}

/* The pipeline's source (pipewiresrc) gets the portal's remote. */
static gboolean
connect_portal (TfCamera  *c,
                GError   **error)
{
  g_autoptr(GstIterator) it = NULL;
  GValue item = G_VALUE_INIT;
  gboolean found = FALSE;

  if ((c->portal_fd = portal_open_camera (c, error)) < 0)
    return FALSE;
  it = gst_bin_iterate_sources (GST_BIN (c->pipeline));
  while (!found && gst_iterator_next (it, &item) == GST_ITERATOR_OK)
    {
      GstElement *e = g_value_get_object (&item);

      if (g_object_class_find_property (G_OBJECT_GET_CLASS (e), "fd") != NULL)
        {
          g_object_set (e, "fd", c->portal_fd, NULL);
          found = TRUE;
        }
      g_value_reset (&item);
    }
  g_value_unset (&item);
  if (!found)
    g_set_error (error, TF_CAMERA_ERROR, TF_CAMERA_ERROR_PIPELINE, _("%s: no PipeWire source to connect"),
                 c->description);
  return found;
}

char *
tf_camera_choose_pipeline (const char  *option,
                           GError     **error)
{
  const char *env = g_getenv (TF_CAMERA_PIPELINE_ENV);
  g_autofree char *dev = NULL;

  if (option != NULL && *option != '\0')
    return g_strdup (option);
  if (env != NULL && *env != '\0')
    return g_strdup (env);
  if (!tf_media_ensure_gst (error))
    return NULL;
  /* inside the Flatpak, cameras come through the camera portal and
   * PipeWire (the manifest grants its socket); the device nodes are the
   * fallback */
  if (g_file_test ("/.flatpak-info", G_FILE_TEST_EXISTS))
    {
      g_autoptr(GstElementFactory) pw = gst_element_factory_find ("pipewiresrc");

      if (pw != NULL && portal_camera_present ())
        return g_strdup (TF_CAMERA_PORTAL_PIPELINE);
    }
  if ((dev = first_video_device ()) != NULL)
    return g_strdup_printf ("v4l2src device=%s", dev);
  g_set_error (error, TF_CAMERA_ERROR, TF_CAMERA_ERROR_NO_CAMERA,
               /* TRANSLATORS: %s is the environment variable's name */
               _("No camera found: no video device (/dev/video*) is present. Connect a camera, or give a "
                 "GStreamer pipeline with --camera-pipeline or %s."), TF_CAMERA_PIPELINE_ENV);
  return NULL;
}

/* ---- the pipeline ------------------------------------------------------------ */

/* A frame is ready (after the sink's clock wait, so a source running ahead
 * is timed when it is shown, as a camera's frame when it is captured): it
 * replaces the one the worker has not taken yet, which is dropped. */
static GstFlowReturn
on_new_sample_cb (GstAppSink *sink,
                  gpointer    data)
{
  TfCamera *c = data;
  GstSample *sample = gst_app_sink_pull_sample (sink);

  g_mutex_lock (&c->lock);
  if (c->latest)
    gst_sample_unref (c->latest);
  c->latest = sample;
  c->latest_us = g_get_monotonic_time ();
  c->frames_in += sample != NULL;
  g_cond_signal (&c->cond);
  g_mutex_unlock (&c->lock);
  return GST_FLOW_OK;
}

static void
on_eos_cb (GstAppSink *sink,
           gpointer    data)
{
  TfCamera *c = data;

  (void) sink;
  g_mutex_lock (&c->lock);
  c->eos = TRUE;
  g_cond_signal (&c->cond);
  g_mutex_unlock (&c->lock);
}

/* The newest frame, waiting up to 100 ms for one; NULL at the end, when
 * stopping, or when none came. */
static GstSample *
take_latest (TfCamera *c,
             gint64   *arrived_us,
             gint64   *frames_in,
             gboolean *eos)
{
  GstSample *sample;
  gint64 until = g_get_monotonic_time () + 100 * G_TIME_SPAN_MILLISECOND;

  g_mutex_lock (&c->lock);
  while (c->latest == NULL && !c->eos && !g_atomic_int_get (&c->stopping))
    if (!g_cond_wait_until (&c->cond, &c->lock, until))
      break;
  sample = g_steal_pointer (&c->latest);
  *arrived_us = c->latest_us;
  *frames_in = c->frames_in;
  *eos = c->eos;
  g_mutex_unlock (&c->lock);
  return sample;
}

TfCamera *
tf_camera_new (const char              *description,
               TfModel                 *model,
               TfDetector              *detector,
               const TfAnalyzeOptions  *options,
               GError                 **error)
{
  g_autoptr(GError) local = NULL;
  g_autofree char *launch = NULL;
  GstAppSinkCallbacks sink_cb = { .eos = on_eos_cb, .new_sample = on_new_sample_cb };
  TfCamera *c;

  g_return_val_if_fail (description != NULL && model != NULL && detector != NULL, NULL);
  if (!tf_media_ensure_gst (error))
    return NULL;
  c = g_new0 (TfCamera, 1);
  g_mutex_init (&c->lock);
  g_cond_init (&c->cond);
  c->description = g_strdup (description);
  c->portal_fd = -1;
  /* the pipeline the portal was found for: connected to it when it starts */
  c->portal = g_str_equal (description, TF_CAMERA_PORTAL_PIPELINE) &&
              g_file_test ("/.flatpak-info", G_FILE_TEST_EXISTS);
  c->model = model;
  c->detector = detector;
  if (options != NULL)
    c->options = *options;
  else
    {
      tf_analyze_options_init (&c->options);
      c->options.detect_every = 3;
      c->options.probes = TF_PROBE_MAPS;
      c->options.threads = (int) g_get_num_processors ();
    }
  /* the worker keeps up with the newest frame: the appsink holds one, and
   * what arrives while the engine is busy replaces it */
  launch = g_strdup_printf ("%s ! videoconvert ! video/x-raw,format=RGB ! "
                            "appsink name=tf-camera-sink drop=true max-buffers=1 sync=true enable-last-sample=false",
                            description);
  c->pipeline = gst_parse_launch_full (launch, NULL, GST_PARSE_FLAG_FATAL_ERRORS, &local);
  if (c->pipeline == NULL || local != NULL)
    {
      g_set_error (error, TF_CAMERA_ERROR, TF_CAMERA_ERROR_PIPELINE,
                   /* TRANSLATORS: the pipeline's description, then GStreamer's message */
                   _("The camera pipeline “%s” cannot be used: %s"), description,
                   local ? local->message : _("unknown error"));
      tf_camera_free (c);
      return NULL;
    }
  gst_object_ref_sink (c->pipeline);
  c->appsink = gst_bin_get_by_name (GST_BIN (c->pipeline), "tf-camera-sink");
  if (c->appsink == NULL)
    {
      g_set_error (error, TF_CAMERA_ERROR, TF_CAMERA_ERROR_PIPELINE,
                   _("The camera pipeline “%s” cannot be used: %s"), description, _("it has no video output"));
      tf_camera_free (c);
      return NULL;
    }
  gst_app_sink_set_callbacks (GST_APP_SINK (c->appsink), &sink_cb, c, NULL);
  return c;
}

const char *
tf_camera_get_description (TfCamera *c)
{
  g_return_val_if_fail (c != NULL, NULL);
  return c->description;
}

/* The bus's error as the camera's: busy, gone, or what GStreamer says. */
static void
error_from_message (TfCamera    *c,
                    GstMessage  *msg,
                    gboolean     started,
                    GError     **error)
{
  g_autoptr(GError) gerr = NULL;
  g_autofree char *debug = NULL;
  TfCameraError code = started ? TF_CAMERA_ERROR_STREAM : TF_CAMERA_ERROR_NO_CAMERA;

  gst_message_parse_error (msg, &gerr, &debug);
  if (gerr->domain == GST_RESOURCE_ERROR && gerr->code == GST_RESOURCE_ERROR_BUSY)
    g_set_error (error, TF_CAMERA_ERROR, TF_CAMERA_ERROR_BUSY,
                 /* TRANSLATORS: the pipeline, then GStreamer's message */
                 _("%s: the camera is in use by another program (%s)"), c->description, gerr->message);
  else if (started)
    g_set_error (error, TF_CAMERA_ERROR, code,
                 /* TRANSLATORS: the pipeline, then GStreamer's message */
                 _("%s: the camera stopped: %s"), c->description, gerr->message);
  else
    g_set_error (error, TF_CAMERA_ERROR, code,
                 /* TRANSLATORS: the pipeline, then GStreamer's message */
                 _("%s: the camera cannot start: %s"), c->description, gerr->message);
}

/* What the bus says went wrong or ended, without waiting; FALSE when
 * nothing did. */
static gboolean
bus_failed (TfCamera  *c,
            gboolean   started,
            GError   **error)
{
  g_autoptr(GstBus) bus = gst_element_get_bus (c->pipeline);
  GstMessage *msg;

  /* every message is taken: one left on the bus would stay there for as
   * long as the camera runs */
  while ((msg = gst_bus_pop (bus)) != NULL)
    {
      gboolean failed = TRUE;

      if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR)
        error_from_message (c, msg, started, error);
      else if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS)
        g_set_error (error, TF_CAMERA_ERROR, TF_CAMERA_ERROR_STREAM,
                     /* TRANSLATORS: the pipeline */
                     _("%s: the camera stopped sending pictures (end of stream)"), c->description);
      else
        failed = FALSE;
      gst_message_unref (msg);
      if (failed)
        return TRUE;
    }
  return FALSE;
}

/* ---- the worker ------------------------------------------------------------------ */

typedef struct
{
  TfCamera *c;
  int       n_faces;
} FrameRun;

static void
on_face (const TfFaceResult *r,
         gpointer            data)
{
  FrameRun *run = data;

  run->n_faces++;
  if (run->c->callbacks.face)
    run->c->callbacks.face (r, run->c->user_data);
}

static gboolean
analyse_sample (TfCamera    *c,
                TfAnalyzer  *analyzer,
                TfTracker   *tracker,
                GstSample   *sample,
                gint64       arrived_us,
                gint64       frames_in,
                gint64       frames_done,
                GError     **error)
{
  static const TfAnalyzeCallbacks cb = { .face = on_face };
  GstBuffer *buf = gst_sample_get_buffer (sample);
  GstVideoInfo info;
  GstVideoFrame vf;
  FrameRun run = { c, 0 };
  TfCameraFrame out = { 0 };
  TfFrame frame = { 0 };
  int n;

  out.arrived_us = arrived_us;
  out.frames_in = frames_in;
  if (!gst_video_info_from_caps (&info, gst_sample_get_caps (sample)) ||
      !gst_video_frame_map (&vf, &info, buf, GST_MAP_READ))
    {
      g_set_error (error, TF_CAMERA_ERROR, TF_CAMERA_ERROR_STREAM,
                   _("%s: cannot read a frame"), c->description);
      return FALSE;
    }
  /* the mapped buffer itself: the analysis only reads it */
  frame.rgb = GST_VIDEO_FRAME_PLANE_DATA (&vf, 0);
  frame.stride = GST_VIDEO_FRAME_PLANE_STRIDE (&vf, 0);
  frame.width = GST_VIDEO_FRAME_WIDTH (&vf);
  frame.height = GST_VIDEO_FRAME_HEIGHT (&vf);
  frame.index = frames_done;
  frame.time_s = GST_BUFFER_PTS_IS_VALID (buf) ? GST_BUFFER_PTS (buf) / (double) GST_SECOND : 0;
  n = tf_analyzer_frame (analyzer, tracker, &frame, frames_done, c->description, &cb, &run, error);
  if (n >= 0)
    {
      out.frame = &frame;
      out.result_us = g_get_monotonic_time ();
      out.n_faces = run.n_faces;
      out.frames_done = frames_done + 1;
      if (c->callbacks.frame)
        c->callbacks.frame (&out, c->user_data);
    }
  gst_video_frame_unmap (&vf);
  return n >= 0;
}

static void
tell_stopped (TfCamera     *c,
              const GError *error)
{
  if (c->stopped_told)
    return;
  c->stopped_told = TRUE;
  if (c->callbacks.stopped)
    c->callbacks.stopped (error, c->user_data);
}

static gpointer
worker_thread (gpointer data)
{
  TfCamera *c = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(TfAnalyzer) analyzer = tf_analyzer_new (c->model, c->detector, &c->options, &error);
  g_autoptr(TfTracker) tracker = tf_tracker_new (30);
  gboolean started = FALSE;
  gint64 done = 0;

  if (analyzer == NULL)
    goto out;
  if (c->portal && !connect_portal (c, &error))
    goto out;
  if (gst_element_set_state (c->pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
    {
      if (!bus_failed (c, FALSE, &error))
        g_set_error (&error, TF_CAMERA_ERROR, TF_CAMERA_ERROR_NO_CAMERA,
                     _("%s: the camera cannot start"), c->description);
      goto out;
    }
  while (!g_atomic_int_get (&c->stopping))
    {
      gint64 arrived_us, frames_in;
      gboolean eos;
      GstSample *sample = take_latest (c, &arrived_us, &frames_in, &eos);

      /* the bus drained with every frame: what failed is seen at once */
      if (bus_failed (c, started, &error))
        {
          g_clear_pointer (&sample, gst_sample_unref);
          break;
        }
      if (sample == NULL)
        {
          if (eos)
            {
              g_set_error (&error, TF_CAMERA_ERROR, TF_CAMERA_ERROR_STREAM,
                           _("%s: the camera stopped sending pictures (end of stream)"), c->description);
              break;
            }
          continue;
        }
      started = TRUE;
      if (!analyse_sample (c, analyzer, tracker, sample, arrived_us, frames_in, done++, &error))
        {
          gst_sample_unref (sample);
          break;
        }
      gst_sample_unref (sample);
    }

out:
  gst_element_set_state (c->pipeline, GST_STATE_NULL);
  tell_stopped (c, g_atomic_int_get (&c->stopping) && error == NULL ? NULL : error);
  return NULL;
}

void
tf_camera_start (TfCamera                *c,
                 const TfCameraCallbacks *callbacks,
                 gpointer                 user_data)
{
  g_return_if_fail (c != NULL && c->worker == NULL);
  if (callbacks)
    c->callbacks = *callbacks;
  c->user_data = user_data;
  c->worker = g_thread_new ("tf-camera", worker_thread, c);
}

void
tf_camera_stop (TfCamera *c)
{
  g_return_if_fail (c != NULL);
  g_atomic_int_set (&c->stopping, TRUE);
  if (c->worker != NULL)
    g_clear_pointer (&c->worker, g_thread_join);
}

void
tf_camera_free (TfCamera *c)
{
  if (c == NULL)
    return;
  tf_camera_stop (c);
  if (c->pipeline)
    gst_element_set_state (c->pipeline, GST_STATE_NULL);
  g_clear_object (&c->appsink);
  g_clear_object (&c->pipeline);
  if (c->portal_fd >= 0)
    close (c->portal_fd);
  if (c->latest)
    gst_sample_unref (c->latest);
  g_mutex_clear (&c->lock);
  g_cond_clear (&c->cond);
  g_free (c->description);
  g_free (c);
}

double
tf_camera_rss_mb (void)
{
  g_autofree char *statm = NULL;
  unsigned long size = 0, resident = 0;

  if (!g_file_get_contents ("/proc/self/statm", &statm, NULL, NULL) ||
      sscanf (statm, "%lu %lu", &size, &resident) != 2)
    return 0;
  return resident * (double) sysconf (_SC_PAGESIZE) / 1048576.0;
}

static int
double_cmp (gconstpointer a,
            gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

void
tf_camera_latency_summary (GArray *ms,
                           double *median,
                           double *p95)
{
  *median = *p95 = 0;
  if (ms->len == 0)
    return;
  g_array_sort (ms, double_cmp);
  *median = g_array_index (ms, double, ms->len / 2);
  *p95 = g_array_index (ms, double, MIN (ms->len - 1, (guint) (ms->len * 0.95)));
}
