/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Optimisers, clipping and schedules against torch.optim 1.13
 * (tools/make_optim_goldens.py); parameter groups; training checkpoints. */
#include <errno.h>
#include <glib/gstdio.h>
#include <math.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>

#include "tf-checkpoint.h"
#include "tf-error.h"
#include "tf-optim.h"
#include "tf-test-util.h"

/* Runs @call, which takes &error, and checks it succeeded, showing the error
 * when it did not. */
#define assert_succeeds(call) G_STMT_START {  \
    gboolean ok_ = (call);                           \
    g_assert_no_error (error);                       \
    g_assert_true (ok_);                             \
  } G_STMT_END

/* The golden layout, in flat order (tools/make_optim_goldens.py). */
#define N_GOLDEN 6
static const char *golden_names[N_GOLDEN] = {
  "fc.weight", "fc.bias", "bn.running_mean", "ln.weight", "vit.cls_token", "frozen.weight",
};
static const int golden_ndim[N_GOLDEN] = { 2, 1, 1, 1, 3, 2 };
static const int64_t golden_shapes[N_GOLDEN][4] = {
  { 4, 3 }, { 4 }, { 3 }, { 3 }, { 1, 1, 3 }, { 2, 3 },
};
#define GOLDEN_STEPS 5

static void
golden_layout (TfParamInfo *infos,
               gsize       *n_params)
{
  gsize offset = 0;

  for (int i = 0; i < N_GOLDEN; i++)
    {
      TfParamInfo *p = &infos[i];

      memset (p, 0, sizeof *p);
      p->name = (char *) golden_names[i];
      p->ndim = golden_ndim[i];
      p->numel = 1;
      for (int d = 0; d < p->ndim; d++)
        {
          p->shape[d] = golden_shapes[i][d];
          p->numel *= (gsize) p->shape[d];
        }
      p->offset = offset;
      p->is_buffer = g_str_equal (p->name, "bn.running_mean");
      offset += p->numel;
    }
  *n_params = offset;
}

static TfSafetensors *
open_golden (void)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "goldens", "optim-golden.safetensors", NULL);
  g_autoptr(GError) error = NULL;
  TfSafetensors *st = tf_safetensors_open (path, &error);

  g_assert_no_error (error);
  return st;
}

/* Reads golden tensor @name (of @numel values) into @dst. */
static void
read_golden_into (TfSafetensors *st,
                  const char    *name,
                  float         *dst,
                  gsize          numel)
{
  gsize n;
  g_autofree float *data = tf_test_read_golden (st, name, &n);

  g_assert_cmpuint (n, ==, numel);
  memcpy (dst, data, numel * sizeof (float));
}

/* |a - b| <= rel * max |b| everywhere (relative to the tensor's scale: an
 * element that cancelled to near zero keeps the rounding of its operands);
 * says how close it came, element-wise too. */
static void
assert_rel_close (const float *a,
                  const float *b,
                  gsize        n,
                  double       rel,
                  const char  *what)
{
  double scale = 0.0, worst = 0.0, worst_elem = 0.0;

  for (gsize i = 0; i < n; i++)
    scale = MAX (scale, fabs ((double) b[i]));
  for (gsize i = 0; i < n; i++)
    {
      double err = fabs ((double) a[i] - b[i]);

      if (!(err <= rel * scale))
        g_error ("%s[%" G_GSIZE_FORMAT "]: %.9g, torch %.9g (error %.3g > %.3g)",
                 what, i, (double) a[i], (double) b[i], err, rel * scale);
      worst = MAX (worst, err / scale);
      worst_elem = MAX (worst_elem, err / (fabs ((double) b[i]) + 1e-30));
    }
  g_test_message ("%s: max error %.3g of the largest value, %.3g element-wise", what, worst, worst_elem);
}

static TfSchedule
golden_sgd_schedule (void)
{
  return (TfSchedule) {
    .kind = TF_SCHEDULE_COSINE, .base_lr = 0.1, .warmup_steps = 2, .total_steps = GOLDEN_STEPS, .min_lr = 1e-3,
  };
}

/* One run of the goldens: 5 steps, optionally clipping, compared after
 * every step; frozen and buffer ranges must stay bit-identical. */
static void
check_golden_run (const char *run,
                  TfOptimKind kind,
                  gboolean    clip)
{
  g_autoptr(TfSafetensors) st = open_golden ();
  g_autoptr(TfParamGroups) groups = NULL;
  g_autoptr(TfOptimizer) opt = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *lr_name = g_strdup_printf ("%s.lr", run);
  g_autofree char *norm_name = g_strdup_printf ("%s.norm", run);
  g_autofree float *params = NULL, *init = NULL, *grads = NULL, *expect = NULL;
  g_autofree float *golden_lr = NULL, *golden_norm = NULL;
  const char *freeze[] = { "frozen.", NULL };
  TfSchedule sched = golden_sgd_schedule ();
  TfParamInfo infos[N_GOLDEN];
  TfOptimConfig config;
  gsize n_params, n;

  golden_layout (infos, &n_params);
  groups = tf_param_groups_new_from_info (infos, N_GOLDEN, n_params, freeze, &error);
  g_assert_no_error (error);

  tf_optim_config_init (&config, kind);
  if (kind == TF_OPTIM_SGD)
    {
      config.momentum = 0.9;
      config.weight_decay = 1e-4;
    }
  else
    {
      config.beta1 = 0.9;
      config.beta2 = 0.999;
      config.eps = 1e-8;
      config.weight_decay = 0.05;
    }
  opt = tf_optimizer_new (&config, groups);

  params = g_new (float, n_params);
  init = g_new (float, n_params);
  grads = g_new (float, n_params);
  expect = g_new (float, n_params);
  for (int i = 0; i < N_GOLDEN; i++)
    {
      g_autofree char *name = g_strdup_printf ("init.%s", golden_names[i]);
      read_golden_into (st, name, init + infos[i].offset, infos[i].numel);
    }
  memcpy (params, init, n_params * sizeof (float));
  golden_lr = tf_test_read_golden (st, lr_name, &n);
  g_assert_cmpuint (n, ==, GOLDEN_STEPS);
  if (clip)
    {
      golden_norm = tf_test_read_golden (st, norm_name, &n);
      g_assert_cmpuint (n, ==, GOLDEN_STEPS);
    }

  for (int k = 0; k < GOLDEN_STEPS; k++)
    {
      double lr = kind == TF_OPTIM_SGD ? tf_schedule_lr (&sched, k) : 1e-3;

      /* the buffer and the frozen tensor get gradients too: they must be ignored */
      for (int i = 0; i < N_GOLDEN; i++)
        {
          g_autofree char *name = g_strdup_printf ("grad.%d.%s", k, golden_names[i]);
          read_golden_into (st, name, grads + infos[i].offset, infos[i].numel);
        }
      g_assert_cmpfloat_with_epsilon (lr, golden_lr[k], 1e-7 * golden_lr[k]);
      if (clip)
        {
          double norm = tf_clip_grad_norm (grads, groups, 1.0);
          g_assert_cmpfloat_with_epsilon (norm, golden_norm[k], 1e-6 * golden_norm[k]);
        }
      tf_optimizer_step (opt, params, grads, lr);

      for (int i = 0; i < N_GOLDEN; i++)
        {
          const TfParamInfo *p = &infos[i];
          g_autofree char *name = g_strdup_printf ("%s.step%d.%s", run, k + 1, golden_names[i]);

          if (p->is_buffer || g_str_has_prefix (p->name, "frozen."))
            {
              g_assert_cmpmem (params + p->offset, p->numel * sizeof (float),
                               init + p->offset, p->numel * sizeof (float));
              continue;
            }
          read_golden_into (st, name, expect, p->numel);
          assert_rel_close (params + p->offset, expect, p->numel, 1e-6, name);
        }
    }
  g_assert_cmpuint (tf_optimizer_get_step_count (opt), ==, GOLDEN_STEPS);

  /* torch's final optimizer state, tensor by tensor */
  for (guint s = 0; s < tf_optimizer_get_n_states (opt); s++)
    for (guint r = 0; r < groups->n_runs; r++)
      {
        const TfParamRun *run_ = &groups->runs[r];
        const float *state = tf_optimizer_get_state (opt, s) + run_->offset;
        g_autofree char *name = g_strdup_printf ("%s.state.%s.%s", run,
                                                 tf_optimizer_get_state_name (opt, s), run_->name);

        if (run_->frozen)
          {
            for (gsize i = 0; i < run_->numel; i++)
              g_assert_cmpfloat (state[i], ==, 0.0f);
            g_assert_cmpuint (tf_optimizer_get_param_steps (opt)[run_->index], ==, 0);
            continue;
          }
        g_assert_cmpuint (tf_optimizer_get_param_steps (opt)[run_->index], ==, GOLDEN_STEPS);
        read_golden_into (st, name, expect, run_->numel);
        assert_rel_close (state, expect, run_->numel, 1e-6, name);
      }
}

static void
test_sgd (void)
{
  check_golden_run ("sgd", TF_OPTIM_SGD, FALSE);
}

static void
test_sgd_clip (void)
{
  check_golden_run ("sgd_clip", TF_OPTIM_SGD, TRUE);
}

static void
test_adamw (void)
{
  check_golden_run ("adamw", TF_OPTIM_ADAMW, FALSE);
}

static void
test_adamw_clip (void)
{
  check_golden_run ("adamw_clip", TF_OPTIM_ADAMW, TRUE);
}

/* Plain SGD keeps no state; weight decay only on decay runs. */
static void
test_sgd_plain (void)
{
  g_autoptr(TfParamGroups) groups = NULL;
  g_autoptr(TfOptimizer) opt = NULL;
  g_autoptr(GError) error = NULL;
  TfParamInfo infos[N_GOLDEN];
  TfOptimConfig config;
  float params[64], grads[64];
  gsize n_params;

  golden_layout (infos, &n_params);
  g_assert_cmpuint (n_params, <=, 64);
  groups = tf_param_groups_new_from_info (infos, N_GOLDEN, n_params, NULL, &error);
  g_assert_no_error (error);
  tf_optim_config_init (&config, TF_OPTIM_SGD);
  config.momentum = 0.0;
  config.weight_decay = 0.5;
  opt = tf_optimizer_new (&config, groups);
  g_assert_cmpuint (tf_optimizer_get_n_states (opt), ==, 0);

  for (gsize i = 0; i < n_params; i++)
    {
      params[i] = 1.0f;
      grads[i] = 0.25f;
    }
  tf_optimizer_step (opt, params, grads, 0.5);
  /* fc.weight decays: 1 - 0.5 * (0.25 + 0.5); fc.bias does not: 1 - 0.5 * 0.25 */
  g_assert_cmpfloat (params[infos[0].offset], ==, 0.625f);
  g_assert_cmpfloat (params[infos[1].offset], ==, 0.875f);
  g_assert_cmpfloat (params[infos[2].offset], ==, 1.0f);   /* buffer */
  g_assert_cmpfloat (params[infos[5].offset], ==, 0.625f); /* not frozen here */
}

/* Groups of a real model: decay, no-decay, frozen and buffers. */
static TfModel *
tiny_model (int num_classes)
{
  TfConfig c = {
    .input_size = 16, .stem_depths = { 1, 1, 2 }, .stem_widths = { 4, 8, 8 },
    .lanets = 2, .lanet_reduction = 4, .embed_dim = 12, .depth = 2, .heads = 3,
    .mlp_ratio = 2, .num_classes = num_classes, .mad_p = 0.6, .msad_p = 0.3, .ln_eps = 1e-6, .bn_eps = 1e-5,
  };
  TfModel *m = tf_model_new (&c, NULL);

  tf_model_init_random (m, 3);
  return m;
}

static void
test_groups (void)
{
  g_autoptr(TfModel) m = tiny_model (3);
  g_autoptr(TfParamGroups) all = NULL, frozen = NULL, bad = NULL;
  g_autoptr(GError) error = NULL;
  const char *freeze[] = { "extractor.", "attention.las.1.", NULL };
  const char *typo[] = { "extractor.", "extracter.", NULL };
  const char *empty[] = { "", NULL };
  gsize n_buffers = 0, decay = 0;

  all = tf_param_groups_new (m, NULL, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < m->param_info->len; i++)
    {
      const TfParamInfo *p = &g_array_index (m->param_info, TfParamInfo, i);
      const TfParamRun *r = tf_param_groups_find (all, p->name);

      if (p->is_buffer)
        {
          g_assert_null (r);
          n_buffers += p->numel;
          continue;
        }
      g_assert_nonnull (r);
      g_assert_cmpuint (r->offset, ==, p->offset);
      g_assert_cmpuint (r->numel, ==, p->numel);
      g_assert_cmpuint (r->index, ==, i);
      g_assert_false (r->frozen);
      g_assert_true (r->decay == (p->ndim > 1 && !g_str_equal (p->name, "vit.cls_token") &&
                                  !g_str_equal (p->name, "vit.pos_embed")));
      if (r->decay)
        decay += r->numel;
    }
  g_assert_cmpuint (all->n_trainable, ==, tf_config_n_params (&m->config));
  g_assert_cmpuint (all->n_trainable + n_buffers, ==, m->n_params);
  g_assert_cmpuint (all->n_decay, ==, decay);
  g_assert_cmpuint (all->n_frozen, ==, 0);
  g_assert_false (tf_param_groups_find (all, "vit.cls_token")->decay);
  g_assert_false (tf_param_groups_find (all, "vit.pos_embed")->decay);
  g_assert_false (tf_param_groups_find (all, "vit.blocks.0.norm1.weight")->decay);
  g_assert_false (tf_param_groups_find (all, "extractor.input_layer.2.weight")->decay);
  g_assert_true (tf_param_groups_find (all, "vit.blocks.0.attn.qkv.weight")->decay);
  g_assert_true (tf_param_groups_find (all, "extractor.input_layer.0.weight")->decay);

  frozen = tf_param_groups_new (m, freeze, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < frozen->n_runs; i++)
    g_assert_true (frozen->runs[i].frozen == (g_str_has_prefix (frozen->runs[i].name, "extractor.") ||
                                              g_str_has_prefix (frozen->runs[i].name, "attention.las.1.")));
  g_assert_cmpuint (frozen->n_frozen + frozen->n_trainable, ==, all->n_trainable);
  g_assert_cmpuint (frozen->n_frozen, >, 0);
  g_assert_cmpstrv (frozen->freeze, freeze);

  bad = tf_param_groups_new (m, typo, &error);
  g_assert_null (bad);
  g_assert_error (error, TF_ERROR, TF_ERROR_CONFIG);
  g_assert_nonnull (strstr (error->message, "'extracter.'"));
  g_clear_error (&error);
  bad = tf_param_groups_new (m, empty, &error);
  g_assert_null (bad);
  g_assert_error (error, TF_ERROR, TF_ERROR_CONFIG);
}

/* Frozen ranges stay bit-identical under both optimisers, and are left out
 * of the clipped norm. */
static void
test_freezing (void)
{
  g_autoptr(TfModel) m = tiny_model (3);
  g_autoptr(GError) error = NULL;
  const char *freeze[] = { "extractor.", "vit.blocks.1.", NULL };
  g_autoptr(TfParamGroups) groups = tf_param_groups_new (m, freeze, &error);
  g_autofree float *before = g_memdup2 (m->params, m->n_params * sizeof (float));
  g_autofree float *grads = g_new (float, m->n_params);
  TfOptimKind kinds[] = { TF_OPTIM_SGD, TF_OPTIM_ADAMW };

  g_assert_no_error (error);
  for (guint k = 0; k < G_N_ELEMENTS (kinds); k++)
    {
      g_autoptr(TfOptimizer) opt = NULL;
      TfOptimConfig config;
      double sum = 0.0, norm;

      tf_optim_config_init (&config, kinds[k]);
      opt = tf_optimizer_new (&config, groups);
      for (int step = 0; step < 3; step++)
        {
          for (gsize i = 0; i < m->n_params; i++)
            grads[i] = sinf (0.1f * (float) i + (float) step);
          tf_optimizer_step (opt, m->params, grads, 0.01);
        }

      for (guint r = 0; r < groups->n_runs; r++)
        {
          const TfParamRun *run = &groups->runs[r];
          gboolean same = memcmp (m->params + run->offset, before + run->offset, run->numel * sizeof (float)) == 0;

          g_assert_true (same == run->frozen);
          if (!run->frozen)
            for (gsize i = 0; i < run->numel; i++)
              sum += (double) grads[run->offset + i] * grads[run->offset + i];
        }
      /* buffers too */
      for (guint i = 0; i < m->param_info->len; i++)
        {
          const TfParamInfo *p = &g_array_index (m->param_info, TfParamInfo, i);
          if (p->is_buffer)
            g_assert_cmpmem (m->params + p->offset, p->numel * sizeof (float),
                             before + p->offset, p->numel * sizeof (float));
        }

      norm = tf_clip_grad_norm (grads, groups, 0.0);   /* measure only */
      g_assert_cmpfloat_with_epsilon (norm, sqrt (sum), 1e-12 * sqrt (sum));
      memcpy (m->params, before, m->n_params * sizeof (float));
    }
}

static void
test_clip_edge_cases (void)
{
  TfParamInfo infos[N_GOLDEN];
  g_autoptr(TfParamGroups) groups = NULL;
  float grads[64];
  gsize n_params;
  double norm;

  golden_layout (infos, &n_params);
  groups = tf_param_groups_new_from_info (infos, N_GOLDEN, n_params, NULL, NULL);
  for (gsize i = 0; i < n_params; i++)
    grads[i] = 0.0f;
  grads[0] = 3.0f;
  grads[1] = 4.0f;
  grads[infos[2].offset] = 100.0f;  /* a buffer: not counted */

  norm = tf_clip_grad_norm (grads, groups, 10.0);   /* under the limit: untouched */
  g_assert_cmpfloat (norm, ==, 5.0);
  g_assert_cmpfloat (grads[0], ==, 3.0f);
  norm = tf_clip_grad_norm (grads, groups, 1.0);
  g_assert_cmpfloat (norm, ==, 5.0);
  g_assert_cmpfloat_with_epsilon (grads[0], 3.0 / (5.0 + 1e-6), 1e-7);
  g_assert_cmpfloat_with_epsilon (grads[1], 4.0 / (5.0 + 1e-6), 1e-7);
  g_assert_cmpfloat (grads[infos[2].offset], ==, 100.0f);

  grads[1] = NAN;   /* reported, not spread */
  norm = tf_clip_grad_norm (grads, groups, 1.0);
  g_assert_true (isnan (norm));
  g_assert_cmpfloat_with_epsilon (grads[0], 3.0 / (5.0 + 1e-6), 1e-7);
}

static void
check_schedule_golden (TfSafetensors    *st,
                       const char       *name,
                       const TfSchedule *sched)
{
  gsize n;
  g_autofree float *lrs = tf_test_read_golden (st, name, &n);

  g_assert_true (tf_schedule_validate (sched, NULL));
  for (gsize s = 0; s < n; s++)
    {
      double lr = tf_schedule_lr (sched, s);
      if (!(fabs (lr - lrs[s]) <= 1e-7 * fabs (lrs[s]) + 1e-15))
        g_error ("%s at step %" G_GSIZE_FORMAT ": %.9g, torch %.9g", name, s, lr, (double) lrs[s]);
    }
}

static void
test_schedules (void)
{
  g_autoptr(TfSafetensors) st = open_golden ();
  g_autoptr(GError) error = NULL;
  TfSchedule cosine = { .kind = TF_SCHEDULE_COSINE, .base_lr = 0.1, .warmup_steps = 3, .total_steps = 20, .min_lr = 1e-4 };
  TfSchedule nowarm = { .kind = TF_SCHEDULE_COSINE, .base_lr = 0.1, .total_steps = 10, .min_lr = 1e-4 };
  TfSchedule piecewise = { .kind = TF_SCHEDULE_PIECEWISE, .base_lr = 0.1, .warmup_steps = 2, .gamma = 0.1,
                           .n_milestones = 2, .milestones = { 4, 8 } };
  TfSchedule multistep = piecewise;
  TfSchedule constant = { .kind = TF_SCHEDULE_CONSTANT, .base_lr = 0.01, .warmup_steps = 4 };
  TfSchedule golden_sgd = golden_sgd_schedule ();
  TfSchedule bad;

  multistep.warmup_steps = 0;
  check_schedule_golden (st, "sched.cosine", &cosine);
  check_schedule_golden (st, "sched.cosine_nowarm", &nowarm);
  check_schedule_golden (st, "sched.piecewise", &piecewise);
  check_schedule_golden (st, "sched.multistep", &multistep);
  check_schedule_golden (st, "sched.constant", &constant);
  check_schedule_golden (st, "sgd.lr", &golden_sgd);

  /* known points */
  g_assert_cmpfloat (tf_schedule_lr (&cosine, 0), ==, 0.1 / 3);
  g_assert_cmpfloat (tf_schedule_lr (&cosine, 2), ==, 0.1);
  g_assert_cmpfloat (tf_schedule_lr (&cosine, 3), ==, 0.1);
  g_assert_cmpfloat_with_epsilon (tf_schedule_lr (&nowarm, 5), (0.1 + 1e-4) / 2, 1e-15);
  g_assert_cmpfloat (tf_schedule_lr (&cosine, 20), ==, 1e-4);
  g_assert_cmpfloat (tf_schedule_lr (&cosine, 1000000), ==, 1e-4);
  g_assert_cmpfloat (tf_schedule_lr (&multistep, 3), ==, 0.1);
  g_assert_cmpfloat_with_epsilon (tf_schedule_lr (&multistep, 4), 0.01, 1e-17);
  g_assert_cmpfloat_with_epsilon (tf_schedule_lr (&multistep, 8), 0.001, 1e-18);
  g_assert_cmpfloat (tf_schedule_lr (&constant, 3), ==, 0.01);
  g_assert_cmpfloat (tf_schedule_lr (&constant, 99), ==, 0.01);

  bad = cosine;
  bad.total_steps = 3;
  g_assert_false (tf_schedule_validate (&bad, &error));
  g_assert_error (error, TF_ERROR, TF_ERROR_CONFIG);
  g_clear_error (&error);
  bad = piecewise;
  bad.milestones[1] = 4;
  g_assert_false (tf_schedule_validate (&bad, &error));
  g_assert_error (error, TF_ERROR, TF_ERROR_CONFIG);
  g_clear_error (&error);
  bad = constant;
  bad.base_lr = -1;
  g_assert_false (tf_schedule_validate (&bad, &error));
  g_assert_error (error, TF_ERROR, TF_ERROR_CONFIG);
}

/* Checkpoints */

static char *tmpdir;

/* Deterministic gradients that depend on the parameters and the step. */
static void
fake_grads (float       *grads,
            const float *params,
            gsize        n,
            guint64      step)
{
  for (gsize i = 0; i < n; i++)
    grads[i] = 0.02f * sinf (0.37f * (float) i + (float) step) + 0.05f * params[i];
}

static void
train_steps (TfModel           *m,
             TfOptimizer       *opt,
             TfCheckpointState *state,
             int                n)
{
  g_autofree float *grads = g_new (float, m->n_params);

  for (int k = 0; k < n; k++)
    {
      fake_grads (grads, m->params, m->n_params, state->step);
      tf_clip_grad_norm (grads, tf_optimizer_get_groups (opt), 0.5);
      tf_optimizer_step (opt, m->params, grads, tf_schedule_lr (&state->schedule, state->step));
      state->step++;
      state->position_in_epoch += 8;
      tf_rng_next (&state->rng);
    }
}

static void
assert_same_optimizer (TfOptimizer *a,
                       TfOptimizer *b)
{
  const TfParamGroups *ga = tf_optimizer_get_groups (a), *gb = tf_optimizer_get_groups (b);
  const TfOptimConfig *ca = tf_optimizer_get_config (a), *cb = tf_optimizer_get_config (b);

  g_assert_cmpint (ca->kind, ==, cb->kind);
  g_assert_cmpfloat (ca->weight_decay, ==, cb->weight_decay);
  g_assert_cmpfloat (ca->momentum, ==, cb->momentum);
  g_assert_cmpfloat (ca->beta1, ==, cb->beta1);
  g_assert_cmpfloat (ca->beta2, ==, cb->beta2);
  g_assert_cmpfloat (ca->eps, ==, cb->eps);
  g_assert_cmpuint (tf_optimizer_get_step_count (a), ==, tf_optimizer_get_step_count (b));
  g_assert_cmpmem (tf_optimizer_get_param_steps (a), ga->n_infos * sizeof (guint64),
                   tf_optimizer_get_param_steps (b), gb->n_infos * sizeof (guint64));
  g_assert_cmpuint (tf_optimizer_get_n_states (a), ==, tf_optimizer_get_n_states (b));
  g_assert_cmpuint (ga->n_runs, ==, gb->n_runs);
  for (guint r = 0; r < ga->n_runs; r++)
    {
      const TfParamRun *ra = &ga->runs[r], *rb = &gb->runs[r];

      g_assert_cmpstr (ra->name, ==, rb->name);
      g_assert_true (ra->frozen == rb->frozen);
      for (guint s = 0; s < tf_optimizer_get_n_states (a); s++)
        g_assert_cmpmem (tf_optimizer_get_state (a, s) + ra->offset, ra->numel * sizeof (float),
                         tf_optimizer_get_state (b, s) + rb->offset, rb->numel * sizeof (float));
    }
}

static void
assert_same_schedule (const TfSchedule *a,
                      const TfSchedule *b)
{
  /* field by field: padding bytes are not part of the value */
  g_assert_cmpint (a->kind, ==, b->kind);
  g_assert_cmpfloat (a->base_lr, ==, b->base_lr);
  g_assert_cmpuint (a->warmup_steps, ==, b->warmup_steps);
  g_assert_cmpuint (a->total_steps, ==, b->total_steps);
  g_assert_cmpfloat (a->min_lr, ==, b->min_lr);
  g_assert_cmpfloat (a->gamma, ==, b->gamma);
  g_assert_cmpuint (a->n_milestones, ==, b->n_milestones);
  for (guint i = 0; i < a->n_milestones; i++)
    g_assert_cmpuint (a->milestones[i], ==, b->milestones[i]);
}

/* save, load, continue 3 steps == 3 more steps without the round trip */
static void
check_round_trip (TfOptimKind kind)
{
  g_autoptr(TfModel) m = tiny_model (3);
  g_autoptr(TfModel) back = NULL, direct = NULL;
  g_autoptr(TfParamGroups) frozen = NULL, open_ = NULL;
  g_autoptr(TfOptimizer) opt = NULL, back_opt = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (tmpdir, "run.ckpt.safetensors", NULL);
  const char *freeze[] = { "extractor.", NULL };
  const char *late[] = { "head.", NULL };
  TfCheckpointState state = { 0 }, loaded = { 0 };
  TfOptimConfig config;
  TfModel *before;

  state.schedule = (TfSchedule) { .kind = TF_SCHEDULE_COSINE, .base_lr = 0.05, .warmup_steps = 2,
                                  .total_steps = 10, .min_lr = 1e-3, .gamma = 0.5, .n_milestones = 1,
                                  .milestones = { 7 } };
  tf_rng_seed (&state.rng, 99);
  state.rng.s[3] = G_MAXUINT64 - 5;   /* needs all 64 bits */
  state.epoch = 1;
  state.extra_json = g_strdup ("{\"best_accuracy\": 0.5, \"note\": \"caf\\u00e9\"}");
  g_hash_table_insert (m->metadata, g_strdup ("dataset"), g_strdup ("raf-db"));

  /* the extractor is unfrozen after 2 steps: per-tensor step counts differ */
  tf_optim_config_init (&config, kind);
  frozen = tf_param_groups_new (m, freeze, &error);
  g_assert_no_error (error);
  opt = tf_optimizer_new (&config, frozen);
  train_steps (m, opt, &state, 2);
  open_ = tf_param_groups_new (m, late, &error);
  g_assert_no_error (error);
  tf_optimizer_set_groups (opt, open_);
  train_steps (m, opt, &state, 1);

  assert_succeeds (tf_checkpoint_save (path, m, opt, &state, &error));

  /* a checkpoint is a model file too */
  direct = tf_model_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (direct->params, direct->n_params * sizeof (float), m->params, m->n_params * sizeof (float));
  g_assert_cmpstr (g_hash_table_lookup (direct->metadata, "dataset"), ==, "raf-db");

  assert_succeeds (tf_checkpoint_load (path, &back, &back_opt, &loaded, &error));
  g_assert_null (g_hash_table_lookup (back->metadata, "checkpoint"));
  g_assert_cmpstr (g_hash_table_lookup (back->metadata, "dataset"), ==, "raf-db");
  g_assert_cmpuint (loaded.epoch, ==, 1);
  g_assert_cmpuint (loaded.step, ==, 3);
  g_assert_cmpuint (loaded.position_in_epoch, ==, 24);
  g_assert_cmpmem (&loaded.rng, sizeof loaded.rng, &state.rng, sizeof state.rng);
  assert_same_schedule (&loaded.schedule, &state.schedule);
  g_assert_cmpstr (loaded.extra_json, ==, state.extra_json);
  g_assert_cmpstrv (tf_optimizer_get_groups (back_opt)->freeze, late);
  g_assert_cmpmem (back->params, back->n_params * sizeof (float), m->params, m->n_params * sizeof (float));
  assert_same_optimizer (opt, back_opt);
  g_assert_cmpuint (tf_optimizer_get_param_steps (opt)[tf_param_groups_find (open_, "extractor.input_layer.0.weight")->index], ==, 1);

  /* 3 more steps either way, bit for bit */
  train_steps (m, opt, &state, 3);
  train_steps (back, back_opt, &loaded, 3);
  g_assert_cmpmem (back->params, back->n_params * sizeof (float), m->params, m->n_params * sizeof (float));
  assert_same_optimizer (opt, back_opt);
  g_assert_cmpmem (&loaded.rng, sizeof loaded.rng, &state.rng, sizeof state.rng);

  /* into an existing model: same address, the checkpoint's parameters */
  before = back;
  tf_checkpoint_state_clear (&loaded);
  assert_succeeds (tf_checkpoint_load (path, &back, NULL, &loaded, &error));
  g_assert_true (back == before);
  g_assert_cmpmem (back->params, back->n_params * sizeof (float), direct->params, direct->n_params * sizeof (float));
  g_assert_cmpuint (loaded.step, ==, 3);

  tf_checkpoint_state_clear (&state);
  tf_checkpoint_state_clear (&loaded);
  g_unlink (path);
}

static void
test_checkpoint_sgd (void)
{
  check_round_trip (TF_OPTIM_SGD);
}

static void
test_checkpoint_adamw (void)
{
  check_round_trip (TF_OPTIM_ADAMW);
}

/* A fresh checkpoint of a few AdamW steps at @path, with @step recorded. */
static void
write_checkpoint (const char *path,
                  guint64     step,
                  TfModel   **model_out)
{
  g_autoptr(TfModel) m = tiny_model (3);
  g_autoptr(TfParamGroups) groups = NULL;
  g_autoptr(TfOptimizer) opt = NULL;
  g_autoptr(GError) error = NULL;
  TfCheckpointState state = { .schedule = { .kind = TF_SCHEDULE_CONSTANT, .base_lr = 1e-3 } };
  TfOptimConfig config;

  tf_optim_config_init (&config, TF_OPTIM_ADAMW);
  groups = tf_param_groups_new (m, NULL, &error);
  g_assert_no_error (error);
  opt = tf_optimizer_new (&config, groups);
  train_steps (m, opt, &state, 2);
  state.step = step;
  assert_succeeds (tf_checkpoint_save (path, m, opt, &state, &error));
  if (model_out)
    *model_out = g_steal_pointer (&m);
}

/* Copies the safetensors file @src to @dst, leaving out tensor @drop and
 * flattening tensor @flatten (either may be NULL); metadata @key gets @value. */
static void
copy_altered (const char *src,
              const char *dst,
              const char *drop,
              const char *flatten,
              const char *key,
              const char *value)
{
  g_autoptr(TfSafetensors) st = NULL;
  g_autoptr(TfSafetensorsWriter) w = tf_safetensors_writer_new ();
  g_autoptr(GError) error = NULL;
  const char * const *keys;

  st = tf_safetensors_open (src, &error);
  g_assert_no_error (error);
  keys = tf_safetensors_get_metadata_keys (st);
  for (guint i = 0; keys[i]; i++)
    tf_safetensors_writer_add_metadata (w, keys[i], key && g_str_equal (keys[i], key) ? value
                                                   : tf_safetensors_get_metadata (st, keys[i]));
  for (guint i = 0; i < tf_safetensors_get_n_tensors (st); i++)
    {
      const TfStTensor *t = tf_safetensors_get_nth (st, i);
      gsize n;
      g_autofree float *data = NULL;

      if (drop && g_str_equal (t->name, drop))
        continue;
      data = tf_test_read_golden (st, t->name, &n);
      if (flatten && g_str_equal (t->name, flatten))
        {
          int64_t flat = (int64_t) n;
          tf_safetensors_writer_add_f32 (w, t->name, &flat, 1, data, TF_DTYPE_F32);
        }
      else
        tf_safetensors_writer_add_f32 (w, t->name, t->shape, t->ndim, data, TF_DTYPE_F32);
    }
  g_assert_true (tf_safetensors_writer_write (w, dst, &error));
  g_assert_no_error (error);
}

static void
assert_refused (const char *path,
                TfModel    *into,
                int         code,
                const char *needle)
{
  g_autoptr(TfOptimizer) opt = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *base = g_path_get_basename (path);
  g_autofree float *before = into ? g_memdup2 (into->params, into->n_params * sizeof (float)) : NULL;
  TfModel *model = into;
  TfCheckpointState state = { .step = 12345 };

  g_assert_false (tf_checkpoint_load (path, &model, &opt, &state, &error));
  g_assert_error (error, TF_ERROR, code);
  g_test_message ("refused: %s", error->message);
  g_assert_true (g_str_has_prefix (error->message, base));
  g_assert_nonnull (strstr (error->message, needle));
  /* nothing changed */
  g_assert_true (model == into);
  g_assert_null (opt);
  g_assert_cmpuint (state.step, ==, 12345);
  if (into)
    g_assert_cmpmem (into->params, into->n_params * sizeof (float), before, into->n_params * sizeof (float));
}

static void
test_checkpoint_refused (void)
{
  g_autofree char *good = g_build_filename (tmpdir, "good.safetensors", NULL);
  g_autofree char *bad = g_build_filename (tmpdir, "bad.safetensors", NULL);
  g_autofree char *plain = g_build_filename (tmpdir, "plain.safetensors", NULL);
  g_autoptr(TfModel) same = NULL;
  g_autoptr(TfModel) other = tiny_model (4);
  g_autoptr(TfModel) renamed = NULL;
  g_autoptr(TfModel) wider = NULL;
  g_autoptr(GError) error = NULL;
  TfConfig c;

  write_checkpoint (good, 2, &same);
  tf_model_init_random (same, 77);   /* so that a partial load would show */

  copy_altered (good, bad, "optim.exp_avg_sq.head.fc.weight", NULL, NULL, NULL);
  assert_refused (bad, NULL, TF_ERROR_TENSOR, "'optim.exp_avg_sq.head.fc.weight'");
  assert_refused (bad, same, TF_ERROR_TENSOR, "missing");

  copy_altered (good, bad, NULL, "optim.exp_avg.vit.pos_embed", NULL, NULL);
  assert_refused (bad, same, TF_ERROR_TENSOR, "'optim.exp_avg.vit.pos_embed'");

  copy_altered (good, bad, NULL, NULL, "checkpoint", "{\"version\": 1}");
  assert_refused (bad, same, TF_ERROR_CONFIG, "checkpoint");
  copy_altered (good, bad, NULL, NULL, "checkpoint", "not json");
  assert_refused (bad, same, TF_ERROR_CONFIG, "checkpoint");

  /* another config, other class names */
  assert_refused (good, other, TF_ERROR_CONFIG, "num_classes");
  c = same->config;
  c.embed_dim = 24;
  wider = tf_model_new (&c, (const char * const[]) { "class0", "class1", "class2", NULL });
  assert_refused (good, wider, TF_ERROR_CONFIG, "'embed_dim' is 12, the model's is 24");
  renamed = tf_model_new (&same->config, (const char * const[]) { "a", "b", "c", NULL });
  assert_refused (good, renamed, TF_ERROR_CONFIG, "class 0");

  /* a model file is not a checkpoint */
  g_assert_true (tf_model_save (same, plain, TF_DTYPE_F32, &error));
  g_assert_no_error (error);
  assert_refused (plain, same, TF_ERROR_CONFIG, "not a training checkpoint");

  g_unlink (good);
  g_unlink (bad);
  g_unlink (plain);
}

static guint
count_entries (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  guint n = 0;

  while (d && g_dir_read_name (d))
    n++;
  return n;
}

/* A write that fails part way (file size limit, as a full disk would) leaves
 * the previous checkpoint whole. */
static void
test_checkpoint_atomic (void)
{
  g_autofree char *dir = g_build_filename (tmpdir, "atomic", NULL);
  g_autofree char *path = g_build_filename (dir, "last.safetensors", NULL);
  g_autoptr(TfModel) m = tiny_model (3);
  g_autoptr(TfParamGroups) groups = NULL;
  g_autoptr(TfOptimizer) opt = NULL;
  g_autoptr(TfModel) back = NULL;
  g_autoptr(TfOptimizer) back_opt = NULL;
  g_autoptr(GError) error = NULL;
  TfCheckpointState state = { .step = 999, .schedule = { .kind = TF_SCHEDULE_CONSTANT, .base_lr = 1e-3 } };
  TfCheckpointState loaded = { 0 };
  struct rlimit old_limit, limit;
  void (*old_handler) (int);
  TfOptimConfig config;
  gboolean ok;

  g_assert_cmpint (g_mkdir (dir, 0700), ==, 0);
  write_checkpoint (path, 7, NULL);

  g_assert_cmpint (getrlimit (RLIMIT_FSIZE, &old_limit), ==, 0);
  if (old_limit.rlim_max != RLIM_INFINITY && old_limit.rlim_max < 4096)
    {
      g_test_skip ("file size limit too low already");
      g_unlink (path);
      g_rmdir (dir);
      return;
    }
  tf_optim_config_init (&config, TF_OPTIM_SGD);
  groups = tf_param_groups_new (m, NULL, &error);
  g_assert_no_error (error);
  opt = tf_optimizer_new (&config, groups);

  limit = old_limit;
  limit.rlim_cur = 4096;
  old_handler = signal (SIGXFSZ, SIG_IGN);
  g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &limit), ==, 0);
  ok = tf_checkpoint_save (path, m, opt, &state, &error);
  g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &old_limit), ==, 0);
  signal (SIGXFSZ, old_handler);

  g_assert_false (ok);
  g_assert_error (error, TF_ERROR, TF_ERROR_IO);
  g_assert_nonnull (strstr (error->message, g_strerror (EFBIG)));
  g_clear_error (&error);
  g_assert_cmpuint (count_entries (dir), ==, 1);

  assert_succeeds (tf_checkpoint_load (path, &back, &back_opt, &loaded, &error));
  g_assert_cmpuint (loaded.step, ==, 7);
  g_assert_cmpint (tf_optimizer_get_config (back_opt)->kind, ==, TF_OPTIM_ADAMW);
  tf_checkpoint_state_clear (&loaded);

  /* with the limit lifted the replacement goes through */
  assert_succeeds (tf_checkpoint_save (path, m, opt, &state, &error));
  g_assert_cmpuint (count_entries (dir), ==, 1);
  g_unlink (path);
  g_rmdir (dir);
}

int
main (int    argc,
      char **argv)
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  tmpdir = g_dir_make_tmp ("test-optim-XXXXXX", NULL);
  g_assert_nonnull (tmpdir);

  g_test_add_func ("/optim/sgd", test_sgd);
  g_test_add_func ("/optim/sgd-clip", test_sgd_clip);
  g_test_add_func ("/optim/adamw", test_adamw);
  g_test_add_func ("/optim/adamw-clip", test_adamw_clip);
  g_test_add_func ("/optim/sgd-plain", test_sgd_plain);
  g_test_add_func ("/optim/groups", test_groups);
  g_test_add_func ("/optim/freezing", test_freezing);
  g_test_add_func ("/optim/clip-edge-cases", test_clip_edge_cases);
  g_test_add_func ("/optim/schedules", test_schedules);
  g_test_add_func ("/checkpoint/round-trip-sgd", test_checkpoint_sgd);
  g_test_add_func ("/checkpoint/round-trip-adamw", test_checkpoint_adamw);
  g_test_add_func ("/checkpoint/refused", test_checkpoint_refused);
  g_test_add_func ("/checkpoint/atomic", test_checkpoint_atomic);

  ret = g_test_run ();
  tf_test_remove_tmpdir (tmpdir);
  return ret;
}
