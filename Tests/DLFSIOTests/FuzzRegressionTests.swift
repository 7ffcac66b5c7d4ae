import DLFSIO
import Testing

/// Inputs found while fuzzing the readers (fuzz/), kept so the fixes stay. Under
/// `swift test --sanitize=address` (CI) LeakSanitizer also checks that nothing they build is leaked.
@Suite("Fuzz regressions")
struct FuzzRegressionTests {
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
}
