import DLFSCore
import DLFSNN
import Testing

/// Expected values come from the book's `common/layers.py` run in float64 on the same inputs.
@Suite("Batch normalisation and dropout")
struct BatchNormDropoutTests {
    static let x: [Double] = [1.0, -2.0, 0.5, 3.0, 0.0, -1.5, -0.5, 4.0, 2.0, 2.5, 1.0, -3.0]
    static let x2: [Double] = [0.2, 1.1, -0.7, -1.3, 2.4, 0.9, 0.8, -0.6, 1.6, 2.1, 0.3, -2.2]
    static let dout: [Double] = [0.3, -1.2, 0.8, 1.1, 0.4, -0.6, -0.9, 0.7, 0.2, 0.5, -0.1, 1.3]

    /// x (4, 3) with γ = (1.5, −0.5, 2), β = (0.1, 0.2, −0.3).
    static func smallLayer() -> BatchNormalization<Double> {
        BatchNormalization(gamma: Tensor([1.5, -0.5, 2.0]), beta: Tensor([0.1, 0.2, -0.3]))
    }

    static func expectClose(_ a: Tensor<Double>, _ b: [Double], _ what: String, tolerance: Double = 1e-12) {
        #expect(a.count == b.count, "\(what): \(a.count) elements, expected \(b.count)")
        let worst = zip(a.scalars, b).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? 0
        #expect(worst <= tolerance, "\(what): differs by \(worst)\n\(a.scalars)\n\(b)")
    }

    @Test("Training forward and backward of an (n, features) batch match the book's")
    func batchNormMatrix() {
        var layer = Self.smallLayer()
        let out = layer.forward(Tensor(shape: [4, 3], scalars: Self.x), isTraining: true)
        #expect(out.shape == [4, 3])
        Self.expectClose(out, [-0.4477224114458759, 0.8350852283661676, 0.7504513179879535, 1.7431672343376277,
                               0.3732050622816821, -1.3504513179879536, -2.0908896457835033, -0.5505552698872891,
                               2.326128294969884, 1.1954448228917518, 0.14226497923943932, -2.9261282949698835], "out")
        let dx = layer.backward(Tensor(shape: [4, 3], scalars: Self.dout))
        Self.expectClose(dx, [0.3322847816038097, 0.08775726949180174, 0.49171985721660566, 0.09859047808032262,
                              -0.15242044446176672, -1.1745132139087755, -0.14971138448862586, 0.036950368453600335,
                              0.00814998588051824, -0.28116387519550645, 0.02771280651636464, 0.6746433708116515], "dx")
        Self.expectClose(layer.dgamma, [2.775126884659105, 2.4248708719435488, -0.7090546396418685], "dgamma")
        Self.expectClose(layer.dbeta, [1.0, -0.2, 1.7], "dbeta")
        #expect(layer.gradients == [layer.dgamma, layer.dbeta] && layer.parameterNames == ["gamma", "beta"])
        // Without the input gradient the parameters' gradients are the same.
        var again = Self.smallLayer()
        _ = again.forward(Tensor(shape: [4, 3], scalars: Self.x), isTraining: true)
        #expect(again.backward(Tensor(shape: [4, 3], scalars: Self.dout), needsInputGradient: false) == nil)
        #expect(again.gradients == layer.gradients)
    }

    @Test("Running statistics after two training batches, and inference with them, match the book's")
    func runningStatistics() {
        var layer = Self.smallLayer()
        #expect(layer.runningMean.scalars == [0, 0, 0] && layer.runningVariance.scalars == [0, 0, 0])
        _ = layer.forward(Tensor(shape: [4, 3], scalars: Self.x), isTraining: true)
        Self.expectClose(layer.runningMean, [0.15, 0.075, -0.05], "running mean after 1")
        Self.expectClose(layer.runningVariance, [0.1875, 0.46875, 0.3625], "running variance after 1")
        _ = layer.forward(Tensor(shape: [4, 3], scalars: Self.x2), isTraining: true)
        Self.expectClose(layer.runningMean, [0.18, 0.1475, -0.055], "running mean after 2")
        Self.expectClose(layer.runningVariance, [0.318, 0.543375, 0.54275], "running variance after 2")
        let (mean, variance) = (layer.runningMean, layer.runningVariance)
        let out = layer.forward(Tensor(shape: [4, 3], scalars: Self.x), isTraining: false)
        Self.expectClose(out, [2.281176794535054, 1.6566424112412124, 1.206685686986612, 7.601120195840062,
                               0.3000487802831566, -4.222812284136315, -1.7087807564437028, -2.413138481632955,
                               5.278809165328808, 6.27113434551381, -0.3782480351958713, -8.29493576247851], "inference out")
        #expect(layer.runningMean == mean && layer.runningVariance == variance, "inference leaves the statistics alone")
    }

    @Test("A rank-4 (n, c, h, w) input is normalised as (n, c·h·w), and its gradient has its shape")
    func batchNormRank4() {
        let x: [Double] = [0.5, -1.0, 2.0, 0.0, 1.5, 3.0, -2.5, 1.0, -0.5, 2.5, 1.0, -1.5, 0.25, -3.0, 0.75, 2.0,
                           1.25, 0.5, -0.75, 2.25, -2.0, 1.75, 0.0, -1.25]
        let dout: [Double] = [0.1, -0.2, 0.3, -0.4, 0.5, -0.6, 0.7, -0.8, 0.9, -1.0, 1.1, -1.2, 1.3, -1.4, 1.5, -1.6,
                              0.35, 0.15, -0.45, 0.65, -0.25, 0.05, 0.95, -0.85]
        var layer = BatchNormalization<Double>(gamma: Tensor([0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0, 2.25]),
                                               beta: Tensor([-0.4, -0.3, -0.2, -0.1, 0.0, 0.1, 0.2, 0.3]))
        let out = layer.forward(Tensor(shape: [3, 2, 2, 2], scalars: x), isTraining: true)
        #expect(out.shape == [3, 2, 2, 2])
        Self.expectClose(out, [-0.3418762371809132, -1.1718570785053268, 0.8998529369107082, -0.302776733723619,
                               1.6399903213070193, 1.7362455485928412, -2.5588959474245985, 0.9897815702128183,
                               -1.0393613910099555, 0.6590427863558597, 0.019970587382141636, -1.5194371360653331,
                               0.34526112027516187, -2.326157192741109, 2.1192319634258086, 2.645257338723582,
                               0.1812376281908683, -0.38718570785053263, -1.5198235242928497, 1.5222138697889518,
                               -1.9852514415821811, 0.889911644148268, 1.0396639839987911, -2.735038908936401], "out")
        let dx = layer.backward(Tensor(shape: [3, 2, 2, 2], scalars: dout))
        #expect(dx.shape == [3, 2, 2, 2])
        Self.expectClose(dx, [-0.22432634474850421, -0.1371406571881271, -0.39074316083743055, 0.03201733706811605,
                              -0.4614721431554985, -0.26209953658514623, 0.07378312387545072, 0.5987095874434822,
                              0.09614026921480306, -0.10285568693811034, 0.6140254827949863, -0.019210720991530816,
                              0.7178459300904747, -0.06897363960446962, 0.2459449516390102, -0.4144915400880915,
                              0.1281860755337011, 0.23999634412623744, -0.2232823219575557, -0.012806616076585231,
                              -0.25637378693497614, 0.33107317618961585, -0.3197280755144605, -0.1842180473553907], "dx")
        Self.expectClose(layer.dgamma, [-0.7323594115204946, -1.0636656357764989, 1.1658441131253507, 2.2710994177045327,
                                        1.1767649849378436, 1.4024961845081498, 0.8726507833701727, -0.7664239669031314], "dgamma")
        Self.expectClose(layer.dbeta, [1.35, -1.05, 0.95, -0.95, 1.55, -1.95, 3.15, -3.25], "dbeta")
        let inference = layer.forward(Tensor(shape: [3, 2, 2, 2], scalars: x), isTraining: false)
        #expect(inference.shape == [3, 2, 2, 2])
        Self.expectClose(inference, [0.610910269543132, -2.0645108009770587, 5.156163512533896, -0.16412351200859684,
                                     4.9404365616027075, 6.398322477946715, -10.914094707860976, 5.229682711597748,
                                     -1.594712136732792, 3.7252902647289163, 2.3737409086201833, -4.011534232524408,
                                     0.8461521182855465, -6.448114304267548, 3.879410193387421, 10.464743998250224,
                                     2.265127074250075, 0.4168325128969302, -2.4954986482288124, 5.60699256876512,
                                     -6.523559879685344, 3.721981481652077, 0.465524446945484, -6.549205183370322], "inference")
    }

    @Test("In Float the layer agrees with the Double results")
    func batchNormFloat() {
        var float = BatchNormalization<Float>(gamma: Tensor([1.5, -0.5, 2.0]), beta: Tensor([0.1, 0.2, -0.3]))
        var double = Self.smallLayer()
        let out = float.forward(Tensor(shape: [4, 3], scalars: Self.x.map(Float.init)), isTraining: true)
        let expected = double.forward(Tensor(shape: [4, 3], scalars: Self.x), isTraining: true)
        Self.expectClose(out.converted(to: Double.self), expected.scalars, "Float out", tolerance: 1e-5)
        let dx = float.backward(Tensor(shape: [4, 3], scalars: Self.dout.map(Float.init)))
        Self.expectClose(dx.converted(to: Double.self), double.backward(Tensor(shape: [4, 3], scalars: Self.dout)).scalars,
                         "Float dx", tolerance: 1e-5)
    }

    /// Backprop against the book's numerical gradient, Σ|a − b| / Σ|b| ≤ 1e-6 for every parameter but those
    /// in `vanishing`, whose gradient is zero in theory and must be within 1e-9 of it both ways.
    static func expectGradientsAgree(_ net: inout Sequential<Double>, _ x: Tensor<Double>, _ t: [Int],
                                     vanishing: Set<String> = []) {
        let numerical = net.numericalGradient(x, .indices(t))
        let (_, backprop) = net.lossAndGradient(x, .indices(t))
        #expect(backprop.names == numerical.names)
        for ((name, n), (_, b)) in zip(numerical, backprop) {
            if vanishing.contains(name) {
                let largest = (n.scalars + b.scalars).map(abs).max() ?? 0
                #expect(largest <= 1e-9, "\(name): \(largest) where the gradient is zero")
                continue
            }
            let difference = SequentialTests.relativeDifference(b, n)
            #expect(difference <= 1e-6, "\(name): relative difference \(difference)")
        }
    }

    @Test("The layer's own gradients agree with central differences of Σ out · r, for rank 2 and rank 4",
          arguments: [[8, 6], [5, 2, 1, 3]])
    func batchNormLayerGradientCheck(shape: [Int]) {
        var rng = SeededGenerator(seed: UInt64(shape.count))
        let features = shape.dropFirst().reduce(1, *)
        let layer = BatchNormalization<Double>(gamma: .randomUniform([features], in: 0.5..<1.5, using: &rng),
                                               beta: .randomUniform([features], in: -0.5..<0.5, using: &rng))
        let x = Tensor<Double>.randomUniform(shape, in: -1..<1, using: &rng)
        let r = Tensor<Double>.randomUniform(shape, in: -1..<1, using: &rng)
        func loss(_ layer: BatchNormalization<Double>, _ x: Tensor<Double>) -> Double {
            var layer = layer
            return (layer.forward(x, isTraining: true) * r).sum()
        }
        var trained = layer
        _ = trained.forward(x, isTraining: true)
        let dx = trained.backward(r)
        let numerical = [numericalGradient(of: { loss(layer, $0) }, at: x),
                         numericalGradient(of: { var l = layer; l.gamma = $0; return loss(l, x) }, at: layer.gamma),
                         numericalGradient(of: { var l = layer; l.beta = $0; return loss(l, x) }, at: layer.beta)]
        for (name, (b, n)) in zip(["dx", "dgamma", "dbeta"], zip([dx] + trained.gradients, numerical)) {
            #expect(b.shape == n.shape)
            let difference = SequentialTests.relativeDifference(b, n)
            #expect(difference <= 1e-7, "\(name): relative difference \(difference)")
        }
    }

    @Test("Affine → batch norm → ReLU → Affine: backprop agrees with the numerical gradient, gamma1 and beta1 included")
    func batchNormGradientCheck() {
        var rng = SeededGenerator(seed: 5)
        let batchNorm = BatchNormalization<Double>(gamma: .randomUniform([6], in: 0.5..<1.5, using: &rng),
                                                   beta: .randomUniform([6], in: -0.5..<0.5, using: &rng))
        var net = Sequential<Double>([Affine(5, 6, weightInit: .standardDeviation(0.5), using: &rng), batchNorm, ReLU(),
                                      Affine(6, 3, weightInit: .standardDeviation(0.5), using: &rng)])
        #expect(net.parameters.names == ["W1", "b1", "gamma1", "beta1", "W2", "b2"])
        #expect(net.specs.map(\.description) == ["affine 5 6", "batch-norm 6", "relu", "affine 6 3"])
        let x = Tensor<Double>.randomUniform([8, 5], in: -1..<1, using: &rng)
        // b1 cancels in x − μ, so its gradient is zero: compared absolutely, not relatively.
        Self.expectGradientsAgree(&net, x, [0, 2, 1, 1, 0, 2, 2, 1], vanishing: ["b1"])
    }

    @Test("Dropout keeps about 1 − ratio of the elements, and the kept ones unchanged")
    func dropoutMask() {
        var layer = Dropout<Double>(ratio: 0.3, seed: 9)
        let x = Tensor<Double>(shape: [500, 200], repeating: 2)
        let out = layer.forward(x, isTraining: true)
        let mask = layer.mask!
        #expect(mask.shape == [500, 200] && mask.scalars.allSatisfy { $0 == 0 || $0 == 1 })
        let kept = mask.scalars.reduce(0, +) / Double(mask.count)
        #expect(abs(kept - 0.7) < 0.01, "kept fraction \(kept)")
        #expect(out == x * mask)
        #expect(layer.parameterNames.isEmpty && layer.parameters.isEmpty)
    }

    @Test("Dropout in inference scales by 1 − ratio; backward is dout · mask")
    func dropoutInferenceAndBackward() {
        var rng = SeededGenerator(seed: 3)
        let x = Tensor<Double>.randomUniform([4, 6], in: -2..<2, using: &rng)
        let dout = Tensor<Double>.randomUniform([4, 6], in: -1..<1, using: &rng)
        var layer = Dropout<Double>(ratio: 0.4, using: &rng)
        #expect(layer.forward(x, isTraining: false).scalars == x.scalars.map { $0 * (1 - 0.4) })
        #expect(layer.backward(dout).scalars == dout.scalars.map { $0 * (1 - 0.4) })
        _ = layer.forward(x, isTraining: true)
        #expect(layer.backward(dout) == dout * layer.mask!)
        #expect(layer.backward(dout, needsInputGradient: false) == nil)
    }

    @Test("Dropout is reproducible from its seed, and a frozen mask is reused")
    func dropoutSeedAndFreeze() {
        let x = Tensor<Double>(shape: [3, 40], repeating: 1)
        var a = Dropout<Double>(seed: 17), b = Dropout<Double>(seed: 17), c = Dropout<Double>(seed: 18)
        #expect(a.forward(x, isTraining: true) == b.forward(x, isTraining: true))
        #expect(a.forward(x, isTraining: true) != c.forward(x, isTraining: true))
        var rng1 = SeededGenerator(seed: 4), rng2 = SeededGenerator(seed: 4)
        var d = Dropout<Double>(using: &rng1), e = Dropout<Double>(using: &rng2)
        #expect(d.forward(x, isTraining: true) == e.forward(x, isTraining: true))

        let first = a.mask!
        a.isMaskFrozen = true
        _ = a.forward(x * 3, isTraining: true)
        #expect(a.mask == first)
        _ = a.forward(x, isTraining: false)
        #expect(a.forward(x, isTraining: true) == first)
        a.isMaskFrozen = false
        _ = a.forward(x, isTraining: true)
        #expect(a.mask != first)
    }

    @Test("Affine → ReLU → dropout with a frozen mask → Affine: backprop agrees with the numerical gradient")
    func dropoutGradientCheck() {
        var rng = SeededGenerator(seed: 21)
        let x = Tensor<Double>.randomUniform([6, 5], in: -1..<1, using: &rng)
        var dropout = Dropout<Double>(ratio: 0.3, using: &rng)
        _ = dropout.forward(Tensor(shape: [6, 7], repeating: 1), isTraining: true)
        dropout.isMaskFrozen = true
        var net = Sequential<Double>([Affine(5, 7, weightInit: .standardDeviation(0.5), using: &rng), ReLU(), dropout,
                                      Affine(7, 3, weightInit: .standardDeviation(0.5), using: &rng)])
        #expect(net.parameters.names == ["W1", "b1", "W2", "b2"])
        Self.expectGradientsAgree(&net, x, [0, 1, 2, 2, 1, 0])
    }

    @Test("The new layer specs print and parse back, and build their layers")
    func specs() {
        let cases: [(LayerSpec, String)] = [(.batchNormalization(features: 100), "batch-norm 100"),
                                            (.dropout(ratio: 0.15), "dropout 0.15"), (.dropout(ratio: 0.5), "dropout 0.5")]
        for (spec, text) in cases {
            #expect(spec.description == text)
            #expect(LayerSpec(text) == spec)
            #expect(spec.makeLayer(Float.self).spec == spec)
        }
        for bad in ["batch-norm", "batch-norm 0", "batch-norm -3", "batch-norm 2.5", "dropout", "dropout 1",
                    "dropout -0.1", "dropout half", "dropout 0.1 0.2"] {
            #expect(LayerSpec(bad) == nil, "\(bad)")
        }
        let layer = LayerSpec.batchNormalization(features: 4).makeLayer(Double.self)
        #expect(layer.parameterNames == ["gamma", "beta"])
        #expect(layer.parameters.map(\.scalars) == [[1, 1, 1, 1], [0, 0, 0, 0]])
    }
}
