/* Crashes (SIGSEGV) with the probability in $CRASH_P (default 0.5), else
 * exits 0. The random draw is seeded from the clock and the pid. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

int main(void) {
    const char *p = getenv("CRASH_P");
    double prob = p ? atof(p) : 0.5;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    srand48((long)ts.tv_nsec ^ ((long)getpid() << 16));
    if (drand48() < prob) {
        fprintf(stderr, "flaky: crashing\n");
        *(volatile int *)0 = 1;
    }
    puts("flaky: survived");
    return 0;
}
