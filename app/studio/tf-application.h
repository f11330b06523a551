/* SPDX-License-Identifier: GPL-3.0-or-later */
/* TransFER Studio's application: one instance (com.example.TransFER), its
 * the app-wide actions and their accelerators. `transfer-studio
 * FILE...` opens those files in the active window. */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define TF_APPLICATION_ID "com.example.TransFER"

#define TF_TYPE_APPLICATION (tf_application_get_type ())
G_DECLARE_FINAL_TYPE (TfApplication, tf_application, TF, APPLICATION, AdwApplication)

typedef struct _TfWindow TfWindow;

TfApplication *tf_application_new          (void);
/* TRUE when the schema can be found (it is not when running from the build
 * folder without GSETTINGS_SCHEMA_DIR). */
gboolean       tf_application_has_schema   (void);
/* For --startup-time: when the process started (the time until the first
 * face is on screen is printed, then the application quits). */
void           tf_application_set_launch_time  (TfApplication *self,
                                                gint64         monotonic_us);
/* A new main window of @self. */
TfWindow      *tf_application_new_window   (TfApplication *self);
/* What main () returns after g_application_run: 1 when --camera-bench's
 * camera could not run, else 0. */
int            tf_application_get_exit_status (TfApplication *self);

G_END_DECLS
