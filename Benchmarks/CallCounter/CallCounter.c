// Counts the allocations (malloc and its siblings) and frees of the process it is preloaded into,
// forwarding each call to glibc's __libc_* entry points, so no dlsym is needed while the dynamic
// linker itself allocates. At exit it writes one line to stderr:
//
//     waku-calls mallocs=N frees=N
//
// Retains and releases are not counted: the Swift runtime's instrumentation hooks
// (_swift_retain and friends) crash on bridged string objects when swizzled (Swift 6.3, Linux);
// scripts/count-calls counts them with perf where uprobes are available.
//
// Only for measuring: it is built as its own dynamic library and never linked into anything.
#define _GNU_SOURCE
#include "CallCounter.h"

#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t count, size_t size);
extern void *__libc_realloc(void *pointer, size_t size);
extern void *__libc_memalign(size_t alignment, size_t size);
extern void __libc_free(void *pointer);

static atomic_long mallocs;
static atomic_long frees;

static inline void count(atomic_long *counter, long by) {
    atomic_fetch_add_explicit(counter, by, memory_order_relaxed);
}

void *malloc(size_t size) {
    count(&mallocs, 1);
    return __libc_malloc(size);
}

void *calloc(size_t count_, size_t size) {
    count(&mallocs, 1);
    return __libc_calloc(count_, size);
}

void *realloc(void *pointer, size_t size) {
    // A realloc of NULL allocates; of a block to size 0, frees; otherwise it moves or grows one
    // allocation, which counts as neither.
    if (pointer == NULL) count(&mallocs, 1);
    else if (size == 0) count(&frees, 1);
    return __libc_realloc(pointer, size);
}

void free(void *pointer) {
    if (pointer != NULL) count(&frees, 1);
    __libc_free(pointer);
}

void *memalign(size_t alignment, size_t size) {
    count(&mallocs, 1);
    return __libc_memalign(alignment, size);
}

void *aligned_alloc(size_t alignment, size_t size) {
    count(&mallocs, 1);
    return __libc_memalign(alignment, size);
}

int posix_memalign(void **result, size_t alignment, size_t size) {
    if (alignment % sizeof(void *) != 0 || (alignment & (alignment - 1)) != 0) return 22; // EINVAL
    void *pointer = __libc_memalign(alignment, size);
    if (pointer == NULL) return 12; // ENOMEM
    count(&mallocs, 1);
    *result = pointer;
    return 0;
}

waku_call_counts waku_call_counts_now(void) {
    waku_call_counts counts = { atomic_load(&mallocs), atomic_load(&frees) };
    return counts;
}

__attribute__((destructor)) static void report(void) {
    waku_call_counts counts = waku_call_counts_now();
    char line[160];
    int length = snprintf(line, sizeof line, "waku-calls mallocs=%ld frees=%ld\n", counts.mallocs, counts.frees);
    if (length > 0) (void)!write(STDERR_FILENO, line, (size_t)length);
}
