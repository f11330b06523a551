/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The YuNet face detector against its PyTorch reference (tools/yunet_ref.py,
 * which runs the ONNX graph in float64 and decodes as OpenCV does), its
 * depthwise kernel against the naive twin, NMS, odd sizes and bad files. */
#include <gio/gio.h>
#include <string.h>

#include "tf-detect.h"
#include "tf-ops.h"
#include "tf-rng.h"
#include "tf-test-util.h"

/* float32 against float64 through 30 layers: heads are O(1..10) values */
#define TOL_RAW 5e-5

static char *
detector_path (void)
{
  return g_test_build_filename (G_TEST_DIST, "..", "data", "models", "yunet.safetensors", NULL);
}

static TfDetector *
load_detector (void)
{
  g_autofree char *path = detector_path ();
  g_autoptr(GError) error = NULL;
  TfDetector *d = tf_detector_load (path, &error);

  g_assert_no_error (error);
  g_assert_nonnull (d);
  return d;
}

static TfSafetensors *
open_golden (void)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "goldens", "yunet-golden.safetensors", NULL);
  g_autoptr(GError) error = NULL;
  TfSafetensors *st = tf_safetensors_open (path, &error);

  g_assert_no_error (error);
  return st;
}

/* ---- a PNG reader just big enough for data/astronaut.png ---------------- */

static guint32
be32 (const guint8 *p)
{
  return (guint32) p[0] << 24 | (guint32) p[1] << 16 | (guint32) p[2] << 8 | p[3];
}

static int
paeth (int a,
       int b,
       int c)
{
  int p = a + b - c, pa = abs (p - a), pb = abs (p - b), pc = abs (p - c);

  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/* 8-bit RGB, non-interlaced PNG -> packed RGB (g_free it). */
static guint8 *
read_png_rgb (const char *path,
              int        *width,
              int        *height)
{
  g_autofree guint8 *file = NULL;
  g_autoptr(GByteArray) idat = g_byte_array_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GConverter) z = NULL;
  g_autoptr(GInputStream) mem = NULL, in = NULL;
  g_autofree guint8 *raw = NULL;
  gsize size, pos = 8, row, got = 0;
  guint8 *rgb;
  int w = 0, h = 0;

  g_assert_true (g_file_get_contents (path, (char **) &file, &size, &error));
  g_assert_cmpuint (size, >, 8);
  g_assert_cmpmem (file, 8, "\x89PNG\r\n\x1a\n", 8);
  while (pos + 12 <= size)
    {
      guint32 len = be32 (file + pos);
      const guint8 *type = file + pos + 4, *data = file + pos + 8;

      g_assert_cmpuint (len, <=, size - pos - 12);
      if (memcmp (type, "IHDR", 4) == 0)
        {
          w = (int) be32 (data);
          h = (int) be32 (data + 4);
          g_assert_cmpint (data[8], ==, 8);    /* bit depth */
          g_assert_cmpint (data[9], ==, 2);    /* RGB */
          g_assert_cmpint (data[12], ==, 0);   /* not interlaced */
        }
      else if (memcmp (type, "IDAT", 4) == 0)
        g_byte_array_append (idat, data, len);
      pos += 12 + len;
    }
  g_assert_cmpint (w, >, 0);
  row = (gsize) w * 3;
  raw = g_malloc ((row + 1) * h);
  z = G_CONVERTER (g_zlib_decompressor_new (G_ZLIB_COMPRESSOR_FORMAT_ZLIB));
  mem = g_memory_input_stream_new_from_data (idat->data, idat->len, NULL);
  in = g_converter_input_stream_new (mem, z);
  g_assert_true (g_input_stream_read_all (in, raw, (row + 1) * h, &got, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (got, ==, (row + 1) * h);

  rgb = g_malloc (row * h);
  for (int y = 0; y < h; y++)
    {
      const guint8 *src = raw + y * (row + 1) + 1;
      guint8 *dst = rgb + y * row, *up = y > 0 ? dst - row : NULL;
      int filter = raw[y * (row + 1)];
      for (gsize i = 0; i < row; i++)
        {
          int a = i >= 3 ? dst[i - 3] : 0, b = up ? up[i] : 0, c = up && i >= 3 ? up[i - 3] : 0;
          int pred = filter == 0 ? 0 : filter == 1 ? a : filter == 2 ? b : filter == 3 ? (a + b) / 2 : paeth (a, b, c);
          g_assert_cmpint (filter, <=, 4);
          dst[i] = (guint8) (src[i] + pred);
        }
    }
  *width = w;
  *height = h;
  return rgb;
}

/* ---- kernels -------------------------------------------------------------- */

static void
test_depthwise (void)
{
  const int sizes[][3] = { { 3, 5, 7 }, { 16, 1, 1 }, { 4, 1, 9 }, { 5, 9, 1 }, { 2, 2, 2 }, { 64, 12, 20 }, { 1, 33, 17 },
                           { 3, 4, 16 }, { 2, 5, 32 }, { 2, 3, 47 } };
  g_autoptr(TfPool) pool = tf_pool_new (2);
  TfRng rng;

  tf_rng_seed (&rng, 11);
  for (guint s = 0; s < G_N_ELEMENTS (sizes); s++)
    for (int relu = 0; relu <= 1; relu++)
      {
        int c = sizes[s][0], h = sizes[s][1], w = sizes[s][2];
        gsize n = (gsize) c * h * w;
        g_autofree float *x = g_new (float, n), *k = g_new (float, 9 * c), *b = g_new (float, c);
        g_autofree float *got = g_new (float, n), *want = g_new (float, n), *serial = g_new (float, n);
        TfAct act = relu ? TF_ACT_RELU : TF_ACT_NONE;
        char what[64];

        for (gsize i = 0; i < n; i++)
          x[i] = (float) (tf_rng_uniform (&rng) * 2 - 1);
        for (int i = 0; i < 9 * c; i++)
          k[i] = (float) (tf_rng_uniform (&rng) * 2 - 1);
        for (int i = 0; i < c; i++)
          b[i] = (float) (tf_rng_uniform (&rng) - 0.5);
        tf_depthwise3x3_naive (want, x, k, b, act, c, h, w);
        tf_depthwise3x3_forward (got, x, k, b, act, pool, c, h, w);
        tf_depthwise3x3_forward (serial, x, k, relu ? b : NULL, act, NULL, c, h, w);
        g_snprintf (what, sizeof what, "depthwise %dx%dx%d relu=%d", c, h, w, relu);
        tf_assert_close (got, want, n, 1e-5, what);
        if (relu)
          tf_assert_close (serial, want, n, 1e-5, what);   /* serial, no pool */
        else
          {
            /* serial and without bias: want - bias */
            for (gsize i = 0; i < n; i++)
              want[i] -= b[i / ((gsize) h * w)];
            tf_assert_close (serial, want, n, 1e-5, what);
          }
      }
}

/* ---- against the reference ---------------------------------------------- */

static void
check_raw (TfDetector    *d,
           TfSafetensors *golden,
           const char    *input_name,
           const char    *raw_name)
{
  const TfStTensor *t = tf_safetensors_lookup (golden, input_name);
  g_autofree float *input = tf_test_read_golden (golden, input_name, NULL);
  g_autofree float *want = tf_test_read_golden (golden, raw_name, NULL);
  const TfStTensor *r = tf_safetensors_lookup (golden, raw_name);
  g_autofree float *got = NULL;
  g_autoptr(GError) error = NULL;
  int rows;

  g_assert_cmpint (t->ndim, ==, 3);
  rows = tf_detector_forward_raw (d, input, (int) t->shape[2], (int) t->shape[1], &got, &error);
  g_assert_no_error (error);
  g_assert_cmpint (rows, ==, r->shape[0]);
  g_assert_cmpint (r->shape[1], ==, 16);
  tf_assert_close (got, want, (gsize) rows * 16, TOL_RAW, raw_name);
}

static void
test_raw_outputs (void)
{
  g_autoptr(TfDetector) d = load_detector ();
  g_autoptr(TfSafetensors) golden = open_golden ();

  check_raw (d, golden, "synth_input", "synth_raw");
  check_raw (d, golden, "astro_crop_input", "astro_crop_raw");
  /* one thread gives the same */
  tf_detector_set_threads (d, 1);
  check_raw (d, golden, "astro_crop_input", "astro_crop_raw");
}

static void
assert_faces_match (GArray      *faces,
                    const float *want,
                    gsize        n_want,
                    const char  *what)
{
  double worst = 0, worst_score = 0;

  g_assert_cmpuint (faces->len, ==, n_want);
  for (guint i = 0; i < faces->len; i++)
    {
      const TfFace *f = &g_array_index (faces, TfFace, i);
      const float *w = want + 15 * i;
      float got[14] = { f->x, f->y, f->w, f->h };

      for (int k = 0; k < TF_FACE_LANDMARKS; k++)
        {
          got[4 + 2 * k] = f->landmarks[k][0];
          got[5 + 2 * k] = f->landmarks[k][1];
        }
      for (int k = 0; k < 4; k++)
        worst = MAX (worst, fabs (got[k] - w[k]));
      for (int k = 0; k < 10; k++)
        worst = MAX (worst, fabs (got[4 + k] - w[5 + k]));
      worst_score = MAX (worst_score, fabs (f->score - w[4]));
    }
  g_test_message ("%s: %u faces, max coordinate error %.3g px, score error %.3g", what, faces->len, worst,
                  worst_score);
  g_assert_cmpfloat (worst, <=, 1.0);
  g_assert_cmpfloat (worst_score, <=, 1e-3);
}

static void
test_astronaut (void)
{
  g_autoptr(TfDetector) d = load_detector ();
  g_autoptr(TfSafetensors) golden = open_golden ();
  g_autofree char *png = g_test_build_filename (G_TEST_DIST, "..", "data", "astronaut.png", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) faces = NULL, small = NULL;
  gsize n, n_small;
  g_autofree float *want = tf_test_read_golden (golden, "astro_faces", &n);
  g_autofree float *want_small = tf_test_read_golden (golden, "astro_faces_max200", &n_small);
  int w, h;
  g_autofree guint8 *rgb = read_png_rgb (png, &w, &h);
  const TfFace *f;

  faces = tf_detector_detect (d, rgb, w, h, w * 3, &error);
  g_assert_no_error (error);
  assert_faces_match (faces, want, n / 15, "astronaut");
  g_assert_cmpuint (faces->len, ==, 1);
  /* the landmark order of the header: the eye on the left of the image first */
  f = &g_array_index (faces, TfFace, 0);
  g_assert_cmpfloat (f->landmarks[0][0], <, f->landmarks[1][0]);
  g_assert_cmpfloat (f->landmarks[3][0], <, f->landmarks[4][0]);
  g_assert_cmpfloat (f->landmarks[2][1], >, f->landmarks[0][1]);

  /* scaled to 200 pixels for detection, results in the image's pixels */
  tf_detector_set_max_side (d, 200);
  small = tf_detector_detect (d, rgb, w, h, w * 3, &error);
  g_assert_no_error (error);
  assert_faces_match (small, want_small, n_small / 15, "astronaut at max side 200");
}

/* ---- NMS and IoU ---------------------------------------------------------- */

/* the main face: the largest seen (a face cut by an edge counts for its
 * visible part), of faces within a tenth of that the most central */
static void
test_main_face (void)
{
  TfFace faces[4] = {
    { .x = 10, .y = 10, .w = 40, .h = 40 },      /* small, first found */
    { .x = 560, .y = 100, .w = 160, .h = 180 },  /* cut by the right edge of 640 */
    { .x = 250, .y = 100, .w = 120, .h = 140 },  /* whole */
    { .x = 40, .y = 100, .w = 118, .h = 140 },   /* as large, off centre */
  };
  const gsize stride = sizeof (TfFace) / sizeof (float);

  g_assert_cmpint (tf_face_main (&faces[0].x, stride, 0, 640, 400), ==, -1);
  g_assert_cmpint (tf_face_main (&faces[0].x, stride, 1, 640, 400), ==, 0);
  /* the size unknown: the largest box */
  g_assert_cmpint (tf_face_main (&faces[0].x, stride, 3, 0, 0), ==, 1);
  /* known: what is seen of it (80 x 180) is less than the whole face's */
  g_assert_cmpint (tf_face_main (&faces[0].x, stride, 3, 640, 400), ==, 2);
  /* faces of about a size: the central one, whichever comes first */
  faces[2].w = 116;
  g_assert_cmpint (tf_face_main (&faces[0].x, stride, 4, 640, 400), ==, 2);
  g_assert_cmpint (tf_face_main (&faces[1].x, stride, 3, 640, 400), ==, 1);
}

static void
test_iou (void)
{
  TfFace a = { .x = 0, .y = 0, .w = 10, .h = 10 }, b = a, c = a, e = a, z = a;

  g_assert_cmpfloat_with_epsilon (tf_face_iou (&a, &b), 1.0, 1e-6);
  b.x = 5;    /* half overlap: 50 / 150 */
  g_assert_cmpfloat_with_epsilon (tf_face_iou (&a, &b), 1.0 / 3, 1e-6);
  g_assert_cmpfloat_with_epsilon (tf_face_iou (&b, &a), 1.0 / 3, 1e-6);
  c.x = 10;   /* touching edges */
  g_assert_cmpfloat (tf_face_iou (&a, &c), ==, 0.0);
  c.x = 3, c.y = 3, c.w = 4, c.h = 4;   /* inside: 16 / 100 */
  g_assert_cmpfloat_with_epsilon (tf_face_iou (&a, &c), 0.16, 1e-6);
  e.x = -20;
  g_assert_cmpfloat (tf_face_iou (&a, &e), ==, 0.0);
  z.w = 0, z.h = 0;
  g_assert_cmpfloat (tf_face_iou (&z, &z), ==, 0.0);
  z.w = -5, z.h = 3;
  g_assert_cmpfloat (tf_face_iou (&a, &z), ==, 0.0);
}

/* Two copies of the astronaut side by side: two faces, NMS keeps them apart
 * and removes the neighbouring anchors that fire on each. */
static void
test_nms (void)
{
  g_autoptr(TfDetector) d = load_detector ();
  g_autofree char *png = g_test_build_filename (G_TEST_DIST, "..", "data", "astronaut.png", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) faces = NULL, all = NULL;
  int w, h;
  g_autofree guint8 *rgb = read_png_rgb (png, &w, &h);
  g_autofree guint8 *two = g_malloc ((gsize) 2 * w * 3 * h);

  for (int y = 0; y < h; y++)
    {
      memcpy (two + (gsize) y * 6 * w, rgb + (gsize) y * 3 * w, (gsize) 3 * w);
      memcpy (two + (gsize) y * 6 * w + 3 * w, rgb + (gsize) y * 3 * w, (gsize) 3 * w);
    }
  faces = tf_detector_detect (d, two, 2 * w, h, 6 * w, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (faces->len, ==, 2);
  g_assert_cmpfloat (fabs (g_array_index (faces, TfFace, 0).x - g_array_index (faces, TfFace, 1).x), >, w - 2);

  tf_detector_set_threshold (d, 0.3f, 1.0f);   /* no suppression at all */
  all = tf_detector_detect (d, two, 2 * w, h, 6 * w, &error);
  g_assert_no_error (error);
  g_test_message ("%u boxes above 0.3 before NMS", all->len);
  g_assert_cmpuint (all->len, >, faces->len);
  for (guint i = 1; i < all->len; i++)
    g_assert_cmpfloat (g_array_index (all, TfFace, i - 1).score, >=, g_array_index (all, TfFace, i).score);

  tf_detector_set_threshold (d, 0.3f, 0.3f);
  g_clear_pointer (&faces, g_array_unref);
  faces = tf_detector_detect (d, two, 2 * w, h, 6 * w, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < faces->len; i++)
    for (guint k = i + 1; k < faces->len; k++)
      g_assert_cmpfloat (tf_face_iou (&g_array_index (faces, TfFace, i), &g_array_index (faces, TfFace, k)), <=, 0.3);
}

/* ---- odd sizes and bad arguments ------------------------------------------- */

static void
test_degenerate_sizes (void)
{
  const int sizes[][2] = { { 1, 1 }, { 1, 7 }, { 7, 1 }, { 31, 33 }, { 32, 32 }, { 65, 3 }, { 3000, 2 }, { 2, 2500 } };
  g_autoptr(TfDetector) d = load_detector ();

  for (int ms = 0; ms <= 1; ms++)
    {
      tf_detector_set_max_side (d, ms ? 1280 : 0);
      for (guint s = 0; s < G_N_ELEMENTS (sizes); s++)
        {
          int w = sizes[s][0], h = sizes[s][1];
          gsize stride = (gsize) w * 3 + 5;   /* padded rows */
          g_autofree guint8 *rgb = g_malloc (stride * h);
          g_autoptr(GError) error = NULL;
          g_autoptr(GArray) faces = NULL;

          for (gsize i = 0; i < stride * h; i++)
            rgb[i] = (guint8) (i * 37 % 251);
          faces = tf_detector_detect (d, rgb, w, h, (int) stride, &error);
          g_assert_no_error (error);
          g_assert_nonnull (faces);
          for (guint i = 0; i < faces->len; i++)
            {
              const TfFace *f = &g_array_index (faces, TfFace, i);
              g_assert_true (isfinite (f->x) && isfinite (f->y) && isfinite (f->w) && isfinite (f->h));
              g_assert_cmpfloat (f->score, >=, 0.6);
            }
          if (w * h == 1)
            g_assert_cmpuint (faces->len, ==, 0);
        }
    }
}

static void
test_bad_arguments (void)
{
  g_autoptr(TfDetector) d = load_detector ();
  guint8 px[12] = { 0 };
  float chw[3 * 32 * 32] = { 0 };
  float *out = NULL;
  g_autoptr(GError) e1 = NULL, e2 = NULL, e3 = NULL, e4 = NULL, e5 = NULL, e6 = NULL, e7 = NULL;

  g_assert_null (tf_detector_detect (d, px, 0, 1, 3, &e1));
  g_assert_error (e1, TF_ERROR, TF_ERROR_INPUT);
  g_assert_null (tf_detector_detect (d, px, 2, 2, 5, &e2));   /* rows shorter than the pixels */
  g_assert_error (e2, TF_ERROR, TF_ERROR_INPUT);
  g_assert_cmpint (tf_detector_forward_raw (d, chw, 33, 32, &out, &e3), ==, -1);
  g_assert_error (e3, TF_ERROR, TF_ERROR_INPUT);
  g_assert_null (out);
  /* refused before any pixel is read: the buffer is never touched */
  tf_detector_set_max_side (d, 0);
  g_assert_null (tf_detector_detect (d, px, 20000, 20000, 60000, &e4));
  g_assert_error (e4, TF_ERROR, TF_ERROR_INPUT);
  g_assert_cmpint (tf_detector_forward_raw (d, chw, 8192, 4096, &out, &e5), ==, -1);
  g_assert_error (e5, TF_ERROR, TF_ERROR_INPUT);
  g_assert_null (tf_detector_detect (d, px, 1, G_MAXINT, 3, &e6));   /* padding would overflow */
  g_assert_error (e6, TF_ERROR, TF_ERROR_INPUT);
  g_assert_null (tf_detector_detect (d, px, G_MAXINT / 2, 1, G_MAXINT, &e7));
  g_assert_error (e7, TF_ERROR, TF_ERROR_INPUT);
  g_test_message ("%s", e5->message);
}

/* ---- bad files ------------------------------------------------------------ */

static void
expect_load_error (const char *path,
                   int         code,
                   const char *needle)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TfDetector) d = tf_detector_load (path, &error);
  g_autofree char *base = g_path_get_basename (path);

  g_assert_null (d);
  g_assert_error (error, TF_ERROR, code);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, base));
  if (needle)
    g_assert_nonnull (strstr (error->message, needle));
}

static void
test_bad_files (void)
{
  g_autofree char *good = detector_path ();
  char *dir = g_dir_make_tmp ("test-detect-XXXXXX", NULL);
  g_autofree char *truncated = g_build_filename (dir, "truncated.safetensors", NULL);
  g_autofree char *wrong_shape = g_build_filename (dir, "wrong-shape.safetensors", NULL);
  g_autofree char *missing = g_build_filename (dir, "missing.safetensors", NULL);
  g_autofree char *other = g_build_filename (dir, "other-format.safetensors", NULL);
  g_autofree char *absent = g_build_filename (dir, "absent.safetensors", NULL);
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(TfSafetensors) st = NULL;
  gsize size;

  g_assert_true (g_file_get_contents (good, &contents, &size, &error));
  g_assert_true (g_file_set_contents (truncated, contents, (gssize) (size - 1000), &error));
  expect_load_error (truncated, TF_ERROR_FORMAT, NULL);
  expect_load_error (absent, TF_ERROR_IO, NULL);

  /* rewrite the real file with one tensor changed or left out */
  st = tf_safetensors_open (good, &error);
  g_assert_no_error (error);
  for (int variant = 0; variant < 3; variant++)
    {
      g_autoptr(TfSafetensorsWriter) w = tf_safetensors_writer_new ();
      const char *path = variant == 0 ? wrong_shape : variant == 1 ? missing : other;

      tf_safetensors_writer_add_metadata (w, "format", variant == 2 ? "transfer" : "yunet");
      for (guint i = 0; i < tf_safetensors_get_n_tensors (st); i++)
        {
          const TfStTensor *t = tf_safetensors_get_nth (st, i);
          g_autofree float *data = g_new (float, t->numel);
          int64_t shape[TF_ST_MAX_DIMS];

          memcpy (shape, t->shape, sizeof shape);
          g_assert_true (tf_safetensors_read_f32 (st, t->name, t->shape, t->ndim, data, &error));
          if (g_str_equal (t->name, "neck.lateral_convs.1.conv2.weight"))
            {
              if (variant == 1)
                continue;
              if (variant == 0)
                shape[0] = 32;
            }
          tf_safetensors_writer_add_f32 (w, t->name, shape, t->ndim, data, TF_DTYPE_F32);
        }
      g_assert_true (tf_safetensors_writer_write (w, path, &error));
    }
  expect_load_error (wrong_shape, TF_ERROR_TENSOR, "neck.lateral_convs.1.conv2.weight");
  expect_load_error (missing, TF_ERROR_TENSOR, "neck.lateral_convs.1.conv2.weight");
  expect_load_error (other, TF_ERROR_CONFIG, "yunet");
  tf_test_remove_tmpdir (dir);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/detect/depthwise", test_depthwise);
  g_test_add_func ("/detect/raw-outputs", test_raw_outputs);
  g_test_add_func ("/detect/astronaut", test_astronaut);
  g_test_add_func ("/detect/iou", test_iou);
  g_test_add_func ("/detect/main-face", test_main_face);
  g_test_add_func ("/detect/nms", test_nms);
  g_test_add_func ("/detect/degenerate-sizes", test_degenerate_sizes);
  g_test_add_func ("/detect/bad-arguments", test_bad_arguments);
  g_test_add_func ("/detect/bad-files", test_bad_files);
  return g_test_run ();
}
