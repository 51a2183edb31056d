/* SPDX-License-Identifier: Apache-2.0 */
/* bench-execwrap PROGRAM ARG...: the floor of any front end that execs its
   delegate.  Linked statically (when the toolchain can) so that it pays
   only one extra execve, no dynamic loading: the part of parma-runc's
   overhead that no amount of tuning inside parma-runc can remove. */
#include <stdio.h>
#include <unistd.h>

int
main (int argc, char **argv)
{
  if (argc < 2)
    {
      fputs ("usage: bench-execwrap PROGRAM ARG...\n", stderr);
      return 2;
    }
  execv (argv[1], argv + 1);
  perror ("bench-execwrap: execv");
  return 127;
}
