/* SPDX-License-Identifier: Apache-2.0 */
/* Named step points for crash-consistency tests (tests/reliability/crash.sh).

   Every call passes a sequence of named steps between the points where it
   changes parma's state ("state-locked", "sealed-config", "admitted",
   "exec-delegate", ...).  With PARMA_CRASH_AT in the environment:
     PARMA_CRASH_AT=list    prints "parma-runc: step <n> <name>" on stderr at
                            each step (n counts from 1);
     PARMA_CRASH_AT=<n>     SIGKILLs the process at the n-th step;
     PARMA_CRASH_AT=<name>  SIGKILLs it at the first step of that name.
   Honouring this from an environment the caller controls gives the caller
   nothing it does not have already: whoever starts parma-runc can SIGKILL
   it at any instant, and must not be able to leave half a state behind.
   The hook only makes those instants reproducible; it never changes a
   decision, writes nothing, and costs one getenv per step otherwise. */
#ifndef PARMA_RUNTIME_CRASHPOINT_H
#define PARMA_RUNTIME_CRASHPOINT_H

#define PARMA_CRASH_ENV "PARMA_CRASH_AT"

void parma_step (const char *name);

#endif
