/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What the commands of transfer-cli share: usage errors, the shared
 * options, measurements for the benchmarks. */
#include <errno.h>
#include <stdio.h>
#include <sys/resource.h>

#include "tf-cli.h"
#include "tf-datafiles.h"
#include "tf-error.h"

/* Linux reports the peak resident set in KiB. */
double
tf_cli_peak_rss_mb (void)
{
  struct rusage ru;

  getrusage (RUSAGE_SELF, &ru);
  return ru.ru_maxrss / 1024.0;
}

int
tf_cli_usage_error (GOptionContext *ctx,
                    const char     *message)
{
  g_autofree char *help = g_option_context_get_help (ctx, TRUE, NULL);

  g_printerr ("transfer-cli: %s\n\n%s", message, help);
  return 2;
}

int
tf_cli_fail (GError *error)
{
  g_printerr ("transfer-cli: %s\n", error->message);
  g_error_free (error);
  return 1;
}

/* ---- shared options -------------------------------------------------------- */

void
tf_cli_shared_add (GOptionContext   *ctx,
                   TfCliShared      *shared,
                   TfCliOptionFlags  which)
{
  const GOptionEntry all[] = {
    { "model", 0, 0, G_OPTION_ARG_FILENAME, &shared->model, "Model file (default: the shipped FER+ model)", "FILE" },
    { "detector", 0, 0, G_OPTION_ARG_FILENAME, &shared->detector, "Face detector (default: the shipped YuNet)", "FILE" },
    { "threshold", 0, 0, G_OPTION_ARG_DOUBLE, &shared->threshold,
      "Detector score threshold, 0..1 (default " G_STRINGIFY (TF_DETECT_DEFAULT_THRESHOLD) ")", "T" },
    { "threads", 0, 0, G_OPTION_ARG_INT, &shared->threads, "Threads (default: all cores)", "T" },
  };
  GOptionEntry entries[G_N_ELEMENTS (all) + 1];
  guint n = 0;

  shared->model = NULL;
  shared->detector = NULL;
  shared->threshold = TF_DETECT_DEFAULT_THRESHOLD;
  shared->threads = (int) g_get_num_processors ();
  for (guint i = 0; i < G_N_ELEMENTS (all); i++)
    if (which & (1u << i))
      entries[n++] = all[i];
  entries[n] = (GOptionEntry) G_OPTION_ENTRY_NULL;
  g_option_context_add_main_entries (ctx, entries, NULL);
}

const char *
tf_cli_shared_check (const TfCliShared *shared)
{
  if (!(shared->threshold >= 0 && shared->threshold <= 1))
    return "--threshold must lie within 0..1";
  if (shared->threads < 1 || shared->threads > 256)
    return "--threads must lie in 1..256";
  if ((guint) shared->threads > g_get_num_processors ())
    g_printerr ("transfer-cli: warning: --threads %d is more than the %u cores here; it will be slower, "
                "not faster\n", shared->threads, g_get_num_processors ());
  return NULL;
}

void
tf_cli_shared_clear (TfCliShared *shared)
{
  g_clear_pointer (&shared->model, g_free);
  g_clear_pointer (&shared->detector, g_free);
}

/* ---- --shard ---------------------------------------------------------------- */

char *
tf_cli_shard_parse (const char *text,
                    int        *index,
                    int        *count)
{
  g_auto(GStrv) parts = NULL;
  guint64 i = 0, n = 0;

  *index = *count = 1;
  if (text == NULL)
    return NULL;
  parts = g_strsplit (text, "/", -1);
  /* digits only: no sign, no space, no 0x */
  if (g_strv_length (parts) != 2 || parts[0][0] < '0' || parts[0][0] > '9' || parts[1][0] < '0' ||
      parts[1][0] > '9' || !g_ascii_string_to_unsigned (parts[0], 10, 0, G_MAXINT, &i, NULL) ||
      !g_ascii_string_to_unsigned (parts[1], 10, 0, G_MAXINT, &n, NULL))
    return g_strdup_printf ("--shard %s: give I/N, two whole numbers such as 2/3", text);
  if (n < 1 || n > TF_ANALYZE_MAX_SHARDS)
    return g_strdup_printf ("--shard %s: N, the number of shards, must lie in 1..%d", text, TF_ANALYZE_MAX_SHARDS);
  if (i < 1 || i > n)
    return g_strdup_printf ("--shard %s: I counts from 1 and must lie in 1..%" G_GUINT64_FORMAT
                            " (the shards of %" G_GUINT64_FORMAT " are 1/%" G_GUINT64_FORMAT "..%" G_GUINT64_FORMAT
                            "/%" G_GUINT64_FORMAT ")", text, n, n, n, n, n);
  *index = (int) i;
  *count = (int) n;
  return NULL;
}

/* ---- the models ------------------------------------------------------------ */

gboolean
tf_cli_load_pipeline (const char  *model_path,
                      const char  *detector_path,
                      TfModel    **model,
                      TfDetector **detector,
                      GError     **error)
{
  g_autofree char *mp = model_path ? g_strdup (model_path) : tf_data_find (TF_DATA_MODEL);
  g_autofree char *dp = detector_path ? g_strdup (detector_path) : tf_data_find (TF_DATA_DETECTOR);

  if (mp == NULL || dp == NULL)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_IO, "the shipped %s is not installed: give --%s",
                   mp == NULL ? "expression model" : "face detector", mp == NULL ? "model" : "detector");
      return FALSE;
    }
  if (!(*model = tf_model_load (mp, error)))
    return FALSE;
  if (!(*detector = tf_detector_load (dp, error)))
    {
      g_clear_pointer (model, tf_model_free);
      return FALSE;
    }
  return TRUE;
}

/* ---- output ---------------------------------------------------------------- */

gboolean
tf_cli_output_open (TfCliOutput  *out,
                    const char   *path,
                    GError      **error)
{
  out->file = NULL;
  out->failed = 0;
  if (path == NULL || g_str_equal (path, "-"))
    return TRUE;
  return (out->file = tf_atomic_file_new (path, error)) != NULL;
}

void
tf_cli_output_write (TfCliOutput *out,
                     const char  *data,
                     gsize        len)
{
  if (out->file)
    (void) tf_atomic_file_write (out->file, data, len, NULL);   /* sticky: commit reports it */
  else if (out->failed == 0 && len > 0 && fwrite (data, 1, len, stdout) != len)
    out->failed = errno ? errno : EIO;
}

gboolean
tf_cli_output_close (TfCliOutput  *out,
                     GError      **error)
{
  gboolean ok;

  if (out->file)
    {
      ok = tf_atomic_file_commit (out->file, error);
      g_clear_pointer (&out->file, tf_atomic_file_free);
      return ok;
    }
  if (out->failed == 0 && (fflush (stdout) != 0 || ferror (stdout)))
    out->failed = errno ? errno : EIO;
  if (out->failed)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_IO, "cannot write the standard output: %s", g_strerror (out->failed));
      return FALSE;
    }
  return TRUE;
}

/* ---- the face pipeline's options ---------------------------------------------- */

void
tf_cli_pipeline_clear (TfCliPipeline *p)
{
  tf_cli_shared_clear (&p->shared);
}

void
tf_cli_pipeline_add (GOptionContext *ctx,
                     TfCliPipeline  *p)
{
  GOptionEntry entries[] = {
    { "every", 0, 0, G_OPTION_ARG_INT, &p->every, "Analyse every Nth video frame (default 1)", "N" },
    { "fps", 0, 0, G_OPTION_ARG_DOUBLE, &p->fps, "Or analyse about F frames per second of video", "F" },
    { "detect-every", 0, 0, G_OPTION_ARG_INT, &p->detect_every,
      "Detect on the whole frame every Nth analysed frame, following faces in between (default 1)", "N" },
    { "batch", 0, 0, G_OPTION_ARG_INT, &p->batch, "Faces per forward pass (default 8)", "N" },
    { "flip", 0, 0, G_OPTION_ARG_NONE, &p->flip, TF_CLI_FLIP_HELP, NULL },
    G_OPTION_ENTRY_NULL
  };

  p->every = 1;
  p->detect_every = 1;
  p->batch = 8;
  tf_cli_shared_add (ctx, &p->shared, TF_CLI_OPTION_MODEL | TF_CLI_OPTION_DETECTOR | TF_CLI_OPTION_THRESHOLD |
                                      TF_CLI_OPTION_THREADS);
  g_option_context_add_main_entries (ctx, entries, NULL);
}

const char *
tf_cli_pipeline_check (const TfCliPipeline *p)
{
  if (p->every < 1 || p->every > TF_CLI_MAX_EVERY || p->detect_every < 1 || p->detect_every > TF_CLI_MAX_EVERY)
    return "--every and --detect-every must lie in 1.." G_STRINGIFY (TF_CLI_MAX_EVERY);
  if (!(p->fps >= 0 && p->fps <= TF_CLI_MAX_FPS))
    return "--fps must lie in 0.." G_STRINGIFY (TF_CLI_MAX_FPS) " (0: use --every)";
  if (p->batch < 1 || p->batch > 256)
    return "--batch must lie in 1..256";
  return tf_cli_shared_check (&p->shared);
}

void
tf_cli_pipeline_options (const TfCliPipeline *p,
                         TfAnalyzeOptions    *o)
{
  tf_analyze_options_init (o);
  o->media.every = p->every;
  o->media.fps = p->fps;
  o->detect_every = p->detect_every;
  o->batch = p->batch;
  o->mirror = p->flip;
  o->score = (float) p->shared.threshold;
  /* the decoder and the detector share a core with the engine's second thread */
  o->threads = p->shared.threads;
  o->detect_threads = 1;
}

char *
tf_cli_command_line (const char *command,
                     int         argc,
                     char      **argv)
{
  GString *cmd = g_string_new ("transfer-cli ");

  g_string_append (cmd, command);
  for (int i = 1; i < argc; i++)
    {
      g_autofree char *q = g_shell_quote (argv[i]);
      g_string_append_printf (cmd, " %s", q);
    }
  return g_string_free (cmd, FALSE);
}
