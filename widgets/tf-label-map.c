/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <glib/gi18n.h>

#include "tf-label-map.h"

struct _TfLabelMap
{
  GObject     parent_instance;

  char      **classes;
  int         n_classes;
  GHashTable *labels;   /* gint64 * -> packed label and source */
};

G_DEFINE_FINAL_TYPE (TfLabelMap, tf_label_map, G_TYPE_OBJECT)

enum
{
  CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* a label and its source in one pointer-sized value: never 0 */
#define PACK(label, source)  GINT_TO_POINTER (((label) + 16) * 4 + (int) (source) + 1)
#define UNPACK_LABEL(v)      ((GPOINTER_TO_INT (v) - 1) / 4 - 16)
#define UNPACK_SOURCE(v)     ((TfLabelMapSource) ((GPOINTER_TO_INT (v) - 1) % 4))

static void
tf_label_map_finalize (GObject *object)
{
  TfLabelMap *self = TF_LABEL_MAP (object);

  g_strfreev (self->classes);
  g_hash_table_unref (self->labels);
  G_OBJECT_CLASS (tf_label_map_parent_class)->finalize (object);
}

static void
tf_label_map_class_init (TfLabelMapClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = tf_label_map_finalize;
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_INT64);
}

static void
tf_label_map_init (TfLabelMap *self)
{
  self->classes = g_new0 (char *, 1);
  self->labels = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
}

TfLabelMap *
tf_label_map_new (void)
{
  return g_object_new (TF_TYPE_LABEL_MAP, NULL);
}

void
tf_label_map_set_classes (TfLabelMap         *self,
                          const char * const *classes)
{
  g_return_if_fail (TF_IS_LABEL_MAP (self));

  g_strfreev (self->classes);
  self->classes = classes ? g_strdupv ((char **) classes) : g_new0 (char *, 1);
  self->n_classes = (int) g_strv_length (self->classes);
  g_signal_emit (self, signals[CHANGED], 0, (gint64) 0);
}

const char * const *
tf_label_map_get_classes (TfLabelMap *self)
{
  g_return_val_if_fail (TF_IS_LABEL_MAP (self), NULL);
  return (const char * const *) self->classes;
}

int
tf_label_map_get_n_classes (TfLabelMap *self)
{
  g_return_val_if_fail (TF_IS_LABEL_MAP (self), 0);
  return self->n_classes;
}

void
tf_label_map_set (TfLabelMap       *self,
                  gint64            face_id,
                  int               label,
                  TfLabelMapSource  source)
{
  g_return_if_fail (TF_IS_LABEL_MAP (self));
  g_return_if_fail (label >= TF_LABEL_MAP_NONE);

  if (label == TF_LABEL_MAP_NONE)
    g_hash_table_remove (self->labels, &face_id);
  else
    g_hash_table_insert (self->labels, g_memdup2 (&face_id, sizeof face_id), PACK (label, source));
  g_signal_emit (self, signals[CHANGED], 0, face_id);
}

void
tf_label_map_clear (TfLabelMap *self)
{
  g_return_if_fail (TF_IS_LABEL_MAP (self));

  g_hash_table_remove_all (self->labels);
  g_signal_emit (self, signals[CHANGED], 0, (gint64) 0);
}

int
tf_label_map_lookup (TfLabelMap       *self,
                     gint64            face_id,
                     TfLabelMapSource *source)
{
  gpointer v;

  g_return_val_if_fail (TF_IS_LABEL_MAP (self), TF_LABEL_MAP_NONE);

  v = face_id != 0 ? g_hash_table_lookup (self->labels, &face_id) : NULL;
  if (v == NULL)
    return TF_LABEL_MAP_NONE;
  if (source)
    *source = UNPACK_SOURCE (v);
  return UNPACK_LABEL (v);
}

guint
tf_label_map_get_size (TfLabelMap *self)
{
  g_return_val_if_fail (TF_IS_LABEL_MAP (self), 0);
  return g_hash_table_size (self->labels);
}

const char *
tf_label_map_label_name (TfLabelMap *self,
                         int         label)
{
  g_return_val_if_fail (TF_IS_LABEL_MAP (self), NULL);

  if (label == TF_LABEL_MAP_NOT_A_FACE)
    return _("not a face");
  if (label == TF_LABEL_MAP_UNSURE)
    return _("unsure");
  if (label >= 0 && label < self->n_classes)
    return self->classes[label];
  return NULL;
}

TfLabelState
tf_label_map_get_state (TfLabelMap        *self,
                        const TfFaceProbe *probe)
{
  int label;

  g_return_val_if_fail (TF_IS_LABEL_MAP (self), TF_LABEL_STATE_NONE);
  g_return_val_if_fail (probe != NULL, TF_LABEL_STATE_NONE);

  label = tf_label_map_lookup (self, probe->face_id, NULL);
  if (label == TF_LABEL_MAP_NONE)
    return TF_LABEL_STATE_NONE;
  /* nothing to agree or disagree with */
  if (label < 0 || probe->probs == NULL || probe->class_names == NULL || probe->predicted < 0 ||
      probe->predicted >= probe->classes)
    return TF_LABEL_STATE_OTHER;
  if (label < self->n_classes && g_strcmp0 (probe->class_names[probe->predicted], self->classes[label]) == 0)
    return TF_LABEL_STATE_AGREES;
  return TF_LABEL_STATE_DISAGREES;
}
