/* SPDX-License-Identifier: GPL-3.0-or-later */
/* transfer-studio: the desktop application. */
#include <glib/gi18n.h>
#include <locale.h>

#include "tf-application.h"

/* Run from the build folder (not installed), the settings schema and the
 * translations are the build's own. */
static void
use_build_folder (void)
{
  g_autofree char *exe = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree char *schemas = g_build_filename (TF_BUILD_ROOT, "data", "gschemas.compiled", NULL);

  if (exe == NULL || !g_str_has_prefix (exe, TF_BUILD_ROOT "/") || !g_file_test (schemas, G_FILE_TEST_EXISTS))
    return;
  g_setenv ("GSETTINGS_SCHEMA_DIR", TF_BUILD_ROOT "/data", FALSE);
  g_setenv ("TRANSFER_LOCALEDIR", TF_BUILD_ROOT "/po", FALSE);
}

/* Without a GPU render node, GTK's GL renderer is Mesa's software one,
 * which redraws a live camera frame or a grid of faces several times more
 * slowly than GSK's cairo renderer on the same cores (6.8 against 16.9
 * camera updates a second here, README): use cairo there, unless the
 * person chose a renderer. */
static void
choose_renderer (void)
{
  g_autoptr(GDir) dri = NULL;
  const char *name;

  if (g_getenv ("GSK_RENDERER") != NULL)
    return;
  dri = g_dir_open ("/dev/dri", 0, NULL);
  while (dri != NULL && (name = g_dir_read_name (dri)) != NULL)
    if (g_str_has_prefix (name, "renderD"))
      return;
  g_setenv ("GSK_RENDERER", "cairo", TRUE);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(TfApplication) app = NULL;
  gint64 launch = g_get_monotonic_time ();
  const char *localedir;
  int status;

  use_build_folder ();
  choose_renderer ();
  localedir = g_getenv ("TRANSFER_LOCALEDIR");
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, localedir && *localedir ? localedir : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  if (!tf_application_has_schema ())
    {
      g_printerr ("transfer-studio: the settings schema %s is not installed "
                  "(set GSETTINGS_SCHEMA_DIR to a folder holding it compiled)\n", TF_APPLICATION_ID);
      return 1;
    }
  app = tf_application_new ();
  tf_application_set_launch_time (app, launch);
  status = g_application_run (G_APPLICATION (app), argc, argv);
  return status != 0 ? status : tf_application_get_exit_status (app);
}
