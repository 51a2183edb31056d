/* SPDX-License-Identifier: Apache-2.0 */
/* gen --pod MANIFEST.json --pause-image NAME=DIR --image NAME=DIR...:
   a policy for one Kubernetes Pod run through containerd's CRI plugin with
   the parma handler: one entry for the pod's sandbox ("pause") container
   and one per container of the pod, each as containerd 1.6's CRI plugin
   and the kubelet build its OCI config:

   - command: containerd's rule (command overrides the image Entrypoint,
     args its Cmd), after the kubelet's $(VAR) expansion from the
     container's env;
   - env: the image's Env, HOSTNAME (the node's name), then the
     container's env, a later name replacing an earlier one;
   - working_dir, user (runAsUser/runAsGroup over the image's User),
     additional_gids (the primary gid, which containerd always adds, and
     supplementalGroups), capabilities (containerd's default set with the
     securityContext's add/drop), no_new_privileges
     (allowPrivilegeEscalation: false), root_readonly
     (readOnlyRootFilesystem);
   - the pod's own parts as pod rules (policy/cri.h): the sandbox's
     namespaces ("TYPE:$(sandbox-ns)"), its hostname, hosts, resolv.conf
     and shm files ("sandbox:///F"), the sandbox's id and uid as templates
     ($(sandbox-id), $(sandbox-uid)), the pod's name and namespace exactly;
   - volumes: hostPath by its path; emptyDir, configMap, secret, projected
     and downwardAPI by the kubelet's directory for them;
   - exec processes: the exec probes and every --exec NAME=JSON-ARGV;
   - layers from the local OCI images (as gen --oci-layout), unless
     --any-rootfs: containerd's overlayfs snapshotter does not mount
     verified layers, so an entry that pins layers admits nothing there.

   What a pod manifest can say that this does not map is refused with the
   field named (hostNetwork: false, hostPID, hostIPC, privileged, seccomp
   profiles, env valueFrom, subPath, ...).  The manifest is JSON; YAML is
   refused with the command that converts it. */
#include "common/cleanup.h"
#include "common/io.h"
#include "common/xalloc.h"
#include "policy/cli/cli.h"
#include "policy/cli/gen.h"
#include "policy/cri.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#define MAX_MANIFEST (4u << 20)
#define KUBELET_PODS "/var/lib/kubelet/pods/[0-9a-f-]+"

/* containerd 1.6 (pkg/cri) default capabilities, sandbox and containers. */
static const char *const default_caps[] = { "CAP_CHOWN",
                                            "CAP_DAC_OVERRIDE",
                                            "CAP_FSETID",
                                            "CAP_FOWNER",
                                            "CAP_MKNOD",
                                            "CAP_NET_RAW",
                                            "CAP_SETGID",
                                            "CAP_SETUID",
                                            "CAP_SETFCAP",
                                            "CAP_SETPCAP",
                                            "CAP_NET_BIND_SERVICE",
                                            "CAP_SYS_CHROOT",
                                            "CAP_KILL",
                                            "CAP_AUDIT_WRITE",
                                            NULL };

/* The kubelet's (and containerd's) default masked and read-only paths;
   the policy requires at least these. */
static const char *const masked_paths[] = { "/proc/acpi",
                                            "/proc/asound",
                                            "/proc/kcore",
                                            "/proc/keys",
                                            "/proc/latency_stats",
                                            "/proc/timer_list",
                                            "/proc/timer_stats",
                                            "/proc/sched_debug",
                                            "/proc/scsi",
                                            "/sys/firmware",
                                            NULL };
static const char *const readonly_paths[]
    = { "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger", NULL };

struct pod_opts
{
  const char *manifest, *pause, *out;
  const char **images, **execs; /* NAME=DIR[:REF], NAME=JSON-ARGV */
  size_t n_images, n_execs;
  bool diff_ids, any_rootfs;
};

static json_t *
strv_json (const char *const *v)
{
  json_t *a = json_array ();
  for (size_t i = 0; v && v[i]; i++)
    json_array_append_new (a, json_string (v[i]));
  return a;
}

static json_t *
mount_json (const char *dst, const char *type, const char *src, bool re, const char *o1,
            const char *o2, const char *o3)
{
  json_t *opts = json_array ();
  const char *o[] = { o1, o2, o3 };
  for (size_t i = 0; i < 3; i++)
    if (o[i])
      json_array_append_new (opts, json_string (o[i]));
  return json_pack ("{s:s,s:s,s:s,s:s,s:o}", "destination", dst, "type", type, "source", src,
                    "source_strategy", re ? "re" : "string", "options", opts);
}

static json_t *
annotation_json (const char *key, const char *value)
{
  cleanup_free char *k = cli_re_escape (key);
  return json_pack ("{s:s,s:s}", "key", k, "value", value);
}

static const char *
str_at (json_t *o, const char *key)
{
  return json_string_value (json_object_get (o, key));
}

static bool
true_at (json_t *o, const char *key)
{
  return json_is_true (json_object_get (o, key));
}

/* ---- the manifest ---- */

static int
load_manifest (const char *path, json_t **out, parma_error_t *err)
{
  cleanup_free char *buf = NULL;
  size_t len = 0;
  if (read_file_at (AT_FDCWD, path, MAX_MANIFEST, &buf, &len, err) < 0)
    return -1;
  size_t i = 0;
  while (i < len && isspace ((unsigned char)buf[i]))
    i++;
  if (i == len || buf[i] != '{')
    return parma_error_make (
        err, EINVAL,
        "%s: not a JSON object (YAML is not read; convert it first: "
        "kubectl create --dry-run=client -o json -f POD.yaml > POD.json, or "
        "python3 -c 'import sys, json, yaml; "
        "json.dump(yaml.safe_load(sys.stdin), sys.stdout)' < POD.yaml > POD.json)",
        path);
  json_error_t je;
  json_t *j = json_loadb (buf, len, JSON_REJECT_DUPLICATES, &je);
  if (j == NULL)
    return parma_error_make (err, EINVAL, "%s: line %d: %s", path, je.line, je.text);
  if (!json_is_object (j) || strcmp (str_at (j, "kind") ? str_at (j, "kind") : "", "Pod") != 0)
    {
      json_decref (j);
      return parma_error_make (err, EINVAL, "%s: kind: must be \"Pod\"", path);
    }
  *out = j;
  return 0;
}

/* Fields of the pod this generator cannot map: refuse rather than emit a
   policy that silently means something else. */
static int
check_pod_spec (json_t *spec, parma_error_t *err)
{
  if (!true_at (spec, "hostNetwork"))
    return parma_error_make (err, EINVAL,
                             "spec.hostNetwork: must be true (a pod network namespace comes from "
                             "CNI at a path the policy cannot pin yet)");
  if (true_at (spec, "hostPID") || true_at (spec, "hostIPC"))
    return parma_error_make (err, EINVAL,
                             "spec.hostPID/hostIPC: not supported (the node's "
                             "namespaces)");
  json_t *psc = json_object_get (spec, "securityContext");
  if (json_object_get (psc, "sysctls") || json_object_get (psc, "seccompProfile"))
    return parma_error_make (err, EINVAL,
                             "spec.securityContext: sysctls and seccompProfile are "
                             "not supported");
  if (json_array_size (json_object_get (spec, "initContainers")) > 0
      || json_array_size (json_object_get (spec, "ephemeralContainers")) > 0)
    return parma_error_make (err, EINVAL, "spec.initContainers/ephemeralContainers: not supported");
  if (json_array_size (json_object_get (spec, "containers")) == 0)
    return parma_error_make (err, EINVAL, "spec.containers: none");
  return 0;
}

/* ---- images ---- */

static int
image_entry (const struct pod_opts *o, const char *spec, json_t **entry, json_t **icfg,
             parma_error_t *err)
{
  cleanup_free char *dir = xstrdup (spec);
  char *eq = strchr (dir, '=');
  if (eq == NULL)
    return parma_error_make (err, EINVAL, "gen --pod: `%s`: want NAME=OCI_LAYOUT_DIR", spec);
  *eq = '\0';
  const char *name = dir, *path = eq + 1;
  /* DIR:REF picks REF inside the layout; else the image named NAME. */
  char *colon = strrchr (path, ':');
  const char *ref = name;
  if (colon && strchr (colon, '/') == NULL)
    {
      *colon = '\0';
      ref = colon + 1;
    }
  /* --any-rootfs drops the layers: the diff_id check suffices, no squashfs */
  if (gen_oci_image (path, ref, o->diff_ids || o->any_rootfs, entry, icfg, err) < 0)
    return parma_error_wrap (err, "image %s", name);
  if (o->any_rootfs)
    json_object_set_new (*entry, "layers", json_array ());
  return 0;
}

static const char *
find_image (const struct pod_opts *o, const char *name)
{
  size_t n = strlen (name);
  for (size_t i = 0; i < o->n_images; i++)
    if (strncmp (o->images[i], name, n) == 0 && o->images[i][n] == '=')
      return o->images[i];
  return NULL;
}

/* ---- process ---- */

/* The kubelet's expansion of $(VAR) in command and args from the
   container's env ($$ is a "$"; an unknown $(VAR) stays as written). */
static char *
expand_vars (const char *s, json_t *env)
{
  cleanup_free char *out = xstrdup ("");
  for (const char *p = s; *p;)
    {
      const char *add = NULL;
      size_t n = 1;
      if (p[0] == '$' && p[1] == '$')
        add = "$", n = 2;
      else if (p[0] == '$' && p[1] == '(' && strchr (p + 2, ')'))
        {
          size_t vl = (size_t)(strchr (p + 2, ')') - p - 2);
          for (size_t i = 0; i < json_array_size (env) && add == NULL; i++)
            {
              const char *k = str_at (json_array_get (env, i), "name");
              if (k && strlen (k) == vl && strncmp (k, p + 2, vl) == 0)
                add = str_at (json_array_get (env, i), "value");
            }
          if (add)
            n = vl + 3;
        }
      char *next = add ? xasprintf ("%s%s", out, add) : xasprintf ("%s%.*s", out, (int)n, p);
      free (out);
      out = next;
      p += n;
    }
  return steal_pointer (&out);
}

static int
command_json (json_t *ctr, json_t *icfg, json_t **out, parma_error_t *err)
{
  json_t *env = json_object_get (ctr, "env");
  json_t *cmd = json_object_get (ctr, "command"), *args = json_object_get (ctr, "args");
  json_t *first = json_array_size (cmd) > 0 ? cmd : json_object_get (icfg, "Entrypoint");
  json_t *rest = json_array_size (cmd) > 0 || json_array_size (args) > 0
                     ? args
                     : json_object_get (icfg, "Cmd");
  json_t *argv = json_array ();
  for (size_t k = 0; k < 2; k++)
    {
      json_t *part = k == 0 ? first : rest;
      bool ours = k == 0 ? part == cmd : part == args;
      for (size_t i = 0; i < json_array_size (part); i++)
        {
          const char *a = json_string_value (json_array_get (part, i));
          if (a == NULL)
            {
              json_decref (argv);
              return parma_error_make (err, EINVAL, "command/args: not strings");
            }
          cleanup_free char *e = ours ? expand_vars (a, env) : xstrdup (a);
          json_array_append_new (argv, json_string (e));
        }
    }
  if (json_array_size (argv) == 0)
    {
      json_decref (argv);
      return parma_error_make (err, EINVAL,
                               "no command: neither the container nor the image has one");
    }
  *out = argv;
  return 0;
}

/* NAME=VALUE list with later names replacing earlier ones (oci.WithEnv). */
static void
env_set (json_t *list, const char *name, const char *value)
{
  cleanup_free char *kv = xasprintf ("%s=%s", name, value);
  size_t nl = strlen (name);
  for (size_t i = 0; i < json_array_size (list); i++)
    {
      const char *cur = json_string_value (json_array_get (list, i));
      if (strncmp (cur, name, nl) == 0 && cur[nl] == '=')
        {
          json_array_set_new (list, i, json_string (kv));
          return;
        }
    }
  json_array_append_new (list, json_string (kv));
}

static int
env_rules_json (json_t *icfg, json_t *ctr, json_t **out, parma_error_t *err)
{
  cleanup_json json_t *list = json_array ();
  json_t *ie = json_object_get (icfg, "Env");
  for (size_t i = 0; i < json_array_size (ie); i++)
    {
      const char *kv = json_string_value (json_array_get (ie, i));
      const char *eq = kv ? strchr (kv, '=') : NULL;
      if (eq == NULL)
        continue;
      cleanup_free char *name = xstrndup (kv, (size_t)(eq - kv));
      env_set (list, name, eq + 1);
    }
  bool workload = ctr != NULL;
  json_t *ce = json_object_get (ctr, "env");
  for (size_t i = 0; i < json_array_size (ce); i++)
    {
      json_t *e = json_array_get (ce, i);
      if (json_object_get (e, "valueFrom"))
        return parma_error_make (err, EINVAL,
                                 "env[%zu].valueFrom: not supported (resolved by "
                                 "the kubelet at run time)",
                                 i);
      if (str_at (e, "name") == NULL)
        return parma_error_make (err, EINVAL, "env[%zu].name: missing", i);
      env_set (list, str_at (e, "name"), str_at (e, "value") ? str_at (e, "value") : "");
    }
  json_t *rules = json_array ();
  for (size_t i = 0; i < json_array_size (list); i++)
    {
      const char *kv = json_string_value (json_array_get (list, i));
      if (workload && strncmp (kv, "HOSTNAME=", 9) == 0)
        continue; /* containerd sets it; the container's own value is replaced below */
      json_array_append_new (
          rules, json_pack ("{s:s,s:s,s:b}", "pattern", kv, "strategy", "string", "required", 1));
    }
  if (workload)
    {
      /* containerd adds HOSTNAME=<node name>; the kubelet adds the
         KUBERNETES_SERVICE_* / _PORT_* service links of the cluster. */
      json_array_append_new (rules, json_pack ("{s:s,s:s,s:b}", "pattern",
                                               "HOSTNAME=[A-Za-z0-9][A-Za-z0-9.-]*", "strategy",
                                               "re", "required", 0));
      json_array_append_new (rules, json_pack ("{s:s,s:s,s:b}", "pattern",
                                               "KUBERNETES_(SERVICE_HOST|SERVICE_PORT(_HTTPS)?|PORT"
                                               "(_443_TCP(_PROTO|_PORT|_ADDR)?)?)=[A-Za-z0-9.:/]*",
                                               "strategy", "re", "required", 0));
    }
  *out = rules;
  return 0;
}

static int
caps_json (json_t *sc, json_t **out, parma_error_t *err)
{
  json_t *caps = json_object_get (sc, "capabilities");
  json_t *set = strv_json (default_caps);
  json_t *drop = json_object_get (caps, "drop"), *add = json_object_get (caps, "add");
  for (size_t i = 0; i < json_array_size (drop); i++)
    {
      const char *d = json_string_value (json_array_get (drop, i));
      cleanup_free char *full = xasprintf ("CAP_%s", d ? d : "");
      for (size_t k = json_array_size (set); k-- > 0;)
        if (d
            && (strcmp (d, "ALL") == 0
                || strcmp (json_string_value (json_array_get (set, k)), full) == 0))
          json_array_remove (set, k);
    }
  for (size_t i = 0; i < json_array_size (add); i++)
    {
      const char *a = json_string_value (json_array_get (add, i));
      if (a == NULL || strcmp (a, "ALL") == 0)
        {
          json_decref (set);
          return parma_error_make (err, EINVAL,
                                   "securityContext.capabilities.add: ALL is not "
                                   "supported (elevated)");
        }
      cleanup_free char *full = strncmp (a, "CAP_", 4) == 0 ? xstrdup (a) : xasprintf ("CAP_%s", a);
      json_array_append_new (set, json_string (full));
    }
  *out = json_pack ("{s:O,s:O,s:o}", "bounding", set, "effective", set, "permitted", set);
  return 0;
}

/* runAsUser/runAsGroup: the container's over the pod's over the image's. */
static void
user_json (json_t *entry, json_t *psc, json_t *sc, bool workload)
{
  json_t *user = json_object_get (entry, "user");
  json_int_t uid = json_integer_value (json_object_get (user, "uid"));
  json_int_t gid = json_integer_value (json_object_get (user, "gid"));
  json_t *u = json_object_get (sc, "runAsUser") ? json_object_get (sc, "runAsUser")
                                                : json_object_get (psc, "runAsUser");
  json_t *g = json_object_get (sc, "runAsGroup") ? json_object_get (sc, "runAsGroup")
                                                 : json_object_get (psc, "runAsGroup");
  if (json_is_integer (u))
    uid = json_integer_value (u);
  if (json_is_integer (g))
    gid = json_integer_value (g);
  json_t *gids = json_array ();
  if (workload) /* containerd adds the primary group (CVE-2023-25173 fix) */
    json_array_append_new (gids, json_integer (gid));
  json_t *sg = json_object_get (psc, "supplementalGroups");
  for (size_t i = 0; i < json_array_size (sg); i++)
    json_array_append (gids, json_array_get (sg, i));
  json_object_set_new (
      entry, "user", json_pack ("{s:I,s:I,s:o}", "uid", uid, "gid", gid, "additional_gids", gids));
}

/* ---- entries ---- */

/* What both kinds of entry share on top of the image's. */
static void
common_fields (json_t *e)
{
  json_object_set_new (e, "masked_paths", strv_json (masked_paths));
  json_object_set_new (e, "readonly_paths", strv_json (readonly_paths));
  json_object_set_new (e, "rlimits", json_array ());
  json_object_set_new (e, "allow_stdio_access", json_true ());
}

/* The pod's io.parma.* annotations, exact (pod_annotations): the sandbox
   and every container carry them. */
static void
append_parma_annotations (json_t *ann, json_t *meta)
{
  const char *k;
  json_t *v;
  json_object_foreach (json_object_get (meta, "annotations"), k, v)
  {
    if (strncmp (k, "io.parma.", 9) != 0 || !json_is_string (v))
      continue;
    cleanup_free char *val = cli_re_escape (json_string_value (v));
    json_array_append_new (ann, annotation_json (k, val));
  }
}

static int
sandbox_entry (const struct pod_opts *o, json_t *pod, json_t **out, parma_error_t *err)
{
  cleanup_json json_t *e = NULL, *icfg = NULL;
  if (image_entry (o, o->pause, &e, &icfg, err) < 0)
    return -1;
  json_t *meta = json_object_get (pod, "metadata"), *spec = json_object_get (pod, "spec");
  json_t *psc = json_object_get (spec, "securityContext");
  cleanup_free char *name = xasprintf ("%s/sandbox", str_at (meta, "name"));
  json_object_set_new (e, "name", json_string (name));
  json_t *env = NULL;
  if (env_rules_json (icfg, NULL, &env, err) < 0)
    return -1;
  json_object_set_new (e, "env_rules", env);
  user_json (e, psc, NULL, false);
  json_t *caps = NULL;
  if (caps_json (NULL, &caps, err) < 0)
    return -1;
  json_object_set_new (e, "capabilities", caps);
  json_object_set_new (e, "no_new_privileges", json_true ());
  json_object_set_new (e, "root_readonly", json_true ());
  json_object_set_new (
      e, "mounts",
      json_pack ("[o,o,o,o,o,o,o,o]",
                 mount_json ("/proc", "proc", "proc", false, "nosuid", "noexec", "nodev"),
                 json_pack ("{s:s,s:s,s:s,s:[s,s,s,s]}", "destination", "/dev", "type", "tmpfs",
                            "source", "tmpfs", "options", "nosuid", "strictatime", "mode=755",
                            "size=65536k"),
                 json_pack ("{s:s,s:s,s:s,s:[s,s,s,s,s,s]}", "destination", "/dev/pts", "type",
                            "devpts", "source", "devpts", "options", "nosuid", "noexec",
                            "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"),
                 json_pack ("{s:s,s:s,s:s,s:[s,s,s,s,s]}", "destination", "/dev/shm", "type",
                            "tmpfs", "source", "shm", "options", "nosuid", "noexec", "nodev",
                            "mode=1777", "size=65536k"),
                 mount_json ("/dev/mqueue", "mqueue", "mqueue", false, "nosuid", "noexec", "nodev"),
                 json_pack ("{s:s,s:s,s:s,s:[s,s,s,s]}", "destination", "/sys", "type", "sysfs",
                            "source", "sysfs", "options", "nosuid", "noexec", "nodev", "ro"),
                 mount_json ("/dev/shm", "bind", "sandbox:///shm", false, "rbind", "ro", NULL),
                 mount_json ("/etc/resolv.conf", "bind", "sandbox:///resolv.conf", false, "rbind",
                             "ro", NULL)));
  json_object_set_new (e, "namespaces", json_pack ("[s,s,s]", "ipc", "mount", "pid"));
  common_fields (e);
  cleanup_free char *pod_name = cli_re_escape (str_at (meta, "name"));
  cleanup_free char *pod_ns
      = cli_re_escape (str_at (meta, "namespace") ? str_at (meta, "namespace") : "default");
  json_t *ann
      = json_pack ("[o,o,o,o,o,o]", annotation_json ("io.kubernetes.cri.container-type", "sandbox"),
                   annotation_json ("io.kubernetes.cri.sandbox-id", "$(sandbox-id)"),
                   annotation_json ("io.kubernetes.cri.sandbox-name", pod_name),
                   annotation_json ("io.kubernetes.cri.sandbox-namespace", pod_ns),
                   annotation_json ("io.kubernetes.cri.sandbox-uid", "[A-Za-z0-9._-]+"),
                   annotation_json ("io.kubernetes.cri.sandbox-log-directory", "/.*"));
  /* containerd 1.7 also writes the pod's resources and the pause image's
     name on the sandbox (optional rules: 1.6 does not) */
  json_array_append_new (ann, json_pack ("{s:s,s:s}", "key",
                                         "io\\.kubernetes\\.cri\\.sandbox-(cpu-period|cpu-quota|"
                                         "cpu-shares|memory)",
                                         "value", "-?[0-9]+"));
  cleanup_free char *pause_name = xstrndup (o->pause, strcspn (o->pause, "="));
  cleanup_free char *pause_re = cli_re_escape (pause_name);
  json_array_append_new (ann, annotation_json ("io.kubernetes.cri.image-name", pause_re));
  append_parma_annotations (ann, meta);
  json_object_set_new (e, "annotations", ann);
  *out = steal_pointer (&e);
  return 0;
}

/* A volumeMount -> a policy mount (containerd: rbind, propagation, ro/rw). */
static int
volume_mount_json (json_t *spec, json_t *vm, json_t **out, parma_error_t *err)
{
  const char *vname = str_at (vm, "name"), *dst = str_at (vm, "mountPath");
  if (vname == NULL || dst == NULL || dst[0] != '/')
    return parma_error_make (err, EINVAL, "volumeMounts: name and an absolute mountPath needed");
  if (json_object_get (vm, "subPath") || json_object_get (vm, "subPathExpr"))
    return parma_error_make (err, EINVAL, "volumeMounts %s: subPath is not supported", vname);
  json_t *vol = NULL, *vols = json_object_get (spec, "volumes");
  for (size_t i = 0; i < json_array_size (vols) && vol == NULL; i++)
    if (str_at (json_array_get (vols, i), "name")
        && strcmp (str_at (json_array_get (vols, i), "name"), vname) == 0)
      vol = json_array_get (vols, i);
  if (vol == NULL)
    return parma_error_make (err, EINVAL, "volumeMounts %s: no such volume", vname);
  static const char *const kubelet_kinds[][2] = { { "emptyDir", "empty-dir" },
                                                  { "configMap", "configmap" },
                                                  { "secret", "secret" },
                                                  { "projected", "projected" },
                                                  { "downwardAPI", "downward-api" } };
  cleanup_free char *src = NULL;
  bool re = false;
  if (str_at (json_object_get (vol, "hostPath"), "path"))
    src = xstrdup (str_at (json_object_get (vol, "hostPath"), "path"));
  for (size_t i = 0; src == NULL && i < sizeof kubelet_kinds / sizeof kubelet_kinds[0]; i++)
    if (json_object_get (vol, kubelet_kinds[i][0]))
      {
        cleanup_free char *n = cli_re_escape (vname);
        src = xasprintf ("%s/volumes/kubernetes\\.io~%s/%s", KUBELET_PODS, kubelet_kinds[i][1], n);
        re = true;
      }
  if (src == NULL)
    return parma_error_make (err, EINVAL,
                             "volumes %s: only hostPath, emptyDir, configMap, "
                             "secret, projected and downwardAPI are supported",
                             vname);
  const char *prop = str_at (vm, "mountPropagation");
  const char *p = prop == NULL || strcmp (prop, "None") == 0 ? "rprivate"
                  : strcmp (prop, "HostToContainer") == 0    ? "rslave"
                                                             : NULL;
  if (p == NULL)
    return parma_error_make (err, EINVAL, "volumeMounts %s: mountPropagation %s is not supported",
                             vname, prop);
  *out = mount_json (dst, "bind", src, re, "rbind", p, true_at (vm, "readOnly") ? "ro" : "rw");
  return 0;
}

static int
exec_processes_json (const struct pod_opts *o, json_t *ctr, json_t **out, parma_error_t *err)
{
  const char *name = str_at (ctr, "name");
  json_t *ex = json_array ();
  static const char *const probes[] = { "livenessProbe", "readinessProbe", "startupProbe" };
  for (size_t i = 0; i < 3; i++)
    {
      json_t *cmd
          = json_object_get (json_object_get (json_object_get (ctr, probes[i]), "exec"), "command");
      if (json_array_size (cmd) > 0)
        json_array_append_new (ex, json_pack ("{s:O,s:[i,i]}", "command", cmd, "signals", 15, 9));
    }
  size_t nl = strlen (name);
  for (size_t i = 0; i < o->n_execs; i++)
    {
      if (strncmp (o->execs[i], name, nl) != 0 || o->execs[i][nl] != '=')
        continue;
      json_error_t je;
      json_t *argv = json_loads (o->execs[i] + nl + 1, JSON_REJECT_DUPLICATES, &je);
      bool ok = json_is_array (argv) && json_array_size (argv) > 0;
      for (size_t k = 0; ok && k < json_array_size (argv); k++)
        ok = json_is_string (json_array_get (argv, k));
      if (!ok)
        {
          json_decref (argv);
          json_decref (ex);
          return parma_error_make (err, EINVAL, "--exec %s: want NAME='[\"argv0\", ...]'",
                                   o->execs[i]);
        }
      json_array_append_new (ex, json_pack ("{s:o,s:[i,i]}", "command", argv, "signals", 15, 9));
    }
  *out = ex;
  return 0;
}

static int
container_entry (const struct pod_opts *o, json_t *pod, json_t *ctr, size_t idx, json_t **out,
                 parma_error_t *err)
{
  json_t *meta = json_object_get (pod, "metadata"), *spec = json_object_get (pod, "spec");
  json_t *psc = json_object_get (spec, "securityContext"),
         *sc = json_object_get (ctr, "securityContext");
  const char *cname = str_at (ctr, "name"), *image = str_at (ctr, "image");
  if (cname == NULL || image == NULL)
    return parma_error_make (err, EINVAL, "spec.containers[%zu]: name and image needed", idx);
  if (true_at (sc, "privileged") || json_object_get (sc, "seccompProfile")
      || json_object_get (sc, "procMount"))
    return parma_error_make (err, EINVAL,
                             "spec.containers[%zu].securityContext: privileged, "
                             "seccompProfile and procMount are not supported",
                             idx);
  const char *spec_img = find_image (o, image);
  if (spec_img == NULL)
    return parma_error_make (err, EINVAL, "spec.containers[%zu].image %s: no --image %s=DIR", idx,
                             image, image);
  cleanup_json json_t *e = NULL, *icfg = NULL;
  if (image_entry (o, spec_img, &e, &icfg, err) < 0)
    return -1;
  cleanup_free char *name = xasprintf ("%s/%s", str_at (meta, "name"), cname);
  json_object_set_new (e, "name", json_string (name));
  json_t *cmd = NULL, *env = NULL, *caps = NULL, *ex = NULL;
  if (command_json (ctr, icfg, &cmd, err) < 0)
    return parma_error_wrap (err, "spec.containers[%zu]", idx);
  json_object_set_new (e, "command", cmd);
  if (env_rules_json (icfg, ctr, &env, err) < 0)
    return parma_error_wrap (err, "spec.containers[%zu]", idx);
  json_object_set_new (e, "env_rules", env);
  if (str_at (ctr, "workingDir"))
    json_object_set_new (e, "working_dir", json_string (str_at (ctr, "workingDir")));
  user_json (e, psc, sc, true);
  if (caps_json (sc, &caps, err) < 0)
    return parma_error_wrap (err, "spec.containers[%zu]", idx);
  json_object_set_new (e, "capabilities", caps);
  json_t *ape = json_object_get (sc, "allowPrivilegeEscalation");
  json_object_set_new (e, "no_new_privileges", json_boolean (json_is_false (ape)));
  bool ro = true_at (sc, "readOnlyRootFilesystem");
  json_object_set_new (e, "root_readonly", json_boolean (ro));
  const char *rw = ro ? "ro" : "rw";
  cleanup_free char *cn = cli_re_escape (cname);
  cleanup_free char *term = xasprintf ("%s/containers/%s/[0-9a-f]+", KUBELET_PODS, cn);
  json_t *mounts = json_pack (
      "[o,o,o,o,o,o,o,o,o,o,o,o]",
      mount_json ("/proc", "proc", "proc", false, "nosuid", "noexec", "nodev"),
      json_pack ("{s:s,s:s,s:s,s:[s,s,s,s]}", "destination", "/dev", "type", "tmpfs", "source",
                 "tmpfs", "options", "nosuid", "strictatime", "mode=755", "size=65536k"),
      json_pack ("{s:s,s:s,s:s,s:[s,s,s,s,s,s]}", "destination", "/dev/pts", "type", "devpts",
                 "source", "devpts", "options", "nosuid", "noexec", "newinstance", "ptmxmode=0666",
                 "mode=0620", "gid=5"),
      mount_json ("/dev/mqueue", "mqueue", "mqueue", false, "nosuid", "noexec", "nodev"),
      json_pack ("{s:s,s:s,s:s,s:[s,s,s,s]}", "destination", "/sys", "type", "sysfs", "source",
                 "sysfs", "options", "nosuid", "noexec", "nodev", "ro"),
      json_pack ("{s:s,s:s,s:s,s:[s,s,s,s,s]}", "destination", "/sys/fs/cgroup", "type", "cgroup",
                 "source", "cgroup", "options", "nosuid", "noexec", "nodev", "relatime", "ro"),
      mount_json ("/etc/hostname", "bind", "sandbox:///hostname", false, "rbind", "rprivate", rw),
      mount_json ("/etc/hosts", "bind", "sandbox:///hosts", false, "rbind", "rprivate", rw),
      mount_json ("/etc/resolv.conf", "bind", "sandbox:///resolv.conf", false, "rbind", "rprivate",
                  rw),
      mount_json ("/dev/shm", "bind", "sandbox:///shm", false, "rbind", "rprivate", "rw"),
      /* what a kubelet mounts itself (then containerd adds no /etc/hosts) */
      mount_json ("/etc/hosts", "bind", KUBELET_PODS "/etc-hosts", true, "rbind", "rprivate", "rw"),
      mount_json ("/dev/termination-log", "bind", term, true, "rbind", "rprivate", "rw"));
  json_t *vms = json_object_get (ctr, "volumeMounts");
  for (size_t i = 0; i < json_array_size (vms); i++)
    {
      json_t *m = NULL;
      if (volume_mount_json (spec, json_array_get (vms, i), &m, err) < 0)
        {
          json_decref (mounts);
          return parma_error_wrap (err, "spec.containers[%zu]", idx);
        }
      json_array_append_new (mounts, m);
    }
  json_object_set_new (e, "mounts", mounts);
  bool share_pid = true_at (spec, "shareProcessNamespace");
  json_object_set_new (
      e, "namespaces",
      json_pack ("[s,s,s,s,s]", share_pid ? "pid:" POLICY_CRI_NS_PLACEHOLDER : "pid",
                 "ipc:" POLICY_CRI_NS_PLACEHOLDER, "uts:" POLICY_CRI_NS_PLACEHOLDER, "mount",
                 "network:" POLICY_CRI_NS_PLACEHOLDER));
  common_fields (e);
  cleanup_free char *pod_name = cli_re_escape (str_at (meta, "name"));
  cleanup_free char *pod_ns
      = cli_re_escape (str_at (meta, "namespace") ? str_at (meta, "namespace") : "default");
  cleanup_free char *img = cli_re_escape (image);
  cleanup_free char *img_re = xasprintf ("%s|sha256:[0-9a-f]{64}", img);
  json_t *ann = json_pack ("[o,o,o,o,o,o,o]",
                           annotation_json ("io.kubernetes.cri.container-type", "container"),
                           annotation_json ("io.kubernetes.cri.container-name", cn),
                           annotation_json ("io.kubernetes.cri.image-name", img_re),
                           annotation_json ("io.kubernetes.cri.sandbox-id", "$(sandbox-id)"),
                           /* exact: parma-runc checks that they are the verified sandbox's too */
                           annotation_json ("io.kubernetes.cri.sandbox-name", pod_name),
                           annotation_json ("io.kubernetes.cri.sandbox-namespace", pod_ns),
                           annotation_json ("io.kubernetes.cri.sandbox-uid", "$(sandbox-uid)"));
  append_parma_annotations (ann, meta);
  json_object_set_new (e, "annotations", ann);
  if (exec_processes_json (o, ctr, &ex, err) < 0)
    return -1;
  json_object_set_new (e, "exec_processes", ex);
  *out = steal_pointer (&e);
  return 0;
}

static int
parse_pod_args (int argc, char **argv, struct pod_opts *o, parma_error_t *err)
{
  for (int i = 1; i < argc; i++)
    {
      const char *a = argv[i];
      bool has = i + 1 < argc;
      if (strcmp (a, "--pod") == 0 && has)
        o->manifest = argv[++i];
      else if (strcmp (a, "--pause-image") == 0 && has)
        o->pause = argv[++i];
      else if (strcmp (a, "--image") == 0 && has)
        o->images[o->n_images++] = argv[++i];
      else if (strcmp (a, "--exec") == 0 && has)
        o->execs[o->n_execs++] = argv[++i];
      else if (strcmp (a, "-o") == 0 && has)
        o->out = argv[++i];
      else if (strcmp (a, "--diff-ids") == 0)
        o->diff_ids = true;
      else if (strcmp (a, "--any-rootfs") == 0)
        o->any_rootfs = true;
      else
        return parma_error_make (err, EINVAL, "gen --pod: bad argument `%s`", a);
    }
  if (o->manifest == NULL || o->pause == NULL)
    return parma_error_make (err, EINVAL,
                             "gen --pod MANIFEST.json --pause-image NAME=DIR "
                             "[--image NAME=DIR]... [--exec CONTAINER=JSON-ARGV]... "
                             "[--diff-ids | --any-rootfs] [-o OUT]");
  return 0;
}

int
gen_pod (int argc, char **argv, parma_error_t *err)
{
  cleanup_free const char **images = xcalloc ((size_t)argc + 1, sizeof *images);
  cleanup_free const char **execs = xcalloc ((size_t)argc + 1, sizeof *execs);
  struct pod_opts o = { .images = images, .execs = execs };
  if (parse_pod_args (argc, argv, &o, err) < 0)
    return -1;
  cleanup_json json_t *pod = NULL;
  if (load_manifest (o.manifest, &pod, err) < 0)
    return -1;
  json_t *spec = json_object_get (pod, "spec");
  if (str_at (json_object_get (pod, "metadata"), "name") == NULL)
    return parma_error_make (err, EINVAL, "%s: metadata.name: missing", o.manifest);
  if (check_pod_spec (spec, err) < 0)
    return parma_error_wrap (err, "%s", o.manifest);
  json_t *entries = json_array ();
  cleanup_json json_t *doc = json_pack ("{s:i,s:o}", "version", 1, "containers", entries);
  json_t *e = NULL;
  if (sandbox_entry (&o, pod, &e, err) < 0)
    return parma_error_wrap (err, "%s: the sandbox (pause) container", o.manifest);
  json_array_append_new (entries, e);
  json_t *ctrs = json_object_get (spec, "containers");
  for (size_t i = 0; i < json_array_size (ctrs); i++)
    {
      if (container_entry (&o, pod, json_array_get (ctrs, i), i, &e, err) < 0)
        return parma_error_wrap (err, "%s", o.manifest);
      json_array_append_new (entries, e);
    }
  return gen_emit (doc, o.out, err);
}
