/* SPDX-License-Identifier: GPL-3.0-or-later */
/* TfTimeline: per tracked face, a strip of the class probabilities over
 * time as stacked areas, a legend of the class colours above, a time axis
 * below and a cursor at the playing position.
 *
 * Drawing is one column of data per pixel at most: for each pixel column
 * the points falling in its time span are averaged (found by binary search,
 * times increase per track), a column with none takes the nearest point
 * within HOLD_S, and runs of equal columns are merged into one rectangle
 * per class. The strips are kept as a render node until the data or the
 * size change; moving the cursor redraws only the cursor.
 *
 * Clicking or dragging seeks ("seek", seconds); Left/Right seek by a
 * second, Home/End to the ends ("timeline.step" and "timeline.jump"). */
#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "tf-timeline.h"
#include "tf-widgets-private.h"

#define STRIP_H      36
#define STRIP_GAP    4
#define PAD          4
#define SWATCH       10
#define LEGEND_GAP   12
#define HOLD_S       1.0        /* a point stands for this long around it when columns have none */
#define MIN_TICK_PX  64

enum
{
  SEEK,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

typedef struct
{
  int     id;
  GArray *times;      /* double */
  GArray *probs;      /* float, n_classes per point */
} Track;

struct _TfTimeline
{
  GtkWidget     parent_instance;

  char        **names;
  int           n_classes;
  double        duration;     /* 0: the last point's time */
  double        position;
  GPtrArray    *tracks;       /* Track, in order of first appearance */

  GskRenderNode *strips;      /* cached; NULL: to redraw */
  int           strips_w, strips_h;
  double        drag_x;
};

G_DEFINE_FINAL_TYPE (TfTimeline, tf_timeline, GTK_TYPE_WIDGET)

/* GNOME's palette (blue, green, yellow, orange, red, purple, brown, dark
 * gray, light blue, light green): distinct in the light and the dark style. */
static const GdkRGBA class_palette[] = {
  { 0x35 / 255.f, 0x84 / 255.f, 0xe4 / 255.f, 1 },
  { 0x2e / 255.f, 0xc2 / 255.f, 0x7e / 255.f, 1 },
  { 0xf5 / 255.f, 0xc2 / 255.f, 0x11 / 255.f, 1 },
  { 0xff / 255.f, 0x78 / 255.f, 0x00 / 255.f, 1 },
  { 0xe0 / 255.f, 0x1b / 255.f, 0x24 / 255.f, 1 },
  { 0x91 / 255.f, 0x41 / 255.f, 0xac / 255.f, 1 },
  { 0x98 / 255.f, 0x6a / 255.f, 0x44 / 255.f, 1 },
  { 0x77 / 255.f, 0x76 / 255.f, 0x7b / 255.f, 1 },
  { 0x99 / 255.f, 0xc1 / 255.f, 0xf1 / 255.f, 1 },
  { 0x8f / 255.f, 0xf0 / 255.f, 0xa4 / 255.f, 1 },
};

void
tf_widgets_class_color (int      index,
                        GdkRGBA *color)
{
  g_return_if_fail (color != NULL);

  if (index < 0)
    index = 0;
  *color = class_palette[index % G_N_ELEMENTS (class_palette)];
}

static void
track_free (gpointer data)
{
  Track *t = data;

  g_array_unref (t->times);
  g_array_unref (t->probs);
  g_free (t);
}

/* ---- geometry */

typedef struct
{
  float legend_h, line_h;
  float gutter;               /* the track labels' column */
  float x0, x1;               /* the time axis spans x0..x1 */
  float strips_y;
  float axis_y;
  float height;
} Layout;

static PangoLayout *
make_layout (TfTimeline *self,
             const char *text)
{
  return gtk_widget_create_pango_layout (GTK_WIDGET (self), text);
}

static int
pixel_width (TfTimeline *self,
             const char *text,
             int        *height)
{
  g_autoptr (PangoLayout) layout = make_layout (self, text);
  int w;

  pango_layout_get_pixel_size (layout, &w, height);
  return w;
}

static char *
track_label (int id)
{
  /* TRANSLATORS: a tracked face in a video, its track id (from 1) */
  return g_strdup_printf (_("Face %d"), id);
}

/* the legend's rows for @width (items flow left to right and wrap) */
static int
legend_rows (TfTimeline *self,
             float       width)
{
  float x = 0;
  int rows = 1;

  if (self->n_classes <= 0)
    return 0;
  for (int k = 0; k < self->n_classes; k++)
    {
      float item = SWATCH + PAD + pixel_width (self, self->names[k], NULL);

      if (x > 0 && x + item > width)
        {
          rows++;
          x = 0;
        }
      x += item + LEGEND_GAP;
    }
  return rows;
}

static void
compute_layout (TfTimeline *self,
                int         width,
                Layout     *l)
{
  int line_h, gutter = 0;
  int n = MAX ((int) self->tracks->len, 1);

  for (guint i = 0; i < self->tracks->len; i++)
    {
      g_autofree char *label = track_label (((Track *) g_ptr_array_index (self->tracks, i))->id);

      gutter = MAX (gutter, pixel_width (self, label, &line_h));
    }
  pixel_width (self, "0:00", &line_h);
  l->line_h = (float) line_h;
  l->gutter = (float) (gutter > 0 ? gutter + 2 * PAD : PAD);
  l->x0 = l->gutter;
  l->x1 = MAX (l->x0 + 1, (float) width - PAD);
  l->legend_h = legend_rows (self, (float) width) * (l->line_h + 2);
  l->strips_y = l->legend_h + (l->legend_h > 0 ? PAD : 0);
  l->axis_y = l->strips_y + n * STRIP_H + (n - 1) * STRIP_GAP + PAD;
  l->height = l->axis_y + 4 + l->line_h;
}

static double
effective_duration (TfTimeline *self)
{
  double end = 0;

  if (self->duration > 0)
    return self->duration;
  for (guint i = 0; i < self->tracks->len; i++)
    {
      Track *t = g_ptr_array_index (self->tracks, i);

      if (t->times->len > 0)
        end = MAX (end, g_array_index (t->times, double, t->times->len - 1));
    }
  return end > 0 ? end : 1.0;
}

double
tf_timeline_time_to_x (TfTimeline *self,
                       double      seconds)
{
  Layout l;

  g_return_val_if_fail (TF_IS_TIMELINE (self), 0);

  compute_layout (self, gtk_widget_get_width (GTK_WIDGET (self)), &l);
  return l.x0 + (l.x1 - l.x0) * CLAMP (seconds / effective_duration (self), 0.0, 1.0);
}

gboolean
tf_timeline_strip_span (TfTimeline *self,
                        int         index,
                        double     *top,
                        double     *height)
{
  Layout l;

  g_return_val_if_fail (TF_IS_TIMELINE (self), FALSE);

  if (index < 0 || index >= (int) self->tracks->len)
    return FALSE;
  compute_layout (self, gtk_widget_get_width (GTK_WIDGET (self)), &l);
  *top = l.strips_y + index * (STRIP_H + STRIP_GAP);
  *height = STRIP_H;
  return TRUE;
}

/* ---- drawing */

/* the first point at or after @t */
static guint
lower_bound (GArray *times,
             double  t)
{
  guint lo = 0, hi = times->len;

  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;

      if (g_array_index (times, double, mid) < t)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo;
}

/* The probabilities for the span [t0, t1) into @out; FALSE: no data there. */
static gboolean
column_value (TfTimeline *self,
              Track      *t,
              double      t0,
              double      t1,
              float      *out)
{
  int k = self->n_classes;
  guint first = lower_bound (t->times, t0), i;
  const float *probs = (const float *) (void *) t->probs->data;
  guint count = 0;

  memset (out, 0, sizeof (float) * k);
  for (i = first; i < t->times->len && g_array_index (t->times, double, i) < t1; i++, count++)
    for (int c = 0; c < k; c++)
      out[c] += probs[(gsize) i * k + c];
  if (count > 0)
    {
      for (int c = 0; c < k; c++)
        out[c] /= count;
      return TRUE;
    }

  /* none inside: the nearer neighbour, if it is close enough */
  {
    double mid = (t0 + t1) / 2, best = HOLD_S;
    gint64 pick = -1;

    if (first > 0 && mid - g_array_index (t->times, double, first - 1) <= best)
      {
        best = mid - g_array_index (t->times, double, first - 1);
        pick = first - 1;
      }
    if (first < t->times->len && g_array_index (t->times, double, first) - mid < best)
      pick = first;
    if (pick < 0)
      return FALSE;
    memcpy (out, probs + (gsize) pick * k, sizeof (float) * k);
    return TRUE;
  }
}

static void
append_run (TfTimeline  *self,
            GtkSnapshot *snapshot,
            const float *value,
            float        x,
            float        w,
            float        y,
            float        h)
{
  float bottom = y + h;

  /* class 0 at the bottom, then upwards */
  for (int c = 0; c < self->n_classes; c++)
    {
      float v = isfinite (value[c]) ? CLAMP (value[c], 0.0f, 1.0f) : 0.0f;
      float ph = v * h;
      GdkRGBA color;

      if (ph <= 0)
        continue;
      tf_widgets_class_color (c, &color);
      gtk_snapshot_append_color (snapshot, &color, &GRAPHENE_RECT_INIT (x, bottom - ph, w, ph));
      bottom -= ph;
    }
}

static void
snapshot_track (TfTimeline   *self,
                GtkSnapshot  *snapshot,
                Track        *t,
                const Layout *l,
                float         y)
{
  int columns = (int) ceilf (l->x1 - l->x0);
  double per_px = effective_duration (self) / MAX (l->x1 - l->x0, 1.0f);
  int k = self->n_classes;
  g_autofree float *value = g_new (float, k);
  g_autofree float *run = g_new (float, k);
  gboolean have_run = FALSE;
  int run_start = 0;

  for (int col = 0; col <= columns; col++)
    {
      gboolean have = col < columns && column_value (self, t, col * per_px, (col + 1) * per_px, value);

      if (have_run && (!have || memcmp (value, run, sizeof (float) * k) != 0))
        {
          append_run (self, snapshot, run, l->x0 + run_start, (float) (col - run_start), y, STRIP_H);
          have_run = FALSE;
        }
      if (have && !have_run)
        {
          memcpy (run, value, sizeof (float) * k);
          run_start = col;
          have_run = TRUE;
        }
    }
}

static GskRenderNode *
build_strips (TfTimeline   *self,
              const Layout *l,
              int           width)
{
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  GdkRGBA fg, back, dim;

  tf_widget_get_fg (GTK_WIDGET (self), &fg);
  back = tf_rgba_fade (&fg, 0.06f);
  dim = tf_rgba_fade (&fg, 0.7f);

  if (self->tracks->len == 0)
    {
      g_autoptr (PangoLayout) layout = make_layout (self, _("No faces tracked yet"));
      int tw, th;

      gtk_snapshot_append_color (snapshot, &back,
                                 &GRAPHENE_RECT_INIT (l->x0, l->strips_y, l->x1 - l->x0, STRIP_H));
      pango_layout_get_pixel_size (layout, &tw, &th);
      gtk_snapshot_save (snapshot);
      gtk_snapshot_translate (snapshot,
                              &GRAPHENE_POINT_INIT (l->x0 + PAD, l->strips_y + (STRIP_H - th) / 2.0f));
      gtk_snapshot_append_layout (snapshot, layout, &dim);
      gtk_snapshot_restore (snapshot);
    }

  for (guint i = 0; i < self->tracks->len; i++)
    {
      Track *t = g_ptr_array_index (self->tracks, i);
      float y = l->strips_y + i * (STRIP_H + STRIP_GAP);
      g_autofree char *label = track_label (t->id);
      g_autoptr (PangoLayout) layout = make_layout (self, label);
      int tw, th;

      pango_layout_get_pixel_size (layout, &tw, &th);
      gtk_snapshot_save (snapshot);
      gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (PAD, y + (STRIP_H - th) / 2.0f));
      gtk_snapshot_append_layout (snapshot, layout, &dim);
      gtk_snapshot_restore (snapshot);

      gtk_snapshot_append_color (snapshot, &back, &GRAPHENE_RECT_INIT (l->x0, y, l->x1 - l->x0, STRIP_H));
      if (self->n_classes > 0)
        snapshot_track (self, snapshot, t, l, y);
    }

  /* the legend */
  {
    float x = 0, y = 0;

    for (int k = 0; k < self->n_classes; k++)
      {
        g_autoptr (PangoLayout) layout = make_layout (self, self->names[k]);
        GdkRGBA color;
        int tw, th;

        pango_layout_get_pixel_size (layout, &tw, &th);
        if (x > 0 && x + SWATCH + PAD + tw > width)
          {
            x = 0;
            y += l->line_h + 2;
          }
        tf_widgets_class_color (k, &color);
        gtk_snapshot_append_color (snapshot, &color,
                                   &GRAPHENE_RECT_INIT (x, y + (l->line_h - SWATCH) / 2, SWATCH, SWATCH));
        gtk_snapshot_save (snapshot);
        gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (x + SWATCH + PAD, y));
        gtk_snapshot_append_layout (snapshot, layout, &fg);
        gtk_snapshot_restore (snapshot);
        x += SWATCH + PAD + tw + LEGEND_GAP;
      }
  }

  /* the time axis: ticks at a round step at least MIN_TICK_PX apart */
  {
    static const double steps[] = { 0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200 };
    double duration = effective_duration (self);
    double px_per_s = (l->x1 - l->x0) / duration;
    double step = steps[G_N_ELEMENTS (steps) - 1];

    for (guint i = 0; i < G_N_ELEMENTS (steps); i++)
      if (steps[i] * px_per_s >= MIN_TICK_PX)
        {
          step = steps[i];
          break;
        }
    for (int i = 0; i * step <= duration + 1e-9; i++)
      {
        double s = i * step;
        float x = l->x0 + (float) (s * px_per_s);
        g_autofree char *text = NULL;
        g_autoptr (PangoLayout) layout = NULL;
        int tw, th;

        if (step < 1)
          text = g_strdup_printf ("%d:%04.1f", (int) (s / 60), fmod (s, 60));
        else
          text = g_strdup_printf ("%d:%02d", (int) (s / 60), (int) fmod (s + 0.5, 60));
        layout = make_layout (self, text);
        pango_layout_get_pixel_size (layout, &tw, &th);
        gtk_snapshot_append_color (snapshot, &dim, &GRAPHENE_RECT_INIT (x, l->axis_y - PAD, 1, 4));
        gtk_snapshot_save (snapshot);
        gtk_snapshot_translate (snapshot,
                                &GRAPHENE_POINT_INIT (CLAMP (x - tw / 2.0f, 0, width - tw), l->axis_y + 2));
        gtk_snapshot_append_layout (snapshot, layout, &dim);
        gtk_snapshot_restore (snapshot);
      }
  }

  return gtk_snapshot_free_to_node (snapshot);
}

static void
tf_timeline_snapshot (GtkWidget   *widget,
                      GtkSnapshot *snapshot)
{
  TfTimeline *self = TF_TIMELINE (widget);
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  Layout l;
  GdkRGBA fg;
  float x, top, bottom;

  compute_layout (self, width, &l);
  if (self->strips == NULL || self->strips_w != width || self->strips_h != height)
    {
      g_clear_pointer (&self->strips, gsk_render_node_unref);
      self->strips = build_strips (self, &l, width);
      self->strips_w = width;
      self->strips_h = height;
    }
  if (self->strips != NULL)
    gtk_snapshot_append_node (snapshot, self->strips);

  /* the cursor, over the strips and the axis; wider with the keyboard focus */
  tf_widget_get_fg (widget, &fg);
  fg.alpha = 1;               /* opaque, to stand out over any class colour */
  x = roundf ((float) tf_timeline_time_to_x (self, self->position));
  top = l.strips_y;
  bottom = l.axis_y;
  if (gtk_widget_has_visible_focus (widget))
    gtk_snapshot_append_color (snapshot, &fg, &GRAPHENE_RECT_INIT (x - 2, top - 2, 4, bottom - top + 2));
  else
    gtk_snapshot_append_color (snapshot, &fg, &GRAPHENE_RECT_INIT (x - 1, top - 2, 2, bottom - top + 2));
}

static void
tf_timeline_measure (GtkWidget      *widget,
                     GtkOrientation  orientation,
                     int             for_size,
                     int            *minimum,
                     int            *natural,
                     int            *minimum_baseline,
                     int            *natural_baseline)
{
  TfTimeline *self = TF_TIMELINE (widget);
  Layout l;

  *minimum_baseline = *natural_baseline = -1;
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = 160;
      *natural = 640;
      return;
    }
  compute_layout (self, for_size > 0 ? for_size : 640, &l);
  *minimum = *natural = (int) ceilf (l.height);
}

static GtkSizeRequestMode
tf_timeline_get_request_mode (GtkWidget *widget)
{
  (void) widget;
  return GTK_SIZE_REQUEST_HEIGHT_FOR_WIDTH;
}

static void
invalidate (TfTimeline *self,
            gboolean    resize)
{
  g_clear_pointer (&self->strips, gsk_render_node_unref);
  if (resize)
    gtk_widget_queue_resize (GTK_WIDGET (self));
  else
    gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
tf_timeline_css_changed (GtkWidget         *widget,
                         GtkCssStyleChange *change)
{
  GTK_WIDGET_CLASS (tf_timeline_parent_class)->css_changed (widget, change);
  /* colours and fonts are baked into the cached strips */
  invalidate (TF_TIMELINE (widget), TRUE);
}

static void
update_accessible (TfTimeline *self)
{
  double duration = effective_duration (self);
  int p = (int) floor (self->position), d = (int) ceil (duration);
  g_autofree char *text = NULL;

  /* TRANSLATORS: the playing position and the length, minutes:seconds */
  text = g_strdup_printf (_("%d:%02d of %d:%02d"), p / 60, p % 60, d / 60, d % 60);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_VALUE_MIN, 0.0,
                                  GTK_ACCESSIBLE_PROPERTY_VALUE_MAX, duration,
                                  GTK_ACCESSIBLE_PROPERTY_VALUE_NOW, self->position,
                                  GTK_ACCESSIBLE_PROPERTY_VALUE_TEXT, text,
                                  -1);
}

static void
seek (TfTimeline *self,
      double      seconds)
{
  seconds = CLAMP (seconds, 0.0, effective_duration (self));
  tf_timeline_set_position (self, seconds);
  g_signal_emit (self, signals[SEEK], 0, seconds);
}

void
tf_timeline_seek_to_x (TfTimeline *self,
                       double      x)
{
  Layout l;

  g_return_if_fail (TF_IS_TIMELINE (self));

  compute_layout (self, gtk_widget_get_width (GTK_WIDGET (self)), &l);
  seek (self, (x - l.x0) / MAX (l.x1 - l.x0, 1.0f) * effective_duration (self));
}

static void
on_drag_begin_cb (GtkGestureDrag *gesture,
                  double          x,
                  double          y,
                  TfTimeline     *self)
{
  (void) gesture;
  (void) y;

  gtk_widget_grab_focus (GTK_WIDGET (self));
  self->drag_x = x;
  tf_timeline_seek_to_x (self, x);
}

static void
on_drag_update_cb (GtkGestureDrag *gesture,
                   double          dx,
                   double          dy,
                   TfTimeline     *self)
{
  (void) gesture;
  (void) dy;

  tf_timeline_seek_to_x (self, self->drag_x + dx);
}

static void
step_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  TfTimeline *self = TF_TIMELINE (widget);

  (void) action_name;
  seek (self, self->position + g_variant_get_double (parameter));
}

static void
jump_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  TfTimeline *self = TF_TIMELINE (widget);

  (void) action_name;
  seek (self, g_variant_get_boolean (parameter) ? effective_duration (self) : 0.0);
}

static void
tf_timeline_dispose (GObject *object)
{
  TfTimeline *self = TF_TIMELINE (object);

  g_clear_pointer (&self->strips, gsk_render_node_unref);

  G_OBJECT_CLASS (tf_timeline_parent_class)->dispose (object);
}

static void
tf_timeline_finalize (GObject *object)
{
  TfTimeline *self = TF_TIMELINE (object);

  g_strfreev (self->names);
  g_ptr_array_unref (self->tracks);

  G_OBJECT_CLASS (tf_timeline_parent_class)->finalize (object);
}

static void
tf_timeline_class_init (TfTimelineClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tf_timeline_dispose;
  object_class->finalize = tf_timeline_finalize;
  widget_class->snapshot = tf_timeline_snapshot;
  widget_class->measure = tf_timeline_measure;
  widget_class->get_request_mode = tf_timeline_get_request_mode;
  widget_class->css_changed = tf_timeline_css_changed;

  /**
   * TfTimeline::seek:
   * @seconds: where to go
   *
   * The person clicked, dragged or pressed a key to go to @seconds.
   */
  signals[SEEK] = g_signal_new ("seek",
                                G_TYPE_FROM_CLASS (klass),
                                G_SIGNAL_RUN_LAST,
                                0, NULL, NULL, NULL,
                                G_TYPE_NONE, 1, G_TYPE_DOUBLE);

  gtk_widget_class_install_action (widget_class, "timeline.step", "d", step_action);
  gtk_widget_class_install_action (widget_class, "timeline.jump", "b", jump_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Left, 0, "timeline.step", "d", -1.0);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Left, 0, "timeline.step", "d", -1.0);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Right, 0, "timeline.step", "d", 1.0);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Right, 0, "timeline.step", "d", 1.0);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Home, 0, "timeline.jump", "b", FALSE);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_End, 0, "timeline.jump", "b", TRUE);

  gtk_widget_class_set_css_name (widget_class, "tf-timeline");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_SLIDER);
}

static void
tf_timeline_init (TfTimeline *self)
{
  GtkGesture *drag = gtk_gesture_drag_new ();
  GtkEventController *focus = gtk_event_controller_focus_new ();

  self->tracks = g_ptr_array_new_with_free_func (track_free);
  self->names = g_new0 (char *, 1);

  gtk_widget_set_focusable (GTK_WIDGET (self), TRUE);
  g_signal_connect (drag, "drag-begin", G_CALLBACK (on_drag_begin_cb), self);
  g_signal_connect (drag, "drag-update", G_CALLBACK (on_drag_update_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drag));
  g_signal_connect_swapped (focus, "enter", G_CALLBACK (gtk_widget_queue_draw), self);
  g_signal_connect_swapped (focus, "leave", G_CALLBACK (gtk_widget_queue_draw), self);
  gtk_widget_add_controller (GTK_WIDGET (self), focus);

  gtk_widget_set_tooltip_text (GTK_WIDGET (self),
                               _("Class probabilities of each tracked face over time. "
                                 "Click or drag to seek; Left and Right move by a second."));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Expression timeline"),
                                  -1);
  update_accessible (self);
}

GtkWidget *
tf_timeline_new (void)
{
  return g_object_new (TF_TYPE_TIMELINE, NULL);
}

/* A different number of classes also clears the points (they have the old
 * number of probabilities each); the same number only renames them. */
void
tf_timeline_set_classes (TfTimeline         *self,
                         const char * const *names,
                         int                 n)
{
  g_return_if_fail (TF_IS_TIMELINE (self));
  g_return_if_fail (n >= 0);
  g_return_if_fail (n == 0 || names != NULL);

  g_strfreev (self->names);
  self->names = g_new0 (char *, n + 1);
  for (int k = 0; k < n; k++)
    self->names[k] = names[k] != NULL ? g_strdup (names[k]) : g_strdup_printf (_("Class %d"), k + 1);
  if (n != self->n_classes)
    g_ptr_array_set_size (self->tracks, 0);
  self->n_classes = n;
  invalidate (self, TRUE);
}

void
tf_timeline_set_duration (TfTimeline *self,
                          double      seconds)
{
  g_return_if_fail (TF_IS_TIMELINE (self));

  self->duration = isfinite (seconds) && seconds > 0 ? seconds : 0;
  update_accessible (self);
  invalidate (self, FALSE);
}

void
tf_timeline_clear (TfTimeline *self)
{
  g_return_if_fail (TF_IS_TIMELINE (self));

  g_ptr_array_set_size (self->tracks, 0);
  self->position = 0;
  update_accessible (self);
  invalidate (self, TRUE);
}

void
tf_timeline_add_point (TfTimeline  *self,
                       int          track,
                       double       time_s,
                       const float *probs)
{
  Track *t = NULL;

  g_return_if_fail (TF_IS_TIMELINE (self));
  g_return_if_fail (probs != NULL || self->n_classes == 0);

  if (!isfinite (time_s))
    return;
  /* the newest track is the likeliest: search from the end */
  for (guint i = self->tracks->len; i-- > 0;)
    if (((Track *) g_ptr_array_index (self->tracks, i))->id == track)
      {
        t = g_ptr_array_index (self->tracks, i);
        break;
      }
  if (t == NULL)
    {
      t = g_new0 (Track, 1);
      t->id = track;
      t->times = g_array_new (FALSE, FALSE, sizeof (double));
      t->probs = g_array_new (FALSE, FALSE, sizeof (float));
      g_ptr_array_add (self->tracks, t);
      gtk_widget_queue_resize (GTK_WIDGET (self));
    }
  /* times increase per track (drawing searches them); a point out of order
   * is put in its place */
  if (t->times->len == 0 || time_s >= g_array_index (t->times, double, t->times->len - 1))
    {
      g_array_append_val (t->times, time_s);
      if (self->n_classes > 0)
        g_array_append_vals (t->probs, probs, self->n_classes);
    }
  else
    {
      guint at = lower_bound (t->times, time_s);

      g_array_insert_val (t->times, at, time_s);
      if (self->n_classes > 0)
        g_array_insert_vals (t->probs, at * self->n_classes, probs, self->n_classes);
    }
  invalidate (self, FALSE);
}

void
tf_timeline_set_position (TfTimeline *self,
                          double      seconds)
{
  g_return_if_fail (TF_IS_TIMELINE (self));

  if (!isfinite (seconds) || seconds < 0)
    seconds = 0;
  if (seconds == self->position)
    return;
  self->position = seconds;
  update_accessible (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

double
tf_timeline_get_position (TfTimeline *self)
{
  g_return_val_if_fail (TF_IS_TIMELINE (self), 0);

  return self->position;
}

int
tf_timeline_get_n_tracks (TfTimeline *self)
{
  g_return_val_if_fail (TF_IS_TIMELINE (self), 0);

  return (int) self->tracks->len;
}
