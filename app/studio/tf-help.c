/* SPDX-License-Identifier: GPL-3.0-or-later */
/* "What am I looking at?": the inspector explained in plain words, one
 * short page per idea with a sidebar of the pages, like a GNOME help topic.
 * The pictures are the inspector's own widgets (TfAttentionOverlay,
 * TfHeadGrid, TfColorScale) drawing the engine's outputs for a real face:
 * the one in the inspector, else the sample photo, analysed (and its heads
 * dropped one by one) in the background. Nothing here is drawn by hand. */
#include <glib/gi18n.h>

#include "tf-datafiles.h"
#include "tf-help.h"

const char * const tf_help_sections[] = {
  "face", "maps", "rollout", "class-token", "heads", "contribution", "ablation", "colours", NULL
};

typedef enum
{
  FIG_CROP,            /* the crop in colour */
  FIG_CROP_MODEL,      /* the crop as the model reads it */
  FIG_LANET_1,
  FIG_LANET_2,
  FIG_LANET_MAX,
  FIG_ROLLOUT,
  FIG_HEAD,            /* the last block's leading head */
  FIG_GRID,
  FIG_GRID_ABLATION,
  FIG_SCALE,
  FIG_SCALE_DIVERGING,
} FigureKind;

typedef struct
{
  FigureKind  kind;
  GtkWidget  *widget;
  GtkWidget  *box;      /* the figure with its caption */
  GtkLabel   *caption;
} Figure;

struct _TfHelp
{
  AdwWindow      parent_instance;

  GtkStack      *stack;
  GtkRevealer   *status;
  GtkLabel      *status_label;
  GtkLabel      *source_label;
  GtkLabel      *facts[G_N_ELEMENTS (tf_help_sections) - 1];
  GArray        *figures;        /* Figure */

  TfSession     *session;
  TfFaceProbe   *probe;
  TfColormap     colormap;
  GCancellable  *cancellable;
  gboolean       sample;         /* the pictures are the sample photo's */
};

G_DEFINE_FINAL_TYPE (TfHelp, tf_help, ADW_TYPE_WINDOW)

/* ---- pages ----------------------------------------------------------------- */

static int
section_index (const char *name)
{
  for (int i = 0; tf_help_sections[i] != NULL; i++)
    if (g_strcmp0 (tf_help_sections[i], name) == 0)
      return i;
  return -1;
}

static const char *
section_title (int i)
{
  switch (i)
    {
    case 0: return _("The Face the Model Sees");
    case 1: return _("LANet Maps");
    case 2: return _("Attention Rollout");
    case 3: return _("The Class Token");
    case 4: return _("Blocks and Heads");
    case 5: return _("A Head’s Contribution");
    case 6: return _("Dropping a Head");
    case 7: return _("Reading the Colours");
    default: return "";
    }
}

static GtkWidget *
paragraph (const char *text)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_max_width_chars (GTK_LABEL (label), 70);
  gtk_label_set_selectable (GTK_LABEL (label), FALSE);
  return label;
}

static GtkWidget *
figure_widget (FigureKind kind)
{
  GtkWidget *w;

  switch (kind)
    {
    case FIG_GRID:
    case FIG_GRID_ABLATION:
      w = tf_head_grid_new ();
      gtk_widget_set_size_request (w, 240, -1);
      gtk_widget_set_focusable (w, FALSE);
      tf_head_grid_set_show_ablation (TF_HEAD_GRID (w), kind == FIG_GRID_ABLATION);
      return w;
    case FIG_SCALE:
    case FIG_SCALE_DIVERGING:
      w = tf_color_scale_new ();
      gtk_widget_set_size_request (w, 320, -1);
      gtk_widget_set_halign (w, GTK_ALIGN_CENTER);
      if (kind == FIG_SCALE_DIVERGING)
        {
          tf_color_scale_set_diverging (TF_COLOR_SCALE (w), TRUE);
          tf_color_scale_set_labels (TF_COLOR_SCALE (w), C_("ablation", "probability falls"), C_("ablation", "rises"));
        }
      return w;
    case FIG_CROP:
    case FIG_CROP_MODEL:
    case FIG_LANET_1:
    case FIG_LANET_2:
    case FIG_LANET_MAX:
    case FIG_ROLLOUT:
    case FIG_HEAD:
    default:
      w = tf_attention_overlay_new ();
      gtk_widget_set_size_request (w, 192, 192);
      gtk_widget_set_halign (w, GTK_ALIGN_CENTER);
      tf_attention_overlay_set_opacity (TF_ATTENTION_OVERLAY (w),
                                        kind == FIG_CROP || kind == FIG_CROP_MODEL ? 0 : 0.6);
      tf_attention_overlay_set_as_model (TF_ATTENTION_OVERLAY (w), kind != FIG_CROP);
      return w;
    }
}

/* A picture with its caption, into @row. */
static void
add_figure (TfHelp     *self,
            GtkWidget  *row,
            FigureKind  kind,
            const char *caption)
{
  Figure fig = { .kind = kind };

  fig.box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  fig.widget = figure_widget (kind);
  if (TF_IS_ATTENTION_OVERLAY (fig.widget))
    {
      /* the face at its size, however wide the page: the overlay's own
       * natural size is a sidebar's */
      GtkWidget *clamp = adw_clamp_new ();

      adw_clamp_set_maximum_size (ADW_CLAMP (clamp), 192);
      adw_clamp_set_tightening_threshold (ADW_CLAMP (clamp), 192);
      adw_clamp_set_child (ADW_CLAMP (clamp), fig.widget);
      gtk_box_append (GTK_BOX (fig.box), clamp);
    }
  else
    gtk_box_append (GTK_BOX (fig.box), fig.widget);
  fig.caption = GTK_LABEL (gtk_label_new (caption));
  gtk_label_set_wrap (fig.caption, TRUE);
  gtk_label_set_justify (fig.caption, GTK_JUSTIFY_CENTER);
  gtk_label_set_max_width_chars (fig.caption, 28);
  /* as wide as its picture: a wrapped label otherwise asks for the height
   * of its narrowest wrapping */
  {
    int width;

    gtk_widget_get_size_request (fig.widget, &width, NULL);
    gtk_widget_set_size_request (GTK_WIDGET (fig.caption), width, -1);
  }
  gtk_widget_add_css_class (GTK_WIDGET (fig.caption), "caption");
  gtk_widget_add_css_class (GTK_WIDGET (fig.caption), "dim-label");
  gtk_box_append (GTK_BOX (fig.box), GTK_WIDGET (fig.caption));
  gtk_box_append (GTK_BOX (row), fig.box);
  g_array_append_val (self->figures, fig);
}

static GtkWidget *
figure_row (GtkWidget *page)
{
  GtkWidget *row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 18);

  gtk_widget_set_halign (row, GTK_ALIGN_CENTER);
  gtk_widget_set_margin_top (row, 6);
  gtk_widget_set_margin_bottom (row, 6);
  gtk_box_append (GTK_BOX (page), row);
  return row;
}

static void
on_next_clicked_cb (GtkButton *button,
                    TfHelp    *self)
{
  tf_help_show_section (self, g_object_get_data (G_OBJECT (button), "tf-section"));
}

/* A page: the title, then what @fill adds, then a link to the next page. */
static GtkWidget *
add_page (TfHelp *self,
          int     index)
{
  GtkWidget *scroller = gtk_scrolled_window_new ();
  GtkWidget *clamp = adw_clamp_new ();
  GtkWidget *page = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  GtkWidget *title = gtk_label_new (section_title (index));

  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scroller), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  adw_clamp_set_maximum_size (ADW_CLAMP (clamp), 640);
  gtk_widget_set_margin_start (page, 24);
  gtk_widget_set_margin_end (page, 24);
  gtk_widget_set_margin_top (page, 24);
  gtk_widget_set_margin_bottom (page, 24);
  gtk_widget_add_css_class (title, "title-1");
  gtk_label_set_xalign (GTK_LABEL (title), 0);
  gtk_label_set_wrap (GTK_LABEL (title), TRUE);
  gtk_box_append (GTK_BOX (page), title);
  adw_clamp_set_child (ADW_CLAMP (clamp), page);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), clamp);
  gtk_stack_add_titled (self->stack, scroller, tf_help_sections[index], section_title (index));

  /* what this model has, from the face drawn */
  self->facts[index] = GTK_LABEL (paragraph (""));
  gtk_widget_add_css_class (GTK_WIDGET (self->facts[index]), "dim-label");
  gtk_widget_set_visible (GTK_WIDGET (self->facts[index]), FALSE);
  g_object_set_data (G_OBJECT (scroller), "tf-page", page);
  return page;
}

static void
finish_page (TfHelp *self,
             int     index,
             GtkWidget *page)
{
  gtk_box_append (GTK_BOX (page), GTK_WIDGET (self->facts[index]));
  if (tf_help_sections[index + 1] != NULL)
    {
      /* TRANSLATORS: the link at the end of a help page; %s is the next page's title */
      g_autofree char *text = g_strdup_printf (_("Next: %s"), section_title (index + 1));
      GtkWidget *next = gtk_button_new_with_label (text);

      gtk_widget_add_css_class (next, "flat");
      gtk_widget_set_halign (next, GTK_ALIGN_END);
      gtk_widget_set_margin_top (next, 12);
      g_object_set_data (G_OBJECT (next), "tf-section", (gpointer) tf_help_sections[index + 1]);
      g_signal_connect (next, "clicked", G_CALLBACK (on_next_clicked_cb), self);
      gtk_box_append (GTK_BOX (page), next);
    }
}

static void
build_pages (TfHelp *self)
{
  GtkWidget *page, *row;
  int i = 0;

  page = add_page (self, i);
  gtk_box_append (GTK_BOX (page), paragraph (_("The application finds each face, turns it upright from the eyes, "
                                               "nose and mouth, and cuts it to a square the way the model was "
                                               "trained: forehead to chin, ears at the edges.")));
  row = figure_row (page);
  add_figure (self, row, FIG_CROP, _("The face cut out"));
  add_figure (self, row, FIG_CROP_MODEL, _("As the model sees it"));
  gtk_box_append (GTK_BOX (page), paragraph (_("A model trained on grayscale faces reads only the brightness, "
                                               "so that is what it sees. The inspector can show the face either "
                                               "way. Every map on the next pages is drawn over this square.")));
  finish_page (self, i++, page);

  page = add_page (self, i);
  gtk_box_append (GTK_BOX (page), paragraph (_("First, a face-recognition network (the first stages of IR-50) "
                                               "turns the face into a grid of patches, each described by numbers "
                                               "about what is there.")));
  gtk_box_append (GTK_BOX (page), paragraph (_("A LANet (local attention network) is a small layer that gives "
                                               "each patch a weight from 0 to 1: how much it should count. The "
                                               "model has several, each free to pick its own parts of the face, "
                                               "and uses their maximum: a patch counts when any LANet picks it.")));
  row = figure_row (page);
  add_figure (self, row, FIG_LANET_1, _("LANet 1"));
  add_figure (self, row, FIG_LANET_2, _("LANet 2"));
  add_figure (self, row, FIG_LANET_MAX, _("Max of LANets: what the model keeps"));
  row = figure_row (page);
  add_figure (self, row, FIG_SCALE, _("Each map from its own lowest value to its highest"));
  gtk_box_append (GTK_BOX (page), paragraph (_("In training, one LANet was sometimes switched off at random "
                                               "(Multi-Attention Dropping), so that no single one does all the "
                                               "work and they learn to look at different places.")));
  finish_page (self, i++, page);

  page = add_page (self, i);
  gtk_box_append (GTK_BOX (page), paragraph (_("The weighted patches then go through a transformer: a stack of "
                                               "blocks in which the patches look at one another.")));
  row = figure_row (page);
  add_figure (self, row, FIG_ROLLOUT, _("Rollout"));
  gtk_box_append (GTK_BOX (page), paragraph (_("The rollout follows attention through all the blocks at once: "
                                               "each block’s attention, averaged over its heads and with the "
                                               "direct path added, is multiplied along, giving how much each "
                                               "patch reaches the class token at the end. It is a summary of "
                                               "where the decision drew from, not an exact cause.")));
  finish_page (self, i++, page);

  page = add_page (self, i);
  gtk_box_append (GTK_BOX (page), paragraph (_("Besides the patches, the transformer holds one more token, the "
                                               "class token. It starts the same for every face and has no patch "
                                               "of its own: block after block it gathers from the patches, and "
                                               "at the end it alone is read to choose the expression.")));
  row = figure_row (page);
  add_figure (self, row, FIG_HEAD, _("Where the class token looks in one head"));
  gtk_box_append (GTK_BOX (page), paragraph (_("So “where the class token looks” is where the prediction gathers "
                                               "its information.")));
  finish_page (self, i++, page);

  page = add_page (self, i);
  gtk_box_append (GTK_BOX (page), paragraph (_("A block is one round of looking: every token, the class token "
                                               "included, takes in the others. Each block does this through "
                                               "several heads side by side, each with its own idea of what to "
                                               "look at.")));
  row = figure_row (page);
  add_figure (self, row, FIG_GRID, _("Rows are blocks (1 is nearest the face), columns are heads"));
  gtk_box_append (GTK_BOX (page), paragraph (_("Choose a cell of the grid in the inspector to see that head’s "
                                               "attention over the face; the map chooser then names it, "
                                               "“Block 2, head 3”.")));
  finish_page (self, i++, page);

  page = add_page (self, i);
  gtk_box_append (GTK_BOX (page), paragraph (_("In each block the heads’ outputs are added to the class token. "
                                               "A head’s contribution is the size of its part of that update, as "
                                               "a share of the block’s: the shares of one block add up to 100 %.")));
  row = figure_row (page);
  add_figure (self, row, FIG_GRID, _("Each block’s largest share is at the top of the colours"));
  gtk_box_append (GTK_BOX (page), paragraph (_("A large share means the head changed the class token a lot, not "
                                               "that it helped the prediction. To see that, drop it.")));
  finish_page (self, i++, page);

  page = add_page (self, i);
  gtk_box_append (GTK_BOX (page), paragraph (_("The ablation runs the face again once for every head, each time "
                                               "with only that head of that block silenced, and measures how the "
                                               "probability of the predicted expression changes.")));
  row = figure_row (page);
  add_figure (self, row, FIG_GRID_ABLATION, _("Blue: the probability falls without the head (it was helping). "
                                              "Red: it rises. White: no change."));
  gtk_box_append (GTK_BOX (page), paragraph (_("In training, one head was dropped at random (Multi-head "
                                               "Self-Attention Dropping), so the model does not lean on any single "
                                               "head: most drops change little. Press Compute in the inspector’s "
                                               "Ablation section to see this for your face.")));
  finish_page (self, i++, page);

  page = add_page (self, i);
  gtk_box_append (GTK_BOX (page), paragraph (_("Each map is coloured from its own lowest value to its highest, "
                                               "so the colours compare places within one map, not one map with "
                                               "another or one face with another: even an almost flat map uses "
                                               "the whole scale.")));
  row = figure_row (page);
  add_figure (self, row, FIG_SCALE, _("Maps and contributions (the colour map of Preferences)"));
  row = figure_row (page);
  add_figure (self, row, FIG_SCALE_DIVERGING, _("The ablation: around no change, its ends the face’s largest "
                                                "change, written under the grid"));
  gtk_box_append (GTK_BOX (page), paragraph (_("The overlay’s opacity slider lets the face show through; the "
                                               "colour map is chosen in Preferences.")));
  finish_page (self, i++, page);
}

/* ---- the pictures ------------------------------------------------------------ */

static void
leading_head (const TfFaceProbe *p,
              int               *block,
              int               *head)
{
  *block = MAX (p->depth - 1, 0);
  *head = 0;
  if (p->head_contrib == NULL)
    return;
  for (int h = 1; h < p->heads; h++)
    if (p->head_contrib[*block * p->heads + h] > p->head_contrib[*block * p->heads + *head])
      *head = h;
}

static void
update_facts (TfHelp *self)
{
  const TfFaceProbe *p = self->probe;

  for (int i = 0; tf_help_sections[i] != NULL; i++)
    {
      g_autofree char *text = NULL;

      if (p != NULL)
        switch (i)
          {
          case 0:
            if (p->source_size > 0 && p->input_size > 0)
              text = g_strdup_printf (p->input_gray
                                      /* TRANSLATORS: the crop's size, then the model's input size, in pixels */
                                      ? _("This model: the face is cut at %d × %d pixels and enlarged to %d × %d; "
                                          "it reads the brightness only.")
                                      /* TRANSLATORS: the crop's size, then the model's input size, in pixels */
                                      : _("This model: the face is cut at %d × %d pixels and enlarged to %d × %d; "
                                          "it reads the colours."),
                                      p->source_size, p->source_size, p->input_size, p->input_size);
            break;
          case 1:
            text = g_strdup_printf (_("This model: %d LANets over a grid of %d × %d patches."),
                                    p->lanets, p->grid, p->grid);
            break;
          case 4:
            text = g_strdup_printf (_("This model: %d blocks of %d heads."), p->depth, p->heads);
            break;
          case 6:
            if (p->ablation == NULL)
              text = g_strdup (_("Computing the ablation of this face…"));
            break;
          default:
            break;
          }
      gtk_label_set_text (self->facts[i], text ? text : "");
      gtk_widget_set_visible (GTK_WIDGET (self->facts[i]), text != NULL);
    }
}

static void
apply_probe (TfHelp *self)
{
  TfFaceProbe *p = self->probe;
  int block = 0, head = 0;

  if (p != NULL)
    leading_head (p, &block, &head);
  for (guint i = 0; i < self->figures->len; i++)
    {
      Figure *fig = &g_array_index (self->figures, Figure, i);

      switch (fig->kind)
        {
        case FIG_GRID:
        case FIG_GRID_ABLATION:
          tf_head_grid_set_probe (TF_HEAD_GRID (fig->widget), p);
          {
            int height = -1;

            /* the grid's cells are at their largest at this width: as tall
             * as it can be, so the row beside it does not ask for less */
            gtk_widget_set_size_request (fig->widget, 240, -1);
            gtk_widget_measure (fig->widget, GTK_ORIENTATION_VERTICAL, G_MAXINT / 2, &height, NULL, NULL, NULL);
            gtk_widget_set_size_request (fig->widget, 240, height);
          }
          tf_head_grid_set_colormap (TF_HEAD_GRID (fig->widget), self->colormap);
          gtk_widget_set_visible (fig->box, fig->kind == FIG_GRID || (p != NULL && p->ablation != NULL));
          break;
        case FIG_SCALE:
          tf_color_scale_set_colormap (TF_COLOR_SCALE (fig->widget), self->colormap);
          break;
        case FIG_SCALE_DIVERGING:
          break;
        case FIG_CROP:
        case FIG_CROP_MODEL:
        case FIG_LANET_1:
        case FIG_LANET_2:
        case FIG_LANET_MAX:
        case FIG_ROLLOUT:
        case FIG_HEAD:
        default:
          {
            TfAttentionOverlay *overlay = TF_ATTENTION_OVERLAY (fig->widget);

            tf_attention_overlay_set_probe (overlay, p);
            tf_attention_overlay_set_colormap (overlay, self->colormap);
            if (fig->kind == FIG_LANET_1 || fig->kind == FIG_LANET_2)
              {
                int b = fig->kind == FIG_LANET_1 ? 0 : 1;

                tf_attention_overlay_set_kind (overlay, TF_OVERLAY_LANET, b, 0);
                gtk_widget_set_visible (fig->box, p == NULL || b < p->lanets);
              }
            else if (fig->kind == FIG_LANET_MAX)
              tf_attention_overlay_set_kind (overlay, TF_OVERLAY_LANET_MAX, 0, 0);
            else if (fig->kind == FIG_ROLLOUT)
              tf_attention_overlay_set_kind (overlay, TF_OVERLAY_ROLLOUT, 0, 0);
            else if (fig->kind == FIG_HEAD)
              {
                /* TRANSLATORS: a picture's caption in the help: the head drawn */
                g_autofree char *text = g_strdup_printf (_("Where the class token looks: block %d, head %d, "
                                                           "the last block’s largest contributor"),
                                                         block + 1, head + 1);
                tf_attention_overlay_set_kind (overlay, TF_OVERLAY_HEAD, block, head);
                if (p != NULL)
                  gtk_label_set_text (fig->caption, text);
              }
            else
              tf_attention_overlay_set_kind (overlay, TF_OVERLAY_NONE, 0, 0);
            /* the grayscale picture only says something for a grayscale model */
            if (fig->kind == FIG_CROP_MODEL)
              gtk_widget_set_visible (fig->box, p == NULL || p->input_gray);
          }
          break;
        }
    }
  update_facts (self);
  gtk_label_set_text (self->source_label,
                      p == NULL ? "" : self->sample ? _("Pictures: the sample photo, as the model analyses it")
                                                    : _("Pictures: the face in the inspector"));
  gtk_revealer_set_reveal_child (self->status, p == NULL);
}

/* The background work holds the help weakly: closed, it goes at once (its
 * dispose cancels the work) and the result finds nobody. */
static GWeakRef *
weak_self (TfHelp *self)
{
  GWeakRef *ref = g_new0 (GWeakRef, 1);

  g_weak_ref_init (ref, self);
  return ref;
}

static TfHelp *
take_weak_self (gpointer data)
{
  GWeakRef *ref = data;
  TfHelp *self = g_weak_ref_get (ref);

  g_weak_ref_clear (ref);
  g_free (ref);
  return self;
}

static void
on_ablation_done_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(TfHelp) self = take_weak_self (user_data);
  g_autoptr(GError) error = NULL;
  g_autoptr(TfFaceProbe) ablated = tf_session_ablation_finish (TF_SESSION (source), result, &error);

  if (self == NULL)
    return;
  if (ablated == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_warning ("help: the ablation failed: %s", error->message);
          gtk_label_set_text (self->facts[section_index ("ablation")], error->message);
        }
      return;
    }
  if (self->probe != NULL && ablated->source_rgb != NULL)
    {
      g_clear_pointer (&self->probe, tf_face_probe_unref);
      self->probe = g_steal_pointer (&ablated);
      apply_probe (self);
    }
}

/* the ablation picture needs the ablation: computed here when missing */
static void
ensure_ablation (TfHelp *self)
{
  if (self->probe == NULL || self->probe->ablation != NULL || self->probe->source_rgb == NULL
      || self->session == NULL)
    return;
  tf_session_ablation_async (self->session, self->probe, self->cancellable, NULL, NULL,
                             on_ablation_done_cb, weak_self (self));
}

static void
on_sample_done_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(TfHelp) self = take_weak_self (user_data);
  g_autoptr(GError) error = NULL;
  g_autoptr(TfFaceProbe) probe = tf_session_face_finish (TF_SESSION (source), result, &error);

  if (self == NULL)
    return;
  if (probe == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_autofree char *text = g_strdup_printf (_("The pictures could not be drawn: %s"), error->message);
          gtk_label_set_text (self->status_label, text);
        }
      return;
    }
  if (self->probe == NULL)
    {
      self->sample = TRUE;
      self->probe = g_steal_pointer (&probe);
      apply_probe (self);
      ensure_ablation (self);
    }
}

static void
analyse_sample (TfHelp *self)
{
  g_autofree char *sample = tf_data_find (TF_DATA_SAMPLE);

  if (sample == NULL || self->session == NULL)
    {
      gtk_label_set_text (self->status_label, _("The sample photo is not installed: choose a face to see pictures"));
      return;
    }
  gtk_label_set_text (self->status_label, _("Analysing the sample photo for the pictures…"));
  tf_session_face_in_picture_async (self->session, sample, self->cancellable, on_sample_done_cb,
                                    weak_self (self));
}

/* ---- GObject ------------------------------------------------------------------ */

static void
tf_help_dispose (GObject *object)
{
  TfHelp *self = TF_HELP (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->session);
  g_clear_pointer (&self->probe, tf_face_probe_unref);
  G_OBJECT_CLASS (tf_help_parent_class)->dispose (object);
}

static void
tf_help_finalize (GObject *object)
{
  TfHelp *self = TF_HELP (object);

  g_clear_pointer (&self->figures, g_array_unref);
  G_OBJECT_CLASS (tf_help_parent_class)->finalize (object);
}

static void
tf_help_class_init (TfHelpClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tf_help_dispose;
  object_class->finalize = tf_help_finalize;
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
tf_help_init (TfHelp *self)
{
  GtkWidget *outer = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *header = adw_header_bar_new ();
  GtkWidget *body = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
  GtkWidget *sidebar = gtk_stack_sidebar_new ();
  GtkWidget *status_box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *content = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *spinner = gtk_spinner_new ();

  self->figures = g_array_new (FALSE, TRUE, sizeof (Figure));
  self->cancellable = g_cancellable_new ();
  self->colormap = TF_COLORMAP_VIRIDIS;

  gtk_window_set_title (GTK_WINDOW (self), _("What Am I Looking At?"));
  gtk_window_set_default_size (GTK_WINDOW (self), 920, 700);
  gtk_widget_add_css_class (GTK_WIDGET (self), "tf-help");
  adw_header_bar_set_title_widget (ADW_HEADER_BAR (header), adw_window_title_new (_("What Am I Looking At?"), NULL));
  gtk_box_append (GTK_BOX (outer), header);

  /* while the pictures are computed */
  self->status = GTK_REVEALER (gtk_revealer_new ());
  gtk_spinner_start (GTK_SPINNER (spinner));
  self->status_label = GTK_LABEL (gtk_label_new (""));
  gtk_box_append (GTK_BOX (status_box), spinner);
  gtk_box_append (GTK_BOX (status_box), GTK_WIDGET (self->status_label));
  gtk_widget_set_margin_start (status_box, 12);
  gtk_widget_set_margin_top (status_box, 6);
  gtk_widget_set_margin_bottom (status_box, 6);
  gtk_revealer_set_child (self->status, status_box);
  gtk_revealer_set_reveal_child (self->status, TRUE);

  self->stack = GTK_STACK (gtk_stack_new ());
  gtk_stack_set_transition_type (self->stack, GTK_STACK_TRANSITION_TYPE_CROSSFADE);
  gtk_widget_set_hexpand (GTK_WIDGET (self->stack), TRUE);
  gtk_widget_set_vexpand (GTK_WIDGET (self->stack), TRUE);
  gtk_stack_sidebar_set_stack (GTK_STACK_SIDEBAR (sidebar), self->stack);
  gtk_widget_set_size_request (sidebar, 220, -1);
  build_pages (self);

  self->source_label = GTK_LABEL (gtk_label_new (""));
  gtk_widget_add_css_class (GTK_WIDGET (self->source_label), "caption");
  gtk_widget_add_css_class (GTK_WIDGET (self->source_label), "dim-label");
  gtk_widget_set_margin_top (GTK_WIDGET (self->source_label), 6);
  gtk_widget_set_margin_bottom (GTK_WIDGET (self->source_label), 6);

  gtk_box_append (GTK_BOX (content), GTK_WIDGET (self->status));
  gtk_box_append (GTK_BOX (content), GTK_WIDGET (self->stack));
  gtk_box_append (GTK_BOX (content), GTK_WIDGET (self->source_label));
  gtk_box_append (GTK_BOX (body), sidebar);
  gtk_box_append (GTK_BOX (body), gtk_separator_new (GTK_ORIENTATION_VERTICAL));
  gtk_box_append (GTK_BOX (body), content);
  gtk_widget_set_vexpand (body, TRUE);
  gtk_box_append (GTK_BOX (outer), body);
  adw_window_set_content (ADW_WINDOW (self), outer);
}

/* ---- public ------------------------------------------------------------------- */

TfHelp *
tf_help_new (GtkWindow   *parent,
             TfSession   *session,
             TfFaceProbe *probe,
             TfColormap   colormap)
{
  TfHelp *self;

  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (session == NULL || TF_IS_SESSION (session), NULL);

  self = g_object_new (TF_TYPE_HELP, NULL);
  if (parent != NULL)
    {
      gtk_window_set_transient_for (GTK_WINDOW (self), parent);
      gtk_window_set_destroy_with_parent (GTK_WINDOW (self), TRUE);
      gtk_window_set_application (GTK_WINDOW (self), gtk_window_get_application (parent));
    }
  self->session = session ? g_object_ref (session) : NULL;
  self->colormap = colormap;
  tf_help_set_probe (self, probe);
  return self;
}

void
tf_help_set_probe (TfHelp      *self,
                   TfFaceProbe *probe)
{
  g_return_if_fail (TF_IS_HELP (self));

  /* a face without maps (restored, not yet computed) draws nothing useful */
  if (probe != NULL && probe->lanet_maps == NULL)
    probe = NULL;
  if (probe != NULL && probe == self->probe)
    return;
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  g_clear_pointer (&self->probe, tf_face_probe_unref);
  self->sample = FALSE;
  if (probe != NULL)
    {
      self->probe = tf_face_probe_ref (probe);
      apply_probe (self);
      ensure_ablation (self);
    }
  else
    {
      apply_probe (self);
      analyse_sample (self);
    }
}

void
tf_help_show_section (TfHelp     *self,
                      const char *section)
{
  g_return_if_fail (TF_IS_HELP (self));

  if (section_index (section) < 0)
    section = tf_help_sections[0];
  gtk_stack_set_visible_child_name (self->stack, section);
}

const char *
tf_help_get_section (TfHelp *self)
{
  g_return_val_if_fail (TF_IS_HELP (self), NULL);
  return gtk_stack_get_visible_child_name (self->stack);
}

TfFaceProbe *
tf_help_get_probe (TfHelp *self)
{
  g_return_val_if_fail (TF_IS_HELP (self), NULL);
  return self->probe;
}
