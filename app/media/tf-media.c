/* SPDX-License-Identifier: GPL-3.0-or-later */
/* One GStreamer pipeline per opened file:
 *
 *   uridecodebin ! videoconvert ! videoflip ! appsink (RGB, size-limited)
 *
 * pulled synchronously (appsink sync=false, two buffers at most, no drop), so
 * the consumer paces the decoder and memory stays flat. Non-picture streams
 * are not decoded: they end in a fakesink straight from the demuxer. TIFF and
 * BMP go to gdkpixbufdec (decodebin's choice for them cannot decode them).
 * The orientation of a JPEG (and a TIFF) comes from its header, read by
 * tf-image-header.c.
 *
 * Nothing waits on a main loop: a bus sync handler records errors and
 * preroll from the streaming threads and wakes the reader through a GCond,
 * and every wait has a deadline. Oversized frames are refused from the caps
 * of whichever element first announces the size (parser, demuxer or
 * decoder): that caps event is held on its pad until the pipeline is torn
 * down, so no decoder allocates the frame (a size limit on the caps of the
 * converter would come too late: decodebin accepts the caps for a pad it has
 * not exposed yet, and the decoder allocates and decodes before the refusal
 * reaches it). */
#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <gdk-pixbuf/gdk-pixbuf.h>
#include <gio/gio.h>
#include <gst/app/gstappsink.h>
#include <gst/gst.h>
#include <gst/video/video.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

#include "tf-image-header.h"
#include "tf-decode.h"
#include "tf-error.h"
#include "tf-media.h"

#define DEFAULT_MAX_SIDE    16384
#define PREROLL_TIMEOUT_S   30     /* opening: first frame of a video, a whole photo */
#define STALL_TIMEOUT_S     30     /* no frame, no end, no error for this long: give up */
#define PULL_SLICE          (50 * GST_MSECOND)  /* how often a blocked next looks at cancel */
#define EXIF_HEAD_BYTES     (256 * 1024)        /* where a JPEG keeps its APP1 segment */
#define SAMPLE_TOLERANCE_S  1e-3
#define SEEK_MARGIN_NS      (1 * GST_MSECOND)
#define PROBED_KEY          "tf-media-probed"

struct _TfMedia
{
  char          *display;      /* the file name for messages (UTF-8) */
  char          *uri;
  int            exif_orientation;
  gboolean       pixbuf_format;  /* TIFF, BMP: decoded by gdkpixbufdec */
  gboolean       top_down_bmp;   /* typefind is told, it cannot tell */
  TfMediaOptions options;
  int            max_side;

  GstElement    *pipeline;
  GstElement    *source;       /* uridecodebin */
  GstElement    *convert;
  GstElement    *appsink;

  TfMediaKind    kind;
  int            width, height;
  double         duration, fps;
  gint64         duration_ns;  /* -1: unknown */
  gint64         last_end_ns;  /* end of the last decoded frame, -1 none yet */
  int            fps_n, fps_d;

  /* written from streaming threads, under lock */
  GMutex         lock;
  GCond          cond;
  GError        *gst_error;    /* the first error message of the pipeline */
  char          *gst_debug;
  char          *warning;      /* the last warning, for a picture that decodes to nothing */
  char          *stream_type;  /* what typefind saw: "image/png", "video/quicktime", ... */
  gboolean       async_done;
  gboolean       have_video;   /* a picture stream reached our converter */
  gboolean       have_other;   /* a stream that is not a picture (audio, subtitles) */
  gboolean       no_more_pads;
  gboolean       too_large;
  int            large_w, large_h;
  GPtrArray     *demuxers;     /* the pipeline's demuxers (refs), for preroll's stall check */

  /* a still picture decoded whole by tf_decode_rgb (no pipeline) */
  guint8        *picture;
  int            picture_stride;
  gboolean       picture_given;  /* next returned it since the (re)start */
  gboolean       missing_plugin;

  gint           cancelled;    /* atomic */

  /* reading state: the reading thread only */
  GError        *failed;       /* sticky: once reading failed, next repeats it */
  gboolean       ended;
  gint64         target_ns;    /* drop frames before this time (after a seek) */
  gint64         counted;      /* frames at or after the target since the (re)start */
  gboolean       kept_any;     /* since the (re)start */
  gint64         next_slot;    /* fps sampling: keep the first frame at or after next_slot / fps */
  gint64         next_index;   /* counted index, when the frame rate is unknown */
};

G_DEFINE_QUARK (tf-media-error-quark, tf_media_error)

/* ---- orientation -------------------------------------------------------- */

/* EXIF orientation -> the videoflip method that shows the picture upright
 * (as PIL's ImageOps.exif_transpose does). */
static GstVideoOrientationMethod
orientation_method (int exif)
{
  switch (exif)
    {
    case 2: return GST_VIDEO_ORIENTATION_HORIZ;
    case 3: return GST_VIDEO_ORIENTATION_180;
    case 4: return GST_VIDEO_ORIENTATION_VERT;
    case 5: return GST_VIDEO_ORIENTATION_UL_LR;   /* transpose */
    case 6: return GST_VIDEO_ORIENTATION_90R;
    case 7: return GST_VIDEO_ORIENTATION_UR_LL;   /* transverse */
    case 8: return GST_VIDEO_ORIENTATION_90L;
    default: return GST_VIDEO_ORIENTATION_IDENTITY;
    }
}

/* ---- helpers ------------------------------------------------------------- */

static gboolean
ensure_gst (GError **error)
{
  static gsize once = 0;
  static gboolean ok;
  static GError *init_error;

  if (g_once_init_enter (&once))
    {
      ok = gst_init_check (NULL, NULL, &init_error);
      g_once_init_leave (&once, 1);
    }
  if (!ok)
    /* TRANSLATORS: %s says why GStreamer, the media framework, failed to start */
    g_set_error (error, TF_MEDIA_ERROR, TF_MEDIA_ERROR_FORMAT, _("GStreamer cannot start: %s"),
                 init_error ? init_error->message : _("unknown error"));
  return ok;
}

static gboolean
is_picture_caps (const GstCaps *caps)
{
  const char *name;

  if (caps == NULL || gst_caps_is_empty (caps) || gst_caps_is_any (caps))
    return FALSE;
  name = gst_structure_get_name (gst_caps_get_structure (caps, 0));
  return g_str_has_prefix (name, "video/") || g_str_has_prefix (name, "image/");
}

/* Streams we never decode: decodebin stops at them, they go to a fakesink. */
static gboolean
is_skipped_caps (const GstCaps *caps)
{
  const char *name;

  if (caps == NULL || gst_caps_is_empty (caps) || gst_caps_is_any (caps))
    return FALSE;
  name = gst_structure_get_name (gst_caps_get_structure (caps, 0));
  return g_str_has_prefix (name, "audio/") || g_str_has_prefix (name, "text/") ||
         g_str_has_prefix (name, "subpicture/") || g_str_has_prefix (name, "subtitle/") ||
         g_str_has_prefix (name, "application/x-subtitle") || g_str_has_prefix (name, "closedcaption/");
}

/* Size-limited caps for the appsink, so negotiation refuses what the
 * probes let through (they cover every caps event that carries a size). */
static GstCaps *
limited_caps (int max_side)
{
  return gst_caps_new_simple ("video/x-raw",
                              "format", G_TYPE_STRING, "RGB",
                              "width", GST_TYPE_INT_RANGE, 1, max_side,
                              "height", GST_TYPE_INT_RANGE, 1, max_side,
                              NULL);
}

static void
wake (TfMedia *m)
{
  g_mutex_lock (&m->lock);
  g_cond_broadcast (&m->cond);
  g_mutex_unlock (&m->lock);
}

/* ---- callbacks (streaming threads) ---------------------------------------- */

static GstBusSyncReply
on_bus_sync_cb (GstBus     *bus,
                GstMessage *message,
                gpointer    user_data)
{
  TfMedia *m = user_data;

  (void) bus;
  g_mutex_lock (&m->lock);
  switch (GST_MESSAGE_TYPE (message))
    {
    case GST_MESSAGE_ERROR:
      if (m->gst_error == NULL)
        gst_message_parse_error (message, &m->gst_error, &m->gst_debug);
      break;
    case GST_MESSAGE_WARNING:
      {
        GError *w = NULL;
        gst_message_parse_warning (message, &w, NULL);
        g_free (m->warning);
        m->warning = g_strdup (w ? w->message : NULL);
        g_clear_error (&w);
      }
      break;
    case GST_MESSAGE_ASYNC_DONE:
      if (GST_MESSAGE_SRC (message) == GST_OBJECT (m->pipeline))
        m->async_done = TRUE;
      break;
    case GST_MESSAGE_ELEMENT:
      if (gst_message_has_name (message, "missing-plugin"))
        m->missing_plugin = TRUE;
      break;
    default:
      break;
    }
  g_cond_broadcast (&m->cond);
  g_mutex_unlock (&m->lock);
  /* nothing is left queued on the bus: it would grow over a long video */
  return GST_BUS_DROP;
}

static GstPadProbeReturn
on_hold_probe_cb (GstPad          *pad,
                  GstPadProbeInfo *info,
                  gpointer         user_data)
{
  (void) pad;
  (void) info;
  (void) user_data;
  return GST_PAD_PROBE_OK;   /* block, until the pad is set flushing */
}

/* On every source pad inside the decoder: the first caps that announce a
 * picture larger than the limit are held there, so no element downstream
 * allocates the frame. The probe itself does not block (a blocking probe on
 * a pad holds back the queries other probes look at); it adds one that does,
 * which catches this same caps event, and is released when the pipeline
 * goes down. */
static GstPadProbeReturn
on_caps_probe_cb (GstPad          *pad,
                  GstPadProbeInfo *info,
                  gpointer         user_data)
{
  TfMedia *m = user_data;
  GstEvent *event = GST_PAD_PROBE_INFO_EVENT (info);
  const GstStructure *s;
  GstCaps *caps;
  int w = 0, h = 0;

  if (event == NULL || GST_EVENT_TYPE (event) != GST_EVENT_CAPS)
    return GST_PAD_PROBE_OK;
  gst_event_parse_caps (event, &caps);
  if (!is_picture_caps (caps))
    return GST_PAD_PROBE_OK;
  s = gst_caps_get_structure (caps, 0);
  if (!gst_structure_get_int (s, "width", &w) || !gst_structure_get_int (s, "height", &h) ||
      (MAX (w, h) <= m->max_side && (guint64) w * (guint64) h <= TF_MEDIA_MAX_PIXELS))
    return GST_PAD_PROBE_OK;

  g_mutex_lock (&m->lock);
  if (!m->too_large)
    {
      m->too_large = TRUE;
      m->large_w = w;
      m->large_h = h;
    }
  g_cond_broadcast (&m->cond);
  g_mutex_unlock (&m->lock);
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BLOCK_DOWNSTREAM, on_hold_probe_cb, NULL, NULL);
  return GST_PAD_PROBE_OK;
}

static void
probe_pad (TfMedia *m,
           GstPad  *pad)
{
  if (GST_PAD_DIRECTION (pad) != GST_PAD_SRC ||
      !g_object_replace_data (G_OBJECT (pad), PROBED_KEY, NULL, GINT_TO_POINTER (1), NULL, NULL))
    return;   /* a sink pad, or probed already */
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, on_caps_probe_cb, m, NULL);
}

static void
on_element_pad_added_cb (GstElement *element,
                         GstPad     *pad,
                         gpointer    user_data)
{
  (void) element;
  probe_pad (user_data, pad);
}

static void
on_have_type_cb (GstElement *typefind,
                 guint       probability,
                 GstCaps    *caps,
                 gpointer    user_data)
{
  TfMedia *m = user_data;

  (void) typefind;
  (void) probability;
  g_mutex_lock (&m->lock);
  if (m->stream_type == NULL && caps != NULL && !gst_caps_is_empty (caps))
    m->stream_type = g_strdup (gst_structure_get_name (gst_caps_get_structure (caps, 0)));
  g_mutex_unlock (&m->lock);
}

static void
on_deep_element_added_cb (GstBin     *bin,
                          GstBin     *sub_bin,
                          GstElement *element,
                          gpointer    user_data)
{
  TfMedia *m = user_data;
  GstElementFactory *factory = gst_element_get_factory (element);
  const char *factory_name = factory ? gst_plugin_feature_get_name (GST_PLUGIN_FEATURE (factory)) : "";
  GList *l;

  (void) bin;
  (void) sub_bin;
  if (GST_IS_BIN (element))
    return;
  if (g_strcmp0 (factory_name, "typefind") == 0)
    {
      g_signal_connect (element, "have-type", G_CALLBACK (on_have_type_cb), m);
      /* GStreamer's BMP typefinder reads the height as unsigned and gives
       * up on a negative one: name the type the header gave */
      if (m->top_down_bmp)
        {
          g_autoptr(GstCaps) bmp = gst_caps_new_empty_simple ("image/bmp");
          g_object_set (element, "force-caps", bmp, NULL);
        }
    }

  /* a photo that fails to decode is an error, not a frame silently dropped */
  if (GST_IS_VIDEO_DECODER (element))
    {
      gboolean image;

      g_mutex_lock (&m->lock);
      image = m->stream_type != NULL && g_str_has_prefix (m->stream_type, "image/");
      g_mutex_unlock (&m->lock);
      if (image)
        gst_video_decoder_set_max_errors (GST_VIDEO_DECODER (element), 0);
    }

  /* one decoding thread: on two cores the frames are wanted for analysis
   * that keeps both busy, and libav's frame threads cost more CPU time per
   * frame (and a reference frame set per thread) for no gain in throughput */
  if (g_str_has_prefix (factory_name, "avdec_") &&
      g_object_class_find_property (G_OBJECT_GET_CLASS (element), "max-threads") != NULL)
    g_object_set (element, "max-threads", 1, NULL);

  if (factory && g_strrstr (gst_element_factory_get_metadata (factory, GST_ELEMENT_METADATA_KLASS), "Demux"))
    {
      g_mutex_lock (&m->lock);
      g_ptr_array_add (m->demuxers, gst_object_ref (element));
      g_mutex_unlock (&m->lock);
    }

  g_signal_connect (element, "pad-added", G_CALLBACK (on_element_pad_added_cb), m);
  GST_OBJECT_LOCK (element);
  for (l = element->srcpads; l != NULL; l = l->next)
    probe_pad (m, l->data);
  GST_OBJECT_UNLOCK (element);
}

static gboolean
on_autoplug_continue_cb (GstElement *bin,
                         GstPad     *pad,
                         GstCaps    *caps,
                         gpointer    user_data)
{
  (void) bin;
  (void) pad;
  (void) user_data;
  return !is_skipped_caps (caps);   /* audio and subtitles stay undecoded */
}

/* Only connected for TIFF and BMP files: decodebin's own list, with
 * gdkpixbufdec first for them. */
static GValueArray *
on_autoplug_factories_cb (GstElement *bin,
                          GstPad     *pad,
                          GstCaps    *caps,
                          gpointer    user_data)
{
  static const char *const pixbuf_types[] = { "image/tiff", "image/bmp", "image/x-bmp", "image/x-MS-bmp" };
  const char *name = gst_caps_is_empty (caps) || gst_caps_is_any (caps) ? ""
                     : gst_structure_get_name (gst_caps_get_structure (caps, 0));
  GList *all, *factories;
  GValueArray *result;

  (void) bin;
  (void) pad;
  (void) user_data;
  all = gst_element_factory_list_get_elements (GST_ELEMENT_FACTORY_TYPE_DECODABLE, GST_RANK_MARGINAL);
  all = g_list_sort (all, gst_plugin_feature_rank_compare_func);
  factories = gst_element_factory_list_filter (all, caps, GST_PAD_SINK, gst_caps_is_fixed (caps));
  gst_plugin_feature_list_free (all);
  for (guint i = 0; i < G_N_ELEMENTS (pixbuf_types); i++)
    if (strcmp (name, pixbuf_types[i]) == 0)
      {
        GstElementFactory *pixbuf = gst_element_factory_find ("gdkpixbufdec");
        if (pixbuf != NULL)
          factories = g_list_prepend (factories, pixbuf);
        break;
      }

  G_GNUC_BEGIN_IGNORE_DEPRECATIONS   /* the signal's type */
  result = g_value_array_new (g_list_length (factories));
  for (GList *l = factories; l != NULL; l = l->next)
    {
      GValue v = G_VALUE_INIT;
      g_value_init (&v, G_TYPE_OBJECT);
      g_value_set_object (&v, l->data);
      g_value_array_append (result, &v);
      g_value_unset (&v);
    }
  G_GNUC_END_IGNORE_DEPRECATIONS
  gst_plugin_feature_list_free (factories);
  return result;
}

static void
on_decoded_pad_added_cb (GstElement *source,
                         GstPad     *pad,
                         gpointer    user_data)
{
  TfMedia *m = user_data;
  g_autoptr(GstCaps) caps = gst_pad_get_current_caps (pad);
  g_autoptr(GstPad) sinkpad = NULL;
  GstElement *fakesink;

  (void) source;
  if (caps == NULL)
    caps = gst_pad_query_caps (pad, NULL);

  if (is_picture_caps (caps))
    {
      sinkpad = gst_element_get_static_pad (m->convert, "sink");
      if (!gst_pad_is_linked (sinkpad) && GST_PAD_LINK_SUCCESSFUL (gst_pad_link (pad, sinkpad)))
        {
          g_mutex_lock (&m->lock);
          m->have_video = TRUE;
          g_cond_broadcast (&m->cond);
          g_mutex_unlock (&m->lock);
          return;
        }
    }
  else
    {
      g_mutex_lock (&m->lock);
      m->have_other = TRUE;
      g_mutex_unlock (&m->lock);
    }

  /* anything else (audio, a second picture stream) is swallowed, so the
   * demuxer never sees a not-linked pad */
  fakesink = gst_element_factory_make ("fakesink", NULL);
  if (fakesink == NULL)
    return;
  g_object_set (fakesink, "sync", FALSE, "async", FALSE, "enable-last-sample", FALSE, NULL);
  gst_bin_add (GST_BIN (m->pipeline), fakesink);
  gst_element_sync_state_with_parent (fakesink);
  sinkpad = gst_element_get_static_pad (fakesink, "sink");
  gst_pad_link (pad, sinkpad);
}

static void
on_no_more_pads_cb (GstElement *source,
                    gpointer    user_data)
{
  TfMedia *m = user_data;

  (void) source;
  g_mutex_lock (&m->lock);
  m->no_more_pads = TRUE;
  g_cond_broadcast (&m->cond);
  g_mutex_unlock (&m->lock);
}

/* ---- errors --------------------------------------------------------------- */

gboolean
tf_media_ensure_gst (GError **error)
{
  return ensure_gst (error);
}

/* The useful part of an error's debug string ("file.c(12): func (): /path:\n
 * what happened"), when it is short enough for a message; else NULL. */
static const char *
debug_detail (const char *debug)
{
  const char *nl;

  if (debug == NULL)
    return NULL;
  nl = strrchr (debug, '\n');
  debug = nl ? nl + 1 : debug;
  if (*debug == '\0' || strlen (debug) > 200 || g_str_has_prefix (debug, "streaming stopped"))
    return NULL;
  return debug;
}

static void
set_too_many_pixels (TfMedia  *m,
                     int       w,
                     int       h,
                     GError  **error)
{
  g_set_error (error, TF_MEDIA_ERROR, TF_MEDIA_ERROR_TOO_LARGE,
               /* TRANSLATORS: the file's name (keep "%s: " first), the picture's width x
                * height, the limit on all its pixels in millions */
               _("%s: %dx%d pixels, more than the %u-megapixel limit"),
               m->display, w, h, TF_MEDIA_MAX_PIXELS / 1000000);
}

/* What went wrong, from what the streaming threads recorded; call with the
 * lock held. @started: frames were flowing (an error is then a decode
 * failure part way). FALSE when nothing went wrong. */
static gboolean
pipeline_error_locked (TfMedia  *m,
                       gboolean  started,
                       GError  **error)
{
  g_autofree char *type = m->stream_type ? g_strdup_printf (" (%s)", m->stream_type) : g_strdup ("");

  if (m->too_large && MAX (m->large_w, m->large_h) <= m->max_side)
    {
      set_too_many_pixels (m, m->large_w, m->large_h, error);
      return TRUE;
    }
  if (m->too_large)
    {
      g_set_error (error, TF_MEDIA_ERROR, TF_MEDIA_ERROR_TOO_LARGE,
                   /* TRANSLATORS: the file's name (keep "%s: " first: the application takes
                    * the name off there), the picture's width x height, the limit on either
                    * side in pixels */
                   _("%s: %dx%d pixels, larger than the %d-pixel limit"),
                   m->display, m->large_w, m->large_h, m->max_side);
      return TRUE;
    }
  if (!m->have_video && (m->no_more_pads || m->gst_error != NULL) && m->have_other)
    {
      g_set_error (error, TF_MEDIA_ERROR, TF_MEDIA_ERROR_NO_VIDEO,
                   /* TRANSLATORS: the file's name (keep "%s: " first), then nothing or the file's
                    * media type in parentheses, " (audio/mpeg)" */
                   _("%s: no picture stream, only sound or subtitles%s"), m->display, type);
      return TRUE;
    }
  if (m->gst_error != NULL)
    {
      GError *e = m->gst_error;
      const char *detail = debug_detail (m->gst_debug);
      TfMediaError code;

      if (e->domain == GST_RESOURCE_ERROR)
        code = TF_MEDIA_ERROR_OPEN;
      else if (e->domain == GST_STREAM_ERROR &&
               (e->code == GST_STREAM_ERROR_DECODE || e->code == GST_STREAM_ERROR_DEMUX))
        code = TF_MEDIA_ERROR_DECODE;
      else if (started)
        code = TF_MEDIA_ERROR_DECODE;
      else
        code = TF_MEDIA_ERROR_FORMAT;

      if (code == TF_MEDIA_ERROR_FORMAT)
        g_set_error (error, TF_MEDIA_ERROR, code,
                     /* TRANSLATORS: the file's name (keep "%s: " first), nothing or the
                      * file's media type in parentheses, " (video/webm)", then GStreamer's
                      * own message */
                     _("%s: not a picture or video this system can decode%s: %s"),
                     m->display, type, e->message);
      else if (detail != NULL)
        g_set_error (error, TF_MEDIA_ERROR, code, "%s: %s (%s)", m->display, e->message, detail);
      else
        g_set_error (error, TF_MEDIA_ERROR, code, "%s: %s", m->display, e->message);
      return TRUE;
    }
  if (!m->have_video && m->no_more_pads)
    {
      g_set_error (error, TF_MEDIA_ERROR, TF_MEDIA_ERROR_FORMAT,
                   /* TRANSLATORS: the file's name (keep "%s: " first), nothing or the file's
                    * media type in parentheses, " (video/webm)", then nothing or
                    * ": a GStreamer plugin is missing" */
                   _("%s: not a picture or video this system can decode%s%s"),
                   m->display, type,
                   /* TRANSLATORS: ends "FILE: not a picture or video this system can decode" */
                   m->missing_plugin ? _(": a GStreamer plugin is missing") : "");
      return TRUE;
    }
  return FALSE;
}

/* ---- pipeline ------------------------------------------------------------- */

static GstElement *
make_element (TfMedia     *m,
              const char  *factory,
              GError     **error)
{
  GstElement *e = gst_element_factory_make (factory, NULL);

  if (e == NULL)
    g_set_error (error, TF_MEDIA_ERROR, TF_MEDIA_ERROR_FORMAT,
                 /* TRANSLATORS: the file's name (keep "%s: " first), a GStreamer element's
                  * name, such as videoconvert */
                 _("%s: the GStreamer element '%s' is not installed"), m->display, factory);
  return e;
}

static gboolean
build_pipeline (TfMedia  *m,
                GError  **error)
{
  g_autoptr(GstBus) bus = NULL;
  g_autoptr(GstCaps) caps = NULL;
  GstElement *flip;

  m->pipeline = gst_pipeline_new ("tf-media");
  bus = gst_pipeline_get_bus (GST_PIPELINE (m->pipeline));
  gst_bus_set_sync_handler (bus, on_bus_sync_cb, m, NULL);
  g_signal_connect (m->pipeline, "deep-element-added", G_CALLBACK (on_deep_element_added_cb), m);

  if ((m->source = make_element (m, "uridecodebin", error)) == NULL)
    return FALSE;
  gst_bin_add (GST_BIN (m->pipeline), m->source);
  if ((m->convert = make_element (m, "videoconvert", error)) == NULL)
    return FALSE;
  gst_bin_add (GST_BIN (m->pipeline), m->convert);
  if ((flip = make_element (m, "videoflip", error)) == NULL)
    return FALSE;
  gst_bin_add (GST_BIN (m->pipeline), flip);
  if ((m->appsink = make_element (m, "appsink", error)) == NULL)
    return FALSE;
  gst_bin_add (GST_BIN (m->pipeline), m->appsink);

  g_object_set (m->source, "uri", m->uri, NULL);
  g_signal_connect (m->source, "autoplug-continue", G_CALLBACK (on_autoplug_continue_cb), m);
  if (m->pixbuf_format)
    g_signal_connect (m->source, "autoplug-factories", G_CALLBACK (on_autoplug_factories_cb), m);
  g_signal_connect (m->source, "pad-added", G_CALLBACK (on_decoded_pad_added_cb), m);
  g_signal_connect (m->source, "no-more-pads", G_CALLBACK (on_no_more_pads_cb), m);

  g_object_set (m->convert, "dither", 0 /* none */, NULL);
  /* a JPEG's EXIF orientation, else whatever image-orientation tag comes */
  g_object_set (flip, "video-direction",
                m->exif_orientation > 1 ? orientation_method (m->exif_orientation) : GST_VIDEO_ORIENTATION_AUTO,
                NULL);

  caps = limited_caps (m->max_side);
  g_object_set (m->appsink,
                "caps", caps,
                "sync", FALSE,
                "max-buffers", 2,
                "drop", FALSE,
                "enable-last-sample", FALSE,
                "emit-signals", FALSE,
                NULL);

  if (!gst_element_link_many (m->convert, flip, m->appsink, NULL))
    {
      g_set_error (error, TF_MEDIA_ERROR, TF_MEDIA_ERROR_FORMAT,
                   _("%s: cannot link videoconvert, videoflip and appsink"), m->display);
      return FALSE;
    }
  return TRUE;
}

static void
reset_stream_state_locked (TfMedia *m)
{
  g_clear_error (&m->gst_error);
  g_clear_pointer (&m->gst_debug, g_free);
  g_clear_pointer (&m->warning, g_free);
  m->async_done = FALSE;
  m->have_video = FALSE;
  m->have_other = FALSE;
  m->no_more_pads = FALSE;
  m->missing_plugin = FALSE;
}

/* A demuxer that gave up before it made a single stream: its task (it
 * pulls the file) paused with no source pad. Decodebin drops an error the
 * demuxer posts while decodebin is still setting it to PAUSED (it filters
 * the errors of elements it is trying, and keeps none once the state
 * change went through), so for a cut MP4 about one open in three heard
 * nothing and waited out the preroll deadline. Call with the lock held. */
static gboolean
demuxer_gave_up_locked (TfMedia *m)
{
  for (guint i = 0; i < m->demuxers->len; i++)
    {
      GstElement *d = g_ptr_array_index (m->demuxers, i);
      gboolean gave_up = FALSE;

      GST_OBJECT_LOCK (d);
      if (d->numsrcpads == 0)
        for (GList *l = d->sinkpads; l != NULL && !gave_up; l = l->next)
          gave_up = gst_pad_get_task_state (l->data) == GST_TASK_PAUSED;
      GST_OBJECT_UNLOCK (d);
      if (gave_up)
        return TRUE;
    }
  return FALSE;
}

/* PAUSED and wait until the first frame reached the appsink (or the end),
 * an error, cancel or the deadline. */
static gboolean
preroll (TfMedia  *m,
         GError  **error)
{
  gint64 deadline = g_get_monotonic_time () + PREROLL_TIMEOUT_S * G_TIME_SPAN_SECOND;
  GstStateChangeReturn ret = gst_element_set_state (m->pipeline, GST_STATE_PAUSED);
  gboolean ok = FALSE;

  g_mutex_lock (&m->lock);
  for (;;)
    {
      if (pipeline_error_locked (m, FALSE, error))
        break;
      if (ret == GST_STATE_CHANGE_FAILURE)
        {
          g_set_error (error, TF_MEDIA_ERROR, TF_MEDIA_ERROR_OPEN, _("%s: cannot start reading"), m->display);
          break;
        }
      if (g_atomic_int_get (&m->cancelled))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, _("%s: cancelled"), m->display);
          break;
        }
      if (m->async_done || ret == GST_STATE_CHANGE_SUCCESS)
        {
          ok = TRUE;
          break;
        }
      if (demuxer_gave_up_locked (m))
        {
          g_autofree char *type = m->stream_type ? g_strdup_printf (" (%s)", m->stream_type) : g_strdup ("");
          g_set_error (error, TF_MEDIA_ERROR, TF_MEDIA_ERROR_DECODE,
                       /* TRANSLATORS: the file's name (keep "%s: " first), nothing or the file's
                        * media type in parentheses, " (video/quicktime)" */
                       _("%s: no playable stream: the file looks truncated or damaged%s"), m->display, type);
          break;
        }
      /* woken by every message; the stall check above also every 100 ms */
      if (!g_cond_wait_until (&m->cond, &m->lock, MIN (deadline, g_get_monotonic_time () + G_TIME_SPAN_SECOND / 10)) &&
          g_get_monotonic_time () >= deadline)
        {
          if (!pipeline_error_locked (m, FALSE, error))
            g_set_error (error, TF_MEDIA_ERROR, TF_MEDIA_ERROR_DECODE,
                         /* TRANSLATORS: the file's name (keep "%s: " first), a number of seconds */
                         _("%s: no picture after %d s"), m->display, PREROLL_TIMEOUT_S);
          break;
        }
    }
  g_mutex_unlock (&m->lock);
  return ok;
}

static void
destroy_pipeline (TfMedia *m)
{
  g_autoptr(GstBus) bus = NULL;

  if (m->pipeline == NULL)
    return;
  bus = gst_pipeline_get_bus (GST_PIPELINE (m->pipeline));
  /* flushing also releases a probe that holds an oversized frame */
  gst_element_set_state (m->pipeline, GST_STATE_NULL);
  gst_bus_set_sync_handler (bus, NULL, NULL, NULL);
  gst_clear_object (&m->pipeline);
  m->source = m->convert = m->appsink = NULL;
  g_mutex_lock (&m->lock);
  g_ptr_array_set_size (m->demuxers, 0);
  g_mutex_unlock (&m->lock);
}

/* Back to the start, used for photos and where seeking is refused: a new
 * pipeline, as appsink 1.22 keeps its end-of-stream flag from READY to
 * PAUSED and would report the end before the first frame. A failure here
 * is also what next reports from then on. */
static gboolean
restart (TfMedia  *m,
         GError  **error)
{
  destroy_pipeline (m);
  g_mutex_lock (&m->lock);
  reset_stream_state_locked (m);
  g_mutex_unlock (&m->lock);
  if (!build_pipeline (m, &m->failed) || !preroll (m, &m->failed))
    {
      destroy_pipeline (m);
      g_propagate_error (error, g_error_copy (m->failed));
      return FALSE;
    }
  gst_element_set_state (m->pipeline, GST_STATE_PLAYING);
  return TRUE;
}

static void
restart_sampling (TfMedia *m,
                  gint64   target_ns)
{
  m->target_ns = target_ns;
  m->counted = 0;
  m->kept_any = FALSE;
  m->next_slot = 0;
  m->next_index = 0;
  m->last_end_ns = -1;
  m->ended = FALSE;
  g_clear_error (&m->failed);
}

/* ---- public API ------------------------------------------------------------- */

/* Takes @m: a picture decoded whole by tf_decode_rgb. */
static TfMedia *
open_picture (TfMedia     *m_owned,
              const char  *path,
              int          width,
              int          height,
              GError     **error)
{
  g_autoptr(TfMedia) m = m_owned;
  g_autoptr(GError) local_error = NULL;
  int w, h, stride;

  if (MAX (width, height) > m->max_side)
    {
      g_set_error (error, TF_MEDIA_ERROR, TF_MEDIA_ERROR_TOO_LARGE, _("%s: %dx%d pixels, larger than the %d-pixel limit"),
                   m->display, width, height, m->max_side);
      return NULL;
    }
  if ((guint64) MAX (width, 0) * (guint64) MAX (height, 0) > TF_MEDIA_MAX_PIXELS)
    {
      set_too_many_pixels (m, width, height, error);
      return NULL;
    }
  if (!(m->picture = tf_decode_rgb (path, &w, &h, &stride, &local_error, NULL)))
    {
      /* its messages name the file already */
      g_set_error_literal (error, TF_MEDIA_ERROR,
                           g_error_matches (local_error, TF_ERROR, TF_ERROR_IO) ? TF_MEDIA_ERROR_OPEN
                                                                                : TF_MEDIA_ERROR_DECODE,
                           local_error->message);
      return NULL;
    }
  m->width = w;
  m->height = h;
  m->picture_stride = stride;
  m->kind = TF_MEDIA_IMAGE;
  m->duration = 0;
  m->fps = 0;
  return g_steal_pointer (&m);
}

TfMedia *
tf_media_open (const char            *path,
               const TfMediaOptions  *options,
               GError               **error)
{
  g_autoptr(TfMedia) m = NULL;
  g_autofree guint8 *head = NULL;
  g_autoptr(GstSample) preroll_sample = NULL;
  GStatBuf st;
  GstVideoInfo info;
  gint64 duration_ns = -1;
  gssize head_len;
  TfImageHeader header;
  int fd;
  gboolean image_type;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  m = g_new0 (TfMedia, 1);
  g_mutex_init (&m->lock);
  g_cond_init (&m->cond);
  m->demuxers = g_ptr_array_new_with_free_func (gst_object_unref);
  m->display = g_filename_display_name (path);
  if (options != NULL)
    m->options = *options;
  m->options.every = MAX (m->options.every, 1);
  m->max_side = m->options.max_side > 0 ? m->options.max_side : DEFAULT_MAX_SIDE;
  m->duration = -1;
  m->duration_ns = -1;
  m->last_end_ns = -1;
  restart_sampling (m, 0);

  if (!ensure_gst (error))
    return NULL;

  /* the file itself first: clear messages, and never a FIFO that would block */
  if (g_stat (path, &st) != 0)
    {
      int e = errno;
      g_set_error (error, TF_MEDIA_ERROR, TF_MEDIA_ERROR_OPEN, "%s: %s", m->display,
                   e == ENOENT ? _("no such file") : g_strerror (e));
      return NULL;
    }
  if (S_ISDIR (st.st_mode))
    {
      g_set_error (error, TF_MEDIA_ERROR, TF_MEDIA_ERROR_OPEN, _("%s: is a folder, not a file"), m->display);
      return NULL;
    }
  if (!S_ISREG (st.st_mode))
    {
      g_set_error (error, TF_MEDIA_ERROR, TF_MEDIA_ERROR_OPEN, _("%s: not a regular file"), m->display);
      return NULL;
    }
  if (st.st_size == 0)
    {
      /* TRANSLATORS: %s is the file's name; keep "%s: " first, the application takes the
       * name off there when it shows the name already */
      g_set_error (error, TF_MEDIA_ERROR, TF_MEDIA_ERROR_OPEN, _("%s: empty file"), m->display);
      return NULL;
    }
  fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);
  if (fd < 0)
    {
      int e = errno;
      g_set_error (error, TF_MEDIA_ERROR, TF_MEDIA_ERROR_OPEN, "%s: %s", m->display, g_strerror (e));
      return NULL;
    }
  /* the header, for what GStreamer would learn too late or never: a JPEG's
   * EXIF orientation, a TIFF's or a BMP's size (tf-image-header.c) */
  head = g_malloc (EXIF_HEAD_BYTES);
  head_len = 0;
  while (head_len < EXIF_HEAD_BYTES)
    {
      gssize n = read (fd, head + head_len, EXIF_HEAD_BYTES - head_len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break;
      head_len += n;
    }
  close (fd);
  if (head_len <= 0)
    {
      g_set_error (error, TF_MEDIA_ERROR, TF_MEDIA_ERROR_OPEN, _("%s: cannot read the file"), m->display);
      return NULL;
    }
  /* a still picture that gdk-pixbuf reads goes to the one picture decoder
   * (tf-decode.c), as for training and evaluation: its size and whether it
   * is whole are checked from the file before a pixel is decoded, and an
   * animated GIF gives its first frame. GStreamer takes videos and the
   * pictures gdk-pixbuf does not know. */
  {
    g_autoptr(GError) damage = NULL;
    int pw = 0, ph = 0;

    if (gdk_pixbuf_get_file_info (path, &pw, &ph) != NULL)
      return open_picture (g_steal_pointer (&m), path, pw, ph, error);
    /* not recognised because it was cut short (a TIFF before its directory) */
    if (!tf_decode_check_whole (path, m->display, &damage))
      {
        g_set_error_literal (error, TF_MEDIA_ERROR,
                             g_error_matches (damage, TF_ERROR, TF_ERROR_IO) ? TF_MEDIA_ERROR_OPEN
                                                                            : TF_MEDIA_ERROR_DECODE,
                             damage->message);
        return NULL;
      }
  }
  tf_image_header_sniff (head, head_len, &header);
  m->exif_orientation = header.orientation;
  /* TIFF and BMP: decodebin offers avdec_tiff and avdec_bmp for them, which
   * want whole-picture packets that no parser makes, and fail; gdkpixbufdec
   * (rank none, never autoplugged) reads them. Its pixbuf loader decodes the
   * whole picture before any caps are seen, so the size is checked here,
   * from the header (0 x 0 when a TIFF's first IFD lies past what was read). */
  if (header.format == TF_IMAGE_HEADER_FORMAT_TIFF || header.format == TF_IMAGE_HEADER_FORMAT_BMP)
    {
      m->pixbuf_format = TRUE;
      m->top_down_bmp = header.top_down;
      if (header.width < 0)
        {
          /* a BMP's width is signed, and only its height may be negative */
          g_set_error (error, TF_MEDIA_ERROR, TF_MEDIA_ERROR_FORMAT,
                       /* TRANSLATORS: the file's name (keep "%s: " first), then the
                        * negative width written in the file's header */
                       _("%s: invalid width in the header: %d pixels"),
                       m->display, (int) header.width);
          return NULL;
        }
      /* both at most G_MAXUINT32 (TIFF), or 2^31 (BMP) */
      if (MAX (header.width, header.height) > m->max_side)
        {
          g_set_error (error, TF_MEDIA_ERROR, TF_MEDIA_ERROR_TOO_LARGE,
                       /* TRANSLATORS: the file's name (keep "%s: " first), the picture's
                        * width x height, the limit on either side in pixels */
                       _("%s: %ux%u pixels, larger than the %d-pixel limit"),
                       m->display, (guint32) header.width, (guint32) header.height, m->max_side);
          return NULL;
        }
    }

  m->uri = gst_filename_to_uri (path, NULL);
  if (m->uri == NULL)
    {
      g_set_error (error, TF_MEDIA_ERROR, TF_MEDIA_ERROR_OPEN, _("%s: cannot make a URI of the path"), m->display);
      return NULL;
    }
  if (!build_pipeline (m, error) || !preroll (m, error))
    return NULL;

  /* the first frame, as the appsink got it: the size after orientation; a
   * file whose first picture fails to decode has none (the decoder only
   * warned and dropped it) */
  preroll_sample = gst_app_sink_try_pull_preroll (GST_APP_SINK (m->appsink), 0);
  if (preroll_sample == NULL || !gst_video_info_from_caps (&info, gst_sample_get_caps (preroll_sample)))
    {
      g_mutex_lock (&m->lock);
      if (!pipeline_error_locked (m, FALSE, error))
        /* TRANSLATORS: the file's name (keep "%s: " first), then nothing, or ": " and
         * GStreamer's warning */
        g_set_error (error, TF_MEDIA_ERROR, TF_MEDIA_ERROR_DECODE, _("%s: no picture could be decoded%s%s"),
                     m->display, m->warning ? ": " : "", m->warning ? m->warning : "");
      g_mutex_unlock (&m->lock);
      return NULL;
    }
  m->width = GST_VIDEO_INFO_WIDTH (&info);
  m->height = GST_VIDEO_INFO_HEIGHT (&info);
  m->fps_n = GST_VIDEO_INFO_FPS_N (&info);
  m->fps_d = GST_VIDEO_INFO_FPS_D (&info);
  m->fps = m->fps_n > 0 && m->fps_d > 0 ? (double) m->fps_n / m->fps_d : 0;
  if (!gst_element_query_duration (m->pipeline, GST_FORMAT_TIME, &duration_ns))
    duration_ns = -1;

  g_mutex_lock (&m->lock);
  image_type = m->stream_type != NULL && g_str_has_prefix (m->stream_type, "image/");
  g_mutex_unlock (&m->lock);
  if (image_type || (m->fps == 0 && duration_ns <= 0))
    {
      m->kind = TF_MEDIA_IMAGE;
      m->duration = 0;
      m->fps = 0;
    }
  else
    {
      m->kind = TF_MEDIA_VIDEO;
      m->duration = duration_ns >= 0 ? duration_ns / 1e9 : -1;
      m->duration_ns = duration_ns;
    }

  if (gst_element_set_state (m->pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
    {
      g_mutex_lock (&m->lock);
      if (!pipeline_error_locked (m, FALSE, error))
        g_set_error (error, TF_MEDIA_ERROR, TF_MEDIA_ERROR_DECODE, _("%s: cannot start decoding"), m->display);
      g_mutex_unlock (&m->lock);
      return NULL;
    }
  return g_steal_pointer (&m);
}

void
tf_media_free (TfMedia *m)
{
  if (m == NULL)
    return;
  destroy_pipeline (m);
  g_free (m->picture);
  g_clear_error (&m->gst_error);
  g_clear_error (&m->failed);
  g_free (m->gst_debug);
  g_free (m->warning);
  g_free (m->stream_type);
  g_free (m->display);
  g_free (m->uri);
  g_clear_pointer (&m->demuxers, g_ptr_array_unref);
  g_mutex_clear (&m->lock);
  g_cond_clear (&m->cond);
  g_free (m);
}

TfMediaKind
tf_media_get_kind (TfMedia *m)
{
  g_return_val_if_fail (m != NULL, TF_MEDIA_IMAGE);
  return m->kind;
}

int
tf_media_get_width (TfMedia *m)
{
  g_return_val_if_fail (m != NULL, 0);
  return m->width;
}

int
tf_media_get_height (TfMedia *m)
{
  g_return_val_if_fail (m != NULL, 0);
  return m->height;
}

double
tf_media_get_duration (TfMedia *m)
{
  g_return_val_if_fail (m != NULL, -1);
  return m->duration;
}

double
tf_media_get_fps (TfMedia *m)
{
  g_return_val_if_fail (m != NULL, 0);
  return m->fps;
}

/* Decides whether the decoded @sample is returned, and with which index and
 * time. Frames before a seek target are dropped without being counted. */
static gboolean
keep_sample (TfMedia   *m,
             GstSample *sample,
             gint64    *index,
             double    *time_s)
{
  GstBuffer *buffer = gst_sample_get_buffer (sample);
  GstSegment *segment = gst_sample_get_segment (sample);
  gint64 t_ns = -1;
  gboolean keep;

  if (m->kind == TF_MEDIA_VIDEO && GST_BUFFER_PTS_IS_VALID (buffer))
    {
      guint64 st = segment ? gst_segment_to_stream_time (segment, GST_FORMAT_TIME, GST_BUFFER_PTS (buffer))
                           : GST_BUFFER_PTS (buffer);
      if (GST_CLOCK_TIME_IS_VALID (st))
        t_ns = (gint64) st;
    }
  if (t_ns >= 0)
    m->last_end_ns = t_ns + (GST_BUFFER_DURATION_IS_VALID (buffer) ? (gint64) GST_BUFFER_DURATION (buffer) : 0);
  if (m->kind == TF_MEDIA_VIDEO && t_ns >= 0 && t_ns < m->target_ns)
    return FALSE;

  if (m->kind == TF_MEDIA_VIDEO && t_ns >= 0 && m->fps_n > 0)
    *index = gst_util_uint64_scale_round (t_ns, m->fps_n, (guint64) m->fps_d * GST_SECOND);
  else
    *index = m->next_index;
  m->next_index = *index + 1;
  *time_s = t_ns >= 0 ? t_ns / 1e9 : 0;

  if (m->options.fps > 0)
    {
      /* the first frame at or after each multiple of 1 / fps, give or take
       * the millisecond to which WebM rounds its timestamps */
      keep = !m->kept_any || *time_s >= m->next_slot / m->options.fps - SAMPLE_TOLERANCE_S;
      if (keep)
        m->next_slot = (gint64) floor ((*time_s + SAMPLE_TOLERANCE_S) * m->options.fps) + 1;
    }
  else
    keep = m->counted % m->options.every == 0;
  m->counted++;
  if (keep)
    m->kept_any = TRUE;
  return keep;
}

static TfFrame *
frame_from_sample (TfMedia    *m,
                   GstSample  *sample,
                   gint64      index,
                   double      time_s,
                   GError    **error)
{
  GstVideoInfo info;
  GstVideoFrame vf;
  TfFrame *frame;
  gsize row_bytes;

  if (!gst_video_info_from_caps (&info, gst_sample_get_caps (sample)) ||
      !gst_video_frame_map (&vf, &info, gst_sample_get_buffer (sample), GST_MAP_READ))
    {
      g_set_error (error, TF_MEDIA_ERROR, TF_MEDIA_ERROR_DECODE, _("%s: cannot read a decoded frame"), m->display);
      return NULL;
    }
  frame = g_new0 (TfFrame, 1);
  frame->width = GST_VIDEO_FRAME_WIDTH (&vf);
  frame->height = GST_VIDEO_FRAME_HEIGHT (&vf);
  row_bytes = (gsize) frame->width * 3;
  frame->stride = (int) row_bytes;
  frame->index = index;
  frame->time_s = time_s;
  /* a copy: the caller may keep frames as long as it likes without holding
   * buffers a decoder's pool may be waiting for */
  frame->rgb = g_try_malloc (row_bytes * frame->height);
  if (frame->rgb == NULL)
    {
      gst_video_frame_unmap (&vf);
      g_free (frame);
      /* TRANSLATORS: the file's name (keep "%s: " first), the frame's width x height */
      g_set_error (error, TF_MEDIA_ERROR, TF_MEDIA_ERROR_TOO_LARGE, _("%s: out of memory for a %dx%d frame"),
                   m->display, GST_VIDEO_INFO_WIDTH (&info), GST_VIDEO_INFO_HEIGHT (&info));
      return NULL;
    }
  {
    const guint8 *src = GST_VIDEO_FRAME_PLANE_DATA (&vf, 0);
    gsize src_stride = GST_VIDEO_FRAME_PLANE_STRIDE (&vf, 0);

    if (src_stride == row_bytes)
      memcpy (frame->rgb, src, row_bytes * frame->height);
    else
      for (int y = 0; y < frame->height; y++)
        memcpy (frame->rgb + y * row_bytes, src + y * src_stride, row_bytes);
  }
  gst_video_frame_unmap (&vf);
  return frame;
}

TfFrame *
tf_media_next (TfMedia  *m,
               GError  **error)
{
  gint64 last_progress = g_get_monotonic_time ();

  g_return_val_if_fail (m != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (m->picture != NULL)
    {
      TfFrame *frame;

      if (g_atomic_int_get (&m->cancelled))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, _("%s: cancelled"), m->display);
          return NULL;
        }
      if (m->picture_given)
        return NULL;
      m->picture_given = TRUE;
      frame = g_new0 (TfFrame, 1);
      frame->rgb = g_memdup2 (m->picture, (gsize) m->height * m->picture_stride);
      frame->width = m->width;
      frame->height = m->height;
      frame->stride = m->picture_stride;
      return frame;
    }

  for (;;)
    {
      GstSample *sample;
      gint64 index;
      double time_s;
      TfFrame *frame;

      if (g_atomic_int_get (&m->cancelled))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, _("%s: cancelled"), m->display);
          return NULL;
        }
      if (m->failed != NULL)
        {
          g_propagate_error (error, g_error_copy (m->failed));
          return NULL;
        }
      if (m->ended)
        return NULL;

      sample = gst_app_sink_try_pull_sample (GST_APP_SINK (m->appsink), PULL_SLICE);
      if (sample == NULL)
        {
          /* frames decoded before a failure were pulled first: now the failure */
          g_mutex_lock (&m->lock);
          if (m->gst_error != NULL || m->too_large)
            pipeline_error_locked (m, TRUE, &m->failed);
          g_mutex_unlock (&m->lock);
          if (m->failed != NULL)
            continue;
          if (gst_app_sink_is_eos (GST_APP_SINK (m->appsink)))
            {
              gint64 missing = m->duration_ns - m->last_end_ns;
              m->ended = TRUE;
              /* demuxers end cleanly where a cut file stops: a picture stream
               * that ends well before the length the file states (more than
               * a second and a tenth of it) was cut short */
              if (m->kind == TF_MEDIA_VIDEO && m->duration_ns > 0 && m->last_end_ns >= 0 &&
                  missing > GST_SECOND && missing > m->duration_ns / 10)
                g_set_error (&m->failed, TF_MEDIA_ERROR, TF_MEDIA_ERROR_DECODE,
                             /* TRANSLATORS: the file's name (keep "%s: " first), the second
                              * where the pictures stop, the length in seconds the file states */
                             _("%s: the pictures stop at %.2f s of the %.2f s the file states: "
                               "the file looks truncated"), m->display, m->last_end_ns / 1e9, m->duration_ns / 1e9);
              continue;
            }
          if (g_get_monotonic_time () - last_progress > STALL_TIMEOUT_S * G_TIME_SPAN_SECOND)
            g_set_error (&m->failed, TF_MEDIA_ERROR, TF_MEDIA_ERROR_DECODE,
                         /* TRANSLATORS: the file's name (keep "%s: " first), a number of seconds */
                         _("%s: no frame, end or error for %d s"), m->display, STALL_TIMEOUT_S);
          continue;
        }
      last_progress = g_get_monotonic_time ();
      if (!keep_sample (m, sample, &index, &time_s))
        {
          gst_sample_unref (sample);
          continue;
        }
      frame = frame_from_sample (m, sample, index, time_s, error);
      gst_sample_unref (sample);
      return frame;
    }
}

gboolean
tf_media_seek (TfMedia  *m,
               double    time_s,
               GError  **error)
{
  gint64 target_ns, position;

  g_return_val_if_fail (m != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (m->picture != NULL && !g_atomic_int_get (&m->cancelled))
    {
      /* a picture is all at time 0: after it, nothing */
      m->picture_given = time_s > SAMPLE_TOLERANCE_S;
      return TRUE;
    }
  if (!(time_s >= 0))   /* also NaN */
    time_s = 0;
  target_ns = (gint64) llround (MIN (time_s, 1e9) * 1e9);
  if (g_atomic_int_get (&m->cancelled))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, _("%s: cancelled"), m->display);
      return FALSE;
    }

  restart_sampling (m, target_ns);
  if (m->kind == TF_MEDIA_IMAGE)
    {
      /* a photo's one frame is at time 0 */
      if (target_ns > 0)
        {
          m->ended = TRUE;
          return TRUE;
        }
      return restart (m, error);
    }

  if (m->pipeline == NULL)   /* an earlier restart failed */
    return restart (m, error);
  g_mutex_lock (&m->lock);
  g_clear_error (&m->gst_error);
  g_clear_pointer (&m->gst_debug, g_free);
  g_mutex_unlock (&m->lock);
  /* a decoder clips the frame that straddles the segment start, moving its
   * timestamp to the start: seek a little before the target so that frame
   * keeps its own time, and drop what comes before the target ourselves */
  position = MAX (target_ns - SEEK_MARGIN_NS, 0);
  /* past the end some demuxers trip over start > stop: seek to the end, and
   * the frames there are dropped as before the target */
  if (m->duration_ns > 0)
    position = MIN (position, m->duration_ns);
  if (gst_element_seek (m->pipeline, 1.0, GST_FORMAT_TIME,
                        GST_SEEK_FLAG_FLUSH | GST_SEEK_FLAG_ACCURATE,
                        GST_SEEK_TYPE_SET, position, GST_SEEK_TYPE_NONE, GST_CLOCK_TIME_NONE))
    return TRUE;
  /* not seekable: decode from the start, dropping frames before the target */
  return restart (m, error);
}

gboolean
tf_media_seek_after (TfMedia  *m,
                     double    time_s,
                     GError  **error)
{
  g_return_val_if_fail (m != NULL, FALSE);

  if (!(time_s >= 0))
    time_s = 0;
  if (m->kind == TF_MEDIA_IMAGE)
    return tf_media_seek (m, 1, error);   /* past its one frame */
  /* half a millisecond on: that frame is dropped, the next one (a frame
   * later) is not */
  if (!tf_media_seek (m, time_s + 0.5e-3, error))
    return FALSE;
  /* sampling as if that frame had just been kept */
  m->kept_any = TRUE;
  m->counted = 1;
  m->next_slot = m->options.fps > 0 ? (gint64) floor ((time_s + SAMPLE_TOLERANCE_S) * m->options.fps) + 1 : 0;
  return TRUE;
}

void
tf_media_cancel (TfMedia *m)
{
  g_return_if_fail (m != NULL);
  g_atomic_int_set (&m->cancelled, 1);
  wake (m);
}

guint8 *
tf_media_read_picture (const char  *path,
                       int         *width,
                       int         *height,
                       int         *stride,
                       GError     **error)
{
  g_autoptr(TfMedia) media = NULL;
  g_autoptr(TfFrame) frame = NULL;
  g_autoptr(GError) local_error = NULL;
  guint8 *rgb;

  g_return_val_if_fail (path != NULL && width != NULL && height != NULL && stride != NULL, NULL);

  if (!(media = tf_media_open (path, NULL, error)))
    return NULL;
  if (!(frame = tf_media_next (media, &local_error)))
    {
      g_autofree char *display = g_filename_display_name (path);
      if (local_error)
        g_propagate_error (error, g_steal_pointer (&local_error));
      else
        g_set_error (error, TF_MEDIA_ERROR, TF_MEDIA_ERROR_DECODE, _("%s has no picture"), display);
      return NULL;
    }
  rgb = g_malloc ((gsize) frame->height * (gsize) frame->stride);
  memcpy (rgb, frame->rgb, (gsize) frame->height * (gsize) frame->stride);
  *width = frame->width;
  *height = frame->height;
  *stride = frame->stride;
  return rgb;
}

gboolean
tf_media_kind_for_content_type (const char  *content_type,
                                TfMediaKind *kind)
{
  g_autofree char *mime = content_type ? g_content_type_get_mime_type (content_type) : NULL;

  if (mime == NULL)
    return FALSE;
  if (g_str_has_prefix (mime, "image/"))
    *kind = TF_MEDIA_IMAGE;
  else if (g_str_has_prefix (mime, "video/") || g_str_equal (mime, "application/ogg") ||
           g_str_equal (mime, "application/x-matroska"))
    *kind = TF_MEDIA_VIDEO;
  else
    return FALSE;
  return TRUE;
}

gboolean
tf_media_kind_for_name (const char  *path,
                        TfMediaKind *kind)
{
  g_autofree char *type = NULL;

  g_return_val_if_fail (path != NULL && kind != NULL, FALSE);

  type = g_content_type_guess (path, NULL, 0, NULL);
  return tf_media_kind_for_content_type (type, kind);
}

void
tf_frame_free (TfFrame *frame)
{
  if (frame == NULL)
    return;
  g_free (frame->rgb);
  g_free (frame);
}
