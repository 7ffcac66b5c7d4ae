import DLFSCore
import DLFSIO
import Foundation
import Testing

/// One array of each dtype, a 0-d and an empty one, and metadata.
func sampleArchive() throws -> NamedArrays {
    var arrays = NamedArrays(metadata: ["format": "pt", "note": "quote \" and newline \n, é"])
    arrays.set(NamedArray(name: "weight", tensor: Tensor<Float>(shape: [2, 3], scalars: [1, -2, 3.5, 0, .infinity, -0.0])))
    arrays.set(NamedArray(name: "bias", tensor: Tensor<Double>([0.1, -1e-300])))
    arrays.set(try NamedArray(name: "pixels", dtype: .uint8, shape: [3], bytes: [0, 128, 255]))
    arrays.set(try NamedArray(name: "labels", dtype: .int32, shape: [2], bytes: [1, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF]))
    arrays.set(try NamedArray(name: "steps", dtype: .int64, shape: [1, 1], bytes: [0, 0, 0, 0, 0, 0, 0, 0x80]))
    arrays.set(NamedArray(name: "scale", tensor: Tensor<Double>(shape: [], scalars: [2.5])))
    arrays.set(try NamedArray(name: "empty", dtype: .float32, shape: [0, 4], bytes: []))
    return arrays
}

@Suite("safetensors")
struct SafeTensorsTests {
    @Test("write then read gives the same arrays and metadata, in Python's layout")
    func roundTrip() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let original = try sampleArchive()
        let path = directory.file("round.safetensors")
        try SafeTensors.write(original, to: path)
        let back = try SafeTensors.read(path)
        // Widest dtype first, then by name: the order the Python writer uses.
        #expect(back.names == ["steps", "bias", "scale", "empty", "weight", "labels", "pixels"])
        #expect(back.metadata == original.metadata)
        for array in original.arrays { #expect(back[array.name] == array, "\(array.name)") }
        #expect(try back["labels"]?.integers() == [1, -1])
        #expect(try back["steps"]?.integers() == [Int64.min])
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["round.safetensors"])
        // The header is padded with spaces to a multiple of 8.
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        let headerLength = bytes[0..<8].reversed().reduce(0) { $0 << 8 | Int($1) }
        #expect(headerLength % 8 == 0 && bytes[8 + headerLength - 1] == UInt8(ascii: " "))
    }

    @Test("a file written by the Python safetensors package reads, and re-encodes to the same bytes")
    func pythonWrittenFixture() throws {
        let bytes = try readFixture("python_written.safetensors")
        let arrays = try SafeTensors.decode(bytes, file: "python_written.safetensors")
        #expect(arrays.metadata == ["format": "np"])
        #expect(arrays.names == ["i64", "f64", "f32", "i32", "u8"])
        #expect(try arrays.tensor("f32", as: Float.self).scalars == [-1, -0.5, 0, 0.5, 1, 1.5])
        #expect(try arrays.tensor("f64", as: Double.self).scalars == [Double.pi, -2.718281828459045, 1e300])
        #expect(try arrays["u8"]?.integers() == [0, 1, 254, 255])
        #expect(try arrays["i32"]?.integers() == [Int64(Int32.min), 0, Int64(Int32.max)])
        #expect(try arrays["i64"]?.integers() == [Int64.min, Int64.max])
        #expect(try SafeTensors.encode(arrays) == bytes)
    }

    @Test("Python's safetensors reads what DLFS writes")
    func pythonReadsDLFS() throws {
        try RealData.requirePythonSafetensors()
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let path = directory.file("dlfs.safetensors")
        try SafeTensors.write(try sampleArchive(), to: path)
        let script = """
            import sys
            from safetensors import safe_open
            with safe_open(sys.argv[1], framework="numpy") as f:
                print(sorted(f.metadata().items()))
                for k in sorted(f.keys()):
                    t = f.get_tensor(k)
                    print(k, t.dtype, list(t.shape), t.ravel().tolist())
            """
        let result = try runPython(script, arguments: [path])
        #expect(result.status == 0, "\(result.error)")
        #expect(result.output == """
            [('format', 'pt'), ('note', 'quote " and newline \\n, é')]
            bias float64 [2] [0.1, -1e-300]
            empty float32 [0, 4] []
            labels int32 [2] [1, -1]
            pixels uint8 [3] [0, 128, 255]
            scale float64 [] [2.5]
            steps int64 [1, 1] [-9223372036854775808]
            weight float32 [2, 3] [1.0, -2.0, 3.5, 0.0, inf, -0.0]

            """)
    }

    static let entry = #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#

    @Test("malformed files get precise errors", arguments: [
        ([1, 2, 3], "only 3 bytes, too short for safetensors"),
        ([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F, 0x7B, 0x7D], "byte 0: header length 9223372036854775807 is beyond the end of the file (10 bytes)"),
        (safetensorsBytes(header: entry, data: [UInt8](repeating: 0, count: 4)),
         "header: tensor \"a\": data_offsets [0, 8] lie outside the 4 bytes of data"),
        (safetensorsBytes(header: #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[8,4]}}"#, data: [UInt8](repeating: 0, count: 8)),
         "header: tensor \"a\": data_offsets [8, 4] are reversed or negative"),
        (safetensorsBytes(header: #"{"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}"#, data: [UInt8](repeating: 0, count: 8)),
         "header: tensor \"a\": shape has a dimension that is negative or not an integer that fits 64 bits"),
        (safetensorsBytes(header: #"{"a":{"dtype":"F32","shape":[18446744073709551616],"data_offsets":[0,8]}}"#, data: [UInt8](repeating: 0, count: 8)),
         "header: tensor \"a\": shape has a dimension that is negative or not an integer that fits 64 bits"),
        (safetensorsBytes(header: #"{"a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,8]}}"#, data: [UInt8](repeating: 0, count: 8)),
         "header: tensor \"a\": shape [4294967296, 4294967296] overflows"),
        (safetensorsBytes(header: #"{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#, data: [UInt8](repeating: 0, count: 8)),
         "header: tensor \"a\": shape [3] of F32 needs 12 bytes but data_offsets span 8"),
        (safetensorsBytes(header: #"{"a":{"dtype":"F16","shape":[4],"data_offsets":[0,8]}}"#, data: [UInt8](repeating: 0, count: 8)),
         "header: tensor \"a\": dtype \"F16\" is not supported (F32, F64, U8, I32, I64)"),
        (safetensorsBytes(header: #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}"#, data: [UInt8](repeating: 0, count: 8)),
         "byte 61: header: bad JSON: unexpected end of the header"),
        (safetensorsBytes(header: #"{"a":{"dtype":F32}}"#, data: []), "byte 22: header: bad JSON: unexpected character"),
        (safetensorsBytes(header: #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{}}"#, data: [0, 0, 0, 0]),
         "byte 62: header: bad JSON: duplicate key \"a\""),
        (safetensorsBytes(header: #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"U8","shape":[4],"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0]),
         "tensors \"a\" and \"b\" overlap in the data"),
        (safetensorsBytes(header: #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, data: [UInt8](repeating: 0, count: 8)),
         "byte 62: data bytes 0..<4 belong to no tensor"),
        (safetensorsBytes(header: #"{"__metadata__":{"n":1}}"#, data: []), "header: __metadata__ value of \"n\" is not a string"),
        (safetensorsBytes(header: #"[]"#, data: []), "byte 8: header: not a JSON object"),
    ] as [([UInt8], String)])
    func malformed(bytes: [UInt8], expected: String) {
        let message = weightFileError { _ = try SafeTensors.decode(bytes, file: "bad.safetensors") }
        #expect(message.hasPrefix("bad.safetensors: " + expected), "\(message)")
    }

    @Test("a write that cannot happen names the file and leaves nothing behind")
    func unwritable() throws {
        let message = weightFileError { try SafeTensors.write(try sampleArchive(), to: "/nonexistent-dlfs-dir/out.safetensors") }
        #expect(message.hasPrefix("/nonexistent-dlfs-dir/out.safetensors: cannot create "), "\(message)")
    }
}
