import DLFSCore

/// The book's `Convolution`: filters W (FN, C, FH, FW) and bias b (FN) slide over x (N, C, H, W) with
/// `stride` and `pad` zeros around each image, out[n, f, oy, ox] = Σ_{c,fy,fx} W[f, c, fy, fx] ·
/// x[n, c, oy·s + fy − pad, ox·s + fx − pad] + b[f], shape (N, FN, OH, OW), OH = (H + 2·pad − FH)/s + 1.
///
/// As the book, through im2col and one matrix product, but with the product turned around so that no
/// transpose is materialised: colᵀ (C·FH·FW, N·OH·OW) holds the windows in columns, W (FN, C·FH·FW) ·
/// colᵀ gives (FN, N·OH·OW), and one pass moves each filter's run of OH·OW values to its image while
/// adding the bias. Backward, with doutᵀ (FN, N·OH·OW): db = Σ_columns doutᵀ, dW = doutᵀ · col,
/// dcolᵀ = Wᵀ · doutᵀ, dx = col2im(dcolᵀ).
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
    /// colᵀ of the last forward, which backward needs and then overwrites with dcolᵀ; with the GEMM's output
    /// and doutᵀ, kept as workspaces for the next call of the same batch size.
    private var col: Tensor<Scalar>?
    private var product: Tensor<Scalar>?, doutT: Tensor<Scalar>?
    /// The geometry of the last training forward, until its backward.
    private var geometry: WindowGeometry?

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
        precondition(x.rank == 4 && x.shape[1] == channels, "Convolution: input \(x.shape) for (N, \(channels), H, W)")
        let g = geometry(height: x.shape[2], width: x.shape[3])
        let (n, f) = (x.shape[0], filters)
        let columns = n * g.positions
        var col = Tensor<Scalar>.reusing(&self.col, shape: [g.patchSize, columns])
        x.withUnsafeBufferPointer { x in
            col.withUnsafeMutableBufferPointer { im2colTransposed(x.baseAddress!, batch: n, g, into: $0.baseAddress!) }
        }
        // (FN, N·P) = W (FN, C·FH·FW) · colᵀ: one GEMM for the batch.
        var product = Tensor<Scalar>.reusing(&self.product, shape: [f, columns])
        W.withUnsafeBufferPointer { w in
            col.withUnsafeBufferPointer { c in
                product.withUnsafeMutableBufferPointer { p in
                    gemm(m: f, n: columns, k: g.patchSize, a: w.baseAddress!, lda: g.patchSize, b: c.baseAddress!,
                         ldb: columns, c: p.baseAddress!, ldc: columns)
                }
            }
        }
        let out = Self.imagesFromFilterRows(product, bias: b, batch: n, positions: g.positions, then: epilogue)
        (self.col, self.product, geometry) = (col, product, isTraining ? g : nil)
        return out.reshaped([n, f, g.outputHeight, g.outputWidth])
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public mutating func backward(_ dout: Tensor<Scalar>, needsInputGradient: Bool) -> Tensor<Scalar>? {
        guard let g = geometry.take(), var col = self.col.take() else {
            preconditionFailure("Convolution.backward needs a training forward before it, one per backward")
        }
        let (f, columns) = (filters, col.shape[1])
        let n = columns / g.positions
        precondition(dout.shape == [n, f, g.outputHeight, g.outputWidth],
                     "Convolution.backward: dout \(dout.shape) for output (\(n), \(f), \(g.outputHeight), \(g.outputWidth))")
        var doutT = Tensor<Scalar>.reusing(&self.doutT, shape: [f, columns])
        Self.gatherFilterRows(dout, into: &doutT, biasGradient: &db)
        // dW (FN, C·FH·FW) = doutᵀ (FN, N·P) · col (N·P, C·FH·FW), col read through colᵀ in place.
        doutT.withUnsafeBufferPointer { d in
            col.withUnsafeBufferPointer { c in
                dW.withUnsafeMutableBufferPointer { dW in
                    gemm(m: f, n: g.patchSize, k: columns, a: d.baseAddress!, lda: columns,
                         b: c.baseAddress!, ldb: columns, transposeB: true, c: dW.baseAddress!, ldc: g.patchSize)
                }
            }
        }
        defer { (self.col, self.doutT) = (col, doutT) }
        guard needsInputGradient else { return nil }
        // dcolᵀ (C·FH·FW, N·P) = Wᵀ · doutᵀ, written over colᵀ, which backward no longer needs.
        W.withUnsafeBufferPointer { w in
            doutT.withUnsafeBufferPointer { d in
                col.withUnsafeMutableBufferPointer { c in
                    gemm(m: g.patchSize, n: columns, k: f, a: w.baseAddress!, lda: g.patchSize, transposeA: true,
                         b: d.baseAddress!, ldb: columns, c: c.baseAddress!, ldc: columns)
                }
            }
        }
        return col2imTransposed(col, batch: n, g)
    }

    /// W must be (FN, C, FH, FW) and b (FN).
    public static func checkShapes(W: Tensor<Scalar>, b: Tensor<Scalar>) {
        precondition(W.rank == 4 && b.shape == [W.shape[0]], "Convolution: W \(W.shape) and b \(b.shape) do not fit")
    }

    public var spec: LayerSpec {
        .convolution(filters: filters, channels: channels, filterHeight: filterHeight, filterWidth: filterWidth,
                     stride: stride, pad: pad)
    }

    /// (FN, N·P) → (N, FN·P) with b[f] added, then `epilogue` on each image: the GEMM's filter rows cut into
    /// each image's runs of P values.
    private static func imagesFromFilterRows(_ rows: Tensor<Scalar>, bias: Tensor<Scalar>, batch n: Int,
                                             positions p: Int, then epilogue: Epilogue<Scalar>?) -> Tensor<Scalar> {
        let f = rows.shape[0]
        return rows.withUnsafeBufferPointer { rows in
            bias.withUnsafeBufferPointer { bias in
                Tensor(shape: [n, f * p]) { out in
                    moveRuns(rows.baseAddress!, out.baseAddress!, filters: f, batch: n, positions: p, bias: bias.baseAddress!,
                             then: epilogue)
                }
            }
        }
    }

    /// dout (N, FN, OH, OW) → doutᵀ (FN, N·P), each filter's runs gathered into one row; db[f] is that row's sum.
    private static func gatherFilterRows(_ dout: Tensor<Scalar>, into rows: inout Tensor<Scalar>,
                                         biasGradient db: inout Tensor<Scalar>) {
        let (n, f) = (dout.shape[0], dout.shape[1])
        let p = dout.count / Swift.max(n * f, 1)
        dout.withUnsafeBufferPointer { d in
            db.withUnsafeMutableBufferPointer { db in
                rows.withUnsafeMutableBufferPointer { rows in
                    gatherRuns(d.baseAddress!, rows.baseAddress!, filters: f, batch: n, positions: p, sums: db.baseAddress!)
                }
            }
        }
    }
}

/// out[i, f, ·] = rows[f, i·P ..< (i+1)·P] + bias[f], then `epilogue` on image i's values, images shared
/// among the threads.
private func moveRuns<S: TensorScalar>(_ rows: UnsafePointer<S>, _ out: UnsafeMutablePointer<S>, filters f: Int,
                                       batch n: Int, positions p: Int, bias: UnsafePointer<S>, then epilogue: Epilogue<S>?) {
    let parts = n * f * p < 1 << 16 ? 1 : Swift.min(n, ComputeThreads.count)
    parallelFor(parts) { part in
        for i in stride(from: part, to: n, by: parts) {
            for filter in 0..<f {
                let source = rows + (filter * n + i) * p, target = out + (i * f + filter) * p, shift = bias[filter]
                for k in 0..<p { target[k] = source[k] + shift }
            }
            epilogue?(out + i * f * p, f * p)
        }
    }
}

/// rows[f, i·P ..< (i+1)·P] = dout[i, f, ·] and sums[f] = Σ rows[f, ·], filters shared among the threads.
private func gatherRuns<S: TensorScalar>(_ dout: UnsafePointer<S>, _ rows: UnsafeMutablePointer<S>, filters f: Int,
                                         batch n: Int, positions p: Int, sums: UnsafeMutablePointer<S>) {
    let parts = n * f * p < 1 << 16 ? 1 : Swift.min(f, ComputeThreads.count)
    parallelFor(parts) { part in
        for filter in stride(from: part, to: f, by: parts) {
            var total: S = 0
            for i in 0..<n {
                let source = dout + (i * f + filter) * p, target = rows + (filter * n + i) * p
                target.update(from: source, count: p)
                for k in 0..<p { total += source[k] }
            }
            sums[filter] = total
        }
    }
}
