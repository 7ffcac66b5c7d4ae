import DLFSCore

/// How the trainer draws its mini-batches.
public enum BatchSampling: String, Sendable, CaseIterable, Codable {
    /// The book's `np.random.choice(train_size, batch_size)`: every batch drawn anew, with replacement.
    case withReplacement = "replacement"
    /// A fresh permutation of the set every epoch, cut into consecutive batches.
    case shuffledEpochs = "shuffle"
}

/// Draws mini-batch indices from the seeded generator it was given.
public struct BatchSampler: Sendable {
    /// The number of examples, and of indices per batch.
    public let count, batchSize: Int
    /// With replacement, or shuffled epochs.
    public let sampling: BatchSampling
    private var rng: SeededGenerator
    private var permutation: [Int] = []
    private var position = 0

    /// A sampler over `count` examples, drawing from its own copy of `rng`.
    public init(count: Int, batchSize: Int, sampling: BatchSampling, rng: SeededGenerator) {
        precondition(count > 0 && batchSize > 0, "BatchSampler: \(batchSize) of \(count)")
        precondition(sampling == .withReplacement || batchSize <= count, "BatchSampler: batch \(batchSize) > \(count) examples")
        (self.count, self.batchSize, self.sampling, self.rng) = (count, batchSize, sampling, rng)
    }

    /// Fills `indices` (batchSize of them) with the next batch.
    public mutating func next(into indices: UnsafeMutableBufferPointer<Int>) {
        switch sampling {
        case .withReplacement:
            for r in 0..<batchSize { indices[r] = rng.nextIndex(below: count) }
        case .shuffledEpochs:
            for r in 0..<batchSize {
                if position == permutation.count {
                    permutation = Array(0..<count)
                    // Fisher–Yates.
                    for i in stride(from: count - 1, to: 0, by: -1) { permutation.swapAt(i, rng.nextIndex(below: i + 1)) }
                    position = 0
                }
                indices[r] = permutation[position]
                position += 1
            }
        }
    }
}
