/* SPDX-License-Identifier: GPL-3.0-or-later */
/* One reader for photos and videos through GStreamer: frames as packed RGB
 * with their index and presentation time, every Nth frame or at a target
 * rate, accurate seeking, EXIF orientation applied to photos. Decoding
 * streams: memory stays flat however long the video is. */
#pragma once

#include <glib.h>
#include <stdint.h>

G_BEGIN_DECLS

#define TF_MEDIA_ERROR (tf_media_error_quark ())

/* Pictures and frames larger than this in all are refused from their header,
 * before anything is decoded (a 74-byte PNG may declare 14000 x 14000). */
#define TF_MEDIA_MAX_PIXELS (100u * 1000u * 1000u)

typedef enum
{
  TF_MEDIA_ERROR_OPEN,      /* missing, unreadable, empty */
  TF_MEDIA_ERROR_FORMAT,    /* not a picture or video we can decode */
  TF_MEDIA_ERROR_NO_VIDEO,  /* a container with no picture stream (audio only) */
  TF_MEDIA_ERROR_TOO_LARGE, /* frame larger than the limit */
  TF_MEDIA_ERROR_DECODE,    /* decoding failed part way (truncated, corrupt) */
} TfMediaError;

GQuark tf_media_error_quark (void);

typedef enum
{
  TF_MEDIA_IMAGE,
  TF_MEDIA_VIDEO,
} TfMediaKind;

typedef struct
{
  int    every;      /* keep every Nth decoded frame (1: all); ignored when fps > 0 */
  double fps;        /* > 0: keep frames at about this rate */
  int    max_side;   /* refuse frames whose longer side exceeds this (0: 16384) */
} TfMediaOptions;

typedef struct
{
  uint8_t *rgb;      /* packed RGB, stride bytes per row, owned by the frame */
  int      width, height, stride;
  gint64   index;    /* index among all decoded frames of the stream (0-based) */
  double   time_s;   /* presentation time, 0 for photos */
} TfFrame;

typedef struct _TfMedia TfMedia;

/* Starts GStreamer once for the process; FALSE with @error when it cannot. */
gboolean    tf_media_ensure_gst  (GError               **error);

/* Opens @path and prerolls it, so that kind, size and duration are known.
 * Errors name the file and the problem. @options may be NULL. */
TfMedia    *tf_media_open        (const char            *path,
                                  const TfMediaOptions  *options,
                                  GError               **error);
void        tf_media_free        (TfMedia               *media);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TfMedia, tf_media_free)

TfMediaKind tf_media_get_kind    (TfMedia               *media);
int         tf_media_get_width   (TfMedia               *media);  /* after orientation */
int         tf_media_get_height  (TfMedia               *media);
double      tf_media_get_duration(TfMedia               *media);  /* seconds, 0 for photos, -1 unknown */
double      tf_media_get_fps     (TfMedia               *media);  /* 0 for photos or unknown */

/* The next kept frame, or NULL: at the end with *error unset, or with
 * *error set when decoding failed (frames already returned stay valid). */
TfFrame    *tf_media_next        (TfMedia               *media,
                                  GError               **error);
/* Accurate seek: the next frame returned is the first whose time is
 * >= @time_s. Frame sampling restarts from there. */
gboolean    tf_media_seek        (TfMedia               *media,
                                  double                 time_s,
                                  GError               **error);
/* Goes on after a frame at @time_s that an earlier read of the same file
 * with the same options kept: the next frame returned is the one that read
 * would have kept after it (frames at or before @time_s are skipped). For
 * a picture, nothing follows. */
gboolean    tf_media_seek_after  (TfMedia               *media,
                                  double                 time_s,
                                  GError               **error);
/* Makes a blocked tf_media_next return NULL soon (from any thread), with
 * G_IO_ERROR_CANCELLED; later calls to next and seek fail the same way. */
void        tf_media_cancel      (TfMedia               *media);

/* The first frame of @path (a photo), decoded by the reader above, as
 * packed RGB to free with g_free: what the analysis of the photo sees. */
guint8     *tf_media_read_picture (const char           *path,
                                   int                  *width,
                                   int                  *height,
                                   int                  *stride,
                                   GError              **error);

/* The one rule for what is a picture and what is a video, from a GIO content
 * type (by the file's first bytes or by its name): FALSE when it is neither.
 * Ogg and Matroska count as videos. */
gboolean    tf_media_kind_for_content_type (const char   *content_type,
                                            TfMediaKind  *kind);
/* The same rule applied to @path's name alone (nothing is read). */
gboolean    tf_media_kind_for_name (const char           *path,
                                    TfMediaKind          *kind);

void        tf_frame_free        (TfFrame               *frame);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TfFrame, tf_frame_free)

G_END_DECLS
