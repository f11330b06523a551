/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Occlusion (one rectangle, the sensitivity map) and LANet drop at
 * inference, on a tiny random model. */
#include <math.h>
#include <string.h>

#include "tf-occlude.h"
#include "tf-test-util.h"

#define S 32

static TfModel *
tiny_model (void)
{
  TfConfig c = {
    .input_size = S, .stem_depths = { 1, 1, 1 }, .stem_widths = { 4, 8, 8 },
    .lanets = 2, .lanet_reduction = 4, .embed_dim = 12, .depth = 2, .heads = 3,
    .mlp_ratio = 2, .num_classes = 3, .mad_p = 0.6, .msad_p = 0.3, .ln_eps = 1e-6, .bn_eps = 1e-5,
  };
  const char *classes[] = { "a", "b", "c", NULL };
  TfModel *m = tf_model_new (&c, classes);

  tf_model_init_random (m, 7);
  return m;
}

/* a face-like input: smooth bands, different per channel */
static float *
pattern_input (void)
{
  float *x = g_new (float, 3 * S * S);

  for (int c = 0; c < 3; c++)
    for (int y = 0; y < S; y++)
      for (int xx = 0; xx < S; xx++)
        x[(c * S + y) * S + xx] = sinf (0.3f * xx + 0.7f * c) + cosf (0.45f * y) * 0.8f;
  return x;
}

static TfInputSpec
spec_of (const TfModel *m)
{
  TfInputSpec spec = m->input;

  g_assert_cmpint (spec.size, ==, S);
  return spec;
}

static void
test_clip (void)
{
  g_autoptr(TfModel) m = tiny_model ();
  TfInputSpec spec = spec_of (m);
  g_autofree float *x = pattern_input ();
  g_autofree float *orig = g_memdup2 (x, sizeof (float) * 3 * S * S);
  float grey[3];
  TfOccludeRect corner = { -4, -6, 10, 10 }, outside = { S + 2, 0, 8, 8 }, far = { G_MAXINT - 2, -5, G_MAXINT, 9 };
  TfOccludeRect empty = { 3, 3, 0, 5 };

  tf_occlude_grey (&spec, grey);
  /* partly outside: only the inside part, [0,6) x [0,4), is hidden */
  g_assert_true (tf_occlude (x, &spec, &corner, TF_OCCLUDE_GREY));
  for (int c = 0; c < 3; c++)
    for (int y = 0; y < S; y++)
      for (int xx = 0; xx < S; xx++)
        {
          gsize i = ((gsize) c * S + y) * S + xx;
          if (xx < 6 && y < 4)
            g_assert_cmpfloat (x[i], ==, grey[c]);
          else
            g_assert_cmpfloat (x[i], ==, orig[i]);
        }
  /* wholly outside, far outside (no overflow), empty: nothing changes */
  memcpy (x, orig, sizeof (float) * 3 * S * S);
  g_assert_false (tf_occlude (x, &spec, &outside, TF_OCCLUDE_GREY));
  g_assert_false (tf_occlude (x, &spec, &far, TF_OCCLUDE_BLUR));
  g_assert_false (tf_occlude (x, &spec, &empty, TF_OCCLUDE_GREY));
  g_assert_cmpmem (x, sizeof (float) * 3 * S * S, orig, sizeof (float) * 3 * S * S);
  /* grey is what a pixel of 128 normalises to */
  for (int c = 0; c < 3; c++)
    g_assert_cmpfloat_with_epsilon (grey[c] * spec.std[c] + spec.mean[c], 128.0, 1e-4);
}

static void
test_grey_on_grey (void)
{
  g_autoptr(TfModel) m = tiny_model ();
  TfInputSpec spec = spec_of (m);
  g_autofree float *x = g_new (float, 3 * S * S);
  g_autofree float *orig = NULL;
  TfOccludeRect rect = { 5, 7, 12, 9 };
  float grey[3];

  tf_occlude_grey (&spec, grey);
  for (int c = 0; c < 3; c++)
    for (int i = 0; i < S * S; i++)
      x[c * S * S + i] = grey[c];
  orig = g_memdup2 (x, sizeof (float) * 3 * S * S);
  g_assert_true (tf_occlude (x, &spec, &rect, TF_OCCLUDE_GREY));
  g_assert_cmpmem (x, sizeof (float) * 3 * S * S, orig, sizeof (float) * 3 * S * S);
  /* blurring a uniform picture leaves it as it was */
  g_assert_true (tf_occlude (x, &spec, &rect, TF_OCCLUDE_BLUR));
  g_assert_cmpfloat (tf_test_max_abs_diff (x, orig, 3 * S * S), <, 1e-6);
}

static void
test_blur (void)
{
  g_autoptr(TfModel) m = tiny_model ();
  TfInputSpec spec = spec_of (m);
  g_autofree float *x = pattern_input ();
  g_autofree float *orig = g_memdup2 (x, sizeof (float) * 3 * S * S);
  TfOccludeRect rect = { 8, 8, 10, 10 };
  const int r = MAX (S / 14, 1);
  int changed = 0;

  g_assert_true (tf_occlude (x, &spec, &rect, TF_OCCLUDE_BLUR));
  for (int c = 0; c < 3; c++)
    for (int y = 0; y < S; y++)
      for (int xx = 0; xx < S; xx++)
        {
          gsize i = ((gsize) c * S + y) * S + xx;
          if (xx >= 8 && xx < 18 && y >= 8 && y < 18)
            {
              /* the mean of the original window around it */
              double sum = 0;
              for (int dy = -r; dy <= r; dy++)
                for (int dx = -r; dx <= r; dx++)
                  sum += orig[((gsize) c * S + y + dy) * S + xx + dx];
              g_assert_cmpfloat_with_epsilon (x[i], sum / ((2 * r + 1) * (2 * r + 1)), 1e-5);
              changed += fabsf (x[i] - orig[i]) > 1e-3f;
            }
          else
            g_assert_cmpfloat (x[i], ==, orig[i]);
        }
  g_assert_cmpint (changed, >, 100);
}

static void
test_places (void)
{
  TfOccludeRect r;

  g_assert_cmpint (tf_occlusion_grid (112, 16), ==, 7);
  g_assert_cmpint (tf_occlusion_grid (112, 8), ==, 14);
  g_assert_cmpint (tf_occlusion_grid (112, 10), ==, 12);
  g_assert_cmpint (tf_occlusion_grid (112, 23), ==, 5);
  /* centred on the cell: patch 16 on 14 cells of 8 starts 4 px before it */
  tf_occlusion_place (16, 112, 14, 2, 0, &r);
  g_assert_cmpint (r.x, ==, -4);
  g_assert_cmpint (r.y, ==, 12);
  g_assert_cmpint (r.w, ==, 16);
  tf_occlusion_place (16, 112, 7, 6, 6, &r);
  g_assert_cmpint (r.x, ==, 96);
  g_assert_cmpint (r.y, ==, 96);
  /* 5 cells on 112: [0,22) [22,44) [44,67) [67,89) [89,112), the last
   * patch reaching the edge */
  tf_occlusion_place (23, 112, 5, 2, 4, &r);
  g_assert_cmpint (r.x, ==, 89);
  g_assert_cmpint (r.y, ==, 44);
  g_assert_cmpint (r.x + r.w, ==, 112);
}

static void
count_progress (double   fraction,
                gpointer data)
{
  double *last = data;

  g_assert_cmpfloat (fraction, >, *last);
  *last = fraction;
}

static void
test_map (void)
{
  g_autoptr(TfModel) m = tiny_model ();
  g_autoptr(TfEngine) engine = tf_engine_new (m);
  g_autoptr(GError) error = NULL;
  g_autofree float *x = pattern_input ();
  g_autofree float *copy = g_new (float, 3 * S * S);
  TfOcclusionOptions opt;
  int grid, predicted = -1, best = 0;
  float map[64], base[3];
  double last = 0;
  const int check[][2] = { { 0, 0 }, { 1, 2 }, { 3, 3 } };
  TfOutputs out;
  gboolean any = FALSE;

  tf_occlusion_options_init (&opt);
  opt.patch = 12;
  opt.stride = 8;
  opt.batch = 5;    /* not a divisor of the 16 places: the last call is short */
  grid = tf_occlusion_grid (S, opt.stride);
  g_assert_cmpint (grid, ==, 4);
  g_assert_true (tf_occlusion_map (engine, m, x, &opt, map, &predicted, count_progress, &last, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpfloat (last, ==, 1.0);

  g_assert_true (tf_engine_forward (engine, x, 1, TF_PROBE_NONE, NULL, &out, &error));
  memcpy (base, out.probs, sizeof base);
  for (int k = 1; k < 3; k++)
    if (base[k] > base[best])
      best = k;
  g_assert_cmpint (predicted, ==, best);

  /* each place as one forward of its own */
  for (guint t = 0; t < G_N_ELEMENTS (check); t++)
    {
      TfOccludeRect rect;
      int i = check[t][0], j = check[t][1];

      memcpy (copy, x, sizeof (float) * 3 * S * S);
      tf_occlusion_place (opt.patch, S, grid, i, j, &rect);
      g_assert_true (tf_occlude (copy, &m->input, &rect, opt.fill));
      g_assert_true (tf_engine_forward (engine, copy, 1, TF_PROBE_NONE, NULL, &out, &error));
      g_assert_cmpfloat_with_epsilon (map[i * grid + j], base[best] - out.probs[best], 1e-6);
    }
  for (int p = 0; p < grid * grid; p++)
    any |= fabsf (map[p]) > 1e-7f;
  g_assert_true (any);

  /* cancelled: an error, not a half map passed off as whole */
  {
    g_autoptr(GCancellable) cancel = g_cancellable_new ();
    g_cancellable_cancel (cancel);
    g_assert_false (tf_occlusion_map (engine, m, x, &opt, map, NULL, NULL, NULL, cancel, &error));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
    g_clear_error (&error);
  }
  /* a patch larger than the face is refused */
  opt.patch = S + 1;
  g_assert_false (tf_occlusion_map (engine, m, x, &opt, map, NULL, NULL, NULL, NULL, &error));
  g_assert_error (error, TF_ERROR, TF_ERROR_INPUT);
}

static void
test_lanet_drop (void)
{
  g_autoptr(TfModel) m = tiny_model ();
  g_autoptr(TfEngine) engine = tf_engine_new (m);
  g_autoptr(GError) error = NULL;
  g_autofree float *x = pattern_input ();
  const int gg = (S / 8) * (S / 8), B = 2, K = 3;
  float maps[2][16], base[3], dropped[2][3], ablation[2][3], train_logits[3];
  int any_hits = 0;
  TfOutputs out;

  /* a LANet the model lacks is refused, naming it */
  g_assert_false (tf_lanet_drop_forward (engine, m, x, B, TRUE, TF_PROBE_NONE, &out, &error));
  g_assert_error (error, TF_ERROR, TF_ERROR_INPUT);
  g_assert_nonnull (strstr (error->message, "LANet 3"));
  g_clear_error (&error);

  g_assert_true (tf_lanet_drop_forward (engine, m, x, -1, FALSE, TF_PROBE_MAPS, &out, &error));
  g_assert_no_error (error);
  memcpy (maps, out.lanet_maps, sizeof maps);
  memcpy (base, out.probs, sizeof base);

  for (int b = 0; b < B; b++)
    {
      float diff = 0;
      int lanet_hits = 0;

      g_assert_true (tf_lanet_drop_forward (engine, m, x, b, FALSE, TF_PROBE_MAPS, &out, &error));
      g_assert_no_error (error);
      g_assert_cmpint (out.mad_dropped[0], ==, b);
      /* MAD at inference: no head is dropped */
      for (int l = 0; l < 2; l++)
        g_assert_cmpint (out.msad_dropped[l], ==, -1);
      /* the maps themselves are the same; their max is the other map's */
      g_assert_cmpmem (out.lanet_maps, sizeof maps, maps, sizeof maps);
      for (int q = 0; q < gg; q++)
        {
          g_assert_cmpfloat (out.lanet_max[q], ==, maps[1 - b][q]);
          lanet_hits += maps[b][q] > maps[1 - b][q];
        }
      /* a map that was the max somewhere changes the answer when dropped;
       * one that never was changes nothing */
      memcpy (dropped[b], out.probs, sizeof dropped[b]);
      for (int k = 0; k < K; k++)
        diff = MAX (diff, fabsf (dropped[b][k] - base[k]));
      if (lanet_hits > 0)
        g_assert_cmpfloat (diff, >, 1e-6);
      else
        g_assert_cmpfloat (diff, ==, 0);
      any_hits += lanet_hits;

      /* the same as training mode with the same map forced and no head */
      {
        int mad = b, msad[2] = { -1, -1 };
        TfForwardOptions opt = { .training = TRUE, .force_mad = &mad, .force_msad = msad };
        g_assert_true (tf_engine_forward (engine, x, 1, TF_PROBE_NONE, &opt, &out, &error));
        memcpy (train_logits, out.logits, sizeof train_logits);
        g_assert_true (tf_lanet_drop_forward (engine, m, x, b, FALSE, TF_PROBE_NONE, &out, &error));
        g_assert_cmpmem (out.logits, sizeof train_logits, train_logits, sizeof train_logits);
      }
    }

  g_assert_cmpint (any_hits, >, 0);

  /* mirrored: no drop is the engine's mirrored average; a drop, the mean of
   * the face and its mirror image with that map dropped */
  {
    float mirrored[3], by_hand[3];
    g_autofree float *flipped = g_memdup2 (x, sizeof (float) * 3 * S * S);

    g_assert_true (tf_engine_forward_mirrored (engine, x, 1, TF_PROBE_NONE, &out, &error));
    memcpy (mirrored, out.probs, sizeof mirrored);
    g_assert_true (tf_lanet_drop_forward (engine, m, x, -1, TRUE, TF_PROBE_NONE, &out, &error));
    g_assert_cmpfloat (tf_test_max_abs_diff (out.probs, mirrored, K), <, 1e-6);
    tf_engine_mirror_inputs (flipped, 1, S);
    g_assert_true (tf_lanet_drop_forward (engine, m, flipped, 1, FALSE, TF_PROBE_NONE, &out, &error));
    for (int k = 0; k < K; k++)
      by_hand[k] = 0.5f * (out.probs[k] + dropped[1][k]);
    g_assert_true (tf_lanet_drop_forward (engine, m, x, 1, TRUE, TF_PROBE_NONE, &out, &error));
    g_assert_cmpfloat (tf_test_max_abs_diff (out.probs, by_hand, K), <, 1e-6);
  }

  /* the per-LANet ablation is those forwards in one call */
  g_assert_true (tf_lanet_ablation (engine, m, x, FALSE, &ablation[0][0], &error));
  g_assert_no_error (error);
  g_assert_cmpfloat (tf_test_max_abs_diff (&ablation[0][0], &dropped[0][0], B * K), <, 1e-6);

  /* by construction: a LANet whose output is forced to 0 (its last
   * BatchNorm's bias far below) gives what dropping it gives */
  {
    g_autoptr(TfModel) silenced = tiny_model ();
    g_autoptr(TfEngine) e2 = NULL;
    silenced->lanets[0].bn2[1] = -1e4f;
    e2 = tf_engine_new (silenced);
    g_assert_true (tf_engine_forward (e2, x, 1, TF_PROBE_MAPS, NULL, &out, &error));
    for (int q = 0; q < gg; q++)
      g_assert_cmpfloat (out.lanet_maps[q], <, 1e-30);
    g_assert_cmpfloat (tf_test_max_abs_diff (out.probs, dropped[0], K), <, 1e-6);
  }

  /* a LANet the model lacks is an error */
  g_assert_false (tf_lanet_drop_forward (engine, m, x, B, FALSE, TF_PROBE_NONE, &out, &error));
  g_assert_error (error, TF_ERROR, TF_ERROR_INPUT);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/occlude/clip", test_clip);
  g_test_add_func ("/occlude/grey-on-grey", test_grey_on_grey);
  g_test_add_func ("/occlude/blur", test_blur);
  g_test_add_func ("/occlude/places", test_places);
  g_test_add_func ("/occlude/map", test_map);
  g_test_add_func ("/occlude/lanet-drop", test_lanet_drop);
  return g_test_run ();
}
