/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The live camera (app/media/tf-camera) on GStreamer test sources instead
 * of a device: a still portrait frozen into a 30 fps stream gives results
 * with faces; a slow consumer gets the newest frames, the others dropped,
 * never a queue; a description that does not parse, a source that cannot
 * start, a stream that ends and one that fails part way all end cleanly
 * with a message. */
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "tf-camera.h"
#include "tf-datafiles.h"

static TfModel    *model;
static TfDetector *detector;
static char       *portrait;   /* the astronaut, frozen into a 640x480, 30 fps stream */

typedef struct
{
  GMutex   lock;
  GCond    cond;
  int      frames, frames_with_faces, faces;
  gint64   frames_in, frames_done;
  double   first_latency_ms, max_latency_ms, last_latency_ms;
  gboolean stopped, maps_ok, probs_ok, sizes_ok, times_ok;
  GError  *error;
  guint    sleep_ms;      /* in each frame: an engine this slow */
} Run;

static void
run_init (Run *r)
{
  memset (r, 0, sizeof *r);
  g_mutex_init (&r->lock);
  g_cond_init (&r->cond);
  r->maps_ok = r->probs_ok = r->sizes_ok = r->times_ok = TRUE;
}

static void
run_clear (Run *r)
{
  g_clear_error (&r->error);
  g_mutex_clear (&r->lock);
  g_cond_clear (&r->cond);
}

static void
on_face (const TfFaceResult *f,
         gpointer            data)
{
  Run *r = data;
  const int K = f->outputs->classes;
  double sum = 0;

  for (int k = 0; k < K; k++)
    sum += f->probs[k];
  g_mutex_lock (&r->lock);
  r->faces++;
  r->probs_ok &= fabs (sum - 1) < 1e-3 && f->predicted >= 0 && f->predicted < K;
  /* the maps probe: the LANets' max over the 14x14 grid */
  r->maps_ok &= f->outputs->lanet_max != NULL && f->outputs->grid > 0;
  g_mutex_unlock (&r->lock);
}

static void
on_frame (const TfCameraFrame *f,
          gpointer             data)
{
  Run *r = data;
  double ms = (f->result_us - f->arrived_us) / 1e3;

  if (r->sleep_ms)
    g_usleep (r->sleep_ms * 1000);
  g_mutex_lock (&r->lock);
  r->frames++;
  r->frames_with_faces += f->n_faces > 0;
  r->frames_in = f->frames_in;
  r->frames_done = f->frames_done;
  r->sizes_ok &= f->frame->width == 640 && f->frame->height == 480 && f->frame->stride >= 640 * 3;
  r->times_ok &= f->arrived_us > 0 && f->result_us >= f->arrived_us;
  if (r->frames == 1)
    r->first_latency_ms = ms;
  r->last_latency_ms = ms;
  r->max_latency_ms = MAX (r->max_latency_ms, ms);
  g_cond_broadcast (&r->cond);
  g_mutex_unlock (&r->lock);
}

static void
on_stopped (const GError *error,
            gpointer      data)
{
  Run *r = data;

  g_mutex_lock (&r->lock);
  g_assert_false (r->stopped);   /* once */
  r->stopped = TRUE;
  if (error)
    r->error = g_error_copy (error);
  g_cond_broadcast (&r->cond);
  g_mutex_unlock (&r->lock);
}

static const TfCameraCallbacks callbacks = { .face = on_face, .frame = on_frame, .stopped = on_stopped };

/* Waits until @frames frames are done or the camera stopped. */
static void
run_wait (Run    *r,
          int     frames,
          double  seconds)
{
  gint64 until = g_get_monotonic_time () + (gint64) (seconds * G_USEC_PER_SEC);

  g_mutex_lock (&r->lock);
  while (r->frames < frames && !r->stopped)
    if (!g_cond_wait_until (&r->cond, &r->lock, until))
      break;
  g_mutex_unlock (&r->lock);
}

static TfCamera *
camera_new (const char *description)
{
  g_autoptr(GError) error = NULL;
  TfCamera *camera = tf_camera_new (description, model, detector, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (camera);
  return camera;
}

static void
test_faces (void)
{
  g_autoptr(TfCamera) camera = camera_new (portrait);
  Run r;

  run_init (&r);
  tf_camera_start (camera, &callbacks, &r);
  run_wait (&r, 4, 30);
  tf_camera_stop (camera);
  g_assert_true (r.stopped);
  g_assert_no_error (r.error);   /* stopped by us: no error */
  g_assert_cmpint (r.frames, >=, 4);
  /* the portrait has one face, found in every frame */
  g_assert_cmpint (r.frames_with_faces, ==, r.frames);
  g_assert_cmpint (r.faces, ==, r.frames);
  g_assert_true (r.probs_ok);
  g_assert_true (r.maps_ok);
  g_assert_true (r.sizes_ok);
  g_assert_true (r.times_ok);
  g_assert_cmpint (r.frames_done, ==, r.frames);
  run_clear (&r);
}

/* A consumer taking 300 ms a frame of a 30 fps source: about nine frames
 * in ten are dropped, and the frame analysed is always a recent one: the
 * wait from its arrival to its result stays what the analysis takes (a
 * queue would make it grow by some 270 ms with every frame, 1.3 s over
 * these five). */
static void
test_drops_when_slow (void)
{
  g_autoptr(TfCamera) camera = camera_new (portrait);
  Run r;

  run_init (&r);
  r.sleep_ms = 300;
  tf_camera_start (camera, &callbacks, &r);
  run_wait (&r, 6, 30);
  tf_camera_stop (camera);
  g_assert_no_error (r.error);
  g_assert_cmpint (r.frames, >=, 6);
  g_test_message ("frames in %" G_GINT64_FORMAT ", analysed %" G_GINT64_FORMAT ", first wait %.0f ms, "
                  "latest %.0f ms, longest %.0f ms", r.frames_in, r.frames_done, r.first_latency_ms,
                  r.last_latency_ms, r.max_latency_ms);
  g_assert_cmpint (r.frames_in, >=, 3 * r.frames_done);
  g_assert_cmpfloat (r.last_latency_ms, <, r.first_latency_ms + 800);
  run_clear (&r);
}

static void
test_bad_pipeline (void)
{
  g_autoptr(GError) error = NULL;
  TfCamera *camera = tf_camera_new ("nosuchcamerasrc device=/dev/video9", model, detector, NULL, &error);

  g_assert_null (camera);
  g_assert_error (error, TF_CAMERA_ERROR, TF_CAMERA_ERROR_PIPELINE);
  /* the pipeline and GStreamer's reason */
  g_assert_nonnull (strstr (error->message, "nosuchcamerasrc"));
  g_test_message ("%s", error->message);
  g_clear_error (&error);
  camera = tf_camera_new ("videotestsrc ! ! ", model, detector, NULL, &error);
  g_assert_null (camera);
  g_assert_error (error, TF_CAMERA_ERROR, TF_CAMERA_ERROR_PIPELINE);
}

/* Parses, but the source cannot start: stopped with the reason. */
static void
test_cannot_start (void)
{
  g_autoptr(TfCamera) camera = camera_new ("filesrc location=/nonexistent/camera.png ! decodebin");
  Run r;

  run_init (&r);
  tf_camera_start (camera, &callbacks, &r);
  run_wait (&r, 1, 30);
  g_assert_true (r.stopped);
  g_assert_nonnull (r.error);
  g_assert_true (r.error->domain == TF_CAMERA_ERROR);
  g_assert_nonnull (strstr (r.error->message, "/nonexistent/camera.png"));
  g_assert_cmpint (r.frames, ==, 0);
  tf_camera_stop (camera);   /* after it stopped by itself: nothing more */
  run_clear (&r);
}

/* The stream ends, or fails, while it runs: stopped once, with a message;
 * what was analysed before stands. */
static void
check_ends (const char *description,
            const char *expect)
{
  g_autoptr(TfCamera) camera = camera_new (description);
  Run r;

  run_init (&r);
  tf_camera_start (camera, &callbacks, &r);
  g_mutex_lock (&r.lock);
  while (!r.stopped)
    g_assert_true (g_cond_wait_until (&r.cond, &r.lock, g_get_monotonic_time () + 30 * G_USEC_PER_SEC));
  g_mutex_unlock (&r.lock);
  g_assert_error (r.error, TF_CAMERA_ERROR, TF_CAMERA_ERROR_STREAM);
  g_test_message ("%s", r.error->message);
  g_assert_nonnull (strstr (r.error->message, expect));
  g_assert_cmpint (r.frames, >, 0);
  g_assert_true (r.sizes_ok);
  tf_camera_stop (camera);
  run_clear (&r);
}

static void
test_end_of_stream (void)
{
  check_ends ("videotestsrc num-buffers=15 ! video/x-raw,width=640,height=480,framerate=30/1", "end of stream");
}

static void
test_error_mid_stream (void)
{
  /* identity fails the stream after 15 frames, as a camera unplugged does */
  check_ends ("videotestsrc ! video/x-raw,width=640,height=480,framerate=30/1 ! identity error-after=15",
              "the camera stopped");
}

static void
test_choose_pipeline (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *from_option = NULL;
  g_autofree char *from_env = NULL;
  g_autofree char *from_system = NULL;

  g_setenv (TF_CAMERA_PIPELINE_ENV, "videotestsrc pattern=ball", TRUE);
  from_option = tf_camera_choose_pipeline ("videotestsrc pattern=snow", &error);
  g_assert_cmpstr (from_option, ==, "videotestsrc pattern=snow");
  from_env = tf_camera_choose_pipeline (NULL, &error);
  g_assert_cmpstr (from_env, ==, "videotestsrc pattern=ball");
  g_unsetenv (TF_CAMERA_PIPELINE_ENV);
  from_system = tf_camera_choose_pipeline ("", &error);
  /* a machine with a camera names it; one without says so */
  if (from_system != NULL)
    g_assert_true (g_str_has_prefix (from_system, "v4l2src device=/dev/video") ||
                   g_str_equal (from_system, "pipewiresrc"));
  else
    {
      g_assert_error (error, TF_CAMERA_ERROR, TF_CAMERA_ERROR_NO_CAMERA);
      g_assert_nonnull (strstr (error->message, "--camera-pipeline"));
    }
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *model_path = NULL;
  g_autofree char *detector_path = NULL;
  g_autofree char *picture = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  model_path = tf_data_find (TF_DATA_MODEL);
  detector_path = tf_data_find (TF_DATA_DETECTOR);
  picture = tf_data_find (TF_DATA_SAMPLE);
  g_assert_nonnull (model_path);
  g_assert_nonnull (detector_path);
  g_assert_nonnull (picture);
  model = tf_model_load (model_path, &error);
  g_assert_no_error (error);
  detector = tf_detector_load (detector_path, &error);
  g_assert_no_error (error);
  portrait = g_strdup_printf ("filesrc location=\"%s\" ! decodebin ! imagefreeze ! videoconvert ! videoscale ! "
                              "video/x-raw,width=640,height=480,framerate=30/1", picture);

  g_test_add_func ("/camera/choose-pipeline", test_choose_pipeline);
  g_test_add_func ("/camera/faces", test_faces);
  g_test_add_func ("/camera/drops-when-slow", test_drops_when_slow);
  g_test_add_func ("/camera/bad-pipeline", test_bad_pipeline);
  g_test_add_func ("/camera/cannot-start", test_cannot_start);
  g_test_add_func ("/camera/end-of-stream", test_end_of_stream);
  g_test_add_func ("/camera/error-mid-stream", test_error_mid_stream);
  status = g_test_run ();
  tf_detector_free (detector);
  tf_model_free (model);
  g_free (portrait);
  return status;
}
