/* Instructions Swift has no spelling for; these inline functions are compiled into the Swift code that
   calls them. */
static inline void dlfs_prefetch(const void *address) { __builtin_prefetch(address, 0, 3); }

/* Tells the core it is in a spin-wait loop, so it spends less power and yields the pipeline to its sibling
   hyperthread while it waits. */
static inline void dlfs_spin_pause(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

/* The square root of each lane: one vsqrtps (vsqrtpd) for the whole vector, where Swift's SIMD squareRoot()
   takes the lanes one at a time. Exact, as the scalar square root. */
typedef float dlfs_float16 __attribute__((ext_vector_type(16)));
typedef double dlfs_double8 __attribute__((ext_vector_type(8)));
static inline dlfs_float16 dlfs_sqrt_float16(dlfs_float16 x) { return __builtin_elementwise_sqrt(x); }
static inline dlfs_double8 dlfs_sqrt_double8(dlfs_double8 x) { return __builtin_elementwise_sqrt(x); }
