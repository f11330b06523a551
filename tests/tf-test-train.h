/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What the training tests share (header-only): pictures made from their
 * names, and the tiny golden model. */
#pragma once

#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "tf-error.h"
#include "tf-model.h"

/* Pictures made from their names, "CLASS/INDEX": a tint per class and a
 * pattern per index; a name holding "bad" fails to decode. */
static inline guint8 *
fake_decode (const char *path,
             int        *width,
             int        *height,
             int        *stride,
             GError    **error,
             gpointer    user_data)
{
  const int w = 28, h = 24;
  int c = 0, i = 0;
  guint8 *px;

  (void) user_data;
  if (strstr (path, "bad") || sscanf (path, "%d/%d", &c, &i) != 2)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_IO, "%s: fake decoding failure", path);
      return NULL;
    }
  px = g_new (guint8, w * h * 3);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      for (int ch = 0; ch < 3; ch++)
        px[(y * w + x) * 3 + ch] = (guint8) ((ch == c % 3 ? 150 : 50) + 9 * ((x * (i + 1) + y * (c + 2) + ch * 5) % 11)
                                             + (c >= 3 ? 40 * (x < w / 2) : 0));
  *width = w;
  *height = h;
  *stride = w * 3;
  return px;
}

/* The tiny golden model (40 px, 5 classes), a fresh copy each time. */
static inline TfModel *
load_tiny (void)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "goldens", "tiny-model.safetensors", NULL);
  g_autoptr(GError) error = NULL;
  TfModel *model = tf_model_load (path, &error);

  g_assert_no_error (error);
  return model;
}

