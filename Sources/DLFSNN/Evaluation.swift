import DLFSCore

extension TwoLayerNet {
    /// Accuracy over a whole example set, the trainer's once-an-epoch evaluation: the set is converted and
    /// pushed through the net in blocks of `blockSize` rows, the blocks shared among the compute threads,
    /// so no tensor of the whole set is ever built. The count is exact, so any thread count gives the
    /// same figure.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func accuracy(on examples: any ExampleSet, blockSize: Int = 480, threads: Int = ComputeThreads.count) -> Double {
        let n = examples.count
        guard n > 0 else { return 0 }
        let blocks = (n + blockSize - 1) / blockSize
        let workers = max(1, min(threads, blocks))
        let perWorker = (blocks + workers - 1) / workers
        var correct = [Int](repeating: 0, count: workers)
        let (d, h, c) = (inputSize, hiddenSize, outputSize)
        correct.withUnsafeMutableBufferPointer { correct in
            W1.withUnsafeBufferPointer { w1 in b1.withUnsafeBufferPointer { b1 in
            W2.withUnsafeBufferPointer { w2 in b2.withUnsafeBufferPointer { b2 in
                parallelFor(workers) { worker in
                    var x = [Scalar](repeating: 0, count: blockSize * d)
                    var z1 = [Scalar](repeating: 0, count: blockSize * h)
                    var s = [Scalar](repeating: 0, count: blockSize * c)
                    var indices = [Int](repeating: 0, count: blockSize)
                    for block in (worker * perWorker)..<min(blocks, (worker + 1) * perWorker) {
                        let first = block * blockSize, rows = min(blockSize, n - first)
                        for r in 0..<rows { indices[r] = first + r }
                        indices.withUnsafeBufferPointer { i in
                            x.withUnsafeMutableBufferPointer { examples.gatherFeatures(UnsafeBufferPointer(rebasing: i[..<rows]), into: $0.baseAddress!) }
                        }
                        z1.withUnsafeMutableBufferPointer { z1 in s.withUnsafeMutableBufferPointer { s in x.withUnsafeBufferPointer { x in
                            // One thread per block: the blocks themselves are what runs in parallel.
                            affineRows(x: x.baseAddress!, n: rows, k: d, w: w1.baseAddress!, b: b1.baseAddress!, m: h,
                                       out: z1.baseAddress!, activation: activation, threads: 1)
                            affineRows(x: z1.baseAddress!, n: rows, k: h, w: w2.baseAddress!, b: b2.baseAddress!, m: c,
                                       out: s.baseAddress!, activation: .identity, threads: 1)
                            for r in 0..<rows {
                                let row = s.baseAddress! + r * c
                                var best = 0
                                for j in 1..<c where row[j] > row[best] { best = j }
                                if best == examples.label(at: first + r) { correct[worker] += 1 }
                            }
                        }}}
                    }
                }
            }}}}
        }
        return Double(correct.reduce(0, +)) / Double(n)
    }
}
