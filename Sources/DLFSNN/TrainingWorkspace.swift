import DLFSCore

/// One SGD step of a `TwoLayerNet` with every buffer allocated once: the trainer's hot path.
///
/// Per batch of B rows (D inputs, H hidden, C classes):
///   z1 = act(x · W1 + b1)          (B, H)   bias and activation fused into the product's output pass
///   s  = z1 · W2 + b2              (B, C)
///   y  = softmax(s), L = −Σ log(y[t] + 1e-7) / B, ds = (y − onehot(t)) / B   one pass per row
///   dW2 = z1ᵀ · ds, db2 = Σ ds;  dz1 = ds · W2ᵀ;  da1 = dz1 · act′;  dW1 = xᵀ · da1, db1 = Σ da1
///   W ← W − lr · dW
/// The same arithmetic as `TwoLayerNet.gradient` (the layer-by-layer version), tested to agree.
public struct TrainingWorkspace<Scalar: TensorScalar> {
    public let batchSize: Int
    let inputSize, hiddenSize, outputSize: Int
    var z1, scores, dz1, dW1, db1, dW2, db2: [Scalar]

    public init(for net: TwoLayerNet<Scalar>, batchSize: Int) {
        self.batchSize = batchSize
        (inputSize, hiddenSize, outputSize) = (net.inputSize, net.hiddenSize, net.outputSize)
        z1 = Array(repeating: 0, count: batchSize * hiddenSize)
        scores = Array(repeating: 0, count: batchSize * outputSize)
        dz1 = z1
        dW1 = Array(repeating: 0, count: inputSize * hiddenSize)
        db1 = Array(repeating: 0, count: hiddenSize)
        dW2 = Array(repeating: 0, count: hiddenSize * outputSize)
        db2 = Array(repeating: 0, count: outputSize)
    }

    /// Computes the gradients of the batch x (rows, input) with class labels, then applies SGD to `net`.
    /// Returns the batch loss before the update.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public mutating func step(_ net: inout TwoLayerNet<Scalar>, x: UnsafePointer<Scalar>, labels: UnsafeBufferPointer<Int>,
                              learningRate: Scalar) -> Scalar {
        let loss = computeGradients(net, x: x, labels: labels)
        let sgd = SGD(learningRate: learningRate)
        dW1.withUnsafeBufferPointer { g in net.W1.withUnsafeMutableBufferPointer { sgd.update($0.baseAddress!, g.baseAddress!, count: g.count) } }
        db1.withUnsafeBufferPointer { g in net.b1.withUnsafeMutableBufferPointer { sgd.update($0.baseAddress!, g.baseAddress!, count: g.count) } }
        dW2.withUnsafeBufferPointer { g in net.W2.withUnsafeMutableBufferPointer { sgd.update($0.baseAddress!, g.baseAddress!, count: g.count) } }
        db2.withUnsafeBufferPointer { g in net.b2.withUnsafeMutableBufferPointer { sgd.update($0.baseAddress!, g.baseAddress!, count: g.count) } }
        return loss
    }

    /// The gradients of the last `computeGradients` or `step`, as tensors.
    public var gradients: TwoLayerGradients<Scalar> {
        TwoLayerGradients(W1: Tensor(shape: [inputSize, hiddenSize], scalars: dW1), b1: Tensor(shape: [hiddenSize], scalars: db1),
                          W2: Tensor(shape: [hiddenSize, outputSize], scalars: dW2), b2: Tensor(shape: [outputSize], scalars: db2))
    }

    /// Forward and backward over the batch, leaving the gradients in the workspace; returns the loss.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public mutating func computeGradients(_ net: TwoLayerNet<Scalar>, x: UnsafePointer<Scalar>,
                                          labels: UnsafeBufferPointer<Int>) -> Scalar {
        let rows = labels.count, (d, h, c) = (inputSize, hiddenSize, outputSize)
        precondition(rows > 0 && rows <= batchSize, "TrainingWorkspace: \(rows) rows for a workspace of \(batchSize)")
        let activation = net.activation
        var loss: Scalar = 0
        net.W1.withUnsafeBufferPointer { w1 in net.b1.withUnsafeBufferPointer { b1 in
        net.W2.withUnsafeBufferPointer { w2 in net.b2.withUnsafeBufferPointer { b2 in
        z1.withUnsafeMutableBufferPointer { z1 in scores.withUnsafeMutableBufferPointer { s in
        dz1.withUnsafeMutableBufferPointer { dz1 in
        dW1.withUnsafeMutableBufferPointer { dW1 in db1.withUnsafeMutableBufferPointer { db1 in
        dW2.withUnsafeMutableBufferPointer { dW2 in db2.withUnsafeMutableBufferPointer { db2 in
            let z1 = z1.baseAddress!, s = s.baseAddress!, dz1 = dz1.baseAddress!
            // One thread: a step is a fraction of a millisecond, less than waking a second thread costs; the
            // trainer gives the other core the evaluations instead.
            affineRows(x: x, n: rows, k: d, w: w1.baseAddress!, b: b1.baseAddress!, m: h, out: z1, activation: activation, threads: 1)
            affineRows(x: z1, n: rows, k: h, w: w2.baseAddress!, b: b2.baseAddress!, m: c, out: s, activation: .identity, threads: 1)
            // Softmax, loss and ∂L/∂s in one pass per row; s becomes ds.
            let n = Scalar(rows)
            for r in 0..<rows {
                let row = s + r * c, t = labels[r]
                softmaxRow(row, count: c)
                loss -= Scalar.log(row[t] + 1e-7)
                row[t] -= 1
                for j in 0..<c { row[j] /= n }
            }
            gemm(m: h, n: c, k: rows, a: z1, lda: h, transposeA: true, b: s, ldb: c, c: dW2.baseAddress!, ldc: c, threads: 1)
            columnSums(s, rows: rows, columns: c, into: db2.baseAddress!)
            gemm(m: rows, n: h, k: c, a: s, lda: c, b: w2.baseAddress!, ldb: c, transposeB: true, c: dz1, ldc: h, threads: 1)
            // Through the activation: sigmoid′ = z(1 − z), ReLU′ = [z > 0].
            if activation == .relu {
                for i in 0..<(rows * h) where z1[i] <= 0 { dz1[i] = 0 }
            } else {
                for i in 0..<(rows * h) { dz1[i] = dz1[i] * (1 - z1[i]) * z1[i] }
            }
            columnSums(dz1, rows: rows, columns: h, into: db1.baseAddress!)
            gemm(m: d, n: h, k: rows, a: x, lda: d, transposeA: true, b: dz1, ldb: h, c: dW1.baseAddress!, ldc: h, threads: 1)
        }}}}}}}}}}}
        return loss / Scalar(rows)
    }
}

/// out[j] = Σ_r a[r, j], summed in row order.
@inlinable
func columnSums<S: TensorScalar>(_ a: UnsafePointer<S>, rows: Int, columns: Int, into out: UnsafeMutablePointer<S>) {
    out.update(repeating: 0, count: columns)
    for r in 0..<rows {
        let row = a + r * columns
        for j in 0..<columns { out[j] += row[j] }
    }
}
