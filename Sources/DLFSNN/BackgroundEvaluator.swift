import DLFSCore
import Dispatch
import Foundation

/// Evaluates copies of a model on another thread while the training steps go on, results in submission order.
///
/// This is how `train(_:optimizer:on:test:options:using:observer:)` evaluates each epoch, for a training
/// loop of your own:
///
/// ```swift
/// let evaluator = BackgroundEvaluator<(train: Double, test: Double)>()
/// evaluator.submit(net) { net in (net.accuracy(on: trainSet), net.accuracy(on: testSet)) }
/// for (train, test) in evaluator.takeFinished() { print(train, test) }   // each step; none until ready
/// for (train, test) in evaluator.waitForAll() { print(train, test) }     // after the last step
/// ```
///
/// A submitted model is a copy (a `Sequential` shares its weights with the copy until the next update
/// writes them), so the steps go on at once. Evaluations run one after another on a thread of their own,
/// their kernels limited to one compute thread; run the steps in
/// `ComputeThreads.withLimit(evaluator.threadsForSteps) { … }`, so that they keep to the other cores while an
/// evaluation runs and have them all between evaluations. That limit holds only where it is set (the calling
/// thread, or the task), so the steps' limit and the evaluations' do not touch each other. Create the evaluator
/// outside such a scope: with one compute thread (`ComputeThreads.count` is 1, set so or inside
/// `withLimit(1)`), it evaluates in `submit`, before returning, as the book's loop does. The results are the
/// same either way: no kernel's sums depend on its thread count.
public final class BackgroundEvaluator<Value: Sendable>: Sendable {
    /// True when evaluations run on their own thread, false when `submit` runs them before returning.
    public let runsInBackground: Bool
    private let queue = DispatchQueue(label: "dlfs.evaluation")
    private let group = DispatchGroup()
    // NSLock (pthread) rather than Synchronization's Mutex, which ThreadSanitizer cannot follow on Linux.
    private let lock = NSLock()
    /// Each finished result with the model it was computed on (see `submit`).
    private nonisolated(unsafe) var results: [Int: (value: Value, model: AnyObject?)] = [:]
    private nonisolated(unsafe) var submitted = 0, finished = 0, taken = 0

    /// An evaluator that runs in the background when the caller may use more than one compute thread
    /// (`ComputeThreads.count > 1`), in line otherwise; `inBackground` decides instead.
    public init(inBackground: Bool = ComputeThreads.count > 1) {
        runsInBackground = inBackground
    }

    /// Queues `evaluate(model)` after the evaluations submitted before it; in line, runs it now with the
    /// caller's compute threads.
    public func submit<Model: Sendable>(_ model: Model, _ evaluate: @escaping @Sendable (Model) -> Value) {
        let number = lock.withLock {
            defer { submitted += 1 }
            return submitted
        }
        guard runsInBackground else {
            let value = evaluate(model)
            lock.withLock { store(value, nil, number) }
            return
        }
        // The copy is kept with its result and let go by `takeFinished`, on the caller's thread: the steps
        // then write weights in place (no other reference left) only after taking the lock that the
        // evaluation released after its last read. Let go on this thread, only the reference count would
        // order the two, which ThreadSanitizer cannot see.
        let snapshot = Snapshot(model)
        queue.async(group: group) { [self] in
            let value = ComputeThreads.withLimit(1) { evaluate(snapshot.model) }
            lock.withLock { store(value, snapshot, number) }
        }
    }

    private func store(_ value: Value, _ model: AnyObject?, _ number: Int) {
        results[number] = (value, model)
        finished += 1
    }

    /// How many submitted evaluations have not finished.
    public var evaluationsUnderWay: Int {
        lock.withLock { submitted - finished }
    }

    /// The compute threads the training steps can have now: all of them, less one while an evaluation runs
    /// in the background and holds a core.
    public var threadsForSteps: Int {
        ComputeThreads.count - (runsInBackground && evaluationsUnderWay > 0 ? 1 : 0)
    }

    /// The results not taken before, in the order of submission, up to the first evaluation still
    /// running (none if it is the next one); does not wait.
    public func takeFinished() -> [Value] {
        lock.withLock {
            var values: [Value] = []
            while let (value, _) = results.removeValue(forKey: taken) {
                values.append(value)
                taken += 1
            }
            return values
        }
    }

    /// Waits until every submitted evaluation has finished, then returns the results not taken before, in
    /// the order of submission.
    public func waitForAll() -> [Value] {
        group.wait()
        return takeFinished()
    }
}

/// A submitted model, shared by reference between the evaluation and the result it leaves.
private final class Snapshot<Model: Sendable>: Sendable {
    let model: Model
    init(_ model: Model) { self.model = model }
}
