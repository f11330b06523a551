/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The labels the photo and folder views show, under a real display (Xvfb,
 * GSK's cairo renderer): synthetic faces on a picture made here, a
 * TfLabelMap changed as the window would, each view rendered to a texture
 * with its window's renderer and read pixel by pixel; the pictures are saved
 * next to the test binary (their paths are in the log). Pointer input goes
 * through the views' own gesture and key controllers: their signals are
 * emitted as GTK would on a drag or a key press (GTK 4 has no public way to
 * synthesise the events). */
#include <adwaita.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "tf-detect.h"
#include "tf-folder-view.h"
#include "tf-label-map.h"
#include "tf-photo-view.h"
#include "tf-test-gtk.h"
#include "tf-timeline.h"

#define PHOTO_W  640
#define PHOTO_H  400
#define N_FACES  4
#define FACE_W   110
#define FACE_H   130
#define FACE_Y   120

enum { ANGER, HAPPINESS, NEUTRAL, SADNESS, N_CLASSES };

static const char *class_names[] = { "anger", "happiness", "neutral", "sadness", NULL };

static char *tmpdir;

/* ---- fixtures */

static double
face_x (int i)
{
  return 30 + 155 * i;
}

/* A picture of @n cartoon faces at the test's boxes, on a blue-grey ground:
 * neither the ground nor the skin is near a colour the views draw. */
static char *
make_photo (const char *name,
            int         n,
            double      hue)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, PHOTO_W, PHOTO_H);
  cairo_t *cr = cairo_create (surface);
  char *path = g_build_filename (tmpdir, name, NULL);

  cairo_set_source_rgb (cr, 0.30 + hue, 0.40, 0.48 - hue);
  cairo_paint (cr);
  for (int i = 0; i < n; i++)
    {
      double cx = face_x (i) + FACE_W / 2.0, cy = FACE_Y + FACE_H / 2.0;

      cairo_save (cr);
      cairo_translate (cr, cx, cy);
      cairo_scale (cr, FACE_W / 2.0 - 6, FACE_H / 2.0 - 4);
      cairo_arc (cr, 0, 0, 1, 0, 2 * G_PI);
      cairo_restore (cr);
      cairo_set_source_rgb (cr, 0.87, 0.72, 0.60);
      cairo_fill (cr);
      cairo_set_source_rgb (cr, 0.20, 0.15, 0.12);
      cairo_arc (cr, cx - 20, cy - 18, 6, 0, 2 * G_PI);
      cairo_fill (cr);
      cairo_arc (cr, cx + 20, cy - 18, 6, 0, 2 * G_PI);
      cairo_fill (cr);
      cairo_set_line_width (cr, 4);
      cairo_arc (cr, cx, cy + 12, 22, 0.2 * G_PI, 0.8 * G_PI);
      cairo_stroke (cr);
    }
  cairo_destroy (cr);
  g_assert_cmpint (cairo_surface_write_to_png (surface, path), ==, CAIRO_STATUS_SUCCESS);
  cairo_surface_destroy (surface);
  return path;
}

/* face @i of the test's picture, predicting @predicted */
static TfFaceProbe *
make_probe (const char *file,
            gint64      face_id,
            int         i,
            int         predicted)
{
  TfFaceProbe *p = tf_face_probe_new ();
  double x = face_x (i);

  p->face_id = face_id;
  p->file = g_strdup (file);
  p->face = i;
  p->box[0] = (float) x;
  p->box[1] = FACE_Y;
  p->box[2] = FACE_W;
  p->box[3] = FACE_H;
  p->landmarks[0][0] = (float) (x + 35);
  p->landmarks[0][1] = FACE_Y + 47;
  p->landmarks[1][0] = (float) (x + 75);
  p->landmarks[1][1] = FACE_Y + 47;
  p->landmarks[2][0] = (float) (x + 55);
  p->landmarks[2][1] = FACE_Y + 75;
  p->landmarks[3][0] = (float) (x + 38);
  p->landmarks[3][1] = FACE_Y + 95;
  p->landmarks[4][0] = (float) (x + 72);
  p->landmarks[4][1] = FACE_Y + 95;
  p->score = 0.9f;
  p->classes = N_CLASSES;
  p->class_names = g_strdupv ((char **) class_names);
  p->probs = g_new (float, N_CLASSES);
  for (int k = 0; k < N_CLASSES; k++)
    p->probs[k] = k == predicted ? 0.85f : 0.05f;
  p->predicted = predicted;
  return p;
}

static TfLabelMap *
make_map (void)
{
  TfLabelMap *map = tf_label_map_new ();

  tf_label_map_set_classes (map, class_names);
  return map;
}

/* ---- showing and rendering (tf-test-gtk.h) */

static gboolean
is_loaded (gpointer view)
{
  return tf_photo_view_get_loaded (view);
}

/* @widget as its window draws it, over a light grey, saved as @name.png */
static TfTestImage *
render (GtkWidget  *widget,
        const char *name)
{
  return tf_test_render (widget, name, &(GdkRGBA) { 0.95f, 0.95f, 0.95f, 1 });
}

/* the largest difference of a channel from @color's, 0..255 */
static int
distance (const int      rgb[3],
          const GdkRGBA *color)
{
  int want[3];

  tf_test_rgba_to_rgb (color, want);
  return tf_test_distance (rgb, want);
}

static void
assert_color (const TfTestImage *image,
              double             x,
              double             y,
              const GdkRGBA     *want,
              const char        *what)
{
  int rgb[3];

  tf_test_pixel (image, x, y, rgb);
  if (distance (rgb, want) > 30)
    g_error ("%s at (%.0f, %.0f): got (%d, %d, %d), want (%.0f, %.0f, %.0f)", what, x, y,
             rgb[0], rgb[1], rgb[2], want->red * 255, want->green * 255, want->blue * 255);
}

/* Of the pixels along the left edge of face @i's box, how many are within 30
 * of @color. */
static int
count_on_left_edge (const TfTestImage *image,
                    double             s,
                    double             x0,
                    double             y0,
                    int                i,
                    const GdkRGBA     *color)
{
  int rgb[3], n = 0;

  for (int y = (int) ceil (y0 + FACE_Y * s) + 3; y < y0 + (FACE_Y + FACE_H) * s - 3; y++)
    {
      tf_test_pixel (image, x0 + face_x (i) * s, y, rgb);
      n += distance (rgb, color) <= 30;
    }
  return n;
}

/* how many pixels count_on_left_edge() looks at */
static int
left_edge_length (double s,
                  double y0)
{
  int n = 0;

  for (int y = (int) ceil (y0 + FACE_Y * s) + 3; y < y0 + (FACE_Y + FACE_H) * s - 3; y++)
    n++;
  return n;
}

/* where the photo view puts the picture (its own rule: fit, centred) */
static void
photo_rect (GtkWidget *view,
            double    *s,
            double    *x0,
            double    *y0)
{
  int width = gtk_widget_get_width (view), height = gtk_widget_get_height (view);

  *s = MIN (MIN ((double) width / PHOTO_W, (double) height / PHOTO_H), 4.0);
  *x0 = floor ((width - PHOTO_W * *s) / 2);
  *y0 = floor ((height - PHOTO_H * *s) / 2);
}

static gboolean
press_key (GtkWidget *view,
           guint      keyval)
{
  GtkEventController *key = tf_test_find_controller (view, GTK_TYPE_EVENT_CONTROLLER_KEY);
  gboolean handled = FALSE;

  g_signal_emit_by_name (key, "key-pressed", keyval, 0u, (GdkModifierType) 0, &handled);
  return handled;
}

/* ---- the photo view: how labels are drawn */

static GtkWidget *
photo_with_faces (const char   *name,
                  int           n,
                  TfFaceProbe **probes)
{
  g_autofree char *path = make_photo (name, n, 0);
  GtkWidget *view = tf_photo_view_new ();

  tf_photo_view_set_file (TF_PHOTO_VIEW (view), path);
  for (int i = 0; i < n; i++)
    {
      probes[i] = make_probe (path, 11 + i, i, HAPPINESS);
      tf_photo_view_add_face (TF_PHOTO_VIEW (view), probes[i]);
    }
  return view;
}

static void
test_photo_draw (void)
{
  TfFaceProbe *probes[N_FACES];
  GtkWidget *view = photo_with_faces ("labels.png", N_FACES, probes);
  g_autoptr (TfLabelMap) map = make_map ();
  GtkWidget *window = tf_test_show (view, 800, 600);
  const GdkRGBA white = { 1, 1, 1, 1 }, black = { 0, 0, 0, 1 };
  const GdkRGBA warning = { 0xe5 / 255.f, 0xa5 / 255.f, 0x0a / 255.f, 1 };
  const GdkRGBA grey = { 0x9a / 255.f, 0x99 / 255.f, 0x96 / 255.f, 1 };
  GdkRGBA happy, angry;
  double s, x0, y0, mid;
  int n = 0;

  tf_test_run_until (is_loaded, view, 10);
  photo_rect (view, &s, &x0, &y0);
  g_assert_cmpfloat (s, ==, 1.25);
  mid = y0 + (FACE_Y + FACE_H / 2.0) * s;
  tf_widgets_class_color (HAPPINESS, &happy);
  tf_widgets_class_color (ANGER, &angry);
  tf_photo_view_set_label_map (TF_PHOTO_VIEW (view), map);

  /* unlabelled: today's white box */
  {
    g_autoptr (TfTestImage) image = render (view, "photo-labels-none");
    for (int i = 0; i < N_FACES; i++)
      assert_color (image, x0 + face_x (i) * s, mid, &white, "an unlabelled face's box");
  }

  /* a label the model agrees with: the box in the label's class colour,
   * drawn because the map said "changed" (nothing else asks for a frame) */
  tf_label_map_set (map, probes[0]->face_id, HAPPINESS, TF_LABEL_MAP_FROM_PERSON);
  /* one that disagrees: caution tape, amber over black, and no class colour */
  tf_label_map_set (map, probes[1]->face_id, ANGER, TF_LABEL_MAP_FROM_PERSON);
  /* not a face: grey, struck through */
  tf_label_map_set (map, probes[2]->face_id, TF_LABEL_MAP_NOT_A_FACE, TF_LABEL_MAP_FROM_PERSON);
  /* a label for a face this view does not show changes nothing */
  tf_label_map_set (map, 999, SADNESS, TF_LABEL_MAP_FROM_PERSON);
  {
    g_autoptr (TfTestImage) image = render (view, "photo-labels");
    int len = left_edge_length (s, y0);

    g_assert_cmpint (count_on_left_edge (image, s, x0, y0, 0, &happy), ==, len);
    g_assert_cmpint (count_on_left_edge (image, s, x0, y0, 1, &warning), >, len / 4);
    g_assert_cmpint (count_on_left_edge (image, s, x0, y0, 1, &black), >, len / 4);
    g_assert_cmpint (count_on_left_edge (image, s, x0, y0, 1, &angry), ==, 0);
    g_assert_cmpint (count_on_left_edge (image, s, x0, y0, 2, &grey), ==, len);
    /* the stroke through the box passes its centre */
    assert_color (image, x0 + (face_x (2) + FACE_W / 2.0) * s, y0 + (FACE_Y + FACE_H / 2.0) * s,
                  &grey, "not a face's stroke");
    assert_color (image, x0 + face_x (3) * s, mid, &white, "the unlabelled face's box");
  }

  /* suggested labels are dashed: some of the edge is not the class colour;
   * unsure is a white dashed box */
  tf_label_map_set (map, probes[0]->face_id, HAPPINESS, TF_LABEL_MAP_FROM_PROPAGATED);
  tf_label_map_set (map, probes[2]->face_id, NEUTRAL, TF_LABEL_MAP_FROM_IMPORTED);
  tf_label_map_set (map, probes[3]->face_id, TF_LABEL_MAP_UNSURE, TF_LABEL_MAP_FROM_PERSON);
  tf_photo_view_select (TF_PHOTO_VIEW (view), 1);
  gtk_widget_grab_focus (view);
  {
    g_autoptr (TfTestImage) image = render (view, "photo-labels-suggested");
    GdkRGBA neutral;
    int len = left_edge_length (s, y0);

    tf_widgets_class_color (NEUTRAL, &neutral);
    n = count_on_left_edge (image, s, x0, y0, 0, &happy);
    g_assert_cmpint (n, >, len / 3);
    g_assert_cmpint (n, <, len);
    n = count_on_left_edge (image, s, x0, y0, 2, &neutral);
    g_assert_cmpint (n, >, len / 3);
    g_assert_cmpint (n, <, len);
    n = count_on_left_edge (image, s, x0, y0, 3, &white);
    g_assert_cmpint (n, >, len / 3);
    g_assert_cmpint (n, <, len);
    /* the chosen face keeps its highlight: a blue ring outside its box */
    assert_color (image, x0 + face_x (1) * s - 5, mid, &(GdkRGBA) { 0x35 / 255.f, 0x84 / 255.f, 0xe4 / 255.f, 1 },
                  "the chosen face's ring");
  }

  /* a face drawn by hand has no prediction: its label disagrees with
   * nothing (and the face is replaced in place) */
  {
    g_autoptr (TfFaceProbe) by_hand = make_probe (probes[3]->file, probes[3]->face_id, 3, HAPPINESS);
    g_autoptr (TfTestImage) image = NULL;
    GdkRGBA sad;
    int len = left_edge_length (s, y0);

    by_hand->predicted = -1;
    tf_photo_view_replace_face (TF_PHOTO_VIEW (view), probes[3], by_hand);
    tf_label_map_set (map, by_hand->face_id, SADNESS, TF_LABEL_MAP_FROM_PERSON);
    image = render (view, "photo-labels-by-hand");
    tf_widgets_class_color (SADNESS, &sad);
    g_assert_cmpint (count_on_left_edge (image, s, x0, y0, 3, &sad), ==, len);
    g_assert_cmpint (count_on_left_edge (image, s, x0, y0, 3, &warning), ==, 0);
  }

  /* the map cleared: every face is back to the prediction's look */
  tf_label_map_clear (map);
  {
    g_autoptr (TfTestImage) image = render (view, "photo-labels-cleared");
    assert_color (image, x0 + face_x (0) * s, mid, &white, "a face whose label was cleared");
  }

  /* without a map, a label set there is not drawn */
  tf_photo_view_set_label_map (TF_PHOTO_VIEW (view), NULL);
  tf_label_map_set (map, probes[0]->face_id, HAPPINESS, TF_LABEL_MAP_FROM_PERSON);
  {
    g_autoptr (TfTestImage) image = render (view, "photo-labels-no-map");
    assert_color (image, x0 + face_x (0) * s, mid, &white, "a face with no map");
  }

  tf_test_destroy (window);
  for (int i = 0; i < N_FACES; i++)
    tf_face_probe_unref (probes[i]);
}

/* ---- the photo view: drawing a missed face */

typedef struct
{
  int      n;
  double   x, y, w, h;
  gboolean drawing;        /* the view's mode when it told */
} Drawn;

static void
on_box_drawn_cb (TfPhotoView *view,
                 double       x,
                 double       y,
                 double       w,
                 double       h,
                 Drawn       *drawn)
{
  drawn->n++;
  drawn->drawing = tf_photo_view_get_drawing (view);
  drawn->x = x;
  drawn->y = y;
  drawn->w = w;
  drawn->h = h;
}

static TfTestImage *band_image;

static void
render_band (GtkWidget *view)
{
  band_image = render (view, "photo-draw-box");
}

static void
press_escape (GtkWidget *view)
{
  g_assert_true (press_key (view, GDK_KEY_Escape));
}

static void
test_photo_draw_box (void)
{
  TfFaceProbe *probes[N_FACES];
  GtkWidget *view = photo_with_faces ("draw.png", N_FACES, probes);
  TfPhotoView *photo = TF_PHOTO_VIEW (view);
  GtkWidget *window = tf_test_show (view, 800, 600);
  const GdkRGBA accent = { 0x35 / 255.f, 0x84 / 255.f, 0xe4 / 255.f, 1 };
  Drawn drawn = { 0 };
  double s, x0, y0;
  int before[3], hint[3];

  tf_test_run_until (is_loaded, view, 10);
  photo_rect (view, &s, &x0, &y0);
  g_signal_connect (view, "box-drawn", G_CALLBACK (on_box_drawn_cb), &drawn);
  {
    g_autoptr (TfTestImage) image = render (view, "photo-not-drawing");
    tf_test_pixel (image, gtk_widget_get_width (view) / 2.0, 16, before);
  }

  /* outside drawing mode a drag draws nothing */
  tf_test_drag (view, x0 + 100 * s, y0 + 50 * s, 60 * s, 80 * s, NULL);
  g_assert_cmpint (drawn.n, ==, 0);

  tf_photo_view_set_drawing (photo, TRUE);
  g_assert_true (tf_photo_view_get_drawing (photo));
  g_assert_nonnull (gtk_widget_get_cursor (view));
  g_assert_cmpstr (gdk_cursor_get_name (gtk_widget_get_cursor (view)), ==, "crosshair");

  /* a click on a face while drawing does not choose it */
  g_signal_emit_by_name (tf_test_find_controller (view, GTK_TYPE_GESTURE_CLICK), "pressed", 1,
                         x0 + (face_x (0) + 50) * s, y0 + (FACE_Y + 50) * s);
  g_assert_cmpint (tf_photo_view_get_selected (photo), ==, -1);

  /* a drag: the rubber band and the hint while it lasts, then the box in
   * picture pixels and drawing mode over */
  tf_test_drag (view, x0 + 100 * s, y0 + 50 * s, 60 * s, 80 * s, render_band);
  g_assert_nonnull (band_image);
  assert_color (band_image, x0 + 100 * s, y0 + 90 * s, &accent, "the rubber band's edge");
  tf_test_pixel (band_image, gtk_widget_get_width (view) / 2.0, 16, hint);
  g_assert_cmpint (hint[0] + hint[1] + hint[2], <, before[0] + before[1] + before[2] - 100);
  g_clear_pointer (&band_image, tf_test_image_free);
  g_assert_cmpint (drawn.n, ==, 1);
  g_assert_cmpfloat_with_epsilon (drawn.x, 100, 1e-6);
  g_assert_cmpfloat_with_epsilon (drawn.y, 50, 1e-6);
  g_assert_cmpfloat_with_epsilon (drawn.w, 60, 1e-6);
  g_assert_cmpfloat_with_epsilon (drawn.h, 80, 1e-6);
  g_assert_false (tf_photo_view_get_drawing (photo));
  g_assert_false (drawn.drawing);
  g_assert_null (gtk_widget_get_cursor (view));
  {
    g_autoptr (TfTestImage) image = render (view, "photo-drawn");
    int after[3];
    tf_test_pixel (image, gtk_widget_get_width (view) / 2.0, 16, after);
    g_assert_cmpint (distance (after, &(GdkRGBA) { before[0] / 255.f, before[1] / 255.f, before[2] / 255.f, 1 }),
                     <=, 2);
  }

  /* dragged up and left, past the picture's corner: clamped to it */
  g_object_set (view, "drawing", TRUE, NULL);
  tf_test_drag (view, x0 + 40 * s, y0 + 30 * s, -100 * s, -100 * s, NULL);
  g_assert_cmpint (drawn.n, ==, 2);
  g_assert_cmpfloat_with_epsilon (drawn.x, 0, 1e-6);
  g_assert_cmpfloat_with_epsilon (drawn.y, 0, 1e-6);
  g_assert_cmpfloat_with_epsilon (drawn.w, 40, 1e-6);
  g_assert_cmpfloat_with_epsilon (drawn.h, 30, 1e-6);
  /* and past the far corner */
  tf_photo_view_set_drawing (photo, TRUE);
  tf_test_drag (view, x0 + 600 * s, y0 + 350 * s, 200 * s, 200 * s, NULL);
  g_assert_cmpint (drawn.n, ==, 3);
  g_assert_cmpfloat_with_epsilon (drawn.x, 600, 1e-6);
  g_assert_cmpfloat_with_epsilon (drawn.y, 350, 1e-6);
  g_assert_cmpfloat_with_epsilon (drawn.w, PHOTO_W - 600, 1e-6);
  g_assert_cmpfloat_with_epsilon (drawn.h, PHOTO_H - 350, 1e-6);

  /* a box under 8 picture pixels a side is a slip: nothing, still drawing */
  tf_photo_view_set_drawing (photo, TRUE);
  tf_test_drag (view, x0 + 200 * s, y0 + 200 * s, 7 * s, 40 * s, NULL);
  g_assert_cmpint (drawn.n, ==, 3);
  g_assert_true (tf_photo_view_get_drawing (photo));

  /* Escape in the middle of a drag: no box, drawing over */
  tf_test_drag (view, x0 + 200 * s, y0 + 200 * s, 60 * s, 60 * s, press_escape);
  g_assert_cmpint (drawn.n, ==, 3);
  g_assert_false (tf_photo_view_get_drawing (photo));
  /* outside drawing mode Escape is not the view's */
  g_assert_false (press_key (view, GDK_KEY_Escape));

  /* a box drawn by other means (the owner's, or a test's) ends it too */
  tf_photo_view_set_drawing (photo, TRUE);
  g_signal_emit_by_name (view, "box-drawn", 10.0, 10.0, 50.0, 50.0);
  g_assert_cmpint (drawn.n, ==, 4);
  g_assert_false (drawn.drawing);
  g_assert_false (tf_photo_view_get_drawing (photo));

  /* another photo ends drawing mode; the same one again does not */
  tf_photo_view_set_drawing (photo, TRUE);
  tf_photo_view_set_file (photo, tf_photo_view_get_file (photo));
  g_assert_true (tf_photo_view_get_drawing (photo));
  tf_photo_view_set_file (photo, NULL);
  g_assert_false (tf_photo_view_get_drawing (photo));

  tf_test_destroy (window);
  for (int i = 0; i < N_FACES; i++)
    tf_face_probe_unref (probes[i]);
}

/* ---- the photo view: removing and replacing faces */

typedef struct
{
  int          n;
  TfFaceProbe *last;
} Selected;

static void
on_face_selected_cb (TfPhotoView *view,
                     TfFaceProbe *probe,
                     Selected    *selected)
{
  selected->n++;
  selected->last = probe;
}

static void
test_photo_remove_replace (void)
{
  g_autoptr (GtkWidget) view = g_object_ref_sink (tf_photo_view_new ());
  TfPhotoView *photo = TF_PHOTO_VIEW (view);
  g_autoptr (TfFaceProbe) a = make_probe ("x.png", 1, 0, HAPPINESS);
  g_autoptr (TfFaceProbe) b = make_probe ("x.png", 2, 1, HAPPINESS);
  g_autoptr (TfFaceProbe) c = make_probe ("x.png", 3, 2, HAPPINESS);
  g_autoptr (TfFaceProbe) d = make_probe ("x.png", 4, 3, HAPPINESS);
  g_autoptr (TfFaceProbe) b2 = make_probe ("x.png", 2, 1, SADNESS);
  g_autoptr (TfFaceProbe) b3 = make_probe ("x.png", 2, 1, NEUTRAL);
  g_autoptr (TfFaceProbe) stranger = make_probe ("x.png", 99, 0, HAPPINESS);
  Selected selected = { 0 };
  TfFaceProbe *faces[] = { a, b, c, d };

  for (guint i = 0; i < G_N_ELEMENTS (faces); i++)
    tf_photo_view_add_face (photo, faces[i]);
  tf_photo_view_select (photo, 2);
  g_signal_connect (view, "face-selected", G_CALLBACK (on_face_selected_cb), &selected);

  /* the chosen face goes: the one after it takes its place and is chosen */
  tf_photo_view_remove_face (photo, c);
  g_assert_cmpuint (tf_photo_view_get_n_faces (photo), ==, 3);
  g_assert_cmpint (tf_photo_view_get_selected (photo), ==, 2);
  g_assert_true (tf_photo_view_get_face (photo, 2) == d);
  g_assert_cmpint (selected.n, ==, 1);
  g_assert_true (selected.last == d);

  /* a face before the chosen one goes: the same face stays chosen, quietly */
  tf_photo_view_remove_face (photo, a);
  g_assert_cmpuint (tf_photo_view_get_n_faces (photo), ==, 2);
  g_assert_cmpint (tf_photo_view_get_selected (photo), ==, 1);
  g_assert_true (tf_photo_view_get_face (photo, 1) == d);
  g_assert_cmpint (selected.n, ==, 1);

  /* a face it does not have: nothing */
  tf_photo_view_remove_face (photo, stranger);
  g_assert_cmpuint (tf_photo_view_get_n_faces (photo), ==, 2);
  g_assert_cmpint (selected.n, ==, 1);

  /* the last face, chosen, goes: the one before it is chosen */
  tf_photo_view_remove_face (photo, d);
  g_assert_cmpint (tf_photo_view_get_selected (photo), ==, 0);
  g_assert_true (tf_photo_view_get_face (photo, 0) == b);
  g_assert_cmpint (selected.n, ==, 2);
  g_assert_true (selected.last == b);

  /* replaced in place, the selection kept, nothing emitted; then found by
   * its face id through another probe of the same face */
  tf_photo_view_replace_face (photo, b, b2);
  g_assert_cmpuint (tf_photo_view_get_n_faces (photo), ==, 1);
  g_assert_true (tf_photo_view_get_face (photo, 0) == b2);
  g_assert_cmpint (tf_photo_view_get_selected (photo), ==, 0);
  tf_photo_view_replace_face (photo, b, b3);
  g_assert_true (tf_photo_view_get_face (photo, 0) == b3);
  g_assert_cmpint (selected.n, ==, 2);
  tf_photo_view_replace_face (photo, stranger, a);
  g_assert_true (tf_photo_view_get_face (photo, 0) == b3);

  /* the only face goes: nothing is chosen */
  tf_photo_view_remove_face (photo, b3);
  g_assert_cmpuint (tf_photo_view_get_n_faces (photo), ==, 0);
  g_assert_cmpint (tf_photo_view_get_selected (photo), ==, -1);
  g_assert_cmpint (selected.n, ==, 3);
  g_assert_null (selected.last);
}

/* ---- the folder view: labelled counts on the cards */

static gboolean
thumbnails_made (gpointer view)
{
  return tf_folder_view_get_n_thumbnails (view) >= 3;
}

static void
on_notify_cb (GObject    *object,
              GParamSpec *pspec,
              int        *count)
{
  ++*count;
}

static void
test_folder_counts (void)
{
  g_autofree char *file_a = make_photo ("a.png", 3, 0.1);
  g_autofree char *file_b = make_photo ("b.png", 2, -0.1);
  g_autofree char *file_c = make_photo ("c.png", 1, 0);
  GtkWidget *view = tf_folder_view_new ();
  TfFolderView *folder = TF_FOLDER_VIEW (view);
  g_autoptr (TfLabelMap) map = make_map ();
  TfFaceProbe *a[3], *b[2];
  g_autoptr (TfFaceProbe) c = make_probe (file_c, 41, 0, NEUTRAL);
  g_autoptr (TfFaceProbe) a0_again = NULL;
  TfFolderItem *item_a, *item_b, *item_c;
  GtkWidget *window;
  int b_notified = 0, c_notified = 0;

  for (int i = 0; i < 3; i++)
    {
      a[i] = make_probe (file_a, 21 + i, i, HAPPINESS);
      tf_folder_view_add_face (folder, a[i]);
    }
  for (int i = 0; i < 2; i++)
    {
      b[i] = make_probe (file_b, 31 + i, i, SADNESS);
      tf_folder_view_add_face (folder, b[i]);
    }
  tf_folder_view_add_face (folder, c);
  tf_folder_view_file_done (folder, file_a, NULL, 1, 3);
  tf_folder_view_file_done (folder, file_b, NULL, 1, 2);
  tf_folder_view_file_done (folder, file_c, NULL, 1, 1);
  item_a = tf_folder_view_lookup (folder, file_a);
  item_b = tf_folder_view_lookup (folder, file_b);
  item_c = tf_folder_view_lookup (folder, file_c);
  window = tf_test_show (view, 720, 420);
  tf_test_run_until (thumbnails_made, view, 10);

  /* labels already in the map count when it is set */
  tf_label_map_set (map, c->face_id, NEUTRAL, TF_LABEL_MAP_FROM_PERSON);
  g_assert_cmpuint (tf_folder_item_get_n_labelled (item_c), ==, 0);
  tf_folder_view_set_label_map (folder, map);
  g_assert_cmpuint (tf_folder_item_get_n_labelled (item_c), ==, 1);
  g_assert_cmpuint (tf_folder_item_get_n_labelled (item_a), ==, 0);
  g_signal_connect (item_b, "notify", G_CALLBACK (on_notify_cb), &b_notified);
  g_signal_connect (item_c, "notify", G_CALLBACK (on_notify_cb), &c_notified);

  /* one face's label touches its item only */
  tf_label_map_set (map, a[0]->face_id, HAPPINESS, TF_LABEL_MAP_FROM_PERSON);
  g_assert_cmpuint (tf_folder_item_get_n_labelled (item_a), ==, 1);
  g_assert_cmpuint (tf_folder_item_get_n_disagreeing (item_a), ==, 0);
  tf_label_map_set (map, a[1]->face_id, ANGER, TF_LABEL_MAP_FROM_PERSON);
  g_assert_cmpuint (tf_folder_item_get_n_labelled (item_a), ==, 2);
  g_assert_cmpuint (tf_folder_item_get_n_disagreeing (item_a), ==, 1);
  g_assert_cmpint (b_notified, ==, 0);
  g_assert_cmpint (c_notified, ==, 0);
  tf_label_map_set (map, b[0]->face_id, SADNESS, TF_LABEL_MAP_FROM_PERSON);
  tf_label_map_set (map, b[1]->face_id, SADNESS, TF_LABEL_MAP_FROM_PROPAGATED);
  g_assert_cmpuint (tf_folder_item_get_n_labelled (item_b), ==, 2);
  g_assert_cmpuint (tf_folder_item_get_n_disagreeing (item_b), ==, 0);
  g_assert_cmpint (b_notified, >, 0);
  g_assert_cmpint (c_notified, ==, 0);

  /* the cards say so */
  tf_test_settle_frames ();
  g_assert_nonnull (tf_test_find_widget (view, TF_TEST_BY_SHOWN_LABEL, "2/3 labelled"));
  g_assert_nonnull (tf_test_find_widget (view, TF_TEST_BY_SHOWN_LABEL, "2/2 labelled"));
  g_assert_nonnull (tf_test_find_widget (view, TF_TEST_BY_SHOWN_LABEL, "1/1 labelled"));
  g_assert_cmpuint (tf_test_count_widgets (view, TF_TEST_BY_SHOWN_ICON, "dialog-warning-symbolic"), ==, 1);
  {
    g_autoptr (TfTestImage) image = render (view, "folder-labels");
    (void) image;
  }

  /* a face drawn by hand, with no prediction yet, disagrees with nothing */
  {
    g_autoptr (TfFaceProbe) by_hand = make_probe (file_c, 42, 1, NEUTRAL);

    by_hand->predicted = -1;
    tf_folder_view_add_face (folder, by_hand);
    tf_label_map_set (map, by_hand->face_id, SADNESS, TF_LABEL_MAP_FROM_PERSON);
    g_assert_cmpuint (tf_folder_item_get_n_labelled (item_c), ==, 2);
    g_assert_cmpuint (tf_folder_item_get_n_disagreeing (item_c), ==, 0);
    g_assert_true (tf_folder_view_remove_face (folder, by_hand));
    g_assert_cmpuint (tf_folder_item_get_n_labelled (item_c), ==, 1);
  }

  /* a label taken back */
  tf_label_map_set (map, a[1]->face_id, TF_LABEL_MAP_NONE, TF_LABEL_MAP_FROM_PERSON);
  g_assert_cmpuint (tf_folder_item_get_n_labelled (item_a), ==, 1);
  g_assert_cmpuint (tf_folder_item_get_n_disagreeing (item_a), ==, 0);
  tf_test_settle_frames ();
  g_assert_nonnull (tf_test_find_widget (view, TF_TEST_BY_SHOWN_LABEL, "1/3 labelled"));
  g_assert_cmpuint (tf_test_count_widgets (view, TF_TEST_BY_SHOWN_ICON, "dialog-warning-symbolic"), ==, 0);

  /* a false detection removed: the item's faces and count follow */
  g_assert_true (tf_folder_view_remove_face (folder, a[2]));
  g_assert_false (tf_folder_view_remove_face (folder, a[2]));
  g_assert_cmpuint (tf_folder_item_get_n_faces (item_a), ==, 2);
  g_assert_true (tf_folder_item_get_face (item_a, 1) == a[1]);
  tf_test_settle_frames ();
  g_assert_nonnull (tf_test_find_widget (view, TF_TEST_BY_SHOWN_LABEL, "1/2 labelled"));
  /* a labelled face removed takes its label out of the count */
  tf_label_map_set (map, a[1]->face_id, SADNESS, TF_LABEL_MAP_FROM_PERSON);
  g_assert_cmpuint (tf_folder_item_get_n_disagreeing (item_a), ==, 1);
  g_assert_true (tf_folder_view_remove_face (folder, a[1]));
  g_assert_cmpuint (tf_folder_item_get_n_labelled (item_a), ==, 1);
  g_assert_cmpuint (tf_folder_item_get_n_disagreeing (item_a), ==, 0);
  /* and its id no longer counts for the item */
  tf_label_map_set (map, a[1]->face_id, ANGER, TF_LABEL_MAP_FROM_PERSON);
  g_assert_cmpuint (tf_folder_item_get_n_labelled (item_a), ==, 1);

  /* replaced by a probe of the same face that now predicts anger: in place,
   * and the label (happiness) now disagrees */
  a0_again = make_probe (file_a, a[0]->face_id, 0, ANGER);
  tf_folder_view_replace_face (folder, a[0], a0_again);
  g_assert_cmpuint (tf_folder_item_get_n_faces (item_a), ==, 1);
  g_assert_true (tf_folder_item_get_face (item_a, 0) == a0_again);
  g_assert_cmpuint (tf_folder_item_get_n_labelled (item_a), ==, 1);
  g_assert_cmpuint (tf_folder_item_get_n_disagreeing (item_a), ==, 1);
  /* its label's changes still reach the item */
  tf_label_map_set (map, a0_again->face_id, ANGER, TF_LABEL_MAP_FROM_PERSON);
  g_assert_cmpuint (tf_folder_item_get_n_disagreeing (item_a), ==, 0);

  /* every label cleared at once, then no map */
  tf_label_map_clear (map);
  g_assert_cmpuint (tf_folder_item_get_n_labelled (item_a), ==, 0);
  g_assert_cmpuint (tf_folder_item_get_n_labelled (item_b), ==, 0);
  g_assert_cmpuint (tf_folder_item_get_n_labelled (item_c), ==, 0);
  tf_label_map_set (map, c->face_id, NEUTRAL, TF_LABEL_MAP_FROM_PERSON);
  g_assert_cmpuint (tf_folder_item_get_n_labelled (item_c), ==, 1);
  tf_folder_view_set_label_map (folder, NULL);
  g_assert_cmpuint (tf_folder_item_get_n_labelled (item_c), ==, 0);
  tf_test_settle_frames ();
  g_assert_null (tf_test_find_widget (view, TF_TEST_BY_SHOWN_LABEL, "1/1 labelled"));

  tf_test_destroy (window);
  for (int i = 0; i < 3; i++)
    tf_face_probe_unref (a[i]);
  for (int i = 0; i < 2; i++)
    tf_face_probe_unref (b[i]);
}

/* ---- the main face: the largest seen, then the most central */

static TfFaceProbe *
probe_at (const char *file,
          double      x,
          double      y,
          double      w,
          double      h)
{
  TfFaceProbe *p = make_probe (file, 0, 0, HAPPINESS);

  p->box[0] = (float) x;
  p->box[1] = (float) y;
  p->box[2] = (float) w;
  p->box[3] = (float) h;
  return p;
}

static void
test_photo_main_face (void)
{
  g_autofree char *path = make_photo ("main.png", 0, 0);
  GtkWidget *view = tf_photo_view_new ();
  TfPhotoView *photo = TF_PHOTO_VIEW (view);
  /* small, then cut by the right edge (the largest box, half of it seen),
   * then whole and central */
  TfFaceProbe *faces[3] = {
    probe_at (path, 30, 120, 60, 70),
    probe_at (path, 560, 100, 160, 180),
    probe_at (path, 250, 100, 120, 140),
  };
  Selected selected = { 0 };
  GtkWidget *window;

  g_assert_cmpint (tf_face_main (NULL, 4, 0, 0, 0), ==, -1);
  g_signal_connect (view, "face-selected", G_CALLBACK (on_face_selected_cb), &selected);
  tf_photo_view_set_file (photo, path);
  for (int i = 0; i < 3; i++)
    tf_photo_view_add_face (photo, faces[i]);
  /* before the picture's size is known: the largest box */
  tf_photo_view_select_main (photo);
  g_assert_cmpint (tf_photo_view_get_selected (photo), ==, 1);
  g_assert_true (selected.last == faces[1]);
  window = tf_test_show (view, PHOTO_W, PHOTO_H);
  g_assert_true (tf_test_wait_until (is_loaded, view, 10));
  /* then what is seen of each: the whole central face, said to the owner */
  g_assert_cmpint (tf_photo_view_get_selected (photo), ==, 2);
  g_assert_true (selected.last == faces[2]);

  /* a face chosen by the person stays chosen when the size comes */
  tf_photo_view_set_file (photo, path);
  for (int i = 0; i < 3; i++)
    tf_photo_view_add_face (photo, faces[i]);
  tf_photo_view_select_main (photo);
  g_assert_true (press_key (view, GDK_KEY_Left));
  g_assert_cmpint (tf_photo_view_get_selected (photo), ==, 0);
  g_assert_true (tf_test_wait_until (is_loaded, view, 10));
  tf_test_settle (0.05);
  g_assert_cmpint (tf_photo_view_get_selected (photo), ==, 0);

  /* faces of about the same size (within a tenth): the central one, though
   * smaller and found second */
  tf_photo_view_set_file (photo, path);
  g_assert_true (tf_test_wait_until (is_loaded, view, 10));
  {
    g_autoptr (TfFaceProbe) left = probe_at (path, 20, 150, 100, 100);
    g_autoptr (TfFaceProbe) central = probe_at (path, 271, 150, 98, 100);

    tf_photo_view_add_face (photo, left);
    tf_photo_view_add_face (photo, central);
    tf_photo_view_select_main (photo);
    g_assert_cmpint (tf_photo_view_get_selected (photo), ==, 1);
    /* a face that comes later and is larger is chosen instead, until the
     * person chooses */
    {
      g_autoptr (TfFaceProbe) large = probe_at (path, 400, 100, 200, 220);
      tf_photo_view_add_face (photo, large);
      g_assert_cmpint (tf_photo_view_get_selected (photo), ==, 2);
      g_assert_true (selected.last == large);
    }
    tf_photo_view_set_file (photo, NULL);
  }
  tf_test_destroy (window);
  for (int i = 0; i < 3; i++)
    tf_face_probe_unref (faces[i]);
}

static void
on_item_selected_cb (TfFolderView  *view,
                     TfFolderItem  *item,
                     TfFolderItem **last)
{
  *last = item;
}

/* the order the photo view goes through, the selection Back restores */
static void
test_folder_browse (void)
{
  g_autofree char *file_a = make_photo ("m-a.png", 1, 0.1);
  g_autofree char *file_b = make_photo ("m-b.png", 2, -0.1);
  g_autofree char *file_c = make_photo ("m-c.png", 1, 0);
  g_autofree char *video = g_build_filename (tmpdir, "m-v.mp4", NULL);
  GtkWidget *view = tf_folder_view_new ();
  TfFolderView *folder = TF_FOLDER_VIEW (view);
  g_autoptr (TfFaceProbe) a = make_probe (file_a, 51, 0, HAPPINESS);
  g_autoptr (TfFaceProbe) small = probe_at (file_b, 20, 20, 40, 50);
  g_autoptr (TfFaceProbe) large = probe_at (file_b, 200, 60, 150, 170);
  g_autoptr (TfFaceProbe) c = make_probe (file_c, 53, 0, NEUTRAL);
  TfFolderItem *item_a, *item_b, *item_v, *item_c, *last = NULL;
  GtkWidget *window;

  tf_folder_view_add_face (folder, a);
  tf_folder_view_add_face (folder, small);
  tf_folder_view_add_face (folder, large);
  tf_folder_view_file_done (folder, video, NULL, 10, 0);
  tf_folder_view_add_face (folder, c);
  item_a = tf_folder_view_lookup (folder, file_a);
  item_b = tf_folder_view_lookup (folder, file_b);
  item_v = tf_folder_view_lookup (folder, video);
  item_c = tf_folder_view_lookup (folder, file_c);
  g_assert_true (tf_folder_item_get_is_video (item_v));

  /* the grid's order, videos skipped for the photo view, no wrap */
  g_assert_true (tf_folder_view_step (folder, file_a, 1, TRUE) == item_b);
  g_assert_true (tf_folder_view_step (folder, file_b, 1, TRUE) == item_c);
  g_assert_true (tf_folder_view_step (folder, file_b, 1, FALSE) == item_v);
  g_assert_true (tf_folder_view_step (folder, file_c, -1, TRUE) == item_b);
  g_assert_null (tf_folder_view_step (folder, file_c, 1, TRUE));
  g_assert_null (tf_folder_view_step (folder, file_a, -1, TRUE));
  g_assert_null (tf_folder_view_step (folder, "/nowhere.png", 1, TRUE));

  /* the main face of an item: the larger, found second */
  g_assert_true (tf_folder_item_get_main_face (item_b) == large);
  g_assert_true (tf_folder_item_get_main_face (item_a) == a);
  g_assert_null (tf_folder_item_get_main_face (item_v));

  /* selected, said, in view and focused */
  g_signal_connect (view, "item-selected", G_CALLBACK (on_item_selected_cb), &last);
  window = tf_test_show (view, 640, 200);
  g_assert_null (tf_folder_view_get_selected (folder));
  g_assert_true (tf_folder_view_select_file (folder, file_c, TRUE));
  g_assert_true (last == item_c);
  g_assert_true (tf_folder_view_get_selected (folder) == item_c);
  tf_test_settle (0.3);
  {
    GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (window));
    g_autofree char *name = g_filename_display_basename (file_c);

    g_assert_nonnull (focus);
    g_assert_true (gtk_widget_is_ancestor (focus, view));
    g_assert_nonnull (tf_test_find_widget (focus, TF_TEST_BY_SHOWN_LABEL, name));
  }
  /* a face that comes to the selected item is news: the main one may change */
  last = NULL;
  {
    g_autoptr (TfFaceProbe) c2 = probe_at (file_c, 300, 40, 200, 220);
    g_autoptr (TfFaceProbe) a2 = probe_at (file_a, 0, 0, 10, 10);

    tf_folder_view_add_face (folder, c2);
    g_assert_true (last == item_c);
    g_assert_true (tf_folder_item_get_main_face (item_c) == c2);
    last = NULL;
    tf_folder_view_add_face (folder, a2);
    g_assert_null (last);
  }
  g_assert_false (tf_folder_view_select_file (folder, NULL, FALSE));
  g_assert_null (last);
  g_assert_null (tf_folder_view_get_selected (folder));
  tf_test_destroy (window);
}

int
main (int    argc,
      char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  gtk_init ();
  adw_init ();
  tmpdir = g_dir_make_tmp ("test-photo-labels-XXXXXX", NULL);
  g_assert_nonnull (tmpdir);

  g_test_add_func ("/photo-labels/photo/draw", test_photo_draw);
  g_test_add_func ("/photo-labels/photo/draw-box", test_photo_draw_box);
  g_test_add_func ("/photo-labels/photo/remove-replace", test_photo_remove_replace);
  g_test_add_func ("/photo-labels/folder/counts", test_folder_counts);
  g_test_add_func ("/photo-labels/photo/main-face", test_photo_main_face);
  g_test_add_func ("/photo-labels/folder/browse", test_folder_browse);
  status = g_test_run ();

  {
    const char *names[] = { "labels.png", "draw.png", "a.png", "b.png", "c.png", "main.png",
                            "m-a.png", "m-b.png", "m-c.png" };
    for (guint i = 0; i < G_N_ELEMENTS (names); i++)
      {
        g_autofree char *path = g_build_filename (tmpdir, names[i], NULL);
        g_remove (path);
      }
    g_rmdir (tmpdir);
    g_free (tmpdir);
  }
  return status;
}
