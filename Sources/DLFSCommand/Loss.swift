import ArgumentParser
import DLFS
import Foundation

/// `dlfs loss`: sum of squares and cross-entropy errors of output vectors against a label (book §4.2).
struct Loss: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Sum of squares and cross-entropy errors of network outputs (the book's two examples by default).",
        discussion: """
            Each --y is one output vector (comma-separated probabilities). --t is the label: a class index \
            (2) or a one-hot vector (0,0,1,0,…). With several --y, the batch cross-entropy (mean over the \
            batch, the book's batch version) is printed too.
            """)

    @Option(parsing: .unconditionalSingleValue, help: "An output vector, e.g. 0.1,0.05,0.6,0,0.05,0.1,0,0.1,0,0 (repeatable).")
    var y: [String] = []

    @Option(parsing: .unconditional, help: "The label: a class index or a one-hot vector.")
    var t: String = "2"

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    static let bookOutputs = ["0.1,0.05,0.6,0.0,0.05,0.1,0.0,0.1,0.0,0.0", "0.1,0.05,0.1,0.0,0.05,0.1,0.0,0.6,0.0,0.0"]

    struct Example: Encodable {
        var y: [Double]
        var sumSquaresError: Double
        var crossEntropyError: Double
    }

    struct Report: Encodable {
        var t: [Double]
        var label: Int
        var examples: [Example]
        var batchCrossEntropyError: Double
    }

    func run() async throws {
        let outputs = try (y.isEmpty ? Self.bookOutputs : y).map { try parseNumbers($0, option: "--y") }
        let classes = outputs[0].count
        for (i, output) in outputs.enumerated() {
            guard output.count == classes else {
                throw CommandFailure("--y number \(i + 1) has \(output.count) values but the first has \(classes)")
            }
            if let bad = output.firstIndex(where: { $0 < 0 }) {
                throw CommandFailure("--y number \(i + 1): value \(output[bad]) at index \(bad) is negative; outputs are probabilities")
            }
        }
        let (oneHot, label) = try parseLabel(classes: classes)
        let t = Tensor(oneHot)
        let examples = outputs.map { output in
            Example(y: output, sumSquaresError: sumSquaresError(Tensor(output), t),
                    crossEntropyError: crossEntropyError(Tensor(output), t))
        }
        let batch = Tensor(shape: [outputs.count, classes], scalars: outputs.flatMap { $0 })
        let report = Report(t: oneHot, label: label, examples: examples,
                            batchCrossEntropyError: crossEntropyError(batch, labels: Array(repeating: label, count: outputs.count)))
        if json { return try printJSON(report) }
        print("t = \(NumPyFormat.string(oneHot))  (class \(label))")
        for (i, example) in examples.enumerated() {
            print("y\(i + 1) = \(NumPyFormat.string(example.y))")
            print("  sum of squares error: \(example.sumSquaresError)")
            print("  cross-entropy error:  \(example.crossEntropyError)")
        }
        if examples.count > 1 {
            print("batch of \(examples.count), mean cross-entropy error: \(report.batchCrossEntropyError)")
        }
    }

    /// `--t` as a one-hot vector and its class.
    func parseLabel(classes: Int) throws -> ([Double], Int) {
        let values = try parseNumbers(t, option: "--t")
        if values.count == 1 {
            guard let label = Int(exactly: values[0]), label >= 0, label < classes else {
                throw CommandFailure("--t \(t): a class index must be an integer in 0..<\(classes)")
            }
            return ((0..<classes).map { $0 == label ? 1 : 0 }, label)
        }
        guard values.count == classes else {
            throw CommandFailure("--t has \(values.count) values but each --y has \(classes)")
        }
        guard values.allSatisfy({ $0 == 0 || $0 == 1 }), values.filter({ $0 == 1 }).count == 1,
              let label = values.firstIndex(of: 1) else {
            throw CommandFailure("--t '\(t)' is not one-hot: it needs exactly one 1 and zeros elsewhere")
        }
        return (values, label)
    }
}
