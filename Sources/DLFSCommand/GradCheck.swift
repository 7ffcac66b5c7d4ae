import ArgumentParser
import DLFS
import Foundation

/// `dlfs gradcheck`: chapter 5's gradient check — numerical against backprop gradients, in Double.
struct GradCheck: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gradcheck",
        abstract: "Compare numerical and backprop gradients of a net on a small batch (Double).",
        discussion: """
            Prints `W1:<mean absolute difference>` for each parameter as the book's gradient_check.py, then \
            the relative differences Σ|numerical − backprop| / (Σ|numerical| + Σ|backprop|). Exits non-zero \
            when one exceeds --tolerance. Backprop differentiates exactly the loss the numerical gradient \
            sees (the book's cross-entropy with 1e-7 inside the log), so what is left is the central \
            difference's own error, about 1e-9 relative in Double.
            """)

    @OptionGroup var source: DatasetOptions
    @Option(help: "The split whose first images form the batch (the book: train).")
    var split: Split = .train
    @Option(parsing: .unconditional, help: "Images in the batch (the book: 3).")
    var batchSize = 3
    @Option(parsing: .unconditional, help: "Hidden units.")
    var hidden = 50
    @Option(help: "Hidden activation: relu (the book's chapter-5 net) or sigmoid.")
    var activation: HiddenActivation = .relu
    @Option(help: "Seed of the weights.")
    var seed: UInt64 = 42
    @Option(help: "Check this model (written by `dlfs train --save`) instead of a new two-layer net.")
    var model: String?
    @Option(help: "Largest relative difference accepted.")
    var tolerance = 1e-6
    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    func validate() throws {
        try requireAtLeastOne(batchSize, "--batch-size")
        try requireCount(hidden, "--hidden", atMost: maximumLayerWidth)
    }

    func run() async throws {
        let info = try DatasetInfo.named(source.datasetName)
        let set = try await Dataset.load(info, split: split, dataDir: source.dataDir)
        try checkBatchSize(batchSize, fitsIn: set.count, "images of \(info.name) \(split)")
        if model == nil { try checkLayerSizes([set.featureCount, hidden, info.classCount], batchSize: batchSize) }
        let batch = set.tensors(rows: 0..<batchSize)
        let x = batch.images.converted(to: Double.self)
        let t = Labels<Double>.indices(set.labels.prefix(batchSize).map(Int.init))
        let net: Sequential<Double>
        if let model {
            net = try Sequential<Double>(contentsOf: model)
        } else {
            var rng = SeededGenerator(seed: seed)
            net = .twoLayerNet(inputSize: set.featureCount, hiddenSize: hidden, outputSize: info.classCount,
                               activation: activation, using: &rng)
        }
        try checkInputs(of: net, fit: set.featureCount, classes: info.classCount, file: model)
        let numerical = net.isTwoLayerNet ? net.incrementalNumericalGradient(x, t) : net.numericalGradient(x, t)
        var copy = net
        let backprop = copy.gradient(x, t)
        let rows = GradCheckRow.compare(numerical, backprop)
        let passed = rows.allSatisfy { $0.relativeDifference <= tolerance }
        if json {
            try printJSON(GradCheckReport(dataset: info.name, batchSize: batchSize, activation: activation.rawValue,
                                          seed: seed, tolerance: tolerance, passed: passed, parameters: rows))
        } else {
            GradCheckRow.printLines(rows)
        }
        if !passed {
            let worst = rows.max { $0.relativeDifference < $1.relativeDifference }!
            throw CommandFailure("gradient check failed: \(worst.name) differs by \(worst.relativeDifference) (tolerance \(tolerance))")
        }
    }
}

/// One parameter's numerical gradient against its backprop gradient.
struct GradCheckRow: Encodable {
    var name: String
    /// The book's figure, mean |numerical − backprop|; and Σ|numerical − backprop| / (Σ|numerical| + Σ|backprop|).
    var meanAbsoluteDifference, relativeDifference: Double

    /// A row per parameter, in the gradients' order.
    static func compare(_ numerical: NamedTensors<Double>, _ backprop: NamedTensors<Double>) -> [GradCheckRow] {
        zip(numerical, backprop).map { numerical, backprop in
            let (n, b) = (numerical.tensor.scalars, backprop.tensor.scalars)
            let total = zip(n, b).map { abs($0 - $1) }.reduce(0, +)
            let size = b.map(abs).reduce(0, +) + n.map(abs).reduce(0, +)
            return GradCheckRow(name: numerical.name, meanAbsoluteDifference: total / Double(max(n.count, 1)),
                                relativeDifference: size > 0 ? total / size : total)
        }
    }

    /// The book's `W1:<mean absolute difference>` lines, then the relative differences on one line.
    static func printLines(_ rows: [GradCheckRow]) {
        for row in rows { print("\(row.name):\(row.meanAbsoluteDifference)") }
        print("relative: " + rows.map { "\($0.name) \(String(format: "%.2e", $0.relativeDifference))" }.joined(separator: ", "))
    }
}

private struct GradCheckReport: Encodable {
    var dataset: String
    var batchSize: Int
    var activation: String
    var seed: UInt64
    var tolerance: Double
    var passed: Bool
    var parameters: [GradCheckRow]
}
