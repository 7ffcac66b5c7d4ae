import DLFSCore

extension Sequential {
    /// The numerical gradient of a two-layer net (`isTwoLayerNet`): (L(p + h) − L(p − h)) / 2h with h = 1e-4
    /// for every parameter p, as the book's `numerical_gradient` — computed incrementally, without
    /// recomputing the whole net for each of the 2 × 39,760 evaluations. Nudging W1[i, j] moves only hidden
    /// unit j, and only in rows whose input i is nonzero; nudging W2[j, c] or b2[c] moves only score c. So
    /// each evaluation updates the cached pre-activations and scores of the rows it touches and re-scores
    /// just those rows: L(p ± h) − L(p) is the sum of their changes. Same definition, same h; rounding
    /// differs from `numericalGradient` (the whole loss each time) by about 1e-16 × L / 2h, tested. Hidden
    /// units are shared among the compute threads; each gradient element is computed alone, so the result
    /// does not depend on the thread count.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func incrementalNumericalGradient(_ x: Tensor<Scalar>, _ t: Labels<Scalar>) -> NamedTensors<Scalar> {
        precondition(isTwoLayerNet, "incrementalNumericalGradient: the model is not affine, activation, affine: \(specs)")
        let activation = HiddenActivation(specs[1])!
        let p = parameters
        let (W1, b1, W2, b2) = (p.tensors[0], p.tensors[1], p.tensors[2], p.tensors[3])
        let (inputSize, hiddenSize, outputSize) = (W1.shape[0], W1.shape[1], W2.shape[1])
        let (n, d) = x.matrixShape, (hidden, classes) = (hiddenSize, outputSize)
        precondition(d == inputSize && t.count == n, "numericalGradient: x \(x.shape), \(t.count) labels")
        let labels = t.classIndices
        let a1 = x.affine(W1, b1)                           // (n, hidden) before the activation
        let z1 = a1.map { Self.activate($0, activation) }   // scalar form, as the nudged values below
        let scores = z1.affine(W2, b2)                      // (n, classes)
        let allScores = scores.scalars
        let rowLoss = (0..<n).map { r in
            var row = Array(allScores[(r * classes)..<((r + 1) * classes)])
            return Self.rowLoss(&row, labels[r])
        }
        let h: Scalar = 1e-4
        var gW1 = Tensor<Scalar>.zeros([d, hidden]), gb1 = Tensor<Scalar>.zeros([hidden])
        var gW2 = Tensor<Scalar>.zeros([hidden, classes]), gb2 = Tensor<Scalar>.zeros([classes])
        x.withUnsafeBufferPointer { x in a1.withUnsafeBufferPointer { a1 in z1.withUnsafeBufferPointer { z1 in
        scores.withUnsafeBufferPointer { s in W2.withUnsafeBufferPointer { w2 in
        gW1.withUnsafeMutableBufferPointer { gW1 in gb1.withUnsafeMutableBufferPointer { gb1 in
        gW2.withUnsafeMutableBufferPointer { gW2 in gb2.withUnsafeMutableBufferPointer { gb2 in
            // Change of the total loss when hidden unit j of each row r moves by delta(r) (0: row untouched).
            func hiddenChange(_ j: Int, _ scratch: UnsafeMutablePointer<Scalar>, _ delta: (Int) -> Scalar) -> Scalar {
                var change: Scalar = 0
                for r in 0..<n {
                    let step = delta(r)
                    if step == 0 { continue }
                    let dz = Self.activate(a1[r * hidden + j] + step, activation) - z1[r * hidden + j]
                    for c in 0..<classes { scratch[c] = s[r * classes + c] + dz * w2[j * classes + c] }
                    change += Self.rowLoss(scratch, classes, labels[r]) - rowLoss[r]
                }
                return change
            }
            // Change of the total loss when score c of each row moves by delta(r).
            func scoreChange(_ c: Int, _ scratch: UnsafeMutablePointer<Scalar>, _ delta: (Int) -> Scalar) -> Scalar {
                var change: Scalar = 0
                for r in 0..<n {
                    let step = delta(r)
                    if step == 0 { continue }
                    for k in 0..<classes { scratch[k] = s[r * classes + k] }
                    scratch[c] += step
                    change += Self.rowLoss(scratch, classes, labels[r]) - rowLoss[r]
                }
                return change
            }
            let scale = 1 / (2 * h * Scalar(n))
            let workers = max(1, min(ComputeThreads.count, hidden))
            parallelFor(workers) { worker in
                withUnsafeTemporaryAllocation(of: Scalar.self, capacity: classes) { scratch in
                    let scratch = scratch.baseAddress!
                    for j in stride(from: worker, to: hidden, by: workers) {
                        for i in 0..<d {
                            let plus = hiddenChange(j, scratch) { x[$0 * d + i] * h }
                            let minus = hiddenChange(j, scratch) { -x[$0 * d + i] * h }
                            gW1[i * hidden + j] = (plus - minus) * scale
                        }
                        gb1[j] = (hiddenChange(j, scratch) { _ in h } - hiddenChange(j, scratch) { _ in -h }) * scale
                        for c in 0..<classes {
                            let plus = scoreChange(c, scratch) { z1[$0 * hidden + j] * h }
                            let minus = scoreChange(c, scratch) { -z1[$0 * hidden + j] * h }
                            gW2[j * classes + c] = (plus - minus) * scale
                        }
                        if j < classes {
                            let c = j
                            gb2[c] = (scoreChange(c, scratch) { _ in h } - scoreChange(c, scratch) { _ in -h }) * scale
                        }
                    }
                }
            }
            // Fewer hidden units than classes: the remaining biases of the output.
            if hidden < classes {
                withUnsafeTemporaryAllocation(of: Scalar.self, capacity: classes) { scratch in
                    for c in hidden..<classes {
                        gb2[c] = (scoreChange(c, scratch.baseAddress!) { _ in h } - scoreChange(c, scratch.baseAddress!) { _ in -h }) * scale
                    }
                }
            }
        }}}}}}}}}
        return NamedTensors(names: p.names, tensors: [gW1, gb1, gW2, gb2])
    }

    /// The hidden activation of one value: sigmoid in its overflow-free form, ReLU or tanh.
    @inline(__always)
    static func activate(_ a: Scalar, _ activation: HiddenActivation) -> Scalar {
        switch activation {
        case .relu: return Swift.max(a, 0)
        case .tanh: return Scalar.tanh(a)
        case .sigmoid:
            let e = Scalar.exp(-abs(a))
            return a >= 0 ? 1 / (1 + e) : e / (1 + e)
        }
    }

    /// The book's loss of one row of scores: the cross-entropy of their softmax (the row is overwritten).
    @inline(__always)
    static func rowLoss(_ row: UnsafeMutablePointer<Scalar>, _ count: Int, _ t: Int) -> Scalar {
        softmaxRows(row, rows: 1, columns: count)
        return crossEntropy(probabilities: row, label: t)
    }

    static func rowLoss(_ row: inout [Scalar], _ t: Int) -> Scalar {
        row.withUnsafeMutableBufferPointer { rowLoss($0.baseAddress!, $0.count, t) }
    }
}
