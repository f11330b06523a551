/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The two regularisers of TransFER, as layers with a training flag:
 * Multi-Attention Dropping (MAD) over the LANet maps and Multi-head
 * Self-Attention Dropping (MSAD) over the heads of every block. At
 * inference both are the identity. Choices are drawn per sample from a
 * seedable generator, or given, so that training can replay them. */
#pragma once

#include <glib.h>

#include "tf-rng.h"

G_BEGIN_DECLS

/* choice [n]: per sample, with probability @p one of @lanets maps picked
 * uniformly, else -1. All -1 when not @training. */
void tf_mad_draw         (int       *choice,
                          int        n,
                          int        lanets,
                          double     p,
                          gboolean   training,
                          TfRng     *rng);

/* choice [n][depth]: per sample and block, with probability @p one of
 * @heads picked uniformly, else -1. All -1 when not @training. */
void tf_msad_draw        (int       *choice,
                          int        n,
                          int        depth,
                          int        heads,
                          double     p,
                          gboolean   training,
                          TfRng     *rng);

/* MAD then the aggregation: out [n][gg] = max over b of maps [b][n][gg],
 * the map choice[i] of sample i counting as zero (choice may be NULL). */
void tf_mad_max_forward  (float       *out,
                          const float *maps,
                          const int   *choice,
                          int          n,
                          int          lanets,
                          int          gg);

/* MSAD on one sequence: out [t][d] (rows ld apart), head @drop's columns
 * zeroed before the attention projection; -1 leaves it as is. */
void tf_msad_forward     (float       *out,
                          int          ld,
                          int          t,
                          int          d,
                          int          heads,
                          int          drop);

G_END_DECLS
