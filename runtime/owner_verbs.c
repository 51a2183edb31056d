/* SPDX-License-Identifier: Apache-2.0 */
/* The parma-only owner verbs (parma-runc(8) OWNER CONTROL CHANNEL):

     owner-challenge        a fresh single-use challenge inside an
                            attestation report, printed as one JSON object
     owner-fragment FILE    loads an owner-signed policy fragment (token in
                            PARMA_OWNER_TOKEN), so later creates match it

   Neither is part of runc's command line, so neither is listed by `help`;
   both are found by name. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/io.h"
#include "common/sha256.h"
#include "common/xalloc.h"
#include "runtime/bundle.h"
#include "runtime/enforce.h"
#include "runtime/owner.h"
#include "runtime/runtime.h"
#include "runtime/state.h"
#include "snp/snp.h"

#define PIN_DIR ".pinned"      /* attest.c's layout (enforce.h) */
#define IMAGE_FILE "policy.img"
#define MAX_FRAGMENTS 256

static int verb_owner_challenge (struct parma_globals *g, int argc, char **argv,
                                 parma_error_t *err);
static int verb_owner_fragment (struct parma_globals *g, int argc, char **argv,
                                parma_error_t *err);

static const struct cli_command cmd_owner_challenge = {
  .name = "owner-challenge",
  .summary = "issue a single-use owner challenge in an attestation report (parma only)",
  .args_usage = "[<container-id>]",
  .description = "Prints one JSON object: the challenge, this boot's nonce, the policy hash, for\n"
                 "<container-id> its admission instance and policy entry, and an SNP report\n"
                 "whose REPORT_DATA binds them (see parma-runc(8)).  exec, signal and checkpoint\n"
                 "tokens need a challenge issued for their container; fragments one without.",
};

static const struct cli_command cmd_owner_fragment = {
  .name = "owner-fragment",
  .summary = "load an owner-signed policy fragment (parma only)",
  .args_usage = "<fragment.json>\n\nThe owner token is read from $" PARMA_OWNER_TOKEN_ENV ".",
  .description = "Adds the fragment's containers to the pinned policy for the rest of this boot.",
};

static const struct parma_command owner_commands[] = {
  { &cmd_owner_challenge, verb_owner_challenge },
  { &cmd_owner_fragment, verb_owner_fragment },
};

const struct parma_command *
parma_owner_find_command (const char *name)
{
  for (size_t i = 0; i < sizeof owner_commands / sizeof owner_commands[0]; i++)
    if (strcmp (owner_commands[i].cli->name, name) == 0)
      return &owner_commands[i];
  return NULL;
}

/* Pins the configured policy if this is the boot's first call. */
static int
ensure_pinned (struct parma_globals *g, uint8_t sha[32], parma_error_t *err)
{
  struct parma_request req = { .verb = VERB_LIST, .globals = g };
  struct parma_pinned pin = { 0 };
  int r = parma_policy_pin (g, &req, &pin, err);
  if (r == 1)
    return -1;
  if (r == 0 && pin.fresh && pin.simulated)
    parma_warn ("%s: %s", g->prog, SNP_SIMULATOR_NOTICE);
  cleanup_free uint8_t *b = NULL;
  size_t n = 0;
  if (r == 0 && (hex_decode (pin.sha256_hex, &b, &n, err) < 0 || n != 32))
    r = parma_error_make (err, EIO, "pinned policy hash: corrupt");
  if (r == 0)
    memcpy (sha, b, 32);
  parma_pinned_release (&pin);
  return r;
}

/* ---- owner-challenge ---- */

/* From the configured backend, as pinning does (the same device or
   configfs-tsm path), with the chain for the owner. */
static int
fetch_report (const struct parma_globals *g, const uint8_t rd[64], struct snp_fetch_result *res,
              parma_error_t *err)
{
  struct parma_attestation_source s;
  if (parma_attestation_source (g->config, true, &s, err) < 0)
    return -1;
  int r = snp_fetch_report (&s.src, rd, res, err);
  parma_attestation_source_release (&s);
  return r;
}

/* Drops challenges unused for longer than the TTL; counts the rest. */
static int
sweep_challenges (int ofd, size_t *outstanding, parma_error_t *err)
{
  int dfd = openat (ofd, "challenges", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (dfd < 0)
    return parma_error_make (err, errno, "owner: challenges directory");
  DIR *d = fdopendir (dfd);
  if (d == NULL)
    {
      close (dfd);
      return parma_error_make (err, errno, "owner: challenges directory");
    }
  int64_t now = (int64_t) time (NULL);
  *outstanding = 0;
  struct dirent *e;
  while ((e = readdir (d)) != NULL)
    {
      if (e->d_name[0] == '.')
        continue;
      cleanup_free char *buf = NULL;
      size_t len = 0;
      json_int_t issued = 0;
      if (read_file_at (dirfd (d), e->d_name, 4096, &buf, &len, NULL) == 0)
        {
          json_t *j = json_loadb (buf, len, 0, NULL);
          issued = j ? json_integer_value (json_object_get (j, "issued")) : 0;
          json_decref (j);
        }
      if (now > (int64_t) issued + PARMA_OWNER_CHALLENGE_TTL)
        unlinkat (dirfd (d), e->d_name, 0);
      else
        (*outstanding)++;
    }
  closedir (d);
  return 0;
}

static int
record_challenge (const struct parma_globals *g, const char *hex, json_t *rec_doc,
                  parma_error_t *err)
{
  cleanup_close int lock_fd = -1;
  cleanup_close int ofd = parma_owner_lock (g, &lock_fd, err);
  if (ofd < 0)
    return -1;
  size_t outstanding = 0;
  if (sweep_challenges (ofd, &outstanding, err) < 0)
    return -1;
  /* The host may ask as often as it likes; it may not fill guest memory. */
  if (outstanding >= PARMA_OWNER_MAX_OUTSTANDING)
    return parma_error_make (err, 0, "owner: %d challenges are outstanding; retry after %d s",
                             PARMA_OWNER_MAX_OUTSTANDING, PARMA_OWNER_CHALLENGE_TTL);
  cleanup_free char *rec = json_dumps (rec_doc, JSON_COMPACT | JSON_SORT_KEYS);
  if (rec == NULL)
    return parma_error_make (err, EINVAL, "owner: challenge record: not valid UTF-8");
  cleanup_free char *name = xasprintf ("%s.json", hex);
  cleanup_close int cfd = openat (ofd, "challenges", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (cfd < 0)
    return parma_error_make (err, errno, "owner: challenges directory");
  return write_file_atomic_at (cfd, name, rec, strlen (rec), 0600, err);
}

static char *
chain_pem (const struct snp_fetch_result *res)
{
  if (res->cert_table == NULL)
    return NULL;
  struct snp_certs *certs = snp_certs_new ();
  char *pem = NULL;
  size_t len = 0;
  parma_error_t ignored = NULL;
  if (snp_certs_add_cert_table (certs, res->cert_table, res->cert_table_len, &ignored) < 0
      || snp_certs_to_pem (certs, &pem, &len, &ignored) < 0)
    parma_error_release (&ignored);
  snp_certs_free (certs);
  return pem;
}

static int
verb_owner_challenge (struct parma_globals *g, int argc, char **argv, parma_error_t *err)
{
  cleanup_free const char **args = NULL;
  size_t n_args = 0;
  int r = parma_parse_verb (g, &cmd_owner_challenge, NULL, argc, argv, &args, &n_args, err);
  if (r != CLI_PARSED)
    return r == CLI_HELP ? 0 : r;
  if (parma_check_args (g, &cmd_owner_challenge, n_args, 1, ARGS_MAX, err) < 0
      || (n_args == 1 && parma_check_id (args[0], err) < 0) || parma_prepare (g, err) < 0)
    return -1;
  uint8_t sha[32], boot[32], ch[32], rd[64];
  cleanup_owner_keys struct policy_owner_keys *keys = NULL;
  if (ensure_pinned (g, sha, err) < 0 || parma_owner_pinned (g, &keys, boot, err) < 0)
    return -1;
  /* Bound to the container as admitted now: a later re-create under the
     same id is another instance, which this challenge cannot authorize. */
  struct policy_owner_binding bind = { .container = n_args ? args[0] : NULL };
  cleanup_free char *entry = NULL;
  if (bind.container && parma_owner_instance (g, bind.container, bind.instance, &entry, err) < 0)
    return parma_error_wrap (err, "denied");
  bind.entry = entry;
  if (getrandom (ch, sizeof ch, 0) != (ssize_t) sizeof ch)
    return parma_error_make (err, errno, "owner: challenge randomness");
  if (policy_owner_report_data (sha, boot, ch, bind.container ? &bind : NULL, rd, err) < 0)
    return -1;
  struct snp_fetch_result res = { 0 };
  if (fetch_report (g, rd, &res, err) < 0)
    return parma_error_wrap (err, "owner: attestation report");
  cleanup_free char *hex = hex_encode (ch, 32), *boot_hex = hex_encode (boot, 32);
  cleanup_free char *sha_hex = hex_encode (sha, 32);
  cleanup_free char *report = hex_encode (res.raw, res.raw_len);
  cleanup_free char *chain = chain_pem (&res);
  bool simulated = res.simulated;
  if (simulated)
    parma_warn ("%s: %s", g->prog, SNP_SIMULATOR_NOTICE);
  snp_fetch_result_release (&res);
  int64_t now = (int64_t) time (NULL);
  cleanup_free char *inst = bind.container ? hex_encode (bind.instance, 32) : NULL;
  cleanup_free char *detail
      = bind.container ? xasprintf ("challenge %s for instance %s (entry `%s`)", hex, inst, entry)
                       : xasprintf ("challenge %s", hex);
  json_t *rec = json_pack ("{s:s, s:I}", "boot", boot_hex, "issued", (json_int_t) now);
  if (rec && bind.container
      && json_object_update_new (rec, json_pack ("{s:s, s:s, s:s}", "container", bind.container,
                                                 "instance", inst, "policy_entry", entry))
             < 0)
    {
      json_decref (rec);
      rec = NULL; /* never record as unbound what the report binds */
    }
  r = rec ? record_challenge (g, hex, rec, err)
          : parma_error_make (err, EINVAL, "owner: challenge record: not valid UTF-8");
  json_decref (rec);
  if (r < 0
      || parma_owner_audit (g, "owner-challenge", bind.container, "issued", NULL, detail, err) < 0)
    return -1;
  json_t *j = json_pack ("{s:s, s:s, s:s, s:I, s:I, s:b, s:s}", "challenge", hex, "boot", boot_hex,
                         "policy_sha256", sha_hex, "issued", (json_int_t) now, "expires",
                         (json_int_t) (now + PARMA_OWNER_CHALLENGE_TTL), "simulated", simulated,
                         "report", report);
  if (j && chain)
    json_object_set_new (j, "chain", json_string (chain));
  if (j && bind.container
      && json_object_update_new (j, json_pack ("{s:s, s:s, s:s}", "container", bind.container,
                                               "instance", inst, "policy_entry", entry))
             < 0)
    {
      json_decref (j);
      j = NULL;
    }
  cleanup_free char *out = j ? json_dumps (j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
  json_decref (j);
  if (out == NULL)
    return parma_error_make (err, ENOMEM, "owner: challenge document");
  printf ("%s\n", out);
  return 0;
}

/* ---- owner-fragment ---- */

static int
cmp_str (const void *a, const void *b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

/* The pinned policy with every owner fragment of this boot appended, in
   load order (names start with a zero-padded sequence number). */
static int
load_with_fragments (int pfd, int ffd, struct policy **out, size_t *n_frag, parma_error_t *err)
{
  cleanup_free char *canon = NULL;
  size_t clen = 0;
  if (read_file_at (pfd, "policy.json", POLICY_MAX_DOCUMENT, &canon, &clen, err) < 0
      || policy_load (canon, clen, out, err) < 0)
    return parma_error_wrap (err, "owner: pinned policy");
  int dfd = openat (ffd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  DIR *d = dfd < 0 ? NULL : fdopendir (dfd);
  if (d == NULL)
    {
      if (dfd >= 0)
        close (dfd);
      return parma_error_make (err, errno, "owner: fragments directory");
    }
  cleanup_strv char **names = xcalloc (MAX_FRAGMENTS + 1, sizeof *names);
  size_t n = 0;
  struct dirent *e;
  while ((e = readdir (d)) != NULL && n < MAX_FRAGMENTS)
    if (e->d_name[0] != '.' && strstr (e->d_name, ".json") && !strstr (e->d_name, ".tmp"))
      names[n++] = xstrdup (e->d_name);
  closedir (d);
  qsort (names, n, sizeof *names, cmp_str);
  for (size_t i = 0; i < n; i++)
    {
      cleanup_free char *doc = NULL;
      size_t len = 0;
      if (read_file_at (ffd, names[i], POLICY_MAX_DOCUMENT, &doc, &len, err) < 0
          || policy_owner_append_fragment (*out, doc, len, err) < 0)
        return parma_error_wrap (err, "owner: fragment `%s`", names[i]);
    }
  *n_frag = n;
  return 0;
}

static int
deny (const struct parma_globals *g, parma_error_t *err)
{
  parma_error_t ignored = NULL;
  if (parma_owner_audit (g, "owner-fragment", NULL, "deny", NULL, (*err)->msg, &ignored) < 0)
    parma_error_release (&ignored);
  return parma_error_wrap (err, "denied");
}

/* Under the owner lock: validate, authorize (consumes the challenge),
   persist, rebuild the image. */
static int
load_fragment (struct parma_globals *g, int ofd, const char *token, const char *doc, size_t len,
               parma_error_t *err)
{
  cleanup_close int sfd = parma_state_dir_open (g->config->state_dir, err);
  if (sfd < 0)
    return -1;
  cleanup_close int pfd = openat (sfd, PIN_DIR, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  cleanup_close int ffd = safe_mkdirat_p (ofd, "fragments", 0700, err);
  if (pfd < 0 || ffd < 0)
    return err && *err ? -1 : parma_error_make (err, errno, "owner: pinned policy");
  cleanup_policy struct policy *p = NULL;
  size_t n_frag = 0;
  if (load_with_fragments (pfd, ffd, &p, &n_frag, err) < 0)
    return -1;
  if (n_frag >= MAX_FRAGMENTS)
    return parma_error_make (err, 0, "owner: %d fragments are loaded already", MAX_FRAGMENTS);
  size_t before = policy_n_containers (p);
  /* A fragment that does not load is refused before its challenge is spent. */
  if (policy_owner_append_fragment (p, doc, len, err) < 0)
    return deny (g, err);
  uint8_t digest[32];
  parma_sha256 (doc, len, digest);
  struct parma_owner_target t = { .op = POLICY_OWNER_FRAGMENT, .digest = digest };
  if (parma_owner_authorize (g, "owner-fragment", token, &t, ofd, err) < 0)
    return (*err)->status == 0 ? deny (g, err) : -1;
  cleanup_free char *hex = hex_encode (digest, 32);
  cleanup_free char *name = xasprintf ("%04zu-%.16s.json", n_frag, hex);
  cleanup_free char *img = NULL;
  size_t ilen = 0;
  if (write_file_atomic_at (ffd, name, doc, len, 0600, err) < 0
      || policy_image_build (p, &img, &ilen, err) < 0
      || write_file_atomic_at (pfd, IMAGE_FILE, img, ilen, 0600, err) < 0)
    return parma_error_wrap (err, "owner: persisting fragment");
  cleanup_free char *detail = xasprintf ("fragment %s: %zu container(s) added as entries %zu..%zu",
                                         hex, policy_n_containers (p) - before, before,
                                         policy_n_containers (p) - 1);
  if (parma_owner_audit (g, "owner-fragment", NULL, "loaded", NULL, detail, err) < 0)
    return -1;
  printf ("%s\n", detail);
  return 0;
}

static int
verb_owner_fragment (struct parma_globals *g, int argc, char **argv, parma_error_t *err)
{
  cleanup_free const char **args = NULL;
  size_t n_args = 0;
  int r = parma_parse_verb (g, &cmd_owner_fragment, NULL, argc, argv, &args, &n_args, err);
  if (r != CLI_PARSED)
    return r == CLI_HELP ? 0 : r;
  cleanup_free char *token = parma_owner_take_call_token ();
  if (parma_check_args (g, &cmd_owner_fragment, n_args, 1, ARGS_EXACT, err) < 0
      || parma_prepare (g, err) < 0)
    return -1;
  uint8_t sha[32];
  if (ensure_pinned (g, sha, err) < 0)
    return -1;
  if (token == NULL)
    {
      parma_error_make (err, 0, "owner: no %s in the environment", PARMA_OWNER_TOKEN_ENV);
      return deny (g, err);
    }
  cleanup_free char *doc = NULL;
  size_t len = 0;
  if (parma_read_document (args[0], &doc, &len, err) < 0)
    return parma_error_wrap (err, "fragment");
  cleanup_close int lock_fd = -1;
  cleanup_close int ofd = parma_owner_lock (g, &lock_fd, err);
  if (ofd < 0)
    return -1;
  return load_fragment (g, ofd, token, doc, len, err);
}
