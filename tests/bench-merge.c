/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The merge benchmark: two synthetic projects of FACES faces each (100,000
 * by default) over the same 1,000 media files under two folders, as two
 * annotators' copies of one analysis: B's boxes a little off A's (one in
 * ten far off: a face of its own), FER+-sized crops, probabilities of the
 * same run, "alice" voting on one face in two in A, "Alice" on one in three
 * and "bob" on one in two in B, a final label on one in fifty; B has one
 * class more. Times tf_project_merge of the two (the figure quoted in the
 * README); the projects are made once and kept in DIR.
 *
 *   build/tests/bench-merge DIR [FACES]
 */
#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>

#include "tf-project.h"

static gboolean
make (const char *path,
      const char *media_dir,
      gint64      faces,
      gboolean    b,
      GError    **error)
{
  const char *const classes_a[] = { "neutral", "happiness", "surprise", "sadness", "anger", "disgust", "fear",
                                     "contempt", NULL };
  const char *const classes_b[] = { "neutral", "happiness", "surprise", "sadness", "anger", "disgust", "fear",
                                     "contempt", "pain", NULL };
  const char *const *classes = b ? classes_b : classes_a;
  g_autoptr(TfProject) p = NULL;
  g_autoptr(GRand) rng = g_rand_new_with_seed (b ? 11 : 7);
  guint8 crop[48 * 48 * 3];
  const gint64 n_media = 1000, per = faces / n_media;
  gint64 run, media = 0;
  int n_classes = (int) g_strv_length ((char **) classes);

  g_mkdir_with_parents (media_dir, 0755);
  if (!(p = tf_project_open (path, TF_PROJECT_CREATE, error)) ||
      !(run = tf_project_add_run (p, NULL, classes_a, "{\"synthetic\":true}", error)) ||
      !tf_project_set_classes (p, classes, error) || !tf_project_begin (p, error))
    return FALSE;
  for (gint64 i = 0; i < faces; i++)
    {
      double shift = b ? (i % 10 == 0 ? 200 : 4) : 0;
      TfProjectNewFace f = { .run = run, .frame = i % per, .time_s = (i % per) / 25.0,
                             .det = { .x = 10 + shift, .y = 20 + shift, .w = 48, .h = 48, .score = 0.9f },
                             .has_landmarks = TRUE, .track = 1, .crop = crop, .crop_size = 48 };
      float probs[8], sum = 0;
      gint64 face;

      if (i % per == 0 && media < n_media)
        {
          g_autofree char *file = g_strdup_printf ("%s/video-%04" G_GINT64_FORMAT ".mp4", media_dir, i / per);
          g_autofree char *content = g_strdup_printf ("synthetic video %" G_GINT64_FORMAT, i / per);

          if (!g_file_set_contents (file, content, -1, error) ||
              !(media = tf_project_add_media (p, file, TF_MEDIA_VIDEO, 640, 480, per / 25.0, error)))
            return FALSE;
        }
      f.media = media;
      for (guint k = 0; k < sizeof crop; k++)
        crop[k] = (guint8) g_rand_int (rng);
      for (int k = 0; k < 8; k++)
        sum += probs[k] = (float) pow (g_rand_double (rng), 1 + 8 * g_rand_double (rng) * (k == i % 8 ? 0 : 1));
      for (int k = 0; k < 8; k++)
        probs[k] /= sum;
      if (!(face = tf_project_add_face (p, &f, error)) || !tf_project_add_prediction (p, face, run, probs, 8, error))
        return FALSE;
      if (!b && i % 2 == 0 && !tf_project_set_label (p, face, (int) (i / 2 % 8), TF_LABEL_PERSON, "alice", NULL, error))
        return FALSE;
      if (b && i % 3 == 0 &&
          !tf_project_set_label (p, face, (int) (i / 3 % n_classes), TF_LABEL_PERSON, "Alice", NULL, error))
        return FALSE;
      if (b && i % 2 == 0 && !tf_project_set_label (p, face, (int) (i % 8), TF_LABEL_PERSON, "bob", NULL, error))
        return FALSE;
      if (b && i % 50 == 0 && !tf_project_set_final_label (p, face, 1, "carol", NULL, error))
        return FALSE;
    }
  return tf_project_commit (p, error);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TfProjectMergeReport) report = NULL;
  g_autofree char *a = NULL, *b = NULL, *out = NULL, *a_media = NULL, *b_media = NULL;
  gint64 faces, t0;

  if (argc < 2 || argc > 3)
    {
      g_printerr ("usage: bench-merge DIR [FACES]\n");
      return 2;
    }
  faces = argc > 2 ? g_ascii_strtoll (argv[2], NULL, 10) : 100000;
  if (faces < 1000)
    {
      g_printerr ("bench-merge: FACES >= 1000\n");
      return 2;
    }
  g_mkdir_with_parents (argv[1], 0755);
  a = g_strdup_printf ("%s/a-%" G_GINT64_FORMAT ".tfproj", argv[1], faces);
  b = g_strdup_printf ("%s/b-%" G_GINT64_FORMAT ".tfproj", argv[1], faces);
  a_media = g_strdup_printf ("%s/a-media", argv[1]);
  b_media = g_strdup_printf ("%s/b-media", argv[1]);
  out = g_strdup_printf ("%s/merged-%" G_GINT64_FORMAT ".tfproj", argv[1], faces);
  for (int i = 0; i < 2; i++)
    if (!g_file_test (i ? b : a, G_FILE_TEST_EXISTS))
      {
        t0 = g_get_monotonic_time ();
        if (!make (i ? b : a, i ? b_media : a_media, faces, i, &error))
          goto fail;
        printf ("made %s in %.1f s\n", i ? b : a, (g_get_monotonic_time () - t0) / 1e6);
      }
  g_unlink (out);
  t0 = g_get_monotonic_time ();
  {
    const char *inputs[] = { a, b, NULL };
    if (!(report = tf_project_merge (out, inputs, &error)))
      goto fail;
  }
  printf ("merged %s + %s in %.2f s: %" G_GINT64_FORMAT " media (%" G_GINT64_FORMAT " shared), %" G_GINT64_FORMAT
          " faces (%" G_GINT64_FORMAT " matched, %" G_GINT64_FORMAT " added), %" G_GINT64_FORMAT " votes, %"
          G_GINT64_FORMAT " labelled, %" G_GINT64_FORMAT " runs, %" G_GINT64_FORMAT " predictions, %" G_GINT64_FORMAT
          " conflicts, %u messages\n",
          a, b, (g_get_monotonic_time () - t0) / 1e6, report->media, report->media_shared, report->faces,
          report->faces_matched, report->faces_added, report->votes, report->labelled, report->runs,
          report->predictions, report->conflicts, report->messages->len);
  for (guint i = 0; i < report->messages->len && i < 5; i++)
    printf ("  %s\n", (const char *) report->messages->pdata[i]);
  return 0;

fail:
  g_printerr ("bench-merge: %s\n", error->message);
  return 1;
}
