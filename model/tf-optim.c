/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>
#include <string.h>

#include "tf-error.h"
#include "tf-optim.h"

#define TF_OPTIM_MAX_STATES 2

struct _TfOptimizer
{
  TfOptimConfig  config;
  TfParamGroups *groups;
  guint64        step_count;
  guint64       *param_steps;                 /* [n_infos] */
  guint          n_states;
  float         *state[TF_OPTIM_MAX_STATES];  /* [n_params] each */
};

/* Parameter groups */

static gboolean
has_weight_decay (const TfParamInfo *p)
{
  return p->ndim > 1 &&
         !g_str_equal (p->name, "vit.cls_token") &&
         !g_str_equal (p->name, "vit.pos_embed");
}

static void
param_groups_clear (gpointer data)
{
  TfParamGroups *g = data;

  for (guint i = 0; i < g->n_runs; i++)
    g_free ((char *) g->runs[i].name);
  g_free (g->runs);
  g_strfreev (g->freeze);
}

TfParamGroups *
tf_param_groups_new_from_info (const TfParamInfo  *infos,
                               guint               n_infos,
                               gsize               n_params,
                               const char * const *freeze,
                               GError            **error)
{
  g_autoptr(TfParamGroups) g = NULL;
  guint n_freeze = freeze ? g_strv_length ((char **) freeze) : 0;

  g_return_val_if_fail (infos != NULL || n_infos == 0, NULL);
  for (guint i = 0; i < n_infos; i++)
    g_return_val_if_fail (infos[i].offset <= n_params && infos[i].numel <= n_params - infos[i].offset &&
                          infos[i].ndim >= 0 && infos[i].ndim <= 4, NULL);

  for (guint k = 0; k < n_freeze; k++)
    {
      if (*freeze[k] == '\0')
        {
          g_set_error_literal (error, TF_ERROR, TF_ERROR_CONFIG, "an empty freeze prefix would freeze everything");
          return NULL;
        }
      if (!g_utf8_validate (freeze[k], -1, NULL))
        {
          g_set_error_literal (error, TF_ERROR, TF_ERROR_CONFIG, "a freeze prefix is not valid UTF-8");
          return NULL;
        }
    }

  g = g_rc_box_new0 (TfParamGroups);
  g->n_infos = n_infos;
  g->n_params = n_params;
  g->freeze = g_new0 (char *, n_freeze + 1);
  for (guint k = 0; k < n_freeze; k++)
    g->freeze[k] = g_strdup (freeze[k]);
  g->runs = g_new0 (TfParamRun, MAX (n_infos, 1));

  for (guint i = 0; i < n_infos; i++)
    {
      const TfParamInfo *p = &infos[i];
      TfParamRun *r;

      if (p->is_buffer)
        continue;
      r = &g->runs[g->n_runs++];
      r->name = g_strdup (p->name);
      r->index = i;
      r->offset = p->offset;
      r->numel = p->numel;
      r->ndim = p->ndim;
      memcpy (r->shape, p->shape, sizeof r->shape);
      r->decay = has_weight_decay (p);
      for (guint k = 0; k < n_freeze && !r->frozen; k++)
        r->frozen = g_str_has_prefix (p->name, freeze[k]);

      if (r->frozen)
        g->n_frozen += r->numel;
      else
        {
          g->n_trainable += r->numel;
          if (r->decay)
            g->n_decay += r->numel;
        }
    }

  for (guint k = 0; k < n_freeze; k++)
    {
      gboolean used = FALSE;

      for (guint i = 0; i < g->n_runs && !used; i++)
        used = g_str_has_prefix (g->runs[i].name, freeze[k]);
      if (!used)
        {
          g_set_error (error, TF_ERROR, TF_ERROR_CONFIG,
                       "freeze prefix '%s' matches no trained parameter", freeze[k]);
          return NULL;
        }
    }
  return g_steal_pointer (&g);
}

TfParamGroups *
tf_param_groups_new (TfModel            *model,
                     const char * const *freeze,
                     GError            **error)
{
  g_return_val_if_fail (model != NULL, NULL);
  return tf_param_groups_new_from_info ((const TfParamInfo *) (void *) model->param_info->data,
                                        model->param_info->len, model->n_params, freeze, error);
}

TfParamGroups *
tf_param_groups_ref (TfParamGroups *groups)
{
  g_return_val_if_fail (groups != NULL, NULL);
  return g_rc_box_acquire (groups);
}

void
tf_param_groups_unref (TfParamGroups *groups)
{
  if (groups)
    g_rc_box_release_full (groups, param_groups_clear);
}

const TfParamRun *
tf_param_groups_find (const TfParamGroups *groups,
                      const char          *name)
{
  g_return_val_if_fail (groups != NULL && name != NULL, NULL);
  for (guint i = 0; i < groups->n_runs; i++)
    if (g_str_equal (groups->runs[i].name, name))
      return &groups->runs[i];
  return NULL;
}

/* Optimiser configuration */

const char *
tf_optim_kind_name (TfOptimKind kind)
{
  switch (kind)
    {
    case TF_OPTIM_SGD:
      return "sgd";
    case TF_OPTIM_ADAMW:
      return "adamw";
    default:
      return "unknown";
    }
}

gboolean
tf_optim_kind_from_name (const char  *name,
                         TfOptimKind *kind)
{
  if (g_strcmp0 (name, "sgd") == 0)
    *kind = TF_OPTIM_SGD;
  else if (g_strcmp0 (name, "adamw") == 0)
    *kind = TF_OPTIM_ADAMW;
  else
    return FALSE;
  return TRUE;
}

void
tf_optim_config_init (TfOptimConfig *config,
                      TfOptimKind    kind)
{
  g_return_if_fail (config != NULL);
  memset (config, 0, sizeof *config);
  config->kind = kind;
  config->beta1 = 0.9;
  config->beta2 = 0.999;
  config->eps = 1e-8;
  if (kind == TF_OPTIM_SGD)
    {
      config->momentum = TF_OPTIM_DEFAULT_SGD_MOMENTUM;
      config->weight_decay = TF_OPTIM_DEFAULT_SGD_WEIGHT_DECAY;
    }
  else
    config->weight_decay = TF_OPTIM_DEFAULT_ADAMW_WEIGHT_DECAY;
}

static gboolean
check_unit_range (double      v,
                  const char *what,
                  GError    **error)
{
  if (isfinite (v) && v >= 0.0 && v < 1.0)
    return TRUE;
  g_set_error (error, TF_ERROR, TF_ERROR_CONFIG, "optimizer: %s = %g is not in [0, 1)", what, v);
  return FALSE;
}

gboolean
tf_optim_config_validate (const TfOptimConfig *c,
                          GError             **error)
{
  g_return_val_if_fail (c != NULL, FALSE);

  if (c->kind != TF_OPTIM_SGD && c->kind != TF_OPTIM_ADAMW)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_CONFIG, "optimizer: unknown kind %d", (int) c->kind);
      return FALSE;
    }
  if (!check_unit_range (c->weight_decay, "weight_decay", error))
    return FALSE;
  if (c->kind == TF_OPTIM_SGD)
    return check_unit_range (c->momentum, "momentum", error);

  if (!check_unit_range (c->beta1, "beta1", error) || !check_unit_range (c->beta2, "beta2", error))
    return FALSE;
  if (!(isfinite (c->eps) && c->eps > 0.0))
    {
      g_set_error (error, TF_ERROR, TF_ERROR_CONFIG, "optimizer: eps = %g is not positive", c->eps);
      return FALSE;
    }
  return TRUE;
}

/* Optimiser */

TfOptimizer *
tf_optimizer_new (const TfOptimConfig *config,
                  TfParamGroups       *groups)
{
  TfOptimizer *opt;

  g_return_val_if_fail (config != NULL && groups != NULL, NULL);
  g_return_val_if_fail (tf_optim_config_validate (config, NULL), NULL);

  opt = g_new0 (TfOptimizer, 1);
  opt->config = *config;
  opt->groups = tf_param_groups_ref (groups);
  opt->param_steps = g_new0 (guint64, MAX (groups->n_infos, 1));
  if (config->kind == TF_OPTIM_ADAMW)
    opt->n_states = 2;
  else
    opt->n_states = config->momentum != 0.0 ? 1 : 0;
  for (guint s = 0; s < opt->n_states; s++)
    opt->state[s] = g_aligned_alloc0 (MAX (groups->n_params, 1), sizeof (float), 64);
  return opt;
}

void
tf_optimizer_free (TfOptimizer *opt)
{
  if (opt == NULL)
    return;
  for (guint s = 0; s < opt->n_states; s++)
    g_aligned_free (opt->state[s]);
  g_free (opt->param_steps);
  tf_param_groups_unref (opt->groups);
  g_free (opt);
}

/* p, buf, g are (n,) */
static void
sgd_momentum_run (float       *restrict p,
                  float       *restrict buf,
                  const float *restrict g,
                  gsize                 n,
                  float                 lr,
                  float                 wd,
                  float                 momentum)
{
  for (gsize i = 0; i < n; i++)
    {
      float d = g[i] + wd * p[i];
      float b = momentum * buf[i] + d;

      buf[i] = b;
      p[i] -= lr * b;
    }
}

/* p, g are (n,) */
static void
sgd_plain_run (float       *restrict p,
               const float *restrict g,
               gsize                 n,
               float                 lr,
               float                 wd)
{
  for (gsize i = 0; i < n; i++)
    p[i] -= lr * (g[i] + wd * p[i]);
}

/* p, m, v, g are (n,) */
static void
adamw_run (float       *restrict p,
           float       *restrict m,
           float       *restrict v,
           const float *restrict g,
           gsize                 n,
           float                 shrink,      /* 1 - lr * wd */
           float                 beta1,
           float                 one_minus_beta1,  /* rounded from double, as torch's */
           float                 beta2,
           float                 one_minus_beta2,
           float                 step_size,   /* lr / (1 - beta1^t) */
           float                 bc2_sqrt,    /* sqrt (1 - beta2^t) */
           float                 eps)
{
  for (gsize i = 0; i < n; i++)
    {
      float gi = g[i];
      float mi = beta1 * m[i] + one_minus_beta1 * gi;
      float vi = beta2 * v[i] + one_minus_beta2 * gi * gi;
      float denom = sqrtf (vi) / bc2_sqrt + eps;

      m[i] = mi;
      v[i] = vi;
      p[i] = p[i] * shrink - step_size * mi / denom;
    }
}

void
tf_optimizer_step (TfOptimizer *opt,
                   float       *params,
                   const float *grads,
                   double       lr)
{
  const TfOptimConfig *c;
  const TfParamGroups *groups;

  g_return_if_fail (opt != NULL && params != NULL && grads != NULL);
  c = &opt->config;
  groups = opt->groups;

  for (guint i = 0; i < groups->n_runs; i++)
    {
      const TfParamRun *r = &groups->runs[i];
      double wd = r->decay ? c->weight_decay : 0.0;
      guint64 t;

      if (r->frozen)
        continue;
      t = ++opt->param_steps[r->index];

      if (c->kind == TF_OPTIM_SGD)
        {
          if (opt->n_states)
            sgd_momentum_run (params + r->offset, opt->state[0] + r->offset, grads + r->offset,
                              r->numel, (float) lr, (float) wd, (float) c->momentum);
          else
            sgd_plain_run (params + r->offset, grads + r->offset, r->numel, (float) lr, (float) wd);
        }
      else
        {
          double bc1 = 1.0 - pow (c->beta1, (double) t);
          double bc2 = 1.0 - pow (c->beta2, (double) t);

          adamw_run (params + r->offset, opt->state[0] + r->offset, opt->state[1] + r->offset,
                     grads + r->offset, r->numel, (float) (1.0 - lr * wd),
                     (float) c->beta1, (float) (1.0 - c->beta1), (float) c->beta2, (float) (1.0 - c->beta2),
                     (float) (lr / bc1), (float) sqrt (bc2), (float) c->eps);
        }
    }
  opt->step_count++;
}

const TfOptimConfig *
tf_optimizer_get_config (TfOptimizer *opt)
{
  g_return_val_if_fail (opt != NULL, NULL);
  return &opt->config;
}

TfParamGroups *
tf_optimizer_get_groups (TfOptimizer *opt)
{
  g_return_val_if_fail (opt != NULL, NULL);
  return opt->groups;
}

void
tf_optimizer_set_groups (TfOptimizer   *opt,
                         TfParamGroups *groups)
{
  g_return_if_fail (opt != NULL && groups != NULL);
  g_return_if_fail (groups->n_params == opt->groups->n_params);
  g_return_if_fail (groups->n_infos == opt->groups->n_infos);
  g_return_if_fail (groups->n_runs == opt->groups->n_runs);
  for (guint i = 0; i < groups->n_runs; i++)
    g_return_if_fail (groups->runs[i].offset == opt->groups->runs[i].offset &&
                      groups->runs[i].numel == opt->groups->runs[i].numel);

  tf_param_groups_ref (groups);
  tf_param_groups_unref (opt->groups);
  opt->groups = groups;
}

guint64
tf_optimizer_get_step_count (TfOptimizer *opt)
{
  g_return_val_if_fail (opt != NULL, 0);
  return opt->step_count;
}

void
tf_optimizer_set_step_count (TfOptimizer *opt,
                             guint64      step_count)
{
  g_return_if_fail (opt != NULL);
  opt->step_count = step_count;
}

guint64 *
tf_optimizer_get_param_steps (TfOptimizer *opt)
{
  g_return_val_if_fail (opt != NULL, NULL);
  return opt->param_steps;
}

guint
tf_optimizer_get_n_states (TfOptimizer *opt)
{
  g_return_val_if_fail (opt != NULL, 0);
  return opt->n_states;
}

const char *
tf_optimizer_get_state_name (TfOptimizer *opt,
                             guint        i)
{
  g_return_val_if_fail (opt != NULL && i < opt->n_states, NULL);
  if (opt->config.kind == TF_OPTIM_SGD)
    return "momentum";
  return i == 0 ? "exp_avg" : "exp_avg_sq";
}

float *
tf_optimizer_get_state (TfOptimizer *opt,
                        guint        i)
{
  g_return_val_if_fail (opt != NULL && i < opt->n_states, NULL);
  return opt->state[i];
}

/* Gradient clipping */

/* g is (n,); eight independent partial sums keep the loop vectorisable and
 * the result independent of the machine. */
static double
sum_squares (const float *restrict g,
             gsize                 n)
{
  double acc[8] = { 0 };
  gsize i = 0;

  for (; i + 8 <= n; i += 8)
    for (int k = 0; k < 8; k++)
      acc[k] += (double) g[i + k] * (double) g[i + k];
  for (int k = 0; i < n; i++, k++)
    acc[k] += (double) g[i] * (double) g[i];
  return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
}

/* g is (n,) */
static void
scale_run (float *restrict g,
           gsize           n,
           float           coef)
{
  for (gsize i = 0; i < n; i++)
    g[i] *= coef;
}

double
tf_clip_grad_norm (float               *grads,
                   const TfParamGroups *groups,
                   double               max_norm)
{
  double sum = 0.0, norm;
  float coef;

  g_return_val_if_fail (grads != NULL && groups != NULL, NAN);

  for (guint i = 0; i < groups->n_runs; i++)
    if (!groups->runs[i].frozen)
      sum += sum_squares (grads + groups->runs[i].offset, groups->runs[i].numel);
  norm = sqrt (sum);

  if (!isfinite (norm) || !(max_norm > 0.0) || !isfinite (max_norm) || !(norm > max_norm))
    return norm;

  coef = (float) (max_norm / (norm + 1e-6));
  for (guint i = 0; i < groups->n_runs; i++)
    if (!groups->runs[i].frozen)
      scale_run (grads + groups->runs[i].offset, groups->runs[i].numel, coef);
  return norm;
}

/* Schedules */

const char *
tf_schedule_kind_name (TfScheduleKind kind)
{
  switch (kind)
    {
    case TF_SCHEDULE_CONSTANT:
      return "constant";
    case TF_SCHEDULE_COSINE:
      return "cosine";
    case TF_SCHEDULE_PIECEWISE:
      return "piecewise";
    default:
      return "unknown";
    }
}

gboolean
tf_schedule_kind_from_name (const char     *name,
                            TfScheduleKind *kind)
{
  if (g_strcmp0 (name, "constant") == 0)
    *kind = TF_SCHEDULE_CONSTANT;
  else if (g_strcmp0 (name, "cosine") == 0)
    *kind = TF_SCHEDULE_COSINE;
  else if (g_strcmp0 (name, "piecewise") == 0)
    *kind = TF_SCHEDULE_PIECEWISE;
  else
    return FALSE;
  return TRUE;
}

gboolean
tf_schedule_validate (const TfSchedule *s,
                      GError          **error)
{
  g_return_val_if_fail (s != NULL, FALSE);

  if (s->kind != TF_SCHEDULE_CONSTANT && s->kind != TF_SCHEDULE_COSINE && s->kind != TF_SCHEDULE_PIECEWISE)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_CONFIG, "schedule: unknown kind %d", (int) s->kind);
      return FALSE;
    }
  if (!(isfinite (s->base_lr) && s->base_lr >= 0.0))
    {
      g_set_error (error, TF_ERROR, TF_ERROR_CONFIG, "schedule: base_lr = %g is not a finite non-negative number", s->base_lr);
      return FALSE;
    }
  if (s->kind == TF_SCHEDULE_COSINE)
    {
      if (!(isfinite (s->min_lr) && s->min_lr >= 0.0))
        {
          g_set_error (error, TF_ERROR, TF_ERROR_CONFIG, "schedule: min_lr = %g is not a finite non-negative number", s->min_lr);
          return FALSE;
        }
      if (s->total_steps <= s->warmup_steps)
        {
          g_set_error (error, TF_ERROR, TF_ERROR_CONFIG,
                       "schedule: total_steps %" G_GUINT64_FORMAT " must exceed warmup_steps %" G_GUINT64_FORMAT,
                       s->total_steps, s->warmup_steps);
          return FALSE;
        }
    }
  if (s->kind == TF_SCHEDULE_PIECEWISE)
    {
      if (!(isfinite (s->gamma) && s->gamma >= 0.0))
        {
          g_set_error (error, TF_ERROR, TF_ERROR_CONFIG, "schedule: gamma = %g is not a finite non-negative number", s->gamma);
          return FALSE;
        }
      if (s->n_milestones > TF_SCHEDULE_MAX_MILESTONES)
        {
          g_set_error (error, TF_ERROR, TF_ERROR_CONFIG, "schedule: %u milestones, at most %d",
                       s->n_milestones, TF_SCHEDULE_MAX_MILESTONES);
          return FALSE;
        }
      for (guint i = 1; i < s->n_milestones; i++)
        if (s->milestones[i] <= s->milestones[i - 1])
          {
            g_set_error_literal (error, TF_ERROR, TF_ERROR_CONFIG, "schedule: milestones must be strictly ascending");
            return FALSE;
          }
    }
  return TRUE;
}

double
tf_schedule_lr (const TfSchedule *s,
                guint64           step)
{
  double warm = 1.0;

  g_return_val_if_fail (s != NULL, 0.0);

  if (step < s->warmup_steps)
    warm = (double) (step + 1) / (double) s->warmup_steps;

  switch (s->kind)
    {
    case TF_SCHEDULE_CONSTANT:
      return s->base_lr * warm;

    case TF_SCHEDULE_PIECEWISE:
      {
        int passed = 0;

        for (guint i = 0; i < MIN (s->n_milestones, TF_SCHEDULE_MAX_MILESTONES); i++)
          passed += step >= s->milestones[i];
        return s->base_lr * pow (s->gamma, passed) * warm;
      }

    case TF_SCHEDULE_COSINE:
      {
        double t;

        if (step < s->warmup_steps)
          return s->base_lr * warm;
        if (s->total_steps <= s->warmup_steps)
          return s->min_lr;
        t = MIN (1.0, (double) (step - s->warmup_steps) / (double) (s->total_steps - s->warmup_steps));
        return s->min_lr + (s->base_lr - s->min_lr) * (1.0 + cos (G_PI * t)) / 2.0;
      }

    default:
      g_return_val_if_reached (0.0);
    }
}
