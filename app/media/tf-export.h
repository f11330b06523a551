/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Rows of results as CSV or JSON Lines, one per face per frame, the same
 * for `transfer-cli analyze` and the application's export:
 *   file, frame, time_s, face, x, y, w, h, p_<class>..., predicted, label,
 *   track, score
 * (JSON Lines adds the five landmarks); a project's export adds
 * label_source, annotator, final, agree and votes after score: votes is
 * "NAME=LABEL;..." in CSV, an object of names in JSON Lines. */
#pragma once

#include <glib.h>

#include "tf-detect.h"

G_BEGIN_DECLS

typedef enum
{
  TF_EXPORT_CSV,
  TF_EXPORT_JSONL,
} TfExportFormat;

typedef struct
{
  const char   *file;
  gint64        frame;
  double        time_s;
  int           face;
  const TfFace *det;
  const float  *probs;      /* NULL: not predicted (empty p_ and predicted) */
  int           predicted;
  const char   *label;      /* the person's label, or NULL */
  int           track;
  gboolean      provenance;   /* write label_source and annotator (project exports) */
  const char   *label_source; /* "person", "imported", "propagated", or NULL */
  const char   *annotator;    /* or NULL */
  /* project exports, several annotators: whether the label is an
   * adjudicator's final one, how many votes agree with it, and each vote */
  gboolean      final;
  int           agree;
  int           n_votes;
  const char * const *voters;       /* [n_votes] annotators */
  const char * const *vote_labels;  /* [n_votes] their labels */
} TfExportRow;

gboolean tf_export_parse_format (const char          *name,
                                 TfExportFormat      *format);
/* The CSV header line (nothing for JSON Lines). */
void     tf_export_header       (GString             *out,
                                 TfExportFormat       format,
                                 const char * const  *classes,
                                 int                  n_classes);
/* The same with the label_source and annotator columns. */
void     tf_export_header_provenance (GString        *out,
                                      TfExportFormat  format,
                                      const char * const *classes,
                                      int             n_classes);
void     tf_export_row          (GString             *out,
                                 TfExportFormat       format,
                                 const char * const  *classes,
                                 int                  n_classes,
                                 const TfExportRow   *row);

/* Appends @s as one CSV field (RFC 4180: quoted when it holds a comma, a
 * quote or a line break, quotes doubled). */
void     tf_export_csv_field (GString    *out,
                              const char *s);

G_END_DECLS
