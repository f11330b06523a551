/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The engine against the PyTorch reference (tools/make_goldens.py): a tiny
 * config with every BN, PReLU and LayerNorm randomised so each path counts. */
#include <string.h>

#include "tf-engine.h"
#include "tf-ops.h"
#include "tf-test-util.h"

/* The goldens are float64 computations stored as float32: the engine's own
 * float32 error is what these bounds allow. */
#define TOL_LOGITS 1e-4
#define TOL_PROBE  1e-5

typedef struct
{
  TfModel       *model;
  TfSafetensors *golden;
  float         *input;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *model_path = g_test_build_filename (G_TEST_DIST, "goldens", "tiny-model.safetensors", NULL);
  g_autofree char *golden_path = g_test_build_filename (G_TEST_DIST, "goldens", "tiny-golden.safetensors", NULL);
  g_autoptr(GError) error = NULL;

  (void) data;
  f->model = tf_model_load (model_path, &error);
  g_assert_no_error (error);
  f->golden = tf_safetensors_open (golden_path, &error);
  g_assert_no_error (error);
  f->input = tf_test_read_golden (f->golden, "input", NULL);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  (void) data;
  g_free (f->input);
  tf_safetensors_free (f->golden);
  tf_model_free (f->model);
}

static void
check (Fixture     *f,
       const char  *name,
       const float *got,
       double       tol)
{
  gsize n;
  g_autofree float *want = tf_test_read_golden (f->golden, name, &n);

  g_assert_nonnull (got);
  tf_assert_close (got, want, n, tol, name);
}

static void
test_eval_outputs (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(TfEngine) engine = tf_engine_new (f->model);
  g_autoptr(GError) error = NULL;
  TfOutputs out;

  (void) data;
  g_assert_true (tf_engine_forward (engine, f->input, 2, TF_PROBE_ALL, NULL, &out, &error));
  g_assert_no_error (error);

  check (f, "logits", out.logits, TOL_LOGITS);
  check (f, "probs", out.probs, TOL_PROBE);
  check (f, "lanet_maps", out.lanet_maps, TOL_PROBE);
  check (f, "lanet_max", out.lanet_max, TOL_PROBE);
  check (f, "cls_attn", out.cls_attn, TOL_PROBE);
  check (f, "head_contrib", out.head_contrib, TOL_PROBE);
  check (f, "rollout", out.rollout, TOL_PROBE);
  check (f, "ablation", out.ablation, TOL_PROBE);

  /* at inference MAD and MSAD are the identity */
  for (int i = 0; i < 2; i++)
    {
      g_assert_cmpint (out.mad_dropped[i], ==, -1);
      for (int l = 0; l < out.depth; l++)
        g_assert_cmpint (out.msad_dropped[i * out.depth + l], ==, -1);
    }
}

static void
test_forced_masks (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(TfEngine) engine = tf_engine_new (f->model);
  g_autoptr(GError) error = NULL;
  g_autofree float *mad_f = tf_test_read_golden (f->golden, "mad_drop", NULL);
  g_autofree float *msad_f = tf_test_read_golden (f->golden, "msad_drop", NULL);
  int mad[2], msad[4];
  TfForwardOptions opt = { .training = TRUE, .force_mad = mad, .force_msad = msad };
  TfOutputs out;

  (void) data;
  for (int i = 0; i < 2; i++)
    mad[i] = (int) mad_f[i];
  for (int i = 0; i < 4; i++)
    msad[i] = (int) msad_f[i];

  g_assert_true (tf_engine_forward (engine, f->input, 2, TF_PROBE_MAPS, &opt, &out, &error));
  g_assert_no_error (error);
  check (f, "train_logits", out.logits, TOL_LOGITS);
  check (f, "train_lanet_max", out.lanet_max, TOL_PROBE);
  g_assert_cmpmem (out.mad_dropped, sizeof mad, mad, sizeof mad);
  g_assert_cmpmem (out.msad_dropped, sizeof msad, msad, sizeof msad);

  /* the masks change the answer: the test above cannot pass by ignoring them */
  {
    g_autofree float *eval_logits = tf_test_read_golden (f->golden, "logits", NULL);
    g_assert_cmpfloat (tf_test_max_abs_diff (out.logits, eval_logits, 10), >, 1e-3);
  }

  /* ablation is an inference probe: refused with drops */
  g_assert_false (tf_engine_forward (engine, f->input, 2, TF_PROBE_ABLATION, &opt, &out, &error));
  g_assert_error (error, TF_ERROR, TF_ERROR_INPUT);
  g_clear_error (&error);

  /* a choice outside the model is an error, not a wild write */
  mad[0] = 7;
  g_assert_false (tf_engine_forward (engine, f->input, 2, TF_PROBE_NONE, &opt, &out, &error));
  g_assert_error (error, TF_ERROR, TF_ERROR_INPUT);
}

/* Seeded training masks: reproducible, and drawn at about the configured rates. */
static void
test_random_masks (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(TfEngine) engine = tf_engine_new (f->model);
  const int n = 2, L = f->model->config.depth, rounds = 400;
  int mad_hits = 0, msad_hits = 0;
  int first_mad[2], first_msad[4];
  TfRng rng, again;
  TfForwardOptions opt = { .training = TRUE, .rng = &rng };
  TfOutputs out;

  (void) data;
  tf_rng_seed (&rng, 42);
  for (int r = 0; r < rounds; r++)
    {
      g_assert_true (tf_engine_forward (engine, f->input, n, TF_PROBE_NONE, &opt, &out, NULL));
      if (r == 0)
        {
          memcpy (first_mad, out.mad_dropped, sizeof first_mad);
          memcpy (first_msad, out.msad_dropped, sizeof first_msad);
        }
      for (int i = 0; i < n; i++)
        {
          g_assert_cmpint (out.mad_dropped[i], <, f->model->config.lanets);
          mad_hits += out.mad_dropped[i] >= 0;
          for (int l = 0; l < L; l++)
            msad_hits += out.msad_dropped[i * L + l] >= 0;
        }
    }
  /* p1 = 0.6 over 800 draws, p2 = 0.3 over 1600: 5 sigma bands */
  g_assert_cmpfloat (fabs (mad_hits / 800.0 - 0.6), <, 5 * sqrt (0.24 / 800));
  g_assert_cmpfloat (fabs (msad_hits / 1600.0 - 0.3), <, 5 * sqrt (0.21 / 1600));

  tf_rng_seed (&again, 42);
  opt.rng = &again;
  g_assert_true (tf_engine_forward (engine, f->input, n, TF_PROBE_NONE, &opt, &out, NULL));
  g_assert_cmpmem (out.mad_dropped, sizeof first_mad, first_mad, sizeof first_mad);
  g_assert_cmpmem (out.msad_dropped, sizeof first_msad, first_msad, sizeof first_msad);
}

/* One image at a time gives what the batch gives. */
static void
test_batch_consistency (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(TfEngine) engine = tf_engine_new (f->model);
  int s = f->model->config.input_size, K = f->model->config.num_classes;
  float batch_logits[10];
  TfOutputs out;

  (void) data;
  g_assert_true (tf_engine_forward (engine, f->input, 2, TF_PROBE_ALL, NULL, &out, NULL));
  memcpy (batch_logits, out.logits, sizeof batch_logits);
  for (int i = 0; i < 2; i++)
    {
      g_assert_true (tf_engine_forward (engine, f->input + (gsize) i * 3 * s * s, 1, TF_PROBE_NONE, NULL, &out, NULL));
      tf_assert_close (out.logits, batch_logits + i * K, K, 1e-5, "single vs batch");
    }
}

/* F16 and BF16 files load to the F32 weights rounded to those types. */
static void
test_half_files (Fixture       *f,
                 gconstpointer  data)
{
  const char *files[] = { "tiny-model-f16.safetensors", "tiny-model-bf16.safetensors" };

  (void) data;
  for (int k = 0; k < 2; k++)
    {
      g_autofree char *path = g_test_build_filename (G_TEST_DIST, "goldens", files[k], NULL);
      g_autoptr(GError) error = NULL;
      g_autoptr(TfModel) half = tf_model_load (path, &error);

      g_assert_no_error (error);
      g_assert_cmpuint (half->n_params, ==, f->model->n_params);
      for (gsize i = 0; i < half->n_params; i++)
        {
          float w = f->model->params[i];
          float want = k == 0 ? tf_f16_to_f32 (tf_f32_to_f16 (w)) : tf_bf16_to_f32 (tf_f32_to_bf16 (w));
          if (half->params[i] != want)
            g_error ("%s: parameter %" G_GSIZE_FORMAT " is %.9g, expected %.9g", files[k], i, half->params[i], want);
        }
    }
}

/* The optimised kernels used by the engine agree with the naive ones on the
 * shapes of the tiny model. */
static void
test_kernels_on_model (Fixture       *f,
                       gconstpointer  data)
{
  const TfUnitParams *u = &f->model->units[1];
  int n = 2, h = 20, w = 20;
  gsize in_n = (gsize) u->in * n * h * w, out_n = (gsize) u->out * n * (h / 2) * (w / 2);
  g_autofree float *x = g_new (float, in_n), *a = g_new (float, out_n), *b = g_new (float, out_n);
  g_autoptr(TfPool) pool = tf_pool_new (2);

  (void) data;
  for (gsize i = 0; i < in_n; i++)
    x[i] = sinf ((float) i * 0.37f);
  tf_conv2d_forward (a, x, u->conv1, NULL, NULL, NULL, pool, n, u->in, h, w, u->out, 3, 2, 1);
  tf_conv2d_naive (b, x, u->conv1, NULL, NULL, n, u->in, h, w, u->out, 3, 2, 1);
  tf_assert_close (a, b, out_n, 1e-5, "strided conv on model weights");
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  tf_set_threads (2);

  g_test_add ("/golden/eval-outputs", Fixture, NULL, fixture_set_up, test_eval_outputs, fixture_tear_down);
  g_test_add ("/golden/forced-masks", Fixture, NULL, fixture_set_up, test_forced_masks, fixture_tear_down);
  g_test_add ("/golden/random-masks", Fixture, NULL, fixture_set_up, test_random_masks, fixture_tear_down);
  g_test_add ("/golden/batch-consistency", Fixture, NULL, fixture_set_up, test_batch_consistency, fixture_tear_down);
  g_test_add ("/golden/half-files", Fixture, NULL, fixture_set_up, test_half_files, fixture_tear_down);
  g_test_add ("/golden/kernels-on-model", Fixture, NULL, fixture_set_up, test_kernels_on_model, fixture_tear_down);
  return g_test_run ();
}
