/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The Fine-tune page's result: the held-out accuracy and macro-F1 before
 * and after, recall per class, the two confusion matrices, the loss and
 * accuracy of each epoch, and the unlabelled faces the new model predicts
 * differently (each opens in the inspector). Everything shown comes from
 * the run's report. */
#include <glib/gi18n.h>
#include <math.h>

#include "tf-finetune-view-private.h"

/* changed faces listed, at most (the count says how many there are) */
#define MAX_DRIFT_ROWS 300
#define THUMBNAIL_SIZE 40

char *
_tf_finetune_format_percent (double fraction)
{
  if (!isfinite (fraction) || fraction < 0)
    return g_strdup ("—");
  /* TRANSLATORS: an accuracy, recall or F1 in percent; keep the %.1f */
  return g_strdup_printf (_("%.1f %%"), 100 * fraction);
}

static void
clear_container (GtkWidget *box)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (box)) != NULL)
    {
      if (GTK_IS_LIST_BOX (box))
        gtk_list_box_remove (GTK_LIST_BOX (box), child);
      else if (GTK_IS_GRID (box))
        gtk_grid_remove (GTK_GRID (box), child);
      else
        gtk_widget_unparent (child);
    }
}

static const char *
class_name (const TfFinetuneReport *report,
            int                     k)
{
  return k >= 0 && k < report->n_classes && report->classes[k] ? report->classes[k] : "?";
}

/* The held-out accuracy of @epoch (from 1), as measured after it; -1: none. */
static double
epoch_accuracy (const TfFinetuneReport *report,
                int                     epoch)
{
  if (report->epoch_accuracy == NULL || epoch < 1 || (guint) epoch > report->epoch_accuracy->len)
    return -1;
  return g_array_index (report->epoch_accuracy, double, epoch - 1);
}

static void
set_matrix (TfConfusion            *widget,
            const TfFinetuneReport *report,
            const TfEvalResult     *result,
            const char             *empty)
{
  g_autofree gint64 *counts = NULL;
  g_autofree const char **names = NULL;
  g_autofree char *accuracy = NULL, *caption = NULL, *faces = NULL;
  int n = result ? result->n_classes : 0;

  tf_confusion_set_empty_text (widget, empty);
  if (n == 0 || result->n_faces == 0)
    {
      tf_confusion_set_matrix (widget, 0, NULL, NULL);
      tf_confusion_set_caption (widget, NULL);
      return;
    }
  counts = g_new (gint64, n * n);
  names = g_new0 (const char *, n + 1);
  for (int i = 0; i < n * n; i++)
    counts[i] = result->confusion[i];
  for (int k = 0; k < n; k++)
    names[k] = class_name (report, k);
  tf_confusion_set_matrix (widget, n, names, counts);
  accuracy = _tf_finetune_format_percent (result->accuracy);
  faces = tf_format_count (result->n_faces);
  /* TRANSLATORS: under a confusion matrix: the accuracy and how many held-out faces */
  caption = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Accuracy %s over %s face", "Accuracy %s over %s faces",
                                          result->n_faces),
                             accuracy, faces);
  tf_confusion_set_caption (widget, caption);
}

static GtkWidget *
grid_label (const char *text,
            float       xalign,
            const char *css_class)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_xalign (GTK_LABEL (label), xalign);
  if (css_class)
    gtk_widget_add_css_class (label, css_class);
  return label;
}

/* A row per class: faces held out, recall before, after, and the change. */
static void
fill_recall (TfFinetuneView *self)
{
  const TfFinetuneReport *report = self->report;
  const TfEvalResult *before = report->before, *after = report->after;
  const char *heads[] = { _("Class"), _("Held out"), _("Before"), _("After"), _("Change") };
  int row = 1;

  clear_container (GTK_WIDGET (self->recall_grid));
  for (guint c = 0; c < G_N_ELEMENTS (heads); c++)
    gtk_grid_attach (self->recall_grid, grid_label (heads[c], c == 0 ? 0 : 1, "heading"), (int) c, 0, 1, 1);
  for (int k = 0; k < report->n_classes; k++)
    {
      const TfEvalResult *any = after ? after : before;
      guint support = any && k < any->n_classes ? any->support[k] : 0;
      double r0 = before && k < before->n_classes && support > 0 ? before->recall[k] : -1;
      double r1 = after && k < after->n_classes && support > 0 ? after->recall[k] : -1;
      g_autofree char *faces = tf_format_count (support), *b = _tf_finetune_format_percent (r0);
      g_autofree char *a = _tf_finetune_format_percent (r1), *change = NULL;
      const char *style = NULL;

      /* a class none of the held-out faces has says nothing */
      if (support == 0)
        continue;
      if (r0 >= 0 && r1 >= 0)
        {
          double points = 100 * (r1 - r0);

          /* TRANSLATORS: a change of recall, in percentage points */
          change = g_strdup_printf (_("%+.1f"), points);
          style = points > 0.05 ? "success" : points < -0.05 ? "error" : "dim-label";
        }
      else
        change = g_strdup ("—");
      gtk_grid_attach (self->recall_grid, grid_label (tf_class_display_name (class_name (report, k)), 0, NULL), 0, row, 1, 1);
      gtk_grid_attach (self->recall_grid, grid_label (faces, 1, "numeric"), 1, row, 1, 1);
      gtk_grid_attach (self->recall_grid, grid_label (b, 1, "numeric"), 2, row, 1, 1);
      gtk_grid_attach (self->recall_grid, grid_label (a, 1, "numeric"), 3, row, 1, 1);
      gtk_grid_attach (self->recall_grid, grid_label (change, 1, style), 4, row, 1, 1);
      row++;
    }
  gtk_widget_set_hexpand (gtk_grid_get_child_at (self->recall_grid, 0, 0), TRUE);
}

static void
fill_plot (TfFinetuneView *self)
{
  const TfFinetuneReport *report = self->report;
  guint epochs = report->epoch_loss ? report->epoch_loss->len : 0;

  tf_plot_clear (self->results_plot);
  tf_plot_set_x_range (self->results_plot, epochs > 1 ? 1 : 0, MAX (epochs, 1), TRUE);
  for (guint e = 0; e < epochs; e++)
    {
      double acc = epoch_accuracy (report, (int) e + 1);

      tf_plot_append (self->results_plot, 0, e + 1, g_array_index (report->epoch_loss, double, e));
      if (acc >= 0)
        tf_plot_append (self->results_plot, 1, e + 1, acc);
    }
  if (report->best_epoch > 0)
    tf_plot_set_marker (self->results_plot, report->best_epoch, _("Epoch kept"));
}

static GtkWidget *
thumbnail (TfFinetuneView *self,
           gint64          face)
{
  g_autoptr(GBytes) crop = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  GtkWidget *picture;
  int size = 0;

  if (self->project == NULL || face <= 0 ||
      (crop = tf_project_get_crop (self->project, face, &size, NULL)) == NULL || size <= 0 ||
      g_bytes_get_size (crop) < (gsize) size * size * 3)
    return NULL;
  texture = gdk_memory_texture_new (size, size, GDK_MEMORY_R8G8B8, crop, (gsize) size * 3);
  picture = gtk_picture_new_for_paintable (GDK_PAINTABLE (texture));
  gtk_widget_set_size_request (picture, THUMBNAIL_SIZE, THUMBNAIL_SIZE);
  gtk_widget_set_valign (picture, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (picture, "card");
  gtk_widget_set_overflow (picture, GTK_OVERFLOW_HIDDEN);
  return picture;
}

static void
fill_drift (TfFinetuneView *self)
{
  const TfFinetuneReport *report = self->report;
  guint n = report->drift_index ? report->drift_index->len : 0;
  g_autofree char *changed = tf_format_count (n), *all = tf_format_count (report->n_unlabelled);
  g_autofree char *description = NULL;

  clear_container (GTK_WIDGET (self->drift_list));
  if (report->n_unlabelled == 0)
    description = g_strdup (_("The project has no unlabelled faces to compare the two models on."));
  else if (report->after == NULL && report->cancelled)
    description = g_strdup (_("Not compared: the run was cancelled."));
  else
    /* TRANSLATORS: how many unlabelled faces the new model predicts differently, of how many */
    description = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                "%s of %s unlabelled face is predicted differently by the new model. "
                                                "Choose one to see it in the inspector.",
                                                "%s of %s unlabelled faces are predicted differently by the new model. "
                                                "Choose one to see it in the inspector.",
                                                report->n_unlabelled),
                                   changed, all);
  adw_preferences_group_set_description (self->drift_group, description);
  gtk_widget_set_visible (GTK_WIDGET (self->drift_list), n > 0);
  for (guint i = 0; i < n && i < MAX_DRIFT_ROWS; i++)
    {
      gint64 face = self->drift_faces && i < self->drift_faces->len ? g_array_index (self->drift_faces, gint64, i) : 0;
      int from = report->drift_before ? g_array_index (report->drift_before, int, i) : -1;
      int to = report->drift_after ? g_array_index (report->drift_after, int, i) : -1;
      g_autofree char *title = NULL, *subtitle = NULL, *number = tf_format_count (face);
      GtkWidget *row = adw_action_row_new (), *picture;

      /* TRANSLATORS: a face's prediction by the old model and by the new one */
      title = g_strdup_printf (_("%s → %s"), tf_class_display_name (class_name (report, from)),
                               tf_class_display_name (class_name (report, to)));
      /* TRANSLATORS: %s is the face's number in the project */
      subtitle = g_strdup_printf (_("Face %s"), number);
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
      if ((picture = thumbnail (self, face)) != NULL)
        adw_action_row_add_prefix (ADW_ACTION_ROW (row), picture);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), gtk_image_new_from_icon_name ("go-next-symbolic"));
      gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), face > 0);
      g_object_set_data_full (G_OBJECT (row), "tf-face", g_memdup2 (&face, sizeof face), g_free);
      gtk_list_box_append (self->drift_list, row);
    }
  if (n > MAX_DRIFT_ROWS)
    {
      g_autofree char *more = tf_format_count (n - MAX_DRIFT_ROWS);
      g_autofree char *text = g_strdup_printf (_("and %s more"), more);
      GtkWidget *row = adw_action_row_new ();

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), text);
      gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), FALSE);
      gtk_list_box_append (self->drift_list, row);
    }
}

static void
set_pair (GtkLabel *label_before,
          GtkLabel *label_after,
          double    before,
          double    after)
{
  g_autofree char *b = _tf_finetune_format_percent (before), *a = _tf_finetune_format_percent (after);

  gtk_label_set_label (label_before, b);
  gtk_label_set_label (label_after, a);
}

void
_tf_finetune_results_show (TfFinetuneView *self)
{
  const TfFinetuneReport *report = self->report;
  const TfEvalResult *before, *after;
  g_autofree char *title = NULL, *summary = NULL, *took = NULL, *trained = NULL, *held = NULL, *use = NULL;
  g_autofree char *acc_caption = NULL;
  double best_acc;
  int epochs;

  if (report == NULL)
    return;
  before = report->before;
  after = report->after;
  epochs = report->epoch_loss ? (int) report->epoch_loss->len : 0;
  best_acc = epoch_accuracy (report, report->best_epoch);
  took = _tf_finetune_format_duration (report->seconds);
  trained = tf_format_count (report->n_train);
  held = tf_format_count (report->n_holdout);
  if (report->cancelled)
    {
      /* TRANSLATORS: %d is the epoch the cancelled run keeps */
      title = g_strdup_printf (_("Cancelled: the Best Epoch So Far Is Epoch %d"), report->best_epoch);
      summary = g_strdup_printf (_("Trained on %s faces, %s held out, for %s. The held-out figures of the new "
                                   "model are those measured after its epoch."),
                                 trained, held, took);
      /* TRANSLATORS: the Use button of a cancelled run; %d is its best epoch */
      use = g_strdup_printf (_("_Use the Best Epoch (%d)"), report->best_epoch);
    }
  else
    {
      title = g_strdup (_("Fine-tuning Done"));
      /* TRANSLATORS: faces trained on, faces held out, the duration, the epochs run */
      summary = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                              "Trained on %s faces, %s held out, for %s: %d epoch. The new model "
                                              "is measured on the held-out faces, which it never learnt from.",
                                              "Trained on %s faces, %s held out, for %s: %d epochs. The new model "
                                              "is measured on the held-out faces, which it never learnt from.",
                                              (gulong) epochs),
                                 trained, held, took, epochs);
      use = g_strdup (_("_Use This Model"));
    }
  gtk_label_set_label (self->results_title, title);
  gtk_label_set_label (self->results_summary, summary);
  gtk_button_set_label (self->use_button, use);

  /* after: measured again, or (cancelled) as measured after the best epoch */
  set_pair (self->accuracy_before, self->accuracy_after, before ? before->accuracy : -1,
            after ? after->accuracy : best_acc);
  set_pair (self->f1_before, self->f1_after, before ? before->macro_f1 : -1, after ? after->macro_f1 : -1);
  if (report->n_holdout == 0)
    acc_caption = g_strdup (_("No faces were held out: the new model is not measured"));
  else
    /* TRANSLATORS: %s is a number of faces */
    acc_caption = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Accuracy on %s held-out face",
                                                "Accuracy on %s held-out faces", report->n_holdout),
                                   held);
  gtk_label_set_label (self->accuracy_caption, acc_caption);
  gtk_label_set_label (self->f1_caption, _("Macro-F1: every class counts the same, however many faces it has"));

  fill_recall (self);
  set_matrix (self->confusion_before, report, before, _("No held-out faces were measured"));
  set_matrix (self->confusion_after, report, after,
              report->cancelled ? _("Not measured again: the run was cancelled") : _("No held-out faces were measured"));
  /* nothing held out, nothing measured: no table, no matrices */
  gtk_widget_set_visible (gtk_widget_get_parent (gtk_widget_get_parent (GTK_WIDGET (self->recall_grid))),
                          report->n_holdout > 0);
  gtk_widget_set_visible (self->matrices_box, report->n_holdout > 0);
  fill_plot (self);
  fill_drift (self);
  gtk_widget_set_visible (GTK_WIDGET (self->applied_group), FALSE);
}

void
_tf_finetune_results_clear (TfFinetuneView *self)
{
  g_clear_pointer (&self->model, tf_model_free);
  g_clear_pointer (&self->report, tf_finetune_report_free);
  g_clear_pointer (&self->drift_faces, g_array_unref);
  g_clear_pointer (&self->applied_file, g_free);
  self->applied_run = 0;
  clear_container (GTK_WIDGET (self->drift_list));
  clear_container (GTK_WIDGET (self->recall_grid));
  tf_confusion_set_matrix (self->confusion_before, 0, NULL, NULL);
  tf_confusion_set_matrix (self->confusion_after, 0, NULL, NULL);
  tf_plot_clear (self->results_plot);
  gtk_widget_set_visible (GTK_WIDGET (self->applied_group), FALSE);
}

void
_tf_finetune_results_applied (TfFinetuneView *self)
{
  g_autofree char *base = self->applied_file ? g_filename_display_basename (self->applied_file) : NULL;
  g_autofree char *title = NULL, *subtitle = NULL, *run = NULL;
  GtkWidget *scroller;

  if (base == NULL)
    return;
  /* TRANSLATORS: %s is the new model's file */
  title = g_strdup_printf (_("In use: %s"), base);
  if (self->applied_run > 0)
    {
      run = tf_format_count (self->applied_run);
      /* TRANSLATORS: %s is the number of the project's new analysis run */
      subtitle = g_strdup_printf (_("New analyses use it, and the project’s faces have its predictions (analysis "
                                    "run %s): the review queue and the statistics show them. The Preferences "
                                    "list it with the other fine-tuned models."),
                                  run);
    }
  else
    subtitle = g_strdup (_("New analyses use it; the project’s faces keep their earlier predictions."));
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->applied_row), title);
  adw_action_row_set_subtitle (self->applied_row, subtitle);
  gtk_widget_set_visible (GTK_WIDGET (self->applied_group), TRUE);
  /* the news is at the top, the button pressed at the bottom */
  scroller = gtk_widget_get_ancestor (GTK_WIDGET (self->applied_group), GTK_TYPE_SCROLLED_WINDOW);
  if (scroller)
    gtk_adjustment_set_value (gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scroller)), 0);
}
