/* SPDX-License-Identifier: Apache-2.0 */
/* Reading a caller's bundle once, strictly, and producing the sealed copy
   the delegate runs (create, run, restore). */
#ifndef PARMA_RUNTIME_BUNDLE_H
#define PARMA_RUNTIME_BUNDLE_H

#include <stddef.h>

#include "common/error.h"

#include <stdbool.h>

struct oci_config;

struct parma_bundle
{
  char *dir;                 /* the caller's bundle directory, resolved */
  struct oci_config *config; /* strictly parsed, root.path made absolute */
  char *rootfs;              /* = config->root->path */
  char *sealed;              /* canonical JSON of config */
  size_t sealed_len;
};

struct oci_mount;
/* A bind mount (type "bind" or option bind/rbind): its source is a host path. */
bool parma_mount_is_bind (const struct oci_mount *m);

/* `path` NULL means the current directory (runc's default bundle). */
int parma_bundle_load (const char *path, struct parma_bundle *b, parma_error_t *err);
void parma_bundle_release (struct parma_bundle *b);

/* Reads an untrusted document of at most OCI_MAX_DOCUMENT bytes from a
   caller path, or from stdin for "-". */
int parma_read_document (const char *path, char **buf, size_t *len, parma_error_t *err);

#endif
