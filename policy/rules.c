/* SPDX-License-Identifier: Apache-2.0 */
/* One function per rule of a container entry.  Each records its failures in
   the verdict (rule name + why, the policy's value and the request's) and
   goes on: the caller wants every failed rule of the closest entry. */
#include "common/cleanup.h"
#include "common/oci.h"
#include "common/strbuf.h"
#include "common/xalloc.h"
#include "policy/match_rules.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>

/* JSON-ish rendering of an argv for messages. */
static char *
render_strv (char *const *v, size_t n)
{
  cleanup_strbuf struct strbuf sb = { 0 };
  strbuf_putc (&sb, '[');
  for (size_t i = 0; i < n; i++)
    {
      if (i)
        strbuf_putc (&sb, ',');
      strbuf_json_string (&sb, v[i], strlen (v[i]));
    }
  strbuf_putc (&sb, ']');
  return strbuf_steal (&sb);
}

/* Placeholder values come from the runtime (annotations of the sandbox
   the engine created); they are still host-chosen, so only DNS-label-like
   characters are accepted: a value can never add an argument, a path
   separator or shell syntax to a command. */
static const char *
placeholder_value (const char *name, size_t len, const struct policy_context *ctx)
{
  static const struct
  {
    const char *name;
    size_t off;
  } table[] = {
    { "container-id", offsetof (struct policy_context, container_id) },
    { "sandbox-name", offsetof (struct policy_context, sandbox_name) },
    { "sandbox-namespace", offsetof (struct policy_context, sandbox_namespace) },
    { "sandbox-id", offsetof (struct policy_context, sandbox_id) },
    { "sandbox-uid", offsetof (struct policy_context, sandbox_uid) },
  };
  for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
    if (strlen (table[i].name) == len && strncmp (table[i].name, name, len) == 0)
      {
        const char *v = *(const char *const *) ((const char *) ctx + table[i].off);
        if (v == NULL || v[0] == '\0')
          return NULL;
        for (const char *s = v; *s; s++)
          if (!isalnum ((unsigned char) *s) && *s != '-' && *s != '.' && *s != '_')
            return NULL;
        return v;
      }
  return NULL;
}

char *
policy_expand_placeholders (const char *tmpl, const struct policy_context *ctx)
{
  cleanup_strbuf struct strbuf sb = { 0 };
  for (const char *s = tmpl; *s;)
    {
      if (s[0] == '$' && s[1] == '$')
        {
          strbuf_putc (&sb, '$');
          s += 2;
          continue;
        }
      if (s[0] == '$' && s[1] == '(')
        {
          const char *end = strchr (s + 2, ')');
          if (end == NULL)
            return NULL;
          const char *v = placeholder_value (s + 2, (size_t) (end - s - 2), ctx);
          if (v == NULL)
            return NULL;
          strbuf_puts (&sb, v);
          s = end + 1;
          continue;
        }
      strbuf_putc (&sb, *s++);
    }
  if (sb.buf == NULL)
    strbuf_puts (&sb, "");
  return strbuf_steal (&sb);
}

static void
check_command (const struct pol_process *pp, const struct oci_process *proc,
               const struct policy_context *ctx, struct policy_verdict *v)
{
  size_t n = proc->args ? strv_len (proc->args) : 0;
  bool ok = n == pp->n_command;
  for (size_t i = 0; ok && i < n; i++)
    {
      if (pp->has_placeholder && strchr (pp->command[i], '$') != NULL)
        {
          cleanup_free char *e = policy_expand_placeholders (pp->command[i], ctx);
          ok = e != NULL && strcmp (e, proc->args[i]) == 0;
        }
      else
        ok = strcmp (pp->command[i], proc->args[i]) == 0;
    }
  if (!ok)
    {
      cleanup_free char *a = render_strv (pp->command, pp->n_command);
      cleanup_free char *b = render_strv (proc->args, n);
      verdict_fail (v, "command", "policy %s vs request %s", a, b);
    }
}

static void
check_env (const struct pol_process *pp, const struct oci_process *proc, const bool *switches,
           struct policy_verdict *v)
{
  size_t n = proc->env ? strv_len (proc->env) : 0;
  bool dropping = switches[POLICY_ALLOW_ENVIRONMENT_VARIABLE_DROPPING];
  uint64_t matched_required = 0; /* first 64 required rules tracked */
  for (size_t i = 0; i < n; i++)
    {
      bool ok = false;
      for (size_t r = 0; r < pp->n_env; r++)
        if (policy_rule_matches (&pp->env[r], proc->env[i]))
          {
            ok = true;
            if (r < 64)
              matched_required |= UINT64_C (1) << r;
            break;
          }
      if (ok)
        continue;
      if (dropping)
        {
          v->drop_env = xreallocarray (v->drop_env, v->n_drop_env + 1, sizeof *v->drop_env);
          v->drop_env[v->n_drop_env++] = i;
        }
      else
        verdict_fail (v, "env_rules", "%s matches no rule", proc->env[i]);
    }
  for (size_t r = 0; r < pp->n_env; r++)
    {
      if (!pp->env[r].required)
        continue;
      bool seen = r < 64 ? (matched_required >> r) & 1 : false;
      /* A variable may have matched an earlier rule first: look again. */
      for (size_t i = 0; !seen && i < n; i++)
        seen = policy_rule_matches (&pp->env[r], proc->env[i]);
      if (!seen)
        verdict_fail (v, "env_rules", "required %s rule \"%s\" is matched by no variable",
                      pp->env[r].is_re ? "re" : "string", pp->env[r].pattern);
    }
}

static int
cmp_u32 (const void *a, const void *b)
{
  uint32_t x = *(const uint32_t *) a, y = *(const uint32_t *) b;
  return x < y ? -1 : x > y;
}

static void
check_user (const struct pol_user *pu, const struct oci_process *proc, struct policy_verdict *v)
{
  const struct oci_user *u = &proc->user;
  if (u->uid != pu->uid || u->gid != pu->gid)
    verdict_fail (v, "user", "policy uid:gid %u:%u vs request %u:%u", pu->uid, pu->gid, u->uid,
                  u->gid);
  if (u->username != NULL)
    verdict_fail (v, "user", "user.username is not supported on Linux (use numeric ids)");
  /* runc's default umask is 0022 when the config has none. */
  uint32_t um = u->umask.set ? u->umask.v : 022;
  if (um != pu->umask)
    verdict_fail (v, "user", "policy umask %04o vs request %04o", pu->umask, um);
  cleanup_free uint32_t *g = xcalloc (u->n_additional_gids + 1, sizeof *g);
  if (u->n_additional_gids > 0)
    memcpy (g, u->additional_gids, u->n_additional_gids * sizeof *g);
  qsort (g, u->n_additional_gids, sizeof *g, cmp_u32);
  size_t ng = 0;
  for (size_t i = 0; i < u->n_additional_gids; i++)
    if (i == 0 || g[i] != g[i - 1])
      g[ng++] = g[i];
  if (ng != pu->n_gids || memcmp (g, pu->gids, ng * sizeof *g) != 0)
    verdict_fail (v, "user", "additional_gids differ from the policy's (%zu in policy, %zu in request)",
                  pu->n_gids, ng);
}

static char *
render_caps (uint64_t m)
{
  cleanup_strbuf struct strbuf sb = { 0 };
  strbuf_putc (&sb, '[');
  for (int i = 0; i < 64; i++)
    if (m & (UINT64_C (1) << i))
      {
        char *name = cap_to_name ((cap_value_t) i);
        strbuf_appendf (&sb, "%s%s", sb.len > 1 ? "," : "", name ? name : "?");
        cap_free (name);
      }
  strbuf_putc (&sb, ']');
  char *s = strbuf_steal (&sb);
  for (char *c = s; *c; c++)
    *c = (char) toupper ((unsigned char) *c);
  return s;
}

uint64_t
policy_request_caps (char **names, const char **bad)
{
  uint64_t m = 0;
  for (size_t i = 0; names && names[i]; i++)
    {
      int n = policy_cap_number (names[i]);
      if (n < 0)
        {
          *bad = names[i];
          continue;
        }
      m |= UINT64_C (1) << n;
    }
  return m;
}

static void
check_caps (const struct pol_process *pp, const struct oci_process *proc, const bool *switches,
            struct policy_verdict *v)
{
  const struct oci_capabilities *c = proc->capabilities;
  char **sets[N_CAP_SETS] = { NULL };
  if (c)
    {
      sets[0] = c->ambient;
      sets[1] = c->bounding;
      sets[2] = c->effective;
      sets[3] = c->inheritable;
      sets[4] = c->permitted;
    }
  bool dropping = switches[POLICY_ALLOW_CAPABILITY_DROPPING];
  for (size_t i = 0; i < N_CAP_SETS; i++)
    {
      const char *bad = NULL;
      uint64_t m = policy_request_caps (sets[i], &bad);
      if (bad)
        verdict_fail (v, "capabilities", "%s: unknown capability \"%s\"", policy_cap_set_names[i],
                      bad);
      bool ok = dropping ? (m & ~pp->caps[i]) == 0 : m == pp->caps[i];
      if (!ok)
        {
          cleanup_free char *a = render_caps (pp->caps[i]);
          cleanup_free char *b = render_caps (m);
          verdict_fail (v, "capabilities", "%s: policy %s vs request %s", policy_cap_set_names[i],
                        a, b);
        }
    }
}

void
check_process (const struct pol_process *pp, const struct oci_process *proc,
               const struct policy_context *ctx, const bool *switches, bool is_exec,
               struct policy_verdict *v)
{
  (void) is_exec;
  check_command (pp, proc, ctx, v);
  check_env (pp, proc, switches, v);
  const char *cwd = proc->cwd ? proc->cwd : "";
  if (strcmp (cwd, pp->working_dir) != 0)
    verdict_fail (v, "working_dir", "policy \"%s\" vs request \"%s\"", pp->working_dir, cwd);
  check_user (&pp->user, proc, v);
  check_caps (pp, proc, switches, v);
  bool nnp = proc->no_new_privileges.set && proc->no_new_privileges.v;
  if (pp->no_new_privileges && !nnp)
    verdict_fail (v, "no_new_privileges", "policy requires noNewPrivileges: true");
  if (proc->apparmor_profile || proc->selinux_label)
    verdict_fail (v, "unsupported", "process.apparmorProfile/selinuxLabel must be absent");
}

