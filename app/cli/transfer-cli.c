/* SPDX-License-Identifier: GPL-3.0-or-later */
/* transfer-cli: batch work with TransFER models from the command line.
 * The subcommands and their output are a contract other tools rely on;
 * each lives in its own tf-cli-COMMAND.c. */
#include <errno.h>
#include <glib.h>
#include <locale.h>
#include <stdio.h>

#include "tf-cli.h"

static const struct
{
  const char   *name;
  TfCliCommand  run;
  const char   *summary;
} commands[] = {
  { "init",      tf_cli_init,      "write a randomly initialised model file" },
  { "predict",   tf_cli_predict,   "find the faces in pictures and predict their expressions" },
  { "analyze",   tf_cli_analyze,   "the same over folders and videos, as CSV or JSON Lines rows" },
  { "train",     tf_cli_train,     "train a model, or fine-tune one with every flag yours" },
  { "finetune",  tf_cli_finetune,  "fine-tune a model on labelled faces without forgetting, measured before and after" },
  { "eval",      tf_cli_eval,      "accuracy, recall and confusion on a labelled set" },
  { "calibrate", tf_cli_calibrate, "fit the probabilities' temperature on a labelled set" },
  { "detect",    tf_cli_detect,    "find faces and their landmarks, as JSON lines" },
  { "project",   tf_cli_project,   "labelling projects: new, import, export, stats, check, copy" },
  { "bench",     tf_cli_bench,     "time inference (or, with --train, training), per stage" },
};

static void
print_usage (void)
{
  g_autoptr(GString) s = g_string_new ("Usage: transfer-cli COMMAND [OPTION...]\n\nCommands:\n");

  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    g_string_append_printf (s, "  %-9s %s\n", commands[i].name, commands[i].summary);
  g_string_append (s, "\nRun 'transfer-cli COMMAND --help' for a command's options.\n");
  g_printerr ("%s", s->str);
}

int
main (int    argc,
      char **argv)
{
  setlocale (LC_ALL, "");
  /* a file being written is removed when the run is interrupted */
  tf_atomic_file_install_signal_cleanup ();

  if (argc < 2)
    {
      print_usage ();
      return 2;
    }
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    if (g_str_equal (argv[1], commands[i].name))
      {
        int status = commands[i].run (argc - 1, argv + 1);

        /* what a command printed must have arrived: a full disk or a closed
         * pipe behind stdout is a failure, not success */
        errno = 0;
        if ((fflush (stdout) != 0 || ferror (stdout)) && status == 0)
          {
            g_printerr ("transfer-cli: cannot write the standard output: %s\n",
                        g_strerror (errno ? errno : EIO));
            status = 1;
          }
        return status;
      }
  if (g_str_equal (argv[1], "--help") || g_str_equal (argv[1], "-h") || g_str_equal (argv[1], "help"))
    {
      print_usage ();
      return 0;
    }
  g_printerr ("transfer-cli: unknown command '%s'\n", argv[1]);
  print_usage ();
  return 2;
}
