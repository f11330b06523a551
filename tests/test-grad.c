/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Finite-difference checks of every backward kernel. Each op's forward is
 * written again here, naively and in double precision, so that central
 * differences (step 1e-6) are accurate to ~1e-9; the float backward must
 * agree to 1e-5 of the gradient's largest entry. Inputs are kept away from the kinks of ReLU,
 * PReLU and max (|x| >= 0.05) so that the differences never straddle one. */
#include <math.h>
#include <string.h>

#include "tf-ops.h"
#include "tf-rng.h"
#include "tf-test-util.h"

#define STEP 1e-6
#define TOL 1e-5

/* A forward in double: out = f(params); the check uses L = sum w_i out_i. */
typedef void (*ForwardD) (double *out, const double *x, gpointer ctx);

static void
random_fill (TfRng *rng, float *v, gsize n, gboolean avoid_kinks)
{
  for (gsize i = 0; i < n; i++)
    {
      double r = tf_rng_normal (rng);
      if (avoid_kinks && fabs (r) < 0.05)
        r = r < 0 ? -0.05 - fabs (r) : 0.05 + fabs (r);
      v[i] = (float) r;
    }
}

/* Checks analytic d(sum w out)/dx (given in @grad, from the float backward)
 * against central differences of @f in double. */
static void
check_fd (const char *what,
          ForwardD    f,
          gpointer    ctx,
          const float *x,
          gsize        nx,
          const float *w,
          gsize        nout,
          const float *grad)
{
  g_autofree double *xd = g_new (double, nx), *out = g_new (double, nout);
  double worst = 0, scale = 1e-6;

  for (gsize i = 0; i < nx; i++)
    xd[i] = x[i];
  for (gsize i = 0; i < nx; i++)
    scale = MAX (scale, fabs (grad[i]));
  for (gsize i = 0; i < nx; i++)
    {
      double lp = 0, lm = 0, fd, keep = xd[i];
      xd[i] = keep + STEP;
      f (out, xd, ctx);
      for (gsize k = 0; k < nout; k++)
        lp += w[k] * out[k];
      xd[i] = keep - STEP;
      f (out, xd, ctx);
      for (gsize k = 0; k < nout; k++)
        lm += w[k] * out[k];
      xd[i] = keep;
      fd = (lp - lm) / (2 * STEP);
      worst = MAX (worst, fabs (fd - grad[i]) / scale);
    }
  g_test_message ("%s: worst relative error %.3g", what, worst);
  if (!(worst <= TOL))
    g_error ("%s: finite differences disagree, relative error %.3g", what, worst);
}

/* ---- convolution: input and weight ---------------------------------------- */

typedef struct { int n, ci, h, w, co, k, stride, pad; const float *other; gboolean wrt_weight; } ConvCtx;

static void
conv_d (double *out, const double *v, gpointer data)
{
  const ConvCtx *c = data;
  int ho = (c->h + 2 * c->pad - c->k) / c->stride + 1, wo = (c->w + 2 * c->pad - c->k) / c->stride + 1;

  for (int o = 0; o < c->co; o++)
    for (int b = 0; b < c->n; b++)
      for (int oy = 0; oy < ho; oy++)
        for (int ox = 0; ox < wo; ox++)
          {
            double acc = 0;
            for (int ch = 0; ch < c->ci; ch++)
              for (int ky = 0; ky < c->k; ky++)
                for (int kx = 0; kx < c->k; kx++)
                  {
                    int iy = oy * c->stride - c->pad + ky, ix = ox * c->stride - c->pad + kx;
                    gsize xi = (((gsize) ch * c->n + b) * c->h + iy) * c->w + ix;
                    gsize wi = (((gsize) o * c->ci + ch) * c->k + ky) * c->k + kx;
                    if (iy < 0 || iy >= c->h || ix < 0 || ix >= c->w)
                      continue;
                    acc += c->wrt_weight ? c->other[xi] * v[wi] : v[xi] * c->other[wi];
                  }
            out[(((gsize) o * c->n + b) * ho + oy) * wo + ox] = acc;
          }
}

static void
test_conv (void)
{
  const int cases[][8] = { { 2, 3, 7, 6, 4, 3, 1, 1 }, { 3, 2, 7, 7, 3, 3, 2, 1 }, { 2, 4, 5, 5, 3, 1, 2, 0 },
                           { 2, 3, 4, 4, 2, 1, 1, 0 } };
  g_autoptr(TfPool) pool = tf_pool_new (2);
  TfRng rng;

  tf_rng_seed (&rng, 1);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const int *c = cases[i];
      ConvCtx ctx = { c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], NULL, FALSE };
      int ho = (ctx.h + 2 * ctx.pad - ctx.k) / ctx.stride + 1, wo = (ctx.w + 2 * ctx.pad - ctx.k) / ctx.stride + 1;
      gsize nx = (gsize) ctx.ci * ctx.n * ctx.h * ctx.w, nw = (gsize) ctx.co * ctx.ci * ctx.k * ctx.k;
      gsize nout = (gsize) ctx.co * ctx.n * ho * wo;
      g_autofree float *x = g_new (float, nx), *wt = g_new (float, nw), *dy = g_new (float, nout);
      g_autofree float *dx = g_new (float, nx), *dw = g_new0 (float, nw);
      g_autofree char *what_x = g_strdup_printf ("conv %u d/dinput", i), *what_w = g_strdup_printf ("conv %u d/dweight", i);

      random_fill (&rng, x, nx, FALSE);
      random_fill (&rng, wt, nw, FALSE);
      random_fill (&rng, dy, nout, FALSE);
      tf_conv2d_backward (dx, dw, dy, x, wt, i % 2 ? pool : NULL, ctx.n, ctx.ci, ctx.h, ctx.w, ctx.co, ctx.k,
                          ctx.stride, ctx.pad);
      ctx.other = wt;
      check_fd (what_x, conv_d, &ctx, x, nx, dy, nout, dx);
      ctx.other = x;
      ctx.wrt_weight = TRUE;
      check_fd (what_w, conv_d, &ctx, wt, nw, dy, nout, dw);
    }
}

typedef struct { int c, n, h, w, stride; } SubCtx;

static void
subsample_d (double *out, const double *v, gpointer data)
{
  const SubCtx *s = data;
  int ho = (s->h - 1) / s->stride + 1, wo = (s->w - 1) / s->stride + 1;

  for (int p = 0; p < s->c * s->n; p++)
    for (int y = 0; y < ho; y++)
      for (int x = 0; x < wo; x++)
        out[((gsize) p * ho + y) * wo + x] = v[((gsize) p * s->h + y * s->stride) * s->w + x * s->stride];
}

static void
test_subsample (void)
{
  SubCtx ctx = { 2, 2, 5, 4, 2 };
  float x[80], dy[2 * 2 * 3 * 2], dx[80] = { 0 };
  TfRng rng;

  tf_rng_seed (&rng, 7);
  random_fill (&rng, x, 80, FALSE);
  random_fill (&rng, dy, 24, FALSE);
  tf_subsample_backward (dx, dy, 2, 2, 5, 4, 2);
  check_fd ("subsample", subsample_d, &ctx, x, 80, dy, 24, dx);
}

/* ---- BatchNorm in training form: input, weight, bias ------------------------ */

typedef struct { int c; gsize m; const float *x, *bn; int wrt; /* 0 x, 1 weight, 2 bias */ } BnCtx;

static void
bn_d (double *out, const double *v, gpointer data)
{
  const BnCtx *b = data;

  for (int ch = 0; ch < b->c; ch++)
    {
      double mean = 0, var = 0, w = b->bn[ch], bias = b->bn[b->c + ch];
      const double *xd = b->wrt == 0 ? v + ch * b->m : NULL;
      if (b->wrt == 1) w = v[ch];
      if (b->wrt == 2) bias = v[ch];
      for (gsize i = 0; i < b->m; i++)
        mean += xd ? xd[i] : b->x[ch * b->m + i];
      mean /= b->m;
      for (gsize i = 0; i < b->m; i++)
        {
          double d = (xd ? xd[i] : b->x[ch * b->m + i]) - mean;
          var += d * d;
        }
      var /= b->m;
      for (gsize i = 0; i < b->m; i++)
        out[ch * b->m + i] = ((xd ? xd[i] : b->x[ch * b->m + i]) - mean) / sqrt (var + 1e-5) * w + bias;
    }
}

static void
test_batchnorm (void)
{
  const int c = 3;
  const gsize m = 10;
  float x[30], bn[12], dy[30], dx[30], y[30], stats[6], dbn[12] = { 0 };
  BnCtx ctx = { c, m, x, bn, 0 };
  TfRng rng;

  tf_rng_seed (&rng, 2);
  random_fill (&rng, x, 30, FALSE);
  random_fill (&rng, dy, 30, FALSE);
  random_fill (&rng, bn, 12, FALSE);
  for (int i = 0; i < 3; i++)
    bn[9 + i] = 1.0f + fabsf (bn[9 + i]);
  tf_bn_train_forward (y, stats, stats + c, x, bn, c, m, 1e-5f, NULL);
  tf_bn_backward (dx, dbn, dy, x, stats, stats + c, bn, c, m, 1e-5f, TRUE, NULL);
  check_fd ("batchnorm d/dinput", bn_d, &ctx, x, 30, dy, 30, dx);
  ctx.wrt = 1;
  check_fd ("batchnorm d/dweight", bn_d, &ctx, bn, 3, dy, 30, dbn);
  ctx.wrt = 2;
  check_fd ("batchnorm d/dbias", bn_d, &ctx, bn + 3, 3, dy, 30, dbn + 3);
}

/* ---- element-wise: PReLU (input, slope), ReLU, sigmoid, GELU ---------------- */

typedef struct { int c; gsize m; const float *other; int which; } EwCtx;

static void
ew_d (double *out, const double *v, gpointer data)
{
  const EwCtx *e = data;
  gsize n = (gsize) e->c * e->m;

  for (gsize i = 0; i < n; i++)
    {
      double x = e->which == 1 ? e->other[i] : v[i];
      switch (e->which)
        {
        case 0: out[i] = x > 0 ? x : e->other[i / e->m] * x; break;         /* PReLU wrt input */
        case 1: out[i] = x > 0 ? x : v[i / e->m] * x; break;                 /* PReLU wrt slope */
        case 2: out[i] = x > 0 ? x : 0; break;                               /* ReLU */
        case 3: out[i] = 1 / (1 + exp (-x)); break;                          /* sigmoid */
        default: out[i] = 0.5 * x * (1 + erf (x / sqrt (2.0))); break;       /* GELU */
        }
    }
}

static void
test_elementwise (void)
{
  enum { C = 2, M = 12, N = C * M };
  float x[N], dy[N], dx[N], slope[C] = { 0.25f, -0.1f }, dslope[C] = { 0 }, y[N];
  EwCtx ctx = { C, M, slope, 0 };
  TfRng rng;

  tf_rng_seed (&rng, 3);
  random_fill (&rng, x, N, TRUE);
  random_fill (&rng, dy, N, FALSE);

  tf_prelu_backward (dx, dslope, dy, x, slope, C, M);
  check_fd ("prelu d/dinput", ew_d, &ctx, x, N, dy, N, dx);
  ctx.which = 1;
  ctx.other = x;
  check_fd ("prelu d/dslope", ew_d, &ctx, slope, C, dy, N, dslope);

  ctx.which = 2;
  tf_relu_backward (dx, dy, x, N);
  check_fd ("relu", ew_d, &ctx, x, N, dy, N, dx);

  ctx.which = 3;
  for (int i = 0; i < N; i++)
    y[i] = 1.0f / (1.0f + expf (-x[i]));
  tf_sigmoid_backward (dx, dy, y, N);
  check_fd ("sigmoid", ew_d, &ctx, x, N, dy, N, dx);

  ctx.which = 4;
  tf_gelu_backward (dx, dy, x, N);
  check_fd ("gelu", ew_d, &ctx, x, N, dy, N, dx);
}

/* ---- linear and LayerNorm ---------------------------------------------------- */

typedef struct { int n, ic, oc; const float *x, *w, *b; int wrt; } RowCtx;

static void
linear_d (double *out, const double *v, gpointer data)
{
  const RowCtx *r = data;

  for (int i = 0; i < r->n; i++)
    for (int o = 0; o < r->oc; o++)
      {
        double acc = r->wrt == 2 ? v[o] : r->b[o];
        for (int k = 0; k < r->ic; k++)
          {
            double xv = r->wrt == 0 ? v[i * r->ic + k] : r->x[i * r->ic + k];
            double wv = r->wrt == 1 ? v[o * r->ic + k] : r->w[o * r->ic + k];
            acc += xv * wv;
          }
        out[i * r->oc + o] = acc;
      }
}

static void
layernorm_d (double *out, const double *v, gpointer data)
{
  const RowCtx *r = data;

  for (int i = 0; i < r->n; i++)
    {
      double mean = 0, var = 0;
      for (int k = 0; k < r->ic; k++)
        mean += r->wrt == 0 ? v[i * r->ic + k] : r->x[i * r->ic + k];
      mean /= r->ic;
      for (int k = 0; k < r->ic; k++)
        {
          double d = (r->wrt == 0 ? v[i * r->ic + k] : r->x[i * r->ic + k]) - mean;
          var += d * d;
        }
      var /= r->ic;
      for (int k = 0; k < r->ic; k++)
        {
          double xv = r->wrt == 0 ? v[i * r->ic + k] : r->x[i * r->ic + k];
          double w = r->wrt == 1 ? v[k] : r->w[k], b = r->wrt == 2 ? v[k] : r->b[k];
          out[i * r->ic + k] = (xv - mean) / sqrt (var + 1e-6) * w + b;
        }
    }
}

static void
test_linear_layernorm (void)
{
  enum { N = 3, IC = 5, OC = 4 };
  float x[N * IC], w[OC * IC], b[OC], dy[N * OC], dx[N * IC], dw[OC * IC] = { 0 }, db[OC] = { 0 };
  float lw[IC], lb[IC], ldy[N * IC], ly[N * IC], mean[N], rstd[N], ldx[N * IC] = { 0 }, ldw[IC] = { 0 }, ldb[IC] = { 0 };
  RowCtx ctx = { N, IC, OC, x, w, b, 0 };
  TfRng rng;

  tf_rng_seed (&rng, 4);
  random_fill (&rng, x, N * IC, FALSE);
  random_fill (&rng, w, OC * IC, FALSE);
  random_fill (&rng, b, OC, FALSE);
  random_fill (&rng, dy, N * OC, FALSE);
  tf_linear_backward (dx, dw, db, dy, x, w, N, IC, OC, FALSE);
  check_fd ("linear d/dinput", linear_d, &ctx, x, N * IC, dy, N * OC, dx);
  ctx.wrt = 1;
  check_fd ("linear d/dweight", linear_d, &ctx, w, OC * IC, dy, N * OC, dw);
  ctx.wrt = 2;
  check_fd ("linear d/dbias", linear_d, &ctx, b, OC, dy, N * OC, db);

  random_fill (&rng, lw, IC, FALSE);
  random_fill (&rng, lb, IC, FALSE);
  random_fill (&rng, ldy, N * IC, FALSE);
  tf_layernorm_forward (ly, mean, rstd, x, lw, lb, N, IC, 1e-6f);
  tf_layernorm_backward (ldx, ldw, ldb, ldy, x, lw, mean, rstd, N, IC);
  ctx = (RowCtx) { N, IC, IC, x, lw, lb, 0 };
  check_fd ("layernorm d/dinput", layernorm_d, &ctx, x, N * IC, ldy, N * IC, ldx);
  ctx.wrt = 1;
  check_fd ("layernorm d/dweight", layernorm_d, &ctx, lw, IC, ldy, N * IC, ldw);
  ctx.wrt = 2;
  check_fd ("layernorm d/dbias", layernorm_d, &ctx, lb, IC, ldy, N * IC, ldb);
}

/* ---- attention head and the loss --------------------------------------------- */

typedef struct { int t, d, heads, h; } AttCtx;

static void
attention_d (double *out, const double *qkv, gpointer data)
{
  const AttCtx *a = data;
  int hd = a->d / a->heads, h = a->h;
  g_autofree double *p = g_new (double, a->t);

  for (int i = 0; i < a->t; i++)
    {
      double mx = -INFINITY, sum = 0;
      for (int j = 0; j < a->t; j++)
        {
          double s = 0;
          for (int e = 0; e < hd; e++)
            s += qkv[i * 3 * a->d + h * hd + e] * qkv[j * 3 * a->d + a->d + h * hd + e];
          p[j] = s / sqrt ((double) hd);
          mx = MAX (mx, p[j]);
        }
      for (int j = 0; j < a->t; j++)
        sum += (p[j] = exp (p[j] - mx));
      for (int e = 0; e < hd; e++)
        {
          double acc = 0;
          for (int j = 0; j < a->t; j++)
            acc += p[j] / sum * qkv[j * 3 * a->d + 2 * a->d + h * hd + e];
          out[i * hd + e] = acc;
        }
    }
}

static void
test_attention (void)
{
  enum { T = 5, D = 8, HEADS = 2 };
  float qkv[T * 3 * D], out[T * D], att[HEADS * T * T], dout[T * D], dqkv[T * 3 * D], scratch[T * T];
  float w[T * D / HEADS];
  TfRng rng;

  tf_rng_seed (&rng, 5);
  random_fill (&rng, qkv, T * 3 * D, FALSE);
  random_fill (&rng, dout, T * D, FALSE);
  tf_attention_forward (out, D, att, qkv, T, D, HEADS);
  for (int h = 0; h < HEADS; h++)
    {
      AttCtx ctx = { T, D, HEADS, h };
      g_autofree char *what = g_strdup_printf ("attention head %d", h);
      memset (dqkv, 0, sizeof dqkv);
      tf_attention_head_backward (dqkv, dout, D, att + h * T * T, qkv, T, D, HEADS, h, scratch);
      /* the FD loss weights this head's output columns by dout */
      for (int i = 0; i < T; i++)
        for (int e = 0; e < D / HEADS; e++)
          w[i * (D / HEADS) + e] = dout[i * D + h * (D / HEADS) + e];
      check_fd (what, attention_d, &ctx, qkv, T * 3 * D, w, T * D / HEADS, dqkv);
    }
}

typedef struct { int n, k; const float *target; float eps; } CeCtx;

static void
ce_d (double *out, const double *z, gpointer data)
{
  const CeCtx *c = data;
  double loss = 0;

  for (int i = 0; i < c->n; i++)
    {
      double mx = -INFINITY, sum = 0;
      for (int j = 0; j < c->k; j++)
        mx = MAX (mx, z[i * c->k + j]);
      for (int j = 0; j < c->k; j++)
        sum += exp (z[i * c->k + j] - mx);
      for (int j = 0; j < c->k; j++)
        loss -= ((1 - c->eps) * c->target[i * c->k + j] + c->eps / c->k) * (z[i * c->k + j] - mx - log (sum));
    }
  out[0] = loss / c->n;
}

static void
test_loss (void)
{
  enum { N = 3, K = 4 };
  float z[N * K], dz[N * K], one = 1.0f;
  const float target[N * K] = { 0, 1, 0, 0,   0.25f, 0.25f, 0.5f, 0,   0, 0, 0, 1 };
  CeCtx ctx = { N, K, target, 0.1f };
  double loss, want;
  TfRng rng;

  tf_rng_seed (&rng, 6);
  random_fill (&rng, z, N * K, FALSE);
  loss = tf_softmax_ce_forward_backward (dz, z, target, N, K, 0.1f);
  {
    double zd[N * K];
    for (int i = 0; i < N * K; i++)
      zd[i] = z[i];
    ce_d (&want, zd, &ctx);
  }
  g_assert_cmpfloat (fabs (loss - want), <, 1e-6);
  check_fd ("softmax cross-entropy", ce_d, &ctx, z, N * K, &one, 1, dz);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  tf_set_threads (2);
  g_test_add_func ("/grad/conv", test_conv);
  g_test_add_func ("/grad/subsample", test_subsample);
  g_test_add_func ("/grad/batchnorm", test_batchnorm);
  g_test_add_func ("/grad/elementwise", test_elementwise);
  g_test_add_func ("/grad/linear-layernorm", test_linear_layernorm);
  g_test_add_func ("/grad/attention", test_attention);
  g_test_add_func ("/grad/loss", test_loss);
  return g_test_run ();
}
