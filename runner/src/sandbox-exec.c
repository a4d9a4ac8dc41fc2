// sandbox-exec: starts one program stage under limits and reports what it used.
//
// Runs as root (the agent's identity), forks, and in the child: raises the child's OOM score so the kernel
// kills the program rather than the agent, sets the rlimits, starts a new session, drops to the program's
// uid and gid, and execs. The parent stays root, so the program cannot signal or trace it; it enforces
// the CPU-time limit to the millisecond with a POSIX timer on the child's CPU clock, and the memory limit
// by watching its resident size, every 10 ms at first and less often as the program runs on (the
// container's memory cgroup is the backstop under runc; under gVisor this watch is what keeps a memory
// bomb from taking the whole sandbox down). When the child ends
// it writes one line to the report fd:
//   exit=<code> signal=<n> cpu_us=<n> maxrss_kb=<n> wall_us=<n> cpu_exceeded=<0|1> memory_exceeded=<0|1>
//   exec_failed=<0|1>
//
// Usage: sandbox-exec --uid N --gid N [--cwd DIR] [--cpu-ms N] [--memory-bytes N] [--nproc N] [--fsize N]
//                     [--nofile N] [--report-fd N] -- PROGRAM [ARGS...]
// A limit of 0 leaves that limit as it is. The environment is passed to the program unchanged.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_us(clockid_t clock) {
  struct timespec ts;
  if (clock_gettime(clock, &ts) != 0) return -1;
  return (long long)ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
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

static int set_limit(int resource, unsigned long long value) {
  if (value == 0) return 0;
  struct rlimit limit = { (rlim_t)value, (rlim_t)value };
  return setrlimit(resource, &limit);
}

static void fail(const char *what) {
  fprintf(stderr, "sandbox-exec: %s: %s\n", what, strerror(errno));
  _exit(126);
}

int main(int argc, char **argv) {
  long long uid = -1, gid = -1, cpu_ms = 0, memory_bytes = 0, nproc = 0, fsize = 0, nofile = 0;
  int report_fd = 3;
  const char *cwd = NULL;
  int i = 1;
  for (; i < argc; i++) {
    if (strcmp(argv[i], "--") == 0) { i++; break; }
    if (i + 1 >= argc) { fprintf(stderr, "sandbox-exec: %s needs a value\n", argv[i]); return 2; }
    const char *name = argv[i], *value = argv[++i];
    if (strcmp(name, "--uid") == 0) uid = atoll(value);
    else if (strcmp(name, "--gid") == 0) gid = atoll(value);
    else if (strcmp(name, "--cwd") == 0) cwd = value;
    else if (strcmp(name, "--cpu-ms") == 0) cpu_ms = atoll(value);
    else if (strcmp(name, "--memory-bytes") == 0) memory_bytes = atoll(value);
    else if (strcmp(name, "--nproc") == 0) nproc = atoll(value);
    else if (strcmp(name, "--fsize") == 0) fsize = atoll(value);
    else if (strcmp(name, "--nofile") == 0) nofile = atoll(value);
    else if (strcmp(name, "--report-fd") == 0) report_fd = atoi(value);
    else { fprintf(stderr, "sandbox-exec: unknown option %s\n", name); return 2; }
  }
  if (i >= argc || uid <= 0 || gid <= 0) {
    fprintf(stderr, "sandbox-exec: usage: sandbox-exec --uid N --gid N [limits] -- PROGRAM [ARGS...]\n");
    return 2;
  }
  char **program = &argv[i];

  // SIGCHLD stays blocked in the parent so sigtimedwait can wait for it; the child unblocks it.
  // SIGUSR1 is the CPU timer's.
  sigset_t chld, previous;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  sigaddset(&chld, SIGUSR1);
  sigprocmask(SIG_BLOCK, &chld, &previous);

  // A pipe closed on exec tells the parent whether exec itself failed.
  int exec_pipe[2];
  if (pipe2(exec_pipe, O_CLOEXEC) != 0) fail("pipe");

  long long started = now_us(CLOCK_MONOTONIC);
  pid_t child = fork();
  if (child < 0) fail("fork");
  if (child == 0) {
    close(exec_pipe[0]);
    if (report_fd >= 0) close(report_fd);
    sigprocmask(SIG_SETMASK, &previous, NULL);
    signal(SIGPIPE, SIG_DFL);
    setsid();
    int oom = open("/proc/self/oom_score_adj", O_WRONLY);
    if (oom >= 0) {
      if (write(oom, "1000", 4) < 0) { /* the limit still holds, only the choice of victim is lost */ }
      close(oom);
    }
    if (cpu_ms > 0) {
      // The kernel's own backstop, in whole seconds; the parent kills at the millisecond.
      unsigned long long seconds = (unsigned long long)(cpu_ms + 999) / 1000 + 1;
      struct rlimit cpu = { seconds, seconds + 1 };
      if (setrlimit(RLIMIT_CPU, &cpu) != 0) fail("RLIMIT_CPU");
    }
    if (set_limit(RLIMIT_FSIZE, fsize) != 0) fail("RLIMIT_FSIZE");
    if (set_limit(RLIMIT_NOFILE, nofile) != 0) fail("RLIMIT_NOFILE");
    if (set_limit(RLIMIT_CORE, 0) != 0) { /* no core files; not worth failing over */ }
    if (cwd && chdir(cwd) != 0) fail("chdir");
    if (setgroups(0, NULL) != 0) fail("setgroups");
    if (setgid((gid_t)gid) != 0) fail("setgid");
    if (setuid((uid_t)uid) != 0) fail("setuid");
    if (getuid() != (uid_t)uid || geteuid() != (uid_t)uid) { errno = EPERM; fail("uid switch"); }
    // NPROC counts the tasks of the uid, so it is set once the uid is the program's.
    if (set_limit(RLIMIT_NPROC, nproc) != 0) fail("RLIMIT_NPROC");
    execvp(program[0], program);
    int err = errno;
    if (write(exec_pipe[1], &err, sizeof err) < 0) { /* nothing more to do */ }
    fprintf(stderr, "sandbox-exec: cannot run %s: %s\n", program[0], strerror(err));
    _exit(127);
  }
  close(exec_pipe[1]);
  signal(SIGPIPE, SIG_IGN);

  // The kernel signals us when the child's CPU clock reaches the limit; polling it is the fallback.
  clockid_t cpu_clock;
  int have_cpu_clock = cpu_ms > 0 && clock_getcpuclockid(child, &cpu_clock) == 0;
  int cpu_timer_armed = 0;
  if (have_cpu_clock) {
    struct sigevent event;
    memset(&event, 0, sizeof event);
    event.sigev_notify = SIGEV_SIGNAL;
    event.sigev_signo = SIGUSR1;
    timer_t timer;
    if (timer_create(cpu_clock, &event, &timer) == 0) {
      struct itimerspec when;
      memset(&when, 0, sizeof when);
      when.it_value.tv_sec = cpu_ms / 1000;
      when.it_value.tv_nsec = (cpu_ms % 1000) * 1000000L;
      cpu_timer_armed = timer_settime(timer, 0, &when, NULL) == 0;
    }
  }
  int cpu_exceeded = 0, memory_exceeded = 0, status = 0, polls = 0;
  long page_size = sysconf(_SC_PAGESIZE);
  long long peak_bytes = 0;
  struct rusage usage;
  memset(&usage, 0, sizeof usage);
  for (;;) {
    pid_t done = wait4(child, &status, WNOHANG, &usage);
    if (done == child) break;
    if (done < 0 && errno != EINTR) fail("wait4");
    int watching = !cpu_exceeded && !memory_exceeded;
    if (have_cpu_clock && !cpu_timer_armed && watching) {
      long long used = now_us(cpu_clock);
      if (used >= cpu_ms * 1000LL) {
        cpu_exceeded = 1;
        kill(child, SIGKILL);
      }
    }
    if (memory_bytes > 0 && watching) {
      long long resident = resident_bytes(child, page_size);
      if (resident > peak_bytes) peak_bytes = resident;
      if (resident > memory_bytes) {
        memory_exceeded = 1;
        kill(child, SIGKILL);
      }
    }
    // Wake on the child's end or the CPU timer at once; otherwise look again after 10 ms for the first
    // 100 ms, then 25 ms up to a second, then 50 ms: a long wait costs few wake-ups.
    polls++;
    long tick_ms = polls <= 10 ? 10 : polls <= 46 ? 25 : 50;
    struct timespec tick = { 0, tick_ms * 1000 * 1000 };
    int ticking = ((have_cpu_clock && !cpu_timer_armed) || memory_bytes > 0) && !cpu_exceeded && !memory_exceeded;
    int signo = sigtimedwait(&chld, NULL, ticking ? &tick : NULL);
    if (signo == SIGUSR1 && !cpu_exceeded) {
      cpu_exceeded = 1;
      kill(child, SIGKILL);
    }
  }
  long long wall = now_us(CLOCK_MONOTONIC) - started;

  int exec_errno = 0;
  int exec_failed = read(exec_pipe[0], &exec_errno, sizeof exec_errno) == (ssize_t)sizeof exec_errno;

  long long cpu_us = (long long)usage.ru_utime.tv_sec * 1000000LL + usage.ru_utime.tv_usec +
                     (long long)usage.ru_stime.tv_sec * 1000000LL + usage.ru_stime.tv_usec;
  // SIGXCPU from the kernel's backstop is the CPU limit too.
  if (WIFSIGNALED(status) && WTERMSIG(status) == SIGXCPU) cpu_exceeded = 1;
  if (cpu_ms > 0 && cpu_us >= cpu_ms * 1000LL) cpu_exceeded = 1;
  long long maxrss_kb = usage.ru_maxrss;
  if (peak_bytes / 1024 > maxrss_kb) maxrss_kb = peak_bytes / 1024;
  dprintf(report_fd, "exit=%d signal=%d cpu_us=%lld maxrss_kb=%lld wall_us=%lld cpu_exceeded=%d memory_exceeded=%d exec_failed=%d\n",
          WIFEXITED(status) ? WEXITSTATUS(status) : -1,
          WIFSIGNALED(status) ? WTERMSIG(status) : 0,
          cpu_us, maxrss_kb, wall, cpu_exceeded, memory_exceeded, exec_failed);
  return 0;
}
