/* SPDX-License-Identifier: Apache-2.0 */
/* Minimal TAP for unit tests (crun tests/tests_libcrun_errors.c style):
   each case returns 0 (pass), -1 (fail) or 77 (skip). */
#ifndef PARMA_TESTS_TAP_H
#define PARMA_TESTS_TAP_H

#include <stdio.h>
#include <string.h>

typedef int (*tap_case_fn) (void);
struct tap_case
{
  const char *name;
  tap_case_fn fn;
};

#define TAP_CHECK(cond)                                                                        \
  do                                                                                           \
    {                                                                                          \
      if (!(cond))                                                                             \
        {                                                                                      \
          fprintf (stderr, "# %s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);          \
          return -1;                                                                           \
        }                                                                                      \
    }                                                                                          \
  while (0)

#define TAP_CHECK_STR(a, b)                                                                    \
  do                                                                                           \
    {                                                                                          \
      const char *tap_a_ = (a), *tap_b_ = (b);                                                 \
      if (tap_a_ == NULL || tap_b_ == NULL || strcmp (tap_a_, tap_b_) != 0)                    \
        {                                                                                      \
          fprintf (stderr, "# %s:%d: `%s` != `%s`\n", __FILE__, __LINE__,                      \
                   tap_a_ ? tap_a_ : "(null)", tap_b_ ? tap_b_ : "(null)");                    \
          return -1;                                                                           \
        }                                                                                      \
    }                                                                                          \
  while (0)

static inline int
tap_run (const struct tap_case *cases, size_t n)
{
  int failed = 0;
  printf ("1..%zu\n", n);
  for (size_t i = 0; i < n; i++)
    {
      fflush (stdout);
      int r = cases[i].fn ();
      if (r == 0)
        printf ("ok %zu - %s\n", i + 1, cases[i].name);
      else if (r == 77)
        printf ("ok %zu - %s # SKIP\n", i + 1, cases[i].name);
      else
        {
          printf ("not ok %zu - %s\n", i + 1, cases[i].name);
          failed++;
        }
    }
  return failed ? 1 : 0;
}

#define TAP_MAIN(...)                                                                          \
  int main (void)                                                                              \
  {                                                                                            \
    static const struct tap_case cases_[] = { __VA_ARGS__ };                                   \
    return tap_run (cases_, sizeof cases_ / sizeof cases_[0]);                                 \
  }

#endif
