/* SPDX-License-Identifier: Apache-2.0 */
/* format / verify / root-hash, the veritysetup verbs that need no device
   mapper.  The tree is built in memory (about 1/128 of the data for
   sha256 and 4 KiB blocks) and written or compared in one piece. */
#include "verity/internal.h"

#include "common/cleanup.h"
#include "common/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int
open_data (const char *path, parma_error_t *err)
{
  int fd = open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0)
    return parma_error_make (err, errno, "open `%s`", path);
  return fd;
}

int
verity_root_hash_fd (int data_fd, const struct verity_params *p, uint8_t *root, size_t *root_len,
                     parma_error_t *err)
{
  struct verity_params q = *p;
  if (verity_params_check (&q, err) < 0 || verity_resolve_data_blocks (data_fd, &q, err) < 0)
    return -1;
  struct verity_tree t;
  if (verity_build_tree (data_fd, &q, &t, err) < 0)
    return -1;
  memcpy (root, t.root, t.geo.digest_size);
  *root_len = t.geo.digest_size;
  verity_tree_release (&t);
  return 0;
}

int
verity_root_hash (const char *data_path, const struct verity_params *p, uint8_t *root,
                  size_t *root_len, parma_error_t *err)
{
  cleanup_close int fd = open_data (data_path, err);
  if (fd < 0)
    return -1;
  if (verity_root_hash_fd (fd, p, root, root_len, err) < 0)
    return parma_error_wrap (err, "`%s`", data_path);
  return 0;
}

/* The data area must not run into the hash area when both share a file. */
static int
check_overlap (int data_fd, int hash_fd, const struct verity_params *p, parma_error_t *err)
{
  struct stat a, b;
  if (fstat (data_fd, &a) < 0 || fstat (hash_fd, &b) < 0)
    return parma_error_make (err, errno, "stat");
  if (a.st_dev == b.st_dev && a.st_ino == b.st_ino
      && p->hash_offset < p->data_blocks * (uint64_t)p->data_block_size)
    return parma_error_make (err, EINVAL, "hash_offset: %llu overlaps the data area (%llu bytes)",
                             (unsigned long long)p->hash_offset,
                             (unsigned long long)(p->data_blocks * p->data_block_size));
  return 0;
}

int
verity_format (const char *data_path, const char *hash_path, struct verity_params *p, uint8_t *root,
               size_t *root_len, parma_error_t *err)
{
  if (verity_params_check (p, err) < 0)
    return -1;
  cleanup_close int data_fd = open_data (data_path, err);
  if (data_fd < 0)
    return -1;
  if (verity_resolve_data_blocks (data_fd, p, err) < 0)
    return parma_error_wrap (err, "`%s`", data_path);
  /* Everything that can fail on the input fails before the hash file is
     created or touched. */
  cleanup_close int existing = open (hash_path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (existing >= 0 && check_overlap (data_fd, existing, p, err) < 0)
    return -1;
  if (!p->no_superblock && !p->have_uuid)
    {
      if (RAND_bytes (p->uuid, sizeof p->uuid) != 1)
        return parma_error_make (err, EIO, "random UUID");
      p->uuid[6] = (uint8_t)((p->uuid[6] & 0x0f) | 0x40); /* RFC 4122 version 4 */
      p->uuid[8] = (uint8_t)((p->uuid[8] & 0x3f) | 0x80);
      p->have_uuid = true;
    }
  struct verity_tree t;
  if (verity_build_tree (data_fd, p, &t, err) < 0)
    return parma_error_wrap (err, "`%s`", data_path);
  /* No O_TRUNC: like veritysetup, only the hash area is (re)written. */
  cleanup_close int hash_fd = open (hash_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOCTTY, 0600);
  if (hash_fd < 0)
    {
      verity_tree_release (&t);
      return parma_error_make (err, errno, "open `%s`", hash_path);
    }
  size_t hbs = p->hash_block_size;
  int ret = 0;
  if (!p->no_superblock)
    {
      /* Superblock, then zeros up to the first tree block. */
      uint64_t tree_at = t.geo.hash_start * hbs;
      cleanup_free uint8_t *head = xzalloc (tree_at - p->hash_offset);
      verity_sb_encode (p, (struct verity_sb *)head);
      ret = verity_pwrite_full (hash_fd, head, tree_at - p->hash_offset, p->hash_offset, err);
    }
  if (ret == 0 && t.geo.hash_blocks)
    ret = verity_pwrite_full (hash_fd, t.blocks, t.geo.hash_blocks * hbs, t.geo.hash_start * hbs,
                              err);
  if (ret == 0 && fsync (hash_fd) < 0)
    ret = parma_error_make (err, errno, "fsync");
  if (ret == 0)
    {
      memcpy (root, t.root, t.geo.digest_size);
      *root_len = t.geo.digest_size;
    }
  else
    parma_error_wrap (err, "write `%s`", hash_path);
  verity_tree_release (&t);
  return ret;
}

static bool
is_zero (const uint8_t *b, size_t n)
{
  uint8_t acc = 0;
  for (size_t i = 0; i < n; i++)
    acc |= b[i];
  return acc == 0;
}

/* Compares the digests of `count` source blocks (computed into `flat`)
   with the slots of the stored level `level`, in cryptsetup's order: each
   digest, then its slot padding, then the spare end of each hash block.
   src_base/src_bs give the position reported for a bad source block (data
   offset for level 0, hash-file offset above). */
static int
check_level (const struct verity_params *p, const struct verity_geometry *g, const uint8_t *level,
             const uint8_t *flat, uint64_t count, uint64_t src_base, uint64_t src_bs,
             uint64_t level_pos, uint64_t *bad, parma_error_t *err)
{
  size_t hbs = p->hash_block_size, stride = verity_digest_stride (p, g->digest_size);
  uint64_t hpb = (uint64_t)1 << verity_hash_per_block_bits (p, g->digest_size);
  for (uint64_t i = 0; i < count; i++)
    {
      size_t at = (size_t)((i / hpb) * hbs + (i % hpb) * stride);
      if (CRYPTO_memcmp (level + at, flat + i * stride, g->digest_size) != 0)
        {
          *bad = src_base + i * src_bs;
          return parma_error_make (err, EPERM, "block at position %llu does not match the tree",
                                   (unsigned long long)*bad);
        }
      if (!is_zero (level + at + g->digest_size, stride - g->digest_size))
        {
          *bad = level_pos + at + g->digest_size;
          return parma_error_make (err, EPERM, "spare area not zeroed at position %llu",
                                   (unsigned long long)*bad);
        }
      bool block_end = (i % hpb) == hpb - 1 || i == count - 1;
      size_t used = (size_t)((i % hpb) + 1) * stride;
      if (block_end && !is_zero (level + (i / hpb) * hbs + used, hbs - used))
        {
          *bad = level_pos + (i / hpb) * hbs + used;
          return parma_error_make (err, EPERM, "spare area not zeroed at position %llu",
                                   (unsigned long long)*bad);
        }
    }
  return 0;
}

/* Bottom-up like veritysetup verify: data against the stored leaves, each
   stored level against the one above, then the stored top block against
   the root.  Nothing stored is trusted before it is checked against the
   level above and, finally, the root. */
static int
verify_fds (int data_fd, int hash_fd, const struct verity_params *p, const uint8_t *root,
            size_t root_len, uint64_t *bad_offset, parma_error_t *err)
{
  struct verity_geometry g;
  if (verity_geometry (p, &g, err) < 0)
    return -1;
  uint64_t dummy;
  if (bad_offset == NULL)
    bad_offset = &dummy;
  if (root_len != g.digest_size)
    return parma_error_make (err, EINVAL, "root hash: %zu bytes, %s needs %zu", root_len,
                             p->hash_name, g.digest_size);
  cleanup_evp_md EVP_MD *md = EVP_MD_fetch (NULL, p->hash_name, NULL);
  if (md == NULL)
    return parma_error_make (err, EINVAL, "hash: `%s` not available", p->hash_name);
  size_t hbs = p->hash_block_size, stride = verity_digest_stride (p, g.digest_size);
  uint8_t top[VERITY_MAX_DIGEST];
  if (g.levels == 0)
    {
      cleanup_free uint8_t *block = xmalloc (p->data_block_size);
      if (verity_pread_full (data_fd, block, p->data_block_size, 0, err) < 0
          || verity_hash_one (p, md, block, p->data_block_size, top, err) < 0)
        return -1;
      if (CRYPTO_memcmp (top, root, root_len) != 0)
        return parma_error_make (err, EFAULT, "root hash mismatch");
      return 0;
    }
  cleanup_free uint8_t *stored = xmalloc (g.hash_blocks * hbs);
  if (verity_pread_full (hash_fd, stored, g.hash_blocks * hbs, g.hash_start * hbs, err) < 0)
    return parma_error_wrap (err, "hash tree");
  /* Level i starts after the levels above it (top first on disk). */
  unsigned bits = verity_hash_per_block_bits (p, g.digest_size);
  uint64_t count[64], first[64], at = 0;
  for (unsigned i = g.levels; i-- > 0;)
    {
      unsigned shift = bits * (i + 1);
      count[i] = shift >= 64 ? 1 : ((p->data_blocks - 1) >> shift) + 1;
      first[i] = at;
      at += count[i];
    }
  for (unsigned i = 0; i < g.levels; i++)
    {
      uint64_t src_count = i == 0 ? p->data_blocks : count[i - 1];
      cleanup_free uint8_t *flat = xcalloc (src_count, stride);
      const uint8_t *below = i == 0 ? NULL : stored + first[i - 1] * hbs;
      int r = i == 0 ? verity_hash_blocks (p, md, data_fd, NULL, p->data_block_size, src_count,
                                           flat, stride, err)
                     : verity_hash_blocks (p, md, -1, below, hbs, src_count, flat, stride, err);
      if (r < 0)
        return -1;
      uint64_t src_base = i == 0 ? 0 : (g.hash_start + first[i - 1]) * hbs;
      uint64_t src_bs = i == 0 ? p->data_block_size : hbs;
      if (check_level (p, &g, stored + first[i] * hbs, flat, src_count, src_base, src_bs,
                       (g.hash_start + first[i]) * hbs, bad_offset, err)
          < 0)
        return -1;
    }
  if (verity_hash_one (p, md, stored, hbs, top, err) < 0)
    return -1;
  if (CRYPTO_memcmp (top, root, root_len) != 0)
    return parma_error_make (err, EFAULT, "root hash mismatch");
  return 0;
}

int
verity_verify (const char *data_path, const char *hash_path, const struct verity_params *p,
               const uint8_t *root, size_t root_len, uint64_t *bad_offset, parma_error_t *err)
{
  struct verity_params q = *p;
  if (verity_params_check (&q, err) < 0)
    return -1;
  cleanup_close int data_fd = open_data (data_path, err);
  if (data_fd < 0)
    return -1;
  cleanup_close int hash_fd = open_data (hash_path, err);
  if (hash_fd < 0)
    return -1;
  if (verity_resolve_data_blocks (data_fd, &q, err) < 0)
    return parma_error_wrap (err, "`%s`", data_path);
  if (check_overlap (data_fd, hash_fd, &q, err) < 0)
    return -1;
  if (!q.no_superblock && verity_superblock_check (hash_fd, &q, err) < 0)
    return parma_error_wrap (err, "`%s`", hash_path);
  return verify_fds (data_fd, hash_fd, &q, root, root_len, bad_offset, err);
}
