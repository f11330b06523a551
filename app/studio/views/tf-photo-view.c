/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "tf-detect.h"
#include "tf-media.h"
#include "tf-photo-view.h"
#include "tf-timeline.h"

/* the largest side kept for display: bigger photos are downscaled once,
 * in the decoding thread */
#define MAX_DISPLAY_SIDE 4096
/* a drawn box smaller than this (image pixels, either side) was a click */
#define MIN_DRAWN_SIDE 8

/* GNOME's palette: the accent blue for the chosen face, the warning amber
 * (libadwaita's) for a label the model disagrees with, greys for what is not
 * a face */
static const GdkRGBA accent_color  = { 0x35 / 255.f, 0x84 / 255.f, 0xe4 / 255.f, 1 };
static const GdkRGBA warning_color = { 0xe5 / 255.f, 0xa5 / 255.f, 0x0a / 255.f, 1 };
static const GdkRGBA grey_color    = { 0x9a / 255.f, 0x99 / 255.f, 0x96 / 255.f, 1 };
static const GdkRGBA dark_grey     = { 0x5e / 255.f, 0x5c / 255.f, 0x64 / 255.f, 1 };
static const GdkRGBA white_color   = { 1, 1, 1, 1 };
static const GdkRGBA plate_color   = { 0, 0, 0, 0.7f };

struct _TfPhotoView
{
  GtkWidget     parent_instance;

  char         *file;
  GdkTexture   *texture;
  int           image_width, image_height;  /* the frame the faces are in */
  char         *error;                      /* why the photo cannot be shown */
  GPtrArray    *faces;                      /* TfFaceProbe */
  int           selected;
  gboolean      main_auto;                  /* the selection is tf_photo_view_select_main's */
  GCancellable *cancellable;
  TfLabelMap   *label_map;
  gulong        label_map_changed;

  /* drawing a missed face: the rubber band in widget coordinates */
  gboolean      drawing;
  gboolean      band_active;
  double        band_x0, band_y0, band_x1, band_y1;
};

G_DEFINE_FINAL_TYPE (TfPhotoView, tf_photo_view, GTK_TYPE_WIDGET)

enum
{
  PROP_0,
  PROP_DRAWING,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

enum
{
  FACE_SELECTED,
  BOX_DRAWN,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* how a face is drawn: its label, if any, and where it came from */
typedef struct
{
  TfLabelState     state;
  int              label;
  TfLabelMapSource source;
} FaceLabel;

typedef enum
{
  CHIP_ICON_NONE,
  CHIP_ICON_CHECK,
  CHIP_ICON_WARNING,
} ChipIcon;

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
  return g_strdup_printf (_("%s %.0f %%"), tf_class_display_name (probe->class_names[probe->predicted]),
                          100.0 * probe->probs[probe->predicted]);
}

static const char *
predicted_name (const TfFaceProbe *probe)
{
  if (probe->class_names == NULL || probe->predicted < 0 || probe->predicted >= probe->classes)
    return NULL;
  return probe->class_names[probe->predicted];
}

static FaceLabel
face_label_of (TfPhotoView       *self,
               const TfFaceProbe *probe)
{
  FaceLabel fl = { TF_LABEL_STATE_NONE, TF_LABEL_MAP_NONE, TF_LABEL_MAP_FROM_PERSON };

  if (self->label_map == NULL || probe->face_id == 0)
    return fl;
  fl.label = tf_label_map_lookup (self->label_map, probe->face_id, &fl.source);
  if (fl.label != TF_LABEL_MAP_NONE)
    fl.state = tf_label_map_get_state (self->label_map, probe);
  /* a face drawn by hand has no prediction yet: nothing to disagree with */
  if (fl.state == TF_LABEL_STATE_DISAGREES && predicted_name (probe) == NULL)
    fl.state = TF_LABEL_STATE_OTHER;
  return fl;
}

/* the label's name; an id the class list does not know as a number */
static char *
label_name (TfPhotoView *self,
            int          label)
{
  const char *name = tf_label_map_label_name (self->label_map, label);

  return name ? g_strdup (tf_class_display_name (name)) : g_strdup_printf ("%d", label);
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
      TfFaceProbe *probe = g_ptr_array_index (self->faces, i);
      g_autofree char *label = face_label (probe);
      FaceLabel fl = face_label_of (self, probe);

      g_string_append_printf (text, ", %s", label);
      if (fl.state != TF_LABEL_STATE_NONE)
        {
          g_autofree char *given = label_name (self, fl.label);
          /* TRANSLATORS: after a face's prediction, the label a person gave it */
          g_string_append_printf (text, _(" (labelled %s)"), given);
        }
    }
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, text->str,
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                  self->drawing ? _("Drag over the face the detector missed; Escape cancels")
                                                : _("Use the arrow keys to choose a face"),
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

/* the box, over a dark halo that keeps it visible on light photos */
static void
stroke_box (cairo_t       *cr,
            double         x,
            double         y,
            double         w,
            double         h,
            double         width,
            const GdkRGBA *color,
            double         halo,
            gboolean       dashed)
{
  static const double dash[] = { 8, 5 };

  cairo_rectangle (cr, x, y, w, h);
  cairo_set_line_width (cr, width + 2);
  cairo_set_source_rgba (cr, 0, 0, 0, halo);
  cairo_stroke_preserve (cr);
  cairo_set_line_width (cr, width);
  gdk_cairo_set_source_rgba (cr, color);
  if (dashed)
    cairo_set_dash (cr, dash, G_N_ELEMENTS (dash), 0);
  cairo_stroke (cr);
  cairo_set_dash (cr, NULL, 0, 0);
}

static void
draw_chip_icon (cairo_t       *cr,
                ChipIcon       icon,
                double         x,
                double         y,
                double         size,
                const GdkRGBA *fg)
{
  cairo_save (cr);
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  if (icon == CHIP_ICON_CHECK)
    {
      cairo_move_to (cr, x + 0.16 * size, y + 0.52 * size);
      cairo_line_to (cr, x + 0.40 * size, y + 0.76 * size);
      cairo_line_to (cr, x + 0.86 * size, y + 0.26 * size);
      cairo_set_line_width (cr, MAX (2.0, size / 7));
      gdk_cairo_set_source_rgba (cr, fg);
      cairo_stroke (cr);
    }
  else if (icon == CHIP_ICON_WARNING)
    {
      double cx = x + size / 2;

      cairo_move_to (cr, cx, y + 1);
      cairo_line_to (cr, x + size - 0.5, y + size - 1.5);
      cairo_line_to (cr, x + 0.5, y + size - 1.5);
      cairo_close_path (cr);
      gdk_cairo_set_source_rgba (cr, &warning_color);
      cairo_fill_preserve (cr);
      cairo_set_source_rgb (cr, 0, 0, 0);
      cairo_set_line_width (cr, 1);
      cairo_stroke (cr);
      cairo_move_to (cr, cx, y + 0.38 * size);
      cairo_line_to (cr, cx, y + 0.62 * size);
      cairo_set_line_width (cr, 1.8);
      cairo_stroke (cr);
      cairo_arc (cr, cx, y + 0.77 * size, 1.1, 0, 2 * G_PI);
      cairo_fill (cr);
    }
  cairo_restore (cr);
}

/* What the plate over a face says (Pango markup). */
static char *
chip_markup (TfPhotoView       *self,
             const TfFaceProbe *probe,
             const FaceLabel   *fl,
             ChipIcon          *icon)
{
  g_autofree char *name = NULL;
  const char *predicted = predicted_name (probe);
  char *text;

  *icon = CHIP_ICON_NONE;
  if (fl->state == TF_LABEL_STATE_NONE)
    {
      g_autofree char *plain = face_label ((TfFaceProbe *) probe);
      return g_markup_escape_text (plain, -1);
    }
  name = label_name (self, fl->label);
  if (fl->state == TF_LABEL_STATE_AGREES)
    {
      *icon = CHIP_ICON_CHECK;
      text = g_markup_escape_text (name, -1);
    }
  else if (fl->state == TF_LABEL_STATE_DISAGREES)
    {
      *icon = CHIP_ICON_WARNING;
      /* TRANSLATORS: a face's label, then what the model predicted instead */
      text = g_markup_printf_escaped (_("%s · model: %s"), name, tf_class_display_name (predicted));
    }
  else if (fl->label == TF_LABEL_MAP_NOT_A_FACE)
    text = g_markup_printf_escaped ("<s>%s</s>", name);
  else if (fl->label == TF_LABEL_MAP_UNSURE)
    text = g_markup_printf_escaped ("<b>?</b> %s", name);
  else
    text = g_markup_escape_text (name, -1);
  if (fl->source != TF_LABEL_MAP_FROM_PERSON)
    {
      /* a label no person gave for this face reads as a suggestion */
      const char *from = fl->source == TF_LABEL_MAP_FROM_IMPORTED
        /* TRANSLATORS: a label that came from an imported file */
        ? _("imported")
        /* TRANSLATORS: a label carried over from a face of the same track */
        : _("propagated");
      char *with = g_markup_printf_escaped (" · <i>%s</i>", from);
      char *joined = g_strconcat (text, with, NULL);

      g_free (text);
      g_free (with);
      text = joined;
    }
  return text;
}

/* the plate with the prediction or the label, above the box (inside it at
 * the top edge of the picture) */
static void
draw_chip (TfPhotoView   *self,
           cairo_t       *cr,
           const char    *markup,
           ChipIcon       icon,
           const GdkRGBA *fill,
           const GdkRGBA *border,
           gboolean       dashed_border,
           double         x,
           double         y,
           double         line,
           double         max_width)
{
  static const double dash[] = { 4, 3 };
  PangoLayout *layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), NULL);
  double luminance = 0.2126 * fill->red + 0.7152 * fill->green + 0.0722 * fill->blue;
  GdkRGBA fg = fill->alpha >= 1 && luminance > 0.55 ? (GdkRGBA) { 0, 0, 0, 0.85f } : white_color;
  double icon_w, icon_h, cw, ch, px, py;
  int tw, th;

  pango_layout_set_markup (layout, markup, -1);
  pango_layout_get_pixel_size (layout, &tw, &th);
  icon_w = icon != CHIP_ICON_NONE ? th + 3 : 0;
  icon_h = th;
  /* no wider than the box (or a short word or two): faces side by side
   * keep their plates apart; what is longer takes more lines */
  if (tw + icon_w + 10 > max_width)
    {
      pango_layout_set_width (layout, (int) MAX (1, max_width - icon_w - 10) * PANGO_SCALE);
      pango_layout_set_wrap (layout, PANGO_WRAP_WORD_CHAR);
      pango_layout_set_height (layout, -3);
      pango_layout_set_ellipsize (layout, PANGO_ELLIPSIZE_END);
      pango_layout_get_pixel_size (layout, &tw, &th);
    }
  cw = tw + icon_w + 10;
  ch = th + 4;
  px = x - line / 2;
  py = y - line / 2 - ch - 2;
  if (py < 0)
    py = y + line / 2 + 2;
  rounded_rect (cr, px, py, cw, ch, 4);
  gdk_cairo_set_source_rgba (cr, fill);
  cairo_fill_preserve (cr);
  if (border)
    {
      if (dashed_border)
        cairo_set_dash (cr, dash, G_N_ELEMENTS (dash), 0);
      cairo_set_line_width (cr, 2);
      gdk_cairo_set_source_rgba (cr, border);
      cairo_stroke (cr);
      cairo_set_dash (cr, NULL, 0, 0);
    }
  else
    cairo_new_path (cr);
  draw_chip_icon (cr, icon, px + 5, py + 2, icon_h, &fg);
  cairo_move_to (cr, px + 5 + icon_w, py + 2);
  gdk_cairo_set_source_rgba (cr, &fg);
  pango_cairo_show_layout (cr, layout);
  g_object_unref (layout);
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
  FaceLabel fl = face_label_of (self, probe);
  gboolean labelled = fl.state != TF_LABEL_STATE_NONE;
  gboolean suggested = labelled && fl.source != TF_LABEL_MAP_FROM_PERSON;
  gboolean not_a_face = labelled && fl.label == TF_LABEL_MAP_NOT_A_FACE;
  double x = x0 + probe->box[0] * s, y = y0 + probe->box[1] * s;
  double w = probe->box[2] * s, h = probe->box[3] * s;
  GdkRGBA box = selected ? accent_color : white_color, fill = selected ? accent_color : plate_color;
  const GdkRGBA *border = NULL;
  double line = selected ? 3 : 2, ring;
  g_autofree char *markup = NULL;
  ChipIcon icon;

  /* a person's label: solid and thicker, in its class's colour; one that
   * disagrees with the model in the warning colour over black, so it reads
   * as a stripe of caution tape; a suggested one dashed */
  if (labelled && fl.label >= 0)
    {
      tf_widgets_class_color (fl.label, &fill);
      box = fl.state == TF_LABEL_STATE_DISAGREES ? warning_color : fill;
    }
  else if (not_a_face)
    {
      box = grey_color;
      fill = dark_grey;
    }
  else if (labelled)
    {
      box = white_color;
      fill = plate_color;
    }
  if (labelled)
    line = selected ? 5 : 4;
  /* struck through, under the box */
  if (not_a_face)
    {
      cairo_move_to (cr, x, y);
      cairo_line_to (cr, x + w, y + h);
      cairo_set_source_rgba (cr, 0, 0, 0, 0.5);
      cairo_set_line_width (cr, 5);
      cairo_stroke_preserve (cr);
      gdk_cairo_set_source_rgba (cr, &grey_color);
      cairo_set_line_width (cr, 3);
      cairo_stroke (cr);
    }
  if (fl.state == TF_LABEL_STATE_DISAGREES)
    stroke_box (cr, x, y, w, h, line, &box, 0.85, TRUE);
  else
    stroke_box (cr, x, y, w, h, line, &box, 0.5, suggested || fl.label == TF_LABEL_MAP_UNSURE);

  /* the chosen face: its box is blue, or, when the box shows a label, a
   * blue ring around it */
  ring = labelled ? line / 2 + 3 : 4;
  if (selected && labelled)
    {
      cairo_set_line_width (cr, 2);
      gdk_cairo_set_source_rgba (cr, &accent_color);
      cairo_rectangle (cr, x - ring, y - ring, w + 2 * ring, h + 2 * ring);
      cairo_stroke (cr);
      ring += 4;
    }
  if (selected && focused)
    {
      static const double dash[] = { 4, 3 };
      cairo_save (cr);
      cairo_set_dash (cr, dash, G_N_ELEMENTS (dash), 0);
      cairo_set_line_width (cr, 1);
      gdk_cairo_set_source_rgba (cr, &accent_color);
      cairo_rectangle (cr, x - ring, y - ring, w + 2 * ring, h + 2 * ring);
      cairo_stroke (cr);
      cairo_restore (cr);
    }

  /* the five landmarks (none on what is not a face) */
  for (int k = 0; k < 5 && !not_a_face; k++)
    {
      cairo_arc (cr, x0 + probe->landmarks[k][0] * s, y0 + probe->landmarks[k][1] * s,
                 selected ? 3.5 : 2.5, 0, 2 * G_PI);
      cairo_set_source_rgba (cr, 0, 0, 0, 0.6);
      cairo_fill_preserve (cr);
      gdk_cairo_set_source_rgba (cr, labelled ? (selected ? &accent_color : &white_color) : &box);
      cairo_set_line_width (cr, 1.5);
      cairo_stroke (cr);
    }

  markup = chip_markup (self, probe, &fl, &icon);
  if (labelled && selected)
    border = &accent_color;
  else if (fl.state == TF_LABEL_STATE_DISAGREES)
    border = &warning_color;
  else if (suggested)
    border = &white_color;
  draw_chip (self, cr, markup, icon, &fill, border, suggested, x, y, line, MAX (w + line, 150));
}

/* the rubber band, clamped to the picture as the box will be */
static void
draw_band (TfPhotoView *self,
           cairo_t     *cr,
           double       s,
           double       x0,
           double       y0)
{
  double left = CLAMP (MIN (self->band_x0, self->band_x1), x0, x0 + self->image_width * s);
  double right = CLAMP (MAX (self->band_x0, self->band_x1), x0, x0 + self->image_width * s);
  double top = CLAMP (MIN (self->band_y0, self->band_y1), y0, y0 + self->image_height * s);
  double bottom = CLAMP (MAX (self->band_y0, self->band_y1), y0, y0 + self->image_height * s);

  cairo_rectangle (cr, left, top, right - left, bottom - top);
  cairo_set_source_rgba (cr, accent_color.red, accent_color.green, accent_color.blue, 0.25);
  cairo_fill_preserve (cr);
  cairo_set_line_width (cr, 2);
  gdk_cairo_set_source_rgba (cr, &accent_color);
  cairo_stroke (cr);
}

/* what drawing mode is for, on a plate at the top */
static void
draw_hint (TfPhotoView *self,
           cairo_t     *cr,
           int          width)
{
  PangoLayout *layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), NULL);
  int tw, th;
  double pw, ph;

  pango_layout_set_text (layout, _("Drag over the face the detector missed; Escape cancels"), -1);
  pango_layout_set_width (layout, MAX (1, width - 48) * PANGO_SCALE);
  pango_layout_set_ellipsize (layout, PANGO_ELLIPSIZE_END);
  pango_layout_get_pixel_size (layout, &tw, &th);
  pw = tw + 28;
  ph = th + 14;
  rounded_rect (cr, (width - pw) / 2, 12, pw, ph, ph / 2);
  cairo_set_source_rgba (cr, 0, 0, 0, 0.75);
  cairo_fill (cr);
  cairo_move_to (cr, (width - tw) / 2.0, 19);
  cairo_set_source_rgb (cr, 1, 1, 1);
  pango_cairo_show_layout (cr, layout);
  g_object_unref (layout);
}


/* ---- callbacks ----------------------------------------------------------- */

/* The main face chosen again, when the selection is still the one
 * tf_photo_view_select_main made: a face came, or the size is known. */
static void
update_main (TfPhotoView *self)
{
  int main_face;

  if (!self->main_auto)
    return;
  main_face = tf_face_probes_main (self->faces, self->image_width, self->image_height);
  if (main_face != self->selected)
    {
      tf_photo_view_select (self, main_face);
      self->main_auto = TRUE;
    }
}

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
  /* a face cut by an edge counts for what is seen of it now */
  update_main (self);
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
  if (self->drawing || !image_rect (self, &s, &x0, &y0))
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

  if (keyval == GDK_KEY_Escape && self->drawing)
    {
      tf_photo_view_set_drawing (self, FALSE);
      return GDK_EVENT_STOP;
    }
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

/* The drag keeps its own start point: the handlers take what the gesture
 * passes and ask it nothing more. */
static void
on_drag_begin_cb (GtkGestureDrag *gesture,
                  double          x,
                  double          y,
                  TfPhotoView    *self)
{
  if (!self->drawing || self->texture == NULL)
    {
      gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_DENIED);
      return;
    }
  gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
  self->band_active = TRUE;
  self->band_x0 = self->band_x1 = x;
  self->band_y0 = self->band_y1 = y;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
on_drag_update_cb (GtkGestureDrag *gesture,
                   double          offset_x,
                   double          offset_y,
                   TfPhotoView    *self)
{
  if (!self->band_active)
    return;
  self->band_x1 = self->band_x0 + offset_x;
  self->band_y1 = self->band_y0 + offset_y;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
on_drag_end_cb (GtkGestureDrag *gesture,
                double          offset_x,
                double          offset_y,
                TfPhotoView    *self)
{
  double s, x0, y0, left, top, right, bottom;

  if (!self->band_active)
    return;
  self->band_active = FALSE;
  self->band_x1 = self->band_x0 + offset_x;
  self->band_y1 = self->band_y0 + offset_y;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  if (!image_rect (self, &s, &x0, &y0))
    return;
  left = CLAMP ((MIN (self->band_x0, self->band_x1) - x0) / s, 0, self->image_width);
  right = CLAMP ((MAX (self->band_x0, self->band_x1) - x0) / s, 0, self->image_width);
  top = CLAMP ((MIN (self->band_y0, self->band_y1) - y0) / s, 0, self->image_height);
  bottom = CLAMP ((MAX (self->band_y0, self->band_y1) - y0) / s, 0, self->image_height);
  /* a click, or a slip: drawing goes on */
  if (right - left < MIN_DRAWN_SIDE || bottom - top < MIN_DRAWN_SIDE)
    return;
  g_signal_emit (self, signals[BOX_DRAWN], 0, left, top, right - left, bottom - top);
}

/* run first: a box drawn, by whatever emitted it, ends drawing mode before
 * the owner hears of it */
static void
tf_photo_view_real_box_drawn (TfPhotoView *self,
                              double       x,
                              double       y,
                              double       w,
                              double       h)
{
  tf_photo_view_set_drawing (self, FALSE);
}

static void
on_label_map_changed_cb (TfLabelMap  *map,
                         gint64       face_id,
                         TfPhotoView *self)
{
  guint index;

  if (face_id != 0 && !tf_face_probe_array_find (self->faces, &(TfFaceProbe) { .face_id = face_id }, &index))
    return;
  update_accessible (self);
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
  if (self->faces->len == 0 && !self->drawing)
    return;
  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, (float) width, (float) height));
  /* the chosen face last, on top */
  for (guint i = 0; i < self->faces->len; i++)
    if ((int) i != self->selected)
      draw_face (self, cr, g_ptr_array_index (self->faces, i), FALSE, FALSE, s, x0, y0);
  if (self->selected >= 0)
    draw_face (self, cr, g_ptr_array_index (self->faces, self->selected), TRUE,
               gtk_widget_has_visible_focus (widget), s, x0, y0);
  if (self->drawing)
    {
      if (self->band_active)
        draw_band (self, cr, s, x0, y0);
      draw_hint (self, cr, width);
    }
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
  g_clear_signal_handler (&self->label_map_changed, self->label_map);
  g_clear_object (&self->label_map);
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
tf_photo_view_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  TfPhotoView *self = TF_PHOTO_VIEW (object);

  switch (prop_id)
    {
    case PROP_DRAWING:
      g_value_set_boolean (value, self->drawing);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tf_photo_view_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  TfPhotoView *self = TF_PHOTO_VIEW (object);

  switch (prop_id)
    {
    case PROP_DRAWING:
      tf_photo_view_set_drawing (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tf_photo_view_class_init (TfPhotoViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tf_photo_view_dispose;
  object_class->finalize = tf_photo_view_finalize;
  object_class->get_property = tf_photo_view_get_property;
  object_class->set_property = tf_photo_view_set_property;
  widget_class->measure = tf_photo_view_measure;
  widget_class->snapshot = tf_photo_view_snapshot;

  props[PROP_DRAWING] = g_param_spec_boolean ("drawing", NULL, NULL, FALSE,
                                              G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY
                                              | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, props);
  signals[FACE_SELECTED] = g_signal_new ("face-selected", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                         0, NULL, NULL, NULL, G_TYPE_NONE, 1, TF_TYPE_FACE_PROBE);
  signals[BOX_DRAWN] = g_signal_new_class_handler ("box-drawn", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_FIRST,
                                                   G_CALLBACK (tf_photo_view_real_box_drawn),
                                                   NULL, NULL, NULL, G_TYPE_NONE, 4,
                                                   G_TYPE_DOUBLE, G_TYPE_DOUBLE, G_TYPE_DOUBLE, G_TYPE_DOUBLE);
  gtk_widget_class_set_css_name (widget_class, "photoview");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
tf_photo_view_init (TfPhotoView *self)
{
  GtkGesture *click = gtk_gesture_click_new ();
  GtkGesture *drag = gtk_gesture_drag_new ();
  GtkEventController *key = gtk_event_controller_key_new ();
  GtkEventController *focus = gtk_event_controller_focus_new ();

  self->faces = g_ptr_array_new_with_free_func ((GDestroyNotify) tf_face_probe_unref);
  self->selected = -1;
  gtk_widget_set_focusable (GTK_WIDGET (self), TRUE);
  gtk_widget_set_hexpand (GTK_WIDGET (self), TRUE);
  gtk_widget_set_vexpand (GTK_WIDGET (self), TRUE);

  g_signal_connect (click, "pressed", G_CALLBACK (on_pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (click));
  g_signal_connect (drag, "drag-begin", G_CALLBACK (on_drag_begin_cb), self);
  g_signal_connect (drag, "drag-update", G_CALLBACK (on_drag_update_cb), self);
  g_signal_connect (drag, "drag-end", G_CALLBACK (on_drag_end_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drag));
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
  char *file;

  g_return_if_fail (TF_IS_PHOTO_VIEW (self));

  /* @path may be the name shown now (tf_photo_view_get_file) */
  file = g_strdup (path);

  /* a box half drawn belongs to the photo that was shown */
  if (g_strcmp0 (path, self->file) != 0)
    tf_photo_view_set_drawing (self, FALSE);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->texture);
  g_clear_pointer (&self->error, g_free);
  g_free (self->file);
  self->file = file;
  self->image_width = self->image_height = 0;
  g_ptr_array_set_size (self->faces, 0);
  self->selected = -1;
  self->main_auto = FALSE;
  update_accessible (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
  if (file == NULL)
    return;

  self->cancellable = g_cancellable_new ();
  task = g_task_new (NULL, self->cancellable, on_decoded_cb, g_object_ref (self));
  g_task_set_source_tag (task, tf_photo_view_set_file);
  g_task_set_task_data (task, g_strdup (file), g_free);
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
  update_main (self);
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
  self->main_auto = FALSE;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_signal_emit (self, signals[FACE_SELECTED], 0,
                 index >= 0 ? g_ptr_array_index (self->faces, index) : NULL);
}

void
tf_photo_view_select_main (TfPhotoView *self)
{
  g_return_if_fail (TF_IS_PHOTO_VIEW (self));

  tf_photo_view_select (self, tf_face_probes_main (self->faces, self->image_width, self->image_height));
  self->main_auto = TRUE;
}

int
tf_face_probes_main (GPtrArray *probes,
                     int        width,
                     int        height)
{
  g_autofree float *boxes = NULL;

  g_return_val_if_fail (probes != NULL, -1);

  if (probes->len == 0)
    return -1;
  boxes = g_new (float, 4 * (gsize) probes->len);
  for (guint i = 0; i < probes->len; i++)
    memcpy (boxes + 4 * i, ((TfFaceProbe *) g_ptr_array_index (probes, i))->box, 4 * sizeof (float));
  return tf_face_main (boxes, 4, probes->len, width, height);
}

void
tf_photo_view_remove_face (TfPhotoView *self,
                           TfFaceProbe *probe)
{
  guint index;
  gboolean was_selected;

  g_return_if_fail (TF_IS_PHOTO_VIEW (self));
  g_return_if_fail (probe != NULL);

  if (!tf_face_probe_array_find (self->faces, probe, &index))
    return;
  was_selected = self->selected == (int) index;
  /* may drop the last reference to @probe */
  g_ptr_array_remove_index (self->faces, index);
  if (self->selected > (int) index)
    self->selected--;
  update_accessible (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
  if (was_selected)
    tf_photo_view_select (self, MIN ((int) index, (int) self->faces->len - 1));
}

void
tf_photo_view_replace_face (TfPhotoView *self,
                            TfFaceProbe *old_probe,
                            TfFaceProbe *new_probe)
{
  guint index;

  g_return_if_fail (TF_IS_PHOTO_VIEW (self));
  g_return_if_fail (old_probe != NULL);
  g_return_if_fail (new_probe != NULL);

  if (!tf_face_probe_array_find (self->faces, old_probe, &index))
    return;
  tf_face_probe_ref (new_probe);
  tf_face_probe_unref (g_ptr_array_index (self->faces, index));
  g_ptr_array_index (self->faces, index) = new_probe;
  update_accessible (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
tf_photo_view_set_label_map (TfPhotoView *self,
                             TfLabelMap  *map)
{
  g_return_if_fail (TF_IS_PHOTO_VIEW (self));
  g_return_if_fail (map == NULL || TF_IS_LABEL_MAP (map));

  if (map == self->label_map)
    return;
  g_clear_signal_handler (&self->label_map_changed, self->label_map);
  g_set_object (&self->label_map, map);
  if (map)
    self->label_map_changed = g_signal_connect (map, "changed", G_CALLBACK (on_label_map_changed_cb), self);
  update_accessible (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
tf_photo_view_set_drawing (TfPhotoView *self,
                           gboolean     drawing)
{
  g_return_if_fail (TF_IS_PHOTO_VIEW (self));

  drawing = !!drawing;
  if (drawing == self->drawing)
    return;
  self->drawing = drawing;
  self->band_active = FALSE;
  gtk_widget_set_cursor_from_name (GTK_WIDGET (self), drawing ? "crosshair" : NULL);
  /* so that Escape reaches the view */
  if (drawing)
    gtk_widget_grab_focus (GTK_WIDGET (self));
  update_accessible (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_DRAWING]);
}

gboolean
tf_photo_view_get_drawing (TfPhotoView *self)
{
  g_return_val_if_fail (TF_IS_PHOTO_VIEW (self), FALSE);

  return self->drawing;
}
