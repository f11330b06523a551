/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "tf-checkpoint.h"
#include "tf-error.h"
#include "tf-json.h"

#define CHECKPOINT_KEY "checkpoint"
#define CHECKPOINT_VERSION 1

/* What the "checkpoint" metadata holds, parsed. */
typedef struct
{
  TfCheckpointState state;
  TfOptimConfig     optim;
  guint64           step_count;
  GStrv             freeze;
  JsonParser       *parser;       /* keeps param_steps alive */
  JsonObject       *param_steps;  /* may be NULL */
} CheckpointInfo;

static void
checkpoint_info_clear (CheckpointInfo *info)
{
  tf_checkpoint_state_clear (&info->state);
  g_clear_pointer (&info->freeze, g_strfreev);
  g_clear_object (&info->parser);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (CheckpointInfo, checkpoint_info_clear)

static gboolean
is_model_structural_key (const char *key)
{
  return g_str_equal (key, "format") || g_str_equal (key, "config") ||
         g_str_equal (key, "classes") || g_str_equal (key, "input");
}

void
tf_checkpoint_state_clear (TfCheckpointState *state)
{
  g_return_if_fail (state != NULL);
  g_free (state->extra_json);
  memset (state, 0, sizeof *state);
}

/* Writing */

static char *
node_to_string (JsonNode *root)
{
  g_autoptr(JsonGenerator) gen = json_generator_new ();

  json_generator_set_root (gen, root);
  return json_generator_to_data (gen, NULL);
}

static char *
classes_to_json (TfModel *model)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_array (b);
  for (int k = 0; k < model->config.num_classes; k++)
    json_builder_add_string_value (b, model->classes[k]);
  json_builder_end_array (b);
  root = json_builder_get_root (b);
  return node_to_string (root);
}

/* A small JSON writer. json-glib 1.6's generator prints some doubles as
 * invalid JSON ("1e-08.0"), and an optimiser's eps is just such a number;
 * g_ascii_dtostr gives the shortest text that reads back exactly. */
typedef struct
{
  GString  *s;
  int       depth;
  gboolean  need_comma[8];
} JsonOut;

static void
out_quoted (GString    *s,
            const char *text)
{
  g_string_append_c (s, '"');
  for (const char *p = text; *p; p++)
    {
      guchar c = (guchar) *p;

      if (c == '"' || c == '\\')
        g_string_append_printf (s, "\\%c", c);
      else if (c < 0x20)
        g_string_append_printf (s, "\\u%04x", c);
      else
        g_string_append_c (s, (char) c);
    }
  g_string_append_c (s, '"');
}

static void
out_key (JsonOut    *o,
         const char *key)
{
  if (o->need_comma[o->depth])
    g_string_append_c (o->s, ',');
  o->need_comma[o->depth] = TRUE;
  if (key)
    {
      out_quoted (o->s, key);
      g_string_append_c (o->s, ':');
    }
}

static void
out_open (JsonOut    *o,
          const char *key,
          char        bracket)
{
  if (o->depth > 0 || key)
    out_key (o, key);
  g_string_append_c (o->s, bracket);
  g_assert (o->depth + 1 < (int) G_N_ELEMENTS (o->need_comma));
  o->need_comma[++o->depth] = FALSE;
}

static void
out_close (JsonOut *o,
           char     bracket)
{
  g_string_append_c (o->s, bracket);
  o->depth--;
}

static void
out_string (JsonOut    *o,
            const char *key,
            const char *value)
{
  out_key (o, key);
  out_quoted (o->s, value);
}

static void
out_u64 (JsonOut    *o,
         const char *key,
         guint64     value)
{
  /* json-glib reads integers as gint64 */
  out_key (o, key);
  g_string_append_printf (o->s, "%" G_GUINT64_FORMAT, MIN (value, (guint64) G_MAXINT64));
}

static void
out_double (JsonOut    *o,
            const char *key,
            double      value)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  g_assert (isfinite (value));
  out_key (o, key);
  g_string_append (o->s, g_ascii_dtostr (buf, sizeof buf, value));
}

static char *
checkpoint_to_json (TfOptimizer             *opt,
                    const TfCheckpointState *state)
{
  JsonOut o = { .s = g_string_new (NULL) };
  const TfOptimConfig *c = tf_optimizer_get_config (opt);
  const TfParamGroups *groups = tf_optimizer_get_groups (opt);
  const guint64 *param_steps = tf_optimizer_get_param_steps (opt);
  guint64 step_count = tf_optimizer_get_step_count (opt);
  const TfSchedule *s = &state->schedule;

  out_open (&o, NULL, '{');
  out_u64 (&o, "version", CHECKPOINT_VERSION);
  out_u64 (&o, "epoch", state->epoch);
  out_u64 (&o, "step", state->step);
  out_u64 (&o, "position_in_epoch", state->position_in_epoch);

  /* decimal strings: JSON readers do not keep 64-bit integers exactly */
  out_open (&o, "rng", '[');
  for (int i = 0; i < 4; i++)
    {
      g_autofree char *word = g_strdup_printf ("%" G_GUINT64_FORMAT, state->rng.s[i]);
      out_string (&o, NULL, word);
    }
  out_close (&o, ']');

  out_open (&o, "optimizer", '{');
  out_string (&o, "kind", tf_optim_kind_name (c->kind));
  out_double (&o, "weight_decay", c->weight_decay);
  out_double (&o, "momentum", c->momentum);
  out_double (&o, "beta1", c->beta1);
  out_double (&o, "beta2", c->beta2);
  out_double (&o, "eps", c->eps);
  out_u64 (&o, "step_count", step_count);
  out_open (&o, "freeze", '[');
  for (guint i = 0; groups->freeze[i]; i++)
    out_string (&o, NULL, groups->freeze[i]);
  out_close (&o, ']');
  out_open (&o, "param_steps", '{');
  for (guint i = 0; i < groups->n_runs; i++)
    if (param_steps[groups->runs[i].index] != step_count)
      out_u64 (&o, groups->runs[i].name, param_steps[groups->runs[i].index]);
  out_close (&o, '}');
  out_close (&o, '}');

  out_open (&o, "schedule", '{');
  out_string (&o, "kind", tf_schedule_kind_name (s->kind));
  out_double (&o, "base_lr", s->base_lr);
  out_u64 (&o, "warmup_steps", s->warmup_steps);
  out_u64 (&o, "total_steps", s->total_steps);
  out_double (&o, "min_lr", s->min_lr);
  out_double (&o, "gamma", s->gamma);
  out_open (&o, "milestones", '[');
  for (guint i = 0; i < s->n_milestones; i++)
    out_u64 (&o, NULL, s->milestones[i]);
  out_close (&o, ']');
  out_close (&o, '}');

  if (state->extra_json)
    out_string (&o, "extra", state->extra_json);
  out_close (&o, '}');
  g_assert (o.depth == 0);
  return g_string_free (o.s, FALSE);
}

gboolean
tf_checkpoint_save (const char              *path,
                    TfModel                 *model,
                    TfOptimizer             *optimizer,
                    const TfCheckpointState *state,
                    GError                 **error)
{
  g_autoptr(TfSafetensorsWriter) w = NULL;
  g_autofree char *config = NULL, *input = NULL, *classes = NULL, *checkpoint = NULL;
  const TfParamGroups *groups;
  GHashTableIter iter;
  gpointer key, value;

  g_return_val_if_fail (path != NULL && model != NULL && optimizer != NULL && state != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  groups = tf_optimizer_get_groups (optimizer);
  g_return_val_if_fail (groups->n_params == model->n_params &&
                        groups->n_infos == model->param_info->len, FALSE);
  g_return_val_if_fail (tf_schedule_validate (&state->schedule, NULL), FALSE);
  g_return_val_if_fail (state->extra_json == NULL || g_utf8_validate (state->extra_json, -1, NULL), FALSE);

  config = tf_config_to_json (&model->config);
  input = tf_input_spec_to_json (&model->input);
  classes = classes_to_json (model);
  checkpoint = checkpoint_to_json (optimizer, state);

  w = tf_safetensors_writer_new ();
  tf_safetensors_writer_add_metadata (w, "format", "transfer");
  tf_safetensors_writer_add_metadata (w, "config", config);
  tf_safetensors_writer_add_metadata (w, "classes", classes);
  tf_safetensors_writer_add_metadata (w, "input", input);
  g_hash_table_iter_init (&iter, model->metadata);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (!is_model_structural_key (key) && !g_str_equal (key, CHECKPOINT_KEY))
      tf_safetensors_writer_add_metadata (w, key, value);
  tf_safetensors_writer_add_metadata (w, CHECKPOINT_KEY, checkpoint);

  /* always F32: resuming must be exact */
  for (guint i = 0; i < model->param_info->len; i++)
    {
      TfParamInfo *p = &g_array_index (model->param_info, TfParamInfo, i);
      tf_safetensors_writer_add_f32 (w, p->name, p->shape, p->ndim, model->params + p->offset, TF_DTYPE_F32);
    }
  for (guint s = 0; s < tf_optimizer_get_n_states (optimizer); s++)
    {
      const char *state_name = tf_optimizer_get_state_name (optimizer, s);
      const float *data = tf_optimizer_get_state (optimizer, s);

      for (guint i = 0; i < groups->n_runs; i++)
        {
          const TfParamRun *r = &groups->runs[i];
          g_autofree char *name = g_strdup_printf ("optim.%s.%s", state_name, r->name);

          tf_safetensors_writer_add_f32 (w, name, r->shape, r->ndim, data + r->offset, TF_DTYPE_F32);
        }
    }

  return tf_safetensors_writer_write (w, path, error);
}

/* Reading */

static gboolean
bad_member (GError    **error,
            const char *what,
            const char *key,
            const char *should)
{
  g_set_error (error, TF_ERROR, TF_ERROR_CONFIG, "checkpoint: %s'%s' %s", what, key, should);
  return FALSE;
}

static gboolean
get_object (JsonObject  *obj,
            const char  *key,
            JsonObject **out,
            GError     **error)
{
  JsonNode *node = json_object_get_member (obj, key);

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return bad_member (error, "", key, "must be an object");
  *out = json_node_get_object (node);
  return TRUE;
}

static gboolean
get_array (JsonObject  *obj,
           const char  *key,
           JsonArray  **out,
           GError     **error)
{
  JsonNode *node = json_object_get_member (obj, key);

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return bad_member (error, "", key, "must be an array");
  *out = json_node_get_array (node);
  return TRUE;
}

static gboolean
node_get_u64 (JsonNode *node,
              guint64  *out)
{
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_INT64 || json_node_get_int (node) < 0)
    return FALSE;
  *out = (guint64) json_node_get_int (node);
  return TRUE;
}

static gboolean
get_u64 (JsonObject *obj,
         const char *key,
         guint64    *out,
         GError    **error)
{
  if (!node_get_u64 (json_object_get_member (obj, key), out))
    return bad_member (error, "", key, "must be a non-negative integer");
  return TRUE;
}

static gboolean
get_double (JsonObject *obj,
            const char *key,
            double     *out,
            GError    **error)
{
  if (!tf_json_get_number (json_object_get_member (obj, key), out) || !isfinite (*out))
    return bad_member (error, "", key, "must be a finite number");
  return TRUE;
}

static const char *
get_string (JsonObject *obj,
            const char *key,
            GError    **error)
{
  JsonNode *node = json_object_get_member (obj, key);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return bad_member (error, "", key, "must be a string"), NULL;
  return json_node_get_string (node);
}

static gboolean
parse_rng (JsonObject *obj,
           TfRng      *rng,
           GError    **error)
{
  JsonArray *arr;

  if (!get_array (obj, "rng", &arr, error))
    return FALSE;
  if (json_array_get_length (arr) != 4)
    return bad_member (error, "", "rng", "must hold 4 decimal strings");
  for (guint i = 0; i < 4; i++)
    {
      JsonNode *el = json_array_get_element (arr, i);

      if (!JSON_NODE_HOLDS_VALUE (el) || json_node_get_value_type (el) != G_TYPE_STRING ||
          !g_ascii_string_to_unsigned (json_node_get_string (el), 10, 0, G_MAXUINT64, &rng->s[i], NULL))
        return bad_member (error, "", "rng", "must hold 4 decimal strings");
    }
  return TRUE;
}

static gboolean
parse_optimizer (JsonObject     *root,
                 CheckpointInfo *info,
                 GError        **error)
{
  g_autoptr(GStrvBuilder) freeze = g_strv_builder_new ();
  TfOptimConfig *c = &info->optim;
  JsonObject *obj;
  JsonArray *arr;
  const char *kind;

  if (!get_object (root, "optimizer", &obj, error))
    return FALSE;
  if (!(kind = get_string (obj, "kind", error)))
    return FALSE;
  if (!tf_optim_kind_from_name (kind, &c->kind))
    {
      g_set_error (error, TF_ERROR, TF_ERROR_CONFIG, "checkpoint: unknown optimizer '%s'", kind);
      return FALSE;
    }
  if (!get_double (obj, "weight_decay", &c->weight_decay, error) ||
      !get_double (obj, "momentum", &c->momentum, error) ||
      !get_double (obj, "beta1", &c->beta1, error) ||
      !get_double (obj, "beta2", &c->beta2, error) ||
      !get_double (obj, "eps", &c->eps, error) ||
      !get_u64 (obj, "step_count", &info->step_count, error))
    return FALSE;
  if (!tf_optim_config_validate (c, error))
    return FALSE;

  if (!get_array (obj, "freeze", &arr, error))
    return FALSE;
  for (guint i = 0; i < json_array_get_length (arr); i++)
    {
      JsonNode *el = json_array_get_element (arr, i);

      if (!JSON_NODE_HOLDS_VALUE (el) || json_node_get_value_type (el) != G_TYPE_STRING)
        return bad_member (error, "", "freeze", "must be an array of strings");
      g_strv_builder_add (freeze, json_node_get_string (el));
    }
  info->freeze = g_strv_builder_end (freeze);

  return get_object (obj, "param_steps", &info->param_steps, error);
}

static gboolean
parse_schedule (JsonObject *root,
                TfSchedule *s,
                GError    **error)
{
  JsonObject *obj;
  JsonArray *arr;
  const char *kind;

  if (!get_object (root, "schedule", &obj, error) || !(kind = get_string (obj, "kind", error)))
    return FALSE;
  if (!tf_schedule_kind_from_name (kind, &s->kind))
    {
      g_set_error (error, TF_ERROR, TF_ERROR_CONFIG, "checkpoint: unknown schedule '%s'", kind);
      return FALSE;
    }
  if (!get_double (obj, "base_lr", &s->base_lr, error) ||
      !get_u64 (obj, "warmup_steps", &s->warmup_steps, error) ||
      !get_u64 (obj, "total_steps", &s->total_steps, error) ||
      !get_double (obj, "min_lr", &s->min_lr, error) ||
      !get_double (obj, "gamma", &s->gamma, error) ||
      !get_array (obj, "milestones", &arr, error))
    return FALSE;
  if (json_array_get_length (arr) > TF_SCHEDULE_MAX_MILESTONES)
    return bad_member (error, "schedule ", "milestones", "has too many entries");
  s->n_milestones = json_array_get_length (arr);
  for (guint i = 0; i < s->n_milestones; i++)
    if (!node_get_u64 (json_array_get_element (arr, i), &s->milestones[i]))
      return bad_member (error, "schedule ", "milestones", "must be non-negative integers");
  return tf_schedule_validate (s, error);
}

static gboolean
parse_checkpoint (const char     *json,
                  CheckpointInfo *info,
                  GError        **error)
{
  JsonObject *root;
  JsonNode *extra;
  guint64 version;

  info->parser = json_parser_new ();
  if (!(root = tf_json_parse_object (info->parser, json, "checkpoint", error)))
    return FALSE;
  if (!get_u64 (root, "version", &version, error))
    return FALSE;
  if (version != CHECKPOINT_VERSION)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_CONFIG,
                   "checkpoint: version %" G_GUINT64_FORMAT " is not supported (this build reads %d)",
                   version, CHECKPOINT_VERSION);
      return FALSE;
    }
  if (!get_u64 (root, "epoch", &info->state.epoch, error) ||
      !get_u64 (root, "step", &info->state.step, error) ||
      !get_u64 (root, "position_in_epoch", &info->state.position_in_epoch, error) ||
      !parse_rng (root, &info->state.rng, error) ||
      !parse_optimizer (root, info, error) ||
      !parse_schedule (root, &info->state.schedule, error))
    return FALSE;

  extra = json_object_get_member (root, "extra");
  if (extra != NULL)
    {
      const char *s = get_string (root, "extra", error);
      if (s == NULL)
        return FALSE;
      info->state.extra_json = g_strdup (s);
    }
  return TRUE;
}

/* The first config member that differs, or NULL when they are the same. */
static char *
describe_config_difference (const TfConfig *have,
                            const TfConfig *want)
{
  g_autofree char *a = tf_config_to_json (have), *b = tf_config_to_json (want);
  g_autoptr(JsonParser) pa = json_parser_new (), pb = json_parser_new ();
  g_autoptr(GList) members = NULL;
  JsonObject *oa, *ob;

  if (g_str_equal (a, b))
    return NULL;
  if (!(oa = tf_json_parse_object (pa, a, "config", NULL)) || !(ob = tf_json_parse_object (pb, b, "config", NULL)))
    return g_strdup ("config");
  members = json_object_get_members (oa);
  for (GList *l = members; l; l = l->next)
    {
      JsonNode *na = json_object_get_member (oa, l->data), *nb = json_object_get_member (ob, l->data);

      if (nb == NULL || !json_node_equal (na, nb))
        {
          g_autofree char *sa = node_to_string (na);
          g_autofree char *sb = nb ? node_to_string (nb) : g_strdup ("missing");
          return g_strdup_printf ("config '%s' is %s, the model's is %s", (char *) l->data, sa, sb);
        }
    }
  return g_strdup ("config");
}

static gboolean
check_same_model (const char *base,
                  TfModel    *loaded,
                  TfModel    *model,
                  GError    **error)
{
  g_autofree char *diff = describe_config_difference (&loaded->config, &model->config);

  if (diff == NULL)
    for (int k = 0; k < model->config.num_classes && diff == NULL; k++)
      if (!g_str_equal (loaded->classes[k], model->classes[k]))
        diff = g_strdup_printf ("class %d is '%s', the model's is '%s'", k, loaded->classes[k], model->classes[k]);
  if (diff == NULL)
    return TRUE;
  g_set_error (error, TF_ERROR, TF_ERROR_CONFIG, "%s: the checkpoint is for another model: %s", base, diff);
  return FALSE;
}

static TfOptimizer *
restore_optimizer (TfSafetensors  *st,
                   const char     *base,
                   TfModel        *model,
                   CheckpointInfo *info,
                   GError        **error)
{
  g_autoptr(TfParamGroups) groups = NULL;
  g_autoptr(TfOptimizer) opt = NULL;
  g_autoptr(GList) members = NULL;
  guint64 *param_steps;

  if (!(groups = tf_param_groups_new (model, (const char * const *) info->freeze, error)))
    {
      g_prefix_error (error, "%s: checkpoint: ", base);
      return NULL;
    }
  opt = tf_optimizer_new (&info->optim, groups);

  for (guint s = 0; s < tf_optimizer_get_n_states (opt); s++)
    {
      const char *state_name = tf_optimizer_get_state_name (opt, s);
      float *data = tf_optimizer_get_state (opt, s);

      for (guint i = 0; i < groups->n_runs; i++)
        {
          const TfParamRun *r = &groups->runs[i];
          g_autofree char *name = g_strdup_printf ("optim.%s.%s", state_name, r->name);

          /* the reader's messages start with the file's name and name the tensor */
          if (!tf_safetensors_read_f32 (st, name, r->shape, r->ndim, data + r->offset, error))
            return NULL;
          tf_safetensors_release (st, name);
        }
    }

  tf_optimizer_set_step_count (opt, info->step_count);
  param_steps = tf_optimizer_get_param_steps (opt);
  for (guint i = 0; i < groups->n_runs; i++)
    param_steps[groups->runs[i].index] = info->step_count;
  members = json_object_get_members (info->param_steps);
  for (GList *l = members; l; l = l->next)
    {
      const TfParamRun *r = tf_param_groups_find (groups, l->data);
      guint64 count;

      if (r == NULL || !node_get_u64 (json_object_get_member (info->param_steps, l->data), &count))
        {
          g_set_error (error, TF_ERROR, TF_ERROR_CONFIG,
                       "%s: checkpoint: param_steps entry '%s' is not a trained parameter with a count",
                       base, (char *) l->data);
          return NULL;
        }
      param_steps[r->index] = count;
    }
  return g_steal_pointer (&opt);
}

gboolean
tf_checkpoint_load (const char         *path,
                    TfModel           **model,
                    TfOptimizer       **optimizer,
                    TfCheckpointState  *state,
                    GError            **error)
{
  g_autoptr(TfSafetensors) st = NULL;
  g_autoptr(TfModel) loaded = NULL;
  g_autoptr(TfOptimizer) opt = NULL;
  g_auto(CheckpointInfo) info = { 0 };
  g_autofree char *base = NULL;
  const char *json;

  g_return_val_if_fail (path != NULL && model != NULL, FALSE);
  g_return_val_if_fail (optimizer == NULL || *optimizer == NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  base = g_filename_display_basename (path);
  if (!(st = tf_safetensors_open (path, error)))
    return FALSE;
  if (!(json = tf_safetensors_get_metadata (st, CHECKPOINT_KEY)))
    {
      g_set_error (error, TF_ERROR, TF_ERROR_CONFIG,
                   "%s: not a training checkpoint (metadata '%s' is missing)", base, CHECKPOINT_KEY);
      return FALSE;
    }
  if (!parse_checkpoint (json, &info, error))
    {
      g_prefix_error (error, "%s: ", base);
      return FALSE;
    }

  if (!(loaded = tf_model_load (path, error)))
    return FALSE;
  g_hash_table_remove (loaded->metadata, CHECKPOINT_KEY);
  if (*model != NULL && !check_same_model (base, loaded, *model, error))
    return FALSE;

  if (optimizer != NULL && !(opt = restore_optimizer (st, base, loaded, &info, error)))
    return FALSE;

  /* everything checked: hand the results over */
  if (*model != NULL)
    memcpy ((*model)->params, loaded->params, loaded->n_params * sizeof (float));
  else
    *model = g_steal_pointer (&loaded);
  if (optimizer != NULL)
    *optimizer = g_steal_pointer (&opt);
  if (state != NULL)
    {
      *state = info.state;
      memset (&info.state, 0, sizeof info.state);
    }
  return TRUE;
}
