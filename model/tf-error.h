/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define TF_ERROR (tf_error_quark ())

typedef enum
{
  TF_ERROR_IO,         /* the file could not be read or written */
  TF_ERROR_FORMAT,     /* the file is not a well-formed safetensors file */
  TF_ERROR_TENSOR,     /* a tensor is missing, mis-shaped, of the wrong dtype or not finite */
  TF_ERROR_CONFIG,     /* the model metadata is missing or inconsistent */
  TF_ERROR_INPUT,      /* an input (image, batch) does not fit the model */
} TfError;

GQuark tf_error_quark (void);

G_END_DECLS
