/* SPDX-License-Identifier: GPL-3.0-or-later */
/* transfer-cli project: labelling projects (app/media/tf-project.h).
 *   project new P.tfproj [--every N | --fps F] [--crops] [--shard I/N] PATH...
 *   project import P.tfproj --labels FILE.csv | --folders DIR [--annotator NAME]
 *   project export P.tfproj [--format csv|jsonl|folders] [--labelled-only] --out PATH
 *   project stats P.tfproj [--format text|json]
 *   project check P.tfproj [--relink DIR]
 *   project copy SRC.tfproj DEST.tfproj
 *   project merge OUT.tfproj A.tfproj B.tfproj...
 * and bench --project P.tfproj [--labels N]. */
#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>
#include <unistd.h>

#include "tf-cli.h"
#include "tf-datafiles.h"
#include "tf-export.h"
#include "tf-json.h"
#include "tf-project-analyze.h"

static gboolean
is_project_name (const char *path)
{
  return g_str_has_suffix (path, TF_PROJECT_SUFFIX) && strlen (path) > strlen (TF_PROJECT_SUFFIX);
}

/* ---- new -------------------------------------------------------------------------- */

typedef struct
{
  gboolean tty, quiet;
  int      failed;
  gint64   files, faces;
} New;

static void
new_file_done (const char   *file,
               int           file_index,
               gint64        frames,
               gint64        faces,
               const GError *error,
               gpointer      data)
{
  New *n = data;
  g_autofree char *display = g_filename_display_name (file);

  (void) file_index;
  n->files++;
  n->faces += faces;
  if (error)
    {
      n->failed++;
      /* the message names the file */
      g_printerr ("transfer-cli: %s%s\n", error->message, frames > 0 ? " (the frames before it were stored)" : "");
    }
  else if (!n->quiet)
    g_printerr ("project: %s: %" G_GINT64_FORMAT " face%s in %" G_GINT64_FORMAT " frame%s\n", display, faces,
                faces == 1 ? "" : "s", frames, frames == 1 ? "" : "s");
}

/* The inputs of shard @index of @count with folders expanded and each file
 * once. */
static GPtrArray *
unique_files (char **paths,
              int    n_paths,
              int    index,
              int    count,
              guint *n_all)
{
  g_autoptr(GPtrArray) all = tf_analyze_expand_shard ((const char * const *) paths, n_paths, index, count, n_all);
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < all->len; i++)
    if (g_hash_table_add (seen, g_canonicalize_filename (all->pdata[i], NULL)))
      g_ptr_array_add (out, g_strdup (all->pdata[i]));
  return out;
}

static int
project_new (int    argc,
             char **argv)
{
  g_auto(TfCliPipeline) pipe = { 0 };
  TfCliShared *shared = &pipe.shared;
  gboolean crops = FALSE, quiet = FALSE;
  g_autofree char *shard = NULL, *bad_shard = NULL;
  GOptionEntry entries[] = {
    { "crops", 0, 0, G_OPTION_ARG_NONE, &crops, "The pictures are face crops: the whole picture is the face", NULL },
    { "shard", 0, 0, G_OPTION_ARG_STRING, &shard, TF_CLI_SHARD_HELP " (shard projects combine with project merge)",
      "I/N" },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, "No progress on standard error", NULL },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new ("P.tfproj PATH... - a new project of the faces in pictures, "
                                                        "folders and videos");
  g_autoptr(GError) error = NULL;
  g_autoptr(TfModel) model = NULL;
  g_autoptr(TfDetector) detector = NULL;
  g_autoptr(TfProject) project = NULL;
  g_autoptr(GPtrArray) files = NULL;
  g_autofree char *model_file = NULL, *detector_file = NULL;
  TfAnalyzeCallbacks cb = { .file_done = new_file_done };
  TfProjectAnalyzeOptions o;
  New n = { 0 };
  const char *bad;
  gint64 run = 0;
  gboolean ok;
  int shard_index, shard_count;
  guint n_all;

  tf_cli_pipeline_add (ctx, &pipe);
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    return tf_cli_usage_error (ctx, error->message);
  if (argc < 3)
    return tf_cli_usage_error (ctx, "project new needs the project file and at least one file or folder");
  if (!is_project_name (argv[1]))
    return tf_cli_usage_error (ctx, "the project file's name must end in " TF_PROJECT_SUFFIX);
  if ((bad = tf_cli_pipeline_check (&pipe)))
    return tf_cli_usage_error (ctx, bad);
  if ((bad_shard = tf_cli_shard_parse (shard, &shard_index, &shard_count)))
    return tf_cli_usage_error (ctx, bad_shard);
  if (g_file_test (argv[1], G_FILE_TEST_EXISTS))
    {
      g_printerr ("transfer-cli: %s already exists: a new project needs a new name\n", argv[1]);
      return 1;
    }

  model_file = shared->model ? g_strdup (shared->model) : tf_data_find (TF_DATA_MODEL);
  detector_file = shared->detector ? g_strdup (shared->detector) : tf_data_find (TF_DATA_DETECTOR);
  if (crops)
    {
      if (model_file == NULL)
        return tf_cli_usage_error (ctx, "no --model given and the shipped model is not installed");
      if (!(model = tf_model_load (model_file, &error)))
        return tf_cli_fail (g_steal_pointer (&error));
    }
  else if (!tf_cli_load_pipeline (shared->model, shared->detector, &model, &detector, &error))
    return tf_cli_fail (g_steal_pointer (&error));

  files = unique_files (argv + 2, argc - 2, shard_index, shard_count, &n_all);
  if (n_all == 0)
    {
      g_printerr ("transfer-cli: no pictures or videos in %s\n", argv[2]);
      return 1;
    }
  /* an empty shard is still a project, which merges with the others */
  if (files->len == 0 && !quiet)
    g_printerr ("transfer-cli: shard %d/%d holds none of the %u file%s: the project has no media\n", shard_index,
                shard_count, n_all, n_all == 1 ? "" : "s");
  if (!(project = tf_project_open (argv[1], TF_PROJECT_CREATE, &error)))
    return tf_cli_fail (g_steal_pointer (&error));

  tf_project_analyze_options_init (&o);
  tf_cli_pipeline_options (&pipe, &o.analyze);
  o.crops = crops;
  o.model_file = model_file;
  o.detector_file = crops ? NULL : detector_file;
  n.quiet = quiet;
  ok = tf_project_analyze (project, model, detector, &o, (const char * const *) files->pdata, (int) files->len, &cb,
                           &n, &run, NULL, &error);
  if (!quiet)
    g_printerr ("project: %" G_GINT64_FORMAT " file%s (%d could not be read), %" G_GINT64_FORMAT " faces, "
                "run %" G_GINT64_FORMAT ", in %s\n", n.files, n.files == 1 ? "" : "s", n.failed, n.faces, run,
                argv[1]);
  if (!ok)
    return tf_cli_fail (g_steal_pointer (&error));
  return n.failed ? 1 : 0;
}

/* ---- import ---------------------------------------------------------------------------- */

static int
project_import (int    argc,
                char **argv)
{
  g_autofree char *labels = NULL, *folders = NULL, *annotator = NULL;
  GOptionEntry entries[] = {
    { "labels", 0, 0, G_OPTION_ARG_FILENAME, &labels,
      "A CSV with file and label columns (and frame, face or track), e.g. analyze's rows", "FILE" },
    { "folders", 0, 0, G_OPTION_ARG_FILENAME, &folders, "Or a folder per class of pictures of the project", "DIR" },
    { "annotator", 0, 0, G_OPTION_ARG_STRING, &annotator, "Who gave these labels", "NAME" },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new ("P.tfproj - import labels, all or nothing");
  g_autoptr(GError) error = NULL;
  g_autoptr(TfProject) project = NULL;
  g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func (g_free);
  gint64 n = 0;
  gboolean ok;

  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    return tf_cli_usage_error (ctx, error->message);
  if (argc != 2)
    return tf_cli_usage_error (ctx, "project import needs one project file");
  if ((labels == NULL) == (folders == NULL))
    return tf_cli_usage_error (ctx, "give --labels or --folders");
  if (annotator && !*g_strstrip (annotator))
    return tf_cli_usage_error (ctx, "--annotator needs a name");
  if (!(project = tf_project_open (argv[1], TF_PROJECT_OPEN, &error)))
    return tf_cli_fail (g_steal_pointer (&error));
  /* the labels are someone's: the login's full name unless told */
  {
    g_autofree char *filed = tf_project_annotator_name (project, annotator ? annotator : g_get_real_name (), &error);

    if (filed == NULL)
      return tf_cli_fail (g_steal_pointer (&error));
    if (annotator && strcmp (filed, annotator) != 0)
      g_printerr ("transfer-cli: %s: the labels of \"%s\" are filed under the annotator \"%s\"\n", argv[1],
                  annotator, filed);
    g_free (annotator);
    annotator = g_steal_pointer (&filed);
  }
  if (labels)
    ok = tf_project_import_labels (project, labels, annotator, problems, &n, &error);
  else
    ok = tf_project_import_folders (project, folders, annotator, problems, &n, &error);
  for (guint i = 0; i < problems->len; i++)
    g_printerr ("transfer-cli: %s\n", (char *) problems->pdata[i]);
  if (!ok)
    return tf_cli_fail (g_steal_pointer (&error));
  printf ("imported %" G_GINT64_FORMAT " label%s into %s\n", n, n == 1 ? "" : "s", argv[1]);
  return 0;
}

/* ---- export ----------------------------------------------------------------------------- */

static int
project_export (int    argc,
                char **argv)
{
  g_autofree char *format_name = NULL, *out = NULL;
  gboolean labelled_only = FALSE;
  GOptionEntry entries[] = {
    { "format", 0, 0, G_OPTION_ARG_STRING, &format_name,
      "csv (default), jsonl, or folders (a training set: crops per class and labels.csv)", "FORMAT" },
    { "labelled-only", 0, 0, G_OPTION_ARG_NONE, &labelled_only, "Only the faces that have a label", NULL },
    { "out", 0, 0, G_OPTION_ARG_FILENAME, &out, "The file (or, for folders, the new folder) to write", "PATH" },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new ("P.tfproj - the faces, predictions and labels, or a "
                                                        "training set");
  g_autoptr(GError) error = NULL;
  g_autoptr(TfProject) project = NULL;
  TfProjectExportFormat format = TF_PROJECT_EXPORT_CSV;
  TfProjectFilter filter;
  gint64 n = 0;

  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    return tf_cli_usage_error (ctx, error->message);
  if (argc != 2 || out == NULL)
    return tf_cli_usage_error (ctx, "project export needs one project file and --out");
  if (format_name && !tf_project_parse_export_format (format_name, &format))
    return tf_cli_usage_error (ctx, "--format must be csv, jsonl or folders");
  if (!(project = tf_project_open (argv[1], TF_PROJECT_READ_ONLY, &error)))
    return tf_cli_fail (g_steal_pointer (&error));
  tf_project_filter_init (&filter);
  if (labelled_only)
    filter.labelled = TF_LABELLED_YES;
  if (!tf_project_export (project, format, &filter, out, &n, &error))
    return tf_cli_fail (g_steal_pointer (&error));
  g_printerr ("project: %" G_GINT64_FORMAT " face%s written to %s\n", n, n == 1 ? "" : "s", out);
  return 0;
}

/* ---- stats -------------------------------------------------------------------------------- */

static void
stats_json (GString              *s,
            const TfProjectStats *st)
{
  const int n = st->n_classes;

  g_string_append_printf (s, "{\"faces\":%" G_GINT64_FORMAT ",\"labelled\":%" G_GINT64_FORMAT
                          ",\"not_a_face\":%" G_GINT64_FORMAT ",\"unsure\":%" G_GINT64_FORMAT
                          ",\"run\":%" G_GINT64_FORMAT ",\"predicted\":%" G_GINT64_FORMAT ",\"classes\":[",
                          st->faces, st->labelled, st->not_faces, st->unsure, st->run, st->predicted);
  for (int k = 0; k < n; k++)
    {
      if (k)
        g_string_append_c (s, ',');
      tf_json_string (s, st->classes[k]);
    }
  for (int which = 0; which < 2; which++)
    {
      g_string_append (s, which ? "],\"predicted_counts\":[" : "],\"label_counts\":[");
      for (int k = 0; k < n; k++)
        g_string_append_printf (s, "%s%" G_GINT64_FORMAT, k ? "," : "",
                                which ? st->predicted_counts[k] : st->label_counts[k]);
    }
  g_string_append_printf (s, "],\"compared\":%" G_GINT64_FORMAT ",\"agreed\":%" G_GINT64_FORMAT
                          ",\"model_agreement\":", st->compared, st->agreed);
  if (st->compared > 0)
    tf_json_append_double (s, (double) st->agreed / (double) st->compared);
  else
    g_string_append (s, "null");
  g_string_append (s, ",\"confusion\":[");
  for (int a = 0; a < n; a++)
    {
      g_string_append (s, a ? ",[" : "[");
      for (int b = 0; b < n; b++)
        g_string_append_printf (s, "%s%" G_GINT64_FORMAT, b ? "," : "", st->confusion[a * n + b]);
      g_string_append_c (s, ']');
    }
  /* the annotators among themselves */
  g_string_append (s, "],\"agreement\":");
  tf_agreement_to_json (st->agreement, s);
  g_string_append (s, "}\n");
}

/* A statistic that may be undefined (NaN): "-" then. */
static void
append_stat (GString    *s,
             const char *format,
             double      value)
{
  if (isnan (value))
    g_string_append (s, "-");
  else
    g_string_append_printf (s, format, value);
}

/* How far the annotators agree (tf-agreement.h). */
static void
stats_text_annotators (GString              *s,
                       const TfProjectStats *st)
{
  const TfAgreement *ag = st->agreement;
  int width = 9;

  g_string_append_printf (s, "\nannotators %d", ag->n_annotators);
  for (int a = 0; a < ag->n_annotators; a++)
    {
      g_string_append_printf (s, "%s%s (%" G_GINT64_FORMAT ")", a ? ", " : ": ", *ag->annotators[a] ?
                              ag->annotators[a] : "(unnamed)", ag->annotator_labels[a]);
      width = MAX (width, (int) g_utf8_strlen (ag->annotators[a], -1));
    }
  g_string_append_c (s, '\n');
  if (ag->rated_items == 0)
    {
      g_string_append (s, "no face has votes of two annotators\n");
      return;
    }
  g_string_append_printf (s, "faces with 2 or more votes %" G_GINT64_FORMAT "\nFleiss' kappa ", ag->rated_items);
  append_stat (s, "%.3f", ag->fleiss_kappa);
  g_string_append (s, ", Krippendorff's alpha ");
  append_stat (s, "%.3f", ag->krippendorff_alpha);
  g_string_append (s, ", pairs of votes alike ");
  append_stat (s, "%.1f%%", 100 * ag->percent_agreement);
  g_string_append (s, "\nkappa per class:");
  for (int k = 0; k < ag->n_categories; k++)
    if (!isnan (ag->category_proportion[k]) && ag->category_proportion[k] > 0)
      {
        g_string_append_printf (s, " %s ", ag->categories[k]);
        append_stat (s, "%.2f", ag->category_kappa[k]);
      }
  g_string_append_printf (s, "\n%-*s %-*s %6s %6s %6s\n", width, "annotator", width, "with", "faces", "alike",
                          "kappa");
  for (int i = 0; i < ag->n_pairs; i++)
    {
      const TfAgreementPair *pr = &ag->pairs[i];

      g_string_append_printf (s, "%-*s %-*s %6" G_GINT64_FORMAT " ", width, ag->annotators[pr->a], width,
                              ag->annotators[pr->b], pr->items);
      append_stat (s, "%5.1f%%", 100 * pr->agreement);
      g_string_append_c (s, ' ');
      append_stat (s, "%6.3f", pr->cohen_kappa);
      g_string_append_c (s, '\n');
    }
}

static void
stats_text (GString              *s,
            const TfProjectStats *st)
{
  const int n = st->n_classes;
  int width = 9;

  for (int k = 0; k < n; k++)
    width = MAX (width, (int) g_utf8_strlen (st->classes[k], -1));
  g_string_append_printf (s, "faces      %" G_GINT64_FORMAT "\nlabelled   %" G_GINT64_FORMAT " (%.1f%%; not a face %"
                          G_GINT64_FORMAT ", unsure %" G_GINT64_FORMAT ")\npredicted  %" G_GINT64_FORMAT
                          " (run %" G_GINT64_FORMAT ")\n\n%-*s %8s %9s\n", st->faces, st->labelled,
                          st->faces ? 100.0 * st->labelled / st->faces : 0.0, st->not_faces, st->unsure,
                          st->predicted, st->run, width, "class", "labels", "predicted");
  for (int k = 0; k < n; k++)
    g_string_append_printf (s, "%-*s %8" G_GINT64_FORMAT " %9" G_GINT64_FORMAT "\n", width, st->classes[k],
                            st->label_counts[k], st->predicted_counts[k]);
  if (st->compared == 0)
    {
      g_string_append (s, "\nagreement  no labelled face has a prediction\n");
      stats_text_annotators (s, st);
      return;
    }
  g_string_append_printf (s, "\nagreement  %" G_GINT64_FORMAT "/%" G_GINT64_FORMAT " (%.1f%%)\n\n"
                          "confusion (rows: label, columns: predicted)\n%-*s", st->agreed, st->compared,
                          100.0 * st->agreed / st->compared, width, "");
  for (int b = 0; b < n; b++)
    g_string_append_printf (s, " %8.8s", st->classes[b]);
  g_string_append_c (s, '\n');
  for (int a = 0; a < n; a++)
    {
      g_string_append_printf (s, "%-*s", width, st->classes[a]);
      for (int b = 0; b < n; b++)
        g_string_append_printf (s, " %8" G_GINT64_FORMAT, st->confusion[a * n + b]);
      g_string_append_c (s, '\n');
    }
  stats_text_annotators (s, st);
}

static int
project_stats (int    argc,
               char **argv)
{
  g_autofree char *format_name = NULL;
  GOptionEntry entries[] = {
    { "format", 0, 0, G_OPTION_ARG_STRING, &format_name, "text (default) or json", "FORMAT" },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new ("P.tfproj - faces, labels, agreement with the model");
  g_autoptr(GError) error = NULL;
  g_autoptr(TfProject) project = NULL;
  g_autoptr(TfProjectStats) st = NULL;
  g_autoptr(GString) s = g_string_new (NULL);

  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    return tf_cli_usage_error (ctx, error->message);
  if (argc != 2)
    return tf_cli_usage_error (ctx, "project stats needs one project file");
  if (format_name && !g_str_equal (format_name, "text") && !g_str_equal (format_name, "json"))
    return tf_cli_usage_error (ctx, "--format must be text or json");
  if (!(project = tf_project_open (argv[1], TF_PROJECT_READ_ONLY, &error)) ||
      !(st = tf_project_get_stats (project, 0, &error)))
    return tf_cli_fail (g_steal_pointer (&error));
  if (format_name && g_str_equal (format_name, "json"))
    stats_json (s, st);
  else
    stats_text (s, st);
  fputs (s->str, stdout);
  return 0;
}

/* ---- check ---------------------------------------------------------------------------------- */

static int
project_check (int    argc,
               char **argv)
{
  g_autofree char *relink = NULL;
  GOptionEntry entries[] = {
    { "relink", 0, 0, G_OPTION_ARG_FILENAME, &relink, "Look for moved media files in this folder", "DIR" },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new ("P.tfproj - integrity and missing media; exit 1 if not "
                                                        "sound");
  g_autoptr(GError) error = NULL;
  g_autoptr(TfProject) project = NULL;
  g_autoptr(TfProjectReport) report = NULL;

  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    return tf_cli_usage_error (ctx, error->message);
  if (argc != 2)
    return tf_cli_usage_error (ctx, "project check needs one project file");
  project = tf_project_open (argv[1], TF_PROJECT_OPEN, &error);
  /* open in another program: checking only reads (what is missing is not recorded) */
  if (project == NULL && relink == NULL && g_error_matches (error, TF_PROJECT_ERROR, TF_PROJECT_ERROR_BUSY))
    {
      g_clear_error (&error);
      project = tf_project_open (argv[1], TF_PROJECT_READ_ONLY, &error);
    }
  if (project == NULL || !(report = tf_project_check (project, relink, &error)))
    return tf_cli_fail (g_steal_pointer (&error));
  for (guint i = 0; i < report->problems->len; i++)
    printf ("%s\n", (char *) report->problems->pdata[i]);
  if (relink && tf_project_is_read_only (project))
    g_printerr ("transfer-cli: %s is read-only: the files found were not recorded\n", argv[1]);
  printf ("%s: %s: %d media, %d missing, %d relinked\n", argv[1], report->problems->len ? "NOT sound" : "sound",
          report->media, report->missing, report->relinked);
  return report->problems->len ? 1 : 0;
}

/* ---- copy ------------------------------------------------------------------------------------ */

static int
project_copy (int    argc,
              char **argv)
{
  GOptionEntry entries[] = { G_OPTION_ENTRY_NULL };
  g_autoptr(GOptionContext) ctx = g_option_context_new ("SRC.tfproj DEST.tfproj - a copy under another name, its "
                                                        "media paths relative to the new folder");
  g_autoptr(GError) error = NULL;
  g_autoptr(TfProject) project = NULL;

  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    return tf_cli_usage_error (ctx, error->message);
  if (argc != 3)
    return tf_cli_usage_error (ctx, "project copy needs the project and the new file");
  if (!is_project_name (argv[2]))
    return tf_cli_usage_error (ctx, "the new file's name must end in " TF_PROJECT_SUFFIX);
  /* a reader: the saved state is copied even while the project is open elsewhere */
  if (!(project = tf_project_open (argv[1], TF_PROJECT_READ_ONLY, &error)) ||
      !tf_project_save_copy (project, argv[2], &error))
    return tf_cli_fail (g_steal_pointer (&error));
  printf ("copied %s to %s\n", argv[1], argv[2]);
  return 0;
}

/* ---- merge ------------------------------------------------------------------------------------ */

/* The report's sentences on standard error, the summary on standard output;
 * conflicts are resolved and said: exit 0. */
static int
project_merge (int    argc,
               char **argv)
{
  GOptionEntry entries[] = { G_OPTION_ENTRY_NULL };
  g_autoptr(GOptionContext) ctx = g_option_context_new ("OUT.tfproj A.tfproj [B.tfproj...] - one new project of "
                                                        "the media, faces and every annotator's votes of several");
  g_autoptr(GError) error = NULL;
  g_autoptr(TfProjectMergeReport) report = NULL;

  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    return tf_cli_usage_error (ctx, error->message);
  if (argc < 3)
    return tf_cli_usage_error (ctx, "project merge needs the new file and the projects to merge");
  if (!is_project_name (argv[1]))
    return tf_cli_usage_error (ctx, "the new file's name must end in " TF_PROJECT_SUFFIX);
  if (!(report = tf_project_merge (argv[1], (const char * const *) argv + 2, &error)))
    return tf_cli_fail (g_steal_pointer (&error));
  for (guint i = 0; i < report->messages->len; i++)
    g_printerr ("transfer-cli: %s\n", (const char *) report->messages->pdata[i]);
  printf ("merged %d project%s into %s: %" G_GINT64_FORMAT " media (%" G_GINT64_FORMAT " shared), %" G_GINT64_FORMAT
          " faces (%" G_GINT64_FORMAT " of the later projects' faces found among them), %" G_GINT64_FORMAT
          " votes, %" G_GINT64_FORMAT " labelled, %" G_GINT64_FORMAT " conflict%s\n",
          report->inputs, report->inputs == 1 ? "" : "s", argv[1], report->media, report->media_shared, report->faces,
          report->faces_matched, report->votes, report->labelled, report->conflicts, report->conflicts == 1 ? "" : "s");
  return 0;
}

/* ---- the command ------------------------------------------------------------------------------- */

static const struct
{
  const char   *name;
  TfCliCommand  run;
  const char   *summary;
} subcommands[] = {
  { "new", project_new, "analyse pictures, folders and videos into a new project" },
  { "import", project_import, "labels from a CSV or a folder-per-class tree, all or nothing" },
  { "export", project_export, "rows as CSV or JSON Lines, or a training set of crops" },
  { "stats", project_stats, "faces, labels, per-class counts, agreement, confusion" },
  { "check", project_check, "integrity and missing media (relinked from a folder)" },
  { "copy", project_copy, "a copy under another name (media paths follow it)" },
  { "merge", project_merge, "several projects into a new one: every annotator's votes, conflicts said" },
};

int
tf_cli_project (int    argc,
                char **argv)
{
  g_autoptr(GString) usage = g_string_new ("Usage: transfer-cli project SUBCOMMAND P.tfproj [OPTION...]\n\n");

  for (guint i = 0; argc >= 2 && i < G_N_ELEMENTS (subcommands); i++)
    if (g_str_equal (argv[1], subcommands[i].name))
      return subcommands[i].run (argc - 1, argv + 1);
  for (guint i = 0; i < G_N_ELEMENTS (subcommands); i++)
    g_string_append_printf (usage, "  %-7s %s\n", subcommands[i].name, subcommands[i].summary);
  g_string_append (usage, "\nRun 'transfer-cli project SUBCOMMAND --help' for its options.\n");
  g_printerr ("%s", usage->str);
  return argc >= 2 && (g_str_equal (argv[1], "--help") || g_str_equal (argv[1], "-h")) ? 0 : 2;
}

/* ---- bench --project ------------------------------------------------------------------------------ */

typedef struct
{
  GString *csv;
  char   **classes;
  int      n_classes;
  gint64   every, seen, wanted, rows;
} LabelPick;

/* One CSV row (file, frame, face, label) for every @every-th face. */
static gboolean
pick_face (const TfProjectFace *face,
           gpointer             data)
{
  LabelPick *k = data;

  if (k->seen++ % k->every != 0)
    return TRUE;
  tf_export_csv_field (k->csv, face->file);
  g_string_append_printf (k->csv, ",%" G_GINT64_FORMAT ",%d,", face->frame, face->index);
  tf_export_csv_field (k->csv, k->classes[(k->rows * 3 + 1) % k->n_classes]);
  g_string_append_c (k->csv, '\n');
  return ++k->rows < k->wanted;
}

static void
remove_bench_dir (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d && (name = g_dir_read_name (d)))
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_unlink (path);
    }
  g_rmdir (dir);
}

/* @n labels from a CSV (matched by file, frame and face, as people's
 * spreadsheets and analyze's rows are) imported into a copy of @project in
 * a temporary folder, then undone: the project itself is not changed. */
static gboolean
bench_import (TfProject  *project,
              gint64      faces,
              gint64      n,
              GError    **error)
{
  g_autofree char *dir = g_dir_make_tmp ("transfer-bench-XXXXXX", error);
  g_autofree char *copy_path = NULL, *csv_path = NULL;
  g_autoptr(GString) csv = g_string_new ("file,frame,face,label\n");
  g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(TfProject) copy = NULL;
  g_auto(GStrv) classes = tf_project_get_classes (project);
  LabelPick pick = { csv, classes, (int) g_strv_length (classes), MAX (faces / n, 1), 0, n, 0 };
  double copy_ms, import_ms, undo_ms;
  gint64 t0, imported = 0;
  int undone;
  gboolean ok;

  if (dir == NULL)
    return FALSE;
  copy_path = g_build_filename (dir, "copy" TF_PROJECT_SUFFIX, NULL);
  csv_path = g_build_filename (dir, "labels.csv", NULL);
  t0 = g_get_monotonic_time ();
  ok = pick.n_classes > 0 && tf_project_save_copy (project, copy_path, error);
  copy_ms = (g_get_monotonic_time () - t0) / 1e3;
  ok = ok && (copy = tf_project_open (copy_path, TF_PROJECT_OPEN, error)) &&
       tf_project_foreach_face (copy, NULL, pick_face, &pick, error) &&
       g_file_set_contents (csv_path, csv->str, (gssize) csv->len, error);
  if (ok)
    {
      t0 = g_get_monotonic_time ();
      ok = tf_project_import_labels (copy, csv_path, "bench", problems, &imported, error);
      import_ms = (g_get_monotonic_time () - t0) / 1e3;
    }
  if (ok)
    {
      t0 = g_get_monotonic_time ();
      ok = (undone = tf_project_undo (copy, NULL, error)) >= 0;
      undo_ms = (g_get_monotonic_time () - t0) / 1e3;
    }
  g_clear_pointer (&copy, tf_project_close);
  remove_bench_dir (dir);
  for (guint i = 0; i < problems->len && i < 5; i++)
    g_printerr ("transfer-cli: %s\n", (char *) problems->pdata[i]);
  if (!ok)
    return FALSE;
  printf ("import_labels=%" G_GINT64_FORMAT " import_ms=%.1f undo_labels=%d undo_ms=%.1f copy_ms=%.1f\n", imported,
          import_ms, undone, undo_ms, copy_ms);
  return TRUE;
}

int
tf_cli_bench_project (int    argc,
                      char **argv)
{
  g_autofree char *path = NULL;
  int iters = 5;
  gint64 labels = 10000;
  GOptionEntry entries[] = {
    { "project", 0, 0, G_OPTION_ARG_FILENAME, &path, "Time opening the project and sorting its review queue",
      "P.tfproj" },
    { "iters", 0, 0, G_OPTION_ARG_INT, &iters, "Sorts timed (the best is reported; default 5)", "N" },
    { "labels", 0, 0, G_OPTION_ARG_INT64, &labels,
      "Labels imported from a CSV, then undone, in a copy of the project (default 10000; 0: none)", "N" },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new ("--project P.tfproj - time a project's open, queue, and a "
                                                        "label import");
  g_autoptr(GError) error = NULL;
  g_autoptr(TfProject) project = NULL;
  g_autofree char *wal = NULL;
  double open_ms, margin_ms = G_MAXDOUBLE, entropy_ms = G_MAXDOUBLE, unlabelled_ms = G_MAXDOUBLE, disagreement_ms = G_MAXDOUBLE;
  TfProjectFilter unlabelled;
  GStatBuf st;
  gint64 t0, faces, bytes = 0;

  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    return tf_cli_usage_error (ctx, error->message);
  if (path == NULL || iters < 1 || iters > 1000 || labels < 0 || labels > 100000000)
    return tf_cli_usage_error (ctx, "bench --project needs a project file (and --iters in 1..1000, --labels in "
                                    "0..100000000)");
  t0 = g_get_monotonic_time ();
  if (!(project = tf_project_open (path, TF_PROJECT_OPEN, &error)))
    return tf_cli_fail (g_steal_pointer (&error));
  open_ms = (g_get_monotonic_time () - t0) / 1e3;
  if ((faces = tf_project_count_faces (project, NULL, &error)) < 0)
    return tf_cli_fail (g_steal_pointer (&error));
  tf_project_filter_init (&unlabelled);
  unlabelled.labelled = TF_LABELLED_NO;
  for (int i = 0; i < iters; i++)
    {
      const struct { const TfProjectFilter *filter; TfQueueOrder order; double *best; } runs[] = {
        { NULL, TF_QUEUE_MARGIN, &margin_ms },
        { NULL, TF_QUEUE_ENTROPY, &entropy_ms },
        { &unlabelled, TF_QUEUE_MARGIN, &unlabelled_ms },
        { NULL, TF_QUEUE_DISAGREEMENT, &disagreement_ms },
      };
      for (guint r = 0; r < G_N_ELEMENTS (runs); r++)
        {
          g_autoptr(GArray) queue = NULL;

          t0 = g_get_monotonic_time ();
          if (!(queue = tf_project_get_queue (project, runs[r].filter, runs[r].order, &error)))
            return tf_cli_fail (g_steal_pointer (&error));
          *runs[r].best = MIN (*runs[r].best, (g_get_monotonic_time () - t0) / 1e3);
        }
    }
  if (g_stat (path, &st) == 0)
    bytes += st.st_size;
  wal = g_strconcat (path, "-wal", NULL);
  if (g_stat (wal, &st) == 0)
    bytes += st.st_size;
  printf ("faces=%" G_GINT64_FORMAT " bytes=%" G_GINT64_FORMAT "\n", faces, bytes);
  printf ("open_ms=%.1f queue_sort_ms=%.1f entropy_sort_ms=%.1f unlabelled_sort_ms=%.1f disagreement_sort_ms=%.1f\n",
          open_ms, margin_ms, entropy_ms, unlabelled_ms, disagreement_ms);
  printf ("bytes_per_face=%.0f\n", faces > 0 ? (double) bytes / faces : 0.0);
  if (labels > 0 && faces > 0 && !bench_import (project, faces, labels, &error))
    return tf_cli_fail (g_steal_pointer (&error));
  return 0;
}
