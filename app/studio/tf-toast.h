/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Toasts that never cut a message off: a text longer than a toast shows is
 * shortened to its beginning, with a Details button that shows the whole
 * of it in a dialog. */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

/* the longest text a toast shows whole, in characters */
#define TF_TOAST_MAX_CHARS 60

/* A toast of @text (plain text, not markup). When @text is longer than
 * TF_TOAST_MAX_CHARS the toast says its first words and "…", and its
 * Details button opens a dialog with the whole text over @owner's window
 * (nothing once @owner is gone). */
AdwToast *tf_toast_new (GtkWidget  *owner,
                        const char *text);

G_END_DECLS
