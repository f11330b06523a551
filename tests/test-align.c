/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Alignment (similarity fit, warp, crop template) and face tracking. */
#include <math.h>
#include <string.h>

#include "tf-align.h"
#include "tf-image.h"
#include "tf-track.h"

static void
test_similarity_fit (void)
{
  /* a known rotation + scale + shift is recovered exactly from 5 points */
  TfSimilarity truth = { 1.3 * cos (0.4), 1.3 * sin (0.4), 12.5, -7.25 }, fit, inv;
  float src[5][2] = { { 10, 20 }, { 50, 22 }, { 30, 40 }, { 15, 60 }, { 45, 61 } }, dst[5][2];
  double x, y, bx, by;

  for (int i = 0; i < 5; i++)
    {
      tf_similarity_apply (&truth, src[i][0], src[i][1], &x, &y);
      dst[i][0] = (float) x;
      dst[i][1] = (float) y;
    }
  g_assert_true (tf_similarity_fit ((const float (*)[2]) src, (const float (*)[2]) dst, 5, &fit));
  g_assert_cmpfloat_with_epsilon (fit.a, truth.a, 1e-5);
  g_assert_cmpfloat_with_epsilon (fit.b, truth.b, 1e-5);
  g_assert_cmpfloat_with_epsilon (fit.tx, truth.tx, 1e-3);
  g_assert_cmpfloat_with_epsilon (fit.ty, truth.ty, 1e-3);

  /* the inverse takes points back */
  g_assert_true (tf_similarity_invert (&fit, &inv));
  tf_similarity_apply (&fit, 3.0, -4.0, &x, &y);
  tf_similarity_apply (&inv, x, y, &bx, &by);
  g_assert_cmpfloat_with_epsilon (bx, 3.0, 1e-9);
  g_assert_cmpfloat_with_epsilon (by, -4.0, 1e-9);

  /* a mirrored point set is not a similarity: the fit is the best rotation,
   * not a reflection, so its residual is large */
  for (int i = 0; i < 5; i++)
    dst[i][0] = -src[i][0];
  for (int i = 0; i < 5; i++)
    dst[i][1] = src[i][1];
  g_assert_true (tf_similarity_fit ((const float (*)[2]) src, (const float (*)[2]) dst, 5, &fit));
  tf_similarity_apply (&fit, src[0][0], src[0][1], &x, &y);
  g_assert_cmpfloat (hypot (x - dst[0][0], y - dst[0][1]), >, 1.0);

  /* coinciding points cannot be fitted */
  for (int i = 0; i < 5; i++)
    src[i][0] = src[i][1] = 3;
  g_assert_false (tf_similarity_fit ((const float (*)[2]) src, (const float (*)[2]) dst, 5, &fit));
}

static void
test_warp (void)
{
  enum { W = 40, H = 30 };
  g_autofree uint8_t *img = g_malloc (W * H * 3), *out = g_malloc (20 * 20 * 3);
  TfSimilarity shift = { 1, 0, -10, -5 };   /* crop (u, v) = image (u + 10, v + 5) */

  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++)
      {
        img[(y * W + x) * 3 + 0] = (uint8_t) (x * 5);
        img[(y * W + x) * 3 + 1] = (uint8_t) (y * 7);
        img[(y * W + x) * 3 + 2] = 200;
      }
  /* a pure shift copies pixels exactly */
  tf_align_warp_rgb (img, W, H, W * 3, &shift, 20, out);
  for (int v = 0; v < 20; v++)
    for (int u = 0; u < 20; u++)
      {
        g_assert_cmpint (out[(v * 20 + u) * 3 + 0], ==, (u + 10) * 5);
        g_assert_cmpint (out[(v * 20 + u) * 3 + 1], ==, (v + 5) * 7);
      }
  /* beyond the image the nearest edge pixel is repeated, not black */
  shift.tx = 10;   /* crop (u, v) = image (u - 10, v + 5) */
  tf_align_warp_rgb (img, W, H, W * 3, &shift, 20, out);
  g_assert_cmpint (out[(3 * 20 + 0) * 3 + 0], ==, 0);
  g_assert_cmpint (out[(3 * 20 + 0) * 3 + 1], ==, 8 * 7);
  g_assert_cmpint (out[(3 * 20 + 0) * 3 + 2], ==, 200);
}

static void
test_warp_antialias (void)
{
  /* a one-pixel checkerboard shrunk 4x must come out grey, not striped */
  enum { W = 80 };
  g_autofree uint8_t *img = g_malloc (W * W * 3), *out = g_malloc (20 * 20 * 3);
  TfSimilarity shrink = { 0.25, 0, 0, 0 };
  int lo = 255, hi = 0;

  for (int y = 0; y < W; y++)
    for (int x = 0; x < W; x++)
      memset (img + (y * W + x) * 3, (x + y) % 2 ? 255 : 0, 3);
  tf_align_warp_rgb (img, W, W, W * 3, &shrink, 20, out);
  for (int i = 0; i < 20 * 20; i++)
    {
      lo = MIN (lo, out[i * 3]);
      hi = MAX (hi, out[i * 3]);
    }
  g_assert_cmpint (lo, >=, 110);
  g_assert_cmpint (hi, <=, 145);
}

static void
test_template (void)
{
  TfInputSpec spec = { .size = 112 };
  TfCropTemplate t;
  g_autoptr(GError) error = NULL;

  /* no crop: the FER2013 default at 48 pixels */
  g_assert_true (tf_crop_template_from_spec (&spec, &t, &error));
  g_assert_cmpint (t.source_size, ==, 48);
  g_assert_cmpfloat (t.landmarks[0][0], <, t.landmarks[1][0]);

  spec.json = (char *) "{\"size\":112,\"crop\":{\"landmarks\":[[0.3,0.4],[0.7,0.4],[0.5,0.6],[0.35,0.8],"
                       "[0.65,0.8]],\"source_size\":64}}";
  g_assert_true (tf_crop_template_from_spec (&spec, &t, &error));
  g_assert_cmpint (t.source_size, ==, 64);
  g_assert_cmpfloat_with_epsilon (t.landmarks[2][1], 0.6, 1e-6);

  /* landmarks without a source size: crops of the input size */
  spec.json = (char *) "{\"crop\":{\"landmarks\":[[0.3,0.4],[0.7,0.4],[0.5,0.6],[0.35,0.8],[0.65,0.8]]}}";
  g_assert_true (tf_crop_template_from_spec (&spec, &t, &error));
  g_assert_cmpint (t.source_size, ==, 112);

  spec.json = (char *) "{\"crop\":{\"landmarks\":[[0.3,0.4],[0.7,0.4]]}}";
  g_assert_false (tf_crop_template_from_spec (&spec, &t, &error));
  g_assert_error (error, TF_ERROR, TF_ERROR_CONFIG);
  g_assert_nonnull (strstr (error->message, "landmarks"));
  g_clear_error (&error);

  spec.json = (char *) "{\"crop\":{\"landmarks\":[[0.5,0.4],[0.5,0.4],[0.5,0.6],[0.35,0.8],[0.65,0.8]]}}";
  g_assert_false (tf_crop_template_from_spec (&spec, &t, &error));
  g_clear_error (&error);

  spec.json = (char *) "{\"crop\":{\"source_size\":\"big\"}}";
  g_assert_false (tf_crop_template_from_spec (&spec, &t, &error));
  g_clear_error (&error);
}

static void
test_align_face (void)
{
  /* a synthetic face: landmarks placed on the template of a 100-pixel crop
   * at (30, 20) in a 200x150 image; the aligned crop then equals the image
   * window, whatever the model's size */
  enum { W = 200, H = 150 };
  TfInputSpec spec = { .size = 32, .gray = FALSE, .mean = { 0, 0, 0 }, .std = { 1, 1, 1 } };
  TfCropTemplate t;
  TfFace face = { 0 };
  TfSimilarity m;
  g_autofree uint8_t *img = g_malloc (W * H * 3), *crop = g_malloc (100 * 100 * 3);
  g_autofree float *input = g_new (float, 3 * 32 * 32), *again = g_new (float, 3 * 32 * 32);
  g_autofree uint8_t *source = NULL;

  g_assert_true (tf_crop_template_from_spec (&spec, &t, NULL));
  for (int i = 0; i < W * H * 3; i++)
    img[i] = (uint8_t) ((i / 3 % W) + (i / 3 / W));
  for (int k = 0; k < TF_FACE_LANDMARKS; k++)
    {
      face.landmarks[k][0] = 30 + t.landmarks[k][0] * 100;
      face.landmarks[k][1] = 20 + t.landmarks[k][1] * 100;
    }
  g_assert_true (tf_align_transform (face.landmarks, &t, 100, &m));
  g_assert_cmpfloat_with_epsilon (m.a, 1.0, 1e-5);
  g_assert_cmpfloat_with_epsilon (m.b, 0.0, 1e-5);
  g_assert_cmpfloat_with_epsilon (m.tx, -30.0, 1e-3);

  source = g_malloc ((gsize) 3 * t.source_size * t.source_size);
  g_assert_true (tf_align_face (img, W, H, W * 3, &face, &spec, &t, input, source, crop, 100));
  /* the source crop gives the same model input again */
  tf_image_to_input (source, t.source_size, t.source_size, t.source_size * 3, 3, &spec, again);
  g_assert_cmpmem (input, sizeof (float) * 3 * 32 * 32, again, sizeof (float) * 3 * 32 * 32);
  g_assert_cmpint (crop[(10 * 100 + 5) * 3], ==, img[((20 + 10) * W + 30 + 5) * 3]);
  /* the model input is finite and within the image's range */
  for (int i = 0; i < 3 * 32 * 32; i++)
    g_assert_true (input[i] >= 0 && input[i] <= 255);

  /* degenerate landmarks: refused, not a crash */
  memset (face.landmarks, 0, sizeof face.landmarks);
  g_assert_false (tf_align_face (img, W, H, W * 3, &face, &spec, &t, input, NULL, NULL, 0));
}

static TfFace
make_face (float x,
           float y,
           float size)
{
  TfFace f = { x, y, size, size, 0.9f, { { 0 } } };
  const float tmpl[5][2] = { { 0.3f, 0.4f }, { 0.7f, 0.4f }, { 0.5f, 0.6f }, { 0.35f, 0.8f }, { 0.65f, 0.8f } };

  for (int k = 0; k < 5; k++)
    {
      f.landmarks[k][0] = x + tmpl[k][0] * size;
      f.landmarks[k][1] = y + tmpl[k][1] * size;
    }
  return f;
}

static void
test_tracker (void)
{
  g_autoptr(TfTracker) tr = tf_tracker_new (10);
  int ids[2], a, b;
  TfFace faces[2];

  /* two faces moving towards each other keep their ids */
  faces[0] = make_face (10, 50, 60);
  faces[1] = make_face (300, 50, 60);
  tf_tracker_update (tr, faces, 2, 0, ids);
  a = ids[0];
  b = ids[1];
  g_assert_cmpint (a, ==, 1);
  g_assert_cmpint (b, ==, 2);
  for (int f = 1; f <= 10; f++)
    {
      /* the detector may list them in either order */
      faces[f % 2] = make_face (10 + 12 * f, 50, 60 + f);
      faces[1 - f % 2] = make_face (300 - 12 * f, 50, 60);
      tf_tracker_update (tr, faces, 2, f, ids);
      g_assert_cmpint (ids[f % 2], ==, a);
      g_assert_cmpint (ids[1 - f % 2], ==, b);
    }
  /* fast motion: the box moved by more than its width between analysed
   * frames, but along its velocity, so the prediction still overlaps */
  faces[0] = make_face (10 + 12 * 14, 50, 70);
  tf_tracker_update (tr, faces, 1, 14, ids);
  g_assert_cmpint (ids[0], ==, a);

  /* face b was unseen since frame 10; gone after more than 10 frames */
  faces[0] = make_face (300 - 12 * 10, 50, 60);
  tf_tracker_update (tr, faces, 1, 30, ids);
  g_assert_cmpint (ids[0], >, b);
  g_assert_cmpint (tf_tracker_get_n (tr), ==, 1);

  /* a face of a very different size at the same place is someone else */
  faces[0] = make_face (180, 50, 200);
  tf_tracker_update (tr, faces, 1, 31, ids);
  g_assert_cmpint (ids[0], >, 3);
}

/* A tracker taking up where another left: the faces it was given go on
 * with their ids, a new face gets an id after every one used before. */
static void
test_tracker_continue (void)
{
  g_autoptr(TfTracker) tr = tf_tracker_new (10);
  const int left[2] = { 4, 7 };
  TfFace faces[2] = { make_face (10, 50, 60), make_face (300, 50, 60) };
  int ids[2];

  tf_tracker_continue (tr, faces, left, 2, 20, 9);
  g_assert_cmpint (tf_tracker_get_n (tr), ==, 2);
  faces[0] = make_face (300, 52, 60);
  faces[1] = make_face (14, 50, 60);
  tf_tracker_update (tr, faces, 2, 21, ids);
  g_assert_cmpint (ids[0], ==, 7);
  g_assert_cmpint (ids[1], ==, 4);
  /* someone new */
  faces[0] = make_face (150, 200, 60);
  tf_tracker_update (tr, faces, 1, 22, ids);
  g_assert_cmpint (ids[0], ==, 9);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/align/similarity-fit", test_similarity_fit);
  g_test_add_func ("/align/warp", test_warp);
  g_test_add_func ("/align/warp-antialias", test_warp_antialias);
  g_test_add_func ("/align/template", test_template);
  g_test_add_func ("/align/face", test_align_face);
  g_test_add_func ("/track/ids", test_tracker);
  g_test_add_func ("/track/continue", test_tracker_continue);
  return g_test_run ();
}
