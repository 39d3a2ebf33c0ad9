/* Hangs. It forks a child that hangs too and prints the child's pid, so a
 * test can check that the whole process group was killed. With argv[1] ==
 * "stubborn" both ignore SIGTERM, so only SIGKILL ends them. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc > 1 && !strcmp(argv[1], "stubborn")) signal(SIGTERM, SIG_IGN);
    pid_t child = fork();
    if (child == 0) {
        for (;;) pause();
    }
    printf("child %d\n", (int)child);
    fflush(stdout);
    for (;;) pause();
}
