/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The face pipeline: media -> frames -> faces (detect, track, align) ->
 * engine -> results. A producer thread decodes, detects and aligns; the
 * thread that calls tf_analyzer_run batches the aligned faces through the
 * engine and delivers the results, in order. A bounded queue between the
 * two keeps both cores busy and memory bounded. */
#pragma once

#include <gio/gio.h>

#include "tf-detect.h"
#include "tf-engine.h"
#include "tf-media.h"
#include "tf-track.h"

G_BEGIN_DECLS

/* Where an earlier, stopped run left the first file (a video): its last
 * analysed frame, the faces found in it and their tracks, which go on. */
typedef struct
{
  double        after_s;      /* the last analysed frame's time */
  gint64        frame;        /* and its index */
  const TfFace *faces;        /* [n_faces] */
  const int    *tracks;       /* [n_faces] */
  int           n_faces;
  int           next_track;   /* new tracks are numbered from this on */
} TfAnalyzeResume;

typedef struct
{
  TfMediaOptions media;      /* frame sampling (every Nth, or fps) */
  int          detect_every; /* full-frame detection every Nth kept video frame,
                              * tracked faces looked for near where they were in
                              * between (1: detect on every frame) */
  int          batch;        /* faces per engine call */
  int          queue;        /* aligned faces waiting for the engine, at most */
  int          threads;      /* engine threads */
  int          detect_threads;
  float        score;        /* detector score threshold */
  int          detect_max_side;
  TfProbeFlags probes;       /* what the engine computes besides probabilities */
  int          crop_size;    /* > 0: keep an RGB crop of each face this big */
  gboolean     mirror;       /* probabilities averaged with the mirrored face's
                              * (tf_engine_forward_mirrored); the probes stay
                              * the face's as seen */
  const TfAnalyzeResume *resume; /* non-NULL: the first file goes on from
                                  * there (frames up to it are not analysed
                                  * again); it must outlive the analyzer */
} TfAnalyzeOptions;

void tf_analyze_options_init (TfAnalyzeOptions *options);

typedef struct
{
  const char      *file;
  int              file_index;
  gint64           frame;         /* index in the stream, 0 for photos */
  double           time_s;
  int              face;          /* index in its frame, left to right */
  int              track;         /* stable id across frames, from 1 */
  const TfFace    *det;           /* box, score, landmarks in frame pixels */
  const float     *probs;         /* [classes] */
  int              predicted;
  const TfOutputs *outputs;       /* the whole batch's outputs (probes) ... */
  int              batch_index;   /* ... and this face's row in them */
  const uint8_t   *crop;          /* crop_size^2 RGB, or NULL */
  int              crop_size;
  const uint8_t   *source;        /* the aligned crop the model input was resampled from (RGB) */
  int              source_size;
} TfFaceResult;

typedef struct
{
  const char *file;
  int         file_index, n_files;
  gint64      frame;              /* last frame done */
  double      time_s, duration;   /* duration: 0 photos, -1 unknown */
  TfMediaKind kind;
  int         width, height;      /* of the frames, after orientation */
  gint64      frames_done;        /* over all files so far */
  gint64      faces_done;
} TfAnalyzeProgress;

typedef struct
{
  /* one face of one frame, in order */
  void (*face)      (const TfFaceResult      *result,
                     gpointer                 user_data);
  /* after each frame (with or without faces) */
  void (*progress)  (const TfAnalyzeProgress *progress,
                     gpointer                 user_data);
  /* each file once, at its end: @error set when it could not be read
   * (whole or in part); the run goes on with the next file */
  void (*file_done) (const char              *file,
                     int                      file_index,
                     gint64                   frames,
                     gint64                   faces,
                     const GError            *error,
                     gpointer                 user_data);
} TfAnalyzeCallbacks;

typedef struct _TfAnalyzer TfAnalyzer;

/* Takes references to nothing: @model and @detector must outlive it. */
TfAnalyzer *tf_analyzer_new   (TfModel                  *model,
                               TfDetector               *detector,
                               const TfAnalyzeOptions   *options,
                               GError                  **error);
void        tf_analyzer_free  (TfAnalyzer               *analyzer);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TfAnalyzer, tf_analyzer_free)

/* Analyses @files in order, calling @callbacks from this thread. Returns
 * FALSE only when cancelled or when the engine fails; unreadable files are
 * reported through file_done and skipped. */
gboolean    tf_analyzer_run   (TfAnalyzer               *analyzer,
                               const char * const       *files,
                               int                       n_files,
                               const TfAnalyzeCallbacks *callbacks,
                               gpointer                  user_data,
                               GCancellable             *cancellable,
                               GError                  **error);

/* One frame of a live source (a camera) through the same pipeline, here
 * and now: its faces found (a full detection every detect_every frames,
 * @kept counting them, else near @tracker's tracks), tracked, aligned and
 * run through the engine with the options' probes; @callbacks->face is
 * called for each, left to right, from this thread, with @name as the
 * file. Returns the number of faces, or -1 with @error set when the
 * detector or the engine failed. */
int         tf_analyzer_frame (TfAnalyzer               *analyzer,
                               TfTracker                *tracker,
                               const TfFrame            *frame,
                               gint64                    kept,
                               const char               *name,
                               const TfAnalyzeCallbacks *callbacks,
                               gpointer                  user_data,
                               GError                  **error);

/* Expands folders (recursively, sorted, hidden entries and files that are
 * neither pictures nor videos by their name and first bytes left out) and
 * keeps other paths as given, so that missing files get reported. */
GPtrArray  *tf_analyze_expand_paths (const char * const *paths,
                                     int                  n_paths);

/* ---- shards: one machine's part of a batch ------------------------------ */

/* The most shards a batch splits into. */
#define TF_ANALYZE_MAX_SHARDS 100000

/* The shard, 1..@count, that the file named @key falls in: the first eight
 * bytes of the SHA-256 of @key's bytes, read big-endian, modulo @count,
 * plus 1. Fixed here, never a GLib hash: every machine and every release
 * must agree. */
int         tf_analyze_shard_of     (const char          *key,
                                     int                  count);

/* The key a file is sharded by: its path as the command line names it,
 * and for a file found in a named folder, that folder as named joined
 * with the path below it ("photos/2024/a.jpg" for photos/ ; a leading
 * "./" and doubled or trailing separators dropped). The same relative
 * paths give the same keys on any machine, wherever the data is mounted;
 * the absolute path of the rows' file column would not. */
char       *tf_analyze_shard_key    (const char          *named,
                                     const char          *file);

/* tf_analyze_expand_paths, keeping only the files of shard @index
 * (1..@count), in the same order: the @count shards of the same paths
 * hold each file of the whole exactly once. @n_all, when not NULL, gets
 * the number of files of all the shards together. */
GPtrArray  *tf_analyze_expand_shard (const char * const *paths,
                                     int                  n_paths,
                                     int                  index,
                                     int                  count,
                                     guint               *n_all);

G_END_DECLS
