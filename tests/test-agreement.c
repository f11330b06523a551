/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Annotator agreement (tf-agreement) against published worked examples:
 * Fleiss' kappa on the 10 x 14 x 5 table of Wikipedia's "Fleiss' kappa",
 * Krippendorff's nominal alpha on the 4 observers x 12 units with missing
 * values of "Computing Krippendorff's Alpha-Reliability" (2011), Cohen's
 * kappa on Wikipedia's 50 yes/no items; then the 0/0 cases, which must be
 * NaN, and bad input. */
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "tf-agreement.h"
#include "tf-error.h"

#define M TF_AGREEMENT_MISSING

static void
assert_close (double      got,
              double      want,
              double      tolerance,
              const char *what)
{
  if (!(fabs (got - want) <= tolerance))
    g_error ("%s: got %.6f, want %.6f within %g", what, got, want, tolerance);
}

/* A table of labels from per-item category counts: rater r of item i gets
 * the category its count reaches (raters are interchangeable in Fleiss). */
static int *
labels_from_counts (const int *counts,
                    int        n_items,
                    int        n_raters,
                    int        n_categories)
{
  int *labels = g_new (int, n_items * n_raters);

  for (int i = 0; i < n_items; i++)
    {
      int r = 0;

      for (int k = 0; k < n_categories; k++)
        for (int c = 0; c < counts[i * n_categories + k]; c++)
          labels[i * n_raters + r++] = k;
      g_assert_cmpint (r, ==, n_raters);
    }
  return labels;
}

/* Wikipedia, "Fleiss' kappa", worked example: 10 subjects, 14 raters, 5
 * categories; P_i and p_j to three places, P = 0.378, P_e = 0.213,
 * kappa = 0.210. The per-category kappas (Fleiss 1971, eq. 20-21) are not
 * on the page: the values below were computed by hand from the table
 * (and agree with the overall kappa as their p_j q_j weighted mean). */
static void
test_fleiss (void)
{
  static const int counts[10 * 5] = {
    0, 0, 0, 0, 14,
    0, 2, 6, 4, 2,
    0, 0, 3, 5, 6,
    0, 3, 9, 2, 0,
    2, 2, 8, 1, 1,
    7, 7, 0, 0, 0,
    3, 2, 6, 3, 0,
    2, 5, 3, 2, 2,
    6, 5, 2, 1, 0,
    0, 2, 2, 3, 7,
  };
  static const double p_i[10] = { 1.000, 0.253, 0.308, 0.440, 0.330, 0.462, 0.242, 0.176, 0.286, 0.286 };
  static const double p_j[5] = { 0.143, 0.200, 0.279, 0.150, 0.229 };
  static const double kappa_j[5] = { 0.201282, 0.079670, 0.171598, 0.030381, 0.507657 };
  g_autofree int *labels = labels_from_counts (counts, 10, 14, 5);
  g_autoptr(GError) error = NULL;
  g_autoptr(TfAgreement) ag = tf_agreement_compute (labels, 10, 14, 5, NULL, NULL, &error);
  double weighted = 0, weights = 0, mean_p_i = 0;

  g_assert_no_error (error);
  g_assert_nonnull (ag);
  /* the table is what the page shows: 140 votes, 14 a subject */
  {
    int sum = 0;

    for (int i = 0; i < 50; i++)
      sum += counts[i];
    g_assert_cmpint (sum, ==, 140);
  }
  g_assert_cmpint (ag->rated_items, ==, 10);
  g_assert_cmpint (ag->pairable_values, ==, 140);
  for (int i = 0; i < 10; i++)
    {
      int m = ag->votes[i], agreeing = 0;

      g_assert_cmpint (m, ==, 14);
      for (int k = 0; k < 5; k++)
        {
          g_assert_cmpint (ag->counts[i * 5 + k], ==, counts[i * 5 + k]);
          agreeing += counts[i * 5 + k] * (counts[i * 5 + k] - 1);
        }
      assert_close ((double) agreeing / (m * (m - 1)), p_i[i], 0.0005, "P_i");
      mean_p_i += (double) agreeing / (m * (m - 1));
    }
  assert_close (mean_p_i / 10, 0.378, 0.0005, "P");
  for (int k = 0; k < 5; k++)
    {
      double p = ag->category_proportion[k];

      assert_close (p, p_j[k], 0.0005, "p_j");
      assert_close (ag->category_kappa[k], kappa_j[k], 1e-5, "kappa_j");
      weighted += p * (1 - p) * ag->category_kappa[k];
      weights += p * (1 - p);
    }
  assert_close (ag->percent_agreement, 0.378, 0.0005, "percent agreement (P)");
  assert_close (ag->fleiss_kappa, 0.210, 0.0005, "Fleiss' kappa");
  assert_close (weighted / weights, ag->fleiss_kappa, 1e-12, "kappa as the weighted kappa_j");

  /* the majorities: subject 1 all in category 5, subject 6 a 7-7 tie,
   * subject 4 category 3 with 9 */
  g_assert_cmpint (ag->majority[0], ==, 4);
  g_assert_cmpint (ag->top[0], ==, 14);
  g_assert_cmpint (ag->majority[5], ==, -1);
  g_assert_cmpint (ag->top[5], ==, 7);
  g_assert_cmpint (ag->majority[3], ==, 2);
  g_assert_cmpint (ag->top[3], ==, 9);
  g_assert_cmpint (ag->n_pairs, ==, 14 * 13 / 2);
}

/* Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", C.:
 * nominal data, 4 observers, 12 units, some values missing; n = 40
 * pairable values, alpha = 0.743. Unit 12 has one value: not pairable. */
static void
test_krippendorff (void)
{
  /* [unit][observer A, B, C, D], values 1..5 as categories 0..4 */
  static const int table[12 * 4] = {
    0, 0, M, 0,
    1, 1, 2, 1,
    2, 2, 2, 2,
    2, 2, 2, 2,
    1, 1, 1, 1,
    0, 1, 2, 3,
    3, 3, 3, 3,
    0, 0, 1, 0,
    1, 1, 1, 1,
    M, 4, 4, 4,
    M, M, 0, 0,
    M, 2, M, M,
  };
  const char *observers[] = { "A", "B", "C", "D", NULL };
  const char *values[] = { "1", "2", "3", "4", "5", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(TfAgreement) ag = tf_agreement_compute (table, 12, 4, 5, observers, values, &error);
  const TfAgreementPair *ab, *ba;

  g_assert_no_error (error);
  g_assert_cmpint (ag->pairable_values, ==, 40);
  g_assert_cmpint (ag->rated_items, ==, 11);
  assert_close (ag->krippendorff_alpha, 0.743, 0.0005, "Krippendorff's alpha");
  g_assert_cmpint (ag->votes[11], ==, 1);
  g_assert_cmpint (ag->majority[11], ==, 2);
  g_assert_cmpint (ag->votes[5], ==, 4);
  g_assert_cmpint (ag->majority[5], ==, -1);
  g_assert_cmpint (ag->annotator_labels[0], ==, 9);
  g_assert_cmpint (ag->annotator_labels[1], ==, 11);
  g_assert_cmpint (ag->annotator_labels[2], ==, 10);
  g_assert_cmpint (ag->annotator_labels[3], ==, 11);

  /* A and B both labelled units 1-9, and agree on all but unit 6 */
  ab = tf_agreement_pair (ag, 0, 1);
  ba = tf_agreement_pair (ag, 1, 0);
  g_assert_true (ab == ba);
  g_assert_cmpint (ab->a, ==, 0);
  g_assert_cmpint (ab->b, ==, 1);
  g_assert_cmpint (ab->items, ==, 9);
  g_assert_cmpint (ab->agreed, ==, 8);
  assert_close (ab->agreement, 8.0 / 9, 1e-12, "A-B agreement");
  /* by hand: A's values 1,2,3,4 3, 3, 2, 1 times, B's 2, 4, 2, 1 times:
   * p_e = (6 + 12 + 4 + 1) / 81, kappa = (72 - 23) / (81 - 23) */
  assert_close (ab->cohen_kappa, 49.0 / 58, 1e-12, "A-B kappa");
  /* every pair is where tf_agreement_pair says */
  for (int a = 0; a < 4; a++)
    for (int b = 0; b < 4; b++)
      {
        const TfAgreementPair *pair = tf_agreement_pair (ag, a, b);

        if (a == b)
          {
            g_assert_null (pair);
            continue;
          }
        g_assert_cmpint (pair->a, ==, MIN (a, b));
        g_assert_cmpint (pair->b, ==, MAX (a, b));
      }
  g_assert_null (tf_agreement_pair (ag, 0, 4));
  g_assert_null (tf_agreement_pair (ag, -1, 0));

  /* the same as the matrices the widget draws */
  {
    double kappa[16], share[16];
    gint64 items[16];

    tf_agreement_pair_matrices (ag, kappa, items, share);
    g_assert_cmpint (items[0 * 4 + 1], ==, 9);
    g_assert_cmpint (items[1 * 4 + 0], ==, 9);
    g_assert_cmpint (items[2 * 4 + 2], ==, 10);   /* C labelled 10 units */
    g_assert_true (isnan (kappa[3 * 4 + 3]));
    g_assert_true (isnan (share[0]));
    assert_close (share[1 * 4 + 0], 8.0 / 9, 1e-12, "A-B share");
    assert_close (kappa[2 * 4 + 3], tf_agreement_pair (ag, 2, 3)->cohen_kappa, 0, "C-D kappa");
    tf_agreement_pair_matrices (ag, NULL, items, NULL);
  }
}

/* Wikipedia, "Cohen's kappa", simple example: 50 proposals, A and B both
 * yes 20, A yes B no 5, A no B yes 10, both no 15: p_o = 0.7, p_e = 0.5,
 * kappa = 0.4. By hand: A says yes 25 times (0.5), B 30 (0.6), so
 * p_e = 0.5 * 0.6 + 0.5 * 0.4. */
static void
test_cohen (void)
{
  const char *names[] = { "A", "B", NULL };
  g_autofree int *labels = g_new (int, 50 * 2);
  g_autoptr(GError) error = NULL;
  g_autoptr(TfAgreement) ag = NULL;
  const TfAgreementPair *pair;
  int i = 0;

  /* 0 yes, 1 no */
  for (int n = 0; n < 20; n++, i++)
    labels[2 * i] = 0, labels[2 * i + 1] = 0;
  for (int n = 0; n < 5; n++, i++)
    labels[2 * i] = 0, labels[2 * i + 1] = 1;
  for (int n = 0; n < 10; n++, i++)
    labels[2 * i] = 1, labels[2 * i + 1] = 0;
  for (int n = 0; n < 15; n++, i++)
    labels[2 * i] = 1, labels[2 * i + 1] = 1;
  g_assert_cmpint (i, ==, 50);

  ag = tf_agreement_compute (labels, 50, 2, 2, names, (const char *[]) { "yes", "no", NULL }, &error);
  g_assert_no_error (error);
  g_assert_cmpint (ag->n_pairs, ==, 1);
  pair = tf_agreement_pair (ag, 1, 0);
  g_assert_cmpint (pair->items, ==, 50);
  g_assert_cmpint (pair->agreed, ==, 35);
  assert_close (pair->agreement, 0.7, 1e-12, "p_o");
  assert_close (pair->cohen_kappa, 0.4, 1e-12, "Cohen's kappa");
  /* two raters on every item: the percent agreement is Cohen's p_o, and
   * Fleiss' kappa is Scott's pi: (0.7 - (0.55^2 + 0.45^2)) / (1 - 0.505) */
  assert_close (ag->percent_agreement, 0.7, 1e-12, "percent agreement");
  assert_close (ag->fleiss_kappa, (0.7 - 0.505) / 0.495, 1e-12, "Scott's pi");
  /* alpha is pi corrected for the sample: 1 - (2N - 1) D_o / (2N D_e) */
  assert_close (ag->krippendorff_alpha, 1 - (99.0 * 0.3) / (100.0 * 0.495), 1e-12, "alpha");
}

/* A varying number of votes per item: Fleiss' P_i and p_j over what each
 * item has (items with one vote left out), the same as the constant case
 * when every item has all its votes. */
static void
test_varying (void)
{
  /* 3 annotators; item 3 has two votes, item 4 one */
  static const int table[] = {
    0, 0, 0,
    0, 1, 1,
    2, 2, M,
    M, 1, M,
  };
  g_autoptr(TfAgreement) ag = tf_agreement_compute (table, 4, 3, 3, NULL, NULL, NULL);
  /* P_i: 1, 1/3, 1; p_j over 8 votes: 4/8, 2/8, 2/8 */
  double p_bar = (1 + 1.0 / 3 + 1) / 3, p_e = 0.25 + 0.0625 + 0.0625;

  g_assert_cmpint (ag->rated_items, ==, 3);
  g_assert_cmpint (ag->pairable_values, ==, 8);
  assert_close (ag->category_proportion[0], 0.5, 1e-12, "p_0");
  assert_close (ag->percent_agreement, p_bar, 1e-12, "P");
  assert_close (ag->fleiss_kappa, (p_bar - p_e) / (1 - p_e), 1e-12, "generalised Fleiss");
  g_assert_cmpstr (ag->annotators[2], ==, "3");
  g_assert_cmpstr (ag->categories[0], ==, "1");
  /* the lone vote of item 4 is its majority, with nothing to agree with */
  g_assert_cmpint (ag->majority[3], ==, 1);
  g_assert_cmpint (ag->top[3], ==, 1);
}

/* 0/0 is NaN, with the counts that say why. */
static void
test_degenerate (void)
{
  g_autoptr(GError) error = NULL;

  /* nothing at all */
  {
    g_autoptr(TfAgreement) ag = tf_agreement_compute (NULL, 0, 0, 1, NULL, NULL, &error);

    g_assert_no_error (error);
    g_assert_cmpint (ag->n_pairs, ==, 0);
    g_assert_cmpint (ag->rated_items, ==, 0);
    g_assert_true (isnan (ag->fleiss_kappa));
    g_assert_true (isnan (ag->krippendorff_alpha));
    g_assert_true (isnan (ag->percent_agreement));
    g_assert_true (isnan (ag->category_proportion[0]));
  }
  /* one annotator: votes and majorities, but nothing to compare */
  {
    static const int one[] = { 0, 1, M };
    g_autoptr(TfAgreement) ag = tf_agreement_compute (one, 3, 1, 2, NULL, NULL, &error);

    g_assert_no_error (error);
    g_assert_cmpint (ag->n_pairs, ==, 0);
    g_assert_cmpint (ag->annotator_labels[0], ==, 2);
    g_assert_cmpint (ag->majority[1], ==, 1);
    g_assert_cmpint (ag->majority[2], ==, -1);
    g_assert_cmpint (ag->top[2], ==, 0);
    g_assert_true (isnan (ag->fleiss_kappa));
    g_assert_null (tf_agreement_pair (ag, 0, 0));
  }
  /* everyone chose category 0 everywhere: perfect agreement, but chance
   * agreement is 1 too */
  {
    static const int same[] = { 0, 0, 0, 0, 0, 0 };
    g_autoptr(TfAgreement) ag = tf_agreement_compute (same, 3, 2, 3, NULL, NULL, &error);
    const TfAgreementPair *pair = tf_agreement_pair (ag, 0, 1);

    g_assert_no_error (error);
    assert_close (ag->percent_agreement, 1, 0, "percent agreement");
    g_assert_true (isnan (ag->fleiss_kappa));
    g_assert_true (isnan (ag->krippendorff_alpha));
    g_assert_true (isnan (ag->category_kappa[0]));  /* everybody */
    g_assert_true (isnan (ag->category_kappa[1]));  /* nobody */
    assert_close (ag->category_proportion[0], 1, 0, "p_0");
    assert_close (ag->category_proportion[1], 0, 0, "p_1");
    g_assert_cmpint (pair->items, ==, 3);
    assert_close (pair->agreement, 1, 0, "pair agreement");
    g_assert_true (isnan (pair->cohen_kappa));
  }
  /* A and B never labelled the same item; A used one category, C two:
   * their kappa is defined (no better than chance) */
  {
    static const int apart[] = {
      0, M, 0,
      0, M, 1,
      M, 1, 1,
    };
    g_autoptr(TfAgreement) ag = tf_agreement_compute (apart, 3, 3, 2, NULL, NULL, &error);
    const TfAgreementPair *ab = tf_agreement_pair (ag, 0, 1), *ac = tf_agreement_pair (ag, 0, 2);

    g_assert_no_error (error);
    g_assert_cmpint (ab->items, ==, 0);
    g_assert_true (isnan (ab->agreement));
    g_assert_true (isnan (ab->cohen_kappa));
    g_assert_cmpint (ac->items, ==, 2);
    assert_close (ac->agreement, 0.5, 0, "A-C agreement");
    /* A always 0, C half and half: p_e = 0.5, kappa 0 */
    assert_close (ac->cohen_kappa, 0, 1e-12, "A-C kappa");
  }
  /* perfect disagreement of two annotators: kappa -1 */
  {
    static const int opposite[] = { 0, 1, 1, 0 };
    g_autoptr(TfAgreement) ag = tf_agreement_compute (opposite, 2, 2, 2, NULL, NULL, &error);

    assert_close (tf_agreement_pair (ag, 0, 1)->cohen_kappa, -1, 1e-12, "kappa");
    assert_close (ag->percent_agreement, 0, 0, "percent agreement");
  }
}

static void
test_bad_input (void)
{
  static const int table[] = { 0, 1, 2, 3 };
  g_autoptr(GError) error = NULL;
  TfAgreement *ag;

  ag = tf_agreement_compute (table, 2, 2, 3, NULL, NULL, &error);
  g_assert_null (ag);
  g_assert_error (error, TF_ERROR, TF_ERROR_INPUT);
  /* the place and the value */
  g_assert_nonnull (strstr (error->message, "item 2, annotator 2"));
  g_assert_nonnull (strstr (error->message, "category 3"));
  g_clear_error (&error);

  ag = tf_agreement_compute ((const int[]) { -2 }, 1, 1, 3, NULL, NULL, &error);
  g_assert_null (ag);
  g_assert_error (error, TF_ERROR, TF_ERROR_INPUT);
  g_clear_error (&error);

  ag = tf_agreement_compute (table, 2, 2, 0, NULL, NULL, &error);
  g_assert_null (ag);
  g_assert_error (error, TF_ERROR, TF_ERROR_INPUT);
  g_clear_error (&error);

  ag = tf_agreement_compute (NULL, 2, 2, 4, NULL, NULL, &error);
  g_assert_null (ag);
  g_assert_error (error, TF_ERROR, TF_ERROR_INPUT);
}

/* The JSON reads back with json-glib: NaN as null, names escaped. */
static void
test_json (void)
{
  static const int table[] = {
    0, 0, M,
    0, 1, M,
    1, 1, M,
  };
  const char *names[] = { "Ann \"A\"", "Bo", "Cy", NULL };
  const char *classes[] = { "happiness", "not a face", NULL };
  g_autoptr(TfAgreement) ag = tf_agreement_compute (table, 3, 3, 2, names, classes, NULL);
  g_autoptr(GString) s = g_string_new (NULL);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonObject *root, *pair;
  JsonArray *pairs, *classes_out, *annotators;

  tf_agreement_to_json (ag, s);
  g_test_message ("%s", s->str);
  g_assert_true (json_parser_load_from_data (parser, s->str, -1, &error));
  g_assert_no_error (error);
  root = json_node_get_object (json_parser_get_root (parser));
  assert_close (json_object_get_double_member (root, "fleiss_kappa"), ag->fleiss_kappa, 1e-15, "fleiss_kappa");
  assert_close (json_object_get_double_member (root, "krippendorff_alpha"), ag->krippendorff_alpha, 1e-15, "alpha");
  assert_close (json_object_get_double_member (root, "percent_agreement"), 2.0 / 3, 1e-15, "percent");
  g_assert_cmpint (json_object_get_int_member (root, "items"), ==, 3);
  g_assert_cmpint (json_object_get_int_member (root, "rated_items"), ==, 3);
  annotators = json_object_get_array_member (root, "annotators");
  g_assert_cmpuint (json_array_get_length (annotators), ==, 3);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (annotators, 0), "name"), ==,
                   "Ann \"A\"");
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (annotators, 2), "labels"), ==, 0);
  pairs = json_object_get_array_member (root, "pairs");
  g_assert_cmpuint (json_array_get_length (pairs), ==, 3);
  pair = json_array_get_object_element (pairs, 0);
  g_assert_cmpstr (json_object_get_string_member (pair, "a"), ==, "Ann \"A\"");
  g_assert_cmpstr (json_object_get_string_member (pair, "b"), ==, "Bo");
  g_assert_cmpint (json_object_get_int_member (pair, "items"), ==, 3);
  assert_close (json_object_get_double_member (pair, "cohen_kappa"), tf_agreement_pair (ag, 0, 1)->cohen_kappa,
                1e-15, "cohen_kappa");
  /* Cy labelled nothing: no agreement, no kappa */
  pair = json_array_get_object_element (pairs, 2);
  g_assert_cmpstr (json_object_get_string_member (pair, "a"), ==, "Bo");
  g_assert_cmpstr (json_object_get_string_member (pair, "b"), ==, "Cy");
  g_assert_cmpint (json_object_get_int_member (pair, "items"), ==, 0);
  g_assert_true (json_object_get_null_member (pair, "agreement"));
  g_assert_true (json_object_get_null_member (pair, "cohen_kappa"));
  classes_out = json_object_get_array_member (root, "classes");
  g_assert_cmpuint (json_array_get_length (classes_out), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (classes_out, 1), "name"), ==,
                   "not a face");
  assert_close (json_object_get_double_member (json_array_get_object_element (classes_out, 1), "proportion"), 0.5,
                1e-15, "proportion");

  /* nothing to compare: every statistic null */
  {
    g_autoptr(TfAgreement) none = tf_agreement_compute (NULL, 0, 1, 1, names, classes, NULL);
    g_autoptr(GString) t = g_string_new (NULL);

    tf_agreement_to_json (none, t);
    g_assert_cmpstr (t->str, ==,
                     "{\"fleiss_kappa\":null,\"krippendorff_alpha\":null,\"percent_agreement\":null,\"items\":0,"
                     "\"rated_items\":0,\"annotators\":[{\"name\":\"Ann \\\"A\\\"\",\"labels\":0}],\"pairs\":[],"
                     "\"classes\":[{\"name\":\"happiness\",\"kappa\":null,\"proportion\":null}]}");
  }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/agreement/fleiss", test_fleiss);
  g_test_add_func ("/agreement/krippendorff", test_krippendorff);
  g_test_add_func ("/agreement/cohen", test_cohen);
  g_test_add_func ("/agreement/varying", test_varying);
  g_test_add_func ("/agreement/degenerate", test_degenerate);
  g_test_add_func ("/agreement/bad-input", test_bad_input);
  g_test_add_func ("/agreement/json", test_json);
  return g_test_run ();
}
