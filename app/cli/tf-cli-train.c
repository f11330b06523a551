/* SPDX-License-Identifier: GPL-3.0-or-later */
/* transfer-cli train: the flags become a TfFitRecipe, model/tf-fit.c runs
 * it, and this file prints its progress. */
#include <errno.h>
#include <stdio.h>

#include "tf-cli-dataset.h"
#include "tf-cli.h"
#include "tf-decode.h"
#include "tf-error.h"
#include "tf-fit.h"

typedef struct
{
  char    *config_name, *from, *valid, *out, *checkpoint, *optim_name, *schedule_name, *color, *log_path;
  char   **freeze;
  int      size;
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

/* What the callbacks print to. */
typedef struct
{
  const char *checkpoint;
  FILE       *log;            /* --log, or NULL */
  guint64     epoch;          /* of the last progress line */
  double      last_report;    /* seconds into that epoch */
} Printer;

static char *
format_eta (double seconds)
{
  int s = (int) MAX (seconds, 0);
  return g_strdup_printf ("%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60);
}

static void
on_start_cb (const TfFitStart *start,
             gpointer          user_data)
{
  Printer *pr = user_data;

  if (start->resumed)
    g_printerr ("transfer-cli: resuming %s at epoch %" G_GUINT64_FORMAT ", step %" G_GUINT64_FORMAT "\n",
                pr->checkpoint, start->resumed_epoch, start->resumed_step);
  g_printerr ("transfer-cli: %u images, %d classes, %d steps per epoch, %.2f M parameters (%.2f M trained)\n",
              start->n_images, start->n_classes, start->steps_per_epoch, start->n_params / 1e6,
              start->n_trainable / 1e6);
}

/* Every step goes to the log; a line on stderr every 2 s and at the end of
 * each epoch. */
static void
on_progress_cb (const TfFitProgress *p,
                gpointer             user_data)
{
  Printer *pr = user_data;

  if (pr->log)
    fprintf (pr->log, "%" G_GUINT64_FORMAT ",%" G_GUINT64_FORMAT ",%.6f,%.6g\n", p->step, p->epoch, p->loss, p->lr);
  if (p->epoch != pr->epoch)
    {
      pr->epoch = p->epoch;
      pr->last_report = 0;
    }
  if (p->epoch_seconds - pr->last_report > 2 || p->batch == (guint) p->steps_per_epoch)
    {
      g_autofree char *eta = format_eta (p->eta_s);
      g_printerr ("epoch %" G_GUINT64_FORMAT "/%d step %u/%d loss %.4f lr %.3g %.1f img/s ETA %s\n", p->epoch,
                  p->epochs, p->batch, p->steps_per_epoch, p->epoch_loss, p->lr, p->images_per_s, eta);
      pr->last_report = p->epoch_seconds;
    }
}

static void
on_epoch_cb (const TfFitEpoch *e,
             gpointer          user_data)
{
  (void) user_data;
  g_printerr ("epoch %" G_GUINT64_FORMAT "/%d done: train loss %.4f", e->epoch, e->epochs, e->train_loss);
  if (e->valid_accuracy >= 0)
    g_printerr (", valid accuracy %.2f %%", 100 * e->valid_accuracy);
  g_printerr ("\n");
}

static const TfFitCallbacks train_callbacks = {
  .start = on_start_cb,
  .progress = on_progress_cb,
  .epoch = on_epoch_cb,
};

/* The model to train: a file to fine-tune, a partial model (the stem
 * tools/convert_official.py converts) to go on from with the dataset's
 * classes, or a new one of a preset with them. */
static TfModel *
make_model (const TrainArgs *a,
            TfDataset       *ds,
            GError         **error)
{
  TfConfig config;
  TfModel *model;

  if (a->from && tf_model_file_is_partial (a->from))
    {
      g_autofree char *held = NULL;

      if (!(model = tf_model_load_partial (a->from, tf_dataset_get_class_names (ds), (guint64) a->seed, error)))
        return NULL;
      held = tf_model_describe_partial (g_hash_table_lookup (model->metadata, "base_" TF_MODEL_PARTIAL_KEY));
      g_printerr ("transfer-cli: starting from %s's %s; the rest of the model drawn at random (seed %"
                  G_GINT64_FORMAT ")\n", a->from, held, a->seed);
      return model;
    }
  if (a->from)
    return tf_model_load (a->from, error);
  if (!tf_config_preset (a->config_name, tf_dataset_get_n_classes (ds), &config))
    {
      g_set_error (error, TF_ERROR, TF_ERROR_INPUT, "--config must be paper or small, not '%s'", a->config_name);
      return NULL;
    }
  if (a->size)
    config.input_size = a->size;
  if (!tf_model_check_config (&config, error))
    return NULL;
  model = tf_model_new (&config, tf_dataset_get_class_names (ds));
  model->input.gray = a->color && g_str_equal (a->color, "gray");
  tf_model_init_random (model, (guint64) a->seed);
  return model;
}

int
tf_cli_train (int    argc,
              char **argv)
{
  g_auto(TrainArgs) a = { 0 };
  g_auto(TfCliShared) shared = { 0 };
  g_auto(TfCliDataset) data = { 0 };
  TfFitRecipe r;
  const GOptionEntry model_entries[] = {
    { "config", 0, 0, G_OPTION_ARG_STRING, &a.config_name, "Start from a random model of a preset: paper or small",
      "NAME" },
    { "from", 0, 0, G_OPTION_ARG_FILENAME, &a.from, "Or fine-tune a model file", "FILE" },
    { "size", 0, 0, G_OPTION_ARG_INT, &a.size, "Input size for --config (default: the preset's, 112)", "S" },
    { "color", 0, 0, G_OPTION_ARG_STRING, &a.color, "Input colour handling for --config: rgb or gray", "MODE" },
    G_OPTION_ENTRY_NULL
  };
  const GOptionEntry entries[] = {
    { "valid", 0, 0, G_OPTION_ARG_FILENAME, &a.valid, "FER+ folder to evaluate after each epoch", "DIR" },
    { "soft", 0, 0, G_OPTION_ARG_NONE, &r.soft, "FER+ soft targets from the votes", NULL },
    { "balanced", 0, 0, G_OPTION_ARG_NONE, &r.balanced, "Class-balanced sampling", NULL },
    { "epochs", 0, 0, G_OPTION_ARG_INT, &r.epochs, "Epochs (default " G_STRINGIFY (TF_FIT_DEFAULT_EPOCHS) ")", "N" },
    { "batch", 0, 0, G_OPTION_ARG_INT, &r.batch, "Batch size (default " G_STRINGIFY (TF_FIT_DEFAULT_BATCH) ")", "N" },
    { "optim", 0, 0, G_OPTION_ARG_STRING, &a.optim_name, "adamw (default) or sgd", "NAME" },
    { "lr", 0, 0, G_OPTION_ARG_DOUBLE, &r.lr, "Base learning rate (default " G_STRINGIFY (TF_FIT_DEFAULT_LR_ADAMW)
      " AdamW, " G_STRINGIFY (TF_FIT_DEFAULT_LR_SGD) " SGD)", "LR" },
    { "weight-decay", 0, 0, G_OPTION_ARG_DOUBLE, &r.weight_decay, "Weight decay (default "
      G_STRINGIFY (TF_OPTIM_DEFAULT_ADAMW_WEIGHT_DECAY) " AdamW, " G_STRINGIFY (TF_OPTIM_DEFAULT_SGD_WEIGHT_DECAY)
      " SGD)", "WD" },
    { "momentum", 0, 0, G_OPTION_ARG_DOUBLE, &r.momentum, "SGD momentum (default "
      G_STRINGIFY (TF_OPTIM_DEFAULT_SGD_MOMENTUM) ")", "M" },
    { "schedule", 0, 0, G_OPTION_ARG_STRING, &a.schedule_name, "cosine (default), constant or piecewise", "NAME" },
    { "warmup-epochs", 0, 0, G_OPTION_ARG_INT, &r.warmup_epochs, "Linear warm-up epochs (default 0)", "N" },
    { "min-lr", 0, 0, G_OPTION_ARG_DOUBLE, &r.min_lr, "Cosine floor (default 0)", "LR" },
    { "label-smoothing", 0, 0, G_OPTION_ARG_DOUBLE, &r.label_smoothing, "Label smoothing (default "
      G_STRINGIFY (TF_FIT_DEFAULT_LABEL_SMOOTHING) ")", "EPS" },
    { "clip", 0, 0, G_OPTION_ARG_DOUBLE, &r.clip, "Clip the gradient norm (default off)", "NORM" },
    { "no-augment", 0, G_OPTION_FLAG_REVERSE, G_OPTION_ARG_NONE, &r.augment, "No augmentation", NULL },
    { "no-drop", 0, G_OPTION_FLAG_REVERSE, G_OPTION_ARG_NONE, &r.drop, "Turn MAD and MSAD off", NULL },
    { "frozen-bn", 0, 0, G_OPTION_ARG_NONE, &r.frozen_bn, "Keep BatchNorm on its running statistics", NULL },
    { "freeze", 0, 0, G_OPTION_ARG_STRING_ARRAY, &a.freeze,
      "Freeze parameters whose name starts with PREFIX (repeatable)", "PREFIX" },
    { "flip", 0, 0, G_OPTION_ARG_NONE, &r.valid_flip, "Validation averages with the mirrored face", NULL },
    { "seed", 0, 0, G_OPTION_ARG_INT64, &a.seed, "Seed of initialisation, order, augmentation and drops", "N" },
    { "checkpoint", 0, 0, G_OPTION_ARG_FILENAME, &a.checkpoint, "Checkpoint file (written atomically)", "FILE" },
    { "checkpoint-every", 0, 0, G_OPTION_ARG_INT, &r.checkpoint_every, "Steps between checkpoints (default "
      G_STRINGIFY (TF_FIT_DEFAULT_CHECKPOINT_EVERY) ")", "N" },
    { "resume", 0, 0, G_OPTION_ARG_NONE, &r.resume, "Continue from --checkpoint when it exists", NULL },
    { "max-steps", 0, 0, G_OPTION_ARG_INT, &r.max_steps, "Stop (checkpointed) after this many steps in all", "N" },
    { "log", 0, 0, G_OPTION_ARG_FILENAME, &a.log_path, "Append step,epoch,loss,lr lines to FILE", "FILE" },
    { "out", 0, 0, G_OPTION_ARG_FILENAME, &a.out, "The trained model file", "FILE" },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new ("- train or fine-tune a model");
  g_autoptr(GError) error = NULL;
  g_autoptr(TfModel) model = NULL;
  g_autoptr(TfDataset) ds = NULL, valid = NULL;
  g_autofree char *command = tf_cli_command_line ("train", argc, argv);
  Printer printer = { 0 };
  TfFitResult result = { 0 };
  int status = 1;

  tf_fit_recipe_init (&r);
  g_option_context_add_main_entries (ctx, model_entries, NULL);
  tf_cli_dataset_add (ctx, &data, "FER+ train folder (label.csv, majority protocol)");
  g_option_context_add_main_entries (ctx, entries, NULL);
  tf_cli_shared_add (ctx, &shared, TF_CLI_OPTION_THREADS);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    {
      g_printerr ("transfer-cli: %s\n", error->message);
      return 2;
    }
  r.checkpoint = a.checkpoint;
  r.threads = shared.threads;
  if ((a.config_name == NULL) == (a.from == NULL) || a.out == NULL || a.size < 0 || a.size % 8 != 0 ||
      tf_cli_shared_check (&shared) || !tf_fit_recipe_validate (&r, NULL))
    {
      g_printerr ("transfer-cli: train needs one of --config or --from, --out, a dataset, and options in range "
                  "(batch >= 2, size a multiple of 8, label smoothing in [0, 1))\n");
      return 2;
    }

  /* a destination that cannot be written is found before the first step,
   * not after the whole run */
  if (!tf_atomic_file_check_writable (a.out, &error))
    goto out;
  if (!(ds = tf_cli_dataset_open (&data, r.soft, &error)) ||
      (a.valid && !(valid = tf_dataset_new_ferplus (a.valid, FALSE, &error))) ||
      !(model = make_model (&a, ds, &error)))
    goto out;
  if (a.optim_name && !tf_optim_kind_from_name (a.optim_name, &r.optim))
    {
      g_set_error (&error, TF_ERROR, TF_ERROR_INPUT, "--optim must be adamw or sgd, not '%s'", a.optim_name);
      goto out;
    }
  if (a.schedule_name && !tf_schedule_kind_from_name (a.schedule_name, &r.schedule))
    {
      g_set_error (&error, TF_ERROR, TF_ERROR_INPUT, "--schedule must be cosine, constant or piecewise");
      goto out;
    }
  if (a.log_path && !(printer.log = fopen (a.log_path, "a")))
    {
      g_set_error (&error, TF_ERROR, TF_ERROR_IO, "%s: %s", a.log_path, g_strerror (errno));
      goto out;
    }
  r.freeze = (const char * const *) a.freeze;
  r.seed = (guint64) a.seed;
  r.command = command;
  r.dataset_kind = tf_cli_dataset_kind (&data);
  r.dataset_name = tf_cli_dataset_name (&data);
  r.trained_with = "transfer-cli train (C trainer)";
  printer.checkpoint = a.checkpoint;

  if (!tf_fit_run (model, ds, valid, tf_decode_rgb, NULL, &r, &train_callbacks, &printer, NULL, &result, &error))
    goto out;
  if (result.stopped)
    {
      g_printerr ("transfer-cli: stopped after %" G_GUINT64_FORMAT " steps (--max-steps), loss %.6f\n",
                  result.steps, result.final_loss);
      printf ("final_loss=%.6f\n", result.final_loss);
      status = 0;
      goto out;
    }
  if (!tf_model_save (model, a.out, TF_DTYPE_F32, &error))
    goto out;
  if (result.valid_accuracy >= 0)
    printf ("valid_accuracy=%.4f\n", result.valid_accuracy);
  status = 0;

out:
  if (status != 0)
    g_printerr ("transfer-cli: %s%s\n", error ? error->message : "training failed",
                result.diverged ? ": lower --lr or use --clip" : "");
  /* a log cut short by a full disk is a failure too */
  if (printer.log && (ferror (printer.log) | fclose (printer.log)) != 0)
    {
      g_printerr ("transfer-cli: cannot write the log %s: %s\n", a.log_path, g_strerror (errno ? errno : EIO));
      status = status ? status : 1;
    }
  return status;
}
