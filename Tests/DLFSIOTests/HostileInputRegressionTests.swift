import DLFSIO
import Testing

/// Hostile inputs found by fuzzing the readers (fuzz/) or by reviewing them, kept so the fixes stay.
/// Under `swift test --sanitize=address` (CI) LeakSanitizer also checks that nothing they build is leaked.
@Suite("Hostile-input regressions")
struct HostileInputRegressionTests {
    /// A list, dict or NumPy call put inside itself through the memo would be a reference cycle that is
    /// never freed: each such file leaked what it built (found by LeakSanitizer under libFuzzer).
    @Test("a pickle value put inside itself is refused, not leaked", arguments: [
        ([0x80, 0x02, 0x7D, 0x94, 0x68, 0x00, 0x68, 0x00, 0x73, 0x2E], "byte 8: SETITEM: puts a dict inside itself"),
        ([0x80, 0x02, 0x7D, 0x94, 0x28, 0x68, 0x00, 0x4E, 0x75, 0x2E], "byte 8: SETITEMS: puts a dict inside itself"),
        ([0x80, 0x02, 0x5D, 0x94, 0x68, 0x00, 0x61, 0x2E], "byte 6: APPEND: puts a list inside itself"),
        ([0x80, 0x02, 0x63] + Array("numpy\ndtype\n".utf8) + [0x29, 0x52, 0x94, 0x68, 0x00, 0x62, 0x2E],
         "byte 20: BUILD: makes numpy.dtype(…) its own state"),
    ] as [([UInt8], String)])
    func selfContainingPickle(bytes: [UInt8], expected: String) {
        do {
            _ = try NumPyPickle.decode(bytes, file: "cycle.pkl")
            Issue.record("decoded a self-containing pickle")
        } catch {
            #expect("\(error)" == "cycle.pkl: \(expected)")
        }
    }

    /// Duplicate JSON keys were found by a linear search per key, quadratic in a header of many keys (the
    /// reader allows 100 MB of header). 100,000 keys take seconds in linear time and, quadratically, far
    /// beyond the limit, which is wide because the other tests share the cores.
    @Test("a safetensors header with 100,000 metadata keys decodes in linear time", .timeLimit(.minutes(10)))
    func manyHeaderKeys() throws {
        let count = 100_000
        let entries = (0..<count).map { "\"k\($0)\":\"\($0 % 7)\"" }.joined(separator: ",")
        let decoded = try SafeTensors.decode(safetensorsBytes(header: "{\"__metadata__\":{\(entries)}}"), file: "keys.safetensors")
        #expect(decoded.arrays.isEmpty)
        #expect(decoded.metadata?.count == count)
        #expect(decoded.metadata?["k99999"] == "\(99_999 % 7)")
        // The same header with one key repeated at the end is refused, naming the byte of the repeat.
        let repeated = safetensorsBytes(header: "{\"__metadata__\":{\(entries),\"k5\":\"x\"}}")
        let offset = 8 + "{\"__metadata__\":{\(entries),".utf8.count
        #expect(throws: WeightFileError(file: "keys.safetensors", offset: offset, "header: bad JSON: duplicate key \"k5\"")) {
            _ = try SafeTensors.decode(repeated, file: "keys.safetensors")
        }
    }
}
