/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A project's interchange formats. Exports: CSV and JSON Lines rows as
 * `transfer-cli analyze` writes them, and a training set of crops in one
 * folder per class. Imports: labels from a CSV or a folder-per-class tree,
 * all or nothing, each bad line reported. */
#include <errno.h>
#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <string.h>

#include "tf-atomic-file.h"
#include "tf-export.h"
#include "tf-project-private.h"

gboolean
tf_project_parse_export_format (const char            *name,
                                TfProjectExportFormat *format)
{
  if (g_str_equal (name, "csv"))
    *format = TF_PROJECT_EXPORT_CSV;
  else if (g_str_equal (name, "jsonl"))
    *format = TF_PROJECT_EXPORT_JSONL;
  else if (g_str_equal (name, "folders"))
    *format = TF_PROJECT_EXPORT_FOLDERS;
  else
    return FALSE;
  return TRUE;
}

static const char *const source_names[] = { "person", "imported", "propagated" };

/* ---- CSV and JSON Lines ------------------------------------------------------------ */

typedef struct
{
  TfProject      *p;
  TfExportFormat  format;
  char          **classes;     /* the run's, or the project's when there is no run */
  int             n_classes;
  TfAtomicFile   *file;
  GString        *buf;
  gint64          n;
  GError         *error;
  TfProjectVoteTable *votes;
  GHashTable     *rows;        /* face id -> row of @votes + 1 */
  GPtrArray      *voters, *vote_labels;   /* a row's, reused */
} RowExport;

static gboolean
export_row (const TfProjectFace *face,
            gpointer             data)
{
  RowExport *e = data;
  gboolean predicted = face->probs && face->n_probs == e->n_classes;
  TfExportRow row = {
    .file = face->file, .frame = face->frame, .time_s = face->time_s, .face = face->index, .det = &face->det,
    .probs = predicted ? face->probs : NULL, .label = tf_project_label_name (e->p, face->label.label),
    .track = face->track, .provenance = TRUE, .annotator = face->label.annotator,
  };

  int vrow = GPOINTER_TO_INT (g_hash_table_lookup (e->rows, &face->id)) - 1;

  if (face->label.label != TF_LABEL_NONE && face->label.source <= TF_LABEL_PROPAGATED)
    row.label_source = source_names[face->label.source];
  row.final = face->label.final;
  row.agree = face->label.agree;
  g_ptr_array_set_size (e->voters, 0);
  g_ptr_array_set_size (e->vote_labels, 0);
  for (int a = 0; vrow >= 0 && a < e->votes->n_annotators; a++)
    {
      int v = e->votes->cells[(gsize) vrow * e->votes->n_annotators + a];
      if (v == TF_LABEL_NONE)
        continue;
      g_ptr_array_add (e->voters, e->votes->annotators[a]);
      g_ptr_array_add (e->vote_labels, (gpointer) tf_project_label_name (e->p, v));
    }
  row.n_votes = (int) e->voters->len;
  row.voters = (const char * const *) e->voters->pdata;
  row.vote_labels = (const char * const *) e->vote_labels->pdata;
  for (int k = 1; predicted && k < face->n_probs; k++)
    if (face->probs[k] > face->probs[row.predicted])
      row.predicted = k;
  tf_export_row (e->buf, e->format, (const char * const *) e->classes, e->n_classes, &row);
  e->n++;
  if (e->buf->len > 1 << 16)
    {
      if (!tf_atomic_file_write (e->file, e->buf->str, e->buf->len, &e->error))
        return FALSE;
      g_string_truncate (e->buf, 0);
    }
  return TRUE;
}

static gboolean
export_rows (TfProject             *p,
             TfExportFormat         format,
             const TfProjectFilter *filter,
             const char            *out,
             gint64                *n_faces,
             GError               **error)
{
  g_autoptr(GString) buf = g_string_new (NULL);
  g_autoptr(TfAtomicFile) file = NULL;
  gint64 run = _tf_project_resolve_run (p, filter ? filter->run : 0);
  g_autoptr(TfProjectVoteTable) votes = NULL;
  g_autoptr(GHashTable) rows = g_hash_table_new (g_int64_hash, g_int64_equal);
  g_autoptr(GPtrArray) voters = g_ptr_array_new ();
  g_autoptr(GPtrArray) vote_labels = g_ptr_array_new ();
  RowExport e = { p, format, NULL, 0, NULL, buf, 0, NULL, NULL, rows, voters, vote_labels };
  gboolean ok;

  if (!(votes = tf_project_get_vote_table (p, error)))
    return FALSE;
  e.votes = votes;
  for (int r = 0; r < votes->n_faces; r++)
    g_hash_table_insert (rows, &votes->faces[r], GINT_TO_POINTER (r + 1));
  e.classes = run > 0 ? tf_project_get_run_classes (p, run, error) : tf_project_get_classes (p);
  if (e.classes == NULL)
    return FALSE;
  e.n_classes = (int) g_strv_length (e.classes);
  if (!(file = tf_atomic_file_new (out, error)))
    {
      g_strfreev (e.classes);
      return FALSE;
    }
  e.file = file;
  tf_export_header_provenance (buf, format, (const char * const *) e.classes, e.n_classes);
  ok = tf_project_foreach_face (p, filter, export_row, &e, error);
  g_strfreev (e.classes);
  if (ok && e.error)
    {
      g_propagate_error (error, e.error);
      return FALSE;
    }
  g_clear_error (&e.error);
  if (!ok || !tf_atomic_file_write (file, buf->str, buf->len, error) || !tf_atomic_file_commit (file, error))
    return FALSE;
  if (n_faces)
    *n_faces = e.n;
  return TRUE;
}

/* ---- a training set: crops in one folder per class ---------------------------------- */

typedef struct
{
  TfProject  *p;
  const char *dir;       /* the folder being written */
  GString    *csv;       /* labels.csv */
  GHashTable *made;      /* class folders made */
  gint64      n;
  GError     *error;
} FolderExport;

static gboolean
export_crop (const TfProjectFace *face,
             gpointer             data)
{
  FolderExport *e = data;
  const char *cls = tf_project_label_name (e->p, face->label.label);
  g_autoptr(GBytes) crop = NULL;
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  g_autofree char *png = NULL, *name = NULL, *path = NULL;
  gsize png_len;
  int size;

  if (face->label.label < 0)
    return TRUE;   /* not a face, unsure: no class to train */
  if (!(crop = tf_project_get_crop (e->p, face->id, &size, &e->error)))
    return e->error == NULL;   /* a face without a crop (drawn by hand) */
  if (!g_hash_table_contains (e->made, cls))
    {
      g_autofree char *sub = g_build_filename (e->dir, cls, NULL);
      if (g_mkdir (sub, 0777) != 0)
        {
          int saved = errno;
          g_autofree char *display = g_filename_display_name (sub);
          g_set_error (&e->error, TF_PROJECT_ERROR, TF_PROJECT_ERROR_IO, _("%s: cannot create: %s"), display,
                       g_strerror (saved));
          return FALSE;
        }
      g_hash_table_add (e->made, g_strdup (cls));
    }
  pixbuf = gdk_pixbuf_new_from_bytes (crop, GDK_COLORSPACE_RGB, FALSE, 8, size, size, 3 * size);
  if (!gdk_pixbuf_save_to_buffer (pixbuf, &png, &png_len, "png", &e->error, NULL))
    return FALSE;
  name = g_strdup_printf ("%s/face-%06" G_GINT64_FORMAT ".png", cls, face->id);
  path = g_build_filename (e->dir, name, NULL);
  if (!tf_atomic_file_set_contents (path, png, png_len, &e->error))
    return FALSE;
  tf_export_csv_field (e->csv, name);
  g_string_append_c (e->csv, ',');
  tf_export_csv_field (e->csv, cls);
  g_string_append_c (e->csv, '\n');
  e->n++;
  return TRUE;
}

static void
remove_tree (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d && (name = g_dir_read_name (d)))
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      if (g_file_test (path, G_FILE_TEST_IS_DIR) && !g_file_test (path, G_FILE_TEST_IS_SYMLINK))
        remove_tree (path);
      else
        g_unlink (path);
    }
  g_rmdir (dir);
}

/* Written into a folder beside @out that takes its name at the end: a
 * failed export leaves no half training set. */
static gboolean
export_folders (TfProject             *p,
                const TfProjectFilter *filter,
                const char            *out,
                gint64                *n_faces,
                GError               **error)
{
  g_autofree char *display = g_filename_display_name (out);
  g_autofree char *parent = NULL, *base = NULL, *tmp = NULL, *csv_path = NULL;
  g_autoptr(GString) csv = g_string_new ("image,label\n");
  g_autoptr(GHashTable) made = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GDir) existing = NULL;
  FolderExport e = { p, NULL, csv, made, 0, NULL };
  gboolean ok;

  if (g_file_test (out, G_FILE_TEST_EXISTS))
    {
      if (!g_file_test (out, G_FILE_TEST_IS_DIR) || !(existing = g_dir_open (out, 0, NULL)) ||
          g_dir_read_name (existing) != NULL)
        {
          g_set_error (error, TF_PROJECT_ERROR, TF_PROJECT_ERROR_IO,
                       _("%s: exists and is not an empty folder: a training set goes into a new folder"), display);
          return FALSE;
        }
    }
  parent = g_path_get_dirname (out);
  base = g_path_get_basename (out);
  if (g_mkdir_with_parents (parent, 0777) != 0)
    {
      int saved = errno;
      g_set_error (error, TF_PROJECT_ERROR, TF_PROJECT_ERROR_IO, _("%s: cannot create: %s"), display,
                   g_strerror (saved));
      return FALSE;
    }
  tmp = g_strdup_printf ("%s/.%s.new-XXXXXX", parent, base);
  if (g_mkdtemp_full (tmp, 0777) == NULL)
    {
      int saved = errno;
      g_set_error (error, TF_PROJECT_ERROR, TF_PROJECT_ERROR_IO, _("%s: cannot create: %s"), display,
                   g_strerror (saved));
      return FALSE;
    }
  e.dir = tmp;
  ok = tf_project_foreach_face (p, filter, export_crop, &e, error);
  if (ok && e.error)
    {
      g_propagate_error (error, g_steal_pointer (&e.error));
      ok = FALSE;
    }
  g_clear_error (&e.error);
  csv_path = g_build_filename (tmp, "labels.csv", NULL);
  if (ok)
    ok = tf_atomic_file_set_contents (csv_path, csv->str, csv->len, error);
  /* rename() replaces an empty folder, and refuses one that filled meanwhile */
  if (ok && g_rename (tmp, out) != 0)
    {
      int saved = errno;
      g_set_error (error, TF_PROJECT_ERROR, TF_PROJECT_ERROR_IO, _("%s: cannot create: %s"), display,
                   g_strerror (saved));
      ok = FALSE;
    }
  if (!ok)
    {
      remove_tree (tmp);
      return FALSE;
    }
  if (n_faces)
    *n_faces = e.n;
  return TRUE;
}

gboolean
tf_project_export (TfProject             *p,
                   TfProjectExportFormat  format,
                   const TfProjectFilter *filter,
                   const char            *out,
                   gint64                *n_faces,
                   GError               **error)
{
  g_return_val_if_fail (p != NULL && out != NULL, FALSE);
  if (format == TF_PROJECT_EXPORT_FOLDERS)
    return export_folders (p, filter, out, n_faces, error);
  return export_rows (p, format == TF_PROJECT_EXPORT_JSONL ? TF_EXPORT_JSONL : TF_EXPORT_CSV, filter, out, n_faces,
                      error);
}

/* ---- reading CSV ------------------------------------------------------------------- */

typedef struct
{
  const char *p, *end;
  int         line;     /* of the next character */
} CsvReader;

/* The next record's fields (RFC 4180: quoted fields may hold commas,
 * doubled quotes and line breaks; unquoted ones are trimmed); *@line is
 * where it starts. FALSE at the end. *@bad when a quote is not closed. */
static gboolean
csv_next (CsvReader *r,
          GPtrArray *fields,
          int       *line,
          gboolean  *bad)
{
  g_ptr_array_set_size (fields, 0);
  *bad = FALSE;
  /* blank lines between records */
  while (r->p < r->end && (*r->p == '\n' || *r->p == '\r'))
    r->line += *r->p++ == '\n';
  if (r->p >= r->end)
    return FALSE;
  *line = r->line;
  for (;;)
    {
      GString *field = g_string_new (NULL);

      while (r->p < r->end && (*r->p == ' ' || *r->p == '\t'))
        r->p++;
      if (r->p < r->end && *r->p == '"')
        {
          for (r->p++;; r->p++)
            {
              if (r->p >= r->end)
                {
                  *bad = TRUE;
                  g_ptr_array_add (fields, g_string_free (field, FALSE));
                  return TRUE;
                }
              if (*r->p == '"')
                {
                  if (r->p + 1 >= r->end || r->p[1] != '"')
                    break;
                  r->p++;
                }
              r->line += *r->p == '\n';
              g_string_append_c (field, *r->p);
            }
          r->p++;
          while (r->p < r->end && *r->p != ',' && *r->p != '\n')
            if (*r->p++ > ' ')
              *bad = TRUE;   /* text after the closing quote */
        }
      else
        {
          while (r->p < r->end && *r->p != ',' && *r->p != '\n')
            g_string_append_c (field, *r->p++);
          while (field->len > 0 && g_ascii_isspace (field->str[field->len - 1]))
            g_string_truncate (field, field->len - 1);
        }
      g_ptr_array_add (fields, g_string_free (field, FALSE));
      if (r->p >= r->end || *r->p == '\n')
        {
          if (r->p < r->end)
            {
              r->p++;
              r->line++;
            }
          return TRUE;
        }
      r->p++;   /* the comma */
    }
}

/* ---- importing labels ---------------------------------------------------------------- */

typedef struct
{
  TfProject  *p;
  GHashTable *by_path;    /* relative path -> media id */
  GHashTable *by_name;    /* base name -> GPtrArray of relative paths */
  GHashTable *by_hash;    /* sha256 -> GPtrArray of relative paths */
} MediaIndex;

static void
media_index_clear (MediaIndex *m)
{
  g_clear_pointer (&m->by_path, g_hash_table_unref);
  g_clear_pointer (&m->by_name, g_hash_table_unref);
  g_clear_pointer (&m->by_hash, g_hash_table_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (MediaIndex, media_index_clear)

static void
index_add (GHashTable *table,
           const char *key,
           const char *path)
{
  GPtrArray *list = g_hash_table_lookup (table, key);

  if (list == NULL)
    g_hash_table_insert (table, g_strdup (key), list = g_ptr_array_new_with_free_func (g_free));
  g_ptr_array_add (list, g_strdup (path));
}

static gboolean
media_index_init (MediaIndex *m,
                  TfProject  *p,
                  GError    **error)
{
  g_autoptr(GPtrArray) media = tf_project_list_media (p, error);

  if (media == NULL)
    return FALSE;
  m->p = p;
  m->by_path = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  m->by_name = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_ptr_array_unref);
  m->by_hash = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_ptr_array_unref);
  for (guint i = 0; i < media->len; i++)
    {
      TfProjectMedia *x = media->pdata[i];
      g_autofree char *base = g_path_get_basename (x->path);

      g_hash_table_insert (m->by_path, g_strdup (x->path), GSIZE_TO_POINTER ((gsize) x->id));
      index_add (m->by_name, base, x->path);
      index_add (m->by_hash, x->sha256, x->path);
    }
  return TRUE;
}

static gint64
media_id (MediaIndex *m,
          const char *rel)
{
  return (gint64) GPOINTER_TO_SIZE (g_hash_table_lookup (m->by_path, rel));
}

/* One list's only entry; else NULL and @why says what went wrong. */
static const char *
only_one (GPtrArray  *list,
          const char *what,
          char      **why)
{
  g_autoptr(GString) names = NULL;

  if (list && list->len == 1)
    return list->pdata[0];
  if (list == NULL || list->len == 0)
    return NULL;
  names = g_string_new (NULL);
  for (guint i = 0; i < list->len && i < 5; i++)
    g_string_append_printf (names, "%s%s", i ? ", " : "", (char *) list->pdata[i]);
  *why = g_strdup_printf (_("'%s' matches %u media of the project (%s%s): give its path relative to the project"),
                          what, list->len, names->str, list->len > 5 ? ", ..." : "");
  return NULL;
}

/* The media a CSV's file column names: its path relative to the project,
 * an absolute path, a path relative to the CSV's folder or to the current
 * one, or a base name that only one media has. */
static gint64
find_media (MediaIndex *m,
            const char *file,
            const char *csv_dir,
            char      **why)
{
  g_autofree char *base = g_path_get_basename (file);
  const char *rel;
  gint64 id;

  if ((id = media_id (m, file)) > 0)
    return id;
  if (g_path_is_absolute (file))
    {
      g_autofree char *r = _tf_project_relative (m->p, file);
      if ((id = media_id (m, r)) > 0)
        return id;
    }
  else
    {
      g_autofree char *a = g_canonicalize_filename (file, csv_dir), *b = g_canonicalize_filename (file, NULL);
      g_autofree char *ra = _tf_project_relative (m->p, a), *rb = _tf_project_relative (m->p, b);
      if ((id = media_id (m, ra)) > 0 || (id = media_id (m, rb)) > 0)
        return id;
    }
  if ((rel = only_one (g_hash_table_lookup (m->by_name, base), file, why)))
    return media_id (m, rel);
  if (*why == NULL)
    *why = g_strdup_printf (_("no media '%s' in the project"), file);
  return 0;
}

/* The faces of @media that @frame, @face and @track (< 0: any) pick. The
 * columns given are spelt out in the query: "(?2 < 0 OR frame = ?2)" would
 * keep SQLite from the (media, frame, idx) index, and each row would read
 * every face of its video (10,000 labels of a 100,000-face video: 74 s). */
static GArray *
pick_faces (TfProject  *p,
            gint64      media,
            gint64      frame,
            gint64      face,
            gint64      track,
            GError    **error)
{
  g_autoptr(TfProjectStmt) s = NULL;
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  int rc;

  if (frame >= 0 && face >= 0)
    s = _tf_project_stmt (p, "SELECT id FROM faces WHERE media = ?1 AND frame = ?2 AND idx = ?3 "
                             "AND (?4 < 0 OR track = ?4) ORDER BY frame, idx", error);
  else if (frame >= 0)
    s = _tf_project_stmt (p, "SELECT id FROM faces WHERE media = ?1 AND frame = ?2 AND (?3 < 0 OR idx = ?3) "
                             "AND (?4 < 0 OR track = ?4) ORDER BY frame, idx", error);
  else
    s = _tf_project_stmt (p, "SELECT id FROM faces WHERE media = ?1 AND (?2 < 0 OR frame = ?2) "
                             "AND (?3 < 0 OR idx = ?3) AND (?4 < 0 OR track = ?4) ORDER BY frame, idx", error);
  if (s == NULL)
    return NULL;
  sqlite3_bind_int64 (s, 1, media);
  sqlite3_bind_int64 (s, 2, frame);
  sqlite3_bind_int64 (s, 3, face);
  sqlite3_bind_int64 (s, 4, track);
  while ((rc = sqlite3_step (s)) == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (s, 0);
      g_array_append_val (ids, id);
    }
  if (rc != SQLITE_DONE)
    {
      _tf_project_error (p, rc, error);
      return NULL;
    }
  return g_steal_pointer (&ids);
}

static char *
known_labels (TfProject *p)
{
  g_auto(GStrv) classes = tf_project_get_classes (p);
  g_autofree char *joined = g_strjoinv (", ", classes);

  return g_strdup_printf ("%s, %s, %s", joined, tf_project_label_name (p, TF_LABEL_NOT_A_FACE),
                          tf_project_label_name (p, TF_LABEL_UNSURE));
}

/* Labels @media's faces that the columns pick (when @write: after a bad
 * line the others are only looked at); else the reason in @why. */
static gboolean
label_media (TfProject   *p,
             gint64       media,
             const char  *what,
             gint64       frame,
             gint64       face,
             gint64       track,
             int          label,
             const char  *annotator,
             gboolean     write,
             gint64      *n_labels,
             char       **why,
             GError     **error)
{
  g_autoptr(GArray) ids = pick_faces (p, media, frame, face, track, error);

  if (ids == NULL)
    return FALSE;
  if (ids->len == 0)
    *why = g_strdup_printf (_("no face of '%s' is there (frame, face and track as given)"), what);
  else if (ids->len > 1 && track < 0)
    *why = g_strdup_printf (_("'%s' has %u faces there: add a face or track column to say which"), what, ids->len);
  for (guint i = 0; write && *why == NULL && i < ids->len; i++)
    {
      if (!_tf_project_put_label (p, g_array_index (ids, gint64, i), label, TF_LABEL_IMPORTED, annotator, NULL,
                                  error))
        return FALSE;
      (*n_labels)++;
    }
  return TRUE;
}

/* An optional whole-number column: -1 when absent or empty. */
static gboolean
column_number (GPtrArray  *fields,
               int         col,
               const char *name,
               gint64     *value,
               char      **why)
{
  const char *text = col >= 0 && col < (int) fields->len ? fields->pdata[col] : "";

  *value = -1;
  if (*text == '\0')
    return TRUE;
  if (g_ascii_string_to_signed (text, 10, 0, G_MAXINT64, value, NULL))
    return TRUE;
  *why = g_strdup_printf (_("%s '%s' is not a whole number"), name, text);
  return FALSE;
}

/* Problems are shown to people: what they quote of the input (a file name,
 * a label) may be in any encoding, the message is UTF-8. Takes @text. */
static void
add_problem (GPtrArray *problems,
             char      *text)
{
  g_ptr_array_add (problems, g_utf8_make_valid (text, -1));
  g_free (text);
}

static gboolean
finish_import (TfProject   *p,
               const char  *display,
               GPtrArray   *problems,
               guint        first_problem,
               gboolean     ok,
               gint64       n,
               gint64      *n_labels,
               GError     **error)
{
  guint bad = problems->len - first_problem;

  if (ok && bad > 0)
    {
      g_set_error (error, TF_PROJECT_ERROR, TF_PROJECT_ERROR_INPUT,
                   g_dngettext (NULL, "%s: %u line could not be imported: nothing was changed",
                                "%s: %u lines could not be imported: nothing was changed", bad), display, bad);
      ok = FALSE;
    }
  if (!_tf_project_tx_end (p, ok, error))
    return FALSE;
  if (n_labels)
    *n_labels = n;
  return TRUE;
}

gboolean
tf_project_import_labels (TfProject   *p,
                          const char  *csv,
                          const char  *annotator,
                          GPtrArray   *problems,
                          gint64      *n_labels,
                          GError     **error)
{
  g_autofree char *display = g_filename_display_name (csv), *abs = g_canonicalize_filename (csv, NULL);
  g_autofree char *dir = g_path_get_dirname (abs);
  g_autofree char *text = NULL;
  g_autoptr(GPtrArray) fields = g_ptr_array_new_with_free_func (g_free);
  g_auto(MediaIndex) index = { 0 };
  int col_file = -1, col_label = -1, col_frame = -1, col_face = -1, col_track = -1, line;
  guint first_problem = problems->len;
  gboolean bad, ok = TRUE;
  gsize len;
  gint64 n = 0;
  CsvReader r;

  g_return_val_if_fail (p != NULL && csv != NULL && problems != NULL, FALSE);
  if (!g_file_get_contents (csv, &text, &len, error))
    return FALSE;
  r = (CsvReader) { text, text + len, 1 };
  if (len >= 3 && memcmp (text, "\xef\xbb\xbf", 3) == 0)
    r.p += 3;   /* the byte order mark spreadsheets put before UTF-8 */
  if (!csv_next (&r, fields, &line, &bad) || bad)
    {
      g_set_error (error, TF_PROJECT_ERROR, TF_PROJECT_ERROR_INPUT, _("%s: no header line"), display);
      return FALSE;
    }
  for (guint c = 0; c < fields->len; c++)
    {
      const char *name = fields->pdata[c];
      int *col = !g_ascii_strcasecmp (name, "file") ? &col_file : !g_ascii_strcasecmp (name, "label") ? &col_label
               : !g_ascii_strcasecmp (name, "frame") ? &col_frame : !g_ascii_strcasecmp (name, "face") ? &col_face
               : !g_ascii_strcasecmp (name, "track") ? &col_track : NULL;
      if (col && *col < 0)
        *col = (int) c;
    }
  if (col_file < 0 || col_label < 0)
    {
      g_set_error (error, TF_PROJECT_ERROR, TF_PROJECT_ERROR_INPUT,
                   _("%s:%d: the header needs the columns file and label (and may have frame, face, track)"),
                   display, line);
      return FALSE;
    }
  if (!media_index_init (&index, p, error) || !_tf_project_tx_begin (p, error))
    return FALSE;

  while (ok && csv_next (&r, fields, &line, &bad))
    {
      g_autofree char *why = NULL;
      const char *file = col_file < (int) fields->len ? fields->pdata[col_file] : "";
      const char *name = col_label < (int) fields->len ? fields->pdata[col_label] : "";
      gint64 media = 0, frame, face, track;
      int label = TF_LABEL_NONE;

      if (bad)
        why = g_strdup (_("a quote is not closed, or text follows a closing quote"));
      else if (*name == '\0')
        continue;   /* a row nobody labelled */
      else if (*file == '\0')
        why = g_strdup (_("no file"));
      else if ((label = tf_project_find_label (p, name)) == TF_LABEL_NONE)
        {
          g_autofree char *known = known_labels (p);
          why = g_strdup_printf (_("unknown class '%s' (the project's: %s)"), name, known);
        }
      if (why == NULL && column_number (fields, col_frame, "frame", &frame, &why) &&
          column_number (fields, col_face, "face", &face, &why) &&
          column_number (fields, col_track, "track", &track, &why))
        media = find_media (&index, file, dir, &why);
      if (media > 0)
        ok = label_media (p, media, file, frame, face, track, label, annotator, problems->len == first_problem, &n,
                          &why, error);
      if (why)
        add_problem (problems, g_strdup_printf ("%s:%d: %s", display, line, why));
    }
  return finish_import (p, display, problems, first_problem, ok, n, n_labels, error);
}

/* ---- importing a folder-per-class tree -------------------------------------------------- */

gboolean
tf_project_import_folders (TfProject   *p,
                           const char  *dir,
                           const char  *annotator,
                           GPtrArray   *problems,
                           gint64      *n_labels,
                           GError     **error)
{
  g_autofree char *display = g_filename_display_name (dir);
  g_autoptr(GDir) top = NULL;
  g_auto(MediaIndex) index = { 0 };
  guint first_problem = problems->len;
  const char *cls;
  gboolean ok = TRUE;
  gint64 n = 0;

  g_return_val_if_fail (p != NULL && dir != NULL && problems != NULL, FALSE);
  if (!(top = g_dir_open (dir, 0, error)))
    return FALSE;
  if (!media_index_init (&index, p, error) || !_tf_project_tx_begin (p, error))
    return FALSE;
  while (ok && (cls = g_dir_read_name (top)))
    {
      g_autofree char *sub = g_build_filename (dir, cls, NULL);
      g_autoptr(GDir) d = NULL;
      const char *pic;
      int label;

      if (*cls == '.' || !g_file_test (sub, G_FILE_TEST_IS_DIR) || !(d = g_dir_open (sub, 0, NULL)))
        continue;
      label = tf_project_find_label (p, cls);
      while (ok && (pic = g_dir_read_name (d)))
        {
          g_autofree char *path = g_build_filename (sub, pic, NULL), *why = NULL, *sha = NULL;
          g_autofree char *pic_display = g_filename_display_name (path);
          const char *rel = NULL;
          gint64 size, media = 0;

          if (*pic == '.' || !g_file_test (path, G_FILE_TEST_IS_REGULAR))
            continue;
          if (label == TF_LABEL_NONE)
            {
              g_autofree char *known = known_labels (p);
              why = g_strdup_printf (_("the folder names no class of the project (%s)"), known);
            }
          else if (!(sha = _tf_project_hash_file (path, &size, error)))
            ok = FALSE;
          else if ((rel = only_one (g_hash_table_lookup (index.by_hash, sha), pic, &why)) ||
                   (why == NULL && (rel = only_one (g_hash_table_lookup (index.by_name, pic), pic, &why))))
            media = media_id (&index, rel);
          else if (why == NULL)
            why = g_strdup (_("no media of the project has this content or this name"));
          if (media > 0)
            ok = label_media (p, media, pic, -1, -1, -1, label, annotator, problems->len == first_problem, &n,
                              &why, error);
          if (why)
            add_problem (problems, g_strdup_printf ("%s: %s", pic_display, why));
        }
    }
  return finish_import (p, display, problems, first_problem, ok, n, n_labels, error);
}
