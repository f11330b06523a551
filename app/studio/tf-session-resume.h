/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Where a stopped analysis can go on. A TfResumeLog follows on the main
 * thread what a run has delivered (faces, frames done, files done, in
 * order); when the run is cancelled it tells the TfResume point: the files
 * left, and for the first of them, a video stopped part way, its last
 * analysed frame with its faces and tracks. A face delivered from a frame
 * whose end was not (the run stopped between its faces) is not delivered
 * again by the run that goes on. */
#pragma once

#include "tf-analyze.h"
#include "tf-face-probe.h"
#include "tf-session.h"

G_BEGIN_DECLS

typedef struct
{
  GStrv    files;         /* what is left: files[0] maybe in part */
  gboolean partial;       /* files[0] goes on after after_s */
  TfAnalyzeResume point;  /* its faces and tracks point into the arrays below */
  GArray  *faces;         /* TfFace */
  GArray  *tracks;        /* int */
  double   skip_time;     /* files[0]'s first skip_count faces at skip_time */
  int      skip_count;    /* were delivered already */
  gint64   base_frames;   /* files[0]'s frames and faces delivered already */
  gint64   base_faces;
  TfSessionOptions options; /* of the stopped run */
} TfResume;

void      tf_resume_free      (TfResume *resume);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TfResume, tf_resume_free)

typedef struct _TfResumeLog TfResumeLog;

/* A log of a run over @paths, which goes on from @from (NULL: a new run;
 * the log reads it while it lives). */
TfResumeLog *tf_resume_log_new       (const char * const *paths,
                                      const TfResume     *from);
void         tf_resume_log_free      (TfResumeLog        *log);
/* the files the paths expanded to */
void         tf_resume_log_set_files (TfResumeLog        *log,
                                      GStrv               files);
/* A face of file @file_index (of this run); FALSE: it was delivered by the
 * run this one goes on from, and is to be dropped. */
gboolean     tf_resume_log_face      (TfResumeLog        *log,
                                      int                 file_index,
                                      const TfFaceProbe  *probe);
/* A frame done (after its faces); @picture: a photo's one frame. */
void         tf_resume_log_frame     (TfResumeLog        *log,
                                      int                 file_index,
                                      double              time_s,
                                      gint64              frame,
                                      gboolean            picture);
/* A file done: its counts, made whole for a file this run went on with. */
void         tf_resume_log_file_done (TfResumeLog        *log,
                                      int                 file_index,
                                      gint64             *frames,
                                      gint64             *faces);
/* Where to go on; NULL when nothing is left. */
TfResume    *tf_resume_log_end       (TfResumeLog        *log);

G_END_DECLS
