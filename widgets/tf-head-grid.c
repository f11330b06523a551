/* SPDX-License-Identifier: GPL-3.0-or-later */
/* TfHeadGrid: a block (row) x head (column) table of coloured cells.
 *
 * Contribution mode: each head's share of its block's class-token update
 * (the shares sum to 1 per block), coloured through the colour map relative
 * to the largest share in the same block, so every block's leading head is
 * at the top of the map however evenly the block spreads its work.
 * Ablation mode: the change of the predicted class's probability when only
 * that head is dropped, on a diverging scale (blue: the probability falls,
 * red: it rises, white: no change), symmetric around 0 and scaled to the
 * largest change. A legend under the cells says which.
 *
 * The selection moves with the arrow keys (key bindings to the "grid.move"
 * action); Enter or Space ("grid.activate"), or a click, chooses the
 * selected head and emits "head-selected". */
#include <glib/gi18n.h>
#include <math.h>

#include "tf-color-scale.h"
#include "tf-head-grid.h"
#include "tf-class-name.h"
#include "tf-widgets-private.h"

#define CELL_MAX     40
#define CELL_MIN     12
#define CELL_NAT     32
#define CELL_GAP     2
#define LEGEND_BAR   10
#define PAD          4

enum
{
  HEAD_SELECTED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

struct _TfHeadGrid
{
  GtkWidget    parent_instance;

  TfFaceProbe *probe;
  int          depth, heads;      /* drawn shape (0 x 0: nothing) */
  gboolean     show_ablation;
  TfColormap   colormap;
  int          sel_block, sel_head;   /* -1: none */
};

G_DEFINE_FINAL_TYPE (TfHeadGrid, tf_head_grid, GTK_TYPE_WIDGET)

/* Layout, for a width: the label gutter, the cell side, the header row and
 * where the grid starts. */
typedef struct
{
  float label_w, header_h, line_h;
  float cell;
  float x0, y0;                 /* the first cell's corner */
  float legend_y;
  float height;                 /* everything */
} Layout;

static gboolean
has_ablation (TfHeadGrid *self)
{
  const TfFaceProbe *p = self->probe;

  return p != NULL && p->ablation != NULL && p->predicted >= 0 && p->predicted < p->classes;
}

static gboolean
ablation_mode (TfHeadGrid *self)
{
  return self->show_ablation && has_ablation (self);
}

static int
text_width (GtkWidget  *widget,
            const char *text,
            int        *height)
{
  g_autoptr (PangoLayout) layout = gtk_widget_create_pango_layout (widget, text);
  int w;

  pango_layout_get_pixel_size (layout, &w, height);
  return w;
}

static void
compute_layout (TfHeadGrid *self,
                int         width,
                Layout     *l)
{
  g_autofree char *widest = g_strdup_printf ("%d", MAX (self->depth, 1));
  int line_h;
  float avail;

  l->label_w = (float) text_width (GTK_WIDGET (self), widest, &line_h) + 2 * PAD;
  l->line_h = (float) line_h;
  l->header_h = l->line_h + PAD;
  if (self->heads > 0 && width > 0)
    {
      avail = (width - l->label_w) / self->heads;
      l->cell = floorf (CLAMP (avail, CELL_MIN, CELL_MAX));
    }
  else
    l->cell = CELL_NAT;
  /* centred under the header */
  l->x0 = l->label_w + MAX (0.0f, floorf ((width - l->label_w - l->cell * self->heads) / 2));
  l->y0 = l->header_h;
  l->legend_y = l->y0 + l->cell * self->depth + 2 * PAD;
  l->height = l->legend_y + LEGEND_BAR + PAD + l->line_h;
}

static float
block_max (const TfFaceProbe *p,
           int                block)
{
  float m = 0;

  for (int h = 0; h < p->heads; h++)
    {
      float v = p->head_contrib[block * p->heads + h];

      if (isfinite (v))
        m = MAX (m, v);
    }
  return m;
}

static float
ablation_delta (const TfFaceProbe *p,
                int                block,
                int                head)
{
  return p->ablation[((gsize) block * p->heads + head) * p->classes + p->predicted];
}

/* the largest change of the predicted class's probability, for the scale */
static float
ablation_scale (const TfFaceProbe *p)
{
  float m = 0;

  for (int b = 0; b < p->depth; b++)
    for (int h = 0; h < p->heads; h++)
      {
        float v = fabsf (ablation_delta (p, b, h));

        if (isfinite (v))
          m = MAX (m, v);
      }
  return m > 1e-9f ? m : 1e-9f;
}

/* blue (-1) .. white (0) .. red (+1): the colour legend's diverging scale */
static GdkRGBA
diverging (float t)
{
  return tf_color_scale_diverging (t);
}

static GdkRGBA
colormap_rgba (TfColormap map,
               double     t)
{
  uint8_t rgb[3];

  tf_colormap_lookup (map, t, rgb);
  return (GdkRGBA) { rgb[0] / 255.f, rgb[1] / 255.f, rgb[2] / 255.f, 1 };
}

GdkRGBA
tf_head_grid_probe_color (const TfFaceProbe *p,
                          gboolean           ablation,
                          TfColormap         colormap,
                          int                block,
                          int                head)
{
  if (ablation)
    return diverging (ablation_delta (p, block, head) / ablation_scale (p));
  if (p->head_contrib != NULL)
    {
      float m = block_max (p, block);
      float v = p->head_contrib[block * p->heads + head];

      return colormap_rgba (colormap, m > 0 && isfinite (v) ? v / m : 0);
    }
  return (GdkRGBA) { 0.5f, 0.5f, 0.5f, 1 };
}

static GdkRGBA
cell_color (TfHeadGrid *self,
            int         block,
            int         head)
{
  return tf_head_grid_probe_color (self->probe, ablation_mode (self), self->colormap, block, head);
}

static void
draw_text (GtkWidget   *widget,
           GtkSnapshot *snapshot,
           const char  *text,
           float        x,
           float        y,
           float        align,   /* 0 left, 0.5 centre, 1 right of x */
           const GdkRGBA *color)
{
  g_autoptr (PangoLayout) layout = gtk_widget_create_pango_layout (widget, text);
  int w, h;

  pango_layout_get_pixel_size (layout, &w, &h);
  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (roundf (x - align * w), y));
  gtk_snapshot_append_layout (snapshot, layout, color);
  gtk_snapshot_restore (snapshot);
}

static void
snapshot_legend (TfHeadGrid  *self,
                 GtkSnapshot *snapshot,
                 const Layout *l,
                 const GdkRGBA *fg)
{
  GtkWidget *widget = GTK_WIDGET (self);
  float w = l->cell * self->heads;
  graphene_rect_t bar = GRAPHENE_RECT_INIT (l->x0, l->legend_y, w, LEGEND_BAR);
  GskColorStop stops[9];
  float text_y = l->legend_y + LEGEND_BAR + PAD / 2;

  if (ablation_mode (self))
    {
      float scale = ablation_scale (self->probe) * 100;
      g_autofree char *lo = NULL;
      g_autofree char *hi = NULL;

      for (int i = 0; i < 9; i++)
        {
          stops[i].offset = i / 8.0f;
          stops[i].color = diverging (i / 4.0f - 1);
        }
      /* TRANSLATORS: a change of probability in percentage points */
      lo = g_strdup_printf (_("−%.1f pts"), scale);
      hi = g_strdup_printf (_("+%.1f pts"), scale);
      gtk_snapshot_append_linear_gradient (snapshot, &bar,
                                           &GRAPHENE_POINT_INIT (bar.origin.x, 0),
                                           &GRAPHENE_POINT_INIT (bar.origin.x + w, 0),
                                           stops, G_N_ELEMENTS (stops));
      draw_text (widget, snapshot, lo, l->x0, text_y, 0, fg);
      draw_text (widget, snapshot, "0", l->x0 + w / 2, text_y, 0.5f, fg);
      draw_text (widget, snapshot, hi, l->x0 + w, text_y, 1, fg);
    }
  else
    {
      for (int i = 0; i < 9; i++)
        {
          stops[i].offset = i / 8.0f;
          stops[i].color = colormap_rgba (self->colormap, i / 8.0);
        }
      gtk_snapshot_append_linear_gradient (snapshot, &bar,
                                           &GRAPHENE_POINT_INIT (bar.origin.x, 0),
                                           &GRAPHENE_POINT_INIT (bar.origin.x + w, 0),
                                           stops, G_N_ELEMENTS (stops));
      draw_text (widget, snapshot, "0", l->x0, text_y, 0, fg);
      /* TRANSLATORS: the top of the colour scale: the largest contribution in a block */
      draw_text (widget, snapshot, _("block’s largest"), l->x0 + w, text_y, 1, fg);
    }
}

static void
tf_head_grid_snapshot (GtkWidget   *widget,
                       GtkSnapshot *snapshot)
{
  TfHeadGrid *self = TF_HEAD_GRID (widget);
  int width = gtk_widget_get_width (widget);
  GdkRGBA fg, dim;
  Layout l;

  tf_widget_get_fg (widget, &fg);
  dim = tf_rgba_fade (&fg, 0.6f);

  if (self->depth <= 0 || self->heads <= 0)
    {
      draw_text (widget, snapshot, _("No attention heads to show"), 0, 0, 0, &dim);
      return;
    }

  compute_layout (self, width, &l);

  for (int h = 0; h < self->heads; h++)
    {
      g_autofree char *label = g_strdup_printf ("%d", h + 1);

      draw_text (widget, snapshot, label, l.x0 + (h + 0.5f) * l.cell, 0, 0.5f, &dim);
    }
  for (int b = 0; b < self->depth; b++)
    {
      g_autofree char *label = g_strdup_printf ("%d", b + 1);

      draw_text (widget, snapshot, label, l.x0 - PAD, l.y0 + (b + 0.5f) * l.cell - l.line_h / 2, 1, &dim);
      for (int h = 0; h < self->heads; h++)
        {
          GdkRGBA c = cell_color (self, b, h);
          graphene_rect_t r = GRAPHENE_RECT_INIT (l.x0 + h * l.cell + CELL_GAP / 2,
                                                  l.y0 + b * l.cell + CELL_GAP / 2,
                                                  l.cell - CELL_GAP, l.cell - CELL_GAP);

          gtk_snapshot_append_color (snapshot, &c, &r);
        }
    }

  if (self->sel_block >= 0)
    {
      /* the theme's foreground, then a ring of its opposite inside, so the
       * outline shows on any cell colour; thicker while the grid has focus */
      float wide = gtk_widget_has_focus (widget) ? 3 : 2;
      graphene_rect_t r = GRAPHENE_RECT_INIT (l.x0 + self->sel_head * l.cell - 1,
                                              l.y0 + self->sel_block * l.cell - 1,
                                              l.cell + 2, l.cell + 2);
      GskRoundedRect outer, inner;
      float widths[4] = { wide, wide, wide, wide };
      float thin[4] = { 1, 1, 1, 1 };
      GdkRGBA colors[4] = { fg, fg, fg, fg };
      GdkRGBA back = { 1 - fg.red, 1 - fg.green, 1 - fg.blue, 1 };
      GdkRGBA backs[4] = { back, back, back, back };

      gsk_rounded_rect_init_from_rect (&outer, &r, 0);
      gtk_snapshot_append_border (snapshot, &outer, widths, colors);
      graphene_rect_inset (&r, wide, wide);
      gsk_rounded_rect_init_from_rect (&inner, &r, 0);
      gtk_snapshot_append_border (snapshot, &inner, thin, backs);
    }

  snapshot_legend (self, snapshot, &l, &dim);
}

static void
tf_head_grid_measure (GtkWidget      *widget,
                      GtkOrientation  orientation,
                      int             for_size,
                      int            *minimum,
                      int            *natural,
                      int            *minimum_baseline,
                      int            *natural_baseline)
{
  TfHeadGrid *self = TF_HEAD_GRID (widget);
  Layout l;

  *minimum_baseline = *natural_baseline = -1;
  if (self->depth <= 0 || self->heads <= 0)
    {
      int h, w = text_width (widget, _("No attention heads to show"), &h);

      *minimum = orientation == GTK_ORIENTATION_HORIZONTAL ? MIN (w, 120) : h;
      *natural = orientation == GTK_ORIENTATION_HORIZONTAL ? w : h;
      return;
    }

  compute_layout (self, -1, &l);
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = (int) ceilf (l.label_w + CELL_MIN * self->heads);
      *natural = (int) ceilf (l.label_w + CELL_NAT * self->heads);
    }
  else
    {
      compute_layout (self, for_size > 0 ? for_size : (int) (l.label_w + CELL_NAT * self->heads), &l);
      *minimum = *natural = (int) ceilf (l.height);
    }
}

static GtkSizeRequestMode
tf_head_grid_get_request_mode (GtkWidget *widget)
{
  (void) widget;
  return GTK_SIZE_REQUEST_HEIGHT_FOR_WIDTH;
}

gboolean
tf_head_grid_cell_at (TfHeadGrid *self,
                      double      x,
                      double      y,
                      int        *block,
                      int        *head)
{
  Layout l;
  int b, h;

  g_return_val_if_fail (TF_IS_HEAD_GRID (self), FALSE);

  if (self->depth <= 0 || self->heads <= 0)
    return FALSE;
  compute_layout (self, gtk_widget_get_width (GTK_WIDGET (self)), &l);
  if (x < l.x0 || y < l.y0)
    return FALSE;
  h = (int) ((x - l.x0) / l.cell);
  b = (int) ((y - l.y0) / l.cell);
  if (h >= self->heads || b >= self->depth)
    return FALSE;
  *block = b;
  *head = h;
  return TRUE;
}

gboolean
tf_head_grid_cell_rect (TfHeadGrid      *self,
                        int              block,
                        int              head,
                        graphene_rect_t *rect)
{
  Layout l;

  g_return_val_if_fail (TF_IS_HEAD_GRID (self), FALSE);

  if (block < 0 || block >= self->depth || head < 0 || head >= self->heads
      || gtk_widget_get_width (GTK_WIDGET (self)) <= 0)
    return FALSE;
  compute_layout (self, gtk_widget_get_width (GTK_WIDGET (self)), &l);
  graphene_rect_init (rect, l.x0 + head * l.cell, l.y0 + block * l.cell, l.cell, l.cell);
  return TRUE;
}

static char *
describe_cell (TfHeadGrid *self,
               int         block,
               int         head)
{
  const TfFaceProbe *p = self->probe;

  if (ablation_mode (self))
    {
      const char *name = p->class_names != NULL && (int) g_strv_length (p->class_names) > p->predicted
                         ? tf_class_display_name (p->class_names[p->predicted]) : "?";

      /* TRANSLATORS: block, head, class name, change in percentage points */
      return g_strdup_printf (_("Block %d, head %d: dropping it changes P(%s) by %+.2f points"),
                              block + 1, head + 1, name,
                              (double) ablation_delta (p, block, head) * 100.0);
    }
  if (p->head_contrib != NULL)
    return g_strdup_printf (_("Block %d, head %d: %.1f %% of the block’s class-token update"),
                            block + 1, head + 1,
                            (double) p->head_contrib[block * p->heads + head] * 100.0);
  return g_strdup_printf (_("Block %d, head %d"), block + 1, head + 1);
}

static void
update_accessible (TfHeadGrid *self)
{
  g_autofree char *label = NULL;
  g_autofree char *description = NULL;

  if (self->depth > 0)
    label = g_strdup_printf (ablation_mode (self)
                             /* TRANSLATORS: the head grid's accessible name */
                             ? _("Ablation of the attention heads, %d blocks by %d heads")
                             /* TRANSLATORS: the head grid's accessible name */
                             : _("Contribution of the attention heads, %d blocks by %d heads"),
                             self->depth, self->heads);
  else
    label = g_strdup (_("Attention heads"));
  if (self->sel_block >= 0)
    description = describe_cell (self, self->sel_block, self->sel_head);

  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, label,
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, description ? description : "",
                                  -1);
  gtk_accessible_update_relation (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_RELATION_ROW_COUNT, self->depth,
                                  GTK_ACCESSIBLE_RELATION_COL_COUNT, self->heads,
                                  -1);
}

static gboolean
tf_head_grid_query_tooltip (GtkWidget  *widget,
                            int         x,
                            int         y,
                            gboolean    keyboard,
                            GtkTooltip *tooltip)
{
  TfHeadGrid *self = TF_HEAD_GRID (widget);
  g_autofree char *text = NULL;
  graphene_rect_t r;
  int b, h;

  if (keyboard)
    {
      if (self->sel_block < 0)
        return FALSE;
      b = self->sel_block;
      h = self->sel_head;
    }
  else if (!tf_head_grid_cell_at (self, x, y, &b, &h))
    return FALSE;

  text = describe_cell (self, b, h);
  gtk_tooltip_set_text (tooltip, text);
  if (tf_head_grid_cell_rect (self, b, h, &r))
    gtk_tooltip_set_tip_area (tooltip, &(GdkRectangle) { (int) r.origin.x, (int) r.origin.y,
                                                         (int) r.size.width, (int) r.size.height });
  return TRUE;
}

static void
emit_selected (TfHeadGrid *self)
{
  if (self->sel_block >= 0)
    g_signal_emit (self, signals[HEAD_SELECTED], 0, self->sel_block, self->sel_head);
}

void
tf_head_grid_click (TfHeadGrid *self,
                    double      x,
                    double      y)
{
  int b, h;

  g_return_if_fail (TF_IS_HEAD_GRID (self));

  if (!tf_head_grid_cell_at (self, x, y, &b, &h))
    return;
  tf_head_grid_select (self, b, h);
  emit_selected (self);
}

static void
on_pressed_cb (GtkGestureClick *gesture,
               int              n_press,
               double           x,
               double           y,
               TfHeadGrid      *self)
{
  (void) gesture;
  (void) n_press;

  gtk_widget_grab_focus (GTK_WIDGET (self));
  tf_head_grid_click (self, x, y);
}

static void
move_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  TfHeadGrid *self = TF_HEAD_GRID (widget);
  int db, dh;

  (void) action_name;
  if (self->depth <= 0 || self->heads <= 0)
    return;
  g_variant_get (parameter, "(ii)", &db, &dh);
  if (self->sel_block < 0)
    tf_head_grid_select (self, 0, 0);
  else
    tf_head_grid_select (self,
                         CLAMP (self->sel_block + db, 0, self->depth - 1),
                         CLAMP (self->sel_head + dh, 0, self->heads - 1));
}

static void
activate_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  TfHeadGrid *self = TF_HEAD_GRID (widget);

  (void) action_name;
  (void) parameter;
  if (self->depth > 0 && self->sel_block < 0)
    tf_head_grid_select (self, 0, 0);
  emit_selected (self);
}

static void
tf_head_grid_focus_changed (TfHeadGrid *self)
{
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
tf_head_grid_dispose (GObject *object)
{
  TfHeadGrid *self = TF_HEAD_GRID (object);

  g_clear_pointer (&self->probe, tf_face_probe_unref);

  G_OBJECT_CLASS (tf_head_grid_parent_class)->dispose (object);
}

static void
add_move_binding (GtkWidgetClass *widget_class,
                  guint           key,
                  guint           kp_key,
                  int             db,
                  int             dh)
{
  gtk_widget_class_add_binding_action (widget_class, key, 0, "grid.move", "(ii)", db, dh);
  gtk_widget_class_add_binding_action (widget_class, kp_key, 0, "grid.move", "(ii)", db, dh);
}

static void
tf_head_grid_class_init (TfHeadGridClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tf_head_grid_dispose;
  widget_class->snapshot = tf_head_grid_snapshot;
  widget_class->measure = tf_head_grid_measure;
  widget_class->get_request_mode = tf_head_grid_get_request_mode;
  widget_class->query_tooltip = tf_head_grid_query_tooltip;

  /**
   * TfHeadGrid::head-selected:
   * @block: the block (row), from 0
   * @head: the head (column), from 0
   *
   * A head was chosen: clicked, or activated with Enter or Space.
   */
  signals[HEAD_SELECTED] = g_signal_new ("head-selected",
                                         G_TYPE_FROM_CLASS (klass),
                                         G_SIGNAL_RUN_LAST,
                                         0, NULL, NULL, NULL,
                                         G_TYPE_NONE, 2, G_TYPE_INT, G_TYPE_INT);

  gtk_widget_class_install_action (widget_class, "grid.move", "(ii)", move_action);
  gtk_widget_class_install_action (widget_class, "grid.activate", NULL, activate_action);
  add_move_binding (widget_class, GDK_KEY_Up, GDK_KEY_KP_Up, -1, 0);
  add_move_binding (widget_class, GDK_KEY_Down, GDK_KEY_KP_Down, 1, 0);
  add_move_binding (widget_class, GDK_KEY_Left, GDK_KEY_KP_Left, 0, -1);
  add_move_binding (widget_class, GDK_KEY_Right, GDK_KEY_KP_Right, 0, 1);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Return, 0, "grid.activate", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Enter, 0, "grid.activate", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_space, 0, "grid.activate", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Space, 0, "grid.activate", NULL);

  gtk_widget_class_set_css_name (widget_class, "tf-head-grid");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GRID);
}

static void
tf_head_grid_init (TfHeadGrid *self)
{
  GtkGesture *click = gtk_gesture_click_new ();
  GtkEventController *focus = gtk_event_controller_focus_new ();

  self->colormap = TF_COLORMAP_VIRIDIS;
  self->sel_block = self->sel_head = -1;

  gtk_widget_set_focusable (GTK_WIDGET (self), TRUE);
  gtk_widget_set_has_tooltip (GTK_WIDGET (self), TRUE);

  g_signal_connect (click, "pressed", G_CALLBACK (on_pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (click));
  g_signal_connect_swapped (focus, "enter", G_CALLBACK (tf_head_grid_focus_changed), self);
  g_signal_connect_swapped (focus, "leave", G_CALLBACK (tf_head_grid_focus_changed), self);
  gtk_widget_add_controller (GTK_WIDGET (self), focus);

  update_accessible (self);
}

GtkWidget *
tf_head_grid_new (void)
{
  return g_object_new (TF_TYPE_HEAD_GRID, NULL);
}

void
tf_head_grid_set_probe (TfHeadGrid  *self,
                        TfFaceProbe *probe)
{
  int depth = 0, heads = 0;

  g_return_if_fail (TF_IS_HEAD_GRID (self));

  if (probe != NULL)
    tf_face_probe_ref (probe);
  g_clear_pointer (&self->probe, tf_face_probe_unref);
  self->probe = probe;

  if (probe != NULL && probe->depth > 0 && probe->heads > 0
      && (probe->head_contrib != NULL || probe->ablation != NULL))
    {
      depth = probe->depth;
      heads = probe->heads;
    }
  /* the selection stays where it still exists (the next face, same model) */
  if (depth != self->depth || heads != self->heads)
    self->sel_block = self->sel_head = -1;
  self->depth = depth;
  self->heads = heads;

  update_accessible (self);
  gtk_widget_queue_resize (GTK_WIDGET (self));
}

void
tf_head_grid_set_show_ablation (TfHeadGrid *self,
                                gboolean    ablation)
{
  g_return_if_fail (TF_IS_HEAD_GRID (self));

  ablation = !!ablation;
  if (ablation == self->show_ablation)
    return;
  self->show_ablation = ablation;
  update_accessible (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
tf_head_grid_set_colormap (TfHeadGrid *self,
                           TfColormap  map)
{
  g_return_if_fail (TF_IS_HEAD_GRID (self));
  g_return_if_fail ((int) map >= 0 && map < TF_N_COLORMAPS);

  self->colormap = map;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

gboolean
tf_head_grid_get_selected (TfHeadGrid *self,
                           int        *block,
                           int        *head)
{
  g_return_val_if_fail (TF_IS_HEAD_GRID (self), FALSE);

  if (self->sel_block < 0)
    return FALSE;
  if (block != NULL)
    *block = self->sel_block;
  if (head != NULL)
    *head = self->sel_head;
  return TRUE;
}

/* Moves the selection without emitting "head-selected"; out of range (or
 * -1) clears it. */
void
tf_head_grid_select (TfHeadGrid *self,
                     int         block,
                     int         head)
{
  g_return_if_fail (TF_IS_HEAD_GRID (self));

  if (block < 0 || block >= self->depth || head < 0 || head >= self->heads)
    block = head = -1;
  if (block == self->sel_block && head == self->sel_head)
    return;
  self->sel_block = block;
  self->sel_head = head;
  update_accessible (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
tf_head_grid_get_shape (TfHeadGrid *self,
                        int        *blocks,
                        int        *heads)
{
  g_return_if_fail (TF_IS_HEAD_GRID (self));

  if (blocks != NULL)
    *blocks = self->depth;
  if (heads != NULL)
    *heads = self->heads;
}
