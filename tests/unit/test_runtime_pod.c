/* SPDX-License-Identifier: Apache-2.0 */
/* The pod facts of a CRI sandbox create (enforce_pod.c) from a real
   directory tree: a source in the pod's sandbox directory must be a plain
   file or directory, never a symlink, a device node, a FIFO or a socket. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/error.h"
#include "common/oci.h"
#include "common/xalloc.h"
#include "runtime/enforce_pod.h"
#include "runtime/runtime.h"
#include "tests/unit/tap.h"

static char base[] = "/tmp/parma-test-pod-XXXXXX";

/* Pod facts of a sandbox "sb1" whose /etc/hostname comes from `src`
   (relative to the sandbox directory); 1 verified, 0 not. */
static int
sandbox_verified (const char *src, char **why)
{
  cleanup_free char *json = xasprintf (
      "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\"},"
      "\"mounts\":[{\"destination\":\"/etc/hostname\",\"type\":\"bind\","
      "\"source\":\"%s/sandboxes/sb1/%s\",\"options\":[\"rbind\",\"ro\"]}],"
      "\"annotations\":{\"io.kubernetes.cri.container-type\":\"sandbox\","
      "\"io.kubernetes.cri.sandbox-id\":\"sb1\"}}",
      base, src);
  struct oci_config *cfg = NULL;
  parma_error_t err = NULL;
  if (oci_config_parse (json, strlen (json), NULL, &cfg, &err) < 0)
    {
      fprintf (stderr, "# parse: %s\n", err->msg);
      parma_error_release (&err);
      return -1;
    }
  struct parma_request req = { .id = "sb1", .config = cfg };
  struct parma_pod pod;
  parma_pod_facts (NULL, &req, &pod);
  int ok = pod.n_sandbox_dirs == 1 && pod.unverified == NULL;
  *why = pod.unverified ? xstrdup (pod.unverified) : NULL;
  parma_pod_release (&pod);
  oci_config_free (cfg);
  return ok;
}

static int
test_sandbox_sources (void)
{
  if (geteuid () != 0)
    return 77; /* mknod */
  TAP_CHECK (mkdtemp (base) != NULL);
  cleanup_free char *dir = xasprintf ("%s/sandboxes/sb1", base);
  cleanup_free char *sb = xasprintf ("%s/sandboxes", base);
  TAP_CHECK (mkdir (sb, 0700) == 0 && mkdir (dir, 0700) == 0);
  cleanup_free char *file = xasprintf ("%s/hostname", dir);
  cleanup_free char *sub = xasprintf ("%s/shm", dir);
  cleanup_free char *link = xasprintf ("%s/link", dir);
  cleanup_free char *dev = xasprintf ("%s/mem", dir);
  cleanup_free char *fifo = xasprintf ("%s/fifo", dir);
  FILE *f = fopen (file, "w");
  TAP_CHECK (f != NULL && fputs ("pod\n", f) >= 0 && fclose (f) == 0);
  TAP_CHECK (mkdir (sub, 0700) == 0);
  TAP_CHECK (symlink ("/etc/passwd", link) == 0);
  TAP_CHECK (mknod (dev, S_IFCHR | 0600, makedev (1, 1)) == 0); /* /dev/mem */
  TAP_CHECK (mkfifo (fifo, 0600) == 0);
  cleanup_free char *w1 = NULL, *w2 = NULL, *w3 = NULL, *w4 = NULL, *w5 = NULL;
  int r1 = sandbox_verified ("hostname", &w1), r2 = sandbox_verified ("shm", &w2),
      r3 = sandbox_verified ("link", &w3), r4 = sandbox_verified ("mem", &w4),
      r5 = sandbox_verified ("fifo", &w5);
  unlink (file), rmdir (sub), unlink (link), unlink (dev), unlink (fifo);
  rmdir (dir), rmdir (sb), rmdir (base);
  fprintf (stderr, "# mem: %s\n# fifo: %s\n", w4 ? w4 : "(verified)", w5 ? w5 : "(verified)");
  TAP_CHECK (r1 == 1 && r2 == 1);
  TAP_CHECK (r3 == 0 && w3 != NULL);
  TAP_CHECK (r4 == 0 && w4 != NULL && strstr (w4, "not a regular file or directory") != NULL);
  TAP_CHECK (r5 == 0 && w5 != NULL && strstr (w5, "not a regular file or directory") != NULL);
  return 0;
}

TAP_MAIN ({ "sandbox sources: files and directories, not links, devices or FIFOs",
            test_sandbox_sources })
