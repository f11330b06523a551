/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A training run saved in one safetensors file, which is also a model file
 * that tf_model_load reads:
 *   - every model tensor under its canonical name, F32, with the metadata of
 *     tf_model_save (format, config, classes, input, the model's other
 *     metadata entries);
 *   - the optimiser state, one tensor per state and trained parameter, with
 *     the parameter's shape: "optim.momentum.<name>" (SGD with momentum),
 *     "optim.exp_avg.<name>" and "optim.exp_avg_sq.<name>" (AdamW);
 *   - metadata "checkpoint": a JSON object
 *       { "version": 1, "epoch", "step", "position_in_epoch",
 *         "rng": [4 decimal strings],
 *         "optimizer": { "kind", "weight_decay", "momentum", "beta1", "beta2",
 *                        "eps", "step_count", "freeze": [prefixes],
 *                        "param_steps": { name: count } (only the tensors
 *                                         whose count differs from step_count) },
 *         "schedule": { "kind", "base_lr", "warmup_steps", "total_steps",
 *                       "min_lr", "gamma", "milestones": [steps] },
 *         "extra": "<the trainer's string, verbatim>" (absent when NULL) }
 * The file is written to a temporary file, fsynced and renamed over @path:
 * a failure or a kill at any moment leaves the previous checkpoint whole. */
#pragma once

#include <glib.h>

#include "tf-model.h"
#include "tf-optim.h"
#include "tf-rng.h"

G_BEGIN_DECLS

typedef struct
{
  guint64    epoch;              /* the trainer's to define; suggested: epochs completed */
  guint64    step;               /* optimiser steps taken in the whole run */
  guint64    position_in_epoch;  /* e.g. samples of the current epoch already used */
  TfRng      rng;
  TfSchedule schedule;
  char      *extra_json;         /* anything else (owned; may be NULL), kept verbatim */
} TfCheckpointState;

/* Frees extra_json and zeroes @state. */
void     tf_checkpoint_state_clear (TfCheckpointState *state);

/* @optimizer must have been made for @model's layout. The whole file is
 * assembled in memory before it is written (model + state: 2x the parameter
 * bytes for SGD, 3x for AdamW). */
gboolean tf_checkpoint_save (const char              *path,
                             TfModel                 *model,
                             TfOptimizer             *optimizer,
                             const TfCheckpointState *state,
                             GError                 **error);

/* @model: when *model is NULL, the model is loaded into a new TfModel;
 * otherwise the checkpoint must hold the same config and class names (it is
 * refused, naming the file and the first difference, when it does not), and
 * its parameters are copied into *model (which keeps its address).
 * @optimizer (may be NULL to skip the optimiser; else *optimizer must be
 * NULL): a new optimiser of the stored kind and hyperparameters, over groups
 * rebuilt from the stored freeze prefixes, with every state tensor and step
 * count restored. A missing or mis-shaped state tensor is refused with an
 * error naming the file and the tensor. @state (may be NULL) is overwritten
 * (clear it first if it held an extra_json). Nothing is changed on failure. */
gboolean tf_checkpoint_load (const char         *path,
                             TfModel           **model,
                             TfOptimizer       **optimizer,
                             TfCheckpointState  *state,
                             GError            **error);

G_END_DECLS
