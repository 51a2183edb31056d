/* SPDX-License-Identifier: Apache-2.0 */
/* bench-decide: the cost of one policy decision through the policy
   library's public API (policy/policy.h), as parma-runc pays it.  Every
   parma-runc call is a new process, so run.sh starts one process per
   measurement and each prints what its first decision cost:

     bench-decide cold POLICY REQUEST CACHEDIR HEX
       First call of a boot: read + parse + compile the policy JSON, check
       SHA-256(canonical) against HEX (what HOST_DATA holds), decide the
       create in REQUEST, then build the compiled cache image and write it
       to CACHEDIR/policy.img for later calls.  Prints
         cold TOTAL_US LOAD_US HASH_US DECIDE_US IMAGE_WRITE_US TOTAL_CPU_US
       (TOTAL = load + hash + decide: the image write follows the decision).

     bench-decide warm REQUEST CACHEDIR HEX [LOOPS]
       Any later call: load the cache image's header and indexes (checked
       against HEX), read the candidate entries, decide.  Prints
         warm FIRST_US LOOP_US DENY_US FIRST_CPU_US LOOP_CPU_US
       FIRST: the first open + decide of this process; LOOP: mean of LOOPS
       more (hot CPU caches); DENY: open + decide of a request that no entry
       admits (the closest-entry search).  *_CPU_US: the same in process CPU
       time.  Both modes initialise libcrypto before starting the clock.
   The attestation report itself (a firmware round trip, cached per boot)
   is not part of these numbers. */
#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/error.h"
#include "common/io.h"
#include "common/oci.h"
#include "policy/policy.h"

#define BENCH_MAX_INPUT (64u << 20)
#define IMAGE_NAME "policy.img"

static double
clock_us (clockid_t id)
{
  struct timespec ts;
  clock_gettime (id, &ts);
  return (double) ts.tv_sec * 1e6 + (double) ts.tv_nsec / 1e3;
}

static double
now_us (void)
{
  return clock_us (CLOCK_MONOTONIC);
}

/* CPU time of this process: the steadier number on a busy machine. */
static double
cpu_us (void)
{
  return clock_us (CLOCK_PROCESS_CPUTIME_ID);
}

/* parma-runc has hashed something before it decides (parma_state_open
   keys its state by SHA-256 of the root), so libcrypto's one-time
   initialisation (config file, provider fetch: ~6 M instructions) is not
   part of a decision; pay it here, outside the clock. */
static void
init_libcrypto (void)
{
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest ("", 0, md, &len, EVP_sha256 (), NULL);
}

static int
read_path (const char *path, char **buf, size_t *len, parma_error_t *err)
{
  cleanup_close int fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return parma_error_make (err, errno, "open `%s`", path);
  if (read_all_fd (fd, BENCH_MAX_INPUT, buf, len, err) < 0)
    return parma_error_wrap (err, "read `%s`", path);
  return 0;
}

static int
parse_hex32 (const char *hex, uint8_t out[POLICY_SHA256_LEN], parma_error_t *err)
{
  cleanup_free uint8_t *bytes = NULL;
  size_t n = 0;
  if (hex_decode (hex, &bytes, &n, err) < 0)
    return parma_error_wrap (err, "expected hash");
  if (n != POLICY_SHA256_LEN)
    return parma_error_make (err, EINVAL, "expected hash: %zu bytes, want 32", n);
  memcpy (out, bytes, n);
  return 0;
}

static int
read_request (const char *path, struct oci_config **cfg, parma_error_t *err)
{
  cleanup_free char *buf = NULL;
  size_t len = 0;
  if (read_path (path, &buf, &len, err) < 0)
    return -1;
  if (oci_config_parse (buf, len, NULL, cfg, err) < 0)
    return parma_error_wrap (err, "request `%s`", path);
  return 0;
}

/* One create decision; an allow is expected unless `want_deny`. */
static int
decide_once (struct policy *p, const struct oci_config *cfg, bool want_deny, parma_error_t *err)
{
  struct policy_context ctx = { .container_id = "bench" };
  struct policy_verdict v;
  memset (&v, 0, sizeof v);
  int ret = policy_match_create (p, cfg, &ctx, &v, err);
  policy_verdict_release (&v);
  if (want_deny)
    {
      if (ret == 0)
        return parma_error_make (err, EINVAL, "the no-match request was admitted");
      if ((*err)->status != 0)
        return -1; /* a failure, not a denial */
      parma_error_release (err);
      return 0;
    }
  return ret < 0 ? parma_error_wrap (err, "decide") : 0;
}

static int
bench_cold (char **argv, parma_error_t *err)
{
  uint8_t expect[POLICY_SHA256_LEN];
  if (parse_hex32 (argv[3], expect, err) < 0)
    return -1;
  cleanup_oci_config struct oci_config *cfg = NULL;
  if (read_request (argv[1], &cfg, err) < 0)
    return -1;
  init_libcrypto ();
  double c0 = cpu_us ();
  double t0 = now_us ();
  cleanup_free char *buf = NULL;
  size_t len = 0;
  cleanup_policy struct policy *p = NULL;
  if (read_path (argv[0], &buf, &len, err) < 0 || policy_load (buf, len, &p, err) < 0)
    return -1;
  double t1 = now_us ();
  /* policy_sha256 hashes the canonical bytes (computed by the load). */
  if (CRYPTO_memcmp (policy_sha256 (p), expect, POLICY_SHA256_LEN) != 0)
    return parma_error_make (err, EFAULT, "policy hash differs from the expected HOST_DATA");
  double t2 = now_us ();
  if (decide_once (p, cfg, false, err) < 0)
    return -1;
  double t3 = now_us ();
  double c3 = cpu_us ();
  cleanup_free char *img = NULL;
  size_t img_len = 0;
  cleanup_close int dfd = open (argv[2], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0)
    return parma_error_make (err, errno, "open `%s`", argv[2]);
  if (policy_image_build (p, &img, &img_len, err) < 0
      || write_file_atomic_at (dfd, IMAGE_NAME, img, img_len, 0600, err) < 0)
    return -1;
  double t4 = now_us ();
  printf ("cold %.1f %.1f %.1f %.1f %.1f %.1f\n", t3 - t0, t1 - t0, t2 - t1, t3 - t2, t4 - t3,
          c3 - c0);
  return 0;
}

static int
open_and_decide (int dfd, const uint8_t *expect, const struct oci_config *cfg, bool want_deny,
                 parma_error_t *err)
{
  cleanup_policy struct policy *p = NULL;
  struct policy_context ctx = { .container_id = "bench" };
  if (policy_image_load (dfd, IMAGE_NAME, expect, &p, err) < 0
      || policy_prefetch_create (p, cfg, &ctx, err) < 0)
    return parma_error_wrap (err, "cache image");
  return decide_once (p, cfg, want_deny, err);
}

static int
bench_warm (int argc, char **argv, parma_error_t *err)
{
  uint8_t expect[POLICY_SHA256_LEN];
  if (parse_hex32 (argv[2], expect, err) < 0)
    return -1;
  long loops = argc > 3 ? strtol (argv[3], NULL, 10) : 200;
  if (loops < 1)
    loops = 1;
  cleanup_oci_config struct oci_config *cfg = NULL;
  cleanup_oci_config struct oci_config *deny = NULL;
  if (read_request (argv[0], &cfg, err) < 0 || read_request (argv[0], &deny, err) < 0)
    return -1;
  /* The no-match request: same config, a command no entry lists. */
  if (deny->process == NULL || deny->process->args == NULL || deny->process->args[0] == NULL)
    return parma_error_make (err, EINVAL, "request: no process.args");
  free (deny->process->args[0]);
  deny->process->args[0] = strdup ("/bin/not-in-the-policy");
  if (deny->process->args[0] == NULL)
    return parma_error_make (err, ENOMEM, "strdup");
  cleanup_close int dfd = open (argv[1], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0)
    return parma_error_make (err, errno, "open `%s`", argv[1]);
  init_libcrypto ();
  double c0 = cpu_us ();
  double t0 = now_us ();
  if (open_and_decide (dfd, expect, cfg, false, err) < 0)
    return -1;
  double first = now_us () - t0;
  double first_cpu = cpu_us () - c0;
  c0 = cpu_us ();
  t0 = now_us ();
  for (long i = 0; i < loops; i++)
    if (open_and_decide (dfd, expect, cfg, false, err) < 0)
      return -1;
  double loop = (now_us () - t0) / (double) loops;
  double loop_cpu = (cpu_us () - c0) / (double) loops;
  t0 = now_us ();
  if (open_and_decide (dfd, expect, deny, true, err) < 0)
    return -1;
  double deny_us = now_us () - t0;
  printf ("warm %.1f %.2f %.1f %.1f %.2f\n", first, loop, deny_us, first_cpu, loop_cpu);
  return 0;
}

int
main (int argc, char **argv)
{
  parma_error_t err = NULL;
  int ret;
  if (argc == 6 && strcmp (argv[1], "cold") == 0)
    ret = bench_cold (argv + 2, &err);
  else if ((argc == 5 || argc == 6) && strcmp (argv[1], "warm") == 0)
    ret = bench_warm (argc - 2, argv + 2, &err);
  else
    {
      fputs ("usage: bench-decide cold POLICY REQUEST CACHEDIR HEX\n"
             "       bench-decide warm REQUEST CACHEDIR HEX [LOOPS]\n",
             stderr);
      return 2;
    }
  if (ret < 0)
    {
      char *msg = err ? parma_error_format (err) : NULL;
      fprintf (stderr, "bench-decide: %s\n", msg ? msg : "failed");
      free (msg);
      parma_error_release (&err);
      return 1;
    }
  return 0;
}
