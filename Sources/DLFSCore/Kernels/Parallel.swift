import Dispatch
import Foundation
import Synchronization

/// How many threads the kernels may use; 0 (the default) means one per core.
///
/// Work is always split into pieces of output, and no sum is ever split across threads, so results are
/// bit-identical with 1 thread or many.
public enum ComputeThreads {
    private static let requested = Atomic<Int>(0)

    /// A limit for the kernels called in one scope (see `withLimit`).
    @TaskLocal private static var scopeLimit: Int?

    /// The number of threads kernels use now: the process-wide setting, or the limit of the enclosing
    /// `withLimit`.
    public static var count: Int {
        get {
            if let limit = scopeLimit { return limit }
            let n = requested.load(ordering: .relaxed)
            return n > 0 ? n : coreCount
        }
        set { requested.store(max(newValue, 0), ordering: .relaxed) }
    }

    /// Runs `body` with the kernels it calls on at most `limit` threads, without changing the setting of
    /// other threads: the trainer's steps run on one core while evaluations take the other.
    public static func withLimit<R>(_ limit: Int, _ body: () throws -> R) rethrows -> R {
        try $scopeLimit.withValue(Swift.max(1, Swift.min(limit, count)), operation: body)
    }

    /// The cores this process may run on.
    public static let coreCount = max(1, ProcessInfo.processInfo.activeProcessorCount)

    /// How many threads a product of `multiplyAdds` should use, at most `threads`. Waking the other threads
    /// (Dispatch's concurrentPerform) costs tens of microseconds, so below about 16 million multiply-adds,
    /// some 100 µs of one core's work, one thread finishes first.
    public static func parts(multiplyAdds: Int, threads: Int) -> Int {
        multiplyAdds < 16_000_000 ? 1 : Swift.max(1, threads)
    }
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
