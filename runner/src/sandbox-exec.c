// sandbox-exec: the agent's launcher. Started once by the agent and kept for its whole life, it runs each
// program stage it is sent under limits and streams back what the stage wrote and what it used.
//
// Why a long-lived helper: forking the agent's large Node process for every stage (and exec'ing a wrapper
// in between) was the largest part of the agent's CPU per job; forking this small process is cheap.
//
// It stays root, so the program cannot signal or trace it. For each stage the child raises its own OOM
// score (the kernel kills the program, never the agent), sets the rlimits, starts a new session, drops to
// the program's uid and gid, and execs. The launcher enforces the wall clock (killing every process of
// the uid once it is past), the CPU-time and memory limits over every process of the uid (sampled every
// 10 ms at first, less often as it runs on, see sample_stage; a POSIX timer on the child's CPU clock
// besides; the container's memory cgroup is the backstop under runc, and under gVisor this watch is what
// keeps a memory bomb from taking the sandbox down), and the output cap per stream.
//
// Usage: sandbox-exec [--ipc=all] [--memory-watch=sandbox] [--memory-stat=PATH:KEY] [--pid-namespace=stage]
// [dir...]: the directories that cleanup empties (the scratch root, /tmp, /dev/shm...). With --ipc=all
// (a runner's own IPC namespace) cleanup removes every System V IPC object; without it (the host's, in
// tests) those the uid owns or created. A stage whose processes' resident sizes add up to more than its
// limit is checked against the anonymous memory it added: the sandbox's with --memory-watch=sandbox
// (gVisor, see anon_bytes), the memory cgroup's with --memory-stat (see cgroup_anon_bytes), else their
// proportional set sizes where the launcher may read them. With --pid-namespace=stage (gVisor, and it
// needs CAP_SYS_ADMIN) each stage's program is the first process of a PID namespace of its own, with a
// /proc of its own (see become_program).
//
// Protocol, on stdin (one request at a time):
//   J uid gid cpu_ms memory_bytes nproc fsize nofile output_bytes block_len stdin_len clean stream wall_ms interactive merge as_bytes\n
//   block: argc envc, then cwd, each arg, each env (block_len bytes): numbers as 4-byte little-endian,
//          each string as its 4-byte little-endian length and its bytes (none of them NUL)
//   stdin: the program's standard input              (stdin_len bytes)
//   clean: 1 to clean up (as C does) right after the stage, in the same answer
//   stream: 1 to write each read of the program's output at once, rather than at the end
//   wall_ms: the stage's wall clock; past it the program and all of the uid's processes are killed
//   interactive: 1 to keep the program's stdin open after stdin_len bytes and take control lines while it
//   runs (output is then streamed too), until an x line, which ends the request even after the stage:
//     i len\n then len bytes (at most 32768): more stdin      e\n: close the program's stdin
//     s signo\n: send a signal to the program's process group x\n: the agent sends nothing more
//   merge: 1 to give the program its stdout pipe as its stderr too (2>&1): one stream, in the order written
//   as_bytes: the program's RLIMIT_AS, where allocations past it fail (Jobe's memorylimit); 0 for none
//   C uid gid\n: clean up after the uid: kill all its processes, remove its System V IPC objects, empty
//   every dir
// On fd 3, when the agent opened it: kill lines, out of band. `k N\n` kills the Nth stage (J request) of
// this launcher's life, at once, if it still runs: the program and every process of its uid. A kill that
// comes in band (a control line) can wait behind megabytes of input the program never reads.
// On stdout, frames of 1 tag byte, a 4-byte little-endian length, and the payload:
//   'o' stdout bytes, 'e' stderr bytes, 'r' the stage's report:
//   exit=N signal=N cpu_us=N maxrss_kb=N wall_us=N cpu_exceeded=0|1 memory_exceeded=0|1 exec_failed=0|1 truncated=stdout|stderr|none timed_out=0|1
//   'c' cleanup's report: one line per problem left, empty when all is clean.
// Frames are collected and written together at the end of each answer (or when 64 KiB are waiting), so
// the agent wakes once per stage rather than once per read of the program's output.
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/vfs.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <stdarg.h>

// How long the pipes may stay open after the program ended before what it left running is killed, and
// how long they may then take to drain.
#define ORPHAN_GRACE_MS 5
// Pipe capacity for large inputs: the most an unprivileged process may ask for by default (pipe-max-size).
#define PIPE_BYTES (1 << 20)
#define DRAIN_MS 500
// Past its wall clock, a program that is still there is killed again this often.
#define WALL_KILL_REPEAT_MS 100
// The stage's processes are sampled (CPU time, memory) every 10 ms for the first 100 ms, every 25 ms up
// to a second, then every 50 ms.
#define SAMPLE_FIRST_MS 10
#define SAMPLE_THEN_MS 25
#define SAMPLE_LATER_MS 50

struct job {
  long long uid, gid, cpu_ms, memory_bytes, nproc, fsize, nofile, output_bytes, clean, stream, wall_ms, interactive, merge, as_bytes;
  // Set once the request's x line was read.
  int control_ended;
  char *block;
  size_t block_len;
  // cwd, argv and envp point into this.
  char *strings;
  char *input;
  size_t input_len;
  const char *cwd;
  char **argv;
  char **envp;
};

static long long now_us(clockid_t clock) {
  struct timespec ts;
  if (clock_gettime(clock, &ts) != 0) return -1;
  return (long long)ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

// Requests are read through one buffer: a header line costs one read, not one per byte.
static char in_buffer[65536];
static size_t in_start = 0, in_end = 0;

static int fill_input(void) {
  if (in_start == in_end) in_start = in_end = 0;
  for (;;) {
    ssize_t n = read(STDIN_FILENO, in_buffer + in_end, sizeof in_buffer - in_end);
    if (n > 0) { in_end += (size_t)n; return 0; }
    if (n == 0) return -1;
    if (errno != EINTR) return -1;
  }
}

static int read_full(void *buffer, size_t length) {
  size_t done = 0;
  while (done < length) {
    if (in_start == in_end && length - done >= sizeof in_buffer) {
      // A large stdin goes straight where it belongs, not through the buffer.
      ssize_t n = read(STDIN_FILENO, (char *)buffer + done, length - done);
      if (n == 0) return -1;
      if (n < 0) { if (errno == EINTR) continue; return -1; }
      done += (size_t)n;
      continue;
    }
    if (in_start == in_end && fill_input() != 0) return -1;
    size_t take = in_end - in_start < length - done ? in_end - in_start : length - done;
    memcpy((char *)buffer + done, in_buffer + in_start, take);
    in_start += take;
    done += take;
  }
  return 0;
}

// One line without its newline; 1 at the end of input, -1 when it is too long or unreadable.
static int read_line(char *line, size_t size) {
  size_t used = 0;
  for (;;) {
    if (in_start == in_end) {
      if (in_end == sizeof in_buffer) { in_start = in_end = 0; }
      if (fill_input() != 0) return used == 0 ? 1 : -1;
    }
    char c = in_buffer[in_start++];
    if (c == '\n') { line[used] = 0; return 0; }
    if (used + 1 >= size) return -1;
    line[used++] = c;
  }
}

// An interactive stage's input that the program has not read yet, after the request's own stdin.
#define CONTROL_DATA_MAX 32768
#define BACKLOG_BYTES (1u << 20)
struct backlog { char *data; size_t start, end, size; int eof; };

static int backlog_add(struct backlog *b, const char *data, size_t length) {
  if (b->start > 0 && b->end + length > b->size) {
    memmove(b->data, b->data + b->start, b->end - b->start);
    b->end -= b->start;
    b->start = 0;
  }
  if (b->end + length > b->size) {
    size_t size = b->size ? b->size : 65536;
    while (size < b->end + length) size *= 2;
    char *grown = realloc(b->data, size);
    if (!grown) return -1;
    b->data = grown;
    b->size = size;
  }
  memcpy(b->data + b->end, data, length);
  b->end += length;
  return 0;
}

enum control { CONTROL_NONE, CONTROL_INPUT, CONTROL_EOF, CONTROL_SIGNAL, CONTROL_END, CONTROL_BAD };

// Takes one control line (and an input line's bytes) out of what was read already, never reading more:
// CONTROL_NONE when it is not all there yet. `data`/`length` are an input's bytes, `number` a signal's.
static enum control take_control(const char **data, size_t *length, int *number) {
  if (in_start > 0 && in_end == sizeof in_buffer) {
    // Room for the rest of a frame that starts late in the buffer.
    memmove(in_buffer, in_buffer + in_start, in_end - in_start);
    in_end -= in_start;
    in_start = 0;
  }
  char *newline = memchr(in_buffer + in_start, '\n', in_end - in_start);
  if (!newline) return in_end - in_start > 64 ? CONTROL_BAD : CONTROL_NONE;
  char *line = in_buffer + in_start;
  size_t line_length = (size_t)(newline - line) + 1;
  if (line[0] == 'i') {
    unsigned long n = strtoul(line + 1, NULL, 10);
    if (n > CONTROL_DATA_MAX) return CONTROL_BAD;
    if (in_end - in_start < line_length + n) return CONTROL_NONE;
    *data = line + line_length;
    *length = n;
    in_start += line_length + n;
    return CONTROL_INPUT;
  }
  in_start += line_length;
  if (line[0] == 'e') return CONTROL_EOF;
  if (line[0] == 'x') return CONTROL_END;
  if (line[0] == 's') {
    *number = atoi(line + 1);
    return *number > 0 && *number < 65 ? CONTROL_SIGNAL : CONTROL_BAD;
  }
  return CONTROL_BAD;
}

// After an interactive stage: what the agent sent before its x line is of no use any more.
static int skip_to_control_end(void) {
  for (;;) {
    const char *data;
    size_t length;
    int number;
    enum control c;
    while ((c = take_control(&data, &length, &number)) != CONTROL_NONE) {
      if (c == CONTROL_END) return 0;
      if (c == CONTROL_BAD) return -1;
    }
    if (in_start == in_end) in_start = in_end = 0;
    if (fill_input() != 0) return -1;
  }
}

static void write_full(int fd, const void *buffer, size_t length) {
  size_t done = 0;
  while (done < length) {
    ssize_t n = write(fd, (const char *)buffer + done, length - done);
    if (n < 0) { if (errno == EINTR) continue; _exit(3); }  // the agent is gone
    done += (size_t)n;
  }
}

static char out_buffer[65536];
static size_t out_used = 0;

static void flush_frames(void) {
  if (out_used > 0) write_full(STDOUT_FILENO, out_buffer, out_used);
  out_used = 0;
}

static void frame(char tag, const char *data, size_t length) {
  unsigned char header[5] = { (unsigned char)tag, length & 0xff, (length >> 8) & 0xff, (length >> 16) & 0xff, (length >> 24) & 0xff };
  if (out_used + sizeof header + length > sizeof out_buffer) flush_frames();
  if (sizeof header + length > sizeof out_buffer) {
    write_full(STDOUT_FILENO, header, sizeof header);
    write_full(STDOUT_FILENO, data, length);
    return;
  }
  memcpy(out_buffer + out_used, header, sizeof header);
  memcpy(out_buffer + out_used + sizeof header, data, length);
  out_used += sizeof header + length;
}

// The launcher's own /proc, opened at start: every file of /proc it reads is opened relative to it. Under
// gVisor a stage's /proc (--pid-namespace=stage) is mounted over the launcher's too (that gVisor's mount
// namespaces do not keep mounts apart) until the stage ends; this descriptor still reaches the original.
static int proc_dir = -1;
static dev_t proc_dev;

static int open_proc(const char *path) {
  return openat(proc_dir, path, O_RDONLY | O_CLOEXEC);
}

// A small file of /proc (a path relative to it) read whole into `buffer`, NUL-terminated; -1 when it
// cannot be read.
static ssize_t read_proc_file(const char *path, char *buffer, size_t size) {
  int fd = open_proc(path);
  if (fd < 0) return -1;
  ssize_t n = read(fd, buffer, size - 1);
  close(fd);
  if (n <= 0) return -1;
  buffer[n] = 0;
  return n;
}

// Helpers that act as the program's uid (kill -9 -1, IPC_RMID) take it as their effective uid only: their
// real and saved uids are CLEANER_UID_OFFSET above it, an id no process has. The kernel lets the helper
// signal the program's processes (its effective uid is theirs) but not the program signal or trace the
// helper (neither of its ids is the helper's real or saved uid), so a program cannot stop it mid-cleanup.
#define CLEANER_UID_OFFSET 0x40000000LL
// However a helper ends, the launcher waits for it no longer than this, then kills it and says so.
#define HELPER_DEADLINE_MS 1000

static int become_cleaner(long long uid, long long gid) {
  uid_t other = (uid_t)(uid + CLEANER_UID_OFFSET);
  if (setgroups(0, NULL) != 0) return -1;
  if (setresgid((gid_t)other, (gid_t)gid, (gid_t)other) != 0) return -1;
  return setresuid(other, (uid_t)uid, other);
}

// Waits for a helper; past the deadline it is killed. Returns 0 when it exited by itself with status 0.
static int wait_helper(pid_t helper) {
  if (helper < 0) return -1;
  long long deadline = now_us(CLOCK_MONOTONIC) + HELPER_DEADLINE_MS * 1000LL;
  int status = 0;
  for (;;) {
    pid_t done = waitpid(helper, &status, WNOHANG);
    if (done == helper) return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
    if (done < 0 && errno != EINTR) return -1;
    if (now_us(CLOCK_MONOTONIC) >= deadline) break;
    usleep(200);
  }
  kill(helper, SIGKILL);
  while (waitpid(helper, NULL, 0) < 0 && errno == EINTR) {}
  return -2;
}

// Under gVisor (--memory-watch=sandbox) a process's resident size counts whole 2 MiB units of every
// thread's stack that was touched at all: 64 idle threads look like 140 MiB. There, a resident size over
// the limit is checked against what the sandbox really holds: the growth of its anonymous memory since
// the stage began (/proc/meminfo, exact under gVisor but a millisecond a read, so read only then), less
// the output the agent has taken in meanwhile (it holds that, not the program).
static int sandbox_memory = 0;

// The number on the line of an open file of `key value` lines (/proc/meminfo's `AnonPages:`, memory.stat's
// `anon`) that starts with `key` and white space; -1 without one. Closes fd.
static long long keyed_number(int fd, const char *key) {
  FILE *file = fd >= 0 ? fdopen(fd, "re") : NULL;
  if (!file) {
    if (fd >= 0) close(fd);
    return -1;
  }
  char line[256];
  size_t key_length = strlen(key);
  long long value = -1;
  while (fgets(line, sizeof line, file)) {
    if (strncmp(line, key, key_length) == 0 && (line[key_length] == ' ' || line[key_length] == '\t')) {
      value = atoll(line + key_length + 1);
      break;
    }
  }
  fclose(file);
  return value;
}

static long long anon_bytes(void) {
  long long kb = keyed_number(open_proc("meminfo"), "AnonPages:");
  return kb < 0 ? -1 : kb * 1024;
}

// With --memory-stat=PATH:KEY (the container's memory cgroup: memory.stat, and its anonymous memory's
// line, `rss` on v1 and `anon` on v2), the same check as under gVisor, against the cgroup's figure.
static const char *memory_stat_path = NULL;
static char memory_stat_key[32];

static long long cgroup_anon_bytes(void) {
  return keyed_number(open(memory_stat_path, O_RDONLY | O_CLOEXEC), memory_stat_key);
}

// The anonymous memory the stage's check is made against: the sandbox's (gVisor), the cgroup's, or none.
static long long stage_anon_bytes(void) {
  if (sandbox_memory) return anon_bytes();
  if (memory_stat_path) return cgroup_anon_bytes();
  return -1;
}

// What every process of the stage's uid uses now, from /proc/PID/stat: CPU time (its own, and that of the
// children it has waited for) and resident size. Zombies count their CPU time until they are reaped; the
// launcher, a subreaper, reaps the orphans and keeps their CPU time (see reap_orphans).
struct stage_sample { long long cpu_us, resident_bytes; };

// Calls visit with each process of the uid that the launcher's /proc lists (by its pid's name) until it
// returns non-zero; -1 when /proc cannot be listed, else what visit last returned.
static int each_process_of(long long uid, int (*visit)(const char *pid, void *context), void *context) {
  int fd = open_proc(".");
  DIR *proc = fd >= 0 ? fdopendir(fd) : NULL;
  if (!proc) {
    if (fd >= 0) close(fd);
    return -1;
  }
  int result = 0;
  struct dirent *entry;
  while (result == 0 && (entry = readdir(proc)) != NULL) {
    if (entry->d_name[0] < '1' || entry->d_name[0] > '9') continue;
    struct stat owner;
    if (fstatat(proc_dir, entry->d_name, &owner, 0) != 0 || (long long)owner.st_uid != uid) continue;
    result = visit(entry->d_name, context);
  }
  closedir(proc);
  return result;
}

static int add_to_sample(const char *pid, void *context) {
  struct stage_sample *sample = context;
  static long ticks = 0, page = 0;
  if (!ticks) { ticks = sysconf(_SC_CLK_TCK); page = sysconf(_SC_PAGESIZE); }
  char path[288], text[1024];
  snprintf(path, sizeof path, "%s/stat", pid);
  if (read_proc_file(path, text, sizeof text) < 0) return 0;
  // The command name may hold spaces and parentheses: the fields start after its last ')'.
  char *fields = strrchr(text, ')');
  unsigned long long utime, stime;
  long long cutime, cstime, rss;
  char state;
  if (!fields || sscanf(fields + 1, " %c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %lld %lld %*d %*d %*d %*d %*u %*u %lld",
                        &state, &utime, &stime, &cutime, &cstime, &rss) != 6) return 0;
  sample->cpu_us += (long long)(utime + stime + (unsigned long long)cutime + (unsigned long long)cstime) * 1000000LL / ticks;
  sample->resident_bytes += rss * page;
  return 0;
}

static int sample_stage(long long uid, struct stage_sample *sample) {
  sample->cpu_us = sample->resident_bytes = 0;
  return each_process_of(uid, add_to_sample, sample);
}

// The uid's processes' proportional set size (shared pages divided among those that share them), where
// the kernel has smaps_rollup; -1 where it has not. Resident sizes count a page shared by a fork's
// parent and child twice: read only when their sum is over the limit.
static int has_smaps_rollup = 0;

static int add_proportional(const char *pid, void *context) {
  long long *total = context;
  char path[288], text[4096];
  snprintf(path, sizeof path, "%s/smaps_rollup", pid);
  // A process that exited between the listing and its read holds nothing; one the launcher may not
  // read (no CAP_SYS_PTRACE) leaves the sum unknown.
  errno = 0;
  if (read_proc_file(path, text, sizeof text) < 0) return errno == ENOENT || errno == ESRCH || errno == 0 ? 0 : -1;
  char *pss = strstr(text, "\nPss:");
  long long kb;
  if (pss && sscanf(pss + 5, " %lld", &kb) == 1) *total += kb * 1024;
  return 0;
}

static long long proportional_bytes(long long uid) {
  long long total = 0;
  if (!has_smaps_rollup || each_process_of(uid, add_proportional, &total) != 0) return -1;
  return total;
}

// The launcher is a subreaper: what the program leaves running when its parent exits becomes the
// launcher's child, not init's, so its CPU time is not lost when it ends. Reaps every child but `keep`
// (the stage's main process, waited for by itself) and adds their CPU time to *cpu_us. Helpers are
// always waited for before their caller returns, so none is reaped here.
static void reap_orphans(pid_t keep, long long *cpu_us) {
  for (;;) {
    siginfo_t info;
    memset(&info, 0, sizeof info);
    if (waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) != 0 || info.si_pid == 0 || info.si_pid == keep) return;
    struct rusage usage;
    if (wait4(info.si_pid, NULL, 0, &usage) != info.si_pid) return;
    if (cpu_us) {
      *cpu_us += (long long)usage.ru_utime.tv_sec * 1000000LL + usage.ru_utime.tv_usec +
                 (long long)usage.ru_stime.tv_sec * 1000000LL + usage.ru_stime.tv_usec;
    }
  }
}

// Kills every process of the uid, atomically against a fork: a helper signals all it may (kill -9 -1).
// Returns 0, or -2 when the helper had to be killed past its deadline.
static int kill_uid(long long uid, long long gid) {
  pid_t killer = fork();
  if (killer == 0) {
    if (become_cleaner(uid, gid) != 0) _exit(1);
    kill(-1, SIGKILL);
    _exit(0);
  }
  return wait_helper(killer) == -2 ? -2 : 0;
}

// Cleanup: what a job leaves behind goes, and what cannot be removed is named, so the runner is replaced.
#define MAX_PIDS 4096
#define KILL_ROUNDS 200
// Killing, however many rounds it takes, ends within this; what survives it makes the runner unclean.
#define KILL_DEADLINE_MS 3000
#define MAX_DEPTH 256
#define EMPTY_PASSES 3

struct problems { char text[4096]; size_t used; };

static void problem(struct problems *p, const char *format, ...) {
  if (p->used + 2 >= sizeof p->text) return;
  va_list args;
  va_start(args, format);
  int n = vsnprintf(p->text + p->used, sizeof p->text - p->used - 1, format, args);
  va_end(args);
  if (n < 0) return;
  p->used += (size_t)n < sizeof p->text - p->used - 1 ? (size_t)n : sizeof p->text - p->used - 2;
  p->text[p->used++] = '\n';
}

// Reads /proc/PID/status: its state letter, its thread count (0 when not said) and whether any of its
// real, effective, saved or fs uids is `uid`. Returns -1 when it is gone.
static int process_status(const char *path, long long uid, char *state, int *threads, int *matches) {
  char status[4096];
  if (read_proc_file(path, status, sizeof status) < 0) return -1;
  *state = '?';
  char *at = strstr(status, "\nState:");
  if (at) {
    at += 7;
    while (*at == ' ' || *at == '\t') at++;
    *state = *at;
  }
  *threads = 0;
  char *count = strstr(status, "\nThreads:");
  if (count) *threads = atoi(count + 9);
  long long ids[4];
  char *uids = strstr(status, "\nUid:");
  *matches = uids && sscanf(uids + 5, "%lld %lld %lld %lld", &ids[0], &ids[1], &ids[2], &ids[3]) == 4 &&
             (ids[0] == uid || ids[1] == uid || ids[2] == uid || ids[3] == uid);
  return 0;
}

// Processes of `uid` with any live task: running, sleeping, stopped or traced, or a zombie leader whose
// threads run on. Plain zombies, all of whose tasks have exited, are not counted: they hold nothing.
static int processes_of(long long uid, pid_t *pids, int max) {
  int fd = open_proc(".");
  DIR *proc = fd >= 0 ? fdopendir(fd) : NULL;
  if (!proc) {
    if (fd >= 0) close(fd);
    return -1;
  }
  int count = 0;
  pid_t self = getpid();
  struct dirent *entry;
  while ((entry = readdir(proc)) != NULL) {
    if (entry->d_name[0] < '1' || entry->d_name[0] > '9') continue;
    pid_t pid = (pid_t)atoi(entry->d_name);
    if (pid == self) continue;
    char path[64], state;
    int threads, matches;
    snprintf(path, sizeof path, "%d/status", (int)pid);
    if (process_status(path, uid, &state, &threads, &matches) != 0 || !matches) continue;
    // A zombie leader whose threads run on still counts them (a plain zombie counts itself: 1), under
    // Linux and gVisor alike (gVisor has no task directories to read).
    if ((state == 'Z' || state == 'X') && threads <= 1) continue;
    if (count < max) pids[count++] = pid;
  }
  closedir(proc);
  return count;
}

// Kills every process of the uid, again while a fork races us; the pids limit bounds how long that lasts,
// and a deadline bounds it whatever happens.
static void kill_all_of(long long uid, long long gid, struct problems *p) {
  static pid_t pids[MAX_PIDS];
  long long deadline = now_us(CLOCK_MONOTONIC) + KILL_DEADLINE_MS * 1000LL;
  for (int round = 0; round < KILL_ROUNDS && now_us(CLOCK_MONOTONIC) < deadline; round++) {
    int n = processes_of(uid, pids, MAX_PIDS);
    if (n < 0) { problem(p, "cannot read /proc: %s", strerror(errno)); return; }
    if (n == 0) return;
    // Root needs no helper to kill a pid it names; the helper's kill -9 -1 also reaches what was forked since.
    for (int i = 0; i < n; i++) kill(pids[i], SIGKILL);
    if (kill_uid(uid, gid) == -2) problem(p, "the kill helper for uid %lld did not finish within %d ms", uid, HELPER_DEADLINE_MS);
    // A killed process on the other CPU takes a moment to become a zombie.
    if (round >= 2) usleep(1000);
  }
  int n = processes_of(uid, pids, MAX_PIDS);
  if (n > 0) problem(p, "%d processes of uid %lld survive, pid %d among them", n, uid, (int)pids[0]);
}

// System V IPC objects: every one in the IPC namespace (the runner's own), or, where the launcher shares
// the host's namespace (tests), those the uid owns or created.
static int ipc_all = 0;

struct ipc_object { int id; long long owner, creator; };

// The objects of one kind (shm, sem, msg) as /proc/sysvipc lists them; -1 where there is no such file.
static int ipc_objects_listed(const char *kind, struct ipc_object *objects, int max) {
  char path[64];
  snprintf(path, sizeof path, "sysvipc/%s", kind);
  int fd = open_proc(path);
  FILE *file = fd >= 0 ? fdopen(fd, "re") : NULL;
  if (!file) {
    if (fd >= 0) close(fd);
    return -1;
  }
  char line[1024];
  int id_column = -1, uid_column = -1, cuid_column = -1, count = 0;
  if (fgets(line, sizeof line, file)) {
    int column = 0;
    for (char *word = strtok(line, " \t\n"); word; word = strtok(NULL, " \t\n"), column++) {
      if (strcmp(word, "uid") == 0) uid_column = column;
      if (strcmp(word, "cuid") == 0) cuid_column = column;
      if (strcmp(word, "shmid") == 0 || strcmp(word, "semid") == 0 || strcmp(word, "msqid") == 0) id_column = column;
    }
  }
  while (id_column >= 0 && uid_column >= 0 && cuid_column >= 0 && count < max && fgets(line, sizeof line, file)) {
    struct ipc_object object = { -1, -1, -1 };
    int column = 0;
    for (char *word = strtok(line, " \t\n"); word; word = strtok(NULL, " \t\n"), column++) {
      if (column == id_column) object.id = atoi(word);
      if (column == uid_column) object.owner = atoll(word);
      if (column == cuid_column) object.creator = atoll(word);
    }
    if (object.id >= 0) objects[count++] = object;
  }
  fclose(file);
  return count;
}

static const char *ipc_kinds[3] = { "shm", "sem", "msg" };

// The objects of one kind that cleanup removes. Where /proc/sysvipc does not list them (gVisor), the
// program cannot make any (install_denials): there are none.
static int ipc_objects_of(int kind, long long uid, struct ipc_object *objects, int max) {
  int n = ipc_objects_listed(ipc_kinds[kind], objects, max);
  int kept = 0;
  for (int i = 0; i < n; i++) {
    if (ipc_all || objects[i].owner == uid || objects[i].creator == uid) objects[kept++] = objects[i];
  }
  return kept;
}

// IPC objects outlive their processes. Only their owner or creator (or CAP_SYS_ADMIN, which the runner
// does not have) may remove them; the program can create them only as its uid, so a helper with that
// effective uid removes them, whoever it gave them to since.
static void remove_ipc_of(long long uid, long long gid, struct problems *p) {
  static struct ipc_object objects[3][1024];
  int counts[3], total = 0;
  for (int k = 0; k < 3; k++) total += counts[k] = ipc_objects_of(k, uid, objects[k], 1024);
  if (total == 0) return;
  pid_t remover = fork();
  if (remover == 0) {
    if (become_cleaner(uid, gid) != 0) _exit(1);
    for (int i = 0; i < counts[0]; i++) shmctl(objects[0][i].id, IPC_RMID, NULL);
    for (int i = 0; i < counts[1]; i++) semctl(objects[1][i].id, 0, IPC_RMID);
    for (int i = 0; i < counts[2]; i++) msgctl(objects[2][i].id, IPC_RMID, NULL);
    _exit(0);
  }
  if (wait_helper(remover) == -2) problem(p, "the IPC helper for uid %lld did not finish within %d ms", uid, HELPER_DEADLINE_MS);
  int left = 0;
  for (int k = 0; k < 3; k++) left += ipc_objects_of(k, uid, objects[k], 1024);
  if (left > 0) problem(p, "%d System V IPC objects survive cleanup", left);
}

// Removes everything inside the open directory `dir`. Symlinks are removed, never followed.
// Returns how many entries could not be removed.
static int empty_dir(int dir, const char *top, int depth, struct problems *p) {
  int fd = dup(dir);
  if (fd < 0) { problem(p, "cannot read %s: %s", top, strerror(errno)); return 1; }
  DIR *listing = fdopendir(fd);
  if (!listing) { close(fd); problem(p, "cannot read %s: %s", top, strerror(errno)); return 1; }
  // The duplicate shares the directory's read position with `dir`: start from the beginning.
  rewinddir(listing);
  int failed = 0;
  struct dirent *entry;
  while ((entry = readdir(listing)) != NULL) {
    const char *name = entry->d_name;
    if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0) continue;
    if (unlinkat(dir, name, 0) == 0 || errno == ENOENT) continue;
    if (errno != EISDIR && errno != EPERM) { failed++; problem(p, "cannot remove %s/.../%s: %s", top, name, strerror(errno)); continue; }
    if (depth >= MAX_DEPTH) { failed++; problem(p, "%s holds directories nested deeper than %d", top, MAX_DEPTH); continue; }
    int sub = openat(dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (sub < 0) { failed++; problem(p, "cannot open %s/.../%s: %s", top, name, strerror(errno)); continue; }
    int inner = empty_dir(sub, top, depth + 1, p);
    close(sub);
    // What could not be removed inside was named already; its parents' ENOTEMPTY says nothing more.
    if (inner > 0) { failed += inner; continue; }
    if (unlinkat(dir, name, AT_REMOVEDIR) != 0 && errno != ENOENT) { failed++; problem(p, "cannot remove %s/.../%s: %s", top, name, strerror(errno)); }
  }
  closedir(listing);
  return failed;
}

static int is_empty(int dir) {
  int fd = dup(dir);
  DIR *listing = fd >= 0 ? fdopendir(fd) : NULL;
  if (!listing) { if (fd >= 0) close(fd); return 0; }
  rewinddir(listing);
  struct dirent *entry;
  int empty = 1;
  while (empty && (entry = readdir(listing)) != NULL) {
    if (strcmp(entry->d_name, ".") != 0 && strcmp(entry->d_name, "..") != 0) empty = 0;
  }
  closedir(listing);
  return empty;
}

static char **wipe_dirs;
static int wipe_count;

// The end of every job: no process of the uid left, no IPC object of it, every wipe dir empty.
static void clean_up(long long uid, long long gid) {
  struct problems p;
  p.used = 0;
  kill_all_of(uid, gid, &p);
  // What the launcher inherited as a subreaper and cleanup killed: reaped, or its zombie would count
  // against the next job's processes limit.
  reap_orphans(0, NULL);
  remove_ipc_of(uid, gid, &p);
  for (int i = 0; i < wipe_count; i++) {
    int dir = open(wipe_dirs[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dir < 0) {
      if (errno != ENOENT) problem(&p, "cannot open %s: %s", wipe_dirs[i], strerror(errno));
      continue;
    }
    // Entries made while we read (by nothing, once the uid is dead) would show on the next pass.
    struct problems pass;
    int emptied = 0;
    for (int round = 0; round < EMPTY_PASSES && !emptied; round++) {
      pass.used = 0;
      empty_dir(dir, wipe_dirs[i], 0, &pass);
      emptied = is_empty(dir);
    }
    if (!emptied) {
      if (pass.used == 0) problem(&p, "%s is not empty after cleanup", wipe_dirs[i]);
      else if (p.used + pass.used < sizeof p.text) { memcpy(p.text + p.used, pass.text, pass.used); p.used += pass.used; }
    }
    close(dir);
  }
  frame('c', p.text, p.used);
}

// The program's stdin waits in one mapping kept from job to job and marked MADV_DONTFORK: the child
// never needs it, and a megabyte inherited by every fork cost its page tables at fork and at exec.
#define KEEP_INPUT_BYTES (4u << 20)
static char *input_map = NULL;
static size_t input_map_size = 0;

static char *input_buffer(size_t length) {
  size_t page = (size_t)sysconf(_SC_PAGESIZE);
  size_t want = (length + 1 + page - 1) / page * page;
  if (input_map && input_map_size >= want) return input_map;
  if (input_map) munmap(input_map, input_map_size);
  input_map = mmap(NULL, want, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (input_map == MAP_FAILED) { input_map = NULL; input_map_size = 0; return NULL; }
  input_map_size = want;
  madvise(input_map, input_map_size, MADV_DONTFORK);
  return input_map;
}

// A rare large stdin does not keep its memory for the rest of the runner's life.
static void trim_input_buffer(void) {
  if (input_map && input_map_size > KEEP_INPUT_BYTES) {
    munmap(input_map, input_map_size);
    input_map = NULL;
    input_map_size = 0;
  }
}

static int set_limit(int resource, long long value) {
  if (value <= 0) return 0;
  struct rlimit limit = { (rlim_t)value, (rlim_t)value };
  return setrlimit(resource, &limit);
}

// What cleanup cannot see, the program may not make. Where System V IPC objects cannot be listed (no
// /proc/sysvipc: gVisor) or POSIX message queues are on no mqueue file system among the wipe dirs
// (gVisor has no /dev/mqueue), the calls that make them fail with ENOSYS, as on a kernel built without
// them: nothing of the kind can outlive the job. Decided once, at start (see main).
static int deny_sysv_ipc = 0, deny_mqueue = 0;
#define MQUEUE_MAGIC 0x19800202

static int install_denials(void) {
  if (!deny_sysv_ipc && !deny_mqueue) return 0;
  struct sock_filter filter[16];
  unsigned n = 0, denied[4], count = 0;
  if (deny_sysv_ipc) { denied[count++] = SYS_shmget; denied[count++] = SYS_semget; denied[count++] = SYS_msgget; }
  if (deny_mqueue) denied[count++] = SYS_mq_open;
  filter[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
  // Another ABI (i386's int 0x80) would number the calls otherwise: it gets nothing.
  filter[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0);
  filter[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS);
  filter[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
  // x32 numbers (bit 30 set) likewise.
  filter[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000, (unsigned char)(count + 1), 0);
  for (unsigned i = 0; i < count; i++) filter[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, denied[i], (unsigned char)(count - i), 0);
  filter[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
  filter[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS);
  struct sock_fprog program = { (unsigned short)n, filter };
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return -1;
  return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program);
}

// Which of the above the program is denied, from what this launcher can see.
static void decide_denials(void) {
  deny_sysv_ipc = faccessat(proc_dir, "sysvipc/shm", R_OK, 0) != 0 || faccessat(proc_dir, "sysvipc/sem", R_OK, 0) != 0 ||
                  faccessat(proc_dir, "sysvipc/msg", R_OK, 0) != 0;
  deny_mqueue = 1;
  for (int i = 0; i < wipe_count; i++) {
    struct statfs fs;
    if (statfs(wipe_dirs[i], &fs) == 0 && (unsigned long)fs.f_type == MQUEUE_MAGIC) deny_mqueue = 0;
  }
}

// Whether each stage gets a PID namespace and a /proc of its own (--pid-namespace=stage).
static int stage_pid_namespace = 0;

// Takes away a stage's /proc where it was mounted over the launcher's own (see proc_dir): once the stage's
// namespace is gone it lists nothing, and the agent and the next stage need the runner's. Where mount
// namespaces keep mounts apart (Linux, a later gVisor), /proc is the launcher's own and nothing is done.
static void unmount_stage_proc(void) {
  struct stat now;
  for (int i = 0; i < 8 && stat("/proc", &now) == 0 && now.st_dev != proc_dev; i++) {
    if (umount2("/proc", MNT_DETACH) != 0) break;
  }
}

static void child_fail(int exec_fd, const char *what) {
  int err = errno;
  if (write(exec_fd, &err, sizeof err) < 0) { /* nothing more to do */ }
  fprintf(stderr, "sandbox-exec: %s: %s\n", what, strerror(err));
  _exit(127);
}

// In the child: limits, session, identity, then the program. Never returns.
static void become_program(const struct job *job, int in, int out, int err, int exec_fd, const sigset_t *mask) {
  dup2(in, 0);
  dup2(out, 1);
  dup2(job->merge ? out : err, 2);
  // Every other descriptor goes: one close_range where the kernel has it, else one close per fd.
  if (exec_fd != 3) dup2(exec_fd, 3);
  fcntl(3, F_SETFD, FD_CLOEXEC);
  exec_fd = 3;
  if (syscall(SYS_close_range, 4, ~0U, 0) != 0) for (int fd = 4; fd < 1024; fd++) close(fd);
  sigprocmask(SIG_SETMASK, mask, NULL);
  signal(SIGPIPE, SIG_DFL);
  setsid();
  int oom = open("/proc/self/oom_score_adj", O_WRONLY);
  if (oom >= 0) {
    if (write(oom, "1000", 4) < 0) { /* the limit still holds; only the choice of victim is lost */ }
    close(oom);
  }
  if (job->cpu_ms > 0) {
    // The kernel's own backstop, in whole seconds; the launcher's timer kills at the millisecond.
    rlim_t seconds = (rlim_t)((job->cpu_ms + 999) / 1000 + 1);
    struct rlimit cpu = { seconds, seconds + 1 };
    if (setrlimit(RLIMIT_CPU, &cpu) != 0) child_fail(exec_fd, "RLIMIT_CPU");
  }
  if (set_limit(RLIMIT_FSIZE, job->fsize) != 0) child_fail(exec_fd, "RLIMIT_FSIZE");
  if (set_limit(RLIMIT_NOFILE, job->nofile) != 0) child_fail(exec_fd, "RLIMIT_NOFILE");
  if (job->as_bytes > 0 && set_limit(RLIMIT_AS, job->as_bytes) != 0) child_fail(exec_fd, "RLIMIT_AS");
  struct rlimit no_core = { 0, 0 };
  setrlimit(RLIMIT_CORE, &no_core);
  if (job->cwd[0] && chdir(job->cwd) != 0) child_fail(exec_fd, "chdir");
  if (stage_pid_namespace) {
    // gVisor's procfs lets any uid read every process's maps, auxv and fd/ listing: in a PID namespace
    // of its own, with its /proc, the program sees only its own processes, never the agent's or init's.
    // Where mounts propagate (Linux's shared root), the new /proc must not reach the parent's namespace;
    // gVisor has no propagation and refuses the call with EINVAL.
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 && errno != EINVAL) child_fail(exec_fd, "mount --make-rprivate /");
    if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) != 0) child_fail(exec_fd, "mount /proc");
  }
  if (setgroups(0, NULL) != 0) child_fail(exec_fd, "setgroups");
  if (setgid((gid_t)job->gid) != 0) child_fail(exec_fd, "setgid");
  if (setuid((uid_t)job->uid) != 0) child_fail(exec_fd, "setuid");
  if (getuid() != (uid_t)job->uid || geteuid() != (uid_t)job->uid) { errno = EPERM; child_fail(exec_fd, "uid switch"); }
  // NPROC counts the tasks of the uid, so it is set once the uid is the program's.
  if (set_limit(RLIMIT_NPROC, job->nproc) != 0) child_fail(exec_fd, "RLIMIT_NPROC");
  if (install_denials() != 0) child_fail(exec_fd, "seccomp");
  execvpe(job->argv[0], job->argv, job->envp);
  child_fail(exec_fd, job->argv[0]);
}

static int take_u32(const char **cursor, const char *end, uint32_t *value) {
  if (end - *cursor < 4) return -1;
  const unsigned char *b = (const unsigned char *)*cursor;
  *value = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
  *cursor += 4;
  return 0;
}

// Splits the block into cwd, argv and envp: every field is its length, then its bytes, so no byte of a
// field can end it or move into the next. A field with a NUL cannot be passed to a program: the job is
// malformed. Returns -1 when it is.
static int parse_block(struct job *job) {
  const char *cursor = job->block, *end = job->block + job->block_len;
  uint32_t argc, envc;
  if (take_u32(&cursor, end, &argc) || take_u32(&cursor, end, &envc) || argc < 1 || argc > 4096 || envc > 256) return -1;
  // Each field's 4-byte length becomes its string's NUL: the strings fit in the block's size.
  job->strings = malloc(job->block_len + 1);
  job->argv = calloc((size_t)argc + 1, sizeof(char *));
  job->envp = calloc((size_t)envc + 1, sizeof(char *));
  if (!job->strings || !job->argv || !job->envp) return -1;
  char *out = job->strings;
  for (uint32_t i = 0; i < 1 + argc + envc; i++) {
    uint32_t length;
    if (take_u32(&cursor, end, &length) || (size_t)(end - cursor) < length || memchr(cursor, 0, length)) return -1;
    memcpy(out, cursor, length);
    out[length] = 0;
    if (i == 0) job->cwd = out;
    else if (i <= argc) job->argv[i - 1] = out;
    else job->envp[i - 1 - argc] = out;
    out += length + 1;
    cursor += length;
  }
  return cursor == end ? 0 : -1;
}

// The program and its process group.
static void kill_program(pid_t child) {
  kill(-child, SIGKILL);
  kill(child, SIGKILL);
}

// An interactive stage's control lines read so far: input joins the backlog, a signal goes to the
// program. Returns 0 once the stage takes no more: its x line came, or a bad one (the program is killed).
static int apply_controls(pid_t child, int exited, int stdin_open, struct backlog *more, struct job *job) {
  while (in_start < in_end) {
    const char *data;
    size_t length;
    int number;
    enum control c = take_control(&data, &length, &number);
    if (c == CONTROL_NONE) break;
    if (c == CONTROL_INPUT && stdin_open && !more->eof && backlog_add(more, data, length) != 0) c = CONTROL_BAD;
    if (c == CONTROL_EOF) more->eof = 1;
    // Before the child has called setsid there is no group yet: the child itself gets it.
    if (c == CONTROL_SIGNAL && !exited && kill(-child, number) != 0) kill(child, number);
    if (c == CONTROL_END) {
      job->control_ended = 1;
      return 0;
    }
    if (c == CONTROL_BAD) {
      // The agent is broken: the stage ends here.
      kill_program(child);
      return 0;
    }
  }
  return 1;
}

// A stage that failed before its program could start: said on its stderr, with a report to match.
static void report_not_started(const char *message) {
  const char *report = "exit=-1 signal=0 cpu_us=0 maxrss_kb=0 wall_us=0 cpu_exceeded=0 memory_exceeded=0 exec_failed=1 truncated=none";
  frame('e', message, strlen(message));
  frame('r', report, strlen(report));
}

// The stage's four pipes; none is left open when one cannot be made.
static int open_pipes(int pipes[4][2]) {
  for (int i = 0; i < 4; i++) {
    if (pipe2(pipes[i], O_CLOEXEC) == 0) continue;
    while (--i >= 0) { close(pipes[i][0]); close(pipes[i][1]); }
    return -1;
  }
  return 0;
}

// The agent's kill lines (fd 3), and which stage of the launcher's life runs now.
static int kill_fd = -1;
static long long stage_number = 0;
static char kill_buffer[256];
static size_t kill_used = 0;

// Reads the kill lines that came; whether one of them names the stage running now. Lines for earlier
// stages (sent as their stage ended) are dropped. The agent gone closes the channel.
static int take_kills(void) {
  int mine = 0;
  for (;;) {
    ssize_t got = read(kill_fd, kill_buffer + kill_used, sizeof kill_buffer - 1 - kill_used);
    if (got == 0) { close(kill_fd); kill_fd = -1; break; }
    if (got < 0) break;
    kill_used += (size_t)got;
    char *line = kill_buffer, *newline;
    while ((newline = memchr(line, '\n', kill_used - (size_t)(line - kill_buffer)))) {
      *newline = 0;
      if (line[0] == 'k' && atoll(line + 1) == stage_number) mine = 1;
      line = newline + 1;
    }
    kill_used -= (size_t)(line - kill_buffer);
    memmove(kill_buffer, line, kill_used);
    // A line longer than any kill: nobody sends that.
    if (kill_used == sizeof kill_buffer - 1) kill_used = 0;
  }
  return mine;
}

// One stage as it runs: its program and pipes, what it has taken in and given out, what it has used,
// and what became of it.
struct stage {
  struct job *job;
  pid_t child;
  // The launcher's ends: the program's stdin, stdout, stderr, and the pipe its exec failure comes back on.
  int in, out, err, exec_fd;
  int stdin_open, out_open, err_open, control_open, exited, status;
  struct rusage usage;
  long long started, exited_at, last_kill, next_sample;
  // The request's stdin written so far; an interactive stage's later input, not yet taken.
  size_t written;
  struct backlog more;
  int cpu_exceeded, memory_exceeded, killed_orphans, timed_out, killed;
  // CPU time and resident size over all the stage's processes, as sampled; the CPU time of orphans reaped.
  long long sampled_cpu_us, orphans_cpu_us, peak_bytes, anon_base;
  int watching;
  long long sizes[2];
  const char *truncated;
  int timer_armed;
  timer_t timer;
};

// The program and everything else of its uid die: a limit was passed.
static void kill_stage(struct stage *s) {
  kill_program(s->child);
  kill_uid(s->job->uid, s->job->gid);
}

// A POSIX timer on the program's CPU clock: SIGUSR1 (through the signalfd) once it has used its limit.
static void arm_cpu_timer(struct stage *s) {
  clockid_t cpu_clock;
  if (s->job->cpu_ms <= 0 || clock_getcpuclockid(s->child, &cpu_clock) != 0) return;
  struct sigevent event;
  memset(&event, 0, sizeof event);
  event.sigev_notify = SIGEV_SIGNAL;
  event.sigev_signo = SIGUSR1;
  if (timer_create(cpu_clock, &event, &s->timer) != 0) return;
  struct itimerspec when;
  memset(&when, 0, sizeof when);
  when.it_value.tv_sec = s->job->cpu_ms / 1000;
  when.it_value.tv_nsec = (s->job->cpu_ms % 1000) * 1000000L;
  s->timer_armed = timer_settime(s->timer, 0, &when, NULL) == 0;
  if (!s->timer_armed) timer_delete(s->timer);
}

// Forks the stage's program with its pipes; 0 once it runs, -1 (the stage reported) when it cannot start.
static int start_stage(struct stage *s, struct job *job, const sigset_t *original_mask) {
  memset(s, 0, sizeof *s);
  s->job = job;
  s->truncated = "none";
  int pipes[4][2];
  if (open_pipes(pipes) != 0) {
    report_not_started("sandbox-exec: pipe failed\n");
    return -1;
  }
  s->started = now_us(CLOCK_MONOTONIC);
  s->anon_base = job->memory_bytes > 0 ? stage_anon_bytes() : -1;
  // In its own PID namespace the program is its first process: when it ends, the kernel kills the rest.
  // gVisor does not shield such a first process from its own signals as Linux does (abort() still aborts).
  pid_t child = stage_pid_namespace ? (pid_t)syscall(SYS_clone, CLONE_NEWPID | CLONE_NEWNS | SIGCHLD, NULL, NULL, NULL, 0) : fork();
  if (child == 0) become_program(job, pipes[0][0], pipes[1][1], pipes[2][1], pipes[3][1], original_mask);
  if (child < 0) {
    char message[128];
    snprintf(message, sizeof message, "sandbox-exec: %s: %s\n", stage_pid_namespace ? "clone" : "fork", strerror(errno));
    for (int i = 0; i < 4; i++) { close(pipes[i][0]); close(pipes[i][1]); }
    report_not_started(message);
    return -1;
  }
  s->child = child;
  close(pipes[0][0]); close(pipes[1][1]); close(pipes[2][1]); close(pipes[3][1]);
  s->in = pipes[0][1];
  s->out = pipes[1][0];
  s->err = pipes[2][0];
  s->exec_fd = pipes[3][0];
  fcntl(s->in, F_SETFL, O_NONBLOCK);
  // A large stdin goes into the pipe in one write, and out of it in few reads, rather than 64 KiB a wake-up.
  if (job->input_len > 65536) fcntl(s->in, F_SETPIPE_SZ, (int)(job->input_len < PIPE_BYTES ? job->input_len : PIPE_BYTES));
  arm_cpu_timer(s);
  s->more.eof = !job->interactive;
  s->control_open = job->interactive != 0;
  s->stdin_open = s->out_open = s->err_open = 1;
  s->next_sample = s->started + SAMPLE_FIRST_MS * 1000LL;
  s->watching = job->memory_bytes > 0 || job->cpu_ms > 0;
  if (job->input_len == 0 && !job->interactive) { close(s->in); s->stdin_open = 0; }
  return 0;
}

// Where each descriptor the stage waits on sits in the poll set; -1 when it is not waited on.
struct waits { int out, err, in, control, kills; };

static nfds_t poll_set(const struct stage *s, int signals, struct pollfd *fds, struct waits *w) {
  nfds_t n = 0;
  *w = (struct waits){ -1, -1, -1, -1, -1 };
  fds[n].fd = signals; fds[n].events = POLLIN; n++;
  if (s->out_open) { w->out = (int)n; fds[n].fd = s->out; fds[n].events = POLLIN; n++; }
  if (s->err_open) { w->err = (int)n; fds[n].fd = s->err; fds[n].events = POLLIN; n++; }
  int input_waiting = s->written < s->job->input_len || s->more.end > s->more.start;
  if (s->stdin_open && (input_waiting || s->more.eof)) { w->in = (int)n; fds[n].fd = s->in; fds[n].events = POLLOUT; n++; }
  // Control lines are read while the program runs, and no faster than it takes its input.
  if (s->control_open && !s->exited && s->more.end - s->more.start < BACKLOG_BYTES) {
    w->control = (int)n; fds[n].fd = STDIN_FILENO; fds[n].events = POLLIN; n++;
  }
  if (kill_fd >= 0 && !s->exited && !s->killed) { w->kills = (int)n; fds[n].fd = kill_fd; fds[n].events = POLLIN; n++; }
  return n;
}

// After the program exited: whatever it left running and holding its pipes dies after a grace, and the
// pipes are drained a while longer. How long to wait now; -1 once the drain is over.
static int drain_wait_ms(struct stage *s) {
  long long since = (now_us(CLOCK_MONOTONIC) - s->exited_at) / 1000;
  if (!s->killed_orphans && since >= ORPHAN_GRACE_MS) {
    kill_uid(s->job->uid, s->job->gid);
    s->killed_orphans = 1;
  }
  if (since >= ORPHAN_GRACE_MS + DRAIN_MS) return -1;
  return s->killed_orphans ? 10 : ORPHAN_GRACE_MS;
}

// Past the wall clock the program and everything it started die, again while they resist. How long to
// wait now: until the next sample or the wall clock, whichever is first (-1: nothing to wait for).
static int running_wait_ms(struct stage *s) {
  int wait_ms = -1;
  if (s->watching && !s->memory_exceeded && !s->cpu_exceeded) {
    long long until = s->next_sample - now_us(CLOCK_MONOTONIC);
    wait_ms = until <= 0 ? 0 : (int)((until + 999) / 1000);
  }
  if (s->job->wall_ms > 0) {
    long long now = now_us(CLOCK_MONOTONIC);
    long long left_us = s->started + s->job->wall_ms * 1000 - now;
    if (left_us <= 0) {
      if (!s->timed_out || now - s->last_kill >= WALL_KILL_REPEAT_MS * 1000LL) {
        s->timed_out = 1;
        s->last_kill = now;
        kill_stage(s);
      }
      left_us = WALL_KILL_REPEAT_MS * 1000LL;
    }
    int left_ms = (int)((left_us + 999) / 1000);
    if (wait_ms < 0 || wait_ms > left_ms) wait_ms = left_ms;
  }
  return wait_ms;
}

// The CPU timer's SIGUSR1: the program used its CPU time. (SIGCHLD only wakes the loop.)
static void take_signals(struct stage *s, int signals) {
  struct signalfd_siginfo info;
  while (read(signals, &info, sizeof info) == (ssize_t)sizeof info) {
    if (info.ssi_signo == SIGUSR1 && !s->exited && !s->cpu_exceeded) {
      s->cpu_exceeded = 1;
      kill(s->child, SIGKILL);
    }
  }
}

static void check_exited(struct stage *s) {
  if (s->exited || wait4(s->child, &s->status, WNOHANG, &s->usage) != s->child) return;
  s->exited = 1;
  s->exited_at = now_us(CLOCK_MONOTONIC);
  if (s->stdin_open) { close(s->in); s->stdin_open = 0; }
}

// Every process of the stage counts: children, their children, and what outlived its parent. Past the
// CPU time or the memory, all of them die. A resident sum over the limit is checked against the
// anonymous memory the stage added, so that pages a fork shares are not counted twice.
static void sample_usage(struct stage *s) {
  long long now = now_us(CLOCK_MONOTONIC);
  if (s->exited || !s->watching || s->memory_exceeded || s->cpu_exceeded || now < s->next_sample) return;
  long long since = (now - s->started) / 1000;
  s->next_sample = now + (since < 100 ? SAMPLE_FIRST_MS : since < 1000 ? SAMPLE_THEN_MS : SAMPLE_LATER_MS) * 1000LL;
  struct stage_sample sample;
  if (sample_stage(s->job->uid, &sample) != 0) return;
  if (sample.cpu_us + s->orphans_cpu_us > s->sampled_cpu_us) s->sampled_cpu_us = sample.cpu_us + s->orphans_cpu_us;
  if (s->job->cpu_ms > 0 && s->sampled_cpu_us >= s->job->cpu_ms * 1000LL) {
    s->cpu_exceeded = 1;
    kill_stage(s);
  }
  long long resident = sample.resident_bytes;
  if (s->job->memory_bytes > 0 && resident > s->job->memory_bytes) {
    if (s->anon_base >= 0) {
      long long anon = stage_anon_bytes();
      long long used = anon - s->anon_base - s->sizes[0] - s->sizes[1];
      if (anon >= 0 && used < resident) resident = used > 0 ? used : 0;
    } else {
      long long proportional = proportional_bytes(s->job->uid);
      if (proportional >= 0 && proportional < resident) resident = proportional;
    }
  }
  if (resident > s->peak_bytes) s->peak_bytes = resident;
  if (s->job->memory_bytes > 0 && resident > s->job->memory_bytes && !s->cpu_exceeded) {
    s->memory_exceeded = 1;
    kill_stage(s);
  }
}

// An interactive stage's control lines, as the agent writes them.
static void read_controls(struct stage *s) {
  if (in_start == in_end) in_start = in_end = 0;
  if (in_end < sizeof in_buffer && fill_input() != 0 && s->control_open) {
    // The agent is gone: the stage ends here.
    s->control_open = 0;
    kill_program(s->child);
  }
}

// The request's stdin, then an interactive stage's later input, as fast as the program takes it.
static void pump_stdin(struct stage *s) {
  ssize_t w = 0;
  if (s->written < s->job->input_len) {
    w = write(s->in, s->job->input + s->written, s->job->input_len - s->written);
    if (w > 0) s->written += (size_t)w;
  } else if (s->more.end > s->more.start) {
    w = write(s->in, s->more.data + s->more.start, s->more.end - s->more.start);
    if (w > 0) s->more.start += (size_t)w;
  }
  int all_written = s->written == s->job->input_len && s->more.start == s->more.end;
  if ((w < 0 && errno != EAGAIN && errno != EINTR) || (all_written && s->more.eof)) { close(s->in); s->stdin_open = 0; }
}

// One read of the program's stdout (0) or stderr (1), framed; past the output limit, what fits is kept,
// the program and all it started are stopped, and the report says which stream.
static void pump_output(struct stage *s, int stream, char *buffer, size_t size) {
  int fd = stream == 0 ? s->out : s->err;
  int *open_flag = stream == 0 ? &s->out_open : &s->err_open;
  char tag = stream == 0 ? 'o' : 'e';
  ssize_t got = read(fd, buffer, size);
  if (got <= 0) {
    if (got < 0 && (errno == EINTR || errno == EAGAIN)) return;
    close(fd);
    *open_flag = 0;
    return;
  }
  long long room = s->job->output_bytes - s->sizes[stream];
  if (got > room) {
    if (room > 0) { frame(tag, buffer, (size_t)room); s->sizes[stream] += room; }
    if (strcmp(s->truncated, "none") == 0) {
      s->truncated = stream == 0 ? "stdout" : "stderr";
      kill_stage(s);
    }
    return;
  }
  frame(tag, buffer, (size_t)got);
  s->sizes[stream] += got;
  // A streamed job's output goes to the agent as it is read.
  if (s->job->stream) flush_frames();
}

// The program is over (or given up on): its descriptors closed, its report framed.
static void finish_stage(struct stage *s) {
  if (!s->exited) {
    kill(s->child, SIGKILL);
    wait4(s->child, &s->status, 0, &s->usage);
  }
  reap_orphans(0, &s->orphans_cpu_us);
  if (stage_pid_namespace) unmount_stage_proc();
  if (s->out_open) close(s->out);
  if (s->err_open) close(s->err);
  if (s->stdin_open) close(s->in);
  free(s->more.data);
  if (s->timer_armed) timer_delete(s->timer);
  long long wall = (s->exited_at ? s->exited_at : now_us(CLOCK_MONOTONIC)) - s->started;

  int exec_errno = 0;
  int exec_failed = read(s->exec_fd, &exec_errno, sizeof exec_errno) == (ssize_t)sizeof exec_errno;
  close(s->exec_fd);
  // The main process with the children it waited for, the orphans the launcher reaped; or the last
  // sample, where what is still alive (to be killed at cleanup) used more.
  struct rusage *u = &s->usage;
  long long cpu_us = (long long)u->ru_utime.tv_sec * 1000000LL + u->ru_utime.tv_usec +
                     (long long)u->ru_stime.tv_sec * 1000000LL + u->ru_stime.tv_usec + s->orphans_cpu_us;
  if (s->sampled_cpu_us > cpu_us) cpu_us = s->sampled_cpu_us;
  // SIGXCPU from the kernel's backstop is the CPU limit too.
  if (WIFSIGNALED(s->status) && WTERMSIG(s->status) == SIGXCPU) s->cpu_exceeded = 1;
  if (s->job->cpu_ms > 0 && cpu_us >= s->job->cpu_ms * 1000LL) s->cpu_exceeded = 1;
  long long maxrss_kb = u->ru_maxrss;
  // gVisor's peak resident size has the same thread stacks in it: past the limit, the watch's figure stands.
  if (s->anon_base >= 0 && maxrss_kb * 1024 > s->job->memory_bytes) maxrss_kb = 0;
  if (s->peak_bytes / 1024 > maxrss_kb) maxrss_kb = s->peak_bytes / 1024;
  char report[512];
  int length = snprintf(report, sizeof report,
    "exit=%d signal=%d cpu_us=%lld maxrss_kb=%lld wall_us=%lld cpu_exceeded=%d memory_exceeded=%d exec_failed=%d truncated=%s timed_out=%d",
    WIFEXITED(s->status) ? WEXITSTATUS(s->status) : -1, WIFSIGNALED(s->status) ? WTERMSIG(s->status) : 0,
    cpu_us, maxrss_kb, wall, s->cpu_exceeded, s->memory_exceeded, exec_failed, s->truncated, s->timed_out);
  frame('r', report, (size_t)length);
}

// One stage, start to report: one poll waits on the program's pipes, the signals (SIGCHLD, the CPU
// timer), the agent's control lines, and the next sample or the wall clock, whichever comes first.
static void run(struct job *job, int signals, const sigset_t *original_mask) {
  struct stage s;
  stage_number++;
  if (start_stage(&s, job, original_mask) != 0) return;
  static char buffer[65536];
  while (!s.exited || s.out_open || s.err_open) {
    // Some control lines may have come in the same read as the request, before the program existed.
    if (s.control_open) s.control_open = apply_controls(s.child, s.exited, s.stdin_open, &s.more, job);
    struct pollfd fds[6];
    struct waits w;
    nfds_t n = poll_set(&s, signals, fds, &w);
    int wait_ms = s.exited ? drain_wait_ms(&s) : running_wait_ms(&s);
    if (s.exited && wait_ms < 0) break;
    int ready = poll(fds, n, wait_ms);
    if (ready < 0 && errno != EINTR) break;
    if (ready > 0 && (fds[0].revents & POLLIN)) take_signals(&s, signals);
    check_exited(&s);
    // At once, on the SIGCHLD that woke us: an orphan's zombie would count against the processes limit.
    reap_orphans(s.exited ? 0 : s.child, &s.orphans_cpu_us);
    sample_usage(&s);
    if (w.control >= 0 && (fds[w.control].revents & (POLLIN | POLLHUP | POLLERR))) read_controls(&s);
    if (w.kills >= 0 && (fds[w.kills].revents & (POLLIN | POLLHUP | POLLERR)) && take_kills()) {
      s.killed = 1;
      kill_stage(&s);
    }
    if (s.stdin_open && w.in >= 0 && (fds[w.in].revents & (POLLOUT | POLLERR | POLLHUP))) pump_stdin(&s);
    if (w.out >= 0 && (fds[w.out].revents & (POLLIN | POLLHUP | POLLERR))) pump_output(&s, 0, buffer, sizeof buffer);
    if (w.err >= 0 && (fds[w.err].revents & (POLLIN | POLLHUP | POLLERR))) pump_output(&s, 1, buffer, sizeof buffer);
  }
  finish_stage(&s);
}

int main(int argc, char **argv) {
  // The agent's kill channel, where it opened one: fd 3, looked at before anything else opens a descriptor
  // (a program never sees it: become_program puts its exec pipe there).
  if (fcntl(3, F_GETFD) >= 0 && fcntl(3, F_SETFD, FD_CLOEXEC) == 0 && fcntl(3, F_SETFL, O_NONBLOCK) == 0) kill_fd = 3;
  int first_dir = 1;
  for (; first_dir < argc && strncmp(argv[first_dir], "--", 2) == 0; first_dir++) {
    if (strcmp(argv[first_dir], "--ipc=all") == 0) ipc_all = 1;
    else if (strcmp(argv[first_dir], "--memory-watch=sandbox") == 0) sandbox_memory = 1;
    else if (strcmp(argv[first_dir], "--pid-namespace=stage") == 0) stage_pid_namespace = 1;
    else if (strncmp(argv[first_dir], "--memory-stat=", 14) == 0) {
      char *colon = strrchr(argv[first_dir], ':');
      if (!colon || colon == argv[first_dir] + 14 || strlen(colon + 1) == 0 || strlen(colon + 1) >= sizeof memory_stat_key) {
        fprintf(stderr, "sandbox-exec: --memory-stat takes PATH:KEY, got %s\n", argv[first_dir]);
        return 2;
      }
      *colon = 0;
      memory_stat_path = argv[first_dir] + 14;
      strcpy(memory_stat_key, colon + 1);
    }
    else { fprintf(stderr, "sandbox-exec: unknown option %s\n", argv[first_dir]); return 2; }
  }
  wipe_dirs = argv + first_dir;
  wipe_count = argc - first_dir;
  // A launcher started again after one that died mid-stage may find that stage's /proc over the runner's.
  if (stage_pid_namespace) {
    for (int i = 0; i < 8 && access("/proc/self/stat", R_OK) != 0; i++) {
      if (umount2("/proc", MNT_DETACH) != 0) break;
    }
  }
  proc_dir = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  struct stat proc_stat;
  if (proc_dir < 0 || fstat(proc_dir, &proc_stat) != 0) { perror("sandbox-exec: /proc"); return 1; }
  proc_dev = proc_stat.st_dev;
  has_smaps_rollup = faccessat(proc_dir, "self/smaps_rollup", R_OK, 0) == 0;
  decide_denials();
  // Orphans of the program become the launcher's children (see reap_orphans).
  prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
  // SIGCHLD and the CPU timer's SIGUSR1 arrive through a signalfd, so one poll waits for everything.
  sigset_t handled, original;
  sigemptyset(&handled);
  sigaddset(&handled, SIGCHLD);
  sigaddset(&handled, SIGUSR1);
  sigprocmask(SIG_BLOCK, &handled, &original);
  int signals = signalfd(-1, &handled, SFD_NONBLOCK | SFD_CLOEXEC);
  if (signals < 0) { perror("sandbox-exec: signalfd"); return 1; }
  signal(SIGPIPE, SIG_IGN);
  // Likewise for the jobs the agent writes to us (where stdin is a pipe; the kernel may refuse).
  fcntl(STDIN_FILENO, F_SETPIPE_SZ, PIPE_BYTES);

  char line[512];
  for (;;) {
    int got = read_line(line, sizeof line);
    if (got == 1) return 0;  // the agent closed us: done
    if (got != 0) return 2;
    struct job job;
    memset(&job, 0, sizeof job);
    if (line[0] == 'C') {
      if (sscanf(line, "C %lld %lld", &job.uid, &job.gid) != 2 || job.uid <= 0 || job.gid <= 0) return 2;
      clean_up(job.uid, job.gid);
      flush_frames();
      continue;
    }
    unsigned long long block_len = 0, input_len = 0;
    if (sscanf(line, "J %lld %lld %lld %lld %lld %lld %lld %lld %llu %llu %lld %lld %lld %lld %lld %lld", &job.uid, &job.gid, &job.cpu_ms,
               &job.memory_bytes, &job.nproc, &job.fsize, &job.nofile, &job.output_bytes, &block_len, &input_len, &job.clean, &job.stream,
               &job.wall_ms, &job.interactive, &job.merge, &job.as_bytes) != 16 ||
        job.uid <= 0 || job.gid <= 0 || block_len > (64u << 20) || input_len > (1024ull << 20)) {
      return 2;
    }
    job.block_len = block_len;
    job.input_len = input_len;
    job.block = malloc(block_len + 1);
    job.input = input_buffer(input_len);
    if (!job.block || !job.input || read_full(job.block, block_len) || read_full(job.input, input_len)) return 1;
    job.block[block_len] = 0;
    if (parse_block(&job) != 0) {
      const char *report = "exit=-1 signal=0 cpu_us=0 maxrss_kb=0 wall_us=0 cpu_exceeded=0 memory_exceeded=0 exec_failed=1 truncated=none";
      frame('e', "sandbox-exec: malformed job\n", 28);
      frame('r', report, strlen(report));
    } else {
      run(&job, signals, &original);
    }
    if (job.clean) clean_up(job.uid, job.gid);
    flush_frames();
    if (job.interactive && !job.control_ended && skip_to_control_end() != 0) return 2;
    free(job.block);
    free(job.strings);
    trim_input_buffer();
    free(job.argv);
    free(job.envp);
  }
}
