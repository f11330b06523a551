/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Shared by the safetensors reader and writer: the limits both keep, so the
 * writer never produces what the reader would refuse. */
#pragma once

#include <glib.h>
#include <stdint.h>

/* Integers above 2^53 do not survive the doubles many JSON writers use, so
 * such a value is a sign of a broken writer. */
#define TF_ST_MAX_INT     ((gint64) 1 << 53)

/* numel = product of @shape, FALSE when it (times @size bytes) overflows. */
gboolean tf_st_count_elements (const int64_t *shape,
                               int            ndim,
                               gsize          size,
                               int64_t       *numel);
