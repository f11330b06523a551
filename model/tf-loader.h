/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Batches for training and evaluation, decoded and augmented by worker
 * threads ahead of the consumer. */
#pragma once

#include <glib.h>

#include "tf-augment.h"
#include "tf-dataset.h"
#include "tf-model.h"

G_BEGIN_DECLS

/* Decodes @path to 8-bit RGB (3 channels), rows @stride bytes apart; the
 * result is freed with g_free. NULL and @error set when it cannot. Called
 * from worker threads, several at once. */
typedef guint8 *(*TfDecodeFunc) (const char  *path,
                                 int         *width,
                                 int         *height,
                                 int         *stride,
                                 GError     **error,
                                 gpointer     user_data);

typedef struct _TfLoader TfLoader;

/* Default limit of the decoded-image cache. */
#define TF_LOADER_DEFAULT_CACHE_BYTES ((gsize) 256 << 20)

/* @augment NULL: plain preprocessing, exactly tf_image_to_input (for
 * evaluation). @threads 0 decodes in tf_loader_next itself; otherwise that
 * many workers fill a queue of a few batches. Keeps a reference to
 * @dataset and copies @spec and @augment. */
TfLoader *tf_loader_new             (TfDataset         *dataset,
                                     const TfInputSpec *spec,
                                     const TfAugment   *augment,
                                     TfDecodeFunc       decode,
                                     gpointer           user_data,
                                     int                batch_size,
                                     int                threads);
/* Safe at any time, workers running or not. */
void      tf_loader_free            (TfLoader          *loader);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TfLoader, tf_loader_free)

/* Each image is decoded once and kept (one channel when R = G = B) while
 * the cache holds less than @max_bytes; 0 turns it off. Images that failed
 * to decode are remembered too. Set it before the first epoch. */
void      tf_loader_set_cache_limit (TfLoader          *loader,
                                     gsize              max_bytes);
gsize     tf_loader_get_cache_bytes (TfLoader          *loader);

/* Starts an epoch over the dataset indices @order[0 .. n-1] (copied),
 * abandoning what is left of the previous one. The item at position p is
 * augmented with a generator seeded by tf_seed_mix (@seed, p), so batches
 * depend on (order, seed) only, never on thread timing; pass
 * tf_seed_mix (run_seed, epoch) for a fresh draw each epoch. */
void      tf_loader_start_epoch     (TfLoader          *loader,
                                     const guint       *order,
                                     guint              n,
                                     guint64            seed);
/* The same epoch from batch @first_batch on, for a run resumed mid-epoch:
 * the remaining batches equal (order and augmentation) those of an
 * uninterrupted epoch. */
void      tf_loader_start_epoch_at   (TfLoader    *loader,
                                      const guint *order,
                                      guint        n,
                                      guint64      seed,
                                      guint        first_batch);
/* The next batch, in order: positions [b B, (b + 1) B) of the epoch, less
 * the images that failed to decode (each is skipped, counted, and named in a
 * warning the first time). @inputs [B][3][S][S], @targets [B][K] (K the
 * dataset's class count), @labels [B] (may be NULL); *@n_out items were
 * written, always at least one. FALSE at the end of the epoch; FALSE with
 * @error set when the epoch ends without a single image decoded. */
gboolean  tf_loader_next            (TfLoader          *loader,
                                     float             *inputs,
                                     float             *targets,
                                     int               *labels,
                                     int               *n_out,
                                     GError           **error);
/* Images skipped so far in this epoch (as handed out by tf_loader_next). */
guint     tf_loader_get_n_failed    (TfLoader          *loader);
int       tf_loader_get_batch_size  (TfLoader          *loader);

G_END_DECLS
