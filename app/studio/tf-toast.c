/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <glib/gi18n.h>
#include <string.h>

#include "tf-toast.h"

/* the first words of @text that fit, and "…" */
static char *
shorten (const char *text)
{
  const char *end = g_utf8_offset_to_pointer (text, TF_TOAST_MAX_CHARS - 10);
  const char *space = NULL;

  for (const char *p = text; p < end; p = g_utf8_next_char (p))
    if (*p == ' ')
      space = p;
  if (space && space - text > (end - text) / 2)
    end = space;
  /* no colon, comma or full stop left before the ellipsis */
  while (end > text && (end[-1] == ':' || end[-1] == ',' || end[-1] == '.' || end[-1] == ' '))
    end--;
  return g_strdup_printf ("%.*s…", (int) (end - text), text);
}

static void
on_details_cb (AdwToast  *toast,
               GtkWidget *owner)
{
  GtkRoot *root = gtk_widget_get_root (owner);
  const char *text = g_object_get_data (G_OBJECT (toast), "tf-text");
  AdwMessageDialog *dialog;

  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                                       _("Details"), text));
  adw_message_dialog_add_response (dialog, "close", _("_Close"));
  adw_message_dialog_set_default_response (dialog, "close");
  adw_message_dialog_set_close_response (dialog, "close");
  gtk_window_present (GTK_WINDOW (dialog));
}

AdwToast *
tf_toast_new (GtkWidget  *owner,
              const char *text)
{
  g_autofree char *shown = NULL;
  g_autofree char *markup = NULL;
  AdwToast *toast;

  g_return_val_if_fail (GTK_IS_WIDGET (owner), NULL);
  g_return_val_if_fail (text != NULL, NULL);

  if (!g_utf8_validate (text, -1, NULL))
    text = _("(a message that is not valid text)");
  if (g_utf8_strlen (text, -1) <= TF_TOAST_MAX_CHARS)
    shown = g_strdup (text);
  else
    shown = shorten (text);
  /* a toast's title is markup: a file named "a & b.jpg" stays as it is */
  markup = g_markup_escape_text (shown, -1);
  toast = adw_toast_new (markup);
  if (strcmp (shown, text) != 0)
    {
      g_object_set_data_full (G_OBJECT (toast), "tf-text", g_strdup (text), g_free);
      adw_toast_set_button_label (toast, _("_Details"));
      g_signal_connect_object (toast, "button-clicked", G_CALLBACK (on_details_cb), owner, 0);
      /* time to read it and choose */
      adw_toast_set_timeout (toast, 10);
    }
  return toast;
}
