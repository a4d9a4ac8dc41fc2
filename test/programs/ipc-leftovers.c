// With "make": System V IPC objects of each kind (three as made, three given to uid 0 with IPC_SET) and
// a POSIX message queue, under fixed keys and a fixed name; prints how many it made. With "find": how
// many of them it can open again (none, once cleanup has run).
#include <fcntl.h>
#include <mqueue.h>
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>

#define KEY 0x5eed00

static int disown(int kind, int id) {
  if (id < 0) return 0;
  struct shmid_ds shm; struct msqid_ds msg; struct semid_ds sem;
  union { int val; struct semid_ds *buf; } arg = { .buf = &sem };
  if (kind == 0 && shmctl(id, IPC_STAT, &shm) == 0) { shm.shm_perm.uid = 0; return shmctl(id, IPC_SET, &shm) == 0; }
  if (kind == 1 && msgctl(id, IPC_STAT, &msg) == 0) { msg.msg_perm.uid = 0; return msgctl(id, IPC_SET, &msg) == 0; }
  if (kind == 2 && semctl(id, 0, IPC_STAT, arg) == 0) { sem.sem_perm.uid = 0; return semctl(id, 0, IPC_SET, arg) == 0; }
  return 0;
}

int main(int argc, char **argv) {
  int make = argc > 1 && strcmp(argv[1], "make") == 0, flags = make ? IPC_CREAT | 0600 : 0, count = 0;
  for (int i = 0; i < 2; i++) {
    int shm = shmget(KEY + 10 * i + 1, 4096, flags), msg = msgget(KEY + 10 * i + 2, flags), sem = semget(KEY + 10 * i + 3, 1, flags);
    if (make && i == 1) count += disown(0, shm) + disown(1, msg) + disown(2, sem);
    else count += (shm >= 0) + (msg >= 0) + (sem >= 0);
  }
  mqd_t queue = mq_open("/codeexec-leftover", make ? O_CREAT | O_RDWR : O_RDWR, 0600, NULL);
  count += queue != (mqd_t)-1;
  printf("%d\n", count);
  return 0;
}
