/* SPDX-License-Identifier: Apache-2.0 */
/* check: replays a create (or, with --process, an exec) offline. */
#include "common/cleanup.h"
#include "common/io.h"
#include "common/oci.h"
#include "common/xalloc.h"
#include "policy/cli/check_pod.h"
#include "policy/cli/cli.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

static void
print_verdict (const char *what, const struct policy_verdict *v, bool explain)
{
  if (v->allowed)
    {
      printf ("allowed: %s: containers[%zu] \"%s\"", what, v->container_index,
              v->container_name ? v->container_name : "");
      if (v->exec_index != POLICY_NO_CONTAINER)
        printf (" exec_processes[%zu]", v->exec_index);
      printf ("%s\n", v->open_door ? " (open door)" : "");
      if (v->layers_unchecked)
        printf ("note: layers not checked (no rootfs layer hashes offline)\n");
      for (size_t i = 0; i < v->n_drop_env; i++)
        printf ("note: env[%zu] would be dropped\n", v->drop_env[i]);
      return;
    }
  if (v->container_index == POLICY_NO_CONTAINER)
    printf ("denied: %s: no container entry\n", what);
  else
    printf ("denied: %s: closest containers[%zu] \"%s\"%s\n", what, v->container_index,
            v->container_name ? v->container_name : "", explain ? ":" : "");
  for (size_t i = 0; explain && i < v->n_failures; i++)
    printf ("  %s: %s\n", v->failures[i].rule, v->failures[i].why);
  if (explain && v->n_dropped_failures)
    printf ("  ... and %zu more\n", v->n_dropped_failures);
}

int
verb_check (int argc, char **argv, parma_error_t *err)
{
  const char *pol = NULL, *bundle = NULL, *process = NULL;
  bool explain = false;
  cleanup_free const char **frags = xcalloc ((size_t) argc + 1, sizeof *frags);
  size_t n_frags = 0;
  for (int i = 1; i < argc; i++)
    if (strcmp (argv[i], "--fragment") == 0 && i + 2 < argc)
      {
        frags[n_frags++] = argv[++i];
        frags[n_frags++] = argv[++i];
      }
    else if (strcmp (argv[i], "--bundle") == 0 && i + 1 < argc)
      bundle = argv[++i];
    else if (strcmp (argv[i], "--process") == 0 && i + 1 < argc)
      process = argv[++i];
    else if (strcmp (argv[i], "--explain") == 0)
      explain = true;
    else if (pol == NULL && argv[i][0] != '-')
      pol = argv[i];
    else
      return parma_error_make (err, EINVAL, "check: bad argument `%s`", argv[i]);
  if (pol == NULL || bundle == NULL)
    return parma_error_make (err, EINVAL, "check: POLICY and --bundle DIR are required");
  cleanup_policy struct policy *p = NULL;
  cleanup_oci_config struct oci_config *cfg = NULL;
  if (cli_load_policy (pol, &p, err) < 0
      || cli_load_bundle (bundle, policy_switch (p, POLICY_ALLOW_UNKNOWN_OCI_FIELDS), &cfg, err) < 0)
    return -1;
  for (size_t i = 0; i < n_frags; i += 2)
    {
      cleanup_free char *doc = NULL;
      cleanup_free char *sig = NULL;
      size_t dl, sl;
      if (read_file_at (AT_FDCWD, frags[i], POLICY_MAX_DOCUMENT, &doc, &dl, err) < 0
          || read_file_at (AT_FDCWD, frags[i + 1], 1 << 16, &sig, &sl, err) < 0)
        return -1;
      if (policy_add_fragment (p, doc, dl, (const uint8_t *) sig, sl, err) < 0)
        return parma_error_wrap (err, "%s", frags[i]);
    }
  cleanup_free char *sc = NULL;
  if (cfg->linux_ && cfg->linux_->seccomp && policy_seccomp_digest (cfg, &sc, err) < 0)
    return -1;
  struct policy_context ctx = {
    .sandbox_name = oci_annotation (cfg, "io.kubernetes.cri.sandbox-name"),
    .sandbox_namespace = oci_annotation (cfg, "io.kubernetes.cri.sandbox-namespace"),
    .sandbox_id = oci_annotation (cfg, "io.kubernetes.cri.sandbox-id"),
    .seccomp_sha256 = sc,
  };
  __attribute__ ((cleanup (check_pod_release))) struct check_pod pod;
  bool pod_assumed = check_pod_assume (cfg, &pod, &ctx); /* check_pod.c */
  struct policy_verdict v;
  parma_error_t deny = NULL;
  int ret = policy_match_create (p, cfg, &ctx, &v, &deny);
  if (ret < 0 && deny->status != 0)
    {
      policy_verdict_release (&v);
      *err = deny;
      return -1;
    }
  parma_error_release (&deny);
  if (!v.allowed || process == NULL)
    {
      print_verdict ("create", &v, explain || !v.allowed);
      if (pod_assumed)
        printf ("note: pod facts taken from the request, unverified offline (parma-runc "
                "verifies them: parma-runc(8), Kubernetes pods)\n");
      int rc = v.allowed ? 0 : 1;
      policy_verdict_release (&v);
      return rc;
    }
  size_t ci = v.container_index;
  policy_verdict_release (&v);
  cleanup_free char *buf = NULL;
  size_t len = 0;
  if (read_file_at (AT_FDCWD, process, OCI_MAX_DOCUMENT, &buf, &len, err) < 0)
    return -1;
  cleanup_oci_process struct oci_process *proc = NULL;
  struct oci_read_options o = { 0 };
  if (oci_process_parse (buf, len, &o, &proc, err) < 0)
    return parma_error_wrap (err, "%s", process);
  strv_free (o.dropped_keys);
  ret = policy_match_exec (p, ci, proc, &ctx, &v, &deny);
  if (ret < 0 && deny->status != 0)
    {
      policy_verdict_release (&v);
      *err = deny;
      return -1;
    }
  parma_error_release (&deny);
  print_verdict ("exec", &v, explain || !v.allowed);
  int rc = v.allowed ? 0 : 1;
  policy_verdict_release (&v);
  return rc;
}
