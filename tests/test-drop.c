/* SPDX-License-Identifier: GPL-3.0-or-later */
/* MAD and MSAD as layers: identity at inference, the paper's drops in training. */
#include <math.h>

#include "tf-drop.h"

static void
test_identity_at_inference (void)
{
  int mad[16], msad[16 * 3];
  float maps[2 * 4 * 3], out[4 * 3], att[5 * 8];

  tf_mad_draw (mad, 16, 2, 1.0, FALSE, NULL);
  tf_msad_draw (msad, 16, 3, 4, 1.0, FALSE, NULL);
  for (int i = 0; i < 16; i++)
    g_assert_cmpint (mad[i], ==, -1);
  for (int i = 0; i < 48; i++)
    g_assert_cmpint (msad[i], ==, -1);

  for (int i = 0; i < 24; i++)
    maps[i] = (float) ((i * 7) % 11) / 11.0f;
  tf_mad_max_forward (out, maps, NULL, 4, 2, 3);
  for (int i = 0; i < 4; i++)
    for (int p = 0; p < 3; p++)
      g_assert_cmpfloat (out[i * 3 + p], ==, MAX (maps[i * 3 + p], maps[12 + i * 3 + p]));

  for (int i = 0; i < 40; i++)
    att[i] = 1.0f;
  tf_msad_forward (att, 8, 5, 8, 4, -1);
  for (int i = 0; i < 40; i++)
    g_assert_cmpfloat (att[i], ==, 1.0f);
}

static void
test_drops (void)
{
  /* 2 maps, 1 sample, 3 positions: dropping map 0 leaves map 1 against zero */
  const float maps[6] = { 0.9f, 0.2f, 0.5f,   0.1f, 0.8f, 0.4f };
  const int choice[1] = { 0 };
  float out[3], att[3 * 6];

  tf_mad_max_forward (out, maps, choice, 1, 2, 3);
  g_assert_cmpfloat (out[0], ==, 0.1f);
  g_assert_cmpfloat (out[1], ==, 0.8f);
  g_assert_cmpfloat (out[2], ==, 0.4f);

  /* 3 heads of width 2 over 3 tokens: head 1 is columns 2..3 of every row */
  for (int i = 0; i < 18; i++)
    att[i] = (float) (i + 1);
  tf_msad_forward (att, 6, 3, 6, 3, 1);
  for (int r = 0; r < 3; r++)
    for (int k = 0; k < 6; k++)
      g_assert_cmpfloat (att[r * 6 + k], ==, k == 2 || k == 3 ? 0.0f : (float) (r * 6 + k + 1));
}

/* The draws happen at the paper's rates, uniformly over maps and heads, and
 * the same seed replays them. */
static void
test_rates (void)
{
  enum { N = 20000, L = 4, H = 8 };
  g_autofree int *mad = g_new (int, N), *msad = g_new (int, N * L), *again = g_new (int, N);
  int per_map[2] = { 0 }, per_head[H] = { 0 }, dropped = 0, heads_dropped = 0;
  TfRng rng;

  tf_rng_seed (&rng, 11);
  tf_mad_draw (mad, N, 2, 0.6, TRUE, &rng);
  tf_msad_draw (msad, N, L, H, 0.3, TRUE, &rng);
  for (int i = 0; i < N; i++)
    if (mad[i] >= 0)
      dropped++, per_map[mad[i]]++;
  for (int i = 0; i < N * L; i++)
    if (msad[i] >= 0)
      heads_dropped++, per_head[msad[i]]++;

  g_assert_cmpfloat (fabs (dropped / (double) N - 0.6), <, 0.02);
  g_assert_cmpfloat (fabs (per_map[0] / (double) dropped - 0.5), <, 0.02);
  g_assert_cmpfloat (fabs (heads_dropped / (double) (N * L) - 0.3), <, 0.01);
  for (int h = 0; h < H; h++)
    g_assert_cmpfloat (fabs (per_head[h] / (double) heads_dropped - 1.0 / H), <, 0.01);

  tf_rng_seed (&rng, 11);
  tf_mad_draw (again, N, 2, 0.6, TRUE, &rng);
  g_assert_cmpmem (mad, N * sizeof (int), again, N * sizeof (int));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/drop/identity-at-inference", test_identity_at_inference);
  g_test_add_func ("/drop/drops", test_drops);
  g_test_add_func ("/drop/rates", test_rates);
  return g_test_run ();
}
