/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Inference over a batch of face crops, with optional probes of what the
 * model looks at. One engine per thread: it owns its workspace. */
#pragma once

#include "tf-model.h"
#include "tf-rng.h"

G_BEGIN_DECLS

typedef enum
{
  TF_PROBE_NONE      = 0,
  TF_PROBE_MAPS      = 1 << 0,  /* LANet maps and their max */
  TF_PROBE_ATTENTION = 1 << 1,  /* class-token attention rows and head contributions */
  TF_PROBE_ROLLOUT   = 1 << 2,  /* attention rollout over the blocks */
  TF_PROBE_ABLATION  = 1 << 3,  /* probabilities with each single head dropped */
  TF_PROBE_ALL       = 0xf,
} TfProbeFlags;

/* Every array is row-major, n = batch. Probe arrays are NULL unless asked for.
 * g = grid (input/8), T = g*g + 1 tokens, L = depth, H = heads, K = classes. */
typedef struct
{
  int    n, lanets, grid, tokens, depth, heads, classes;
  float *logits;        /* [n][K] */
  float *probs;         /* [n][K] softmax(logits / T), T the model's temperature (1 uncalibrated) */
  float *lanet_maps;    /* [n][B][g*g] sigmoid output of each LANet */
  float *lanet_max;     /* [n][g*g] element-wise max over the (MAD-dropped) maps */
  float *cls_attn;      /* [n][L][H][T] the class token's attention row; [0] is itself */
  float *head_contrib;  /* [n][L][H] |W_proj[:, head] o_head(cls)|, summing to 1 per block */
  float *rollout;       /* [n][g*g] class row of prod_l (0.5 A_l + 0.5 I), A_l the head mean, summing to 1 */
  float *ablation;      /* [n][L][H][K] probabilities (with T) with head h of block l dropped */
  int   *mad_dropped;   /* [n] the map zeroed by MAD, -1 for none (training only) */
  int   *msad_dropped;  /* [n][L] the head zeroed by MSAD per block, -1 for none (training only) */
} TfOutputs;

typedef struct
{
  gboolean   training;     /* MAD and MSAD active (BN stays in inference form here) */
  TfRng     *rng;          /* draws MAD/MSAD masks when training */
  const int *force_mad;    /* [n] fixed MAD choices instead of drawing (-1 none), or NULL */
  const int *force_msad;   /* [n][L] fixed MSAD choices, or NULL */
} TfForwardOptions;

typedef struct _TfEngine TfEngine;

TfEngine  *tf_engine_new           (TfModel      *model);
void       tf_engine_free          (TfEngine     *engine);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TfEngine, tf_engine_free)

/* Times of the last forward, in seconds, by stage (for `transfer-cli bench`). */
typedef struct
{
  double stem, lanets, projection, encoder, head, probes, ablation;
} TfStageTimes;
void       tf_engine_get_times     (TfEngine     *engine,
                                    TfStageTimes *times);

/* @input is [n][3][S][S], normalised. @out is filled with arrays owned by
 * the engine, valid until the next call. */
gboolean   tf_engine_forward       (TfEngine               *engine,
                                    const float            *input,
                                    int                     n,
                                    TfProbeFlags            probes,
                                    const TfForwardOptions *options,
                                    TfOutputs              *out,
                                    GError                **error);

/* Test-time augmentation: the probabilities of each face averaged with those
 * of its horizontal mirror image (both through softmax(logits / T)), in one
 * engine call over 2 @n faces; @out->logits is the mean of the two logits.
 * Everything else in @out (maps, attention, rollout, ablation) is the face's
 * as given, unmirrored: what is shown stays where it is on the face.
 * Inference only (no MAD or MSAD). */
gboolean   tf_engine_forward_mirrored (TfEngine        *engine,
                                       const float     *input,
                                       int              n,
                                       TfProbeFlags     probes,
                                       TfOutputs       *out,
                                       GError         **error);
/* The same with @force_mad ([n], -1 none) dropping a chosen LANet map of
 * each face and of its mirror image (MAD at inference; MSAD stays off). */
gboolean   tf_engine_forward_mirrored_dropped (TfEngine    *engine,
                                       const float     *input,
                                       int              n,
                                       TfProbeFlags     probes,
                                       const int       *force_mad,
                                       TfOutputs       *out,
                                       GError         **error);
/* Mirrors @x ([n][3][s][s]) left to right in place. */
void       tf_engine_mirror_inputs    (float           *x,
                                       int              n,
                                       int              s);

G_END_DECLS
