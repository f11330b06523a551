/* SPDX-License-Identifier: GPL-3.0-or-later */
/* TfAttentionOverlay: the aligned face the model saw, with one of its
 * attention maps over it. The g x g map is upsampled bilinearly (pixel
 * centres, edges clamped, as torch's align_corners=False) into a texture of
 * HEAT_SCALE pixels per cell, coloured by the colour map after normalising
 * the map to its own min..max; the renderer then scales that texture
 * smoothly to the widget. The texture is built only when the data, the map
 * chosen or the colour map change: opacity is a render-time opacity node, so
 * dragging the opacity slider costs nothing.
 *
 * The occluder: a rectangle (in fractions of the crop side) drawn grey or
 * blurred over the face; while "occluding" is on, pressing puts it under
 * the pointer and dragging moves it ("occluder-moved", with its centre;
 * "occluder-released" at the end). The owner decides what it hides. */
#include <glib/gi18n.h>
#include <math.h>

#include "tf-attention-overlay.h"
#include "tf-widgets-private.h"

#define HEAT_SCALE     16       /* texture pixels per grid cell */
#define HEAT_MAX_SIDE  512
#define MIN_SIDE       64
#define NAT_SIDE       320
#define MAX_SIDE       480      /* the face is not drawn larger than this */
#define CORNER_RADIUS  8.0f

struct _TfAttentionOverlay
{
  GtkWidget      parent_instance;

  TfFaceProbe   *probe;
  TfOverlayKind  kind;
  int            index;         /* LANet, or block */
  int            head;
  double         opacity;
  TfColormap     colormap;
  gboolean       as_model;      /* the crop as the model reads it (grayscale) */

  GdkTexture    *heat;          /* NULL: to build on the next frame */
  guint          builds;

  gboolean        occluding;    /* drags move the occluder */
  gboolean        has_occluder;
  graphene_rect_t occluder;     /* fractions of the crop side */
  gboolean        occluder_blur;
  double          drag_x, drag_y;
};

enum
{
  OCCLUDER_MOVED,
  OCCLUDER_RELEASED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (TfAttentionOverlay, tf_attention_overlay, GTK_TYPE_WIDGET)

/* The map to draw for the current kind, or NULL (not computed, or out of
 * range). */
static const float *
current_map_grid (TfAttentionOverlay *self,
                  int                *grid)
{
  const TfFaceProbe *p = self->probe;
  int gg;

  if (p != NULL && self->kind == TF_OVERLAY_OCCLUSION)
    {
      /* its own grid: the places of the occluding patch */
      *grid = p->occlusion_grid;
      return p->occlusion_grid > 0 ? p->occlusion_map : NULL;
    }
  if (p == NULL || p->grid <= 0)
    return NULL;
  gg = p->grid * p->grid;
  *grid = p->grid;

  switch (self->kind)
    {
    case TF_OVERLAY_LANET:
      if (p->lanet_maps == NULL || self->index < 0 || self->index >= p->lanets)
        return NULL;
      return p->lanet_maps + (gsize) self->index * gg;
    case TF_OVERLAY_LANET_MAX:
      return p->lanet_max;
    case TF_OVERLAY_ROLLOUT:
      return p->rollout;
    case TF_OVERLAY_HEAD:
      if (p->cls_attn == NULL || self->index < 0 || self->index >= p->depth
          || self->head < 0 || self->head >= p->heads)
        return NULL;
      return p->cls_attn + ((gsize) self->index * p->heads + self->head) * gg;
    case TF_OVERLAY_NONE:
    case TF_OVERLAY_OCCLUSION:
    default:
      return NULL;
    }
}

static const float *
current_map (TfAttentionOverlay *self)
{
  int grid;

  return current_map_grid (self, &grid);
}

/* Per output pixel along one axis: the two grid cells and the weight of the
 * second, sampling at pixel centres and clamping at the edges. */
static void
bilinear_axis (int    out,
               int    g,
               int   *i0,
               int   *i1,
               float *w1)
{
  for (int x = 0; x < out; x++)
    {
      double gx = (x + 0.5) * g / out - 0.5;
      int lo;

      if (gx < 0)
        gx = 0;
      if (gx > g - 1)
        gx = g - 1;
      lo = (int) floor (gx);
      i0[x] = lo;
      i1[x] = MIN (lo + 1, g - 1);
      w1[x] = (float) (gx - lo);
    }
}

guint8 *
tf_attention_heat_rgb (const float *map,
                       int          g,
                       TfColormap   colormap,
                       int          side)
{
  gsize stride = (gsize) side * 3;
  g_autofree int *i0 = g_new (int, side);
  g_autofree int *i1 = g_new (int, side);
  g_autofree float *w1 = g_new (float, side);
  uint8_t lut[256][3];
  guint8 *pixels;
  float lo = INFINITY, hi = -INFINITY, scale;

  for (int i = 0; i < g * g; i++)
    if (isfinite (map[i]))
      {
        lo = MIN (lo, map[i]);
        hi = MAX (hi, map[i]);
      }
  /* a flat (or empty) map shows as the bottom of the colour map */
  scale = (isfinite (lo) && hi - lo > 1e-12f) ? 1.0f / (hi - lo) : 0.0f;
  if (!isfinite (lo))
    lo = 0;

  for (int i = 0; i < 256; i++)
    tf_colormap_lookup (colormap, i / 255.0, lut[i]);
  bilinear_axis (side, g, i0, i1, w1);

  pixels = g_malloc (stride * side);
  for (int y = 0; y < side; y++)
    {
      const float *r0 = map + (gsize) i0[y] * g;
      const float *r1 = map + (gsize) i1[y] * g;
      float wy = w1[y];
      guint8 *row = pixels + (gsize) y * stride;

      for (int x = 0; x < side; x++)
        {
          float a = r0[i0[x]], b = r0[i1[x]], c = r1[i0[x]], d = r1[i1[x]];
          float top, bottom, v, t;
          int level;

          if (!isfinite (a)) a = lo;
          if (!isfinite (b)) b = lo;
          if (!isfinite (c)) c = lo;
          if (!isfinite (d)) d = lo;
          top = a + (b - a) * w1[x];
          bottom = c + (d - c) * w1[x];
          v = top + (bottom - top) * wy;
          t = (v - lo) * scale;
          level = (int) lrintf (CLAMP (t, 0.0f, 1.0f) * 255.0f);
          row[3 * x + 0] = lut[level][0];
          row[3 * x + 1] = lut[level][1];
          row[3 * x + 2] = lut[level][2];
        }
    }
  return pixels;
}

static GdkTexture *
build_heat (const float *map,
            int          g,
            TfColormap   colormap)
{
  int side = tf_attention_heat_side (g);
  gsize stride = (gsize) side * 3;
  g_autoptr (GBytes) bytes = g_bytes_new_take (tf_attention_heat_rgb (map, g, colormap, side),
                                               stride * side);

  return gdk_memory_texture_new (side, side, GDK_MEMORY_R8G8B8, bytes, stride);
}

int
tf_attention_heat_side (int g)
{
  return CLAMP (g * HEAT_SCALE, 2, HEAT_MAX_SIDE);
}

static char *
describe (TfAttentionOverlay *self)
{
  if (self->probe == NULL)
    return g_strdup (_("No face selected"));
  if (current_map (self) == NULL)
    return g_strdup (_("Aligned face"));

  switch (self->kind)
    {
    case TF_OVERLAY_LANET:
      return g_strdup_printf (_("Aligned face with LANet %d attention"), self->index + 1);
    case TF_OVERLAY_LANET_MAX:
      return g_strdup (_("Aligned face with the maximum of the LANet attention maps"));
    case TF_OVERLAY_ROLLOUT:
      return g_strdup (_("Aligned face with the attention rollout"));
    case TF_OVERLAY_HEAD:
      return g_strdup_printf (_("Aligned face with the class-token attention of block %d, head %d"),
                              self->index + 1, self->head + 1);
    case TF_OVERLAY_OCCLUSION:
      return g_strdup (_("Aligned face with its occlusion sensitivity: how much hiding each place "
                         "lowers the prediction"));
    case TF_OVERLAY_NONE:
    default:
      return g_strdup (_("Aligned face"));
    }
}

/* after anything that changes what is drawn */
static void
update (TfAttentionOverlay *self,
        gboolean            rebuild)
{
  g_autofree char *label = describe (self);

  if (rebuild)
    g_clear_object (&self->heat);

  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, label,
                                  -1);
  if (current_map (self) != NULL)
    {
      g_autofree char *tip = NULL;

      /* TRANSLATORS: %s is a colour map name such as "viridis" */
      tip = g_strdup_printf (_("%s. Colours span this map's own range, from its lowest value "
                               "(start of the %s colour map) to its highest (end)."),
                             label, tf_colormap_to_string (self->colormap));
      gtk_widget_set_tooltip_text (GTK_WIDGET (self), tip);
    }
  else
    gtk_widget_set_tooltip_text (GTK_WIDGET (self), NULL);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

gboolean
tf_attention_overlay_get_face_rect (TfAttentionOverlay *self,
                                    graphene_rect_t    *rect)
{
  int w, h;
  float side;

  g_return_val_if_fail (TF_IS_ATTENTION_OVERLAY (self), FALSE);

  w = gtk_widget_get_width (GTK_WIDGET (self));
  h = gtk_widget_get_height (GTK_WIDGET (self));
  side = (float) MIN (MIN (w, h), MAX_SIDE);
  if (side <= 0)
    return FALSE;
  graphene_rect_init (rect, floorf ((w - side) / 2), floorf ((h - side) / 2), side, side);
  return TRUE;
}

guint
tf_attention_overlay_get_builds (TfAttentionOverlay *self)
{
  g_return_val_if_fail (TF_IS_ATTENTION_OVERLAY (self), 0);

  return self->builds;
}

static void
snapshot_placeholder (TfAttentionOverlay *self,
                      GtkSnapshot        *snapshot,
                      const graphene_rect_t *rect)
{
  g_autoptr (PangoLayout) layout = NULL;
  GdkRGBA fg, c;
  int tw, th;

  tf_widget_get_fg (GTK_WIDGET (self), &fg);
  c = tf_rgba_fade (&fg, 0.08f);
  gtk_snapshot_append_color (snapshot, &c, rect);

  layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), _("No face selected"));
  pango_layout_set_width (layout, (int) (rect->size.width - 16) * PANGO_SCALE);
  pango_layout_set_alignment (layout, PANGO_ALIGN_CENTER);
  pango_layout_set_wrap (layout, PANGO_WRAP_WORD_CHAR);
  pango_layout_get_pixel_size (layout, &tw, &th);
  c = tf_rgba_fade (&fg, 0.55f);
  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot,
                          &GRAPHENE_POINT_INIT (rect->origin.x + 8,
                                                rect->origin.y + (rect->size.height - th) / 2));
  gtk_snapshot_append_layout (snapshot, layout, &c);
  gtk_snapshot_restore (snapshot);
}

/* the crop, in grayscale when it is shown as a grayscale model reads it
 * (the luma weights of tf_image_to_input) */
static void
snapshot_crop (TfAttentionOverlay    *self,
               GtkSnapshot           *snapshot,
               const graphene_rect_t *rect)
{
  gboolean gray = tf_attention_overlay_get_shows_gray (self);

  if (gray)
    {
      graphene_matrix_t luma;
      const float r = 0.299f, g = 0.587f, b = 0.114f;

      /* graphene's rows are the input channels, its columns the outputs */
      graphene_matrix_init_from_float (&luma, (float[16]) { r, r, r, 0,
                                                            g, g, g, 0,
                                                            b, b, b, 0,
                                                            0, 0, 0, 1 });
      gtk_snapshot_push_color_matrix (snapshot, &luma, graphene_vec4_zero ());
    }
  gtk_snapshot_append_texture (snapshot, self->probe->crop, rect);
  if (gray)
    gtk_snapshot_pop (snapshot);
}

/* the occluder over the face, clipped to it: mid grey, or the crop blurred
 * there, with an outline so that it shows on any face */
static void
snapshot_occluder (TfAttentionOverlay    *self,
                   GtkSnapshot           *snapshot,
                   const graphene_rect_t *face)
{
  graphene_rect_t r, shown;
  GskRoundedRect outline;
  const GdkRGBA edge[4] = { { 1, 1, 1, 0.9f }, { 1, 1, 1, 0.9f }, { 1, 1, 1, 0.9f }, { 1, 1, 1, 0.9f } };
  const float widths[4] = { 2, 2, 2, 2 };

  if (!self->has_occluder)
    return;
  graphene_rect_init (&r, face->origin.x + self->occluder.origin.x * face->size.width,
                      face->origin.y + self->occluder.origin.y * face->size.height,
                      self->occluder.size.width * face->size.width,
                      self->occluder.size.height * face->size.height);
  if (!graphene_rect_intersection (&r, face, &shown))
    return;
  gtk_snapshot_push_clip (snapshot, &shown);
  if (self->occluder_blur && self->probe->crop != NULL)
    {
      gtk_snapshot_push_blur (snapshot, face->size.width / 14);
      snapshot_crop (self, snapshot, face);
      gtk_snapshot_pop (snapshot);
    }
  else
    gtk_snapshot_append_color (snapshot, &(GdkRGBA) { 0.5f, 0.5f, 0.5f, 1 }, &shown);
  gtk_snapshot_pop (snapshot);
  gsk_rounded_rect_init_from_rect (&outline, &shown, 0);
  gtk_snapshot_append_border (snapshot, &outline, widths, edge);
}

static void
tf_attention_overlay_snapshot (GtkWidget   *widget,
                               GtkSnapshot *snapshot)
{
  TfAttentionOverlay *self = TF_ATTENTION_OVERLAY (widget);
  int grid = 0;
  const float *map = current_map_grid (self, &grid);
  graphene_rect_t rect;
  GskRoundedRect clip;

  if (!tf_attention_overlay_get_face_rect (self, &rect))
    return;

  gsk_rounded_rect_init_from_rect (&clip, &rect, CORNER_RADIUS);
  gtk_snapshot_push_rounded_clip (snapshot, &clip);

  if (self->probe == NULL || (self->probe->crop == NULL && map == NULL))
    snapshot_placeholder (self, snapshot, &rect);
  else
    {
      if (self->probe->crop != NULL)
        snapshot_crop (self, snapshot, &rect);
      else
        gtk_snapshot_append_color (snapshot, &(GdkRGBA) { 0, 0, 0, 1 }, &rect);

      if (map != NULL && self->opacity > 0)
        {
          if (self->heat == NULL)
            {
              self->heat = build_heat (map, grid, self->colormap);
              self->builds++;
            }
          gtk_snapshot_push_opacity (snapshot, self->opacity);
          gtk_snapshot_append_texture (snapshot, self->heat, &rect);
          gtk_snapshot_pop (snapshot);
        }
      snapshot_occluder (self, snapshot, &rect);
    }

  gtk_snapshot_pop (snapshot);
}

/* the drag, in fractions of the crop */
static gboolean
to_crop (TfAttentionOverlay *self,
         double              x,
         double              y,
         double             *fx,
         double             *fy)
{
  graphene_rect_t face;

  if (!tf_attention_overlay_get_face_rect (self, &face))
    return FALSE;
  *fx = (x - face.origin.x) / face.size.width;
  *fy = (y - face.origin.y) / face.size.height;
  return TRUE;
}

static void
on_drag_begin_cb (GtkGestureDrag     *gesture,
                  double              x,
                  double              y,
                  TfAttentionOverlay *self)
{
  double fx, fy;

  if (!self->occluding || self->probe == NULL || !to_crop (self, x, y, &fx, &fy))
    {
      gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_DENIED);
      return;
    }
  gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
  self->drag_x = x;
  self->drag_y = y;
  g_signal_emit (self, signals[OCCLUDER_MOVED], 0, fx, fy);
}

static void
on_drag_update_cb (GtkGestureDrag     *gesture,
                   double              dx,
                   double              dy,
                   TfAttentionOverlay *self)
{
  double fx, fy;

  (void) gesture;
  if (self->occluding && to_crop (self, self->drag_x + dx, self->drag_y + dy, &fx, &fy))
    g_signal_emit (self, signals[OCCLUDER_MOVED], 0, fx, fy);
}

static void
on_drag_end_cb (GtkGestureDrag     *gesture,
                double              dx,
                double              dy,
                TfAttentionOverlay *self)
{
  (void) gesture;
  (void) dx;
  (void) dy;
  g_signal_emit (self, signals[OCCLUDER_RELEASED], 0);
}

static void
tf_attention_overlay_measure (GtkWidget      *widget,
                              GtkOrientation  orientation,
                              int             for_size,
                              int            *minimum,
                              int            *natural,
                              int            *minimum_baseline,
                              int            *natural_baseline)
{
  (void) widget;
  (void) orientation;

  /* square: as tall as it is wide, within bounds */
  if (for_size > 0)
    {
      *minimum = MIN (for_size, MIN_SIDE * 3);
      *natural = MIN (for_size, MAX_SIDE);
    }
  else
    {
      *minimum = MIN_SIDE;
      *natural = NAT_SIDE;
    }
  *minimum_baseline = *natural_baseline = -1;
}

static GtkSizeRequestMode
tf_attention_overlay_get_request_mode (GtkWidget *widget)
{
  (void) widget;
  return GTK_SIZE_REQUEST_HEIGHT_FOR_WIDTH;
}

static void
tf_attention_overlay_dispose (GObject *object)
{
  TfAttentionOverlay *self = TF_ATTENTION_OVERLAY (object);

  g_clear_pointer (&self->probe, tf_face_probe_unref);
  g_clear_object (&self->heat);

  G_OBJECT_CLASS (tf_attention_overlay_parent_class)->dispose (object);
}

static void
tf_attention_overlay_class_init (TfAttentionOverlayClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tf_attention_overlay_dispose;
  widget_class->snapshot = tf_attention_overlay_snapshot;
  widget_class->measure = tf_attention_overlay_measure;
  widget_class->get_request_mode = tf_attention_overlay_get_request_mode;

  /**
   * TfAttentionOverlay::occluder-moved:
   * @x: the pointer, in fractions of the crop's width (outside 0..1: off it)
   * @y: and of its height
   *
   * While occluding, the person pressed or dragged over the face.
   */
  signals[OCCLUDER_MOVED] = g_signal_new ("occluder-moved", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                          0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_DOUBLE, G_TYPE_DOUBLE);
  /**
   * TfAttentionOverlay::occluder-released:
   *
   * The drag that moved the occluder ended.
   */
  signals[OCCLUDER_RELEASED] = g_signal_new ("occluder-released", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                             0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_css_name (widget_class, "tf-attention-overlay");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
tf_attention_overlay_init (TfAttentionOverlay *self)
{
  self->kind = TF_OVERLAY_LANET_MAX;
  self->opacity = 0.6;
  self->colormap = TF_COLORMAP_VIRIDIS;
  update (self, TRUE);

  {
    GtkGesture *drag = gtk_gesture_drag_new ();
    gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (drag), GDK_BUTTON_PRIMARY);
    g_signal_connect (drag, "drag-begin", G_CALLBACK (on_drag_begin_cb), self);
    g_signal_connect (drag, "drag-update", G_CALLBACK (on_drag_update_cb), self);
    g_signal_connect (drag, "drag-end", G_CALLBACK (on_drag_end_cb), self);
    gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drag));
  }
}

GtkWidget *
tf_attention_overlay_new (void)
{
  return g_object_new (TF_TYPE_ATTENTION_OVERLAY, NULL);
}

void
tf_attention_overlay_set_probe (TfAttentionOverlay *self,
                                TfFaceProbe        *probe)
{
  g_return_if_fail (TF_IS_ATTENTION_OVERLAY (self));

  if (probe == self->probe)
    return;
  if (probe != NULL)
    tf_face_probe_ref (probe);
  g_clear_pointer (&self->probe, tf_face_probe_unref);
  self->probe = probe;
  update (self, TRUE);
}

void
tf_attention_overlay_set_kind (TfAttentionOverlay *self,
                               TfOverlayKind       kind,
                               int                 index,
                               int                 head)
{
  g_return_if_fail (TF_IS_ATTENTION_OVERLAY (self));
  g_return_if_fail (kind >= TF_OVERLAY_NONE && kind <= TF_OVERLAY_OCCLUSION);

  if (kind != TF_OVERLAY_LANET && kind != TF_OVERLAY_HEAD)
    index = 0;
  if (kind != TF_OVERLAY_HEAD)
    head = 0;
  if (kind == self->kind && index == self->index && head == self->head)
    return;
  self->kind = kind;
  self->index = index;
  self->head = head;
  update (self, TRUE);
}

TfOverlayKind
tf_attention_overlay_get_kind (TfAttentionOverlay *self)
{
  g_return_val_if_fail (TF_IS_ATTENTION_OVERLAY (self), TF_OVERLAY_NONE);

  return self->kind;
}

void
tf_attention_overlay_set_opacity (TfAttentionOverlay *self,
                                  double              opacity)
{
  g_return_if_fail (TF_IS_ATTENTION_OVERLAY (self));

  opacity = CLAMP (opacity, 0.0, 1.0);
  if (opacity == self->opacity)
    return;
  self->opacity = opacity;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
tf_attention_overlay_set_colormap (TfAttentionOverlay *self,
                                   TfColormap          map)
{
  g_return_if_fail (TF_IS_ATTENTION_OVERLAY (self));
  g_return_if_fail ((int) map >= 0 && map < TF_N_COLORMAPS);

  if (map == self->colormap)
    return;
  self->colormap = map;
  update (self, TRUE);
}

void
tf_attention_overlay_get_index (TfAttentionOverlay *self,
                                int                *index,
                                int                *head)
{
  g_return_if_fail (TF_IS_ATTENTION_OVERLAY (self));

  if (index != NULL)
    *index = self->index;
  if (head != NULL)
    *head = self->head;
}

void
tf_attention_overlay_set_as_model (TfAttentionOverlay *self,
                                   gboolean            as_model)
{
  g_return_if_fail (TF_IS_ATTENTION_OVERLAY (self));

  as_model = !!as_model;
  if (as_model == self->as_model)
    return;
  self->as_model = as_model;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

gboolean
tf_attention_overlay_get_as_model (TfAttentionOverlay *self)
{
  g_return_val_if_fail (TF_IS_ATTENTION_OVERLAY (self), FALSE);
  return self->as_model;
}

gboolean
tf_attention_overlay_get_shows_gray (TfAttentionOverlay *self)
{
  g_return_val_if_fail (TF_IS_ATTENTION_OVERLAY (self), FALSE);
  return self->as_model && self->probe != NULL && self->probe->input_gray;
}

void
tf_attention_overlay_set_occluding (TfAttentionOverlay *self,
                                    gboolean            occluding)
{
  g_return_if_fail (TF_IS_ATTENTION_OVERLAY (self));

  self->occluding = !!occluding;
  if (self->occluding)
    gtk_widget_set_cursor_from_name (GTK_WIDGET (self), "crosshair");
  else
    gtk_widget_set_cursor (GTK_WIDGET (self), NULL);
}

void
tf_attention_overlay_set_occluder (TfAttentionOverlay *self,
                                   const double       *rect,
                                   gboolean            blur)
{
  g_return_if_fail (TF_IS_ATTENTION_OVERLAY (self));

  self->has_occluder = rect != NULL;
  if (rect != NULL)
    graphene_rect_init (&self->occluder, (float) rect[0], (float) rect[1], (float) rect[2], (float) rect[3]);
  self->occluder_blur = !!blur;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}
