import Dispatch
import Foundation
import Testing
@testable import DLFSCore

/// `parallelFor` runs every part exactly once, whoever takes it: the caller, a spinning worker or one woken
/// from sleep; from several threads at once, and from inside a part.
struct ParallelTests {
    /// How many times each part ran, over `rounds` calls of `parallelFor(parts)`.
    static func counts(parts: Int, rounds: Int, inner: Int = 0) -> [Int] {
        var counts = [Int](repeating: 0, count: parts)
        counts.withUnsafeMutableBufferPointer { counts in
            for _ in 0..<rounds {
                parallelFor(parts) { i in
                    counts[i] += 1
                    if inner > 0 {
                        var innerCounts = [Int](repeating: 0, count: inner)
                        innerCounts.withUnsafeMutableBufferPointer { c in parallelFor(inner) { c[$0] += 1 } }
                        counts[i] += innerCounts.allSatisfy { $0 == 1 } ? 0 : 1_000
                    }
                }
            }
        }
        return counts
    }

    @Test("Each part once per call, for any number of parts")
    func everyPartOnce() {
        for parts in 1...37 {
            #expect(Self.counts(parts: parts, rounds: 50) == [Int](repeating: 50, count: parts), "\(parts) parts")
        }
    }

    @Test("A part that calls parallelFor gets all of its parts done")
    func nested() {
        #expect(Self.counts(parts: 8, rounds: 20, inner: 5) == [Int](repeating: 20, count: 8))
    }

    @Test("Callers on several threads at once each get their own parts done")
    func concurrentCallers() {
        let lock = NSLock()
        nonisolated(unsafe) var correct = 0
        DispatchQueue.concurrentPerform(iterations: 4) { t in
            if Self.counts(parts: 3 + t, rounds: 300) == [Int](repeating: 300, count: 3 + t) {
                lock.withLock { correct += 1 }
            }
        }
        #expect(lock.withLock { correct } == 4)
    }

    @Test("A job after the workers have gone to sleep is done")
    func afterSleep() {
        for _ in 0..<3 {
            Thread.sleep(forTimeInterval: 0.002)
            #expect(Self.counts(parts: 4, rounds: 1) == [1, 1, 1, 1])
        }
    }
}
