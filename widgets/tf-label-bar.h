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

/* One annotator's vote on a face, or the final label an adjudicator chose. */
typedef struct
{
  const char     *annotator;    /* the name ("": the unnamed annotator of an old project) */
  TfLabelBarKind  kind;
  int             class_index;  /* -1 unless kind is TF_LABEL_BAR_CLASS */
  gboolean        final;        /* the final label, @annotator its adjudicator */
  gboolean        mine;         /* the vote of the person using the bar */
} TfLabelBarVote;

/* TfLabelBar: labelling one face, keyboard first. One toggle per class
 * (1-9 in class order), "Not a face" (0), "Unsure", "Accept" (Enter: the
 * model's prediction) and "Clear" (Backspace), the label's source, and a
 * note. Where several annotators label the same faces the buttons show
 * the person's own vote, and below them the others' votes and how the
 * face's label stands (tf_label_bar_set_votes); the "Adjudicate" toggle
 * (property "adjudicating") turns the buttons to the face's final label.
 * It holds no label of its own: the owner stores what is chosen (a vote,
 * or the final label while adjudicating) and shows it back with
 * tf_label_bar_set_label. Signals: "label-chosen"
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
/* What the face is labelled now (the person's vote, or the final label
 * while adjudicating), shown as the pressed button and the source line;
 * @note may be NULL. */
void         tf_label_bar_set_label      (TfLabelBar          *self,
                                          TfLabelBarKind          kind,
                                          int                  class_index,
                                          TfLabelBarSource        source,
                                          const char          *note);
/* The person labelling, named in the bar's title (NULL: not named). */
void         tf_label_bar_set_annotator  (TfLabelBar          *self,
                                          const char          *name);
/* Every vote on the face and its final label (@votes, the person's own
 * among them marked ->mine), and the face's label resolved from them:
 * @kind/@class_index (TF_LABEL_BAR_NONE when the votes tie), @n_agree the
 * votes for it. With the person's vote alone nothing more is shown. */
void         tf_label_bar_set_votes      (TfLabelBar          *self,
                                          const TfLabelBarVote *votes,
                                          int                  n_votes,
                                          TfLabelBarKind       kind,
                                          int                  class_index,
                                          int                  n_agree);
/* While adjudicating, the buttons and keys choose the final label. */
void         tf_label_bar_set_adjudicating (TfLabelBar        *self,
                                            gboolean           adjudicating);
gboolean     tf_label_bar_get_adjudicating (TfLabelBar        *self);
TfLabelBarKind  tf_label_bar_get_kind       (TfLabelBar          *self,
                                          int                 *class_index);
/* The key of a labelling shortcut: 1-9, 0, Enter, Backspace (keypad too).
 * Emits as the matching button would and returns TRUE, else FALSE. For
 * the owner's key controller, so the keys work wherever the focus is
 * outside a text entry. */
gboolean     tf_label_bar_handle_key     (TfLabelBar          *self,
                                          guint                keyval);

G_END_DECLS
