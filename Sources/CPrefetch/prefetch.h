/* Swift has no prefetch instruction of its own; this inline function is compiled into the Swift code that
   calls it. */
static inline void dlfs_prefetch(const void *address) { __builtin_prefetch(address, 0, 3); }
