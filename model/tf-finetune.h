/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Fine-tuning a model on a person's labelled faces without forgetting what
 * it knew: the recipe (presets, distillation toward the starting model's
 * outputs, L2-SP, freezing), the held-out split grouped by media and track,
 * and the before/after measurement. transfer-cli finetune and the
 * application's Fine-tune page both call tf_finetune_run; HACKING.md
 * ("Fine-tuning") tables what each ingredient gave. */
#pragma once

#include <gio/gio.h>

#include "tf-dataset.h"
#include "tf-eval.h"
#include "tf-fit.h"
#include "tf-model.h"

G_BEGIN_DECLS

typedef enum
{
  TF_FINETUNE_HEAD,          /* the classifier (and the ViT's last norm) only */
  TF_FINETUNE_RECOMMENDED,   /* all but the IR-50 stem, pulled toward the start */
  TF_FINETUNE_ALL,           /* every layer, pulled toward the start */
} TfFinetunePreset;

#define TF_FINETUNE_DEFAULT_PRESET   TF_FINETUNE_RECOMMENDED
#define TF_FINETUNE_DEFAULT_HOLDOUT  0.2
#define TF_FINETUNE_DEFAULT_SEED     1
/* fewer labelled faces of a class than this is said plainly */
#define TF_FINETUNE_MIN_PER_CLASS    5

const char *tf_finetune_preset_name      (TfFinetunePreset  preset);
gboolean    tf_finetune_preset_from_name (const char       *name,
                                          TfFinetunePreset *preset);

typedef struct
{
  TfFinetunePreset preset;
  int              epochs;       /* 0: the preset's */
  double           lr;           /* 0: the preset's */
  double           distill;      /* < 0: the preset's; weight of the starting model's
                                  * probabilities in each labelled face's target */
  double           temperature;  /* of those probabilities; 0: the preset's */
  double           l2sp;         /* < 0: the preset's */
  int              batch;        /* 0: the preset's */
  guint            max_unlabelled; /* unlabelled faces distilled on, at most; 0: as many as labelled */
  double           anchors;      /* < 0: the preset's; mixed pairs of labelled faces distilled on,
                                  * per labelled face that no unlabelled one matches */
  double           keep;         /* < 0: the preset's; classes no label mentions keep the starting
                                  * model's probability on each labelled face, up to this in all */
  double           blend;        /* <= 0: the preset's; the result is blend * fine-tuned +
                                  * (1 - blend) * starting weights (WiSE-FT); 1: the fine-tuned */
  guint64          seed;
  int              threads;      /* 0: as set */
  const char      *checkpoint;   /* NULL: none */
  gboolean         resume;
  gboolean         soft_targets; /* read by whoever builds the datasets (a project's reader): faces
                                  * several annotators labelled learn from their votes' distribution */
  const char      *start_file;   /* provenance: the starting model's file (its name and sha256 are
                                  * recorded), or NULL */
  const char      *command;      /* provenance */
  const char      *dataset_name; /* provenance: the project or folder */
} TfFinetuneOptions;

void     tf_finetune_options_init  (TfFinetuneOptions       *options);
/* @options resolved into the trainer's recipe (the freeze list is static). */
void     tf_finetune_recipe        (const TfFinetuneOptions *options,
                                    TfFitRecipe             *recipe,
                                    double                  *distill,
                                    double                  *temperature);
/* Seconds the run is expected to take for @n_train labelled faces (and
 * @n_unlabelled distilled ones) on this machine, from @images_per_s measured
 * by a training step or, when 0, a figure for the preset on 2 cores. */
double   tf_finetune_estimate_s    (const TfFinetuneOptions *options,
                                    guint                    n_train,
                                    guint                    n_unlabelled,
                                    guint                    n_holdout);

/* Bytes of memory a fine-tune of @model with @options needs at its peak
 * (the training step's activations for a batch, the weights' copies, an
 * evaluation batch), an estimate calibrated on bench --train. */
double   tf_finetune_memory_bytes  (TfModel                 *model,
                                    const TfFinetuneOptions *options);

/* The held-out split: @n faces with classes @labels [n] (< 0: left out) and
 * groups @groups [n] (faces of one group, a track of a video or one
 * picture, fall on one side). About @fraction of each class's faces are
 * held out, whole groups at a time, chosen with @seed; each class with at
 * least two groups keeps one on each side. Returns [n] booleans, TRUE:
 * held out. */
gboolean *tf_finetune_split        (const int               *labels,
                                    const gint64            *groups,
                                    guint                    n,
                                    double                   fraction,
                                    guint64                  seed);

typedef enum
{
  TF_FINETUNE_PHASE_BEFORE,      /* measuring the starting model on the held-out faces */
  TF_FINETUNE_PHASE_TEACHER,     /* the starting model's outputs for distillation */
  TF_FINETUNE_PHASE_TRAIN,
  TF_FINETUNE_PHASE_AFTER,       /* measuring the new model */
  TF_FINETUNE_PHASE_DRIFT,       /* the new model over the unlabelled faces */
} TfFinetunePhase;

typedef struct
{
  TfFitCallbacks fit;            /* start, progress, epoch (in the training thread) */
  void (*phase) (TfFinetunePhase phase,
                 gpointer        user_data);
} TfFinetuneCallbacks;

typedef struct
{
  int            n_classes;
  char         **classes;        /* the new model's */
  char         **new_classes;    /* those the starting model lacked (may be empty) */
  guint          n_train, n_holdout, n_unlabelled;
  guint          n_anchors;      /* mixed pairs of labelled faces distilled on */
  guint         *train_counts;   /* [n_classes] labelled faces trained on */
  TfEvalResult  *before, *after; /* on the held-out faces; NULL without any */
  GArray        *epoch_loss;     /* double per epoch done */
  GArray        *epoch_accuracy; /* double per epoch: held-out accuracy (-1: none) */
  int            best_epoch;     /* from 1; the epoch whose weights the result has; 0: none */
  double         seconds;        /* the whole run */
  gboolean       cancelled;      /* stopped early; the best epoch so far is the model */
  /* drift: unlabelled faces whose prediction changed (indices into the
   * unlabelled dataset), and their classes before and after */
  GArray        *drift_index;    /* guint */
  GArray        *drift_before;   /* int */
  GArray        *drift_after;    /* int */
  char          *recipe;         /* JSON, as recorded in the model */
} TfFinetuneReport;

void     tf_finetune_report_free   (TfFinetuneReport        *report);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TfFinetuneReport, tf_finetune_report_free)
/* The report as JSON (also stored in the model's "finetune" metadata). */
char    *tf_finetune_report_to_json (const TfFinetuneReport *report);

/* Fine-tunes a copy of @start (left unchanged) on @train (hard labels;
 * classes the model lacks grow its head), measuring on @holdout (may be
 * NULL or empty) before, after each epoch and after, and distilling on
 * @unlabelled (may be NULL; targets are the starting model's
 * probabilities). Images come from @decode (loader threads). The model
 * returned is the last epoch's, with its provenance in its metadata: the
 * recipe, "dataset" (options->dataset_name), "finetune" (the report's
 * JSON: label counts, held-out metrics before and after), "finetune.date"
 * (UTC, ISO 8601), "finetune.start_file" and "finetune.start_sha256".
 *
 * A fine-tune that would need more memory than the machine has free
 * (tf_finetune_memory_bytes against MemAvailable) is refused before it
 * starts, with both figures in the error.
 *
 * Cancelled during training after at least one epoch, it still returns the
 * best epoch so far, with (*@report)->cancelled set and no after-metrics:
 * the caller offers it; cancelled while measuring after training, the
 * trained model, cancelled set, without the measurement cut short (the
 * checkpoint is kept in both cases). Otherwise NULL and @error; *@report
 * (may be NULL) is set whenever a report exists. On a resumed run, the
 * epochs run before the interruption are told to the epoch callback again
 * (their epochs field is the recipe's) after the start callback. */
/* Removes @checkpoint and the epochs' history kept beside it (either may be
 * missing): a run the person discarded or started afresh. */
gboolean tf_finetune_remove_checkpoint (const char          *checkpoint,
                                        GError             **error);

TfModel *tf_finetune_run           (TfModel                   *start,
                                    TfDataset                 *train,
                                    TfDataset                 *holdout,
                                    TfDataset                 *unlabelled,
                                    TfDecodeFunc               decode,
                                    gpointer                   decode_data,
                                    const TfFinetuneOptions   *options,
                                    const TfFinetuneCallbacks *callbacks,
                                    gpointer                   user_data,
                                    GCancellable              *cancellable,
                                    TfFinetuneReport         **report,
                                    GError                   **error);

G_END_DECLS
