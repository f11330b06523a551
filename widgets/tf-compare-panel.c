/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <glib/gi18n.h>
#include <math.h>

#include "tf-attention-overlay.h"
#include "tf-class-name.h"
#include "tf-compare-panel.h"
#include "tf-head-grid.h"

/* a probability difference this large is marked */
#define MARKED_DIFF 0.1f

struct _TfComparePanel
{
  GtkWidget     parent_instance;

  GtkWidget    *box;
  GtkWidget    *banner;
  GtkWidget    *maps[2];        /* TfAttentionOverlay */
  GtkWidget    *captions[2];
  GtkWidget    *map_diff;
  GtkWidget    *heads[2];       /* TfHeadGrid: each model's head contributions */
  GtkWidget    *head_diff;
  GtkWidget    *grid;
  GtkWidget    *only;

  TfFaceProbe  *first, *second;
  gboolean      disagree;
};

G_DEFINE_FINAL_TYPE (TfComparePanel, tf_compare_panel, GTK_TYPE_WIDGET)

static int
class_index (const TfFaceProbe *p,
             const char        *name)
{
  for (int k = 0; k < p->classes; k++)
    if (g_str_equal (p->class_names[k], name))
      return k;
  return -1;
}

static gboolean
predictions_differ (const TfFaceProbe *a,
                    const TfFaceProbe *b)
{
  return a->classes > 0 && b->classes > 0 &&
         !g_str_equal (a->class_names[a->predicted], b->class_names[b->predicted]);
}

gboolean
tf_face_probe_disagrees (const TfFaceProbe *probe)
{
  return probe != NULL && probe->compare != NULL && predictions_differ (probe, probe->compare);
}

static char *
percent (float p)
{
  /* TRANSLATORS: a probability in percent; keep the %.0f */
  return g_strdup_printf (_("%.0f %%"), (double) p * 100.0);
}

static void
grid_add (GtkGrid    *grid,
          const char *text,
          int         col,
          int         row,
          const char *css)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_xalign (GTK_LABEL (label), col == 0 ? 0.0f : 1.0f);
  gtk_widget_set_hexpand (label, col == 0);
  if (css)
    gtk_widget_add_css_class (label, css);
  gtk_grid_attach (grid, label, col, row, 1, 1);
}

/* The classes only @a knows, as shown, comma-separated; NULL when none. */
static char *
only_in (const TfFaceProbe *a,
         const TfFaceProbe *b)
{
  g_autoptr(GString) s = NULL;

  for (int k = 0; k < a->classes; k++)
    if (class_index (b, a->class_names[k]) < 0)
      {
        if (s == NULL)
          s = g_string_new (NULL);
        else
          g_string_append (s, ", ");
        g_string_append (s, tf_class_display_name (a->class_names[k]));
      }
  return s ? g_string_free (g_steal_pointer (&s), FALSE) : NULL;
}

static void
rebuild (TfComparePanel *self,
         const char     *second_name)
{
  const TfFaceProbe *a = self->first, *b = self->second;
  GtkWidget *child;
  const char *pa, *pb;
  g_autofree char *banner = NULL, *cap0 = NULL, *cap1 = NULL, *only_a = NULL, *only_b = NULL;
  g_autofree char *p0 = NULL, *p1 = NULL;
  int row = 1;

  while ((child = gtk_widget_get_first_child (self->grid)) != NULL)
    gtk_grid_remove (GTK_GRID (self->grid), child);
  gtk_widget_remove_css_class (self->banner, "warning");
  gtk_widget_remove_css_class (self->banner, "success");
  self->disagree = FALSE;
  tf_attention_overlay_set_probe (TF_ATTENTION_OVERLAY (self->maps[0]), self->first);
  tf_attention_overlay_set_probe (TF_ATTENTION_OVERLAY (self->maps[1]), self->second);
  tf_head_grid_set_probe (TF_HEAD_GRID (self->heads[0]), self->first);
  tf_head_grid_set_probe (TF_HEAD_GRID (self->heads[1]), self->second);
  gtk_widget_set_visible (self->head_diff, FALSE);
  if (a == NULL || b == NULL || a->classes == 0 || b->classes == 0)
    {
      gtk_label_set_label (GTK_LABEL (self->banner),
                           a == NULL ? ""
                           : a->source_rgb == NULL ? _("This face has no stored crop: it cannot be compared")
                           : _("Comparing with the second model…"));
      gtk_widget_set_visible (self->map_diff, FALSE);
      gtk_widget_set_visible (self->only, FALSE);
      gtk_label_set_label (GTK_LABEL (self->captions[0]), "");
      gtk_label_set_label (GTK_LABEL (self->captions[1]), "");
      return;
    }

  pa = a->class_names[a->predicted];
  pb = b->class_names[b->predicted];
  self->disagree = predictions_differ (a, b);
  if (self->disagree)
    /* TRANSLATORS: the first model's predicted class, the second's */
    banner = g_strdup_printf (_("The models disagree: %s vs %s"), tf_class_display_name (pa),
                              tf_class_display_name (pb));
  else
    /* TRANSLATORS: the class both models predict */
    banner = g_strdup_printf (_("The models agree: %s"), tf_class_display_name (pa));
  gtk_label_set_label (GTK_LABEL (self->banner), banner);
  gtk_widget_add_css_class (self->banner, self->disagree ? "warning" : "success");

  p0 = percent (a->probs[a->predicted]);
  p1 = percent (b->probs[b->predicted]);
  /* TRANSLATORS: a class and its probability, by the model in use */
  cap0 = g_strdup_printf (_("This model: %s %s"), tf_class_display_name (pa), p0);
  /* TRANSLATORS: the model compared with, a class and its probability */
  cap1 = g_strdup_printf (_("%s: %s %s"), second_name ? second_name : _("Second model"), tf_class_display_name (pb),
                          p1);
  gtk_label_set_label (GTK_LABEL (self->captions[0]), cap0);
  gtk_label_set_label (GTK_LABEL (self->captions[1]), cap1);

  /* the maps' difference: the mean absolute difference of their max maps,
   * when both have them on the same grid */
  if (a->lanet_max && b->lanet_max && a->grid == b->grid && a->grid > 0)
    {
      double sum = 0;
      g_autofree char *text = NULL;
      for (int i = 0; i < a->grid * a->grid; i++)
        sum += fabsf (a->lanet_max[i] - b->lanet_max[i]);
      /* TRANSLATORS: the mean difference of the two models' maps, in percent */
      text = g_strdup_printf (_("Their maps differ by %.0f %% on average"), 100 * sum / (a->grid * a->grid));
      gtk_label_set_label (GTK_LABEL (self->map_diff), text);
      gtk_widget_set_visible (self->map_diff, TRUE);
    }
  else
    gtk_widget_set_visible (self->map_diff, FALSE);

  /* the heads' difference: half the summed absolute difference of their
   * contributions, per block (0: the same share, 100: no head in common),
   * averaged over the blocks, when both models have the same blocks and heads */
  if (a->head_contrib && b->head_contrib && a->depth == b->depth && a->heads == b->heads && a->depth > 0)
    {
      double sum = 0;
      g_autofree char *text = NULL;
      for (int i = 0; i < a->depth * a->heads; i++)
        sum += fabsf (a->head_contrib[i] - b->head_contrib[i]);
      /* TRANSLATORS: how far the two models' head contributions differ, in percent */
      text = g_strdup_printf (_("Their heads' contributions differ by %.0f %% on average"), 50 * sum / a->depth);
      gtk_label_set_label (GTK_LABEL (self->head_diff), text);
      gtk_widget_set_visible (self->head_diff, TRUE);
    }

  grid_add (GTK_GRID (self->grid), _("Class"), 0, 0, "caption-heading");
  grid_add (GTK_GRID (self->grid), _("This"), 1, 0, "caption-heading");
  grid_add (GTK_GRID (self->grid), _("Second"), 2, 0, "caption-heading");
  grid_add (GTK_GRID (self->grid), _("Difference"), 3, 0, "caption-heading");
  for (int k = 0; k < a->classes; k++)
    {
      int j = class_index (b, a->class_names[k]);
      float d;
      g_autofree char *v0 = NULL, *v1 = NULL, *vd = NULL;

      if (j < 0)
        continue;
      d = b->probs[j] - a->probs[k];
      v0 = percent (a->probs[k]);
      v1 = percent (b->probs[j]);
      /* TRANSLATORS: a signed difference of probabilities in points; keep the %+.0f */
      vd = fabsf (d) < 0.005f ? g_strdup ("0") : g_strdup_printf (_("%+.0f"), (double) d * 100.0);
      grid_add (GTK_GRID (self->grid), tf_class_display_name (a->class_names[k]), 0, row, NULL);
      grid_add (GTK_GRID (self->grid), v0, 1, row, k == a->predicted ? "accent" : NULL);
      grid_add (GTK_GRID (self->grid), v1, 2, row, j == b->predicted ? "accent" : NULL);
      grid_add (GTK_GRID (self->grid), vd, 3, row, fabsf (d) >= MARKED_DIFF ? "warning" : "dim-label");
      row++;
    }

  only_a = only_in (a, b);
  only_b = only_in (b, a);
  if (only_a || only_b)
    {
      g_autoptr(GString) s = g_string_new (NULL);
      if (only_a)
        /* TRANSLATORS: class names only the model in use has */
        g_string_append_printf (s, _("Only this model knows: %s"), only_a);
      if (only_b)
        {
          if (only_a)
            g_string_append_c (s, '\n');
          /* TRANSLATORS: class names only the model compared with has */
          g_string_append_printf (s, _("Only the second model knows: %s"), only_b);
        }
      gtk_label_set_label (GTK_LABEL (self->only), s->str);
    }
  gtk_widget_set_visible (self->only, only_a || only_b);
}

static void
tf_compare_panel_dispose (GObject *object)
{
  TfComparePanel *self = TF_COMPARE_PANEL (object);

  g_clear_pointer (&self->box, gtk_widget_unparent);
  g_clear_pointer (&self->first, tf_face_probe_unref);
  g_clear_pointer (&self->second, tf_face_probe_unref);
  G_OBJECT_CLASS (tf_compare_panel_parent_class)->dispose (object);
}

static void
tf_compare_panel_class_init (TfComparePanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tf_compare_panel_dispose;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "comparepanel");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
tf_compare_panel_init (TfComparePanel *self)
{
  GtkWidget *maps = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *heads;

  self->box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  gtk_widget_set_parent (self->box, GTK_WIDGET (self));
  gtk_widget_set_margin_start (self->box, 12);
  gtk_widget_set_margin_end (self->box, 12);
  gtk_widget_set_margin_top (self->box, 12);

  self->banner = gtk_label_new (NULL);
  gtk_label_set_wrap (GTK_LABEL (self->banner), TRUE);
  gtk_label_set_xalign (GTK_LABEL (self->banner), 0);
  gtk_widget_add_css_class (self->banner, "heading");
  gtk_box_append (GTK_BOX (self->box), self->banner);

  gtk_box_set_homogeneous (GTK_BOX (maps), TRUE);
  for (int i = 0; i < 2; i++)
    {
      GtkWidget *col = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);

      self->maps[i] = tf_attention_overlay_new ();
      tf_attention_overlay_set_kind (TF_ATTENTION_OVERLAY (self->maps[i]), TF_OVERLAY_LANET_MAX, 0, 0);
      gtk_widget_set_size_request (self->maps[i], 120, 120);
      self->captions[i] = gtk_label_new (NULL);
      gtk_label_set_wrap (GTK_LABEL (self->captions[i]), TRUE);
      gtk_widget_add_css_class (self->captions[i], "caption");
      gtk_box_append (GTK_BOX (col), self->maps[i]);
      gtk_box_append (GTK_BOX (col), self->captions[i]);
      gtk_box_append (GTK_BOX (maps), col);
    }
  gtk_box_append (GTK_BOX (self->box), maps);

  self->map_diff = gtk_label_new (NULL);
  gtk_label_set_xalign (GTK_LABEL (self->map_diff), 0);
  gtk_widget_add_css_class (self->map_diff, "dim-label");
  gtk_box_append (GTK_BOX (self->box), self->map_diff);

  heads = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  gtk_box_set_homogeneous (GTK_BOX (heads), TRUE);
  for (int i = 0; i < 2; i++)
    {
      self->heads[i] = tf_head_grid_new ();
      gtk_widget_set_can_target (self->heads[i], FALSE);
      gtk_widget_set_focusable (self->heads[i], FALSE);
      gtk_box_append (GTK_BOX (heads), self->heads[i]);
    }
  gtk_box_append (GTK_BOX (self->box), heads);
  self->head_diff = gtk_label_new (NULL);
  gtk_label_set_xalign (GTK_LABEL (self->head_diff), 0);
  gtk_label_set_wrap (GTK_LABEL (self->head_diff), TRUE);
  gtk_widget_add_css_class (self->head_diff, "dim-label");
  gtk_box_append (GTK_BOX (self->box), self->head_diff);

  self->grid = gtk_grid_new ();
  gtk_grid_set_column_spacing (GTK_GRID (self->grid), 12);
  gtk_grid_set_row_spacing (GTK_GRID (self->grid), 2);
  gtk_box_append (GTK_BOX (self->box), self->grid);

  self->only = gtk_label_new (NULL);
  gtk_label_set_wrap (GTK_LABEL (self->only), TRUE);
  gtk_label_set_xalign (GTK_LABEL (self->only), 0);
  gtk_widget_add_css_class (self->only, "dim-label");
  gtk_box_append (GTK_BOX (self->box), self->only);
  gtk_widget_set_visible (self->only, FALSE);
  gtk_widget_set_visible (self->map_diff, FALSE);
}

GtkWidget *
tf_compare_panel_new (void)
{
  return g_object_new (TF_TYPE_COMPARE_PANEL, NULL);
}

void
tf_compare_panel_set_probes (TfComparePanel *self,
                             TfFaceProbe    *first,
                             TfFaceProbe    *second,
                             const char     *second_name)
{
  g_return_if_fail (TF_IS_COMPARE_PANEL (self));

  if (first)
    tf_face_probe_ref (first);
  if (second)
    tf_face_probe_ref (second);
  g_clear_pointer (&self->first, tf_face_probe_unref);
  g_clear_pointer (&self->second, tf_face_probe_unref);
  self->first = first;
  self->second = second;
  rebuild (self, second_name);
}

void
tf_compare_panel_set_colormap (TfComparePanel *self,
                               TfColormap      map)
{
  g_return_if_fail (TF_IS_COMPARE_PANEL (self));

  for (int i = 0; i < 2; i++)
    {
      tf_attention_overlay_set_colormap (TF_ATTENTION_OVERLAY (self->maps[i]), map);
      tf_head_grid_set_colormap (TF_HEAD_GRID (self->heads[i]), map);
    }
}

gboolean
tf_compare_panel_get_disagree (TfComparePanel *self)
{
  g_return_val_if_fail (TF_IS_COMPARE_PANEL (self), FALSE);
  return self->disagree;
}

const char *
tf_compare_panel_get_head_diff (TfComparePanel *self)
{
  g_return_val_if_fail (TF_IS_COMPARE_PANEL (self), NULL);
  return gtk_widget_get_visible (self->head_diff) ? gtk_label_get_label (GTK_LABEL (self->head_diff)) : NULL;
}

const char *
tf_compare_panel_get_banner (TfComparePanel *self)
{
  g_return_val_if_fail (TF_IS_COMPARE_PANEL (self), NULL);
  return gtk_label_get_label (GTK_LABEL (self->banner));
}
