/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <adwaita.h>
#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "tf-agreement-matrix.h"
#include "tf-atomic-file.h"
#include "tf-chart.h"
#include "tf-class-name.h"
#include "tf-confusion.h"
#include "tf-file-chooser.h"
#include "tf-review-view.h"
#include "tf-stats-view.h"

/* a saved PNG has three pixels for each of the screen's: about 300 dpi for
 * a figure 7.5 inches wide */
#define EXPORT_SCALE   3
#define COUNTS_WIDTH   760
#define COUNTS_HEIGHT  320

/* labels and predictions (GNOME's palette: blue 3, orange 3), on light
 * and dark grounds alike */
static const double series_colour[2][3] = {
  { 0x35 / 255.0, 0x84 / 255.0, 0xe4 / 255.0 },
  { 0xff / 255.0, 0x78 / 255.0, 0x00 / 255.0 },
};

typedef enum
{
  PLOT_COUNTS,
  PLOT_CONFUSION,
  PLOT_ANNOTATORS,
  N_PLOTS,
} Plot;

static const char *const plot_names[N_PLOTS] = { "counts", "confusion", "annotators" };

struct _TfStatsView
{
  GtkWidget       parent_instance;

  TfProject      *project;    /* borrowed */
  TfProjectStats *stats;
  GCancellable   *reading;    /* the statistics being read, off the main loop */
  GtkWidget      *toasts;     /* the one child */
  GtkStack       *stack;
  AdwStatusPage  *empty;
  GtkLabel       *figures[6];
  GtkLabel       *captions[6];
  GtkWidget      *areas[N_PLOTS];   /* the annotators': a TfAgreementMatrix */
  GtkLabel       *agreement_summary;
};

G_DEFINE_FINAL_TYPE (TfStatsView, tf_stats_view, GTK_TYPE_WIDGET)

enum
{
  FIGURE_FACES,
  FIGURE_LABELLED,
  FIGURE_NOT_FACES,
  FIGURE_UNSURE,
  FIGURE_AGREEMENT,
  FIGURE_KAPPA,
};

/* ---- numbers ---------------------------------------------------------------- */

double
tf_cohen_kappa (const gint64 *confusion,
                int           n)
{
  g_autofree double *rows = g_new0 (double, MAX (n, 1));
  g_autofree double *cols = g_new0 (double, MAX (n, 1));
  double total = 0, agreed = 0, chance = 0;

  g_return_val_if_fail (confusion != NULL || n == 0, NAN);
  for (int a = 0; a < n; a++)
    for (int b = 0; b < n; b++)
      {
        double c = (double) confusion[a * n + b];

        total += c;
        rows[a] += c;
        cols[b] += c;
        if (a == b)
          agreed += c;
      }
  if (total <= 0)
    return NAN;
  for (int k = 0; k < n; k++)
    chance += rows[k] / total * (cols[k] / total);
  if (chance >= 1)
    return NAN;
  return (agreed / total - chance) / (1 - chance);
}

/* a whole tick step, about five ticks to @max */
static double
nice_step (double max)
{
  return MAX (1, tf_chart_nice_step (MAX (max, 1), 5));
}

/* ---- drawing: one function per plot, for the screen and for files ------------- */

/* The faces of each class by label and by prediction, as grouped bars. */
static void
draw_counts (cairo_t              *cr,
             double                width,
             double                height,
             const TfProjectStats *st,
             const TfChartStyle   *style)
{
  const int n = st ? st->n_classes : 0;
  const char *series[2] = { _("Labels"), _("Predictions") };
  double max = 0, step, top, x0, y0, w, h, group, bar;
  int tick_w = 0, name_w = 0, line_h = 0, legend_x;
  gboolean turned;
  char *text;

  tf_chart_draw_background (cr, style, width, height);
  if (n == 0)
    {
      tf_chart_draw_text (cr, style, NULL, _("The project has no classes yet"), width / 2, height / 2, 0.5, 0.5, 0, FALSE);
      return;
    }
  for (int k = 0; k < n; k++)
    max = MAX (max, MAX (st->label_counts[k], st->predicted_counts[k]));
  step = nice_step (max);
  top = MAX (step, ceil (max / step) * step);
  for (double v = 0; v <= top + step / 2; v += step)
    {
      int tw, th;

      text = tf_format_count ((gint64) v);
      tf_chart_text_size (cr, style, text, &tw, &th);
      tick_w = MAX (tick_w, tw);
      line_h = MAX (line_h, th);
      g_free (text);
    }
  for (int k = 0; k < n; k++)
    {
      int tw, th;

      tf_chart_text_size (cr, style, tf_class_display_name (st->classes[k]), &tw, &th);
      name_w = MAX (name_w, tw);
    }

  /* the plot's frame: tick labels left, the legend above, names below
   * (turned when they do not fit under their group) */
  x0 = tick_w + 16;
  w = MAX (1, width - x0 - 12);
  group = w / n;
  turned = name_w > group - 6;
  y0 = line_h * 2 + 12;
  h = MAX (1, height - y0 - 10 - (turned ? name_w * 0.7 + line_h * 0.7 : line_h) - 8);
  bar = MIN (group * 0.36, 48);

  cairo_set_line_width (cr, 1);
  for (double v = 0; v <= top + step / 2; v += step)
    {
      double y = round (y0 + h - v / top * h) + 0.5;

      tf_chart_set_fg (cr, style, v == 0 ? 0.6 : 0.12);
      cairo_move_to (cr, x0, y);
      cairo_line_to (cr, x0 + w, y);
      cairo_stroke (cr);
      text = tf_format_count ((gint64) v);
      tf_chart_draw_text (cr, style, NULL, text, x0 - 8, y, 1, 0.5, 0, FALSE);
      g_free (text);
    }
  for (int k = 0; k < n; k++)
    {
      const gint64 values[2] = { st->label_counts[k], st->predicted_counts[k] };
      double cx = x0 + (k + 0.5) * group;

      for (int s = 0; s < 2; s++)
        {
          double bx = cx - bar - 1 + s * (bar + 2), bh = values[s] / top * h;

          cairo_set_source_rgb (cr, series_colour[s][0], series_colour[s][1], series_colour[s][2]);
          cairo_rectangle (cr, bx, y0 + h - bh, bar, bh);
          cairo_fill (cr);
          if (values[s] > 0 && bar >= 14)
            {
              text = tf_format_count (values[s]);
              cairo_save (cr);
              cairo_scale (cr, 0.8, 0.8);
              tf_chart_draw_text (cr, style, NULL, text, (bx + bar / 2) / 0.8, (y0 + h - bh - 2) / 0.8, 0.5, 1, 0, FALSE);
              cairo_restore (cr);
              g_free (text);
            }
        }
      if (turned)
        tf_chart_draw_text (cr, style, NULL, tf_class_display_name (st->classes[k]), cx + line_h * 0.3, y0 + h + 6, 1, 0, -G_PI / 4, FALSE);
      else
        tf_chart_draw_text (cr, style, NULL, tf_class_display_name (st->classes[k]), cx, y0 + h + 6, 0.5, 0, 0, FALSE);
    }

  /* the legend */
  legend_x = (int) x0;
  for (int s = 0; s < 2; s++)
    {
      int tw, th;

      cairo_set_source_rgb (cr, series_colour[s][0], series_colour[s][1], series_colour[s][2]);
      cairo_rectangle (cr, legend_x, 6 + line_h / 2.0 - 5, 10, 10);
      cairo_fill (cr);
      tf_chart_draw_text (cr, style, NULL, series[s], legend_x + 16, 6 + line_h / 2.0, 0, 0.5, 0, FALSE);
      tf_chart_text_size (cr, style, series[s], &tw, &th);
      legend_x += 16 + tw + 24;
    }
}

/* The size a plot is drawn at in files (and asks for on screen). */
static void
plot_size (Plot                  plot,
           const TfProjectStats *st,
           int                  *width,
           int                  *height)
{
  int n = st ? MAX (st->n_classes, 1) : 1;

  if (plot == PLOT_COUNTS)
    {
      *width = COUNTS_WIDTH;
      *height = COUNTS_HEIGHT;
      return;
    }
  if (plot == PLOT_ANNOTATORS)
    {
      tf_agreement_matrix_get_size (st && st->agreement ? st->agreement->n_annotators : 0, width, height);
      return;
    }
  tf_confusion_get_size (n, width, height);
}

/* The agreement in one sentence (NULL without two annotators' votes on a face). */
static char *
agreement_sentence (const TfAgreement *ag)
{
  g_autofree char *faces = NULL, *kappa = NULL, *alpha = NULL;

  if (ag == NULL || ag->rated_items == 0)
    return NULL;
  faces = tf_format_count (ag->rated_items);
  kappa = isnan (ag->fleiss_kappa) ? g_strdup ("—") : g_strdup_printf ("%.2f", ag->fleiss_kappa);
  alpha = isnan (ag->krippendorff_alpha) ? g_strdup ("—") : g_strdup_printf ("%.2f", ag->krippendorff_alpha);
  /* TRANSLATORS: κ is Fleiss' kappa, α Krippendorff's alpha; the last is the share of pairs of votes that agree */
  return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                       "Fleiss’ κ = %s, Krippendorff’s α = %s, %.0f %% of pairs of votes alike, "
                                       "over %s face with two votes or more",
                                       "Fleiss’ κ = %s, Krippendorff’s α = %s, %.0f %% of pairs of votes alike, "
                                       "over %s faces with two votes or more", (gulong) ag->rated_items),
                          kappa, alpha, 100 * ag->percent_agreement, faces);
}

/* Fleiss' kappa of each class the votes use, for under the matrix (NULL when none). */
static char *
class_kappas (const TfAgreement *ag)
{
  g_autoptr(GString) s = NULL;

  if (ag == NULL || ag->rated_items == 0)
    return NULL;
  for (int k = 0; k < ag->n_categories; k++)
    {
      g_autofree char *value = NULL;

      if (isnan (ag->category_proportion[k]) || ag->category_proportion[k] <= 0)
        continue;
      value = isnan (ag->category_kappa[k]) ? g_strdup ("—") : g_strdup_printf ("%.2f", ag->category_kappa[k]);
      if (s == NULL)
        /* TRANSLATORS: followed by each class and its kappa: "neutral 0.52 · happiness 0.71" */
        s = g_string_new (_("κ per class: "));
      else
        g_string_append (s, " · ");
      g_string_append_printf (s, "%s %s", tf_class_display_name (ag->categories[k]), value);
    }
  return s ? g_string_free (g_steal_pointer (&s), FALSE) : NULL;
}

/* The annotators' pairs as [n][n] matrices; FALSE without two annotators. */
static int
agreement_matrices (const TfAgreement  *ag,
                    double            **kappa,
                    gint64            **items,
                    double            **share)
{
  int n = ag ? ag->n_annotators : 0;

  *kappa = g_new (double, MAX (n * n, 1));
  *items = g_new (gint64, MAX (n * n, 1));
  *share = g_new (double, MAX (n * n, 1));
  if (n > 0)
    tf_agreement_pair_matrices (ag, *kappa, *items, *share);
  return n;
}

static void
draw_annotators (cairo_t              *cr,
                 double                width,
                 double                height,
                 const TfProjectStats *st,
                 const TfChartStyle   *style)
{
  const TfAgreement *ag = st ? st->agreement : NULL;
  g_autofree double *kappa = NULL, *share = NULL;
  g_autofree gint64 *items = NULL;
  g_autofree char *sentence = agreement_sentence (ag), *classes = class_kappas (ag);
  g_autofree char *caption = sentence && classes ? g_strdup_printf ("%s\n%s", sentence, classes) : NULL;
  int n = agreement_matrices (ag, &kappa, &items, &share);

  tf_agreement_matrix_draw (cr, width, height, style, n, ag ? (const char * const *) ag->annotators : NULL, kappa,
                            items, share, caption, _("No annotator has labelled a face yet"));
}

/* The confusion matrix (TfConfusion's drawing) with the agreement and
 * Cohen's kappa under it. */
static void
draw_confusion (cairo_t              *cr,
                double                width,
                double                height,
                const TfProjectStats *st,
                const TfChartStyle   *style)
{
  g_autofree char *caption = NULL, *compared = NULL;
  double kappa;

  if (st && st->n_classes > 0 && st->compared > 0)
    {
      kappa = tf_cohen_kappa (st->confusion, st->n_classes);
      compared = tf_format_count (st->compared);
      if (isnan (kappa))
        /* TRANSLATORS: under the confusion matrix; κ is Cohen's kappa, undefined here */
        caption = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Agreement %.1f %% over %s face, κ undefined",
                                                "Agreement %.1f %% over %s faces, κ undefined", (gulong) st->compared),
                                   100.0 * st->agreed / st->compared, compared);
      else
        /* TRANSLATORS: under the confusion matrix; κ is Cohen's kappa */
        caption = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Agreement %.1f %% over %s face, κ = %.2f",
                                                "Agreement %.1f %% over %s faces, κ = %.2f", (gulong) st->compared),
                                   100.0 * st->agreed / st->compared, compared, kappa);
    }
  tf_confusion_draw (cr, width, height, style, st && st->compared > 0 ? st->n_classes : 0,
                     st ? (const char * const *) st->classes : NULL, st ? st->confusion : NULL, caption,
                     _("No face labelled with a class has a prediction yet"));
}

static void
draw_plot (Plot                  plot,
           cairo_t              *cr,
           double                width,
           double                height,
           const TfProjectStats *st,
           const TfChartStyle   *style)
{
  if (plot == PLOT_COUNTS)
    draw_counts (cr, width, height, st, style);
  else if (plot == PLOT_ANNOTATORS)
    draw_annotators (cr, width, height, st, style);
  else
    draw_confusion (cr, width, height, st, style);
}

static void
on_draw_cb (GtkDrawingArea *area,
            cairo_t        *cr,
            int             width,
            int             height,
            gpointer        user_data)
{
  TfStatsView *self = user_data;
  Plot plot = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (area), "plot"));
  g_autofree char *font = NULL;
  TfChartStyle style;

  tf_chart_style_from_widget (GTK_WIDGET (area), &style, &font);
  draw_plot (plot, cr, width, height, self->stats, &style);
}

/* ---- files --------------------------------------------------------------------------- */

/* a plot, for tf_chart_render */
typedef struct
{
  Plot                  plot;
  int                   width, height;
  const TfProjectStats *stats;
  const TfChartStyle   *style;
} PlotDrawing;

static void
draw_plot_cb (cairo_t  *cr,
              gpointer  data)
{
  const PlotDrawing *d = data;

  draw_plot (d->plot, cr, d->width, d->height, d->stats, d->style);
}

gboolean
tf_stats_view_export (TfStatsView  *self,
                      const char   *plot_name,
                      const char   *path,
                      GError      **error)
{
  g_autofree char *display = NULL;
  g_autofree char *lower = NULL;
  g_autoptr(GByteArray) bytes = g_byte_array_new ();
  TfChartStyle style;
  g_autoptr(TfProjectStats) own = NULL;
  const TfProjectStats *st;
  PlotDrawing drawing;
  cairo_status_t status;
  gboolean png;
  int plot = -1, width, height;

  g_return_val_if_fail (TF_IS_STATS_VIEW (self), FALSE);
  g_return_val_if_fail (plot_name != NULL && path != NULL, FALSE);

  display = g_filename_display_name (path);
  lower = g_ascii_strdown (path, -1);
  for (int i = 0; i < N_PLOTS; i++)
    if (strcmp (plot_name, plot_names[i]) == 0)
      plot = i;
  if (plot < 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, _("%s: there is no plot “%s” to save"), display,
                   plot_name);
      return FALSE;
    }
  if (!(png = g_str_has_suffix (lower, ".png")) && !g_str_has_suffix (lower, ".svg"))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("%s: a plot is saved as PNG or SVG: name the file .png or .svg"), display);
      return FALSE;
    }
  if (self->project == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("%s: there are no statistics to save: open a project"),
                   display);
      return FALSE;
    }
  /* asked for before the worker brought them: read them now */
  if ((st = self->stats) == NULL && (st = own = tf_project_get_stats (self->project, 0, error)) == NULL)
    return FALSE;

  tf_chart_style_for_file (&style);
  plot_size (plot, st, &width, &height);
  drawing = (PlotDrawing) { plot, width, height, st, &style };
  status = tf_chart_render (width, height, png ? EXPORT_SCALE : 0, draw_plot_cb, &drawing, bytes);
  if (status != CAIRO_STATUS_SUCCESS)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("%s: the plot could not be drawn: %s"), display,
                   cairo_status_to_string (status));
      return FALSE;
    }
  return tf_atomic_file_set_contents (path, bytes->data, bytes->len, error);
}

typedef struct
{
  GWeakRef view;
  Plot     plot;
  gboolean png;
} Save;

static void
on_chosen_cb (GFile   **files,
              guint     n_files,
              gpointer  user_data)
{
  Save *save = user_data;
  g_autoptr(TfStatsView) self = g_weak_ref_get (&save->view);
  g_autoptr(GError) error = NULL;
  g_autofree char *path = n_files > 0 ? g_file_get_path (files[0]) : NULL;
  const char *suffix = save->png ? ".png" : ".svg";

  g_weak_ref_clear (&save->view);
  if (self && path)
    {
      g_autofree char *lower = g_ascii_strdown (path, -1);
      g_autofree char *base = NULL;

      if (!g_str_has_suffix (lower, ".png") && !g_str_has_suffix (lower, ".svg"))
        {
          char *with = g_strconcat (path, suffix, NULL);
          g_free (path);
          path = with;
        }
      base = g_filename_display_basename (path);
      if (tf_stats_view_export (self, plot_names[save->plot], path, &error))
        {
          g_autofree char *title = g_strdup_printf (_("Saved %s"), base);
          adw_toast_overlay_add_toast (ADW_TOAST_OVERLAY (self->toasts), adw_toast_new (title));
        }
      else
        {
          GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
          GtkWidget *dialog = adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                                      _("The Plot Could Not Be Saved"), error->message);

          adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
          gtk_window_present (GTK_WINDOW (dialog));
        }
    }
  g_free (save);
}

/* stats.save ("counts" or "confusion", TRUE for PNG): asks where, then saves */
static void
save_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  TfStatsView *self = TF_STATS_VIEW (widget);
  GtkRoot *root = gtk_widget_get_root (widget);
  g_autoptr(GListStore) filters = g_list_store_new (GTK_TYPE_FILE_FILTER);
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();
  const char *plot_name;
  gboolean png;
  Save *save;

  g_variant_get (parameter, "(&sb)", &plot_name, &png);
  save = g_new0 (Save, 1);
  save->plot = PLOT_COUNTS;
  for (int i = 0; i < N_PLOTS; i++)
    if (strcmp (plot_name, plot_names[i]) == 0)
      save->plot = i;
  save->png = png;
  g_weak_ref_init (&save->view, self);
  gtk_file_filter_set_name (filter, png ? _("PNG pictures") : _("SVG drawings"));
  gtk_file_filter_add_mime_type (filter, png ? "image/png" : "image/svg+xml");
  gtk_file_filter_add_suffix (filter, png ? "png" : "svg");
  g_list_store_append (filters, filter);
  tf_choose_files (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, TF_CHOOSE_SAVE,
                   png ? _("Save the Plot as PNG") : _("Save the Plot as SVG"), _("_Save"), G_LIST_MODEL (filters),
                   save->plot == PLOT_COUNTS ? (png ? "faces-per-class.png" : "faces-per-class.svg")
                   : save->plot == PLOT_ANNOTATORS ? (png ? "annotator-agreement.png" : "annotator-agreement.svg")
                                                   : (png ? "confusion-matrix.png" : "confusion-matrix.svg"),
                   on_chosen_cb, save);
}

/* ---- the page ------------------------------------------------------------------------ */

static void
set_figure (TfStatsView *self,
            int          which,
            const char  *figure,
            const char  *caption)
{
  gtk_label_set_label (self->figures[which], figure);
  gtk_label_set_label (self->captions[which], caption);
}

static void
set_count (TfStatsView *self,
           int          which,
           gint64       n,
           const char  *caption)
{
  g_autofree char *text = tf_format_count (n);

  set_figure (self, which, text, caption);
}

static void
update (TfStatsView  *self,
        const GError *error)
{
  TfProjectStats *st = self->stats;
  g_autofree char *agreement = NULL, *agreement_caption = NULL, *kappa_text = NULL;
  g_autofree char *agreed = NULL, *compared = NULL;
  double kappa;

  if (st == NULL || st->faces == 0)
    {
      gtk_stack_set_visible_child_name (self->stack, "empty");
      if (st == NULL && self->reading)
        {
          adw_status_page_set_icon_name (self->empty, "x-office-spreadsheet-symbolic");
          adw_status_page_set_title (self->empty, _("Reading the Statistics…"));
          adw_status_page_set_description (self->empty, NULL);
        }
      else if (error)
        {
          adw_status_page_set_icon_name (self->empty, "dialog-warning-symbolic");
          adw_status_page_set_title (self->empty, _("The Project Cannot Be Read"));
          adw_status_page_set_description (self->empty, error->message);
        }
      else
        {
          adw_status_page_set_icon_name (self->empty, "x-office-spreadsheet-symbolic");
          adw_status_page_set_title (self->empty, _("No Statistics Yet"));
          adw_status_page_set_description (self->empty, st ? _("The project has no faces: analyse pictures or "
                                                               "videos into it first.")
                                                           : _("Open a project to see its labels and how the "
                                                               "model compares with them."));
        }
      return;
    }
  gtk_stack_set_visible_child_name (self->stack, "stats");
  set_count (self, FIGURE_FACES, st->faces, _("Faces"));
  set_count (self, FIGURE_LABELLED, st->labelled, _("Labelled"));
  set_count (self, FIGURE_NOT_FACES, st->not_faces, _("Not faces"));
  set_count (self, FIGURE_UNSURE, st->unsure, _("Unsure"));

  agreed = tf_format_count (st->agreed);
  compared = tf_format_count (st->compared);
  kappa = tf_cohen_kappa (st->confusion, st->n_classes);
  if (st->compared > 0)
    {
      agreement = g_strdup_printf (_("%.1f %%"), 100.0 * st->agreed / st->compared);
      /* TRANSLATORS: how often the model predicted the class people labelled */
      agreement_caption = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Model agrees with %s of %s label",
                                                        "Model agrees with %s of %s labels", (gulong) st->compared),
                                           agreed, compared);
    }
  else
    {
      agreement = g_strdup ("—");
      agreement_caption = g_strdup (_("No labelled face has a prediction yet"));
    }
  kappa_text = isnan (kappa) ? g_strdup ("—") : g_strdup_printf ("%.2f", kappa);
  set_figure (self, FIGURE_AGREEMENT, agreement, agreement_caption);
  set_figure (self, FIGURE_KAPPA, kappa_text, _("Cohen’s κ: agreement beyond chance"));

  {
    const TfAgreement *ag = st->agreement;
    g_autofree double *pair_kappa = NULL, *share = NULL;
    g_autofree gint64 *items = NULL;
    g_autofree char *sentence = agreement_sentence (ag);
    int n = agreement_matrices (ag, &pair_kappa, &items, &share);

    g_autofree char *classes = class_kappas (ag);

    tf_agreement_matrix_set_data (TF_AGREEMENT_MATRIX (self->areas[PLOT_ANNOTATORS]), n,
                                  ag ? (const char * const *) ag->annotators : NULL, pair_kappa, items, share);
    tf_agreement_matrix_set_caption (TF_AGREEMENT_MATRIX (self->areas[PLOT_ANNOTATORS]), classes);
    if (sentence)
      gtk_label_set_label (self->agreement_summary, sentence);
    else
      gtk_label_set_label (self->agreement_summary,
                           n < 2 ? _("Merge the projects of other annotators of these faces (File ▸ Merge Projects…) "
                                     "to see how far you agree.")
                                 : _("The annotators have not labelled the same faces yet."));
  }
  for (int i = 0; i < N_PLOTS; i++)
    {
      int width, height;

      if (i == PLOT_ANNOTATORS)
        continue;   /* its widget sizes itself, and scrolls */
      plot_size (i, st, &width, &height);
      gtk_widget_set_size_request (self->areas[i], -1, height);
      gtk_widget_queue_draw (self->areas[i]);
    }
}

static GtkWidget *
section (TfStatsView *self,
         Plot         plot,
         const char  *title,
         const char  *subtitle)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 8);
  GtkWidget *header = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *titles = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *save = gtk_menu_button_new ();
  g_autoptr(GMenu) menu = g_menu_new ();
  GtkWidget *heading = gtk_label_new (title);
  GtkWidget *sub = gtk_label_new (subtitle);
  GtkWidget *card = gtk_frame_new (NULL);
  GtkWidget *area = plot == PLOT_ANNOTATORS ? tf_agreement_matrix_new () : gtk_drawing_area_new ();

  gtk_widget_add_css_class (heading, "heading");
  gtk_label_set_xalign (GTK_LABEL (heading), 0);
  gtk_label_set_wrap (GTK_LABEL (heading), TRUE);
  gtk_widget_add_css_class (sub, "dim-label");
  gtk_label_set_xalign (GTK_LABEL (sub), 0);
  gtk_label_set_wrap (GTK_LABEL (sub), TRUE);
  gtk_widget_set_hexpand (titles, TRUE);
  gtk_box_append (GTK_BOX (titles), heading);
  gtk_box_append (GTK_BOX (titles), sub);
  /* one button, so the page fits a narrow window */
  for (int png = 1; png >= 0; png--)
    {
      g_autoptr(GMenuItem) item = g_menu_item_new (png ? _("Save as PNG…") : _("Save as SVG…"), NULL);

      g_menu_item_set_action_and_target_value (item, "stats.save", g_variant_new ("(sb)", plot_names[plot], png));
      g_menu_append_item (menu, item);
    }
  gtk_menu_button_set_menu_model (GTK_MENU_BUTTON (save), G_MENU_MODEL (menu));
  gtk_menu_button_set_label (GTK_MENU_BUTTON (save), _("Save"));
  gtk_widget_set_tooltip_text (save, _("Save the plot as a picture (PNG, for print) or a drawing (SVG)"));
  gtk_widget_set_name (save, plot == PLOT_COUNTS ? "save-counts" : plot == PLOT_ANNOTATORS ? "save-annotators"
                                                                                         : "save-confusion");
  gtk_widget_set_valign (save, GTK_ALIGN_CENTER);
  gtk_box_append (GTK_BOX (header), titles);
  gtk_box_append (GTK_BOX (header), save);

  g_object_set_data (G_OBJECT (area), "plot", GINT_TO_POINTER (plot));
  gtk_widget_set_name (area, plot_names[plot]);
  if (GTK_IS_DRAWING_AREA (area))
    gtk_drawing_area_set_draw_func (GTK_DRAWING_AREA (area), on_draw_cb, self, NULL);
  gtk_widget_set_margin_top (area, 12);
  gtk_widget_set_margin_bottom (area, 12);
  gtk_widget_set_margin_start (area, 12);
  gtk_widget_set_margin_end (area, 12);
  if (GTK_IS_DRAWING_AREA (area))
    {
      gtk_accessible_update_property (GTK_ACCESSIBLE (area), GTK_ACCESSIBLE_PROPERTY_LABEL, title, -1);
      gtk_frame_set_child (GTK_FRAME (card), area);
    }
  else
    {
      /* many annotators: the matrix keeps readable cells and scrolls */
      GtkWidget *scroller = gtk_scrolled_window_new ();

      gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scroller), GTK_POLICY_AUTOMATIC, GTK_POLICY_NEVER);
      gtk_scrolled_window_set_propagate_natural_height (GTK_SCROLLED_WINDOW (scroller), TRUE);
      gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), area);
      gtk_frame_set_child (GTK_FRAME (card), scroller);
      self->agreement_summary = GTK_LABEL (sub);
      gtk_widget_set_name (sub, "agreement-summary");
    }
  gtk_widget_add_css_class (card, "view");
  self->areas[plot] = area;

  gtk_box_append (GTK_BOX (box), header);
  gtk_box_append (GTK_BOX (box), card);
  return box;
}

static void
tf_stats_view_dispose (GObject *object)
{
  TfStatsView *self = TF_STATS_VIEW (object);

  self->project = NULL;
  if (self->reading)
    g_cancellable_cancel (self->reading);
  g_clear_object (&self->reading);
  g_clear_pointer (&self->stats, tf_project_stats_free);
  g_clear_pointer (&self->toasts, gtk_widget_unparent);
  G_OBJECT_CLASS (tf_stats_view_parent_class)->dispose (object);
}

static void
tf_stats_view_class_init (TfStatsViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tf_stats_view_dispose;
  gtk_widget_class_install_action (widget_class, "stats.save", "(sb)", save_action);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "statsview");
}

static void
tf_stats_view_init (TfStatsView *self)
{
  static const char *const names[] = { "faces", "labelled", "not-faces", "unsure", "agreement", "kappa" };
  GtkWidget *page = gtk_box_new (GTK_ORIENTATION_VERTICAL, 24);
  GtkWidget *tiles = gtk_flow_box_new ();
  GtkWidget *clamp = adw_clamp_new ();
  GtkWidget *scroller = gtk_scrolled_window_new ();
  GtkWidget *status = adw_status_page_new ();

  /* three a line, two in a narrow window */
  gtk_flow_box_set_selection_mode (GTK_FLOW_BOX (tiles), GTK_SELECTION_NONE);
  gtk_flow_box_set_homogeneous (GTK_FLOW_BOX (tiles), TRUE);
  gtk_flow_box_set_min_children_per_line (GTK_FLOW_BOX (tiles), 2);
  gtk_flow_box_set_max_children_per_line (GTK_FLOW_BOX (tiles), 3);
  gtk_flow_box_set_column_spacing (GTK_FLOW_BOX (tiles), 12);
  gtk_flow_box_set_row_spacing (GTK_FLOW_BOX (tiles), 12);
  for (int i = 0; i < 6; i++)
    {
      GtkWidget *tile = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);

      self->figures[i] = GTK_LABEL (gtk_label_new (NULL));
      self->captions[i] = GTK_LABEL (gtk_label_new (NULL));
      gtk_widget_set_name (GTK_WIDGET (self->figures[i]), names[i]);
      gtk_widget_add_css_class (GTK_WIDGET (self->figures[i]), "title-1");
      gtk_widget_add_css_class (GTK_WIDGET (self->figures[i]), "numeric");
      gtk_widget_add_css_class (GTK_WIDGET (self->captions[i]), "dim-label");
      gtk_label_set_wrap (self->captions[i], TRUE);
      gtk_label_set_justify (self->captions[i], GTK_JUSTIFY_CENTER);
      gtk_widget_set_margin_top (GTK_WIDGET (self->figures[i]), 12);
      gtk_widget_set_margin_bottom (GTK_WIDGET (self->captions[i]), 12);
      gtk_widget_set_margin_start (GTK_WIDGET (self->captions[i]), 6);
      gtk_widget_set_margin_end (GTK_WIDGET (self->captions[i]), 6);
      gtk_box_append (GTK_BOX (tile), GTK_WIDGET (self->figures[i]));
      gtk_box_append (GTK_BOX (tile), GTK_WIDGET (self->captions[i]));
      gtk_widget_add_css_class (tile, "card");
      gtk_flow_box_append (GTK_FLOW_BOX (tiles), tile);
      gtk_widget_set_focusable (gtk_widget_get_parent (tile), FALSE);
    }
  gtk_box_append (GTK_BOX (page), tiles);
  gtk_box_append (GTK_BOX (page), section (self, PLOT_COUNTS, _("Faces per Class"),
                                           _("How many faces people labelled with each class, and how many the "
                                             "model predicted it for.")));
  gtk_box_append (GTK_BOX (page), section (self, PLOT_CONFUSION, _("Model Against Labels"),
                                           _("Rows: the label a person gave; columns: the class the model "
                                             "predicted. Colour: the share of the row.")));
  gtk_box_append (GTK_BOX (page), section (self, PLOT_ANNOTATORS, _("Annotators Against Each Other"),
                                           NULL));
  gtk_widget_set_margin_top (page, 24);
  gtk_widget_set_margin_bottom (page, 24);
  gtk_widget_set_margin_start (page, 12);
  gtk_widget_set_margin_end (page, 12);
  adw_clamp_set_maximum_size (ADW_CLAMP (clamp), 960);
  /* the page takes the width it is given up to the maximum: the figures
   * need it to stand three a line */
  adw_clamp_set_tightening_threshold (ADW_CLAMP (clamp), 960);
  adw_clamp_set_child (ADW_CLAMP (clamp), page);
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scroller), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), clamp);

  self->empty = ADW_STATUS_PAGE (status);
  self->stack = GTK_STACK (gtk_stack_new ());
  gtk_stack_add_named (self->stack, scroller, "stats");
  gtk_stack_add_named (self->stack, status, "empty");
  self->toasts = adw_toast_overlay_new ();
  adw_toast_overlay_set_child (ADW_TOAST_OVERLAY (self->toasts), GTK_WIDGET (self->stack));
  gtk_widget_set_parent (self->toasts, GTK_WIDGET (self));
  gtk_widget_set_hexpand (GTK_WIDGET (self), TRUE);
  gtk_widget_set_vexpand (GTK_WIDGET (self), TRUE);
  update (self, NULL);
}

/* ---- public API ---------------------------------------------------------------------- */

GtkWidget *
tf_stats_view_new (void)
{
  return g_object_new (TF_TYPE_STATS_VIEW, NULL);
}

void
tf_stats_view_set_project (TfStatsView *self,
                           TfProject   *project)
{
  g_return_if_fail (TF_IS_STATS_VIEW (self));

  if (project != self->project)
    g_clear_pointer (&self->stats, tf_project_stats_free);
  self->project = project;
  tf_stats_view_refresh (self);
}

/* The statistics group and join every face: read off the main loop, by a
 * worker that opens the project's file again, read-only (a reader takes no
 * lock and sees every saved label). */
static void
stats_thread (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TfProject) project = tf_project_open (task_data, TF_PROJECT_READ_ONLY, &error);
  TfProjectStats *st = project ? tf_project_get_stats (project, 0, &error) : NULL;

  if (st)
    g_task_return_pointer (task, st, (GDestroyNotify) tf_project_stats_free);
  else
    g_task_return_error (task, g_steal_pointer (&error));
}

static void
on_stats_read_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  TfStatsView *self = TF_STATS_VIEW (source);
  g_autoptr(GError) error = NULL;
  TfProjectStats *st = g_task_propagate_pointer (G_TASK (result), &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;   /* a newer reading replaced it, or the view went */
  g_clear_object (&self->reading);
  if (st == NULL && self->project)
    {
      /* the file cannot be opened twice here: read through the owner's */
      g_clear_error (&error);
      st = tf_project_get_stats (self->project, 0, &error);
    }
  g_clear_pointer (&self->stats, tf_project_stats_free);
  self->stats = st;
  update (self, error);
}

void
tf_stats_view_refresh (TfStatsView *self)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (TF_IS_STATS_VIEW (self));

  if (self->reading)
    g_cancellable_cancel (self->reading);
  g_clear_object (&self->reading);
  if (self->project == NULL)
    {
      g_clear_pointer (&self->stats, tf_project_stats_free);
      update (self, NULL);
      return;
    }
  /* what is shown stays until the new figures come */
  self->reading = g_cancellable_new ();
  task = g_task_new (self, self->reading, on_stats_read_cb, NULL);
  g_task_set_source_tag (task, tf_stats_view_refresh);
  g_task_set_task_data (task, g_strdup (tf_project_get_path (self->project)), g_free);
  g_task_run_in_thread (task, stats_thread);
  if (self->stats == NULL)
    update (self, NULL);
}

gboolean
tf_stats_view_is_loading (TfStatsView *self)
{
  g_return_val_if_fail (TF_IS_STATS_VIEW (self), FALSE);
  return self->reading != NULL;
}

const TfProjectStats *
tf_stats_view_get_stats (TfStatsView *self)
{
  g_return_val_if_fail (TF_IS_STATS_VIEW (self), NULL);
  return self->stats;
}
