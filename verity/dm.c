/* SPDX-License-Identifier: Apache-2.0 */
/* dm-verity through the device-mapper ioctls on /dev/mapper/control
   (kernel include/uapi/linux/dm-ioctl.h; the table as cryptsetup's
   get_dm_verity_params), and the check that a mounted layer's device still
   has that table live and no other loaded (DM_TABLE_STATUS: a root caller
   can reload a dm device under a mount).  This machine has no
   device-mapper: tests/verity/dm.sh runs this code against an LD_PRELOAD
   stand-in for the control device that checks every request the way
   drivers/md/dm-ioctl.c does, and test_verity_dm checks the table line
   against veritysetup's. */
#include "verity/internal.h"

#include "common/cleanup.h"
#include "common/io.h"
#include "common/strbuf.h"
#include "common/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/dm-ioctl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#define DM_CONTROL "/dev/mapper/control"

bool
verity_dm_available (void)
{
  return access (DM_CONTROL, F_OK) == 0;
}

/* One ioctl buffer: struct dm_ioctl, then (for TABLE_LOAD) one target spec
   and its NUL-terminated parameter string, 8-byte aligned. */
static struct dm_ioctl *
dm_buffer (const char *name, const char *params, size_t *size)
{
  size_t plen = params ? strlen (params) + 1 : 0;
  size_t len = sizeof (struct dm_ioctl) + (params ? sizeof (struct dm_target_spec) + plen : 0);
  len = (len + 7) & ~(size_t)7;
  if (len < 16384)
    len = 16384; /* room for the kernel's answers */
  struct dm_ioctl *io = xzalloc (len);
  io->version[0] = DM_VERSION_MAJOR;
  io->version[1] = 0;
  io->version[2] = 0;
  io->data_size = (uint32_t)len;
  io->data_start = sizeof (struct dm_ioctl);
  snprintf (io->name, sizeof io->name, "%s", name);
  *size = len;
  return io;
}

/* dm_ioctl.dev is the kernel's huge_encode_dev form: minor low byte,
   major, then the rest of the minor (include/linux/kdev_t.h). */
static dev_t
dm_decode_dev (uint64_t dev)
{
  return makedev ((unsigned)((dev >> 8) & 0xfff),
                  (unsigned)((dev & 0xff) | ((dev >> 12) & 0xfff00)));
}

static int
dm_ioctl_call (int ctl, unsigned long cmd, struct dm_ioctl *io, const char *what, const char *name,
               parma_error_t *err)
{
  if (ioctl (ctl, cmd, io) < 0)
    return parma_error_make (err, errno, "device-mapper %s `%s`", what, name);
  return 0;
}

char *
verity_dm_table (const char *data_dev, const char *hash_dev, const struct verity_params *p,
                 const struct verity_geometry *g, const char *root_hex)
{
  cleanup_free char *salt = p->salt_size ? hex_encode (p->salt, p->salt_size) : xstrdup ("-");
  /* <type> <data> <hash> <dbs> <hbs> <blocks> <hash_start> <alg> <root> <salt> */
  return xasprintf ("%u %s %s %u %u %llu %llu %s %s %s", p->hash_type, data_dev, hash_dev,
                    p->data_block_size, p->hash_block_size, (unsigned long long)p->data_blocks,
                    (unsigned long long)g->hash_start, p->hash_name, root_hex, salt);
}

/* The kernel's interface must be version 4 (the only one there has been):
   DM_VERSION answers with its version in the buffer. */
static int
dm_check_version (int ctl, parma_error_t *err)
{
  size_t size;
  cleanup_free struct dm_ioctl *io = dm_buffer ("", NULL, &size);
  if (dm_ioctl_call (ctl, DM_VERSION, io, "version", "control", err) < 0)
    return -1;
  if (io->version[0] != DM_VERSION_MAJOR)
    return parma_error_make (err, ENOTSUP, "device-mapper interface %u.%u.%u, need %u.x",
                             io->version[0], io->version[1], io->version[2], DM_VERSION_MAJOR);
  return 0;
}

int
verity_dm_create (const char *name, const char *data_dev, const char *hash_dev,
                  const struct verity_params *p, const char *root_hex, dev_t *dev,
                  parma_error_t *err)
{
  struct verity_geometry g;
  if (verity_geometry (p, &g, err) < 0)
    return -1;
  if (strlen (name) >= DM_NAME_LEN)
    return parma_error_make (err, EINVAL, "device-mapper name `%s` too long", name);
  cleanup_close int ctl = open (DM_CONTROL, O_RDWR | O_CLOEXEC);
  if (ctl < 0)
    return parma_error_make (err, errno, "open " DM_CONTROL);
  if (dm_check_version (ctl, err) < 0)
    return -1;
  cleanup_free char *table = verity_dm_table (data_dev, hash_dev, p, &g, root_hex);
  size_t size;
  cleanup_free struct dm_ioctl *io = dm_buffer (name, NULL, &size);
  io->flags = DM_READONLY_FLAG;
  /* A uuid marks the device as parma's for anyone listing dm devices. */
  snprintf (io->uuid, sizeof io->uuid, "PARMA-VERITY-%s", name);
  if (dm_ioctl_call (ctl, DM_DEV_CREATE, io, "create", name, err) < 0)
    return -1;
  free (io);
  io = dm_buffer (name, table, &size);
  io->flags = DM_READONLY_FLAG;
  io->target_count = 1;
  struct dm_target_spec *t = (struct dm_target_spec *)((char *)io + io->data_start);
  t->sector_start = 0;
  t->length = p->data_blocks * (p->data_block_size / 512);
  snprintf (t->target_type, sizeof t->target_type, "verity");
  strcpy ((char *)(t + 1), table);
  t->next = 0;
  if (dm_ioctl_call (ctl, DM_TABLE_LOAD, io, "load table", name, err) < 0)
    goto undo;
  free (io);
  io = dm_buffer (name, NULL, &size);
  /* DM_DEV_SUSPEND without DM_SUSPEND_FLAG resumes: the table goes live. */
  if (dm_ioctl_call (ctl, DM_DEV_SUSPEND, io, "resume", name, err) < 0)
    goto undo;
  *dev = dm_decode_dev (io->dev);
  return 0;
undo:
  {
    parma_error_t ignored = NULL;
    verity_dm_remove (name, &ignored);
    parma_error_release (&ignored);
  }
  return -1;
}

int
verity_dm_remove (const char *name, parma_error_t *err)
{
  cleanup_close int ctl = open (DM_CONTROL, O_RDWR | O_CLOEXEC);
  if (ctl < 0)
    return parma_error_make (err, errno, "open " DM_CONTROL);
  size_t size;
  cleanup_free struct dm_ioctl *io = dm_buffer (name, NULL, &size);
  return dm_ioctl_call (ctl, DM_DEV_REMOVE, io, "remove", name, err);
}

char *
verity_dm_live_table (dev_t data, dev_t hash, const struct verity_params *p, const char *root_hex,
                      parma_error_t *err)
{
  struct verity_geometry g;
  if (verity_geometry (p, &g, err) < 0)
    return NULL;
  /* The kernel names a table's devices by number (format_dev_t). */
  cleanup_free char *d = xasprintf ("%u:%u", major (data), minor (data));
  cleanup_free char *h = xasprintf ("%u:%u", major (hash), minor (hash));
  cleanup_free char *params = verity_dm_table (d, h, p, &g, root_hex);
  return xasprintf ("0 %llu verity %s",
                    (unsigned long long)(p->data_blocks * (p->data_block_size / 512)), params);
}

/* The one target of DM_TABLE_STATUS's answer in `io` (`size` bytes) as
   "<start> <length> <type> <params>" in *out; the answer must be one whole
   target inside the buffer (drivers/md/dm-ioctl.c retrieve_status). */
static int
status_line (const struct dm_ioctl *io, size_t size, const char *name, char **out,
             parma_error_t *err)
{
  if (io->flags & DM_BUFFER_FULL_FLAG)
    return parma_error_make (
        err, EACCES, "dm-verity device `%s`: live table larger than one verity target", name);
  if (io->target_count != 1)
    return parma_error_make (err, EACCES,
                             "dm-verity device `%s`: live table has %u targets, not the one "
                             "verity target recorded",
                             name, io->target_count);
  if (io->data_start < sizeof *io || io->data_size > size
      || io->data_size < io->data_start + sizeof (struct dm_target_spec))
    return parma_error_make (err, EIO, "dm-verity device `%s`: malformed table status", name);
  const struct dm_target_spec *t = (const void *)((const char *)io + io->data_start);
  const char *params = (const char *)(t + 1);
  const char *end = (const char *)io + io->data_size;
  if (memchr (params, 0, (size_t)(end - params)) == NULL
      || memchr (t->target_type, 0, sizeof t->target_type) == NULL)
    return parma_error_make (err, EIO, "dm-verity device `%s`: malformed table status", name);
  *out = xasprintf ("%llu %llu %s %s", (unsigned long long)t->sector_start,
                    (unsigned long long)t->length, t->target_type, params);
  return 0;
}

int
verity_dm_check (const char *name, uint32_t dev_major, uint32_t dev_minor, const char *table,
                 parma_error_t *err)
{
  if (strlen (name) >= DM_NAME_LEN)
    return parma_error_make (err, EINVAL, "device-mapper name `%s` too long", name);
  cleanup_close int ctl = open (DM_CONTROL, O_RDWR | O_CLOEXEC);
  if (ctl < 0)
    return parma_error_make (err, errno,
                             "dm-verity device `%s`: open " DM_CONTROL " to check its table", name);
  size_t size;
  cleanup_free struct dm_ioctl *io = dm_buffer (name, NULL, &size);
  /* The table lines, not the targets' runtime status; by name only (the
     kernel refuses a name with a dev). */
  io->flags = DM_STATUS_TABLE_FLAG;
  if (ioctl (ctl, DM_TABLE_STATUS, io) < 0)
    return errno == ENXIO
               ? parma_error_make (err, EACCES, "dm-verity device `%s` is gone (removed)", name)
               : parma_error_make (err, errno, "dm-verity device `%s`: table status", name);
  dev_t dev = dm_decode_dev (io->dev);
  if (major (dev) != dev_major || minor (dev) != dev_minor)
    return parma_error_make (err, EACCES, "dm-verity device `%s` is %u:%u, not the recorded %u:%u",
                             name, major (dev), minor (dev), dev_major, dev_minor);
  cleanup_free char *uuid = xasprintf ("PARMA-VERITY-%s", name);
  if (memchr (io->uuid, 0, sizeof io->uuid) == NULL || strcmp (io->uuid, uuid) != 0)
    return parma_error_make (err, EACCES, "dm-verity device `%s` is not parma's (uuid)", name);
  /* A loaded, not yet resumed table goes live at the next resume, under
     the mounted filesystem: refuse it now. */
  if (io->flags & DM_INACTIVE_PRESENT_FLAG)
    return parma_error_make (err, EACCES,
                             "dm-verity device `%s` has an inactive table loaded "
                             "(a reload pending)",
                             name);
  if (!(io->flags & DM_ACTIVE_PRESENT_FLAG) || !(io->flags & DM_READONLY_FLAG))
    return parma_error_make (err, EACCES, "dm-verity device `%s`: no read-only live table", name);
  cleanup_free char *live = NULL;
  if (status_line (io, size, name, &live, err) < 0)
    return -1;
  if (strcmp (live, table) != 0)
    return parma_error_make (err, EACCES,
                             "dm-verity device `%s`: live table `%s` is not the "
                             "recorded `%s` (reloaded)",
                             name, live, table);
  return 0;
}
