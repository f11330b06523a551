/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <string.h>

#include "tf-compare.h"

TfClassMatch *
tf_class_match_new (const char * const *first,
                    const char * const *second)
{
  TfClassMatch *m = g_new0 (TfClassMatch, 1);
  guint n1, n2;
  g_autoptr(GPtrArray) only1 = g_ptr_array_new ();
  g_autoptr(GPtrArray) only2 = g_ptr_array_new ();

  g_return_val_if_fail (first != NULL && second != NULL, m);

  n1 = g_strv_length ((char **) first);
  n2 = g_strv_length ((char **) second);
  m->first = g_new (int, MAX (n1, 1));
  m->second = g_new (int, MAX (n1, 1));
  for (guint i = 0; i < n1; i++)
    {
      gboolean found = FALSE;
      for (guint j = 0; j < n2 && !found; j++)
        if (g_str_equal (first[i], second[j]))
          {
            m->first[m->n_shared] = (int) i;
            m->second[m->n_shared++] = (int) j;
            found = TRUE;
          }
      if (!found)
        g_ptr_array_add (only1, g_strdup (first[i]));
    }
  for (guint j = 0; j < n2; j++)
    if (!g_strv_contains (first, second[j]))
      g_ptr_array_add (only2, g_strdup (second[j]));
  g_ptr_array_add (only1, NULL);
  g_ptr_array_add (only2, NULL);
  m->only_first = (char **) g_ptr_array_steal (only1, NULL);
  m->only_second = (char **) g_ptr_array_steal (only2, NULL);
  return m;
}

void
tf_class_match_free (TfClassMatch *m)
{
  if (m == NULL)
    return;
  g_free (m->first);
  g_free (m->second);
  g_strfreev (m->only_first);
  g_strfreev (m->only_second);
  g_free (m);
}

int
tf_probs_argmax (const float *probs,
                 int          k)
{
  int best = 0;

  for (int c = 1; c < k; c++)
    if (probs[c] > probs[best])
      best = c;
  return best;
}

gboolean
tf_class_match_disagree (const char * const *first,
                         const float        *first_probs,
                         const char * const *second,
                         const float        *second_probs)
{
  int k1 = (int) g_strv_length ((char **) first), k2 = (int) g_strv_length ((char **) second);

  if (k1 == 0 || k2 == 0)
    return FALSE;
  return !g_str_equal (first[tf_probs_argmax (first_probs, k1)], second[tf_probs_argmax (second_probs, k2)]);
}
