import DLFSCore

/// Updates parameters from their gradients, as the book's `common/optimizer.py`: `update(params, grads)`
/// changes every parameter in place, and keeps per-parameter state (velocities, squared-gradient sums)
/// keyed by the parameter's name, created as zeros on the first update.
///
/// Hyperparameters are `Double`s, as the book's Python floats: each coefficient is computed in `Double` and
/// then applied to the tensor's `Scalar`, which is what NumPy does with a Python float and a float32 array,
/// so a `Float` model rounds as the book's float32 NumPy does.
///
/// ```swift
/// var optimizer = Momentum<Float>(learningRate: 0.01)
/// optimizer.update(&net, with: net.gradient(x, t))
/// ```
public protocol Optimizer<Scalar> {
    /// The element type of the parameters it updates.
    associatedtype Scalar: TensorScalar
    /// Called once per step, before its parameters (Adam counts its steps here).
    mutating func beginStep()
    /// Updates one parameter in place from its gradient; `name` keys the state kept for it.
    mutating func update(_ parameter: inout Tensor<Scalar>, gradient: Tensor<Scalar>, name: String)
}

extension Optimizer {
    public mutating func beginStep() {}

    /// One step over every parameter of `model`, with gradients by the parameters' names. Inlinable, so
    /// that a caller in another module calls its optimizer's specialised `update` directly.
    @inlinable
    public mutating func update(_ model: inout Sequential<Scalar>, with gradients: NamedTensors<Scalar>) {
        beginStep()
        model.updateParameters { name, parameter, _ in
            guard let gradient = gradients[name] else { preconditionFailure("no gradient for \(name)") }
            update(&parameter, gradient: gradient, name: name)
        }
    }

    /// One step over named tensors (the book's `params` dictionary; `optimizer-compare-naive` moves a point).
    public mutating func update(_ parameters: inout NamedTensors<Scalar>, with gradients: NamedTensors<Scalar>) {
        beginStep()
        parameters.updateEach { name, parameter in
            guard let gradient = gradients[name] else { preconditionFailure("no gradient for \(name)") }
            update(&parameter, gradient: gradient, name: name)
        }
    }
}

/// p ← p − lr · g.
public struct SGD<Scalar: TensorScalar>: Optimizer {
    /// lr.
    public var learningRate: Double

    /// SGD with the book's default lr 0.01.
    public init(learningRate: Double = 0.01) { self.learningRate = learningRate }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public mutating func update(_ parameter: inout Tensor<Scalar>, gradient: Tensor<Scalar>, name: String) {
        let lr = Scalar(learningRate)
        elementwise(&parameter, gradient) { vectors, p, g in
            for i in vectors { p[i] -= lr * g[i] }
        }
    }
}

/// Classical momentum: v ← μv − lr · g;  p ← p + v.
/// With `nesterov`, the book's `Nesterov`: p ← p + μ²v − (1 + μ) · lr · g;  v ← μv − lr · g.
public struct Momentum<Scalar: TensorScalar>: Optimizer {
    /// lr and the momentum α.
    public var learningRate, momentum: Double
    /// Nesterov's accelerated gradient in the book's form, instead of classical momentum.
    public var nesterov: Bool
    private var velocity: [String: Tensor<Scalar>] = [:]

    /// Momentum with the book's defaults; `nesterov` gives its Nesterov variant.
    public init(learningRate: Double = 0.01, momentum: Double = 0.9, nesterov: Bool = false) {
        (self.learningRate, self.momentum, self.nesterov) = (learningRate, momentum, nesterov)
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public mutating func update(_ parameter: inout Tensor<Scalar>, gradient: Tensor<Scalar>, name: String) {
        let (lr, mu) = (Scalar(learningRate), Scalar(momentum))
        let shape = parameter.shape
        if nesterov {
            let (muSquared, step) = (Scalar(momentum * momentum), Scalar((1 + momentum) * learningRate))
            elementwise(&parameter, gradient, state: &velocity[name, default: .zeros(shape)]) { vectors, p, g, v in
                for i in vectors {
                    p[i] += muSquared * v[i]
                    p[i] -= step * g[i]
                    v[i] *= mu
                    v[i] -= lr * g[i]
                }
            }
        } else {
            elementwise(&parameter, gradient, state: &velocity[name, default: .zeros(shape)]) { vectors, p, g, v in
                for i in vectors {
                    v[i] = mu * v[i] - lr * g[i]
                    p[i] += v[i]
                }
            }
        }
    }
}

/// h ← h + g²;  p ← p − lr · g / (√h + 1e-7).
public struct AdaGrad<Scalar: TensorScalar>: Optimizer {
    /// lr.
    public var learningRate: Double
    private var squares: [String: Tensor<Scalar>] = [:]

    /// AdaGrad with the book's default lr 0.01.
    public init(learningRate: Double = 0.01) { self.learningRate = learningRate }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public mutating func update(_ parameter: inout Tensor<Scalar>, gradient: Tensor<Scalar>, name: String) {
        let (lr, epsilon) = (Scalar(learningRate), Scalar(optimizerEpsilon))
        let shape = parameter.shape
        elementwise(&parameter, gradient, state: &squares[name, default: .zeros(shape)]) { vectors, p, g, h in
            for i in vectors {
                h[i] += g[i] * g[i]
                p[i] -= lr * g[i] / (Scalar.squareRoot(h[i]) + epsilon)
            }
        }
    }
}

/// h ← decay · h + (1 − decay) · g²;  p ← p − lr · g / (√h + 1e-7).
public struct RMSprop<Scalar: TensorScalar>: Optimizer {
    /// lr and the decay of the squared-gradient average.
    public var learningRate, decayRate: Double
    private var squares: [String: Tensor<Scalar>] = [:]

    /// RMSprop with the book's defaults.
    public init(learningRate: Double = 0.01, decayRate: Double = 0.99) {
        (self.learningRate, self.decayRate) = (learningRate, decayRate)
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public mutating func update(_ parameter: inout Tensor<Scalar>, gradient: Tensor<Scalar>, name: String) {
        let (lr, decay, rest) = (Scalar(learningRate), Scalar(decayRate), Scalar(1 - decayRate))
        let epsilon = Scalar(optimizerEpsilon)
        let shape = parameter.shape
        elementwise(&parameter, gradient, state: &squares[name, default: .zeros(shape)]) { vectors, p, g, h in
            for i in vectors {
                h[i] *= decay
                h[i] += rest * g[i] * g[i]
                p[i] -= lr * g[i] / (Scalar.squareRoot(h[i]) + epsilon)
            }
        }
    }
}

/// Adam as the book writes it: at step t, lr_t = lr · √(1 − β₂ᵗ) / (1 − β₁ᵗ);
/// m ← m + (1 − β₁)(g − m);  v ← v + (1 − β₂)(g² − v);  p ← p − lr_t · m / (√v + 1e-7).
public struct Adam<Scalar: TensorScalar>: Optimizer {
    /// lr, β₁ and β₂.
    public var learningRate, beta1, beta2: Double
    /// Steps taken so far.
    public private(set) var iteration = 0
    private var moments: [String: Tensor<Scalar>] = [:], squares: [String: Tensor<Scalar>] = [:]

    /// Adam with the book's defaults.
    public init(learningRate: Double = 0.001, beta1: Double = 0.9, beta2: Double = 0.999) {
        (self.learningRate, self.beta1, self.beta2) = (learningRate, beta1, beta2)
    }

    public mutating func beginStep() { iteration += 1 }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public mutating func update(_ parameter: inout Tensor<Scalar>, gradient: Tensor<Scalar>, name: String) {
        precondition(iteration > 0, "Adam: beginStep() before the first update")
        let t = Double(iteration)
        let stepSize = Scalar(learningRate * (1 - Double.pow(beta2, t)).squareRoot() / (1 - Double.pow(beta1, t)))
        let (keep1, keep2, epsilon) = (Scalar(1 - beta1), Scalar(1 - beta2), Scalar(optimizerEpsilon))
        var v = squares[name, default: .zeros(parameter.shape)]
        squares[name] = nil  // v held alone, so it is written in place
        let shape = parameter.shape
        elementwise(&parameter, gradient, state: &moments[name, default: .zeros(shape)], &v) { vectors, p, g, m, v in
            // Each vector loaded once into locals: through the four pointers, which might alias for all the
            // compiler knows, every m[i] and v[i] would be loaded again after each store.
            for i in vectors {
                let gradient = g[i], moment = m[i], square = v[i]
                let newMoment = moment + keep1 * (gradient - moment)
                let newSquare = square + keep2 * (gradient * gradient - square)
                m[i] = newMoment
                v[i] = newSquare
                p[i] = p[i] - stepSize * newMoment / (Scalar.squareRoot(newSquare) + epsilon)
            }
        }
        squares[name] = v
    }
}

/// The 1e-7 the book adds to square roots in AdaGrad, RMSprop and Adam, against division by zero.
public let optimizerEpsilon = 1e-7

/// The optimizers by the names the book's `Trainer` takes, with its scripts' default learning rates.
public enum OptimizerName: String, Sendable, CaseIterable {
    /// `SGD`: W ← W − η · ∂L/∂W.
    case sgd
    /// `Momentum`: a velocity that gathers past gradients, so steps along a steady slope grow.
    case momentum
    /// `Momentum` with Nesterov's correction: the step looks one velocity step ahead.
    case nesterov
    /// `AdaGrad`: a rate per parameter that shrinks with the sum of its squared gradients.
    case adagrad
    /// `RMSprop`: AdaGrad with a decaying average, so the rate does not shrink towards zero.
    case rmsprop
    /// `Adam`: momentum and RMSprop's scaling, with bias correction of both averages.
    case adam

    /// The learning rate of the book's optimizer classes: 0.001 for Adam, 0.01 for the others.
    public var defaultLearningRate: Double { self == .adam ? 0.001 : 0.01 }

    /// A fresh optimizer (no state yet) with `learningRate`, or the default one.
    public func make<Scalar: TensorScalar>(_: Scalar.Type = Scalar.self, learningRate: Double? = nil) -> any Optimizer<Scalar> {
        let lr = learningRate ?? defaultLearningRate
        switch self {
        case .sgd: return SGD<Scalar>(learningRate: lr)
        case .momentum: return Momentum<Scalar>(learningRate: lr)
        case .nesterov: return Momentum<Scalar>(learningRate: lr, nesterov: true)
        case .adagrad: return AdaGrad<Scalar>(learningRate: lr)
        case .rmsprop: return RMSprop<Scalar>(learningRate: lr)
        case .adam: return Adam<Scalar>(learningRate: lr)
        }
    }
}

/// Runs `body` over a parameter with its gradient (and optimizer state), in place, on ranges of elements
/// shared among the threads when the parameter is large (SimpleConvNet's 432,000 weights of its first affine
/// layer). A range comes as the starts of its vectors and each array as `Lanes`, so the formula, written
/// once, is compiled inside the range's loop on whole vectors (over scalars, the compiler cannot prove the
/// arrays apart and leaves the loop scalar). Elements are independent, so the split changes no result.
@inline(__always)
private func elementwise<S: TensorScalar>(
    _ parameter: inout Tensor<S>, _ gradient: Tensor<S>, _ body: (StrideTo<Int>, Lanes<S>, Lanes<S>) -> Void
) {
    precondition(parameter.shape == gradient.shape, "optimizer: gradient \(gradient.shape) for parameter \(parameter.shape)")
    gradient.withUnsafeBufferPointer { g in
        parameter.withUnsafeMutableBufferPointer { p in
            let (count, p, g) = (p.count, p.baseAddress!, g.baseAddress!)
            parallelRanges(count, minimumLength: elementsPerThread) { range in
                body(Lanes<S>.starts(range), Lanes(p, range), Lanes(g, range))
            }
        }
    }
}

@inline(__always)
private func elementwise<S: TensorScalar>(
    _ parameter: inout Tensor<S>, _ gradient: Tensor<S>, state: inout Tensor<S>,
    _ body: (StrideTo<Int>, Lanes<S>, Lanes<S>, Lanes<S>) -> Void
) {
    precondition(parameter.shape == gradient.shape, "optimizer: gradient \(gradient.shape) for parameter \(parameter.shape)")
    gradient.withUnsafeBufferPointer { g in
        parameter.withUnsafeMutableBufferPointer { p in
            state.withUnsafeMutableBufferPointer { s in
                let (count, p, g, s) = (p.count, p.baseAddress!, g.baseAddress!, s.baseAddress!)
                parallelRanges(count, minimumLength: elementsPerThread) { range in
                    body(Lanes<S>.starts(range), Lanes(p, range), Lanes(g, range), Lanes(s, range))
                }
            }
        }
    }
}

@inline(__always)
private func elementwise<S: TensorScalar>(
    _ parameter: inout Tensor<S>, _ gradient: Tensor<S>, state first: inout Tensor<S>, _ second: inout Tensor<S>,
    _ body: (StrideTo<Int>, Lanes<S>, Lanes<S>, Lanes<S>, Lanes<S>) -> Void
) {
    precondition(parameter.shape == gradient.shape, "optimizer: gradient \(gradient.shape) for parameter \(parameter.shape)")
    gradient.withUnsafeBufferPointer { g in
        parameter.withUnsafeMutableBufferPointer { p in
            first.withUnsafeMutableBufferPointer { a in
                second.withUnsafeMutableBufferPointer { b in
                    let (count, p, g, a, b) = (p.count, p.baseAddress!, g.baseAddress!, a.baseAddress!, b.baseAddress!)
                    parallelRanges(count, minimumLength: elementsPerThread) { range in
                        body(Lanes<S>.starts(range), Lanes(p, range), Lanes(g, range), Lanes(a, range), Lanes(b, range))
                    }
                }
            }
        }
    }
}

/// An array within a range, a vector at a time: `lanes[i]` is the vector of values from i, the last one
/// padded with zeros past the range's end (every formula here maps zeros to finite values), and setting it
/// writes only the values inside the range, which another thread may be next to.
private struct Lanes<S: TensorScalar> {
    let base: UnsafeMutablePointer<S>, end: Int

    @inline(__always) init(_ base: UnsafeMutablePointer<S>, _ range: Range<Int>) { (self.base, end) = (base, range.upperBound) }
    @inline(__always) init(_ base: UnsafePointer<S>, _ range: Range<Int>) { self.init(UnsafeMutablePointer(mutating: base), range) }

    /// The first index of each vector of `range`.
    @inline(__always) static func starts(_ range: Range<Int>) -> StrideTo<Int> {
        stride(from: range.lowerBound, to: range.upperBound, by: S.Vector.scalarCount)
    }

    @inline(__always) subscript(i: Int) -> S.Vector {
        get {
            let width = S.Vector.scalarCount
            if i + width <= end { return UnsafeRawPointer(base + i).loadUnaligned(as: S.Vector.self) }
            return S.paddedVector(from: base + i, count: end - i)
        }
        nonmutating set {
            let width = S.Vector.scalarCount
            if i + width <= end { UnsafeMutableRawPointer(base + i).storeBytes(of: newValue, as: S.Vector.self); return }
            S.store(newValue, firstLanes: end - i, to: base + i)
        }
    }
}

/// Below twice this many elements an update stays on one thread: waking another costs more than it saves
/// (the book's MLP's largest weight, 784 × 100, is one range).
private let elementsPerThread = 1 << 16
