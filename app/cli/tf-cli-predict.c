/* SPDX-License-Identifier: GPL-3.0-or-later */
/* transfer-cli predict: one JSON line per picture, through the face pipeline
 * or (--no-detect) with the whole picture as the face. */
#include <stdio.h>

#include "tf-analyze.h"
#include "tf-cli.h"
#include "tf-compare.h"
#include "tf-datafiles.h"
#include "tf-decode.h"
#include "tf-error.h"
#include "tf-image.h"
#include "tf-json.h"
#include "tf-occlude.h"
#include "tf-ops.h"

typedef struct
{
  char *file;
  int   width, height;
} Item;

void
tf_cli_append_face (GString         *s,
                    TfModel         *model,
                    const TfOutputs *o,
                    int              i,
                    const TfFace    *det,
                    int              width,
                    int              height)
{
  int K = o->classes, best = 0, gg = o->grid * o->grid;
  const float *probs = o->probs + (gsize) i * K;
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  for (int k = 1; k < K; k++)
    if (probs[k] > probs[best])
      best = k;

  if (det == NULL)
    g_string_append_printf (s, "{\"box\":[0,0,%d,%d],\"probs\":{", width, height);
  else
    {
      float box[4] = { det->x, det->y, det->w, det->h };
      g_string_append (s, "{\"box\":");
      tf_json_floats (s, box, 4);
      g_string_append_printf (s, ",\"score\":%s,\"landmarks\":[",
                              g_ascii_formatd (buf, sizeof buf, "%.5g", det->score));
      for (int k = 0; k < TF_FACE_LANDMARKS; k++)
        {
          if (k)
            g_string_append_c (s, ',');
          tf_json_floats (s, det->landmarks[k], 2);
        }
      g_string_append (s, "],\"probs\":{");
    }
  for (int k = 0; k < K; k++)
    {
      if (k)
        g_string_append_c (s, ',');
      tf_json_string (s, model->classes[k]);
      g_string_append_printf (s, ":%s", g_ascii_formatd (buf, sizeof buf, "%.9g", probs[k]));
    }
  g_string_append (s, "},\"predicted\":");
  tf_json_string (s, model->classes[best]);
  g_string_append (s, ",\"logits\":");
  tf_json_floats (s, o->logits + (gsize) i * K, K);
  if (o->lanet_maps)
    {
      g_string_append_printf (s, ",\"grid\":%d,\"lanet_maps\":[", o->grid);
      for (int b = 0; b < o->lanets; b++)
        {
          if (b)
            g_string_append_c (s, ',');
          tf_json_floats (s, o->lanet_maps + ((gsize) i * o->lanets + b) * gg, gg);
        }
      g_string_append (s, "],\"lanet_max\":");
      tf_json_floats (s, o->lanet_max + (gsize) i * gg, gg);
    }
  if (o->head_contrib)
    {
      g_string_append (s, ",\"head_contrib\":[");
      for (int l = 0; l < o->depth; l++)
        {
          if (l)
            g_string_append_c (s, ',');
          tf_json_floats (s, o->head_contrib + ((gsize) i * o->depth + l) * o->heads, o->heads);
        }
      /* the class token's attention over the patch tokens, per block and head */
      g_string_append (s, "],\"cls_attn\":[");
      for (int l = 0; l < o->depth; l++)
        {
          g_string_append (s, l ? ",[" : "[");
          for (int h = 0; h < o->heads; h++)
            {
              if (h)
                g_string_append_c (s, ',');
              tf_json_floats (s, o->cls_attn + (((gsize) i * o->depth + l) * o->heads + h) * o->tokens + 1, gg);
            }
          g_string_append_c (s, ']');
        }
      g_string_append_c (s, ']');
    }
  if (o->rollout)
    {
      g_string_append (s, ",\"rollout\":");
      tf_json_floats (s, o->rollout + (gsize) i * gg, gg);
    }
  if (o->ablation)
    {
      /* [block][head][class]: probability change when only that head is dropped */
      g_autofree float *delta = g_new (float, K);

      g_string_append (s, ",\"ablation_delta\":[");
      for (int l = 0; l < o->depth; l++)
        {
          g_string_append (s, l ? ",[" : "[");
          for (int h = 0; h < o->heads; h++)
            {
              const float *p = o->ablation + (((gsize) i * o->depth + l) * o->heads + h) * K;
              for (int k = 0; k < K; k++)
                delta[k] = p[k] - probs[k];
              if (h)
                g_string_append_c (s, ',');
              tf_json_floats (s, delta, K);
            }
          g_string_append_c (s, ']');
        }
      g_string_append_c (s, ']');
    }
  g_string_append_c (s, '}');
}

/* ---- exploring a face: a LANet dropped, occlusion, the LANet ablation ------- */

typedef struct
{
  TfModel           *model;
  TfEngine          *engine;     /* its own: the batch's outputs stay valid */
  TfProbeFlags       probes;
  int                drop;       /* the LANet dropped (from 0), -1 none */
  gboolean           occlusion;
  TfOcclusionOptions occlusion_options;
  gboolean           lanet_ablation;
  gboolean           flip;       /* averaged with the mirror image (the map is not) */
  float             *input;      /* [3][S][S]: a detected face made again from its crop */
} Explore;

static gboolean
explore_wanted (const Explore *x)
{
  return x->drop >= 0 || x->occlusion || x->lanet_ablation;
}

/* what the model cannot do: a LANet it lacks, a patch larger than its input */
static gboolean
explore_check (const Explore  *x,
               const TfModel  *model,
               GError        **error)
{
  const int s = model->input.size;

  if (x->drop >= model->config.lanets)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_INPUT, "--drop-lanet %d: the model has %d LANets (1..%d)",
                   x->drop + 1, model->config.lanets, model->config.lanets);
      return FALSE;
    }
  if (x->occlusion && (x->occlusion_options.patch > s || x->occlusion_options.stride > s))
    {
      g_set_error (error, TF_ERROR, TF_ERROR_INPUT, "--patch and --stride must lie in 1..%d, the model's input size",
                   s);
      return FALSE;
    }
  return TRUE;
}

/* Face @i of @o as JSON, with what @x asks for computed from its @input
 * ([3][S][S]): with a LANet dropped the face is computed again that way. */
static gboolean
append_explored_face (GString         *s,
                      Explore         *x,
                      const float     *input,
                      const TfOutputs *o,
                      int              i,
                      const TfFace    *det,
                      int              width,
                      int              height,
                      GError         **error)
{
  const int B = x->model->config.lanets, K = x->model->config.num_classes;
  TfOutputs dropped;

  if (!explore_wanted (x))
    {
      tf_cli_append_face (s, x->model, o, i, det, width, height);
      return TRUE;
    }
  if (x->drop >= 0)
    {
      if (!tf_lanet_drop_forward (x->engine, x->model, input, x->drop, x->flip, x->probes, &dropped, error))
        return FALSE;
      o = &dropped;
      i = 0;
    }
  tf_cli_append_face (s, x->model, o, i, det, width, height);
  /* the object stays open for the members below */
  g_string_truncate (s, s->len - 1);
  if (x->drop >= 0)
    g_string_append_printf (s, ",\"dropped_lanet\":%d", x->drop + 1);
  if (x->lanet_ablation)
    {
      /* [LANet][class]: the probabilities with that map dropped */
      g_autofree float *probs = g_new (float, (gsize) B * K);

      if (!tf_lanet_ablation (x->engine, x->model, input, x->flip, probs, error))
        return FALSE;
      g_string_append (s, ",\"lanet_ablation\":[");
      for (int b = 0; b < B; b++)
        {
          if (b)
            g_string_append_c (s, ',');
          tf_json_floats (s, probs + (gsize) b * K, K);
        }
      g_string_append_c (s, ']');
    }
  if (x->occlusion)
    {
      const TfOcclusionOptions *opt = &x->occlusion_options;
      const int grid = tf_occlusion_grid (x->model->input.size, opt->stride);
      g_autofree float *map = g_new (float, (gsize) grid * grid);
      int predicted;

      if (!tf_occlusion_map (x->engine, x->model, input, opt, map, &predicted, NULL, NULL, NULL, error))
        return FALSE;
      g_string_append_printf (s, ",\"occlusion_grid\":%d,\"occlusion_patch\":%d,\"occlusion_stride\":%d,"
                              "\"occlusion_fill\":\"%s\",\"occlusion_class\":",
                              grid, opt->patch, opt->stride, opt->fill == TF_OCCLUDE_BLUR ? "blur" : "grey");
      tf_json_string (s, x->model->classes[predicted]);
      /* rows top to bottom: the drop of that class's probability with the
       * patch there (negative: hiding it raised the class) */
      g_string_append (s, ",\"occlusion_map\":");
      tf_json_floats (s, map, grid * grid);
    }
  g_string_append_c (s, '}');
  return TRUE;
}

/* ---- --compare: a second model on the same faces ------------------------- */

typedef struct
{
  TfModel      *model;     /* the first model */
  TfModel      *second;
  TfEngine     *engine;    /* the second's */
  TfClassMatch *match;
  float        *input;     /* [3][S2][S2] the second model's input */
  gboolean      flip;
} Compare;

static void
compare_clear (Compare *c)
{
  g_clear_pointer (&c->engine, tf_engine_free);
  g_clear_pointer (&c->second, tf_model_free);
  g_clear_pointer (&c->match, tf_class_match_free);
  g_clear_pointer (&c->input, g_free);
}

static gboolean
compare_load (Compare     *c,
              TfModel     *model,
              const char  *path,
              gboolean     flip,
              GError     **error)
{
  int s;

  if (!(c->second = tf_model_load (path, error)))
    return FALSE;
  c->model = model;
  c->engine = tf_engine_new (c->second);
  c->match = tf_class_match_new ((const char * const *) model->classes, (const char * const *) c->second->classes);
  s = c->second->input.size;
  c->input = g_new (float, (gsize) 3 * s * s);
  c->flip = flip;
  return TRUE;
}

static void
append_names (GString     *s,
              const char  *member,
              char       **names)
{
  g_string_append_printf (s, ",\"%s\":[", member);
  for (guint i = 0; names[i]; i++)
    {
      if (i)
        g_string_append_c (s, ',');
      tf_json_string (s, names[i]);
    }
  g_string_append_c (s, ']');
}

/* Adds "compare" to the face object that ends @s: the second model's
 * probabilities over c->input and whether the two predictions agree. */
static gboolean
append_compare (GString      *s,
                Compare      *c,
                const float  *probs,
                GError      **error)
{
  TfOutputs o;
  int K;
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  if (c->flip ? !tf_engine_forward_mirrored (c->engine, c->input, 1, TF_PROBE_NONE, &o, error)
              : !tf_engine_forward (c->engine, c->input, 1, TF_PROBE_NONE, NULL, &o, error))
    return FALSE;
  K = o.classes;
  g_string_truncate (s, s->len - 1);   /* the face's closing brace */
  g_string_append (s, ",\"compare\":{\"probs\":{");
  for (int k = 0; k < K; k++)
    {
      if (k)
        g_string_append_c (s, ',');
      tf_json_string (s, c->second->classes[k]);
      g_string_append_printf (s, ":%s", g_ascii_formatd (buf, sizeof buf, "%.9g", o.probs[k]));
    }
  g_string_append (s, "},\"predicted\":");
  tf_json_string (s, c->second->classes[tf_probs_argmax (o.probs, K)]);
  g_string_append_printf (s, ",\"agree\":%s",
                          tf_class_match_disagree ((const char * const *) c->model->classes, probs,
                                                   (const char * const *) c->second->classes, o.probs)
                          ? "false" : "true");
  if (c->match->only_first[0] || c->match->only_second[0])
    {
      append_names (s, "only_in_first", c->match->only_first);
      append_names (s, "only_in_second", c->match->only_second);
    }
  g_string_append (s, "}}");
  return TRUE;
}

static gboolean
print_result (Explore         *x,
              const Item      *item,
              const float     *input,
              const TfOutputs *o,
              int              i,
              Compare         *c,
              GError         **error)
{
  g_autoptr(GString) s = g_string_new ("{");

  tf_json_file_member (s, item->file);
  g_string_append (s, ",\"faces\":[");
  if (!append_explored_face (s, x, input, o, i, NULL, item->width, item->height, error))
    return FALSE;
  if (c->second)
    {
      int w, h;
      if (!tf_decode_input (item->file, &c->second->input, c->input, &w, &h, error) ||
          !append_compare (s, c, o->probs + (gsize) i * o->classes, error))
        return FALSE;
    }
  g_string_append (s, "]}\n");
  fputs (s->str, stdout);
  return TRUE;
}

/* ---- with face detection: through the face pipeline ----------------------- */

typedef struct
{
  TfModel *model;
  GString *line;       /* the current file's faces */
  int      failed;
  Compare *compare;
  Explore *explore;
  GError  *error;      /* the second model's engine failed */
} Predict;

static void
predict_face (const TfFaceResult *r,
              gpointer            data)
{
  Predict *p = data;

  if (p->line->len > 0)
    g_string_append_c (p->line, ',');
  if (explore_wanted (p->explore))
    tf_image_to_input (r->source, r->source_size, r->source_size, r->source_size * 3, 3,
                       &p->model->input, p->explore->input);
  if (p->error == NULL
      && !append_explored_face (p->line, p->explore, p->explore->input, r->outputs, r->batch_index, r->det, 0, 0,
                                &p->error))
    return;
  if (p->compare->second && p->error == NULL)
    {
      /* the second model's input from the same aligned crop, through its own
       * size, colour and normalisation */
      tf_image_to_input (r->source, r->source_size, r->source_size, r->source_size * 3, 3,
                         &p->compare->second->input, p->compare->input);
      append_compare (p->line, p->compare, r->probs, &p->error);
    }
}

static void
predict_file_done (const char   *file,
                   int           file_index,
                   gint64        frames,
                   gint64        faces,
                   const GError *error,
                   gpointer      data)
{
  Predict *p = data;
  g_autoptr(GString) s = g_string_new ("{");

  (void) file_index;
  (void) faces;
  if (error)
    {
      g_printerr ("transfer-cli: %s\n", error->message);
      p->failed++;
      if (frames == 0)
        {
          g_string_truncate (p->line, 0);
          return;
        }
    }
  tf_json_file_member (s, file);
  g_string_append_printf (s, ",\"faces\":[%s]}\n", p->line->str);
  fputs (s->str, stdout);
  fflush (stdout);
  g_string_truncate (p->line, 0);
}

static int
predict_detect (const char   *model_path,
                const char   *detector_path,
                const char   *compare_path,
                gboolean      flip,
                double        threshold,
                TfProbeFlags  probes,
                Explore      *explore,
                int           batch,
                int           threads,
                int           n_files,
                char        **files)
{
  Compare compare = { 0 };
  g_autoptr(TfEngine) explore_engine = NULL;
  g_autofree float *explore_input = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(TfModel) model = NULL;
  g_autoptr(TfDetector) detector = NULL;
  g_autoptr(TfAnalyzer) analyzer = NULL;
  g_autoptr(GString) line = g_string_new (NULL);
  TfAnalyzeCallbacks cb = { .face = predict_face, .file_done = predict_file_done };
  TfAnalyzeOptions options;
  Predict p = { 0 };

  if (!tf_cli_load_pipeline (model_path, detector_path, &model, &detector, &error))
    {
      g_printerr ("transfer-cli: %s\n", error->message);
      return 1;
    }
  if (compare_path && !compare_load (&compare, model, compare_path, flip, &error))
    {
      g_printerr ("transfer-cli: %s\n", error->message);
      return 1;
    }
  if (!explore_check (explore, model, &error))
    {
      g_printerr ("transfer-cli: %s\n", error->message);
      compare_clear (&compare);
      return 1;
    }
  explore->model = model;
  explore->engine = explore_engine = tf_engine_new (model);
  explore->probes = probes & ~TF_PROBE_ABLATION;
  explore->input = explore_input = g_new (float, (gsize) 3 * model->input.size * model->input.size);
  tf_analyze_options_init (&options);
  options.mirror = flip;
  options.score = (float) threshold;
  options.probes = probes;
  options.batch = batch;
  options.threads = threads;
  /* one line per file with all its faces: a picture is one frame (a video
   * given here gives every analysed frame's faces in its one line; analyze
   * is the command for videos) */
  if (!(analyzer = tf_analyzer_new (model, detector, &options, &error)))
    {
      g_printerr ("transfer-cli: %s\n", error->message);
      compare_clear (&compare);
      return 1;
    }
  p.model = model;
  p.line = line;
  p.compare = &compare;
  p.explore = explore;
  if (!tf_analyzer_run (analyzer, (const char * const *) files, n_files, &cb, &p, NULL, &error) ||
      (p.error && (error = g_steal_pointer (&p.error))))
    {
      g_printerr ("transfer-cli: %s\n", error->message);
      compare_clear (&compare);
      return 1;
    }
  compare_clear (&compare);
  return p.failed ? 1 : 0;
}

/* ---- the command ---------------------------------------------------------- */

int
tf_cli_predict (int    argc,
                char **argv)
{
  g_auto(TfCliShared) shared = { 0 };
  gboolean no_detect = FALSE, probes = FALSE, ablation = FALSE, flip = FALSE, occlusion = FALSE, blur = FALSE;
  g_autofree char *compare_path = NULL;
  Compare compare = { 0 };
  int batch = 8, drop_lanet = 0, patch = TF_OCCLUSION_DEFAULT_PATCH, stride = TF_OCCLUSION_DEFAULT_STRIDE;
  GOptionEntry entries[] = {
    { "no-detect", 0, 0, G_OPTION_ARG_NONE, &no_detect, "Use the whole image as the face", NULL },
    { "probes", 0, 0, G_OPTION_ARG_NONE, &probes, "Add LANet maps, head contributions, class-token attention and rollout", NULL },
    { "ablation", 0, 0, G_OPTION_ARG_NONE, &ablation,
      "Add the probability change per dropped head (slow) and the probabilities per dropped LANet", NULL },
    { "drop-lanet", 0, 0, G_OPTION_ARG_INT, &drop_lanet,
      "Predict with LANet N's map dropped (MAD at inference; N from 1)", "N" },
    { "occlusion", 0, 0, G_OPTION_ARG_NONE, &occlusion,
      "Add the occlusion-sensitivity map: the predicted class's probability drop with a patch hiding each place",
      NULL },
    { "patch", 0, 0, G_OPTION_ARG_INT, &patch,
      "Occlusion patch side in input pixels (default " G_STRINGIFY (TF_OCCLUSION_DEFAULT_PATCH) ")", "P" },
    { "stride", 0, 0, G_OPTION_ARG_INT, &stride,
      "Occlusion cells: input size / P a side, rounded up, spread evenly (default " G_STRINGIFY (TF_OCCLUSION_DEFAULT_STRIDE) ")", "P" },
    { "blur", 0, 0, G_OPTION_ARG_NONE, &blur, "Blur the occlusion patch instead of greying it", NULL },
    { "batch", 0, 0, G_OPTION_ARG_INT, &batch, "Faces per forward pass (default 8)", "N" },
    { "flip", 0, 0, G_OPTION_ARG_NONE, &flip, TF_CLI_FLIP_HELP, NULL },
    { "compare", 0, 0, G_OPTION_ARG_FILENAME, &compare_path, "Add each face's probabilities by a second model "
      "(\"compare\": its own input size and colour, classes matched by name)", "MODEL2" },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new ("IMAGE... - predict expressions");
  g_autoptr(GError) error = NULL;
  g_autoptr(TfModel) model = NULL;
  g_autoptr(TfEngine) engine = NULL;
  g_autofree float *input = NULL;
  g_autofree Item *items = NULL;
  g_autoptr(TfEngine) explore_engine = NULL;
  TfProbeFlags flags = TF_PROBE_NONE;
  Explore explore = { 0 };
  const char *bad;
  int failures = 0, s;

  tf_cli_shared_add (ctx, &shared, TF_CLI_OPTION_MODEL | TF_CLI_OPTION_DETECTOR | TF_CLI_OPTION_THRESHOLD |
                                    TF_CLI_OPTION_THREADS);
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    return tf_cli_usage_error (ctx, error->message);
  if (shared.model == NULL && (shared.model = tf_data_find (TF_DATA_MODEL)) == NULL)
    return tf_cli_usage_error (ctx, "no --model given and the shipped model is not installed");
  if (argc < 2)
    return tf_cli_usage_error (ctx, "predict needs at least one image");
  if ((bad = tf_cli_shared_check (&shared)))
    return tf_cli_usage_error (ctx, bad);
  if (batch < 1 || batch > 256)
    return tf_cli_usage_error (ctx, "--batch must lie in 1..256");
  if (probes)
    flags |= TF_PROBE_MAPS | TF_PROBE_ATTENTION | TF_PROBE_ROLLOUT;
  if (ablation)
    flags |= TF_PROBE_ABLATION;
  if (drop_lanet < 0 || (drop_lanet > 0 && ablation))
    return tf_cli_usage_error (ctx, "--drop-lanet takes a LANet from 1, and the ablation measures the whole model: "
                                    "give one of --drop-lanet and --ablation");
  if (patch < 1 || stride < 1)
    return tf_cli_usage_error (ctx, "--patch and --stride must be at least 1");
  explore.drop = drop_lanet - 1;
  explore.flip = flip;
  explore.occlusion = occlusion;
  explore.lanet_ablation = ablation;
  tf_occlusion_options_init (&explore.occlusion_options);
  explore.occlusion_options.patch = patch;
  explore.occlusion_options.stride = stride;
  explore.occlusion_options.fill = blur ? TF_OCCLUDE_BLUR : TF_OCCLUDE_GREY;
  if (!no_detect)
    return predict_detect (shared.model, shared.detector, compare_path, flip, shared.threshold, flags, &explore,
                           batch, shared.threads, argc - 1, argv + 1);

  tf_set_threads (shared.threads);
  if (!(model = tf_model_load (shared.model, &error)))
    return tf_cli_fail (g_steal_pointer (&error));
  if (!explore_check (&explore, model, &error))
    return tf_cli_fail (g_steal_pointer (&error));
  engine = tf_engine_new (model);
  explore.model = model;
  explore.engine = explore_engine = tf_engine_new (model);
  explore.probes = flags & ~TF_PROBE_ABLATION;
  if (compare_path && !compare_load (&compare, model, compare_path, flip, &error))
    return tf_cli_fail (g_steal_pointer (&error));

  s = model->input.size;
  input = g_new (float, (gsize) batch * 3 * s * s);
  items = g_new0 (Item, batch);

  for (int next = 1; next < argc;)
    {
      int n = 0;
      TfOutputs out;

      /* fill a batch with the images that decode; report the others */
      while (n < batch && next < argc)
        {
          g_autoptr(GError) image_error = NULL;
          const char *file = argv[next++];
          if (!tf_decode_input (file, &model->input, input + (gsize) n * 3 * s * s,
                                &items[n].width, &items[n].height, &image_error))
            {
              g_printerr ("transfer-cli: %s\n", image_error->message);
              failures++;
              continue;
            }
          items[n++].file = (char *) file;
        }
      if (n == 0)
        continue;
      if (flip ? !tf_engine_forward_mirrored (engine, input, n, flags, &out, &error)
               : !tf_engine_forward (engine, input, n, flags, NULL, &out, &error))
        {
          compare_clear (&compare);
          return tf_cli_fail (g_steal_pointer (&error));
        }
      for (int i = 0; i < n; i++)
        if (!print_result (&explore, &items[i], input + (gsize) i * 3 * s * s, &out, i, &compare, &error))
          {
            compare_clear (&compare);
            return tf_cli_fail (g_steal_pointer (&error));
          }
      fflush (stdout);
    }
  compare_clear (&compare);
  return failures ? 1 : 0;
}
