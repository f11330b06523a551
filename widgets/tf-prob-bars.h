/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "tf-face-probe.h"

G_BEGIN_DECLS

/* TfProbBars: one bar per class, the prediction highlighted. */
#define TF_TYPE_PROB_BARS (tf_prob_bars_get_type ())
G_DECLARE_FINAL_TYPE (TfProbBars, tf_prob_bars, TF, PROB_BARS, GtkWidget)
GtkWidget    *tf_prob_bars_new                  (void);
void          tf_prob_bars_set_probe            (TfProbBars *self, TfFaceProbe *probe);
/* the bar the prediction is drawn in, for tests (-1: none) */
int           tf_prob_bars_get_highlighted      (TfProbBars *self);
/* the class name bar @index shows (NULL: no such bar) */
const char   *tf_prob_bars_get_name             (TfProbBars *self, int index);

G_END_DECLS
