import ArgumentParser
import DLFS
import Foundation

/// `dlfs bench conv`: where a convolutional net's step goes, layer by layer. For each convolution of
/// SimpleConvNet and DeepConvNet on MNIST-size images: the training forward and backward of the layer on a
/// batch, and inside them the copies (im2col, col2im) that are not arithmetic.
struct BenchConv: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "conv",
        abstract: "Milliseconds per batch of each convolution of SimpleConvNet and DeepConvNet, and of its im2col and col2im.")

    @Option(parsing: .unconditional, help: "Images per batch (1 to 10,000).")
    var batch = 100

    @Option(parsing: .unconditional, help: "Threads (1 to 64; default: all cores).")
    var threads: Int?

    @Flag(help: "Print the rows as a JSON array instead of a table.")
    var json = false

    func validate() throws {
        try requireCount(batch, "--batch", atMost: 10_000)
        if let threads { try requireCount(threads, "--threads", atMost: 64) }
    }

    struct Row: Codable {
        /// The book's name of the layer's filters, and "FN × C×H×W, FH×FW pad P".
        let layer: String, shape: String
        let inferenceMs: Double, forwardMs: Double, backwardMs: Double, im2colMs: Double, col2imMs: Double
        /// Multiply-adds of forward and backward at two FLOPs each, over their time.
        let gflops: Double
    }

    /// Each convolution of the book's SimpleConvNet and DeepConvNet, named as its filters' parameter, with
    /// its input (C, H, W) on 28×28 images: found by passing one image through the models' own layers.
    static func convolutions() -> [(name: String, layer: Convolution<Float>, input: [Int])] {
        var rng = SeededGenerator(seed: 3)
        var found: [(name: String, layer: Convolution<Float>, input: [Int])] = []
        let models = [("SimpleConvNet", Sequential<Float>.simpleConvNet(using: &rng)), ("DeepConvNet", .deepConvNet(using: &rng))]
        for (name, model) in models {
            var (x, count) = (Tensor<Float>.zeros([1] + (model.inputShape ?? [])), 0)
            for var layer in model.layers {
                if let conv = layer as? Convolution<Float> {
                    count += 1
                    found.append((name: "\(name) W\(count)", layer: conv, input: Array(x.shape.dropFirst())))
                }
                x = layer.forward(x, isTraining: false)
            }
        }
        return found
    }

    func run() throws {
        if let threads { ComputeThreads.count = threads }
        defer { ComputeThreads.count = 0 }
        var rng = SeededGenerator(seed: 3)
        var rows: [Row] = []
        for (name, layer, input) in Self.convolutions() {
            var conv = layer
            let g = conv.geometry(height: input[1], width: input[2])
            let x = Tensor<Float>.randomUniform([batch] + input, using: &rng)
            let dout = Tensor<Float>.randomUniform([batch, conv.filters, g.outputHeight, g.outputWidth], using: &rng)
            // The first layer's input is the data: no gradient for it, as in training.
            let needsInputGradient = conv.channels > 1
            let inference = Timing.median(minRuns: 5, minSeconds: 0.3) { _ = conv.forward(x, isTraining: false) }
            let forward = Timing.median(minRuns: 5, minSeconds: 0.3) { _ = conv.forward(x, isTraining: true) }
            let backward = Timing.median(minRuns: 5, minSeconds: 0.3) {
                _ = conv.forward(x, isTraining: true)
                _ = conv.backward(dout, needsInputGradient: needsInputGradient)
            } - forward
            var col = Tensor<Float>(shape: [g.patchSize, batch * g.positions]) { _ in }
            var dx = Tensor<Float>(shape: x.shape) { _ in }
            let copies = x.withUnsafeBufferPointer { x in
                col.withUnsafeMutableBufferPointer { col in
                    dx.withUnsafeMutableBufferPointer { dx in
                        let (x, col, dx) = (x.baseAddress!, col.baseAddress!, dx.baseAddress!)
                        return (Timing.median(minRuns: 5, minSeconds: 0.2) { im2colTransposed(x, batch: batch, g, into: col) },
                                Timing.median(minRuns: 5, minSeconds: 0.2) { col2imTransposed(col, batch: batch, g, into: dx) })
                    }
                }
            }
            let multiplyAdds = Double(batch * conv.filters * g.patchSize * g.positions) * (needsInputGradient ? 3 : 2)
            let shape = "\(conv.filters) × \(input.map(String.init).joined(separator: "×")), \(conv.filterHeight)×\(conv.filterWidth) pad \(conv.pad)"
            rows.append(Row(layer: name, shape: shape, inferenceMs: inference * 1e3, forwardMs: forward * 1e3,
                            backwardMs: backward * 1e3, im2colMs: copies.0 * 1e3, col2imMs: copies.1 * 1e3,
                            gflops: 2 * multiplyAdds / (forward + backward) / 1e9))
        }
        if json {
            print(String(decoding: try JSONEncoder.sorted.encode(rows), as: UTF8.self))
            return
        }
        print("batch \(batch), \(ComputeThreads.count) thread(s), Float; backward = forward + backward − forward")
        print("layer".padding(toLength: 18, withPad: " ", startingAt: 0) + "FN × C×H×W, window".padding(toLength: 30, withPad: " ", startingAt: 0)
              + ["inference", "forward", "backward", "im2col", "col2im", "GFLOP/s"].map { $0.leftPadded(to: 10) }.joined())
        for row in rows {
            print(row.layer.padding(toLength: 18, withPad: " ", startingAt: 0) + row.shape.padding(toLength: 30, withPad: " ", startingAt: 0)
                  + [row.inferenceMs, row.forwardMs, row.backwardMs, row.im2colMs, row.col2imMs].map { String(format: "%7.2f ms", $0).leftPadded(to: 10) }.joined()
                  + String(format: "%10.1f", row.gflops))
        }
    }
}
