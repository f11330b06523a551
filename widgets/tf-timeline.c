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
 * With a label map, each strip has a label lane under it: a point's label
 * holds from it to the next point (or for one interval after the last),
 * and runs of equal labels are drawn as one rectangle, patterned by a
 * repeated tile anchored at x = 0 so neighbouring runs line up. The lanes
 * are part of the cached strips; the selected range is drawn over them,
 * like the cursor.
 *
 * Clicking or dragging seeks ("seek", seconds), a press on a track's row
 * chooses it first ("track-chosen"); dragging in a lane, or
 * with Shift on a track, selects a range of that track instead. Left/Right
 * seek by a second, Home/End to the ends ("timeline.step" and
 * "timeline.jump"), Escape clears the range ("timeline.clear-range"). */
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
#define LANE_GAP     2          /* between a strip and its label lane */
#define LANE_H       12
#define PATTERN      6          /* the period of a lane's stripes and dashes */
#define MIN_RANGE_PX 3          /* a shorter drag in a lane is a click */
#define TICK_OVER    3          /* a disagreement tick reaches this far above its lane */

enum
{
  SEEK,
  TRACK_CHOSEN,
  RANGE_SELECTED,
  RANGE_CLEARED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

typedef struct
{
  int     id;
  GArray *times;      /* double */
  GArray *probs;      /* float, n_classes per point */
  GArray *face_ids;   /* gint64 per point: the project's face (0: none) */
  GArray *predicted;  /* int per point: the predicted class (-1: none) */
} Track;

struct _TfTimeline
{
  GtkWidget     parent_instance;

  char        **names;
  int           n_classes;
  double        duration;     /* 0: the last point's time */
  double        position;
  GPtrArray    *tracks;       /* Track, in order of first appearance */

  TfLabelMap   *labels;       /* NULL: no label lanes */
  int           selected;     /* the track id whose row is highlighted; -1: none */
  char         *empty_text;   /* said while there is no track; NULL: the default */

  GskRenderNode *strips;      /* cached; NULL: to redraw */
  int           strips_w, strips_h;

  int           range_track;  /* a track id; -1: no range */
  double        range_t0, range_t1;
  gboolean      range_told;   /* "range-selected" was emitted for it */

  /* the drag under way: seeking, or selecting a range of drag_track */
  double        drag_x;
  gboolean      drag_range;
  gboolean      drag_moved;
  int           drag_track;
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
  g_array_unref (t->face_ids);
  g_array_unref (t->predicted);
  g_free (t);
}

/* ---- geometry */

typedef struct
{
  float legend_h, line_h;
  float gutter;               /* the track labels' column */
  float x0, x1;               /* the time axis spans x0..x1 */
  float strips_y;
  float row_h;                /* a strip, and its lane when there are lanes */
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
      float item = SWATCH + PAD + pixel_width (self, tf_class_display_name (self->names[k]), NULL);

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
  l->row_h = STRIP_H + (self->labels != NULL ? LANE_GAP + LANE_H : 0);
  l->axis_y = l->strips_y + n * l->row_h + (n - 1) * STRIP_GAP + PAD;
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
  *top = l.strips_y + index * (l.row_h + STRIP_GAP);
  *height = STRIP_H;
  return TRUE;
}

gboolean
tf_timeline_lane_span (TfTimeline *self,
                       int         index,
                       double     *top,
                       double     *height)
{
  Layout l;

  g_return_val_if_fail (TF_IS_TIMELINE (self), FALSE);

  if (index < 0 || index >= (int) self->tracks->len || self->labels == NULL)
    return FALSE;
  compute_layout (self, gtk_widget_get_width (GTK_WIDGET (self)), &l);
  if (top)
    *top = l.strips_y + index * (l.row_h + STRIP_GAP) + STRIP_H + LANE_GAP;
  if (height)
    *height = LANE_H;
  return TRUE;
}

static double
x_to_time (TfTimeline   *self,
           const Layout *l,
           double        x)
{
  double t = (x - l->x0) / MAX (l->x1 - l->x0, 1.0f) * effective_duration (self);

  return CLAMP (t, 0.0, effective_duration (self));
}

/* The index of the track whose row (strip and lane) holds @y, with whether
 * @y is in its lane (or the gap above it); -1: none. */
static int
row_at (TfTimeline   *self,
        const Layout *l,
        double        y,
        gboolean     *in_lane)
{
  double offset = y - l->strips_y;
  int i;

  *in_lane = FALSE;
  if (offset < 0)
    return -1;
  i = (int) (offset / (l->row_h + STRIP_GAP));
  offset -= i * (l->row_h + STRIP_GAP);
  if (i >= (int) self->tracks->len || offset >= l->row_h)
    return -1;
  *in_lane = self->labels != NULL && offset >= STRIP_H;
  return i;
}

static int
track_index (TfTimeline *self,
             int         id)
{
  for (guint i = 0; i < self->tracks->len; i++)
    if (((Track *) g_ptr_array_index (self->tracks, i))->id == id)
      return (int) i;
  return -1;
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

/* ---- label lanes */

typedef enum
{
  LOOK_SOLID,        /* a person's label */
  LOOK_DASHED,       /* imported */
  LOOK_HATCHED,      /* propagated: pale, with stripes */
  LOOK_CROSSED,      /* not a face */
  LOOK_DOTTED,       /* unsure */
} Look;

/* GNOME's light 4, light 5 and dark 3 grays */
static const GdkRGBA gray_light = { 0xc0 / 255.f, 0xbf / 255.f, 0xbc / 255.f, 1 };
static const GdkRGBA gray_mid = { 0x9a / 255.f, 0x99 / 255.f, 0x96 / 255.f, 1 };
static const GdkRGBA gray_dark = { 0x3d / 255.f, 0x38 / 255.f, 0x46 / 255.f, 1 };
static const GdkRGBA tick_red = { 0xe0 / 255.f, 0x1b / 255.f, 0x24 / 255.f, 1 };
static const GdkRGBA tick_edge = { 1, 1, 1, 1 };

static GdkRGBA
mix_white (const GdkRGBA *color,
           float          white)
{
  GdkRGBA c = *color;

  c.red += (1 - c.red) * white;
  c.green += (1 - c.green) * white;
  c.blue += (1 - c.blue) * white;
  return c;
}

/* The colour of class @label of the label map: the colour its name has in
 * the strips (the model's order), else that of its id. */
static void
label_color (TfTimeline *self,
             int         label,
             GdkRGBA    *color)
{
  const char *name = tf_label_map_label_name (self->labels, label);

  for (int k = 0; name != NULL && k < self->n_classes; k++)
    if (g_strcmp0 (self->names[k], name) == 0)
      {
        tf_widgets_class_color (k, color);
        return;
      }
  tf_widgets_class_color (label, color);
}

/* whether @label (a class of the label map) is another class than the
 * model's @predicted (of the strips), comparing names as the map does */
static gboolean
disagrees (TfTimeline *self,
           int         label,
           int         predicted)
{
  const char *name;

  if (label < 0 || predicted < 0 || predicted >= self->n_classes)
    return FALSE;
  name = tf_label_map_label_name (self->labels, label);
  if (name == NULL)
    return label != predicted;
  return g_strcmp0 (name, self->names[predicted]) != 0;
}

/* @look's tile (PATTERN wide, a lane high) in @ink, repeated over @rect */
static void
append_tile (GtkSnapshot           *snapshot,
             const graphene_rect_t *rect,
             Look                   look,
             const GdkRGBA         *ink)
{
  graphene_rect_t tile = GRAPHENE_RECT_INIT (0, rect->origin.y, PATTERN, LANE_H);
  cairo_t *cr;

  gtk_snapshot_push_repeat (snapshot, rect, &tile);
  if (look == LOOK_DASHED)
    {
      /* a gap of a third of the period, in the same colour lightened */
      gtk_snapshot_append_color (snapshot, ink, &GRAPHENE_RECT_INIT (PATTERN - 2, rect->origin.y, 2, LANE_H));
      gtk_snapshot_pop (snapshot);
      return;
    }
  cr = gtk_snapshot_append_cairo (snapshot, &tile);
  cairo_translate (cr, 0, rect->origin.y);
  gdk_cairo_set_source_rgba (cr, ink);
  if (look == LOOK_DOTTED)
    {
      cairo_rectangle (cr, 1, 1, 2, 2);
      cairo_rectangle (cr, 4, 5, 2, 2);
      cairo_rectangle (cr, 1, 9, 2, 2);
      cairo_fill (cr);
    }
  else
    {
      /* 45 degree stripes; those that leave the tile come back in through
       * its other side, so the tiles join */
      cairo_set_line_width (cr, 1.5);
      for (int k = -(LANE_H / PATTERN) - 1; k <= 1; k++)
        {
          cairo_move_to (cr, k * PATTERN, LANE_H);
          cairo_line_to (cr, k * PATTERN + LANE_H, 0);
          if (look == LOOK_CROSSED)
            {
              cairo_move_to (cr, k * PATTERN, 0);
              cairo_line_to (cr, k * PATTERN + LANE_H, LANE_H);
            }
        }
      cairo_stroke (cr);
    }
  cairo_destroy (cr);
  gtk_snapshot_pop (snapshot);
}

static void
append_lane_run (TfTimeline       *self,
                 GtkSnapshot      *snapshot,
                 int               label,
                 TfLabelMapSource  source,
                 float             x,
                 float             w,
                 float             y)
{
  graphene_rect_t rect = GRAPHENE_RECT_INIT (x, y, w, LANE_H);
  GdkRGBA color, pale;

  if (label == TF_LABEL_MAP_NOT_A_FACE)
    {
      gtk_snapshot_append_color (snapshot, &gray_mid, &rect);
      append_tile (snapshot, &rect, LOOK_CROSSED, &gray_dark);
      return;
    }
  if (label == TF_LABEL_MAP_UNSURE)
    {
      gtk_snapshot_append_color (snapshot, &gray_light, &rect);
      append_tile (snapshot, &rect, LOOK_DOTTED, &gray_dark);
      return;
    }
  label_color (self, label, &color);
  switch (source)
    {
    case TF_LABEL_MAP_FROM_IMPORTED:
      gtk_snapshot_append_color (snapshot, &color, &rect);
      pale = mix_white (&color, 0.65f);
      append_tile (snapshot, &rect, LOOK_DASHED, &pale);
      break;
    case TF_LABEL_MAP_FROM_PROPAGATED:
      pale = mix_white (&color, 0.7f);
      gtk_snapshot_append_color (snapshot, &pale, &rect);
      append_tile (snapshot, &rect, LOOK_HATCHED, &color);
      break;
    case TF_LABEL_MAP_FROM_PERSON:
    default:
      gtk_snapshot_append_color (snapshot, &color, &rect);
      break;
    }
}

/* The label lane of @t at @y: runs of equal labels, then the ticks where a
 * label disagrees with the prediction (one per pixel column at most). */
static void
snapshot_lane (TfTimeline   *self,
               GtkSnapshot  *snapshot,
               Track        *t,
               const Layout *l,
               float         y)
{
  double px_per_s = (l->x1 - l->x0) / effective_duration (self);
  guint n = t->times->len;
  g_autoptr (GArray) ticks = g_array_new (FALSE, FALSE, sizeof (float));
  int run_label = TF_LABEL_MAP_NONE;
  TfLabelMapSource run_source = TF_LABEL_MAP_FROM_PERSON;
  double run_t0 = 0, run_t1 = 0;

  for (guint i = 0; i <= n; i++)
    {
      int label = TF_LABEL_MAP_NONE;
      TfLabelMapSource source = TF_LABEL_MAP_FROM_PERSON;
      double t0 = 0, t1 = 0;

      if (i < n)
        {
          gint64 face_id = g_array_index (t->face_ids, gint64, i);

          t0 = g_array_index (t->times, double, i);
          label = tf_label_map_lookup (self->labels, face_id, &source);
          /* the label holds until the next point, or an interval after
           * the last before a gap */
          if (i + 1 < n && g_array_index (t->times, double, i + 1) - t0 <= HOLD_S)
            t1 = g_array_index (t->times, double, i + 1);
          else if (i > 0 && t0 - g_array_index (t->times, double, i - 1) <= HOLD_S)
            t1 = t0 + (t0 - g_array_index (t->times, double, i - 1));
          else
            t1 = t0;
          if (disagrees (self, label, g_array_index (t->predicted, int, i)))
            {
              float x = roundf (l->x0 + (float) (t0 * px_per_s));

              if (ticks->len == 0 || g_array_index (ticks, float, ticks->len - 1) != x)
                g_array_append_val (ticks, x);
            }
        }
      if (run_label != TF_LABEL_MAP_NONE
          && (label != run_label || source != run_source || t0 != run_t1))
        {
          float xa = roundf (l->x0 + (float) (run_t0 * px_per_s));
          float xb = roundf (l->x0 + (float) (run_t1 * px_per_s));

          append_lane_run (self, snapshot, run_label, run_source, xa, MAX (xb - xa, 2.0f), y);
          run_label = TF_LABEL_MAP_NONE;
        }
      if (label == TF_LABEL_MAP_NONE)
        continue;
      if (run_label == TF_LABEL_MAP_NONE)
        {
          run_label = label;
          run_source = source;
          run_t0 = t0;
        }
      run_t1 = t1;
    }

  for (guint i = 0; i < ticks->len; i++)
    {
      float x = g_array_index (ticks, float, i);

      gtk_snapshot_append_color (snapshot, &tick_edge,
                                 &GRAPHENE_RECT_INIT (x - 2, y - TICK_OVER, 4, LANE_H + TICK_OVER));
      gtk_snapshot_append_color (snapshot, &tick_red,
                                 &GRAPHENE_RECT_INIT (x - 1, y - TICK_OVER, 2, LANE_H + TICK_OVER));
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
      g_autoptr (PangoLayout) layout = make_layout (self, tf_timeline_get_empty_text (self));
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
      float y = l->strips_y + i * (l->row_h + STRIP_GAP);
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
      if (self->labels != NULL)
        {
          float lane_y = y + STRIP_H + LANE_GAP;

          gtk_snapshot_append_color (snapshot, &back, &GRAPHENE_RECT_INIT (l->x0, lane_y, l->x1 - l->x0, LANE_H));
          snapshot_lane (self, snapshot, t, l, lane_y);
        }
    }

  /* the legend */
  {
    float x = 0, y = 0;

    for (int k = 0; k < self->n_classes; k++)
      {
        g_autoptr (PangoLayout) layout = make_layout (self, tf_class_display_name (self->names[k]));
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
  int index;

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

  /* the selected range: its track's strip and lane veiled, and framed */
  tf_widget_get_fg (widget, &fg);
  if (self->range_track >= 0 && (index = track_index (self, self->range_track)) >= 0)
    {
      float xa = roundf ((float) tf_timeline_time_to_x (self, self->range_t0));
      float xb = roundf ((float) tf_timeline_time_to_x (self, self->range_t1));
      float y = l.strips_y + index * (l.row_h + STRIP_GAP);
      GdkRGBA veil = tf_rgba_fade (&fg, 0.25f), edge = fg;
      const float widths[4] = { 2, 2, 2, 2 };
      GskRoundedRect frame;

      edge.alpha = 1;
      xb = MAX (xb, xa + 2);
      gtk_snapshot_append_color (snapshot, &veil, &GRAPHENE_RECT_INIT (xa, y, xb - xa, l.row_h));
      gsk_rounded_rect_init_from_rect (&frame, &GRAPHENE_RECT_INIT (xa - 2, y - 2, xb - xa + 4, l.row_h + 4), 0);
      gtk_snapshot_append_border (snapshot, &frame, widths, (const GdkRGBA[4]) { edge, edge, edge, edge });
    }

  /* the chosen track's row: its name on a tint of the accent colour, a
   * bar of it at the edge */
  if (self->selected >= 0 && (index = track_index (self, self->selected)) >= 0)
    {
      GdkRGBA accent = class_palette[0], tint = class_palette[0];
      float y = l.strips_y + index * (l.row_h + STRIP_GAP);

      tint.alpha = 0.18f;
      gtk_snapshot_append_color (snapshot, &tint, &GRAPHENE_RECT_INIT (0, y, MAX (l.x0 - 2, 3), l.row_h));
      gtk_snapshot_append_color (snapshot, &accent, &GRAPHENE_RECT_INIT (0, y, 3, l.row_h));
    }

  /* the cursor, over the strips and the axis; wider with the keyboard focus */
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
update_accessible_range (TfTimeline *self)
{
  int a, b;
  g_autofree char *face = NULL, *text = NULL;

  if (self->range_track < 0)
    {
      gtk_accessible_reset_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION);
      return;
    }
  a = (int) floor (self->range_t0);
  b = (int) ceil (self->range_t1);
  face = track_label (self->range_track);
  /* TRANSLATORS: the selected time range: a tracked face ("Face 2"), then
   * its start and end, minutes:seconds */
  text = g_strdup_printf (_("%s selected from %d:%02d to %d:%02d"), face, a / 60, a % 60, b / 60, b % 60);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, text,
                                  -1);
}

/* The range (track < 0: none), and the signals when it changed; a range
 * being dragged is shown unannounced, and announced once at the end. */
static void
select_range (TfTimeline *self,
              int         track,
              double      t0,
              double      t1,
              gboolean    announce)
{
  double duration = effective_duration (self);

  if (track >= 0 && track_index (self, track) < 0)
    track = -1;
  if (track < 0)
    {
      if (self->range_track < 0)
        return;
      self->range_track = -1;
      gtk_widget_action_set_enabled (GTK_WIDGET (self), "timeline.clear-range", FALSE);
      update_accessible_range (self);
      gtk_widget_queue_draw (GTK_WIDGET (self));
      g_signal_emit (self, signals[RANGE_CLEARED], 0);
      return;
    }
  t0 = CLAMP (t0, 0.0, duration);
  t1 = CLAMP (t1, 0.0, duration);
  if (t1 < t0)
    {
      double swap = t0;

      t0 = t1;
      t1 = swap;
    }
  if (track == self->range_track && t0 == self->range_t0 && t1 == self->range_t1
      && (self->range_told || !announce))
    return;
  self->range_track = track;
  self->range_t0 = t0;
  self->range_t1 = t1;
  self->range_told = announce;
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "timeline.clear-range", TRUE);
  update_accessible_range (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
  if (announce)
    g_signal_emit (self, signals[RANGE_SELECTED], 0, track, t0, t1);
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

/* A drag that starts in a label lane, or with Shift on a track, selects a
 * range of that track (a click in a lane clears it and seeks); any other
 * seeks. The signal is emitted when the drag ends, not at every step. */
static void
on_drag_begin_cb (GtkGestureDrag *gesture,
                  double          x,
                  double          y,
                  TfTimeline     *self)
{
  GdkModifierType state = gtk_event_controller_get_current_event_state (GTK_EVENT_CONTROLLER (gesture));
  gboolean in_lane;
  Layout l;
  int index;

  gtk_widget_grab_focus (GTK_WIDGET (self));
  self->drag_x = x;
  self->drag_moved = FALSE;
  compute_layout (self, gtk_widget_get_width (GTK_WIDGET (self)), &l);
  index = row_at (self, &l, y, &in_lane);
  if (index >= 0)
    g_signal_emit (self, signals[TRACK_CHOSEN], 0, ((Track *) g_ptr_array_index (self->tracks, index))->id);
  self->drag_range = index >= 0 && (in_lane || (state & GDK_SHIFT_MASK) != 0);
  if (self->drag_range)
    self->drag_track = ((Track *) g_ptr_array_index (self->tracks, index))->id;
  else
    tf_timeline_seek_to_x (self, x);
}

static void
on_drag_update_cb (GtkGestureDrag *gesture,
                   double          dx,
                   double          dy,
                   TfTimeline     *self)
{
  Layout l;

  (void) gesture;
  (void) dy;

  if (!self->drag_range)
    {
      tf_timeline_seek_to_x (self, self->drag_x + dx);
      return;
    }
  if (!self->drag_moved && fabs (dx) < MIN_RANGE_PX)
    return;
  /* shown as it grows; told once, at the end */
  compute_layout (self, gtk_widget_get_width (GTK_WIDGET (self)), &l);
  self->drag_moved = TRUE;
  select_range (self, self->drag_track, x_to_time (self, &l, self->drag_x),
                x_to_time (self, &l, self->drag_x + dx), FALSE);
}

static void
on_drag_end_cb (GtkGestureDrag *gesture,
                double          dx,
                double          dy,
                TfTimeline     *self)
{
  Layout l;

  (void) gesture;
  (void) dy;

  if (!self->drag_range)
    return;
  self->drag_range = FALSE;
  if (!self->drag_moved && fabs (dx) < MIN_RANGE_PX)
    {
      select_range (self, -1, 0, 0, TRUE);
      tf_timeline_seek_to_x (self, self->drag_x);
      return;
    }
  compute_layout (self, gtk_widget_get_width (GTK_WIDGET (self)), &l);
  select_range (self, self->drag_track, x_to_time (self, &l, self->drag_x),
                x_to_time (self, &l, self->drag_x + dx), TRUE);
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
clear_range_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  (void) action_name;
  (void) parameter;
  select_range (TF_TIMELINE (widget), -1, 0, 0, TRUE);
}

static void
on_labels_changed_cb (TfLabelMap *map,
                      gint64      face_id,
                      TfTimeline *self)
{
  (void) map;
  (void) face_id;
  invalidate (self, FALSE);
}

static void
tf_timeline_dispose (GObject *object)
{
  TfTimeline *self = TF_TIMELINE (object);

  g_clear_pointer (&self->strips, gsk_render_node_unref);
  if (self->labels != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->labels, self);
      g_clear_object (&self->labels);
    }

  G_OBJECT_CLASS (tf_timeline_parent_class)->dispose (object);
}

static void
tf_timeline_finalize (GObject *object)
{
  TfTimeline *self = TF_TIMELINE (object);

  g_strfreev (self->names);
  g_free (self->empty_text);
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

  /**
   * TfTimeline::track-chosen:
   * @track: the track's id
   *
   * The person pressed on a track's row (its strip or its lane), before
   * the "seek" or range the press goes on to.
   */
  signals[TRACK_CHOSEN] = g_signal_new ("track-chosen",
                                        G_TYPE_FROM_CLASS (klass),
                                        G_SIGNAL_RUN_LAST,
                                        0, NULL, NULL, NULL,
                                        G_TYPE_NONE, 1, G_TYPE_INT);

  /**
   * TfTimeline::range-selected:
   * @track: the track's id
   * @t0: the range's start (seconds)
   * @t1: its end, not before @t0
   *
   * A time range of a track was selected (a drag ended, or
   * tf_timeline_set_range).
   */
  signals[RANGE_SELECTED] = g_signal_new ("range-selected",
                                          G_TYPE_FROM_CLASS (klass),
                                          G_SIGNAL_RUN_LAST,
                                          0, NULL, NULL, NULL,
                                          G_TYPE_NONE, 3, G_TYPE_INT, G_TYPE_DOUBLE, G_TYPE_DOUBLE);

  /**
   * TfTimeline::range-cleared:
   *
   * The selected range is gone (Escape, a click in a lane, clearing).
   */
  signals[RANGE_CLEARED] = g_signal_new ("range-cleared",
                                         G_TYPE_FROM_CLASS (klass),
                                         G_SIGNAL_RUN_LAST,
                                         0, NULL, NULL, NULL,
                                         G_TYPE_NONE, 0);

  gtk_widget_class_install_action (widget_class, "timeline.step", "d", step_action);
  gtk_widget_class_install_action (widget_class, "timeline.clear-range", NULL, clear_range_action);
  gtk_widget_class_install_action (widget_class, "timeline.jump", "b", jump_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Left, 0, "timeline.step", "d", -1.0);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Left, 0, "timeline.step", "d", -1.0);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Right, 0, "timeline.step", "d", 1.0);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Right, 0, "timeline.step", "d", 1.0);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Home, 0, "timeline.jump", "b", FALSE);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_End, 0, "timeline.jump", "b", TRUE);
  /* enabled only while there is a range: Escape goes on to others otherwise */
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "timeline.clear-range", NULL);

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
  self->range_track = -1;
  self->selected = -1;

  gtk_widget_set_focusable (GTK_WIDGET (self), TRUE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "timeline.clear-range", FALSE);
  g_signal_connect (drag, "drag-begin", G_CALLBACK (on_drag_begin_cb), self);
  g_signal_connect (drag, "drag-update", G_CALLBACK (on_drag_update_cb), self);
  g_signal_connect (drag, "drag-end", G_CALLBACK (on_drag_end_cb), self);
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
    {
      select_range (self, -1, 0, 0, TRUE);
      g_ptr_array_set_size (self->tracks, 0);
    }
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

  select_range (self, -1, 0, 0, TRUE);
  g_ptr_array_set_size (self->tracks, 0);
  self->position = 0;
  update_accessible (self);
  invalidate (self, TRUE);
}

static int
argmax (const float *probs,
        int          n)
{
  int best = n > 0 ? 0 : -1;

  for (int k = 1; k < n; k++)
    if (probs[k] > probs[best])
      best = k;
  return best;
}

static void
add_entry (TfTimeline  *self,
           int          track,
           double       time_s,
           const float *probs,
           gint64       face_id,
           int          predicted)
{
  Track *t = NULL;
  guint at;

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
      t->face_ids = g_array_new (FALSE, FALSE, sizeof (gint64));
      t->predicted = g_array_new (FALSE, FALSE, sizeof (int));
      g_ptr_array_add (self->tracks, t);
      gtk_widget_queue_resize (GTK_WIDGET (self));
    }
  /* times increase per track (drawing searches them); a point out of order
   * is put in its place */
  if (t->times->len == 0 || time_s >= g_array_index (t->times, double, t->times->len - 1))
    at = t->times->len;
  else
    at = lower_bound (t->times, time_s);
  g_array_insert_val (t->times, at, time_s);
  g_array_insert_val (t->face_ids, at, face_id);
  g_array_insert_val (t->predicted, at, predicted);
  if (self->n_classes > 0)
    g_array_insert_vals (t->probs, at * self->n_classes, probs, self->n_classes);
  invalidate (self, FALSE);
}

void
tf_timeline_add_point (TfTimeline  *self,
                       int          track,
                       double       time_s,
                       const float *probs)
{
  g_return_if_fail (TF_IS_TIMELINE (self));
  g_return_if_fail (probs != NULL || self->n_classes == 0);

  add_entry (self, track, time_s, probs, 0, argmax (probs, self->n_classes));
}

/* A probe of another number of classes than the strips (or none) draws no
 * probabilities; its label still shows. */
void
tf_timeline_add_face (TfTimeline        *self,
                      const TfFaceProbe *probe)
{
  g_autofree float *none = NULL;
  const float *probs;
  int predicted;

  g_return_if_fail (TF_IS_TIMELINE (self));
  g_return_if_fail (probe != NULL);

  probs = probe->probs;
  predicted = probe->predicted;
  if (probs == NULL || probe->classes != self->n_classes)
    {
      probs = none = g_new0 (float, MAX (self->n_classes, 1));
      predicted = -1;
    }
  if (predicted >= self->n_classes)
    predicted = -1;
  add_entry (self, probe->track, probe->time_s, probs, probe->face_id, predicted);
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

void
tf_timeline_set_label_map (TfTimeline *self,
                           TfLabelMap *map)
{
  g_return_if_fail (TF_IS_TIMELINE (self));
  g_return_if_fail (map == NULL || TF_IS_LABEL_MAP (map));

  if (map == self->labels)
    return;
  if (self->labels != NULL)
    g_signal_handlers_disconnect_by_data (self->labels, self);
  g_set_object (&self->labels, map);
  if (map != NULL)
    g_signal_connect (map, "changed", G_CALLBACK (on_labels_changed_cb), self);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self),
                               map != NULL
                               ? _("Class probabilities of each tracked face over time, and under each "
                                   "the labels given. Click or drag to seek; drag in a label lane, or "
                                   "Shift+drag, to select a time range; Left and Right move by a second.")
                               : _("Class probabilities of each tracked face over time. "
                                   "Click or drag to seek; Left and Right move by a second."));
  invalidate (self, TRUE);
}

gboolean
tf_timeline_get_range (TfTimeline *self,
                       int        *track,
                       double     *t0,
                       double     *t1)
{
  g_return_val_if_fail (TF_IS_TIMELINE (self), FALSE);

  if (self->range_track < 0)
    return FALSE;
  if (track)
    *track = self->range_track;
  if (t0)
    *t0 = self->range_t0;
  if (t1)
    *t1 = self->range_t1;
  return TRUE;
}

void
tf_timeline_set_range (TfTimeline *self,
                       int         track,
                       double      t0,
                       double      t1)
{
  g_return_if_fail (TF_IS_TIMELINE (self));

  if (!isfinite (t0) || !isfinite (t1))
    track = -1;
  select_range (self, track, t0, t1, TRUE);
}

double
tf_timeline_find_label_change (TfTimeline *self,
                               int         track,
                               double      from_s,
                               int         direction)
{
  Track *t;
  int index;
  guint n;

  g_return_val_if_fail (TF_IS_TIMELINE (self), -1);

  index = track_index (self, track);
  if (index < 0 || self->labels == NULL || direction == 0 || !isfinite (from_s))
    return -1;
  t = g_ptr_array_index (self->tracks, index);
  n = t->times->len;

#define LABEL_AT(i) tf_label_map_lookup (self->labels, g_array_index (t->face_ids, gint64, (i)), NULL)
  if (direction > 0)
    {
      /* the first point strictly after from_s */
      guint i = lower_bound (t->times, from_s);

      while (i < n && g_array_index (t->times, double, i) <= from_s)
        i++;
      for (i = MAX (i, 1); i < n; i++)
        if (LABEL_AT (i) != LABEL_AT (i - 1))
          return g_array_index (t->times, double, i);
    }
  else
    {
      /* the last point strictly before from_s */
      guint end = lower_bound (t->times, from_s);

      for (guint i = end; i-- > 1;)
        if (LABEL_AT (i) != LABEL_AT (i - 1))
          return g_array_index (t->times, double, i);
    }
#undef LABEL_AT
  return -1;
}

void
tf_timeline_set_empty_text (TfTimeline *self,
                            const char *text)
{
  g_return_if_fail (TF_IS_TIMELINE (self));

  if (g_strcmp0 (text, self->empty_text) == 0)
    return;
  g_free (self->empty_text);
  self->empty_text = g_strdup (text);
  invalidate (self, FALSE);
}

const char *
tf_timeline_get_empty_text (TfTimeline *self)
{
  g_return_val_if_fail (TF_IS_TIMELINE (self), NULL);

  return self->empty_text ? self->empty_text : _("No faces tracked yet");
}

void
tf_timeline_set_selected_track (TfTimeline *self,
                                int         track)
{
  g_return_if_fail (TF_IS_TIMELINE (self));

  if (track == self->selected)
    return;
  self->selected = track;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

int
tf_timeline_get_selected_track (TfTimeline *self)
{
  g_return_val_if_fail (TF_IS_TIMELINE (self), -1);

  return self->selected;
}
