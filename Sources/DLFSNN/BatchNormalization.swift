import DLFSCore

/// Batch normalisation, the book's `BatchNormalization`: each feature j is normalised over the batch, then
/// scaled and shifted, out = γⱼ · (x − μⱼ) / √(σⱼ² + ε) + βⱼ. Training uses the batch's mean μ and variance σ²
/// (the mean of squared deviations) and moves the running averages toward them,
/// running ← momentum · running + (1 − momentum) · batch; inference uses the running averages instead.
///
/// x is (n, features), or (n, c, h, w) with c·h·w = features: as in the book's simple version, a rank-4
/// input is seen as (n, c·h·w), one statistic per element rather than per channel; the output has x's shape.
/// γ and β are (features); `Sequential` names them after the weighted layer before (`gamma1`, `beta1`).
///
/// Backward, the book's steps per feature (xc = x − μ, std = √(σ² + ε)): dβ = Σ dout, dγ = Σ x̂·dout,
/// dx̂ = γ·dout, dvar = −½·Σ(dx̂·xc)/std³, dxc = dx̂/std + (2/n)·xc·dvar, dx = dxc − Σ dxc / n; it needs a
/// training forward before it.
public struct BatchNormalization<Scalar: TensorScalar>: Layer {
    /// The scale γ, one per feature.
    public var gamma: Tensor<Scalar>
    /// The shift β, one per feature.
    public var beta: Tensor<Scalar>
    /// ∂L/∂γ from the last backward pass.
    public private(set) var dgamma: Tensor<Scalar>
    /// ∂L/∂β from the last backward pass.
    public private(set) var dbeta: Tensor<Scalar>
    /// The share of the running statistics kept at each training batch (the book's 0.9).
    public let momentum: Scalar
    /// The running averages of the batches' means and variances, (features): zeros until the first training
    /// forward, as the book's.
    public private(set) var runningMean: Tensor<Scalar>
    /// The running variance used at inference.
    public private(set) var runningVariance: Tensor<Scalar>
    /// What the last training forward keeps for backward: x − μ as (n, features), √(σ² + ε), x's shape.
    private var xc: Tensor<Scalar>?
    private var std: Tensor<Scalar>?
    private var inputShape: [Int] = []

    /// ε under the square root: the book's `10e-7`, which is 1e-6.
    public static var epsilon: Scalar { 1e-6 }

    /// γ and β of shape (features); running statistics default to zeros, as the book's.
    public init(gamma: Tensor<Scalar>, beta: Tensor<Scalar>, momentum: Scalar = 0.9,
                runningMean: Tensor<Scalar>? = nil, runningVariance: Tensor<Scalar>? = nil) {
        precondition(gamma.rank == 1 && beta.shape == gamma.shape,
                     "BatchNormalization: gamma \(gamma.shape) and beta \(beta.shape) must be (features)")
        let zeros = Tensor<Scalar>.zeros(gamma.shape)
        self.gamma = gamma; self.beta = beta; self.momentum = momentum
        dgamma = zeros; dbeta = zeros
        self.runningMean = runningMean ?? zeros
        self.runningVariance = runningVariance ?? zeros
        precondition(self.runningMean.shape == gamma.shape && self.runningVariance.shape == gamma.shape,
                     "BatchNormalization: running statistics must be (features) like gamma \(gamma.shape)")
    }

    /// γ ones and β zeros, as the book's `MultiLayerNetExtend` starts them.
    public init(features: Int, momentum: Scalar = 0.9) {
        precondition(features > 0, "BatchNormalization: features must be positive, got \(features)")
        self.init(gamma: Tensor(shape: [features], repeating: 1), beta: .zeros([features]), momentum: momentum)
    }

    /// The number of features normalised.
    public var features: Int { gamma.count }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public mutating func forward(_ x: consuming Tensor<Scalar>, isTraining: Bool) -> Tensor<Scalar> {
        let shape = x.shape
        precondition(shape.count >= 2 && shape.dropFirst().reduce(1, *) == features,
                     "BatchNormalization: input \(shape) for \(features) features")
        let (n, d) = (shape[0], features)
        var matrix = (consume x).reshaped([n, d])
        inputShape = shape
        guard isTraining else {
            xc = nil; std = nil
            // x̂ = (x − running μ) / √(running σ² + ε), in place.
            let scale = runningVariance.map { ($0 + Self.epsilon).squareRoot() }
            matrix.withUnsafeMutableBufferPointer { p in
                runningMean.withUnsafeBufferPointer { mu in
                    scale.withUnsafeBufferPointer { s in
                        for i in 0..<n { for j in 0..<d { p[i * d + j] = (p[i * d + j] - mu[j]) / s[j] } }
                    }
                }
            }
            return Self.scaleAndShift(matrix, gamma, beta).reshaped(shape)
        }
        precondition(n > 0, "BatchNormalization: a training batch needs at least one row")
        // One pass for μ, one turning x into xc in place while summing xc², row by row along memory.
        var mean = Tensor<Scalar>.zeros([d]), variance = Tensor<Scalar>.zeros([d])
        let count = Scalar(n)
        matrix.withUnsafeMutableBufferPointer { p in
            mean.withUnsafeMutableBufferPointer { mu in
                for i in 0..<n { for j in 0..<d { mu[j] += p[i * d + j] } }
                for j in 0..<d { mu[j] /= count }
                variance.withUnsafeMutableBufferPointer { v in
                    for i in 0..<n {
                        for j in 0..<d {
                            let c = p[i * d + j] - mu[j]
                            p[i * d + j] = c
                            v[j] += c * c
                        }
                    }
                    for j in 0..<d { v[j] /= count }
                }
            }
        }
        let std = variance.map { ($0 + Self.epsilon).squareRoot() }
        let normalised = matrix.zipWith(std, /)
        xc = matrix
        self.std = std
        runningMean = Self.movingAverage(runningMean, mean, momentum)
        runningVariance = Self.movingAverage(runningVariance, variance, momentum)
        return Self.scaleAndShift(normalised, gamma, beta).reshaped(shape)
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public mutating func backward(_ dout: Tensor<Scalar>, needsInputGradient: Bool) -> Tensor<Scalar>? {
        guard let xc, let std else { preconditionFailure("BatchNormalization.backward without a training forward before it") }
        precondition(dout.shape == inputShape, "BatchNormalization.backward: dout \(dout.shape) for output \(inputShape)")
        let (n, d) = (xc.shape[0], features)
        // Σ dout, Σ x̂·dout and Σ dx̂·xc per feature in one pass; dγ and dβ are written in place.
        var dxnXc = Tensor<Scalar>.zeros([d])
        dout.withUnsafeBufferPointer { g in
            xc.withUnsafeBufferPointer { c in
                std.withUnsafeBufferPointer { s in
                    gamma.withUnsafeBufferPointer { w in
                        dgamma.withUnsafeMutableBufferPointer { dw in
                            dbeta.withUnsafeMutableBufferPointer { db in
                                dxnXc.withUnsafeMutableBufferPointer { a in
                                    for j in 0..<d { dw[j] = 0; db[j] = 0 }
                                    for i in 0..<n {
                                        for j in 0..<d {
                                            let k = i * d + j
                                            db[j] += g[k]
                                            dw[j] += c[k] / s[j] * g[k]
                                            a[j] += w[j] * g[k] * c[k]
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        guard needsInputGradient else { return nil }
        // dvar = ½ · dstd / std with dstd = −Σ(dx̂·xc) / std².
        let dvar = dxnXc.zipWith(std) { a, s in 0.5 * (-a / (s * s)) / s }
        let twoOverN = 2 / Scalar(n), count = Scalar(n)
        let dx = Tensor<Scalar>(shape: [n, d]) { out in
            dout.withUnsafeBufferPointer { g in
                xc.withUnsafeBufferPointer { c in
                    std.withUnsafeBufferPointer { s in
                        gamma.withUnsafeBufferPointer { w in
                            dvar.withUnsafeBufferPointer { v in
                                var dmu = [Scalar](repeating: 0, count: d)
                                dmu.withUnsafeMutableBufferPointer { dmu in
                                    for i in 0..<n {
                                        for j in 0..<d {
                                            let k = i * d + j
                                            let dxc = w[j] * g[k] / s[j] + twoOverN * c[k] * v[j]
                                            out[k] = dxc
                                            dmu[j] += dxc
                                        }
                                    }
                                    for i in 0..<n { for j in 0..<d { out[i * d + j] -= dmu[j] / count } }
                                }
                            }
                        }
                    }
                }
            }
        }
        return dx.reshaped(inputShape)
    }

    public var parameterNames: [String] { ["gamma", "beta"] }
    public var parameters: [Tensor<Scalar>] { [gamma, beta] }
    public var gradients: [Tensor<Scalar>] { [dgamma, dbeta] }

    public mutating func updateParameters(_ body: (Int, inout Tensor<Scalar>, Tensor<Scalar>) -> Void) {
        let shape = gamma.shape
        body(0, &gamma, dgamma)
        body(1, &beta, dbeta)
        precondition(gamma.shape == shape && beta.shape == shape,
                     "BatchNormalization: gamma \(gamma.shape) and beta \(beta.shape) must stay \(shape)")
    }

    public var stateNames: [String] { ["running_mean", "running_var"] }
    public var state: [Tensor<Scalar>] { [runningMean, runningVariance] }

    public mutating func setState(_ values: [Tensor<Scalar>]) {
        precondition(values.count == 2 && values.allSatisfy { $0.shape == [features] },
                     "BatchNormalization: running statistics \(values.map(\.shape)) for \(features) features")
        (runningMean, runningVariance) = (values[0], values[1])
    }

    public var spec: LayerSpec { .batchNormalization(features: features) }

    /// γ · x̂ + β row by row, in place on x̂ (n, d).
    private static func scaleAndShift(_ xn: consuming Tensor<Scalar>, _ gamma: Tensor<Scalar>, _ beta: Tensor<Scalar>) -> Tensor<Scalar> {
        var out = xn
        let d = gamma.count
        out.withUnsafeMutableBufferPointer { p in
            gamma.withUnsafeBufferPointer { w in
                beta.withUnsafeBufferPointer { b in
                    for i in 0..<(p.count / d) { for j in 0..<d { p[i * d + j] = w[j] * p[i * d + j] + b[j] } }
                }
            }
        }
        return out
    }

    /// momentum · running + (1 − momentum) · batch.
    private static func movingAverage(_ running: Tensor<Scalar>, _ batch: Tensor<Scalar>, _ momentum: Scalar) -> Tensor<Scalar> {
        running.zipWith(batch) { r, b in momentum * r + (1 - momentum) * b }
    }
}
