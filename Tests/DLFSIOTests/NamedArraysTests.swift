import DLFSCore
import DLFSIO
import Foundation
import Testing

@Suite("named arrays and the weight file loader")
struct NamedArraysTests {
    @Test("float32 and float64 convert to either tensor type; integers refuse")
    func tensorConversion() throws {
        let doubles = NamedArray(name: "d", tensor: Tensor<Double>(shape: [2], scalars: [0.1, 1e40]))
        #expect(doubles.dtype == .float64 && doubles.bytes.count == 16)
        let narrowed: Tensor<Float> = try doubles.tensor()
        #expect(narrowed.scalars == [0.1, .infinity])
        let floats = NamedArray(name: "f", tensor: Tensor<Float>(shape: [1, 2], scalars: [0.1, -3]))
        #expect(floats.bytes == [0xCD, 0xCC, 0xCC, 0x3D, 0x00, 0x00, 0x40, 0xC0])
        let widened: Tensor<Double> = try floats.tensor()
        #expect(widened.shape == [1, 2] && widened.scalars == [Double(Float(0.1)), -3])
        let labels = try NamedArray(name: "labels", dtype: .uint8, shape: [2], bytes: [7, 2])
        let archive = NamedArrays([labels], source: "w.safetensors")
        let message = weightFileError { _ = try archive.tensor("labels", as: Float.self) }
        #expect(message == "w.safetensors: array 'labels' is U8, not a floating-point array")
        let missing = weightFileError { _ = try archive.tensor("W1", as: Float.self) }
        #expect(missing == "w.safetensors: no array named 'W1' (it has labels)")
        let wrongSize = weightFileError { _ = try NamedArray(name: "x", dtype: .int64, shape: [2], bytes: [1, 2]) }
        #expect(wrongSize == "array 'x': shape [2] of I64 needs 16 bytes, got 2")
    }

    @Test("the loader picks the format by content, not by extension, and names the file in errors")
    func formatByContent() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let disguisedPickle = directory.file("really-a-pickle.safetensors")
        try Data(readFixture("arrays_np2_p2.pkl")).write(to: URL(fileURLWithPath: disguisedPickle))
        try checkFixtureArrays(loadWeights(disguisedPickle))
        let disguisedSafetensors = directory.file("really-safetensors.pkl")
        try Data(readFixture("python_written.safetensors")).write(to: URL(fileURLWithPath: disguisedSafetensors))
        #expect(try loadWeights(disguisedSafetensors).names == ["i64", "f64", "f32", "i32", "u8"])
        let garbage = directory.file("garbage.bin")
        try Data("hello".utf8).write(to: URL(fileURLWithPath: garbage))
        #expect(weightFileError { _ = try loadWeights(garbage) }
            == "\(garbage): is neither a pickle (protocol 2 or later) nor a safetensors file")
        let absent = directory.file("absent.pkl")
        #expect(weightFileError { _ = try loadWeights(absent) } == "\(absent): cannot open: No such file or directory")
    }

    @Test("a pickle converted to safetensors reads back bit for bit")
    func pickleToSafetensors() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let arrays = try NumPyPickle.read(fixture("arrays_np1_p5.pkl"))
        try SafeTensors.write(arrays, to: directory.file("a.safetensors"))
        let back = try loadWeights(directory.file("a.safetensors"))
        #expect(Set(back.names) == Set(arrays.names))
        for array in arrays.arrays { #expect(back[array.name] == array, "\(array.name)") }
    }
}
