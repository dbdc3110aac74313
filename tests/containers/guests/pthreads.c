// pthreads: a program linked statically against glibc's libpthread (gcc
// -m32 -static -pthread), as real multithreaded programs are: four threads
// count under a mutex, signal a condition variable and are joined; each
// result printed as "name=value" for tests/containers/test_threads.cpp.
#include <pthread.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int counter, ready;
static __thread int mine;  // thread-local storage through %gs

static void* work(void* arg) {
  mine = (int)(long)arg;
  for (int i = 0; i < 1000; i++) {
    pthread_mutex_lock(&lock);
    counter++;
    pthread_mutex_unlock(&lock);
    if (i % 100 == 0) sched_yield();
  }
  pthread_mutex_lock(&lock);
  ready++;
  pthread_cond_signal(&cond);
  pthread_mutex_unlock(&lock);
  return (void*)(long)(mine == (int)(long)arg && syscall(SYS_gettid) != getpid());
}

int main(void) {
  pthread_t t[4];
  for (int i = 0; i < 4; i++)
    if (pthread_create(&t[i], 0, work, (void*)(long)(i + 1)) != 0) {
      printf("pthread_create=failed\n");
      return 1;
    }
  pthread_mutex_lock(&lock);
  while (ready < 4) pthread_cond_wait(&cond, &lock);
  pthread_mutex_unlock(&lock);
  int ok = 1;
  for (int i = 0; i < 4; i++) {
    void* r;
    if (pthread_join(t[i], &r) != 0 || !r) ok = 0;
  }
  printf("counter=%d\nready=%d\nthreads_ok=%d\n", counter, ready, ok);
  return 0;
}
