/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Image decoding for the training data loader (gdk-pixbuf). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A TfDecodeFunc (model/tf-loader.h): decodes @path with gdk-pixbuf, applies
 * the EXIF orientation, drops alpha, and returns tightly packed 8-bit RGB
 * (*@stride = 3 * *@width) to free with g_free. Images over 200 megapixels
 * are refused from their header, before any pixel is decoded. Safe to call
 * from several threads at once; @user_data is unused. */
guint8 *tf_cli_decode_rgb (const char  *path,
                           int         *width,
                           int         *height,
                           int         *stride,
                           GError     **error,
                           gpointer     user_data);

G_END_DECLS
