/* SPDX-License-Identifier: Apache-2.0 */
/* The cryptsetup verity superblock (cryptsetup lib/verity/verity.c
   VERITY_read_sb/VERITY_write_sb).  The kernel never reads it: it is
   host-supplied metadata, so activation only checks it against the policy's
   parameters (verity_superblock_check) and never takes a value from it. */
#include "verity/internal.h"

#include "common/cleanup.h"

#include <endian.h>
#include <openssl/crypto.h>
#include <errno.h>
#include <string.h>

static const uint8_t sb_signature[8] = { 'v', 'e', 'r', 'i', 't', 'y', 0, 0 };

void
verity_sb_encode (const struct verity_params *p, struct verity_sb *sb)
{
  memset (sb, 0, sizeof *sb);
  memcpy (sb->signature, sb_signature, sizeof sb->signature);
  sb->version = htole32 (1);
  sb->hash_type = htole32 (p->hash_type);
  memcpy (sb->uuid, p->uuid, sizeof sb->uuid);
  /* cryptsetup stores the name as given; ours are lowercase already. */
  size_t alen = strnlen (p->hash_name, sizeof sb->algorithm - 1);
  memcpy (sb->algorithm, p->hash_name, alen);
  sb->data_block_size = htole32 (p->data_block_size);
  sb->hash_block_size = htole32 (p->hash_block_size);
  sb->data_blocks = htole64 (p->data_blocks);
  sb->salt_size = htole16 ((uint16_t)p->salt_size);
  memcpy (sb->salt, p->salt, p->salt_size);
}

static bool
all_zero (const uint8_t *b, size_t n)
{
  uint8_t acc = 0;
  for (size_t i = 0; i < n; i++)
    acc |= b[i];
  return acc == 0;
}

/* Decodes and validates every field; *out gets the geometry only (hash
   offset, threads and no_superblock are the caller's). */
static int
sb_decode (const struct verity_sb *sb, struct verity_params *out, parma_error_t *err)
{
  if (memcmp (sb->signature, sb_signature, sizeof sb_signature) != 0)
    return parma_error_make (err, EINVAL, "superblock: no verity signature");
  if (le32toh (sb->version) != 1)
    return parma_error_make (err, EINVAL, "superblock: version %u is not 1", le32toh (sb->version));
  if (memchr (sb->algorithm, '\0', sizeof sb->algorithm) == NULL)
    return parma_error_make (err, EINVAL, "superblock: algorithm not NUL-terminated");
  size_t alen = strlen (sb->algorithm);
  if (!all_zero ((const uint8_t *)sb->algorithm + alen, sizeof sb->algorithm - alen))
    return parma_error_make (err, EINVAL, "superblock: algorithm padding not zero");
  uint16_t salt_size = le16toh (sb->salt_size);
  if (salt_size > sizeof sb->salt)
    return parma_error_make (err, EINVAL, "superblock: salt_size %u > 256", salt_size);
  if (!all_zero (sb->salt + salt_size, sizeof sb->salt - salt_size)
      || !all_zero (sb->pad1, sizeof sb->pad1) || !all_zero (sb->pad2, sizeof sb->pad2))
    return parma_error_make (err, EINVAL, "superblock: padding not zero");
  memset (out->hash_name, 0, sizeof out->hash_name);
  memcpy (out->hash_name, sb->algorithm, alen < sizeof out->hash_name ? alen : 0);
  out->hash_type = le32toh (sb->hash_type);
  out->data_block_size = le32toh (sb->data_block_size);
  out->hash_block_size = le32toh (sb->hash_block_size);
  out->data_blocks = le64toh (sb->data_blocks);
  out->salt_size = salt_size;
  memset (out->salt, 0, sizeof out->salt);
  memcpy (out->salt, sb->salt, salt_size);
  memcpy (out->uuid, sb->uuid, sizeof out->uuid);
  out->have_uuid = true;
  out->no_superblock = false;
  if (verity_params_check (out, err) < 0)
    return parma_error_wrap (err, "superblock");
  if (out->data_blocks == 0)
    return parma_error_make (err, EINVAL, "superblock: data_blocks is 0");
  return 0;
}

static int
sb_load (int hash_fd, uint64_t hash_offset, struct verity_sb *sb, parma_error_t *err)
{
  if (verity_pread_full (hash_fd, sb, sizeof *sb, hash_offset, err) < 0)
    return parma_error_wrap (err, "superblock at %llu", (unsigned long long)hash_offset);
  return 0;
}

int
verity_superblock_read (int hash_fd, uint64_t hash_offset, struct verity_params *out,
                        parma_error_t *err)
{
  struct verity_sb sb;
  if (sb_load (hash_fd, hash_offset, &sb, err) < 0)
    return -1;
  out->hash_offset = hash_offset;
  return sb_decode (&sb, out, err);
}

int
verity_superblock_check (int hash_fd, const struct verity_params *p, parma_error_t *err)
{
  struct verity_sb sb;
  if (sb_load (hash_fd, p->hash_offset, &sb, err) < 0)
    return -1;
  struct verity_params got = *p;
  if (sb_decode (&sb, &got, err) < 0)
    return -1;
  /* Field by field, so the error names the one the host changed. */
  if (strcmp (got.hash_name, p->hash_name) != 0)
    return parma_error_make (err, EINVAL, "superblock: algorithm `%s` differs from policy `%s`",
                             got.hash_name, p->hash_name);
  if (got.hash_type != p->hash_type)
    return parma_error_make (err, EINVAL, "superblock: hash_type differs from policy");
  if (got.data_block_size != p->data_block_size || got.hash_block_size != p->hash_block_size)
    return parma_error_make (err, EINVAL, "superblock: block size differs from policy");
  if (got.data_blocks != p->data_blocks)
    return parma_error_make (err, EINVAL, "superblock: data_blocks %llu differs from policy %llu",
                             (unsigned long long)got.data_blocks,
                             (unsigned long long)p->data_blocks);
  if (got.salt_size != p->salt_size || CRYPTO_memcmp (got.salt, p->salt, p->salt_size) != 0)
    return parma_error_make (err, EINVAL, "superblock: salt differs from policy");
  return 0;
}
