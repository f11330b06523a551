/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* What a person said about a face. */
typedef enum
{
  TF_LABEL_BAR_NONE,        /* not labelled */
  TF_LABEL_BAR_CLASS,       /* one of the classes */
  TF_LABEL_BAR_NOT_A_FACE,
  TF_LABEL_BAR_UNSURE,
} TfLabelBarKind;

/* Where a label came from. */
typedef enum
{
  TF_LABEL_BAR_FROM_PERSON,
  TF_LABEL_BAR_FROM_IMPORTED,
  TF_LABEL_BAR_FROM_PROPAGATED,
} TfLabelBarSource;

/* TfLabelBar: labelling one face, keyboard first. One toggle per class
 * (1-9 in class order), "Not a face" (0), "Unsure", "Accept" (Enter: the
 * model's prediction) and "Clear" (Backspace), the label's source, and a
 * note. It holds no label of its own: the owner stores what is chosen and
 * shows it back with tf_label_bar_set_label. Signals: "label-chosen"
 * (TfLabelBarKind kind, int class_index: -1 unless kind is TF_LABEL_BAR_CLASS),
 * "label-cleared", "note-changed" (const char *note, on activate or when
 * the entry loses focus). */
#define TF_TYPE_LABEL_BAR (tf_label_bar_get_type ())
G_DECLARE_FINAL_TYPE (TfLabelBar, tf_label_bar, TF, LABEL_BAR, GtkWidget)

GtkWidget   *tf_label_bar_new            (void);
/* The classes to offer; @predicted is the model's class (-1: none). */
void         tf_label_bar_set_classes    (TfLabelBar          *self,
                                          const char * const  *names,
                                          int                  n,
                                          int                  predicted);
/* What the face is labelled now, shown as the pressed button and the
 * source line; @note may be NULL. */
void         tf_label_bar_set_label      (TfLabelBar          *self,
                                          TfLabelBarKind          kind,
                                          int                  class_index,
                                          TfLabelBarSource        source,
                                          const char          *note);
TfLabelBarKind  tf_label_bar_get_kind       (TfLabelBar          *self,
                                          int                 *class_index);
/* The key of a labelling shortcut: 1-9, 0, Enter, Backspace (keypad too).
 * Emits as the matching button would and returns TRUE, else FALSE. For
 * the owner's key controller, so the keys work wherever the focus is
 * outside a text entry. */
gboolean     tf_label_bar_handle_key     (TfLabelBar          *self,
                                          guint                keyval);

G_END_DECLS
