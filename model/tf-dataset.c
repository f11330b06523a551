/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <string.h>

#include "tf-dataset.h"
#include "tf-error.h"
#include "tf-rng.h"

struct _TfDataset
{
  grefcount   ref;
  char      **classes;     /* n_classes names, NULL-terminated */
  int         n_classes;
  GPtrArray  *paths;       /* char *, one per item */
  GArray     *labels;      /* int, one per item */
  GArray     *targets;     /* float, [n_items][n_classes] */
  guint      *counts;      /* [n_classes] items per hard label */
};

struct _TfSampler
{
  TfSampleMode mode;
  guint64      seed;
  guint        n_items;
  int          n_classes;
  guint       *by_class;   /* item indices grouped by label: [n_items] */
  guint       *first;      /* [n_classes + 1] offsets into by_class */
  int         *nonempty;   /* classes with items */
  int          n_nonempty;
};

const char * const tf_ferplus_classes[TF_FERPLUS_N_CLASSES + 1] = {
  "neutral", "happiness", "surprise", "sadness", "anger", "disgust", "fear", "contempt", NULL,
};

/* label.csv: image, box, then these vote columns */
#define FERPLUS_N_VOTES 10

static const char * const image_extensions[] = {
  ".png", ".jpg", ".jpeg", ".webp", ".bmp", ".tif", ".tiff",
};

/* A text file walked line by line, with the line number for errors. */
typedef struct
{
  char       *contents;
  char       *cursor;
  char       *end;
  char       *display;
  int         line;
} LineReader;

static gboolean
line_reader_open (LineReader  *lr,
                  const char  *path,
                  GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  gsize len = 0;

  memset (lr, 0, sizeof *lr);
  lr->display = g_filename_display_name (path);
  if (!g_file_get_contents (path, &lr->contents, &len, &local_error))
    {
      /* GLib's message names the file */
      g_set_error_literal (error, TF_ERROR, TF_ERROR_IO, local_error->message);
      return FALSE;
    }
  lr->cursor = lr->contents;
  lr->end = lr->contents + len;
  /* a UTF-8 byte-order mark (spreadsheets write one) is not part of the
   * first field */
  if (len >= 3 && memcmp (lr->contents, "\xEF\xBB\xBF", 3) == 0)
    lr->cursor += 3;
  return TRUE;
}

static void
line_reader_clear (LineReader *lr)
{
  g_clear_pointer (&lr->contents, g_free);
  g_clear_pointer (&lr->display, g_free);
}

/* The next line without its terminator (NUL-terminated in place), or NULL at
 * the end. A NUL byte inside a line ends it early; the parser then sees a
 * short row and reports it. */
static char *
line_reader_next (LineReader *lr)
{
  char *line, *nl;

  if (lr->cursor >= lr->end)
    return NULL;
  line = lr->cursor;
  nl = memchr (line, '\n', (gsize) (lr->end - line));
  if (nl == NULL)
    nl = lr->end;
  lr->cursor = nl + 1;
  *nl = '\0';   /* g_file_get_contents leaves a NUL after the last byte */
  if (nl > line && nl[-1] == '\r')
    nl[-1] = '\0';
  lr->line++;
  return line;
}

/* Splits one CSV line: fields separated by commas, a field in double quotes
 * may hold commas and "" for a quote. Fields are trimmed. FALSE when a quote
 * is not closed or text follows a closing quote. */
static gboolean
csv_split (const char *line,
           GPtrArray  *fields)
{
  const char *p = line;

  g_ptr_array_set_size (fields, 0);
  for (;;)
    {
      GString *field = g_string_new (NULL);

      while (*p == ' ' || *p == '\t')
        p++;
      if (*p == '"')
        {
          for (p++; ; p++)
            {
              if (*p == '\0')
                {
                  g_string_free (field, TRUE);
                  return FALSE;
                }
              if (*p == '"')
                {
                  if (p[1] != '"')
                    break;
                  p++;
                }
              g_string_append_c (field, *p);
            }
          p++;
          while (*p == ' ' || *p == '\t')
            p++;
          if (*p != ',' && *p != '\0')
            {
              g_string_free (field, TRUE);
              return FALSE;
            }
        }
      else
        {
          while (*p != ',' && *p != '\0')
            g_string_append_c (field, *p++);
        }
      g_ptr_array_add (fields, g_strstrip (g_string_free (field, FALSE)));
      if (*p == '\0')
        return TRUE;
      p++;   /* the comma */
    }
}

static gboolean
is_blank (const char *line)
{
  for (; *line; line++)
    if (!g_ascii_isspace (*line))
      return FALSE;
  return TRUE;
}

static char *
item_path (const char *dir,
           const char *name)
{
  return g_path_is_absolute (name) ? g_strdup (name) : g_build_filename (dir, name, NULL);
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

static gboolean
has_image_extension (const char *name)
{
  const char *dot = strrchr (name, '.');

  if (dot == NULL || dot == name)
    return FALSE;
  for (gsize i = 0; i < G_N_ELEMENTS (image_extensions); i++)
    if (g_ascii_strcasecmp (dot, image_extensions[i]) == 0)
      return TRUE;
  return FALSE;
}

/* Sorted names of the entries of @dir that pass @want (hidden ones never). */
static GPtrArray *
list_dir_sorted (const char  *dir,
                 gboolean     want_dirs,
                 GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GDir) d = g_dir_open (dir, 0, &local_error);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  if (d == NULL)
    {
      g_set_error_literal (error, TF_ERROR, TF_ERROR_IO, local_error->message);
      return NULL;
    }
  while ((name = g_dir_read_name (d)))
    {
      g_autofree char *full = NULL;
      gboolean is_dir;

      if (name[0] == '.')
        continue;
      full = g_build_filename (dir, name, NULL);
      is_dir = g_file_test (full, G_FILE_TEST_IS_DIR);
      if (want_dirs ? is_dir : (!is_dir && has_image_extension (name) &&
                                g_file_test (full, G_FILE_TEST_IS_REGULAR)))
        g_ptr_array_add (names, g_strdup (name));
    }
  g_ptr_array_sort (names, compare_strings);
  return g_steal_pointer (&names);
}

TfDataset *
tf_dataset_new (const char * const *class_names)
{
  TfDataset *ds;
  int n = 0;

  g_return_val_if_fail (class_names != NULL && class_names[0] != NULL, NULL);
  while (class_names[n])
    n++;

  ds = g_new0 (TfDataset, 1);
  g_ref_count_init (&ds->ref);
  ds->classes = g_strdupv ((char **) class_names);
  ds->n_classes = n;
  ds->paths = g_ptr_array_new_with_free_func (g_free);
  ds->labels = g_array_new (FALSE, FALSE, sizeof (int));
  ds->targets = g_array_new (FALSE, TRUE, sizeof (float));
  ds->counts = g_new0 (guint, n);
  return ds;
}

TfDataset *
tf_dataset_ref (TfDataset *ds)
{
  g_return_val_if_fail (ds != NULL, NULL);
  g_ref_count_inc (&ds->ref);
  return ds;
}

void
tf_dataset_unref (TfDataset *ds)
{
  if (ds == NULL || !g_ref_count_dec (&ds->ref))
    return;
  g_strfreev (ds->classes);
  g_ptr_array_unref (ds->paths);
  g_array_unref (ds->labels);
  g_array_unref (ds->targets);
  g_free (ds->counts);
  g_free (ds);
}

static void
dataset_append (TfDataset   *ds,
                char        *path,
                int          label,
                const float *target)
{
  guint old = ds->targets->len;

  g_ptr_array_add (ds->paths, path);
  g_array_append_val (ds->labels, label);
  g_array_set_size (ds->targets, old + ds->n_classes);   /* zeroed */
  if (target)
    memcpy (&g_array_index (ds->targets, float, old), target, sizeof (float) * ds->n_classes);
  else
    g_array_index (ds->targets, float, old + label) = 1.0f;
  ds->counts[label]++;
}

void
tf_dataset_add (TfDataset  *ds,
                const char *path,
                int         label)
{
  g_return_if_fail (ds != NULL && path != NULL);
  g_return_if_fail (label >= 0 && label < ds->n_classes);
  dataset_append (ds, g_strdup (path), label, NULL);
}

void
tf_dataset_add_soft (TfDataset   *ds,
                     const char  *path,
                     const float *target)
{
  int best = 0;

  g_return_if_fail (ds != NULL && path != NULL && target != NULL);
  for (int c = 1; c < ds->n_classes; c++)
    if (target[c] > target[best])
      best = c;
  dataset_append (ds, g_strdup (path), best, target);
}

/* The majority rule on one row of votes (already with 1 -> 0): the winning
 * column, or -1 when no column holds more than half. */
static int
ferplus_majority (const guint64 *votes)
{
  guint64 total = 0;
  int best = 0;

  for (int i = 0; i < FERPLUS_N_VOTES; i++)
    {
      total += votes[i];
      if (votes[i] > votes[best])
        best = i;
    }
  return total > 0 && 2 * votes[best] > total ? best : -1;
}

TfDataset *
tf_dataset_new_ferplus (const char  *dir,
                        gboolean     soft,
                        GError     **error)
{
  g_autofree char *csv = NULL;
  g_autoptr(GPtrArray) fields = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(TfDataset) ds = NULL;
  LineReader lr;
  char *line;

  g_return_val_if_fail (dir != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  csv = g_build_filename (dir, "label.csv", NULL);
  if (!line_reader_open (&lr, csv, error))
    {
      line_reader_clear (&lr);
      return NULL;
    }
  ds = tf_dataset_new (tf_ferplus_classes);

  while ((line = line_reader_next (&lr)))
    {
      guint64 votes[FERPLUS_N_VOTES];
      const char *what = NULL;
      int winner;

      if (is_blank (line))
        continue;
      if (!csv_split (line, fields))
        what = "unterminated quote";
      else if (fields->len != 2 + FERPLUS_N_VOTES)
        what = "expected image, box and 10 vote counts";
      else if (((char *) fields->pdata[0])[0] == '\0')
        what = "empty image name";
      for (int i = 0; what == NULL && i < FERPLUS_N_VOTES; i++)
        {
          const char *f = fields->pdata[2 + i];
          if (!g_ascii_string_to_unsigned (f, 10, 0, G_MAXUINT32, &votes[i], NULL))
            what = "a vote count is not a non-negative integer";
          else if (votes[i] == 1)
            votes[i] = 0;   /* a lone vote is an outlier */
        }
      if (what)
        {
          g_set_error (error, TF_ERROR, TF_ERROR_FORMAT, "%s:%d: %s", lr.display, lr.line, what);
          line_reader_clear (&lr);
          return NULL;
        }

      winner = ferplus_majority (votes);
      if (winner < 0 || winner >= TF_FERPLUS_N_CLASSES)
        continue;   /* no majority, or unknown / not a face */
      if (soft)
        {
          float target[TF_FERPLUS_N_CLASSES];
          guint64 sum = 0;
          for (int c = 0; c < TF_FERPLUS_N_CLASSES; c++)
            sum += votes[c];
          for (int c = 0; c < TF_FERPLUS_N_CLASSES; c++)
            target[c] = (float) ((double) votes[c] / (double) sum);   /* sum >= winner's votes > 0 */
          dataset_append (ds, item_path (dir, fields->pdata[0]), winner, target);
        }
      else
        dataset_append (ds, item_path (dir, fields->pdata[0]), winner, NULL);
    }
  if (ds->paths->len == 0)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_FORMAT, "%s: no face keeps a majority label", lr.display);
      line_reader_clear (&lr);
      return NULL;
    }
  line_reader_clear (&lr);
  return g_steal_pointer (&ds);
}

TfDataset *
tf_dataset_new_folders (const char  *dir,
                        GError     **error)
{
  g_autoptr(GPtrArray) classes = NULL;
  g_autoptr(TfDataset) ds = NULL;

  g_return_val_if_fail (dir != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  classes = list_dir_sorted (dir, TRUE, error);
  if (classes == NULL)
    return NULL;
  if (classes->len == 0)
    {
      g_autofree char *display = g_filename_display_name (dir);
      g_set_error (error, TF_ERROR, TF_ERROR_INPUT, "%s: no class folders", display);
      return NULL;
    }
  /* a class name goes into the model file's metadata, which is text */
  for (guint c = 0; c < classes->len; c++)
    {
      g_autofree char *folded = NULL;

      if (!g_utf8_validate (classes->pdata[c], -1, NULL))
        {
          g_autofree char *path = g_build_filename (dir, classes->pdata[c], NULL);
          g_autofree char *display = g_filename_display_name (path);
          g_set_error (error, TF_ERROR, TF_ERROR_INPUT,
                       "%s: a class folder whose name is not valid UTF-8 text cannot name a class", display);
          return NULL;
        }
      folded = g_utf8_casefold (classes->pdata[c], -1);
      for (guint d = 0; d < c; d++)
        {
          g_autofree char *other = g_utf8_casefold (classes->pdata[d], -1);
          if (g_str_equal (folded, other))
            {
              g_autofree char *display = g_filename_display_name (dir);
              g_set_error (error, TF_ERROR, TF_ERROR_INPUT,
                           "%s: the class folders '%s' and '%s' differ only in case: merge them into one",
                           display, (char *) classes->pdata[d], (char *) classes->pdata[c]);
              return NULL;
            }
        }
    }
  g_ptr_array_add (classes, NULL);
  ds = tf_dataset_new ((const char * const *) classes->pdata);

  for (int c = 0; c < ds->n_classes; c++)
    {
      g_autofree char *sub = g_build_filename (dir, ds->classes[c], NULL);
      g_autoptr(GPtrArray) images = list_dir_sorted (sub, FALSE, error);
      if (images == NULL)
        return NULL;
      for (guint i = 0; i < images->len; i++)
        dataset_append (ds, g_build_filename (sub, images->pdata[i], NULL), c, NULL);
    }
  if (ds->paths->len == 0)
    {
      g_autofree char *display = g_filename_display_name (dir);
      g_set_error (error, TF_ERROR, TF_ERROR_INPUT, "%s: the class folders hold no images", display);
      return NULL;
    }
  return g_steal_pointer (&ds);
}

TfDataset *
tf_dataset_new_image_label_csv (const char  *dir,
                                const char  *csv_name,
                                GError     **error)
{
  g_autofree char *csv = NULL;
  g_autoptr(GPtrArray) fields = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  /* case-folded label -> the first spelling met ("Anger" and "anger" are one
   * class); then -> class index */
  g_autoptr(GHashTable) spelling = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr(GHashTable) class_index = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GPtrArray) classes = NULL;
  g_autoptr(TfDataset) ds = NULL;
  GHashTableIter iter;
  gpointer value;
  LineReader lr;
  char *line;

  g_return_val_if_fail (dir != NULL && csv_name != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  csv = g_build_filename (dir, csv_name, NULL);
  if (!line_reader_open (&lr, csv, error))
    {
      line_reader_clear (&lr);
      return NULL;
    }

  /* first pass: rows and the set of labels */
  while ((line = line_reader_next (&lr)))
    {
      const char *what = NULL;

      if (is_blank (line))
        continue;
      if (!csv_split (line, fields))
        what = "unterminated quote";
      else if (fields->len != 2)
        what = "expected image,label";
      else if (((char *) fields->pdata[0])[0] == '\0' || ((char *) fields->pdata[1])[0] == '\0')
        what = "empty image name or label";
      else if (!g_utf8_validate (fields->pdata[1], -1, NULL))
        what = "the label is not valid UTF-8 text (save the file as UTF-8)";
      if (what)
        {
          g_set_error (error, TF_ERROR, TF_ERROR_FORMAT, "%s:%d: %s", lr.display, lr.line, what);
          line_reader_clear (&lr);
          return NULL;
        }
      if (names->len == 0 && g_ascii_strcasecmp (fields->pdata[0], "image") == 0)
        continue;   /* the header */
      g_ptr_array_add (names, g_steal_pointer (&fields->pdata[0]));
      g_ptr_array_add (names, g_utf8_casefold (fields->pdata[1], -1));
      if (!g_hash_table_contains (spelling, names->pdata[names->len - 1]))
        g_hash_table_insert (spelling, g_strdup (names->pdata[names->len - 1]), g_strdup (fields->pdata[1]));
    }
  if (names->len == 0)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_FORMAT, "%s: no labelled images", lr.display);
      line_reader_clear (&lr);
      return NULL;
    }
  line_reader_clear (&lr);

  classes = g_ptr_array_new_with_free_func (g_free);
  g_hash_table_iter_init (&iter, spelling);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_ptr_array_add (classes, g_strdup (value));
  g_ptr_array_sort (classes, compare_strings);
  for (guint c = 0; c < classes->len; c++)
    g_hash_table_insert (class_index, g_utf8_casefold (classes->pdata[c], -1), GINT_TO_POINTER (c));
  g_ptr_array_add (classes, NULL);
  ds = tf_dataset_new ((const char * const *) classes->pdata);

  for (guint i = 0; i < names->len; i += 2)
    {
      int c = GPOINTER_TO_INT (g_hash_table_lookup (class_index, names->pdata[i + 1]));
      dataset_append (ds, item_path (dir, names->pdata[i]), c, NULL);
    }
  return g_steal_pointer (&ds);
}

guint
tf_dataset_get_n_items (TfDataset *ds)
{
  g_return_val_if_fail (ds != NULL, 0);
  return ds->paths->len;
}

int
tf_dataset_get_n_classes (TfDataset *ds)
{
  g_return_val_if_fail (ds != NULL, 0);
  return ds->n_classes;
}

const char * const *
tf_dataset_get_class_names (TfDataset *ds)
{
  g_return_val_if_fail (ds != NULL, NULL);
  return (const char * const *) ds->classes;
}

const guint *
tf_dataset_get_class_counts (TfDataset *ds)
{
  g_return_val_if_fail (ds != NULL, NULL);
  return ds->counts;
}

const char *
tf_dataset_get_path (TfDataset *ds,
                     guint      i)
{
  g_return_val_if_fail (ds != NULL && i < ds->paths->len, NULL);
  return ds->paths->pdata[i];
}

int
tf_dataset_get_label (TfDataset *ds,
                      guint      i)
{
  g_return_val_if_fail (ds != NULL && i < ds->labels->len, -1);
  return g_array_index (ds->labels, int, i);
}

const float *
tf_dataset_get_target (TfDataset *ds,
                       guint      i)
{
  g_return_val_if_fail (ds != NULL && i < ds->labels->len, NULL);
  return &g_array_index (ds->targets, float, (gsize) i * ds->n_classes);
}

gboolean
tf_dataset_set_classes (TfDataset          *ds,
                        const char * const *names,
                        GError            **error)
{
  g_autofree int *map = NULL;
  g_autoptr(GArray) targets = NULL;
  int n = 0;
  guint n_items;

  g_return_val_if_fail (ds != NULL && names != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  while (names[n])
    n++;
  map = g_new (int, ds->n_classes);
  for (int c = 0; c < ds->n_classes; c++)
    {
      map[c] = -1;
      for (int m = 0; m < n && map[c] < 0; m++)
        if (g_ascii_strcasecmp (ds->classes[c], names[m]) == 0)
          map[c] = m;
      if (map[c] < 0)
        {
          g_autofree char *have = g_strjoinv (", ", (char **) names);
          g_set_error (error, TF_ERROR, TF_ERROR_CONFIG,
                       "the dataset's class \"%s\" is not one of the model's (%s)", ds->classes[c], have);
          return FALSE;
        }
    }
  n_items = ds->paths->len;
  targets = g_array_sized_new (FALSE, TRUE, sizeof (float), n_items * n);
  g_array_set_size (targets, (guint) n_items * n);   /* zeroed */
  g_free (ds->counts);
  ds->counts = g_new0 (guint, n);
  for (guint i = 0; i < n_items; i++)
    {
      const float *old = &g_array_index (ds->targets, float, (gsize) i * ds->n_classes);
      float *now = &g_array_index (targets, float, (gsize) i * n);
      int *label = &g_array_index (ds->labels, int, i);
      for (int c = 0; c < ds->n_classes; c++)
        now[map[c]] += old[c];
      *label = map[*label];
      ds->counts[*label]++;
    }
  g_array_unref (ds->targets);
  ds->targets = g_steal_pointer (&targets);
  g_strfreev (ds->classes);
  ds->classes = g_strdupv ((char **) names);
  ds->n_classes = n;
  return TRUE;
}

guint64
tf_seed_mix (guint64 seed,
             guint64 value)
{
  /* two rounds of splitmix64's finaliser over the pair */
  guint64 z = seed + 0x9e3779b97f4a7c15ull * (value + 1);

  for (int r = 0; r < 2; r++)
    {
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
      z ^= z >> 31;
      z += seed;
    }
  return z;
}

TfSampler *
tf_sampler_new (TfDataset    *ds,
                TfSampleMode  mode,
                guint64       seed)
{
  TfSampler *s;
  guint *fill;

  g_return_val_if_fail (ds != NULL, NULL);
  g_return_val_if_fail (mode == TF_SAMPLE_SEQUENTIAL || mode == TF_SAMPLE_SHUFFLE ||
                        mode == TF_SAMPLE_BALANCED, NULL);

  s = g_new0 (TfSampler, 1);
  s->mode = mode;
  s->seed = seed;
  s->n_items = ds->paths->len;
  s->n_classes = ds->n_classes;
  s->by_class = g_new (guint, MAX (s->n_items, 1));
  s->first = g_new0 (guint, s->n_classes + 1);
  s->nonempty = g_new (int, s->n_classes);

  /* counting sort of the items by label, stable in item order */
  for (guint i = 0; i < s->n_items; i++)
    s->first[g_array_index (ds->labels, int, i) + 1]++;
  for (int c = 0; c < s->n_classes; c++)
    s->first[c + 1] += s->first[c];
  fill = g_memdup2 (s->first, sizeof (guint) * s->n_classes);
  for (guint i = 0; i < s->n_items; i++)
    s->by_class[fill[g_array_index (ds->labels, int, i)]++] = i;
  g_free (fill);
  for (int c = 0; c < s->n_classes; c++)
    if (s->first[c + 1] > s->first[c])
      s->nonempty[s->n_nonempty++] = c;
  return s;
}

void
tf_sampler_free (TfSampler *sampler)
{
  if (sampler == NULL)
    return;
  g_free (sampler->by_class);
  g_free (sampler->first);
  g_free (sampler->nonempty);
  g_free (sampler);
}

guint
tf_sampler_get_epoch_length (TfSampler *sampler)
{
  g_return_val_if_fail (sampler != NULL, 0);
  return sampler->n_items;
}

void
tf_sampler_epoch_order (TfSampler *sampler,
                        guint      epoch,
                        guint     *order)
{
  TfRng rng;
  guint n;

  g_return_if_fail (sampler != NULL && (order != NULL || sampler->n_items == 0));

  n = sampler->n_items;
  tf_rng_seed (&rng, tf_seed_mix (sampler->seed, epoch));
  switch (sampler->mode)
    {
    case TF_SAMPLE_SEQUENTIAL:
      for (guint i = 0; i < n; i++)
        order[i] = i;
      break;

    case TF_SAMPLE_SHUFFLE:
      /* Fisher-Yates */
      for (guint i = 0; i < n; i++)
        order[i] = i;
      for (guint i = n; i > 1; i--)
        {
          guint j = tf_rng_below (&rng, i), t = order[i - 1];
          order[i - 1] = order[j];
          order[j] = t;
        }
      break;

    case TF_SAMPLE_BALANCED:
      for (guint i = 0; i < n; i++)
        {
          int c = sampler->nonempty[tf_rng_below (&rng, (guint32) sampler->n_nonempty)];
          guint size = sampler->first[c + 1] - sampler->first[c];
          order[i] = sampler->by_class[sampler->first[c] + tf_rng_below (&rng, size)];
        }
      break;
    }
}
