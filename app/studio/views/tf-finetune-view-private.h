/* SPDX-License-Identifier: GPL-3.0-or-later */
/* TfFinetuneView across its files: tf-finetune-view.c (the page, its states,
 * buttons and public API), tf-finetune-setup.c (the labels read and shown,
 * the recipe, resuming), tf-finetune-run.c (the threads: the run, saving,
 * the new predictions, and their news on the main loop),
 * tf-finetune-results.c (the result shown). */
#pragma once

#include <adwaita.h>

#include "tf-finetune-data.h"
#include "tf-finetune-view.h"
#include "tf-widgets.h"

G_BEGIN_DECLS

/* What a setup reading found: the labelled faces split, what stops a run,
 * the model's missing classes. */
typedef struct
{
  TfFinetuneData *data;          /* without unlabelled faces */
  char           *problem;       /* NULL: a run can start */
  GPtrArray      *warnings;      /* char * */
  char          **new_classes;
  char           *model_name;    /* the start model's file, for display */
  guint           n_unlabelled;  /* faces without a label the project has */
  char           *error;         /* the labels could not be read: nothing else is set */
} TfFinetuneSetup;

void _tf_finetune_setup_free (TfFinetuneSetup *setup);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TfFinetuneSetup, _tf_finetune_setup_free)

typedef struct _TfFinetuneJob TfFinetuneJob;

struct _TfFinetuneView
{
  GtkWidget            parent_instance;

  /* template */
  AdwToastOverlay     *toasts;
  GtkStack            *stack;
  AdwStatusPage       *empty_page;
  /* setup */
  AdwPreferencesGroup *resume_group;
  AdwActionRow        *resume_row;
  AdwPreferencesGroup *labels_group;
  AdwPreferencesGroup *settings_group;
  AdwComboRow         *preset_row;
  GtkSpinButton       *holdout_spin;
  GtkSwitch           *soft_switch;
  GtkSpinButton       *epochs_spin;
  GtkSpinButton       *lr_spin;
  GtkLabel            *estimate_label;
  GtkButton           *start_button;
  GtkLabel            *start_hint;
  /* run */
  GtkLabel            *phase_label;
  GtkLabel            *run_detail;
  GtkProgressBar      *run_progress;
  GtkLabel            *eta_label;
  TfPlot              *run_plot;
  GtkButton           *cancel_button;
  /* results */
  GtkLabel            *results_title;
  GtkLabel            *results_summary;
  AdwPreferencesGroup *applied_group;
  AdwActionRow        *applied_row;
  GtkLabel            *accuracy_before;
  GtkLabel            *accuracy_after;
  GtkLabel            *f1_before;
  GtkLabel            *f1_after;
  GtkLabel            *accuracy_caption;
  GtkLabel            *f1_caption;
  GtkGrid             *recall_grid;
  GtkWidget           *matrices_box;
  TfConfusion         *confusion_before;
  TfConfusion         *confusion_after;
  TfPlot              *results_plot;
  AdwPreferencesGroup *drift_group;
  GtkListBox          *drift_list;
  GtkButton           *use_button;
  GtkButton           *save_button;
  GtkButton           *discard_button;
  GtkRevealer         *apply_revealer;
  GtkLabel            *apply_label;
  GtkProgressBar      *apply_progress;
  GtkButton           *apply_cancel_button;

  /* what the setup shows */
  TfProject           *project;        /* borrowed: settings only, on this thread */
  char                *project_path;
  char                *model_file;     /* as the session has it: "" the shipped one */
  TfFinetuneSetup     *setup;
  GCancellable        *reading;
  guint                reread_timeout; /* the held-out share changed: read again */
  GPtrArray           *label_rows;     /* rows added to labels_group */
  gboolean             epochs_edited, lr_edited, updating;
  TfFinetuneViewState  state;

  /* the run, and what it made */
  TfFinetuneJob       *job;            /* the run, saving or predicting in progress */
  guint                pulse_timeout;  /* a progress bar of unknown end pulses */
  GtkProgressBar      *pulsing;
  int                  epochs_planned;
  int                  best_epoch;
  double               best_accuracy;
  TfModel             *model;
  TfFinetuneReport    *report;
  GArray              *drift_faces;    /* gint64 face ids */
  char                *saved_file;
  char                *applied_file;   /* saved by Use This Model, in use */
  gint64               applied_run;
};

/* tf-finetune-setup.c */
/* the labels read again, off the main loop, then shown */
void      _tf_finetune_setup_read         (TfFinetuneView *self);
/* the setup page (or why there is none) as the last reading found it */
void      _tf_finetune_setup_show         (TfFinetuneView *self);
void      _tf_finetune_setup_update_estimate (TfFinetuneView *self);
/* the preset's epochs and rate, where the person has set none */
void      _tf_finetune_setup_apply_preset (TfFinetuneView *self);
char     *_tf_finetune_options_to_json    (const TfFinetuneOptions *options,
                                           double                   holdout,
                                           const char              *model_file);
gboolean  _tf_finetune_options_from_json  (const char        *json,
                                           TfFinetuneOptions *options,
                                           double            *holdout,
                                           char             **model_file,
                                           gint64            *started);
/* the checkpoint and the stored options of the project's last run, gone */
void      _tf_finetune_view_forget_run    (TfFinetuneView *self);
/* the resume offer, as the checkpoint and the stored options say */
void      _tf_finetune_view_update_resume (TfFinetuneView *self);
/* "about 3 minutes" */
char     *_tf_finetune_format_duration    (double          seconds);

/* tf-finetune-view.c */
void      _tf_finetune_view_show_error    (TfFinetuneView *self,
                                           const char     *title,
                                           const char     *message);
void      _tf_finetune_view_toast         (TfFinetuneView *self,
                                           const char     *text);
void      _tf_finetune_view_set_state     (TfFinetuneView      *self,
                                           TfFinetuneViewState  state);
/* the start model's file: the session's, or the shipped one */
char     *_tf_finetune_view_start_model   (TfFinetuneView *self);
const char *_tf_finetune_preset_label     (TfFinetunePreset preset);
/* the signals, for tf-finetune-run.c */
void      _tf_finetune_view_emit_use_model   (TfFinetuneView *self,
                                              const char     *path);
void      _tf_finetune_view_emit_repredicted (TfFinetuneView *self,
                                              TfProject      *project,
                                              gint64          run,
                                              const char     *error);

/* tf-finetune-run.c */
/* Starts a run with @options (strings are copied) from @model_file. */
void      _tf_finetune_run_start          (TfFinetuneView          *self,
                                           const TfFinetuneOptions *options,
                                           double                   holdout,
                                           const char              *model_file);
void      _tf_finetune_job_cancel         (TfFinetuneView *self);
/* the view is going: its jobs carry on without it */
void      _tf_finetune_job_detach         (TfFinetuneView *self);
void      _tf_finetune_save_start         (TfFinetuneView *self,
                                           const char     *path,
                                           gboolean        use);
void      _tf_finetune_repredict_start    (TfFinetuneView *self,
                                           TfProject      *project,
                                           const char     *model_file);

/* tf-finetune-results.c */
void      _tf_finetune_results_show       (TfFinetuneView *self);
void      _tf_finetune_results_clear      (TfFinetuneView *self);
/* "Fine-tuned model in use: FILE" with the project's new run */
void      _tf_finetune_results_applied    (TfFinetuneView *self);
/* "71.3 %" (NULL: "—") */
char     *_tf_finetune_format_percent     (double          fraction);

G_END_DECLS
