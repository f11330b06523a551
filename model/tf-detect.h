/* SPDX-License-Identifier: GPL-3.0-or-later */
/* YuNet face detector (libfacedetection.train, Apache-2.0) on the engine's
 * ops: boxes, scores and five landmarks for faces of any size in an RGB
 * image of any size. The weights come from a safetensors file converted
 * from the ONNX graph by tools/convert_yunet.py. */
#pragma once

#include <glib.h>
#include <stdint.h>

#include "tf-error.h"

G_BEGIN_DECLS

/* The detector's defaults, written once: the CLI's help texts, the analysis
 * options and the application's settings schema (checked by a test) follow
 * them. */
#define TF_DETECT_DEFAULT_THRESHOLD 0.6
#define TF_DETECT_DEFAULT_NMS       0.3
#define TF_DETECT_DEFAULT_MAX_SIDE  1280

/* Landmark order: left eye, right eye (as seen in the image: the left one
 * has the smaller x), nose tip, left mouth corner, right mouth corner. */
#define TF_FACE_LANDMARKS 5

/* One detection, in the pixel coordinates of the image given to
 * tf_detector_detect (x to the right, y down, origin at the top-left
 * corner of the top-left pixel). */
typedef struct
{
  float x, y, w, h;                       /* box */
  float score;                            /* sqrt (cls * obj), 0..1 */
  float landmarks[TF_FACE_LANDMARKS][2];  /* x, y */
} TfFace;

typedef struct _TfDetector TfDetector;

TfDetector *tf_detector_load          (const char       *path,
                                       GError          **error);
void        tf_detector_free          (TfDetector       *detector);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TfDetector, tf_detector_free)

/* Worker threads for the forward pass (default: tf_get_threads ()). */
void        tf_detector_set_threads   (TfDetector       *detector,
                                       int               threads);
/* Faces scoring below @score are dropped (TF_DETECT_DEFAULT_THRESHOLD);
 * overlapping boxes with IoU above @nms keep the higher score
 * (TF_DETECT_DEFAULT_NMS). As OpenCV's
 * FaceDetectorYN, at most the 5000 best candidates go through NMS (OpenCV
 * truncates the boxes to integers for the IoU; here they stay float). */
void        tf_detector_set_threshold (TfDetector       *detector,
                                       float             score,
                                       float             nms);
/* Images whose longer side exceeds @max_side are scaled down (bilinear,
 * with prefiltering: tf_image_resample_plane) so that it becomes @max_side,
 * the other side rounded, for detection, and the results scaled back; 0
 * means never (default TF_DETECT_DEFAULT_MAX_SIDE). */
void        tf_detector_set_max_side  (TfDetector       *detector,
                                       int               max_side);

/* Detects faces in packed 8-bit RGB (@stride bytes per row). Returns a
 * GArray of TfFace sorted by descending score (empty when there are none).
 * The network input is the (scaled) image padded on the right and bottom
 * to multiples of 32 with zeros. Fails only on impossible arguments: no
 * pixels, or a network input over 16 megapixels (max_side 0 on a huge
 * image). A detector keeps its workspace between calls and runs one
 * detection at a time: use one detector per thread. */
GArray     *tf_detector_detect        (TfDetector       *detector,
                                       const uint8_t    *rgb,
                                       int               width,
                                       int               height,
                                       int               stride,
                                       GError          **error);

/* The network's raw forward on an already padded CHW float input in the
 * graph's own channel order and scale (BGR, 0..255), for the tests: fills
 * @out (g_free it) with, per stride 8, 16, 32 in that order, one row of 16
 * floats per anchor cell in raster order: cls and obj after their sigmoid,
 * then the raw bbox[4] and kps[10] outputs, exactly the ONNX graph's
 * outputs; returns the number of rows, or -1 with @error set. */
int         tf_detector_forward_raw   (TfDetector       *detector,
                                       const float      *chw,
                                       int               width,
                                       int               height,
                                       float           **out,
                                       GError          **error);

/* Moves a face (box and landmarks) by (@dx, @dy): from a window's pixels
 * to the whole image's, or back. */
static inline void
tf_face_translate (TfFace *face,
                   float   dx,
                   float   dy)
{
  face->x += dx;
  face->y += dy;
  for (int k = 0; k < TF_FACE_LANDMARKS; k++)
    {
      face->landmarks[k][0] += dx;
      face->landmarks[k][1] += dy;
    }
}

/* The main face of a picture of @width x @height (0: unknown) among @n
 * boxes (x, y, w, h: the floats at @boxes + i * @stride): the largest,
 * counting only the part inside the picture, so a face cut by an edge counts
 * for what is seen of it; faces within a tenth of the largest's area tie,
 * and of those the one nearest the centre (the picture's, else that of all
 * the boxes) is chosen, the first on a tie again. Every view that chooses a
 * face for the person, and the crops of photos, use this. -1 when @n is 0. */
int         tf_face_main              (const float      *boxes,
                                       gsize             stride,
                                       guint             n,
                                       int               width,
                                       int               height);

/* Intersection over union of two boxes. */
float       tf_face_iou               (const TfFace     *a,
                                       const TfFace     *b);

G_END_DECLS
