// Three processes that SIGSTOP, over and over, the pids that come after them: wherever a helper of the
// launcher's appears as this uid, it is stopped (before, or while, it kills them). The program itself
// waits to be timed out. Pids in a runner are handed out in order: the stoppers are the three after
// their parent, and spare each other.
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

int main(void) {
  pid_t parent = getpid();
  for (int i = 0; i < 3; i++) {
    if (fork() == 0) {
      for (;;) for (pid_t pid = parent + 4; pid < parent + 64; pid++) kill(pid, SIGSTOP);
    }
  }
  puts("stopping");
  fflush(stdout);
  pause();
  return 0;
}
