/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Each optimised kernel against its naive twin, over shapes that hit the
 * edges: padding on every side, strides, odd sizes, tiles that do not divide. */
#include <string.h>

#include "tf-gemm.h"
#include "tf-ops.h"
#include "tf-rng.h"
#include "tf-test-util.h"

static float *
random_array (TfRng *rng,
              gsize  n)
{
  float *v = g_new (float, n);

  for (gsize i = 0; i < n; i++)
    v[i] = (float) tf_rng_normal (rng);
  return v;
}

static void
test_gemm (void)
{
  TfRng rng;
  const int shapes[][3] = { { 1, 1, 1 }, { 7, 5, 3 }, { 33, 65, 17 }, { 197, 24, 96 } };

  tf_rng_seed (&rng, 1);
  for (guint s = 0; s < G_N_ELEMENTS (shapes); s++)
    for (int ta = 0; ta < 2; ta++)
      for (int tb = 0; tb < 2; tb++)
        {
          int m = shapes[s][0], n = shapes[s][1], k = shapes[s][2];
          g_autofree float *a = random_array (&rng, (gsize) m * k);
          g_autofree float *b = random_array (&rng, (gsize) k * n);
          g_autofree float *c1 = random_array (&rng, (gsize) m * n);
          g_autofree float *c2 = g_memdup2 (c1, sizeof (float) * m * n);

          tf_gemm (ta, tb, m, n, k, 0.5f, a, ta ? m : k, b, tb ? k : n, 0.25f, c1, n);
          tf_gemm_naive (ta, tb, m, n, k, 0.5f, a, ta ? m : k, b, tb ? k : n, 0.25f, c2, n);
          tf_assert_close (c1, c2, (gsize) m * n, 1e-4 * sqrt (k), "gemm");
        }
}

/* Fills a [rows][ld] array, the padding columns included. */
static float *
random_matrix (TfRng *rng,
               int    rows,
               int    ld)
{
  return random_array (rng, (gsize) MAX (rows, 1) * ld);
}

static void
test_gemm_avx512 (void)
{
  /* m, n, k, extra leading-dimension columns: odd sizes, M not a multiple of
   * the 14-row sliver, N not of the 32-column panel, several K blocks and N
   * chunks, the attention products strided into a wider buffer */
  const int shapes[][4] = {
    { 1, 1, 1, 0 }, { 13, 17, 5, 0 }, { 2, 3, 40, 1 }, { 14, 32, 16, 0 }, { 15, 33, 17, 3 },
    { 197, 197, 64, 2240 }, { 197, 96, 197, 2107 }, { 33, 1000, 300, 0 }, { 29, 47, 801, 5 },
    { 99, 130, 400, 16 }, { 5, 700, 900, 0 },
  };
  const float scalars[][2] = { { 1.0f, 0.0f }, { 0.5f, 0.25f }, { -1.5f, 1.0f } };
  TfRng rng;

  if (!tf_gemm_avx512_available ())
    {
      g_test_skip ("no AVX-512F on this CPU (or TF_NO_AVX512 is set)");
      return;
    }
  tf_rng_seed (&rng, 11);
  for (guint s = 0; s < G_N_ELEMENTS (shapes); s++)
    for (int ta = 0; ta < 2; ta++)
      for (int tb = 0; tb < 2; tb++)
        for (guint ab = 0; ab < G_N_ELEMENTS (scalars); ab++)
          {
            int m = shapes[s][0], n = shapes[s][1], k = shapes[s][2], pad = shapes[s][3];
            float alpha = scalars[ab][0], beta = scalars[ab][1];
            int lda = (ta ? m : k) + pad, ldb = (tb ? k : n) + pad, ldc = n + pad;
            gsize c_len = (gsize) m * ldc;
            g_autofree float *a = random_matrix (&rng, ta ? k : m, lda);
            g_autofree float *b = random_matrix (&rng, tb ? n : k, ldb);
            g_autofree float *c1 = random_matrix (&rng, m, ldc);
            g_autofree float *c2 = NULL;
            g_autofree char *what = g_strdup_printf ("gemm-avx512 %dx%dx%d ld+%d %c%c alpha %g beta %g",
                                                     m, n, k, pad, ta ? 'T' : 'N', tb ? 'T' : 'N',
                                                     alpha, beta);

            /* beta == 0 must not read C: NaN in every row, padding aside */
            if (beta == 0.0f)
              for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++)
                  c1[(gsize) i * ldc + j] = NAN;
            c2 = g_memdup2 (c1, sizeof (float) * c_len);
            tf_gemm_avx512 (ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c1, ldc);
            tf_gemm_naive (ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c2, ldc);
            /* whole rows: the padding columns must come back untouched */
            tf_assert_close (c1, c2, c_len, 1e-4 * sqrt (k) * (fabs (alpha) + fabs (beta)), what);
          }

  /* alpha == 0 or k == 0: C = beta C, A and B unread */
  for (int i = 0; i < 2; i++)
    {
      float c[6] = { 1, 2, 3, 4, NAN, 6 }, a[2] = { NAN, NAN }, b[3] = { NAN, NAN, NAN };

      tf_gemm_avx512 (FALSE, FALSE, 2, 3, i, 0.0f, a, 1, b, 3, 2.0f, c, 3);
      g_assert_cmpfloat (c[3], ==, 8.0f);
      g_assert_true (isnan (c[4]));
      tf_gemm_avx512 (FALSE, FALSE, 2, 3, i, 0.0f, a, 1, b, 3, 0.0f, c, 3);
      for (int j = 0; j < 6; j++)
        g_assert_cmpfloat (c[j], ==, 0.0f);
    }
}

static void
test_conv (void)
{
  /* n, ci, h, w, co, k, stride, pad, affine */
  const int cases[][9] = {
    { 1, 3, 9, 9, 4, 3, 1, 1, 0 },
    { 2, 5, 11, 7, 6, 3, 2, 1, 1 },
    { 3, 4, 8, 8, 5, 1, 2, 0, 0 },
    { 2, 4, 6, 6, 3, 1, 1, 0, 0 },     /* plain GEMM path */
    { 1, 2, 5, 5, 2, 3, 1, 1, 1 },
    { 2, 3, 13, 10, 4, 3, 3, 2, 1 },
  };
  TfRng rng;

  tf_rng_seed (&rng, 2);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const int *c = cases[i];
      int n = c[0], ci = c[1], h = c[2], w = c[3], co = c[4], k = c[5], stride = c[6], pad = c[7];
      int ho = (h + 2 * pad - k) / stride + 1, wo = (w + 2 * pad - k) / stride + 1;
      gsize out_n = (gsize) co * n * ho * wo;
      g_autofree float *x = random_array (&rng, (gsize) ci * n * h * w);
      g_autofree float *wt = random_array (&rng, (gsize) co * ci * k * k);
      g_autofree float *sc = random_array (&rng, ci), *sh = random_array (&rng, ci);
      g_autofree float *a = g_new (float, out_n), *b = g_new (float, out_n);
      g_autofree float *res = random_array (&rng, out_n), *slope = random_array (&rng, co);
      g_autofree float *esc = random_array (&rng, co), *esh = random_array (&rng, co);
      g_autofree char *what = g_strdup_printf ("conv case %u", i);
      g_autoptr(TfPool) pool = tf_pool_new (2);
      TfEpilogue epi = { .scale = esc, .shift = esh, .act = TF_ACT_PRELU, .slope = slope, .residual = res };

      /* serial, then split over a pool */
      tf_conv2d_forward (a, x, wt, c[8] ? sc : NULL, c[8] ? sh : NULL, NULL, NULL, n, ci, h, w, co, k, stride, pad);
      tf_conv2d_naive (b, x, wt, c[8] ? sc : NULL, c[8] ? sh : NULL, n, ci, h, w, co, k, stride, pad);
      tf_assert_close (a, b, out_n, 1e-4, what);
      tf_conv2d_forward (a, x, wt, c[8] ? sc : NULL, c[8] ? sh : NULL, NULL, pool, n, ci, h, w, co, k, stride, pad);
      tf_assert_close (a, b, out_n, 1e-4, what);

      /* with the epilogue fused into each tile */
      tf_conv2d_forward (a, x, wt, c[8] ? sc : NULL, c[8] ? sh : NULL, &epi, pool, n, ci, h, w, co, k, stride, pad);
      tf_channel_epilogue (b, co, (gsize) n * ho * wo, (gsize) n * ho * wo, esc, esh, TF_ACT_PRELU, slope, res);
      tf_assert_close (a, b, out_n, 1e-4, what);
    }
}

/* A conv whose unfolded input does not fit one tile still matches. */
static void
test_conv_tiled (void)
{
  int n = 2, ci = 64, h = 130, w = 130, co = 8, k = 3;
  gsize out_n = (gsize) co * n * h * w;
  TfRng rng;
  g_autofree float *x = NULL, *wt = NULL, *a = g_new (float, out_n), *b = g_new (float, out_n);
  g_autoptr(TfPool) pool = tf_pool_new (3);

  /* 64 x 9 x 2 x 130 x 130 floats is 37 MiB: more than one 8 MiB tile per thread */
  tf_rng_seed (&rng, 3);
  x = random_array (&rng, (gsize) ci * n * h * w);
  wt = random_array (&rng, (gsize) co * ci * k * k);
  tf_conv2d_forward (a, x, wt, NULL, NULL, NULL, pool, n, ci, h, w, co, k, 1, 1);
  tf_conv2d_naive (b, x, wt, NULL, NULL, n, ci, h, w, co, k, 1, 1);
  tf_assert_close (a, b, out_n, 2e-4, "tiled conv");
}

static void
test_bn_fold_and_epilogue (void)
{
  const int c = 3, len = 5;
  const float bn[12] = { 1.5f, 0.5f, -2.0f,   0.1f, -0.2f, 0.3f,   0.4f, 0.0f, -1.0f,   2.0f, 0.5f, 1.0f };
  const float bias[3] = { 0.25f, -0.5f, 1.0f }, slope[3] = { 0.1f, 0.2f, 0.3f };
  float scale[3], shift[3], x[15], res[15], y[15];

  tf_bn_fold (scale, shift, bn, bias, c, 1e-5f);
  for (int i = 0; i < c * len; i++)
    {
      x[i] = (float) (i - 7) * 0.3f;
      res[i] = (float) i * 0.01f;
    }
  memcpy (y, x, sizeof x);
  tf_channel_epilogue (y, c, len, len, scale, shift, TF_ACT_PRELU, slope, res);
  for (int ch = 0; ch < c; ch++)
    for (int i = 0; i < len; i++)
      {
        /* BN(conv + bias) written out, then PReLU, then the residual */
        double v = x[ch * len + i] + bias[ch];
        v = (v - bn[6 + ch]) / sqrt (bn[9 + ch] + 1e-5) * bn[ch] + bn[3 + ch];
        v = v > 0 ? v : slope[ch] * v;
        v += res[ch * len + i];
        g_assert_cmpfloat_with_epsilon (y[ch * len + i], v, 1e-5);
      }

  memcpy (y, x, sizeof x);
  tf_channel_epilogue (y, c, len, len, NULL, NULL, TF_ACT_SIGMOID, NULL, NULL);
  for (int i = 0; i < c * len; i++)
    g_assert_cmpfloat_with_epsilon (y[i], 1.0 / (1.0 + exp (-x[i])), 1e-6);
  memcpy (y, x, sizeof x);
  tf_channel_epilogue (y, c, len, len, NULL, NULL, TF_ACT_RELU, NULL, NULL);
  for (int i = 0; i < c * len; i++)
    g_assert_cmpfloat (y[i], ==, x[i] > 0 ? x[i] : 0.0f);
}

static void
test_subsample (void)
{
  float x[2 * 1 * 5 * 5], y[2 * 3 * 3];

  for (int i = 0; i < 50; i++)
    x[i] = (float) i;
  tf_subsample (y, x, 2, 1, 5, 5, 2);
  g_assert_cmpfloat (y[0], ==, 0);
  g_assert_cmpfloat (y[1], ==, 2);
  g_assert_cmpfloat (y[3], ==, 10);
  g_assert_cmpfloat (y[8], ==, 24);
  g_assert_cmpfloat (y[9], ==, 25);
}

static void
test_layernorm (void)
{
  const int n = 4, c = 37;
  TfRng rng;
  g_autofree float *x = NULL, *w = NULL, *b = NULL, *y = g_new (float, n * c);
  float mean[4], rstd[4];

  tf_rng_seed (&rng, 4);
  x = random_array (&rng, n * c);
  w = random_array (&rng, c);
  b = random_array (&rng, c);
  for (int j = 0; j < c; j++)
    x[j] += 1000.0f;    /* a large offset: the variance must not cancel */
  tf_layernorm_forward (y, mean, rstd, x, w, b, n, c, 1e-6f);
  for (int i = 0; i < n; i++)
    {
      double m = 0, v = 0;
      for (int j = 0; j < c; j++)
        m += x[i * c + j];
      m /= c;
      for (int j = 0; j < c; j++)
        v += (x[i * c + j] - m) * (x[i * c + j] - m);
      v /= c;
      g_assert_cmpfloat_with_epsilon (mean[i], m, 1e-3);
      for (int j = 0; j < c; j++)
        g_assert_cmpfloat_with_epsilon (y[i * c + j], (x[i * c + j] - m) / sqrt (v + 1e-6) * w[j] + b[j],
                                        2e-3 * (1 + fabs (w[j])));
    }
}

static void
test_gelu_softmax (void)
{
  float a[201], b[201], s[3] = { 1000.0f, 1001.0f, -1000.0f };

  for (int i = 0; i < 201; i++)
    a[i] = b[i] = (i - 100) * 0.07f;
  tf_gelu_forward (a, 201);
  tf_gelu_naive (b, 201);
  tf_assert_close (a, b, 201, 1e-6, "gelu");
  g_assert_cmpfloat_with_epsilon (b[100], 0.0, 1e-9);
  /* GELU(1) = Phi(1) */
  {
    float one = 1.0f;
    tf_gelu_naive (&one, 1);
    g_assert_cmpfloat_with_epsilon (one, 0.8413447460685429, 1e-6);
  }

  /* large logits must not overflow */
  tf_softmax_rows (s, 1, 3);
  g_assert_cmpfloat_with_epsilon (s[0], 1.0 / (1.0 + exp (1.0)), 1e-6);
  g_assert_cmpfloat_with_epsilon (s[1], exp (1.0) / (1.0 + exp (1.0)), 1e-6);
  g_assert_cmpfloat (s[2], ==, 0.0f);
}

/* the vectorised exp against libm's over the range softmax and GELU use */
static void
test_exp (void)
{
  double worst = 0;

  for (float x = -87.0f; x <= 88.0f; x += 0.0137f)
    {
      double want = exp ((double) x), got = tf_exp_approx (x);
      worst = MAX (worst, fabs (got - want) / want);
    }
  g_test_message ("exp: max relative error %.3g", worst);
  g_assert_cmpfloat (worst, <, 3e-7);
  g_assert_cmpfloat (tf_exp_approx (0.0f), ==, 1.0f);
  g_assert_cmpfloat (tf_exp_approx (-1000.0f), ==, 0.0f);
  /* a diverged run feeds NaN in: it comes out NaN, without the undefined
   * float-to-int conversion UBSan stopped at (so the divergence guard can
   * speak) */
  g_assert_true (isnan (tf_exp_approx (NAN)));
  g_assert_cmpfloat (tf_exp_approx (INFINITY), >, 1e38f);
}

static void
test_attention (void)
{
  const int t = 13, d = 24, heads = 3;
  TfRng rng;
  g_autofree float *qkv = NULL;
  g_autofree float *o1 = g_new0 (float, t * (d + 5)), *o2 = g_new0 (float, t * (d + 5));
  g_autofree float *a1 = g_new (float, heads * t * t), *a2 = g_new (float, heads * t * t);

  tf_rng_seed (&rng, 5);
  qkv = random_array (&rng, (gsize) t * 3 * d);
  tf_attention_forward (o1, d + 5, a1, qkv, t, d, heads);
  tf_attention_naive (o2, d + 5, a2, qkv, t, d, heads);
  tf_assert_close (a1, a2, (gsize) heads * t * t, 1e-6, "attention weights");
  tf_assert_close (o1, o2, (gsize) t * (d + 5), 1e-5, "attention output");
  for (int r = 0; r < heads * t; r++)
    {
      double sum = 0;
      for (int j = 0; j < t; j++)
        sum += a1[r * t + j];
      g_assert_cmpfloat_with_epsilon (sum, 1.0, 1e-5);
    }
}

static void
test_linear (void)
{
  float x[6] = { 1, 2, 3, 4, 5, 6 }, w[6] = { 1, 0, -1, 2, 1, 0 }, b[2] = { 0.5f, -1 }, y[4];

  /* x [2][3], w [2][3]: y = x w^T + b */
  tf_linear_forward (y, x, w, b, 2, 3, 2);
  g_assert_cmpfloat (y[0], ==, 1 - 3 + 0.5f);
  g_assert_cmpfloat (y[1], ==, 2 + 2 - 1);
  g_assert_cmpfloat (y[2], ==, 4 - 6 + 0.5f);
  g_assert_cmpfloat (y[3], ==, 8 + 5 - 1);
}

typedef struct
{
  gint  *hits;
  gint   calls;
} PoolProbe;

static void
count_task (int      task,
            int      n_tasks,
            int      thread,
            gpointer data)
{
  PoolProbe *probe = data;

  g_assert_cmpint (task, <, n_tasks);
  g_assert_cmpint (thread, <, 4);
  g_atomic_int_inc (&probe->hits[task]);
  g_atomic_int_inc (&probe->calls);
}

/* every task runs exactly once, run after run */
static void
test_pool (void)
{
  g_autoptr(TfPool) pool = tf_pool_new (4);
  gint hits[37] = { 0 };
  PoolProbe probe = { .hits = hits };

  for (int round = 0; round < 200; round++)
    tf_pool_run (pool, 37, count_task, &probe);
  g_assert_cmpint (probe.calls, ==, 200 * 37);
  for (int t = 0; t < 37; t++)
    g_assert_cmpint (hits[t], ==, 200);
  tf_pool_run (NULL, 5, count_task, &probe);
  g_assert_cmpint (probe.calls, ==, 200 * 37 + 5);

  for (int part = 0; part < 3; part++)
    {
      gsize b, e;
      tf_split_range (10, 3, part, &b, &e);
      g_assert_cmpuint (e - b, >=, 3);
      g_assert_cmpuint (e - b, <=, 4);
    }
}

static void
test_rng (void)
{
  TfRng a, b;
  int counts[5] = { 0 };

  tf_rng_seed (&a, 99);
  tf_rng_seed (&b, 99);
  for (int i = 0; i < 100; i++)
    g_assert_cmpuint (tf_rng_next (&a), ==, tf_rng_next (&b));
  for (int i = 0; i < 50000; i++)
    {
      guint32 v = tf_rng_below (&a, 5);
      g_assert_cmpuint (v, <, 5);
      counts[v]++;
      double u = tf_rng_uniform (&a);
      g_assert_cmpfloat (u, >=, 0.0);
      g_assert_cmpfloat (u, <, 1.0);
    }
  for (int k = 0; k < 5; k++)
    g_assert_cmpint (ABS (counts[k] - 10000), <, 500);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  tf_set_threads (2);

  g_test_add_func ("/ops/gemm", test_gemm);
  g_test_add_func ("/ops/gemm-avx512", test_gemm_avx512);
  g_test_add_func ("/ops/conv", test_conv);
  g_test_add_func ("/ops/conv-tiled", test_conv_tiled);
  g_test_add_func ("/ops/bn-fold-epilogue", test_bn_fold_and_epilogue);
  g_test_add_func ("/ops/subsample", test_subsample);
  g_test_add_func ("/ops/layernorm", test_layernorm);
  g_test_add_func ("/ops/gelu-softmax", test_gelu_softmax);
  g_test_add_func ("/ops/exp", test_exp);
  g_test_add_func ("/ops/attention", test_attention);
  g_test_add_func ("/ops/linear", test_linear);
  g_test_add_func ("/ops/rng", test_rng);
  g_test_add_func ("/ops/pool", test_pool);
  return g_test_run ();
}
