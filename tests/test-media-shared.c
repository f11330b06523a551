/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The rules app/media keeps once for the command-line tool and the
 * application: what is a video, where the shipped files are. */
#include <glib.h>
#include <glib/gstdio.h>

#include "tf-datafiles.h"
#include "tf-media.h"

static void
test_kind_by_name (void)
{
  static const struct { const char *name; gboolean media; TfMediaKind kind; } cases[] = {
    { "clip.mp4", TRUE, TF_MEDIA_VIDEO },
    { "clip.webm", TRUE, TF_MEDIA_VIDEO },
    { "clip.mkv", TRUE, TF_MEDIA_VIDEO },
    { "clip.ogv", TRUE, TF_MEDIA_VIDEO },
    { "photo.jpg", TRUE, TF_MEDIA_IMAGE },
    { "photo.PNG", TRUE, TF_MEDIA_IMAGE },
    { "scan.tiff", TRUE, TF_MEDIA_IMAGE },
    { "notes.txt", FALSE, 0 },
    { "song.mp3", FALSE, 0 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      TfMediaKind kind = (TfMediaKind) -1;
      gboolean media = tf_media_kind_for_name (cases[i].name, &kind);

      g_test_message ("%s: %s", cases[i].name, media ? (kind == TF_MEDIA_VIDEO ? "video" : "picture") : "neither");
      g_assert_cmpint (media, ==, cases[i].media);
      if (media)
        g_assert_cmpint (kind, ==, cases[i].kind);
    }
}

static void
test_kind_by_content (void)
{
  TfMediaKind kind = (TfMediaKind) -1;

  g_assert_true (tf_media_kind_for_content_type ("video/x-matroska", &kind));
  g_assert_cmpint (kind, ==, TF_MEDIA_VIDEO);
  /* what GIO sniffs from a Matroska file's bytes: the analysis took it as a
   * video, the folder view did not */
  kind = (TfMediaKind) -1;
  g_assert_true (tf_media_kind_for_content_type ("application/x-matroska", &kind));
  g_assert_cmpint (kind, ==, TF_MEDIA_VIDEO);
  g_assert_true (tf_media_kind_for_content_type ("application/ogg", &kind));
  g_assert_cmpint (kind, ==, TF_MEDIA_VIDEO);
  g_assert_true (tf_media_kind_for_content_type ("image/png", &kind));
  g_assert_cmpint (kind, ==, TF_MEDIA_IMAGE);
  g_assert_false (tf_media_kind_for_content_type ("text/plain", &kind));
  g_assert_false (tf_media_kind_for_content_type (NULL, &kind));
}

static void
test_data_find (void)
{
  g_autofree char *model = NULL, *detector = NULL, *sample = NULL, *icons = NULL, *over = NULL;
  g_autofree char *saved = g_strdup (g_getenv ("TRANSFER_MODEL"));

  g_unsetenv ("TRANSFER_MODEL");
  model = tf_data_find (TF_DATA_MODEL);
  detector = tf_data_find (TF_DATA_DETECTOR);
  sample = tf_data_find (TF_DATA_SAMPLE);
  icons = tf_data_find (TF_DATA_ICONS);
  g_assert_nonnull (model);
  g_assert_true (g_str_has_suffix (model, "transfer-ferplus.safetensors"));
  g_assert_true (g_file_test (model, G_FILE_TEST_IS_REGULAR));
  g_assert_true (g_str_has_suffix (detector, "yunet.safetensors"));
  g_assert_true (g_file_test (sample, G_FILE_TEST_IS_REGULAR));
  g_assert_true (g_file_test (icons, G_FILE_TEST_IS_DIR));

  /* the environment wins, even for a file that is not there (the loader says so) */
  g_setenv ("TRANSFER_MODEL", "/nonexistent/m.safetensors", TRUE);
  over = tf_data_find (TF_DATA_MODEL);
  g_assert_cmpstr (over, ==, "/nonexistent/m.safetensors");
  if (saved)
    g_setenv ("TRANSFER_MODEL", saved, TRUE);
  else
    g_unsetenv ("TRANSFER_MODEL");
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/media/kind-by-name", test_kind_by_name);
  g_test_add_func ("/media/kind-by-content", test_kind_by_content);
  g_test_add_func ("/media/data-find", test_data_find);
  return g_test_run ();
}
