/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Exploring the face in the inspector (issue 13): the face computed again
 * with a square hidden or a LANet dropped while the person drags or
 * chooses, and its occlusion-sensitivity map in the background.
 *
 * A drag moves the square faster than the model answers (tens of ms a
 * face), so the variants are computed one at a time, latest wins: while one
 * runs, only the newest request waits, the ones between are dropped; the
 * main loop never waits on any. A release (or "None") restores the face at
 * once, and answers to what came before it are not shown. */
#include <glib/gi18n.h>

#include "tf-session.h"
#include "tf-window-private.h"

/* a variant or an occlusion map on its way */
typedef struct
{
  TfWindow    *window;
  TfFaceProbe *probe;       /* the face it is for: the inspector's (a variant),
                             * self->inspected (a map) */
  guint        stamp;       /* the window's explore_restores (a variant) or
                             * occlusion_serial (a map) when it started */
} Job;

static void start_variant (TfWindow *self);

static Job *
job_new (TfWindow    *self,
         TfFaceProbe *probe,
         guint        stamp)
{
  Job *j = g_new0 (Job, 1);

  j->window = g_object_ref (self);
  j->probe = tf_face_probe_ref (probe);
  j->stamp = stamp;
  return j;
}

static void
job_free (Job *j)
{
  g_object_unref (j->window);
  tf_face_probe_unref (j->probe);
  g_free (j);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Job, job_free)

/* what the inspector asks for now; FALSE: the face as it is */
static gboolean
wanted (TfWindow         *self,
        TfSessionExplore *what)
{
  what->drop_lanet = tf_face_inspector_get_dropped_lanet (self->inspector);
  what->occlude = tf_face_inspector_get_occluder (self->inspector, what->rect, &what->blur);
  return tf_face_inspector_get_probe (self->inspector) != NULL && (what->occlude || what->drop_lanet >= 0);
}

static void
on_variant_done_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(Job) v = user_data;
  TfWindow *self = v->window;
  g_autoptr(GError) error = NULL;
  g_autoptr(TfFaceProbe) variant = tf_session_explore_finish (TF_SESSION (source), result, &error);

  self->explore_running = FALSE;
  if (variant == NULL)
    {
      if (self->session != NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_autofree char *text = g_strdup_printf (_("Could not compute the changed face: %s"), error->message);
          tf_window_add_toast (self, text);
        }
    }
  else if (self->session != NULL && v->stamp == self->explore_restores
           && v->probe == tf_face_inspector_get_probe (self->inspector))
    tf_face_inspector_set_variant (self->inspector, variant);
  if (self->explore_pending && self->session != NULL)
    {
      self->explore_pending = FALSE;
      start_variant (self);
    }
}

static void
start_variant (TfWindow *self)
{
  TfSessionExplore what;
  Job *v;

  if (!wanted (self, &what))
    return;
  v = job_new (self, tf_face_inspector_get_probe (self->inspector), self->explore_restores);
  self->explore_running = TRUE;
  self->explore_computed++;
  tf_session_explore_async (self->session, v->probe, &what, NULL, on_variant_done_cb, v);
}

static void
request_variant (TfWindow *self)
{
  TfSessionExplore what;

  if (!wanted (self, &what))
    {
      /* the face as it was, now; what is running is not shown */
      self->explore_restores++;
      self->explore_pending = FALSE;
      tf_face_inspector_set_variant (self->inspector, NULL);
      return;
    }
  if (self->explore_running)
    self->explore_pending = TRUE;
  else
    start_variant (self);
}

static void
on_occlusion_changed_cb (TfFaceInspector *inspector,
                         TfWindow        *self)
{
  request_variant (self);
}

static void
on_lanet_drop_changed_cb (TfFaceInspector *inspector,
                          int              lanet,
                          TfWindow        *self)
{
  request_variant (self);
}

/* ---- the occlusion map ---------------------------------------------------- */

static void
on_map_progress_cb (double   fraction,
                    gpointer user_data)
{
  TfWindow *self = user_data;

  /* the window, not the job: the job may be answered and freed first; a
   * cancelled map's last steps are not shown */
  if (self->occlusion_cancellable != NULL && !g_cancellable_is_cancelled (self->occlusion_cancellable))
    tf_face_inspector_set_occlusion_progress (self->inspector, fraction);
}

static void
on_map_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(Job) m = user_data;
  TfWindow *self = m->window;
  g_autoptr(GError) error = NULL;
  g_autoptr(TfFaceProbe) filled = tf_session_explore_finish (TF_SESSION (source), result, &error);
  gboolean current = m->stamp == self->occlusion_serial;

  if (self->session == NULL)
    return;
  if (current)
    g_clear_object (&self->occlusion_cancellable);
  if (filled == NULL)
    {
      if (current)
        tf_face_inspector_set_occlusion_progress (self->inspector, -1);
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_autofree char *text = g_strdup_printf (_("Could not compute the occlusion map: %s"), error->message);
          tf_window_add_toast (self, text);
        }
      return;
    }
  /* kept with the face's ablation, for when it is shown again */
  g_hash_table_insert (self->ablated, tf_face_probe_ref (m->probe), tf_face_probe_ref (filled));
  if (current && m->probe == self->inspected)
    {
      tf_face_inspector_set_probe (self->inspector, filled);
      tf_face_inspector_set_occlusion_progress (self->inspector, -1);
    }
}

static void
on_occlusion_map_requested_cb (TfFaceInspector *inspector,
                               TfWindow        *self)
{
  TfFaceProbe *probe = tf_face_inspector_get_probe (inspector);
  gboolean blur = FALSE;
  Job *m;

  if (probe == NULL || self->inspected == NULL)
    return;
  tf_window_explore_cancel (self);
  self->occlusion_cancellable = g_cancellable_new ();
  tf_face_inspector_get_occluder (inspector, NULL, &blur);
  tf_face_inspector_set_occlusion_progress (inspector, 0);
  m = job_new (self, self->inspected, ++self->occlusion_serial);
  /* from the probe shown: what was computed for it (the ablation) stays */
  tf_session_occlusion_map_async (self->session, probe, blur, self->occlusion_cancellable,
                                  on_map_progress_cb, self, on_map_done_cb, m);
}

static void
on_occlusion_map_cancelled_cb (TfFaceInspector *inspector,
                               TfWindow        *self)
{
  tf_window_explore_cancel (self);
  tf_face_inspector_set_occlusion_progress (inspector, -1);
}

void
tf_window_explore_cancel (TfWindow *self)
{
  /* a job cancelled is one whose answers are no longer shown */
  self->occlusion_serial++;
  g_cancellable_cancel (self->occlusion_cancellable);
  g_clear_object (&self->occlusion_cancellable);
}

guint
tf_window_get_explore_computed (TfWindow *self)
{
  g_return_val_if_fail (TF_IS_WINDOW (self), 0);
  return self->explore_computed;
}

gboolean
tf_window_get_explore_running (TfWindow *self)
{
  g_return_val_if_fail (TF_IS_WINDOW (self), FALSE);
  return self->explore_running;
}

void
tf_window_explore_init (TfWindow *self)
{
  g_signal_connect (self->inspector, "occlusion-changed", G_CALLBACK (on_occlusion_changed_cb), self);
  g_signal_connect (self->inspector, "lanet-drop-changed", G_CALLBACK (on_lanet_drop_changed_cb), self);
  g_signal_connect (self->inspector, "occlusion-map-requested", G_CALLBACK (on_occlusion_map_requested_cb), self);
  g_signal_connect (self->inspector, "occlusion-map-cancelled", G_CALLBACK (on_occlusion_map_cancelled_cb), self);
}
