/* SPDX-License-Identifier: GPL-3.0-or-later */
/* TfFaceProbe: an atomically reference-counted box (g_atomic_rc_box), so a
 * probe made on a worker thread can be handed to the main thread and shared
 * by several widgets without copies. */
#include <string.h>

#include "tf-face-probe.h"

G_DEFINE_BOXED_TYPE (TfFaceProbe, tf_face_probe, tf_face_probe_ref, tf_face_probe_unref)

static void
tf_face_probe_clear (gpointer data)
{
  TfFaceProbe *probe = data;

  g_free (probe->file);
  g_clear_object (&probe->crop);
  g_strfreev (probe->class_names);
  g_free (probe->probs);
  g_free (probe->lanet_maps);
  g_free (probe->lanet_max);
  g_free (probe->cls_attn);
  g_free (probe->head_contrib);
  g_free (probe->rollout);
  g_free (probe->ablation);
  g_free (probe->lanet_ablation);
  g_free (probe->occlusion_map);
  g_free (probe->source_rgb);
  if (probe->compare != NULL)
    tf_face_probe_unref (probe->compare);
}

/* a copy of @n floats (NULL stays NULL, and so does an empty array) */
static float *
dup_floats (const float *src,
            gsize        n)
{
  if (src == NULL || n == 0)
    return NULL;
  return g_memdup2 (src, n * sizeof (float));
}

static gsize
dim (int n)
{
  return n > 0 ? (gsize) n : 0;
}

TfFaceProbe *
tf_face_probe_new (void)
{
  TfFaceProbe *probe = g_atomic_rc_box_new0 (TfFaceProbe);

  probe->frame = -1;
  probe->face = -1;
  probe->track = -1;
  probe->predicted = -1;
  return probe;
}

TfFaceProbe *
tf_face_probe_ref (TfFaceProbe *probe)
{
  g_return_val_if_fail (probe != NULL, NULL);

  return g_atomic_rc_box_acquire (probe);
}

void
tf_face_probe_unref (TfFaceProbe *probe)
{
  g_return_if_fail (probe != NULL);

  g_atomic_rc_box_release_full (probe, tf_face_probe_clear);
}

TfFaceProbe *
tf_face_probe_copy (const TfFaceProbe *probe)
{
  return tf_face_probe_with_ablation (probe, NULL);
}

TfFaceProbe *
tf_face_probe_with_ablation (const TfFaceProbe *probe,
                             const float       *ablation)
{
  TfFaceProbe *copy;
  gsize gg, k, lh, s;

  g_return_val_if_fail (probe != NULL, NULL);

  copy = g_atomic_rc_box_new0 (TfFaceProbe);
  /* the scalars and fixed arrays first, then every pointer replaced by a copy */
  memcpy (copy, probe, sizeof *copy);

  gg = dim (probe->grid) * dim (probe->grid);
  k = dim (probe->classes);
  lh = dim (probe->depth) * dim (probe->heads);
  s = dim (probe->source_size);

  copy->file = g_strdup (probe->file);
  copy->crop = probe->crop != NULL ? g_object_ref (probe->crop) : NULL;
  copy->class_names = g_strdupv (probe->class_names);
  copy->probs = dup_floats (probe->probs, k);
  copy->lanet_maps = dup_floats (probe->lanet_maps, dim (probe->lanets) * gg);
  copy->lanet_max = dup_floats (probe->lanet_max, gg);
  copy->cls_attn = dup_floats (probe->cls_attn, lh * gg);
  copy->head_contrib = dup_floats (probe->head_contrib, lh);
  copy->rollout = dup_floats (probe->rollout, gg);
  copy->ablation = dup_floats (ablation != NULL ? ablation : probe->ablation, lh * k);
  copy->lanet_ablation = dup_floats (probe->lanet_ablation, dim (probe->lanets) * k);
  copy->occlusion_map = dup_floats (probe->occlusion_map,
                                    dim (probe->occlusion_grid) * dim (probe->occlusion_grid));
  copy->compare = probe->compare != NULL ? tf_face_probe_ref (probe->compare) : NULL;
  copy->source_rgb = probe->source_rgb != NULL
                     ? g_memdup2 (probe->source_rgb, (gsize) 3 * s * s)
                     : NULL;
  return copy;
}

gboolean
tf_face_probe_array_find (GPtrArray         *probes,
                          const TfFaceProbe *probe,
                          guint             *index)
{
  g_return_val_if_fail (probes != NULL && probe != NULL && index != NULL, FALSE);

  if (g_ptr_array_find (probes, probe, index))
    return TRUE;
  for (guint i = 0; probe->face_id != 0 && i < probes->len; i++)
    if (((TfFaceProbe *) g_ptr_array_index (probes, i))->face_id == probe->face_id)
      {
        *index = i;
        return TRUE;
      }
  return FALSE;
}
