/* SPDX-License-Identifier: GPL-3.0-or-later */
/* transfer-cli analyze and bench --analyze: photos, folders and videos
 * through the face pipeline. */
#include <errno.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>
#include <sys/resource.h>
#include <unistd.h>

#include "tf-align.h"
#include "tf-analyze.h"
#include "tf-cli.h"
#include "tf-export.h"
#include "tf-ops.h"

/* ---- analyze -------------------------------------------------------------- */

typedef struct
{
  TfModel       *model;
  TfExportFormat format;
  TfCliOutput   *out;      /* NULL: rows are not kept (bench) */
  GString       *buf;
  gboolean       tty, quiet;
  gint64         start_us, last_us;
  int            failed;
  gint64         frames, faces;
} Analyze;

static void
analyze_face (const TfFaceResult *r,
              gpointer            data)
{
  Analyze *a = data;
  TfExportRow row = {
    .file = r->file, .frame = r->frame, .time_s = r->time_s, .face = r->face, .det = r->det,
    .probs = r->probs, .predicted = r->predicted, .label = NULL, .track = r->track,
  };

  if (a->out == NULL)
    return;
  tf_export_row (a->buf, a->format, (const char * const *) a->model->classes, a->model->config.num_classes, &row);
  if (a->buf->len > 1 << 16)
    {
      tf_cli_output_write (a->out, a->buf->str, a->buf->len);
      g_string_truncate (a->buf, 0);
    }
}

static void
analyze_progress (const TfAnalyzeProgress *p,
                  gpointer                 data)
{
  Analyze *a = data;
  gint64 now = g_get_monotonic_time ();
  double elapsed = (now - a->start_us) / 1e6;
  g_autofree char *name = NULL;

  a->frames = p->frames_done;
  a->faces = p->faces_done;
  /* a line a second (a tty gets one line rewritten five times a second) */
  if (a->quiet || now - a->last_us < (a->tty ? 200000 : 1000000))
    return;
  a->last_us = now;
  name = g_filename_display_basename (p->file);
  if (p->duration > 0)
    g_printerr ("analyze: [%d/%d] %s %.1f/%.1f s, %" G_GINT64_FORMAT " frames, %" G_GINT64_FORMAT
                " faces, %.1f frames/s%s", p->file_index + 1, p->n_files, name, p->time_s, p->duration,
                p->frames_done, p->faces_done, p->frames_done / MAX (elapsed, 1e-3), a->tty ? "   \r" : "\n");
  else
    g_printerr ("analyze: [%d/%d] %s, %" G_GINT64_FORMAT " frames, %" G_GINT64_FORMAT " faces, %.1f frames/s%s",
                p->file_index + 1, p->n_files, name, p->frames_done, p->faces_done,
                p->frames_done / MAX (elapsed, 1e-3), a->tty ? "   \r" : "\n");
}

static void
analyze_file_done (const char   *file,
                   int           file_index,
                   gint64        frames,
                   gint64        faces,
                   const GError *error,
                   gpointer      data)
{
  Analyze *a = data;
  g_autofree char *display = g_filename_display_name (file);

  (void) file_index;
  if (error)
    {
      a->failed++;
      /* the message names the file */
      g_printerr ("%stransfer-cli: %s%s\n", a->tty ? "\n" : "", error->message,
                  frames > 0 ? " (the frames before it were analysed)" : "");
    }
  else if (faces == 0 && !a->quiet)
    g_printerr ("%stransfer-cli: %s: no face found in %" G_GINT64_FORMAT " frame%s\n", a->tty ? "\n" : "",
                display, frames, frames == 1 ? "" : "s");
}

static const TfAnalyzeCallbacks analyze_callbacks = {
  .face = analyze_face,
  .progress = analyze_progress,
  .file_done = analyze_file_done,
};

/* The model, the detector, and an analyzer over them set up from @p. */
static gboolean
pipeline_load (const TfCliPipeline  *p,
                TfModel        **model,
                TfDetector     **detector,
                TfAnalyzer     **analyzer,
                GError         **error)
{
  TfAnalyzeOptions options;

  if (!tf_cli_load_pipeline (p->shared.model, p->shared.detector, model, detector, error))
    return FALSE;
  tf_cli_pipeline_options (p, &options);
  return (*analyzer = tf_analyzer_new (*model, *detector, &options, error)) != NULL;
}

/* The input that @out_path names (the same file, by device and inode), or
 * NULL. */
static const char *
output_is_input (const char  *out_path,
                 char       **inputs,
                 int          n_inputs)
{
  GStatBuf out, in;

  if (g_stat (out_path, &out) != 0)
    return NULL;
  for (int i = 0; i < n_inputs; i++)
    if (g_stat (inputs[i], &in) == 0 && in.st_dev == out.st_dev && in.st_ino == out.st_ino)
      return inputs[i];
  return NULL;
}

int
tf_cli_analyze (int    argc,
                char **argv)
{
  g_auto(TfCliPipeline) p = { 0 };
  g_autofree char *format_name = NULL, *out_path = NULL, *shard = NULL, *bad_shard = NULL;
  gboolean quiet = FALSE;
  GOptionEntry entries[] = {
    { "format", 0, 0, G_OPTION_ARG_STRING, &format_name, "csv (default) or jsonl", "FORMAT" },
    { "out", 0, 0, G_OPTION_ARG_FILENAME, &out_path, "Write the rows to FILE (default: standard output)", "FILE" },
    { "shard", 0, 0, G_OPTION_ARG_STRING, &shard, TF_CLI_SHARD_HELP, "I/N" },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, "No progress on standard error", NULL },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new ("PATH... - detect faces and predict expressions in photos, "
                                                        "folders and videos");
  g_autoptr(GError) error = NULL;
  g_autoptr(TfModel) model = NULL;
  g_autoptr(TfDetector) detector = NULL;
  g_autoptr(TfAnalyzer) analyzer = NULL;
  g_autoptr(GPtrArray) files = NULL;
  g_autoptr(GString) buf = g_string_new (NULL);
  TfCliOutput out;
  Analyze a = { 0 };
  const char *bad;
  gboolean ok;
  double seconds;
  int shard_index, shard_count;
  guint n_all;

  tf_cli_pipeline_add (ctx, &p);
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    return tf_cli_usage_error (ctx, error->message);
  if (argc < 2)
    return tf_cli_usage_error (ctx, "analyze needs at least one file or folder");
  if ((bad = tf_cli_pipeline_check (&p)) != NULL)
    return tf_cli_usage_error (ctx, bad);
  a.format = TF_EXPORT_CSV;
  if (format_name && !tf_export_parse_format (format_name, &a.format))
    return tf_cli_usage_error (ctx, "--format must be csv or jsonl");
  if ((bad_shard = tf_cli_shard_parse (shard, &shard_index, &shard_count)))
    return tf_cli_usage_error (ctx, bad_shard);

  if (!pipeline_load (&p, &model, &detector, &analyzer, &error))
    {
      g_printerr ("transfer-cli: %s\n", error->message);
      return 1;
    }
  if (out_path && (bad = output_is_input (out_path, argv + 1, argc - 1)))
    {
      g_printerr ("transfer-cli: --out %s is one of the inputs: it would be overwritten\n", bad);
      return 2;
    }
  /* a file is written beside its target and renamed at the end: a failed or
   * interrupted run leaves the previous file as it was */
  if (!tf_cli_output_open (&out, out_path, &error))
    {
      g_printerr ("transfer-cli: %s\n", error->message);
      return 1;
    }
  a.out = &out;

  a.model = model;
  a.buf = buf;
  a.quiet = quiet;
  a.tty = isatty (STDERR_FILENO);
  a.start_us = a.last_us = g_get_monotonic_time ();
  files = tf_analyze_expand_shard ((const char * const *) argv + 1, argc - 1, shard_index, shard_count, &n_all);
  if (n_all == 0)
    g_printerr ("transfer-cli: no pictures or videos in %s\n", argv[1]);
  else if (files->len == 0 && !quiet)
    g_printerr ("transfer-cli: shard %d/%d holds none of the %u file%s: its output has no rows\n", shard_index,
                shard_count, n_all, n_all == 1 ? "" : "s");
  tf_export_header (buf, a.format, (const char * const *) model->classes, model->config.num_classes);
  ok = tf_analyzer_run (analyzer, (const char * const *) files->pdata, (int) files->len, &analyze_callbacks,
                        &a, NULL, &error);
  tf_cli_output_write (&out, buf->str, buf->len);
  seconds = (g_get_monotonic_time () - a.start_us) / 1e6;
  if (!quiet)
    g_printerr ("%sanalyze: %u file%s (%d could not be read), %" G_GINT64_FORMAT " frames, %" G_GINT64_FORMAT
                " faces in %.1f s (%.1f frames/s)\n", a.tty ? "\n" : "", files->len, files->len == 1 ? "" : "s",
                a.failed, a.frames, a.faces, seconds, a.frames / MAX (seconds, 1e-3));
  {
    g_autoptr(GError) write_error = NULL;
    if (!tf_cli_output_close (&out, &write_error))
      {
        g_printerr ("transfer-cli: %s\n", write_error->message);
        return 1;
      }
  }
  if (!ok)
    {
      g_printerr ("transfer-cli: %s\n", error->message);
      return 1;
    }
  return a.failed ? 1 : 0;
}

/* ---- bench --analyze -------------------------------------------------------- */

int
tf_cli_bench_analyze (int    argc,
                      char **argv)
{
  g_auto(TfCliPipeline) p = { 0 };
  gboolean analyze = FALSE;
  GOptionEntry entries[] = {
    { "analyze", 0, 0, G_OPTION_ARG_NONE, &analyze, "Time the whole face pipeline on media files", NULL },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new ("--analyze FILE... - time decoding, detection, "
                                                        "alignment and recognition end to end");
  g_autoptr(GError) error = NULL;
  g_autoptr(TfModel) model = NULL;
  g_autoptr(TfDetector) detector = NULL;
  g_autoptr(TfAnalyzer) analyzer = NULL;
  g_autoptr(GPtrArray) files = NULL;
  /* rows are not written; progress counts frames and faces */
  TfAnalyzeCallbacks cb = { .progress = analyze_progress, .file_done = analyze_file_done };
  Analyze a = { .quiet = TRUE };
  struct rusage r0, r1;
  const char *bad;
  double seconds, cpu, rss_before;
  gint64 t0;

  tf_cli_pipeline_add (ctx, &p);
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    return tf_cli_usage_error (ctx, error->message);
  if (argc < 2)
    return tf_cli_usage_error (ctx, "bench --analyze needs at least one file");
  if ((bad = tf_cli_pipeline_check (&p)) != NULL)
    return tf_cli_usage_error (ctx, bad);
  rss_before = tf_cli_peak_rss_mb ();
  if (!pipeline_load (&p, &model, &detector, &analyzer, &error))
    {
      g_printerr ("transfer-cli: %s\n", error->message);
      return 1;
    }
  files = tf_analyze_expand_paths ((const char * const *) argv + 1, argc - 1);

  getrusage (RUSAGE_SELF, &r0);
  t0 = g_get_monotonic_time ();
  if (!tf_analyzer_run (analyzer, (const char * const *) files->pdata, (int) files->len, &cb, &a, NULL, &error))
    {
      g_printerr ("transfer-cli: %s\n", error->message);
      return 1;
    }
  seconds = (g_get_monotonic_time () - t0) / 1e6;
  getrusage (RUSAGE_SELF, &r1);
  cpu = (r1.ru_utime.tv_sec - r0.ru_utime.tv_sec) + (r1.ru_utime.tv_usec - r0.ru_utime.tv_usec) / 1e6 +
        (r1.ru_stime.tv_sec - r0.ru_stime.tv_sec) + (r1.ru_stime.tv_usec - r0.ru_stime.tv_usec) / 1e6;
  printf ("files=%u failed=%d frames=%" G_GINT64_FORMAT " faces=%" G_GINT64_FORMAT "\n", files->len, a.failed,
          a.frames, a.faces);
  printf ("threads=%d batch=%d every=%d fps=%g detect_every=%d\n", p.shared.threads, p.batch, p.every, p.fps,
          p.detect_every);
  printf ("seconds=%.2f frames_per_s=%.2f cpu_ms_per_frame=%.2f\n", seconds, a.frames / MAX (seconds, 1e-9),
          1e3 * cpu / MAX (a.frames, 1));
  printf ("peak_rss_mb=%.1f rss_before_load_mb=%.1f\n", tf_cli_peak_rss_mb (), rss_before);
  return a.failed ? 1 : 0;
}
