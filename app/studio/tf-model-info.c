/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "tf-class-name.h"
#include "tf-model-info.h"

/* a metadata value longer than this is cut (a file may hold anything) */
#define MAX_SHOWN 200
/* the digits of a hash shown; the whole value goes in a tooltip */
#define HASH_SHOWN 12

/* TRANSLATORS: between the parts of a model's description ("2 LANets, ViT …; 4.0 M parameters; …") */
#define COMMA     C_("clauses", ", ")
#define SEMICOLON C_("clauses", "; ")

static const char * const presets[] = { "paper", "small" };

/* the fields that make the architecture: not the classes, the input size
 * (the position embedding follows it), the drop rates or the epsilons */
static gboolean
same_architecture (const TfConfig *a,
                   const TfConfig *b)
{
  return memcmp (a->stem_depths, b->stem_depths, sizeof a->stem_depths) == 0 &&
         memcmp (a->stem_widths, b->stem_widths, sizeof a->stem_widths) == 0 &&
         a->lanets == b->lanets &&
         a->lanet_reduction == b->lanet_reduction &&
         a->embed_dim == b->embed_dim &&
         a->depth == b->depth &&
         a->heads == b->heads &&
         a->mlp_ratio == b->mlp_ratio;
}

const char *
tf_model_info_preset (const TfConfig *config)
{
  g_return_val_if_fail (config != NULL, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (presets); i++)
    {
      TfConfig preset;

      if (tf_config_preset (presets[i], config->num_classes, &preset) && same_architecture (config, &preset))
        return presets[i];
    }
  return NULL;
}

/* @value as it can be shown: valid UTF-8, at most MAX_SHOWN characters */
static char *
shown (const char *value)
{
  g_autofree char *valid = g_utf8_make_valid (value, -1);
  g_autofree char *cut = NULL;

  if (g_utf8_strlen (valid, -1) <= MAX_SHOWN)
    return g_steal_pointer (&valid);
  cut = g_utf8_substring (valid, 0, MAX_SHOWN);
  return g_strconcat (cut, "…", NULL);
}

static const char *
lookup (TfModel    *model,
        const char *key)
{
  const char *value = model->metadata ? g_hash_table_lookup (model->metadata, key) : NULL;

  return value && *value ? value : NULL;
}

/* a whole number as written ("22"), else -1 */
static gint64
parse_count (const char *value)
{
  gint64 n;

  if (value == NULL || !g_ascii_string_to_signed (value, 10, 0, G_MAXINT, &n, NULL))
    return -1;
  return n;
}

static gsize
learnable_params (TfModel *model)
{
  gsize n = 0;

  if (model->param_info == NULL)
    return tf_config_n_params (&model->config);
  for (guint i = 0; i < model->param_info->len; i++)
    {
      const TfParamInfo *p = &g_array_index (model->param_info, TfParamInfo, i);
      if (!p->is_buffer)
        n += p->numel;
    }
  return n;
}

static char *
describe_configuration (TfModel    *model,
                        const char *preset)
{
  const TfConfig *c = &model->config;
  gboolean ir50 = c->stem_depths[0] == 3 && c->stem_depths[1] == 4 && c->stem_depths[2] == 14;
  gsize n = learnable_params (model);
  GString *s = g_string_new (NULL);

  /* TRANSLATORS: "%s: " the configuration's name before its description, "custom": the
   * name of a model's configuration that is no preset ("paper", "small") */
  g_string_append_printf (s, C_("model configuration", "%s: "), preset ? preset : C_("model configuration", "custom"));
  g_string_append_printf (s, ir50
                          /* TRANSLATORS: the model's convolutional stem: units per stage, channels per stage */
                          ? _("IR-50 stem %d/%d/%d units (%d/%d/%d channels)")
                          /* TRANSLATORS: the model's convolutional stem: units per stage, channels per stage */
                          : _("IR stem %d/%d/%d units (%d/%d/%d channels)"),
                          c->stem_depths[0], c->stem_depths[1], c->stem_depths[2],
                          c->stem_widths[0], c->stem_widths[1], c->stem_widths[2]);
  g_string_append (s, COMMA);
  /* TRANSLATORS: the number of local attention networks of the model */
  g_string_append_printf (s, g_dngettext (GETTEXT_PACKAGE, "%d LANet", "%d LANets", (gulong) c->lanets), c->lanets);
  g_string_append (s, COMMA);
  /* TRANSLATORS: the model's transformer encoder: blocks, attention heads, embedding width */
  g_string_append_printf (s, _("ViT %d blocks × %d heads, %d wide"), c->depth, c->heads, c->embed_dim);
  if (preset == NULL)
    {
      TfConfig defaults;

      /* what the words above leave out, where it is not the presets' */
      tf_config_preset ("paper", c->num_classes, &defaults);
      if (c->mlp_ratio != defaults.mlp_ratio)
        /* TRANSLATORS: the width of the encoder's MLP as a multiple of the embedding width */
        g_string_append_printf (s, _(", MLP %g× wide"), c->mlp_ratio);
      if (c->lanet_reduction != defaults.lanet_reduction)
        /* TRANSLATORS: the LANets' hidden width is the channels divided by this */
        g_string_append_printf (s, _(", LANet reduction %d"), c->lanet_reduction);
    }
  g_string_append (s, SEMICOLON);
  /* (a no-break space before "M", "k" and "px": a wrapped line never begins with one) */
  if (n >= 1000000)
    /* TRANSLATORS: the model's parameter count in millions */
    g_string_append_printf (s, _("%.1f M parameters"), n / 1e6);
  else if (n >= 1000)
    /* TRANSLATORS: the model's parameter count in thousands */
    g_string_append_printf (s, _("%.1f k parameters"), n / 1e3);
  else
    g_string_append_printf (s, g_dngettext (GETTEXT_PACKAGE, "%u parameter", "%u parameters", (gulong) n), (guint) n);
  g_string_append (s, SEMICOLON);
  g_string_append_printf (s, model->input.gray
                          /* TRANSLATORS: the model reads gray faces of this side in pixels */
                          ? _("gray %d px")
                          /* TRANSLATORS: the model reads colour faces of this side in pixels */
                          : _("RGB %d px"),
                          model->input.size);
  return g_string_free (s, FALSE);
}

static char *
describe_classes (TfModel *model)
{
  GString *s = g_string_new (NULL);
  guint n = model->classes ? g_strv_length (model->classes) : 0;

  g_string_append_printf (s, "%u: ", n);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *name = shown (tf_class_display_name (model->classes[i]));

      if (i > 0)
        /* TRANSLATORS: between the class names of a list */
        g_string_append (s, C_("list", ", "));
      g_string_append (s, name);
    }
  return g_string_free (s, FALSE);
}

/* "paddle" and "pytorch" by their names, anything else as written */
static char *
source_format_name (const char *format)
{
  if (g_ascii_strcasecmp (format, "paddle") == 0 || g_ascii_strcasecmp (format, "paddlepaddle") == 0)
    /* TRANSLATORS: the kind of file a model was converted from */
    return g_strdup (_("PaddlePaddle weights"));
  if (g_ascii_strcasecmp (format, "pytorch") == 0 || g_ascii_strcasecmp (format, "torch") == 0)
    /* TRANSLATORS: the kind of file a model was converted from */
    return g_strdup (_("PyTorch weights"));
  return shown (format);
}

/* "Trained with X, 22 epochs" and the like */
static void
append_trainer (GPtrArray  *lines,
                const char *trainer,
                const char *epochs,
                gboolean    base)
{
  g_autofree char *who = trainer ? shown (trainer) : NULL;
  g_autofree char *count = NULL;
  gint64 n = parse_count (epochs);

  if (epochs)
    count = n >= 0
            /* TRANSLATORS: how long a model was trained */
            ? g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%d epoch", "%d epochs", (gulong) n), (int) n)
            /* TRANSLATORS: how long a model was trained, as its file writes it */
            : g_strdup_printf (_("epochs: %s"), epochs);
  if (who && count)
    g_ptr_array_add (lines, g_strdup_printf (base
                                             /* TRANSLATORS: the trainer of the model a model was trained from, and for how long */
                                             ? _("Starting from a model trained with %s, %s")
                                             /* TRANSLATORS: the program that trained the model, and for how long */
                                             : _("Trained with %s, %s"), who, count));
  else if (who)
    g_ptr_array_add (lines, g_strdup_printf (base ? _("Starting from a model trained with %s")
                                                  : _("Trained with %s"), who));
  else if (count)
    g_ptr_array_add (lines, g_strdup_printf (base
                                             /* TRANSLATORS: how long the model a model was trained from was trained */
                                             ? _("Starting from a model trained for %s")
                                             /* TRANSLATORS: how long the model was trained */
                                             : _("Trained for %s"), count));
}

static char *
describe_provenance (TfModel  *model,
                     char    **sha_out)
{
  const char *from = lookup (model, "converted_from");
  const char *sha = lookup (model, "source_sha256");
  const char *format = lookup (model, "source_format");
  const char *reported = lookup (model, "reported_accuracy");
  const char *dataset = lookup (model, "dataset");
  const char *valid = lookup (model, "valid_accuracy");
  const char *finetune = lookup (model, "finetune.preset");
  const char *temperature = lookup (model, TF_MODEL_TEMPERATURE_KEY);
  g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);

  *sha_out = sha ? g_utf8_make_valid (sha, -1) : NULL;
  if (from || format || sha)
    {
      g_autofree char *source = from ? shown (from) : NULL;
      g_autofree char *kind = format ? source_format_name (format) : NULL;
      g_autofree char *hash = NULL;
      g_autofree char *details = NULL;

      if (sha)
        {
          g_autofree char *prefix = g_utf8_substring (*sha_out, 0, HASH_SHOWN);
          /* TRANSLATORS: the start of the converted file's SHA-256 hash */
          hash = g_strdup_printf (_("SHA-256 %s…"), prefix);
        }
      details = kind && hash ? g_strconcat (kind, COMMA, hash, NULL) : g_strdup (kind ? kind : hash);
      if (source && details)
        /* TRANSLATORS: the file a model was converted from, and what it was (its format, its hash) */
        g_ptr_array_add (lines, g_strdup_printf (_("Converted from %s (%s)"), source, details));
      else if (source)
        /* TRANSLATORS: the file a model was converted from */
        g_ptr_array_add (lines, g_strdup_printf (_("Converted from %s"), source));
      else
        /* TRANSLATORS: what a model was converted from: its format, its hash */
        g_ptr_array_add (lines, g_strdup_printf (_("Converted from %s"), details));
    }
  if (reported)
    {
      g_autofree char *text = shown (reported);
      /* TRANSLATORS: the accuracy the model's authors report, as its file writes it */
      g_ptr_array_add (lines, g_strdup_printf (_("Reported accuracy: %s"), text));
    }
  if (dataset)
    {
      g_autofree char *text = shown (dataset);
      /* TRANSLATORS: the data set the model was trained on */
      g_ptr_array_add (lines, g_strdup_printf (_("Data set: %s"), text));
    }
  if (lookup (model, "trained_with") || lookup (model, "epochs"))
    append_trainer (lines, lookup (model, "trained_with"), lookup (model, "epochs"), FALSE);
  if (lookup (model, "base_trained_with"))
    append_trainer (lines, lookup (model, "base_trained_with"), lookup (model, "base_epochs"), TRUE);
  if (finetune)
    {
      g_autofree char *text = shown (finetune);
      /* TRANSLATORS: the model was made on the Fine-tune page; %s: the recipe's name */
      g_ptr_array_add (lines, g_strdup_printf (_("Fine-tuned in the application (recipe “%s”)"), text));
    }
  if (valid)
    {
      char *end = NULL;
      double fraction = g_ascii_strtod (valid, &end);

      if (end && *end == '\0' && end != valid && fraction >= 0 && fraction <= 1)
        /* TRANSLATORS: the share of its validation faces the model reads right */
        g_ptr_array_add (lines, g_strdup_printf (_("Validation accuracy: %.1f %%"), 100 * fraction));
      else
        {
          g_autofree char *text = shown (valid);
          /* TRANSLATORS: the validation accuracy as the model's file writes it */
          g_ptr_array_add (lines, g_strdup_printf (_("Validation accuracy: %s"), text));
        }
    }
  if (temperature)
    {
      g_autofree char *text = shown (temperature);
      /* TRANSLATORS: the model's probabilities are calibrated with this softmax temperature */
      g_ptr_array_add (lines, g_strdup_printf (_("Calibrated: temperature %s"), text));
    }
  if (lines->len == 0)
    return g_strdup (_("The file records no provenance"));
  g_ptr_array_add (lines, NULL);
  return g_strjoinv ("\n", (char **) lines->pdata);
}

TfModelInfo *
tf_model_info_new (TfModel *model)
{
  TfModelInfo *info;
  const char *preset, *from, *dataset;
  guint n_classes;
  g_autofree char *origin = NULL, *classes = NULL;

  g_return_val_if_fail (model != NULL, NULL);

  info = g_new0 (TfModelInfo, 1);
  preset = tf_model_info_preset (&model->config);
  info->preset = g_strdup (preset);
  info->configuration = describe_configuration (model, preset);
  info->classes = describe_classes (model);
  info->provenance = describe_provenance (model, &info->source_sha256);

  n_classes = model->classes ? g_strv_length (model->classes) : 0;
  from = lookup (model, "converted_from");
  dataset = lookup (model, "dataset");
  origin = from ? shown (from)
         : dataset ? shown (dataset)
         /* TRANSLATORS: in the one-line summary of a model whose file says nothing of where it comes from */
         : g_strdup (_("no provenance recorded"));
  classes = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u class", "%u classes", n_classes), n_classes);
  /* TRANSLATORS: the one-line summary of a model: configuration, classes, where it comes from */
  info->summary = g_strdup_printf (_("%s, %s, %s"),
                                   preset ? preset : C_("model configuration", "custom"), classes, origin);
  return info;
}

void
tf_model_info_free (TfModelInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->preset);
  g_free (info->configuration);
  g_free (info->classes);
  g_free (info->provenance);
  g_free (info->source_sha256);
  g_free (info->summary);
  g_free (info);
}
