/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Fine-tuning that keeps what the model knew: presets, the grouped split,
 * distillation targets, the run with its before/after and drift. */
#include <errno.h>
#include <math.h>
#include <string.h>
#include <glib/gstdio.h>

#include "tf-atomic-file.h"
#include "tf-error.h"
#include "tf-finetune.h"
#include "tf-json.h"
#include "tf-ops.h"
#include "tf-rng.h"

/* ---- presets ------------------------------------------------------------------ */

static const char *const preset_names[] = { "head", "recommended", "all" };

/* What stays fixed. The head preset trains the classifier and the norm
 * before it; the recommended one all but the IR-50 stem, whose generic
 * edges and textures a few hundred faces can only damage. */
static const char *const freeze_head[] = {
  "extractor.", "attention.", "convert.", "vit.blocks.", "vit.cls_token", "vit.pos_embed", NULL,
};
static const char *const freeze_recommended[] = { "extractor.", NULL };

/* The recipe each preset starts from, chosen on the proxies tabled in
 * HACKING.md ("Fine-tuning"). */
typedef struct
{
  int    epochs;
  double lr, distill, temperature, l2sp;
  int    batch;
  double anchors;   /* mixed faces distilled on, per labelled face not matched by an unlabelled one */
  double blend;     /* weight of the fine-tuned weights against the starting ones (0: 1) */
  double keep;      /* the starting model's share of unmentioned classes kept, at most */
  double rate;      /* training faces a second, shipped model, 2 cores (bench --finetune) */
} Preset;

static const Preset presets[] = {
  [TF_FINETUNE_HEAD]        = { .epochs = 5, .lr = 3e-4, .distill = 0.5, .temperature = 2, .l2sp = 0,
                                .batch = 16, .blend = 0.8, .rate = 60 },
  [TF_FINETUNE_RECOMMENDED] = { .epochs = 5, .lr = 1e-4, .distill = 0.5, .temperature = 2, .l2sp = 0.01,
                                .batch = 16, .blend = 0.8, .rate = 30 },
  [TF_FINETUNE_ALL]         = { .epochs = 5, .lr = 1e-4, .distill = 0.5, .temperature = 2, .l2sp = 0.01,
                                .batch = 16, .blend = 1, .rate = 20 },
};

/* The inference rate of the shipped model on the 2-core machine the
 * benchmarks are measured on (transfer-cli bench), faces a second; the
 * training rates are the presets'. */
#define RATE_INFER 65.0

const char *
tf_finetune_preset_name (TfFinetunePreset preset)
{
  g_return_val_if_fail ((guint) preset < G_N_ELEMENTS (preset_names), NULL);
  return preset_names[preset];
}

gboolean
tf_finetune_preset_from_name (const char       *name,
                              TfFinetunePreset *preset)
{
  for (guint i = 0; i < G_N_ELEMENTS (preset_names); i++)
    if (g_strcmp0 (name, preset_names[i]) == 0)
      {
        *preset = (TfFinetunePreset) i;
        return TRUE;
      }
  return FALSE;
}

void
tf_finetune_options_init (TfFinetuneOptions *o)
{
  g_return_if_fail (o != NULL);
  *o = (TfFinetuneOptions) {
    .preset = TF_FINETUNE_DEFAULT_PRESET,
    .distill = -1,
    .l2sp = -1,
    .anchors = -1,
    .keep = -1,
    .seed = TF_FINETUNE_DEFAULT_SEED,
  };
}

void
tf_finetune_recipe (const TfFinetuneOptions *o,
                    TfFitRecipe             *r,
                    double                  *distill,
                    double                  *temperature)
{
  const Preset *p = &presets[o->preset];

  tf_fit_recipe_init (r);
  r->epochs = o->epochs > 0 ? o->epochs : p->epochs;
  r->lr = o->lr > 0 ? o->lr : p->lr;
  r->batch = o->batch > 0 ? o->batch : p->batch;
  r->l2sp = o->l2sp >= 0 ? o->l2sp : p->l2sp;
  r->freeze = o->preset == TF_FINETUNE_HEAD ? freeze_head
              : o->preset == TF_FINETUNE_RECOMMENDED ? freeze_recommended : NULL;
  /* a few hundred faces would pull BatchNorm's statistics away from those
   * every other face is normalised with */
  r->frozen_bn = TRUE;
  r->seed = o->seed;
  r->threads = o->threads;
  r->checkpoint = o->checkpoint;
  r->resume = o->resume;
  r->checkpoint_every = 50;
  r->command = o->command;
  r->dataset_kind = "finetune";
  r->dataset_name = o->dataset_name;
  if (distill)
    *distill = o->distill >= 0 ? MIN (o->distill, 1.0) : p->distill;
  if (temperature)
    *temperature = o->temperature > 0 ? o->temperature : p->temperature;
}

static guint
distilled_unlabelled (const TfFinetuneOptions *o,
                      guint                    n_train,
                      guint                    n_unlabelled)
{
  return MIN (n_unlabelled, o->max_unlabelled ? o->max_unlabelled : n_train);
}

/* Mixed faces: as many as the labelled faces the unlabelled ones do not
 * match, times the rate. */
static guint
n_anchors (const TfFinetuneOptions *o,
           guint                    n_train,
           guint                    n_unlabelled)
{
  double rate = o->anchors >= 0 ? o->anchors : presets[o->preset].anchors;
  guint distilled = distilled_unlabelled (o, n_train, n_unlabelled);

  return distilled >= n_train ? 0 : (guint) (rate * (n_train - distilled) + 0.5);
}

double
tf_finetune_estimate_s (const TfFinetuneOptions *o,
                        guint                    n_train,
                        guint                    n_unlabelled,
                        guint                    n_holdout)
{
  TfFitRecipe r;
  double distill, temperature;
  guint distilled = distilled_unlabelled (o, n_train, n_unlabelled) + n_anchors (o, n_train, n_unlabelled);

  tf_finetune_recipe (o, &r, &distill, &temperature);
  return (double) r.epochs * (n_train + distilled) / presets[o->preset].rate   /* the epochs */
         + (double) (r.epochs + 2) * n_holdout / RATE_INFER          /* before, each epoch, after */
         + 2.0 * (n_train + n_unlabelled) / RATE_INFER;              /* teacher, drift */
}

/* Floats one face's training step keeps: the stem's tensors at each unit's
 * resolution (six per unit), the input layer's, the encoder's per block.
 * x1.75 is what bench --train measured on the shipped model against this
 * count (64 MB a face: 2150 MB at batch 32, 1126 MB at 16). */
#define ACTIVATION_CALIBRATION 1.75

static double
activation_floats (const TfConfig *c)
{
  double side = c->input_size, floats = 3 * side * side * (1 + c->stem_widths[0]);
  int tokens = tf_config_tokens (c);

  for (int st = 0; st < TF_STAGES; st++)
    for (int k = 0; k < c->stem_depths[st]; k++)
      {
        floats += 6.0 * c->stem_widths[st] * side * side;
        if (k == 0)
          side /= 2;
      }
  floats += (double) c->depth * ((double) tokens * c->embed_dim * 12 + 2.0 * c->heads * tokens * tokens);
  return floats;
}

double
tf_finetune_memory_bytes (TfModel                 *model,
                          const TfFinetuneOptions *o)
{
  TfFitRecipe r;
  double per_face = ACTIVATION_CALIBRATION * activation_floats (&model->config) * sizeof (float);
  double weights = (double) model->n_params * sizeof (float);

  tf_finetune_recipe (o, &r, NULL, NULL);
  /* params, grads, two AdamW moments, the L2-SP anchor, the best epoch, the
   * starting model; and an evaluation batch, a quarter of a training face each */
  return r.batch * per_face + 7 * weights + TF_EVAL_DEFAULT_BATCH * per_face / 4;
}

/* MemAvailable of /proc/meminfo in bytes; 0 when unknown. */
static double
available_bytes (void)
{
  g_autofree char *text = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/meminfo", &text, NULL, NULL) || !(line = strstr (text, "MemAvailable:")))
    return 0;
  return g_ascii_strtod (line + strlen ("MemAvailable:"), NULL) * 1024;
}

/* ---- the split ------------------------------------------------------------------ */

typedef struct
{
  gint64 group;
  int    label;     /* the class most of its faces have */
  guint  n;         /* faces with a class */
  guint  order;     /* random rank */
} Group;

static int
compare_group_order (gconstpointer a,
                     gconstpointer b)
{
  const Group *x = a, *y = b;
  return x->order < y->order ? -1 : x->order > y->order;
}

static int
compare_by_group (gconstpointer a,
                  gconstpointer b,
                  gpointer      user_data)
{
  const gint64 *groups = user_data;
  gint64 x = groups[*(const guint *) a], y = groups[*(const guint *) b];
  return x < y ? -1 : x > y;
}

gboolean *
tf_finetune_split (const int    *labels,
                   const gint64 *groups,
                   guint         n,
                   double        fraction,
                   guint64       seed)
{
  g_autoptr(GArray) gs = g_array_new (FALSE, TRUE, sizeof (Group));
  g_autoptr(GHashTable) out_groups = g_hash_table_new (g_int64_hash, g_int64_equal);
  g_autofree guint *order = g_new (guint, MAX (n, 1));
  g_autofree guint *votes = NULL;
  gboolean *held = g_new0 (gboolean, MAX (n, 1));
  guint m = 0;
  int max_label = -1;
  TfRng rng;

  if (n == 0 || !(fraction > 0))
    return held;
  fraction = MIN (fraction, 1.0);

  /* the labelled faces by group; each group's majority class */
  for (guint i = 0; i < n; i++)
    if (labels[i] >= 0)
      {
        order[m++] = i;
        max_label = MAX (max_label, labels[i]);
      }
  g_qsort_with_data (order, (gint) m, sizeof (guint), compare_by_group, (gpointer) groups);
  votes = g_new0 (guint, max_label + 1);
  tf_rng_seed (&rng, tf_seed_mix (seed, 0x73706c6974u));
  for (guint a = 0, b; a < m; a = b)
    {
      Group g = { .group = groups[order[a]], .label = -1 };
      guint best = 0;

      memset (votes, 0, sizeof (guint) * (max_label + 1));
      for (b = a; b < m && groups[order[b]] == g.group; b++)
        votes[labels[order[b]]]++;
      for (int c = 0; c <= max_label; c++)
        if (votes[c] > best)
          {
            best = votes[c];
            g.label = c;
          }
      g.n = b - a;
      g.order = (guint) tf_rng_next (&rng);
      g_array_append_val (gs, g);
    }
  g_array_sort (gs, compare_group_order);

  /* per class, whole groups in random order until the fraction is reached,
   * keeping at least one group for training */
  for (int c = 0; c <= max_label; c++)
    {
      guint total = 0, n_groups = 0, taken = 0, taken_groups = 0;

      for (guint j = 0; j < gs->len; j++)
        {
          const Group *g = &g_array_index (gs, Group, j);
          if (g->label == c)
            {
              total += g->n;
              n_groups++;
            }
        }
      if (n_groups < 2)
        continue;
      for (guint j = 0; j < gs->len && taken < fraction * total; j++)
        {
          Group *g = &g_array_index (gs, Group, j);
          if (g->label != c || taken_groups + 1 >= n_groups)
            continue;
          /* a group that overshoots more than it helps stays in training */
          if (taken > 0 && taken + g->n > fraction * total + g->n / 2.0 && taken >= fraction * total * 0.5)
            continue;
          g_hash_table_add (out_groups, &g->group);
          taken += g->n;
          taken_groups++;
        }
    }
  for (guint i = 0; i < n; i++)
    held[i] = labels[i] >= 0 && g_hash_table_contains (out_groups, &groups[i]);
  return held;
}

/* ---- the report ------------------------------------------------------------------ */

void
tf_finetune_report_free (TfFinetuneReport *r)
{
  if (r == NULL)
    return;
  g_strfreev (r->classes);
  g_strfreev (r->new_classes);
  g_free (r->train_counts);
  g_clear_pointer (&r->before, tf_eval_result_free);
  g_clear_pointer (&r->after, tf_eval_result_free);
  g_clear_pointer (&r->epoch_loss, g_array_unref);
  g_clear_pointer (&r->epoch_accuracy, g_array_unref);
  g_clear_pointer (&r->drift_index, g_array_unref);
  g_clear_pointer (&r->drift_before, g_array_unref);
  g_clear_pointer (&r->drift_after, g_array_unref);
  g_free (r->recipe);
  g_free (r);
}

static void
json_eval (GString            *s,
           const TfEvalResult *e,
           char              **classes)
{
  if (e == NULL)
    {
      g_string_append (s, "null");
      return;
    }
  g_string_append_printf (s, "{\"faces\":%u,\"skipped\":%u,\"accuracy\":%.6f,\"macro_f1\":%.6f,"
                          "\"macro_recall\":%.6f,\"recall\":{", e->n_faces, e->n_skipped, e->accuracy,
                          e->macro_f1, e->macro_recall);
  for (int k = 0; k < e->n_classes; k++)
    {
      if (k)
        g_string_append_c (s, ',');
      tf_json_string (s, classes[k]);
      if (e->support[k])
        g_string_append_printf (s, ":%.6f", e->recall[k]);
      else
        g_string_append (s, ":null");
    }
  g_string_append (s, "},\"f1\":{");
  for (int k = 0; k < e->n_classes; k++)
    {
      if (k)
        g_string_append_c (s, ',');
      tf_json_string (s, classes[k]);
      g_string_append_printf (s, ":%.6f", e->f1[k]);
    }
  g_string_append (s, "},\"confusion\":[");
  for (int i = 0; i < e->n_classes; i++)
    {
      g_string_append (s, i ? ",[" : "[");
      for (int j = 0; j < e->n_classes; j++)
        g_string_append_printf (s, j ? ",%u" : "%u", e->confusion[i * e->n_classes + j]);
      g_string_append_c (s, ']');
    }
  g_string_append (s, "]}");
}

static void
json_strv (GString    *s,
           char      **v)
{
  g_string_append_c (s, '[');
  for (int i = 0; v && v[i]; i++)
    {
      if (i)
        g_string_append_c (s, ',');
      tf_json_string (s, v[i]);
    }
  g_string_append_c (s, ']');
}

char *
tf_finetune_report_to_json (const TfFinetuneReport *r)
{
  GString *s = g_string_new ("{\"classes\":");

  g_return_val_if_fail (r != NULL, NULL);

  json_strv (s, r->classes);
  g_string_append (s, ",\"new_classes\":");
  json_strv (s, r->new_classes);
  g_string_append_printf (s, ",\"train\":%u,\"holdout\":%u,\"unlabelled\":%u,\"mixed\":%u,\"train_counts\":{",
                          r->n_train, r->n_holdout, r->n_unlabelled, r->n_anchors);
  for (int k = 0; k < r->n_classes; k++)
    {
      if (k)
        g_string_append_c (s, ',');
      tf_json_string (s, r->classes[k]);
      g_string_append_printf (s, ":%u", r->train_counts ? r->train_counts[k] : 0);
    }
  g_string_append (s, "},\"epochs\":[");
  for (guint i = 0; r->epoch_loss && i < r->epoch_loss->len; i++)
    {
      double acc = g_array_index (r->epoch_accuracy, double, i);
      g_string_append_printf (s, "%s{\"loss\":%.6f", i ? "," : "", g_array_index (r->epoch_loss, double, i));
      if (acc >= 0)
        g_string_append_printf (s, ",\"holdout_accuracy\":%.6f", acc);
      g_string_append_c (s, '}');
    }
  g_string_append_printf (s, "],\"best_epoch\":%d,\"cancelled\":%s,\"seconds\":%.1f,\"before\":", r->best_epoch,
                          r->cancelled ? "true" : "false", r->seconds);
  json_eval (s, r->before, r->classes);
  g_string_append (s, ",\"after\":");
  json_eval (s, r->after, r->classes);
  g_string_append_printf (s, ",\"drift\":{\"compared\":%u,\"changed\":%u}", r->n_unlabelled,
                          r->drift_index ? r->drift_index->len : 0);
  g_string_append (s, ",\"recipe\":");
  g_string_append (s, r->recipe ? r->recipe : "null");
  g_string_append_c (s, '}');
  return g_string_free (s, FALSE);
}

/* ---- the run ----------------------------------------------------------------------- */

typedef struct
{
  const TfFinetuneOptions   *options;
  const TfFinetuneCallbacks *callbacks;
  gpointer                   user_data;
  TfFinetuneReport          *report;
  TfModel                   *model;
  float                     *best;          /* the best epoch's params so far */
  double                     best_accuracy;
  struct _Mix               *mix;           /* the mixed faces' pairs */
  int                        epochs;        /* of the recipe */
} Run;

static void
run_phase (Run             *run,
           TfFinetunePhase  phase)
{
  if (run->callbacks && run->callbacks->phase)
    run->callbacks->phase (phase, run->user_data);
}

static void
on_start_cb (const TfFitStart *start,
             gpointer          user_data)
{
  Run *run = user_data;

  /* epochs the checkpoint does not hold are run again */
  if (start->resumed && run->report->epoch_loss->len >= start->resumed_epoch)
    {
      g_array_set_size (run->report->epoch_loss, (guint) start->resumed_epoch - 1);
      g_array_set_size (run->report->epoch_accuracy, (guint) start->resumed_epoch - 1);
    }
  if (!start->resumed)
    {
      g_array_set_size (run->report->epoch_loss, 0);
      g_array_set_size (run->report->epoch_accuracy, 0);
    }
  if (run->callbacks && run->callbacks->fit.start)
    run->callbacks->fit.start (start, run->user_data);
  /* the epochs run before the interruption, told again for the plots */
  for (guint i = 0; run->callbacks && run->callbacks->fit.epoch && i < run->report->epoch_loss->len; i++)
    {
      TfFitEpoch e = { .epoch = i + 1, .epochs = -1, .train_loss = g_array_index (run->report->epoch_loss, double, i),
                       .valid_accuracy = g_array_index (run->report->epoch_accuracy, double, i) };
      e.epochs = run->epochs;
      run->callbacks->fit.epoch (&e, run->user_data);
    }
}

static void
on_progress_cb (const TfFitProgress *p,
                gpointer             user_data)
{
  Run *run = user_data;
  if (run->callbacks && run->callbacks->fit.progress)
    run->callbacks->fit.progress (p, run->user_data);
}

/* The epochs' history beside the checkpoint ("CHECKPOINT.history": a line
 * "loss accuracy" per epoch), so that a resumed run reports the epochs run
 * before it was killed. Best effort: the history only informs. */
static char *
history_path (const Run *run)
{
  return g_strconcat (run->options->checkpoint, ".history", NULL);
}

gboolean
tf_finetune_remove_checkpoint (const char  *checkpoint,
                               GError     **error)
{
  g_autofree char *history = g_strconcat (checkpoint, ".history", NULL);
  const char *files[] = { checkpoint, history };

  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    if (g_remove (files[i]) != 0 && errno != ENOENT)
      {
        int saved = errno;
        g_autofree char *name = g_filename_display_name (files[i]);
        g_set_error (error, TF_ERROR, TF_ERROR_IO, "%s: %s", name, g_strerror (saved));
        return FALSE;
      }
  return TRUE;
}

static void
history_save (Run *run)
{
  g_autofree char *path = history_path (run);
  g_autoptr(GString) s = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  char a[G_ASCII_DTOSTR_BUF_SIZE], b[G_ASCII_DTOSTR_BUF_SIZE];

  for (guint i = 0; i < run->report->epoch_loss->len; i++)
    g_string_append_printf (s, "%s %s\n",
                            g_ascii_dtostr (a, sizeof a, g_array_index (run->report->epoch_loss, double, i)),
                            g_ascii_dtostr (b, sizeof b, g_array_index (run->report->epoch_accuracy, double, i)));
  if (!tf_atomic_file_set_contents (path, s->str, s->len, &error))
    g_warning ("%s", error->message);
}

static void
history_load (Run *run)
{
  g_autofree char *path = history_path (run), *text = NULL;
  g_auto(GStrv) lines = NULL;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return;
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    {
      char *end;
      double loss = g_ascii_strtod (lines[i], &end), acc;
      if (end == lines[i])
        continue;
      acc = g_ascii_strtod (end, NULL);
      g_array_append_val (run->report->epoch_loss, loss);
      g_array_append_val (run->report->epoch_accuracy, acc);
    }
}

/* Keeps the history and the best epoch's weights (the last one when there
 * is nothing to measure: a later epoch has the lower rate). */
static void
on_epoch_cb (const TfFitEpoch *e,
             gpointer          user_data)
{
  Run *run = user_data;
  TfFinetuneReport *r = run->report;

  g_array_append_val (r->epoch_loss, e->train_loss);
  g_array_append_val (r->epoch_accuracy, e->valid_accuracy);
  if (e->valid_accuracy < 0 || e->valid_accuracy >= run->best_accuracy)
    {
      run->best_accuracy = e->valid_accuracy;
      r->best_epoch = (int) e->epoch;
      memcpy (run->best, run->model->params, run->model->n_params * sizeof (float));
    }
  if (run->options->checkpoint)
    history_save (run);
  if (run->callbacks && run->callbacks->fit.epoch)
    run->callbacks->fit.epoch (e, run->user_data);
}

static int
class_index (char      **classes,
             const char *name)
{
  for (int k = 0; classes[k]; k++)
    if (g_ascii_strcasecmp (classes[k], name) == 0)
      return k;
  return -1;
}

/* @ds over @model's classes (matched by name; items of a class the model
 * lacks are left out, or all labelled 0 with @placeholder), keeping only
 * what @decode can read: the unreadable are counted in *@n_bad. */
static TfDataset *
prepare (TfDataset    *ds,
         TfModel      *model,
         gboolean      placeholder,
         TfDecodeFunc  decode,
         gpointer      decode_data,
         guint        *n_bad,
         GError      **first_error)
{
  const char * const *names = tf_dataset_get_class_names (ds);
  TfDataset *out = tf_dataset_new ((const char * const *) model->classes);
  guint n = tf_dataset_get_n_items (ds);

  *n_bad = 0;
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GError) e = NULL;
      int w, h, stride;
      int label = placeholder ? 0 : class_index (model->classes, names[tf_dataset_get_label (ds, i)]);
      g_autofree guint8 *px = NULL;

      if (label < 0)
        continue;
      if (!(px = decode (tf_dataset_get_path (ds, i), &w, &h, &stride, &e, decode_data)))
        {
          (*n_bad)++;
          if (first_error && !*first_error)
            *first_error = g_steal_pointer (&e);
          continue;
        }
      tf_dataset_add (out, tf_dataset_get_path (ds, i), label);
    }
  return out;
}

/* softmax(logits / T) of each row, in place */
static void
soften (float *logits,
        guint  rows,
        int    k,
        double temperature)
{
  for (gsize i = 0; i < (gsize) rows * k; i++)
    logits[i] /= (float) temperature;
  tf_softmax_rows (logits, (int) rows, k);
}

static int
argmax (const float *v,
        int          k)
{
  int best = 0;
  for (int c = 1; c < k; c++)
    if (v[c] > v[best])
      best = c;
  return best;
}

/* WiSE-FT (Wortsman et al., 2022): the fine-tuned weights averaged with
 * the starting ones keep much of the gain and much of what was known. Rows
 * the head grew have no starting weights and stay as trained. */
static void
blend_weights (TfModel *model,
               TfModel *start,
               double   blend)
{
  const float t = (float) blend;

  if (blend >= 1)
    return;
  for (guint i = 0; i < model->param_info->len; i++)
    {
      const TfParamInfo *p = &g_array_index (model->param_info, TfParamInfo, i);
      const TfParamInfo *q = &g_array_index (start->param_info, TfParamInfo, i);
      gsize n = MIN (p->numel, q->numel);

      for (gsize j = 0; j < n; j++)
        {
          float *w = &model->params[p->offset + j];
          const float w0 = start->params[q->offset + j];
          if (*w != w0)   /* what did not train stays bit for bit */
            *w = t * *w + (1 - t) * w0;
        }
    }
}

/* ---- mixed faces ------------------------------------------------------------------ */

/* Where no unlabelled faces are at hand (a folder of labelled ones, a
 * project labelled to the last face), distillation needs other inputs than
 * the labelled faces, or it can only hold the model back on what it is
 * learning. Pairs of labelled faces of different classes, blended, are
 * such inputs: faces between expressions, where the starting model's
 * answers (neutral among them) are what the new one should keep. Their
 * paths are MIX_PREFIX + an index into the pairs. */
#define MIX_PREFIX "\x1fmix:"

typedef struct _Mix
{
  TfDecodeFunc decode;
  gpointer     decode_data;
  GPtrArray   *a, *b;       /* paths, borrowed from the training set */
  GArray      *weight;      /* double: a's share */
} Mix;

static void
mix_free (Mix *m)
{
  if (m == NULL)
    return;
  g_ptr_array_unref (m->a);
  g_ptr_array_unref (m->b);
  g_array_unref (m->weight);
  g_free (m);
}

static guint8 *
mix_decode (const char *path,
            int        *width,
            int        *height,
            int        *stride,
            GError    **error,
            gpointer    user_data)
{
  Mix *m = user_data;
  g_autofree guint8 *b = NULL;
  guint8 *a;
  int wb, hb, sb;
  guint i;
  double t;

  if (!g_str_has_prefix (path, MIX_PREFIX))
    return m->decode (path, width, height, stride, error, m->decode_data);
  i = (guint) g_ascii_strtoull (path + strlen (MIX_PREFIX), NULL, 10);
  g_return_val_if_fail (i < m->a->len, NULL);
  t = g_array_index (m->weight, double, i);
  if (!(a = m->decode (m->a->pdata[i], width, height, stride, error, m->decode_data)) ||
      !(b = m->decode (m->b->pdata[i], &wb, &hb, &sb, error, m->decode_data)))
    {
      g_free (a);
      return NULL;
    }
  /* b sampled (bilinear) on a's grid, then blended */
  for (int y = 0; y < *height; y++)
    {
      double fy = (y + 0.5) * hb / *height - 0.5;
      int y0 = CLAMP ((int) floor (fy), 0, hb - 1), y1 = MIN (y0 + 1, hb - 1);
      double dy = CLAMP (fy - y0, 0, 1);
      for (int x = 0; x < *width; x++)
        {
          double fx = (x + 0.5) * wb / *width - 0.5;
          int x0 = CLAMP ((int) floor (fx), 0, wb - 1), x1 = MIN (x0 + 1, wb - 1);
          double dx = CLAMP (fx - x0, 0, 1);
          for (int ch = 0; ch < 3; ch++)
            {
              double v = (1 - dy) * ((1 - dx) * b[y0 * sb + x0 * 3 + ch] + dx * b[y0 * sb + x1 * 3 + ch]) +
                         dy * ((1 - dx) * b[y1 * sb + x0 * 3 + ch] + dx * b[y1 * sb + x1 * 3 + ch]);
              guint8 *p = &a[y * *stride + x * 3 + ch];
              *p = (guint8) CLAMP (t * *p + (1 - t) * v + 0.5, 0, 255);
            }
        }
    }
  return a;
}

/* @n pairs of @train's faces, of different classes where there are two,
 * a's share in [0.3, 0.7]; the dataset of their paths. */
static TfDataset *
mix_pairs (Mix       *m,
           TfDataset *train,
           guint      n,
           guint64    seed)
{
  TfDataset *out = tf_dataset_new (tf_dataset_get_class_names (train));
  guint items = tf_dataset_get_n_items (train);
  TfRng rng;

  tf_rng_seed (&rng, tf_seed_mix (seed, 0x6d6978u));
  for (guint i = 0; i < n && items > 1; i++)
    {
      guint ia = tf_rng_below (&rng, items), ib = ia;
      double t = 0.3 + 0.4 * tf_rng_uniform (&rng);
      g_autofree char *path = g_strdup_printf (MIX_PREFIX "%u", m->a->len);

      for (int tries = 0; tries < 16 && (ib == ia || tf_dataset_get_label (train, ib) ==
                                          tf_dataset_get_label (train, ia)); tries++)
        ib = tf_rng_below (&rng, items);
      if (ib == ia)
        ib = (ia + 1) % items;
      g_ptr_array_add (m->a, (gpointer) tf_dataset_get_path (train, ia));
      g_ptr_array_add (m->b, (gpointer) tf_dataset_get_path (train, ib));
      g_array_append_val (m->weight, t);
      tf_dataset_add (out, path, 0);
    }
  return out;
}

/* The training set with distillation targets: each labelled face's target
 * mixes its class with the starting model's softened probabilities (a
 * class the model lacked: its class alone), and each distilled unlabelled
 * or mixed face's is those probabilities. */
static TfDataset *
distill_dataset (TfModel                 *teacher,
                 TfDataset               *train,
                 TfDataset               *unlabelled,
                 guint                    n_distilled,
                 double                   distill,
                 double                   keep,
                 double                   temperature,
                 int                      k_old,
                 TfDecodeFunc             decode,
                 gpointer                 decode_data,
                 GCancellable            *cancellable,
                 TfDataset               *anchors,
                 GArray                  *unlabelled_before,
                 GError                 **error)
{
  int k = teacher->config.num_classes;
  g_autoptr(GArray) logits = g_array_new (FALSE, FALSE, sizeof (float));
  g_autoptr(GArray) labels = g_array_new (FALSE, FALSE, sizeof (int));
  g_autofree float *target = g_new (float, k);
  TfDataset *out = tf_dataset_new ((const char * const *) teacher->classes);
  guint n = tf_dataset_get_n_items (train), skipped = 0;

  const guint *counts = tf_dataset_get_class_counts (train);

  if (distill > 0 || keep > 0)
    {
      if (!tf_eval_collect_logits (teacher, train, TF_EVAL_DEFAULT_BATCH, FALSE, decode, decode_data, cancellable,
                                   logits, labels, &skipped, error))
        goto fail;
      g_assert (skipped == 0 && logits->len == (guint) n * k);   /* prepare() kept the readable */
      soften ((float *) logits->data, n, k, temperature);
    }
  for (guint i = 0; i < n; i++)
    {
      int y = tf_dataset_get_label (train, i);
      /* one-hot for a label; a face learnt from its votes, their distribution */
      const float *t = tf_dataset_get_target (train, i);
      const float *p = distill > 0 || keep > 0 ? &g_array_index (logits, float, (gsize) i * k) : NULL;
      /* the starting model knows nothing of a class it lacked: its faces
       * learn from their label alone */
      double w = y < k_old ? distill : 0, unmentioned = 0, mentioned = 0, u = 0, scale = 0;

      if (p && y < k_old && keep > 0)
        {
          /* classes no label mentions keep the starting model's share, up
           * to @keep in all, so that a class absent from the labels (a
           * posed set's neutral) is not learnt to be never */
          for (int c = 0; c < k; c++)
            {
              if (counts[c] == 0)
                unmentioned += p[c];
              else
                mentioned += p[c];
            }
          u = MIN (unmentioned, keep);
          scale = unmentioned > 0 ? u / unmentioned : 0;
        }
      else if (p)
        for (int c = 0; c < k; c++)
          mentioned += p[c];
      for (int c = 0; c < k; c++)
        {
          if (scale > 0 && counts[c] == 0)
            target[c] = (float) (scale * p[c]);
          else
            target[c] = (float) ((1 - u) * ((1 - w) * t[c] + (w > 0 && mentioned > 0 ? w * p[c] / mentioned : 0)));
        }
      tf_dataset_add_soft (out, tf_dataset_get_path (train, i), target);
    }

  if (unlabelled && tf_dataset_get_n_items (unlabelled) > 0)
    {
      guint m = tf_dataset_get_n_items (unlabelled);

      if (!tf_eval_collect_logits (teacher, unlabelled, TF_EVAL_DEFAULT_BATCH, FALSE, decode, decode_data,
                                   cancellable, logits, labels, &skipped, error))
        goto fail;
      g_assert (skipped == 0 && logits->len == (guint) m * k);
      for (guint i = 0; i < m; i++)
        {
          int best = argmax (&g_array_index (logits, float, (gsize) i * k), k);
          g_array_append_val (unlabelled_before, best);
        }
      soften ((float *) logits->data, m, k, temperature);
      /* evenly spread over the unlabelled faces */
      for (guint j = 0; j < n_distilled; j++)
        {
          guint i = (guint) ((guint64) j * m / n_distilled);
          tf_dataset_add_soft (out, tf_dataset_get_path (unlabelled, i), &g_array_index (logits, float, (gsize) i * k));
        }
    }

  if (anchors && tf_dataset_get_n_items (anchors) > 0)
    {
      guint m = tf_dataset_get_n_items (anchors);

      if (!tf_eval_collect_logits (teacher, anchors, TF_EVAL_DEFAULT_BATCH, FALSE, decode, decode_data, cancellable,
                                   logits, labels, &skipped, error))
        goto fail;
      g_assert (skipped == 0 && logits->len == (guint) m * k);
      soften ((float *) logits->data, m, k, temperature);
      for (guint i = 0; i < m; i++)
        tf_dataset_add_soft (out, tf_dataset_get_path (anchors, i), &g_array_index (logits, float, (gsize) i * k));
    }
  return out;

fail:
  tf_dataset_unref (out);
  return NULL;
}

/* A measurement after training failed with @local: cancelled, the trained
 * model is still the result (without that measurement); otherwise an error. */
static gboolean
finished_but (TfFinetuneReport *r,
              GError           *local,
              GError          **error)
{
  if (g_error_matches (local, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_error_free (local);
      r->cancelled = TRUE;
      return TRUE;
    }
  g_propagate_error (error, local);
  return FALSE;
}

static gboolean
finetune (Run          *run,
          TfModel      *start,
          TfDataset    *train_in,
          TfDataset    *holdout_in,
          TfDataset    *unlabelled_in,
          TfDecodeFunc  decode,
          gpointer      decode_data,
          GCancellable *cancellable,
          GError      **error)
{
  const TfFinetuneOptions *o = run->options;
  TfFinetuneReport *r = run->report;
  g_autoptr(GPtrArray) extra = g_ptr_array_new ();
  g_autoptr(TfDataset) train = NULL, holdout = NULL, unlabelled = NULL, fit_set = NULL, anchors = NULL;
  g_autoptr(GArray) before_unlabelled = g_array_new (FALSE, FALSE, sizeof (int));
  g_autoptr(GError) bad = NULL;
  const char * const *names = tf_dataset_get_class_names (train_in);
  TfFitRecipe recipe;
  TfFitResult result;
  double distill, temperature;
  double blend = o->blend > 0 ? MIN (o->blend, 1.0) : presets[o->preset].blend > 0 ? presets[o->preset].blend : 1;
  double keep = MIN (o->keep >= 0 ? o->keep : presets[o->preset].keep, 1.0);
  guint n_bad = 0, n_bad_holdout = 0, n_bad_unlabelled = 0;
  int k;

  tf_finetune_recipe (o, &recipe, &distill, &temperature);
  {
    double need = tf_finetune_memory_bytes (start, o), have = available_bytes ();
    if (have > 0 && need > have)
      {
        g_set_error (error, TF_ERROR, TF_ERROR_INPUT, "fine-tuning this model at a batch of %d needs about %.1f GB of "
                     "memory; %.1f GB are free: close other programs or lower the batch", recipe.batch, need / 1e9,
                     have / 1e9);
        return FALSE;
      }
  }

  /* the head grows for classes the labels have and the model lacks */
  for (int i = 0; names[i]; i++)
    if (class_index (start->classes, names[i]) < 0 && tf_dataset_get_class_counts (train_in)[i] > 0)
      g_ptr_array_add (extra, (gpointer) names[i]);
  g_ptr_array_add (extra, NULL);
  if (!(run->model = tf_model_dup (start, (const char * const *) extra->pdata, error)))
    return FALSE;
  k = run->model->config.num_classes;
  r->n_classes = k;
  r->classes = g_strdupv (run->model->classes);
  r->new_classes = g_strdupv ((char **) extra->pdata);

  /* unlabelled faces that cannot be read are simply not distilled on */
  if (unlabelled_in)
    unlabelled = prepare (unlabelled_in, run->model, TRUE, decode, decode_data, &n_bad_unlabelled, NULL);
  train = prepare (train_in, run->model, FALSE, decode, decode_data, &n_bad, &bad);
  if (holdout_in)
    holdout = prepare (holdout_in, run->model, FALSE, decode, decode_data, &n_bad_holdout, bad ? NULL : &bad);
  /* from here on every picture goes through the mixer, which passes the
   * others on */
  run->mix = g_new0 (Mix, 1);
  *run->mix = (Mix) { decode, decode_data, g_ptr_array_new (), g_ptr_array_new (),
                      g_array_new (FALSE, FALSE, sizeof (double)) };
  decode = mix_decode;
  decode_data = run->mix;
  if (n_bad + n_bad_holdout > 0)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_INPUT, "%u of the labelled images could not be read (%s)",
                   n_bad + n_bad_holdout, bad->message);
      return FALSE;
    }
  r->n_train = tf_dataset_get_n_items (train);
  r->n_holdout = holdout ? tf_dataset_get_n_items (holdout) : 0;
  r->n_unlabelled = unlabelled ? tf_dataset_get_n_items (unlabelled) : 0;
  r->train_counts = g_memdup2 (tf_dataset_get_class_counts (train), sizeof (guint) * k);
  if (r->n_train < 2)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_INPUT, "%u labelled face%s to train on: fine-tuning needs more",
                   r->n_train, r->n_train == 1 ? "" : "s");
      return FALSE;
    }
  if (r->n_holdout == 0)
    g_clear_pointer (&holdout, tf_dataset_unref);

  if (holdout)
    {
      run_phase (run, TF_FINETUNE_PHASE_BEFORE);
      if (!(r->before = tf_eval_run (run->model, holdout, TF_EVAL_DEFAULT_BATCH, FALSE, decode, decode_data,
                                     cancellable, error)))
        return FALSE;
    }

  run_phase (run, TF_FINETUNE_PHASE_TEACHER);
  anchors = mix_pairs (run->mix, train, n_anchors (o, r->n_train, r->n_unlabelled), o->seed);
  r->n_anchors = tf_dataset_get_n_items (anchors);
  if (!(fit_set = distill_dataset (run->model, train, unlabelled,
                                   distilled_unlabelled (o, r->n_train, r->n_unlabelled), distill, keep, temperature,
                                   start->config.num_classes, decode, decode_data, cancellable, anchors, before_unlabelled,
                                   error)))
    return FALSE;

  run_phase (run, TF_FINETUNE_PHASE_TRAIN);
  run->epochs = recipe.epochs;
  run->best = g_new (float, run->model->n_params);
  if (o->checkpoint && o->resume && g_file_test (o->checkpoint, G_FILE_TEST_EXISTS))
    history_load (run);
  run->best_accuracy = -1;
  {
    TfFitCallbacks cbs = { on_start_cb, on_progress_cb, on_epoch_cb };
    g_autoptr(GError) local = NULL;

    recipe.soft = TRUE;
    if (!tf_fit_run (run->model, fit_set, holdout, decode, decode_data, &recipe, &cbs, run, cancellable, &result,
                     &local))
      {
        if (g_error_matches (local, G_IO_ERROR, G_IO_ERROR_CANCELLED) && r->best_epoch > 0)
          {
            memcpy (run->model->params, run->best, run->model->n_params * sizeof (float));
            blend_weights (run->model, start, blend);
            r->cancelled = TRUE;
            return TRUE;
          }
        g_propagate_error (error, g_steal_pointer (&local));
        return FALSE;
      }
    if (result.stopped)
      {
        g_set_error_literal (error, TF_ERROR, TF_ERROR_INPUT, "the run stopped before its last epoch");
        return FALSE;
      }
  }
  /* the last epoch is the result: choosing by the held-out faces would make
   * their figures flatter the model */
  r->best_epoch = (int) r->epoch_loss->len;
  blend_weights (run->model, start, blend);
  r->recipe = g_strdup (g_hash_table_lookup (run->model->metadata, "recipe"));
  g_hash_table_insert (run->model->metadata, g_strdup ("finetune.blend"), g_strdup_printf ("%g", blend));
  g_hash_table_insert (run->model->metadata, g_strdup ("finetune.keep"), g_strdup_printf ("%g", keep));
  g_hash_table_insert (run->model->metadata, g_strdup ("finetune.mixed"), g_strdup_printf ("%u", r->n_anchors));
  g_hash_table_insert (run->model->metadata, g_strdup ("finetune.distill"), g_strdup_printf ("%g", distill));
  g_hash_table_insert (run->model->metadata, g_strdup ("finetune.temperature"), g_strdup_printf ("%g", temperature));
  g_hash_table_insert (run->model->metadata, g_strdup ("finetune.preset"),
                       g_strdup (tf_finetune_preset_name (o->preset)));

  if (holdout)
    {
      g_autoptr(GError) local = NULL;

      run_phase (run, TF_FINETUNE_PHASE_AFTER);
      if (!(r->after = tf_eval_run (run->model, holdout, TF_EVAL_DEFAULT_BATCH, FALSE, decode, decode_data,
                                    cancellable, &local)))
        return finished_but (r, g_steal_pointer (&local), error);
    }
  if (unlabelled && r->n_unlabelled > 0)
    {
      g_autoptr(GArray) logits = g_array_new (FALSE, FALSE, sizeof (float));
      g_autoptr(GArray) labels = g_array_new (FALSE, FALSE, sizeof (int));
      guint skipped;

      g_autoptr(GError) local = NULL;

      run_phase (run, TF_FINETUNE_PHASE_DRIFT);
      if (!tf_eval_collect_logits (run->model, unlabelled, TF_EVAL_DEFAULT_BATCH, FALSE, decode, decode_data,
                                   cancellable, logits, labels, &skipped, &local))
        return finished_but (r, g_steal_pointer (&local), error);
      for (guint i = 0; i < r->n_unlabelled && i < before_unlabelled->len; i++)
        {
          int was = g_array_index (before_unlabelled, int, i);
          int now = argmax (&g_array_index (logits, float, (gsize) i * k), k);
          if (was != now)
            {
              g_array_append_val (r->drift_index, i);
              g_array_append_val (r->drift_before, was);
              g_array_append_val (r->drift_after, now);
            }
        }
    }
  return TRUE;
}

TfModel *
tf_finetune_run (TfModel                   *start,
                 TfDataset                 *train,
                 TfDataset                 *holdout,
                 TfDataset                 *unlabelled,
                 TfDecodeFunc               decode,
                 gpointer                   decode_data,
                 const TfFinetuneOptions   *options,
                 const TfFinetuneCallbacks *callbacks,
                 gpointer                   user_data,
                 GCancellable              *cancellable,
                 TfFinetuneReport         **report,
                 GError                   **error)
{
  TfFinetuneReport *r = g_new0 (TfFinetuneReport, 1);
  Run run = { .options = options, .callbacks = callbacks, .user_data = user_data, .report = r };
  gint64 t0 = g_get_monotonic_time ();
  gboolean ok;

  g_return_val_if_fail (start != NULL && train != NULL && decode != NULL && options != NULL, NULL);
  g_return_val_if_fail ((guint) options->preset < G_N_ELEMENTS (presets), NULL);

  r->epoch_loss = g_array_new (FALSE, FALSE, sizeof (double));
  r->epoch_accuracy = g_array_new (FALSE, FALSE, sizeof (double));
  r->drift_index = g_array_new (FALSE, FALSE, sizeof (guint));
  r->drift_before = g_array_new (FALSE, FALSE, sizeof (int));
  r->drift_after = g_array_new (FALSE, FALSE, sizeof (int));

  ok = finetune (&run, start, train, holdout, unlabelled, decode, decode_data, cancellable, error);
  g_free (run.best);
  mix_free (run.mix);
  r->seconds = (g_get_monotonic_time () - t0) / 1e6;
  if (ok && !r->cancelled && options->checkpoint)
    {
      /* a finished run needs neither */
      g_autoptr(GError) local = NULL;
      if (!tf_finetune_remove_checkpoint (options->checkpoint, &local))
        g_warning ("%s", local->message);
    }
  if (ok)
    {
      g_autofree char *json = tf_finetune_report_to_json (r);
      g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
      GHashTable *md = run.model->metadata;

      g_hash_table_insert (md, g_strdup ("finetune"), g_steal_pointer (&json));
      g_hash_table_insert (md, g_strdup ("finetune.date"), g_date_time_format_iso8601 (now));
      if (options->start_file)
        {
          g_autoptr(GMappedFile) file = g_mapped_file_new (options->start_file, FALSE, NULL);
          g_hash_table_insert (md, g_strdup ("finetune.start_file"), g_path_get_basename (options->start_file));
          if (file)
            g_hash_table_insert (md, g_strdup ("finetune.start_sha256"),
                                 g_compute_checksum_for_data (G_CHECKSUM_SHA256,
                                                              (const guchar *) g_mapped_file_get_contents (file),
                                                              g_mapped_file_get_length (file)));
        }
    }
  else
    g_clear_pointer (&run.model, tf_model_free);
  if (report)
    *report = r;
  else
    tf_finetune_report_free (r);
  return run.model;
}
