// Prototypes of every kernel subsystem, one block per file.
#ifndef MINIOS_DEFS_H
#define MINIOS_DEFS_H

#include "types.h"

struct proc;
struct trapframe;
struct inode;
struct file;
struct pipe;
struct multiboot_info;
struct context;

// string.c
void *memset(void *dst, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strncpy_z(char *dst, const char *src, size_t n);

// uart.c
void uart_init(void);
void uart_putc(char c);
int uart_getc(void);

// vga.c
void vga_init(void);
void vga_putc(char c);
void vga_flush(void);

// console.c
void console_putc(char c);
void console_write(const char *s, size_t n);
void console_intr(void);
int console_read(char *dst, int n);
void kprintf(const char *fmt, ...);
void kvprintf(const char *fmt, va_list ap);
int ksnprintf(char *buf, int size, const char *fmt, ...);

// panic.c
void panic(const char *fmt, ...) __attribute__((noreturn));
void panic_trap(struct trapframe *tf, const char *what) __attribute__((noreturn));
void machine_exit(int code) __attribute__((noreturn));

// gdt.c
void gdt_init(void);
void tss_set_kstack(uint32_t esp0);

// trap.c
void idt_init(void);

// pic.c
void pic_init(void);
void pic_unmask(int irq);
void pic_eoi(int irq);

// pit.c
void pit_init(void);
uint32_t pit_ns_since_tick(void);

// kalloc.c
void kalloc_init(struct multiboot_info *mbi, uint32_t reserved_end);
void *kalloc(void);
void kfree(void *page);
void frame_ref(uint32_t pa);
int frame_refcount(uint32_t pa);
uint32_t frames_free(void);
uint32_t frames_total(void);

// kheap.c
void kheap_init(void *start, uint32_t size);
void *kmalloc(uint32_t n);
void kmfree(void *p);

// vm.c
void vm_init(void);
pde_t *current_pgdir(void);
pde_t *vm_new_pgdir(void);
pte_t *vm_walk(pde_t *pgdir, uint32_t va, int alloc);
int vm_alloc_user(pde_t *pgdir, uint32_t start, uint32_t end);
void vm_dealloc_user(pde_t *pgdir, uint32_t start, uint32_t end);
pde_t *vm_copy_cow(pde_t *pgdir);
int vm_cow_fault(pde_t *pgdir, uint32_t va);
void vm_free(pde_t *pgdir);
void vm_switch(struct proc *p);
void vm_switch_kernel(void);
int copyout(pde_t *pgdir, uint32_t va, const void *src, uint32_t n);
int copyin(pde_t *pgdir, void *dst, uint32_t va, uint32_t n);
int copyin_str(pde_t *pgdir, char *dst, uint32_t va, uint32_t max);

// proc.c
void proc_init(void);
struct proc *proc_alloc(void);
void user_init(const char *path);
int proc_fork(void);
void proc_exit(int status) __attribute__((noreturn));
int proc_wait(int pid, uint32_t status_va, int options);
int proc_kill(int pid, int sig);
void scheduler(void) __attribute__((noreturn));
void yield(void);
void sleep_on(void *chan);
void wakeup(void *chan);
void proc_tick(int from_user);
struct proc *proc_find(int pid);
void proc_dump(void);
int proc_interrupt_foreground(void);

// swtch.S
void swtch(struct context **old, struct context *new);

// exec.c
int exec(const char *path, char **argv, char **envp);

// syscall.c: each handler takes the six argument registers
// (ebx, ecx, edx, esi, edi, ebp) and returns a value or -errno.
typedef int (*syscall_fn)(const uint32_t *arg);
void syscall(struct trapframe *tf);
extern syscall_fn syscall_table[];
extern int kernel_bug_enabled;

// sysproc.c
int sys_exit(const uint32_t *arg);
int sys_fork(const uint32_t *arg);
int sys_waitpid(const uint32_t *arg);
int sys_wait4(const uint32_t *arg);
int sys_execve(const uint32_t *arg);
int sys_getpid(const uint32_t *arg);
int sys_getppid(const uint32_t *arg);
int sys_getuid(const uint32_t *arg);
int sys_kill(const uint32_t *arg);
int sys_brk(const uint32_t *arg);
int sys_nanosleep(const uint32_t *arg);
int sys_sched_yield(const uint32_t *arg);
int sys_clock_gettime(const uint32_t *arg);
int sys_gettimeofday(const uint32_t *arg);
int sys_uname(const uint32_t *arg);
int sys_sethostname(const uint32_t *arg);
int sys_reboot(const uint32_t *arg);
int sys_minios_kwrite(const uint32_t *arg);

// sysfile.c
int sys_read(const uint32_t *arg);
int sys_write(const uint32_t *arg);
int sys_open(const uint32_t *arg);
int sys_close(const uint32_t *arg);
int sys_dup(const uint32_t *arg);
int sys_dup2(const uint32_t *arg);
int sys_pipe(const uint32_t *arg);
int sys_ioctl(const uint32_t *arg);
int sys_getdents64(const uint32_t *arg);
int sys_chdir(const uint32_t *arg);
int sys_getcwd(const uint32_t *arg);
int sys_mkdir(const uint32_t *arg);
int sys_unlink(const uint32_t *arg);

// ramfs.c
void ramfs_init(void);
struct inode *ramfs_root(void);
struct inode *namei(const char *path);
struct inode *nameiparent(const char *path, char *name);
struct inode *ramfs_create(struct inode *dir, const char *name, int type);
struct inode *ramfs_lookup(struct inode *dir, const char *name);
int ramfs_read(struct inode *ip, char *dst, uint32_t off, uint32_t n);
int ramfs_write(struct inode *ip, const char *src, uint32_t off, uint32_t n);
int ramfs_truncate(struct inode *ip);
int ramfs_unlink(struct inode *ip);
int ramfs_path(struct inode *ip, char *buf, int size);

// initrd.c
int initrd_unpack(const char *data, uint32_t size);

// procfs.c
int procfs_open(const char *path, struct file *f);

// file.c
struct file *file_alloc(void);
struct file *file_dup(struct file *f);
void file_close(struct file *f);
int file_read(struct file *f, uint32_t dst_va, int n);
int file_write(struct file *f, uint32_t src_va, int n);
int fd_alloc(struct file *f);

// pipe.c
int pipe_alloc(struct file **rf, struct file **wf);
void pipe_close(struct pipe *p, int writable);
int pipe_read(struct pipe *p, uint32_t dst_va, int n);
int pipe_write(struct pipe *p, uint32_t src_va, int n);

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

#endif
