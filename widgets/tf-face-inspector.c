/* SPDX-License-Identifier: GPL-3.0-or-later */
/* TfFaceInspector: everything about one face, stacked for a sidebar (360 px
 * and up): the aligned face with the chosen attention map and its controls,
 * the class probabilities, the head grid, and the ablation section. Built in
 * code (no template) so the widget library carries no resources.
 *
 * The map chooser lists "LANet 1".."LANet B", "Max of LANets", "Rollout"
 * and "Selected head"; choosing a head in the grid switches to the last. */
#include <glib/gi18n.h>

#include "tf-face-inspector.h"
#include "tf-label-bar.h"
#include "tf-widgets-private.h"

enum
{
  ABLATION_REQUESTED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

enum
{
  PROP_0,
  PROP_OPACITY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

struct _TfFaceInspector
{
  GtkWidget           parent_instance;

  TfFaceProbe        *probe;
  int                 lanets;       /* the chooser's LANet entries */
  gboolean            updating;     /* setting the chooser from code */

  GtkWidget          *box;
  TfAttentionOverlay *overlay;
  GtkDropDown        *map_chooser;
  GtkStringList      *map_names;
  GtkAdjustment      *opacity;
  GtkWidget          *opacity_scale;
  TfProbBars         *bars;
  GtkWidget          *label_heading;
  TfLabelBar         *label_bar;
  TfHeadGrid         *grid;
  GtkLabel           *grid_caption;
  GtkButton          *compute;
  GtkProgressBar     *progress;
  GtkCheckButton     *show_ablation;
};

G_DEFINE_FINAL_TYPE (TfFaceInspector, tf_face_inspector, GTK_TYPE_WIDGET)

/* ---- the map chooser: entry positions <-> overlay kinds */

static guint
pos_max (TfFaceInspector *self)
{
  return (guint) self->lanets;
}

static guint
pos_rollout (TfFaceInspector *self)
{
  return (guint) self->lanets + 1;
}

static guint
pos_head (TfFaceInspector *self)
{
  return (guint) self->lanets + 2;
}

static void
fill_chooser (TfFaceInspector *self,
              int              lanets)
{
  guint old = g_list_model_get_n_items (G_LIST_MODEL (self->map_names));
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);

  for (int b = 0; b < lanets; b++)
    g_ptr_array_add (names, g_strdup_printf (_("LANet %d"), b + 1));
  g_ptr_array_add (names, g_strdup (_("Max of LANets")));
  g_ptr_array_add (names, g_strdup (_("Rollout")));
  g_ptr_array_add (names, g_strdup (_("Selected head")));
  g_ptr_array_add (names, NULL);

  self->lanets = lanets;
  gtk_string_list_splice (self->map_names, 0, old, (const char * const *) names->pdata);
}

/* the last block's leading head: where "Selected head" starts without a choice */
static void
default_head (TfFaceInspector *self,
              int             *block,
              int             *head)
{
  const TfFaceProbe *p = self->probe;

  *block = 0;
  *head = 0;
  if (p == NULL || p->depth <= 0 || p->heads <= 0)
    return;
  *block = p->depth - 1;
  if (p->head_contrib != NULL)
    for (int h = 1; h < p->heads; h++)
      if (p->head_contrib[*block * p->heads + h] > p->head_contrib[*block * p->heads + *head])
        *head = h;
}

static void
show_position (TfFaceInspector *self,
               guint            pos)
{
  if (pos < pos_max (self))
    tf_attention_overlay_set_kind (self->overlay, TF_OVERLAY_LANET, (int) pos, 0);
  else if (pos == pos_max (self))
    tf_attention_overlay_set_kind (self->overlay, TF_OVERLAY_LANET_MAX, 0, 0);
  else if (pos == pos_rollout (self))
    tf_attention_overlay_set_kind (self->overlay, TF_OVERLAY_ROLLOUT, 0, 0);
  else if (pos == pos_head (self))
    {
      int block, head;

      if (!tf_head_grid_get_selected (self->grid, &block, &head))
        {
          default_head (self, &block, &head);
          tf_head_grid_select (self->grid, block, head);
        }
      tf_attention_overlay_set_kind (self->overlay, TF_OVERLAY_HEAD, block, head);
    }
}

static void
set_chooser (TfFaceInspector *self,
             guint            pos)
{
  self->updating = TRUE;
  gtk_drop_down_set_selected (self->map_chooser, pos);
  self->updating = FALSE;
}

/* ---- callbacks */

static void
on_map_chosen_cb (GtkDropDown     *chooser,
                  GParamSpec      *pspec,
                  TfFaceInspector *self)
{
  guint pos = gtk_drop_down_get_selected (chooser);

  (void) pspec;
  if (self->updating || pos == GTK_INVALID_LIST_POSITION)
    return;
  show_position (self, pos);
}

static void
on_head_selected_cb (TfHeadGrid      *grid,
                     int              block,
                     int              head,
                     TfFaceInspector *self)
{
  (void) grid;

  tf_attention_overlay_set_kind (self->overlay, TF_OVERLAY_HEAD, block, head);
  set_chooser (self, pos_head (self));
}

static void
on_opacity_changed_cb (GtkAdjustment   *adjustment,
                       TfFaceInspector *self)
{
  tf_attention_overlay_set_opacity (self->overlay, gtk_adjustment_get_value (adjustment));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_OPACITY]);
}

static void
on_compute_clicked_cb (GtkButton       *button,
                       TfFaceInspector *self)
{
  (void) button;

  g_signal_emit (self, signals[ABLATION_REQUESTED], 0);
}

static void
update_grid_caption (TfFaceInspector *self)
{
  gboolean ablation = gtk_check_button_get_active (self->show_ablation)
                      && self->probe != NULL && self->probe->ablation != NULL;

  gtk_label_set_text (self->grid_caption,
                      ablation
                      ? _("Change of the predicted class’s probability when only that head is dropped "
                          "(blue: lower, red: higher)")
                      : _("Contribution of each head to the class token, per block"));
}

static void
on_show_ablation_cb (GtkCheckButton  *button,
                     GParamSpec      *pspec,
                     TfFaceInspector *self)
{
  (void) pspec;

  tf_head_grid_set_show_ablation (self->grid, gtk_check_button_get_active (button));
  update_grid_caption (self);
}

/* ---- construction */

static GtkWidget *
heading (const char *text)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_widget_add_css_class (label, "heading");
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_widget_set_margin_top (label, 6);
  return label;
}

static GtkWidget *
caption (const char *text)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_widget_add_css_class (label, "caption");
  gtk_widget_add_css_class (label, "dim-label");
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (label), PANGO_WRAP_WORD_CHAR);
  return label;
}

/* a row: a label and the control it names */
static GtkWidget *
labelled_row (const char *text,
              GtkWidget  *control)
{
  GtkWidget *row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *label = gtk_label_new_with_mnemonic (text);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_mnemonic_widget (GTK_LABEL (label), control);
  gtk_widget_set_hexpand (control, TRUE);
  gtk_box_append (GTK_BOX (row), label);
  gtk_box_append (GTK_BOX (row), control);
  gtk_accessible_update_relation (GTK_ACCESSIBLE (control),
                                  GTK_ACCESSIBLE_RELATION_LABELLED_BY, label, NULL,
                                  -1);
  return row;
}

static void
build (TfFaceInspector *self)
{
  GtkBox *box;
  GtkWidget *row;

  self->box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  gtk_widget_set_margin_start (self->box, 12);
  gtk_widget_set_margin_end (self->box, 12);
  gtk_widget_set_margin_top (self->box, 12);
  gtk_widget_set_margin_bottom (self->box, 12);
  gtk_widget_set_parent (self->box, GTK_WIDGET (self));
  box = GTK_BOX (self->box);

  /* the face and its map */
  self->overlay = TF_ATTENTION_OVERLAY (tf_attention_overlay_new ());
  gtk_widget_set_hexpand (GTK_WIDGET (self->overlay), TRUE);
  gtk_box_append (box, GTK_WIDGET (self->overlay));

  self->map_names = gtk_string_list_new (NULL);
  self->map_chooser = GTK_DROP_DOWN (gtk_drop_down_new (G_LIST_MODEL (g_object_ref (self->map_names)), NULL));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->map_chooser), _("Which attention map is drawn over the face"));
  fill_chooser (self, 0);
  g_signal_connect (self->map_chooser, "notify::selected", G_CALLBACK (on_map_chosen_cb), self);
  gtk_box_append (box, labelled_row (_("_Map"), GTK_WIDGET (self->map_chooser)));

  self->opacity = g_object_ref_sink (gtk_adjustment_new (0.6, 0, 1, 0.05, 0.1, 0));
  self->opacity_scale = gtk_scale_new (GTK_ORIENTATION_HORIZONTAL, self->opacity);
  gtk_scale_set_draw_value (GTK_SCALE (self->opacity_scale), FALSE);
  g_signal_connect (self->opacity, "value-changed", G_CALLBACK (on_opacity_changed_cb), self);
  gtk_box_append (box, labelled_row (_("_Opacity"), self->opacity_scale));

  gtk_box_append (box, caption (_("Each map is coloured from its own lowest value to its highest.")));

  /* the prediction */
  gtk_box_append (box, heading (_("Prediction")));
  self->bars = TF_PROB_BARS (tf_prob_bars_new ());
  gtk_box_append (box, GTK_WIDGET (self->bars));

  /* the label, where a project keeps one: beside what the model says */
  self->label_heading = heading (_("Label"));
  gtk_widget_set_visible (self->label_heading, FALSE);
  gtk_box_append (box, self->label_heading);
  self->label_bar = TF_LABEL_BAR (tf_label_bar_new ());
  gtk_widget_set_visible (GTK_WIDGET (self->label_bar), FALSE);
  gtk_box_append (box, GTK_WIDGET (self->label_bar));

  /* the heads */
  gtk_box_append (box, heading (_("Attention Heads")));
  self->grid_caption = GTK_LABEL (caption (""));
  gtk_box_append (box, GTK_WIDGET (self->grid_caption));
  self->grid = TF_HEAD_GRID (tf_head_grid_new ());
  g_signal_connect (self->grid, "head-selected", G_CALLBACK (on_head_selected_cb), self);
  gtk_box_append (box, GTK_WIDGET (self->grid));
  gtk_box_append (box, caption (_("Rows are blocks, columns are heads. Choose a head to see its attention.")));

  /* the ablation */
  gtk_box_append (box, heading (_("Ablation")));
  gtk_box_append (box, caption (_("How the prediction changes when each head is dropped, one at a time.")));
  row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  self->compute = GTK_BUTTON (gtk_button_new_with_mnemonic (_("_Compute")));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->compute), _("Compute the ablation of every head for this face"));
  g_signal_connect (self->compute, "clicked", G_CALLBACK (on_compute_clicked_cb), self);
  gtk_box_append (GTK_BOX (row), GTK_WIDGET (self->compute));
  self->progress = GTK_PROGRESS_BAR (gtk_progress_bar_new ());
  gtk_widget_set_hexpand (GTK_WIDGET (self->progress), TRUE);
  gtk_widget_set_valign (GTK_WIDGET (self->progress), GTK_ALIGN_CENTER);
  gtk_widget_set_visible (GTK_WIDGET (self->progress), FALSE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->progress),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Ablation progress"),
                                  -1);
  gtk_box_append (GTK_BOX (row), GTK_WIDGET (self->progress));
  gtk_box_append (box, row);

  self->show_ablation = GTK_CHECK_BUTTON (gtk_check_button_new_with_mnemonic (_("Show ablation in the _head grid")));
  gtk_widget_set_visible (GTK_WIDGET (self->show_ablation), FALSE);
  g_signal_connect (self->show_ablation, "notify::active", G_CALLBACK (on_show_ablation_cb), self);
  gtk_box_append (box, GTK_WIDGET (self->show_ablation));

  update_grid_caption (self);
}

/* ---- GObject */

static void
tf_face_inspector_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  TfFaceInspector *self = TF_FACE_INSPECTOR (object);

  switch (prop_id)
    {
    case PROP_OPACITY:
      g_value_set_double (value, gtk_adjustment_get_value (self->opacity));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tf_face_inspector_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  TfFaceInspector *self = TF_FACE_INSPECTOR (object);

  switch (prop_id)
    {
    case PROP_OPACITY:
      tf_face_inspector_set_opacity (self, g_value_get_double (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tf_face_inspector_dispose (GObject *object)
{
  TfFaceInspector *self = TF_FACE_INSPECTOR (object);

  g_clear_pointer (&self->box, gtk_widget_unparent);
  g_clear_object (&self->map_names);
  g_clear_object (&self->opacity);
  g_clear_pointer (&self->probe, tf_face_probe_unref);

  G_OBJECT_CLASS (tf_face_inspector_parent_class)->dispose (object);
}

static void
tf_face_inspector_class_init (TfFaceInspectorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = tf_face_inspector_get_property;
  object_class->set_property = tf_face_inspector_set_property;
  object_class->dispose = tf_face_inspector_dispose;

  /**
   * TfFaceInspector:opacity:
   *
   * The overlay's opacity, as on its slider (bindable to a setting).
   */
  properties[PROP_OPACITY] = g_param_spec_double ("opacity", NULL, NULL, 0, 1, 0.6,
                                                  G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY
                                                  | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * TfFaceInspector::ablation-requested:
   *
   * The person asked for the ablation of the shown face; the owner computes
   * it and hands it back with tf_face_inspector_set_probe().
   */
  signals[ABLATION_REQUESTED] = g_signal_new ("ablation-requested",
                                              G_TYPE_FROM_CLASS (klass),
                                              G_SIGNAL_RUN_LAST,
                                              0, NULL, NULL, NULL,
                                              G_TYPE_NONE, 0);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "tf-face-inspector");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}


/* what the model saw is there to compute more from */
static gboolean
probe_computable (const TfFaceProbe *probe)
{
  return probe != NULL && probe->source_rgb != NULL;
}

static void
tf_face_inspector_init (TfFaceInspector *self)
{
  build (self);
  tf_face_inspector_set_probe (self, NULL);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Face inspector"),
                                  -1);
}

/* ---- public */

GtkWidget *
tf_face_inspector_new (void)
{
  return g_object_new (TF_TYPE_FACE_INSPECTOR, NULL);
}

void
tf_face_inspector_set_probe (TfFaceInspector *self,
                             TfFaceProbe     *probe)
{
  TfOverlayKind kind;
  int index, head, lanets;
  gboolean has_ablation;

  g_return_if_fail (TF_IS_FACE_INSPECTOR (self));

  if (probe != NULL)
    tf_face_probe_ref (probe);
  g_clear_pointer (&self->probe, tf_face_probe_unref);
  self->probe = probe;

  tf_attention_overlay_set_probe (self->overlay, probe);
  tf_prob_bars_set_probe (self->bars, probe);
  tf_head_grid_set_probe (self->grid, probe);
  if (probe != NULL)
    tf_label_bar_set_classes (self->label_bar, (const char * const *) probe->class_names, probe->classes,
                              probe->predicted);
  else
    tf_label_bar_set_classes (self->label_bar, NULL, 0, -1);

  /* the chooser follows the model's number of LANets; the same choice stays
   * for the next face where it still exists */
  kind = tf_attention_overlay_get_kind (self->overlay);
  tf_attention_overlay_get_index (self->overlay, &index, &head);
  lanets = probe != NULL && probe->lanet_maps != NULL ? MAX (probe->lanets, 0) : 0;
  if (lanets != self->lanets)
    {
      self->updating = TRUE;
      fill_chooser (self, lanets);
      self->updating = FALSE;
    }
  if (kind == TF_OVERLAY_LANET && index < lanets)
    set_chooser (self, (guint) index);
  else if (kind == TF_OVERLAY_ROLLOUT)
    set_chooser (self, pos_rollout (self));
  else if (kind == TF_OVERLAY_HEAD && probe != NULL && index < probe->depth && head < probe->heads)
    {
      tf_head_grid_select (self->grid, index, head);
      set_chooser (self, pos_head (self));
    }
  else
    {
      set_chooser (self, pos_max (self));
      tf_attention_overlay_set_kind (self->overlay, TF_OVERLAY_LANET_MAX, 0, 0);
    }

  gtk_widget_set_sensitive (GTK_WIDGET (self->map_chooser), probe != NULL);
  /* the ablation needs what the probe was computed from */
  gtk_widget_set_sensitive (GTK_WIDGET (self->compute),
                            probe_computable (probe) && !gtk_widget_get_visible (GTK_WIDGET (self->progress)));

  has_ablation = probe != NULL && probe->ablation != NULL;
  gtk_widget_set_visible (GTK_WIDGET (self->show_ablation), has_ablation);
  if (!has_ablation)
    gtk_check_button_set_active (self->show_ablation, FALSE);
  tf_head_grid_set_show_ablation (self->grid, has_ablation && gtk_check_button_get_active (self->show_ablation));
  update_grid_caption (self);
}

void
tf_face_inspector_set_labelling (TfFaceInspector *self,
                                 gboolean         labelling)
{
  g_return_if_fail (TF_IS_FACE_INSPECTOR (self));

  gtk_widget_set_visible (self->label_heading, labelling);
  gtk_widget_set_visible (GTK_WIDGET (self->label_bar), labelling);
}

TfLabelBar *
tf_face_inspector_get_label_bar (TfFaceInspector *self)
{
  g_return_val_if_fail (TF_IS_FACE_INSPECTOR (self), NULL);

  return self->label_bar;
}

TfFaceProbe *
tf_face_inspector_get_probe (TfFaceInspector *self)
{
  g_return_val_if_fail (TF_IS_FACE_INSPECTOR (self), NULL);

  return self->probe;
}

void
tf_face_inspector_set_opacity (TfFaceInspector *self,
                               double           opacity)
{
  g_return_if_fail (TF_IS_FACE_INSPECTOR (self));

  /* the adjustment clamps, sets the overlay and notifies */
  gtk_adjustment_set_value (self->opacity, opacity);
}

void
tf_face_inspector_set_colormap (TfFaceInspector *self,
                                TfColormap       map)
{
  g_return_if_fail (TF_IS_FACE_INSPECTOR (self));

  tf_attention_overlay_set_colormap (self->overlay, map);
  tf_head_grid_set_colormap (self->grid, map);
}

void
tf_face_inspector_set_ablation_progress (TfFaceInspector *self,
                                         double           fraction)
{
  gboolean running = fraction >= 0;

  g_return_if_fail (TF_IS_FACE_INSPECTOR (self));

  gtk_widget_set_visible (GTK_WIDGET (self->progress), running);
  if (running)
    gtk_progress_bar_set_fraction (self->progress, MIN (fraction, 1.0));
  /* one computation at a time */
  gtk_widget_set_sensitive (GTK_WIDGET (self->compute), !running && probe_computable (self->probe));
}

TfAttentionOverlay *
tf_face_inspector_get_overlay (TfFaceInspector *self)
{
  g_return_val_if_fail (TF_IS_FACE_INSPECTOR (self), NULL);

  return self->overlay;
}

TfProbBars *
tf_face_inspector_get_prob_bars (TfFaceInspector *self)
{
  g_return_val_if_fail (TF_IS_FACE_INSPECTOR (self), NULL);

  return self->bars;
}

TfHeadGrid *
tf_face_inspector_get_head_grid (TfFaceInspector *self)
{
  g_return_val_if_fail (TF_IS_FACE_INSPECTOR (self), NULL);

  return self->grid;
}
