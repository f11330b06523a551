/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The review queue and the statistics page under a real display (Xvfb,
 * GSK's cairo renderer): a small project made through tf-project.h whose
 * every count is known, the list against tf_project_count_faces and
 * tf_project_get_queue for each filter, label changes that leave the order
 * alone, the confusion matrix and Cohen's kappa against hand-computed
 * values, the plots saved as PNG and SVG, and a 100,000-face project from
 * make-project (its timings logged, not asserted). Pictures of both pages
 * are saved next to the test binary. */
#include <adwaita.h>
#include <errno.h>
#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <locale.h>
#include <math.h>
#include <string.h>
#include <sys/mount.h>

#include "tf-review-view.h"
#include "tf-stats-view.h"
#include "tf-agreement-matrix.h"
#include "tf-test-gtk.h"
#include "tf-test-util.h"

#define N_FACES   30

/* The big project: 100,000 faces, the scale the review page is built for;
 * under AddressSanitizer, where the timings mean nothing and making it
 * alone took 107 s of CI, 20,000 exercise the same code. */
#ifdef TF_TEST_ASAN
#  define BIG_FACES 5000
#else
#  define BIG_FACES 100000
#endif
#define N_CLASSES 4

static char      *tmpdir;
static TfProject *project;
static gint64     faces[N_FACES];
static GtkWindow *window;

/* The small project: face i is predicted class i % 4 (face 29 has no
 * prediction); the labels make the confusion matrix below. */
static const char *const class_names[] = { "neutral", "happiness", "surprise", "sadness", NULL };
static const int face_labels[N_FACES] = {
  0, 1, 2, 3, 0, 1, 2, 0, 0, 1,                  /* 7: (label 0, predicted 3) */
  TF_LABEL_NONE, TF_LABEL_NONE, 1, 2,            /* 12: (1, 0), 13: (2, 1) */
  TF_LABEL_NONE, TF_LABEL_NONE, TF_LABEL_NOT_A_FACE, TF_LABEL_NOT_A_FACE, TF_LABEL_UNSURE,
  TF_LABEL_NONE, TF_LABEL_NONE, TF_LABEL_NONE, TF_LABEL_NONE, TF_LABEL_NONE, TF_LABEL_NONE,
  TF_LABEL_NONE, TF_LABEL_NONE, TF_LABEL_NONE, TF_LABEL_NONE, TF_LABEL_NONE,
};
/* [label][predicted], counted by hand from the table above */
static const gint64 expected_confusion[N_CLASSES * N_CLASSES] = {
  3, 0, 0, 1,
  1, 3, 0, 0,
  0, 1, 2, 0,
  0, 0, 0, 1,
};

/* ---- the main loop and pictures (tf-test-gtk.h) -------------------------------- */

static void
screenshot (const char *name)
{
  g_autofree char *file = g_strconcat ("review-", name, ".png", NULL);
  g_autofree char *path = NULL;

  tf_test_settle (0.2);
  path = tf_test_save_window (GTK_WIDGET (window), file);
  g_test_message ("picture of the %s page: %s", name, path);
}

static void
show_page (GtkWidget *page)
{
  gtk_window_set_child (window, page);
  tf_test_settle (0.3);
}

/* ---- the small project ---------------------------------------------------------- */

/* A 48x48 face: a disc on a coloured ground, two eyes and a mouth that
 * follows the class (flat, a smile, an O, a frown). */
static void
draw_crop (guint8 *rgb,
           int     i,
           int     cls)
{
  const guint8 grounds[3][3] = { { 0x99, 0xc1, 0xf1 }, { 0xf6, 0xd3, 0x2d }, { 0xc0, 0xbf, 0xbc } };
  const guint8 *ground = grounds[i % 3];

  for (int y = 0; y < 48; y++)
    for (int x = 0; x < 48; x++)
      {
        double dx = x - 24, dy = y - 25, r = sqrt (dx * dx + dy * dy);
        guint8 *p = rgb + (y * 48 + x) * 3;
        gboolean ink = FALSE;
        double mouth_y;

        if (r > 19)
          {
            memcpy (p, ground, 3);
            continue;
          }
        p[0] = 0xf0 - (guint8) (i * 3), p[1] = 0xc8 - (guint8) (i * 2), p[2] = 0xa0;
        if (((x - 17) * (x - 17) + (y - 20) * (y - 20) <= 5) || ((x - 31) * (x - 31) + (y - 20) * (y - 20) <= 5))
          ink = TRUE;
        mouth_y = cls == 1 ? 35 - 0.06 * dx * dx : cls == 3 ? 31 + 0.06 * dx * dx : 33;
        if (cls == 2)
          ink |= fabs (sqrt (dx * dx + (y - 33) * (y - 33)) - 4) < 1.2;
        else if (fabs (dx) <= 8 && fabs (y - mouth_y) < 1.3)
          ink = TRUE;
        if (ink)
          p[0] = 0x3d, p[1] = 0x38, p[2] = 0x46;
      }
}

static void
make_small_project (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (tmpdir, "small.tfproj", NULL);
  const char *const media_names[] = { "beach.jpg", "interview.mp4", "party.mp4" };
  gint64 media[3], run;
  guint8 crop[48 * 48 * 3];

  project = tf_project_open (path, TF_PROJECT_CREATE, &error);
  g_assert_no_error (error);
  run = tf_project_add_run (project, NULL, class_names, NULL, &error);
  g_assert_no_error (error);
  for (int m = 0; m < 3; m++)
    {
      g_autofree char *file = g_build_filename (tmpdir, media_names[m], NULL);

      g_assert_true (g_file_set_contents (file, media_names[m], -1, &error));
      media[m] = tf_project_add_media (project, file, m == 0 ? TF_MEDIA_IMAGE : TF_MEDIA_VIDEO, 640, 480,
                                       m == 0 ? 0 : 60, &error);
      g_assert_no_error (error);
    }
  g_assert_true (tf_project_begin (project, &error));
  for (int i = 0; i < N_FACES; i++)
    {
      int m = i < 6 ? 0 : i < 20 ? 1 : 2, cls = i % N_CLASSES;
      TfProjectNewFace f = { .media = media[m], .run = run, .frame = m == 0 ? 0 : 25 * i + 3,
                             .time_s = m == 0 ? 0 : (25 * i + 3) / 25.0, .index = 0,
                             .det = { .x = 10, .y = 10, .w = 100, .h = 100, .score = 0.9f },
                             .crop = crop, .crop_size = 48 };
      /* distinct margins: the top from 0.45 up, the next half as much again as the other two */
      float probs[N_CLASSES], top = 0.45f + 0.015f * i;

      draw_crop (crop, i, cls);
      faces[i] = tf_project_add_face (project, &f, &error);
      g_assert_no_error (error);
      for (int k = 0; k < N_CLASSES; k++)
        probs[k] = k == cls ? top : (1 - top) / (N_CLASSES - 1) * (k == (cls + 1) % N_CLASSES ? 1.5f : 0.75f);
      if (i != N_FACES - 1)
        g_assert_true (tf_project_add_prediction (project, faces[i], run, probs, N_CLASSES, &error));
      if (face_labels[i] != TF_LABEL_NONE)
        g_assert_true (tf_project_set_label (project, faces[i], face_labels[i],
                                             i % 2 ? TF_LABEL_PERSON : TF_LABEL_IMPORTED, "test", NULL, &error));
      g_assert_no_error (error);
    }
  g_assert_true (tf_project_commit (project, &error));
}

/* ---- the review queue ------------------------------------------------------------ */

static guint
n_rows (TfReviewView *view)
{
  return g_list_model_get_n_items (tf_review_view_get_model (view));
}

static gint64
face_at (TfReviewView *view,
         guint         position)
{
  g_autoptr(TfReviewItem) item = g_list_model_get_item (tf_review_view_get_model (view), position);

  return item ? tf_review_item_get_face (item) : 0;
}

static gboolean
counted (gpointer data)
{
  GtkWidget *count = tf_test_find_widget (data, TF_TEST_BY_NAME, "count");

  return strstr (gtk_label_get_label (GTK_LABEL (count)), " reviewed") != NULL;
}

/* the count line, once the reviewed faces are counted (off the main loop) */
static const char *
count_line (TfReviewView *view)
{
  g_assert_true (tf_test_wait_until (counted, view, 30));
  return gtk_label_get_label (GTK_LABEL (tf_test_find_widget (GTK_WIDGET (view), TF_TEST_BY_NAME, "count")));
}

static void
choose (TfReviewView *view,
        const char   *dropdown,
        guint         position)
{
  GtkDropDown *dd = GTK_DROP_DOWN (tf_test_find_widget (GTK_WIDGET (view), TF_TEST_BY_NAME, dropdown));

  g_assert_nonnull (dd);
  g_assert_cmpuint (position, <, g_list_model_get_n_items (gtk_drop_down_get_model (dd)));
  gtk_drop_down_set_selected (dd, position);
}

static const char *
choice_text (TfReviewView *view,
             const char   *dropdown,
             guint         position)
{
  GtkDropDown *dd = GTK_DROP_DOWN (tf_test_find_widget (GTK_WIDGET (view), TF_TEST_BY_NAME, dropdown));

  return gtk_string_list_get_string (GTK_STRING_LIST (gtk_drop_down_get_model (dd)), position);
}

/* The list against the store for every combination of the filters: the
 * same faces, in the queue's order, and the count line of them. */
static void
test_review_filters (void)
{
  TfReviewView *view = TF_REVIEW_VIEW (tf_review_view_new ());
  const int label_values[] = { TF_PROJECT_ANY, 0, 1, 2, 3, TF_LABEL_NOT_A_FACE, TF_LABEL_UNSURE };
  const guint label_choices[] = { 0, 1, 3, 5, 6 };
  guint combinations = 0, empty = 0;

  show_page (GTK_WIDGET (view));
  tf_review_view_set_project (view, project);
  g_assert_cmpstr (choice_text (view, "media", 1), ==, "beach.jpg");
  g_assert_cmpstr (choice_text (view, "media", 3), ==, "party.mp4");
  g_assert_cmpstr (choice_text (view, "predicted", 2), ==, "Predicted: happiness");
  g_assert_cmpstr (choice_text (view, "label", 5), ==, "Label: Not a face");
  g_assert_cmpstr (choice_text (view, "label", 6), ==, "Label: Unsure");
  g_assert_cmpuint (n_rows (view), ==, N_FACES);

  for (guint order = 0; order < 3; order++)
    for (guint which = 0; which < 4; which++)
      for (guint predicted = 0; predicted < 3; predicted++)
        for (guint l = 0; l < G_N_ELEMENTS (label_choices); l++)
          for (guint media = 0; media < 4; media += 2)
            {
              g_autoptr(GArray) queue = NULL;
              g_autoptr(GError) error = NULL;
              g_autofree char *line = NULL;
              TfProjectFilter filter, labelled;
              gint64 count, done;
              GPtrArray *list;

              choose (view, "order", order);
              choose (view, "filter", which);
              choose (view, "predicted", predicted);
              choose (view, "label", label_choices[l]);
              choose (view, "media", media);

              tf_project_filter_init (&filter);
              filter.labelled = which == 1 ? TF_LABELLED_NO : which == 2 ? TF_LABELLED_YES : TF_LABELLED_ANY;
              filter.disagreeing = which == 3;
              filter.predicted = predicted == 0 ? TF_PROJECT_ANY : (int) predicted - 1;
              filter.label = label_values[label_choices[l]];
              if (media > 0)
                {
                  list = tf_project_list_media (project, &error);
                  g_assert_no_error (error);
                  filter.media = ((TfProjectMedia *) g_ptr_array_index (list, media - 1))->id;
                  g_ptr_array_unref (list);
                }
              count = tf_project_count_faces (project, &filter, &error);
              g_assert_no_error (error);
              queue = tf_project_get_queue (project, &filter,
                                            order == 2 ? TF_QUEUE_DISAGREEMENT
                                            : order == 1 ? TF_QUEUE_ENTROPY : TF_QUEUE_MARGIN, &error);
              g_assert_no_error (error);

              g_assert_cmpint (n_rows (view), ==, count);
              g_assert_cmpuint (queue->len, ==, n_rows (view));
              for (guint i = 0; i < queue->len; i++)
                g_assert_cmpint (face_at (view, i), ==, g_array_index (queue, gint64, i));

              labelled = filter;
              labelled.labelled = TF_LABELLED_YES;
              done = filter.labelled == TF_LABELLED_NO ? 0 : tf_project_count_faces (project, &labelled, NULL);
              /* LANG=C.UTF-8: no thousands separators */
              line = g_strdup_printf ("%lld of %lld reviewed", (long long) done, (long long) count);
              g_assert_cmpstr (count_line (view), ==, line);
              combinations++;
              empty += count == 0;
            }
  g_test_message ("%u combinations of the filters, %u of them empty", combinations, empty);
  /* both kinds were seen: a filter that lists nothing and one that lists */
  g_assert_cmpuint (empty, >, 0);
  g_assert_cmpuint (empty, <, combinations);
  g_assert_cmpuint (tf_review_view_get_n_items_made (view), <=, N_FACES);

  /* the faces labelled otherwise than predicted, marked so */
  choose (view, "order", 0);
  choose (view, "filter", 3);
  choose (view, "predicted", 0);
  choose (view, "label", 0);
  choose (view, "media", 0);
  g_assert_cmpuint (n_rows (view), ==, 3);
  screenshot ("disagreeing");
  gtk_window_set_child (window, NULL);
}

static void
on_face_activated_cb (TfReviewView *view,
                      gint64        face,
                      GArray       *seen)
{
  g_array_append_val (seen, face);
}

/* The order the window walks with auto-advance, and the signal it hears. */
static void
test_review_select (void)
{
  TfReviewView *view = TF_REVIEW_VIEW (tf_review_view_new ());
  g_autoptr(GArray) seen = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) queue = tf_project_get_queue (project, NULL, TF_QUEUE_MARGIN, NULL);
  gint64 face, kept;

  show_page (GTK_WIDGET (view));
  tf_review_view_set_project (view, project);
  g_signal_connect (view, "face-activated", G_CALLBACK (on_face_activated_cb), seen);
  g_assert_cmpint (tf_review_view_get_selected (view), ==, 0);
  /* faces the run did not predict come first */
  g_assert_cmpint (face_at (view, 0), ==, faces[N_FACES - 1]);

  for (guint i = 0; i < queue->len; i++)
    {
      face = tf_review_view_select_next (view);
      g_assert_cmpint (face, ==, g_array_index (queue, gint64, i));
      g_assert_cmpint (tf_review_view_get_selected (view), ==, face);
    }
  g_assert_cmpint (tf_review_view_select_next (view), ==, 0);
  g_assert_cmpint (tf_review_view_get_selected (view), ==, g_array_index (queue, gint64, queue->len - 1));
  g_assert_cmpuint (seen->len, ==, queue->len);
  g_assert_cmpmem (seen->data, seen->len * sizeof (gint64), queue->data, queue->len * sizeof (gint64));

  /* selecting what is selected says nothing; a face not listed is refused */
  g_assert_true (tf_review_view_select_face (view, g_array_index (queue, gint64, 5)));
  g_assert_cmpuint (seen->len, ==, queue->len + 1);
  g_assert_true (tf_review_view_select_face (view, g_array_index (queue, gint64, 5)));
  g_assert_cmpuint (seen->len, ==, queue->len + 1);
  g_assert_false (tf_review_view_select_face (view, 999999));
  g_assert_cmpint (tf_review_view_get_selected (view), ==, g_array_index (queue, gint64, 5));

  /* a refresh keeps the selected face while it is listed, and so does a
   * filter that lists it; one that hides it clears the selection */
  kept = tf_review_view_get_selected (view);
  tf_review_view_refresh (view);
  g_assert_cmpint (tf_review_view_get_selected (view), ==, kept);
  for (guint k = 0; k < N_FACES; k++)
    if (faces[k] == kept)
      {
        choose (view, "predicted", 1 + k % N_CLASSES);
        g_assert_cmpint (tf_review_view_get_selected (view), ==, kept);
        g_assert_cmpuint (n_rows (view), <, N_FACES);
        choose (view, "predicted", 1 + (k + 1) % N_CLASSES);
        g_assert_cmpint (tf_review_view_get_selected (view), ==, 0);
      }
  g_assert_cmpuint (seen->len, ==, queue->len + 1);
  gtk_window_set_child (window, NULL);
}

/* A label given while the list shows only unlabelled faces: the row shows
 * it, the count follows, nothing moves. */
static void
test_review_face_changed (void)
{
  TfReviewView *view = TF_REVIEW_VIEW (tf_review_view_new ());
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) before = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(TfReviewItem) item = NULL;
  gint64 face;
  guint n, shown;

  show_page (GTK_WIDGET (view));
  tf_review_view_set_project (view, project);
  choose (view, "filter", 1);
  n = n_rows (view);
  g_assert_cmpuint (n, ==, 15);
  g_assert_cmpstr (count_line (view), ==, "0 of 15 reviewed");
  for (guint i = 0; i < n; i++)
    {
      gint64 id = face_at (view, i);
      g_array_append_val (before, id);
    }
  face = face_at (view, 3);
  g_assert_true (tf_review_view_select_face (view, face));
  tf_test_settle (0.3);
  shown = tf_test_count_widgets (GTK_WIDGET (view), TF_TEST_BY_SHOWN_LABEL, "Unsure");

  g_assert_true (tf_project_set_label (project, face, TF_LABEL_UNSURE, TF_LABEL_PERSON, "test", NULL, &error));
  tf_review_view_face_changed (view, face);
  tf_test_settle (0.2);
  g_assert_cmpuint (n_rows (view), ==, n);
  for (guint i = 0; i < n; i++)
    g_assert_cmpint (face_at (view, i), ==, g_array_index (before, gint64, i));
  item = g_list_model_get_item (tf_review_view_get_model (view), 3);
  g_assert_cmpint (tf_review_item_get_label (item), ==, TF_LABEL_UNSURE);
  g_assert_cmpstr (count_line (view), ==, "1 of 15 reviewed");
  g_assert_cmpuint (tf_test_count_widgets (GTK_WIDGET (view), TF_TEST_BY_SHOWN_LABEL, "Unsure"), ==, shown + 1);
  g_assert_cmpint (tf_review_view_get_selected (view), ==, face);
  screenshot ("list");

  /* a face not listed changes nothing */
  tf_review_view_face_changed (view, faces[0]);
  g_assert_cmpstr (count_line (view), ==, "1 of 15 reviewed");

  /* cleared again */
  g_assert_true (tf_project_clear_label (project, face, &error));
  tf_review_view_face_changed (view, face);
  tf_test_settle (0.1);
  g_assert_cmpint (tf_review_item_get_label (item), ==, TF_LABEL_NONE);
  g_assert_cmpstr (count_line (view), ==, "0 of 15 reviewed");
  g_assert_cmpuint (tf_test_count_widgets (GTK_WIDGET (view), TF_TEST_BY_SHOWN_LABEL, "Unsure"), ==, shown);

  /* a refresh re-sorts: the list is still the queue */
  tf_review_view_refresh (view);
  g_assert_cmpuint (n_rows (view), ==, 15);

  /* labels that change while the listed faces are counted still count */
  choose (view, "filter", 0);
  g_assert_true (tf_project_set_label (project, face, 1, TF_LABEL_PERSON, "test", NULL, &error));
  tf_review_view_face_changed (view, face);
  g_assert_cmpstr (count_line (view), ==, "16 of 30 reviewed");
  tf_review_view_refresh (view);
  g_assert_true (tf_project_clear_label (project, face, &error));
  tf_review_view_face_changed (view, face);
  g_assert_cmpstr (count_line (view), ==, "15 of 30 reviewed");
  gtk_window_set_child (window, NULL);
}

static void
test_review_empty (void)
{
  TfReviewView *view = TF_REVIEW_VIEW (tf_review_view_new ());
  AdwStatusPage *status = ADW_STATUS_PAGE (tf_test_find_type (GTK_WIDGET (view), ADW_TYPE_STATUS_PAGE));
  GtkStack *stack = GTK_STACK (gtk_widget_get_parent (GTK_WIDGET (status)));

  show_page (GTK_WIDGET (view));
  g_assert_cmpstr (gtk_stack_get_visible_child_name (stack), ==, "empty");
  g_assert_cmpstr (adw_status_page_get_title (status), ==, "No Faces Yet");

  tf_review_view_set_project (view, project);
  g_assert_cmpstr (gtk_stack_get_visible_child_name (stack), ==, "list");
  /* unlabelled faces labelled unsure: none */
  choose (view, "filter", 1);
  choose (view, "label", 6);
  g_assert_cmpuint (n_rows (view), ==, 0);
  g_assert_cmpstr (gtk_stack_get_visible_child_name (stack), ==, "empty");
  g_assert_cmpstr (adw_status_page_get_title (status), ==, "No Faces Match the Filters");
  g_assert_cmpstr (count_line (view), ==, "0 of 0 reviewed");
  screenshot ("empty");
  /* the button under it shows every face again */
  g_signal_emit_by_name (tf_test_find_type (GTK_WIDGET (status), GTK_TYPE_BUTTON), "clicked");
  g_assert_cmpuint (n_rows (view), ==, N_FACES);
  g_assert_cmpstr (gtk_stack_get_visible_child_name (stack), ==, "list");
  g_assert_cmpstr (count_line (view), ==, "15 of 30 reviewed");

  tf_review_view_set_project (view, NULL);
  g_assert_cmpuint (n_rows (view), ==, 0);
  g_assert_cmpstr (adw_status_page_get_title (status), ==, "No Faces Yet");
  gtk_window_set_child (window, NULL);
}

/* Thousands separators follow LC_NUMERIC, with locales compiled here into
 * a folder on LOCPATH (set in main, before any thread). */
static void
test_format_count (void)
{
  g_autofree char *locales = g_build_filename (tmpdir, "locale", NULL);
  g_autofree char *old = g_strdup (setlocale (LC_NUMERIC, NULL));
  const struct { const char *locale; gint64 n; const char *text; } cases[] = {
    { "en_US", 1204, "1,204" },
    { "en_US", 100000, "100,000" },
    { "en_US", -1234567, "-1,234,567" },
    { "en_US", 999, "999" },
    { "en_IN", 1234567, "12,34,567" },   /* groups of three, then two */
    { "de_DE", 1234567, "1.234.567" },
  };
  g_autofree char *plain = tf_format_count (1234567);

  g_assert_cmpstr (plain, ==, "1234567");   /* C.UTF-8 */
  g_mkdir_with_parents (locales, 0755);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *dir = g_strdup_printf ("%s/%s.UTF-8", locales, cases[i].locale);
      g_autofree char *name = g_strdup_printf ("%s.UTF-8", cases[i].locale);
      g_autofree char *text = NULL;
      const char *argv[] = { "localedef", "-i", cases[i].locale, "-f", "UTF-8", dir, NULL };
      int status = 0;

      if (!g_file_test (dir, G_FILE_TEST_IS_DIR) &&
          !g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL |
                         G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, NULL, NULL, &status, NULL))
        status = -1;
      if (status != 0 || setlocale (LC_NUMERIC, name) == NULL)
        {
          g_test_message ("no %s locale here (localedef): not checked", name);
          continue;
        }
      text = tf_format_count (cases[i].n);
      setlocale (LC_NUMERIC, old);
      g_assert_cmpstr (text, ==, cases[i].text);
    }
  setlocale (LC_NUMERIC, old);
}

/* ---- statistics -------------------------------------------------------------------- */

static void
test_kappa (void)
{
  /* p_o = 35/50 = 0.7; p_e = (25 * 30 + 25 * 20) / 50^2 = 0.5; kappa = 0.2 / 0.5 */
  const gint64 two[] = { 20, 5, 10, 15 };
  /* p_o = 31/40; p_e = (15 * 11 + 10 * 12 + 15 * 17) / 40^2 = 540/1600; kappa = 35/53 */
  const gint64 three[] = { 10, 2, 3, 1, 8, 1, 0, 2, 13 };
  const gint64 perfect[] = { 4, 0, 0, 6 };
  const gint64 one_class[] = { 0, 0, 0, 7 };
  const gint64 none[] = { 0, 0, 0, 0 };

  g_assert_cmpfloat_with_epsilon (tf_cohen_kappa (two, 2), 0.4, 1e-12);
  g_assert_cmpfloat_with_epsilon (tf_cohen_kappa (three, 3), 35.0 / 53.0, 1e-12);
  g_assert_cmpfloat_with_epsilon (tf_cohen_kappa (perfect, 2), 1.0, 1e-12);
  /* the small project's matrix: p_o = 9/12, p_e = 40/144, kappa = 68/104 */
  g_assert_cmpfloat_with_epsilon (tf_cohen_kappa (expected_confusion, N_CLASSES), 68.0 / 104.0, 1e-12);
  g_assert_true (isnan (tf_cohen_kappa (one_class, 2)));
  g_assert_true (isnan (tf_cohen_kappa (none, 2)));
}

static const char *
figure (TfStatsView *view,
        const char  *name)
{
  return gtk_label_get_label (GTK_LABEL (tf_test_find_widget (GTK_WIDGET (view), TF_TEST_BY_NAME, name)));
}

static gboolean
stats_read (gpointer data)
{
  return !tf_stats_view_is_loading (data);
}

static guint n_colours (GdkPixbuf *pixbuf, guint limit);

static void
test_stats (void)
{
  TfStatsView *view = TF_STATS_VIEW (tf_stats_view_new ());
  g_autoptr(GError) error = NULL;
  const TfProjectStats *st;

  show_page (GTK_WIDGET (view));
  g_assert_null (tf_stats_view_get_stats (view));
  tf_stats_view_set_project (view, project);
  /* read by a worker: nothing until it comes */
  g_assert_true (tf_stats_view_is_loading (view));
  g_assert_null (tf_stats_view_get_stats (view));
  g_assert_true (tf_test_wait_until (stats_read, view, 30));
  st = tf_stats_view_get_stats (view);
  g_assert_nonnull (st);
  g_assert_cmpint (st->faces, ==, N_FACES);
  g_assert_cmpint (st->labelled, ==, 15);
  g_assert_cmpint (st->not_faces, ==, 2);
  g_assert_cmpint (st->unsure, ==, 1);
  g_assert_cmpint (st->predicted, ==, N_FACES - 1);
  g_assert_cmpint (st->n_classes, ==, N_CLASSES);
  g_assert_cmpint (st->compared, ==, 12);
  g_assert_cmpint (st->agreed, ==, 9);
  g_assert_cmpmem (st->confusion, sizeof expected_confusion, expected_confusion, sizeof expected_confusion);

  g_assert_cmpstr (figure (view, "faces"), ==, "30");
  g_assert_cmpstr (figure (view, "labelled"), ==, "15");
  g_assert_cmpstr (figure (view, "not-faces"), ==, "2");
  g_assert_cmpstr (figure (view, "unsure"), ==, "1");
  g_assert_cmpstr (figure (view, "agreement"), ==, "75.0 %");
  g_assert_cmpstr (figure (view, "kappa"), ==, "0.65");   /* 68/104 = 0.6538 */
  screenshot ("stats");
  {
    GtkAdjustment *adj = gtk_scrolled_window_get_vadjustment (
      GTK_SCROLLED_WINDOW (tf_test_find_type (GTK_WIDGET (view), GTK_TYPE_SCROLLED_WINDOW)));

    gtk_adjustment_set_value (adj, gtk_adjustment_get_upper (adj));
    screenshot ("stats-end");
  }

  /* a label that agrees moves the figures on refresh: 10 of 13 */
  g_assert_true (tf_project_set_label (project, faces[10], 2, TF_LABEL_PERSON, "test", NULL, &error));
  tf_stats_view_refresh (view);
  /* the old figures stay while the new ones are read */
  g_assert_cmpstr (figure (view, "agreement"), ==, "75.0 %");
  g_assert_true (tf_test_wait_until (stats_read, view, 30));
  g_assert_cmpstr (figure (view, "agreement"), ==, "76.9 %");
  g_assert_true (tf_project_clear_label (project, faces[10], &error));
  tf_stats_view_refresh (view);
  g_assert_true (tf_test_wait_until (stats_read, view, 30));
  g_assert_cmpstr (figure (view, "agreement"), ==, "75.0 %");

  /* a second annotator: the pair's matrix and the sentence under its title */
  {
    TfAgreementMatrix *matrix = TF_AGREEMENT_MATRIX (tf_test_find_widget (GTK_WIDGET (view), TF_TEST_BY_NAME,
                                                                          "annotators"));
    GtkLabel *summary = GTK_LABEL (tf_test_find_widget (GTK_WIDGET (view), TF_TEST_BY_NAME, "agreement-summary"));
    g_autofree char *png = g_build_filename (tmpdir, "annotators.png", NULL);
    g_autofree char *svg = g_build_filename (tmpdir, "annotators.svg", NULL);
    g_autoptr(GdkPixbuf) pixbuf = NULL;
    TfProjectLabel l;

    g_assert_cmpint (tf_agreement_matrix_get_n_annotators (matrix), ==, 1);
    g_assert_null (strstr (gtk_label_get_label (summary), "κ"));
    for (int i = 0; i < 4; i++)
      {
        g_assert_true (tf_project_get_label (project, faces[i], &l, &error));
        /* the first three alike, the fourth not */
        if (l.label >= 0)
          g_assert_true (tf_project_set_label (project, faces[i], i < 3 ? l.label : (l.label + 1) % N_CLASSES,
                                               TF_LABEL_PERSON, "Second", NULL, &error));
        tf_project_label_clear (&l);
      }
    tf_stats_view_refresh (view);
    g_assert_true (tf_test_wait_until (stats_read, view, 30));
    g_assert_cmpint (tf_agreement_matrix_get_n_annotators (matrix), ==, 2);
    g_assert_cmpint (tf_agreement_matrix_get_items (matrix, 0, 1), >, 0);
    g_assert_nonnull (strstr (gtk_label_get_label (summary), "κ"));
    g_test_message ("%s", gtk_label_get_label (summary));
    screenshot ("stats-annotators");
    g_assert_true (tf_stats_view_export (view, "annotators", png, &error));
    g_assert_true (tf_stats_view_export (view, "annotators", svg, &error));
    g_assert_no_error (error);
    pixbuf = gdk_pixbuf_new_from_file (png, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (n_colours (pixbuf, 64), >=, 8);
    for (int i = 0; i < 4; i++)
      g_assert_true (tf_project_set_label (project, faces[i], TF_LABEL_NONE, TF_LABEL_PERSON, "Second", NULL, &error));
    g_assert_no_error (error);
  }

  tf_stats_view_set_project (view, NULL);
  g_assert_null (tf_stats_view_get_stats (view));
  g_assert_cmpstr (gtk_stack_get_visible_child_name (GTK_STACK (gtk_widget_get_parent (
                     tf_test_find_type (GTK_WIDGET (view), ADW_TYPE_STATUS_PAGE)))), ==, "empty");
  gtk_window_set_child (window, NULL);
}

/* how many different colours @pixbuf has, up to @limit */
static guint
n_colours (GdkPixbuf *pixbuf,
           guint      limit)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (NULL, NULL);
  const guint8 *px = gdk_pixbuf_read_pixels (pixbuf);
  int n = gdk_pixbuf_get_n_channels (pixbuf), stride = gdk_pixbuf_get_rowstride (pixbuf);

  for (int y = 0; y < gdk_pixbuf_get_height (pixbuf) && g_hash_table_size (seen) < limit; y += 3)
    for (int x = 0; x < gdk_pixbuf_get_width (pixbuf); x += 3)
      {
        const guint8 *p = px + y * stride + x * n;
        g_hash_table_add (seen, GUINT_TO_POINTER (p[0] << 16 | p[1] << 8 | p[2]));
      }
  return g_hash_table_size (seen);
}

static void
test_export (void)
{
  TfStatsView *view = TF_STATS_VIEW (tf_stats_view_new ());
  const char *plots[] = { "counts", "confusion" };
  g_autofree char *bad_dir = g_build_filename (tmpdir, "no-such-folder", "plot.png", NULL);
  g_autofree char *bad_ext = g_build_filename (tmpdir, "plot.jpg", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GDir) dir = NULL;
  const char *name;

  g_object_ref_sink (view);
  /* nothing to save before a project */
  g_assert_false (tf_stats_view_export (view, "counts", bad_ext, &error));
  g_clear_error (&error);
  tf_stats_view_set_project (view, project);

  for (guint i = 0; i < G_N_ELEMENTS (plots); i++)
    {
      g_autofree char *png_name = g_strdup_printf ("%s.png", plots[i]);
      g_autofree char *svg_name = g_strdup_printf ("%s.SVG", plots[i]);
      g_autofree char *png = g_build_filename (tmpdir, png_name, NULL);
      g_autofree char *svg = g_build_filename (tmpdir, svg_name, NULL);
      g_autofree char *copy_name = g_strdup_printf ("review-plot-%s.png", plots[i]);
      g_autofree char *copy = g_test_build_filename (G_TEST_BUILT, copy_name, NULL);
      g_autofree char *data = NULL;
      g_autoptr(GdkPixbuf) pixbuf = NULL;
      gsize len;

      g_assert_true (tf_stats_view_export (view, plots[i], png, &error));
      g_assert_no_error (error);
      g_assert_true (g_file_get_contents (png, &data, &len, &error));
      g_assert_cmpuint (len, >, 8);
      g_assert_cmpmem (data, 8, "\x89PNG\r\n\x1a\n", 8);
      pixbuf = gdk_pixbuf_new_from_file (png, &error);
      g_assert_no_error (error);
      /* print resolution: three times the plot's size on screen */
      g_assert_cmpint (gdk_pixbuf_get_width (pixbuf), >=, 3 * 400);
      g_assert_cmpint (gdk_pixbuf_get_height (pixbuf), >=, 3 * 300);
      /* something is drawn: text, bars or cells */
      g_assert_cmpuint (n_colours (pixbuf, 64), >=, 16);
      g_assert_true (gdk_pixbuf_save (pixbuf, copy, "png", &error, NULL));
      g_test_message ("%s: %dx%d pixels, %" G_GSIZE_FORMAT " bytes (copy: %s)", png,
                      gdk_pixbuf_get_width (pixbuf), gdk_pixbuf_get_height (pixbuf), len, copy);
      g_clear_pointer (&data, g_free);

      g_assert_true (tf_stats_view_export (view, plots[i], svg, &error));
      g_assert_no_error (error);
      g_assert_true (g_file_get_contents (svg, &data, &len, &error));
      g_assert_true (g_str_has_prefix (data, "<?xml"));
      g_assert_nonnull (strstr (data, "<svg"));
      g_assert_nonnull (strstr (data, "</svg>"));
      g_test_message ("%s: %" G_GSIZE_FORMAT " bytes", svg, len);
    }

  /* a folder that does not exist, a kind of file it cannot write, a plot it
   * does not have: each error names the file, and nothing is written */
  g_assert_false (tf_stats_view_export (view, "counts", bad_dir, &error));
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, bad_dir));
  g_test_message ("%s", error->message);
  g_clear_error (&error);
  g_assert_false (tf_stats_view_export (view, "confusion", bad_ext, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, bad_ext));
  g_clear_error (&error);
  g_assert_false (tf_stats_view_export (view, "pie", bad_ext, &error));
  g_assert_nonnull (strstr (error->message, bad_ext));
  g_clear_error (&error);
  g_assert_false (g_file_test (bad_ext, G_FILE_TEST_EXISTS));
  /* no temporary file left beside the plots */
  dir = g_dir_open (tmpdir, 0, &error);
  g_assert_no_error (error);
  while ((name = g_dir_read_name (dir)))
    g_assert_null (strstr (name, ".tmp-"));
  g_object_unref (view);
}

static gboolean
chooser_shown (gpointer data)
{
  GtkWindow **found = data;
  GListModel *toplevels = gtk_window_get_toplevels ();

  *found = NULL;
  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) w = g_list_model_get_item (toplevels, i);

      if (GTK_IS_FILE_CHOOSER_DIALOG (w) && gtk_widget_get_mapped (GTK_WIDGET (w)))
        *found = w;
    }
  return *found != NULL;
}

/* The page's own way: the Save menu's action asks where, offering a name
 * after the plot (what it saves is checked above, through the API). */
static void
test_export_by_chooser (void)
{
  TfStatsView *view = TF_STATS_VIEW (tf_stats_view_new ());
  g_autofree char *suggested = NULL;
  GtkWindow *chooser = NULL;

  show_page (GTK_WIDGET (view));
  tf_stats_view_set_project (view, project);
  g_assert_true (tf_test_wait_until (stats_read, view, 30));
  g_assert_nonnull (tf_test_find_widget (GTK_WIDGET (view), TF_TEST_BY_NAME, "save-confusion"));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "stats.save", "(sb)", "confusion", FALSE));
  g_assert_true (tf_test_wait_until (chooser_shown, &chooser, 10));
  suggested = gtk_file_chooser_get_current_name (GTK_FILE_CHOOSER (chooser));
  g_assert_cmpstr (suggested, ==, "confusion-matrix.svg");
  gtk_dialog_response (GTK_DIALOG (chooser), GTK_RESPONSE_CANCEL);
  tf_test_settle (0.2);
  g_assert_false (chooser_shown (&chooser));
  gtk_window_set_child (window, NULL);
}

/* A full disk (a 2 MB tmpfs, filled): the export fails naming the file,
 * the plot saved before stays whole and no temporary file is left. */
static void
test_export_full_disk (void)
{
  g_autofree char *mnt = g_build_filename (tmpdir, "full", NULL);
  g_autofree char *plot = g_build_filename (mnt, "confusion.png", NULL);
  g_autofree char *fill = g_build_filename (mnt, "fill", NULL);
  g_autofree char *block = g_malloc0 (4096);
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GDir) dir = NULL;
  TfStatsView *view = TF_STATS_VIEW (tf_stats_view_new ());
  const char *name;
  FILE *f;

  g_object_ref_sink (view);
  g_assert_cmpint (g_mkdir (mnt, 0755), ==, 0);
  if (mount ("tmpfs", mnt, "tmpfs", 0, "size=2m") != 0)
    {
      g_test_skip_printf ("cannot mount a small tmpfs here: %s", g_strerror (errno));
      g_rmdir (mnt);
      g_object_unref (view);
      return;
    }
  tf_stats_view_set_project (view, project);
  g_assert_true (tf_test_wait_until (stats_read, view, 30));
  g_assert_true (g_file_set_contents (plot, "the plot saved before", -1, NULL));
  f = fopen (fill, "w");
  g_assert_nonnull (f);
  while (fwrite (block, 1, 4096, f) == 4096)
    ;
  fclose (f);

  g_assert_false (tf_stats_view_export (view, "confusion", plot, &error));
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, plot));
  g_assert_true (g_file_get_contents (plot, &text, NULL, NULL));
  g_assert_cmpstr (text, ==, "the plot saved before");
  g_clear_error (&error);
  dir = g_dir_open (mnt, 0, &error);
  g_assert_no_error (error);
  while ((name = g_dir_read_name (dir)))
    g_assert_true (strcmp (name, "confusion.png") == 0 || strcmp (name, "fill") == 0);
  g_clear_pointer (&dir, g_dir_close);

  g_assert_cmpint (umount (mnt), ==, 0);
  g_rmdir (mnt);
  g_object_unref (view);
}

/* ---- a narrow window ------------------------------------------------------------------ */

static gboolean
window_narrow (gpointer data)
{
  return gtk_widget_get_width (GTK_WIDGET (window)) <= GPOINTER_TO_INT (data);
}

/* Both pages fit the 360 px the window must fit in (the window's stack
 * asks for the widest of its pages). */
static void
test_narrow (void)
{
  TfReviewView *review = TF_REVIEW_VIEW (tf_review_view_new ());
  TfStatsView *stats = TF_STATS_VIEW (tf_stats_view_new ());
  GtkWidget *pages[] = { GTK_WIDGET (review), GTK_WIDGET (stats) };
  const char *names[] = { "narrow-list", "narrow-stats" };

  tf_review_view_set_project (review, project);
  tf_stats_view_set_project (stats, project);
  g_assert_true (tf_test_wait_until (stats_read, stats, 30));
  gtk_window_set_default_size (window, 360, 640);
  for (guint i = 0; i < G_N_ELEMENTS (pages); i++)
    {
      int minimum, natural;

      show_page (pages[i]);
      g_assert_true (tf_test_wait_until (window_narrow, GINT_TO_POINTER (360), 10));
      gtk_widget_measure (pages[i], GTK_ORIENTATION_HORIZONTAL, -1, &minimum, &natural, NULL, NULL);
      g_test_message ("%s: %d px at least, %d px natural", names[i], minimum, natural);
      g_assert_cmpint (minimum, <=, 360);
      screenshot (names[i]);
      gtk_window_set_child (window, NULL);
    }
  gtk_window_set_default_size (window, 1000, 720);
  tf_test_settle (0.3);
}

/* ---- 100,000 faces ------------------------------------------------------------------ */

typedef struct
{
  gint64  last;
  gint64  longest;
  guint   frames;
  GArray *gaps;   /* double, ms */
} Frames;

static void
on_frame_cb (GdkFrameClock *clock,
             Frames        *f)
{
  gint64 now = g_get_monotonic_time ();

  if (f->last > 0)
    {
      double gap = (now - f->last) / 1000.0;

      f->longest = MAX (f->longest, now - f->last);
      g_array_append_val (f->gaps, gap);
    }
  f->last = now;
  f->frames++;
}

typedef struct
{
  guint  target;
  Frames f;
} FrameWait;

static gboolean
frames_past (gpointer data)
{
  FrameWait *wait = data;

  return wait->f.frames >= wait->target;
}

/* Steps the list's scroll position @steps times by @step of a page (or to
 * random places when @step is 0), a frame each, and logs the gaps between
 * painted frames. */
static void
scroll_and_measure (TfReviewView *view,
                    const char   *what,
                    int           steps,
                    double        step)
{
  GtkWidget *list_view = tf_test_find_widget (GTK_WIDGET (view), TF_TEST_BY_NAME, "faces");
  GtkAdjustment *adj = gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (list_view));
  GdkFrameClock *clock = gtk_widget_get_frame_clock (GTK_WIDGET (window));
  g_autoptr(GRand) rng = g_rand_new_with_seed (11);
  FrameWait wait = { 0, { 0, 0, 0, g_array_new (FALSE, FALSE, sizeof (double)) } };
  gint64 t0 = g_get_monotonic_time ();
  gulong id = g_signal_connect (clock, "after-paint", G_CALLBACK (on_frame_cb), &wait.f);
  double median;

  for (int i = 0; i < steps; i++)
    {
      double page = gtk_adjustment_get_page_size (adj), upper = gtk_adjustment_get_upper (adj);
      double value = step > 0 ? gtk_adjustment_get_value (adj) + step * page
                              : g_rand_double_range (rng, 0, MAX (0, upper - page));

      gtk_adjustment_set_value (adj, MIN (value, upper - page));
      wait.target = wait.f.frames + 1;
      gtk_widget_queue_draw (list_view);
      g_assert_true (tf_test_wait_until (frames_past, &wait, 5));
    }
  g_signal_handler_disconnect (clock, id);
  g_array_sort (wait.f.gaps, tf_test_compare_doubles);
  median = wait.f.gaps->len ? g_array_index (wait.f.gaps, double, wait.f.gaps->len / 2) : 0;
  g_test_message ("the big project, %s: %u frames in %.2f s, gap between frames median %.1f ms, longest %.1f ms; "
                  "at %.0f of %.0f px; %u row items alive",
                  what, wait.f.frames, (g_get_monotonic_time () - t0) / 1e6, median, wait.f.longest / 1000.0,
                  gtk_adjustment_get_value (adj), gtk_adjustment_get_upper (adj),
                  tf_review_view_get_n_items_made (view));
  g_assert_cmpuint (wait.f.frames, >=, (guint) steps);
  g_array_unref (wait.f.gaps);
}

typedef struct
{
  TfReviewView *view;
  guint         frames;   /* painted */
  guint         target;
} FirstRows;

static void
on_painted_cb (GdkFrameClock *clock,
               FirstRows     *f)
{
  f->frames++;
}

/* a frame painted with the rows on screen showing their data */
static gboolean
rows_shown (gpointer data)
{
  FirstRows *f = data;

  if (f->target == 0 && f->frames > 0 && tf_review_view_get_n_items_made (f->view) > 0 &&
      tf_review_view_get_n_loading (f->view) == 0)
    f->target = f->frames + 1;
  return f->target > 0 && f->frames >= f->target;
}

static void
test_big_project (void)
{
  const char *given = g_getenv ("TF_TEST_BIG_PROJECT");
  g_autofree char *made = g_build_filename (tmpdir, "big.tfproj", NULL);
  g_autofree char *tool = g_test_build_filename (G_TEST_BUILT, "make-project", NULL);
  const char *path = given ? given : made;
  g_autoptr(GError) error = NULL;
  g_autoptr(TfProject) big = NULL;
  TfReviewView *view;
  TfStatsView *stats;
  FirstRows first = { NULL, 0, 0 };
  gint64 t0, t_set, t_rows;
  gulong id;
  int status;
  /* a project given by path has the default size */
  const int n = given ? 100000 : BIG_FACES;
  g_autofree char *n_arg = g_strdup_printf ("%d", n);
  g_autofree char *reviewed = g_strdup_printf ("%d of %d reviewed", n / 5, n);
  g_autofree char *n_text = g_strdup_printf ("%d", n);

  if (!given && !g_file_test (tool, G_FILE_TEST_IS_EXECUTABLE))
    {
      g_test_skip_printf ("%s is not built", tool);
      return;
    }
  if (!given)
    {
      const char *argv[] = { tool, made, n_arg, NULL };
      g_autofree char *out = NULL;

      t0 = g_get_monotonic_time ();
      g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, NULL, &status,
                                   &error));
      g_assert_no_error (error);
      g_assert_true (g_spawn_check_wait_status (status, &error));
      g_test_message ("make-project: %.1f s: %s", (g_get_monotonic_time () - t0) / 1e6, g_strstrip (out));
    }
  t0 = g_get_monotonic_time ();
  big = tf_project_open (path, TF_PROJECT_READ_ONLY, &error);
  g_assert_no_error (error);
  g_test_message ("%d faces: the project opens in %.1f ms", n, (g_get_monotonic_time () - t0) / 1000.0);

  view = TF_REVIEW_VIEW (tf_review_view_new ());
  show_page (GTK_WIDGET (view));
  first.view = view;
  id = g_signal_connect (gtk_widget_get_frame_clock (GTK_WIDGET (window)), "after-paint",
                         G_CALLBACK (on_painted_cb), &first);
  t0 = g_get_monotonic_time ();
  tf_review_view_set_project (view, big);
  t_set = g_get_monotonic_time ();
  g_assert_true (tf_test_wait_until (rows_shown, &first, 10));
  t_rows = g_get_monotonic_time ();
  g_signal_handler_disconnect (gtk_widget_get_frame_clock (GTK_WIDGET (window)), id);
  g_test_message ("%d faces: set_project %.1f ms, first rows shown after %.1f ms (%u row items made)",
                  n, (t_set - t0) / 1000.0, (t_rows - t0) / 1000.0, tf_review_view_get_n_items_made (view));
  g_assert_cmpuint (n_rows (view), ==, (guint) n);
  /* make-project labels one face in five */
  g_assert_cmpstr (count_line (view), ==, reviewed);
  g_test_message ("%d faces: the reviewed ones counted (in a worker) after %.1f ms",
                  n, (g_get_monotonic_time () - t0) / 1000.0);
  /* rows are made for what is shown, not for the whole queue */
  g_assert_cmpuint (tf_review_view_get_n_items_made (view), <, 500);

  scroll_and_measure (view, "scrolling by half a page a frame", 120, 0.5);
  scroll_and_measure (view, "scrolling by three pages a frame", 60, 3);
  scroll_and_measure (view, "jumping to random places", 60, 0);
  g_assert_cmpuint (tf_review_view_get_n_items_made (view), <, 500);

  t0 = g_get_monotonic_time ();
  choose (view, "filter", 1);
  g_test_message ("%d faces: the unlabelled ones listed in %.1f ms", n, (g_get_monotonic_time () - t0) / 1000.0);
  g_assert_cmpuint (n_rows (view), ==, (guint) (n / 5 * 4));
  t0 = g_get_monotonic_time ();
  choose (view, "order", 1);
  g_test_message ("%d faces: ordered by entropy in %.1f ms", n, (g_get_monotonic_time () - t0) / 1000.0);
  t0 = g_get_monotonic_time ();
  g_assert_true (tf_review_view_select_face (view, face_at (view, n / 5 * 4 - 10)));
  tf_test_settle (0.1);
  g_test_message ("%d faces: selecting the face 10 from the end and scrolling to it: %.1f ms",
                  n, (g_get_monotonic_time () - t0) / 1000.0);
  screenshot ("big");
  /* the annotators' disagreements first: the same faces, another order */
  t0 = g_get_monotonic_time ();
  choose (view, "order", 2);
  g_test_message ("%d faces: ordered by disagreement in %.1f ms", n, (g_get_monotonic_time () - t0) / 1000.0);
  g_assert_cmpuint (n_rows (view), ==, (guint) (n / 5 * 4));

  stats = TF_STATS_VIEW (tf_stats_view_new ());
  show_page (GTK_WIDGET (stats));
  t0 = g_get_monotonic_time ();
  tf_stats_view_set_project (stats, big);
  t_set = g_get_monotonic_time ();
  g_assert_true (tf_test_wait_until (stats_read, stats, 60));
  g_test_message ("%d faces: statistics page: set_project %.1f ms, figures read (in a worker) after %.1f ms",
                  n, (t_set - t0) / 1000.0, (g_get_monotonic_time () - t0) / 1000.0);
  g_assert_cmpint (tf_stats_view_get_stats (stats)->faces, ==, n);
  g_assert_cmpstr (figure (stats, "faces"), ==, n_text);
  screenshot ("big-stats");
  {
    g_autofree char *plot = g_test_build_filename (G_TEST_BUILT, "review-plot-big-confusion.png", NULL);
    g_autoptr(GdkPixbuf) pixbuf = NULL;

    g_assert_true (tf_stats_view_export (stats, "confusion", plot, &error));
    pixbuf = gdk_pixbuf_new_from_file (plot, &error);
    g_assert_no_error (error);
    g_test_message ("the confusion matrix of 8 classes: %s", plot);
  }
  gtk_window_set_child (window, NULL);

  if (!given)
    {
      g_autofree char *media = g_strconcat (made, "-media", NULL);
      g_autoptr(GDir) dir = g_dir_open (media, 0, NULL);
      const char *name;

      g_clear_pointer (&big, tf_project_close);
      g_unlink (made);
      while (dir && (name = g_dir_read_name (dir)))
        {
          g_autofree char *file = g_build_filename (media, name, NULL);
          g_unlink (file);
        }
      g_rmdir (media);
    }
}

/* ---- main ------------------------------------------------------------------------------ */

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir && (name = g_dir_read_name (dir)))
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        remove_tree (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *locpath = NULL;
  int status;

  tmpdir = g_dir_make_tmp ("test-review-view-XXXXXX", &error);
  g_assert_no_error (error);
  locpath = g_strdup_printf ("%s/locale:/usr/lib/locale", tmpdir);
  g_setenv ("LOCPATH", locpath, TRUE);
  /* nothing of the user's (the file chooser's recent files) is read or written */
  tf_test_use_home (tmpdir);
  tf_test_use_translations ();
  g_test_init (&argc, &argv, NULL);
  gtk_init ();
  adw_init ();
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, NULL);

  make_small_project ();
  window = GTK_WINDOW (gtk_window_new ());
  gtk_window_set_default_size (window, 1000, 720);
  gtk_window_present (window);
  tf_test_settle (0.3);

  g_test_add_func ("/review/filters", test_review_filters);
  g_test_add_func ("/review/select", test_review_select);
  g_test_add_func ("/review/face-changed", test_review_face_changed);
  g_test_add_func ("/review/empty", test_review_empty);
  g_test_add_func ("/review/format-count", test_format_count);
  g_test_add_func ("/stats/kappa", test_kappa);
  g_test_add_func ("/stats/page", test_stats);
  g_test_add_func ("/stats/export", test_export);
  g_test_add_func ("/stats/export-full-disk", test_export_full_disk);
  g_test_add_func ("/stats/export-by-chooser", test_export_by_chooser);
  g_test_add_func ("/review/narrow", test_narrow);
  g_test_add_func ("/review/100k", test_big_project);
  status = g_test_run ();

  gtk_window_destroy (window);
  g_clear_pointer (&project, tf_project_close);
  remove_tree (tmpdir);
  g_free (tmpdir);
  return status;
}
