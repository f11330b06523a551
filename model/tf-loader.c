/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Workers claim epoch positions one at a time, in order, as long as the
 * position's batch has a free slot in a ring of a few batches; the consumer
 * takes the slots back in order. Each item is a function of its dataset
 * index, its position and the epoch seed alone. */
#include <string.h>

#include "tf-error.h"
#include "tf-loader.h"

/* A decoded image as the cache keeps it: tightly packed, one channel when
 * the image is gray. @pixels NULL when it could not be decoded. */
typedef struct
{
  int     width, height, channels, stride;
  guint8 *pixels;
  char   *error;
} Image;

typedef struct
{
  float   *inputs;   /* [B][3][S][S] */
  gboolean *ok;      /* [B] */
  char   **errors;   /* [B] messages of the items that failed */
  int      done;     /* items finished */
} Slot;

struct _TfLoader
{
  TfDataset    *ds;
  TfInputSpec   spec;          /* json left NULL */
  TfAugment     augment;
  gboolean      has_augment;
  TfDecodeFunc  decode;
  gpointer      user_data;
  int           batch;
  int           n_threads;
  int           n_slots;
  Slot         *slots;
  GThread     **threads;

  /* shared with the workers, under lock */
  GMutex        lock;
  GCond         work_cond;     /* a position may be claimable, or quit */
  GCond         done_cond;     /* an item finished */
  gboolean      quit;
  guint        *order;
  guint         n;
  guint64       seed;
  guint         n_batches;
  guint         next_pos;      /* next position to claim */
  guint         consumed;      /* batches handed out */
  int           in_flight;     /* positions claimed, not finished */

  /* decoded images, [n_cached]; entries are set once, under cache_lock, and
   * read with atomic loads */
  Image       **cache;
  guint         n_cached;
  gsize         cache_limit;
  gsize         cache_bytes;
  GMutex        cache_lock;

  /* consumer side only */
  gboolean      started;
  guint         n_failed;
  guint         n_delivered;
  char         *first_error;
  GHashTable   *warned;        /* paths already named in a warning */
};

static void
image_free (Image *img)
{
  if (img == NULL)
    return;
  g_free (img->pixels);
  g_free (img->error);
  g_free (img);
}

static Image *
image_failed (const char *path,
              GError     *error)
{
  Image *img = g_new0 (Image, 1);
  g_autofree char *display = g_filename_display_name (path);

  img->error = error ? g_strdup (error->message) : g_strdup_printf ("%s: cannot decode the image", display);
  return img;
}

static Image *
decode_image (TfLoader   *l,
              const char *path)
{
  g_autoptr(GError) error = NULL;
  int w = 0, h = 0, stride = 0;
  g_autofree guint8 *rgb = l->decode (path, &w, &h, &stride, &error, l->user_data);
  gboolean gray = TRUE;
  Image *img;

  if (rgb == NULL)
    return image_failed (path, error);
  if (w <= 0 || h <= 0 || stride < 3 * w)
    {
      g_autofree char *display = g_filename_display_name (path);
      g_set_error (&error, TF_ERROR, TF_ERROR_INPUT, "%s: the decoder returned a %d x %d image with rows of %d bytes",
                   display, w, h, stride);
      return image_failed (path, error);
    }

  for (int y = 0; y < h && gray; y++)
    {
      const guint8 *row = rgb + (gsize) y * stride;
      for (int x = 0; x < w && gray; x++)
        gray = row[3 * x] == row[3 * x + 1] && row[3 * x] == row[3 * x + 2];
    }

  img = g_new0 (Image, 1);
  img->width = w;
  img->height = h;
  if (gray)
    {
      /* a third of the memory, and one plane to warp instead of three */
      img->channels = 1;
      img->stride = w;
      img->pixels = g_new (guint8, (gsize) w * h);
      for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
          img->pixels[(gsize) y * w + x] = rgb[(gsize) y * stride + 3 * x];
    }
  else
    {
      img->channels = 3;
      img->stride = stride;
      img->pixels = g_steal_pointer (&rgb);
    }
  return img;
}

static gsize
image_bytes (const Image *img)
{
  return sizeof *img + (img->pixels ? (gsize) img->stride * img->height : 0) +
         (img->error ? strlen (img->error) : 0);
}

/* The decoded image of dataset item @idx; *@owned when the caller must free it. */
static Image *
get_image (TfLoader *l,
           guint     idx,
           gboolean *owned)
{
  Image *img, *cached;
  gsize size;

  *owned = FALSE;
  if (idx < l->n_cached && (cached = g_atomic_pointer_get (&l->cache[idx])))
    return cached;

  img = decode_image (l, tf_dataset_get_path (l->ds, idx));
  if (idx >= l->n_cached || l->cache_limit == 0)
    {
      *owned = TRUE;
      return img;
    }
  size = image_bytes (img);
  g_mutex_lock (&l->cache_lock);
  cached = l->cache[idx];
  if (cached == NULL && l->cache_bytes + size <= l->cache_limit)
    {
      g_atomic_pointer_set (&l->cache[idx], img);
      l->cache_bytes += size;
      cached = img;
    }
  g_mutex_unlock (&l->cache_lock);
  if (cached == NULL)
    {
      *owned = TRUE;   /* the cache is full */
      return img;
    }
  if (cached != img)
    image_free (img);   /* another worker decoded it meanwhile */
  return cached;
}

/* Decodes and augments epoch position @pos (dataset item @idx) into @slot. */
static void
produce_item (TfLoader *l,
              guint     pos,
              guint     idx,
              guint64   seed,
              Slot     *slot)
{
  int j = (int) (pos % (guint) l->batch), s = l->spec.size;
  gboolean owned;
  Image *img = get_image (l, idx, &owned);

  if (img->pixels == NULL)
    {
      slot->ok[j] = FALSE;
      slot->errors[j] = g_strdup (img->error);
    }
  else
    {
      TfRng rng;
      tf_rng_seed (&rng, tf_seed_mix (seed, pos));
      tf_augment_apply (l->has_augment ? &l->augment : NULL, img->pixels, img->width, img->height,
                        img->stride, img->channels, &l->spec, &rng,
                        slot->inputs + (gsize) j * 3 * s * s);
      slot->ok[j] = TRUE;
    }
  if (owned)
    image_free (img);
}

static int
batch_length (TfLoader *l,
              guint     b)
{
  return (int) MIN ((guint) l->batch, l->n - b * (guint) l->batch);
}

static gpointer
worker_main (gpointer data)
{
  TfLoader *l = data;

  g_mutex_lock (&l->lock);
  while (!l->quit)
    {
      guint pos = l->next_pos, idx;
      guint64 seed;
      Slot *slot;

      if (pos >= l->n || pos / (guint) l->batch >= l->consumed + (guint) l->n_slots)
        {
          g_cond_wait (&l->work_cond, &l->lock);
          continue;
        }
      l->next_pos++;
      l->in_flight++;
      idx = l->order[pos];
      seed = l->seed;
      slot = &l->slots[(pos / (guint) l->batch) % (guint) l->n_slots];
      g_mutex_unlock (&l->lock);

      produce_item (l, pos, idx, seed, slot);

      g_mutex_lock (&l->lock);
      l->in_flight--;
      slot->done++;
      g_cond_broadcast (&l->done_cond);
    }
  g_mutex_unlock (&l->lock);
  return NULL;
}

TfLoader *
tf_loader_new (TfDataset         *dataset,
               const TfInputSpec *spec,
               const TfAugment   *augment,
               TfDecodeFunc       decode,
               gpointer           user_data,
               int                batch_size,
               int                threads)
{
  TfLoader *l;
  gsize plane;

  g_return_val_if_fail (dataset != NULL && spec != NULL && decode != NULL, NULL);
  g_return_val_if_fail (spec->size > 0 && batch_size > 0 && threads >= 0, NULL);

  l = g_new0 (TfLoader, 1);
  l->ds = tf_dataset_ref (dataset);
  l->spec = *spec;
  l->spec.json = NULL;
  if (augment)
    {
      l->augment = *augment;
      l->has_augment = TRUE;
    }
  l->decode = decode;
  l->user_data = user_data;
  l->batch = batch_size;
  l->n_threads = threads;
  l->n_slots = threads == 0 ? 1 : threads + 2;
  g_mutex_init (&l->lock);
  g_cond_init (&l->work_cond);
  g_cond_init (&l->done_cond);
  g_mutex_init (&l->cache_lock);
  l->n_cached = tf_dataset_get_n_items (dataset);
  l->cache = g_new0 (Image *, MAX (l->n_cached, 1));
  l->cache_limit = TF_LOADER_DEFAULT_CACHE_BYTES;
  l->warned = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  plane = (gsize) spec->size * spec->size;
  l->slots = g_new0 (Slot, l->n_slots);
  for (int i = 0; i < l->n_slots; i++)
    {
      l->slots[i].inputs = g_new (float, (gsize) batch_size * 3 * plane);
      l->slots[i].ok = g_new0 (gboolean, batch_size);
      l->slots[i].errors = g_new0 (char *, batch_size);
    }

  l->threads = g_new0 (GThread *, MAX (threads, 1));
  for (int i = 0; i < threads; i++)
    l->threads[i] = g_thread_new ("tf-loader", worker_main, l);
  return l;
}

static void
slots_reset (TfLoader *l)
{
  for (int i = 0; i < l->n_slots; i++)
    {
      for (int j = 0; j < l->batch; j++)
        g_clear_pointer (&l->slots[i].errors[j], g_free);
      l->slots[i].done = 0;
    }
}

void
tf_loader_free (TfLoader *loader)
{
  if (loader == NULL)
    return;

  g_mutex_lock (&loader->lock);
  loader->quit = TRUE;
  g_cond_broadcast (&loader->work_cond);
  g_mutex_unlock (&loader->lock);
  /* a worker finishes the item it holds, then sees quit */
  for (int i = 0; i < loader->n_threads; i++)
    g_thread_join (loader->threads[i]);
  g_free (loader->threads);

  slots_reset (loader);
  for (int i = 0; i < loader->n_slots; i++)
    {
      g_free (loader->slots[i].inputs);
      g_free (loader->slots[i].ok);
      g_free (loader->slots[i].errors);
    }
  g_free (loader->slots);
  for (guint i = 0; i < loader->n_cached; i++)
    image_free (loader->cache[i]);
  g_free (loader->cache);
  g_free (loader->order);
  g_free (loader->first_error);
  g_hash_table_unref (loader->warned);
  g_mutex_clear (&loader->lock);
  g_cond_clear (&loader->work_cond);
  g_cond_clear (&loader->done_cond);
  g_mutex_clear (&loader->cache_lock);
  tf_dataset_unref (loader->ds);
  g_free (loader);
}

void
tf_loader_set_cache_limit (TfLoader *loader,
                           gsize     max_bytes)
{
  g_return_if_fail (loader != NULL);
  g_mutex_lock (&loader->cache_lock);
  loader->cache_limit = max_bytes;
  g_mutex_unlock (&loader->cache_lock);
}

gsize
tf_loader_get_cache_bytes (TfLoader *loader)
{
  gsize bytes;

  g_return_val_if_fail (loader != NULL, 0);
  g_mutex_lock (&loader->cache_lock);
  bytes = loader->cache_bytes;
  g_mutex_unlock (&loader->cache_lock);
  return bytes;
}

void
tf_loader_start_epoch (TfLoader    *loader,
                       const guint *order,
                       guint        n,
                       guint64      seed)
{
  tf_loader_start_epoch_at (loader, order, n, seed, 0);
}

void
tf_loader_start_epoch_at (TfLoader    *loader,
                          const guint *order,
                          guint        n,
                          guint64      seed,
                          guint        first_batch)
{
  guint n_items;

  g_return_if_fail (loader != NULL && (order != NULL || n == 0));

  n_items = tf_dataset_get_n_items (loader->ds);
  for (guint i = 0; i < n; i++)
    g_return_if_fail (order[i] < n_items);

  g_mutex_lock (&loader->lock);
  /* nothing new is claimable once n is 0; wait for what is being made */
  loader->n = 0;
  while (loader->in_flight > 0)
    g_cond_wait (&loader->done_cond, &loader->lock);
  slots_reset (loader);
  g_free (loader->order);
  loader->order = g_memdup2 (order, sizeof (guint) * MAX (n, 1));
  loader->n = n;
  loader->seed = seed;
  loader->n_batches = (n + (guint) loader->batch - 1) / (guint) loader->batch;
  /* a resumed epoch starts at a batch boundary, positions (and so the
   * augmentation seeds) unchanged */
  first_batch = MIN (first_batch, loader->n_batches);
  loader->next_pos = MIN (n, first_batch * (guint) loader->batch);
  loader->consumed = first_batch;
  g_cond_broadcast (&loader->work_cond);
  g_mutex_unlock (&loader->lock);

  loader->started = TRUE;
  loader->n_failed = 0;
  loader->n_delivered = 0;
  g_clear_pointer (&loader->first_error, g_free);
}

gboolean
tf_loader_next (TfLoader  *loader,
                float     *inputs,
                float     *targets,
                int       *labels,
                int       *n_out,
                GError   **error)
{
  gsize item;
  int k;

  g_return_val_if_fail (loader != NULL && inputs != NULL && targets != NULL && n_out != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  item = (gsize) 3 * loader->spec.size * loader->spec.size;
  k = tf_dataset_get_n_classes (loader->ds);

  *n_out = 0;
  if (!loader->started)
    return FALSE;

  for (;;)
    {
      guint b;
      int len, got = 0;
      Slot *slot;

      g_mutex_lock (&loader->lock);
      if (loader->consumed >= loader->n_batches)
        {
          g_mutex_unlock (&loader->lock);
          break;
        }
      b = loader->consumed;
      len = batch_length (loader, b);
      slot = &loader->slots[b % (guint) loader->n_slots];
      if (loader->n_threads == 0)
        {
          g_mutex_unlock (&loader->lock);
          for (int j = 0; j < len; j++)
            {
              guint pos = b * (guint) loader->batch + (guint) j;
              produce_item (loader, pos, loader->order[pos], loader->seed, slot);
            }
          g_mutex_lock (&loader->lock);
          slot->done = len;
        }
      while (slot->done < len)
        g_cond_wait (&loader->done_cond, &loader->lock);
      g_mutex_unlock (&loader->lock);

      /* the slot is ours until consumed moves past it */
      for (int j = 0; j < len; j++)
        {
          guint idx = loader->order[b * (guint) loader->batch + (guint) j];
          const char *path = tf_dataset_get_path (loader->ds, idx);

          if (!slot->ok[j])
            {
              loader->n_failed++;
              if (loader->first_error == NULL)
                loader->first_error = g_strdup (slot->errors[j]);
              if (!g_hash_table_contains (loader->warned, path))
                {
                  g_hash_table_add (loader->warned, g_strdup (path));
                  g_warning ("skipping an image: %s", slot->errors[j]);
                }
              g_clear_pointer (&slot->errors[j], g_free);
              continue;
            }
          memcpy (inputs + got * item, slot->inputs + j * item, sizeof (float) * item);
          memcpy (targets + (gsize) got * k, tf_dataset_get_target (loader->ds, idx), sizeof (float) * k);
          if (labels)
            labels[got] = tf_dataset_get_label (loader->ds, idx);
          got++;
        }

      g_mutex_lock (&loader->lock);
      slot->done = 0;
      loader->consumed++;
      g_cond_broadcast (&loader->work_cond);
      g_mutex_unlock (&loader->lock);

      if (got > 0)
        {
          loader->n_delivered += (guint) got;
          *n_out = got;
          return TRUE;
        }
    }

  if (loader->n_delivered == 0 && loader->first_error != NULL)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_INPUT, "none of the %u images of the epoch could be decoded; the first: %s",
                   loader->n, loader->first_error);
    }
  return FALSE;
}

guint
tf_loader_get_n_failed (TfLoader *loader)
{
  g_return_val_if_fail (loader != NULL, 0);
  return loader->n_failed;
}

int
tf_loader_get_batch_size (TfLoader *loader)
{
  g_return_val_if_fail (loader != NULL, 0);
  return loader->batch;
}
