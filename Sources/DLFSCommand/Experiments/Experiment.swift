import ArgumentParser
import DLFS
import Foundation

/// `dlfs experiment NAME`: the book's chapter 6-8 scripts, one subcommand each, printing the script's lines
/// and drawing its figure.
struct Experiment: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The book's chapter 6-8 experiments (ch06, ch07, ch08 scripts): their printed lines and their figures.",
        discussion: """
            Each subcommand runs one script with its settings (MNIST by default, as the book; \
            --dataset fashion-mnist works everywhere), prints the script's lines (--json: one JSON object \
            with the numbers instead) and draws its figure with --plot FILE.svg. Everything random comes \
            from --seed, so a seed gives the same output with any --threads.
            """,
        subcommands: [
            OptimizerCompareNaive.self,
            OptimizerCompareMNIST.self,
            WeightInitActivationHistogram.self,
            WeightInitCompare.self,
            BatchNormTest.self,
            BatchNormGradientCheck.self,
            OverfitWeightDecay.self,
            OverfitDropout.self,
            HyperparameterOptimization.self,
            VisualizeFilter.self,
            ApplyFilter.self,
            Misclassified.self,
            HalfFloat.self,
        ])
}

/// `--seed`, `--plot`, `--json` and `--threads`, shared by the experiments.
struct ExperimentOptions: ParsableArguments {
    @Option(help: "Seed of every random draw: weights, batches, shuffles, trials.")
    var seed: UInt64 = 42
    @Option(help: "Draw the script's figure into this SVG file.")
    var plot: String?
    @Flag(help: "Print one JSON object with the numbers instead of the script's lines.")
    var json = false
    @Option(help: "Threads (0: one per core); the output is the same with any count.")
    var threads = 0

    func validate() throws {
        guard threads >= 0 else { throw ValidationError("--threads must be 0 (one per core) or more, not \(threads)") }
    }

    /// Sets the thread count and checks `--plot` before any work; the figure's file, if one is wanted.
    func start() throws -> URL? {
        ComputeThreads.count = threads
        return try plot.map(plotURL)
    }

    /// Prints a line of the script's output, unless the output is JSON.
    func say(_ line: @autoclosure () -> String) {
        if !json { print(line()) }
    }

    /// Draws the figure when `--plot` asked for one.
    func draw(_ figure: @autoclosure () -> Panels, to url: URL?) throws {
        guard let url else { return }
        try writeFigure({ try figure().write(to: url) }, to: url)
    }
}

/// A dataset's two splits, loaded as `dlfs train` loads them.
struct ExperimentData {
    let info: DatasetInfo
    let train: ImageSet
    let test: ImageSet

    static func load(_ source: DatasetOptions) async throws -> ExperimentData {
        let info = try DatasetInfo.named(source.datasetName)
        let data = try await Dataset.load(info, dataDir: source.dataDir)
        return ExperimentData(info: info, train: try data.split(.train), test: try data.split(.test))
    }

    /// The first `count` training examples, the book's `x_train[:count]`.
    func trainingPrefix(_ count: Int) throws -> ImageSet {
        guard count <= train.count else {
            throw CommandFailure("--train-size \(count) is more than the \(train.count) training images of \(info.name)")
        }
        return train.subset(0..<count)
    }
}

/// `count` seeds drawn in order from `seed`: run i's own generator, whichever thread runs it.
func runSeeds(_ seed: UInt64, count: Int) -> [UInt64] {
    var master = SeededGenerator(seed: seed)
    return (0..<count).map { _ in master.next() }
}

/// Runs `job(0)`, …, `job(count − 1)` on up to `ComputeThreads.count` threads at once, each job's kernels on
/// one thread (independent runs use the cores better than one run's small matrices do). `deliver` gets
/// each result in index order as soon as it and all before it are done, one call at a time. Jobs must draw
/// only from their own seeded generators; then the results do not depend on the thread count.
/// After all jobs end, the error of the first failed job (by index) is thrown.
func runInParallel<T>(_ count: Int, deliver: (Int, T) -> Void = { _, _ in }, _ job: (Int) throws -> T) throws -> [T] {
    let board = JobBoard<T>(count: count)
    let workers = max(1, min(ComputeThreads.count, count))
    parallelFor(workers) { _ in
        while let index = board.take() {
            do {
                let value = try ComputeThreads.withLimit(1) { try job(index) }
                board.finish(index, .success(value), deliver: deliver)
            } catch {
                board.finish(index, .failure(error), deliver: deliver)
            }
        }
    }
    return try board.results.map { result in
        // Jobs start in index order and none after a failure: every result before the first failure is here.
        guard let result else { preconditionFailure("runInParallel: a job before the first failure did not run") }
        return try result.get()
    }
}

/// The jobs still to start and the results so far, shared by `runInParallel`'s workers under one lock.
private final class JobBoard<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var next = 0, delivered = 0, failed = false
    private(set) var results: [Result<T, any Error>?]

    init(count: Int) { results = Array(repeating: nil, count: count) }

    /// The next job to run, or nil when none is left (or one failed).
    func take() -> Int? {
        lock.withLock {
            guard !failed, next < results.count else { return nil }
            next += 1
            return next - 1
        }
    }

    func finish(_ index: Int, _ result: Result<T, any Error>, deliver: (Int, T) -> Void) {
        lock.withLock {
            results[index] = result
            if case .failure = result { failed = true }
            while delivered < results.count, case .success(let value)? = results[delivered] {
                deliver(delivered, value)
                delivered += 1
            }
        }
    }
}

/// `validate()`'s check for an experiment whose output is its picture: `--plot` must be given.
func requirePlot(_ options: ExperimentOptions) throws {
    guard options.plot != nil else { throw ValidationError("--plot FILE.svg is needed: this experiment's result is its figure") }
}

/// The last component of a path, for a figure's title.
func fileName(_ path: String) -> String { URL(fileURLWithPath: path).lastPathComponent }
