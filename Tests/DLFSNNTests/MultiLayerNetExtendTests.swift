import DLFSCore
import DLFSIO
import DLFSNN
import Foundation
import Testing

/// The book's `MultiLayerNetExtend` as a configuration of `Sequential`: batch norm, dropout, weight decay.
@Suite("MultiLayerNetExtend: batch norm, dropout and weight decay in the model")
struct MultiLayerNetExtendTests {
    static func net(batchNorm: Bool = true, dropout: Double? = 0.2, weightDecay: Double = 0.1, seed: UInt64 = 5) -> Sequential<Double> {
        var rng = SeededGenerator(seed: seed)
        return .multiLayerNet(inputSize: 12, hiddenSizes: [6, 5], outputSize: 4, activation: .tanh, weightInit: .xavier,
                              batchNormalization: batchNorm, dropout: dropout, weightDecay: weightDecay, using: &rng)
    }

    static func batch() -> (Tensor<Double>, Labels<Double>) {
        var rng = SeededGenerator(seed: 9)
        return (Tensor<Double>.randomUniform([8, 12], in: -1..<1, using: &rng), .indices([0, 3, 1, 2, 3, 0, 1, 2]))
    }

    @Test("Layers in the book's order, parameters and state by the book's names")
    func layout() {
        let net = Self.net()
        #expect(net.specs.map(\.description) == ["affine 12 6", "batch-norm 6", "tanh", "dropout 0.2",
                                                 "affine 6 5", "batch-norm 5", "tanh", "dropout 0.2", "affine 5 4"])
        #expect(net.parameters.names == ["W1", "b1", "gamma1", "beta1", "W2", "b2", "gamma2", "beta2", "W3", "b3"])
        #expect(net.state.names == ["running_mean1", "running_var1", "running_mean2", "running_var2"])
        // The weights are the plain net's: dropout seeds are drawn after them.
        let plain = Self.net(batchNorm: false, dropout: nil)
        #expect(net.parameters["W2"]!.scalars == plain.parameters["W2"]!.scalars)
    }

    @Test("Weight decay: λ/2 ΣW² joins the loss and λW the gradient of each W, not of b, γ or β")
    func weightDecay() {
        let (x, t) = Self.batch()
        var decayed = Self.net(dropout: nil), plain = decayed
        plain.weightDecay = 0
        let squares = decayed.parameters.filter { $0.name.hasPrefix("W") }.map { $0.tensor.scalars.map { $0 * $0 }.reduce(0, +) }
        #expect(abs(decayed.loss(x, t, isTraining: true) - plain.loss(x, t, isTraining: true) - 0.05 * squares.reduce(0, +)) < 1e-12)
        let (_, g) = decayed.lossAndGradient(x, t), (_, g0) = plain.lossAndGradient(x, t)
        for ((name, a), ((_, b), (_, p))) in zip(g, zip(g0, decayed.parameters)) {
            let expected = name.hasPrefix("W") ? b + 0.1 * p : b
            #expect(zip(a.scalars, expected.scalars).allSatisfy { abs($0 - $1) <= 1e-15 }, "\(name)")
        }
    }

    @Test("Backprop agrees with the numerical gradient with batch norm, a frozen dropout mask and weight decay")
    func gradientCheck() {
        let (x, t) = Self.batch()
        var net = Self.net()
        _ = net.forward(x, isTraining: true)            // draws the masks
        net.freezeDropoutMasks()
        let numerical = net.numericalGradient(x, t)
        let (_, backprop) = net.lossAndGradient(x, t)
        for ((name, n), (_, b)) in zip(numerical, backprop) {
            let size = b.scalars.map(abs).reduce(0, +)
            let difference = zip(n.scalars, b.scalars).map { abs($0 - $1) }.reduce(0, +)
            // b1 and b2 sit before a batch norm, which cancels them: both gradients are zero.
            if size < 1e-9 { #expect(difference < 1e-9, "\(name)") } else {
                #expect(difference / size <= 1e-6, "\(name): \(difference / size)")
            }
        }
    }

    @Test("A model file keeps the running statistics and the weight decay: the loaded model predicts the same")
    func saveAndLoad() throws {
        let (x, t) = Self.batch()
        var net = Self.net()
        var sgd = SGD<Double>(learningRate: 0.1)
        for _ in 0..<5 { sgd.update(&net, with: net.gradient(x, t)) }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("dlfs-bn-\(UInt64.random(in: 0...UInt64.max)).safetensors").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try net.save(to: path)
        let loaded = try Sequential<Double>(contentsOf: path)
        #expect(loaded.specs == net.specs && loaded.weightDecay == 0.1)
        #expect(loaded.state.tensors.map(\.scalars) == net.state.tensors.map(\.scalars))
        #expect(loaded.state["running_var1"]!.scalars.contains { $0 != 0 })
        #expect(loaded.predict(x).scalars == net.predict(x).scalars)
        #expect(loaded.loss(x, t) == net.loss(x, t))
    }
}
