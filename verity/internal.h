/* SPDX-License-Identifier: Apache-2.0 */
/* verity/ internals shared between its source files. */
#ifndef PARMA_VERITY_INTERNAL_H
#define PARMA_VERITY_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>
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

/* Record files (state.c): jansson cleanup, and one field each, with
   "record: `key` missing or not a string|count" when it is not there. */
void verity_json_decref_p (json_t **j);
#define cleanup_json __attribute__ ((cleanup (verity_json_decref_p)))
int verity_json_str (json_t *j, const char *key, bool required, char **out, parma_error_t *err);
int verity_json_u64 (json_t *j, const char *key, uint64_t *out, parma_error_t *err);

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
  char *dm_table;                    /* dm-verity: the live table (verity_dm_live_table) */
  uint32_t dm_major, dm_minor;       /* dm-verity: the dm device */
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
/* The record names in dir (files NAME.json, no leading dot), as a
   NULL-terminated vector; `where` names dir in errors. */
int verity_record_names (int dir, const char *where, char ***names, parma_error_t *err);
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
/* Where the mount `want` (its ids and device; fstype and source when not
   NULL) is still mounted in this namespace, NULL when it is gone: by the
   never-reused id where recorded (statmount), else by mountinfo's id and
   device.  "?" when it cannot tell (mountinfo.c). */
char *verity_mount_elsewhere (const struct verity_mount_id *want, const char *fstype,
                              const char *source);
/* Opens an absolute canonical path O_PATH|O_DIRECTORY without following
   any symlink. */
int verity_open_dir_nofollow (const char *path, parma_error_t *err);
/* Detaches the mount *mnt_fd is the root of (a failed activation's
   rollback), closes it and sets it to -1; a no-op on -1. */
void verity_unmount_fd (int *mnt_fd);

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
/* The table the kernel reports for a verity target over the block devices
   data/hash, as DM_TABLE_STATUS (DM_STATUS_TABLE_FLAG) writes it:
   "0 <sectors> verity <params>" with the devices as major:minor. */
char *verity_dm_live_table (dev_t data, dev_t hash, const struct verity_params *p,
                            const char *root_hex, parma_error_t *err);
/* The dm device `name` is dev_major:dev_minor, parma's (uuid), read-only,
   with no inactive table pending and exactly `table` live (a reload under
   a mounted layer would make it read unverified blocks).  EACCES. */
int verity_dm_check (const char *name, uint32_t dev_major, uint32_t dev_minor, const char *table,
                     parma_error_t *err);

/* Loop devices and mounts (activate.c). */
int verity_parse_root_hex (const char *hex, const struct verity_params *p, uint8_t *root,
                           parma_error_t *err);

/* What <state_dir>/rootfs/<name>.json holds for one overlay that
   verity_mount_rootfs built (rootfs_record.c): the overlay's and its
   scratch tmpfs's mount identities and the layers it was built from, base
   first (each with the fields of its layer record the create check
   re-verifies).  The scratch tmpfs is mounted on <state_dir>/rootfs/<name>.d
   and holds upper/ and work/; <name>.claim names the one container it
   serves. */
struct verity_rootfs_record
{
  char *name;
  char *target;        /* canonical absolute path the overlay was attached at */
  char *policy_sha256; /* every layer's record carried it; NULL: parma-verity */
  struct verity_mount_id overlay, scratch;
  struct verity_record *layers; /* base first */
  size_t n_layers;
};
void verity_rootfs_record_release (struct verity_rootfs_record *r);
void verity_rootfs_record_list_release (struct verity_rootfs_record *recs, size_t n);
/* <state_dir>/rootfs (created 0700 when `create`), as an O_PATH fd. */
int verity_rootfs_dir (const char *state_dir, bool create, parma_error_t *err);
int verity_rootfs_record_write (const char *state_dir, const struct verity_rootfs_record *r,
                                parma_error_t *err);
int verity_rootfs_record_read (const char *state_dir, const char *name,
                               struct verity_rootfs_record *r, parma_error_t *err);
int verity_rootfs_record_list (const char *state_dir, struct verity_rootfs_record **out,
                               size_t *n, parma_error_t *err);
/* Removes the record (not the scratch, not the claim: a tombstone). */
int verity_rootfs_record_remove (const char *state_dir, const char *name, parma_error_t *err);

/* <state_dir>/rootfs/<name>.root: where the overlay is mounted; caller frees. */
char *verity_rootfs_root_path (const char *state_dir, const char *name);
/* *rootfs: the first rootfs record built on layer `layer`, NULL if none. */
int verity_layer_in_use (const char *state_dir, const char *layer, char **rootfs,
                         parma_error_t *err);

/* The verified layer mount `r` is, right now, at r->mount_point (reopened
   without symlinks): same mount, same device, still read-only, and for
   memfd-loop still reading the sealed copy.  Returns the O_PATH fd on it
   (stack.c). */
int verity_layer_mount_open (const struct verity_record *r, parma_error_t *err);
/* Scratch must be blank: no entries and no overlay xattr that hides or
   redirects lower files (stack.c). */
int verity_scratch_check_blank (int fd, const char *upper, parma_error_t *err);

#endif
