/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The application's session: background analysis delivered on the main
 * thread, cancellation, and the ablation view against the engine's own
 * ablation probe. */
#include <glib/gstdio.h>
#include <gst/gst.h>
#include <math.h>
#include <string.h>

#include "tf-engine.h"
#include "tf-image.h"
#include "tf-session.h"
#include "tf-session-resume.h"

typedef struct
{
  GPtrArray *faces;       /* TfFaceProbe */
  GPtrArray *errors;      /* char *: "file: message" */
  gboolean   finished, cancelled;
  int        progress;
  GThread   *main_thread;
} Seen;

static void
on_face (TfSession   *s,
         TfFaceProbe *probe,
         Seen        *seen)
{
  (void) s;
  g_assert_true (g_thread_self () == seen->main_thread);
  g_ptr_array_add (seen->faces, tf_face_probe_ref (probe));
}

static void
on_progress (TfSession  *s,
             double      fraction,
             const char *text,
             Seen       *seen)
{
  (void) s;
  g_assert_true (fraction <= 1.0 + 1e-9);
  g_assert_nonnull (text);
  seen->progress++;
}

static void
on_file_done (TfSession  *s,
              const char *file,
              const char *error,
              gint64      frames,
              gint64      faces,
              Seen       *seen)
{
  (void) s;
  (void) frames;
  (void) faces;
  if (error)
    g_ptr_array_add (seen->errors, g_strdup_printf ("%s: %s", file, error));
}

static void
on_finished (TfSession *s,
             gboolean   cancelled,
             Seen      *seen)
{
  (void) s;
  seen->finished = TRUE;
  seen->cancelled = cancelled;
}

static TfSession *
new_session (Seen *seen)
{
  TfSession *s = tf_session_new ();
  g_autoptr(GError) error = NULL;

  seen->faces = g_ptr_array_new_with_free_func ((GDestroyNotify) tf_face_probe_unref);
  seen->errors = g_ptr_array_new_with_free_func (g_free);
  seen->main_thread = g_thread_self ();
  g_signal_connect (s, "face", G_CALLBACK (on_face), seen);
  g_signal_connect (s, "progress", G_CALLBACK (on_progress), seen);
  g_signal_connect (s, "file-done", G_CALLBACK (on_file_done), seen);
  g_signal_connect (s, "finished", G_CALLBACK (on_finished), seen);
  g_assert_true (tf_session_load (s, NULL, NULL, &error));
  g_assert_no_error (error);
  return s;
}

static void
seen_clear (Seen *seen)
{
  g_ptr_array_unref (seen->faces);
  g_ptr_array_unref (seen->errors);
}

static void
wait_finished (Seen *seen)
{
  gint64 end = g_get_monotonic_time () + 120 * G_TIME_SPAN_SECOND;

  while (!seen->finished && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (seen->finished);
}

static void
test_photo (void)
{
  g_autofree char *sample = g_test_build_filename (G_TEST_DIST, "..", "data", "astronaut.png", NULL);
  g_autofree char *missing = g_test_build_filename (G_TEST_BUILT, "no-such-photo.jpg", NULL);
  const char *paths[] = { sample, missing, NULL };
  Seen seen = { 0 };
  g_autoptr(TfSession) s = new_session (&seen);
  TfFaceProbe *p;
  double sum = 0;
  int gg;

  g_assert_nonnull (tf_session_get_classes (s));
  g_assert_nonnull (strstr (tf_session_get_model_name (s), "transfer-ferplus"));
  tf_session_analyze (s, paths, NULL);
  g_assert_true (tf_session_is_running (s));
  wait_finished (&seen);
  g_assert_false (seen.cancelled);
  g_assert_false (tf_session_is_running (s));

  g_assert_cmpuint (seen.faces->len, ==, 1);
  g_assert_cmpuint (seen.errors->len, ==, 1);
  g_assert_nonnull (strstr (seen.errors->pdata[0], "no-such-photo.jpg"));
  p = seen.faces->pdata[0];
  g_assert_cmpstr (p->file, ==, sample);
  g_assert_cmpint (p->classes, ==, 8);
  g_assert_cmpstr (p->class_names[p->predicted], ==, "happiness");
  for (int k = 0; k < p->classes; k++)
    sum += p->probs[k];
  g_assert_cmpfloat_with_epsilon (sum, 1.0, 1e-4);
  /* the probes are there, with their shapes */
  gg = p->grid * p->grid;
  g_assert_cmpint (p->grid, ==, 14);
  g_assert_nonnull (p->lanet_maps);
  g_assert_nonnull (p->lanet_max);
  g_assert_nonnull (p->rollout);
  g_assert_nonnull (p->cls_attn);
  g_assert_null (p->ablation);
  for (int l = 0; l < p->depth; l++)
    {
      double row = 0, attn = 0;
      for (int h = 0; h < p->heads; h++)
        row += p->head_contrib[l * p->heads + h];
      g_assert_cmpfloat_with_epsilon (row, 1.0, 1e-4);
      /* attention over the patches: the rest went to the class token itself */
      for (int i = 0; i < gg; i++)
        attn += p->cls_attn[(gsize) l * p->heads * gg + i];
      g_assert_cmpfloat (attn, <=, 1.0 + 1e-4);
      g_assert_cmpfloat (attn, >, 0.0);
    }
  g_assert_nonnull (p->crop);
  g_assert_cmpint (gdk_texture_get_width (p->crop), ==, 112);
  /* kept small: the aligned 48-pixel crop, not the float input */
  g_assert_nonnull (p->source_rgb);
  g_assert_cmpint (p->source_size, ==, 48);
  g_assert_cmpint (p->input_size, ==, 112);
  seen_clear (&seen);
}

static void
on_ablation_progress (double   fraction,
                      gpointer data)
{
  double *last = data;

  g_assert_cmpfloat (fraction, >, *last);
  *last = fraction;
}

static void
on_ablation_done (GObject      *source,
                  GAsyncResult *result,
                  gpointer      data)
{
  TfFaceProbe **out = data;
  g_autoptr(GError) error = NULL;

  *out = tf_session_ablation_finish (TF_SESSION (source), result, &error);
  g_assert_no_error (error);
}

static void
test_ablation (void)
{
  g_autofree char *sample = g_test_build_filename (G_TEST_DIST, "..", "data", "astronaut.png", NULL);
  g_autofree char *model_path = g_test_build_filename (G_TEST_DIST, "..", "data", "models",
                                                       "transfer-ferplus.safetensors", NULL);
  const char *paths[] = { sample, NULL };
  Seen seen = { 0 };
  g_autoptr(TfSession) s = new_session (&seen);
  g_autoptr(TfModel) model = NULL;
  g_autoptr(TfEngine) engine = NULL;
  g_autoptr(TfFaceProbe) with = NULL;
  g_autofree float *input = NULL;
  TfFaceProbe *p;
  TfOutputs out;
  double last = 0, worst = 0;
  int K;

  tf_session_analyze (s, paths, NULL);
  wait_finished (&seen);
  g_assert_cmpuint (seen.faces->len, ==, 1);
  p = seen.faces->pdata[0];
  tf_session_ablation_async (s, p, NULL, on_ablation_progress, &last, on_ablation_done, &with);
  while (with == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpfloat (last, ==, 1.0);
  g_assert_nonnull (with->ablation);
  g_assert_cmpint (with->predicted, ==, p->predicted);

  /* the same numbers as the engine's own ablation probe */
  model = tf_model_load (model_path, NULL);
  engine = tf_engine_new (model);
  input = g_new (float, 3 * 112 * 112);
  tf_image_to_input (p->source_rgb, p->source_size, p->source_size, p->source_size * 3, 3, &model->input, input);
  g_assert_true (tf_engine_forward (engine, input, 1, TF_PROBE_ABLATION, NULL, &out, NULL));
  K = p->classes;
  for (int lh = 0; lh < p->depth * p->heads; lh++)
    for (int k = 0; k < K; k++)
      worst = MAX (worst, fabs ((out.ablation[(gsize) lh * K + k] - out.probs[k]) - with->ablation[(gsize) lh * K + k]));
  g_test_message ("ablation vs the engine's probe: %.3g", worst);
  g_assert_cmpfloat (worst, <, 1e-5);
  seen_clear (&seen);
}

static void
on_probe_done (GObject      *source,
               GAsyncResult *result,
               gpointer      data)
{
  TfFaceProbe **out = data;
  g_autoptr(GError) error = NULL;

  *out = tf_session_face_finish (TF_SESSION (source), result, &error);
  g_assert_no_error (error);
}

/* A folder's or a video's faces come without maps (the window asks for
 * them when a face is shown): the same probabilities, and the maps made
 * on demand are the full analysis's. */
static void
test_skip_maps (void)
{
  g_autofree char *sample = g_test_build_filename (G_TEST_DIST, "..", "data", "astronaut.png", NULL);
  const char *paths[] = { sample, NULL };
  TfSessionOptions lean = { .every_fps = 5, .threshold = 0.6, .skip_maps = TRUE };
  Seen full = { 0 }, seen = { 0 };
  g_autoptr(TfSession) s = new_session (&full);
  g_autoptr(TfSession) s2 = new_session (&seen);
  g_autoptr(TfFaceProbe) shown = NULL;
  TfFaceProbe *a, *b;
  double worst = 0;
  int gg;

  tf_session_analyze (s, paths, NULL);
  wait_finished (&full);
  tf_session_analyze (s2, paths, &lean);
  wait_finished (&seen);
  g_assert_cmpuint (full.faces->len, ==, 1);
  g_assert_cmpuint (seen.faces->len, ==, 1);
  a = full.faces->pdata[0];
  b = seen.faces->pdata[0];
  g_assert_null (b->lanet_maps);
  g_assert_null (b->rollout);
  g_assert_null (b->cls_attn);
  g_assert_null (b->head_contrib);
  g_assert_nonnull (b->source_rgb);
  g_assert_cmpint (b->predicted, ==, a->predicted);
  for (int k = 0; k < a->classes; k++)
    g_assert_cmpfloat_with_epsilon (b->probs[k], a->probs[k], 1e-6);

  tf_session_probe_async (s2, b, NULL, on_probe_done, &shown);
  while (shown == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_nonnull (shown->lanet_maps);
  g_assert_nonnull (shown->rollout);
  g_assert_nonnull (shown->head_contrib);
  gg = a->grid * a->grid;
  for (int i = 0; i < a->lanets * gg; i++)
    worst = MAX (worst, fabs (shown->lanet_maps[i] - a->lanet_maps[i]));
  for (int i = 0; i < gg; i++)
    worst = MAX (worst, fabs (shown->rollout[i] - a->rollout[i]));
  for (int i = 0; i < a->depth * a->heads; i++)
    worst = MAX (worst, fabs (shown->head_contrib[i] - a->head_contrib[i]));
  g_test_message ("maps made on demand vs the analysis's: %.3g", worst);
  g_assert_cmpfloat (worst, <, 1e-5);
  seen_clear (&full);
  seen_clear (&seen);
}

static char *
make_video (const char *dir,
            int         seconds)
{
  char *path = g_build_filename (dir, "long.webm", NULL);
  g_autofree char *sample = g_test_build_filename (G_TEST_DIST, "..", "data", "astronaut.png", NULL);
  g_autofree char *desc = g_strdup_printf (
    "filesrc location=\"%s\" ! pngdec ! videoconvert ! videoscale ! video/x-raw,width=320,height=320 ! "
    "imagefreeze num-buffers=%d ! video/x-raw,framerate=15/1 ! videoconvert ! vp8enc deadline=1 ! webmmux ! "
    "filesink location=\"%s\"", sample, seconds * 15, path);
  g_autoptr(GError) error = NULL;
  g_autoptr(GstElement) pipeline = gst_parse_launch (desc, &error);
  g_autoptr(GstBus) bus = gst_element_get_bus (pipeline);
  g_autoptr(GstMessage) msg = NULL;

  g_assert_no_error (error);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  msg = gst_bus_timed_pop_filtered (bus, 60 * GST_SECOND, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  g_assert_true (msg && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  return path;
}

static void
test_cancel (void)
{
  g_autofree char *dir = g_dir_make_tmp ("tf-session-XXXXXX", NULL);
  g_autofree char *video = make_video (dir, 20);
  const char *paths[] = { video, NULL };
  TfSessionOptions every = { .every_fps = 0, .threshold = 0.6, .threads = 0 };
  Seen seen = { 0 };
  g_autoptr(TfSession) s = new_session (&seen);
  guint got;

  tf_session_analyze (s, paths, &every);
  /* let a few faces arrive, then cancel: finished(cancelled) at once, and
   * nothing more afterwards */
  while (seen.faces->len < 3)
    g_main_context_iteration (NULL, TRUE);
  tf_session_cancel (s);
  /* one face, one track, numbered from 1 */
  for (guint i = 0; i < seen.faces->len; i++)
    g_assert_cmpint (((TfFaceProbe *) seen.faces->pdata[i])->track, ==, 1);
  g_assert_true (seen.finished);
  g_assert_true (seen.cancelled);
  g_assert_false (tf_session_is_running (s));
  got = seen.faces->len;
  for (int i = 0; i < 50; i++)
    {
      g_usleep (10000);
      while (g_main_context_iteration (NULL, FALSE))
        ;
    }
  g_assert_cmpuint (seen.faces->len, ==, got);
  g_assert_cmpuint (got, <, 20 * 15);
  /* a new analysis after a cancelled one runs normally */
  seen.finished = FALSE;
  every.every_fps = 1;
  tf_session_analyze (s, paths, &every);
  wait_finished (&seen);
  g_assert_false (seen.cancelled);
  g_assert_cmpuint (seen.faces->len - got, ==, 20);
  seen_clear (&seen);
  g_unlink (video);
  g_rmdir (dir);
}

/* cancels the session at the first file done */
static void
cancel_at_file_done (TfSession  *s,
                     const char *file,
                     const char *error,
                     gint64      frames,
                     gint64      faces,
                     GPtrArray  *done)
{
  (void) error, (void) frames, (void) faces;
  g_ptr_array_add (done, g_strdup (file));
  if (done->len == 1)
    tf_session_cancel (s);
}

/* A folder cancelled after its first file goes on from the second: every
 * file once, and its faces once. */
static void
test_continue_folder (void)
{
  g_autofree char *dir = g_dir_make_tmp ("tf-session-XXXXXX", NULL);
  g_autofree char *sample = g_test_build_filename (G_TEST_DIST, "..", "data", "astronaut.png", NULL);
  g_autofree char *contents = NULL;
  g_autoptr(GPtrArray) done = g_ptr_array_new_with_free_func (g_free);
  const char *names[] = { "a.png", "b.png", "c.png" };
  const char *paths[] = { dir, NULL };
  Seen seen = { 0 };
  g_autoptr(TfSession) s = new_session (&seen);
  gsize length;
  gulong handler;

  g_assert_true (g_file_get_contents (sample, &contents, &length, NULL));
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *path = g_build_filename (dir, names[i], NULL);
      g_assert_true (g_file_set_contents (path, contents, (gssize) length, NULL));
    }
  g_assert_false (tf_session_can_continue (s));
  handler = g_signal_connect (s, "file-done", G_CALLBACK (cancel_at_file_done), done);
  tf_session_analyze (s, paths, NULL);
  wait_finished (&seen);
  g_assert_true (seen.cancelled);
  g_assert_cmpuint (done->len, ==, 1);
  g_assert_true (g_str_has_suffix (done->pdata[0], "a.png"));
  g_assert_cmpuint (seen.faces->len, ==, 1);
  g_assert_true (tf_session_can_continue (s));

  seen.finished = FALSE;
  tf_session_continue (s);
  g_assert_false (tf_session_can_continue (s));
  wait_finished (&seen);
  g_assert_false (seen.cancelled);
  g_assert_false (tf_session_can_continue (s));
  g_assert_cmpuint (done->len, ==, 3);
  g_assert_true (g_str_has_suffix (done->pdata[1], "b.png"));
  g_assert_true (g_str_has_suffix (done->pdata[2], "c.png"));
  g_assert_cmpuint (seen.faces->len, ==, 3);
  for (guint i = 0; i < 3; i++)
    g_assert_true (g_str_has_suffix (((TfFaceProbe *) seen.faces->pdata[i])->file, names[i]));
  g_signal_handler_disconnect (s, handler);

  /* a new analysis forgets what could have gone on */
  seen.finished = FALSE;
  g_ptr_array_set_size (done, 0);
  handler = g_signal_connect (s, "file-done", G_CALLBACK (cancel_at_file_done), done);
  tf_session_analyze (s, paths, NULL);
  wait_finished (&seen);
  g_assert_true (tf_session_can_continue (s));
  g_signal_handler_disconnect (s, handler);
  seen.finished = FALSE;
  tf_session_analyze (s, paths, NULL);
  g_assert_false (tf_session_can_continue (s));
  tf_session_cancel (s);

  seen_clear (&seen);
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *path = g_build_filename (dir, names[i], NULL);
      g_unlink (path);
    }
  g_rmdir (dir);
}

static TfFaceProbe *
fake_face (double time_s,
           int    track,
           int    face)
{
  TfFaceProbe *p = tf_face_probe_new ();

  p->time_s = time_s;
  p->track = track;
  p->face = face;
  p->box[0] = (float) (10 * track);
  p->box[2] = p->box[3] = 40;
  return p;
}

/* The log of what a run delivered, and where a stopped one goes on: a
 * video stopped between two faces of a frame, then the run that goes on
 * stopped again before it reached them, then one to the end. */
static void
test_resume_log (void)
{
  const char *paths[] = { "v.webm", NULL };
  g_autoptr(TfResume) first = NULL, second = NULL;
  g_autoptr(TfFaceProbe) a0 = fake_face (0.0, 1, 0), a2 = fake_face (0.2, 1, 0), b2 = fake_face (0.2, 2, 1);
  g_autoptr(TfFaceProbe) a4 = fake_face (0.4, 1, 0), b4 = fake_face (0.4, 2, 1), c6 = fake_face (0.6, 3, 0);
  TfResumeLog *log = tf_resume_log_new (paths, NULL);
  gint64 frames, faces;

  tf_resume_log_set_files (log, g_strdupv ((char **) paths));
  g_assert_true (tf_resume_log_face (log, 0, a0));
  tf_resume_log_frame (log, 0, 0.0, 0, FALSE);
  g_assert_true (tf_resume_log_face (log, 0, a2));
  g_assert_true (tf_resume_log_face (log, 0, b2));
  tf_resume_log_frame (log, 0, 0.2, 3, FALSE);
  g_assert_true (tf_resume_log_face (log, 0, a4));   /* its frame's end never came */
  first = tf_resume_log_end (log);
  tf_resume_log_free (log);
  g_assert_nonnull (first);
  g_assert_cmpstr (first->files[0], ==, "v.webm");
  g_assert_null (first->files[1]);
  g_assert_true (first->partial);
  g_assert_cmpfloat (first->point.after_s, ==, 0.2);
  g_assert_cmpint (first->point.frame, ==, 3);
  g_assert_cmpint (first->point.n_faces, ==, 2);
  g_assert_cmpint (first->point.tracks[0], ==, 1);
  g_assert_cmpint (first->point.tracks[1], ==, 2);
  g_assert_cmpfloat (first->point.faces[1].x, ==, 20);
  g_assert_cmpint (first->point.next_track, ==, 3);
  g_assert_cmpfloat (first->skip_time, ==, 0.4);
  g_assert_cmpint (first->skip_count, ==, 1);
  g_assert_cmpint (first->base_frames, ==, 2);
  g_assert_cmpint (first->base_faces, ==, 4);

  /* going on: stopped again before the frame at 0.4 came */
  log = tf_resume_log_new ((const char * const *) first->files, first);
  second = tf_resume_log_end (log);
  tf_resume_log_free (log);
  g_assert_true (second->partial);
  g_assert_cmpfloat (second->point.after_s, ==, 0.2);
  g_assert_cmpint (second->point.n_faces, ==, 2);
  g_assert_cmpint (second->point.next_track, ==, 3);
  g_assert_cmpfloat (second->skip_time, ==, 0.4);
  g_assert_cmpint (second->skip_count, ==, 1);
  g_assert_cmpint (second->base_faces, ==, 4);

  /* to the end: the face given before is dropped, the file's counts whole */
  log = tf_resume_log_new ((const char * const *) second->files, second);
  tf_resume_log_set_files (log, g_strdupv (second->files));
  g_assert_false (tf_resume_log_face (log, 0, a4));
  g_assert_true (tf_resume_log_face (log, 0, b4));
  tf_resume_log_frame (log, 0, 0.4, 6, FALSE);
  g_assert_true (tf_resume_log_face (log, 0, c6));
  tf_resume_log_frame (log, 0, 0.6, 9, FALSE);
  frames = 2;   /* as the analysis counts them: 0.4 and 0.6, both faces at 0.4 */
  faces = 3;
  tf_resume_log_file_done (log, 0, &frames, &faces);
  g_assert_cmpint (frames, ==, 4);
  g_assert_cmpint (faces, ==, 6);   /* a0 a2 b2 a4 b4 c6 */
  g_assert_null (tf_resume_log_end (log));
  tf_resume_log_free (log);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  gst_init (&argc, &argv);
  g_test_add_func ("/session/photo", test_photo);
  g_test_add_func ("/session/ablation", test_ablation);
  g_test_add_func ("/session/skip-maps", test_skip_maps);
  g_test_add_func ("/session/cancel", test_cancel);
  g_test_add_func ("/session/continue-folder", test_continue_folder);
  g_test_add_func ("/session/resume-log", test_resume_log);
  return g_test_run ();
}
