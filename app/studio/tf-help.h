/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "tf-session.h"
#include "tf-widgets.h"

G_BEGIN_DECLS

/* TfHelp: "What am I looking at?", a short help window of one page per
 * idea (the face the model sees, the LANet maps, the rollout, the class
 * token, blocks and heads, a head's contribution, dropping a head, the
 * colours), each with pictures drawn by the inspector's own widgets from
 * the engine's outputs: the face given, else the sample photo analysed in
 * the background. */
#define TF_TYPE_HELP (tf_help_get_type ())
G_DECLARE_FINAL_TYPE (TfHelp, tf_help, TF, HELP, AdwWindow)

/* The sections, in order, by name */
extern const char * const tf_help_sections[];

/* @probe: the face to draw (NULL: the sample photo, analysed with @session) */
TfHelp      *tf_help_new          (GtkWindow   *parent,
                                   TfSession   *session,
                                   TfFaceProbe *probe,
                                   TfColormap   colormap);
/* Shows @section ("face", "maps", ...; NULL or unknown: the first) */
void         tf_help_show_section (TfHelp      *self,
                                   const char  *section);
const char  *tf_help_get_section  (TfHelp      *self);
/* the face the pictures are drawn from (NULL while it is computed) */
TfFaceProbe *tf_help_get_probe    (TfHelp      *self);
/* Draws @probe (a face with its maps; NULL: the sample photo) */
void         tf_help_set_probe    (TfHelp      *self,
                                   TfFaceProbe *probe);

G_END_DECLS
