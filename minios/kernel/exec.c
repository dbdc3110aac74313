// execve: replace the caller's address space with a static ELF32 program
// from the filesystem. Each PT_LOAD segment is copied into fresh frames at
// its virtual address, the rest of its memory size zeroed (.bss); a 64 KiB
// stack goes just below 0xC0000000 with the layout the Linux i386 ABI
// gives _start: argc, argv[], NULL, envp[], NULL, auxv pairs, AT_NULL,
// then the strings. The old address space is freed only once the new one
// is complete, so a failed exec returns an error to a still-intact caller.
// System V ABI i386 supplement, 3-28 "Process stack". Lesson: "exec".
#include "defs.h"
#include "elf.h"
#include "fs.h"
#include "mmu.h"
#include "proc.h"
#include "x86.h"
#include "linux_errno.h"

#define AT_NULL 0
#define AT_PHDR 3
#define AT_PHENT 4
#define AT_PHNUM 5
#define AT_PAGESZ 6
#define AT_ENTRY 9
#define AT_UID 11
#define AT_EUID 12
#define AT_GID 13
#define AT_EGID 14
#define AT_RANDOM 25

// Write bytes into pgdir at va regardless of page permissions (the
// pages were just allocated by exec).
static void load_bytes(pde_t *pgdir, uint32_t va, const char *src, uint32_t n) {
    while (n > 0) {
        pte_t *pte = vm_walk(pgdir, va, 0);
        uint32_t off = va & (PGSIZE - 1), chunk = PGSIZE - off;
        if (chunk > n)
            chunk = n;
        memcpy((char *)P2V(PTE_ADDR(*pte)) + off, src, chunk);
        n -= chunk, src += chunk, va += chunk;
    }
}

// Check the headers; return 0 if the file is an i386 executable we can run.
static int check_elf(struct inode *ip, struct elfhdr **eh_out) {
    struct elfhdr *eh = (struct elfhdr *)ip->data;
    if (ip->size < sizeof(*eh) || eh->magic != ELF_MAGIC || eh->ident[0] != 1 /* ELFCLASS32 */ ||
        eh->type != ET_EXEC || eh->machine != EM_386 || eh->phentsize != sizeof(struct proghdr) ||
        eh->phoff + (uint32_t)eh->phnum * sizeof(struct proghdr) > ip->size)
        return -ENOEXEC;
    *eh_out = eh;
    return 0;
}

// Load the segments into pgdir; return the end of the highest one, or an error.
static int load_segments(pde_t *pgdir, struct inode *ip, struct elfhdr *eh, uint32_t *end,
                         uint32_t *phdr_va) {
    struct proghdr *ph = (struct proghdr *)(ip->data + eh->phoff);
    *end = 0;
    *phdr_va = 0;
    for (int i = 0; i < eh->phnum; i++, ph++) {
        if (ph->type != PT_LOAD || ph->memsz == 0)
            continue;
        if (ph->memsz < ph->filesz || ph->vaddr + ph->memsz < ph->vaddr ||
            ph->vaddr + ph->memsz > USERTOP - USTACKSIZE - PGSIZE || ph->vaddr < PGSIZE ||
            ph->off + ph->filesz > ip->size)
            return -ENOEXEC;
        if (vm_alloc_user(pgdir, ph->vaddr, ph->vaddr + ph->memsz) < 0)
            return -ENOMEM;
        load_bytes(pgdir, ph->vaddr, ip->data + ph->off, ph->filesz);
        if (ph->off <= eh->phoff && eh->phoff < ph->off + ph->filesz)
            *phdr_va = ph->vaddr + (eh->phoff - ph->off);
        if (ph->vaddr + ph->memsz > *end)
            *end = ph->vaddr + ph->memsz;
    }
    return *end ? 0 : -ENOEXEC;
}

// Push the argument block on the new stack; return the initial esp or an error.
static int setup_stack(pde_t *pgdir, char **argv, char **envp, struct elfhdr *eh,
                       uint32_t phdr_va, uint32_t *esp) {
    if (vm_alloc_user(pgdir, USERTOP - USTACKSIZE, USERTOP) < 0)
        return -ENOMEM;
    uint32_t sp = USERTOP;
    uint32_t argp[MAXARG + 1], envpp[MAXARG + 1];
    int argc = 0, envc = 0;
    for (; argv[argc]; argc++) {
        if (argc >= MAXARG)
            return -E2BIG;
        sp -= strlen(argv[argc]) + 1;
        load_bytes(pgdir, sp, argv[argc], strlen(argv[argc]) + 1);
        argp[argc] = sp;
    }
    for (; envp && envp[envc]; envc++) {
        if (envc >= MAXARG)
            return -E2BIG;
        sp -= strlen(envp[envc]) + 1;
        load_bytes(pgdir, sp, envp[envc], strlen(envp[envc]) + 1);
        envpp[envc] = sp;
    }
    sp -= 16;                                    // AT_RANDOM bytes
    uint32_t random_va = sp;
    uint32_t seed[4] = {ticks * 2654435761u, 0x6d696e69, 0x4f530000 + (uint32_t)argc, 0x1234};
    load_bytes(pgdir, sp, (char *)seed, 16);

    uint32_t auxv[] = {AT_PHDR, phdr_va, AT_PHENT, sizeof(struct proghdr), AT_PHNUM, eh->phnum,
                       AT_PAGESZ, PGSIZE, AT_ENTRY, eh->entry, AT_UID, 0, AT_EUID, 0,
                       AT_GID, 0, AT_EGID, 0, AT_RANDOM, random_va, AT_NULL, 0};
    uint32_t words = 1 + argc + 1 + envc + 1 + NELEM(auxv);
    sp = (sp - words * 4) & ~15u;                // 16-byte aligned, as gcc expects
    uint32_t p = sp;
    uint32_t argc32 = argc, zero = 0;
    load_bytes(pgdir, p, (char *)&argc32, 4), p += 4;
    load_bytes(pgdir, p, (char *)argp, 4 * argc), p += 4 * argc;
    load_bytes(pgdir, p, (char *)&zero, 4), p += 4;
    load_bytes(pgdir, p, (char *)envpp, 4 * envc), p += 4 * envc;
    load_bytes(pgdir, p, (char *)&zero, 4), p += 4;
    load_bytes(pgdir, p, (char *)auxv, sizeof(auxv));
    *esp = sp;
    return 0;
}

// Replace the current process image. argv and envp are kernel strings.
int exec(const char *path, char **argv, char **envp) {
    struct inode *ip = namei(path);
    if (!ip)
        return -ENOENT;
    if (ip->type == T_DIR)
        return -EISDIR;
    if (ip->type != T_FILE)
        return -EPERM;
    struct elfhdr *eh;
    int r = check_elf(ip, &eh);
    if (r < 0)
        return r;
    pde_t *pgdir = vm_new_pgdir();
    if (!pgdir)
        return -ENOMEM;
    uint32_t end, phdr_va, esp;
    if ((r = load_segments(pgdir, ip, eh, &end, &phdr_va)) < 0 ||
        (r = setup_stack(pgdir, argv, envp, eh, phdr_va, &esp)) < 0) {
        vm_free(pgdir);
        return r;
    }

    struct proc *p = current;
    pde_t *old = p->pgdir;
    p->pgdir = pgdir;
    p->brk_start = p->brk = PGROUNDUP(end);
    const char *base = path;
    for (const char *s = path; *s; s++)
        if (*s == '/')
            base = s + 1;
    strncpy_z(p->name, base, sizeof(p->name));
    struct trapframe *tf = p->tf;
    tf->eax = tf->ebx = tf->ecx = tf->edx = tf->esi = tf->edi = tf->ebp = 0;
    tf->eip = eh->entry;
    tf->esp = esp;
    vm_switch(p);
    vm_free(old);
    return 0;
}
