import DLFSCore

/// The ready-trained network of chapter 3 (`neuralnet_mnist.py`): input → affine, sigmoid → affine,
/// sigmoid → affine → softmax, with the book's parameter names W1, b1, W2, b2, W3, b3 (784-50-100-10 in
/// `sample_weight.pkl`). The fast path of `Sequential.chapterThreeNet` for inference (`RowAffine` reads only
/// the weights of nonzero pixels), tested against it.
///
///     let net = try ThreeLayerNet<Float>(parameters: ["W1": w1, "b1": b1, …])
///     let y = net.predict(x)                  // (n, 10) class probabilities
///     let classes = net.classify(x, batchSize: 100)
public struct ThreeLayerNet<Scalar: TensorScalar>: Sendable {
    /// The book's parameters, by their names in `sample_weight.pkl`.
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
        layers = (RowAffine(weights: W1, bias: b1, activation: .sigmoid),
                  RowAffine(weights: W2, bias: b2, activation: .sigmoid),
                  RowAffine(weights: W3, bias: b3, activation: .identity))
    }

    /// The three layers, laid out to take one image at a time (see `RowAffine`).
    private let layers: (RowAffine<Scalar>, RowAffine<Scalar>, RowAffine<Scalar>)

    /// Class probabilities: x is (n, input) → (n, output).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func predict(_ x: Tensor<Scalar>, batchSize: Int = 100) -> Tensor<Scalar> {
        let classes = sizes[3]
        return Tensor(shape: [x.matrixShape.rows, classes]) { out in
            forEachRow(of: Rows(x, inputs: sizes[0]), batchSize: batchSize) { row, probabilities in
                (out.baseAddress! + row * classes).update(from: probabilities, count: classes)
            }
        }
    }

    /// The fraction of rows whose most probable class is the label.
    public func accuracy(_ x: Tensor<Scalar>, _ t: Labels<Scalar>, batchSize: Int = 100) -> Double {
        let predicted = classify(x, batchSize: batchSize)
        let correct = zip(predicted, t.classIndices).count { $0 == $1 }
        return Double(correct) / Double(max(predicted.count, 1))
    }

    /// The most probable class of each row of x (n, input), as the book's loop takes it: `batchSize` rows
    /// at a time (the first of equal probabilities wins, as `np.argmax`).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func classify(_ x: Tensor<Scalar>, batchSize: Int) -> [Int] {
        classify(Rows(x, inputs: sizes[0]), batchSize: batchSize)
    }

    /// The same for a set of examples. Sets that keep bytes (DLFSData's `ImageSet`) are read as bytes, zero
    /// pixels skipped before anything is converted; others are gathered a block at a time. No tensor of
    /// the whole set (31 MB for the MNIST test set) is made.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func classify(_ examples: any ExampleSet, batchSize: Int) -> [Int] {
        precondition(examples.featureCount == sizes[0],
                     "ThreeLayerNet: examples of \(examples.featureCount) values for a network with \(sizes[0]) inputs")
        return classify(Rows(examples, inputs: sizes[0]), batchSize: batchSize)
    }

    private func classify(_ rows: Rows, batchSize: Int) -> [Int] {
        var classes = [Int](repeating: 0, count: rows.count)
        classes.withUnsafeMutableBufferPointer { classes in
            forEachRow(of: rows, batchSize: batchSize) { row, probabilities in
                var best = 0
                for c in 1..<sizes[3] where probabilities[c] > probabilities[best] { best = c }
                classes[row] = best
            }
        }
        return classes
    }

    /// Where the input rows come from: a tensor, read in place; bytes, read in place and looked up as
    /// they are used; or any other example set, gathered a block at a time.
    private enum Rows {
        case tensor(Tensor<Scalar>)
        case bytes([UInt8], values: [Scalar], count: Int)
        case examples(any ExampleSet)

        init(_ x: Tensor<Scalar>, inputs: Int) {
            precondition(x.rank == 2 && x.shape[1] == inputs,
                         "ThreeLayerNet: input \(x.shape) for a network with \(inputs) inputs")
            self = .tensor(x)
        }

        init(_ examples: any ExampleSet, inputs: Int) {
            if let features = examples.byteFeatures, features.bytes.count == examples.count * inputs, features.values[0] == 0 {
                self = .bytes(features.bytes, values: features.values.map(Scalar.init), count: examples.count)
            } else {
                self = .examples(examples)
            }
        }

        var count: Int {
            switch self {
            case .tensor(let x): x.shape[0]
            case .bytes(_, _, let count): count
            case .examples(let examples): examples.count
            }
        }

        /// Values per row that `firstLayer` needs in its scratch buffer.
        func scratchWidth(inputs: Int) -> Int {
            if case .examples = self { inputs } else { 0 }
        }

        /// The first layer over `rows`, into rows of h1 `layer.paddedOutputs` apart, with `indices` for
        /// `RowAffine`'s list of nonzero inputs. Zero inputs are skipped, which is exact: init refused
        /// weights that are not finite.
        @inline(__always)
        func firstLayer(_ layer: RowAffine<Scalar>, rows: Range<Int>, into h1: UnsafeMutablePointer<Scalar>,
                        scratch: UnsafeMutablePointer<Scalar>, indices: UnsafeMutablePointer<Int32>) {
            let k = layer.inputs, p = layer.paddedOutputs
            switch self {
            case .tensor(let x):
                x.withUnsafeBufferPointer { x in
                    for (r, row) in rows.enumerated() {
                        layer.apply(x.baseAddress! + row * k, to: h1 + r * p, skippingZeros: true, indices: indices)
                    }
                }
            case .bytes(let bytes, let values, _):
                bytes.withUnsafeBufferPointer { bytes in
                    values.withUnsafeBufferPointer { values in
                        for (r, row) in rows.enumerated() {
                            layer.apply(bytes: bytes.baseAddress! + row * k, values: values.baseAddress!, to: h1 + r * p,
                                        indices: indices)
                        }
                    }
                }
            case .examples(let examples):
                withUnsafeTemporaryAllocation(of: Int.self, capacity: rows.count) { positions in
                    for (r, row) in rows.enumerated() { positions[r] = row }
                    examples.gatherFeatures(UnsafeBufferPointer(positions), into: scratch)
                }
                for r in 0..<rows.count {
                    layer.apply(scratch + r * k, to: h1 + r * p, skippingZeros: true, indices: indices)
                }
            }
        }
    }

    /// Runs each input row through the network and hands `body` its class probabilities. Batches are
    /// shared among the compute threads, whole batches to a thread, so `body` must write only its row's
    /// output (which thread takes a batch changes no result); one image at a time runs on one thread,
    /// since it measures latency. The first layer takes the rows one by one (`RowAffine`), reading only
    /// the weights of nonzero pixels: a fifth of the arithmetic of a matrix product on MNIST. A batch's
    /// other two layers go through the GEMM.
    @inline(__always)
    private func forEachRow(of input: Rows, batchSize: Int, _ body: (Int, UnsafeMutablePointer<Scalar>) -> Void) {
        precondition(batchSize > 0, "ThreeLayerNet: batch size \(batchSize)")
        let n = input.count, (first, second, third) = layers
        let (p1, p2, p3) = (first.paddedOutputs, second.paddedOutputs, third.paddedOutputs)
        let batches = (n + batchSize - 1) / batchSize
        // Blocks of at most 128 rows of a batch at a time, each layer over the whole block.
        let block = Swift.min(batchSize, 128)
        let scratchSize = block * (p1 + p2 + p3 + input.scratchWidth(inputs: sizes[0]))
        let indexCapacity = Swift.max(first.indexCapacity, second.indexCapacity, third.indexCapacity)
        func run(batch: Int, scratch: UnsafeMutablePointer<Scalar>, indices: UnsafeMutablePointer<Int32>) {
            let h1 = scratch, h2 = h1 + block * p1, out = h2 + block * p2, inputs = out + block * p3
            var row = batch * batchSize
            let end = min(n, row + batchSize)
            while row < end {
                let count = Swift.min(block, end - row)
                input.firstLayer(first, rows: row..<row + count, into: h1, scratch: inputs, indices: indices)
                if count == 1 {
                    second.apply(h1, to: h2, indices: indices)
                    third.apply(h2, to: out, indices: indices)
                } else {
                    second.apply(rows: count, h1, xStride: p1, to: h2, yStride: p2)
                    third.apply(rows: count, h2, xStride: p2, to: out, yStride: p3)
                }
                for r in 0..<count {
                    softmaxRows(out + r * p3, rows: 1, columns: third.outputs)
                    body(row + r, out + r * p3)
                }
                row += count
            }
        }
        /// The buffers of one batch (or of the whole one-image-at-a-time pass): allocated once, not per row.
        func withBuffers(_ work: (UnsafeMutablePointer<Scalar>, UnsafeMutablePointer<Int32>) -> Void) {
            withUnsafeTemporaryAllocation(of: Scalar.self, capacity: scratchSize) { scratch in
                withUnsafeTemporaryAllocation(of: Int32.self, capacity: indexCapacity) { indices in
                    work(scratch.baseAddress!, indices.baseAddress!)
                }
            }
        }
        if batchSize == 1 {
            withBuffers { scratch, indices in
                for batch in 0..<batches { run(batch: batch, scratch: scratch, indices: indices) }
            }
        } else {
            // One batch per iteration: dispatch hands the next to whichever thread is free, so the faster
            // core takes more (the two cores here can differ by a third when both are busy).
            parallelFor(batches) { batch in
                withBuffers { run(batch: batch, scratch: $0, indices: $1) }
            }
        }
    }
}
