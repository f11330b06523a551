/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gi18n.h>
#include <math.h>

#include "tf-media.h"
#include "tf-photo-view.h"

/* the largest side kept for display: bigger photos are downscaled once,
 * in the decoding thread */
#define MAX_DISPLAY_SIDE 4096

struct _TfPhotoView
{
  GtkWidget     parent_instance;

  char         *file;
  GdkTexture   *texture;
  int           image_width, image_height;  /* the frame the faces are in */
  char         *error;                      /* why the photo cannot be shown */
  GPtrArray    *faces;                      /* TfFaceProbe */
  int           selected;
  GCancellable *cancellable;
};

G_DEFINE_FINAL_TYPE (TfPhotoView, tf_photo_view, GTK_TYPE_WIDGET)

enum
{
  FACE_SELECTED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

typedef struct
{
  GdkTexture *texture;
  int         width, height;
} Decoded;

static void
decoded_free (gpointer data)
{
  Decoded *d = data;

  g_clear_object (&d->texture);
  g_free (d);
}

/* ---- decoding (in a worker thread) --------------------------------------- */

static void
decode_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  const char *path = task_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  Decoded *d = g_new0 (Decoded, 1);
  int width = 0, height = 0, stride = 0;
  guint8 *rgb;

  /* decoded by the reader the analysis uses, so the boxes fall where the
   * faces were found */
  rgb = tf_media_read_picture (path, &width, &height, &stride, &error);
  if (rgb == NULL)
    {
      decoded_free (d);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  d->width = width;
  d->height = height;
  bytes = g_bytes_new_take (rgb, (gsize) height * (gsize) stride);
  if (MAX (width, height) > MAX_DISPLAY_SIDE)
    {
      g_autoptr(GdkPixbuf) full = gdk_pixbuf_new_from_bytes (bytes, GDK_COLORSPACE_RGB, FALSE, 8,
                                                             width, height, stride);
      double s = (double) MAX_DISPLAY_SIDE / MAX (width, height);
      g_autoptr(GdkPixbuf) small = gdk_pixbuf_scale_simple (full, MAX (1, (int) (width * s)),
                                                            MAX (1, (int) (height * s)),
                                                            GDK_INTERP_BILINEAR);
      d->texture = gdk_texture_new_for_pixbuf (small);
    }
  else
    d->texture = gdk_memory_texture_new (width, height, GDK_MEMORY_R8G8B8, bytes, (gsize) stride);
  g_task_return_pointer (task, d, decoded_free);
}

/* ---- helpers ------------------------------------------------------------- */

/* where the image lies in the widget: scale and offset */
static gboolean
image_rect (TfPhotoView *self,
            double      *scale,
            double      *x0,
            double      *y0)
{
  int width = gtk_widget_get_width (GTK_WIDGET (self));
  int height = gtk_widget_get_height (GTK_WIDGET (self));

  if (self->image_width <= 0 || self->image_height <= 0 || width <= 0 || height <= 0)
    return FALSE;
  /* fit, and never blow a small photo up more than 4x */
  *scale = MIN (MIN ((double) width / self->image_width, (double) height / self->image_height), 4.0);
  *x0 = floor ((width - self->image_width * *scale) / 2);
  *y0 = floor ((height - self->image_height * *scale) / 2);
  return TRUE;
}

static char *
face_label (TfFaceProbe *probe)
{
  if (probe->probs == NULL || probe->class_names == NULL
      || probe->predicted < 0 || probe->predicted >= probe->classes)
    return g_strdup (_("Face"));
  /* TRANSLATORS: a face's predicted expression and its probability */
  return g_strdup_printf (_("%s %.0f %%"), probe->class_names[probe->predicted],
                          100.0 * probe->probs[probe->predicted]);
}

static void
update_accessible (TfPhotoView *self)
{
  g_autoptr(GString) text = g_string_new (NULL);
  g_autofree char *name = self->file ? g_filename_display_basename (self->file) : NULL;

  g_string_append (text, name ? name : _("No photo"));
  if (self->faces->len == 0)
    g_string_append_printf (text, ", %s", _("no faces"));
  for (guint i = 0; i < self->faces->len; i++)
    {
      g_autofree char *label = face_label (g_ptr_array_index (self->faces, i));
      g_string_append_printf (text, ", %s", label);
    }
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, text->str,
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                  _("Use the arrow keys to choose a face"),
                                  -1);
}

static void
rounded_rect (cairo_t *cr,
              double   x,
              double   y,
              double   w,
              double   h,
              double   r)
{
  cairo_new_sub_path (cr);
  cairo_arc (cr, x + w - r, y + r, r, -G_PI / 2, 0);
  cairo_arc (cr, x + w - r, y + h - r, r, 0, G_PI / 2);
  cairo_arc (cr, x + r, y + h - r, r, G_PI / 2, G_PI);
  cairo_arc (cr, x + r, y + r, r, G_PI, 3 * G_PI / 2);
  cairo_close_path (cr);
}

static void
draw_face (TfPhotoView *self,
           cairo_t     *cr,
           TfFaceProbe *probe,
           gboolean     selected,
           gboolean     focused,
           double       s,
           double       x0,
           double       y0)
{
  g_autofree char *text = face_label (probe);
  PangoLayout *layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), text);
  double x = x0 + probe->box[0] * s, y = y0 + probe->box[1] * s;
  double w = probe->box[2] * s, h = probe->box[3] * s;
  /* the accent blue of the GNOME palette for the chosen face, white for the others */
  double r = selected ? 0.21 : 1, g = selected ? 0.52 : 1, b = selected ? 0.89 : 1;
  int tw, th;

  /* box: a dark halo keeps it visible on light photos */
  cairo_set_line_width (cr, selected ? 5 : 4);
  cairo_set_source_rgba (cr, 0, 0, 0, 0.5);
  cairo_rectangle (cr, x, y, w, h);
  cairo_stroke (cr);
  cairo_set_line_width (cr, selected ? 3 : 2);
  cairo_set_source_rgb (cr, r, g, b);
  cairo_rectangle (cr, x, y, w, h);
  cairo_stroke (cr);
  if (selected && focused)
    {
      static const double dash[] = { 4, 3 };
      cairo_save (cr);
      cairo_set_dash (cr, dash, G_N_ELEMENTS (dash), 0);
      cairo_set_line_width (cr, 1);
      cairo_rectangle (cr, x - 4, y - 4, w + 8, h + 8);
      cairo_stroke (cr);
      cairo_restore (cr);
    }

  /* the five landmarks */
  for (int k = 0; k < 5; k++)
    {
      cairo_arc (cr, x0 + probe->landmarks[k][0] * s, y0 + probe->landmarks[k][1] * s,
                 selected ? 3.5 : 2.5, 0, 2 * G_PI);
      cairo_set_source_rgba (cr, 0, 0, 0, 0.6);
      cairo_fill_preserve (cr);
      cairo_set_source_rgb (cr, r, g, b);
      cairo_set_line_width (cr, 1.5);
      cairo_stroke (cr);
    }

  /* the prediction on a plate above the box (inside it at the top edge) */
  pango_layout_get_pixel_size (layout, &tw, &th);
  {
    double px = x, py = y - th - 6;
    if (py < 0)
      py = y + 2;
    rounded_rect (cr, px, py, tw + 10, th + 4, 4);
    if (selected)
      cairo_set_source_rgb (cr, 0.21, 0.52, 0.89);
    else
      cairo_set_source_rgba (cr, 0, 0, 0, 0.7);
    cairo_fill (cr);
    cairo_move_to (cr, px + 5, py + 2);
    cairo_set_source_rgb (cr, 1, 1, 1);
    pango_cairo_show_layout (cr, layout);
  }
  g_object_unref (layout);
}

/* ---- callbacks ----------------------------------------------------------- */

static void
on_decoded_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(TfPhotoView) self = user_data;
  g_autoptr(GError) error = NULL;
  Decoded *d = g_task_propagate_pointer (G_TASK (result), &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (d == NULL)
    {
      self->error = g_strdup (error->message);
      gtk_widget_queue_draw (GTK_WIDGET (self));
      return;
    }
  g_set_object (&self->texture, d->texture);
  self->image_width = d->width;
  self->image_height = d->height;
  decoded_free (d);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
on_pressed_cb (GtkGestureClick *gesture,
               int              n_press,
               double           x,
               double           y,
               TfPhotoView     *self)
{
  double s, x0, y0, px, py, best_area = G_MAXDOUBLE;
  int best = -1;

  gtk_widget_grab_focus (GTK_WIDGET (self));
  if (!image_rect (self, &s, &x0, &y0))
    return;
  px = (x - x0) / s;
  py = (y - y0) / s;
  /* the smallest box under the pointer, so a face inside another's box can be chosen */
  for (guint i = 0; i < self->faces->len; i++)
    {
      TfFaceProbe *p = g_ptr_array_index (self->faces, i);
      double area = (double) p->box[2] * p->box[3];
      if (px >= p->box[0] && px <= p->box[0] + p->box[2]
          && py >= p->box[1] && py <= p->box[1] + p->box[3] && area < best_area)
        {
          best = (int) i;
          best_area = area;
        }
    }
  if (best >= 0)
    tf_photo_view_select (self, best);
}

static gboolean
on_key_pressed_cb (GtkEventControllerKey *controller,
                   guint                  keyval,
                   guint                  keycode,
                   GdkModifierType        state,
                   TfPhotoView           *self)
{
  int n = (int) self->faces->len;

  if (n == 0 || (state & (GDK_CONTROL_MASK | GDK_ALT_MASK)))
    return GDK_EVENT_PROPAGATE;
  switch (keyval)
    {
    case GDK_KEY_Left:
    case GDK_KEY_Up:
    case GDK_KEY_KP_Left:
    case GDK_KEY_KP_Up:
      tf_photo_view_select (self, self->selected <= 0 ? n - 1 : self->selected - 1);
      return GDK_EVENT_STOP;
    case GDK_KEY_Right:
    case GDK_KEY_Down:
    case GDK_KEY_KP_Right:
    case GDK_KEY_KP_Down:
      tf_photo_view_select (self, self->selected < 0 || self->selected >= n - 1 ? 0 : self->selected + 1);
      return GDK_EVENT_STOP;
    case GDK_KEY_Home:
      tf_photo_view_select (self, 0);
      return GDK_EVENT_STOP;
    case GDK_KEY_End:
      tf_photo_view_select (self, n - 1);
      return GDK_EVENT_STOP;
    default:
      return GDK_EVENT_PROPAGATE;
    }
}

static void
on_focus_changed_cb (GtkEventControllerFocus *controller,
                     TfPhotoView             *self)
{
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* ---- overrides ----------------------------------------------------------- */

static void
tf_photo_view_measure (GtkWidget      *widget,
                       GtkOrientation  orientation,
                       int             for_size,
                       int            *minimum,
                       int            *natural,
                       int            *minimum_baseline,
                       int            *natural_baseline)
{
  *minimum = 64;
  *natural = orientation == GTK_ORIENTATION_HORIZONTAL ? 640 : 480;
}

static void
tf_photo_view_snapshot (GtkWidget   *widget,
                        GtkSnapshot *snapshot)
{
  TfPhotoView *self = TF_PHOTO_VIEW (widget);
  int width = gtk_widget_get_width (widget), height = gtk_widget_get_height (widget);
  double s, x0, y0;
  cairo_t *cr;

  if (self->error)
    {
      PangoLayout *layout = gtk_widget_create_pango_layout (widget, self->error);
      int tw, th;
      pango_layout_set_width (layout, MAX (1, width - 24) * PANGO_SCALE);
      pango_layout_set_alignment (layout, PANGO_ALIGN_CENTER);
      pango_layout_set_wrap (layout, PANGO_WRAP_WORD_CHAR);
      pango_layout_get_pixel_size (layout, &tw, &th);
      gtk_snapshot_save (snapshot);
      gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT ((width - tw) / 2.f, (height - th) / 2.f));
      gtk_snapshot_append_layout (snapshot, layout, &(GdkRGBA) { 0.5f, 0.5f, 0.5f, 1.f });
      gtk_snapshot_restore (snapshot);
      g_object_unref (layout);
      return;
    }
  if (self->texture == NULL || !image_rect (self, &s, &x0, &y0))
    return;

  gtk_snapshot_append_texture (snapshot, self->texture,
                               &GRAPHENE_RECT_INIT ((float) x0, (float) y0,
                                                    (float) (self->image_width * s),
                                                    (float) (self->image_height * s)));
  if (self->faces->len == 0)
    return;
  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, (float) width, (float) height));
  /* the chosen face last, on top */
  for (guint i = 0; i < self->faces->len; i++)
    if ((int) i != self->selected)
      draw_face (self, cr, g_ptr_array_index (self->faces, i), FALSE, FALSE, s, x0, y0);
  if (self->selected >= 0)
    draw_face (self, cr, g_ptr_array_index (self->faces, self->selected), TRUE,
               gtk_widget_has_visible_focus (widget), s, x0, y0);
  cairo_destroy (cr);
}

static void
tf_photo_view_dispose (GObject *object)
{
  TfPhotoView *self = TF_PHOTO_VIEW (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->texture);
  g_clear_pointer (&self->faces, g_ptr_array_unref);
  G_OBJECT_CLASS (tf_photo_view_parent_class)->dispose (object);
}

static void
tf_photo_view_finalize (GObject *object)
{
  TfPhotoView *self = TF_PHOTO_VIEW (object);

  g_free (self->file);
  g_free (self->error);
  G_OBJECT_CLASS (tf_photo_view_parent_class)->finalize (object);
}

static void
tf_photo_view_class_init (TfPhotoViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tf_photo_view_dispose;
  object_class->finalize = tf_photo_view_finalize;
  widget_class->measure = tf_photo_view_measure;
  widget_class->snapshot = tf_photo_view_snapshot;

  signals[FACE_SELECTED] = g_signal_new ("face-selected", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                         0, NULL, NULL, NULL, G_TYPE_NONE, 1, TF_TYPE_FACE_PROBE);
  gtk_widget_class_set_css_name (widget_class, "photoview");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
tf_photo_view_init (TfPhotoView *self)
{
  GtkGesture *click = gtk_gesture_click_new ();
  GtkEventController *key = gtk_event_controller_key_new ();
  GtkEventController *focus = gtk_event_controller_focus_new ();

  self->faces = g_ptr_array_new_with_free_func ((GDestroyNotify) tf_face_probe_unref);
  self->selected = -1;
  gtk_widget_set_focusable (GTK_WIDGET (self), TRUE);
  gtk_widget_set_hexpand (GTK_WIDGET (self), TRUE);
  gtk_widget_set_vexpand (GTK_WIDGET (self), TRUE);

  g_signal_connect (click, "pressed", G_CALLBACK (on_pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (click));
  g_signal_connect (key, "key-pressed", G_CALLBACK (on_key_pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), key);
  g_signal_connect (focus, "enter", G_CALLBACK (on_focus_changed_cb), self);
  g_signal_connect (focus, "leave", G_CALLBACK (on_focus_changed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), focus);
  update_accessible (self);
}

/* ---- public API ---------------------------------------------------------- */

GtkWidget *
tf_photo_view_new (void)
{
  return g_object_new (TF_TYPE_PHOTO_VIEW, NULL);
}

void
tf_photo_view_set_file (TfPhotoView *self,
                        const char  *path)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (TF_IS_PHOTO_VIEW (self));

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->texture);
  g_clear_pointer (&self->error, g_free);
  g_free (self->file);
  self->file = g_strdup (path);
  self->image_width = self->image_height = 0;
  g_ptr_array_set_size (self->faces, 0);
  self->selected = -1;
  update_accessible (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
  if (path == NULL)
    return;

  self->cancellable = g_cancellable_new ();
  task = g_task_new (NULL, self->cancellable, on_decoded_cb, g_object_ref (self));
  g_task_set_source_tag (task, tf_photo_view_set_file);
  g_task_set_task_data (task, g_strdup (path), g_free);
  g_task_set_return_on_cancel (task, TRUE);
  g_task_run_in_thread (task, decode_thread);
}

const char *
tf_photo_view_get_file (TfPhotoView *self)
{
  g_return_val_if_fail (TF_IS_PHOTO_VIEW (self), NULL);

  return self->file;
}

gboolean
tf_photo_view_get_loaded (TfPhotoView *self)
{
  g_return_val_if_fail (TF_IS_PHOTO_VIEW (self), FALSE);

  return self->texture != NULL;
}

void
tf_photo_view_add_face (TfPhotoView *self,
                        TfFaceProbe *probe)
{
  g_return_if_fail (TF_IS_PHOTO_VIEW (self));
  g_return_if_fail (probe != NULL);

  g_ptr_array_add (self->faces, tf_face_probe_ref (probe));
  /* the frame size is known from the picture; until it is decoded, the
   * faces wait */
  update_accessible (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

guint
tf_photo_view_get_n_faces (TfPhotoView *self)
{
  g_return_val_if_fail (TF_IS_PHOTO_VIEW (self), 0);

  return self->faces->len;
}

TfFaceProbe *
tf_photo_view_get_face (TfPhotoView *self,
                        guint        index)
{
  g_return_val_if_fail (TF_IS_PHOTO_VIEW (self), NULL);
  g_return_val_if_fail (index < self->faces->len, NULL);

  return g_ptr_array_index (self->faces, index);
}

int
tf_photo_view_get_selected (TfPhotoView *self)
{
  g_return_val_if_fail (TF_IS_PHOTO_VIEW (self), -1);

  return self->selected;
}

void
tf_photo_view_select (TfPhotoView *self,
                      int          index)
{
  g_return_if_fail (TF_IS_PHOTO_VIEW (self));

  if (self->faces->len == 0)
    index = -1;
  else
    index = CLAMP (index, -1, (int) self->faces->len - 1);
  self->selected = index;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_signal_emit (self, signals[FACE_SELECTED], 0,
                 index >= 0 ? g_ptr_array_index (self->faces, index) : NULL);
}
