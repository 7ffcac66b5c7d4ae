import DLFSCore
import DLFSNN
import Testing

/// Each layer on its own, against the book's `common/layers.py` run by NumPy 2.4 (float64).
@Suite("Layers: forward and backward against the book's NumPy layers")
struct LayerTests {
    static func expectClose(_ a: [Double], _ b: [Double], _ what: String, tolerance: Double = 1e-14,
                            sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(a.count == b.count, "\(what): \(a.count) values, expected \(b.count)", sourceLocation: sourceLocation)
        let worst = zip(a, b).map { abs($0 - $1) }.max() ?? 0
        #expect(worst <= tolerance, "\(what): off by \(worst)", sourceLocation: sourceLocation)
    }

    @Test("Affine flattens an (N, C, H, W) input as the book does and gives dx back in its shape")
    func affine() {
        let x = Tensor<Double>(shape: [2, 2, 2, 2], scalars: (0..<16).map { Double($0) / 10 - 0.7 })
        let w = Tensor<Double>(shape: [8, 3], scalars: (0..<24).map { (Double($0) - 11) / 7 })
        var layer = Affine(W: w, b: Tensor([0.5, -0.25, 0.125]))
        let out = layer.forward(x, isTraining: true)
        #expect(out.shape == [2, 3])
        Self.expectClose(out.scalars, [2.5, 1.35, 1.325, 2.0428571428571427, 1.807142857142857, 2.696428571428571], "out")
        let dx = layer.backward(Tensor(shape: [2, 3], scalars: [1.0, -2.0, 0.5, 0.25, 0.75, -1.5]))
        #expect(dx.shape == [2, 2, 2, 2])
        Self.expectClose(dx.scalars, [0.6428571428571429, 0.42857142857142866, 0.21428571428571422, 0.0, -0.21428571428571427,
                                      -0.42857142857142866, -0.6428571428571427, -0.8571428571428571, 0.4642857142857143,
                                      0.25000000000000006, 0.035714285714285726, -0.17857142857142855, -0.3928571428571428,
                                      -0.607142857142857, -0.8214285714285715, -1.0357142857142856], "dx")
        Self.expectClose(layer.dW.scalars, [-0.6749999999999999, 1.475, -0.5000000000000001, -0.5499999999999999, 1.35,
                                            -0.6000000000000001, -0.42499999999999993, 1.2249999999999999, -0.7000000000000001,
                                            -0.29999999999999993, 1.1, -0.8000000000000002, -0.17499999999999993,
                                            0.9749999999999999, -0.8999999999999999, -0.04999999999999993, 0.85, -1.0,
                                            0.07500000000000001, 0.7249999999999999, -1.0999999999999999, 0.2,
                                            0.6000000000000001, -1.2000000000000002], "dW")
        #expect(layer.db.scalars == [1.25, -1.25, -1.0])
        #expect(layer.parameterNames == ["W", "b"] && layer.spec == .affine(inputs: 8, outputs: 3))
        // The first layer of a network is not asked for dx.
        #expect(layer.backward(Tensor(shape: [2, 3], repeating: 1), needsInputGradient: false) == nil)
    }

    @Test("SoftmaxWithLoss: the book's loss, and the exact gradient of it")
    func softmaxWithLoss() {
        var layer = SoftmaxWithLoss<Double>()
        let loss = layer.forward(Tensor(shape: [2, 3], scalars: [0.3, -1.2, 2.0, 1.5, 0.1, -0.4]), .indices([2, 0]))
        #expect(abs(loss - 0.2677002964398882) <= 1e-15)
        Self.expectClose(layer.y!.scalars, [0.14931886218339122, 0.03331754163216139, 0.8173635961844474, 0.7162474222675079,
                                            0.17662443976216924, 0.10712813797032279], "y", tolerance: 1e-15)
        // (y − t) · y_t / (y_t + 1e-7) / N; the book's (y − t) / N is 1e-8 away here.
        Self.expectClose(layer.backward().scalars, [0.07465942195752052, 0.016658768777970748, -0.09131819073549126,
                                                    -0.14187626905796966, 0.08831220755123814, 0.05356406150673148], "dx", tolerance: 1e-16)
        // One-hot targets are read as their classes, as the book's forward does.
        var oneHot = SoftmaxWithLoss<Double>()
        let same = oneHot.forward(Tensor(shape: [2, 3], scalars: [0.3, -1.2, 2.0, 1.5, 0.1, -0.4]),
                                  .oneHot(Tensor(shape: [2, 3], scalars: [0, 0, 1, 1, 0, 0])))
        #expect(same == loss && oneHot.backward().scalars == layer.backward().scalars)
    }

    @Test("Activations: forward values and dx = dout · f′ written in the output", arguments: [LayerSpec.relu, .sigmoid, .tanh, .identity])
    func activations(spec: LayerSpec) {
        let x = Tensor<Double>([-2, -0.5, 0, 0.5, 2])
        var layer = spec.makeLayer(Double.self)
        let y = layer.forward(x, isTraining: true)
        let dout = Tensor<Double>([1, -2, 3, -4, 5])
        let dx = layer.backward(dout)
        #expect(layer.spec == spec && layer.parameterNames.isEmpty)
        for i in 0..<5 {
            let v = x.scalars[i]
            let (f, derivative): (Double, Double) = switch spec {
            case .relu: (max(v, 0), v > 0 ? 1 : 0)
            case .sigmoid: (1 / (1 + Double.exp(-v)), Double.exp(-v) / ((1 + Double.exp(-v)) * (1 + Double.exp(-v))))
            case .tanh: (Double.tanh(v), 1 - Double.tanh(v) * Double.tanh(v))
            default: (v, 1)
            }
            #expect(abs(y.scalars[i] - f) <= 1e-15, "\(spec) f(\(v))")
            #expect(abs(dx.scalars[i] - dout.scalars[i] * derivative) <= 1e-14, "\(spec) f′(\(v))")
        }
    }

    @Test("Layer specs read back what they print; anything else is refused")
    func specs() {
        for spec in [LayerSpec.affine(inputs: 784, outputs: 50), .relu, .sigmoid, .tanh, .identity] {
            #expect(LayerSpec(spec.description) == spec)
        }
        for text in ["affine 784", "affine 0 5", "affine -1 5", "relu 3", "swish", ""] { #expect(LayerSpec(text) == nil, "\(text)") }
    }
}
