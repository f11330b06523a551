/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The inference forward: BatchNorm folded into the convs, the stem run in
 * chunks of images, the encoder's rows and heads split over the pool, and
 * the probes (attention, head contributions, rollout, ablation) on demand.
 *
 * Shapes, in the model's letters:
 *   N  faces in the batch; Nc those of one stem chunk
 *   S  input side (112)
 *   C  channels (Ci, Co: a stem unit's input and output; C alone after the
 *      stem: its last width)
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
#include "tf-engine.h"
#include "tf-error.h"
#include "tf-buf.h"
#include "tf-ops.h"
#include "tf-parallel.h"

/* The stem runs over chunks of images so that its activations stay within
 * this budget however large the batch. */
#define STEM_BUDGET_FLOATS (12u << 20)

struct _TfEngine
{
  TfModel      *model;            /* borrowed: outlives the engine */
  TfPool       *pool;

  /* the stem, for one chunk of images; each sized for its largest layer */
  TfBuf         x;               /* (Ci, Nc, H, W): a unit's input; at the end the stem's output (C, Nc, G, G) */
  TfBuf         r1;              /* (Co, Nc, H, W): PReLU(conv1(BN0(x))), conv2's input */
  TfBuf         y;               /* (Co, Nc, Ho, Wo): a unit's output, then swapped with x;
                                  * first the chunk's input, (3, Nc, S, S) */
  TfBuf         sc;              /* (Co, Nc, Ho, Wo): the shortcut branch's output */
  /* all images */
  TfBuf         feat;            /* (C, N, GG): the stem's output, then weighted in place by amax */
  TfBuf         lan_h;           /* (R, N GG): one LANet's hidden activation */
  TfBuf         lan_m;           /* (B, N GG): the LANets' maps */
  TfBuf         amax;            /* (N GG): their max after MAD */
  TfBuf         fold;            /* folded BatchNorms, recomputed every forward (cheap; weights may
                                  * train): the stem's (4, max C) scale, shift pairs, or a LANet's
                                  * (2 R + 2) */
  /* the encoder, over N sequences (Hh in the ablation) */
  TfBuf         tok;             /* (N, T, D): the residual stream */
  TfBuf         ln;              /* (N T, D): a LayerNorm's output; the head's (N, D) class tokens */
  TfBuf         qkv;             /* (N T, 3 D): q | k | v, head h at columns h D / Hh of each */
  TfBuf         ao;              /* (N T, D): the heads' outputs side by side, proj's input */
  TfBuf         hid;             /* (N T, F): fc1's output, GELU in place, fc2's input */
  TfBuf         att;             /* (N, Hh, T, T): every head's softmax weights, for the rollout */
  TfBuf         roll;            /* (N, T, T): the rollout product so far */
  TfBuf         block_in;        /* (N, L, T, D): each block's input, for the ablation */
  TfBuf         ab_tok;          /* (Hh, T, D): the ablation's residual stream, one variant a head */
  TfBuf         ab_logits;       /* (Hh, K): the ablation's logits (at least D floats) */
  /* outputs */
  TfBuf         logits;          /* (N, K) */
  TfBuf         probs;           /* (N, K) */
  TfBuf         maps;            /* (N, B, GG) */
  TfBuf         mmax;            /* (N, GG) */
  TfBuf         cls_attn;        /* (N, L, Hh, T): the class token's attention */
  TfBuf         contrib;         /* (N, L, Hh): the heads' contributions */
  TfBuf         rollout;         /* (N, GG) */
  TfBuf         ablation;        /* (N, L, Hh, K): probabilities with one head dropped */
  GArray       *mad;             /* int (N): the LANet each face drops, -1 none */
  GArray       *msad;            /* int (N, L): the head each face drops in each block, -1 none */
  GArray       *ab_drop;         /* int (Hh, L): the ablation's MSAD choices */
  TfBuf         mirror_in;       /* (2 N, 3, S, S): the faces, then their mirror images */

  TfStageTimes  times;
};

TfEngine *
tf_engine_new (TfModel *model)
{
  TfEngine *e;

  g_return_val_if_fail (model != NULL, NULL);

  e = g_new0 (TfEngine, 1);
  e->model = model;
  e->pool = tf_pool_new (tf_get_threads ());
  e->mad = g_array_new (FALSE, TRUE, sizeof (int));
  e->msad = g_array_new (FALSE, TRUE, sizeof (int));
  e->ab_drop = g_array_new (FALSE, TRUE, sizeof (int));
  return e;
}

void
tf_engine_free (TfEngine *e)
{
  TfBuf *bufs[] = { &e->x, &e->r1, &e->y, &e->sc, &e->feat, &e->lan_h, &e->lan_m,
                  &e->amax, &e->fold, &e->tok, &e->ln, &e->qkv, &e->ao, &e->hid, &e->att,
                  &e->roll, &e->block_in, &e->ab_tok, &e->ab_logits,
                  &e->logits, &e->probs, &e->maps, &e->mmax, &e->cls_attn, &e->contrib,
                  &e->rollout, &e->ablation, &e->mirror_in };

  if (e == NULL)
    return;
  tf_pool_free (e->pool);
  for (guint i = 0; i < G_N_ELEMENTS (bufs); i++)
    tf_buf_clear (bufs[i]);
  g_array_unref (e->mad);
  g_array_unref (e->msad);
  g_array_unref (e->ab_drop);
  g_free (e);
}

void
tf_engine_get_times (TfEngine     *e,
                     TfStageTimes *times)
{
  g_return_if_fail (e != NULL && times != NULL);
  *times = e->times;
}

static double
now (void)
{
  return g_get_monotonic_time () / 1e6;
}

/* ---- stem ------------------------------------------------------------- */

/* The largest activation of one image, in floats, over the stem's layers. */
static gsize
stem_floats_per_image (const TfModel *m)
{
  gsize size = m->config.input_size, most = (gsize) MAX (3, m->config.stem_widths[0]) * size * size;

  for (int u = 0; u < m->n_units; u++)
    {
      const TfUnitParams *p = &m->units[u];
      most = MAX (most, (gsize) MAX (p->in, p->out) * size * size);
      size = (size - 1) / p->stride + 1;
    }
  return most;
}

/* Runs the IR stem over @nc images of @input ([nc][3][S][S]) and writes the
 * feature map into feat [C][n_total][g*g] at image offset @n0. */
static void
stem_forward (TfEngine    *e,
              const float *input,
              int          nc,
              int          n0,
              int          n_total)
{
  const TfModel *m = e->model;
  const TfConfig *c = &m->config;
  int s = c->input_size, w0 = c->stem_widths[0], g = tf_config_grid (c);
  gsize per = stem_floats_per_image (m) * nc;
  float *x = tf_buf_get (&e->x, per), *r1 = tf_buf_get (&e->r1, per);
  float *y = tf_buf_get (&e->y, per), *sc = tf_buf_get (&e->sc, per);
  int wmax = MAX (MAX (w0, c->stem_widths[1]), c->stem_widths[2]);
  float *fold = tf_buf_get (&e->fold, (gsize) wmax * 4);
  float *s0 = fold, *t0 = fold + wmax, *s1 = fold + 2 * wmax, *t1 = fold + 3 * wmax;
  float eps = (float) c->bn_eps;
  int size = s;

  /* NCHW -> CNHW; y holds the transposed input */
  for (int b = 0; b < nc; b++)
    for (int ch = 0; ch < 3; ch++)
      memcpy (y + ((gsize) ch * nc + b) * s * s, input + ((gsize) b * 3 + ch) * s * s,
              sizeof (float) * s * s);

  tf_bn_fold (s0, t0, m->in_bn, NULL, w0, eps);
  tf_conv2d_forward (x, y, m->in_conv, NULL, NULL,
                     &(TfEpilogue) { .scale = s0, .shift = t0, .act = TF_ACT_PRELU, .slope = m->in_prelu },
                     e->pool, nc, 3, s, s, w0, 3, 1, 1);

  for (int u = 0; u < m->n_units; u++)
    {
      const TfUnitParams *p = &m->units[u];
      int os = (size - 1) / p->stride + 1;
      float *tmp;

      /* shortcut first: the second conv adds it in its epilogue */
      if (p->sc_conv)
        {
          tf_bn_fold (s1, t1, p->sc_bn, NULL, p->out, eps);
          tf_conv2d_forward (sc, x, p->sc_conv, NULL, NULL,
                             &(TfEpilogue) { .scale = s1, .shift = t1 },
                             e->pool, nc, p->in, size, size, p->out, 1, p->stride, 0);
        }
      else if (p->stride != 1)
        tf_subsample (sc, x, p->in, nc, size, size, p->stride);

      /* res = BN4(conv2(PReLU(conv1(BN0(x))))), BN0 applied while unfolding */
      tf_bn_fold (s0, t0, p->bn0, NULL, p->in, eps);
      tf_conv2d_forward (r1, x, p->conv1, s0, t0,
                         &(TfEpilogue) { .act = TF_ACT_PRELU, .slope = p->prelu },
                         e->pool, nc, p->in, size, size, p->out, 3, 1, 1);
      tf_bn_fold (s0, t0, p->bn4, NULL, p->out, eps);
      tf_conv2d_forward (y, r1, p->conv2, NULL, NULL,
                         &(TfEpilogue) { .scale = s0, .shift = t0,
                                         .residual = p->sc_conv || p->stride != 1 ? sc : x },
                         e->pool, nc, p->out, size, size, p->out, 3, p->stride, 1);

      tmp = x, x = y, y = tmp;
      size = os;
    }

  g_assert (size == g);
  /* x [C][nc][g g] -> feat [C][n_total][g g] at n0 */
  for (int ch = 0; ch < c->stem_widths[2]; ch++)
    memcpy (e->feat.data + ((gsize) ch * n_total + n0) * g * g, x + (gsize) ch * nc * g * g,
            sizeof (float) * nc * g * g);
}

/* ---- local attention networks ----------------------------------------- */

static void
lanets_forward (TfEngine *e,
                int       n,
                const int *mad)
{
  const TfModel *m = e->model;
  const TfConfig *c = &m->config;
  int cw = c->stem_widths[2], hl = cw / c->lanet_reduction, gg = tf_config_grid (c) * tf_config_grid (c);
  gsize cols = (gsize) n * gg;
  float *h = tf_buf_get (&e->lan_h, hl * cols), *maps = tf_buf_get (&e->lan_m, c->lanets * cols);
  float *amax = tf_buf_get (&e->amax, cols);
  float *fold = tf_buf_get (&e->fold, (gsize) hl * 2 + 2);
  float *feat = e->feat.data;

  for (int b = 0; b < c->lanets; b++)
    {
      const TfLanetParams *p = &m->lanets[b];
      float *mb = maps + b * cols;

      tf_gemm (FALSE, FALSE, hl, (int) cols, cw, 1.0f, p->conv1_w, cw, feat, (int) cols, 0.0f, h, (int) cols);
      tf_bn_fold (fold, fold + hl, p->bn1, p->conv1_b, hl, (float) c->bn_eps);
      tf_channel_epilogue (h, hl, cols, cols, fold, fold + hl, TF_ACT_RELU, NULL, NULL);
      tf_gemm (FALSE, FALSE, 1, (int) cols, hl, 1.0f, p->conv2_w, hl, h, (int) cols, 0.0f, mb, (int) cols);
      tf_bn_fold (fold, fold + 1, p->bn2, p->conv2_b, 1, (float) c->bn_eps);
      tf_channel_epilogue (mb, 1, cols, cols, fold, fold + 1, TF_ACT_SIGMOID, NULL, NULL);
    }

  /* MAD zeroes one map of a sample (training only); then max over maps */
  tf_mad_max_forward (amax, maps, mad, n, c->lanets, gg);

  /* features weighted by the aggregated map, broadcast over channels */
  for (int ch = 0; ch < cw; ch++)
    {
      float *row = feat + ch * cols;
      for (gsize j = 0; j < cols; j++)
        row[j] *= amax[j];
    }
}

/* ---- projection and tokens -------------------------------------------- */

static void
tokens_forward (TfEngine *e,
                float    *tok,
                int       n)
{
  const TfModel *m = e->model;
  const TfConfig *c = &m->config;
  int cw = c->stem_widths[2], d = c->embed_dim, t = tf_config_tokens (c), gg = t - 1;

  for (int i = 0; i < n; i++)
    {
      float *x = tok + (gsize) i * t * d;

      /* patch tokens: feat[:, i, :]^T [gg][C] @ proj_w^T [C][D] */
      for (int p = 0; p < gg; p++)
        for (int j = 0; j < d; j++)
          x[(gsize) (p + 1) * d + j] = m->proj_b[j] + m->pos_embed[(gsize) (p + 1) * d + j];
      tf_gemm (TRUE, TRUE, gg, d, cw, 1.0f, e->feat.data + (gsize) i * gg, n * gg,
               m->proj_w, cw, 1.0f, x + d, d);
      for (int j = 0; j < d; j++)
        x[j] = m->cls_token[j] + m->pos_embed[j];
    }
}

/* ---- encoder ----------------------------------------------------------- */

typedef struct
{
  const int    *drop;        /* [nseq][L]: head zeroed before the projection, -1 none; or NULL */
  TfProbeFlags  probes;      /* ATTENTION and ROLLOUT are honoured */
  TfOutputs    *out;         /* probe destination, sequence i -> out index i */
  float        *block_in;    /* [nseq][L][T][D]: saves each block's input when not NULL */
} EncoderRun;

/* One block's state, shared by the tasks that split it. */
typedef struct
{
  TfEngine            *e;
  const EncoderRun    *run;
  const TfBlockParams *p;
  float               *tok, *ln, *qkv, *ao, *hid, *heads_att;
  int                  nseq, l, t, d, H, hd, hid_dim, L;
  float                eps;
} BlockJob;

/* rows of all sequences: ln = LN1(tok); qkv = ln Wqkv^T */
static void
block_qkv_task (int      task,
                int      n_tasks,
                int      thread,
                gpointer data)
{
  const BlockJob *j = data;
  gsize r0, r1;

  (void) thread;
  tf_split_range ((gsize) j->nseq * j->t, n_tasks, task, &r0, &r1);
  if (r1 == r0)
    return;
  tf_layernorm_forward (j->ln + r0 * j->d, NULL, NULL, j->tok + r0 * j->d, j->p->norm1_w, j->p->norm1_b,
                        (int) (r1 - r0), j->d, j->eps);
  tf_linear_forward (j->qkv + r0 * 3 * j->d, j->ln + r0 * j->d, j->p->qkv_w, NULL, (int) (r1 - r0), j->d, 3 * j->d);
}

/* one head of one sequence, with its probes */
static void
block_attention_task (int      task,
                      int      n_tasks,
                      int      thread,
                      gpointer data)
{
  const BlockJob *j = data;
  const EncoderRun *run = j->run;
  int i = task / j->H, h = task % j->H, t = j->t, d = j->d, hd = j->hd;
  float *o = j->ao + (gsize) i * t * d;
  float *att = j->heads_att ? j->heads_att + ((gsize) i * j->H + h) * t * t
                            : tf_pool_scratch (j->e->pool, thread, (gsize) t * t);
  int drop = run->drop ? run->drop[i * j->L + j->l] : -1;

  (void) n_tasks;
  tf_attention_head_forward (o, d, att, j->qkv + (gsize) i * t * 3 * d, t, d, j->H, h);

  /* MSAD: this head's output never reaches the projection */
  if (drop == h)
    tf_msad_forward (o, d, t, d, j->H, h);

  if (run->probes & TF_PROBE_ATTENTION)
    {
      gsize at = ((gsize) i * j->L + j->l) * j->H + h;
      const float *w = j->p->proj_w + h * hd, *oh = o + h * hd;
      double norm = 0;

      memcpy (run->out->cls_attn + at * t, att, sizeof (float) * t);
      /* the class token's update splits exactly into one term per head:
       * proj_w[:, head] o_head; its norm is normalised per block later */
      for (int r = 0; r < d; r++)
        {
          double acc = 0;
          for (int k = 0; k < hd; k++)
            acc += (double) w[(gsize) r * d + k] * oh[k];
          norm += acc * acc;
        }
      run->out->head_contrib[at] = (float) sqrt (norm);
    }
}

/* rows: tok += proj(ao) + b; tok += fc2(gelu(fc1(LN2(tok)))) */
static void
block_mlp_task (int      task,
                int      n_tasks,
                int      thread,
                gpointer data)
{
  const BlockJob *j = data;
  const TfBlockParams *p = j->p;
  int d = j->d, hid_dim = j->hid_dim;
  gsize r0, r1;
  int rows;
  float *tok, *ln, *hid;

  (void) thread;
  tf_split_range ((gsize) j->nseq * j->t, n_tasks, task, &r0, &r1);
  if (r1 == r0)
    return;
  rows = (int) (r1 - r0);
  tok = j->tok + r0 * d;
  ln = j->ln + r0 * d;
  hid = j->hid + r0 * hid_dim;

  for (int r = 0; r < rows; r++)
    for (int k = 0; k < d; k++)
      tok[(gsize) r * d + k] += p->proj_b[k];
  tf_gemm (FALSE, TRUE, rows, d, d, 1.0f, j->ao + r0 * d, d, p->proj_w, d, 1.0f, tok, d);

  tf_layernorm_forward (ln, NULL, NULL, tok, p->norm2_w, p->norm2_b, rows, d, j->eps);
  tf_linear_forward (hid, ln, p->fc1_w, p->fc1_b, rows, d, hid_dim);
  tf_gelu_forward (hid, (gsize) rows * hid_dim);
  for (int r = 0; r < rows; r++)
    for (int k = 0; k < d; k++)
      tok[(gsize) r * d + k] += p->fc2_b[k];
  tf_gemm (FALSE, TRUE, rows, d, hid_dim, 1.0f, hid, hid_dim, p->fc2_w, hid_dim, 1.0f, tok, d);
}

/* rollout, per sequence: A = 0.5 mean_h(att_h) + 0.5 I; R_l = A R_{l-1} */
static void
block_rollout_task (int      task,
                    int      n_tasks,
                    int      thread,
                    gpointer data)
{
  const BlockJob *j = data;
  int t = j->t, H = j->H;
  gsize tt = (gsize) t * t;
  float *a = tf_pool_scratch (j->e->pool, thread, 2 * tt), *prod = a + tt;
  float *r = j->e->roll.data + (gsize) task * tt;
  const float *att = j->heads_att + (gsize) task * H * tt;

  (void) n_tasks;
  for (gsize q = 0; q < tt; q++)
    {
      float sum = 0.0f;
      for (int h = 0; h < H; h++)
        sum += att[h * tt + q];
      a[q] = 0.5f * sum / H;
    }
  for (int q = 0; q < t; q++)
    a[(gsize) q * t + q] += 0.5f;
  if (j->l == 0)
    memcpy (r, a, sizeof (float) * tt);
  else
    {
      tf_gemm (FALSE, FALSE, t, t, t, 1.0f, a, t, r, t, 0.0f, prod, t);
      memcpy (r, prod, sizeof (float) * tt);
    }
}

static void
encoder_forward (TfEngine         *e,
                 float            *tok,
                 int               nseq,
                 int               l0,
                 const EncoderRun *run)
{
  const TfModel *m = e->model;
  const TfConfig *c = &m->config;
  int d = c->embed_dim, t = tf_config_tokens (c), L = c->depth, H = c->heads;
  gsize rows = (gsize) nseq * t;
  int threads = tf_pool_get_threads (e->pool);
  int row_tasks = (int) MIN ((gsize) threads, rows);
  gboolean want_attn = (run->probes & TF_PROBE_ATTENTION) != 0;
  gboolean want_roll = (run->probes & TF_PROBE_ROLLOUT) != 0;
  BlockJob j = {
    .e = e, .run = run, .tok = tok, .nseq = nseq, .t = t, .d = d, .H = H, .hd = d / H,
    .hid_dim = tf_config_hidden (c), .L = L, .eps = (float) c->ln_eps,
  };

  g_return_if_fail (!want_roll || l0 == 0);
  j.ln = tf_buf_get (&e->ln, rows * d);
  j.qkv = tf_buf_get (&e->qkv, rows * 3 * d);
  j.ao = tf_buf_get (&e->ao, rows * d);
  j.hid = tf_buf_get (&e->hid, rows * j.hid_dim);
  j.heads_att = want_roll ? tf_buf_get (&e->att, (gsize) nseq * H * t * t) : NULL;
  if (want_roll)
    tf_buf_get (&e->roll, (gsize) nseq * t * t);

  for (int l = l0; l < L; l++)
    {
      j.l = l;
      j.p = &m->blocks[l];

      if (run->block_in)
        for (int i = 0; i < nseq; i++)
          memcpy (run->block_in + ((gsize) i * L + l) * t * d, tok + (gsize) i * t * d, sizeof (float) * t * d);

      tf_pool_run (e->pool, row_tasks, block_qkv_task, &j);
      tf_pool_run (e->pool, nseq * H, block_attention_task, &j);
      if (want_roll)
        tf_pool_run (e->pool, nseq, block_rollout_task, &j);
      tf_pool_run (e->pool, row_tasks, block_mlp_task, &j);

      if (want_attn)
        for (int i = 0; i < nseq; i++)
          {
            float *cdst = run->out->head_contrib + ((gsize) i * L + l) * H;
            double total = 0;
            for (int h = 0; h < H; h++)
              total += cdst[h];
            for (int h = 0; h < H; h++)
              cdst[h] = total > 0 ? (float) (cdst[h] / total) : 0.0f;
          }
    }

  if (want_roll)
    for (int i = 0; i < nseq; i++)
      {
        const float *r0 = e->roll.data + (gsize) i * t * t;   /* the class token's row */
        float *dst = run->out->rollout + (gsize) i * (t - 1);
        double sum = 0;
        for (int q = 1; q < t; q++)
          sum += r0[q];
        for (int q = 1; q < t; q++)
          dst[q - 1] = sum > 0 ? (float) (r0[q] / sum) : 0.0f;
      }
}

/* Final LayerNorm on the class tokens only (the head reads nothing else),
 * then the linear head: logits [nseq][K]. */
static void
head_forward (TfEngine    *e,
              const float *tok,
              int          nseq,
              float       *logits)
{
  const TfModel *m = e->model;
  const TfConfig *c = &m->config;
  int d = c->embed_dim, t = tf_config_tokens (c);
  float *cls = tf_buf_get (&e->ln, (gsize) nseq * d);

  for (int i = 0; i < nseq; i++)
    tf_layernorm_forward (cls + (gsize) i * d, NULL, NULL, tok + (gsize) i * t * d,
                          m->norm_w, m->norm_b, 1, d, (float) c->ln_eps);
  tf_linear_forward (logits, cls, m->head_w, m->head_b, nseq, d, c->num_classes);
}

/* softmax(logits / T), T the model's calibration temperature: every
 * probability the engine hands out goes through here, the logits stay raw. */
static void
softmax_copy (float       *probs,         /* [rows][k] */
              const float *logits,        /* [rows][k] */
              int          rows,
              int          k,
              float        temperature)
{
  gsize n = (gsize) rows * k;

  memcpy (probs, logits, sizeof (float) * n);
  if (temperature != 1.0f)
    for (gsize i = 0; i < n; i++)
      probs[i] /= temperature;
  tf_softmax_rows (probs, rows, k);
}

/* ---- MAD / MSAD masks --------------------------------------------------- */

static gboolean
fill_masks (TfEngine                *e,
            int                      n,
            const TfForwardOptions  *opt,
            int                    **mad,
            int                    **msad,
            GError                 **error)
{
  const TfConfig *c = &e->model->config;
  int L = c->depth;
  gboolean training = opt && opt->training;

  if (training && !opt->rng && (!opt->force_mad || !opt->force_msad))
    {
      g_set_error_literal (error, TF_ERROR, TF_ERROR_INPUT, "training mode needs a random generator or forced masks");
      return FALSE;
    }
  g_array_set_size (e->mad, n);
  g_array_set_size (e->msad, (guint) n * L);
  *mad = (int *) (void *) e->mad->data;
  *msad = (int *) (void *) e->msad->data;

  if (opt && opt->force_mad)
    memcpy (*mad, opt->force_mad, sizeof (int) * n);
  else
    tf_mad_draw (*mad, n, c->lanets, c->mad_p, training, opt ? opt->rng : NULL);
  if (opt && opt->force_msad)
    memcpy (*msad, opt->force_msad, sizeof (int) * n * L);
  else
    tf_msad_draw (*msad, n, L, c->heads, c->msad_p, training, opt ? opt->rng : NULL);

  for (int i = 0; i < n; i++)
    {
      if ((*mad)[i] < -1 || (*mad)[i] >= c->lanets)
        {
          g_set_error (error, TF_ERROR, TF_ERROR_INPUT, "MAD choice %d for sample %d is not a LANet index",
                       (*mad)[i], i);
          return FALSE;
        }
      for (int l = 0; l < L; l++)
        if ((*msad)[i * L + l] < -1 || (*msad)[i * L + l] >= c->heads)
          {
            g_set_error (error, TF_ERROR, TF_ERROR_INPUT, "MSAD choice %d for sample %d block %d is not a head",
                         (*msad)[i * L + l], i, l);
            return FALSE;
          }
    }
  return TRUE;
}

static gboolean
any_set (const int *v,
         gsize      n)
{
  for (gsize i = 0; i < n; i++)
    if (v[i] >= 0)
      return TRUE;
  return FALSE;
}

/* ---- ablation ----------------------------------------------------------- */

/* For sample i and every block l and head h: the probabilities when only that
 * head is dropped. The blocks before l are unchanged, so each l restarts from
 * the saved input of block l, with the H variants as one batch. */
static void
ablation_forward (TfEngine  *e,
                  int        n,
                  float     *dst)
{
  const TfConfig *c = &e->model->config;
  int d = c->embed_dim, t = tf_config_tokens (c), L = c->depth, H = c->heads, K = c->num_classes;
  float *tok = tf_buf_get (&e->ab_tok, (gsize) H * t * d);
  float *logits = tf_buf_get (&e->ab_logits, MAX ((gsize) H * K, (gsize) d));
  int *drop;

  g_array_set_size (e->ab_drop, (guint) H * L);
  drop = (int *) (void *) e->ab_drop->data;

  for (int i = 0; i < n; i++)
    for (int l = 0; l < L; l++)
      {
        EncoderRun run = { .drop = drop, .probes = TF_PROBE_NONE };

        for (int h = 0; h < H; h++)
          {
            memcpy (tok + (gsize) h * t * d, e->block_in.data + ((gsize) i * L + l) * t * d,
                    sizeof (float) * t * d);
            for (int k = 0; k < L; k++)
              drop[h * L + k] = -1;
            drop[h * L + l] = h;
          }
        encoder_forward (e, tok, H, l, &run);
        head_forward (e, tok, H, logits);
        logits = tf_buf_get (&e->ab_logits, MAX ((gsize) H * K, (gsize) d));
        softmax_copy (dst + ((gsize) i * L + l) * H * K, logits, H, K, (float) e->model->temperature);
      }
}

/* ---- the whole forward -------------------------------------------------- */

/* The forward of @n faces, the ablation only of the first @n_ablate. */
static gboolean
forward (TfEngine               *e,
         const float            *input,
         int                     n,
         int                     n_ablate,
         TfProbeFlags            probes,
         const TfForwardOptions *opt,
         TfOutputs              *out,
         GError                **error)
{
  const TfModel *m;
  const TfConfig *c;
  int s, g, gg, t, d, L, H, K, B, chunk;
  int *mad, *msad;
  float *tok;
  double t0;
  EncoderRun run = { 0 };

  g_return_val_if_fail (e != NULL && input != NULL && out != NULL, FALSE);

  m = e->model;
  c = &m->config;
  s = c->input_size, g = tf_config_grid (c), gg = g * g, t = gg + 1;
  d = c->embed_dim, L = c->depth, H = c->heads, K = c->num_classes, B = c->lanets;

  if (n < 1 || n > 4096)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_INPUT, "batch of %d faces: it must hold 1 to 4096", n);
      return FALSE;
    }
  if (!fill_masks (e, n, opt, &mad, &msad, error))
    return FALSE;
  if ((probes & TF_PROBE_ABLATION) && (any_set (mad, n) || any_set (msad, (gsize) n * L)))
    {
      g_set_error_literal (error, TF_ERROR, TF_ERROR_INPUT,
                           "the ablation probe measures the model at inference: it cannot run with MAD or MSAD drops");
      return FALSE;
    }

  memset (&e->times, 0, sizeof e->times);
  memset (out, 0, sizeof *out);
  *out = (TfOutputs) { .n = n, .lanets = B, .grid = g, .tokens = t, .depth = L, .heads = H, .classes = K };

  /* stem, in chunks of images */
  t0 = now ();
  chunk = (int) CLAMP (STEM_BUDGET_FLOATS / (4 * stem_floats_per_image (m)), 1, (gsize) n);
  tf_buf_get (&e->feat, (gsize) c->stem_widths[2] * n * gg);
  for (int n0 = 0; n0 < n; n0 += chunk)
    {
      int nc = MIN (chunk, n - n0);
      stem_forward (e, input + (gsize) n0 * 3 * s * s, nc, n0, n);
    }
  e->times.stem = now () - t0;

  t0 = now ();
  lanets_forward (e, n, any_set (mad, n) ? mad : NULL);
  if (probes & TF_PROBE_MAPS)
    {
      float *maps = out->lanet_maps = tf_buf_get (&e->maps, (gsize) n * B * gg);
      out->lanet_max = tf_buf_get (&e->mmax, (gsize) n * gg);
      for (int i = 0; i < n; i++)
        for (int b = 0; b < B; b++)
          memcpy (maps + ((gsize) i * B + b) * gg, e->lan_m.data + (gsize) b * n * gg + (gsize) i * gg,
                  sizeof (float) * gg);
      memcpy (out->lanet_max, e->amax.data, sizeof (float) * n * gg);
    }
  e->times.lanets = now () - t0;

  t0 = now ();
  tok = tf_buf_get (&e->tok, (gsize) n * t * d);
  tokens_forward (e, tok, n);
  e->times.projection = now () - t0;

  t0 = now ();
  if (probes & TF_PROBE_ATTENTION)
    {
      out->cls_attn = tf_buf_get (&e->cls_attn, (gsize) n * L * H * t);
      out->head_contrib = tf_buf_get (&e->contrib, (gsize) n * L * H);
    }
  if (probes & TF_PROBE_ROLLOUT)
    out->rollout = tf_buf_get (&e->rollout, (gsize) n * gg);
  run.drop = any_set (msad, (gsize) n * L) ? msad : NULL;
  run.probes = probes;
  run.out = out;
  run.block_in = probes & TF_PROBE_ABLATION ? tf_buf_get (&e->block_in, (gsize) n * L * t * d) : NULL;
  /* the probes' own cost is part of the encoder here; the stage times say so */
  encoder_forward (e, tok, n, 0, &run);
  e->times.encoder = now () - t0;

  t0 = now ();
  out->logits = tf_buf_get (&e->logits, (gsize) n * K);
  out->probs = tf_buf_get (&e->probs, (gsize) n * K);
  head_forward (e, tok, n, out->logits);
  softmax_copy (out->probs, out->logits, n, K, (float) m->temperature);
  e->times.head = now () - t0;

  if (probes & TF_PROBE_ABLATION)
    {
      t0 = now ();
      out->ablation = tf_buf_get (&e->ablation, (gsize) n_ablate * L * H * K);
      ablation_forward (e, n_ablate, out->ablation);
      e->times.ablation = now () - t0;
    }

  out->mad_dropped = mad;
  out->msad_dropped = msad;
  return TRUE;
}

gboolean
tf_engine_forward (TfEngine               *e,
                   const float            *input,
                   int                     n,
                   TfProbeFlags            probes,
                   const TfForwardOptions *opt,
                   TfOutputs              *out,
                   GError                **error)
{
  return forward (e, input, n, n, probes, opt, out, error);
}

/* ---- the mirrored average ------------------------------------------------ */

void
tf_engine_mirror_inputs (float *x,        /* [n][3][s][s], mirrored in place */
                         int    n,
                         int    s)
{
  for (gsize row = 0; row < (gsize) n * 3 * s; row++)
    {
      float *r = x + row * s;
      for (int a = 0, b = s - 1; a < b; a++, b--)
        {
          float tmp = r[a];
          r[a] = r[b];
          r[b] = tmp;
        }
    }
}

gboolean
tf_engine_forward_mirrored (TfEngine      *e,
                            const float   *input,
                            int            n,
                            TfProbeFlags   probes,
                            TfOutputs     *out,
                            GError       **error)
{
  return tf_engine_forward_mirrored_dropped (e, input, n, probes, NULL, out, error);
}

gboolean
tf_engine_forward_mirrored_dropped (TfEngine      *e,
                                    const float   *input,
                                    int            n,
                                    TfProbeFlags   probes,
                                    const int     *force_mad,
                                    TfOutputs     *out,
                                    GError       **error)
{
  TfForwardOptions opt = { .training = FALSE };
  g_autofree int *mad2 = NULL;
  gsize per;
  float *both;
  int K;

  g_return_val_if_fail (e != NULL && input != NULL && out != NULL, FALSE);

  if (n < 1 || n > 2048)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_INPUT, "batch of %d faces: with their mirror images it must hold 1 to 2048", n);
      return FALSE;
    }
  /* one call over the faces and their mirror images: the stem's GEMMs are
   * twice as wide, which costs less than two calls on small batches */
  per = (gsize) 3 * e->model->config.input_size * e->model->config.input_size;
  both = tf_buf_get (&e->mirror_in, 2 * n * per);
  memcpy (both, input, sizeof (float) * n * per);
  memcpy (both + n * per, input, sizeof (float) * n * per);
  tf_engine_mirror_inputs (both + n * per, n, e->model->config.input_size);
  if (force_mad != NULL)
    {
      /* each mirror image drops the map its face drops */
      mad2 = g_new (int, 2 * n);
      memcpy (mad2, force_mad, sizeof (int) * n);
      memcpy (mad2 + n, force_mad, sizeof (int) * n);
      opt.force_mad = mad2;
    }
  if (!forward (e, both, 2 * n, n, probes, force_mad != NULL ? &opt : NULL, out, error))
    return FALSE;
  /* rows 0..n-1 of every probe array are the faces as given; the mirrored
   * rows after them are left unread */
  K = out->classes;
  for (gsize i = 0; i < (gsize) n * K; i++)
    {
      out->logits[i] = 0.5f * (out->logits[i] + out->logits[(gsize) n * K + i]);
      out->probs[i] = 0.5f * (out->probs[i] + out->probs[(gsize) n * K + i]);
    }
  out->n = n;
  return TRUE;
}
