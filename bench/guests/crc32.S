# bench guest "crc32": branchy code, the bitwise CRC-32 (IEEE 802.3,
# reflected polynomial 0xEDB88320) of a 16 KiB buffer.
#
# Flat 32-bit code with its buffer at a fixed address. In: EAX = outer
# repetitions. Out: EAX = the CRCs folded together, then HLT. The inner
# loop branches on each bit shifted out of the CRC, a data-dependent branch
# taken half the time.
        .code32
        .equ    LEN, 16384
        .equ    BUF, 0x100000
        .text
        .globl _start
_start:
        mov     %eax, %ebp              # outer repetitions
        # fill the buffer with an LCG's high bytes
        mov     $BUF, %edi
        mov     $LEN, %ecx
        mov     $1, %eax
fill:
        imul    $1103515245, %eax, %eax
        add     $12345, %eax
        mov     %eax, %edx
        shr     $24, %edx
        mov     %dl, (%edi)
        inc     %edi
        dec     %ecx
        jnz     fill
        xor     %edi, %edi              # the folded result
outer:
        movb    %al, BUF                # vary the first byte per repetition
        mov     $BUF, %esi
        mov     $LEN, %ecx
        mov     $0xffffffff, %eax
byte:
        movzbl  (%esi), %edx
        xor     %edx, %eax
        mov     $8, %edx
bit:
        shr     $1, %eax
        jnc     nopoly
        xor     $0xedb88320, %eax
nopoly:
        dec     %edx
        jnz     bit
        inc     %esi
        dec     %ecx
        jnz     byte
        not     %eax
        rol     $7, %edi
        xor     %eax, %edi
        dec     %ebp
        jnz     outer
        mov     %edi, %eax
        hlt
