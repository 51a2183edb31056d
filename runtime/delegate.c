/* SPDX-License-Identifier: Apache-2.0 */
/* The only place that starts the delegate runtime.  Delegation is an
   execve in place (runc-cli notes §6): the caller keeps waiting on and
   signalling the PID it started, LISTEN_PID stays right, and stdio, exit
   status and inherited descriptors pass through untouched.  The argv is
   rebuilt from what was parsed and checked, never copied from ours.
   delete alone runs the delegate as a child (delegate_run): parma's record
   of the container must outlive the delegate's delete, not precede it. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/io.h"
#include "common/strbuf.h"
#include "common/xalloc.h"
#include "runtime/crashpoint.h"
#include "runtime/runtime.h"

extern char **environ;

#define CAPTURE_MAX (1u << 20)

static bool
delegate_is_crun (const struct parma_globals *g)
{
  const char *base = strrchr (g->config->delegate, '/');
  base = base ? base + 1 : g->config->delegate;
  return strncmp (base, "crun", 4) == 0;
}

void
delegate_argv_start (const struct parma_globals *g, const char *verb, char ***argv, size_t *n)
{
  const struct parma_global_opts *o = &g->opts;
  cli_argv_push (argv, n, xstrdup (g->config->delegate));
  if (o->debug.set)
    cli_argv_push (argv, n, xstrdup (o->debug.v ? "--debug" : "--debug=false"));
  if (g->log)
    cli_argv_push (argv, n, xasprintf ("--log=%s", g->log));
  if (o->log_format.set)
    cli_argv_push (argv, n, xasprintf ("--log-format=%s", o->log_format.v));
  cli_argv_push (argv, n, xasprintf ("--root=%s", g->root));
  if (o->criu.set)
    cli_argv_push (argv, n, xasprintf ("--criu=%s", o->criu.v));
  /* crun's --cgroup-manager: crun takes it as is; for runc, "systemd" is
     --systemd-cgroup and "cgroupfs" is runc's default. */
  bool systemd = o->systemd_cgroup.set && o->systemd_cgroup.v;
  if (o->cgroup_manager.set && !delegate_is_crun (g)
      && strcmp (o->cgroup_manager.v, "systemd") == 0)
    systemd = true;
  if (systemd)
    cli_argv_push (argv, n, xstrdup ("--systemd-cgroup"));
  if (o->cgroup_manager.set && delegate_is_crun (g))
    cli_argv_push (argv, n, xasprintf ("--cgroup-manager=%s", o->cgroup_manager.v));
  if (o->log_level.set && delegate_is_crun (g))
    cli_argv_push (argv, n, xasprintf ("--log-level=%s", o->log_level.v));
  if (o->rootless.set)
    cli_argv_push (argv, n, xasprintf ("--rootless=%s", o->rootless.v));
  if (verb)
    cli_argv_push (argv, n, xstrdup (verb));
}

int
delegate_exec (const struct parma_globals *g, char **argv, parma_error_t *err)
{
  /* Whatever parma buffered must not reach the container's stdio later. */
  fflush (stdout);
  fflush (stderr);
  parma_step ("exec-delegate");
  execve (g->config->delegate, argv, environ);
  return parma_error_make (err, errno, "exec delegate `%s`", g->config->delegate);
}

static int
drain (int out_fd, int err_fd, char **out, size_t *out_len, char **errs, parma_error_t *err)
{
  struct strbuf sb_out = { 0 }, sb_err = { 0 };
  struct pollfd p[2] = { { .fd = out_fd, .events = POLLIN }, { .fd = err_fd, .events = POLLIN } };
  int open_fds = 2;
  int ret = 0;
  while (open_fds > 0)
    {
      if (poll (p, 2, -1) < 0)
        {
          if (errno == EINTR)
            continue;
          ret = parma_error_make (err, errno, "poll delegate output");
          break;
        }
      for (int i = 0; i < 2; i++)
        {
          if (p[i].fd < 0 || !(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
            continue;
          char buf[4096];
          ssize_t r = read (p[i].fd, buf, sizeof buf);
          if (r < 0 && errno == EINTR)
            continue;
          if (r <= 0)
            {
              p[i].fd = -1;
              open_fds--;
              continue;
            }
          struct strbuf *sb = i == 0 ? &sb_out : &sb_err;
          if (sb->len + (size_t)r > CAPTURE_MAX)
            {
              ret = parma_error_make (err, EFBIG, "delegate output larger than %u bytes",
                                      CAPTURE_MAX);
              p[0].fd = p[1].fd = -1;
              open_fds = 0;
              break;
            }
          strbuf_append (sb, buf, (size_t)r);
        }
    }
  *out_len = sb_out.len;
  strbuf_putc (&sb_out, '\0');
  *out = strbuf_steal (&sb_out);
  strbuf_putc (&sb_err, '\0');
  *errs = strbuf_steal (&sb_err);
  return ret;
}

int
delegate_capture (const struct parma_globals *g, const char *verb, char **out, size_t *len,
                  int *wait_status, parma_error_t *err)
{
  char *argv[] = { g->config->delegate, (char *) verb, NULL };
  int po[2], pe[2];
  if (pipe2 (po, O_CLOEXEC) < 0)
    return parma_error_make (err, errno, "pipe");
  if (pipe2 (pe, O_CLOEXEC) < 0)
    {
      int e = errno;
      close (po[0]);
      close (po[1]);
      return parma_error_make (err, e, "pipe");
    }
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init (&fa);
  posix_spawn_file_actions_adddup2 (&fa, po[1], 1);
  posix_spawn_file_actions_adddup2 (&fa, pe[1], 2);
  pid_t pid;
  int r = posix_spawn (&pid, g->config->delegate, &fa, NULL, argv, environ);
  posix_spawn_file_actions_destroy (&fa);
  close (po[1]);
  close (pe[1]);
  cleanup_close int ro = po[0];
  cleanup_close int re = pe[0];
  if (r != 0)
    return parma_error_make (err, r, "run delegate `%s`", g->config->delegate);
  cleanup_free char *errs = NULL;
  int dr = drain (ro, re, out, len, &errs, err);
  int status = 0;
  while (waitpid (pid, &status, 0) < 0)
    if (errno != EINTR)
      return parma_error_make (err, errno, "wait for delegate");
  if (dr < 0)
    return dr;
  *wait_status = status;
  return 0;
}

int
delegate_run (const struct parma_globals *g, char **argv, int *wait_status, parma_error_t *err)
{
  fflush (stdout);
  fflush (stderr);
  pid_t pid;
  /* stdio and every descriptor not close-on-exec pass to the child as
     they would through execve; parma's own (the id's lock) do not. */
  int r = posix_spawn (&pid, g->config->delegate, NULL, NULL, argv, environ);
  if (r != 0)
    return parma_error_make (err, r, "run delegate `%s`", g->config->delegate);
  while (waitpid (pid, wait_status, 0) < 0)
    if (errno != EINTR)
      return parma_error_make (err, errno, "wait for delegate");
  return 0;
}
