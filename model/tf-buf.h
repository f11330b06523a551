/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A grow-only, 64-byte-aligned float workspace (private to libtransfer): the
 * engine and the trainer keep their activations in these between calls. */
#pragma once

#include <glib.h>

typedef struct
{
  float *data;
  gsize  cap;
} TfBuf;

/* At least @n floats; the contents are lost (zeroed) when it has to grow. */
static inline float *
tf_buf_get (TfBuf *b,
            gsize  n)
{
  if (n > b->cap)
    {
      g_aligned_free (b->data);
      b->data = g_aligned_alloc0 (MAX (n, 1), sizeof (float), 64);
      b->cap = n;
    }
  return b->data;
}

static inline void
tf_buf_clear (TfBuf *b)
{
  g_clear_pointer (&b->data, g_aligned_free);
  b->cap = 0;
}
