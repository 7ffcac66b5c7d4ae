import Dispatch
import Foundation
import Synchronization

/// How many threads the kernels may use; 0 (the default) means one per core.
///
/// Work is always split into pieces of output, and no sum is ever split across threads, so results are
/// bit-identical with 1 thread or many.
public enum ComputeThreads {
    private static let requested = Atomic<Int>(0)

    /// The number of threads kernels use now.
    public static var count: Int {
        get {
            let n = requested.load(ordering: .relaxed)
            return n > 0 ? n : coreCount
        }
        set { requested.store(max(newValue, 0), ordering: .relaxed) }
    }

    /// The cores this process may run on.
    public static let coreCount = max(1, ProcessInfo.processInfo.activeProcessorCount)
}

/// Runs `body(i)` for i in 0..<parts, concurrently when more than one thread is allowed.
/// `body` must write disjoint memory for different `i`.
@inlinable
public func parallelFor(_ parts: Int, _ body: (Int) -> Void) {
    if parts <= 1 || ComputeThreads.count <= 1 {
        for i in 0..<parts { body(i) }
    } else {
        withoutActuallyEscaping(body) { body in
            // The caller guarantees disjoint writes, which is what Sendable would otherwise prove.
            let task = UncheckedSendable(body)
            DispatchQueue.concurrentPerform(iterations: parts) { task.value($0) }
        }
    }
}

@usableFromInline
struct UncheckedSendable<T>: @unchecked Sendable {
    @usableFromInline let value: T
    @usableFromInline init(_ value: T) { self.value = value }
}
