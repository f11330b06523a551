/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Preprocessing against the reference's resampler (tools/transfer_ref.py). */
#include "tf-image.h"
#include "tf-test-util.h"

static void
check_case (TfSafetensors *golden,
            const char    *image_name,
            const char    *want_name,
            gboolean       gray)
{
  const TfStTensor *t = tf_safetensors_lookup (golden, image_name);
  gsize n;
  g_autofree float *img = tf_test_read_golden (golden, image_name, &n);
  g_autofree float *want = tf_test_read_golden (golden, want_name, NULL);
  g_autofree guint8 *rgb = g_new (guint8, n);
  g_autofree float *got = g_new (float, 3 * 40 * 40);
  TfInputSpec spec = { .size = 40, .gray = gray, .mean = { 123.675f, 116.28f, 103.53f },
                       .std = { 58.395f, 57.12f, 57.375f } };

  for (gsize i = 0; i < n; i++)
    rgb[i] = (guint8) img[i];
  tf_image_to_input (rgb, (int) t->shape[1], (int) t->shape[0], (int) t->shape[1] * 3, 3, &spec, got);
  tf_assert_close (got, want, 3 * 40 * 40, 1e-5, want_name);
}

static void
test_against_reference (void)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "goldens", "tiny-golden.safetensors", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(TfSafetensors) golden = tf_safetensors_open (path, &error);

  g_assert_no_error (error);
  check_case (golden, "image_rgb", "image_input_rgb", FALSE);       /* 37x29 -> 40: enlarging */
  check_case (golden, "image_rgb", "image_input_gray", TRUE);
  check_case (golden, "image_big_rgb", "image_big_input", FALSE);   /* 83x97 -> 40: shrinking */
}

static void
test_resample_identities (void)
{
  float src[12], dst[12], flat[20], out[6];

  /* same size: a copy */
  for (int i = 0; i < 12; i++)
    src[i] = (float) i;
  tf_image_resample_plane (src, 4, 3, dst, 4, 3);
  for (int i = 0; i < 12; i++)
    g_assert_cmpfloat_with_epsilon (dst[i], src[i], 1e-6);

  /* a constant stays constant whatever the scale */
  for (int i = 0; i < 20; i++)
    flat[i] = 7.5f;
  tf_image_resample_plane (flat, 5, 4, out, 3, 2);
  for (int i = 0; i < 6; i++)
    g_assert_cmpfloat_with_epsilon (out[i], 7.5, 1e-5);

  /* 1x1 source, the smallest face there is */
  tf_image_resample_plane (flat, 1, 1, dst, 3, 4);
  for (int i = 0; i < 12; i++)
    g_assert_cmpfloat_with_epsilon (dst[i], 7.5, 1e-6);
}

static void
test_rgba_and_stride (void)
{
  /* 2x2 RGBA with padded rows: alpha and padding must be ignored */
  const guint8 px[2 * 12] = { 10, 20, 30, 255, 40, 50, 60, 0, 99, 99, 99, 99,
                              70, 80, 90, 128, 100, 110, 120, 1, 99, 99, 99, 99 };
  TfInputSpec spec = { .size = 2, .mean = { 0, 0, 0 }, .std = { 1, 1, 1 } };
  float out[12];

  tf_image_to_input (px, 2, 2, 12, 4, &spec, out);
  g_assert_cmpfloat (out[0], ==, 10);
  g_assert_cmpfloat (out[3], ==, 100);
  g_assert_cmpfloat (out[4], ==, 20);
  g_assert_cmpfloat (out[11], ==, 120);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/image/against-reference", test_against_reference);
  g_test_add_func ("/image/resample-identities", test_resample_identities);
  g_test_add_func ("/image/rgba-and-stride", test_rgba_and_stride);
  return g_test_run ();
}
