/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The engine's kernels: plain functions over raw float arrays, every shape
 * written down. Optimised kernels have a naive twin (tf_*_naive) that the
 * tests compare against. */
#pragma once

#include <glib.h>
#include <stddef.h>

#include "tf-parallel.h"

G_BEGIN_DECLS

/* Row-major C[M][N] = alpha * op(A) op(B) + beta * C, single-threaded: our own
 * AVX-512 kernel where the CPU has it and the product is not tiny (OpenBLAS
 * is held to its AVX2 kernels on some machines), OpenBLAS otherwise. */
void tf_gemm                 (gboolean     trans_a,
                              gboolean     trans_b,
                              int          m,
                              int          n,
                              int          k,
                              float        alpha,
                              const float *a,
                              int          lda,
                              const float *b,
                              int          ldb,
                              float        beta,
                              float       *c,
                              int          ldc);
void tf_gemm_naive           (gboolean     trans_a,
                              gboolean     trans_b,
                              int          m,
                              int          n,
                              int          k,
                              float        alpha,
                              const float *a,
                              int          lda,
                              const float *b,
                              int          ldb,
                              float        beta,
                              float       *c,
                              int          ldc);
/* Threads for engines created afterwards; OpenBLAS itself is kept at one
 * thread, since the engine splits the work over its own pool. */
void tf_set_threads          (int          threads);
int  tf_get_threads          (void);

/* Linear layer (PyTorch layout): out[n][oc] = inp[n][ic] @ weight[oc][ic]^T + bias[oc].
 * bias may be NULL. */
void tf_linear_forward       (float       *out,
                              const float *inp,
                              const float *weight,
                              const float *bias,
                              int          n,
                              int          ic,
                              int          oc);

typedef enum
{
  TF_ACT_NONE,
  TF_ACT_RELU,
  TF_ACT_PRELU,
  TF_ACT_SIGMOID,
} TfAct;

/* What follows a conv, applied per output channel as each tile is done:
 * x = act(scale x + shift) + residual (any of them may be NULL/none). */
typedef struct
{
  const float *scale;
  const float *shift;
  TfAct        act;
  const float *slope;      /* PReLU */
  const float *residual;   /* same layout as the output */
} TfEpilogue;

/* Convolution over channel-major activations, layout [C][N][H][W] ("CNHW"),
 * so that one GEMM covers the whole batch:
 *   out [co][n][ho][wo], inp [ci][n][h][w], weight [co][ci][k][k],
 *   ho = (h + 2 pad - k) / stride + 1.
 * in_scale/in_shift (per input channel, may be NULL) apply an affine map to
 * the input before it is padded: a BatchNorm that precedes the conv.
 * @epilogue may be NULL. Output rows are split into tiles over @pool
 * (NULL: serial), each tile unfolded, multiplied and finished by one task. */
void tf_conv2d_forward       (float            *out,
                              const float      *inp,
                              const float      *weight,
                              const float      *in_scale,
                              const float      *in_shift,
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
/* Unfolds output rows [r0, r1) (row r = image r / ho, line r % ho) of a
 * CNHW input into col [ci k k][(r1 - r0) wo], zero where the kernel reads
 * padding; in_scale/in_shift as for tf_conv2d_forward. */
void tf_im2col_rows          (float       *col,
                              const float *inp,
                              const float *in_scale,
                              const float *in_shift,
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
void tf_conv2d_naive         (float       *out,
                              const float *inp,
                              const float *weight,
                              const float *in_scale,
                              const float *in_shift,
                              int          n,
                              int          ci,
                              int          h,
                              int          w,
                              int          co,
                              int          k,
                              int          stride,
                              int          pad);

/* Inference BatchNorm as a per-channel affine y = scale x + shift;
 * bn is [4][c] (weight, bias, running_mean, running_var); a preceding
 * conv bias (may be NULL) is folded in. */
void tf_bn_fold              (float       *scale,
                              float       *shift,
                              const float *bn,
                              const float *conv_bias,
                              int          c,
                              float        eps);


/* x [c][len] (rows ld apart): x = act(scale x + shift) + residual, where
 * scale, shift (per channel) and residual ([c][len], rows ld apart) may be
 * NULL; slope is PReLU's per-channel slope. */
void tf_channel_epilogue     (float       *x,
                              int          c,
                              size_t       len,
                              size_t       ld,
                              const float *scale,
                              const float *shift,
                              TfAct        act,
                              const float *slope,
                              const float *residual);

/* out [c][n][ho][wo] = inp [c][n][h][w] sampled every @stride pixels:
 * MaxPool2d(kernel 1, stride). */
void tf_subsample            (float       *out,
                              const float *inp,
                              int          c,
                              int          n,
                              int          h,
                              int          w,
                              int          stride);

/* Depthwise 3x3 convolution, stride 1, zero padding 1, over one image in
 * channel-major layout: out [c][h][w] = act(sum_ky,kx weight [c][ky][kx]
 * inp [c][y+ky-1][x+kx-1] + bias [c]); act is TF_ACT_NONE or TF_ACT_RELU,
 * bias may be NULL. Channels and row bands are split over @pool (NULL:
 * serial). @out must not overlap @inp. */
void tf_depthwise3x3_forward (float       *out,
                              const float *inp,
                              const float *weight,
                              const float *bias,
                              TfAct        act,
                              TfPool      *pool,
                              int          c,
                              int          h,
                              int          w);
/* One output row of it, from the input rows above, at and below it: @above
 * or @below is NULL at the top or bottom edge (zero padding). */
void tf_depthwise3x3_row     (float       *out,
                              const float *above,
                              const float *row,
                              const float *below,
                              const float *weight,
                              float        bias,
                              TfAct        act,
                              int          w);
void tf_depthwise3x3_naive   (float       *out,
                              const float *inp,
                              const float *weight,
                              const float *bias,
                              TfAct        act,
                              int          c,
                              int          h,
                              int          w);

/* LayerNorm over the last dimension: out, inp [n][c]; mean, rstd [n] (may be NULL). */
void tf_layernorm_forward    (float       *out,
                              float       *mean,
                              float       *rstd,
                              const float *inp,
                              const float *weight,
                              const float *bias,
                              int          n,
                              int          c,
                              float        eps);

/* GELU in its erf form, x Phi(x) = 0.5 x (1 + erf(x / sqrt 2)), in place over
 * n values; erf to 1.5e-7 (Abramowitz & Stegun 7.1.26), vectorised. The
 * naive twin calls libm's erf in double. */
void tf_gelu_forward         (float       *x,
                              size_t       n);
void tf_gelu_naive           (float       *x,
                              size_t       n);

/* exp(x) within 2 ulp, the one softmax, sigmoid and GELU use. */
float tf_exp_approx          (float        x);

/* Row-wise softmax in place: x [rows][cols]. */
void tf_softmax_rows         (float       *x,
                              int          rows,
                              int          cols);

/* Multi-head self-attention core for one sequence:
 *   qkv [t][3d] (q | k | v, head h at columns h*hd), out [t][d] (rows ld_out
 *   apart), att [heads][t][t] receives the softmax weights.
 * out_h = softmax(q_h k_h^T / sqrt hd) v_h. */
void tf_attention_forward    (float       *out,
                              int          ld_out,
                              float       *att,
                              const float *qkv,
                              int          t,
                              int          d,
                              int          heads);
/* Head @h alone: att [t][t], out columns h*hd .. of each row. */
void tf_attention_head_forward (float       *out,
                                int          ld_out,
                                float       *att,
                                const float *qkv,
                                int          t,
                                int          d,
                                int          heads,
                                int          h);
void tf_attention_naive      (float       *out,
                              int          ld_out,
                              float       *att,
                              const float *qkv,
                              int          t,
                              int          d,
                              int          heads);

G_END_DECLS
