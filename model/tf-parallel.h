/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A fork-join pool for the engine's own parallelism. The engine splits every
 * layer itself (GEMM columns or rows, heads, element ranges) and calls
 * OpenBLAS single-threaded inside each task: nothing is left serial between
 * two BLAS calls, and no BLAS thread spins while the other core works. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _TfPool TfPool;

/* Runs task @task of @n_tasks on worker @thread (0 is the caller). */
typedef void (*TfTaskFunc) (int      task,
                            int      n_tasks,
                            int      thread,
                            gpointer data);

/* @threads >= 1 workers in all, the caller included. */
TfPool  *tf_pool_new          (int         threads);
void     tf_pool_free         (TfPool     *pool);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TfPool, tf_pool_free)
int      tf_pool_get_threads  (TfPool     *pool);

/* Runs @func for tasks 0 .. n_tasks - 1 and returns when all are done.
 * A NULL pool runs them in order in the caller. */
void     tf_pool_run          (TfPool     *pool,
                               int         n_tasks,
                               TfTaskFunc  func,
                               gpointer    data);

/* A scratch buffer of at least @n floats private to @thread, kept between
 * calls (grown, never shrunk). The pool must not be NULL. */
float   *tf_pool_scratch      (TfPool     *pool,
                               int         thread,
                               gsize       n);

/* Splits @n items into @parts near-equal contiguous ranges: [*begin, *end). */
static inline void
tf_split_range (gsize  n,
                int    parts,
                int    part,
                gsize *begin,
                gsize *end)
{
  *begin = n * (gsize) part / (gsize) parts;
  *end = n * (gsize) (part + 1) / (gsize) parts;
}

G_END_DECLS
