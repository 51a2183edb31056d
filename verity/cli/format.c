/* SPDX-License-Identifier: Apache-2.0 */
/* format, verify, dump, root-hash: veritysetup's verbs and output lines. */
#include "verity/cli/cli.h"

#include "common/cleanup.h"
#include "common/io.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void
print_uuid (const struct verity_params *p)
{
  printf ("UUID:            \t");
  if (!p->no_superblock && p->have_uuid)
    {
      const uint8_t *u = p->uuid;
      printf ("%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", u[0], u[1],
              u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14],
              u[15]);
    }
  printf ("\n");
}

/* The block veritysetup prints after format and for dump (cryptsetup
   VERITY_dump); `root` NULL for dump. */
static int
print_header (const char *hash_path, const struct verity_params *p, const uint8_t *root,
              size_t root_len, parma_error_t *err)
{
  struct verity_geometry g;
  if (verity_geometry (p, &g, err) < 0)
    return -1;
  printf ("VERITY header information for %s\n", hash_path);
  print_uuid (p);
  printf ("Hash type:       \t%u\n", p->hash_type);
  printf ("Data blocks:     \t%llu\n", (unsigned long long)p->data_blocks);
  printf ("Data block size: \t%u\n", p->data_block_size);
  printf ("Hash blocks:     \t%llu\n", (unsigned long long)g.hash_blocks);
  printf ("Hash block size: \t%u\n", p->hash_block_size);
  printf ("Hash algorithm:  \t%s\n", p->hash_name);
  cleanup_free char *salt = p->salt_size ? hex_encode (p->salt, p->salt_size) : NULL;
  printf ("Salt:            \t%s\n", salt ? salt : "-");
  if (root)
    {
      cleanup_free char *hex = hex_encode (root, root_len);
      printf ("Root hash:      \t%s\n", hex);
    }
  /* veritysetup prints the size only for a hash area at offset 0. */
  if (p->hash_offset == 0)
    printf ("Hash device size: \t%llu [bytes]\n", (unsigned long long)g.hash_area_end);
  return 0;
}

int
verb_format (struct cli_opts *o, parma_error_t *err)
{
  struct verity_params *p = &o->params;
  if (!o->salt_given)
    {
      /* veritysetup's default: 32 random bytes. */
      p->salt_size = 32;
      if (RAND_bytes (p->salt, (int)p->salt_size) != 1)
        return parma_error_make (err, EIO, "format: random salt");
    }
  /* veritysetup's warning, word for word (dm-verity needs blocks of at
     most a page). */
  long page = sysconf (_SC_PAGESIZE);
  if (page > 0 && p->data_block_size > (unsigned long)page)
    fprintf (stderr,
             "WARNING: Kernel cannot activate device if data block size exceeds page size (%ld).\n",
             page);
  uint8_t root[VERITY_MAX_DIGEST];
  size_t root_len;
  if (verity_format (o->args[0], o->args[1], p, root, &root_len, err) < 0)
    return parma_error_wrap (err, "format");
  if (o->root_hash_file)
    {
      /* As veritysetup: the hex alone, no newline. */
      cleanup_free char *hex = hex_encode (root, root_len);
      cleanup_close int fd
          = open (o->root_hash_file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
      if (fd < 0)
        return parma_error_make (err, errno, "--root-hash-file `%s`", o->root_hash_file);
      if (write_all_fd (fd, hex, strlen (hex), err) < 0)
        return parma_error_wrap (err, "--root-hash-file `%s`", o->root_hash_file);
    }
  return print_header (o->args[1], p, root, root_len, err);
}

static int
parse_root (const char *hex, const struct verity_params *p, uint8_t *root, size_t *len,
            parma_error_t *err)
{
  cleanup_free uint8_t *raw = NULL;
  if (hex_decode (hex, &raw, len, err) < 0)
    return parma_error_wrap (err, "root hash");
  if (*len != verity_digest_size (p->hash_name))
    return parma_error_make (err, EINVAL, "root hash: %zu bytes, %s needs %zu", *len, p->hash_name,
                             verity_digest_size (p->hash_name));
  memcpy (root, raw, *len);
  return 0;
}

/* With a superblock, verify and dump take the geometry from it, as
   veritysetup does (an operator's own file); options given on the command
   line must agree with it. */
static int
params_from_superblock (const char *hash_path, struct cli_opts *o, parma_error_t *err)
{
  cleanup_close int fd = open (hash_path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return parma_error_make (err, errno, "open `%s`", hash_path);
  struct verity_params sb = o->params;
  if (verity_superblock_read (fd, o->params.hash_offset, &sb, err) < 0)
    {
      parma_error_release (err);
      return parma_error_make (err, EINVAL, "Device %s is not a valid VERITY device.", hash_path);
    }
  const struct verity_params *c = &o->params;
  if ((o->hash_given && strcmp (c->hash_name, sb.hash_name) != 0)
      || (o->format_given && c->hash_type != sb.hash_type)
      || (o->dbs_given && c->data_block_size != sb.data_block_size)
      || (o->hbs_given && c->hash_block_size != sb.hash_block_size)
      || (o->blocks_given && c->data_blocks != sb.data_blocks)
      || (o->salt_given
          && (c->salt_size != sb.salt_size || memcmp (c->salt, sb.salt, sb.salt_size) != 0)))
    return parma_error_make (err, EINVAL, "options differ from the superblock of `%s`", hash_path);
  o->params = sb;
  return 0;
}

int
verb_verify (struct cli_opts *o, parma_error_t *err)
{
  const char *data = o->args[0], *hash = o->args[1];
  if (!o->params.no_superblock && params_from_superblock (hash, o, err) < 0)
    return -1;
  uint8_t root[VERITY_MAX_DIGEST];
  size_t root_len;
  cleanup_free char *root_hex = NULL;
  if (cli_root_hex (o, 2, &root_hex, err) < 0
      || parse_root (root_hex, &o->params, root, &root_len, err) < 0)
    return -1;
  uint64_t bad = 0;
  if (verity_verify (data, hash, &o->params, root, root_len, &bad, err) < 0)
    {
      int status = (*err)->status;
      if (status != EPERM && status != EFAULT)
        return -1;
      /* veritysetup's lines, which scripts grep for. */
      cleanup_free char *msg = parma_error_format (*err);
      parma_error_release (err);
      if (status == EPERM)
        {
          if (strncmp (msg, "spare", 5) == 0)
            fprintf (stderr, "Spare area is not zeroed at position %llu.\n",
                     (unsigned long long)bad);
          else
            fprintf (stderr, "Verification failed at position %llu.\n", (unsigned long long)bad);
          fprintf (stderr, "Verification of data area failed.\n");
          if (o->verbose)
            fprintf (stderr, "parma-verity: %s\n", msg);
          return EXIT_VERIFY_FAILED;
        }
      fprintf (stderr, "Verification of root hash failed.\n");
      return 1;
    }
  if (o->verbose)
    printf ("Command successful.\n");
  return 0;
}

int
verb_dump (struct cli_opts *o, parma_error_t *err)
{
  if (o->params.no_superblock)
    return parma_error_make (err, EINVAL, "dump: needs a superblock");
  if (params_from_superblock (o->args[0], o, err) < 0)
    return -1;
  return print_header (o->args[0], &o->params, NULL, 0, err);
}

int
verb_root_hash (struct cli_opts *o, parma_error_t *err)
{
  if (!o->salt_given)
    return parma_error_make (err, EINVAL,
                             "root-hash: --salt is required (hex, or - for none): a random salt "
                             "would give a different root every run");
  uint8_t root[VERITY_MAX_DIGEST];
  size_t root_len;
  if (verity_root_hash (o->args[0], &o->params, root, &root_len, err) < 0)
    return parma_error_wrap (err, "root-hash");
  cleanup_free char *hex = hex_encode (root, root_len);
  printf ("%s\n", hex);
  return 0;
}
