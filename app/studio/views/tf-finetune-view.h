/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The Fine-tune page: the project's labelled faces per class and how they
 * are split, the recipe (preset, epochs, learning rate) with the time it
 * should take; the run in a thread with its phase, curves, time left and a
 * Cancel button; the result measured on the held-out faces before and after
 * (accuracy, per-class recall, macro-F1, both confusion matrices) and the
 * unlabelled faces whose prediction changed. The new model is used (saved
 * under the user's data folder, then the project's faces predicted again
 * as a new run), saved elsewhere, or discarded. A run writes a checkpoint
 * beside the project, so one interrupted is offered to resume when the
 * project is opened again.
 *
 * The page reads the project on its own read-only connection in threads;
 * the window lends it the project itself only to store the new run:
 *   "face-activated" (gint64 face)   a changed face chosen
 *   "use-model"      (const char *)  the model is saved there: the window
 *                                    loads it and calls
 *                                    tf_finetune_view_repredict
 *   "repredicted"    (gpointer project, gint64 run, const char *error)
 *                                    the project lent is given back (run 0
 *                                    and @error when it failed) */
#pragma once

#include <gtk/gtk.h>

#include "tf-finetune.h"
#include "tf-project.h"

G_BEGIN_DECLS

/* the project setting that holds the options of the last run started */
#define TF_FINETUNE_SETTING_OPTIONS "finetune.options"

typedef enum
{
  TF_FINETUNE_VIEW_SETUP,      /* the labels and the recipe (also while they are read) */
  TF_FINETUNE_VIEW_RUNNING,
  TF_FINETUNE_VIEW_RESULTS,    /* a new model to use, save or discard */
  TF_FINETUNE_VIEW_APPLYING,   /* saving it and predicting the project's faces again */
  TF_FINETUNE_VIEW_APPLIED,    /* in use, the project has its run */
} TfFinetuneViewState;

#define TF_TYPE_FINETUNE_VIEW (tf_finetune_view_get_type ())
G_DECLARE_FINAL_TYPE (TfFinetuneView, tf_finetune_view, TF, FINETUNE_VIEW, GtkWidget)

GtkWidget           *tf_finetune_view_new            (void);
/* @project is borrowed, as by TfStatsView; NULL clears. */
void                 tf_finetune_view_set_project    (TfFinetuneView *self,
                                                      TfProject      *project);
/* The model a run starts from (as the session has it: "" the shipped one). */
void                 tf_finetune_view_set_model_file (TfFinetuneView *self,
                                                      const char     *path);
/* Reads the labels again (after they changed), off the main loop. */
void                 tf_finetune_view_refresh        (TfFinetuneView *self);
TfFinetuneViewState  tf_finetune_view_get_state      (TfFinetuneView *self);
/* TRUE while the labels are being read */
gboolean             tf_finetune_view_is_loading     (TfFinetuneView *self);

/* The recipe the setup shows (strings NULL); the held-out fraction. */
void                 tf_finetune_view_get_options    (TfFinetuneView    *self,
                                                      TfFinetuneOptions *options,
                                                      double            *holdout);
void                 tf_finetune_view_set_options    (TfFinetuneView          *self,
                                                      const TfFinetuneOptions *options,
                                                      double                   holdout);
/* What the Start button does (@resume: the Resume button); FALSE when the
 * labels do not allow a run. */
gboolean             tf_finetune_view_start          (TfFinetuneView *self,
                                                      gboolean        resume);
void                 tf_finetune_view_cancel         (TfFinetuneView *self);
/* The last run's report; NULL before one ended. */
const TfFinetuneReport *tf_finetune_view_get_report  (TfFinetuneView *self);
/* The face ids of the changed predictions, in the report's order. */
GArray              *tf_finetune_view_get_drift_faces (TfFinetuneView *self);

/* What "Save As…" does once a file is chosen: saves the new model to @path
 * in a thread (the shipped model's file is refused), then says so. */
void                 tf_finetune_view_save_to        (TfFinetuneView *self,
                                                      const char     *path);
/* What "Use This Model" does. */
void                 tf_finetune_view_use            (TfFinetuneView *self);
/* What "Discard" does: forgets the new model and the checkpoint. */
void                 tf_finetune_view_discard        (TfFinetuneView *self);
/* Called from "use-model": predicts @project's faces with the new model
 * saved at @model_file, in a thread; "repredicted" gives it back. */
void                 tf_finetune_view_repredict      (TfFinetuneView *self,
                                                      TfProject      *project,
                                                      const char     *model_file);
/* The window could not load the saved model: said, and the page goes back
 * to the results. */
void                 tf_finetune_view_use_failed     (TfFinetuneView *self,
                                                      const char     *message);
/* The model file last saved by Use or Save As (NULL: none yet). */
const char          *tf_finetune_view_get_saved_file (TfFinetuneView *self);

/* Where "Use This Model" keeps models: $XDG_DATA_HOME/transfer-studio/models. */
char                *tf_finetune_models_folder       (void);
/* The checkpoint of @project_path's runs: a hidden file beside it. */
char                *tf_finetune_checkpoint_path     (const char     *project_path);

G_END_DECLS
