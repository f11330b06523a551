/* SPDX-License-Identifier: GPL-3.0-or-later */
/* transfer-cli train and eval. */
#include <errno.h>
#include <math.h>
#include <stdio.h>

#include "tf-augment.h"
#include "tf-checkpoint.h"
#include "tf-datafiles.h"
#include "tf-decode.h"
#include "tf-cli.h"
#include "tf-json.h"
#include "tf-dataset.h"
#include "tf-error.h"
#include "tf-loader.h"
#include "tf-ops.h"
#include "tf-optim.h"
#include "tf-train.h"

typedef struct
{
  char *ferplus, *folders, *csv;
} DataArgs;

static void
data_args_clear (DataArgs *d)
{
  g_clear_pointer (&d->ferplus, g_free);
  g_clear_pointer (&d->folders, g_free);
  g_clear_pointer (&d->csv, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (DataArgs, data_args_clear)

static TfDataset *
open_dataset (const DataArgs *d,
              gboolean        soft,
              GError        **error)
{
  if (d->ferplus)
    return tf_dataset_new_ferplus (d->ferplus, soft, error);
  if (d->folders)
    return tf_dataset_new_folders (d->folders, error);
  if (d->csv)
    {
      g_autofree char *dir = g_path_get_dirname (d->csv), *name = g_path_get_basename (d->csv);
      return tf_dataset_new_image_label_csv (dir, name, error);
    }
  g_set_error_literal (error, TF_ERROR, TF_ERROR_INPUT, "no dataset: give --ferplus, --folders or --csv");
  return NULL;
}

/* ---- evaluation ------------------------------------------------------------ */

typedef struct
{
  int     k, n;
  int     skipped;      /* images that could not be read (or held no face) */
  guint  *confusion;    /* [true][predicted] */
} EvalResult;

static void
flip_inputs (float *x,
             int    n,
             int    s)
{
  for (gsize row = 0; row < (gsize) n * 3 * s; row++)
    {
      float *r = x + row * s;
      for (int a = 0, b = s - 1; a < b; a++, b--)
        {
          float tmp = r[a];
          r[a] = r[b];
          r[b] = tmp;
        }
    }
}

/* Accuracy and the confusion matrix of @model on @ds, optionally averaging
 * the probabilities with the mirrored face. The face is what @decode returns
 * (the whole image with tf_decode_rgb); images it fails on are skipped
 * and counted in res->skipped. */
static gboolean
evaluate (TfModel     *model,
          TfDataset   *ds,
          int          batch,
          gboolean     flip,
          TfDecodeFunc decode,
          gpointer     decode_data,
          EvalResult  *res,
          GError     **error)
{
  int k = model->config.num_classes, s = model->input.size, got;
  g_autoptr(TfEngine) engine = tf_engine_new (model);
  g_autoptr(TfLoader) loader = tf_loader_new (ds, &model->input, NULL, decode, decode_data, batch, 1);
  guint n = tf_dataset_get_n_items (ds);
  g_autofree guint *order = g_new (guint, MAX (n, 1));
  g_autofree float *in = g_new (float, (gsize) batch * 3 * s * s), *tg = g_new (float, (gsize) batch * k);
  g_autofree float *probs = g_new (float, (gsize) batch * k);
  g_autofree int *labels = g_new (int, batch);

  memset (res, 0, sizeof *res);
  res->k = k;
  res->confusion = g_new0 (guint, (gsize) k * k);
  for (guint i = 0; i < n; i++)
    order[i] = i;
  tf_loader_start_epoch (loader, order, n, 0);

  while (tf_loader_next (loader, in, tg, labels, &got, error) && got > 0)
    {
      TfOutputs out;
      if (!tf_engine_forward (engine, in, got, TF_PROBE_NONE, NULL, &out, error))
        return FALSE;
      memcpy (probs, out.probs, sizeof (float) * got * k);
      if (flip)
        {
          flip_inputs (in, got, s);
          if (!tf_engine_forward (engine, in, got, TF_PROBE_NONE, NULL, &out, error))
            return FALSE;
          for (int i = 0; i < got * k; i++)
            probs[i] = 0.5f * (probs[i] + out.probs[i]);
        }
      for (int i = 0; i < got; i++)
        {
          int best = 0;
          for (int c = 1; c < k; c++)
            if (probs[i * k + c] > probs[i * k + best])
              best = c;
          res->confusion[labels[i] * k + best]++;
          res->n++;
        }
    }
  res->skipped = (int) tf_loader_get_n_failed (loader);
  return !(error && *error);
}

static double
eval_accuracy (const EvalResult *r)
{
  guint right = 0;

  for (int c = 0; c < r->k; c++)
    right += r->confusion[c * r->k + c];
  return r->n ? (double) right / r->n : 0.0;
}

static void
print_eval (TfModel          *model,
            const EvalResult *r,
            gboolean          json)
{
  int k = r->k;
  double macro_f1 = 0;
  g_autoptr(GString) s = g_string_new (NULL);
  g_autofree double *recall = g_new0 (double, k), *f1 = g_new0 (double, k);

  for (int c = 0; c < k; c++)
    {
      guint tp = r->confusion[c * k + c], row = 0, col = 0;
      for (int j = 0; j < k; j++)
        {
          row += r->confusion[c * k + j];
          col += r->confusion[j * k + c];
        }
      recall[c] = row ? (double) tp / row : 0;
      f1[c] = row + col ? 2.0 * tp / (row + col) : 0;
      macro_f1 += f1[c] / k;
    }

  if (json)
    {
      g_string_append_printf (s, "{\"faces\":%d,\"skipped\":%d,\"accuracy\":%.6f,\"macro_f1\":%.6f,\"recall\":{",
                              r->n, r->skipped, eval_accuracy (r), macro_f1);
      for (int c = 0; c < k; c++)
        {
          g_string_append (s, c ? "," : "");
          tf_json_string (s, model->classes[c]);
          g_string_append_printf (s, ":%.6f", recall[c]);
        }
      g_string_append (s, "},\"classes\":[");
      for (int c = 0; c < k; c++)
        {
          g_string_append (s, c ? "," : "");
          tf_json_string (s, model->classes[c]);
        }
      g_string_append (s, "],\"confusion\":[");
      for (int c = 0; c < k; c++)
        {
          g_string_append (s, c ? ",[" : "[");
          for (int j = 0; j < k; j++)
            g_string_append_printf (s, "%s%u", j ? "," : "", r->confusion[c * k + j]);
          g_string_append_c (s, ']');
        }
      g_string_append (s, "]}\n");
      fputs (s->str, stdout);
      return;
    }

  printf ("faces: %d\nskipped: %d\naccuracy: %.2f %%\nmacro-F1: %.4f\n\n%-12s %8s %8s\n", r->n, r->skipped,
          100 * eval_accuracy (r), macro_f1, "class", "recall", "F1");
  for (int c = 0; c < k; c++)
    printf ("%-12s %7.2f%% %8.4f\n", model->classes[c], 100 * recall[c], f1[c]);
  printf ("\nconfusion (rows: true class, columns: predicted)\n%-12s", "");
  for (int j = 0; j < k; j++)
    printf (" %6.6s", model->classes[j]);
  printf ("\n");
  for (int c = 0; c < k; c++)
    {
      printf ("%-12s", model->classes[c]);
      for (int j = 0; j < k; j++)
        printf (" %6u", r->confusion[c * k + j]);
      printf ("\n");
    }
}

int
tf_cli_eval (int    argc,
             char **argv)
{
  g_autofree char *model_path = NULL, *format = NULL, *detector_path = NULL;
  g_auto(DataArgs) data = { 0 };
  g_autoptr(TfFaceCropper) aligner = NULL;
  int batch = 64, threads = (int) g_get_num_processors ();
  gboolean flip = FALSE, detect = FALSE;
  GOptionEntry entries[] = {
    { "model", 0, 0, G_OPTION_ARG_FILENAME, &model_path, "Model file (default: the shipped FER+ model)", "FILE" },
    { "ferplus", 0, 0, G_OPTION_ARG_FILENAME, &data.ferplus, "FER+ split folder (label.csv, majority protocol)", "DIR" },
    { "folders", 0, 0, G_OPTION_ARG_FILENAME, &data.folders, "One folder per class", "DIR" },
    { "csv", 0, 0, G_OPTION_ARG_FILENAME, &data.csv, "A CSV of image,label beside the images", "FILE" },
    { "flip", 0, 0, G_OPTION_ARG_NONE, &flip, "Average with the mirrored face", NULL },
    { "detect", 0, 0, G_OPTION_ARG_NONE, &detect, "Find the main face in each photo and align it (default: "
      "each image is a face crop)", NULL },
    { "detector", 0, 0, G_OPTION_ARG_FILENAME, &detector_path, "Face detector for --detect (default: the shipped YuNet)",
      "FILE" },
    { "batch", 0, 0, G_OPTION_ARG_INT, &batch, "Faces per forward pass (default 64)", "N" },
    { "threads", 0, 0, G_OPTION_ARG_INT, &threads, "Threads (default: all cores)", "T" },
    { "format", 0, 0, G_OPTION_ARG_STRING, &format, "text (default) or json", "FORMAT" },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new ("- accuracy, recall, F1 and confusion on a labelled set");
  g_autoptr(GError) error = NULL;
  g_autoptr(TfModel) model = NULL;
  g_autoptr(TfDataset) ds = NULL;
  EvalResult res;

  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    {
      g_printerr ("transfer-cli: %s\n", error->message);
      return 2;
    }
  if (model_path == NULL)
    model_path = tf_data_find (TF_DATA_MODEL);
  if (model_path == NULL || batch < 1 || batch > 1024 || threads < 1 || threads > 256 ||
      (format && !g_str_equal (format, "json") && !g_str_equal (format, "text")))
    {
      g_printerr ("transfer-cli: eval needs --model, a dataset, and sensible --batch/--threads/--format\n");
      return 2;
    }
  tf_set_threads (threads);
  if (!(model = tf_model_load (model_path, &error)) ||
      !(ds = open_dataset (&data, FALSE, &error)) ||
      !tf_dataset_set_classes (ds, (const char * const *) model->classes, &error) ||
      !(aligner = detect ? tf_face_cropper_new (model, detector_path, &error) : NULL, !detect || aligner) ||
      !evaluate (model, ds, batch, flip, detect ? tf_decode_face_crop : tf_decode_rgb, aligner, &res, &error))
    {
      g_printerr ("transfer-cli: %s\n", error->message);
      return 1;
    }
  print_eval (model, &res, format && g_str_equal (format, "json"));
  g_free (res.confusion);
  return 0;
}

/* ---- training ---------------------------------------------------------------- */

typedef struct
{
  char    *config_name, *from, *valid, *out, *checkpoint, *optim_name, *schedule_name, *color, *log_path;
  char   **freeze;
  int      size, epochs, batch, threads, checkpoint_every, max_steps, warmup_epochs;
  double   lr, weight_decay, momentum, label_smoothing, clip, min_lr;
  gboolean soft, balanced, no_augment, no_drop, frozen_bn, resume, flip;
  gint64   seed;
} TrainArgs;

static void
train_args_clear (TrainArgs *a)
{
  g_free (a->config_name);
  g_free (a->from);
  g_free (a->valid);
  g_free (a->out);
  g_free (a->checkpoint);
  g_free (a->optim_name);
  g_free (a->schedule_name);
  g_free (a->color);
  g_free (a->log_path);
  g_strfreev (a->freeze);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (TrainArgs, train_args_clear)

static char *
format_eta (double seconds)
{
  int s = (int) MAX (seconds, 0);
  return g_strdup_printf ("%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60);
}

/* The recipe, recorded in the model file so that it can be reproduced. */
static char *
recipe_json (const TrainArgs     *a,
             const DataArgs      *d,
             const TfOptimConfig *oc,
             const TfSchedule    *sched,
             int                  argc,
             char               **argv)
{
  g_autoptr(GString) s = g_string_new ("{\"command\":");
  g_autoptr(GString) cmd = g_string_new ("transfer-cli train");

  for (int i = 1; i < argc; i++)
    {
      g_autofree char *q = g_shell_quote (argv[i]);
      g_string_append_printf (cmd, " %s", q);
    }
  tf_json_string (s, cmd->str);
  g_string_append (s, ",\"dataset\":");
  tf_json_string (s, d->ferplus ? "ferplus" : d->folders ? "folders" : "csv");
  g_string_append_printf (s, ",\"epochs\":%d,\"batch\":%d,\"optimizer\":", a->epochs, a->batch);
  tf_json_string (s, tf_optim_kind_name (oc->kind));
  g_string_append (s, ",\"schedule\":");
  tf_json_string (s, tf_schedule_kind_name (sched->kind));
  g_string_append_printf (s, ",\"lr\":%g,\"weight_decay\":%g,\"label_smoothing\":%g,\"seed\":%" G_GINT64_FORMAT
                          ",\"balanced\":%s,\"soft\":%s,\"augment\":%s,\"mad_msad\":%s,\"frozen_bn\":%s}",
                          sched->base_lr, oc->weight_decay, a->label_smoothing, a->seed, a->balanced ? "true" : "false",
                          a->soft ? "true" : "false", a->no_augment ? "false" : "true", a->no_drop ? "false" : "true",
                          a->frozen_bn ? "true" : "false");
  return g_string_free (g_steal_pointer (&s), FALSE);
}

int
tf_cli_train (int    argc,
              char **argv)
{
  g_auto(TrainArgs) a = { .epochs = 1, .batch = 32, .threads = (int) g_get_num_processors (), .lr = -1,
                          .weight_decay = -1, .momentum = 0.9, .label_smoothing = 0.1, .clip = 0,
                          .checkpoint_every = 200, .warmup_epochs = 0 };
  g_auto(DataArgs) data = { 0 };
  GOptionEntry entries[] = {
    { "config", 0, 0, G_OPTION_ARG_STRING, &a.config_name, "Start from a random model of a preset: paper or small", "NAME" },
    { "from", 0, 0, G_OPTION_ARG_FILENAME, &a.from, "Or fine-tune a model file", "FILE" },
    { "size", 0, 0, G_OPTION_ARG_INT, &a.size, "Input size for --config (default: the preset's, 112)", "S" },
    { "color", 0, 0, G_OPTION_ARG_STRING, &a.color, "Input colour handling for --config: rgb or gray", "MODE" },
    { "ferplus", 0, 0, G_OPTION_ARG_FILENAME, &data.ferplus, "FER+ train folder (label.csv, majority protocol)", "DIR" },
    { "folders", 0, 0, G_OPTION_ARG_FILENAME, &data.folders, "One folder per class", "DIR" },
    { "csv", 0, 0, G_OPTION_ARG_FILENAME, &data.csv, "A CSV of image,label beside the images", "FILE" },
    { "valid", 0, 0, G_OPTION_ARG_FILENAME, &a.valid, "FER+ folder to evaluate after each epoch", "DIR" },
    { "soft", 0, 0, G_OPTION_ARG_NONE, &a.soft, "FER+ soft targets from the votes", NULL },
    { "balanced", 0, 0, G_OPTION_ARG_NONE, &a.balanced, "Class-balanced sampling", NULL },
    { "epochs", 0, 0, G_OPTION_ARG_INT, &a.epochs, "Epochs (default 1)", "N" },
    { "batch", 0, 0, G_OPTION_ARG_INT, &a.batch, "Batch size (default 32)", "N" },
    { "optim", 0, 0, G_OPTION_ARG_STRING, &a.optim_name, "adamw (default) or sgd", "NAME" },
    { "lr", 0, 0, G_OPTION_ARG_DOUBLE, &a.lr, "Base learning rate (default 1e-4 AdamW, 0.01 SGD)", "LR" },
    { "weight-decay", 0, 0, G_OPTION_ARG_DOUBLE, &a.weight_decay, "Weight decay (default 0.05 AdamW, 1e-4 SGD)", "WD" },
    { "momentum", 0, 0, G_OPTION_ARG_DOUBLE, &a.momentum, "SGD momentum (default 0.9)", "M" },
    { "schedule", 0, 0, G_OPTION_ARG_STRING, &a.schedule_name, "cosine (default), constant or piecewise", "NAME" },
    { "warmup-epochs", 0, 0, G_OPTION_ARG_INT, &a.warmup_epochs, "Linear warm-up epochs (default 0)", "N" },
    { "min-lr", 0, 0, G_OPTION_ARG_DOUBLE, &a.min_lr, "Cosine floor (default 0)", "LR" },
    { "label-smoothing", 0, 0, G_OPTION_ARG_DOUBLE, &a.label_smoothing, "Label smoothing (default 0.1)", "EPS" },
    { "clip", 0, 0, G_OPTION_ARG_DOUBLE, &a.clip, "Clip the gradient norm (default off)", "NORM" },
    { "no-augment", 0, 0, G_OPTION_ARG_NONE, &a.no_augment, "No augmentation", NULL },
    { "no-drop", 0, 0, G_OPTION_ARG_NONE, &a.no_drop, "Turn MAD and MSAD off", NULL },
    { "frozen-bn", 0, 0, G_OPTION_ARG_NONE, &a.frozen_bn, "Keep BatchNorm on its running statistics", NULL },
    { "freeze", 0, 0, G_OPTION_ARG_STRING_ARRAY, &a.freeze, "Freeze parameters whose name starts with PREFIX (repeatable)", "PREFIX" },
    { "flip", 0, 0, G_OPTION_ARG_NONE, &a.flip, "Validation averages with the mirrored face", NULL },
    { "seed", 0, 0, G_OPTION_ARG_INT64, &a.seed, "Seed of initialisation, order, augmentation and drops", "N" },
    { "threads", 0, 0, G_OPTION_ARG_INT, &a.threads, "Threads (default: all cores)", "T" },
    { "checkpoint", 0, 0, G_OPTION_ARG_FILENAME, &a.checkpoint, "Checkpoint file (written atomically)", "FILE" },
    { "checkpoint-every", 0, 0, G_OPTION_ARG_INT, &a.checkpoint_every, "Steps between checkpoints (default 200)", "N" },
    { "resume", 0, 0, G_OPTION_ARG_NONE, &a.resume, "Continue from --checkpoint when it exists", NULL },
    { "max-steps", 0, 0, G_OPTION_ARG_INT, &a.max_steps, "Stop (checkpointed) after this many steps in all", "N" },
    { "log", 0, 0, G_OPTION_ARG_FILENAME, &a.log_path, "Append step,epoch,loss,lr lines to FILE", "FILE" },
    { "out", 0, 0, G_OPTION_ARG_FILENAME, &a.out, "The trained model file", "FILE" },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new ("- train or fine-tune a model");
  g_autoptr(GError) error = NULL;
  g_autoptr(TfModel) model = NULL;
  g_autoptr(TfDataset) ds = NULL, valid = NULL;
  g_autoptr(TfParamGroups) groups = NULL;
  g_autoptr(TfTrainer) trainer = NULL;
  g_autoptr(TfLoader) loader = NULL;
  g_autoptr(TfSampler) sampler = NULL;
  g_autofree guint *order = NULL;
  g_autofree float *in = NULL, *tg = NULL;
  g_autofree char *recipe = NULL;
  TfOptimizer *optimizer = NULL;
  TfOptimConfig oc;
  TfCheckpointState state = { 0 };
  TfAugment aug;
  FILE *log = NULL;
  int k, s, steps_per_epoch, status = 1;
  guint n;
  double valid_acc = -1;
  g_auto(GStrv) argv_copy = g_strdupv (argv);
  int argc_copy = argc;

  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    {
      g_printerr ("transfer-cli: %s\n", error->message);
      return 2;
    }
  if ((a.config_name == NULL) == (a.from == NULL) || a.out == NULL || a.epochs < 1 || a.epochs > 10000 ||
      a.batch < 2 || a.batch > 1024 || a.threads < 1 || a.threads > 256 || a.checkpoint_every < 1 ||
      (a.resume && a.checkpoint == NULL) || a.size < 0 || a.size % 8 != 0 ||
      !(a.label_smoothing >= 0 && a.label_smoothing < 1))
    {
      g_printerr ("transfer-cli: train needs one of --config or --from, --out, a dataset, and options in range "
                  "(batch >= 2, size a multiple of 8, label smoothing in [0, 1))\n");
      return 2;
    }
  tf_set_threads (a.threads);

  if (!(ds = open_dataset (&data, a.soft, &error)))
    goto fail;
  if (a.valid && !(valid = tf_dataset_new_ferplus (a.valid, FALSE, &error)))
    goto fail;

  /* the model: fine-tuned from a file, or new from a preset with the dataset's classes */
  if (a.from)
    {
      if (!(model = tf_model_load (a.from, &error)))
        goto fail;
    }
  else
    {
      TfConfig config;
      if (!tf_config_preset (a.config_name, tf_dataset_get_n_classes (ds), &config))
        {
          g_set_error (&error, TF_ERROR, TF_ERROR_INPUT, "--config must be paper or small, not '%s'", a.config_name);
          goto fail;
        }
      if (a.size)
        config.input_size = a.size;
      if (!tf_model_check_config (&config, &error))
        goto fail;
      model = tf_model_new (&config, tf_dataset_get_class_names (ds));
      model->input.gray = a.color && g_str_equal (a.color, "gray");
      tf_model_init_random (model, (guint64) a.seed);
    }
  if (!tf_dataset_set_classes (ds, (const char * const *) model->classes, &error) ||
      (valid && !tf_dataset_set_classes (valid, (const char * const *) model->classes, &error)))
    goto fail;

  k = model->config.num_classes;
  s = model->input.size;
  n = tf_dataset_get_n_items (ds);
  steps_per_epoch = (int) ((n + a.batch - 1) / a.batch);
  if (n == 0)
    {
      g_set_error_literal (&error, TF_ERROR, TF_ERROR_INPUT, "the dataset holds no images");
      goto fail;
    }

  /* optimiser and schedule */
  tf_optim_config_init (&oc, a.optim_name && g_str_equal (a.optim_name, "sgd") ? TF_OPTIM_SGD : TF_OPTIM_ADAMW);
  if (a.optim_name && !g_str_equal (a.optim_name, "sgd") && !g_str_equal (a.optim_name, "adamw"))
    {
      g_set_error (&error, TF_ERROR, TF_ERROR_INPUT, "--optim must be adamw or sgd, not '%s'", a.optim_name);
      goto fail;
    }
  if (a.weight_decay >= 0)
    oc.weight_decay = a.weight_decay;
  if (oc.kind == TF_OPTIM_SGD)
    oc.momentum = a.momentum;
  if (!tf_optim_config_validate (&oc, &error) ||
      !(groups = tf_param_groups_new (model, (const char * const *) a.freeze, &error)))
    goto fail;
  optimizer = tf_optimizer_new (&oc, groups);

  state.schedule = (TfSchedule) {
    .kind = TF_SCHEDULE_COSINE,
    /* AdamW at 1e-3 stalls at the class prior from scratch (FER+ valid 36.7 % after
     * one epoch of the small config at 64 px, against 61.8 % at 1e-4) */
    .base_lr = a.lr > 0 ? a.lr : oc.kind == TF_OPTIM_SGD ? 0.01 : 1e-4,
    .warmup_steps = (guint64) a.warmup_epochs * steps_per_epoch,
    .total_steps = (guint64) a.epochs * steps_per_epoch,
    .min_lr = a.min_lr,
    .gamma = 0.1,
  };
  if (a.schedule_name && !tf_schedule_kind_from_name (a.schedule_name, &state.schedule.kind))
    {
      g_set_error (&error, TF_ERROR, TF_ERROR_INPUT, "--schedule must be cosine, constant or piecewise");
      goto fail;
    }
  if (state.schedule.kind == TF_SCHEDULE_PIECEWISE)
    {
      /* the released config's steps: a tenth at 50% and 75% of the run */
      state.schedule.n_milestones = 2;
      state.schedule.milestones[0] = state.schedule.total_steps / 2;
      state.schedule.milestones[1] = state.schedule.total_steps * 3 / 4;
    }
  if (state.schedule.total_steps <= state.schedule.warmup_steps)
    state.schedule.warmup_steps = 0;
  tf_rng_seed (&state.rng, tf_seed_mix ((guint64) a.seed, 0x6d6173u));
  if (!tf_schedule_validate (&state.schedule, &error))
    goto fail;
  recipe = recipe_json (&a, &data, &oc, &state.schedule, argc_copy, argv_copy);

  if (a.resume && g_file_test (a.checkpoint, G_FILE_TEST_EXISTS))
    {
      TfOptimizer *resumed = NULL;
      tf_checkpoint_state_clear (&state);
      if (!tf_checkpoint_load (a.checkpoint, &model, &resumed, &state, &error))
        goto fail;
      tf_optimizer_free (optimizer);
      optimizer = resumed;
      tf_optimizer_set_groups (optimizer, groups);
      g_printerr ("transfer-cli: resuming %s at epoch %" G_GUINT64_FORMAT ", step %" G_GUINT64_FORMAT "\n",
                  a.checkpoint, state.epoch + 1, state.step);
    }

  trainer = tf_trainer_new (model);
  tf_augment_init_default (&aug);
  loader = tf_loader_new (ds, &model->input, a.no_augment ? NULL : &aug, tf_decode_rgb, NULL, a.batch, 1);
  sampler = tf_sampler_new (ds, a.balanced ? TF_SAMPLE_BALANCED : TF_SAMPLE_SHUFFLE, (guint64) a.seed);
  order = g_new (guint, tf_sampler_get_epoch_length (sampler));
  in = g_new (float, (gsize) a.batch * 3 * s * s);
  tg = g_new (float, (gsize) a.batch * k);
  if (a.log_path && !(log = fopen (a.log_path, "a")))
    {
      g_set_error (&error, TF_ERROR, TF_ERROR_IO, "%s: %s", a.log_path, g_strerror (errno));
      goto fail;
    }

  g_printerr ("transfer-cli: %u images, %d classes, %d steps per epoch, %.2f M parameters (%.2f M trained)\n",
              n, k, steps_per_epoch, tf_config_n_params (&model->config) / 1e6, groups->n_trainable / 1e6);

  for (; state.epoch < (guint64) a.epochs; state.epoch++, state.position_in_epoch = 0)
    {
      guint first_batch = (guint) (state.position_in_epoch / a.batch);
      double loss_sum = 0, start = g_get_monotonic_time () / 1e6, last_report = start;
      int seen = 0, got;
      guint batch_index = first_batch;

      tf_sampler_epoch_order (sampler, (guint) state.epoch, order);
      tf_loader_start_epoch_at (loader, order, tf_sampler_get_epoch_length (sampler),
                                tf_seed_mix ((guint64) a.seed, state.epoch), first_batch);

      while (tf_loader_next (loader, in, tg, NULL, &got, &error) && got > 0)
        {
          TfTrainOptions opt = { .bn_train = !a.frozen_bn, .bn_momentum = 0.1f, .drop = !a.no_drop,
                                 .rng = &state.rng, .label_smoothing = (float) a.label_smoothing };
          double loss, lr, norm, now;

          batch_index++;
          if (got < 2 && opt.bn_train)
            continue;   /* one face left by failed images: no batch statistics */
          if (!tf_trainer_step (trainer, in, tg, got, &opt, &loss, &error))
            goto fail;
          norm = tf_clip_grad_norm (tf_trainer_get_grads (trainer), groups, a.clip);
          lr = tf_schedule_lr (&state.schedule, state.step);
          if (!isfinite (loss) || !isfinite (norm))
            {
              g_set_error (&error, TF_ERROR, TF_ERROR_INPUT,
                           "the loss diverged at step %" G_GUINT64_FORMAT " (loss %g): lower --lr or use --clip",
                           state.step, loss);
              goto fail;
            }
          tf_optimizer_step (optimizer, model->params, tf_trainer_get_grads (trainer), lr);
          state.step++;
          state.position_in_epoch = (guint64) batch_index * a.batch;
          loss_sum += loss * got;
          seen += got;
          if (log)
            fprintf (log, "%" G_GUINT64_FORMAT ",%" G_GUINT64_FORMAT ",%.6f,%.6g\n", state.step, state.epoch + 1, loss, lr);

          now = g_get_monotonic_time () / 1e6;
          if (now - last_report > 2 || batch_index == (guint) steps_per_epoch)
            {
              double rate = seen / MAX (now - start, 1e-9);
              guint64 left = (guint64) (a.epochs - state.epoch - 1) * n + (n - MIN (n, batch_index * (guint) a.batch));
              g_autofree char *eta = format_eta (left / MAX (rate, 1e-9));
              g_printerr ("epoch %" G_GUINT64_FORMAT "/%d step %u/%d loss %.4f lr %.3g %.1f img/s ETA %s\n",
                          state.epoch + 1, a.epochs, batch_index, steps_per_epoch, loss_sum / seen, lr, rate, eta);
              last_report = now;
            }
          if (a.checkpoint && (state.step % (guint64) a.checkpoint_every == 0 ||
                               (a.max_steps && state.step >= (guint64) a.max_steps)))
            if (!tf_checkpoint_save (a.checkpoint, model, optimizer, &state, &error))
              goto fail;
          if (a.max_steps && state.step >= (guint64) a.max_steps)
            {
              g_printerr ("transfer-cli: stopped after %" G_GUINT64_FORMAT " steps (--max-steps), loss %.6f\n",
                          state.step, loss);
              printf ("final_loss=%.6f\n", loss);
              status = 0;
              goto done;
            }
        }
      if (error)
        goto fail;

      if (valid)
        {
          EvalResult res;
          if (!evaluate (model, valid, 64, a.flip, tf_decode_rgb, NULL, &res, &error))
            goto fail;
          valid_acc = eval_accuracy (&res);
          g_free (res.confusion);
        }
      g_printerr ("epoch %" G_GUINT64_FORMAT "/%d done: train loss %.4f%s", state.epoch + 1, a.epochs,
                  seen ? loss_sum / seen : NAN, valid ? "" : "\n");
      if (valid)
        g_printerr (", valid accuracy %.2f %%\n", 100 * valid_acc);
      if (a.checkpoint)
        {
          TfCheckpointState next = state;
          next.epoch++;
          next.position_in_epoch = 0;
          if (!tf_checkpoint_save (a.checkpoint, model, optimizer, &next, &error))
            goto fail;
        }
    }

  /* the model file, with how it was made; a fine-tuned model keeps how its
   * starting point was made under base_* (the lineage of one step) */
  if (a.from)
    {
      const char *keys[] = { "trained_with", "recipe", "epochs", "dataset", "valid_accuracy" };
      for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
        {
          const char *old = g_hash_table_lookup (model->metadata, keys[i]);
          if (old)
            g_hash_table_insert (model->metadata, g_strconcat ("base_", keys[i], NULL), g_strdup (old));
        }
    }
  g_hash_table_insert (model->metadata, g_strdup ("trained_with"), g_strdup ("transfer-cli train (C trainer)"));
  g_hash_table_insert (model->metadata, g_strdup ("recipe"), g_strdup (recipe));
  g_hash_table_insert (model->metadata, g_strdup ("epochs"), g_strdup_printf ("%d", a.epochs));
  g_hash_table_insert (model->metadata, g_strdup ("dataset"),
                       g_strdup (data.ferplus ? "FER+ (majority protocol)" : data.folders ? data.folders : data.csv));
  if (valid_acc >= 0)
    g_hash_table_insert (model->metadata, g_strdup ("valid_accuracy"), g_strdup_printf ("%.4f", valid_acc));
  g_hash_table_remove (model->metadata, "checkpoint");
  if (!tf_model_save (model, a.out, TF_DTYPE_F32, &error))
    goto fail;
  if (valid_acc >= 0)
    printf ("valid_accuracy=%.4f\n", valid_acc);
  status = 0;
  goto done;

fail:
  g_printerr ("transfer-cli: %s\n", error ? error->message : "training failed");
  status = 1;
done:
  if (log)
    fclose (log);
  tf_checkpoint_state_clear (&state);
  tf_optimizer_free (optimizer);
  return status;
}
