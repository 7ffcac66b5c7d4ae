import DLFSCore

/// The book's `Pooling`, max pooling: out[n, c, oy, ox] is the largest value of x (N, C, H, W) in the
/// PH × PW window at (oy·s − pad, ox·s − pad), shape (N, C, OH, OW) with OH = (H + 2·pad − PH)/s + 1.
/// Padding counts as zeros, as the book's im2col makes it (the book's own OH omits the pad; it only uses
/// pad 0). Backward sends each dout to the window's first largest element (NumPy's argmax order, row by
/// row), summing where windows overlap, as the book's col2im does.
///
/// Computed directly on the planes rather than through im2col: a window is a few loads, and the argmax
/// index into the input plane is all backward needs.
public struct Pooling<Scalar: TensorScalar>: Layer {
    /// The window size.
    public let poolHeight: Int, poolWidth: Int
    /// The step between windows and the padding around each image.
    public let stride: Int, pad: Int
    /// For each output element of the last training forward, the flat index of its maximum in the input
    /// plane, or −1 when the maximum was a padding zero.
    private var argmax: [Int32] = []
    private var geometry: WindowGeometry?
    private var inputShape: [Int] = []

    /// The book's `Pooling(pool_h, pool_w, stride=2, pad=0)`.
    public init(poolHeight: Int, poolWidth: Int, stride: Int = 2, pad: Int = 0) {
        precondition(poolHeight > 0 && poolWidth > 0 && stride > 0 && pad >= 0,
                     "Pooling: window \(poolHeight)×\(poolWidth), stride \(stride), pad \(pad)")
        self.poolHeight = poolHeight; self.poolWidth = poolWidth; self.stride = stride; self.pad = pad
    }

    /// Where the window goes over images of `channels`×`height`×`width`.
    public func geometry(channels: Int, height: Int, width: Int) -> WindowGeometry {
        WindowGeometry(channels: channels, height: height, width: width, windowHeight: poolHeight,
                       windowWidth: poolWidth, stride: stride, pad: pad)
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public mutating func forward(_ x: consuming Tensor<Scalar>, isTraining: Bool) -> Tensor<Scalar> {
        precondition(x.rank == 4, "Pooling: input \(x.shape) is not (N, C, H, W)")
        let g = WindowGeometry(input: x.shape, windowHeight: poolHeight, windowWidth: poolWidth, stride: stride, pad: pad)
        let planes = x.shape[0] * g.channels
        precondition(g.planeSize <= Int(Int32.max), "Pooling: planes of \(g.planeSize) values are too large")
        var indices: [Int32] = []
        let out = x.withUnsafeBufferPointer { x in
            Tensor<Scalar>(shape: [planes, g.positions]) { out in
                guard isTraining else { return maxPool(x.baseAddress!, g, planes: planes, into: out.baseAddress!, argmax: nil) }
                // maxPool writes every index, so the array is not zeroed first.
                indices = [Int32](unsafeUninitializedCapacity: planes * g.positions) { indices, count in
                    maxPool(x.baseAddress!, g, planes: planes, into: out.baseAddress!, argmax: indices.baseAddress)
                    count = planes * g.positions
                }
            }
        }
        (argmax, geometry, inputShape) = isTraining ? (indices, g, x.shape) : ([], nil, [])
        return out.reshaped([x.shape[0], g.channels, g.outputHeight, g.outputWidth])
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public mutating func backward(_ dout: Tensor<Scalar>, needsInputGradient: Bool) -> Tensor<Scalar>? {
        guard let g = geometry else { preconditionFailure("Pooling.backward needs a training forward before it") }
        let n = inputShape[0]
        precondition(dout.shape == [n, g.channels, g.outputHeight, g.outputWidth],
                     "Pooling.backward: dout \(dout.shape) for output (\(n), \(g.channels), \(g.outputHeight), \(g.outputWidth))")
        guard needsInputGradient else { return nil }
        return dout.withUnsafeBufferPointer { d in
            argmax.withUnsafeBufferPointer { indices in
                Tensor(shape: inputShape) { dx in
                    scatterMax(d.baseAddress!, indices.baseAddress!, g, planes: n * g.channels, into: dx.baseAddress!)
                }
            }
        }
    }

    /// Forward over a batch of `n` images (`channels`, `height`, `width`) that the layer before makes one at a
    /// time (`Convolution.forward(_:isTraining:thenReLUAndPooling:)`), so that each is pooled while it is in
    /// cache and never written whole: `produce` gets `pool(i, image)`, to call once for every image, from any
    /// thread. The images are a ReLU's outputs, and the kept indices carry the ReLU's backward pass too: a
    /// window whose maximum is not positive passes no gradient (index −1), as ReLU's mask, taken at that
    /// maximum, would stop it.
    mutating func forward(images n: Int, channels: Int, height: Int, width: Int, isTraining: Bool,
                          produce: (_ pool: (_ image: Int, _ values: UnsafePointer<Scalar>) -> Void) -> Void) -> Tensor<Scalar> {
        let g = geometry(channels: channels, height: height, width: width)
        precondition(g.planeSize <= Int(Int32.max), "Pooling: planes of \(g.planeSize) values are too large")
        let perImage = channels * g.positions
        var indices: [Int32] = []
        let out = Tensor<Scalar>(shape: [n, channels, g.outputHeight, g.outputWidth]) { out in
            let out = out.baseAddress!
            func pool(_ i: Int, _ image: UnsafePointer<Scalar>, argmax: UnsafeMutablePointer<Int32>?) {
                let (pooled, argmax) = (out + i * perImage, argmax.map { $0 + i * perImage })
                for c in 0..<channels {
                    maxPoolPlane(image + c * g.planeSize, g, into: pooled + c * g.positions, argmax: argmax.map { $0 + c * g.positions })
                }
                guard let argmax else { return }
                // Every index stored, selected or not: a conditional store compiles to masked stores, slow on some CPUs.
                for k in 0..<perImage { argmax[k] = pooled[k] > 0 ? argmax[k] : -1 }
            }
            guard isTraining else { return produce { pool($0, $1, argmax: nil) } }
            // Every index is written as its image is pooled.
            indices = [Int32](unsafeUninitializedCapacity: n * perImage) { indices, count in
                produce { pool($0, $1, argmax: indices.baseAddress!) }
                count = n * perImage
            }
        }
        (argmax, geometry, inputShape) = isTraining ? (indices, g, [n, channels, height, width]) : ([], nil, [])
        return out
    }

    /// Backward of `forward(images:…)`, image by image for the layer before: `consume` gets
    /// `gradient(i, into)`, which writes image i's ∂L/∂input (C, H, W) from `dout`, to call from any thread.
    mutating func backward(_ dout: Tensor<Scalar>,
                           images consume: (_ gradient: (_ image: Int, _ into: UnsafeMutablePointer<Scalar>) -> Void) -> Void) {
        guard let g = geometry else { preconditionFailure("Pooling.backward needs a training forward before it") }
        let n = inputShape[0], perImage = g.channels * g.positions
        precondition(dout.shape == [n, g.channels, g.outputHeight, g.outputWidth],
                     "Pooling.backward: dout \(dout.shape) for output (\(n), \(g.channels), \(g.outputHeight), \(g.outputWidth))")
        dout.withUnsafeBufferPointer { d in
            argmax.withUnsafeBufferPointer { indices in
                let (d, indices) = (d.baseAddress!, indices.baseAddress!)
                consume { i, dx in
                    for c in 0..<g.channels {
                        let o = i * perImage + c * g.positions
                        scatterMaxPlane(d + o, indices + o, g, into: dx + c * g.planeSize)
                    }
                }
            }
        }
    }

    public var spec: LayerSpec { .maxPooling(poolHeight: poolHeight, poolWidth: poolWidth, stride: stride, pad: pad) }
}

private extension WindowGeometry {
    /// 2×2 windows of stride 2 without padding, the book's pooling: they tile the plane without overlapping,
    /// which the fast paths of forward and backward both rely on.
    var isTwoByTwoTiling: Bool { pad == 0 && windowHeight == 2 && windowWidth == 2 && stride == 2 }
}

/// Shares `planes` (n, c) planes among the threads when there are enough values to pay for waking them.
@inline(__always)
private func forEachPlane(_ planes: Int, values: Int, _ body: (Int) -> Void) {
    let parts = values < 1 << 16 ? 1 : Swift.min(planes, ComputeThreads.count)
    let share = (planes + parts - 1) / Swift.max(parts, 1)
    parallelFor(parts) { part in
        for plane in (part * share)..<Swift.min(planes, (part + 1) * share) { body(plane) }
    }
}

/// out[plane, o] = the window's maximum and, when `argmax` is given, its index in the plane (−1 for padding).
private func maxPool<S: TensorScalar>(_ x: UnsafePointer<S>, _ g: WindowGeometry, planes: Int,
                                      into out: UnsafeMutablePointer<S>, argmax: UnsafeMutablePointer<Int32>?) {
    forEachPlane(planes, values: planes * g.planeSize) { plane in
        let o = plane * g.positions
        maxPoolPlane(x + plane * g.planeSize, g, into: out + o, argmax: argmax.map { $0 + o })
    }
}

/// One plane's maxima (OH, OW) and, when `argmax` is given, their indices.
@inline(__always)
private func maxPoolPlane<S: TensorScalar>(_ source: UnsafePointer<S>, _ g: WindowGeometry,
                                           into out: UnsafeMutablePointer<S>, argmax: UnsafeMutablePointer<Int32>?) {
    if g.isTwoByTwoTiling {
        maxPool2x2(source, g, into: out, argmax: argmax)
        return
    }
    for oy in 0..<g.outputHeight {
        for ox in 0..<g.outputWidth {
            let (value, index) = g.pad == 0 ? windowMaximumInside(source, g, oy: oy, ox: ox) : windowMaximum(source, g, oy: oy, ox: ox)
            out[oy * g.outputWidth + ox] = value
            argmax?[oy * g.outputWidth + ox] = index
        }
    }
}

/// The common 2×2 window with stride 2: the first largest of (a, b, c, d) in window order, for each output.
/// Float rows of at least 8 outputs go 8 at a time (`maxPool2x2Float`); the rest here, one by one.
@inline(__always)
private func maxPool2x2<S: TensorScalar>(_ plane: UnsafePointer<S>, _ g: WindowGeometry, into out: UnsafeMutablePointer<S>,
                                         argmax: UnsafeMutablePointer<Int32>?) {
    let w = g.width
    for oy in 0..<g.outputHeight {
        let top = plane + 2 * oy * w, bottom = top + w, row = out + oy * g.outputWidth
        if S.self == Float.self && g.outputWidth >= 8 {
            maxPool2x2Float(UnsafeRawPointer(plane).assumingMemoryBound(to: Float.self), width: w, oy: oy,
                            outputs: g.outputWidth, into: UnsafeMutableRawPointer(row).assumingMemoryBound(to: Float.self),
                            argmax: argmax.map { $0 + oy * g.outputWidth })
            continue
        }
        guard let argmax else {
            for ox in 0..<g.outputWidth {
                let ab = top[2 * ox + 1] > top[2 * ox] ? top[2 * ox + 1] : top[2 * ox]
                let abc = bottom[2 * ox] > ab ? bottom[2 * ox] : ab
                row[ox] = bottom[2 * ox + 1] > abc ? bottom[2 * ox + 1] : abc
            }
            continue
        }
        for ox in 0..<g.outputWidth {
            let i = 2 * oy * w + 2 * ox
            var (best, index) = (top[2 * ox], i)
            if top[2 * ox + 1] > best { (best, index) = (top[2 * ox + 1], i + 1) }
            if bottom[2 * ox] > best { (best, index) = (bottom[2 * ox], i + w) }
            if bottom[2 * ox + 1] > best { (best, index) = (bottom[2 * ox + 1], i + w + 1) }
            row[ox] = best
            argmax[oy * g.outputWidth + ox] = Int32(index)
        }
    }
}

/// One row of 2×2 windows of a Float plane, eight outputs at a time: the two input rows' 16 values split
/// into even and odd columns (a, b above, c, d below), then the same comparisons in the same order as one
/// window at a time, lane by lane, which compile to vector compares and maxima instead of branches. A row
/// whose width is not a multiple of 8 ends with the last eight outputs, computed again where they overlap.
@inline(__always)
private func maxPool2x2Float(_ plane: UnsafePointer<Float>, width w: Int, oy: Int, outputs: Int,
                             into row: UnsafeMutablePointer<Float>, argmax: UnsafeMutablePointer<Int32>?) {
    let top = UnsafeRawPointer(plane + 2 * oy * w), bottom = top + w * MemoryLayout<Float>.stride
    let lanes = SIMD8<Int32>(0, 2, 4, 6, 8, 10, 12, 14)
    var ox = 0
    while true {
        let offset = 2 * ox * MemoryLayout<Float>.stride
        let upper = top.loadUnaligned(fromByteOffset: offset, as: SIMD16<Float>.self)
        let lower = bottom.loadUnaligned(fromByteOffset: offset, as: SIMD16<Float>.self)
        let (b, c, d) = (upper.oddHalf, lower.evenHalf, lower.oddHalf)
        var best = upper.evenHalf, step = SIMD8<Int32>()
        var greater = b .> best
        best.replace(with: b, where: greater)
        step.replace(with: 1, where: greater)
        greater = c .> best
        best.replace(with: c, where: greater)
        step.replace(with: Int32(w), where: greater)
        greater = d .> best
        best.replace(with: d, where: greater)
        step.replace(with: Int32(w + 1), where: greater)
        UnsafeMutableRawPointer(row + ox).storeBytes(of: best, as: SIMD8<Float>.self)
        if let argmax {
            let first = SIMD8<Int32>(repeating: Int32(2 * oy * w + 2 * ox)) &+ lanes
            UnsafeMutableRawPointer(argmax + ox).storeBytes(of: first &+ step, as: SIMD8<Int32>.self)
        }
        if ox + 8 == outputs { break }
        ox = Swift.min(ox + 8, outputs - 8)
    }
}

/// The first largest value of a window that lies inside the plane (no padding), and its index.
@inline(__always)
private func windowMaximumInside<S: TensorScalar>(_ plane: UnsafePointer<S>, _ g: WindowGeometry, oy: Int, ox: Int) -> (S, Int32) {
    let start = oy * g.stride * g.width + ox * g.stride
    var best = plane[start], bestIndex = start
    for y in 0..<g.windowHeight {
        for x in 0..<g.windowWidth where plane[start + y * g.width + x] > best {
            (best, bestIndex) = (plane[start + y * g.width + x], start + y * g.width + x)
        }
    }
    return (best, Int32(bestIndex))
}

/// The first largest value of the window at (oy, ox) in window order, padding as zeros, and its index.
@inline(__always)
private func windowMaximum<S: TensorScalar>(_ plane: UnsafePointer<S>, _ g: WindowGeometry, oy: Int, ox: Int) -> (S, Int32) {
    let y0 = oy * g.stride - g.pad, x0 = ox * g.stride - g.pad
    var best: S = 0, bestIndex: Int32 = -1, first = true
    for y in y0..<(y0 + g.windowHeight) {
        for x in x0..<(x0 + g.windowWidth) {
            let inside = y >= 0 && y < g.height && x >= 0 && x < g.width
            let value = inside ? plane[y * g.width + x] : 0
            if first || value > best {
                (best, first) = (value, false)
                bestIndex = inside ? Int32(y * g.width + x) : -1
            }
        }
    }
    return (best, bestIndex)
}

/// dx = zeros, then dx[plane, argmax[o]] += dout[plane, o] for every output element not taken from padding.
private func scatterMax<S: TensorScalar>(_ dout: UnsafePointer<S>, _ argmax: UnsafePointer<Int32>, _ g: WindowGeometry,
                                         planes: Int, into dx: UnsafeMutablePointer<S>) {
    forEachPlane(planes, values: planes * g.planeSize) { plane in
        let o = plane * g.positions
        scatterMaxPlane(dout + o, argmax + o, g, into: dx + plane * g.planeSize)
    }
}

/// One plane's dx (H, W) from its dout (OH, OW) and indices.
@inline(__always)
private func scatterMaxPlane<S: TensorScalar>(_ dout: UnsafePointer<S>, _ argmax: UnsafePointer<Int32>, _ g: WindowGeometry,
                                              into dx: UnsafeMutablePointer<S>) {
    if g.isTwoByTwoTiling {
        scatterMax2x2(dout, argmax, g, into: dx)
        return
    }
    dx.update(repeating: 0, count: g.planeSize)
    for k in 0..<g.positions where argmax[k] >= 0 { dx[Int(argmax[k])] += dout[k] }
}

/// The 2×2 windows of stride 2 do not overlap, so after zeroing dx each window writes once, without a branch on
/// its index (after a ReLU, −1 as often as not): its gradient where the index points, or a window without one
/// its zero over its own top left.
@inline(__always)
private func scatterMax2x2<S: TensorScalar>(_ dout: UnsafePointer<S>, _ argmax: UnsafePointer<Int32>, _ g: WindowGeometry,
                                            into dx: UnsafeMutablePointer<S>) {
    dx.update(repeating: 0, count: g.planeSize)
    let (w, outputs) = (g.width, g.outputWidth)
    for oy in 0..<g.outputHeight {
        for ox in 0..<outputs {
            let k = oy * outputs + ox, index = Int(argmax[k])
            // `+ 0` as the scatter's 0 + dout: a gradient of −0 arrives as +0.
            dx[index >= 0 ? index : 2 * (oy * w + ox)] = index >= 0 ? dout[k] + 0 : 0
        }
    }
}
