/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Face tracks across video frames: each detection is matched to the track
 * it continues (box overlap and landmark distance, against the track's
 * position predicted for this frame), so a face keeps its id while it stays
 * in view; tracks not seen for a while end. */
#pragma once

#include <glib.h>

#include "tf-detect.h"

G_BEGIN_DECLS

typedef struct
{
  int    id;
  TfFace face;        /* last observation */
  gint64 frame;       /* its frame index */
  float  vx, vy;      /* box centre velocity, pixels per frame */
  float  vs;          /* relative box size change per frame */
  int    hits;        /* observations so far */
} TfTrack;

typedef struct _TfTracker TfTracker;

/* Tracks unseen for more than @max_gap frames end. */
TfTracker     *tf_tracker_new       (gint64          max_gap);
void           tf_tracker_free      (TfTracker      *tracker);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TfTracker, tf_tracker_free)

/* Matches @faces (detections of frame @frame, frames increasing) to tracks;
 * ids[i] receives the id of the track faces[i] continues or starts. Ids
 * start at 1 and are never reused. */
void           tf_tracker_update    (TfTracker      *tracker,
                                     const TfFace   *faces,
                                     int             n,
                                     gint64          frame,
                                     int            *ids);

/* Takes up tracks an earlier tracker left at frame @frame: @faces[i] was
 * the last observation of track @ids[i]; new tracks get ids from
 * @next_id on (and never one of @ids). */
void           tf_tracker_continue  (TfTracker      *tracker,
                                     const TfFace   *faces,
                                     const int      *ids,
                                     int             n,
                                     gint64          frame,
                                     int             next_id);

/* The live tracks, and where each is expected at @frame. */
int            tf_tracker_get_n     (TfTracker      *tracker);
const TfTrack *tf_tracker_get       (TfTracker      *tracker,
                                     int             i);
void           tf_track_predict     (const TfTrack  *track,
                                     gint64          frame,
                                     TfFace         *predicted);

/* How well a detection continues a (predicted) track: 0 no match, else
 * up to 2 (IoU plus landmark closeness relative to the face size). */
float          tf_track_affinity    (const TfFace   *predicted,
                                     const TfFace   *face);

G_END_DECLS
