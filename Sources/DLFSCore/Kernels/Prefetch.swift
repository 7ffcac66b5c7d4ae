import CPrefetch

/// Asks the CPU to start bringing `byteCount` bytes from `start` into cache, one request per 64-byte line,
/// without waiting for them: for data the caller will read soon at addresses the hardware prefetcher cannot
/// guess (the next mini-batch's images, scattered over the training set).
public func prefetch(_ start: UnsafeRawPointer, byteCount: Int) {
    var line = UInt(bitPattern: start) & ~63
    let end = UInt(bitPattern: start) + UInt(byteCount)
    while line < end {
        dlfs_prefetch(UnsafeRawPointer(bitPattern: line))
        line += 64
    }
}
