/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* File choosers for this GTK: GtkFileDialog from 4.10, else
 * GtkFileChooserNative. The callback gets the chosen files (none when
 * cancelled). */
typedef enum
{
  TF_CHOOSE_OPEN,
  TF_CHOOSE_OPEN_MULTIPLE,
  TF_CHOOSE_FOLDER,
  TF_CHOOSE_SAVE,
} TfChooseMode;

typedef void (*TfChooseFunc) (GFile   **files,
                              guint     n_files,
                              gpointer  user_data);

void             tf_choose_files           (GtkWindow       *parent,
                                            TfChooseMode     mode,
                                            const char      *title,
                                            const char      *accept_label,
                                            GListModel      *filters,
                                            const char      *initial_name,
                                            TfChooseFunc     callback,
                                            gpointer         user_data);

G_END_DECLS
