# A page-table-heavy guest: it builds two address spaces, turns paging on,
# and then, for ITER rounds, writes and reads a 64-page window whose pages
# a #PF handler maps on demand, remaps pages (PTE write + INVLPG), clears
# dirty bits, and switches CR3 to a second address space and back. It ends
# with HLT (interrupts off) holding a checksum of what it read in EAX, a
# checksum of its page tables (A and D bits included) in EBX, and the sum of
# the #PF error codes it saw in EBP. The same guest must end in the same
# state under every paging mode (tests/mmu/nested.cpp).
#
# Flat 32-bit protected mode, ring 0, linked at 0x1000 (the test enters it
# with flat segments already loaded). Guest-physical layout:
        .set IDT,         0x81000   # built at run time
        .set DEMAND_NEXT, 0x80000   # next frame the #PF handler hands out
        .set PD0,         0x100000  # address space 0
        .set PD1,         0x101000  # address space 1
        .set PT0,         0x102000  # PD0's table for the window
        .set PT1,         0x103000  # PD1's table for the window (read-only)
        .set DATA,        0x200000  # 64 frames the window is remapped to
        .set DEMAND,      0x300000  # frames for demand-mapped pages
        .set WINDOW,      0x400000  # the window: PDE 1
        .set ITER,        4000

        .code32
        .text
        .globl _start
_start:
        lgdt    gdtr
        ljmp    $0x08, $1f
1:      movw    $0x10, %ax
        movw    %ax, %ds
        movw    %ax, %es
        movw    %ax, %ss
        movl    $0x90000, %esp
        xorl    %ebp, %ebp

        # IDT: only #PF (vector 14), an interrupt gate to pf_handler.
        movl    $IDT, %edi
        movl    $512, %ecx
        xorl    %eax, %eax
        rep stosl
        movl    $pf_handler, %eax
        movw    %ax, IDT + 14 * 8
        movw    $0x08, IDT + 14 * 8 + 2
        movw    $0x8E00, IDT + 14 * 8 + 4
        shrl    $16, %eax
        movw    %ax, IDT + 14 * 8 + 6
        lidt    idtr
        movl    $DEMAND, DEMAND_NEXT

        # Page directories and tables, zeroed.
        movl    $PD0, %edi
        movl    $4096, %ecx
        xorl    %eax, %eax
        rep stosl
        # PDE 0: the first 4 MiB identity-mapped with one 4 MiB page (P|W|PS).
        movl    $0x83, PD0
        movl    $0x83, PD1
        # PDE 1: the window, user and writable at the directory level.
        movl    $PT0 + 7, PD0 + 4
        movl    $PT1 + 7, PD1 + 4
        # PT1 maps the window read-only onto DATA, backwards. PT0 starts empty.
        xorl    %ecx, %ecx
2:      movl    $63, %eax
        subl    %ecx, %eax
        shll    $12, %eax
        addl    $DATA + 5, %eax          # P|U
        movl    %eax, PT1(,%ecx,4)
        incl    %ecx
        cmpl    $64, %ecx
        jb      2b

        # Paging on: CR4.PSE, CR3 = PD0, CR0.PG and CR0.WP.
        movl    %cr4, %eax
        orl     $0x10, %eax
        movl    %eax, %cr4
        movl    $PD0, %eax
        movl    %eax, %cr3
        movl    %cr0, %eax
        orl     $0x80010000, %eax
        movl    %eax, %cr0
        jmp     3f
3:
        xorl    %edi, %edi               # checksum of what was read
        xorl    %esi, %esi               # round i
round:
        # Page p = i % 64 of the window, word (i % 1024).
        movl    %esi, %ebx
        andl    $63, %ebx
        shll    $12, %ebx
        addl    $WINDOW, %ebx
        movl    %esi, %eax
        shll    $2, %eax
        andl    $0xFFC, %eax
        movl    %esi, (%ebx,%eax)        # the first touch of a page faults
        addl    (%ebx), %edi
        movl    %esi, %edx
        andl    $63, %edx                # edx = p
        # Every 16th round: remap page p onto DATA frame (7 i) % 64.
        testl   $15, %esi
        jnz     4f
        movl    %esi, %eax
        imull   $7, %eax
        andl    $63, %eax
        shll    $12, %eax
        addl    $DATA + 7, %eax          # P|W|U, A and D clear
        movl    %eax, PT0(,%edx,4)
        invlpg  (%ebx)
        addl    (%ebx), %edi
4:      # Every 8th round (others): clear page p's dirty bit, then write it again.
        testl   $7, %esi
        jnz     5f
        andl    $~0x40, PT0(,%edx,4)
        invlpg  (%ebx)
        movl    %edi, 4(%ebx)
5:      # Every 128th round: read through address space 1, then come back.
        testl   $127, %esi
        jnz     6f
        movl    $PD1, %eax
        movl    %eax, %cr3
        addl    WINDOW + 0x5000, %edi
        movl    $PD0, %eax
        movl    %eax, %cr3
6:      incl    %esi
        cmpl    $ITER, %esi
        jb      round

        # Checksum of both page tables, accessed and dirty bits included.
        xorl    %ebx, %ebx
        movl    $PT0, %ecx
7:      addl    (%ecx), %ebx
        roll    $1, %ebx
        addl    $4, %ecx
        cmpl    $PT1 + 4096, %ecx
        jb      7b
        movl    %edi, %eax
        hlt

# #PF: map the faulting window page onto the next demand frame.
pf_handler:
        pushl   %eax
        pushl   %edx
        addl    8(%esp), %ebp            # the error code
        movl    %cr2, %eax
        shrl    $12, %eax
        andl    $1023, %eax
        movl    DEMAND_NEXT, %edx
        addl    $0x1000, DEMAND_NEXT
        orl     $7, %edx
        movl    %edx, PT0(,%eax,4)
        popl    %edx
        popl    %eax
        addl    $4, %esp                 # drop the error code
        iret

        .p2align 3
gdt:    .quad   0
        .quad   0x00CF9A000000FFFF       # 0x08: code, flat, ring 0
        .quad   0x00CF92000000FFFF       # 0x10: data, flat, ring 0
gdtr:   .word   23
        .long   gdt
idtr:   .word   255
        .long   IDT
