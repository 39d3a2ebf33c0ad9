/* Crashes with SIGSEGV at NULL + 0x18 (reading `items` of a NULL struct
 * node) on every other run: each run adds one to the counter in the file named
 * by $ALT_COUNTER (under flock) and crashes when the count before it was odd
 * (the 2nd, 4th, ... run). Without $ALT_COUNTER it exits 0. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/file.h>
#include <unistd.h>

struct node { long id; long len; long pad; int *items; };

__attribute__((noinline)) static int first_item(struct node *n) { return n->items[0]; }

int main(void) {
    const char *path = getenv("ALT_COUNTER");
    if (!path) { puts("null_alternate: no counter, clean exit"); return 0; }
    int fd = open(path, O_RDWR | O_CREAT, 0644);
    if (fd < 0 || flock(fd, LOCK_EX) != 0) return 3;
    char buf[32] = {0};
    long n = 0;
    if (read(fd, buf, sizeof buf - 1) > 0) n = atol(buf);
    int len = snprintf(buf, sizeof buf, "%ld\n", n + 1);
    if (lseek(fd, 0, SEEK_SET) != 0 || ftruncate(fd, 0) != 0 || write(fd, buf, len) != len) return 3;
    close(fd);
    if (n % 2 == 1) {
        fprintf(stderr, "null_alternate: run %ld crashes\n", n);
        fflush(stderr);
        struct node *volatile none = 0; /* read back: the compiler cannot see the NULL */
        return first_item(none);
    }
    printf("null_alternate: run %ld survives\n", n);
    return 0;
}
