/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The widgets under a real display (Xvfb, GSK's cairo renderer): each is put
 * in a window, presented, rendered to a texture with the window's renderer
 * and checked pixel by pixel; every picture is saved next to the test binary
 * (its path is in the log). Keys go through the widgets' own key bindings:
 * the shortcut bound to the key in the widget's class is looked up and its
 * action run on the widget, as GTK does when the key arrives. Pointer input
 * goes through the functions the gestures call (tf-widgets-private.h). */
#include <adwaita.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tf-test-gtk.h"
#include "tf-widgets.h"
#include "tf-widgets-private.h"

#define GRID     14
#define LANETS   4
#define DEPTH    2
#define HEADS    4
#define CLASSES  3
#define CROP     112

/* ---- fixtures */

/* the crop's colour at (u, v) in 0..1: a smooth ramp, so scaling keeps it */
static void
crop_color (double  u,
            double  v,
            double  rgb[3])
{
  rgb[0] = 40 + 120 * u;
  rgb[1] = 60 + 100 * v;
  rgb[2] = 150;
}

static GdkTexture *
make_crop (void)
{
  gsize stride = CROP * 3;
  guint8 *pixels = g_malloc (stride * CROP);
  g_autoptr (GBytes) bytes = NULL;

  for (int y = 0; y < CROP; y++)
    for (int x = 0; x < CROP; x++)
      {
        double rgb[3];

        crop_color ((x + 0.5) / CROP, (y + 0.5) / CROP, rgb);
        for (int c = 0; c < 3; c++)
          pixels[y * stride + 3 * x + c] = (guint8) lround (rgb[c]);
      }
  bytes = g_bytes_new_take (pixels, stride * CROP);
  return gdk_memory_texture_new (CROP, CROP, GDK_MEMORY_R8G8B8, bytes, stride);
}

/* a g x g map at 0.1 with a 3 x 3 block at 0.9 centred on (row, col) */
static void
hot_map (float *map,
         int    row,
         int    col)
{
  for (int i = 0; i < GRID * GRID; i++)
    map[i] = 0.1f;
  for (int dr = -1; dr <= 1; dr++)
    for (int dc = -1; dc <= 1; dc++)
      map[(row + dr) * GRID + col + dc] = 0.9f;
}

static const int lanet_hot[LANETS][2] = { { 3, 3 }, { 3, 10 }, { 10, 3 }, { 10, 10 } };

static TfFaceProbe *
make_probe (void)
{
  static const char *names[] = { "anger", "happiness", "neutral", NULL };
  static const float probs[CLASSES] = { 0.05f, 0.85f, 0.10f };
  /* head 2 leads block 0, head 0 leads block 1 */
  static const float contrib[DEPTH][HEADS] = { { 0.1f, 0.2f, 0.6f, 0.1f }, { 0.4f, 0.3f, 0.2f, 0.1f } };
  TfFaceProbe *p = tf_face_probe_new ();
  int gg = GRID * GRID;

  p->file = g_strdup ("synthetic.png");
  p->frame = 0;
  p->box[2] = p->box[3] = 100;
  p->score = 0.9f;
  p->crop = make_crop ();
  p->classes = CLASSES;
  p->class_names = g_strdupv ((char **) names);
  p->probs = g_memdup2 (probs, sizeof probs);
  p->predicted = 1;
  p->lanets = LANETS;
  p->grid = GRID;
  p->depth = DEPTH;
  p->heads = HEADS;
  p->lanet_maps = g_new (float, LANETS * gg);
  p->lanet_max = g_new (float, gg);
  for (int b = 0; b < LANETS; b++)
    hot_map (p->lanet_maps + b * gg, lanet_hot[b][0], lanet_hot[b][1]);
  for (int i = 0; i < gg; i++)
    {
      p->lanet_max[i] = 0;
      for (int b = 0; b < LANETS; b++)
        p->lanet_max[i] = MAX (p->lanet_max[i], p->lanet_maps[b * gg + i]);
    }
  p->cls_attn = g_new (float, DEPTH * HEADS * gg);
  for (int l = 0; l < DEPTH; l++)
    for (int h = 0; h < HEADS; h++)
      hot_map (p->cls_attn + (l * HEADS + h) * gg, 2 + 3 * h, 2 + 6 * l);
  p->head_contrib = g_memdup2 (contrib, sizeof contrib);
  p->rollout = g_new (float, gg);
  for (int i = 0; i < gg; i++)
    p->rollout[i] = (float) (i % GRID) / GRID;
  p->input_size = CROP;
  p->source_size = CROP / 2;
  p->source_rgb = g_malloc0 (3 * (CROP / 2) * (CROP / 2));
  p->source_rgb[7] = 99;
  return p;
}

/* the change of each class per dropped head: the predicted class (1) falls
 * most for (0, 2), rises most for (1, 3), and does not move for (1, 1) */
static float *
make_ablation (void)
{
  float *a = g_new0 (float, DEPTH * HEADS * CLASSES);

  for (int l = 0; l < DEPTH; l++)
    for (int h = 0; h < HEADS; h++)
      a[(l * HEADS + h) * CLASSES + 1] = 0.01f * (h - 1) * (l == 0 ? -1 : 1);
  a[(0 * HEADS + 2) * CLASSES + 1] = -0.20f;
  a[(1 * HEADS + 3) * CLASSES + 1] = 0.10f;
  a[(1 * HEADS + 1) * CLASSES + 1] = 0.0f;
  return a;
}

/* ---- showing and rendering (tf-test-gtk.h) */

static const GdkRGBA white = { 1, 1, 1, 1 };

/* every pixel is opaque over the background it is drawn on */
static void
pixel (const TfTestImage *image,
       double             x,
       double             y,
       int                rgb[3])
{
  g_assert_cmpint (tf_test_pixel (image, x, y, rgb), ==, 255);
}

static void
assert_near (const int   got[3],
             const double want[3],
             int          tolerance,
             const char  *what)
{
  for (int c = 0; c < 3; c++)
    if (fabs (got[c] - want[c]) > tolerance)
      g_error ("%s: got (%d, %d, %d), want (%.0f, %.0f, %.0f) within %d", what,
               got[0], got[1], got[2], want[0], want[1], want[2], tolerance);
}

/* Runs what @keyval is bound to in @widget's class, as a key press would. */
static void
press_key (GtkWidget *widget,
           guint      keyval)
{
  g_assert_true (tf_test_activate_shortcut (widget, keyval));
}

/* ---- colour maps */

static void
test_colormap_tables (void)
{
  /* matplotlib's _cm_listed.py: first and last entries, and entry 64 (t = 64/255) */
  static const struct
  {
    TfColormap map;
    int first[3], last[3], e64[3];
  } want[] = {
    { TF_COLORMAP_VIRIDIS, { 68, 1, 84 }, { 253, 231, 37 }, { 59, 82, 139 } },
    { TF_COLORMAP_MAGMA, { 0, 0, 4 }, { 252, 253, 191 }, { 81, 18, 124 } },
    { TF_COLORMAP_INFERNO, { 0, 0, 4 }, { 252, 255, 164 }, { 87, 16, 110 } },
    { TF_COLORMAP_TURBO, { 48, 18, 59 }, { 122, 4, 3 }, { 40, 188, 235 } },
    { TF_COLORMAP_GRAY, { 0, 0, 0 }, { 255, 255, 255 }, { 64, 64, 64 } },
  };

  for (guint i = 0; i < G_N_ELEMENTS (want); i++)
    {
      uint8_t rgb[3], lo[3], hi[3], nan_rgb[3];

      tf_colormap_lookup (want[i].map, 0.0, rgb);
      for (int c = 0; c < 3; c++)
        g_assert_cmpint (rgb[c], ==, want[i].first[c]);
      tf_colormap_lookup (want[i].map, 1.0, rgb);
      for (int c = 0; c < 3; c++)
        g_assert_cmpint (rgb[c], ==, want[i].last[c]);
      tf_colormap_lookup (want[i].map, 64 / 255.0, rgb);
      for (int c = 0; c < 3; c++)
        g_assert_cmpint (rgb[c], ==, want[i].e64[c]);
      /* clamped, and NaN is the bottom */
      tf_colormap_lookup (want[i].map, -3.0, lo);
      tf_colormap_lookup (want[i].map, 7.0, hi);
      tf_colormap_lookup (want[i].map, NAN, nan_rgb);
      for (int c = 0; c < 3; c++)
        {
          g_assert_cmpint (lo[c], ==, want[i].first[c]);
          g_assert_cmpint (hi[c], ==, want[i].last[c]);
          g_assert_cmpint (nan_rgb[c], ==, want[i].first[c]);
        }
    }
}

static void
test_colormap_names (void)
{
  for (int i = 0; i < TF_N_COLORMAPS; i++)
    {
      const char *name = tf_colormap_to_string (i);

      g_assert_nonnull (name);
      g_assert_cmpint (tf_colormap_from_string (name), ==, i);
    }
  g_assert_cmpstr (tf_colormap_to_string (TF_COLORMAP_VIRIDIS), ==, "viridis");
  g_assert_cmpstr (tf_colormap_to_string (TF_COLORMAP_GRAY), ==, "gray");
  g_assert_cmpint (tf_colormap_from_string ("turbo"), ==, TF_COLORMAP_TURBO);
  g_assert_cmpint (tf_colormap_from_string ("Viridis"), ==, -1);
  g_assert_cmpint (tf_colormap_from_string ("jet"), ==, -1);
  g_assert_cmpint (tf_colormap_from_string (""), ==, -1);
  g_assert_cmpint (tf_colormap_from_string (NULL), ==, -1);
}

/* ---- the probe record */

static void
test_probe_copy (void)
{
  TfFaceProbe *probe = make_probe ();
  g_autofree float *ablation = make_ablation ();
  GdkTexture *crop = probe->crop;
  TfFaceProbe *copy, *boxed;
  int gg = GRID * GRID;

  g_assert_true (G_TYPE_IS_BOXED (TF_TYPE_FACE_PROBE));
  boxed = g_boxed_copy (TF_TYPE_FACE_PROBE, probe);
  g_assert_true (boxed == probe);   /* a reference, not a copy */
  g_boxed_free (TF_TYPE_FACE_PROBE, boxed);

  g_assert_null (probe->ablation);
  copy = tf_face_probe_with_ablation (probe, ablation);
  ablation[1] = 42;                 /* the copy has its own array */

  g_assert_true (copy != probe);
  g_assert_true (copy->crop == crop);
  g_assert_true (copy->probs != probe->probs);
  g_assert_true (copy->lanet_maps != probe->lanet_maps);
  g_assert_true (copy->source_rgb != probe->source_rgb);
  g_assert_true (copy->class_names != probe->class_names);
  g_assert_cmpstr (copy->file, ==, "synthetic.png");
  g_assert_cmpint (copy->predicted, ==, 1);
  g_assert_cmpint (copy->depth, ==, DEPTH);
  g_assert_cmpmem (copy->lanet_maps, LANETS * gg * sizeof (float), probe->lanet_maps, LANETS * gg * sizeof (float));
  g_assert_cmpmem (copy->cls_attn, DEPTH * HEADS * gg * sizeof (float),
                   probe->cls_attn, DEPTH * HEADS * gg * sizeof (float));
  g_assert_cmpmem (copy->source_rgb, 3 * (CROP / 2) * (CROP / 2), probe->source_rgb, 3 * (CROP / 2) * (CROP / 2));
  g_assert_cmpstr (copy->class_names[2], ==, "neutral");
  g_assert_nonnull (copy->ablation);
  g_assert_cmpfloat (copy->ablation[(0 * HEADS + 2) * CLASSES + 1], ==, -0.20f);
  g_assert_cmpfloat (copy->ablation[1], !=, 42);

  /* the original can go first: the copy holds its own texture reference */
  tf_face_probe_unref (probe);
  g_assert_true (GDK_IS_TEXTURE (copy->crop));
  g_assert_cmpint (gdk_texture_get_width (copy->crop), ==, CROP);

  /* a copy of a copy keeps the ablation when none is given */
  {
    TfFaceProbe *again = tf_face_probe_with_ablation (copy, NULL);

    g_assert_true (again->ablation != copy->ablation);
    g_assert_cmpmem (again->ablation, DEPTH * HEADS * CLASSES * sizeof (float),
                     copy->ablation, DEPTH * HEADS * CLASSES * sizeof (float));
    tf_face_probe_unref (again);
  }
  tf_face_probe_unref (copy);
}

/* ---- attention overlay */

/* the centre of grid cell (row, col) in widget coordinates, and the crop's
 * colour there */
static void
cell_centre (TfAttentionOverlay *overlay,
             int                 row,
             int                 col,
             double             *x,
             double             *y,
             double              crop[3])
{
  graphene_rect_t r;
  double u = (col + 0.5) / GRID, v = (row + 0.5) / GRID;

  g_assert_true (tf_attention_overlay_get_face_rect (overlay, &r));
  *x = r.origin.x + u * r.size.width;
  *y = r.origin.y + v * r.size.height;
  crop_color (u, v, crop);
}

static void
blend (const double crop[3],
       const uint8_t top[3],
       double        opacity,
       double        out[3])
{
  for (int c = 0; c < 3; c++)
    out[c] = crop[c] * (1 - opacity) + top[c] * opacity;
}

static void
test_overlay (void)
{
  TfFaceProbe *probe = make_probe ();
  GtkWidget *widget = tf_attention_overlay_new ();
  TfAttentionOverlay *overlay = TF_ATTENTION_OVERLAY (widget);
  GtkWidget *window;
  uint8_t top[3], bottom[3];
  double x, y, crop[3], want[3];
  int hot[3], cold[3], got[3];
  guint builds;

  window = tf_test_show (widget, 320, 320);

  /* nothing to show: a placeholder, no crash */
  {
    g_autoptr (TfTestImage) empty = tf_test_render (widget, "overlay-empty", &white);

    pixel (empty, 160, 160, got);
  }

  tf_attention_overlay_set_probe (overlay, probe);
  tf_attention_overlay_set_colormap (overlay, TF_COLORMAP_VIRIDIS);
  tf_attention_overlay_set_opacity (overlay, 0.6);
  tf_attention_overlay_set_kind (overlay, TF_OVERLAY_LANET, 2, 0);
  g_assert_cmpint (tf_attention_overlay_get_kind (overlay), ==, TF_OVERLAY_LANET);
  tf_test_settle_frames ();

  tf_colormap_lookup (TF_COLORMAP_VIRIDIS, 1, top);
  tf_colormap_lookup (TF_COLORMAP_VIRIDIS, 0, bottom);
  {
    g_autoptr (TfTestImage) image = tf_test_render (widget, "overlay-lanet3", &white);

    /* LANet 3's hot spot: the top of the map over the face */
    cell_centre (overlay, lanet_hot[2][0], lanet_hot[2][1], &x, &y, crop);
    pixel (image, x, y, hot);
    blend (crop, top, 0.6, want);
    assert_near (hot, want, 6, "hot spot");
    /* a cold cell far from it: the bottom of the map */
    cell_centre (overlay, 1, 12, &x, &y, crop);
    pixel (image, x, y, cold);
    blend (crop, bottom, 0.6, want);
    assert_near (cold, want, 6, "cold spot");
    g_assert_cmpint (tf_test_distance (hot, cold), >, 80);
    /* another LANet's hot spot is cold in this map */
    cell_centre (overlay, lanet_hot[1][0], lanet_hot[1][1], &x, &y, crop);
    pixel (image, x, y, got);
    blend (crop, bottom, 0.6, want);
    assert_near (got, want, 6, "LANet 2's spot in LANet 3's map");
  }

  /* smooth: between the hot block and the cold background the colour
   * passes through intermediate values (bilinear, not blocky) */
  {
    g_autoptr (TfTestImage) image = tf_test_render (widget, "overlay-lanet3-again", &white);
    graphene_rect_t r;
    int distinct = 0, prev[3] = { -1, -1, -1 };

    g_assert_true (tf_attention_overlay_get_face_rect (overlay, &r));
    /* from the centre of the block's last hot column to the first cold one */
    for (double u = (lanet_hot[2][1] + 1.5) / GRID; u < (lanet_hot[2][1] + 2.5) / GRID; u += 1.0 / r.size.width)
      {
        pixel (image, r.origin.x + u * r.size.width, r.origin.y + (lanet_hot[2][0] + 0.5) / GRID * r.size.height, got);
        if (tf_test_distance (got, prev) > 0)
          distinct++;
        memcpy (prev, got, sizeof got);
      }
    g_assert_cmpint (distinct, >, 8);
  }

  /* the texture is built once per map, not per frame */
  builds = tf_attention_overlay_get_builds (overlay);
  g_assert_cmpuint (builds, >=, 1);
  tf_attention_overlay_set_opacity (overlay, 0.3);
  {
    g_autoptr (TfTestImage) image = tf_test_render (widget, "overlay-opacity-0.3", &white);

    cell_centre (overlay, lanet_hot[2][0], lanet_hot[2][1], &x, &y, crop);
    pixel (image, x, y, got);
    blend (crop, top, 0.3, want);
    assert_near (got, want, 6, "hot spot at opacity 0.3");
  }
  g_assert_cmpuint (tf_attention_overlay_get_builds (overlay), ==, builds);

  /* opacity 0: the crop unchanged */
  tf_attention_overlay_set_opacity (overlay, 0);
  {
    g_autoptr (TfTestImage) image = tf_test_render (widget, "overlay-opacity-0", &white);

    for (int row = 1; row < GRID; row += 4)
      for (int col = 1; col < GRID; col += 4)
        {
          cell_centre (overlay, row, col, &x, &y, crop);
          pixel (image, x, y, got);
          assert_near (got, crop, 3, "crop at opacity 0");
        }
  }

  /* another kind: another map, one more build */
  tf_attention_overlay_set_opacity (overlay, 1);
  tf_attention_overlay_set_kind (overlay, TF_OVERLAY_HEAD, 1, 3);
  g_assert_cmpint (tf_attention_overlay_get_kind (overlay), ==, TF_OVERLAY_HEAD);
  {
    g_autoptr (TfTestImage) image = tf_test_render (widget, "overlay-head-2-4", &white);
    double opaque[3] = { top[0], top[1], top[2] };

    cell_centre (overlay, 2 + 3 * 3, 2 + 6 * 1, &x, &y, crop);
    pixel (image, x, y, got);
    assert_near (got, opaque, 4, "head (2, 4) hot spot at opacity 1");
  }
  g_assert_cmpuint (tf_attention_overlay_get_builds (overlay), ==, builds + 1);

  /* another colour map */
  tf_attention_overlay_set_colormap (overlay, TF_COLORMAP_TURBO);
  {
    g_autoptr (TfTestImage) image = tf_test_render (widget, "overlay-head-2-4-turbo", &white);
    double want_top[3];

    tf_colormap_lookup (TF_COLORMAP_TURBO, 1, top);
    for (int c = 0; c < 3; c++)
      want_top[c] = top[c];
    pixel (image, x, y, got);
    assert_near (got, want_top, 4, "turbo's top");
  }

  /* out-of-range choices draw the face alone */
  tf_attention_overlay_set_opacity (overlay, 0.6);
  tf_attention_overlay_set_kind (overlay, TF_OVERLAY_LANET, LANETS + 3, 0);
  {
    g_autoptr (TfTestImage) image = tf_test_render (widget, "overlay-no-map", &white);

    cell_centre (overlay, 7, 7, &x, &y, crop);
    pixel (image, x, y, got);
    assert_near (got, crop, 3, "face alone");
  }

  tf_attention_overlay_set_probe (overlay, NULL);
  tf_face_probe_unref (probe);
  tf_test_destroy (window);
}

/* ---- probability bars */

static void
bar_colors (TfProbBars        *bars,
            const TfTestImage *image,
            int                index,
            int                rgb[3])
{
  graphene_rect_t r;

  g_assert_true (tf_prob_bars_get_fill_rect (bars, index, &r));
  g_assert_cmpfloat (r.size.width, >=, 4);
  pixel (image, r.origin.x + 2, r.origin.y + r.size.height / 2, rgb);
}

static void
check_bars (TfProbBars  *bars,
            const char  *name,
            const GdkRGBA *background)
{
  g_autoptr (TfTestImage) image = tf_test_render (GTK_WIDGET (bars), name, background);
  int predicted[3], other[3], other2[3];
  graphene_rect_t r1, r0;

  g_assert_cmpint (tf_prob_bars_get_highlighted (bars), ==, 1);
  bar_colors (bars, image, 1, predicted);
  bar_colors (bars, image, 0, other);
  bar_colors (bars, image, 2, other2);
  g_test_message ("%s: predicted (%d, %d, %d), others (%d, %d, %d)", name,
                  predicted[0], predicted[1], predicted[2], other[0], other[1], other[2]);
  g_assert_cmpint (tf_test_distance (other, other2), <=, 2);
  g_assert_cmpint (tf_test_distance (predicted, other), >, 40);
  /* the accent colour (libadwaita's blue) */
  g_assert_cmpint (predicted[2], >, predicted[0] + 60);
  /* longer for a larger probability */
  g_assert_true (tf_prob_bars_get_fill_rect (bars, 1, &r1));
  g_assert_true (tf_prob_bars_get_fill_rect (bars, 0, &r0));
  g_assert_cmpfloat (r1.size.width, >, 8 * r0.size.width);
}

static void
test_prob_bars (void)
{
  TfFaceProbe *probe = make_probe ();
  GtkWidget *widget = tf_prob_bars_new ();
  TfProbBars *bars = TF_PROB_BARS (widget);
  GtkWidget *window;
  AdwStyleManager *style = adw_style_manager_get_default ();
  int min, nat;

  g_assert_cmpint (tf_prob_bars_get_highlighted (bars), ==, -1);
  window = tf_test_show (widget, 360, 120);
  tf_test_image_free (tf_test_render (widget, "bars-empty", &white));

  tf_prob_bars_set_probe (bars, probe);
  tf_test_settle_frames ();
  /* fits a 360 px sidebar */
  gtk_widget_measure (widget, GTK_ORIENTATION_HORIZONTAL, -1, &min, &nat, NULL, NULL);
  g_test_message ("bars: width %d minimum, %d natural", min, nat);
  g_assert_cmpint (min, <=, 240);
  g_assert_cmpint (nat, <=, 340);
  g_assert_cmpint (nat, >=, 200);
  gtk_widget_measure (widget, GTK_ORIENTATION_VERTICAL, 340, &min, &nat, NULL, NULL);
  g_assert_cmpint (min, >=, CLASSES * 12);
  g_assert_cmpint (nat, <=, CLASSES * 40);

  check_bars (bars, "bars-light", &white);

  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_FORCE_DARK);
  tf_test_settle_frames ();
  check_bars (bars, "bars-dark", &(GdkRGBA) { 0.14f, 0.14f, 0.14f, 1 });
  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_DEFAULT);
  tf_test_settle_frames ();

  /* no prediction given: the argmax */
  {
    TfFaceProbe *copy = tf_face_probe_with_ablation (probe, NULL);

    copy->predicted = -1;
    copy->probs[2] = 0.9f;
    copy->probs[1] = 0.05f;
    tf_prob_bars_set_probe (bars, copy);
    g_assert_cmpint (tf_prob_bars_get_highlighted (bars), ==, 2);
    tf_face_probe_unref (copy);
  }
  tf_prob_bars_set_probe (bars, NULL);
  g_assert_cmpint (tf_prob_bars_get_highlighted (bars), ==, -1);

  tf_face_probe_unref (probe);
  tf_test_destroy (window);
}

/* ---- head grid */

typedef struct
{
  int count, block, head;
} Selected;

static void
on_head_selected_cb (TfHeadGrid *grid,
                     int         block,
                     int         head,
                     Selected   *s)
{
  (void) grid;
  s->count++;
  s->block = block;
  s->head = head;
}

static void
cell_pixel (TfHeadGrid        *grid,
            const TfTestImage *image,
            int                block,
            int                head,
            int                rgb[3])
{
  graphene_rect_t r;

  g_assert_true (tf_head_grid_cell_rect (grid, block, head, &r));
  pixel (image, r.origin.x + r.size.width / 2, r.origin.y + r.size.height / 2, rgb);
}

static void
test_head_grid (void)
{
  TfFaceProbe *probe = make_probe ();
  g_autofree float *ablation = make_ablation ();
  TfFaceProbe *with = tf_face_probe_with_ablation (probe, ablation);
  GtkWidget *widget = tf_head_grid_new ();
  TfHeadGrid *grid = TF_HEAD_GRID (widget);
  Selected s = { 0, -1, -1 };
  GtkWidget *window;
  graphene_rect_t r;
  int blocks, heads, b, h, got[3];
  uint8_t top[3];

  g_signal_connect (grid, "head-selected", G_CALLBACK (on_head_selected_cb), &s);
  window = tf_test_show (widget, 360, 300);
  tf_test_image_free (tf_test_render (widget, "grid-empty", &white));
  tf_head_grid_get_shape (grid, &blocks, &heads);
  g_assert_cmpint (blocks, ==, 0);

  tf_head_grid_set_probe (grid, probe);
  tf_test_settle_frames ();
  tf_head_grid_get_shape (grid, &blocks, &heads);
  g_assert_cmpint (blocks, ==, DEPTH);
  g_assert_cmpint (heads, ==, HEADS);
  g_assert_false (tf_head_grid_get_selected (grid, NULL, NULL));
  g_assert_true (gtk_widget_get_focusable (widget));

  /* the arrows move the selection; nothing is chosen yet */
  press_key (widget, GDK_KEY_Right);
  g_assert_true (tf_head_grid_get_selected (grid, &b, &h));
  g_assert_cmpint (b, ==, 0);
  g_assert_cmpint (h, ==, 0);
  press_key (widget, GDK_KEY_Right);
  press_key (widget, GDK_KEY_Down);
  press_key (widget, GDK_KEY_Down);    /* stays in the last block */
  g_assert_true (tf_head_grid_get_selected (grid, &b, &h));
  g_assert_cmpint (b, ==, 1);
  g_assert_cmpint (h, ==, 1);
  press_key (widget, GDK_KEY_Left);
  press_key (widget, GDK_KEY_Left);    /* stays in the first head */
  g_assert_true (tf_head_grid_get_selected (grid, &b, &h));
  g_assert_cmpint (h, ==, 0);
  press_key (widget, GDK_KEY_Up);
  press_key (widget, GDK_KEY_Right);
  g_assert_cmpint (s.count, ==, 0);
  /* Enter and Space choose */
  press_key (widget, GDK_KEY_Return);
  g_assert_cmpint (s.count, ==, 1);
  g_assert_cmpint (s.block, ==, 0);
  g_assert_cmpint (s.head, ==, 1);
  press_key (widget, GDK_KEY_Down);
  press_key (widget, GDK_KEY_space);
  g_assert_cmpint (s.count, ==, 2);
  g_assert_cmpint (s.block, ==, 1);
  g_assert_cmpint (s.head, ==, 1);

  /* a click chooses the cell under it */
  g_assert_true (tf_head_grid_cell_rect (grid, 0, 3, &r));
  tf_head_grid_click (grid, r.origin.x + r.size.width / 2, r.origin.y + r.size.height / 2);
  g_assert_cmpint (s.count, ==, 3);
  g_assert_cmpint (s.block, ==, 0);
  g_assert_cmpint (s.head, ==, 3);
  g_assert_true (tf_head_grid_get_selected (grid, &b, &h));
  g_assert_cmpint (b * 10 + h, ==, 3);
  tf_head_grid_click (grid, 1, 1);      /* the header: nothing */
  g_assert_cmpint (s.count, ==, 3);

  /* contribution: each block's leading head at the top of the map */
  tf_head_grid_select (grid, -1, -1);
  g_assert_false (tf_head_grid_get_selected (grid, NULL, NULL));
  tf_colormap_lookup (TF_COLORMAP_VIRIDIS, 1, top);
  {
    g_autoptr (TfTestImage) image = tf_test_render (widget, "grid-contribution", &white);
    double want[3] = { top[0], top[1], top[2] };
    uint8_t half[3];
    double want_half[3];
    int other[3];

    cell_pixel (grid, image, 0, 2, got);
    assert_near (got, want, 2, "block 1's leading head");
    cell_pixel (grid, image, 1, 0, got);
    assert_near (got, want, 2, "block 2's leading head");
    /* 0.3 of a block whose largest is 0.6: the middle of the map */
    tf_colormap_lookup (TF_COLORMAP_VIRIDIS, 0.5, half);
    for (int c = 0; c < 3; c++)
      want_half[c] = half[c];
    cell_pixel (grid, image, 0, 1, other);
    g_assert_cmpint (tf_test_distance (other, got), >, 40);
    cell_pixel (grid, image, 1, 2, other);   /* 0.2 / 0.4 */
    assert_near (other, want_half, 2, "half the block's largest");
  }

  /* a selection outline is drawn around the selected cell */
  tf_head_grid_select (grid, 1, 2);
  {
    g_autoptr (TfTestImage) image = tf_test_render (widget, "grid-selected", &white);
    int edge[3], inside[3];

    g_assert_true (tf_head_grid_cell_rect (grid, 1, 2, &r));
    pixel (image, r.origin.x, r.origin.y + r.size.height / 2, edge);
    cell_pixel (grid, image, 1, 2, inside);
    g_assert_cmpint (tf_test_distance (edge, inside), >, 40);
  }

  /* ablation: diverging around white */
  tf_head_grid_set_probe (grid, with);
  tf_head_grid_set_show_ablation (grid, TRUE);
  tf_test_settle_frames ();
  {
    g_autoptr (TfTestImage) image = tf_test_render (widget, "grid-ablation", &white);
    const double blue[3] = { 33, 102, 172 }, red[3] = { 178, 24, 43 }, white3[3] = { 255, 255, 255 };
    int half[3];

    cell_pixel (grid, image, 0, 2, got);
    assert_near (got, blue, 2, "largest fall");
    cell_pixel (grid, image, 1, 3, got);      /* half the largest rise */
    cell_pixel (grid, image, 1, 1, half);
    assert_near (half, white3, 2, "no change");
    g_assert_cmpint (got[0], >, got[2] + 40);   /* reddish */
    {
      double want[3];

      for (int c = 0; c < 3; c++)
        want[c] = 255 + (red[c] - 255) * 0.5;
      assert_near (got, want, 2, "half the largest change, rising");
    }
  }
  tf_head_grid_set_show_ablation (grid, FALSE);
  {
    g_autoptr (TfTestImage) image = tf_test_render (widget, "grid-contribution-again", &white);
    double want[3] = { top[0], top[1], top[2] };

    cell_pixel (grid, image, 0, 2, got);
    assert_near (got, want, 2, "back to contributions");
  }

  tf_face_probe_unref (with);
  tf_face_probe_unref (probe);
  tf_test_destroy (window);
}

/* ---- timeline */

typedef struct
{
  int    count;
  double seconds;
} Seek;

static void
on_seek_cb (TfTimeline *timeline,
            double      seconds,
            Seek       *s)
{
  (void) timeline;
  s->count++;
  s->seconds = seconds;
}

static void
test_timeline (void)
{
  static const char *names[] = { "anger", "happiness", "neutral" };
  GtkWidget *widget = tf_timeline_new ();
  TfTimeline *timeline = TF_TIMELINE (widget);
  GtkWidget *window;
  Seek s = { 0, -1 };
  double top, height, x, per_px;
  int got[3];
  gint64 start;

  g_signal_connect (timeline, "seek", G_CALLBACK (on_seek_cb), &s);
  window = tf_test_show (widget, 800, 200);
  tf_test_image_free (tf_test_render (widget, "timeline-empty", &white));

  tf_timeline_set_classes (timeline, names, CLASSES);
  tf_timeline_set_duration (timeline, 60);
  /* track 7: 25 points a second for a minute; constant [0.5, 0.3, 0.2]
   * from 40 s on. Track 3: 10..30 s, all "neutral". */
  for (int i = 0; i <= 1500; i++)
    {
      double t = i * 0.04;
      float p[CLASSES] = { 0.5f, 0.3f, 0.2f };

      if (t < 40)
        {
          p[1] = (float) (0.5 + 0.4 * sin (t));
          p[0] = (1 - p[1]) / 2;
          p[2] = 1 - p[0] - p[1];
        }
      tf_timeline_add_point (timeline, 7, t, p);
      if (t >= 10 && t <= 30)
        tf_timeline_add_point (timeline, 3, t, (const float[]) { 0, 0, 1 });
    }
  g_assert_cmpint (tf_timeline_get_n_tracks (timeline), ==, 2);
  tf_test_settle_frames ();

  /* a click seeks there */
  per_px = 60.0 / (tf_timeline_time_to_x (timeline, 60) - tf_timeline_time_to_x (timeline, 0));
  tf_timeline_seek_to_x (timeline, tf_timeline_time_to_x (timeline, 30));
  g_assert_cmpint (s.count, ==, 1);
  g_assert_cmpfloat (fabs (s.seconds - 30), <=, per_px);
  g_assert_cmpfloat (tf_timeline_get_position (timeline), ==, s.seconds);
  tf_timeline_seek_to_x (timeline, -50);     /* clamped */
  g_assert_cmpfloat (s.seconds, ==, 0);
  tf_timeline_seek_to_x (timeline, 10000);
  g_assert_cmpfloat (s.seconds, ==, 60);

  /* keys: a second back and forth, the ends */
  tf_timeline_set_position (timeline, 20);
  g_assert_cmpint (s.count, ==, 3);           /* setting the position is not seeking */
  press_key (widget, GDK_KEY_Right);
  g_assert_cmpint (s.count, ==, 4);
  g_assert_cmpfloat (fabs (s.seconds - 21), <, 1e-9);
  press_key (widget, GDK_KEY_Left);
  press_key (widget, GDK_KEY_Left);
  g_assert_cmpfloat (fabs (s.seconds - 19), <, 1e-9);
  press_key (widget, GDK_KEY_End);
  g_assert_cmpfloat (s.seconds, ==, 60);
  press_key (widget, GDK_KEY_Right);
  g_assert_cmpfloat (s.seconds, ==, 60);
  press_key (widget, GDK_KEY_Home);
  g_assert_cmpfloat (s.seconds, ==, 0);

  /* a point out of order takes its place in time */
  tf_timeline_add_point (timeline, 3, 5.0, (const float[]) { 1, 0, 0 });

  /* the cursor at 15 s, the stacked areas beside it */
  tf_timeline_set_position (timeline, 15);
  {
    g_autoptr (TfTestImage) image = tf_test_render (widget, "timeline", &white);
    GdkRGBA c0, c2;
    int beside[3], low[3], neutral[3];
    double want0[3], want2[3];

    tf_widgets_class_color (0, &c0);
    tf_widgets_class_color (2, &c2);
    for (int c = 0; c < 3; c++)
      {
        want0[c] = lround ((c == 0 ? c0.red : c == 1 ? c0.green : c0.blue) * 255);
        want2[c] = lround ((c == 0 ? c2.red : c == 1 ? c2.green : c2.blue) * 255);
      }

    g_assert_true (tf_timeline_strip_span (timeline, 0, &top, &height));
    x = tf_timeline_time_to_x (timeline, 15);
    pixel (image, x, top + height / 2, got);
    pixel (image, x + 30, top + height / 2, beside);
    g_test_message ("cursor (%d, %d, %d), beside (%d, %d, %d)", got[0], got[1], got[2],
                    beside[0], beside[1], beside[2]);
    /* the theme's foreground: dark and gray */
    g_assert_cmpint (MAX (got[0], MAX (got[1], got[2])), <, 100);
    g_assert_cmpint (abs (got[0] - got[2]), <, 12);
    g_assert_cmpint (tf_test_distance (got, beside), >, 60);

    /* track 7 from 40 s: anger 0.5 at the bottom, neutral 0.2 at the top */
    x = tf_timeline_time_to_x (timeline, 50);
    pixel (image, x, top + height * 0.8, low);
    assert_near (low, want0, 2, "anger at the bottom");
    pixel (image, x, top + height * 0.1, got);
    assert_near (got, want2, 2, "neutral at the top");
    /* track 3 (second strip): neutral only while it was seen */
    g_assert_true (tf_timeline_strip_span (timeline, 1, &top, &height));
    pixel (image, tf_timeline_time_to_x (timeline, 20), top + height / 2, neutral);
    assert_near (neutral, want2, 2, "track 3 at 20 s");
    pixel (image, tf_timeline_time_to_x (timeline, 45), top + height / 2, got);
    g_assert_cmpint (tf_test_distance (got, neutral), >, 60);
    pixel (image, tf_timeline_time_to_x (timeline, 5), top + height / 2, got);
    assert_near (got, want0, 2, "track 3's late point at 5 s");
    pixel (image, tf_timeline_time_to_x (timeline, 7.5), top + height / 2, got);
    g_assert_cmpint (tf_test_distance (got, neutral), >, 60);   /* nothing between 6 and 10 s */
    g_assert_cmpint (tf_test_distance (got, low), >, 60);
  }

  /* cheap with many points: 100 000 in a strip still draws at once */
  for (int i = 1; i <= 100000; i++)
    tf_timeline_add_point (timeline, 9, i * 0.0006, (const float[]) { 0.2f, 0.3f, 0.5f });
  start = g_get_monotonic_time ();
  tf_test_image_free (tf_test_render (widget, "timeline-many", &white));
  g_test_message ("100 000 points drawn in %.1f ms", (g_get_monotonic_time () - start) / 1000.0);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 3 * G_USEC_PER_SEC);
  g_assert_cmpint (tf_timeline_get_n_tracks (timeline), ==, 3);

  tf_timeline_clear (timeline);
  g_assert_cmpint (tf_timeline_get_n_tracks (timeline), ==, 0);
  g_assert_cmpfloat (tf_timeline_get_position (timeline), ==, 0);
  tf_test_destroy (window);
}

/* ---- the inspector explains what it shows */

static gboolean
colour_close (const int got[3],
              const uint8_t want[3],
              int tolerance)
{
  for (int c = 0; c < 3; c++)
    if (abs (got[c] - want[c]) > tolerance)
      return FALSE;
  return TRUE;
}

/* the inspector in a scrolled window, as a sidebar holds it */
static GtkWidget *
show_inspector (GtkWidget *inspector,
                int        height)
{
  GtkWidget *scroller = gtk_scrolled_window_new ();

  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scroller), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), inspector);
  return tf_test_show (scroller, 360, height);
}

/* The overlay's legend: the colour map from low (left) to high (right),
 * following the colour map chosen. */
static void
test_inspector_legend (void)
{
  g_autoptr (TfFaceProbe) probe = make_probe ();
  GtkWidget *widget = tf_face_inspector_new ();
  TfFaceInspector *inspector = TF_FACE_INSPECTOR (widget);
  TfColorScale *legend = tf_face_inspector_get_legend (inspector);
  GtkWidget *window;
  graphene_rect_t bar, in_inspector;

  g_assert_true (TF_IS_COLOR_SCALE (legend));
  window = show_inspector (widget, 900);
  tf_face_inspector_set_probe (inspector, probe);
  for (int map = TF_COLORMAP_VIRIDIS; map <= TF_COLORMAP_MAGMA; map++)
    {
      g_autoptr (TfTestImage) image = NULL;
      uint8_t low[3], high[3];
      int got[3];

      tf_face_inspector_set_colormap (inspector, (TfColormap) map);
      g_assert_cmpint (tf_color_scale_get_colormap (legend), ==, map);
      image = tf_test_render (widget, map == TF_COLORMAP_VIRIDIS ? "legend-viridis" : "legend-magma", &white);
      g_assert_true (gtk_widget_get_visible (GTK_WIDGET (legend)));
      g_assert_true (tf_color_scale_get_bar_rect (legend, &bar));
      g_assert_true (gtk_widget_compute_bounds (GTK_WIDGET (legend), widget, &in_inspector));
      tf_colormap_lookup ((TfColormap) map, 0, low);
      tf_colormap_lookup ((TfColormap) map, 1, high);
      /* under the face */
      {
        graphene_rect_t face;
        g_assert_true (gtk_widget_compute_bounds (GTK_WIDGET (tf_face_inspector_get_overlay (inspector)), widget, &face));
        g_assert_cmpfloat (in_inspector.origin.y, >, face.origin.y + face.size.height - 1);
      }
      pixel (image, in_inspector.origin.x + 2, in_inspector.origin.y + bar.size.height / 2, got);
      g_assert_true (colour_close (got, low, 12));
      pixel (image, in_inspector.origin.x + bar.size.width - 3, in_inspector.origin.y + bar.size.height / 2, got);
      g_assert_true (colour_close (got, high, 12));
    }
  /* its ends are named */
  g_assert_cmpstr (tf_color_scale_get_low (legend), !=, "");
  g_assert_cmpstr (tf_color_scale_get_high (legend), !=, "");
  tf_test_destroy (window);
}

/* "Selected head" names the head drawn, or asks for one. */
static void
test_inspector_selected_head (void)
{
  g_autoptr (TfFaceProbe) probe = make_probe ();
  GtkWidget *widget = tf_face_inspector_new ();
  TfFaceInspector *inspector = TF_FACE_INSPECTOR (widget);
  TfAttentionOverlay *overlay = tf_face_inspector_get_overlay (inspector);
  TfHeadGrid *grid = tf_face_inspector_get_head_grid (inspector);
  GtkWidget *window = show_inspector (widget, 900);
  GtkDropDown *chooser = GTK_DROP_DOWN (tf_test_find_type (widget, GTK_TYPE_DROP_DOWN));
  GListModel *names = gtk_drop_down_get_model (chooser);
  guint last;
  int index, head;

  tf_face_inspector_set_probe (inspector, probe);
  g_assert_null (tf_face_inspector_get_head_text (inspector));
  last = g_list_model_get_n_items (names) - 1;
  g_assert_cmpstr (gtk_string_list_get_string (GTK_STRING_LIST (names), last), ==, "Selected head");

  /* chosen before any head: the face alone, and the request */
  gtk_drop_down_set_selected (chooser, last);
  g_assert_cmpstr (tf_face_inspector_get_map (inspector), ==, "head");
  g_assert_false (tf_head_grid_get_selected (grid, NULL, NULL));
  g_assert_cmpint (tf_attention_overlay_get_kind (overlay), ==, TF_OVERLAY_NONE);
  g_assert_cmpstr (tf_face_inspector_get_head_text (inspector), ==, "Choose a head in the grid");
  tf_test_image_free (tf_test_render (widget, "inspector-choose-head", &white));

  /* block 2, head 3 chosen in the grid: drawn, and named in both places */
  press_key (GTK_WIDGET (grid), GDK_KEY_Down);
  press_key (GTK_WIDGET (grid), GDK_KEY_Down);
  press_key (GTK_WIDGET (grid), GDK_KEY_Right);
  press_key (GTK_WIDGET (grid), GDK_KEY_Right);
  press_key (GTK_WIDGET (grid), GDK_KEY_Return);
  g_assert_cmpint (tf_attention_overlay_get_kind (overlay), ==, TF_OVERLAY_HEAD);
  tf_attention_overlay_get_index (overlay, &index, &head);
  g_assert_cmpint (index, ==, 1);
  g_assert_cmpint (head, ==, 2);
  g_assert_cmpuint (gtk_drop_down_get_selected (chooser), ==, last);
  g_assert_cmpstr (gtk_string_list_get_string (GTK_STRING_LIST (names), last), ==, "Block 2, head 3");
  g_assert_true (g_str_has_prefix (tf_face_inspector_get_head_text (inspector), "Block 2, head 3"));
  tf_test_image_free (tf_test_render (widget, "inspector-head-named", &white));

  /* another map hides the line; the head's name stays in the list */
  gtk_drop_down_set_selected (chooser, 0);
  g_assert_null (tf_face_inspector_get_head_text (inspector));
  g_assert_cmpstr (gtk_string_list_get_string (GTK_STRING_LIST (names), last), ==, "Block 2, head 3");
  tf_test_destroy (window);
}

static gboolean
adjustment_moved (gpointer adj)
{
  return gtk_adjustment_get_value (adj) > 0;
}

/* Compute is pressable only when it would compute something; its result
 * is shown at once, in sight. */
static void
test_inspector_compute (void)
{
  g_autoptr (TfFaceProbe) probe = make_probe ();
  g_autofree float *ablation = make_ablation ();
  g_autoptr (TfFaceProbe) with = tf_face_probe_with_ablation (probe, ablation);
  g_autoptr (TfFaceProbe) bare = make_probe ();
  GtkWidget *widget = tf_face_inspector_new ();
  TfFaceInspector *inspector = TF_FACE_INSPECTOR (widget);
  GtkWidget *scroller = gtk_scrolled_window_new ();
  GtkWidget *compute = tf_face_inspector_get_compute_button (inspector);
  GtkWidget *toggle, *window;
  GtkAdjustment *adj;
  graphene_rect_t grid;

  g_clear_pointer (&bare->source_rgb, g_free);
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scroller), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), widget);
  /* short: the grid starts out of sight */
  window = tf_test_show (scroller, 360, 400);
  adj = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scroller));

  g_assert_false (gtk_widget_get_sensitive (compute));          /* no face */
  tf_face_inspector_set_probe (inspector, bare);
  g_assert_false (gtk_widget_get_sensitive (compute));          /* nothing to compute from */
  tf_face_inspector_set_probe (inspector, probe);
  g_assert_true (gtk_widget_get_sensitive (compute));
  tf_test_settle_frames ();
  g_assert_cmpfloat (gtk_adjustment_get_value (adj), ==, 0);

  g_signal_emit_by_name (compute, "clicked");
  tf_face_inspector_set_ablation_progress (inspector, 0);
  g_assert_false (gtk_widget_get_sensitive (compute));          /* running */
  tf_face_inspector_set_ablation_progress (inspector, -1);
  tf_face_inspector_set_probe (inspector, with);
  g_assert_false (gtk_widget_get_sensitive (compute));          /* computed */
  toggle = tf_test_find_type (widget, GTK_TYPE_CHECK_BUTTON);
  g_assert_true (gtk_check_button_get_active (GTK_CHECK_BUTTON (toggle)));
  g_assert_true (tf_test_wait_until (adjustment_moved, adj, 5));
  tf_test_settle_frames ();
  /* the grid in the scrolled window's view */
  g_assert_true (gtk_widget_compute_bounds (GTK_WIDGET (tf_face_inspector_get_head_grid (inspector)), widget, &grid));
  g_assert_cmpfloat (gtk_adjustment_get_value (adj), >, 0);
  g_assert_cmpfloat (grid.origin.y, >=, gtk_adjustment_get_value (adj) - 40);
  g_assert_cmpfloat (grid.origin.y + grid.size.height, <=,
                     gtk_adjustment_get_value (adj) + gtk_adjustment_get_page_size (adj) + 1);

  /* the same face again without its ablation: computable again; a face
   * shown without Compute is not switched */
  tf_face_inspector_set_probe (inspector, probe);
  g_assert_true (gtk_widget_get_sensitive (compute));
  g_assert_false (gtk_check_button_get_active (GTK_CHECK_BUTTON (toggle)));
  tf_face_inspector_set_probe (inspector, with);
  g_assert_false (gtk_check_button_get_active (GTK_CHECK_BUTTON (toggle)));
  tf_test_destroy (window);
}

/* The map chosen is a name, kept across faces (also one without maps) and
 * settable before any face (a setting bound to it, restored at start). */
static void
test_inspector_map_choice (void)
{
  g_autoptr (TfFaceProbe) probe = make_probe ();
  g_autoptr (TfFaceProbe) no_maps = make_probe ();
  GtkWidget *widget = tf_face_inspector_new ();
  TfFaceInspector *inspector = TF_FACE_INSPECTOR (widget);
  TfAttentionOverlay *overlay = tf_face_inspector_get_overlay (inspector);
  GtkWidget *window = show_inspector (widget, 900);
  GtkDropDown *chooser = GTK_DROP_DOWN (tf_test_find_type (widget, GTK_TYPE_DROP_DOWN));
  g_autofree char *map = NULL;
  int notified = 0, index, head;

  g_clear_pointer (&no_maps->lanet_maps, g_free);
  g_assert_cmpstr (tf_face_inspector_get_map (inspector), ==, "max");
  /* as a setting does at start */
  g_object_set (inspector, "map", "lanet-2", NULL);
  tf_face_inspector_set_probe (inspector, probe);
  g_assert_cmpint (tf_attention_overlay_get_kind (overlay), ==, TF_OVERLAY_LANET);
  tf_attention_overlay_get_index (overlay, &index, &head);
  g_assert_cmpint (index, ==, 1);
  g_assert_cmpuint (gtk_drop_down_get_selected (chooser), ==, 1);

  /* a face without LANet maps shows their max, and forgets nothing */
  tf_face_inspector_set_probe (inspector, no_maps);
  g_assert_cmpstr (tf_face_inspector_get_map (inspector), ==, "lanet-2");
  tf_face_inspector_set_probe (inspector, NULL);
  tf_face_inspector_set_probe (inspector, probe);
  g_assert_cmpint (tf_attention_overlay_get_kind (overlay), ==, TF_OVERLAY_LANET);
  tf_attention_overlay_get_index (overlay, &index, &head);
  g_assert_cmpint (index, ==, 1);

  /* a person's choice is notified (what a settings binding writes) */
  g_signal_connect_swapped (inspector, "notify::map", G_CALLBACK (g_atomic_int_inc), &notified);
  gtk_drop_down_set_selected (chooser, LANETS + 1);
  g_assert_cmpint (notified, ==, 1);
  g_object_get (inspector, "map", &map, NULL);
  g_assert_cmpstr (map, ==, "rollout");
  g_assert_cmpint (tf_attention_overlay_get_kind (overlay), ==, TF_OVERLAY_ROLLOUT);
  /* nonsense from a setting: their max */
  g_object_set (inspector, "map", "lanet-99", NULL);
  g_assert_cmpint (tf_attention_overlay_get_kind (overlay), ==, TF_OVERLAY_LANET_MAX);
  tf_test_destroy (window);
}

/* The crop as a grayscale model sees it, or in colour. */
static void
test_inspector_as_model (void)
{
  g_autoptr (TfFaceProbe) probe = make_probe ();
  g_autoptr (TfFaceProbe) colour = make_probe ();
  GtkWidget *widget = tf_face_inspector_new ();
  TfFaceInspector *inspector = TF_FACE_INSPECTOR (widget);
  TfAttentionOverlay *overlay = tf_face_inspector_get_overlay (inspector);
  GtkWidget *window = show_inspector (widget, 900);
  GtkWidget *toggle = tf_test_find_type (widget, GTK_TYPE_SWITCH);
  graphene_rect_t face;
  int got[3];

  probe->input_gray = TRUE;
  g_assert_nonnull (toggle);
  tf_face_inspector_set_opacity (inspector, 0);
  tf_face_inspector_set_probe (inspector, colour);
  g_assert_false (gtk_widget_is_visible (toggle));             /* a colour model: nothing to choose */
  tf_face_inspector_set_probe (inspector, probe);
  g_assert_true (gtk_widget_is_visible (toggle));
  g_object_set (inspector, "as-model", TRUE, NULL);
  g_assert_true (gtk_switch_get_active (GTK_SWITCH (toggle)));
  g_assert_true (tf_attention_overlay_get_shows_gray (overlay));
  {
    g_autoptr (TfTestImage) image = tf_test_render (widget, "inspector-as-model", &white);

    g_assert_true (tf_attention_overlay_get_face_rect (overlay, &face));
    pixel (image, face.origin.x + face.size.width * 0.3, face.origin.y + face.size.height * 0.6, got);
    g_assert_cmpint (abs (got[0] - got[1]), <=, 2);
    g_assert_cmpint (abs (got[1] - got[2]), <=, 2);
  }
  gtk_switch_set_active (GTK_SWITCH (toggle), FALSE);
  {
    gboolean as_model = TRUE;
    g_autoptr (TfTestImage) image = tf_test_render (widget, "inspector-in-colour", &white);

    g_object_get (inspector, "as-model", &as_model, NULL);
    g_assert_false (as_model);
    pixel (image, face.origin.x + face.size.width * 0.3, face.origin.y + face.size.height * 0.6, got);
    g_assert_cmpint (MAX (abs (got[0] - got[1]), abs (got[1] - got[2])), >, 10);
  }
  tf_test_destroy (window);
}

/* The (?) buttons ask for the help at their section. */
static void
on_help_requested_cb (TfFaceInspector *inspector,
                      const char      *section,
                      char           **got)
{
  (void) inspector;
  g_free (*got);
  *got = g_strdup (section);
}

static void
test_inspector_help_buttons (void)
{
  GtkWidget *widget = tf_face_inspector_new ();
  GtkWidget *window = show_inspector (widget, 900);
  g_autofree char *section = NULL;
  GtkWidget *maps = tf_test_find_widget (widget, TF_TEST_BY_NAME, "maps");
  GtkWidget *heads = tf_test_find_widget (widget, TF_TEST_BY_NAME, "heads");

  g_signal_connect (widget, "help-requested", G_CALLBACK (on_help_requested_cb), &section);
  g_assert_true (GTK_IS_BUTTON (maps));
  g_assert_true (GTK_IS_BUTTON (heads));
  g_assert_nonnull (gtk_widget_get_tooltip_text (maps));
  g_signal_emit_by_name (maps, "clicked");
  g_assert_cmpstr (section, ==, "maps");
  g_signal_emit_by_name (heads, "clicked");
  g_assert_cmpstr (section, ==, "heads");
  tf_test_destroy (window);
}

/* ---- the inspector */

static void
on_ablation_requested_cb (TfFaceInspector *inspector,
                          int             *count)
{
  (void) inspector;
  (*count)++;
}

/* What the label bar emitted, and an owner that stores it back. */
typedef struct
{
  TfLabelBar *bar;
  int         chosen, kind, class_index, cleared, notes;
  char       *note;
  gboolean    store;
} LabelLog;

static void
on_label_chosen_cb (TfLabelBar *bar,
                    int         kind,
                    int         class_index,
                    LabelLog   *log)
{
  log->chosen++;
  log->kind = kind;
  log->class_index = class_index;
  if (log->store)
    tf_label_bar_set_label (bar, kind, class_index, TF_LABEL_BAR_FROM_PERSON, NULL);
}

static void
on_label_cleared_cb (TfLabelBar *bar,
                     LabelLog   *log)
{
  log->cleared++;
  if (log->store)
    tf_label_bar_set_label (bar, TF_LABEL_BAR_NONE, -1, TF_LABEL_BAR_FROM_PERSON, NULL);
}

static void
on_note_changed_cb (TfLabelBar *bar,
                    const char *note,
                    LabelLog   *log)
{
  (void) bar;
  log->notes++;
  g_free (log->note);
  log->note = g_strdup (note);
}

static void
test_inspector (void)
{
  TfFaceProbe *probe = make_probe ();
  g_autofree float *ablation = make_ablation ();
  TfFaceProbe *with = tf_face_probe_with_ablation (probe, ablation);
  GtkWidget *widget = tf_face_inspector_new ();
  TfFaceInspector *inspector = TF_FACE_INSPECTOR (widget);
  GtkWidget *scroller = gtk_scrolled_window_new ();
  TfAttentionOverlay *overlay = tf_face_inspector_get_overlay (inspector);
  TfHeadGrid *grid = tf_face_inspector_get_head_grid (inspector);
  GtkWidget *window, *compute, *progress, *toggle;
  int requested = 0, index, head, min_w;

  g_assert_true (TF_IS_ATTENTION_OVERLAY (overlay));
  g_assert_true (TF_IS_PROB_BARS (tf_face_inspector_get_prob_bars (inspector)));
  g_assert_true (TF_IS_HEAD_GRID (grid));
  g_assert_true (gtk_widget_get_has_tooltip (GTK_WIDGET (grid)));   /* the numbers, on hover */
  g_assert_null (tf_face_inspector_get_probe (inspector));
  g_signal_connect (inspector, "ablation-requested", G_CALLBACK (on_ablation_requested_cb), &requested);

  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scroller), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), widget);
  window = tf_test_show (scroller, 360, 1000);
  tf_test_image_free (tf_test_render (widget, "inspector-empty", &white));
  /* fits a phone-width sidebar */
  gtk_widget_measure (widget, GTK_ORIENTATION_HORIZONTAL, -1, &min_w, NULL, NULL, NULL);
  g_assert_cmpint (min_w, <=, 360);

  tf_face_inspector_set_probe (inspector, probe);
  g_assert_true (tf_face_inspector_get_probe (inspector) == probe);
  g_assert_cmpint (tf_attention_overlay_get_kind (overlay), ==, TF_OVERLAY_LANET_MAX);
  tf_test_settle_frames ();

  /* choosing a head (keyboard, in the grid) shows its attention */
  press_key (GTK_WIDGET (grid), GDK_KEY_Down);
  press_key (GTK_WIDGET (grid), GDK_KEY_Down);
  press_key (GTK_WIDGET (grid), GDK_KEY_Right);
  press_key (GTK_WIDGET (grid), GDK_KEY_Return);
  g_assert_cmpint (tf_attention_overlay_get_kind (overlay), ==, TF_OVERLAY_HEAD);
  tf_attention_overlay_get_index (overlay, &index, &head);
  g_assert_cmpint (index, ==, 1);
  g_assert_cmpint (head, ==, 1);
  /* the next face keeps that view */
  tf_face_inspector_set_probe (inspector, probe);
  g_assert_cmpint (tf_attention_overlay_get_kind (overlay), ==, TF_OVERLAY_HEAD);

  /* opacity and colour map reach the overlay; the opacity is a property */
  tf_face_inspector_set_opacity (inspector, 0.25);
  {
    double opacity;

    g_object_get (inspector, "opacity", &opacity, NULL);
    g_assert_cmpfloat (fabs (opacity - 0.25), <, 1e-9);
  }
  tf_face_inspector_set_colormap (inspector, TF_COLORMAP_MAGMA);
  tf_test_settle_frames ();
  tf_test_image_free (tf_test_render (widget, "inspector", &white));

  /* the ablation: a request, progress, the result, the toggle */
  compute = tf_test_find_widget (widget, TF_TEST_BY_BUTTON_LABEL, "_Compute");
  g_assert_nonnull (compute);
  g_assert_true (gtk_widget_get_sensitive (compute));
  g_signal_emit_by_name (compute, "clicked");
  g_assert_cmpint (requested, ==, 1);
  progress = tf_test_find_widget (widget, TF_TEST_BY_NAME, "ablation-progress");
  g_assert_nonnull (progress);
  g_assert_false (gtk_widget_get_visible (progress));
  tf_face_inspector_set_ablation_progress (inspector, 0.5);
  g_assert_true (gtk_widget_get_visible (progress));
  g_assert_cmpfloat (gtk_progress_bar_get_fraction (GTK_PROGRESS_BAR (progress)), ==, 0.5);
  g_assert_false (gtk_widget_get_sensitive (compute));
  tf_face_inspector_set_ablation_progress (inspector, -1);
  g_assert_false (gtk_widget_get_visible (progress));
  g_assert_true (gtk_widget_get_sensitive (compute));

  toggle = tf_test_find_type (widget, GTK_TYPE_CHECK_BUTTON);
  g_assert_nonnull (toggle);
  g_assert_false (gtk_widget_get_visible (toggle));
  tf_face_inspector_set_probe (inspector, with);
  g_assert_true (gtk_widget_get_visible (toggle));
  gtk_check_button_set_active (GTK_CHECK_BUTTON (toggle), TRUE);
  tf_test_settle_frames ();
  {
    g_autoptr (TfTestImage) image = tf_test_render (widget, "inspector-ablation", &white);
    graphene_rect_t r, in_grid;
    const double blue[3] = { 33, 102, 172 };
    int got[3];

    /* the grid shows the ablation: the largest fall is blue */
    g_assert_true (tf_head_grid_cell_rect (grid, 0, 2, &r));
    g_assert_true (gtk_widget_compute_bounds (GTK_WIDGET (grid), widget, &in_grid));
    pixel (image, in_grid.origin.x + r.origin.x + r.size.width / 2,
           in_grid.origin.y + r.origin.y + r.size.height / 2, got);
    assert_near (got, blue, 2, "ablation in the inspector's grid");
  }

  /* a probe without ablation hides the toggle again */
  tf_face_inspector_set_probe (inspector, probe);
  g_assert_false (gtk_widget_get_visible (toggle));

  /* the label bar: hidden until a project keeps labels; its keys are the probe's classes */
  {
    TfLabelBar *bar = tf_face_inspector_get_label_bar (inspector);
    LabelLog log = { .bar = bar, .store = TRUE };

    g_assert_true (TF_IS_LABEL_BAR (bar));
    g_assert_false (gtk_widget_get_visible (GTK_WIDGET (bar)));
    tf_face_inspector_set_labelling (inspector, TRUE);
    g_assert_true (gtk_widget_get_visible (GTK_WIDGET (bar)));
    g_signal_connect (bar, "label-chosen", G_CALLBACK (on_label_chosen_cb), &log);
    g_assert_true (tf_label_bar_handle_key (bar, GDK_KEY_Return));
    g_assert_cmpint (log.class_index, ==, probe->predicted);
    g_assert_false (tf_label_bar_handle_key (bar, GDK_KEY_0 + probe->classes + 1));
    tf_test_image_free (tf_test_render (widget, "inspector-labelling", &white));
    tf_face_inspector_set_labelling (inspector, FALSE);
    g_signal_handlers_disconnect_by_data (bar, &log);
  }
  tf_face_inspector_set_probe (inspector, NULL);
  g_assert_false (gtk_widget_get_sensitive (compute));

  tf_face_probe_unref (with);
  tf_face_probe_unref (probe);
  tf_test_destroy (window);
}

static void
test_label_bar (void)
{
  static const char * const names[] = { "neutral", "happiness", "surprise", "sadness", "anger", "disgust", "fear",
                                        "contempt", "pain", "other" };
  GtkWidget *widget = tf_label_bar_new ();
  TfLabelBar *bar = TF_LABEL_BAR (widget);
  LabelLog log = { .bar = bar, .store = TRUE };
  GtkWidget *window;
  int k = -2;

  g_signal_connect (bar, "label-chosen", G_CALLBACK (on_label_chosen_cb), &log);
  g_signal_connect (bar, "label-cleared", G_CALLBACK (on_label_cleared_cb), &log);
  g_signal_connect (bar, "note-changed", G_CALLBACK (on_note_changed_cb), &log);
  tf_label_bar_set_classes (bar, names, G_N_ELEMENTS (names), 1);
  window = tf_test_show (widget, 360, 200);
  tf_test_image_free (tf_test_render (widget, "label-bar-empty", &white));
  g_assert_cmpint (tf_label_bar_get_kind (bar, &k), ==, TF_LABEL_BAR_NONE);

  /* keys: 3 is the third class, 0 not a face, Enter the prediction, 10th class has no key */
  g_assert_true (tf_label_bar_handle_key (bar, GDK_KEY_3));
  g_assert_cmpint (log.kind, ==, TF_LABEL_BAR_CLASS);
  g_assert_cmpint (log.class_index, ==, 2);
  g_assert_cmpint (tf_label_bar_get_kind (bar, &k), ==, TF_LABEL_BAR_CLASS);
  g_assert_cmpint (k, ==, 2);
  g_assert_true (tf_label_bar_handle_key (bar, GDK_KEY_KP_0));
  g_assert_cmpint (log.kind, ==, TF_LABEL_BAR_NOT_A_FACE);
  g_assert_true (tf_label_bar_handle_key (bar, GDK_KEY_Return));
  g_assert_cmpint (log.kind, ==, TF_LABEL_BAR_CLASS);
  g_assert_cmpint (log.class_index, ==, 1);
  tf_test_image_free (tf_test_render (widget, "label-bar-labelled", &white));
  g_assert_true (tf_label_bar_handle_key (bar, GDK_KEY_BackSpace));
  g_assert_cmpint (log.cleared, ==, 1);
  g_assert_cmpint (tf_label_bar_get_kind (bar, NULL), ==, TF_LABEL_BAR_NONE);
  g_assert_false (tf_label_bar_handle_key (bar, GDK_KEY_a));
  g_assert_cmpint (log.chosen, ==, 3);

  /* an owner that does not store: the bar keeps showing what is stored */
  log.store = FALSE;
  g_assert_true (tf_label_bar_handle_key (bar, GDK_KEY_5));
  g_assert_cmpint (log.chosen, ==, 4);
  g_assert_cmpint (tf_label_bar_get_kind (bar, NULL), ==, TF_LABEL_BAR_NONE);

  /* fewer classes than keys: 9 is nobody's; no prediction, no Enter */
  tf_label_bar_set_classes (bar, names, 3, -1);
  g_assert_false (tf_label_bar_handle_key (bar, GDK_KEY_9));
  g_assert_false (tf_label_bar_handle_key (bar, GDK_KEY_Return));
  g_assert_cmpint (log.chosen, ==, 4);

  /* a label shown from the store, with its note; the note is emitted only when changed */
  tf_label_bar_set_label (bar, TF_LABEL_BAR_CLASS, 2, TF_LABEL_BAR_FROM_PROPAGATED, "blurred");
  g_assert_cmpint (tf_label_bar_get_kind (bar, &k), ==, TF_LABEL_BAR_CLASS);
  g_assert_cmpint (k, ==, 2);
  {
    GtkWidget *entry = gtk_widget_get_last_child (gtk_widget_get_first_child (widget));
    g_assert_true (GTK_IS_ENTRY (entry));
    g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (entry)), ==, "blurred");
    g_signal_emit_by_name (entry, "activate");
    g_assert_cmpint (log.notes, ==, 0);
    gtk_editable_set_text (GTK_EDITABLE (entry), "blurred, turned away");
    g_signal_emit_by_name (entry, "activate");
    g_assert_cmpint (log.notes, ==, 1);
    g_assert_cmpstr (log.note, ==, "blurred, turned away");
  }
  g_free (log.note);
  gtk_window_destroy (GTK_WINDOW (window));
}

/* the text of the label bar's line named @name; "" while it is hidden */
static const char *
bar_line (GtkWidget  *bar,
          const char *name)
{
  GtkWidget *label = tf_test_find_widget (bar, TF_TEST_BY_NAME, name);

  g_assert_nonnull (label);
  return gtk_widget_get_visible (label) ? gtk_label_get_text (GTK_LABEL (label)) : "";
}

static void
on_adjudicating_cb (GObject    *bar,
                    GParamSpec *pspec,
                    int        *count)
{
  (void) bar;
  (void) pspec;
  (*count)++;
}

/* Several annotators: the others' votes and how the face's label stands
 * are shown where someone else voted or an adjudicator decided; the
 * Adjudicate toggle is a property, its keys unchanged. */
static void
test_label_bar_votes (void)
{
  static const char * const names[] = { "neutral", "happiness", "surprise" };
  GtkWidget *widget = tf_label_bar_new ();
  TfLabelBar *bar = TF_LABEL_BAR (widget);
  LabelLog log = { .bar = bar, .store = TRUE };
  TfLabelBarVote votes[] = {
    { "Ada", TF_LABEL_BAR_CLASS, 0, FALSE, TRUE },
    { "Alice", TF_LABEL_BAR_CLASS, 1, FALSE, FALSE },
    { "", TF_LABEL_BAR_NOT_A_FACE, -1, FALSE, FALSE },
    { "Dana", TF_LABEL_BAR_CLASS, 1, TRUE, FALSE },
  };
  GtkWidget *window, *toggle;
  int notified = 0;

  g_signal_connect (bar, "label-chosen", G_CALLBACK (on_label_chosen_cb), &log);
  g_signal_connect (bar, "notify::adjudicating", G_CALLBACK (on_adjudicating_cb), &notified);
  tf_label_bar_set_classes (bar, names, G_N_ELEMENTS (names), 1);
  tf_label_bar_set_annotator (bar, "Ada");
  window = tf_test_show (widget, 360, 300);
  g_assert_cmpstr (bar_line (widget, "label-bar-title"), ==, "Your vote (Ada)");

  /* one's own vote alone: nothing more shown */
  tf_label_bar_set_votes (bar, votes, 1, TF_LABEL_BAR_CLASS, 0, 1);
  g_assert_cmpstr (bar_line (widget, "votes"), ==, "");
  g_assert_cmpstr (bar_line (widget, "standing"), ==, "");
  /* Alice against Ada: a tie */
  tf_label_bar_set_votes (bar, votes, 2, TF_LABEL_BAR_NONE, -1, 0);
  g_assert_cmpstr (bar_line (widget, "votes"), ==, "Alice: happiness");
  g_assert_cmpstr (bar_line (widget, "standing"), ==, "Tied: no label until an adjudicator decides");
  g_assert_true (gtk_widget_has_css_class (tf_test_find_widget (widget, TF_TEST_BY_NAME, "standing"), "warning"));
  /* three votes, the unnamed annotator of an old project among them */
  tf_label_bar_set_votes (bar, votes, 3, TF_LABEL_BAR_CLASS, 1, 1);
  g_assert_cmpstr (bar_line (widget, "votes"), ==, "Alice: happiness · Unnamed: Not a face");
  g_assert_cmpstr (bar_line (widget, "standing"), ==, "1 of 3 agrees: happiness");
  /* Alice's vote alone, someone else's */
  tf_label_bar_set_votes (bar, &votes[1], 1, TF_LABEL_BAR_CLASS, 1, 1);
  g_assert_cmpstr (bar_line (widget, "standing"), ==, "Label: happiness (one vote)");
  /* an adjudicator's final label */
  tf_label_bar_set_votes (bar, votes, 4, TF_LABEL_BAR_CLASS, 1, 1);
  g_assert_cmpstr (bar_line (widget, "standing"), ==, "Final: happiness, chosen by Dana (1/3 votes)");
  g_assert_true (g_str_has_suffix (gtk_widget_get_tooltip_text (tf_test_find_widget (widget, TF_TEST_BY_NAME, "votes")),
                                   "Final (Dana): happiness"));
  tf_test_image_free (tf_test_render (widget, "label-bar-votes", &white));

  /* the toggle: the property, notified; one's own vote joins the list */
  toggle = tf_test_find_widget (widget, TF_TEST_BY_NAME, "adjudicate");
  g_assert_nonnull (toggle);
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (toggle), TRUE);
  g_assert_true (tf_label_bar_get_adjudicating (bar));
  g_assert_cmpint (notified, ==, 1);
  g_assert_cmpstr (bar_line (widget, "label-bar-title"), ==, "Final label (Ada)");
  tf_label_bar_set_votes (bar, votes, 4, TF_LABEL_BAR_CLASS, 1, 1);
  g_assert_true (g_str_has_prefix (bar_line (widget, "votes"), "Ada (you): neutral · Alice: happiness"));
  tf_label_bar_set_label (bar, TF_LABEL_BAR_CLASS, 1, TF_LABEL_BAR_FROM_PERSON, NULL);
  tf_test_image_free (tf_test_render (widget, "label-bar-adjudicating", &white));
  /* the keys emit as before: the owner decides what they set */
  g_assert_true (tf_label_bar_handle_key (bar, GDK_KEY_3));
  g_assert_cmpint (log.class_index, ==, 2);
  g_object_set (bar, "adjudicating", FALSE, NULL);
  g_assert_false (gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (toggle)));
  g_assert_cmpstr (bar_line (widget, "label-bar-title"), ==, "Your vote (Ada)");
  g_assert_cmpint (notified, ==, 2);
  g_free (log.note);
  gtk_window_destroy (GTK_WINDOW (window));
}

static void
on_map_changed_cb (TfLabelMap *map,
                   gint64      face,
                   gint64     *last)
{
  (void) map;
  *last = face;
}

/* The label table the views draw from: lookups, sources, and the state
 * against the prediction by class name, whatever the order of the classes. */
static void
test_label_map (void)
{
  const char *project[] = { "neutral", "happiness", "pain", NULL };
  g_autoptr(TfLabelMap) map = tf_label_map_new ();
  g_autoptr(TfFaceProbe) probe = tf_face_probe_new ();
  g_autoptr(TfFaceProbe) bare = tf_face_probe_new ();
  TfLabelMapSource source = TF_LABEL_MAP_FROM_PERSON;
  gint64 last = -1;

  g_signal_connect (map, "changed", G_CALLBACK (on_map_changed_cb), &last);
  tf_label_map_set_classes (map, project);
  g_assert_cmpint (last, ==, 0);
  g_assert_cmpint (tf_label_map_get_n_classes (map), ==, 3);

  /* the model's classes in another order than the project's */
  probe->face_id = 7;
  probe->classes = 2;
  probe->class_names = g_strdupv ((char *[]) { "happiness", "neutral", NULL });
  probe->probs = g_new0 (float, 2);
  probe->probs[0] = 0.9f;
  probe->predicted = 0;
  g_assert_cmpint (tf_label_map_get_state (map, probe), ==, TF_LABEL_STATE_NONE);
  g_assert_cmpint (tf_label_map_lookup (map, 7, NULL), ==, TF_LABEL_MAP_NONE);

  tf_label_map_set (map, 7, 1, TF_LABEL_MAP_FROM_PROPAGATED);
  g_assert_cmpint (last, ==, 7);
  g_assert_cmpint (tf_label_map_lookup (map, 7, &source), ==, 1);
  g_assert_cmpint (source, ==, TF_LABEL_MAP_FROM_PROPAGATED);
  g_assert_cmpint (tf_label_map_get_state (map, probe), ==, TF_LABEL_STATE_AGREES);
  tf_label_map_set (map, 7, 0, TF_LABEL_MAP_FROM_PERSON);
  g_assert_cmpint (tf_label_map_get_state (map, probe), ==, TF_LABEL_STATE_DISAGREES);
  /* a class the model does not know disagrees; not a face is neither */
  tf_label_map_set (map, 7, 2, TF_LABEL_MAP_FROM_PERSON);
  g_assert_cmpint (tf_label_map_get_state (map, probe), ==, TF_LABEL_STATE_DISAGREES);
  g_assert_cmpstr (tf_label_map_label_name (map, 2), ==, "pain");
  tf_label_map_set (map, 7, TF_LABEL_MAP_NOT_A_FACE, TF_LABEL_MAP_FROM_PERSON);
  g_assert_cmpint (tf_label_map_get_state (map, probe), ==, TF_LABEL_STATE_OTHER);
  g_assert_null (tf_label_map_label_name (map, 3));

  /* a face without a prediction has nothing to disagree with */
  bare->face_id = 8;
  tf_label_map_set (map, 8, 0, TF_LABEL_MAP_FROM_PERSON);
  g_assert_cmpint (tf_label_map_get_state (map, bare), ==, TF_LABEL_STATE_OTHER);
  g_assert_cmpuint (tf_label_map_get_size (map), ==, 2);

  /* none forgets; clear forgets all */
  tf_label_map_set (map, 8, TF_LABEL_MAP_NONE, TF_LABEL_MAP_FROM_PERSON);
  g_assert_cmpuint (tf_label_map_get_size (map), ==, 1);
  tf_label_map_clear (map);
  g_assert_cmpint (last, ==, 0);
  g_assert_cmpuint (tf_label_map_get_size (map), ==, 0);
  /* face 0 is no face */
  g_assert_cmpint (tf_label_map_lookup (map, 0, NULL), ==, TF_LABEL_MAP_NONE);
}

/* A probe is found by itself, else by its face id (a newer probe of the
 * same face), never by a face id of 0. */
static void
test_probe_find (void)
{
  g_autoptr(GPtrArray) probes = g_ptr_array_new_with_free_func ((GDestroyNotify) tf_face_probe_unref);
  g_autoptr(TfFaceProbe) newer = tf_face_probe_new ();
  g_autoptr(TfFaceProbe) stranger = tf_face_probe_new ();
  TfFaceProbe *a = tf_face_probe_new (), *b = tf_face_probe_new ();
  guint index = 99;

  b->face_id = 5;
  g_ptr_array_add (probes, a);
  g_ptr_array_add (probes, b);
  g_assert_true (tf_face_probe_array_find (probes, b, &index));
  g_assert_cmpuint (index, ==, 1);
  g_assert_true (tf_face_probe_array_find (probes, a, &index));
  g_assert_cmpuint (index, ==, 0);
  newer->face_id = 5;
  g_assert_true (tf_face_probe_array_find (probes, newer, &index));
  g_assert_cmpuint (index, ==, 1);
  /* a (face id 0) is no match for another face without an id */
  g_assert_false (tf_face_probe_array_find (probes, stranger, &index));
  stranger->face_id = 6;
  g_assert_false (tf_face_probe_array_find (probes, stranger, &index));
}

/* ---- plot */

/* how far @rgb is from @c, 0..255 per channel */
static int
distance_to (const int      rgb[3],
             const GdkRGBA *c)
{
  int want[3];

  tf_test_rgba_to_rgb (c, want);
  return tf_test_distance (rgb, want);
}

static void
test_plot (void)
{
  const GdkRGBA blue = TF_CHART_BLUE, orange = TF_CHART_ORANGE;
  GtkWidget *widget = tf_plot_new ();
  TfPlot *plot = TF_PLOT (widget);
  g_autoptr (TfTestImage) image = NULL;
  graphene_point_t p;
  graphene_rect_t area;
  double lo, hi, x, y;
  guint loss, accuracy;
  GtkWidget *window;
  int rgb[3];

  loss = tf_plot_add_series (plot, "Training loss", &blue);
  accuracy = tf_plot_add_series (plot, "Held-out accuracy", &orange);
  g_assert_cmpuint (loss, ==, 0);
  g_assert_cmpuint (accuracy, ==, 1);
  g_assert_cmpuint (tf_plot_get_n_series (plot), ==, 2);
  tf_plot_set_series_axis (plot, accuracy, TF_PLOT_AXIS_PERCENT);
  tf_plot_set_series_points (plot, accuracy, TRUE);
  tf_plot_set_titles (plot, "Epoch", "Loss", "Accuracy");
  tf_plot_set_empty_text (plot, "Nothing yet");
  tf_plot_set_x_range (plot, 0, 3, TRUE);

  /* nothing yet: the planned span, the axes' defaults */
  g_assert_false (tf_plot_get_area (plot, NULL));
  window = tf_test_show (widget, 600, 300);
  tf_test_image_free (tf_test_render (widget, "plot-empty", &white));
  g_assert_true (tf_plot_get_area (plot, &area));
  tf_plot_get_x_span (plot, &lo, &hi);
  g_assert_cmpfloat (lo, ==, 0);
  g_assert_cmpfloat (hi, ==, 3);

  /* three epochs of four steps, the loss falling from 2 to 0.5; the
   * accuracy after each epoch, the best the second */
  for (int step = 1; step <= 12; step++)
    tf_plot_append (plot, loss, step / 4.0, 2.0 - 1.5 * (step - 1) / 11.0);
  tf_plot_append (plot, accuracy, 1, 0.5);
  tf_plot_append (plot, accuracy, 2, 0.8);
  tf_plot_append (plot, accuracy, 3, 0.7);
  tf_plot_append (plot, loss, 3.1, NAN);   /* no step ran: a gap, not a value */
  tf_plot_set_marker (plot, 2, "Best epoch");
  g_assert_cmpuint (tf_plot_get_n_values (plot, loss), ==, 13);
  g_assert_cmpuint (tf_plot_get_n_values (plot, accuracy), ==, 3);
  g_assert_cmpuint (tf_plot_get_n_values (plot, 7), ==, 0);
  g_assert_true (tf_plot_get_value (plot, accuracy, 1, &x, &y));
  g_assert_cmpfloat (x, ==, 2);
  g_assert_cmpfloat (y, ==, 0.8);
  g_assert_false (tf_plot_get_value (plot, accuracy, 3, &x, &y));
  g_assert_cmpfloat (tf_plot_get_marker (plot), ==, 2);

  /* the spans: the values beyond the plan widen it; the loss from 0 to a
   * round number, the accuracy 0..1 */
  tf_plot_get_x_span (plot, &lo, &hi);
  g_assert_cmpfloat (lo, ==, 0);
  g_assert_cmpfloat_with_epsilon (hi, 3.1, 1e-12);
  tf_plot_get_y_span (plot, TF_PLOT_AXIS_LEFT, &lo, &hi);
  g_assert_cmpfloat (lo, ==, 0);
  g_assert_cmpfloat (hi, ==, 2);
  tf_plot_get_y_span (plot, TF_PLOT_AXIS_PERCENT, &lo, &hi);
  g_assert_cmpfloat (lo, ==, 0);
  g_assert_cmpfloat (hi, ==, 1);

  image = tf_test_render (widget, "plot", &white);
  g_assert_true (tf_plot_get_area (plot, &area));
  g_assert_cmpfloat (area.size.width, >, 300);
  g_assert_cmpfloat (area.size.height, >, 120);
  /* the accuracy's dots in orange, on the right axis' scale */
  for (int e = 1; e <= 3; e++)
    {
      double acc[] = { 0, 0.5, 0.8, 0.7 };

      g_assert_true (tf_plot_value_to_point (plot, TF_PLOT_AXIS_PERCENT, e, acc[e], &p));
      g_assert_true (graphene_rect_contains_point (&area, &p));
      pixel (image, p.x, p.y, rgb);
      g_assert_cmpint (distance_to (rgb, &orange), <, 40);
    }
  /* 80 % sits at four fifths of the height */
  g_assert_true (tf_plot_value_to_point (plot, TF_PLOT_AXIS_PERCENT, 2, 0.8, &p));
  g_assert_cmpfloat_with_epsilon (p.y, area.origin.y + 0.2 * area.size.height, 0.5);
  /* the best epoch's dot is ringed, the others not (above and to the left
   * no line passes) */
  pixel (image, p.x - 4.95, p.y - 4.95, rgb);
  g_assert_cmpint (distance_to (rgb, &orange), <, 60);
  g_assert_true (tf_plot_value_to_point (plot, TF_PLOT_AXIS_PERCENT, 3, 0.7, &p));
  pixel (image, p.x + 4.95, p.y - 4.95, rgb);
  g_assert_cmpint (distance_to (rgb, &orange), >, 100);
  /* the loss' line in blue, on the left axis: between two steps */
  g_assert_true (tf_plot_value_to_point (plot, TF_PLOT_AXIS_LEFT, 0.375, 2.0 - 1.5 * 0.5 / 11.0, &p));
  pixel (image, p.x, p.y, rgb);
  g_assert_cmpint (distance_to (rgb, &blue), <, 60);

  /* the dark style draws without a warning */
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_FORCE_DARK);
  tf_test_settle_frames ();
  tf_test_image_free (tf_test_render (widget, "plot-dark", &(GdkRGBA) { 0.14f, 0.14f, 0.14f, 1 }));
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_DEFAULT);
  tf_test_settle_frames ();

  /* cleared: the series stay, without values or marker */
  tf_plot_clear (plot);
  g_assert_cmpuint (tf_plot_get_n_series (plot), ==, 2);
  g_assert_cmpuint (tf_plot_get_n_values (plot, loss), ==, 0);
  g_assert_true (isnan (tf_plot_get_marker (plot)));
  tf_test_image_free (tf_test_render (widget, "plot-cleared", &white));
  tf_test_destroy (window);
}

/* ---- confusion matrix */

static gboolean
has_colour (const TfTestImage *image,
            const int          want[3],
            int                tolerance)
{
  for (int y = 0; y < image->height; y++)
    for (int x = 0; x < image->width; x++)
      {
        int rgb[3];

        tf_test_pixel (image, x, y, rgb);
        if (tf_test_distance (rgb, want) <= tolerance)
          return TRUE;
      }
  return FALSE;
}

static void
test_confusion (void)
{
  const char *classes[] = { "neutral", "happy", "sad", NULL };
  const gint64 counts[9] = { 5, 1, 0, 0, 7, 1, 2, 0, 4 };
  const int full_blue[3] = { 0x1c, 0x71, 0xd8 };
  GtkWidget *widget = tf_confusion_new ();
  TfConfusion *confusion = TF_CONFUSION (widget);
  g_autoptr (TfTestImage) empty = NULL, image = NULL;
  GtkWidget *window;
  int width, height, min, nat;

  tf_confusion_set_empty_text (confusion, "No held-out faces");
  window = tf_test_show (widget, 420, 360);
  empty = tf_test_render (widget, "confusion-empty", &white);
  /* nothing counted: no cell drawn */
  g_assert_false (has_colour (empty, full_blue, 30));

  tf_confusion_set_matrix (confusion, 3, classes, counts);
  tf_confusion_set_caption (confusion, "Accuracy 80.0 %");
  g_assert_cmpint (tf_confusion_get_n_classes (confusion), ==, 3);
  g_assert_cmpint (tf_confusion_get_count (confusion, 1, 2), ==, 1);
  g_assert_cmpint (tf_confusion_get_count (confusion, 2, 0), ==, 2);
  g_assert_cmpint (tf_confusion_get_count (confusion, 3, 0), ==, -1);
  g_assert_cmpstr (tf_confusion_get_caption (confusion), ==, "Accuracy 80.0 %");
  tf_confusion_get_size (3, &width, &height);
  gtk_widget_measure (widget, GTK_ORIENTATION_HORIZONTAL, -1, &min, &nat, NULL, NULL);
  g_assert_cmpint (nat, ==, width);
  g_assert_cmpint (min, <=, nat);
  image = tf_test_render (widget, "confusion", &white);
  /* a row's whole share is the full blue: "sad" predicted "sad" 4 of 6
   * is not, but "happy" 7 of 8 comes close; at least one cell is strong */
  {
    const int strong[3] = { (int) (0x1c * 0.85 + 255 * 0.15), (int) (0x71 * 0.85 + 255 * 0.15),
                            (int) (0xd8 * 0.85 + 255 * 0.15) };
    g_assert_true (has_colour (image, strong, 24));
  }

  /* cleared */
  tf_confusion_set_matrix (confusion, 0, NULL, NULL);
  g_assert_cmpint (tf_confusion_get_n_classes (confusion), ==, 0);
  tf_test_image_free (tf_test_render (widget, "confusion-cleared", &white));
  tf_test_destroy (window);
}

/* ---- agreement matrix */

/* the colour @rgb (0..1) at @alpha over white, 0..255 */
static void
over_white (const double rgb[3],
            double       alpha,
            double       out[3])
{
  for (int c = 0; c < 3; c++)
    out[c] = 255 * (1 - alpha) + 255 * rgb[c] * alpha;
}

/* a cell's colour, away from its text (its top-left corner) */
static void
cell_corner (TfAgreementMatrix *matrix,
             const TfTestImage *image,
             int                row,
             int                column,
             int                rgb[3])
{
  graphene_rect_t r;

  g_assert_true (tf_agreement_matrix_cell_rect (matrix, row, column, &r));
  pixel (image, r.origin.x + 4, r.origin.y + 4, rgb);
}

static void
assert_contains (const char *text,
                 const char *part)
{
  if (text == NULL || strstr (text, part) == NULL)
    g_error ("\"%s\" does not say \"%s\"", text ? text : "(null)", part);
}

static void
test_agreement_matrix (void)
{
  /* C's name is too long for the margin: it is ellipsized */
  const char *names[] = { "Ann", "Bo", "Christopher Alexander Montgomery-Smythe the Third", NULL };
  /* A-B agree (0.90), A-C less than chance (-0.50), B-C one class only */
  const double kappa[9] = { NAN, 0.9, -0.5, 0.9, NAN, NAN, -0.5, NAN, NAN };
  const gint64 items[9] = { 40, 12, 30, 12, 15, 5, 30, 5, 33 };
  const double agreement[9] = { NAN, 11.0 / 12, 0.2, 11.0 / 12, NAN, 1, 0.2, 1, NAN };
  const double blue[3] = { 33 / 255.0, 102 / 255.0, 172 / 255.0 }, red[3] = { 178 / 255.0, 24 / 255.0, 43 / 255.0 };
  const int blue_full[3] = { 33, 102, 172 }, red_full[3] = { 178, 24, 43 };
  GtkWidget *widget = tf_agreement_matrix_new ();
  TfAgreementMatrix *matrix = TF_AGREEMENT_MATRIX (widget);
  g_autoptr (TfTestImage) empty = NULL, one = NULL, image = NULL;
  g_autofree char *summary = NULL, *tip = NULL, *ninety = g_strdup_printf ("%.2f", 0.9),
                  *minus = g_strdup_printf ("%.2f", -0.5);
  graphene_rect_t r;
  GtkWidget *window;
  int rgb[3], diagonal[3], undefined[3], row, column, min, nat, width, height;
  double want[3];

  g_assert_true (gtk_widget_get_has_tooltip (widget));
  window = tf_test_show (widget, 480, 440);
  empty = tf_test_render (widget, "agreement-empty", &white);
  g_assert_false (has_colour (empty, blue_full, 40));
  g_assert_false (tf_agreement_matrix_cell_rect (matrix, 0, 0, &r));

  /* one annotator: named, nothing compared, no cell */
  tf_agreement_matrix_set_data (matrix, 1, names, kappa, items, NULL);
  one = tf_test_render (widget, "agreement-one", &white);
  g_assert_false (has_colour (one, blue_full, 40));
  g_assert_false (tf_agreement_matrix_cell_at (matrix, 240, 220, &row, &column));
  summary = tf_agreement_matrix_summary (matrix);
  assert_contains (summary, "Ann");
  assert_contains (summary, "nothing to compare");
  g_clear_pointer (&summary, g_free);

  tf_agreement_matrix_set_data (matrix, 3, names, kappa, items, agreement);
  tf_agreement_matrix_set_caption (matrix, "48 faces with two labels or more");
  g_assert_cmpint (tf_agreement_matrix_get_n_annotators (matrix), ==, 3);
  g_assert_cmpfloat (tf_agreement_matrix_get_kappa (matrix, 1, 0), ==, 0.9);
  g_assert_true (isnan (tf_agreement_matrix_get_kappa (matrix, 1, 1)));
  g_assert_true (isnan (tf_agreement_matrix_get_kappa (matrix, 3, 0)));
  g_assert_cmpint (tf_agreement_matrix_get_items (matrix, 2, 2), ==, 33);
  g_assert_cmpint (tf_agreement_matrix_get_items (matrix, 3, 0), ==, -1);
  tf_agreement_matrix_get_size (3, &width, &height);
  gtk_widget_measure (widget, GTK_ORIENTATION_HORIZONTAL, -1, &min, &nat, NULL, NULL);
  g_assert_cmpint (nat, ==, width);
  g_assert_cmpint (min, <=, nat);
  image = tf_test_render (widget, "agreement", &white);

  /* the colours: strong blue for 0.90, half red for -0.50 (both ways
   * round), next to no colour where kappa is undefined, the diagonal grey */
  over_white (blue, 0.08 + 0.92 * 0.9, want);
  cell_corner (matrix, image, 0, 1, rgb);
  assert_near (rgb, want, 12, "kappa 0.90");
  cell_corner (matrix, image, 1, 0, rgb);
  assert_near (rgb, want, 12, "kappa 0.90, transposed");
  over_white (red, 0.08 + 0.92 * 0.5, want);
  cell_corner (matrix, image, 2, 0, rgb);
  assert_near (rgb, want, 12, "kappa -0.50");
  cell_corner (matrix, image, 1, 2, undefined);
  cell_corner (matrix, image, 0, 0, diagonal);
  g_assert_cmpint (undefined[0], >=, 235);
  g_assert_cmpint (diagonal[0], <, undefined[0] - 8);
  g_assert_cmpint (abs (diagonal[0] - diagonal[2]), <=, 4);   /* grey, not a kappa's colour */
  /* the legend runs from red to blue */
  g_assert_true (has_colour (image, red_full, 30));
  g_assert_true (has_colour (image, blue_full, 30));

  /* the long name was cut short: the margin left of the cells (less what
   * centres them) is no wider than the longest name allowed */
  g_assert_true (tf_agreement_matrix_cell_rect (matrix, 0, 0, &r));
  g_assert_cmpfloat (2 * r.origin.x - gtk_widget_get_width (widget) + 16 + 3 * r.size.width, <=, 8 + 150 + 10 + 1);
  g_assert_cmpfloat (r.size.width, >=, 36);
  /* hit testing: the middle of a cell, and outside */
  g_assert_true (tf_agreement_matrix_cell_rect (matrix, 2, 1, &r));
  g_assert_true (tf_agreement_matrix_cell_at (matrix, r.origin.x + r.size.width / 2, r.origin.y + r.size.height / 2,
                                              &row, &column));
  g_assert_cmpint (row, ==, 2);
  g_assert_cmpint (column, ==, 1);
  g_assert_false (tf_agreement_matrix_cell_at (matrix, 2, 2, &row, &column));

  /* the tooltips: kappa, shared faces and their agreement; why one is
   * undefined; the diagonal's count */
  tip = tf_agreement_matrix_describe_cell (matrix, 0, 1);
  assert_contains (tip, ninety);
  assert_contains (tip, "12 faces");
  assert_contains (tip, "92 %");
  g_clear_pointer (&tip, g_free);
  tip = tf_agreement_matrix_describe_cell (matrix, 2, 1);
  assert_contains (tip, "undefined");
  g_clear_pointer (&tip, g_free);
  tip = tf_agreement_matrix_describe_cell (matrix, 0, 0);
  assert_contains (tip, "Ann labelled 40 faces");
  g_clear_pointer (&tip, g_free);
  g_assert_null (tf_agreement_matrix_describe_cell (matrix, 0, 3));

  /* what a screen reader hears */
  summary = tf_agreement_matrix_summary (matrix);
  assert_contains (summary, "3 annotators");
  assert_contains (summary, minus);
  assert_contains (summary, ninety);
  assert_contains (summary, "1 pair without a kappa");
  assert_contains (summary, "48 faces");
  tf_test_destroy (window);

  /* 20 annotators: the cells keep a readable size, so a scrolled window
   * scrolls instead of shrinking them */
  {
    enum { N = 20 };
    g_autofree double *k20 = g_new (double, N * N);
    g_autofree gint64 *n20 = g_new (gint64, N * N);
    g_auto (GStrv) names20 = g_new0 (char *, N + 1);
    GtkWidget *scrolled = gtk_scrolled_window_new (), *big = tf_agreement_matrix_new ();
    GtkAdjustment *hadj;
    g_autoptr (TfTestImage) many = NULL;

    for (int a = 0; a < N; a++)
      {
        names20[a] = g_strdup_printf ("Annotator %d", a + 1);
        for (int b = 0; b < N; b++)
          {
            k20[a * N + b] = a == b ? NAN : 1 - 0.05 * abs (a - b);
            n20[a * N + b] = 100 + a + b;
          }
      }
    tf_agreement_matrix_set_data (TF_AGREEMENT_MATRIX (big), N, (const char * const *) names20, k20, n20, NULL);
    gtk_widget_measure (big, GTK_ORIENTATION_HORIZONTAL, -1, &min, &nat, NULL, NULL);
    g_assert_cmpint (min, >=, 36 * N);
    gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), big);
    window = tf_test_show (scrolled, 500, 400);
    hadj = gtk_scrolled_window_get_hadjustment (GTK_SCROLLED_WINDOW (scrolled));
    g_assert_cmpfloat (gtk_adjustment_get_upper (hadj), >=, 36 * N);
    g_assert_cmpfloat (gtk_adjustment_get_page_size (hadj), <, gtk_adjustment_get_upper (hadj));
    many = tf_test_render (big, "agreement-20", &white);
    g_assert_true (tf_agreement_matrix_cell_rect (TF_AGREEMENT_MATRIX (big), N - 1, N - 1, &r));
    g_assert_cmpfloat (r.size.width, >=, 34);
    g_assert_cmpfloat (r.origin.x + r.size.width, <=, many->width);
    g_assert_cmpfloat (r.origin.y + r.size.height, <=, many->height);
    tf_test_destroy (window);
  }
}

/* ---- class names --------------------------------------------------------- */

/* A message catalogue (.mo) of @n sorted (msgid, msgstr) pairs at @path:
 * the test's own translation, so the lookup is checked whatever po/ holds. */
static void
write_mo (const char         *path,
          const char * const *pairs,
          guint32             n)
{
  g_autoptr(GByteArray) mo = g_byte_array_new ();
  g_autoptr(GError) error = NULL;
  guint32 head[7] = { 0x950412de, 0, n, 28, 28 + 8 * n, 0, 28 + 16 * n };
  guint32 offset = 28 + 16 * n;

  g_byte_array_append (mo, (const guint8 *) head, sizeof head);
  for (guint32 side = 0; side < 2; side++)
    for (guint32 i = 0; i < n; i++)
      {
        guint32 entry[2] = { (guint32) strlen (pairs[2 * i + side]), 0 };
        entry[1] = offset;
        offset += entry[0] + 1;
        g_byte_array_append (mo, (const guint8 *) entry, sizeof entry);
      }
  for (guint32 side = 0; side < 2; side++)
    for (guint32 i = 0; i < n; i++)
      g_byte_array_append (mo, (const guint8 *) pairs[2 * i + side], (guint) strlen (pairs[2 * i + side]) + 1);
  g_assert_true (g_file_set_contents (path, (const char *) mo->data, mo->len, &error));
  g_assert_no_error (error);
}

/* The known expression names translated through their "expression"
 * context (the same word without it is not used), matched in any case;
 * others, and known names without a translation, as written; the bars
 * show the translation. */
static void
test_class_names (void)
{
  static const char * const pairs[] = {
    "", "Content-Type: text/plain; charset=UTF-8\n",
    "expression\004anger", "愤怒",
    "expression\004happiness", "快乐",
    "happiness", "not the expression",
  };
  g_autoptr(GError) error = NULL;
  g_autofree char *root = g_dir_make_tmp ("test-widgets-XXXXXX", &error);
  g_autofree char *lang = g_build_filename (root, "zh_CN", NULL);
  g_autofree char *dir = g_build_filename (lang, "LC_MESSAGES", NULL);
  g_autofree char *mo = g_build_filename (dir, "tf-test-classes.mo", NULL);
  g_autofree char *old_domain = g_strdup (textdomain (NULL));
  g_autofree char *old_locale = g_strdup (setlocale (LC_MESSAGES, NULL));
  g_autofree char *old_language = g_strdup (g_getenv ("LANGUAGE"));
  TfFaceProbe *probe = make_probe ();
  GtkWidget *widget = tf_prob_bars_new ();
  GtkWidget *window;
  const char *pain = "pain";

  g_assert_no_error (error);
  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  write_mo (mo, pairs, G_N_ELEMENTS (pairs) / 2);

  /* without a translation: the names as the model writes them */
  g_assert_cmpstr (tf_class_display_name ("happiness"), ==, "happiness");
  g_assert_cmpstr (tf_class_display_name ("Happiness"), ==, "Happiness");
  g_assert_null (tf_class_display_name (NULL));

  setlocale (LC_MESSAGES, "C.UTF-8");
  g_setenv ("LANGUAGE", "zh_CN", TRUE);
  bindtextdomain ("tf-test-classes", root);
  bind_textdomain_codeset ("tf-test-classes", "UTF-8");
  textdomain ("tf-test-classes");

  g_assert_cmpstr (tf_class_display_name ("happiness"), ==, "快乐");
  g_assert_cmpstr (tf_class_display_name ("Happiness"), ==, "快乐");
  g_assert_cmpstr (tf_class_display_name ("ANGER"), ==, "愤怒");
  /* known, not translated here: as written */
  g_assert_cmpstr (tf_class_display_name ("Fear"), ==, "Fear");
  /* a class of the person's own: the same string */
  g_assert_true (tf_class_display_name (pain) == pain);

  window = tf_test_show (widget, 360, 120);
  tf_prob_bars_set_probe (TF_PROB_BARS (widget), probe);
  tf_test_settle_frames ();
  g_assert_cmpstr (tf_prob_bars_get_name (TF_PROB_BARS (widget), 0), ==, "愤怒");
  g_assert_cmpstr (tf_prob_bars_get_name (TF_PROB_BARS (widget), 1), ==, "快乐");
  g_assert_cmpstr (tf_prob_bars_get_name (TF_PROB_BARS (widget), 2), ==, "neutral");
  g_assert_null (tf_prob_bars_get_name (TF_PROB_BARS (widget), 3));
  tf_test_image_free (tf_test_render (widget, "bars-translated", &white));
  /* the probe keeps the model's names */
  g_assert_cmpstr (probe->class_names[1], ==, "happiness");

  textdomain (old_domain);
  if (old_language)
    g_setenv ("LANGUAGE", old_language, TRUE);
  else
    g_unsetenv ("LANGUAGE");
  setlocale (LC_MESSAGES, old_locale);
  g_assert_cmpstr (tf_class_display_name ("happiness"), ==, "happiness");

  tf_face_probe_unref (probe);
  tf_test_destroy (window);
  g_remove (mo);
  g_remove (dir);
  g_remove (lang);
  g_remove (root);
}

/* ---- figures (tf-figure.h): cairo alone, no window */

/* the figure's first row, as tf-figure.c lays it out: margins of 12 pt,
 * panels of at most 120 pt 6 pt apart over the figure's width */
static double
figure_panel_side (int n)
{
  return MIN (120.0, (TF_FIGURE_WIDTH_PT - 24 - (n - 1) * 6.0) / n);
}

/* @bytes saved next to the test binary as @name, for a look */
static char *
save_bytes (const char *name,
            GByteArray *bytes)
{
  char *path = g_test_build_filename (G_TEST_BUILT, name, NULL);

  g_assert_true (g_file_set_contents (path, (const char *) bytes->data, bytes->len, NULL));
  return path;
}

/* how many pixels of a rectangle of @s are not white */
static int
inked (cairo_surface_t *s,
       int              x0,
       int              y0,
       int              w,
       int              h)
{
  const guint8 *data = cairo_image_surface_get_data (s);
  int stride = cairo_image_surface_get_stride (s), n = 0;

  for (int y = y0; y < y0 + h; y++)
    for (int x = x0; x < x0 + w; x++)
      if ((*(const guint32 *) (data + y * stride + 4 * x) & 0xffffff) != 0xffffff)
        n++;
  return n;
}

/* the mean absolute difference of two squares of @s */
static double
square_diff (cairo_surface_t *s,
             int              x0,
             int              x1,
             int              y,
             int              side)
{
  const guint8 *data = cairo_image_surface_get_data (s);
  int stride = cairo_image_surface_get_stride (s);
  double sum = 0;

  for (int dy = 0; dy < side; dy++)
    for (int dx = 0; dx < side * 4; dx++)
      if (dx % 4 != 3)
        sum += fabs ((double) data[(y + dy) * stride + 4 * x0 + dx] - data[(y + dy) * stride + 4 * x1 + dx]);
  return sum / (side * side * 3);
}

/* a 7 x 7 occlusion map: hiding the left three columns costs 30 points */
static TfFaceProbe *
make_occluded_probe (void)
{
  TfFaceProbe *p = make_probe ();

  p->occlusion_grid = 7;
  p->occlusion_map = g_new (float, 49);
  for (int i = 0; i < 49; i++)
    p->occlusion_map[i] = i % 7 < 3 ? 0.3f : -0.05f;
  return p;
}

/* The PNG at 300 dpi: its width, its panels inked and unlike each other,
 * the head grid and the bars under them. */
static void
test_figure_png (void)
{
  g_autoptr (TfFaceProbe) probe = make_occluded_probe ();
  g_autoptr (GByteArray) bytes = g_byte_array_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *path = NULL;
  TfFigureStyle style = TF_FIGURE_STYLE_INIT;
  double wpt, hpt, h_compare, scale = TF_FIGURE_DPI / 72.0, side_pt, step;
  int w = 0, h = 0, n = 1 + LANETS + 2 + 1, side, y, top, bottom;
  cairo_surface_t *png;

  style.model = "synthetic model";
  tf_figure_get_size (probe, &wpt, &hpt);
  g_assert_cmpfloat_with_epsilon (wpt, TF_FIGURE_WIDTH_PT, 1e-9);
  /* a compared model's probabilities: bars of their own, under the first */
  probe->compare = make_probe ();
  style.compare_model = "second.safetensors";
  tf_figure_get_size (probe, &wpt, &h_compare);
  g_assert_cmpfloat (h_compare, >, hpt);
  hpt = h_compare;
  g_assert_true (tf_figure_render (probe, &style, TF_FIGURE_PNG, bytes, &w, &h, &error));
  g_assert_no_error (error);
  g_assert_cmpmem (bytes->data, 8, "\x89PNG\r\n\x1a\n", 8);
  path = save_bytes ("figure.png", bytes);
  g_test_message ("figure: %s (%d x %d px)", path, w, h);
  /* 174 mm at 300 dpi */
  g_assert_cmpint (w, ==, TF_FIGURE_WIDTH_PX);
  g_assert_cmpint (h, ==, (int) ceil (hpt * scale - 1e-6));

  png = cairo_image_surface_create_from_png (path);
  g_assert_cmpint (cairo_surface_status (png), ==, CAIRO_STATUS_SUCCESS);
  g_assert_cmpint (cairo_image_surface_get_width (png), ==, w);
  g_assert_cmpint (cairo_image_surface_get_height (png), ==, h);

  /* face, four LANets, their max, the rollout, the occlusion: each inked
   * all over (4 pixels in from its edges) */
  side_pt = figure_panel_side (n);
  step = (side_pt + 6) * scale;
  side = (int) (side_pt * scale) - 8;
  y = (int) (12 * scale) + 4;
  for (int i = 0; i < n; i++)
    g_assert_cmpint (inked (png, (int) ((12 * scale) + i * step) + 4, y, side, side), ==, side * side);
  {
    int x0 = (int) (12 * scale) + 4;
    double face_lanet = square_diff (png, x0, (int) (x0 + step), y, side);
    double lanet_max = square_diff (png, (int) (x0 + step), (int) (x0 + (1 + LANETS) * step), y, side);
    double max_rollout = square_diff (png, (int) (x0 + (1 + LANETS) * step), (int) (x0 + (2 + LANETS) * step), y, side);

    g_test_message ("mean differences: face/LANet 1 %.1f, LANet 1/max %.1f, max/rollout %.1f",
                    face_lanet, lanet_max, max_rollout);
    g_assert_cmpfloat (face_lanet, >, 5);
    /* the max has all four hot spots, LANet 1 one */
    g_assert_cmpfloat (lanet_max, >, 2);
    g_assert_cmpfloat (max_rollout, >, 5);
  }
  /* "as the model sees it" for a gray model: the face panel in gray */
  {
    g_autoptr (GByteArray) gray_bytes = g_byte_array_new ();
    g_autofree char *gray_path = NULL;
    cairo_surface_t *gray;
    const guint8 *px;

    style.as_model = TRUE;
    probe->input_gray = TRUE;
    g_assert_true (tf_figure_render (probe, &style, TF_FIGURE_PNG, gray_bytes, NULL, NULL, &error));
    gray_path = save_bytes ("figure-gray.png", gray_bytes);
    gray = cairo_image_surface_create_from_png (gray_path);
    px = cairo_image_surface_get_data (gray) + (gsize) (y + side / 2) * cairo_image_surface_get_stride (gray)
         + 4 * ((int) (12 * scale) + side / 2);
    g_assert_cmpint (px[0], ==, px[1]);
    g_assert_cmpint (px[1], ==, px[2]);
    px = cairo_image_surface_get_data (png) + (gsize) (y + side / 2) * cairo_image_surface_get_stride (png)
         + 4 * ((int) (12 * scale) + side / 2);
    g_assert_cmpint (px[0], !=, px[2]);
    cairo_surface_destroy (gray);
  }
  /* the head grid (left) and the bars (right) under the panels, above
   * the caption */
  top = y + side + (int) (20 * scale);
  bottom = h - (int) (30 * scale);
  g_assert_cmpint (bottom - top, >, 100);
  g_assert_cmpint (inked (png, (int) (12 * scale), top, (int) (w * 0.4) - (int) (12 * scale), bottom - top), >, 5000);
  g_assert_cmpint (inked (png, (int) (w * 0.45), top, (int) (w * 0.55) - (int) (12 * scale), bottom - top), >, 5000);
  cairo_surface_destroy (png);
}

typedef struct
{
  int images, uses;             /* uses: of pictures (glyphs are uses too) */
} SvgCount;

static void
svg_start (GMarkupParseContext *context,
           const char          *element,
           const char         **names,
           const char         **values,
           gpointer             user_data,
           GError             **error)
{
  SvgCount *count = user_data;

  (void) context;
  (void) error;
  if (strcmp (element, "image") == 0)
    count->images++;
  else if (strcmp (element, "use") == 0)
    for (int i = 0; names[i] != NULL; i++)
      if (strcmp (names[i], "xlink:href") == 0 && g_str_has_prefix (values[i], "#image"))
        count->uses++;
}

static SvgCount
parse_svg (GByteArray *bytes)
{
  static const GMarkupParser parser = { svg_start, NULL, NULL, NULL, NULL };
  g_autoptr (GError) error = NULL;
  GMarkupParseContext *context;
  SvgCount count = { 0 };

  g_assert_cmpuint (bytes->len, >, 5);
  g_assert_cmpmem (bytes->data, 5, "<?xml", 5);
  context = g_markup_parse_context_new (&parser, 0, &count, NULL);
  g_assert_true (g_markup_parse_context_parse (context, (const char *) bytes->data, bytes->len, &error));
  g_assert_no_error (error);
  g_assert_true (g_markup_parse_context_end_parse (context, &error));
  g_assert_no_error (error);
  g_markup_parse_context_free (context);
  return count;
}

/* The SVG parses as XML and paints a picture per panel (and one more for
 * each map over the face). */
static void
test_figure_svg (void)
{
  g_autoptr (TfFaceProbe) probe = make_probe ();
  g_autoptr (TfFaceProbe) occluded = make_occluded_probe ();
  g_autoptr (GByteArray) bytes = g_byte_array_new ();
  g_autoptr (GByteArray) more_bytes = g_byte_array_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *path = NULL;
  int w = 0, h = 0, maps = LANETS + 2;
  SvgCount plain, more;

  g_assert_true (tf_figure_render (probe, NULL, TF_FIGURE_SVG, bytes, &w, &h, &error));
  g_assert_no_error (error);
  path = save_bytes ("figure.svg", bytes);
  g_test_message ("figure: %s (%d x %d pt)", path, w, h);
  g_assert_cmpint (w, ==, (int) ceil (TF_FIGURE_WIDTH_PT));
  plain = parse_svg (bytes);
  g_test_message ("SVG: %d pictures, painted %d times", plain.images, plain.uses);
  /* the face in every panel, a map over all but the first; the face is
   * stored once */
  g_assert_cmpint (plain.uses, ==, 1 + maps + maps);
  g_assert_cmpint (plain.images, ==, 1 + maps);

  g_assert_true (tf_figure_render (occluded, NULL, TF_FIGURE_SVG, more_bytes, NULL, NULL, &error));
  g_assert_no_error (error);
  more = parse_svg (more_bytes);
  /* the occlusion panel: the face and its map */
  g_assert_cmpint (more.uses, ==, plain.uses + 2);
  g_assert_cmpint (more.images, ==, plain.images + 1);
}

/* A contact sheet: a row a face, a face without maps keeps its row. */
static void
test_figure_sheet (void)
{
  g_autoptr (GPtrArray) probes = g_ptr_array_new_with_free_func ((GDestroyNotify) tf_face_probe_unref);
  g_autoptr (GByteArray) bytes = g_byte_array_new ();
  g_autoptr (GByteArray) svg = g_byte_array_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *path = NULL;
  double wpt, hpt, wpt1, hpt1;
  int w = 0, h = 0;

  for (int i = 0; i < 3; i++)
    g_ptr_array_add (probes, make_probe ());
  tf_contact_sheet_get_size ((TfFaceProbe * const *) probes->pdata, 1, &wpt1, &hpt1);
  g_clear_pointer (&((TfFaceProbe *) probes->pdata[1])->lanet_maps, g_free);
  g_clear_pointer (&((TfFaceProbe *) probes->pdata[1])->lanet_max, g_free);
  tf_contact_sheet_get_size ((TfFaceProbe * const *) probes->pdata, probes->len, &wpt, &hpt);
  /* columns: face, the LANets, max, rollout; rows: one a face */
  g_assert_cmpfloat (wpt, ==, wpt1);
  g_assert_cmpfloat (hpt, >, 3 * (hpt1 - 2 * 12 - 11) - 1);
  g_assert_true (tf_contact_sheet_render ((TfFaceProbe * const *) probes->pdata, probes->len, NULL,
                                          TF_FIGURE_PNG, bytes, &w, &h, &error));
  g_assert_no_error (error);
  path = save_bytes ("contact-sheet.png", bytes);
  g_test_message ("contact sheet: %s (%d x %d px)", path, w, h);
  g_assert_cmpint (w, ==, (int) ceil (wpt * TF_FIGURE_DPI / 72.0 - 1e-6));
  g_assert_cmpint (h, ==, (int) ceil (hpt * TF_FIGURE_DPI / 72.0 - 1e-6));
  g_assert_true (tf_contact_sheet_render ((TfFaceProbe * const *) probes->pdata, probes->len, NULL,
                                          TF_FIGURE_SVG, svg, NULL, NULL, &error));
  /* the face in every cell of the two faces with maps and in two of the
   * third's (its face and rollout; the others are empty), a map over each
   * cell but the face's */
  g_assert_no_error (error);
  g_assert_cmpint (parse_svg (svg).uses, ==, 2 * (1 + LANETS + 2) + 2 + 2 * (LANETS + 2) + 1);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  gtk_init ();
  adw_init ();

  g_test_add_func ("/widgets/colormap/tables", test_colormap_tables);
  g_test_add_func ("/widgets/colormap/names", test_colormap_names);
  g_test_add_func ("/widgets/probe/copy", test_probe_copy);
  g_test_add_func ("/widgets/label-map", test_label_map);
  g_test_add_func ("/widgets/probe/find", test_probe_find);
  g_test_add_func ("/widgets/overlay", test_overlay);
  g_test_add_func ("/widgets/prob-bars", test_prob_bars);
  g_test_add_func ("/widgets/class-names", test_class_names);
  g_test_add_func ("/widgets/head-grid", test_head_grid);
  g_test_add_func ("/widgets/timeline", test_timeline);
  g_test_add_func ("/widgets/inspector", test_inspector);
  g_test_add_func ("/widgets/inspector-legend", test_inspector_legend);
  g_test_add_func ("/widgets/inspector-selected-head", test_inspector_selected_head);
  g_test_add_func ("/widgets/inspector-compute", test_inspector_compute);
  g_test_add_func ("/widgets/inspector-map-choice", test_inspector_map_choice);
  g_test_add_func ("/widgets/inspector-as-model", test_inspector_as_model);
  g_test_add_func ("/widgets/inspector-help-buttons", test_inspector_help_buttons);
  g_test_add_func ("/widgets/label-bar", test_label_bar);
  g_test_add_func ("/widgets/label-bar-votes", test_label_bar_votes);
  g_test_add_func ("/widgets/plot", test_plot);
  g_test_add_func ("/widgets/confusion", test_confusion);
  g_test_add_func ("/widgets/agreement-matrix", test_agreement_matrix);
  g_test_add_func ("/widgets/figure/png", test_figure_png);
  g_test_add_func ("/widgets/figure/svg", test_figure_svg);
  g_test_add_func ("/widgets/figure/contact-sheet", test_figure_sheet);
  return g_test_run ();
}
