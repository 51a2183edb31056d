/* SPDX-License-Identifier: Apache-2.0 */
/* gen: writes a policy from real inputs.  --bundle admits exactly that
   container (and the --exec processes); --open-door admits everything;
   --oci-layout (gen_layout.c) reads an OCI image layout. */
#include "common/cleanup.h"
#include "common/io.h"
#include "common/oci.h"
#include "common/strbuf.h"
#include "common/xalloc.h"
#include "policy/cli/cli.h"
#include "policy/cli/gen.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>

static json_t *
strv_json (char **v)
{
  json_t *a = json_array ();
  for (size_t i = 0; v && v[i]; i++)
    json_array_append_new (a, json_string (v[i]));
  return a;
}

static json_t *
env_rules_json (char **env)
{
  json_t *a = json_array ();
  for (size_t i = 0; env && env[i]; i++)
    json_array_append_new (a, json_pack ("{s:s,s:s,s:b}", "pattern", env[i], "strategy", "string",
                                         "required", 1));
  return a;
}

/* Fields shared by the init process and exec processes. */
static void
process_fields (json_t *o, const struct oci_process *p)
{
  json_object_set_new (o, "command", strv_json (p->args));
  json_object_set_new (o, "env_rules", env_rules_json (p->env));
  json_object_set_new (o, "working_dir", json_string (p->cwd ? p->cwd : "/"));
  json_t *gids = json_array ();
  for (size_t i = 0; i < p->user.n_additional_gids; i++)
    json_array_append_new (gids, json_integer (p->user.additional_gids[i]));
  char um[8];
  snprintf (um, sizeof um, "%04o", p->user.umask.set ? p->user.umask.v : 022);
  json_object_set_new (o, "user", json_pack ("{s:I,s:I,s:o,s:s}", "uid", (json_int_t) p->user.uid,
                                             "gid", (json_int_t) p->user.gid, "additional_gids",
                                             gids, "umask", um));
  const struct oci_capabilities *c = p->capabilities;
  json_object_set_new (o, "capabilities",
                       json_pack ("{s:o,s:o,s:o,s:o,s:o}", "ambient", strv_json (c ? c->ambient : NULL),
                                  "bounding", strv_json (c ? c->bounding : NULL), "effective",
                                  strv_json (c ? c->effective : NULL), "inheritable",
                                  strv_json (c ? c->inheritable : NULL), "permitted",
                                  strv_json (c ? c->permitted : NULL)));
  json_object_set_new (o, "no_new_privileges",
                       json_boolean (p->no_new_privileges.set && p->no_new_privileges.v));
  /* SIGTERM and SIGKILL: what engines send to stop and delete. */
  json_object_set_new (o, "signals", json_pack ("[i,i]", 15, 9));
}

static json_t *
hooks_json (const struct oci_hooks *h)
{
  json_t *o = json_object ();
  if (h == NULL)
    return o;
  const struct oci_hook *v[6] = { h->create_container, h->create_runtime, h->poststart,
                                  h->poststop, h->prestart, h->start_container };
  size_t n[6] = { h->n_create_container, h->n_create_runtime, h->n_poststart, h->n_poststop,
                  h->n_prestart, h->n_start_container };
  static const char *const names[6] = { "create_container", "create_runtime", "poststart",
                                        "poststop", "prestart", "start_container" };
  for (size_t k = 0; k < 6; k++)
    {
      json_t *a = json_array ();
      for (size_t i = 0; i < n[k]; i++)
        json_array_append_new (a, json_pack ("{s:s,s:o,s:o}", "path", v[k][i].path ? v[k][i].path : "",
                                             "args", strv_json (v[k][i].args), "env",
                                             strv_json (v[k][i].env)));
      json_object_set_new (o, names[k], a);
    }
  return o;
}

static void
linux_fields (json_t *o, const struct oci_config *cfg)
{
  const struct oci_linux *l = cfg->linux_;
  json_t *ns = json_array (), *dev = json_array (), *sys = json_object ();
  for (size_t i = 0; l && i < l->n_namespaces; i++)
    {
      const struct oci_namespace *n = &l->namespaces[i];
      cleanup_free char *s = n->path && n->path[0] ? xasprintf ("%s:%s", n->type, n->path)
                                                   : xstrdup (n->type);
      json_array_append_new (ns, json_string (s));
    }
  for (size_t i = 0; l && i < l->n_devices; i++)
    json_array_append_new (dev, json_pack ("{s:s,s:s,s:I,s:I}", "path", l->devices[i].path,
                                           "type", l->devices[i].type, "major",
                                           (json_int_t) l->devices[i].major.v, "minor",
                                           (json_int_t) l->devices[i].minor.v));
  for (size_t i = 0; l && i < l->n_sysctl; i++)
    json_object_set_new (sys, l->sysctl[i].key, json_string (l->sysctl[i].value));
  json_object_set_new (o, "namespaces", ns);
  json_object_set_new (o, "devices", dev);
  json_object_set_new (o, "sysctls", sys);
  json_object_set_new (o, "masked_paths", strv_json (l ? l->masked_paths : NULL));
  json_object_set_new (o, "readonly_paths", strv_json (l ? l->readonly_paths : NULL));
}

static int
container_from_bundle (const struct oci_config *cfg, const char *name, char **execs,
                       json_t **out, parma_error_t *err)
{
  if (cfg->process == NULL)
    return parma_error_make (err, EINVAL, "bundle: config.json has no process");
  cleanup_json json_t *o = json_object ();
  json_object_set_new (o, "name", json_string (name));
  process_fields (o, cfg->process);
  json_t *rl = json_array ();
  for (size_t i = 0; i < cfg->process->n_rlimits; i++)
    json_array_append_new (rl, json_pack ("{s:s,s:I,s:I}", "type", cfg->process->rlimits[i].type,
                                          "hard", (json_int_t) cfg->process->rlimits[i].hard,
                                          "soft", (json_int_t) cfg->process->rlimits[i].soft));
  json_object_set_new (o, "rlimits", rl);
  json_t *mounts = json_array ();
  for (size_t i = 0; i < cfg->n_mounts; i++)
    {
      const struct oci_mount *m = &cfg->mounts[i];
      /* As the matcher reads it: a typeless mount is a bind mount only
         with a bind/rbind option. */
      const char *type = m->type;
      for (size_t k = 0; type == NULL && m->options && m->options[k]; k++)
        if (strcmp (m->options[k], "bind") == 0 || strcmp (m->options[k], "rbind") == 0)
          type = "bind";
      json_array_append_new (mounts, json_pack ("{s:s,s:s,s:s,s:s,s:o}", "destination",
                                                m->destination, "type", type ? type : "", "source",
                                                m->source ? m->source : "", "source_strategy",
                                                "string", "options", strv_json (m->options)));
    }
  json_object_set_new (o, "mounts", mounts);
  linux_fields (o, cfg);
  if (cfg->linux_ && cfg->linux_->seccomp)
    {
      cleanup_free char *d = NULL;
      if (policy_seccomp_digest (cfg, &d, err) < 0)
        return -1;
      json_object_set_new (o, "seccomp_profile_sha256", json_string (d));
    }
  cleanup_free char *host = cli_re_escape (cfg->hostname ? cfg->hostname : "");
  json_object_set_new (o, "hostname", json_string (host));
  json_t *ann = json_array ();
  for (size_t i = 0; i < cfg->n_annotations; i++)
    {
      cleanup_free char *k = cli_re_escape (cfg->annotations[i].key);
      cleanup_free char *v = cli_re_escape (cfg->annotations[i].value);
      json_array_append_new (ann, json_pack ("{s:s,s:s}", "key", k, "value", v));
    }
  json_object_set_new (o, "annotations", ann);
  json_object_set_new (o, "hooks", hooks_json (cfg->hooks));
  json_object_set_new (o, "root_readonly",
                       json_boolean (cfg->root && cfg->root->readonly.set && cfg->root->readonly.v));
  json_object_set_new (o, "allow_stdio_access", json_true ());
  json_t *ex = json_array ();
  for (size_t i = 0; execs && execs[i]; i++)
    {
      cleanup_free char *buf = NULL;
      size_t len = 0;
      if (read_file_at (AT_FDCWD, execs[i], OCI_MAX_DOCUMENT, &buf, &len, err) < 0)
        return -1;
      cleanup_oci_process struct oci_process *p = NULL;
      if (oci_process_parse (buf, len, NULL, &p, err) < 0)
        return parma_error_wrap (err, "%s", execs[i]);
      json_t *e = json_object ();
      process_fields (e, p);
      json_array_append_new (ex, e);
    }
  json_object_set_new (o, "exec_processes", ex);
  *out = steal_pointer (&o);
  return 0;
}

/* Loads the generated document through the library (validation, canonical
   form) and writes the canonical bytes. */
/* A generated command is literal: "$" is written "$$" so the matcher
   never reads a "$(" of the bundle or image as a placeholder. */
static void
escape_command (json_t *cmd)
{
  for (size_t i = 0; i < json_array_size (cmd); i++)
    {
      const char *a = json_string_value (json_array_get (cmd, i));
      if (a == NULL || strchr (a, '$') == NULL)
        continue;
      cleanup_strbuf struct strbuf sb = { 0 };
      for (; *a; a++)
        strbuf_puts (&sb, *a == '$' ? "$$" : (char[]) { *a, 0 });
      json_array_set_new (cmd, i, json_string (sb.buf));
    }
}

static void
escape_commands (json_t *doc)
{
  json_t *containers = json_object_get (doc, "containers");
  for (size_t i = 0; i < json_array_size (containers); i++)
    {
      json_t *c = json_array_get (containers, i);
      escape_command (json_object_get (c, "command"));
      json_t *ex = json_object_get (c, "exec_processes");
      for (size_t k = 0; k < json_array_size (ex); k++)
        escape_command (json_object_get (json_array_get (ex, k), "command"));
    }
}

int
gen_emit (json_t *doc, const char *out, parma_error_t *err)
{
  escape_commands (doc);
  cleanup_free char *text = json_dumps (doc, JSON_COMPACT | JSON_SORT_KEYS);
  cleanup_policy struct policy *p = NULL;
  if (policy_load (text, strlen (text), &p, err) < 0)
    return parma_error_wrap (err, "generated policy");
  size_t len;
  const char *c = policy_canonical (p, &len);
  cleanup_free char *line = xasprintf ("%.*s\n", (int) len, c);
  return cli_write_out (out, line, len + 1, err) < 0 ? -1 : 0;
}

int
verb_gen (int argc, char **argv, parma_error_t *err)
{
  const char *bundle = NULL, *layout = NULL, *out = NULL, *name = NULL;
  bool open_door = false, diff_ids = false;
  cleanup_free char **execs = xcalloc ((size_t) argc + 1, sizeof *execs);
  size_t n_execs = 0;
  for (int i = 1; i < argc; i++)
    if (strcmp (argv[i], "--pod") == 0)
      return gen_pod (argc, argv, err); /* gen_pod.c */
  for (int i = 1; i < argc; i++)
    if (strcmp (argv[i], "--bundle") == 0 && i + 1 < argc)
      bundle = argv[++i];
    else if (strcmp (argv[i], "--oci-layout") == 0 && i + 1 < argc)
      layout = argv[++i];
    else if (strcmp (argv[i], "--exec") == 0 && i + 1 < argc)
      execs[n_execs++] = argv[++i];
    else if (strcmp (argv[i], "--name") == 0 && i + 1 < argc)
      name = argv[++i];
    else if (strcmp (argv[i], "-o") == 0 && i + 1 < argc)
      out = argv[++i];
    else if (strcmp (argv[i], "--diff-ids") == 0)
      diff_ids = true;
    else if (strcmp (argv[i], "--open-door") == 0)
      open_door = true;
    else
      return parma_error_make (err, EINVAL, "gen: bad argument `%s`", argv[i]);
  if ((bundle != NULL) + (layout != NULL) + open_door != 1)
    return parma_error_make (err, EINVAL, "gen: one of --bundle, --oci-layout, --open-door");
  if (open_door)
    {
      cleanup_json json_t *doc = json_pack ("{s:i,s:b}", "version", 1, "open_door", 1);
      return gen_emit (doc, out, err);
    }
  if (layout)
    return gen_oci_layout (layout, name, diff_ids, out, err);
  cleanup_oci_config struct oci_config *cfg = NULL;
  if (cli_load_bundle (bundle, false, &cfg, err) < 0)
    return -1;
  cleanup_free char *base = NULL;
  if (name == NULL)
    {
      const char *s = strrchr (bundle, '/');
      base = xstrdup (s && s[1] ? s + 1 : bundle);
      name = base;
    }
  json_t *c = NULL;
  if (container_from_bundle (cfg, name, execs, &c, err) < 0)
    return -1;
  cleanup_json json_t *doc = json_pack ("{s:i,s:[o]}", "version", 1, "containers", c);
  return gen_emit (doc, out, err);
}
