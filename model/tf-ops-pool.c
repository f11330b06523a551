/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Subsampling, MaxPool2d(kernel 1, stride): the stem's shortcut when a
 * unit keeps its width but halves the size. Forward and backward. */
#include <stddef.h>

#include "tf-ops.h"

/* inp is (c, n, h, w); out is (c, n, ho, wo) */
void
tf_subsample (float       *out,
              const float *inp,
              int          c,
              int          n,
              int          h,
              int          w,
              int          stride)
{
  int ho = (h - 1) / stride + 1, wo = (w - 1) / stride + 1;

  for (size_t plane = 0; plane < (size_t) c * n; plane++)
    for (int y = 0; y < ho; y++)
      {
        const float *src = inp + (plane * h + (size_t) y * stride) * w;
        float *dst = out + (plane * ho + y) * wo;
        for (int x = 0; x < wo; x++)
          dst[x] = src[x * stride];
      }
}

/* dout is (c, n, ho, wo); dinp is (c, n, h, w) */
void
tf_subsample_backward (float       *dinp,
                       const float *dout,
                       int          c,
                       int          n,
                       int          h,
                       int          w,
                       int          stride)
{
  int ho = (h - 1) / stride + 1, wo = (w - 1) / stride + 1;

  for (size_t plane = 0; plane < (size_t) c * n; plane++)
    for (int y = 0; y < ho; y++)
      {
        float *dst = dinp + (plane * h + (size_t) y * stride) * w;
        const float *src = dout + (plane * ho + y) * wo;
        for (int x = 0; x < wo; x++)
          dst[x * stride] += src[x];
      }
}
