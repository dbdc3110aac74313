// poweroff: ask the kernel to power the machine off with reboot(2)
// (LINUX_REBOOT_CMD_POWER_OFF). User programs cannot touch I/O ports, so
// the kernel does it: miniOS writes 0 to the isa-debug-exit port, which
// makes QEMU exit with status 1 (value*2+1). Lesson: "booting".
#include <stdio.h>
#include <sys/reboot.h>
#include <unistd.h>

int main(void) {
    reboot(RB_POWER_OFF);
    perror("poweroff");
    return 1;
}
