/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "tf-datafiles.h"

static const struct
{
  const char *env;         /* overrides the search when set and not empty */
  const char *installed;   /* under TF_DATADIR, NULL: not installed there */
  const char *source;      /* under TF_SOURCE_DATADIR */
  gboolean    folder;
} data_files[] = {
  [TF_DATA_MODEL]    = { "TRANSFER_MODEL", "models/transfer-ferplus.safetensors",
                         "models/transfer-ferplus.safetensors", FALSE },
  [TF_DATA_DETECTOR] = { "TRANSFER_DETECTOR", "models/yunet.safetensors", "models/yunet.safetensors", FALSE },
  [TF_DATA_SAMPLE]   = { NULL, "samples/astronaut.png", "astronaut.png", FALSE },
  [TF_DATA_ICONS]    = { NULL, NULL, "icons", TRUE },
};

char *
tf_data_find (TfDataFile which)
{
  const char *env;
  const char *dirs[2];
  const char *names[2];

  g_return_val_if_fail ((guint) which < G_N_ELEMENTS (data_files), NULL);

  env = data_files[which].env ? g_getenv (data_files[which].env) : NULL;
  if (env && *env)
    return g_strdup (env);
  dirs[0] = TF_DATADIR;
  names[0] = data_files[which].installed;
  dirs[1] = TF_SOURCE_DATADIR;
  names[1] = data_files[which].source;
  for (guint i = 0; i < G_N_ELEMENTS (dirs); i++)
    {
      g_autofree char *path = NULL;

      if (names[i] == NULL)
        continue;
      path = g_build_filename (dirs[i], names[i], NULL);
      if (g_file_test (path, data_files[which].folder ? G_FILE_TEST_IS_DIR : G_FILE_TEST_IS_REGULAR))
        return g_steal_pointer (&path);
    }
  return NULL;
}
