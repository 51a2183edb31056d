/* SPDX-License-Identifier: Apache-2.0 */
/* The matcher: decides an OCI create or exec against the policy.  Pure (no
   I/O, clock or globals).  Candidates come from the indexes (exact command,
   placeholder commands); each candidate is checked rule by rule and every
   failed rule is recorded, so a denial names the closest entry and all of
   what differs (the anchors' top complaint is "which field failed?"). */
#include "common/cleanup.h"
#include "common/oci.h"
#include "common/xalloc.h"
#include "policy/internal.h"
#include "policy/match_rules.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void
policy_verdict_release (struct policy_verdict *v)
{
  if (v == NULL)
    return;
  for (size_t i = 0; i < v->n_failures; i++)
    free (v->failures[i].why);
  free (v->container_name);
  free (v->drop_env);
  memset (v, 0, sizeof *v);
  v->container_index = v->exec_index = POLICY_NO_CONTAINER;
}

void
verdict_fail (struct policy_verdict *v, const char *rule, const char *fmt, ...)
{
  if (v->n_failures >= POLICY_MAX_FAILURES)
    {
      v->n_dropped_failures++;
      return;
    }
  va_list ap;
  va_start (ap, fmt);
  cleanup_free char *why = xvasprintf (fmt, ap);
  v->failures[v->n_failures].rule = rule;
  /* Request values are quoted in here: one line each, always. */
  v->failures[v->n_failures].why = policy_escape_controls (why);
  v->n_failures++;
  va_end (ap);
}

static void
verdict_move (struct policy_verdict *dst, struct policy_verdict *src)
{
  policy_verdict_release (dst);
  *dst = *src;
  memset (src, 0, sizeof *src);
  src->container_index = src->exec_index = POLICY_NO_CONTAINER;
}

static int
deny_error (const struct policy_verdict *v, parma_error_t *err)
{
  if (v->n_failures == 0)
    return parma_error_make (err, 0, "containers: no container entry matches");
  cleanup_free char *name = policy_escape_controls (v->container_name ? v->container_name : "?");
  if (v->container_index == POLICY_NO_CONTAINER)
    return parma_error_make (err, 0, "%s: %s", v->failures[0].rule, v->failures[0].why);
  return parma_error_make (err, 0, "%s: %s (closest: containers[%zu] \"%s\"%s)",
                           v->failures[0].rule, v->failures[0].why, v->container_index, name,
                           v->n_failures > 1 ? ", and more" : "");
}

/* Adds candidate c (once) to the list. */
static void
add_candidate (size_t *list, size_t *n, size_t max, size_t c)
{
  for (size_t i = 0; i < *n; i++)
    if (list[i] == c)
      return;
  if (*n < max)
    list[(*n)++] = c;
}

static void
add_index (const struct policy_index_entry *idx, size_t n_idx, uint64_t key, size_t *list,
           size_t *n, size_t max, size_t n_containers)
{
  size_t first;
  size_t count = policy_index_find (idx, n_idx, key, &first);
  for (size_t i = 0; i < count; i++)
    if (idx[first + i].container < n_containers)
      add_candidate (list, n, max, idx[first + i].container);
}

#define MAX_CLOSEST 16

size_t
policy_candidates (const struct policy *p, const char *const *args, size_t n_args,
                   const struct policy_context *ctx, size_t **list, size_t *n_exact)
{
  /* Sized for every exact match (entries may share a command and differ
     only in layers), every placeholder entry and the closest-for-denial
     extras: one allocation per decision. */
  size_t first, n_cmd = policy_index_find (p->by_command, p->n_by_command,
                                           policy_key_strv (args, n_args), &first);
  size_t max = n_cmd + p->n_dynamic + 2 * MAX_CLOSEST + 1;
  size_t *cand = xmalloc (max * sizeof *cand), n_cand = 0;
  for (size_t i = 0; i < n_cmd; i++)
    if (p->by_command[first + i].container < p->n_containers)
      add_candidate (cand, &n_cand, max, p->by_command[first + i].container);
  for (size_t i = 0; i < p->n_dynamic; i++)
    if (p->dynamic[i] < p->n_containers)
      add_candidate (cand, &n_cand, max, p->dynamic[i]);
  /* Candidates in policy order: the first entry that admits wins, the
     same answer whatever the index looks like. */
  for (size_t i = 1; i < n_cand; i++)
    for (size_t j = i; j > 0 && cand[j - 1] > cand[j]; j--)
      {
        size_t t = cand[j];
        cand[j] = cand[j - 1];
        cand[j - 1] = t;
      }
  *n_exact = n_cand;
  /* For a denial: same layers, same argv[0] (up to MAX_CLOSEST each), else
     the first entry. */
  size_t lim = n_cand + MAX_CLOSEST;
  if (ctx->layers)
    add_index (p->by_layers, p->n_by_layers, policy_key_strv (ctx->layers, ctx->n_layers), cand,
               &n_cand, lim, p->n_containers);
  lim = n_cand + MAX_CLOSEST;
  add_index (p->by_argv0, p->n_by_argv0, policy_key_strv (args, 1), cand, &n_cand, lim,
             p->n_containers);
  if (n_cand == 0 && p->n_containers > 0)
    add_candidate (cand, &n_cand, max, 0);
  *list = cand;
  return n_cand;
}

int
policy_match_create (struct policy *p, const struct oci_config *cfg,
                     const struct policy_context *ctx, struct policy_verdict *out,
                     parma_error_t *err)
{
  static const struct policy_context no_ctx;
  if (ctx == NULL)
    ctx = &no_ctx;
  memset (out, 0, sizeof *out);
  out->container_index = out->exec_index = POLICY_NO_CONTAINER;
  if (p->switches[POLICY_OPEN_DOOR])
    {
      out->allowed = out->open_door = out->allow_stdio_access = true;
      return 0;
    }
  if (cfg->process == NULL || cfg->process->args == NULL || cfg->process->args[0] == NULL)
    {
      verdict_fail (out, "command", "the request has no process.args");
      return deny_error (out, err);
    }
  const char *const *args = (const char *const *) cfg->process->args;
  size_t n_args = strv_len (cfg->process->args);
  cleanup_free size_t *cand = NULL;
  size_t n_exact;
  size_t n_cand = policy_candidates (p, args, n_args, ctx, &cand, &n_exact);
  struct policy_verdict best = { .container_index = POLICY_NO_CONTAINER };
  struct policy_verdict cur;
  bool have_best = false;
  for (size_t pass = 0; pass < 2; pass++)
    {
      /* Pass 1 runs only when nothing admitted: the wider candidates
         explain the denial. */
      for (size_t k = pass == 0 ? 0 : n_exact; k < (pass == 0 ? n_exact : n_cand); k++)
        {
          struct policy_container *c;
          if (policy_get_container (p, cand[k], &c, err) < 0)
            {
              policy_verdict_release (&best);
              return -1;
            }
          memset (&cur, 0, sizeof cur);
          cur.exec_index = POLICY_NO_CONTAINER;
          cur.container_index = cand[k];
          if (check_container_create (c, cfg, ctx, p->switches, &cur, err) < 0)
            {
              policy_verdict_release (&cur);
              policy_verdict_release (&best);
              return -1;
            }
          if (cur.n_failures == 0)
            {
              cur.allowed = true;
              cur.allow_stdio_access = c->allow_stdio_access;
              cur.container_name = xstrdup (c->name);
              policy_verdict_release (&best);
              *out = cur;
              return 0;
            }
          if (!have_best || cur.n_failures + cur.n_dropped_failures
                                < best.n_failures + best.n_dropped_failures)
            {
              cur.container_name = xstrdup (c->name);
              verdict_move (&best, &cur);
              have_best = true;
            }
          else
            policy_verdict_release (&cur);
        }
    }
  if (!have_best)
    verdict_fail (&best, "containers", "the policy has no container entry");
  *out = best;
  return deny_error (out, err);
}

int
policy_match_exec (struct policy *p, size_t container_index, const struct oci_process *proc,
                   const struct policy_context *ctx, struct policy_verdict *out,
                   parma_error_t *err)
{
  static const struct policy_context no_ctx;
  if (ctx == NULL)
    ctx = &no_ctx;
  memset (out, 0, sizeof *out);
  out->container_index = container_index;
  out->exec_index = POLICY_NO_CONTAINER;
  if (p->switches[POLICY_OPEN_DOOR])
    {
      out->allowed = out->open_door = out->allow_stdio_access = true;
      return 0;
    }
  struct policy_container *c = NULL;
  if (policy_get_container (p, container_index, &c, err) < 0)
    return -1;
  struct policy_verdict best = { .container_index = container_index };
  bool have_best = false;
  for (size_t i = 0; i < c->n_execs; i++)
    {
      struct policy_verdict cur = { .container_index = container_index, .exec_index = i };
      check_process (&c->execs[i], proc, ctx, p->switches, true, &cur);
      if (!c->allow_stdio_access && proc->terminal.set && proc->terminal.v)
        verdict_fail (&cur, "allow_stdio_access", "a terminal is not allowed for this container");
      if (cur.n_failures == 0)
        {
          cur.allowed = true;
          cur.allow_stdio_access = c->allow_stdio_access;
          cur.container_name = xstrdup (c->name);
          policy_verdict_release (&best);
          *out = cur;
          return 0;
        }
      if (!have_best || cur.n_failures < best.n_failures)
        {
          verdict_move (&best, &cur);
          have_best = true;
        }
      else
        policy_verdict_release (&cur);
    }
  if (!have_best)
    verdict_fail (&best, "exec_processes", "container \"%s\" allows no exec process", c->name);
  best.container_index = container_index;
  best.container_name = xstrdup (c->name);
  *out = best;
  return deny_error (out, err);
}

int
policy_check_signal (struct policy *p, size_t container_index, size_t exec_index, int signo,
                     parma_error_t *err)
{
  if (p->switches[POLICY_OPEN_DOOR])
    return 0;
  struct policy_container *c = NULL;
  if (policy_get_container (p, container_index, &c, err) < 0)
    return -1;
  if (signo < 1 || signo > 64)
    return parma_error_make (err, 0, "signals: %d is not a signal", signo);
  const struct pol_process *pr = &c->proc;
  if (exec_index != POLICY_NO_CONTAINER)
    {
      if (exec_index >= c->n_execs)
        return parma_error_make (err, 0, "signals: no exec process %zu", exec_index);
      pr = &c->execs[exec_index];
    }
  if (pr->signals & (UINT64_C (1) << (signo - 1)))
    return 0;
  return parma_error_make (err, 0, "signals: signal %d is not allowed for %s of \"%s\"", signo,
                           exec_index == POLICY_NO_CONTAINER ? "the init process" : "this exec process",
                           c->name);
}
