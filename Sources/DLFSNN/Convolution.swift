import DLFSCore
import Synchronization

/// The book's `Convolution`: filters W (FN, C, FH, FW) and bias b (FN) slide over x (N, C, H, W) with
/// `stride` and `pad` zeros around each image, out[n, f, oy, ox] = Σ_{c,fy,fx} W[f, c, fy, fx] ·
/// x[n, c, oy·s + fy − pad, ox·s + fx − pad] + b[f], shape (N, FN, OH, OW), OH = (H + 2·pad − FH)/s + 1.
///
/// As the book, through im2col and a matrix product, but image by image and with the product turned around
/// so that no transpose is materialised: colᵀᵢ (C·FH·FW, OH·OW) holds image i's windows in columns, and
/// W (FN, C·FH·FW) · colᵀᵢ is that image's output (FN, OH·OW) in place. An image's colᵀ is written and read
/// again while it is in the core's cache, and the images are shared among the threads. Backward, with
/// doutᵢ (FN, OH·OW): db = Σ doutᵢ over images and positions, dWᵀ = Σᵢ colᵀᵢ · doutᵢᵀ, and dxᵢ = col2im(Wᵀ · doutᵢ)
/// or, where that is cheaper, the same values as a convolution of doutᵢ (`transposedConvolution`). Backward
/// makes colᵀᵢ again from the input rather than keeping the batch's: a batch's colᵀ is C·FH·FW times the input,
/// too large for any cache, and writing it out and reading it back cost more than a second im2col. Where the
/// padding adds few positions, the products read the windows in place instead (`windowsInPlace`,
/// `WeightGradientInPlace`), and colᵀ is not written. When a ReLU and max pooling follow, `Sequential` runs the
/// three image by image (`forward(_:isTraining:thenReLUAndPooling:)`), so that the batch's output is never written.
public struct Convolution<Scalar: TensorScalar>: WeightBiasLayer {
    /// The filters, (FN, C, FH, FW).
    public var W: Tensor<Scalar>
    /// One bias per filter.
    public var b: Tensor<Scalar>
    /// The step between windows and the zeros added around each image.
    public let stride: Int, pad: Int
    /// ∂L/∂W from the last backward pass.
    public var dW: Tensor<Scalar>
    /// ∂L/∂b from the last backward pass.
    public var db: Tensor<Scalar>
    /// Forward's buffers, one colᵀ per thread (and its output, when pooling follows), and backward's scratch,
    /// kept as workspaces for the next call.
    private var col: Tensor<Scalar>?, scratch: Tensor<Scalar>?
    /// The input and geometry of the last training forward, until its backward.
    private var input: Tensor<Scalar>?, geometry: WindowGeometry?

    /// A convolution with given filters (FN, C, FH, FW) and biases (FN).
    public init(W: Tensor<Scalar>, b: Tensor<Scalar>, stride: Int = 1, pad: Int = 0) {
        Self.checkShapes(W: W, b: b)
        precondition(stride > 0 && pad >= 0, "Convolution: stride \(stride) must be ≥ 1 and pad \(pad) ≥ 0")
        self.W = W; self.b = b; self.stride = stride; self.pad = pad
        dW = .zeros(W.shape); db = .zeros(b.shape)
    }

    /// W drawn from N(0, σ²) with σ from `weightInit` and the fan-in C·FH·FW, b zero: the book's
    /// `weight_init_std * np.random.randn(FN, C, FH, FW)`, or He's √(2 / fan-in) as `DeepConvNet`'s.
    public init(filters: Int, channels: Int, filterHeight: Int, filterWidth: Int, stride: Int = 1, pad: Int = 0,
                weightInit: WeightInit, using rng: inout SeededGenerator) {
        let sigma = Scalar(weightInit.standardDeviation(fanIn: channels * filterHeight * filterWidth))
        let w = Tensor<Scalar>.randomNormal([filters, channels, filterHeight, filterWidth], standardDeviation: sigma, using: &rng)
        self.init(W: w, b: .zeros([filters]), stride: stride, pad: pad)
    }

    /// FN, the number of filters (output channels).
    public var filters: Int { W.shape[0] }
    /// C, the input channels.
    public var channels: Int { W.shape[1] }
    /// FH, the filter height.
    public var filterHeight: Int { W.shape[2] }
    /// FW, the filter width.
    public var filterWidth: Int { W.shape[3] }

    /// Where the filters go over images of `channels`×`height`×`width`.
    public func geometry(height: Int, width: Int) -> WindowGeometry {
        WindowGeometry(channels: channels, height: height, width: width, windowHeight: filterHeight,
                       windowWidth: filterWidth, stride: stride, pad: pad)
    }

    public mutating func forward(_ x: consuming Tensor<Scalar>, isTraining: Bool) -> Tensor<Scalar> {
        forward(x, isTraining: isTraining, then: nil)
    }

    /// The forward pass with an elementwise `epilogue` (the next layer's activation) run on each image's
    /// output as the bias is added to it.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public mutating func forward(_ x: consuming Tensor<Scalar>, isTraining: Bool, then epilogue: Epilogue<Scalar>?) -> Tensor<Scalar> {
        let g = checkedGeometry(x)
        var out = Tensor<Scalar>(shape: [x.shape[0], filters, g.outputHeight, g.outputWidth]) { _ in }
        out.withUnsafeMutableBufferPointer { out in
            convolveImages(x, g, epilogue: epilogue, into: out.baseAddress!) { _, _ in }
        }
        (input, geometry) = isTraining ? (x, g) : (nil, nil)
        return out
    }

    /// The forward pass, a ReLU and then `pooling`, image by image: each image's output is pooled while it is
    /// in cache, and the batch's is never written. Returns pooling's output; its backward pass is
    /// `backward(_:throughReLUAndPooling:needsInputGradient:)`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public mutating func forward(_ x: consuming Tensor<Scalar>, isTraining: Bool,
                                 thenReLUAndPooling pooling: inout Pooling<Scalar>) -> Tensor<Scalar> {
        let g = checkedGeometry(x)
        let out = pooling.forward(images: x.shape[0], channels: filters, height: g.outputHeight, width: g.outputWidth,
                                  isTraining: isTraining) { pool in
            convolveImages(x, g, epilogue: { ReLUFunction.apply($0, count: $1) }, into: nil, then: pool)
        }
        (input, geometry) = isTraining ? (x, g) : (nil, nil)
        return out
    }

    /// The geometry for input x, which must be (N, C, H, W) with the filters' C.
    private func checkedGeometry(_ x: borrowing Tensor<Scalar>) -> WindowGeometry {
        precondition(x.rank == 4 && x.shape[1] == channels, "Convolution: input \(x.shape) for (N, \(channels), H, W)")
        return geometry(height: x.shape[2], width: x.shape[3])
    }

    /// Each image's output (FN, OH·OW) = W · colᵀᵢ + b, then `epilogue` over it, written at `batch` + i·FN·OH·OW
    /// or, without `batch`, into the thread's buffer, and handed to `finish`. colᵀᵢ is made in the thread's
    /// buffer, reused image after image, and the images are shared among the threads.
    private mutating func convolveImages(_ x: borrowing Tensor<Scalar>, _ g: WindowGeometry, epilogue: Epilogue<Scalar>?,
                                         into batch: UnsafeMutablePointer<Scalar>?,
                                         then finish: (_ image: Int, _ output: UnsafePointer<Scalar>) -> Void) {
        let (n, f, k, p) = (x.shape[0], filters, g.patchSize, g.positions)
        let parts = imageParts(n, work: f * k * p)
        // colᵀᵢ, or the padded image and the product on its padded width; and the output, when pooling follows.
        let inPlace = windowsInPlace(g, rows: f, of: Scalar.self)
        let colCount = inPlace.map { $0.count + f * $0.paddedPositions } ?? k * p
        let perThread = colCount + (batch == nil ? f * p : 0)
        var buffers = Tensor<Scalar>.reusing(&col, shape: [parts, perThread])
        x.withUnsafeBufferPointer { x in
            W.withUnsafeBufferPointer { w in
                b.withUnsafeBufferPointer { bias in
                    buffers.withUnsafeMutableBufferPointer { buffers in
                        let (x, w, bias, buffers) = (x.baseAddress!, w.baseAddress!, bias.baseAddress!, buffers.baseAddress!)
                        if let inPlace {
                            for part in 0..<parts { (buffers + part * perThread).update(repeating: 0, count: inPlace.count) }
                        }
                        (inPlace?.rowOffsets ?? []).withUnsafeBufferPointer { offsets in
                            forEachImage(n, parts: parts) { i, part in
                                let image = buffers + part * perThread, input = x + i * g.channels * g.planeSize
                                let result = batch.map { $0 + i * f * p } ?? image + colCount
                                if let inPlace {
                                    let wide = image + inPlace.count, columns = inPlace.paddedPositions
                                    inPlace.copyPixels(input, into: image)
                                    gemm(m: f, n: columns, k: k, a: w, lda: k, b: image, bDepthOffsets: offsets.baseAddress!,
                                         c: wide, ldc: columns)
                                    inPlace.compact(wide, rows: f, bias: bias, into: result)
                                } else {
                                    im2colTransposed(input, batch: 1, g, into: image, threads: 1)
                                    gemm(m: f, n: p, k: k, a: w, lda: k, b: image, ldb: p, c: result, ldc: p, threads: 1)
                                    for filter in 0..<f {
                                        let row = result + filter * p, shift = bias[filter]
                                        for j in 0..<p { row[j] += shift }
                                    }
                                }
                                epilogue?(result, f * p)
                                finish(i, result)
                            }
                        }
                    }
                }
            }
        }
        col = buffers
    }

    /// Backward, image by image, colᵀᵢ made again from the kept input: (dWᵀ; dbᵀ) (C·FH·FW + 1, FN) +=
    /// (colᵀᵢ; ones) · doutᵢᵀ, the row of ones summing each filter's dout into db, in fixed groups of images
    /// whose partial sums are then added in order (so the bits do not depend on the thread count); and dx from
    /// dcolᵀᵢ = Wᵀ · doutᵢ, written over colᵀᵢ while it is in cache.
    public mutating func backward(_ dout: Tensor<Scalar>, needsInputGradient: Bool) -> Tensor<Scalar>? {
        backward(dout, activation: nil, needsInputGradient: needsInputGradient)
    }

    /// Backward with the activation that followed: each image's part of `dout` is mapped through it as the
    /// image comes, into a buffer that stays in cache, so the activation's gradient is never written whole.
    public mutating func backward(_ dout: Tensor<Scalar>, through activation: ActivationGradient<Scalar>,
                                  needsInputGradient: Bool) -> Tensor<Scalar>? {
        withoutActuallyEscaping(activation) { backward(dout, activation: $0, needsInputGradient: needsInputGradient) }
    }

    /// Backward from ∂L/∂out, each image's part read in place or, with an activation, mapped through it.
    private mutating func backward(_ dout: Tensor<Scalar>, activation: ActivationGradient<Scalar>?,
                                   needsInputGradient: Bool) -> Tensor<Scalar>? {
        if let g = geometry, let n = input?.shape[0] {
            precondition(dout.shape == [n, filters, g.outputHeight, g.outputWidth],
                         "Convolution.backward: dout \(dout.shape) for output (\(n), \(filters), \(g.outputHeight), \(g.outputWidth))")
        }
        let size = dout.count / Swift.max(dout.shape[0], 1)
        return dout.withUnsafeBufferPointer { d in
            let d = d.baseAddress!
            return backward(needsInputGradient: needsInputGradient, mapsIntoBuffer: activation != nil) { i, buffer in
                guard let activation else { return d + i * size }
                activation(d, i * size..<(i + 1) * size, buffer)
                return UnsafePointer(buffer)
            }
        }
    }

    /// Backward of `forward(_:isTraining:thenReLUAndPooling:)`, `dout` being ∂L/∂(pooling's output): each image's
    /// gradient is scattered back through the pooling's indices, which carry the ReLU's mask, as the image comes.
    public mutating func backward(_ dout: Tensor<Scalar>, throughReLUAndPooling pooling: inout Pooling<Scalar>,
                                  needsInputGradient: Bool) -> Tensor<Scalar>? {
        var dx: Tensor<Scalar>?
        pooling.backward(dout) { gradient in
            dx = backward(needsInputGradient: needsInputGradient, mapsIntoBuffer: true) { i, buffer in
                gradient(i, buffer)
                return UnsafePointer(buffer)
            }
        }
        return dx
    }

    /// Backward with `imageGradient(i, buffer)` giving image i's ∂L/∂out (FN, OH·OW), written into `buffer` (FN·OH·OW
    /// values that stay in cache) when `mapsIntoBuffer`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    private mutating func backward(needsInputGradient: Bool, mapsIntoBuffer: Bool,
                                   imageGradient: (_ image: Int, _ buffer: UnsafeMutablePointer<Scalar>) -> UnsafePointer<Scalar>) -> Tensor<Scalar>? {
        guard let g = geometry.take(), let x = input.take() else {
            preconditionFailure("Convolution.backward needs a training forward before it, one per backward")
        }
        let (n, f, k, p) = (x.shape[0], filters, g.patchSize, g.positions)
        let rows = k + 1
        let groups = Swift.min(n, Self.gradientGroups)
        let transposed = needsInputGradient ? transposedConvolution(g) : nil
        // GEMM would first copy doutᵢᵀ, (FN, P), and use each copied value once per row of colᵀᵢ: worth it over
        // a deep patch, not over a few dozen rows (SimpleConvNet's 26), where dot products straight along both
        // rows are faster.
        let byDotProducts = rows < 64
        let inPlace = byDotProducts ? nil : WeightGradientInPlace(g, filters: f)
        // Each group's partial sum of (dWᵀ; dbᵀ); one image's colᵀ with a row of ones below it (the product with
        // it sums dout into db), which col2im's dcolᵀ then overwrites, or without colᵀ (`inPlace`) col2im's
        // dcolᵀ alone; with an activation, the image's mapped gradient; for a transposed convolution the im2col
        // of the image's dout; and `inPlace`'s shifted planes and doutᵢᵀ.
        let col2imCount = needsInputGradient && transposed == nil ? k * p : 0
        let (partialCount, colCount) = (rows * f, inPlace == nil ? Swift.max(rows * p, col2imCount) : col2imCount)
        let pieceCount = mapsIntoBuffer ? f * p : 0
        // The transposed convolution's dout padded and its product on the padded width, or dout's im2col.
        let doutInPlace = transposed.flatMap { windowsInPlace($0.geometry, rows: g.channels, of: Scalar.self) }
        let doutColCount = doutInPlace.map { $0.count + g.channels * $0.paddedPositions }
            ?? transposed.map { $0.geometry.patchSize * $0.geometry.positions } ?? 0
        let inPlaceCount = inPlace?.count ?? 0
        let groupCount = partialCount + colCount + pieceCount + doutColCount + inPlaceCount
        var scratch = Tensor<Scalar>.reusing(&self.scratch, shape: [groups, groupCount])
        var dx = Tensor<Scalar>(shape: needsInputGradient ? [n, g.channels, g.height, g.width] : [0]) { _ in }
        let flippedFilters = transposed?.filters ?? Tensor<Scalar>(shape: [0], scalars: [])
        do {
            W.withUnsafeBufferPointer { w in
                x.withUnsafeBufferPointer { x in
                    scratch.withUnsafeMutableBufferPointer { scratch in
                        dx.withUnsafeMutableBufferPointer { dx in
                            flippedFilters.withUnsafeBufferPointer { flipped in
                            (doutInPlace?.rowOffsets ?? []).withUnsafeBufferPointer { doutOffsets in
                                let (w, x, scratch) = (w.baseAddress!, x.baseAddress!, scratch.baseAddress!)
                                let dx = needsInputGradient ? dx.baseAddress! : nil
                                forEachGroup(n, groups, work: (needsInputGradient ? 2 : 1) * f * k * p) { group, images in
                                    let partial = scratch + group * groupCount, image = partial + partialCount
                                    let piece = image + colCount, doutCol = piece + pieceCount
                                    let inPlaceBuffers = doutCol + doutColCount
                                    inPlace?.prepare(inPlaceBuffers)
                                    if let doutInPlace { doutCol.update(repeating: 0, count: doutInPlace.count) }
                                    for i in images {
                                        let gradient = imageGradient(i, piece)
                                        let input = x + i * g.channels * g.planeSize
                                        let accumulate = i > images.lowerBound
                                        if let inPlace {
                                            inPlace.addProducts(input, gradient, buffers: inPlaceBuffers, into: partial,
                                                                accumulate: accumulate)
                                        } else {
                                            im2colTransposed(input, batch: 1, g, into: image, threads: 1)
                                            (image + k * p).update(repeating: 1, count: p)
                                            if byDotProducts {
                                                dotProducts(m: rows, n: f, k: p, a: image, lda: p, b: gradient, ldb: p,
                                                            c: partial, ldc: f, accumulate: accumulate)
                                            } else {
                                                gemm(m: rows, n: f, k: p, a: image, lda: p, b: gradient, ldb: p, transposeB: true,
                                                     c: partial, ldc: f, accumulate: accumulate, threads: 1)
                                            }
                                        }
                                        guard let dx else { continue }
                                        let dxImage = dx + i * g.channels * g.planeSize
                                        if let transposed, let doutInPlace {
                                            let t = transposed.geometry, wide = doutCol + doutInPlace.count
                                            doutInPlace.copyPixels(gradient, into: doutCol)
                                            gemm(m: g.channels, n: doutInPlace.paddedPositions, k: t.patchSize,
                                                 a: flipped.baseAddress!, lda: t.patchSize, b: doutCol,
                                                 bDepthOffsets: doutOffsets.baseAddress!, c: wide, ldc: doutInPlace.paddedPositions)
                                            doutInPlace.compact(wide, rows: g.channels, bias: nil, into: dxImage)
                                        } else if let transposed {
                                            let t = transposed.geometry
                                            im2colTransposed(gradient, batch: 1, t, into: doutCol, threads: 1)
                                            gemm(m: g.channels, n: t.positions, k: t.patchSize, a: flipped.baseAddress!,
                                                 lda: t.patchSize, b: doutCol, ldb: t.positions, c: dxImage, ldc: t.positions,
                                                 threads: 1)
                                        } else {
                                            gemm(m: k, n: p, k: f, a: w, lda: k, transposeA: true, b: gradient, ldb: p,
                                                 c: image, ldc: p, threads: 1)
                                            col2imTransposed(image, batch: 1, g, into: dxImage, threads: 1)
                                        }
                                    }
                                }
                            }
                            }
                        }
                    }
                }
            }
        }
        // The groups' sums added in order: dW (FN, C·FH·FW) from the first C·FH·FW rows of (dWᵀ; dbᵀ), db from the last.
        scratch.withUnsafeBufferPointer { scratch in
            dW.withUnsafeMutableBufferPointer { dW in
                db.withUnsafeMutableBufferPointer { db in
                    for filter in 0..<f {
                        for j in 0..<rows {
                            let row = inPlace?.partialRow(j) ?? j
                            var total = scratch[row * f + filter]
                            for group in 1..<groups { total += scratch[group * groupCount + row * f + filter] }
                            if j < k { dW[filter * k + j] = total } else { db[filter] = total }
                        }
                    }
                }
            }
        }
        self.scratch = scratch
        return needsInputGradient ? dx : nil
    }

    /// For stride 1 and a square window no wider than the padding allows, dx is itself a convolution: of dout
    /// padded by FH − 1 − pad, with the filters turned half a turn and their two channel axes swapped,
    /// W′ (C, FN, FH, FW)[c, f, u, v] = W[f, c, FH − 1 − u, FW − 1 − v]. Its product is as deep as the forward's
    /// (FN·FH·FW, where dcolᵀ = Wᵀ · dout is FN deep) and writes dx once; the sums run in another order than the
    /// book's col2im. Taken when its im2col of dout (FN·FH·FW × H·W values) is no larger than the colᵀ that
    /// col2im would add up (C·FH·FW × OH·OW): with more filters than channels, copying dout costs more than
    /// the shallow product saves. (Reading dout in place, it would pay for DeepConvNet's W3 too, but its sums in
    /// another order would change that net's training, whose 0.92 on Fashion-MNIST has a narrow margin.)
    private func transposedConvolution(_ g: WindowGeometry) -> (geometry: WindowGeometry, filters: Tensor<Scalar>)? {
        let (fh, fw) = (filterHeight, filterWidth)
        guard stride == 1, fh == fw, pad <= fh - 1, filters * g.planeSize <= channels * g.positions else { return nil }
        let geometry = WindowGeometry(channels: filters, height: g.outputHeight, width: g.outputWidth,
                                      windowHeight: fh, windowWidth: fw, stride: 1, pad: fh - 1 - pad)
        let (fn, c) = (filters, channels)
        let flipped = W.withUnsafeBufferPointer { w in
            Tensor<Scalar>(shape: [c, fn, fh, fw]) { out in
                for f in 0..<fn {
                    for ch in 0..<c {
                        for u in 0..<fh {
                            for v in 0..<fw { out[((ch * fn + f) * fh + u) * fw + v] = w[((f * c + ch) * fh + fh - 1 - u) * fw + fw - 1 - v] }
                        }
                    }
                }
            }
        }
        return (geometry, flipped)
    }

    /// The images are split into this many groups for dW whatever the thread count, each group's partial
    /// sum on one thread: the sum's order, hence its bits, is fixed, and eight cores can share the work.
    static var gradientGroups: Int { 8 }

    /// W must be (FN, C, FH, FW) and b (FN).
    public static func checkShapes(W: Tensor<Scalar>, b: Tensor<Scalar>) {
        precondition(W.rank == 4 && b.shape == [W.shape[0]], "Convolution: W \(W.shape) and b \(b.shape) do not fit")
    }

    public var spec: LayerSpec {
        .convolution(filters: filters, channels: channels, filterHeight: filterHeight, filterWidth: filterWidth,
                     stride: stride, pad: pad)
    }
}

/// The weight gradient's product (dWᵀ; dbᵀ) += (colᵀᵢ; ones) · doutᵢᵀ with colᵀᵢ read in place from
/// `shiftedPlanes` instead of written by im2col (stride 1): on the padded width, doutᵢᵀ (OH·Wp, FN) with zero
/// rows at the positions past OW, and for each window row fy one product of the FW·C rows (fx, c), one plane
/// apart. The partial sums' rows are then in (fy, fx, c) order (`partialRow` finds one), and each is the same
/// sequence of multiply-adds over the positions as im2col's product gives it, with zeros between: the same bits
/// (but for FN that leaves GEMM an edge of one to four columns, whose dot products split the positions among
/// vector lanes, and the padded width moves them).
/// The im2col it saves writes C·FH·FW values per position; the price is FN·C·FH·FW multiply-adds for each of
/// the (Wp − OW)·OH positions past OW, worth it with few filters or a narrow pad.
private struct WeightGradientInPlace {
    let g: WindowGeometry, filters: Int
    /// The positions on the padded width, OH·Wp, and one shifted plane's values.
    let positions: Int, planeCount: Int

    init?(_ g: WindowGeometry, filters: Int) {
        let positions = g.outputHeight * g.paddedWidth
        // Past OW: FN·(Wp − OW) multiply-adds per row and output row, against im2col's copy of OW values less
        // the shifted planes' copies: worth it for DeepConvNet's W2 (16 filters, 28 + 2 wide), not for W3 and W4.
        guard g.stride == 1, filters * (g.paddedWidth - g.outputWidth) < 4 * g.outputWidth else { return nil }
        self.g = g; self.filters = filters; self.positions = positions
        planeCount = g.paddedHeight * g.paddedWidth
    }

    /// Values of a group's buffers: the shifted planes and a plane of ones after them, then doutᵢᵀ.
    var count: Int { shiftedPlaneCount(g) + planeCount + positions * filters }

    /// Zeroes a group's buffers, whose padding and positions past OW are then never written, and fills the
    /// plane of ones: as row FW·C of the last window row's product, it sums dout into db.
    func prepare<S: TensorScalar>(_ buffers: UnsafeMutablePointer<S>) {
        buffers.update(repeating: 0, count: count)
        (buffers + shiftedPlaneCount(g)).update(repeating: 1, count: planeCount)
    }

    /// Where row j of (dWᵀ; dbᵀ), (c, fy, fx) or the last, is in the partial sums.
    func partialRow(_ j: Int) -> Int {
        let (fh, fw) = (g.windowHeight, g.windowWidth)
        guard j < g.patchSize else { return j }
        let (c, fy, fx) = (j / (fh * fw), j / fw % fh, j % fw)
        return (fy * fw + fx) * g.channels + c
    }

    /// partial (C·FH·FW + 1, FN) += (or, without `accumulate`, =) the products of image `input` (C, H, W) and its
    /// ∂L/∂out `gradient` (FN, OH·OW), rows in `partialRow` order.
    func addProducts<S: TensorScalar>(_ input: UnsafePointer<S>, _ gradient: UnsafePointer<S>,
                                      buffers: UnsafeMutablePointer<S>, into partial: UnsafeMutablePointer<S>, accumulate: Bool) {
        let (planes, doutT) = (buffers, buffers + shiftedPlaneCount(g) + planeCount)
        let (f, canvasWidth) = (filters, g.paddedWidth)
        shiftedPlanes(input, g, into: planes)
        transposeOntoPaddedWidth(gradient, rows: f, g, into: doutT)
        let (rows, fh) = (g.windowWidth * g.channels, g.windowHeight)
        for fy in 0..<fh {
            gemm(m: fy == fh - 1 ? rows + 1 : rows, n: f, k: positions, a: planes + fy * canvasWidth, lda: planeCount,
                 b: doutT, ldb: f, c: partial + fy * rows * f, ldc: f, accumulate: accumulate, threads: 1)
        }
    }
}

/// The layout in which a product of `rows` rows reads the windows of g in place, when that pays: im2col would
/// copy C·FH·FW values per position, where the padded image costs rows·(Wp − OW) multiply-adds per output row
/// and window tap past OW, and a copy of the product's rows values per position to compact it. Taken by the
/// forward of DeepConvNet's W2 (16 filters of 16 × 3 × 3, 28 + 2 wide) and W4 (32 filters, 16 + 2 wide) and by
/// W2's transposed convolution; not by W1 (a patch of 9 values) nor by W3 (32 filters, 14 + 2 wide).
private func windowsInPlace<S: TensorScalar>(_ g: WindowGeometry, rows: Int, of _: S.Type) -> PaddedImageLayout? {
    guard g.stride == 1, g.patchSize > 2 * rows, rows * (g.paddedWidth - g.outputWidth) <= 4 * g.outputWidth else { return nil }
    return PaddedImageLayout(g, of: S.self)
}

/// How many threads share n images of `work` multiply-adds each: all that have an image, when there is
/// enough work to pay for waking them.
private func imageParts(_ n: Int, work: Int) -> Int {
    ComputeThreads.parts(multiplyAdds: n * work, threads: Swift.min(n, ComputeThreads.count))
}

/// `body(i, part)` for each image i of n, the `parts` taking the next image as each comes free (a core that
/// another process slows takes fewer). Images are independent, so the split changes no result.
private func forEachImage(_ n: Int, parts: Int, _ body: (_ image: Int, _ part: Int) -> Void) {
    let next = Atomic<Int>(0)
    parallelFor(parts) { part in
        while true {
            let i = next.add(1, ordering: .relaxed).oldValue
            guard i < n else { return }
            body(i, part)
        }
    }
}

/// `body(group, images)` for each of `groups` consecutive ranges of the n images (fixed by n and groups
/// alone), each thread taking the next group as it comes free, the larger groups first (100 images make
/// groups of 12 and 13: taken in turn, one thread would have 48 images and the other 52).
private func forEachGroup(_ n: Int, _ groups: Int, work: Int, _ body: (Int, Range<Int>) -> Void) {
    let images = { (group: Int) in group * n / groups..<(group + 1) * n / groups }
    let order = (0..<groups).sorted { (images($0).count, -$0) > (images($1).count, -$1) }
    if imageParts(n, work: work) > 1 {
        parallelFor(groups) { body(order[$0], images(order[$0])) }
    } else {
        for group in order { body(group, images(group)) }
    }
}
