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

            --model simple-convnet checks the book's ch07/gradient_check.py instead: a SimpleConvNet of 10 \
            filters of 3 × 3 and 10 hidden units on one random 1 × 10 × 10 image of class 1, printing \
            `W1 <mean absolute difference>` as that script does. Its weights (σ 0.01) put some ReLU inputs \
            within 1e-4 of 0, where the central difference straddles the kink and is wrong; an element whose \
            numerical derivative changes when the step shrinks to 1e-6 is such a kink, counted, and left out \
            of the relative differences (the book's mean absolute differences keep it).
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
    @Option(help: "Check this model (written by `dlfs train --save`) instead of a new two-layer net, or simple-convnet (the book's ch07/gradient_check.py).")
    var model: String?
    @Option(help: "Largest relative difference accepted.")
    var tolerance = 1e-6
    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    func validate() throws {
        try requireAtLeastOne(batchSize, "--batch-size")
        try requireCount(hidden, "--hidden", atMost: maximumLayerWidth)
        if model == BookConvNet.deepConvNet.rawValue {
            throw ValidationError("--model deep-convnet: the numerical gradient of its 120,000 parameters takes hours; the book checks simple-convnet")
        }
    }

    func run() async throws {
        if let model, let convNet = BookConvNet(rawValue: model) { return try check(convNet) }
        let info = try DatasetInfo.named(source.datasetName)
        let set = try Dataset.load(info, split: split, dataDir: source.dataDir)
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
        let rows = GradientComparison.compare(numerical, backprop)
        try report(rows, GradCheckReport(dataset: info.name, batchSize: batchSize, activation: activation.rawValue,
                                         seed: seed, tolerance: tolerance, parameters: rows), separator: ":")
    }

    /// The book's ch07/gradient_check.py: SimpleConvNet(input_dim=(1, 10, 10), 10 filters 3 × 3, pad 0,
    /// stride 1, hidden 10, σ 0.01) on one image of uniform [0, 1) values, label 1.
    private func check(_ convNet: BookConvNet) throws {
        var rng = SeededGenerator(seed: seed)
        let net = Sequential<Double>.simpleConvNet(inputShape: (1, 10, 10), filters: 10, filterSize: 3, hiddenSize: 10,
                                                   outputSize: 10, weightInit: .standardDeviation(0.01), using: &rng)
        let x = Tensor<Double>.randomUniform([1, 1, 10, 10], in: 0..<1, using: &rng)
        let t = Labels<Double>.indices([1])
        let numerical = net.numericalGradient(x, t)
        let fine = net.numericalGradient(x, t, step: 1e-6)
        var copy = net
        let rows = GradientComparison.compare(numerical, copy.gradient(x, t), finerStep: fine)
        try report(rows, GradCheckReport(dataset: nil, batchSize: 1, activation: "relu", model: convNet.rawValue, seed: seed,
                                         tolerance: tolerance, parameters: rows), separator: " ")
    }

    /// Prints the rows (the book's lines, `name<separator>difference`) or the JSON report, and fails when a
    /// relative difference exceeds the tolerance.
    private func report(_ rows: [GradientComparison], _ report: GradCheckReport, separator: String) throws {
        var report = report
        report.passed = rows.allSatisfy { $0.relativeDifference <= tolerance }
        if json { try printJSON(report) } else { GradientComparison.printLines(rows, separator: separator) }
        if !report.passed {
            let worst = rows.max { $0.relativeDifference < $1.relativeDifference }!
            throw CommandFailure("gradient check failed: \(worst.name) differs by \(worst.relativeDifference) (tolerance \(tolerance))")
        }
    }
}

/// Gradient checks print as the book's scripts do.
extension GradientComparison {
    /// The book's `W1:<mean absolute difference>` lines (ch05; ch07 separates by a space), then the
    /// relative differences on one line.
    static func printLines(_ rows: [GradientComparison], separator: String) {
        for row in rows { print("\(row.name)\(separator)\(row.meanAbsoluteDifference)") }
        print("relative: " + rows.map { row in
            let kinks = row.kinks.map { $0 == 0 ? "" : " (\($0) kink\($0 == 1 ? "" : "s") left out)" } ?? ""
            return "\(row.name) \(String(format: "%.2e", row.relativeDifference))\(kinks)"
        }.joined(separator: ", "))
    }
}

private struct GradCheckReport: Encodable {
    var dataset: String?
    var batchSize: Int
    var activation: String
    var model: String?
    var seed: UInt64
    var tolerance: Double
    var passed = false
    var parameters: [GradientComparison]
}
