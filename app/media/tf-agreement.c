/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "tf-agreement.h"
#include "tf-error.h"
#include "tf-json.h"

static char **
copy_names (const char * const *names,
            int                 n)
{
  char **copy = g_new0 (char *, (gsize) n + 1);

  for (int i = 0; i < n; i++)
    copy[i] = names && names[i] ? g_strdup (names[i]) : g_strdup_printf ("%d", i + 1);
  return copy;
}

/* the votes of each item, its majority, and what each annotator labelled */
static void
count_items (TfAgreement *ag,
             const int   *labels)
{
  const int K = ag->n_categories, R = ag->n_annotators;

  for (int i = 0; i < ag->n_items; i++)
    {
      int *counts = ag->counts + (gsize) i * K;
      int best = -1, top = 0;

      for (int r = 0; r < R; r++)
        {
          int c = labels[(gsize) i * R + r];

          if (c == TF_AGREEMENT_MISSING)
            continue;
          counts[c]++;
          ag->votes[i]++;
          ag->annotator_labels[r]++;
        }
      for (int k = 0; k < K; k++)
        if (counts[k] > top)
          {
            top = counts[k];
            best = k;
          }
        else if (counts[k] == top && top > 0)
          best = -1;
      ag->majority[i] = best;
      ag->top[i] = top;
    }
}

/* Fleiss' kappa, its per-category kappas, the percent agreement and
 * Krippendorff's nominal alpha: all over the items with two votes or more
 * (Krippendorff's pairable values), all from the same sums. */
static void
item_statistics (TfAgreement *ag)
{
  const int K = ag->n_categories;
  g_autofree gint64 *n_c = g_new0 (gint64, K);          /* votes per category */
  g_autofree double *disagree_c = g_new0 (double, K);   /* sum of n_ij (n_i - n_ij) / (n_i (n_i - 1)) */
  double sum_p_i = 0, o_diagonal = 0;
  gint64 total = 0;
  int used = 0;

  for (int i = 0; i < ag->n_items; i++)
    {
      const int *counts = ag->counts + (gsize) i * K;
      double m = ag->votes[i], agreeing = 0;

      if (ag->votes[i] < 2)
        continue;
      ag->rated_items++;
      total += ag->votes[i];
      for (int k = 0; k < K; k++)
        {
          double c = counts[k];

          n_c[k] += counts[k];
          agreeing += c * (c - 1);
          disagree_c[k] += c * (m - c) / (m * (m - 1));
        }
      /* P_i, and the item's share of the coincidence matrix's diagonal */
      sum_p_i += agreeing / (m * (m - 1));
      o_diagonal += agreeing / (m - 1);
    }
  ag->pairable_values = total;

  for (int k = 0; k < K; k++)
    used += n_c[k] > 0;
  if (ag->rated_items == 0)
    {
      ag->fleiss_kappa = ag->krippendorff_alpha = ag->percent_agreement = NAN;
      for (int k = 0; k < K; k++)
        ag->category_kappa[k] = ag->category_proportion[k] = NAN;
      return;
    }

  {
    double n = (double) total, p_bar = sum_p_i / ag->rated_items, p_e = 0, same = 0;

    for (int k = 0; k < K; k++)
      {
        double p = n_c[k] / n;

        ag->category_proportion[k] = p;
        p_e += p * p;
        same += (double) n_c[k] * (double) (n_c[k] - 1);
        /* a category nobody or everybody chose has no chance disagreement */
        ag->category_kappa[k] = n_c[k] > 0 && n_c[k] < total
                                ? 1 - (disagree_c[k] / ag->rated_items) / (p * (1 - p)) : NAN;
      }
    ag->percent_agreement = p_bar;
    /* one category used by every vote: chance agreement is 1, kappa 0/0 */
    ag->fleiss_kappa = used > 1 ? (p_bar - p_e) / (1 - p_e) : NAN;
    ag->krippendorff_alpha = used > 1 ? ((n - 1) * o_diagonal - same) / (n * (n - 1) - same) : NAN;
  }
}

/* Cohen's kappa of every pair over the items both labelled. */
static void
pair_statistics (TfAgreement *ag,
                 const int   *labels)
{
  const int K = ag->n_categories, R = ag->n_annotators;
  g_autofree gint64 *margin_a = g_new (gint64, K), *margin_b = g_new (gint64, K);
  int p = 0;

  ag->n_pairs = R * (R - 1) / 2;
  ag->pairs = g_new0 (TfAgreementPair, MAX (ag->n_pairs, 1));
  for (int a = 0; a < R; a++)
    for (int b = a + 1; b < R; b++)
      {
        TfAgreementPair *pair = &ag->pairs[p++];
        gboolean single = FALSE;
        double n, p_e = 0;

        memset (margin_a, 0, sizeof (gint64) * K);
        memset (margin_b, 0, sizeof (gint64) * K);
        pair->a = a;
        pair->b = b;
        for (int i = 0; i < ag->n_items; i++)
          {
            int x = labels[(gsize) i * R + a], y = labels[(gsize) i * R + b];

            if (x == TF_AGREEMENT_MISSING || y == TF_AGREEMENT_MISSING)
              continue;
            pair->items++;
            pair->agreed += x == y;
            margin_a[x]++;
            margin_b[y]++;
          }
        if (pair->items == 0)
          {
            pair->agreement = pair->cohen_kappa = NAN;
            continue;
          }
        n = (double) pair->items;
        for (int k = 0; k < K; k++)
          {
            p_e += ((double) margin_a[k] / n) * ((double) margin_b[k] / n);
            single |= margin_a[k] == pair->items && margin_b[k] == pair->items;
          }
        pair->agreement = pair->agreed / n;
        /* both used one and the same category: chance agreement is 1 */
        pair->cohen_kappa = single ? NAN : (pair->agreement - p_e) / (1 - p_e);
      }
}

TfAgreement *
tf_agreement_compute (const int          *labels,
                      int                 n_items,
                      int                 n_annotators,
                      int                 n_categories,
                      const char * const *annotators,
                      const char * const *categories,
                      GError            **error)
{
  g_autoptr(TfAgreement) ag = NULL;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (n_items < 0 || n_annotators < 0 || n_categories < 1)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_INPUT,
                   _("Agreement: %d items, %d annotators and %d categories is not a table"),
                   n_items, n_annotators, n_categories);
      return NULL;
    }
  if (n_items > 0 && n_annotators > 0 && labels == NULL)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_INPUT, _("Agreement: no labels given for %d items"), n_items);
      return NULL;
    }
  for (gsize i = 0; i < (gsize) n_items * (gsize) n_annotators; i++)
    if (labels[i] != TF_AGREEMENT_MISSING && (labels[i] < 0 || labels[i] >= n_categories))
      {
        g_set_error (error, TF_ERROR, TF_ERROR_INPUT,
                     _("Agreement: item %d, annotator %d: category %d is not one of the %d"),
                     (int) (i / (gsize) n_annotators) + 1, (int) (i % (gsize) n_annotators) + 1, labels[i],
                     n_categories);
        return NULL;
      }

  ag = g_new0 (TfAgreement, 1);
  ag->n_items = n_items;
  ag->n_annotators = n_annotators;
  ag->n_categories = n_categories;
  ag->annotators = copy_names (annotators, n_annotators);
  ag->categories = copy_names (categories, n_categories);
  ag->votes = g_new0 (int, MAX (n_items, 1));
  ag->counts = g_new0 (int, MAX ((gsize) n_items * (gsize) n_categories, 1));
  ag->majority = g_new0 (int, MAX (n_items, 1));
  ag->top = g_new0 (int, MAX (n_items, 1));
  ag->category_kappa = g_new0 (double, n_categories);
  ag->category_proportion = g_new0 (double, n_categories);
  ag->annotator_labels = g_new0 (gint64, MAX (n_annotators, 1));

  count_items (ag, labels);
  item_statistics (ag);
  pair_statistics (ag, labels);
  return g_steal_pointer (&ag);
}

void
tf_agreement_free (TfAgreement *ag)
{
  if (ag == NULL)
    return;
  g_strfreev (ag->annotators);
  g_strfreev (ag->categories);
  g_free (ag->votes);
  g_free (ag->counts);
  g_free (ag->majority);
  g_free (ag->top);
  g_free (ag->category_kappa);
  g_free (ag->category_proportion);
  g_free (ag->annotator_labels);
  g_free (ag->pairs);
  g_free (ag);
}

const TfAgreementPair *
tf_agreement_pair (const TfAgreement *ag,
                   int                a,
                   int                b)
{
  int first, second, R;

  g_return_val_if_fail (ag != NULL, NULL);

  R = ag->n_annotators;
  if (a == b || a < 0 || b < 0 || a >= R || b >= R)
    return NULL;
  first = MIN (a, b);
  second = MAX (a, b);
  /* the pairs before row @first, then the place in it */
  return &ag->pairs[first * (2 * R - first - 1) / 2 + (second - first - 1)];
}

void
tf_agreement_pair_matrices (const TfAgreement *ag,
                            double            *kappa,
                            gint64            *items,
                            double            *share)
{
  const int R = ag ? ag->n_annotators : 0;

  g_return_if_fail (ag != NULL);

  for (int a = 0; a < R; a++)
    for (int b = 0; b < R; b++)
      {
        const TfAgreementPair *pair = tf_agreement_pair (ag, a, b);
        gsize i = (gsize) a * R + b;

        if (kappa)
          kappa[i] = pair ? pair->cohen_kappa : NAN;
        if (items)
          items[i] = pair ? pair->items : ag->annotator_labels[a];
        if (share)
          share[i] = pair ? pair->agreement : NAN;
      }
}

static void
append_number (GString *s,
               double   v)
{
  if (isfinite (v))
    tf_json_append_double (s, v);
  else
    g_string_append (s, "null");
}

void
tf_agreement_to_json (const TfAgreement *ag,
                      GString           *s)
{
  g_return_if_fail (ag != NULL && s != NULL);

  g_string_append (s, "{\"fleiss_kappa\":");
  append_number (s, ag->fleiss_kappa);
  g_string_append (s, ",\"krippendorff_alpha\":");
  append_number (s, ag->krippendorff_alpha);
  g_string_append (s, ",\"percent_agreement\":");
  append_number (s, ag->percent_agreement);
  g_string_append_printf (s, ",\"items\":%d,\"rated_items\":%" G_GINT64_FORMAT ",\"annotators\":[",
                          ag->n_items, ag->rated_items);
  for (int r = 0; r < ag->n_annotators; r++)
    {
      g_string_append (s, r ? ",{\"name\":" : "{\"name\":");
      tf_json_string (s, ag->annotators[r]);
      g_string_append_printf (s, ",\"labels\":%" G_GINT64_FORMAT "}", ag->annotator_labels[r]);
    }
  g_string_append (s, "],\"pairs\":[");
  for (int p = 0; p < ag->n_pairs; p++)
    {
      const TfAgreementPair *pair = &ag->pairs[p];

      g_string_append (s, p ? ",{\"a\":" : "{\"a\":");
      tf_json_string (s, ag->annotators[pair->a]);
      g_string_append (s, ",\"b\":");
      tf_json_string (s, ag->annotators[pair->b]);
      g_string_append_printf (s, ",\"items\":%" G_GINT64_FORMAT ",\"agreement\":", pair->items);
      append_number (s, pair->agreement);
      g_string_append (s, ",\"cohen_kappa\":");
      append_number (s, pair->cohen_kappa);
      g_string_append_c (s, '}');
    }
  g_string_append (s, "],\"classes\":[");
  for (int k = 0; k < ag->n_categories; k++)
    {
      g_string_append (s, k ? ",{\"name\":" : "{\"name\":");
      tf_json_string (s, ag->categories[k]);
      g_string_append (s, ",\"kappa\":");
      append_number (s, ag->category_kappa[k]);
      g_string_append (s, ",\"proportion\":");
      append_number (s, ag->category_proportion[k]);
      g_string_append_c (s, '}');
    }
  g_string_append (s, "]}");
}
