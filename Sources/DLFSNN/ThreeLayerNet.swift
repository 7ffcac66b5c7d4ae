import DLFSCore

/// The ready-trained network of chapter 3 (`neuralnet_mnist.py`): input → affine, sigmoid → affine,
/// sigmoid → affine → softmax, with the book's parameter names W1, b1, W2, b2, W3, b3 (784-50-100-10 in
/// `sample_weight.pkl`).
///
///     let net = try ThreeLayerNet<Float>(parameters: ["W1": w1, "b1": b1, …])
///     let y = net.predict(x)                  // (n, 10) class probabilities
///     let classes = net.classify(x, batchSize: 100)
public struct ThreeLayerNet<Scalar: TensorScalar>: Sendable {
    public let W1, b1, W2, b2, W3, b3: Tensor<Scalar>
    /// Widths of the input, the two hidden layers and the output.
    public let sizes: [Int]

    /// Takes the six parameters by name; `inputSize`/`outputSize` pin the ends (a dataset's pixels and
    /// classes). Missing names, shapes that do not chain, and NaN or infinite values are refused.
    public init(parameters: NetworkParameters<Scalar>, inputSize: Int? = nil, outputSize: Int? = nil) throws {
        sizes = try checkAffineStack(parameters, layers: 3, network: "the chapter-3 network",
                                     inputSize: inputSize, outputSize: outputSize)
        W1 = parameters["W1"]!; b1 = parameters["b1"]!
        W2 = parameters["W2"]!; b2 = parameters["b2"]!
        W3 = parameters["W3"]!; b3 = parameters["b3"]!
    }

    /// Class probabilities: x is (n, input) → (n, output).
    public func predict(_ x: Tensor<Scalar>) -> Tensor<Scalar> {
        let z1 = x.affine(W1, b1, activation: .sigmoid)
        let z2 = z1.affine(W2, b2, activation: .sigmoid)
        return softmax(z2.affine(W3, b3))
    }

    /// The fraction of rows whose most probable class is the label.
    public func accuracy(_ x: Tensor<Scalar>, _ t: Labels<Scalar>, batchSize: Int = 100) -> Double {
        let predicted = classify(x, batchSize: batchSize)
        let correct = zip(predicted, t.classIndices).count { $0 == $1 }
        return Double(correct) / Double(max(predicted.count, 1))
    }

    /// The most probable class of each row of x (n, input), computed `batchSize` rows at a time as the
    /// book's batch loop does, with every intermediate in one reused workspace per thread. Batches are
    /// shared among the compute threads; one image at a time runs on one thread, since it measures latency.
    public func classify(_ x: Tensor<Scalar>, batchSize: Int) -> [Int] {
        precondition(batchSize > 0, "classify: batch size \(batchSize)")
        let (n, k) = x.matrixShape
        precondition(k == sizes[0], "classify: rows of \(k) values for a network with \(sizes[0]) inputs")
        let batches = (n + batchSize - 1) / batchSize
        let workers = batchSize == 1 ? 1 : max(1, min(ComputeThreads.count, batches))
        let perWorker = (batches + workers - 1) / workers
        var classes = [Int](repeating: 0, count: n)
        classes.withUnsafeMutableBufferPointer { classes in
            x.withUnsafeBufferPointer { x in
                parallelFor(workers) { worker in
                    var workspace = Workspace(net: self, rows: batchSize)
                    for batch in (worker * perWorker)..<min(batches, (worker + 1) * perWorker) {
                        let first = batch * batchSize, rows = min(batchSize, n - first)
                        workspace.classify(x.baseAddress! + first * k, rows: rows, into: classes.baseAddress! + first)
                    }
                }
            }
        }
        return classes
    }

    /// The hidden and output activations of one batch, allocated once per thread.
    private struct Workspace {
        let net: ThreeLayerNet
        var buffer: [Scalar]

        init(net: ThreeLayerNet, rows: Int) {
            self.net = net
            buffer = [Scalar](repeating: 0, count: rows * (net.sizes[1] + net.sizes[2] + net.sizes[3]))
        }

        @_specialize(where Scalar == Float)
        @_specialize(where Scalar == Double)
        mutating func classify(_ x: UnsafePointer<Scalar>, rows: Int, into classes: UnsafeMutablePointer<Int>) {
            let net = self.net, s = net.sizes
            buffer.withUnsafeMutableBufferPointer { buffer in
                let h1 = buffer.baseAddress!, h2 = h1 + rows * s[1], out = h2 + rows * s[2]
                net.W1.withUnsafeBufferPointer { w1 in net.b1.withUnsafeBufferPointer { b1 in
                net.W2.withUnsafeBufferPointer { w2 in net.b2.withUnsafeBufferPointer { b2 in
                net.W3.withUnsafeBufferPointer { w3 in net.b3.withUnsafeBufferPointer { b3 in
                    Self.layer(x, rows, s[0], w1.baseAddress!, b1.baseAddress!, s[1], h1, .sigmoid, skippingZeros: true)
                    Self.layer(h1, rows, s[1], w2.baseAddress!, b2.baseAddress!, s[2], h2, .sigmoid)
                    Self.layer(h2, rows, s[2], w3.baseAddress!, b3.baseAddress!, s[3], out, .identity)
                }}}}}}
                for r in 0..<rows {
                    let row = out + r * s[3]
                    softmaxRow(row, count: s[3])
                    var best = 0
                    for c in 1..<s[3] where row[c] > row[best] { best = c }
                    classes[r] = best
                }
            }
        }

        /// One affine layer with its activation: a GEMV for a single row (skipping zero inputs, exact
        /// because the weights were checked finite), the blocked GEMM on this thread otherwise (the batches
        /// are what runs in parallel).
        private static func layer(_ x: UnsafePointer<Scalar>, _ rows: Int, _ k: Int, _ w: UnsafePointer<Scalar>,
                           _ b: UnsafePointer<Scalar>, _ m: Int, _ out: UnsafeMutablePointer<Scalar>,
                           _ activation: Activation, skippingZeros: Bool = false) {
            if rows == 1 {
                gemv(x: x, k: k, w: w, m: m, y: out, skippingZeros: skippingZeros)
                biasActivation(out, rows: 1, columns: m, bias: b, activation)
            } else {
                affineRows(x: x, n: rows, k: k, w: w, b: b, m: m, out: out, activation: activation, threads: 1)
            }
        }
    }
}
