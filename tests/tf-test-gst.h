/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Fixtures made with GStreamer at test time (header-only: each test is one
 * file). */
#pragma once

#include <gst/gst.h>

/* Runs a gst-launch style pipeline to its end; FALSE (with the reason in
 * the test log) when it cannot be built or fails. */
static inline gboolean
tf_test_run_pipeline (const char *description)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GstElement) pipeline = gst_parse_launch (description, &error);
  g_autoptr(GstBus) bus = NULL;
  g_autoptr(GstMessage) msg = NULL;
  gboolean ok;

  /* a pipeline with a bad property still comes back, with an error set */
  if (pipeline == NULL || error != NULL)
    {
      g_test_message ("fixture pipeline: %s", error ? error->message : "cannot be built");
      return FALSE;
    }
  bus = gst_element_get_bus (pipeline);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  msg = gst_bus_timed_pop_filtered (bus, 120 * GST_SECOND, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  ok = msg != NULL && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS;
  gst_element_set_state (pipeline, GST_STATE_NULL);
  return ok;
}

/* A video of @frames frames at 15 fps, VP8 in WebM, at @path: the photo
 * @png (a PNG) at 240x240 over a 480x320 black frame, 40 pixels down. */
static inline void
tf_test_make_video (const char *path,
                    const char *png,
                    int         frames)
{
  g_autofree char *desc = g_strdup_printf (
    "videotestsrc pattern=black num-buffers=%d ! video/x-raw,width=480,height=320,framerate=15/1 ! "
    "compositor name=mix sink_1::xpos=0 sink_1::ypos=40 ! videoconvert ! vp8enc deadline=1 ! webmmux ! "
    "filesink location=\"%s\"  filesrc location=\"%s\" ! pngdec ! videoconvert ! videoscale ! "
    "video/x-raw,width=240,height=240 ! imagefreeze num-buffers=%d ! video/x-raw,framerate=15/1 ! mix.",
    frames, path, png, frames);

  g_assert_true (tf_test_run_pipeline (desc));
}
