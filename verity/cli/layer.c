/* SPDX-License-Identifier: Apache-2.0 */
/* open, close, open-rootfs, close-rootfs, check-rootfs: verified layer
   mounts and the rootfs built on them, for operators (the runtime calls the
   library itself).  The layer's parameters come from the options (the
   policy), never from the image's superblock, which is only checked
   against them. */
#include "verity/cli/cli.h"

#include "common/cleanup.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

int
verb_open (struct cli_opts *o, parma_error_t *err)
{
  if (o->state_dir == NULL || o->mount_point == NULL)
    return parma_error_make (err, EINVAL, "open: --state-dir and --mount are required");
  if (o->no_dm && o->dm_only)
    return parma_error_make (err, EINVAL, "open: --no-dm and --dm-only exclude each other");
  cleanup_free char *root_hex = NULL;
  if (cli_root_hex (o, 3, &root_hex, err) < 0)
    return -1;
  struct verity_open_request req = {
    .data_path = o->args[0],
    .name = o->args[1],
    .hash_path = o->args[2],
    .root_hex = root_hex,
    .params = o->params,
    .allowed_roots = o->allowed,
    .mount_point = o->mount_point,
    .state_dir = o->state_dir,
    .backend = o->no_dm     ? VERITY_BACKEND_MEMFD
               : o->dm_only ? VERITY_BACKEND_DM
                            : VERITY_BACKEND_AUTO,
    .allow_fallback = o->allow_fallback,
  };
  if (verity_open (&req, err) < 0)
    return parma_error_wrap (err, "open `%s`", req.name);
  return 0;
}

int
verb_close (struct cli_opts *o, parma_error_t *err)
{
  if (o->state_dir == NULL)
    return parma_error_make (err, EINVAL, "close: --state-dir is required");
  if (verity_close (o->state_dir, o->args[0], err) < 0)
    return parma_error_wrap (err, "close `%s`", o->args[0]);
  return 0;
}

int
verb_check_rootfs (struct cli_opts *o, parma_error_t *err)
{
  if (o->state_dir == NULL)
    return parma_error_make (err, EINVAL, "check-rootfs: --state-dir is required");
  size_t n = o->layers ? strv_len (o->layers) : 0;
  cleanup_free char *mounted_at = NULL;
  if (verity_check_rootfs (o->state_dir, o->args[0], o->layers, n, &mounted_at, err) < 0)
    return parma_error_wrap (err, "check-rootfs");
  if (o->verbose)
    printf ("rootfs %s: %zu verified layers, mounted at %s\n", o->args[0], n, mounted_at);
  return 0;
}

/* The operator's rootfs: layers opened by `parma-verity open` in the same
   state dir, base first; no policy is consulted (parma-runc mount-rootfs
   is the runtime's, pinned one). */
int
verb_open_rootfs (struct cli_opts *o, parma_error_t *err)
{
  if (o->state_dir == NULL)
    return parma_error_make (err, EINVAL, "open-rootfs: --state-dir is required");
  struct verity_rootfs_request req = {
    .name = o->args[0],
    .target = o->args[1],
    .layer_names = o->args + 2,
    .state_dir = o->state_dir,
    .scratch_bytes = o->scratch_bytes,
  };
  if (verity_mount_rootfs (&req, err) < 0)
    return parma_error_wrap (err, "open-rootfs `%s`", req.name);
  if (o->verbose)
    printf ("rootfs %s: %d verified layers for %s, mounted at %s/rootfs/%s.root\n", req.name,
            o->nargs - 2, req.target, o->state_dir, req.name);
  return 0;
}

int
verb_close_rootfs (struct cli_opts *o, parma_error_t *err)
{
  if (o->state_dir == NULL)
    return parma_error_make (err, EINVAL, "close-rootfs: --state-dir is required");
  if (verity_unmount_rootfs (o->state_dir, o->args[0], err) < 0)
    return parma_error_wrap (err, "close-rootfs `%s`", o->args[0]);
  return 0;
}
