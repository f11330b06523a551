/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Figures (widgets/tf-figure.c) of a synthetic face: the PNG's size and
 * what its panels show, the SVG parsed as XML with a picture per panel, a
 * contact sheet, and a folder that cannot be written to. No display is
 * needed: everything is drawn with cairo on images and SVG. The figures
 * are saved next to the test binary (their paths are in the log). */
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

#include "tf-widgets.h"

#define GRID     14
#define LANETS   2
#define DEPTH    3
#define HEADS    4
#define CLASSES  3
#define CROP     112
#define OCC      7

static GdkTexture *
make_crop (void)
{
  gsize stride = CROP * 3;
  guint8 *pixels = g_malloc (stride * CROP);
  g_autoptr (GBytes) bytes = NULL;

  for (int y = 0; y < CROP; y++)
    for (int x = 0; x < CROP; x++)
      {
        pixels[y * stride + 3 * x + 0] = (guint8) (40 + x);
        pixels[y * stride + 3 * x + 1] = (guint8) (60 + y);
        pixels[y * stride + 3 * x + 2] = 150;
      }
  bytes = g_bytes_new_take (pixels, stride * CROP);
  return gdk_memory_texture_new (CROP, CROP, GDK_MEMORY_R8G8B8, bytes, stride);
}

/* 0.1 everywhere, 0.9 in a 3 x 3 block around (row, col) */
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

static TfFaceProbe *
make_probe (gboolean occlusion)
{
  static const char *names[] = { "anger", "happiness", "neutral", NULL };
  static const float probs[CLASSES] = { 0.05f, 0.85f, 0.10f };
  TfFaceProbe *p = tf_face_probe_new ();
  int gg = GRID * GRID;

  p->file = g_strdup ("/somewhere/synthetic.png");
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
  hot_map (p->lanet_maps, 3, 3);
  hot_map (p->lanet_maps + gg, 10, 10);
  for (int i = 0; i < gg; i++)
    p->lanet_max[i] = MAX (p->lanet_maps[i], p->lanet_maps[gg + i]);
  p->head_contrib = g_new (float, DEPTH * HEADS);
  for (int i = 0; i < DEPTH * HEADS; i++)
    p->head_contrib[i] = (float) (i % HEADS + 1) / 10.0f;
  p->rollout = g_new (float, gg);
  for (int i = 0; i < gg; i++)
    p->rollout[i] = (float) (i % GRID) / GRID;
  if (occlusion)
    {
      p->occlusion_grid = OCC;
      p->occlusion_map = g_new (float, OCC * OCC);
      for (int i = 0; i < OCC * OCC; i++)
        p->occlusion_map[i] = (i % OCC) < 3 ? 0.3f : -0.05f;
    }
  return p;
}

static char *
output_path (const char *name)
{
  return g_test_build_filename (G_TEST_BUILT, name, NULL);
}

/* the mean absolute difference of two same-sized regions of @s */
static double
region_diff (cairo_surface_t *s,
             int              x0,
             int              y0,
             int              x1,
             int              y1,
             int              side)
{
  const guint8 *data = cairo_image_surface_get_data (s);
  int stride = cairo_image_surface_get_stride (s);
  double sum = 0;

  for (int y = 0; y < side; y++)
    for (int x = 0; x < side; x++)
      for (int c = 0; c < 3; c++)
        sum += fabs ((double) data[(y0 + y) * stride + 4 * (x0 + x) + c]
                     - data[(y1 + y) * stride + 4 * (x1 + x) + c]);
  return sum / (side * side * 3);
}

/* how many pixels of the square differ from white */
static int
inked (cairo_surface_t *s,
       int              x0,
       int              y0,
       int              w,
       int              h)
{
  const guint8 *data = cairo_image_surface_get_data (s);
  int stride = cairo_image_surface_get_stride (s);
  int n = 0;

  for (int y = y0; y < y0 + h; y++)
    for (int x = x0; x < x0 + w; x++)
      {
        guint32 px = *(const guint32 *) (data + y * stride + 4 * x);

        if ((px & 0xffffff) != 0xffffff)
          n++;
      }
  return n;
}

static void
test_png (void)
{
  g_autoptr (TfFaceProbe) probe = make_probe (TRUE);
  g_autofree char *path = output_path ("figure.png");
  TfFigureStyle style = TF_FIGURE_STYLE_INIT;
  g_autoptr (GError) error = NULL;
  cairo_surface_t *png;
  double wpt, hpt, scale = TF_FIGURE_DPI / 72.0;
  int w = 0, h = 0, panel, side, y;
  char head[8] = { 0 };
  FILE *f;

  style.model = "synthetic model";
  tf_figure_get_size (probe, &wpt, &hpt);
  g_assert_cmpfloat_with_epsilon (wpt, TF_FIGURE_WIDTH_PT, 1e-9);
  g_assert_true (tf_figure_save (probe, &style, path, TF_FIGURE_PNG, &w, &h, &error));
  g_assert_no_error (error);
  g_test_message ("figure: %s (%d x %d px)", path, w, h);
  /* 174 mm at 300 dpi */
  g_assert_cmpint (w, ==, TF_FIGURE_WIDTH_PX);
  g_assert_cmpint (h, ==, (int) ceil (hpt * scale - 1e-6));
  g_assert_cmpint (h, >, 600);

  f = g_fopen (path, "rb");
  g_assert_nonnull (f);
  g_assert_cmpuint (fread (head, 1, 8, f), ==, 8);
  fclose (f);
  g_assert_cmpmem (head, 8, "\x89PNG\r\n\x1a\n", 8);

  png = cairo_image_surface_create_from_png (path);
  g_assert_cmpint (cairo_surface_status (png), ==, CAIRO_STATUS_SUCCESS);
  g_assert_cmpint (cairo_image_surface_get_width (png), ==, w);
  g_assert_cmpint (cairo_image_surface_get_height (png), ==, h);

  /* six panels in the first row: face, LANet 1, LANet 2, max, rollout,
   * occlusion; each inked, and each map differs from the face and from
   * the max */
  side = (int) floor ((TF_FIGURE_WIDTH_PT - 24 - 5 * 6) / 6 * scale);
  y = (int) (12 * scale) + 4;
  for (panel = 0; panel < 6; panel++)
    {
      int x = (int) ((12 + panel * ((TF_FIGURE_WIDTH_PT - 24 - 30) / 6 + 6)) * scale) + 4;

      g_assert_cmpint (inked (png, x, y, side - 8, side - 8), >, (side - 8) * (side - 8) * 9 / 10);
    }
  {
    double step = ((TF_FIGURE_WIDTH_PT - 24 - 30) / 6 + 6) * scale;
    int x0 = (int) (12 * scale) + 4, inner = side - 8;
    double face_lanet = region_diff (png, x0, y, (int) (x0 + step), y, inner);
    double lanet_max = region_diff (png, (int) (x0 + step), y, (int) (x0 + 3 * step), y, inner);
    double lanet2_max = region_diff (png, (int) (x0 + 2 * step), y, (int) (x0 + 3 * step), y, inner);

    g_test_message ("mean differences: face/LANet 1 %.1f, LANet 1/max %.1f, LANet 2/max %.1f",
                    face_lanet, lanet_max, lanet2_max);
    g_assert_cmpfloat (face_lanet, >, 5);
    g_assert_cmpfloat (lanet_max, >, 2);
    g_assert_cmpfloat (lanet2_max, >, 2);
  }
  /* the head grid (left) and the bars (right) under them, above the
   * caption */
  {
    int top = y + side + 60, bottom = h - (int) (30 * scale);

    g_assert_cmpint (bottom - top, >, 200);
    g_assert_cmpint (inked (png, (int) (12 * scale), top, (int) (w * 0.4) - (int) (12 * scale),
                            bottom - top), >, 20000);
    g_assert_cmpint (inked (png, (int) (w * 0.45), top, (int) (w * 0.55) - (int) (12 * scale),
                            bottom - top), >, 20000);
  }
  cairo_surface_destroy (png);
}

typedef struct
{
  int images, uses, groups;    /* uses: of pictures */
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
    {
      /* cairo writes each picture once and uses it where it is painted;
       * glyphs are uses too */
      for (int i = 0; names[i] != NULL; i++)
        if (strcmp (names[i], "xlink:href") == 0 && g_str_has_prefix (values[i], "#image"))
          count->uses++;
    }
  else if (strcmp (element, "g") == 0)
    count->groups++;
}

static SvgCount
parse_svg (const char *path)
{
  static const GMarkupParser parser = { svg_start, NULL, NULL, NULL, NULL };
  g_autofree char *text = NULL;
  g_autoptr (GError) error = NULL;
  GMarkupParseContext *context;
  SvgCount count = { 0 };
  gsize len;

  g_assert_true (g_file_get_contents (path, &text, &len, &error));
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (text, "<?xml"));
  context = g_markup_parse_context_new (&parser, 0, &count, NULL);
  g_assert_true (g_markup_parse_context_parse (context, text, (gssize) len, &error));
  g_assert_no_error (error);
  g_assert_true (g_markup_parse_context_end_parse (context, &error));
  g_assert_no_error (error);
  g_markup_parse_context_free (context);
  return count;
}

static void
test_svg (void)
{
  g_autoptr (TfFaceProbe) probe = make_probe (FALSE);
  g_autoptr (TfFaceProbe) occluded = make_probe (TRUE);
  g_autofree char *path = output_path ("figure.svg");
  g_autofree char *path2 = output_path ("figure-occlusion.svg");
  g_autoptr (GError) error = NULL;
  SvgCount plain, more;
  int w = 0, h = 0;

  g_assert_true (tf_figure_save (probe, NULL, path, TF_FIGURE_SVG, &w, &h, &error));
  g_assert_no_error (error);
  g_test_message ("figure: %s (%d x %d pt)", path, w, h);
  g_assert_cmpint (w, ==, (int) ceil (TF_FIGURE_WIDTH_PT));
  plain = parse_svg (path);
  g_test_message ("SVG: %d images, %d uses, %d groups", plain.images, plain.uses, plain.groups);
  /* five panels (face, two LANets, max, rollout): the face painted in
   * each, and a map over four; the face is stored once, each map once */
  g_assert_cmpint (plain.uses, ==, 5 + 4);
  g_assert_cmpint (plain.images, ==, 1 + 4);

  g_assert_true (tf_figure_save (occluded, NULL, path2, TF_FIGURE_SVG, NULL, NULL, &error));
  g_assert_no_error (error);
  more = parse_svg (path2);
  /* the occlusion panel adds the face and its map */
  g_assert_cmpint (more.uses, ==, plain.uses + 2);
  g_assert_cmpint (more.images, ==, plain.images + 1);
}

static void
test_sheet (void)
{
  g_autoptr (GPtrArray) probes = g_ptr_array_new_with_free_func ((GDestroyNotify) tf_face_probe_unref);
  g_autofree char *path = output_path ("contact-sheet.png");
  g_autoptr (GError) error = NULL;
  double wpt, hpt;
  int w = 0, h = 0;

  for (int i = 0; i < 3; i++)
    g_ptr_array_add (probes, make_probe (FALSE));
  /* a face without maps keeps its row, with empty cells */
  g_clear_pointer (&((TfFaceProbe *) probes->pdata[1])->lanet_maps, g_free);
  g_clear_pointer (&((TfFaceProbe *) probes->pdata[1])->lanet_max, g_free);
  tf_contact_sheet_get_size ((TfFaceProbe * const *) probes->pdata, probes->len, &wpt, &hpt);
  g_assert_true (tf_contact_sheet_save ((TfFaceProbe * const *) probes->pdata, probes->len, NULL,
                                        path, TF_FIGURE_PNG, &w, &h, &error));
  g_assert_no_error (error);
  g_test_message ("contact sheet: %s (%d x %d px)", path, w, h);
  g_assert_cmpint (w, ==, (int) ceil (wpt * TF_FIGURE_DPI / 72.0 - 1e-6));
  g_assert_cmpint (h, ==, (int) ceil (hpt * TF_FIGURE_DPI / 72.0 - 1e-6));
  /* a header and three rows of 64 pt cells */
  g_assert_cmpfloat (hpt, >, 3 * 64);
}

static guint
count_entries (const char *dir)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  guint n = 0;

  g_assert_nonnull (d);
  while (g_dir_read_name (d) != NULL)
    n++;
  return n;
}

static void
test_read_only (void)
{
  g_autoptr (TfFaceProbe) probe = make_probe (FALSE);
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("tf-figure-XXXXXX", NULL);
  const char *folder = dir;
  g_autofree char *path = NULL;
  guint before;

  g_assert_nonnull (dir);
  g_assert_cmpint (g_chmod (dir, 0555), ==, 0);
  /* root writes anywhere it may: a folder of sysfs refuses it */
  if (access (dir, W_OK) == 0)
    {
      if (!g_file_test ("/sys/kernel", G_FILE_TEST_IS_DIR))
        {
          g_test_skip ("no folder here refuses this user");
          return;
        }
      folder = "/sys/kernel";
    }
  path = g_build_filename (folder, "figure.png", NULL);
  before = count_entries (folder);
  g_assert_false (tf_figure_save (probe, NULL, path, TF_FIGURE_PNG, NULL, NULL, &error));
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, folder));
  g_assert_nonnull (strstr (error->message, "figure.png"));
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (count_entries (folder), ==, before);
  g_clear_error (&error);
  g_assert_false (tf_figure_save (probe, NULL, path, TF_FIGURE_SVG, NULL, NULL, &error));
  g_assert_nonnull (strstr (error->message, folder));
  g_assert_cmpuint (count_entries (folder), ==, before);

  g_assert_cmpint (g_chmod (dir, 0755), ==, 0);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/figure/png", test_png);
  g_test_add_func ("/figure/svg", test_svg);
  g_test_add_func ("/figure/contact-sheet", test_sheet);
  g_test_add_func ("/figure/read-only", test_read_only);
  return g_test_run ();
}
