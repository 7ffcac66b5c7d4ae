import CPrefetch
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

    /// How many threads a product of `multiplyAdds` should use, at most `threads`. Handing parts to
    /// `parallelFor`'s spinning workers is cheap, so products are split from about a million multiply-adds,
    /// some 5 µs of one core's work.
    public static func parts(multiplyAdds: Int, threads: Int) -> Int {
        multiplyAdds < 1_000_000 ? 1 : Swift.max(1, threads)
    }
}

/// Runs `body(i)` for i in 0..<parts, concurrently when more than one thread is allowed.
/// `body` must write disjoint memory for different `i`.
@inlinable
public func parallelFor(_ parts: Int, _ body: (Int) -> Void) {
    if parts <= 1 || ComputeThreads.count <= 1 {
        for i in 0..<parts { body(i) }
    } else {
        WorkerTeam.shared.run(parts, body)
    }
}

/// Runs `body` on consecutive ranges that cover 0..<count, as many as there are compute threads but none
/// shorter than `minimumLength` (one range when count is below twice that): work on independent elements
/// (the rows of a training batch) shared among the threads. The ranges depend only on count and the thread
/// count; `body` must write disjoint memory for disjoint ranges.
@inlinable
public func parallelRanges(_ count: Int, minimumLength: Int, _ body: (Range<Int>) -> Void) {
    let parts = Swift.max(1, Swift.min(ComputeThreads.count, count / Swift.max(1, minimumLength)))
    let length = (count + parts - 1) / parts
    parallelFor(parts) { part in
        let range = (part * length)..<Swift.min(count, (part + 1) * length)
        if !range.isEmpty { body(range) }
    }
}

/// One waiting thread per core beyond the first, which `parallelFor` hands its parts to. A worker spins for a
/// while after each job before it sleeps, so that a product of a few tens of microseconds (a training step's)
/// can be split: a spinning worker sees a job at once, where a sleeping thread must first be woken.
/// The caller takes parts too, so a late worker never holds it up. One job at a time: a `parallelFor`
/// called while another runs (from another thread, or from inside a part) runs its parts on its own thread.
@usableFromInline
final class WorkerTeam: @unchecked Sendable {
    @usableFromInline static let shared = WorkerTeam(workers: ComputeThreads.coreCount - 1)

    /// How long a worker spins after a job before it sleeps.
    private static let spinNanoseconds: UInt64 = 200_000

    private let busy = Atomic<Bool>(false)
    /// Counts jobs; a worker starts one when it sees the count change.
    private let generation = Atomic<Int>(0)
    /// Whether workers may read `job`; `active` counts those that are. The caller closes the job and waits for
    /// `active` to reach 0 before it returns, so no worker reads a job that is gone.
    private let open = Atomic<Bool>(false), active = Atomic<Int>(0)
    private let nextPart = Atomic<Int>(0), partsDone = Atomic<Int>(0)
    private let sleeping = Atomic<Int>(0)
    private let wake = DispatchSemaphore(value: 0)
    private nonisolated(unsafe) var job: ((Int) -> Void)?
    private nonisolated(unsafe) var parts = 0
    private let workers: Int
    private let started = Atomic<Bool>(false)

    private init(workers: Int) { self.workers = workers }

    @usableFromInline
    func run(_ parts: Int, _ body: (Int) -> Void) {
        guard workers > 0, busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else {
            for i in 0..<parts { body(i) }
            return
        }
        defer { busy.store(false, ordering: .releasing) }
        startWorkers()
        withoutActuallyEscaping(body) { body in
            job = body
            self.parts = parts
            nextPart.store(0, ordering: .relaxed)
            partsDone.store(0, ordering: .relaxed)
            open.store(true, ordering: .sequentiallyConsistent)
            generation.add(1, ordering: .sequentiallyConsistent)
            for _ in 0..<sleeping.load(ordering: .sequentiallyConsistent) { wake.signal() }
            takeParts(body, parts)
            spinWhile { partsDone.load(ordering: .acquiring) < parts }
            open.store(false, ordering: .sequentiallyConsistent)
            spinWhile { active.load(ordering: .sequentiallyConsistent) > 0 }
            job = nil
        }
    }

    private func takeParts(_ body: (Int) -> Void, _ parts: Int) {
        while true {
            let i = nextPart.add(1, ordering: .relaxed).oldValue
            guard i < parts else { return }
            body(i)
            partsDone.add(1, ordering: .releasing)
        }
    }

    /// Not inlined, so that the worker's reference to the job is gone when it returns.
    @inline(never)
    private func takePartsOfJob() {
        if let body = job { takeParts(body, parts) }
    }

    private func startWorkers() {
        guard !started.load(ordering: .acquiring),
              started.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged
        else { return }
        for _ in 0..<workers {
            let thread = Thread { [self] in work() }
            thread.name = "dlfs.compute"
            thread.start()
        }
    }

    private func work() {
        var seen = generation.load(ordering: .acquiring)
        while true {
            var deadline: UInt64 = 0, spins = 0
            while generation.load(ordering: .acquiring) == seen {
                spins += 1
                if spins % 64 == 0 {
                    // Lets another thread that shares this core (an evaluation, say) have it while there is no job.
                    sched_yield()
                    let now = DispatchTime.now().uptimeNanoseconds
                    if deadline == 0 { deadline = now + Self.spinNanoseconds }
                    if now > deadline {
                        sleeping.add(1, ordering: .sequentiallyConsistent)
                        if generation.load(ordering: .sequentiallyConsistent) == seen { wake.wait() }
                        sleeping.subtract(1, ordering: .sequentiallyConsistent)
                        deadline = 0
                    }
                }
                dlfs_spin_pause()
            }
            seen = generation.load(ordering: .acquiring)
            active.add(1, ordering: .sequentiallyConsistent)
            if open.load(ordering: .sequentiallyConsistent) { takePartsOfJob() }
            active.subtract(1, ordering: .sequentiallyConsistent)
        }
    }

    /// Waits while `condition` holds, yielding the core now and then in case the thread it waits for is not
    /// running (more threads than cores).
    private func spinWhile(_ condition: () -> Bool) {
        var spins = 0
        while condition() {
            spins += 1
            if spins % 1024 == 0 { sched_yield() } else { dlfs_spin_pause() }
        }
    }
}
