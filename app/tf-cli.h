/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Pieces shared by the subcommands of transfer-cli. */
#pragma once

#include <glib.h>

#include "tf-engine.h"

G_BEGIN_DECLS

/* Decodes @path and converts it to the model input [3][S][S] (whole image as
 * the face). The error names the file and what is wrong with it. */
gboolean tf_cli_load_input  (const char        *path,
                             const TfInputSpec *spec,
                             float             *out,
                             int               *width,
                             int               *height,
                             GError           **error);

/* The shipped FER+ model: $TRANSFER_MODEL, else the installed copy, else the
 * source tree's (running from the build folder). NULL when none exists. */
char    *tf_cli_default_model (void);

int      tf_cli_bench       (int                argc,
                             char             **argv);
int      tf_cli_train       (int                argc,
                             char             **argv);
int      tf_cli_eval        (int                argc,
                             char             **argv);

/* JSON helpers: a string with escapes; a float array. */
void     tf_json_string     (GString           *s,
                             const char        *str);
void     tf_json_floats     (GString           *s,
                             const float       *v,
                             gsize              n);

G_END_DECLS
