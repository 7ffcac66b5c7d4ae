import DLFSCore
import Foundation
import Testing
@testable import DLFSData

@Suite struct ImageSetTests {
    func fixture() throws -> ImageSet {
        try ImageSet(pixels: Fixture.pixels, labels: Fixture.labels, rows: 2, columns: 2, classCount: 10)
    }

    @Test func gatherNormalisesSelectedRowsInOrder() throws {
        let set = try fixture()
        var out = [Float](repeating: -1, count: 8)
        out.withUnsafeMutableBufferPointer { set.gatherImages(rows: [2, 0], into: $0, normalize: true) }
        #expect(out == [10 / 255, 20 / 255, 30 / 255, 40 / 255, 0, 1, 0.2, 0.4] as [Float])
        out.withUnsafeMutableBufferPointer { set.gatherImages(rows: [1, 1], into: $0, normalize: false) }
        #expect(out == [1, 2, 3, 4, 1, 2, 3, 4])
    }

    /// The product-and-correction must round every byte exactly as the division; the bare product by
    /// 1/255 differs in 126 of the 256 (NumPy: `(x * np.float32(1/255)) != x / np.float32(255)`).
    @Test func normalisedBytesAreTheDivisionToTheBit() {
        for byte in 0...255 {
            let expected = Float(byte) / 255
            #expect(ImageSet.normalized(UInt8(byte)).bitPattern == expected.bitPattern, "byte \(byte)")
        }
        let reciprocal: Float = 1 / 255
        #expect((0...255).count { Float($0) * reciprocal != Float($0) / 255 } == 126)
    }

    @Test func labelsAsIndicesOrOneHot() throws {
        let set = try fixture()
        var indices = [Float](repeating: -1, count: 2)
        indices.withUnsafeMutableBufferPointer { set.gatherLabels(rows: [2, 0], into: $0, oneHot: false) }
        #expect(indices == [9, 7])
        guard case .oneHot(let t) = set.tensors(rows: [0, 1], oneHotLabel: true).labels else {
            Issue.record("expected one-hot rows")
            return
        }
        #expect(t.shape == [2, 10])
        #expect(t.scalars == [0, 0, 0, 0, 0, 0, 0, 1, 0, 0] + [1, 0, 0, 0, 0, 0, 0, 0, 0, 0])
    }

    @Test func tensorsHaveTheBookShapes() throws {
        let set = try fixture()
        let flat = set.tensors()
        #expect(flat.images.shape == [3, 4])
        guard case .indices(let labels) = flat.labels else { Issue.record("expected class indices"); return }
        #expect(labels == [7, 0, 9])
        let square = set.tensors(normalize: false, flatten: false)
        #expect(square.images.shape == [3, 1, 2, 2])
        #expect(square.images.scalars == Fixture.pixels.map(Float.init))
    }

    @Test func inconsistentArraysAreRefused() {
        expectDataError(.shapeMismatch, naming: "set", saying: "12 pixels do not make 2 images of 2x2") {
            _ = try ImageSet(pixels: Fixture.pixels, labels: [1, 2], rows: 2, columns: 2, classCount: 10, name: "set")
        }
        expectDataError(.corrupt, naming: "set", saying: "label 9 at index 2 is not below the 8 classes") {
            _ = try ImageSet(pixels: Fixture.pixels, labels: Fixture.labels, rows: 2, columns: 2, classCount: 8, name: "set")
        }
    }

    @Test func imageAndLabelCountsMustAgree() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let images = try dir.write("images.gz", Gzip.compress(Fixture.imagesIDX))
        let labels = try dir.write("labels", IDX.encode(dimensions: [4], bytes: [1, 2, 3, 4]))
        expectDataError(.countMismatch, naming: labels, saying: "holds 4 labels but \(images) holds 3 images") {
            _ = try ImageSet(imagesPath: images, labelsPath: labels, classCount: 10)
        }
        expectDataError(.badDimensions, naming: labels, saying: "an images file needs 3 dimensions") {
            _ = try ImageSet(imagesPath: labels, labelsPath: labels, classCount: 10)
        }
    }

    @Test func aDirectoryMissingAFileIsNamed() throws {
        let (info, files) = try Fixture.dataset()
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        _ = try dir.write("train-images-idx3-ubyte.gz", files["train-images-idx3-ubyte.gz"]!)
        expectDataError(.missingFile, naming: "\(dir.path)/train-labels-idx1-ubyte.gz", saying: "missing") {
            _ = try Dataset.read(info, splits: [.train], from: dir.path)
        }
        // A raw (uncompressed) copy under the name without .gz is found.
        _ = try dir.write("train-labels-idx1-ubyte", Fixture.labelsIDX)
        let set = try Dataset.read(info, splits: [.train], from: dir.path).split(.train)
        #expect(set.labels == Fixture.labels)
        #expect(set.pixels == Fixture.pixels)
    }
}

@Test("subset: the images and labels at the indices, in their order, repeats allowed")
func imageSetSubset() throws {
    let set = try ImageSet(pixels: Fixture.pixels, labels: Fixture.labels, rows: 2, columns: 2, classCount: 10)
    let picked = set.subset([2, 0, 2])
    #expect(picked.count == 3 && picked.rows == 2 && picked.columns == 2 && picked.classCount == 10)
    #expect(picked.labels == [9, 7, 9])
    #expect(Array(picked.image(at: 1)) == Array(set.image(at: 0)) && Array(picked.image(at: 2)) == Array(set.image(at: 2)))
    #expect(set.subset(0..<0).count == 0)
}
