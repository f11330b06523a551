/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <glib/gi18n.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "tf-camera-view.h"
#include "tf-camera.h"
#include "tf-class-name.h"
#include "tf-colormap.h"
#include "tf-datafiles.h"

/* ---- from the camera's worker to the main thread ------------------------------ */

/* One analysed frame, packed RGB, with its faces. */
typedef struct
{
  GBytes    *rgb;
  int        width, height;
  GPtrArray *faces;          /* TfFaceProbe */
  gint64     arrived_us, result_us;
} Update;

static void
update_free (Update *u)
{
  g_bytes_unref (u->rgb);
  g_ptr_array_unref (u->faces);
  g_free (u);
}

/* What a running camera shares with the view: the worker fills @pending (a
 * newer result replaces one the main thread has not shown: never a queue)
 * and tells how it stopped; one idle delivers both. The view lets go of it
 * when it stops the camera, so a late idle does nothing. */
typedef struct
{
  gatomicrefcount ref;
  TfCameraView   *view;       /* main thread; NULL once detached */
  TfModel        *model;
  GPtrArray      *collecting; /* worker: the faces of the frame being analysed */
  GMutex          lock;
  Update         *pending;
  gboolean        stopped;
  char           *stop_message;
  guint           idle;
} Link;

static Link *
link_ref (Link *l)
{
  g_atomic_ref_count_inc (&l->ref);
  return l;
}

static void
link_unref (Link *l)
{
  if (!g_atomic_ref_count_dec (&l->ref))
    return;
  g_clear_pointer (&l->pending, update_free);
  g_ptr_array_unref (l->collecting);
  g_free (l->stop_message);
  g_mutex_clear (&l->lock);
  g_free (l);
}

struct _TfCameraView
{
  GtkWidget     parent_instance;

  GtkStack     *stack;
  GtkWidget    *picture;       /* the place of the frame, which the view draws */
  GPtrArray    *maps;          /* GdkTexture or NULL, per face */
  GPtrArray    *labels;        /* PangoLayout or NULL, per face */
  GtkToggleButton *record;
  GtkLabel     *status;
  AdwStatusPage *problem;      /* "none" and "error" */

  /* the camera */
  TfSession    *session;
  GSettings    *settings;
  char         *requested;     /* as given to start (NULL: chosen) */
  char         *description;   /* what runs */
  TfCamera     *camera;
  TfDetector   *detector;
  gpointer      model_hold;
  Link         *link;
  char         *state;
  char         *message;
  gboolean      resume;        /* stopped by being hidden: goes on when shown */
  gboolean      rollout;       /* the running camera computes the rollout */

  /* what is shown */
  GdkTexture   *frame;
  GPtrArray    *faces;         /* TfFaceProbe */
  guint64       updates;
  gint64        rate_since;
  guint         rate_count;
  double        rate;
  gint64        last_record_us;
  guint         recorded;
  /* the result waiting for the frame clock's paint */
  gboolean      unpainted;
  gint64        arrived_us, result_us;
  GdkFrameClock *clock;
  gulong        paint_handler;
};

G_DEFINE_FINAL_TYPE (TfCameraView, tf_camera_view, GTK_TYPE_WIDGET)

enum { SIG_RECORD, SIG_FACE_ACTIVATED, SIG_OVERLAY_PAINTED, N_SIGNALS };
static guint signals[N_SIGNALS];

static gboolean deliver_cb (gpointer data);
static void     prepare_overlay (TfCameraView *self);

static void
unref_if_set (gpointer object)
{
  if (object)
    g_object_unref (object);
}

/* worker thread */
static void
post (Link *l)
{
  if (l->idle == 0)
    l->idle = g_idle_add_full (G_PRIORITY_DEFAULT, deliver_cb, link_ref (l), (GDestroyNotify) link_unref);
}

static void
on_camera_face (const TfFaceResult *r,
                gpointer            data)
{
  Link *l = data;

  g_ptr_array_add (l->collecting, tf_session_probe_from_result (r, l->model));
}

static void
on_camera_frame (const TfCameraFrame *f,
                 gpointer             data)
{
  Link *l = data;
  const TfFrame *fr = f->frame;
  Update *u = g_new0 (Update, 1);
  gsize row = (gsize) fr->width * 3;
  guint8 *rgb = g_malloc (row * fr->height);

  for (int y = 0; y < fr->height; y++)
    memcpy (rgb + row * y, fr->rgb + (gsize) fr->stride * y, row);
  u->rgb = g_bytes_new_take (rgb, row * fr->height);
  u->width = fr->width;
  u->height = fr->height;
  u->faces = g_steal_pointer (&l->collecting);
  l->collecting = g_ptr_array_new_with_free_func ((GDestroyNotify) tf_face_probe_unref);
  u->arrived_us = f->arrived_us;
  u->result_us = f->result_us;
  g_mutex_lock (&l->lock);
  g_clear_pointer (&l->pending, update_free);
  l->pending = u;
  post (l);
  g_mutex_unlock (&l->lock);
}

static void
on_camera_stopped (const GError *error,
                   gpointer      data)
{
  Link *l = data;

  g_mutex_lock (&l->lock);
  l->stopped = TRUE;
  l->stop_message = error ? g_strdup (error->message) : NULL;
  post (l);
  g_mutex_unlock (&l->lock);
}

static const TfCameraCallbacks camera_callbacks = {
  .face = on_camera_face,
  .frame = on_camera_frame,
  .stopped = on_camera_stopped,
};

/* ---- the page's states ---------------------------------------------------------- */

static void
set_state (TfCameraView *self,
           const char   *state,
           const char   *message)
{
  g_free (self->state);
  self->state = g_strdup (state);
  g_free (self->message);
  self->message = g_strdup (message ? message : "");
  if (g_str_equal (state, "live"))
    {
      gtk_stack_set_visible_child_name (self->stack, "live");
      return;
    }
  if (g_str_equal (state, "none"))
    {
      adw_status_page_set_icon_name (self->problem, "camera-disabled-symbolic");
      adw_status_page_set_title (self->problem, _("No Camera Found"));
    }
  else if (g_str_equal (state, "error"))
    {
      adw_status_page_set_icon_name (self->problem, "dialog-warning-symbolic");
      adw_status_page_set_title (self->problem, _("The Camera Cannot Be Used"));
    }
  else
    {
      adw_status_page_set_icon_name (self->problem, "camera-web-symbolic");
      adw_status_page_set_title (self->problem, _("Camera Stopped"));
    }
  {
    g_autofree char *markup = g_markup_escape_text (self->message, -1);
    adw_status_page_set_description (self->problem, markup);
  }
  gtk_stack_set_visible_child_name (self->stack, "problem");
}

static void
release_camera (TfCameraView *self)
{
  /* a late delivery finds no view */
  if (self->link)
    self->link->view = NULL;
  /* joins the worker: after this, no callback runs and the link is ours */
  g_clear_pointer (&self->camera, tf_camera_free);
  g_clear_pointer (&self->link, link_unref);
  g_clear_pointer (&self->detector, tf_detector_free);
  g_clear_pointer (&self->model_hold, tf_session_release_model);
}

void
tf_camera_view_stop (TfCameraView *self)
{
  g_return_if_fail (TF_IS_CAMERA_VIEW (self));
  self->resume = FALSE;
  if (self->camera == NULL)
    return;
  release_camera (self);
  set_state (self, "stopped", _("Choose Start to see the camera again."));
}

/* The inspector's map is the attention rollout: the engine computes it too. */
static gboolean
wants_rollout (TfCameraView *self)
{
  g_autofree char *choice = self->settings ? g_settings_get_string (self->settings, "overlay-map") : NULL;

  return g_strcmp0 (choice, "rollout") == 0;
}

/* Runs self->requested; the page says why not when it cannot. */
static void
start_camera (TfCameraView *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *detector_path = NULL;
  g_autofree char *description = NULL;
  TfAnalyzeOptions o;
  TfModel *model;
  int threads;

  release_camera (self);
  description = tf_camera_choose_pipeline (self->requested, &error);
  if (description == NULL)
    {
      set_state (self, g_error_matches (error, TF_CAMERA_ERROR, TF_CAMERA_ERROR_NO_CAMERA) ? "none" : "error",
                 error->message);
      return;
    }
  g_free (self->description);
  self->description = g_strdup (description);
  model = tf_session_hold_model (self->session, &self->model_hold);
  detector_path = tf_data_find (TF_DATA_DETECTOR);
  if (model == NULL || detector_path == NULL)
    {
      set_state (self, "error", _("No expression model or face detector is loaded."));
      release_camera (self);
      return;
    }
  /* its own detector: the session's serves the analyses meanwhile */
  if ((self->detector = tf_detector_load (detector_path, &error)) == NULL)
    {
      set_state (self, "error", error->message);
      release_camera (self);
      return;
    }
  tf_analyze_options_init (&o);
  o.detect_every = 3;
  o.probes = TF_PROBE_MAPS | (wants_rollout (self) ? TF_PROBE_ROLLOUT : 0);
  threads = self->settings ? g_settings_get_int (self->settings, "threads") : 0;
  o.threads = threads > 0 ? threads : (int) g_get_num_processors ();
  if (self->settings)
    o.score = (float) CLAMP (g_settings_get_double (self->settings, "detector-threshold"), 0.05, 0.99);
  if ((self->camera = tf_camera_new (description, model, self->detector, &o, &error)) == NULL)
    {
      set_state (self, "error", error->message);
      release_camera (self);
      return;
    }
  self->rollout = wants_rollout (self);
  self->link = g_new0 (Link, 1);
  g_atomic_ref_count_init (&self->link->ref);
  g_mutex_init (&self->link->lock);
  self->link->view = self;
  self->link->model = model;
  self->link->collecting = g_ptr_array_new_with_free_func ((GDestroyNotify) tf_face_probe_unref);
  self->rate_since = g_get_monotonic_time ();
  self->rate_count = 0;
  self->rate = 0;
  gtk_label_set_text (self->status, _("Starting the camera…"));
  set_state (self, "live", NULL);
  tf_camera_start (self->camera, &camera_callbacks, self->link);
}

/* The rollout chosen in the inspector, or left: the camera goes on with
 * the probes the new map needs. */
static void
on_map_changed_cb (GSettings    *settings,
                   const char   *key,
                   TfCameraView *self)
{
  if (self->camera != NULL && self->rollout != wants_rollout (self))
    start_camera (self);
}

void
tf_camera_view_start (TfCameraView *self,
                      TfSession    *session,
                      GSettings    *settings,
                      const char   *description)
{
  g_return_if_fail (TF_IS_CAMERA_VIEW (self));
  g_return_if_fail (TF_IS_SESSION (session));

  g_set_object (&self->session, session);
  if (self->settings != settings)
    {
      if (self->settings)
        g_signal_handlers_disconnect_by_func (self->settings, on_map_changed_cb, self);
      g_set_object (&self->settings, settings);
      if (settings)
        g_signal_connect (settings, "changed::overlay-map", G_CALLBACK (on_map_changed_cb), self);
    }
  g_free (self->requested);
  self->requested = g_strdup (description);
  self->resume = FALSE;
  start_camera (self);
}

/* ---- showing a result ------------------------------------------------------------------ */

static void
update_status (TfCameraView *self)
{
  g_autofree char *text = NULL;
  guint n = self->faces ? self->faces->len : 0;

  if (self->rate > 0)
    /* TRANSLATORS: results shown a second, then the faces in view */
    text = g_strdup_printf (ngettext ("%.0f updates/s, %u face", "%.0f updates/s, %u faces", n), self->rate, n);
  else
    /* TRANSLATORS: the faces in view (in the first second, before the rate is known) */
    text = g_strdup_printf (ngettext ("%u face", "%u faces", n), n);
  if (self->recorded > 0)
    {
      g_autofree char *more = g_strdup_printf (ngettext ("%s, %u face recorded", "%s, %u faces recorded",
                                                         self->recorded), text, self->recorded);
      g_free (text);
      text = g_steal_pointer (&more);
    }
  gtk_label_set_text (self->status, text);
}

static void
show_update (TfCameraView *self,
             Update       *u)
{
  gint64 now = g_get_monotonic_time ();

  g_clear_object (&self->frame);
  self->frame = gdk_memory_texture_new (u->width, u->height, GDK_MEMORY_R8G8B8, u->rgb, (gsize) u->width * 3);
  g_clear_pointer (&self->faces, g_ptr_array_unref);
  self->faces = g_ptr_array_ref (u->faces);
  self->updates++;
  self->unpainted = TRUE;
  self->arrived_us = u->arrived_us;
  self->result_us = u->result_us;
  prepare_overlay (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
  self->rate_count++;
  if (now - self->rate_since >= G_USEC_PER_SEC)
    {
      self->rate = self->rate_count * 1e6 / (now - self->rate_since);
      self->rate_since = now;
      self->rate_count = 0;
    }
  update_status (self);
  if (gtk_toggle_button_get_active (self->record) && self->faces->len > 0 &&
      now - self->last_record_us >= G_USEC_PER_SEC)
    {
      self->last_record_us = now;
      g_signal_emit (self, signals[SIG_RECORD], 0, self->frame, self->faces);
    }
}

static gboolean
deliver_cb (gpointer data)
{
  Link *l = data;
  Update *u;
  gboolean stopped;
  g_autofree char *message = NULL;
  TfCameraView *self = l->view;

  g_mutex_lock (&l->lock);
  u = g_steal_pointer (&l->pending);
  stopped = l->stopped;
  message = g_steal_pointer (&l->stop_message);
  l->idle = 0;
  g_mutex_unlock (&l->lock);
  if (self != NULL && u != NULL)
    show_update (self, u);
  g_clear_pointer (&u, update_free);
  if (self != NULL && stopped)
    {
      release_camera (self);
      /* the camera went, or its stream ended: the last picture goes too */
      set_state (self, "error", message ? message : _("The camera stopped."));
    }
  return G_SOURCE_REMOVE;
}

static void
on_after_paint_cb (GdkFrameClock *clock,
                   TfCameraView  *self)
{
  if (!self->unpainted)
    return;
  self->unpainted = FALSE;
  g_signal_emit (self, signals[SIG_OVERLAY_PAINTED], 0, self->arrived_us, self->result_us);
}

/* ---- drawing the faces --------------------------------------------------------------- */

/* Where the picture shows the frame in @width x @height (contain, centred). */
static void
frame_rect (TfCameraView *self,
            int           width,
            int           height,
            double       *x,
            double       *y,
            double       *scale)
{
  double fw = gdk_texture_get_width (self->frame), fh = gdk_texture_get_height (self->frame);

  *scale = MIN (width / fw, height / fh);
  *x = (width - fw * *scale) / 2;
  *y = (height - fh * *scale) / 2;
}

/* The map the inspector's choice names ("lanet-N", "rollout", else the
 * LANets' max: a head's attention is not computed live), normalised to
 * 0..1, in the colour map and opacity of the settings: a grid x grid
 * texture, or NULL. */
static GdkTexture *
map_texture (TfCameraView *self,
             TfFaceProbe  *p)
{
  g_autofree char *choice = self->settings ? g_settings_get_string (self->settings, "overlay-map") : NULL;
  g_autofree char *cmap = self->settings ? g_settings_get_string (self->settings, "colormap") : NULL;
  double opacity = self->settings ? g_settings_get_double (self->settings, "overlay-opacity") : 0.6;
  int g = p->grid, lanet = 0, cm = cmap ? tf_colormap_from_string (cmap) : -1;
  const float *map = p->lanet_max;
  float lo = G_MAXFLOAT, hi = -G_MAXFLOAT;
  g_autoptr(GBytes) bytes = NULL;
  guint8 *rgba;

  if (map == NULL || g <= 0)
    return NULL;
  if (choice && sscanf (choice, "lanet-%d", &lanet) == 1 && lanet >= 1 && lanet <= p->lanets && p->lanet_maps)
    map = p->lanet_maps + (gsize) (lanet - 1) * g * g;
  else if (g_strcmp0 (choice, "rollout") == 0 && p->rollout)
    map = p->rollout;
  for (int i = 0; i < g * g; i++)
    {
      lo = MIN (lo, map[i]);
      hi = MAX (hi, map[i]);
    }
  rgba = g_malloc ((gsize) g * g * 4);
  for (int i = 0; i < g * g; i++)
    {
      tf_colormap_lookup (cm >= 0 ? (TfColormap) cm : TF_COLORMAP_VIRIDIS, hi > lo ? (map[i] - lo) / (hi - lo) : 0,
                          rgba + 4 * i);
      rgba[4 * i + 3] = (guint8) lround (255 * CLAMP (opacity, 0, 1));
    }
  bytes = g_bytes_new_take (rgba, (gsize) g * g * 4);
  return gdk_memory_texture_new (g, g, GDK_MEMORY_R8G8B8A8, bytes, (gsize) g * 4);
}

/* What is drawn over each face, made once per result: its map and the
 * label of its prediction. */
static void
prepare_overlay (TfCameraView *self)
{
  g_ptr_array_set_size (self->maps, 0);
  g_ptr_array_set_size (self->labels, 0);
  for (guint i = 0; i < self->faces->len; i++)
    {
      TfFaceProbe *p = self->faces->pdata[i];
      g_autofree char *text = NULL;

      g_ptr_array_add (self->maps, map_texture (self, p));
      if (p->class_names == NULL || p->predicted < 0 || p->predicted >= p->classes)
        {
          g_ptr_array_add (self->labels, NULL);
          continue;
        }
      /* TRANSLATORS: the predicted expression and its probability in percent */
      text = g_strdup_printf (_("%s %.0f %%"), tf_class_display_name (p->class_names[p->predicted]),
                              100.0 * p->probs[p->predicted]);
      g_ptr_array_add (self->labels, gtk_widget_create_pango_layout (GTK_WIDGET (self), text));
    }
}

/* The frame, and the boxes, maps and labels over it, by the renderer (no
 * surface the size of the picture to fill and upload for each result). */
static void
tf_camera_view_snapshot (GtkWidget   *widget,
                         GtkSnapshot *snapshot)
{
  TfCameraView *self = TF_CAMERA_VIEW (widget);
  const GdkRGBA green = { 0.2f, 0.82f, 0.48f, 1 }, shade = { 0, 0, 0, 0.7f }, white = { 1, 1, 1, 1 };
  graphene_rect_t at;
  double x0, y0, scale;

  GTK_WIDGET_CLASS (tf_camera_view_parent_class)->snapshot (widget, snapshot);
  if (self->frame == NULL || self->faces == NULL || !g_str_equal (self->state, "live") ||
      !gtk_widget_compute_bounds (self->picture, widget, &at))
    return;
  frame_rect (self, (int) at.size.width, (int) at.size.height, &x0, &y0, &scale);
  x0 += at.origin.x;
  y0 += at.origin.y;
  gtk_snapshot_push_clip (snapshot, &at);
  gtk_snapshot_append_texture (snapshot, self->frame,
                               &GRAPHENE_RECT_INIT (x0, y0, gdk_texture_get_width (self->frame) * scale,
                                                    gdk_texture_get_height (self->frame) * scale));
  for (guint i = 0; i < self->faces->len; i++)
    {
      TfFaceProbe *p = self->faces->pdata[i];
      PangoLayout *label = i < self->labels->len ? self->labels->pdata[i] : NULL;
      GdkTexture *map = i < self->maps->len ? self->maps->pdata[i] : NULL;
      graphene_rect_t box = GRAPHENE_RECT_INIT (x0 + p->box[0] * scale, y0 + p->box[1] * scale,
                                                p->box[2] * scale, p->box[3] * scale);
      GskRoundedRect edge;
      int tw, th;

      if (map)
        gtk_snapshot_append_texture (snapshot, map, &box);
      gsk_rounded_rect_init_from_rect (&edge, &box, 0);
      gtk_snapshot_append_border (snapshot, &edge, (float[4]) { 2, 2, 2, 2 },
                                  (GdkRGBA[4]) { green, green, green, green });
      if (label == NULL)
        continue;
      pango_layout_get_pixel_size (label, &tw, &th);
      gtk_snapshot_append_color (snapshot, &shade,
                                 &GRAPHENE_RECT_INIT (box.origin.x, box.origin.y - th - 4, tw + 8, th + 4));
      gtk_snapshot_save (snapshot);
      gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (box.origin.x + 4, box.origin.y - th - 2));
      gtk_snapshot_append_layout (snapshot, label, &white);
      gtk_snapshot_restore (snapshot);
    }
  gtk_snapshot_pop (snapshot);
}

/* a click on a face: it goes to the inspector */
static void
on_click_cb (GtkGestureClick *gesture,
             int              n_press,
             double           x,
             double           y,
             TfCameraView    *self)
{
  double x0, y0, scale, fx, fy;

  if (self->frame == NULL || self->faces == NULL)
    return;
  frame_rect (self, gtk_widget_get_width (self->picture), gtk_widget_get_height (self->picture),
              &x0, &y0, &scale);
  fx = (x - x0) / scale;
  fy = (y - y0) / scale;
  for (guint i = 0; i < self->faces->len; i++)
    {
      TfFaceProbe *p = self->faces->pdata[i];

      if (fx >= p->box[0] && fy >= p->box[1] && fx < p->box[0] + p->box[2] && fy < p->box[1] + p->box[3])
        {
          g_autoptr(TfFaceProbe) shown = tf_face_probe_copy (p);
          g_autoptr(GBytes) crop = NULL;

          if (shown->source_rgb && shown->crop == NULL)
            {
              crop = g_bytes_new (shown->source_rgb, (gsize) 3 * shown->source_size * shown->source_size);
              shown->crop = gdk_memory_texture_new (shown->source_size, shown->source_size, GDK_MEMORY_R8G8B8,
                                                    crop, (gsize) 3 * shown->source_size);
            }
          g_signal_emit (self, signals[SIG_FACE_ACTIVATED], 0, shown);
          return;
        }
    }
}

/* ---- the widget --------------------------------------------------------------------------- */

static void
on_retry_clicked_cb (GtkButton    *button,
                     TfCameraView *self)
{
  if (self->session)
    start_camera (self);
}

static void
on_record_toggled_cb (GtkToggleButton *button,
                      TfCameraView    *self)
{
  /* the first frame with faces goes at once; red while it records */
  self->last_record_us = 0;
  if (gtk_toggle_button_get_active (button))
    gtk_widget_add_css_class (GTK_WIDGET (button), "destructive-action");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (button), "destructive-action");
}

static void
tf_camera_view_map (GtkWidget *widget)
{
  TfCameraView *self = TF_CAMERA_VIEW (widget);

  GTK_WIDGET_CLASS (tf_camera_view_parent_class)->map (widget);
  self->clock = gtk_widget_get_frame_clock (widget);
  if (self->clock)
    self->paint_handler = g_signal_connect (self->clock, "after-paint", G_CALLBACK (on_after_paint_cb), self);
  if (self->resume && self->session)
    {
      self->resume = FALSE;
      start_camera (self);
    }
}

static void
tf_camera_view_unmap (GtkWidget *widget)
{
  TfCameraView *self = TF_CAMERA_VIEW (widget);

  if (self->clock)
    g_clear_signal_handler (&self->paint_handler, self->clock);
  self->clock = NULL;
  /* not shown: the camera (and its light) goes off until it is again */
  if (self->camera)
    {
      release_camera (self);
      self->resume = TRUE;
      set_state (self, "stopped", _("Choose Start to see the camera again."));
    }
  GTK_WIDGET_CLASS (tf_camera_view_parent_class)->unmap (widget);
}

static void
tf_camera_view_dispose (GObject *object)
{
  TfCameraView *self = TF_CAMERA_VIEW (object);

  release_camera (self);
  g_clear_pointer ((GtkWidget **) &self->stack, gtk_widget_unparent);
  g_clear_object (&self->session);
  if (self->settings)
    g_signal_handlers_disconnect_by_func (self->settings, on_map_changed_cb, self);
  g_clear_object (&self->settings);
  g_clear_object (&self->frame);
  g_clear_pointer (&self->faces, g_ptr_array_unref);
  g_clear_pointer (&self->maps, g_ptr_array_unref);
  g_clear_pointer (&self->labels, g_ptr_array_unref);
  G_OBJECT_CLASS (tf_camera_view_parent_class)->dispose (object);
}

static void
tf_camera_view_finalize (GObject *object)
{
  TfCameraView *self = TF_CAMERA_VIEW (object);

  g_free (self->requested);
  g_free (self->description);
  g_free (self->state);
  g_free (self->message);
  G_OBJECT_CLASS (tf_camera_view_parent_class)->finalize (object);
}

static void
tf_camera_view_class_init (TfCameraViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tf_camera_view_dispose;
  object_class->finalize = tf_camera_view_finalize;
  widget_class->map = tf_camera_view_map;
  widget_class->unmap = tf_camera_view_unmap;
  widget_class->snapshot = tf_camera_view_snapshot;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);

  signals[SIG_RECORD] = g_signal_new ("record", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                                      NULL, G_TYPE_NONE, 2, GDK_TYPE_TEXTURE, G_TYPE_PTR_ARRAY);
  signals[SIG_FACE_ACTIVATED] = g_signal_new ("face-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                              0, NULL, NULL, NULL, G_TYPE_NONE, 1, TF_TYPE_FACE_PROBE);
  signals[SIG_OVERLAY_PAINTED] = g_signal_new ("overlay-painted", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                               0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_INT64, G_TYPE_INT64);
}

static void
tf_camera_view_init (TfCameraView *self)
{
  GtkWidget *box, *bar, *retry, *picture;
  GtkGesture *click;

  self->state = g_strdup ("stopped");
  self->message = g_strdup ("");
  self->stack = GTK_STACK (gtk_stack_new ());
  gtk_widget_set_parent (GTK_WIDGET (self->stack), GTK_WIDGET (self));

  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  /* an empty place the size of the page: a new frame is drawn there with
   * no new layout (a GtkPicture would ask for one with each frame) */
  picture = gtk_drawing_area_new ();
  self->picture = picture;
  gtk_widget_set_name (picture, "camera-picture");
  gtk_widget_set_vexpand (picture, TRUE);
  gtk_widget_set_hexpand (picture, TRUE);
  self->maps = g_ptr_array_new_with_free_func (unref_if_set);
  self->labels = g_ptr_array_new_with_free_func (unref_if_set);
  click = gtk_gesture_click_new ();
  g_signal_connect (click, "pressed", G_CALLBACK (on_click_cb), self);
  gtk_widget_add_controller (picture, GTK_EVENT_CONTROLLER (click));
  gtk_box_append (GTK_BOX (box), picture);

  bar = gtk_action_bar_new ();
  self->record = GTK_TOGGLE_BUTTON (gtk_toggle_button_new_with_mnemonic (_("_Record")));
  gtk_widget_set_name (GTK_WIDGET (self->record), "camera-record");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->record),
                               _("Add the faces in view to the project, once a second, while it is on"));
  g_signal_connect (self->record, "toggled", G_CALLBACK (on_record_toggled_cb), self);
  gtk_action_bar_pack_start (GTK_ACTION_BAR (bar), GTK_WIDGET (self->record));
  self->status = GTK_LABEL (gtk_label_new (""));
  gtk_widget_add_css_class (GTK_WIDGET (self->status), "dim-label");
  gtk_widget_add_css_class (GTK_WIDGET (self->status), "numeric");
  gtk_action_bar_pack_end (GTK_ACTION_BAR (bar), GTK_WIDGET (self->status));
  gtk_box_append (GTK_BOX (box), bar);
  gtk_stack_add_named (self->stack, box, "live");

  self->problem = ADW_STATUS_PAGE (adw_status_page_new ());
  gtk_widget_set_name (GTK_WIDGET (self->problem), "camera-problem");
  retry = gtk_button_new_with_mnemonic (_("_Start"));
  gtk_widget_set_halign (retry, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (retry, "pill");
  gtk_widget_add_css_class (retry, "suggested-action");
  g_signal_connect (retry, "clicked", G_CALLBACK (on_retry_clicked_cb), self);
  adw_status_page_set_child (self->problem, retry);
  gtk_stack_add_named (self->stack, GTK_WIDGET (self->problem), "problem");
  set_state (self, "stopped", _("Choose Start to see the camera again."));
}

GtkWidget *
tf_camera_view_new (void)
{
  return g_object_new (TF_TYPE_CAMERA_VIEW, NULL);
}

/* ---- state ----------------------------------------------------------------------------- */

const char *
tf_camera_view_get_state (TfCameraView *self)
{
  g_return_val_if_fail (TF_IS_CAMERA_VIEW (self), NULL);
  return self->state;
}

const char *
tf_camera_view_get_message (TfCameraView *self)
{
  g_return_val_if_fail (TF_IS_CAMERA_VIEW (self), NULL);
  return self->message;
}

const char *
tf_camera_view_get_description (TfCameraView *self)
{
  g_return_val_if_fail (TF_IS_CAMERA_VIEW (self), NULL);
  return self->description;
}

GPtrArray *
tf_camera_view_get_faces (TfCameraView *self)
{
  g_return_val_if_fail (TF_IS_CAMERA_VIEW (self), NULL);
  return self->faces;
}

guint64
tf_camera_view_get_updates (TfCameraView *self)
{
  g_return_val_if_fail (TF_IS_CAMERA_VIEW (self), 0);
  return self->updates;
}

void
tf_camera_view_set_recording (TfCameraView *self,
                              gboolean      recording)
{
  g_return_if_fail (TF_IS_CAMERA_VIEW (self));
  gtk_toggle_button_set_active (self->record, recording);
}

gboolean
tf_camera_view_get_recording (TfCameraView *self)
{
  g_return_val_if_fail (TF_IS_CAMERA_VIEW (self), FALSE);
  return gtk_toggle_button_get_active (self->record);
}

void
tf_camera_view_add_recorded (TfCameraView *self,
                             guint         n)
{
  g_return_if_fail (TF_IS_CAMERA_VIEW (self));
  self->recorded += n;
  update_status (self);
}

guint
tf_camera_view_get_recorded (TfCameraView *self)
{
  g_return_val_if_fail (TF_IS_CAMERA_VIEW (self), 0);
  return self->recorded;
}
