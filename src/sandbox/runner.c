/*
 * fixsense runner: the small supervisor that runs inside one bubblewrap sandbox.
 *
 * It is PID 1 of the sandbox's PID namespace (bwrap --as-pid-1), so:
 *   - every orphan (a double-forked daemon) is re-parented to it, and kill(-1, SIGKILL)
 *     reaches every other process of the sandbox, never the runner itself;
 *   - signals sent by the student's program to PID 1 are ignored by the kernel;
 *   - when it exits, the kernel kills whatever is left in the namespace.
 *
 * One sandbox serves many runs (all the tests of a lane, or one compilation), which is
 * what amortises bwrap's start-up cost. Every test starts from the same empty state, checked
 * rather than assumed (see renew_work_dir): no process but the runner, a brand-new /tmp, no
 * SysV IPC object. For the fresh /tmp the runner keeps CAP_SYS_ADMIN (and CAP_SETPCAP) in the
 * sandbox's own user namespace (bwrap --cap-add); the program gets no capability at all
 * (drop_capabilities) and a seccomp filter that keeps it away from the runner (install_seccomp).
 *
 * Protocol (little-endian): the host writes one request on stdin and closes it; the
 * runner answers with one record per run on stdout. See src/sandbox/protocol.ts.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <linux/magic.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/msg.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MODE_COMPILE 1
#define MODE_RUN 2

#define F_EXITED (1u << 0)
#define F_SIGNALED (1u << 1)
#define F_CPU_LIMIT (1u << 2)
#define F_WALL_LIMIT (1u << 3)
#define F_OUTPUT_LIMIT (1u << 4)
#define F_SPAWN_FAILED (1u << 5)
#define F_SKIPPED (1u << 6)

#define WORK_DIR "/tmp"
#define PROGRAM_PATH "/box/prog"
#define SOURCE_PATH "/tmp/main.c"
#define BINARY_PATH "/tmp/prog"
#define MAX_REQUEST (64u << 20)
#define MAX_BINARY (64u << 20)

struct limits {
  uint32_t cpu_ms, wall_ms;
  uint64_t mem_bytes, fsize_bytes, stack_bytes;
  uint32_t nproc, output_bytes, stderr_keep_bytes, allow_fork;
};

struct buf {
  unsigned char *data;
  size_t len, cap;
};

static void die(const char *what) {
  fprintf(stderr, "fixsense-runner: %s: %s\n", what, strerror(errno));
  _exit(70);
}

/* Between fork and exec, a failure is the runner's, not the program's: the child says so on
 * its report pipe (kind 1), and the runner ends the lane as an infrastructure error. Kind 0
 * is the program's own exec failure (a student's problem, reported as a spawn failure). */
struct child_report {
  int32_t kind, err;
  char what[56];
};
static int child_report_fd = -1;

static void child_fail(const char *what) {
  struct child_report r = {1, errno, {0}};
  strncpy(r.what, what, sizeof r.what - 1);
  if (write(child_report_fd, &r, sizeof r) < 0) _exit(127);
  _exit(127);
}

static void buf_push(struct buf *b, const void *p, size_t n) {
  if (b->len + n > b->cap) {
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + n) cap *= 2;
    b->data = realloc(b->data, cap);
    if (!b->data) die("realloc");
    b->cap = cap;
  }
  memcpy(b->data + b->len, p, n);
  b->len += n;
}

/* ---------- request parsing ---------- */

static unsigned char *req;
static size_t req_len, req_pos;

static void read_request(void) {
  struct buf b = {0};
  unsigned char chunk[65536];
  for (;;) {
    ssize_t n = read(0, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) die("read request");
    if (n == 0) break;
    buf_push(&b, chunk, (size_t)n);
    if (b.len > MAX_REQUEST) {
      errno = E2BIG;
      die("request too large");
    }
  }
  req = b.data;
  req_len = b.len;
}

static void need(size_t n) {
  if (req_pos + n > req_len) {
    errno = EPROTO;
    die("truncated request");
  }
}
static uint32_t get_u32(void) {
  need(4);
  uint32_t v = (uint32_t)req[req_pos] | (uint32_t)req[req_pos + 1] << 8 |
               (uint32_t)req[req_pos + 2] << 16 | (uint32_t)req[req_pos + 3] << 24;
  req_pos += 4;
  return v;
}
static uint64_t get_u64(void) {
  uint64_t lo = get_u32();
  uint64_t hi = get_u32();
  return lo | hi << 32;
}
static const unsigned char *get_bytes(uint32_t *len) {
  *len = get_u32();
  need(*len);
  const unsigned char *p = req + req_pos;
  req_pos += *len;
  return p;
}

/* ---------- response writing ---------- */

static void write_all(int fd, const void *p, size_t n) {
  const unsigned char *c = p;
  while (n > 0) {
    ssize_t w = write(fd, c, n);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) die("write response");
    c += w;
    n -= (size_t)w;
  }
}
static void put_u32(struct buf *b, uint32_t v) {
  unsigned char x[4] = {v & 255, v >> 8 & 255, v >> 16 & 255, v >> 24 & 255};
  buf_push(b, x, 4);
}
static void put_u64(struct buf *b, uint64_t v) {
  put_u32(b, (uint32_t)v);
  put_u32(b, (uint32_t)(v >> 32));
}

/* ---------- seccomp ---------- */

#if defined(__x86_64__)
#define SECCOMP_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define SECCOMP_ARCH AUDIT_ARCH_AARCH64
#else
#error "fixsense-runner: add this architecture's AUDIT_ARCH"
#endif

/* The filter is a binary search over the syscall numbers that get special treatment, so a
 * syscall runs through a dozen instructions, not a hundred: that is what the program pays on
 * every syscall, and what the kernel pays when it installs the filter (it evaluates the filter
 * for every syscall number to cache the ones always allowed), once per test. */
#define MAX_FILTER 512
struct filter {
  struct sock_filter ins[MAX_FILTER];
  unsigned n;
};

static void emit(struct filter *f, struct sock_filter s) {
  if (f->n >= MAX_FILTER) child_fail("seccomp filter too long");
  f->ins[f->n++] = s;
}

/* The kernel reads pid_t and int arguments as their low 32 bits, so that is what is compared. */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define ARG_LOW(i) (offsetof(struct seccomp_data, args[i]))
#else
#define ARG_LOW(i) (offsetof(struct seccomp_data, args[i]) + 4)
#endif
#define LOAD(off) ((struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (off)))
#define JEQ(k, jt, jf) ((struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (k), (jt), (jf)))
#define JGE(k, jt, jf) ((struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, (k), (jt), (jf)))
#define JA(k) ((struct sock_filter)BPF_STMT(BPF_JMP | BPF_JA, (k)))
#define RET(v) ((struct sock_filter)BPF_STMT(BPF_RET | BPF_K, (v)))
#define ERRNO(e) (SECCOMP_RET_ERRNO | (e))

struct arg_is {
  unsigned arg;
  uint32_t value;
};

/* What one syscall gets: an errno; or allowed only when each listed argument has its value
 * (else EPERM); or, with `unless`, allowed unless argument 1 has that value (else EPERM). */
struct rule {
  uint32_t nr;
  int err;
  /* the last number of a run of consecutive syscalls that get the same errno (set when merged) */
  uint32_t last;
  struct arg_is only[2];
  unsigned nargs;
  int has_unless;
  uint32_t unless;
};

static unsigned rule_length(const struct rule *r) {
  if (r->nargs) return 2 * r->nargs + 2;
  return r->has_unless ? 4 : 1;
}

/* The rule's instructions; each path ends in a return. Expects nothing of the accumulator. */
static void emit_action(struct filter *f, const struct rule *r) {
  if (r->nargs) {
    for (unsigned k = 0; k < r->nargs; k++) {
      emit(f, LOAD(ARG_LOW(r->only[k].arg)));
      emit(f, JEQ(r->only[k].value, 0, (unsigned char)(2 * (r->nargs - k) - 1)));
    }
    emit(f, RET(SECCOMP_RET_ALLOW));
    emit(f, RET(ERRNO(EPERM)));
  } else if (r->has_unless) {
    emit(f, LOAD(ARG_LOW(1)));
    emit(f, JEQ(r->unless, 0, 1));
    emit(f, RET(ERRNO(EPERM)));
    emit(f, RET(SECCOMP_RET_ALLOW));
  } else {
    emit(f, RET(ERRNO(r->err)));
  }
}

/* rules[lo, hi) sorted by number, the syscall number in the accumulator */
static void emit_search(struct filter *f, const struct rule *rules, size_t lo, size_t hi) {
  if (hi - lo <= 3) {
    for (size_t i = lo; i < hi; i++) {
      unsigned len = rule_length(&rules[i]);
      if (rules[i].last > rules[i].nr) {
        emit(f, JGE(rules[i].nr, 0, (unsigned char)(len + 1)));
        emit(f, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, rules[i].last, (unsigned char)len, 0));
      } else {
        emit(f, JEQ(rules[i].nr, 0, (unsigned char)len));
      }
      emit_action(f, &rules[i]);
    }
    emit(f, RET(SECCOMP_RET_ALLOW));
    return;
  }
  size_t mid = lo + (hi - lo) / 2;
  emit(f, JGE(rules[mid].nr, 0, 1)); /* then: the jump to the upper half; else: the lower half */
  unsigned ja = f->n;
  emit(f, JA(0));
  emit_search(f, rules, lo, mid);
  f->ins[ja].k = f->n - ja - 1;
  emit_search(f, rules, mid, hi);
}

static int by_number(const void *a, const void *b) {
  uint32_t x = ((const struct rule *)a)->nr, y = ((const struct rule *)b)->nr;
  return (x > y) - (x < y);
}

/* Sorted rules; consecutive syscall numbers refused with the same errno become one range
 * (SysV IPC is 64-71 on x86_64, the mq_* calls 240-245...): a shorter filter to install. */
static size_t merge_ranges(struct rule *rules, size_t n) {
  size_t out = 0;
  for (size_t i = 0; i < n; i++) {
    struct rule *prev = out ? &rules[out - 1] : NULL;
    int plain = !rules[i].nargs && !rules[i].has_unless;
    if (prev && plain && !prev->nargs && !prev->has_unless && prev->err == rules[i].err &&
        rules[i].nr == (prev->last > prev->nr ? prev->last : prev->nr) + 1) {
      prev->last = rules[i].nr;
      continue;
    }
    rules[out++] = rules[i];
  }
  return out;
}

#define REFUSE(nr, e) {(nr), (e), 0, {{0, 0}, {0, 0}}, 0, 0, 0}
#define ONLY_SELF(nr) {(nr), EPERM, 0, {{0, 0}, {0, 0}}, 1, 0, 0}
#define ONLY(nr, a0, v0, a1, v1) {(nr), EPERM, 0, {{(a0), (v0)}, {(a1), (v1)}}, 2, 0, 0}

/* Syscalls a student's program never needs and an attacker would like:
 *  - escapes and kernel attack surface (tracing, sockets, mounts, namespaces, keyrings, BPF);
 *  - state that would outlive a test inside the lane (SysV IPC, POSIX message queues) and
 *    memory the address-space limit does not count (SysV shm, memfd, bigger pipe buffers,
 *    inotify watches);
 *  - anything that reaches another process of the same uid, i.e. the runner: resource limits,
 *    priorities and scheduling of anyone but the caller, kcmp, pidfds, process_madvise;
 *  - process creation, unless the assignment allows it, so memory x processes stays bounded. */
static const struct rule ALWAYS[] = {
    /* escapes and kernel attack surface */
    REFUSE(__NR_ptrace, EPERM), REFUSE(__NR_process_vm_readv, EPERM), REFUSE(__NR_process_vm_writev, EPERM),
    REFUSE(__NR_keyctl, EPERM), REFUSE(__NR_add_key, EPERM), REFUSE(__NR_request_key, EPERM),
    REFUSE(__NR_bpf, EPERM), REFUSE(__NR_perf_event_open, EPERM), REFUSE(__NR_userfaultfd, EPERM),
    REFUSE(__NR_unshare, EPERM), REFUSE(__NR_setns, EPERM), REFUSE(__NR_mount, EPERM),
    REFUSE(__NR_umount2, EPERM), REFUSE(__NR_pivot_root, EPERM), REFUSE(__NR_chroot, EPERM),
    REFUSE(__NR_io_uring_setup, EPERM), REFUSE(__NR_io_uring_enter, EPERM), REFUSE(__NR_io_uring_register, EPERM),
    REFUSE(__NR_personality, EPERM), REFUSE(__NR_open_tree, EPERM),
    REFUSE(__NR_move_mount, EPERM), REFUSE(__NR_fsopen, EPERM), REFUSE(__NR_fsconfig, EPERM),
    REFUSE(__NR_fsmount, EPERM), REFUSE(__NR_fspick, EPERM), REFUSE(__NR_mount_setattr, EPERM),
    REFUSE(__NR_socket, EACCES), REFUSE(__NR_socketpair, EACCES),
    /* state that would outlive a test; memory the address-space limit does not count */
    REFUSE(__NR_shmget, EPERM), REFUSE(__NR_shmat, EPERM), REFUSE(__NR_shmdt, EPERM),
    REFUSE(__NR_shmctl, EPERM), REFUSE(__NR_msgget, EPERM), REFUSE(__NR_msgsnd, EPERM),
    REFUSE(__NR_msgrcv, EPERM), REFUSE(__NR_msgctl, EPERM), REFUSE(__NR_semget, EPERM),
    REFUSE(__NR_semop, EPERM), REFUSE(__NR_semtimedop, EPERM), REFUSE(__NR_semctl, EPERM),
    REFUSE(__NR_mq_open, EPERM), REFUSE(__NR_mq_unlink, EPERM), REFUSE(__NR_mq_timedsend, EPERM),
    REFUSE(__NR_mq_timedreceive, EPERM), REFUSE(__NR_mq_notify, EPERM), REFUSE(__NR_mq_getsetattr, EPERM),
    REFUSE(__NR_memfd_create, EPERM), REFUSE(__NR_memfd_secret, EPERM), REFUSE(__NR_inotify_init, EPERM),
    REFUSE(__NR_inotify_init1, EPERM), REFUSE(__NR_inotify_add_watch, EPERM), REFUSE(__NR_inotify_rm_watch, EPERM), REFUSE(__NR_fanotify_init, EPERM),
    /* a pipe keeps its default 64 KiB: 1 MiB buffers on every descriptor would be memory
     * outside the address-space limit */
    {__NR_fcntl, EPERM, 0, {{0, 0}, {0, 0}}, 0, 1, F_SETPIPE_SZ},
    /* other processes of the same uid: the runner */
    REFUSE(__NR_kcmp, EPERM), REFUSE(__NR_pidfd_open, EPERM), REFUSE(__NR_pidfd_getfd, EPERM),
    REFUSE(__NR_pidfd_send_signal, EPERM), REFUSE(__NR_process_madvise, EPERM),
    REFUSE(__NR_process_mrelease, EPERM), REFUSE(__NR_migrate_pages, EPERM), REFUSE(__NR_move_pages, EPERM),
    ONLY_SELF(__NR_prlimit64), ONLY_SELF(__NR_sched_setaffinity), ONLY_SELF(__NR_sched_setscheduler),
    ONLY_SELF(__NR_sched_setparam), ONLY_SELF(__NR_sched_setattr),
    ONLY(__NR_setpriority, 0, PRIO_PROCESS, 1, 0), ONLY(__NR_ioprio_set, 0, 1 /* IOPRIO_WHO_PROCESS */, 1, 0),
};

static const struct rule NO_FORK[] = {
#ifdef __NR_fork
    REFUSE(__NR_fork, EAGAIN),
#endif
#ifdef __NR_vfork
    REFUSE(__NR_vfork, EAGAIN),
#endif
    REFUSE(__NR_clone, EAGAIN),
    /* ENOSYS makes libc fall back to clone, which is refused above */
    REFUSE(__NR_clone3, ENOSYS),
};

static void install_seccomp(int allow_fork) {
  static struct filter f;
  struct rule rules[sizeof ALWAYS / sizeof *ALWAYS + sizeof NO_FORK / sizeof *NO_FORK];
  size_t n = 0;
  memcpy(rules, ALWAYS, sizeof ALWAYS);
  n += sizeof ALWAYS / sizeof *ALWAYS;
  if (!allow_fork) {
    memcpy(rules + n, NO_FORK, sizeof NO_FORK);
    n += sizeof NO_FORK / sizeof *NO_FORK;
  }
  qsort(rules, n, sizeof *rules, by_number);
  n = merge_ranges(rules, n);
  f.n = 0;
  emit(&f, LOAD(offsetof(struct seccomp_data, arch)));
  emit(&f, JEQ(SECCOMP_ARCH, 1, 0));
  emit(&f, RET(SECCOMP_RET_KILL_PROCESS));
  emit(&f, LOAD(offsetof(struct seccomp_data, nr)));
#if defined(__x86_64__)
  /* the x32 ABI aliases every syscall above this bit */
  emit(&f, JGE(0x40000000, 0, 1));
  emit(&f, RET(SECCOMP_RET_KILL_PROCESS));
#endif
  emit_search(&f, rules, 0, n);
  struct sock_fprog fprog = {.len = (unsigned short)f.n, .filter = f.ins};
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) child_fail("no_new_privs");
  if (syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fprog)) child_fail("seccomp");
}

/* The runner holds CAP_SYS_ADMIN and CAP_SETPCAP in the sandbox's user namespace (to renew
 * /tmp); the program must hold nothing: bounding set first (needs CAP_SETPCAP), then ambient,
 * then the effective, permitted and inheritable sets, then check that all are empty. */
static void drop_capabilities(void) {
  /* each drop replaces the credentials: drop only what is there (bwrap leaves just the
   * runner's two), and stop past the last capability this kernel knows */
  for (int cap = 0; cap < 64; cap++) {
    int in = prctl(PR_CAPBSET_READ, cap, 0, 0, 0);
    if (in < 0) break;
    if (in && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0)) child_fail("drop bounding capabilities");
  }
  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)) child_fail("clear ambient capabilities");
  struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
  struct __user_cap_data_struct d[2];
  memset(d, 0, sizeof d);
  if (syscall(SYS_capset, &h, d)) child_fail("capset");
  if (syscall(SYS_capget, &h, d)) child_fail("capget");
  int left = d[0].effective | d[0].permitted | d[0].inheritable | d[1].effective | d[1].permitted | d[1].inheritable;
  for (int cap = 0; cap < 64; cap++) {
    int in = prctl(PR_CAPBSET_READ, cap, 0, 0, 0);
    if (in < 0) break;
    left |= in;
  }
  if (left) {
    errno = EPERM;
    child_fail("capabilities left after dropping them");
  }
}

/* ---------- the work directory and the empty state ---------- */

static uint64_t work_bytes;
static uint32_t work_inodes;
static int work_mounted;

static void isolation_failed(const char *what) {
  fprintf(stderr, "fixsense-runner: isolation not verified: %s: %s\n", what, strerror(errno));
  _exit(71);
}

/* The runner's own mount namespace (it owns it, through its user namespace), so it can mount a
 * new /tmp for every run; the bwrap mounts below are locked and stay as they are. */
static void own_mount_namespace(void) {
  if (chdir("/")) die("chdir /");
  if (unshare(CLONE_NEWNS)) isolation_failed("unshare the mount namespace (bwrap --cap-add CAP_SYS_ADMIN?)");
  if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL)) isolation_failed("make mounts private");
}

/* Every run starts from the same state, verified, not assumed: the previous /tmp is unmounted
 * (which fails if anything still uses it), a new empty tmpfs takes its place (inodes and bytes
 * counted back to empty), no process is left but this one (the caller reaped them all), and the
 * IPC namespace holds no SysV object. A failure ends the lane with exit status 71: the host
 * reports an infrastructure error rather than grade from a dirty state. */
static void renew_work_dir(void) {
  if (work_mounted && umount2(WORK_DIR, UMOUNT_NOFOLLOW)) isolation_failed("unmount the previous /tmp");
  char opts[96];
  snprintf(opts, sizeof opts, "size=%llu,nr_inodes=%u,mode=0700", (unsigned long long)work_bytes, work_inodes);
  if (mount("fixsense-tmp", WORK_DIR, "tmpfs", MS_NOSUID | MS_NODEV, opts)) isolation_failed("mount a new /tmp");
  work_mounted = 1;
  struct statfs st;
  if (statfs(WORK_DIR, &st)) isolation_failed("statfs /tmp");
  if (st.f_type != TMPFS_MAGIC || st.f_files - st.f_ffree != 1 || st.f_blocks != st.f_bfree) {
    errno = ENOTEMPTY;
    isolation_failed("the new /tmp is not empty");
  }
  if (waitpid(-1, NULL, WNOHANG) != -1 || errno != ECHILD) {
    errno = EBUSY;
    isolation_failed("a process survived the previous run");
  }
  struct shm_info shm;
  struct msginfo msg;
  struct seminfo sem;
  if (shmctl(0, SHM_INFO, (struct shmid_ds *)&shm) < 0 || msgctl(0, MSG_INFO, (struct msqid_ds *)&msg) < 0 ||
      semctl(0, 0, SEM_INFO, &sem) < 0)
    isolation_failed("read the IPC namespace's counters");
  if (shm.used_ids || msg.msgpool || sem.semusz) {
    errno = EEXIST;
    isolation_failed("a SysV IPC object exists");
  }
}

/* ---------- one supervised run ---------- */

struct result {
  uint32_t flags;
  int32_t exit_code, signal;
  uint64_t cpu_us, wall_us, maxrss_kb;
  struct buf out, err;
  uint64_t out_total, err_total;
};

static uint64_t now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void set_limit(int resource, rlim_t soft, rlim_t hard) {
  struct rlimit rl = {soft, hard};
  if (setrlimit(resource, &rl)) child_fail("setrlimit");
}

struct child {
  pid_t pid;
  int exited, status;
  struct rusage ru;
};

/* Kill every process of the sandbox but this one, and reap them all; the supervised
 * child's own status and usage are kept when it is among them. */
static void kill_and_reap_all(struct child *c) {
  kill(-1, SIGKILL);
  for (;;) {
    int st;
    struct rusage ru;
    pid_t p = wait4(-1, &st, __WALL, &ru);
    if (p < 0 && errno == EINTR) continue;
    if (p < 0) break; /* ECHILD: nothing left */
    if (p == c->pid && !c->exited) {
      c->exited = 1;
      c->status = st;
      c->ru = ru;
    }
  }
}

/* Returns 1 when the stream reached EOF. Stops early once `total` passes `stop_at`, so a
 * flood is cut within one chunk of the output limit. */
static int drain(int fd, struct buf *keep, uint64_t *total, size_t keep_max, uint64_t stop_at) {
  unsigned char chunk[65536];
  while (*total <= stop_at) {
    ssize_t n = read(fd, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno != EAGAIN;
    if (n == 0) return 1;
    *total += (uint64_t)n;
    if (keep->len < keep_max) {
      size_t room = keep_max - keep->len;
      buf_push(keep, chunk, (size_t)n < room ? (size_t)n : room);
    }
  }
  return 0;
}

static void run_one(const struct limits *lim, char *const argv[], const unsigned char *input,
                    size_t input_len, struct result *r) {
  memset(r, 0, sizeof *r);
  /* stdin is a sealed memory file: the program can read and seek it, never grow or change it */
  int in_fd = memfd_create("stdin", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (in_fd < 0) die("memfd_create");
  if (input_len) write_all(in_fd, input, input_len);
  if (lseek(in_fd, 0, SEEK_SET) < 0) die("lseek");
  if (fcntl(in_fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL)) die("seal stdin");

  int out_p[2], err_p[2], exec_p[2];
  if (pipe2(out_p, O_CLOEXEC) || pipe2(err_p, O_CLOEXEC) || pipe2(exec_p, O_CLOEXEC)) die("pipe");

  uint64_t start = now_us();
  pid_t pid = fork();
  if (pid < 0) die("fork");
  if (pid == 0) {
    /* child: becomes the supervised program */
    child_report_fd = exec_p[1];
    signal(SIGPIPE, SIG_DFL);
    if (dup2(in_fd, 0) < 0 || dup2(out_p[1], 1) < 0 || dup2(err_p[1], 2) < 0) child_fail("dup2");
    if (chdir(WORK_DIR)) child_fail("chdir");
    rlim_t cpu_s = (lim->cpu_ms + 999) / 1000;
    set_limit(RLIMIT_CPU, cpu_s, cpu_s + 1);
    set_limit(RLIMIT_AS, lim->mem_bytes, lim->mem_bytes);
    set_limit(RLIMIT_STACK, lim->stack_bytes, lim->stack_bytes);
    set_limit(RLIMIT_FSIZE, lim->fsize_bytes, lim->fsize_bytes);
    set_limit(RLIMIT_NPROC, lim->nproc, lim->nproc);
    set_limit(RLIMIT_CORE, 0, 0);
    set_limit(RLIMIT_NOFILE, 64, 64);
    set_limit(RLIMIT_MEMLOCK, 0, 0);
    set_limit(RLIMIT_MSGQUEUE, 0, 0);
    drop_capabilities();
    install_seccomp(lim->allow_fork);
    static char *envp[] = {"PATH=/usr/bin:/bin", "LANG=C.UTF-8", "HOME=/tmp", "TMPDIR=/tmp", NULL};
    execvpe(argv[0], argv, envp);
    struct child_report rep = {0, errno, {0}};
    if (write(exec_p[1], &rep, sizeof rep) < 0) _exit(127);
    _exit(127);
  }
  close(in_fd);
  close(out_p[1]);
  close(err_p[1]);
  close(exec_p[1]);
  fcntl(out_p[0], F_SETFL, O_NONBLOCK);
  fcntl(err_p[0], F_SETFL, O_NONBLOCK);

  struct child_report rep;
  if (read(exec_p[0], &rep, sizeof rep) == (ssize_t)sizeof rep) {
    if (rep.kind != 0) {
      rep.what[sizeof rep.what - 1] = 0;
      fprintf(stderr, "fixsense-runner: could not set up the program: %s: %s\n", rep.what, strerror(rep.err));
      _exit(70);
    }
    r->flags |= F_SPAWN_FAILED;
    const char *msg = strerror(rep.err);
    buf_push(&r->err, msg, strlen(msg));
  }
  close(exec_p[0]);

  int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
  if (pidfd < 0) die("pidfd_open");
  clockid_t cpu_clock;
  int have_cpu_clock = clock_getcpuclockid(pid, &cpu_clock) == 0;

  int out_open = 1, err_open = 1;
  struct child c = {.pid = pid};
  uint64_t deadline = start + (uint64_t)lim->wall_ms * 1000u;
  for (;;) {
    if (!c.exited) {
      pid_t w = wait4(pid, &c.status, WNOHANG, &c.ru);
      if (w == pid) {
        c.exited = 1;
        /* Descendants may still hold the pipes: stop them, then collect what they wrote. */
        kill_and_reap_all(&c);
      }
    }
    if (c.exited && !out_open && !err_open) break;
    uint64_t t = now_us();
    if (!c.exited && t >= deadline) {
      r->flags |= F_WALL_LIMIT;
      kill_and_reap_all(&c);
      continue;
    }
    if (!c.exited && have_cpu_clock) {
      struct timespec used;
      if (clock_gettime(cpu_clock, &used) == 0 &&
          (uint64_t)used.tv_sec * 1000u + (uint64_t)used.tv_nsec / 1000000u > lim->cpu_ms) {
        r->flags |= F_CPU_LIMIT;
        kill_and_reap_all(&c);
        continue;
      }
    }
    struct pollfd pf[3];
    int n = 0, out_i = -1, err_i = -1;
    if (out_open) out_i = n, pf[n++] = (struct pollfd){out_p[0], POLLIN, 0};
    if (err_open) err_i = n, pf[n++] = (struct pollfd){err_p[0], POLLIN, 0};
    if (!c.exited) pf[n++] = (struct pollfd){pidfd, POLLIN, 0};
    int wait_ms = c.exited ? 100 : 10;
    if (!c.exited && (deadline - t) / 1000u < (uint64_t)wait_ms) wait_ms = (int)((deadline - t) / 1000u) + 1;
    int pr = poll(pf, (nfds_t)n, wait_ms);
    if (pr < 0 && errno != EINTR) die("poll");
    if (out_i >= 0 && pf[out_i].revents)
      out_open = !drain(out_p[0], &r->out, &r->out_total, lim->output_bytes, lim->output_bytes);
    if (err_i >= 0 && pf[err_i].revents)
      err_open = !drain(err_p[0], &r->err, &r->err_total, lim->stderr_keep_bytes, lim->output_bytes);
    if (r->out_total > lim->output_bytes || r->err_total > lim->output_bytes) {
      r->flags |= F_OUTPUT_LIMIT;
      kill_and_reap_all(&c);
      /* what is still in the pipes is past the limit: nobody will read it */
      out_open = err_open = 0;
    }
  }
  r->wall_us = now_us() - start;
  close(pidfd);
  close(out_p[0]);
  close(err_p[0]);

  if (WIFEXITED(c.status)) {
    r->flags |= F_EXITED;
    r->exit_code = WEXITSTATUS(c.status);
  } else if (WIFSIGNALED(c.status)) {
    r->flags |= F_SIGNALED;
    r->signal = WTERMSIG(c.status);
    if (r->signal == SIGXCPU) r->flags |= F_CPU_LIMIT;
  }
  r->cpu_us = (uint64_t)c.ru.ru_utime.tv_sec * 1000000u + (uint64_t)c.ru.ru_utime.tv_usec +
              (uint64_t)c.ru.ru_stime.tv_sec * 1000000u + (uint64_t)c.ru.ru_stime.tv_usec;
  r->maxrss_kb = (uint64_t)c.ru.ru_maxrss;
  if (r->cpu_us / 1000u > lim->cpu_ms && (r->flags & F_SIGNALED)) r->flags |= F_CPU_LIMIT;
}

static void encode_result(struct buf *o, uint32_t index, const struct result *r) {
  buf_push(o, "FXR1", 4);
  put_u32(o, index);
  put_u32(o, r->flags);
  put_u32(o, (uint32_t)r->exit_code);
  put_u32(o, (uint32_t)r->signal);
  put_u64(o, r->cpu_us);
  put_u64(o, r->wall_us);
  put_u64(o, r->maxrss_kb);
  put_u64(o, r->out_total);
  put_u64(o, r->err_total);
  put_u32(o, (uint32_t)r->out.len);
  buf_push(o, r->out.data, r->out.len);
  put_u32(o, (uint32_t)r->err.len);
  buf_push(o, r->err.data, r->err.len);
}

static void read_limits(struct limits *l) {
  l->cpu_ms = get_u32();
  l->wall_ms = get_u32();
  l->mem_bytes = get_u64();
  l->fsize_bytes = get_u64();
  l->stack_bytes = get_u64();
  l->nproc = get_u32();
  l->output_bytes = get_u32();
  l->stderr_keep_bytes = get_u32();
  l->allow_fork = get_u32();
}

static void write_file(const char *path, const unsigned char *p, size_t n, mode_t mode) {
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) die("create file");
  write_all(fd, p, n);
  close(fd);
}

/* Compile mode: several commands in turn (the compiler, then optional checks such as a
 * lint pass); a command after a failing one is skipped. The binary /tmp/prog follows the
 * records when the first command made it. */
static void do_compile(void) {
  struct limits lim;
  read_limits(&lim);
  uint32_t ncmd = get_u32();
  if (ncmd == 0 || ncmd > 8) {
    errno = EPROTO;
    die("bad command count");
  }
  char **cmds[8];
  for (uint32_t c = 0; c < ncmd; c++) {
    uint32_t argc = get_u32();
    if (argc == 0 || argc > 256) {
      errno = EPROTO;
      die("bad argument count");
    }
    char **argv = calloc(argc + 1, sizeof *argv);
    for (uint32_t i = 0; i < argc; i++) {
      uint32_t len;
      const unsigned char *a = get_bytes(&len);
      argv[i] = strndup((const char *)a, len);
    }
    cmds[c] = argv;
  }
  uint32_t src_len;
  const unsigned char *src = get_bytes(&src_len);
  /* the commands share one work directory: the lint pass reads the source the compiler read */
  renew_work_dir();
  write_file(SOURCE_PATH, src, src_len, 0600);

  struct buf o = {0};
  int ok = 1, first_ok = 0;
  for (uint32_t c = 0; c < ncmd; c++) {
    struct result r;
    if (ok) {
      run_one(&lim, cmds[c], NULL, 0, &r);
      ok = (r.flags & F_EXITED) && r.exit_code == 0;
      if (c == 0) first_ok = ok;
    } else {
      memset(&r, 0, sizeof r);
      r.flags = F_SKIPPED;
    }
    encode_result(&o, c, &r);
  }

  struct buf bin = {0};
  int fd = first_ok ? open(BINARY_PATH, O_RDONLY | O_CLOEXEC | O_NOFOLLOW) : -1;
  if (fd >= 0) {
    unsigned char chunk[65536];
    ssize_t n;
    while ((n = read(fd, chunk, sizeof chunk)) > 0 && bin.len < MAX_BINARY) buf_push(&bin, chunk, (size_t)n);
    close(fd);
  }
  put_u32(&o, (uint32_t)bin.len);
  buf_push(&o, bin.data, bin.len);
  write_all(1, o.data, o.len);
}

static void do_run(void) {
  struct limits lim;
  read_limits(&lim);
  uint32_t ntests = get_u32();
  char *argv[] = {PROGRAM_PATH, NULL};
  for (uint32_t i = 0; i < ntests; i++) {
    uint32_t len;
    const unsigned char *input = get_bytes(&len);
    renew_work_dir();
    struct result r;
    run_one(&lim, argv, input, len, &r);
    struct buf o = {0};
    encode_result(&o, i, &r);
    /* stream each record so the host sees progress, and memory stays one test deep */
    write_all(1, o.data, o.len);
    free(o.data);
    free(r.out.data);
    free(r.err.data);
  }
}

int main(void) {
  /* Nothing but stdin, stdout and stderr may cross into the sandbox. */
  if (syscall(SYS_close_range, 3, ~0u, 0) != 0) {
    for (int fd = 3; fd < 1024; fd++) close(fd);
  }
  /* The student's program runs as the same uid: keep it from tracing or reading us. */
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  signal(SIGPIPE, SIG_IGN);
  if (getpid() != 1) {
    fprintf(stderr, "fixsense-runner: must be PID 1 of its own PID namespace\n");
    return 70;
  }
  own_mount_namespace();
  read_request();
  if (req_len < 8 || memcmp(req, "FXS2", 4) != 0) {
    fprintf(stderr, "fixsense-runner: bad request magic\n");
    return 70;
  }
  req_pos = 4;
  uint32_t mode = get_u32();
  work_bytes = get_u64();
  work_inodes = get_u32();
  if (mode == MODE_COMPILE)
    do_compile();
  else if (mode == MODE_RUN)
    do_run();
  else {
    fprintf(stderr, "fixsense-runner: unknown mode %u\n", mode);
    return 70;
  }
  return 0;
}
