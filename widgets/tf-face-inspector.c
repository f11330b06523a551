/* SPDX-License-Identifier: GPL-3.0-or-later */
/* TfFaceInspector: everything about one face, stacked for a sidebar (360 px
 * and up): the aligned face with the chosen attention map and its controls,
 * the class probabilities, the head grid, and the ablation section. Built in
 * code (no template) so the widget library carries no resources.
 *
 * The map chooser lists "LANet 1".."LANet B", "Max of LANets", "Rollout"
 * and "Selected head"; choosing a head in the grid switches to the last.
 * The choice is a name ("lanet-2", "max", "rollout", "head": the "map"
 * property) kept apart from what the face shown can draw, so a face
 * without maps (or with fewer LANets) does not lose it for the next one.
 *
 * Exploring (issue 13): "Occlusion sensitivity" in the chooser asks the
 * owner for the map ("occlusion-map-requested"; it is not a kept choice:
 * each face computes its own); "Occlude" lets the person drag a square over
 * the face ("occlusion-changed"), "Drop LANet" drops one map
 * ("lanet-drop-changed"); the owner answers with tf_face_inspector_set_variant,
 * the face as the model now sees it, shown until the next face. */
#include <glib/gi18n.h>
#include <stdio.h>

#include "tf-color-scale.h"
#include "tf-face-inspector.h"
#include "tf-label-bar.h"
#include "tf-widgets-private.h"

enum
{
  ABLATION_REQUESTED,
  HELP_REQUESTED,
  OCCLUSION_MAP_REQUESTED,
  OCCLUSION_MAP_CANCELLED,
  OCCLUSION_CHANGED,
  LANET_DROP_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

enum
{
  PROP_0,
  PROP_OPACITY,
  PROP_MAP,
  PROP_AS_MODEL,
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
  char               *map_choice;   /* "lanet-N", "max", "rollout", "head" */
  int                 head_block, head_head;  /* the head last chosen (-1: none) */
  GtkLabel           *head_caption;
  TfColorScale       *legend;
  GtkSwitch          *as_model;
  GtkWidget          *as_model_row;
  gboolean            ablation_wanted;  /* Compute pressed: show its result */
  GtkWidget          *grid_heading;
  guint               scroll_idle;
  int                 scroll_tries;
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

  /* exploring */
  TfFaceProbe        *variant;          /* shown instead of probe, or NULL */
  gboolean            occlusion_shown;  /* the chooser is on the occlusion map */
  GtkWidget          *occlusion_row;
  GtkProgressBar     *occlusion_progress;
  GtkToggleButton    *occlude;
  GtkDropDown        *occlude_fill;
  gboolean            has_occluder;
  double              occluder[4];      /* x, y, w, h in fractions of the crop */
  GtkDropDown        *drop_chooser;
  GtkStringList      *drop_names;
  GtkLabel           *variant_caption;
  GtkWidget          *lanet_table;
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

/* before the head, whose entry is renamed as heads are chosen */
static guint
pos_occlusion (TfFaceInspector *self)
{
  return (guint) self->lanets + 2;
}

static guint
pos_head (TfFaceInspector *self)
{
  return (guint) self->lanets + 3;
}

/* "Block 2, head 3" once a head is chosen, else "Selected head" */
static char *
head_entry_name (TfFaceInspector *self)
{
  int block, head;

  if (self->grid != NULL && tf_head_grid_get_selected (self->grid, &block, &head))
    /* TRANSLATORS: the map chooser's entry for the head chosen in the grid */
    return g_strdup_printf (_("Block %d, head %d"), block + 1, head + 1);
  return g_strdup (_("Selected head"));
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
  g_ptr_array_add (names, g_strdup (_("Occlusion sensitivity")));
  g_ptr_array_add (names, head_entry_name (self));
  g_ptr_array_add (names, NULL);

  self->lanets = lanets;
  gtk_string_list_splice (self->map_names, 0, old, (const char * const *) names->pdata);
}

/* the chooser's position of a choice's name, for the LANets there are */
static guint
position_of (TfFaceInspector *self,
             const char      *name)
{
  int lanet;

  if (g_strcmp0 (name, "rollout") == 0)
    return pos_rollout (self);
  if (g_strcmp0 (name, "head") == 0)
    return pos_head (self);
  if (name != NULL && sscanf (name, "lanet-%d", &lanet) == 1 && lanet >= 1 && lanet <= self->lanets)
    return (guint) lanet - 1;
  return pos_max (self);
}

static char *
name_of (TfFaceInspector *self,
         guint            pos)
{
  if (pos < pos_max (self))
    return g_strdup_printf ("lanet-%u", pos + 1);
  if (pos == pos_rollout (self))
    return g_strdup ("rollout");
  if (pos == pos_head (self))
    return g_strdup ("head");
  return g_strdup ("max");
}

/* Under the chooser while it is on the head: which head, or what to do. */
static void
update_head_caption (TfFaceInspector *self)
{
  gboolean on_head = self->probe != NULL && gtk_drop_down_get_selected (self->map_chooser) == pos_head (self);
  int block, head;

  gtk_widget_set_visible (GTK_WIDGET (self->head_caption), on_head);
  if (!on_head)
    return;
  if (tf_head_grid_get_selected (self->grid, &block, &head))
    {
      /* TRANSLATORS: under the map chooser: the head whose attention is drawn */
      g_autofree char *text = g_strdup_printf (_("Block %d, head %d: where the class token looks in this head"),
                                               block + 1, head + 1);
      gtk_label_set_text (self->head_caption, text);
    }
  else
    gtk_label_set_text (self->head_caption, _("Choose a head in the grid"));
}

/* the head entry's name follows the grid's selection */
static void
rename_head_entry (TfFaceInspector *self)
{
  g_autofree char *name = head_entry_name (self);
  const char *names[] = { name, NULL };
  guint selected = gtk_drop_down_get_selected (self->map_chooser);
  gboolean updating = self->updating;

  if (g_strcmp0 (gtk_string_list_get_string (self->map_names, pos_head (self)), name) == 0)
    return;
  self->updating = TRUE;
  gtk_string_list_splice (self->map_names, pos_head (self), 1, names);
  gtk_drop_down_set_selected (self->map_chooser, selected);
  self->updating = updating;
}

static void
show_position (TfFaceInspector *self,
               guint            pos)
{
  gboolean occlusion = pos == pos_occlusion (self);

  /* TRANSLATORS: the ends of the overlay's colour legend */
  tf_color_scale_set_labels (self->legend,
                             occlusion ? C_("occlusion", "hiding it matters least")
                                       : C_("attention", "lowest attention"),
                             occlusion ? C_("occlusion", "lowers the prediction most") : C_("attention", "highest"));
  if (occlusion)
    tf_attention_overlay_set_kind (self->overlay, TF_OVERLAY_OCCLUSION, 0, 0);
  else if (pos < pos_max (self))
    tf_attention_overlay_set_kind (self->overlay, TF_OVERLAY_LANET, (int) pos, 0);
  else if (pos == pos_max (self))
    tf_attention_overlay_set_kind (self->overlay, TF_OVERLAY_LANET_MAX, 0, 0);
  else if (pos == pos_rollout (self))
    tf_attention_overlay_set_kind (self->overlay, TF_OVERLAY_ROLLOUT, 0, 0);
  else if (pos == pos_head (self))
    {
      int block, head;

      /* the head chosen before, on this face too; none: the face alone
       * until one is chosen (the caption asks for it) */
      if (!tf_head_grid_get_selected (self->grid, &block, &head) && self->head_block >= 0)
        tf_head_grid_select (self->grid, self->head_block, self->head_head);
      if (tf_head_grid_get_selected (self->grid, &block, &head))
        tf_attention_overlay_set_kind (self->overlay, TF_OVERLAY_HEAD, block, head);
      else
        tf_attention_overlay_set_kind (self->overlay, TF_OVERLAY_NONE, 0, 0);
      rename_head_entry (self);
    }
  update_head_caption (self);
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
  /* the occlusion map is computed per face: shown, asked for, never kept */
  self->occlusion_shown = pos == pos_occlusion (self);
  if (self->occlusion_shown)
    {
      show_position (self, pos);
      /* computed from what the model saw, where the face keeps it */
      if (self->probe != NULL && self->probe->occlusion_map == NULL && self->probe->source_rgb != NULL
          && !gtk_widget_get_visible (self->occlusion_row))
        g_signal_emit (self, signals[OCCLUSION_MAP_REQUESTED], 0);
      return;
    }
  g_free (self->map_choice);
  self->map_choice = name_of (self, pos);
  show_position (self, pos);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MAP]);
}

static void
on_head_selected_cb (TfHeadGrid      *grid,
                     int              block,
                     int              head,
                     TfFaceInspector *self)
{
  (void) grid;

  self->head_block = block;
  self->head_head = head;
  tf_attention_overlay_set_kind (self->overlay, TF_OVERLAY_HEAD, block, head);
  rename_head_entry (self);
  set_chooser (self, pos_head (self));
  if (g_strcmp0 (self->map_choice, "head") != 0)
    {
      g_free (self->map_choice);
      self->map_choice = g_strdup ("head");
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MAP]);
    }
  update_head_caption (self);
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

  self->ablation_wanted = TRUE;
  g_signal_emit (self, signals[ABLATION_REQUESTED], 0);
}

static void
on_help_clicked_cb (GtkButton       *button,
                    TfFaceInspector *self)
{
  g_signal_emit (self, signals[HELP_REQUESTED], 0, g_object_get_data (G_OBJECT (button), "tf-section"));
}

static void
on_as_model_toggled_cb (GtkSwitch       *button,
                        GParamSpec      *pspec,
                        TfFaceInspector *self)
{
  (void) pspec;
  tf_attention_overlay_set_as_model (self->overlay, gtk_switch_get_active (button));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_AS_MODEL]);
}

/* A (?) button that asks for the help at @section. */
static GtkWidget *
help_button (TfFaceInspector *self,
             const char      *section,
             const char      *tooltip)
{
  /* TRANSLATORS: the face of the small round buttons that open the help */
  GtkWidget *button = gtk_button_new_with_label (C_("help button", "?"));

  gtk_widget_add_css_class (button, "circular");
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text (button, tooltip);
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, tooltip, -1);
  g_object_set_data (G_OBJECT (button), "tf-section", (gpointer) section);
  gtk_widget_set_name (button, section);
  g_signal_connect (button, "clicked", G_CALLBACK (on_help_clicked_cb), self);
  return button;
}

/* The grid in sight in the scrolled window the inspector sits in; FALSE
 * while the ablation toggle just shown is not laid out yet. */
static gboolean
scroll_to_grid (TfFaceInspector *self)
{
  GtkWidget *scroller = gtk_widget_get_ancestor (GTK_WIDGET (self), GTK_TYPE_SCROLLED_WINDOW);
  graphene_rect_t bounds;
  GtkAdjustment *adj;
  double top, bottom, page, value;

  if (scroller == NULL)
    return TRUE;
  if (gtk_widget_get_height (GTK_WIDGET (self->show_ablation)) <= 0
      || !gtk_widget_compute_bounds (self->grid_heading, GTK_WIDGET (self), &bounds))
    return FALSE;
  adj = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scroller));
  top = bounds.origin.y;
  /* down to the LANets' ablation under the toggle, when there is one */
  if (!gtk_widget_compute_bounds (gtk_widget_get_visible (self->lanet_table) ? self->lanet_table
                                  : GTK_WIDGET (self->show_ablation), GTK_WIDGET (self), &bounds))
    return FALSE;
  bottom = bounds.origin.y + bounds.size.height;
  if (bottom > gtk_adjustment_get_upper (adj) + 0.5)
    return FALSE;
  page = gtk_adjustment_get_page_size (adj);
  value = gtk_adjustment_get_value (adj);
  /* the heading to the toggle, or as much of it as fits, from the heading */
  if (top < value || bottom - top > page)
    value = top;
  else if (bottom > value + page)
    value = bottom - page;
  gtk_adjustment_set_value (adj, value);
  return TRUE;
}

#define SCROLL_TRIES 40   /* of 25 ms: a second for the layout to come */

static gboolean
scroll_to_grid_cb (gpointer data)
{
  TfFaceInspector *self = data;

  if (!scroll_to_grid (self) && ++self->scroll_tries < SCROLL_TRIES)
    return G_SOURCE_CONTINUE;
  self->scroll_idle = 0;
  return G_SOURCE_REMOVE;
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

/* ---- exploring: occlusion, the occlusion map, LANet drop */

/* the occluder's side, in fractions of the crop */
#define OCCLUDER_SIDE 0.25

/* what the overlay, bars and grid show: the variant, else the face */
static void
show_probe (TfFaceInspector *self)
{
  TfFaceProbe *shown = self->variant != NULL ? self->variant : self->probe;

  tf_attention_overlay_set_probe (self->overlay, shown);
  tf_prob_bars_set_probe (self->bars, shown);
  tf_head_grid_set_probe (self->grid, shown);
}

static void
update_variant_caption (TfFaceInspector *self)
{
  guint drop = gtk_drop_down_get_selected (self->drop_chooser);
  g_autofree char *text = NULL;

  if (self->variant == NULL)
    {
      gtk_widget_set_visible (GTK_WIDGET (self->variant_caption), FALSE);
      return;
    }
  if (self->has_occluder && drop > 0 && drop != GTK_INVALID_LIST_POSITION)
    /* TRANSLATORS: under the face while exploring it */
    text = g_strdup_printf (_("Part of the face hidden and LANet %u dropped: the prediction and maps as the model "
                              "sees it now, without the mirrored average"), drop);
  else if (drop > 0 && drop != GTK_INVALID_LIST_POSITION)
    text = g_strdup_printf (_("LANet %u dropped: the prediction and maps without its map"), drop);
  else
    text = g_strdup (_("Part of the face hidden: the prediction and maps as the model sees it now, without the "
                       "mirrored average"));
  gtk_label_set_text (self->variant_caption, text);
  gtk_widget_set_visible (GTK_WIDGET (self->variant_caption), TRUE);
}

static void
on_occlusion_cancel_cb (GtkButton       *button,
                        TfFaceInspector *self)
{
  (void) button;
  g_signal_emit (self, signals[OCCLUSION_MAP_CANCELLED], 0);
}

/* under the chooser: the occlusion map's progress, and its Cancel */
static void
build_occlusion_row (TfFaceInspector *self,
                     GtkBox          *box)
{
  GtkWidget *cancel = gtk_button_new_with_mnemonic (_("_Cancel"));

  self->occlusion_row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  self->occlusion_progress = GTK_PROGRESS_BAR (gtk_progress_bar_new ());
  gtk_widget_set_name (GTK_WIDGET (self->occlusion_progress), "occlusion-progress");
  gtk_widget_set_hexpand (GTK_WIDGET (self->occlusion_progress), TRUE);
  gtk_widget_set_valign (GTK_WIDGET (self->occlusion_progress), GTK_ALIGN_CENTER);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->occlusion_progress),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Occlusion map progress"),
                                  -1);
  gtk_widget_set_tooltip_text (cancel, _("Stop computing the occlusion map"));
  gtk_widget_set_name (cancel, "occlusion-cancel");
  g_signal_connect (cancel, "clicked", G_CALLBACK (on_occlusion_cancel_cb), self);
  gtk_box_append (GTK_BOX (self->occlusion_row), GTK_WIDGET (self->occlusion_progress));
  gtk_box_append (GTK_BOX (self->occlusion_row), cancel);
  gtk_widget_set_visible (self->occlusion_row, FALSE);
  gtk_box_append (box, self->occlusion_row);
}

static void
set_occluder (TfFaceInspector *self,
              const double    *rect)
{
  self->has_occluder = rect != NULL;
  if (rect != NULL)
    memcpy (self->occluder, rect, sizeof self->occluder);
  tf_attention_overlay_set_occluder (self->overlay, rect,
                                     gtk_drop_down_get_selected (self->occlude_fill) == 1);
  g_signal_emit (self, signals[OCCLUSION_CHANGED], 0);
}

static void
on_occluder_moved_cb (TfAttentionOverlay *overlay,
                      double              x,
                      double              y,
                      TfFaceInspector    *self)
{
  double rect[4] = { x - OCCLUDER_SIDE / 2, y - OCCLUDER_SIDE / 2, OCCLUDER_SIDE, OCCLUDER_SIDE };

  (void) overlay;
  set_occluder (self, rect);
}

static void
on_occluder_released_cb (TfAttentionOverlay *overlay,
                         TfFaceInspector    *self)
{
  (void) overlay;
  if (self->has_occluder)
    set_occluder (self, NULL);
}

static void
on_occlude_toggled_cb (GtkToggleButton *button,
                       TfFaceInspector *self)
{
  gboolean on = gtk_toggle_button_get_active (button);

  tf_attention_overlay_set_occluding (self->overlay, on);
  if (!on && self->has_occluder)
    set_occluder (self, NULL);
}

/* grey or blurred: the square held now changes with it */
static void
on_fill_chosen_cb (GtkDropDown     *chooser,
                   GParamSpec      *pspec,
                   TfFaceInspector *self)
{
  double rect[4];

  (void) chooser;
  (void) pspec;
  memcpy (rect, self->occluder, sizeof rect);
  if (self->has_occluder)
    set_occluder (self, rect);
}

static void
on_drop_chosen_cb (GtkDropDown     *chooser,
                   GParamSpec      *pspec,
                   TfFaceInspector *self)
{
  (void) chooser;
  (void) pspec;
  if (self->updating)
    return;
  g_signal_emit (self, signals[LANET_DROP_CHANGED], 0, tf_face_inspector_get_dropped_lanet (self));
}

/* "None", "LANet 1".. for the model's LANets */
static void
fill_drop_chooser (TfFaceInspector *self,
                   int              lanets)
{
  guint old = g_list_model_get_n_items (G_LIST_MODEL (self->drop_names));
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);

  /* TRANSLATORS: the Drop LANet chooser's first entry: every map kept */
  g_ptr_array_add (names, g_strdup (C_("lanet", "None")));
  for (int b = 0; b < lanets; b++)
    g_ptr_array_add (names, g_strdup_printf (_("LANet %d"), b + 1));
  g_ptr_array_add (names, NULL);
  if (old == (guint) lanets + 1)
    return;
  self->updating = TRUE;
  gtk_string_list_splice (self->drop_names, 0, old, (const char * const *) names->pdata);
  gtk_drop_down_set_selected (self->drop_chooser, 0);
  self->updating = FALSE;
}

static void
build_explore (TfFaceInspector *self,
               GtkBox          *box)
{
  GtkWidget *row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  const char *fills[] = { C_("occlude", "Grey"), C_("occlude", "Blurred"), NULL };

  gtk_box_append (box, heading (_("Explore")));
  self->occlude = GTK_TOGGLE_BUTTON (gtk_toggle_button_new_with_mnemonic (_("Occl_ude")));
  gtk_widget_set_name (GTK_WIDGET (self->occlude), "occlude");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->occlude),
                               _("Drag over the face to hide part of it: the prediction and maps follow"));
  g_signal_connect (self->occlude, "toggled", G_CALLBACK (on_occlude_toggled_cb), self);
  gtk_box_append (GTK_BOX (row), GTK_WIDGET (self->occlude));
  self->occlude_fill = GTK_DROP_DOWN (gtk_drop_down_new_from_strings (fills));
  gtk_widget_set_name (GTK_WIDGET (self->occlude_fill), "occlude-fill");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->occlude_fill), _("How the hidden part is hidden"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->occlude_fill),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Hide with"),
                                  -1);
  gtk_widget_set_hexpand (GTK_WIDGET (self->occlude_fill), TRUE);
  g_signal_connect (self->occlude_fill, "notify::selected", G_CALLBACK (on_fill_chosen_cb), self);
  gtk_box_append (GTK_BOX (row), GTK_WIDGET (self->occlude_fill));
  gtk_box_append (box, row);
  gtk_box_append (box, caption (_("With Occlude on, press and drag on the face: a square hides what is under it "
                                  "and the model looks again. Releasing restores the face.")));
  g_signal_connect (self->overlay, "occluder-moved", G_CALLBACK (on_occluder_moved_cb), self);
  g_signal_connect (self->overlay, "occluder-released", G_CALLBACK (on_occluder_released_cb), self);

  self->drop_names = gtk_string_list_new (NULL);
  self->drop_chooser = GTK_DROP_DOWN (gtk_drop_down_new (G_LIST_MODEL (g_object_ref (self->drop_names)), NULL));
  gtk_widget_set_name (GTK_WIDGET (self->drop_chooser), "drop-lanet");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->drop_chooser),
                               _("Run the face again with one LANet’s map dropped, as MAD does in training"));
  fill_drop_chooser (self, 0);
  g_signal_connect (self->drop_chooser, "notify::selected", G_CALLBACK (on_drop_chosen_cb), self);
  gtk_box_append (box, labelled_row (_("_Drop LANet"), GTK_WIDGET (self->drop_chooser)));
}

/* each LANet dropped: the predicted class's probability then, and the
 * class the model would pick */
static void
update_lanet_table (TfFaceInspector *self)
{
  const TfFaceProbe *p = self->probe;
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (self->lanet_table)) != NULL)
    gtk_box_remove (GTK_BOX (self->lanet_table), child);
  gtk_widget_set_visible (self->lanet_table, p != NULL && p->lanet_ablation != NULL && p->probs != NULL);
  if (p == NULL || p->lanet_ablation == NULL || p->probs == NULL)
    return;
  gtk_box_append (GTK_BOX (self->lanet_table),
                  caption (_("With each LANet’s map dropped (MAD at inference): the predicted class’s "
                             "probability, and the class chosen then")));
  for (int b = 0; b < p->lanets; b++)
    {
      const float *q = p->lanet_ablation + (gsize) b * p->classes;
      int best = 0, c = p->predicted;
      g_autofree char *text = NULL;
      GtkWidget *label;

      for (int k = 1; k < p->classes; k++)
        if (q[k] > q[best])
          best = k;
      /* TRANSLATORS: a row of the LANet ablation: "LANet 1 dropped: happiness 97.1 % (−2.0), chooses happiness" */
      text = g_strdup_printf (_("LANet %d dropped: %s %.1f %% (%+.1f), chooses %s"), b + 1,
                              tf_class_display_name (p->class_names[c]), 100.0 * q[c],
                              100.0 * (q[c] - p->probs[c]), tf_class_display_name (p->class_names[best]));
      label = gtk_label_new (text);
      gtk_label_set_xalign (GTK_LABEL (label), 0);
      gtk_label_set_wrap (GTK_LABEL (label), TRUE);
      gtk_widget_add_css_class (label, "numeric");
      gtk_box_append (GTK_BOX (self->lanet_table), label);
    }
}

/* a new face: nothing of the last one's exploring stays */
static void
reset_explore (TfFaceInspector *self)
{
  int lanets = self->probe != NULL && self->probe->lanet_maps != NULL ? MAX (self->probe->lanets, 0) : 0;

  g_clear_pointer (&self->variant, tf_face_probe_unref);
  self->has_occluder = FALSE;
  tf_attention_overlay_set_occluder (self->overlay, NULL, FALSE);
  fill_drop_chooser (self, lanets);
  self->updating = TRUE;
  gtk_drop_down_set_selected (self->drop_chooser, 0);
  self->updating = FALSE;
  gtk_widget_set_sensitive (GTK_WIDGET (self->drop_chooser), lanets > 0 && self->probe->source_rgb != NULL);
  gtk_widget_set_sensitive (GTK_WIDGET (self->occlude), self->probe != NULL && self->probe->source_rgb != NULL);
  update_variant_caption (self);
  update_lanet_table (self);
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
  self->variant_caption = GTK_LABEL (caption (""));
  gtk_widget_set_visible (GTK_WIDGET (self->variant_caption), FALSE);
  gtk_box_append (box, GTK_WIDGET (self->variant_caption));

  self->map_names = gtk_string_list_new (NULL);
  self->map_chooser = GTK_DROP_DOWN (gtk_drop_down_new (G_LIST_MODEL (g_object_ref (self->map_names)), NULL));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->map_chooser), _("Which attention map is drawn over the face"));
  fill_chooser (self, 0);
  g_signal_connect (self->map_chooser, "notify::selected", G_CALLBACK (on_map_chosen_cb), self);
  row = labelled_row (_("_Map"), GTK_WIDGET (self->map_chooser));
  gtk_box_append (GTK_BOX (row), help_button (self, "maps", _("What Do the Maps Show?")));
  gtk_box_append (box, row);
  self->head_caption = GTK_LABEL (caption (""));
  gtk_widget_set_visible (GTK_WIDGET (self->head_caption), FALSE);
  gtk_box_append (box, GTK_WIDGET (self->head_caption));
  build_occlusion_row (self, box);

  self->opacity = g_object_ref_sink (gtk_adjustment_new (0.6, 0, 1, 0.05, 0.1, 0));
  self->opacity_scale = gtk_scale_new (GTK_ORIENTATION_HORIZONTAL, self->opacity);
  gtk_scale_set_draw_value (GTK_SCALE (self->opacity_scale), FALSE);
  g_signal_connect (self->opacity, "value-changed", G_CALLBACK (on_opacity_changed_cb), self);
  gtk_box_append (box, labelled_row (_("_Opacity"), self->opacity_scale));

  self->legend = TF_COLOR_SCALE (tf_color_scale_new ());
  /* TRANSLATORS: the ends of the overlay's colour legend */
  tf_color_scale_set_labels (self->legend, C_("attention", "lowest attention"), C_("attention", "highest"));
  gtk_box_append (box, GTK_WIDGET (self->legend));
  gtk_box_append (box, caption (_("Each map is coloured from its own lowest value to its highest.")));

  self->as_model = GTK_SWITCH (gtk_switch_new ());
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->as_model),
                               _("This model reads only the brightness of the face: show the face that way"));
  g_signal_connect (self->as_model, "notify::active", G_CALLBACK (on_as_model_toggled_cb), self);
  self->as_model_row = labelled_row (_("_Grayscale, as the model sees it"), GTK_WIDGET (self->as_model));
  gtk_widget_set_hexpand (GTK_WIDGET (self->as_model), FALSE);
  gtk_widget_set_halign (GTK_WIDGET (self->as_model), GTK_ALIGN_END);
  gtk_widget_set_hexpand (gtk_widget_get_first_child (self->as_model_row), TRUE);
  gtk_widget_set_visible (self->as_model_row, FALSE);
  gtk_box_append (box, self->as_model_row);

  build_explore (self, box);

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
  row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  self->grid_heading = heading (_("Attention Heads"));
  gtk_widget_set_hexpand (self->grid_heading, TRUE);
  gtk_box_append (GTK_BOX (row), self->grid_heading);
  gtk_box_append (GTK_BOX (row), help_button (self, "heads", _("What Are Blocks and Heads?")));
  gtk_box_append (box, row);
  self->grid_caption = GTK_LABEL (caption (""));
  gtk_box_append (box, GTK_WIDGET (self->grid_caption));
  self->grid = TF_HEAD_GRID (tf_head_grid_new ());
  g_signal_connect (self->grid, "head-selected", G_CALLBACK (on_head_selected_cb), self);
  gtk_box_append (box, GTK_WIDGET (self->grid));
  gtk_box_append (box, caption (_("Rows are blocks, columns are heads. Choose a head to see its attention.")));

  /* the ablation */
  gtk_box_append (box, heading (_("Ablation")));
  gtk_box_append (box, caption (_("How the prediction changes when each head, or each LANet’s map, is dropped, one at a time.")));
  row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  self->compute = GTK_BUTTON (gtk_button_new_with_mnemonic (_("_Compute")));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->compute), _("Compute the ablation of every head for this face"));
  g_signal_connect (self->compute, "clicked", G_CALLBACK (on_compute_clicked_cb), self);
  gtk_box_append (GTK_BOX (row), GTK_WIDGET (self->compute));
  self->progress = GTK_PROGRESS_BAR (gtk_progress_bar_new ());
  gtk_widget_set_name (GTK_WIDGET (self->progress), "ablation-progress");
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

  self->lanet_table = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  gtk_widget_set_name (self->lanet_table, "lanet-ablation");
  gtk_widget_set_visible (self->lanet_table, FALSE);
  gtk_box_append (box, self->lanet_table);

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
    case PROP_MAP:
      g_value_set_string (value, self->map_choice);
      break;
    case PROP_AS_MODEL:
      g_value_set_boolean (value, gtk_switch_get_active (self->as_model));
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
    case PROP_MAP:
      tf_face_inspector_set_map (self, g_value_get_string (value));
      break;
    case PROP_AS_MODEL:
      gtk_switch_set_active (self->as_model, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tf_face_inspector_dispose (GObject *object)
{
  TfFaceInspector *self = TF_FACE_INSPECTOR (object);

  g_clear_handle_id (&self->scroll_idle, g_source_remove);
  g_clear_pointer (&self->box, gtk_widget_unparent);
  g_clear_pointer (&self->map_choice, g_free);
  g_clear_object (&self->map_names);
  g_clear_object (&self->opacity);
  g_clear_pointer (&self->probe, tf_face_probe_unref);
  g_clear_pointer (&self->variant, tf_face_probe_unref);
  g_clear_object (&self->drop_names);

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
  /**
   * TfFaceInspector:map:
   *
   * The map chosen: "lanet-N" (from 1), "max", "rollout" or "head"
   * (bindable to a setting; a LANet the model lacks shows their max).
   */
  properties[PROP_MAP] = g_param_spec_string ("map", NULL, NULL, "max",
                                              G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY
                                              | G_PARAM_STATIC_STRINGS);
  /**
   * TfFaceInspector:as-model:
   *
   * Whether the face is drawn as the model reads it (grayscale for a
   * grayscale model).
   */
  properties[PROP_AS_MODEL] = g_param_spec_boolean ("as-model", NULL, NULL, FALSE,
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

  /**
   * TfFaceInspector::help-requested:
   * @section: "maps" or "heads"
   *
   * A (?) button was pressed: the owner explains that part.
   */
  signals[HELP_REQUESTED] = g_signal_new ("help-requested",
                                          G_TYPE_FROM_CLASS (klass),
                                          G_SIGNAL_RUN_LAST,
                                          0, NULL, NULL, NULL,
                                          G_TYPE_NONE, 1, G_TYPE_STRING);

  /**
   * TfFaceInspector::occlusion-map-requested:
   *
   * "Occlusion sensitivity" was chosen for a face without the map: the
   * owner computes it (showing tf_face_inspector_set_occlusion_progress)
   * and hands over a probe with it through tf_face_inspector_set_probe().
   */
  signals[OCCLUSION_MAP_REQUESTED] = g_signal_new ("occlusion-map-requested", G_TYPE_FROM_CLASS (klass),
                                                   G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  /**
   * TfFaceInspector::occlusion-map-cancelled:
   *
   * The person stopped the occlusion map being computed.
   */
  signals[OCCLUSION_MAP_CANCELLED] = g_signal_new ("occlusion-map-cancelled", G_TYPE_FROM_CLASS (klass),
                                                   G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  /**
   * TfFaceInspector::occlusion-changed:
   *
   * The occluder moved, or was released (tf_face_inspector_get_occluder
   * says where, or that there is none).
   */
  signals[OCCLUSION_CHANGED] = g_signal_new ("occlusion-changed", G_TYPE_FROM_CLASS (klass),
                                             G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  /**
   * TfFaceInspector::lanet-drop-changed:
   * @lanet: the LANet to drop, from 0; -1: none
   */
  signals[LANET_DROP_CHANGED] = g_signal_new ("lanet-drop-changed", G_TYPE_FROM_CLASS (klass),
                                              G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_INT);

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

/* Compute does something: a face to compute from, not computed already,
 * nothing running */
static void
update_compute (TfFaceInspector *self)
{
  gboolean running = gtk_widget_get_visible (GTK_WIDGET (self->progress));
  gboolean done = self->probe != NULL && self->probe->ablation != NULL;

  gtk_widget_set_sensitive (GTK_WIDGET (self->compute), probe_computable (self->probe) && !running && !done);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->compute),
                               done ? _("The ablation of this face is computed: it is in the head grid")
                               : running ? _("Computing the ablation of this face")
                               : _("Compute the ablation of every head for this face"));
}

/* The chosen map on this face: the choice's entry, or their max where the
 * face has no such LANet (the choice stays for the next face). */
static void
apply_choice (TfFaceInspector *self)
{
  guint pos = position_of (self, self->map_choice);

  /* the occlusion map stays chosen while this face has it or awaits it */
  if (self->occlusion_shown && self->probe != NULL
      && (self->probe->occlusion_map != NULL || gtk_widget_get_visible (self->occlusion_row)))
    pos = pos_occlusion (self);
  else
    self->occlusion_shown = FALSE;

  if (self->probe != NULL && self->head_block >= 0)
    tf_head_grid_select (self->grid, self->head_block, self->head_head);
  set_chooser (self, pos);
  show_position (self, pos);
  rename_head_entry (self);
  update_head_caption (self);
}

static void
tf_face_inspector_init (TfFaceInspector *self)
{
  self->map_choice = g_strdup ("max");
  self->head_block = self->head_head = -1;
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
  int lanets;
  gboolean has_ablation;

  g_return_if_fail (TF_IS_FACE_INSPECTOR (self));

  if (probe != NULL)
    tf_face_probe_ref (probe);
  g_clear_pointer (&self->probe, tf_face_probe_unref);
  self->probe = probe;

  reset_explore (self);
  show_probe (self);
  if (probe != NULL)
    tf_label_bar_set_classes (self->label_bar, (const char * const *) probe->class_names, probe->classes,
                              probe->predicted);
  else
    tf_label_bar_set_classes (self->label_bar, NULL, 0, -1);

  /* the chooser follows the model's number of LANets; the choice stays
   * for the next face, shown where this one can */
  lanets = probe != NULL && probe->lanet_maps != NULL ? MAX (probe->lanets, 0) : 0;
  if (lanets != self->lanets)
    {
      self->updating = TRUE;
      fill_chooser (self, lanets);
      self->updating = FALSE;
    }
  apply_choice (self);
  gtk_widget_set_visible (self->as_model_row, probe != NULL && probe->input_gray && probe->crop != NULL);

  gtk_widget_set_sensitive (GTK_WIDGET (self->map_chooser), probe != NULL);
  /* the ablation needs what the probe was computed from */
  update_compute (self);

  has_ablation = probe != NULL && probe->ablation != NULL;
  gtk_widget_set_visible (GTK_WIDGET (self->show_ablation), has_ablation);
  if (!has_ablation)
    {
      /* another face: what was asked for this one is not awaited */
      if (!gtk_widget_get_visible (GTK_WIDGET (self->progress)))
        self->ablation_wanted = FALSE;
      gtk_check_button_set_active (self->show_ablation, FALSE);
    }
  else if (self->ablation_wanted)
    {
      /* the result of Compute, at once: the grid in ablation view, in sight */
      self->ablation_wanted = FALSE;
      gtk_check_button_set_active (self->show_ablation, TRUE);
      self->scroll_tries = 0;
      if (self->scroll_idle == 0)
        self->scroll_idle = g_timeout_add (25, scroll_to_grid_cb, self);
    }
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
  tf_color_scale_set_colormap (self->legend, map);
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
  update_compute (self);
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

void
tf_face_inspector_set_map (TfFaceInspector *self,
                           const char      *map)
{
  g_return_if_fail (TF_IS_FACE_INSPECTOR (self));

  if (map == NULL || *map == '\0')
    map = "max";
  /* a map named is shown, the occlusion map (not a kept choice) left */
  if (g_strcmp0 (map, self->map_choice) == 0)
    {
      if (self->occlusion_shown)
        {
          self->occlusion_shown = FALSE;
          apply_choice (self);
        }
      return;
    }
  self->occlusion_shown = FALSE;
  g_free (self->map_choice);
  self->map_choice = g_strdup (map);
  apply_choice (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MAP]);
}

const char *
tf_face_inspector_get_map (TfFaceInspector *self)
{
  g_return_val_if_fail (TF_IS_FACE_INSPECTOR (self), NULL);
  return self->map_choice;
}

TfColorScale *
tf_face_inspector_get_legend (TfFaceInspector *self)
{
  g_return_val_if_fail (TF_IS_FACE_INSPECTOR (self), NULL);
  return self->legend;
}

const char *
tf_face_inspector_get_head_text (TfFaceInspector *self)
{
  g_return_val_if_fail (TF_IS_FACE_INSPECTOR (self), NULL);

  if (!gtk_widget_get_visible (GTK_WIDGET (self->head_caption)))
    return NULL;
  return gtk_label_get_text (self->head_caption);
}

GtkWidget *
tf_face_inspector_get_compute_button (TfFaceInspector *self)
{
  g_return_val_if_fail (TF_IS_FACE_INSPECTOR (self), NULL);
  return GTK_WIDGET (self->compute);
}

/* ---- public: exploring */

void
tf_face_inspector_set_variant (TfFaceInspector *self,
                               TfFaceProbe     *variant)
{
  g_return_if_fail (TF_IS_FACE_INSPECTOR (self));

  if (variant != NULL)
    tf_face_probe_ref (variant);
  g_clear_pointer (&self->variant, tf_face_probe_unref);
  self->variant = variant;
  show_probe (self);
  apply_choice (self);
  update_variant_caption (self);
}

TfFaceProbe *
tf_face_inspector_get_variant (TfFaceInspector *self)
{
  g_return_val_if_fail (TF_IS_FACE_INSPECTOR (self), NULL);
  return self->variant;
}

gboolean
tf_face_inspector_get_occluder (TfFaceInspector *self,
                                double           rect[4],
                                gboolean        *blur)
{
  g_return_val_if_fail (TF_IS_FACE_INSPECTOR (self), FALSE);

  if (rect != NULL)
    memcpy (rect, self->occluder, sizeof self->occluder);
  if (blur != NULL)
    *blur = gtk_drop_down_get_selected (self->occlude_fill) == 1;
  return self->has_occluder;
}

void
tf_face_inspector_set_occluder (TfFaceInspector *self,
                                const double    *rect)
{
  g_return_if_fail (TF_IS_FACE_INSPECTOR (self));

  if (rect == NULL && !self->has_occluder)
    return;
  set_occluder (self, rect);
}

int
tf_face_inspector_get_dropped_lanet (TfFaceInspector *self)
{
  guint pos;

  g_return_val_if_fail (TF_IS_FACE_INSPECTOR (self), -1);

  pos = gtk_drop_down_get_selected (self->drop_chooser);
  return pos == GTK_INVALID_LIST_POSITION ? -1 : (int) pos - 1;
}

void
tf_face_inspector_set_dropped_lanet (TfFaceInspector *self,
                                     int              lanet)
{
  g_return_if_fail (TF_IS_FACE_INSPECTOR (self));

  /* notifies, and so asks the owner, when it changes */
  gtk_drop_down_set_selected (self->drop_chooser, (guint) CLAMP (lanet + 1, 0, self->lanets));
}

void
tf_face_inspector_set_occlusion_progress (TfFaceInspector *self,
                                          double           fraction)
{
  g_return_if_fail (TF_IS_FACE_INSPECTOR (self));

  gtk_widget_set_visible (self->occlusion_row, fraction >= 0);
  if (fraction >= 0)
    gtk_progress_bar_set_fraction (self->occlusion_progress, MIN (fraction, 1.0));
  else if (self->occlusion_shown && (self->probe == NULL || self->probe->occlusion_map == NULL))
    {
      /* stopped without a map: back to the kept choice */
      self->occlusion_shown = FALSE;
      apply_choice (self);
    }
}

gboolean
tf_face_inspector_get_occlusion_shown (TfFaceInspector *self)
{
  g_return_val_if_fail (TF_IS_FACE_INSPECTOR (self), FALSE);
  return self->occlusion_shown;
}

void
tf_face_inspector_show_occlusion_map (TfFaceInspector *self)
{
  g_return_if_fail (TF_IS_FACE_INSPECTOR (self));

  gtk_drop_down_set_selected (self->map_chooser, pos_occlusion (self));
}
