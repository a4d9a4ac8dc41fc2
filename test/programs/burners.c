// Starts N children (argv[1], default 4) that each burn CPU for ever, each in a session of its own; the
// parent burns nothing and waits for them. Each child alone stays under any CPU limit for as long as the
// others share the cores with it: only their sum can tell the program is over.
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 4;
  for (int i = 0; i < n; i++) {
    if (fork() == 0) {
      setsid();
      for (volatile unsigned long spin = 0;; spin++) {}
    }
  }
  printf("started %d\n", n);
  fflush(stdout);
  while (wait(NULL) > 0) {}
  return 0;
}
