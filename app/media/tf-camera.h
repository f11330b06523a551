/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A live camera through the face pipeline: a GStreamer pipeline (v4l2src,
 * pipewiresrc, or any description) ending in an appsink that keeps only the
 * newest frame (drop=true max-buffers=1), so frames that arrive while the
 * engine is busy are dropped, never queued; a worker thread that takes the
 * newest frame, finds, tracks and aligns its faces and runs the engine
 * (tf_analyzer_frame), and hands each frame's results to the caller with
 * the frame, the time it arrived and the time its results were ready. */
#pragma once

#include <gio/gio.h>

#include "tf-analyze.h"

G_BEGIN_DECLS

#define TF_CAMERA_ERROR (tf_camera_error_quark ())

typedef enum
{
  TF_CAMERA_ERROR_NO_CAMERA,  /* nothing to open (no /dev/video*, no portal) */
  TF_CAMERA_ERROR_PIPELINE,   /* the description does not parse or link */
  TF_CAMERA_ERROR_BUSY,       /* the camera is in use by another program */
  TF_CAMERA_ERROR_STREAM,     /* it failed, or ended, while it was running */
} TfCameraError;

GQuark tf_camera_error_quark (void);

/* The environment variable that names a pipeline when no option does. */
#define TF_CAMERA_PIPELINE_ENV "TF_CAMERA_PIPELINE"

/* What tf_camera_choose_pipeline gives inside a Flatpak whose camera portal
 * has a camera: tf_camera_start asks the portal for access and connects
 * the pipeline to the PipeWire remote it opens. */
#define TF_CAMERA_PORTAL_PIPELINE "pipewiresrc"

/* The pipeline to run: @option when set, else $TF_CAMERA_PIPELINE, else
 * the system's camera (pipewiresrc through the camera portal inside
 * a Flatpak, else v4l2src on the first /dev/video* that captures).
 * TF_CAMERA_ERROR_NO_CAMERA when there is none. */
char *tf_camera_choose_pipeline (const char  *option,
                                 GError     **error);

/* One analysed frame: valid during the callback only. */
typedef struct
{
  const TfFrame *frame;        /* packed RGB (stride may exceed width * 3) */
  gint64         arrived_us;   /* g_get_monotonic_time () when it reached the appsink */
  gint64         result_us;    /* ... and when its faces were done */
  int            n_faces;
  gint64         frames_in;    /* frames that reached the appsink so far */
  gint64         frames_done;  /* frames analysed so far, this one included */
} TfCameraFrame;

typedef struct
{
  /* each face of the frame being analysed, left to right (worker thread) */
  void (*face)    (const TfFaceResult  *result,
                   gpointer             user_data);
  /* then the frame itself, once its faces are done (worker thread) */
  void (*frame)   (const TfCameraFrame *frame,
                   gpointer             user_data);
  /* once, when the worker ends (worker thread): @error NULL after
   * tf_camera_stop, else why the camera stopped (busy, gone, ended) */
  void (*stopped) (const GError        *error,
                   gpointer             user_data);
} TfCameraCallbacks;

typedef struct _TfCamera TfCamera;

/* Parses @description (a GStreamer launch line whose last element gives
 * video: " ! videoconvert ! appsink" is appended) without starting it:
 * TF_CAMERA_ERROR_PIPELINE with GStreamer's message when it does not
 * parse. @model and @detector must outlive the camera, and nothing else
 * may use @detector while it runs. @options: NULL for the defaults (maps
 * probed, full detection every third frame, tracking in between). */
TfCamera   *tf_camera_new         (const char               *description,
                                   TfModel                  *model,
                                   TfDetector               *detector,
                                   const TfAnalyzeOptions   *options,
                                   GError                  **error);
/* Stops (tf_camera_stop) and frees. */
void        tf_camera_free        (TfCamera                 *camera);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TfCamera, tf_camera_free)

/* Starts the pipeline and the worker thread; @callbacks are called from
 * the worker until stopped arrives. Once per camera. */
void        tf_camera_start       (TfCamera                 *camera,
                                   const TfCameraCallbacks  *callbacks,
                                   gpointer                  user_data);
/* Ends the worker (after the frame it is on) and the pipeline; stopped is
 * called before this returns, if it was not called already. Any thread
 * but the worker's. */
void        tf_camera_stop        (TfCamera                 *camera);

const char *tf_camera_get_description (TfCamera             *camera);

/* The process's resident memory now, in MiB (0 when unknown): what the
 * camera benchmarks watch stay flat. */
double      tf_camera_rss_mb      (void);
/* The median and the 95th percentile of @ms (double, sorted in place; 0
 * when empty): the benchmarks' latency figures. */
void        tf_camera_latency_summary (GArray               *ms,
                                       double               *median,
                                       double               *p95);

G_END_DECLS
