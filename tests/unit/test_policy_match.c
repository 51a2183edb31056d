/* SPDX-License-Identifier: Apache-2.0 */
/* The policy matcher, rule by rule, through the public API only; every
   case runs twice: on the policy loaded from JSON and on its cache image
   (in memory and loaded from a file with prefetch). */
#include "common/cleanup.h"
#include "common/io.h"
#include "common/oci.h"
#include "common/strbuf.h"
#include "common/xalloc.h"
#include "policy/policy.h"
#include "tap.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A runc-spec-like request; `extra` is spliced into process (JSON members,
   may be empty) and `top` into the top level. */
static struct oci_config *
request (const char *args, const char *env, const char *extra, const char *top)
{
  cleanup_free char *doc = xasprintf (
      "{\"ociVersion\":\"1.0.2\",\"process\":{\"user\":{\"uid\":0,\"gid\":0},\"args\":%s,"
      "\"env\":%s,\"cwd\":\"/\",\"noNewPrivileges\":true%s%s},\"root\":{\"path\":\"rootfs\"},"
      "\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"mount\"}],\"maskedPaths\":[\"/proc/kcore\"]}%s%s}",
      args, env, extra[0] ? "," : "", extra, top[0] ? "," : "", top);
  struct oci_config *c = NULL;
  parma_error_t err = NULL;
  if (oci_config_parse (doc, strlen (doc), NULL, &c, &err) < 0)
    {
      fprintf (stderr, "# request: %s\n", err->msg);
      parma_error_release (&err);
      return NULL;
    }
  return c;
}

static const char base_container[]
    = "\"namespaces\":[\"mount\",\"pid\"],\"masked_paths\":[\"/proc/kcore\"],\"signals\":[\"SIGTERM\"]";

static struct policy *
load (const char *containers, const char *switches)
{
  cleanup_free char *doc = xasprintf ("{\"version\":1%s%s,\"containers\":[%s]}", switches[0] ? "," : "",
                                      switches, containers);
  struct policy *p = NULL;
  parma_error_t err = NULL;
  if (policy_load (doc, strlen (doc), &p, &err) < 0)
    {
      fprintf (stderr, "# policy: %s\n", err->msg);
      parma_error_release (&err);
      return NULL;
    }
  return p;
}

/* The three ways the runtime can hold a policy. */
enum mode
{
  FROM_JSON,
  FROM_IMAGE,
  FROM_FILE,
  N_MODES
};

struct held
{
  struct policy *p;
  uint64_t *img;
  char dir[64];
  int dfd;
};

static void
held_release (struct held *h)
{
  policy_free (h->p);
  free (h->img);
  if (h->dfd >= 0)
    {
      unlinkat (h->dfd, "p.img", 0);
      close (h->dfd);
      rmdir (h->dir);
    }
}

static int
hold (struct policy *src, enum mode m, struct held *h)
{
  memset (h, 0, sizeof *h);
  h->dfd = -1;
  parma_error_t err = NULL;
  if (m == FROM_JSON)
    {
      size_t len;
      const char *c = policy_canonical (src, &len);
      return policy_load (c, len, &h->p, &err) < 0 ? -1 : 0;
    }
  cleanup_free char *img = NULL;
  size_t len;
  if (policy_image_build (src, &img, &len, &err) < 0)
    return -1;
  if (m == FROM_IMAGE)
    {
      h->img = xmalloc (len + 8);
      memcpy (h->img, img, len);
      return policy_image_open (h->img, len, policy_sha256 (src), &h->p, &err) < 0 ? -1 : 0;
    }
  strcpy (h->dir, "/tmp/parma-policy-test.XXXXXX");
  if (mkdtemp (h->dir) == NULL)
    return -1;
  h->dfd = open (h->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (h->dfd < 0 || write_file_atomic_at (h->dfd, "p.img", img, len, 0600, &err) < 0)
    return -1;
  return policy_image_load (h->dfd, "p.img", policy_sha256 (src), &h->p, &err) < 0 ? -1 : 0;
}

/* Decides cfg in every mode; all must agree.  Returns allowed (1), denied
   (0) or -1; fills *why with the first failure and *n_fail. */
static int
decide (struct policy *p, const struct oci_config *cfg, const struct policy_context *ctx,
        char **why, size_t *n_fail, size_t *index)
{
  int result = -2;
  for (int m = 0; m < N_MODES; m++)
    {
      struct held h;
      if (hold (p, (enum mode) m, &h) < 0)
        {
          held_release (&h);
          return -1;
        }
      parma_error_t err = NULL;
      struct policy_verdict v;
      if (m == FROM_FILE && policy_prefetch_create (h.p, cfg, ctx, &err) < 0)
        {
          held_release (&h);
          return -1;
        }
      int ret = policy_match_create (h.p, cfg, ctx, &v, &err);
      if (ret < 0 && err->status != 0)
        {
          fprintf (stderr, "# mode %d: %s\n", m, err->msg);
          parma_error_release (&err);
          policy_verdict_release (&v);
          held_release (&h);
          return -1;
        }
      int r = ret == 0 && v.allowed;
      if (result != -2 && r != result)
        {
          fprintf (stderr, "# mode %d disagrees\n", m);
          r = -1;
        }
      result = r;
      if (m == FROM_JSON)
        {
          if (why)
            *why = v.n_failures ? xasprintf ("%s: %s", v.failures[0].rule, v.failures[0].why) : NULL;
          if (n_fail)
            *n_fail = v.n_failures;
          if (index)
            *index = v.container_index;
        }
      parma_error_release (&err);
      policy_verdict_release (&v);
      held_release (&h);
      if (result < 0)
        return -1;
    }
  return result;
}

#define C(fmt, ...) xasprintf ("{\"name\":\"c\",\"command\":[\"sh\"]," fmt ",%s}", __VA_ARGS__, base_container)

static int
test_regex_anchored (void)
{
  cleanup_free char *c = C ("\"env_rules\":[{\"pattern\":\"HOSTDATA=.+\",\"strategy\":\"re\"},"
                            "{\"pattern\":\"A=1|B=2\",\"strategy\":\"re\"}]%s", "");
  cleanup_policy struct policy *p = load (c, "");
  TAP_CHECK (p);
  cleanup_oci_config struct oci_config *ok = request ("[\"sh\"]", "[\"HOSTDATA=x\",\"B=2\"]", "", "");
  cleanup_oci_config struct oci_config *bad = request ("[\"sh\"]", "[\"LDPRELOAD=HOSTDATA=x\"]", "", "");
  cleanup_oci_config struct oci_config *alt = request ("[\"sh\"]", "[\"A=1x\"]", "", "");
  TAP_CHECK (ok && bad && alt);
  TAP_CHECK (decide (p, ok, NULL, NULL, NULL, NULL) == 1);
  cleanup_free char *why = NULL;
  TAP_CHECK (decide (p, bad, NULL, &why, NULL, NULL) == 0);
  TAP_CHECK_STR (why, "env_rules: LDPRELOAD=HOSTDATA=x matches no rule");
  /* The alternation stays inside the anchors: "A=1x" is not "A=1". */
  TAP_CHECK (decide (p, alt, NULL, NULL, NULL, NULL) == 0);
  return 0;
}

static int
test_env_required_and_dropping (void)
{
  cleanup_free char *c = C ("\"env_rules\":[{\"pattern\":\"PATH=/bin\",\"required\":true},"
                            "{\"pattern\":\"X=1\"}]%s", "");
  cleanup_policy struct policy *p = load (c, "");
  cleanup_policy struct policy *pd = load (c, "\"allow_environment_variable_dropping\":true");
  cleanup_oci_config struct oci_config *missing = request ("[\"sh\"]", "[\"X=1\"]", "", "");
  cleanup_oci_config struct oci_config *extra = request ("[\"sh\"]", "[\"PATH=/bin\",\"EVIL=1\"]", "", "");
  TAP_CHECK (p && pd && missing && extra);
  cleanup_free char *why = NULL;
  TAP_CHECK (decide (p, missing, NULL, &why, NULL, NULL) == 0);
  TAP_CHECK_STR (why, "env_rules: required string rule \"PATH=/bin\" is matched by no variable");
  TAP_CHECK (decide (p, extra, NULL, NULL, NULL, NULL) == 0);
  TAP_CHECK (decide (pd, extra, NULL, NULL, NULL, NULL) == 1);
  struct policy_verdict v;
  parma_error_t err = NULL;
  TAP_CHECK (policy_match_create (pd, extra, NULL, &v, &err) == 0);
  TAP_CHECK (v.n_drop_env == 1 && v.drop_env[0] == 1);
  policy_verdict_release (&v);
  /* Dropping never satisfies a required rule. */
  TAP_CHECK (decide (pd, missing, NULL, NULL, NULL, NULL) == 0);
  return 0;
}

static int
test_capabilities (void)
{
  cleanup_free char *c = C ("\"env_rules\":[],\"capabilities\":{\"bounding\":[\"kill\",\"CHOWN\"],"
                            "\"permitted\":[\"CAP_KILL\"]}%s", "");
  cleanup_policy struct policy *p = load (c, "");
  cleanup_policy struct policy *pd = load (c, "\"allow_capability_dropping\":true");
  cleanup_oci_config struct oci_config *same = request (
      "[\"sh\"]", "[]", "\"capabilities\":{\"bounding\":[\"CAP_CHOWN\",\"CAP_KILL\"],\"permitted\":[\"CAP_KILL\"]}", "");
  cleanup_oci_config struct oci_config *fewer = request (
      "[\"sh\"]", "[]", "\"capabilities\":{\"bounding\":[\"CAP_KILL\"],\"permitted\":[\"CAP_KILL\"]}", "");
  cleanup_oci_config struct oci_config *more = request (
      "[\"sh\"]", "[]", "\"capabilities\":{\"bounding\":[\"CAP_CHOWN\",\"CAP_KILL\"],\"permitted\":[\"CAP_KILL\"],"
      "\"effective\":[\"CAP_KILL\"]}", "");
  TAP_CHECK (p && pd && same && fewer && more);
  TAP_CHECK (decide (p, same, NULL, NULL, NULL, NULL) == 1);
  cleanup_free char *why = NULL;
  TAP_CHECK (decide (p, fewer, NULL, &why, NULL, NULL) == 0);
  TAP_CHECK_STR (why, "capabilities: bounding: policy [CAP_CHOWN,CAP_KILL] vs request [CAP_KILL]");
  TAP_CHECK (decide (pd, fewer, NULL, NULL, NULL, NULL) == 1);
  TAP_CHECK (decide (pd, more, NULL, NULL, NULL, NULL) == 0);
  return 0;
}

static int
test_mounts (void)
{
  cleanup_free char *c = C ("\"env_rules\":[],\"mounts\":[{\"destination\":\"/data\",\"source\":\"/run/vol/[0-9]+\","
                            "\"source_strategy\":\"re\",\"options\":[\"rbind\",\"ro\",\"nosuid\"]}]%s", "");
  cleanup_policy struct policy *p = load (c, "");
  TAP_CHECK (p);
  const char *cases[][2] = {
    { "{\"destination\":\"/data\",\"type\":\"bind\",\"source\":\"/run/vol/12\",\"options\":[\"nosuid\",\"ro\",\"rbind\"]}", "1" },
    { "{\"destination\":\"/data\",\"source\":\"/run/vol/12\",\"options\":[\"ro\",\"rbind\",\"nosuid\",\"ro\"]}", "1" },
    { "{\"destination\":\"/data\",\"type\":\"bind\",\"source\":\"/run/vol/12\",\"options\":[\"rbind\",\"nosuid\"]}", "0" },
    { "{\"destination\":\"/data\",\"type\":\"bind\",\"source\":\"/etc/run/vol/12\",\"options\":[\"nosuid\",\"ro\",\"rbind\"]}", "0" },
    { "{\"destination\":\"/data\",\"type\":\"bind\",\"source\":\"/run/vol/12/..\",\"options\":[\"nosuid\",\"ro\",\"rbind\"]}", "0" },
    { "{\"destination\":\"/other\",\"type\":\"bind\",\"source\":\"/run/vol/12\",\"options\":[\"nosuid\",\"ro\",\"rbind\"]}", "0" },
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    {
      cleanup_free char *top = xasprintf ("\"mounts\":[%s]", cases[i][0]);
      cleanup_oci_config struct oci_config *r = request ("[\"sh\"]", "[]", "", top);
      TAP_CHECK (r);
      int want = cases[i][1][0] == '1';
      if (decide (p, r, NULL, NULL, NULL, NULL) != want)
        {
          fprintf (stderr, "# mount case %zu\n", i);
          return -1;
        }
    }
  return 0;
}

static int
test_user (void)
{
  cleanup_free char *c = C ("\"env_rules\":[],\"user\":{\"uid\":1000,\"gid\":100,\"additional_gids\":[20,10],"
                            "\"umask\":\"0027\"}%s", "");
  cleanup_policy struct policy *p = load (c, "");
  TAP_CHECK (p);
  struct
  {
    const char *user;
    int want;
  } cases[] = {
    { "{\"uid\":1000,\"gid\":100,\"additionalGids\":[10,20,10],\"umask\":23}", 1 },
    { "{\"uid\":1000,\"gid\":100,\"additionalGids\":[10,20]}", 0 }, /* umask 0022 */
    { "{\"uid\":0,\"gid\":100,\"additionalGids\":[10,20],\"umask\":23}", 0 },
    { "{\"uid\":1000,\"gid\":100,\"additionalGids\":[10],\"umask\":23}", 0 },
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    {
      /* Replace the default user: the process member appears later wins
         nothing (duplicates are refused), so build the request by hand. */
      cleanup_free char *doc = xasprintf (
          "{\"ociVersion\":\"1.0.2\",\"process\":{\"user\":%s,\"args\":[\"sh\"],\"cwd\":\"/\","
          "\"noNewPrivileges\":true},\"root\":{\"path\":\"rootfs\"},\"linux\":{\"namespaces\":"
          "[{\"type\":\"pid\"},{\"type\":\"mount\"}],\"maskedPaths\":[\"/proc/kcore\"]}}",
          cases[i].user);
      cleanup_oci_config struct oci_config *r = NULL;
      parma_error_t err = NULL;
      TAP_CHECK (oci_config_parse (doc, strlen (doc), NULL, &r, &err) == 0);
      if (decide (p, r, NULL, NULL, NULL, NULL) != cases[i].want)
        {
          fprintf (stderr, "# user case %zu\n", i);
          return -1;
        }
    }
  return 0;
}

static int
test_placeholders (void)
{
  cleanup_free char *c = xasprintf ("{\"name\":\"c\",\"command\":[\"run\",\"--pod=$(sandbox-name).$(sandbox-namespace)\",\"$$HOME\"],%s}",
                                    base_container);
  cleanup_policy struct policy *p = load (c, "");
  cleanup_oci_config struct oci_config *r
      = request ("[\"run\",\"--pod=web-1.prod\",\"$HOME\"]", "[]", "", "");
  TAP_CHECK (p && r);
  struct policy_context ok = { .sandbox_name = "web-1", .sandbox_namespace = "prod" };
  struct policy_context other = { .sandbox_name = "web-2", .sandbox_namespace = "prod" };
  struct policy_context unset = { .sandbox_name = "web-1" };
  struct policy_context unsafe = { .sandbox_name = "web-1.prod --x", .sandbox_namespace = "" };
  TAP_CHECK (decide (p, r, &ok, NULL, NULL, NULL) == 1);
  TAP_CHECK (decide (p, r, &other, NULL, NULL, NULL) == 0);
  TAP_CHECK (decide (p, r, &unset, NULL, NULL, NULL) == 0);
  TAP_CHECK (decide (p, r, &unsafe, NULL, NULL, NULL) == 0);
  return 0;
}

static int
test_closest_and_first_wins (void)
{
  cleanup_free char *a = xasprintf ("{\"name\":\"a\",\"command\":[\"sh\"],\"working_dir\":\"/x\",%s}", base_container);
  cleanup_free char *b = xasprintf ("{\"name\":\"b\",\"command\":[\"sh\"],%s}", base_container);
  cleanup_free char *c = xasprintf ("{\"name\":\"c\",\"command\":[\"sh\"],%s}", base_container);
  cleanup_free char *all = xasprintf ("%s,%s,%s", a, b, c);
  cleanup_policy struct policy *p = load (all, "");
  cleanup_oci_config struct oci_config *r = request ("[\"sh\"]", "[]", "", "");
  cleanup_oci_config struct oci_config *bad
      = request ("[\"sh\"]", "[\"A=1\",\"B=2\"]", "", "\"hostname\":\"h\",\"hooks\":{\"prestart\":[{\"path\":\"/bin/true\"}]}");
  TAP_CHECK (p && r && bad);
  size_t idx = 99;
  TAP_CHECK (decide (p, r, NULL, NULL, NULL, &idx) == 1);
  TAP_CHECK (idx == 1); /* b: the first entry that admits */
  size_t n = 0;
  cleanup_free char *why = NULL;
  TAP_CHECK (decide (p, bad, NULL, &why, &n, &idx) == 0);
  /* Every failed rule of the closest entry (b): two env vars + hooks. */
  TAP_CHECK (idx == 1);
  TAP_CHECK (n == 3);
  TAP_CHECK_STR (why, "env_rules: A=1 matches no rule");
  return 0;
}

static int
test_exec_and_signals (void)
{
  cleanup_free char *c = xasprintf (
      "{\"name\":\"c\",\"command\":[\"sh\"],\"env_rules\":[{\"pattern\":\"PATH=/bin\"}],"
      "\"exec_processes\":[{\"command\":[\"cat\",\"/ready\"],\"signals\":[\"KILL\"]},"
      "{\"command\":[\"ps\"],\"working_dir\":\"/tmp\"}],%s}", base_container);
  cleanup_policy struct policy *p = load (c, "");
  TAP_CHECK (p);
  const char *procs[][2] = {
    { "{\"user\":{\"uid\":0,\"gid\":0},\"args\":[\"cat\",\"/ready\"],\"env\":[\"PATH=/bin\"],\"cwd\":\"/\",\"noNewPrivileges\":true}", "0" },
    { "{\"user\":{\"uid\":0,\"gid\":0},\"args\":[\"ps\"],\"cwd\":\"/tmp\",\"noNewPrivileges\":true}", "1" },
    { "{\"user\":{\"uid\":0,\"gid\":0},\"args\":[\"ps\"],\"cwd\":\"/\",\"noNewPrivileges\":true}", "-" },
    { "{\"user\":{\"uid\":0,\"gid\":0},\"args\":[\"cat\",\"/ready\"],\"env\":[\"LD_PRELOAD=/x\"],\"cwd\":\"/\",\"noNewPrivileges\":true}", "-" },
  };
  for (size_t i = 0; i < sizeof procs / sizeof procs[0]; i++)
    {
      cleanup_oci_process struct oci_process *proc = NULL;
      parma_error_t err = NULL;
      TAP_CHECK (oci_process_parse (procs[i][0], strlen (procs[i][0]), NULL, &proc, &err) == 0);
      struct policy_verdict v;
      int ret = policy_match_exec (p, 0, proc, NULL, &v, &err);
      bool want_allow = procs[i][1][0] != '-';
      TAP_CHECK ((ret == 0) == want_allow && v.allowed == want_allow);
      if (want_allow)
        TAP_CHECK (v.exec_index == (size_t) (procs[i][1][0] - '0'));
      else
        TAP_CHECK (err != NULL && err->status == 0 && v.n_failures >= 1);
      parma_error_release (&err);
      policy_verdict_release (&v);
    }
  parma_error_t err = NULL;
  TAP_CHECK (policy_check_signal (p, 0, POLICY_NO_CONTAINER, 15, &err) == 0);
  TAP_CHECK (policy_check_signal (p, 0, POLICY_NO_CONTAINER, 9, &err) < 0);
  TAP_CHECK_STR (err->msg, "signals: signal 9 is not allowed for the init process of \"c\"");
  parma_error_release (&err);
  TAP_CHECK (policy_check_signal (p, 0, 0, 9, &err) == 0);
  TAP_CHECK (policy_check_signal (p, 0, 1, 9, &err) < 0);
  parma_error_release (&err);
  return 0;
}

static int
test_image_integrity (void)
{
  cleanup_free char *c = xasprintf ("{\"name\":\"c\",\"command\":[\"sh\"],%s}", base_container);
  cleanup_policy struct policy *p = load (c, "");
  TAP_CHECK (p);
  cleanup_free char *img = NULL;
  size_t len;
  parma_error_t err = NULL;
  TAP_CHECK (policy_image_build (p, &img, &len, &err) == 0);
  cleanup_free uint64_t *buf = xmalloc (len + 8);
  cleanup_oci_config struct oci_config *r = request ("[\"sh\"]", "[]", "", "");
  TAP_CHECK (r);
  /* Flip each byte of the image: it is refused at open, or the decision
     fails (never an allow from a corrupted entry that differs). */
  size_t refused = 0, allowed = 0, first_allowed = len;
  for (size_t i = 0; i < len; i++)
    {
      memcpy (buf, img, len);
      ((uint8_t *) buf)[i] ^= 0x41;
      struct policy *q = NULL;
      if (policy_image_open (buf, len, policy_sha256 (p), &q, &err) < 0)
        {
          parma_error_release (&err);
          refused++;
          continue;
        }
      struct policy_verdict v;
      int ret = policy_match_create (q, r, NULL, &v, &err);
      if (ret == 0)
        {
          allowed++;
          if (first_allowed == len)
            first_allowed = i;
        }
      parma_error_release (&err);
      policy_verdict_release (&v);
      policy_free (q);
    }
  /* Only the canonical-bytes tail (never read to decide) and its padding
     may be flipped without effect; a flipped header, index or record is
     refused at open or fails the decision. */
  size_t clen;
  policy_canonical (p, &clen);
  TAP_CHECK (first_allowed >= len - clen - 16);
  TAP_CHECK (allowed <= clen + 16);
  TAP_CHECK (refused >= 200); /* header + tables + record table at least */
  memcpy (buf, img, len);
  uint8_t other[POLICY_SHA256_LEN] = { 1 };
  struct policy *q = NULL;
  TAP_CHECK (policy_image_open (buf, len, other, &q, &err) < 0 && err->status == EFAULT);
  parma_error_release (&err);
  TAP_CHECK (policy_image_open (buf, len - 8, NULL, &q, &err) < 0);
  parma_error_release (&err);
  return 0;
}

static int
test_file_needs_prefetch (void)
{
  cleanup_free char *c = xasprintf ("{\"name\":\"c\",\"command\":[\"sh\"],%s}", base_container);
  cleanup_policy struct policy *p = load (c, "");
  TAP_CHECK (p);
  struct held h;
  TAP_CHECK (hold (p, FROM_FILE, &h) == 0);
  cleanup_oci_config struct oci_config *r = request ("[\"sh\"]", "[]", "", "");
  struct policy_verdict v;
  parma_error_t err = NULL;
  /* Without prefetch the matcher does no I/O and fails closed. */
  int ret = policy_match_create (h.p, r, NULL, &v, &err);
  TAP_CHECK (ret < 0 && err->status == EIO);
  parma_error_release (&err);
  policy_verdict_release (&v);
  TAP_CHECK (policy_prefetch_container (h.p, 0, &err) == 0);
  TAP_CHECK (policy_match_create (h.p, r, NULL, &v, &err) == 0);
  policy_verdict_release (&v);
  size_t len = 1;
  TAP_CHECK (policy_canonical (h.p, &len) == NULL);
  held_release (&h);
  return 0;
}

static int
test_many_containers_index (void)
{
  cleanup_strbuf struct strbuf sb = { 0 };
  for (size_t i = 0; i < 1000; i++)
    strbuf_appendf (&sb, "%s{\"name\":\"c%zu\",\"command\":[\"/bin/app%zu\",\"%zu\"],%s}", i ? "," : "", i,
                    i % 10, i, base_container);
  cleanup_policy struct policy *p = load (sb.buf, "");
  TAP_CHECK (p && policy_n_containers (p) == 1000);
  cleanup_oci_config struct oci_config *r = request ("[\"/bin/app7\",\"777\"]", "[]", "", "");
  cleanup_oci_config struct oci_config *d = request ("[\"/bin/app7\",\"778\"]", "[]", "", "");
  size_t idx = 0;
  TAP_CHECK (decide (p, r, NULL, NULL, NULL, &idx) == 1 && idx == 777);
  cleanup_free char *why = NULL;
  TAP_CHECK (decide (p, d, NULL, &why, NULL, &idx) == 0);
  /* The closest shares argv[0]. */
  TAP_CHECK (idx % 10 == 7);
  return 0;
}

static int
test_same_command_many_layers (void)
{
  /* 100 entries share a command and differ only by layers: every one of
     them stays a candidate (no cap on exact matches). */
  cleanup_strbuf struct strbuf sb = { 0 };
  for (size_t i = 0; i < 100; i++)
    strbuf_appendf (&sb, "%s{\"name\":\"p%zu\",\"command\":[\"/pause\"],\"layers\":[\"%064zx\"],%s}",
                    i ? "," : "", i, i, base_container);
  cleanup_policy struct policy *p = load (sb.buf, "");
  cleanup_oci_config struct oci_config *r = request ("[\"/pause\"]", "[]", "", "");
  TAP_CHECK (p && r);
  char hex[65];
  snprintf (hex, sizeof hex, "%064x", 90);
  const char *layers[] = { hex };
  struct policy_context ctx = { .layers = layers, .n_layers = 1 };
  size_t idx = 0;
  TAP_CHECK (decide (p, r, &ctx, NULL, NULL, &idx) == 1 && idx == 90);
  snprintf (hex, sizeof hex, "%064x", 1000);
  cleanup_free char *why = NULL;
  TAP_CHECK (decide (p, r, &ctx, &why, NULL, NULL) == 0);
  TAP_CHECK_STR (why, "layers: policy has 1 layers, rootfs has 1 with different root hashes");
  /* Offline (no layer stack known): admitted, but flagged unchecked. */
  struct policy_verdict v;
  parma_error_t err = NULL;
  TAP_CHECK (policy_match_create (p, r, NULL, &v, &err) == 0);
  TAP_CHECK (v.container_index == 0 && v.layers_unchecked);
  policy_verdict_release (&v);
  return 0;
}

static int
test_open_door_image (void)
{
  cleanup_policy struct policy *p = load ("", "\"open_door\":true");
  cleanup_oci_config struct oci_config *r = request ("[\"anything\"]", "[\"LD_PRELOAD=/x\"]", "", "");
  TAP_CHECK (p && r);
  TAP_CHECK (decide (p, r, NULL, NULL, NULL, NULL) == 1);
  struct policy_verdict v;
  parma_error_t err = NULL;
  TAP_CHECK (policy_match_create (p, r, NULL, &v, &err) == 0 && v.open_door);
  policy_verdict_release (&v);
  cleanup_policy struct policy *closed = load ("", "");
  TAP_CHECK (closed && decide (closed, r, NULL, NULL, NULL, NULL) == 0);
  return 0;
}

static int
test_canonical_properties (void)
{
  const char *a = "{\"version\":1,\"containers\":[{\"name\":\"x\",\"command\":[\"sh\"],\"signals\":[\"TERM\",9],"
                  "\"capabilities\":{\"bounding\":[\"kill\",\"CAP_CHOWN\",\"KILL\"]}}]}";
  const char *b = "{ \"containers\" : [ { \"signals\":[9,15], \"command\":[\"sh\"], \"name\":\"x\","
                  "\"capabilities\":{\"bounding\":[\"CAP_CHOWN\",\"CAP_KILL\"],\"ambient\":[]},"
                  "\"working_dir\":\"/\",\"hostname\":\".*\",\"env_rules\":[],\"user\":{\"umask\":18}}],"
                  "\"allow_update\":false, \"version\":1 }";
  const char *c = "{\"version\":1,\"containers\":[{\"name\":\"x\",\"command\":[\"sh\"],\"signals\":[9]}]}";
  cleanup_policy struct policy *pa = NULL;
  cleanup_policy struct policy *pb = NULL;
  cleanup_policy struct policy *pc = NULL;
  parma_error_t err = NULL;
  TAP_CHECK (policy_load (a, strlen (a), &pa, &err) == 0);
  TAP_CHECK (policy_load (b, strlen (b), &pb, &err) == 0);
  TAP_CHECK (policy_load (c, strlen (c), &pc, &err) == 0);
  TAP_CHECK (memcmp (policy_sha256 (pa), policy_sha256 (pb), POLICY_SHA256_LEN) == 0);
  TAP_CHECK (memcmp (policy_sha256 (pa), policy_sha256 (pc), POLICY_SHA256_LEN) != 0);
  /* Sets: runs of duplicates collapse (found by fuzzing: a use after free
     on the third copy). */
  const char *d3 = "{\"version\":1,\"containers\":[{\"name\":\"x\",\"command\":[\"sh\"],"
                   "\"namespaces\":[\"ipc\",\"pid\",\"ipc\",\"ipc\",\"pid\"]}]}";
  const char *d1 = "{\"version\":1,\"containers\":[{\"name\":\"x\",\"command\":[\"sh\"],"
                   "\"namespaces\":[\"pid\",\"ipc\"]}]}";
  cleanup_policy struct policy *p3 = NULL;
  cleanup_policy struct policy *p1 = NULL;
  TAP_CHECK (policy_load (d3, strlen (d3), &p3, &err) == 0);
  TAP_CHECK (policy_load (d1, strlen (d1), &p1, &err) == 0);
  TAP_CHECK (memcmp (policy_sha256 (p3), policy_sha256 (p1), POLICY_SHA256_LEN) == 0);
  return 0;
}

static int
test_bad_policy_paths (void)
{
  struct
  {
    const char *doc, *msg;
  } cases[] = {
    { "{\"version\":1,\"containers\":[{\"name\":\"a\",\"command\":[\"x\"],\"mounts\":[{\"destination\":\"rel\"}]}]}",
      "containers[0].mounts[0].destination: must be an absolute path" },
    { "{\"version\":1,\"containers\":[{\"name\":\"a\",\"command\":[]}]}", "containers[0].command: must not be empty" },
    { "{\"version\":1,\"containers\":[{\"name\":\"a\",\"command\":[\"x\"],\"exec_processes\":[{\"command\":[\"y\"],\"signals\":[0]}]}]}",
      "containers[0].exec_processes[0].signals[0]: not a signal (1..64 or a name like \"SIGTERM\")" },
    { "{\"version\":1,\"containers\":[{\"name\":\"a\",\"command\":[\"x\"],\"layers\":[\"abc\"]}]}",
      "containers[0].layers[0]: must be 64 or 128 hex digits" },
    { "{\"version\":1,\"fragments\":[{\"issuer\":\"x\",\"feed\":\"f\"}]}", "fragments[0].issuer: not a PEM public key" },
    { "{\"version\":1,\"open_door\":1}", "open_door: must be true or false" },
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    {
      struct policy *p = NULL;
      parma_error_t err = NULL;
      TAP_CHECK (policy_load (cases[i].doc, strlen (cases[i].doc), &p, &err) < 0);
      TAP_CHECK_STR (err->msg, cases[i].msg);
      TAP_CHECK (err->status == EINVAL);
      parma_error_release (&err);
    }
  return 0;
}

TAP_MAIN ({ "regex rules are anchored whole", test_regex_anchored },
          { "env required and dropping", test_env_required_and_dropping },
          { "capability sets and dropping", test_capabilities },
          { "mounts: option sets, anchored source", test_mounts },
          { "user ids, gids as a set, umask", test_user },
          { "placeholders from trusted context", test_placeholders },
          { "first entry wins; closest lists every failure", test_closest_and_first_wins },
          { "exec processes and signals", test_exec_and_signals },
          { "image: every flipped byte refused or harmless", test_image_integrity },
          { "file image: matcher needs prefetch", test_file_needs_prefetch },
          { "1000 containers: index picks the entry", test_many_containers_index },
          { "100 entries with one command: layers decide", test_same_command_many_layers },
          { "open door admits, empty policy denies (all modes)", test_open_door_image },
          { "canonical: spelling vs meaning", test_canonical_properties },
          { "bad policies name path and rule", test_bad_policy_paths })
