/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "tf-align.h"
#include "tf-analyze.h"
#include "tf-ops.h"
#include "tf-track.h"

void
tf_analyze_options_init (TfAnalyzeOptions *o)
{
  memset (o, 0, sizeof *o);
  o->media.every = 1;
  o->detect_every = 1;
  o->batch = 8;
  o->queue = 16;
  o->threads = 1;
  o->detect_threads = 1;
  o->score = (float) TF_DETECT_DEFAULT_THRESHOLD;
  o->detect_max_side = TF_DETECT_DEFAULT_MAX_SIDE;
  o->probes = TF_PROBE_NONE;
}

/* ---- the queue between the producer and the engine ---------------------- */

typedef enum
{
  ITEM_FACE,    /* one aligned face */
  ITEM_FRAME,   /* a frame is done (after its faces) */
  ITEM_FILE,    /* a file is done */
} ItemKind;

typedef struct
{
  ItemKind kind;
  int      file_index;
  gint64   frame;
  double   time_s, duration;
  TfMediaKind media_kind;   /* ITEM_FRAME: what the file is, its frame size */
  int      width, height;
  int      face_index, track;
  TfFace   face;
  float   *input;       /* [3][S][S] */
  uint8_t *source;      /* the aligned crop before the model's resampling */
  uint8_t *crop;
  gint64   frames, faces;
  GError  *error;
} Item;

static void
item_free (Item *item)
{
  g_free (item->input);
  g_free (item->source);
  g_free (item->crop);
  g_clear_error (&item->error);
  g_free (item);
}

typedef struct
{
  GMutex   lock;
  GCond    cond;
  GQueue   items;
  guint    faces, cap;     /* bounded in faces: frame and file marks are small */
  gboolean closed;         /* producer done */
  gboolean cancelled;
} Queue;

/* Blocks while the queue holds @cap faces; FALSE when cancelled. */
static gboolean
queue_push (Queue *q,
            Item  *item)
{
  gboolean ok;

  g_mutex_lock (&q->lock);
  while (item->kind == ITEM_FACE && q->faces >= q->cap && !q->cancelled)
    g_cond_wait (&q->cond, &q->lock);
  ok = !q->cancelled;
  if (ok)
    {
      g_queue_push_tail (&q->items, item);
      q->faces += item->kind == ITEM_FACE;
      g_cond_broadcast (&q->cond);
    }
  g_mutex_unlock (&q->lock);
  if (!ok)
    item_free (item);
  return ok;
}

/* Next item; with @wait FALSE, NULL at once when the queue is empty. NULL
 * when closed and drained, or cancelled. */
static Item *
queue_pop (Queue    *q,
           gboolean  wait)
{
  Item *item = NULL;

  g_mutex_lock (&q->lock);
  while (wait && q->items.length == 0 && !q->closed && !q->cancelled)
    g_cond_wait (&q->cond, &q->lock);
  if (!q->cancelled && (item = g_queue_pop_head (&q->items)) != NULL)
    {
      q->faces -= item->kind == ITEM_FACE;
      g_cond_broadcast (&q->cond);
    }
  g_mutex_unlock (&q->lock);
  return item;
}

static void
queue_cancel (Queue *q)
{
  g_mutex_lock (&q->lock);
  g_atomic_int_set (&q->cancelled, TRUE);
  g_cond_broadcast (&q->cond);
  g_mutex_unlock (&q->lock);
}

static void
queue_close (Queue *q)
{
  g_mutex_lock (&q->lock);
  q->closed = TRUE;
  g_cond_broadcast (&q->cond);
  g_mutex_unlock (&q->lock);
}

/* ---- the analyzer --------------------------------------------------------- */

struct _TfAnalyzer
{
  TfModel         *model;
  TfDetector      *detector;
  TfEngine        *engine;
  TfAnalyzeOptions opt;
  TfCropTemplate   tmpl;
};

TfAnalyzer *
tf_analyzer_new (TfModel                *model,
                 TfDetector             *detector,
                 const TfAnalyzeOptions *options,
                 GError                **error)
{
  g_autofree TfAnalyzer *a = g_new0 (TfAnalyzer, 1);
  int saved = tf_get_threads ();

  a->model = model;
  a->detector = detector;
  if (options)
    a->opt = *options;
  else
    tf_analyze_options_init (&a->opt);
  a->opt.batch = CLAMP (a->opt.batch, 1, 256);
  a->opt.queue = MAX (a->opt.queue, a->opt.batch);
  a->opt.detect_every = MAX (a->opt.detect_every, 1);
  if (!tf_crop_template_from_spec (&model->input, &a->tmpl, error))
    {
      /* TRANSLATORS: put before a message about the model file's input settings */
      g_prefix_error (error, "%s: ", _("model"));
      return NULL;
    }
  tf_set_threads (MAX (a->opt.threads, 1));
  a->engine = tf_engine_new (model);
  tf_set_threads (saved);
  return g_steal_pointer (&a);
}

void
tf_analyzer_free (TfAnalyzer *a)
{
  if (a == NULL)
    return;
  tf_engine_free (a->engine);
  g_free (a);
}

typedef struct
{
  TfAnalyzer         *a;
  const char * const *files;
  int                 n_files;
  Queue              *q;
} Producer;

static int
face_x_cmp (gconstpointer pa,
            gconstpointer pb)
{
  const TfFace *a = pa, *b = pb;

  return (a->x > b->x) - (a->x < b->x);
}

/* Looks for each live track's face near where it is expected: a detection
 * on a small window around it, far cheaper than the whole frame. */
static GArray *
detect_near_tracks (TfAnalyzer    *a,
                    TfTracker     *tracker,
                    const TfFrame *frame)
{
  GArray *found = g_array_new (FALSE, FALSE, sizeof (TfFace));

  tf_detector_set_max_side (a->detector, 160);
  for (int t = 0; t < tf_tracker_get_n (tracker); t++)
    {
      const TfTrack *tr = tf_tracker_get (tracker, t);
      g_autoptr(GArray) faces = NULL;
      TfFace p;
      float side, cx, cy, best = 0;
      int x0, y0, x1, y1, pick = -1;

      tf_track_predict (tr, frame->index, &p);
      side = 2.0f * MAX (p.w, p.h);
      cx = p.x + p.w / 2;
      cy = p.y + p.h / 2;
      x0 = CLAMP ((int) floorf (cx - side / 2), 0, frame->width);
      y0 = CLAMP ((int) floorf (cy - side / 2), 0, frame->height);
      x1 = CLAMP ((int) ceilf (cx + side / 2), 0, frame->width);
      y1 = CLAMP ((int) ceilf (cy + side / 2), 0, frame->height);
      if (x1 - x0 < 8 || y1 - y0 < 8)
        continue;
      faces = tf_detector_detect (a->detector, frame->rgb + (gsize) y0 * frame->stride + (gsize) x0 * 3,
                                  x1 - x0, y1 - y0, frame->stride, NULL);
      if (faces == NULL)
        continue;
      for (guint i = 0; i < faces->len; i++)
        {
          TfFace *f = &g_array_index (faces, TfFace, i);
          float aff;
          tf_face_translate (f, x0, y0);
          aff = tf_track_affinity (&p, f);
          if (aff > best)
            {
              best = aff;
              pick = (int) i;
            }
        }
      if (pick >= 0)
        {
          gboolean dup = FALSE;
          const TfFace *f = &g_array_index (faces, TfFace, pick);
          /* two tracks may find the same face */
          for (guint j = 0; j < found->len; j++)
            dup |= tf_face_iou (&g_array_index (found, TfFace, j), f) > 0.5f;
          if (!dup)
            g_array_append_val (found, *f);
        }
    }
  tf_detector_set_max_side (a->detector, a->opt.detect_max_side);
  return found;
}

/* The faces of @frame, left to right, with their track ids in *@ids: a
 * photo's by tf_detect_photo; a video frame's by a full detection every
 * detect_every kept frames (@kept counts them) or when nothing is tracked,
 * else near where the tracks are expected. NULL on a detector error. */
static GArray *
find_faces (TfAnalyzer     *a,
            TfTracker      *tracker,
            const TfFrame  *frame,
            gboolean        photo,
            gint64          kept,
            int           **ids,
            GError        **error)
{
  GArray *faces;

  if (photo)
    faces = tf_detect_photo (a->detector, frame->rgb, frame->width, frame->height, frame->stride, error);
  else if (kept % a->opt.detect_every == 0 || tf_tracker_get_n (tracker) == 0)
    faces = tf_detector_detect (a->detector, frame->rgb, frame->width, frame->height, frame->stride, error);
  else
    faces = detect_near_tracks (a, tracker, frame);
  if (faces == NULL)
    return NULL;
  g_array_sort (faces, face_x_cmp);
  *ids = g_new (int, MAX (faces->len, 1));
  tf_tracker_update (tracker, (const TfFace *) faces->data, (int) faces->len, frame->index, *ids);
  return faces;
}

/* @face of @frame aligned into a new ITEM_FACE (file_index 0), or NULL when
 * its landmarks are degenerate. */
static Item *
aligned_item (TfAnalyzer    *a,
              const TfFrame *frame,
              const TfFace  *face,
              int            index,
              int            track)
{
  const int S = a->model->input.size, crop = a->opt.crop_size;
  Item *item = g_new0 (Item, 1);

  item->kind = ITEM_FACE;
  item->frame = frame->index;
  item->time_s = frame->time_s;
  item->face_index = index;
  item->track = track;
  item->face = *face;
  item->input = g_new (float, (gsize) 3 * S * S);
  item->source = g_malloc ((gsize) 3 * a->tmpl.source_size * a->tmpl.source_size);
  if (crop > 0)
    item->crop = g_malloc ((gsize) crop * crop * 3);
  if (!tf_align_face (frame->rgb, frame->width, frame->height, frame->stride, &item->face,
                      &a->model->input, &a->tmpl, item->input, item->source, item->crop, crop))
    {
      item_free (item);
      return NULL;
    }
  return item;
}

static gboolean
produce_file (Producer *p,
              int       file_index)
{
  TfAnalyzer *a = p->a;
  const char *path = p->files[file_index];
  g_autoptr(GError) error = NULL;
  g_autoptr(TfMedia) media = tf_media_open (path, &a->opt.media, &error);
  g_autoptr(TfTracker) tracker = NULL;
  gint64 frames = 0, faces_total = 0, kept = 0;
  double duration = 0;
  Item *done;

  if (media != NULL)
    {
      int every = a->opt.media.fps > 0 ? 1 : MAX (a->opt.media.every, 1);
      /* a face unseen for about a second (of kept frames) ends its track */
      double fps = tf_media_get_fps (media) > 0 ? tf_media_get_fps (media) : 30;
      tracker = tf_tracker_new (MAX ((gint64) fps, 3 * every));
      duration = tf_media_get_duration (media);
      if (file_index == 0 && a->opt.resume != NULL)
        {
          const TfAnalyzeResume *r = a->opt.resume;

          if (!tf_media_seek_after (media, r->after_s, &error))
            g_clear_pointer (&media, tf_media_free);
          else
            tf_tracker_continue (tracker, r->faces, r->tracks, r->n_faces, r->frame, r->next_track);
        }
    }
  while (media != NULL)
    {
      g_autoptr(TfFrame) frame = tf_media_next (media, &error);
      g_autoptr(GArray) faces = NULL;
      g_autofree int *ids = NULL;
      Item *mark;

      if (frame == NULL)
        break;
      if (g_atomic_int_get (&p->q->cancelled))
        return FALSE;
      faces = find_faces (a, tracker, frame, tf_media_get_kind (media) == TF_MEDIA_IMAGE, kept++, &ids, &error);
      if (faces == NULL)
        break;

      for (guint i = 0; i < faces->len; i++)
        {
          Item *item = aligned_item (a, frame, &g_array_index (faces, TfFace, i), (int) i, ids[i]);

          if (item == NULL)
            continue;   /* degenerate landmarks: nothing to show */
          item->file_index = file_index;
          faces_total++;
          if (!queue_push (p->q, item))
            return FALSE;
        }
      frames++;
      mark = g_new0 (Item, 1);
      mark->kind = ITEM_FRAME;
      mark->file_index = file_index;
      mark->frame = frame->index;
      mark->time_s = frame->time_s;
      mark->duration = duration;
      mark->media_kind = tf_media_get_kind (media);
      mark->width = frame->width;
      mark->height = frame->height;
      if (!queue_push (p->q, mark))
        return FALSE;
    }

  done = g_new0 (Item, 1);
  done->kind = ITEM_FILE;
  done->file_index = file_index;
  done->frames = frames;
  done->faces = faces_total;
  done->error = g_steal_pointer (&error);
  return queue_push (p->q, done);
}

static void
detector_setup (TfAnalyzer *a)
{
  tf_detector_set_threads (a->detector, MAX (a->opt.detect_threads, 1));
  tf_detector_set_threshold (a->detector, a->opt.score, 0.3f);
  tf_detector_set_max_side (a->detector, a->opt.detect_max_side);
}

static gpointer
producer_thread (gpointer data)
{
  Producer *p = data;

  detector_setup (p->a);
  for (int f = 0; f < p->n_files; f++)
    if (!produce_file (p, f))
      break;
  queue_close (p->q);
  return NULL;
}

static void
on_cancelled (GCancellable *cancellable,
              gpointer      data)
{
  (void) cancellable;
  queue_cancel (data);
}

typedef struct
{
  GPtrArray *faces;   /* Item, ITEM_FACE, waiting for the engine */
  float     *input;
} Batch;

static gboolean
flush_batch (TfAnalyzer               *a,
             Batch                    *b,
             const char * const       *files,
             const TfAnalyzeCallbacks *cb,
             gpointer                  user_data,
             gint64                   *faces_done,
             GError                  **error)
{
  const gsize per = (gsize) 3 * a->model->input.size * a->model->input.size;
  int n = (int) b->faces->len;
  TfOutputs out;

  if (n == 0)
    return TRUE;
  for (int i = 0; i < n; i++)
    memcpy (b->input + per * i, ((Item *) b->faces->pdata[i])->input, per * sizeof (float));
  if (a->opt.mirror ? !tf_engine_forward_mirrored (a->engine, b->input, n, a->opt.probes, &out, error)
                    : !tf_engine_forward (a->engine, b->input, n, a->opt.probes, NULL, &out, error))
    return FALSE;
  for (int i = 0; i < n; i++)
    {
      Item *item = b->faces->pdata[i];
      const float *probs = out.probs + (gsize) i * out.classes;
      TfFaceResult r = {
        .file = files[item->file_index],
        .file_index = item->file_index,
        .frame = item->frame,
        .time_s = item->time_s,
        .face = item->face_index,
        .track = item->track,
        .det = &item->face,
        .probs = probs,
        .outputs = &out,
        .batch_index = i,
        .crop = item->crop,
        .crop_size = item->crop ? a->opt.crop_size : 0,
        .source = item->source,
        .source_size = a->tmpl.source_size,
      };
      for (int k = 1; k < out.classes; k++)
        if (probs[k] > probs[r.predicted])
          r.predicted = k;
      (*faces_done)++;
      if (cb->face)
        cb->face (&r, user_data);
    }
  g_ptr_array_set_size (b->faces, 0);
  return TRUE;
}

gboolean
tf_analyzer_run (TfAnalyzer               *a,
                 const char * const       *files,
                 int                       n_files,
                 const TfAnalyzeCallbacks *cb,
                 gpointer                  user_data,
                 GCancellable             *cancellable,
                 GError                  **error)
{
  Queue q = { .cap = (guint) a->opt.queue };
  Producer p = { a, files, n_files, &q };
  Batch b;
  GThread *thread;
  gulong handler = 0;
  gboolean ok = TRUE;
  gint64 frames_done = 0, faces_done = 0;
  const int S = a->model->input.size;
  Item *item;

  g_mutex_init (&q.lock);
  g_cond_init (&q.cond);
  g_queue_init (&q.items);
  b.faces = g_ptr_array_new_with_free_func ((GDestroyNotify) item_free);
  b.input = g_new (float, (gsize) a->opt.batch * 3 * S * S);
  if (cancellable)
    handler = g_cancellable_connect (cancellable, G_CALLBACK (on_cancelled), &q, NULL);
  thread = g_thread_new ("tf-analyze", producer_thread, &p);

  /* take what is there; run the engine when the batch is full or the queue
   * has nothing more for now, so results are never held back waiting */
  while (ok)
    {
      item = queue_pop (&q, b.faces->len == 0);
      if (item == NULL)
        {
          if (b.faces->len > 0)
            {
              ok = flush_batch (a, &b, files, cb, user_data, &faces_done, error);
              continue;
            }
          break;
        }
      if (item->kind == ITEM_FACE)
        {
          g_ptr_array_add (b.faces, item);
          if ((int) b.faces->len >= a->opt.batch)
            ok = flush_batch (a, &b, files, cb, user_data, &faces_done, error);
          continue;
        }
      ok = flush_batch (a, &b, files, cb, user_data, &faces_done, error);
      if (ok && item->kind == ITEM_FRAME)
        {
          TfAnalyzeProgress pr = {
            .file = files[item->file_index], .file_index = item->file_index, .n_files = n_files,
            .frame = item->frame, .time_s = item->time_s, .duration = item->duration,
            .kind = item->media_kind, .width = item->width, .height = item->height,
            .frames_done = ++frames_done, .faces_done = faces_done,
          };
          if (cb->progress)
            cb->progress (&pr, user_data);
        }
      else if (ok && item->kind == ITEM_FILE && cb->file_done)
        cb->file_done (files[item->file_index], item->file_index, item->frames, item->faces,
                       item->error, user_data);
      item_free (item);
    }

  if (!ok)
    queue_cancel (&q);
  g_thread_join (thread);
  if (handler)
    g_cancellable_disconnect (cancellable, handler);
  while ((item = g_queue_pop_head (&q.items)) != NULL)
    item_free (item);
  g_ptr_array_unref (b.faces);
  g_free (b.input);
  g_mutex_clear (&q.lock);
  g_cond_clear (&q.cond);
  if (ok && g_cancellable_set_error_if_cancelled (cancellable, error))
    ok = FALSE;
  return ok;
}

/* ---- one live frame ------------------------------------------------------ */

int
tf_analyzer_frame (TfAnalyzer               *a,
                   TfTracker                *tracker,
                   const TfFrame            *frame,
                   gint64                    kept,
                   const char               *name,
                   const TfAnalyzeCallbacks *cb,
                   gpointer                  user_data,
                   GError                  **error)
{
  const char *files[1] = { name };
  const int S = a->model->input.size;
  g_autofree int *ids = NULL;
  g_autoptr(GArray) faces = NULL;
  g_autofree float *input = NULL;
  g_autoptr(GPtrArray) pending = NULL;
  gint64 done = 0;
  Batch b;

  g_return_val_if_fail (a != NULL && tracker != NULL && frame != NULL, -1);
  detector_setup (a);
  faces = find_faces (a, tracker, frame, FALSE, kept, &ids, error);
  if (faces == NULL)
    return -1;
  pending = g_ptr_array_new_with_free_func ((GDestroyNotify) item_free);
  input = g_new (float, (gsize) MIN ((int) MAX (faces->len, 1), a->opt.batch) * 3 * S * S);
  b.faces = pending;
  b.input = input;
  for (guint i = 0; i < faces->len; i++)
    {
      Item *item = aligned_item (a, frame, &g_array_index (faces, TfFace, i), (int) i, ids[i]);

      if (item == NULL)
        continue;
      g_ptr_array_add (b.faces, item);
      if ((int) b.faces->len >= a->opt.batch &&
          !flush_batch (a, &b, files, cb, user_data, &done, error))
        return -1;
    }
  if (!flush_batch (a, &b, files, cb, user_data, &done, error))
    return -1;
  return (int) done;
}

/* ---- paths ---------------------------------------------------------------- */

/* A picture or video by its first bytes, or by its name: an empty or
 * damaged photo.jpg is still taken, so that it gets reported. */
static gboolean
is_media (GFileInfo *info)
{
  TfMediaKind kind;

  return tf_media_kind_for_content_type (g_file_info_get_content_type (info), &kind) ||
         tf_media_kind_for_name (g_file_info_get_name (info), &kind);
}

static int
name_cmp (gconstpointer a,
          gconstpointer b)
{
  return g_utf8_collate (*(const char * const *) a, *(const char * const *) b);
}

static void
expand_dir (GFile     *dir,
            GPtrArray *out,
            int        depth)
{
  g_autoptr(GFileEnumerator) en = NULL;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  GFileInfo *info;

  if (depth > 32)
    return;
  en = g_file_enumerate_children (dir, G_FILE_ATTRIBUTE_STANDARD_NAME "," G_FILE_ATTRIBUTE_STANDARD_TYPE ","
                                  G_FILE_ATTRIBUTE_STANDARD_CONTENT_TYPE "," G_FILE_ATTRIBUTE_STANDARD_IS_HIDDEN,
                                  G_FILE_QUERY_INFO_NONE, NULL, NULL);
  if (en == NULL)
    {
      g_ptr_array_add (out, g_file_get_path (dir));   /* reported when opened */
      return;
    }
  while ((info = g_file_enumerator_next_file (en, NULL, NULL)) != NULL)
    {
      GFileType type = g_file_info_get_file_type (info);
      if (!g_file_info_get_is_hidden (info) &&
          (type == G_FILE_TYPE_DIRECTORY || (type == G_FILE_TYPE_REGULAR && is_media (info))))
        g_ptr_array_add (names, g_strdup_printf ("%c%s", type == G_FILE_TYPE_DIRECTORY ? 'd' : 'f',
                                                 g_file_info_get_name (info)));
      g_object_unref (info);
    }
  g_ptr_array_sort (names, name_cmp);
  /* files first, then sub-folders, each in name order */
  for (int pass = 0; pass < 2; pass++)
    for (guint i = 0; i < names->len; i++)
      {
        const char *n = names->pdata[i];
        g_autoptr(GFile) child = g_file_get_child (dir, n + 1);
        if (pass == 0 && n[0] == 'f')
          g_ptr_array_add (out, g_file_get_path (child));
        else if (pass == 1 && n[0] == 'd')
          expand_dir (child, out, depth + 1);
      }
}

GPtrArray *
tf_analyze_expand_paths (const char * const *paths,
                         int                 n_paths)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);

  for (int i = 0; i < n_paths; i++)
    {
      if (g_file_test (paths[i], G_FILE_TEST_IS_DIR))
        {
          g_autoptr(GFile) dir = g_file_new_for_path (paths[i]);
          expand_dir (dir, out, 0);
        }
      else
        g_ptr_array_add (out, g_strdup (paths[i]));
    }
  return out;
}

/* ---- shards --------------------------------------------------------------- */

int
tf_analyze_shard_of (const char *key,
                     int         count)
{
  g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  guint8 digest[32];
  gsize len = sizeof digest;
  guint64 h = 0;

  g_return_val_if_fail (count >= 1, 1);
  g_checksum_update (sum, (const guchar *) key, (gssize) strlen (key));
  g_checksum_get_digest (sum, digest, &len);
  for (int i = 0; i < 8; i++)
    h = h << 8 | digest[i];
  return (int) (h % (guint64) count) + 1;
}

/* @path without leading "./", doubled separators or a trailing one. */
static char *
shard_path (const char *path)
{
  g_auto(GStrv) parts = g_strsplit (path, G_DIR_SEPARATOR_S, -1);
  GString *s = g_string_new (path[0] == G_DIR_SEPARATOR ? G_DIR_SEPARATOR_S : "");
  gboolean leading = TRUE;

  for (int i = 0; parts[i]; i++)
    {
      if (parts[i][0] == '\0' || (leading && strcmp (parts[i], ".") == 0))
        continue;
      leading = FALSE;
      if (s->len > 0 && s->str[s->len - 1] != G_DIR_SEPARATOR)
        g_string_append_c (s, G_DIR_SEPARATOR);
      g_string_append (s, parts[i]);
    }
  if (s->len == 0)
    g_string_append_c (s, '.');
  return g_string_free (s, FALSE);
}

char *
tf_analyze_shard_key (const char *named,
                      const char *file)
{
  g_autofree char *base = shard_path (named);
  g_autoptr(GFile) dir = g_file_new_for_path (named);
  g_autoptr(GFile) child = g_file_new_for_path (file);
  g_autofree char *below = g_file_get_relative_path (dir, child);

  if (below == NULL)
    return g_steal_pointer (&base);
  if (strcmp (base, ".") == 0)
    return g_steal_pointer (&below);
  return g_build_filename (base, below, NULL);
}

GPtrArray *
tf_analyze_expand_shard (const char * const *paths,
                         int                 n_paths,
                         int                 index,
                         int                 count,
                         guint              *n_all)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
  guint all = 0;

  g_return_val_if_fail (count >= 1 && index >= 1 && index <= count, out);
  for (int i = 0; i < n_paths; i++)
    {
      g_autoptr(GPtrArray) files = tf_analyze_expand_paths (&paths[i], 1);

      all += files->len;
      for (guint k = 0; k < files->len; k++)
        {
          g_autofree char *key = tf_analyze_shard_key (paths[i], files->pdata[k]);
          if (tf_analyze_shard_of (key, count) == index)
            g_ptr_array_add (out, g_steal_pointer (&files->pdata[k]));
        }
    }
  if (n_all)
    *n_all = all;
  return out;
}
