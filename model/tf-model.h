/* SPDX-License-Identifier: GPL-3.0-or-later */
/* TransFER (ICCV 2021): IR stem, LANets with MAD, ViT encoder with MSAD, head.
 * Every hyperparameter comes from the model file's metadata. */
#pragma once

#include <glib.h>
#include <stdint.h>

#include "tf-error.h"
#include "tf-safetensors.h"

G_BEGIN_DECLS

#define TF_STAGES 3

typedef struct
{
  int    input_size;             /* square input side, divisible by 8 */
  int    stem_depths[TF_STAGES]; /* bottleneck_IR units per stage */
  int    stem_widths[TF_STAGES]; /* channels per stage */
  int    lanets;                 /* B, number of local attention networks */
  int    lanet_reduction;        /* LANet hidden width = C / reduction */
  int    embed_dim;              /* D */
  int    depth;                  /* encoder blocks */
  int    heads;
  double mlp_ratio;
  int    num_classes;
  double mad_p;                  /* p1 */
  double msad_p;                 /* p2 */
  double ln_eps;
  double bn_eps;
} TfConfig;

typedef struct
{
  int    size;                   /* side of the square crop fed to the model */
  gboolean gray;                 /* "color": "gray" replicates luma into 3 channels */
  float  mean[3];                /* on the 0-255 scale, RGB order */
  float  std[3];
  char  *json;                   /* the whole "input" object, other keys included */
} TfInputSpec;

/* Named views into the contiguous parameter array (llm.c style). BatchNorm
 * keeps weight, bias, running_mean, running_var in that order. */
typedef struct
{
  float *bn0;      /* [4][in]  res_layer.0 */
  float *conv1;    /* [d][in][3][3] res_layer.1 */
  float *prelu;    /* [d] res_layer.2 */
  float *conv2;    /* [d][d][3][3] res_layer.3 */
  float *bn4;      /* [4][d] res_layer.4 */
  float *sc_conv;  /* [d][in][1][1] shortcut_layer.0, NULL when in == d */
  float *sc_bn;    /* [4][d] shortcut_layer.1, NULL when in == d */
  int    in, out, stride;
} TfUnitParams;

typedef struct
{
  float *conv1_w, *conv1_b;   /* [h][C], [h] */
  float *bn1;                 /* [4][h] */
  float *conv2_w, *conv2_b;   /* [1][h], [1] */
  float *bn2;                 /* [4][1] */
} TfLanetParams;

typedef struct
{
  float *norm1_w, *norm1_b;   /* [D] */
  float *qkv_w;               /* [3D][D] (no bias) */
  float *proj_w, *proj_b;     /* [D][D], [D] */
  float *norm2_w, *norm2_b;   /* [D] */
  float *fc1_w, *fc1_b;       /* [H][D], [H] with H = D * mlp_ratio */
  float *fc2_w, *fc2_b;       /* [D][H], [D] */
} TfBlockParams;

typedef struct
{
  char    *name;
  int      ndim;
  int64_t  shape[4];
  gsize    offset;            /* in floats, into params */
  gsize    numel;
  gboolean is_buffer;         /* BN running statistics: saved, never trained */
} TfParamInfo;

/* The metadata key of the softmax temperature T fitted on held-out data
 * (transfer-cli calibrate): the engine's probabilities are softmax(logits / T).
 * Absent means 1; a value outside [MIN, MAX] is refused at load (beyond them
 * logits / T would overflow, and no fit ends there). */
#define TF_MODEL_TEMPERATURE_KEY "calibration.temperature"
#define TF_MODEL_TEMPERATURE_MIN 1e-3
#define TF_MODEL_TEMPERATURE_MAX 1e3

typedef struct _TfModel TfModel;
struct _TfModel
{
  TfConfig       config;
  TfInputSpec    input;
  char         **classes;      /* num_classes names, NULL-terminated */
  GHashTable    *metadata;     /* every __metadata__ key -> value (provenance etc.) */
  double         temperature;  /* TF_MODEL_TEMPERATURE_KEY parsed (1: none); set it
                                * with tf_model_set_temperature, which keeps both */

  float         *params;       /* one allocation */
  gsize          n_params;
  GArray        *param_info;   /* TfParamInfo, canonical order */

  float         *in_conv;      /* [w0][3][3][3]   extractor.input_layer.0 */
  float         *in_bn;        /* [4][w0]         extractor.input_layer.1 */
  float         *in_prelu;     /* [w0]            extractor.input_layer.2 */
  TfUnitParams  *units;        /* sum(stem_depths) */
  int            n_units;
  TfLanetParams *lanets;
  float         *proj_w, *proj_b;   /* [D][C][1][1], [D] convert.proj */
  float         *cls_token;         /* [1][1][D] */
  float         *pos_embed;         /* [1][T][D], T = g*g + 1 */
  TfBlockParams *blocks;
  float         *norm_w, *norm_b;   /* [D] vit.norm */
  float         *head_w, *head_b;   /* [K][D], [K] head.fc */
};

gboolean     tf_config_validate        (const TfConfig *config,
                                        GError       **error);
/* "paper" or "small"; FALSE for other names. */
gboolean     tf_config_preset          (const char     *name,
                                        int             num_classes,
                                        TfConfig       *config);
char        *tf_config_to_json         (const TfConfig *config);
gboolean     tf_config_from_json       (const char     *json,
                                        TfConfig       *config,
                                        GError        **error);
/* Learnable parameter count (BN running statistics excluded) and
 * multiply-adds per face, from the config alone. */
gsize        tf_config_n_params        (const TfConfig *config);
/* tf_config_validate, and whether the parameters it declares fit this
 * engine (which needs the model's layout, so it lives here). */
gboolean     tf_model_check_config     (const TfConfig *config,
                                        GError        **error);
double       tf_config_macs            (const TfConfig *config);
static inline int tf_config_grid   (const TfConfig *c) { return c->input_size / 8; }
static inline int tf_config_tokens (const TfConfig *c) { return tf_config_grid (c) * tf_config_grid (c) + 1; }
static inline int tf_config_hidden (const TfConfig *c) { return (int) (c->embed_dim * c->mlp_ratio + 0.5); }

/* A zero-filled model laid out for @config, with default input handling
 * (RGB, the ImageNet mean/std of DESIGN.md). */
TfModel     *tf_model_new              (const TfConfig *config,
                                        const char * const *classes);
/* Random initialisation (conv: kaiming-uniform as PyTorch's default,
 * linear/tokens: truncated normal 0.02, BN identity, PReLU 0.25, LN identity). */
void         tf_model_init_random      (TfModel        *model,
                                        guint64         seed);
TfModel     *tf_model_load             (const char     *path,
                                        GError        **error);
/* The metadata key of a partial model file: a JSON array of the name
 * prefixes it holds, e.g. ["extractor"] for the IR-50 stem
 * tools/convert_official.py converts from a face-recognition network. Such a
 * file starts a training run; tf_model_load refuses it. */
#define TF_MODEL_PARTIAL_KEY "partial"
/* Whether @path is a partial model file (FALSE for anything else, even an
 * unreadable file: tf_model_load then says what is wrong). */
gboolean     tf_model_file_is_partial  (const char     *path);
/* The partial key's value in words: "extractor.*" (the value itself when
 * it is not a list of names). */
char        *tf_model_describe_partial (const char     *json);
/* A model of the partial file's config with @classes: the tensors under the
 * file's prefixes from the file (each one present, of its shape, and no
 * other), every other parameter drawn at random from @seed. The file's
 * provenance is kept under "base_" keys. */
TfModel     *tf_model_load_partial     (const char     *path,
                                        const char * const *classes,
                                        guint64         seed,
                                        GError        **error);
/* Writes every parameter (and BN running statistics) with metadata:
 * format, config, classes, input, plus the entries of model->metadata. */
gboolean     tf_model_save             (TfModel        *model,
                                        const char     *path,
                                        TfDtype         dtype,
                                        GError        **error);
/* A deep copy of @model with the classes @extra (NULL or NULL-terminated;
 * names the model already has are an error, TF_ERROR_INPUT) appended: the
 * head grows by a row each, its weights zero and its bias the lowest of the
 * old ones, so a new class starts as the least likely and the old classes'
 * outputs are unchanged. */
TfModel     *tf_model_dup              (TfModel        *model,
                                        const char * const *extra,
                                        GError        **error);
void         tf_model_free             (TfModel        *model);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TfModel, tf_model_free)

const TfParamInfo *tf_model_find_param (TfModel        *model,
                                        const char     *name);

/* Sets model->temperature and its metadata entry (removed for 1), rounded to
 * what the file stores, so a saved and reloaded model computes the same.
 * @temperature must lie in [TF_MODEL_TEMPERATURE_MIN, TF_MODEL_TEMPERATURE_MAX]. */
void         tf_model_set_temperature  (TfModel        *model,
                                        double          temperature);
/* The temperature a metadata value states; FALSE (TF_ERROR_CONFIG) when it is
 * not a number in [TF_MODEL_TEMPERATURE_MIN, TF_MODEL_TEMPERATURE_MAX]. */
gboolean     tf_model_parse_temperature (const char    *value,
                                         double        *temperature,
                                         GError       **error);

/* The "input" metadata object, with the keys the engine does not use kept. */
gboolean     tf_input_spec_from_json   (const char     *json,
                                        TfInputSpec    *spec,
                                        GError        **error);
char        *tf_input_spec_to_json     (const TfInputSpec *spec);
void         tf_input_spec_clear       (TfInputSpec    *spec);

G_END_DECLS
