/* SPDX-License-Identifier: GPL-3.0-or-later */
/* transfer-cli init: a model file with random weights. */
#include "tf-cli.h"
#include "tf-error.h"

int
tf_cli_init (int    argc,
             char **argv)
{
  g_autofree char *config_name = NULL, *classes = NULL, *out = NULL, *dtype_name = NULL, *color = NULL;
  gint64 seed = 0;
  GOptionEntry entries[] = {
    { "config", 0, 0, G_OPTION_ARG_STRING, &config_name, "Preset: paper or small", "NAME" },
    { "classes", 0, 0, G_OPTION_ARG_STRING, &classes, "Comma-separated class names", "A,B,..." },
    { "seed", 0, 0, G_OPTION_ARG_INT64, &seed, "Random seed (default 0)", "N" },
    { "color", 0, 0, G_OPTION_ARG_STRING, &color, "Input colour handling: rgb (default) or gray", "MODE" },
    { "dtype", 0, 0, G_OPTION_ARG_STRING, &dtype_name, "Stored dtype: F32 (default), F16 or BF16", "TYPE" },
    { "out", 0, 0, G_OPTION_ARG_FILENAME, &out, "Model file to write", "FILE" },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new ("- write a randomly initialised model");
  g_autoptr(GError) error = NULL;
  g_autoptr(TfModel) model = NULL;
  g_auto(GStrv) names = NULL;
  TfConfig config;
  TfDtype dtype = TF_DTYPE_F32;

  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    return tf_cli_usage_error (ctx, error->message);
  if (config_name == NULL || classes == NULL || out == NULL)
    return tf_cli_usage_error (ctx, "init needs --config, --classes and --out");

  names = g_strsplit (classes, ",", -1);
  for (guint i = 0; names[i]; i++)
    {
      g_strstrip (names[i]);
      if (*names[i] == '\0')
        return tf_cli_usage_error (ctx, "--classes has an empty name");
    }
  if (g_strv_length (names) < 1)
    return tf_cli_usage_error (ctx, "--classes names no class");
  if (!tf_config_preset (config_name, (int) g_strv_length (names), &config))
    return tf_cli_usage_error (ctx, "--config must be paper or small");
  if (dtype_name && g_ascii_strcasecmp (dtype_name, "F16") == 0)
    dtype = TF_DTYPE_F16;
  else if (dtype_name && g_ascii_strcasecmp (dtype_name, "BF16") == 0)
    dtype = TF_DTYPE_BF16;
  else if (dtype_name && g_ascii_strcasecmp (dtype_name, "F32") != 0)
    return tf_cli_usage_error (ctx, "--dtype must be F32, F16 or BF16");
  if (color && !g_str_equal (color, "rgb") && !g_str_equal (color, "gray"))
    return tf_cli_usage_error (ctx, "--color must be rgb or gray");

  model = tf_model_new (&config, (const char * const *) names);
  model->input.gray = color && g_str_equal (color, "gray");
  tf_model_init_random (model, (guint64) seed);
  g_hash_table_insert (model->metadata, g_strdup ("trained_with"),
                       g_strdup_printf ("transfer-cli init (random, seed %" G_GINT64_FORMAT ")", seed));
  if (!tf_model_save (model, out, dtype, &error))
    return tf_cli_fail (g_steal_pointer (&error));
  return 0;
}
