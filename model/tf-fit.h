/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The training loop as a library call: epochs over a dataset with an
 * optimiser and a learning-rate schedule, checkpoints and exact resume
 * (mid-epoch included), the divergence guard, validation after each epoch,
 * and the recipe recorded in the model's metadata. transfer-cli train is
 * flags around tf_fit_run; the application fine-tunes with it in a thread. */
#pragma once

#include <gio/gio.h>

#include "tf-dataset.h"
#include "tf-loader.h"
#include "tf-model.h"
#include "tf-optim.h"

G_BEGIN_DECLS

/* The defaults, written once: tf_fit_recipe_init and the help texts use them. */
#define TF_FIT_DEFAULT_EPOCHS           1
#define TF_FIT_DEFAULT_BATCH            32
/* AdamW at 1e-3 stalls at the class prior from scratch (FER+ valid 36.7 %
 * after one epoch of the small config at 64 px, against 61.8 % at 1e-4) */
#define TF_FIT_DEFAULT_LR_ADAMW         1e-4
#define TF_FIT_DEFAULT_LR_SGD           0.01
#define TF_FIT_DEFAULT_LABEL_SMOOTHING  0.1
#define TF_FIT_DEFAULT_CHECKPOINT_EVERY 200
#define TF_FIT_MAX_EPOCHS               10000
#define TF_FIT_MAX_BATCH                1024
#define TF_FIT_DEFAULT_TRAINED_WITH     "libtransfer tf_fit_run (C trainer)"

/* Everything that defines a run. Strings and the freeze list are borrowed:
 * they must outlive tf_fit_run. */
typedef struct
{
  /* optimiser and schedule */
  TfOptimKind         optim;             /* TF_OPTIM_ADAMW */
  double              lr;                /* base rate; <= 0: TF_FIT_DEFAULT_LR_ADAMW or _SGD */
  double              weight_decay;      /* < 0: the optimiser's default (tf_optim_config_init) */
  double              momentum;          /* SGD only; TF_OPTIM_DEFAULT_SGD_MOMENTUM */
  TfScheduleKind      schedule;          /* TF_SCHEDULE_COSINE; piecewise: x0.1 at 50 % and 75 % */
  int                 warmup_epochs;     /* linear warm-up; 0 */
  double              min_lr;            /* cosine floor; 0 */
  int                 epochs;            /* 1..TF_FIT_MAX_EPOCHS */
  int                 batch;             /* 2..TF_FIT_MAX_BATCH */
  double              label_smoothing;   /* [0, 1) */
  double              clip;              /* gradient norm bound; 0: off */

  /* data and model behaviour */
  gboolean            soft;              /* recorded only: the caller opened the dataset with soft targets */
  gboolean            balanced;          /* class-balanced sampling instead of a shuffle */
  gboolean            augment;           /* TRUE: tf_augment_init_default */
  gboolean            drop;              /* TRUE: MAD and MSAD */
  gboolean            frozen_bn;         /* BatchNorm on its running statistics */
  const char * const *freeze;            /* parameter name prefixes kept fixed; NULL-terminated or NULL */
  double              l2sp;              /* L2-SP: alpha * (w - w0) added to each trained gradient, w0 the
                                          * weights tf_fit_run started from (before any resume); 0: off */
  gboolean            valid_flip;        /* validation averages with the mirrored face */
  guint64             seed;              /* order, augmentation and drops */

  /* how the run goes */
  int                 max_steps;         /* stop (checkpointed) after this many steps in all; 0: none */
  const char         *checkpoint;        /* NULL: none */
  int                 checkpoint_every;  /* steps; TF_FIT_DEFAULT_CHECKPOINT_EVERY */
  gboolean            resume;            /* continue from @checkpoint when it exists */
  int                 threads;           /* > 0: tf_set_threads for the run; 0: as set */

  /* provenance, recorded in the model's metadata and recipe */
  const char         *command;           /* the command line, or NULL */
  const char         *dataset_kind;      /* recipe "dataset", e.g. "folders"; NULL: "custom" */
  const char         *dataset_name;      /* metadata "dataset"; NULL: @dataset_kind */
  const char         *trained_with;      /* metadata "trained_with"; TF_FIT_DEFAULT_TRAINED_WITH */
} TfFitRecipe;

/* The defaults above; the provenance strings NULL, trained_with the default. */
void     tf_fit_recipe_init     (TfFitRecipe       *recipe);
/* The ranges noted above; the error names the field. */
gboolean tf_fit_recipe_validate (const TfFitRecipe *recipe,
                                 GError           **error);

/* Once the run is set up, before the first step. */
typedef struct
{
  guint    n_images;           /* in the training set */
  int      n_classes;
  int      steps_per_epoch;
  gsize    n_params;           /* the model's, buffers included */
  gsize    n_trainable;        /* not frozen */
  gboolean resumed;            /* from recipe->checkpoint, at: */
  guint64  resumed_epoch;      /* the epoch it continues, from 1 */
  guint64  resumed_step;       /* optimiser steps already taken */
} TfFitStart;

/* After each optimiser step. */
typedef struct
{
  guint64 step;                /* optimiser steps taken in the whole run, this one included */
  guint64 epoch;               /* from 1 */
  int     epochs;
  guint   batch;               /* batches of this epoch consumed, from 1 */
  int     steps_per_epoch;
  double  loss;                /* this step's mean loss */
  double  epoch_loss;          /* the mean over this epoch's images so far */
  double  lr;                  /* the rate this step used */
  double  images_per_s;        /* over this epoch (or its resumed part) so far */
  double  eta_s;               /* the rest of the run at that rate */
  double  epoch_seconds;       /* since this epoch (or its resumed part) began */
} TfFitProgress;

/* After each epoch (and its validation and checkpoint). */
typedef struct
{
  guint64 epoch;               /* from 1 */
  int     epochs;
  double  train_loss;          /* mean over the epoch's images; NaN when no step ran */
  double  valid_accuracy;      /* -1 without a validation set */
} TfFitEpoch;

/* Each may be NULL. They run in the thread that calls tf_fit_run. */
typedef struct
{
  void (*start)    (const TfFitStart    *start,
                    gpointer             user_data);
  void (*progress) (const TfFitProgress *progress,
                    gpointer             user_data);
  void (*epoch)    (const TfFitEpoch    *epoch,
                    gpointer             user_data);
} TfFitCallbacks;

typedef struct
{
  guint64  steps;              /* optimiser steps taken in the whole run */
  guint64  epochs_done;
  double   final_loss;         /* the last step's loss; NaN when none ran */
  double   valid_accuracy;     /* after the last epoch; -1 without a validation set */
  gboolean stopped;            /* recipe->max_steps reached: no provenance written */
  gboolean resumed;
  gboolean diverged;           /* FALSE returned: the loss or gradient norm was not finite */
} TfFitResult;

/* Trains @model->params in place on @train (and after each epoch measures
 * accuracy on @valid, may be NULL), decoding images with @decode
 * (@decode_data passed on; called from loader threads). Sets both datasets'
 * classes to the model's. With recipe->checkpoint, the whole state (model,
 * optimiser, schedule, RNG, position in the epoch) is saved every
 * checkpoint_every steps, at max_steps and after each epoch
 * (tf-checkpoint.h); with recipe->resume, a run continues from it and ends
 * bit for bit where an uninterrupted run would.
 *
 * When every epoch has run, the provenance goes into @model->metadata:
 * "trained_with", "recipe" (JSON: command, dataset, epochs, batch,
 * optimizer, schedule, lr, weight_decay, label_smoothing, seed, balanced,
 * soft, augment, mad_msad, frozen_bn), "epochs", "dataset",
 * "valid_accuracy" (with @valid); the values the model held under those
 * keys move to "base_<key>" (the lineage of one step); "checkpoint" goes.
 * The caller saves the model.
 *
 * @cancellable is checked before each step and before validation: FALSE
 * with G_IO_ERROR_CANCELLED, the last checkpoint left as it was. A loss or
 * gradient norm that is not finite stops the run with TF_ERROR_INPUT
 * (result->diverged). @result (may be NULL) is filled either way. */
gboolean tf_fit_run (TfModel              *model,
                     TfDataset            *train,
                     TfDataset            *valid,
                     TfDecodeFunc          decode,
                     gpointer              decode_data,
                     const TfFitRecipe    *recipe,
                     const TfFitCallbacks *callbacks,
                     gpointer              user_data,
                     GCancellable         *cancellable,
                     TfFitResult          *result,
                     GError              **error);

G_END_DECLS
