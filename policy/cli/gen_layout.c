/* SPDX-License-Identifier: Apache-2.0 */
/* gen --oci-layout DIR[:TAG]: reads an OCI image layout (index.json, the
   manifest, the config and every layer), checks each blob against its
   digest, decompresses each layer (gzip, zstd or plain, through
   libarchive) and checks it against the config's diff_id.  Command, env,
   working directory and user (names resolved in the image's own
   /etc/passwd and /etc/group, gen_user.c) come from the image config;
   everything else
   from runc's default spec (what `runc spec` and engines start from).
   Layers are recorded as {root_hash, data_blocks}: the dm-verity root hash
   (sha256, 4096-byte blocks, no salt) and the size in 4096-byte blocks of
   the reproducible squashfs image verity_mkimage() makes from each
   uncompressed layer, i.e. what `parma-verity` activates at run time; with
   --diff-ids, as diff_ids (SHA-256 of the uncompressed tar) instead.
   Either way the diff_id is checked against the image config. */
#include "common/cleanup.h"
#include "common/io.h"
#include "common/xalloc.h"
#include "policy/cli/cli.h"
#include "policy/cli/gen.h"
#include "verity/verity.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_META (4u << 20)

static const char runc_defaults[]
    = "{\"mounts\":["
      "{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"},"
      "{\"destination\":\"/dev\",\"type\":\"tmpfs\",\"source\":\"tmpfs\",\"options\":[\"nosuid\",\"strictatime\",\"mode=755\",\"size=65536k\"]},"
      "{\"destination\":\"/dev/pts\",\"type\":\"devpts\",\"source\":\"devpts\",\"options\":[\"nosuid\",\"noexec\",\"newinstance\",\"ptmxmode=0666\",\"mode=0620\",\"gid=5\"]},"
      "{\"destination\":\"/dev/shm\",\"type\":\"tmpfs\",\"source\":\"shm\",\"options\":[\"nosuid\",\"noexec\",\"nodev\",\"mode=1777\",\"size=65536k\"]},"
      "{\"destination\":\"/dev/mqueue\",\"type\":\"mqueue\",\"source\":\"mqueue\",\"options\":[\"nosuid\",\"noexec\",\"nodev\"]},"
      "{\"destination\":\"/sys\",\"type\":\"sysfs\",\"source\":\"sysfs\",\"options\":[\"nosuid\",\"noexec\",\"nodev\",\"ro\"]},"
      "{\"destination\":\"/sys/fs/cgroup\",\"type\":\"cgroup\",\"source\":\"cgroup\",\"options\":[\"nosuid\",\"noexec\",\"nodev\",\"relatime\",\"ro\"]}],"
      "\"capabilities\":{\"bounding\":[\"CAP_AUDIT_WRITE\",\"CAP_KILL\",\"CAP_NET_BIND_SERVICE\"],"
      "\"effective\":[\"CAP_AUDIT_WRITE\",\"CAP_KILL\",\"CAP_NET_BIND_SERVICE\"],"
      "\"permitted\":[\"CAP_AUDIT_WRITE\",\"CAP_KILL\",\"CAP_NET_BIND_SERVICE\"],"
      "\"ambient\":[\"CAP_AUDIT_WRITE\",\"CAP_KILL\",\"CAP_NET_BIND_SERVICE\"]},"
      "\"namespaces\":[\"pid\",\"network\",\"ipc\",\"uts\",\"mount\"],"
      "\"masked_paths\":[\"/proc/acpi\",\"/proc/asound\",\"/proc/kcore\",\"/proc/keys\",\"/proc/latency_stats\","
      "\"/proc/timer_list\",\"/proc/timer_stats\",\"/proc/sched_debug\",\"/sys/firmware\",\"/proc/scsi\"],"
      "\"readonly_paths\":[\"/proc/bus\",\"/proc/fs\",\"/proc/irq\",\"/proc/sys\",\"/proc/sysrq-trigger\"],"
      "\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"hard\":1024,\"soft\":1024}],"
      "\"no_new_privileges\":true,\"signals\":[15,9]}";

/* "sha256:<hex>" -> path of the blob; refuses anything else. */
static int
blob_path (const char *dir, const char *digest, char **out, parma_error_t *err)
{
  if (digest == NULL || strncmp (digest, "sha256:", 7) != 0 || strlen (digest) != 71
      || strspn (digest + 7, "0123456789abcdef") != 64)
    return parma_error_make (err, EINVAL, "oci-layout: unsupported digest `%s`",
                             digest ? digest : "(none)");
  *out = xasprintf ("%s/blobs/sha256/%s", dir, digest + 7);
  return 0;
}

static int
check_digest (const uint8_t *buf, size_t len, const char *digest, parma_error_t *err)
{
  uint8_t d[32];
  SHA256 (buf, len, d);
  cleanup_free char *hex = hex_encode (d, 32);
  if (CRYPTO_memcmp (hex, digest + 7, 64) != 0)
    return parma_error_make (err, EFAULT, "oci-layout: blob %s has digest sha256:%s", digest, hex);
  return 0;
}

/* Reads a small JSON blob and checks its digest. */
static int
read_json_blob (const char *dir, const char *digest, json_t **out, parma_error_t *err)
{
  cleanup_free char *path = NULL;
  if (blob_path (dir, digest, &path, err) < 0)
    return -1;
  cleanup_free char *buf = NULL;
  size_t len;
  if (read_file_at (AT_FDCWD, path, MAX_META, &buf, &len, err) < 0
      || check_digest ((uint8_t *) buf, len, digest, err) < 0)
    return -1;
  json_error_t je;
  *out = json_loadb (buf, len, JSON_REJECT_DUPLICATES, &je);
  if (*out == NULL)
    return parma_error_make (err, EINVAL, "oci-layout: %s: %s", digest, je.text);
  return 0;
}

/* SHA-256 of the decompressed layer (its diff_id), through libarchive's
   "raw" format so gzip, zstd and plain tar all work. */
static int
layer_diff_id (const char *dir, const char *digest, int tar_fd, char **hex_out,
               parma_error_t *err)
{
  cleanup_free char *path = NULL;
  if (blob_path (dir, digest, &path, err) < 0)
    return -1;
  struct archive *a = archive_read_new ();
  archive_read_support_filter_all (a);
  archive_read_support_format_raw (a);
  struct archive_entry *e;
  int ret = 0;
  EVP_MD_CTX *md = EVP_MD_CTX_new ();
  if (archive_read_open_filename (a, path, 1 << 16) != ARCHIVE_OK
      || archive_read_next_header (a, &e) != ARCHIVE_OK)
    ret = parma_error_make (err, EIO, "oci-layout: layer %s: %s", digest, archive_error_string (a));
  EVP_DigestInit_ex (md, EVP_sha256 (), NULL);
  char buf[1 << 16];
  for (ssize_t n; ret == 0 && (n = archive_read_data (a, buf, sizeof buf)) != 0;)
    {
      if (n < 0)
        ret = parma_error_make (err, EIO, "oci-layout: layer %s: %s", digest,
                                archive_error_string (a));
      else
        {
          EVP_DigestUpdate (md, buf, (size_t) n);
          if (tar_fd >= 0 && write_all_fd (tar_fd, buf, (size_t) n, err) < 0)
            ret = -1;
        }
    }
  uint8_t d[32];
  unsigned dl = 0;
  EVP_DigestFinal_ex (md, d, &dl);
  EVP_MD_CTX_free (md);
  archive_read_free (a);
  if (ret < 0)
    return ret;
  *hex_out = hex_encode (d, 32);
  return 0;
}

/* Root hash and data block count of the verity image of the uncompressed
   layer in tar_path.  Both go into the policy: a root hash alone also names
   shorter images made of the tree's inner levels (parma-policy(5), layers). */
static int
layer_root_hash (const char *tmpdir, const char *tar_path, size_t i, char **hex_out,
                 uint64_t *data_blocks, parma_error_t *err)
{
  cleanup_free char *img = xasprintf ("%s/layer%zu.img", tmpdir, i);
  if (verity_mkimage (tar_path, img, NULL, err) < 0)
    {
      unlink (img);
      return parma_error_wrap (err, "oci-layout: layer %zu: image", i);
    }
  /* parma's layer convention (verity_params_init_layer): the runtime opens
     layers with these same parameters, so the roots must be computed so. */
  struct stat st;
  if (stat (img, &st) < 0 || st.st_size <= 0 || st.st_size % 4096 != 0)
    {
      unlink (img);
      return parma_error_make (err, EINVAL, "oci-layout: layer %zu: image size is not a multiple of 4096", i);
    }
  struct verity_params vp;
  verity_params_init_layer (&vp, (uint64_t) st.st_size);
  uint8_t root[VERITY_MAX_DIGEST];
  size_t rl = 0;
  int ret = verity_root_hash (img, &vp, root, &rl, err);
  unlink (img);
  if (ret < 0)
    return parma_error_wrap (err, "oci-layout: layer %zu: root hash", i);
  *hex_out = hex_encode (root, rl);
  *data_blocks = (uint64_t) st.st_size / 4096;
  return 0;
}

static void
remove_tmpdir (char **dir)
{
  if (*dir)
    {
      rmdir (*dir);
      free (*dir);
    }
}

int
gen_oci_layout (const char *spec, const char *name, bool diff_ids_only, const char *out,
                parma_error_t *err)
{
  cleanup_free char *dir = xstrdup (spec);
  char *tag = strrchr (dir, ':');
  if (tag)
    *tag++ = '\0';
  cleanup_json json_t *c = NULL;
  if (gen_oci_image (dir, tag, diff_ids_only, &c, NULL, err) < 0)
    return -1;
  json_object_set_new (c, "name", json_string (name ? name : (tag ? tag : "image")));
  cleanup_json json_t *doc = json_pack ("{s:i,s:[O]}", "version", 1, "containers", c);
  return gen_emit (doc, out, err);
}

int
gen_oci_image (const char *dir, const char *tag, bool diff_ids_only, json_t **out,
               json_t **image_config, parma_error_t *err)
{
  cleanup_free char *ipath = xasprintf ("%s/index.json", dir);
  cleanup_free char *ibuf = NULL;
  size_t ilen;
  if (read_file_at (AT_FDCWD, ipath, MAX_META, &ibuf, &ilen, err) < 0)
    return -1;
  json_error_t je;
  cleanup_json json_t *index = json_loadb (ibuf, ilen, JSON_REJECT_DUPLICATES, &je);
  json_t *ms = index ? json_object_get (index, "manifests") : NULL;
  if (!json_is_array (ms) || json_array_size (ms) == 0)
    return parma_error_make (err, EINVAL, "oci-layout: %s: no manifests", ipath);
  json_t *pick = NULL;
  for (size_t i = 0; i < json_array_size (ms) && pick == NULL; i++)
    {
      json_t *m = json_array_get (ms, i);
      json_t *ann = json_object_get (m, "annotations");
      const char *ref = json_string_value (json_object_get (ann, "org.opencontainers.image.ref.name"));
      /* containerd's import/export name (a full reference, tag included) */
      const char *cname = json_string_value (json_object_get (ann, "io.containerd.image.name"));
      if (tag == NULL || (ref && strcmp (ref, tag) == 0) || (cname && strcmp (cname, tag) == 0))
        pick = m;
    }
  if (pick == NULL)
    return parma_error_make (err, EINVAL, "oci-layout: no manifest tagged `%s`", tag);
  cleanup_json json_t *manifest = NULL;
  cleanup_json json_t *config = NULL;
  if (read_json_blob (dir, json_string_value (json_object_get (pick, "digest")), &manifest, err) < 0
      || read_json_blob (dir, json_string_value (json_object_get (json_object_get (manifest, "config"), "digest")),
                         &config, err) < 0)
    return -1;
  json_t *layers = json_object_get (manifest, "layers");
  json_t *diff_ids = json_object_get (json_object_get (config, "rootfs"), "diff_ids");
  if (!json_is_array (layers) || !json_is_array (diff_ids)
      || json_array_size (layers) != json_array_size (diff_ids))
    return parma_error_make (err, EINVAL, "oci-layout: manifest layers and config diff_ids differ");
  json_error_t je2;
  cleanup_json json_t *c = json_loads (runc_defaults, 0, &je2);
  __attribute__ ((cleanup (remove_tmpdir))) char *tmpdir = NULL;
  if (!diff_ids_only)
    {
      const char *t = getenv ("TMPDIR");
      tmpdir = xasprintf ("%s/parma-policy-gen.XXXXXX", t && t[0] ? t : "/tmp");
      if (mkdtemp (tmpdir) == NULL)
        {
          free (steal_pointer (&tmpdir));
          return parma_error_make (err, errno, "mkdtemp");
        }
    }
  json_t *lay = json_array ();
  json_object_set_new (c, "layers", lay);
  for (size_t i = 0; i < json_array_size (layers); i++)
    {
      const char *ld = json_string_value (json_object_get (json_array_get (layers, i), "digest"));
      const char *want = json_string_value (json_array_get (diff_ids, i));
      cleanup_free char *got = NULL;
      cleanup_free char *tar = diff_ids_only ? NULL : xasprintf ("%s/layer%zu.tar", tmpdir, i);
      cleanup_close int tfd = -1;
      if (tar && (tfd = open (tar, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0)
        return parma_error_make (err, errno, "open `%s`", tar);
      int ret = layer_diff_id (dir, ld, tfd, &got, err);
      if (ret == 0 && (want == NULL || strncmp (want, "sha256:", 7) != 0 || strcmp (want + 7, got) != 0))
        ret = parma_error_make (err, EFAULT, "oci-layout: layer %zu: diff_id sha256:%s, config says %s",
                                i, got, want ? want : "(none)");
      cleanup_free char *root = NULL;
      uint64_t blocks = 0;
      if (ret == 0 && tar)
        ret = layer_root_hash (tmpdir, tar, i, &root, &blocks, err);
      if (tar)
        unlink (tar);
      if (ret < 0)
        return -1;
      if (root)
        json_array_append_new (lay, json_pack ("{s:s, s:I}", "root_hash", root, "data_blocks",
                                               (json_int_t) blocks));
      else
        json_array_append_new (lay, json_string (got));
    }
  json_t *cc = json_object_get (config, "config");
  json_t *cmd = json_array ();
  json_t *ep = json_object_get (cc, "Entrypoint"), *cm = json_object_get (cc, "Cmd");
  if (json_is_array (ep))
    json_array_extend (cmd, ep);
  if (json_is_array (cm))
    json_array_extend (cmd, cm);
  if (json_array_size (cmd) == 0)
    {
      json_decref (cmd);
      return parma_error_make (err, EINVAL, "oci-layout: image config has no Entrypoint or Cmd");
    }
  json_object_set_new (c, "command", cmd);
  json_t *env = json_array ();
  json_t *ie = json_object_get (cc, "Env");
  for (size_t i = 0; i < json_array_size (ie); i++)
    json_array_append_new (env, json_pack ("{s:O,s:b}", "pattern", json_array_get (ie, i), "required", 1));
  json_object_set_new (c, "env_rules", env);
  const char *wd = json_string_value (json_object_get (cc, "WorkingDir"));
  json_object_set_new (c, "working_dir", json_string (wd && wd[0] ? wd : "/"));
  cleanup_strv char **paths = xcalloc (json_array_size (layers) + 1, sizeof *paths);
  for (size_t i = 0; i < json_array_size (layers); i++)
    if (blob_path (dir, json_string_value (json_object_get (json_array_get (layers, i), "digest")),
                   &paths[i], err) < 0)
      return -1;
  long uid, gid;
  if (gen_resolve_user (json_string_value (json_object_get (cc, "User")), paths,
                        json_array_size (layers), &uid, &gid, err) < 0)
    return -1;
  json_object_set_new (c, "user", json_pack ("{s:I,s:I}", "uid", (json_int_t) uid, "gid",
                                             (json_int_t) gid));
  if (image_config)
    *image_config = json_is_object (cc) ? json_incref (cc) : json_object ();
  *out = steal_pointer (&c);
  return 0;
}
