/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The application's engine room: the expression model and face detector,
 * analyses of photos, folders and videos in a background thread with the
 * results delivered on the main thread as they come, and the on-demand
 * ablation of one face. The UI never blocks on it. */
#pragma once

#include <gio/gio.h>

#include "tf-analyze.h"
#include "tf-face-probe.h"
#include "tf-model-info.h"

G_BEGIN_DECLS

#define TF_TYPE_SESSION (tf_session_get_type ())
G_DECLARE_FINAL_TYPE (TfSession, tf_session, TF, SESSION, GObject)

typedef struct
{
  double every_fps;      /* videos: analyse about this many frames per second (0: every frame) */
  double threshold;      /* detector score threshold */
  int    threads;        /* engine threads (0: all cores) */
  gboolean crops;        /* pictures are face crops: the whole picture is the
                          * face, nothing is detected (videos are skipped) */
  gboolean skip_maps;    /* faces come with probabilities only, as the CLI's
                          * do: maps, attention and rollout of a face are
                          * computed when it is shown (tf_session_probe_async) */
  gboolean mirror;       /* probabilities averaged with the mirrored face's
                          * (the maps and heads shown stay the face's as
                          * seen); faces computed on demand and compared
                          * afterwards follow the last analysis's choice */
} TfSessionOptions;

TfSession  *tf_session_new              (void);

/* Loads the expression model and the detector (NULL: the shipped ones);
 * on failure the previous ones stay. Fast (well under a second). A model
 * loaded emits "model-loaded" (no arguments) before it returns. */
gboolean    tf_session_load             (TfSession              *self,
                                         const char             *model_path,
                                         const char             *detector_path,
                                         GError                **error);
/* The loaded model's class names (NULL-terminated, owned by the session)
 * and a short description ("TransFER small, 112 px, FER+ 87.4 %"). */
const char * const *tf_session_get_classes    (TfSession *self);
const char         *tf_session_get_model_name (TfSession *self);
/* The loaded model in words: configuration, classes, provenance
 * (tf-model-info.h; owned by the session, replaced by the next successful
 * tf_session_load); NULL before any. */
const TfModelInfo  *tf_session_describe_model (TfSession *self);
/* The model file given to the last successful tf_session_load: "" for the
 * shipped model, NULL before any. */
const char         *tf_session_get_model_path (TfSession *self);

/* Starts analysing @paths (photos, folders, videos; folders are expanded
 * recursively), cancelling a running analysis first. Signals, all on the
 * main thread:
 *   "started"   (guint n_files)
 *   "face"      (TfFaceProbe *probe)                 one per face, in order
 *   "progress"  (double fraction, const char *text)  fraction -1: unknown
 *   "file-done" (const char *file, const char *error or NULL, gint64 frames, gint64 faces)
 *   "finished"  (gboolean cancelled)
 * Faces come with probes (maps, attention, rollout) unless skip_maps. */
void        tf_session_analyze          (TfSession              *self,
                                         const char * const     *paths,
                                         const TfSessionOptions *options);
void        tf_session_cancel           (TfSession              *self);
/* Whether the last analysis was cancelled with files, or part of a video,
 * left; tf_session_continue then goes on where it stopped, with the same
 * options: a video after its last analysed frame (tracks go on, no face is
 * delivered twice), a folder from its first file not finished. Signals as
 * tf_session_analyze; "file-done" counts a file's faces over both runs. */
gboolean    tf_session_can_continue     (TfSession              *self);
void        tf_session_continue         (TfSession              *self);
gboolean    tf_session_is_running       (TfSession              *self);

/* The ablation view of one face: the probability change per dropped head,
 * computed block by block in a thread, and the probabilities with each
 * LANet dropped (lanet_ablation); @progress (may be NULL) is called on the
 * main thread after each step with the fraction done. */
typedef void (*TfSessionProgress) (double fraction, gpointer user_data);
void         tf_session_ablation_async  (TfSession              *self,
                                         TfFaceProbe            *probe,
                                         GCancellable           *cancellable,
                                         TfSessionProgress       progress,
                                         gpointer                progress_data,
                                         GAsyncReadyCallback     callback,
                                         gpointer                user_data);
/* A new probe: @probe plus its ablation. */
TfFaceProbe *tf_session_ablation_finish (TfSession              *self,
                                         GAsyncResult           *result,
                                         GError                **error);

/* One face computed on demand in a thread, delivered as a new probe with
 * its maps: tf_session_probe_async recomputes @probe (a face restored from
 * a project: where it is and its stored crop, no maps) with the loaded
 * model; tf_session_face_from_box_async finds the face a person drew at
 * @box (x, y, w, h in frame pixels) of @file's frame at @time_s (0 for a
 * photo): the detected face overlapping the box, else the crop template
 * placed in it (score 0). Both finish with tf_session_face_finish. */
void         tf_session_probe_async     (TfSession              *self,
                                         TfFaceProbe            *probe,
                                         GCancellable           *cancellable,
                                         GAsyncReadyCallback     callback,
                                         gpointer                user_data);
void         tf_session_face_from_box_async (TfSession          *self,
                                         const char             *file,
                                         double                  time_s,
                                         const float            *box,
                                         GCancellable           *cancellable,
                                         GAsyncReadyCallback     callback,
                                         gpointer                user_data);
/* The most confident face of the picture @file with its maps (the crop
 * template in its middle when no face is found), the same way; for the
 * help's pictures of the sample photo. */
void         tf_session_face_in_picture_async (TfSession        *self,
                                         const char             *file,
                                         GCancellable           *cancellable,
                                         GAsyncReadyCallback     callback,
                                         gpointer                user_data);
TfFaceProbe *tf_session_face_finish     (TfSession              *self,
                                         GAsyncResult           *result,
                                         GError                **error);

/* The live camera runs its own engine on the loaded model: held (it stays
 * loaded when another is) until tf_session_release_model (@hold); NULL
 * before any model is loaded. tf_session_probe_from_result makes the
 * probe an analysis makes of a face result (from any thread). */
TfModel     *tf_session_hold_model      (TfSession              *self,
                                         gpointer               *hold);
void         tf_session_release_model   (gpointer                hold);
TfFaceProbe *tf_session_probe_from_result (const TfFaceResult   *result,
                                         TfModel                *model);

/* ---- comparing with a second model ---- */

/* Loads the model that faces are compared with (its own classes, input
 * size and colour); on failure the previous one stays. */
gboolean     tf_session_load_compare    (TfSession              *self,
                                         const char             *path,
                                         GError                **error);
void         tf_session_clear_compare   (TfSession              *self);
/* The compared model's file and classes, NULL when none is loaded. */
const char  *tf_session_get_compare_path (TfSession             *self);
const char * const *tf_session_get_compare_classes (TfSession   *self);
/* @probes (TfFaceProbe) through the second model, batched in a thread, each
 * from its stored aligned crop (probe->source_rgb) made into that model's
 * input; with @with_maps the maps, attention and rollout too. Finishes with
 * an array as long as @probes of new probes (NULL where a face has no
 * stored crop): fill probe->compare of a copy with them. */
void         tf_session_compare_async   (TfSession              *self,
                                         GPtrArray              *probes,
                                         gboolean                with_maps,
                                         GCancellable           *cancellable,
                                         GAsyncReadyCallback     callback,
                                         gpointer                user_data);
GPtrArray   *tf_session_compare_finish  (TfSession              *self,
                                         GAsyncResult           *result,
                                         GError                **error);

/* ---- exploring one face (issue 13): occlusion and LANet drop ---------------- */

/* What to change in the face: a rectangle hidden (x, y, w, h in fractions
 * of the crop side, clipped to it; grey, or blurred) and a LANet dropped
 * (from 0; -1 none). */
typedef struct
{
  gboolean occlude;
  double   rect[4];
  gboolean blur;
  int      drop_lanet;
} TfSessionExplore;

/* @probe computed again, changed as @what says, with its maps: a new probe
 * of the same face (its crop, occlusion map kept; its ablations dropped);
 * averaged with its mirror image when the last analysis was, unless a
 * rectangle is hidden (a drag's steps must keep up with the pointer). */
void         tf_session_explore_async   (TfSession              *self,
                                         TfFaceProbe            *probe,
                                         const TfSessionExplore *what,
                                         GCancellable           *cancellable,
                                         GAsyncReadyCallback     callback,
                                         gpointer                user_data);
/* The occlusion-sensitivity map of @probe's face (TF_OCCLUSION_DEFAULT_*
 * patch and stride; the face as given, never mirrored: 25 forwards
 * with the defaults): a copy with occlusion_map and occlusion_grid filled;
 * @progress as for the ablation; cancelled: G_IO_ERROR_CANCELLED. */
void         tf_session_occlusion_map_async (TfSession          *self,
                                         TfFaceProbe            *probe,
                                         gboolean                blur,
                                         GCancellable           *cancellable,
                                         TfSessionProgress       progress,
                                         gpointer                progress_data,
                                         GAsyncReadyCallback     callback,
                                         gpointer                user_data);
/* finishes both */
TfFaceProbe *tf_session_explore_finish  (TfSession              *self,
                                         GAsyncResult           *result,
                                         GError                **error);

G_END_DECLS
