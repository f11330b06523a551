/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Fuzzes the label CSV readers (model/tf-dataset.c): the image,label files
 * that train and eval read, and FER+'s label.csv with its votes. The input
 * is written to a file (the readers take files) in a folder made once; a
 * dataset that is accepted must be sound: items, classes in range, class
 * names that are UTF-8. With -DTF_HAVE_LIBFUZZER a libFuzzer target, else
 * the portable driver of tf-fuzz-driver.h:
 *
 *   fuzz-label-csv SECONDS [SEED_FILE_OR_DIR...] */
#include <glib.h>
#include <glib/gstdio.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "tf-dataset.h"

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);
int LLVMFuzzerInitialize (int    *argc,
                          char ***argv);

static char *tmp_dir;

static void
check (gboolean    condition,
       const char *what)
{
  if (!condition)
    {
      fprintf (stderr, "fuzz-label-csv: invariant broken: %s\n", what);
      abort ();
    }
}

static void
check_dataset (TfDataset *ds)
{
  int k = tf_dataset_get_n_classes (ds);
  const char * const *names = tf_dataset_get_class_names (ds);

  check (tf_dataset_get_n_items (ds) > 0, "an accepted dataset has items");
  check (k > 0, "an accepted dataset has classes");
  for (int c = 0; c < k; c++)
    check (names[c] != NULL && g_utf8_validate (names[c], -1, NULL), "class names are UTF-8");
  for (guint i = 0; i < tf_dataset_get_n_items (ds); i++)
    {
      int label = tf_dataset_get_label (ds, i);
      const float *target = tf_dataset_get_target (ds, i);
      double sum = 0;

      check (label >= -1 && label < k, "labels lie within the classes");
      check (tf_dataset_get_path (ds, i) != NULL, "every item has a path");
      if (target)
        {
          for (int c = 0; c < k; c++)
            {
              check (target[c] >= 0 && target[c] <= 1, "soft targets are probabilities");
              sum += target[c];
            }
          check (sum > 0.999 && sum < 1.001, "soft targets sum to 1");
        }
    }
}

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  (void) argc;
  (void) argv;
  tmp_dir = g_dir_make_tmp ("fuzz-label-csv-XXXXXX", NULL);
  if (tmp_dir == NULL)
    abort ();
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  static const char *const names[] = { "labels.csv", "label.csv" };

  if (tmp_dir == NULL)
    LLVMFuzzerInitialize (NULL, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *path = g_build_filename (tmp_dir, names[i], NULL);
      g_autoptr(GError) error = NULL;
      g_autoptr(TfDataset) ds = NULL;

      if (!g_file_set_contents_full (path, (const char *) data, (gssize) size, G_FILE_SET_CONTENTS_NONE, 0644, NULL))
        abort ();
      if (i == 0)
        ds = tf_dataset_new_image_label_csv (tmp_dir, names[i], &error);
      else
        ds = tf_dataset_new_ferplus (tmp_dir, size % 2 == 0, &error);
      check ((ds == NULL) == (error != NULL), "an error exactly when refused");
      if (ds)
        check_dataset (ds);
      else
        check (error->message != NULL && g_utf8_validate (error->message, -1, NULL), "messages are UTF-8");
    }
  return 0;
}

#ifndef TF_HAVE_LIBFUZZER
#include "tf-fuzz-driver.h"

int
main (int    argc,
      char **argv)
{
  static const char *const tokens[] = { "image,emotion\n", "\xEF\xBB\xBF", "\"(0, 0, 48, 48)\"", ",10,0,0,0,0,0,0,0,0,0\n",
                                        "\"\"", "\r\n", "a.png,", "Anger", "anger", "\xe9", NULL };
  GPtrArray *seeds = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  int status;

  g_ptr_array_add (seeds, g_bytes_new_static ("image,emotion\nx.jpg,sadness\ny.jpg,anger\n", 40));
  g_ptr_array_add (seeds, g_bytes_new_static ("a.png,\"(0, 0, 48, 48)\",6,0,0,0,0,0,0,0,4,0\n"
                                              "b.png,\"(0, 0, 48, 48)\",0,9,1,0,0,0,0,0,0,0\n", 88));
  LLVMFuzzerInitialize (&argc, &argv);
  status = tf_fuzz_main (argc, argv, "fuzz-label-csv", seeds, tokens, NULL, 0xc5f11e);
  {
    g_autofree char *a = g_build_filename (tmp_dir, "labels.csv", NULL);
    g_autofree char *b = g_build_filename (tmp_dir, "label.csv", NULL);
    g_unlink (a);
    g_unlink (b);
    g_rmdir (tmp_dir);
  }
  return status;
}
#endif
