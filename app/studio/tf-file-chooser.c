/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <string.h>

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

/* ---- saving in one of several formats ------------------------------------ */

char *
tf_name_with_extension (const char         *name,
                        const char * const *extensions,
                        const char         *extension)
{
  const char *dot = name ? strrchr (name, '.') : NULL;
  gsize stem = name ? strlen (name) : 0;

  if (dot != NULL && dot != name)
    for (guint i = 0; extensions && extensions[i]; i++)
      if (g_ascii_strcasecmp (dot + 1, extensions[i]) == 0)
        {
          stem = (gsize) (dot - name);
          break;
        }
  if (stem > 0 && name[stem - 1] == '.')
    stem--;
  return g_strdup_printf ("%.*s.%s", (int) stem, name ? name : "", extension);
}

typedef struct
{
  TfChooseFormatFunc   callback;
  gpointer             user_data;
  GListModel          *filters;
  GStrv                extensions;
  GtkFileChooserNative *native;
  GtkFileChooser       *dialog;   /* the native's own dialog, where it has one */
} ChooseFormat;

static void
choose_format_free (ChooseFormat *choose)
{
  g_object_unref (choose->filters);
  g_strfreev (choose->extensions);
  g_free (choose);
}

/* the index of the chooser's filter in the list (by name where a portal
 * handed back a copy); 0 when none */
static guint
chosen_format (ChooseFormat *choose)
{
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  GtkFileFilter *current = gtk_file_chooser_get_filter (GTK_FILE_CHOOSER (choose->native));
  G_GNUC_END_IGNORE_DEPRECATIONS
  guint n = g_list_model_get_n_items (choose->filters);

  for (guint pass = 0; current && pass < 2; pass++)
    for (guint i = 0; i < n; i++)
      {
        g_autoptr(GtkFileFilter) filter = g_list_model_get_item (choose->filters, i);
        if (pass == 0 ? filter == current
                      : g_strcmp0 (gtk_file_filter_get_name (filter), gtk_file_filter_get_name (current)) == 0)
          return i;
      }
  return 0;
}

/* a choice of format renames: in the dialog itself, as GtkFileChooserNative
 * neither tells of a filter chosen in it nor renames while it is shown */
static void
on_format_filter_changed_cb (GObject      *dialog,
                             GParamSpec   *pspec,
                             ChooseFormat *choose)
{
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  GtkFileFilter *current = gtk_file_chooser_get_filter (GTK_FILE_CHOOSER (dialog));
  g_autofree char *name = gtk_file_chooser_get_current_name (GTK_FILE_CHOOSER (dialog));
  G_GNUC_END_IGNORE_DEPRECATIONS
  g_autofree char *renamed = NULL;
  guint n = g_list_model_get_n_items (choose->filters), format = n;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GtkFileFilter) filter = g_list_model_get_item (choose->filters, i);
      if (filter == current)
        format = i;
    }
  if (format >= n || name == NULL || *name == '\0')
    return;
  renamed = tf_name_with_extension (name, (const char * const *) choose->extensions,
                                    choose->extensions[format]);
  if (g_strcmp0 (name, renamed) != 0)
    {
      G_GNUC_BEGIN_IGNORE_DEPRECATIONS
      gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (dialog), renamed);
      G_GNUC_END_IGNORE_DEPRECATIONS
    }
}

/* the GtkFileChooserDialog the native made (not among @before), or NULL */
static GtkFileChooser *
new_chooser_dialog (GHashTable *before)
{
  GListModel *toplevels = gtk_window_get_toplevels ();
  GtkFileChooser *found = NULL;

  for (guint i = 0; i < g_list_model_get_n_items (toplevels) && found == NULL; i++)
    {
      g_autoptr(GObject) toplevel = g_list_model_get_item (toplevels, i);
      G_GNUC_BEGIN_IGNORE_DEPRECATIONS
      if (GTK_IS_FILE_CHOOSER_DIALOG (toplevel) && !g_hash_table_contains (before, toplevel))
        found = GTK_FILE_CHOOSER (toplevel);
      G_GNUC_END_IGNORE_DEPRECATIONS
    }
  return found;
}

static void
on_format_response_cb (GtkNativeDialog *native,
                       int              response,
                       ChooseFormat    *choose)
{
  g_autoptr(GFile) file = NULL;
  guint format = chosen_format (choose);

  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  if (response == GTK_RESPONSE_ACCEPT)
    file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (native));
  g_signal_handlers_disconnect_by_data (native, choose);
  if (choose->dialog)
    g_signal_handlers_disconnect_by_data (choose->dialog, choose);
  gtk_native_dialog_destroy (native);
  G_GNUC_END_IGNORE_DEPRECATIONS
  choose->callback (file, format, choose->user_data);
  g_object_unref (native);
  choose_format_free (choose);
}

/* GtkFileChooserNative on every GTK: GtkFileDialog (4.10) does not say which
 * filter was chosen, nor let a choice change the name. */
void
tf_choose_save_format (GtkWindow          *parent,
                       const char         *title,
                       const char         *accept_label,
                       GListModel         *filters,
                       const char * const *extensions,
                       const char         *initial_name,
                       TfChooseFormatFunc  callback,
                       gpointer            user_data)
{
  g_autoptr(GHashTable) before = NULL;
  GListModel *toplevels = gtk_window_get_toplevels ();
  ChooseFormat *choose;
  guint n = g_list_model_get_n_items (filters);

  g_return_if_fail (n > 0 && g_strv_length ((GStrv) extensions) == n);

  /* the toplevels before the native makes its dialog */
  before = g_hash_table_new (NULL, NULL);
  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) toplevel = g_list_model_get_item (toplevels, i);
      g_hash_table_add (before, toplevel);
    }
  choose = g_new0 (ChooseFormat, 1);
  choose->callback = callback;
  choose->user_data = user_data;
  choose->filters = g_object_ref (filters);
  choose->extensions = g_strdupv ((GStrv) extensions);
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  choose->native = gtk_file_chooser_native_new (title, parent, GTK_FILE_CHOOSER_ACTION_SAVE, accept_label, NULL);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (choose->native), TRUE);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GtkFileFilter) filter = g_list_model_get_item (filters, i);
      gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (choose->native), filter);
      if (i == 0)
        gtk_file_chooser_set_filter (GTK_FILE_CHOOSER (choose->native), filter);
    }
  if (initial_name)
    gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (choose->native), initial_name);
  choose->dialog = new_chooser_dialog (before);
  if (choose->dialog)
    g_signal_connect (choose->dialog, "notify::filter", G_CALLBACK (on_format_filter_changed_cb), choose);
  g_signal_connect (choose->native, "response", G_CALLBACK (on_format_response_cb), choose);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (choose->native));
  G_GNUC_END_IGNORE_DEPRECATIONS
}
