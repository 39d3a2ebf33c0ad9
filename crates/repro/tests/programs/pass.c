/* Passes: prints a line on each stream and exits 0. With argv[1] a number
 * of bytes, first writes that many 'x' to stdout (to test the 64 KiB tail). */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 0;
    for (long i = 0; i < n; i++) putchar('x');
    printf("\nall good\n");
    fprintf(stderr, "no problems here\n");
    return 0;
}
