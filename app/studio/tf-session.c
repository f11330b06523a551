/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <glib/gi18n.h>
#include <gtk/gtk.h>
#include <string.h>

#include <math.h>

#include "tf-align.h"
#include "tf-analyze.h"
#include "tf-datafiles.h"
#include "tf-decode.h"
#include "tf-image.h"
#include "tf-occlude.h"
#include "tf-ops.h"
#include "tf-session.h"
#include "tf-session-resume.h"

/* The loaded model and detector, shared by reference with running jobs, so
 * that loading new ones never pulls them from under an analysis. */
typedef struct
{
  gatomicrefcount ref;
  TfModel        *model;
  TfDetector     *detector;
  GMutex          detector_lock;   /* one detection at a time */
} Models;

static Models *
models_ref (Models *m)
{
  g_atomic_ref_count_inc (&m->ref);
  return m;
}

static void
models_unref (Models *m)
{
  if (m == NULL || !g_atomic_ref_count_dec (&m->ref))
    return;
  tf_model_free (m->model);
  tf_detector_free (m->detector);
  g_mutex_clear (&m->detector_lock);
  g_free (m);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Models, models_unref)

/* One face on its way from the analysis thread to the main thread. */
typedef struct
{
  TfFaceProbe *probe;      /* crop texture still to make */
  GBytes      *crop;
  int          crop_size;
} Pending;

typedef enum
{
  EVENT_FACE,
  EVENT_PROGRESS,
  EVENT_FILE_DONE,
  EVENT_FILES,
} EventKind;

typedef struct
{
  EventKind kind;
  int       file_index;
  Pending   face;
  double    fraction;
  char     *text;       /* progress text (NULL: no news for the bar), or the file */
  char     *error;      /* file-done */
  gint64    frames, faces;
  double    time_s;     /* progress: the frame done */
  gint64    frame;
  gboolean  picture;
  GStrv     files;      /* files: what the paths expanded to */
} Event;

static void
event_free (Event *e)
{
  if (e->face.probe)
    tf_face_probe_unref (e->face.probe);
  g_clear_pointer (&e->face.crop, g_bytes_unref);
  g_free (e->text);
  g_free (e->error);
  g_strfreev (e->files);
  g_free (e);
}

typedef struct _Job Job;

struct _TfSession
{
  GObject    parent_instance;
  Models    *models;
  char      *model_name;
  TfModelInfo *model_info;  /* the loaded model in words */
  char      *model_path;    /* as given to tf_session_load, "" the shipped one */
  Job       *job;           /* the running analysis, or NULL */
  TfResume  *resume;        /* where the last, cancelled one can go on; NULL: nothing to */
  gboolean   mirror;        /* the last analysis's TfSessionOptions.mirror, for the
                             * faces computed on demand and compared */
  /* comparing (the block at the end): the second model, no detector */
  Models    *compare;
  char      *compare_path;
};

/* An analysis: its thread fills @events, the main thread drains them. */
struct _Job
{
  gatomicrefcount  ref;
  TfSession       *session;  /* NULL once the session let go of it */
  Models          *models;
  GCancellable    *cancellable;
  GStrv            paths;
  TfSessionOptions options;
  TfResume        *from;     /* the stopped run this one goes on from, or NULL */
  TfResumeLog     *log;      /* main thread: what was delivered */
  GMutex           lock;
  GQueue           events;
  guint            drain_id;
  gint64           last_progress_us;
  int              n_files;
  gboolean         done, cancelled;
};

enum { SIG_STARTED, SIG_FACE, SIG_PROGRESS, SIG_FILE_DONE, SIG_FINISHED, SIG_MODEL_LOADED, N_SIGNALS };
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (TfSession, tf_session, G_TYPE_OBJECT)

static Job *
job_ref (Job *job)
{
  g_atomic_ref_count_inc (&job->ref);
  return job;
}

static void
job_unref (Job *job)
{
  Event *e;

  if (!g_atomic_ref_count_dec (&job->ref))
    return;
  while ((e = g_queue_pop_head (&job->events)) != NULL)
    event_free (e);
  models_unref (job->models);
  tf_resume_log_free (job->log);
  tf_resume_free (job->from);
  g_object_unref (job->cancellable);
  g_strfreev (job->paths);
  g_mutex_clear (&job->lock);
  g_free (job);
}

/* ---- main thread: delivering what the job found --------------------------- */

static gboolean
drain (gpointer data)
{
  Job *job = data;
  GQueue batch = G_QUEUE_INIT;
  gboolean done;
  Event *e;

  g_mutex_lock (&job->lock);
  batch = job->events;
  g_queue_init (&job->events);
  job->drain_id = 0;
  done = job->done;
  g_mutex_unlock (&job->lock);

  while ((e = g_queue_pop_head (&batch)) != NULL)
    {
      TfSession *self = job->session;
      if (self != NULL)
        switch (e->kind)
          {
          case EVENT_FACE:
            if (!tf_resume_log_face (job->log, e->file_index, e->face.probe))
              break;   /* given before the run was stopped */
            if (e->face.crop)
              e->face.probe->crop = gdk_memory_texture_new (e->face.crop_size, e->face.crop_size,
                                                            GDK_MEMORY_R8G8B8, e->face.crop,
                                                            (gsize) e->face.crop_size * 3);
            g_signal_emit (self, signals[SIG_FACE], 0, e->face.probe);
            break;
          case EVENT_PROGRESS:
            tf_resume_log_frame (job->log, e->file_index, e->time_s, e->frame, e->picture);
            if (e->text)
              g_signal_emit (self, signals[SIG_PROGRESS], 0, e->fraction, e->text);
            break;
          case EVENT_FILE_DONE:
            if (e->file_index >= 0)
              tf_resume_log_file_done (job->log, e->file_index, &e->frames, &e->faces);
            g_signal_emit (self, signals[SIG_FILE_DONE], 0, e->text, e->error, e->frames, e->faces);
            break;
          case EVENT_FILES:
            tf_resume_log_set_files (job->log, g_steal_pointer (&e->files));
            break;
          }
      event_free (e);
    }

  if (done && job->session != NULL)
    {
      TfSession *self = job->session;
      if (self->job == job)
        self->job = NULL;
      job->session = NULL;
      g_signal_emit (self, signals[SIG_FINISHED], 0, job->cancelled);
      g_object_unref (self);
      job_unref (job);   /* the session's reference */
    }
  return G_SOURCE_REMOVE;
}

/* From the analysis thread: queue @e and make sure a drain is scheduled. */
static void
job_post (Job   *job,
          Event *e)
{
  g_mutex_lock (&job->lock);
  if (e)
    g_queue_push_tail (&job->events, e);
  if (job->drain_id == 0)
    /* one drain per burst: faces arriving fast are delivered together */
    job->drain_id = g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, drain, job_ref (job), (GDestroyNotify) job_unref);
  g_mutex_unlock (&job->lock);
}

/* ---- the analysis thread ------------------------------------------------------ */

/* The outputs of row @i of a batch (probabilities and probes) into @p. */
static void
probe_set_outputs (TfFaceProbe     *p,
                   const TfOutputs *o,
                   int              i,
                   TfModel         *model)
{
  const int K = o->classes, gg = o->grid * o->grid, L = o->depth, H = o->heads;

  p->classes = K;
  p->class_names = g_strdupv (model->classes);
  p->probs = g_memdup2 (o->probs + (gsize) i * K, sizeof (float) * K);
  p->predicted = 0;
  for (int k = 1; k < K; k++)
    if (p->probs[k] > p->probs[p->predicted])
      p->predicted = k;
  p->lanets = o->lanets;
  p->grid = o->grid;
  p->depth = L;
  p->heads = H;
  if (o->lanet_maps)
    {
      p->lanet_maps = g_memdup2 (o->lanet_maps + (gsize) i * o->lanets * gg,
                                 sizeof (float) * (gsize) o->lanets * gg);
      p->lanet_max = g_memdup2 (o->lanet_max + (gsize) i * gg, sizeof (float) * gg);
    }
  if (o->cls_attn)
    {
      /* the class token's attention over the patches: token 0 is itself */
      p->cls_attn = g_new (float, (gsize) L * H * gg);
      for (int lh = 0; lh < L * H; lh++)
        memcpy (p->cls_attn + (gsize) lh * gg, o->cls_attn + ((gsize) i * L * H + lh) * o->tokens + 1,
                gg * sizeof (float));
      p->head_contrib = g_memdup2 (o->head_contrib + (gsize) i * L * H, sizeof (float) * (gsize) L * H);
    }
  if (o->rollout)
    p->rollout = g_memdup2 (o->rollout + (gsize) i * gg, sizeof (float) * gg);
  p->input_size = model->input.size;
  p->input_gray = model->input.gray;
}

static TfFaceProbe *
probe_from_result (const TfFaceResult *r,
                   TfModel            *model)
{
  TfFaceProbe *p = tf_face_probe_new ();

  p->file = g_strdup (r->file);
  p->frame = r->frame;
  p->time_s = r->time_s;
  p->face = r->face;
  p->track = r->track;
  p->box[0] = r->det->x;
  p->box[1] = r->det->y;
  p->box[2] = r->det->w;
  p->box[3] = r->det->h;
  memcpy (p->landmarks, r->det->landmarks, sizeof p->landmarks);
  p->score = r->det->score;
  probe_set_outputs (p, r->outputs, r->batch_index, model);
  /* the engine's own argmax (ties broken as it breaks them) */
  p->predicted = r->predicted;
  /* the small aligned crop, not the float input: a twentieth of the memory
   * for every face of a long video; the ablation resamples it again */
  p->source_rgb = g_memdup2 (r->source, (gsize) 3 * r->source_size * r->source_size);
  p->source_size = r->source_size;
  return p;
}

static void
on_face (const TfFaceResult *r,
         gpointer            data)
{
  Job *job = data;
  Event *e = g_new0 (Event, 1);

  e->kind = EVENT_FACE;
  e->file_index = r->file_index;
  e->face.probe = probe_from_result (r, job->models->model);
  if (r->crop)
    {
      e->face.crop = g_bytes_new (r->crop, (gsize) r->crop_size * r->crop_size * 3);
      e->face.crop_size = r->crop_size;
    }
  job_post (job, e);
}

static void
on_progress (const TfAnalyzeProgress *p,
             gpointer                 data)
{
  Job *job = data;
  gint64 now = g_get_monotonic_time ();
  g_autofree char *name = NULL;
  Event *e = g_new0 (Event, 1);

  /* every frame done goes out (a stopped run goes on after the last), its
   * news for the bar ten times a second: plenty */
  e->kind = EVENT_PROGRESS;
  e->file_index = p->file_index;
  e->time_s = p->time_s;
  e->frame = p->frame;
  e->picture = p->kind == TF_MEDIA_IMAGE;
  if (now - job->last_progress_us < 100000)
    {
      job_post (job, e);
      return;
    }
  job->last_progress_us = now;
  name = g_filename_display_basename (p->file);
  if (p->duration > 0)
    {
      e->fraction = (p->file_index + MIN (p->time_s / p->duration, 1.0)) / MAX (p->n_files, 1);
      /* TRANSLATORS: file name, seconds done, seconds in all */
      e->text = g_strdup_printf (_("%s: %.0f of %.0f s"), name, p->time_s, p->duration);
    }
  else
    {
      e->fraction = (p->file_index + 1.0) / MAX (p->n_files, 1);
      /* TRANSLATORS: file name, its number, the number of files */
      e->text = g_strdup_printf (_("%s (%d of %d)"), name, p->file_index + 1, p->n_files);
    }
  job_post (job, e);
}

static void
on_file_done (const char   *file,
              int           file_index,
              gint64        frames,
              gint64        faces,
              const GError *error,
              gpointer      data)
{
  Job *job = data;
  Event *e = g_new0 (Event, 1);

  e->kind = EVENT_FILE_DONE;
  e->file_index = file_index;
  e->text = g_strdup (file);
  e->error = error ? g_strdup (error->message) : NULL;
  e->frames = frames;
  e->faces = faces;
  job_post (job, e);
}

static const TfAnalyzeCallbacks job_callbacks = {
  .face = on_face,
  .progress = on_progress,
  .file_done = on_file_done,
};

/* The engine's forward, averaged with the mirrored faces' with @mirror. */
static gboolean
forward_maybe_mirrored (TfEngine      *engine,
                        const float   *input,
                        int            n,
                        gboolean       mirror,
                        TfProbeFlags   probes,
                        TfOutputs     *out,
                        GError       **error)
{
  return mirror ? tf_engine_forward_mirrored (engine, input, n, probes, out, error)
                : tf_engine_forward (engine, input, n, probes, NULL, out, error);
}

/* Pictures that are face crops: each whole picture is the face, resampled
 * to the crop template's source size (as `project new --crops` and
 * `predict --no-detect` see it); nothing is detected. */
static gboolean
run_crops (Job        *job,
           GPtrArray  *files,
           GError    **error)
{
  TfModel *model = job->models->model;
  const int S = model->input.size;
  g_autoptr(TfEngine) engine = tf_engine_new (model);
  g_autofree float *input = g_new (float, (gsize) 3 * S * S);
  TfCropTemplate tmpl;

  if (!tf_crop_template_from_spec (&model->input, &tmpl, error))
    return FALSE;
  for (guint i = 0; i < files->len; i++)
    {
      const char *file = g_ptr_array_index (files, i);
      g_autoptr(GError) local = NULL;
      g_autofree guint8 *rgb = NULL;
      g_autofree guint8 *crop = NULL;
      TfAnalyzeProgress progress = { .file = file, .file_index = (int) i, .n_files = (int) files->len };
      TfMediaKind kind = TF_MEDIA_IMAGE;
      TfOutputs out;
      Event *e;
      int w = 0, h = 0, stride = 0;

      if (g_cancellable_set_error_if_cancelled (job->cancellable, error))
        return FALSE;
      on_progress (&progress, job);
      if (tf_media_kind_for_name (file, &kind) && kind == TF_MEDIA_VIDEO)
        {
          g_set_error (&local, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                       _("%s: a video, in a project whose pictures are face crops"), file);
          on_file_done (file, (int) i, 0, 0, local, job);
          continue;
        }
      rgb = tf_decode_rgb (file, &w, &h, &stride, &local, NULL);
      if (rgb == NULL)
        {
          on_file_done (file, (int) i, 0, 0, local, job);
          continue;
        }
      crop = g_malloc ((gsize) 3 * tmpl.source_size * tmpl.source_size);
      tf_decode_resize_rgb (rgb, w, h, stride, tmpl.source_size, crop);
      tf_image_to_input (crop, tmpl.source_size, tmpl.source_size, 3 * tmpl.source_size, 3, &model->input, input);
      if (!forward_maybe_mirrored (engine, input, 1, job->options.mirror,
                                   job->options.skip_maps ? 0 : TF_PROBE_MAPS | TF_PROBE_ATTENTION | TF_PROBE_ROLLOUT,
                                   &out, error))
        return FALSE;
      e = g_new0 (Event, 1);
      e->kind = EVENT_FACE;
      e->file_index = (int) i;
      e->face.probe = tf_face_probe_new ();
      e->face.probe->file = g_strdup (file);
      e->face.probe->track = 0;
      e->face.probe->box[2] = (float) w;
      e->face.probe->box[3] = (float) h;
      e->face.probe->score = 1;
      for (int k = 0; k < TF_FACE_LANDMARKS; k++)
        {
          e->face.probe->landmarks[k][0] = tmpl.landmarks[k][0] * w;
          e->face.probe->landmarks[k][1] = tmpl.landmarks[k][1] * h;
        }
      probe_set_outputs (e->face.probe, &out, 0, model);
      e->face.probe->source_size = tmpl.source_size;
      e->face.probe->source_rgb = g_memdup2 (crop, (gsize) 3 * tmpl.source_size * tmpl.source_size);
      e->face.crop = g_bytes_new_take (g_steal_pointer (&crop), (gsize) 3 * tmpl.source_size * tmpl.source_size);
      e->face.crop_size = tmpl.source_size;
      job_post (job, e);
      on_file_done (file, (int) i, 1, 1, NULL, job);
    }
  return TRUE;
}

static gpointer
job_thread (gpointer data)
{
  Job *job = data;
  g_autoptr(GPtrArray) files = tf_analyze_expand_paths ((const char * const *) job->paths,
                                                        (int) g_strv_length (job->paths));
  g_autoptr(TfAnalyzer) analyzer = NULL;
  g_autoptr(GError) error = NULL;
  TfAnalyzeOptions o;
  Event *expanded = g_new0 (Event, 1);

  expanded->kind = EVENT_FILES;
  expanded->files = g_new0 (char *, files->len + 1);
  for (guint i = 0; i < files->len; i++)
    expanded->files[i] = g_strdup (g_ptr_array_index (files, i));
  job_post (job, expanded);

  tf_analyze_options_init (&o);
  if (job->from != NULL && job->from->partial)
    o.resume = &job->from->point;
  o.media.fps = job->options.every_fps;
  o.score = (float) CLAMP (job->options.threshold, 0.05, 0.99);
  o.threads = job->options.threads > 0 ? job->options.threads : (int) g_get_num_processors ();
  o.detect_threads = 1;
  o.batch = 4;      /* results reach the screen soon after their frame */
  o.probes = job->options.skip_maps ? 0 : TF_PROBE_MAPS | TF_PROBE_ATTENTION | TF_PROBE_ROLLOUT;
  o.crop_size = 112;
  o.mirror = job->options.mirror;

  job->n_files = (int) files->len;
  g_mutex_lock (&job->models->detector_lock);
  if (job->options.crops)
    {
      if (!run_crops (job, files, &error) && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_clear_error (&error);
    }
  else if ((analyzer = tf_analyzer_new (job->models->model, job->models->detector, &o, &error)) != NULL &&
           !tf_analyzer_run (analyzer, (const char * const *) files->pdata, (int) files->len, &job_callbacks, job,
                             job->cancellable, &error) &&
           g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_clear_error (&error);
  if (error != NULL)
    {
      Event *e = g_new0 (Event, 1);
      e->kind = EVENT_FILE_DONE;
      e->file_index = -1;   /* no file's */
      e->text = g_strdup ("");
      e->error = g_strdup (error->message);
      job_post (job, e);
    }
  g_mutex_unlock (&job->models->detector_lock);

  g_mutex_lock (&job->lock);
  job->done = TRUE;
  job->cancelled = g_cancellable_is_cancelled (job->cancellable);
  g_mutex_unlock (&job->lock);
  job_post (job, NULL);
  job_unref (job);
  return NULL;
}

/* ---- the session ---------------------------------------------------------- */

static void
tf_session_dispose (GObject *object)
{
  TfSession *self = TF_SESSION (object);

  tf_session_cancel (self);
  G_OBJECT_CLASS (tf_session_parent_class)->dispose (object);
}

static void
tf_session_finalize (GObject *object)
{
  TfSession *self = TF_SESSION (object);

  models_unref (self->models);
  models_unref (self->compare);
  g_free (self->compare_path);
  tf_resume_free (self->resume);
  g_free (self->model_name);
  tf_model_info_free (self->model_info);
  g_free (self->model_path);
  G_OBJECT_CLASS (tf_session_parent_class)->finalize (object);
}

static void
tf_session_class_init (TfSessionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = tf_session_dispose;
  object_class->finalize = tf_session_finalize;

  signals[SIG_STARTED] = g_signal_new ("started", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                                       NULL, G_TYPE_NONE, 1, G_TYPE_UINT);
  signals[SIG_FACE] = g_signal_new ("face", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                    G_TYPE_NONE, 1, TF_TYPE_FACE_PROBE);
  signals[SIG_PROGRESS] = g_signal_new ("progress", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                                        NULL, G_TYPE_NONE, 2, G_TYPE_DOUBLE, G_TYPE_STRING);
  signals[SIG_FILE_DONE] = g_signal_new ("file-done", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                                         NULL, G_TYPE_NONE, 4, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_INT64,
                                         G_TYPE_INT64);
  signals[SIG_FINISHED] = g_signal_new ("finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                                        NULL, G_TYPE_NONE, 1, G_TYPE_BOOLEAN);
  signals[SIG_MODEL_LOADED] = g_signal_new ("model-loaded", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                            NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
tf_session_init (TfSession *self)
{
  (void) self;
}

TfSession *
tf_session_new (void)
{
  return g_object_new (TF_TYPE_SESSION, NULL);
}

gboolean
tf_session_load (TfSession   *self,
                 const char  *model_path,
                 const char  *detector_path,
                 GError     **error)
{
  g_autofree char *mp = model_path && *model_path ? g_strdup (model_path) : tf_data_find (TF_DATA_MODEL);
  g_autofree char *dp = detector_path && *detector_path ? g_strdup (detector_path) : tf_data_find (TF_DATA_DETECTOR);
  g_autoptr(Models) m = g_new0 (Models, 1);
  const char *acc;

  g_atomic_ref_count_init (&m->ref);
  g_mutex_init (&m->detector_lock);
  if (mp == NULL || dp == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, _("The shipped %s is not installed"),
                   mp == NULL ? _("expression model") : _("face detector"));
      return FALSE;
    }
  if (!(m->model = tf_model_load (mp, error)) || !(m->detector = tf_detector_load (dp, error)))
    return FALSE;

  models_unref (self->models);
  self->models = g_steal_pointer (&m);
  g_free (self->model_path);
  self->model_path = g_strdup (model_path ? model_path : "");
  g_free (self->model_name);
  tf_model_info_free (self->model_info);
  self->model_info = tf_model_info_new (self->models->model);
  acc = g_hash_table_lookup (self->models->model->metadata, "valid_accuracy");
  {
    g_autofree char *base = g_path_get_basename (mp);
    if (acc)
      /* TRANSLATORS: model file, input size, validation accuracy */
      self->model_name = g_strdup_printf (_("%s (%d px, %.1f %% on validation)"), base,
                                          self->models->model->input.size, 100 * g_ascii_strtod (acc, NULL));
    else
      self->model_name = g_strdup_printf (_("%s (%d px)"), base, self->models->model->input.size);
  }
  g_signal_emit (self, signals[SIG_MODEL_LOADED], 0);
  return TRUE;
}

const char *
tf_session_get_model_path (TfSession *self)
{
  g_return_val_if_fail (TF_IS_SESSION (self), NULL);
  return self->model_path;
}

const char * const *
tf_session_get_classes (TfSession *self)
{
  return self->models ? (const char * const *) self->models->model->classes : NULL;
}

const char *
tf_session_get_model_name (TfSession *self)
{
  return self->model_name;
}

const TfModelInfo *
tf_session_describe_model (TfSession *self)
{
  g_return_val_if_fail (TF_IS_SESSION (self), NULL);
  return self->model_info;
}

/* Starts a job over @paths; @from (taken): the stopped run it goes on from. */
static void
start_job (TfSession              *self,
           const char * const     *paths,
           const TfSessionOptions *options,
           TfResume               *from)
{
  Job *job;

  if (self->models == NULL)
    {
      g_autoptr(GError) error = NULL;
      if (!tf_session_load (self, NULL, NULL, &error))
        {
          g_signal_emit (self, signals[SIG_FILE_DONE], 0, "", error->message, (gint64) 0, (gint64) 0);
          g_signal_emit (self, signals[SIG_FINISHED], 0, FALSE);
          tf_resume_free (from);
          return;
        }
    }
  job = g_new0 (Job, 1);
  g_atomic_ref_count_init (&job->ref);
  job->session = g_object_ref (self);
  job->models = models_ref (self->models);
  job->cancellable = g_cancellable_new ();
  job->paths = g_strdupv ((char **) paths);
  job->from = from;
  job->log = tf_resume_log_new (paths, from);
  if (options)
    job->options = *options;
  else
    job->options = (TfSessionOptions) { .every_fps = 5, .threshold = TF_DETECT_DEFAULT_THRESHOLD, .threads = 0 };
  g_mutex_init (&job->lock);
  g_queue_init (&job->events);
  self->job = job;   /* the session's reference, dropped when "finished" goes out */

  g_signal_emit (self, signals[SIG_STARTED], 0, g_strv_length ((char **) paths));
  g_thread_unref (g_thread_new ("tf-session", job_thread, job_ref (job)));
}

void
tf_session_analyze (TfSession              *self,
                    const char * const     *paths,
                    const TfSessionOptions *options)
{
  tf_session_cancel (self);
  g_clear_pointer (&self->resume, tf_resume_free);
  self->mirror = options && options->mirror;
  start_job (self, paths, options, NULL);
}

gboolean
tf_session_can_continue (TfSession *self)
{
  g_return_val_if_fail (TF_IS_SESSION (self), FALSE);

  return self->job == NULL && self->resume != NULL;
}

void
tf_session_continue (TfSession *self)
{
  TfResume *from;
  TfSessionOptions options;

  g_return_if_fail (TF_IS_SESSION (self));

  if (!tf_session_can_continue (self))
    return;
  from = g_steal_pointer (&self->resume);
  options = from->options;
  start_job (self, (const char * const *) from->files, &options, from);
}

void
tf_session_cancel (TfSession *self)
{
  Job *job = self->job;

  if (job == NULL)
    return;
  /* where it can go on: what it delivered so far */
  tf_resume_free (self->resume);
  self->resume = tf_resume_log_end (job->log);
  if (self->resume)
    self->resume->options = job->options;
  /* the job finishes in its own time; from now on the session hears no more
   * of it except "finished" */
  g_cancellable_cancel (job->cancellable);
  self->job = NULL;
  job->session = NULL;
  g_signal_emit (self, signals[SIG_FINISHED], 0, TRUE);
  g_object_unref (self);
  job_unref (job);
}

gboolean
tf_session_is_running (TfSession *self)
{
  return self->job != NULL;
}

/* ---- ablation ---------------------------------------------------------------- */

/* one face's work on demand: the ablation, and exploring (below) */
typedef struct
{
  Models            *models;
  TfFaceProbe       *probe;
  TfSessionProgress  progress;
  gpointer           progress_data;
  float             *ablation;   /* [L][H][K] */
  TfSessionExplore   what;       /* exploring: what to change */
  gboolean           mirror;     /* probabilities averaged with the mirror image's,
                                  * as the faces shown were (not the head ablation's) */
} Ablation;

static void
ablation_free (Ablation *a)
{
  models_unref (a->models);
  tf_face_probe_unref (a->probe);
  g_free (a->ablation);
  g_free (a);
}

typedef struct
{
  TfSessionProgress progress;
  gpointer          data;
  double            fraction;
} ProgressCall;

static gboolean
call_progress (gpointer data)
{
  ProgressCall *c = data;

  c->progress (c->fraction, c->data);
  return G_SOURCE_REMOVE;
}

/* @progress (may be NULL) called with @fraction on @task's main context */
static void
send_progress (GTask             *task,
               TfSessionProgress  progress,
               gpointer           progress_data,
               double             fraction)
{
  ProgressCall *c;

  if (progress == NULL)
    return;
  c = g_new (ProgressCall, 1);
  *c = (ProgressCall) { progress, progress_data, fraction };
  g_main_context_invoke_full (g_task_get_context (task), G_PRIORITY_DEFAULT, call_progress, c, g_free);
}

/* @probe's crop as the model's input ([3][S][S]); FALSE (the task answered)
 * when the probe was made by another model or kept no crop */
static gboolean
probe_input (GTask             *task,
             const TfFaceProbe *probe,
             TfModel           *model,
             float             *input)
{
  if (probe->input_size != model->input.size || probe->source_rgb == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                               _("This face was analysed with another model"));
      return FALSE;
    }
  tf_image_to_input (probe->source_rgb, probe->source_size, probe->source_size, probe->source_size * 3, 3,
                     &model->input, input);
  return TRUE;
}

static void
ablation_thread (GTask        *task,
                 gpointer      source,
                 gpointer      data,
                 GCancellable *cancellable)
{
  Ablation *a = data;
  TfModel *model = a->models->model;
  const int L = model->config.depth, H = model->config.heads, K = model->config.num_classes;
  const int S = model->input.size;
  const gsize per = (gsize) 3 * S * S;
  g_autoptr(TfEngine) engine = tf_engine_new (model);
  g_autofree float *batch = g_new (float, per * H);
  g_autofree int *msad = g_new (int, (gsize) H * L);
  g_autofree float *base = g_new (float, K);
  g_autofree float *input = g_new (float, per);
  g_autofree float *lanet_ablation = g_new (float, (gsize) model->config.lanets * K);
  g_autoptr(GError) error = NULL;
  TfFaceProbe *result;
  TfOutputs out;

  (void) source;
  if (!probe_input (task, a->probe, model, input))
    return;
  if (!tf_engine_forward (engine, input, 1, TF_PROBE_NONE, NULL, &out, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  memcpy (base, out.probs, K * sizeof (float));
  a->ablation = g_new (float, (gsize) L * H * K);
  for (int h = 0; h < H; h++)
    memcpy (batch + per * h, input, per * sizeof (float));

  /* a block at a time: H copies of the face, copy h with head h dropped */
  for (int l = 0; l < L; l++)
    {
      TfForwardOptions opt = { .force_msad = msad };

      if (g_task_return_error_if_cancelled (task))
        return;
      for (int h = 0; h < H; h++)
        for (int j = 0; j < L; j++)
          msad[h * L + j] = j == l ? h : -1;
      if (!tf_engine_forward (engine, batch, H, TF_PROBE_NONE, &opt, &out, &error))
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
      for (int h = 0; h < H; h++)
        for (int k = 0; k < K; k++)
          a->ablation[((gsize) l * H + h) * K + k] = out.probs[(gsize) h * K + k] - base[k];
      send_progress (task, a->progress, a->progress_data, (l + 1.0) / (L + 1));
    }
  /* and each LANet dropped in turn (MAD at inference), one call */
  if (!tf_lanet_ablation (engine, model, input, a->mirror, lanet_ablation, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  send_progress (task, a->progress, a->progress_data, 1.0);
  (void) cancellable;
  result = tf_face_probe_with_ablation (a->probe, a->ablation);
  g_free (result->lanet_ablation);
  result->lanet_ablation = g_steal_pointer (&lanet_ablation);
  g_task_return_pointer (task, result, (GDestroyNotify) tf_face_probe_unref);
}

/* starts one face's work on demand in a thread (@what: NULL for the
 * ablation) */
static void
explore_start (TfSession              *self,
               GTask                  *task,
               TfFaceProbe            *probe,
               const TfSessionExplore *what,
               TfSessionProgress       progress,
               gpointer                progress_data,
               GTaskThreadFunc         thread)
{
  Ablation *x;

  if (self->models == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED, _("No model is loaded"));
      return;
    }
  x = g_new0 (Ablation, 1);
  x->models = models_ref (self->models);
  x->probe = tf_face_probe_ref (probe);
  if (what != NULL)
    x->what = *what;
  else
    x->what.drop_lanet = -1;
  x->mirror = self->mirror;
  x->progress = progress;
  x->progress_data = progress_data;
  g_task_set_task_data (task, x, (GDestroyNotify) ablation_free);
  g_task_run_in_thread (task, thread);
}

void
tf_session_ablation_async (TfSession           *self,
                           TfFaceProbe         *probe,
                           GCancellable        *cancellable,
                           TfSessionProgress    progress,
                           gpointer             progress_data,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, tf_session_ablation_async);
  explore_start (self, task, probe, NULL, progress, progress_data, ablation_thread);
}

TfFaceProbe *
tf_session_ablation_finish (TfSession     *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- one face on demand: a stored face's maps, a face drawn by hand ------------ */

typedef struct
{
  Models      *models;
  TfFaceProbe *probe;      /* where the face is, and its source crop (maps mode) */
  gboolean     from_box;   /* find the face in @box of @probe->file at @probe->time_s */
  gboolean     mirror;
} OneFace;

static void
one_face_free (OneFace *f)
{
  models_unref (f->models);
  tf_face_probe_unref (f->probe);
  g_free (f);
}

/* The most confident face of the whole frame, else the crop template's
 * landmarks placed in its middle square; out->x..h is its box. */
static void
best_face (Models        *models,
           const TfFrame *frame,
           TfFace        *out)
{
  const float side = (float) MIN (frame->width, frame->height);
  g_autoptr(GArray) faces = NULL;
  TfCropTemplate tmpl;

  memset (out, 0, sizeof *out);
  g_mutex_lock (&models->detector_lock);
  faces = tf_detector_detect (models->detector, frame->rgb, frame->width, frame->height, frame->stride, NULL);
  g_mutex_unlock (&models->detector_lock);
  for (guint i = 0; faces && i < faces->len; i++)
    if (g_array_index (faces, TfFace, i).score > out->score)
      *out = g_array_index (faces, TfFace, i);
  if (out->score > 0)
    return;
  if (!tf_crop_template_from_spec (&models->model->input, &tmpl, NULL))
    memset (&tmpl, 0, sizeof tmpl);
  out->x = (frame->width - side) / 2;
  out->y = (frame->height - side) / 2;
  out->w = out->h = side;
  for (int k = 0; k < TF_FACE_LANDMARKS; k++)
    {
      out->landmarks[k][0] = out->x + tmpl.landmarks[k][0] * side;
      out->landmarks[k][1] = out->y + tmpl.landmarks[k][1] * side;
    }
}

/* The face in @box: the detected one overlapping it most, else the crop
 * template's landmarks placed in the box's square (an approximation: the
 * template frames a face in its crop as the detector's boxes roughly do). */
static void
face_in_box (Models        *models,
             const TfFrame *frame,
             const float   *box,
             TfFace        *out)
{
  const float side = MAX (box[2], box[3]);
  const float cx = box[0] + box[2] / 2, cy = box[1] + box[3] / 2;
  int x0 = CLAMP ((int) floorf (cx - side), 0, frame->width);
  int y0 = CLAMP ((int) floorf (cy - side), 0, frame->height);
  int x1 = CLAMP ((int) ceilf (cx + side), 0, frame->width);
  int y1 = CLAMP ((int) ceilf (cy + side), 0, frame->height);
  g_autoptr(GArray) faces = NULL;
  TfCropTemplate tmpl;
  float best = 0.3f;

  if (box[2] <= 0 || box[3] <= 0)
    {
      best_face (models, frame, out);
      return;
    }
  memset (out, 0, sizeof *out);
  out->x = box[0];
  out->y = box[1];
  out->w = box[2];
  out->h = box[3];
  out->score = 0;
  if (x1 - x0 >= 8 && y1 - y0 >= 8)
    {
      g_mutex_lock (&models->detector_lock);
      faces = tf_detector_detect (models->detector, frame->rgb + (gsize) y0 * frame->stride + (gsize) x0 * 3,
                                  x1 - x0, y1 - y0, frame->stride, NULL);
      g_mutex_unlock (&models->detector_lock);
    }
  for (guint i = 0; faces && i < faces->len; i++)
    {
      TfFace *f = &g_array_index (faces, TfFace, i);
      float ix, iy, inter, iou;

      tf_face_translate (f, x0, y0);
      ix = MAX (0.f, MIN (f->x + f->w, box[0] + box[2]) - MAX (f->x, box[0]));
      iy = MAX (0.f, MIN (f->y + f->h, box[1] + box[3]) - MAX (f->y, box[1]));
      inter = ix * iy;
      iou = inter / (f->w * f->h + box[2] * box[3] - inter);
      if (iou > best)
        {
          best = iou;
          memcpy (out->landmarks, f->landmarks, sizeof out->landmarks);
          out->score = f->score;
        }
    }
  if (out->score > 0)
    return;
  if (!tf_crop_template_from_spec (&models->model->input, &tmpl, NULL))
    memset (&tmpl, 0, sizeof tmpl);
  for (int k = 0; k < TF_FACE_LANDMARKS; k++)
    {
      out->landmarks[k][0] = cx - side / 2 + tmpl.landmarks[k][0] * side;
      out->landmarks[k][1] = cy - side / 2 + tmpl.landmarks[k][1] * side;
    }
}

static TfFrame *
read_frame (const char  *file,
            double       time_s,
            GError     **error)
{
  g_autoptr(TfMedia) media = tf_media_open (file, NULL, error);
  TfFrame *frame;

  if (media == NULL)
    return NULL;
  if (tf_media_get_kind (media) == TF_MEDIA_VIDEO && time_s > 0 && !tf_media_seek (media, time_s, error))
    return NULL;
  frame = tf_media_next (media, error);
  if (frame == NULL && error && *error == NULL)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("%s: no picture at %.2f s"), file, time_s);
  return frame;
}

static void
one_face_thread (GTask        *task,
                 gpointer      source,
                 gpointer      data,
                 GCancellable *cancellable)
{
  OneFace *f = data;
  TfModel *model = f->models->model;
  const int S = model->input.size;
  g_autoptr(TfEngine) engine = tf_engine_new (model);
  g_autofree float *input = g_new (float, (gsize) 3 * S * S);
  g_autoptr(GError) error = NULL;
  TfFaceProbe *p = tf_face_probe_new ();
  TfOutputs out;

  (void) source;
  (void) cancellable;
  p->face_id = f->probe->face_id;
  p->file = g_strdup (f->probe->file);
  p->frame = f->probe->frame;
  p->time_s = f->probe->time_s;
  p->face = f->probe->face;
  p->track = f->probe->track;
  memcpy (p->box, f->probe->box, sizeof p->box);
  memcpy (p->landmarks, f->probe->landmarks, sizeof p->landmarks);
  p->score = f->probe->score;
  if (f->from_box)
    {
      g_autoptr(TfFrame) frame = read_frame (f->probe->file, f->probe->time_s, &error);
      TfCropTemplate tmpl;
      TfFace face;

      if (frame == NULL || !tf_crop_template_from_spec (&model->input, &tmpl, &error))
        {
          tf_face_probe_unref (p);
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
      face_in_box (f->models, frame, f->probe->box, &face);
      if (f->probe->box[2] <= 0 || f->probe->box[3] <= 0)
        {
          p->box[0] = face.x;
          p->box[1] = face.y;
          p->box[2] = face.w;
          p->box[3] = face.h;
        }
      p->frame = frame->index;
      p->time_s = frame->time_s;
      memcpy (p->landmarks, face.landmarks, sizeof p->landmarks);
      p->score = face.score;
      p->source_size = tmpl.source_size;
      p->source_rgb = g_malloc ((gsize) 3 * tmpl.source_size * tmpl.source_size);
      if (!tf_align_face (frame->rgb, frame->width, frame->height, frame->stride, &face,
                          &model->input, &tmpl, input, p->source_rgb, NULL, 0))
        {
          tf_face_probe_unref (p);
          g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                                   _("The box is too small to hold a face"));
          return;
        }
    }
  else
    {
      if (f->probe->source_rgb == NULL || f->probe->source_size <= 0)
        {
          tf_face_probe_unref (p);
          g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                                   _("This face has no stored crop"));
          return;
        }
      p->source_size = f->probe->source_size;
      p->source_rgb = g_memdup2 (f->probe->source_rgb, (gsize) 3 * p->source_size * p->source_size);
      tf_image_to_input (p->source_rgb, p->source_size, p->source_size, p->source_size * 3, 3,
                         &model->input, input);
    }
  if (!forward_maybe_mirrored (engine, input, 1, f->mirror, TF_PROBE_MAPS | TF_PROBE_ATTENTION | TF_PROBE_ROLLOUT,
                               &out, &error))
    {
      tf_face_probe_unref (p);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  probe_set_outputs (p, &out, 0, model);
  p->crop = gdk_memory_texture_new (p->source_size, p->source_size, GDK_MEMORY_R8G8B8,
                                    g_bytes_new (p->source_rgb, (gsize) 3 * p->source_size * p->source_size),
                                    (gsize) 3 * p->source_size);
  g_task_return_pointer (task, p, (GDestroyNotify) tf_face_probe_unref);
}

static void
one_face_async (TfSession           *self,
                TfFaceProbe         *probe,
                gboolean             from_box,
                GCancellable        *cancellable,
                GAsyncReadyCallback  callback,
                gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  OneFace *f;

  g_task_set_source_tag (task, one_face_async);
  if (self->models == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED, _("No model is loaded"));
      return;
    }
  f = g_new0 (OneFace, 1);
  f->models = models_ref (self->models);
  f->probe = tf_face_probe_ref (probe);
  f->from_box = from_box;
  f->mirror = self->mirror;
  g_task_set_task_data (task, f, (GDestroyNotify) one_face_free);
  g_task_run_in_thread (task, one_face_thread);
}

void
tf_session_probe_async (TfSession           *self,
                        TfFaceProbe         *probe,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_return_if_fail (TF_IS_SESSION (self));
  g_return_if_fail (probe != NULL);

  one_face_async (self, probe, FALSE, cancellable, callback, user_data);
}

void
tf_session_face_from_box_async (TfSession           *self,
                                const char          *file,
                                double               time_s,
                                const float         *box,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(TfFaceProbe) where = tf_face_probe_new ();

  g_return_if_fail (TF_IS_SESSION (self));
  g_return_if_fail (file != NULL && box != NULL);

  where->file = g_strdup (file);
  where->time_s = time_s;
  memcpy (where->box, box, sizeof where->box);
  one_face_async (self, where, TRUE, cancellable, callback, user_data);
}

TfFaceProbe *
tf_session_face_finish (TfSession     *self,
                        GAsyncResult  *result,
                        GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
tf_session_face_in_picture_async (TfSession           *self,
                                  const char          *file,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  static const float whole[4] = { 0, 0, 0, 0 };

  tf_session_face_from_box_async (self, file, 0, whole, cancellable, callback, user_data);
}

/* ---- the live camera's share ------------------------------------------------ */

TfModel *
tf_session_hold_model (TfSession *self,
                       gpointer  *hold)
{
  g_return_val_if_fail (TF_IS_SESSION (self) && hold != NULL, NULL);
  if (self->models == NULL)
    return NULL;
  *hold = models_ref (self->models);
  return self->models->model;
}

void
tf_session_release_model (gpointer hold)
{
  models_unref (hold);
}

TfFaceProbe *
tf_session_probe_from_result (const TfFaceResult *result,
                              TfModel            *model)
{
  return probe_from_result (result, model);
}

/* ==== comparing with a second model ========================================= */

gboolean
tf_session_load_compare (TfSession   *self,
                         const char  *path,
                         GError     **error)
{
  g_autoptr(Models) m = NULL;
  TfModel *model;

  g_return_val_if_fail (TF_IS_SESSION (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  if (!(model = tf_model_load (path, error)))
    return FALSE;
  m = g_new0 (Models, 1);
  g_atomic_ref_count_init (&m->ref);
  g_mutex_init (&m->detector_lock);
  m->model = model;
  models_unref (self->compare);
  self->compare = g_steal_pointer (&m);
  g_free (self->compare_path);
  self->compare_path = g_strdup (path);
  return TRUE;
}

void
tf_session_clear_compare (TfSession *self)
{
  g_return_if_fail (TF_IS_SESSION (self));

  g_clear_pointer (&self->compare, models_unref);
  g_clear_pointer (&self->compare_path, g_free);
}

const char *
tf_session_get_compare_path (TfSession *self)
{
  g_return_val_if_fail (TF_IS_SESSION (self), NULL);
  return self->compare_path;
}

const char * const *
tf_session_get_compare_classes (TfSession *self)
{
  g_return_val_if_fail (TF_IS_SESSION (self), NULL);
  return self->compare ? (const char * const *) self->compare->model->classes : NULL;
}

typedef struct
{
  Models    *models;      /* the second model */
  GPtrArray *probes;      /* TfFaceProbe, the faces as the first model saw them */
  gboolean   with_maps;
  gboolean   mirror;
} CompareJob;

static void
compare_job_free (CompareJob *c)
{
  models_unref (c->models);
  g_ptr_array_unref (c->probes);
  g_free (c);
}

/* the result's free function: faces without a crop have no entry */
static void
probe_unref0 (gpointer probe)
{
  if (probe)
    tf_face_probe_unref (probe);
}

/* The faces through the second model in batches, each from its stored
 * aligned crop made into that model's own input (size, colour, mean/std). */
static void
compare_thread (GTask        *task,
                gpointer      source,
                gpointer      data,
                GCancellable *cancellable)
{
  CompareJob *c = data;
  TfModel *model = c->models->model;
  const int batch = 16;
  const gsize per = (gsize) 3 * model->input.size * model->input.size;
  const TfProbeFlags probes = c->with_maps ? TF_PROBE_MAPS | TF_PROBE_ATTENTION | TF_PROBE_ROLLOUT : TF_PROBE_NONE;
  g_autoptr(TfEngine) engine = tf_engine_new (model);
  g_autofree float *input = g_new (float, batch * per);
  g_autofree guint *rows = g_new (guint, batch);
  g_autoptr(GPtrArray) result = g_ptr_array_new_full (c->probes->len, probe_unref0);
  GError *error = NULL;

  (void) source;
  g_ptr_array_set_size (result, (int) c->probes->len);
  for (guint i = 0; i < c->probes->len;)
    {
      TfOutputs out;
      int n = 0;

      if (g_cancellable_set_error_if_cancelled (cancellable, &error))
        {
          g_task_return_error (task, error);
          return;
        }
      for (; i < c->probes->len && n < batch; i++)
        {
          const TfFaceProbe *f = g_ptr_array_index (c->probes, i);
          if (f->source_rgb == NULL || f->source_size <= 0)
            continue;   /* no stored crop: nothing to compare */
          tf_image_to_input (f->source_rgb, f->source_size, f->source_size, f->source_size * 3, 3,
                             &model->input, input + n * per);
          rows[n++] = i;
        }
      if (n == 0)
        continue;
      if (!forward_maybe_mirrored (engine, input, n, c->mirror, probes, &out, &error))
        {
          g_task_return_error (task, error);
          return;
        }
      for (int j = 0; j < n; j++)
        {
          const TfFaceProbe *f = g_ptr_array_index (c->probes, rows[j]);
          TfFaceProbe *p = tf_face_probe_new ();

          p->face_id = f->face_id;
          p->file = g_strdup (f->file);
          p->frame = f->frame;
          p->time_s = f->time_s;
          p->face = f->face;
          p->track = f->track;
          memcpy (p->box, f->box, sizeof p->box);
          memcpy (p->landmarks, f->landmarks, sizeof p->landmarks);
          p->score = f->score;
          p->crop = f->crop ? g_object_ref (f->crop) : NULL;
          probe_set_outputs (p, &out, j, model);
          g_ptr_array_index (result, rows[j]) = p;
        }
    }
  g_task_return_pointer (task, g_steal_pointer (&result), (GDestroyNotify) g_ptr_array_unref);
}

void
tf_session_compare_async (TfSession           *self,
                          GPtrArray           *probes,
                          gboolean             with_maps,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  CompareJob *c;

  g_return_if_fail (TF_IS_SESSION (self));
  g_return_if_fail (probes != NULL);

  g_task_set_source_tag (task, tf_session_compare_async);
  if (self->compare == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED, _("No model to compare with is loaded"));
      return;
    }
  c = g_new0 (CompareJob, 1);
  c->models = models_ref (self->compare);
  c->probes = g_ptr_array_new_full (probes->len, (GDestroyNotify) tf_face_probe_unref);
  for (guint i = 0; i < probes->len; i++)
    g_ptr_array_add (c->probes, tf_face_probe_ref (g_ptr_array_index (probes, i)));
  c->with_maps = with_maps;
  c->mirror = self->mirror;
  g_task_set_task_data (task, c, (GDestroyNotify) compare_job_free);
  g_task_run_in_thread (task, compare_thread);
}

GPtrArray *
tf_session_compare_finish (TfSession     *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- exploring one face: occluded, a LANet dropped, the occlusion map ------------ */

/* the rectangle, in fractions of the crop, in input pixels */
static void
explore_rect (const TfSessionExplore *what,
              int                     size,
              TfOccludeRect          *rect)
{
  rect->x = (int) lrint (CLAMP (what->rect[0], -4.0, 4.0) * size);
  rect->y = (int) lrint (CLAMP (what->rect[1], -4.0, 4.0) * size);
  rect->w = (int) lrint (CLAMP (what->rect[2], 0.0, 4.0) * size);
  rect->h = (int) lrint (CLAMP (what->rect[3], 0.0, 4.0) * size);
}

static void
explore_thread (GTask        *task,
                gpointer      source,
                gpointer      data,
                GCancellable *cancellable)
{
  Ablation *x = data;
  TfModel *model = x->models->model;
  const int S = model->input.size;
  g_autoptr(TfEngine) engine = tf_engine_new (model);
  g_autofree float *input = g_new (float, (gsize) 3 * S * S);
  g_autoptr(GError) error = NULL;
  TfFaceProbe *p;
  TfOutputs out;

  (void) source;
  (void) cancellable;
  if (!probe_input (task, x->probe, model, input))
    return;
  if (x->what.drop_lanet >= model->config.lanets)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                               _("The model has no LANet %d"), x->what.drop_lanet + 1);
      return;
    }
  if (x->what.occlude)
    {
      TfOccludeRect rect;

      explore_rect (&x->what, S, &rect);
      tf_occlude (input, &model->input, &rect, x->what.blur ? TF_OCCLUDE_BLUR : TF_OCCLUDE_GREY);
    }
  /* an occluded face follows the pointer: the mirrored average would
   * double each step (48 ms against the 30 ms a drag step may take, with
   * the shipped model here), so it is the face as given */
  if (!tf_lanet_drop_forward (engine, model, input, x->what.drop_lanet, x->mirror && !x->what.occlude,
                              TF_PROBE_MAPS | TF_PROBE_ATTENTION | TF_PROBE_ROLLOUT, &out, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  /* the face as it was, with what the model says of it now; the ablations
   * belong to the face as it was */
  p = tf_face_probe_copy (x->probe);
  g_clear_pointer (&p->class_names, g_strfreev);
  g_clear_pointer (&p->probs, g_free);
  g_clear_pointer (&p->lanet_maps, g_free);
  g_clear_pointer (&p->lanet_max, g_free);
  g_clear_pointer (&p->cls_attn, g_free);
  g_clear_pointer (&p->head_contrib, g_free);
  g_clear_pointer (&p->rollout, g_free);
  g_clear_pointer (&p->ablation, g_free);
  g_clear_pointer (&p->lanet_ablation, g_free);
  probe_set_outputs (p, &out, 0, model);
  g_task_return_pointer (task, p, (GDestroyNotify) tf_face_probe_unref);
}

void
tf_session_explore_async (TfSession              *self,
                          TfFaceProbe            *probe,
                          const TfSessionExplore *what,
                          GCancellable           *cancellable,
                          GAsyncReadyCallback     callback,
                          gpointer                user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (TF_IS_SESSION (self));
  g_return_if_fail (probe != NULL && what != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tf_session_explore_async);
  explore_start (self, task, probe, what, NULL, NULL, explore_thread);
}

static void
occlusion_progress (double   fraction,
                    gpointer data)
{
  GTask *task = data;
  Ablation *x = g_task_get_task_data (task);

  send_progress (task, x->progress, x->progress_data, fraction);
}

static void
occlusion_map_thread (GTask        *task,
                      gpointer      source,
                      gpointer      data,
                      GCancellable *cancellable)
{
  Ablation *x = data;
  TfModel *model = x->models->model;
  const int S = model->input.size;
  g_autoptr(TfEngine) engine = tf_engine_new (model);
  g_autofree float *input = g_new (float, (gsize) 3 * S * S);
  g_autofree float *map = NULL;
  g_autoptr(GError) error = NULL;
  TfOcclusionOptions options;
  TfFaceProbe *p;
  int grid;

  (void) source;
  if (!probe_input (task, x->probe, model, input))
    return;
  tf_occlusion_options_init (&options);
  options.fill = x->what.blur ? TF_OCCLUDE_BLUR : TF_OCCLUDE_GREY;
  grid = tf_occlusion_grid (S, options.stride);
  map = g_new (float, (gsize) grid * grid);
  if (!tf_occlusion_map (engine, model, input, &options, map, NULL, occlusion_progress, task, cancellable, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  p = tf_face_probe_copy (x->probe);
  g_free (p->occlusion_map);
  p->occlusion_map = g_steal_pointer (&map);
  p->occlusion_grid = grid;
  g_task_return_pointer (task, p, (GDestroyNotify) tf_face_probe_unref);
}

void
tf_session_occlusion_map_async (TfSession           *self,
                                TfFaceProbe         *probe,
                                gboolean             blur,
                                GCancellable        *cancellable,
                                TfSessionProgress    progress,
                                gpointer             progress_data,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  TfSessionExplore what = { .blur = blur, .drop_lanet = -1 };

  g_return_if_fail (TF_IS_SESSION (self));
  g_return_if_fail (probe != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tf_session_occlusion_map_async);
  explore_start (self, task, probe, &what, progress, progress_data, occlusion_map_thread);
}

TfFaceProbe *
tf_session_explore_finish (TfSession     *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
