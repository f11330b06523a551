/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The one place where a model's class name becomes the name shown. */
#include <glib/gi18n.h>

#include "tf-class-name.h"

/* the expression names known to have a translation, as the models spell
 * them (msgid: the English name shown) */
static const char * const known_names[] = {
  /* FER+, the shipped model's classes */
  NC_("expression", "neutral"),
  NC_("expression", "happiness"),
  NC_("expression", "surprise"),
  NC_("expression", "sadness"),
  NC_("expression", "anger"),
  NC_("expression", "disgust"),
  NC_("expression", "fear"),
  NC_("expression", "contempt"),
  /* the adjectives other sets (RAF-DB, AffectNet, CK+) use */
  NC_("expression", "happy"),
  NC_("expression", "sad"),
  NC_("expression", "angry"),
  NC_("expression", "surprised"),
  NC_("expression", "fearful"),
  NC_("expression", "disgusted"),
};

const char *
tf_class_display_name (const char *name)
{
  if (name == NULL)
    return NULL;
  for (guint i = 0; i < G_N_ELEMENTS (known_names); i++)
    if (g_ascii_strcasecmp (name, known_names[i]) == 0)
      {
        const char *shown = g_dpgettext2 (NULL, "expression", known_names[i]);
        /* untranslated: as the model writes it ("Happy" stays "Happy") */
        return shown == known_names[i] ? name : shown;
      }
  return name;
}
