/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Temperature scaling (model/tf-calibrate.c) and the temperature a model
 * carries: the fit finds a known T, the ECE is the textbook one, and the
 * engine's probabilities (ablation included) are softmax(logits / T) with
 * the logits untouched. */
#include <math.h>
#include <string.h>

#include "tf-calibrate.h"
#include "tf-engine.h"
#include "tf-error.h"
#include "tf-rng.h"
#include "tf-test-util.h"

static char *tmpdir;

static TfModel *
load_tiny (void)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "goldens", "tiny-model.safetensors", NULL);
  g_autoptr(GError) error = NULL;
  TfModel *model = tf_model_load (path, &error);

  g_assert_no_error (error);
  g_assert_cmpfloat (model->temperature, ==, 1.0);
  return model;
}

/* Logits of a model calibrated by construction (each label drawn from
 * softmax(z)), handed over as T0 z: the fit must find T0. */
static void
test_fit_recovers (void)
{
  const double t0s[] = { 0.5, 1.0, 2.5 };
  const gsize n = 20000;
  const int k = 6;
  g_autofree float *logits = g_new (float, n * k);   /* [n][k] */
  g_autofree int *labels = g_new (int, n);           /* [n] */

  for (guint c = 0; c < G_N_ELEMENTS (t0s); c++)
    {
      TfCalibration cal;
      TfRng rng;

      tf_rng_seed (&rng, 11 + c);
      for (gsize i = 0; i < n; i++)
        {
          double z[6], p[6], sum = 0, u, acc = 0;

          for (int j = 0; j < k; j++)
            sum += (p[j] = exp (z[j] = 1.5 * tf_rng_normal (&rng)));
          u = tf_rng_uniform (&rng) * sum;
          labels[i] = k - 1;
          for (int j = 0; j < k; j++)
            if ((acc += p[j]) > u)
              {
                labels[i] = j;
                break;
              }
          for (int j = 0; j < k; j++)
            logits[i * k + j] = (float) (t0s[c] * z[j]);
        }

      tf_calibration_compute (logits, labels, n, k, &cal);
      g_test_message ("T0 %.2f: T %.4f, NLL %.4f -> %.4f, ECE %.4f -> %.4f", t0s[c], cal.temperature,
                      cal.nll_before, cal.nll_after, cal.ece_before, cal.ece_after);
      g_assert_cmpfloat (fabs (cal.temperature / t0s[c] - 1), <, 0.04);
      g_assert_cmpfloat (cal.nll_after, <=, cal.nll_before);
      g_assert_cmpfloat (cal.ece_after, <, 0.02);
      if (t0s[c] != 1.0)
        g_assert_cmpfloat (cal.ece_after, <, cal.ece_before);
      /* the minimum over T, not a local one: no grid point does better */
      for (double lt = -3; lt <= 3; lt += 0.05)
        g_assert_cmpfloat (cal.nll_after, <=, tf_calibration_nll (logits, labels, n, k, exp (lt)) + 1e-12);
    }
}

/* Two classes; four faces at confidence 0.75 of which two are right, two at
 * 0.9 both right. */
static void
test_ece_by_hand (void)
{
  const float l3 = (float) log (3.0), l9 = (float) log (9.0);
  const float logits[] = { 0, l3, 0, l3, 0, l3, 0, l3, l9, 0, l9, 0 };   /* [6][2] */
  const int labels[] = { 1, 1, 0, 0, 0, 0 };
  double nll;

  /* bins 11 and 13 of 15: (4 |0.5 - 0.75| + 2 |1 - 0.9|) / 6 */
  g_assert_cmpfloat (fabs (tf_calibration_ece (logits, labels, 6, 2, 1.0, 15) - 0.2), <, 1e-6);
  /* one bin: |accuracy - mean confidence| = |4/6 - 4.8/6| */
  g_assert_cmpfloat (fabs (tf_calibration_ece (logits, labels, 6, 2, 1.0, 1) - 0.8 / 6), <, 1e-6);
  /* a confidence of exactly 1 falls in the last bin, not past it */
  {
    const float sure[] = { 0, 200 };
    const int one = 1;
    g_assert_cmpfloat (tf_calibration_ece (sure, &one, 1, 2, 1.0, 15), <, 1e-12);
  }
  g_assert_cmpfloat (tf_calibration_ece (logits, labels, 0, 2, 1.0, 15), ==, 0);

  nll = (2 * -log (0.75) + 2 * -log (0.25) + 2 * -log (0.9)) / 6;
  g_assert_cmpfloat (fabs (tf_calibration_nll (logits, labels, 6, 2, 1.0) - nll), <, 1e-6);
  /* at T = 2: p = sqrt(3) / (1 + sqrt(3)) for the first four */
  {
    double p = sqrt (3.0) / (1 + sqrt (3.0)), q = 3.0 / 4.0;
    nll = (2 * -log (p) + 2 * -log (1 - p) + 2 * -log (q)) / 6;
    g_assert_cmpfloat (fabs (tf_calibration_nll (logits, labels, 6, 2, 2.0) - nll), <, 1e-6);
  }
  g_assert_cmpfloat (tf_calibration_fit (logits, labels, 0, 2), ==, 1.0);
}

static double
max_softmax_error (const float *probs,      /* [rows][k] */
                   const float *logits,     /* [rows][k] */
                   gsize        rows,
                   int          k,
                   double       t)
{
  double worst = 0;

  for (gsize r = 0; r < rows; r++)
    {
      double mx = logits[r * k], sum = 0;
      for (int j = 1; j < k; j++)
        mx = MAX (mx, logits[r * k + j]);
      for (int j = 0; j < k; j++)
        sum += exp ((logits[r * k + j] - mx) / t);
      for (int j = 0; j < k; j++)
        worst = MAX (worst, fabs (probs[r * k + j] - exp ((logits[r * k + j] - mx) / t) / sum));
    }
  return worst;
}

/* The tiny golden model written with a temperature: same logits, every
 * probability softmax(logits / T), the ablation's too. */
static void
test_engine_applies_temperature (void)
{
  g_autofree char *golden_path = g_test_build_filename (G_TEST_DIST, "goldens", "tiny-golden.safetensors", NULL);
  g_autofree char *path = g_build_filename (tmpdir, "tiny-calibrated.safetensors", NULL);
  g_autofree char *plain_path = g_build_filename (tmpdir, "tiny-plain.safetensors", NULL);
  g_autoptr(TfSafetensors) golden = NULL;
  g_autoptr(TfModel) plain = load_tiny (), hot = load_tiny (), loaded = NULL, reloaded = NULL;
  g_autoptr(TfEngine) e_plain = NULL, e_cal = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree float *input = NULL, *logits = NULL, *probs = NULL, *ablation = NULL, *want = NULL;
  const double t = 0.37;
  TfOutputs a, b;
  int n = 2, k, lh;

  golden = tf_safetensors_open (golden_path, &error);
  g_assert_no_error (error);
  input = tf_test_read_golden (golden, "input", NULL);

  tf_model_set_temperature (hot, t);
  g_assert_cmpfloat (hot->temperature, ==, t);
  g_assert_cmpstr (g_hash_table_lookup (hot->metadata, TF_MODEL_TEMPERATURE_KEY), ==, "0.37");
  g_assert_true (tf_model_save (hot, path, TF_DTYPE_F32, &error));
  g_assert_no_error (error);
  loaded = tf_model_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (loaded->temperature, ==, t);
  g_assert_cmpmem (loaded->params, loaded->n_params * sizeof (float), plain->params, plain->n_params * sizeof (float));

  k = plain->config.num_classes;
  lh = plain->config.depth * plain->config.heads;
  e_plain = tf_engine_new (plain);
  e_cal = tf_engine_new (loaded);
  g_assert_true (tf_engine_forward (e_plain, input, n, TF_PROBE_ALL, NULL, &a, &error));
  g_assert_no_error (error);
  logits = g_memdup2 (a.logits, sizeof (float) * n * k);
  probs = g_memdup2 (a.probs, sizeof (float) * n * k);
  ablation = g_memdup2 (a.ablation, sizeof (float) * n * lh * k);
  g_assert_true (tf_engine_forward (e_cal, input, n, TF_PROBE_ALL, NULL, &b, &error));
  g_assert_no_error (error);

  /* the logits and the probes that are not probabilities stay as they were */
  g_assert_cmpmem (b.logits, sizeof (float) * n * k, logits, sizeof (float) * n * k);
  g_assert_cmpmem (b.cls_attn, sizeof (float) * n * lh * b.tokens, a.cls_attn, sizeof (float) * n * lh * a.tokens);
  g_assert_cmpmem (b.rollout, sizeof (float) * n * b.grid * b.grid, a.rollout, sizeof (float) * n * a.grid * a.grid);
  /* the golden's probabilities are the uncalibrated ones */
  {
    g_autofree float *gp = tf_test_read_golden (golden, "probs", NULL);
    tf_assert_close (probs, gp, (gsize) n * k, 1e-5, "uncalibrated probs");
  }
  g_assert_cmpfloat (max_softmax_error (b.probs, b.logits, n, k, t), <, 1e-6);
  g_assert_cmpfloat (max_softmax_error (probs, logits, n, k, 1.0), <, 1e-6);
  /* the ablation's: softmax(log p / T) = softmax(z / T) for p = softmax(z) */
  want = g_new (float, (gsize) n * lh * k);
  for (gsize i = 0; i < (gsize) n * lh * k; i++)
    want[i] = logf (ablation[i]);
  g_assert_cmpfloat (max_softmax_error (b.ablation, want, (gsize) n * lh, k, t), <, 1e-5);
  /* a different answer, so the comparison above means something */
  g_assert_cmpfloat (tf_test_max_abs_diff (b.probs, probs, (gsize) n * k), >, 1e-3);

  /* back to 1: the key goes, and the file computes as the plain one */
  tf_model_set_temperature (loaded, 1.0);
  g_assert_null (g_hash_table_lookup (loaded->metadata, TF_MODEL_TEMPERATURE_KEY));
  g_assert_true (tf_model_save (loaded, plain_path, TF_DTYPE_F32, &error));
  reloaded = tf_model_load (plain_path, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (reloaded->temperature, ==, 1.0);
}

/* What is not a temperature is refused at load, naming the file and the key. */
static void
test_malformed_refused (void)
{
  const char *bad[] = { "", "abc", "-1", "0", "nan", "inf", "-inf", "1e9", "0.0001", "2.0x", " ", "1,5", "0x",
                        "0.5 and then a long tail that the error message does not repeat in full" };
  const char *good[] = { "0.5", "2", "1e0", "0.001", "1000", "0x1p-1" };
  g_autofree char *path = g_build_filename (tmpdir, "tiny-bad.safetensors", NULL);
  g_autoptr(TfModel) model = load_tiny ();

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(TfModel) loaded = NULL;

      g_hash_table_insert (model->metadata, g_strdup (TF_MODEL_TEMPERATURE_KEY), g_strdup (bad[i]));
      g_assert_true (tf_model_save (model, path, TF_DTYPE_F32, &error));
      g_assert_no_error (error);
      loaded = tf_model_load (path, &error);
      g_assert_null (loaded);
      g_assert_error (error, TF_ERROR, TF_ERROR_CONFIG);
      g_test_message ("'%s': %s", bad[i], error->message);
      g_assert_true (g_str_has_prefix (error->message, "tiny-bad.safetensors: "));
      g_assert_nonnull (strstr (error->message, TF_MODEL_TEMPERATURE_KEY));
    }
  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(TfModel) loaded = NULL;

      g_hash_table_insert (model->metadata, g_strdup (TF_MODEL_TEMPERATURE_KEY), g_strdup (good[i]));
      g_assert_true (tf_model_save (model, path, TF_DTYPE_F32, &error));
      loaded = tf_model_load (path, &error);
      g_assert_no_error (error);
      g_assert_cmpfloat (loaded->temperature, ==, g_ascii_strtod (good[i], NULL));
    }
}

int
main (int    argc,
      char **argv)
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  tmpdir = g_dir_make_tmp ("tf-test-calibrate-XXXXXX", NULL);
  g_test_add_func ("/calibrate/fit-recovers", test_fit_recovers);
  g_test_add_func ("/calibrate/ece-by-hand", test_ece_by_hand);
  g_test_add_func ("/calibrate/engine", test_engine_applies_temperature);
  g_test_add_func ("/calibrate/malformed", test_malformed_refused);
  ret = g_test_run ();
  tf_test_remove_tmpdir (tmpdir);
  return ret;
}
