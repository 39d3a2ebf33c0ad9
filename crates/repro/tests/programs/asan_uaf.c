/* A heap use after free, for an AddressSanitizer build (-fsanitize=address). */
#include <stdio.h>
#include <stdlib.h>

int main(void) {
    int *p = malloc(16 * sizeof(int));
    p[0] = 7;
    free(p);
    printf("%d\n", p[3]);
    return 0;
}
