/* SPDX-License-Identifier: Apache-2.0 */
/* seccomp_profile_sha256: the SHA-256 of the classic-BPF program libseccomp
   generates from the OCI linux.seccomp object, not of its JSON.  Two
   spellings of one filter (syscall order, names split across entries,
   duplicate rules, architecture list order) compile to the same program, so
   they match; a different filter compiles to a different one.  Limits: the
   program depends on the libseccomp version and the native architecture,
   so the digest is pinned for a guest image (the policy generator runs the
   same code), and flags and listener fields are not part of the program
   (flags are refused unless empty; listeners are refused by the matcher). */
#include "common/cleanup.h"
#include "common/io.h"
#include "common/oci.h"
#include "common/xalloc.h"
#include "policy/internal.h"

#include <errno.h>
#include <openssl/sha.h>
#include <seccomp.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static int
action_of (const char *name, oci_opt_u32 errno_ret, uint32_t *out)
{
  uint32_t e = errno_ret.set ? errno_ret.v : EPERM;
  static const struct
  {
    const char *name;
    uint32_t act;
  } t[] = {
    { "SCMP_ACT_KILL", SCMP_ACT_KILL_THREAD },        { "SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD },
    { "SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS }, { "SCMP_ACT_TRAP", SCMP_ACT_TRAP },
    { "SCMP_ACT_ALLOW", SCMP_ACT_ALLOW },              { "SCMP_ACT_LOG", SCMP_ACT_LOG },
    { "SCMP_ACT_NOTIFY", SCMP_ACT_NOTIFY },
  };
  if (strcmp (name, "SCMP_ACT_ERRNO") == 0)
    {
      *out = SCMP_ACT_ERRNO (e);
      return 0;
    }
  if (strcmp (name, "SCMP_ACT_TRACE") == 0)
    {
      *out = SCMP_ACT_TRACE (e);
      return 0;
    }
  for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
    if (strcmp (t[i].name, name) == 0)
      {
        *out = t[i].act;
        return 0;
      }
  return -1;
}

static int
op_of (const char *name, enum scmp_compare *out)
{
  static const struct
  {
    const char *name;
    enum scmp_compare op;
  } t[] = { { "SCMP_CMP_NE", SCMP_CMP_NE }, { "SCMP_CMP_LT", SCMP_CMP_LT },
            { "SCMP_CMP_LE", SCMP_CMP_LE }, { "SCMP_CMP_EQ", SCMP_CMP_EQ },
            { "SCMP_CMP_GE", SCMP_CMP_GE }, { "SCMP_CMP_GT", SCMP_CMP_GT },
            { "SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ } };
  for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
    if (strcmp (t[i].name, name) == 0)
      {
        *out = t[i].op;
        return 0;
      }
  return -1;
}

static const char *
arch_name (const char *oci)
{
  /* "SCMP_ARCH_X86_64" -> "x86_64" for seccomp_arch_resolve_name. */
  if (strncmp (oci, "SCMP_ARCH_", 10) == 0)
    oci += 10;
  return oci;
}

static int
add_rules (scmp_filter_ctx ctx, const struct oci_seccomp *s, parma_error_t *err)
{
  for (size_t i = 0; i < s->n_syscalls; i++)
    {
      const struct oci_seccomp_syscall *sc = &s->syscalls[i];
      uint32_t act;
      if (action_of (sc->action ? sc->action : "", sc->errno_ret, &act) < 0)
        return parma_error_make (err, EINVAL, "linux.seccomp.syscalls[%zu].action: unknown", i);
      if (sc->n_args > 6)
        return parma_error_make (err, EINVAL, "linux.seccomp.syscalls[%zu].args: more than 6", i);
      struct scmp_arg_cmp cmp[6];
      for (size_t a = 0; a < sc->n_args; a++)
        {
          enum scmp_compare op;
          if (op_of (sc->args[a].op ? sc->args[a].op : "", &op) < 0 || sc->args[a].index > 5)
            return parma_error_make (err, EINVAL, "linux.seccomp.syscalls[%zu].args[%zu]: bad op or index", i, a);
          cmp[a] = (struct scmp_arg_cmp){ sc->args[a].index, op, sc->args[a].value,
                                          sc->args[a].value_two.set ? sc->args[a].value_two.v : 0 };
        }
      for (size_t n = 0; sc->names && sc->names[n]; n++)
        {
          int nr = seccomp_syscall_resolve_name (sc->names[n]);
          if (nr == __NR_SCMP_ERROR)
            continue; /* unknown here: runc skips it too */
          int rc = seccomp_rule_add_array (ctx, act, nr, (unsigned) sc->n_args, cmp);
          if (rc < 0 && rc != -EEXIST)
            return parma_error_make (err, -rc, "linux.seccomp.syscalls[%zu].names[%zu]: rule refused", i, n);
        }
    }
  return 0;
}

int
policy_seccomp_digest (const struct oci_config *cfg, char **hex_out, parma_error_t *err)
{
  const struct oci_seccomp *s = cfg->linux_ ? cfg->linux_->seccomp : NULL;
  if (s == NULL)
    return parma_error_make (err, EINVAL, "linux.seccomp: absent");
  if (s->flags && s->flags[0])
    return parma_error_make (err, EINVAL, "linux.seccomp.flags: not supported by the policy");
  uint32_t def;
  if (action_of (s->default_action ? s->default_action : "", s->default_errno_ret, &def) < 0)
    return parma_error_make (err, EINVAL, "linux.seccomp.defaultAction: unknown");
  scmp_filter_ctx ctx = seccomp_init (def);
  if (ctx == NULL)
    return parma_error_make (err, ENOMEM, "seccomp_init");
  int ret = 0;
  /* Architectures as a set, each added once. */
  for (size_t i = 0; s->architectures && s->architectures[i] && ret == 0; i++)
    {
      cleanup_free char *lower = xstrdup (arch_name (s->architectures[i]));
      for (char *c = lower; *c; c++)
        *c = (char) (*c >= 'A' && *c <= 'Z' ? *c - 'A' + 'a' : *c);
      uint32_t a = seccomp_arch_resolve_name (lower);
      if (a == 0)
        ret = parma_error_make (err, EINVAL, "linux.seccomp.architectures[%zu]: unknown", i);
      else if (a != seccomp_arch_native ())
        {
          int rc = seccomp_arch_add (ctx, a);
          if (rc < 0 && rc != -EEXIST)
            ret = parma_error_make (err, -rc, "seccomp_arch_add %s", lower);
        }
    }
  if (ret == 0)
    ret = add_rules (ctx, s, err);
  cleanup_close int fd = -1;
  if (ret == 0)
    {
      fd = memfd_create ("parma-seccomp", MFD_CLOEXEC);
      if (fd < 0)
        ret = parma_error_make (err, errno, "memfd_create");
    }
  if (ret == 0)
    {
      int rc = seccomp_export_bpf (ctx, fd);
      if (rc < 0)
        ret = parma_error_make (err, -rc, "seccomp_export_bpf");
    }
  seccomp_release (ctx);
  if (ret < 0)
    return ret;
  cleanup_free char *bpf = NULL;
  size_t len = 0;
  if (lseek (fd, 0, SEEK_SET) < 0)
    return parma_error_make (err, errno, "lseek memfd");
  if (read_all_fd (fd, 16u << 20, &bpf, &len, err) < 0)
    return -1;
  uint8_t d[SHA256_DIGEST_LENGTH];
  SHA256 ((const uint8_t *) bpf, len, d);
  *hex_out = hex_encode (d, sizeof d);
  return 0;
}
