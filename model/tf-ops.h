/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The model's kernels, llm.c style: plain functions over raw float arrays,
 * each layer's forward declared beside its backward, the shape of every
 * array argument written down in the kernel's own dimension names.
 * Optimised kernels have a naive twin (tf_*_naive) that the tests compare
 * against. One source file per family, named in each heading below.
 *
 * Activations are channel-major, "CNHW": (c, n, h, w), so that one GEMM
 * covers the whole batch; a (c, m) array is the same with m = n h w.
 * Token rows are (n, c): n rows of c features.
 * Convention for backwards: parameter gradients are accumulated (+=); an
 * input gradient is written (=) unless the comment says it is accumulated. */
#pragma once

#include <glib.h>
#include <stddef.h>

#include "tf-parallel.h"

G_BEGIN_DECLS

/* ---- GEMM and threads (tf-ops.c) ------------------------------------------ */

/* Row-major C[M][N] = alpha * op(A) op(B) + beta * C, single-threaded: our own
 * AVX-512 kernel where the CPU has it and the product is not tiny (OpenBLAS
 * is held to its AVX2 kernels on some machines), OpenBLAS otherwise.
 * op(A) is (m, k), op(B) is (k, n), C is (m, n); rows lda, ldb, ldc apart. */
void tf_gemm                 (gboolean     trans_a,
                              gboolean     trans_b,
                              int          m,
                              int          n,
                              int          k,
                              float        alpha,
                              const float *a,         /* (m, k), or (k, m) when trans_a */
                              int          lda,
                              const float *b,         /* (k, n), or (n, k) when trans_b */
                              int          ldb,
                              float        beta,
                              float       *c,         /* (m, n) */
                              int          ldc);
void tf_gemm_naive           (gboolean     trans_a,
                              gboolean     trans_b,
                              int          m,
                              int          n,
                              int          k,
                              float        alpha,
                              const float *a,         /* (m, k), or (k, m) when trans_a */
                              int          lda,
                              const float *b,         /* (k, n), or (n, k) when trans_b */
                              int          ldb,
                              float        beta,
                              float       *c,         /* (m, n) */
                              int          ldc);
/* Threads for engines created afterwards; OpenBLAS itself is kept at one
 * thread, since the engine splits the work over its own pool. */
void tf_set_threads          (int          threads);
int  tf_get_threads          (void);

/* ---- activations and the loss (tf-ops-act.c) ------------------------------ */

typedef enum
{
  TF_ACT_NONE,
  TF_ACT_RELU,
  TF_ACT_PRELU,
  TF_ACT_SIGMOID,
} TfAct;

/* exp(x) within 2 ulp, the one softmax, the epilogue's sigmoid and GELU use. */
float tf_exp_approx          (float        x);

/* The inference form of BatchNorm + activation + residual, fused:
 * x = act(scale x + shift) + residual, where scale, shift and residual may
 * be NULL; slope is PReLU's. Rows ld apart, len used of each. */
void tf_channel_epilogue     (float       *x,         /* (c, len), in place */
                              int          c,
                              size_t       len,
                              size_t       ld,
                              const float *scale,     /* (c) */
                              const float *shift,     /* (c) */
                              TfAct        act,
                              const float *slope,     /* (c), PReLU only */
                              const float *residual); /* (c, len), rows ld apart */

/* PReLU with a slope per channel; inp is the pre-activation. */
void tf_prelu_forward        (float       *out,       /* (c, m) */
                              const float *inp,       /* (c, m) */
                              const float *slope,     /* (c) */
                              int          c,
                              size_t       m);
void tf_prelu_backward       (float       *dinp,      /* (c, m), =; may be dout */
                              float       *dslope,    /* (c), += */
                              const float *dout,      /* (c, m) */
                              const float *inp,       /* (c, m) */
                              const float *slope,     /* (c) */
                              int          c,
                              size_t       m);

/* out = max(inp, 0) */
void tf_relu_forward         (float       *out,       /* (n) */
                              const float *inp,       /* (n) */
                              size_t       n);
/* dinp = dout where inp > 0 (in place allowed) */
void tf_relu_backward        (float       *dinp,      /* (n), = */
                              const float *dout,      /* (n) */
                              const float *inp,       /* (n) */
                              size_t       n);

/* x = 1 / (1 + exp(-x)) with libm's expf (the training step's form; the
 * epilogue's TF_ACT_SIGMOID uses tf_exp_approx). */
void tf_sigmoid_forward      (float       *x,         /* (n), in place */
                              size_t       n);
/* dinp = dout out (1 - out), out the sigmoid's output (in place allowed) */
void tf_sigmoid_backward     (float       *dinp,      /* (n), = */
                              const float *dout,      /* (n) */
                              const float *out,       /* (n) */
                              size_t       n);

/* GELU in its erf form, x Phi(x) = 0.5 x (1 + erf(x / sqrt 2)), in place;
 * erf to 1.5e-7 (Abramowitz & Stegun 7.1.26), vectorised. The naive twin
 * calls libm's erf in double. */
void tf_gelu_naive           (float       *x,         /* (n), in place */
                              size_t       n);
void tf_gelu_forward         (float       *x,         /* (n), in place */
                              size_t       n);
/* dinp = dout GELU'(inp), GELU' = Phi(x) + x phi(x). In place allowed. */
void tf_gelu_backward        (float       *dinp,      /* (n), = */
                              const float *dout,      /* (n) */
                              const float *inp,       /* (n), GELU's input */
                              size_t       n);

/* Row-wise softmax in place. Its backward lives where it is used: inside
 * tf_attention_head_backward, and fused with the loss below. */
void tf_softmax_rows         (float       *x,         /* (rows, cols), in place */
                              int          rows,
                              int          cols);

/* Soft-target cross-entropy with label smoothing, averaged over the batch:
 * q = (1 - eps) target + eps / k; loss = mean_i -sum_j q_ij log softmax(logits_i)_j.
 * Writes the gradient of the mean loss and returns the loss. */
double tf_softmax_ce_forward_backward (float       *dlogits,   /* (n, k), = */
                                       const float *logits,    /* (n, k) */
                                       const float *targets,   /* (n, k), probabilities */
                                       int          n,
                                       int          k,
                                       float        smoothing);

/* ---- BatchNorm and LayerNorm (tf-ops-norm.c) ------------------------------ */

/* bn is PyTorch's four vectors, (4, c): weight, bias, running_mean, running_var. */

/* Inference BatchNorm as a per-channel affine y = scale x + shift, for
 * tf_channel_epilogue or a conv's in_scale/in_shift; a preceding conv bias
 * is folded in. */
void tf_bn_fold              (float       *scale,     /* (c) */
                              float       *shift,     /* (c) */
                              const float *bn,        /* (4, c) */
                              const float *conv_bias, /* (c), or NULL */
                              int          c,
                              float        eps);

/* BatchNorm, training form: out = (x - mean) rstd w + b with the batch mean
 * and biased variance; mean and rstd are kept for the backward. */
void tf_bn_train_forward     (float       *out,       /* (c, m) */
                              float       *mean,      /* (c) */
                              float       *rstd,      /* (c) */
                              const float *inp,       /* (c, m) */
                              const float *bn,        /* (4, c) */
                              int          c,
                              size_t       m,
                              float        eps,
                              TfPool      *pool);
/* With @train_stats the statistics are the batch's (mean, rstd, which the
 * gradient flows through); otherwise the running ones of @bn (with @eps),
 * constants, and mean/rstd are ignored. */
void tf_bn_backward          (float       *dinp,      /* (c, m), = */
                              float       *dbn,       /* (4, c): rows 0 and 1 +=, 2 and 3 untouched */
                              const float *dout,      /* (c, m) */
                              const float *inp,       /* (c, m) */
                              const float *mean,      /* (c) */
                              const float *rstd,      /* (c) */
                              const float *bn,        /* (4, c) */
                              int          c,
                              size_t       m,
                              float        eps,
                              gboolean     train_stats,
                              TfPool      *pool);
/* running = (1 - momentum) running + momentum batch, the variance unbiased
 * (m / (m - 1)), as PyTorch does. */
void tf_bn_update_running    (float       *bn,        /* (4, c): rows 2 and 3 updated */
                              const float *mean,      /* (c) */
                              const float *rstd,      /* (c) */
                              int          c,
                              size_t       m,
                              float        eps,
                              float        momentum);

/* LayerNorm over the last dimension. */
void tf_layernorm_forward    (float       *out,       /* (n, c) */
                              float       *mean,      /* (n), or NULL */
                              float       *rstd,      /* (n), or NULL */
                              const float *inp,       /* (n, c) */
                              const float *weight,    /* (c) */
                              const float *bias,      /* (c) */
                              int          n,
                              int          c,
                              float        eps);
/* dinp is accumulated: it sits on the residual stream. */
void tf_layernorm_backward   (float       *dinp,      /* (n, c), += */
                              float       *dweight,   /* (c), += */
                              float       *dbias,     /* (c), += */
                              const float *dout,      /* (n, c) */
                              const float *inp,       /* (n, c) */
                              const float *weight,    /* (c) */
                              const float *mean,      /* (n), from the forward */
                              const float *rstd,      /* (n), from the forward */
                              int          n,
                              int          c);

/* ---- convolution (tf-ops-conv.c) ------------------------------------------ */

/* What follows a conv, applied per output channel as each tile is done:
 * x = act(scale x + shift) + residual (any of them may be NULL/none); see
 * tf_channel_epilogue. */
typedef struct
{
  const float *scale;      /* (co) */
  const float *shift;      /* (co) */
  TfAct        act;
  const float *slope;      /* (co), PReLU */
  const float *residual;   /* (co, n, ho, wo), the output's layout */
} TfEpilogue;

/* Convolution over CNHW activations, so that one GEMM covers the whole
 * batch; ho = (h + 2 pad - k) / stride + 1, wo likewise.
 * in_scale/in_shift (may be NULL) apply an affine map to the input before
 * it is padded: a BatchNorm that precedes the conv. @epilogue may be NULL.
 * Output rows are split into tiles over @pool (NULL: serial), each tile
 * unfolded, multiplied and finished by one task. The naive twin has no
 * epilogue. */
void tf_conv2d_naive         (float       *out,       /* (co, n, ho, wo) */
                              const float *inp,       /* (ci, n, h, w) */
                              const float *weight,    /* (co, ci, k, k) */
                              const float *in_scale,  /* (ci), or NULL */
                              const float *in_shift,  /* (ci), or NULL */
                              int          n,
                              int          ci,
                              int          h,
                              int          w,
                              int          co,
                              int          k,
                              int          stride,
                              int          pad);
void tf_conv2d_forward       (float            *out,      /* (co, n, ho, wo) */
                              const float      *inp,      /* (ci, n, h, w) */
                              const float      *weight,   /* (co, ci, k, k) */
                              const float      *in_scale, /* (ci), or NULL */
                              const float      *in_shift, /* (ci), or NULL */
                              const TfEpilogue *epilogue,
                              TfPool           *pool,
                              int               n,
                              int               ci,
                              int               h,
                              int               w,
                              int               co,
                              int               k,
                              int               stride,
                              int               pad);
/* No input scale or epilogue: the training step keeps those layers apart.
 * Split over images on @pool: col2im of one image never touches another. */
void tf_conv2d_backward      (float       *dinp,      /* (ci, n, h, w), =; or NULL */
                              float       *dweight,   /* (co, ci, k, k), += */
                              const float *dout,      /* (co, n, ho, wo) */
                              const float *inp,       /* (ci, n, h, w), the forward's input */
                              const float *weight,    /* (co, ci, k, k) */
                              TfPool      *pool,
                              int          n,
                              int          ci,
                              int          h,
                              int          w,
                              int          co,
                              int          k,
                              int          stride,
                              int          pad);
/* Unfolds output rows [r0, r1) (row r = image r / ho, line r % ho) of a CNHW
 * input, zero where the kernel reads padding; in_scale/in_shift as for
 * tf_conv2d_forward. */
void tf_im2col_rows          (float       *col,       /* (ci k k, (r1 - r0) wo) */
                              const float *inp,       /* (ci, n, h, w) */
                              const float *in_scale,  /* (ci), or NULL */
                              const float *in_shift,  /* (ci), or NULL */
                              int          n,
                              int          ci,
                              int          h,
                              int          w,
                              int          k,
                              int          stride,
                              int          pad,
                              int          ho,
                              int          wo,
                              int          r0,
                              int          r1);

/* ---- depthwise convolution, the detector's (tf-ops-depthwise.c) ----------- */

/* Depthwise 3x3 convolution, stride 1, zero padding 1, over one image:
 * out = act(sum_ky,kx weight [c][ky][kx] inp [c][y+ky-1][x+kx-1] + bias [c]);
 * act is TF_ACT_NONE or TF_ACT_RELU. Channels and row bands are split over
 * @pool (NULL: serial). @out must not overlap @inp. Inference only: no
 * backward. */
void tf_depthwise3x3_naive   (float       *out,       /* (c, h, w) */
                              const float *inp,       /* (c, h, w) */
                              const float *weight,    /* (c, 3, 3) */
                              const float *bias,      /* (c), or NULL */
                              TfAct        act,
                              int          c,
                              int          h,
                              int          w);
void tf_depthwise3x3_forward (float       *out,       /* (c, h, w) */
                              const float *inp,       /* (c, h, w) */
                              const float *weight,    /* (c, 3, 3) */
                              const float *bias,      /* (c), or NULL */
                              TfAct        act,
                              TfPool      *pool,
                              int          c,
                              int          h,
                              int          w);
/* One output row of it, from the input rows above, at and below it: @above
 * or @below is NULL at the top or bottom edge (zero padding). */
void tf_depthwise3x3_row     (float       *out,       /* (w) */
                              const float *above,     /* (w), or NULL */
                              const float *row,       /* (w) */
                              const float *below,     /* (w), or NULL */
                              const float *weight,    /* (3, 3), this channel's */
                              float        bias,
                              TfAct        act,
                              int          w);

/* ---- subsampling (tf-ops-pool.c) ------------------------------------------ */

/* MaxPool2d(kernel 1, stride): every @stride-th pixel;
 * ho = (h - 1) / stride + 1, wo likewise. */
void tf_subsample            (float       *out,       /* (c, n, ho, wo) */
                              const float *inp,       /* (c, n, h, w) */
                              int          c,
                              int          n,
                              int          h,
                              int          w,
                              int          stride);
void tf_subsample_backward   (float       *dinp,      /* (c, n, h, w), += */
                              const float *dout,      /* (c, n, ho, wo) */
                              int          c,
                              int          n,
                              int          h,
                              int          w,
                              int          stride);

/* ---- linear and attention (tf-ops-attn.c) --------------------------------- */

/* Linear layer (PyTorch layout): out = inp weight^T + bias. */
void tf_linear_forward       (float       *out,       /* (n, oc) */
                              const float *inp,       /* (n, ic) */
                              const float *weight,    /* (oc, ic) */
                              const float *bias,      /* (oc), or NULL */
                              int          n,
                              int          ic,
                              int          oc);
/* dinp is written, or accumulated when @accumulate. */
void tf_linear_backward      (float       *dinp,      /* (n, ic), = or +=; or NULL */
                              float       *dweight,   /* (oc, ic), += */
                              float       *dbias,     /* (oc), +=; or NULL */
                              const float *dout,      /* (n, oc) */
                              const float *inp,       /* (n, ic) */
                              const float *weight,    /* (oc, ic) */
                              int          n,
                              int          ic,
                              int          oc,
                              gboolean     accumulate);

/* Multi-head self-attention core for one sequence of t tokens, heads of
 * hd = d / heads: qkv rows are q | k | v, head h at columns h hd of each;
 * out_h = softmax(q_h k_h^T / sqrt hd) v_h goes to columns h hd of out,
 * whose rows are ld_out apart; att receives the softmax weights. */
void tf_attention_naive      (float       *out,       /* (t, d), rows ld_out apart */
                              int          ld_out,
                              float       *att,       /* (heads, t, t) */
                              const float *qkv,       /* (t, 3 d) */
                              int          t,
                              int          d,
                              int          heads);
void tf_attention_forward    (float       *out,       /* (t, d), rows ld_out apart */
                              int          ld_out,
                              float       *att,       /* (heads, t, t) */
                              const float *qkv,       /* (t, 3 d) */
                              int          t,
                              int          d,
                              int          heads);
/* Head @h alone: columns h hd .. of out. */
void tf_attention_head_forward (float       *out,     /* (t, d), rows ld_out apart */
                                int          ld_out,
                                float       *att,     /* (t, t), this head's */
                                const float *qkv,     /* (t, 3 d) */
                                int          t,
                                int          d,
                                int          heads,
                                int          h);
/* Head @h's backward: writes the q, k and v columns of head h in dqkv (=),
 * from dout's columns h hd ... */
void tf_attention_head_backward (float       *dqkv,   /* (t, 3 d), head h's columns = */
                                 const float *dout,   /* (t, d), rows ld_out apart */
                                 int          ld_out,
                                 const float *att,    /* (t, t), the forward's */
                                 const float *qkv,    /* (t, 3 d), the forward's */
                                 int          t,
                                 int          d,
                                 int          heads,
                                 int          h,
                                 float       *scratch); /* (t, t) */

G_END_DECLS
