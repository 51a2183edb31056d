/* SPDX-License-Identifier: Apache-2.0 */
/* parma-policy owner keygen|verify-challenge|sign|inspect: the workload
   owner's side of the owner control channel (parma-policy(1) OWNER,
   token format in parma-policy(5)).  The owner runs these on a machine of
   their own; the host only relays the challenge and the token. */
#include "common/cleanup.h"
#include "common/io.h"
#include "common/oci.h"
#include "common/sha256.h"
#include "common/xalloc.h"
#include "policy/cli/cli.h"
#include "snp/snp.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_TTL 300 /* seconds a signed operation stays valid */
#define CHALLENGE_MAX (1u << 20)

static int
bad_usage (parma_error_t *err, const char *what)
{
  return parma_error_make (err, EINVAL, "owner %s: bad arguments (see parma-policy(1))", what);
}

/* ---- keygen ---- */

static int
write_pem (const char *path, EVP_PKEY *k, bool private, parma_error_t *err)
{
  cleanup_close int fd = open (path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, private ? 0600 : 0644);
  if (fd < 0)
    return parma_error_make (err, errno, "owner keygen: create `%s`", path);
  BIO *b = BIO_new (BIO_s_mem ());
  int ok = b && (private ? PEM_write_bio_PrivateKey (b, k, NULL, NULL, 0, NULL, NULL)
                         : PEM_write_bio_PUBKEY (b, k));
  char *data = NULL;
  long n = ok ? BIO_get_mem_data (b, &data) : 0;
  int r = ok ? write_all_fd (fd, data, (size_t) n, err)
             : parma_error_make (err, EIO, "owner keygen: PEM of `%s`", path);
  BIO_free (b);
  return r;
}

static int
owner_keygen (int argc, char **argv, parma_error_t *err)
{
  const char *alg = "ed25519", *out = NULL, *id = NULL, *ops = "exec";
  for (int i = 1; i < argc; i++)
    if (strcmp (argv[i], "--algorithm") == 0 && i + 1 < argc)
      alg = argv[++i];
    else if (strcmp (argv[i], "--id") == 0 && i + 1 < argc)
      id = argv[++i];
    else if (strcmp (argv[i], "--operations") == 0 && i + 1 < argc)
      ops = argv[++i];
    else if (out == NULL && argv[i][0] != '-')
      out = argv[i];
    else
      return bad_usage (err, "keygen");
  if (out == NULL)
    return bad_usage (err, "keygen");
  EVP_PKEY *k = NULL;
  if (strcmp (alg, "ed25519") == 0)
    k = EVP_PKEY_Q_keygen (NULL, NULL, "ED25519");
  else if (strcmp (alg, "ecdsa-p384") == 0)
    k = EVP_PKEY_Q_keygen (NULL, NULL, "EC", "P-384");
  else
    return parma_error_make (err, EINVAL, "owner keygen: --algorithm must be ed25519 or ecdsa-p384");
  if (k == NULL)
    return parma_error_make (err, EIO, "owner keygen: key generation failed");
  cleanup_free char *priv = xasprintf ("%s.key", out), *pub = xasprintf ("%s.pub", out);
  int r = write_pem (priv, k, true, err);
  if (r == 0)
    r = write_pem (pub, k, false, err);
  if (r == 0)
    {
      /* The owner_keys entry to paste into the policy. */
      BIO *b = BIO_new (BIO_s_mem ());
      char *data = NULL;
      long n = b && PEM_write_bio_PUBKEY (b, k) ? BIO_get_mem_data (b, &data) : 0;
      cleanup_free char *pem = xstrndup (data ? data : "", (size_t) n);
      BIO_free (b);
      json_t *arr = json_array ();
      cleanup_free char *list = xstrdup (ops);
      char *save = NULL;
      for (char *t = strtok_r (list, ",", &save); t; t = strtok_r (NULL, ",", &save))
        json_array_append_new (arr, json_string (t));
      json_auto_t *e = json_pack ("{s:s, s:s, s:s, s:o}", "id", id ? id : "owner",
                                           "algorithm", alg, "public_key", pem, "operations", arr);
      cleanup_free char *s = e ? json_dumps (e, JSON_INDENT (2) | JSON_SORT_KEYS) : NULL;
      if (s)
        printf ("%s\n", s);
    }
  EVP_PKEY_free (k);
  return r;
}

/* ---- challenge files ---- */

struct challenge
{
  json_t *doc;
  uint8_t challenge[32], boot[32], policy_sha256[32];
  const char *report_hex, *chain;
  bool bound; /* issued for one container instance (owner-challenge ID) */
  struct policy_owner_binding bind;
};

static int
get_hex (json_t *doc, const char *key, uint8_t out[32], parma_error_t *err)
{
  const char *s = json_string_value (json_object_get (doc, key));
  cleanup_free uint8_t *b = NULL;
  size_t n = 0;
  if (s == NULL || strlen (s) != 64 || hex_decode (s, &b, &n, err) < 0 || n != 32)
    {
      parma_error_release (err);
      return parma_error_make (err, EINVAL, "challenge.%s: must be 64 hex digits", key);
    }
  memcpy (out, b, 32);
  return 0;
}

static int
load_challenge (const char *path, struct challenge *c, parma_error_t *err)
{
  cleanup_free char *buf = NULL;
  size_t len = 0;
  int r = strcmp (path, "-") == 0 ? read_all_fd (0, CHALLENGE_MAX, &buf, &len, err)
                                  : read_file_at (AT_FDCWD, path, CHALLENGE_MAX, &buf, &len, err);
  if (r < 0)
    return parma_error_wrap (err, "challenge `%s`", path);
  json_error_t jerr;
  c->doc = json_loadb (buf, len, JSON_REJECT_DUPLICATES, &jerr);
  if (c->doc == NULL || !json_is_object (c->doc))
    return parma_error_make (err, EINVAL, "challenge `%s`: not a JSON object", path);
  if (get_hex (c->doc, "challenge", c->challenge, err) < 0
      || get_hex (c->doc, "boot", c->boot, err) < 0
      || get_hex (c->doc, "policy_sha256", c->policy_sha256, err) < 0)
    return -1;
  json_t *container = json_object_get (c->doc, "container");
  if (container)
    {
      c->bind.container = json_string_value (container);
      c->bind.entry = json_string_value (json_object_get (c->doc, "policy_entry"));
      if (c->bind.container == NULL || c->bind.entry == NULL)
        return parma_error_make (err, EINVAL, "challenge: container and policy_entry must be "
                                              "strings");
      if (get_hex (c->doc, "instance", c->bind.instance, err) < 0)
        return -1;
      c->bound = true;
    }
  c->report_hex = json_string_value (json_object_get (c->doc, "report"));
  c->chain = json_string_value (json_object_get (c->doc, "chain"));
  return 0;
}

/* ---- verify-challenge ---- */

static int
check_report (const struct challenge *c, const uint8_t *policy_sha, const char *sim_ark,
              bool have_at, int64_t at, parma_error_t *err)
{
  if (c->report_hex == NULL || c->chain == NULL)
    return parma_error_make (err, EINVAL, "challenge: report and chain are required");
  struct snp_report rep;
  if (snp_report_decode_input ((const uint8_t *) c->report_hex, strlen (c->report_hex), &rep, NULL,
                               err)
      < 0)
    return parma_error_wrap (err, "challenge.report");
  uint8_t want_rd[64];
  if (policy_owner_report_data (policy_sha, c->boot, c->challenge, c->bound ? &c->bind : NULL,
                                want_rd, err)
      < 0)
    return -1;
  struct snp_certs *certs = snp_certs_new ();
  if (snp_certs_add_buf (certs, (const uint8_t *) c->chain, strlen (c->chain), err) < 0)
    {
      snp_certs_free (certs);
      return parma_error_wrap (err, "challenge.chain");
    }
  struct snp_verify_opts o = { .host_data = policy_sha, .report_data = want_rd, .vmpl = -1,
                               .have_time = have_at, .at = at };
  if (sim_ark)
    o.allow_simulator = true, o.simulator_ark_path = sim_ark;
  struct snp_verify_result res = { 0 };
  parma_error_t verr = NULL;
  int r = snp_verify (&rep, certs, &o, &res, &verr);
  snp_certs_free (certs);
  for (size_t i = 0; i < res.n_failures; i++)
    fprintf (stderr, "verify-challenge: %s\n", res.failures[i]);
  if (r == 0 && res.simulator)
    fprintf (stderr, "parma-policy: WARNING: the chain ends at the parma SIMULATOR's ARK, not "
                     "AMD's\n");
  snp_verify_result_release (&res);
  if (r < 0)
    {
      *err = verr;
      return parma_error_wrap (err, "challenge report");
    }
  return 0;
}

static int
owner_verify_challenge (int argc, char **argv, parma_error_t *err)
{
  const char *file = NULL, *policy = NULL, *sim_ark = NULL;
  bool have_at = false;
  int64_t at = 0;
  for (int i = 1; i < argc; i++)
    if (strcmp (argv[i], "--policy") == 0 && i + 1 < argc)
      policy = argv[++i];
    else if (strcmp (argv[i], "--simulator-ark") == 0 && i + 1 < argc)
      sim_ark = argv[++i];
    else if (strcmp (argv[i], "--at") == 0 && i + 1 < argc)
      {
        if (parse_int64 (argv[++i], 0, INT64_MAX, &at) < 0)
          return bad_usage (err, "verify-challenge");
        have_at = true;
      }
    else if (file == NULL)
      file = argv[i];
    else
      return bad_usage (err, "verify-challenge");
  if (file == NULL || policy == NULL)
    return bad_usage (err, "verify-challenge");
  cleanup_policy struct policy *p = NULL;
  if (cli_load_policy (policy, &p, err) < 0)
    return -1;
  struct challenge c = { 0 };
  int r = load_challenge (file, &c, err);
  /* The owner's own policy hash is what HOST_DATA must hold; the one the
     challenge states is only compared, never trusted. */
  if (r == 0 && CRYPTO_memcmp (c.policy_sha256, policy_sha256 (p), 32) != 0)
    r = parma_error_make (err, EPERM, "challenge: policy_sha256 is not the hash of `%s`", policy);
  if (r == 0)
    r = check_report (&c, policy_sha256 (p), sim_ark, have_at, at, err);
  if (r == 0)
    {
      cleanup_free char *ch = hex_encode (c.challenge, 32), *boot = hex_encode (c.boot, 32);
      printf ("challenge: %s\nboot: %s\n", ch, boot);
      if (c.bound)
        {
          cleanup_free char *inst = hex_encode (c.bind.instance, 32);
          printf ("container: %s\npolicy_entry: %s\ninstance: %s\n", c.bind.container,
                  c.bind.entry, inst);
        }
      printf ("verify-challenge: OK: the report binds this challenge, boot, policy%s\n",
              c.bound ? " and container instance" : " (no container: fragments only)");
    }
  json_decref (c.doc);
  return r;
}

/* ---- sign ---- */

struct sign_args
{
  const char *key, *key_id, *challenge, *op, *container, *process, *fragment;
  const char *signal, *expires, *ttl, *policy, *sim_ark;
  bool all;
};

static int
parse_sign (int argc, char **argv, struct sign_args *a, parma_error_t *err)
{
  struct
  {
    const char *flag;
    const char **dst;
  } opts[] = { { "--key", &a->key },         { "--key-id", &a->key_id },
               { "--challenge", &a->challenge }, { "--op", &a->op },
               { "--container", &a->container }, { "--process", &a->process },
               { "--fragment", &a->fragment }, { "--signal", &a->signal },
               { "--expires", &a->expires },   { "--ttl", &a->ttl },
               { "--policy", &a->policy },     { "--simulator-ark", &a->sim_ark } };
  for (int i = 1; i < argc; i++)
    {
      bool hit = false;
      if (strcmp (argv[i], "--all") == 0)
        a->all = hit = true;
      for (size_t j = 0; !hit && j < sizeof opts / sizeof opts[0]; j++)
        if (strcmp (argv[i], opts[j].flag) == 0 && i + 1 < argc)
          *opts[j].dst = argv[++i], hit = true;
      if (!hit)
        return bad_usage (err, "sign");
    }
  if (!a->key || !a->key_id || !a->challenge || !a->op)
    return parma_error_make (err, EINVAL, "owner sign: --key, --key-id, --challenge and --op are "
                                          "required");
  return 0;
}

/* SHA-256 of the canonical process: what the guest computes from the
   process it would seal (PARMA_OWNER_TOKEN removed). */
static int
process_digest (const char *path, uint8_t out[32], parma_error_t *err)
{
  cleanup_free char *buf = NULL, *canon = NULL;
  size_t len = 0, clen = 0;
  if (read_file_at (AT_FDCWD, path, OCI_MAX_DOCUMENT, &buf, &len, err) < 0)
    return parma_error_wrap (err, "--process `%s`", path);
  struct oci_read_options ro = { .allow_unknown = false };
  cleanup_oci_process struct oci_process *p = NULL;
  if (oci_process_parse (buf, len, &ro, &p, err) < 0 || oci_process_write (p, &canon, &clen, err) < 0)
    return parma_error_wrap (err, "--process `%s`", path);
  parma_sha256 (canon, clen, out);
  return 0;
}

static int
file_digest (const char *path, uint8_t out[32], parma_error_t *err)
{
  cleanup_free char *buf = NULL;
  size_t len = 0;
  if (read_file_at (AT_FDCWD, path, POLICY_MAX_DOCUMENT, &buf, &len, err) < 0)
    return parma_error_wrap (err, "--fragment `%s`", path);
  parma_sha256 (buf, len, out);
  return 0;
}

static int
fill_token (const struct sign_args *a, const struct challenge *c, struct policy_owner_token *t,
            parma_error_t *err)
{
  if (policy_owner_op_parse (a->op, &t->op) < 0)
    return parma_error_make (err, EINVAL, "owner sign: --op must be exec, signal, fragment or "
                                          "checkpoint");
  memcpy (t->challenge, c->challenge, 32);
  memcpy (t->boot, c->boot, 32);
  int64_t ttl = DEFAULT_TTL;
  if (a->expires && parse_int64 (a->expires, 1, INT64_MAX, &t->expires) < 0)
    return parma_error_make (err, EINVAL, "owner sign: --expires: not a unix time");
  if (a->ttl && parse_int64 (a->ttl, 1, 86400, &ttl) < 0)
    return parma_error_make (err, EINVAL, "owner sign: --ttl: 1..86400 seconds");
  if (a->expires == NULL)
    t->expires = (int64_t) time (NULL) + ttl;
  /* The guest spends a challenge bound to a container instance only on
     that instance, and an unbound one only on a fragment. */
  const char *container = a->container ? a->container : c->bound ? c->bind.container : NULL;
  if (t->op == POLICY_OWNER_FRAGMENT && c->bound)
    return parma_error_make (err, EINVAL, "owner sign: --op fragment needs a challenge issued "
                                          "without a container");
  if (t->op != POLICY_OWNER_FRAGMENT && container == NULL)
    return parma_error_make (err, EINVAL, "owner sign: --op %s needs --container", a->op);
  if (t->op != POLICY_OWNER_FRAGMENT && c->bound && strcmp (container, c->bind.container) != 0)
    return parma_error_make (err, EINVAL, "owner sign: --container `%s`: the challenge was issued "
                                          "for container `%s`",
                             container, c->bind.container);
  if (t->op != POLICY_OWNER_FRAGMENT && !c->bound)
    fprintf (stderr, "parma-policy: WARNING: the challenge is not bound to a container; the guest "
                     "refuses it for --op %s (issue it with `parma-runc owner-challenge ID`)\n",
             a->op);
  t->container = t->op != POLICY_OWNER_FRAGMENT ? xstrdup (container) : NULL;
  switch (t->op)
    {
    case POLICY_OWNER_EXEC:
      if (a->process == NULL)
        return parma_error_make (err, EINVAL, "owner sign: --op exec needs --process FILE");
      return process_digest (a->process, t->digest, err);
    case POLICY_OWNER_FRAGMENT:
      if (a->fragment == NULL)
        return parma_error_make (err, EINVAL, "owner sign: --op fragment needs --fragment FILE");
      return file_digest (a->fragment, t->digest, err);
    case POLICY_OWNER_SIGNAL:
      {
        int64_t n = 0;
        if (a->signal == NULL || parse_int64 (a->signal, 1, 64, &n) < 0)
          return parma_error_make (err, EINVAL, "owner sign: --op signal needs --signal 1..64");
        t->signal = (int) n;
        t->all = a->all;
        return 0;
      }
    case POLICY_OWNER_CHECKPOINT:
    case POLICY_OWNER_N_OPS:
      break;
    }
  return 0;
}

static int
sign_bytes (const char *key_path, const char *msg, size_t len, uint8_t **sig, size_t *sig_len,
            parma_error_t *err)
{
  cleanup_free char *pem = NULL;
  size_t plen = 0;
  if (read_file_at (AT_FDCWD, key_path, 65536, &pem, &plen, err) < 0)
    return parma_error_wrap (err, "--key `%s`", key_path);
  BIO *b = BIO_new_mem_buf (pem, (int) plen);
  EVP_PKEY *k = b ? PEM_read_bio_PrivateKey (b, NULL, NULL, NULL) : NULL;
  BIO_free (b);
  OPENSSL_cleanse (pem, plen);
  if (k == NULL)
    return parma_error_make (err, EINVAL, "--key `%s`: not a PEM private key", key_path);
  const EVP_MD *md = EVP_PKEY_is_a (k, "ED25519") ? NULL : EVP_sha384 ();
  EVP_MD_CTX *ctx = EVP_MD_CTX_new ();
  size_t n = 0;
  int ok = ctx && EVP_DigestSignInit (ctx, NULL, md, NULL, k) == 1
           && EVP_DigestSign (ctx, NULL, &n, (const uint8_t *) msg, len) == 1;
  *sig = ok ? xmalloc (n) : NULL;
  ok = ok && EVP_DigestSign (ctx, *sig, &n, (const uint8_t *) msg, len) == 1;
  EVP_MD_CTX_free (ctx);
  EVP_PKEY_free (k);
  if (!ok)
    return parma_error_make (err, EIO, "--key `%s`: signing failed (Ed25519 or ECDSA P-384 only)",
                             key_path);
  *sig_len = n;
  return 0;
}

static int
owner_sign (int argc, char **argv, parma_error_t *err)
{
  struct sign_args a = { 0 };
  if (parse_sign (argc, argv, &a, err) < 0)
    return -1;
  struct challenge c = { 0 };
  struct policy_owner_token t = { .key_id = xstrdup (a.key_id) };
  int r = load_challenge (a.challenge, &c, err);
  /* With --policy, nothing is signed for a challenge whose report does not
     verify: the same checks as verify-challenge. */
  if (r == 0 && a.policy)
    {
      cleanup_policy struct policy *p = NULL;
      r = cli_load_policy (a.policy, &p, err);
      if (r == 0 && CRYPTO_memcmp (c.policy_sha256, policy_sha256 (p), 32) != 0)
        r = parma_error_make (err, EPERM, "challenge: policy_sha256 is not the hash of `%s`",
                              a.policy);
      if (r == 0)
        r = check_report (&c, policy_sha256 (p), a.sim_ark, false, 0, err);
    }
  if (r == 0)
    r = fill_token (&a, &c, &t, err);
  cleanup_free char *payload = r == 0 ? policy_owner_payload (&t) : NULL;
  if (r == 0 && payload == NULL)
    r = parma_error_make (err, EINVAL, "owner sign: --key-id or --container is not UTF-8");
  cleanup_free char *b64 = NULL, *msg = NULL, *sig64 = NULL;
  cleanup_free uint8_t *sig = NULL;
  size_t mlen = 0, slen = 0;
  if (r == 0)
    {
      b64 = policy_owner_b64url_encode ((const uint8_t *) payload, strlen (payload));
      msg = policy_owner_signed_bytes (b64, &mlen);
      r = sign_bytes (a.key, msg, mlen, &sig, &slen, err);
    }
  if (r == 0)
    {
      sig64 = policy_owner_b64url_encode (sig, slen);
      printf ("%s.%s\n", b64, sig64);
    }
  policy_owner_token_release (&t);
  json_decref (c.doc);
  return r;
}

/* ---- inspect ---- */

static int
owner_inspect (int argc, char **argv, parma_error_t *err)
{
  const char *tok = NULL, *policy = NULL;
  for (int i = 1; i < argc; i++)
    if (strcmp (argv[i], "--policy") == 0 && i + 1 < argc)
      policy = argv[++i];
    else if (tok == NULL)
      tok = argv[i];
    else
      return bad_usage (err, "inspect");
  if (tok == NULL)
    return bad_usage (err, "inspect");
  cleanup_free char *buf = NULL;
  size_t len = 0;
  if (strcmp (tok, "-") == 0)
    {
      if (read_all_fd (0, 65536, &buf, &len, err) < 0)
        return -1;
      while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
        buf[--len] = '\0';
      tok = buf;
    }
  struct policy_owner_token t = { 0 };
  int r;
  if (policy)
    {
      cleanup_policy struct policy *p = NULL;
      cleanup_owner_keys struct policy_owner_keys *keys = NULL;
      size_t clen = 0;
      r = cli_load_policy (policy, &p, err);
      const char *canon = r == 0 ? policy_canonical (p, &clen) : NULL;
      if (r == 0)
        r = policy_owner_keys_from_canonical (canon, clen, &keys, err);
      if (r == 0)
        r = policy_owner_token_verify (keys, tok, &t, err);
    }
  else
    r = policy_owner_token_parse (tok, &t, err);
  if (r < 0)
    return -1;
  cleanup_free char *payload = policy_owner_payload (&t);
  json_auto_t *j = json_loads (payload, 0, NULL);
  cleanup_free char *pretty = j ? json_dumps (j, JSON_INDENT (2) | JSON_SORT_KEYS) : NULL;
  printf ("%s\n", pretty ? pretty : payload);
  char when[64] = "";
  time_t e = (time_t) t.expires;
  struct tm tm;
  if (gmtime_r (&e, &tm))
    strftime (when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
  printf ("expires: %s\nsignature: %s\n", when,
          policy ? "valid for a key of the policy allowed this operation" : "not checked (no --policy)");
  policy_owner_token_release (&t);
  return 0;
}

int
verb_owner (int argc, char **argv, parma_error_t *err)
{
  if (argc < 2)
    return bad_usage (err, "");
  if (strcmp (argv[1], "keygen") == 0)
    return owner_keygen (argc - 1, argv + 1, err);
  if (strcmp (argv[1], "verify-challenge") == 0)
    return owner_verify_challenge (argc - 1, argv + 1, err);
  if (strcmp (argv[1], "sign") == 0)
    return owner_sign (argc - 1, argv + 1, err);
  if (strcmp (argv[1], "inspect") == 0)
    return owner_inspect (argc - 1, argv + 1, err);
  return parma_error_make (err, EINVAL, "owner: unknown subcommand `%s` (keygen, verify-challenge, "
                                        "sign, inspect)",
                           argv[1]);
}
