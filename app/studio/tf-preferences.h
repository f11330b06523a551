/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The preferences: the expression model, the analysis options and how
 * attention is drawn, all kept in GSettings and applied as they change. */
#pragma once

#include <adwaita.h>

#include "tf-session.h"

G_BEGIN_DECLS

#define TF_TYPE_PREFERENCES (tf_preferences_get_type ())
G_DECLARE_FINAL_TYPE (TfPreferences, tf_preferences, TF, PREFERENCES, AdwPreferencesWindow)

/* For @window: its session loads the chosen model. */
/* The preferences, over @parent; a model chosen there is loaded into
 * @session (the parent window's). */
TfPreferences *tf_preferences_new (GtkWindow *parent,
                                   TfSession *session);

G_END_DECLS
