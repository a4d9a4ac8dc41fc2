// Starts N children (argv[1]) that each touch MiB (argv[2]) of memory of their own and keep it; the
// parent waits for them. Each child stays under the memory limit: only their sum passes it.
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 4;
  size_t bytes = (size_t)(argc > 2 ? atoi(argv[2]) : 80) << 20;
  for (int i = 0; i < n; i++) {
    if (fork() == 0) {
      // Written through a volatile pointer: the compiler may not drop stores nothing reads.
      volatile char *block = malloc(bytes);
      if (!block) return 3;
      for (size_t at = 0; at < bytes; at += 4096) block[at] = (char)(i + 1);
      pause();
      return 0;
    }
  }
  printf("started %d\n", n);
  fflush(stdout);
  while (wait(NULL) > 0) {}
  return 0;
}
