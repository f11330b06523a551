/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What a loaded model is, in words for the person who opened it: its
 * configuration (a preset's name or "custom", the shape, the parameter
 * count, the colour and size of its input), its classes in order, and the
 * provenance its file records (converted from the authors' release, the
 * data set, the trainer, the accuracy), only what the file says. */
#pragma once

#include <glib.h>

#include "tf-model.h"

G_BEGIN_DECLS

typedef struct
{
  char *preset;         /* "paper", "small" or NULL (custom): the preset whose
                         * architecture the model has (stem, LANets, encoder;
                         * not the classes, input size or drop rates) */
  char *configuration;  /* "paper: IR-50 stem 3/4/14 units (…); 65.2 M parameters; RGB 112 px" */
  char *classes;        /* "7: surprise, fear, …" (the names shown) */
  char *provenance;     /* a line per fact recorded, or "The file records no provenance" */
  char *source_sha256;  /* the converted file's whole SHA-256 as recorded, or NULL */
  char *summary;        /* one line: "small, 8 classes, FER+ (majority protocol)" */
} TfModelInfo;

TfModelInfo *tf_model_info_new  (TfModel     *model);
void         tf_model_info_free (TfModelInfo *info);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TfModelInfo, tf_model_info_free)

/* The preset (see tf_config_preset) @config has the architecture of, or NULL. */
const char  *tf_model_info_preset (const TfConfig *config);

G_END_DECLS
