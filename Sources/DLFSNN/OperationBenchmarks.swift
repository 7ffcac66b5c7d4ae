import DLFSCore
import Dispatch

/// The hot operations of a training step, timed by code compiled inside DLFS: the baseline that
/// `bench/external` (a package depending on DLFS as a user's would) compares its own calls of the same
/// operations against, to show what crossing the module boundary costs. Not API: `@_spi(Benchmarks)`.
@_spi(Benchmarks)
public struct OperationBenchmarks: Sendable {
    /// Operands of the chapter-5 two-layer net 784-50-10 on a batch of 100, drawn from a fixed seed.
    public var weights, weightGradient, batch, scores, other, probabilities: Tensor<Float>
    /// A class index per batch row, for the losses and the gradient.
    public var labels: [Int]
    /// Random batch rows, repeats allowed, for `gatherRows`.
    public var rows: [Int]
    /// The 784-50-10 ReLU net whose gradient and SGD step are timed.
    public var net: Sequential<Float>
    /// Its first layer alone (784 → 50, He initialisation), timed forward and backward.
    public var affine: Affine<Float>

    /// The operands, the same on every run: drawn from seed 17.
    public init() {
        var rng = SeededGenerator(seed: 17)
        weights = .randomNormal([784, 50], standardDeviation: 0.01, using: &rng)
        weightGradient = .randomNormal([784, 50], standardDeviation: 0.01, using: &rng)
        batch = .randomUniform([100, 784], using: &rng)
        scores = .randomNormal([100, 50], standardDeviation: 1, using: &rng)
        other = .randomNormal([100, 50], standardDeviation: 1, using: &rng)
        probabilities = softmax(Tensor.randomNormal([100, 10], standardDeviation: 1, using: &rng))
        labels = (0..<100).map { _ in rng.nextIndex(below: 10) }
        rows = (0..<100).map { _ in rng.nextIndex(below: 100) }
        net = .twoLayerNet(inputSize: 784, hiddenSize: 50, outputSize: 10, activation: .relu, using: &rng)
        affine = Affine(784, 50, weightInit: .he, using: &rng)
    }

    /// The operations' names, in the order `timeInside` measures them.
    public static let names = [
        "sgd-update 784x50", "softmax 100x50", "sum(axis: 0) 100x50", "a * b + a 100x50", "a -= 0.1 * b 100x50", "matmul 100x784·784x50", "gatherRows 100 of 100x784",
        "cross-entropy 100x10", "affine forward+backward 100x784→50", "gradient 784-50-10 b100", "sgd step 784-50-10",
    ]

    /// Median microseconds of each operation (`names`' order) over `samples` calls, timed in this module.
    public mutating func timeInside(samples: Int) -> [Double] {
        var sgd = SGD<Float>(learningRate: 0.1)
        let gradients = net.gradient(batch, .indices(labels))
        return [
            medianMicroseconds(samples) { sgd.update(&weights, gradient: weightGradient, name: "W1") },
            medianMicroseconds(samples) { blackHole(softmax(scores)) },
            medianMicroseconds(samples) { blackHole(scores.sum(axis: 0)) },
            medianMicroseconds(samples) { blackHole(scores * other + scores) },
            medianMicroseconds(samples) { scores -= 0.1 * other },
            medianMicroseconds(samples) { blackHole(batch.matmul(weights)) },
            medianMicroseconds(samples) { blackHole(batch.gatherRows(rows)) },
            medianMicroseconds(samples) { blackHole(crossEntropyError(probabilities, labels: labels)) },
            medianMicroseconds(samples) {
                blackHole(affine.backward(affine.forward(batch, isTraining: true), needsInputGradient: true))
            },
            medianMicroseconds(samples) { blackHole(net.gradient(batch, .indices(labels))) },
            medianMicroseconds(samples) { sgd.update(&net, with: gradients) },
        ]
    }
}

/// The median of `samples` timings of one call of `body`, in microseconds (after one warm-up call).
@_spi(Benchmarks)
public func medianMicroseconds(_ samples: Int, _ body: () -> Void) -> Double {
    body()
    var times = [Double](repeating: 0, count: Swift.max(samples, 1))
    for i in times.indices {
        let t0 = DispatchTime.now().uptimeNanoseconds
        body()
        times[i] = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1000
    }
    times.sort()
    return times[times.count / 2]
}

/// Keeps a result alive so the optimiser cannot drop the call that made it.
@inline(never)
@_spi(Benchmarks)
public func blackHole<T>(_ value: T) { withExtendedLifetime(value) {} }
