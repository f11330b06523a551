/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <adwaita.h>
#include <glib/gi18n.h>
#include <string.h>

#include "tf-class-name.h"
#include "tf-review-view.h"

/* crops kept as textures, the most recently shown (48x48 RGB: 7 KB each) */
#define THUMBNAIL_CACHE 512
#define THUMBNAIL_SIZE  48
/* what the rows' data may take of the main loop at a time (a frame is
 * 16 ms): the list scrolls on while rows far from the view wait */
#define LOAD_BUDGET_US  6000

/* until data/style.css carries them: the label drawn as a tag, coloured by
 * how it stands against the prediction */
static const char review_css[] =
  "reviewview .tag { border-radius: 999px; padding: 2px 10px; background-color: alpha(currentColor, 0.1); "
  "font-weight: bold; }\n"
  "reviewview .tag.agrees { color: @success_color; }\n"
  "reviewview .tag.disagrees { color: @error_color; }\n"
  "reviewview .tag.other { color: @warning_color; }\n"
  "reviewview .tag.final { box-shadow: inset 0 0 0 1px currentColor; }\n"
  "reviewview .thumbnail { border-radius: 6px; background-color: alpha(currentColor, 0.08); }\n"
  "reviewview .controls { padding: 6px 12px; }\n";

/* ---- TfReviewItem ------------------------------------------------------------ */

typedef struct _TfReviewList TfReviewList;

struct _TfReviewItem
{
  GObject       parent_instance;

  gint64        face;
  TfReviewList *list;        /* whose cache holds it; NULL once detached */
  gboolean      loaded;
  char         *path;        /* the media's path as stored */
  gint64        media;
  gint64        frame;
  double        time_s;
  int           predicted;   /* a class id; -1: no prediction */
  double        prob;        /* of the predicted class */
  double        margin;
  int           label;
  gboolean      final;       /* the label is an adjudicator's */
  int           votes;       /* the votes cast (on a face without a label: tied) */
  int           agree;       /* of them for the label */
};

G_DEFINE_FINAL_TYPE (TfReviewItem, tf_review_item, G_TYPE_OBJECT)

enum
{
  ITEM_CHANGED,
  ITEM_N_SIGNALS
};

static guint item_signals[ITEM_N_SIGNALS];

static void review_list_forget (TfReviewList *list,
                                TfReviewItem *item);

static void
tf_review_item_finalize (GObject *object)
{
  TfReviewItem *self = TF_REVIEW_ITEM (object);

  if (self->list)
    review_list_forget (self->list, self);
  g_free (self->path);
  G_OBJECT_CLASS (tf_review_item_parent_class)->finalize (object);
}

static void
tf_review_item_class_init (TfReviewItemClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = tf_review_item_finalize;
  item_signals[ITEM_CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                             NULL, NULL, G_TYPE_NONE, 0);
}

static void
tf_review_item_init (TfReviewItem *self)
{
  self->predicted = -1;
  self->label = TF_LABEL_NONE;
}

gint64
tf_review_item_get_face (TfReviewItem *self)
{
  g_return_val_if_fail (TF_IS_REVIEW_ITEM (self), 0);
  return self->face;
}

int
tf_review_item_get_label (TfReviewItem *self)
{
  g_return_val_if_fail (TF_IS_REVIEW_ITEM (self), TF_LABEL_NONE);
  return self->label;
}

/* ---- TfReviewList: the queue's ids as a GListModel ---------------------------
 * An item is made when the list view (or the selection) asks for its
 * position, and cached while something holds it, so a label change can
 * reach the row that shows it. */

#define TF_TYPE_REVIEW_LIST (tf_review_list_get_type ())
G_DECLARE_FINAL_TYPE (TfReviewList, tf_review_list, TF, REVIEW_LIST, GObject)

struct _TfReviewList
{
  GObject     parent_instance;

  GArray     *ids;    /* gint64: the queue */
  GHashTable *live;   /* &item->face -> TfReviewItem (not a reference) */
};

static GType
tf_review_list_get_item_type (GListModel *model)
{
  return TF_TYPE_REVIEW_ITEM;
}

static guint
tf_review_list_get_n_items (GListModel *model)
{
  return TF_REVIEW_LIST (model)->ids->len;
}

static gpointer
tf_review_list_get_item (GListModel *model,
                         guint       position)
{
  TfReviewList *self = TF_REVIEW_LIST (model);
  TfReviewItem *item;
  gint64 face;

  if (position >= self->ids->len)
    return NULL;
  face = g_array_index (self->ids, gint64, position);
  if ((item = g_hash_table_lookup (self->live, &face)))
    return g_object_ref (item);
  item = g_object_new (TF_TYPE_REVIEW_ITEM, NULL);
  item->face = face;
  item->list = self;
  g_hash_table_insert (self->live, &item->face, item);
  return item;
}

static void
tf_review_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = tf_review_list_get_item_type;
  iface->get_n_items = tf_review_list_get_n_items;
  iface->get_item = tf_review_list_get_item;
}

G_DEFINE_FINAL_TYPE_WITH_CODE (TfReviewList, tf_review_list, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, tf_review_list_model_init))

static void
review_list_forget (TfReviewList *self,
                    TfReviewItem *item)
{
  g_hash_table_remove (self->live, &item->face);
  item->list = NULL;
}

/* Items still held elsewhere keep their data but leave the cache: a new
 * list makes new items, which read the project afresh. */
static void
review_list_detach_all (TfReviewList *self)
{
  GHashTableIter iter;
  gpointer item;

  g_hash_table_iter_init (&iter, self->live);
  while (g_hash_table_iter_next (&iter, NULL, &item))
    {
      TF_REVIEW_ITEM (item)->list = NULL;
      g_hash_table_iter_remove (&iter);
    }
}

static void
tf_review_list_dispose (GObject *object)
{
  TfReviewList *self = TF_REVIEW_LIST (object);

  review_list_detach_all (self);
  G_OBJECT_CLASS (tf_review_list_parent_class)->dispose (object);
}

static void
tf_review_list_finalize (GObject *object)
{
  TfReviewList *self = TF_REVIEW_LIST (object);

  g_array_unref (self->ids);
  g_hash_table_unref (self->live);
  G_OBJECT_CLASS (tf_review_list_parent_class)->finalize (object);
}

static void
tf_review_list_class_init (TfReviewListClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = tf_review_list_dispose;
  G_OBJECT_CLASS (klass)->finalize = tf_review_list_finalize;
}

static void
tf_review_list_init (TfReviewList *self)
{
  self->ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  self->live = g_hash_table_new (g_int64_hash, g_int64_equal);
}

/* takes @ids */
static void
review_list_replace (TfReviewList *self,
                     GArray       *ids)
{
  guint removed = self->ids->len;

  review_list_detach_all (self);
  g_array_unref (self->ids);
  self->ids = ids;
  g_list_model_items_changed (G_LIST_MODEL (self), 0, removed, ids->len);
}

static guint
review_list_find (TfReviewList *self,
                  gint64        face)
{
  const gint64 *ids = (const gint64 *) (void *) self->ids->data;

  for (guint i = 0; face > 0 && i < self->ids->len; i++)
    if (ids[i] == face)
      return i;
  return GTK_INVALID_LIST_POSITION;
}

/* ---- TfReviewColumn: a cell of a row that is @width wide when there is room ----
 * (so the rows' columns line up) and as narrow as its child when there is
 * not (so a narrow window still fits the list). */

#define TF_TYPE_REVIEW_COLUMN (tf_review_column_get_type ())
G_DECLARE_FINAL_TYPE (TfReviewColumn, tf_review_column, TF, REVIEW_COLUMN, GtkWidget)

struct _TfReviewColumn
{
  GtkWidget  parent_instance;

  GtkWidget *child;
  int        width;
};

G_DEFINE_FINAL_TYPE (TfReviewColumn, tf_review_column, GTK_TYPE_WIDGET)

static void
tf_review_column_measure (GtkWidget      *widget,
                          GtkOrientation  orientation,
                          int             for_size,
                          int            *minimum,
                          int            *natural,
                          int            *minimum_baseline,
                          int            *natural_baseline)
{
  TfReviewColumn *self = TF_REVIEW_COLUMN (widget);

  gtk_widget_measure (self->child, orientation, for_size, minimum, natural, minimum_baseline, natural_baseline);
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    *natural = MAX (*natural, self->width);
}

static void
tf_review_column_size_allocate (GtkWidget *widget,
                                int        width,
                                int        height,
                                int        baseline)
{
  gtk_widget_allocate (TF_REVIEW_COLUMN (widget)->child, width, height, baseline, NULL);
}

static void
tf_review_column_dispose (GObject *object)
{
  g_clear_pointer (&TF_REVIEW_COLUMN (object)->child, gtk_widget_unparent);
  G_OBJECT_CLASS (tf_review_column_parent_class)->dispose (object);
}

static void
tf_review_column_class_init (TfReviewColumnClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = tf_review_column_dispose;
  GTK_WIDGET_CLASS (klass)->measure = tf_review_column_measure;
  GTK_WIDGET_CLASS (klass)->size_allocate = tf_review_column_size_allocate;
}

static void
tf_review_column_init (TfReviewColumn *self)
{
}

static GtkWidget *
review_column_new (GtkWidget *child,
                   int        width)
{
  TfReviewColumn *self = g_object_new (TF_TYPE_REVIEW_COLUMN, NULL);

  self->child = child;
  self->width = width;
  gtk_widget_set_parent (child, GTK_WIDGET (self));
  return GTK_WIDGET (self);
}

/* ---- TfReviewView ------------------------------------------------------------ */

typedef struct
{
  gint64      face;
  GdkTexture *texture;   /* NULL: the face has no crop */
} Thumbnail;

typedef struct
{
  TfReviewView *view;
  TfReviewItem *item;    /* bound */
  gulong        changed_id;
  GtkWidget    *box;
  GtkWidget    *picture, *title, *subtitle, *prediction, *margin, *tag, *tag_icon, *tag_label, *split;
} Row;

struct _TfReviewView
{
  GtkWidget           parent_instance;

  TfProject          *project;      /* borrowed */
  GtkWidget          *box;          /* the one child */
  GtkDropDown        *order, *filter, *predicted, *label, *media;
  GtkLabel           *count;
  GtkStack           *stack;
  AdwStatusPage      *empty;
  GtkWidget          *reset;
  GtkWidget          *scroller;
  GtkListView        *list_view;
  TfReviewList       *list;
  GtkSingleSelection *selection;

  char              **classes;
  GArray             *predicted_values;  /* int, by the drop-down's position */
  GArray             *label_values;      /* int */
  GArray             *media_values;      /* gint64 */
  GHashTable         *videos;            /* media ids that are videos */
  GHashTable         *labelled;          /* the listed faces that have a label; NULL while counted */
  GHashTable         *changed;           /* faces whose label changed while they were counted */
  GCancellable       *counting;
  gint64              selected;
  gboolean            updating;          /* changes made by the view itself */
  GHashTable         *only_faces;        /* gint64 face ids the list keeps (a second model's
                                          * disagreements), NULL: all */

  GHashTable         *thumbnails;        /* &Thumbnail.face -> GList link of thumbnail_order */
  GQueue              thumbnail_order;   /* Thumbnail, the latest shown first */

  /* Rows bound to items not read yet: read between frames, those on
   * screen first, LOAD_BUDGET_US at a time. */
  GPtrArray          *waiting;           /* Row */
  guint               load_id;
};

G_DEFINE_FINAL_TYPE (TfReviewView, tf_review_view, GTK_TYPE_WIDGET)

enum
{
  FACE_ACTIVATED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

enum
{
  FILTER_ALL,
  FILTER_UNLABELLED,
  FILTER_LABELLED,
  FILTER_DISAGREEING,
};

/* ---- helpers ------------------------------------------------------------- */

static const char *
label_display_name (TfReviewView *self,
                    int           label)
{
  if (label == TF_LABEL_NOT_A_FACE)
    return _("Not a face");
  if (label == TF_LABEL_UNSURE)
    return _("Unsure");
  if (label >= 0 && self->classes && (guint) label < g_strv_length (self->classes))
    return tf_class_display_name (self->classes[label]);
  return self->project ? tf_class_display_name (tf_project_label_name (self->project, label)) : NULL;
}

/* "1:04.8", "1:02:03.0" */
static char *
format_time (double seconds)
{
  int whole = (int) seconds, h = whole / 3600, m = whole / 60 % 60;
  double s = seconds - 60.0 * (whole / 60);

  if (h > 0)
    return g_strdup_printf ("%d:%02d:%04.1f", h, m, s);
  return g_strdup_printf ("%d:%04.1f", m, s);
}

static GdkTexture *
get_thumbnail (TfReviewView *self,
               gint64        face)
{
  GList *link = g_hash_table_lookup (self->thumbnails, &face);
  Thumbnail *t;

  if (link)
    {
      g_queue_unlink (&self->thumbnail_order, link);
      g_queue_push_head_link (&self->thumbnail_order, link);
      return ((Thumbnail *) link->data)->texture;
    }
  t = g_new0 (Thumbnail, 1);
  t->face = face;
  if (self->project)
    {
      g_autoptr(GBytes) rgb = NULL;
      int size = 0;

      rgb = tf_project_get_crop (self->project, face, &size, NULL);
      if (rgb && size > 0 && g_bytes_get_size (rgb) == (gsize) size * size * 3)
        t->texture = gdk_memory_texture_new (size, size, GDK_MEMORY_R8G8B8, rgb, (gsize) size * 3);
    }
  g_queue_push_head (&self->thumbnail_order, t);
  g_hash_table_insert (self->thumbnails, &t->face, self->thumbnail_order.head);
  if (self->thumbnail_order.length > THUMBNAIL_CACHE)
    {
      Thumbnail *old = g_queue_pop_tail (&self->thumbnail_order);

      g_hash_table_remove (self->thumbnails, &old->face);
      g_clear_object (&old->texture);
      g_free (old);
    }
  return t->texture;
}

static void
clear_thumbnails (TfReviewView *self)
{
  Thumbnail *t;

  g_hash_table_remove_all (self->thumbnails);
  while ((t = g_queue_pop_head (&self->thumbnail_order)))
    {
      g_clear_object (&t->texture);
      g_free (t);
    }
}

static void
item_load (TfReviewView *self,
           TfReviewItem *item)
{
  TfProjectFace face;

  item->loaded = TRUE;
  if (self->project == NULL || !tf_project_get_face (self->project, item->face, 0, &face, NULL))
    return;
  g_free (item->path);
  item->path = g_strdup (face.file);
  item->media = face.media;
  item->frame = face.frame;
  item->time_s = face.time_s;
  item->predicted = face.probs ? face.predicted : -1;
  item->prob = 0;
  for (int k = 0; face.probs && k < face.n_probs; k++)
    item->prob = MAX (item->prob, face.probs[k]);
  item->margin = face.margin;
  item->label = face.label.label;
  /* the walk fills these from its own row: no query of its own */
  item->final = face.label.final;
  item->votes = face.label.votes;
  item->agree = face.label.agree;
  tf_project_face_clear (&face);
}

/* ---- the rows ---------------------------------------------------------------- */

/* a row whose item is still to be read: empty, not stale */
static void
row_clear (Row *row)
{
  GtkWidget *labels[] = { row->title, row->subtitle, row->prediction, row->margin, row->split };

  for (guint i = 0; i < G_N_ELEMENTS (labels); i++)
    gtk_label_set_label (GTK_LABEL (labels[i]), "");
  gtk_widget_set_tooltip_text (row->title, NULL);
  gtk_widget_set_visible (row->tag, FALSE);
  gtk_widget_set_visible (row->split, FALSE);
  gtk_picture_set_paintable (GTK_PICTURE (row->picture), NULL);
}

static void
row_fill (Row *row)
{
  TfReviewView *self = row->view;
  TfReviewItem *item = row->item;
  g_autofree char *name = item->path ? g_path_get_basename (item->path) : g_strdup ("");
  g_autofree char *where = NULL, *prediction = NULL, *margin = NULL, *description = NULL, *split = NULL;
  const char *label = item->label != TF_LABEL_NONE ? label_display_name (self, item->label) : NULL;
  const char *predicted = item->predicted >= 0 ? label_display_name (self, item->predicted) : NULL;
  const char *state = NULL;

  if (g_hash_table_contains (self->videos, GSIZE_TO_POINTER (item->media)))
    {
      g_autofree char *time = format_time (item->time_s);
      /* TRANSLATORS: where a face is in a video: its frame number and time */
      where = g_strdup_printf (_("Frame %lld · %s"), (long long) item->frame, time);
    }
  else
    where = g_strdup (_("Picture"));
  if (predicted)
    {
      /* TRANSLATORS: a predicted class and its probability; keep the %.0f */
      prediction = g_strdup_printf (_("%s %.0f %%"), predicted, 100.0 * item->prob);
      /* TRANSLATORS: the gap between the two likeliest classes' probabilities */
      margin = g_strdup_printf (_("margin %.2f"), item->margin);
    }
  else
    prediction = g_strdup (_("No prediction"));

  gtk_picture_set_paintable (GTK_PICTURE (row->picture), GDK_PAINTABLE (get_thumbnail (self, item->face)));
  gtk_label_set_label (GTK_LABEL (row->title), name);
  gtk_widget_set_tooltip_text (row->title, item->path);
  gtk_label_set_label (GTK_LABEL (row->subtitle), where);
  gtk_label_set_label (GTK_LABEL (row->prediction), prediction);
  gtk_label_set_label (GTK_LABEL (row->margin), margin ? margin : "");

  /* several annotators: how the votes split, the final label marked */
  if (item->final)
    /* TRANSLATORS: a face of the review list with an adjudicator's final label; 2 of its 3 votes agree with it */
    split = item->votes > 0 ? g_strdup_printf (C_("review split", "final · %d/%d"), item->agree, item->votes)
                            : g_strdup (C_("review split", "final"));
  else if (label == NULL && item->votes > 1)
    /* TRANSLATORS: a face of the review list whose votes tie; %d: how many votes */
    split = g_strdup_printf (C_("review split", "tied · %d votes"), item->votes);
  else if (label && item->votes > 1)
    /* TRANSLATORS: a face of the review list: 2 of its 3 votes agree with its label */
    split = g_strdup_printf (C_("review split", "%d/%d agree"), item->agree, item->votes);
  gtk_label_set_label (GTK_LABEL (row->split), split ? split : "");
  gtk_widget_set_visible (row->split, split != NULL);
  gtk_widget_set_tooltip_text (row->split,
                               item->final ? _("The final label an adjudicator chose, and how many votes agree with it")
                               : split ? _("How the annotators' votes split") : NULL);
  /* a tie is what an adjudicator has to decide */
  if (label == NULL && item->votes > 1)
    gtk_widget_add_css_class (row->split, "warning");
  else
    gtk_widget_remove_css_class (row->split, "warning");

  gtk_widget_remove_css_class (row->tag, "agrees");
  gtk_widget_remove_css_class (row->tag, "disagrees");
  gtk_widget_remove_css_class (row->tag, "other");
  gtk_widget_remove_css_class (row->tag, "final");
  if (item->final)
    gtk_widget_add_css_class (row->tag, "final");
  gtk_widget_set_visible (row->tag, label != NULL);
  if (label)
    {
      if (item->label < 0)
        state = "other";
      else if (item->predicted >= 0)
        state = item->label == item->predicted ? "agrees" : "disagrees";
      if (state)
        gtk_widget_add_css_class (row->tag, state);
      gtk_label_set_label (GTK_LABEL (row->tag_label), label);
      gtk_image_set_from_icon_name (GTK_IMAGE (row->tag_icon), g_strcmp0 (state, "disagrees") == 0
                                                                  ? "dialog-warning-symbolic"
                                                                  : "object-select-symbolic");
      gtk_widget_set_visible (row->tag_icon, g_strcmp0 (state, "other") != 0);
      gtk_widget_set_tooltip_text (row->tag, g_strcmp0 (state, "disagrees") == 0
                                               ? _("Labelled otherwise than the model predicted")
                                               : item->final ? _("The final label an adjudicator chose")
                                               : _("The label a person gave"));
    }
  if (label && g_strcmp0 (state, "disagrees") == 0)
    /* TRANSLATORS: a row of the review list read aloud: file, prediction, label */
    description = g_strdup_printf (_("%s, predicted %s, labelled %s, which disagrees"), name, prediction, label);
  else if (label)
    description = g_strdup_printf (_("%s, predicted %s, labelled %s"), name, prediction, label);
  else
    description = g_strdup_printf (_("%s, predicted %s, not labelled"), name, prediction);
  if (split)
    {
      /* TRANSLATORS: a row of the review list read aloud, then how its votes split */
      char *longer = g_strdup_printf (_("%s, votes: %s"), description, split);
      g_free (description);
      description = longer;
    }
  gtk_accessible_update_property (GTK_ACCESSIBLE (row->box), GTK_ACCESSIBLE_PROPERTY_LABEL, description, -1);
}

static GtkWidget *
caption_label (void)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (label, "caption");
  gtk_widget_add_css_class (label, "dim-label");
  return label;
}

static void
on_setup_cb (GtkSignalListItemFactory *factory,
             GtkListItem              *list_item,
             TfReviewView             *self)
{
  Row *row = g_new0 (Row, 1);
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *text = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *model = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *tag_column;

  row->view = self;
  row->box = box;
  row->picture = gtk_picture_new ();
  gtk_widget_set_size_request (row->picture, THUMBNAIL_SIZE, THUMBNAIL_SIZE);
  gtk_widget_set_valign (row->picture, GTK_ALIGN_CENTER);
  gtk_picture_set_can_shrink (GTK_PICTURE (row->picture), TRUE);
  gtk_picture_set_content_fit (GTK_PICTURE (row->picture), GTK_CONTENT_FIT_COVER);
  gtk_widget_set_overflow (row->picture, GTK_OVERFLOW_HIDDEN);
  gtk_widget_add_css_class (row->picture, "thumbnail");

  row->title = gtk_label_new (NULL);
  gtk_label_set_ellipsize (GTK_LABEL (row->title), PANGO_ELLIPSIZE_MIDDLE);
  gtk_label_set_xalign (GTK_LABEL (row->title), 0);
  row->subtitle = caption_label ();
  gtk_label_set_xalign (GTK_LABEL (row->subtitle), 0);
  gtk_widget_set_hexpand (text, TRUE);
  gtk_widget_set_valign (text, GTK_ALIGN_CENTER);
  gtk_box_append (GTK_BOX (text), row->title);
  gtk_box_append (GTK_BOX (text), row->subtitle);

  row->prediction = gtk_label_new (NULL);
  gtk_label_set_ellipsize (GTK_LABEL (row->prediction), PANGO_ELLIPSIZE_END);
  gtk_label_set_xalign (GTK_LABEL (row->prediction), 1);
  gtk_widget_add_css_class (row->prediction, "numeric");
  row->margin = caption_label ();
  gtk_label_set_xalign (GTK_LABEL (row->margin), 1);
  gtk_widget_add_css_class (row->margin, "numeric");
  gtk_widget_set_valign (model, GTK_ALIGN_CENTER);
  gtk_box_append (GTK_BOX (model), row->prediction);
  gtk_box_append (GTK_BOX (model), row->margin);

  /* the label's column is as wide labelled or not: the columns line up */
  row->tag = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 4);
  row->tag_icon = gtk_image_new ();
  row->tag_label = gtk_label_new (NULL);
  gtk_label_set_ellipsize (GTK_LABEL (row->tag_label), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (row->tag, "tag");
  gtk_widget_set_valign (row->tag, GTK_ALIGN_CENTER);
  gtk_widget_set_halign (row->tag, GTK_ALIGN_START);
  gtk_box_append (GTK_BOX (row->tag), row->tag_icon);
  gtk_box_append (GTK_BOX (row->tag), row->tag_label);
  row->split = caption_label ();
  gtk_widget_set_name (row->split, "split");
  gtk_label_set_xalign (GTK_LABEL (row->split), 0);
  gtk_widget_add_css_class (row->split, "numeric");
  gtk_widget_set_margin_start (row->split, 10);
  gtk_widget_set_visible (row->split, FALSE);
  tag_column = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  gtk_widget_set_valign (tag_column, GTK_ALIGN_CENTER);
  gtk_box_append (GTK_BOX (tag_column), row->tag);
  gtk_box_append (GTK_BOX (tag_column), row->split);

  gtk_box_append (GTK_BOX (box), row->picture);
  gtk_box_append (GTK_BOX (box), text);
  gtk_box_append (GTK_BOX (box), review_column_new (model, 150));
  gtk_box_append (GTK_BOX (box), review_column_new (tag_column, 140));
  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 12);
  gtk_widget_set_margin_top (box, 6);
  gtk_widget_set_margin_bottom (box, 6);
  g_object_set_data_full (G_OBJECT (box), "row", row, g_free);
  gtk_list_item_set_child (list_item, box);
}

static void
on_item_changed_cb (TfReviewItem *item,
                    Row          *row)
{
  row_fill (row);
}

static gboolean
row_on_screen (TfReviewView *self,
               Row          *row)
{
  double x, y;

  if (!gtk_widget_get_mapped (row->box) ||
      !gtk_widget_translate_coordinates (row->box, GTK_WIDGET (self->list_view), 0, 0, &x, &y))
    return FALSE;
  return y + gtk_widget_get_height (row->box) > 0 && y < gtk_widget_get_height (GTK_WIDGET (self->list_view));
}

static gboolean
load_rows_cb (gpointer data)
{
  TfReviewView *self = data;
  gint64 end = g_get_monotonic_time () + LOAD_BUDGET_US;

  while (self->waiting->len > 0 && g_get_monotonic_time () < end)
    {
      guint next = 0;
      Row *row;

      for (guint i = 0; i < self->waiting->len; i++)
        if (row_on_screen (self, g_ptr_array_index (self->waiting, i)))
          {
            next = i;
            break;
          }
      row = g_ptr_array_steal_index_fast (self->waiting, next);
      if (!row->item->loaded)
        item_load (self, row->item);
      row_fill (row);
    }
  if (self->waiting->len > 0)
    return G_SOURCE_CONTINUE;
  self->load_id = 0;
  return G_SOURCE_REMOVE;
}

static void
on_bind_cb (GtkSignalListItemFactory *factory,
            GtkListItem              *list_item,
            TfReviewView             *self)
{
  Row *row = g_object_get_data (G_OBJECT (gtk_list_item_get_child (list_item)), "row");
  TfReviewItem *item = gtk_list_item_get_item (list_item);

  row->item = item;
  row->changed_id = g_signal_connect (item, "changed", G_CALLBACK (on_item_changed_cb), row);
  if (item->loaded)
    {
      row_fill (row);
      return;
    }
  /* GTK binds a couple of hundred rows around the view at once: read
   * them between frames instead */
  row_clear (row);
  g_ptr_array_add (self->waiting, row);
  if (self->load_id == 0)
    self->load_id = g_idle_add (load_rows_cb, self);
}

static void
on_unbind_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *list_item,
              TfReviewView             *self)
{
  Row *row = g_object_get_data (G_OBJECT (gtk_list_item_get_child (list_item)), "row");

  g_ptr_array_remove_fast (self->waiting, row);
  g_clear_signal_handler (&row->changed_id, row->item);
  row->item = NULL;
  gtk_picture_set_paintable (GTK_PICTURE (row->picture), NULL);
}

/* ---- the queue ---------------------------------------------------------------- */

static void
read_filter (TfReviewView    *self,
             TfProjectFilter *filter,
             TfQueueOrder    *order)
{
  guint predicted = gtk_drop_down_get_selected (self->predicted);
  guint label = gtk_drop_down_get_selected (self->label);
  guint media = gtk_drop_down_get_selected (self->media);

  tf_project_filter_init (filter);
  switch (gtk_drop_down_get_selected (self->order))
    {
    case 1:
      *order = TF_QUEUE_ENTROPY;
      break;
    case 2:
      *order = TF_QUEUE_DISAGREEMENT;
      break;
    default:
      *order = TF_QUEUE_MARGIN;
      break;
    }
  switch (gtk_drop_down_get_selected (self->filter))
    {
    case FILTER_UNLABELLED:
      filter->labelled = TF_LABELLED_NO;
      break;
    case FILTER_LABELLED:
      filter->labelled = TF_LABELLED_YES;
      break;
    case FILTER_DISAGREEING:
      filter->disagreeing = TRUE;
      break;
    default:
      break;
    }
  if (predicted < self->predicted_values->len)
    filter->predicted = g_array_index (self->predicted_values, int, predicted);
  if (label < self->label_values->len)
    filter->label = g_array_index (self->label_values, int, label);
  if (media < self->media_values->len)
    filter->media = g_array_index (self->media_values, gint64, media);
}

static void
update_count (TfReviewView *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->list));
  g_autofree char *all = tf_format_count (n);
  g_autofree char *done = NULL, *text = NULL;

  if (self->labelled == NULL)
    /* TRANSLATORS: the count line while the reviewed faces are counted */
    text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s face", "%s faces", n), all);
  else
    {
      done = tf_format_count (g_hash_table_size (self->labelled));
      /* TRANSLATORS: "312 of 1,204 reviewed": the listed faces that have a label, of all listed */
      text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s of %s reviewed", "%s of %s reviewed", n), done, all);
    }
  gtk_label_set_label (self->count, text);
}

static void
scroll_to (TfReviewView *self,
           guint         position)
{
  gtk_widget_activate_action (GTK_WIDGET (self->list_view), "list.scroll-to-item", "u", position);
}

static void
update_page (TfReviewView *self,
             const GError *error)
{
  gboolean any;

  if (g_list_model_get_n_items (G_LIST_MODEL (self->list)) > 0)
    {
      gtk_stack_set_visible_child_name (self->stack, "list");
      return;
    }
  any = self->project && tf_project_count_faces (self->project, NULL, NULL) > 0;
  gtk_stack_set_visible_child_name (self->stack, "empty");
  gtk_widget_set_visible (self->reset, any && error == NULL);
  if (error)
    {
      adw_status_page_set_icon_name (self->empty, "dialog-warning-symbolic");
      adw_status_page_set_title (self->empty, _("The Project Cannot Be Read"));
      adw_status_page_set_description (self->empty, error->message);
    }
  else if (!any)
    {
      adw_status_page_set_icon_name (self->empty, "face-plain-symbolic");
      adw_status_page_set_title (self->empty, _("No Faces Yet"));
      adw_status_page_set_description (self->empty, _("The faces found in the project's pictures and videos "
                                                      "are listed here, least confident first."));
    }
  else
    {
      adw_status_page_set_icon_name (self->empty, "system-search-symbolic");
      adw_status_page_set_title (self->empty, _("No Faces Match the Filters"));
      adw_status_page_set_description (self->empty, _("Choose other filters, or show every face."));
    }
}

/* ---- the count line: which listed faces have a label -------------------------------
 * Found by a query as long as the queue's, so off the main loop: a worker
 * opens the project's file again, read-only (a reader takes no lock and
 * sees every saved label), while the list is already shown. */

typedef struct
{
  char            *path;
  TfProjectFilter  filter;
} CountJob;

static void
count_job_free (gpointer data)
{
  CountJob *job = data;

  g_free (job->path);
  g_free (job);
}

static void
count_thread (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  CountJob *job = task_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(TfProject) project = tf_project_open (job->path, TF_PROJECT_READ_ONLY, &error);
  g_autoptr(GArray) ids = NULL;
  GHashTable *set;

  if (project == NULL || !(ids = tf_project_get_queue (project, &job->filter, TF_QUEUE_MARGIN, &error)))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  set = g_hash_table_new (NULL, NULL);
  for (guint i = 0; i < ids->len; i++)
    g_hash_table_add (set, GSIZE_TO_POINTER (g_array_index (ids, gint64, i)));
  g_task_return_pointer (task, set, (GDestroyNotify) g_hash_table_unref);
}

static void update_count (TfReviewView *self);

/* @face's labelled state, read from the project now */
static void
recount_face (TfReviewView *self,
              gint64        face)
{
  TfProjectLabel label = { .label = TF_LABEL_NONE };

  if (tf_project_get_label (self->project, face, &label, NULL) && label.label != TF_LABEL_NONE)
    g_hash_table_add (self->labelled, GSIZE_TO_POINTER (face));
  else
    g_hash_table_remove (self->labelled, GSIZE_TO_POINTER (face));
  tf_project_label_clear (&label);
}

static void
on_counted_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  TfReviewView *self = TF_REVIEW_VIEW (source);
  g_autoptr(GError) error = NULL;
  GHashTable *set = g_task_propagate_pointer (G_TASK (result), &error);
  GHashTableIter iter;
  gpointer face;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;   /* a newer count replaced it, or the view went */
  g_clear_object (&self->counting);
  if (set == NULL)
    {
      g_warning ("%s", error->message);
      set = g_hash_table_new (NULL, NULL);
    }
  self->labelled = set;
  if (self->project)
    {
      g_hash_table_iter_init (&iter, self->changed);
      while (g_hash_table_iter_next (&iter, &face, NULL))
        recount_face (self, GPOINTER_TO_SIZE (face));
    }
  g_hash_table_remove_all (self->changed);
  update_count (self);
}

static void
start_counting (TfReviewView          *self,
                const TfProjectFilter *filter)
{
  GArray *ids = self->list->ids;
  g_autoptr(GTask) task = NULL;
  CountJob *job;

  if (self->counting)
    g_cancellable_cancel (self->counting);
  g_clear_object (&self->counting);
  g_clear_pointer (&self->labelled, g_hash_table_unref);
  g_hash_table_remove_all (self->changed);
  self->labelled = g_hash_table_new (NULL, NULL);
  if (self->project == NULL || ids->len == 0 || filter->labelled == TF_LABELLED_NO)
    return;
  if (self->only_faces)
    {
      /* a few faces: read here, not by the worker (which counts the filter's) */
      for (guint i = 0; i < ids->len; i++)
        recount_face (self, g_array_index (ids, gint64, i));
      return;
    }
  if (filter->labelled == TF_LABELLED_YES || filter->disagreeing ||
      (filter->label != TF_PROJECT_ANY && filter->label != TF_LABEL_NONE))
    {
      /* every listed face has a label */
      for (guint i = 0; i < ids->len; i++)
        g_hash_table_add (self->labelled, GSIZE_TO_POINTER (g_array_index (ids, gint64, i)));
      return;
    }
  g_clear_pointer (&self->labelled, g_hash_table_unref);
  job = g_new0 (CountJob, 1);
  job->path = g_strdup (tf_project_get_path (self->project));
  job->filter = *filter;
  job->filter.labelled = TF_LABELLED_YES;
  self->counting = g_cancellable_new ();
  task = g_task_new (self, self->counting, on_counted_cb, NULL);
  g_task_set_source_tag (task, start_counting);
  g_task_set_task_data (task, job, count_job_free);
  g_task_run_in_thread (task, count_thread);
}

static void
requery (TfReviewView *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) ids = NULL;
  TfProjectFilter filter;
  TfQueueOrder order;
  gint64 keep = self->selected;
  guint position;

  read_filter (self, &filter, &order);
  if (self->project)
    ids = tf_project_get_queue (self->project, &filter, order, &error);
  if (ids == NULL)
    ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  if (self->only_faces)
    {
      guint kept = 0;

      for (guint i = 0; i < ids->len; i++)
        {
          gint64 id = g_array_index (ids, gint64, i);
          if (g_hash_table_contains (self->only_faces, &id))
            g_array_index (ids, gint64, kept++) = id;
        }
      g_array_set_size (ids, kept);
    }

  /* unselected first: else the selection looks for its item among all the
   * new ones, which would make an item of every face */
  self->updating = TRUE;
  gtk_single_selection_set_selected (self->selection, GTK_INVALID_LIST_POSITION);
  review_list_replace (self->list, g_steal_pointer (&ids));
  position = review_list_find (self->list, keep);
  if (position != GTK_INVALID_LIST_POSITION)
    gtk_single_selection_set_selected (self->selection, position);
  self->updating = FALSE;
  self->selected = position != GTK_INVALID_LIST_POSITION ? keep : 0;

  start_counting (self, &filter);
  update_count (self);
  update_page (self, error);
  /* through the list's anchor: setting the adjustment right after a change
   * of the model makes GTK 4.8 look up rows it has not laid out yet */
  if (position != GTK_INVALID_LIST_POSITION)
    scroll_to (self, position);
  else if (self->list->ids->len > 0)
    scroll_to (self, 0);
}

/* Fills @dropdown with @strings, keeping the choice of @old_value when it
 * is still offered (positions of @values, ints or gint64s). */
static void
set_choices (TfReviewView *self,
             GtkDropDown  *dropdown,
             GPtrArray    *strings,
             GArray       *values,
             GArray       *old_values,
             guint         old_selected)
{
  g_autoptr(GtkStringList) model = gtk_string_list_new (NULL);
  gsize size = g_array_get_element_size (values);
  guint selected = 0;

  for (guint i = 0; i < strings->len; i++)
    gtk_string_list_append (model, g_ptr_array_index (strings, i));
  if (old_selected < old_values->len)
    for (guint i = 0; i < values->len; i++)
      if (memcmp (values->data + i * size, old_values->data + old_selected * size, size) == 0)
        selected = i;
  gtk_drop_down_set_model (dropdown, G_LIST_MODEL (model));
  gtk_drop_down_set_selected (dropdown, selected);
}

/* The classes and media to choose from, read from the project. */
static void
rebuild_choices (TfReviewView *self,
                 gboolean      reset)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GArray) predicted = g_array_new (FALSE, FALSE, sizeof (int));
  g_autoptr(GArray) labels = g_array_new (FALSE, FALSE, sizeof (int));
  g_autoptr(GArray) media = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  int any = TF_PROJECT_ANY, n;
  gint64 none = 0;

  self->updating = TRUE;
  if (reset)
    {
      g_array_set_size (self->predicted_values, 0);
      g_array_set_size (self->label_values, 0);
      g_array_set_size (self->media_values, 0);
      gtk_drop_down_set_selected (self->order, 0);
      gtk_drop_down_set_selected (self->filter, 0);
    }
  g_clear_pointer (&self->classes, g_strfreev);
  self->classes = self->project ? tf_project_get_classes (self->project) : g_new0 (char *, 1);
  n = (int) g_strv_length (self->classes);

  g_array_append_val (predicted, any);
  g_ptr_array_add (names, g_strdup (_("Any prediction")));
  for (int k = 0; k < n; k++)
    {
      g_array_append_val (predicted, k);
      /* TRANSLATORS: a choice of the review list's filter: faces the model gave this class */
      g_ptr_array_add (names, g_strdup_printf (_("Predicted: %s"), tf_class_display_name (self->classes[k])));
    }
  set_choices (self, self->predicted, names, predicted, self->predicted_values,
               gtk_drop_down_get_selected (self->predicted));
  g_array_set_size (self->predicted_values, 0);
  g_array_append_vals (self->predicted_values, predicted->data, predicted->len);

  g_ptr_array_set_size (names, 0);
  g_array_append_val (labels, any);
  g_ptr_array_add (names, g_strdup (_("Any label")));
  for (int k = 0; k < n + 2; k++)
    {
      /* the classes, then not a face and unsure */
      int value = k < n ? k : k == n ? TF_LABEL_NOT_A_FACE : TF_LABEL_UNSURE;

      g_array_append_val (labels, value);
      /* TRANSLATORS: a choice of the review list's filter: faces a person labelled so */
      g_ptr_array_add (names, g_strdup_printf (_("Label: %s"), label_display_name (self, value)));
    }
  set_choices (self, self->label, names, labels, self->label_values, gtk_drop_down_get_selected (self->label));
  g_array_set_size (self->label_values, 0);
  g_array_append_vals (self->label_values, labels->data, labels->len);

  g_ptr_array_set_size (names, 0);
  g_hash_table_remove_all (self->videos);
  g_array_append_val (media, none);
  g_ptr_array_add (names, g_strdup (_("All media")));
  if (self->project && (list = tf_project_list_media (self->project, NULL)))
    {
      /* by file name; the stored path where two share one */
      for (guint i = 0; i < list->len; i++)
        {
          TfProjectMedia *m = g_ptr_array_index (list, i);
          char *base = g_path_get_basename (m->path);

          g_hash_table_insert (seen, base, GINT_TO_POINTER (GPOINTER_TO_INT (g_hash_table_lookup (seen, base)) + 1));
        }
      for (guint i = 0; i < list->len; i++)
        {
          TfProjectMedia *m = g_ptr_array_index (list, i);
          g_autofree char *base = g_path_get_basename (m->path);

          g_array_append_val (media, m->id);
          g_ptr_array_add (names, g_strdup (GPOINTER_TO_INT (g_hash_table_lookup (seen, base)) > 1 ? m->path : base));
          if (m->kind == TF_MEDIA_VIDEO)
            g_hash_table_add (self->videos, GSIZE_TO_POINTER (m->id));
        }
    }
  set_choices (self, self->media, names, media, self->media_values, gtk_drop_down_get_selected (self->media));
  g_array_set_size (self->media_values, 0);
  g_array_append_vals (self->media_values, media->data, media->len);
  self->updating = FALSE;
}

/* ---- callbacks ------------------------------------------------------------------ */

static void
on_filter_changed_cb (GtkDropDown  *dropdown,
                      GParamSpec   *pspec,
                      TfReviewView *self)
{
  if (!self->updating)
    requery (self);
}

static void
on_reset_clicked_cb (GtkButton    *button,
                     TfReviewView *self)
{
  GtkDropDown *filters[] = { self->filter, self->predicted, self->label, self->media };

  self->updating = TRUE;
  for (guint i = 0; i < G_N_ELEMENTS (filters); i++)
    gtk_drop_down_set_selected (filters[i], 0);
  self->updating = FALSE;
  requery (self);
}

static gint64
face_at (TfReviewView *self,
         guint         position)
{
  GArray *ids = self->list->ids;

  return position < ids->len ? g_array_index (ids, gint64, position) : 0;
}

static void
on_selected_cb (GtkSingleSelection *selection,
                GParamSpec         *pspec,
                TfReviewView       *self)
{
  gint64 face = face_at (self, gtk_single_selection_get_selected (selection));

  if (self->updating || face == self->selected)
    return;
  self->selected = face;
  if (face > 0)
    g_signal_emit (self, signals[FACE_ACTIVATED], 0, face);
}

static void
on_activate_cb (GtkListView  *list_view,
                guint         position,
                TfReviewView *self)
{
  gint64 face = face_at (self, position);

  if (face > 0)
    g_signal_emit (self, signals[FACE_ACTIVATED], 0, face);
}

/* ---- overrides ------------------------------------------------------------------- */

static void
tf_review_view_dispose (GObject *object)
{
  TfReviewView *self = TF_REVIEW_VIEW (object);

  self->project = NULL;
  g_clear_handle_id (&self->load_id, g_source_remove);
  if (self->counting)
    g_cancellable_cancel (self->counting);
  g_clear_object (&self->counting);
  g_clear_pointer (&self->box, gtk_widget_unparent);
  g_clear_object (&self->selection);
  g_clear_object (&self->list);
  if (self->thumbnails)
    clear_thumbnails (self);
  G_OBJECT_CLASS (tf_review_view_parent_class)->dispose (object);
}

static void
tf_review_view_finalize (GObject *object)
{
  TfReviewView *self = TF_REVIEW_VIEW (object);

  g_strfreev (self->classes);
  g_array_unref (self->predicted_values);
  g_array_unref (self->label_values);
  g_array_unref (self->media_values);
  g_hash_table_unref (self->videos);
  g_clear_pointer (&self->labelled, g_hash_table_unref);
  g_clear_pointer (&self->only_faces, g_hash_table_unref);
  g_hash_table_unref (self->changed);
  g_hash_table_unref (self->thumbnails);
  g_ptr_array_unref (self->waiting);
  G_OBJECT_CLASS (tf_review_view_parent_class)->finalize (object);
}

static void
tf_review_view_class_init (TfReviewViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tf_review_view_dispose;
  object_class->finalize = tf_review_view_finalize;
  signals[FACE_ACTIVATED] = g_signal_new ("face-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                          NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_INT64);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "reviewview");
}

static void
ensure_css (void)
{
  static GdkDisplay *done;
  GdkDisplay *display = gdk_display_get_default ();
  g_autoptr(GtkCssProvider) provider = NULL;

  if (display == NULL || display == done)
    return;
  provider = gtk_css_provider_new ();
  gtk_css_provider_load_from_data (provider, review_css, -1);
  gtk_style_context_add_provider_for_display (display, GTK_STYLE_PROVIDER (provider),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
  done = display;
}

static void
on_choice_setup_cb (GtkSignalListItemFactory *factory,
                    GtkListItem              *list_item,
                    gpointer                  ellipsize)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  if (ellipsize)
    {
      gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_MIDDLE);
      gtk_label_set_max_width_chars (GTK_LABEL (label), 26);
    }
  gtk_list_item_set_child (list_item, label);
}

static void
on_choice_bind_cb (GtkSignalListItemFactory *factory,
                   GtkListItem              *list_item,
                   gpointer                  ellipsize)
{
  gtk_label_set_label (GTK_LABEL (gtk_list_item_get_child (list_item)),
                       gtk_string_object_get_string (gtk_list_item_get_item (list_item)));
}

/* a factory of labels, ellipsized (for the button: a long file name must
 * not widen the page) or whole (for the list it opens) */
static GtkListItemFactory *
choice_factory (gboolean ellipsize)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();

  g_signal_connect (factory, "setup", G_CALLBACK (on_choice_setup_cb), GINT_TO_POINTER (ellipsize));
  g_signal_connect (factory, "bind", G_CALLBACK (on_choice_bind_cb), GINT_TO_POINTER (ellipsize));
  return factory;
}

static GtkDropDown *
add_dropdown (TfReviewView *self,
              GtkWidget    *box,
              const char   *name,
              const char   *tooltip,
              const char   *const *strings)
{
  GtkDropDown *dropdown = GTK_DROP_DOWN (gtk_drop_down_new_from_strings (strings));
  g_autoptr(GtkListItemFactory) button = choice_factory (TRUE);
  g_autoptr(GtkListItemFactory) list = choice_factory (FALSE);

  gtk_drop_down_set_factory (dropdown, button);
  gtk_drop_down_set_list_factory (dropdown, list);
  gtk_widget_set_name (GTK_WIDGET (dropdown), name);
  gtk_widget_set_tooltip_text (GTK_WIDGET (dropdown), tooltip);
  gtk_accessible_update_property (GTK_ACCESSIBLE (dropdown), GTK_ACCESSIBLE_PROPERTY_LABEL, tooltip, -1);
  g_signal_connect (dropdown, "notify::selected", G_CALLBACK (on_filter_changed_cb), self);
  gtk_flow_box_append (GTK_FLOW_BOX (box), GTK_WIDGET (dropdown));
  gtk_widget_set_focusable (gtk_widget_get_parent (GTK_WIDGET (dropdown)), FALSE);
  return dropdown;
}

static void
tf_review_view_init (TfReviewView *self)
{
  /* TRANSLATORS: an order of the review list: faces whose annotators' votes split most first */
  const char *const orders[] = { _("Smallest margin first"), _("Highest entropy first"),
                                 _("Most disagreement first"), NULL };
  const char *const filters[] = { _("All faces"), _("Unlabelled"), _("Labelled"), _("Disagreeing with the model"),
                                  NULL };
  const char *const empty[] = { "", NULL };
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
  GtkWidget *controls = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
  GtkWidget *flow = gtk_flow_box_new ();
  GtkWidget *status;

  ensure_css ();
  self->predicted_values = g_array_new (FALSE, FALSE, sizeof (int));
  self->label_values = g_array_new (FALSE, FALSE, sizeof (int));
  self->media_values = g_array_new (FALSE, FALSE, sizeof (gint64));
  self->videos = g_hash_table_new (NULL, NULL);
  self->labelled = g_hash_table_new (NULL, NULL);
  self->changed = g_hash_table_new (NULL, NULL);
  self->thumbnails = g_hash_table_new (g_int64_hash, g_int64_equal);
  g_queue_init (&self->thumbnail_order);
  self->waiting = g_ptr_array_new ();

  self->box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  gtk_widget_set_parent (self->box, GTK_WIDGET (self));

  /* the filters, wrapped when the page is narrow */
  gtk_flow_box_set_selection_mode (GTK_FLOW_BOX (flow), GTK_SELECTION_NONE);
  gtk_flow_box_set_max_children_per_line (GTK_FLOW_BOX (flow), 5);
  gtk_flow_box_set_column_spacing (GTK_FLOW_BOX (flow), 6);
  gtk_flow_box_set_row_spacing (GTK_FLOW_BOX (flow), 6);
  self->order = add_dropdown (self, flow, "order", _("Order"), orders);
  self->filter = add_dropdown (self, flow, "filter", _("Which faces"), filters);
  self->predicted = add_dropdown (self, flow, "predicted", _("Predicted class"), empty);
  self->label = add_dropdown (self, flow, "label", _("Label"), empty);
  self->media = add_dropdown (self, flow, "media", _("Picture or video"), empty);
  gtk_drop_down_set_expression (self->media, gtk_property_expression_new (GTK_TYPE_STRING_OBJECT, NULL, "string"));
  gtk_drop_down_set_enable_search (self->media, TRUE);
  self->count = GTK_LABEL (gtk_label_new (NULL));
  gtk_widget_set_name (GTK_WIDGET (self->count), "count");
  gtk_label_set_xalign (self->count, 0);
  gtk_widget_add_css_class (GTK_WIDGET (self->count), "dim-label");
  gtk_widget_add_css_class (GTK_WIDGET (self->count), "numeric");
  gtk_box_append (GTK_BOX (controls), flow);
  gtk_box_append (GTK_BOX (controls), GTK_WIDGET (self->count));
  gtk_widget_add_css_class (controls, "controls");
  gtk_box_append (GTK_BOX (self->box), controls);
  gtk_box_append (GTK_BOX (self->box), gtk_separator_new (GTK_ORIENTATION_HORIZONTAL));

  /* the list */
  self->list = g_object_new (TF_TYPE_REVIEW_LIST, NULL);
  self->selection = gtk_single_selection_new (G_LIST_MODEL (g_object_ref (self->list)));
  gtk_single_selection_set_autoselect (self->selection, FALSE);
  gtk_single_selection_set_can_unselect (self->selection, TRUE);
  g_signal_connect (self->selection, "notify::selected", G_CALLBACK (on_selected_cb), self);
  g_signal_connect (factory, "setup", G_CALLBACK (on_setup_cb), self);
  g_signal_connect (factory, "bind", G_CALLBACK (on_bind_cb), self);
  g_signal_connect (factory, "unbind", G_CALLBACK (on_unbind_cb), self);
  self->list_view = GTK_LIST_VIEW (gtk_list_view_new (GTK_SELECTION_MODEL (g_object_ref (self->selection)),
                                                      factory));
  gtk_widget_set_name (GTK_WIDGET (self->list_view), "faces");
  gtk_list_view_set_show_separators (self->list_view, TRUE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->list_view), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Faces to review"), -1);
  g_signal_connect (self->list_view, "activate", G_CALLBACK (on_activate_cb), self);
  self->scroller = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (self->scroller), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (self->scroller), GTK_WIDGET (self->list_view));

  /* nothing to list */
  status = adw_status_page_new ();
  self->empty = ADW_STATUS_PAGE (status);
  self->reset = gtk_button_new_with_mnemonic (_("_Show All Faces"));
  gtk_widget_set_halign (self->reset, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (self->reset, "pill");
  g_signal_connect (self->reset, "clicked", G_CALLBACK (on_reset_clicked_cb), self);
  adw_status_page_set_child (self->empty, self->reset);

  self->stack = GTK_STACK (gtk_stack_new ());
  gtk_stack_add_named (self->stack, self->scroller, "list");
  gtk_stack_add_named (self->stack, status, "empty");
  gtk_widget_set_vexpand (GTK_WIDGET (self->stack), TRUE);
  gtk_box_append (GTK_BOX (self->box), GTK_WIDGET (self->stack));

  gtk_widget_set_hexpand (GTK_WIDGET (self), TRUE);
  gtk_widget_set_vexpand (GTK_WIDGET (self), TRUE);
  rebuild_choices (self, TRUE);
  update_count (self);
  update_page (self, NULL);
}

/* ---- public API ---------------------------------------------------------------------- */

GtkWidget *
tf_review_view_new (void)
{
  return g_object_new (TF_TYPE_REVIEW_VIEW, NULL);
}

void
tf_review_view_set_project (TfReviewView *self,
                            TfProject    *project)
{
  g_return_if_fail (TF_IS_REVIEW_VIEW (self));

  if (project != self->project)
    {
      self->project = project;
      self->selected = 0;
      clear_thumbnails (self);
      rebuild_choices (self, TRUE);
    }
  else
    rebuild_choices (self, FALSE);
  requery (self);
}

TfProject *
tf_review_view_get_project (TfReviewView *self)
{
  g_return_val_if_fail (TF_IS_REVIEW_VIEW (self), NULL);
  return self->project;
}

void
tf_review_view_refresh (TfReviewView *self)
{
  g_return_if_fail (TF_IS_REVIEW_VIEW (self));

  rebuild_choices (self, FALSE);
  requery (self);
}

void
tf_review_view_face_changed (TfReviewView *self,
                             gint64        face)
{
  TfReviewItem *item;

  g_return_if_fail (TF_IS_REVIEW_VIEW (self));

  if (self->project == NULL || review_list_find (self->list, face) == GTK_INVALID_LIST_POSITION)
    return;
  if (self->labelled)
    recount_face (self, face);
  else
    g_hash_table_add (self->changed, GSIZE_TO_POINTER (face));
  if ((item = g_hash_table_lookup (self->list->live, &face)))
    {
      item_load (self, item);
      g_signal_emit (item, item_signals[ITEM_CHANGED], 0);
    }
  update_count (self);
}

gint64
tf_review_view_get_selected (TfReviewView *self)
{
  g_return_val_if_fail (TF_IS_REVIEW_VIEW (self), 0);
  return self->selected;
}

gboolean
tf_review_view_select_face (TfReviewView *self,
                            gint64        face)
{
  guint position;

  g_return_val_if_fail (TF_IS_REVIEW_VIEW (self), FALSE);

  if ((position = review_list_find (self->list, face)) == GTK_INVALID_LIST_POSITION)
    return FALSE;
  gtk_single_selection_set_selected (self->selection, position);
  scroll_to (self, position);
  return TRUE;
}

gint64
tf_review_view_select_next (TfReviewView *self)
{
  guint position;

  g_return_val_if_fail (TF_IS_REVIEW_VIEW (self), 0);

  position = gtk_single_selection_get_selected (self->selection);
  position = position == GTK_INVALID_LIST_POSITION ? 0 : position + 1;
  if (position >= self->list->ids->len)
    return 0;
  gtk_single_selection_set_selected (self->selection, position);
  scroll_to (self, position);
  return face_at (self, position);
}

GListModel *
tf_review_view_get_model (TfReviewView *self)
{
  g_return_val_if_fail (TF_IS_REVIEW_VIEW (self), NULL);
  return G_LIST_MODEL (self->list);
}

guint
tf_review_view_get_n_loading (TfReviewView *self)
{
  guint n = 0;

  g_return_val_if_fail (TF_IS_REVIEW_VIEW (self), 0);
  for (guint i = 0; i < self->waiting->len; i++)
    n += row_on_screen (self, g_ptr_array_index (self->waiting, i));
  return n;
}

guint
tf_review_view_get_n_items_made (TfReviewView *self)
{
  g_return_val_if_fail (TF_IS_REVIEW_VIEW (self), 0);
  return g_hash_table_size (self->list->live);
}

void
tf_review_view_set_only_faces (TfReviewView *self,
                               GHashTable   *faces)
{
  g_return_if_fail (TF_IS_REVIEW_VIEW (self));

  if (faces)
    g_hash_table_ref (faces);
  g_clear_pointer (&self->only_faces, g_hash_table_unref);
  self->only_faces = faces;
  requery (self);
}
