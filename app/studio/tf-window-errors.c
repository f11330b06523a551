/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The window's errors, as places rather than toasts: a file that cannot be
 * read (opened alone, or chosen in a folder's grid) shows a page in the
 * media stack with its name, what is wrong with it and what to do, and a
 * button to open another; it leaves the recent list. The recent list
 * offers only what the application opens. */
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <string.h>

#include "tf-media.h"
#include "tf-window-private.h"

/* how much of a file is read to tell what it holds */
#define SNIFF_BYTES 4096

/* What is wrong with @file and what to do about it, for the person: from
 * the file itself (there, empty, of which type), and @error (what the
 * reader or the player said) for a file of the right type. */
static void
describe_problem (const char  *file,
                  const char  *error,
                  char       **what,
                  char       **todo)
{
  g_autofree char *content_type = NULL;
  g_autofree guint8 *head = NULL;
  GStatBuf st;
  TfMediaKind kind = TF_MEDIA_IMAGE;
  gboolean known;
  gsize n = 0;

  if (g_stat (file, &st) != 0)
    {
      *what = g_strdup (_("The file is not there any more."));
      *todo = g_strdup (_("It may have been moved, renamed or deleted. Open it from where it is now."));
      return;
    }
  if (S_ISREG (st.st_mode) && st.st_size == 0)
    {
      *what = g_strdup (_("The file is empty."));
      *todo = g_strdup (_("Check that it was copied or downloaded completely."));
      return;
    }
  /* the type its bytes say, whatever its name says */
  {
    FILE *f = g_fopen (file, "rb");
    if (f)
      {
        head = g_malloc (SNIFF_BYTES);
        n = fread (head, 1, SNIFF_BYTES, f);
        fclose (f);
      }
  }
  if (n > 0)
    content_type = g_content_type_guess (NULL, head, n, NULL);
  known = content_type && tf_media_kind_for_content_type (content_type, &kind);
  if (!known && content_type && !g_content_type_is_unknown (content_type))
    {
      g_autofree char *description = g_content_type_get_description (content_type);
      /* TRANSLATORS: %s is the kind of file, as the system names it ("plain text document") */
      *what = g_strdup_printf (_("This is not a photo or a video: its type is “%s”."), description);
      *todo = g_strdup (_("Open a photo (JPEG, PNG) or a video (MP4, WebM)."));
      return;
    }
  if (!known)
    tf_media_kind_for_name (file, &kind);
  {
    g_autofree char *rest = tf_error_without_file (error, file);
    const char *damage = "damaged or truncated";   /* tf_decode_check_whole's words */

    if (g_str_has_prefix (rest, damage))
      {
        const char *why = rest + strlen (damage);

        while (*why == ':' || *why == ' ')
          why++;
        *what = *why
                /* TRANSLATORS: %s is how, in the decoder's English ("it ends before the
                 * end of its picture data", "Corrupt JPEG data: bad Huffman code") */
                ? g_strdup_printf (_("The file is damaged or incomplete: %s."), why)
                : g_strdup (_("The file is damaged or incomplete."));
      }
    else
      /* TRANSLATORS: %s is what the decoder or the player said ("no picture could be decoded") */
      *what = g_strdup_printf (_("It cannot be read: %s."), rest);
  }
  if (kind == TF_MEDIA_VIDEO)
    *todo = g_strdup (_("Check that the file is complete, or convert it to MP4 or WebM."));
  else
    *todo = g_strdup (_("Check that the file is complete, or save it again as JPEG or PNG."));
}

const char *
tf_window_shown_file (TfWindow *self)
{
  if (g_strcmp0 (self->media_page, "photo") == 0)
    return tf_photo_view_get_file (self->photo_view);
  if (g_strcmp0 (self->media_page, "video") == 0)
    return tf_video_view_get_file (self->video_view);
  if (g_strcmp0 (self->media_page, "error") == 0)
    return self->error_file;
  return NULL;
}

void
tf_window_forget_recent (TfWindow   *self,
                         const char *path)
{
  g_autofree char *uri = g_filename_to_uri (path, NULL, NULL);

  /* not there: an error, ignored (has_item is critical on an empty list) */
  if (uri)
    gtk_recent_manager_remove_item (self->recent, uri, NULL);
}

/* the page says what is wrong with @file, and is shown in place of the
 * media page when that is on show */
static void
show_error_page (TfWindow   *self,
                 const char *file,
                 const char *error)
{
  g_autofree char *title = NULL;
  g_autofree char *what = NULL;
  g_autofree char *todo = NULL;
  g_autofree char *text = NULL;
  const char *visible;
  gboolean media_visible;

  title = g_filename_display_basename (file);
  describe_problem (file, error, &what, &todo);
  text = g_strdup_printf ("%s\n\n%s", what, todo);
  adw_status_page_set_title (ADW_STATUS_PAGE (self->error_page), title);
  {
    g_autofree char *markup = g_markup_escape_text (text, -1);
    adw_status_page_set_description (ADW_STATUS_PAGE (self->error_page), markup);
  }
  g_free (self->error_file);
  self->error_file = g_strdup (file);

  visible = gtk_stack_get_visible_child_name (self->media_stack);
  media_visible = g_strcmp0 (visible, self->media_page) == 0;
  /* the player has nothing to play */
  if (g_strcmp0 (self->media_page, "video") == 0)
    tf_video_view_set_file (self->video_view, NULL);
  g_free (self->media_page);
  self->media_page = g_strdup ("error");
  tf_window_show_face (self, NULL);
  /* the review, statistics or Fine-tune page stays where it is */
  if (media_visible)
    gtk_stack_set_visible_child_name (self->media_stack, "error");
  tf_window_update_actions (self);
}

void
tf_window_show_file_error (TfWindow   *self,
                           const char *file,
                           const char *error)
{
  g_return_if_fail (TF_IS_WINDOW (self));
  g_return_if_fail (file != NULL && error != NULL);

  tf_window_forget_recent (self, file);
  /* only the file on show turns into its error page: a folder's others
   * show theirs in the grid */
  if (g_strcmp0 (tf_window_shown_file (self), file) == 0)
    show_error_page (self, file, error);
}

void
tf_window_show_item_error (TfWindow   *self,
                           const char *file,
                           const char *error)
{
  g_return_if_fail (TF_IS_WINDOW (self));
  g_return_if_fail (file != NULL && error != NULL);

  /* the grid goes, as for a file that opens: the error page takes the
   * media page's place */
  const char *visible = gtk_stack_get_visible_child_name (self->media_stack);

  tf_photo_view_set_file (self->photo_view, NULL);
  tf_video_view_set_file (self->video_view, NULL);
  self->in_item = TRUE;
  /* from the grid, or from the folder's photo or page before it (the next
   * photo's keys): the page takes that one's place */
  if (g_strcmp0 (visible, "photo") != 0 && g_strcmp0 (visible, "video") != 0 && g_strcmp0 (visible, "error") != 0)
    visible = "folder";
  g_free (self->media_page);
  self->media_page = g_strdup (visible);
  show_error_page (self, file, error);
}

void
tf_window_remember_recent (TfWindow   *self,
                           const char *path)
{
  g_autofree char *uri = g_filename_to_uri (path, NULL, NULL);
  g_autofree char *content_type = NULL;
  g_autofree char *mime = NULL;
  g_autofree char *exec = g_strconcat (g_get_prgname (), " %u", NULL);
  GtkRecentData data = { 0 };
  TfMediaKind kind;

  if (uri == NULL)
    return;
  /* what the Open menu would not offer is not added */
  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    mime = g_strdup ("inode/directory");
  else if (tf_media_kind_for_name (path, &kind))
    {
      content_type = g_content_type_guess (path, NULL, 0, NULL);
      mime = g_content_type_get_mime_type (content_type);
    }
  else
    return;
  /* given in full, it is added now: gtk_recent_manager_add_item asks for
   * the type in the background, and would add it after a quick failure
   * had taken it out */
  data.mime_type = mime ? mime : (char *) "application/octet-stream";
  data.app_name = (char *) g_get_application_name ();
  data.app_exec = exec;
  gtk_recent_manager_add_full (self->recent, uri, &data);
}

gboolean
tf_window_recent_can_open (GtkRecentInfo *info)
{
  const char *mime = gtk_recent_info_get_mime_type (info);
  g_autofree char *path = g_filename_from_uri (gtk_recent_info_get_uri (info), NULL, NULL);
  TfMediaKind kind;

  if (path == NULL)
    return FALSE;
  /* projects, folders, and photos and videos by their names: no exports,
   * models or label files (which a save or open dialog may have added) */
  if (g_str_has_suffix (path, TF_PROJECT_SUFFIX))
    return TRUE;
  if (g_strcmp0 (mime, "inode/directory") == 0)
    return g_file_test (path, G_FILE_TEST_IS_DIR);
  return tf_media_kind_for_name (path, &kind);
}

static void
on_player_error_cb (TfVideoView *view,
                    const char  *message,
                    TfWindow    *self)
{
  const char *file = tf_video_view_get_file (view);
  const char *prefix = "Error from element ";   /* GtkMediaFile's, before a GStreamer path */

  if (file == NULL)
    return;
  /* the reader's words for the same file say more */
  if (g_strcmp0 (self->media_page, "error") == 0 && g_strcmp0 (self->error_file, file) == 0)
    return;
  if (g_str_has_prefix (message, prefix) && strstr (message, ": "))
    message = strstr (message, ": ") + 2;
  tf_window_show_file_error (self, file, message);
}

void
tf_window_errors_init (TfWindow *self)
{
  GtkWidget *button;

  self->error_page = adw_status_page_new ();
  gtk_widget_set_name (self->error_page, "error-page");
  adw_status_page_set_icon_name (ADW_STATUS_PAGE (self->error_page), "dialog-warning-symbolic");
  button = gtk_button_new_with_mnemonic (_("_Open Another File…"));
  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), "app.open");
  gtk_widget_set_halign (button, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (button, "pill");
  gtk_widget_add_css_class (button, "suggested-action");
  adw_status_page_set_child (ADW_STATUS_PAGE (self->error_page), button);
  gtk_stack_add_named (self->media_stack, self->error_page, "error");
  g_signal_connect (self->video_view, "player-error", G_CALLBACK (on_player_error_cb), self);
}

void
tf_window_errors_dispose (TfWindow *self)
{
  g_clear_pointer (&self->error_file, g_free);
}
