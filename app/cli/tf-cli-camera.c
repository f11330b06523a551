/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bench --camera: a live pipeline through the face pipeline as the
 * application's camera view runs it, for N seconds: how many results a
 * second, how long from a frame's arrival to its result, and whether
 * memory stays flat. */
#include <stdio.h>

#include "tf-camera.h"
#include "tf-cli.h"

typedef struct
{
  GMutex  lock;
  GArray *latency_ms;   /* double, one per analysed frame */
  gint64  frames_in, frames_done, faces;
  double  rss_start;
  gint64  first_us;
  GError *error;
  gboolean ended;
} Bench;

static void
on_frame (const TfCameraFrame *f,
          gpointer             data)
{
  Bench *b = data;
  double ms = (f->result_us - f->arrived_us) / 1e3;

  g_mutex_lock (&b->lock);
  if (b->first_us == 0)
    {
      b->first_us = f->result_us;
      b->rss_start = tf_camera_rss_mb ();
    }
  g_array_append_val (b->latency_ms, ms);
  b->frames_in = f->frames_in;
  b->frames_done = f->frames_done;
  b->faces += f->n_faces;
  g_mutex_unlock (&b->lock);
}

static void
on_stopped (const GError *error,
            gpointer      data)
{
  Bench *b = data;

  g_mutex_lock (&b->lock);
  b->ended = TRUE;
  if (error)
    b->error = g_error_copy (error);
  g_mutex_unlock (&b->lock);
}

int
tf_cli_bench_camera (int    argc,
                     char **argv)
{
  TfCliShared shared;
  gboolean camera = FALSE;
  g_autofree char *description = NULL;
  double seconds = 10;
  GOptionEntry entries[] = {
    { "camera", 0, 0, G_OPTION_ARG_NONE, &camera, "Time the live camera pipeline", NULL },
    { "camera-pipeline", 0, 0, G_OPTION_ARG_STRING, &description,
      "GStreamer pipeline of the camera (default: $" TF_CAMERA_PIPELINE_ENV ", else the first camera)", "DESC" },
    { "seconds", 0, 0, G_OPTION_ARG_DOUBLE, &seconds, "How long to run (default 10)", "N" },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new ("--camera - time a live camera through the face pipeline");
  g_autoptr(GError) error = NULL;
  g_autoptr(TfModel) model = NULL;
  g_autoptr(TfDetector) detector = NULL;
  g_autoptr(TfCamera) cam = NULL;
  g_autofree char *chosen = NULL;
  static const TfCameraCallbacks cb = { .frame = on_frame, .stopped = on_stopped };
  TfAnalyzeOptions o;
  Bench b = { 0 };
  double elapsed, rss_end, median = 0, p95 = 0;
  gint64 t0;
  const char *bad;

  tf_cli_shared_add (ctx, &shared, TF_CLI_OPTION_MODEL | TF_CLI_OPTION_DETECTOR | TF_CLI_OPTION_THRESHOLD |
                                   TF_CLI_OPTION_THREADS);
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    return tf_cli_usage_error (ctx, error->message);
  if ((bad = tf_cli_shared_check (&shared)) != NULL)
    return tf_cli_usage_error (ctx, bad);
  if (!(seconds > 0 && seconds <= 86400))
    return tf_cli_usage_error (ctx, "--seconds must be more than 0 and at most 86400");
  if ((chosen = tf_camera_choose_pipeline (description, &error)) == NULL ||
      !tf_cli_load_pipeline (shared.model, shared.detector, &model, &detector, &error))
    {
      g_printerr ("transfer-cli: %s\n", error->message);
      return 1;
    }
  tf_analyze_options_init (&o);
  o.detect_every = 3;
  o.probes = TF_PROBE_MAPS;
  o.threads = shared.threads;
  o.score = (float) shared.threshold;
  if ((cam = tf_camera_new (chosen, model, detector, &o, &error)) == NULL)
    {
      g_printerr ("transfer-cli: %s\n", error->message);
      return 1;
    }
  g_mutex_init (&b.lock);
  b.latency_ms = g_array_new (FALSE, FALSE, sizeof (double));
  t0 = g_get_monotonic_time ();
  tf_camera_start (cam, &cb, &b);
  for (;;)
    {
      gboolean ended;
      gint64 first, now;

      g_usleep (50000);
      g_mutex_lock (&b.lock);
      ended = b.ended;
      first = b.first_us;
      g_mutex_unlock (&b.lock);
      now = g_get_monotonic_time ();
      if (ended || (first > 0 && now - first >= seconds * 1e6) || (first == 0 && now - t0 > 30 * G_USEC_PER_SEC))
        break;
    }
  elapsed = (g_get_monotonic_time () - (b.first_us ? b.first_us : t0)) / 1e6;
  rss_end = tf_camera_rss_mb ();
  tf_camera_stop (cam);
  g_mutex_lock (&b.lock);
  tf_camera_latency_summary (b.latency_ms, &median, &p95);
  printf ("pipeline=%s\n", chosen);
  printf ("seconds=%.1f frames_in=%" G_GINT64_FORMAT " frames_done=%" G_GINT64_FORMAT " dropped=%" G_GINT64_FORMAT
          " faces=%" G_GINT64_FORMAT "\n",
          elapsed, b.frames_in, b.frames_done, MAX (b.frames_in - b.frames_done, 0), b.faces);
  printf ("updates_per_s=%.2f latency_ms_median=%.1f latency_ms_p95=%.1f\n",
          b.latency_ms->len > 1 ? (b.latency_ms->len - 1) / MAX (elapsed, 1e-9) : 0.0, median, p95);
  printf ("rss_mb_start=%.1f rss_mb_end=%.1f peak_rss_mb=%.1f\n", b.rss_start, rss_end, tf_cli_peak_rss_mb ());
  g_mutex_unlock (&b.lock);
  g_array_unref (b.latency_ms);
  g_mutex_clear (&b.lock);
  if (b.error != NULL || b.frames_done == 0)
    {
      g_printerr ("transfer-cli: %s\n", b.error ? b.error->message : "no frame arrived in 30 s");
      g_clear_error (&b.error);
      return 1;
    }
  return 0;
}
