/* SPDX-License-Identifier: GPL-3.0-or-later */
/* TfLabelBar: a title (whose vote the buttons show) with the Adjudicate
 * toggle, a flow of class toggles (the number to press in front of each
 * name; the model's prediction marked), a row of the other answers, a line
 * saying where the current label came from, the other annotators' votes
 * and how the face's label stands (only where someone else voted or an
 * adjudicator decided), and a note entry. The buttons only emit: the
 * owner decides what is stored and sets it back, so the bar always shows
 * what was saved. */
#include <glib/gi18n.h>

#include "tf-label-bar.h"
#include "tf-class-name.h"

#define MAX_SHORTCUT_CLASSES 9

struct _TfLabelBar
{
  GtkWidget        parent_instance;

  GtkWidget       *box;
  GtkWidget       *title;        /* GtkLabel: whose vote, or the final label */
  GtkWidget       *adjudicate;   /* GtkToggleButton */
  GtkWidget       *flow;         /* GtkFlowBox of class toggles */
  GtkWidget       *not_face;
  GtkWidget       *unsure;
  GtkWidget       *accept;
  GtkWidget       *clear;
  GtkWidget       *source;       /* GtkLabel */
  GtkWidget       *votes;        /* GtkLabel: the others' votes */
  GtkWidget       *standing;     /* GtkLabel: the face's label, from the votes */
  GtkWidget       *note;         /* GtkEntry */
  GPtrArray       *buttons;      /* GtkToggleButton per class */
  GPtrArray       *names;        /* char *: the classes as shown */
  char            *annotator;
  gboolean         adjudicating;

  int              n_classes;
  int              predicted;
  TfLabelBarKind      kind;
  int              class_index;
  gboolean         updating;     /* set_label is moving the toggles */
};

G_DEFINE_FINAL_TYPE (TfLabelBar, tf_label_bar, GTK_TYPE_WIDGET)

enum
{
  LABEL_CHOSEN,
  LABEL_CLEARED,
  NOTE_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

enum
{
  PROP_0,
  PROP_ADJUDICATING,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* ---- helpers ------------------------------------------------------------- */

static void
show_state (TfLabelBar *self)
{
  self->updating = TRUE;
  for (guint i = 0; i < self->buttons->len; i++)
    gtk_toggle_button_set_active (self->buttons->pdata[i],
                                  self->kind == TF_LABEL_BAR_CLASS && self->class_index == (int) i);
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (self->not_face), self->kind == TF_LABEL_BAR_NOT_A_FACE);
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (self->unsure), self->kind == TF_LABEL_BAR_UNSURE);
  gtk_widget_set_sensitive (self->clear, self->kind != TF_LABEL_BAR_NONE);
  gtk_widget_set_sensitive (self->accept, self->predicted >= 0 && self->predicted < self->n_classes);
  /* a final label's note needs the final label */
  gtk_widget_set_sensitive (self->note, !self->adjudicating || self->kind != TF_LABEL_BAR_NONE);
  self->updating = FALSE;
}

static void
update_title (TfLabelBar *self)
{
  g_autofree char *text = NULL;

  if (self->adjudicating)
    /* TRANSLATORS: the label bar's title while adjudicating; %s: the adjudicator's name */
    text = self->annotator ? g_strdup_printf (_("Final label (%s)"), self->annotator) : g_strdup (_("Final label"));
  else
    /* TRANSLATORS: the label bar's title: the buttons show this person's vote; %s: their name */
    text = self->annotator ? g_strdup_printf (_("Your vote (%s)"), self->annotator) : g_strdup (_("Your vote"));
  gtk_label_set_text (GTK_LABEL (self->title), text);
  /* Backspace takes back what the buttons set */
  gtk_widget_set_tooltip_text (self->clear, self->adjudicating ? _("Remove the final label (Backspace)")
                                                               : _("Clear the label (Backspace)"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->clear), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  self->adjudicating ? _("Remove the final label") : _("Clear the label"), -1);
  if (self->adjudicating)
    gtk_widget_add_css_class (self->title, "accent");
  else
    gtk_widget_remove_css_class (self->title, "accent");
}

/* "Happiness", "Not a face", "Unsure" */
static const char *
kind_name (TfLabelBar     *self,
           TfLabelBarKind  kind,
           int             class_index)
{
  switch (kind)
    {
    case TF_LABEL_BAR_CLASS:
      return class_index >= 0 && (guint) class_index < self->names->len ? self->names->pdata[class_index] : "?";
    case TF_LABEL_BAR_NOT_A_FACE:
      return _("Not a face");
    case TF_LABEL_BAR_UNSURE:
      return _("Unsure");
    case TF_LABEL_BAR_NONE:
    default:
      return _("No label");
    }
}

static const char *
annotator_name (const TfLabelBarVote *v)
{
  /* TRANSLATORS: the annotator of labels made before annotators were kept */
  return v->annotator && *v->annotator ? v->annotator : _("Unnamed");
}

static void
choose (TfLabelBar  *self,
        TfLabelBarKind  kind,
        int          class_index)
{
  g_signal_emit (self, signals[LABEL_CHOSEN], 0, (int) kind, class_index);
  /* the owner set the stored state back; if it did not, the toggles go back */
  show_state (self);
}

/* ---- callbacks ----------------------------------------------------------- */

static void
on_class_toggled_cb (GtkToggleButton *button,
                     TfLabelBar      *self)
{
  if (self->updating)
    return;
  choose (self, TF_LABEL_BAR_CLASS, GPOINTER_TO_INT (g_object_get_data (G_OBJECT (button), "class-index")));
}

static void
on_not_face_toggled_cb (GtkToggleButton *button,
                        TfLabelBar      *self)
{
  (void) button;
  if (!self->updating)
    choose (self, TF_LABEL_BAR_NOT_A_FACE, -1);
}

static void
on_unsure_toggled_cb (GtkToggleButton *button,
                      TfLabelBar      *self)
{
  (void) button;
  if (!self->updating)
    choose (self, TF_LABEL_BAR_UNSURE, -1);
}

static void
on_accept_clicked_cb (GtkButton  *button,
                      TfLabelBar *self)
{
  (void) button;
  if (self->predicted >= 0 && self->predicted < self->n_classes)
    choose (self, TF_LABEL_BAR_CLASS, self->predicted);
}

static void
on_clear_clicked_cb (GtkButton  *button,
                     TfLabelBar *self)
{
  (void) button;
  g_signal_emit (self, signals[LABEL_CLEARED], 0);
  show_state (self);
}

static void
emit_note (TfLabelBar *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->note));
  const char *shown = g_object_get_data (G_OBJECT (self->note), "stored");

  if (g_strcmp0 (text, shown ? shown : "") != 0)
    g_signal_emit (self, signals[NOTE_CHANGED], 0, text);
}

static void
on_note_activate_cb (GtkEntry   *entry,
                     TfLabelBar *self)
{
  (void) entry;
  emit_note (self);
}

static void
on_note_focus_leave_cb (GtkEventControllerFocus *focus,
                        TfLabelBar              *self)
{
  (void) focus;
  emit_note (self);
}

/* ---- GObject ------------------------------------------------------------- */

static void
tf_label_bar_dispose (GObject *object)
{
  TfLabelBar *self = TF_LABEL_BAR (object);

  g_clear_pointer (&self->box, gtk_widget_unparent);
  g_clear_pointer (&self->buttons, g_ptr_array_unref);
  g_clear_pointer (&self->names, g_ptr_array_unref);
  g_clear_pointer (&self->annotator, g_free);
  G_OBJECT_CLASS (tf_label_bar_parent_class)->dispose (object);
}

static void
tf_label_bar_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  TfLabelBar *self = TF_LABEL_BAR (object);

  switch (prop_id)
    {
    case PROP_ADJUDICATING:
      g_value_set_boolean (value, self->adjudicating);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tf_label_bar_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  TfLabelBar *self = TF_LABEL_BAR (object);

  switch (prop_id)
    {
    case PROP_ADJUDICATING:
      tf_label_bar_set_adjudicating (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
on_adjudicate_toggled_cb (GtkToggleButton *button,
                          TfLabelBar      *self)
{
  tf_label_bar_set_adjudicating (self, gtk_toggle_button_get_active (button));
}

static void
tf_label_bar_class_init (TfLabelBarClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tf_label_bar_dispose;
  object_class->get_property = tf_label_bar_get_property;
  object_class->set_property = tf_label_bar_set_property;
  properties[PROP_ADJUDICATING] = g_param_spec_boolean ("adjudicating", NULL, NULL, FALSE,
                                                        G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY |
                                                        G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "tf-label-bar");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);

  signals[LABEL_CHOSEN] = g_signal_new ("label-chosen", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                        NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_INT, G_TYPE_INT);
  signals[LABEL_CLEARED] = g_signal_new ("label-cleared", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                         NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[NOTE_CHANGED] = g_signal_new ("note-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                        NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
tf_label_bar_init (TfLabelBar *self)
{
  GtkWidget *row;
  GtkEventController *focus;

  self->buttons = g_ptr_array_new ();
  self->names = g_ptr_array_new_with_free_func (g_free);
  self->predicted = -1;
  self->class_index = -1;
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Label"), -1);

  self->box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  gtk_widget_set_parent (self->box, GTK_WIDGET (self));

  /* whose label the buttons show, and the switch to the final label */
  row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  self->title = gtk_label_new (NULL);
  gtk_widget_set_name (self->title, "label-bar-title");
  gtk_label_set_xalign (GTK_LABEL (self->title), 0);
  gtk_label_set_ellipsize (GTK_LABEL (self->title), PANGO_ELLIPSIZE_END);
  gtk_widget_set_hexpand (self->title, TRUE);
  gtk_widget_add_css_class (self->title, "caption-heading");
  /* TRANSLATORS: a toggle of the label bar: the class buttons then set the face's final label */
  self->adjudicate = gtk_toggle_button_new_with_label (_("Adjudicate"));
  gtk_widget_set_name (self->adjudicate, "adjudicate");
  gtk_widget_set_tooltip_text (self->adjudicate,
                               _("Choose the face's final label instead of your vote: it decides over "
                                 "the annotators' votes (Ctrl+J)"));
  gtk_box_append (GTK_BOX (row), self->title);
  gtk_box_append (GTK_BOX (row), self->adjudicate);
  gtk_box_append (GTK_BOX (self->box), row);
  g_signal_connect (self->adjudicate, "toggled", G_CALLBACK (on_adjudicate_toggled_cb), self);

  self->flow = gtk_flow_box_new ();
  gtk_flow_box_set_selection_mode (GTK_FLOW_BOX (self->flow), GTK_SELECTION_NONE);
  gtk_flow_box_set_homogeneous (GTK_FLOW_BOX (self->flow), FALSE);
  gtk_flow_box_set_max_children_per_line (GTK_FLOW_BOX (self->flow), 4);
  gtk_flow_box_set_row_spacing (GTK_FLOW_BOX (self->flow), 4);
  gtk_flow_box_set_column_spacing (GTK_FLOW_BOX (self->flow), 4);
  gtk_box_append (GTK_BOX (self->box), self->flow);

  row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 4);
  /* TRANSLATORS: a labelling button; 0 is its key */
  self->not_face = gtk_toggle_button_new_with_label (_("0 Not a face"));
  self->unsure = gtk_toggle_button_new_with_label (_("Unsure"));
  /* TRANSLATORS: accept the model's prediction as the label; Enter is its key */
  self->accept = gtk_button_new_with_label (_("Accept"));
  gtk_widget_set_tooltip_text (self->accept, _("Label the face as the model predicts (Enter)"));
  self->clear = gtk_button_new_from_icon_name ("edit-clear-symbolic");
  gtk_widget_set_tooltip_text (self->clear, _("Clear the label (Backspace)"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->clear), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Clear the label"), -1);
  gtk_box_append (GTK_BOX (row), self->not_face);
  gtk_box_append (GTK_BOX (row), self->unsure);
  gtk_box_append (GTK_BOX (row), self->accept);
  gtk_box_append (GTK_BOX (row), self->clear);
  gtk_box_append (GTK_BOX (self->box), row);
  g_signal_connect (self->not_face, "toggled", G_CALLBACK (on_not_face_toggled_cb), self);
  g_signal_connect (self->unsure, "toggled", G_CALLBACK (on_unsure_toggled_cb), self);
  g_signal_connect (self->accept, "clicked", G_CALLBACK (on_accept_clicked_cb), self);
  g_signal_connect (self->clear, "clicked", G_CALLBACK (on_clear_clicked_cb), self);

  self->source = gtk_label_new (NULL);
  gtk_label_set_xalign (GTK_LABEL (self->source), 0);
  gtk_widget_add_css_class (self->source, "dim-label");
  gtk_widget_add_css_class (self->source, "caption");
  gtk_box_append (GTK_BOX (self->box), self->source);

  /* the others' votes and the face's label they make */
  self->votes = gtk_label_new (NULL);
  gtk_widget_set_name (self->votes, "votes");
  gtk_label_set_xalign (GTK_LABEL (self->votes), 0);
  gtk_label_set_wrap (GTK_LABEL (self->votes), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (self->votes), PANGO_WRAP_WORD_CHAR);
  gtk_widget_add_css_class (self->votes, "caption");
  gtk_widget_set_visible (self->votes, FALSE);
  gtk_box_append (GTK_BOX (self->box), self->votes);
  self->standing = gtk_label_new (NULL);
  gtk_widget_set_name (self->standing, "standing");
  gtk_label_set_xalign (GTK_LABEL (self->standing), 0);
  gtk_label_set_wrap (GTK_LABEL (self->standing), TRUE);
  gtk_widget_add_css_class (self->standing, "caption-heading");
  gtk_widget_set_visible (self->standing, FALSE);
  gtk_box_append (GTK_BOX (self->box), self->standing);

  self->note = gtk_entry_new ();
  gtk_entry_set_placeholder_text (GTK_ENTRY (self->note), _("Note"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->note), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Note"), -1);
  gtk_box_append (GTK_BOX (self->box), self->note);
  g_signal_connect (self->note, "activate", G_CALLBACK (on_note_activate_cb), self);
  focus = gtk_event_controller_focus_new ();
  g_signal_connect (focus, "leave", G_CALLBACK (on_note_focus_leave_cb), self);
  gtk_widget_add_controller (self->note, focus);

  update_title (self);
  tf_label_bar_set_label (self, TF_LABEL_BAR_NONE, -1, TF_LABEL_BAR_FROM_PERSON, NULL);
}

/* ---- public API ---------------------------------------------------------- */

GtkWidget *
tf_label_bar_new (void)
{
  return g_object_new (TF_TYPE_LABEL_BAR, NULL);
}

void
tf_label_bar_set_classes (TfLabelBar         *self,
                          const char * const *names,
                          int                 n,
                          int                 predicted)
{
  g_return_if_fail (TF_IS_LABEL_BAR (self));
  g_return_if_fail (n >= 0 && (names != NULL || n == 0));

  /* the same classes: only the marked prediction moves */
  if (n != self->n_classes)
    {
      GtkWidget *child;

      while ((child = gtk_widget_get_first_child (self->flow)) != NULL)
        gtk_flow_box_remove (GTK_FLOW_BOX (self->flow), child);
      g_ptr_array_set_size (self->buttons, 0);
      for (int k = 0; k < n; k++)
        {
          GtkWidget *button = gtk_toggle_button_new ();

          g_object_set_data (G_OBJECT (button), "class-index", GINT_TO_POINTER (k));
          g_signal_connect (button, "toggled", G_CALLBACK (on_class_toggled_cb), self);
          gtk_flow_box_append (GTK_FLOW_BOX (self->flow), button);
          g_ptr_array_add (self->buttons, button);
        }
      self->n_classes = n;
    }
  for (int k = 0; k < n; k++)
    {
      GtkWidget *button = self->buttons->pdata[k];
      g_autofree char *text = k < MAX_SHORTCUT_CLASSES ? g_strdup_printf ("%d %s", k + 1, tf_class_display_name (names[k]))
                                                       : g_strdup (tf_class_display_name (names[k]));

      if ((guint) k < self->names->len)
        g_free (self->names->pdata[k]);
      else
        g_ptr_array_add (self->names, NULL);
      self->names->pdata[k] = g_strdup (tf_class_display_name (names[k]));

      gtk_button_set_label (GTK_BUTTON (button), text);
      if (k == predicted)
        {
          gtk_widget_add_css_class (button, "accent");
          /* TRANSLATORS: tooltip of the class button the model predicts */
          gtk_widget_set_tooltip_text (button, _("The model's prediction"));
        }
      else
        {
          gtk_widget_remove_css_class (button, "accent");
          gtk_widget_set_tooltip_text (button, NULL);
        }
    }
  g_ptr_array_set_size (self->names, n);
  self->predicted = predicted;
  if (self->kind == TF_LABEL_BAR_CLASS && self->class_index >= n)
    self->kind = TF_LABEL_BAR_NONE;
  show_state (self);
}

void
tf_label_bar_set_label (TfLabelBar    *self,
                        TfLabelBarKind    kind,
                        int            class_index,
                        TfLabelBarSource  source,
                        const char    *note)
{
  const char *text;

  g_return_if_fail (TF_IS_LABEL_BAR (self));

  if (kind == TF_LABEL_BAR_CLASS && (class_index < 0 || class_index >= self->n_classes))
    kind = TF_LABEL_BAR_NONE;
  self->kind = kind;
  self->class_index = kind == TF_LABEL_BAR_CLASS ? class_index : -1;
  if (self->adjudicating)
    /* TRANSLATORS: the source line while adjudicating */
    text = kind == TF_LABEL_BAR_NONE ? _("No final label: the class buttons choose it")
                                     : _("The final label: the class buttons change it");
  else if (kind == TF_LABEL_BAR_NONE)
    text = _("Not labelled");
  else if (source == TF_LABEL_BAR_FROM_IMPORTED)
    text = _("Label imported");
  else if (source == TF_LABEL_BAR_FROM_PROPAGATED)
    /* TRANSLATORS: the label was given to a range of a video track at once */
    text = _("Label propagated along the track");
  else
    text = _("Labelled by a person");
  gtk_label_set_text (GTK_LABEL (self->source), text);
  g_object_set_data_full (G_OBJECT (self->note), "stored", g_strdup (note ? note : ""), g_free);
  gtk_editable_set_text (GTK_EDITABLE (self->note), note ? note : "");
  show_state (self);
}

TfLabelBarKind
tf_label_bar_get_kind (TfLabelBar *self,
                       int        *class_index)
{
  g_return_val_if_fail (TF_IS_LABEL_BAR (self), TF_LABEL_BAR_NONE);

  if (class_index)
    *class_index = self->class_index;
  return self->kind;
}

gboolean
tf_label_bar_handle_key (TfLabelBar *self,
                         guint       keyval)
{
  int digit = -1;

  g_return_val_if_fail (TF_IS_LABEL_BAR (self), FALSE);

  if (keyval >= GDK_KEY_0 && keyval <= GDK_KEY_9)
    digit = (int) (keyval - GDK_KEY_0);
  else if (keyval >= GDK_KEY_KP_0 && keyval <= GDK_KEY_KP_9)
    digit = (int) (keyval - GDK_KEY_KP_0);

  if (digit == 0)
    choose (self, TF_LABEL_BAR_NOT_A_FACE, -1);
  else if (digit > 0)
    {
      if (digit > self->n_classes)
        return FALSE;
      choose (self, TF_LABEL_BAR_CLASS, digit - 1);
    }
  else if (keyval == GDK_KEY_Return || keyval == GDK_KEY_KP_Enter || keyval == GDK_KEY_ISO_Enter)
    {
      if (self->predicted < 0 || self->predicted >= self->n_classes)
        return FALSE;
      choose (self, TF_LABEL_BAR_CLASS, self->predicted);
    }
  else if (keyval == GDK_KEY_BackSpace)
    {
      g_signal_emit (self, signals[LABEL_CLEARED], 0);
      show_state (self);
    }
  else
    return FALSE;
  return TRUE;
}

void
tf_label_bar_set_annotator (TfLabelBar *self,
                            const char *name)
{
  g_return_if_fail (TF_IS_LABEL_BAR (self));

  if (g_strcmp0 (name, self->annotator) == 0)
    return;
  g_free (self->annotator);
  self->annotator = g_strdup (name);
  update_title (self);
}

void
tf_label_bar_set_votes (TfLabelBar           *self,
                        const TfLabelBarVote *votes,
                        int                   n_votes,
                        TfLabelBarKind        kind,
                        int                   class_index,
                        int                   n_agree)
{
  g_autoptr(GString) line = g_string_new (NULL);
  g_autoptr(GString) tip = g_string_new (NULL);
  g_autofree char *standing = NULL;
  const TfLabelBarVote *final = NULL;
  int n = 0, others = 0;
  const char *style = NULL;

  g_return_if_fail (TF_IS_LABEL_BAR (self));
  g_return_if_fail (n_votes >= 0 && (votes != NULL || n_votes == 0));

  for (int i = 0; i < n_votes; i++)
    {
      const TfLabelBarVote *v = &votes[i];

      if (v->final)
        {
          final = v;
          continue;
        }
      n++;
      if (!v->mine)
        others++;
      /* the votes the buttons do not show: the others', and one's own
       * while the buttons show the final label */
      if (!v->mine || self->adjudicating)
        {
          g_autofree char *who = v->mine ? g_strdup_printf (_("%s (you)"), annotator_name (v))
                                         : g_strdup (annotator_name (v));
          if (line->len > 0)
            g_string_append (line, " · ");
          /* TRANSLATORS: one annotator's vote in the label bar: "Alice: Happiness" */
          g_string_append_printf (line, _("%s: %s"), who, kind_name (self, v->kind, v->class_index));
        }
      if (tip->len > 0)
        g_string_append_c (tip, '\n');
      if (v->mine)
        /* TRANSLATORS: a line of the votes' tooltip: "Alice (you): Happiness" */
        g_string_append_printf (tip, _("%s (you): %s"), annotator_name (v), kind_name (self, v->kind, v->class_index));
      else
        g_string_append_printf (tip, _("%s: %s"), annotator_name (v), kind_name (self, v->kind, v->class_index));
    }
  if (final)
    {
      if (tip->len > 0)
        g_string_append_c (tip, '\n');
      /* TRANSLATORS: the votes' tooltip: the adjudicator's final label: "Final (Carol): Happiness" */
      g_string_append_printf (tip, _("Final (%s): %s"), annotator_name (final),
                              kind_name (self, final->kind, final->class_index));
    }

  if (final)
    {
      /* TRANSLATORS: how a face's label stands: the final label, its adjudicator, and how many votes agree */
      standing = n > 0 ? g_strdup_printf (_("Final: %s, chosen by %s (%d/%d votes)"),
                                          kind_name (self, final->kind, final->class_index), annotator_name (final),
                                          n_agree, n)
                       /* TRANSLATORS: how a face's label stands: the final label and its adjudicator */
                       : g_strdup_printf (_("Final: %s, chosen by %s"), kind_name (self, final->kind, final->class_index),
                                          annotator_name (final));
      style = "accent";
    }
  else if (kind == TF_LABEL_BAR_NONE && n > 1)
    {
      /* TRANSLATORS: how a face's label stands: its votes are split evenly */
      standing = g_strdup (_("Tied: no label until an adjudicator decides"));
      style = "warning";
    }
  else if (kind != TF_LABEL_BAR_NONE && n > 1)
    {
      /* TRANSLATORS: how a face's label stands: "2 of 3 agree: Happiness" */
      standing = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%d of %d agrees: %s", "%d of %d agree: %s", n_agree),
                                  n_agree, n, kind_name (self, kind, class_index));
      style = n_agree == n ? "success" : NULL;
    }
  else if (kind != TF_LABEL_BAR_NONE && others > 0)
    /* TRANSLATORS: how a face's label stands: one vote, someone else's */
    standing = g_strdup_printf (_("Label: %s (one vote)"), kind_name (self, kind, class_index));

  /* one's own vote alone: nothing more than the buttons say */
  if (others == 0 && final == NULL)
    {
      g_string_truncate (line, 0);
      g_clear_pointer (&standing, g_free);
    }
  gtk_label_set_text (GTK_LABEL (self->votes), line->str);
  gtk_widget_set_visible (self->votes, line->len > 0);
  gtk_widget_set_tooltip_text (self->votes, line->len > 0 ? tip->str : NULL);
  gtk_label_set_text (GTK_LABEL (self->standing), standing ? standing : "");
  gtk_widget_set_visible (self->standing, standing != NULL);
  gtk_widget_set_tooltip_text (self->standing, standing && tip->len > 0 ? tip->str : NULL);
  gtk_widget_remove_css_class (self->standing, "accent");
  gtk_widget_remove_css_class (self->standing, "warning");
  gtk_widget_remove_css_class (self->standing, "success");
  if (style)
    gtk_widget_add_css_class (self->standing, style);
}

void
tf_label_bar_set_adjudicating (TfLabelBar *self,
                               gboolean    adjudicating)
{
  g_return_if_fail (TF_IS_LABEL_BAR (self));

  adjudicating = adjudicating != FALSE;
  if (adjudicating == self->adjudicating)
    return;
  self->adjudicating = adjudicating;
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (self->adjudicate), adjudicating);
  /* on, it is coloured: the buttons no longer set one's vote */
  if (adjudicating)
    {
      gtk_widget_add_css_class (GTK_WIDGET (self), "adjudicating");
      gtk_widget_add_css_class (self->adjudicate, "suggested-action");
    }
  else
    {
      gtk_widget_remove_css_class (GTK_WIDGET (self), "adjudicating");
      gtk_widget_remove_css_class (self->adjudicate, "suggested-action");
    }
  update_title (self);
  show_state (self);
  /* the owner shows the final label, or the vote, on the buttons */
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ADJUDICATING]);
}

gboolean
tf_label_bar_get_adjudicating (TfLabelBar *self)
{
  g_return_val_if_fail (TF_IS_LABEL_BAR (self), FALSE);
  return self->adjudicating;
}
