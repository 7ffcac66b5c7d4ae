import DLFSCore

extension Sequential {
    /// Accuracy over an example set (or its first `sampleCount` examples), the trainer's once-an-epoch
    /// evaluation: the examples go through `predict` in blocks of `blockSize` rows, the blocks shared among
    /// the compute threads, so no tensor of the whole set is built. The count is exact, so any thread
    /// count gives the same figure.
    public func accuracy(on examples: any ExampleSet, sampleCount: Int? = nil, blockSize: Int = 480) -> Double {
        let n = Swift.min(examples.count, sampleCount ?? examples.count)
        guard n > 0 else { return 0 }
        precondition(blockSize > 0, "accuracy: block size \(blockSize)")
        let blocks = (n + blockSize - 1) / blockSize
        let workers = Swift.max(1, Swift.min(ComputeThreads.count, blocks))
        var correct = [Int](repeating: 0, count: workers)
        correct.withUnsafeMutableBufferPointer { correct in
            parallelFor(workers) { worker in
                // Each worker its own copy: forward passes keep caches in the layers.
                var model = self
                ComputeThreads.withLimit(1) {
                    for block in stride(from: worker, to: blocks, by: workers) {
                        let rows = (block * blockSize)..<Swift.min(n, (block + 1) * blockSize)
                        correct[worker] += model.correctCount(examples, rows: rows)
                    }
                }
            }
        }
        return Double(correct.reduce(0, +)) / Double(n)
    }

    /// How many of the examples at `rows` the model classifies right.
    private mutating func correctCount(_ examples: any ExampleSet, rows: Range<Int>) -> Int {
        let x = Tensor<Scalar>(shape: [rows.count, examples.featureCount]) { buffer in
            Array(rows).withUnsafeBufferPointer { examples.gatherFeatures($0, into: buffer.baseAddress!) }
        }
        let predicted = forward(x, isTraining: false).argmaxRows()
        return zip(predicted, rows).count { $0 == examples.label(at: $1) }
    }
}
