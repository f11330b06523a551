/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>

#include "tf-rng.h"

static guint64
splitmix64 (guint64 *x)
{
  guint64 z = (*x += 0x9e3779b97f4a7c15ull);

  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

static inline guint64
rotl (guint64 x, int k)
{
  return (x << k) | (x >> (64 - k));
}

void
tf_rng_seed (TfRng   *rng,
             guint64  seed)
{
  for (int i = 0; i < 4; i++)
    rng->s[i] = splitmix64 (&seed);
}

guint64
tf_rng_next (TfRng *rng)
{
  guint64 *s = rng->s;
  guint64 result = rotl (s[1] * 5, 7) * 9;
  guint64 t = s[1] << 17;

  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl (s[3], 45);
  return result;
}

double
tf_rng_uniform (TfRng *rng)
{
  /* 53 random bits: exactly representable, never 1.0 */
  return (double) (tf_rng_next (rng) >> 11) * (1.0 / 9007199254740992.0);
}

guint32
tf_rng_below (TfRng   *rng,
              guint32  n)
{
  g_return_val_if_fail (n > 0, 0);
  /* Lemire's multiply-shift with rejection: no modulo bias */
  guint64 m = (tf_rng_next (rng) >> 32) * (guint64) n;
  guint32 low = (guint32) m;

  if (low < n)
    {
      guint32 threshold = (guint32) (-n) % n;
      while (low < threshold)
        {
          m = (tf_rng_next (rng) >> 32) * (guint64) n;
          low = (guint32) m;
        }
    }
  return (guint32) (m >> 32);
}

double
tf_rng_normal (TfRng *rng)
{
  double u1 = 1.0 - tf_rng_uniform (rng); /* (0, 1]: log is finite */
  double u2 = tf_rng_uniform (rng);

  return sqrt (-2.0 * log (u1)) * cos (2.0 * G_PI * u2);
}
