import DLFSCore

/// Labelled greyscale images kept compact: pixels as UInt8 (count x rows x columns), labels as UInt8.
///
/// Batches are converted to `Float` when taken, so the 60,000 MNIST training images hold 47 MB, not 188 MB.
/// ```swift
/// var batch = [Float](repeating: 0, count: 100 * set.pixelsPerImage)
/// batch.withUnsafeMutableBufferPointer { set.gatherImages(rows: indices, into: $0, normalize: true) }
/// ```
public struct ImageSet: Sendable {
    /// Row-major pixels, image after image.
    public let pixels: [UInt8]
    /// The class of each image.
    public let labels: [UInt8]
    /// Image height in pixels.
    public let rows: Int
    /// Image width in pixels.
    public let columns: Int
    /// How many classes the labels range over; every label is below it.
    public let classCount: Int

    /// The number of images.
    public var count: Int { labels.count }
    /// rows × columns.
    public var pixelsPerImage: Int { rows * columns }

    /// Checks that the arrays agree; `name` (a file or dataset) is used in the error.
    public init(pixels: [UInt8], labels: [UInt8], rows: Int, columns: Int, classCount: Int, name: String = "image set") throws {
        let (perImage, o1) = rows.multipliedReportingOverflow(by: columns)
        let (total, o2) = perImage.multipliedReportingOverflow(by: labels.count)
        guard rows > 0, columns > 0, !o1, !o2, total == pixels.count else {
            throw DataError(.shapeMismatch, file: name, "\(pixels.count) pixels do not make \(labels.count) images of \(rows)x\(columns)")
        }
        try Self.checkLabels(labels, classCount: classCount, name: name)
        self.pixels = pixels
        self.labels = labels
        self.rows = rows
        self.columns = columns
        self.classCount = classCount
    }

    /// Reads an images file (3 dimensions) and a labels file (1 dimension), gzip or raw, and pairs them.
    public init(imagesPath: String, labelsPath: String, classCount: Int) throws {
        let images = try IDX.read(path: imagesPath)
        let labels = try IDX.read(path: labelsPath)
        guard images.dimensions.count == 3 else {
            throw DataError(.badDimensions, file: imagesPath, "an images file needs 3 dimensions, this one has \(images.dimensions)")
        }
        guard labels.dimensions.count == 1 else {
            throw DataError(.badDimensions, file: labelsPath, "a labels file needs 1 dimension, this one has \(labels.dimensions)")
        }
        guard images.dimensions[0] == labels.dimensions[0] else {
            throw DataError(.countMismatch, file: labelsPath,
                            "holds \(labels.dimensions[0]) labels but \(imagesPath) holds \(images.dimensions[0]) images")
        }
        try Self.checkLabels(labels.bytes, classCount: classCount, name: labelsPath)
        try self.init(pixels: images.bytes, labels: labels.bytes, rows: images.dimensions[1],
                      columns: images.dimensions[2], classCount: classCount, name: imagesPath)
    }

    /// Refuses a label outside the classes; `name` is the labels file when there is one.
    static func checkLabels(_ labels: [UInt8], classCount: Int, name: String) throws {
        if let bad = labels.firstIndex(where: { Int($0) >= classCount }) {
            throw DataError(.corrupt, file: name, "label \(labels[bad]) at index \(bad) is not below the \(classCount) classes")
        }
    }

    /// Copies the images at `indices` into `buffer` (indices.count x pixelsPerImage), as x/255 or as 0...255.
    ///
    /// The training hot path: one pass over raw buffers, nothing allocated. Indices must be in `0..<count`.
    @inlinable
    public func gatherImages<Indices: Collection>(rows indices: Indices, into buffer: UnsafeMutableBufferPointer<Float>,
                                                  normalize: Bool) where Indices.Element == Int {
        let width = pixelsPerImage
        precondition(buffer.count >= indices.count * width, "buffer holds \(buffer.count) floats, need \(indices.count * width)")
        guard let out = buffer.baseAddress else { return }
        pixels.withUnsafeBufferPointer { source in
            guard let base = source.baseAddress else { return }
            // Images a few ahead are on their way from memory while this one is converted (see `gatherRows`).
            var ahead = indices.makeIterator()
            func prefetchNext() {
                if let index = ahead.next(), index >= 0 && index < count { prefetch(base + index * width, byteCount: width) }
            }
            for _ in 0..<4 { prefetchNext() }
            var offset = 0
            for index in indices {
                precondition(index >= 0 && index < count, "image index \(index) is outside 0..<\(count)")
                prefetchNext()
                let image = base + index * width
                let target = out + offset
                if normalize {
                    for p in 0..<width { target[p] = Self.normalized(image[p]) }
                } else {
                    for p in 0..<width { target[p] = Float(image[p]) }
                }
                offset += width
            }
        }
    }

    /// byte / 255 rounded exactly as the division rounds it (the book's `x.astype(float32) / 255`): the
    /// product by 1/255, whose residue one fused multiply-add finds and a second corrects. A vector of
    /// divisions takes several times as long as the two, and a test checks all 256 bytes.
    @inlinable @inline(__always)
    public static func normalized(_ byte: UInt8) -> Float {
        let x = Float(byte), reciprocal: Float = 1 / 255
        let q = x * reciprocal
        return q.addingProduct(x.addingProduct(-q, 255), reciprocal)
    }

    /// Writes the labels at `indices` into `buffer`: class indices (indices.count) or one-hot rows (indices.count x classCount).
    @inlinable
    public func gatherLabels<Indices: Collection>(rows indices: Indices, into buffer: UnsafeMutableBufferPointer<Float>,
                                                  oneHot: Bool) where Indices.Element == Int {
        let width = oneHot ? classCount : 1
        precondition(buffer.count >= indices.count * width, "buffer holds \(buffer.count) floats, need \(indices.count * width)")
        var offset = 0
        for index in indices {
            let label = labels[index]
            if oneHot {
                for c in 0..<classCount { buffer[offset + c] = 0 }
                buffer[offset + Int(label)] = 1
            } else {
                buffer[offset] = Float(label)
            }
            offset += width
        }
    }

    /// Images and labels at `indices` as tensors, with the book's `load_mnist` options.
    ///
    /// Images are (n, rows*columns) when `flatten`, else (n, 1, rows, columns); labels are n class indices,
    /// or one-hot rows (n, classCount) when `oneHotLabel`.
    public func tensors<Indices: Collection>(rows indices: Indices, normalize: Bool = true, flatten: Bool = true,
                                             oneHotLabel: Bool = false) -> LabeledTensors where Indices.Element == Int {
        let n = indices.count
        let imageShape = flatten ? [n, pixelsPerImage] : [n, 1, rows, columns]
        let images = Tensor<Float>(shape: imageShape) { gatherImages(rows: indices, into: $0, normalize: normalize) }
        let labels: Labels<Float> = oneHotLabel
            ? .oneHot(Tensor<Float>(shape: [n, classCount]) { gatherLabels(rows: indices, into: $0, oneHot: true) })
            : .indices(indices.map { Int(self.labels[$0]) })
        return LabeledTensors(images: images, labels: labels)
    }

    /// Every image and label as tensors (see `tensors(rows:normalize:flatten:oneHotLabel:)`).
    public func tensors(normalize: Bool = true, flatten: Bool = true, oneHotLabel: Bool = false) -> LabeledTensors {
        tensors(rows: 0..<count, normalize: normalize, flatten: flatten, oneHotLabel: oneHotLabel)
    }

    /// The images and labels at `indices`, in that order, as a set of their own (the book's `x_train[:1000]`,
    /// or a shuffled split). Indices must be in `0..<count`.
    public func subset<Indices: Collection>(_ indices: Indices) -> ImageSet where Indices.Element == Int {
        var pixels: [UInt8] = [], labels: [UInt8] = []
        pixels.reserveCapacity(indices.count * pixelsPerImage)
        labels.reserveCapacity(indices.count)
        for index in indices {
            precondition(index >= 0 && index < count, "image index \(index) is outside 0..<\(count)")
            pixels += image(at: index)
            labels.append(self.labels[index])
        }
        return ImageSet(validPixels: pixels, labels: labels, rows: rows, columns: columns, classCount: classCount)
    }

    /// A set from arrays already known to agree (taken from another set).
    private init(validPixels pixels: [UInt8], labels: [UInt8], rows: Int, columns: Int, classCount: Int) {
        (self.pixels, self.labels, self.rows, self.columns, self.classCount) = (pixels, labels, rows, columns, classCount)
    }

    /// The pixels of one image, row-major.
    public func image(at index: Int) -> ArraySlice<UInt8> {
        pixels[index * pixelsPerImage ..< (index + 1) * pixelsPerImage]
    }
}

/// Images as a `Float` tensor and their labels (class indices or one-hot rows), the pair the book's
/// `load_mnist` returns per split: `net.accuracy(test.images, test.labels)` takes them as they are.
public struct LabeledTensors: Sendable {
    /// (n, pixels) or (n, 1, rows, columns).
    public var images: Tensor<Float>
    /// The class of each image: `.indices` (`t = [7, 2, 1, …]`) or `.oneHot` rows.
    public var labels: Labels<Float>

    /// Pairs images with their labels.
    public init(images: Tensor<Float>, labels: Labels<Float>) {
        self.images = images
        self.labels = labels
    }
}
