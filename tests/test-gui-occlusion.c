/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Exploring the sample face in the whole window: a square dragged over it
 * (through the X server's pointer) changes the prediction while it is
 * held and gives it back on release; the occluder clipped at the crop's
 * edge; the occlusion-sensitivity map computed in the background and drawn
 * as a map; a LANet dropped, and the per-LANet ablation beside the heads'. */
#include <math.h>

#include "tf-test-app.h"

#include "tf-widgets-private.h"

static TfFaceInspector *
inspector (void)
{
  return tf_window_get_inspector (window);
}

static double
probs_diff (const TfFaceProbe *a,
            const TfFaceProbe *b)
{
  double d = 0;

  g_assert_cmpint (a->classes, ==, b->classes);
  for (int k = 0; k < a->classes; k++)
    d = MAX (d, fabs (a->probs[k] - b->probs[k]));
  return d;
}

static gboolean
has_variant (gpointer data)
{
  TfFaceProbe *v = tf_face_inspector_get_variant (inspector ());

  return v != NULL && v != data;
}

/* a variant with the probabilities of @data: what the newest request gives */
static gboolean
variant_like (gpointer data)
{
  TfFaceProbe *v = tf_face_inspector_get_variant (inspector ());

  return v != NULL && probs_diff (v, data) < 1e-5;
}

static gboolean
explore_idle (gpointer data)
{
  return !tf_window_get_explore_running (window);
}

static gboolean
no_variant (gpointer data)
{
  return tf_face_inspector_get_variant (inspector ()) == NULL;
}

/* the face opened, its first face in the inspector, the exploring reset */
static TfFaceProbe *
open_sample (void)
{
  if (tf_face_inspector_get_probe (inspector ()) == NULL)
    {
      open_and_wait (sample, 30);
      g_assert_true (tf_test_wait_until (has_inspected_face, NULL, 10));
    }
  return tf_face_inspector_get_probe (inspector ());
}

/* the pointer pressed at (@x, @y) of the overlay and moved by (@dx, @dy),
 * held; released by release() */
static void
press_and_move (GtkWidget *overlay,
                double     x,
                double     y,
                double     dx,
                double     dy)
{
#ifdef HAVE_XTEST
  if (GDK_IS_X11_DISPLAY (gtk_widget_get_display (overlay)))
    {
      Display *xd = gdk_x11_display_get_xdisplay (gtk_widget_get_display (overlay));
      int rx, ry;

      gtk_window_present (GTK_WINDOW (window));
      tf_test_settle (0.1);
      tf_test_x11_point (overlay, x, y, &rx, &ry);
      XTestFakeMotionEvent (xd, -1, rx, ry, CurrentTime);
      XTestFakeButtonEvent (xd, 1, True, CurrentTime);
      for (int step = 1; step <= 6; step++)
        XTestFakeMotionEvent (xd, -1, rx + (int) lround (dx * step / 6), ry + (int) lround (dy * step / 6),
                              CurrentTime);
      XSync (xd, False);
      return;
    }
#endif
  {
    GtkGesture *gesture = tf_test_find_controller (overlay, GTK_TYPE_GESTURE_DRAG);
    g_signal_emit_by_name (gesture, "drag-begin", x, y);
    g_signal_emit_by_name (gesture, "drag-update", dx, dy);
  }
}

static void
release (GtkWidget *overlay)
{
#ifdef HAVE_XTEST
  if (GDK_IS_X11_DISPLAY (gtk_widget_get_display (overlay)))
    {
      Display *xd = gdk_x11_display_get_xdisplay (gtk_widget_get_display (overlay));
      XTestFakeButtonEvent (xd, 1, False, CurrentTime);
      XSync (xd, False);
      return;
    }
#endif
  g_signal_emit_by_name (tf_test_find_controller (overlay, GTK_TYPE_GESTURE_DRAG), "drag-end", 0.0, 0.0);
}

static void
test_drag (void)
{
  g_autoptr(TfFaceProbe) base = tf_face_probe_ref (open_sample ());
  GtkWidget *overlay = GTK_WIDGET (tf_face_inspector_get_overlay (inspector ()));
  GtkWidget *occlude = tf_test_find_widget (GTK_WIDGET (inspector ()), TF_TEST_BY_NAME, "occlude");
  graphene_rect_t face;
  TfFaceProbe *v;
  double rect[4];

  g_assert_nonnull (occlude);
  g_assert_true (gtk_widget_get_sensitive (occlude));
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (occlude), TRUE);
  g_assert_true (tf_test_wait_until (tf_test_is_laid_out, overlay, 10));
  g_assert_true (tf_attention_overlay_get_face_rect (TF_ATTENTION_OVERLAY (overlay), &face));

  /* a real drag: pressed on the mouth, moved to the left eye, held */
  press_and_move (overlay, face.origin.x + 0.5 * face.size.width, face.origin.y + 0.75 * face.size.height,
                  -0.17 * face.size.width, -0.36 * face.size.height);
  g_assert_true (tf_test_wait_until (has_variant, NULL, 10));
  g_assert_true (tf_face_inspector_get_occluder (inspector (), rect, NULL));
  g_assert_cmpfloat (fabs (rect[0] + rect[2] / 2 - 0.33), <, 0.03);
  g_assert_cmpfloat (fabs (rect[1] + rect[3] / 2 - 0.39), <, 0.03);
  /* the newest square wins: wait for its answer, then it is what is shown */
  tf_test_settle (0.5);
  v = tf_face_inspector_get_variant (inspector ());
  g_assert_nonnull (v);
  g_assert_cmpfloat (probs_diff (v, base), >, 1e-4);
  /* the bars show the changed face, the inspector still holds the face */
  g_assert_true (tf_face_inspector_get_probe (inspector ()) == base);
  screenshot ("occlusion-drag");

  release (overlay);
  g_assert_true (tf_test_wait_until (no_variant, NULL, 5));
  g_assert_false (tf_face_inspector_get_occluder (inspector (), NULL, NULL));
  g_assert_true (tf_face_inspector_get_probe (inspector ()) == base);

  /* partly off the crop: clipped, still hides its corner; blurred, then
   * grey again, each its own answer */
  {
    double corner[4] = { -0.15, -0.15, 0.5, 0.5 };
    GtkDropDown *fill = GTK_DROP_DOWN (tf_test_find_widget (GTK_WIDGET (inspector ()), TF_TEST_BY_NAME,
                                                            "occlude-fill"));
    g_autoptr(TfFaceProbe) grey = NULL;
    gboolean blur = FALSE;

    tf_face_inspector_set_occluder (inspector (), corner);
    g_assert_true (tf_test_wait_until (has_variant, NULL, 10));
    grey = tf_face_probe_ref (tf_face_inspector_get_variant (inspector ()));
    g_assert_cmpfloat (probs_diff (grey, base), >, 1e-6);
    gtk_drop_down_set_selected (fill, 1);
    g_assert_true (tf_face_inspector_get_occluder (inspector (), NULL, &blur));
    g_assert_true (blur);
    g_assert_true (tf_test_wait_until (has_variant, grey, 10));
    g_assert_cmpfloat (probs_diff (tf_face_inspector_get_variant (inspector ()), grey), >, 1e-6);
    screenshot ("occlusion-blur");
    gtk_drop_down_set_selected (fill, 0);
  }
  /* a fast drag: twenty squares while one face is computed; the ones in
   * between are dropped, the last one wholly off the crop, which gives
   * the face as given: a drag's steps are not averaged with the mirror
   * image (the preference is on by default), to keep up with the pointer */
  {
    double off[4] = { 1.2, 0.2, 0.25, 0.25 };
    g_autoptr(TfFaceProbe) plain = NULL;
    guint computed;
    g_autoptr(GSettings) settings = g_settings_new (TF_APPLICATION_ID);

    g_assert_true (tf_test_wait_until (explore_idle, NULL, 10));
    g_assert_true (g_settings_get_boolean (settings, "mirror-average"));
    tf_face_inspector_set_occluder (inspector (), off);
    g_assert_true (tf_test_wait_until (has_variant, tf_face_inspector_get_variant (inspector ()), 10));
    plain = tf_face_probe_ref (tf_face_inspector_get_variant (inspector ()));
    g_assert_cmpfloat (probs_diff (plain, base), >, 1e-6);
    g_assert_true (tf_test_wait_until (explore_idle, NULL, 10));
    computed = tf_window_get_explore_computed (window);
    for (int i = 0; i < 20; i++)
      {
        double square[4] = { 0.05 * i, 0.2, 0.25, 0.25 };
        if (i == 19)
          square[0] = 1.2;
        tf_face_inspector_set_occluder (inspector (), square);
      }
    g_assert_true (tf_test_wait_until (variant_like, plain, 10));
    g_assert_true (tf_test_wait_until (explore_idle, NULL, 10));
    /* the first, and the newest that waited for it */
    g_assert_cmpuint (tf_window_get_explore_computed (window) - computed, ==, 2);
  }
  tf_face_inspector_set_occluder (inspector (), NULL);
  g_assert_true (tf_test_wait_until (no_variant, NULL, 5));
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (occlude), FALSE);
}

static gboolean
has_occlusion_map (gpointer data)
{
  TfFaceProbe *p = tf_face_inspector_get_probe (inspector ());

  return p != NULL && p->occlusion_map != NULL;
}

static void
test_map (void)
{
  TfFaceProbe *p;
  float lo = INFINITY, hi = -INFINITY;

  open_sample ();
  tf_face_inspector_show_occlusion_map (inspector ());
  g_assert_true (tf_face_inspector_get_occlusion_shown (inspector ()));
  g_assert_true (tf_test_wait_until (has_occlusion_map, NULL, 120));
  p = tf_face_inspector_get_probe (inspector ());
  g_assert_cmpint (p->occlusion_grid, ==, 5);
  for (int i = 0; i < 25; i++)
    {
      g_assert_true (isfinite (p->occlusion_map[i]));
      lo = MIN (lo, p->occlusion_map[i]);
      hi = MAX (hi, p->occlusion_map[i]);
    }
  g_assert_cmpfloat (hi, >, lo);
  g_assert_cmpint (tf_attention_overlay_get_kind (tf_face_inspector_get_overlay (inspector ())), ==,
                   TF_OVERLAY_OCCLUSION);
  /* a choice of this face only: the kept one ("map") is not it */
  g_assert_cmpstr (tf_face_inspector_get_map (inspector ()), !=, "occlusion");
  screenshot ("occlusion-map");
}

static gboolean
has_lanet_ablation (gpointer data)
{
  TfFaceProbe *p = tf_face_inspector_get_probe (inspector ());

  return p != NULL && p->lanet_ablation != NULL && p->ablation != NULL;
}

static void
test_drop_lanet (void)
{
  g_autoptr(TfFaceProbe) base = tf_face_probe_ref (open_sample ());
  g_autoptr(TfFaceProbe) dropped = NULL;
  TfFaceProbe *p;
  GtkWidget *table;
  const int gg = base->grid * base->grid;

  g_assert_cmpint (base->lanets, ==, 2);
  /* back from the occlusion map to the LANets' max, which the drop changes */
  tf_face_inspector_set_map (inspector (), "max");
  g_assert_false (tf_face_inspector_get_occlusion_shown (inspector ()));
  g_assert_cmpint (tf_attention_overlay_get_kind (tf_face_inspector_get_overlay (inspector ())), ==,
                   TF_OVERLAY_LANET_MAX);
  tf_face_inspector_set_dropped_lanet (inspector (), 0);
  g_assert_true (tf_test_wait_until (has_variant, NULL, 10));
  dropped = tf_face_probe_ref (tf_face_inspector_get_variant (inspector ()));
  /* map 1 dropped: the max of the maps is map 2, and the answer moved */
  for (int q = 0; q < gg; q++)
    g_assert_cmpfloat (dropped->lanet_max[q], ==, dropped->lanet_maps[gg + q]);
  g_assert_cmpfloat (probs_diff (dropped, base), >, 1e-6);
  screenshot ("drop-lanet");
  tf_face_inspector_set_dropped_lanet (inspector (), -1);
  g_assert_true (tf_test_wait_until (no_variant, NULL, 5));

  /* Compute: the heads' ablation and the LANets' */
  gtk_widget_activate (tf_face_inspector_get_compute_button (inspector ()));
  g_assert_true (tf_test_wait_until (has_lanet_ablation, NULL, 120));
  p = tf_face_inspector_get_probe (inspector ());
  for (int k = 0; k < p->classes; k++)
    g_assert_cmpfloat (fabs (p->lanet_ablation[k] - dropped->probs[k]), <, 1e-5);
  /* the occlusion map computed before stays with the face */
  g_assert_nonnull (p->occlusion_map);
  table = tf_test_find_widget (GTK_WIDGET (inspector ()), TF_TEST_BY_NAME, "lanet-ablation");
  g_assert_nonnull (table);
  g_assert_true (gtk_widget_get_visible (table));
  /* a caption and one row per LANet */
  g_assert_cmpuint (tf_test_count_widgets (table, TF_TEST_BY_TYPE, GSIZE_TO_POINTER (GTK_TYPE_LABEL)), ==, 3);
  screenshot ("lanet-ablation");
}

int
main (int    argc,
      char **argv)
{
  if (!tf_test_app_init (&argc, &argv, "test-gui-occlusion"))
    return 77;

  g_test_add_func ("/gui-occlusion/drag", test_drag);
  g_test_add_func ("/gui-occlusion/map", test_map);
  g_test_add_func ("/gui-occlusion/drop-lanet", test_drop_lanet);

  {
    int status = g_test_run ();

    tf_test_app_finish ();
    return status;
  }
}
