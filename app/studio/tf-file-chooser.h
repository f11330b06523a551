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

/* A save chooser whose filters are file formats: @extensions[i] (without
 * the dot) belongs to the item i of @filters. Choosing a filter puts its
 * extension on the name in the name field, and the callback gets the
 * chosen file with the index of the filter chosen then (the format, which
 * the caller writes whatever the name says), or NULL when cancelled. The
 * first filter is chosen at the start. */
typedef void (*TfChooseFormatFunc) (GFile    *file,
                                    guint     format,
                                    gpointer  user_data);

void             tf_choose_save_format     (GtkWindow          *parent,
                                            const char         *title,
                                            const char         *accept_label,
                                            GListModel         *filters,
                                            const char * const *extensions,
                                            const char         *initial_name,
                                            TfChooseFormatFunc  callback,
                                            gpointer            user_data);

/* @name with its extension, if it is one of @extensions (or none), replaced
 * by @extension: "a.csv" -> "a.jsonl", "a" -> "a.jsonl", "a.b" -> "a.b.jsonl" */
char            *tf_name_with_extension    (const char         *name,
                                            const char * const *extensions,
                                            const char         *extension);

G_END_DECLS
