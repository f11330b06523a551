/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gi18n.h>
#include <string.h>

#include "tf-compare-panel.h"
#include "tf-folder-view.h"
#include "tf-media.h"
#include "tf-photo-view.h"

#define THUMBNAIL_SIZE 256
/* thumbnails made at once: the analysis has the cores */
#define MAX_THUMBNAILERS 2

/* ---- TfFolderItem ---------------------------------------------------------- */

struct _TfFolderItem
{
  GObject     parent_instance;

  char       *file;
  char       *summary;
  char       *error;
  GPtrArray  *faces;       /* TfFaceProbe */
  GdkTexture *thumbnail;
  gboolean    failed;      /* no thumbnail could be made */
  gboolean    requested;   /* a thumbnail is on its way */
  gboolean    done;        /* the analysis of the file ended */
  gboolean    is_video;
  guint       n_labelled;  /* faces with a label */
  guint       n_disagreeing;
};

G_DEFINE_FINAL_TYPE (TfFolderItem, tf_folder_item, G_TYPE_OBJECT)

enum
{
  ITEM_PROP_0,
  ITEM_PROP_SUMMARY,
  ITEM_PROP_THUMBNAIL,
  ITEM_PROP_FAILED,
  ITEM_PROP_N_LABELLED,
  ITEM_PROP_N_DISAGREEING,
  ITEM_N_PROPS
};

static GParamSpec *item_props[ITEM_N_PROPS];

static void
tf_folder_item_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  TfFolderItem *self = TF_FOLDER_ITEM (object);

  switch (prop_id)
    {
    case ITEM_PROP_SUMMARY:
      g_value_set_string (value, self->summary);
      break;
    case ITEM_PROP_THUMBNAIL:
      g_value_set_object (value, self->thumbnail);
      break;
    case ITEM_PROP_FAILED:
      g_value_set_boolean (value, self->failed);
      break;
    case ITEM_PROP_N_LABELLED:
      g_value_set_uint (value, self->n_labelled);
      break;
    case ITEM_PROP_N_DISAGREEING:
      g_value_set_uint (value, self->n_disagreeing);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tf_folder_item_finalize (GObject *object)
{
  TfFolderItem *self = TF_FOLDER_ITEM (object);

  g_free (self->file);
  g_free (self->summary);
  g_free (self->error);
  g_ptr_array_unref (self->faces);
  g_clear_object (&self->thumbnail);
  G_OBJECT_CLASS (tf_folder_item_parent_class)->finalize (object);
}

static void
tf_folder_item_class_init (TfFolderItemClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = tf_folder_item_get_property;
  object_class->finalize = tf_folder_item_finalize;
  item_props[ITEM_PROP_SUMMARY] = g_param_spec_string ("summary", NULL, NULL, NULL,
                                                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  item_props[ITEM_PROP_THUMBNAIL] = g_param_spec_object ("thumbnail", NULL, NULL, GDK_TYPE_TEXTURE,
                                                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  item_props[ITEM_PROP_FAILED] = g_param_spec_boolean ("failed", NULL, NULL, FALSE,
                                                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  item_props[ITEM_PROP_N_LABELLED] = g_param_spec_uint ("n-labelled", NULL, NULL, 0, G_MAXUINT, 0,
                                                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  item_props[ITEM_PROP_N_DISAGREEING] = g_param_spec_uint ("n-disagreeing", NULL, NULL, 0, G_MAXUINT, 0,
                                                           G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, ITEM_N_PROPS, item_props);
}

static void
tf_folder_item_init (TfFolderItem *self)
{
  self->faces = g_ptr_array_new_with_free_func ((GDestroyNotify) tf_face_probe_unref);
}

static TfFolderItem *
tf_folder_item_new (const char *file)
{
  TfFolderItem *self = g_object_new (TF_TYPE_FOLDER_ITEM, NULL);

  self->file = g_strdup (file);
  self->is_video = tf_is_video_file (file);
  self->summary = g_strdup (_("Analysing…"));
  return self;
}

static void
item_update_summary (TfFolderItem *self)
{
  g_autoptr(GString) s = g_string_new (NULL);

  if (self->error)
    g_string_append (s, self->error);
  else if (self->is_video && self->faces->len > 0)
    g_string_append_printf (s, g_dngettext (GETTEXT_PACKAGE, "Video, %u face analysed",
                                            "Video, %u faces analysed", self->faces->len),
                            self->faces->len);
  else if (self->faces->len == 0)
    g_string_append (s, self->done ? _("No face found") : _("Analysing…"));
  else
    for (guint i = 0; i < self->faces->len; i++)
      {
        TfFaceProbe *p = g_ptr_array_index (self->faces, i);
        if (i == 3)
          {
            /* TRANSLATORS: after three faces' expressions, how many more there are */
            g_string_append_printf (s, _(", %u more"), self->faces->len - 3);
            break;
          }
        if (i > 0)
          g_string_append (s, ", ");
        if (p->probs && p->class_names && p->predicted >= 0 && p->predicted < p->classes)
          g_string_append_printf (s, _("%s %.0f %%"), tf_class_display_name (p->class_names[p->predicted]),
                                  100.0 * p->probs[p->predicted]);
        else
          g_string_append (s, _("Face"));
      }
  if (g_strcmp0 (s->str, self->summary) != 0)
    {
      g_free (self->summary);
      self->summary = g_string_free (g_steal_pointer (&s), FALSE);
      g_object_notify_by_pspec (G_OBJECT (self), item_props[ITEM_PROP_SUMMARY]);
    }
}

/* Counts a face's label in (@sign 1) or out (-1) of its item's. */
static void
item_count_label (TfFolderItem *self,
                  TfLabelState  state,
                  int           sign)
{
  if (state != TF_LABEL_STATE_NONE)
    {
      self->n_labelled = sign > 0 ? self->n_labelled + 1 : self->n_labelled - 1;
      g_object_notify_by_pspec (G_OBJECT (self), item_props[ITEM_PROP_N_LABELLED]);
    }
  if (state == TF_LABEL_STATE_DISAGREES)
    {
      self->n_disagreeing = sign > 0 ? self->n_disagreeing + 1 : self->n_disagreeing - 1;
      g_object_notify_by_pspec (G_OBJECT (self), item_props[ITEM_PROP_N_DISAGREEING]);
    }
}

/* "2/3 labelled", or NULL when none is */
static char *
item_labels_text (TfFolderItem *self)
{
  if (self->n_labelled == 0)
    return NULL;
  /* TRANSLATORS: how many of a file's faces are labelled, of how many */
  return g_strdup_printf (_("%u/%u labelled"), self->n_labelled, self->faces->len);
}

static char *
item_disagreeing_text (TfFolderItem *self)
{
  return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u label disagrees with the model",
                                       "%u labels disagree with the model", self->n_disagreeing),
                          self->n_disagreeing);
}


const char *
tf_folder_item_get_file (TfFolderItem *self)
{
  g_return_val_if_fail (TF_IS_FOLDER_ITEM (self), NULL);
  return self->file;
}

const char *
tf_folder_item_get_summary (TfFolderItem *self)
{
  g_return_val_if_fail (TF_IS_FOLDER_ITEM (self), NULL);
  return self->summary;
}

guint
tf_folder_item_get_n_faces (TfFolderItem *self)
{
  g_return_val_if_fail (TF_IS_FOLDER_ITEM (self), 0);
  return self->faces->len;
}

TfFaceProbe *
tf_folder_item_get_face (TfFolderItem *self,
                         guint         index)
{
  g_return_val_if_fail (TF_IS_FOLDER_ITEM (self), NULL);
  g_return_val_if_fail (index < self->faces->len, NULL);
  return g_ptr_array_index (self->faces, index);
}

TfFaceProbe *
tf_folder_item_get_main_face (TfFolderItem *self)
{
  int index;

  g_return_val_if_fail (TF_IS_FOLDER_ITEM (self), NULL);

  /* the picture's size is not known here: the centre is the faces' */
  index = tf_face_probes_main (self->faces, 0, 0);
  return index >= 0 ? g_ptr_array_index (self->faces, index) : NULL;
}

GdkTexture *
tf_folder_item_get_thumbnail (TfFolderItem *self)
{
  g_return_val_if_fail (TF_IS_FOLDER_ITEM (self), NULL);
  return self->thumbnail;
}

const char *
tf_folder_item_get_error (TfFolderItem *self)
{
  g_return_val_if_fail (TF_IS_FOLDER_ITEM (self), NULL);
  return self->error;
}

gboolean
tf_folder_item_get_is_video (TfFolderItem *self)
{
  g_return_val_if_fail (TF_IS_FOLDER_ITEM (self), FALSE);
  return self->is_video;
}

gboolean
tf_folder_item_get_done (TfFolderItem *self)
{
  g_return_val_if_fail (TF_IS_FOLDER_ITEM (self), FALSE);
  return self->done;
}

guint
tf_folder_item_get_n_labelled (TfFolderItem *self)
{
  g_return_val_if_fail (TF_IS_FOLDER_ITEM (self), 0);
  return self->n_labelled;
}

guint
tf_folder_item_get_n_disagreeing (TfFolderItem *self)
{
  g_return_val_if_fail (TF_IS_FOLDER_ITEM (self), 0);
  return self->n_disagreeing;
}

/* ---- TfFolderView ---------------------------------------------------------- */

struct _TfFolderView
{
  GtkWidget     parent_instance;

  GtkWidget    *scroller;
  GtkGridView  *grid;
  GListStore   *store;         /* TfFolderItem */
  GtkFilterListModel *shown;   /* the store, or its items a second model disagrees on */
  GtkCustomFilter *disagreeing;
  gboolean      only_disagreeing;
  GtkSingleSelection *selection;
  guint         focus_tick;    /* putting the focus on a thumbnail, once it is laid out */
  guint         focus_tries;
  GHashTable   *items;         /* file -> TfFolderItem (the store's) */
  GQueue        pending;       /* TfFolderItem waiting for a thumbnail (refs) */
  guint         running;       /* thumbnailers at work */
  guint         n_thumbnails;
  GCancellable *cancellable;   /* the thumbnails of the current items */
  TfLabelMap   *label_map;
  gulong        label_map_changed;
  /* face id -> FaceEntry: a label's change finds its item without a walk
   * over thousands of them */
  GHashTable   *face_entries;
};

/* a face of an item with a project id, and how its label was counted */
typedef struct
{
  gint64        face_id;       /* the key */
  TfFolderItem *item;          /* the store's */
  TfFaceProbe  *probe;         /* the item's */
  TfLabelState  state;
} FaceEntry;

G_DEFINE_FINAL_TYPE (TfFolderView, tf_folder_view, GTK_TYPE_WIDGET)

enum
{
  ITEM_ACTIVATED,
  ITEM_SELECTED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void start_thumbnailers (TfFolderView *self);

static const char badge_css[] =
  "folderview .tf-badge { border-radius: 999px; padding: 2px 8px; }\n"
  "folderview .tf-badge-warning { background-color: @warning_bg_color; color: @warning_fg_color; }\n";

/* ---- thumbnails (in worker threads) ---------------------------------------- */

static GdkPixbuf *
first_frame_pixbuf (const char  *path,
                    GError     **error)
{
  g_autoptr(TfMedia) media = tf_media_open (path, NULL, error);
  g_autoptr(TfFrame) frame = NULL;
  g_autoptr(GdkPixbuf) full = NULL;
  double s;

  if (media == NULL)
    return NULL;
  frame = tf_media_next (media, error);
  if (frame == NULL)
    {
      if (error && *error == NULL)
        g_set_error (error, TF_MEDIA_ERROR, TF_MEDIA_ERROR_DECODE, _("%s has no picture"), path);
      return NULL;
    }
  full = gdk_pixbuf_new_from_data (frame->rgb, GDK_COLORSPACE_RGB, FALSE, 8,
                                   frame->width, frame->height, frame->stride, NULL, NULL);
  s = MIN (1.0, (double) THUMBNAIL_SIZE / MAX (frame->width, frame->height));
  /* a copy that outlives the frame */
  return gdk_pixbuf_scale_simple (full, MAX (1, (int) (frame->width * s)),
                                  MAX (1, (int) (frame->height * s)), GDK_INTERP_BILINEAR);
}

static void
thumbnail_thread (GTask        *task,
                  gpointer      source_object,
                  gpointer      task_data,
                  GCancellable *cancellable)
{
  TfFolderItem *item = task_data;
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  g_autoptr(GError) error = NULL;

  if (!item->is_video)
    {
      g_autoptr(GdkPixbuf) loaded = gdk_pixbuf_new_from_file_at_scale (item->file, THUMBNAIL_SIZE,
                                                                       THUMBNAIL_SIZE, TRUE, NULL);
      if (loaded)
        pixbuf = gdk_pixbuf_apply_embedded_orientation (loaded);
    }
  if (pixbuf == NULL && !g_cancellable_is_cancelled (cancellable))
    pixbuf = first_frame_pixbuf (item->file, &error);
  if (pixbuf == NULL)
    {
      if (error == NULL)
        g_set_error_literal (&error, G_IO_ERROR, G_IO_ERROR_CANCELLED, "cancelled");
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_task_return_pointer (task, gdk_texture_new_for_pixbuf (pixbuf), g_object_unref);
}

static void
on_thumbnail_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(TfFolderView) self = user_data;
  TfFolderItem *item = g_task_get_task_data (G_TASK (result));
  g_autoptr(GdkTexture) texture = g_task_propagate_pointer (G_TASK (result), NULL);

  self->running--;
  if (g_cancellable_is_cancelled (g_task_get_cancellable (G_TASK (result))))
    ; /* the item was cleared away */
  else if (texture)
    {
      g_set_object (&item->thumbnail, texture);
      self->n_thumbnails++;
      g_object_notify_by_pspec (G_OBJECT (item), item_props[ITEM_PROP_THUMBNAIL]);
    }
  else
    {
      item->failed = TRUE;
      g_object_notify_by_pspec (G_OBJECT (item), item_props[ITEM_PROP_FAILED]);
    }
  start_thumbnailers (self);
}

static void
start_thumbnailers (TfFolderView *self)
{
  while (self->running < MAX_THUMBNAILERS && !g_queue_is_empty (&self->pending))
    {
      TfFolderItem *item = g_queue_pop_head (&self->pending);
      g_autoptr(GTask) task = g_task_new (NULL, self->cancellable, on_thumbnail_cb, g_object_ref (self));

      g_task_set_source_tag (task, start_thumbnailers);
      g_task_set_task_data (task, item, g_object_unref);
      self->running++;
      g_task_run_in_thread (task, thumbnail_thread);
    }
}

static void
request_thumbnail (TfFolderView *self,
                   TfFolderItem *item)
{
  if (item->requested)
    return;
  item->requested = TRUE;
  g_queue_push_tail (&self->pending, g_object_ref (item));
  start_thumbnailers (self);
}

/* ---- labels ------------------------------------------------------------------ */

/* Recounts one face's label in its item when it changed. */
static void
entry_update (TfFolderView *self,
              FaceEntry    *entry)
{
  TfFaceProbe *p = entry->probe;
  TfLabelState state = self->label_map ? tf_label_map_get_state (self->label_map, p)
                                       : TF_LABEL_STATE_NONE;

  /* a face drawn by hand has no prediction yet: nothing to disagree with */
  if (state == TF_LABEL_STATE_DISAGREES
      && (p->class_names == NULL || p->predicted < 0 || p->predicted >= p->classes))
    state = TF_LABEL_STATE_OTHER;
  if (state == entry->state)
    return;
  item_count_label (entry->item, entry->state, -1);
  item_count_label (entry->item, state, 1);
  entry->state = state;
}

static void
entry_add (TfFolderView *self,
           TfFolderItem *item,
           TfFaceProbe  *probe)
{
  FaceEntry *entry;

  /* a face id is one face: a second probe with it is counted once */
  if (probe->face_id == 0 || g_hash_table_contains (self->face_entries, &probe->face_id))
    return;
  entry = g_new0 (FaceEntry, 1);
  entry->face_id = probe->face_id;
  entry->item = item;
  entry->probe = probe;
  entry->state = TF_LABEL_STATE_NONE;
  g_hash_table_insert (self->face_entries, &entry->face_id, entry);
  entry_update (self, entry);
}

static void
entry_remove (TfFolderView *self,
              TfFaceProbe  *probe)
{
  FaceEntry *entry = g_hash_table_lookup (self->face_entries, &probe->face_id);

  if (entry == NULL || entry->probe != probe)
    return;
  item_count_label (entry->item, entry->state, -1);
  g_hash_table_remove (self->face_entries, &probe->face_id);
}

static void
on_label_map_changed_cb (TfLabelMap   *map,
                         gint64        face_id,
                         TfFolderView *self)
{
  FaceEntry *entry;

  if (face_id == 0)
    {
      GHashTableIter iter;

      g_hash_table_iter_init (&iter, self->face_entries);
      while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &entry))
        entry_update (self, entry);
      return;
    }
  entry = g_hash_table_lookup (self->face_entries, &face_id);
  if (entry)
    entry_update (self, entry);
}

/* ---- the grid's cells ------------------------------------------------------- */

static void
card_update_labels (GtkWidget    *box,
                    TfFolderItem *item)
{
  GtkWidget *labels = g_object_get_data (G_OBJECT (box), "labels");
  GtkWidget *disagree = g_object_get_data (G_OBJECT (box), "disagree");
  GtkWidget *labels_badge = gtk_widget_get_parent (labels);
  GtkWidget *disagree_badge = gtk_widget_get_parent (disagree);
  g_autofree char *count = g_strdup_printf ("%u", item->n_disagreeing);
  g_autofree char *text = item_labels_text (item);
  g_autofree char *warning = item->n_disagreeing ? item_disagreeing_text (item) : NULL;
  g_autofree char *description = g_strjoin (", ", item->summary, text ? text : warning, text ? warning : NULL, NULL);

  gtk_label_set_label (GTK_LABEL (labels), text ? text : "");
  gtk_widget_set_visible (labels_badge, text != NULL);
  /* every face done: a check before the count */
  gtk_widget_set_visible (gtk_widget_get_first_child (labels_badge),
                          item->n_labelled > 0 && item->n_labelled == item->faces->len);
  gtk_label_set_label (GTK_LABEL (disagree), count);
  gtk_widget_set_visible (disagree_badge, warning != NULL);
  gtk_widget_set_tooltip_text (disagree_badge, warning);
  gtk_accessible_update_property (GTK_ACCESSIBLE (box),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, description,
                                  -1);
}

static void
on_item_labels_cb (TfFolderItem *item,
                   GParamSpec   *pspec,
                   GtkWidget    *box)
{
  card_update_labels (box, item);
}

static void
on_setup_cb (GtkSignalListItemFactory *factory,
             GtkListItem              *list_item,
             TfFolderView             *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
  GtkWidget *frame = gtk_overlay_new ();
  GtkWidget *picture = gtk_picture_new ();
  GtkWidget *missing = gtk_image_new_from_icon_name ("image-missing-symbolic");
  GtkWidget *video = gtk_image_new_from_icon_name ("video-x-generic-symbolic");
  GtkWidget *labels_badge = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 4);
  GtkWidget *labels = gtk_label_new (NULL);
  GtkWidget *disagree_badge = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 3);
  GtkWidget *disagree = gtk_label_new (NULL);
  GtkWidget *name = gtk_label_new (NULL);
  GtkWidget *summary = gtk_label_new (NULL);

  gtk_widget_set_size_request (frame, 160, 120);
  gtk_picture_set_can_shrink (GTK_PICTURE (picture), TRUE);
  gtk_picture_set_content_fit (GTK_PICTURE (picture), GTK_CONTENT_FIT_CONTAIN);
  gtk_overlay_set_child (GTK_OVERLAY (frame), picture);
  gtk_image_set_pixel_size (GTK_IMAGE (missing), 48);
  gtk_widget_add_css_class (missing, "dim-label");
  gtk_overlay_add_overlay (GTK_OVERLAY (frame), missing);
  gtk_widget_set_halign (video, GTK_ALIGN_END);
  gtk_widget_set_valign (video, GTK_ALIGN_END);
  gtk_widget_set_margin_end (video, 6);
  gtk_widget_set_margin_bottom (video, 6);
  gtk_widget_add_css_class (video, "osd");
  gtk_overlay_add_overlay (GTK_OVERLAY (frame), video);
  /* the labels: a count at the top left, a warning at the top right */
  gtk_box_append (GTK_BOX (labels_badge), gtk_image_new_from_icon_name ("object-select-symbolic"));
  gtk_box_append (GTK_BOX (labels_badge), labels);
  gtk_widget_set_halign (labels_badge, GTK_ALIGN_START);
  gtk_widget_set_valign (labels_badge, GTK_ALIGN_START);
  gtk_widget_set_margin_start (labels_badge, 6);
  gtk_widget_set_margin_top (labels_badge, 6);
  gtk_widget_add_css_class (labels_badge, "osd");
  gtk_widget_add_css_class (labels_badge, "tf-badge");
  gtk_widget_add_css_class (labels, "caption-heading");
  gtk_widget_add_css_class (labels, "numeric");
  gtk_widget_set_visible (labels_badge, FALSE);
  gtk_overlay_add_overlay (GTK_OVERLAY (frame), labels_badge);
  gtk_box_append (GTK_BOX (disagree_badge), gtk_image_new_from_icon_name ("dialog-warning-symbolic"));
  gtk_box_append (GTK_BOX (disagree_badge), disagree);
  gtk_widget_set_halign (disagree_badge, GTK_ALIGN_END);
  gtk_widget_set_valign (disagree_badge, GTK_ALIGN_START);
  gtk_widget_set_margin_end (disagree_badge, 6);
  gtk_widget_set_margin_top (disagree_badge, 6);
  gtk_widget_add_css_class (disagree_badge, "tf-badge");
  gtk_widget_add_css_class (disagree_badge, "tf-badge-warning");
  gtk_widget_add_css_class (disagree, "caption-heading");
  gtk_widget_add_css_class (disagree, "numeric");
  gtk_widget_set_visible (disagree_badge, FALSE);
  gtk_overlay_add_overlay (GTK_OVERLAY (frame), disagree_badge);

  gtk_label_set_ellipsize (GTK_LABEL (name), PANGO_ELLIPSIZE_MIDDLE);
  gtk_label_set_max_width_chars (GTK_LABEL (name), 18);
  gtk_label_set_width_chars (GTK_LABEL (name), 12);
  gtk_label_set_ellipsize (GTK_LABEL (summary), PANGO_ELLIPSIZE_END);
  gtk_label_set_max_width_chars (GTK_LABEL (summary), 18);
  gtk_label_set_width_chars (GTK_LABEL (summary), 12);
  gtk_widget_add_css_class (summary, "caption");
  gtk_widget_add_css_class (summary, "dim-label");

  gtk_box_append (GTK_BOX (box), frame);
  gtk_box_append (GTK_BOX (box), name);
  gtk_box_append (GTK_BOX (box), summary);
  gtk_widget_set_margin_start (box, 6);
  gtk_widget_set_margin_end (box, 6);
  gtk_widget_set_margin_top (box, 6);
  gtk_widget_set_margin_bottom (box, 6);
  g_object_set_data (G_OBJECT (box), "picture", picture);
  g_object_set_data (G_OBJECT (box), "missing", missing);
  g_object_set_data (G_OBJECT (box), "video", video);
  g_object_set_data (G_OBJECT (box), "name", name);
  g_object_set_data (G_OBJECT (box), "summary", summary);
  g_object_set_data (G_OBJECT (box), "labels", labels);
  g_object_set_data (G_OBJECT (box), "disagree", disagree);
  g_object_set_data (G_OBJECT (box), "list-item", list_item);
  gtk_list_item_set_child (list_item, box);
}

static void
on_bind_cb (GtkSignalListItemFactory *factory,
            GtkListItem              *list_item,
            TfFolderView             *self)
{
  GtkWidget *box = gtk_list_item_get_child (list_item);
  TfFolderItem *item = gtk_list_item_get_item (list_item);
  g_autofree char *name = g_filename_display_basename (item->file);
  GBinding *bindings[3];

  gtk_label_set_label (g_object_get_data (G_OBJECT (box), "name"), name);
  gtk_widget_set_tooltip_text (box, item->file);
  gtk_widget_set_visible (g_object_get_data (G_OBJECT (box), "video"), item->is_video);
  bindings[0] = g_object_bind_property (item, "thumbnail", g_object_get_data (G_OBJECT (box), "picture"),
                                        "paintable", G_BINDING_SYNC_CREATE);
  bindings[1] = g_object_bind_property (item, "failed", g_object_get_data (G_OBJECT (box), "missing"),
                                        "visible", G_BINDING_SYNC_CREATE);
  bindings[2] = g_object_bind_property (item, "summary", g_object_get_data (G_OBJECT (box), "summary"),
                                        "label", G_BINDING_SYNC_CREATE);
  for (guint i = 0; i < G_N_ELEMENTS (bindings); i++)
    g_object_set_data (G_OBJECT (box), i == 0 ? "b0" : i == 1 ? "b1" : "b2", bindings[i]);
  gtk_accessible_update_property (GTK_ACCESSIBLE (box),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, name,
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, item->summary,
                                  -1);
  card_update_labels (box, item);
  g_signal_connect_object (item, "notify::n-labelled", G_CALLBACK (on_item_labels_cb), box, 0);
  g_signal_connect_object (item, "notify::n-disagreeing", G_CALLBACK (on_item_labels_cb), box, 0);
  request_thumbnail (self, item);
}

static void
on_unbind_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *list_item,
              TfFolderView             *self)
{
  GtkWidget *box = gtk_list_item_get_child (list_item);
  TfFolderItem *item = gtk_list_item_get_item (list_item);
  const char *keys[] = { "b0", "b1", "b2" };

  if (item)
    g_signal_handlers_disconnect_by_func (item, on_item_labels_cb, box);
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      GBinding *binding = g_object_get_data (G_OBJECT (box), keys[i]);
      if (binding)
        g_binding_unbind (binding);
      g_object_set_data (G_OBJECT (box), keys[i], NULL);
    }
}

/* The position of @item among the items shown (the filter may hide it). */
static gboolean
find_shown (TfFolderView *self,
            TfFolderItem *item,
            guint        *position)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->shown));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(TfFolderItem) other = g_list_model_get_item (G_LIST_MODEL (self->shown), i);
      if (other == item)
        {
          *position = i;
          return TRUE;
        }
    }
  return FALSE;
}

/* an item with a face the compared model reads otherwise */
static gboolean
item_disagrees (gpointer object,
                gpointer user_data)
{
  TfFolderItem *item = object;

  for (guint i = 0; i < item->faces->len; i++)
    if (tf_face_probe_disagrees (g_ptr_array_index (item->faces, i)))
      return TRUE;
  return FALSE;
}

static void
on_activate_cb (GtkGridView  *grid,
                guint         position,
                TfFolderView *self)
{
  g_autoptr(TfFolderItem) item = g_list_model_get_item (G_LIST_MODEL (self->shown), position);

  if (item)
    g_signal_emit (self, signals[ITEM_ACTIVATED], 0, item->file);
}

static void
on_selected_cb (GtkSingleSelection *selection,
                GParamSpec         *pspec,
                TfFolderView       *self)
{
  g_signal_emit (self, signals[ITEM_SELECTED], 0, gtk_single_selection_get_selected_item (selection));
}

/* the selected item's faces changed: its main face may be another */
static void
item_faces_changed (TfFolderView *self,
                    TfFolderItem *item)
{
  if (item == gtk_single_selection_get_selected_item (self->selection))
    g_signal_emit (self, signals[ITEM_SELECTED], 0, item);
}

/* the card of the item at @position, when it has one (it is near what is
 * shown) */
static GtkWidget *
find_card (GtkWidget *widget,
           guint      position)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child; child = gtk_widget_get_next_sibling (child))
    {
      GtkListItem *list_item = g_object_get_data (G_OBJECT (child), "list-item");
      GtkWidget *found;

      if (list_item && gtk_list_item_get_item (list_item) && gtk_list_item_get_position (list_item) == position)
        return child;
      if ((found = find_card (child, position)))
        return found;
    }
  return NULL;
}

/* The keyboard focus on the selected item's cell, so that the arrow keys go
 * on from it: its cell is made once the grid is laid out, a frame or two
 * after it is shown. */
static gboolean
focus_selected_tick_cb (GtkWidget     *widget,
                        GdkFrameClock *clock,
                        gpointer       user_data)
{
  TfFolderView *self = TF_FOLDER_VIEW (widget);
  guint position = gtk_single_selection_get_selected (self->selection);
  GtkWidget *card;

  if (position == GTK_INVALID_LIST_POSITION || ++self->focus_tries > 30)
    {
      self->focus_tick = 0;
      return G_SOURCE_REMOVE;
    }
  if (gtk_widget_get_width (GTK_WIDGET (self->grid)) <= 0)
    return G_SOURCE_CONTINUE;
  gtk_widget_activate_action (GTK_WIDGET (self->grid), "list.scroll-to-item", "u", position);
  card = find_card (GTK_WIDGET (self->grid), position);
  /* the cell is the card's parent: the grid's focus follows it */
  if (card == NULL || !gtk_widget_get_mapped (card) || !gtk_widget_grab_focus (gtk_widget_get_parent (card)))
    return G_SOURCE_CONTINUE;
  self->focus_tick = 0;
  return G_SOURCE_REMOVE;
}

static TfFolderItem *
ensure_item (TfFolderView *self,
             const char   *file)
{
  TfFolderItem *item = g_hash_table_lookup (self->items, file);

  if (item == NULL)
    {
      item = tf_folder_item_new (file);
      g_hash_table_insert (self->items, item->file, item);
      g_list_store_append (self->store, item);
      g_object_unref (item);
    }
  return item;
}

char *
tf_error_without_file (const char *error,
                       const char *file)
{
  g_autofree char *display = g_filename_display_name (file);
  g_autofree char *base = g_filename_display_basename (file);
  const char *prefixes[] = { file, display, base };

  for (guint i = 0; i < G_N_ELEMENTS (prefixes); i++)
    {
      gsize n = strlen (prefixes[i]);
      if (strncmp (error, prefixes[i], n) == 0 && error[n] == ':')
        {
          const char *rest = error + n + 1;
          while (*rest == ' ')
            rest++;
          if (*rest)
            return g_strdup (rest);
        }
    }
  return g_strdup (error);
}

/* ---- overrides ------------------------------------------------------------ */

static void
tf_folder_view_dispose (GObject *object)
{
  TfFolderView *self = TF_FOLDER_VIEW (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_queue_clear_full (&self->pending, g_object_unref);
  if (self->focus_tick)
    gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->focus_tick);
  self->focus_tick = 0;
  if (self->selection)
    g_signal_handlers_disconnect_by_func (self->selection, on_selected_cb, self);
  g_clear_object (&self->selection);
  g_clear_pointer (&self->scroller, gtk_widget_unparent);
  g_clear_pointer (&self->face_entries, g_hash_table_unref);
  g_clear_pointer (&self->items, g_hash_table_unref);
  g_clear_object (&self->store);
  g_clear_object (&self->shown);
  g_clear_object (&self->disagreeing);
  g_clear_signal_handler (&self->label_map_changed, self->label_map);
  g_clear_object (&self->label_map);
  G_OBJECT_CLASS (tf_folder_view_parent_class)->dispose (object);
}

static void
tf_folder_view_class_init (TfFolderViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tf_folder_view_dispose;
  signals[ITEM_ACTIVATED] = g_signal_new ("item-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                          0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[ITEM_SELECTED] = g_signal_new ("item-selected", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                         0, NULL, NULL, NULL, G_TYPE_NONE, 1, TF_TYPE_FOLDER_ITEM);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "folderview");
  /* the badges on the cards: the view's own rules, so that it looks the
   * same outside the application (its tests) */
  if (gdk_display_get_default ())
    {
      g_autoptr(GtkCssProvider) css = gtk_css_provider_new ();

      gtk_css_provider_load_from_data (css, badge_css, -1);
      gtk_style_context_add_provider_for_display (gdk_display_get_default (), GTK_STYLE_PROVIDER (css),
                                                  GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
    }
}

static void
tf_folder_view_init (TfFolderView *self)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();

  self->store = g_list_store_new (TF_TYPE_FOLDER_ITEM);
  self->items = g_hash_table_new (g_str_hash, g_str_equal);
  self->face_entries = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL, g_free);
  self->cancellable = g_cancellable_new ();
  g_queue_init (&self->pending);

  g_signal_connect (factory, "setup", G_CALLBACK (on_setup_cb), self);
  g_signal_connect (factory, "bind", G_CALLBACK (on_bind_cb), self);
  g_signal_connect (factory, "unbind", G_CALLBACK (on_unbind_cb), self);
  /* a click or the arrow keys select (the window shows the item's main
   * face), a double click or Enter opens */
  self->disagreeing = gtk_custom_filter_new (item_disagrees, NULL, NULL);
  self->shown = gtk_filter_list_model_new (G_LIST_MODEL (g_object_ref (self->store)), NULL);
  self->selection = gtk_single_selection_new (G_LIST_MODEL (g_object_ref (self->shown)));
  gtk_single_selection_set_autoselect (self->selection, FALSE);
  gtk_single_selection_set_can_unselect (self->selection, TRUE);
  gtk_single_selection_set_selected (self->selection, GTK_INVALID_LIST_POSITION);
  g_signal_connect (self->selection, "notify::selected-item", G_CALLBACK (on_selected_cb), self);
  self->grid = GTK_GRID_VIEW (gtk_grid_view_new (GTK_SELECTION_MODEL (g_object_ref (self->selection)), factory));
  gtk_grid_view_set_max_columns (self->grid, 12);
  gtk_grid_view_set_single_click_activate (self->grid, FALSE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->grid),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Analysed files"), -1);
  g_signal_connect (self->grid, "activate", G_CALLBACK (on_activate_cb), self);

  self->scroller = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (self->scroller), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (self->scroller), GTK_WIDGET (self->grid));
  gtk_widget_set_parent (self->scroller, GTK_WIDGET (self));
  gtk_widget_set_hexpand (GTK_WIDGET (self), TRUE);
  gtk_widget_set_vexpand (GTK_WIDGET (self), TRUE);
}

/* ---- public API ------------------------------------------------------------ */

GtkWidget *
tf_folder_view_new (void)
{
  return g_object_new (TF_TYPE_FOLDER_VIEW, NULL);
}

void
tf_folder_view_clear (TfFolderView *self)
{
  g_return_if_fail (TF_IS_FOLDER_VIEW (self));

  g_cancellable_cancel (self->cancellable);
  g_object_unref (self->cancellable);
  self->cancellable = g_cancellable_new ();
  g_queue_clear_full (&self->pending, g_object_unref);
  g_hash_table_remove_all (self->face_entries);
  g_hash_table_remove_all (self->items);
  g_list_store_remove_all (self->store);
  self->n_thumbnails = 0;
}

void
tf_folder_view_add_face (TfFolderView *self,
                         TfFaceProbe  *probe)
{
  TfFolderItem *item;

  g_return_if_fail (TF_IS_FOLDER_VIEW (self));
  g_return_if_fail (probe != NULL && probe->file != NULL);

  item = ensure_item (self, probe->file);
  g_ptr_array_add (item->faces, tf_face_probe_ref (probe));
  entry_add (self, item, probe);
  /* a video's summary is written once, at its end: faces come fast */
  if (!item->is_video)
    {
      item_update_summary (item);
      item_faces_changed (self, item);
    }
}

void
tf_folder_view_file_done (TfFolderView *self,
                          const char   *file,
                          const char   *error,
                          gint64        frames,
                          gint64        faces)
{
  TfFolderItem *item;

  g_return_if_fail (TF_IS_FOLDER_VIEW (self));
  g_return_if_fail (file != NULL);

  item = ensure_item (self, file);
  item->done = TRUE;
  if (error)
    {
      g_free (item->error);
      item->error = tf_error_without_file (error, file);
    }
  item_update_summary (item);
}

GListModel *
tf_folder_view_get_model (TfFolderView *self)
{
  g_return_val_if_fail (TF_IS_FOLDER_VIEW (self), NULL);

  return G_LIST_MODEL (self->store);
}

TfFolderItem *
tf_folder_view_lookup (TfFolderView *self,
                       const char   *file)
{
  g_return_val_if_fail (TF_IS_FOLDER_VIEW (self), NULL);

  return g_hash_table_lookup (self->items, file);
}

guint
tf_folder_view_get_n_thumbnails (TfFolderView *self)
{
  g_return_val_if_fail (TF_IS_FOLDER_VIEW (self), 0);

  return self->n_thumbnails;
}

gboolean
tf_folder_view_remove_face (TfFolderView *self,
                            TfFaceProbe  *probe)
{
  TfFolderItem *item;
  TfFaceProbe *found;
  guint index;

  g_return_val_if_fail (TF_IS_FOLDER_VIEW (self), FALSE);
  g_return_val_if_fail (probe != NULL && probe->file != NULL, FALSE);

  item = g_hash_table_lookup (self->items, probe->file);
  if (item == NULL || !tf_face_probe_array_find (item->faces, probe, &index))
    return FALSE;
  found = g_ptr_array_index (item->faces, index);
  entry_remove (self, found);
  g_ptr_array_remove_index (item->faces, index);
  item_update_summary (item);
  /* the count's denominator changed */
  g_object_notify_by_pspec (G_OBJECT (item), item_props[ITEM_PROP_N_LABELLED]);
  item_faces_changed (self, item);
  return TRUE;
}

void
tf_folder_view_replace_face (TfFolderView *self,
                             TfFaceProbe  *old_probe,
                             TfFaceProbe  *new_probe)
{
  TfFolderItem *item;
  TfFaceProbe *found;
  guint index;

  g_return_if_fail (TF_IS_FOLDER_VIEW (self));
  g_return_if_fail (old_probe != NULL && old_probe->file != NULL);
  g_return_if_fail (new_probe != NULL);

  item = g_hash_table_lookup (self->items, old_probe->file);
  if (item == NULL || !tf_face_probe_array_find (item->faces, old_probe, &index))
    return;
  found = g_ptr_array_index (item->faces, index);
  entry_remove (self, found);
  g_ptr_array_index (item->faces, index) = tf_face_probe_ref (new_probe);
  tf_face_probe_unref (found);
  entry_add (self, item, new_probe);
  if (!item->is_video || item->done)
    item_update_summary (item);
  item_faces_changed (self, item);
}

void
tf_folder_view_set_label_map (TfFolderView *self,
                              TfLabelMap   *map)
{
  GHashTableIter iter;
  FaceEntry *entry;

  g_return_if_fail (TF_IS_FOLDER_VIEW (self));
  g_return_if_fail (map == NULL || TF_IS_LABEL_MAP (map));

  if (map == self->label_map)
    return;
  g_clear_signal_handler (&self->label_map_changed, self->label_map);
  g_set_object (&self->label_map, map);
  if (map)
    self->label_map_changed = g_signal_connect (map, "changed", G_CALLBACK (on_label_map_changed_cb), self);
  g_hash_table_iter_init (&iter, self->face_entries);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &entry))
    entry_update (self, entry);
}

gboolean
tf_is_video_file (const char *path)
{
  TfMediaKind kind;

  return tf_media_kind_for_name (path, &kind) && kind == TF_MEDIA_VIDEO;
}

TfFolderItem *
tf_folder_view_get_selected (TfFolderView *self)
{
  g_return_val_if_fail (TF_IS_FOLDER_VIEW (self), NULL);

  return gtk_single_selection_get_selected_item (self->selection);
}

gboolean
tf_folder_view_select_file (TfFolderView *self,
                            const char   *file,
                            gboolean      focus)
{
  TfFolderItem *item;
  guint position;

  g_return_val_if_fail (TF_IS_FOLDER_VIEW (self), FALSE);

  item = file ? g_hash_table_lookup (self->items, file) : NULL;
  if (item == NULL || !find_shown (self, item, &position))
    {
      gtk_single_selection_set_selected (self->selection, GTK_INVALID_LIST_POSITION);
      return FALSE;
    }
  gtk_single_selection_set_selected (self->selection, position);
  gtk_widget_activate_action (GTK_WIDGET (self->grid), "list.scroll-to-item", "u", position);
  if (focus && self->focus_tick == 0)
    self->focus_tick = gtk_widget_add_tick_callback (GTK_WIDGET (self), focus_selected_tick_cb, NULL, NULL);
  self->focus_tries = 0;
  return TRUE;
}

TfFolderItem *
tf_folder_view_step (TfFolderView *self,
                     const char   *file,
                     int           direction,
                     gboolean      pictures)
{
  TfFolderItem *item;
  guint position, n;

  g_return_val_if_fail (TF_IS_FOLDER_VIEW (self), NULL);
  g_return_val_if_fail (direction == 1 || direction == -1, NULL);

  item = file ? g_hash_table_lookup (self->items, file) : NULL;
  if (item == NULL || !find_shown (self, item, &position))
    return NULL;
  n = g_list_model_get_n_items (G_LIST_MODEL (self->shown));
  /* no wrap: the ends are ends */
  while ((direction > 0 && position + 1 < n) || (direction < 0 && position > 0))
    {
      g_autoptr(TfFolderItem) next = NULL;

      position += direction;
      next = g_list_model_get_item (G_LIST_MODEL (self->shown), position);
      if (!pictures || !next->is_video)
        return next;   /* the store holds it */
    }
  return NULL;
}

void
tf_folder_view_set_only_disagreeing (TfFolderView *self,
                                     gboolean      only)
{
  g_return_if_fail (TF_IS_FOLDER_VIEW (self));

  self->only_disagreeing = only;
  gtk_filter_list_model_set_filter (self->shown, only ? GTK_FILTER (self->disagreeing) : NULL);
  if (only)
    gtk_filter_changed (GTK_FILTER (self->disagreeing), GTK_FILTER_CHANGE_DIFFERENT);
}

gboolean
tf_folder_view_get_only_disagreeing (TfFolderView *self)
{
  g_return_val_if_fail (TF_IS_FOLDER_VIEW (self), FALSE);
  return self->only_disagreeing;
}

guint
tf_folder_view_get_n_shown (TfFolderView *self)
{
  g_return_val_if_fail (TF_IS_FOLDER_VIEW (self), 0);
  return g_list_model_get_n_items (G_LIST_MODEL (self->shown));
}
