/* SPDX-License-Identifier: Apache-2.0 */
/* Hidden `bench` verb: decisions per second at N containers, for the
   in-memory policy and for the per-call path of parma-runc (open the cache
   image + decide), plus JSON load time and canonical size. */
#include "common/cleanup.h"
#include "common/io.h"
#include "common/oci.h"
#include "common/strbuf.h"
#include "common/xalloc.h"
#include "policy/cli/cli.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* CPU time of this process (user + system): on a shared 2-core test VM
   wall time mostly measures the other jobs; CPU time is what a call costs. */
static double
now_us (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double) ts.tv_sec * 1e6 + (double) ts.tv_nsec / 1e3;
}

/* A realistic entry: runc-spec-like mounts, caps, env, exec probes. */
static void
container_json (struct strbuf *sb, size_t i)
{
  strbuf_appendf (sb,
                  "{\"name\":\"c%zu\",\"command\":[\"/app/server%zu\",\"--port\",\"80%02zu\"],"
                  "\"layers\":[\"%064zx\",\"%064zx\"],"
                  "\"env_rules\":[{\"pattern\":\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\"},"
                  "{\"pattern\":\"HOSTNAME=[a-z0-9-]+\",\"strategy\":\"re\"},{\"pattern\":\"TERM=xterm\"},"
                  "{\"pattern\":\"APP_MODE=prod\",\"required\":true}],"
                  "\"capabilities\":{\"bounding\":[\"CAP_AUDIT_WRITE\",\"CAP_KILL\",\"CAP_NET_BIND_SERVICE\"],"
                  "\"effective\":[\"CAP_AUDIT_WRITE\",\"CAP_KILL\",\"CAP_NET_BIND_SERVICE\"],"
                  "\"permitted\":[\"CAP_AUDIT_WRITE\",\"CAP_KILL\",\"CAP_NET_BIND_SERVICE\"]},"
                  "\"mounts\":[{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"},"
                  "{\"destination\":\"/dev\",\"type\":\"tmpfs\",\"source\":\"tmpfs\",\"options\":[\"nosuid\",\"strictatime\",\"mode=755\",\"size=65536k\"]},"
                  "{\"destination\":\"/etc/hosts\",\"type\":\"bind\",\"source\":\"/run/sandbox/[a-f0-9]+/hosts\",\"source_strategy\":\"re\",\"options\":[\"rbind\",\"ro\"]}],"
                  "\"namespaces\":[\"ipc\",\"mount\",\"network\",\"pid\",\"uts\"],"
                  "\"masked_paths\":[\"/proc/kcore\",\"/proc/keys\",\"/sys/firmware\"],"
                  "\"readonly_paths\":[\"/proc/bus\",\"/proc/sys\"],"
                  "\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"hard\":1024,\"soft\":1024}],"
                  "\"signals\":[\"SIGTERM\",\"SIGKILL\"],"
                  "\"exec_processes\":[{\"command\":[\"/bin/health\",\"%zu\"],\"signals\":[9]}]}",
                  i, i, i % 100, i, i + 1, i);
}

static char *
request_json (size_t i)
{
  return xasprintf (
      "{\"ociVersion\":\"1.0.2\",\"process\":{\"user\":{\"uid\":0,\"gid\":0},"
      "\"args\":[\"/app/server%zu\",\"--port\",\"80%02zu\"],"
      "\"env\":[\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\","
      "\"HOSTNAME=web-1\",\"APP_MODE=prod\"],\"cwd\":\"/\",\"noNewPrivileges\":true,"
      "\"capabilities\":{\"bounding\":[\"CAP_AUDIT_WRITE\",\"CAP_KILL\",\"CAP_NET_BIND_SERVICE\"],"
      "\"effective\":[\"CAP_AUDIT_WRITE\",\"CAP_KILL\",\"CAP_NET_BIND_SERVICE\"],"
      "\"permitted\":[\"CAP_KILL\",\"CAP_AUDIT_WRITE\",\"CAP_NET_BIND_SERVICE\"]},"
      "\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"hard\":1024,\"soft\":1024}]},"
      "\"root\":{\"path\":\"rootfs\"},"
      "\"mounts\":[{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"},"
      "{\"destination\":\"/dev\",\"type\":\"tmpfs\",\"source\":\"tmpfs\",\"options\":[\"size=65536k\",\"nosuid\",\"mode=755\",\"strictatime\"]},"
      "{\"destination\":\"/etc/hosts\",\"type\":\"bind\",\"source\":\"/run/sandbox/abc123/hosts\",\"options\":[\"ro\",\"rbind\"]}],"
      "\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"network\"},{\"type\":\"ipc\"},{\"type\":\"uts\"},{\"type\":\"mount\"}],"
      "\"maskedPaths\":[\"/proc/kcore\",\"/proc/keys\",\"/sys/firmware\",\"/proc/acpi\"],"
      "\"readonlyPaths\":[\"/proc/sys\",\"/proc/bus\"]}}",
      i, i % 100);
}

static int
bench_one (size_t n, size_t iters, parma_error_t *err)
{
  cleanup_strbuf struct strbuf sb = { 0 };
  strbuf_puts (&sb, "{\"version\":1,\"containers\":[");
  for (size_t i = 0; i < n; i++)
    {
      if (i)
        strbuf_putc (&sb, ',');
      container_json (&sb, i);
    }
  strbuf_puts (&sb, "]}");
  double t0 = now_us ();
  cleanup_policy struct policy *p = NULL;
  if (policy_load (sb.buf, sb.len, &p, err) < 0)
    return -1;
  double t_json = now_us () - t0;
  size_t clen;
  policy_canonical (p, &clen);
  cleanup_free char *img = NULL;
  size_t ilen;
  if (policy_image_build (p, &img, &ilen, err) < 0)
    return -1;
  /* The image must be 8-aligned: copy into an aligned buffer. */
  cleanup_free uint64_t *aligned = xmalloc (ilen + 8);
  memcpy (aligned, img, ilen);
  size_t target = n / 2;
  cleanup_free char *req = request_json (target);
  cleanup_oci_config struct oci_config *cfg = NULL;
  if (oci_config_parse (req, strlen (req), NULL, &cfg, err) < 0)
    return -1;
  struct policy_context ctx = { 0 };
  /* Warm path: decisions on the loaded policy. */
  if (iters == 0)
    iters = n >= 1000 ? 2000 : 20000;
  t0 = now_us ();
  for (size_t k = 0; k < iters; k++)
    {
      struct policy_verdict v;
      if (policy_match_create (p, cfg, &ctx, &v, err) < 0)
        return -1;
      policy_verdict_release (&v);
    }
  double t_decide = (now_us () - t0) / (double) iters;
  /* Per-call path: open the image (no parse), decode the candidate, decide. */
  t0 = now_us ();
  for (size_t k = 0; k < iters; k++)
    {
      cleanup_policy struct policy *q = NULL;
      if (policy_image_open (aligned, ilen, policy_sha256 (p), &q, err) < 0)
        return -1;
      struct policy_verdict v;
      if (policy_match_create (q, cfg, &ctx, &v, err) < 0)
        return -1;
      policy_verdict_release (&v);
    }
  double t_call = (now_us () - t0) / (double) iters;
  /* What parma-runc does per call: open + pread of the index, prefetch of
     the candidate entries, decide, close. */
  char dir[] = "/tmp/parma-bench.XXXXXX";
  if (mkdtemp (dir) == NULL)
    return parma_error_make (err, errno, "mkdtemp");
  cleanup_close int dfd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  int ret = dfd < 0 ? parma_error_make (err, errno, "open %s", dir)
                    : write_file_atomic_at (dfd, "policy.img", img, ilen, 0600, err);
  double t_map = 0;
  if (ret == 0)
    {
      t0 = now_us ();
      for (size_t k = 0; k < iters && ret == 0; k++)
        {
          cleanup_policy struct policy *q = NULL;
          struct policy_verdict v;
          ret = policy_image_load (dfd, "policy.img", policy_sha256 (p), &q, err);
          if (ret == 0)
            ret = policy_prefetch_create (q, cfg, &ctx, err);
          if (ret == 0)
            ret = policy_match_create (q, cfg, &ctx, &v, err);
          if (ret == 0)
            policy_verdict_release (&v);
        }
      t_map = (now_us () - t0) / (double) iters;
    }
  if (dfd >= 0)
    unlinkat (dfd, "policy.img", 0);
  rmdir (dir);
  if (ret < 0)
    return ret;
  printf ("containers=%zu canonical_bytes=%zu image_bytes=%zu json_load_us=%.0f "
          "cpu: decide_us=%.2f decisions_per_s=%.0f image_open_plus_decide_us=%.2f "
          "file_load_decide_us=%.2f\n",
          n, clen, ilen, t_json, t_decide, 1e6 / t_decide, t_call, t_map);
  return 0;
}

int
verb_bench (int argc, char **argv, parma_error_t *err)
{
  static const size_t sizes[] = { 1, 10, 100, 1000 };
  if (argc > 1)
    {
      /* bench [N [ITERATIONS]] */
      size_t n = strtoul (argv[1], NULL, 10);
      size_t iters = argc > 2 ? strtoul (argv[2], NULL, 10) : 0;
      return bench_one (n ? n : 1, iters, err);
    }
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
    if (bench_one (sizes[i], 0, err) < 0)
      return -1;
  return 0;
}
