/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Where the files that ship with TransFER Studio are found: the one lookup
 * for the command-line tool and the application. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  TF_DATA_MODEL,      /* the shipped FER+ expression model ($TRANSFER_MODEL) */
  TF_DATA_DETECTOR,   /* the shipped YuNet face detector ($TRANSFER_DETECTOR) */
  TF_DATA_SAMPLE,     /* the sample photo */
  TF_DATA_ICONS,      /* the icon theme folder, running from the build folder */
} TfDataFile;

/* The file's environment variable when it is set, else the installed copy,
 * else the source tree's (running from the build folder). NULL when none
 * exists. */
char *tf_data_find (TfDataFile which);

G_END_DECLS
