/* SPDX-License-Identifier: Apache-2.0 */
/* mkimage: OCI layer tar -> reproducible squashfs (see verity/mkimage.c). */
#include "verity/cli/cli.h"

int
verb_mkimage (struct cli_opts *o, parma_error_t *err)
{
  return verity_mkimage (o->args[0], o->args[1], o->tar2sqfs, err);
}
