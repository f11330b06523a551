/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Several annotators in the application: the label bar's buttons and keys
 * set the vote of the annotator the preferences name, and the bar shows
 * the others' votes and how the face's label stands; Ctrl+J (Adjudicate)
 * turns them to the final label, which undo takes back like a vote; the
 * review queue's "Most disagreement first" puts the split face first and
 * its row says how the votes split; a name the project spells in another
 * case is filed under that spelling, and the person is told. Pictures of
 * the window go into the test log. */
#include <adwaita.h>
#include <glib/gi18n.h>

#include "tf-preferences.h"
#include "tf-test-app.h"

static gint64 face;        /* the astronaut: Alice and Ada split on it */
static gint64 agreed;      /* Alice and Bob agree */
static gint64 unvoted;     /* nobody voted */

/* ---- helpers -------------------------------------------------------------- */

static TfLabelBar *
bar (void)
{
  return tf_face_inspector_get_label_bar (tf_window_get_inspector (window));
}

/* the text of the label bar's label named @name; "" when it is hidden */
static const char *
bar_text (const char *name)
{
  GtkWidget *label = tf_test_find_widget (GTK_WIDGET (bar ()), TF_TEST_BY_NAME, name);

  g_assert_nonnull (label);
  return gtk_widget_get_visible (label) ? gtk_label_get_text (GTK_LABEL (label)) : "";
}

/* the inspector scrolled so that the label bar is in the pictures */
static void
scroll_to_bar (void)
{
  GtkWidget *w = gtk_widget_get_ancestor (GTK_WIDGET (bar ()), GTK_TYPE_SCROLLED_WINDOW);
  GtkAdjustment *adj;
  double x, y;

  g_assert_nonnull (w);
  adj = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (w));
  g_assert_true (gtk_widget_translate_coordinates (GTK_WIDGET (bar ()), gtk_scrolled_window_get_child (GTK_SCROLLED_WINDOW (w)),
                                                   0, 0, &x, &y));
  /* (the viewport's coordinates: what is scrolled away is above 0) */
  gtk_adjustment_set_value (adj, gtk_adjustment_get_value (adj) + y - 40);
  tf_test_settle (0.1);
}

/* Ctrl+J and Ctrl+Z / Ctrl+Shift+Z typed, through the X server where
 * XTest is there, else the actions they are bound to */
static void
control_key (guint        keyval,
             gboolean     shift,
             const char  *action)
{
#ifdef HAVE_XTEST
  if (GDK_IS_X11_DISPLAY (gtk_widget_get_display (GTK_WIDGET (window))))
    {
      tf_test_x11_key (GTK_WIDGET (window), keyval, GDK_CONTROL_MASK | (shift ? GDK_SHIFT_MASK : 0));
      tf_test_settle (0.2);
      return;
    }
#endif
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), action, NULL));
  tf_test_settle (0.2);
}

typedef struct
{
  gint64 face;
  int    label;
} Expect;

static gboolean
map_has (gpointer data)
{
  Expect *e = data;

  return tf_label_map_lookup (tf_window_get_label_map (window), e->face, NULL) == e->label;
}

static void
wait_map (gint64 id,
          int    label)
{
  Expect e = { id, label };

  g_assert_true (tf_test_wait_until (map_has, &e, 10));
}

static gboolean
bar_adjudicating (gpointer data)
{
  return tf_label_bar_get_adjudicating (bar ()) == GPOINTER_TO_INT (data);
}

static gboolean
rows_loaded (gpointer data)
{
  return tf_review_view_get_n_loading (tf_window_get_review_view (window)) == 0;
}

static int
vote_of (const char *annotator)
{
  TfProjectLabel l = { 0 };
  g_autoptr(GError) error = NULL;
  int value;

  g_assert_true (tf_project_get_vote (tf_window_get_project (window), face, annotator, &l, &error));
  g_assert_no_error (error);
  value = l.label;
  tf_project_label_clear (&l);
  return value;
}

/* a face beside the astronaut's, through the API */
static gint64
add_face (gint64 media,
          int    index)
{
  g_autoptr(GError) error = NULL;
  TfProjectNewFace nf = { 0 };
  gint64 id;

  nf.media = media;
  nf.index = index;
  nf.det.x = 8.0f * index;
  nf.det.y = 8.0f;
  nf.det.w = 40.0f;
  nf.det.h = 40.0f;
  nf.det.score = 0.9f;
  nf.manual = TRUE;
  id = tf_project_add_face (tf_window_get_project (window), &nf, &error);
  g_assert_no_error (error);
  g_assert_cmpint (id, >, 0);
  return id;
}

/* ---- the test ------------------------------------------------------------- */

static void
test_votes (void)
{
  g_autoptr(GSettings) settings = g_settings_new ("com.example.TransFER");
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) media = NULL;
  TfProject *project;
  TfProjectLabel l = { 0 };
  GtkWidget *row;
  TfPreferences *prefs;

  g_settings_set_string (settings, "annotator", "Ada");
  g_settings_set_boolean (settings, "auto-advance", FALSE);
  open_and_wait (sample, 60);
  g_assert_true (tf_test_wait_until (has_inspected_face, NULL, 10));
  project = tf_window_get_project (window);
  face = tf_face_inspector_get_probe (tf_window_get_inspector (window))->face_id;
  g_assert_cmpint (face, >, 0);
  /* the bar names whose vote its buttons show */
  g_assert_cmpstr (bar_text ("label-bar-title"), ==, "Your vote (Ada)");

  /* Alice's vote through the API, two more faces: one Alice and Bob agree
   * on, one without votes */
  media = tf_project_list_media (project, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (media->len, ==, 1);
  agreed = add_face (((TfProjectMedia *) media->pdata[0])->id, 1);
  unvoted = add_face (((TfProjectMedia *) media->pdata[0])->id, 2);
  g_assert_true (tf_project_set_label (project, face, 1, TF_LABEL_PERSON, "Alice", NULL, &error));
  g_assert_true (tf_project_set_label (project, agreed, 2, TF_LABEL_PERSON, "Alice", NULL, &error));
  g_assert_true (tf_project_set_label (project, agreed, 2, TF_LABEL_PERSON, "Bob", NULL, &error));
  g_assert_no_error (error);

  /* Ada's vote from the keyboard: 1 is neutral, Alice said happiness */
  press_key (GDK_KEY_1, 0);
  g_assert_true (tf_test_wait_until (map_has, &(Expect) { face, TF_LABEL_NONE }, 10));
  tf_test_settle (0.2);
  g_assert_cmpint (vote_of ("Ada"), ==, 0);
  g_assert_cmpint (vote_of ("Alice"), ==, 1);
  /* the buttons show Ada's vote, the bar Alice's, and the tie */
  {
    int k = -1;
    g_assert_cmpint (tf_label_bar_get_kind (bar (), &k), ==, TF_LABEL_BAR_CLASS);
    g_assert_cmpint (k, ==, 0);
  }
  g_assert_cmpstr (bar_text ("votes"), ==, "Alice: happiness");
  g_assert_true (g_str_has_prefix (bar_text ("standing"), "Tied"));
  g_assert_true (tf_project_get_label (project, face, &l, &error));
  g_assert_cmpint (l.label, ==, TF_LABEL_NONE);
  tf_project_label_clear (&l);
  scroll_to_bar ();
  screenshot ("votes-tied");

  /* the queue, most disagreement first: the tied face leads, where the
   * margin order puts the faces without a prediction first */
  tf_window_show_page (window, "review");
  /* the faces added behind the window's back listed */
  tf_review_view_refresh (tf_window_get_review_view (window));
  row = tf_test_find_widget (GTK_WIDGET (tf_window_get_review_view (window)), TF_TEST_BY_NAME, "order");
  g_assert_nonnull (row);
  gtk_drop_down_set_selected (GTK_DROP_DOWN (row), 0);
  tf_test_settle (0.2);
  {
    g_autoptr(TfReviewItem) first = g_list_model_get_item (tf_review_view_get_model (tf_window_get_review_view (window)), 0);
    g_assert_cmpint (tf_review_item_get_face (first), !=, face);
  }
  g_assert_cmpstr (gtk_string_object_get_string (GTK_STRING_OBJECT (gtk_drop_down_get_selected_item (GTK_DROP_DOWN (row)))),
                   ==, "Smallest margin first");
  gtk_drop_down_set_selected (GTK_DROP_DOWN (row), 2);
  g_assert_cmpstr (gtk_string_object_get_string (GTK_STRING_OBJECT (gtk_drop_down_get_selected_item (GTK_DROP_DOWN (row)))),
                   ==, "Most disagreement first");
  tf_test_settle (0.2);
  g_assert_true (tf_test_wait_until (rows_loaded, NULL, 10));
  {
    GListModel *model = tf_review_view_get_model (tf_window_get_review_view (window));
    g_autoptr(TfReviewItem) first = g_list_model_get_item (model, 0);

    g_assert_cmpuint (g_list_model_get_n_items (model), ==, 3);
    g_assert_cmpint (tf_review_item_get_face (first), ==, face);
  }
  /* its row says the votes tie; the agreed face's that both agree */
  g_assert_nonnull (tf_test_find_widget (GTK_WIDGET (tf_window_get_review_view (window)), TF_TEST_BY_SHOWN_LABEL,
                                         "tied · 2 votes"));
  g_assert_nonnull (tf_test_find_widget (GTK_WIDGET (tf_window_get_review_view (window)), TF_TEST_BY_SHOWN_LABEL,
                                         "2/2 agree"));
  g_assert_true (tf_review_view_select_face (tf_window_get_review_view (window), face));
  g_assert_true (tf_test_wait_until (has_inspected_face, NULL, 10));
  g_assert_cmpint (tf_face_inspector_get_probe (tf_window_get_inspector (window))->face_id, ==, face);
  scroll_to_bar ();
  screenshot ("votes-queue");

  /* adjudicating (Ctrl+J): 2 sets the final label, happiness, by Ada */
  control_key (GDK_KEY_j, FALSE, "win.adjudicate");
  g_assert_true (tf_test_wait_until (bar_adjudicating, GINT_TO_POINTER (TRUE), 5));
  g_assert_cmpstr (bar_text ("label-bar-title"), ==, "Final label (Ada)");
  g_assert_cmpint (tf_label_bar_get_kind (bar (), NULL), ==, TF_LABEL_BAR_NONE);   /* no final label yet */
  press_key (GDK_KEY_2, 0);
  wait_map (face, 1);
  g_assert_true (tf_project_get_label (project, face, &l, &error));
  g_assert_cmpint (l.label, ==, 1);
  g_assert_true (l.final);
  g_assert_cmpstr (l.annotator, ==, "Ada");
  tf_project_label_clear (&l);
  /* Ada's vote stays neutral: the final label is not a vote */
  g_assert_cmpint (vote_of ("Ada"), ==, 0);
  g_assert_cmpstr (bar_text ("standing"), ==, "Final: happiness, chosen by Ada (1/2 votes)");
  g_assert_cmpstr (bar_text ("votes"), ==, "Ada (you): neutral · Alice: happiness");
  g_assert_true (tf_test_wait_until (rows_loaded, NULL, 10));
  g_assert_nonnull (tf_test_find_widget (GTK_WIDGET (tf_window_get_review_view (window)), TF_TEST_BY_SHOWN_LABEL,
                                         "final · 1/2"));
  scroll_to_bar ();
  screenshot ("votes-adjudicated");

  /* undo takes the final label back (the tie again), redo brings it */
  control_key (GDK_KEY_z, FALSE, "win.undo");
  wait_map (face, TF_LABEL_NONE);
  g_assert_true (g_str_has_prefix (bar_text ("standing"), "Tied"));
  g_assert_cmpint (tf_label_bar_get_kind (bar (), NULL), ==, TF_LABEL_BAR_NONE);
  g_assert_cmpint (vote_of ("Ada"), ==, 0);
  control_key (GDK_KEY_z, TRUE, "win.redo");
  wait_map (face, 1);
  /* Backspace while adjudicating removes the final label, not the vote */
  press_key (GDK_KEY_BackSpace, 0);
  wait_map (face, TF_LABEL_NONE);
  g_assert_cmpint (vote_of ("Ada"), ==, 0);
  control_key (GDK_KEY_z, FALSE, "win.undo");
  wait_map (face, 1);

  /* Ctrl+J again: the buttons show Ada's vote */
  control_key (GDK_KEY_j, FALSE, "win.adjudicate");
  g_assert_true (tf_test_wait_until (bar_adjudicating, GINT_TO_POINTER (FALSE), 5));
  {
    int k = -1;
    g_assert_cmpint (tf_label_bar_get_kind (bar (), &k), ==, TF_LABEL_BAR_CLASS);
    g_assert_cmpint (k, ==, 0);
  }

  /* the preferences: "ALICE" is filed as the project spells it, and say
   * so; spaces alone are the login's name */
  prefs = tf_preferences_new (GTK_WINDOW (window), tf_window_get_session (window));
  gtk_window_present (GTK_WINDOW (prefs));
  tf_test_settle (0.3);
  row = tf_test_find_widget (GTK_WIDGET (prefs), TF_TEST_BY_ID, "annotator_entry");
  g_assert_nonnull (row);
  gtk_editable_set_text (GTK_EDITABLE (row), "ALICE");
  tf_test_settle (0.1);
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (tf_test_find_widget (GTK_WIDGET (prefs), TF_TEST_BY_ID,
                                                                                     "annotator_row"))),
                   ==, "Your labels are filed under “Alice”, the spelling this project already has");
  screenshot_of (GTK_WIDGET (prefs), "votes-preferences");
  gtk_editable_set_text (GTK_EDITABLE (row), "   ");
  tf_test_settle (0.1);
  g_assert_true (g_str_has_prefix (adw_action_row_get_subtitle (ADW_ACTION_ROW (
                                     tf_test_find_widget (GTK_WIDGET (prefs), TF_TEST_BY_ID, "annotator_row"))),
                                   "The name kept with each label; empty: your login's full name, "));
  gtk_editable_set_text (GTK_EDITABLE (row), "ALICE");
  gtk_window_destroy (GTK_WINDOW (prefs));
  tf_test_settle (0.2);
  /* a label as "ALICE" is Alice's vote changed, and a toast says so */
  g_assert_cmpstr (bar_text ("label-bar-title"), ==, "Your vote (Alice)");
  dismiss_toasts ();
  press_key (GDK_KEY_3, 0);
  tf_test_settle (0.3);
  g_assert_cmpint (vote_of ("Alice"), ==, 2);
  {
    g_auto(GStrv) names = tf_project_get_annotators (project, &error);
    g_assert_cmpuint (g_strv_length (names), ==, 3);   /* Ada, Alice, Bob */
  }
  scroll_to_bar ();
  screenshot ("votes-filed");
  {
    /* a toast's title is markup */
    g_autofree char *toast = g_markup_escape_text ("Labels filed as “Alice”: this project's spelling of “ALICE”", -1);
    g_assert_nonnull (tf_test_find_widget (GTK_WIDGET (window), TF_TEST_BY_SHOWN_LABEL, toast));
  }
  /* the final label still decides */
  g_assert_cmpint (tf_label_map_lookup (tf_window_get_label_map (window), face, NULL), ==, 1);

  /* Ctrl+J is in the shortcuts window */
  g_action_group_activate_action (G_ACTION_GROUP (app), "shortcuts", NULL);
  g_assert_true (tf_test_wait_until (window_shown, GSIZE_TO_POINTER (GTK_TYPE_SHORTCUTS_WINDOW), 10));
  {
    GtkWidget *shortcuts = GTK_WIDGET (find_window (GTK_TYPE_SHORTCUTS_WINDOW));
    g_autoptr(GPtrArray) todo = g_ptr_array_new ();
    gboolean found = FALSE;

    g_ptr_array_add (todo, shortcuts);
    while (todo->len > 0)
      {
        GtkWidget *one = g_ptr_array_steal_index (todo, todo->len - 1);

        if (GTK_IS_SHORTCUTS_SHORTCUT (one))
          {
            g_autofree char *accel = NULL;
            g_object_get (one, "accelerator", &accel, NULL);
            found = found || g_strcmp0 (accel, "<Control>j") == 0;
          }
        for (GtkWidget *c = gtk_widget_get_first_child (one); c; c = gtk_widget_get_next_sibling (c))
          g_ptr_array_add (todo, c);
      }
    g_assert_true (found);
    gtk_window_destroy (GTK_WINDOW (shortcuts));
  }
  g_settings_reset (settings, "annotator");
  g_settings_reset (settings, "auto-advance");
  tf_window_show_page (window, "media");
}

int
main (int    argc,
      char **argv)
{
  int status;

  if (!tf_test_app_init (&argc, &argv, "test-gui-votes"))
    return 77;
  g_test_add_func ("/gui-votes/votes", test_votes);
  status = g_test_run ();
  tf_test_app_finish ();
  return status;
}
