/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A small seedable generator (xoshiro256**, seeded by splitmix64): the same
 * seed gives the same stream on every platform. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  guint64 s[4];
} TfRng;

void    tf_rng_seed      (TfRng *rng, guint64 seed);
guint64 tf_rng_next      (TfRng *rng);
/* Uniform in [0, 1). */
double  tf_rng_uniform   (TfRng *rng);
/* Uniform integer in [0, n). */
guint32 tf_rng_below     (TfRng *rng, guint32 n);
/* Standard normal (Box-Muller). */
double  tf_rng_normal    (TfRng *rng);

G_END_DECLS
