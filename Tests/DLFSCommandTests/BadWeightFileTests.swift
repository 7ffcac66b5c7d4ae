import DLFSIO
import Foundation
import Testing

/// One row of the weight-file matrix: creates a broken input at the given path and returns the message
/// `dlfs convert IN OUT` must print after `error: `.
struct WeightFileRow: Sendable, CustomTestStringConvertible {
    let testDescription: String
    /// Appended to the input path on the command line (to reach through it).
    let suffix: String
    let makeInput: @Sendable (String) throws -> String

    init(_ name: String, suffix: String = "", _ makeInput: @escaping @Sendable (String) throws -> String) {
        testDescription = name
        self.suffix = suffix
        self.makeInput = makeInput
    }

    /// A row whose input is `bytes`; the message follows `<input>: `.
    init(_ name: String, bytes: [UInt8], _ message: String) {
        self.init(name) { path in
            try BrokenFile.write(bytes, to: path)
            return "\(path): \(message)"
        }
    }
}

private let st = BrokenFile.safetensors
private let twelveBytes = [UInt8](repeating: 0, count: 12)

private let weightRows: [WeightFileRow] = [
    WeightFileRow("missing file") { "\($0): cannot open: No such file or directory" },
    WeightFileRow("a directory") { path in
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        return "\(path): is not a regular file"
    },
    WeightFileRow("a named pipe (must not block)") { path in
        try BrokenFile.makeFIFO(at: path)
        return "\(path): is not a regular file"
    },
    WeightFileRow("a path through a regular file", suffix: "/inside.pkl") { path in
        try BrokenFile.write([1], to: path)
        return "\(path)/inside.pkl: cannot open: Not a directory"
    },
    WeightFileRow("empty file", bytes: [], "is neither a pickle (protocol 2 or later) nor a safetensors file"),
    WeightFileRow("wrong magic (PNG)", bytes: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13],
                  "is neither a pickle (protocol 2 or later) nor a safetensors file"),
    WeightFileRow("protocol 0 pickle", bytes: Array("(dp0\nS'W1'\np1\n.".utf8),
                  "is neither a pickle (protocol 2 or later) nor a safetensors file"),
    WeightFileRow("pickle protocol 6", bytes: [0x80, 0x06, 0x7D, 0x2E], "byte 0: PROTO: protocol 6 is not supported (2 to 5 are)"),
    WeightFileRow("pickle with an unknown opcode", bytes: [0x80, 0x02, 0x7D, 0xFF, 0x2E],
                  "byte 3: unknown or unsupported pickle opcode 0xFF"),
    WeightFileRow("pickle with the PERSID opcode", bytes: [0x80, 0x02, 0x50] + Array("x\n.".utf8),
                  "byte 2: unknown or unsupported pickle opcode 0x50 ('P')"),
    WeightFileRow("pickle string longer than the file", bytes: [0x80, 0x02, 0x58, 0xFF, 0xFF, 0xFF, 0x7F, 0x41],
                  "byte 2: BINUNICODE: declares 2147483647 bytes but only 1 remain"),
    WeightFileRow("pickle bytes declaring 16 EiB", bytes: [0x80, 0x04, 0x8E] + [UInt8](repeating: 0xFF, count: 8) + [0x2E],
                  "byte 2: BINBYTES8: declares 18446744073709551615 bytes but only 1 remain"),
    WeightFileRow("pickle of a list, not a dict", bytes: [0x80, 0x02, 0x5D, 0x2E],
                  "the pickle holds a list, not a dictionary of arrays"),
    WeightFileRow("safetensors too short", bytes: [8, 0, 0, 0, 0, 0, 0, 0, 0x7B],
                  "byte 0: header length 8 is beyond the end of the file (9 bytes)"),
    WeightFileRow("safetensors JSON header longer than the file", bytes: BrokenFile.safetensorsHeaderLength(1000),
                  "byte 0: header length 1000 is beyond the end of the file (10 bytes)"),
    WeightFileRow("safetensors header length of 2^63", bytes: BrokenFile.safetensorsHeaderLength(1 << 63),
                  "byte 0: header length 9223372036854775808 is beyond the end of the file (10 bytes)"),
    WeightFileRow("safetensors header that is not JSON", bytes: st("{\"w\":}", []),
                  "byte 13: header: bad JSON: unexpected character"),
    WeightFileRow("safetensors wrong dtype",
                  bytes: st(#"{"w":{"dtype":"F16","shape":[2,3],"data_offsets":[0,12]}}"#, twelveBytes),
                  "header: tensor \"w\": dtype \"F16\" is not supported (F32, F64, U8, I32, I64)"),
    WeightFileRow("safetensors negative shape",
                  bytes: st(#"{"w":{"dtype":"F32","shape":[-1,3],"data_offsets":[0,12]}}"#, twelveBytes),
                  "header: tensor \"w\": shape has a dimension that is negative or not an integer that fits 64 bits"),
    WeightFileRow("safetensors dimension beyond 64 bits",
                  bytes: st(#"{"w":{"dtype":"F32","shape":[18446744073709551616],"data_offsets":[0,12]}}"#, twelveBytes),
                  "header: tensor \"w\": shape has a dimension that is negative or not an integer that fits 64 bits"),
    WeightFileRow("safetensors shape whose size overflows",
                  bytes: st(#"{"w":{"dtype":"F64","shape":[4294967296,4294967296],"data_offsets":[0,12]}}"#, twelveBytes),
                  "header: tensor \"w\": shape [4294967296, 4294967296] overflows"),
    WeightFileRow("safetensors shape of 4 TB over 12 bytes",
                  bytes: st(#"{"w":{"dtype":"F32","shape":[1000000,1000000],"data_offsets":[0,12]}}"#, twelveBytes),
                  "header: tensor \"w\": shape [1000000, 1000000] of F32 needs 4000000000000 bytes but data_offsets span 12"),
    WeightFileRow("safetensors offsets beyond the data",
                  bytes: st(#"{"w":{"dtype":"F32","shape":[1000000000000],"data_offsets":[0,4000000000000]}}"#, twelveBytes),
                  "header: tensor \"w\": data_offsets [0, 4000000000000] lie outside the 12 bytes of data"),
    WeightFileRow("safetensors reversed offsets",
                  bytes: st(#"{"w":{"dtype":"F32","shape":[3],"data_offsets":[12,0]}}"#, twelveBytes),
                  "header: tensor \"w\": data_offsets [12, 0] are reversed or negative"),
    WeightFileRow("safetensors data cut short",
                  bytes: st(#"{"w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]}}"#, twelveBytes),
                  "header: tensor \"w\": data_offsets [0, 24] lie outside the 12 bytes of data"),
    WeightFileRow("safetensors overlapping tensors",
                  bytes: st(#"{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,12]},"b":{"dtype":"U8","shape":[4],"data_offsets":[8,12]}}"#, twelveBytes),
                  "tensors \"a\" and \"b\" overlap in the data"),
]

@Suite("Bad weight files: dlfs convert IN OUT")
struct BadWeightFileTests {
    static let previous = Array("the previous output, which a failed convert must leave alone".utf8)

    @Test("one error line naming the file, exit 1, OUT untouched", arguments: weightRows)
    func row(_ row: WeightFileRow) throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let input = directory.file("in.weights"), output = directory.file("out.safetensors")
        let expected = try row.makeInput(input)
        try BrokenFile.write(Self.previous, to: output)
        let before = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        expectOneErrorLine(try dlfs("convert", input + row.suffix, output), expected)
        #expect(try [UInt8](Data(contentsOf: URL(fileURLWithPath: output))) == Self.previous)
        let after = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        #expect(after == before, "stray files: \(after)")
    }

    @Test("an unreadable input (skipped as root, whom permissions do not stop)")
    func unreadable() throws {
        guard !BrokenFile.runningAsRoot else {
            try Test.cancel("skipped: running as root, chmod 000 does not stop root from reading")
        }
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let input = directory.file("locked.safetensors")
        try BrokenFile.write(st("{}", []), to: input)
        try FileManager.default.setAttributes([.posixPermissions: 0], ofItemAtPath: input)
        expectOneErrorLine(try dlfs("convert", input, directory.file("out.safetensors")),
                           "\(input): cannot open: Permission denied")
    }

    @Test("an output that cannot be written: one error line, nothing left behind")
    func unwritableOutput() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let input = directory.file("in.safetensors")
        try BrokenFile.write(st(#"{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,12]}}"#, twelveBytes), to: input)
        let folder = directory.file("folder")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
        expectOneErrorLine(try dlfs("convert", input, folder), "\(folder): exists and is a directory, not a regular file; refusing to replace it")
        let nowhere = directory.file("nowhere/out.safetensors")
        expectOneErrorLine(try dlfs("convert", input, nowhere),
                           "\(nowhere): cannot create a temporary file in \(directory.path)/nowhere/: No such file or directory")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() == ["folder", "in.safetensors"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).isEmpty)
        // The same input converts when the output is writable: the rows above fail for the reason they name.
        let good = try dlfs("convert", input, directory.file("out.safetensors"))
        #expect(good.status == 0, "\(good.stderr)")
        #expect(good.stdout == "wrote \(directory.file("out.safetensors")): 1 arrays, 12 bytes of data\n  w  F32  3\n")
    }

    @Test("missing arguments are usage errors")
    func missingArguments() throws {
        expectUsageError(try dlfs("convert"), "Missing expected argument '<input>'")
        expectUsageError(try dlfs("convert", "in.pkl"), "Missing expected argument '<output>'")
    }
}
