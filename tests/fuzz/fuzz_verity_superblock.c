/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer: the dm-verity superblock reader/checker and the hash-tree
   verifier (verity/).  The input is a host-supplied hash file: its
   superblock is read and checked against itself and against parma's layer
   parameters; when it describes a small tree, a deterministic data file of
   that size is hashed and verified against the input's tree (memfds, so
   nothing touches the disk). */
#include "common/error.h"
#include "verity/verity.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static int
memfd_with (const char *name, const void *buf, size_t len)
{
  int fd = memfd_create (name, MFD_CLOEXEC);
  if (fd < 0)
    abort ();
  if (len && write (fd, buf, len) != (ssize_t) len)
    abort ();
  return fd;
}

/* Verifies the input's tree for a data file of `p->data_blocks` blocks of a
   fixed pattern; bounded so that one input costs well under a millisecond. */
static void
verify_tree (int hash_fd, const struct verity_params *p)
{
  parma_error_t err = NULL;
  struct verity_geometry g;
  if (verity_geometry (p, &g, &err) < 0)
    {
      parma_error_release (&err);
      return;
    }
  uint64_t data_bytes = p->data_blocks * (uint64_t) p->data_block_size;
  if (p->data_blocks == 0 || data_bytes > (256u << 10))
    return;
  uint8_t *buf = malloc (data_bytes);
  if (buf == NULL)
    abort ();
  for (uint64_t i = 0; i < data_bytes; i++)
    buf[i] = (uint8_t) (i * 131 + (i >> 12));
  int data_fd = memfd_with ("fuzz-data", buf, data_bytes);
  free (buf);
  struct verity_params q = *p;
  q.threads = 1;
  uint8_t root[VERITY_MAX_DIGEST];
  size_t root_len = 0;
  if (verity_root_hash_fd (data_fd, &q, root, &root_len, &err) < 0)
    parma_error_release (&err);
  else
    {
      char data_path[64], hash_path[64];
      snprintf (data_path, sizeof data_path, "/proc/self/fd/%d", data_fd);
      snprintf (hash_path, sizeof hash_path, "/proc/self/fd/%d", hash_fd);
      uint64_t bad = 0;
      if (verity_verify (data_path, hash_path, &q, root, root_len, &bad, &err) < 0)
        parma_error_release (&err);
    }
  close (data_fd);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  parma_error_t err = NULL;
  int fd = memfd_with ("fuzz-hash", data, size);

  /* What activation does: the superblock must equal parma's parameters. */
  struct verity_params layer;
  verity_params_init_layer (&layer, 4096);
  layer.hash_offset = 0;
  if (verity_superblock_check (fd, &layer, &err) < 0)
    parma_error_release (&err);

  /* What the operator tools do: trust the superblock's geometry. */
  struct verity_params p;
  verity_params_init (&p);
  if (verity_superblock_read (fd, 0, &p, &err) < 0)
    parma_error_release (&err);
  else
    {
      if (verity_params_check (&p, &err) < 0)
        parma_error_release (&err);
      else
        {
          /* A superblock read back must check against itself. */
          if (verity_superblock_check (fd, &p, &err) < 0)
            abort ();
          verify_tree (fd, &p);
        }
    }
  close (fd);
  return 0;
}
