import ArgumentParser
import DLFS
import Foundation

/// `dlfs experiment weight-init-activation-histogram`: weight_init_activation_histogram.py (§6.2.2), how the
/// activations of 5 layers of 100 spread out for a given σ of the weights and activation function.
struct WeightInitActivationHistogram: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "weight-init-activation-histogram",
        abstract: "Histograms of the activations of 5 layers for a weight σ and activation (weight_init_activation_histogram.py).",
        discussion: """
            1,000 random inputs of 100 values (standard normal) pass through 5 layers of 100 with weights \
            N(0, σ²) and no bias: σ = 1 and sigmoid by default, as the script; --init std:0.01, xavier \
            (√(1/100)) or he (√(2/100)), --activation relu or tanh for the variants it leaves commented out. \
            Prints each layer's mean and standard deviation (the script prints nothing); --plot draws one \
            histogram per layer with 30 bins, over (0, 1) for sigmoid as the book, over the data's range for \
            relu and tanh.
            """)

    @Option(name: .customLong("init"), help: "Weights' σ: std:SIGMA (e.g. std:1, std:0.01), xavier or he.")
    var weightInit = "std:1"
    @Option(help: "Activation: sigmoid, relu or tanh.")
    var activation: HiddenActivation = .sigmoid
    @OptionGroup var options: ExperimentOptions

    static let (examples, nodes, layers, bins) = (1000, 100, 5, 30)

    struct Layer: Encodable {
        var layer: Int
        var mean, standardDeviation: Double
        var binRange: [Double]
        var counts: [Int]
    }

    struct Report: Encodable {
        var experiment, weightInit, activation: String
        var seed: UInt64
        var layers: [Layer]
    }

    func validate() throws {
        guard WeightInit(weightInit) != nil else {
            throw ValidationError("--init '\(weightInit)': give std:SIGMA (a positive number), xavier or he")
        }
    }

    func run() async throws {
        let url = try options.start()
        let initial = WeightInit(weightInit)!
        let activations = Self.activations(initial, activation, seed: options.seed)
        let layers = activations.enumerated().map { i, values in
            let range = activation == .sigmoid ? 0...1 : Histogram.dataRange(values)
            let mean = values.reduce(0, +) / Double(values.count)
            let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)
            return Layer(layer: i + 1, mean: mean, standardDeviation: variance.squareRoot(),
                         binRange: [range.lowerBound, range.upperBound],
                         counts: Histogram.binCounts(values, bins: Self.bins, range: range))
        }
        if options.json {
            try printJSON(Report(experiment: "weight-init-activation-histogram", weightInit: initial.description,
                                 activation: activation.rawValue, seed: options.seed, layers: layers))
        } else {
            for layer in layers {
                print("\(layer.layer)-layer: mean \(String(format: "%.4f", layer.mean)), std \(String(format: "%.4f", layer.standardDeviation))")
            }
        }
        let panels = layers.map { layer in
            Histogram(labels: ChartLabels(title: "\(layer.layer)-layer"), counts: layer.counts,
                      range: layer.binRange[0]...layer.binRange[1])
        }
        let title = "Activations of 5 layers of 100: \(activation.rawValue), weights \(initial)"
        try options.draw(Panels(panels, title: title, panelWidth: 250, panelHeight: 260), to: url)
    }

    /// Each layer's activations, flattened: x ← f(x · W) five times from x ~ N(0, 1) of 1000 × 100, with
    /// W ~ N(0, σ²) of 100 × 100 drawn layer by layer after x, in Double as the script's NumPy.
    static func activations(_ weightInit: WeightInit, _ activation: HiddenActivation, seed: UInt64) -> [[Double]] {
        var rng = SeededGenerator(seed: seed)
        var x = Tensor<Double>.randomNormal([examples, nodes], using: &rng)
        var function = activation.layer(Double.self)
        var result: [[Double]] = []
        for _ in 0..<layers {
            let sigma = weightInit.standardDeviation(fanIn: nodes)
            let w = Tensor<Double>.randomNormal([nodes, nodes], standardDeviation: sigma, using: &rng)
            x = function.forward(x.matmul(w), isTraining: false)
            result.append(x.scalars)
        }
        return result
    }
}
