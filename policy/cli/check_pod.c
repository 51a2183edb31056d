/* SPDX-License-Identifier: Apache-2.0 */
/* check, offline, of a CRI bundle: there is no trusted state to verify the
   pod's facts from (parma-runc does that at create, enforce_pod.c), so
   they are taken from the request itself, and the verdict says so: the
   pid of its /proc/<pid>/ns/ paths, the .../sandboxes/<sandbox-id>
   directories of its bind-mount sources, the sandbox annotations. */
#include "common/cleanup.h"
#include "common/oci.h"
#include "common/xalloc.h"
#include "policy/cli/check_pod.h"

#include <stdlib.h>
#include <string.h>

static const char *
annotation (const struct oci_config *cfg, const char *key)
{
  for (size_t i = 0; i < cfg->n_annotations; i++)
    if (strcmp (cfg->annotations[i].key, key) == 0)
      return cfg->annotations[i].value;
  return NULL;
}

bool
check_pod_assume (const struct oci_config *cfg, struct check_pod *pod, struct policy_context *ctx)
{
  *pod = (struct check_pod){ 0 };
  const char *sbid = annotation (cfg, "io.kubernetes.cri.sandbox-id");
  if (sbid == NULL)
    return false;
  ctx->sandbox_uid = annotation (cfg, "io.kubernetes.cri.sandbox-uid");
  for (size_t i = 0; cfg->linux_ && i < cfg->linux_->n_namespaces && pod->pid == NULL; i++)
    {
      const char *p = cfg->linux_->namespaces[i].path;
      size_t n = p && strncmp (p, "/proc/", 6) == 0 ? strspn (p + 6, "0123456789") : 0;
      if (n > 0 && strncmp (p + 6 + n, "/ns/", 4) == 0)
        pod->pid = xstrndup (p + 6, n);
    }
  cleanup_free char *suffix = xasprintf ("/sandboxes/%s", sbid);
  size_t sl = strlen (suffix);
  pod->dirs = xcalloc (cfg->n_mounts + 1, sizeof *pod->dirs);
  for (size_t i = 0; i < cfg->n_mounts; i++)
    {
      const char *src = cfg->mounts[i].source;
      const char *slash = src ? strrchr (src, '/') : NULL;
      if (slash && (size_t)(slash - src) > sl && strncmp (slash - sl, suffix, sl) == 0)
        pod->dirs[pod->n_dirs++] = xstrndup (src, (size_t)(slash - src));
    }
  ctx->sandbox_pid = pod->pid;
  ctx->sandbox_dirs = (const char *const *)pod->dirs;
  ctx->n_sandbox_dirs = pod->n_dirs;
  return true;
}

void
check_pod_release (struct check_pod *pod)
{
  free (pod->pid);
  for (size_t i = 0; i < pod->n_dirs; i++)
    free (pod->dirs[i]);
  free (pod->dirs);
  *pod = (struct check_pod){ 0 };
}
