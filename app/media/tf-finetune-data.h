/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A project's faces as fine-tuning data: the labelled faces split into
 * training and held-out sets (grouped by media and track), the unlabelled
 * faces to distil on, all decoded from the aligned crops the project keeps;
 * and re-predicting a project's faces with a new model as a new run. The
 * application and transfer-cli finetune --project share it. */
#pragma once

#include <gio/gio.h>

#include "tf-dataset.h"
#include "tf-finetune.h"
#include "tf-model.h"
#include "tf-project.h"

G_BEGIN_DECLS

typedef struct
{
  char       **classes;        /* the project's label classes */
  int          n_classes;
  guint       *counts;         /* [n_classes] labelled faces of each class */
  guint       *holdout_counts; /* [n_classes] of those, held out */
  guint        n_labelled;     /* labelled with a class (not "not a face", not unsure) */
  guint        n_no_crop;      /* labelled faces without a stored crop: left out */
  guint        n_soft;         /* of the labelled, those learnt from their vote distribution */
  TfDataset   *train;          /* items "face:ID" over the project's classes */
  TfDataset   *holdout;        /* may be empty */
  TfDataset   *unlabelled;     /* hard label 0 (unused): distilled on */
  GArray      *unlabelled_ids; /* gint64 face ids, in @unlabelled's order */
  GHashTable  *crops;          /* face id (gint64*) -> GBytes of crop_size^2 RGB */
  int          crop_size;
} TfFinetuneData;

/* @max_unlabelled for the default, the one the application and transfer-cli
 * share: as many unlabelled faces as labelled ones, at most
 * TF_FINETUNE_DATA_MAX_UNLABELLED (their crops are held in memory, and each
 * is predicted twice: for distillation and for drift). */
#define TF_FINETUNE_DATA_UNLABELLED_DEFAULT G_MAXUINT
#define TF_FINETUNE_DATA_MAX_UNLABELLED     2000

/* Reads @project's labelled faces and up to @max_unlabelled unlabelled
 * faces (0: none; chosen evenly) with their crops, and splits the labelled
 * ones with tf_finetune_split (@holdout fraction, @seed; groups: a video's
 * track, else the picture or the frame). An error when no face is labelled
 * with a class. */
TfFinetuneData *tf_finetune_data_from_project (TfProject         *project,
                                               double             holdout,
                                               guint64            seed,
                                               guint              max_unlabelled,
                                               GError           **error);
void            tf_finetune_data_free         (TfFinetuneData    *data);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TfFinetuneData, tf_finetune_data_free)

/* The same, choosing the targets of faces several annotators labelled:
 * their final label, else their majority, else (a tie) the distribution
 * of their votes over the classes; with @soft_targets, the distribution
 * wherever there is no final label (as FER+ trains). */
TfFinetuneData *tf_finetune_data_from_project_votes (TfProject   *project,
                                                     double       holdout,
                                                     guint64      seed,
                                                     guint        max_unlabelled,
                                                     gboolean     soft_targets,
                                                     GError     **error);

/* A TfDecodeFunc over the data's crops (@user_data: the TfFinetuneData);
 * thread-safe. */
guint8         *tf_finetune_data_decode       (const char        *path,
                                               int               *width,
                                               int               *height,
                                               int               *stride,
                                               GError           **error,
                                               gpointer           user_data);

/* What stops a fine-tune on these labels, in words (NULL: nothing): no
 * labels, a single class, a class with fewer than TF_FINETUNE_MIN_PER_CLASS
 * faces, nothing left to train on after the split. @warnings (may be NULL)
 * receives what does not stop it but should be said (strings). */
char           *tf_finetune_data_check        (const TfFinetuneData *data,
                                               GPtrArray            *warnings);
/* The name a person reads for a class (the application's translated
 * expression names); NULL where the class's own name is meant. */
typedef const char *(*TfClassNameFunc) (const char *name);
/* The same, with each class named by @shown (NULL: as the project names it). */
char           *tf_finetune_data_check_named  (const TfFinetuneData *data,
                                               GPtrArray            *warnings,
                                               TfClassNameFunc       shown);

/* Classes of the project's labels that @model lacks (NULL-terminated,
 * g_strfreev; empty when none). */
char          **tf_finetune_data_new_classes  (const TfFinetuneData *data,
                                               TfModel              *model);

/* Predicts every stored crop of @project with @model and stores the
 * probabilities as a new analysis run recorded with @model_file; *@run
 * receives its id. @progress (may be NULL) is called with faces done and
 * the total. @cancellable between batches (the run removed again). */
gboolean        tf_finetune_repredict         (TfProject         *project,
                                               TfModel           *model,
                                               const char        *model_file,
                                               void             (*progress) (guint done, guint total, gpointer user_data),
                                               gpointer           user_data,
                                               GCancellable      *cancellable,
                                               gint64            *run,
                                               GError           **error);

G_END_DECLS
