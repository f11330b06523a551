/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A labelling project: one SQLite file, NAME.tfproj, that holds the media
 * it labels (by a path relative to the project's folder, a size and a
 * content hash), the analysis runs, every face with the aligned crop the
 * model saw, the predictions of each run, the labels people gave and every
 * change to them. HACKING.md ("Project files") documents the schema.
 *
 * Every function that changes the project is one transaction: when it
 * returns TRUE the change is on the disk, when it fails nothing of it is
 * (a full disk, a kill -9 or a power cut leave the last saved state).
 * tf_project_begin/commit group many changes into one (an analysis, an
 * import), which is also much faster.
 *
 * A project is used from one thread at a time. A project open for writing
 * in one program is refused to writers in others (TF_PROJECT_ERROR_BUSY);
 * readers (TF_PROJECT_READ_ONLY) are always let in. */
#pragma once

#include <glib.h>

#include "tf-agreement.h"
#include "tf-detect.h"
#include "tf-media.h"

G_BEGIN_DECLS

#define TF_PROJECT_ERROR (tf_project_error_quark ())

typedef enum
{
  TF_PROJECT_ERROR_NOT_FOUND,    /* no such file, and not asked to create it */
  TF_PROJECT_ERROR_EXISTS,       /* asked to create a file that exists */
  TF_PROJECT_ERROR_NOT_PROJECT,  /* not a project, or a damaged (truncated) one */
  TF_PROJECT_ERROR_TOO_NEW,      /* written by a newer version of the program */
  TF_PROJECT_ERROR_BUSY,         /* open for writing in another program */
  TF_PROJECT_ERROR_READ_ONLY,    /* a change asked of a project open read-only */
  TF_PROJECT_ERROR_FULL,         /* the disk is full: the change was not saved */
  TF_PROJECT_ERROR_IO,           /* reading or writing failed */
  TF_PROJECT_ERROR_INVALID,      /* an unknown face, media, run or class */
  TF_PROJECT_ERROR_INPUT,        /* an imported file has bad lines */
} TfProjectError;

GQuark tf_project_error_quark (void);

/* The schema this program writes (PRAGMA user_version); older projects are
 * migrated when opened for writing, newer ones refused untouched. */
#define TF_PROJECT_VERSION 2
#define TF_PROJECT_SUFFIX  ".tfproj"

typedef enum
{
  TF_PROJECT_OPEN      = 0,
  TF_PROJECT_CREATE    = 1 << 0,   /* a new file; refused when one exists */
  TF_PROJECT_READ_ONLY = 1 << 1,   /* never written; no lock taken */
} TfProjectFlags;

/* A label is a class of the project (its id, 0..n_classes-1) or one of: */
#define TF_LABEL_NONE       (-3)   /* no label */
#define TF_LABEL_UNSURE     (-2)
#define TF_LABEL_NOT_A_FACE (-1)
/* in a filter: any value */
#define TF_PROJECT_ANY      (-100)

typedef enum
{
  TF_LABEL_PERSON,       /* given in the application, one face at a time */
  TF_LABEL_IMPORTED,     /* from a CSV or a folder tree */
  TF_LABEL_PROPAGATED,   /* copied from another face (along a track) */
} TfLabelSource;

/* Settings (text values) a project keeps. */
#define TF_PROJECT_SETTING_CROPS "crops"   /* "1": its pictures are face crops */

typedef struct _TfProject TfProject;

/* ---- the file ------------------------------------------------------------- */

/* Opens (or with TF_PROJECT_CREATE, creates) the project at @path. A file
 * that is not a project, a damaged one, or one from a newer version is
 * refused and left as it was. A file the user cannot write (or one whose
 * write permissions are all off, even for root) opens read-only:
 * tf_project_is_read_only says so. */
TfProject  *tf_project_open         (const char        *path,
                                     TfProjectFlags     flags,
                                     GError           **error);
void        tf_project_close        (TfProject         *project);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TfProject, tf_project_close)

/* Writes a complete copy of the saved project to @path, a new file (one
 * that exists is refused: TF_PROJECT_ERROR_EXISTS), with the media paths
 * rewritten to stay relative to @path's folder; @project stays open as it
 * was. The copy is made beside @path and takes the name only when
 * complete: a failure (a full disk: TF_PROJECT_ERROR_FULL) leaves nothing.
 * Read-only projects can be copied; a group begun and not committed is
 * refused (TF_PROJECT_ERROR_INVALID). */
gboolean    tf_project_save_copy    (TfProject         *project,
                                     const char        *path,
                                     GError           **error);

const char *tf_project_get_path     (TfProject         *project);
gboolean    tf_project_is_read_only (TfProject         *project);

/* Groups the changes until tf_project_commit into one transaction (and the
 * label changes among them into one undo step). A failed change inside
 * leaves the others of the group as they were; commit or roll back. */
gboolean    tf_project_begin        (TfProject         *project,
                                     GError           **error);
gboolean    tf_project_commit       (TfProject         *project,
                                     GError           **error);
void        tf_project_rollback     (TfProject         *project);

/* NULL when unset. */
char       *tf_project_get_setting  (TfProject         *project,
                                     const char        *key);
gboolean    tf_project_set_setting  (TfProject         *project,
                                     const char        *key,
                                     const char        *value,
                                     GError           **error);

/* ---- classes ---------------------------------------------------------------- */

/* The class names by id, NULL-terminated (g_strfreev). */
char      **tf_project_get_classes  (TfProject         *project);
int         tf_project_get_n_classes (TfProject        *project);
/* Appends those of @classes the project lacks, in order: at creation, the
 * model's list. */
gboolean    tf_project_set_classes  (TfProject         *project,
                                     const char * const *classes,
                                     GError           **error);
/* A new class ("pain"): its id, or -1. */
int         tf_project_add_class    (TfProject         *project,
                                     const char        *name,
                                     GError           **error);
/* The label that @name names: a class (exactly, else ignoring case when
 * that is unambiguous), "not a face" or "unsure"; TF_LABEL_NONE when none. */
int         tf_project_find_label   (TfProject         *project,
                                     const char        *name);
/* A label's name: the class, "not a face", "unsure"; NULL for none. */
const char *tf_project_label_name   (TfProject         *project,
                                     int                label);

/* ---- media -------------------------------------------------------------------- */

typedef struct
{
  gint64       id;
  char        *path;       /* as stored: relative to the project's folder */
  gint64       size;       /* bytes */
  char        *sha256;     /* of the content, hex */
  TfMediaKind  kind;
  int          width, height;
  double       duration;   /* seconds; 0 for pictures */
  gboolean     missing;    /* not found at the last check */
} TfProjectMedia;

void        tf_project_media_free   (TfProjectMedia    *media);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TfProjectMedia, tf_project_media_free)

/* Adds @file (hashing it) or finds it when the project has it: its id, or
 * 0 with @error. */
gint64      tf_project_add_media    (TfProject         *project,
                                     const char        *file,
                                     TfMediaKind        kind,
                                     int                width,
                                     int                height,
                                     double             duration,
                                     GError           **error);
gboolean    tf_project_set_media_info (TfProject       *project,
                                       gint64           media,
                                       TfMediaKind      kind,
                                       int              width,
                                       int              height,
                                       double           duration,
                                       GError         **error);
/* TfProjectMedia, in the order they were added. */
GPtrArray  *tf_project_list_media   (TfProject         *project,
                                     GError           **error);
/* The media's file as an absolute path. */
char       *tf_project_media_file   (TfProject         *project,
                                     const TfProjectMedia *media);
/* Looks for the media files that are not where the project says, under
 * @folder (recursively, by size then content hash) when not NULL; found
 * ones are relinked, the others marked missing (their faces and labels
 * stay). Read-only projects are only looked at. */
gboolean    tf_project_relink       (TfProject         *project,
                                     const char        *folder,
                                     int               *relinked,
                                     int               *missing,
                                     GError           **error);

/* ---- analysis runs ------------------------------------------------------------ */

/* A run of @model_file (its name and content hash are kept; NULL for
 * synthetic data) whose probabilities are over @classes (added to the
 * project's); @settings_json describes the detector settings (may be NULL).
 * Its id, or 0 with @error. */
gint64      tf_project_add_run      (TfProject         *project,
                                     const char        *model_file,
                                     const char * const *classes,
                                     const char        *settings_json,
                                     GError           **error);
/* The latest run, 0 when none. */
gint64      tf_project_get_latest_run (TfProject       *project);
/* The run's classes, in the order of its probabilities (g_strfreev). */
char      **tf_project_get_run_classes (TfProject      *project,
                                        gint64          run,
                                        GError        **error);

/* ---- faces and predictions ------------------------------------------------------- */

typedef struct
{
  gint64         media;
  gint64         run;            /* the run that found it; 0 when drawn by hand */
  gint64         frame;          /* 0 for pictures */
  double         time_s;
  int            index;          /* in its frame, left to right */
  TfFace         det;            /* box, score, landmarks in media pixels */
  gboolean       has_landmarks;
  int            track;          /* 0: none */
  gboolean       manual;         /* drawn by a person */
  const guint8  *crop;           /* crop_size^2 RGB: the aligned crop the model input
                                  * is made from; NULL for none */
  int            crop_size;
} TfProjectNewFace;

/* Its id, or 0 with @error. */
gint64      tf_project_add_face     (TfProject         *project,
                                     const TfProjectNewFace *face,
                                     GError           **error);
/* A false face goes with its crop, predictions, label and label history
 * (label it TF_LABEL_NOT_A_FACE instead to keep a record). */
gboolean    tf_project_delete_face  (TfProject         *project,
                                     gint64             face,
                                     GError           **error);
/* The face's crop (size^2 RGB), or NULL (without @error when it has none). */
GBytes     *tf_project_get_crop     (TfProject         *project,
                                     gint64             face,
                                     int               *size,
                                     GError           **error);
/* @probs: [n_probs], in @run's class order. */
gboolean    tf_project_add_prediction (TfProject       *project,
                                       gint64           face,
                                       gint64           run,
                                       const float     *probs,
                                       int              n_probs,
                                       GError         **error);

/* ---- labels, their history, undo ----------------------------------------------------- */

/* Several annotators can label one face: each gives a vote (one per
 * annotator and face), and an adjudicator can record a final label. The
 * face's label -- what the review list, the statistics, exports and
 * training read -- is the final label, else the majority of the votes
 * (the one class with the most votes), else none: a face whose votes tie
 * has no label, only its votes (tf_project_get_votes). With a single
 * annotator the face's label is that annotator's vote. */
typedef struct
{
  int            label;        /* a class id, TF_LABEL_NOT_A_FACE, TF_LABEL_UNSURE, TF_LABEL_NONE */
  TfLabelSource  source;
  char          *annotator;    /* may be NULL; "" for labels made before annotators were kept */
  gint64         time;         /* Unix seconds */
  char          *note;         /* may be NULL */
  gboolean       final;        /* chosen by an adjudicator (@annotator) */
  int            votes;        /* a face's label: the votes it was resolved from (0: none); a
                                * face without one, in the walk (tf_project_foreach_face,
                                * tf_project_get_face): the votes cast, which tie */
  int            agree;        /* a face's label: the votes for its class */
} TfProjectLabel;

void        tf_project_label_clear  (TfProjectLabel    *label);
void        tf_project_label_free   (TfProjectLabel    *label);

/* Sets @annotator's vote on @face (@label TF_LABEL_NONE takes it back).
 * @annotator NULL or "" is the unnamed annotator of old projects; a name
 * differing only in case from one the project has is filed under that
 * one (tf_project_annotator_name). */
gboolean    tf_project_set_label    (TfProject         *project,
                                     gint64             face,
                                     int                label,
                                     TfLabelSource      source,
                                     const char        *annotator,
                                     const char        *note,
                                     GError           **error);
/* Records @adjudicator's final label of @face (TF_LABEL_NONE removes the
 * final label); one undo step like a vote. */
gboolean    tf_project_set_final_label (TfProject      *project,
                                        gint64          face,
                                        int             label,
                                        const char     *adjudicator,
                                        const char     *note,
                                        GError        **error);
/* Takes back every vote and the final label of @face (one undo step). */
gboolean    tf_project_clear_label  (TfProject         *project,
                                     gint64             face,
                                     GError           **error);
/* The face's label (see above): TF_LABEL_NONE in @label->label when it
 * has none. */
gboolean    tf_project_get_label    (TfProject         *project,
                                     gint64             face,
                                     TfProjectLabel    *label,
                                     GError           **error);
/* The votes on @face (TfProjectLabel *, by annotator name), then the final
 * label when there is one (->final). */
GPtrArray  *tf_project_get_votes    (TfProject         *project,
                                     gint64             face,
                                     GError           **error);
/* @annotator's vote on @face, TF_LABEL_NONE in @label->label when none. */
gboolean    tf_project_get_vote     (TfProject         *project,
                                     gint64             face,
                                     const char        *annotator,
                                     TfProjectLabel    *label,
                                     GError           **error);
/* The names of the annotators who voted, sorted (g_strfreev). */
char      **tf_project_get_annotators (TfProject       *project,
                                       GError         **error);
/* The name @name is filed under: trimmed, and the project's spelling when
 * it has the name in another case ("alice" -> "Alice"). An empty name is
 * refused (TF_PROJECT_ERROR_INVALID). */
char       *tf_project_annotator_name (TfProject       *project,
                                       const char      *name,
                                       GError         **error);

/* Every vote of the project as a table: faces (gint64 ids, those with a
 * vote, in id order) by annotators (sorted names); cells hold a label
 * (class id, TF_LABEL_NOT_A_FACE, TF_LABEL_UNSURE) or TF_LABEL_NONE. The
 * final labels are in @final ([n_faces], TF_LABEL_NONE when none). */
typedef struct
{
  int      n_faces, n_annotators;
  gint64  *faces;
  char   **annotators;
  int     *cells;          /* [n_faces * n_annotators] */
  int     *final;          /* [n_faces] */
} TfProjectVoteTable;

TfProjectVoteTable *tf_project_get_vote_table (TfProject   *project,
                                               GError     **error);
void        tf_project_vote_table_free (TfProjectVoteTable *table);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TfProjectVoteTable, tf_project_vote_table_free)

typedef enum
{
  TF_CHANGE_DONE,
  TF_CHANGE_UNDONE,      /* can be redone */
  TF_CHANGE_REPLACED,    /* undone, then a new change came: kept, not redoable */
} TfChangeState;

typedef struct
{
  gint64          id;
  gint64          action;    /* the changes made together share it (one undo step) */
  gint64          face;
  TfProjectLabel  before, after;
  TfChangeState   state;
} TfProjectLabelChange;

void        tf_project_label_change_free (TfProjectLabelChange *change);

/* TfProjectLabelChange of @face (0: all faces), oldest first. */
GPtrArray  *tf_project_get_label_history (TfProject    *project,
                                          gint64        face,
                                          GError      **error);
gboolean    tf_project_can_undo     (TfProject         *project);
gboolean    tf_project_can_redo     (TfProject         *project);
/* Reverts the latest step (every label change of one set_label, or of one
 * begin/commit group such as an import); @face (may be NULL) receives a
 * face it changed. The number of labels changed (0: nothing to undo), or
 * -1 with @error. */
int         tf_project_undo         (TfProject         *project,
                                     gint64            *face,
                                     GError           **error);
int         tf_project_redo         (TfProject         *project,
                                     gint64            *face,
                                     GError           **error);

/* ---- reading faces: iteration, review queue, statistics ----------------------------- */

typedef enum
{
  TF_LABELLED_ANY,
  TF_LABELLED_NO,
  TF_LABELLED_YES,
} TfLabelledFilter;

typedef struct
{
  gint64           run;          /* whose predictions; 0: the latest run */
  TfLabelledFilter labelled;
  int              label;        /* TF_PROJECT_ANY, a class id, TF_LABEL_NOT_A_FACE, TF_LABEL_UNSURE */
  int              predicted;    /* TF_PROJECT_ANY or a class id */
  gboolean         disagreeing;  /* labelled with a class the run did not predict */
  gint64           media;        /* 0: any */
} TfProjectFilter;

/* Every face, the latest run. */
void        tf_project_filter_init  (TfProjectFilter   *filter);

typedef struct
{
  gint64          id;
  gint64          media;
  const char     *file;          /* the media's path as stored */
  gint64          frame;
  double          time_s;
  int             index;
  TfFace          det;
  gboolean        has_landmarks;
  int             track;
  gboolean        manual;
  const float    *probs;         /* [n_probs] in the run's class order; NULL: no prediction */
  int             n_probs;
  int             predicted;     /* a class id of the project; -1: no prediction */
  double          margin;        /* top probability minus the second */
  double          entropy;       /* nats */
  TfProjectLabel  label;
} TfProjectFace;

/* The fields of a face from tf_project_get_face are the caller's: clear them. */
void        tf_project_face_clear   (TfProjectFace     *face);

/* FALSE from @func stops the walk. */
typedef gboolean (*TfProjectFaceFunc) (const TfProjectFace *face,
                                       gpointer             user_data);

/* Calls @func with each face @filter (NULL: all) lets through, in media,
 * frame and face order; what it points to lives until @func returns. */
gboolean    tf_project_foreach_face (TfProject         *project,
                                     const TfProjectFilter *filter,
                                     TfProjectFaceFunc  func,
                                     gpointer           user_data,
                                     GError           **error);
/* One face, with the predictions of @run (0: the latest). */
gboolean    tf_project_get_face     (TfProject         *project,
                                     gint64             face,
                                     gint64             run,
                                     TfProjectFace     *out,
                                     GError           **error);

typedef enum
{
  TF_QUEUE_MARGIN,    /* smallest gap between the two likeliest classes first */
  TF_QUEUE_ENTROPY,   /* most spread probabilities first */
  TF_QUEUE_DISAGREEMENT, /* the faces whose votes disagree and that have no final label,
                          * most split first (the smallest share for the top class), then
                          * the others by margin */
} TfQueueOrder;

/* The ids (gint64) of the faces @filter lets through, least confident
 * first; faces the run did not predict come before all others. */
GArray     *tf_project_get_queue    (TfProject         *project,
                                     const TfProjectFilter *filter,
                                     TfQueueOrder       order,
                                     GError           **error);
/* -1 with @error. */
gint64      tf_project_count_faces  (TfProject         *project,
                                     const TfProjectFilter *filter,
                                     GError           **error);

typedef struct
{
  gint64   run;                /* the run compared with (0: none) */
  gint64   faces, labelled, not_faces, unsure, predicted;
  int      n_classes;
  char   **classes;
  gint64  *label_counts;       /* [n_classes] */
  gint64  *predicted_counts;   /* [n_classes] */
  gint64  *confusion;          /* [label][predicted], faces labelled with a class */
  gint64   compared, agreed;   /* faces labelled with a class and predicted; predicted = label */
  /* how far the annotators agree: their votes over the classes, then
   * "not a face" and "unsure" (categories n_classes and n_classes + 1) */
  TfAgreement *agreement;
} TfProjectStats;

TfProjectStats *tf_project_get_stats (TfProject        *project,
                                      gint64            run,
                                      GError          **error);
void        tf_project_stats_free   (TfProjectStats    *stats);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TfProjectStats, tf_project_stats_free)

/* ---- integrity -------------------------------------------------------------------- */

typedef struct
{
  GPtrArray *problems;   /* char *: one sentence each, naming the file */
  int        media, missing, relinked;
} TfProjectReport;

/* SQLite's integrity and foreign-key checks, the project's own (labels
 * of unknown classes, probabilities that do not fit their run), and the
 * media files (relinked from @relink_dir when not NULL). A sound project
 * has no problem; a missing media file is one. */
TfProjectReport *tf_project_check   (TfProject         *project,
                                     const char        *relink_dir,
                                     GError           **error);
void        tf_project_report_free  (TfProjectReport   *report);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TfProjectReport, tf_project_report_free)

/* ---- merging projects (tf-project-merge.c) ----------------------------------------------- */

/* What a merge did and found. */
typedef struct
{
  GPtrArray *messages;        /* char *: one sentence each, naming the project file(s) and the item:
                               * conflicts, class lists and settings that differ, annotator names
                               * filed in another spelling, media under other paths */
  int        inputs;
  gint64     media;           /* in the merged project */
  gint64     media_shared;    /* inputs' media that were already there (same content) */
  gint64     faces;           /* in the merged project */
  gint64     faces_matched;   /* inputs' faces that became a face already there */
  gint64     faces_added;
  gint64     votes;           /* in the merged project, final labels included */
  gint64     labelled;        /* faces with a resolved label */
  gint64     runs;
  gint64     predictions;
  gint64     conflicts;       /* votes and final labels that differ, names with other content */
} TfProjectMergeReport;

void        tf_project_merge_report_free (TfProjectMergeReport *report);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TfProjectMergeReport, tf_project_merge_report_free)

/* The IoU from which two boxes of the same media and frame are one face. */
#define TF_PROJECT_MERGE_IOU 0.5

/* Merges the projects @inputs (one or more; NULL-terminated; one is a copy
 * without undo history) into a new project @out (one that exists is refused:
 * TF_PROJECT_ERROR_EXISTS): the union of the classes (in order of first
 * appearance); the same media by content hash (its path made relative to
 * @out's folder); the same face (same media and frame, box IoU >=
 * TF_PROJECT_MERGE_IOU, the best match) carrying every annotator's votes
 * (names matched ignoring case); the same annotator's different votes on
 * one face, and different final labels, keep the later one and are
 * reported; each face's label resolved again; runs of the same model,
 * classes and settings made one. The merged project starts with no undo
 * history. The inputs are only read (their saved state, even while another
 * program writes them). @out is written beside its name and takes it only
 * when complete: a failure (a full disk: TF_PROJECT_ERROR_FULL) leaves
 * nothing. NULL with @error on failure. */
TfProjectMergeReport *tf_project_merge (const char          *out,
                                        const char * const  *inputs,
                                        GError             **error);

/* ---- import and export (tf-project-io.c) ---------------------------------------------- */

typedef enum
{
  TF_PROJECT_EXPORT_CSV,
  TF_PROJECT_EXPORT_JSONL,
  TF_PROJECT_EXPORT_FOLDERS,   /* a training set: crops as PNG per class, labels.csv */
} TfProjectExportFormat;

gboolean    tf_project_parse_export_format (const char            *name,
                                            TfProjectExportFormat *format);

/* CSV and JSON Lines: the columns of tf-export.h with the label filled,
 * plus label_source and annotator, for the faces @filter lets through.
 * Folders: the crops of the faces labelled with a class, in a new (or
 * empty) folder @out. Every file through tf_atomic_file. @n_faces (may
 * be NULL) receives the number written. */
gboolean    tf_project_export       (TfProject         *project,
                                     TfProjectExportFormat format,
                                     const TfProjectFilter *filter,
                                     const char        *out,
                                     gint64            *n_faces,
                                     GError           **error);

/* Labels from a CSV with a header: file and label columns, optionally
 * frame, face and track (the rows of `transfer-cli analyze` with label
 * filled work). file is matched to the project's media by relative path,
 * absolute path or base name. All or nothing, in one transaction (one undo
 * step): each bad line is added to @problems ("FILE:LINE: why") and nothing
 * changes. @n_labels (may be NULL) receives the number of labels set. */
gboolean    tf_project_import_labels (TfProject        *project,
                                      const char       *csv,
                                      const char       *annotator,
                                      GPtrArray        *problems,
                                      gint64           *n_labels,
                                      GError          **error);
/* The same from a folder-per-class tree: each picture matches a media of
 * the project by content hash, else by name. */
gboolean    tf_project_import_folders (TfProject       *project,
                                       const char      *dir,
                                       const char      *annotator,
                                       GPtrArray       *problems,
                                       gint64          *n_labels,
                                       GError         **error);

G_END_DECLS
