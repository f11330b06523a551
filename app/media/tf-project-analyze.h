/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Analysis into a project: the face pipeline (tf-analyze.h) over pictures
 * and videos, or the model alone over pictures that are face crops, stored
 * as one run: media, faces with the aligned crop the model saw, and their
 * probabilities. */
#pragma once

#include "tf-analyze.h"
#include "tf-project.h"

G_BEGIN_DECLS

typedef struct
{
  TfAnalyzeOptions analyze;        /* sampling, threshold, batch, threads */
  gboolean         crops;          /* the pictures are face crops: no detection; each is
                                    * resized to the model's crop template size and kept */
  const char      *model_file;     /* recorded with the run (name and content hash); may be NULL */
  const char      *detector_file;  /* recorded by name; may be NULL */
} TfProjectAnalyzeOptions;

void     tf_project_analyze_options_init (TfProjectAnalyzeOptions *options);

/* Adds a run of @model and stores what it finds in @files. Each file is one
 * transaction: a file that cannot be read is reported through
 * @callbacks->file_done (which may be NULL, as may the others) and leaves
 * nothing; the files before it stay stored. @detector may be NULL with
 * options->crops. FALSE when cancelled, when the engine fails, or when the
 * project cannot be written (the disk is full); @run (may be NULL) receives
 * the run's id. */
gboolean tf_project_analyze (TfProject                     *project,
                             TfModel                       *model,
                             TfDetector                    *detector,
                             const TfProjectAnalyzeOptions *options,
                             const char * const            *files,
                             int                            n_files,
                             const TfAnalyzeCallbacks      *callbacks,
                             gpointer                       user_data,
                             gint64                        *run,
                             GCancellable                  *cancellable,
                             GError                       **error);

G_END_DECLS
