/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A video with its playback controls, and under it the timeline of each
 * tracked face's expression probabilities as the analysis finds them. The
 * timeline's cursor follows playback; seeking through the timeline or the
 * video's scrubber moves to the analysed face of the chosen track nearest
 * that time, and "face-selected" (TfFaceProbe *) tells the owner. */
#pragma once

#include <gtk/gtk.h>

#include "tf-face-probe.h"
#include "tf-widgets.h"

G_BEGIN_DECLS

#define TF_TYPE_VIDEO_VIEW (tf_video_view_get_type ())
G_DECLARE_FINAL_TYPE (TfVideoView, tf_video_view, TF, VIDEO_VIEW, GtkWidget)

GtkWidget   *tf_video_view_new                (void);
/* Plays @path (NULL: nothing) and forgets the faces. */
void         tf_video_view_set_file           (TfVideoView *self,
                                               const char  *path);
const char  *tf_video_view_get_file           (TfVideoView *self);
void         tf_video_view_add_face           (TfVideoView *self,
                                               TfFaceProbe *probe);
/* Moves playback, the timeline's cursor and the chosen face to @seconds. */
void         tf_video_view_seek               (TfVideoView *self,
                                               double       seconds);
/* To the next (@direction > 0) or previous analysed face of the track. */
void         tf_video_view_step               (TfVideoView *self,
                                               int          direction);
guint        tf_video_view_get_n_tracks       (TfVideoView *self);
int          tf_video_view_get_selected_track (TfVideoView *self);
void         tf_video_view_select_track       (TfVideoView *self,
                                               int          track);
/* the face shown for the current position (NULL: none yet) */
TfFaceProbe *tf_video_view_get_face           (TfVideoView *self);
TfTimeline  *tf_video_view_get_timeline       (TfVideoView *self);

G_END_DECLS
