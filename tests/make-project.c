/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A synthetic project for `transfer-cli bench --project`: faces with
 * FER+-sized crops (48x48 RGB), probabilities over the eight FER+ classes
 * and a label on one face in five, through the library (so the schema is
 * the real one), in one transaction.
 *
 *   build/tests/make-project OUT.tfproj [FACES [MEDIA]]   (100000, 1000)
 *
 * The media are small files in OUT.tfproj-media/ beside it. */
#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>

#include "tf-project.h"

int
main (int    argc,
      char **argv)
{
  const char *const classes[] = { "neutral", "happiness", "surprise", "sadness", "anger", "disgust", "fear",
                                   "contempt", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(TfProject) p = NULL;
  g_autoptr(GRand) rng = g_rand_new_with_seed (7);
  g_autofree char *media_dir = NULL;
  guint8 crop[48 * 48 * 3];
  gint64 faces, n_media, run, media = 0, t0 = g_get_monotonic_time ();

  if (argc < 2 || argc > 4)
    {
      g_printerr ("usage: make-project OUT.tfproj [FACES [MEDIA]]\n");
      return 2;
    }
  faces = argc > 2 ? g_ascii_strtoll (argv[2], NULL, 10) : 100000;
  n_media = argc > 3 ? g_ascii_strtoll (argv[3], NULL, 10) : 1000;
  if (faces < 1 || n_media < 1 || n_media > faces)
    {
      g_printerr ("make-project: FACES >= MEDIA >= 1\n");
      return 2;
    }
  media_dir = g_strconcat (argv[1], "-media", NULL);
  g_mkdir_with_parents (media_dir, 0755);
  if (!(p = tf_project_open (argv[1], TF_PROJECT_CREATE, &error)) ||
      !(run = tf_project_add_run (p, NULL, classes, "{\"synthetic\":true}", &error)) ||
      !tf_project_begin (p, &error))
    goto fail;
  for (gint64 i = 0; i < faces; i++)
    {
      const gint64 per = faces / n_media;
      TfProjectNewFace f = { .run = run, .frame = i % per, .time_s = (i % per) / 25.0, .det = { .x = 10, .y = 20, .w = 48, .h = 48, .score = 0.9f },
                             .has_landmarks = TRUE, .track = 1, .crop = crop, .crop_size = 48 };
      float probs[8], sum = 0;
      gint64 face;

      if (i % per == 0 && media < n_media)
        {
          g_autofree char *file = g_strdup_printf ("%s/video-%04" G_GINT64_FORMAT ".mp4", media_dir, media);
          g_autofree char *content = g_strdup_printf ("synthetic video %" G_GINT64_FORMAT, media);

          if (!g_file_set_contents (file, content, -1, &error) ||
              !(media = tf_project_add_media (p, file, TF_MEDIA_VIDEO, 640, 480, per / 25.0, &error)))
            goto fail;
        }
      f.media = media;
      for (guint k = 0; k < sizeof crop; k++)
        crop[k] = (guint8) g_rand_int (rng);
      /* a peaked distribution: margins from near 0 to near 1 */
      for (int k = 0; k < 8; k++)
        sum += probs[k] = (float) pow (g_rand_double (rng), 1 + 8 * g_rand_double (rng) * (k == i % 8 ? 0 : 1));
      for (int k = 0; k < 8; k++)
        probs[k] /= sum;
      if (!(face = tf_project_add_face (p, &f, &error)) ||
          !tf_project_add_prediction (p, face, run, probs, 8, &error) ||
          (i % 5 == 0 && !tf_project_set_label (p, face, (int) (i / 5 % 8), TF_LABEL_IMPORTED, "synthetic", NULL,
                                                &error)))
        goto fail;
    }
  if (!tf_project_commit (p, &error))
    goto fail;
  printf ("%s: %" G_GINT64_FORMAT " faces in %" G_GINT64_FORMAT " media in %.1f s\n", argv[1], faces, n_media,
          (g_get_monotonic_time () - t0) / 1e6);
  return 0;

fail:
  g_printerr ("make-project: %s\n", error->message);
  return 1;
}
