/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <string.h>

#include "tf-session-resume.h"

void
tf_resume_free (TfResume *r)
{
  if (r == NULL)
    return;
  g_strfreev (r->files);
  g_clear_pointer (&r->faces, g_array_unref);
  g_clear_pointer (&r->tracks, g_array_unref);
  g_free (r);
}

struct _TfResumeLog
{
  GStrv           files;
  const TfResume *from;
  int             files_done;     /* files 0 .. files_done - 1 are done */
  int             file;           /* the file of the faces and frames below */
  gint64          frames, faces;  /* delivered from it */
  gboolean        marked;         /* a frame of it is done: */
  double          mark_time;
  gint64          mark_frame;
  gboolean        mark_picture;
  GArray         *mark_faces;     /* TfFace of that frame */
  GArray         *mark_tracks;
  GArray         *new_faces;      /* since: the faces of a frame not done */
  GArray         *new_tracks;
  double          new_time;
  int             max_track;
  int             skip_left;      /* of from's faces to drop */
};

TfResumeLog *
tf_resume_log_new (const char * const *paths,
                   const TfResume     *from)
{
  TfResumeLog *log = g_new0 (TfResumeLog, 1);

  log->files = g_strdupv ((char **) paths);
  log->from = from;
  log->mark_faces = g_array_new (FALSE, FALSE, sizeof (TfFace));
  log->mark_tracks = g_array_new (FALSE, FALSE, sizeof (int));
  log->new_faces = g_array_new (FALSE, FALSE, sizeof (TfFace));
  log->new_tracks = g_array_new (FALSE, FALSE, sizeof (int));
  if (from != NULL && from->partial)
    {
      /* the first file goes on: its frame done so far, its counts */
      log->marked = TRUE;
      log->mark_time = from->point.after_s;
      log->mark_frame = from->point.frame;
      g_array_append_vals (log->mark_faces, from->faces->data, from->faces->len);
      g_array_append_vals (log->mark_tracks, from->tracks->data, from->tracks->len);
      log->frames = from->base_frames;
      log->faces = from->base_faces;
      log->max_track = from->point.next_track - 1;
    }
  if (from != NULL)
    log->skip_left = from->skip_count;
  return log;
}

void
tf_resume_log_free (TfResumeLog *log)
{
  if (log == NULL)
    return;
  g_strfreev (log->files);
  g_array_unref (log->mark_faces);
  g_array_unref (log->mark_tracks);
  g_array_unref (log->new_faces);
  g_array_unref (log->new_tracks);
  g_free (log);
}

void
tf_resume_log_set_files (TfResumeLog *log,
                         GStrv        files)
{
  g_strfreev (log->files);
  log->files = files;
}

/* from now on, file @file_index */
static void
enter_file (TfResumeLog *log,
            int          file_index)
{
  if (file_index == log->file)
    return;
  log->file = file_index;
  log->frames = log->faces = 0;
  log->marked = FALSE;
  log->max_track = 0;
  g_array_set_size (log->mark_faces, 0);
  g_array_set_size (log->mark_tracks, 0);
  g_array_set_size (log->new_faces, 0);
  g_array_set_size (log->new_tracks, 0);
}

gboolean
tf_resume_log_face (TfResumeLog       *log,
                    int                file_index,
                    const TfFaceProbe *probe)
{
  TfFace face = { probe->box[0], probe->box[1], probe->box[2], probe->box[3], probe->score, { { 0 } } };

  if (file_index == 0 && log->skip_left > 0 && probe->time_s == log->from->skip_time)
    {
      log->skip_left--;
      return FALSE;
    }
  enter_file (log, file_index);
  memcpy (face.landmarks, probe->landmarks, sizeof face.landmarks);
  if (log->new_faces->len == 0)
    log->new_time = probe->time_s;
  g_array_append_val (log->new_faces, face);
  g_array_append_val (log->new_tracks, probe->track);
  log->max_track = MAX (log->max_track, probe->track);
  log->faces++;
  return TRUE;
}

void
tf_resume_log_frame (TfResumeLog *log,
                     int          file_index,
                     double       time_s,
                     gint64       frame,
                     gboolean     picture)
{
  GArray *swap;

  enter_file (log, file_index);
  log->marked = TRUE;
  log->mark_time = time_s;
  log->mark_frame = frame;
  log->mark_picture = picture;
  log->frames++;
  /* the faces since the last frame were this frame's */
  swap = log->mark_faces;
  log->mark_faces = log->new_faces;
  log->new_faces = swap;
  swap = log->mark_tracks;
  log->mark_tracks = log->new_tracks;
  log->new_tracks = swap;
  g_array_set_size (log->new_faces, 0);
  g_array_set_size (log->new_tracks, 0);
}

void
tf_resume_log_file_done (TfResumeLog *log,
                         int          file_index,
                         gint64      *frames,
                         gint64      *faces)
{
  /* the run counts the faces it dropped as given before */
  if (file_index == 0 && log->from != NULL && log->from->partial)
    {
      *frames += log->from->base_frames;
      *faces += log->from->base_faces - log->from->skip_count;
    }
  log->files_done = MAX (log->files_done, file_index + 1);
}

TfResume *
tf_resume_log_end (TfResumeLog *log)
{
  guint n = log->files ? g_strv_length (log->files) : 0;
  int first = log->files_done;
  TfResume *r;

  /* a photo whose frame is done is done, whether its end came or not */
  if (first < (int) n && log->file == first && log->marked && log->mark_picture)
    first++;
  if (first >= (int) n)
    return NULL;
  r = g_new0 (TfResume, 1);
  r->files = g_strdupv (log->files + first);
  r->faces = g_array_new (FALSE, FALSE, sizeof (TfFace));
  r->tracks = g_array_new (FALSE, FALSE, sizeof (int));
  /* the faces of a frame cut short are not given again: those this run
   * gave, and those the run before gave of the same frame */
  if (log->file == first && log->new_faces->len > 0)
    {
      r->skip_time = log->new_time;
      r->skip_count = (int) log->new_faces->len;
      if (first == 0 && log->from != NULL && log->from->skip_count > 0 && log->new_time == log->from->skip_time)
        r->skip_count += log->from->skip_count;
    }
  else if (first == 0 && log->from != NULL && log->skip_left > 0)
    {
      r->skip_time = log->from->skip_time;
      r->skip_count = log->from->skip_count;
    }
  if (log->file == first && log->marked && !log->mark_picture)
    {
      r->partial = TRUE;
      g_array_append_vals (r->faces, log->mark_faces->data, log->mark_faces->len);
      g_array_append_vals (r->tracks, log->mark_tracks->data, log->mark_tracks->len);
      r->point.after_s = log->mark_time;
      r->point.frame = log->mark_frame;
      r->point.next_track = log->max_track + 1;
      r->base_frames = log->frames;
      r->base_faces = log->faces;
    }
  r->point.faces = (const TfFace *) r->faces->data;
  r->point.tracks = (const int *) r->tracks->data;
  r->point.n_faces = (int) r->faces->len;
  return r;
}
