import DLFSCore

/// Stochastic gradient descent: W ← W − learningRate · ∂L/∂W for every parameter.
public struct SGD<Scalar: TensorScalar>: Sendable {
    public var learningRate: Scalar

    public init(learningRate: Scalar) { self.learningRate = learningRate }

    public func update(_ net: inout TwoLayerNet<Scalar>, with g: TwoLayerGradients<Scalar>) {
        update(&net.W1, g.W1); update(&net.b1, g.b1)
        update(&net.W2, g.W2); update(&net.b2, g.b2)
    }

    public func update(_ parameter: inout Tensor<Scalar>, _ gradient: Tensor<Scalar>) {
        precondition(parameter.shape == gradient.shape, "SGD: gradient \(gradient.shape) for parameter \(parameter.shape)")
        gradient.withUnsafeBufferPointer { g in
            parameter.withUnsafeMutableBufferPointer { p in update(p.baseAddress!, g.baseAddress!, count: p.count) }
        }
    }

    /// p ← p − learningRate · g over raw buffers (the trainer's workspaces).
    @inlinable
    public func update(_ p: UnsafeMutablePointer<Scalar>, _ g: UnsafePointer<Scalar>, count: Int) {
        let lr = learningRate
        for i in 0..<count { p[i] -= lr * g[i] }
    }
}
