/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The live camera page: the camera's picture with a box over each face, the
 * predicted expression and the map chosen in the inspector drawn in it,
 * updated as fast as the engine keeps up (frames it cannot take are
 * dropped); a Record button; a page that says what is wrong when there is
 * no camera, the pipeline is wrong, or the camera stops.
 *
 * Signals:
 *   "record"          (GdkTexture *frame, GPtrArray *faces)   while Record is
 *                     on, at most once a second: a frame with faces
 *                     (TfFaceProbe) for the project
 *   "face-activated"  (TfFaceProbe *face)                     a face clicked
 *   "overlay-painted" (gint64 arrived_us, gint64 result_us)   after the frame
 *                     clock painted a new result: when its frame arrived
 *                     and when its result did (monotonic) */
#pragma once

#include <adwaita.h>

#include "tf-session.h"

G_BEGIN_DECLS

#define TF_TYPE_CAMERA_VIEW (tf_camera_view_get_type ())
G_DECLARE_FINAL_TYPE (TfCameraView, tf_camera_view, TF, CAMERA_VIEW, GtkWidget)

GtkWidget  *tf_camera_view_new           (void);

/* Runs @description (NULL: --camera-pipeline's, $TF_CAMERA_PIPELINE, else
 * the system's camera) on @session's model, with @settings' detector
 * threshold, threads, map, colour map and opacity; a running camera stops
 * first. What goes wrong shows on the page. It stops while the page is not
 * shown, and goes on when it is again. */
void        tf_camera_view_start         (TfCameraView  *self,
                                          TfSession     *session,
                                          GSettings     *settings,
                                          const char    *description);
void        tf_camera_view_stop          (TfCameraView  *self);

/* "live", "none" (no camera), "error" (cannot start, or stopped by a
 * problem) or "stopped" */
const char *tf_camera_view_get_state     (TfCameraView  *self);
/* what went wrong ("" when nothing did) */
const char *tf_camera_view_get_message   (TfCameraView  *self);
/* the pipeline running or last run (NULL before any) */
const char *tf_camera_view_get_description (TfCameraView *self);
/* the faces (TfFaceProbe) of the result on show, and how many results
 * have been shown */
GPtrArray  *tf_camera_view_get_faces     (TfCameraView  *self);
guint64     tf_camera_view_get_updates   (TfCameraView  *self);

void        tf_camera_view_set_recording (TfCameraView  *self,
                                          gboolean       recording);
gboolean    tf_camera_view_get_recording (TfCameraView  *self);
/* the owner stored @n faces of a "record" */
void        tf_camera_view_add_recorded  (TfCameraView  *self,
                                          guint          n);
guint       tf_camera_view_get_recorded  (TfCameraView  *self);

G_END_DECLS
