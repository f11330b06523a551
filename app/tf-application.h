/* SPDX-License-Identifier: GPL-3.0-or-later */
/* TransFER Studio's application: one instance (com.example.TransFER), its
 * settings, the app-wide actions and their accelerators. `transfer-studio
 * FILE...` opens those files in the active window. */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define TF_APPLICATION_ID "com.example.TransFER"

#define TF_TYPE_APPLICATION (tf_application_get_type ())
G_DECLARE_FINAL_TYPE (TfApplication, tf_application, TF, APPLICATION, AdwApplication)

TfApplication *tf_application_new          (void);
/* The application's settings (schema com.example.TransFER). */
GSettings     *tf_application_get_settings (TfApplication *self);

/* The bundled sample photo: the installed copy, else the source tree's
 * (running from the build folder); NULL when neither exists. */
char          *tf_application_find_sample  (void);
/* TRUE when the schema can be found (it is not when running from the build
 * folder without GSETTINGS_SCHEMA_DIR). */
gboolean       tf_application_has_schema   (void);
/* For --startup-time: when the process started, and the window's word that
 * the first face is on screen (then the time is printed and the app quits). */
void           tf_application_set_launch_time  (TfApplication *self,
                                                gint64         monotonic_us);
void           tf_application_first_face_shown (TfApplication *self,
                                                GtkWidget     *window);

G_END_DECLS
