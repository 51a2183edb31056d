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
static inline void
gen_json_decrefp (json_t **j)
{
  if (*j)
    json_decref (*j);
}
#define cleanup_json __attribute__ ((cleanup (gen_json_decrefp)))
#endif
