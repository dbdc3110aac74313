# bench guest "sort": memory-heavy filling, copying and sorting.
#
# Flat 32-bit code with its data at fixed addresses (SRC, COPY, SORTED,
# each N dwords). In: EAX = outer repetitions. Out: EAX = a checksum of
# every sorted array, then HLT. Each repetition fills SRC from a linear
# congruential generator, copies it with REP MOVSD and again with a load /
# store loop, insertion-sorts the copy (unsigned) and folds the sorted
# array into the checksum with LODSD.
        .code32
        .equ    N, 1024
        .equ    SRC, 0x100000
        .equ    COPY, 0x110000
        .equ    SORTED, 0x120000
        .text
        .globl _start
_start:
        mov     %eax, %ebp              # outer repetitions
        push    $0                      # the checksum lives at (%esp)
        cld
outer:
        # SRC[i] = x = x * 1103515245 + 12345, seeded by the repetition
        mov     $SRC, %edi
        mov     $N, %ecx
        mov     %ebp, %eax
fill:
        imul    $1103515245, %eax, %eax
        add     $12345, %eax
        mov     %eax, (%edi)
        add     $4, %edi
        dec     %ecx
        jnz     fill
        # COPY = SRC with a string instruction
        mov     $SRC, %esi
        mov     $COPY, %edi
        mov     $N, %ecx
        rep movsl
        # SORTED = COPY with a loop
        xor     %ecx, %ecx
copy:
        mov     COPY(,%ecx,4), %eax
        mov     %eax, SORTED(,%ecx,4)
        inc     %ecx
        cmp     $N, %ecx
        jb      copy
        # insertion sort of SORTED, ascending, unsigned
        mov     $1, %ecx
isort:
        mov     SORTED(,%ecx,4), %eax   # the key
        mov     %ecx, %edx
shift:
        mov     SORTED-4(,%edx,4), %ebx
        cmp     %eax, %ebx
        jbe     place
        mov     %ebx, SORTED(,%edx,4)
        dec     %edx
        jnz     shift
place:
        mov     %eax, SORTED(,%edx,4)
        inc     %ecx
        cmp     $N, %ecx
        jb      isort
        # checksum = checksum * 31 + SORTED[i], over the array
        mov     $SORTED, %esi
        mov     $N, %ecx
        mov     (%esp), %edx
sum:
        lodsl
        imul    $31, %edx, %edx
        add     %eax, %edx
        loop    sum
        mov     %edx, (%esp)
        dec     %ebp
        jnz     outer
        pop     %eax
        hlt
