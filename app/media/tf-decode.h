/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Pictures decoded whole with gdk-pixbuf: for the training data loader,
 * evaluation, detect and predict --no-detect. */
#pragma once

#include <glib.h>

#include "tf-engine.h"

G_BEGIN_DECLS

/* A TfDecodeFunc (model/tf-loader.h): decodes @path with gdk-pixbuf, applies
 * the EXIF orientation, drops alpha, and returns tightly packed 8-bit RGB
 * (*@stride = 3 * *@width) to free with g_free. Images over TF_MEDIA_MAX_PIXELS
 * are refused from their header, before any pixel is decoded. Safe to call
 * from several threads at once; @user_data is unused. */
guint8  *tf_decode_rgb   (const char        *path,
                          int               *width,
                          int               *height,
                          int               *stride,
                          GError           **error,
                          gpointer           user_data);

/* @rgb (@width x @height, @stride bytes per row) resampled to a @size x
 * @size packed RGB crop, each channel through the model's own resampler: a
 * picture that is a face crop as the model's
 * aligned crop (predict --no-detect, projects of crops). */
void     tf_decode_resize_rgb (const guint8     *rgb,
                               int               width,
                               int               height,
                               int               stride,
                               int               size,
                               guint8           *out);

/* Whether the picture in @path (a JPEG, PNG, GIF, BMP or TIFF; anything else
 * passes) is whole: else an error "DISPLAY: damaged or truncated: why". A
 * JPEG's picture data is also decoded (at an eighth of its size): libjpeg's
 * complaints about it ("Corrupt JPEG data: bad Huffman code") are damage. */
gboolean tf_decode_check_whole (const char        *path,
                                const char        *display,
                                GError           **error);

/* Decodes @path as tf_decode_rgb does and converts it to the model input
 * [3][S][S] (the whole picture as the face). @width and @height (may be
 * NULL) receive the picture's size. The error names the file. */
gboolean tf_decode_input (const char        *path,
                          const TfInputSpec *spec,
                          float             *out,
                          int               *width,
                          int               *height,
                          GError           **error);

/* A TfDecodeFunc for evaluating photos that are not face crops: decodes a
 * photo, finds its main face (tf_face_main: the largest, then the central) and
 * returns it aligned to the model's crop template at the template's source
 * size. Safe from several loader threads (one detector, under a lock). */
typedef struct _TfFaceCropper TfFaceCropper;

/* @detector_path NULL: the shipped detector. */
TfFaceCropper *tf_face_cropper_new        (TfModel         *model,
                                           const char      *detector_path,
                                           GError         **error);
void           tf_face_cropper_free       (TfFaceCropper   *cropper);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TfFaceCropper, tf_face_cropper_free)
/* The photos in which no face was found so far, by display name, sorted. */
char         **tf_face_cropper_get_missed (TfFaceCropper   *cropper);
/* @user_data is the TfFaceCropper. */
guint8        *tf_decode_face_crop        (const char      *path,
                                           int             *width,
                                           int             *height,
                                           int             *stride,
                                           GError         **error,
                                           gpointer         user_data);

G_END_DECLS
