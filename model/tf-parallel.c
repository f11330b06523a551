/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "tf-parallel.h"

typedef struct
{
  float *data;
  gsize  cap;
} Scratch;

struct _TfPool
{
  int         threads;
  GThread   **workers;      /* threads - 1 */
  Scratch    *scratch;      /* threads */

  GMutex      lock;
  GCond       start;
  GCond       done;
  guint64     generation;   /* bumped for each run */
  gboolean    quit;
  int         busy;         /* workers still in the current run */

  TfTaskFunc  func;
  gpointer    data;
  int         n_tasks;
  gint        next_task;    /* atomic */
};

typedef struct
{
  TfPool *pool;
  int     index;
} WorkerArgs;

static void
run_tasks (TfPool *pool,
           int     thread)
{
  int task;

  while ((task = g_atomic_int_add (&pool->next_task, 1)) < pool->n_tasks)
    pool->func (task, pool->n_tasks, thread, pool->data);
}

static gpointer
worker_main (gpointer user_data)
{
  WorkerArgs *args = user_data;
  TfPool *pool = args->pool;
  int index = args->index;
  guint64 seen = 0;

  g_free (args);
  for (;;)
    {
      g_mutex_lock (&pool->lock);
      while (pool->generation == seen && !pool->quit)
        g_cond_wait (&pool->start, &pool->lock);
      if (pool->quit)
        {
          g_mutex_unlock (&pool->lock);
          return NULL;
        }
      seen = pool->generation;
      g_mutex_unlock (&pool->lock);

      run_tasks (pool, index);

      g_mutex_lock (&pool->lock);
      if (--pool->busy == 0)
        g_cond_signal (&pool->done);
      g_mutex_unlock (&pool->lock);
    }
}

TfPool *
tf_pool_new (int threads)
{
  TfPool *pool = g_new0 (TfPool, 1);

  pool->threads = CLAMP (threads, 1, 256);
  pool->scratch = g_new0 (Scratch, pool->threads);
  pool->workers = g_new0 (GThread *, pool->threads);
  g_mutex_init (&pool->lock);
  g_cond_init (&pool->start);
  g_cond_init (&pool->done);

  for (int i = 1; i < pool->threads; i++)
    {
      WorkerArgs *args = g_new (WorkerArgs, 1);
      args->pool = pool;
      args->index = i;
      pool->workers[i] = g_thread_new ("tf-worker", worker_main, args);
    }
  return pool;
}

void
tf_pool_free (TfPool *pool)
{
  if (pool == NULL)
    return;
  g_mutex_lock (&pool->lock);
  pool->quit = TRUE;
  g_cond_broadcast (&pool->start);
  g_mutex_unlock (&pool->lock);
  for (int i = 1; i < pool->threads; i++)
    g_thread_join (pool->workers[i]);
  for (int i = 0; i < pool->threads; i++)
    g_aligned_free (pool->scratch[i].data);
  g_mutex_clear (&pool->lock);
  g_cond_clear (&pool->start);
  g_cond_clear (&pool->done);
  g_free (pool->workers);
  g_free (pool->scratch);
  g_free (pool);
}

int
tf_pool_get_threads (TfPool *pool)
{
  return pool ? pool->threads : 1;
}

void
tf_pool_run (TfPool     *pool,
             int         n_tasks,
             TfTaskFunc  func,
             gpointer    data)
{
  if (n_tasks <= 0)
    return;
  if (pool == NULL || pool->threads == 1 || n_tasks == 1)
    {
      for (int t = 0; t < n_tasks; t++)
        func (t, n_tasks, 0, data);
      return;
    }

  g_mutex_lock (&pool->lock);
  pool->func = func;
  pool->data = data;
  pool->n_tasks = n_tasks;
  g_atomic_int_set (&pool->next_task, 0);
  pool->busy = pool->threads - 1;
  pool->generation++;
  g_cond_broadcast (&pool->start);
  g_mutex_unlock (&pool->lock);

  run_tasks (pool, 0);

  g_mutex_lock (&pool->lock);
  while (pool->busy > 0)
    g_cond_wait (&pool->done, &pool->lock);
  g_mutex_unlock (&pool->lock);
}

float *
tf_pool_scratch (TfPool *pool,
                 int     thread,
                 gsize   n)
{
  Scratch *s;

  g_return_val_if_fail (pool != NULL, NULL);
  g_return_val_if_fail (thread >= 0 && thread < pool->threads, NULL);
  s = &pool->scratch[thread];
  if (n > s->cap)
    {
      g_aligned_free (s->data);
      s->data = g_aligned_alloc (MAX (n, 1), sizeof (float), 64);
      s->cap = n;
    }
  return s->data;
}
