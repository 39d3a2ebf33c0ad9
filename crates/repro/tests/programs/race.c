/* A real data race: worker threads take a shared object, call through its
 * function pointer, free it and publish a new one. Without the lock two
 * threads can take the same object: one frees it while the other still
 * calls through it (use after free: the allocator reuses the first word, the
 * function pointer) or frees it again (double free, caught by glibc). Either
 * way the process dies. With USE_LOCK=1 the take-use-free-publish sequence
 * is under a mutex and it never crashes. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define THREADS 4
#define ITERS 200000
#define MAGIC 0x5eed5eedL

struct obj {
    void (*fn)(struct obj *);
    long magic;
    long counter;
};

static struct obj *volatile shared;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int use_lock;

static void work(struct obj *o) {
    if (o->magic != MAGIC) abort(); /* the object was freed under us */
    o->counter++;
}

static void *worker(void *arg) {
    (void)arg;
    for (int i = 0; i < ITERS; i++) {
        if (use_lock) pthread_mutex_lock(&lock);
        struct obj *o = shared;
        if (o) {
            for (volatile int spin = 0; spin < 20; spin++) {
            } /* widen the window a little */
            o->fn(o);
            o->magic = 0;
            shared = NULL;
            free(o);
        }
        struct obj *n = malloc(sizeof *n);
        if (!n) abort();
        n->fn = work;
        n->magic = MAGIC;
        n->counter = 0;
        shared = n;
        if (use_lock) pthread_mutex_unlock(&lock);
    }
    return NULL;
}

int main(void) {
    const char *l = getenv("USE_LOCK");
    use_lock = l && l[0] == '1';
    pthread_t t[THREADS];
    for (int i = 0; i < THREADS; i++) pthread_create(&t[i], NULL, worker, NULL);
    for (int i = 0; i < THREADS; i++) pthread_join(t[i], NULL);
    printf("race: finished (lock %s)\n", use_lock ? "on" : "off");
    return 0;
}
