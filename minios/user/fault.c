// fault [null|kernel|kwrite]: make this process crash. null (the default)
// reads address 0; kernel reads the kernel's memory at 0xC0100000, which
// is mapped but not user-accessible; kwrite writes there. Each time the
// CPU raises a page fault, the kernel kills only this process (SIGSEGV)
// and the shell carries on. Lesson: "a user fault kills one process".
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv) {
    const char *what = argc > 1 ? argv[1] : "null";
    volatile int *p;
    if (!strcmp(what, "null"))
        p = (volatile int *)0;
    else
        p = (volatile int *)0xC0100000;
    printf("fault: %s %s %p\n", !strcmp(what, "kwrite") ? "writing" : "reading",
           what, (void *)p);
    if (!strcmp(what, "kwrite"))
        *p = 0;
    else
        printf("fault: read %d (should not happen)\n", *p);
    return 0;
}
