/* SPDX-License-Identifier: Apache-2.0 */
/* bench-noop: a delegate that does nothing, linked statically when the
   toolchain can.  With it as parma-runc's delegate, a call times
   parma-runc's own work (start-up, configuration, state, decision) and one
   execve of a program that costs almost nothing. */
int main (void);

int
main (void)
{
  return 0;
}
