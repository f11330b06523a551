/* SPDX-License-Identifier: GPL-3.0-or-later */
/* safetensors: an 8-byte little-endian header length N, N bytes of JSON
 * {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {str: str}},
 * then the raw little-endian tensor data; offsets are relative to the data start. */
#pragma once

#include <glib.h>
#include <stdint.h>

G_BEGIN_DECLS

typedef enum
{
  TF_DTYPE_F32,
  TF_DTYPE_F16,
  TF_DTYPE_BF16,
  TF_DTYPE_F64,
  TF_DTYPE_I64,
  TF_DTYPE_I32,
  TF_DTYPE_I16,
  TF_DTYPE_I8,
  TF_DTYPE_U8,
  TF_DTYPE_BOOL,
} TfDtype;

#define TF_ST_MAX_DIMS 8

typedef struct
{
  const char    *name;
  TfDtype        dtype;
  int            ndim;
  int64_t        shape[TF_ST_MAX_DIMS];
  int64_t        numel;
  const guint8  *data;     /* inside the mapping; not aligned in general */
  gsize          nbytes;
} TfStTensor;

typedef struct _TfSafetensors TfSafetensors;

const char    *tf_dtype_name                 (TfDtype dtype);
gsize          tf_dtype_size                 (TfDtype dtype);

/* Maps @path read-only and validates the whole header: length, JSON, dtypes,
 * shapes, offsets inside the data and not overlapping, sizes matching shapes. */
TfSafetensors *tf_safetensors_open           (const char   *path,
                                              GError      **error);
/* Same checks over a caller-owned buffer that must outlive the result. */
TfSafetensors *tf_safetensors_new_from_data  (const guint8 *data,
                                              gsize         size,
                                              const char   *display_name,
                                              GError      **error);
void           tf_safetensors_free           (TfSafetensors *st);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TfSafetensors, tf_safetensors_free)

const char    *tf_safetensors_get_path       (TfSafetensors *st);
/* NULL when absent. */
const char    *tf_safetensors_get_metadata   (TfSafetensors *st,
                                              const char    *key);
/* The metadata keys, NULL-terminated, owned by @st (NULL-terminated empty
 * array when there is no metadata). */
const char * const *tf_safetensors_get_metadata_keys (TfSafetensors *st);
guint          tf_safetensors_get_n_tensors  (TfSafetensors *st);
const TfStTensor *tf_safetensors_get_nth     (TfSafetensors *st,
                                              guint          i);
/* NULL when absent. */
const TfStTensor *tf_safetensors_lookup      (TfSafetensors *st,
                                              const char    *name);

/* Converts tensor @name (F32, F16, BF16 or F64) to float in @out.
 * @shape/@ndim give the expected shape; the error names the tensor and says
 * what is wrong (missing, shape [..] instead of [..], dtype, NaN/Inf at index). */
gboolean       tf_safetensors_read_f32       (TfSafetensors *st,
                                              const char    *name,
                                              const int64_t *shape,
                                              int            ndim,
                                              float         *out,
                                              GError       **error);
/* Tells the kernel the tensor's pages will not be needed again, so that
 * loading a large model does not keep the file and its copy resident. */
void           tf_safetensors_release        (TfSafetensors *st,
                                              const char    *name);

/* Writer: tensors are stored in the order added; the file is written to a
 * temporary file beside @path, fsynced and renamed, so a failure leaves any
 * previous file intact. */
typedef struct _TfSafetensorsWriter TfSafetensorsWriter;

TfSafetensorsWriter *tf_safetensors_writer_new     (void);
void           tf_safetensors_writer_free          (TfSafetensorsWriter *w);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TfSafetensorsWriter, tf_safetensors_writer_free)
void           tf_safetensors_writer_add_metadata  (TfSafetensorsWriter *w,
                                                    const char          *key,
                                                    const char          *value);
/* Stores @data (float, numel = product of @shape) as @dtype (F32, F16 or BF16,
 * round to nearest even). The data is copied. */
void           tf_safetensors_writer_add_f32       (TfSafetensorsWriter *w,
                                                    const char          *name,
                                                    const int64_t       *shape,
                                                    int                  ndim,
                                                    const float         *data,
                                                    TfDtype              dtype);
gboolean       tf_safetensors_writer_write         (TfSafetensorsWriter *w,
                                                    const char          *path,
                                                    GError             **error);
/* The whole file in memory (for tests and the fuzzer's seeds). */
GBytes        *tf_safetensors_writer_to_bytes      (TfSafetensorsWriter *w);

/* Scalar conversions, exposed for tests. */
float          tf_f16_to_f32                 (guint16 h);
float          tf_bf16_to_f32                (guint16 b);
guint16        tf_f32_to_f16                 (float f);
guint16        tf_f32_to_bf16                (float f);

G_END_DECLS
