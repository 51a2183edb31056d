/* SPDX-License-Identifier: Apache-2.0 */
/* exec: the process runc would actually start -- the --process document,
   or the admitted config's process with every CLI override applied the way
   runc 1.1's getProcess does -- matched against the exec_processes of the
   container entry recorded at admission. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/io.h"
#include "common/oci.h"
#include "common/sha256.h"
#include "common/xalloc.h"
#include "policy/policy.h"
#include "runtime/enforce.h"
#include "runtime/owner.h"
#include "runtime/runtime.h"
#include "runtime/state.h"

static void
strv_append (char ***v, const char *s)
{
  size_t n = *v ? strv_len (*v) : 0;
  *v = xrealloc (*v, (n + 2) * sizeof **v);
  (*v)[n] = xstrdup (s);
  (*v)[n + 1] = NULL;
}

static void
replace_str (char **field, const char *v)
{
  free (*field);
  *field = xstrdup (v);
}

static int
parse_u32 (const char *s, const char *flag, uint32_t *out, parma_error_t *err)
{
  int64_t n;
  if (parse_int64 (s, 0, UINT32_MAX, &n) < 0)
    return parma_error_make (err, EINVAL, "%s: `%s` is not a number", flag, s);
  *out = (uint32_t)n;
  return 0;
}

/* runc 1.1 utils_linux.go/exec.go getProcess, field by field. */
static int
apply_overrides (const struct parma_request *req, struct oci_process *p, parma_error_t *err)
{
  const struct exec_opts *o = req->exec;
  strv_free (p->args);
  p->args = xcalloc (req->n_args + 1, sizeof *p->args);
  for (size_t i = 0; i < req->n_args; i++)
    p->args[i] = xstrdup (req->args[i]);
  if (o->cwd.set)
    replace_str (&p->cwd, o->cwd.v);
  if (o->apparmor.set && o->apparmor.v[0])
    replace_str (&p->apparmor_profile, o->apparmor.v);
  if (o->process_label.set && o->process_label.v[0])
    replace_str (&p->selinux_label, o->process_label.v);
  if (o->cap.n > 0 && p->capabilities == NULL)
    p->capabilities = xcalloc (1, sizeof *p->capabilities);
  for (size_t i = 0; i < o->cap.n; i++)
    {
      strv_append (&p->capabilities->bounding, o->cap.v[i]);
      strv_append (&p->capabilities->effective, o->cap.v[i]);
      strv_append (&p->capabilities->permitted, o->cap.v[i]);
      strv_append (&p->capabilities->ambient, o->cap.v[i]);
    }
  for (size_t i = 0; i < o->env.n; i++)
    strv_append (&p->env, o->env.v[i]);
  if (o->no_new_privs.set)
    p->no_new_privileges = (oci_opt_bool){ .set = true, .v = o->no_new_privs.v };
  p->terminal = (oci_opt_bool){ .set = true, .v = o->tty.set && o->tty.v };
  if (o->user.set)
    {
      cleanup_free char *u = xstrdup (o->user.v);
      char *colon = strchr (u, ':');
      if (colon)
        *colon++ = '\0';
      if (parse_u32 (u, "--user", &p->user.uid, err) < 0
          || (colon && parse_u32 (colon, "--user", &p->user.gid, err) < 0))
        return -1;
    }
  for (size_t i = 0; i < o->additional_gids.n; i++)
    {
      uint32_t gid = 0;
      if (parse_u32 (o->additional_gids.v[i], "--additional-gids", &gid, err) < 0)
        return -1;
      p->user.additional_gids = xrealloc (p->user.additional_gids,
                                          (p->user.n_additional_gids + 1) * sizeof gid);
      p->user.additional_gids[p->user.n_additional_gids++] = gid;
    }
  return 0;
}

/* The admitted config's process, from the sealed bundle (parma's state:
   the caller cannot have changed it since admission). */
static int
sealed_process (const struct parma_globals *g, const struct parma_request *req,
                struct oci_config **cfg, parma_error_t *err)
{
  cleanup_free char *buf = NULL;
  size_t len = 0;
  int r = parma_state_read_sealed_config (g, req->id, &buf, &len, err);
  if (r > 0)
    return parma_error_make (err, EIO, "admission record: no sealed bundle");
  if (r < 0)
    return -1;
  struct oci_read_options ro = { .allow_unknown = true };
  if (oci_config_parse (buf, len, &ro, cfg, err) < 0)
    return -1;
  strv_free (ro.dropped_keys);
  if ((*cfg)->process == NULL)
    return parma_error_make (err, EIO, "sealed config: no process");
  return 0;
}

static int
check_exec_flags (const struct exec_opts *o, const struct policy_verdict *v, parma_error_t *err)
{
  if (o->preserve_fds.set && o->preserve_fds.v > 0)
    return parma_error_make (err, 0,
                             "preserve_fds: --preserve-fds=%lld would pass host file descriptors "
                             "into the container",
                             (long long)o->preserve_fds.v);
  if (o->cgroup.n > 0)
    return parma_error_make (err, 0, "cgroup: --cgroup: exec into another cgroup is not allowed");
  if (o->console_socket.set && !v->allow_stdio_access)
    return parma_error_make (err, 0, "allow_stdio_access: --console-socket: no stdio access");
  return 0;
}

/* A call that carries an owner token is decided by the token alone (a bad
   token is never "rescued" by the policy): the owner signed the SHA-256 of
   exactly this canonical process, which is what gets sealed. */
static int
owner_exec (struct parma_globals *g, const struct parma_request *req,
            const struct oci_process *proc, parma_error_t *err)
{
  cleanup_free char *canon = NULL;
  size_t len = 0;
  if (oci_process_write (proc, &canon, &len, err) < 0)
    return -1;
  uint8_t digest[32];
  parma_sha256 (canon, len, digest);
  struct parma_owner_target t = { .op = POLICY_OWNER_EXEC, .container = req->id, .digest = digest };
  /* Host-side plumbing the process JSON does not show is still checked:
     no inherited fds, no other cgroup, no console without stdio access. */
  struct policy_verdict none = { .allow_stdio_access = false };
  if (req->exec && check_exec_flags (req->exec, &none, err) < 0)
    return -1;
  return parma_owner_authorize (g, "exec", req->owner_token, &t, -1, err);
}

int
parma_enforce_exec (struct parma_globals *g, const struct parma_request *req, struct policy *p,
                    size_t index, parma_error_t *err)
{
  cleanup_oci_config struct oci_config *cfg = NULL;
  const struct oci_process *proc = req->process;
  if (proc == NULL)
    {
      if (sealed_process (g, req, &cfg, err) < 0)
        return parma_error_wrap (err, "exec");
      if (apply_overrides (req, cfg->process, err) < 0)
        return -1;
      proc = cfg->process;
    }
  if (req->owner_token)
    return owner_exec (g, req, proc, err);
  if (policy_prefetch_container (p, index, err) < 0)
    return -1;
  struct policy_context ctx = { .container_id = req->id };
  struct policy_verdict v = { 0 };
  int r = policy_match_exec (p, index, proc, &ctx, &v, err);
  if (r == 0 && req->exec)
    r = check_exec_flags (req->exec, &v, err);
  policy_verdict_release (&v);
  return r;
}
