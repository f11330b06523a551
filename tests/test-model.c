/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Model files: presets, save and load, and every way a file can be wrong. */
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#include <sys/resource.h>

#include "tf-engine.h"
#include "tf-model.h"
#include "tf-test-util.h"


static char *tmpdir;

static TfModel *
tiny_model (void)
{
  TfConfig c = {
    .input_size = 16, .stem_depths = { 1, 1, 2 }, .stem_widths = { 4, 8, 8 },
    .lanets = 2, .lanet_reduction = 4, .embed_dim = 12, .depth = 2, .heads = 3,
    .mlp_ratio = 2, .num_classes = 3, .mad_p = 0.6, .msad_p = 0.3, .ln_eps = 1e-6, .bn_eps = 1e-5,
  };
  const char *classes[] = { "a", "b", "c", NULL };
  TfModel *m = tf_model_new (&c, classes);

  tf_model_init_random (m, 3);
  return m;
}

static void
assert_config_equal (const TfConfig *a,
                     const TfConfig *b)
{
  /* field by field: padding bytes are not part of the value */
  g_assert_cmpint (a->input_size, ==, b->input_size);
  for (int s = 0; s < TF_STAGES; s++)
    {
      g_assert_cmpint (a->stem_depths[s], ==, b->stem_depths[s]);
      g_assert_cmpint (a->stem_widths[s], ==, b->stem_widths[s]);
    }
  g_assert_cmpint (a->lanets, ==, b->lanets);
  g_assert_cmpint (a->lanet_reduction, ==, b->lanet_reduction);
  g_assert_cmpint (a->embed_dim, ==, b->embed_dim);
  g_assert_cmpint (a->depth, ==, b->depth);
  g_assert_cmpint (a->heads, ==, b->heads);
  g_assert_cmpfloat (a->mlp_ratio, ==, b->mlp_ratio);
  g_assert_cmpint (a->num_classes, ==, b->num_classes);
  g_assert_cmpfloat (a->mad_p, ==, b->mad_p);
  g_assert_cmpfloat (a->msad_p, ==, b->msad_p);
  g_assert_cmpfloat (a->ln_eps, ==, b->ln_eps);
  g_assert_cmpfloat (a->bn_eps, ==, b->bn_eps);
}

static void
test_presets (void)
{
  TfConfig c;

  /* the figures of DESIGN.md: 65.22 M parameters, 15.28 G multiply-adds */
  g_assert_true (tf_config_preset ("paper", 8, &c));
  g_assert_cmpuint (tf_config_n_params (&c), ==, 65218638);
  g_assert_cmpfloat (fabs (tf_config_macs (&c) / 1e9 - 15.28), <, 0.005);
  g_assert_true (tf_config_preset ("small", 8, &c));
  g_assert_cmpfloat (fabs (tf_config_n_params (&c) / 1e6 - 4.0), <, 0.05);
  g_assert_cmpfloat (fabs (tf_config_macs (&c) / 1e9 - 1.22), <, 0.005);
  g_assert_false (tf_config_preset ("huge", 8, &c));
}

static void
test_config_json (void)
{
  TfConfig c, back;
  g_autofree char *json = NULL;
  g_autoptr(GError) error = NULL;
  const char *bad[] = {
    "{",
    "[]",
    "{\"input_size\": 112}",
    "{\"input_size\": 113, \"stem_depths\": [3,4,14], \"stem_widths\": [64,128,256], \"lanets\": 2, \"lanet_reduction\": 16, \"embed_dim\": 768, \"depth\": 8, \"heads\": 8, \"mlp_ratio\": 3, \"num_classes\": 7, \"mad_p\": 0.6, \"msad_p\": 0.3, \"ln_eps\": 1e-6, \"bn_eps\": 1e-5}",
    "{\"input_size\": 112, \"stem_depths\": [3,4], \"stem_widths\": [64,128,256], \"lanets\": 2, \"lanet_reduction\": 16, \"embed_dim\": 768, \"depth\": 8, \"heads\": 8, \"mlp_ratio\": 3, \"num_classes\": 7, \"mad_p\": 0.6, \"msad_p\": 0.3, \"ln_eps\": 1e-6, \"bn_eps\": 1e-5}",
    "{\"input_size\": 112, \"stem_depths\": [3,4,14], \"stem_widths\": [64,128,256], \"lanets\": 2, \"lanet_reduction\": 16, \"embed_dim\": 768, \"depth\": 8, \"heads\": 7, \"mlp_ratio\": 3, \"num_classes\": 7, \"mad_p\": 0.6, \"msad_p\": 0.3, \"ln_eps\": 1e-6, \"bn_eps\": 1e-5}",
    "{\"input_size\": 112, \"stem_depths\": [3,4,14], \"stem_widths\": [64,128,256], \"lanets\": 2, \"lanet_reduction\": 16, \"embed_dim\": 768, \"depth\": 8, \"heads\": 8, \"mlp_ratio\": 3, \"num_classes\": 7, \"mad_p\": 1.6, \"msad_p\": 0.3, \"ln_eps\": 1e-6, \"bn_eps\": 1e-5}",
    "{\"input_size\": 112, \"stem_depths\": [3,4,14], \"stem_widths\": [64,128,256], \"lanets\": 2, \"lanet_reduction\": 16, \"embed_dim\": 768, \"depth\": 8, \"heads\": 8, \"mlp_ratio\": \"3\", \"num_classes\": 7, \"mad_p\": 0.6, \"msad_p\": 0.3, \"ln_eps\": 1e-6, \"bn_eps\": 1e-5}",
    "{\"input_size\": 112, \"stem_depths\": [3,4,14], \"stem_widths\": [64,128,256], \"lanets\": 2, \"lanet_reduction\": 16, \"embed_dim\": 768, \"depth\": 8, \"heads\": 8, \"mlp_ratio\": 3, \"num_classes\": 0, \"mad_p\": 0.6, \"msad_p\": 0.3, \"ln_eps\": 1e-6, \"bn_eps\": 1e-5}",
  };

  g_assert_true (tf_config_preset ("paper", 7, &c));
  /* 1e-08 is what json-glib 1.6's own generator writes as "1e-08.0" */
  c.ln_eps = 1e-8;
  c.mlp_ratio = 2.5;
  json = tf_config_to_json (&c);
  g_assert_true (tf_config_from_json (json, &back, &error));
  g_assert_no_error (error);
  assert_config_equal (&c, &back);

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_assert_false (tf_config_from_json (bad[i], &back, &error));
      g_assert_error (error, TF_ERROR, TF_ERROR_CONFIG);
      g_assert_true (g_str_has_prefix (error->message, "config:"));
      g_clear_error (&error);
    }

  /* an integer too large for any model is out of range, not "not an integer" */
  g_assert_false (tf_config_from_json ("{\"input_size\": 112, \"stem_depths\": [3,4,14], \"stem_widths\": [64,128,256], "
                                       "\"lanets\": 2, \"lanet_reduction\": 16, \"embed_dim\": 10000000000, "
                                       "\"depth\": 8, \"heads\": 8, \"mlp_ratio\": 3, \"num_classes\": 7, \"mad_p\": 0.6, "
                                       "\"msad_p\": 0.3, \"ln_eps\": 1e-6, \"bn_eps\": 1e-5}", &back, &error));
  g_assert_error (error, TF_ERROR, TF_ERROR_CONFIG);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "embed_dim"));
  g_assert_nonnull (strstr (error->message, "out of range"));
  g_assert_null (strstr (error->message, "not an integer"));
  g_clear_error (&error);
}

static void
test_save_load (void)
{
  g_autoptr(TfModel) m = tiny_model ();
  g_autofree char *path = g_build_filename (tmpdir, "roundtrip.safetensors", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(TfModel) back = NULL;

  m->input.gray = TRUE;
  m->input.mean[1] = 100.5f;
  m->input.std[2] = 1e-8f * 1e3f;
  g_hash_table_insert (m->metadata, g_strdup ("dataset"), g_strdup ("FER+ majority"));
  g_assert_true (tf_model_save (m, path, TF_DTYPE_F32, &error));
  g_assert_no_error (error);

  back = tf_model_load (path, &error);
  g_assert_no_error (error);
  assert_config_equal (&m->config, &back->config);
  g_assert_cmpuint (m->n_params, ==, back->n_params);
  g_assert_cmpmem (m->params, m->n_params * sizeof (float), back->params, back->n_params * sizeof (float));
  g_assert_cmpstrv (m->classes, back->classes);
  g_assert_true (back->input.gray);
  g_assert_cmpfloat (back->input.mean[1], ==, 100.5f);
  g_assert_cmpfloat (back->input.std[2], ==, 1e-8f * 1e3f);
  g_assert_cmpstr (g_hash_table_lookup (back->metadata, "dataset"), ==, "FER+ majority");
}

/* Writes @m with one thing broken. */
typedef enum { DROP, RESHAPE, NAN_VALUE, INF_VALUE } Breakage;

static char *
write_broken (TfModel    *m,
              const char *target,
              Breakage    how,
              const char *meta_key,
              const char *meta_value)
{
  g_autoptr(TfSafetensorsWriter) w = tf_safetensors_writer_new ();
  g_autofree char *config = tf_config_to_json (&m->config);
  g_autofree char *input = tf_input_spec_to_json (&m->input);
  char *path = g_build_filename (tmpdir, "broken.safetensors", NULL);
  g_autoptr(GError) error = NULL;
  const char *keys[] = { "format", "config", "classes", "input" };
  const char *values[] = { "transfer", config, "[\"a\",\"b\",\"c\"]", input };

  for (int i = 0; i < 4; i++)
    if (meta_key == NULL || !g_str_equal (meta_key, keys[i]))
      tf_safetensors_writer_add_metadata (w, keys[i], values[i]);
    else if (meta_value)
      tf_safetensors_writer_add_metadata (w, keys[i], meta_value);

  for (guint i = 0; i < m->param_info->len; i++)
    {
      TfParamInfo *p = &g_array_index (m->param_info, TfParamInfo, i);
      g_autofree float *copy = g_memdup2 (m->params + p->offset, p->numel * sizeof (float));
      int64_t shape[4];

      memcpy (shape, p->shape, sizeof shape);
      if (target && g_str_equal (p->name, target))
        {
          if (how == DROP)
            continue;
          if (how == RESHAPE)
            {
              /* same element count, other shape: only the shape check can catch it */
              shape[0] = 1;
              shape[1] = (int64_t) p->numel;
              tf_safetensors_writer_add_f32 (w, p->name, shape, 2, copy, TF_DTYPE_F32);
              continue;
            }
          copy[p->numel / 2] = how == NAN_VALUE ? NAN : INFINITY;
        }
      tf_safetensors_writer_add_f32 (w, p->name, shape, p->ndim, copy, TF_DTYPE_F32);
    }
  g_assert_true (tf_safetensors_writer_write (w, path, &error));
  g_assert_no_error (error);
  return path;
}

static void
expect_refused (const char *path,
                int         code,
                const char *needle1,
                const char *needle2)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TfModel) m = tf_model_load (path, &error);

  g_assert_null (m);
  g_assert_error (error, TF_ERROR, code);
  g_test_message ("refused: %s", error->message);
  g_assert_nonnull (strstr (error->message, needle1));
  if (needle2)
    g_assert_nonnull (strstr (error->message, needle2));
  /* every message names the file */
  g_assert_nonnull (strstr (error->message, "broken.safetensors"));
}

static void
test_broken_files (void)
{
  g_autoptr(TfModel) m = tiny_model ();
  struct { const char *target; Breakage how; const char *needle; } tensor_cases[] = {
    { "vit.blocks.1.attn.qkv.weight", DROP, "missing" },
    { "extractor.body.2.res_layer.4.running_var", DROP, "missing" },
    { "head.fc.weight", RESHAPE, "shape" },
    { "attention.las.1.LA_conv2.bias", NAN_VALUE, "NaN" },
    { "vit.pos_embed", INF_VALUE, "non-finite" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (tensor_cases); i++)
    {
      g_autofree char *path = write_broken (m, tensor_cases[i].target, tensor_cases[i].how, NULL, NULL);
      expect_refused (path, TF_ERROR_TENSOR, tensor_cases[i].target, NULL);
    }

  {
    g_autofree char *p1 = write_broken (m, NULL, DROP, "format", "pytorch");
    g_autofree char *p2 = NULL, *p3 = NULL, *p4 = NULL, *p5 = NULL, *p6 = NULL, *p7 = NULL;
    expect_refused (p1, TF_ERROR_CONFIG, "format", "pytorch");
    p2 = write_broken (m, NULL, DROP, "config", NULL);
    expect_refused (p2, TF_ERROR_CONFIG, "config", "missing");
    p3 = write_broken (m, NULL, DROP, "classes", "[\"a\",\"b\"]");
    expect_refused (p3, TF_ERROR_CONFIG, "classes", "2 names");
    p4 = write_broken (m, NULL, DROP, "input", "{\"size\": 24, \"color\": \"rgb\", \"mean\": [0,0,0], \"std\": [1,1,1]}");
    expect_refused (p4, TF_ERROR_CONFIG, "input size", NULL);
    p5 = write_broken (m, NULL, DROP, "input", "{\"size\": 16, \"color\": \"cmyk\", \"mean\": [0,0,0], \"std\": [1,1,1]}");
    expect_refused (p5, TF_ERROR_CONFIG, "cmyk", NULL);
    p6 = write_broken (m, NULL, DROP, "input", "{\"size\": 16, \"color\": \"rgb\", \"mean\": [0,0,0], \"std\": [1,0,1]}");
    expect_refused (p6, TF_ERROR_CONFIG, "std", NULL);
    /* a config that disagrees with the tensors: the tensors' shapes catch it */
    p7 = write_broken (m, NULL, DROP, "config",
                       "{\"input_size\": 16, \"stem_depths\": [1,1,2], \"stem_widths\": [4,8,8], \"lanets\": 2, \"lanet_reduction\": 4, \"embed_dim\": 24, \"depth\": 2, \"heads\": 3, \"mlp_ratio\": 2, \"num_classes\": 3, \"mad_p\": 0.6, \"msad_p\": 0.3, \"ln_eps\": 1e-6, \"bn_eps\": 1e-5}");
    expect_refused (p7, TF_ERROR_TENSOR, "shape", NULL);
  }
}

/* A small file whose config declares a huge model (embed_dim 13000: about
 * 4 GB of parameters) is refused from the shapes, before anything that
 * size is allocated: the child runs under a 1 GiB address-space limit. */
static void
test_huge_config (void)
{
  g_autoptr(TfModel) m = tiny_model ();
  g_autofree char *path = write_broken (m, NULL, DROP, "config",
    "{\"input_size\": 16, \"stem_depths\": [1,1,2], \"stem_widths\": [4,8,8], \"lanets\": 2, "
    "\"lanet_reduction\": 4, \"embed_dim\": 13000, \"depth\": 1, \"heads\": 8, \"mlp_ratio\": 1, "
    "\"num_classes\": 3, \"mad_p\": 0.6, \"msad_p\": 0.3, \"ln_eps\": 1e-6, \"bn_eps\": 1e-5}");

#ifdef TF_TEST_ASAN
  /* AddressSanitizer reserves terabytes of shadow: no address-space limit */
  expect_refused (path, TF_ERROR_TENSOR, "shape", NULL);
  return;
#endif
  if (g_test_subprocess ())
    {
      struct rlimit lim = { 1u << 30, 1u << 30 };
      g_assert_cmpint (setrlimit (RLIMIT_AS, &lim), ==, 0);
      expect_refused (g_getenv ("TF_TEST_HUGE_PATH"), TF_ERROR_TENSOR, "shape", NULL);
      return;
    }
  g_setenv ("TF_TEST_HUGE_PATH", path, TRUE);
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
}

static void
test_not_a_model (void)
{
  g_autofree char *path = g_build_filename (tmpdir, "broken.safetensors", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(TfModel) m = NULL;

  g_assert_true (g_file_set_contents (path, "this is not a model", -1, NULL));
  m = tf_model_load (path, &error);
  g_assert_null (m);
  g_assert_error (error, TF_ERROR, TF_ERROR_FORMAT);
  g_clear_error (&error);

  m = tf_model_load ("/nonexistent/model.safetensors", &error);
  g_assert_null (m);
  g_assert_error (error, TF_ERROR, TF_ERROR_IO);
}

/* Saving over an existing model never leaves a half-written file. */
static void
test_save_failure_keeps_old (void)
{
  g_autoptr(TfModel) m = tiny_model ();
  g_autofree char *path = g_build_filename (tmpdir, "keep", "model.safetensors", NULL);
  g_autoptr(GError) error = NULL;

  g_assert_false (tf_model_save (m, path, TF_DTYPE_F32, &error));
  g_assert_error (error, TF_ERROR, TF_ERROR_IO);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
}

static void
test_init_random (void)
{
  g_autoptr(TfModel) a = tiny_model ();
  g_autoptr(TfModel) b = tiny_model ();
  const TfParamInfo *p;

  g_assert_cmpmem (a->params, a->n_params * 4, b->params, b->n_params * 4);
  /* BN starts as the identity, PReLU at 0.25, LayerNorm at 1 */
  g_assert_cmpfloat (a->units[0].bn4[0], ==, 1.0f);
  g_assert_cmpfloat (a->units[0].bn4[3 * a->units[0].out], ==, 1.0f);
  g_assert_cmpfloat (a->units[0].prelu[0], ==, 0.25f);
  g_assert_cmpfloat (a->blocks[0].norm1_w[0], ==, 1.0f);
  /* conv weights within PyTorch's default bound 1/sqrt(fan_in) */
  p = tf_model_find_param (a, "extractor.body.1.res_layer.1.weight");
  g_assert_nonnull (p);
  for (gsize i = 0; i < p->numel; i++)
    g_assert_cmpfloat (fabs (a->params[p->offset + i]), <=, 1.0 / sqrt (4 * 9));
  g_assert_null (tf_model_find_param (a, "no.such.param"));
}

/* The mirrored average: a face symmetric left to right gains nothing from
 * it, any other face gets the mean of its two forwards, and what is shown
 * (maps, attention, ablation) stays the unmirrored face's. */
static void
test_mirrored_forward (void)
{
  g_autoptr(TfModel) m = tiny_model ();
  g_autoptr(TfEngine) e = tf_engine_new (m);
  const int n = 2, s = m->config.input_size, K = m->config.num_classes;
  const gsize per = (gsize) 3 * s * s;
  const TfProbeFlags probes = TF_PROBE_MAPS | TF_PROBE_ATTENTION | TF_PROBE_ABLATION;
  g_autofree float *x = g_new (float, n * per), *sym = g_new (float, n * per), *mir = NULL;
  g_autofree float *p_plain = NULL, *p_mir = NULL, *l_plain = NULL, *maps = NULL, *abl = NULL;
  const int gg = (s / 8) * (s / 8), L = m->config.depth, H = m->config.heads;
  g_autoptr(GError) error = NULL;
  TfOutputs out;
  float diff = 0;

  for (gsize i = 0; i < n * per; i++)
    x[i] = sinf ((float) i * 0.37f) + 0.3f * cosf ((float) i * 1.3f);
  /* a symmetric face: each row the same read from either end */
  memcpy (sym, x, sizeof (float) * n * per);
  for (gsize row = 0; row < n * 3 * (gsize) s; row++)
    for (int a = 0; a < s / 2; a++)
      sym[row * s + s - 1 - a] = sym[row * s + a];

  g_assert_true (tf_engine_forward (e, sym, n, TF_PROBE_NONE, NULL, &out, &error));
  p_plain = g_memdup2 (out.probs, sizeof (float) * n * K);
  g_assert_true (tf_engine_forward_mirrored (e, sym, n, TF_PROBE_NONE, &out, &error));
  g_assert_no_error (error);
  g_assert_cmpint (out.n, ==, n);
  for (int i = 0; i < n * K; i++)
    g_assert_cmpfloat_with_epsilon (out.probs[i], p_plain[i], 1e-6);

  /* any face: the mean of the face's and its mirror image's probabilities */
  g_assert_true (tf_engine_forward (e, x, n, probes, NULL, &out, &error));
  g_clear_pointer (&p_plain, g_free);
  p_plain = g_memdup2 (out.probs, sizeof (float) * n * K);
  l_plain = g_memdup2 (out.logits, sizeof (float) * n * K);
  maps = g_memdup2 (out.lanet_max, sizeof (float) * n * gg);
  abl = g_memdup2 (out.ablation, sizeof (float) * n * L * H * K);
  mir = g_memdup2 (x, sizeof (float) * n * per);
  tf_engine_mirror_inputs (mir, n, s);
  g_assert_true (tf_engine_forward (e, mir, n, TF_PROBE_NONE, NULL, &out, &error));
  p_mir = g_memdup2 (out.probs, sizeof (float) * n * K);
  for (int i = 0; i < n * K; i++)
    diff = MAX (diff, fabsf (p_plain[i] - p_mir[i]));
  g_assert_cmpfloat (diff, >, 1e-5);   /* the mirror image is another face */
  g_assert_true (tf_engine_forward_mirrored (e, x, n, probes, &out, &error));
  g_assert_cmpint (out.n, ==, n);
  for (int i = 0; i < n * K; i++)
    {
      g_assert_cmpfloat_with_epsilon (out.probs[i], 0.5f * (p_plain[i] + p_mir[i]), 1e-6);
      g_assert_cmpfloat (fabsf (out.logits[i] - l_plain[i]), <, 10);
    }
  for (int i = 0; i < n * gg; i++)
    g_assert_cmpfloat_with_epsilon (out.lanet_max[i], maps[i], 1e-6);
  for (int i = 0; i < n * L * H * K; i++)
    g_assert_cmpfloat_with_epsilon (out.ablation[i], abl[i], 1e-6);
  g_assert_true (out.cls_attn != NULL);

  /* the input is left as it was, and a bad batch is an error */
  g_assert_false (tf_engine_forward_mirrored (e, x, 0, TF_PROBE_NONE, &out, &error));
  g_assert_error (error, TF_ERROR, TF_ERROR_INPUT);
}

/* A partial model file: the tensors under @prefix of @m (plus @extra, an
 * unexpected tensor, and without @drop), the config without its classes. */
static char *
write_partial (TfModel    *m,
               const char *prefix,
               const char *drop,
               const char *extra)
{
  g_autoptr(TfSafetensorsWriter) w = tf_safetensors_writer_new ();
  g_autofree char *config = tf_config_to_json (&m->config);
  g_autofree char *input = tf_input_spec_to_json (&m->input);
  char *path = g_build_filename (tmpdir, "partial.safetensors", NULL);
  g_autoptr(GError) error = NULL;

  tf_safetensors_writer_add_metadata (w, "format", "transfer");
  tf_safetensors_writer_add_metadata (w, "config", config);
  tf_safetensors_writer_add_metadata (w, "classes", "[]");
  tf_safetensors_writer_add_metadata (w, "input", input);
  tf_safetensors_writer_add_metadata (w, TF_MODEL_PARTIAL_KEY, "[\"extractor\"]");
  tf_safetensors_writer_add_metadata (w, "source_sha256", "ab12");
  for (guint i = 0; i < m->param_info->len; i++)
    {
      TfParamInfo *p = &g_array_index (m->param_info, TfParamInfo, i);
      if (g_str_has_prefix (p->name, prefix) && !(drop && g_str_equal (p->name, drop)))
        tf_safetensors_writer_add_f32 (w, p->name, p->shape, p->ndim, m->params + p->offset, TF_DTYPE_F32);
    }
  if (extra)
    {
      TfParamInfo *p = &g_array_index (m->param_info, TfParamInfo, m->param_info->len - 1);
      tf_safetensors_writer_add_f32 (w, extra, p->shape, p->ndim, m->params + p->offset, TF_DTYPE_F32);
    }
  g_assert_true (tf_safetensors_writer_write (w, path, &error));
  g_assert_no_error (error);
  return path;
}

/* What tools/convert_official.py makes of a face-recognition IR-50: the
 * stem alone, which starts a model with other classes and refuses to
 * predict; each tensor under its prefix present, no other one. */
static void
test_partial (void)
{
  g_autoptr(TfModel) m = tiny_model ();
  g_autoptr(TfModel) fresh = tiny_model ();
  g_autoptr(TfModel) started = NULL;
  g_autoptr(GError) error = NULL;
  const char *classes[] = { "x", "y", NULL };
  gsize n_stem = 0;

  /* a model whose values differ from the seed-3 draw the start makes */
  for (gsize i = 0; i < m->n_params; i++)
    m->params[i] += 0.5f;
  {
    g_autofree char *path = write_partial (m, "extractor.", NULL, NULL);

    g_assert_true (tf_model_file_is_partial (path));
    g_assert_null (tf_model_load (path, &error));
    g_assert_error (error, TF_ERROR, TF_ERROR_CONFIG);
    g_assert_nonnull (strstr (error->message, "partial.safetensors: a partial model (it holds extractor.* only)"));
    g_clear_error (&error);

    started = tf_model_load_partial (path, classes, 3, &error);
    g_assert_no_error (error);
    g_assert_cmpint (started->config.num_classes, ==, 2);
    g_assert_cmpstr (started->classes[1], ==, "y");
    g_assert_cmpstr (g_hash_table_lookup (started->metadata, "base_source_sha256"), ==, "ab12");
    for (guint i = 0; i < started->param_info->len; i++)
      {
        TfParamInfo *p = &g_array_index (started->param_info, TfParamInfo, i);
        const TfParamInfo *q = tf_model_find_param (g_str_has_prefix (p->name, "extractor.") ? m : fresh, p->name);

        if (g_str_has_prefix (p->name, "head."))
          continue;   /* two classes here, three there */
        g_assert_nonnull (q);
        g_assert_cmpmem (started->params + p->offset, p->numel * sizeof (float),
                         (g_str_has_prefix (p->name, "extractor.") ? m : fresh)->params + q->offset,
                         q->numel * sizeof (float));
        n_stem += g_str_has_prefix (p->name, "extractor.");
      }
    g_assert_cmpuint (n_stem, >, 10);
  }
  {
    g_autofree char *path = write_partial (m, "extractor.", "extractor.body.1.res_layer.3.weight", NULL);
    g_assert_null (tf_model_load_partial (path, classes, 3, &error));
    g_assert_error (error, TF_ERROR, TF_ERROR_TENSOR);
    g_assert_nonnull (strstr (error->message, "'extractor.body.1.res_layer.3.weight'"));
    g_assert_nonnull (strstr (error->message, "missing"));
    g_clear_error (&error);
  }
  {
    g_autofree char *path = write_partial (m, "extractor.", NULL, "vit.norm.weight");
    g_assert_null (tf_model_load_partial (path, classes, 3, &error));
    g_assert_error (error, TF_ERROR, TF_ERROR_TENSOR);
    g_assert_nonnull (strstr (error->message, "'vit.norm.weight' is not one of the partial model's extractor.*"));
    g_clear_error (&error);
  }
  {
    /* a whole model is not partial: the start is tf_model_load's */
    g_autofree char *path = g_build_filename (tmpdir, "whole.safetensors", NULL);
    g_assert_true (tf_model_save (m, path, TF_DTYPE_F32, &error));
    g_assert_false (tf_model_file_is_partial (path));
    g_assert_null (tf_model_load_partial (path, classes, 3, &error));
    g_assert_error (error, TF_ERROR, TF_ERROR_CONFIG);
    g_clear_error (&error);
  }
}

int
main (int    argc,
      char **argv)
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  tmpdir = g_dir_make_tmp ("tf-test-model-XXXXXX", NULL);

  g_test_add_func ("/model/presets", test_presets);
  g_test_add_func ("/model/config-json", test_config_json);
  g_test_add_func ("/model/save-load", test_save_load);
  g_test_add_func ("/model/broken-files", test_broken_files);
  g_test_add_func ("/model/huge-config", test_huge_config);
  g_test_add_func ("/model/not-a-model", test_not_a_model);
  g_test_add_func ("/model/save-failure", test_save_failure_keeps_old);
  g_test_add_func ("/model/init-random", test_init_random);
  g_test_add_func ("/model/mirrored-forward", test_mirrored_forward);
  g_test_add_func ("/model/partial", test_partial);
  ret = g_test_run ();

  tf_test_remove_tmpdir (tmpdir);
  return ret;
}
