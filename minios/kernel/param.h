// Fixed sizes of kernel tables. Lesson: "processes".
#ifndef MINIOS_PARAM_H
#define MINIOS_PARAM_H

#define NPROC      64          // process table slots (fork fails with EAGAIN beyond)
#define NOFILE     16          // open files per process
#define NFILE      256         // open files in the system
#define KSTACKSIZE 8192        // kernel stack per process
#define HZ         100         // timer interrupts per second
#define MAXARG     32          // execve arguments
#define MAXPATH    256
#define PIPESIZE   4096
#define KHEAP_SIZE (4 * 1024 * 1024)

#endif
