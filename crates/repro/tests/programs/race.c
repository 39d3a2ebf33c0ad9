/* A real data race on a shared pointer. Worker threads take the shared
 * object, work on it through its function pointer, free it and publish a new
 * one. Now and then a worker pauses between taking the object and using it
 * (as real code does when it blocks), which makes the race show reliably,
 * even on a busy or single core.
 *
 * Without the lock another thread takes and frees the same object during the
 * pause: the first thread then calls through freed memory. The allocator has
 * overwritten the function pointer (SIGSEGV), or reused the block for a newer
 * object, which work() notices from the id and aborts (SIGABRT). With
 * USE_LOCK=1 the take-use-free-publish sequence is under a mutex and it never
 * crashes. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define THREADS 4
#define ITERS 20000
#define MAGIC 0x5eed5eedL

struct obj {
    void (*fn)(struct obj *, long id);
    long magic;
    long id;
    long counter;
};

static struct obj *volatile shared;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int use_lock;
static long next_id;

static void work(struct obj *o, long id) {
    if (o->magic != MAGIC || o->id != id) abort(); /* freed (and reused) under us */
    o->counter++;
}

static void *worker(void *arg) {
    (void)arg;
    for (int i = 0; i < ITERS; i++) {
        struct obj *n = malloc(sizeof *n);
        if (!n) abort();
        n->fn = work;
        n->magic = MAGIC;
        n->id = __atomic_add_fetch(&next_id, 1, __ATOMIC_RELAXED);
        n->counter = 0;
        if (use_lock) pthread_mutex_lock(&lock);
        struct obj *o = shared;
        if (o) {
            long id = o->id;
            if (i % 64 == 0) usleep(100);
            o->fn(o, id);
            o->magic = 0;
            free(o);
        }
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
