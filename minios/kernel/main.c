// kmain: the kernel's first C code, called by boot.S on the boot stack with
// paging on. It brings up each subsystem in dependency order -- console,
// memory (direct map, heap, frames), CPU tables, interrupt controller and
// timer, filesystem from the initrd -- then creates init and enters the
// scheduler, never to return. Lesson: "booting".
#include "defs.h"
#include "fs.h"
#include "mmu.h"
#include "multiboot.h"
#include "proc.h"
#include "x86.h"

uint32_t phystop;           // end of the direct-mapped physical memory
extern char end[];          // end of the kernel image (kernel.ld)

// Highest usable RAM address from the memory map (or mem_upper), capped
// at what the kernel half of the address space can map.
static uint32_t find_phystop(struct multiboot_info *mbi) {
    uint64_t top = 0;
    if (mbi->flags & MB_INFO_MMAP) {
        for (uint32_t p = mbi->mmap_addr; p < mbi->mmap_addr + mbi->mmap_length;) {
            struct multiboot_mmap_entry *e = P2V(p);
            if (e->type == 1 && e->addr + e->len > top)
                top = e->addr + e->len;
            p += e->size + 4;
        }
    } else if (mbi->flags & MB_INFO_MEMORY) {
        top = 0x100000 + (uint64_t)mbi->mem_upper * 1024;
    }
    if (top > PHYSTOP_MAX)
        top = PHYSTOP_MAX;
    return (uint32_t)top & ~(PGSIZE - 1);
}

// Kernel command line options: "bug=1" enables the deliberate bug.
static void parse_cmdline(const char *cmdline) {
    for (const char *s = cmdline; *s; s++)
        if ((s == cmdline || s[-1] == ' ') && !strncmp(s, "bug=1", 5))
            kernel_bug_enabled = 1;
}

static void make_dev(struct inode *dev, const char *name, int major) {
    struct inode *ip = ramfs_create(dev, name, T_DEV);
    if (!ip)
        panic("cannot create /dev/%s", name);
    ip->major = major;
}

void kmain(uint32_t magic, uint32_t mbi_pa) {
    vga_init();
    uart_init();
    kprintf("miniOS 0.1 booting\n");
    if (magic != MULTIBOOT_BOOTLOADER_MAGIC)
        panic("not loaded by a multiboot loader (magic %p)", magic);
    vm_init();                 // direct map first: the multiboot data may lie above 8 MiB
    struct multiboot_info *mbi = P2V(mbi_pa);

    // Memory: map all RAM, then carve the heap above the kernel and the
    // initrd, then hand every other frame to the frame allocator.
    phystop = find_phystop(mbi);
    if (phystop < 16 * 1024 * 1024)
        panic("need at least 16 MiB of RAM, have %u KiB", phystop / 1024);
    uint32_t reserved = V2P(end);
    struct multiboot_module *mods = P2V(mbi->mods_addr);
    int nmods = (mbi->flags & MB_INFO_MODS) ? (int)mbi->mods_count : 0;
    for (int i = 0; i < nmods; i++)
        if (mods[i].mod_end > reserved)
            reserved = mods[i].mod_end;
    reserved = PGROUNDUP(reserved);
    if (reserved + KHEAP_SIZE > phystop)
        panic("kernel and initrd do not fit in RAM");
    kheap_init(P2V(reserved), KHEAP_SIZE);
    kalloc_init(mbi, reserved + KHEAP_SIZE);
    kprintf("memory: %u KiB usable, %u KiB free\n", phystop / 1024,
            frames_free() * (PGSIZE / 1024));

    gdt_init();
    idt_init();
    pic_init();
    pit_init();

    ramfs_init();
    struct inode *root = ramfs_root();
    struct inode *dev = ramfs_create(root, "dev", T_DIR);
    make_dev(dev, "console", DEV_CONSOLE);
    make_dev(dev, "null", DEV_NULL);
    ramfs_create(root, "proc", T_DIR);
    ramfs_create(root, "tmp", T_DIR);
    if (nmods == 0)
        panic("no initrd: boot with the initrd as a multiboot module");
    int files = initrd_unpack(P2V(mods[0].mod_start), mods[0].mod_end - mods[0].mod_start);
    if (files < 0)
        panic("initrd is not a newc cpio archive");
    kprintf("initrd: %d files\n", files);

    if (mbi->flags & MB_INFO_CMDLINE)
        parse_cmdline(P2V(mbi->cmdline));
    if (kernel_bug_enabled)
        kprintf("WARNING: bug=1: system call 500 lets any process write kernel memory\n");

    proc_init();
    user_init("/bin/init");
    scheduler();
}
