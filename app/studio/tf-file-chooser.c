/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "tf-file-chooser.h"

typedef struct
{
  TfChooseFunc callback;
  gpointer     user_data;
  TfChooseMode mode;
} Choose;

static void
choose_done (Choose     *choose,
             GListModel *files)
{
  g_autoptr(GPtrArray) array = g_ptr_array_new_with_free_func (g_object_unref);
  guint n = files ? g_list_model_get_n_items (files) : 0;

  for (guint i = 0; i < n; i++)
    g_ptr_array_add (array, g_list_model_get_item (files, i));
  choose->callback ((GFile **) array->pdata, array->len, choose->user_data);
  g_free (choose);
}

#if GTK_CHECK_VERSION (4, 10, 0)
static void
on_dialog_done_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  Choose *choose = user_data;
  GtkFileDialog *dialog = GTK_FILE_DIALOG (source);
  g_autoptr(GListStore) store = g_list_store_new (G_TYPE_FILE);
  g_autoptr(GListModel) many = NULL;
  g_autoptr(GFile) one = NULL;

  switch (choose->mode)
    {
    case TF_CHOOSE_OPEN:
      one = gtk_file_dialog_open_finish (dialog, result, NULL);
      break;
    case TF_CHOOSE_OPEN_MULTIPLE:
      many = gtk_file_dialog_open_multiple_finish (dialog, result, NULL);
      break;
    case TF_CHOOSE_FOLDER:
      one = gtk_file_dialog_select_folder_finish (dialog, result, NULL);
      break;
    case TF_CHOOSE_SAVE:
      one = gtk_file_dialog_save_finish (dialog, result, NULL);
      break;
    default:
      g_assert_not_reached ();
    }
  if (one)
    g_list_store_append (store, one);
  choose_done (choose, many ? many : G_LIST_MODEL (store));
}
#else
static void
on_native_response_cb (GtkNativeDialog *native,
                       int              response,
                       Choose          *choose)
{
  g_autoptr(GListModel) files = NULL;

  if (response == GTK_RESPONSE_ACCEPT)
    files = gtk_file_chooser_get_files (GTK_FILE_CHOOSER (native));
  choose_done (choose, files);
  gtk_native_dialog_destroy (native);
  g_object_unref (native);
}
#endif

void
tf_choose_files (GtkWindow    *parent,
                 TfChooseMode  mode,
                 const char   *title,
                 const char   *accept_label,
                 GListModel   *filters,
                 const char   *initial_name,
                 TfChooseFunc  callback,
                 gpointer      user_data)
{
  Choose *choose = g_new0 (Choose, 1);

  choose->callback = callback;
  choose->user_data = user_data;
  choose->mode = mode;

#if GTK_CHECK_VERSION (4, 10, 0)
  {
    g_autoptr(GtkFileDialog) dialog = gtk_file_dialog_new ();

    gtk_file_dialog_set_title (dialog, title);
    gtk_file_dialog_set_modal (dialog, TRUE);
    gtk_file_dialog_set_accept_label (dialog, accept_label);
    if (filters && g_list_model_get_n_items (filters) > 0)
      {
        g_autoptr(GtkFileFilter) first = g_list_model_get_item (filters, 0);
        gtk_file_dialog_set_filters (dialog, filters);
        gtk_file_dialog_set_default_filter (dialog, first);
      }
    if (initial_name)
      gtk_file_dialog_set_initial_name (dialog, initial_name);
    switch (mode)
      {
      case TF_CHOOSE_OPEN:
        gtk_file_dialog_open (dialog, parent, NULL, on_dialog_done_cb, choose);
        break;
      case TF_CHOOSE_OPEN_MULTIPLE:
        gtk_file_dialog_open_multiple (dialog, parent, NULL, on_dialog_done_cb, choose);
        break;
      case TF_CHOOSE_FOLDER:
        gtk_file_dialog_select_folder (dialog, parent, NULL, on_dialog_done_cb, choose);
        break;
      case TF_CHOOSE_SAVE:
        gtk_file_dialog_save (dialog, parent, NULL, on_dialog_done_cb, choose);
        break;
      default:
        g_assert_not_reached ();
      }
  }
#else
  {
    GtkFileChooserAction action = mode == TF_CHOOSE_FOLDER ? GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER
                                  : mode == TF_CHOOSE_SAVE ? GTK_FILE_CHOOSER_ACTION_SAVE
                                  : GTK_FILE_CHOOSER_ACTION_OPEN;
    GtkFileChooserNative *native = gtk_file_chooser_native_new (title, parent, action, accept_label, NULL);
    guint n = filters ? g_list_model_get_n_items (filters) : 0;

    gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (native), TRUE);
    gtk_file_chooser_set_select_multiple (GTK_FILE_CHOOSER (native), mode == TF_CHOOSE_OPEN_MULTIPLE);
    for (guint i = 0; i < n; i++)
      {
        g_autoptr(GtkFileFilter) filter = g_list_model_get_item (filters, i);
        gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (native), filter);
      }
    if (initial_name)
      gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (native), initial_name);
    g_signal_connect (native, "response", G_CALLBACK (on_native_response_cb), choose);
    gtk_native_dialog_show (GTK_NATIVE_DIALOG (native));
  }
#endif
}
