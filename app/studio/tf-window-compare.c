/* SPDX-License-Identifier: GPL-3.0-or-later */
/* TfWindow comparing with a second model: the model loaded into the
 * session beside the one in use, each face shown carried through it too
 * (probe->compare, with its maps) and shown side by side in the sidebar's
 * compare panel; every face of what is open and of the project through it
 * in the background, batched, from the stored crops, so that the folder's
 * grid and the review list (where a video's faces are listed too) can show
 * only the faces the two models disagree on. */
#include <glib/gi18n.h>

#include "tf-compare.h"
#include "tf-window-private.h"

/* the project's faces compared in the background, at most (each is read
 * from the project on the main thread first) */
#define MAX_PROJECT_FACES 10000

static char *
compare_name (TfWindow *self)
{
  const char *path = tf_session_get_compare_path (self->session);

  return path ? g_filename_display_basename (path) : NULL;
}

/* @probe with @second as its compare probe (NULL: none), in its place */
static void
attach (TfWindow    *self,
        TfFaceProbe *probe,
        TfFaceProbe *second)
{
  g_autoptr(TfFaceProbe) with = tf_face_probe_copy (probe);

  g_clear_pointer (&with->compare, tf_face_probe_unref);
  with->compare = second ? tf_face_probe_ref (second) : NULL;
  tf_window_replace_face (self, probe, with);
}

/* every face's compare probe gone: the old model's, or none wanted */
static void
strip (TfWindow *self)
{
  g_autoptr(GPtrArray) with = g_ptr_array_new_with_free_func ((GDestroyNotify) tf_face_probe_unref);

  for (guint i = 0; i < self->results->len; i++)
    {
      TfFaceProbe *p = g_ptr_array_index (self->results, i);
      if (p->compare)
        g_ptr_array_add (with, tf_face_probe_ref (p));
    }
  if (self->inspected && self->inspected->compare && !g_ptr_array_find (with, self->inspected, NULL))
    g_ptr_array_add (with, tf_face_probe_ref (self->inspected));
  for (guint i = 0; i < with->len; i++)
    attach (self, g_ptr_array_index (with, i), NULL);
  g_hash_table_remove_all (self->compare_disagree);
}

static gboolean
only_disagreeing (TfWindow *self)
{
  GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self), "only-disagreeing");
  g_autoptr(GVariant) state = g_action_get_state (action);

  return g_variant_get_boolean (state);
}

static void
set_only_disagreeing (TfWindow *self,
                      gboolean  only)
{
  GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self), "only-disagreeing");
  gboolean was = only_disagreeing (self);

  g_simple_action_set_state (G_SIMPLE_ACTION (action), g_variant_new_boolean (only));
  tf_folder_view_set_only_disagreeing (self->folder_view, only);
  /* the review list is read again only when the filter is or was on */
  if (only || was)
    tf_review_view_set_only_faces (TF_REVIEW_VIEW (self->review_view), only ? self->compare_disagree : NULL);
}

static void
update_actions (TfWindow *self)
{
  gboolean comparing = tf_session_get_compare_path (self->session) != NULL;
  GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self), "only-disagreeing");

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.stop-comparing", comparing);
  g_simple_action_set_enabled (G_SIMPLE_ACTION (action), comparing);
}

/* ---- the face shown ------------------------------------------------------ */

typedef struct
{
  TfWindow    *self;       /* a reference */
  GPtrArray   *probes;     /* TfFaceProbe, the faces sent */
  gboolean     all;        /* every face (the filter), else the one shown */
} Compared;

static void
compared_free (Compared *c)
{
  g_object_unref (c->self);
  g_ptr_array_unref (c->probes);
  g_free (c);
}

static void
on_compared_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      data)
{
  Compared *c = data;
  TfWindow *self = c->self;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) second = tf_session_compare_finish (TF_SESSION (source), result, &error);
  guint n = 0, disagree = 0, index;

  if (second == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) &&
          !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED))
        tf_window_add_toast (self, error->message);
      compared_free (c);
      return;
    }
  for (guint i = 0; i < c->probes->len; i++)
    {
      TfFaceProbe *p = g_ptr_array_index (c->probes, i);
      TfFaceProbe *s = g_ptr_array_index (second, i);
      gboolean differ;

      if (s == NULL || p->classes == 0)
        continue;   /* no crop, or no prediction of the model in use */
      differ = g_strcmp0 (p->class_names[p->predicted], s->class_names[s->predicted]) != 0;
      if (p->face_id > 0 && differ)
        g_hash_table_add (self->compare_disagree, g_memdup2 (&p->face_id, sizeof p->face_id));
      else if (p->face_id > 0)
        g_hash_table_remove (self->compare_disagree, &p->face_id);
      /* a face replaced meanwhile (its maps came): its newer probe */
      if (c->all && tf_face_probe_array_find (self->results, p, &index))
        p = g_ptr_array_index (self->results, index);
      else if (c->all)
        p = NULL;
      if (p == NULL || (c->all && p->compare))
        {
          /* a face of the project not open, or one the face shown
           * compared already (with its maps): counted, not shown */
          n++;
          disagree += differ;
          continue;
        }
      /* a face shown again meanwhile (its maps came) is the same face */
      if (!c->all && p != self->inspected && self->inspected && self->inspected->face_id == p->face_id &&
          g_strcmp0 (self->inspected->file, p->file) == 0 && self->inspected->frame == p->frame &&
          self->inspected->face == p->face)
        p = self->inspected;
      attach (self, p, s);
      n++;
      disagree += differ;
    }
  if (c->all)
    {
      g_autofree char *text = NULL;

      set_only_disagreeing (self, only_disagreeing (self));
      /* one face: the panel says it already */
      if (n > 1)
        {
          /* TRANSLATORS: faces the two models disagree on, of all compared */
          text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "The models disagree on %u of %u face",
                                               "The models disagree on %u of %u faces", n), disagree, n);
          tf_window_add_toast (self, text);
        }
    }
  compared_free (c);
}

static void
compare_async (TfWindow     *self,
               GPtrArray    *probes,
               gboolean      all,
               GCancellable *cancellable)
{
  Compared *c = g_new0 (Compared, 1);

  c->self = g_object_ref (self);
  c->probes = g_ptr_array_ref (probes);
  c->all = all;
  tf_session_compare_async (self->session, probes, !all, cancellable, on_compared_cb, c);
}

void
tf_window_compare_face_shown (TfWindow *self)
{
  TfFaceProbe *p = self->inspected;
  gboolean comparing = tf_session_get_compare_path (self->session) != NULL;
  g_autofree char *name = compare_name (self);
  g_autoptr(GPtrArray) one = NULL;

  gtk_widget_set_visible (GTK_WIDGET (self->compare_panel), comparing && p != NULL);
  if (!comparing || p == NULL)
    return;
  tf_compare_panel_set_probes (self->compare_panel, p, p->compare, name);
  /* its maps too (the background pass computes probabilities only) */
  if ((p->compare && p->compare->lanet_max) || p->source_rgb == NULL)
    return;
  g_cancellable_cancel (self->compare_cancellable);
  g_clear_object (&self->compare_cancellable);
  self->compare_cancellable = g_cancellable_new ();
  one = g_ptr_array_new_with_free_func ((GDestroyNotify) tf_face_probe_unref);
  g_ptr_array_add (one, tf_face_probe_ref (p));
  compare_async (self, one, FALSE, self->compare_cancellable);
}

/* ---- every face, for the filter ---------------------------------------------- */

static gboolean
collect_face_cb (const TfProjectFace *face,
                 gpointer             user_data)
{
  GArray *ids = user_data;

  g_array_append_val (ids, face->id);
  return ids->len < MAX_PROJECT_FACES;
}

static void
compare_all (TfWindow *self)
{
  g_autoptr(GPtrArray) todo = g_ptr_array_new_with_free_func ((GDestroyNotify) tf_face_probe_unref);
  g_autoptr(GHashTable) open = g_hash_table_new (g_int64_hash, g_int64_equal);
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  const char *path;

  if (tf_session_get_compare_path (self->session) == NULL || tf_session_is_running (self->session))
    return;
  /* face ids are the project's: another project's say nothing here */
  path = self->project ? tf_project_get_path (self->project) : NULL;
  if (g_strcmp0 (path, self->compare_project) != 0)
    {
      g_hash_table_remove_all (self->compare_done);
      g_hash_table_remove_all (self->compare_disagree);
      g_free (self->compare_project);
      self->compare_project = g_strdup (path);
    }
  for (guint i = 0; i < self->results->len; i++)
    {
      TfFaceProbe *p = g_ptr_array_index (self->results, i);
      if (p->face_id > 0)
        g_hash_table_add (open, &p->face_id);
      if (p->compare == NULL && p->source_rgb != NULL)
        g_ptr_array_add (todo, tf_face_probe_ref (p));
    }
  /* the project's other faces (another folder's, a video's), for the
   * review list; those compared already are known */
  if (self->project && tf_project_foreach_face (self->project, NULL, collect_face_cb, ids, NULL))
    for (guint i = 0; i < ids->len; i++)
      {
        gint64 id = g_array_index (ids, gint64, i);
        TfFaceProbe *p;

        if (g_hash_table_contains (open, &id) || g_hash_table_contains (self->compare_done, &id) ||
            (p = tf_window_project_probe (self, id)) == NULL)
          continue;
        g_hash_table_add (self->compare_done, g_memdup2 (&id, sizeof id));
        g_ptr_array_add (todo, p);
      }
  if (todo->len == 0)
    return;
  g_cancellable_cancel (self->compare_all_cancellable);
  g_clear_object (&self->compare_all_cancellable);
  self->compare_all_cancellable = g_cancellable_new ();
  compare_async (self, todo, TRUE, self->compare_all_cancellable);
}

void
tf_window_compare_analysis_finished (TfWindow *self)
{
  compare_all (self);
}

/* ---- loading and stopping ------------------------------------------------------ */

static void
cancel_all (TfWindow *self)
{
  g_cancellable_cancel (self->compare_cancellable);
  g_clear_object (&self->compare_cancellable);
  g_cancellable_cancel (self->compare_all_cancellable);
  g_clear_object (&self->compare_all_cancellable);
}

/* "only this model has: a, b" from the shown names of @names */
static void
append_names (GString            *s,
              const char         *format,
              const char * const *names)
{
  g_autoptr(GString) list = g_string_new (NULL);

  if (names[0] == NULL)
    return;
  for (guint i = 0; names[i]; i++)
    g_string_append_printf (list, "%s%s", i ? ", " : "", tf_class_display_name (names[i]));
  g_string_append (s, "; ");
  g_string_append_printf (s, format, list->str);
}

gboolean
tf_window_compare_with (TfWindow    *self,
                        const char  *path,
                        GError     **error)
{
  g_autoptr(TfClassMatch) match = NULL;
  g_autofree char *name = NULL;
  g_autoptr(GString) text = NULL;

  g_return_val_if_fail (TF_IS_WINDOW (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  if (!tf_session_load_compare (self->session, path, error))
    return FALSE;
  cancel_all (self);
  strip (self);
  g_hash_table_remove_all (self->compare_done);
  name = compare_name (self);
  match = tf_class_match_new (tf_session_get_classes (self->session), tf_session_get_compare_classes (self->session));
  text = g_string_new (NULL);
  if (match->n_shared == 0)
    /* TRANSLATORS: a model file */
    g_string_printf (text, _("%s shares no class with the model in use: they cannot agree"), name);
  else
    /* TRANSLATORS: a model file */
    g_string_printf (text, _("Comparing with %s"), name);
  /* TRANSLATORS: class names */
  append_names (text, _("only the model in use has %s"), (const char * const *) match->only_first);
  /* TRANSLATORS: class names */
  append_names (text, _("only the compared model has %s"), (const char * const *) match->only_second);
  tf_window_add_toast (self, text->str);
  update_actions (self);
  tf_window_compare_face_shown (self);
  compare_all (self);
  return TRUE;
}

void
tf_window_compare_stop (TfWindow *self)
{
  g_return_if_fail (TF_IS_WINDOW (self));

  cancel_all (self);
  tf_session_clear_compare (self->session);
  set_only_disagreeing (self, FALSE);
  strip (self);
  g_hash_table_remove_all (self->compare_done);
  update_actions (self);
  tf_window_compare_face_shown (self);
}

TfComparePanel *
tf_window_get_compare_panel (TfWindow *self)
{
  g_return_val_if_fail (TF_IS_WINDOW (self), NULL);
  return self->compare_panel;
}

/* ---- actions --------------------------------------------------------------- */

static void
on_model_chosen_cb (GFile    **files,
                    guint      n_files,
                    gpointer   user_data)
{
  g_autoptr(TfWindow) self = user_data;
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;

  if (n_files == 0)
    return;
  if ((path = g_file_get_path (files[0])) == NULL)
    {
      tf_window_add_toast (self, _("Only files on this computer can be used as models"));
      return;
    }
  if (!tf_window_compare_with (self, path, &error))
    {
      /* TRANSLATORS: the reason, which names the file */
      g_autofree char *text = g_strdup_printf (_("Cannot compare with this model: %s"), error->message);
      tf_window_add_toast (self, text);
    }
}

void
tf_window_compare_choose (TfWindow *self)
{
  g_autoptr(GListStore) filters = g_list_store_new (GTK_TYPE_FILE_FILTER);
  g_autoptr(GtkFileFilter) models = gtk_file_filter_new ();

  g_return_if_fail (TF_IS_WINDOW (self));

  gtk_file_filter_set_name (models, _("Models (safetensors)"));
  gtk_file_filter_add_suffix (models, "safetensors");
  g_list_store_append (filters, models);
  tf_choose_files (GTK_WINDOW (self), TF_CHOOSE_OPEN, _("Compare With Model"), _("_Compare"),
                   G_LIST_MODEL (filters), NULL, on_model_chosen_cb, g_object_ref (self));
}

static void
compare_model_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  tf_window_compare_choose (TF_WINDOW (widget));
}

static void
stop_comparing_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  tf_window_compare_stop (TF_WINDOW (widget));
}

static void
on_only_disagreeing_cb (GSimpleAction *action,
                        GVariant      *value,
                        gpointer       data)
{
  TfWindow *self = data;

  set_only_disagreeing (self, g_variant_get_boolean (value));
  /* the folder's grid shows the filter; a video's faces are listed on the
   * review page */
  if (g_variant_get_boolean (value) && self->view == TF_VIEW_FOLDER)
    {
      guint n = tf_folder_view_get_n_shown (self->folder_view);
      /* TRANSLATORS: the folder's grid filtered to the files with a face the models disagree on */
      g_autofree char *text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                            "Showing the %u file the models disagree on",
                                                            "Showing the %u files the models disagree on", n), n);

      tf_window_show_page (self, "media");
      tf_window_add_toast (self, text);
    }
  else if (g_variant_get_boolean (value) && self->view == TF_VIEW_VIDEO)
    tf_window_show_page (self, "review");
}

void
tf_window_compare_install_actions (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "win.compare-model", NULL, compare_model_action);
  gtk_widget_class_install_action (widget_class, "win.stop-comparing", NULL, stop_comparing_action);
}

GtkWidget *
tf_window_compare_init (TfWindow *self)
{
  g_autoptr(GSimpleAction) only = g_simple_action_new_stateful ("only-disagreeing", NULL,
                                                                  g_variant_new_boolean (FALSE));

  g_signal_connect (only, "change-state", G_CALLBACK (on_only_disagreeing_cb), self);
  g_simple_action_set_enabled (only, FALSE);
  g_action_map_add_action (G_ACTION_MAP (self), G_ACTION (only));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.stop-comparing", FALSE);
  self->compare_disagree = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  self->compare_done = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  self->compare_panel = TF_COMPARE_PANEL (tf_compare_panel_new ());
  gtk_widget_set_visible (GTK_WIDGET (self->compare_panel), FALSE);
  return GTK_WIDGET (self->compare_panel);
}

void
tf_window_compare_dispose (TfWindow *self)
{
  cancel_all (self);
  g_clear_pointer (&self->compare_disagree, g_hash_table_unref);
  g_clear_pointer (&self->compare_done, g_hash_table_unref);
  g_clear_pointer (&self->compare_project, g_free);
}
