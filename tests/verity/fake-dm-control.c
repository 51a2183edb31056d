/* MOCK, loudly: a stand-in for /dev/mapper/control, for tests/verity/dm.sh.
   This machine has no device-mapper, so this LD_PRELOAD shim redirects
   access()/open() of /dev/mapper/control (only) to the regular file
   $FAKE_DM_CONTROL and answers the five ioctls libverity's dm.c sends on
   it, checking each request the way drivers/md/dm-ioctl.c does:
     DM_VERSION      interface major 4; answers 4.48.0
     DM_DEV_CREATE   name/uuid NUL-terminated in their fields, no '/'
     DM_TABLE_LOAD   populate_table()'s rules: target_count, data_start
                     and the spec inside data_size, params NUL-terminated
                     inside the buffer; then the verity target line
     DM_DEV_SUSPEND  (resume) needs a loaded table; answers the device
     DM_DEV_REMOVE   the name must exist
   The "kernel" here does not verify blocks on read.  Instead, at table
   load it runs the real veritysetup on the devices the table names with
   exactly the table's parameters (--no-superblock, --hash-offset =
   hash_start * hash block size, ...): a table line that does not describe
   the image veritysetup formatted, or a tampered image, fails there and
   the load is refused with EIO (real dm-verity would fail the reads).
   On resume the device handed back is the data loop device itself.
   The device table (one device) persists in $FAKE_DM_CONTROL.state, as the
   kernel's does across processes (open and close run in different ones).
   One line per ioctl goes to $FAKE_DM_LOG.  $FAKE_DM_MODE=fail-load makes
   DM_TABLE_LOAD fail (rollback test). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/dm-ioctl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#define CONTROL "/dev/mapper/control"

static char standin[4096], log_path[4096], mode[64];
static char dev_name[DM_NAME_LEN], table[8192], data_dev[256];
static int created, loaded;

static void
state_path (char *out, size_t len)
{
  snprintf (out, len, "%s.state", standin);
}

static void
save_state (void)
{
  char path[4200];
  state_path (path, sizeof path);
  FILE *f = fopen (path, "we");
  if (!f)
    return;
  fprintf (f, "%d %d %s %s\n", created, loaded, created ? dev_name : "-", loaded ? data_dev : "-");
  fclose (f);
}

static void
load_state (void)
{
  char path[4200];
  state_path (path, sizeof path);
  FILE *f = fopen (path, "re");
  if (!f)
    return;
  if (fscanf (f, "%d %d %127s %255s", &created, &loaded, dev_name, data_dev) != 4)
    created = loaded = 0;
  fclose (f);
}

__attribute__ ((constructor)) static void
init (void)
{
  snprintf (standin, sizeof standin, "%s", getenv ("FAKE_DM_CONTROL") ?: "");
  snprintf (log_path, sizeof log_path, "%s", getenv ("FAKE_DM_LOG") ?: "/dev/null");
  snprintf (mode, sizeof mode, "%s", getenv ("FAKE_DM_MODE") ?: "ok");
  unsetenv ("LD_PRELOAD"); /* children (veritysetup) run unshimmed */
  if (standin[0])
    load_state ();
}

static void
logf_ (const char *fmt, ...)
{
  FILE *f = fopen (log_path, "a");
  if (!f)
    return;
  va_list ap;
  va_start (ap, fmt);
  vfprintf (f, fmt, ap);
  va_end (ap);
  fputc ('\n', f);
  fclose (f);
}

int
access (const char *path, int how)
{
  static int (*real) (const char *, int);
  if (!real)
    real = (int (*) (const char *, int))dlsym (RTLD_NEXT, "access");
  return real (strcmp (path, CONTROL) == 0 && standin[0] ? standin : path, how);
}

static int
open_common (const char *sym, const char *path, int flags, mode_t m)
{
  int (*real) (const char *, int, ...) = (int (*) (const char *, int, ...))dlsym (RTLD_NEXT, sym);
  if (strcmp (path, CONTROL) == 0 && standin[0])
    {
      logf_ ("open %s", (flags & O_ACCMODE) == O_RDWR ? "rdwr" : "not-rdwr");
      path = standin;
    }
  return real (path, flags, m);
}

int
open (const char *path, int flags, ...)
{
  va_list ap;
  va_start (ap, flags);
  mode_t m = (flags & (O_CREAT | O_TMPFILE)) ? va_arg (ap, mode_t) : 0;
  va_end (ap);
  return open_common ("open", path, flags, m);
}

int
open64 (const char *path, int flags, ...)
{
  va_list ap;
  va_start (ap, flags);
  mode_t m = (flags & (O_CREAT | O_TMPFILE)) ? va_arg (ap, mode_t) : 0;
  va_end (ap);
  return open_common ("open64", path, flags, m);
}

static int
is_standin (int fd)
{
  char link[64], target[4096];
  snprintf (link, sizeof link, "/proc/self/fd/%d", fd);
  ssize_t n = readlink (link, target, sizeof target - 1);
  if (n < 0)
    return 0;
  target[n] = 0;
  return standin[0] && strcmp (target, standin) == 0;
}

static int
refuse (const char *what, int e)
{
  logf_ ("REFUSED %s", what);
  errno = e;
  return -1;
}

/* validate_params() and the header checks every command goes through. */
static int
check_header (struct dm_ioctl *io, const char *cmd)
{
  if (io->version[0] != DM_VERSION_MAJOR)
    return refuse ("version major", EINVAL);
  if (io->data_size < sizeof *io)
    return refuse ("data_size < sizeof (struct dm_ioctl)", EINVAL);
  if (strcmp (cmd, "version") == 0)
    return 0;
  if (memchr (io->name, 0, sizeof io->name) == NULL || memchr (io->uuid, 0, sizeof io->uuid) == NULL)
    return refuse ("name/uuid not NUL-terminated", EINVAL);
  if (io->name[0] == 0 || strchr (io->name, '/'))
    return refuse ("bad name", EINVAL);
  return 0;
}

/* The backing file of /dev/loopN, or "?" */
static void
backing_of (const char *dev, char *out, size_t len)
{
  snprintf (out, len, "?");
  const char *base = strrchr (dev, '/');
  char path[512];
  snprintf (path, sizeof path, "/sys/block/%s/loop/backing_file", base ? base + 1 : dev);
  FILE *f = fopen (path, "re");
  if (f && fgets (out, (int)len, f))
    out[strcspn (out, "\n")] = 0;
  if (f)
    fclose (f);
}

/* The table line checked by the real veritysetup with the same parameters. */
static int
verify_table (const char *params, uint64_t length)
{
  unsigned type, dbs, hbs;
  unsigned long long blocks, hash_start;
  char ddev[256], hdev[256], alg[32], root[256], salt[1024];
  int consumed = 0;
  if (sscanf (params, "%u %255s %255s %u %u %llu %llu %31s %255s %1023s%n", &type, ddev, hdev, &dbs,
              &hbs, &blocks, &hash_start, alg, root, salt, &consumed)
          != 10
      || params[consumed] != 0)
    return refuse ("verity params: not 10 fields", EINVAL);
  if (length != blocks * (dbs / 512))
    return refuse ("target length != data_blocks * data_block_size / 512", EINVAL);
  char dback[4096], hback[4096];
  backing_of (ddev, dback, sizeof dback);
  backing_of (hdev, hback, sizeof hback);
  logf_ ("backing %s %s", dback, hback);
  snprintf (data_dev, sizeof data_dev, "%s", ddev);
  char cmd[16384];
  snprintf (cmd, sizeof cmd,
            "veritysetup verify --no-superblock --format=%u --data-block-size=%u "
            "--hash-block-size=%u --data-blocks=%llu --hash-offset=%llu --hash=%s --salt=%s "
            "'%s' '%s' %s >/dev/null 2>&1",
            type, dbs, hbs, blocks, hash_start * hbs, alg, salt, ddev, hdev, root);
  int st = system (cmd);
  if (!WIFEXITED (st) || WEXITSTATUS (st) != 0)
    return refuse ("veritysetup verify rejects the table", EIO);
  logf_ ("veritysetup verify ok");
  return 0;
}

static int
table_load (struct dm_ioctl *io)
{
  const char *base = (const char *)io, *end = base + io->data_size;
  if (!(io->flags & DM_READONLY_FLAG))
    return refuse ("table load without DM_READONLY_FLAG", EINVAL);
  if (io->target_count != 1)
    return refuse ("target_count != 1", EINVAL);
  if (io->data_start < sizeof *io)
    return refuse ("data_start overlaps struct dm_ioctl", EINVAL);
  const struct dm_target_spec *t = (const void *)(base + io->data_start);
  if ((const char *)(t + 1) > end)
    return refuse ("target spec beyond data_size", EINVAL);
  const char *params = (const char *)(t + 1);
  if (memchr (params, 0, (size_t)(end - params)) == NULL)
    return refuse ("params not NUL-terminated", EINVAL);
  if (memchr (t->target_type, 0, sizeof t->target_type) == NULL
      || strcmp (t->target_type, "verity") != 0)
    return refuse ("target type is not verity", EINVAL);
  if (t->sector_start != 0)
    return refuse ("sector_start != 0", EINVAL);
  logf_ ("load %s: 0 %llu verity %s", io->name, (unsigned long long)t->length, params);
  if (strcmp (mode, "fail-load") == 0)
    return refuse ("fail-load mode", EINVAL);
  if (verify_table (params, t->length) < 0)
    return -1;
  snprintf (table, sizeof table, "%s", params);
  loaded = 1;
  save_state ();
  return 0;
}

int
ioctl (int fd, unsigned long req, ...)
{
  va_list ap;
  va_start (ap, req);
  void *arg = va_arg (ap, void *);
  va_end (ap);
  static int (*real) (int, unsigned long, ...);
  if (!real)
    real = (int (*) (int, unsigned long, ...))dlsym (RTLD_NEXT, "ioctl");
  if (!is_standin (fd))
    return real (fd, req, arg);
  struct dm_ioctl *io = arg;
  switch (req)
    {
    case DM_VERSION:
      if (check_header (io, "version") < 0)
        return -1;
      io->version[0] = 4, io->version[1] = 48, io->version[2] = 0;
      logf_ ("version");
      return 0;
    case DM_DEV_CREATE:
      if (check_header (io, "create") < 0)
        return -1;
      if (created)
        return refuse ("create: name exists", EBUSY);
      snprintf (dev_name, sizeof dev_name, "%s", io->name);
      created = 1;
      save_state ();
      logf_ ("create %s uuid=%s flags=%s", io->name, io->uuid,
             (io->flags & DM_READONLY_FLAG) ? "ro" : "rw");
      return 0;
    case DM_TABLE_LOAD:
      if (check_header (io, "load") < 0)
        return -1;
      if (!created || strcmp (io->name, dev_name) != 0)
        return refuse ("load: no such device", ENXIO);
      return table_load (io);
    case DM_DEV_SUSPEND:
      {
        if (check_header (io, "suspend") < 0)
          return -1;
        if (!created || strcmp (io->name, dev_name) != 0)
          return refuse ("resume: no such device", ENXIO);
        if (io->flags & DM_SUSPEND_FLAG)
          return refuse ("suspend (not resume) asked", EINVAL);
        if (!loaded)
          return refuse ("resume without a table", EINVAL);
        struct stat st;
        if (stat (data_dev, &st) < 0 || !S_ISBLK (st.st_mode))
          return refuse ("data device vanished", ENXIO);
        unsigned ma = major (st.st_rdev), mi = minor (st.st_rdev);
        /* huge_encode_dev, as the kernel fills dm_ioctl.dev */
        io->dev = (uint64_t)((mi & 0xff) | (ma << 8) | ((mi & ~0xffu) << 12));
        logf_ ("resume %s", io->name);
        return 0;
      }
    case DM_DEV_REMOVE:
      if (check_header (io, "remove") < 0)
        return -1;
      if (!created || strcmp (io->name, dev_name) != 0)
        return refuse ("remove: no such device", ENXIO);
      created = loaded = 0;
      save_state ();
      logf_ ("remove %s", io->name);
      return 0;
    default:
      logf_ ("REFUSED unknown ioctl 0x%lx", req);
      errno = ENOTTY;
      return -1;
    }
}
