import DLFSCore
import Testing

/// im2col and col2im: the book's, as `im2colReference` and `col2imReference` write them, against its NumPy
/// values; the fast transposed pair against those, bit for bit, on one thread and two.
@Suite("im2col and col2im")
struct Im2ColTests {
    /// ((i·a + c) mod m − offset) / divisor for i in 0..<count: multiples of 1/4, exact in any order of sums.
    static func sequence(_ shape: [Int], _ a: Int, _ c: Int, _ m: Int, _ offset: Int, _ divisor: Double) -> Tensor<Double> {
        Tensor(shape: shape, scalars: (0..<shape.reduce(1, *)).map { Double((($0 * a + c) % m) - offset) / divisor })
    }

    static func expectClose(_ a: Tensor<Double>, _ b: [Double], _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(a.scalars == b, "\(what)", sourceLocation: sourceLocation)
    }

    @Test("Window geometry: OH = (H + 2·pad − FH) / stride + 1, as the book's")
    func geometry() {
        let g = WindowGeometry(channels: 3, height: 28, width: 27, windowHeight: 5, windowWidth: 4, stride: 2, pad: 1)
        #expect(g.outputHeight == 13 && g.outputWidth == 13 && g.positions == 169 && g.patchSize == 60 && g.planeSize == 756)
        #expect(WindowGeometry(input: [7, 16, 14, 14], windowHeight: 3, windowWidth: 3, pad: 2).outputHeight == 16)
    }

    @Test("The book's im2col and col2im, as written here, give the book's values")
    func referenceIm2Col() {
        let g = WindowGeometry(channels: 2, height: 3, width: 4, windowHeight: 2, windowWidth: 3, stride: 2, pad: 1)
        let col = im2colReference(Self.sequence([1, 2, 3, 4], 7, 3, 11, 5, 4), g)
        #expect(col.shape == [g.positions, g.patchSize])
        Self.expectClose(col, Self.im2col, "im2col")
        Self.expectClose(col2imReference(Self.sequence(col.shape, 3, 1, 7, 3, 2), batch: 1, g), Self.col2im, "col2im")
    }

    @Test("The fast im2col and col2im agree with the book's, on one thread and several, in Double and Float",
          arguments: [(2, 3, 5, 6, 3, 2, 1, 0), (1, 2, 7, 5, 3, 3, 2, 1), (8, 4, 24, 24, 3, 3, 1, 1), (3, 2, 9, 11, 4, 3, 3, 2),
                      (6, 5, 17, 15, 5, 5, 2, 2), (2, 1, 6, 6, 2, 2, 2, 0), (2, 2, 10, 10, 5, 5, 1, 2), (2, 3, 3, 3, 7, 7, 1, 3),
                      (2, 2, 8, 9, 3, 2, 1, 2), (2, 3, 8, 8, 3, 3, 1, 1), (1, 2, 14, 14, 3, 3, 1, 2), (2, 1, 20, 19, 2, 3, 1, 0),
                      (1, 2, 5, 35, 3, 3, 1, 0)])
    func fastIm2Col(_ sizes: (Int, Int, Int, Int, Int, Int, Int, Int)) {
        Self.fastIm2Col(sizes, Double.self)
        Self.fastIm2Col(sizes, Float.self)
    }

    /// The shapes' runs (input rows and output rows, 3 to 35 values) fall short of, on and between multiples
    /// of the lanes of a half vector and a vector (4 and 8 for Double, 8 and 16 for Float), so every way of
    /// copying and adding is taken.
    static func fastIm2Col<S: TensorScalar>(_ sizes: (Int, Int, Int, Int, Int, Int, Int, Int), _: S.Type) {
        let (n, c, h, w, fh, fw, stride, pad) = sizes
        let g = WindowGeometry(channels: c, height: h, width: w, windowHeight: fh, windowWidth: fw, stride: stride, pad: pad)
        var rng = SeededGenerator(seed: UInt64(n * 1000 + h))
        let x = Tensor<S>.randomUniform([n, c, h, w], in: -1..<1, using: &rng)
        let colT = Tensor<S>.randomUniform([g.patchSize, n * g.positions], in: -1..<1, using: &rng)
        let expectedCol = im2colReference(x, g).transposed()
        let expectedImage = col2imReference(colT.transposed(), batch: n, g)
        for threads in [1, 2] {
            ComputeThreads.withLimit(threads) {
                #expect(im2colTransposed(x, g) == expectedCol, "\(S.self), \(g), \(threads) threads")
                let image = col2imTransposed(colT, batch: n, g)
                // Sums of the same terms in the same order: exact.
                #expect(image == expectedImage, "\(S.self), \(g), \(threads) threads")
            }
        }
    }

    /// (C, H, W, FH, FW, pad) of images whose windows are read in place: windows narrower, as wide as and wider
    /// than the pad.
    static let inPlaceWindows = [(2, 5, 7, 3, 3, 1), (3, 4, 9, 2, 4, 0), (1, 6, 5, 5, 5, 2), (2, 7, 20, 3, 3, 1)]

    @Test("A padded image laid out flat holds colᵀ on the padded width at its row offsets; compact cuts the product back",
          arguments: inPlaceWindows)
    func paddedImageLayout(_ sizes: (Int, Int, Int, Int, Int, Int)) {
        let (c, h, w, fh, fw, pad) = sizes
        let g = WindowGeometry(channels: c, height: h, width: w, windowHeight: fh, windowWidth: fw, pad: pad)
        var rng = SeededGenerator(seed: UInt64(c * 100 + w + 1))
        let x = Tensor<Float>.randomUniform([1, c, h, w], in: -1..<1, using: &rng)
        let colT = im2colTransposed(x, g)
        let layout = PaddedImageLayout(g, of: Float.self)
        var image = [Float](repeating: 0, count: layout.count)
        x.withUnsafeBufferPointer { x in image.withUnsafeMutableBufferPointer { layout.copyPixels(x.baseAddress!, into: $0.baseAddress!) } }
        #expect(layout.rowOffsets.count == g.patchSize && layout.paddedPositions == g.outputHeight * g.paddedWidth)
        for row in 0..<g.patchSize {
            let onPaddedWidth = (0..<g.outputHeight).flatMap { oy in
                (0..<g.outputWidth).map { ox in image[layout.rowOffsets[row] + oy * g.paddedWidth + ox] }
            }
            #expect(onPaddedWidth == Array(colT.scalars[row * g.positions..<(row + 1) * g.positions]), "\(g), row \(row)")
        }
        // Three rows of a product on the padded width, back to OH·OW with a bias, and without.
        let wide = (0..<3 * layout.paddedPositions).map { Float($0) }, bias: [Float] = [0.5, -1, 2]
        for withBias in [true, false] {
            var out = [Float](repeating: .nan, count: 3 * g.positions)
            wide.withUnsafeBufferPointer { wide in
                bias.withUnsafeBufferPointer { bias in
                    out.withUnsafeMutableBufferPointer {
                        layout.compact(wide.baseAddress!, rows: 3, bias: withBias ? bias.baseAddress! : nil, into: $0.baseAddress!)
                    }
                }
            }
            let expected = (0..<3 * g.positions).map { i in
                let (row, oy, ox) = (i / g.positions, i % g.positions / g.outputWidth, i % g.outputWidth)
                return wide[(row * g.outputHeight + oy) * g.paddedWidth + ox] + (withBias ? bias[row] : 0)
            }
            #expect(out == expected, "\(g), bias \(withBias)")
        }
    }

    @Test("Shifted planes hold colᵀ on the padded width: row (c, fy, fx) is plane (fx, c) from fy·Wp on",
          arguments: inPlaceWindows)
    func shiftedPlanes(_ sizes: (Int, Int, Int, Int, Int, Int)) {
        let (c, h, w, fh, fw, pad) = sizes
        let g = WindowGeometry(channels: c, height: h, width: w, windowHeight: fh, windowWidth: fw, pad: pad)
        var rng = SeededGenerator(seed: UInt64(c * 100 + w))
        let x = Tensor<Float>.randomUniform([1, c, h, w], in: -1..<1, using: &rng)
        let colT = im2colTransposed(x, g)
        let planeCount = g.paddedHeight * g.paddedWidth
        var planes = [Float](repeating: 0, count: shiftedPlaneCount(g))
        x.withUnsafeBufferPointer { x in
            planes.withUnsafeMutableBufferPointer { DLFSCore.shiftedPlanes(x.baseAddress!, g, into: $0.baseAddress!) }
        }
        for channel in 0..<c {
            for fy in 0..<fh {
                for fx in 0..<fw {
                    let row = (channel * fh + fy) * fw + fx, start = (fx * c + channel) * planeCount + fy * g.paddedWidth
                    let onPaddedWidth = (0..<g.outputHeight).flatMap { oy in
                        (0..<g.outputWidth).map { ox in planes[start + oy * g.paddedWidth + ox] }
                    }
                    #expect(onPaddedWidth == Array(colT.scalars[row * g.positions..<(row + 1) * g.positions]), "\(g), row \(row)")
                }
            }
        }
        // Each plane's shift leaves its last fx values, past the padded image, zero.
        for fx in 0..<fw { for channel in 0..<c { #expect(planes[((fx * c + channel) + 1) * planeCount - fx..<((fx * c + channel) + 1) * planeCount].allSatisfy { $0 == 0 }) } }
    }

    /// (rows, OH, OW, pad): whole vectors of rows and output rows of a vector or more (blocks transposed in registers,
    /// the last overlapping), and the rest (one value at a time).
    @Test("dout onto the padded width, transposed: (rows, OH·OW) → (OH·Wp, rows), the positions past OW untouched",
          arguments: [(16, 3, 16, 1), (32, 2, 21, 1), (48, 4, 40, 2), (16, 3, 7, 1), (5, 4, 18, 1)])
    func transposeOntoPaddedWidth(_ sizes: (Int, Int, Int, Int)) {
        let (rows, oh, ow, pad) = sizes
        let g = WindowGeometry(channels: 1, height: oh, width: ow, windowHeight: 2 * pad + 1, windowWidth: 2 * pad + 1, pad: pad)
        var rng = SeededGenerator(seed: UInt64(rows * 10 + ow))
        let dout = Tensor<Float>.randomUniform([rows, oh * ow], in: -1..<1, using: &rng)
        let width = g.paddedWidth
        var doutT = [Float](repeating: .nan, count: oh * width * rows)
        dout.withUnsafeBufferPointer { d in
            doutT.withUnsafeMutableBufferPointer { DLFSCore.transposeOntoPaddedWidth(d.baseAddress!, rows: rows, g, into: $0.baseAddress!) }
        }
        for oy in 0..<oh {
            for ox in 0..<width {
                for row in 0..<rows {
                    let value = doutT[(oy * width + ox) * rows + row]
                    if ox < ow {
                        #expect(value == dout[row, oy * ow + ox], "\(sizes) at (\(oy), \(ox), \(row))")
                    } else {
                        #expect(value.isNaN, "\(sizes): position (\(oy), \(ox)) past OW was written")
                    }
                }
            }
        }
    }

    /// The book's im2col of x (1, 2, 3, 4) = ((7i + 3) mod 11 − 5) / 4 for a 2×3 window, stride 2, pad 1: shape (4, 12).
    static let im2col: [Double] = [
        0.0, 0.0, 0.0, 0.0, -0.5, 1.25, 0.0, 0.0, 0.0, 0.0, 1.25, 0.25, 0.0, 0.0, 0.0, 1.25, 0.25, -0.75, 0.0, 0.0, 0.0,
        0.25, -0.75, 1.0, 0.0, 1.0, 0.0, 0.0, -0.25, -1.25, 0.0, 0.0, -1.0, 0.0, -1.25, 0.5, 0.0, -1.0, 0.75, -1.25,
        0.5, -0.5, -1.0, 0.75, -0.25, 0.5, -0.5, 1.25,
    ]

    /// The book's col2im of ((3i + 1) mod 7 − 3) / 2 in that col's shape, back to (1, 2, 3, 4).
    static let col2im: [Double] = [
        1.5, 0.0, -1.5, 0.0, 1.5, 0.0, -1.5, 0.0, -1.0, 2.0, -0.5, 1.0, 0.0, 0.5, 0.5, -1.5, 0.0, 0.5, 0.5, -1.5, 1.0,
        -1.0, 1.5, -0.5,
    ]
}
