/* SPDX-License-Identifier: Apache-2.0 */
/* verity/ internals shared between its source files. */
#ifndef PARMA_VERITY_INTERNAL_H
#define PARMA_VERITY_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <openssl/evp.h>

#include "verity/verity.h"

/* On-disk superblock (cryptsetup lib/verity/verity.c struct verity_sb),
   little-endian, 512 bytes. */
struct verity_sb
{
  uint8_t signature[8]; /* "verity\0\0" */
  uint32_t version;     /* 1 */
  uint32_t hash_type;   /* 0 Chrome OS, 1 normal */
  uint8_t uuid[16];     /* raw */
  char algorithm[32];   /* NUL-padded, e.g. "sha256" */
  uint32_t data_block_size;
  uint32_t hash_block_size;
  uint64_t data_blocks;
  uint16_t salt_size; /* <= 256 */
  uint8_t pad1[6];
  uint8_t salt[256];
  uint8_t pad2[168];
} __attribute__ ((packed));

_Static_assert(sizeof (struct verity_sb) == VERITY_SB_SIZE, "superblock is 512 bytes");

#define cleanup_evp_md_ctx __attribute__ ((cleanup (verity_cleanup_md_ctxp)))
#define cleanup_evp_md __attribute__ ((cleanup (verity_cleanup_mdp)))
void verity_cleanup_md_ctxp (EVP_MD_CTX **p);
void verity_cleanup_mdp (EVP_MD **p);

/* The whole tree, built in memory in on-disk order (top level first). */
struct verity_tree
{
  struct verity_geometry geo;
  uint8_t *blocks;          /* geo.hash_blocks * hash_block_size bytes */
  uint64_t level_block[64]; /* first block (in `blocks`) of level i, 0 = leaf */
  uint64_t level_count[64]; /* blocks in level i */
  uint8_t root[VERITY_MAX_DIGEST];
};

/* Hashes data_fd (from offset 0, p->data_blocks blocks, resolved) into a
   tree.  Uses p->threads workers. */
int verity_build_tree (int data_fd, const struct verity_params *p, struct verity_tree *t,
                       parma_error_t *err);
void verity_tree_release (struct verity_tree *t);

/* Resolves p->data_blocks from the size of data_fd when it is 0; checks a
   given count fits. */
int verity_resolve_data_blocks (int data_fd, struct verity_params *p, parma_error_t *err);

int verity_pread_full (int fd, void *buf, size_t len, uint64_t off, parma_error_t *err);
int verity_pwrite_full (int fd, const void *buf, size_t len, uint64_t off, parma_error_t *err);

/* Digests of `count` blocks (from fd at offset 0 when fd >= 0, else from
   mem) into out[i * stride]; threads per p->threads. */
int verity_hash_blocks (const struct verity_params *p, const EVP_MD *md, int fd, const uint8_t *mem,
                        size_t block_size, uint64_t count, uint8_t *out, size_t stride,
                        parma_error_t *err);
int verity_hash_one (const struct verity_params *p, const EVP_MD *md, const uint8_t *block,
                     size_t len, uint8_t *out, parma_error_t *err);
size_t verity_digest_stride (const struct verity_params *p, size_t digest_size);
unsigned verity_hash_per_block_bits (const struct verity_params *p, size_t digest_size);

void verity_sb_encode (const struct verity_params *p, struct verity_sb *sb);

/* What the state file <state_dir>/layers/<name>.json holds for one
   verified layer mount (state.c). */
struct verity_record
{
  char *name;
  char *root_hash;                   /* lowercase hex */
  char *mount_point;                 /* canonical absolute path */
  char *device;                      /* /dev/loopN or the dm node */
  char *source;                      /* the host's image path, for information */
  char *fstype;                      /* erofs, squashfs, ext4 */
  char *backend;                     /* "dm-verity" or "memfd-loop" */
  char *dm_name;                     /* dm-verity only */
  uint64_t mnt_id;                   /* mountinfo id */
  uint64_t mnt_id_unique;            /* statx STATX_MNT_ID_UNIQUE, 0 if the kernel has none */
  uint32_t dev_major, dev_minor;     /* st_dev of the mounted filesystem */
  uint64_t backing_ino, backing_dev; /* memfd-loop: the sealed copy (LOOP_GET_STATUS64) */
  char *policy_sha256;               /* pinned policy that allowed it; NULL: parma-verity open */
};
void verity_record_release (struct verity_record *r);
/* <state_dir>/layers (created 0700 when `create`), as an O_PATH fd. */
int verity_layers_dir (const char *state_dir, bool create, parma_error_t *err);
int verity_record_write (const char *state_dir, const struct verity_record *r, parma_error_t *err);
int verity_record_read (const char *state_dir, const char *name, struct verity_record *r,
                        parma_error_t *err);
int verity_record_remove (const char *state_dir, const char *name, parma_error_t *err);
/* All records; *out is an array of *n records, caller releases each. */
int verity_record_list (const char *state_dir, struct verity_record **out, size_t *n,
                        parma_error_t *err);

/* Mount identity of an open fd (mount.c): ids from statx, st_dev, and
   whether the fd is the root of its mount. */
struct verity_mount_id
{
  uint64_t mnt_id, mnt_id_unique;
  uint32_t dev_major, dev_minor;
  bool is_mount_root;
};
int verity_mount_id_fd (int fd, struct verity_mount_id *id, parma_error_t *err);
/* Opens an absolute canonical path O_PATH|O_DIRECTORY without following
   any symlink. */
int verity_open_dir_nofollow (const char *path, parma_error_t *err);

int verity_detect_fstype (int fd, const char **fstype, parma_error_t *err);
int verity_loop_attach (int backing_fd, const char *label, char **dev_path, parma_error_t *err);
/* The loop device `dev` is block device major:minor and is still backed
   by inode ino on device bdev (a LOOP_CHANGE_FD swap changes them). */
int verity_loop_check (const char *dev, uint32_t major, uint32_t minor, uint64_t ino, uint64_t bdev,
                       parma_error_t *err);

/* device-mapper (dm.c): creates a read-only verity target `name` over the
   block devices data_dev/hash_dev; returns its dev_t in *dev. */
int verity_dm_create (const char *name, const char *data_dev, const char *hash_dev,
                      const struct verity_params *p, const char *root_hex, dev_t *dev,
                      parma_error_t *err);
int verity_dm_remove (const char *name, parma_error_t *err);
/* The verity target's parameter line, as cryptsetup's get_dm_verity_params
   writes it (without the "0 <sectors> verity " prefix); caller frees. */
char *verity_dm_table (const char *data_dev, const char *hash_dev, const struct verity_params *p,
                       const struct verity_geometry *g, const char *root_hex);
bool verity_dm_available (void);

/* Loop devices and mounts (activate.c). */
int verity_parse_root_hex (const char *hex, const struct verity_params *p, uint8_t *root,
                           parma_error_t *err);

#endif
