/* SPDX-License-Identifier: Apache-2.0 */
/* Hash tree geometry and construction (cryptsetup lib/verity/verity_hash.c,
   kernel Documentation/admin-guide/device-mapper/verity.rst).

   Speed: each level is cut into one contiguous run of blocks per thread;
   a thread reads its run of the data with multi-MiB preads and hashes each
   block from a copy of a context that already absorbed the salt (format 1),
   so the salt is hashed once per thread, not once per block. */
#include "verity/internal.h"

#include "common/cleanup.h"
#include "common/xalloc.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define READ_CHUNK (4u << 20)    /* bytes per pread of data */
#define MIN_BLOCKS_PER_THREAD 64 /* below this a thread costs more than it saves */

void
verity_cleanup_md_ctxp (EVP_MD_CTX **p)
{
  EVP_MD_CTX_free (*p);
  *p = NULL;
}

void
verity_cleanup_mdp (EVP_MD **p)
{
  EVP_MD_free (*p);
  *p = NULL;
}

void
verity_params_init (struct verity_params *p)
{
  memset (p, 0, sizeof *p);
  strcpy (p->hash_name, "sha256");
  p->data_block_size = 4096;
  p->hash_block_size = 4096;
  p->hash_type = 1;
}

void
verity_params_init_layer (struct verity_params *p, uint64_t data_bytes)
{
  verity_params_init (p);
  p->salt_size = 32; /* zeros */
  p->data_blocks = data_bytes / 4096;
  p->hash_offset = data_bytes;
}

size_t
verity_digest_size (const char *hash_name)
{
  if (strcmp (hash_name, "sha1") == 0)
    return 20;
  if (strcmp (hash_name, "sha256") == 0)
    return 32;
  if (strcmp (hash_name, "sha512") == 0)
    return 64;
  return 0;
}

static bool
block_size_ok (uint32_t bs)
{
  /* cryptsetup VERITY_BLOCK_SIZE_OK: power of two in 512..512 KiB. */
  return bs >= 512 && bs <= (512u << 10) && (bs & (bs - 1)) == 0;
}

int
verity_params_check (const struct verity_params *p, parma_error_t *err)
{
  if (memchr (p->hash_name, '\0', sizeof p->hash_name) == NULL
      || verity_digest_size (p->hash_name) == 0)
    return parma_error_make (err, EINVAL, "hash: unsupported algorithm (sha1, sha256, sha512)");
  if (!block_size_ok (p->data_block_size))
    return parma_error_make (err, EINVAL,
                             "data_block_size: %u is not a power of two in 512..524288",
                             p->data_block_size);
  if (!block_size_ok (p->hash_block_size))
    return parma_error_make (err, EINVAL,
                             "hash_block_size: %u is not a power of two in 512..524288",
                             p->hash_block_size);
  if (p->hash_type > 1)
    return parma_error_make (err, EINVAL, "format: %u is not 0 or 1", p->hash_type);
  if (p->salt_size > VERITY_MAX_SALT)
    return parma_error_make (err, EINVAL, "salt: longer than %d bytes", VERITY_MAX_SALT);
  if (p->no_superblock && p->hash_offset % p->hash_block_size != 0)
    return parma_error_make (err, EINVAL,
                             "hash_offset: %llu is not a multiple of the hash block size",
                             (unsigned long long)p->hash_offset);
  if (p->hash_offset % 512 != 0)
    return parma_error_make (err, EINVAL, "hash_offset: %llu is not a multiple of 512",
                             (unsigned long long)p->hash_offset);
  return 0;
}

static unsigned
bits_down (uint64_t v)
{
  unsigned b = 0;
  while (v > 1)
    {
      v >>= 1;
      b++;
    }
  return b;
}

/* Format 1 pads each digest to a power of two; format 0 packs them. */
size_t
verity_digest_stride (const struct verity_params *p, size_t digest_size)
{
  if (p->hash_type == 0)
    return digest_size;
  size_t s = 1;
  while (s < digest_size)
    s <<= 1;
  return s;
}

unsigned
verity_hash_per_block_bits (const struct verity_params *p, size_t digest_size)
{
  return bits_down (p->hash_block_size / digest_size);
}

int
verity_geometry (const struct verity_params *p, struct verity_geometry *g, parma_error_t *err)
{
  if (verity_params_check (p, err) < 0)
    return -1;
  if (p->data_blocks == 0)
    return parma_error_make (err, EINVAL, "data_blocks: must be at least 1");
  memset (g, 0, sizeof *g);
  g->digest_size = verity_digest_size (p->hash_name);
  unsigned bits = verity_hash_per_block_bits (p, g->digest_size);
  while (bits * g->levels < 64 && ((p->data_blocks - 1) >> (bits * g->levels)) != 0)
    g->levels++;
  for (unsigned i = 0; i < g->levels; i++)
    {
      unsigned shift = bits * (i + 1);
      uint64_t n = shift >= 64 ? 1 : ((p->data_blocks - 1) >> shift) + 1;
      g->hash_blocks += n;
    }
  if (p->no_superblock)
    g->hash_start = p->hash_offset / p->hash_block_size;
  else
    g->hash_start = (p->hash_offset + VERITY_SB_SIZE + p->hash_block_size - 1) / p->hash_block_size;
  uint64_t end_blocks = g->hash_start + g->hash_blocks;
  if (end_blocks < g->hash_start
      || __builtin_mul_overflow (end_blocks, p->hash_block_size, &g->hash_area_end))
    return parma_error_make (err, EINVAL, "hash_offset: hash area beyond 2^64 bytes");
  uint64_t data_bytes;
  if (__builtin_mul_overflow (p->data_blocks, p->data_block_size, &data_bytes))
    return parma_error_make (err, EINVAL, "data_blocks: data area beyond 2^64 bytes");
  size_t tree_bytes;
  if (size_mul_overflow ((size_t)g->hash_blocks, p->hash_block_size, &tree_bytes))
    return parma_error_make (err, EINVAL, "data_blocks: tree does not fit in memory");
  return 0;
}

int
verity_pread_full (int fd, void *buf, size_t len, uint64_t off, parma_error_t *err)
{
  uint8_t *b = buf;
  while (len > 0)
    {
      ssize_t r = pread (fd, b, len, (off_t)off);
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        return parma_error_make (err, errno, "read at %llu", (unsigned long long)off);
      if (r == 0)
        return parma_error_make (err, EIO, "file ends before byte %llu",
                                 (unsigned long long)(off + len));
      b += r;
      off += (uint64_t)r;
      len -= (size_t)r;
    }
  return 0;
}

int
verity_pwrite_full (int fd, const void *buf, size_t len, uint64_t off, parma_error_t *err)
{
  const uint8_t *b = buf;
  while (len > 0)
    {
      ssize_t r = pwrite (fd, b, len, (off_t)off);
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        return parma_error_make (err, errno, "write at %llu", (unsigned long long)off);
      b += r;
      off += (uint64_t)r;
      len -= (size_t)r;
    }
  return 0;
}

int
verity_resolve_data_blocks (int data_fd, struct verity_params *p, parma_error_t *err)
{
  struct stat st;
  if (fstat (data_fd, &st) < 0)
    return parma_error_make (err, errno, "stat data");
  uint64_t have = (uint64_t)st.st_size / p->data_block_size;
  if (S_ISBLK (st.st_mode))
    return p->data_blocks
               ? 0
               : parma_error_make (err, EINVAL, "data_blocks: required for a block device");
  if (p->data_blocks == 0)
    p->data_blocks = have;
  if (p->data_blocks == 0)
    return parma_error_make (err, EINVAL, "data: smaller than one %u-byte block",
                             p->data_block_size);
  if (p->data_blocks > have)
    return parma_error_make (err, EIO, "data: %llu blocks requested, file holds %llu",
                             (unsigned long long)p->data_blocks, (unsigned long long)have);
  return 0;
}

/* One thread's share of a level. */
struct hash_job
{
  const struct verity_params *p;
  const EVP_MD *md;
  int fd;             /* source is a file (level 0) when >= 0 */
  const uint8_t *mem; /* else the level below, in memory */
  size_t block_size;
  uint64_t first, count; /* blocks of the source */
  uint8_t *out;          /* digest of block `first` goes here */
  size_t stride;
  parma_error_t err;
};

static int
hash_run (struct hash_job *j)
{
  const struct verity_params *p = j->p;
  cleanup_evp_md_ctx EVP_MD_CTX *prefix = EVP_MD_CTX_new ();
  cleanup_evp_md_ctx EVP_MD_CTX *ctx = EVP_MD_CTX_new ();
  if (prefix == NULL || ctx == NULL || EVP_DigestInit_ex (prefix, j->md, NULL) != 1)
    return parma_error_make (&j->err, ENOMEM, "digest context");
  if (p->hash_type == 1 && p->salt_size > 0
      && EVP_DigestUpdate (prefix, p->salt, p->salt_size) != 1)
    return parma_error_make (&j->err, EIO, "digest update");
  size_t chunk_blocks = j->fd >= 0 ? READ_CHUNK / j->block_size : j->count;
  if (chunk_blocks == 0)
    chunk_blocks = 1;
  cleanup_free uint8_t *buf = NULL;
  if (j->fd >= 0)
    buf = xmalloc (chunk_blocks * j->block_size);
  for (uint64_t done = 0; done < j->count;)
    {
      uint64_t n = j->count - done < chunk_blocks ? j->count - done : chunk_blocks;
      const uint8_t *src;
      if (j->fd >= 0)
        {
          if (verity_pread_full (j->fd, buf, n * j->block_size, (j->first + done) * j->block_size,
                                 &j->err)
              < 0)
            return -1;
          src = buf;
        }
      else
        src = j->mem + (j->first + done) * j->block_size;
      for (uint64_t i = 0; i < n; i++)
        {
          uint8_t *out = j->out + (done + i) * j->stride;
          if (EVP_MD_CTX_copy_ex (ctx, prefix) != 1
              || EVP_DigestUpdate (ctx, src + i * j->block_size, j->block_size) != 1
              || (p->hash_type == 0 && p->salt_size > 0
                  && EVP_DigestUpdate (ctx, p->salt, p->salt_size) != 1)
              || EVP_DigestFinal_ex (ctx, out, NULL) != 1)
            return parma_error_make (&j->err, EIO, "digest");
        }
      done += n;
    }
  return 0;
}

static void *
hash_thread (void *arg)
{
  hash_run (arg);
  return NULL;
}

/* Hashes `count` source blocks into out[i * stride], split across threads. */
int
verity_hash_blocks (const struct verity_params *p, const EVP_MD *md, int fd, const uint8_t *mem,
                    size_t block_size, uint64_t count, uint8_t *out, size_t stride,
                    parma_error_t *err)
{
  unsigned threads = p->threads;
  if (threads == 0)
    {
      long n = sysconf (_SC_NPROCESSORS_ONLN);
      threads = n > 0 ? (unsigned)n : 1;
    }
  if (threads > 256)
    threads = 256;
  if (count / MIN_BLOCKS_PER_THREAD < threads)
    threads = count / MIN_BLOCKS_PER_THREAD ? (unsigned)(count / MIN_BLOCKS_PER_THREAD) : 1;

  cleanup_free struct hash_job *jobs = xcalloc (threads, sizeof *jobs);
  cleanup_free pthread_t *tids = xcalloc (threads, sizeof *tids);
  cleanup_free bool *started = xcalloc (threads, sizeof *started);
  uint64_t per = count / threads, extra = count % threads, next = 0;
  for (unsigned t = 0; t < threads; t++)
    {
      uint64_t n = per + (t < extra ? 1 : 0);
      jobs[t] = (struct hash_job){ .p = p,
                                   .md = md,
                                   .fd = fd,
                                   .mem = mem,
                                   .block_size = block_size,
                                   .first = next,
                                   .count = n,
                                   .out = out + next * stride,
                                   .stride = stride };
      next += n;
    }
  /* Thread 0's share runs on the calling thread. */
  for (unsigned t = 1; t < threads; t++)
    {
      int e = pthread_create (&tids[t], NULL, hash_thread, &jobs[t]);
      if (e != 0)
        jobs[t].err = NULL, hash_run (&jobs[t]); /* no thread: do it here */
      else
        started[t] = true;
    }
  hash_run (&jobs[0]);
  int ret = 0;
  for (unsigned t = 0; t < threads; t++)
    {
      if (started[t])
        pthread_join (tids[t], NULL);
      if (jobs[t].err && ret == 0)
        {
          *err = jobs[t].err;
          jobs[t].err = NULL;
          ret = -1;
        }
      parma_error_release (&jobs[t].err);
    }
  return ret;
}

int
verity_hash_one (const struct verity_params *p, const EVP_MD *md, const uint8_t *block, size_t len,
                 uint8_t *out, parma_error_t *err)
{
  cleanup_evp_md_ctx EVP_MD_CTX *ctx = EVP_MD_CTX_new ();
  if (ctx == NULL || EVP_DigestInit_ex (ctx, md, NULL) != 1
      || (p->hash_type == 1 && p->salt_size && EVP_DigestUpdate (ctx, p->salt, p->salt_size) != 1)
      || EVP_DigestUpdate (ctx, block, len) != 1
      || (p->hash_type == 0 && p->salt_size && EVP_DigestUpdate (ctx, p->salt, p->salt_size) != 1)
      || EVP_DigestFinal_ex (ctx, out, NULL) != 1)
    return parma_error_make (err, EIO, "digest");
  return 0;
}

struct data_map
{
  void *addr;
  size_t len;
};

static void
data_map_release (struct data_map *m)
{
  if (m->addr != MAP_FAILED)
    munmap (m->addr, m->len);
  m->addr = MAP_FAILED;
}
#define cleanup_data_map __attribute__ ((cleanup (data_map_release)))

void
verity_tree_release (struct verity_tree *t)
{
  free (t->blocks);
  t->blocks = NULL;
}

int
verity_build_tree (int data_fd, const struct verity_params *p, struct verity_tree *t,
                   parma_error_t *err)
{
  cleanup_data_map struct data_map map = { MAP_FAILED, 0 };
  memset (t, 0, sizeof *t);
  if (verity_geometry (p, &t->geo, err) < 0)
    return -1;
  cleanup_evp_md EVP_MD *md = EVP_MD_fetch (NULL, p->hash_name, NULL);
  if (md == NULL)
    return parma_error_make (err, EINVAL, "hash: `%s` not available in OpenSSL", p->hash_name);
  size_t hbs = p->hash_block_size, stride = verity_digest_stride (p, t->geo.digest_size);
  unsigned bits = verity_hash_per_block_bits (p, t->geo.digest_size);
  t->blocks = xcalloc (t->geo.hash_blocks ? t->geo.hash_blocks : 1, hbs);

  /* Levels are stored top first: level levels-1 at block 0. */
  uint64_t at = 0;
  for (unsigned i = t->geo.levels; i-- > 0;)
    {
      unsigned shift = bits * (i + 1);
      t->level_count[i] = shift >= 64 ? 1 : ((p->data_blocks - 1) >> shift) + 1;
      t->level_block[i] = at;
      at += t->level_count[i];
    }
  if (t->geo.levels == 0)
    {
      /* One data block: the root is its digest, there is no tree. */
      cleanup_free uint8_t *block = xmalloc (p->data_block_size);
      if (verity_pread_full (data_fd, block, p->data_block_size, 0, err) < 0
          || verity_hash_one (p, md, block, p->data_block_size, t->root, err) < 0)
        goto fail;
      return 0;
    }
  /* A memfd sealed against shrinking (the activation fallback's private
     copy) cannot SIGBUS us: hash it in place instead of copying it out. */
  int seals = fcntl (data_fd, F_GET_SEALS);
  if (seals >= 0 && (seals & F_SEAL_SHRINK))
    {
      map.len = (size_t)(p->data_blocks * p->data_block_size);
      map.addr = mmap (NULL, map.len, PROT_READ, MAP_SHARED | MAP_POPULATE, data_fd, 0);
    }
  /* A digest lands at (index / hpb) block, (index % hpb) slot: with stride
     a power of two (format 1) or hpb*stride <= hbs (format 0), the slot
     layout is block-major, so place digests per block. */
  for (unsigned i = 0; i < t->geo.levels; i++)
    {
      uint64_t src_count = i == 0 ? p->data_blocks : t->level_count[i - 1];
      uint64_t hpb = (uint64_t)1 << bits;
      cleanup_free uint8_t *flat = xcalloc (src_count, stride);
      int r = i == 0 && map.addr != MAP_FAILED ? verity_hash_blocks (
                  p, md, -1, map.addr, p->data_block_size, src_count, flat, stride, err)
              : i == 0 ? verity_hash_blocks (p, md, data_fd, NULL, p->data_block_size, src_count,
                                             flat, stride, err)
                       : verity_hash_blocks (p, md, -1, t->blocks + t->level_block[i - 1] * hbs,
                                             hbs, src_count, flat, stride, err);
      if (r < 0)
        goto fail;
      uint8_t *dst = t->blocks + t->level_block[i] * hbs;
      for (uint64_t b = 0; b < t->level_count[i]; b++)
        {
          uint64_t first = b * hpb, n = src_count - first < hpb ? src_count - first : hpb;
          memcpy (dst + b * hbs, flat + first * stride, n * stride);
        }
    }
  if (verity_hash_one (p, md, t->blocks, hbs, t->root, err) < 0)
    goto fail;
  return 0;
fail:
  verity_tree_release (t);
  return -1;
}
