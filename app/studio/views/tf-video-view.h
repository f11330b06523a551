/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A video with its playback controls, and under it the timeline of each
 * tracked face's expression probabilities as the analysis finds them, with
 * a play/pause button beside it: the timeline is the one seek bar. Its
 * cursor follows playback; seeking moves to the analysed face of the
 * chosen track nearest that time, and "face-selected" (TfFaceProbe *)
 * tells the owner.
 *
 * Over the playing video, each track's face of the moment is boxed with
 * its prediction, or the label a person gave it (from a TfLabelMap, in the
 * timeline's colours; a disagreement with the model is marked); a click on
 * a box chooses that track. In drawing mode a drag draws the box of a face
 * the detector missed: "box-drawn" (double time_s, then x, y, w, h in frame
 * pixels). "player-error" (const char *message) says the player cannot play
 * the file. */
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
/* @new_probe (the same face, say with its maps made) in @old_probe's place;
 * nothing when @old_probe is not shown here */
void         tf_video_view_replace_face       (TfVideoView *self,
                                               TfFaceProbe *old_probe,
                                               TfFaceProbe *new_probe);
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
/* The labels drawn over the video and in the timeline's lanes (by
 * TfFaceProbe.face_id; a ref is held, NULL: none); redrawn on its
 * "changed". */
void         tf_video_view_set_label_map      (TfVideoView *self,
                                               TfLabelMap  *map);
/* The faces of the track whose range is selected in the timeline, inside
 * that range, in time order (a new array of refs); NULL: no range. */
GPtrArray   *tf_video_view_get_range_faces    (TfVideoView *self);
void         tf_video_view_clear_range        (TfVideoView *self);
/* Seeks to the next (@direction > 0) or previous face of the chosen track
 * whose label differs from the one before it, choosing it as seeking does;
 * FALSE (and nothing moves) when there is none. */
gboolean     tf_video_view_jump_label_change  (TfVideoView *self,
                                               int          direction);
/* Drawing mode (the "drawing" property): playback paused, a crosshair, a
 * hint, and a drag over the picture that ends the mode and emits
 * "box-drawn" (clamped to the frame; a box under 8 pixels a side is
 * ignored and drawing goes on). Escape cancels. */
void         tf_video_view_set_drawing        (TfVideoView *self,
                                               gboolean     drawing);
gboolean     tf_video_view_get_drawing        (TfVideoView *self);
/* Where the video's frame is drawn, in the view's coordinates (letterbox
 * bars excluded); FALSE while its size is unknown. */
gboolean     tf_video_view_get_frame_rect     (TfVideoView     *self,
                                               graphene_rect_t *rect);

/* Playback, as the play/pause button beside the timeline (and Space in
 * the window) drives it: playing from the end starts over. */
gboolean     tf_video_view_get_playing        (TfVideoView *self);
void         tf_video_view_set_playing        (TfVideoView *self,
                                               gboolean     playing);
void         tf_video_view_toggle_playing     (TfVideoView *self);
/* Chooses the next (@direction > 0) or previous track (person) in the
 * dropdown's order, round the end, and seeks to its face nearest the
 * position (when it is on screen there), else to its first face; FALSE
 * when there is no track. */
gboolean     tf_video_view_select_next_track  (TfVideoView *self,
                                               int          direction);
/* Pauses and seeks to the next (@direction > 0) or previous analysed time
 * (of any track's face); FALSE (nothing moves) when there is none. */
gboolean     tf_video_view_step_frame         (TfVideoView *self,
                                               int          direction);
/* Whether the analysis of the file is over: with no face tracked, the
 * timeline then says that the video has none (set_file clears it). */
void         tf_video_view_set_analysed       (TfVideoView *self,
                                               gboolean     analysed);
gboolean     tf_video_view_get_analysed       (TfVideoView *self);
G_END_DECLS
