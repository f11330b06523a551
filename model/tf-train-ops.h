/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The ops in training: BatchNorm with batch statistics, and the backward of
 * every op the model uses (llm.c style: raw arrays, shapes written down).
 * Convention: parameter gradients are accumulated (+=); an input gradient
 * is written (=) unless the comment says it is accumulated. */
#pragma once

#include <glib.h>
#include <stddef.h>

#include "tf-parallel.h"

G_BEGIN_DECLS

/* BatchNorm, training form, over channel-major x [c][m] (m = n h w):
 * out = (x - mean) rstd w + b with the batch mean and biased variance;
 * mean, rstd [c] are kept for the backward. */
void tf_bn_train_forward     (float       *out,
                              float       *mean,
                              float       *rstd,
                              const float *inp,
                              const float *bn,      /* [4][c]: weight, bias, running_mean, running_var */
                              int          c,
                              size_t       m,
                              float        eps,
                              TfPool      *pool);
/* running = (1 - momentum) running + momentum batch, the variance unbiased
 * (m / (m - 1)), as PyTorch does. */
void tf_bn_update_running    (float       *bn,      /* [4][c], rows 2 and 3 updated */
                              const float *mean,
                              const float *rstd,
                              int          c,
                              size_t       m,
                              float        eps,
                              float        momentum);
/* dinp [c][m] (=); dbn [4][c]: rows 0 and 1 (weight, bias) accumulated.
 * With @train_stats the statistics are the batch's (mean, rstd, which the
 * gradient flows through); otherwise the running ones of @bn (with @eps),
 * constants, and mean/rstd are ignored. */
void tf_bn_backward          (float       *dinp,
                              float       *dbn,
                              const float *dout,
                              const float *inp,
                              const float *mean,
                              const float *rstd,
                              const float *bn,
                              int          c,
                              size_t       m,
                              float        eps,
                              gboolean     train_stats,
                              TfPool      *pool);

/* x [c][m]: PReLU with slope [c]. dinp (=), dslope (+=). inp is the
 * pre-activation. */
void tf_prelu_forward        (float       *out,
                              const float *inp,
                              const float *slope,
                              int          c,
                              size_t       m);
void tf_prelu_backward       (float       *dinp,
                              float       *dslope,
                              const float *dout,
                              const float *inp,
                              const float *slope,
                              int          c,
                              size_t       m);
/* dinp = dout where inp > 0 (in place allowed) */
void tf_relu_backward        (float       *dinp,
                              const float *dout,
                              const float *inp,
                              size_t       n);
/* dinp = dout out (1 - out), out the sigmoid's output */
void tf_sigmoid_backward     (float       *dinp,
                              const float *dout,
                              const float *out,
                              size_t       n);

/* Convolution backward over CNHW activations (see tf_conv2d_forward):
 *   dweight [co][ci][k][k] (+=), dinp [ci][n][h][w] (=, may be NULL),
 *   dout [co][n][ho][wo], inp the forward input.
 * Split over images on @pool: col2im of one image never touches another. */
void tf_conv2d_backward      (float       *dinp,
                              float       *dweight,
                              const float *dout,
                              const float *inp,
                              const float *weight,
                              TfPool      *pool,
                              int          n,
                              int          ci,
                              int          h,
                              int          w,
                              int          co,
                              int          k,
                              int          stride,
                              int          pad);

/* Backward of tf_subsample: dinp [c][n][h][w] (+=) gets dout [c][n][ho][wo]. */
void tf_subsample_backward   (float       *dinp,
                              const float *dout,
                              int          c,
                              int          n,
                              int          h,
                              int          w,
                              int          stride);

/* Linear: out [n][oc] = inp [n][ic] weight [oc][ic]^T + bias.
 * dinp (=, may be NULL; accumulated instead when @accumulate),
 * dweight (+=), dbias (+=, may be NULL). */
void tf_linear_backward      (float       *dinp,
                              float       *dweight,
                              float       *dbias,
                              const float *dout,
                              const float *inp,
                              const float *weight,
                              int          n,
                              int          ic,
                              int          oc,
                              gboolean     accumulate);

/* LayerNorm rows: dinp (+=: it sits on the residual stream), dweight and
 * dbias (+=). mean, rstd from tf_layernorm_forward. */
void tf_layernorm_backward   (float       *dinp,
                              float       *dweight,
                              float       *dbias,
                              const float *dout,
                              const float *inp,
                              const float *weight,
                              const float *mean,
                              const float *rstd,
                              int          n,
                              int          c);

/* dinp = dout GELU'(inp), GELU' = Phi(x) + x phi(x). In place allowed. */
void tf_gelu_backward        (float       *dinp,
                              const float *dout,
                              const float *inp,
                              size_t       n);

/* One head of one sequence (see tf_attention_head_forward): from dout's
 * columns h*hd.. (rows ld_out apart) and the forward's att [t][t] and qkv
 * [t][3d], writes dqkv's q, k and v columns of head h (=).
 * @scratch holds t*t floats. */
void tf_attention_head_backward (float       *dqkv,
                                 const float *dout,
                                 int          ld_out,
                                 const float *att,
                                 const float *qkv,
                                 int          t,
                                 int          d,
                                 int          heads,
                                 int          h,
                                 float       *scratch);

/* Soft-target cross-entropy with label smoothing, averaged over the batch:
 * q = (1 - eps) target + eps / k; loss = mean_i -sum_j q_ij log softmax(logits_i)_j.
 * Writes dlogits [n][k] (of the mean loss) and returns the loss. */
double tf_softmax_ce_forward_backward (float       *dlogits,
                                       const float *logits,
                                       const float *targets,
                                       int          n,
                                       int          k,
                                       float        smoothing);

G_END_DECLS
