/* Always crashes, with the signal named in argv[1], the real way where the
 * hardware or libc does it: segv (NULL write), bus (touching an mmap past the
 * end of its file), ill (__builtin_trap), fpe (integer division by zero),
 * abrt (abort), trap (breakpoint), kill (raise SIGKILL). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int main(int argc, char **argv) {
    const char *what = argc > 1 ? argv[1] : "segv";
    fprintf(stderr, "crash: about to %s\n", what);
    fflush(stderr);
    if (!strcmp(what, "segv")) {
        *(volatile int *)0 = 1;
    } else if (!strcmp(what, "bus")) {
        FILE *f = tmpfile();
        if (!f) return 3;
        volatile char *p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fileno(f), 0);
        if (p == MAP_FAILED) return 3;
        return p[0]; /* the file is empty: SIGBUS */
    } else if (!strcmp(what, "ill")) {
        __builtin_trap();
    } else if (!strcmp(what, "fpe")) {
        volatile int zero = 0, one = 1;
        int x = one / zero;
        printf("%d\n", x);
    } else if (!strcmp(what, "abrt")) {
        abort();
    } else if (!strcmp(what, "trap")) {
#if defined(__x86_64__) || defined(__i386__)
        __asm__ volatile("int3");
#else
        raise(SIGTRAP);
#endif
    } else if (!strcmp(what, "kill")) {
        raise(SIGKILL);
    }
    return 4;
}
