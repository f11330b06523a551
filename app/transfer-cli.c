/* SPDX-License-Identifier: GPL-3.0-or-later */
/* transfer-cli: batch work with TransFER models from the command line.
 * The subcommands and their output are a contract other tools rely on. */
#include <glib.h>
#include <locale.h>
#include <stdio.h>

#include "tf-cli.h"
#include "tf-engine.h"
#include "tf-error.h"
#include "tf-ops.h"

static int
fail (GError *error)
{
  g_printerr ("transfer-cli: %s\n", error->message);
  g_error_free (error);
  return 1;
}

/* ---- init ---------------------------------------------------------------- */

static int
cmd_init (int    argc,
          char **argv)
{
  g_autofree char *config_name = NULL, *classes = NULL, *out = NULL, *dtype_name = NULL, *color = NULL;
  gint64 seed = 0;
  GOptionEntry entries[] = {
    { "config", 0, 0, G_OPTION_ARG_STRING, &config_name, "Preset: paper or small", "NAME" },
    { "classes", 0, 0, G_OPTION_ARG_STRING, &classes, "Comma-separated class names", "A,B,..." },
    { "seed", 0, 0, G_OPTION_ARG_INT64, &seed, "Random seed (default 0)", "N" },
    { "color", 0, 0, G_OPTION_ARG_STRING, &color, "Input colour handling: rgb (default) or gray", "MODE" },
    { "dtype", 0, 0, G_OPTION_ARG_STRING, &dtype_name, "Stored dtype: F32 (default), F16 or BF16", "TYPE" },
    { "out", 0, 0, G_OPTION_ARG_FILENAME, &out, "Model file to write", "FILE" },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new ("- write a randomly initialised model");
  g_autoptr(GError) error = NULL;
  g_autoptr(TfModel) model = NULL;
  g_auto(GStrv) names = NULL;
  TfConfig config;
  TfDtype dtype = TF_DTYPE_F32;

  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    return tf_cli_usage_error (ctx, error->message);
  if (config_name == NULL || classes == NULL || out == NULL)
    return tf_cli_usage_error (ctx, "init needs --config, --classes and --out");

  names = g_strsplit (classes, ",", -1);
  for (guint i = 0; names[i]; i++)
    {
      g_strstrip (names[i]);
      if (*names[i] == '\0')
        return tf_cli_usage_error (ctx, "--classes has an empty name");
    }
  if (g_strv_length (names) < 1)
    return tf_cli_usage_error (ctx, "--classes names no class");
  if (!tf_config_preset (config_name, (int) g_strv_length (names), &config))
    return tf_cli_usage_error (ctx, "--config must be paper or small");
  if (dtype_name && g_ascii_strcasecmp (dtype_name, "F16") == 0)
    dtype = TF_DTYPE_F16;
  else if (dtype_name && g_ascii_strcasecmp (dtype_name, "BF16") == 0)
    dtype = TF_DTYPE_BF16;
  else if (dtype_name && g_ascii_strcasecmp (dtype_name, "F32") != 0)
    return tf_cli_usage_error (ctx, "--dtype must be F32, F16 or BF16");
  if (color && !g_str_equal (color, "rgb") && !g_str_equal (color, "gray"))
    return tf_cli_usage_error (ctx, "--color must be rgb or gray");

  model = tf_model_new (&config, (const char * const *) names);
  model->input.gray = color && g_str_equal (color, "gray");
  tf_model_init_random (model, (guint64) seed);
  g_hash_table_insert (model->metadata, g_strdup ("trained_with"),
                       g_strdup_printf ("transfer-cli init (random, seed %" G_GINT64_FORMAT ")", seed));
  if (!tf_model_save (model, out, dtype, &error))
    return fail (g_steal_pointer (&error));
  return 0;
}

/* ---- predict ------------------------------------------------------------- */

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

static void
print_result (TfModel         *model,
              const Item      *item,
              const TfOutputs *o,
              int              i)
{
  g_autoptr(GString) s = g_string_new ("{\"file\":");
  g_autofree char *display = g_filename_display_name (item->file);

  tf_json_string (s, display);
  g_string_append (s, ",\"faces\":[");
  tf_cli_append_face (s, model, o, i, NULL, item->width, item->height);
  g_string_append (s, "]}\n");
  fputs (s->str, stdout);
}

static int
cmd_predict (int    argc,
             char **argv)
{
  g_autofree char *model_path = NULL, *detector_path = NULL;
  gboolean no_detect = FALSE, probes = FALSE, ablation = FALSE;
  double threshold = 0.6;
  int batch = 8, threads = (int) g_get_num_processors ();
  GOptionEntry entries[] = {
    { "model", 0, 0, G_OPTION_ARG_FILENAME, &model_path, "Model file (default: the shipped FER+ model)", "FILE" },
    { "detector", 0, 0, G_OPTION_ARG_FILENAME, &detector_path, "Face detector (default: the shipped YuNet)", "FILE" },
    { "threshold", 0, 0, G_OPTION_ARG_DOUBLE, &threshold, "Detector score threshold (default 0.6)", "T" },
    { "no-detect", 0, 0, G_OPTION_ARG_NONE, &no_detect, "Use the whole image as the face", NULL },
    { "probes", 0, 0, G_OPTION_ARG_NONE, &probes, "Add LANet maps, head contributions, class-token attention and rollout", NULL },
    { "ablation", 0, 0, G_OPTION_ARG_NONE, &ablation, "Add the probability change per dropped head (slow)", NULL },
    { "batch", 0, 0, G_OPTION_ARG_INT, &batch, "Faces per forward pass (default 8)", "N" },
    { "threads", 0, 0, G_OPTION_ARG_INT, &threads, "Threads (default: all cores)", "T" },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new ("IMAGE... - predict expressions");
  g_autoptr(GError) error = NULL;
  g_autoptr(TfModel) model = NULL;
  g_autoptr(TfEngine) engine = NULL;
  g_autofree float *input = NULL;
  g_autofree Item *items = NULL;
  TfProbeFlags flags = TF_PROBE_NONE;
  int failures = 0, s;

  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    return tf_cli_usage_error (ctx, error->message);
  if (model_path == NULL && (model_path = tf_cli_default_model ()) == NULL)
    return tf_cli_usage_error (ctx, "no --model given and the shipped model is not installed");
  if (argc < 2)
    return tf_cli_usage_error (ctx, "predict needs at least one image");
  if (batch < 1 || batch > 256 || threads < 1 || threads > 256)
    return tf_cli_usage_error (ctx, "--batch and --threads must lie in 1..256");
  if (probes)
    flags |= TF_PROBE_MAPS | TF_PROBE_ATTENTION | TF_PROBE_ROLLOUT;
  if (ablation)
    flags |= TF_PROBE_ABLATION;
  if (!no_detect)
    return tf_cli_predict_detect (model_path, detector_path, threshold, flags, batch, threads, argc - 1, argv + 1);

  tf_set_threads (threads);
  if (!(model = tf_model_load (model_path, &error)))
    return fail (g_steal_pointer (&error));
  engine = tf_engine_new (model);

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
          if (!tf_cli_load_input (file, &model->input, input + (gsize) n * 3 * s * s,
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
      if (!tf_engine_forward (engine, input, n, flags, NULL, &out, &error))
        return fail (g_steal_pointer (&error));
      for (int i = 0; i < n; i++)
        print_result (model, &items[i], &out, i);
      fflush (stdout);
    }
  return failures ? 1 : 0;
}

/* ---- main ---------------------------------------------------------------- */

static void
print_usage (void)
{
  g_printerr ("Usage: transfer-cli COMMAND [OPTION...]\n\n"
              "Commands:\n"
              "  init      write a randomly initialised model file\n"
              "  predict   find the faces in pictures and predict their expressions\n"
              "  analyze   the same over folders and videos, as CSV or JSON Lines rows\n"
              "  train     train or fine-tune a model\n"
              "  eval      accuracy, recall and confusion on a labelled set\n"
              "  detect    find faces and their landmarks, as JSON lines\n"
              "  bench     time inference (or, with --train, training), per stage\n\n"
              "Run 'transfer-cli COMMAND --help' for a command's options.\n");
}

int
main (int    argc,
      char **argv)
{
  setlocale (LC_ALL, "");

  if (argc < 2)
    {
      print_usage ();
      return 2;
    }
  if (g_str_equal (argv[1], "init"))
    return cmd_init (argc - 1, argv + 1);
  if (g_str_equal (argv[1], "predict"))
    return cmd_predict (argc - 1, argv + 1);
  if (g_str_equal (argv[1], "analyze"))
    return tf_cli_analyze (argc - 1, argv + 1);
  if (g_str_equal (argv[1], "bench") && g_strv_contains ((const char * const *) argv, "--analyze"))
    return tf_cli_bench_analyze (argc - 1, argv + 1);
  if (g_str_equal (argv[1], "bench"))
    return tf_cli_bench (argc - 1, argv + 1);
  if (g_str_equal (argv[1], "train"))
    return tf_cli_train (argc - 1, argv + 1);
  if (g_str_equal (argv[1], "eval"))
    return tf_cli_eval (argc - 1, argv + 1);
  if (g_str_equal (argv[1], "detect"))
    return tf_cli_detect (argc - 1, argv + 1);
  if (g_str_equal (argv[1], "--help") || g_str_equal (argv[1], "-h") || g_str_equal (argv[1], "help"))
    {
      print_usage ();
      return 0;
    }
  g_printerr ("transfer-cli: unknown command '%s'\n", argv[1]);
  print_usage ();
  return 2;
}
