/*
 * fixsense cgroup launcher: joins a sandbox's cgroup, drops to the sandbox's uid, then becomes
 * bwrap. Node's spawn cannot put a child into a cgroup before it runs, and everything the
 * sandbox forks must start inside the cgroup for memory.max and pids.max to hold for all of it.
 *
 * usage: cgroup-launch <cgroup.procs> <uid or -> <program> [args...]
 * File descriptors are passed through untouched (the runner and the program arrive on 3 and 4).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int fail(const char *what) {
  fprintf(stderr, "fixsense-cgroup-launch: %s: %s\n", what, strerror(errno));
  return 70;
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: cgroup-launch <cgroup.procs> <uid or -> <program> [args...]\n");
    return 64;
  }
  int fd = open(argv[1], O_WRONLY | O_CLOEXEC);
  if (fd < 0) return fail("open cgroup.procs");
  char pid[32];
  int n = snprintf(pid, sizeof pid, "%d\n", (int)getpid());
  if (write(fd, pid, (size_t)n) != n) return fail("join the cgroup");
  close(fd);
  if (strcmp(argv[2], "-") != 0) {
    char *end;
    long uid = strtol(argv[2], &end, 10);
    if (*end || uid <= 0) {
      errno = EINVAL;
      return fail("uid");
    }
    if (setgroups(0, NULL) || setgid((gid_t)uid) || setuid((uid_t)uid)) return fail("drop to the sandbox uid");
    if (getuid() != (uid_t)uid || geteuid() != (uid_t)uid || setuid(0) == 0) {
      errno = EPERM;
      return fail("still privileged");
    }
  }
  execvp(argv[3], argv + 3);
  return fail("exec");
}
