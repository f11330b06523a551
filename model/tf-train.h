/* SPDX-License-Identifier: GPL-3.0-or-later */
/* One training step's forward and backward over the whole model: the
 * gradient of the label-smoothed cross-entropy with respect to every
 * parameter, in an array laid out like TfModel.params (llm.c style), so that
 * zeroing, clipping and the optimiser step are flat loops. */
#pragma once

#include "tf-model.h"
#include "tf-rng.h"

G_BEGIN_DECLS

/* How far back the backward goes: layers whose parameters are all frozen
 * need no gradients, and with nothing trained below them the backward
 * stops at them (their gradients stay zero). */
typedef enum
{
  TF_BACKWARD_ALL,          /* every layer */
  TF_BACKWARD_ABOVE_STEM,   /* not into the IR-50 stem ("extractor.") */
  TF_BACKWARD_HEAD,         /* the head and the ViT's last norm only */
} TfBackwardExtent;

typedef struct
{
  gboolean   bn_train;          /* BatchNorm on batch statistics (and running ones updated) */
  float      bn_momentum;       /* PyTorch's 0.1 */
  gboolean   drop;              /* MAD and MSAD drawn from @rng */
  TfRng     *rng;
  const int *force_mad;         /* [n] instead of drawing (-1 none), or NULL */
  const int *force_msad;        /* [n][L], or NULL */
  float      label_smoothing;   /* eps of q = (1 - eps) target + eps / K */
  TfBackwardExtent backward;    /* TF_BACKWARD_ALL */
} TfTrainOptions;

typedef struct _TfTrainer TfTrainer;

/* The trainer borrows @model and writes its parameters' gradients; the
 * optimiser updates model->params between steps. */
TfTrainer   *tf_trainer_new           (TfModel              *model);
void         tf_trainer_free          (TfTrainer            *trainer);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TfTrainer, tf_trainer_free)

/* [model->n_params]: the last step's gradients (zero for buffers). */
float       *tf_trainer_get_grads     (TfTrainer            *trainer);
/* [n][K]: the last step's logits. */
const float *tf_trainer_get_logits    (TfTrainer            *trainer);

/* Times of the last step by phase, in seconds. */
typedef struct
{
  double forward, backward;
} TfTrainTimes;
void         tf_trainer_get_times     (TfTrainer            *trainer,
                                       TfTrainTimes         *times);

/* Zeroes the gradients, runs forward and backward on @input [n][3][S][S]
 * with @targets [n][K] (probabilities: one-hot or soft), and returns the
 * mean loss in @loss. */
gboolean     tf_trainer_step          (TfTrainer            *trainer,
                                       const float          *input,
                                       const float          *targets,
                                       int                   n,
                                       const TfTrainOptions *options,
                                       double               *loss,
                                       GError              **error);

G_END_DECLS
