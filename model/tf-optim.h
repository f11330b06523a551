/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Training arithmetic over the flat parameter array (llm.c style): parameter
 * groups (weight decay or not, frozen or not), SGD and AdamW with PyTorch
 * 1.13's exact update rules, global gradient-norm clipping and learning-rate
 * schedules. Params, grads and every optimiser state array share one layout:
 * n_params floats, tensor i at param_info[i].offset. */
#pragma once

#include <glib.h>
#include <stdint.h>

#include "tf-model.h"

G_BEGIN_DECLS

/* Parameter groups */

/* One trained tensor: a contiguous range of the flat arrays. */
typedef struct
{
  const char *name;        /* the parameter's name, owned by the groups */
  guint       index;       /* its position in the param_info it came from */
  gsize       offset;      /* in floats, into params, grads and optimiser state */
  gsize       numel;
  int         ndim;
  int64_t     shape[4];
  gboolean    decay;       /* weight decay applies */
  gboolean    frozen;      /* never updated, left out of the gradient norm */
} TfParamRun;

/* Built once; read-only afterwards (shared by reference). */
typedef struct
{
  TfParamRun *runs;        /* every non-buffer tensor, in layout order */
  guint       n_runs;
  guint       n_infos;     /* length of the param_info it was built from */
  gsize       n_params;    /* length of the flat arrays, buffers included */
  gsize       n_trainable; /* floats in runs that are not frozen */
  gsize       n_decay;     /* of those, floats with weight decay */
  gsize       n_frozen;    /* floats in frozen runs */
  char      **freeze;      /* the freeze prefixes, NULL-terminated (maybe empty) */
} TfParamGroups;

/* No weight decay on tensors of one dimension or less (biases, BatchNorm and
 * LayerNorm weights, PReLU slopes) nor on "vit.cls_token" and "vit.pos_embed";
 * decay on every other tensor. BatchNorm running statistics (is_buffer) are
 * not in any run. A tensor is frozen when its name starts with one of
 * @freeze (NULL or empty: nothing frozen); a prefix that matches no trained
 * tensor is an error (TF_ERROR_CONFIG), since it is almost surely a typo. */
TfParamGroups *tf_param_groups_new           (TfModel            *model,
                                              const char * const *freeze,
                                              GError            **error);
/* The same from a bare layout: @infos[0..@n_infos) over @n_params floats. */
TfParamGroups *tf_param_groups_new_from_info (const TfParamInfo  *infos,
                                              guint               n_infos,
                                              gsize               n_params,
                                              const char * const *freeze,
                                              GError            **error);
TfParamGroups *tf_param_groups_ref           (TfParamGroups      *groups);
void           tf_param_groups_unref         (TfParamGroups      *groups);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TfParamGroups, tf_param_groups_unref)

/* NULL when @name is not a trained tensor. */
const TfParamRun *tf_param_groups_find       (const TfParamGroups *groups,
                                              const char          *name);

/* Optimisers */

typedef enum
{
  TF_OPTIM_SGD,
  TF_OPTIM_ADAMW,
} TfOptimKind;

typedef struct
{
  TfOptimKind kind;
  double      weight_decay;  /* both kinds; only on runs with decay */
  double      momentum;      /* SGD (0: plain SGD, no state) */
  double      beta1, beta2;  /* AdamW */
  double      eps;           /* AdamW */
} TfOptimConfig;

/* "sgd" / "adamw"; the parser returns FALSE for other names. */
const char *tf_optim_kind_name      (TfOptimKind     kind);
gboolean    tf_optim_kind_from_name (const char     *name,
                                     TfOptimKind    *kind);

/* Defaults: SGD momentum 0.9, weight decay 1e-4 (the TransFER recipe);
 * AdamW betas 0.9/0.999, eps 1e-8, weight decay 0.05. */
#define TF_OPTIM_DEFAULT_SGD_MOMENTUM       0.9
#define TF_OPTIM_DEFAULT_SGD_WEIGHT_DECAY   1e-4
#define TF_OPTIM_DEFAULT_ADAMW_WEIGHT_DECAY 0.05
void        tf_optim_config_init     (TfOptimConfig  *config,
                                      TfOptimKind     kind);
/* Ranges: weight_decay, momentum, beta1, beta2 in [0, 1); eps > 0; finite. */
gboolean    tf_optim_config_validate (const TfOptimConfig *config,
                                      GError        **error);

/* The update of one non-frozen run of gradient g, at learning rate lr, with
 * wd = weight_decay on decay runs and 0 on the others (torch.optim, 1.13):
 *
 * SGD (dampening 0, no Nesterov), state "momentum" (buf, starts at zero):
 *     g   = g + wd * p
 *     buf = momentum * buf + g          (the first step leaves buf = g)
 *     p   = p - lr * buf                (momentum 0: p = p - lr * g, no state)
 *
 * AdamW, states "exp_avg" (m) and "exp_avg_sq" (v), t = this run's step count
 * after incrementing it:
 *     p   = p * (1 - lr * wd)
 *     m   = beta1 * m + (1 - beta1) * g
 *     v   = beta2 * v + (1 - beta2) * g * g
 *     p   = p - lr / (1 - beta1^t) * m / (sqrt (v) / sqrt (1 - beta2^t) + eps)
 *
 * Step counts are per run (like torch's per-parameter state["step"]), so a
 * tensor unfrozen late starts with the full bias correction. Frozen runs are
 * not touched at all: parameters, state and count stay as they were. */
typedef struct _TfOptimizer TfOptimizer;

/* State arrays of groups->n_params floats each, zero, allocated once;
 * takes a reference on @groups. */
TfOptimizer *tf_optimizer_new         (const TfOptimConfig *config,
                                       TfParamGroups       *groups);
void         tf_optimizer_free        (TfOptimizer    *opt);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TfOptimizer, tf_optimizer_free)

/* @params and @grads: groups->n_params floats each (buffers ignored). */
void         tf_optimizer_step        (TfOptimizer    *opt,
                                       float          *params,
                                       const float    *grads,
                                       double          lr);

const TfOptimConfig *tf_optimizer_get_config (TfOptimizer *opt);
TfParamGroups *tf_optimizer_get_groups  (TfOptimizer    *opt);
/* Replaces the groups (to freeze or unfreeze between steps); the layout must
 * be the same (n_params, n_infos, every run's offset). State is kept. */
void         tf_optimizer_set_groups  (TfOptimizer    *opt,
                                       TfParamGroups  *groups);
/* Calls of tf_optimizer_step so far. */
guint64      tf_optimizer_get_step_count (TfOptimizer *opt);
/* Per-tensor step counts, indexed like param_info (groups->n_infos entries;
 * buffers stay 0). Writable, for restoring a checkpoint. */
guint64     *tf_optimizer_get_param_steps (TfOptimizer *opt);
void         tf_optimizer_set_step_count  (TfOptimizer *opt,
                                           guint64      step_count);

/* The state arrays: SGD with momentum has 1 ("momentum"), AdamW 2
 * ("exp_avg", "exp_avg_sq"), plain SGD none. Each is groups->n_params floats,
 * writable (for restoring a checkpoint). */
guint        tf_optimizer_get_n_states   (TfOptimizer *opt);
const char  *tf_optimizer_get_state_name (TfOptimizer *opt,
                                          guint        i);
float       *tf_optimizer_get_state      (TfOptimizer *opt,
                                          guint        i);

/* Gradient clipping, torch.nn.utils.clip_grad_norm_ (1.13): the L2 norm of
 * all non-frozen gradients together (accumulated in double), and when it
 * exceeds @max_norm every non-frozen gradient is scaled by
 * max_norm / (norm + 1e-6). Returns the norm before clipping. A NaN or
 * infinite norm is returned with the gradients left as they were (skip the
 * step); @max_norm <= 0 or infinite only measures. */
double       tf_clip_grad_norm        (float               *grads,
                                       const TfParamGroups *groups,
                                       double               max_norm);

/* Learning-rate schedules */

typedef enum
{
  TF_SCHEDULE_CONSTANT,
  TF_SCHEDULE_COSINE,
  TF_SCHEDULE_PIECEWISE,
} TfScheduleKind;

#define TF_SCHEDULE_MAX_MILESTONES 16

/* lr(s) for the optimiser step of index s = 0, 1, 2, ... (the value to pass
 * to the step that makes the step count s + 1):
 *
 * warmup factor  w(s) = (s + 1) / warmup_steps  when s < warmup_steps, else 1
 *                (torch's LambdaLR with that lambda: never 0, reaches 1)
 * constant       lr = base_lr * w(s)
 * piecewise      lr = base_lr * gamma^k * w(s), k = number of milestones m
 *                with s >= m (torch's MultiStepLR; milestones in steps,
 *                ascending: multiply epoch milestones by steps per epoch)
 * cosine         s < warmup_steps:  lr = base_lr * w(s)
 *                otherwise:         t  = min (1, (s - warmup) / (total_steps - warmup))
 *                                   lr = min_lr + (base_lr - min_lr) * (1 + cos (pi t)) / 2
 *                (torch's CosineAnnealingLR closed form with T_max =
 *                total - warmup, eta_min = min_lr, held at min_lr after the end)
 */
typedef struct
{
  TfScheduleKind kind;
  double         base_lr;
  guint64        warmup_steps;   /* 0: none */
  guint64        total_steps;    /* cosine */
  double         min_lr;         /* cosine */
  double         gamma;          /* piecewise */
  guint          n_milestones;   /* piecewise */
  guint64        milestones[TF_SCHEDULE_MAX_MILESTONES];
} TfSchedule;

/* "constant" / "cosine" / "piecewise". */
const char  *tf_schedule_kind_name      (TfScheduleKind  kind);
gboolean     tf_schedule_kind_from_name (const char     *name,
                                         TfScheduleKind *kind);
/* base_lr, min_lr, gamma finite and >= 0; cosine: total_steps > warmup_steps;
 * piecewise: milestones strictly ascending. */
gboolean     tf_schedule_validate     (const TfSchedule *sched,
                                       GError          **error);
double       tf_schedule_lr           (const TfSchedule *sched,
                                       guint64           step);

G_END_DECLS
