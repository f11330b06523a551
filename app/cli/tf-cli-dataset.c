/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The dataset options of train and eval. */
#include "tf-cli-dataset.h"
#include "tf-error.h"

void
tf_cli_dataset_add (GOptionContext *ctx,
                    TfCliDataset   *data,
                    const char     *ferplus_help)
{
  const GOptionEntry entries[] = {
    { "ferplus", 0, 0, G_OPTION_ARG_FILENAME, &data->ferplus, ferplus_help, "DIR" },
    { "folders", 0, 0, G_OPTION_ARG_FILENAME, &data->folders, "One folder per class", "DIR" },
    { "csv", 0, 0, G_OPTION_ARG_FILENAME, &data->csv, "A CSV of image,label beside the images", "FILE" },
    G_OPTION_ENTRY_NULL
  };

  g_option_context_add_main_entries (ctx, entries, NULL);
}

TfDataset *
tf_cli_dataset_open (const TfCliDataset *d,
                     gboolean            soft,
                     GError            **error)
{
  if (d->ferplus)
    return tf_dataset_new_ferplus (d->ferplus, soft, error);
  if (d->folders)
    return tf_dataset_new_folders (d->folders, error);
  if (d->csv)
    {
      g_autofree char *dir = g_path_get_dirname (d->csv), *name = g_path_get_basename (d->csv);
      return tf_dataset_new_image_label_csv (dir, name, error);
    }
  g_set_error_literal (error, TF_ERROR, TF_ERROR_INPUT, "no dataset: give --ferplus, --folders or --csv");
  return NULL;
}

const char *
tf_cli_dataset_kind (const TfCliDataset *d)
{
  return d->ferplus ? "ferplus" : d->folders ? "folders" : "csv";
}

const char *
tf_cli_dataset_name (const TfCliDataset *d)
{
  return d->ferplus ? "FER+ (majority protocol)" : d->folders ? d->folders : d->csv;
}

void
tf_cli_dataset_clear (TfCliDataset *d)
{
  g_clear_pointer (&d->ferplus, g_free);
  g_clear_pointer (&d->folders, g_free);
  g_clear_pointer (&d->csv, g_free);
}
