/* SPDX-License-Identifier: GPL-3.0-or-later */
/* transfer-cli: what its command files share. Each command lives in its own
 * tf-cli-COMMAND.c, parses its flags, calls the libraries below (app/media,
 * model) and prints; main() in transfer-cli.c is a table of them. */
#pragma once

#include <glib.h>

#include "tf-analyze.h"
#include "tf-atomic-file.h"
#include "tf-detect.h"
#include "tf-engine.h"

G_BEGIN_DECLS

/* A command: argv[0] is the command's name. Returns the exit status. */
typedef int (*TfCliCommand) (int argc, char **argv);

int      tf_cli_init          (int argc, char **argv);
int      tf_cli_predict       (int argc, char **argv);
int      tf_cli_analyze       (int argc, char **argv);
int      tf_cli_detect        (int argc, char **argv);
int      tf_cli_bench         (int argc, char **argv);
int      tf_cli_bench_analyze (int argc, char **argv);
int      tf_cli_bench_camera  (int argc, char **argv);
int      tf_cli_train         (int argc, char **argv);
int      tf_cli_finetune      (int argc, char **argv);
int      tf_cli_bench_finetune (int argc, char **argv);
int      tf_cli_eval          (int argc, char **argv);
int      tf_cli_project       (int argc, char **argv);
int      tf_cli_bench_project (int argc, char **argv);
int      tf_cli_calibrate     (int argc, char **argv);

/* ---- options several commands share, declared once ------------------------ */

/* Bounds of the sampling options: far beyond any use, and inside what the
 * frame arithmetic holds. */
#define TF_CLI_MAX_EVERY 1000000
#define TF_CLI_MAX_FPS   1000

typedef enum
{
  TF_CLI_OPTION_MODEL     = 1 << 0,   /* --model FILE */
  TF_CLI_OPTION_DETECTOR  = 1 << 1,   /* --detector FILE */
  TF_CLI_OPTION_THRESHOLD = 1 << 2,   /* --threshold T */
  TF_CLI_OPTION_THREADS   = 1 << 3,   /* --threads T */
} TfCliOptionFlags;

typedef struct
{
  char   *model;       /* NULL: the shipped model */
  char   *detector;    /* NULL: the shipped detector */
  double  threshold;   /* TF_DETECT_DEFAULT_THRESHOLD */
  int     threads;     /* all cores */
} TfCliShared;

/* Sets the defaults in @shared and adds the options @which to @ctx's main
 * group; @shared must outlive the parse. */
void        tf_cli_shared_add   (GOptionContext   *ctx,
                                 TfCliShared      *shared,
                                 TfCliOptionFlags  which);
/* After parsing: NULL when the values are in range, else what is wrong.
 * More threads than cores are allowed, with a warning on stderr. */
const char *tf_cli_shared_check (const TfCliShared *shared);
void        tf_cli_shared_clear (TfCliShared      *shared);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (TfCliShared, tf_cli_shared_clear)

/* The face pipeline's options, for analyze, bench --analyze and project
 * new: the shared ones, --every, --fps, --detect-every, --batch, --flip. */
typedef struct
{
  TfCliShared shared;   /* --model, --detector, --threshold, --threads */
  int         every, detect_every, batch;
  double      fps;
  gboolean    flip;
} TfCliPipeline;

/* --flip's help: opt-in here, so that the outputs stay comparable with the
 * PyTorch reference's goldens (the application has it on by default). */
#define TF_CLI_FLIP_HELP "Average each face's probabilities with its mirror image's (test-time " \
  "augmentation; off by default so outputs match the PyTorch reference, on in the application)"

/* Sets the defaults and adds the options to @ctx's main group. */
void        tf_cli_pipeline_add     (GOptionContext      *ctx,
                                     TfCliPipeline       *pipeline);
/* NULL when the values are in range, else what is wrong. */
const char *tf_cli_pipeline_check   (const TfCliPipeline *pipeline);
/* The analysis options the values give. */
void        tf_cli_pipeline_options (const TfCliPipeline *pipeline,
                                     TfAnalyzeOptions    *options);
void        tf_cli_pipeline_clear   (TfCliPipeline       *pipeline);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (TfCliPipeline, tf_cli_pipeline_clear)

/* ---- --shard I/N: this machine's part of a batch (analyze, project new) ---- */

#define TF_CLI_SHARD_HELP "Only shard I of N (1 <= I <= N): the files whose path, as named here, " \
  "hashes to it; the N shards of the same paths hold every file once"

/* Parses @text as I/N into @index (1..N) and @count (N, up to
 * TF_ANALYZE_MAX_SHARDS); @text NULL is 1/1, everything. NULL when it is
 * valid, else what is wrong (for tf_cli_usage_error; free it). */
char       *tf_cli_shard_parse      (const char          *text,
                                     int                 *index,
                                     int                 *count);

/* The expression model and the face detector at these paths (NULL: the
 * shipped ones). The error says which option to give when one is missing. */
gboolean tf_cli_load_pipeline (const char        *model_path,
                               const char        *detector_path,
                               TfModel          **model,
                               TfDetector       **detector,
                               GError           **error);

/* One face's JSON object: box (the whole image when @det is NULL), score
 * and landmarks, probabilities, prediction, logits and whatever probes @o
 * holds for face @i. */
void     tf_cli_append_face   (GString          *s,
                               TfModel          *model,
                               const TfOutputs  *o,
                               int               i,
                               const TfFace     *det,
                               int               width,
                               int               height);

/* ---- where a command's rows go: a file written atomically, or stdout --------- */

typedef struct
{
  TfAtomicFile *file;    /* NULL: standard output */
  int           failed;  /* errno of the first failed write to standard output */
} TfCliOutput;

/* @path NULL or "-": standard output. Else the file is written beside its
 * target and only replaces it in tf_cli_output_close: a failure leaves the
 * previous file as it was. */
gboolean tf_cli_output_open   (TfCliOutput      *out,
                               const char       *path,
                               GError          **error);
/* Checked, and remembered: tf_cli_output_close reports the first failure. */
void     tf_cli_output_write  (TfCliOutput      *out,
                               const char       *data,
                               gsize             len);
/* Flushes (and for a file, commits) the output; FALSE with the reason when
 * anything written did not arrive. */
gboolean tf_cli_output_close  (TfCliOutput      *out,
                               GError          **error);

/* The process's peak resident memory so far, in MiB (for the benchmarks). */
double   tf_cli_peak_rss_mb   (void);

/* Reports a usage mistake with the command's help; returns the exit status 2. */
int      tf_cli_usage_error   (GOptionContext   *ctx,
                               const char       *message);
/* Reports @error on stderr, frees it; returns the exit status 1. */
int      tf_cli_fail          (GError           *error);

/* "transfer-cli COMMAND" and @argv's arguments, shell-quoted: the command
 * as typed, which the recipe of a trained model records. */
char       *tf_cli_command_line  (const char       *command,
                                  int               argc,
                                  char            **argv);

G_END_DECLS
