/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>
#include <string.h>

#include "tf-drop.h"

/* One draw: the uniform first, the choice only when it drops, so that the
 * stream stays the same whatever the number of choices. */
static int
draw_one (TfRng  *rng,
          double  p,
          int     choices)
{
  if (p <= 0 || tf_rng_uniform (rng) >= p)
    return -1;
  return (int) tf_rng_below (rng, (guint32) choices);
}

void
tf_mad_draw (int      *choice,
             int       n,
             int       lanets,
             double    p,
             gboolean  training,
             TfRng    *rng)
{
  g_return_if_fail (!training || rng != NULL);
  for (int i = 0; i < n; i++)
    choice[i] = training ? draw_one (rng, p, lanets) : -1;
}

void
tf_msad_draw (int      *choice,
              int       n,
              int       depth,
              int       heads,
              double    p,
              gboolean  training,
              TfRng    *rng)
{
  g_return_if_fail (!training || rng != NULL);
  for (int i = 0; i < n * depth; i++)
    choice[i] = training ? draw_one (rng, p, heads) : -1;
}

void
tf_mad_max_forward (float       *out,
                    const float *maps,
                    const int   *choice,
                    int          n,
                    int          lanets,
                    int          gg)
{
  gsize plane = (gsize) n * gg;

  for (int i = 0; i < n; i++)
    {
      int drop = choice ? choice[i] : -1;
      float *o = out + (gsize) i * gg;

      for (int p = 0; p < gg; p++)
        o[p] = -INFINITY;
      for (int b = 0; b < lanets; b++)
        {
          const float *m = maps + b * plane + (gsize) i * gg;
          /* a dropped map is zero, not absent: it still takes part in the max */
          for (int p = 0; p < gg; p++)
            {
              float v = b == drop ? 0.0f : m[p];
              o[p] = v > o[p] ? v : o[p];
            }
        }
    }
}

void
tf_msad_forward (float *out,
                 int    ld,
                 int    t,
                 int    d,
                 int    heads,
                 int    drop)
{
  int hd = d / heads;

  if (drop < 0)
    return;
  g_return_if_fail (drop < heads);
  for (int r = 0; r < t; r++)
    memset (out + (gsize) r * ld + drop * hd, 0, sizeof (float) * hd);
}
