/* SPDX-License-Identifier: Apache-2.0 */
/* The pod facts of a CRI create (enforce_pod.h).  containerd's CRI plugin
   starts a pod as a sandbox ("pause") container, then each workload
   container joins the sandbox's namespaces by path
   (/proc/<pause pid>/ns/{ipc,uts,net}) and bind-mounts files from the
   pod's sandbox directories (.../io.containerd.grpc.v1.cri/sandboxes/<id>/
   hostname, hosts, resolv.conf, shm).  All of that is in the request, i.e.
   chosen by the host.  What the policy's pod rules are decided against
   instead:

   - sandbox (container-type "sandbox"): its io.kubernetes.cri.sandbox-id
     must be its own container id; its sandbox directories are the
     directories ".../sandboxes/<own id>" its own bind mounts come from.
   - workload (container-type "container"): its sandbox-id must name a
     container that parma-runc admitted under the same --root, whose sealed
     config (parma's copy, not the engine's) is a sandbox of that id, and
     its sandbox-name/-namespace/-uid annotations must be that sandbox's;
     the pod's name, namespace and uid and the sandbox directories come
     from that sealed config; a /proc/<pid>/ns/<type> path counts as the
     sandbox's namespace only if <pid> is that sandbox's init process: pid 1
     of its own pid namespace whose root directory is the sandbox's rootfs,
     and the path's namespace inode is that process's.

   Known limit: runc opens the /proc/<pid>/ns path after this check; if
   the sandbox's init died in between and the pid were reused, runc would
   join the new process's namespace (the pod is then gone anyway, and the
   engine tears it down). */
#include "runtime/enforce_pod.h"

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/io.h"
#include "common/oci.h"
#include "common/xalloc.h"
#include "policy/policy.h"
#include "runtime/runtime.h"
#include "runtime/state.h"

#define CRI_TYPE "io.kubernetes.cri.container-type"
#define CRI_SANDBOX_ID "io.kubernetes.cri.sandbox-id"
#define CRI_SANDBOX_NAME "io.kubernetes.cri.sandbox-name"
#define CRI_SANDBOX_NAMESPACE "io.kubernetes.cri.sandbox-namespace"
#define CRI_SANDBOX_UID "io.kubernetes.cri.sandbox-uid"
#define STATUS_MAX (64u << 10)

static const char *
annotation (const struct oci_config *cfg, const char *key)
{
  for (size_t i = 0; cfg && i < cfg->n_annotations; i++)
    if (strcmp (cfg->annotations[i].key, key) == 0)
      return cfg->annotations[i].value;
  return NULL;
}

static void unverified (struct parma_pod *pod, const char *fmt, ...)
    __attribute__ ((format (printf, 2, 3)));

static void
unverified (struct parma_pod *pod, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  free (pod->unverified);
  pod->unverified = xvasprintf (fmt, ap);
  va_end (ap);
}

static char *
dup_or_null (const char *s)
{
  return s ? xstrdup (s) : NULL;
}

/* The directories ".../sandboxes/<id>" that bind-mount sources of `cfg`
   lie directly in (containerd keeps one under its root and one under its
   state directory). */
static void
collect_sandbox_dirs (struct parma_pod *pod, const struct oci_config *cfg, const char *id)
{
  cleanup_free char *suffix = xasprintf ("/sandboxes/%s", id);
  size_t sl = strlen (suffix);
  for (size_t i = 0; i < cfg->n_mounts; i++)
    {
      const char *src = cfg->mounts[i].source;
      const char *slash = src && src[0] == '/' ? strrchr (src, '/') : NULL;
      if (slash == NULL || (size_t)(slash - src) <= sl || strncmp (slash - sl, suffix, sl) != 0)
        continue;
      cleanup_free char *dir = xstrndup (src, (size_t)(slash - src));
      bool seen = false;
      for (size_t k = 0; k < pod->n_sandbox_dirs && !seen; k++)
        seen = strcmp (pod->sandbox_dirs[k], dir) == 0;
      if (seen)
        continue;
      pod->sandbox_dirs
          = xreallocarray (pod->sandbox_dirs, pod->n_sandbox_dirs + 2, sizeof *pod->sandbox_dirs);
      pod->sandbox_dirs[pod->n_sandbox_dirs++] = steal_pointer (&dir);
      pod->sandbox_dirs[pod->n_sandbox_dirs] = NULL;
    }
}

/* A bind source in a sandbox directory is a file the engine made for this
   pod: a regular file or directory.  A symbolic link there (to parma's
   state, to /etc ...) would hand the container some other file, since
   runc follows it.  Checked at the decision (the engine could still swap
   it afterwards: see parma-runc(8)). */
static bool
sandbox_sources_plain (struct parma_pod *pod, const struct oci_config *cfg)
{
  cleanup_close int rootfd = open ("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  for (size_t i = 0; i < cfg->n_mounts; i++)
    {
      const char *src = cfg->mounts[i].source;
      bool in_pod = false;
      for (size_t k = 0; src && k < pod->n_sandbox_dirs && !in_pod; k++)
        {
          size_t dl = strlen (pod->sandbox_dirs[k]);
          in_pod = strncmp (src, pod->sandbox_dirs[k], dl) == 0 && src[dl] == '/';
        }
      if (!in_pod)
        continue;
      parma_error_t err = NULL;
      cleanup_close int fd = rootfd < 0 ? -1 : safe_openat (rootfd, src + 1, O_PATH, 0, &err);
      if (fd < 0)
        {
          cleanup_free char *why = err ? parma_error_format (err) : xstrdup ("open /");
          parma_error_release (&err);
          unverified (pod, "mounts[%zu]: source `%s` in the pod's sandbox directory: %s", i, src,
                      why);
          return false;
        }
      /* The engine makes files (hostname, hosts, resolv.conf) and
         directories (shm) there: a device node (/dev/mem, a disk), FIFO or
         socket planted by the host is none of them. */
      struct stat st;
      if (fstat (fd, &st) < 0 || !(S_ISREG (st.st_mode) || S_ISDIR (st.st_mode)))
        {
          unverified (pod,
                      "mounts[%zu]: source `%s` in the pod's sandbox directory is not a "
                      "regular file or directory",
                      i, src);
          return false;
        }
    }
  return true;
}

static void
pod_names_from (struct parma_pod *pod, const struct oci_config *cfg, const char *id)
{
  pod->sandbox_id = xstrdup (id);
  pod->sandbox_name = dup_or_null (annotation (cfg, CRI_SANDBOX_NAME));
  pod->sandbox_namespace = dup_or_null (annotation (cfg, CRI_SANDBOX_NAMESPACE));
  pod->sandbox_uid = dup_or_null (annotation (cfg, CRI_SANDBOX_UID));
  collect_sandbox_dirs (pod, cfg, id);
}

/* parma's sealed config of the admitted container `id` (trusted: written
   by parma-runc into its own state directory). */
static int
sealed_config_of (const struct parma_globals *g, const char *id, struct oci_config **out,
                  parma_error_t *err)
{
  cleanup_free char *buf = NULL;
  size_t len = 0;
  int r = parma_state_read_sealed_config (g, id, &buf, &len, err);
  if (r > 0)
    return parma_error_make (err, 0, "parma-runc never admitted a container `%s`", id);
  if (r < 0)
    return -1;
  if (oci_config_parse (buf, len, NULL, out, err) < 0)
    return parma_error_wrap (err, "sealed config of `%s`", id);
  return 0;
}

/* "/proc/<pid>/ns/<file>" -> pid (digits, owned) and file; NULL if not. */
static char *
proc_ns_pid (const char *path, const char **file)
{
  if (path == NULL || strncmp (path, "/proc/", 6) != 0)
    return NULL;
  size_t n = strspn (path + 6, "0123456789");
  if (n == 0 || n > 10 || path[6] == '0' || strncmp (path + 6 + n, "/ns/", 4) != 0)
    return NULL;
  *file = path + 6 + n + 4;
  if ((*file)[0] == '\0' || strchr (*file, '/') != NULL)
    return NULL;
  return xstrndup (path + 6, n);
}

/* Is the last NSpid field of /proc/<pid>/status 1 (init of its pid
   namespace)? */
static bool
is_ns_init (int piddir)
{
  cleanup_close int fd = openat (piddir, "status", O_RDONLY | O_CLOEXEC);
  cleanup_free char *buf = NULL;
  size_t len = 0;
  parma_error_t ignored = NULL;
  if (fd < 0 || read_all_fd (fd, STATUS_MAX, &buf, &len, &ignored) < 0)
    {
      parma_error_release (&ignored);
      return false;
    }
  char *line = strstr (buf, "\nNSpid:");
  if (line == NULL)
    return false;
  line[strcspn (line + 1, "\n") + 1] = '\0';
  char *last = strrchr (line, '\t');
  return last && strcmp (last + 1, "1") == 0;
}

static bool
same_inode (const struct stat *a, const struct stat *b)
{
  return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/* Checks that every /proc/<pid>/ns/ path of the request names one pid,
   the init process of the sandbox whose rootfs is `sandbox_root`. */
static void
verify_sandbox_pid (struct parma_pod *pod, const struct oci_config *cfg, const char *sandbox_root)
{
  const struct oci_linux *l = cfg->linux_;
  cleanup_free char *pid = NULL;
  for (size_t i = 0; l && i < l->n_namespaces; i++)
    {
      const char *file = NULL;
      cleanup_free char *p = proc_ns_pid (l->namespaces[i].path, &file);
      if (p == NULL)
        continue;
      if (pid && strcmp (pid, p) != 0)
        {
          unverified (pod, "namespace paths name two processes (%s, %s)", pid, p);
          return;
        }
      if (pid == NULL)
        pid = steal_pointer (&p);
    }
  if (pid == NULL)
    return;
  cleanup_free char *dir = xasprintf ("/proc/%s", pid);
  /* Every check below goes through this one fd: if the pid dies and is
     reused meanwhile, the lookups fail instead of reading another process. */
  cleanup_close int piddir = open (dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  struct stat proot, sroot;
  if (piddir < 0)
    {
      unverified (pod, "%s: %s", dir, strerror (errno));
      return;
    }
  if (!is_ns_init (piddir))
    {
      unverified (pod, "process %s is not the init process of a pid namespace", pid);
      return;
    }
  if (sandbox_root == NULL || fstatat (piddir, "root", &proot, 0) < 0
      || stat (sandbox_root, &sroot) < 0 || !same_inode (&proot, &sroot))
    {
      unverified (pod,
                  "process %s is not the sandbox's init (its root is not the sandbox's "
                  "rootfs)",
                  pid);
      return;
    }
  for (size_t i = 0; l && i < l->n_namespaces; i++)
    {
      const char *file = NULL;
      cleanup_free char *p = proc_ns_pid (l->namespaces[i].path, &file);
      if (p == NULL)
        continue;
      cleanup_free char *rel = xasprintf ("ns/%s", file);
      struct stat want, got;
      if (fstatat (piddir, rel, &want, 0) < 0 || stat (l->namespaces[i].path, &got) < 0
          || !same_inode (&want, &got))
        {
          unverified (pod, "%s is not the sandbox's namespace", l->namespaces[i].path);
          return;
        }
    }
  pod->sandbox_pid = steal_pointer (&pid);
}

/* Forgets every fact but the reason. */
static void
clear_facts (struct parma_pod *pod)
{
  char *why = steal_pointer (&pod->unverified);
  parma_pod_release (pod);
  pod->unverified = why;
}

static void
workload_facts (const struct parma_globals *g, const struct parma_request *req,
                struct parma_pod *pod, const char *sbid)
{
  parma_error_t err = NULL;
  cleanup_oci_config struct oci_config *sb = NULL;
  if (parma_check_id (sbid, &err) < 0 || sealed_config_of (g, sbid, &sb, &err) < 0)
    {
      cleanup_free char *why = parma_error_format (err);
      parma_error_release (&err);
      unverified (pod, "%s %s: %s", CRI_SANDBOX_ID, sbid, why);
      return;
    }
  const char *type = annotation (sb, CRI_TYPE), *id = annotation (sb, CRI_SANDBOX_ID);
  if (type == NULL || strcmp (type, "sandbox") != 0 || id == NULL || strcmp (id, sbid) != 0)
    {
      unverified (pod,
                  "%s %s: parma-runc admitted that container, but not as this pod's "
                  "sandbox",
                  CRI_SANDBOX_ID, sbid);
      return;
    }
  /* The request must not claim another pod's name: so a policy may pin the
     pod's name exactly and still mean this sandbox's. */
  static const char *const same[] = { CRI_SANDBOX_NAME, CRI_SANDBOX_NAMESPACE, CRI_SANDBOX_UID };
  for (size_t i = 0; i < sizeof same / sizeof same[0]; i++)
    {
      const char *mine = annotation (req->config, same[i]), *its = annotation (sb, same[i]);
      if ((mine == NULL) != (its == NULL) || (mine && strcmp (mine, its) != 0))
        {
          unverified (pod, "%s `%s` is not that of sandbox %s (`%s`)", same[i], mine ? mine : "",
                      sbid, its ? its : "");
          return;
        }
    }
  pod_names_from (pod, sb, sbid);
  if (!sandbox_sources_plain (pod, req->config))
    {
      clear_facts (pod);
      return;
    }
  verify_sandbox_pid (pod, req->config, sb->root ? sb->root->path : NULL);
}

void
parma_pod_facts (const struct parma_globals *g, const struct parma_request *req,
                 struct parma_pod *pod)
{
  *pod = (struct parma_pod){ 0 };
  const char *type = annotation (req->config, CRI_TYPE);
  const char *sbid = annotation (req->config, CRI_SANDBOX_ID);
  if (type == NULL)
    return;
  if (sbid == NULL || req->id == NULL)
    {
      unverified (pod, "%s %s without %s", CRI_TYPE, type, CRI_SANDBOX_ID);
      return;
    }
  if (strcmp (type, "sandbox") == 0)
    {
      if (strcmp (sbid, req->id) != 0)
        {
          unverified (pod, "a sandbox's %s must be its own id", CRI_SANDBOX_ID);
          return;
        }
      pod_names_from (pod, req->config, sbid);
      if (!sandbox_sources_plain (pod, req->config))
        clear_facts (pod);
      return;
    }
  if (strcmp (type, "container") == 0)
    {
      workload_facts (g, req, pod, sbid);
      return;
    }
  unverified (pod, "%s `%s` is neither sandbox nor container", CRI_TYPE, type);
}

void
parma_pod_context (const struct parma_pod *pod, struct policy_context *ctx)
{
  ctx->sandbox_id = pod->sandbox_id;
  ctx->sandbox_name = pod->sandbox_name;
  ctx->sandbox_namespace = pod->sandbox_namespace;
  ctx->sandbox_uid = pod->sandbox_uid;
  ctx->sandbox_pid = pod->sandbox_pid;
  ctx->sandbox_dirs = (const char *const *)pod->sandbox_dirs;
  ctx->n_sandbox_dirs = pod->n_sandbox_dirs;
}

void
parma_pod_release (struct parma_pod *pod)
{
  free (pod->sandbox_id);
  free (pod->sandbox_name);
  free (pod->sandbox_namespace);
  free (pod->sandbox_uid);
  free (pod->sandbox_pid);
  for (size_t i = 0; i < pod->n_sandbox_dirs; i++)
    free (pod->sandbox_dirs[i]);
  free (pod->sandbox_dirs);
  free (pod->unverified);
  *pod = (struct parma_pod){ 0 };
}

int
parma_pod_explain (const struct parma_pod *pod, parma_error_t *err)
{
  cleanup_free char *msg = xstrdup ((*err)->msg ? (*err)->msg : "");
  int status = (*err)->status;
  parma_error_release (err);
  return parma_error_make (err, status, "%s; pod: %s", msg, pod->unverified);
}
