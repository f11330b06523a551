/* SPDX-License-Identifier: GPL-3.0-or-later */
/* YuNet (libfacedetection.train's yunet_n, the network OpenCV's
 * FaceDetectorYN runs) on the engine's ops, for one image at a time. Every
 * activation is channel-major [C][H][W]; the input is [3][H][W] (BGR, 0..255)
 * with H and W multiples of 32:
 *
 *   stem      3x3 stride-2 conv 3->16 + ReLU, DP 16->16          [16][H/2][W/2]
 *   maxpool   DP 16->16, DP 16->64, DP 64->64, DP 64->64         [64][H/4][W/4]
 *   maxpool   DP, DP -> P3                                       [64][H/8][W/8]
 *   maxpool   DP, DP -> P4                                       [64][H/16][W/16]
 *   maxpool   DP, DP -> P5                                       [64][H/32][W/32]
 *   neck      N5 = DP(P5), N4 = DP(P4 + up(N5)), N3 = DP(P3 + up(N4))
 *   heads     per level: DP(N), then a 1x1 conv 64->16 and a depthwise 3x3
 *             (no activation): cls, obj (then sigmoid), bbox[4], kps[10]
 *
 * DP a->b ("ConvDPUnit") is a 1x1 conv a->b with bias, then a depthwise 3x3
 * with bias (its BatchNorm folded in) and ReLU; maxpool is 2x2 stride 2;
 * up() is nearest-neighbour upsampling by 2. The four heads of a level are
 * stacked into one 16-channel 1x1 + depthwise pair: the depthwise 3x3 acts
 * on each channel alone, so stacking changes nothing. */
#include <math.h>
#include <string.h>

#include "tf-detect.h"
#include "tf-image.h"
#include "tf-ops.h"
#include "tf-parallel.h"
#include "tf-safetensors.h"

#define DIVISOR 32
#define N_LEVELS 3
#define HEAD_CH 16          /* cls, obj, bbox[4], kps[10] */
#define TOP_K 5000          /* candidates kept for NMS, as OpenCV's default */
/* The padded network input, at most: the activations take about 50 bytes
 * per input pixel, 850 MB here. */
#define MAX_INPUT_PIXELS (1u << 24)

static const int level_stride[N_LEVELS] = { 8, 16, 32 };

typedef enum
{
  U_MODEL0,
  U_MODEL1A, U_MODEL1B, U_MODEL2A, U_MODEL2B,
  U_MODEL3A, U_MODEL3B, U_MODEL4A, U_MODEL4B, U_MODEL5A, U_MODEL5B,
  U_LAT2, U_LAT1, U_LAT0,
  U_SHARE0, U_SHARE1, U_SHARE2,
  N_UNITS
} UnitId;

static const struct
{
  const char *name;
  int         ci, co;
} unit_spec[N_UNITS] = {
  { "backbone.model0.conv2", 16, 16 },
  { "backbone.model1.conv1", 16, 16 },
  { "backbone.model1.conv2", 16, 64 },
  { "backbone.model2.conv1", 64, 64 },
  { "backbone.model2.conv2", 64, 64 },
  { "backbone.model3.conv1", 64, 64 },
  { "backbone.model3.conv2", 64, 64 },
  { "backbone.model4.conv1", 64, 64 },
  { "backbone.model4.conv2", 64, 64 },
  { "backbone.model5.conv1", 64, 64 },
  { "backbone.model5.conv2", 64, 64 },
  { "neck.lateral_convs.2", 64, 64 },
  { "neck.lateral_convs.1", 64, 64 },
  { "neck.lateral_convs.0", 64, 64 },
  { "bbox_head.multi_level_share_convs.0.0", 64, 64 },
  { "bbox_head.multi_level_share_convs.1.0", 64, 64 },
  { "bbox_head.multi_level_share_convs.2.0", 64, 64 },
};

/* The heads of a level, in the order of a raw output row. */
static const struct
{
  const char *name;
  int         co;
} head_part[] = { { "cls", 1 }, { "obj", 1 }, { "bbox", 4 }, { "kps", 10 } };

#define STEM_CH 16
#define FEAT_CH 64

typedef struct
{
  const float *pw_w;   /* [co][ci] */
  const float *pw_b;   /* [co] */
  const float *dw_w;   /* [co][3][3] */
  const float *dw_b;   /* [co] */
  int          ci, co;
} DpUnit;

struct _TfDetector
{
  float       *params;                    /* one allocation, carved below */
  const float *stem_w;                    /* [16][3][3][3] */
  const float *stem_b;                    /* [16] */
  DpUnit       unit[N_UNITS];
  DpUnit       head[N_LEVELS];            /* 64 -> 16, no ReLU */

  TfPool      *pool;
  float        score_threshold, nms_threshold;
  int          max_side;

  float       *work;                      /* activations, kept between calls */
  gsize        work_size;
};

/* The activations of one forward pass at a padded size, carved from the
 * detector's workspace (A = H W floats): two ping-pong buffers b0, b1 of 4A
 * (b1 also holds the input), the backbone's P3, P4 and the neck's N3, N4,
 * N5 (A, A/4, A, A/4, A/16), and the heads' outputs, 16 (A/64 + A/256 +
 * A/1024): 10.9 A in all. */
typedef struct
{
  int    hp, wp;
  float *b0, *b1, *p3, *p4, *n3, *n4, *n5;
  float *head[N_LEVELS];                  /* [16][H/s][W/s] */
} Work;

/* ---- loading ------------------------------------------------------------ */

static gsize
unit_floats (int ci,
             int co)
{
  return (gsize) co * ci + co + (gsize) co * 9 + co;
}

static gboolean
read_into (TfSafetensors *st,
           const char    *name,
           const int64_t *shape,
           int            ndim,
           float         *out,
           GError       **error)
{
  gboolean ok = tf_safetensors_read_f32 (st, name, shape, ndim, out, error);

  tf_safetensors_release (st, name);
  return ok;
}

/* Reads NAME.conv1.{weight,bias} and NAME.conv2.{weight,bias} of co channels
 * into a unit whose arrays start at the given pointers. */
static gboolean
read_unit (TfSafetensors *st,
           const char    *name,
           int            ci,
           int            co,
           float         *pw_w,
           float         *pw_b,
           float         *dw_w,
           float         *dw_b,
           GError       **error)
{
  const int64_t pw_shape[4] = { co, ci, 1, 1 }, dw_shape[4] = { co, 1, 3, 3 }, b_shape[1] = { co };
  g_autofree char *n1 = g_strdup_printf ("%s.conv1.weight", name);
  g_autofree char *n2 = g_strdup_printf ("%s.conv1.bias", name);
  g_autofree char *n3 = g_strdup_printf ("%s.conv2.weight", name);
  g_autofree char *n4 = g_strdup_printf ("%s.conv2.bias", name);

  return read_into (st, n1, pw_shape, 4, pw_w, error) && read_into (st, n2, b_shape, 1, pw_b, error) &&
         read_into (st, n3, dw_shape, 4, dw_w, error) && read_into (st, n4, b_shape, 1, dw_b, error);
}

TfDetector *
tf_detector_load (const char  *path,
                  GError     **error)
{
  g_autoptr(TfSafetensors) st = NULL;
  g_autoptr(TfDetector) d = NULL;
  const int64_t stem_shape[4] = { STEM_CH, 3, 3, 3 }, stem_b_shape[1] = { STEM_CH };
  const char *format;
  gsize total = STEM_CH * 27 + STEM_CH;
  float *p;

  g_return_val_if_fail (path != NULL, NULL);

  if (!(st = tf_safetensors_open (path, error)))
    return NULL;
  format = tf_safetensors_get_metadata (st, "format");
  if (format == NULL || !g_str_equal (format, "yunet"))
    {
      g_autofree char *base = g_path_get_basename (path);
      g_set_error (error, TF_ERROR, TF_ERROR_CONFIG,
                   "%s: not a YuNet face detector (metadata 'format' is %s%s%s, expected \"yunet\")",
                   base, format ? "\"" : "", format ? format : "missing", format ? "\"" : "");
      return NULL;
    }

  for (int u = 0; u < N_UNITS; u++)
    total += unit_floats (unit_spec[u].ci, unit_spec[u].co);
  total += N_LEVELS * unit_floats (FEAT_CH, HEAD_CH);

  d = g_new0 (TfDetector, 1);
  d->params = p = g_new (float, total);
  d->score_threshold = (float) TF_DETECT_DEFAULT_THRESHOLD;
  d->nms_threshold = (float) TF_DETECT_DEFAULT_NMS;
  d->max_side = TF_DETECT_DEFAULT_MAX_SIDE;

  d->stem_w = p;
  if (!read_into (st, "backbone.model0.conv1.weight", stem_shape, 4, p, error))
    return NULL;
  p += STEM_CH * 27;
  d->stem_b = p;
  if (!read_into (st, "backbone.model0.conv1.bias", stem_b_shape, 1, p, error))
    return NULL;
  p += STEM_CH;

  for (int u = 0; u < N_UNITS; u++)
    {
      int ci = unit_spec[u].ci, co = unit_spec[u].co;
      DpUnit *unit = &d->unit[u];
      float *pw_w = p, *pw_b = pw_w + (gsize) co * ci, *dw_w = pw_b + co, *dw_b = dw_w + (gsize) co * 9;

      if (!read_unit (st, unit_spec[u].name, ci, co, pw_w, pw_b, dw_w, dw_b, error))
        return NULL;
      *unit = (DpUnit) { pw_w, pw_b, dw_w, dw_b, ci, co };
      p += unit_floats (ci, co);
    }

  for (int l = 0; l < N_LEVELS; l++)
    {
      float *pw_w = p, *pw_b = pw_w + HEAD_CH * FEAT_CH, *dw_w = pw_b + HEAD_CH, *dw_b = dw_w + HEAD_CH * 9;
      int off = 0;

      for (guint h = 0; h < G_N_ELEMENTS (head_part); h++)
        {
          g_autofree char *name = g_strdup_printf ("bbox_head.multi_level_%s.%d", head_part[h].name, l);
          if (!read_unit (st, name, FEAT_CH, head_part[h].co, pw_w + off * FEAT_CH, pw_b + off,
                          dw_w + off * 9, dw_b + off, error))
            return NULL;
          off += head_part[h].co;
        }
      g_assert (off == HEAD_CH);
      d->head[l] = (DpUnit) { pw_w, pw_b, dw_w, dw_b, FEAT_CH, HEAD_CH };
      p += unit_floats (FEAT_CH, HEAD_CH);
    }
  g_assert (p == d->params + total);

  if (tf_safetensors_get_n_tensors (st) != 2 + 4 * (N_UNITS + N_LEVELS * G_N_ELEMENTS (head_part)))
    g_debug ("%s: %u tensors, some of them unused", path, tf_safetensors_get_n_tensors (st));
  d->pool = tf_pool_new (tf_get_threads ());
  return g_steal_pointer (&d);
}

void
tf_detector_free (TfDetector *detector)
{
  if (detector == NULL)
    return;
  tf_pool_free (detector->pool);
  g_aligned_free (detector->work);
  g_free (detector->params);
  g_free (detector);
}

void
tf_detector_set_threads (TfDetector *detector,
                         int         threads)
{
  g_return_if_fail (detector != NULL);
  threads = CLAMP (threads, 1, 256);
  if (threads == tf_pool_get_threads (detector->pool))
    return;
  tf_pool_free (detector->pool);
  detector->pool = tf_pool_new (threads);
}

void
tf_detector_set_threshold (TfDetector *detector,
                           float       score,
                           float       nms)
{
  g_return_if_fail (detector != NULL);
  g_return_if_fail (isfinite (score) && isfinite (nms));
  detector->score_threshold = score;
  detector->nms_threshold = nms;
}

void
tf_detector_set_max_side (TfDetector *detector,
                          int         max_side)
{
  g_return_if_fail (detector != NULL);
  g_return_if_fail (max_side >= 0);
  detector->max_side = max_side;
}

/* ---- the forward pass --------------------------------------------------- */

typedef struct
{
  float       *out;
  const float *inp;
  int          h, w;   /* of the larger map */
} MapJob;

/* out [c][h][w] += inp [c][h/2][w/2] upsampled by 2 (nearest). */
static void
upsample_add_task (int      task,
                   int      n_tasks,
                   int      thread,
                   gpointer data)
{
  const MapJob *j = data;
  int hi = j->h / 2, wi = j->w / 2;
  const float *src = j->inp + (gsize) task * hi * wi;
  float *dst = j->out + (gsize) task * j->h * j->w;

  (void) n_tasks;
  (void) thread;
  for (int y = 0; y < j->h; y++)
    {
      const float *s = src + (gsize) (y / 2) * wi;
      float *o = dst + (gsize) y * j->w;
      for (int x = 0; x < j->w; x++)
        o[x] += s[x / 2];
    }
}

static void
upsample_add (TfDetector  *d,
              float       *out,
              const float *inp,
              int          c,
              int          h,
              int          w)
{
  MapJob j = { out, inp, h, w };

  tf_pool_run (d->pool, c, upsample_add_task, &j);
}

/* A DP unit over row bands: each task takes a contiguous range of output
 * rows and walks it a band at a time; the 1x1 conv of the band's rows (and
 * the row above and below) goes to a per-thread scratch that stays in cache,
 * where the depthwise 3x3 reads it. The two last 1x1 rows of a band are the
 * first two the next band needs: they are moved, not recomputed. */
typedef struct
{
  TfPool       *pool;
  const DpUnit *u;
  const float  *inp;           /* [ci][h][w] */
  float        *out;           /* [co][h][w], or NULL when only pooled is wanted */
  float        *pooled;        /* [co][h/2][w/2] = maxpool 2x2 of out, or NULL */
  TfAct         act;
  int           h, w;
  int           task_rows, band;
} DpJob;

static void
dp_task (int      task,
         int      n_tasks,
         int      thread,
         gpointer data)
{
  const DpJob *j = data;
  const DpUnit *u = j->u;
  int h = j->h, w = j->w;
  gsize plane = (gsize) h * w, sstride = (gsize) (j->band + 2) * w;
  int y_begin = task * j->task_rows, y_end = MIN (h, y_begin + j->task_rows);
  float *s = tf_pool_scratch (j->pool, thread, (gsize) u->co * sstride + 2 * (gsize) w);
  float *pair = s + (gsize) u->co * sstride;   /* two output rows when out is NULL */
  int have0 = 0, have1 = 0;   /* the 1x1 rows [have0, have1) are in s */

  (void) n_tasks;
  for (int yb = y_begin; yb < y_end; yb += j->band)
    {
      int ye = MIN (y_end, yb + j->band);
      int need0 = MAX (0, yb - 1), need1 = MIN (h, ye + 1);
      int keep = have1 > need0 ? have1 - need0 : 0, fresh = need1 - need0 - keep;

      if (keep > 0 && have1 - have0 > keep)
        for (int c = 0; c < u->co; c++)
          memmove (s + c * sstride, s + c * sstride + (gsize) (have1 - have0 - keep) * w,
                   sizeof (float) * keep * w);
      tf_gemm (FALSE, FALSE, u->co, fresh * w, u->ci, 1.0f, u->pw_w, u->ci, j->inp + (gsize) (need0 + keep) * w,
               (int) plane, 0.0f, s + (gsize) keep * w, (int) sstride);
      for (int c = 0; c < u->co; c++)
        {
          float *row = s + c * sstride + (gsize) keep * w, b = u->pw_b[c];
          for (gsize i = 0; i < (gsize) fresh * w; i++)
            row[i] += b;
        }
      have0 = need0;
      have1 = need1;

      for (int c = 0; c < u->co; c++)
        for (int y = yb; y < ye; y++)
          {
            const float *row = s + c * sstride + (gsize) (y - have0) * w;
            float *dst = j->out ? j->out + c * plane + (gsize) y * w : pair + (gsize) (y & 1) * w;

            tf_depthwise3x3_row (dst, y > 0 ? row - w : NULL, row, y + 1 < h ? row + w : NULL,
                                 u->dw_w + 9 * c, u->dw_b[c], j->act, w);
            if (j->pooled && (y & 1))
              {
                /* bands start on even rows: dst - w is row y - 1 */
                const float *r0 = j->out ? dst - w : pair, *r1 = dst;
                float *p = j->pooled + (gsize) c * (h / 2) * (w / 2) + (gsize) (y / 2) * (w / 2);
                for (int x = 0; x < w / 2; x++)
                  p[x] = MAX (MAX (r0[2 * x], r0[2 * x + 1]), MAX (r1[2 * x], r1[2 * x + 1]));
              }
          }
    }
}

/* out [co][h][w] = DP(inp [ci][h][w]) and/or pooled [co][h/2][w/2], its
 * 2x2 max pool (h and w even then); neither may overlap @inp. */
static void
dp_unit_pool (TfDetector   *d,
              const DpUnit *u,
              float        *out,
              float        *pooled,
              const float  *inp,
              int           h,
              int           w,
              TfAct         act)
{
  int threads = tf_pool_get_threads (d->pool);
  /* the band's 1x1 output in about 256 KiB, one row range per thread; both
   * even, so that pooled rows pair within a band */
  int band = CLAMP ((int) (65536 / ((gsize) u->co * w)) - 2, 2, MAX (2, h)) & ~1;
  int task_rows = ((h + threads - 1) / threads + 1) & ~1;
  DpJob j = { d->pool, u, inp, out, pooled, act, h, w, task_rows, band };

  g_assert (pooled == NULL || (h % 2 == 0 && w % 2 == 0));
  tf_pool_run (d->pool, (h + task_rows - 1) / task_rows, dp_task, &j);
}

static void
dp_unit (TfDetector   *d,
         const DpUnit *u,
         float        *out,
         const float  *inp,
         int           h,
         int           w,
         TfAct         act)
{
  dp_unit_pool (d, u, out, NULL, inp, h, w, act);
}

static gsize
work_floats (int hp,
             int wp)
{
  gsize a = (gsize) hp * wp;

  return 10 * a + a / 4 + a / 4 + a / 16 + HEAD_CH * (a / 64 + a / 256 + a / 1024);
}

static void
work_carve (TfDetector *d,
            Work       *w,
            int         hp,
            int         wp)
{
  gsize a = (gsize) hp * wp, need = work_floats (hp, wp);
  float *p;

  if (need > d->work_size)
    {
      g_aligned_free (d->work);
      d->work = g_aligned_alloc (need, sizeof (float), 64);
      d->work_size = need;
    }
  p = d->work;
  w->hp = hp;
  w->wp = wp;
  w->b0 = p, p += 4 * a;
  w->b1 = p, p += 4 * a;
  w->p3 = p, p += a;
  w->n3 = p, p += a;
  w->p4 = p, p += a / 4;
  w->n4 = p, p += a / 4;
  w->n5 = p, p += a / 16;
  for (int l = 0; l < N_LEVELS; l++)
    {
      gsize cells = a / ((gsize) level_stride[l] * level_stride[l]);
      w->head[l] = p;
      p += HEAD_CH * cells;
    }
  g_assert (p <= d->work + need);
}

/* The whole network on @input [3][hp][wp] (which may be w->b1: it is read
 * only by the stem); leaves the heads in w->head, cls and obj after their
 * sigmoid. */
static void
forward (TfDetector  *d,
         const float *input,
         Work        *w)
{
  int h1 = w->hp / 2, w1 = w->wp / 2, h2 = h1 / 2, w2 = w1 / 2;
  int h3 = h2 / 2, w3 = w2 / 2, h4 = h3 / 2, w4 = w3 / 2, h5 = h4 / 2, w5 = w4 / 2;
  TfEpilogue stem_epi = { .shift = d->stem_b, .act = TF_ACT_RELU };
  const DpUnit *U = d->unit;
  const TfAct relu = TF_ACT_RELU;
  float *neck[N_LEVELS] = { w->n3, w->n4, w->n5 }, *feat[N_LEVELS] = { w->p3, w->p4, w->b1 };
  int fh[N_LEVELS] = { h3, h4, h5 }, fw[N_LEVELS] = { w3, w4, w5 };

  tf_conv2d_forward (w->b0, input, d->stem_w, NULL, NULL, &stem_epi, d->pool, 1, 3, w->hp, w->wp,
                     STEM_CH, 3, 2, 1);
  dp_unit_pool (d, &U[U_MODEL0], NULL, w->b1, w->b0, h1, w1, relu);
  dp_unit (d, &U[U_MODEL1A], w->b0, w->b1, h2, w2, relu);
  dp_unit (d, &U[U_MODEL1B], w->b1, w->b0, h2, w2, relu);
  dp_unit (d, &U[U_MODEL2A], w->b0, w->b1, h2, w2, relu);
  dp_unit_pool (d, &U[U_MODEL2B], NULL, w->b1, w->b0, h2, w2, relu);
  dp_unit (d, &U[U_MODEL3A], w->b0, w->b1, h3, w3, relu);
  dp_unit_pool (d, &U[U_MODEL3B], w->p3, w->b1, w->b0, h3, w3, relu);
  dp_unit (d, &U[U_MODEL4A], w->b0, w->b1, h4, w4, relu);
  dp_unit_pool (d, &U[U_MODEL4B], w->p4, w->b1, w->b0, h4, w4, relu);
  dp_unit (d, &U[U_MODEL5A], w->b0, w->b1, h5, w5, relu);
  dp_unit (d, &U[U_MODEL5B], w->b1, w->b0, h5, w5, relu);

  /* the neck, top-down */
  dp_unit (d, &U[U_LAT2], w->n5, w->b1, h5, w5, relu);
  upsample_add (d, w->p4, w->n5, FEAT_CH, h4, w4);
  dp_unit (d, &U[U_LAT1], w->n4, w->p4, h4, w4, relu);
  upsample_add (d, w->p3, w->n4, FEAT_CH, h3, w3);
  dp_unit (d, &U[U_LAT0], w->n3, w->p3, h3, w3, relu);

  /* the heads: P3, P4 and b1 are free again */
  for (int l = 0; l < N_LEVELS; l++)
    {
      gsize cells = (gsize) fh[l] * fw[l];

      dp_unit (d, &U[U_SHARE0 + l], feat[l], neck[l], fh[l], fw[l], relu);
      dp_unit (d, &d->head[l], w->head[l], feat[l], fh[l], fw[l], TF_ACT_NONE);
      for (gsize i = 0; i < 2 * cells; i++)
        w->head[l][i] = 1.0f / (1.0f + expf (-w->head[l][i]));
    }
}

static gboolean
check_input_size (int      width,
                  int      height,
                  GError **error)
{
  if ((guint64) width * height > MAX_INPUT_PIXELS)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_INPUT,
                   "a detector input of %d x %d pixels is larger than the %u megapixels allowed: "
                   "set a smaller maximum side", width, height, MAX_INPUT_PIXELS >> 20);
      return FALSE;
    }
  return TRUE;
}

int
tf_detector_forward_raw (TfDetector   *detector,
                         const float  *chw,
                         int           width,
                         int           height,
                         float       **out,
                         GError      **error)
{
  Work w;
  gsize rows = 0, row = 0;
  float *res;

  g_return_val_if_fail (detector != NULL && chw != NULL && out != NULL, -1);

  if (width <= 0 || height <= 0 || width % DIVISOR || height % DIVISOR)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_INPUT,
                   "the detector's input is %d x %d: both sides must be positive multiples of %d",
                   width, height, DIVISOR);
      return -1;
    }
  if (!check_input_size (width, height, error))
    return -1;

  work_carve (detector, &w, height, width);
  forward (detector, chw, &w);

  for (int l = 0; l < N_LEVELS; l++)
    rows += (gsize) (height / level_stride[l]) * (width / level_stride[l]);
  res = g_new (float, rows * HEAD_CH);
  for (int l = 0; l < N_LEVELS; l++)
    {
      gsize cells = (gsize) (height / level_stride[l]) * (width / level_stride[l]);
      for (gsize i = 0; i < cells; i++, row++)
        for (int ch = 0; ch < HEAD_CH; ch++)
          res[row * HEAD_CH + ch] = w.head[l][ch * cells + i];
    }
  *out = res;
  return (int) rows;
}

/* ---- from pixels to faces ---------------------------------------------- */

typedef struct
{
  TfPool        *pool;
  float         *input;     /* [3][hp][wp] */
  const uint8_t *rgb;
  int            width, height, stride;
  int            sw, sh;    /* the scaled size */
  int            hp, wp;
  TfTaps         tx, ty;    /* when scaling: tf_image_resample_plane's filter */
  int            rows;      /* output rows per task */
} InputJob;

/* Output rows [y0, y1) of the three planes (B, G, R) of the padded network
 * input, resampled when the size changes: vertically first, over the
 * interleaved RGB row (one flat loop that vectorises), then horizontally
 * into each plane. Linear filters commute, so the order only changes the
 * rounding, not the result the reference computes in float64. */
static void
input_task (int      task,
            int      n_tasks,
            int      thread,
            gpointer data)
{
  const InputJob *j = data;
  gsize plane = (gsize) j->hp * j->wp, n = (gsize) 3 * j->width;
  int y0 = task * j->rows, y1 = MIN (j->sh, y0 + j->rows);
  gboolean scaled = j->sw != j->width || j->sh != j->height;
  float *tmp = scaled ? tf_pool_scratch (j->pool, thread, n) : NULL;

  (void) n_tasks;
  for (int y = y0; y < y1; y++)
    {
      gsize out_row = (gsize) y * j->wp;

      if (!scaled)
        {
          const uint8_t *px = j->rgb + (gsize) y * j->stride;
          for (int x = 0; x < j->width; x++)
            for (int c = 0; c < 3; c++)
              j->input[(2 - c) * plane + out_row + x] = px[3 * x + c];
        }
      else
        {
          const double *wy = j->ty.weights + (gsize) y * j->ty.max_taps;

          for (gsize i = 0; i < n; i++)
            tmp[i] = 0.0f;
          for (int k = 0; k < j->ty.count[y]; k++)
            {
              const uint8_t *px = j->rgb + (gsize) (j->ty.first[y] + k) * j->stride;
              float wk = (float) wy[k];
              for (gsize i = 0; i < n; i++)
                tmp[i] += wk * px[i];
            }
          for (int x = 0; x < j->sw; x++)
            {
              const double *wx = j->tx.weights + (gsize) x * j->tx.max_taps;
              const float *src = tmp + (gsize) 3 * j->tx.first[x];
              float acc[3] = { 0, 0, 0 };
              for (int k = 0; k < j->tx.count[x]; k++)
                for (int c = 0; c < 3; c++)
                  acc[c] += (float) wx[k] * src[3 * k + c];
              for (int c = 0; c < 3; c++)
                j->input[(2 - c) * plane + out_row + x] = acc[c];
            }
        }
      /* zero padding on the right */
      for (int c = 0; c < 3; c++)
        memset (j->input + c * plane + out_row + j->sw, 0, sizeof (float) * (j->wp - j->sw));
    }
}

/* The padded network input [3][hp][wp] from the caller's pixels. */
static void
fill_input (TfDetector *d,
            InputJob   *in)
{
  gsize plane = (gsize) in->hp * in->wp;
  int threads = tf_pool_get_threads (d->pool);
  gboolean scaled = in->sw != in->width || in->sh != in->height;

  if (scaled)
    {
      tf_taps_init (&in->tx, in->width, in->sw);
      tf_taps_init (&in->ty, in->height, in->sh);
    }
  in->pool = d->pool;
  in->rows = MAX (1, (in->sh + 4 * threads - 1) / (4 * threads));
  tf_pool_run (d->pool, (in->sh + in->rows - 1) / in->rows, input_task, in);
  /* zero padding at the bottom */
  for (int c = 0; c < 3; c++)
    memset (in->input + c * plane + (gsize) in->sh * in->wp, 0, sizeof (float) * (gsize) (in->hp - in->sh) * in->wp);
  if (scaled)
    {
      tf_taps_clear (&in->tx);
      tf_taps_clear (&in->ty);
    }
}

typedef struct
{
  TfFace face;
  int    index;   /* anchor cell, over the levels: ties keep this order */
} Candidate;

static int
compare_candidates (gconstpointer a,
                    gconstpointer b)
{
  const Candidate *x = a, *y = b;

  if (x->face.score != y->face.score)
    return x->face.score > y->face.score ? -1 : 1;
  return (x->index > y->index) - (x->index < y->index);
}

/* Adds the cells of one level scoring at least @threshold. */
static void
decode_level (GArray      *cands,
              const float *head,
              int          rows,
              int          cols,
              int          stride,
              int          base,
              float        threshold)
{
  gsize n = (gsize) rows * cols;
  const float s = (float) stride;

  for (int r = 0; r < rows; r++)
    for (int c = 0; c < cols; c++)
      {
        gsize i = (gsize) r * cols + c;
        float cls = CLAMP (head[i], 0.0f, 1.0f), obj = CLAMP (head[n + i], 0.0f, 1.0f);
        float score = sqrtf (cls * obj), cx, cy, bw, bh;
        Candidate cand;

        if (!(score >= threshold))
          continue;
        cx = (c + head[2 * n + i]) * s;
        cy = (r + head[3 * n + i]) * s;
        bw = expf (head[4 * n + i]) * s;
        bh = expf (head[5 * n + i]) * s;
        cand.face = (TfFace) { cx - bw / 2, cy - bh / 2, bw, bh, score, { { 0 } } };
        for (int k = 0; k < TF_FACE_LANDMARKS; k++)
          {
            cand.face.landmarks[k][0] = (head[(6 + 2 * k) * n + i] + c) * s;
            cand.face.landmarks[k][1] = (head[(7 + 2 * k) * n + i] + r) * s;
          }
        cand.index = base + (int) i;
        g_array_append_val (cands, cand);
      }
}

float
tf_face_iou (const TfFace *a,
             const TfFace *b)
{
  double x0, y0, x1, y1, inter, uni;

  g_return_val_if_fail (a != NULL && b != NULL, 0.0f);

  x0 = MAX (a->x, b->x);
  y0 = MAX (a->y, b->y);
  x1 = MIN ((double) a->x + a->w, (double) b->x + b->w);
  y1 = MIN ((double) a->y + a->h, (double) b->y + b->h);
  inter = MAX (0.0, x1 - x0) * MAX (0.0, y1 - y0);
  uni = MAX (0.0, (double) a->w) * MAX (0.0, (double) a->h) +
        MAX (0.0, (double) b->w) * MAX (0.0, (double) b->h) - inter;
  return uni > 0 ? (float) (inter / uni) : 0.0f;
}

/* what of box @b lies inside the picture (the whole box when its size is
 * unknown) */
static double
visible_area (const float *b,
              int          width,
              int          height)
{
  double x0 = b[0], y0 = b[1], x1 = (double) b[0] + b[2], y1 = (double) b[1] + b[3];

  if (width > 0 && height > 0)
    {
      x0 = CLAMP (x0, 0, width);
      x1 = CLAMP (x1, 0, width);
      y0 = CLAMP (y0, 0, height);
      y1 = CLAMP (y1, 0, height);
    }
  return MAX (0.0, x1 - x0) * MAX (0.0, y1 - y0);
}

int
tf_face_main (const float *boxes,
              gsize        stride,
              guint        n,
              int          width,
              int          height)
{
  double largest = 0, cx, cy, best_d = G_MAXDOUBLE;
  int best = -1;

  g_return_val_if_fail (n == 0 || boxes != NULL, -1);
  g_return_val_if_fail (n <= 1 || stride >= 4, -1);

  if (n == 0)
    return -1;
  if (width > 0 && height > 0)
    {
      cx = width / 2.0;
      cy = height / 2.0;
    }
  else
    {
      double l = G_MAXDOUBLE, t = G_MAXDOUBLE, r = -G_MAXDOUBLE, btm = -G_MAXDOUBLE;

      for (guint i = 0; i < n; i++)
        {
          const float *b = boxes + i * stride;
          l = MIN (l, b[0]);
          t = MIN (t, b[1]);
          r = MAX (r, (double) b[0] + b[2]);
          btm = MAX (btm, (double) b[1] + b[3]);
        }
      cx = (l + r) / 2;
      cy = (t + btm) / 2;
    }
  for (guint i = 0; i < n; i++)
    largest = MAX (largest, visible_area (boxes + i * stride, width, height));
  for (guint i = 0; i < n; i++)
    {
      const float *b = boxes + i * stride;
      double d;

      if (visible_area (b, width, height) < 0.9 * largest)
        continue;
      d = hypot (b[0] + b[2] / 2.0 - cx, b[1] + b[3] / 2.0 - cy);
      if (d < best_d)
        {
          best_d = d;
          best = (int) i;
        }
    }
  return best;
}

GArray *
tf_detector_detect (TfDetector     *detector,
                    const uint8_t  *rgb,
                    int             width,
                    int             height,
                    int             stride,
                    GError        **error)
{
  g_autoptr(GArray) cands = NULL;
  GArray *faces;
  InputJob in;
  Work w;
  int sw = width, sh = height, m = MAX (width, height), base = 0;
  float fx, fy;

  g_return_val_if_fail (detector != NULL, NULL);

  if (rgb == NULL || width <= 0 || height <= 0 || width > G_MAXINT / 3 || stride < 3 * width)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_INPUT,
                   "no image to detect faces in (%d x %d pixels, %d bytes per row)", width, height, stride);
      return NULL;
    }
  if (detector->max_side > 0 && m > detector->max_side)
    {
      double scale = (double) detector->max_side / m;
      sw = MAX (1, (int) floor (width * scale + 0.5));
      sh = MAX (1, (int) floor (height * scale + 0.5));
    }
  if ((gint64) sw * sh > MAX_INPUT_PIXELS)   /* before padding, which could overflow an int */
    {
      check_input_size (sw, sh, error);
      return NULL;
    }
  in = (InputJob) { .rgb = rgb, .width = width, .height = height, .stride = stride, .sw = sw, .sh = sh,
                    .hp = (sh + DIVISOR - 1) / DIVISOR * DIVISOR, .wp = (sw + DIVISOR - 1) / DIVISOR * DIVISOR };
  if (!check_input_size (in.wp, in.hp, error))
    return NULL;

  work_carve (detector, &w, in.hp, in.wp);
  in.input = w.b1;
  fill_input (detector, &in);
  forward (detector, in.input, &w);

  cands = g_array_new (FALSE, FALSE, sizeof (Candidate));
  for (int l = 0; l < N_LEVELS; l++)
    {
      int rows = in.hp / level_stride[l], cols = in.wp / level_stride[l];
      decode_level (cands, w.head[l], rows, cols, level_stride[l], base, detector->score_threshold);
      base += rows * cols;
    }
  g_array_sort (cands, compare_candidates);
  if (cands->len > TOP_K)
    g_array_set_size (cands, TOP_K);

  /* greedy NMS in the network's pixels, then back to the caller's */
  faces = g_array_new (FALSE, FALSE, sizeof (TfFace));
  for (guint i = 0; i < cands->len; i++)
    {
      const TfFace *f = &g_array_index (cands, Candidate, i).face;
      gboolean keep = TRUE;
      for (guint k = 0; k < faces->len && keep; k++)
        keep = tf_face_iou (f, &g_array_index (faces, TfFace, k)) <= detector->nms_threshold;
      if (keep)
        g_array_append_val (faces, *f);
    }
  fx = (float) ((double) width / sw);
  fy = (float) ((double) height / sh);
  for (guint i = 0; i < faces->len; i++)
    {
      TfFace *f = &g_array_index (faces, TfFace, i);
      f->x *= fx;
      f->w *= fx;
      f->y *= fy;
      f->h *= fy;
      for (int k = 0; k < TF_FACE_LANDMARKS; k++)
        {
          f->landmarks[k][0] *= fx;
          f->landmarks[k][1] *= fy;
        }
    }
  return faces;
}
