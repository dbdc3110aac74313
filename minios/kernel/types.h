// Basic kernel types and the kernel's memory layout constants.
// Lesson: "a higher-half kernel".
#ifndef MINIOS_TYPES_H
#define MINIOS_TYPES_H

#include <stdint.h>
#include <stddef.h>
#include <stdarg.h>

typedef uint32_t pde_t;
typedef uint32_t pte_t;

// The kernel runs at KERNBASE + physical address: every process's page
// directory maps physical memory 0..PHYSTOP there, so the kernel can touch
// any frame through a fixed offset (the "direct map").
#define KERNBASE  0xC0000000u
#define KERNLINK  (KERNBASE + 0x100000)  // where the kernel image is linked
#define PHYSTOP_MAX 0x30000000u          // direct-map at most 768 MiB

#define P2V(a) ((void *)((uintptr_t)(a) + KERNBASE))
#define V2P(a) ((uintptr_t)(a) - KERNBASE)

// User address space: programs are linked at 0x08048000; the stack sits
// just below KERNBASE.
#define USERTOP    KERNBASE
#define USTACKSIZE (64 * 1024)

#endif
