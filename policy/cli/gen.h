/* SPDX-License-Identifier: Apache-2.0 */
#ifndef PARMA_POLICY_CLI_GEN_H
#define PARMA_POLICY_CLI_GEN_H
#include <jansson.h>
#include <stdbool.h>
#include "common/error.h"
int gen_emit (json_t *doc, const char *out, parma_error_t *err);
/* gen --oci-layout DIR[:TAG] (gen_layout.c). */
int gen_oci_layout (const char *spec, const char *name, bool diff_ids_only, const char *out,
                    parma_error_t *err);
/* The container entry of image `ref` (a ref.name or io.containerd.image.name
   in DIR's index.json; NULL: the first) on runc's default spec: layers,
   command, env, working_dir, user; no name.  *image_config (if not NULL)
   receives the image config's "config" object (gen_layout.c). */
int gen_oci_image (const char *dir, const char *ref, bool diff_ids_only, json_t **out,
                   json_t **image_config, parma_error_t *err);
/* gen --pod MANIFEST.json --image NAME=DIR... (gen_pod.c). */
int gen_pod (int argc, char **argv, parma_error_t *err);
/* config.User -> numeric ids, names looked up in the layers (gen_user.c). */
int gen_resolve_user (const char *user, char *const *layer_paths, size_t n_layers, long *uid,
                      long *gid, parma_error_t *err);
static inline void
gen_json_decrefp (json_t **j)
{
  if (*j)
    json_decref (*j);
}
#define cleanup_json __attribute__ ((cleanup (gen_json_decrefp)))
#endif
