import ArgumentParser
import DLFS

/// `dlfs experiment half-float`: half_float_network.py (§8.3.4), DeepConvNet's accuracy when its
/// parameters and inputs are rounded to 16-bit floats.
struct HalfFloat: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "half-float",
        abstract: "DeepConvNet's accuracy with 16-bit floats (half_float_network.py).",
        discussion: """
            Prints the script's lines: the accuracy of --weights (the book's ch08/deep_convnet_params.pkl) in \
            float64, then with every parameter and input rounded to float16. The script rounds the values \
            but NumPy still computes in float64 (the rounded parameters stay float64 arrays); DLFS prints \
            that figure as the book does, then two more: float32, and float16 storage, where every layer's \
            output is rounded to float16 too (products summed in float32, as NumPy sums float16 products).
            """)

    @OptionGroup var source: DatasetOptions
    @Option(help: "The trained DeepConvNet: the book's ch08/deep_convnet_params.pkl.")
    var weights = "deep_convnet_params.pkl"
    @Option(help: "Test images used (the script: 10000, its `sampled`).")
    var sampled = 10_000
    @OptionGroup var options: ExperimentOptions

    struct Report: Encodable {
        var experiment, dataset, weights: String
        var count: Int
        var float64, float16Values, float32, float16Storage: Double
    }

    func validate() throws { try requireCount(sampled, "--sampled", atMost: 1_000_000) }

    func run() async throws {
        _ = try options.start()
        let info = try DatasetInfo.named(source.datasetName)
        let set = try Dataset.load(info, split: .test, dataDir: source.dataDir)
        let examples = set.subset(0..<min(sampled, set.count))
        let net: Sequential<Double> = try BookConvNet.deepConvNet.trained(weights: weights)
        try checkInputs(of: net, fit: set.featureCount, classes: info.classCount, file: weights)
        options.say("caluculate accuracy (float64) ... ")
        let float64 = net.accuracy(on: examples, blockSize: 100)
        options.say("\(float64)")
        options.say("caluculate accuracy (float16) ... ")
        let halfInputs = TensorExamples(features: examples.tensors().images.converted(to: Double.self).roundedToHalfPrecision,
                                        labels: examples.labels.map(Int.init), classCount: info.classCount)
        let float16Values = Self.roundingParameters(net).accuracy(on: halfInputs, blockSize: 100)
        options.say("\(float16Values)")
        let single: Sequential<Float> = try BookConvNet.deepConvNet.trained(weights: weights)
        let float32 = single.accuracy(on: examples, blockSize: 100)
        options.say("float32: \(float32)")
        let float16Storage = Self.halfStorageAccuracy(Self.roundingParameters(single), halfInputs)
        options.say("float16 storage: \(float16Storage)")
        if options.json {
            try printJSON(Report(experiment: "half-float", dataset: info.name, weights: weights, count: examples.count,
                                 float64: float64, float16Values: float16Values, float32: float32, float16Storage: float16Storage))
        }
    }

    /// The net with every parameter rounded to half precision, as the script's `param[...] = param.astype(np.float16)`.
    static func roundingParameters<S>(_ net: Sequential<S>) -> Sequential<S> {
        var rounded = net
        rounded.updateParameters { _, parameter, _ in parameter = parameter.roundedToHalfPrecision }
        return rounded
    }

    /// Accuracy when every layer's output is stored in half precision: the layers run one after another on
    /// batches of 100 (as the script), each output rounded before the next layer reads it.
    static func halfStorageAccuracy(_ net: Sequential<Float>, _ examples: TensorExamples<Double>) -> Double {
        var layers = net.layers
        var correct = 0
        for start in stride(from: 0, to: examples.count, by: 100) {
            let rows = Array(start..<min(start + 100, examples.count))
            var x = Tensor<Float>(shape: [rows.count] + (net.inputShape ?? [examples.featureCount])) { buffer in
                rows.withUnsafeBufferPointer { examples.gatherFeatures($0, into: buffer.baseAddress!) }
            }
            for l in layers.indices { x = layers[l].forward(x, isTraining: false).roundedToHalfPrecision }
            correct += zip(x.argmaxRows(), rows).count { $0 == examples.label(at: $1) }
        }
        return Double(correct) / Double(max(examples.count, 1))
    }
}
