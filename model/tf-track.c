/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>

#include "tf-track.h"

struct _TfTracker
{
  GArray *tracks;     /* TfTrack */
  gint64  max_gap;
  int     next_id;
};

TfTracker *
tf_tracker_new (gint64 max_gap)
{
  TfTracker *t = g_new0 (TfTracker, 1);

  t->tracks = g_array_new (FALSE, FALSE, sizeof (TfTrack));
  t->max_gap = MAX (max_gap, 1);
  t->next_id = 1;
  return t;
}

void
tf_tracker_free (TfTracker *tracker)
{
  if (tracker == NULL)
    return;
  g_array_unref (tracker->tracks);
  g_free (tracker);
}

int
tf_tracker_get_n (TfTracker *tracker)
{
  return (int) tracker->tracks->len;
}

const TfTrack *
tf_tracker_get (TfTracker *tracker,
                int        i)
{
  g_return_val_if_fail (i >= 0 && i < (int) tracker->tracks->len, NULL);
  return &g_array_index (tracker->tracks, TfTrack, i);
}

void
tf_track_predict (const TfTrack *track,
                  gint64         frame,
                  TfFace        *p)
{
  /* extrapolate no further than a few frames' motion */
  float dt = (float) CLAMP (frame - track->frame, 0, 30);
  float s = CLAMP (1.0f + track->vs * dt, 0.5f, 2.0f);
  float cx = track->face.x + track->face.w / 2, cy = track->face.y + track->face.h / 2;
  float ncx = cx + track->vx * dt, ncy = cy + track->vy * dt;

  *p = track->face;
  p->w = track->face.w * s;
  p->h = track->face.h * s;
  p->x = ncx - p->w / 2;
  p->y = ncy - p->h / 2;
  for (int k = 0; k < TF_FACE_LANDMARKS; k++)
    {
      p->landmarks[k][0] = ncx + (track->face.landmarks[k][0] - cx) * s;
      p->landmarks[k][1] = ncy + (track->face.landmarks[k][1] - cy) * s;
    }
}

float
tf_track_affinity (const TfFace *p,
                   const TfFace *f)
{
  float iou = tf_face_iou (p, f);
  float size = sqrtf (MAX (p->w * p->h, 1e-6f)), dist = 0, close;

  for (int k = 0; k < TF_FACE_LANDMARKS; k++)
    dist += hypotf (p->landmarks[k][0] - f->landmarks[k][0], p->landmarks[k][1] - f->landmarks[k][1]);
  dist /= TF_FACE_LANDMARKS * size;
  /* landmarks within a quarter of the face size count as the same face even
   * when the boxes barely overlap (fast motion); a very different size does not */
  close = MAX (0.0f, 1.0f - dist / 0.5f);
  if (iou < 0.2f && dist > 0.25f)
    return 0;
  if (f->w > 2.5f * p->w || p->w > 2.5f * f->w)
    return 0;
  return iou + close;
}

typedef struct
{
  float score;
  int   track, face;
} Pair;

static int
pair_cmp (gconstpointer a,
          gconstpointer b)
{
  const Pair *pa = a, *pb = b;

  return (pa->score < pb->score) - (pa->score > pb->score);
}

void
tf_tracker_update (TfTracker    *tracker,
                   const TfFace *faces,
                   int           n,
                   gint64        frame,
                   int          *ids)
{
  GArray *tracks = tracker->tracks;
  int nt = (int) tracks->len;
  g_autoptr(GArray) pairs = g_array_new (FALSE, FALSE, sizeof (Pair));
  g_autofree gboolean *track_used = g_new0 (gboolean, MAX (nt, 1));

  for (int i = 0; i < n; i++)
    ids[i] = 0;
  for (int t = 0; t < nt; t++)
    {
      TfFace p;
      tf_track_predict (&g_array_index (tracks, TfTrack, t), frame, &p);
      for (int i = 0; i < n; i++)
        {
          Pair pair = { tf_track_affinity (&p, &faces[i]), t, i };
          if (pair.score > 0)
            g_array_append_val (pairs, pair);
        }
    }
  /* greedy, best pairs first: optimal enough for a handful of faces */
  g_array_sort (pairs, pair_cmp);
  for (guint k = 0; k < pairs->len; k++)
    {
      Pair *pair = &g_array_index (pairs, Pair, k);
      TfTrack *tr = &g_array_index (tracks, TfTrack, pair->track);
      const TfFace *f = &faces[pair->face];
      float dt, ocx, ocy;

      if (track_used[pair->track] || ids[pair->face] != 0)
        continue;
      track_used[pair->track] = TRUE;
      ids[pair->face] = tr->id;
      dt = (float) MAX (frame - tr->frame, 1);
      ocx = tr->face.x + tr->face.w / 2;
      ocy = tr->face.y + tr->face.h / 2;
      /* smoothed velocity: half the new step, half the old estimate */
      tr->vx = 0.5f * tr->vx + 0.5f * ((f->x + f->w / 2) - ocx) / dt;
      tr->vy = 0.5f * tr->vy + 0.5f * ((f->y + f->h / 2) - ocy) / dt;
      tr->vs = 0.5f * tr->vs + 0.5f * (f->w / MAX (tr->face.w, 1e-3f) - 1.0f) / dt;
      tr->face = *f;
      tr->frame = frame;
      tr->hits++;
    }

  /* end the tracks left unseen too long, then start new ones */
  for (int t = nt - 1; t >= 0; t--)
    if (!track_used[t] && frame - g_array_index (tracks, TfTrack, t).frame > tracker->max_gap)
      g_array_remove_index (tracks, t);
  for (int i = 0; i < n; i++)
    if (ids[i] == 0)
      {
        TfTrack tr = { .id = tracker->next_id++, .face = faces[i], .frame = frame, .hits = 1 };
        g_array_append_val (tracks, tr);
        ids[i] = tr.id;
      }
}

void
tf_tracker_continue (TfTracker    *tracker,
                     const TfFace *faces,
                     const int    *ids,
                     int           n,
                     gint64        frame,
                     int           next_id)
{
  g_return_if_fail (tracker != NULL);
  g_return_if_fail (n == 0 || (faces != NULL && ids != NULL));

  for (int i = 0; i < n; i++)
    {
      TfTrack tr = { .id = ids[i], .face = faces[i], .frame = frame, .hits = 1 };

      g_array_append_val (tracker->tracks, tr);
      tracker->next_id = MAX (tracker->next_id, ids[i] + 1);
    }
  tracker->next_id = MAX (tracker->next_id, next_id);
}
