/* SPDX-License-Identifier: GPL-3.0-or-later */
/* transfer-cli eval: accuracy, recall, F1 and confusion on a labelled set
 * (the measuring is model/tf-eval.c's). */
#include <stdio.h>

#include "tf-cli-dataset.h"
#include "tf-cli.h"
#include "tf-datafiles.h"
#include "tf-decode.h"
#include "tf-eval.h"
#include "tf-json.h"
#include "tf-ops.h"

static void
print_json (TfModel            *model,
            const TfEvalResult *r,
            char              **missed)
{
  int k = r->n_classes;
  g_autoptr(GString) s = g_string_new (NULL);

  g_string_append_printf (s, "{\"faces\":%u,\"skipped\":%u,", r->n_faces, r->n_skipped);
  if (missed)
    {
      g_string_append (s, "\"missed\":[");
      for (guint i = 0; missed[i]; i++)
        {
          g_string_append (s, i ? "," : "");
          tf_json_string (s, missed[i]);
        }
      g_string_append (s, "],");
    }
  g_string_append_printf (s, "\"accuracy\":%.6f,\"macro_f1\":%.6f,\"recall\":{", r->accuracy, r->macro_f1);
  for (int c = 0; c < k; c++)
    {
      g_string_append (s, c ? "," : "");
      tf_json_string (s, model->classes[c]);
      g_string_append_printf (s, ":%.6f", r->recall[c]);
    }
  g_string_append (s, "},\"classes\":[");
  for (int c = 0; c < k; c++)
    {
      g_string_append (s, c ? "," : "");
      tf_json_string (s, model->classes[c]);
    }
  g_string_append (s, "],\"confusion\":[");
  for (int c = 0; c < k; c++)
    {
      g_string_append (s, c ? ",[" : "[");
      for (int j = 0; j < k; j++)
        g_string_append_printf (s, "%s%u", j ? "," : "", r->confusion[c * k + j]);
      g_string_append_c (s, ']');
    }
  g_string_append (s, "]}\n");
  fputs (s->str, stdout);
}

static void
print_text (TfModel            *model,
            const TfEvalResult *r)
{
  int k = r->n_classes;

  printf ("faces: %u\nskipped: %u\naccuracy: %.2f %%\nmacro-F1: %.4f\n\n%-12s %8s %8s\n", r->n_faces, r->n_skipped,
          100 * r->accuracy, r->macro_f1, "class", "recall", "F1");
  for (int c = 0; c < k; c++)
    printf ("%-12s %7.2f%% %8.4f\n", model->classes[c], 100 * r->recall[c], r->f1[c]);
  printf ("\nconfusion (rows: true class, columns: predicted)\n%-12s", "");
  for (int j = 0; j < k; j++)
    printf (" %6.6s", model->classes[j]);
  printf ("\n");
  for (int c = 0; c < k; c++)
    {
      printf ("%-12s", model->classes[c]);
      for (int j = 0; j < k; j++)
        printf (" %6u", r->confusion[c * k + j]);
      printf ("\n");
    }
}

int
tf_cli_eval (int    argc,
             char **argv)
{
  g_auto(TfCliShared) shared = { 0 };
  g_auto(TfCliDataset) data = { 0 };
  g_autofree char *format = NULL;
  g_autoptr(TfFaceCropper) cropper = NULL;
  int batch = TF_EVAL_DEFAULT_BATCH;
  gboolean flip = FALSE, detect = FALSE;
  const GOptionEntry entries[] = {
    { "flip", 0, 0, G_OPTION_ARG_NONE, &flip, TF_CLI_FLIP_HELP, NULL },
    { "detect", 0, 0, G_OPTION_ARG_NONE, &detect, "Find the main face in each photo and align it (default: "
      "each image is a face crop)", NULL },
    { "batch", 0, 0, G_OPTION_ARG_INT, &batch, "Faces per forward pass (default " G_STRINGIFY (TF_EVAL_DEFAULT_BATCH)
      ")", "N" },
    { "format", 0, 0, G_OPTION_ARG_STRING, &format, "text (default) or json", "FORMAT" },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new ("- accuracy, recall, F1 and confusion on a labelled set");
  g_autoptr(GError) error = NULL;
  g_autoptr(TfModel) model = NULL;
  g_autoptr(TfDataset) ds = NULL;
  g_autoptr(TfEvalResult) res = NULL;
  g_auto(GStrv) missed = NULL;

  tf_cli_shared_add (ctx, &shared, TF_CLI_OPTION_MODEL | TF_CLI_OPTION_DETECTOR | TF_CLI_OPTION_THREADS);
  tf_cli_dataset_add (ctx, &data, "FER+ split folder (label.csv, majority protocol)");
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    {
      g_printerr ("transfer-cli: %s\n", error->message);
      return 2;
    }
  if (shared.model == NULL)
    shared.model = tf_data_find (TF_DATA_MODEL);
  if (shared.model == NULL || batch < 1 || batch > 1024 || tf_cli_shared_check (&shared) ||
      (format && !g_str_equal (format, "json") && !g_str_equal (format, "text")))
    {
      g_printerr ("transfer-cli: eval needs --model, a dataset, and sensible --batch/--threads/--format\n");
      return 2;
    }
  tf_set_threads (shared.threads);
  if (!(model = tf_model_load (shared.model, &error)) ||
      !(ds = tf_cli_dataset_open (&data, FALSE, &error)) ||
      (detect && !(cropper = tf_face_cropper_new (model, shared.detector, &error))) ||
      !(res = tf_eval_run (model, ds, batch, flip, detect ? tf_decode_face_crop : tf_decode_rgb, cropper, NULL,
                           &error)))
    {
      g_printerr ("transfer-cli: %s\n", error->message);
      return 1;
    }
  if (cropper)
    {
      missed = tf_face_cropper_get_missed (cropper);
      for (guint i = 0; missed[i]; i++)
        g_printerr ("transfer-cli: no face found in %s\n", missed[i]);
    }
  if (format && g_str_equal (format, "json"))
    print_json (model, res, missed);
  else
    print_text (model, res);
  return 0;
}
