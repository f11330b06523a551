/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <string.h>

#include "tf-json.h"
#include "tf-export.h"

gboolean
tf_export_parse_format (const char     *name,
                        TfExportFormat *format)
{
  if (g_str_equal (name, "csv"))
    *format = TF_EXPORT_CSV;
  else if (g_str_equal (name, "jsonl"))
    *format = TF_EXPORT_JSONL;
  else
    return FALSE;
  return TRUE;
}

void
tf_export_csv_field (GString    *out,
                     const char *s)
{
  if (strpbrk (s, ",\"\r\n") == NULL)
    {
      g_string_append (out, s);
      return;
    }
  g_string_append_c (out, '"');
  for (; *s; s++)
    {
      if (*s == '"')
        g_string_append_c (out, '"');
      g_string_append_c (out, *s);
    }
  g_string_append_c (out, '"');
}

static void
number (GString    *out,
        const char *fmt,
        double      v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  g_string_append (out, g_ascii_formatd (buf, sizeof buf, fmt, v));
}

static void
header (GString            *out,
        TfExportFormat      format,
        const char * const *classes,
        int                 n_classes,
        gboolean            provenance)
{
  if (format != TF_EXPORT_CSV)
    return;
  g_string_append (out, "file,frame,time_s,face,x,y,w,h");
  for (int k = 0; k < n_classes; k++)
    {
      g_autofree char *name = g_strconcat ("p_", classes[k], NULL);
      g_string_append_c (out, ',');
      tf_export_csv_field (out, name);
    }
  g_string_append (out, provenance ? ",predicted,label,track,score,label_source,annotator,final,agree,votes\n"
                                    : ",predicted,label,track,score\n");
}

void
tf_export_header (GString            *out,
                  TfExportFormat      format,
                  const char * const *classes,
                  int                 n_classes)
{
  header (out, format, classes, n_classes, FALSE);
}

void
tf_export_header_provenance (GString            *out,
                             TfExportFormat      format,
                             const char * const *classes,
                             int                 n_classes)
{
  header (out, format, classes, n_classes, TRUE);
}

void
tf_export_row (GString            *out,
               TfExportFormat      format,
               const char * const *classes,
               int                 n_classes,
               const TfExportRow  *r)
{
  g_autofree char *display = g_filename_display_name (r->file);
  const TfFace *d = r->det;

  if (format == TF_EXPORT_CSV)
    {
      tf_export_csv_field (out, display);
      g_string_append_printf (out, ",%" G_GINT64_FORMAT ",", r->frame);
      number (out, "%.3f", r->time_s);
      g_string_append_printf (out, ",%d,", r->face);
      number (out, "%.1f", d->x);
      g_string_append_c (out, ',');
      number (out, "%.1f", d->y);
      g_string_append_c (out, ',');
      number (out, "%.1f", d->w);
      g_string_append_c (out, ',');
      number (out, "%.1f", d->h);
      for (int k = 0; k < n_classes; k++)
        {
          g_string_append_c (out, ',');
          if (r->probs)
            number (out, "%.5f", r->probs[k]);
        }
      g_string_append_c (out, ',');
      tf_export_csv_field (out, r->probs ? classes[r->predicted] : "");
      g_string_append_c (out, ',');
      tf_export_csv_field (out, r->label ? r->label : "");
      g_string_append_printf (out, ",%d,", r->track);
      number (out, "%.4f", d->score);
      if (r->provenance)
        {
          g_string_append_c (out, ',');
          tf_export_csv_field (out, r->label_source ? r->label_source : "");
          g_string_append_c (out, ',');
          tf_export_csv_field (out, r->annotator ? r->annotator : "");
          g_string_append_c (out, ',');
          if (r->label)
            g_string_append_printf (out, "%d,%d", r->final != FALSE, r->agree);
          else
            g_string_append_c (out, ',');
          g_string_append_c (out, ',');
          {
            g_autoptr(GString) votes = g_string_new (NULL);

            for (int v = 0; v < r->n_votes; v++)
              g_string_append_printf (votes, "%s%s=%s", v ? ";" : "", r->voters[v], r->vote_labels[v]);
            tf_export_csv_field (out, votes->str);
          }
        }
      g_string_append_c (out, '\n');
      return;
    }

  g_string_append_c (out, '{');
  tf_json_file_member (out, r->file);
  g_string_append_printf (out, ",\"frame\":%" G_GINT64_FORMAT ",\"time_s\":", r->frame);
  number (out, "%.3f", r->time_s);
  g_string_append_printf (out, ",\"face\":%d,\"x\":", r->face);
  number (out, "%.1f", d->x);
  g_string_append (out, ",\"y\":");
  number (out, "%.1f", d->y);
  g_string_append (out, ",\"w\":");
  number (out, "%.1f", d->w);
  g_string_append (out, ",\"h\":");
  number (out, "%.1f", d->h);
  for (int k = 0; k < n_classes; k++)
    {
      g_autofree char *name = g_strconcat ("p_", classes[k], NULL);
      g_string_append_c (out, ',');
      tf_json_string (out, name);
      g_string_append_c (out, ':');
      if (r->probs)
        number (out, "%.5f", r->probs[k]);
      else
        g_string_append (out, "null");
    }
  g_string_append (out, ",\"predicted\":");
  if (r->probs)
    tf_json_string (out, classes[r->predicted]);
  else
    g_string_append (out, "null");
  g_string_append (out, ",\"label\":");
  if (r->label)
    tf_json_string (out, r->label);
  else
    g_string_append (out, "null");
  g_string_append_printf (out, ",\"track\":%d,\"score\":", r->track);
  number (out, "%.4f", d->score);
  if (r->provenance)
    {
      g_string_append (out, ",\"label_source\":");
      if (r->label_source)
        tf_json_string (out, r->label_source);
      else
        g_string_append (out, "null");
      g_string_append (out, ",\"annotator\":");
      if (r->annotator)
        tf_json_string (out, r->annotator);
      else
        g_string_append (out, "null");
      if (r->label)
        g_string_append_printf (out, ",\"final\":%s,\"agree\":%d", r->final ? "true" : "false", r->agree);
      else
        g_string_append (out, ",\"final\":null,\"agree\":null");
      g_string_append (out, ",\"votes\":{");
      for (int v = 0; v < r->n_votes; v++)
        {
          if (v)
            g_string_append_c (out, ',');
          tf_json_string (out, r->voters[v]);
          g_string_append_c (out, ':');
          tf_json_string (out, r->vote_labels[v]);
        }
      g_string_append_c (out, '}');
    }
  g_string_append (out, ",\"landmarks\":[");
  for (int k = 0; k < TF_FACE_LANDMARKS; k++)
    {
      g_string_append (out, k ? ",[" : "[");
      number (out, "%.1f", d->landmarks[k][0]);
      g_string_append_c (out, ',');
      number (out, "%.1f", d->landmarks[k][1]);
      g_string_append_c (out, ']');
    }
  g_string_append (out, "]}\n");
}
