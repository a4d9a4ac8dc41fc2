// System V IPC objects of each kind whose owner the program changes with IPC_SET, away from its own uid.
#include <stdio.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>

int main(void) {
  int made = 0;
  for (int owner = 0; owner < 2; owner++) {
    uid_t to = owner == 0 ? 0 : 4242;
    int shm = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
    struct shmid_ds shm_ds;
    if (shm >= 0 && shmctl(shm, IPC_STAT, &shm_ds) == 0) { shm_ds.shm_perm.uid = to; shm_ds.shm_perm.mode = 0; made += shmctl(shm, IPC_SET, &shm_ds) == 0; }
    int msg = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
    struct msqid_ds msg_ds;
    if (msg >= 0 && msgctl(msg, IPC_STAT, &msg_ds) == 0) { msg_ds.msg_perm.uid = to; msg_ds.msg_perm.mode = 0; made += msgctl(msg, IPC_SET, &msg_ds) == 0; }
    int sem = semget(IPC_PRIVATE, 1, IPC_CREAT | 0600);
    struct semid_ds sem_ds;
    union { int val; struct semid_ds *buf; } arg = { .buf = &sem_ds };
    if (sem >= 0 && semctl(sem, 0, IPC_STAT, arg) == 0) { sem_ds.sem_perm.uid = to; sem_ds.sem_perm.mode = 0; made += semctl(sem, 0, IPC_SET, arg) == 0; }
  }
  printf("%d\n", made);
  return 0;
}
