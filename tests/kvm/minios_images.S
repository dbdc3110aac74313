/* miniOS's kernel and initrd inside the harness program, as the build made
   them (minios/): the nested machine has no other copy. The paths come from
   tests/kvm/CMakeLists.txt as MINIOS_KERNEL and MINIOS_INITRD. */
        .section .rodata
        .balign 16
        .globl  isolab_minios_kernel, isolab_minios_kernel_end
isolab_minios_kernel:
        .incbin MINIOS_KERNEL
isolab_minios_kernel_end:
        .balign 16
        .globl  isolab_minios_initrd, isolab_minios_initrd_end
isolab_minios_initrd:
        .incbin MINIOS_INITRD
isolab_minios_initrd_end:
        .section .note.GNU-stack,"",@progbits
