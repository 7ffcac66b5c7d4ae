import DLFS
import Foundation

/// The server's one training run at a time: started from the page's form, run on a thread of its own (a
/// training step blocks its thread for the whole run), its progress kept as server-sent events that every
/// listener receives from the beginning, stoppable, and its model kept for drawing and saving.
final class TrainingRun: Sendable {
    /// One server-sent event: `event: name` and one line of JSON data.
    struct Event: Sendable {
        var name: String
        var json: String
        var text: String { "event: \(name)\ndata: \(json)\n\n" }
    }

    private struct State {
        var running = false
        var stopRequested = false
        var events: [Event] = []
        var listeners: [UUID: AsyncStream<Event>.Continuation] = [:]
        var model: ServedModel?
        var runNumber = 0
    }

    // NSLock (pthread) rather than Synchronization's Mutex, which ThreadSanitizer cannot follow on Linux.
    private let lock = NSLock()
    private nonisolated(unsafe) var state = State()

    var isRunning: Bool { lock.withLock { state.running } }

    /// The model of the last finished run, named "trained".
    var trainedModel: ServedModel? { lock.withLock { state.model } }

    /// Starts a run unless one is running (then false): `recipe` on the sets of `dataset`.
    func start(_ recipe: TrainingRecipe, dataset: DatasetInfo, train trainSet: ImageSet, test testSet: ImageSet,
               options: TrainingOptions) -> Bool {
        let number: Int? = lock.withLock {
            guard !state.running else { return nil }
            state.running = true
            state.stopRequested = false
            state.events = []
            state.runNumber += 1
            return state.runNumber
        }
        guard let number else { return false }
        publish("start", StartEvent(run: number, dataset: dataset.name, iterations: options.iterations,
                                    iterationsPerEpoch: options.iterationsPerEpoch(trainCount: trainSet.count),
                                    learningRate: recipe.resolvedLearningRate, optimizer: recipe.resolvedOptimizer.rawValue,
                                    hidden: (try? recipe.hiddenSizes()) ?? []))
        Thread.detachNewThread { [self] in
            run(recipe, dataset: dataset, trainSet, testSet, options)
        }
        return true
    }

    /// Asks the running training to stop after its current step; false when none runs.
    func stop() -> Bool {
        lock.withLock {
            guard state.running else { return false }
            state.stopRequested = true
            return true
        }
    }

    /// The events of the current (or last) run so far, then the new ones as they come, ending with the run.
    func events() -> AsyncStream<Event> {
        let id = UUID()
        return AsyncStream { continuation in
            lock.withLock {
                for event in state.events { continuation.yield(event) }
                if state.running { state.listeners[id] = continuation } else { continuation.finish() }
            }
            continuation.onTermination = { [weak self] _ in
                guard let self else { return }
                _ = lock.withLock { state.listeners.removeValue(forKey: id) }
            }
        }
    }

    private func run(_ recipe: TrainingRecipe, dataset: DatasetInfo, _ trainSet: ImageSet, _ testSet: ImageSet,
                     _ options: TrainingOptions) {
        let started = Date()
        var rng = SeededGenerator(seed: recipe.seed)
        // The loss is sent as the mean of windows, a few hundred points a run whatever its length.
        let window = max(1, options.iterations / 300)
        var sum = 0.0, counted = 0
        let observer = TrainingObserver(
            iterationDone: { [self] iteration, loss in
                sum += loss
                counted += 1
                guard counted == window || iteration == options.iterations - 1 else { return }
                publish("loss", LossEvent(iteration: iteration, loss: sum / Double(counted)))
                (sum, counted) = (0, 0)
            },
            epochDone: { [self] record in publish("epoch", record) },
            shouldStop: { [self] in lock.withLock { state.stopRequested } })
        do {
            var model = try recipe.model(Float.self, inputSize: trainSet.featureCount, outputSize: dataset.classCount,
                                         imageSize: (trainSet.rows, trainSet.columns), using: &rng)
            var optimizer = recipe.resolvedOptimizer.make(Float.self, learningRate: recipe.resolvedLearningRate)
            let history = try DLFS.train(&model, optimizer: &optimizer, on: trainSet, test: testSet, options: options,
                                         using: &rng, observer: observer)
            let stopped = lock.withLock {
                var trained = ServedModel(name: "trained", model: model, dataset: dataset.name)
                trained.revision = state.runNumber
                state.model = trained
                return state.stopRequested
            }
            finish("done", DoneEvent(iterations: history.losses.count, stopped: stopped,
                                     finalTestAccuracy: history.finalTestAccuracy,
                                     seconds: Date().timeIntervalSince(started), model: "trained"))
        } catch {
            finish("failed", FailedEvent(message: "\(error)"))
        }
    }

    private func publish(_ name: String, _ value: some Encodable) {
        let event = Event(name: name, json: Self.encode(value))
        let listeners = lock.withLock {
            state.events.append(event)
            return Array(state.listeners.values)
        }
        for listener in listeners { listener.yield(event) }
    }

    /// The last event of a run: every listener is told and its stream ends.
    private func finish(_ name: String, _ value: some Encodable) {
        let event = Event(name: name, json: Self.encode(value))
        let listeners = lock.withLock {
            state.events.append(event)
            state.running = false
            defer { state.listeners = [:] }
            return Array(state.listeners.values)
        }
        for listener in listeners {
            listener.yield(event)
            listener.finish()
        }
    }

    private static func encode(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}

private struct StartEvent: Encodable {
    var run: Int
    var dataset: String
    var iterations: Int
    var iterationsPerEpoch, learningRate: Double
    var optimizer: String
    var hidden: [Int]
}

private struct LossEvent: Encodable {
    var iteration: Int
    var loss: Double
}

private struct DoneEvent: Encodable {
    var iterations: Int
    var stopped: Bool
    var finalTestAccuracy, seconds: Double
    var model: String
}

private struct FailedEvent: Encodable {
    var message: String
}
