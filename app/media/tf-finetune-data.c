/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A project's faces as fine-tuning data, and a new model's predictions
 * stored as a new run. */
#include <glib/gi18n.h>
#include <string.h>

#include "tf-error.h"
#include "tf-eval.h"
#include "tf-finetune-data.h"
#include "tf-ops.h"

#define FACE_PREFIX "face:"

typedef struct
{
  GArray *ids;      /* gint64 */
  GArray *labels;   /* int: a class; -1: learnt from its votes (@soft's row) */
  GArray *groups;   /* gint64 */
  GArray *soft;     /* int: the face's row of @table, -1: none */
  TfProjectVoteTable *table;
  GHashTable *rows; /* face id -> row of @table + 1 */
  gboolean soft_targets;
} Labelled;

/* Faces of one picture, or of one track of a video, are one group; a
 * video's faces without a track are all one group. */
static gint64
face_group (const TfProjectFace *f)
{
  return (f->media << 24) | (f->track > 0 ? (f->track & 0xffffff) : 0);
}

static gboolean
collect_labelled (const TfProjectFace *f,
                  gpointer             user_data)
{
  Labelled *l = user_data;
  gint64 group = face_group (f);

  int row = GPOINTER_TO_INT (g_hash_table_lookup (l->rows, &f->id)) - 1, label = f->label.label;

  /* the final label, else the majority, else (a tie) the vote
   * distribution; with soft targets, the distribution unless final */
  if (label == TF_LABEL_NONE && row < 0)
    return TRUE;
  if (label != TF_LABEL_NONE && label < 0)
    return TRUE;   /* not a face, unsure */
  if (label >= 0 && (f->label.final || !l->soft_targets || f->label.votes < 2))
    row = -1;
  if (row >= 0)
    {
      gboolean any = FALSE;

      for (int a = 0; a < l->table->n_annotators; a++)
        any |= l->table->cells[(gsize) row * l->table->n_annotators + a] >= 0;
      if (!any)
        return TRUE;   /* tied between not-a-face and unsure */
      label = -1;
    }
  g_array_append_val (l->ids, f->id);
  g_array_append_val (l->labels, label);
  g_array_append_val (l->groups, group);
  g_array_append_val (l->soft, row);
  return TRUE;
}

static gboolean
collect_ids (const TfProjectFace *f,
             gpointer             user_data)
{
  g_array_append_val ((GArray *) user_data, f->id);
  return TRUE;
}

void
tf_finetune_data_free (TfFinetuneData *d)
{
  if (d == NULL)
    return;
  g_strfreev (d->classes);
  g_free (d->counts);
  g_free (d->holdout_counts);
  g_clear_pointer (&d->train, tf_dataset_unref);
  g_clear_pointer (&d->holdout, tf_dataset_unref);
  g_clear_pointer (&d->unlabelled, tf_dataset_unref);
  g_clear_pointer (&d->unlabelled_ids, g_array_unref);
  g_clear_pointer (&d->crops, g_hash_table_unref);
  g_free (d);
}

/* Loads @id's crop into the table; FALSE when it has none. */
static gboolean
load_crop (TfFinetuneData *d,
           TfProject      *project,
           gint64          id,
           GError        **error)
{
  int size = 0;
  GBytes *crop = tf_project_get_crop (project, id, &size, error);

  if (crop == NULL)
    return FALSE;
  if (size <= 0 || g_bytes_get_size (crop) != (gsize) size * size * 3)
    {
      g_bytes_unref (crop);
      return FALSE;
    }
  d->crop_size = size;
  g_hash_table_insert (d->crops, g_memdup2 (&id, sizeof id), crop);
  return TRUE;
}

static char *
face_path (gint64 id)
{
  return g_strdup_printf (FACE_PREFIX "%" G_GINT64_FORMAT, id);
}

/* The distribution of a face's votes over the classes (row of @t), and
 * its largest class. */
static int
vote_target (const TfProjectVoteTable *t,
             int                       row,
             int                       n_classes,
             float                    *target)
{
  int n = 0, best = -1;

  memset (target, 0, sizeof (float) * n_classes);
  for (int a = 0; a < t->n_annotators; a++)
    {
      int v = t->cells[(gsize) row * t->n_annotators + a];
      if (v >= 0 && v < n_classes)
        target[v]++, n++;
    }
  for (int c = 0; c < n_classes; c++)
    {
      target[c] /= MAX (n, 1);
      if (target[c] > 0 && (best < 0 || target[c] > target[best]))
        best = c;
    }
  return best;
}

TfFinetuneData *
tf_finetune_data_from_project (TfProject *project,
                               double     holdout,
                               guint64    seed,
                               guint      max_unlabelled,
                               GError   **error)
{
  return tf_finetune_data_from_project_votes (project, holdout, seed, max_unlabelled, FALSE, error);
}

TfFinetuneData *
tf_finetune_data_from_project_votes (TfProject *project,
                                     double     holdout,
                                     guint64    seed,
                                     guint      max_unlabelled,
                                     gboolean   soft_targets,
                                     GError   **error)
{
  g_autoptr(TfFinetuneData) d = g_new0 (TfFinetuneData, 1);
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) labels = g_array_new (FALSE, FALSE, sizeof (int));
  g_autoptr(GArray) groups = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) unlabelled = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autofree gboolean *held = NULL;
  g_autofree int *kept = NULL;
  g_autofree float *target = NULL;
  g_autoptr(GArray) soft = g_array_new (FALSE, FALSE, sizeof (int));
  g_autoptr(TfProjectVoteTable) table = NULL;
  g_autoptr(GHashTable) rows = g_hash_table_new (g_int64_hash, g_int64_equal);
  Labelled l = { ids, labels, groups, soft, NULL, rows, soft_targets };
  TfProjectFilter filter;

  g_return_val_if_fail (project != NULL, NULL);

  d->classes = tf_project_get_classes (project);
  d->n_classes = (int) g_strv_length (d->classes);
  d->counts = g_new0 (guint, MAX (d->n_classes, 1));
  d->holdout_counts = g_new0 (guint, MAX (d->n_classes, 1));
  d->crops = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, (GDestroyNotify) g_bytes_unref);
  d->unlabelled_ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  if (d->n_classes == 0)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_INPUT, _("%s: the project has no classes to learn"),
                   tf_project_get_path (project));
      return NULL;
    }
  d->train = tf_dataset_new ((const char * const *) d->classes);
  d->holdout = tf_dataset_new ((const char * const *) d->classes);
  d->unlabelled = tf_dataset_new ((const char * const *) d->classes);

  if (!(table = tf_project_get_vote_table (project, error)))
    return NULL;
  l.table = table;
  for (int r = 0; r < table->n_faces; r++)
    g_hash_table_insert (rows, &table->faces[r], GINT_TO_POINTER (r + 1));
  target = g_new (float, d->n_classes);
  tf_project_filter_init (&filter);
  if (!tf_project_foreach_face (project, &filter, collect_labelled, &l, error))
    return NULL;

  /* faces whose crop is gone cannot train; they are counted, not fatal */
  kept = g_new (int, MAX (ids->len, 1));
  for (guint i = 0; i < ids->len; i++)
    {
      g_autoptr(GError) local = NULL;
      gint64 id = g_array_index (ids, gint64, i);
      int label = g_array_index (labels, int, i);

      if (label < 0)
        label = vote_target (table, g_array_index (soft, int, i), d->n_classes, target);
      if (label < 0 || label >= d->n_classes)
        label = -1;
      else if (!load_crop (d, project, id, &local))
        {
          if (local)
            {
              g_propagate_error (error, g_steal_pointer (&local));
              return NULL;
            }
          d->n_no_crop++;
          label = -1;
        }
      kept[i] = label;
    }
  held = tf_finetune_split (kept, (const gint64 *) groups->data, ids->len, holdout, seed);
  for (guint i = 0; i < ids->len; i++)
    {
      g_autofree char *path = NULL;

      if (kept[i] < 0)
        continue;
      path = face_path (g_array_index (ids, gint64, i));
      d->n_labelled++;
      d->counts[kept[i]]++;
      if (held[i])
        d->holdout_counts[kept[i]]++;
      if (g_array_index (soft, int, i) >= 0)
        {
          vote_target (table, g_array_index (soft, int, i), d->n_classes, target);
          tf_dataset_add_soft (held[i] ? d->holdout : d->train, path, target);
          d->n_soft++;
        }
      else
        tf_dataset_add (held[i] ? d->holdout : d->train, path, kept[i]);
    }
  if (d->n_labelled == 0 && d->n_no_crop == 0)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_INPUT, _("%s: no face is labelled with a class yet"),
                   tf_project_get_path (project));
      return NULL;
    }

  /* unlabelled faces, spread evenly over the project */
  if (max_unlabelled == TF_FINETUNE_DATA_UNLABELLED_DEFAULT)
    max_unlabelled = MIN (d->n_labelled, TF_FINETUNE_DATA_MAX_UNLABELLED);
  if (max_unlabelled > 0)
    {
      filter.labelled = TF_LABELLED_NO;
      if (!tf_project_foreach_face (project, &filter, collect_ids, unlabelled, error))
        return NULL;
      for (guint j = 0, n = MIN (max_unlabelled, unlabelled->len); j < n; j++)
        {
          gint64 id = g_array_index (unlabelled, gint64, (gsize) ((guint64) j * unlabelled->len / n));
          g_autofree char *path = face_path (id);

          if (!load_crop (d, project, id, NULL))
            continue;
          g_array_append_val (d->unlabelled_ids, id);
          tf_dataset_add (d->unlabelled, path, 0);
        }
    }
  return g_steal_pointer (&d);
}

guint8 *
tf_finetune_data_decode (const char *path,
                         int        *width,
                         int        *height,
                         int        *stride,
                         GError    **error,
                         gpointer    user_data)
{
  TfFinetuneData *d = user_data;
  GBytes *crop;
  gint64 id;
  char *end;

  if (!g_str_has_prefix (path, FACE_PREFIX) ||
      (id = g_ascii_strtoll (path + strlen (FACE_PREFIX), &end, 10), *end != '\0') ||
      !(crop = g_hash_table_lookup (d->crops, &id)))
    {
      g_set_error (error, TF_ERROR, TF_ERROR_INPUT, "%s: no stored crop", path);
      return NULL;
    }
  *width = *height = d->crop_size;
  *stride = 3 * d->crop_size;
  return g_memdup2 (g_bytes_get_data (crop, NULL), g_bytes_get_size (crop));
}

static const char *
class_name (const TfFinetuneData *d,
            int                   k,
            TfClassNameFunc       shown)
{
  return shown ? shown (d->classes[k]) : d->classes[k];
}

char *
tf_finetune_data_check (const TfFinetuneData *d,
                        GPtrArray            *warnings)
{
  return tf_finetune_data_check_named (d, warnings, NULL);
}

char *
tf_finetune_data_check_named (const TfFinetuneData *d,
                              GPtrArray            *warnings,
                              TfClassNameFunc       shown)
{
  int present = 0;

  g_return_val_if_fail (d != NULL, NULL);

  if (d->n_labelled == 0)
    return d->n_no_crop
           ? g_strdup_printf (_("none of the %u labelled faces has its crop stored: analyse the media again"), d->n_no_crop)
           : g_strdup (_("no face is labelled with a class yet"));
  for (int k = 0; k < d->n_classes; k++)
    present += d->counts[k] > 0;
  if (present < 2)
    for (int k = 0; k < d->n_classes; k++)
      if (d->counts[k] > 0)
        return g_strdup_printf (_("every labelled face is %s: a model learns a class only against others; "
                                  "label faces of at least one more class"), class_name (d, k, shown));
  for (int k = 0; k < d->n_classes; k++)
    if (d->counts[k] > 0 && d->counts[k] < TF_FINETUNE_MIN_PER_CLASS)
      return g_strdup_printf (g_dngettext (NULL, "only %u face is labelled %s: label at least %d of each class you use",
                                           "only %u faces are labelled %s: label at least %d of each class you use",
                                           d->counts[k]),
                              d->counts[k], class_name (d, k, shown), TF_FINETUNE_MIN_PER_CLASS);
  if (tf_dataset_get_n_items (d->train) < 2)
    return g_strdup (_("the held-out share leaves nothing to train on: hold out less"));
  if (warnings)
    {
      if (d->n_no_crop)
        g_ptr_array_add (warnings, g_strdup_printf (g_dngettext (NULL, "%u labelled face has no stored crop and will not train",
                                                                 "%u labelled faces have no stored crop and will not train",
                                                                 d->n_no_crop), d->n_no_crop));
      for (int k = 0; k < d->n_classes; k++)
        if (d->counts[k] >= TF_FINETUNE_MIN_PER_CLASS && d->counts[k] < 20)
          g_ptr_array_add (warnings, g_strdup_printf (_("%s has %u labelled faces: 20 or more learn it better"),
                                                      class_name (d, k, shown), d->counts[k]));
      if (tf_dataset_get_n_items (d->holdout) == 0)
        g_ptr_array_add (warnings, g_strdup (_("nothing is held out: there will be no before and after to compare")));
    }
  return NULL;
}

char **
tf_finetune_data_new_classes (const TfFinetuneData *d,
                              TfModel              *model)
{
  g_autoptr(GStrvBuilder) b = g_strv_builder_new ();

  for (int k = 0; k < d->n_classes; k++)
    {
      gboolean known = FALSE;
      for (int j = 0; model->classes[j]; j++)
        known |= g_ascii_strcasecmp (model->classes[j], d->classes[k]) == 0;
      if (!known && d->counts[k] > 0)
        g_strv_builder_add (b, d->classes[k]);
    }
  return g_strv_builder_end (b);
}

/* ---- re-predicting ------------------------------------------------------------ */

#define REPREDICT_CHUNK 512

gboolean
tf_finetune_repredict (TfProject    *project,
                       TfModel      *model,
                       const char   *model_file,
                       void        (*progress) (guint done, guint total, gpointer user_data),
                       gpointer      user_data,
                       GCancellable *cancellable,
                       gint64       *run_out,
                       GError      **error)
{
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) logits = g_array_new (FALSE, FALSE, sizeof (float));
  g_autoptr(GArray) labels = g_array_new (FALSE, FALSE, sizeof (int));
  int k = model->config.num_classes;
  g_autofree float *probs = g_new (float, k);
  TfProjectFilter filter;
  gint64 run;

  g_return_val_if_fail (project != NULL && model != NULL, FALSE);

  tf_project_filter_init (&filter);
  if (!tf_project_foreach_face (project, &filter, collect_ids, ids, error) || !tf_project_begin (project, error))
    return FALSE;
  if ((run = tf_project_add_run (project, model_file, (const char * const *) model->classes,
                                 "{\"repredicted\":true}", error)) == 0)
    goto fail;
  for (guint start = 0; start < ids->len; start += REPREDICT_CHUNK)
    {
      g_autoptr(TfFinetuneData) d = g_new0 (TfFinetuneData, 1);
      g_autoptr(GArray) chunk = g_array_new (FALSE, FALSE, sizeof (gint64));
      guint skipped;

      d->crops = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, (GDestroyNotify) g_bytes_unref);
      d->classes = g_strdupv (model->classes);
      d->unlabelled = tf_dataset_new ((const char * const *) model->classes);
      for (guint i = start; i < MIN (ids->len, start + REPREDICT_CHUNK); i++)
        {
          gint64 id = g_array_index (ids, gint64, i);
          g_autofree char *path = face_path (id);
          if (!load_crop (d, project, id, NULL))
            continue;   /* no crop: nothing the model could see */
          g_array_append_val (chunk, id);
          tf_dataset_add (d->unlabelled, path, 0);
        }
      if (chunk->len > 0 &&
          !tf_eval_collect_logits (model, d->unlabelled, TF_EVAL_DEFAULT_BATCH, FALSE, tf_finetune_data_decode, d,
                                   cancellable, logits, labels, &skipped, error))
        goto fail;
      for (guint i = 0; i < chunk->len && (gsize) (i + 1) * k <= logits->len; i++)
        {
          for (int c = 0; c < k; c++)
            probs[c] = g_array_index (logits, float, (gsize) i * k + c) / (float) model->temperature;
          tf_softmax_rows (probs, 1, k);
          if (!tf_project_add_prediction (project, g_array_index (chunk, gint64, i), run, probs, k, error))
            goto fail;
        }
      if (progress)
        progress (MIN (ids->len, start + REPREDICT_CHUNK), ids->len, user_data);
    }
  if (!tf_project_commit (project, error))
    goto fail;
  if (run_out)
    *run_out = run;
  return TRUE;

fail:
  tf_project_rollback (project);
  return FALSE;
}
