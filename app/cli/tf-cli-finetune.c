/* SPDX-License-Identifier: GPL-3.0-or-later */
/* transfer-cli finetune: a model fine-tuned on labelled faces (a project,
 * a CSV, class folders) with the recipe of model/tf-finetune.c, the one the
 * application uses, and the before/after of a held-out split. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <glib/gstdio.h>
#include <sys/stat.h>

#include "tf-cli-dataset.h"
#include "tf-cli.h"
#include "tf-datafiles.h"
#include "tf-decode.h"
#include "tf-error.h"
#include "tf-finetune-data.h"
#include "tf-finetune.h"
#include "tf-ops.h"

typedef struct
{
  char   *from, *project, *preset, *report, *out, *checkpoint;
  double  holdout;
} FinetuneArgs;

static void
finetune_args_clear (FinetuneArgs *a)
{
  g_free (a->from);
  g_free (a->project);
  g_free (a->preset);
  g_free (a->report);
  g_free (a->out);
  g_free (a->checkpoint);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (FinetuneArgs, finetune_args_clear)

static const char *const phase_words[] = {
  [TF_FINETUNE_PHASE_BEFORE] = "measuring the starting model on the held-out faces",
  [TF_FINETUNE_PHASE_TEACHER] = "the starting model's outputs for distillation",
  [TF_FINETUNE_PHASE_TRAIN] = "training",
  [TF_FINETUNE_PHASE_AFTER] = "measuring the new model on the held-out faces",
  [TF_FINETUNE_PHASE_DRIFT] = "the new model over the unlabelled faces",
};

static void
on_phase_cb (TfFinetunePhase phase,
             gpointer        user_data)
{
  (void) user_data;
  g_printerr ("transfer-cli: %s\n", phase_words[phase]);
}

static void
on_start_cb (const TfFitStart *start,
             gpointer          user_data)
{
  (void) user_data;
  if (start->resumed)
    g_printerr ("transfer-cli: resuming from the checkpoint at epoch %" G_GUINT64_FORMAT ", step %" G_GUINT64_FORMAT
                "\n", start->resumed_epoch, start->resumed_step);
  g_printerr ("transfer-cli: %u faces to train on (distilled ones included), %.2f M of %.2f M parameters trained\n",
              start->n_images, start->n_trainable / 1e6, start->n_params / 1e6);
}

static void
on_progress_cb (const TfFitProgress *p,
                gpointer             user_data)
{
  double *last = user_data;
  double now = g_get_monotonic_time () / 1e6;

  if (now - *last > 5 || p->batch == (guint) p->steps_per_epoch)
    {
      int s = (int) MAX (p->eta_s, 0);
      g_printerr ("epoch %" G_GUINT64_FORMAT "/%d step %u/%d loss %.4f %.1f img/s ETA %d:%02d\n", p->epoch,
                  p->epochs, p->batch, p->steps_per_epoch, p->epoch_loss, p->images_per_s, s / 60, s % 60);
      *last = now;
    }
}

static void
on_epoch_cb (const TfFitEpoch *e,
             gpointer          user_data)
{
  (void) user_data;
  g_printerr ("epoch %" G_GUINT64_FORMAT "/%d done: loss %.4f", e->epoch, e->epochs, e->train_loss);
  if (e->valid_accuracy >= 0)
    g_printerr (", held-out accuracy %.2f %%", 100 * e->valid_accuracy);
  g_printerr ("\n");
}

/* One line per class: recall before -> after. */
static void
print_before_after (const TfFinetuneReport *r)
{
  const TfEvalResult *b = r->before, *a = r->after;

  if (b == NULL || a == NULL)
    {
      printf ("held-out: none (--holdout 0)\n");
      return;
    }
  printf ("held-out faces: %u\n", a->n_faces);
  printf ("accuracy: %.2f %% -> %.2f %%\n", 100 * b->accuracy, 100 * a->accuracy);
  printf ("macro-F1: %.4f -> %.4f\n", b->macro_f1, a->macro_f1);
  printf ("%-14s %8s %8s %8s\n", "class", "faces", "before", "after");
  for (int k = 0; k < a->n_classes; k++)
    if (a->support[k])
      printf ("%-14s %8u %7.2f%% %7.2f%%\n", r->classes[k], a->support[k], 100 * b->recall[k], 100 * a->recall[k]);
}

/* Whether @a and @b name one file. */
static gboolean
same_file (const char *a,
           const char *b)
{
  struct stat sa, sb;
  return a && b && stat (a, &sa) == 0 && stat (b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* The labelled faces of --csv or --folders, each picture a group of its
 * own, split into training and held-out sets. */
static gboolean
split_dataset (TfDataset  *all,
               double      holdout,
               guint64     seed,
               TfDataset **train,
               TfDataset **held)
{
  guint n = tf_dataset_get_n_items (all);
  g_autofree int *labels = g_new (int, MAX (n, 1));
  g_autofree gint64 *groups = g_new (gint64, MAX (n, 1));
  g_autofree gboolean *out = NULL;
  const char * const *names = tf_dataset_get_class_names (all);

  for (guint i = 0; i < n; i++)
    {
      labels[i] = tf_dataset_get_label (all, i);
      groups[i] = i;
    }
  out = tf_finetune_split (labels, groups, n, holdout, seed);
  *train = tf_dataset_new (names);
  *held = tf_dataset_new (names);
  for (guint i = 0; i < n; i++)
    tf_dataset_add (out[i] ? *held : *train, tf_dataset_get_path (all, i), labels[i]);
  return TRUE;
}

int
tf_cli_finetune (int    argc,
                 char **argv)
{
  g_auto(FinetuneArgs) a = { .holdout = TF_FINETUNE_DEFAULT_HOLDOUT };
  g_auto(TfCliShared) shared = { 0 };
  g_auto(TfCliDataset) data = { 0 };
  TfFinetuneOptions o;
  gint64 seed = TF_FINETUNE_DEFAULT_SEED;
  gboolean detect = FALSE, soft_targets = FALSE;
  int max_unlabelled = -1;
  const GOptionEntry entries[] = {
    { "from", 0, 0, G_OPTION_ARG_FILENAME, &a.from, "The model to start from (default: the shipped one)", "FILE" },
    { "project", 0, 0, G_OPTION_ARG_FILENAME, &a.project, "The labelled faces of a project", "FILE" },
    { "soft-targets", 0, 0, G_OPTION_ARG_NONE, &soft_targets, "Learn faces several annotators labelled from the "
      "distribution of their votes, unless adjudicated (default: the final label, else the majority, else the "
      "distribution)", NULL },
    { "holdout", 0, 0, G_OPTION_ARG_DOUBLE, &a.holdout, "Fraction of each class held out to measure before and "
      "after, by media and track (default 0.2; 0: all trains)", "F" },
    { "preset", 0, 0, G_OPTION_ARG_STRING, &a.preset, "What trains: head, recommended (default) or all", "NAME" },
    { "epochs", 0, 0, G_OPTION_ARG_INT, &o.epochs, "Epochs (default: the preset's)", "N" },
    { "lr", 0, 0, G_OPTION_ARG_DOUBLE, &o.lr, "Learning rate (default: the preset's)", "LR" },
    { "batch", 0, 0, G_OPTION_ARG_INT, &o.batch, "Faces per step (default: the preset's, 16)", "N" },
    { "distill", 0, 0, G_OPTION_ARG_DOUBLE, &o.distill, "Weight of the starting model's outputs in the targets "
      "(default: the preset's; 0: off)", "W" },
    { "l2sp", 0, 0, G_OPTION_ARG_DOUBLE, &o.l2sp, "Pull toward the starting weights (default: the preset's)", "A" },
    { "keep", 0, 0, G_OPTION_ARG_DOUBLE, &o.keep, "Classes no label mentions keep the starting model's probability, "
      "up to this share (default: the preset's; 0: off)", "S" },
    { "blend", 0, 0, G_OPTION_ARG_DOUBLE, &o.blend, "Weight of the fine-tuned weights against the starting ones "
      "(default: the preset's; 1: the fine-tuned alone)", "W" },
    { "mixed", 0, 0, G_OPTION_ARG_DOUBLE, &o.anchors, "Blended pairs of labelled faces distilled on, per labelled face "
      "no unlabelled one matches (default: the preset's; 0: none)", "R" },
    { "unlabelled", 0, 0, G_OPTION_ARG_INT, &max_unlabelled, "A project's unlabelled faces to distil on and measure "
      "drift over, at most (default: as many as labelled, at most " G_STRINGIFY (TF_FINETUNE_DATA_MAX_UNLABELLED) ")", "N" },
    { "seed", 0, 0, G_OPTION_ARG_INT64, &seed, "Seed of the split, order, augmentation and drops (default 1)", "N" },
    { "detect", 0, 0, G_OPTION_ARG_NONE, &detect, "Find the main face in each photo and align it (default: each "
      "image is a face crop)", NULL },
    { "checkpoint", 0, 0, G_OPTION_ARG_FILENAME, &a.checkpoint, "Checkpoint file; the run resumes from it", "FILE" },
    { "report", 0, 0, G_OPTION_ARG_FILENAME, &a.report, "Write the before/after metrics as JSON", "FILE" },
    { "out", 0, 0, G_OPTION_ARG_FILENAME, &a.out, "The fine-tuned model file", "FILE" },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new ("- fine-tune a model on labelled faces, measured before and after");
  g_autoptr(GError) error = NULL;
  g_autoptr(TfModel) start = NULL, model = NULL;
  g_autoptr(TfDataset) all = NULL, train = NULL, held = NULL;
  g_autoptr(TfFinetuneData) fd = NULL;
  g_autoptr(TfFinetuneReport) report = NULL;
  g_autoptr(TfProject) project = NULL;
  g_autofree char *command = tf_cli_command_line ("finetune", argc, argv);
  g_autofree char *shipped = tf_data_find (TF_DATA_MODEL);
  TfFaceCropper *cropper = NULL;
  TfFinetuneCallbacks cbs = { { on_start_cb, on_progress_cb, on_epoch_cb }, on_phase_cb };
  double last = 0;
  int status = 1;

  tf_finetune_options_init (&o);
  g_option_context_add_main_entries (ctx, entries, NULL);
  tf_cli_dataset_add (ctx, &data, "FER+ split folder (label.csv, majority protocol)");
  tf_cli_shared_add (ctx, &shared, TF_CLI_OPTION_DETECTOR | TF_CLI_OPTION_THREADS);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    {
      g_printerr ("transfer-cli: %s\n", error->message);
      return 2;
    }
  if (a.from == NULL)
    a.from = g_strdup (shipped);
  if (a.preset && !tf_finetune_preset_from_name (a.preset, &o.preset))
    {
      g_printerr ("transfer-cli: --preset must be head, recommended or all, not '%s'\n", a.preset);
      return 2;
    }
  if (a.from == NULL || a.out == NULL || (a.project != NULL) == (data.ferplus || data.folders || data.csv) ||
      !(a.holdout >= 0 && a.holdout < 1) || o.epochs < 0 || o.epochs > TF_FIT_MAX_EPOCHS || o.lr < 0 ||
      o.batch == 1 || o.batch < 0 || o.batch > TF_FIT_MAX_BATCH ||
      o.distill > 1 || o.l2sp > 1000 || o.blend > 1 || o.keep > 1 || tf_cli_shared_check (&shared))
    {
      g_printerr ("transfer-cli: finetune needs --out, one of --project, --csv or --folders, and options in range "
                  "(--holdout in [0, 1), --distill at most 1)\n");
      return 2;
    }
  if (same_file (a.out, shipped) || (a.out && g_strcmp0 (a.out, shipped) == 0))
    {
      g_printerr ("transfer-cli: %s is the shipped model: it is never overwritten; choose another --out\n", a.out);
      return 2;
    }
  o.seed = (guint64) seed;
  o.threads = shared.threads;
  o.checkpoint = a.checkpoint;
  o.resume = a.checkpoint != NULL;
  o.command = command;
  o.start_file = a.from;
  o.max_unlabelled = max_unlabelled > 0 ? (guint) max_unlabelled : 0;
  o.dataset_name = a.project ? a.project : tf_cli_dataset_name (&data);

  if (!tf_atomic_file_check_writable (a.out, &error) ||
      (a.report && !tf_atomic_file_check_writable (a.report, &error)) ||
      !(start = tf_model_load (a.from, &error)))
    goto out;
  o.soft_targets = soft_targets;
  if (a.project)
    {
      g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func (g_free);
      g_autofree char *stop = NULL;

      if (!(project = tf_project_open (a.project, TF_PROJECT_READ_ONLY, &error)) ||
          !(fd = tf_finetune_data_from_project_votes (project, a.holdout, o.seed,
                                                      max_unlabelled >= 0 ? (guint) max_unlabelled
                                                      : TF_FINETUNE_DATA_UNLABELLED_DEFAULT, soft_targets, &error)))
        goto out;
      if ((stop = tf_finetune_data_check (fd, warnings)))
        {
          g_set_error (&error, TF_ERROR, TF_ERROR_INPUT, "%s: %s", a.project, stop);
          goto out;
        }
      for (guint i = 0; i < warnings->len; i++)
        g_printerr ("transfer-cli: %s\n", (char *) warnings->pdata[i]);
      if (fd->n_soft > 0)
        g_printerr ("transfer-cli: %u of the %u labelled faces learn from the distribution of their votes\n",
                    fd->n_soft, fd->n_labelled);
      if (!(model = tf_finetune_run (start, fd->train, fd->holdout, fd->unlabelled, tf_finetune_data_decode, fd, &o,
                                     &cbs, &last, NULL, &report, &error)))
        goto out;
    }
  else
    {
      if (!(all = tf_cli_dataset_open (&data, FALSE, &error)) ||
          !split_dataset (all, a.holdout, o.seed, &train, &held) ||
          (detect && !(cropper = tf_face_cropper_new (start, shared.detector, &error))))
        goto out;
      tf_set_threads (shared.threads);
      g_printerr ("transfer-cli: %u labelled faces: %u train, %u held out\n", tf_dataset_get_n_items (all),
                  tf_dataset_get_n_items (train), tf_dataset_get_n_items (held));
      if (!(model = tf_finetune_run (start, train, held, NULL, detect ? tf_decode_face_crop : tf_decode_rgb, cropper,
                                     &o, &cbs, &last, NULL, &report, &error)))
        goto out;
    }
  if (!tf_model_save (model, a.out, TF_DTYPE_F32, &error))
    goto out;
  if (a.report)
    {
      g_autofree char *json = tf_finetune_report_to_json (report);
      g_autofree char *line = g_strconcat (json, "\n", NULL);
      if (!tf_atomic_file_set_contents (a.report, line, strlen (line), &error))
        goto out;
    }
  print_before_after (report);
  printf ("seconds: %.1f\n", report->seconds);
  status = 0;

out:
  if (cropper)
    tf_face_cropper_free (cropper);
  if (status != 0)
    g_printerr ("transfer-cli: %s\n", error ? error->message : "finetune failed");
  return status;
}

/* ---- bench --finetune ------------------------------------------------------------------ */

/* The fine-tune runs in a thread as in the application; the main loop
 * beats every 5 ms, gets each progress report through
 * g_main_context_invoke, and records how late each beat came. */
typedef struct
{
  TfModel           *start;
  TfFinetuneData    *fd;
  TfDataset         *train, *held;
  TfDecodeFunc       decode;
  gpointer           decode_data;
  TfFinetuneOptions *options;
  TfFinetuneReport  *report;
  TfModel           *model;
  GError            *error;
  GMainLoop         *loop;
  gint64             phase_start[TF_FINETUNE_PHASE_DRIFT + 1];
  double             phase_s[TF_FINETUNE_PHASE_DRIFT + 1];
  int                phase;
  GArray            *gaps;          /* double ms between beats */
  gint64             last_beat;
  guint              reports;       /* progress reports handled on the main loop */
} Bench;

static gboolean
bench_beat_cb (gpointer user_data)
{
  Bench *b = user_data;
  gint64 now = g_get_monotonic_time ();
  double gap = (now - b->last_beat) / 1e3;

  g_array_append_val (b->gaps, gap);
  b->last_beat = now;
  return G_SOURCE_CONTINUE;
}

static gboolean
bench_report_cb (gpointer user_data)
{
  ((Bench *) user_data)->reports++;
  return G_SOURCE_REMOVE;
}

static void
bench_progress_cb (const TfFitProgress *p,
                   gpointer             user_data)
{
  (void) p;
  g_main_context_invoke (NULL, bench_report_cb, user_data);
}

static void
bench_phase_cb (TfFinetunePhase phase,
                gpointer        user_data)
{
  Bench *b = user_data;
  gint64 now = g_get_monotonic_time ();

  if (b->phase >= 0)
    b->phase_s[b->phase] += (now - b->phase_start[b->phase]) / 1e6;
  b->phase = phase;
  b->phase_start[phase] = now;
}

static gboolean
bench_done_cb (gpointer user_data)
{
  g_main_loop_quit (((Bench *) user_data)->loop);
  return G_SOURCE_REMOVE;
}

static gpointer
bench_thread (gpointer user_data)
{
  Bench *b = user_data;
  TfFinetuneCallbacks cbs = { { NULL, bench_progress_cb, NULL }, bench_phase_cb };

  b->model = tf_finetune_run (b->start, b->train, b->held, b->fd ? b->fd->unlabelled : NULL, b->decode,
                              b->decode_data, b->options, &cbs, b, NULL, &b->report, &b->error);
  bench_phase_cb (TF_FINETUNE_PHASE_DRIFT, b);   /* closes the last phase */
  g_main_context_invoke (NULL, bench_done_cb, b);
  return NULL;
}

static int
compare_double (gconstpointer a,
                gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

int
tf_cli_bench_finetune (int    argc,
                       char **argv)
{
  g_auto(FinetuneArgs) a = { .holdout = TF_FINETUNE_DEFAULT_HOLDOUT };
  g_auto(TfCliDataset) data = { 0 };
  g_auto(TfCliShared) shared = { 0 };
  gboolean finetune = FALSE;
  TfFinetuneOptions o;
  const GOptionEntry entries[] = {
    { "finetune", 0, 0, G_OPTION_ARG_NONE, &finetune, "Time a fine-tune in a thread, as the application runs it",
      NULL },
    { "from", 0, 0, G_OPTION_ARG_FILENAME, &a.from, "The model to start from (default: the shipped one)", "FILE" },
    { "project", 0, 0, G_OPTION_ARG_FILENAME, &a.project, "The labelled faces of a project", "FILE" },
    { "holdout", 0, 0, G_OPTION_ARG_DOUBLE, &a.holdout, "Held-out fraction (default 0.2)", "F" },
    { "preset", 0, 0, G_OPTION_ARG_STRING, &a.preset, "head, recommended (default) or all", "NAME" },
    { "epochs", 0, 0, G_OPTION_ARG_INT, &o.epochs, "Epochs (default: the preset's)", "N" },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new ("--finetune - time a fine-tune: phases, memory, main-loop "
                                                        "stalls");
  g_autoptr(GError) error = NULL;
  g_autoptr(TfModel) start = NULL;
  g_autoptr(TfProject) project = NULL;
  g_autoptr(TfFinetuneData) fd = NULL;
  g_autoptr(TfDataset) all = NULL, train = NULL, held = NULL;
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(GArray) gaps = g_array_new (FALSE, FALSE, sizeof (double));
  g_autofree char *shipped = tf_data_find (TF_DATA_MODEL);
  Bench b = { .options = &o, .loop = loop, .gaps = gaps, .phase = -1 };
  GThread *thread;
  double expected;
  guint beat;

  tf_finetune_options_init (&o);
  g_option_context_add_main_entries (ctx, entries, NULL);
  tf_cli_dataset_add (ctx, &data, "FER+ split folder (label.csv, majority protocol)");
  tf_cli_shared_add (ctx, &shared, TF_CLI_OPTION_THREADS);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    return tf_cli_usage_error (ctx, error->message);
  if (a.preset && !tf_finetune_preset_from_name (a.preset, &o.preset))
    return tf_cli_usage_error (ctx, "--preset must be head, recommended or all");
  if ((a.project != NULL) == (data.ferplus || data.folders || data.csv) || !(a.holdout >= 0 && a.holdout < 1) ||
      o.epochs < 0 || tf_cli_shared_check (&shared))
    return tf_cli_usage_error (ctx, "bench --finetune needs one of --project, --csv or --folders");
  o.threads = shared.threads;
  tf_set_threads (shared.threads);
  if (!(start = tf_model_load (a.from ? a.from : shipped, &error)))
    goto fail;
  if (a.project)
    {
      if (!(project = tf_project_open (a.project, TF_PROJECT_READ_ONLY, &error)) ||
          !(fd = tf_finetune_data_from_project (project, a.holdout, o.seed, TF_FINETUNE_DATA_UNLABELLED_DEFAULT,
                                                &error)))
        goto fail;
      b.fd = fd;
      b.train = fd->train;
      b.held = fd->holdout;
      b.decode = tf_finetune_data_decode;
      b.decode_data = fd;
    }
  else
    {
      if (!(all = tf_cli_dataset_open (&data, FALSE, &error)))
        goto fail;
      split_dataset (all, a.holdout, o.seed, &train, &held);
      b.train = train;
      b.held = held;
      b.decode = tf_decode_rgb;
    }
  b.start = start;
  expected = tf_finetune_estimate_s (&o, tf_dataset_get_n_items (b.train), fd ? tf_dataset_get_n_items (fd->unlabelled)
                                     : 0, tf_dataset_get_n_items (b.held));

  b.last_beat = g_get_monotonic_time ();
  beat = g_timeout_add (5, bench_beat_cb, &b);
  thread = g_thread_new ("finetune", bench_thread, &b);
  g_main_loop_run (loop);
  g_thread_join (thread);
  g_source_remove (beat);
  if (b.error)
    {
      g_propagate_error (&error, b.error);
      goto fail;
    }

  g_array_sort (gaps, compare_double);
  printf ("preset=%s train=%u holdout=%u unlabelled=%u epochs=%u\n", tf_finetune_preset_name (o.preset),
          b.report->n_train, b.report->n_holdout, b.report->n_unlabelled, b.report->epoch_loss->len);
  printf ("seconds=%.1f estimated_s=%.1f\n", b.report->seconds, expected);
  printf ("before_s=%.1f teacher_s=%.1f train_s=%.1f after_s=%.1f drift_s=%.1f\n", b.phase_s[TF_FINETUNE_PHASE_BEFORE],
          b.phase_s[TF_FINETUNE_PHASE_TEACHER], b.phase_s[TF_FINETUNE_PHASE_TRAIN], b.phase_s[TF_FINETUNE_PHASE_AFTER],
          b.phase_s[TF_FINETUNE_PHASE_DRIFT]);
  if (b.report->after)
    printf ("holdout_accuracy=%.4f->%.4f\n", b.report->before->accuracy, b.report->after->accuracy);
  printf ("main_loop_beats=%u progress_reports=%u gap_p50_ms=%.1f gap_p99_ms=%.1f gap_max_ms=%.1f\n", gaps->len,
          b.reports, gaps->len ? g_array_index (gaps, double, gaps->len / 2) : 0,
          gaps->len ? g_array_index (gaps, double, gaps->len * 99 / 100) : 0,
          gaps->len ? g_array_index (gaps, double, gaps->len - 1) : 0);
  printf ("peak_rss_mb=%.1f\n", tf_cli_peak_rss_mb ());
  tf_finetune_report_free (b.report);
  g_clear_pointer (&b.model, tf_model_free);
  return 0;

fail:
  g_printerr ("transfer-cli: %s\n", error->message);
  if (b.report)
    tf_finetune_report_free (b.report);
  return 1;
}
