/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The faces of the playing position are drawn over the video by a drawing
 * area in an overlay; the frame's place in it is GtkPicture's own "contain"
 * fit, recomputed at each draw, so the boxes follow letterboxing and
 * resizing. Pointer input over the video goes through gestures on the
 * overlay in the capture phase: they claim only a press on a box, or any
 * drag in drawing mode. The picture is the media stream itself, with no
 * controls of its own: the timeline is the one seek bar, with a play/pause
 * button beside it. */
#include <glib/gi18n.h>
#include <math.h>

#include "tf-media.h"
#include "tf-video-view.h"

#define LONE_FACE_S  0.25   /* how long a face with no neighbours is shown around its time */
#define MAX_HOLD_S   1.0    /* the most a face is shown away from its time */
#define MIN_BOX_PX   8      /* a drawn box smaller than this (frame pixels) is a slip */
#define HIT_SLOP     4      /* a click this near a box hits it (widget pixels) */

struct _TfVideoView
{
  GtkWidget       parent_instance;

  GtkWidget      *box;
  GtkWidget      *overlay;         /* the video, and the boxes over it */
  GtkWidget      *boxes;           /* a drawing area */
  GtkPicture     *picture;         /* the stream's frames, no controls */
  GtkWidget      *play_button;
  GtkWidget      *track_row;
  GtkDropDown    *track_dropdown;
  GtkStringList  *track_names;
  TfTimeline     *timeline;

  char           *file;
  GCancellable   *cancellable;     /* the length of the file, read in a thread */
  GtkMediaStream *stream;
  GHashTable     *tracks;          /* track id -> GPtrArray of TfFaceProbe, in time order */
  GArray         *track_ids;       /* int, in the order of the dropdown */
  int             selected_track;  /* -1: none */
  TfFaceProbe    *current;
  double          position;
  double          last_time;       /* of the latest face */
  gboolean        has_classes;
  gboolean        stream_duration; /* the timeline's length comes from the stream */
  gboolean        seeking;         /* our own seek: its timestamps are already shown */
  gboolean        analysed;        /* the analysis of the file is over: no tracks means no faces */
  TfLabelMap     *labels;          /* NULL: none */

  gboolean        drawing;
  gboolean        rubber;          /* a box being drawn: from (x, y) by (dx, dy), overlay coordinates */
  double          rubber_x, rubber_y, rubber_dx, rubber_dy;
};

G_DEFINE_FINAL_TYPE (TfVideoView, tf_video_view, GTK_TYPE_WIDGET)

enum
{
  FACE_SELECTED,
  BOX_DRAWN,
  PLAYER_ERROR,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

enum
{
  PROP_0,
  PROP_DRAWING,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* a face drawn over the frame, and its box in the overlay's coordinates */
typedef struct
{
  TfFaceProbe     *probe;
  graphene_rect_t  rect;
} Shown;

/* ---- helpers ------------------------------------------------------------- */

static GPtrArray *
selected_faces (TfVideoView *self)
{
  if (self->selected_track < 0)
    return NULL;
  return g_hash_table_lookup (self->tracks, GINT_TO_POINTER (self->selected_track));
}

/* the index of the face nearest @t in @faces (ordered by time) */
static guint
nearest (GPtrArray *faces,
         double     t)
{
  guint lo = 0, hi = faces->len;

  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;
      if (((TfFaceProbe *) g_ptr_array_index (faces, mid))->time_s < t)
        lo = mid + 1;
      else
        hi = mid;
    }
  /* lo: the first at or after t; the one before may be nearer */
  if (lo == faces->len)
    return faces->len - 1;
  if (lo > 0 && t - ((TfFaceProbe *) g_ptr_array_index (faces, lo - 1))->time_s
                < ((TfFaceProbe *) g_ptr_array_index (faces, lo))->time_s - t)
    return lo - 1;
  return lo;
}

static void
set_current (TfVideoView *self,
             TfFaceProbe *probe)
{
  if (probe == self->current)
    return;
  g_clear_pointer (&self->current, tf_face_probe_unref);
  self->current = probe ? tf_face_probe_ref (probe) : NULL;
  g_signal_emit (self, signals[FACE_SELECTED], 0, probe);
}

static void
update_current (TfVideoView *self)
{
  GPtrArray *faces = selected_faces (self);

  if (faces == NULL || faces->len == 0)
    set_current (self, NULL);
  else
    set_current (self, g_ptr_array_index (faces, nearest (faces, self->position)));
}

static void
set_position (TfVideoView *self,
              double       seconds)
{
  self->position = MAX (0, seconds);
  tf_timeline_set_position (self->timeline, self->position);
  update_current (self);
  gtk_widget_queue_draw (self->boxes);
}

/* where a face was inserted to keep @faces in time order */
static void
insert_in_time (GPtrArray   *faces,
                TfFaceProbe *probe)
{
  guint at = faces->len;

  while (at > 0 && ((TfFaceProbe *) g_ptr_array_index (faces, at - 1))->time_s > probe->time_s)
    at--;
  g_ptr_array_insert (faces, at, tf_face_probe_ref (probe));
}

/* ---- the frame and the boxes over it ------------------------------------- */

/* Where the frame is drawn, in @target's coordinates, and how many widget
 * pixels a frame pixel takes; FALSE while the frame's size is unknown. The
 * arithmetic is GtkPicture's for GTK_CONTENT_FIT_CONTAIN (the picture
 * keeps that default), rounding included. */
static gboolean
frame_rect (TfVideoView     *self,
            GtkWidget       *target,
            graphene_rect_t *rect,
            double          *scale)
{
  GdkPaintable *paintable = GDK_PAINTABLE (self->stream);
  GtkWidget *picture = GTK_WIDGET (self->picture);
  graphene_rect_t bounds;
  int fw, fh, width, height, x, y;
  double ratio, w, h;

  if (paintable == NULL)
    return FALSE;
  fw = gdk_paintable_get_intrinsic_width (paintable);
  fh = gdk_paintable_get_intrinsic_height (paintable);
  if (fw <= 0 || fh <= 0)
    return FALSE;
  width = gtk_widget_get_width (picture);
  height = gtk_widget_get_height (picture);
  if (width <= 0 || height <= 0 || !gtk_widget_compute_bounds (picture, target, &bounds))
    return FALSE;
  ratio = gdk_paintable_get_intrinsic_aspect_ratio (paintable);
  if (ratio <= 0)
    ratio = (double) fw / fh;
  if (ratio > (double) width / height)
    {
      w = width;
      h = width / ratio;
    }
  else
    {
      w = height * ratio;
      h = height;
    }
  x = (int) ((width - ceil (w)) / 2);
  y = (int) (floor (height - ceil (h)) / 2);
  *rect = GRAPHENE_RECT_INIT (bounds.origin.x + x, bounds.origin.y + y, (float) w, (float) h);
  if (scale)
    *scale = w / fw;
  return TRUE;
}

/* whether @faces[@i] is still on screen at @t: within about one analysed
 * interval (that around it) */
static gboolean
near_enough (GPtrArray *faces,
             guint      i,
             double     t)
{
  double ti = ((TfFaceProbe *) g_ptr_array_index (faces, i))->time_s;
  double gap = INFINITY;

  if (i > 0)
    gap = MIN (gap, ti - ((TfFaceProbe *) g_ptr_array_index (faces, i - 1))->time_s);
  if (i + 1 < faces->len)
    gap = MIN (gap, ((TfFaceProbe *) g_ptr_array_index (faces, i + 1))->time_s - ti);
  if (!isfinite (gap))
    gap = LONE_FACE_S;
  gap = CLAMP (gap, 1e-3, MAX_HOLD_S);
  return fabs (ti - t) <= gap + 1e-9;
}

/* The faces of the current position, one per track at most (the analysed
 * face nearest it), with their boxes in the overlay's coordinates; empty
 * while the frame's place is unknown. */
static GArray *
shown_faces (TfVideoView *self)
{
  GArray *shown = g_array_new (FALSE, FALSE, sizeof (Shown));
  graphene_rect_t frame;
  double scale;

  if (!frame_rect (self, self->overlay, &frame, &scale))
    return shown;
  for (guint k = 0; k < self->track_ids->len; k++)
    {
      GPtrArray *faces = g_hash_table_lookup (self->tracks,
                                              GINT_TO_POINTER (g_array_index (self->track_ids, int, k)));
      guint i;
      Shown s;

      if (faces == NULL || faces->len == 0)
        continue;
      i = nearest (faces, self->position);
      if (!near_enough (faces, i, self->position))
        continue;
      s.probe = g_ptr_array_index (faces, i);
      s.rect = GRAPHENE_RECT_INIT (frame.origin.x + (float) (s.probe->box[0] * scale),
                                   frame.origin.y + (float) (s.probe->box[1] * scale),
                                   (float) (s.probe->box[2] * scale),
                                   (float) (s.probe->box[3] * scale));
      g_array_append_val (shown, s);
    }
  return shown;
}

/* @probe's class named @name, else -1 */
static int
class_of_name (const TfFaceProbe *probe,
               const char        *name)
{
  for (int k = 0; name != NULL && probe->class_names != NULL && k < probe->classes; k++)
    if (g_strcmp0 (probe->class_names[k], name) == 0)
      return k;
  return -1;
}

static GdkRGBA
mix_white (GdkRGBA color,
           float   white)
{
  color.red += (1 - color.red) * white;
  color.green += (1 - color.green) * white;
  color.blue += (1 - color.blue) * white;
  return color;
}

static void
set_text_color (cairo_t       *cr,
                const GdkRGBA *back)
{
  if (back->alpha > 0.8 && 0.299 * back->red + 0.587 * back->green + 0.114 * back->blue > 0.55)
    cairo_set_source_rgb (cr, 0, 0, 0);
  else
    cairo_set_source_rgb (cr, 1, 1, 1);
}

/* a tag: @markup on @back at (@x, @y); returns its width */
static double
draw_tag (TfVideoView   *self,
          cairo_t       *cr,
          const char    *markup,
          const GdkRGBA *back,
          double         x,
          double         y,
          gboolean       outline)
{
  g_autoptr (PangoLayout) layout = gtk_widget_create_pango_layout (self->boxes, NULL);
  int tw, th;

  pango_layout_set_markup (layout, markup, -1);
  pango_layout_get_pixel_size (layout, &tw, &th);
  cairo_rectangle (cr, x, y, tw + 8, th + 2);
  gdk_cairo_set_source_rgba (cr, back);
  cairo_fill_preserve (cr);
  if (outline)
    {
      cairo_set_source_rgb (cr, 1, 1, 1);
      cairo_set_line_width (cr, 1.5);
      cairo_stroke (cr);
    }
  else
    cairo_new_path (cr);
  set_text_color (cr, back);
  cairo_move_to (cr, x + 4, y + 1);
  pango_cairo_show_layout (cr, layout);
  return tw + 8;
}

/* One face: its box in the colour of its label, or of the prediction when
 * it has none (the timeline's colours); the lane's looks carry over: a
 * person's label solid, an imported one dashed, a propagated one pale and
 * dashed, "not a face" and "unsure" gray. The tag names the track and the
 * label or prediction; a red "model: ..." tag marks a disagreement. */
static void
draw_face (TfVideoView           *self,
           cairo_t               *cr,
           const TfFaceProbe     *probe,
           const graphene_rect_t *r,
           gboolean               selected)
{
  static const double long_dash[] = { 8, 4 }, short_dash[] = { 4, 4 };
  static const GdkRGBA red = { 0xe0 / 255.f, 0x1b / 255.f, 0x24 / 255.f, 1 };
  static const GdkRGBA gray = { 0x9a / 255.f, 0x99 / 255.f, 0x96 / 255.f, 1 };
  TfLabelMapSource source = TF_LABEL_MAP_FROM_PERSON;
  int label = self->labels ? tf_label_map_lookup (self->labels, probe->face_id, &source) : TF_LABEL_MAP_NONE;
  const char *predicted = probe->class_names != NULL && probe->predicted >= 0 && probe->predicted < probe->classes
                          ? probe->class_names[probe->predicted] : NULL;
  g_autofree char *face = g_strdup_printf (_("Face %d"), probe->track);
  g_autofree char *markup = NULL;
  GdkRGBA color, back;
  double line = 2, tag_y, width;
  const double *dash = NULL;

  if (label == TF_LABEL_MAP_NONE)
    {
      tf_widgets_class_color (MAX (probe->predicted, 0), &color);
      back = (GdkRGBA) { 0, 0, 0, 0.65f };
      if (predicted != NULL && probe->probs != NULL)
        markup = g_markup_printf_escaped ("<b>%s</b>  %s %.0f%%", face, tf_class_display_name (predicted),
                                          100.0 * probe->probs[probe->predicted]);
      else
        markup = g_markup_printf_escaped ("<b>%s</b>", face);
    }
  else
    {
      const char *name = tf_label_map_label_name (self->labels, label);

      if (label < 0)
        {
          color = gray;
          back = gray;
          dash = short_dash;
        }
      else
        {
          int k = class_of_name (probe, name);

          tf_widgets_class_color (k >= 0 ? k : label, &color);
          back = color;
          line = 3;
          if (source == TF_LABEL_MAP_FROM_IMPORTED)
            dash = long_dash;
          else if (source == TF_LABEL_MAP_FROM_PROPAGATED)
            {
              back = mix_white (color, 0.6f);
              dash = short_dash;
              line = 2;
            }
        }
      if (label == TF_LABEL_MAP_NOT_A_FACE)
        markup = g_markup_printf_escaped ("<b>%s</b>  <s>%s</s>", face, name);
      else if (label == TF_LABEL_MAP_UNSURE)
        markup = g_markup_printf_escaped ("<b>%s</b>  <b>?</b> %s", face, name);
      else
        markup = g_markup_printf_escaped ("<b>%s</b>  %s", face, name != NULL ? tf_class_display_name (name) : "?");
      /* as the photo view says it: a label no person gave reads as a suggestion */
      if (source != TF_LABEL_MAP_FROM_PERSON)
        {
          const char *from = source == TF_LABEL_MAP_FROM_IMPORTED
            /* TRANSLATORS: a label that came from an imported file */
            ? _("imported")
            /* TRANSLATORS: a label carried over from a face of the same track */
            : _("propagated");
          g_autofree char *with = g_markup_printf_escaped (" · <i>%s</i>", from);
          char *joined = g_strconcat (markup, with, NULL);

          g_free (markup);
          markup = joined;
        }
    }

  /* the box; the chosen one with a white halo and a heavier line */
  cairo_rectangle (cr, r->origin.x, r->origin.y, r->size.width, r->size.height);
  if (selected)
    {
      cairo_set_dash (cr, NULL, 0, 0);
      cairo_set_source_rgba (cr, 1, 1, 1, 0.9);
      cairo_set_line_width (cr, line + 5);
      cairo_stroke_preserve (cr);
      line += 1;
    }
  cairo_set_dash (cr, dash, dash != NULL ? 2 : 0, 0);
  gdk_cairo_set_source_rgba (cr, &color);
  cairo_set_line_width (cr, line);
  cairo_stroke (cr);
  cairo_set_dash (cr, NULL, 0, 0);

  /* the tag above the box, or inside its top when there is no room */
  tag_y = r->origin.y - line / 2 - 20;
  if (tag_y < 0)
    tag_y = r->origin.y + line;
  width = draw_tag (self, cr, markup, &back, r->origin.x - line / 2, tag_y, selected);
  if (self->labels != NULL && tf_label_map_get_state (self->labels, probe) == TF_LABEL_STATE_DISAGREES)
    {
      /* TRANSLATORS: beside a face's label over the video: what the model
       * predicted instead */
      g_autofree char *text = g_strdup_printf (_("model: %s"), predicted != NULL ? predicted : "?");
      g_autofree char *escaped = g_markup_escape_text (text, -1);

      draw_tag (self, cr, escaped, &red, r->origin.x - line / 2 + width + 2, tag_y, selected);
    }
}

static void
draw_boxes_cb (GtkDrawingArea *area,
               cairo_t        *cr,
               int             width,
               int             height,
               gpointer        user_data)
{
  TfVideoView *self = user_data;
  g_autoptr (GArray) shown = shown_faces (self);
  graphene_rect_t frame;

  /* the chosen track's box last, on top */
  for (int pass = 0; pass < 2; pass++)
    for (guint i = 0; i < shown->len; i++)
      {
        Shown *s = &g_array_index (shown, Shown, i);
        gboolean selected = s->probe->track == self->selected_track;

        if (selected == (pass == 1))
          draw_face (self, cr, s->probe, &s->rect, selected);
      }

  if (self->drawing && frame_rect (self, self->overlay, &frame, NULL))
    {
      static const double dash[] = { 5, 5 };
      GdkRGBA back = { 0, 0, 0, 0.7f };
      g_autofree char *hint = g_markup_escape_text (_("Drag over the face the detector missed; Escape cancels"), -1);

      draw_tag (self, cr, hint, &back, frame.origin.x + 8, frame.origin.y + 8, FALSE);
      if (self->rubber)
        {
          double x = self->rubber_x + MIN (self->rubber_dx, 0), y = self->rubber_y + MIN (self->rubber_dy, 0);

          cairo_rectangle (cr, x, y, fabs (self->rubber_dx), fabs (self->rubber_dy));
          cairo_set_source_rgba (cr, 1, 1, 1, 0.15);
          cairo_fill_preserve (cr);
          cairo_set_line_width (cr, 2);
          cairo_set_source_rgb (cr, 1, 1, 1);
          cairo_stroke_preserve (cr);
          cairo_set_dash (cr, dash, 2, 0);
          cairo_set_source_rgb (cr, 0, 0, 0);
          cairo_stroke (cr);
          cairo_set_dash (cr, NULL, 0, 0);
        }
    }
}

/* the video's length, whatever the playback can tell: the timeline's scale
 * is then right from the first face on */
static void
duration_thread (GTask        *task,
                 gpointer      source_object,
                 gpointer      task_data,
                 GCancellable *cancellable)
{
  g_autoptr(TfMedia) media = tf_media_open (task_data, NULL, NULL);
  double *duration = g_new (double, 1);

  *duration = media ? tf_media_get_duration (media) : -1;
  g_task_return_pointer (task, duration, g_free);
}

static void
on_duration_read_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(TfVideoView) self = user_data;
  g_autofree double *duration = g_task_propagate_pointer (G_TASK (result), NULL);

  if (duration && *duration > 0 && !self->stream_duration && self->timeline)
    {
      self->stream_duration = TRUE;
      tf_timeline_set_duration (self->timeline, *duration);
    }
}

/* ---- callbacks ----------------------------------------------------------- */

static void
on_timestamp_cb (GtkMediaStream *stream,
                 GParamSpec     *pspec,
                 TfVideoView    *self)
{
  double t = gtk_media_stream_get_timestamp (stream) / (double) G_USEC_PER_SEC;

  /* the stream reports where a seek of ours landed: keep our exact time */
  if (self->seeking && !gtk_media_stream_is_seeking (stream))
    {
      self->seeking = FALSE;
      return;
    }
  if (self->seeking)
    return;
  if (fabs (t - self->position) > 1e-3)
    set_position (self, t);
}

static void
on_duration_cb (GtkMediaStream *stream,
                GParamSpec     *pspec,
                TfVideoView    *self)
{
  gint64 duration = gtk_media_stream_get_duration (stream);

  if (duration > 0)
    {
      self->stream_duration = TRUE;
      tf_timeline_set_duration (self->timeline, duration / (double) G_USEC_PER_SEC);
    }
}

static void
on_timeline_seek_cb (TfTimeline  *timeline,
                     double       seconds,
                     TfVideoView *self)
{
  tf_video_view_seek (self, seconds);
}

static void
on_track_selected_cb (GtkDropDown *dropdown,
                      GParamSpec  *pspec,
                      TfVideoView *self)
{
  guint i = gtk_drop_down_get_selected (dropdown);

  if (i < self->track_ids->len)
    tf_video_view_select_track (self, g_array_index (self->track_ids, int, i));
}

/* @probe's track chosen and @probe shown; "face-selected" even when it
 * already was: a click on its box says "this one" */
static void
select_face (TfVideoView *self,
             TfFaceProbe *probe)
{
  gboolean was_current = self->current == probe;

  tf_video_view_select_track (self, probe->track);
  if (was_current)
    g_signal_emit (self, signals[FACE_SELECTED], 0, probe);
  else
    set_current (self, probe);
}

/* a press on a box chooses its track; anywhere else it goes on to the video */
static void
on_box_pressed_cb (GtkGestureClick *gesture,
                   int              n_press,
                   double           x,
                   double           y,
                   TfVideoView     *self)
{
  g_autoptr (GArray) shown = NULL;
  TfFaceProbe *hit = NULL;
  float hit_area = INFINITY;

  if (self->drawing)
    {
      gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_DENIED);
      return;
    }
  /* the smallest box under the pointer: a face inside another's box stays
   * reachable */
  shown = shown_faces (self);
  for (guint i = 0; i < shown->len; i++)
    {
      Shown *s = &g_array_index (shown, Shown, i);
      graphene_rect_t r = s->rect;
      float area = r.size.width * r.size.height;

      graphene_rect_inset (&r, -HIT_SLOP, -HIT_SLOP);
      if (graphene_rect_contains_point (&r, &GRAPHENE_POINT_INIT ((float) x, (float) y)) && area < hit_area)
        {
          hit = s->probe;
          hit_area = area;
        }
    }
  if (hit == NULL)
    {
      gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_DENIED);
      return;
    }
  gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
  select_face (self, hit);
}

static void
on_draw_begin_cb (GtkGestureDrag *gesture,
                  double          x,
                  double          y,
                  TfVideoView    *self)
{
  graphene_rect_t frame;

  if (!self->drawing || !frame_rect (self, self->overlay, &frame, NULL)
      || !graphene_rect_contains_point (&frame, &GRAPHENE_POINT_INIT ((float) x, (float) y)))
    {
      gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_DENIED);
      return;
    }
  gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
  self->rubber = TRUE;
  self->rubber_x = x;
  self->rubber_y = y;
  self->rubber_dx = self->rubber_dy = 0;
  gtk_widget_queue_draw (self->boxes);
}

static void
on_draw_update_cb (GtkGestureDrag *gesture,
                   double          dx,
                   double          dy,
                   TfVideoView    *self)
{
  if (!self->rubber)
    return;
  self->rubber_dx = dx;
  self->rubber_dy = dy;
  gtk_widget_queue_draw (self->boxes);
}

static void
on_draw_end_cb (GtkGestureDrag *gesture,
                double          dx,
                double          dy,
                TfVideoView    *self)
{
  graphene_rect_t frame;
  double scale, x0, y0, x1, y1;
  int fw, fh;

  if (!self->rubber)
    return;
  self->rubber = FALSE;
  gtk_widget_queue_draw (self->boxes);
  if (!self->drawing || !frame_rect (self, self->overlay, &frame, &scale))
    return;
  /* to frame pixels, inside the frame */
  fw = gdk_paintable_get_intrinsic_width (GDK_PAINTABLE (self->stream));
  fh = gdk_paintable_get_intrinsic_height (GDK_PAINTABLE (self->stream));
  x0 = CLAMP ((self->rubber_x + MIN (dx, 0) - frame.origin.x) / scale, 0, fw);
  y0 = CLAMP ((self->rubber_y + MIN (dy, 0) - frame.origin.y) / scale, 0, fh);
  x1 = CLAMP ((self->rubber_x + MAX (dx, 0) - frame.origin.x) / scale, 0, fw);
  y1 = CLAMP ((self->rubber_y + MAX (dy, 0) - frame.origin.y) / scale, 0, fh);
  if (x1 - x0 < MIN_BOX_PX || y1 - y0 < MIN_BOX_PX)
    return;
  tf_video_view_set_drawing (self, FALSE);
  g_signal_emit (self, signals[BOX_DRAWN], 0, self->position, x0, y0, x1 - x0, y1 - y0);
}

static void
on_draw_cancel_cb (GtkGesture       *gesture,
                   GdkEventSequence *sequence,
                   TfVideoView      *self)
{
  self->rubber = FALSE;
  gtk_widget_queue_draw (self->boxes);
}

static gboolean
cancel_drawing_cb (GtkWidget *widget,
                   GVariant  *args,
                   gpointer   user_data)
{
  TfVideoView *self = TF_VIDEO_VIEW (widget);

  if (!self->drawing)
    return FALSE;
  self->rubber = FALSE;
  tf_video_view_set_drawing (self, FALSE);
  return TRUE;
}

static void
on_stream_size_cb (GdkPaintable *paintable,
                   TfVideoView  *self)
{
  gtk_widget_queue_draw (self->boxes);
}

static void
on_labels_changed_cb (TfLabelMap  *map,
                      gint64       face_id,
                      TfVideoView *self)
{
  gtk_widget_queue_draw (self->boxes);
}

/* ---- playback -------------------------------------------------------------- */

/* the button says what a press does: play while paused, pause while playing */
static void
update_play_button (TfVideoView *self)
{
  gboolean playing = self->stream != NULL && gtk_media_stream_get_playing (self->stream);
  /* TRANSLATORS: the video's play/pause button, what a press does */
  const char *text = playing ? C_("video", "Pause") : C_("video", "Play");

  gtk_button_set_icon_name (GTK_BUTTON (self->play_button),
                            playing ? "media-playback-pause-symbolic" : "media-playback-start-symbolic");
  gtk_widget_set_tooltip_text (self->play_button, text);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->play_button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, text, -1);
  gtk_widget_set_sensitive (self->play_button, self->stream != NULL);
}

static void
on_playing_cb (GtkMediaStream *stream,
               GParamSpec     *pspec,
               TfVideoView    *self)
{
  update_play_button (self);
}

static void
on_play_clicked_cb (GtkButton   *button,
                    TfVideoView *self)
{
  tf_video_view_toggle_playing (self);
}

/* The stream draws through the window's surface (GL where it can), as
 * GtkVideo does it. */
static void
realize_stream (TfVideoView *self)
{
  if (self->stream && gtk_widget_get_realized (GTK_WIDGET (self)))
    gtk_media_stream_realize (self->stream, gtk_native_get_surface (gtk_widget_get_native (GTK_WIDGET (self))));
}

/* Lets go of the stream (paused, unrealized, disconnected). */
static void
drop_stream (TfVideoView *self)
{
  if (self->stream == NULL)
    return;
  g_signal_handlers_disconnect_by_data (self->stream, self);
  gtk_media_stream_pause (self->stream);
  if (gtk_widget_get_realized (GTK_WIDGET (self)))
    gtk_media_stream_unrealize (self->stream, gtk_native_get_surface (gtk_widget_get_native (GTK_WIDGET (self))));
  g_clear_object (&self->stream);
}

/* ---- overrides ----------------------------------------------------------- */

static void
tf_video_view_realize (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (tf_video_view_parent_class)->realize (widget);
  realize_stream (TF_VIDEO_VIEW (widget));
}

static void
tf_video_view_unrealize (GtkWidget *widget)
{
  TfVideoView *self = TF_VIDEO_VIEW (widget);

  if (self->stream)
    gtk_media_stream_unrealize (self->stream, gtk_native_get_surface (gtk_widget_get_native (widget)));
  GTK_WIDGET_CLASS (tf_video_view_parent_class)->unrealize (widget);
}

/* a video out of sight does not play on */
static void
tf_video_view_unmap (GtkWidget *widget)
{
  TfVideoView *self = TF_VIDEO_VIEW (widget);

  if (self->stream)
    gtk_media_stream_pause (self->stream);
  GTK_WIDGET_CLASS (tf_video_view_parent_class)->unmap (widget);
}

static void
tf_video_view_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  TfVideoView *self = TF_VIDEO_VIEW (object);

  switch (prop_id)
    {
    case PROP_DRAWING:
      g_value_set_boolean (value, self->drawing);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tf_video_view_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  TfVideoView *self = TF_VIDEO_VIEW (object);

  switch (prop_id)
    {
    case PROP_DRAWING:
      tf_video_view_set_drawing (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tf_video_view_dispose (GObject *object)
{
  TfVideoView *self = TF_VIDEO_VIEW (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  drop_stream (self);
  if (self->labels)
    {
      g_signal_handlers_disconnect_by_data (self->labels, self);
      g_clear_object (&self->labels);
    }
  g_clear_pointer (&self->box, gtk_widget_unparent);
  self->timeline = NULL;
  self->boxes = NULL;
  self->overlay = NULL;
  self->picture = NULL;
  self->play_button = NULL;
  g_clear_pointer (&self->current, tf_face_probe_unref);
  g_clear_pointer (&self->tracks, g_hash_table_unref);
  g_clear_pointer (&self->track_ids, g_array_unref);
  G_OBJECT_CLASS (tf_video_view_parent_class)->dispose (object);
}

static void
tf_video_view_finalize (GObject *object)
{
  g_free (TF_VIDEO_VIEW (object)->file);
  G_OBJECT_CLASS (tf_video_view_parent_class)->finalize (object);
}

static void
tf_video_view_class_init (TfVideoViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tf_video_view_dispose;
  object_class->finalize = tf_video_view_finalize;
  object_class->get_property = tf_video_view_get_property;
  object_class->set_property = tf_video_view_set_property;
  widget_class->realize = tf_video_view_realize;
  widget_class->unrealize = tf_video_view_unrealize;
  widget_class->unmap = tf_video_view_unmap;
  signals[FACE_SELECTED] = g_signal_new ("face-selected", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                         0, NULL, NULL, NULL, G_TYPE_NONE, 1, TF_TYPE_FACE_PROBE);
  /* time_s, then x, y, w, h in frame pixels */
  signals[BOX_DRAWN] = g_signal_new ("box-drawn", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                     0, NULL, NULL, NULL, G_TYPE_NONE, 5, G_TYPE_DOUBLE,
                                     G_TYPE_DOUBLE, G_TYPE_DOUBLE, G_TYPE_DOUBLE, G_TYPE_DOUBLE);
  /* the player cannot play the file: its message */
  signals[PLAYER_ERROR] = g_signal_new ("player-error", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                        0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  properties[PROP_DRAWING] = g_param_spec_boolean ("drawing", NULL, NULL, FALSE,
                                                   G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY
                                                   | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "videoview");
}

/* letterbox bars in the video's black, as GtkVideo has them */
static void
add_style (void)
{
  static gsize done = 0;

  if (g_once_init_enter (&done))
    {
      g_autoptr (GtkCssProvider) provider = gtk_css_provider_new ();

      gtk_css_provider_load_from_data (provider, "videoview picture.video-ground { background-color: black; }", -1);
      if (gdk_display_get_default () != NULL)
        gtk_style_context_add_provider_for_display (gdk_display_get_default (), GTK_STYLE_PROVIDER (provider),
                                                    GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
      g_once_init_leave (&done, 1);
    }
}

static void
tf_video_view_init (TfVideoView *self)
{
  GtkWidget *label, *seek_row;
  GtkGesture *click, *drag;
  GtkEventController *shortcuts;

  self->tracks = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, (GDestroyNotify) g_ptr_array_unref);
  self->track_ids = g_array_new (FALSE, FALSE, sizeof (int));
  self->selected_track = -1;

  add_style ();
  self->box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  gtk_widget_set_parent (self->box, GTK_WIDGET (self));

  /* the frames alone: GtkVideo's own controls would be a second seek bar
   * and a play icon over the faces */
  self->picture = GTK_PICTURE (gtk_picture_new ());
  gtk_widget_set_size_request (GTK_WIDGET (self->picture), 64, 120);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->picture),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, C_("video view", "Video"), -1);
  gtk_widget_add_css_class (GTK_WIDGET (self->picture), "video-ground");

  /* the faces over the video: drawn, never picked (the overlay's gestures
   * decide what a press is) */
  self->overlay = gtk_overlay_new ();
  gtk_widget_set_vexpand (self->overlay, TRUE);
  gtk_overlay_set_child (GTK_OVERLAY (self->overlay), GTK_WIDGET (self->picture));
  self->boxes = gtk_drawing_area_new ();
  gtk_widget_set_can_target (self->boxes, FALSE);
  gtk_drawing_area_set_draw_func (GTK_DRAWING_AREA (self->boxes), draw_boxes_cb, self, NULL);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->boxes),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Faces in the frame"),
                                  -1);
  gtk_overlay_add_overlay (GTK_OVERLAY (self->overlay), self->boxes);
  gtk_box_append (GTK_BOX (self->box), self->overlay);

  click = gtk_gesture_click_new ();
  gtk_event_controller_set_propagation_phase (GTK_EVENT_CONTROLLER (click), GTK_PHASE_CAPTURE);
  g_signal_connect (click, "pressed", G_CALLBACK (on_box_pressed_cb), self);
  gtk_widget_add_controller (self->overlay, GTK_EVENT_CONTROLLER (click));
  drag = gtk_gesture_drag_new ();
  gtk_event_controller_set_propagation_phase (GTK_EVENT_CONTROLLER (drag), GTK_PHASE_CAPTURE);
  g_signal_connect (drag, "drag-begin", G_CALLBACK (on_draw_begin_cb), self);
  g_signal_connect (drag, "drag-update", G_CALLBACK (on_draw_update_cb), self);
  g_signal_connect (drag, "drag-end", G_CALLBACK (on_draw_end_cb), self);
  g_signal_connect (drag, "cancel", G_CALLBACK (on_draw_cancel_cb), self);
  gtk_widget_add_controller (self->overlay, GTK_EVENT_CONTROLLER (drag));

  /* Escape ends drawing wherever the focus is; when not drawing the key
   * goes on to others */
  shortcuts = gtk_shortcut_controller_new ();
  gtk_shortcut_controller_set_scope (GTK_SHORTCUT_CONTROLLER (shortcuts), GTK_SHORTCUT_SCOPE_GLOBAL);
  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (shortcuts),
                                        gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_Escape, 0),
                                                          gtk_callback_action_new (cancel_drawing_cb, NULL, NULL)));
  gtk_widget_add_controller (GTK_WIDGET (self), shortcuts);

  /* which tracked face the timeline's cursor and the inspector follow */
  self->track_row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  gtk_widget_set_margin_start (self->track_row, 12);
  gtk_widget_set_margin_end (self->track_row, 12);
  gtk_widget_set_margin_top (self->track_row, 6);
  label = gtk_label_new_with_mnemonic (_("_Face"));
  gtk_box_append (GTK_BOX (self->track_row), label);
  self->track_names = gtk_string_list_new (NULL);
  self->track_dropdown = GTK_DROP_DOWN (gtk_drop_down_new (G_LIST_MODEL (self->track_names), NULL));
  gtk_label_set_mnemonic_widget (GTK_LABEL (label), GTK_WIDGET (self->track_dropdown));
  gtk_box_append (GTK_BOX (self->track_row), GTK_WIDGET (self->track_dropdown));
  gtk_widget_set_visible (self->track_row, FALSE);
  g_signal_connect (self->track_dropdown, "notify::selected", G_CALLBACK (on_track_selected_cb), self);
  gtk_box_append (GTK_BOX (self->box), self->track_row);

  /* the one seek bar: the timeline, with play/pause beside it */
  seek_row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  gtk_widget_set_margin_start (seek_row, 12);
  gtk_widget_set_margin_end (seek_row, 12);
  gtk_widget_set_margin_top (seek_row, 6);
  gtk_widget_set_margin_bottom (seek_row, 12);
  self->play_button = gtk_button_new ();
  gtk_widget_set_valign (self->play_button, GTK_ALIGN_START);
  gtk_widget_add_css_class (self->play_button, "circular");
  gtk_widget_add_css_class (self->play_button, "flat");
  g_signal_connect (self->play_button, "clicked", G_CALLBACK (on_play_clicked_cb), self);
  gtk_box_append (GTK_BOX (seek_row), self->play_button);
  self->timeline = TF_TIMELINE (tf_timeline_new ());
  gtk_widget_set_hexpand (GTK_WIDGET (self->timeline), TRUE);
  g_signal_connect (self->timeline, "seek", G_CALLBACK (on_timeline_seek_cb), self);
  g_signal_connect_swapped (self->timeline, "track-chosen", G_CALLBACK (tf_video_view_select_track), self);
  gtk_box_append (GTK_BOX (seek_row), GTK_WIDGET (self->timeline));
  gtk_box_append (GTK_BOX (self->box), seek_row);
  update_play_button (self);

  gtk_widget_set_hexpand (GTK_WIDGET (self), TRUE);
  gtk_widget_set_vexpand (GTK_WIDGET (self), TRUE);
}

/* ---- public API ---------------------------------------------------------- */

static void
on_stream_error_cb (GtkMediaStream *stream,
                    GParamSpec     *pspec,
                    TfVideoView    *self)
{
  const GError *error = gtk_media_stream_get_error (stream);

  if (error)
    g_signal_emit (self, signals[PLAYER_ERROR], 0, error->message);
}

GtkWidget *
tf_video_view_new (void)
{
  return g_object_new (TF_TYPE_VIDEO_VIEW, NULL);
}

void
tf_video_view_set_file (TfVideoView *self,
                        const char  *path)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (TF_IS_VIDEO_VIEW (self));

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  drop_stream (self);
  g_free (self->file);
  self->file = g_strdup (path);

  g_hash_table_remove_all (self->tracks);
  g_array_set_size (self->track_ids, 0);
  g_signal_handlers_block_by_func (self->track_dropdown, on_track_selected_cb, self);
  gtk_string_list_splice (self->track_names, 0, g_list_model_get_n_items (G_LIST_MODEL (self->track_names)), NULL);
  g_signal_handlers_unblock_by_func (self->track_dropdown, on_track_selected_cb, self);
  gtk_widget_set_visible (self->track_row, FALSE);
  self->selected_track = -1;
  g_clear_pointer (&self->current, tf_face_probe_unref);
  self->position = 0;
  self->last_time = 0;
  self->has_classes = FALSE;
  self->stream_duration = FALSE;
  self->seeking = FALSE;
  self->analysed = FALSE;
  tf_timeline_set_empty_text (self->timeline, NULL);
  self->rubber = FALSE;
  tf_video_view_set_drawing (self, FALSE);
  gtk_widget_queue_draw (self->boxes);
  tf_timeline_clear (self->timeline);
  tf_timeline_set_duration (self->timeline, 0);
  tf_timeline_set_position (self->timeline, 0);

  if (path == NULL)
    {
      gtk_picture_set_paintable (self->picture, NULL);
      update_play_button (self);
      return;
    }
  self->stream = GTK_MEDIA_STREAM (gtk_media_file_new_for_filename (path));
  g_signal_connect (self->stream, "notify::timestamp", G_CALLBACK (on_timestamp_cb), self);
  g_signal_connect (self->stream, "notify::duration", G_CALLBACK (on_duration_cb), self);
  /* the frame's size arrives once the stream is prepared */
  g_signal_connect (self->stream, "invalidate-size", G_CALLBACK (on_stream_size_cb), self);
  g_signal_connect (self->stream, "notify::playing", G_CALLBACK (on_playing_cb), self);
  g_signal_connect (self->stream, "notify::error", G_CALLBACK (on_stream_error_cb), self);
  realize_stream (self);
  gtk_picture_set_paintable (self->picture, GDK_PAINTABLE (self->stream));
  update_play_button (self);

  self->cancellable = g_cancellable_new ();
  task = g_task_new (NULL, self->cancellable, on_duration_read_cb, g_object_ref (self));
  g_task_set_source_tag (task, tf_video_view_set_file);
  g_task_set_task_data (task, g_strdup (path), g_free);
  g_task_run_in_thread (task, duration_thread);
}

const char *
tf_video_view_get_file (TfVideoView *self)
{
  g_return_val_if_fail (TF_IS_VIDEO_VIEW (self), NULL);

  return self->file;
}

void
tf_video_view_replace_face (TfVideoView *self,
                            TfFaceProbe *old_probe,
                            TfFaceProbe *new_probe)
{
  GPtrArray *faces;
  guint index;

  g_return_if_fail (TF_IS_VIDEO_VIEW (self));
  g_return_if_fail (old_probe != NULL && new_probe != NULL);

  faces = g_hash_table_lookup (self->tracks, GINT_TO_POINTER (old_probe->track));
  if (faces == NULL || old_probe->track != new_probe->track || !g_ptr_array_find (faces, old_probe, &index))
    return;
  g_ptr_array_index (faces, index) = tf_face_probe_ref (new_probe);
  if (self->current == old_probe)
    {
      /* the same face: told again, not as a new choice */
      tf_face_probe_unref (self->current);
      self->current = tf_face_probe_ref (new_probe);
    }
  tf_face_probe_unref (old_probe);
  gtk_widget_queue_draw (self->boxes);
}

void
tf_video_view_add_face (TfVideoView *self,
                        TfFaceProbe *probe)
{
  GPtrArray *faces;

  g_return_if_fail (TF_IS_VIDEO_VIEW (self));
  g_return_if_fail (probe != NULL);

  if (!self->has_classes && probe->class_names)
    {
      tf_timeline_set_classes (self->timeline, (const char * const *) probe->class_names, probe->classes);
      self->has_classes = TRUE;
    }
  faces = g_hash_table_lookup (self->tracks, GINT_TO_POINTER (probe->track));
  if (faces == NULL)
    {
      g_autofree char *name = g_strdup_printf (_("Face %d"), probe->track);

      faces = g_ptr_array_new_with_free_func ((GDestroyNotify) tf_face_probe_unref);
      g_hash_table_insert (self->tracks, GINT_TO_POINTER (probe->track), faces);
      g_array_append_val (self->track_ids, probe->track);
      g_signal_handlers_block_by_func (self->track_dropdown, on_track_selected_cb, self);
      gtk_string_list_append (self->track_names, name);
      g_signal_handlers_unblock_by_func (self->track_dropdown, on_track_selected_cb, self);
      gtk_widget_set_visible (self->track_row, self->track_ids->len > 1);
      if (self->selected_track < 0)
        {
          self->selected_track = probe->track;
          tf_timeline_set_selected_track (self->timeline, probe->track);
        }
    }
  insert_in_time (faces, probe);
  tf_timeline_add_face (self->timeline, probe);
  gtk_widget_queue_draw (self->boxes);
  if (!self->stream_duration && probe->time_s > self->last_time)
    tf_timeline_set_duration (self->timeline, probe->time_s);
  self->last_time = MAX (self->last_time, probe->time_s);

  /* cheap: only a face nearer the cursor than the one shown changes it */
  if (probe->track == self->selected_track
      && (self->current == NULL
          || fabs (probe->time_s - self->position) < fabs (self->current->time_s - self->position)))
    set_current (self, probe);
}

void
tf_video_view_seek (TfVideoView *self,
                    double       seconds)
{
  g_return_if_fail (TF_IS_VIDEO_VIEW (self));

  set_position (self, seconds);
  if (self->stream && gtk_media_stream_is_seekable (self->stream))
    {
      self->seeking = TRUE;
      gtk_media_stream_seek (self->stream, (gint64) (self->position * G_USEC_PER_SEC));
    }
}

void
tf_video_view_step (TfVideoView *self,
                    int          direction)
{
  GPtrArray *faces;
  guint i;

  g_return_if_fail (TF_IS_VIDEO_VIEW (self));

  faces = selected_faces (self);
  if (faces == NULL || faces->len == 0)
    return;
  i = nearest (faces, self->position);
  if (direction > 0 && i + 1 < faces->len)
    i++;
  else if (direction < 0 && i > 0)
    i--;
  tf_video_view_seek (self, ((TfFaceProbe *) g_ptr_array_index (faces, i))->time_s);
}

guint
tf_video_view_get_n_tracks (TfVideoView *self)
{
  g_return_val_if_fail (TF_IS_VIDEO_VIEW (self), 0);

  return self->track_ids->len;
}

int
tf_video_view_get_selected_track (TfVideoView *self)
{
  g_return_val_if_fail (TF_IS_VIDEO_VIEW (self), -1);

  return self->selected_track;
}

void
tf_video_view_select_track (TfVideoView *self,
                            int          track)
{
  g_return_if_fail (TF_IS_VIDEO_VIEW (self));

  for (guint i = 0; i < self->track_ids->len; i++)
    if (g_array_index (self->track_ids, int, i) == track)
      {
        self->selected_track = track;
        tf_timeline_set_selected_track (self->timeline, track);
        if (gtk_drop_down_get_selected (self->track_dropdown) != i)
          gtk_drop_down_set_selected (self->track_dropdown, i);
        update_current (self);
        gtk_widget_queue_draw (self->boxes);
        return;
      }
}

TfFaceProbe *
tf_video_view_get_face (TfVideoView *self)
{
  g_return_val_if_fail (TF_IS_VIDEO_VIEW (self), NULL);

  return self->current;
}

TfTimeline *
tf_video_view_get_timeline (TfVideoView *self)
{
  g_return_val_if_fail (TF_IS_VIDEO_VIEW (self), NULL);

  return self->timeline;
}

void
tf_video_view_set_label_map (TfVideoView *self,
                             TfLabelMap  *map)
{
  g_return_if_fail (TF_IS_VIDEO_VIEW (self));
  g_return_if_fail (map == NULL || TF_IS_LABEL_MAP (map));

  if (map == self->labels)
    return;
  if (self->labels)
    g_signal_handlers_disconnect_by_data (self->labels, self);
  g_set_object (&self->labels, map);
  if (map)
    g_signal_connect (map, "changed", G_CALLBACK (on_labels_changed_cb), self);
  tf_timeline_set_label_map (self->timeline, map);
  gtk_widget_queue_draw (self->boxes);
}

GPtrArray *
tf_video_view_get_range_faces (TfVideoView *self)
{
  GPtrArray *faces, *inside;
  double t0, t1;
  int track;

  g_return_val_if_fail (TF_IS_VIDEO_VIEW (self), NULL);

  if (!tf_timeline_get_range (self->timeline, &track, &t0, &t1))
    return NULL;
  inside = g_ptr_array_new_with_free_func ((GDestroyNotify) tf_face_probe_unref);
  faces = g_hash_table_lookup (self->tracks, GINT_TO_POINTER (track));
  for (guint i = 0; faces != NULL && i < faces->len; i++)
    {
      TfFaceProbe *probe = g_ptr_array_index (faces, i);

      if (probe->time_s >= t0 && probe->time_s <= t1)
        g_ptr_array_add (inside, tf_face_probe_ref (probe));
    }
  return inside;
}

void
tf_video_view_clear_range (TfVideoView *self)
{
  g_return_if_fail (TF_IS_VIDEO_VIEW (self));

  tf_timeline_set_range (self->timeline, -1, 0, 0);
}

gboolean
tf_video_view_jump_label_change (TfVideoView *self,
                                 int          direction)
{
  double t;

  g_return_val_if_fail (TF_IS_VIDEO_VIEW (self), FALSE);

  if (self->selected_track < 0 || direction == 0)
    return FALSE;
  t = tf_timeline_find_label_change (self->timeline, self->selected_track, self->position, direction);
  if (t < 0)
    return FALSE;
  tf_video_view_seek (self, t);
  return TRUE;
}

void
tf_video_view_set_drawing (TfVideoView *self,
                           gboolean     drawing)
{
  g_return_if_fail (TF_IS_VIDEO_VIEW (self));

  drawing = !!drawing;
  if (drawing == self->drawing)
    return;
  self->drawing = drawing;
  self->rubber = FALSE;
  /* a still frame to draw on */
  if (drawing && self->stream && gtk_media_stream_get_playing (self->stream))
    gtk_media_stream_pause (self->stream);
  gtk_widget_set_cursor_from_name (self->overlay, drawing ? "crosshair" : NULL);
  gtk_widget_queue_draw (self->boxes);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DRAWING]);
}

gboolean
tf_video_view_get_drawing (TfVideoView *self)
{
  g_return_val_if_fail (TF_IS_VIDEO_VIEW (self), FALSE);

  return self->drawing;
}

gboolean
tf_video_view_get_frame_rect (TfVideoView     *self,
                              graphene_rect_t *rect)
{
  g_return_val_if_fail (TF_IS_VIDEO_VIEW (self), FALSE);
  g_return_val_if_fail (rect != NULL, FALSE);

  return frame_rect (self, GTK_WIDGET (self), rect, NULL);
}

gboolean
tf_video_view_get_playing (TfVideoView *self)
{
  g_return_val_if_fail (TF_IS_VIDEO_VIEW (self), FALSE);

  return self->stream != NULL && gtk_media_stream_get_playing (self->stream);
}

void
tf_video_view_set_playing (TfVideoView *self,
                           gboolean     playing)
{
  g_return_if_fail (TF_IS_VIDEO_VIEW (self));

  if (self->stream == NULL || !!playing == gtk_media_stream_get_playing (self->stream))
    return;
  if (!playing)
    {
      gtk_media_stream_pause (self->stream);
      return;
    }
  /* playing draws nothing; at the end, play starts over */
  tf_video_view_set_drawing (self, FALSE);
  if (gtk_media_stream_get_ended (self->stream))
    tf_video_view_seek (self, 0);
  gtk_media_stream_play (self->stream);
}

void
tf_video_view_toggle_playing (TfVideoView *self)
{
  tf_video_view_set_playing (self, !tf_video_view_get_playing (self));
}

gboolean
tf_video_view_select_next_track (TfVideoView *self,
                                 int          direction)
{
  int n, k = -1, track;
  GPtrArray *faces;
  guint i;

  g_return_val_if_fail (TF_IS_VIDEO_VIEW (self), FALSE);

  n = (int) self->track_ids->len;
  if (n == 0 || direction == 0)
    return FALSE;
  for (int j = 0; j < n; j++)
    if (g_array_index (self->track_ids, int, j) == self->selected_track)
      k = j;
  if (k < 0)
    k = direction > 0 ? 0 : n - 1;
  else
    k = (k + (direction > 0 ? 1 : -1) + n) % n;
  track = g_array_index (self->track_ids, int, k);
  faces = g_hash_table_lookup (self->tracks, GINT_TO_POINTER (track));
  /* the person's face of the moment, or where the person first appears */
  i = nearest (faces, self->position);
  if (!near_enough (faces, i, self->position))
    i = 0;
  tf_video_view_select_track (self, track);
  tf_video_view_seek (self, ((TfFaceProbe *) g_ptr_array_index (faces, i))->time_s);
  return TRUE;
}

gboolean
tf_video_view_step_frame (TfVideoView *self,
                          int          direction)
{
  double best = direction > 0 ? INFINITY : -INFINITY;
  GHashTableIter iter;
  gpointer value;

  g_return_val_if_fail (TF_IS_VIDEO_VIEW (self), FALSE);

  if (direction == 0)
    return FALSE;
  /* the analysed time nearest the position on that side, over all tracks */
  g_hash_table_iter_init (&iter, self->tracks);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      GPtrArray *faces = value;
      guint i;
      double t;

      if (faces->len == 0)
        continue;
      i = nearest (faces, self->position);
      t = ((TfFaceProbe *) g_ptr_array_index (faces, i))->time_s;
      if (direction > 0 && t <= self->position + 1e-6)
        {
          if (i + 1 >= faces->len)
            continue;
          t = ((TfFaceProbe *) g_ptr_array_index (faces, i + 1))->time_s;
        }
      else if (direction < 0 && t >= self->position - 1e-6)
        {
          if (i == 0)
            continue;
          t = ((TfFaceProbe *) g_ptr_array_index (faces, i - 1))->time_s;
        }
      best = direction > 0 ? MIN (best, t) : MAX (best, t);
    }
  if (!isfinite (best))
    return FALSE;
  if (self->stream && gtk_media_stream_get_playing (self->stream))
    gtk_media_stream_pause (self->stream);
  tf_video_view_seek (self, best);
  return TRUE;
}

void
tf_video_view_set_analysed (TfVideoView *self,
                            gboolean     analysed)
{
  g_return_if_fail (TF_IS_VIDEO_VIEW (self));

  self->analysed = !!analysed;
  tf_timeline_set_empty_text (self->timeline, self->analysed ? _("No faces found in this video") : NULL);
}

gboolean
tf_video_view_get_analysed (TfVideoView *self)
{
  g_return_val_if_fail (TF_IS_VIDEO_VIEW (self), FALSE);

  return self->analysed;
}
