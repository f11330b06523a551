/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Training forward and backward. The inference engine (tf-engine.c) folds
 * BatchNorm into constants; here BatchNorm sees the batch, every activation
 * the backward needs is kept, and each layer's gradient follows the forward
 * in reverse, layer by layer, as in llm.c.
 *
 * Shapes, in the model's letters:
 *   N  faces in the batch           S   input side (112)
 *   C  channels (Ci, Co: a stem unit's input and output; C0 the input
 *      layer's; C alone after the stem: its last width)
 *   H, W  a stem layer's size; Ho, Wo after a unit's stride
 *   G  token grid side (S / 8)      GG  G G, the patch tokens
 *   T  tokens, GG + 1               D   embedding dim
 *   Hh heads                        F   MLP hidden width (D mlp_ratio)
 *   L  encoder blocks               K   classes
 *   B  LANets                       R   a LANet's hidden width (C / reduction)
 * The stem and the LANets are channel-major, (C, N, H, W); the encoder's
 * rows are the N T tokens, (N T, D). */
#include <math.h>
#include <string.h>

#include "tf-drop.h"
#include "tf-error.h"
#include "tf-buf.h"
#include "tf-ops.h"
#include "tf-parallel.h"
#include "tf-train.h"

/* What one bottleneck unit keeps for its backward. */
typedef struct
{
  TfBuf a0;         /* (Ci, N, H, W): BN0(x), conv1's input */
  TfBuf c1;         /* (Co, N, H, W): conv1's output, PReLU's input */
  TfBuf p1;         /* (Co, N, H, W): PReLU(c1), conv2's input */
  TfBuf c2;         /* (Co, N, Ho, Wo): conv2's output, BN4's input */
  TfBuf sc;         /* (Co, N, Ho, Wo): the shortcut conv's output, its BN's input; when there is one */
  TfBuf out;        /* (Co, N, Ho, Wo): the unit's output */
  TfBuf stats;      /* (2 Ci + 4 Co): mean, rstd of bn0 (2, Ci), bn4 (2, Co), the shortcut's bn (2, Co) */
} UnitCache;

/* What one encoder block keeps for its backward. */
typedef struct
{
  TfBuf x_in;       /* (N T, D): the residual stream entering the block */
  TfBuf ln1;        /* (N T, D): LN1(x_in), qkv's input */
  TfBuf qkv;        /* (N T, 3 D): q | k | v, head h at columns h D / Hh of each */
  TfBuf att;        /* (N, Hh, T, T): the softmax weights */
  TfBuf ao;         /* (N T, D): the heads' outputs side by side (MSAD's head zeroed), proj's input */
  TfBuf mid;        /* (N T, D): x_in + proj(ao), the residual stream between attention and MLP */
  TfBuf ln2;        /* (N T, D): LN2(mid), fc1's input */
  TfBuf h;          /* (N T, F): fc1's output, GELU's input */
  TfBuf g;          /* (N T, F): GELU(h), fc2's input */
  TfBuf stats;      /* (4, N T): mean, rstd of ln1, then of ln2 */
} BlockCache;

/* What one LANet keeps for its backward. */
typedef struct
{
  TfBuf h_pre;      /* (R, N GG): conv1 + bias, BN1's input */
  TfBuf h_bn;       /* (R, N GG): BN1's output, ReLU's input */
  TfBuf h_act;      /* (R, N GG): ReLU's output, conv2's input */
  TfBuf z_pre;      /* (N GG): conv2 + bias, BN2's input */
  TfBuf map;        /* (N GG): sigmoid(BN2(z)), the attention map */
  TfBuf stats;      /* (2 R + 2): mean, rstd of bn1 (2, R), then of bn2 (2, 1) */
} LanetCache;

struct _TfTrainer
{
  TfModel      *model;
  TfPool       *pool;
  float        *grads;           /* (n_params): laid out like model->params */
  int           n;               /* batch of the last step */

  /* forward: the activations the backward reads */
  TfBuf         input;           /* (3, N, S, S): the batch, channel-major */
  TfBuf         c0;              /* (C0, N, S, S): the input layer's conv output, its BN's input */
  TfBuf         xb0;             /* (C0, N, S, S): BN(c0), PReLU's input */
  TfBuf         x0;              /* (C0, N, S, S): PReLU(xb0), the first unit's input */
  TfBuf         in_stats;        /* (2, C0): the input layer's BN mean, rstd */
  UnitCache    *units;           /* (n_units) */
  LanetCache   *lanets;          /* (B) */
  TfBuf         maps;            /* (B, N GG): every LANet's map */
  TfBuf         amax;            /* (N GG): their max after MAD */
  TfBuf         fw;              /* (C, N GG): the stem's output weighted by amax */
  GArray       *argmax;          /* int (N GG): the map that won, -1 for a dropped zero */
  BlockCache   *blocks;          /* (L) */
  TfBuf         tok;             /* (N, T, D): the residual stream, block by block; the encoder's output */
  TfBuf         cls_x;           /* (N, D): the class tokens entering the final LayerNorm */
  TfBuf         cls_ln;          /* (N, D): LN(cls_x), the head's input */
  TfBuf         cls_stats;       /* (2, N): its mean, rstd */
  TfBuf         logits;          /* (N, K) */
  GArray       *mad;             /* int (N): the LANet each face dropped, -1 none */
  GArray       *msad;            /* int (N, L): the head each face dropped in each block, -1 none */

  /* backward: gradients of activations, reused from layer to layer */
  TfBuf         dlogits;         /* (N, K) */
  TfBuf         dln;             /* (N T, D): of a LayerNorm's output ((N, D) for the final one) */
  TfBuf         dtok;            /* (N, T, D): of the residual stream, block by block */
  TfBuf         dh;              /* (N T, F): of fc2's input, then (in place) of fc1's output */
  TfBuf         dao;             /* (N T, D): of the heads' outputs */
  TfBuf         dqkv;            /* (N T, 3 D) */
  TfBuf         damax;           /* (N GG): of the aggregated map */
  TfBuf         dfw;             /* (C, N GG): of the weighted features */
  TfBuf         dmap;            /* (N GG): of one LANet's map, then (in place) of its BN2 output */
  TfBuf         dz;              /* (N GG): of one LANet's conv2 output */
  TfBuf         dlan_h;          /* (R, N GG): of one LANet's ReLU output, then (in place) its input */
  TfBuf         dlan_hpre;       /* (R, N GG): of one LANet's conv1 output */
  TfBuf         dfeat;           /* (C, N GG): of the stem's output */
  /* the stem's, each sized for the largest layer: (max C, N, S, S) */
  TfBuf         dunit_in;        /* (Ci, N, H, W): of a unit's input; the forward borrows it for the
                                  * shortcut branch's output (Co, N, Ho, Wo) */
  TfBuf         dbranch;         /* (Co, N, H, W): of conv2's input, then (in place) of conv1's output */
  TfBuf         dbn;             /* (C, N, H, W): where a BatchNorm meets a conv: of conv2's output,
                                  * conv1's input, the shortcut conv's output */
  TfBuf         dunit_out[2];    /* (Ci, N, H, W) each, ping-pong: a unit's input gradient, copied here to
                                  * be the previous unit's output gradient; the spare one first takes
                                  * the shortcut conv's input gradient */

  TfTrainTimes  times;
};

#define GRAD(t, ptr) ((t)->grads + ((ptr) - (t)->model->params))

static void
cache_clear (TfBuf *bufs,
             gsize count)
{
  for (gsize i = 0; i < count; i++)
    tf_buf_clear (&bufs[i]);
}

TfTrainer *
tf_trainer_new (TfModel *model)
{
  TfTrainer *t;

  g_return_val_if_fail (model != NULL, NULL);
  t = g_new0 (TfTrainer, 1);
  t->model = model;
  t->pool = tf_pool_new (tf_get_threads ());
  t->grads = g_aligned_alloc0 (model->n_params, sizeof (float), 64);
  t->units = g_new0 (UnitCache, model->n_units);
  t->lanets = g_new0 (LanetCache, model->config.lanets);
  t->blocks = g_new0 (BlockCache, model->config.depth);
  t->argmax = g_array_new (FALSE, TRUE, sizeof (int));
  t->mad = g_array_new (FALSE, TRUE, sizeof (int));
  t->msad = g_array_new (FALSE, TRUE, sizeof (int));
  return t;
}

void
tf_trainer_free (TfTrainer *t)
{
  if (t == NULL)
    return;
  for (int u = 0; u < t->model->n_units; u++)
    cache_clear ((TfBuf *) &t->units[u], sizeof (UnitCache) / sizeof (TfBuf));
  for (int b = 0; b < t->model->config.lanets; b++)
    cache_clear ((TfBuf *) &t->lanets[b], sizeof (LanetCache) / sizeof (TfBuf));
  for (int l = 0; l < t->model->config.depth; l++)
    cache_clear ((TfBuf *) &t->blocks[l], sizeof (BlockCache) / sizeof (TfBuf));
  {
    TfBuf *rest[] = { &t->input, &t->c0, &t->xb0, &t->x0, &t->in_stats, &t->maps, &t->amax, &t->fw,
                      &t->tok, &t->cls_x, &t->cls_ln, &t->cls_stats, &t->logits,
                      &t->dlogits, &t->dln, &t->dtok, &t->dh, &t->dao, &t->dqkv, &t->damax, &t->dfw,
                      &t->dmap, &t->dz, &t->dlan_h, &t->dlan_hpre, &t->dfeat,
                      &t->dunit_in, &t->dbranch, &t->dbn, &t->dunit_out[0], &t->dunit_out[1] };
    for (guint i = 0; i < G_N_ELEMENTS (rest); i++)
      tf_buf_clear (rest[i]);
  }
  g_free (t->units);
  g_free (t->lanets);
  g_free (t->blocks);
  g_array_unref (t->argmax);
  g_array_unref (t->mad);
  g_array_unref (t->msad);
  tf_pool_free (t->pool);
  g_aligned_free (t->grads);
  g_free (t);
}

float *
tf_trainer_get_grads (TfTrainer *t)
{
  return t->grads;
}

const float *
tf_trainer_get_logits (TfTrainer *t)
{
  return t->logits.data;
}

void
tf_trainer_get_times (TfTrainer    *t,
                      TfTrainTimes *times)
{
  *times = t->times;
}

/* ---- BatchNorm in either form ------------------------------------------- */

/* out = BN(inp) over [c][m]: batch statistics (kept in stats [2][c]) when
 * training, else the running ones. */
static void
bn_forward (TfTrainer   *t,
            float       *out,
            float       *stats,
            const float *inp,
            float       *bn,
            int          c,
            gsize        m,
            const TfTrainOptions *opt)
{
  float eps = (float) t->model->config.bn_eps;

  if (opt->bn_train)
    {
      tf_bn_train_forward (out, stats, stats + c, inp, bn, c, m, eps, t->pool);
      tf_bn_update_running (bn, stats, stats + c, c, m, eps, opt->bn_momentum);
    }
  else
    {
      float *scale = stats, *shift = stats + c;
      tf_bn_fold (scale, shift, bn, NULL, c, eps);
      memcpy (out, inp, sizeof (float) * c * m);
      tf_channel_epilogue (out, c, m, m, scale, shift, TF_ACT_NONE, NULL, NULL);
    }
}

static void
bn_backward (TfTrainer   *t,
             float       *dinp,
             const float *dout,
             const float *inp,
             const float *stats,
             const float *bn,
             int          c,
             gsize        m,
             const TfTrainOptions *opt)
{
  tf_bn_backward (dinp, GRAD (t, bn), dout, inp, stats, stats + c, bn, c, m,
                  (float) t->model->config.bn_eps, opt->bn_train, t->pool);
}

/* ---- row-parallel helpers for the encoder --------------------------------- */

typedef struct
{
  float       *out, *mean, *rstd, *dinp, *dweight, *dbias;
  const float *inp, *weight, *bias, *dout;
  int          rows, ic, oc;
  float        eps, beta;
} RowJob;

static void
layernorm_task (int task, int n_tasks, int thread, gpointer data)
{
  const RowJob *j = data;
  gsize r0, r1;

  (void) thread;
  tf_split_range (j->rows, n_tasks, task, &r0, &r1);
  if (r1 > r0)
    tf_layernorm_forward (j->out + r0 * j->ic, j->mean + r0, j->rstd + r0, j->inp + r0 * j->ic,
                          j->weight, j->bias, (int) (r1 - r0), j->ic, j->eps);
}

static void
linear_task (int task, int n_tasks, int thread, gpointer data)
{
  const RowJob *j = data;
  gsize r0, r1;

  (void) thread;
  tf_split_range (j->rows, n_tasks, task, &r0, &r1);
  if (r1 > r0)
    tf_linear_forward (j->out + r0 * j->oc, j->inp + r0 * j->ic, j->weight, j->bias, (int) (r1 - r0), j->ic, j->oc);
}

/* dinp rows = dout rows W */
static void
linear_dinp_task (int task, int n_tasks, int thread, gpointer data)
{
  const RowJob *j = data;
  gsize r0, r1;

  (void) thread;
  tf_split_range (j->rows, n_tasks, task, &r0, &r1);
  if (r1 > r0)
    tf_gemm (FALSE, FALSE, (int) (r1 - r0), j->ic, j->oc, 1.0f, j->dout + r0 * j->oc, j->oc, j->weight, j->ic,
             j->beta, j->dinp + r0 * j->ic, j->ic);
}

/* dW rows [o0, o1) += dout[:, o0:o1]^T inp; db likewise */
static void
linear_dweight_task (int task, int n_tasks, int thread, gpointer data)
{
  const RowJob *j = data;
  gsize o0, o1;

  (void) thread;
  tf_split_range (j->oc, n_tasks, task, &o0, &o1);
  if (o1 == o0)
    return;
  tf_gemm (TRUE, FALSE, (int) (o1 - o0), j->ic, j->rows, 1.0f, j->dout + o0, j->oc, j->inp, j->ic, 1.0f,
           j->dweight + o0 * j->ic, j->ic);
  if (j->dbias)
    for (gsize o = o0; o < o1; o++)
      {
        double s = 0;
        for (int r = 0; r < j->rows; r++)
          s += j->dout[(gsize) r * j->oc + o];
        j->dbias[o] += (float) s;
      }
}

static void
par_layernorm (TfTrainer *t, float *out, float *mean, float *rstd, const float *inp,
               const float *w, const float *b, int rows, int d)
{
  RowJob j = { .out = out, .mean = mean, .rstd = rstd, .inp = inp, .weight = w, .bias = b,
               .rows = rows, .ic = d, .eps = (float) t->model->config.ln_eps };
  tf_pool_run (t->pool, tf_pool_get_threads (t->pool), layernorm_task, &j);
}

static void
par_linear (TfTrainer *t, float *out, const float *inp, const float *w, const float *b,
            int rows, int ic, int oc)
{
  RowJob j = { .out = out, .inp = inp, .weight = w, .bias = b, .rows = rows, .ic = ic, .oc = oc };
  tf_pool_run (t->pool, tf_pool_get_threads (t->pool), linear_task, &j);
}

/* dinp (= or += with @accumulate, may be NULL), dW and db (+=) */
static void
par_linear_backward (TfTrainer *t, float *dinp, float *dw, float *db, const float *dout,
                     const float *inp, const float *w, int rows, int ic, int oc, gboolean accumulate)
{
  RowJob j = { .dinp = dinp, .dweight = dw, .dbias = db, .dout = dout, .inp = inp, .weight = w,
               .rows = rows, .ic = ic, .oc = oc, .beta = accumulate ? 1.0f : 0.0f };
  int threads = tf_pool_get_threads (t->pool);

  if (dinp)
    tf_pool_run (t->pool, threads, linear_dinp_task, &j);
  tf_pool_run (t->pool, threads, linear_dweight_task, &j);
}

/* ---- attention ------------------------------------------------------------ */

typedef struct
{
  TfTrainer   *t;
  BlockCache  *bc;
  const TfBlockParams *p;
  const int   *msad;
  float       *dao, *dqkv;
  int          nseq, l, T, D, H, L;
} AttnJob;

static void
attention_forward_task (int task, int n_tasks, int thread, gpointer data)
{
  const AttnJob *j = data;
  int i = task / j->H, h = task % j->H, T = j->T, D = j->D;
  float *o = j->bc->ao.data + (gsize) i * T * D;
  float *att = j->bc->att.data + ((gsize) i * j->H + h) * T * T;

  (void) n_tasks;
  (void) thread;
  tf_attention_head_forward (o, D, att, j->bc->qkv.data + (gsize) i * T * 3 * D, T, D, j->H, h);
  if (j->msad[i * j->L + j->l] == h)
    tf_msad_forward (o, D, T, D, j->H, h);
}

static void
attention_backward_task (int task, int n_tasks, int thread, gpointer data)
{
  const AttnJob *j = data;
  int i = task / j->H, h = task % j->H, T = j->T, D = j->D;
  float *dao = j->dao + (gsize) i * T * D;
  float *scratch = tf_pool_scratch (j->t->pool, thread, (gsize) T * T);

  (void) n_tasks;
  /* MSAD: the dropped head passed nothing forward, so it gets nothing back */
  if (j->msad[i * j->L + j->l] == h)
    tf_msad_forward (dao, D, T, D, j->H, h);
  tf_attention_head_backward (j->dqkv + (gsize) i * T * 3 * D, dao, D,
                              j->bc->att.data + ((gsize) i * j->H + h) * T * T,
                              j->bc->qkv.data + (gsize) i * T * 3 * D, T, D, j->H, h, scratch);
}

/* ---- forward -------------------------------------------------------------- */

static void
stem_forward (TfTrainer            *t,
              const float          *input,
              int                   n,
              const TfTrainOptions *opt)
{
  TfModel *m = t->model;
  const TfConfig *c = &m->config;
  int s = c->input_size, w0 = c->stem_widths[0], size = s;
  gsize len = (gsize) n * s * s;
  float *in = tf_buf_get (&t->input, 3 * len);
  float *x;

  for (int b = 0; b < n; b++)
    for (int ch = 0; ch < 3; ch++)
      memcpy (in + ((gsize) ch * n + b) * s * s, input + ((gsize) b * 3 + ch) * s * s, sizeof (float) * s * s);

  tf_conv2d_forward (tf_buf_get (&t->c0, w0 * len), in, m->in_conv, NULL, NULL, NULL, t->pool, n, 3, s, s, w0, 3, 1, 1);
  bn_forward (t, tf_buf_get (&t->xb0, w0 * len), tf_buf_get (&t->in_stats, 2 * w0), t->c0.data, m->in_bn, w0, len, opt);
  x = tf_buf_get (&t->x0, w0 * len);
  tf_prelu_forward (x, t->xb0.data, m->in_prelu, w0, len);

  for (int u = 0; u < m->n_units; u++)
    {
      TfUnitParams *p = &m->units[u];
      UnitCache *uc = &t->units[u];
      int os = (size - 1) / p->stride + 1;
      gsize in_len = (gsize) n * size * size, out_len = (gsize) n * os * os;
      float *stats = tf_buf_get (&uc->stats, 2 * (gsize) p->in + 4 * (gsize) p->out);
      float *st0 = stats, *st4 = stats + 2 * p->in, *stsc = st4 + 2 * p->out;
      float *out = tf_buf_get (&uc->out, p->out * out_len);

      bn_forward (t, tf_buf_get (&uc->a0, p->in * in_len), st0, x, p->bn0, p->in, in_len, opt);
      tf_conv2d_forward (tf_buf_get (&uc->c1, p->out * in_len), uc->a0.data, p->conv1, NULL, NULL, NULL, t->pool,
                         n, p->in, size, size, p->out, 3, 1, 1);
      tf_prelu_forward (tf_buf_get (&uc->p1, p->out * in_len), uc->c1.data, p->prelu, p->out, in_len);
      tf_conv2d_forward (tf_buf_get (&uc->c2, p->out * out_len), uc->p1.data, p->conv2, NULL, NULL, NULL, t->pool,
                         n, p->out, size, size, p->out, 3, p->stride, 1);
      bn_forward (t, out, st4, uc->c2.data, p->bn4, p->out, out_len, opt);

      if (p->sc_conv)
        {
          float *tmp = tf_buf_get (&t->dunit_in, p->out * out_len);   /* (Co, N, Ho, Wo) */
          tf_conv2d_forward (tf_buf_get (&uc->sc, p->out * out_len), x, p->sc_conv, NULL, NULL, NULL, t->pool,
                             n, p->in, size, size, p->out, 1, p->stride, 0);
          bn_forward (t, tmp, stsc, uc->sc.data, p->sc_bn, p->out, out_len, opt);
          for (gsize i = 0; i < p->out * out_len; i++)
            out[i] += tmp[i];
        }
      else if (p->stride != 1)
        {
          float *tmp = tf_buf_get (&t->dunit_in, p->out * out_len);   /* (Co, N, Ho, Wo) */
          tf_subsample (tmp, x, p->in, n, size, size, p->stride);
          for (gsize i = 0; i < p->out * out_len; i++)
            out[i] += tmp[i];
        }
      else
        for (gsize i = 0; i < p->out * out_len; i++)
          out[i] += x[i];

      x = out;
      size = os;
    }
}

static void
lanets_forward (TfTrainer            *t,
                int                   n,
                const int            *mad,
                const TfTrainOptions *opt)
{
  TfModel *m = t->model;
  const TfConfig *c = &m->config;
  int cw = c->stem_widths[2], hl = cw / c->lanet_reduction, g = tf_config_grid (c), gg = g * g;
  gsize cols = (gsize) n * gg;
  const float *feat = t->units[m->n_units - 1].out.data;
  float *maps = tf_buf_get (&t->maps, c->lanets * cols), *amax = tf_buf_get (&t->amax, cols);
  float *fw = tf_buf_get (&t->fw, cw * cols);
  int *arg;

  for (int b = 0; b < c->lanets; b++)
    {
      TfLanetParams *p = &m->lanets[b];
      LanetCache *lc = &t->lanets[b];
      float *stats = tf_buf_get (&lc->stats, 2 * (gsize) hl + 2);
      float *h_pre = tf_buf_get (&lc->h_pre, hl * cols), *z = tf_buf_get (&lc->z_pre, cols);
      float *h_bn = tf_buf_get (&lc->h_bn, hl * cols), *h_act = tf_buf_get (&lc->h_act, hl * cols);
      float *map = tf_buf_get (&lc->map, cols);

      for (int k = 0; k < hl; k++)
        for (gsize i = 0; i < cols; i++)
          h_pre[k * cols + i] = p->conv1_b[k];
      tf_gemm (FALSE, FALSE, hl, (int) cols, cw, 1.0f, p->conv1_w, cw, feat, (int) cols, 1.0f, h_pre, (int) cols);
      bn_forward (t, h_bn, stats, h_pre, p->bn1, hl, cols, opt);
      tf_relu_forward (h_act, h_bn, hl * cols);
      for (gsize i = 0; i < cols; i++)
        z[i] = p->conv2_b[0];
      tf_gemm (FALSE, FALSE, 1, (int) cols, hl, 1.0f, p->conv2_w, hl, h_act, (int) cols, 1.0f, z, (int) cols);
      bn_forward (t, map, stats + 2 * hl, z, p->bn2, 1, cols, opt);
      tf_sigmoid_forward (map, cols);
      memcpy (maps + b * cols, map, sizeof (float) * cols);
    }

  /* MAD and the max, remembering which map won each position */
  g_array_set_size (t->argmax, (guint) cols);
  arg = (int *) (void *) t->argmax->data;
  tf_mad_max_forward (amax, maps, mad, n, c->lanets, gg);
  for (int i = 0; i < n; i++)
    for (int q = 0; q < gg; q++)
      {
        gsize at = (gsize) i * gg + q;
        arg[at] = -1;
        for (int b = 0; b < c->lanets && arg[at] < 0; b++)
          if (b != (mad ? mad[i] : -1) && maps[b * cols + at] == amax[at])
            arg[at] = b;
      }

  for (int ch = 0; ch < cw; ch++)
    for (gsize i = 0; i < cols; i++)
      fw[ch * cols + i] = feat[ch * cols + i] * amax[i];
}

static void
tokens_forward (TfTrainer *t,
                int        n)
{
  TfModel *m = t->model;
  const TfConfig *c = &m->config;
  int cw = c->stem_widths[2], d = c->embed_dim, T = tf_config_tokens (c), gg = T - 1;
  float *tok = tf_buf_get (&t->tok, (gsize) n * T * d);

  for (int i = 0; i < n; i++)
    {
      float *x = tok + (gsize) i * T * d;
      for (int q = 0; q < gg; q++)
        for (int k = 0; k < d; k++)
          x[(gsize) (q + 1) * d + k] = m->proj_b[k] + m->pos_embed[(gsize) (q + 1) * d + k];
      tf_gemm (TRUE, TRUE, gg, d, cw, 1.0f, t->fw.data + (gsize) i * gg, n * gg, m->proj_w, cw, 1.0f, x + d, d);
      for (int k = 0; k < d; k++)
        x[k] = m->cls_token[k] + m->pos_embed[k];
    }
}

static void
encoder_forward (TfTrainer *t,
                 int        n,
                 const int *msad)
{
  TfModel *m = t->model;
  const TfConfig *c = &m->config;
  int D = c->embed_dim, T = tf_config_tokens (c), H = c->heads, L = c->depth, hid = tf_config_hidden (c);
  int rows = n * T;
  float *x = t->tok.data;

  for (int l = 0; l < L; l++)
    {
      TfBlockParams *p = &m->blocks[l];
      BlockCache *bc = &t->blocks[l];
      float *stats = tf_buf_get (&bc->stats, 4 * (gsize) rows);
      float *mid = tf_buf_get (&bc->mid, (gsize) rows * D);
      AttnJob aj = { .t = t, .bc = bc, .p = p, .msad = msad, .nseq = n, .l = l, .T = T, .D = D, .H = H, .L = L };

      memcpy (tf_buf_get (&bc->x_in, (gsize) rows * D), x, sizeof (float) * rows * D);
      par_layernorm (t, tf_buf_get (&bc->ln1, (gsize) rows * D), stats, stats + rows, x, p->norm1_w, p->norm1_b,
                     rows, D);
      par_linear (t, tf_buf_get (&bc->qkv, (gsize) rows * 3 * D), bc->ln1.data, p->qkv_w, NULL, rows, D, 3 * D);
      tf_buf_get (&bc->att, (gsize) n * H * T * T);
      tf_buf_get (&bc->ao, (gsize) rows * D);
      tf_pool_run (t->pool, n * H, attention_forward_task, &aj);

      /* mid = x + proj(ao) */
      par_linear (t, mid, bc->ao.data, p->proj_w, p->proj_b, rows, D, D);
      for (gsize i = 0; i < (gsize) rows * D; i++)
        mid[i] += x[i];

      /* x = mid + fc2(gelu(fc1(ln2(mid)))) */
      par_layernorm (t, tf_buf_get (&bc->ln2, (gsize) rows * D), stats + 2 * rows, stats + 3 * rows, mid,
                     p->norm2_w, p->norm2_b, rows, D);
      par_linear (t, tf_buf_get (&bc->h, (gsize) rows * hid), bc->ln2.data, p->fc1_w, p->fc1_b, rows, D, hid);
      memcpy (tf_buf_get (&bc->g, (gsize) rows * hid), bc->h.data, sizeof (float) * rows * hid);
      tf_gelu_forward (bc->g.data, (gsize) rows * hid);
      par_linear (t, x, bc->g.data, p->fc2_w, p->fc2_b, rows, hid, D);
      for (gsize i = 0; i < (gsize) rows * D; i++)
        x[i] += mid[i];
    }
}

static void
head_forward (TfTrainer *t,
              int        n)
{
  TfModel *m = t->model;
  int D = m->config.embed_dim, T = tf_config_tokens (&m->config), K = m->config.num_classes;
  float *cls = tf_buf_get (&t->cls_ln, (gsize) n * D), *stats = tf_buf_get (&t->cls_stats, 2 * (gsize) n);
  float *x = tf_buf_get (&t->cls_x, (gsize) n * D);

  for (int i = 0; i < n; i++)
    memcpy (x + (gsize) i * D, t->tok.data + (gsize) i * T * D, sizeof (float) * D);
  tf_layernorm_forward (cls, stats, stats + n, x, m->norm_w, m->norm_b, n, D, (float) m->config.ln_eps);
  tf_linear_forward (tf_buf_get (&t->logits, (gsize) n * K), cls, m->head_w, m->head_b, n, D, K);
}

/* ---- backward ------------------------------------------------------------- */

/* From dlogits to the gradient of the residual stream leaving the last block. */
static void
head_backward (TfTrainer *t,
               int        n)
{
  TfModel *m = t->model;
  int D = m->config.embed_dim, T = tf_config_tokens (&m->config), K = m->config.num_classes;
  float *dcls_ln = tf_buf_get (&t->dln, (gsize) n * D);
  float *dtok = tf_buf_get (&t->dtok, (gsize) n * T * D);
  float *dx = g_new0 (float, (gsize) n * D);
  const float *stats = t->cls_stats.data;

  tf_linear_backward (dcls_ln, GRAD (t, m->head_w), GRAD (t, m->head_b), t->dlogits.data, t->cls_ln.data,
                      m->head_w, n, D, K, FALSE);
  tf_layernorm_backward (dx, GRAD (t, m->norm_w), GRAD (t, m->norm_b), dcls_ln, t->cls_x.data, m->norm_w,
                         stats, stats + n, n, D);
  memset (dtok, 0, sizeof (float) * n * T * D);
  for (int i = 0; i < n; i++)
    memcpy (dtok + (gsize) i * T * D, dx + (gsize) i * D, sizeof (float) * D);
  g_free (dx);
}

static void
encoder_backward (TfTrainer *t,
                  int        n,
                  const int *msad)
{
  TfModel *m = t->model;
  const TfConfig *c = &m->config;
  int D = c->embed_dim, T = tf_config_tokens (c), H = c->heads, L = c->depth, hid = tf_config_hidden (c);
  int rows = n * T;
  float *dres = t->dtok.data;    /* the residual stream's gradient, updated block by block */
  float *dh = tf_buf_get (&t->dh, (gsize) rows * hid);
  float *dln = tf_buf_get (&t->dln, (gsize) rows * D);
  float *dao = tf_buf_get (&t->dao, (gsize) rows * D);
  float *dqkv = tf_buf_get (&t->dqkv, (gsize) rows * 3 * D);

  for (int l = L - 1; l >= 0; l--)
    {
      TfBlockParams *p = &m->blocks[l];
      BlockCache *bc = &t->blocks[l];
      const float *stats = bc->stats.data;
      AttnJob aj = { .t = t, .bc = bc, .p = p, .msad = msad, .dao = dao, .dqkv = dqkv,
                     .nseq = n, .l = l, .T = T, .D = D, .H = H, .L = L };

      /* MLP: dres flows to mid unchanged, and through fc2, GELU, fc1, LN2 */
      par_linear_backward (t, dh, GRAD (t, p->fc2_w), GRAD (t, p->fc2_b), dres, bc->g.data, p->fc2_w,
                           rows, hid, D, FALSE);
      tf_gelu_backward (dh, dh, bc->h.data, (gsize) rows * hid);
      par_linear_backward (t, dln, GRAD (t, p->fc1_w), GRAD (t, p->fc1_b), dh, bc->ln2.data, p->fc1_w,
                           rows, D, hid, FALSE);
      tf_layernorm_backward (dres, GRAD (t, p->norm2_w), GRAD (t, p->norm2_b), dln, bc->mid.data, p->norm2_w,
                             stats + 2 * rows, stats + 3 * rows, rows, D);

      /* attention: dres flows to x_in unchanged, and through proj, heads, qkv, LN1 */
      par_linear_backward (t, dao, GRAD (t, p->proj_w), GRAD (t, p->proj_b), dres, bc->ao.data, p->proj_w,
                           rows, D, D, FALSE);
      tf_pool_run (t->pool, n * H, attention_backward_task, &aj);
      par_linear_backward (t, dln, GRAD (t, p->qkv_w), NULL, dqkv, bc->ln1.data, p->qkv_w, rows, D, 3 * D, FALSE);
      tf_layernorm_backward (dres, GRAD (t, p->norm1_w), GRAD (t, p->norm1_b), dln, bc->x_in.data, p->norm1_w,
                             stats, stats + rows, rows, D);
    }
}

/* From the tokens' gradient to the stem output's, through the projection,
 * the feature weighting, MAD's max and the LANets. */
static void
lanets_tokens_backward (TfTrainer            *t,
                        int                   n,
                        const TfTrainOptions *opt)
{
  TfModel *m = t->model;
  const TfConfig *c = &m->config;
  int cw = c->stem_widths[2], hl = cw / c->lanet_reduction, D = c->embed_dim;
  int T = tf_config_tokens (c), gg = T - 1;
  gsize cols = (gsize) n * gg;
  const float *dtok = t->dtok.data, *feat = t->units[m->n_units - 1].out.data, *amax = t->amax.data;
  float *dfw = tf_buf_get (&t->dfw, cw * cols), *dfeat = tf_buf_get (&t->dfeat, cw * cols);
  float *damax = tf_buf_get (&t->damax, cols);
  const int *arg = (const int *) (void *) t->argmax->data;

  /* tokens: class token, positions, projection */
  for (int i = 0; i < n; i++)
    {
      const float *dx = dtok + (gsize) i * T * D;
      for (int k = 0; k < D; k++)
        GRAD (t, m->cls_token)[k] += dx[k];
      for (gsize q = 0; q < (gsize) T * D; q++)
        GRAD (t, m->pos_embed)[q] += dx[q];
      for (int q = 1; q < T; q++)
        for (int k = 0; k < D; k++)
          GRAD (t, m->proj_b)[k] += dx[(gsize) q * D + k];
      /* dFw[:, i] = proj_w^T dtok_i^T; dproj_w += dtok_i^T Fw_i^T */
      tf_gemm (TRUE, TRUE, cw, gg, D, 1.0f, m->proj_w, cw, dx + D, D, 0.0f, dfw + (gsize) i * gg, (int) cols);
      tf_gemm (TRUE, TRUE, D, cw, gg, 1.0f, dx + D, D, t->fw.data + (gsize) i * gg, (int) cols, 1.0f,
               GRAD (t, m->proj_w), cw);
    }

  /* Fw = F amax: to F directly, and to the map that won the max */
  memset (damax, 0, sizeof (float) * cols);
  for (int ch = 0; ch < cw; ch++)
    for (gsize i = 0; i < cols; i++)
      {
        dfeat[ch * cols + i] = dfw[ch * cols + i] * amax[i];
        damax[i] += dfw[ch * cols + i] * feat[ch * cols + i];
      }

  for (int b = 0; b < c->lanets; b++)
    {
      TfLanetParams *p = &m->lanets[b];
      LanetCache *lc = &t->lanets[b];
      const float *stats = lc->stats.data;
      float *dmap = tf_buf_get (&t->dmap, cols), *dz = tf_buf_get (&t->dz, cols);
      float *dh = tf_buf_get (&t->dlan_h, hl * cols), *dh2 = tf_buf_get (&t->dlan_hpre, hl * cols);

      for (gsize i = 0; i < cols; i++)
        dmap[i] = arg[i] == b ? damax[i] : 0.0f;
      tf_sigmoid_backward (dmap, dmap, lc->map.data, cols);
      bn_backward (t, dz, dmap, lc->z_pre.data, stats + 2 * hl, p->bn2, 1, cols, opt);
      /* z = w2 h_act + b2 */
      for (gsize i = 0; i < cols; i++)
        GRAD (t, p->conv2_b)[0] += dz[i];
      tf_gemm (FALSE, TRUE, 1, hl, (int) cols, 1.0f, dz, (int) cols, lc->h_act.data, (int) cols, 1.0f,
               GRAD (t, p->conv2_w), hl);
      tf_gemm (TRUE, FALSE, hl, (int) cols, 1, 1.0f, p->conv2_w, hl, dz, (int) cols, 0.0f, dh, (int) cols);
      tf_relu_backward (dh, dh, lc->h_bn.data, hl * cols);
      bn_backward (t, dh2, dh, lc->h_pre.data, stats, p->bn1, hl, cols, opt);
      /* h_pre = W1 F + b1 */
      for (int k = 0; k < hl; k++)
        {
          double s = 0;
          for (gsize i = 0; i < cols; i++)
            s += dh2[k * cols + i];
          GRAD (t, p->conv1_b)[k] += (float) s;
        }
      tf_gemm (FALSE, TRUE, hl, cw, (int) cols, 1.0f, dh2, (int) cols, feat, (int) cols, 1.0f,
               GRAD (t, p->conv1_w), cw);
      tf_gemm (TRUE, FALSE, cw, (int) cols, hl, 1.0f, p->conv1_w, cw, dh2, (int) cols, 1.0f, dfeat, (int) cols);
    }
}

/* The side of unit @u's input: the stem halves the size at each stride. */
static int
unit_input_size (const TfModel *m,
                 int            u)
{
  int size = m->config.input_size;

  for (int k = 0; k < u; k++)
    size = (size - 1) / m->units[k].stride + 1;
  return size;
}

static void
stem_backward (TfTrainer            *t,
               int                   n,
               const TfTrainOptions *opt)
{
  TfModel *m = t->model;
  const TfConfig *c = &m->config;
  int s = c->input_size, w0 = c->stem_widths[0];
  gsize most = (gsize) MAX (MAX (w0, c->stem_widths[1]), c->stem_widths[2]) * n * s * s;
  float *dx_in = tf_buf_get (&t->dunit_in, most), *dp1 = tf_buf_get (&t->dbranch, most);
  float *dc = tf_buf_get (&t->dbn, most);
  float *pingpong[2] = { tf_buf_get (&t->dunit_out[0], most), tf_buf_get (&t->dunit_out[1], most) };
  float *dx = t->dfeat.data;   /* gradient of the current unit's output */
  int free_buf = 0;            /* the ping-pong buffer not holding dx */

  for (int u = m->n_units - 1; u >= 0; u--)
    {
      TfUnitParams *p = &m->units[u];
      UnitCache *uc = &t->units[u];
      int in_size = unit_input_size (m, u), size = (in_size - 1) / p->stride + 1;
      gsize in_len = (gsize) n * in_size * in_size, out_len = (gsize) n * size * size;
      const float *x = u > 0 ? t->units[u - 1].out.data : t->x0.data;
      const float *stats = uc->stats.data, *st0 = stats, *st4 = stats + 2 * p->in, *stsc = st4 + 2 * p->out;
      float *spare = pingpong[free_buf];

      /* residual branch: BN4, conv2, PReLU, conv1, BN0 */
      bn_backward (t, dc, dx, uc->c2.data, st4, p->bn4, p->out, out_len, opt);
      tf_conv2d_backward (dp1, GRAD (t, p->conv2), dc, uc->p1.data, p->conv2, t->pool,
                          n, p->out, in_size, in_size, p->out, 3, p->stride, 1);
      tf_prelu_backward (dp1, GRAD (t, p->prelu), dp1, uc->c1.data, p->prelu, p->out, in_len);
      tf_conv2d_backward (dc, GRAD (t, p->conv1), dp1, uc->a0.data, p->conv1, t->pool,
                          n, p->in, in_size, in_size, p->out, 3, 1, 1);
      bn_backward (t, dx_in, dc, x, st0, p->bn0, p->in, in_len, opt);

      /* shortcut branch, added to the input gradient */
      if (p->sc_conv)
        {
          bn_backward (t, dc, dx, uc->sc.data, stsc, p->sc_bn, p->out, out_len, opt);
          tf_conv2d_backward (spare, GRAD (t, p->sc_conv), dc, x, p->sc_conv, t->pool,
                              n, p->in, in_size, in_size, p->out, 1, p->stride, 0);
          for (gsize i = 0; i < p->in * in_len; i++)
            dx_in[i] += spare[i];
        }
      else if (p->stride != 1)
        tf_subsample_backward (dx_in, dx, p->in, n, in_size, in_size, p->stride);
      else
        for (gsize i = 0; i < p->in * in_len; i++)
          dx_in[i] += dx[i];

      /* this unit's input gradient is the previous unit's output gradient */
      memcpy (spare, dx_in, sizeof (float) * p->in * in_len);
      dx = spare;
      free_buf ^= 1;
    }

  /* input layer: PReLU, BN, conv (no input gradient needed) */
  {
    gsize len = (gsize) n * s * s;
    tf_prelu_backward (dp1, GRAD (t, m->in_prelu), dx, t->xb0.data, m->in_prelu, w0, len);
    bn_backward (t, dc, dp1, t->c0.data, t->in_stats.data, m->in_bn, w0, len, opt);
    tf_conv2d_backward (NULL, GRAD (t, m->in_conv), dc, t->input.data, m->in_conv, t->pool, n, 3, s, s, w0, 3, 1, 1);
  }
}

/* ---- the step -------------------------------------------------------------- */

gboolean
tf_trainer_step (TfTrainer            *t,
                 const float          *input,
                 const float          *targets,
                 int                   n,
                 const TfTrainOptions *opt,
                 double               *loss,
                 GError              **error)
{
  TfModel *m;
  const TfConfig *c;
  int L, K, *mad, *msad;
  gint64 t0;

  g_return_val_if_fail (t != NULL && input != NULL && targets != NULL && opt != NULL, FALSE);
  m = t->model;
  c = &m->config;
  L = c->depth;
  K = c->num_classes;

  if (n < 1 || n > 4096)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_INPUT, "batch of %d faces: it must hold 1 to 4096", n);
      return FALSE;
    }
  if (opt->bn_train && n < 2)
    {
      g_set_error_literal (error, TF_ERROR, TF_ERROR_INPUT,
                           "BatchNorm on batch statistics needs at least 2 faces in a batch");
      return FALSE;
    }
  if (opt->drop && opt->rng == NULL && (!opt->force_mad || !opt->force_msad))
    {
      g_set_error_literal (error, TF_ERROR, TF_ERROR_INPUT, "MAD and MSAD need a random generator");
      return FALSE;
    }

  /* masks: forced, drawn, or none */
  g_array_set_size (t->mad, n);
  g_array_set_size (t->msad, (guint) n * L);
  mad = (int *) (void *) t->mad->data;
  msad = (int *) (void *) t->msad->data;
  if (opt->force_mad)
    memcpy (mad, opt->force_mad, sizeof (int) * n);
  else
    tf_mad_draw (mad, n, c->lanets, c->mad_p, opt->drop, opt->rng);
  if (opt->force_msad)
    memcpy (msad, opt->force_msad, sizeof (int) * n * L);
  else
    tf_msad_draw (msad, n, L, c->heads, c->msad_p, opt->drop, opt->rng);
  for (int i = 0; i < n * L; i++)
    if (msad[i] < -1 || msad[i] >= c->heads || (i < n && (mad[i] < -1 || mad[i] >= c->lanets)))
      {
        g_set_error_literal (error, TF_ERROR, TF_ERROR_INPUT, "a forced MAD or MSAD choice is out of range");
        return FALSE;
      }

  t->n = n;
  t0 = g_get_monotonic_time ();
  stem_forward (t, input, n, opt);
  lanets_forward (t, n, mad, opt);
  tokens_forward (t, n);
  encoder_forward (t, n, msad);
  head_forward (t, n);
  t->times.forward = (g_get_monotonic_time () - t0) / 1e6;

  t0 = g_get_monotonic_time ();
  memset (t->grads, 0, sizeof (float) * m->n_params);
  *loss = tf_softmax_ce_forward_backward (tf_buf_get (&t->dlogits, (gsize) n * K), t->logits.data, targets, n, K,
                                          opt->label_smoothing);
  head_backward (t, n);
  if (opt->backward != TF_BACKWARD_HEAD)
    {
      encoder_backward (t, n, msad);
      lanets_tokens_backward (t, n, opt);
      if (opt->backward == TF_BACKWARD_ALL)
        stem_backward (t, n, opt);
    }
  t->times.backward = (g_get_monotonic_time () - t0) / 1e6;
  return TRUE;
}
