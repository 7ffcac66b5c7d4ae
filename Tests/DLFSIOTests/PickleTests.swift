import DLFSCore
import DLFSIO
import Testing

/// The fixture arrays of make_fixtures.py, as every pickle style must give them.
func checkFixtureArrays(_ arrays: NamedArrays, sourceLocation: SourceLocation = #_sourceLocation) throws {
    #expect(arrays.names == ["f32", "f64", "u8", "i32", "i64", "fortran", "big_f8", "big_i4", "scalar"], sourceLocation: sourceLocation)
    let f32 = try #require(arrays["f32"])
    #expect(f32.dtype == .float32 && f32.shape == [2, 3])
    #expect(try arrays.tensor("f32", as: Float.self).scalars == [-1, -0.5, 0, 0.5, 1, 1.5], sourceLocation: sourceLocation)
    #expect(try arrays.tensor("f64", as: Double.self).scalars == [Double.pi, -2.718281828459045, 1e300], sourceLocation: sourceLocation)
    #expect(arrays["u8"]?.shape == [2, 2])
    #expect(try arrays["u8"]?.integers() == [0, 1, 254, 255], sourceLocation: sourceLocation)
    #expect(try arrays["i32"]?.integers() == [Int64(Int32.min), 0, Int64(Int32.max)], sourceLocation: sourceLocation)
    #expect(try arrays["i64"]?.integers() == [Int64.min, Int64.max], sourceLocation: sourceLocation)
    // Fortran order comes back row-major: arange(12).reshape(2, 3, 2).
    let fortran = try arrays.tensor("fortran", as: Float.self)
    #expect(fortran.shape == [2, 3, 2] && fortran.scalars == (0..<12).map(Float.init), sourceLocation: sourceLocation)
    #expect(fortran[1, 0, 1] == 7)
    // Big-endian data comes back little-endian.
    let big = try arrays.tensor("big_f8", as: Double.self)
    #expect(big.shape == [2, 2] && big.scalars == [1.5, -2.25, 3e-300, 4], sourceLocation: sourceLocation)
    #expect(arrays["big_i4"]?.dtype == .int32)
    #expect(try arrays["big_i4"]?.integers() == [1, -2, 3], sourceLocation: sourceLocation)
    let scalar = try arrays.tensor("scalar", as: Double.self)
    #expect(scalar.shape == [] && scalar.scalars == [7.25], sourceLocation: sourceLocation)
}

@Suite("NumPy pickles")
struct PickleTests {
    @Test("NumPy 1 and 2 names, protocols 2, 4 and 5, Python 2 strings, OrderedDict",
          arguments: ["arrays_np1_p2", "arrays_np1_p4", "arrays_np1_p5", "arrays_np2_p2", "arrays_np2_p4",
                      "arrays_np2_p5", "arrays_ordered_p2", "arrays_py2"])
    func fixtureStyles(name: String) throws {
        try checkFixtureArrays(NumPyPickle.read(fixture(name + ".pkl")))
    }

    @Test("the book's sample_weight.pkl: names, shapes, float32, values NumPy printed")
    func sampleWeight() throws {
        let weights = try loadWeights(RealData.path("book/sample_weight.pkl"))
        #expect(weights.names == ["b2", "W1", "b1", "W2", "W3", "b3"])
        let shapes = ["W1": [784, 50], "b1": [50], "W2": [50, 100], "b2": [100], "W3": [100, 10], "b3": [10]]
        for (name, shape) in shapes {
            #expect(weights[name]?.shape == shape, "\(name)")
            #expect(weights[name]?.dtype == .float32, "\(name)")
        }
        // Bit patterns from NumPy (`w[k][i].view(np.uint32)`); W1, W2 and W3 are stored in Fortran order.
        let w1: Tensor<Float> = try weights.tensor("W1")
        #expect(w1[0, 0].bitPattern == 0xBBF2_E477)  // -0.007412489
        #expect(w1[783, 49].bitPattern == 0xBD24_B4CA)  // -0.040211476
        #expect(w1[400, 25].bitPattern == 0x3E1B_3EC0)  // 0.15160656
        let w2: Tensor<Float> = try weights.tensor("W2")
        #expect(w2[49, 99].bitPattern == 0x3C14_C4B1)
        #expect(w2[10, 20].bitPattern == 0x3DBA_749C)
        #expect(try weights.tensor("W3", as: Float.self)[99, 9].bitPattern == 0x3D02_2313)
        #expect(try weights.tensor("b1", as: Float.self)[0].bitPattern == 0xBD8A_3F18)
        #expect(try weights.tensor("b2", as: Float.self)[99].bitPattern == 0xBD32_8750)
        let b3: Tensor<Float> = try weights.tensor("b3")
        #expect(b3[0] == -0.060239847749471664 && b3[9] == 0.053233496844768524)
        // Sums in float64 (NumPy: w[k].astype(np.float64).sum()).
        let sums = ["W1": 24.710748511527072, "W2": -4.358106311849042, "W3": -2.648974552284926, "b2": 0.2330201300792396]
        for (name, expected) in sums {
            let sum = try weights.tensor(name, as: Double.self).scalars.reduce(0, +)
            #expect(abs(sum - expected) < 1e-9, "\(name): \(sum)")
        }
    }

    @Test("globals outside the allow-list are refused by name, before anything is called",
          arguments: [("hostile_os_system.pkl", "byte 2: GLOBAL: global 'os.system' is not allowed"),
                      ("hostile_posix_system.pkl", "byte 14: GLOBAL: global 'posix.system' is not allowed"),
                      ("hostile_eval_stack_global.pkl", "byte 29: STACK_GLOBAL: global 'builtins.eval' is not allowed")])
    func hostileGlobals(file: String, expected: String) throws {
        let path = try fixture(file)
        let message = weightFileError { _ = try loadWeights(path) }
        #expect(message.hasPrefix(path + ": " + expected), "\(message)")
    }

    static let proto2: [UInt8] = [0x80, 0x02]

    @Test("hand-made hostile and broken pickles get precise errors", arguments: [
        (proto2 + Array("cbuiltins\neval\n".utf8) + [0x2E], "byte 2: GLOBAL: global 'builtins.eval' is not allowed"),
        (proto2 + Array("cnumpy\nload\n".utf8) + [0x2E], "byte 2: GLOBAL: global 'numpy.load' is not allowed"),
        (proto2 + [0x68, 0x05, 0x2E], "byte 2: BINGET: memo slot 5 does not exist"),
        (proto2 + [0x7D, 0x71, 0x00, 0x6A, 0x00, 0x01, 0x00, 0x00, 0x2E], "byte 5: LONG_BINGET: memo slot 256 does not exist"),
        (proto2 + Array("I1\n.".utf8), "byte 2: unknown or unsupported pickle opcode 0x49 ('I')"),
        (proto2 + [0x97, 0x2E], "byte 2: unknown or unsupported pickle opcode 0x97"),
        (proto2 + [0x52, 0x2E], "byte 2: REDUCE: stack underflow"),
        (proto2 + [0x29, 0x75, 0x2E], "byte 3: SETITEMS: no MARK before it"),
        (proto2 + [0x58, 0xFF, 0xFF, 0xFF, 0xFF, 0x2E], "byte 2: BINUNICODE: declares 4294967295 bytes but only 1 remain"),
        (proto2 + [0x8E] + [UInt8](repeating: 0xFF, count: 8), "byte 2: BINBYTES8: declares 18446744073709551615 bytes but only 0 remain"),
        (proto2 + [0x7D, 0x43, 0x05, 0x41], "byte 3: SHORT_BINBYTES: declares 5 bytes but only 1 remain"),
        (proto2 + [0x7D], "byte 3: truncated pickle: ends before STOP"),
        ([0x80, 0x06, 0x2E], "byte 0: PROTO: protocol 6 is not supported (2 to 5 are)"),
        (proto2 + [0x29] + [UInt8](repeating: 0x85, count: 40) + [0x2E], "byte 34: TUPLE1: values nested deeper than 32 levels"),
        (proto2 + [0x5D, 0x2E], "the pickle holds a list, not a dictionary of arrays"),
        (proto2 + [0x7D, 0x58, 1, 0, 0, 0, 0x61, 0x4B, 0x03, 0x73, 0x2E], "array 'a': is of type int, not a NumPy array"),
        (proto2 + [0x7D, 0x4E, 0x4E, 0x73, 0x4E, 0x2E], "byte 7: STOP: values left on the stack"),
    ] as [([UInt8], String)])
    func brokenPickles(bytes: [UInt8], expected: String) {
        let message = weightFileError { _ = try NumPyPickle.decode(bytes, file: "bad.pkl") }
        #expect(message.hasPrefix("bad.pkl: " + expected), "\(message)")
    }

    @Test("NumPy's protocol-2 pickle of empty arrays, whose data is __builtin__.bytes(), is read")
    func emptyArraysProtocol2() throws {
        let arrays = try NumPyPickle.read(fixture("empty_arrays_p2.pkl"))
        #expect(arrays.names == ["e", "m"])
        #expect(arrays.arrays.map(\.shape) == [[0], [0, 3]])
        #expect(arrays.arrays.map(\.dtype) == [.float32, .float64])
        #expect(arrays.arrays.allSatisfy { $0.bytes.isEmpty })
    }

    @Test("an unsupported dtype names the array and the dtype")
    func complexRefused() throws {
        let message = weightFileError { _ = try NumPyPickle.read(fixture("unsupported_complex.pkl")) }
        #expect(message.hasSuffix("array 'z': dtype 'c8' is not supported (float32, float64, uint8, int32, int64 are)"), "\(message)")
    }

    @Test("every truncation and many byte flips of a real pickle fail cleanly or decode, never crash")
    func truncationsAndFlips() throws {
        let bytes = try readFixture("arrays_np2_p4.pkl")
        for end in 0..<bytes.count {
            let message = weightFileError { _ = try NumPyPickle.decode(Array(bytes[..<end]), file: "cut.pkl") }
            #expect(message.hasPrefix("cut.pkl: "), "\(end): \(message)")
        }
        var generator = SplitMix64(seed: 42)
        for _ in 0..<3000 {
            var copy = bytes
            let i = Int(generator.next() % UInt64(copy.count))
            copy[i] = UInt8(truncatingIfNeeded: generator.next())
            do { _ = try NumPyPickle.decode(copy, file: "flip.pkl") } catch let error as WeightFileError {
                #expect(error.file == "flip.pkl")
            }
        }
    }
}

/// A small deterministic generator for the byte-flip test.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
