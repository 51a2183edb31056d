/* SPDX-License-Identifier: Apache-2.0 */
/* The compiled-policy cache image.  parma-runc is a new process on every
   call, and re-parsing a 1000-container policy costs milliseconds; the image
   is written once when the policy is pinned and mapped by every later call.

   Layout (native byte order and alignment: the image never leaves the
   machine that wrote it):
     struct image_header
     index tables: by_command, by_layers, by_argv0 (struct
       policy_index_entry, sorted by key), dynamic (uint32_t, padded to 8)
     struct image_record[n_containers]
     records: one per container, the compiled entry in the binary encoding
       of record.c, each 8-aligned
     the canonical policy bytes + NUL, last: never read to decide

   Loading: policy_image_load reads only the header and the tables (the
   "prefix", some 100 bytes per container) with pread; a decision then
   needs one or a few records, which policy_prefetch_* read (the matcher
   itself does no I/O).  mmap was measured and rejected: on this project's
   test VM every mmap/munmap pair costs ~100 us of page-table work, while
   open + pread + close of the prefix costs ~12 us.
   Integrity: the header carries a SHA-256 over itself (with the field
   zeroed), a fast checksum over the tables (they are read on every call,
   SHA-256 over them costs more than the rest of a decision), and each record
   its SHA-256, checked when that record is first decoded.  These catch
   truncation and corruption, not an attacker: the image lives in the
   root-only state directory, and whoever can write there owns the runtime
   anyway.  The image names the SHA-256 of the policy it was built from; the
   runtime passes the attested hash so a stale image is refused. */
#include "common/sha256.h"
#include "common/cleanup.h"
#include "common/oci.h"
#include "common/strbuf.h"
#include "common/xalloc.h"
#include "policy/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/sha.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define IMAGE_MAGIC "PARMAPI1"
#define IMAGE_VERSION 2u /* 2: records carry the layers' data block counts */

struct image_header
{
  char magic[8];
  uint32_t version, header_size; /* header_size also catches byte-order mismatch */
  uint8_t policy_sha256[32];
  uint32_t switches; /* bit i = enum policy_switch i */
  uint32_t n_containers;
  uint32_t n_by_command, n_by_layers, n_by_argv0, n_dynamic;
  uint64_t tables_off, records_off, data_off, total_len;
  uint64_t canonical_off, canonical_len;
  uint64_t tables_checksum;
  uint8_t header_sha256[32];
};

struct image_record
{
  uint64_t off;
  uint32_t len, pad;
  uint8_t sha256[32];
};

static uint64_t
tables_checksum (const uint8_t *buf, size_t len)
{
  /* Word-wise multiply-rotate mix: several GB/s, detects any corruption
     that matters here (see above: not a MAC). */
  uint64_t h = UINT64_C (0x9e3779b97f4a7c15) ^ len;
  size_t i = 0;
  for (; i + 8 <= len; i += 8)
    {
      uint64_t w;
      memcpy (&w, buf + i, 8);
      h = (h ^ w) * UINT64_C (0xff51afd7ed558ccd);
      h = (h << 31) | (h >> 33);
    }
  for (; i < len; i++)
    h = (h ^ buf[i]) * UINT64_C (0xc4ceb9fe1a85ec53);
  return h ^ (h >> 29);
}

static size_t
align8 (size_t n)
{
  return (n + 7) & ~(size_t) 7;
}

int
policy_image_build (struct policy *p, char **out, size_t *len, parma_error_t *err)
{
  if (p->image != NULL)
    return parma_error_make (err, EINVAL, "policy image: needs a policy loaded from JSON");
  size_t n = p->n_containers;
  cleanup_free char **recs = xcalloc (n + 1, sizeof *recs);
  cleanup_free size_t *rec_len = xcalloc (n + 1, sizeof *rec_len);
  for (size_t i = 0; i < n; i++)
    {
      struct strbuf sb = { 0 };
      policy_record_encode (p->containers[i], &sb);
      rec_len[i] = sb.len;
      recs[i] = strbuf_steal (&sb);
    }
  struct image_header h = { .version = IMAGE_VERSION, .header_size = sizeof h };
  memcpy (h.magic, IMAGE_MAGIC, 8);
  memcpy (h.policy_sha256, p->sha256, 32);
  for (size_t i = 0; i < POLICY_N_SWITCHES; i++)
    h.switches |= p->switches[i] ? 1u << i : 0;
  h.n_containers = (uint32_t) n;
  h.n_by_command = (uint32_t) p->n_by_command;
  h.n_by_layers = (uint32_t) p->n_by_layers;
  h.n_by_argv0 = (uint32_t) p->n_by_argv0;
  h.n_dynamic = (uint32_t) p->n_dynamic;
  const size_t ie = sizeof (struct policy_index_entry);
  h.tables_off = align8 (sizeof h);
  size_t tables_len = (p->n_by_command + p->n_by_layers + p->n_by_argv0) * ie
                      + align8 (p->n_dynamic * sizeof (uint32_t));
  h.records_off = h.tables_off + tables_len;
  h.data_off = h.records_off + n * sizeof (struct image_record);
  size_t total = h.data_off;
  for (size_t i = 0; i < n; i++)
    total = align8 (total + rec_len[i]);
  h.canonical_off = total;
  h.canonical_len = p->canonical_len;
  total = align8 (total + p->canonical_len + 1);
  h.total_len = total;
  uint8_t *img = xzalloc (total);
  uint8_t *t = img + h.tables_off;
  memcpy (t, p->by_command, p->n_by_command * ie);
  t += p->n_by_command * ie;
  memcpy (t, p->by_layers, p->n_by_layers * ie);
  t += p->n_by_layers * ie;
  memcpy (t, p->by_argv0, p->n_by_argv0 * ie);
  t += p->n_by_argv0 * ie;
  memcpy (t, p->dynamic, p->n_dynamic * sizeof (uint32_t));
  memcpy (img + h.canonical_off, p->canonical, p->canonical_len);
  size_t off = h.data_off;
  struct image_record *rt = (struct image_record *) (img + h.records_off);
  for (size_t i = 0; i < n; i++)
    {
      memcpy (img + off, recs[i], rec_len[i]);
      rt[i].off = off;
      rt[i].len = (uint32_t) rec_len[i];
      parma_sha256 (recs[i], rec_len[i], rt[i].sha256);
      off = align8 (off + rec_len[i]);
      free (recs[i]);
    }
  /* The record table is covered by the tables checksum too. */
  h.tables_checksum = tables_checksum (img + h.tables_off, h.data_off - h.tables_off);
  parma_sha256 (&h, sizeof h, h.header_sha256);
  memcpy (img, &h, sizeof h);
  *out = (char *) img;
  *len = total;
  return 0;
}

static int
bad_image (parma_error_t *err, const char *why)
{
  return parma_error_make (err, EIO, "policy image: %s", why);
}

/* Checks the header and the tables in `prefix` (at least data_off bytes of
   an image whose file size is `len`) and fills a new policy. */
static int
open_prefix (const uint8_t *b, size_t have, size_t len, const uint8_t *expect_sha256,
             struct policy **out, parma_error_t *err)
{
  struct image_header h;
  if (have < sizeof h || ((uintptr_t) b & 7) != 0)
    return bad_image (err, "truncated or misaligned");
  memcpy (&h, b, sizeof h);
  if (memcmp (h.magic, IMAGE_MAGIC, 8) != 0 || h.version != IMAGE_VERSION
      || h.header_size != sizeof h)
    return bad_image (err, "not a parma policy image of this version");
  uint8_t want[32];
  memcpy (want, h.header_sha256, 32);
  memset (h.header_sha256, 0, 32);
  uint8_t got[32];
  parma_sha256 (&h, sizeof h, got);
  if (CRYPTO_memcmp (want, got, 32) != 0)
    return bad_image (err, "header checksum mismatch");
  const size_t ie = sizeof (struct policy_index_entry);
  size_t n = h.n_containers;
  if (h.total_len != len || h.tables_off != align8 (sizeof h)
      || h.n_by_command > n || h.n_by_layers > n || h.n_by_argv0 > n || h.n_dynamic > n
      || h.records_off != h.tables_off + (h.n_by_command + h.n_by_layers + h.n_by_argv0) * ie
                              + align8 (h.n_dynamic * sizeof (uint32_t))
      || h.data_off != h.records_off + n * sizeof (struct image_record) || h.data_off > len
      || h.data_off > have || h.canonical_off < h.data_off || h.canonical_off > len
      || h.canonical_len >= len - h.canonical_off)
    return bad_image (err, "inconsistent layout");
  if (tables_checksum (b + h.tables_off, h.data_off - h.tables_off) != h.tables_checksum)
    return bad_image (err, "index checksum mismatch");
  if (expect_sha256 && CRYPTO_memcmp (expect_sha256, h.policy_sha256, 32) != 0)
    return parma_error_make (err, EFAULT, "policy image: built from another policy");
  struct policy *p = xzalloc (sizeof *p);
  p->image_fd = -1;
  memcpy (p->sha256, h.policy_sha256, 32);
  for (size_t i = 0; i < POLICY_N_SWITCHES; i++)
    p->switches[i] = (h.switches >> i) & 1;
  p->image_len = len;
  p->n_containers = n;
  p->containers = xcalloc (n + 1, sizeof *p->containers);
  p->canonical_len = h.canonical_len;
  p->index_borrowed = true;
  const uint8_t *t = b + h.tables_off;
  p->by_command = (struct policy_index_entry *) t;
  p->n_by_command = h.n_by_command;
  p->by_layers = p->by_command + h.n_by_command;
  p->n_by_layers = h.n_by_layers;
  p->by_argv0 = p->by_layers + h.n_by_layers;
  p->n_by_argv0 = h.n_by_argv0;
  p->dynamic = (uint32_t *) (p->by_argv0 + h.n_by_argv0);
  p->n_dynamic = h.n_dynamic;
  p->records = b + h.records_off;
  *out = p;
  return 0;
}

int
policy_image_open (const void *buf, size_t len, const uint8_t *expect_sha256,
                   struct policy **out, parma_error_t *err)
{
  if (open_prefix (buf, len, len, expect_sha256, out, err) < 0)
    return -1;
  (*out)->image = buf;
  return 0;
}

static int
record_at (const struct policy *p, size_t i, struct image_record *r, parma_error_t *err)
{
  memcpy (r, p->records + i * sizeof *r, sizeof *r);
  if (r->off > p->image_len || r->len > p->image_len - r->off)
    return bad_image (err, "record out of bounds");
  return 0;
}

static int
decode_checked (struct policy *p, size_t i, const uint8_t *buf, const struct image_record *r,
                parma_error_t *err)
{
  uint8_t got[32];
  parma_sha256 (buf, r->len, got);
  if (CRYPTO_memcmp (got, r->sha256, 32) != 0)
    return bad_image (err, "record checksum mismatch");
  return policy_record_decode (buf, r->len, i, &p->containers[i], err);
}

int
policy_image_decode (struct policy *p, size_t i, parma_error_t *err)
{
  struct image_record r;
  if (i >= p->n_containers || p->records == NULL)
    return parma_error_make (err, EINVAL, "policy: no container entry %zu", i);
  if (record_at (p, i, &r, err) < 0)
    return -1;
  if (p->image != NULL)
    return decode_checked (p, i, p->image + r.off, &r, err);
  /* File-backed: the matcher does no I/O, so the entry must have been read
     by policy_prefetch_* first; failing here is failing closed. */
  return parma_error_make (err, EIO, "policy image: entry %zu was not prefetched", i);
}

int
policy_prefetch_container (struct policy *p, size_t i, parma_error_t *err)
{
  if (p->image_fd < 0 || i >= p->n_containers || p->containers[i] != NULL)
    return 0;
  struct image_record r;
  if (record_at (p, i, &r, err) < 0)
    return -1;
  if (p->record_bufs == NULL)
    p->record_bufs = xcalloc (p->n_containers + 1, sizeof *p->record_bufs);
  uint8_t *buf = xmalloc (r.len + 1);
  ssize_t got = pread (p->image_fd, buf, r.len, (off_t) r.off);
  if (got < 0 || (size_t) got != r.len)
    {
      int e = got < 0 ? errno : EIO;
      free (buf);
      return parma_error_make (err, e, "policy image: read entry %zu", i);
    }
  if (decode_checked (p, i, buf, &r, err) < 0)
    {
      free (buf);
      return -1;
    }
  p->record_bufs[i] = buf;
  return 0;
}

int
policy_prefetch_create (struct policy *p, const struct oci_config *cfg,
                        const struct policy_context *ctx, parma_error_t *err)
{
  static const struct policy_context no_ctx;
  if (p->image_fd < 0 || cfg->process == NULL || cfg->process->args == NULL
      || cfg->process->args[0] == NULL)
    return 0;
  cleanup_free size_t *cand = NULL;
  size_t n_exact;
  size_t n = policy_candidates (p, (const char *const *) cfg->process->args,
                                strv_len (cfg->process->args), ctx ? ctx : &no_ctx, &cand,
                                &n_exact);
  for (size_t i = 0; i < n; i++)
    if (policy_prefetch_container (p, cand[i], err) < 0)
      return -1;
  return 0;
}

/* Canonical bytes of an in-memory image; NULL for a file-loaded one (its
   canonical bytes are never read: use the policy file). */
const char *
policy_image_canonical (const struct policy *p)
{
  if (p->image == NULL)
    return NULL;
  struct image_header h;
  memcpy (&h, p->image, sizeof h);
  return (const char *) p->image + h.canonical_off;
}

int
policy_image_load (int dirfd, const char *name, const uint8_t *expect_sha256,
                   struct policy **out, parma_error_t *err)
{
  cleanup_close int fd = openat (dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    return parma_error_make (err, errno, "open `%s`", name);
  struct stat st;
  if (fstat (fd, &st) < 0)
    return parma_error_make (err, errno, "stat `%s`", name);
  if (!S_ISREG (st.st_mode) || st.st_size <= 0 || (uint64_t) st.st_size > (UINT64_C (1) << 32))
    return parma_error_make (err, EIO, "policy image `%s`: not a regular file of sane size", name);
  size_t len = (size_t) st.st_size;
  /* Read the header first, then exactly the tables it announces. */
  struct image_header h;
  ssize_t got = pread (fd, &h, sizeof h, 0);
  if (got != (ssize_t) sizeof h || h.data_off > len || h.data_off < sizeof h)
    return parma_error_make (err, EIO, "policy image `%s`: truncated", name);
  uint8_t *prefix = xmalloc (h.data_off);
  got = pread (fd, prefix, h.data_off, 0);
  if (got < 0 || (size_t) got != h.data_off)
    {
      free (prefix);
      return parma_error_make (err, EIO, "policy image `%s`: truncated", name);
    }
  if (open_prefix (prefix, h.data_off, len, expect_sha256, out, err) < 0)
    {
      free (prefix);
      return parma_error_wrap (err, "`%s`", name);
    }
  (*out)->prefix = prefix;
  (*out)->image_fd = fd;
  fd = -1;
  return 0;
}
