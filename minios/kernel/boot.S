// Multiboot header and boot stub. The boot loader (QEMU -kernel, isolab's
// loader, GRUB) jumps to _start in 32-bit protected mode with paging off,
// EAX = 0x2BADB002 and EBX = the physical address of the multiboot info.
// The kernel is linked at 0xC0100000 but loaded at 1 MiB, so before paging
// is on only position-independent code may run. We switch on paging with a
// boot page directory that maps the first 8 MiB twice -- at 0 (so the
// instruction after the CR0 write still exists) and at 0xC0000000 -- using
// 4 MiB pages (CR4.PSE), then jump to the higher half.
// Multiboot Specification 0.6.96 section 3.1; Intel SDM vol. 3, 4.3.
// Lesson: "booting a higher-half kernel".

#define KERNBASE 0xC0000000
#define MB_MAGIC 0x1BADB002
#define MB_FLAGS 0x00000003   // page-align modules, provide memory info

.section .multiboot, "a"
.align 4
.long MB_MAGIC
.long MB_FLAGS
.long -(MB_MAGIC + MB_FLAGS)

.text
// The ELF entry point is physical: the loader jumps there with paging off.
.globl _start
_start = entry - KERNBASE

.globl entry
entry:
    movl %cr4, %ecx
    orl $0x10, %ecx                       // CR4.PSE: allow 4 MiB pages
    movl %ecx, %cr4
    movl $(boot_pgdir - KERNBASE), %ecx
    movl %ecx, %cr3
    movl %cr0, %ecx
    orl $0x80010000, %ecx                 // CR0.PG | CR0.WP
    movl %ecx, %cr0
    movl $boot_stack_top, %esp
    movl $higher_half, %ecx
    jmp *%ecx
higher_half:
    xorl %ebp, %ebp                       // ends the panic backtrace
    pushl %ebx                            // multiboot info (physical)
    pushl %eax                            // boot loader magic
    call kmain
1:  cli
    hlt
    jmp 1b

.data
.align 4096
// Boot page directory: PDEs 0,1 and 768,769 map physical 0..8 MiB with
// 4 MiB pages (P | W | PS). kmain replaces it with the full kernel map.
.globl boot_pgdir
boot_pgdir:
    .long 0x00000083, 0x00400083
    .fill 766, 4, 0
    .long 0x00000083, 0x00400083
    .fill 254, 4, 0

.bss
.align 16
boot_stack:
    .space 16384
.globl boot_stack_top
boot_stack_top:

.section .note.GNU-stack, "", @progbits
