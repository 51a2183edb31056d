/* SPDX-License-Identifier: Apache-2.0 */
/* The strict reader's refusals (common/oci_read.c): each rule with the
   exact "<json path>: <rule>" message, for config, process and resources
   documents. */
#include "oci_helpers.h"
#include "common/oci_schema.h"
#include "common/strbuf.h"

#include <ctype.h>

/* ---- duplicates and case ---- */

static int
test_duplicate_top_level (void)
{
  return expect_refused (DOC_CONFIG, "{\"hostname\":\"a\",\"hostname\":\"b\"}",
                         "hostname: duplicate key");
}

static int
test_duplicate_nested (void)
{
  return expect_refused (
      DOC_CONFIG, "{\"linux\":{\"namespaces\":[{\"type\":\"pid\",\"type\":\"user\"}]}}",
      "linux.namespaces[0].type: duplicate key");
}

static int
test_duplicate_map_key (void)
{
  return expect_refused (DOC_CONFIG,
                         "{\"annotations\":{\"b\":\"1\",\"a.b\":\"2\",\"a.b\":\"3\"}}",
                         "annotations[\"a.b\"]: duplicate key");
}

static int
test_duplicate_object_map_key (void)
{
  return expect_refused (DOC_RESOURCES, "{\"rdma\":{\"m\":{},\"m\":{\"hcaHandles\":1}}}",
                         "rdma.m: duplicate key");
}

static int
test_duplicate_inside_dropped (void)
{
  struct oci_read_options o = { .allow_unknown = true };
  const char *doc = "{\"x\":{\"k\":1,\"k\":2}}";
  cleanup_free char *msg = NULL;
  TAP_CHECK (parse_write (DOC_CONFIG, doc, strlen (doc), &o, &msg) < 0);
  TAP_CHECK_STR (msg, "x.k: duplicate key");
  TAP_CHECK (o.dropped_keys == NULL);
  return 0;
}

static int
test_case_folded_top_level (void)
{
  return expect_refused (DOC_CONFIG, "{\"Process\":{}}",
                         "Process: key differs from `process` only by case");
}

static int
test_case_folded_nested (void)
{
  return expect_refused (DOC_CONFIG, "{\"process\":{\"ARGS\":[\"sh\"]}}",
                         "process.ARGS: key differs from `args` only by case");
}

static int
test_case_folded_after_exact (void)
{
  /* Go would keep the last one: the policy would check "a", runc run "b". */
  return expect_refused (DOC_PROCESS, "{\"args\":[\"a\"],\"Args\":[\"b\"]}",
                         "Args: key differs from `args` only by case");
}

static int
test_case_folded_unicode (void)
{
  /* U+017F LATIN SMALL LETTER LONG S folds to 's' and U+212A KELVIN SIGN to
     'k' in Go's case-insensitive key match. */
  int r = expect_refused (DOC_PROCESS, "{\"arg\xc5\xbf\":[\"a\"]}",
                          "[\"arg\\xc5\\xbf\"]: key differs from `args` only by case");
  if (r < 0)
    return r;
  r = expect_refused (DOC_RESOURCES, "{\"memory\":{\"\\u212aernel\":1}}",
                      "memory[\"\\xe2\\x84\\xaaernel\"]: key differs from `kernel` only by case");
  if (r < 0)
    return r;
  /* Go >= 1.21 also maps U+0130 and U+0131 to 'I'. */
  r = expect_refused (DOC_PROCESS, "{\"user\":{\"u\\u0130d\":0}}",
                      "user[\"u\\xc4\\xb0d\"]: key differs from `uid` only by case");
  if (r < 0)
    return r;
  return expect_refused (DOC_PROCESS, "{\"env\":[],\"user\":{\"g\\u0131d\":0}}",
                         "user[\"g\\xc4\\xb1d\"]: key differs from `gid` only by case");
}

static int
test_case_in_map_keys_kept (void)
{
  /* Map keys are data (Go map keys are exact): both stay, sorted. */
  return expect_written (DOC_CONFIG, "{\"annotations\":{\"a\":\"1\",\"A\":\"2\"}}",
                         "{\"annotations\":{\"A\":\"2\",\"a\":\"1\"}}");
}

/* Every key of every object in the model, reached through its real path
   from the config root: its upper-case variant is refused as a case
   variant, and the key given twice as a duplicate. */
struct schema_walk
{
  int checked;
  int failed;
};

static void
check_type_keys (const struct oci_type *t, const char *prefix, const char *suffix, int depth,
                 struct schema_walk *w)
{
  for (size_t i = 0; i < t->n_fields && !w->failed; i++)
    {
      const struct oci_field *f = &t->fields[i];
      cleanup_free char *upper = xstrdup (f->key);
      for (char *c = upper; *c; c++)
        *c = (char) toupper ((unsigned char) *c);
      cleanup_free char *doc = xasprintf ("%s{\"%s\":null}%s", prefix, upper, suffix);
      cleanup_free char *want = xasprintf (": key differs from `%s` only by case", f->key);
      cleanup_free char *msg = NULL;
      if (parse_write (DOC_CONFIG, doc, strlen (doc), NULL, &msg) == 0
          || strlen (msg) < strlen (want) || strcmp (msg + strlen (msg) - strlen (want), want) != 0)
        {
          fprintf (stderr, "# %s -> %s\n", doc, msg);
          w->failed = 1;
          return;
        }
      free (steal_pointer (&msg));
      free (steal_pointer (&doc));
      doc = xasprintf ("%s{\"%s\":null,\"%s\":null}%s", prefix, f->key, f->key, suffix);
      if (parse_write (DOC_CONFIG, doc, strlen (doc), NULL, &msg) == 0
          || strstr (msg, ": duplicate key") == NULL)
        {
          fprintf (stderr, "# %s -> %s\n", doc, msg ? msg : "(accepted)");
          w->failed = 1;
          return;
        }
      w->checked++;
      if (f->sub == NULL || depth > 8)
        continue;
      const char *open = "", *close = "";
      if (f->kind == OCI_K_ARRAY)
        open = "[", close = "]";
      else if (f->kind == OCI_K_OBJMAP)
        open = "{\"m\":", close = "}";
      cleanup_free char *p2 = xasprintf ("%s{\"%s\":%s", prefix, f->key, open);
      cleanup_free char *s2 = xasprintf ("%s}%s", close, suffix);
      check_type_keys (f->sub, p2, s2, depth + 1, w);
    }
}

static int
test_every_key_case_and_duplicate (void)
{
  struct schema_walk w = { 0 };
  check_type_keys (&oci_type_config, "", "", 0, &w);
  printf ("# %d keys checked\n", w.checked);
  TAP_CHECK (!w.failed);
  TAP_CHECK (w.checked > 150);
  return 0;
}

/* ---- unknown keys ---- */

static int
test_unknown_refused (void)
{
  int r = expect_refused (DOC_CONFIG, "{\"solaris\":{}}", "solaris: unknown key");
  if (r < 0)
    return r;
  return expect_refused (DOC_CONFIG, "{\"linux\":{\"resources\":{\"memory\":{\"high\":1}}}}",
                         "linux.resources.memory.high: unknown key");
}

static int
test_unknown_dropped (void)
{
  struct oci_read_options o = { .allow_unknown = true };
  const char *doc = "{\"vm\":{\"a\":[1,{\"b\":null}]},\"hostname\":\"h\","
                    "\"process\":{\"cwd\":\"/\",\"x-y\":true},\"linux\":{\"netDevices\":{}}}";
  cleanup_free char *out = NULL;
  TAP_CHECK (parse_write (DOC_CONFIG, doc, strlen (doc), &o, &out) == 0);
  TAP_CHECK_STR (out, "{\"hostname\":\"h\",\"linux\":{},\"process\":{\"cwd\":\"/\","
                      "\"user\":{\"gid\":0,\"uid\":0}}}");
  cleanup_strv char **dropped = o.dropped_keys;
  TAP_CHECK (dropped != NULL && strv_len (dropped) == 3);
  TAP_CHECK_STR (dropped[0], "vm");
  TAP_CHECK_STR (dropped[1], "process[\"x-y\"]");
  TAP_CHECK_STR (dropped[2], "linux.netDevices");
  return 0;
}

static int
test_unknown_case_folded_still_refused (void)
{
  /* allow_unknown drops unknown keys, never case variants of known ones. */
  struct oci_read_options o = { .allow_unknown = true };
  const char *doc = "{\"Hostname\":\"h\"}";
  cleanup_free char *msg = NULL;
  TAP_CHECK (parse_write (DOC_CONFIG, doc, strlen (doc), &o, &msg) < 0);
  TAP_CHECK_STR (msg, "Hostname: key differs from `hostname` only by case");
  return 0;
}

static int
test_key_quoted_in_message (void)
{
  /* Control bytes in an attacker's key must not reach a terminal. */
  return expect_refused (DOC_CONFIG, "{\"a\\u001b[2Jb\\\"\":1}",
                         "[\"a\\x1b[2Jb\\\"\"]: unknown key");
}

/* ---- types and ranges ---- */

static int
test_env_not_a_string (void)
{
  return expect_refused (DOC_CONFIG, "{\"process\":{\"env\":[\"A=1\",\"B=2\",\"C=3\",4]}}",
                         "process.env[3]: not a string");
}

static int
test_wrong_types (void)
{
  static const struct
  {
    const char *doc, *msg;
  } cases[] = {
    { "{\"process\":[]}", "process: not an object" },
    { "{\"process\":{\"terminal\":\"yes\"}}", "process.terminal: not a boolean" },
    { "{\"mounts\":{}}", "mounts: not an array" },
    { "{\"mounts\":[\"/proc\"]}", "mounts[0]: not an object" },
    { "{\"hostname\":5}", "hostname: not a string" },
    { "{\"annotations\":{\"a\":1}}", "annotations.a: not a string" },
    { "{\"annotations\":[]}", "annotations: not an object" },
    { "{\"process\":{\"user\":{\"uid\":\"0\"}}}", "process.user.uid: not an integer" },
    { "{\"process\":{\"user\":{\"uid\":1.0}}}", "process.user.uid: not an integer" },
    { "{\"process\":{\"user\":{\"uid\":1e3}}}", "process.user.uid: not an integer" },
    { "{\"process\":{\"user\":{\"uid\":true}}}", "process.user.uid: not an integer" },
    { "{\"linux\":{\"timeOffsets\":{\"boottime\":1}}}", "linux.timeOffsets.boottime: not an object" },
    { "{\"linux\":{\"seccomp\":{\"syscalls\":[{\"names\":[\"read\",[]]}]}}}",
      "linux.seccomp.syscalls[0].names[1]: not a string" },
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    if (expect_refused (DOC_CONFIG, cases[i].doc, cases[i].msg) < 0)
      return -1;
  return 0;
}

static int
test_uid_out_of_range (void)
{
  int r = expect_refused (DOC_CONFIG, "{\"process\":{\"user\":{\"uid\":4294967296}}}",
                          "process.user.uid: 4294967296 out of range 0..4294967295");
  if (r < 0)
    return r;
  return expect_written (DOC_PROCESS, "{\"user\":{\"gid\":4294967295,\"uid\":4294967295}}", NULL);
}

static int
test_uid_negative (void)
{
  int r = expect_refused (DOC_CONFIG, "{\"process\":{\"user\":{\"gid\":-1}}}",
                          "process.user.gid: -1 out of range 0..4294967295");
  if (r < 0)
    return r;
  /* Go's ParseUint refuses "-0" too. */
  return expect_refused (DOC_PROCESS, "{\"user\":{\"additionalGids\":[5,-0]}}",
                         "user.additionalGids[1]: -0 out of range 0..4294967295");
}

static int
test_integer_limits (void)
{
  static const struct
  {
    const char *doc, *msg;
  } refused[] = {
    { "{\"pids\":{\"limit\":9223372036854775808}}",
      "pids.limit: 9223372036854775808 out of range -9223372036854775808..9223372036854775807" },
    { "{\"memory\":{\"limit\":-9223372036854775809}}",
      "memory.limit: -9223372036854775809 out of range -9223372036854775808..9223372036854775807" },
    { "{\"memory\":{\"swappiness\":18446744073709551616}}",
      "memory.swappiness: 18446744073709551616 out of range 0..18446744073709551615" },
    { "{\"blockIO\":{\"weight\":65536}}", "blockIO.weight: 65536 out of range 0..65535" },
    { "{\"cpu\":{\"burst\":-1}}", "cpu.burst: -1 out of range 0..9223372036854775807" },
    { "{\"memory\":{\"limit\":123456789012345678901234567890}}",
      "memory.limit: 123456789012345678901234567890 out of range "
      "-9223372036854775808..9223372036854775807" },
  };
  for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++)
    if (expect_refused (DOC_RESOURCES, refused[i].doc, refused[i].msg) < 0)
      return -1;
  return expect_written (DOC_RESOURCES,
                         "{\"blockIO\":{\"weight\":65535},\"memory\":{\"limit\":"
                         "-9223372036854775808,\"swappiness\":18446744073709551615},"
                         "\"pids\":{\"limit\":9223372036854775807}}",
                         NULL);
}

static int
test_i32_range (void)
{
  int r = expect_refused (DOC_PROCESS, "{\"oomScoreAdj\":2147483648}",
                          "oomScoreAdj: 2147483648 out of range -2147483648..2147483647");
  if (r < 0)
    return r;
  return expect_written (DOC_PROCESS, "{\"oomScoreAdj\":-2147483648,\"user\":{\"gid\":0,\"uid\":0}}",
                         NULL);
}

static int
test_null_is_absent (void)
{
  return expect_written (DOC_CONFIG,
                         "{\"process\":null,\"hostname\":null,\"linux\":{\"seccomp\":{"
                         "\"syscalls\":[{\"names\":null,\"action\":\"SCMP_ACT_ALLOW\"}]}}}",
                         "{\"linux\":{\"seccomp\":{\"syscalls\":[{\"action\":\"SCMP_ACT_ALLOW\"}]}}}");
}

static int
test_null_in_array_refused (void)
{
  return expect_refused (DOC_PROCESS, "{\"args\":[\"sh\",null]}", "args[1]: not a string");
}

/* ---- strings ---- */

static int
test_nul_in_string (void)
{
  int r = expect_refused (DOC_CONFIG, "{\"process\":{\"args\":[\"/bin/true\\u0000x\"]}}",
                          "process.args[0]: NUL byte in string (\\u0000)");
  if (r < 0)
    return r;
  return expect_refused (DOC_CONFIG, "{\"annotations\":{\"k\\u0000\":\"v\"}}",
                         "annotations.k: NUL byte in string (\\u0000)");
}

static int
test_invalid_utf8 (void)
{
  static const struct
  {
    const char *doc, *msg;
  } cases[] = {
    /* yajl's own check catches a stray continuation byte ... */
    { "{\"hostname\":\"a\xff\"}", NULL },
    /* ... but not these: overlong NUL, encoded surrogate, > U+10FFFF */
    { "{\"hostname\":\"a\xc0\x80\"}", "hostname: invalid UTF-8 in string" },
    { "{\"hostname\":\"a\xed\xa0\x80\"}", "hostname: invalid UTF-8 in string" },
    { "{\"hostname\":\"\xf4\x90\x80\x80\"}", "hostname: invalid UTF-8 in string" },
    { "{\"hostname\":\"a\\ud800b\"}", "hostname: unpaired UTF-16 surrogate escape in string" },
    { "{\"hostname\":\"a\\udc00\"}", "hostname: unpaired UTF-16 surrogate escape in string" },
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    {
      cleanup_free char *msg = NULL;
      TAP_CHECK (parse_write (DOC_CONFIG, cases[i].doc, strlen (cases[i].doc), NULL, &msg) < 0);
      if (cases[i].msg)
        TAP_CHECK_STR (msg, cases[i].msg);
      else
        TAP_CHECK (strncmp (msg, "hostname: invalid JSON at byte ", 31) == 0);
    }
  /* A proper surrogate pair is one character, written as raw UTF-8. */
  return expect_written (DOC_CONFIG, "{\"hostname\":\"\\ud83d\\ude00\\u00e9\"}",
                         "{\"hostname\":\"\xf0\x9f\x98\x80\xc3\xa9\"}");
}

static int
test_escapes_canonical (void)
{
  return expect_written (DOC_CONFIG, "{\"hostname\":\"\\/\\b\\f\\n\\r\\t\\u001f\\u0041\\\"\\\\\"}",
                         "{\"hostname\":\"/\\u0008\\u000c\\n\\r\\t\\u001fA\\\"\\\\\"}");
}

/* ---- document shape ---- */

static int
test_oversized (void)
{
  size_t n = OCI_MAX_DOCUMENT + 1;
  cleanup_free char *buf = xmalloc (n);
  memset (buf, ' ', n);
  buf[0] = '{';
  buf[n - 1] = '}';
  cleanup_free char *msg = NULL;
  TAP_CHECK (parse_write (DOC_CONFIG, buf, n, NULL, &msg) < 0);
  TAP_CHECK_STR (msg, "(top level): document of 4194305 bytes exceeds 4194304 bytes");
  /* One byte less is fine. */
  free (steal_pointer (&msg));
  buf[n - 2] = '}';
  TAP_CHECK (parse_write (DOC_CONFIG, buf, n - 1, NULL, &msg) == 0);
  TAP_CHECK_STR (msg, "{}");
  return 0;
}

static char *
nested_arrays (size_t depth)
{
  /* {"x": + (depth - 1) brackets: the object is level 1 */
  cleanup_strbuf struct strbuf sb = { 0 };
  strbuf_puts (&sb, "{\"x\":");
  for (size_t i = 1; i < depth; i++)
    strbuf_putc (&sb, '[');
  for (size_t i = 1; i < depth; i++)
    strbuf_putc (&sb, ']');
  strbuf_putc (&sb, '}');
  return strbuf_steal (&sb);
}

static int
test_depth (void)
{
  struct oci_read_options o = { .allow_unknown = true };
  cleanup_free char *ok = nested_arrays (OCI_MAX_DEPTH);
  cleanup_free char *deep = nested_arrays (OCI_MAX_DEPTH + 1);
  cleanup_free char *out = NULL;
  TAP_CHECK (parse_write (DOC_CONFIG, ok, strlen (ok), &o, &out) == 0);
  TAP_CHECK_STR (out, "{}");
  strv_free (steal_pointer (&o.dropped_keys));
  cleanup_free char *msg = NULL;
  TAP_CHECK (parse_write (DOC_CONFIG, deep, strlen (deep), &o, &msg) < 0);
  TAP_CHECK (strstr (msg, ": nested deeper than 64") != NULL);
  TAP_CHECK (strncmp (msg, "x[0][0]", 7) == 0);
  return 0;
}

static int
test_trailing_garbage (void)
{
  int r = expect_refused (DOC_CONFIG, "{} x",
                          "(top level): invalid JSON at byte 4: parse error: trailing garbage");
  if (r < 0)
    return r;
  r = expect_refused (DOC_CONFIG, "{}{}",
                      "(top level): invalid JSON at byte 3: parse error: trailing garbage");
  if (r < 0)
    return r;
  return expect_written (DOC_CONFIG, " \n{}\r\n\t ", "{}");
}

static int
test_empty_input (void)
{
  int r = expect_refused (DOC_CONFIG, "", "(top level): empty document");
  if (r < 0)
    return r;
  return expect_refused (DOC_PROCESS, " \n\t", "(top level): empty document");
}

static int
test_top_level_not_object (void)
{
  int r = expect_refused (DOC_CONFIG, "[]", "(top level): not an object");
  if (r < 0)
    return r;
  r = expect_refused (DOC_RESOURCES, "\"x\"", "(top level): not an object");
  if (r < 0)
    return r;
  return expect_refused (DOC_PROCESS, "null", "(top level): not an object");
}

static int
test_comments_refused (void)
{
  cleanup_free char *msg = NULL;
  const char *doc = "{/* c */\"hostname\":\"h\"}";
  TAP_CHECK (parse_write (DOC_CONFIG, doc, strlen (doc), NULL, &msg) < 0);
  TAP_CHECK (strstr (msg, "invalid JSON") != NULL && strstr (msg, "comment") != NULL);
  return 0;
}

static int
test_truncated (void)
{
  cleanup_free char *msg = NULL;
  const char *doc = "{\"process\":{\"args\":[\"sh\"";
  TAP_CHECK (parse_write (DOC_CONFIG, doc, strlen (doc), NULL, &msg) < 0);
  TAP_CHECK_STR (msg, "process.args[0]: invalid JSON: document ends early");
  return 0;
}

static int
test_out_untouched_on_error (void)
{
  struct oci_config *sentinel = (struct oci_config *) &sentinel;
  struct oci_config *c = sentinel;
  parma_error_t err = NULL;
  const char *doc = "{\"process\":{\"args\":[\"a\",1]}}";
  TAP_CHECK (oci_config_parse (doc, strlen (doc), NULL, &c, &err) < 0);
  TAP_CHECK (c == sentinel);
  TAP_CHECK (err != NULL && err->status == EINVAL);
  parma_error_release (&err);
  return 0;
}

static int
test_not_nul_terminated (void)
{
  /* The buffer need not be NUL-terminated: parse only `len` bytes. */
  const char doc[] = "{\"hostname\":\"h\"}garbage";
  cleanup_free char *out = NULL;
  TAP_CHECK (parse_write (DOC_CONFIG, doc, 16, NULL, &out) == 0);
  TAP_CHECK_STR (out, "{\"hostname\":\"h\"}");
  return 0;
}

/* ---- process and resources documents ---- */

static int
test_process_rules (void)
{
  int r = expect_refused (DOC_PROCESS, "{\"args\":[\"sh\"],\"cwd\":\"/\",\"Cwd\":\"/root\"}",
                          "Cwd: key differs from `cwd` only by case");
  if (r < 0)
    return r;
  r = expect_refused (DOC_PROCESS, "{\"user\":{\"uid\":0},\"user\":{\"uid\":1}}",
                      "user: duplicate key");
  if (r < 0)
    return r;
  return expect_refused (DOC_PROCESS, "{\"capabilities\":{\"bounding\":[\"CAP_SYS_ADMIN\"],"
                                      "\"effective\":\"CAP_SYS_ADMIN\"}}",
                         "capabilities.effective: not an array");
}

static int
test_resources_rules (void)
{
  int r = expect_refused (DOC_RESOURCES, "{\"memory\":{\"Limit\":1}}",
                          "memory.Limit: key differs from `limit` only by case");
  if (r < 0)
    return r;
  r = expect_refused (DOC_RESOURCES, "{\"unified\":{\"memory.max\":\"1\",\"memory.max\":\"2\"}}",
                      "unified[\"memory.max\"]: duplicate key");
  if (r < 0)
    return r;
  return expect_refused (DOC_RESOURCES, "{\"devices\":[{\"allow\":\"true\"}]}",
                         "devices[0].allow: not a boolean");
}

TAP_MAIN ({ "duplicate key at top level", test_duplicate_top_level },
          { "duplicate key nested in an array element", test_duplicate_nested },
          { "duplicate key in a string map", test_duplicate_map_key },
          { "duplicate key in an object map", test_duplicate_object_map_key },
          { "duplicate key inside dropped content", test_duplicate_inside_dropped },
          { "case-folded key at top level (Process)", test_case_folded_top_level },
          { "case-folded key nested (process.ARGS)", test_case_folded_nested },
          { "case-folded key after the exact one", test_case_folded_after_exact },
          { "Unicode case folding as Go does it", test_case_folded_unicode },
          { "map keys keep their case", test_case_in_map_keys_kept },
          { "every key of the model: case variant and duplicate refused",
            test_every_key_case_and_duplicate },
          { "unknown keys refused", test_unknown_refused },
          { "unknown keys dropped and reported with allow_unknown", test_unknown_dropped },
          { "allow_unknown still refuses case variants", test_unknown_case_folded_still_refused },
          { "keys are quoted safely in messages", test_key_quoted_in_message },
          { "process.env[3]: not a string", test_env_not_a_string },
          { "wrong JSON types", test_wrong_types },
          { "uid 2^32 refused, 2^32-1 accepted", test_uid_out_of_range },
          { "negative uid/gid refused (and -0)", test_uid_negative },
          { "int64/uint64/uint16 limits", test_integer_limits },
          { "int32 limits", test_i32_range },
          { "null reads as absent", test_null_is_absent },
          { "null inside an array refused", test_null_in_array_refused },
          { "NUL in string or key refused", test_nul_in_string },
          { "invalid UTF-8 refused", test_invalid_utf8 },
          { "escapes decoded and re-escaped canonically", test_escapes_canonical },
          { "document over 4 MiB refused", test_oversized },
          { "depth 64 accepted, 65 refused", test_depth },
          { "trailing garbage refused", test_trailing_garbage },
          { "empty input refused", test_empty_input },
          { "top level must be an object", test_top_level_not_object },
          { "comments refused", test_comments_refused },
          { "truncated document refused", test_truncated },
          { "*out untouched on error", test_out_untouched_on_error },
          { "buffer need not be NUL-terminated", test_not_nul_terminated },
          { "process JSON rules", test_process_rules },
          { "resources JSON rules", test_resources_rules }, )
