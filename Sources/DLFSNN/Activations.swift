import DLFSCore

/// An elementwise activation: y = f(x), and ∂L/∂x from ∂L/∂y and the output y, which is all the backward
/// pass keeps. Adding an activation is one of these, with `apply` a kernel of Functions.swift specialised
/// there, its two lines in `ElementwiseActivation.backward`'s list and a `LayerSpec` case.
public protocol ActivationFunction: Sendable {
    /// f over `count` values in place (an affine layer before it runs this on each block of its output).
    static func apply<S: TensorScalar>(_ values: UnsafeMutablePointer<S>, count: Int)
    /// ∂L/∂x of one element from ∂L/∂y and y.
    static func inputGradient<S: TensorScalar>(_ dout: S, output y: S) -> S
    /// The `LayerSpec` case that names this activation in a model file.
    static var spec: LayerSpec { get }
}

/// out = max(0, x). Backward: dout where x > 0, else 0 (out > 0 exactly where x > 0).
public enum ReLUFunction: ActivationFunction {
    /// The layer's forward kernel, `relu`.
    @inline(__always) public static func apply<S: TensorScalar>(_ values: UnsafeMutablePointer<S>, count: Int) {
        relu(values, count: count)
    }
    /// dout where the output is positive, else 0.
    @inline(__always) public static func inputGradient<S: TensorScalar>(_ dout: S, output y: S) -> S { y > 0 ? dout : 0 }
    public static var spec: LayerSpec { .relu }
}

/// out = 1 / (1 + e⁻ˣ). Backward: dx = dout · (1 − out) · out.
public enum SigmoidFunction: ActivationFunction {
    /// The layer's forward kernel, `sigmoid`.
    @inline(__always) public static func apply<S: TensorScalar>(_ values: UnsafeMutablePointer<S>, count: Int) {
        sigmoid(values, count: count)
    }
    /// dout · (1 − y) · y, from the output y.
    @inline(__always) public static func inputGradient<S: TensorScalar>(_ dout: S, output y: S) -> S { dout * (1 - y) * y }
    public static var spec: LayerSpec { .sigmoid }
}

/// out = tanh(x). Backward: dx = dout · (1 − out²).
public enum TanhFunction: ActivationFunction {
    /// The layer's forward kernel, `tanh`.
    @inline(__always) public static func apply<S: TensorScalar>(_ values: UnsafeMutablePointer<S>, count: Int) {
        tanh(values, count: count)
    }
    /// dout · (1 − y²), from the output y.
    @inline(__always) public static func inputGradient<S: TensorScalar>(_ dout: S, output y: S) -> S { dout * (1 - y * y) }
    public static var spec: LayerSpec { .tanh }
}

/// The layer of an activation function, as the book's `Relu` and `Sigmoid` classes: forward keeps the output.
public struct ElementwiseActivation<Scalar: TensorScalar, Function: ActivationFunction>: Layer {
    private var out: Tensor<Scalar>?
    /// A layer with nothing to learn.
    public init() {}

    /// f is one of Functions.swift's, compiled there for Float and Double, so this needs no specialising.
    /// In place when the caller hands over the only reference to `x`.
    public mutating func forward(_ x: consuming Tensor<Scalar>, isTraining: Bool) -> Tensor<Scalar> {
        let y = x.applying { Function.apply($0, count: $1) }
        out = y
        return y
    }

    public mutating func backward(_ dout: Tensor<Scalar>, needsInputGradient: Bool) -> Tensor<Scalar>? {
        guard let out else { preconditionFailure("\(Function.spec) backward before forward") }
        guard needsInputGradient else { return nil }
        precondition(dout.shape == out.shape, "\(Function.spec) backward: dout \(dout.shape) for output \(out.shape)")
        return dout.mapped(through: gradientMap())
    }

    public var spec: LayerSpec { Function.spec }
}

/// A layer whose forward pass is an elementwise function, which the layer before it can run on its output
/// (`Sequential.forward` pairs them: `Affine` and `Convolution` run it on each block as they make it).
protocol FusableActivation<Scalar>: Layer {
    /// The layer's function over `count` values in place.
    func apply(_ values: UnsafeMutablePointer<Scalar>, count: Int)
    /// Takes y = f(x), computed by the layer before, as this layer's output for `backward`.
    mutating func keep(output y: Tensor<Scalar>)
    /// This layer's backward pass on pieces of a gradient, for the layer before to run as it needs them.
    func gradientMap() -> ActivationGradient<Scalar>
}

extension ElementwiseActivation: FusableActivation {
    func apply(_ values: UnsafeMutablePointer<Scalar>, count: Int) { Function.apply(values, count: count) }
    mutating func keep(output y: Tensor<Scalar>) { out = y }

    /// Compiled for each activation and scalar type, so that `inputGradient` is inlined into the loop.
    @_specialize(where Scalar == Float, Function == ReLUFunction)
    @_specialize(where Scalar == Double, Function == ReLUFunction)
    @_specialize(where Scalar == Float, Function == SigmoidFunction)
    @_specialize(where Scalar == Double, Function == SigmoidFunction)
    @_specialize(where Scalar == Float, Function == TanhFunction)
    @_specialize(where Scalar == Double, Function == TanhFunction)
    func gradientMap() -> ActivationGradient<Scalar> {
        guard let out else { preconditionFailure("\(Function.spec) backward before forward") }
        return { d, range, dx in
            precondition(range.upperBound <= out.count, "\(Function.spec) backward: gradient past the output's \(out.count) values")
            out.withUnsafeBufferPointer { y in
                let (d, y) = (d + range.lowerBound, y.baseAddress! + range.lowerBound)
                for i in 0..<range.count { dx[i] = Function.inputGradient(d[i], output: y[i]) }
            }
        }
    }
}

/// The book's `Relu` layer.
public typealias ReLU<Scalar: TensorScalar> = ElementwiseActivation<Scalar, ReLUFunction>
/// The book's `Sigmoid` layer.
public typealias Sigmoid<Scalar: TensorScalar> = ElementwiseActivation<Scalar, SigmoidFunction>
/// A tanh layer (the book's activation-histogram experiment).
public typealias Tanh<Scalar: TensorScalar> = ElementwiseActivation<Scalar, TanhFunction>
