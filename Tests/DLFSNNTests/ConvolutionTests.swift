import DLFSCore
import DLFSNN
import Testing

/// Convolution and max pooling against the book's im2col-based layers in NumPy (ConvolutionFixtures), and
/// backprop against numerical gradients (im2col and col2im have their tests in DLFSCoreTests).
@Suite("Convolution and pooling: the book's layers and gradient checks")
struct ConvolutionTests {
    typealias Fixtures = ConvolutionFixtures

    static func expectClose<S: TensorScalar>(_ a: Tensor<S>, _ b: [Double], _ what: String, tolerance: Double = 0,
                                             sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(a.count == b.count, "\(what): \(a.count) values, expected \(b.count)", sourceLocation: sourceLocation)
        let worst = zip(a.scalars, b).map { abs(Double($0) - $1) }.max() ?? 0
        #expect(worst <= tolerance, "\(what): off by \(worst)", sourceLocation: sourceLocation)
    }

    /// Σ|numerical − backprop| / Σ|backprop|, the measure the gradient checks bound.
    static func relativeDifference(_ numerical: Tensor<Double>, _ backprop: Tensor<Double>) -> Double {
        let difference = zip(numerical.scalars, backprop.scalars).map { abs($0 - $1) }.reduce(0, +)
        return difference / max(backprop.scalars.map(abs).reduce(0, +), .leastNormalMagnitude)
    }

    @Test("Convolution forward and backward give the book's values", arguments: Fixtures.convolutions)
    func convolution(_ c: Fixtures.ConvolutionCase) {
        var layer = Convolution(W: Fixtures.filters(c.filters), b: Fixtures.bias(c.filters[0]), stride: c.stride, pad: c.pad)
        let out = layer.forward(Fixtures.input(c.input), isTraining: true)
        #expect(out.shape == c.output)
        Self.expectClose(out, c.out, "out")
        let dx = layer.backward(Fixtures.gradient(c.output))
        #expect(dx.shape == c.input)
        Self.expectClose(dx, c.dx, "dx")
        Self.expectClose(layer.dW, c.dW, "dW")
        Self.expectClose(layer.db, c.db, "db")
        // Float: every value here is a small multiple of 1/64, exact in single precision too.
        var single = Convolution(W: Fixtures.filters(c.filters).converted(to: Float.self),
                                 b: Fixtures.bias(c.filters[0]).converted(to: Float.self), stride: c.stride, pad: c.pad)
        Self.expectClose(single.forward(Fixtures.input(c.input).converted(to: Float.self), isTraining: false), c.out, "Float out")
    }

    @Test("Max pooling forward and backward give the book's values", arguments: Fixtures.poolings)
    func pooling(_ c: Fixtures.PoolingCase) {
        var layer = Pooling<Double>(poolHeight: c.window.height, poolWidth: c.window.width, stride: c.stride, pad: c.pad)
        let out = layer.forward(Fixtures.input(c.input), isTraining: true)
        #expect(out.shape == c.output)
        Self.expectClose(out, c.out, "out")
        let dx = layer.backward(Fixtures.gradient(c.output))
        #expect(dx.shape == c.input)
        Self.expectClose(dx, c.dx, "dx")
        // Inference skips the argmax (and takes another path for 2×2 windows): the same maxima.
        var inference = Pooling<Float>(poolHeight: c.window.height, poolWidth: c.window.width, stride: c.stride, pad: c.pad)
        Self.expectClose(inference.forward(Fixtures.input(c.input).converted(to: Float.self), isTraining: false), c.out, "Float out")
    }

    /// Float rows of 8 or more 2×2 windows go eight at a time through vector compares; a Double pool takes every
    /// window alone. On values full of ties (small integers, and zeros of both signs) both must pick the same
    /// first largest element of each window: the same maxima, and dx routed to the same places. Widths 20 and 24
    /// end with an overlapping group of eight; 16 with a whole one.
    @Test("2×2 pooling eight windows at a time picks the same first maxima as one at a time", arguments: [16, 20, 24])
    func vectorPoolingMatchesWindowByWindow(width: Int) {
        let shape = [3, 2, 6, width]
        var rng = SeededGenerator(seed: UInt64(width))
        let values = (0..<shape.reduce(1, *)).map { _ -> Double in
            let v = Double(rng.next() % 5) - 2
            return v == 0 && rng.next() % 2 == 0 ? -0.0 : v
        }
        let x = Tensor<Double>(shape: shape, scalars: values)
        let dout = Fixtures.gradient([3, 2, 3, width / 2])
        var single = Pooling<Double>(poolHeight: 2, poolWidth: 2)
        var vector = Pooling<Float>(poolHeight: 2, poolWidth: 2)
        let expected = single.forward(x, isTraining: true)
        let out = vector.forward(x.converted(to: Float.self), isTraining: true)
        #expect(out.converted(to: Double.self).scalars.map(\.bitPattern) == expected.scalars.map(\.bitPattern))
        #expect(vector.backward(dout.converted(to: Float.self)).converted(to: Double.self) == single.backward(dout))
        var inference = Pooling<Float>(poolHeight: 2, poolWidth: 2)
        #expect(inference.forward(x.converted(to: Float.self), isTraining: false) == out)
    }

    /// 2×2 windows of stride 2 write dx window by window, without zeroing it first: every element must still be
    /// written, the rows and columns past the last window included. The layer runs twice, so the second dx may
    /// land in memory the first one left full of gradients. Values with ties check the first largest is chosen.
    @Test("2×2 pooling's dx is each window's gradient at its first maximum and zero everywhere else, odd sizes included",
          arguments: [(7, 9), (6, 8), (5, 17), (9, 4)])
    func pooling2x2Gradient(height: Int, width: Int) {
        func check<S: TensorScalar>(_: S.Type) {
            let shape = [2, 3, height, width], (oh, ow) = (height / 2, width / 2)
            var rng = SeededGenerator(seed: UInt64(height * 100 + width))
            var layer = Pooling<S>(poolHeight: 2, poolWidth: 2)
            _ = layer.forward(Tensor<S>.randomUniform(shape, in: -1..<1, using: &rng), isTraining: true)
            _ = layer.backward(Tensor<S>.randomUniform([2, 3, oh, ow], in: 1..<2, using: &rng))
            let x = Tensor<S>(shape: shape, scalars: (0..<shape.reduce(1, *)).map { _ in S(Int(rng.next() % 4)) })
            let dout = Tensor<S>.randomUniform([2, 3, oh, ow], in: 1..<2, using: &rng)
            _ = layer.forward(x, isTraining: true)
            let dx = layer.backward(dout)
            var expected = Tensor<S>.zeros(shape)
            for n in 0..<2 {
                for c in 0..<3 {
                    for oy in 0..<oh {
                        for ox in 0..<ow {
                            var (y, xx) = (2 * oy, 2 * ox)
                            for (down, right) in [(0, 1), (1, 0), (1, 1)] where x[n, c, 2 * oy + down, 2 * ox + right] > x[n, c, y, xx] {
                                (y, xx) = (2 * oy + down, 2 * ox + right)
                            }
                            expected[n, c, y, xx] = dout[n, c, oy, ox]
                        }
                    }
                }
            }
            #expect(dx == expected, "\(S.self), \(height)×\(width)")
        }
        check(Float.self)
        check(Double.self)
    }

    @Test("Pooling with padding takes the padding as zeros, as the book's im2col pads")
    func paddedPooling() {
        var layer = Pooling<Double>(poolHeight: 2, poolWidth: 2, stride: 2, pad: 1)
        let out = layer.forward(Fixtures.input([1, 1, 4, 5]), isTraining: true)
        #expect(out.shape == [1, 1, 3, 3])
        Self.expectClose(out, Fixtures.paddedPooling, "out")
        // Maxima taken from the padding (the first window's, for one) send their gradient nowhere.
        Self.expectClose(layer.backward(Fixtures.gradient([1, 1, 3, 3])), Fixtures.paddedPoolingGradient, "dx")
    }

    @Test("Convolution and pooling give the same bits on one thread and two (shapes large enough to split)")
    func threads() {
        var rng = SeededGenerator(seed: 13)
        let x = Tensor<Float>.randomUniform([16, 3, 24, 24], in: -1..<1, using: &rng)
        let conv = Convolution<Float>(filters: 8, channels: 3, filterHeight: 3, filterWidth: 3, pad: 1, weightInit: .he, using: &rng)
        let r = Tensor<Float>.randomUniform([16, 8, 12, 12], in: -1..<1, using: &rng)
        var results: [[Tensor<Float>]] = []
        for threads in [1, 2] {
            ComputeThreads.withLimit(threads) {
                var (c, p) = (conv, Pooling<Float>(poolHeight: 2, poolWidth: 2))
                let out = p.forward(c.forward(x, isTraining: true), isTraining: true)
                let dx = c.backward(p.backward(r))
                results.append([out, dx, c.dW, c.db])
            }
        }
        #expect(results[0] == results[1])
    }

    /// (input, filters, pad) whose weight gradient is read in place from shifted planes (64 rows or more, few filters
    /// or a narrow pad): 16 and 32 filters go through blocks transposed in registers, 4, 5 and 3 one value at a time;
    /// windows wider than the pad (4×4 pad 2, 3×3 and 5×5 pad 0) shift planes by more than the pad.
    static let inPlaceWeightGradients: [([Int], [Int], Int)] = [
        ([2, 8, 12, 20], [4, 8, 3, 3], 1), ([2, 7, 10, 18], [5, 7, 3, 3], 0), ([3, 8, 9, 17], [16, 8, 3, 3], 1),
        ([1, 4, 5, 30], [32, 4, 4, 4], 2), ([2, 3, 7, 24], [3, 3, 5, 5], 0),
    ]

    /// dW and db against the im2col product each image's group would take, (colᵀᵢ; ones) · doutᵢᵀ by `gemm`, the
    /// images' sums added in order (one image per group here): the same bits in Float where the micro-kernel takes
    /// every column (not for 3 or 4 filters: GEMM's dot products of an edge that narrow split the positions among
    /// vector lanes, which the padded width moves), and the book's values in Double.
    @Test("The weight gradient read in place from shifted planes is the im2col product's, to the bit", arguments: inPlaceWeightGradients)
    func inPlaceWeightGradient(_ input: [Int], _ filters: [Int], _ pad: Int) {
        var rng = SeededGenerator(seed: UInt64(input.reduce(0, +) * 7 + filters[0] + pad))
        let x = Tensor<Float>.randomUniform(input, in: -1..<1, using: &rng)
        let w = Tensor<Float>.randomUniform(filters, in: -1..<1, using: &rng)
        let g = WindowGeometry(input: input, windowHeight: filters[2], windowWidth: filters[3], pad: pad)
        let dout = Tensor<Float>.randomUniform([input[0], filters[0], g.outputHeight, g.outputWidth], in: -1..<1, using: &rng)
        var layer = Convolution(W: w, b: .zeros([filters[0]]), stride: 1, pad: pad)
        _ = layer.forward(x, isTraining: true)
        _ = layer.backward(dout)
        let (n, f, k, p) = (input[0], filters[0], g.patchSize, g.positions)
        var total = [Float](repeating: 0, count: (k + 1) * f)
        for i in 0..<n {
            let image = Tensor<Float>(shape: Array(input.dropFirst()), scalars: Array(x.scalars[i * g.channels * g.planeSize..<(i + 1) * g.channels * g.planeSize]))
            let col = im2colTransposed(image.reshaped([1] + image.shape), g).scalars + [Float](repeating: 1, count: p)
            let gradient = Array(dout.scalars[i * f * p..<(i + 1) * f * p])
            var partial = [Float](repeating: 0, count: (k + 1) * f)
            col.withUnsafeBufferPointer { a in
                gradient.withUnsafeBufferPointer { b in
                    partial.withUnsafeMutableBufferPointer { c in
                        gemm(m: k + 1, n: f, k: p, a: a.baseAddress!, lda: p, b: b.baseAddress!, ldb: p, transposeB: true,
                             c: c.baseAddress!, ldc: f, threads: 1)
                    }
                }
            }
            total = i == 0 ? partial : zip(total, partial).map(+)
        }
        let expectedW = (0..<f * k).map { total[($0 % k) * f + $0 / k] }, expectedB = Array(total[k * f..<(k + 1) * f])
        if !(1...4).contains(f % Float.Vector.scalarCount) {
            #expect(layer.dW.scalars == expectedW, "dW, \(g), \(f) filters")
            #expect(layer.db.scalars == expectedB, "db, \(g), \(f) filters")
        }
        Self.expectClose(layer.dW, expectedW.map(Double.init), "Float dW", tolerance: 1e-4)
        Self.expectClose(layer.db, expectedB.map(Double.init), "Float db", tolerance: 1e-4)
        // Double, against the book's dW = colᵀ · dout and db = Σ dout.
        var double = Convolution(W: w.converted(to: Double.self), b: .zeros([f]), stride: 1, pad: pad)
        let xd = x.converted(to: Double.self), doutd = dout.converted(to: Double.self)
        _ = double.forward(xd, isTraining: true)
        _ = double.backward(doutd)
        let doutRows = doutd.transposed(axes: [0, 2, 3, 1]).reshaped([n * p, f])
        let bookW = im2colReference(xd, g).transposed().matmul(doutRows).transposed()
        Self.expectClose(double.dW, bookW.scalars, "Double dW", tolerance: 1e-12)
        Self.expectClose(double.db, (0..<f).map { j in (0..<n * p).reduce(0) { $0 + doutRows[$1, j] } }, "Double db", tolerance: 1e-12)
    }

    /// (input, filters, pad) whose forward reads the windows in place (a patch over twice the filters, few of
    /// them or a narrow pad), and whose dx does so too when it is a transposed convolution (the last two: as many
    /// filters as channels); 16, 12 and 32 filters, positions a whole number of vectors or not.
    static let inPlaceForwards: [([Int], [Int], Int)] = [
        ([2, 8, 28, 28], [16, 8, 3, 3], 1), ([1, 6, 11, 23], [12, 6, 3, 3], 0), ([2, 32, 14, 14], [32, 32, 3, 3], 2),
        ([2, 8, 20, 20], [8, 8, 3, 3], 1), ([1, 4, 9, 40], [4, 4, 5, 5], 2),
    ]

    /// The forward against W · colᵀᵢ + b by `gemm` on im2col's colᵀ (the same bits in Float where the positions
    /// fill whole vectors or leave more than four columns past them), and against the book's values in Double, as
    /// is dx.
    @Test("The forward and dx read their windows in place, the im2col product's values", arguments: inPlaceForwards)
    func inPlaceForward(_ input: [Int], _ filters: [Int], _ pad: Int) {
        var rng = SeededGenerator(seed: UInt64(input.reduce(0, +) * 5 + filters[0] + pad))
        let x = Tensor<Float>.randomUniform(input, in: -1..<1, using: &rng)
        let w = Tensor<Float>.randomUniform(filters, in: -1..<1, using: &rng)
        let b = Tensor<Float>.randomUniform([filters[0]], in: -1..<1, using: &rng)
        let g = WindowGeometry(input: input, windowHeight: filters[2], windowWidth: filters[3], pad: pad)
        let (n, f, k, p) = (input[0], filters[0], g.patchSize, g.positions)
        var layer = Convolution(W: w, b: b, stride: 1, pad: pad)
        let out = layer.forward(x, isTraining: false)
        var expected: [Float] = []
        for i in 0..<n {
            let image = Tensor<Float>(shape: [1] + input.dropFirst(), scalars: Array(x.scalars[i * g.channels * g.planeSize..<(i + 1) * g.channels * g.planeSize]))
            let col = im2colTransposed(image, g)
            var product = [Float](repeating: 0, count: f * p)
            w.withUnsafeBufferPointer { a in
                col.withUnsafeBufferPointer { b in
                    product.withUnsafeMutableBufferPointer { c in
                        gemm(m: f, n: p, k: k, a: a.baseAddress!, lda: k, b: b.baseAddress!, ldb: p, c: c.baseAddress!, ldc: p, threads: 1)
                    }
                }
            }
            expected += product.indices.map { product[$0] + b[$0 / p] }
        }
        if !(1...4).contains(p % Float.Vector.scalarCount) {
            #expect(out.scalars == expected, "\(g), \(f) filters")
        }
        Self.expectClose(out, expected.map(Double.init), "Float out", tolerance: 1e-5)
        // Double: out and dx against the book's im2col and col2im.
        let (xd, wd, bd) = (x.converted(to: Double.self), w.converted(to: Double.self), b.converted(to: Double.self))
        var double = Convolution(W: wd, b: bd, stride: 1, pad: pad)
        let outd = double.forward(xd, isTraining: true)
        let bookOut = im2colReference(xd, g).matmul(wd.reshaped([f, k]).transposed())
        let book = (0..<n * f * p).map { j in
            let (i, filter, position) = (j / (f * p), j / p % f, j % p)
            return bookOut[i * p + position, filter] + bd[filter]
        }
        Self.expectClose(outd, book, "Double out", tolerance: 1e-12)
        let dout = Tensor<Double>.randomUniform(outd.shape, in: -1..<1, using: &rng)
        let dcol = dout.transposed(axes: [0, 2, 3, 1]).reshaped([n * p, f]).matmul(wd.reshaped([f, k]))
        Self.expectClose(double.backward(dout), col2imReference(dcol, batch: n, g).scalars, "Double dx", tolerance: 1e-12)
    }

    /// (input, pool window, stride, pad): the 2×2 window of both nets (Float rows of 12 and 14 outputs go eight at a
    /// time), overlapping windows (a conv output element can be the maximum of several) and padded ones.
    static let fusedPoolings: [([Int], (Int, Int), Int, Int)] = [
        ([3, 2, 26, 26], (2, 2), 2, 0), ([2, 2, 30, 30], (2, 2), 2, 0), ([3, 2, 9, 8], (3, 3), 1, 1),
        ([2, 3, 8, 9], (2, 3), 2, 1),
    ]

    /// `Sequential` runs a convolution, a ReLU and max pooling together, image by image, with the ReLU's mask folded
    /// into the pooling's indices. The biases are shifted down so that many windows hold no positive value.
    @Test("Convolution, ReLU and pooling run image by image give the same bits as the three layers one after another",
          arguments: fusedPoolings)
    func convolutionReLUPooling(_ input: [Int], _ window: (Int, Int), _ stride: Int, _ pad: Int) {
        func check<S: TensorScalar>(_: S.Type, threads: Int) {
            var rng = SeededGenerator(seed: UInt64(input.reduce(0, +) + stride * 7 + pad))
            let x = Tensor<S>.randomUniform(input, in: -1..<1, using: &rng)
            var conv = Convolution<S>(filters: 4, channels: input[1], filterHeight: 3, filterWidth: 3, stride: 1, pad: 0,
                                      weightInit: .he, using: &rng)
            conv.b = Tensor(shape: [4], scalars: [-0.6, -0.3, 0, 0.2])
            let pooling = Pooling<S>(poolHeight: window.0, poolWidth: window.1, stride: stride, pad: pad)
            ComputeThreads.withLimit(threads) {
                var (c, relu, p) = (conv, ReLU<S>(), pooling)
                let expected = p.forward(relu.forward(c.forward(x, isTraining: true), isTraining: true), isTraining: true)
                let dout = Tensor<S>.randomUniform(expected.shape, in: -1..<1, using: &rng)
                let expectedDx = c.backward(relu.backward(p.backward(dout)))
                var (fused, fusedPooling) = (conv, pooling)
                let out = fused.forward(x, isTraining: true, thenReLUAndPooling: &fusedPooling)
                #expect(out == expected, "\(S.self) out, \(threads) threads")
                let dx = fused.backward(dout, throughReLUAndPooling: &fusedPooling, needsInputGradient: true)
                #expect(dx == expectedDx, "\(S.self) dx, \(threads) threads")
                #expect(fused.dW == c.dW && fused.db == c.db, "\(S.self) dW and db, \(threads) threads")
                _ = fused.forward(x, isTraining: true, thenReLUAndPooling: &fusedPooling)
                #expect(fused.backward(dout, throughReLUAndPooling: &fusedPooling, needsInputGradient: false) == nil)
                #expect(fused.dW == c.dW && fused.db == c.db, "\(S.self) dW and db without dx")
                var inference = (conv, pooling)
                #expect(inference.0.forward(x, isTraining: false, thenReLUAndPooling: &inference.1) == expected)
            }
        }
        for threads in [1, 2] {
            check(Float.self, threads: threads)
            check(Double.self, threads: threads)
        }
    }

    @Test("Layer specs: conv FN C FH FW stride S pad P and max-pool PH PW stride S pad P, parsed back and built")
    func specs() {
        let conv = LayerSpec.convolution(filters: 30, channels: 1, filterHeight: 5, filterWidth: 5, stride: 1, pad: 0)
        let pool = LayerSpec.maxPooling(poolHeight: 2, poolWidth: 2, stride: 2, pad: 0)
        #expect(conv.description == "conv 30 1 5 5 stride 1 pad 0" && pool.description == "max-pool 2 2 stride 2 pad 0")
        for spec in [conv, pool, .convolution(filters: 2, channels: 3, filterHeight: 3, filterWidth: 2, stride: 2, pad: 1),
                     .maxPooling(poolHeight: 3, poolWidth: 2, stride: 1, pad: 1)] {
            #expect(LayerSpec(spec.description) == spec)
            #expect(spec.makeLayer(Float.self).spec == spec)
        }
        let layer = conv.makeLayer(Double.self)
        #expect(layer.parameterNames == ["W", "b"] && layer.parameters.map(\.shape) == [[30, 1, 5, 5], [30]])
        for text in ["conv 30 1 5 5", "conv 30 1 5 5 stride 0 pad 0", "conv 30 1 5 5 stride 1 pad -1", "conv 30 0 5 5 stride 1 pad 0",
                     "conv 30 1 5 5 pad 0 stride 1", "max-pool 2 2", "max-pool 2 stride 2 pad 0", "max-pool 2 2 stride 2 pad x"] {
            #expect(LayerSpec(text) == nil, "\(text)")
        }
    }

    @Test("Convolution's backprop agrees with the numerical gradient of Σ out·R for W, b and x")
    func convolutionGradient() {
        var rng = SeededGenerator(seed: 11)
        let x = Tensor<Double>.randomUniform([2, 3, 7, 6], in: -1..<1, using: &rng)
        let layer = Convolution<Double>(filters: 4, channels: 3, filterHeight: 3, filterWidth: 2, stride: 2, pad: 1,
                                        weightInit: .he, using: &rng)
        let outShape = [2, 4, 4, 4]
        let r = Tensor<Double>.randomUniform(outShape, in: -1..<1, using: &rng)
        func loss(_ w: Tensor<Double>, _ b: Tensor<Double>, _ x: Tensor<Double>) -> Double {
            var l = Convolution(W: w, b: b, stride: 2, pad: 1)
            return (l.forward(x, isTraining: false) * r).sum()
        }
        var trained = layer
        #expect(trained.forward(x, isTraining: true).shape == outShape)
        let dx = trained.backward(r)
        let numericalW = numericalGradient(of: { loss($0, layer.b, x) }, at: layer.W)
        let numericalB = numericalGradient(of: { loss(layer.W, $0, x) }, at: layer.b)
        let numericalX = numericalGradient(of: { loss(layer.W, layer.b, $0) }, at: x)
        #expect(Self.relativeDifference(numericalW, trained.dW) <= 1e-6)
        #expect(Self.relativeDifference(numericalB, trained.db) <= 1e-6)
        #expect(Self.relativeDifference(numericalX, dx) <= 1e-6)
    }

    /// (input, filters, pad) at stride 1: DeepConvNet's W2 and W4 (pad 2 = FH − 1) shapes, fewer filters than
    /// channels, and three that keep col2im (more filters than channels, a window that is not square, a pad past
    /// FH − 1).
    static let strideOneShapes: [([Int], [Int], Int)] = [
        ([2, 4, 6, 6], [4, 4, 3, 3], 1), ([2, 3, 5, 5], [3, 3, 3, 3], 2), ([1, 5, 7, 6], [2, 5, 3, 3], 0),
        ([2, 2, 5, 5], [6, 2, 3, 3], 1), ([1, 3, 5, 6], [2, 3, 3, 2], 1), ([1, 2, 4, 4], [1, 2, 2, 2], 2),
    ]

    @Test("dx, as a transposed convolution or by col2im, is the book's col2im(dout · W) in Double and Float",
          arguments: strideOneShapes)
    func inputGradientAgreesWithCol2im(_ input: [Int], _ filters: [Int], _ pad: Int) {
        var rng = SeededGenerator(seed: UInt64(input.reduce(0, +) * 31 + filters.reduce(0, +) + pad))
        let x = Tensor<Double>.randomUniform(input, in: -1..<1, using: &rng)
        let w = Tensor<Double>.randomUniform(filters, in: -1..<1, using: &rng)
        let b = Tensor<Double>.randomUniform([filters[0]], in: -1..<1, using: &rng)
        let g = WindowGeometry(input: input, windowHeight: filters[2], windowWidth: filters[3], pad: pad)
        let dout = Tensor<Double>.randomUniform([input[0], filters[0], g.outputHeight, g.outputWidth], in: -1..<1, using: &rng)
        // The book: dcol = dout (N·OH·OW, FN) · W (FN, C·FH·FW), dx = col2im(dcol).
        let dcol = dout.transposed(axes: [0, 2, 3, 1]).reshaped([input[0] * g.positions, filters[0]])
            .matmul(w.reshaped([filters[0], g.patchSize]))
        let expected = col2imReference(dcol, batch: input[0], g)
        var layer = Convolution(W: w, b: b, stride: 1, pad: pad)
        _ = layer.forward(x, isTraining: true)
        let dx = layer.backward(dout)
        #expect(dx.shape == input)
        Self.expectClose(dx, expected.scalars, "dx", tolerance: 1e-13)
        var single = Convolution(W: w.converted(to: Float.self), b: b.converted(to: Float.self), stride: 1, pad: pad)
        _ = single.forward(x.converted(to: Float.self), isTraining: true)
        Self.expectClose(single.backward(dout.converted(to: Float.self)), expected.scalars, "Float dx", tolerance: 1e-5)
    }

    @Test("Pooling's backprop agrees with the numerical gradient of Σ out·R, overlapping and padded windows")
    func poolingGradient() {
        var rng = SeededGenerator(seed: 12)
        let x = Tensor<Double>.randomUniform([2, 2, 7, 6], in: -1..<1, using: &rng)
        for (window, stride, pad) in [((2, 2), 2, 0), ((3, 2), 1, 0), ((3, 3), 2, 1)] {
            var layer = Pooling<Double>(poolHeight: window.0, poolWidth: window.1, stride: stride, pad: pad)
            let out = layer.forward(x, isTraining: true)
            let r = Tensor<Double>.randomUniform(out.shape, in: -1..<1, using: &rng)
            let dx = layer.backward(r)
            let numerical = numericalGradient(of: { x in
                var l = layer
                return (l.forward(x, isTraining: false) * r).sum()
            }, at: x)
            #expect(Self.relativeDifference(numerical, dx) <= 1e-6, "window \(window), stride \(stride), pad \(pad)")
        }
    }

    @Test("A tiny SimpleConvNet (ch07/gradient_check.py): backprop agrees with the numerical gradient")
    func convNetGradient() {
        var rng = SeededGenerator(seed: 7)
        let net = Sequential<Double>.simpleConvNet(inputShape: (1, 10, 10), filters: 10, filterSize: 3, hiddenSize: 10,
                                                   outputSize: 10, weightInit: .standardDeviation(0.01), using: &rng)
        let x = Tensor<Double>.randomUniform([1, 1, 10, 10], in: 0..<1, using: &rng)
        let t = Labels<Double>.indices([1])
        let numerical = net.numericalGradient(x, t)
        var copy = net
        let backprop = copy.gradient(x, t)
        #expect(backprop.names == ["W1", "b1", "W2", "b2", "W3", "b3"])
        for ((name, n), (_, b)) in zip(numerical, backprop) {
            #expect(Self.relativeDifference(n, b) <= 1e-6, "\(name): \(Self.relativeDifference(n, b))")
        }
    }

    @Test("A small DeepConvNet (8 × 8 inputs, dropout masks frozen): backprop agrees with central differences on a sample of every parameter's elements")
    func deepConvNetGradient() throws {
        var rng = SeededGenerator(seed: 11)
        var net = Sequential<Double>.deepConvNet(inputShape: (1, 8, 8), hiddenSize: 10, outputSize: 10, using: &rng)
        let x = Tensor<Double>.randomUniform([2, 1, 8, 8], in: 0..<1, using: &rng)
        let t = Labels<Double>.indices([3, 8])
        net.freezeDropoutMasks()
        var copy = net
        let backprop = copy.gradient(x, t)
        #expect(backprop.names == (1...8).flatMap { ["W\($0)", "b\($0)"] })
        let parameters = Dictionary(uniqueKeysWithValues: net.parameters.map { ($0.name, $0.tensor) })
        var kinks = 0
        for (name, gradient) in backprop {
            // About 150 elements of each parameter, spread over it: 72,000 elements would take minutes.
            let stride = max(1, gradient.count / 150)
            let sample = Array(Swift.stride(from: 0, to: gradient.count, by: stride))
            func centralDifferences(step: Double) throws -> [Double] {
                try sample.map { i in
                    func loss(_ shift: Double) throws -> Double {
                        var nudged = parameters, model = net
                        nudged[name]!.withUnsafeMutableBufferPointer { $0[i] += shift }
                        try model.loadParameters(nudged)
                        return model.loss(x, t, isTraining: true)
                    }
                    return try (loss(step) - loss(-step)) / (2 * step)
                }
            }
            let comparison = GradientComparison(name: name, numerical: try centralDifferences(step: 1e-4),
                                                backprop: sample.map { gradient.scalars[$0] },
                                                finerStep: try centralDifferences(step: 1e-6))
            #expect(comparison.relativeDifference <= 1e-6, "\(comparison)")
            kinks += comparison.kinks ?? 0
        }
        #expect(kinks < 20, "\(kinks) of about 2,400 sampled elements straddle a kink")
    }
}
