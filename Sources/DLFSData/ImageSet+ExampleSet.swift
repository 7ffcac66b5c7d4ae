import DLFSCore

/// An image set is what the trainer learns from and evaluates on: each image a row of pixels scaled to
/// 0...1 as the book's `normalize=True` does it (`x.astype(float32) / 255`, also for Double training),
/// converted from bytes only as rows are gathered.
extension ImageSet: ExampleSet {
    /// Pixels per image: each image is one row of features.
    public var featureCount: Int { pixelsPerImage }

    /// The class of the image at `index`.
    public func label(at index: Int) -> Int { Int(labels[index]) }

    /// Writes the images at `indices` as rows of x / 255 into `buffer`.
    public func gatherFeatures<S: TensorScalar>(_ indices: UnsafeBufferPointer<Int>, into buffer: UnsafeMutablePointer<S>) {
        let total = indices.count * pixelsPerImage
        if S.self == Float.self {
            let floats = UnsafeMutableRawPointer(buffer).assumingMemoryBound(to: Float.self)
            gatherImages(rows: indices, into: UnsafeMutableBufferPointer(start: floats, count: total), normalize: true)
        } else {
            withUnsafeTemporaryAllocation(of: Float.self, capacity: pixelsPerImage) { row in
                for (r, index) in indices.enumerated() {
                    gatherImages(rows: CollectionOfOne(index), into: row, normalize: true)
                    for p in 0..<pixelsPerImage { buffer[r * pixelsPerImage + p] = S(row[p]) }
                }
            }
        }
    }

    /// Asks the CPU to bring the pixel bytes of the examples at `indices` into cache before `gatherFeatures`.
    public func prefetchFeatures(_ indices: UnsafeBufferPointer<Int>) {
        let width = pixelsPerImage
        pixels.withUnsafeBytes { bytes in
            for index in indices where index >= 0 && index < count {
                prefetch(bytes.baseAddress! + index * width, byteCount: width)
            }
        }
    }

    /// The pixels themselves, with the value `gatherFeatures` gives each byte.
    public var byteFeatures: ByteFeatures? { ByteFeatures(bytes: pixels, values: normalizedPixelValues) }
}

/// b / 255 as a Float for every byte b: the book's `x.astype(float32) / 255`.
private let normalizedPixelValues: [Float] = (0...255).map { ImageSet.normalized(UInt8($0)) }
