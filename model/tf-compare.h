/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Two models side by side on the same face: their classes matched by name
 * (a model's order is its own; a class only one of them has is listed, not
 * compared) and whether they disagree. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  int    n_shared;       /* classes both models have */
  int   *first;          /* [n_shared] each shared class's index in the first list ... */
  int   *second;         /* [n_shared] ... and in the second, in the first list's order */
  char **only_first;     /* NULL-terminated names the second model lacks */
  char **only_second;    /* and those the first lacks */
} TfClassMatch;

TfClassMatch *tf_class_match_new      (const char * const *first,
                                       const char * const *second);
void          tf_class_match_free     (TfClassMatch       *match);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TfClassMatch, tf_class_match_free)

/* The index of the largest of @probs [K]. */
int           tf_probs_argmax         (const float        *probs,
                                       int                 k);

/* Whether two models disagree on a face: their predicted classes (each the
 * largest of its own probabilities) have different names. A class only one
 * model knows always counts as a disagreement: the other cannot say it. */
gboolean      tf_class_match_disagree (const char * const *first,
                                       const float        *first_probs,
                                       const char * const *second,
                                       const float        *second_probs);

G_END_DECLS
