/* glibc's malloc settings, which Swift's Glibc module leaves out (it does not include <malloc.h>).

   A training step makes and drops tensors of megabytes (a convolution's output and gradients), the same sizes
   every step. By default glibc hands such blocks back to the kernel when they are freed (unmapping them,
   trimming the top of the heap, or dropping a thread's arena heap once it empties), and every page of the
   next one is faulted in and zeroed again. With this, all threads share the main heap, blocks up to 32 MiB
   come from it, and freed memory stays there to be reused (the process keeps its peak resident size).
   Elsewhere it does nothing. */
#if defined(__linux__)
#include <limits.h>
#include <malloc.h>
#endif

static inline void dlfs_keep_freed_memory(void) {
#if defined(__GLIBC__) && defined(M_ARENA_MAX) && defined(M_MMAP_THRESHOLD) && defined(M_TRIM_THRESHOLD)
    mallopt(M_ARENA_MAX, 1);
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, INT_MAX);
#endif
}
