// The console: output goes to the serial port and the VGA screen; input
// comes from the serial port through a line discipline like a terminal's
// canonical mode: typed characters are echoed, Backspace and Ctrl-U edit
// the line, Ctrl-C interrupts the foreground job, and read() returns only
// whole lines (Ctrl-D ends input).
// Also kprintf, the kernel's printf. Lesson: "the console" and "devices".
#include "defs.h"
#include "proc.h"
#include "x86.h"
#include "linux_errno.h"

#define INPUT_BUF 256
static struct {
    char buf[INPUT_BUF];
    uint32_t r;   // next byte read() returns
    uint32_t w;   // end of the committed lines
    uint32_t e;   // end of the line being edited
} input;

void console_putc(char c) {
    if (c == '\n')
        uart_putc('\r');    // the terminal's ONLCR: newline as CR LF
    uart_putc(c);
    vga_putc(c);
}

void console_write(const char *s, size_t n) {
    for (size_t i = 0; i < n; i++)
        console_putc(s[i]);
    vga_flush();
}

static void echo_erase(void) {
    console_write("\b \b", 3);
}

// Take the bytes the UART has received into the line buffer. Runs from
// the UART and timer interrupts.
void console_intr(void) {
    int c;
    while ((c = uart_getc()) >= 0) {
        switch (c) {
        case 0x08: case 0x7F:            // Backspace, Delete
            if (input.e != input.w) {
                input.e--;
                echo_erase();
            }
            break;
        case 0x10:                       // Ctrl-P: list processes
            proc_dump();
            break;
        case 0x03:                       // Ctrl-C: interrupt the foreground job
            console_write("^C\n", 3);
            input.e = input.w;               // drop the line being typed
            if (proc_interrupt_foreground() == 0) {
                input.buf[input.e++ % INPUT_BUF] = '\n';   // at a prompt: an empty line
                input.w = input.e;
                wakeup(&input.r);
            }
            break;
        case 0x15:                       // Ctrl-U: erase the line
            while (input.e != input.w) {
                input.e--;
                echo_erase();
            }
            break;
        default:
            if (c == '\r')
                c = '\n';                // the terminal's ICRNL
            if (input.e - input.r >= INPUT_BUF)
                break;                   // full: drop, as a terminal does
            input.buf[input.e++ % INPUT_BUF] = (char)c;
            if (c != 0x04) {
                char ch = (char)c;
                console_write(&ch, 1);
            }
            if (c == '\n' || c == 0x04 || input.e - input.r == INPUT_BUF) {
                input.w = input.e;
                wakeup(&input.r);
            }
        }
    }
}

// Read at most n bytes of the next line into the kernel buffer dst,
// sleeping until a line is committed. Returns the count, 0 at end of
// input (Ctrl-D on an empty line) or -EINTR if the process is killed.
int console_read(char *dst, int n) {
    int got = 0;
    while (input.r == input.w) {
        if (current && current->killed)
            return -EINTR;
        sleep_on(&input.r);
    }
    while (got < n && input.r != input.w) {
        char c = input.buf[input.r++ % INPUT_BUF];
        if (c == 0x04)
            break;                       // Ctrl-D: push out what was typed

        dst[got++] = c;
        if (c == '\n')
            break;
    }
    return got;
}

// A small printf: %d %u %x %p %s %c and %%, with an optional field width
// and 0 flag, and the l modifier (ignored: int and long are the same size).
typedef void (*emit_fn)(char c, void *arg);

static void format(emit_fn emit, void *arg, const char *fmt, va_list ap) {
    for (; *fmt; fmt++) {
        if (*fmt != '%') {
            emit(*fmt, arg);
            continue;
        }
        fmt++;
        char pad = ' ';
        int width = 0;
        if (*fmt == '0')
            pad = '0', fmt++;
        while (*fmt >= '0' && *fmt <= '9')
            width = width * 10 + (*fmt++ - '0');
        while (*fmt == 'l')
            fmt++;
        char tmp[16];
        const char *s = tmp;
        int len = 0;
        uint32_t u;
        switch (*fmt) {
        case 'd': {
            int v = va_arg(ap, int);
            u = v < 0 ? -(uint32_t)v : (uint32_t)v;
            do tmp[15 - len++] = '0' + u % 10; while (u /= 10);
            if (v < 0)
                tmp[15 - len++] = '-';
            s = tmp + 16 - len;
            break;
        }
        case 'u':
            u = va_arg(ap, uint32_t);
            do tmp[15 - len++] = '0' + u % 10; while (u /= 10);
            s = tmp + 16 - len;
            break;
        case 'p':
            pad = '0', width = 8;
            /* fall through */
        case 'x':
            u = va_arg(ap, uint32_t);
            do tmp[15 - len++] = "0123456789abcdef"[u % 16]; while (u /= 16);
            s = tmp + 16 - len;
            break;
        case 's':
            s = va_arg(ap, const char *);
            if (!s)
                s = "(null)";
            len = strlen(s);
            break;
        case 'c':
            tmp[0] = (char)va_arg(ap, int);
            len = 1;
            break;
        case '%':
            tmp[0] = '%';
            len = 1;
            break;
        default:
            tmp[0] = '%', tmp[1] = *fmt;
            len = 2;
            if (!*fmt)
                return;
        }
        for (int i = len; i < width; i++)
            emit(pad, arg);
        for (int i = 0; i < len; i++)
            emit(s[i], arg);
    }
}

static void emit_console(char c, void *arg) {
    console_putc(c);
}

void kvprintf(const char *fmt, va_list ap) {
    format(emit_console, 0, fmt, ap);
    vga_flush();
}

void kprintf(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    kvprintf(fmt, ap);
    va_end(ap);
}

struct sbuf {
    char *buf;
    int size, len;
};

static void emit_buf(char c, void *arg) {
    struct sbuf *b = arg;
    if (b->len + 1 < b->size)
        b->buf[b->len] = c;
    b->len++;
}

// Format into buf (always NUL-terminated); return the length the full
// output would have had.
int ksnprintf(char *buf, int size, const char *fmt, ...) {
    struct sbuf b = {buf, size, 0};
    va_list ap;
    va_start(ap, fmt);
    format(emit_buf, &b, fmt, ap);
    va_end(ap);
    if (size > 0)
        buf[b.len < size ? b.len : size - 1] = 0;
    return b.len;
}
