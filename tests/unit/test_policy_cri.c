/* SPDX-License-Identifier: Apache-2.0 */
/* The CRI pod rules of a container entry (policy/cri.h) through the public
   API: "TYPE:$(sandbox-ns)" namespaces, "sandbox:///F" mount sources and
   annotation templates, against the pod facts a runtime puts in the
   context (and their absence, which must never match). */
#include "common/cleanup.h"
#include "common/oci.h"
#include "common/xalloc.h"
#include "policy/policy.h"
#include "tap.h"

#include <string.h>

/* A workload's request: namespaces joined by path, one bind mount, the
   CRI annotations, a command. */
static struct oci_config *
request (const char *ns_pid, const char *mount_src, const char *sandbox_id, const char *arg)
{
  cleanup_free char *doc = xasprintf (
      "{\"ociVersion\":\"1.0.2\",\"process\":{\"user\":{\"uid\":0,\"gid\":0},"
      "\"args\":[\"/bin/echo\",\"%s\"],\"cwd\":\"/\",\"noNewPrivileges\":true},"
      "\"root\":{\"path\":\"rootfs\"},"
      "\"mounts\":[{\"destination\":\"/etc/hosts\",\"type\":\"bind\",\"source\":\"%s\","
      "\"options\":[\"rbind\",\"rw\"]}],"
      "\"annotations\":{\"io.kubernetes.cri.container-type\":\"container\","
      "\"io.kubernetes.cri.sandbox-id\":\"%s\"},"
      "\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"mount\"},"
      "{\"type\":\"ipc\",\"path\":\"/proc/%s/ns/ipc\"},"
      "{\"type\":\"network\",\"path\":\"/proc/%s/ns/net\"}],\"maskedPaths\":[\"/proc/kcore\"]}}",
      arg, mount_src, sandbox_id, ns_pid, ns_pid);
  struct oci_config *c = NULL;
  parma_error_t err = NULL;
  if (oci_config_parse (doc, strlen (doc), NULL, &c, &err) < 0)
    {
      fprintf (stderr, "# request: %s\n", err->msg);
      parma_error_release (&err);
    }
  return c;
}

static const char pod_entry[]
    = "{\"name\":\"web/app\",\"command\":[\"/bin/echo\",\"$(sandbox-uid)\"],"
      "\"namespaces\":[\"pid\",\"mount\",\"ipc:$(sandbox-ns)\",\"network:$(sandbox-ns)\"],"
      "\"masked_paths\":[\"/proc/kcore\"],"
      "\"mounts\":[{\"destination\":\"/etc/hosts\",\"source\":\"sandbox:///hosts\","
      "\"options\":[\"rbind\",\"rw\"]}],"
      "\"annotations\":[{\"key\":\"io\\\\.kubernetes\\\\.cri\\\\.container-type\",\"value\":"
      "\"container\"},"
      "{\"key\":\"io\\\\.kubernetes\\\\.cri\\\\.sandbox-id\",\"value\":\"$(sandbox-id)\"}]}";

static struct policy *
load (const char *entry)
{
  cleanup_free char *doc = xasprintf ("{\"version\":1,\"containers\":[%s]}", entry);
  struct policy *p = NULL;
  parma_error_t err = NULL;
  if (policy_load (doc, strlen (doc), &p, &err) < 0)
    {
      fprintf (stderr, "# policy: %s\n", err->msg);
      parma_error_release (&err);
    }
  return p;
}

static const char *const dirs[] = { "/var/lib/c/sandboxes/abc", "/run/c/sandboxes/abc", NULL };

static struct policy_context
pod_ctx (void)
{
  return (struct policy_context){ .sandbox_id = "abc",
                                  .sandbox_uid = "uid-1",
                                  .sandbox_pid = "42",
                                  .sandbox_dirs = dirs,
                                  .n_sandbox_dirs = 2 };
}

/* Decides `cfg` with `ctx`: NULL when admitted, else the first failed
   rule (static). */
static const char *
decide (struct policy *p, struct oci_config *cfg, const struct policy_context *ctx)
{
  struct policy_verdict v;
  parma_error_t err = NULL;
  int r = policy_match_create (p, cfg, ctx, &v, &err);
  const char *rule = r == 0 ? NULL : v.n_failures > 0 ? v.failures[0].rule : "error";
  if (r < 0)
    fprintf (stderr, "#   %s\n", err ? err->msg : "?");
  parma_error_release (&err);
  policy_verdict_release (&v);
  return rule;
}

static int
test_admitted_with_pod_facts (void)
{
  cleanup_policy struct policy *p = load (pod_entry);
  cleanup_oci_config struct oci_config *c
      = request ("42", "/run/c/sandboxes/abc/hosts", "abc", "uid-1");
  TAP_CHECK (p && c);
  struct policy_context ctx = pod_ctx ();
  TAP_CHECK (decide (p, c, &ctx) == NULL);
  return 0;
}

static int
test_nothing_matches_without_facts (void)
{
  cleanup_policy struct policy *p = load (pod_entry);
  cleanup_oci_config struct oci_config *c
      = request ("42", "/run/c/sandboxes/abc/hosts", "abc", "uid-1");
  TAP_CHECK (p && c);
  /* The request's own values, without verification: still refused. */
  struct policy_context ctx = { .sandbox_id = "abc", .sandbox_uid = "uid-1" };
  TAP_CHECK_STR (decide (p, c, &ctx), "mounts");
  ctx = pod_ctx ();
  ctx.sandbox_pid = NULL;
  TAP_CHECK_STR (decide (p, c, &ctx), "namespaces");
  ctx = pod_ctx ();
  ctx.n_sandbox_dirs = 0;
  TAP_CHECK_STR (decide (p, c, &ctx), "mounts");
  ctx = pod_ctx ();
  ctx.sandbox_id = NULL;
  TAP_CHECK_STR (decide (p, c, &ctx), "annotations");
  ctx = pod_ctx ();
  ctx.sandbox_pid = "4x2"; /* only a pid is a pid */
  TAP_CHECK_STR (decide (p, c, &ctx), "namespaces");
  return 0;
}

static int
test_other_pod_refused (void)
{
  cleanup_policy struct policy *p = load (pod_entry);
  struct policy_context ctx = pod_ctx ();
  cleanup_oci_config struct oci_config *other_pid
      = request ("43", "/run/c/sandboxes/abc/hosts", "abc", "uid-1");
  cleanup_oci_config struct oci_config *other_dir
      = request ("42", "/run/c/sandboxes/abd/hosts", "abc", "uid-1");
  cleanup_oci_config struct oci_config *other_file
      = request ("42", "/run/c/sandboxes/abc/hostname", "abc", "uid-1");
  cleanup_oci_config struct oci_config *other_id
      = request ("42", "/run/c/sandboxes/abc/hosts", "abd", "uid-1");
  cleanup_oci_config struct oci_config *other_uid
      = request ("42", "/run/c/sandboxes/abc/hosts", "abc", "uid-2");
  TAP_CHECK (p && other_pid && other_dir && other_file && other_id && other_uid);
  TAP_CHECK_STR (decide (p, other_pid, &ctx), "namespaces");
  TAP_CHECK_STR (decide (p, other_dir, &ctx), "mounts");
  TAP_CHECK_STR (decide (p, other_file, &ctx), "mounts");
  TAP_CHECK_STR (decide (p, other_id, &ctx), "annotations");
  TAP_CHECK_STR (decide (p, other_uid, &ctx), "command");
  return 0;
}

static int
test_sandbox_source_cannot_leave_the_dir (void)
{
  cleanup_free char *entry = xstrdup (pod_entry);
  char *s = strstr (entry, "sandbox:///hosts");
  TAP_CHECK (s != NULL);
  cleanup_free char *dotdot = xasprintf ("%.*ssandbox:///../x%s", (int)(s - entry), entry,
                                         s + strlen ("sandbox:///hosts"));
  cleanup_policy struct policy *p = load (dotdot);
  cleanup_oci_config struct oci_config *c
      = request ("42", "/run/c/sandboxes/abc/../x", "abc", "uid-1");
  TAP_CHECK (p && c);
  struct policy_context ctx = pod_ctx ();
  TAP_CHECK_STR (decide (p, c, &ctx), "mounts");
  return 0;
}

static int
test_placeholder_syntax_checked (void)
{
  struct policy *p
      = load ("{\"name\":\"x\",\"command\":[\"/x\"],\"namespaces\":[\"ipc:$(sandbox)\"]}");
  TAP_CHECK (p == NULL);
  p = load ("{\"name\":\"x\",\"command\":[\"/x\"],\"namespaces\":[\"bogus:$(sandbox-ns)\"]}");
  TAP_CHECK (p == NULL);
  p = load ("{\"name\":\"x\",\"command\":[\"/x\"],\"namespaces\":[\"uts:$(sandbox-ns)\"]}");
  TAP_CHECK (p != NULL);
  policy_free (p);
  return 0;
}

TAP_MAIN ({ "pod rules admit a request that matches the verified pod facts",
            test_admitted_with_pod_facts },
          { "without (part of) the pod facts the pod rules match nothing",
            test_nothing_matches_without_facts },
          { "another pod's namespaces, directory, file, id or uid is refused",
            test_other_pod_refused },
          { "sandbox:/// sources never leave the sandbox directory",
            test_sandbox_source_cannot_leave_the_dir },
          { "$(sandbox-ns) only after a known namespace type", test_placeholder_syntax_checked })
