// sandbox-exec: the agent's launcher. Started once by the agent and kept for its whole life, it runs each
// program stage it is sent under limits and streams back what the stage wrote and what it used.
//
// Why a long-lived helper: forking the agent's large Node process for every stage (and exec'ing a wrapper
// in between) was the largest part of the agent's CPU per job; forking this small process is cheap.
//
// It stays root, so the program cannot signal or trace it. For each stage the child raises its own OOM
// score (the kernel kills the program, never the agent), sets the rlimits, starts a new session, drops to
// the program's uid and gid, and execs. The launcher enforces the CPU-time limit with a POSIX timer on the
// child's CPU clock, the memory limit by watching the child's resident size (every 10 ms at first, less
// often as it runs on; the container's memory cgroup is the backstop under runc, and under gVisor this
// watch is what keeps a memory bomb from taking the sandbox down), and the output cap per stream.
//
// Protocol, on stdin (one job at a time):
//   J uid gid cpu_ms memory_bytes nproc fsize nofile output_bytes block_len stdin_len\n
//   block: cwd\0 argc\0 arg\0... envc\0 env\0...      (block_len bytes)
//   stdin: the program's standard input              (stdin_len bytes)
// On stdout, frames of 1 tag byte, a 4-byte little-endian length, and the payload:
//   'o' stdout bytes, 'e' stderr bytes, 'r' the report, last:
//   exit=N signal=N cpu_us=N maxrss_kb=N wall_us=N cpu_exceeded=0|1 memory_exceeded=0|1 exec_failed=0|1 truncated=stdout|stderr|none
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

// How long the pipes may stay open after the program ended before what it left running is killed, and
// how long they may then take to drain.
#define ORPHAN_GRACE_MS 5
#define DRAIN_MS 500

struct job {
  long long uid, gid, cpu_ms, memory_bytes, nproc, fsize, nofile, output_bytes;
  char *block;
  size_t block_len;
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

static int read_full(int fd, void *buffer, size_t length) {
  size_t done = 0;
  while (done < length) {
    ssize_t n = read(fd, (char *)buffer + done, length - done);
    if (n == 0) return -1;
    if (n < 0) { if (errno == EINTR) continue; return -1; }
    done += (size_t)n;
  }
  return 0;
}

static void write_full(int fd, const void *buffer, size_t length) {
  size_t done = 0;
  while (done < length) {
    ssize_t n = write(fd, (const char *)buffer + done, length - done);
    if (n < 0) { if (errno == EINTR) continue; _exit(3); }  // the agent is gone
    done += (size_t)n;
  }
}

static void frame(char tag, const char *data, size_t length) {
  unsigned char header[5] = { (unsigned char)tag, length & 0xff, (length >> 8) & 0xff, (length >> 16) & 0xff, (length >> 24) & 0xff };
  write_full(STDOUT_FILENO, header, sizeof header);
  if (length > 0) write_full(STDOUT_FILENO, data, length);
}

// Resident bytes of a process, from /proc/PID/statm; -1 when it cannot be read (it has exited).
static long long resident_bytes(pid_t pid, long page_size) {
  char path[64], buffer[128];
  snprintf(path, sizeof path, "/proc/%d/statm", (int)pid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t n = read(fd, buffer, sizeof buffer - 1);
  close(fd);
  if (n <= 0) return -1;
  buffer[n] = 0;
  long long size = 0, resident = 0;
  if (sscanf(buffer, "%lld %lld", &size, &resident) != 2) return -1;
  return resident * page_size;
}

// Kills every process of the uid: a child that becomes the uid and signals all it may (kill -9 -1).
static void kill_uid(long long uid, long long gid) {
  pid_t killer = fork();
  if (killer == 0) {
    if (setgroups(0, NULL) == 0 && setgid((gid_t)gid) == 0 && setuid((uid_t)uid) == 0) kill(-1, SIGKILL);
    _exit(0);
  }
  if (killer > 0) while (waitpid(killer, NULL, 0) < 0 && errno == EINTR) {}
}

static int set_limit(int resource, long long value) {
  if (value <= 0) return 0;
  struct rlimit limit = { (rlim_t)value, (rlim_t)value };
  return setrlimit(resource, &limit);
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
  dup2(err, 2);
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
  struct rlimit no_core = { 0, 0 };
  setrlimit(RLIMIT_CORE, &no_core);
  if (job->cwd[0] && chdir(job->cwd) != 0) child_fail(exec_fd, "chdir");
  if (setgroups(0, NULL) != 0) child_fail(exec_fd, "setgroups");
  if (setgid((gid_t)job->gid) != 0) child_fail(exec_fd, "setgid");
  if (setuid((uid_t)job->uid) != 0) child_fail(exec_fd, "setuid");
  if (getuid() != (uid_t)job->uid || geteuid() != (uid_t)job->uid) { errno = EPERM; child_fail(exec_fd, "uid switch"); }
  // NPROC counts the tasks of the uid, so it is set once the uid is the program's.
  if (set_limit(RLIMIT_NPROC, job->nproc) != 0) child_fail(exec_fd, "RLIMIT_NPROC");
  execvpe(job->argv[0], job->argv, job->envp);
  child_fail(exec_fd, job->argv[0]);
}

// Splits the block into cwd, argv and envp. Returns -1 when it is malformed.
static int parse_block(struct job *job) {
  char *cursor = job->block, *end = job->block + job->block_len;
  char *fields[2 + 4096];
  size_t count = 0;
  while (cursor < end && count < sizeof fields / sizeof fields[0]) {
    char *nul = memchr(cursor, 0, (size_t)(end - cursor));
    if (!nul) return -1;
    fields[count++] = cursor;
    cursor = nul + 1;
  }
  if (count < 3) return -1;
  size_t at = 0;
  job->cwd = fields[at++];
  long argc = atol(fields[at++]);
  if (argc < 1 || at + (size_t)argc >= count) return -1;
  job->argv = calloc((size_t)argc + 1, sizeof(char *));
  for (long i = 0; i < argc; i++) job->argv[i] = fields[at++];
  long envc = atol(fields[at++]);
  if (envc < 0 || at + (size_t)envc > count) return -1;
  job->envp = calloc((size_t)envc + 1, sizeof(char *));
  for (long i = 0; i < envc; i++) job->envp[i] = fields[at++];
  return 0;
}

static void run(struct job *job, int signals, const sigset_t *original_mask) {
  int in[2], out[2], err[2], exec_pipe[2];
  if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC) || pipe2(exec_pipe, O_CLOEXEC)) {
    const char *report = "exit=-1 signal=0 cpu_us=0 maxrss_kb=0 wall_us=0 cpu_exceeded=0 memory_exceeded=0 exec_failed=1 truncated=none";
    frame('e', "sandbox-exec: pipe failed\n", 26);
    frame('r', report, strlen(report));
    return;
  }
  long long started = now_us(CLOCK_MONOTONIC);
  pid_t child = fork();
  if (child == 0) become_program(job, in[0], out[1], err[1], exec_pipe[1], original_mask);
  close(in[0]); close(out[1]); close(err[1]); close(exec_pipe[1]);
  fcntl(in[1], F_SETFL, O_NONBLOCK);

  clockid_t cpu_clock;
  int timer_armed = 0;
  timer_t timer;
  if (job->cpu_ms > 0 && clock_getcpuclockid(child, &cpu_clock) == 0) {
    struct sigevent event;
    memset(&event, 0, sizeof event);
    event.sigev_notify = SIGEV_SIGNAL;
    event.sigev_signo = SIGUSR1;
    if (timer_create(cpu_clock, &event, &timer) == 0) {
      struct itimerspec when;
      memset(&when, 0, sizeof when);
      when.it_value.tv_sec = job->cpu_ms / 1000;
      when.it_value.tv_nsec = (job->cpu_ms % 1000) * 1000000L;
      timer_armed = timer_settime(timer, 0, &when, NULL) == 0;
      if (!timer_armed) timer_delete(timer);
    }
  }

  long page_size = sysconf(_SC_PAGESIZE);
  size_t written = 0;
  int stdin_open = 1, out_open = 1, err_open = 1, exited = 0, status = 0, polls = 0;
  int cpu_exceeded = 0, memory_exceeded = 0, killed_orphans = 0;
  long long sizes[2] = { 0, 0 }, peak_bytes = 0, exited_at = 0;
  const char *truncated = "none";
  struct rusage usage;
  memset(&usage, 0, sizeof usage);
  if (job->input_len == 0) { close(in[1]); stdin_open = 0; }
  char buffer[65536];

  while (!exited || out_open || err_open) {
    struct pollfd fds[4];
    int n = 0, i_out = -1, i_err = -1, i_in = -1;
    fds[n].fd = signals; fds[n].events = POLLIN; n++;
    if (out_open) { i_out = n; fds[n].fd = out[0]; fds[n].events = POLLIN; n++; }
    if (err_open) { i_err = n; fds[n].fd = err[0]; fds[n].events = POLLIN; n++; }
    if (stdin_open) { i_in = n; fds[n].fd = in[1]; fds[n].events = POLLOUT; n++; }

    int wait_ms;
    if (exited) {
      long long since = (now_us(CLOCK_MONOTONIC) - exited_at) / 1000;
      if (!killed_orphans && since >= ORPHAN_GRACE_MS) {
        // Something the program left running holds its pipes: it dies, as it would at cleanup.
        kill_uid(job->uid, job->gid);
        killed_orphans = 1;
      }
      if (since >= ORPHAN_GRACE_MS + DRAIN_MS) break;
      wait_ms = killed_orphans ? 10 : ORPHAN_GRACE_MS;
    } else {
      polls++;
      // Memory is looked at after 10 ms for the first 100 ms, then 25 ms up to a second, then 50 ms.
      wait_ms = job->memory_bytes > 0 && !memory_exceeded ? (polls <= 10 ? 10 : polls <= 46 ? 25 : 50) : -1;
    }
    int ready = poll(fds, (nfds_t)n, wait_ms);
    if (ready < 0 && errno != EINTR) break;

    if (ready > 0 && (fds[0].revents & POLLIN)) {
      struct signalfd_siginfo info;
      while (read(signals, &info, sizeof info) == (ssize_t)sizeof info) {
        if (info.ssi_signo == SIGUSR1 && !exited && !cpu_exceeded) {
          cpu_exceeded = 1;
          kill(child, SIGKILL);
        }
      }
    }
    if (!exited) {
      pid_t done = wait4(child, &status, WNOHANG, &usage);
      if (done == child) {
        exited = 1;
        exited_at = now_us(CLOCK_MONOTONIC);
        if (stdin_open) { close(in[1]); stdin_open = 0; }
      }
    }
    if (!exited && job->memory_bytes > 0 && !memory_exceeded) {
      long long resident = resident_bytes(child, page_size);
      if (resident > peak_bytes) peak_bytes = resident;
      if (resident > job->memory_bytes) {
        memory_exceeded = 1;
        kill(child, SIGKILL);
      }
    }
    if (stdin_open && i_in >= 0 && (fds[i_in].revents & (POLLOUT | POLLERR | POLLHUP))) {
      ssize_t w = write(in[1], job->input + written, job->input_len - written);
      if (w > 0) written += (size_t)w;
      if ((w < 0 && errno != EAGAIN && errno != EINTR) || written == job->input_len) { close(in[1]); stdin_open = 0; }
    }
    int streams[2] = { i_out, i_err };
    int *open_flags[2] = { &out_open, &err_open };
    int pipes[2] = { out[0], err[0] };
    for (int s = 0; s < 2; s++) {
      if (streams[s] < 0 || !(fds[streams[s]].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t got = read(pipes[s], buffer, sizeof buffer);
      if (got <= 0) {
        if (got < 0 && (errno == EINTR || errno == EAGAIN)) continue;
        close(pipes[s]);
        *open_flags[s] = 0;
        continue;
      }
      long long room = job->output_bytes - sizes[s];
      if (got > room) {
        // More than fits: keep what fits, stop the program and all it started, say which stream.
        if (room > 0) { frame(s == 0 ? 'o' : 'e', buffer, (size_t)room); sizes[s] += room; }
        if (strcmp(truncated, "none") == 0) {
          truncated = s == 0 ? "stdout" : "stderr";
          kill(-child, SIGKILL);
          kill(child, SIGKILL);
          kill_uid(job->uid, job->gid);
        }
      } else {
        frame(s == 0 ? 'o' : 'e', buffer, (size_t)got);
        sizes[s] += got;
      }
    }
  }
  if (!exited) {
    kill(child, SIGKILL);
    wait4(child, &status, 0, &usage);
  }
  if (out_open) close(out[0]);
  if (err_open) close(err[0]);
  if (stdin_open) close(in[1]);
  if (timer_armed) timer_delete(timer);
  long long wall = (exited_at ? exited_at : now_us(CLOCK_MONOTONIC)) - started;

  int exec_errno = 0;
  int exec_failed = read(exec_pipe[0], &exec_errno, sizeof exec_errno) == (ssize_t)sizeof exec_errno;
  close(exec_pipe[0]);
  long long cpu_us = (long long)usage.ru_utime.tv_sec * 1000000LL + usage.ru_utime.tv_usec +
                     (long long)usage.ru_stime.tv_sec * 1000000LL + usage.ru_stime.tv_usec;
  // SIGXCPU from the kernel's backstop is the CPU limit too.
  if (WIFSIGNALED(status) && WTERMSIG(status) == SIGXCPU) cpu_exceeded = 1;
  if (job->cpu_ms > 0 && cpu_us >= job->cpu_ms * 1000LL) cpu_exceeded = 1;
  long long maxrss_kb = usage.ru_maxrss;
  if (peak_bytes / 1024 > maxrss_kb) maxrss_kb = peak_bytes / 1024;
  char report[512];
  int length = snprintf(report, sizeof report,
    "exit=%d signal=%d cpu_us=%lld maxrss_kb=%lld wall_us=%lld cpu_exceeded=%d memory_exceeded=%d exec_failed=%d truncated=%s",
    WIFEXITED(status) ? WEXITSTATUS(status) : -1, WIFSIGNALED(status) ? WTERMSIG(status) : 0,
    cpu_us, maxrss_kb, wall, cpu_exceeded, memory_exceeded, exec_failed, truncated);
  frame('r', report, (size_t)length);
}

int main(void) {
  // SIGCHLD and the CPU timer's SIGUSR1 arrive through a signalfd, so one poll waits for everything.
  sigset_t handled, original;
  sigemptyset(&handled);
  sigaddset(&handled, SIGCHLD);
  sigaddset(&handled, SIGUSR1);
  sigprocmask(SIG_BLOCK, &handled, &original);
  int signals = signalfd(-1, &handled, SFD_NONBLOCK | SFD_CLOEXEC);
  if (signals < 0) { perror("sandbox-exec: signalfd"); return 1; }
  signal(SIGPIPE, SIG_IGN);

  char line[512];
  for (;;) {
    size_t used = 0;
    for (;;) {
      if (used + 1 >= sizeof line) return 2;
      ssize_t n = read(STDIN_FILENO, line + used, 1);
      if (n == 0) return 0;  // the agent closed us: done
      if (n < 0) { if (errno == EINTR) continue; return 1; }
      if (line[used] == '\n') break;
      used++;
    }
    line[used] = 0;
    struct job job;
    memset(&job, 0, sizeof job);
    unsigned long long block_len = 0, input_len = 0;
    if (sscanf(line, "J %lld %lld %lld %lld %lld %lld %lld %lld %llu %llu", &job.uid, &job.gid, &job.cpu_ms,
               &job.memory_bytes, &job.nproc, &job.fsize, &job.nofile, &job.output_bytes, &block_len, &input_len) != 10 ||
        job.uid <= 0 || job.gid <= 0 || block_len > (64u << 20) || input_len > (1024ull << 20)) {
      return 2;
    }
    job.block_len = block_len;
    job.input_len = input_len;
    job.block = malloc(block_len + 1);
    job.input = malloc(input_len + 1);
    if (!job.block || !job.input || read_full(STDIN_FILENO, job.block, block_len) || read_full(STDIN_FILENO, job.input, input_len)) return 1;
    job.block[block_len] = 0;
    if (parse_block(&job) != 0) {
      const char *report = "exit=-1 signal=0 cpu_us=0 maxrss_kb=0 wall_us=0 cpu_exceeded=0 memory_exceeded=0 exec_failed=1 truncated=none";
      frame('e', "sandbox-exec: malformed job\n", 28);
      frame('r', report, strlen(report));
    } else {
      run(&job, signals, &original);
    }
    free(job.block);
    free(job.input);
    free(job.argv);
    free(job.envp);
  }
}
