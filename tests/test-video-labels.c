/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Labels over time and over the video, under a real display (Xvfb, GSK's
 * cairo renderer): the timeline's label lanes, range selection and label
 * changes, and the video view's boxes, clicks, drawn boxes and jumps, fed
 * with synthetic faces and a TfLabelMap (the video is made with GStreamer
 * at test time; its faces are made up). Pointer input is emitted on the
 * widgets' own gestures, so their handlers run as they do for the pointer,
 * and where XTest is there the same drags and clicks are also made with
 * the X server's pointer (Shift+drag included), through GTK's own event
 * handling; keys go through the shortcuts bound to them. Pictures are
 * saved next to the test binary (their paths are in the log). */
#include <adwaita.h>
#include <math.h>
#include <string.h>
#ifdef HAVE_XTEST
#include <gdk/x11/gdkx.h>
#include <X11/extensions/XTest.h>
#endif

#include "tf-test-gst.h"
#include "tf-test-gtk.h"
#include <glib/gstdio.h>
#include "tf-video-view.h"
#include "tf-widgets.h"
#include "tf-widgets-private.h"

#define CLASSES 3
#define POINTS  30          /* per track, every 0.1 s */
#define ANGER   0
#define HAPPY   1
#define NEUTRAL 2

static const char *class_names[] = { "anger", "happiness", "neutral", NULL };

/* ---- fixtures */

/* Track 1 (face ids 100 + i): predicted happiness before 1.5 s, anger from
 * then on; labelled happiness by a person (0-0.9 s), anger by propagation
 * (1.0-1.9 s: it disagrees until 1.4 s), then not at all. Track 2 (200 + i,
 * until 2.4 s): predicted neutral; not a face (0-0.4 s), unsure (0.5-0.9 s),
 * neutral imported (1.0-1.9 s), anger by a person (2.0-2.4 s: disagrees). */
static TfFaceProbe *
make_probe (int track,
            int i)
{
  TfFaceProbe *p = tf_face_probe_new ();
  int predicted = track == 1 ? (i < 15 ? HAPPY : ANGER) : NEUTRAL;

  p->face_id = track * 100 + i;
  p->file = g_strdup ("synthetic.webm");
  p->frame = i;
  p->time_s = i * 0.1;
  p->track = track;
  if (track == 1)
    memcpy (p->box, (const float[]) { 40, 40, 80, 80 }, sizeof p->box);
  else
    memcpy (p->box, (const float[]) { 200, 100, 60, 60 }, sizeof p->box);
  p->score = 0.9f;
  p->classes = CLASSES;
  p->class_names = g_strdupv ((char **) class_names);
  p->probs = g_new0 (float, CLASSES);
  for (int k = 0; k < CLASSES; k++)
    p->probs[k] = k == predicted ? 0.8f : 0.1f;
  p->predicted = predicted;
  return p;
}

static void
label_faces (TfLabelMap *map)
{
  tf_label_map_set_classes (map, class_names);
  for (int i = 0; i < POINTS; i++)
    {
      if (i < 10)
        tf_label_map_set (map, 100 + i, HAPPY, TF_LABEL_MAP_FROM_PERSON);
      else if (i < 20)
        tf_label_map_set (map, 100 + i, ANGER, TF_LABEL_MAP_FROM_PROPAGATED);
      if (i < 5)
        tf_label_map_set (map, 200 + i, TF_LABEL_MAP_NOT_A_FACE, TF_LABEL_MAP_FROM_PERSON);
      else if (i < 10)
        tf_label_map_set (map, 200 + i, TF_LABEL_MAP_UNSURE, TF_LABEL_MAP_FROM_PERSON);
      else if (i < 20)
        tf_label_map_set (map, 200 + i, NEUTRAL, TF_LABEL_MAP_FROM_IMPORTED);
      else if (i < 25)
        tf_label_map_set (map, 200 + i, ANGER, TF_LABEL_MAP_FROM_PERSON);
    }
}

/* ---- showing and rendering (tf-test-gtk.h) */

static const GdkRGBA white = { 1, 1, 1, 1 };

/* @widget as its parent draws it, over white, by its window's renderer;
 * saved as @name.png */
static TfTestImage *
render (GtkWidget  *widget,
        const char *name)
{
  return tf_test_render (widget, name, &white);
}

static void
class_rgb (int k,
           int rgb[3])
{
  GdkRGBA c;

  tf_widgets_class_color (k, &c);
  tf_test_rgba_to_rgb (&c, rgb);
}

static void
assert_near (const int   got[3],
             const int   want[3],
             int         tolerance,
             const char *what)
{
  if (tf_test_distance (got, want) > tolerance)
    g_error ("%s: got (%d, %d, %d), want (%d, %d, %d) within %d", what,
             got[0], got[1], got[2], want[0], want[1], want[2], tolerance);
}

/* Over @n pixels of row @y from @x: the mean colour, and the largest
 * distance of a pixel from the first (how patterned the row is). */
static int
row_stats (const TfTestImage *image,
           double       x,
           double       y,
           int          n,
           double       mean[3])
{
  int first[3], got[3], spread = 0;

  tf_test_pixel (image, x, y, first);
  mean[0] = mean[1] = mean[2] = 0;
  for (int i = 0; i < n; i++)
    {
      tf_test_pixel (image, x + i, y, got);
      for (int c = 0; c < 3; c++)
        mean[c] += got[c] / (double) n;
      spread = MAX (spread, tf_test_distance (got, first));
    }
  return spread;
}

/* whether some pixel of row @y within @radius of @x is near @want */
static gboolean
row_has (const TfTestImage *image,
         double       x,
         double       y,
         int          radius,
         const int    want[3],
         int          tolerance)
{
  int got[3];

  for (int dx = -radius; dx <= radius; dx++)
    {
      tf_test_pixel (image, x + dx, y, got);
      if (tf_test_distance (got, want) <= tolerance)
        return TRUE;
    }
  return FALSE;
}

/* ---- the X server's pointer */

#ifdef HAVE_XTEST
/* A press at (@x, @y) in @widget, a move by (@dx, @dy) in steps, a
 * release, with the X server's pointer (Shift held when @shift); then the
 * main loop runs until @done holds. */
static void
x11_drag (GtkWidget *widget,
          double     x,
          double     y,
          double     dx,
          double     dy,
          gboolean   shift,
          gboolean (*done) (gpointer),
          gpointer   data)
{
  Display *xd = gdk_x11_display_get_xdisplay (gtk_widget_get_display (widget));
  KeyCode shift_code = XKeysymToKeycode (xd, GDK_KEY_Shift_L);
  int rx, ry;

  tf_test_x11_point (widget, x, y, &rx, &ry);
  XTestFakeMotionEvent (xd, -1, rx, ry, CurrentTime);
  if (shift)
    XTestFakeKeyEvent (xd, shift_code, True, CurrentTime);
  XTestFakeButtonEvent (xd, 1, True, CurrentTime);
  for (int step = 1; step <= 8; step++)
    XTestFakeMotionEvent (xd, -1, rx + (int) lround (dx * step / 8), ry + (int) lround (dy * step / 8),
                          CurrentTime);
  XTestFakeButtonEvent (xd, 1, False, CurrentTime);
  if (shift)
    XTestFakeKeyEvent (xd, shift_code, False, CurrentTime);
  XSync (xd, False);
  tf_test_run_until (done, data, 10);
}

/* @keyval typed on the X server's keyboard, into @widget's window */
static void
x11_key (GtkWidget *widget,
         guint      keyval,
         gboolean (*done) (gpointer),
         gpointer   data)
{
  Display *xd = gdk_x11_display_get_xdisplay (gtk_widget_get_display (widget));

  tf_test_x11_key (widget, keyval, 0);
  XSync (xd, False);
  tf_test_run_until (done, data, 10);
}

static gboolean
not_drawing (gpointer view)
{
  return !tf_video_view_get_drawing (view);
}
#endif

/* ---- what the signals said */

typedef struct
{
  int     selected, cleared, seeks;
  int     track;
  double  t0, t1;
} RangeLog;

static void
on_range_selected_cb (TfTimeline *timeline,
                      int         track,
                      double      t0,
                      double      t1,
                      RangeLog   *log)
{
  (void) timeline;
  log->selected++;
  log->track = track;
  log->t0 = t0;
  log->t1 = t1;
}

static void
on_range_cleared_cb (TfTimeline *timeline,
                     RangeLog   *log)
{
  (void) timeline;
  log->cleared++;
}

static void
on_seek_cb (TfTimeline *timeline,
            double      seconds,
            RangeLog   *log)
{
  (void) timeline;
  (void) seconds;
  log->seeks++;
}

/* the main loop ran until *counter went past above */
typedef struct
{
  int *counter;
  int  above;
} Count;

static gboolean
counted (gpointer data)
{
  Count *c = data;

  return *c->counter > c->above;
}

static double wanted_position;

static gboolean
at_wanted_position (gpointer timeline)
{
  return fabs (tf_timeline_get_position (timeline) - wanted_position) < 0.02;
}

/* ---- the timeline alone */

static void
test_timeline_labels (void)
{
  GtkWidget *widget = tf_timeline_new ();
  TfTimeline *timeline = TF_TIMELINE (widget);
  g_autoptr (TfLabelMap) map = tf_label_map_new ();
  RangeLog log = { 0 };
  GtkWidget *window;
  double top, height, strip_top, strip_h, lane1, lane2, per_px, t0, t1;
  int track, want[3], got[3];

  tf_timeline_set_classes (timeline, class_names, CLASSES);
  tf_timeline_set_duration (timeline, 3.0);
  for (int i = 0; i < POINTS; i++)
    {
      g_autoptr (TfFaceProbe) one = make_probe (1, i);
      g_autoptr (TfFaceProbe) two = make_probe (2, i);

      tf_timeline_add_face (timeline, one);
      if (i < 25)
        tf_timeline_add_face (timeline, two);
    }
  g_signal_connect (timeline, "range-selected", G_CALLBACK (on_range_selected_cb), &log);
  g_signal_connect (timeline, "range-cleared", G_CALLBACK (on_range_cleared_cb), &log);
  g_signal_connect (timeline, "seek", G_CALLBACK (on_seek_cb), &log);
  window = tf_test_show (widget, 800, 240);

  /* no label map: no lanes, and nothing to jump to */
  g_assert_false (tf_timeline_lane_span (timeline, 0, &top, &height));
  g_assert_cmpfloat (tf_timeline_find_label_change (timeline, 1, 0, 1), ==, -1);

  label_faces (map);
  tf_timeline_set_label_map (timeline, map);
  tf_test_settle_frames ();
  g_assert_true (tf_timeline_lane_span (timeline, 0, &top, &height));
  g_assert_true (tf_timeline_strip_span (timeline, 0, &strip_top, &strip_h));
  g_assert_cmpfloat (top, >=, strip_top + strip_h);   /* under its strip */
  lane1 = top + height / 2;
  g_assert_true (tf_timeline_lane_span (timeline, 1, &top, &height));
  lane2 = top + height / 2;
  g_assert_cmpfloat (lane2, >, lane1);
  g_assert_false (tf_timeline_lane_span (timeline, 2, &top, &height));
  per_px = 3.0 / (tf_timeline_time_to_x (timeline, 3) - tf_timeline_time_to_x (timeline, 0));

  /* label changes of track 1: happiness -> anger at 1.0 s, -> none at 2.0 s */
  g_assert_cmpfloat (tf_timeline_find_label_change (timeline, 1, 0, 1), ==, 10 * 0.1);
  g_assert_cmpfloat (tf_timeline_find_label_change (timeline, 1, -1, 1), ==, 10 * 0.1);
  g_assert_cmpfloat (tf_timeline_find_label_change (timeline, 1, 10 * 0.1, 1), ==, 20 * 0.1);
  g_assert_cmpfloat (tf_timeline_find_label_change (timeline, 1, 20 * 0.1, 1), ==, -1);
  g_assert_cmpfloat (tf_timeline_find_label_change (timeline, 1, 3.0, -1), ==, 20 * 0.1);
  g_assert_cmpfloat (tf_timeline_find_label_change (timeline, 1, 20 * 0.1, -1), ==, 10 * 0.1);
  g_assert_cmpfloat (tf_timeline_find_label_change (timeline, 1, 10 * 0.1, -1), ==, -1);
  g_assert_cmpfloat (tf_timeline_find_label_change (timeline, 1, 0, -1), ==, -1);
  /* track 2 changes at 0.5, 1.0, 2.0 s, and ends labelled: nothing after */
  g_assert_cmpfloat (tf_timeline_find_label_change (timeline, 2, 0.3, 1), ==, 5 * 0.1);
  g_assert_cmpfloat (tf_timeline_find_label_change (timeline, 2, 1.5, 1), ==, 20 * 0.1);
  g_assert_cmpfloat (tf_timeline_find_label_change (timeline, 2, 20 * 0.1, 1), ==, -1);
  g_assert_cmpfloat (tf_timeline_find_label_change (timeline, 7, 0, 1), ==, -1);   /* no such track */
  /* a label given now moves the next change */
  tf_label_map_set (map, 105, ANGER, TF_LABEL_MAP_FROM_PERSON);
  g_assert_cmpfloat (tf_timeline_find_label_change (timeline, 1, 0, 1), ==, 5 * 0.1);
  g_assert_cmpfloat (tf_timeline_find_label_change (timeline, 1, 5 * 0.1, 1), ==, 6 * 0.1);
  tf_label_map_set (map, 105, HAPPY, TF_LABEL_MAP_FROM_PERSON);
  g_assert_cmpfloat (tf_timeline_find_label_change (timeline, 1, 0, 1), ==, 10 * 0.1);

  /* the lanes as drawn */
  {
    g_autoptr (TfTestImage) image = render (widget, "video-labels-timeline");
    double mean[3];
    int red[3] = { 0xe0, 0x1b, 0x24 }, pale_anger[3], spread;
    GdkRGBA c;

    /* a person's happiness: solid, the class colour */
    class_rgb (HAPPY, want);
    tf_test_pixel (image, tf_timeline_time_to_x (timeline, 0.55), lane1, got);
    assert_near (got, want, 2, "track 1 labelled happiness at 0.55 s");
    /* unlabelled from 2.0 s: the empty lane, no class colour */
    tf_test_pixel (image, tf_timeline_time_to_x (timeline, 2.55), lane1, got);
    for (int k = 0; k < CLASSES; k++)
      {
        class_rgb (k, want);
        g_assert_cmpint (tf_test_distance (got, want), >, 60);
      }
    g_assert_cmpint (MIN (got[0], MIN (got[1], got[2])), >, 200);    /* light, like the strip's ground */
    /* a disagreement at 1.2 s (anger over a happiness prediction): a red tick */
    g_assert_true (row_has (image, tf_timeline_time_to_x (timeline, 1.2), lane1, 2, red, 8));
    /* and none where they agree (1.7 s: anger predicted) */
    g_assert_false (row_has (image, tf_timeline_time_to_x (timeline, 1.7), lane1, 2, red, 40));
    /* propagated anger, 1.5-1.9 s: pale with stripes in the class colour */
    tf_widgets_class_color (ANGER, &c);
    c.red += (1 - c.red) * 0.7f;
    c.green += (1 - c.green) * 0.7f;
    c.blue += (1 - c.blue) * 0.7f;
    tf_test_rgba_to_rgb (&c, pale_anger);
    class_rgb (ANGER, want);
    spread = row_stats (image, tf_timeline_time_to_x (timeline, 1.55), lane1, 24, mean);
    g_test_message ("propagated: mean (%.0f, %.0f, %.0f), spread %d", mean[0], mean[1], mean[2], spread);
    g_assert_cmpint (spread, >, 40);
    g_assert_cmpfloat (mean[2], >, mean[0] + 30);                      /* blue, as anger is */
    g_assert_true (row_has (image, tf_timeline_time_to_x (timeline, 1.6), lane1, 6, pale_anger, 6));
    /* imported neutral, 1.0-1.9 s of track 2: the colour, dashed */
    class_rgb (NEUTRAL, want);
    spread = row_stats (image, tf_timeline_time_to_x (timeline, 1.3), lane2, 24, mean);
    g_assert_cmpint (spread, >, 40);
    g_assert_true (row_has (image, tf_timeline_time_to_x (timeline, 1.4), lane2, 6, want, 2));
    /* not a face (0-0.4 s) and unsure (0.5-0.9 s): gray, patterned */
    spread = row_stats (image, tf_timeline_time_to_x (timeline, 0.1), lane2, 24, mean);
    g_test_message ("not a face: mean (%.0f, %.0f, %.0f), spread %d", mean[0], mean[1], mean[2], spread);
    g_assert_cmpint (spread, >, 40);
    g_assert_cmpfloat (fabs (mean[0] - mean[2]), <, 16);
    g_assert_cmpfloat (fabs (mean[1] - mean[2]), <, 16);
    spread = row_stats (image, tf_timeline_time_to_x (timeline, 0.6), lane2, 24, mean);
    g_assert_cmpint (spread, >, 40);
    g_assert_cmpfloat (fabs (mean[0] - mean[2]), <, 16);
    /* a person's anger over a neutral prediction at 2.2 s: tick */
    g_assert_true (row_has (image, tf_timeline_time_to_x (timeline, 2.2), lane2, 2, red, 8));
    /* the strip above is still the probabilities: track 1 at 0.55 s is
     * mostly happiness at mid-height */
    g_assert_true (tf_timeline_strip_span (timeline, 0, &top, &height));
    class_rgb (HAPPY, want);
    tf_test_pixel (image, tf_timeline_time_to_x (timeline, 0.55), top + height / 2, got);
    assert_near (got, want, 2, "track 1's strip at 0.55 s");
  }

  /* a range set: ordered, clamped, announced once */
  tf_timeline_set_range (timeline, 1, 1.25, 0.45);
  g_assert_cmpint (log.selected, ==, 1);
  g_assert_true (tf_timeline_get_range (timeline, &track, &t0, &t1));
  g_assert_cmpint (track, ==, 1);
  g_assert_cmpfloat (t0, ==, 0.45);
  g_assert_cmpfloat (t1, ==, 1.25);
  g_assert_cmpint (log.track, ==, 1);
  g_assert_cmpfloat (log.t0, ==, 0.45);
  tf_timeline_set_range (timeline, 1, 0.45, 1.25);            /* the same: not again */
  g_assert_cmpint (log.selected, ==, 1);
  tf_timeline_set_range (timeline, 2, -5, 99);
  g_assert_true (tf_timeline_get_range (timeline, &track, &t0, &t1));
  g_assert_cmpint (track, ==, 2);
  g_assert_cmpfloat (t0, ==, 0);
  g_assert_cmpfloat (t1, ==, 3);
  tf_timeline_set_range (timeline, 9, 1, 2);                  /* no such track: cleared */
  g_assert_false (tf_timeline_get_range (timeline, NULL, NULL, NULL));
  g_assert_cmpint (log.cleared, ==, 1);
  tf_timeline_set_range (timeline, -1, 0, 0);                 /* already none */
  g_assert_cmpint (log.cleared, ==, 1);
  /* Escape clears it; without a range Escape goes on to others */
  tf_timeline_set_range (timeline, 1, 0.5, 1.0);
  g_assert_true (tf_test_activate_shortcut (widget, GDK_KEY_Escape));
  g_assert_false (tf_timeline_get_range (timeline, NULL, NULL, NULL));
  g_assert_cmpint (log.cleared, ==, 2);
  g_assert_false (tf_test_activate_shortcut (widget, GDK_KEY_Escape));
  g_assert_cmpint (log.cleared, ==, 2);

  /* a drag in track 1's lane selects, told once at the end; it does not seek */
  log = (RangeLog) { 0 };
  tf_timeline_set_position (timeline, 2.0);
  {
    double xa = tf_timeline_time_to_x (timeline, 0.45), xb = tf_timeline_time_to_x (timeline, 1.25);
    GtkGesture *gesture = tf_test_find_controller (widget, GTK_TYPE_GESTURE_DRAG);

    g_signal_emit_by_name (gesture, "drag-begin", xa, lane1);
    g_signal_emit_by_name (gesture, "drag-update", (xb - xa) / 2, 1.0);
    /* shown while it grows */
    g_assert_true (tf_timeline_get_range (timeline, &track, &t0, &t1));
    g_assert_cmpint (log.selected, ==, 0);
    g_signal_emit_by_name (gesture, "drag-update", xb - xa, 2.0);
    g_signal_emit_by_name (gesture, "drag-end", xb - xa, 2.0);
  }
  g_assert_cmpint (log.selected, ==, 1);
  g_assert_cmpint (log.seeks, ==, 0);
  g_assert_cmpfloat (tf_timeline_get_position (timeline), ==, 2.0);
  g_assert_true (tf_timeline_get_range (timeline, &track, &t0, &t1));
  g_assert_cmpint (track, ==, 1);
  g_assert_cmpfloat (fabs (t0 - 0.45), <=, per_px);
  g_assert_cmpfloat (fabs (t1 - 1.25), <=, per_px);
  g_assert_cmpfloat (log.t0, ==, t0);
  g_assert_cmpfloat (log.t1, ==, t1);

  /* the selection drawn over the track */
  {
    g_autoptr (TfTestImage) image = render (widget, "video-labels-timeline-range");
    int outside[3];

    g_assert_true (tf_timeline_strip_span (timeline, 0, &top, &height));
    class_rgb (HAPPY, want);
    tf_test_pixel (image, tf_timeline_time_to_x (timeline, 0.8), top + height / 2, got);
    tf_test_pixel (image, tf_timeline_time_to_x (timeline, 0.3), top + height / 2, outside);
    assert_near (outside, want, 2, "happiness outside the range");
    g_assert_cmpint (tf_test_distance (got, want), >, 25);         /* veiled inside */
  }

  /* right to left in track 2's lane */
  tf_test_drag (widget, tf_timeline_time_to_x (timeline, 2.5), lane2,
                tf_timeline_time_to_x (timeline, 1.5) - tf_timeline_time_to_x (timeline, 2.5), 0, NULL);
  g_assert_cmpint (log.selected, ==, 2);
  g_assert_true (tf_timeline_get_range (timeline, &track, &t0, &t1));
  g_assert_cmpint (track, ==, 2);
  g_assert_cmpfloat (fabs (t0 - 1.5), <=, per_px);
  g_assert_cmpfloat (fabs (t1 - 2.5), <=, per_px);

  /* a drag over a strip (not its lane) seeks, and keeps the range */
  g_assert_true (tf_timeline_strip_span (timeline, 0, &top, &height));
  tf_test_drag (widget, tf_timeline_time_to_x (timeline, 0.5), top + height / 2,
                tf_timeline_time_to_x (timeline, 1.0) - tf_timeline_time_to_x (timeline, 0.5), 0, NULL);
  g_assert_cmpint (log.seeks, >=, 2);
  g_assert_cmpfloat (fabs (tf_timeline_get_position (timeline) - 1.0), <=, per_px);
  g_assert_cmpint (log.selected, ==, 2);
  g_assert_true (tf_timeline_get_range (timeline, &track, NULL, NULL));
  g_assert_cmpint (track, ==, 2);

#ifdef HAVE_XTEST
  /* the same with the X server's pointer: Shift+drag over track 1's strip
   * (not its lane) selects, a plain drag over it seeks, a drag in track 2's
   * lane selects */
  {
    Count c = { &log.selected, log.selected };
    double xa = tf_timeline_time_to_x (timeline, 0.3), xb = tf_timeline_time_to_x (timeline, 0.9);

    g_assert_true (tf_timeline_strip_span (timeline, 0, &top, &height));
    x11_drag (widget, xa, top + height / 2, xb - xa, 0, TRUE, counted, &c);
    g_assert_true (tf_timeline_get_range (timeline, &track, &t0, &t1));
    g_assert_cmpint (track, ==, 1);
    g_assert_cmpfloat (fabs (t0 - 0.3), <=, 2 * per_px);
    g_assert_cmpfloat (fabs (t1 - 0.9), <=, 2 * per_px);
    g_assert_cmpint (log.selected, ==, c.above + 1);

    xa = tf_timeline_time_to_x (timeline, 2.0);
    xb = tf_timeline_time_to_x (timeline, 2.5);
    wanted_position = 2.5;
    x11_drag (widget, xa, top + height / 2, xb - xa, 0, FALSE, at_wanted_position, timeline);
    g_assert_true (tf_timeline_get_range (timeline, &track, NULL, NULL));
    g_assert_cmpint (track, ==, 1);

    c = (Count) { &log.selected, log.selected };
    xa = tf_timeline_time_to_x (timeline, 1.8);
    xb = tf_timeline_time_to_x (timeline, 1.2);
    x11_drag (widget, xa, lane2, xb - xa, 0, FALSE, counted, &c);
    g_assert_true (tf_timeline_get_range (timeline, &track, &t0, &t1));
    g_assert_cmpint (track, ==, 2);
    g_assert_cmpfloat (fabs (t0 - 1.2), <=, 2 * per_px);
    g_assert_cmpfloat (fabs (t1 - 1.8), <=, 2 * per_px);
  }
#else
  g_test_message ("built without XTest: the X server's pointer is not tried");
#endif

  /* a click in a lane clears the range and seeks there */
  tf_test_drag (widget, tf_timeline_time_to_x (timeline, 2.0), lane1, 1, 0, NULL);
  g_assert_false (tf_timeline_get_range (timeline, NULL, NULL, NULL));
  g_assert_cmpint (log.cleared, ==, 1);
  g_assert_cmpfloat (fabs (tf_timeline_get_position (timeline) - 2.0), <=, per_px);

  /* without the map the lanes go, and a drag anywhere seeks */
  tf_timeline_set_label_map (timeline, NULL);
  tf_test_settle_frames ();
  g_assert_false (tf_timeline_lane_span (timeline, 0, &top, &height));
  g_assert_cmpfloat (tf_timeline_find_label_change (timeline, 1, 0, 1), ==, -1);
  tf_timeline_set_range (timeline, 1, 0.2, 0.4);
  tf_timeline_clear (timeline);
  g_assert_false (tf_timeline_get_range (timeline, NULL, NULL, NULL));
  g_assert_cmpint (log.cleared, ==, 2);
  tf_test_destroy (window);
}

/* ---- the video view */

typedef struct
{
  int          faces;
  TfFaceProbe *face;
  int          boxes;
  double       box[5];      /* time_s, x, y, w, h */
  int          drawing_notes;
} ViewLog;

static void
on_face_selected_cb (TfVideoView *view,
                     TfFaceProbe *probe,
                     ViewLog     *log)
{
  (void) view;
  log->faces++;
  log->face = probe;
}

static void
on_box_drawn_cb (TfVideoView *view,
                 double       time_s,
                 double       x,
                 double       y,
                 double       w,
                 double       h,
                 ViewLog     *log)
{
  (void) view;
  log->boxes++;
  log->box[0] = time_s;
  log->box[1] = x;
  log->box[2] = y;
  log->box[3] = w;
  log->box[4] = h;
}

static void
on_drawing_notify_cb (GObject    *object,
                      GParamSpec *pspec,
                      ViewLog    *log)
{
  (void) object;
  (void) pspec;
  log->drawing_notes++;
}

static gboolean
has_frame (gpointer view)
{
  graphene_rect_t rect;

  return tf_video_view_get_frame_rect (view, &rect);
}

/* the point of frame pixel (@fx, @fy) in @overlay's coordinates */
static graphene_point_t
frame_point (TfVideoView     *view,
             GtkWidget       *overlay,
             double           fx,
             double           fy)
{
  graphene_rect_t frame, bounds;
  double scale;

  g_assert_true (tf_video_view_get_frame_rect (view, &frame));
  g_assert_true (gtk_widget_compute_bounds (overlay, GTK_WIDGET (view), &bounds));
  scale = frame.size.width / 320.0;
  return GRAPHENE_POINT_INIT ((float) (frame.origin.x - bounds.origin.x + fx * scale),
                              (float) (frame.origin.y - bounds.origin.y + fy * scale));
}

static void
test_view (void)
{
  g_autofree char *dir = g_dir_make_tmp ("tf-video-labels-XXXXXX", NULL);
  g_autofree char *video = g_build_filename (dir, "bars.webm", NULL);
  g_autofree char *pipeline = g_strdup_printf (
    "videotestsrc pattern=smpte num-buffers=30 ! video/x-raw,width=320,height=240,framerate=10/1 ! "
    "videoconvert ! vp8enc deadline=1 ! webmmux ! filesink location=\"%s\"", video);
  GtkWidget *widget = tf_video_view_new ();
  TfVideoView *view = TF_VIDEO_VIEW (widget);
  TfTimeline *timeline = tf_video_view_get_timeline (view);
  g_autoptr (TfLabelMap) map = tf_label_map_new ();
  g_autoptr (GPtrArray) added = g_ptr_array_new_with_free_func ((GDestroyNotify) tf_face_probe_unref);
  GtkWidget *window, *overlay;
  graphene_rect_t frame, bounds;
  ViewLog log = { 0 };
  graphene_point_t a, b;
  double scale;
  int want[3], got[3];

  g_assert_true (tf_test_run_pipeline (pipeline));
  label_faces (map);
  tf_video_view_set_label_map (view, map);
  g_signal_connect (view, "face-selected", G_CALLBACK (on_face_selected_cb), &log);
  g_signal_connect (view, "box-drawn", G_CALLBACK (on_box_drawn_cb), &log);
  g_signal_connect (view, "notify::drawing", G_CALLBACK (on_drawing_notify_cb), &log);
  window = tf_test_show (widget, 800, 600);
  tf_video_view_set_file (view, video);
  /* the stream tells the frame's size once it is prepared */
  tf_test_run_until (has_frame, view, 60);
  for (int i = 0; i < POINTS; i++)
    {
      TfFaceProbe *one = make_probe (1, i);

      g_ptr_array_add (added, one);
      tf_video_view_add_face (view, one);
      if (i < 25)
        {
          TfFaceProbe *two = make_probe (2, i);

          g_ptr_array_add (added, two);
          tf_video_view_add_face (view, two);
        }
    }
  g_assert_cmpuint (tf_video_view_get_n_tracks (view), ==, 2);
  g_assert_cmpint (tf_timeline_get_n_tracks (timeline), ==, 2);
  g_assert_true (tf_timeline_lane_span (timeline, 1, NULL, NULL));    /* the map reached the timeline */

  /* the frame (4:3) inside the wider video area: bars left and right (the
   * area is laid out again now that the timeline has two tracks) */
  tf_test_settle_frames ();
  overlay = tf_test_find_type (widget, GTK_TYPE_OVERLAY);
  g_assert_nonnull (overlay);
  g_assert_true (gtk_widget_compute_bounds (overlay, widget, &bounds));
  g_assert_true (tf_video_view_get_frame_rect (view, &frame));
  g_test_message ("video area %.0fx%.0f at (%.0f, %.0f); frame %.1fx%.1f at (%.1f, %.1f)",
                  bounds.size.width, bounds.size.height, bounds.origin.x, bounds.origin.y,
                  frame.size.width, frame.size.height, frame.origin.x, frame.origin.y);
  g_assert_cmpfloat (fabs (frame.size.width / frame.size.height - 4.0 / 3.0), <, 0.01);
  g_assert_cmpfloat (bounds.size.width, >, frame.size.width + 20);
  g_assert_cmpfloat (fabs (frame.size.height - bounds.size.height), <=, 1);
  g_assert_cmpfloat (fabs ((frame.origin.x - bounds.origin.x) * 2 + frame.size.width - bounds.size.width), <=, 2);
  scale = frame.size.width / 320.0;

  /* at 0.5 s: both faces boxed; track 1 (chosen) in its label's colour,
   * track 2 (unsure) gray */
  tf_video_view_seek (view, 0.5);
  g_assert_cmpint (tf_video_view_get_selected_track (view), ==, 1);
  g_assert_true (tf_video_view_get_face (view) == g_ptr_array_index (added, 2 * 5));
  {
    g_autoptr (TfTestImage) image = render (widget, "video-labels-view");
    /* the middle of the top edges, and a point inside the frame away from the boxes */
    double x1 = frame.origin.x + 80 * scale, y1 = frame.origin.y + 40 * scale;
    double x2 = frame.origin.x + 230 * scale, y2 = frame.origin.y + 160 * scale;
    int gray[3] = { 0x9a, 0x99, 0x96 };

    class_rgb (HAPPY, want);
    tf_test_pixel (image, x1, y1, got);
    assert_near (got, want, 12, "track 1's box at 0.5 s (labelled happiness)");
    /* track 2's bottom edge, dashed gray: gray somewhere along it */
    g_assert_true (row_has (image, x2, y2, 8, gray, 12));
    /* the letterbox bars are outside the frame: dark video ground, no box */
    tf_test_pixel (image, bounds.origin.x + 2, bounds.origin.y + bounds.size.height / 2, got);
    g_assert_cmpint (MAX (got[0], MAX (got[1], got[2])), <, 60);
  }

  /* at 2.8 s: track 2 has ended (2.4 s) and track 1 is unlabelled: its
   * box shows the prediction (anger) */
  tf_video_view_seek (view, 2.8);
  {
    g_autoptr (TfTestImage) image = render (widget, "video-labels-view-late");
    double x1 = frame.origin.x + 80 * scale, y1 = frame.origin.y + 40 * scale;
    double y2 = frame.origin.y + 160 * scale;
    int gray[3] = { 0x9a, 0x99, 0x96 };

    class_rgb (ANGER, want);
    tf_test_pixel (image, x1, y1, got);
    assert_near (got, want, 12, "track 1's box at 2.8 s (predicted anger)");
    g_assert_false (row_has (image, frame.origin.x + 230 * scale, y2, 8, gray, 12));
  }

  /* at 2.2 s track 2 is labelled anger by a person where the model says
   * neutral: its tag in anger's colour, and a red "model: neutral" beside */
  tf_video_view_seek (view, 2.2);
  {
    g_autoptr (TfTestImage) image = render (widget, "video-labels-view-disagree");
    int red[3] = { 0xe0, 0x1b, 0x24 };
    double x = frame.origin.x + 200 * scale, y = frame.origin.y + 100 * scale - 10;
    gboolean found = FALSE;

    class_rgb (ANGER, want);
    g_assert_true (row_has (image, x + 4, y, 2, want, 12));                  /* the tag's ground */
    for (int dx = 0; dx < 300 && x + dx < image->width && !found; dx++)
      {
        tf_test_pixel (image, x + dx, y, got);
        found = tf_test_distance (got, red) <= 12;
      }
    g_assert_true (found);
    /* track 1 is not labelled there: no red beside it */
    found = FALSE;
    for (int dx = 0; dx < 200 && !found; dx++)
      {
        tf_test_pixel (image, frame.origin.x + 40 * scale + dx, frame.origin.y + 40 * scale - 10, got);
        found = tf_test_distance (got, red) <= 12;
      }
    g_assert_false (found);
  }

  /* at 1.5 s both labels are suggestions: track 1's propagated anger on a
   * pale tag, track 2's imported neutral on a tag of its colour */
  tf_video_view_seek (view, 1.5);
  {
    g_autoptr (TfTestImage) image = render (widget, "video-labels-view-suggested");
    int pale[3];
    GdkRGBA c;

    class_rgb (NEUTRAL, want);
    g_assert_true (row_has (image, frame.origin.x + 200 * scale + 4, frame.origin.y + 100 * scale - 10, 2, want, 12));
    tf_widgets_class_color (ANGER, &c);
    c.red += (1 - c.red) * 0.6f;
    c.green += (1 - c.green) * 0.6f;
    c.blue += (1 - c.blue) * 0.6f;
    tf_test_rgba_to_rgb (&c, pale);
    g_assert_true (row_has (image, frame.origin.x + 40 * scale + 4, frame.origin.y + 40 * scale - 10, 2, pale, 12));
  }

  /* a click on track 2's box chooses it; a click beside the boxes does not */
  tf_video_view_seek (view, 0.5);
  log.faces = 0;
  {
    GtkGesture *click = tf_test_find_controller (overlay, GTK_TYPE_GESTURE_CLICK);

    a = frame_point (view, overlay, 300, 220);
    g_signal_emit_by_name (click, "pressed", 1, (double) a.x, (double) a.y);
    g_assert_cmpint (log.faces, ==, 0);
    g_assert_cmpint (tf_video_view_get_selected_track (view), ==, 1);
    a = frame_point (view, overlay, 230, 130);
    g_signal_emit_by_name (click, "pressed", 1, (double) a.x, (double) a.y);
    g_assert_cmpint (log.faces, ==, 1);
    g_assert_cmpint (tf_video_view_get_selected_track (view), ==, 2);
    g_assert_nonnull (log.face);
    g_assert_cmpint (log.face->track, ==, 2);
    g_assert_cmpint (log.face->face_id, ==, 205);
    g_assert_true (tf_video_view_get_face (view) == log.face);
    /* again: told again, the same face */
    g_signal_emit_by_name (click, "pressed", 1, (double) a.x, (double) a.y);
    g_assert_cmpint (log.faces, ==, 2);
    g_assert_cmpint (log.face->face_id, ==, 205);
  }
  tf_test_image_free (render (widget, "video-labels-view-track2"));

#ifdef HAVE_XTEST
  /* a click with the X server's pointer on track 1's box, over the video */
  {
    Count c = { &log.faces, log.faces };

    a = frame_point (view, overlay, 60, 100);
    x11_drag (overlay, a.x, a.y, 0, 0, FALSE, counted, &c);
    g_assert_cmpint (tf_video_view_get_selected_track (view), ==, 1);
    g_assert_cmpint (log.face->face_id, ==, 105);
  }
#endif

  /* range faces: none without a range; those of the range, in time order */
  g_assert_null (tf_video_view_get_range_faces (view));
  tf_timeline_set_range (timeline, 1, 0.45, 1.25);
  {
    g_autoptr (GPtrArray) faces = tf_video_view_get_range_faces (view);

    g_assert_nonnull (faces);
    g_assert_cmpuint (faces->len, ==, 8);
    for (guint i = 0; i < faces->len; i++)
      g_assert_true (g_ptr_array_index (faces, i) == g_ptr_array_index (added, 2 * (5 + i)));
  }
  /* through a drag in track 2's lane of the view's timeline, right to left */
  {
    GtkWidget *tl = GTK_WIDGET (timeline);
    double top, height, xa = tf_timeline_time_to_x (timeline, 2.35), xb = tf_timeline_time_to_x (timeline, 1.95);
    g_autoptr (GPtrArray) faces = NULL;

    g_assert_true (tf_timeline_lane_span (timeline, 1, &top, &height));
    tf_test_drag (tl, xa, top + height / 2, xb - xa, 0, NULL);
    faces = tf_video_view_get_range_faces (view);
    g_assert_nonnull (faces);
    g_assert_cmpuint (faces->len, ==, 4);       /* 2.0, 2.1, 2.2, 2.3 s */
    for (guint i = 0; i < faces->len; i++)
      {
        TfFaceProbe *p = g_ptr_array_index (faces, i);

        g_assert_cmpint (p->track, ==, 2);
        g_assert_cmpint (p->face_id, ==, 220 + (int) i);
      }
  }
  tf_video_view_clear_range (view);
  g_assert_null (tf_video_view_get_range_faces (view));

  /* jumps between label changes of the chosen track (1) */
  tf_video_view_select_track (view, 1);
  tf_video_view_seek (view, 0);
  log.faces = 0;
  g_assert_true (tf_video_view_jump_label_change (view, 1));
  g_assert_cmpfloat (tf_timeline_get_position (timeline), ==, 10 * 0.1);
  g_assert_cmpint (log.faces, ==, 1);
  g_assert_cmpint (log.face->face_id, ==, 110);
  g_assert_true (tf_video_view_get_face (view) == log.face);
  g_assert_true (tf_video_view_jump_label_change (view, 1));
  g_assert_cmpint (log.face->face_id, ==, 120);
  g_assert_false (tf_video_view_jump_label_change (view, 1));
  g_assert_cmpint (log.faces, ==, 2);
  g_assert_cmpfloat (tf_timeline_get_position (timeline), ==, 20 * 0.1);
  g_assert_true (tf_video_view_jump_label_change (view, -1));
  g_assert_cmpint (log.face->face_id, ==, 110);
  g_assert_false (tf_video_view_jump_label_change (view, -1));
  g_assert_cmpint (log.faces, ==, 3);

  /* drawing a box: the rubber band while dragging, frame pixels at the end */
  tf_video_view_seek (view, 0.5);
  g_assert_false (tf_video_view_get_drawing (view));
  tf_video_view_set_drawing (view, TRUE);
  g_assert_true (tf_video_view_get_drawing (view));
  g_assert_cmpint (log.drawing_notes, ==, 1);
  {
    GtkGesture *gesture = tf_test_find_controller (overlay, GTK_TYPE_GESTURE_DRAG);
    GtkGesture *click = tf_test_find_controller (overlay, GTK_TYPE_GESTURE_CLICK);

    /* a press on a box draws rather than chooses */
    log.faces = 0;
    a = frame_point (view, overlay, 100, 50);
    b = frame_point (view, overlay, 180, 150);
    g_signal_emit_by_name (click, "pressed", 1, (double) a.x, (double) a.y);
    g_assert_cmpint (log.faces, ==, 0);
    g_signal_emit_by_name (gesture, "drag-begin", (double) a.x, (double) a.y);
    g_signal_emit_by_name (gesture, "drag-update", (double) (b.x - a.x), (double) (b.y - a.y));
    {
      g_autoptr (TfTestImage) image = render (widget, "video-labels-drawing");
      int white_rgb[3] = { 255, 255, 255 }, black_rgb[3] = { 0, 0, 0 };
      double y = bounds.origin.y + (a.y + b.y) / 2;

      /* the band's left edge, white and black dashes */
      g_assert_true (row_has (image, bounds.origin.x + a.x, y, 1, white_rgb, 40)
                     || row_has (image, bounds.origin.x + a.x, y, 1, black_rgb, 40));
      g_assert_cmpint (log.boxes, ==, 0);
    }
    g_signal_emit_by_name (gesture, "drag-end", (double) (b.x - a.x), (double) (b.y - a.y));
  }
  g_assert_cmpint (log.boxes, ==, 1);
  g_assert_cmpfloat (log.box[0], ==, 0.5);
  g_assert_cmpfloat (fabs (log.box[1] - 100), <, 0.01);
  g_assert_cmpfloat (fabs (log.box[2] - 50), <, 0.01);
  g_assert_cmpfloat (fabs (log.box[3] - 80), <, 0.01);
  g_assert_cmpfloat (fabs (log.box[4] - 100), <, 0.01);
  g_assert_false (tf_video_view_get_drawing (view));
  g_assert_cmpint (log.drawing_notes, ==, 2);
  /* not drawing: a drag does nothing */
  tf_test_drag (overlay, a.x, a.y, b.x - a.x, b.y - a.y, NULL);
  g_assert_cmpint (log.boxes, ==, 1);

  /* a slip (under 8 frame pixels) is ignored and drawing goes on; a box
   * past the frame's edge is clamped to it */
  tf_video_view_set_drawing (view, TRUE);
  a = frame_point (view, overlay, 300, 200);
  tf_test_drag (overlay, a.x, a.y, 5 * scale, 30 * scale, NULL);
  g_assert_cmpint (log.boxes, ==, 1);
  g_assert_true (tf_video_view_get_drawing (view));
  tf_test_drag (overlay, a.x, a.y, 100 * scale, 100 * scale, NULL);
  g_assert_cmpint (log.boxes, ==, 2);
  g_assert_cmpfloat (fabs (log.box[1] - 300), <, 0.01);
  g_assert_cmpfloat (fabs (log.box[3] - 20), <, 0.01);
  g_assert_cmpfloat (fabs (log.box[4] - 40), <, 0.01);

#ifdef HAVE_XTEST
  /* a box drawn with the X server's pointer: the video's own controls do
   * not take the drag */
  {
    Count c = { &log.boxes, log.boxes };

    tf_video_view_set_drawing (view, TRUE);
    a = frame_point (view, overlay, 60, 120);
    x11_drag (overlay, a.x, a.y, 90 * scale, 80 * scale, FALSE, counted, &c);
    g_assert_cmpint (log.boxes, ==, c.above + 1);
    g_assert_cmpfloat (fabs (log.box[1] - 60), <, 1);
    g_assert_cmpfloat (fabs (log.box[2] - 120), <, 1);
    g_assert_cmpfloat (fabs (log.box[3] - 90), <, 1);
    g_assert_cmpfloat (fabs (log.box[4] - 80), <, 1);
    g_assert_false (tf_video_view_get_drawing (view));

    /* Escape typed on the keyboard, the focus anywhere in the window */
    tf_video_view_set_drawing (view, TRUE);
    gtk_widget_grab_focus (GTK_WIDGET (timeline));
    x11_key (widget, GDK_KEY_Escape, not_drawing, view);
    g_assert_cmpint (log.boxes, ==, c.above + 1);
  }
#endif

  /* Escape cancels drawing, and is not taken when not drawing */
  tf_video_view_set_drawing (view, TRUE);
  g_assert_true (tf_test_activate_shortcut (widget, GDK_KEY_Escape));
  g_assert_false (tf_video_view_get_drawing (view));
  {
    int boxes = log.boxes;

    g_assert_false (tf_test_activate_shortcut (widget, GDK_KEY_Escape));
    g_assert_cmpint (log.boxes, ==, boxes);
  }

  /* a new file forgets the faces and the range */
  tf_timeline_set_range (timeline, 1, 0, 1);
  tf_video_view_set_file (view, NULL);
  g_assert_cmpuint (tf_video_view_get_n_tracks (view), ==, 0);
  g_assert_null (tf_video_view_get_range_faces (view));
  g_assert_false (tf_video_view_jump_label_change (view, 1));
  tf_test_destroy (window);
  g_unlink (video);
  g_rmdir (dir);
}

static gboolean
is_stopped (gpointer view)
{
  return !tf_video_view_get_playing (view);
}

/* Page Down's and the frame keys' steps: the next person (track), round
 * the end, at the face of the moment or where the person first appears,
 * the row marked in the timeline; the next analysed time of any track;
 * and the play button beside the timeline, the one seek bar. */
static void
test_navigate (void)
{
  g_autofree char *dir = g_dir_make_tmp ("tf-video-nav-XXXXXX", NULL);
  g_autofree char *video = g_build_filename (dir, "bars.webm", NULL);
  g_autofree char *pipeline = g_strdup_printf (
    "videotestsrc pattern=smpte num-buffers=30 ! video/x-raw,width=320,height=240,framerate=10/1 ! "
    "videoconvert ! vp8enc deadline=1 ! webmmux ! filesink location=\"%s\"", video);
  GtkWidget *widget = tf_video_view_new ();
  TfVideoView *view = TF_VIDEO_VIEW (widget);
  TfTimeline *timeline = tf_video_view_get_timeline (view);
  g_autoptr (TfLabelMap) map = tf_label_map_new ();
  GtkWidget *window, *button;
  ViewLog log = { 0 };
  double top1, top2;
  int blue[3], got[3];

  g_assert_true (tf_test_run_pipeline (pipeline));
  tf_video_view_set_label_map (view, map);
  g_signal_connect (view, "face-selected", G_CALLBACK (on_face_selected_cb), &log);
  window = tf_test_show (widget, 800, 600);

  /* the button beside the timeline: nothing to play yet */
  button = gtk_widget_get_prev_sibling (GTK_WIDGET (timeline));
  g_assert_true (GTK_IS_BUTTON (button));
  g_assert_false (gtk_widget_get_sensitive (button));
  g_assert_null (tf_test_find_type (widget, GTK_TYPE_VIDEO));
  g_assert_false (tf_video_view_select_next_track (view, 1));
  g_assert_false (tf_video_view_step_frame (view, 1));

  tf_video_view_set_file (view, video);
  tf_test_run_until (has_frame, view, 60);
  g_assert_true (gtk_widget_get_sensitive (button));
  g_assert_cmpstr (gtk_button_get_icon_name (GTK_BUTTON (button)), ==, "media-playback-start-symbolic");
  for (int i = 0; i < POINTS; i++)
    {
      g_autoptr (TfFaceProbe) one = make_probe (1, i);

      tf_video_view_add_face (view, one);
      if (i >= 10 && i < 25)   /* track 2 from 1.0 to 2.4 s */
        {
          g_autoptr (TfFaceProbe) two = make_probe (2, i);
          tf_video_view_add_face (view, two);
        }
    }
  g_assert_cmpint (tf_video_view_get_selected_track (view), ==, 1);
  g_assert_cmpint (tf_timeline_get_selected_track (timeline), ==, 1);

  /* at 0.3 s track 2 is not there yet: its first face */
  tf_video_view_seek (view, 0.3);
  g_assert_true (tf_video_view_select_next_track (view, 1));
  g_assert_cmpint (tf_video_view_get_selected_track (view), ==, 2);
  g_assert_cmpint (tf_timeline_get_selected_track (timeline), ==, 2);
  g_assert_cmpfloat (fabs (tf_timeline_get_position (timeline) - 1.0), <, 1e-6);
  g_assert_cmpint (tf_video_view_get_face (view)->track, ==, 2);
  g_assert_cmpint (tf_video_view_get_face (view)->face_id, ==, 210);
  g_assert_cmpuint (gtk_drop_down_get_selected (GTK_DROP_DOWN (tf_test_find_type (widget, GTK_TYPE_DROP_DOWN))), ==, 1);
  g_assert_cmpint (log.face->track, ==, 2);   /* "face-selected" told the inspector */

  /* the chosen row is marked in the accent colour, the other not */
  tf_test_settle_frames ();
  g_assert_true (tf_timeline_lane_span (timeline, 0, &top1, NULL));
  g_assert_true (tf_timeline_lane_span (timeline, 1, &top2, NULL));
  tf_test_rgba_to_rgb (&(GdkRGBA) { 0x35 / 255.f, 0x84 / 255.f, 0xe4 / 255.f, 1 }, blue);
  {
    g_autoptr (TfTestImage) image = render (GTK_WIDGET (timeline), "video-labels-navigate");

    tf_test_pixel (image, 1, top2 - 10, got);
    assert_near (got, blue, 12, "the chosen track's mark");
    tf_test_pixel (image, 1, top1 - 10, got);
    g_assert_cmpint (tf_test_distance (got, blue), >, 60);
  }

  /* on round the end, back to track 1, at its face of the moment */
  tf_video_view_seek (view, 1.5);
  g_assert_true (tf_video_view_select_next_track (view, 1));
  g_assert_cmpint (tf_video_view_get_selected_track (view), ==, 1);
  g_assert_cmpint (tf_video_view_get_face (view)->face_id, ==, 115);
  g_assert_cmpfloat (fabs (tf_timeline_get_position (timeline) - 1.5), <, 1e-6);
  /* and backwards round the start */
  g_assert_true (tf_video_view_select_next_track (view, -1));
  g_assert_cmpint (tf_video_view_get_selected_track (view), ==, 2);

  /* a click on track 1's row of the timeline chooses it, at that time */
  tf_test_drag (GTK_WIDGET (timeline), tf_timeline_time_to_x (timeline, 1.5), top1 - 10, 0, 0, NULL);
  g_assert_cmpint (tf_video_view_get_selected_track (view), ==, 1);
  g_assert_cmpint (tf_timeline_get_selected_track (timeline), ==, 1);
  g_assert_cmpint (tf_video_view_get_face (view)->face_id, ==, 115);
  g_assert_cmpint (log.face->track, ==, 1);
  /* and on track 2's, track 2 */
  tf_test_drag (GTK_WIDGET (timeline), tf_timeline_time_to_x (timeline, 1.5), top2 - 10, 0, 0, NULL);
  g_assert_cmpint (tf_video_view_get_selected_track (view), ==, 2);
  g_assert_cmpint (log.face->track, ==, 2);
  g_assert_cmpint (tf_video_view_get_face (view)->face_id, ==, 215);

  /* the analysed times of any track, one by one; none past the ends */
  tf_video_view_seek (view, 0.25);
  g_assert_true (tf_video_view_step_frame (view, 1));
  g_assert_cmpfloat (fabs (tf_timeline_get_position (timeline) - 0.3), <, 1e-6);
  g_assert_true (tf_video_view_step_frame (view, -1));
  g_assert_cmpfloat (fabs (tf_timeline_get_position (timeline) - 0.2), <, 1e-6);
  g_assert_cmpint (tf_video_view_get_selected_track (view), ==, 2);   /* the person stays chosen */
  tf_video_view_seek (view, 0);
  g_assert_false (tf_video_view_step_frame (view, -1));
  tf_video_view_seek (view, 2.9);
  g_assert_false (tf_video_view_step_frame (view, 1));

  /* play and pause: the button says what a press does next */
  tf_video_view_seek (view, 0);
  tf_video_view_toggle_playing (view);
  g_assert_true (tf_video_view_get_playing (view));
  g_assert_cmpstr (gtk_button_get_icon_name (GTK_BUTTON (button)), ==, "media-playback-pause-symbolic");
  g_assert_cmpstr (gtk_widget_get_tooltip_text (button), ==, "Pause");
  /* drawing a box stops it */
  tf_video_view_set_drawing (view, TRUE);
  g_assert_false (tf_video_view_get_playing (view));
  g_assert_cmpstr (gtk_button_get_icon_name (GTK_BUTTON (button)), ==, "media-playback-start-symbolic");
  /* and playing ends drawing */
  tf_video_view_toggle_playing (view);
  g_assert_false (tf_video_view_get_drawing (view));
  tf_video_view_set_playing (view, FALSE);
  g_assert_false (tf_video_view_get_playing (view));
  /* at the end the button offers to play again, which starts over */
  tf_video_view_seek (view, 2.7);
  tf_video_view_set_playing (view, TRUE);
  tf_test_run_until (is_stopped, view, 10);
  g_assert_false (tf_video_view_get_playing (view));
  g_assert_cmpstr (gtk_button_get_icon_name (GTK_BUTTON (button)), ==, "media-playback-start-symbolic");
  tf_video_view_toggle_playing (view);
  g_assert_true (tf_video_view_get_playing (view));
  g_assert_cmpfloat (tf_timeline_get_position (timeline), <, 0.5);
  tf_video_view_set_playing (view, FALSE);

  /* no faces: said once the analysis is over */
  tf_video_view_set_file (view, video);
  g_assert_cmpstr (tf_timeline_get_empty_text (timeline), ==, "No faces tracked yet");
  tf_video_view_set_analysed (view, TRUE);
  g_assert_cmpstr (tf_timeline_get_empty_text (timeline), ==, "No faces found in this video");
  {
    g_autoptr (TfTestImage) image = render (GTK_WIDGET (timeline), "video-labels-no-faces");
    (void) image;
  }
  tf_video_view_set_file (view, video);
  g_assert_cmpstr (tf_timeline_get_empty_text (timeline), ==, "No faces tracked yet");

  tf_test_destroy (window);
  g_unlink (video);
  g_rmdir (dir);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  gst_init (&argc, &argv);
  gtk_init ();
  adw_init ();

  g_test_add_func ("/video-labels/timeline", test_timeline_labels);
  g_test_add_func ("/video-labels/view", test_view);
  g_test_add_func ("/video-labels/navigate", test_navigate);
  return g_test_run ();
}
