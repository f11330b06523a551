/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The dataset options of train and eval: --ferplus, --folders, --csv. */
#pragma once

#include <glib.h>

#include "tf-dataset.h"

G_BEGIN_DECLS

typedef struct
{
  char *ferplus;   /* FER+ folder with label.csv */
  char *folders;   /* one folder per class */
  char *csv;       /* image,label rows beside the images */
} TfCliDataset;

/* Adds the three options to @ctx's main group; @ferplus_help describes
 * --ferplus (a train folder, a split). @data must outlive the parse. */
void        tf_cli_dataset_add   (GOptionContext     *ctx,
                                  TfCliDataset       *data,
                                  const char         *ferplus_help);
/* The dataset the options name (FER+ @soft targets when asked); an error
 * when none was given. */
TfDataset  *tf_cli_dataset_open  (const TfCliDataset *data,
                                  gboolean            soft,
                                  GError            **error);
/* "ferplus", "folders" or "csv", as the recipe records it. */
const char *tf_cli_dataset_kind  (const TfCliDataset *data);
/* What the model's "dataset" metadata says: the protocol, or the path. */
const char *tf_cli_dataset_name  (const TfCliDataset *data);
void        tf_cli_dataset_clear (TfCliDataset       *data);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (TfCliDataset, tf_cli_dataset_clear)

G_END_DECLS
