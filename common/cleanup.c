/* SPDX-License-Identifier: Apache-2.0 */
#include "cleanup.h"

#include <errno.h>
#include <unistd.h>

void
parma_cleanup_freep (void *p)
{
  void **pp = (void **) p;
  free (*pp);
  *pp = NULL;
}

void
parma_cleanup_closep (int *fd)
{
  if (*fd >= 0)
    {
      int saved = errno;
      close (*fd);
      errno = saved;
    }
  *fd = -1;
}

void
parma_cleanup_fclosep (FILE **f)
{
  if (*f)
    fclose (*f);
  *f = NULL;
}

void
strv_free (char **v)
{
  if (v == NULL)
    return;
  for (char **p = v; *p; p++)
    free (*p);
  free (v);
}

size_t
strv_len (char *const *v)
{
  size_t n = 0;
  while (v && v[n])
    n++;
  return n;
}

void
parma_cleanup_strvp (char ***v)
{
  strv_free (*v);
  *v = NULL;
}

void
parma_cleanup_errorp (parma_error_t *e)
{
  parma_error_release (e);
}
