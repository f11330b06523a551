/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <glib/gi18n.h>
#include <math.h>

#include "tf-media.h"
#include "tf-video-view.h"

struct _TfVideoView
{
  GtkWidget       parent_instance;

  GtkWidget      *box;
  GtkVideo       *video;
  GtkWidget      *track_row;
  GtkDropDown    *track_dropdown;
  GtkStringList  *track_names;
  TfTimeline     *timeline;

  char           *file;
  GCancellable   *cancellable;     /* the length of the file, read in a thread */
  GtkMediaStream *stream;
  GHashTable     *tracks;          /* track id -> GPtrArray of TfFaceProbe, in time order */
  GArray         *track_ids;       /* int, in the order of the dropdown */
  int             selected_track;  /* -1: none */
  TfFaceProbe    *current;
  double          position;
  double          last_time;       /* of the latest face */
  gboolean        has_classes;
  gboolean        stream_duration; /* the timeline's length comes from the stream */
  gboolean        seeking;         /* our own seek: its timestamps are already shown */
};

G_DEFINE_FINAL_TYPE (TfVideoView, tf_video_view, GTK_TYPE_WIDGET)

enum
{
  FACE_SELECTED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* ---- helpers ------------------------------------------------------------- */

static GPtrArray *
selected_faces (TfVideoView *self)
{
  if (self->selected_track < 0)
    return NULL;
  return g_hash_table_lookup (self->tracks, GINT_TO_POINTER (self->selected_track));
}

/* the index of the face nearest @t in @faces (ordered by time) */
static guint
nearest (GPtrArray *faces,
         double     t)
{
  guint lo = 0, hi = faces->len;

  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;
      if (((TfFaceProbe *) g_ptr_array_index (faces, mid))->time_s < t)
        lo = mid + 1;
      else
        hi = mid;
    }
  /* lo: the first at or after t; the one before may be nearer */
  if (lo == faces->len)
    return faces->len - 1;
  if (lo > 0 && t - ((TfFaceProbe *) g_ptr_array_index (faces, lo - 1))->time_s
                < ((TfFaceProbe *) g_ptr_array_index (faces, lo))->time_s - t)
    return lo - 1;
  return lo;
}

static void
set_current (TfVideoView *self,
             TfFaceProbe *probe)
{
  if (probe == self->current)
    return;
  g_clear_pointer (&self->current, tf_face_probe_unref);
  self->current = probe ? tf_face_probe_ref (probe) : NULL;
  g_signal_emit (self, signals[FACE_SELECTED], 0, probe);
}

static void
update_current (TfVideoView *self)
{
  GPtrArray *faces = selected_faces (self);

  if (faces == NULL || faces->len == 0)
    set_current (self, NULL);
  else
    set_current (self, g_ptr_array_index (faces, nearest (faces, self->position)));
}

static void
set_position (TfVideoView *self,
              double       seconds)
{
  self->position = MAX (0, seconds);
  tf_timeline_set_position (self->timeline, self->position);
  update_current (self);
}

/* the video's length, whatever the playback can tell: the timeline's scale
 * is then right from the first face on */
static void
duration_thread (GTask        *task,
                 gpointer      source_object,
                 gpointer      task_data,
                 GCancellable *cancellable)
{
  g_autoptr(TfMedia) media = tf_media_open (task_data, NULL, NULL);
  double *duration = g_new (double, 1);

  *duration = media ? tf_media_get_duration (media) : -1;
  g_task_return_pointer (task, duration, g_free);
}

static void
on_duration_read_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(TfVideoView) self = user_data;
  g_autofree double *duration = g_task_propagate_pointer (G_TASK (result), NULL);

  if (duration && *duration > 0 && !self->stream_duration && self->timeline)
    {
      self->stream_duration = TRUE;
      tf_timeline_set_duration (self->timeline, *duration);
    }
}

/* ---- callbacks ----------------------------------------------------------- */

static void
on_timestamp_cb (GtkMediaStream *stream,
                 GParamSpec     *pspec,
                 TfVideoView    *self)
{
  double t = gtk_media_stream_get_timestamp (stream) / (double) G_USEC_PER_SEC;

  /* the stream reports where a seek of ours landed: keep our exact time */
  if (self->seeking && !gtk_media_stream_is_seeking (stream))
    {
      self->seeking = FALSE;
      return;
    }
  if (self->seeking)
    return;
  if (fabs (t - self->position) > 1e-3)
    set_position (self, t);
}

static void
on_duration_cb (GtkMediaStream *stream,
                GParamSpec     *pspec,
                TfVideoView    *self)
{
  gint64 duration = gtk_media_stream_get_duration (stream);

  if (duration > 0)
    {
      self->stream_duration = TRUE;
      tf_timeline_set_duration (self->timeline, duration / (double) G_USEC_PER_SEC);
    }
}

static void
on_timeline_seek_cb (TfTimeline  *timeline,
                     double       seconds,
                     TfVideoView *self)
{
  tf_video_view_seek (self, seconds);
}

static void
on_track_selected_cb (GtkDropDown *dropdown,
                      GParamSpec  *pspec,
                      TfVideoView *self)
{
  guint i = gtk_drop_down_get_selected (dropdown);

  if (i < self->track_ids->len)
    tf_video_view_select_track (self, g_array_index (self->track_ids, int, i));
}

/* ---- overrides ----------------------------------------------------------- */

static void
tf_video_view_dispose (GObject *object)
{
  TfVideoView *self = TF_VIDEO_VIEW (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->stream)
    {
      g_signal_handlers_disconnect_by_data (self->stream, self);
      gtk_media_stream_pause (self->stream);
      g_clear_object (&self->stream);
    }
  g_clear_pointer (&self->box, gtk_widget_unparent);
  self->timeline = NULL;
  g_clear_pointer (&self->current, tf_face_probe_unref);
  g_clear_pointer (&self->tracks, g_hash_table_unref);
  g_clear_pointer (&self->track_ids, g_array_unref);
  G_OBJECT_CLASS (tf_video_view_parent_class)->dispose (object);
}

static void
tf_video_view_finalize (GObject *object)
{
  g_free (TF_VIDEO_VIEW (object)->file);
  G_OBJECT_CLASS (tf_video_view_parent_class)->finalize (object);
}

static void
tf_video_view_class_init (TfVideoViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tf_video_view_dispose;
  object_class->finalize = tf_video_view_finalize;
  signals[FACE_SELECTED] = g_signal_new ("face-selected", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                         0, NULL, NULL, NULL, G_TYPE_NONE, 1, TF_TYPE_FACE_PROBE);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "videoview");
}

static void
tf_video_view_init (TfVideoView *self)
{
  GtkWidget *label;

  self->tracks = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, (GDestroyNotify) g_ptr_array_unref);
  self->track_ids = g_array_new (FALSE, FALSE, sizeof (int));
  self->selected_track = -1;

  self->box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  gtk_widget_set_parent (self->box, GTK_WIDGET (self));

  self->video = GTK_VIDEO (gtk_video_new ());
  gtk_video_set_autoplay (self->video, FALSE);
  gtk_widget_set_vexpand (GTK_WIDGET (self->video), TRUE);
  gtk_widget_set_size_request (GTK_WIDGET (self->video), 64, 120);
  gtk_box_append (GTK_BOX (self->box), GTK_WIDGET (self->video));

  /* which tracked face the timeline's cursor and the inspector follow */
  self->track_row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  gtk_widget_set_margin_start (self->track_row, 12);
  gtk_widget_set_margin_end (self->track_row, 12);
  gtk_widget_set_margin_top (self->track_row, 6);
  label = gtk_label_new_with_mnemonic (_("_Face"));
  gtk_box_append (GTK_BOX (self->track_row), label);
  self->track_names = gtk_string_list_new (NULL);
  self->track_dropdown = GTK_DROP_DOWN (gtk_drop_down_new (G_LIST_MODEL (self->track_names), NULL));
  gtk_label_set_mnemonic_widget (GTK_LABEL (label), GTK_WIDGET (self->track_dropdown));
  gtk_box_append (GTK_BOX (self->track_row), GTK_WIDGET (self->track_dropdown));
  gtk_widget_set_visible (self->track_row, FALSE);
  g_signal_connect (self->track_dropdown, "notify::selected", G_CALLBACK (on_track_selected_cb), self);
  gtk_box_append (GTK_BOX (self->box), self->track_row);

  self->timeline = TF_TIMELINE (tf_timeline_new ());
  gtk_widget_set_margin_start (GTK_WIDGET (self->timeline), 12);
  gtk_widget_set_margin_end (GTK_WIDGET (self->timeline), 12);
  gtk_widget_set_margin_top (GTK_WIDGET (self->timeline), 6);
  gtk_widget_set_margin_bottom (GTK_WIDGET (self->timeline), 12);
  g_signal_connect (self->timeline, "seek", G_CALLBACK (on_timeline_seek_cb), self);
  gtk_box_append (GTK_BOX (self->box), GTK_WIDGET (self->timeline));

  gtk_widget_set_hexpand (GTK_WIDGET (self), TRUE);
  gtk_widget_set_vexpand (GTK_WIDGET (self), TRUE);
}

/* ---- public API ---------------------------------------------------------- */

GtkWidget *
tf_video_view_new (void)
{
  return g_object_new (TF_TYPE_VIDEO_VIEW, NULL);
}

void
tf_video_view_set_file (TfVideoView *self,
                        const char  *path)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (TF_IS_VIDEO_VIEW (self));

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->stream)
    {
      g_signal_handlers_disconnect_by_data (self->stream, self);
      gtk_media_stream_pause (self->stream);
      g_clear_object (&self->stream);
    }
  g_free (self->file);
  self->file = g_strdup (path);

  g_hash_table_remove_all (self->tracks);
  g_array_set_size (self->track_ids, 0);
  g_signal_handlers_block_by_func (self->track_dropdown, on_track_selected_cb, self);
  gtk_string_list_splice (self->track_names, 0, g_list_model_get_n_items (G_LIST_MODEL (self->track_names)), NULL);
  g_signal_handlers_unblock_by_func (self->track_dropdown, on_track_selected_cb, self);
  gtk_widget_set_visible (self->track_row, FALSE);
  self->selected_track = -1;
  g_clear_pointer (&self->current, tf_face_probe_unref);
  self->position = 0;
  self->last_time = 0;
  self->has_classes = FALSE;
  self->stream_duration = FALSE;
  self->seeking = FALSE;
  tf_timeline_clear (self->timeline);
  tf_timeline_set_duration (self->timeline, 0);
  tf_timeline_set_position (self->timeline, 0);

  if (path == NULL)
    {
      gtk_video_set_media_stream (self->video, NULL);
      return;
    }
  self->stream = GTK_MEDIA_STREAM (gtk_media_file_new_for_filename (path));
  g_signal_connect (self->stream, "notify::timestamp", G_CALLBACK (on_timestamp_cb), self);
  g_signal_connect (self->stream, "notify::duration", G_CALLBACK (on_duration_cb), self);
  gtk_video_set_media_stream (self->video, self->stream);

  self->cancellable = g_cancellable_new ();
  task = g_task_new (NULL, self->cancellable, on_duration_read_cb, g_object_ref (self));
  g_task_set_source_tag (task, tf_video_view_set_file);
  g_task_set_task_data (task, g_strdup (path), g_free);
  g_task_run_in_thread (task, duration_thread);
}

const char *
tf_video_view_get_file (TfVideoView *self)
{
  g_return_val_if_fail (TF_IS_VIDEO_VIEW (self), NULL);

  return self->file;
}

void
tf_video_view_add_face (TfVideoView *self,
                        TfFaceProbe *probe)
{
  GPtrArray *faces;

  g_return_if_fail (TF_IS_VIDEO_VIEW (self));
  g_return_if_fail (probe != NULL);

  if (!self->has_classes && probe->class_names)
    {
      tf_timeline_set_classes (self->timeline, (const char * const *) probe->class_names, probe->classes);
      self->has_classes = TRUE;
    }
  faces = g_hash_table_lookup (self->tracks, GINT_TO_POINTER (probe->track));
  if (faces == NULL)
    {
      g_autofree char *name = g_strdup_printf (_("Face %d"), probe->track);

      faces = g_ptr_array_new_with_free_func ((GDestroyNotify) tf_face_probe_unref);
      g_hash_table_insert (self->tracks, GINT_TO_POINTER (probe->track), faces);
      g_array_append_val (self->track_ids, probe->track);
      g_signal_handlers_block_by_func (self->track_dropdown, on_track_selected_cb, self);
      gtk_string_list_append (self->track_names, name);
      g_signal_handlers_unblock_by_func (self->track_dropdown, on_track_selected_cb, self);
      gtk_widget_set_visible (self->track_row, self->track_ids->len > 1);
      if (self->selected_track < 0)
        self->selected_track = probe->track;
    }
  g_ptr_array_add (faces, tf_face_probe_ref (probe));
  if (probe->probs)
    tf_timeline_add_point (self->timeline, probe->track, probe->time_s, probe->probs);
  if (!self->stream_duration && probe->time_s > self->last_time)
    tf_timeline_set_duration (self->timeline, probe->time_s);
  self->last_time = MAX (self->last_time, probe->time_s);

  /* cheap: only a face nearer the cursor than the one shown changes it */
  if (probe->track == self->selected_track
      && (self->current == NULL
          || fabs (probe->time_s - self->position) < fabs (self->current->time_s - self->position)))
    set_current (self, probe);
}

void
tf_video_view_seek (TfVideoView *self,
                    double       seconds)
{
  g_return_if_fail (TF_IS_VIDEO_VIEW (self));

  set_position (self, seconds);
  if (self->stream && gtk_media_stream_is_seekable (self->stream))
    {
      self->seeking = TRUE;
      gtk_media_stream_seek (self->stream, (gint64) (self->position * G_USEC_PER_SEC));
    }
}

void
tf_video_view_step (TfVideoView *self,
                    int          direction)
{
  GPtrArray *faces;
  guint i;

  g_return_if_fail (TF_IS_VIDEO_VIEW (self));

  faces = selected_faces (self);
  if (faces == NULL || faces->len == 0)
    return;
  i = nearest (faces, self->position);
  if (direction > 0 && i + 1 < faces->len)
    i++;
  else if (direction < 0 && i > 0)
    i--;
  tf_video_view_seek (self, ((TfFaceProbe *) g_ptr_array_index (faces, i))->time_s);
}

guint
tf_video_view_get_n_tracks (TfVideoView *self)
{
  g_return_val_if_fail (TF_IS_VIDEO_VIEW (self), 0);

  return self->track_ids->len;
}

int
tf_video_view_get_selected_track (TfVideoView *self)
{
  g_return_val_if_fail (TF_IS_VIDEO_VIEW (self), -1);

  return self->selected_track;
}

void
tf_video_view_select_track (TfVideoView *self,
                            int          track)
{
  g_return_if_fail (TF_IS_VIDEO_VIEW (self));

  for (guint i = 0; i < self->track_ids->len; i++)
    if (g_array_index (self->track_ids, int, i) == track)
      {
        self->selected_track = track;
        if (gtk_drop_down_get_selected (self->track_dropdown) != i)
          gtk_drop_down_set_selected (self->track_dropdown, i);
        update_current (self);
        return;
      }
}

TfFaceProbe *
tf_video_view_get_face (TfVideoView *self)
{
  g_return_val_if_fail (TF_IS_VIDEO_VIEW (self), NULL);

  return self->current;
}

TfTimeline *
tf_video_view_get_timeline (TfVideoView *self)
{
  g_return_val_if_fail (TF_IS_VIDEO_VIEW (self), NULL);

  return self->timeline;
}
