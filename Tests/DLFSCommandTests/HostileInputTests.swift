import Foundation
import Testing

/// The hostile inputs of issue 19, built here (the real ones are megabytes): each must end with one error
/// line (or success) within seconds, never a signal, and within memory a small multiple of its size.
@Suite("Hostile inputs: sizes, memory and time")
struct HostileInputTests {
    /// Pickle opcodes, spelled out as `pickletools` names them.
    enum Pickle {
        static func text(_ s: String) -> [UInt8] { [0x58] + le32(s.utf8.count) + Array(s.utf8) }  // BINUNICODE
        static func le32(_ n: Int) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: n >> (8 * $0)) } }
        static func global(_ module: String, _ name: String) -> [UInt8] { [0x63] + Array("\(module)\n\(name)\n".utf8) }
        static func dtype(_ descr: String) -> [UInt8] {  // numpy.dtype(descr, False, True) with state (3, '<', …)
            global("numpy", "dtype") + text(descr) + [0x89, 0x88, 0x87, 0x52, 0x28, 0x4B, 3] + text("<")
                + [0x4E, 0x4E, 0x4E, 0x4A] + le32(-1) + [0x4A] + le32(-1) + [0x4B, 0, 0x74, 0x62]
        }
        /// `_reconstruct(ndarray, (0,), b'b')` with the state (1, shape, dtype, fortran, data).
        static func array(shape: [Int], dtype descr: String, fortran: Bool, data: [UInt8]) -> [UInt8] {
            global("numpy.core.multiarray", "_reconstruct") + global("numpy", "ndarray")
                + [0x4B, 0, 0x85, 0x43, 1, UInt8(ascii: "b"), 0x87, 0x52]
                + [0x28, 0x4B, 1, 0x28] + shape.flatMap { [0x4A] + le32($0) } + [0x74] + dtype(descr)
                + [fortran ? 0x88 : 0x89, 0x42] + le32(data.count) + data + [0x74, 0x62]
        }
    }

    /// One 4 MB float32 array under 2,000 keys through the memo (valid: Python loads it, sharing the array).
    static let aliasing: [UInt8] = [0x80, 2, 0x7D, 0x28] + Pickle.text("k0")
        + Pickle.array(shape: [1 << 20], dtype: "f4", fortran: false, data: [UInt8](repeating: 0, count: 4 << 20))
        + [0x71, 1] + (1..<2000).flatMap { Pickle.text("k\($0)") + [0x68, 1] } + [0x75, 0x2E]

    /// `_codecs.encode` of one memoised 1 MB string, 6,000 times, each result kept on the stack.
    static let codecsLoop: [UInt8] = [0x80, 2] + Pickle.text(String(repeating: "a", count: 1 << 20)) + [0x71, 0]
        + Pickle.global("_codecs", "encode") + [0x71, 1, 0x30, 0x30, 0x28]
        + Array((0..<6000).map { _ in [0x68, 1, 0x68, 0] + Pickle.text("latin1") + [0x86, 0x52] }.joined()) + [0x31, 0x7D, 0x2E]

    /// 10 MB of MEMOIZE.
    static let memoizeRun: [UInt8] = [0x80, 4, 0x4E] + [UInt8](repeating: 0x94, count: 10 << 20) + [0x30, 0x7D, 0x2E]

    /// A Fortran-order float32 array whose shape has 300,000 dimensions of length 1.
    static let manyDimensions: [UInt8] = [0x80, 2, 0x7D] + Pickle.text("F")
        + Pickle.array(shape: [Int](repeating: 1, count: 300_000), dtype: "f4", fortran: true, data: [0, 0, 0, 0]) + [0x73, 0x2E]

    /// A safetensors header of about 60 MB describing a million zero-size tensors.
    static let millionTensors: [UInt8] = {
        var header = "{" + (0..<1_000_000).map { "\"t\($0)\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]}" }
            .joined(separator: ",") + "}"
        header += String(repeating: " ", count: (8 - header.utf8.count % 8) % 8)
        return Pickle.le32(header.utf8.count) + [0, 0, 0, 0] + Array(header.utf8)
    }()

    /// The end of a ReadBudget error for an input of `size` bytes: 4 times the input plus 64 MiB.
    static func overBudget(_ size: Int) -> String {
        "needs more than \(4 * size + (64 << 20)) bytes of memory to decode (4 times the input plus 64 MiB); "
            + "a valid file of this size needs far less"
    }

    /// The inputs by name (arguments of a test are printed whole when it fails: names, not megabytes).
    static let inputs: [String: (bytes: [UInt8], start: String, end: String)] = [
        "alias.pkl": (aliasing, "array 'k", overBudget(aliasing.count)),
        "codecs.pkl": (codecsLoop, "byte ", "REDUCE: " + overBudget(codecsLoop.count)),
        "memoize.pkl": (memoizeRun, "byte ", "MEMOIZE: " + overBudget(memoizeRun.count)),
        "dims.pkl": (manyDimensions, "array 'F': ", "shape has 300000 dimensions, more than NumPy's 64"),
    ]

    /// Each took 40 to 90 s, or gigabytes, before; a debug build sharing the cores with other tests takes
    /// about a second.
    @Test("each is refused with one error line within seconds", arguments: ["alias.pkl", "codecs.pkl", "memoize.pkl", "dims.pkl"])
    func convert(name: String) throws {
        let (bytes, start, end) = try #require(Self.inputs[name])
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let input = directory.file(name)
        try Data(bytes).write(to: URL(fileURLWithPath: input))
        let started = Date()
        let result = try dlfs("convert", input, directory.file("out.safetensors"))
        #expect(Date().timeIntervalSince(started) < 30)
        #expect(result.status == 1 && !result.signaled && result.stdout.isEmpty)
        #expect(result.errorLines.count == 1 && result.stderr.hasPrefix("error: \(input): \(start)")
                && result.stderr.hasSuffix("\(end)\n"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: directory.file("out.safetensors")))
    }

    @Test("a million zero-size tensors in a 60 MB header are refused, not read for half a minute")
    func millionTensors() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let input = directory.file("many.safetensors")
        try Data(Self.millionTensors).write(to: URL(fileURLWithPath: input))
        let started = Date()
        let result = try dlfs("convert", input, directory.file("out.safetensors"))
        #expect(Date().timeIntervalSince(started) < 30)
        #expect(result.status == 1 && !result.signaled)
        #expect(result.errorLines.count == 1 && result.stderr.utf8.count < 400, "\(result.stderr.prefix(400))")
        #expect(result.stderr.hasPrefix("error: \(input): byte ")
                && result.stderr.hasSuffix("header: \(Self.overBudget(Self.millionTensors.count))\n"), "\(result.stderr.prefix(400))")
    }

    /// Address space limited to 1 GiB (the aliasing file alone would need 8.4 GB): a clean error, quickly.
    /// Skipped under AddressSanitizer, whose shadow memory needs terabytes of address space.
    @Test("under prlimit --as=1GiB: the aliasing and Fortran-order inputs fail cleanly",
          .enabled(if: !(dlfsExecutable?.path.contains("asan") ?? true) && FileManager.default.isExecutableFile(atPath: "/usr/bin/prlimit")))
    func underAddressSpaceLimit() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        for name in ["alias.pkl", "dims.pkl"] {
            let (bytes, start, end) = try #require(Self.inputs[name])
            let input = directory.file(name)
            try Data(bytes).write(to: URL(fileURLWithPath: input))
            var runs = [["convert", input, directory.file("out.safetensors")]]
            if RealData.mnistTestSetPresent { runs.append(["infer", "--weights", input, "--data-dir", RealData.mnist]) }
            for arguments in runs {
                let started = Date()
                let result = try dlfs(arguments, wrapper: ["/usr/bin/prlimit", "--as=\(1 << 30)", "--"])
                #expect(Date().timeIntervalSince(started) < 30, "\(arguments)")
                #expect(result.status == 1 && !result.signaled && result.errorLines.count == 1, "\(arguments): \(result.stderr)")
                #expect(result.stderr.hasPrefix("error: \(input): \(start)") && result.stderr.hasSuffix("\(end)\n"), "\(result.stderr)")
            }
        }
    }

    @Test("sparse files of 100 GB and 4 GB are judged by size and header, never read whole")
    func sparseFiles() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let weights = directory.file("big.safetensors")
        #expect(FileManager.default.createFile(atPath: weights, contents: nil) && truncate(weights, 100 << 30) == 0)
        expectOneErrorLine(try dlfs("convert", weights, directory.file("out.safetensors")),
                           "\(weights): is \(100 << 30) bytes; files over 1024 MiB are not read")
        for (size, name) in [(100 << 30, "huge"), (4 << 30, "large")] {
            let data = directory.file(name)
            try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
            let images = "\(data)/t10k-images-idx3-ubyte"
            try Data(BrokenFile.idxHeader([10_000, 28, 28])).write(to: URL(fileURLWithPath: images))
            #expect(truncate(images, off_t(size)) == 0)
            try Data(BrokenFile.idxHeader([10_000]) + [UInt8](repeating: 1, count: 10_000))
                .write(to: URL(fileURLWithPath: "\(data)/t10k-labels-idx1-ubyte"))
            let started = Date()
            expectOneErrorLine(try dlfs("show", "--data-dir", data),
                               "\(images): \(size - 7_840_016) bytes after the 7840000 bytes the header [10000, 28, 28] declares")
            #expect(Date().timeIntervalSince(started) < 10)
        }
    }
}
