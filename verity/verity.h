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
     runtime, rootfs (parma-runc mount-rootfs):
                        struct verity_rootfs_request r = { .layer_names =
                        the mount-layer names, base first, .allow_stack =
                        "some container of the pinned policy lists these
                        roots", ... }; verity_mount_rootfs (&r);
     runtime, create:   verity_check_rootfs_pinned (state_dir, rootfs,
                        container.layers, n, pinned policy sha256,
                        "<root> <id>"). */
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
/* Unmounts the layer recorded as `name`, removes its device and record.
   EBUSY while a rootfs built on it is mounted. */
int verity_close (const char *state_dir, const char *name, parma_error_t *err);

/* ---- the container rootfs (rootfs.c, stack.c) ------------------------- */

struct verity_rootfs_request
{
  const char *name;          /* [A-Za-z0-9._-]{1,64}, no leading dot: the record's name */
  const char *state_dir;     /* verity_open's: the layers' records are read there */
  char *const *layer_names;  /* NULL-terminated, base first: layers verity_open recorded */
  const char *target;        /* existing directory, canonical absolute path, no symlinks:
                                the bundle's root.path, by which create finds this rootfs
                                (nothing is mounted there) */
  const char *policy_sha256; /* non-NULL: every layer's record must carry it */
  uint64_t scratch_bytes;    /* size of the scratch tmpfs; 0 = tmpfs's default */
  /* Called with the layers' root hashes (base first) once their mounts are
     proved, before anything is mounted; < 0 refuses (NULL: no policy). */
  int (*allow_stack) (void *ctx, char *const *roots, size_t n, parma_error_t *err);
  void *allow_ctx;
};

/* Builds the container's rootfs: an overlay of the named verified layer
   mounts, each reopened without symlinks, proved to be its recorded mount
   and passed to overlayfs by fd (so no later change to a path can change
   what the overlay reads), with upper and work on a fresh tmpfs under
   <state_dir>/rootfs (index, metacopy and nfs_export off).  Mounted at
   <state_dir>/rootfs/<name>.root below a private mount, never at a path
   the caller can reach, and recorded in <state_dir>/rootfs/<name>.json
   under `target`.  EACCES for a layer that is not (or no longer) verified
   or not the policy's; EEXIST for a name or target in use; nothing stays
   mounted on failure. */
int verity_mount_rootfs (const struct verity_rootfs_request *req, parma_error_t *err);
/* Unmounts the overlay and the scratch (and what a killed build of that
   name left), and removes the record; a claim stays as a tombstone, so a
   name that served a container is never mounted again. */
int verity_unmount_rootfs (const char *state_dir, const char *name, parma_error_t *err);

/* The rootfs check for `create`: `rootfs` (the bundle's root.path,
   canonical) must be the target of a verity_mount_rootfs record whose
   overlay is still mounted at its private path, alone (nothing mounted
   inside it, no propagation), built from the layers whose root hashes are
   layers[0] .. layers[n-1] (policy order: base first), with every layer
   device still the verified one and the scratch blank (no entries, no
   overlay xattrs: anything there would shadow the verified layers).
   *mounted_at (if non-NULL) gets the private path: the root the delegate
   must be given instead of `rootfs`.  EACCES with the reason. */
int verity_check_rootfs (const char *state_dir, const char *rootfs, char *const *layers,
                         size_t n_layers, char **mounted_at, parma_error_t *err);
/* The same, and (what parma-runc's create uses):
   - the rootfs was built under the pinned policy `policy_sha256` (hex) from
     layer records the runtime's activation wrote under it (a record from
     `parma-verity open`, whose allowed roots came from its caller, is
     refused);
   - `claimant` (non-NULL) claims the rootfs for one container for good
     (<name>.claim, kept after unmount as a tombstone): any later check is
     refused, since the scratch carries what ran before, and the name is
     never mounted again, so the private path handed to the delegate
     cannot be remounted with other layers before it opens it. */
int verity_check_rootfs_pinned (const char *state_dir, const char *rootfs, char *const *layers,
                                size_t n_layers, const char *policy_sha256,
                                const char *claimant, char **mounted_at, parma_error_t *err);

/* ---- layer images ----------------------------------------------------- */

/* Converts an OCI layer tar (plain or gzip) into a reproducible read-only
   squashfs image by running tar2sqfs (see parma-verity(8) for the choice and
   the fixed options); OCI whiteouts become overlay whiteouts (0:0 char
   devices), opaque markers the trusted.overlay.opaque xattr.  `tar2sqfs`
   NULL = found in PATH. */
int verity_mkimage (const char *layer_tar, const char *out_img, const char *tar2sqfs,
                    parma_error_t *err);

#endif
