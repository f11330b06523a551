/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Analysis into a project: one run, one transaction per file (a face crop
 * picture: per batch), the aligned crop the model saw kept with each face. */
#include <math.h>
#include <string.h>

#include "tf-align.h"
#include "tf-decode.h"
#include "tf-image.h"
#include "tf-json.h"
#include "tf-ops.h"
#include "tf-project-analyze.h"

void
tf_project_analyze_options_init (TfProjectAnalyzeOptions *o)
{
  memset (o, 0, sizeof *o);
  tf_analyze_options_init (&o->analyze);
}

typedef struct
{
  TfProject                *p;
  gint64                    run;
  int                       n_classes;
  const TfAnalyzeCallbacks *cb;
  gpointer                  user_data;
  int                       open_file;   /* the file whose transaction is open, or -1 */
  gint64                    media;
  TfAnalyzeProgress         last;        /* of the open file */
  GCancellable             *stop;        /* cancels the analyzer when storing fails */
  GError                   *error;       /* why storing failed */
} Store;

static void
store_fail (Store *s)
{
  if (s->open_file >= 0)
    tf_project_rollback (s->p);
  s->open_file = -1;
  g_cancellable_cancel (s->stop);
}

/* Starts @file's transaction and media row at its first face or frame. */
static gboolean
store_open (Store      *s,
            const char *file,
            int         file_index)
{
  if (s->error)
    return FALSE;
  if (s->open_file == file_index)
    return TRUE;
  if (!tf_project_begin (s->p, &s->error))
    {
      g_cancellable_cancel (s->stop);
      return FALSE;
    }
  s->open_file = file_index;
  memset (&s->last, 0, sizeof s->last);
  if ((s->media = tf_project_add_media (s->p, file, TF_MEDIA_IMAGE, 0, 0, 0, &s->error)) == 0)
    {
      store_fail (s);
      return FALSE;
    }
  return TRUE;
}

static void
store_face (const TfFaceResult *r,
            gpointer            data)
{
  Store *s = data;
  TfProjectNewFace f = {
    .run = s->run, .frame = r->frame, .time_s = r->time_s, .index = r->face, .det = *r->det,
    .has_landmarks = TRUE, .track = r->track, .crop = r->source, .crop_size = r->source_size,
  };
  gint64 face;

  if (!store_open (s, r->file, r->file_index))
    return;
  f.media = s->media;
  if ((face = tf_project_add_face (s->p, &f, &s->error)) == 0 ||
      !tf_project_add_prediction (s->p, face, s->run, r->probs, s->n_classes, &s->error))
    store_fail (s);
  else if (s->cb && s->cb->face)
    s->cb->face (r, s->user_data);
}

static void
store_progress (const TfAnalyzeProgress *pr,
                gpointer                 data)
{
  Store *s = data;

  if (!store_open (s, pr->file, pr->file_index))
    return;
  s->last = *pr;
  if (s->cb && s->cb->progress)
    s->cb->progress (pr, s->user_data);
}

static void
store_file_done (const char   *file,
                 int           file_index,
                 gint64        frames,
                 gint64        faces,
                 const GError *error,
                 gpointer      data)
{
  Store *s = data;

  if (s->open_file == file_index && s->error == NULL)
    {
      /* what was read of a file that broke part way is kept, as analyze
       * keeps its rows */
      if (frames == 0)
        tf_project_rollback (s->p);
      else if (!tf_project_set_media_info (s->p, s->media, s->last.kind, s->last.width, s->last.height,
                                           MAX (s->last.duration, 0), &s->error) ||
               !tf_project_commit (s->p, &s->error))
        {
          s->open_file = -1;
          g_cancellable_cancel (s->stop);
          return;
        }
      s->open_file = -1;
    }
  if (s->error == NULL && s->cb && s->cb->file_done)
    s->cb->file_done (file, file_index, frames, faces, error, s->user_data);
}

static const TfAnalyzeCallbacks store_callbacks = {
  .face = store_face,
  .progress = store_progress,
  .file_done = store_file_done,
};

/* ---- pictures that are face crops ------------------------------------------------- */

typedef struct
{
  const char *file;
  int         file_index, width, height;
  guint8     *crop;
} Pending;

/* The batch through the engine and into the project, in one transaction. */
static gboolean
flush_crops (Store        *s,
             TfEngine     *engine,
             const float  *input,
             GArray       *pending,
             int           crop_size,
             gboolean      mirror,
             GError      **error)
{
  TfOutputs out;
  gboolean ok;

  if (pending->len == 0)
    return TRUE;
  if ((mirror ? !tf_engine_forward_mirrored (engine, input, (int) pending->len, TF_PROBE_NONE, &out, error)
              : !tf_engine_forward (engine, input, (int) pending->len, TF_PROBE_NONE, NULL, &out, error)) ||
      !tf_project_begin (s->p, error))
    return FALSE;
  ok = TRUE;
  for (guint i = 0; ok && i < pending->len; i++)
    {
      Pending *it = &g_array_index (pending, Pending, i);
      TfProjectNewFace f = {
        .run = s->run, .det = { .w = (float) it->width, .h = (float) it->height, .score = 1 },
        .crop = it->crop, .crop_size = crop_size,
      };
      gint64 face;

      ok = (f.media = tf_project_add_media (s->p, it->file, TF_MEDIA_IMAGE, it->width, it->height, 0, error)) > 0 &&
           (face = tf_project_add_face (s->p, &f, error)) > 0 &&
           tf_project_add_prediction (s->p, face, s->run, out.probs + (gsize) i * out.classes, out.classes, error);
    }
  if (!ok)
    {
      tf_project_rollback (s->p);
      return FALSE;
    }
  if (!tf_project_commit (s->p, error))
    return FALSE;
  for (guint i = 0; i < pending->len; i++)
    {
      Pending *it = &g_array_index (pending, Pending, i);
      if (s->cb && s->cb->file_done)
        s->cb->file_done (it->file, it->file_index, 1, 1, NULL, s->user_data);
    }
  g_array_set_size (pending, 0);   /* frees the crops */
  return TRUE;
}

static void
pending_clear (gpointer data)
{
  g_free (((Pending *) data)->crop);
}

static gboolean
analyze_crops (Store                         *s,
               TfModel                       *model,
               const TfProjectAnalyzeOptions *o,
               const char * const            *files,
               int                            n_files,
               GCancellable                  *cancellable,
               GError                       **error)
{
  const int S = model->input.size, batch = CLAMP (o->analyze.batch, 1, 256);
  const gsize per = (gsize) 3 * S * S;
  g_autoptr(GArray) pending = g_array_new (FALSE, FALSE, sizeof (Pending));
  g_autofree float *input = g_new (float, per * batch);
  g_autoptr(TfEngine) engine = NULL;
  TfCropTemplate tmpl;
  gboolean ok = TRUE;
  int saved = tf_get_threads ();

  if (!tf_crop_template_from_spec (&model->input, &tmpl, error))
    return FALSE;
  g_array_set_clear_func (pending, pending_clear);
  tf_set_threads (MAX (o->analyze.threads, 1));
  engine = tf_engine_new (model);
  for (int i = 0; ok && i < n_files; i++)
    {
      g_autoptr(GError) read_error = NULL;
      g_autofree guint8 *rgb = NULL;
      Pending it = { files[i], i, 0, 0, NULL };
      int stride;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        ok = FALSE;
      else if (!(rgb = tf_decode_rgb (files[i], &it.width, &it.height, &stride, &read_error, NULL)))
        {
          if (s->cb && s->cb->file_done)
            s->cb->file_done (files[i], i, 0, 0, read_error, s->user_data);
        }
      else
        {
          it.crop = g_malloc ((gsize) 3 * tmpl.source_size * tmpl.source_size);
          tf_decode_resize_rgb (rgb, it.width, it.height, stride, tmpl.source_size, it.crop);
          /* the model sees the stored crop, as it sees the aligned crop of a
           * detected face: exports and training start from the same pixels */
          tf_image_to_input (it.crop, tmpl.source_size, tmpl.source_size, 3 * tmpl.source_size, 3, &model->input,
                             input + per * pending->len);
          g_array_append_val (pending, it);
          if ((int) pending->len == batch)
            ok = flush_crops (s, engine, input, pending, tmpl.source_size, o->analyze.mirror, error);
        }
    }
  if (ok)
    ok = flush_crops (s, engine, input, pending, tmpl.source_size, o->analyze.mirror, error);
  tf_set_threads (saved);
  return ok;
}

/* ---- the run ------------------------------------------------------------------------ */

static char *
settings_json (const TfProjectAnalyzeOptions *o)
{
  GString *s = g_string_new ("{\"crops\":");
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  g_string_append (s, o->crops ? "true" : "false");
  if (o->analyze.mirror)
    g_string_append (s, ",\"mirror\":true");
  if (!o->crops)
    {
      g_autofree char *name = o->detector_file ? g_path_get_basename (o->detector_file) : NULL;
      g_string_append_printf (s, ",\"every\":%d,\"fps\":%s", o->analyze.media.every,
                              g_ascii_formatd (buf, sizeof buf, "%g", o->analyze.media.fps));
      g_string_append_printf (s, ",\"detect_every\":%d,\"threshold\":%s", o->analyze.detect_every,
                              g_ascii_formatd (buf, sizeof buf, "%g", o->analyze.score));
      g_string_append (s, ",\"detector\":");
      if (name)
        tf_json_string (s, name);
      else
        g_string_append (s, "null");
    }
  g_string_append_c (s, '}');
  return g_string_free (s, FALSE);
}

static void
on_cancelled (GCancellable *cancellable,
              gpointer      stop)
{
  (void) cancellable;
  g_cancellable_cancel (stop);
}

gboolean
tf_project_analyze (TfProject                     *p,
                    TfModel                       *model,
                    TfDetector                    *detector,
                    const TfProjectAnalyzeOptions *o,
                    const char * const            *files,
                    int                            n_files,
                    const TfAnalyzeCallbacks      *callbacks,
                    gpointer                       user_data,
                    gint64                        *run,
                    GCancellable                  *cancellable,
                    GError                       **error)
{
  g_autofree char *settings = NULL;
  g_autoptr(GCancellable) stop = g_cancellable_new ();
  g_autoptr(TfAnalyzer) analyzer = NULL;
  Store s = { p, 0, model->config.num_classes, callbacks, user_data, -1, 0, { 0 }, stop, NULL };
  gulong handler = 0;
  gboolean ok;

  g_return_val_if_fail (p != NULL && model != NULL && o != NULL, FALSE);
  g_return_val_if_fail (detector != NULL || o->crops, FALSE);
  if (!o->crops && !(analyzer = tf_analyzer_new (model, detector, &o->analyze, error)))
    return FALSE;
  settings = settings_json (o);
  if ((o->crops && !tf_project_set_setting (p, TF_PROJECT_SETTING_CROPS, "1", error)) ||
      (s.run = tf_project_add_run (p, o->model_file, (const char * const *) model->classes, settings, error)) == 0)
    return FALSE;
  if (run)
    *run = s.run;
  if (o->crops)
    return analyze_crops (&s, model, o, files, n_files, cancellable, error);

  if (cancellable)
    handler = g_cancellable_connect (cancellable, G_CALLBACK (on_cancelled), stop, NULL);
  ok = tf_analyzer_run (analyzer, files, n_files, &store_callbacks, &s, stop, error);
  if (handler)
    g_cancellable_disconnect (cancellable, handler);
  if (s.open_file >= 0)
    tf_project_rollback (p);
  if (s.error)
    {
      /* the analyzer stopped because the project could not be written */
      g_clear_error (error);
      g_propagate_error (error, s.error);
      return FALSE;
    }
  return ok;
}
