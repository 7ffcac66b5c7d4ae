/// The sizes of a window sliding over images (N, C, H, W), as a convolution's filters or a pooling window
/// slide: window FH × FW, moved by `stride`, over the images with `pad` zeros on every side. It reaches
/// OH = (H + 2·pad − FH) / stride + 1 rows and OW = (W + 2·pad − FW) / stride + 1 columns of positions.
public struct WindowGeometry: Sendable, Equatable, CustomStringConvertible {
    /// C, the channels of each image.
    public let channels: Int
    /// H, the rows of each image before padding.
    public let height: Int
    /// W, the columns of each image before padding.
    public let width: Int
    /// FH, the window's rows.
    public let windowHeight: Int
    /// FW, the window's columns.
    public let windowWidth: Int
    /// The step between window positions, in pixels, both down and across.
    public let stride: Int
    /// The zeros added on every side of each image.
    public let pad: Int

    /// The geometry from its sizes; traps on a size that is not positive, a stride below 1, a negative pad
    /// or a window larger than the padded image.
    public init(channels: Int, height: Int, width: Int, windowHeight: Int, windowWidth: Int, stride: Int = 1, pad: Int = 0) {
        precondition(channels > 0 && height > 0 && width > 0 && windowHeight > 0 && windowWidth > 0,
                     "window geometry: sizes must be positive, got images \(channels)×\(height)×\(width), window \(windowHeight)×\(windowWidth)")
        precondition(stride > 0 && pad >= 0, "window geometry: stride \(stride) must be ≥ 1 and pad \(pad) ≥ 0")
        precondition(windowHeight <= height + 2 * pad && windowWidth <= width + 2 * pad,
                     "window geometry: a \(windowHeight)×\(windowWidth) window does not fit \(height)×\(width) images padded by \(pad)")
        self.channels = channels; self.height = height; self.width = width
        self.windowHeight = windowHeight; self.windowWidth = windowWidth
        self.stride = stride; self.pad = pad
    }

    /// The geometry of a window over x (N, C, H, W).
    public init(input shape: [Int], windowHeight: Int, windowWidth: Int, stride: Int = 1, pad: Int = 0) {
        precondition(shape.count == 4, "expected images (N, C, H, W), got shape \(shape)")
        self.init(channels: shape[1], height: shape[2], width: shape[3], windowHeight: windowHeight,
                  windowWidth: windowWidth, stride: stride, pad: pad)
    }

    /// H + 2·pad, the rows of an image with its border of zeros.
    public var paddedHeight: Int { height + 2 * pad }
    /// W + 2·pad, the columns of an image with its border of zeros.
    public var paddedWidth: Int { width + 2 * pad }
    /// OH = (H + 2·pad − FH) / stride + 1, the rows of window positions.
    public var outputHeight: Int { (paddedHeight - windowHeight) / stride + 1 }
    /// OW = (W + 2·pad − FW) / stride + 1, the columns of window positions.
    public var outputWidth: Int { (paddedWidth - windowWidth) / stride + 1 }
    /// P = OH · OW window positions per image.
    public var positions: Int { outputHeight * outputWidth }
    /// C · FH · FW values under one window: a row of the book's col.
    public var patchSize: Int { channels * windowHeight * windowWidth }
    /// H · W values per channel of an image.
    public var planeSize: Int { height * width }

    public var description: String {
        "\(channels)×\(height)×\(width) images, \(windowHeight)×\(windowWidth) window, stride \(stride), pad \(pad)"
    }
}

// MARK: - The book's im2col and col2im, the readable reference

/// The book's `im2col`: x (N, C, H, W) → col (N·OH·OW, C·FH·FW), one row per window position (n, oy, ox)
/// holding the window's values in (c, fy, fx) order, zeros where it hangs over the padding. A convolution is
/// then one product col · W.reshape(FN, −1)ᵀ.
public func im2colReference<S: TensorScalar>(_ x: Tensor<S>, _ g: WindowGeometry) -> Tensor<S> {
    let n = x.shape[0]
    precondition(x.shape == [n, g.channels, g.height, g.width], "im2col: input \(x.shape) for \(g)")
    let img = x.zeroPadded(g.pad)
    // col6[n, c, fy, fx, oy, ox] = img[n, c, fy + stride·oy, fx + stride·ox]: the book's strided slices.
    var col6 = Tensor<S>.zeros([n, g.channels, g.windowHeight, g.windowWidth, g.outputHeight, g.outputWidth])
    forEachWindowTap(n, g) { i, c, fy, fx, oy, ox in
        col6[i, c, fy, fx, oy, ox] = img[i, c, fy + g.stride * oy, fx + g.stride * ox]
    }
    return col6.transposed(axes: [0, 4, 5, 1, 2, 3]).reshaped([n * g.positions, g.patchSize])
}

/// The book's `col2im`, im2col's adjoint: col (N·OH·OW, C·FH·FW) → (N, C, H, W), each value added back to
/// the input element it was copied from (overlapping windows sum); values over the padding are dropped.
public func col2imReference<S: TensorScalar>(_ col: Tensor<S>, batch n: Int, _ g: WindowGeometry) -> Tensor<S> {
    precondition(col.shape == [n * g.positions, g.patchSize], "col2im: col \(col.shape) for \(n) images of \(g)")
    let col6 = col.reshaped([n, g.outputHeight, g.outputWidth, g.channels, g.windowHeight, g.windowWidth])
        .transposed(axes: [0, 3, 4, 5, 1, 2])
    // The book's padded canvas has stride − 1 spare rows and columns, which no window reaches.
    let paddedHeight = g.paddedHeight + g.stride - 1, paddedWidth = g.paddedWidth + g.stride - 1
    var img = Tensor<S>.zeros([n, g.channels, paddedHeight, paddedWidth])
    forEachWindowTap(n, g) { i, c, fy, fx, oy, ox in
        img[i, c, fy + g.stride * oy, fx + g.stride * ox] += col6[i, c, fy, fx, oy, ox]
    }
    var dx = Tensor<S>.zeros([n, g.channels, g.height, g.width])
    for i in 0..<n {
        for c in 0..<g.channels {
            for y in 0..<g.height {
                for x in 0..<g.width { dx[i, c, y, x] = img[i, c, y + g.pad, x + g.pad] }
            }
        }
    }
    return dx
}

/// The six loops of the book's im2col and col2im: `body(i, c, fy, fx, oy, ox)` for each image i, channel c,
/// window offset (fy, fx) and window position (oy, ox), which meet at input pixel (fy + s·oy, fx + s·ox).
private func forEachWindowTap(_ n: Int, _ g: WindowGeometry, _ body: (Int, Int, Int, Int, Int, Int) -> Void) {
    for i in 0..<n {
        for c in 0..<g.channels {
            for fy in 0..<g.windowHeight {
                for fx in 0..<g.windowWidth {
                    for oy in 0..<g.outputHeight {
                        for ox in 0..<g.outputWidth { body(i, c, fy, fx, oy, ox) }
                    }
                }
            }
        }
    }
}

// MARK: - The fast pair: colᵀ (C·FH·FW, N·OH·OW)

/// im2col transposed: x (N, C, H, W) → colᵀ (C·FH·FW, N·OH·OW), row (c, fy, fx), column (n, oy, ox); the
/// transpose of `im2colReference`. In this layout a row's values for one output row oy are one run of
/// the input row (stride 1), so the copy is a run of vector moves, and W (FN, C·FH·FW) · colᵀ is one GEMM
/// whose rows are the filters.
public func im2colTransposed<S: TensorScalar>(_ x: Tensor<S>, _ g: WindowGeometry) -> Tensor<S> {
    let n = x.shape[0]
    precondition(x.shape == [n, g.channels, g.height, g.width], "im2col: input \(x.shape) for \(g)")
    return x.withUnsafeBufferPointer { x in
        Tensor(shape: [g.patchSize, n * g.positions]) { col in
            im2colTransposed(x.baseAddress!, batch: n, g, into: col.baseAddress!)
        }
    }
}

/// col2im from the transposed layout: colᵀ (C·FH·FW, N·OH·OW) → dx (N, C, H, W), as `col2imReference`
/// of the transpose.
public func col2imTransposed<S: TensorScalar>(_ col: Tensor<S>, batch n: Int, _ g: WindowGeometry) -> Tensor<S> {
    precondition(col.shape == [g.patchSize, n * g.positions], "col2im: colᵀ \(col.shape) for \(n) images of \(g)")
    return col.withUnsafeBufferPointer { col in
        Tensor(shape: [n, g.channels, g.height, g.width]) { dx in
            col2imTransposed(col.baseAddress!, batch: n, g, into: dx.baseAddress!)
        }
    }
}

/// Writes colᵀ (C·FH·FW, N·OH·OW) of x (N, C, H, W) into `col`. Each (n, c) plane is first copied into the
/// middle of a canvas with `pad` zeros around it; every window offset (fy, fx) is then OH runs of OW values
/// read straight from the canvas, with no test for the border. With stride 1, window row fy > 0 reads the
/// canvas rows that window row 0 read fy output rows further on, so all but its last fy runs are one copy of
/// row (c, 0, fx)'s values: a long move in place of many short ones, each of which cost more than its bytes.
@_specialize(where S == Float)
@_specialize(where S == Double)
public func im2colTransposed<S: TensorScalar>(_ x: UnsafePointer<S>, batch n: Int, _ g: WindowGeometry,
                                              into col: UnsafeMutablePointer<S>, threads: Int = ComputeThreads.count) {
    let columns = n * g.positions
    forEachPlane(n, g, threads: threads) { (plane: Int, canvas: UnsafeMutablePointer<S>) in
        let (input, canvasWidth) = (x + plane * g.planeSize, g.paddedWidth)
        for y in 0..<g.height {
            copyRun(input + y * g.width, into: canvas + (y + g.pad) * canvasWidth + g.pad, count: g.width)
        }
        let (height, width, stride) = (g.outputHeight, g.outputWidth, g.stride)
        forEachWindowRun(plane, columns, g, canvas) { (run: Int, tap: UnsafeMutablePointer<S>, fy: Int) in
            // The pointers step by wrapping adds, so that no overflow check sits beside each run of a few dozen
            // values: this loop is most of an im2col.
            var (source, target, rows) = (UnsafePointer(tap), col + run, height)
            if stride == 1 && fy > 0 && fy < height {
                let shared = (height - fy) * width, firstRow = col + run - fy * g.windowWidth * columns
                copyRun(firstRow + fy * width, into: target, count: shared)
                source = source.advanced(by: (height - fy) &* canvasWidth)
                target = target.advanced(by: shared)
                rows = fy
            }
            let step = stride &* canvasWidth
            for _ in 0..<rows {
                if stride == 1 {
                    copyRun(source, into: target, count: width)
                } else {
                    for ox in 0..<width { target[ox] = source[ox &* stride] }
                }
                source = source.advanced(by: step)
                target = target.advanced(by: width)
            }
        }
    }
}

/// Writes dx (N, C, H, W) from colᵀ (C·FH·FW, N·OH·OW): each (n, c) plane's runs are added onto a zeroed
/// canvas in (fy, fx) order, the book's order of sums, and the canvas without its border is the plane of dx.
@_specialize(where S == Float)
@_specialize(where S == Double)
public func col2imTransposed<S: TensorScalar>(_ col: UnsafePointer<S>, batch n: Int, _ g: WindowGeometry,
                                              into dx: UnsafeMutablePointer<S>, threads: Int = ComputeThreads.count) {
    forEachPlane(n, g, threads: threads) { (plane: Int, canvas: UnsafeMutablePointer<S>) in
        let canvasWidth = g.paddedWidth
        canvas.update(repeating: 0, count: g.paddedHeight * canvasWidth)
        forEachWindowRun(plane, n * g.positions, g, canvas) { (run: Int, tap: UnsafeMutablePointer<S>, _) in
            for oy in 0..<g.outputHeight {
                let source = col + run + oy * g.outputWidth, target = tap + oy * g.stride * canvasWidth
                if g.stride == 1 {
                    addRun(source, into: target, count: g.outputWidth)
                } else {
                    for ox in 0..<g.outputWidth { target[ox * g.stride] += source[ox] }
                }
            }
        }
        let output = dx + plane * g.planeSize
        for y in 0..<g.height {
            copyRun(canvas + (y + g.pad) * canvasWidth + g.pad, into: output + y * g.width, count: g.width)
        }
    }
}

// MARK: - colᵀ on the padded width, read in place

/// One image padded and laid out flat, so that a product reads its windows where they are instead of through
/// im2col (stride 1): C planes of Hp × Wp, then room for a vector read past the last. Counting window positions
/// on the padded width, p′ = oy·Wp + ox for ox < Wp (those with ox ≥ OW are not windows of the image, and their
/// results are dropped), row (c, fy, fx) of colᵀ is the image's values from `rowOffsets[(c·FH + fy)·FW + fx]`
/// = c·Hp·Wp + fy·Wp + fx on: the B of `gemm(…, bDepthOffsets:)`, whose output (rows, OH·Wp) `compact` then
/// cuts down to (rows, OH·OW). The price is the multiply-adds of the (Wp − OW)·OH positions past OW.
package struct PaddedImageLayout: Sendable {
    package let geometry: WindowGeometry
    /// Hp·Wp, one padded plane.
    package let planeCount: Int
    /// Values of a padded image: C planes and a vector and a window's width of slack.
    package let count: Int
    /// Where each row (c, fy, fx) of colᵀ starts.
    package let rowOffsets: [Int]

    package init<S: TensorScalar>(_ g: WindowGeometry, of _: S.Type) {
        precondition(g.stride == 1, "padded image layout: stride \(g.stride), only stride 1 reads its windows in place")
        geometry = g
        planeCount = g.paddedHeight * g.paddedWidth
        count = g.channels * planeCount + g.windowWidth + S.Vector.scalarCount
        var offsets: [Int] = []
        offsets.reserveCapacity(g.patchSize)
        for c in 0..<g.channels {
            for fy in 0..<g.windowHeight {
                for fx in 0..<g.windowWidth { offsets.append(c * planeCount + fy * g.paddedWidth + fx) }
            }
        }
        rowOffsets = offsets
    }

    /// OH·Wp, the window positions on the padded width: the columns of the product.
    package var paddedPositions: Int { geometry.outputHeight * geometry.paddedWidth }

    /// Copies image x (C, H, W) into the middle of its padded planes at `image`, whose border (and slack) must
    /// be zero: it is never written, so a buffer zeroed once serves image after image.
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    package func copyPixels<S: TensorScalar>(_ x: UnsafePointer<S>, into image: UnsafeMutablePointer<S>) {
        let g = geometry
        for c in 0..<g.channels {
            for y in 0..<g.height {
                copyRun(x + (c * g.height + y) * g.width, into: image + c * planeCount + (y + g.pad) * g.paddedWidth + g.pad,
                        count: g.width)
            }
        }
    }

    /// out (rows, OH·OW) = the first OW of every Wp values of `wide` (rows, OH·Wp), plus `bias[row]` if given.
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    package func compact<S: TensorScalar>(_ wide: UnsafePointer<S>, rows: Int, bias: UnsafePointer<S>?,
                                         into out: UnsafeMutablePointer<S>) {
        let (height, width, paddedWidth) = (geometry.outputHeight, geometry.outputWidth, geometry.paddedWidth)
        for row in 0..<rows {
            for oy in 0..<height {
                let from = wide + (row * height + oy) * paddedWidth, to = out + (row * height + oy) * width
                if let bias {
                    let shift = bias[row]
                    for ox in 0..<width { to[ox] = from[ox] + shift }
                } else {
                    copyRun(from, into: to, count: width)
                }
            }
        }
    }
}

// MARK: - Shifted planes: colᵀ on the padded width, read in place

/// How many values `shiftedPlanes` writes into: FW·C planes of (H + 2·pad) × (W + 2·pad).
package func shiftedPlaneCount(_ g: WindowGeometry) -> Int {
    g.windowWidth * g.channels * g.paddedHeight * g.paddedWidth
}

/// One image's windows laid out for a product that reads them in place instead of through im2col (stride 1):
/// plane (fx, c), Hp × Wp values at `planes` + (fx·C + c)·Hp·Wp, is channel c padded by `pad` and shifted left
/// by fx. Counting window positions on the padded width, p′ = oy·Wp + ox for ox < Wp (those with ox ≥ OW are
/// not windows of the image), row (c, fy, fx) of colᵀ is then plane (fx, c) from value fy·Wp on; for each fy the
/// FW·C rows (fx, c) are one plane apart, a matrix with the plane as its leading dimension. A product over p′
/// must give the positions past OW a weight of zero. Writes only the image's pixels: the rest of `planes`
/// must be zero, and a buffer zeroed once serves image after image of one geometry.
@_specialize(where S == Float)
@_specialize(where S == Double)
package func shiftedPlanes<S: TensorScalar>(_ x: UnsafePointer<S>, _ g: WindowGeometry, into planes: UnsafeMutablePointer<S>) {
    precondition(g.stride == 1, "shifted planes: stride \(g.stride), only stride 1 reads its windows in place")
    let (width, canvasWidth, planeCount) = (g.width, g.paddedWidth, g.paddedHeight * g.paddedWidth)
    for c in 0..<g.channels {
        let plane = planes + c * planeCount, input = x + c * g.planeSize
        for y in 0..<g.height {
            copyRun(input + y * width, into: plane + (y + g.pad) * canvasWidth + g.pad, count: width)
        }
    }
    // The shifted planes as one long copy each (the padded plane's zeros included), where copying the pixels
    // again would be H short runs; a shift's last fx values stay zero.
    for fx in 1..<g.windowWidth {
        for c in 0..<g.channels {
            (planes + (fx * g.channels + c) * planeCount).update(from: planes + c * planeCount + fx, count: planeCount - fx)
        }
    }
}

/// dout (rows, OH·OW) → doutᵀ (OH·Wp, rows): the transpose, with its positions on the padded width of
/// `shiftedPlanes` (p′ = oy·Wp + ox); the rows at ox ≥ OW are not written. In NR × NR blocks transposed in
/// registers when the rows come in whole vectors and an output row holds a vector (its last block overlaps the
/// one before it), else one value at a time.
@_specialize(where S == Float)
@_specialize(where S == Double)
package func transposeOntoPaddedWidth<S: TensorScalar>(_ dout: UnsafePointer<S>, rows: Int, _ g: WindowGeometry,
                                                      into doutT: UnsafeMutablePointer<S>) {
    let (width, canvasWidth, positions, nr) = (g.outputWidth, g.paddedWidth, g.positions, S.Vector.scalarCount)
    guard rows % nr == 0 && width >= nr else {
        for row in 0..<rows {
            for oy in 0..<g.outputHeight {
                let from = dout + row * positions + oy * width, to = doutT + oy * canvasWidth * rows + row
                for ox in 0..<width { to[ox * rows] = from[ox] }
            }
        }
        return
    }
    PackBuffers.with { buffers in
        let scratch = buffers.transposeScratch.assumingMemoryBound(to: S.Vector.self)
        for oy in 0..<g.outputHeight {
            for x0 in stride(from: 0, to: width, by: nr) {
                let x = Swift.min(x0, width - nr)
                for block in stride(from: 0, to: rows, by: nr) {
                    transposeBlock(dout + block * positions + oy * width + x, ldb: positions,
                                   into: doutT + (oy * canvasWidth + x) * rows + block, ldt: rows, scratch: scratch)
                }
            }
        }
    }
}

/// The (n, c) planes of the images, in contiguous shares among the threads when there is enough work to pay
/// for waking them: `body(plane, canvas)` for each, where `plane` = n·C + c and `canvas` is the thread's
/// (H + 2·pad) × (W + 2·pad) values, zero when first lent.
@inline(__always)
private func forEachPlane<S: TensorScalar>(
    _ n: Int, _ g: WindowGeometry, threads: Int, _ body: (_ plane: Int, _ canvas: UnsafeMutablePointer<S>) -> Void
) {
    let planes = n * g.channels
    let work = planes * g.positions * g.windowHeight * g.windowWidth
    let parts = work < 65_536 ? 1 : Swift.max(1, Swift.min(threads, planes))
    let share = (planes + parts - 1) / parts
    let canvasSize = g.paddedHeight * g.paddedWidth
    parallelFor(parts) { part in
        withUnsafeTemporaryAllocation(of: S.self, capacity: canvasSize) { canvas in
            let canvas = canvas.baseAddress!
            canvas.initialize(repeating: 0, count: canvasSize)
            for plane in (part * share)..<Swift.min(planes, (part + 1) * share) { body(plane, canvas) }
        }
    }
}

/// For each window offset (fy, fx) of plane n·C + c, fy outermost: `body(run, tap, fy)`, where `run` is the offset in colᵀ
/// (`columns` wide) of row (c, fy, fx)'s OH·OW values for image n, and `tap` the canvas at (fy, fx), where
/// the window at position (0, 0) reads it.
@inline(__always)
private func forEachWindowRun<S: TensorScalar>(
    _ plane: Int, _ columns: Int, _ g: WindowGeometry, _ canvas: UnsafeMutablePointer<S>,
    _ body: (_ run: Int, _ tap: UnsafeMutablePointer<S>, _ fy: Int) -> Void
) {
    let (image, c) = (plane / g.channels, plane % g.channels)
    for fy in 0..<g.windowHeight {
        for fx in 0..<g.windowWidth {
            let row = (c * g.windowHeight + fy) * g.windowWidth + fx
            body(row * columns + image * g.positions, canvas + fy * g.paddedWidth + fx, fy)
        }
    }
}

/// to[0..<count] = from[0..<count], in moves of one `Vector`, or one `HalfVector` for runs shorter than a
/// `Vector`: the runs are a few dozen values, too short for a call of `memcpy` to pay. A count that is not a
/// multiple ends with a move that overlaps the one before it, which copies some values twice and changes nothing.
@inline(__always)
private func copyRun<S: TensorScalar>(_ from: UnsafePointer<S>, into to: UnsafeMutablePointer<S>, count: Int) {
    if count >= S.Vector.scalarCount {
        copyRun(from, into: to, count: count, by: S.Vector.self)
    } else if count >= S.HalfVector.scalarCount {
        copyRun(from, into: to, count: count, by: S.HalfVector.self)
    } else {
        for i in 0..<count { to[i] = from[i] }
    }
}

/// `copyRun` in moves of V, count ≥ V's width.
@inline(__always)
private func copyRun<S: TensorScalar, V: SIMD>(_ from: UnsafePointer<S>, into to: UnsafeMutablePointer<S>, count: Int,
                                              by _: V.Type) where V.Scalar == S {
    let width = V.scalarCount, size = MemoryLayout<S>.stride
    let (source, target) = (UnsafeRawPointer(from), UnsafeMutableRawPointer(to))
    var offset = 0
    let last = (count &- width) &* size
    while offset < last {
        target.storeBytes(of: source.loadUnaligned(fromByteOffset: offset, as: V.self), toByteOffset: offset, as: V.self)
        offset &+= width &* size
    }
    target.storeBytes(of: source.loadUnaligned(fromByteOffset: last, as: V.self), toByteOffset: last, as: V.self)
}

/// to[i] += from[i] for i in 0..<count, a `HalfVector` at a time, the rest one by one.
@inline(__always)
private func addRun<S: TensorScalar>(_ from: UnsafePointer<S>, into to: UnsafeMutablePointer<S>, count: Int) {
    typealias V = S.HalfVector
    let width = V.scalarCount, size = MemoryLayout<S>.stride
    let (source, target) = (UnsafeRawPointer(from), UnsafeMutableRawPointer(to))
    var i = 0
    while i + width <= count {
        let sum = target.loadUnaligned(fromByteOffset: i * size, as: V.self) + source.loadUnaligned(fromByteOffset: i * size, as: V.self)
        target.storeBytes(of: sum, toByteOffset: i * size, as: V.self)
        i += width
    }
    for j in i..<count { to[j] += from[j] }
}
