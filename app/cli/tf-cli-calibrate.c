/* SPDX-License-Identifier: GPL-3.0-or-later */
/* transfer-cli calibrate: fit the softmax temperature of a model on held-out
 * labelled faces and write the model with it (the fit is model/tf-calibrate.c's,
 * the run over the set model/tf-eval.c's). */
#include <stdio.h>

#include "tf-calibrate.h"
#include "tf-cli-dataset.h"
#include "tf-cli.h"
#include "tf-datafiles.h"
#include "tf-decode.h"
#include "tf-eval.h"
#include "tf-ops.h"

/* The dtype the parameters are stored in, kept on writing: a calibrated
 * file differs from its source in the metadata alone. */
static TfDtype
stored_dtype (const char *path)
{
  g_autoptr(TfSafetensors) st = tf_safetensors_open (path, NULL);
  const TfStTensor *t = st ? tf_safetensors_lookup (st, "head.fc.weight") : NULL;

  return t && (t->dtype == TF_DTYPE_F16 || t->dtype == TF_DTYPE_BF16) ? t->dtype : TF_DTYPE_F32;
}

/* A figure for the metadata and the output: '.' whatever the locale. */
static char *
figure (const char *format,
        double      value)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  return g_strdup (g_ascii_formatd (buf, sizeof buf, format, value));
}

static void
set_figure (TfModel    *model,
            const char *key,
            const char *format,
            double      value)
{
  g_hash_table_insert (model->metadata, g_strdup (key), figure (format, value));
}

int
tf_cli_calibrate (int    argc,
                  char **argv)
{
  g_auto(TfCliShared) shared = { 0 };
  g_auto(TfCliDataset) data = { 0 };
  g_autofree char *out = NULL, *dataset = NULL;
  g_autofree char *t = NULL, *nb = NULL, *na = NULL, *eb = NULL, *ea = NULL;
  int batch = TF_EVAL_DEFAULT_BATCH;
  gboolean flip = FALSE;
  const GOptionEntry entries[] = {
    { "flip", 0, 0, G_OPTION_ARG_NONE, &flip, "Add each face's mirror image as one more sample", NULL },
    { "batch", 0, 0, G_OPTION_ARG_INT, &batch, "Faces per forward pass (default " G_STRINGIFY (TF_EVAL_DEFAULT_BATCH)
      ")", "N" },
    { "out", 0, 0, G_OPTION_ARG_FILENAME, &out, "Model file to write (may be --model's)", "FILE" },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new ("- fit the softmax temperature on a held-out labelled set");
  g_autoptr(GError) error = NULL;
  g_autoptr(TfModel) model = NULL;
  g_autoptr(TfDataset) ds = NULL;
  g_autoptr(GArray) logits = g_array_new (FALSE, FALSE, sizeof (float));
  g_autoptr(GArray) labels = g_array_new (FALSE, FALSE, sizeof (int));
  const char *problem;
  TfCalibration cal;
  guint skipped = 0;
  gsize rows;
  int k;

  tf_cli_shared_add (ctx, &shared, TF_CLI_OPTION_MODEL | TF_CLI_OPTION_THREADS);
  tf_cli_dataset_add (ctx, &data, "FER+ split folder (label.csv, majority protocol)");
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    return tf_cli_usage_error (ctx, error->message);
  if (argc > 1)
    return tf_cli_usage_error (ctx, "calibrate takes no arguments besides its options");
  if (out == NULL)
    return tf_cli_usage_error (ctx, "calibrate needs --out");
  if (data.ferplus == NULL && data.folders == NULL && data.csv == NULL)
    return tf_cli_usage_error (ctx, "calibrate needs a dataset: --ferplus, --folders or --csv");
  if (batch < 1 || batch > 1024)
    return tf_cli_usage_error (ctx, "--batch must be 1 to 1024");
  if ((problem = tf_cli_shared_check (&shared)))
    return tf_cli_usage_error (ctx, problem);
  if (shared.model == NULL && (shared.model = tf_data_find (TF_DATA_MODEL)) == NULL)
    return tf_cli_usage_error (ctx, "no model: give --model");
  tf_set_threads (shared.threads);

  if (!(model = tf_model_load (shared.model, &error)) ||
      !(ds = tf_cli_dataset_open (&data, FALSE, &error)) ||
      !tf_eval_collect_logits (model, ds, batch, flip, tf_decode_rgb, NULL, NULL, logits, labels, &skipped, &error))
    return tf_cli_fail (g_steal_pointer (&error));
  rows = labels->len;
  k = model->config.num_classes;
  if (rows == 0)
    {
      g_printerr ("transfer-cli: no face of the set could be read: nothing to calibrate on\n");
      return 1;
    }
  if (model->temperature != 1.0)
    g_printerr ("transfer-cli: %s carried %s=%g; fitted again from its raw logits\n",
                shared.model, TF_MODEL_TEMPERATURE_KEY, model->temperature);

  tf_calibration_compute ((const float *) (void *) logits->data, (const int *) (void *) labels->data, rows, k, &cal);
  /* the figures after are those of the temperature the file holds */
  tf_model_set_temperature (model, cal.temperature);
  cal.nll_after = tf_calibration_nll ((const float *) (void *) logits->data, (const int *) (void *) labels->data,
                                      rows, k, model->temperature);
  cal.ece_after = tf_calibration_ece ((const float *) (void *) logits->data, (const int *) (void *) labels->data,
                                      rows, k, model->temperature, TF_CALIBRATION_BINS);

  if (data.ferplus)
    {
      g_autofree char *split = g_path_get_basename (data.ferplus);
      dataset = g_strdup_printf ("FER+ %s (majority protocol)%s", split, flip ? ", with the mirrored faces" : "");
    }
  else
    dataset = g_strdup_printf ("%s%s", tf_cli_dataset_name (&data), flip ? ", with the mirrored faces" : "");
  g_hash_table_insert (model->metadata, g_strdup ("calibration.dataset"), g_strdup (dataset));
  set_figure (model, "calibration.nll_before", "%.4f", cal.nll_before);
  set_figure (model, "calibration.nll_after", "%.4f", cal.nll_after);
  set_figure (model, "calibration.ece_before", "%.4f", cal.ece_before);
  set_figure (model, "calibration.ece_after", "%.4f", cal.ece_after);
  if (!tf_model_save (model, out, stored_dtype (shared.model), &error))
    return tf_cli_fail (g_steal_pointer (&error));

  t = figure ("%.6g", model->temperature);
  nb = figure ("%.4f", cal.nll_before);
  na = figure ("%.4f", cal.nll_after);
  eb = figure ("%.4f", cal.ece_before);
  ea = figure ("%.4f", cal.ece_after);
  printf ("faces=%u\nskipped=%u\nsamples=%" G_GSIZE_FORMAT "\n", flip ? (guint) (rows / 2) : (guint) rows, skipped,
          rows);
  printf ("temperature=%s\nnll_before=%s\nnll_after=%s\nece_before=%s\nece_after=%s\n", t, nb, na, eb, ea);
  return 0;
}
