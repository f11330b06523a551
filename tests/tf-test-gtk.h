/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Helpers shared by the tests that show widgets under a real display (Xvfb,
 * GSK's cairo renderer) (header-only: each test is one file): running the
 * main loop until something holds, a widget shown in a window of its own,
 * pictures of widgets and windows saved next to the test binary and read
 * pixel by pixel, widgets found under a root, keys and drags given to the
 * widgets' own controllers, keys typed through the X server (XTest, where
 * the test is built with HAVE_XTEST), and a process kept off the user's
 * files, with this build's translations. */
#pragma once

#include <glib/gi18n.h>
#include <gtk/gtk.h>
#include <locale.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#ifdef HAVE_XTEST
#include <X11/extensions/XTest.h>
#include <gdk/x11/gdkx.h>
#endif

/* ---- the main loop */

static inline gboolean
tf_test_wake_cb (gpointer data)
{
  (void) data;
  return G_SOURCE_CONTINUE;
}

/* Runs the main loop until @cond holds or @seconds pass, waking every 10 ms
 * (for what changes off the main loop); whether @cond held. */
static inline gboolean
tf_test_wait_until (gboolean (*cond) (gpointer),
                    gpointer   data,
                    double     seconds)
{
  gint64 end = g_get_monotonic_time () + (gint64) (seconds * G_USEC_PER_SEC);
  guint wake = g_timeout_add (10, tf_test_wake_cb, NULL);
  gboolean ok;

  while (!(ok = cond (data)) && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (wake);
  return ok;
}

static inline gboolean
tf_test_never (gpointer data)
{
  (void) data;
  return FALSE;
}

/* lets pending redraws and idles run for @seconds */
static inline void
tf_test_settle (double seconds)
{
  tf_test_wait_until (tf_test_never, NULL, seconds);
}

static inline gboolean
tf_test_timeout_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Runs the main loop until @done holds; the test fails after @seconds. */
static inline void
tf_test_run_until (gboolean (*done) (gpointer),
                   gpointer   data,
                   guint      seconds)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add_seconds (seconds, tf_test_timeout_cb, &timed_out);

  while (!done (data) && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (timed_out);
  g_source_remove (id);
}

/* runs what is pending, without waiting */
static inline void
tf_test_drain (void)
{
  while (g_main_context_pending (NULL))
    g_main_context_iteration (NULL, FALSE);
}

/* ---- a widget in a window of its own */

/* the window tf_test_show() made, whose frames tf_test_settle_frames()
 * waits for; NULL once it is destroyed */
static GtkWidget *tf_test_window;

static inline gboolean
tf_test_tick_cb (GtkWidget     *widget,
                 GdkFrameClock *clock,
                 gpointer       data)
{
  int *ticks = data;

  (void) widget;
  (void) clock;
  return ++*ticks < 3 ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

static inline gboolean
tf_test_ticked (gpointer data)
{
  return *(int *) data >= 3;
}

/* lets pending layout and style changes happen: a few frames of the
 * window's frame clock (each lays out what was queued before it draws) */
static inline void
tf_test_settle_frames (void)
{
  int ticks = 0;

  tf_test_drain ();
  if (tf_test_window == NULL)
    return;
  gtk_widget_add_tick_callback (tf_test_window, tf_test_tick_cb, &ticks, NULL);
  tf_test_run_until (tf_test_ticked, &ticks, 10);
  tf_test_drain ();
}

static inline gboolean
tf_test_is_laid_out (gpointer widget)
{
  return gtk_widget_get_mapped (widget) && gtk_widget_get_width (widget) > 0;
}

/* @widget in a new window of @width x @height, presented and laid out */
static inline GtkWidget *
tf_test_show (GtkWidget *widget,
              int        width,
              int        height)
{
  GtkWidget *window = gtk_window_new ();

  gtk_window_set_default_size (GTK_WINDOW (window), width, height);
  gtk_window_set_child (GTK_WINDOW (window), widget);
  gtk_window_present (GTK_WINDOW (window));
  tf_test_run_until (tf_test_is_laid_out, widget, 10);
  tf_test_window = window;
  tf_test_settle_frames ();
  return window;
}

/* destroys a window of tf_test_show() and runs what is pending */
static inline void
tf_test_destroy (GtkWidget *window)
{
  tf_test_window = NULL;
  gtk_window_destroy (GTK_WINDOW (window));
  tf_test_drain ();
}

/* ---- pictures */

typedef struct
{
  int     width, height;
  gsize   stride;
  guchar *data;            /* B, G, R, A in memory */
} TfTestImage;

static inline void
tf_test_image_free (TfTestImage *image)
{
  g_free (image->data);
  g_free (image);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TfTestImage, tf_test_image_free)

/* @widget as its parent draws it, moved to the origin, over @background, by
 * its window's renderer (after a few frames); saved as @name.png next to
 * the test binary */
static inline TfTestImage *
tf_test_render (GtkWidget     *widget,
                const char    *name,
                const GdkRGBA *background)
{
  GtkWidget *parent = gtk_widget_get_parent (widget);
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  GskRenderer *renderer = gtk_native_get_renderer (gtk_widget_get_native (widget));
  g_autoptr (GskRenderNode) node = NULL;
  g_autoptr (GdkTexture) texture = NULL;
  g_autofree char *file = g_strdup_printf ("%s.png", name);
  g_autofree char *path = g_test_build_filename (G_TEST_BUILT, file, NULL);
  graphene_rect_t bounds;
  TfTestImage *image;
  int w, h;

  tf_test_settle_frames ();
  w = gtk_widget_get_width (widget);
  h = gtk_widget_get_height (widget);
  g_assert_cmpint (w, >, 0);
  g_assert_cmpint (h, >, 0);
  gtk_snapshot_append_color (snapshot, background, &GRAPHENE_RECT_INIT (0, 0, w, h));
  g_assert_true (gtk_widget_compute_bounds (widget, parent, &bounds));
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (-bounds.origin.x, -bounds.origin.y));
  gtk_widget_snapshot_child (parent, widget, snapshot);
  node = gtk_snapshot_free_to_node (snapshot);
  g_assert_nonnull (node);
  texture = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, w, h));
  g_assert_nonnull (texture);
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("%s: %s", name, path);

  image = g_new0 (TfTestImage, 1);
  image->width = gdk_texture_get_width (texture);
  image->height = gdk_texture_get_height (texture);
  image->stride = (gsize) image->width * 4;
  image->data = g_malloc (image->stride * image->height);
  gdk_texture_download (texture, image->data, image->stride);
  return image;
}

/* The colour of the pixel at (@x, @y), 0..255 each, into @rgb; returns its
 * alpha. */
static inline int
tf_test_pixel (const TfTestImage *image,
               double             x,
               double             y,
               int                rgb[3])
{
  int ix = (int) floor (x), iy = (int) floor (y);
  const guchar *p;

  g_assert_cmpint (ix, >=, 0);
  g_assert_cmpint (iy, >=, 0);
  g_assert_cmpint (ix, <, image->width);
  g_assert_cmpint (iy, <, image->height);
  p = image->data + iy * image->stride + 4 * ix;
  rgb[0] = p[2];
  rgb[1] = p[1];
  rgb[2] = p[0];
  return p[3];
}

static inline void
tf_test_rgba_to_rgb (const GdkRGBA *c,
                     int            rgb[3])
{
  rgb[0] = (int) lround (c->red * 255);
  rgb[1] = (int) lround (c->green * 255);
  rgb[2] = (int) lround (c->blue * 255);
}

/* the largest difference of a channel, 0..255 */
static inline int
tf_test_distance (const int a[3],
                  const int b[3])
{
  return MAX (abs (a[0] - b[0]), MAX (abs (a[1] - b[1]), abs (a[2] - b[2])));
}

typedef struct
{
  GtkWidget  *widget;
  GdkTexture *texture;
} TfTestShot;

/* After a frame is painted the layout is done: the widget's allocation is
 * valid however often what it shows changes. */
static inline void
tf_test_on_after_paint_cb (GdkFrameClock *clock,
                           TfTestShot    *shot)
{
  GtkWidget *widget = shot->widget;
  int width = gtk_widget_get_width (widget), height = gtk_widget_get_height (widget);
  g_autoptr (GdkPaintable) paintable = NULL;
  g_autoptr (GskRenderNode) node = NULL;
  GtkSnapshot *snapshot;

  (void) clock;
  /* a second frame painted before the handler goes: taken already (and
   * nothing made that would have to be freed) */
  if (shot->texture)
    return;
  paintable = gtk_widget_paintable_new (widget);
  snapshot = gtk_snapshot_new ();
  gdk_paintable_snapshot (paintable, snapshot, width, height);
  node = gtk_snapshot_free_to_node (snapshot);
  if (node)
    shot->texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (widget)), node,
                                                 &GRAPHENE_RECT_INIT (0, 0, width, height));
}

static inline gboolean
tf_test_shot_taken (gpointer data)
{
  TfTestShot *shot = data;

  if (shot->texture == NULL)
    gtk_widget_queue_draw (shot->widget);
  return shot->texture != NULL;
}

/* What @window shows once a frame of it is painted, saved as the PNG @file
 * next to the test binary; returns its path. */
static inline char *
tf_test_save_window (GtkWidget  *window,
                     const char *file)
{
  char *path = g_test_build_filename (G_TEST_BUILT, file, NULL);
  GdkFrameClock *clock = gtk_widget_get_frame_clock (window);
  TfTestShot shot = { window, NULL };
  gulong id;

  g_assert_nonnull (clock);
  id = g_signal_connect (clock, "after-paint", G_CALLBACK (tf_test_on_after_paint_cb), &shot);
  g_assert_true (tf_test_wait_until (tf_test_shot_taken, &shot, 10));
  g_signal_handler_disconnect (clock, id);
  g_assert_true (gdk_texture_save_to_png (shot.texture, path));
  g_object_unref (shot.texture);
  return path;
}

/* ---- widgets under a root */

/* what a widget is looked for by (the data that goes with it) */
typedef enum
{
  TF_TEST_BY_TYPE,           /* its type (a GType, GSIZE_TO_POINTER) */
  TF_TEST_BY_NAME,           /* its name, gtk_widget_set_name() (a string) */
  TF_TEST_BY_ID,             /* its buildable id, from a template (a string) */
  TF_TEST_BY_BUTTON_LABEL,   /* a button's label (a string) */
  TF_TEST_BY_SHOWN_LABEL,    /* a visible label's text (a string) */
  TF_TEST_BY_SHOWN_ICON,     /* a visible image's icon name (a string) */
} TfTestBy;

static inline gboolean
tf_test_widget_is (GtkWidget    *widget,
                   TfTestBy      by,
                   gconstpointer data)
{
  switch (by)
    {
    case TF_TEST_BY_TYPE:
      return G_TYPE_CHECK_INSTANCE_TYPE (widget, (GType) GPOINTER_TO_SIZE (data));
    case TF_TEST_BY_NAME:
      return g_strcmp0 (gtk_widget_get_name (widget), data) == 0;
    case TF_TEST_BY_ID:
      return g_strcmp0 (gtk_buildable_get_buildable_id (GTK_BUILDABLE (widget)), data) == 0;
    case TF_TEST_BY_BUTTON_LABEL:
      return GTK_IS_BUTTON (widget) && g_strcmp0 (gtk_button_get_label (GTK_BUTTON (widget)), data) == 0;
    case TF_TEST_BY_SHOWN_LABEL:
      return GTK_IS_LABEL (widget) && gtk_widget_is_visible (widget)
             && g_strcmp0 (gtk_label_get_label (GTK_LABEL (widget)), data) == 0;
    case TF_TEST_BY_SHOWN_ICON:
      return GTK_IS_IMAGE (widget) && gtk_widget_is_visible (widget)
             && g_strcmp0 (gtk_image_get_icon_name (GTK_IMAGE (widget)), data) == 0;
    }
  g_assert_not_reached ();
  return FALSE;
}

/* the first of @root and what is under it, depth first, that is what @by
 * and @data say */
static inline GtkWidget *
tf_test_find_widget (GtkWidget    *root,
                     TfTestBy      by,
                     gconstpointer data)
{
  if (tf_test_widget_is (root, by, data))
    return root;
  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = tf_test_find_widget (c, by, data);
      if (found)
        return found;
    }
  return NULL;
}

/* how many of @root and what is under it are what @by and @data say */
static inline guint
tf_test_count_widgets (GtkWidget    *root,
                       TfTestBy      by,
                       gconstpointer data)
{
  guint n = tf_test_widget_is (root, by, data) ? 1 : 0;

  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    n += tf_test_count_widgets (c, by, data);
  return n;
}

/* the first widget of @type, @root or under it */
static inline GtkWidget *
tf_test_find_type (GtkWidget *root,
                   GType      type)
{
  return tf_test_find_widget (root, TF_TEST_BY_TYPE, GSIZE_TO_POINTER (type));
}

/* ---- input through the widgets' own controllers */

/* @widget's own controller of @type after @n others of that type, or NULL
 * (the widget holds it) */
static inline gpointer
tf_test_nth_controller (GtkWidget *widget,
                        GType      type,
                        guint      n)
{
  g_autoptr (GListModel) controllers = gtk_widget_observe_controllers (widget);

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr (GObject) controller = g_list_model_get_item (controllers, i);

      if (G_TYPE_CHECK_INSTANCE_TYPE (controller, type) && n-- == 0)
        return controller;
    }
  return NULL;
}

/* @widget's own controller of @type; the test fails where it has none */
static inline gpointer
tf_test_find_controller (GtkWidget *widget,
                         GType      type)
{
  gpointer controller = tf_test_nth_controller (widget, type, 0);

  if (controller == NULL)
    g_error ("%s has no %s", G_OBJECT_TYPE_NAME (widget), g_type_name (type));
  return controller;
}

/* Runs the shortcut bound to @keyval (no modifiers) in @widget's shortcut
 * controllers, as a key press would; its result (FALSE: the key goes on).
 * The test fails where no shortcut is bound to @keyval. */
static inline gboolean
tf_test_activate_shortcut (GtkWidget *widget,
                           guint      keyval)
{
  GListModel *shortcuts;

  for (guint i = 0; (shortcuts = tf_test_nth_controller (widget, GTK_TYPE_SHORTCUT_CONTROLLER, i)); i++)
    for (guint j = 0; j < g_list_model_get_n_items (shortcuts); j++)
      {
        g_autoptr (GtkShortcut) shortcut = g_list_model_get_item (shortcuts, j);
        GtkShortcutTrigger *trigger = gtk_shortcut_get_trigger (shortcut);

        if (GTK_IS_KEYVAL_TRIGGER (trigger)
            && gtk_keyval_trigger_get_keyval (GTK_KEYVAL_TRIGGER (trigger)) == keyval
            && gtk_keyval_trigger_get_modifiers (GTK_KEYVAL_TRIGGER (trigger)) == 0)
          return gtk_shortcut_action_activate (gtk_shortcut_get_action (shortcut),
                                               GTK_SHORTCUT_ACTION_EXCLUSIVE, widget,
                                               gtk_shortcut_get_arguments (shortcut));
      }
  g_error ("no key binding for %s in %s", gdk_keyval_name (keyval), G_OBJECT_TYPE_NAME (widget));
  return FALSE;
}

/* A press at (@x, @y), a move by (@dx, @dy) in two steps, a release, through
 * @widget's drag gesture, as the pointer makes them; @before_end (if any)
 * runs between the last move and the release. */
static inline void
tf_test_drag (GtkWidget *widget,
              double     x,
              double     y,
              double     dx,
              double     dy,
              void     (*before_end) (GtkWidget *))
{
  GtkGesture *gesture = tf_test_find_controller (widget, GTK_TYPE_GESTURE_DRAG);

  g_signal_emit_by_name (gesture, "drag-begin", x, y);
  g_signal_emit_by_name (gesture, "drag-update", dx / 2, dy / 2);
  g_signal_emit_by_name (gesture, "drag-update", dx, dy);
  if (before_end)
    before_end (widget);
  g_signal_emit_by_name (gesture, "drag-end", dx, dy);
}

/* ---- the X server's keyboard */

#ifdef HAVE_XTEST
/* the root window's point of (@x, @y) in @widget */
static inline void
tf_test_x11_point (GtkWidget *widget,
                   double     x,
                   double     y,
                   int       *rx,
                   int       *ry)
{
  GtkNative *native = gtk_widget_get_native (widget);
  Display *xd = gdk_x11_display_get_xdisplay (gtk_widget_get_display (widget));
  Window xw = gdk_x11_surface_get_xid (gtk_native_get_surface (native));
  double nx, ny, sx, sy;
  Window child;
  int ox, oy;

  g_assert_true (gtk_widget_translate_coordinates (widget, GTK_WIDGET (native), x, y, &nx, &ny));
  gtk_native_get_surface_transform (native, &sx, &sy);
  XTranslateCoordinates (xd, xw, DefaultRootWindow (xd), 0, 0, &ox, &oy, &child);
  *rx = ox + (int) lround (sx + nx);
  *ry = oy + (int) lround (sy + ny);
}

typedef struct
{
  guint      keycode;
  gboolean   released;
  GtkWidget *root;   /* weak: a key may close the window */
} TfTestKeySeen;

static inline gboolean
tf_test_on_key_event_cb (GtkEventControllerLegacy *legacy,
                         GdkEvent                 *event,
                         TfTestKeySeen            *seen)
{
  (void) legacy;
  if (gdk_event_get_event_type (event) == GDK_KEY_RELEASE && gdk_key_event_get_keycode (event) == seen->keycode)
    seen->released = TRUE;
  return FALSE;
}

static inline gboolean
tf_test_key_released (gpointer data)
{
  TfTestKeySeen *seen = data;

  return seen->released || seen->root == NULL || !gtk_widget_get_mapped (seen->root);
}

/* @keyval, with Control and Shift as @mods has them, typed on the X
 * server's keyboard into @widget's window (focused first), and waited for:
 * until the window has the key's release (up to 5 s), so its press was
 * handled, however slowly the program runs (ASan on a loaded machine). */
static inline void
tf_test_x11_key (GtkWidget      *widget,
                 guint           keyval,
                 GdkModifierType mods)
{
  GtkEventController *legacy = g_object_ref (gtk_event_controller_legacy_new ());
  TfTestKeySeen seen = { 0, FALSE, GTK_WIDGET (gtk_widget_get_root (widget)) };
  Display *xd = gdk_x11_display_get_xdisplay (gtk_widget_get_display (widget));
  Window xw = gdk_x11_surface_get_xid (gtk_native_get_surface (gtk_widget_get_native (widget)));
  KeyCode code = XKeysymToKeycode (xd, keyval);
  KeyCode ctrl = XKeysymToKeycode (xd, GDK_KEY_Control_L), shift = XKeysymToKeycode (xd, GDK_KEY_Shift_L);
  KeyCode alt = XKeysymToKeycode (xd, GDK_KEY_Alt_L);

  g_assert_cmpuint (code, !=, 0);
  seen.keycode = code;
  g_object_add_weak_pointer (G_OBJECT (seen.root), (gpointer *) &seen.root);
  gtk_event_controller_set_propagation_phase (legacy, GTK_PHASE_CAPTURE);
  g_signal_connect (legacy, "event", G_CALLBACK (tf_test_on_key_event_cb), &seen);
  gtk_widget_add_controller (seen.root, legacy);
  XSetInputFocus (xd, xw, RevertToParent, CurrentTime);
  if (mods & GDK_CONTROL_MASK)
    XTestFakeKeyEvent (xd, ctrl, True, CurrentTime);
  if (mods & GDK_SHIFT_MASK)
    XTestFakeKeyEvent (xd, shift, True, CurrentTime);
  if (mods & GDK_ALT_MASK)
    XTestFakeKeyEvent (xd, alt, True, CurrentTime);
  XTestFakeKeyEvent (xd, code, True, CurrentTime);
  XTestFakeKeyEvent (xd, code, False, CurrentTime);
  if (mods & GDK_ALT_MASK)
    XTestFakeKeyEvent (xd, alt, False, CurrentTime);
  if (mods & GDK_SHIFT_MASK)
    XTestFakeKeyEvent (xd, shift, False, CurrentTime);
  if (mods & GDK_CONTROL_MASK)
    XTestFakeKeyEvent (xd, ctrl, False, CurrentTime);
  XFlush (xd);
  /* not asserted: a key that moves the focus to another window (a dialog)
   * has its release there */
  (void) tf_test_wait_until (tf_test_key_released, &seen, 5);
  g_signal_handlers_disconnect_by_data (legacy, &seen);
  if (seen.root)
    {
      g_object_remove_weak_pointer (G_OBJECT (seen.root), (gpointer *) &seen.root);
      if (gtk_event_controller_get_widget (legacy) == seen.root)
        gtk_widget_remove_controller (seen.root, legacy);
    }
  g_object_unref (legacy);
}
#endif

/* ---- the process */

/* HOME and the XDG data, config and cache folders in @dir/home: nothing of
 * the user's (recent files, caches) is read or written */
static inline void
tf_test_use_home (const char *dir)
{
  g_autofree char *home = g_build_filename (dir, "home", NULL);

  g_setenv ("HOME", home, TRUE);
  g_setenv ("XDG_DATA_HOME", home, TRUE);
  g_setenv ("XDG_CONFIG_HOME", home, TRUE);
  g_setenv ("XDG_CACHE_HOME", home, TRUE);
}

/* the locale from the environment, and the application's translations
 * from TRANSFER_LOCALEDIR (this build's) where it is set */
static inline void
tf_test_use_translations (void)
{
  const char *localedir = g_getenv ("TRANSFER_LOCALEDIR");

  setlocale (LC_ALL, "");
  if (localedir)
    bindtextdomain (GETTEXT_PACKAGE, localedir);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
}

/* ---- sorting */

static inline int
tf_test_compare_doubles (gconstpointer a,
                         gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

/* A g_test_log_set_fatal_handler: there is no session bus under xvfb-run,
 * and GTK's warning about it is not a failure (the application runs
 * without one). */
static inline gboolean
tf_test_log_filter (const char     *domain,
                    GLogLevelFlags  level,
                    const char     *message,
                    gpointer        user_data)
{
  (void) level;
  (void) user_data;
  return !(g_strcmp0 (domain, "Gtk") == 0 && strstr (message, "session bus"));
}
