/* SPDX-License-Identifier: Apache-2.0 */
/* Scope-bound ownership (crun utils.h, bubblewrap utils.h).  Every owned
   local carries a cleanup attribute and an initializer; ownership leaves
   with steal_pointer() or `ret = fd; fd = -1;`.  Foreign types (json_t,
   yajl, X509, ...) get their macro in the room that uses them. */
#ifndef PARMA_COMMON_CLEANUP_H
#define PARMA_COMMON_CLEANUP_H

#include <stdio.h>
#include <stdlib.h>

#include "error.h"

void parma_cleanup_freep (void *p);
void parma_cleanup_closep (int *fd);
void parma_cleanup_fclosep (FILE **f);
void parma_cleanup_strvp (char ***v);
void parma_cleanup_errorp (parma_error_t *e);

#define cleanup_free __attribute__ ((cleanup (parma_cleanup_freep)))
#define cleanup_close __attribute__ ((cleanup (parma_cleanup_closep)))
#define cleanup_file __attribute__ ((cleanup (parma_cleanup_fclosep)))
#define cleanup_strv __attribute__ ((cleanup (parma_cleanup_strvp)))
#define cleanup_error __attribute__ ((cleanup (parma_cleanup_errorp)))

static inline void *
parma_steal_pointer (void *pp)
{
  void **p = (void **) pp;
  void *ret = *p;
  *p = NULL;
  return ret;
}
#define steal_pointer(pp) parma_steal_pointer (pp)

/* Free a NULL-terminated vector of strings. */
void strv_free (char **v);
size_t strv_len (char *const *v);

#endif
