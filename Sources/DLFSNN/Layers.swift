import DLFSCore

/// The layers of chapter 5. Each keeps what its backward pass needs from its forward pass, and the two
/// passes sit side by side.
public protocol Layer<Scalar> {
    associatedtype Scalar: TensorScalar
    mutating func forward(_ x: Tensor<Scalar>) -> Tensor<Scalar>
    /// Takes ∂L/∂out, returns ∂L/∂x.
    mutating func backward(_ dout: Tensor<Scalar>) -> Tensor<Scalar>
}

/// out = x · W + b. Backward: dx = dout · Wᵀ, dW = xᵀ · dout, db = Σ_rows dout.
public struct Affine<Scalar: TensorScalar>: Layer {
    public var W: Tensor<Scalar>
    public var b: Tensor<Scalar>
    public private(set) var dW: Tensor<Scalar>
    public private(set) var db: Tensor<Scalar>
    private var x: Tensor<Scalar>?

    public init(W: Tensor<Scalar>, b: Tensor<Scalar>) {
        self.W = W; self.b = b
        dW = .zeros(W.shape); db = .zeros(b.shape)
    }

    public mutating func forward(_ x: Tensor<Scalar>) -> Tensor<Scalar> {
        self.x = x
        return x.affine(W, b)
    }

    public mutating func backward(_ dout: Tensor<Scalar>) -> Tensor<Scalar> {
        guard let x else { preconditionFailure("Affine.backward before forward") }
        dW = x.transposedMatmul(dout)
        db = dout.sum(axis: 0)
        return dout.matmulTransposed(W)
    }
}

/// out = 1 / (1 + e⁻ˣ). Backward: dx = dout · (1 − out) · out.
public struct Sigmoid<Scalar: TensorScalar>: Layer {
    private var out: Tensor<Scalar>?
    public init() {}

    public mutating func forward(_ x: Tensor<Scalar>) -> Tensor<Scalar> {
        let y = sigmoid(x)
        out = y
        return y
    }

    public mutating func backward(_ dout: Tensor<Scalar>) -> Tensor<Scalar> {
        guard let out else { preconditionFailure("Sigmoid.backward before forward") }
        return dout.zipWith(out) { d, y in d * (1 - y) * y }
    }
}

/// out = max(0, x). Backward: dout where x > 0, else 0.
public struct ReLU<Scalar: TensorScalar>: Layer {
    private var x: Tensor<Scalar>?
    public init() {}

    public mutating func forward(_ x: Tensor<Scalar>) -> Tensor<Scalar> {
        self.x = x
        return relu(x)
    }

    public mutating func backward(_ dout: Tensor<Scalar>) -> Tensor<Scalar> {
        guard let x else { preconditionFailure("ReLU.backward before forward") }
        return dout.zipWith(x) { d, x in x > 0 ? d : 0 }
    }
}

/// Softmax and cross-entropy error together, computed row by row in one pass.
/// Forward: y = softmax(x), L = −Σ log(y[t] + 1e-7) / N. Backward: dx = (y − t) / N.
public struct SoftmaxWithLoss<Scalar: TensorScalar> {
    public private(set) var y: Tensor<Scalar>?
    private var t: Labels<Scalar>?
    public init() {}

    public mutating func forward(_ x: Tensor<Scalar>, _ t: Labels<Scalar>) -> Scalar {
        let (rows, columns) = x.matrixShape
        precondition(t.count == rows, "SoftmaxWithLoss: \(rows) rows of scores but \(t.count) labels")
        let probabilities = softmax(x)
        var total: Scalar = 0
        // As the book: one-hot targets become class indices first.
        probabilities.withUnsafeBufferPointer { y in
            for (r, label) in t.classIndices.enumerated() { total -= Scalar.log(y[r * columns + label] + 1e-7) }
        }
        y = probabilities
        self.t = t
        return total / Scalar(rows)
    }

    public func backward() -> Tensor<Scalar> {
        guard var dx = y, let t else { preconditionFailure("SoftmaxWithLoss.backward before forward") }
        let (rows, columns) = dx.matrixShape
        let n = Scalar(rows)
        dx.withUnsafeMutableBufferPointer { d in
            switch t {
            case .indices(let labels):
                for (r, label) in labels.enumerated() { d[r * columns + label] -= 1 }
            case .oneHot(let targets):
                targets.withUnsafeBufferPointer { t in for i in 0..<d.count { d[i] -= t[i] } }
            }
            for i in 0..<d.count { d[i] /= n }
        }
        return dx
    }
}
