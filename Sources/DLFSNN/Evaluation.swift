import DLFSCore

extension Sequential {
    /// Accuracy over an example set (or its first `sampleCount` examples), the trainer's once-an-epoch
    /// evaluation: the share of `classify`'s classes that are the labels. Any thread count gives the same figure.
    public func accuracy(on examples: any ExampleSet, sampleCount: Int? = nil, blockSize: Int? = nil) -> Double {
        let predicted = classify(examples, count: sampleCount, blockSize: blockSize)
        guard !predicted.isEmpty else { return 0 }
        return Double(predicted.indices.count { predicted[$0] == examples.label(at: $0) }) / Double(predicted.count)
    }

    /// The class with the highest score for each example (or the first `count`): the examples go through
    /// `predict` in blocks of `blockSize` rows (by default `evaluationBlockSize`), the blocks shared among the
    /// compute threads, so no tensor of the whole set is built.
    public func classify(_ examples: any ExampleSet, count: Int? = nil, blockSize: Int? = nil) -> [Int] {
        let n = Swift.min(examples.count, count ?? examples.count)
        guard n > 0 else { return [] }
        let blockSize = blockSize ?? evaluationBlockSize(featureCount: examples.featureCount)
        precondition(blockSize > 0, "classify: block size \(blockSize)")
        let blocks = (n + blockSize - 1) / blockSize
        let workers = Swift.max(1, Swift.min(ComputeThreads.count, blocks))
        var classes = [Int](repeating: 0, count: n)
        classes.withUnsafeMutableBufferPointer { classes in
            parallelFor(workers) { worker in
                // Each worker its own copy: forward passes keep caches in the layers.
                var model = self
                ComputeThreads.withLimit(1) {
                    for block in stride(from: worker, to: blocks, by: workers) {
                        let rows = (block * blockSize)..<Swift.min(n, (block + 1) * blockSize)
                        for (row, predicted) in zip(rows, model.classify(examples, rows: rows)) { classes[row] = predicted }
                    }
                }
            }
        }
        return classes
    }

    /// Rows per evaluation block: 480, or fewer where one example's layer outputs are many, so that a block's
    /// outputs stay near 4 million values. A ConvNet's are hundreds of times an MLP's, and every worker keeps
    /// its block's outputs and im2col buffers alive until the next block. Found by passing one zero example.
    public func evaluationBlockSize(featureCount: Int) -> Int {
        var model = self
        var y = Tensor<Scalar>.zeros([1] + (inputShape ?? [featureCount]))
        var values = 0
        for l in model.layers.indices {
            y = model.layers[l].forward(consume y, isTraining: false)
            values += y.count
        }
        return Swift.max(1, Swift.min(480, (1 << 22) / Swift.max(values, 1)))
    }

    /// The predicted classes of the examples at `rows`.
    private mutating func classify(_ examples: any ExampleSet, rows: Range<Int>) -> [Int] {
        let x = Tensor<Scalar>(shape: [rows.count, examples.featureCount]) { buffer in
            Array(rows).withUnsafeBufferPointer { examples.gatherFeatures($0, into: buffer.baseAddress!) }
        }
        return forward(x, isTraining: false).argmaxRows()
    }
}
