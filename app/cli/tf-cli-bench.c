/* SPDX-License-Identifier: GPL-3.0-or-later */
/* transfer-cli bench: per-stage inference times. Compare ratios measured in
 * one run (the machine is shared and noisy), never absolute times. */
#include <cblas.h>
#include <stdio.h>
#include <time.h>

#include "tf-cli.h"
#include "tf-error.h"
#include "tf-occlude.h"
#include "tf-ops.h"
#include "tf-parallel.h"
#include "tf-optim.h"
#include "tf-rng.h"
#include "tf-train.h"

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

/* The machine's own sgemm rate, the yardstick for the engine's GFLOP/s:
 * OpenBLAS with its own threads, and the same product split in column
 * halves over our pool with OpenBLAS single-threaded in each (how the
 * engine runs it). Square sizes around those of the encoder's GEMMs. */
typedef struct
{
  const float *a, *b;
  float       *c;
  int          n;
} SplitGemm;

static void
split_gemm_task (int      task,
                 int      n_tasks,
                 int      thread,
                 gpointer data)
{
  const SplitGemm *g = data;
  gsize c0, c1;

  (void) thread;
  tf_split_range (g->n, n_tasks, task, &c0, &c1);
  cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, g->n, (int) (c1 - c0), g->n, 1.0f,
               g->a, g->n, g->b + c0, g->n, 0.0f, g->c + c0, g->n);
}

static int
bench_sgemm (int threads,
             int iters)
{
  const int sizes[] = { 512, 1024, 2048 };
  g_autoptr(TfPool) pool = tf_pool_new (threads);

  for (guint s = 0; s < G_N_ELEMENTS (sizes); s++)
    {
      int n = sizes[s];
      g_autofree float *a = g_new (float, (gsize) n * n), *b = g_new (float, (gsize) n * n);
      g_autofree float *c = g_new0 (float, (gsize) n * n);
      SplitGemm job = { a, b, c, n };
      double best_blas = G_MAXDOUBLE, best_pool = G_MAXDOUBLE;

      for (gsize i = 0; i < (gsize) n * n; i++)
        a[i] = b[i] = (float) (i % 7) * 0.1f;
      for (int it = -1; it < iters; it++)
        {
          gint64 start;

          openblas_set_num_threads (threads);
          start = g_get_monotonic_time ();
          cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, a, n, b, n, 0.0f, c, n);
          if (it >= 0)
            best_blas = MIN (best_blas, (g_get_monotonic_time () - start) / 1e6);

          openblas_set_num_threads (1);
          start = g_get_monotonic_time ();
          tf_pool_run (pool, threads, split_gemm_task, &job);
          if (it >= 0)
            best_pool = MIN (best_pool, (g_get_monotonic_time () - start) / 1e6);
        }
      printf ("sgemm_%d_gflops=%.1f sgemm_%d_split_gflops=%.1f\n", n, 2.0 * n * n * (double) n / best_blas / 1e9,
              n, 2.0 * n * n * (double) n / best_pool / 1e9);
    }
  return 0;
}

/* Full training steps: forward, backward, SGD with momentum (the recipe of
 * tools/bench_torch.py --train), on random faces and labels. */
static int
bench_train (TfModel *model,
             int      batch,
             int      iters)
{
  g_autoptr(TfTrainer) trainer = tf_trainer_new (model);
  g_autoptr(GError) error = NULL;
  g_autoptr(TfParamGroups) groups = tf_param_groups_new (model, NULL, &error);
  TfOptimConfig oc;
  TfOptimizer *opt;
  int s = model->input.size, k = model->config.num_classes;
  g_autofree float *in = g_new (float, (gsize) batch * 3 * s * s), *tg = g_new0 (float, (gsize) batch * k);
  double fwd = 0, bwd = 0, upd = 0, total = 0, loss = 0;
  TfRng rng;

  tf_optim_config_init (&oc, TF_OPTIM_SGD);
  opt = tf_optimizer_new (&oc, groups);
  tf_rng_seed (&rng, 7);
  for (gsize i = 0; i < (gsize) batch * 3 * s * s; i++)
    in[i] = (float) tf_rng_normal (&rng);
  for (int i = 0; i < batch; i++)
    tg[i * k + (int) tf_rng_below (&rng, k)] = 1.0f;

  for (int it = -1; it < iters; it++)
    {
      TfTrainOptions o = { .bn_train = TRUE, .bn_momentum = 0.1f, .drop = TRUE, .rng = &rng, .label_smoothing = 0.1f };
      gint64 start = g_get_monotonic_time (), mid;
      TfTrainTimes t;

      if (!tf_trainer_step (trainer, in, tg, batch, &o, &loss, &error))
        {
          g_printerr ("transfer-cli: %s\n", error->message);
          tf_optimizer_free (opt);
          return 1;
        }
      mid = g_get_monotonic_time ();
      tf_optimizer_step (opt, model->params, tf_trainer_get_grads (trainer), 0.01);
      if (it < 0)
        continue;
      tf_trainer_get_times (trainer, &t);
      fwd += t.forward;
      bwd += t.backward;
      upd += (g_get_monotonic_time () - mid) / 1e6;
      total += (g_get_monotonic_time () - start) / 1e6;
    }
  tf_optimizer_free (opt);

  printf ("model: %.2f M parameters, input %d, batch=%d iters=%d\n", tf_config_n_params (&model->config) / 1e6,
          s, batch, iters);
  printf ("forward_ms=%.2f\nbackward_ms=%.2f\noptimizer_ms=%.2f\n", 1e3 * fwd / iters, 1e3 * bwd / iters,
          1e3 * upd / iters);
  printf ("step_ms=%.2f\npeak_rss_mb=%.1f\n", 1e3 * total / iters, tf_cli_peak_rss_mb ());
  printf ("ms_per_image=%.2f\n", 1e3 * total / iters / batch);
  return 0;
}

static double
process_cpu_s (void)
{
  struct timespec ts;

  if (clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &ts) != 0)
    return 0;
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* What the application's occlusion costs: one occluded face forward with
 * its probes (each step of a drag), and one whole sensitivity map. */
static int
bench_occlusion (TfModel            *model,
                 TfEngine           *engine,
                 const float        *input,
                 TfOcclusionOptions *options,
                 gboolean            flip,
                 int                 threads,
                 int                 iters)
{
  const int s = model->input.size, grid = tf_occlusion_grid (s, options->stride);
  const gsize per = (gsize) 3 * s * s;
  g_autofree float *copy = g_new (float, per);
  g_autofree float *map = g_new (float, (gsize) grid * grid);
  g_autoptr(GArray) update = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) whole = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) whole_cpu = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) update_cpu = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GError) error = NULL;

  for (int it = -1; it < iters; it++)
    {
      TfOccludeRect rect = { s / 4 + it % 8, s / 3, s / 3, s / 4 };
      TfOutputs out;
      gint64 start = g_get_monotonic_time ();
      double secs, cpu0, cpu;

      cpu0 = process_cpu_s ();
      memcpy (copy, input, per * sizeof (float));
      tf_occlude (copy, &model->input, &rect, options->fill);
      /* with --flip as the application does by default: beside the mirror image */
      if (flip ? !tf_engine_forward_mirrored (engine, copy, 1, TF_PROBE_MAPS | TF_PROBE_ATTENTION | TF_PROBE_ROLLOUT,
                                              &out, &error)
               : !tf_engine_forward (engine, copy, 1, TF_PROBE_MAPS | TF_PROBE_ATTENTION | TF_PROBE_ROLLOUT,
                                     NULL, &out, &error))
        return tf_cli_fail (g_steal_pointer (&error));
      secs = (g_get_monotonic_time () - start) / 1e6;
      cpu = process_cpu_s () - cpu0;
      if (it >= 0)
        {
          g_array_append_val (update, secs);
          g_array_append_val (update_cpu, cpu);
        }

      start = g_get_monotonic_time ();
      cpu0 = process_cpu_s ();
      if (!tf_occlusion_map (engine, model, input, options, map, NULL, NULL, NULL, NULL, &error))
        return tf_cli_fail (g_steal_pointer (&error));
      secs = (g_get_monotonic_time () - start) / 1e6;
      cpu = process_cpu_s () - cpu0;
      if (it >= 0)
        {
          g_array_append_val (whole, secs);
          g_array_append_val (whole_cpu, cpu);
        }
    }
  g_array_sort (update, compare_doubles);
  g_array_sort (whole, compare_doubles);
  printf ("occlusion: threads=%d iters=%d patch=%d stride=%d grid=%d places=%d batch=%d fill=%s flip=%s\n",
          threads, iters, options->patch, options->stride, grid, grid * grid, options->batch,
          options->fill == TF_OCCLUDE_BLUR ? "blur" : "grey", flip ? "on" : "off");
  g_array_sort (update_cpu, compare_doubles);
  printf ("occlusion_update_cpu_ms=%.2f\n", 1e3 * g_array_index (update_cpu, double, iters / 2));
  printf ("occlusion_update_ms=%.2f\n", 1e3 * g_array_index (update, double, iters / 2));
  g_array_sort (whole_cpu, compare_doubles);
  /* on a shared machine the wall time counts the others too; the process's
   * own CPU time over the threads is what the map costs a machine it has */
  printf ("occlusion_map_cpu_s=%.3f\n", g_array_index (whole_cpu, double, iters / 2));
  printf ("occlusion_map_s=%.3f\n", g_array_index (whole, double, iters / 2));
  return 0;
}

int
tf_cli_bench (int    argc,
              char **argv)
{
  g_auto(TfCliShared) shared = { 0 };
  g_autofree char *model_path = NULL, *config_name = NULL;
  int batch = 0, iters = 5, threads;
  gboolean probes = FALSE, sgemm = FALSE, train = FALSE, flip = FALSE, occlusion = FALSE, blur = FALSE;
  int size = 0, patch = TF_OCCLUSION_DEFAULT_PATCH, stride = TF_OCCLUSION_DEFAULT_STRIDE;
  GOptionEntry entries[] = {
    { "model", 0, 0, G_OPTION_ARG_FILENAME, &model_path, "Model file", "FILE" },
    { "config", 0, 0, G_OPTION_ARG_STRING, &config_name, "Or a random model of a preset: paper or small", "NAME" },
    { "batch", 0, 0, G_OPTION_ARG_INT, &batch,
      "Faces per forward pass (default 1; with --occlusion, occluded copies per pass, default 16)", "N" },
    { "iters", 0, 0, G_OPTION_ARG_INT, &iters, "Timed passes after one warm-up (default 5)", "K" },
    { "probes", 0, 0, G_OPTION_ARG_NONE, &probes, "Also compute maps, attention and rollout probes", NULL },
    { "sgemm", 0, 0, G_OPTION_ARG_NONE, &sgemm, "Time OpenBLAS sgemm alone (the machine's FLOP rate)", NULL },
    { "train", 0, 0, G_OPTION_ARG_NONE, &train, "Time training steps (forward, backward, optimiser)", NULL },
    { "size", 0, 0, G_OPTION_ARG_INT, &size, "Input size for --config (default: the preset's)", "S" },
    { "flip", 0, 0, G_OPTION_ARG_NONE, &flip, "Time the mirrored average (each face and its mirror image)", NULL },
    { "occlusion", 0, 0, G_OPTION_ARG_NONE, &occlusion,
      "Time one occluded face with probes (a drag step) and one occlusion-sensitivity map", NULL },
    { "patch", 0, 0, G_OPTION_ARG_INT, &patch, "With --occlusion: the patch side in input pixels (default " G_STRINGIFY (TF_OCCLUSION_DEFAULT_PATCH) ")", "P" },
    { "stride", 0, 0, G_OPTION_ARG_INT, &stride, "With --occlusion: cells of about P pixels, spread evenly (default " G_STRINGIFY (TF_OCCLUSION_DEFAULT_STRIDE) ")", "P" },
    { "blur", 0, 0, G_OPTION_ARG_NONE, &blur, "With --occlusion: blur the patch instead of greying it", NULL },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new ("- time inference");
  g_autoptr(GError) error = NULL;
  g_autoptr(TfModel) model = NULL;
  g_autoptr(TfEngine) engine = NULL;
  g_autofree float *input = NULL;
  TfStageTimes sum = { 0 }, t;
  TfProbeFlags flags;
  double rss_before, best = G_MAXDOUBLE, total = 0, gflop;
  g_autoptr(GArray) all = g_array_new (FALSE, FALSE, sizeof (double));
  gsize n_in;
  TfRng rng;

  if (g_strv_contains ((const char * const *) argv, "--analyze"))
    return tf_cli_bench_analyze (argc, argv);
  if (g_strv_contains ((const char * const *) argv, "--camera"))
    return tf_cli_bench_camera (argc, argv);
  if (g_strv_contains ((const char * const *) argv, "--finetune"))
    return tf_cli_bench_finetune (argc, argv);
  if (g_strv_contains ((const char * const *) argv, "--project"))
    return tf_cli_bench_project (argc, argv);
  tf_cli_shared_add (ctx, &shared, TF_CLI_OPTION_THREADS);
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    {
      g_printerr ("transfer-cli: %s\n", error->message);
      return 2;
    }
  threads = shared.threads;
  if (sgemm)
    return bench_sgemm (threads, iters);
  if ((model_path == NULL) == (config_name == NULL))
    {
      g_printerr ("transfer-cli: bench needs exactly one of --model or --config\n");
      return 2;
    }
  if (batch == 0)
    batch = occlusion ? TF_OCCLUSION_DEFAULT_BATCH : 1;
  if (batch < 1 || batch > 256 || threads < 1 || threads > 256 || iters < 1 || iters > 10000)
    {
      g_printerr ("transfer-cli: --batch, --threads and --iters are out of range\n");
      return 2;
    }

  flags = probes ? TF_PROBE_MAPS | TF_PROBE_ATTENTION | TF_PROBE_ROLLOUT : TF_PROBE_NONE;
  tf_set_threads (threads);
  rss_before = tf_cli_peak_rss_mb ();
  if (model_path)
    {
      if (!(model = tf_model_load (model_path, &error)))
        {
          g_printerr ("transfer-cli: %s\n", error->message);
          return 1;
        }
    }
  else
    {
      TfConfig config;
      if (!tf_config_preset (config_name, 7, &config))
        {
          g_printerr ("transfer-cli: --config must be paper or small\n");
          return 2;
        }
      if (size)
        config.input_size = size;
      if (!tf_model_check_config (&config, &error))
        {
          g_printerr ("transfer-cli: %s\n", error->message);
          return 2;
        }
      model = tf_model_new (&config, NULL);
      tf_model_init_random (model, 1);
    }

  if (train)
    return bench_train (model, MAX (batch, 2), iters);

  engine = tf_engine_new (model);
  n_in = (gsize) (occlusion ? 1 : batch) * 3 * model->input.size * model->input.size;
  input = g_new (float, n_in);
  tf_rng_seed (&rng, 7);
  for (gsize i = 0; i < n_in; i++)
    input[i] = (float) tf_rng_normal (&rng);
  if (occlusion)
    {
      TfOcclusionOptions options;

      tf_occlusion_options_init (&options);
      options.patch = patch;
      options.stride = stride;
      options.batch = batch;
      options.fill = blur ? TF_OCCLUDE_BLUR : TF_OCCLUDE_GREY;
      return bench_occlusion (model, engine, input, &options, flip, threads, iters);
    }

  for (int it = -1; it < iters; it++)
    {
      TfOutputs out;
      gint64 start = g_get_monotonic_time ();
      double secs;

      if (flip ? !tf_engine_forward_mirrored (engine, input, batch, flags, &out, &error)
               : !tf_engine_forward (engine, input, batch, flags, NULL, &out, &error))
        {
          g_printerr ("transfer-cli: %s\n", error->message);
          return 1;
        }
      secs = (g_get_monotonic_time () - start) / 1e6;
      if (it < 0)
        continue;   /* warm-up: first touches of the buffers */
      tf_engine_get_times (engine, &t);
      sum.stem += t.stem;
      sum.lanets += t.lanets;
      sum.projection += t.projection;
      sum.encoder += t.encoder;
      sum.head += t.head;
      total += secs;
      best = MIN (best, secs);
      g_array_append_val (all, secs);
    }

  gflop = 2.0 * tf_config_macs (&model->config) * batch / 1e9;
  printf ("model: %s, %.2f M parameters, %.2f G multiply-adds per face\n",
          model_path ? model_path : config_name, tf_config_n_params (&model->config) / 1e6,
          tf_config_macs (&model->config) / 1e9);
  printf ("batch=%d threads=%d iters=%d probes=%s flip=%s\n", batch, threads, iters, probes ? "on" : "off",
          flip ? "on" : "off");
  printf ("stem_ms=%.2f\n", 1e3 * sum.stem / iters);
  printf ("lanets_ms=%.2f\n", 1e3 * sum.lanets / iters);
  printf ("projection_ms=%.2f\n", 1e3 * sum.projection / iters);
  printf ("encoder_ms=%.2f\n", 1e3 * sum.encoder / iters);
  printf ("head_ms=%.2f\n", 1e3 * sum.head / iters);
  g_array_sort (all, compare_doubles);
  printf ("batch_ms=%.2f median_batch_ms=%.2f best_batch_ms=%.2f\n", 1e3 * total / iters,
          1e3 * g_array_index (all, double, iters / 2), 1e3 * best);
  printf ("gflops=%.1f\n", gflop / (total / iters));
  printf ("weights_mb=%.1f peak_rss_mb=%.1f rss_before_load_mb=%.1f\n",
          model->n_params * sizeof (float) / 1048576.0, tf_cli_peak_rss_mb (), rss_before);
  printf ("ms_per_face=%.2f\n", 1e3 * total / iters / batch);
  return 0;
}
