/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Pieces shared by the subcommands of transfer-cli. */
#pragma once

#include <glib.h>

#include "tf-detect.h"
#include "tf-engine.h"

G_BEGIN_DECLS

/* Decodes @path and converts it to the model input [3][S][S] (whole image as
 * the face). The error names the file and what is wrong with it. */
gboolean tf_cli_load_input  (const char        *path,
                             const TfInputSpec *spec,
                             float             *out,
                             int               *width,
                             int               *height,
                             GError           **error);

/* The shipped FER+ model: $TRANSFER_MODEL, else the installed copy, else the
 * source tree's (running from the build folder). NULL when none exists. */
char    *tf_cli_default_model (void);
/* The shipped YuNet face detector, found the same way ($TRANSFER_DETECTOR). */
char    *tf_cli_default_detector (void);

int      tf_cli_bench       (int                argc,
                             char             **argv);
int      tf_cli_train       (int                argc,
                             char             **argv);
int      tf_cli_eval        (int                argc,
                             char             **argv);
int      tf_cli_detect      (int                argc,
                             char             **argv);

int      tf_cli_analyze       (int                argc,
                               char             **argv);
int      tf_cli_bench_analyze (int                argc,
                               char             **argv);
/* predict through the face pipeline: one JSON line per picture */
int      tf_cli_predict_detect (const char       *model_path,
                                const char       *detector_path,
                                double            threshold,
                                TfProbeFlags      probes,
                                int               batch,
                                int               threads,
                                int               n_files,
                                char            **files);
/* One face's JSON object: box (the whole image when @det is NULL), score
 * and landmarks, probabilities, prediction, logits and whatever probes @o
 * holds for face @i. */
void     tf_cli_append_face    (GString          *s,
                                TfModel          *model,
                                const TfOutputs  *o,
                                int               i,
                                const TfFace     *det,
                                int               width,
                                int               height);

/* eval --detect: a TfDecodeFunc that decodes a photo, finds its main face
 * (the one nearest the centre) and returns it aligned to the model's crop
 * template at the template's source size. */
typedef struct _TfCliAligner TfCliAligner;
TfCliAligner *tf_cli_aligner_new    (TfModel          *model,
                                     const char       *detector_path,
                                     GError          **error);
void          tf_cli_aligner_free   (TfCliAligner     *aligner);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TfCliAligner, tf_cli_aligner_free)
int           tf_cli_aligner_missed (TfCliAligner     *aligner);
guint8       *tf_cli_decode_aligned (const char       *path,
                                     int              *width,
                                     int              *height,
                                     int              *stride,
                                     GError          **error,
                                     gpointer          user_data);

/* The process's peak resident memory so far, in MiB (for the benchmarks). */
double   tf_cli_peak_rss_mb   (void);

/* Reports a usage mistake with the command's help; returns the exit status 2. */
int      tf_cli_usage_error   (GOptionContext   *ctx,
                               const char       *message);

/* JSON helpers: a string with escapes; a float array. */
void     tf_json_string     (GString           *s,
                             const char        *str);
void     tf_json_floats     (GString           *s,
                             const float       *v,
                             gsize              n);

G_END_DECLS
