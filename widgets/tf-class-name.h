/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The name to show for the class a model calls @name: the translation of
 * the known expression names (the FER+ classes of the shipped model, and
 * the usual spellings of other sets: "happy", "angry"...; message context
 * "expression"), matched without regard to case; any other name as it is
 * written. Every widget and view that shows a class name shows this; what
 * is written to files (exports, projects, models) keeps the model's own
 * names. Never NULL for a non-NULL @name. */
const char *tf_class_display_name (const char *name);

G_END_DECLS
