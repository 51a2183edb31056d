/* MOCK, loudly: a stand-in for /dev/mapper/control, for tests/verity/dm.sh.
   This machine has no device-mapper, so this LD_PRELOAD shim redirects
   access()/open() of /dev/mapper/control (only) to the regular file
   $FAKE_DM_CONTROL and answers the ioctls libverity's dm.c sends on it,
   checking each request the way drivers/md/dm-ioctl.c does:
     DM_VERSION      interface major 4; answers 4.48.0
     DM_DEV_CREATE   name/uuid NUL-terminated in their fields, no '/'
     DM_TABLE_LOAD   populate_table()'s rules: target_count, data_start
                     and the spec inside data_size, params NUL-terminated
                     inside the buffer; then the verity target line.  The
                     table goes to the inactive slot (hc->new_map)
     DM_DEV_SUSPEND  resume: the inactive table, if any, goes live (the
                     device keeps its dev_t); answers the device
     DM_TABLE_STATUS by name (a dev with a name: ENXIO); __dev_status's
                     flags (ACTIVE/INACTIVE_PRESENT, READONLY, SUSPEND),
                     dev and uuid; then retrieve_status: the live (or with
                     DM_QUERY_INACTIVE_TABLE_FLAG the inactive) table as
                     dm_target_spec + line at the 8-aligned data_start,
                     data_size = bytes used, DM_BUFFER_FULL_FLAG when the
                     caller's data_size is too small.  Table lines name
                     devices major:minor, as the kernel prints them
     DM_DEV_REMOVE   the name must exist
   The "kernel" here does not verify blocks on read.  Instead, at table
   load it runs the real veritysetup on the devices the table names with
   exactly the table's parameters (--no-superblock, --hash-offset =
   hash_start * hash block size, ...): a table line that does not describe
   the image veritysetup formatted, or a tampered image, fails there and
   the load is refused with EIO (real dm-verity would fail the reads).
   On the first resume the device handed back is the data loop device.
   The device (one) and its two table slots persist in
   $FAKE_DM_CONTROL.state, as the kernel's do across processes (open and
   close run in different ones).  One line per ioctl goes to $FAKE_DM_LOG.
   $FAKE_DM_MODE=fail-load makes DM_TABLE_LOAD fail (rollback test);
   =attacker loads what a root caller may: any one verity or linear
   target, read-write too, unchecked (the real kernel checks no hash at
   load), and allows suspend.
   Built with -DFAKE_DM_TOOL this file is also that root caller, a tool
   with the shim built in (always in attacker mode):
     fake-dm load NAME TYPE SECTORS PARAMS [rw]   DM_TABLE_LOAD
     fake-dm resume NAME | suspend NAME           DM_DEV_SUSPEND
     fake-dm status NAME [inactive|small]         DM_TABLE_STATUS: prints
       "<flags> <dev> <count> <start> <len> <type> <params>" */
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

/* One table slot: a single target. */
struct slot
{
  int present, ro;
  unsigned long long length;
  char type[DM_MAX_TYPE_NAME];
  char params[8192];
};

static char dev_name[DM_NAME_LEN], dev_uuid[DM_UUID_LEN];
static int created, suspended;
static unsigned long long dm_dev; /* huge_encode_dev form, 0 until resumed */
static struct slot live, inactive;

static void
state_path (char *out, size_t len)
{
  snprintf (out, len, "%s.state", standin);
}

static void
save_slot (FILE *f, const struct slot *t)
{
  fprintf (f, "%d %d %llu %s %s\n", t->present, t->ro, t->length, t->present ? t->type : "-",
           t->present ? t->params : "-");
}

static void
save_state (void)
{
  char path[4200];
  state_path (path, sizeof path);
  FILE *f = fopen (path, "we");
  if (!f)
    return;
  fprintf (f, "%d %d %llu %s %s\n", created, suspended, dm_dev, created ? dev_name : "-",
           created && dev_uuid[0] ? dev_uuid : "-");
  save_slot (f, &live);
  save_slot (f, &inactive);
  fclose (f);
}

static int
load_slot (FILE *f, struct slot *t)
{
  char line[8400];
  int n = 0;
  memset (t, 0, sizeof *t);
  if (!fgets (line, sizeof line, f))
    return -1;
  line[strcspn (line, "\n")] = 0;
  if (sscanf (line, "%d %d %llu %15s %n", &t->present, &t->ro, &t->length, t->type, &n) != 4)
    return -1;
  snprintf (t->params, sizeof t->params, "%s", line + n);
  return 0;
}

static void
load_state (void)
{
  char path[4200];
  state_path (path, sizeof path);
  FILE *f = fopen (path, "re");
  if (!f)
    return;
  if (fscanf (f, "%d %d %llu %127s %128s\n", &created, &suspended, &dm_dev, dev_name, dev_uuid)
          != 5
      || load_slot (f, &live) < 0 || load_slot (f, &inactive) < 0)
    {
      created = suspended = 0;
      memset (&live, 0, sizeof live);
      memset (&inactive, 0, sizeof inactive);
    }
  if (strcmp (dev_uuid, "-") == 0)
    dev_uuid[0] = 0;
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

/* A device as the kernel prints it in a table: "major:minor". */
static int
devnum (const char *spec, char *out, size_t len)
{
  unsigned ma, mi;
  char tail;
  if (sscanf (spec, "%u:%u%c", &ma, &mi, &tail) == 2)
    {
      snprintf (out, len, "%u:%u", ma, mi);
      return 0;
    }
  struct stat st;
  if (stat (spec, &st) < 0 || !S_ISBLK (st.st_mode))
    return refuse ("table names no block device", ENXIO);
  snprintf (out, len, "%u:%u", major (st.st_rdev), minor (st.st_rdev));
  return 0;
}

/* The line as the target's status() prints it for STATUSTYPE_TABLE:
   dm-verity "<type> <data> <hash> ..." and linear "<dev> <offset>" with
   the devices by number (dm_get_device keeps "major:minor"). */
static int
kernel_form (const char *type, const char *params, char *out, size_t len)
{
  char f[3][4200];
  int n = 0;
  if (strcmp (type, "verity") == 0)
    {
      if (sscanf (params, "%4199s %4199s %4199s %n", f[0], f[1], f[2], &n) != 3)
        return refuse ("verity params: too few fields", EINVAL);
      char d[64], h[64];
      if (devnum (f[1], d, sizeof d) < 0 || devnum (f[2], h, sizeof h) < 0)
        return -1;
      snprintf (out, len, "%s %s %s %s", f[0], d, h, params + n);
      return 0;
    }
  if (sscanf (params, "%4199s %4199s%n", f[0], f[1], &n) != 2 || params[n] != 0)
    return refuse ("linear params: not <dev> <offset>", EINVAL);
  char d[64];
  if (devnum (f[0], d, sizeof d) < 0)
    return -1;
  snprintf (out, len, "%s %s", d, f[1]);
  return 0;
}

static int
table_load (struct dm_ioctl *io)
{
  const char *base = (const char *)io, *end = base + io->data_size;
  int attacker = strcmp (mode, "attacker") == 0;
  if (!(io->flags & DM_READONLY_FLAG) && !attacker)
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
      || (strcmp (t->target_type, "verity") != 0
          && !(attacker && strcmp (t->target_type, "linear") == 0)))
    return refuse ("target type is not verity", EINVAL);
  if (t->sector_start != 0)
    return refuse ("sector_start != 0", EINVAL);
  logf_ ("load %s: 0 %llu %s %s", io->name, (unsigned long long)t->length, t->target_type,
         params);
  if (strcmp (mode, "fail-load") == 0)
    return refuse ("fail-load mode", EINVAL);
  struct slot next = { .present = 1, .ro = !!(io->flags & DM_READONLY_FLAG), .length = t->length };
  snprintf (next.type, sizeof next.type, "%s", t->target_type);
  if (kernel_form (t->target_type, params, next.params, sizeof next.params) < 0)
    return -1;
  if (!attacker && verify_table (params, t->length) < 0)
    return -1;
  inactive = next;
  save_state ();
  io->flags |= DM_INACTIVE_PRESENT_FLAG;
  return 0;
}

/* __dev_status, then retrieve_status for DM_STATUS_TABLE_FLAG (the table
   line; without the flag a verity target reports "V", verified). */
static int
table_status (struct dm_ioctl *io)
{
  io->flags &= ~(DM_SUSPEND_FLAG | DM_READONLY_FLAG | DM_ACTIVE_PRESENT_FLAG
                 | DM_INACTIVE_PRESENT_FLAG | DM_BUFFER_FULL_FLAG);
  snprintf (io->uuid, sizeof io->uuid, "%s", dev_uuid);
  if (suspended)
    io->flags |= DM_SUSPEND_FLAG;
  if (live.present)
    io->flags |= DM_ACTIVE_PRESENT_FLAG;
  if (inactive.present)
    io->flags |= DM_INACTIVE_PRESENT_FLAG;
  io->dev = dm_dev;
  const struct slot *t = (io->flags & DM_QUERY_INACTIVE_TABLE_FLAG) ? &inactive : &live;
  io->target_count = 0;
  if (t->ro && t->present)
    io->flags |= DM_READONLY_FLAG;
  logf_ ("status %s", io->name);
  if (!t->present)
    return 0;
  uint32_t start = (sizeof *io + 7) & ~7u;
  io->target_count = 1;
  io->data_start = start;
  if (io->data_size < start)
    {
      io->flags |= DM_BUFFER_FULL_FLAG;
      return 0;
    }
  size_t len = io->data_size - start;
  char *out = (char *)io + start;
  if (len <= sizeof (struct dm_target_spec))
    {
      io->flags |= DM_BUFFER_FULL_FLAG;
      return 0;
    }
  struct dm_target_spec *spec = (struct dm_target_spec *)out;
  memset (spec, 0, sizeof *spec);
  spec->sector_start = 0;
  spec->length = t->length;
  snprintf (spec->target_type, sizeof spec->target_type, "%s", t->type);
  char *line = out + sizeof *spec;
  size_t remaining = len - sizeof *spec;
  const char *text = (io->flags & DM_STATUS_TABLE_FLAG) ? t->params
                     : strcmp (t->type, "verity") == 0 ? "V"
                                                       : "";
  snprintf (line, remaining, "%s", text);
  size_t l = strlen (line) + 1;
  if (l == remaining)
    {
      io->flags |= DM_BUFFER_FULL_FLAG;
      return 0;
    }
  io->data_size = (uint32_t)(start + sizeof *spec + l);
  spec->next = (uint32_t)((sizeof *spec + l + 7) & ~(size_t)7);
  return 0;
}

/* Resume: the inactive table goes live; the device keeps its number (the
   data device of the first table). */
static int
resume (struct dm_ioctl *io)
{
  if (inactive.present)
    {
      live = inactive;
      memset (&inactive, 0, sizeof inactive);
    }
  if (!live.present)
    return refuse ("resume without a table", EINVAL);
  if (dm_dev == 0)
    {
      unsigned ma, mi;
      const char *p = live.params;
      if (strcmp (live.type, "verity") == 0)
        p = strchr (p, ' ') ? strchr (p, ' ') + 1 : p;
      if (sscanf (p, "%u:%u", &ma, &mi) != 2)
        return refuse ("data device vanished", ENXIO);
      /* huge_encode_dev, as the kernel fills dm_ioctl.dev */
      dm_dev = (unsigned long long)((mi & 0xff) | (ma << 8) | ((unsigned long long)(mi & ~0xffu) << 12));
    }
  suspended = 0;
  save_state ();
  io->dev = dm_dev;
  io->flags &= ~(DM_SUSPEND_FLAG | DM_INACTIVE_PRESENT_FLAG);
  logf_ ("resume %s", io->name);
  return 0;
}

/* The name must exist and be given alone (__find_device_hash_cell). */
static int
find_by_name (struct dm_ioctl *io, const char *what)
{
  char why[64];
  snprintf (why, sizeof why, "%s: no such device", what);
  if (!created || io->uuid[0] || io->dev || strcmp (io->name, dev_name) != 0)
    return refuse (why, ENXIO);
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
  /* validate_params clears these before any command */
  if (io)
    io->flags &= ~DM_BUFFER_FULL_FLAG;
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
      snprintf (dev_uuid, sizeof dev_uuid, "%s", io->uuid);
      created = 1;
      suspended = 0;
      dm_dev = 0;
      memset (&live, 0, sizeof live);
      memset (&inactive, 0, sizeof inactive);
      save_state ();
      logf_ ("create %s uuid=%s flags=%s", io->name, io->uuid,
             (io->flags & DM_READONLY_FLAG) ? "ro" : "rw");
      return 0;
    case DM_TABLE_LOAD:
      if (check_header (io, "load") < 0 || find_by_name (io, "load") < 0)
        return -1;
      return table_load (io);
    case DM_TABLE_STATUS:
      if (check_header (io, "status") < 0 || find_by_name (io, "status") < 0)
        return -1;
      return table_status (io);
    case DM_DEV_SUSPEND:
      if (check_header (io, "suspend") < 0 || find_by_name (io, "resume") < 0)
        return -1;
      if (io->flags & DM_SUSPEND_FLAG)
        {
          if (strcmp (mode, "attacker") != 0)
            return refuse ("suspend (not resume) asked", EINVAL);
          suspended = 1;
          save_state ();
          logf_ ("suspend %s", io->name);
          return 0;
        }
      return resume (io);
    case DM_DEV_REMOVE:
      if (check_header (io, "remove") < 0 || find_by_name (io, "remove") < 0)
        return -1;
      created = suspended = 0;
      dm_dev = 0;
      memset (&live, 0, sizeof live);
      memset (&inactive, 0, sizeof inactive);
      save_state ();
      logf_ ("remove %s", io->name);
      return 0;
    default:
      logf_ ("REFUSED unknown ioctl 0x%lx", req);
      errno = ENOTTY;
      return -1;
    }
}

#ifdef FAKE_DM_TOOL
/* The root caller: the shim above is linked in, so its open() and ioctl()
   stand in for the kernel's here too. */
static struct dm_ioctl *
tool_buffer (const char *name, size_t size)
{
  struct dm_ioctl *io = calloc (1, size);
  if (!io)
    exit (1);
  io->version[0] = DM_VERSION_MAJOR;
  io->data_size = (uint32_t)size;
  io->data_start = sizeof *io;
  snprintf (io->name, sizeof io->name, "%s", name);
  return io;
}

int
main (int argc, char **argv)
{
  snprintf (mode, sizeof mode, "attacker");
  if (argc < 3)
    {
      fprintf (stderr, "usage: fake-dm load|resume|suspend|status NAME ...\n");
      return 2;
    }
  int ctl = open (CONTROL, O_RDWR | O_CLOEXEC);
  if (ctl < 0)
    {
      perror ("open " CONTROL);
      return 1;
    }
  const char *cmd = argv[1], *name = argv[2];
  size_t size = 16384;
  if (strcmp (cmd, "status") == 0 && argc > 3 && strcmp (argv[3], "small") == 0)
    size = sizeof (struct dm_ioctl) + sizeof (struct dm_target_spec) + 8;
  struct dm_ioctl *io = tool_buffer (name, size);
  unsigned long req;
  if (strcmp (cmd, "load") == 0 && argc >= 6)
    {
      req = DM_TABLE_LOAD;
      io->target_count = 1;
      io->flags = argc > 6 && strcmp (argv[6], "rw") == 0 ? 0 : DM_READONLY_FLAG;
      struct dm_target_spec *t = (struct dm_target_spec *)((char *)io + io->data_start);
      t->sector_start = 0;
      t->length = strtoull (argv[4], NULL, 10);
      snprintf (t->target_type, sizeof t->target_type, "%s", argv[3]);
      snprintf ((char *)(t + 1), size - sizeof *io - sizeof *t, "%s", argv[5]);
    }
  else if (strcmp (cmd, "resume") == 0 || strcmp (cmd, "suspend") == 0)
    {
      req = DM_DEV_SUSPEND;
      io->flags = strcmp (cmd, "suspend") == 0 ? DM_SUSPEND_FLAG : 0;
    }
  else if (strcmp (cmd, "status") == 0)
    {
      req = DM_TABLE_STATUS;
      io->flags = DM_STATUS_TABLE_FLAG;
      if (argc > 3 && strcmp (argv[3], "inactive") == 0)
        io->flags |= DM_QUERY_INACTIVE_TABLE_FLAG;
    }
  else
    {
      fprintf (stderr, "fake-dm: bad command\n");
      return 2;
    }
  if (ioctl (ctl, req, io) < 0)
    {
      perror (cmd);
      return 1;
    }
  if (req == DM_TABLE_STATUS)
    {
      printf ("%s%s%s%s%s %llu %u", (io->flags & DM_ACTIVE_PRESENT_FLAG) ? "A" : "-",
              (io->flags & DM_INACTIVE_PRESENT_FLAG) ? "I" : "-",
              (io->flags & DM_READONLY_FLAG) ? "R" : "-", (io->flags & DM_SUSPEND_FLAG) ? "S" : "-",
              (io->flags & DM_BUFFER_FULL_FLAG) ? "F" : "-", (unsigned long long)io->dev,
              io->target_count);
      if (io->target_count == 1 && !(io->flags & DM_BUFFER_FULL_FLAG))
        {
          const struct dm_target_spec *t
              = (const void *)((const char *)io + io->data_start);
          printf (" %llu %llu %s %s", (unsigned long long)t->sector_start,
                  (unsigned long long)t->length, t->target_type, (const char *)(t + 1));
        }
      printf ("\n");
    }
  free (io);
  close (ctl);
  return 0;
}
#endif
