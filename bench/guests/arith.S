# bench guest "arith": an integer arithmetic loop on registers only.
#
# Flat 32-bit code loaded anywhere (it has no absolute references). In:
# EAX = outer repetitions. Out: EAX = a checksum, then HLT. Each repetition
# runs the inner loop 1,000,000 times: ALU operations with a live carry
# (ADD/ADC), shifts and rotates, LEA with scaled index, and IMUL, so the
# lazy-flags machinery and the register handlers carry the load.
        .code32
        .text
        .globl _start
_start:
        mov     %eax, %ebp              # outer repetitions
        mov     $0x12345678, %ebx       # mixing state
        mov     $0x9e3779b9, %esi
        xor     %edi, %edi              # checksum
outer:
        mov     $1000000, %ecx
inner:
        lea     0x11(%ebx,%esi,2), %eax
        xor     %eax, %ebx
        rol     $5, %ebx
        add     %ecx, %esi
        imul    $0x01000193, %esi, %edx
        sub     %edx, %ebx
        mov     %ebx, %eax
        shr     $3, %eax
        xor     %eax, %esi
        add     %eax, %edi
        adc     $0, %edi
        and     $0x7fff, %eax
        or      %eax, %edx
        sar     $1, %edx
        add     %edx, %edi
        dec     %ecx
        jnz     inner
        dec     %ebp
        jnz     outer
        mov     %edi, %eax
        xor     %ebx, %eax
        xor     %esi, %eax
        hlt
