/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Everything the face inspector shows about one face, copied out of the
 * engine's outputs (which live only until its next call): a boxed,
 * reference-counted, immutable record. Arrays are row-major; probe arrays
 * are NULL when they were not computed. */
#pragma once

#include <gdk/gdk.h>

#include "tf-class-name.h"

G_BEGIN_DECLS

#define TF_TYPE_FACE_PROBE (tf_face_probe_get_type ())

typedef struct _TfFaceProbe TfFaceProbe;

struct _TfFaceProbe
{
  /* where */
  gint64      face_id;            /* the project's face (0: none); set once by
                                   * the owner, before the probe is shown */
  char       *file;
  gint64      frame;
  double      time_s;
  int         face, track;
  float       box[4];             /* x, y, w, h in frame pixels */
  float       landmarks[5][2];
  float       score;
  /* the aligned crop the model saw, for display (NULL: none) */
  GdkTexture *crop;
  /* what the model says */
  int         classes;            /* K */
  char      **class_names;        /* K names, NULL-terminated */
  float      *probs;              /* [K] */
  int         predicted;
  /* probes: g = grid, L = depth, H = heads, B = LANets */
  int         lanets, grid, depth, heads;
  float      *lanet_maps;         /* [B][g*g] */
  float      *lanet_max;          /* [g*g] */
  float      *cls_attn;           /* [L][H][g*g] the class token's attention over the patches */
  float      *head_contrib;       /* [L][H], summing to 1 per block */
  float      *rollout;            /* [g*g] */
  float      *ablation;           /* [L][H][K] probability change when only that head is dropped */
  /* exploration, computed on demand (NULL until then):
   * lanet_ablation: probabilities with LANet b's map dropped (MAD at
   *   inference), [B][K];
   * occlusion_map: at each place of a occlusion_grid^2 grid over the crop,
   *   the drop in the predicted class's probability when a patch hides it
   *   (row-major, rows top to bottom, like lanet_maps) */
  float      *lanet_ablation;
  float      *occlusion_map;
  int         occlusion_grid;
  /* the same face through a second model being compared (its own classes,
   * maps and heads), or NULL; a reference held by this probe */
  TfFaceProbe *compare;
  /* what it was computed from, to compute more on demand: the aligned RGB
   * crop before the model's own resampling to its input_size (source_size^2
   * x 3 bytes; a twentieth of the float input) */
  guint8     *source_rgb;
  int         source_size;
  int         input_size;
  /* the model reads the crop's luma only (its input metadata's "color":
   * "gray"): "as the model sees it" is the crop in grayscale */
  gboolean    input_gray;
};

GType        tf_face_probe_get_type (void) G_GNUC_CONST;
/* A new, zeroed record with one reference; fill it, then treat it as
 * read-only. */
TfFaceProbe *tf_face_probe_new      (void);
TfFaceProbe *tf_face_probe_ref      (TfFaceProbe *probe);
void         tf_face_probe_unref    (TfFaceProbe *probe);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TfFaceProbe, tf_face_probe_unref)

/* The index in @probes (TfFaceProbe) of @probe itself, else of the face
 * with its face_id (a probe replaced by a newer one of the same face). */
gboolean     tf_face_probe_array_find (GPtrArray         *probes,
                                       const TfFaceProbe *probe,
                                       guint             *index);

/* A deep copy with one reference, to fill further before it is shared. */
TfFaceProbe *tf_face_probe_copy     (const TfFaceProbe *probe);

/* A copy holding @ablation ([L][H][K]) besides what @probe holds. */
TfFaceProbe *tf_face_probe_with_ablation (const TfFaceProbe *probe,
                                          const float       *ablation);

G_END_DECLS
