/* Two instructions Swift has no spelling for; these inline functions are compiled into the Swift code that
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
