/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Labelled face images for training: where they are, which class each
 * belongs to, and in which order an epoch visits them. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The FER+ classes, in the order of the vote columns of label.csv. */
#define TF_FERPLUS_N_CLASSES 8
extern const char * const tf_ferplus_classes[TF_FERPLUS_N_CLASSES + 1];

typedef struct _TfDataset TfDataset;

/* An empty dataset over @class_names (NULL-terminated, at least one, no
 * duplicates); fill it with tf_dataset_add(). */
TfDataset          *tf_dataset_new                 (const char * const *class_names);

/* FER+ "majority" protocol on @dir/label.csv (data/README.md): votes of 1
 * are set to 0; a face keeps the class holding more than half of the
 * remaining votes over all ten columns; faces won by unknown or not-a-face,
 * or without such a majority, are left out. Hard targets are one-hot; with
 * @soft the target is the eight emotion votes (after the vote == 1 rule)
 * normalised to sum 1, over the same faces. Image files are not checked. */
TfDataset          *tf_dataset_new_ferplus         (const char         *dir,
                                                    gboolean            soft,
                                                    GError            **error);
/* One subfolder per class (sorted names are the classes); images are the
 * files ending in .png .jpg .jpeg .webp .bmp .tif .tiff (any case), sorted.
 * Hidden entries are ignored. */
TfDataset          *tf_dataset_new_folders         (const char         *dir,
                                                    GError            **error);
/* @dir/@csv_name with rows "image,label" (a header "image,..." is skipped);
 * the classes are the sorted distinct labels. */
TfDataset          *tf_dataset_new_image_label_csv (const char         *dir,
                                                    const char         *csv_name,
                                                    GError            **error);

TfDataset          *tf_dataset_ref                 (TfDataset          *ds);
void                tf_dataset_unref               (TfDataset          *ds);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TfDataset, tf_dataset_unref)

/* Appends an item with hard label @label (one-hot target). */
void                tf_dataset_add                 (TfDataset          *ds,
                                                    const char         *path,
                                                    int                 label);
/* Appends an item with soft target @target ([n_classes], copied); its hard
 * label is the largest entry. */
void                tf_dataset_add_soft            (TfDataset          *ds,
                                                    const char         *path,
                                                    const float        *target);

guint               tf_dataset_get_n_items         (TfDataset          *ds);
int                 tf_dataset_get_n_classes       (TfDataset          *ds);
/* NULL-terminated, n_classes names. */
const char * const *tf_dataset_get_class_names     (TfDataset          *ds);
/* Items per hard label: [n_classes]. */
const guint        *tf_dataset_get_class_counts    (TfDataset          *ds);
const char         *tf_dataset_get_path            (TfDataset          *ds,
                                                    guint               i);
int                 tf_dataset_get_label           (TfDataset          *ds,
                                                    guint               i);
/* [n_classes] */
const float        *tf_dataset_get_target          (TfDataset          *ds,
                                                    guint               i);

/* Puts labels and targets in the order of @names (a model's classes,
 * NULL-terminated; names compare ASCII case-insensitively). Classes the
 * dataset lacks get no items; a dataset class the model lacks is an error,
 * and leaves the dataset unchanged. Call it before making samplers or
 * loaders over the dataset. */
gboolean            tf_dataset_set_classes         (TfDataset          *ds,
                                                    const char * const *names,
                                                    GError            **error);

/* Derives an independent seed from @seed and @value (an epoch, a position):
 * what the sampler and the loader seed their generators with. */
guint64             tf_seed_mix                    (guint64             seed,
                                                    guint64             value);

typedef enum
{
  TF_SAMPLE_SEQUENTIAL,   /* 0 .. n-1, for evaluation */
  TF_SAMPLE_SHUFFLE,      /* a permutation per epoch */
  TF_SAMPLE_BALANCED,     /* n draws with replacement, each class equally likely */
} TfSampleMode;

typedef struct _TfSampler TfSampler;

/* Keeps the labels it needs: later changes to @ds do not reach it. */
TfSampler          *tf_sampler_new                 (TfDataset          *ds,
                                                    TfSampleMode        mode,
                                                    guint64             seed);
void                tf_sampler_free                (TfSampler          *sampler);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TfSampler, tf_sampler_free)

/* Items per epoch: the dataset's item count in every mode. */
guint               tf_sampler_get_epoch_length    (TfSampler          *sampler);
/* Writes the dataset indices of @epoch to @order ([epoch_length]); a
 * function of (seed, epoch) only, so a resumed run sees the same order. */
void                tf_sampler_epoch_order         (TfSampler          *sampler,
                                                    guint               epoch,
                                                    guint              *order);

G_END_DECLS
