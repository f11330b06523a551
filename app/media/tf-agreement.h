/* SPDX-License-Identifier: GPL-3.0-or-later */
/* How far several annotators agree on the faces they labelled: per face
 * (the vote distribution, as FER+ keeps it, and the majority), per class
 * (Fleiss' per-category kappa), overall (Fleiss' kappa, Krippendorff's
 * nominal alpha, the share of agreeing pairs) and per pair of annotators
 * (Cohen's kappa). Plain arithmetic over a table of category indices: no
 * project, no SQLite; the caller reads the labels and maps them to indices
 * (the classes, plus "not a face" or "unsure" when it counts them).
 *
 * A statistic that is 0/0 is NaN, never 0 and never a division by zero:
 *   - no item with two votes (Fleiss, alpha, percent agreement), or no item
 *     both annotators of a pair labelled (their agreement and kappa);
 *   - chance agreement of 1: every vote in one category (Fleiss' kappa,
 *     alpha), both annotators of a pair used one and the same category
 *     (Cohen's kappa), a category nobody or everybody chose (its kappa).
 * HACKING.md ("Annotator agreement") gives the formulas. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* a cell of the table with no label */
#define TF_AGREEMENT_MISSING (-1)

typedef struct
{
  int    a, b;          /* annotator indices, a < b */
  gint64 items;         /* items both labelled */
  gint64 agreed;        /* of which with the same category */
  double agreement;     /* agreed / items; NaN when items is 0 */
  double cohen_kappa;   /* NaN when items is 0 or chance agreement is 1 */
} TfAgreementPair;

typedef struct
{
  int      n_items;
  int      n_annotators;
  int      n_categories;
  char   **annotators;          /* [n_annotators], NULL-terminated */
  char   **categories;          /* [n_categories], NULL-terminated */

  /* per item */
  int     *votes;               /* [n_items] labels the item has */
  int     *counts;              /* [n_items][n_categories] votes per category */
  int     *majority;            /* [n_items] the category with the unique top
                                 * count; -1 on a tie or without votes */
  int     *top;                 /* [n_items] the top count: the votes agreeing
                                 * with the majority (also set on a tie) */

  /* per category, over the items with >= 2 votes */
  double  *category_kappa;      /* [n_categories] Fleiss' kappa_j; NaN when p_j is 0 or 1 */
  double  *category_proportion; /* [n_categories] p_j: share of all those votes;
                                 * NaN without such items */

  /* per annotator */
  gint64  *annotator_labels;    /* [n_annotators] items each labelled */

  /* every pair a < b, in the order (0,1), (0,2), ..., (1,2), ... */
  int              n_pairs;
  TfAgreementPair *pairs;

  /* overall */
  gint64   rated_items;         /* items with >= 2 votes: what the kappas and alpha use */
  gint64   pairable_values;     /* the votes in those items (Krippendorff's n) */
  double   fleiss_kappa;        /* generalised to a varying number of votes per item */
  double   krippendorff_alpha;  /* nominal */
  double   percent_agreement;   /* mean share of agreeing pairs of votes per item, 0..1 */
} TfAgreement;

/* Computes every statistic of @labels, [@n_items][@n_annotators] category
 * indices 0..@n_categories-1 or TF_AGREEMENT_MISSING. @annotators and
 * @categories name them (either may be NULL: "1", "2", ...). NULL with an
 * error (TF_ERROR_INPUT) naming the item and annotator of a value out of
 * range, or a size below 0 (n_categories below 1). */
TfAgreement           *tf_agreement_compute (const int          *labels,
                                             int                 n_items,
                                             int                 n_annotators,
                                             int                 n_categories,
                                             const char * const *annotators,
                                             const char * const *categories,
                                             GError            **error);
void                   tf_agreement_free    (TfAgreement        *agreement);
/* The pair of annotators @a and @b (either order; NULL when a == b or out of range). */
const TfAgreementPair *tf_agreement_pair    (const TfAgreement  *agreement,
                                             int                 a,
                                             int                 b);
/* The pairs as [n_annotators][n_annotators] matrices, symmetric, as
 * TfAgreementMatrix (widgets/tf-agreement-matrix.h) takes them: Cohen's
 * kappa (NaN on the diagonal), the items both labelled (on the diagonal:
 * the items each labelled) and the share of those alike (NaN on the
 * diagonal). Each of @kappa, @items, @agreement may be NULL. */
void                   tf_agreement_pair_matrices (const TfAgreement *agreement,
                                                   double            *kappa,
                                                   gint64            *items,
                                                   double            *share);
/* Appends the statistics as one JSON object, NaN as null:
 * {"fleiss_kappa", "krippendorff_alpha", "percent_agreement", "items",
 *  "rated_items", "annotators": [{"name", "labels"}],
 *  "pairs": [{"a", "b", "items", "agreement", "cohen_kappa"}],
 *  "classes": [{"name", "kappa", "proportion"}]}. Per-item values are not
 * written (a project has 100,000 faces): the caller writes what it needs. */
void                   tf_agreement_to_json (const TfAgreement  *agreement,
                                             GString            *out);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TfAgreement, tf_agreement_free)

G_END_DECLS
