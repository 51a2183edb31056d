/* SPDX-License-Identifier: Apache-2.0 */
/* dm-verity for parma: hash trees byte-compatible with cryptsetup's
   veritysetup 2.6, verified layer activation, and the rootfs stack check.

   Trust rule: the parameters that define a layer (hash, block sizes, salt,
   format, data block count, hash offset) come from the caller (the policy).
   A superblock found on the host-supplied image is only ever *checked*
   against them (verity_superblock_check), never used to fill them in.  The
   one exception is the `parma-verity` tool run by an operator on images it
   owns, which reads them the way veritysetup does (verity_superblock_read).

   Every function takes `parma_error_t *err` last, returns < 0 on failure and
   sets *err once: EINVAL bad parameter, EIO I/O or short file, EPERM a block
   whose digest does not match the tree, EFAULT a wrong root hash, EACCES a
   root hash or layer stack the caller's policy does not allow, ENODEV no
   device-mapper (and no fallback allowed), EEXIST a layer name in use.

   Typical use:
     policy generator:  verity_mkimage (tar, img) -> size of img ->
                        verity_params_init_layer (&p, size) ->
                        verity_root_hash (img, &p, root, &len) (or
                        verity_format (img, img, ...) to append the tree);
     runtime, per layer (parma-runc mount-layer, runtime/verb_layer.c):
                        struct verity_open_request r = { .params = parma's
                        layer convention, .allowed_roots = the root the
                        pinned policy lists, .policy_sha256 = the pinned
                        policy, ... }; verity_open (&r);
     runtime, create:   verity_check_rootfs_pinned (state_dir, rootfs,
                        container.layers, n, allow_unencrypted_scratch,
                        pinned policy sha256). */
#ifndef PARMA_VERITY_VERITY_H
#define PARMA_VERITY_VERITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

#define VERITY_MAX_DIGEST 64 /* sha512 */
#define VERITY_MAX_SALT 256  /* superblock field size */
#define VERITY_SB_SIZE 512

struct verity_params
{
  char hash_name[32];       /* "sha1", "sha256" (default), "sha512" */
  uint32_t data_block_size; /* power of two, 512..512 KiB; default 4096 */
  uint32_t hash_block_size; /* same rule; default 4096 */
  uint32_t hash_type;       /* 1 (default) = H(salt|block), 0 = Chrome OS H(block|salt) */
  uint64_t data_blocks;     /* 0 = floor(data file size / data_block_size) */
  uint64_t hash_offset;     /* bytes into the hash file where the hash area starts */
  bool no_superblock;       /* no 512-byte superblock in front of the tree */
  uint8_t salt[VERITY_MAX_SALT];
  size_t salt_size;
  uint8_t uuid[16]; /* superblock UUID (format only) */
  bool have_uuid;   /* false: format draws a random one */
  unsigned threads; /* hashing threads; 0 = online CPUs */
};

/* sha256, 4096/4096, format 1, no salt, superblock, no offset. */
void verity_params_init (struct verity_params *p);
/* parma's layer convention, hcsshim's: sha256, 4096/4096, format 1, 32
   zero bytes of salt, the superblock and tree appended to the image at
   data_bytes (a multiple of 4096; data_blocks = data_bytes / 4096).  For
   veritysetup: format IMG IMG --hash-offset=SIZE --data-blocks=SIZE/4096
   --salt=<64 zeros>. */
void verity_params_init_layer (struct verity_params *p, uint64_t data_bytes);
/* Checks names, sizes and alignment (hash_offset % hash_block_size == 0 with
   no superblock, as the kernel addresses the tree in hash blocks). */
int verity_params_check (const struct verity_params *p, parma_error_t *err);
/* Digest length of p->hash_name, 0 if unknown. */
size_t verity_digest_size (const char *hash_name);

/* Tree shape for p (data_blocks must be resolved, i.e. non-zero). */
struct verity_geometry
{
  size_t digest_size;
  unsigned levels;        /* 0 when there is one data block */
  uint64_t hash_start;    /* first tree block, in hash blocks from file start */
  uint64_t hash_blocks;   /* tree blocks, superblock excluded */
  uint64_t hash_area_end; /* bytes: end of the tree in the hash file */
};
int verity_geometry (const struct verity_params *p, struct verity_geometry *g, parma_error_t *err);

/* Root hash of the data in data_fd (offset 0, p->data_blocks blocks, or the
   whole file when 0); writes no tree.  `root` holds VERITY_MAX_DIGEST. */
int verity_root_hash_fd (int data_fd, const struct verity_params *p, uint8_t *root,
                         size_t *root_len, parma_error_t *err);
int verity_root_hash (const char *data_path, const struct verity_params *p, uint8_t *root,
                      size_t *root_len, parma_error_t *err);

/* veritysetup format: writes the superblock (unless no_superblock) and the
   tree into hash_path at p->hash_offset (hash_path may equal data_path: the
   appended layout).  Resolves p->data_blocks and a random UUID in *p. */
int verity_format (const char *data_path, const char *hash_path, struct verity_params *p,
                   uint8_t *root, size_t *root_len, parma_error_t *err);

/* veritysetup verify: recomputes the tree from the data, compares it with
   the stored one block by block, then the root.  On EPERM, *bad_offset (if
   non-NULL) is the byte offset of the first bad block (in the data file for
   a data block, in the hash file for a tree block). */
int verity_verify (const char *data_path, const char *hash_path, const struct verity_params *p,
                   const uint8_t *root, size_t root_len, uint64_t *bad_offset, parma_error_t *err);

/* Superblock (512 bytes at p->hash_offset of hash_fd).  _read fills the
   geometry fields of *out from it (operator tools only); _check reads it and
   requires every field to equal *p (activation: never trust the host). */
int verity_superblock_read (int hash_fd, uint64_t hash_offset, struct verity_params *out,
                            parma_error_t *err);
int verity_superblock_check (int hash_fd, const struct verity_params *p, parma_error_t *err);

/* ---- activation ------------------------------------------------------- */

enum verity_backend
{
  VERITY_BACKEND_AUTO,  /* dm-verity; the fallback only if allowed and no dm */
  VERITY_BACKEND_DM,    /* dm-verity or fail */
  VERITY_BACKEND_MEMFD, /* verified private copy on a loop device */
};

struct verity_open_request
{
  const char *name;            /* [A-Za-z0-9._-]{1,64}, no leading dot: record and dm name */
  const char *data_path;       /* layer image */
  const char *hash_path;       /* hash file; NULL or == data_path: appended layout */
  const char *root_hex;        /* expected root hash (from the policy) */
  struct verity_params params; /* from the policy; data_blocks must be set */
  char *const *allowed_roots;  /* NULL-terminated: every root hash the policy lists */
  const char *mount_point;     /* existing directory, absolute, no symlinks */
  const char *state_dir;       /* trusted state directory (created 0700) */
  enum verity_backend backend;
  bool allow_fallback; /* AUTO may use MEMFD when /dev/mapper/control is absent */
  /* The runtime's activation (parma-runc mount-layer) records the SHA-256
     of the pinned policy that allowed the root; NULL for parma-verity open.
     verity_check_rootfs_pinned trusts only records carrying its policy. */
  const char *policy_sha256;
};

/* A layer name: [A-Za-z0-9._-]{1,64}, no leading dot (EINVAL otherwise). */
int verity_valid_name (const char *name, parma_error_t *err);

/* Verifies and mounts one layer read-only at mount_point and records it in
   <state_dir>/layers/<name>.json.  Refuses (EACCES) a root hash that is not
   in allowed_roots.  When the fallback is used, says so through parma_warn. */
int verity_open (const struct verity_open_request *req, parma_error_t *err);
/* Unmounts the layer recorded as `name`, removes its device and record. */
int verity_close (const char *state_dir, const char *name, parma_error_t *err);

/* The rootfs stack check for `create`: rootfs must be (without following a
   symlink) the root of an overlay mount whose lowerdirs, top first, are
   exactly the recorded, still-mounted layers whose root hashes are
   layers[n-1] .. layers[0] (policy order: base first), each mounted before
   the overlay; and whose upperdir (if any) is blank (no entries, no overlay
   xattrs: anything there would shadow the verified layers), older than the
   overlay, and on tmpfs or dm-crypt unless allow_unencrypted_scratch.
   EACCES with the reason otherwise. */
int verity_check_rootfs (const char *state_dir, const char *rootfs, char *const *layers,
                         size_t n_layers, bool allow_unencrypted_scratch, parma_error_t *err);
/* The same, and every layer's record must have been written by the
   runtime's activation under the pinned policy `policy_sha256` (hex): a
   record from `parma-verity open`, whose allowed roots came from its
   caller, is refused (what parma-runc's create uses). */
int verity_check_rootfs_pinned (const char *state_dir, const char *rootfs, char *const *layers,
                                size_t n_layers, bool allow_unencrypted_scratch,
                                const char *policy_sha256, parma_error_t *err);

/* ---- layer images ----------------------------------------------------- */

/* Converts an OCI layer tar (plain or gzip) into a reproducible read-only
   squashfs image by running tar2sqfs (see parma-verity(8) for the choice and
   the fixed options); OCI whiteouts become overlay whiteouts (0:0 char
   devices), opaque markers the trusted.overlay.opaque xattr.  `tar2sqfs`
   NULL = found in PATH. */
int verity_mkimage (const char *layer_tar, const char *out_img, const char *tar2sqfs,
                    parma_error_t *err);

#endif
