/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Gradients of a whole training step against the PyTorch reference
 * (tools/make_train_goldens.py): every parameter of the tiny config, with
 * BatchNorm on batch statistics and frozen, MAD and MSAD masks forced. */
#include <string.h>

#include "tf-ops.h"
#include "tf-engine.h"
#include "tf-train.h"
#include "tf-test-util.h"

/* per tensor: |c - ref| <= TOL max(|ref| of the tensor, a floor) */
#define TOL 1e-4

typedef struct
{
  TfModel       *model;
  TfSafetensors *golden;
  float         *input, *target;
  int            mad[3], msad[6];
  float          smoothing;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *model_path = g_test_build_filename (G_TEST_DIST, "goldens", "tiny-model.safetensors", NULL);
  g_autofree char *golden_path = g_test_build_filename (G_TEST_DIST, "goldens", "tiny-train-golden.safetensors", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree float *mad = NULL, *msad = NULL, *eps = NULL;

  (void) data;
  f->model = tf_model_load (model_path, &error);
  g_assert_no_error (error);
  f->golden = tf_safetensors_open (golden_path, &error);
  g_assert_no_error (error);
  f->input = tf_test_read_golden (f->golden, "input", NULL);
  f->target = tf_test_read_golden (f->golden, "target", NULL);
  mad = tf_test_read_golden (f->golden, "mad_drop", NULL);
  msad = tf_test_read_golden (f->golden, "msad_drop", NULL);
  eps = tf_test_read_golden (f->golden, "label_smoothing", NULL);
  for (int i = 0; i < 3; i++)
    f->mad[i] = (int) mad[i];
  for (int i = 0; i < 6; i++)
    f->msad[i] = (int) msad[i];
  f->smoothing = eps[0];
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  (void) data;
  g_free (f->input);
  g_free (f->target);
  tf_safetensors_free (f->golden);
  tf_model_free (f->model);
}

/* Compares every learnable parameter's gradient with "<prefix><name>". */
static void
check_grads (Fixture     *f,
             const float *grads,
             const char  *prefix)
{
  double global = 0, worst = 0;
  const char *worst_name = NULL;

  /* the floor: a few biases sit right before a training-mode BatchNorm,
   * which removes them, so their true gradient is 0 and only rounding is left */
  for (guint i = 0; i < f->model->param_info->len; i++)
    {
      TfParamInfo *p = &g_array_index (f->model->param_info, TfParamInfo, i);
      g_autofree char *name = g_strconcat (prefix, p->name, NULL);
      g_autofree float *want = NULL;
      if (p->is_buffer)
        continue;
      want = tf_test_read_golden (f->golden, name, NULL);
      for (gsize k = 0; k < p->numel; k++)
        global = MAX (global, fabs (want[k]));
    }

  for (guint i = 0; i < f->model->param_info->len; i++)
    {
      TfParamInfo *p = &g_array_index (f->model->param_info, TfParamInfo, i);
      g_autofree char *name = g_strconcat (prefix, p->name, NULL);
      g_autofree float *want = NULL;
      double scale = 1e-3 * global, err;

      if (p->is_buffer)
        continue;
      want = tf_test_read_golden (f->golden, name, NULL);
      for (gsize k = 0; k < p->numel; k++)
        scale = MAX (scale, fabs (want[k]));
      err = tf_test_max_abs_diff (grads + p->offset, want, p->numel) / scale;
      if (err > worst)
        worst = err, worst_name = p->name;
      if (!(err <= TOL))
        g_error ("%s: relative error %.3g exceeds %.3g", name, err, TOL);
    }
  g_test_message ("%s gradients: worst relative error %.3g (%s)", prefix, worst, worst_name);
}

static void
test_train_bn (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(TfTrainer) trainer = tf_trainer_new (f->model);
  g_autoptr(GError) error = NULL;
  TfTrainOptions opt = { .bn_train = TRUE, .bn_momentum = 0.1f, .force_mad = f->mad, .force_msad = f->msad,
                         .label_smoothing = f->smoothing };
  g_autofree float *want_loss = tf_test_read_golden (f->golden, "loss", NULL);
  g_autofree float *want_logits = tf_test_read_golden (f->golden, "logits", NULL);
  double loss;

  (void) data;
  g_assert_true (tf_trainer_step (trainer, f->input, f->target, 3, &opt, &loss, &error));
  g_assert_no_error (error);
  tf_assert_close (tf_trainer_get_logits (trainer), want_logits, 15, 1e-5, "train logits");
  g_assert_cmpfloat (fabs (loss - want_loss[0]), <, 1e-5);
  check_grads (f, tf_trainer_get_grads (trainer), "grad.");

  /* the running statistics moved as PyTorch's did */
  for (guint i = 0; i < f->model->param_info->len; i++)
    {
      TfParamInfo *p = &g_array_index (f->model->param_info, TfParamInfo, i);
      g_autofree char *name = NULL;
      g_autofree float *want = NULL;
      if (!p->is_buffer)
        continue;
      name = g_strconcat ("running.", p->name, NULL);
      want = tf_test_read_golden (f->golden, name, NULL);
      tf_assert_close (f->model->params + p->offset, want, p->numel, 1e-5, name);
    }
}

static void
test_frozen_bn (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(TfTrainer) trainer = tf_trainer_new (f->model);
  g_autoptr(GError) error = NULL;
  TfTrainOptions opt = { .bn_train = FALSE, .force_mad = f->mad, .force_msad = f->msad,
                         .label_smoothing = f->smoothing };
  g_autofree float *want_loss = tf_test_read_golden (f->golden, "eval_loss", NULL);
  g_autofree float *want_logits = tf_test_read_golden (f->golden, "eval_logits", NULL);
  g_autofree float *before = g_memdup2 (f->model->params, f->model->n_params * sizeof (float));
  double loss;

  (void) data;
  g_assert_true (tf_trainer_step (trainer, f->input, f->target, 3, &opt, &loss, &error));
  g_assert_no_error (error);
  tf_assert_close (tf_trainer_get_logits (trainer), want_logits, 15, 1e-5, "frozen-BN logits");
  g_assert_cmpfloat (fabs (loss - want_loss[0]), <, 1e-5);
  check_grads (f, tf_trainer_get_grads (trainer), "eval_grad.");
  /* frozen BatchNorm leaves every parameter and statistic as it was */
  g_assert_cmpmem (before, f->model->n_params * sizeof (float), f->model->params, f->model->n_params * sizeof (float));
}

/* With frozen BN and no drops, the training forward is the inference engine. */
static void
test_matches_engine (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(TfTrainer) trainer = tf_trainer_new (f->model);
  g_autoptr(TfEngine) engine = tf_engine_new (f->model);
  TfTrainOptions opt = { .bn_train = FALSE };
  TfOutputs out;
  double loss;

  (void) data;
  g_assert_true (tf_trainer_step (trainer, f->input, f->target, 3, &opt, &loss, NULL));
  g_assert_true (tf_engine_forward (engine, f->input, 3, TF_PROBE_NONE, NULL, &out, NULL));
  tf_assert_close (tf_trainer_get_logits (trainer), out.logits, 15, 1e-5, "trainer vs engine");
}

static void
test_bad_options (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(TfTrainer) trainer = tf_trainer_new (f->model);
  g_autoptr(GError) error = NULL;
  TfTrainOptions opt = { .bn_train = TRUE, .bn_momentum = 0.1f };
  int bad_mad[3] = { 5, -1, -1 };
  double loss;

  (void) data;
  /* BN statistics of one face are meaningless */
  g_assert_false (tf_trainer_step (trainer, f->input, f->target, 1, &opt, &loss, &error));
  g_assert_error (error, TF_ERROR, TF_ERROR_INPUT);
  g_clear_error (&error);
  opt.drop = TRUE;
  g_assert_false (tf_trainer_step (trainer, f->input, f->target, 3, &opt, &loss, &error));
  g_assert_error (error, TF_ERROR, TF_ERROR_INPUT);
  g_clear_error (&error);
  opt.drop = FALSE;
  opt.force_mad = bad_mad;
  g_assert_false (tf_trainer_step (trainer, f->input, f->target, 3, &opt, &loss, &error));
  g_assert_error (error, TF_ERROR, TF_ERROR_INPUT);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  tf_set_threads (2);
  g_test_add ("/train/train-bn", Fixture, NULL, fixture_set_up, test_train_bn, fixture_tear_down);
  g_test_add ("/train/frozen-bn", Fixture, NULL, fixture_set_up, test_frozen_bn, fixture_tear_down);
  g_test_add ("/train/matches-engine", Fixture, NULL, fixture_set_up, test_matches_engine, fixture_tear_down);
  g_test_add ("/train/bad-options", Fixture, NULL, fixture_set_up, test_bad_options, fixture_tear_down);
  return g_test_run ();
}
