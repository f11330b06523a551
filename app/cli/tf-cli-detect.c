/* SPDX-License-Identifier: GPL-3.0-or-later */
/* transfer-cli detect: faces, boxes and landmarks in images, one JSON object
 * per image and line (the format of tools/yunet_ref.py detect). */
#include <math.h>
#include <stdio.h>

#include "tf-cli.h"
#include "tf-json.h"
#include "tf-datafiles.h"
#include "tf-decode.h"
#include "tf-detect.h"
#include "tf-error.h"
#include "tf-ops.h"

static void
append_number (GString *s,
               double   v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  if (isfinite (v))
    g_string_append (s, g_ascii_formatd (buf, sizeof buf, "%.9g", v));
  else
    g_string_append (s, "null");
}

static void
print_faces (const char *file,
             int         width,
             int         height,
             GArray     *faces)
{
  g_autoptr(GString) s = g_string_new ("{");

  tf_json_file_member (s, file);
  g_string_append_printf (s, ", \"width\": %d, \"height\": %d, \"faces\": [", width, height);
  for (guint i = 0; i < faces->len; i++)
    {
      const TfFace *f = &g_array_index (faces, TfFace, i);
      const char *keys[] = { "x", "y", "w", "h", "score" };
      const float vals[] = { f->x, f->y, f->w, f->h, f->score };

      g_string_append (s, i ? ", {" : "{");
      for (guint k = 0; k < G_N_ELEMENTS (keys); k++)
        {
          g_string_append_printf (s, "%s\"%s\": ", k ? ", " : "", keys[k]);
          append_number (s, vals[k]);
        }
      g_string_append (s, ", \"landmarks\": [");
      for (int k = 0; k < TF_FACE_LANDMARKS; k++)
        {
          g_string_append (s, k ? ", [" : "[");
          append_number (s, f->landmarks[k][0]);
          g_string_append (s, ", ");
          append_number (s, f->landmarks[k][1]);
          g_string_append_c (s, ']');
        }
      g_string_append (s, "]}");
    }
  g_string_append (s, "]}");
  puts (s->str);
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

int
tf_cli_detect (int    argc,
               char **argv)
{
  g_auto(TfCliShared) shared = { 0 };
  double nms = TF_DETECT_DEFAULT_NMS;
  int max_side = TF_DETECT_DEFAULT_MAX_SIDE, repeat = 0, failures = 0;
  GOptionEntry entries[] = {
    { "nms", 0, 0, G_OPTION_ARG_DOUBLE, &nms,
      "Overlap (IoU) above which the lower-scoring box goes (default " G_STRINGIFY (TF_DETECT_DEFAULT_NMS) ")", "T" },
    { "max-side", 0, 0, G_OPTION_ARG_INT, &max_side,
      "Scale larger images down to this longer side for detection; 0: never (default "
      G_STRINGIFY (TF_DETECT_DEFAULT_MAX_SIDE) ")", "N" },
    { "repeat", 0, 0, G_OPTION_ARG_INT, &repeat, "Time N detections per image (after one warm-up) and report the median on stderr", "N" },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new ("IMAGE... - find faces, with their landmarks");
  g_autoptr(GError) error = NULL;
  g_autoptr(TfDetector) detector = NULL;
  const char *bad;

  tf_cli_shared_add (ctx, &shared, TF_CLI_OPTION_DETECTOR | TF_CLI_OPTION_THRESHOLD | TF_CLI_OPTION_THREADS);
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    return tf_cli_usage_error (ctx, error->message);
  if (argc < 2)
    return tf_cli_usage_error (ctx, "detect needs at least one image");
  if ((bad = tf_cli_shared_check (&shared)))
    return tf_cli_usage_error (ctx, bad);
  if (!(nms >= 0 && nms <= 1))
    return tf_cli_usage_error (ctx, "--nms must lie in 0..1");
  if (max_side < 0 || repeat < 0)
    return tf_cli_usage_error (ctx, "--max-side and --repeat must not be negative");
  if (shared.detector == NULL && (shared.detector = tf_data_find (TF_DATA_DETECTOR)) == NULL)
    return tf_cli_usage_error (ctx, "no --detector given and the shipped detector is not installed");

  if (!(detector = tf_detector_load (shared.detector, &error)))
    {
      g_printerr ("transfer-cli: %s\n", error->message);
      return 1;
    }
  tf_detector_set_threshold (detector, (float) shared.threshold, (float) nms);
  tf_detector_set_max_side (detector, max_side);
  tf_detector_set_threads (detector, shared.threads);

  for (int i = 1; i < argc; i++)
    {
      g_autofree guint8 *rgb = NULL;
      g_autoptr(GArray) faces = NULL;
      int w, h, stride;

      g_clear_error (&error);
      if (!(rgb = tf_decode_rgb (argv[i], &w, &h, &stride, &error, NULL)) ||
          !(faces = tf_detector_detect (detector, rgb, w, h, stride, &error)))
        {
          g_printerr ("transfer-cli: %s\n", error->message);
          failures++;
          continue;
        }
      if (repeat > 0)
        {
          g_autoptr(GArray) times = g_array_new (FALSE, FALSE, sizeof (double));
          for (int r = 0; r < repeat; r++)
            {
              gint64 start = g_get_monotonic_time ();
              GArray *again = tf_detector_detect (detector, rgb, w, h, stride, NULL);
              double ms = (g_get_monotonic_time () - start) / 1000.0;

              g_clear_pointer (&again, g_array_unref);
              g_array_append_val (times, ms);
            }
          g_array_sort (times, compare_doubles);
          g_printerr ("%s: %d x %d: median %.2f ms, best %.2f ms over %d detections\n", argv[i], w, h,
                      g_array_index (times, double, repeat / 2), g_array_index (times, double, 0), repeat);
        }
      print_faces (argv[i], w, h, faces);
      fflush (stdout);
    }
  return failures ? 1 : 0;
}
