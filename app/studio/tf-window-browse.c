/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Going through a folder's photos: the grid's selection in the inspector,
 * the next and previous photo from the photo view, Back to where the grid
 * was left, and the news of the files without a result, named and one
 * click from being shown. */
#include <glib/gi18n.h>

#include "tf-window-private.h"

/* ---- the grid's selection ------------------------------------------------ */

/* The selected thumbnail's main face, in the inspector, before it is opened
 * (and labelled there, as in the photo view). */
static void
on_grid_item_selected_cb (TfFolderView *folder_view,
                          TfFolderItem *item,
                          TfWindow     *self)
{
  if (self->in_item || self->view != TF_VIEW_FOLDER)
    return;
  tf_window_show_face (self, item ? tf_folder_item_get_main_face (item) : NULL);
  tf_window_update_actions (self);
}

void
tf_window_browse_init (TfWindow *self)
{
  g_signal_connect (self->folder_view, "item-selected", G_CALLBACK (on_grid_item_selected_cb), self);
}

gboolean
tf_window_step_photo (TfWindow *self,
                      int       direction)
{
  const char *file = tf_window_shown_file (self);
  TfFolderItem *next;

  if (!self->in_item || file == NULL)
    return FALSE;
  next = tf_folder_view_step (self->folder_view, file, direction, TRUE);
  if (next == NULL)
    {
      /* the first or the last: no wrap to the other end */
      gtk_widget_error_bell (GTK_WIDGET (self));
      return FALSE;
    }
  /* as if its thumbnail were opened: the title, the main face, the focus */
  g_signal_emit_by_name (self->folder_view, "item-activated", tf_folder_item_get_file (next));
  return TRUE;
}

void
tf_window_browse_back (TfWindow   *self,
                       const char *shown)
{
  TfFolderItem *item;

  /* the file last shown is selected, in view and focused: the arrow keys go
   * on from it */
  tf_folder_view_select_file (self->folder_view, shown, TRUE);
  item = tf_folder_view_get_selected (self->folder_view);
  tf_window_show_face (self, item ? tf_folder_item_get_main_face (item) : NULL);
}

/* ---- the files without a result ------------------------------------------ */

/* "a.jpg could not be read", "a.jpg and 3 more have no face" */
static char *
name_files (GPtrArray *files,
            gboolean   failed)
{
  g_autofree char *first = g_filename_display_basename (g_ptr_array_index (files, 0));
  guint more = files->len - 1;

  if (failed && more == 0)
    return g_strdup_printf (_("%s could not be read"), first);
  if (failed)
    /* TRANSLATORS: a file's name, and how many other files */
    return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s and %u more could not be read",
                                         "%s and %u more could not be read", more), first, more);
  if (more == 0)
    return g_strdup_printf (_("%s has no face"), first);
  /* TRANSLATORS: a file's name, and how many other files */
  return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s and %u more have no face",
                                       "%s and %u more have no face", more), first, more);
}

static void
open_listed_file (TfWindow   *self,
                  const char *file)
{
  /* the folder shown may have changed since */
  if (self->view != TF_VIEW_FOLDER || tf_folder_view_lookup (self->folder_view, file) == NULL)
    return;
  gtk_stack_set_visible_child_name (self->main_stack, "media");
  tf_window_show_page (self, "media");
  g_signal_emit_by_name (self->folder_view, "item-activated", file);
}

static void
on_file_row_activated_cb (GtkListBox    *list,
                          GtkListBoxRow *row,
                          AdwMessageDialog *dialog)
{
  TfWindow *self = TF_WINDOW (gtk_window_get_transient_for (GTK_WINDOW (dialog)));
  g_autofree char *file = g_strdup (g_object_get_data (G_OBJECT (row), "file"));

  gtk_window_close (GTK_WINDOW (dialog));
  if (self && file)
    open_listed_file (self, file);
}

static void
add_file_rows (GtkListBox *list,
               GPtrArray  *files,
               TfWindow   *self)
{
  for (guint i = 0; i < files->len; i++)
    {
      const char *file = g_ptr_array_index (files, i);
      TfFolderItem *item = tf_folder_view_lookup (self->folder_view, file);
      const char *error = item ? tf_folder_item_get_error (item) : NULL;
      g_autofree char *name = g_filename_display_basename (file);
      GtkWidget *row = adw_action_row_new ();

      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), name);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), error ? error : _("No face found"));
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), gtk_image_new_from_icon_name ("go-next-symbolic"));
      gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
      gtk_widget_set_tooltip_text (row, file);
      g_object_set_data_full (G_OBJECT (row), "file", g_strdup (file), g_free);
      gtk_list_box_append (list, row);
    }
}

/* Each of the files, openable in the photo view. */
static void
show_files_dialog (TfWindow  *self,
                   GPtrArray *failed,
                   GPtrArray *no_face)
{
  const char *heading = failed->len == 0 ? _("Photos Without a Face")
                      : no_face->len == 0 ? _("Files That Could Not Be Read")
                      : _("Files Without a Result");
  AdwMessageDialog *dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (self), heading,
                                                                         _("Choose one to show it.")));
  GtkWidget *scroller = gtk_scrolled_window_new ();
  GtkWidget *list = gtk_list_box_new ();

  gtk_widget_add_css_class (list, "boxed-list");
  gtk_list_box_set_selection_mode (GTK_LIST_BOX (list), GTK_SELECTION_NONE);
  add_file_rows (GTK_LIST_BOX (list), failed, self);
  add_file_rows (GTK_LIST_BOX (list), no_face, self);
  g_signal_connect_object (list, "row-activated", G_CALLBACK (on_file_row_activated_cb), dialog, 0);
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scroller), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  /* a few rows seen at once, the rest scrolled to */
  gtk_scrolled_window_set_propagate_natural_height (GTK_SCROLLED_WINDOW (scroller), TRUE);
  gtk_scrolled_window_set_min_content_height (GTK_SCROLLED_WINDOW (scroller),
                                              (int) MIN (failed->len + no_face->len, 5) * 64);
  gtk_scrolled_window_set_max_content_height (GTK_SCROLLED_WINDOW (scroller), 360);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), list);
  adw_message_dialog_set_extra_child (dialog, scroller);
  adw_message_dialog_add_response (dialog, "close", _("_Close"));
  adw_message_dialog_set_default_response (dialog, "close");
  adw_message_dialog_set_close_response (dialog, "close");
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
on_show_files_cb (AdwToast *toast,
                  TfWindow *self)
{
  GPtrArray *failed = g_object_get_data (G_OBJECT (toast), "failed");
  GPtrArray *no_face = g_object_get_data (G_OBJECT (toast), "no-face");

  if (failed->len + no_face->len == 1)
    open_listed_file (self, g_ptr_array_index (failed->len ? failed : no_face, 0));
  else
    show_files_dialog (self, failed, no_face);
}

void
tf_window_folder_problems_toast (TfWindow *self)
{
  GListModel *model = tf_folder_view_get_model (self->folder_view);
  g_autoptr(GPtrArray) failed = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) no_face = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *failed_text = NULL, *no_face_text = NULL, *text = NULL;
  AdwToast *toast;

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(TfFolderItem) item = g_list_model_get_item (model, i);

      if (tf_folder_item_get_error (item))
        g_ptr_array_add (failed, g_strdup (tf_folder_item_get_file (item)));
      else if (tf_folder_item_get_n_faces (item) == 0)
        g_ptr_array_add (no_face, g_strdup (tf_folder_item_get_file (item)));
    }
  if (failed->len == 0 && no_face->len == 0)
    return;
  if (failed->len > 0)
    failed_text = name_files (failed, TRUE);
  if (no_face->len > 0)
    no_face_text = name_files (no_face, FALSE);
  if (failed_text && no_face_text)
    /* TRANSLATORS: the two halves are "N files could not be read" and "N files without a face" */
    text = g_strdup_printf (_("%s, %s"), failed_text, no_face_text);

  toast = adw_toast_new (text ? text : failed_text ? failed_text : no_face_text);
  adw_toast_set_timeout (toast, 10);
  adw_toast_set_button_label (toast, failed->len + no_face->len == 1 ? C_("toast button", "Show")
                                                                     : C_("toast button", "Show All"));
  g_object_set_data_full (G_OBJECT (toast), "failed", g_steal_pointer (&failed), (GDestroyNotify) g_ptr_array_unref);
  g_object_set_data_full (G_OBJECT (toast), "no-face", g_steal_pointer (&no_face), (GDestroyNotify) g_ptr_array_unref);
  g_signal_connect_object (toast, "button-clicked", G_CALLBACK (on_show_files_cb), self, 0);
  tf_window_add_adw_toast (self, toast);
}
