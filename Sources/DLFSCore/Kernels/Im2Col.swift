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

    /// OH = (H + 2·pad − FH) / stride + 1, the rows of window positions.
    public var outputHeight: Int { (height + 2 * pad - windowHeight) / stride + 1 }
    /// OW = (W + 2·pad − FW) / stride + 1, the columns of window positions.
    public var outputWidth: Int { (width + 2 * pad - windowWidth) / stride + 1 }
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
    let paddedHeight = g.height + 2 * g.pad + g.stride - 1, paddedWidth = g.width + 2 * g.pad + g.stride - 1
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
/// the input row (stride 1), so the copy is a handful of `memcpy`s, and W (FN, C·FH·FW) · colᵀ is one GEMM
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

/// Writes colᵀ (C·FH·FW, N·OH·OW) of x (N, C, H, W) into `col`. The (c, n) planes are shared among the
/// threads: each reads its plane once, while it is in L1, and writes FH·FW runs of OH·OW values.
@_specialize(where S == Float)
@_specialize(where S == Double)
public func im2colTransposed<S: TensorScalar>(_ x: UnsafePointer<S>, batch n: Int, _ g: WindowGeometry,
                                              into col: UnsafeMutablePointer<S>, threads: Int = ComputeThreads.count) {
    forEachWindowRun(n, g, threads: threads) { plane, run, fy, fx in
        copyWindowRows(x + plane, g, fy: fy, fx: fx, into: col + run)
    }
}

/// Writes dx (N, C, H, W) from colᵀ (C·FH·FW, N·OH·OW): each (n, c) plane gathers its FH·FW rows' runs,
/// so threads write disjoint planes.
@_specialize(where S == Float)
@_specialize(where S == Double)
public func col2imTransposed<S: TensorScalar>(_ col: UnsafePointer<S>, batch n: Int, _ g: WindowGeometry,
                                              into dx: UnsafeMutablePointer<S>, threads: Int = ComputeThreads.count) {
    forEachWindowRun(n, g, threads: threads, startingPlane: { (dx + $0).update(repeating: 0, count: g.planeSize) }) {
        plane, run, fy, fx in addWindowRows(col + run, g, fy: fy, fx: fx, into: dx + plane)
    }
}

/// out[oy·OW + ox] = plane[oy·s + fy − pad, ox·s + fx − pad], or 0 outside the plane.
@inline(__always)
private func copyWindowRows<S: TensorScalar>(
    _ plane: UnsafePointer<S>, _ g: WindowGeometry, fy: Int, fx: Int, into out: UnsafeMutablePointer<S>
) {
    let (ow, columns, rows) = (g.outputWidth, g.validColumns(fx), g.validRows(fy))
    if g.stride == 1 && ow == g.width {
        // Output rows as wide as input rows: the whole block is the plane shifted by one offset, a single
        // copy, after which the columns that wrapped around from the neighbouring row are zeroed.
        let shift = (fy - g.pad) * g.width + fx - g.pad
        let (first, end) = (rows.lowerBound * ow, rows.upperBound * ow)
        let (lo, hi) = (Swift.max(first, -shift), Swift.min(end, g.planeSize - shift))
        out.update(repeating: 0, count: first)
        (out + end).update(repeating: 0, count: g.positions - end)
        if hi > lo { (out + lo).update(from: plane + lo + shift, count: hi - lo) }
        for oy in rows {
            let row = out + oy * ow
            for ox in 0..<columns.lowerBound { row[ox] = 0 }
            for ox in columns.upperBound..<ow { row[ox] = 0 }
        }
        return
    }
    out.update(repeating: 0, count: rows.lowerBound * ow)
    (out + rows.upperBound * ow).update(repeating: 0, count: (g.outputHeight - rows.upperBound) * ow)
    for oy in rows {
        let target = out + oy * ow, source = plane + (oy * g.stride + fy - g.pad) * g.width + fx - g.pad
        for ox in 0..<columns.lowerBound { target[ox] = 0 }
        if g.stride == 1 {
            for ox in columns { target[ox] = source[ox] }
        } else {
            for ox in columns { target[ox] = source[ox * g.stride] }
        }
        for ox in columns.upperBound..<ow { target[ox] = 0 }
    }
}

/// plane[oy·s + fy − pad, ox·s + fx − pad] += run[oy·OW + ox] wherever that lies inside the plane.
@inline(__always)
private func addWindowRows<S: TensorScalar>(
    _ run: UnsafePointer<S>, _ g: WindowGeometry, fy: Int, fx: Int, into plane: UnsafeMutablePointer<S>
) {
    let columns = g.validColumns(fx)
    for oy in g.validRows(fy) {
        let target = plane + (oy * g.stride + fy - g.pad) * g.width + fx - g.pad, source = run + oy * g.outputWidth
        if g.stride == 1 {
            for ox in columns { target[ox] += source[ox] }
        } else {
            for ox in columns { target[ox * g.stride] += source[ox] }
        }
    }
}

extension WindowGeometry {
    /// The output columns ox whose input column ox·s + fx − pad lies in 0..<W.
    @inline(__always)
    func validColumns(_ fx: Int) -> Range<Int> { Self.valid(offset: fx, size: width, outputs: outputWidth, stride: stride, pad: pad) }

    /// The output rows oy whose input row oy·s + fy − pad lies in 0..<H.
    @inline(__always)
    func validRows(_ fy: Int) -> Range<Int> { Self.valid(offset: fy, size: height, outputs: outputHeight, stride: stride, pad: pad) }

    /// The o in 0..<outputs with 0 ≤ o·s + offset − pad < size (rounding up, as integer division of a
    /// negative numerator rounds toward zero, which the clamping to 0 covers).
    @inline(__always)
    static func valid(offset: Int, size: Int, outputs: Int, stride: Int, pad: Int) -> Range<Int> {
        let first = Swift.min(outputs, Swift.max(0, (pad - offset + stride - 1) / stride))
        let end = Swift.min(outputs, Swift.max(first, (size + pad - offset + stride - 1) / stride))
        return first..<end
    }
}

/// The walk that im2col and col2im share: for each (n, c) plane of the images, `startingPlane(plane)`, then
/// `body(plane, run, fy, fx)` for each window offset (fy, fx), where `plane` is the offset of that plane in
/// (N, C, H, W) and `run` the offset in colᵀ of row (c, fy, fx)'s OH·OW values for image n. The planes are
/// split into contiguous shares among the threads when there is enough work to pay for waking them.
@inline(__always)
private func forEachWindowRun(
    _ n: Int, _ g: WindowGeometry, threads: Int, startingPlane: (_ plane: Int) -> Void = { _ in },
    _ body: (_ plane: Int, _ run: Int, _ fy: Int, _ fx: Int) -> Void
) {
    let (planes, columns) = (n * g.channels, n * g.positions)
    let work = planes * g.positions * g.windowHeight * g.windowWidth
    let parts = work < 65_536 ? 1 : Swift.max(1, Swift.min(threads, planes))
    let share = (planes + parts - 1) / parts
    parallelFor(parts) { part in
        for p in (part * share)..<Swift.min(planes, (part + 1) * share) {
            let (image, c, plane) = (p / g.channels, p % g.channels, p * g.planeSize)
            startingPlane(plane)
            for fy in 0..<g.windowHeight {
                for fx in 0..<g.windowWidth {
                    let row = (c * g.windowHeight + fy) * g.windowWidth + fx
                    body(plane, row * columns + image * g.positions, fy, fx)
                }
            }
        }
    }
}
