import DLFSIO
import Foundation
import Testing

@Suite("dlfs convert")
struct ConvertCommandTests {
    @Test("sample_weight.pkl to safetensors: prints what it wrote, reads back bit for bit")
    func sampleWeight() throws {
        let input = try RealData.path("book/sample_weight.pkl")
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let output = directory.file("sample_weight.safetensors")
        let result = try dlfs(["convert", input, output])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == """
            wrote \(output): 6 arrays, 181440 bytes of data
              W1  F32  784x50
              W2  F32  50x100
              W3  F32  100x10
              b1  F32  50
              b2  F32  100
              b3  F32  10

            """)
        let pickled = try NumPyPickle.read(input)
        let converted = try SafeTensors.read(output)
        #expect(Set(converted.names) == Set(pickled.names))
        for array in pickled.arrays { #expect(converted[array.name] == array, "\(array.name)") }
        // safetensors in, safetensors out: the same bytes again.
        let again = directory.file("again.safetensors")
        let json = try dlfs(["convert", output, again, "--json"])
        #expect(json.status == 0, "\(json.stderr)")
        #expect(json.stdout.hasPrefix("{\"input\":\"\(output)\",\"output\":\"\(again)\",\"arrays\":[{\"name\":\"W1\",\"dtype\":\"F32\",\"shape\":[784,50]},"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: again)) == Data(contentsOf: URL(fileURLWithPath: output)))
    }

    @Test("a hostile pickle: exit non-zero, one error line naming the global, no output file", arguments: [
        ([0x80, 0x02] + Array("cos\nsystem\n".utf8) + [0x58, 0x02, 0, 0, 0] + Array("id".utf8) + [0x85, 0x52, 0x2E], "byte 2: GLOBAL: global 'os.system' is not allowed"),
        ([0x80, 0x04, 0x8C, 0x08] + Array("builtins".utf8) + [0x8C, 0x04] + Array("eval".utf8) + [0x93, 0x2E], "byte 18: STACK_GLOBAL: global 'builtins.eval' is not allowed"),
        ([0x80, 0x02, 0x7D, 0x68, 0x07, 0x2E], "byte 3: BINGET: memo slot 7 does not exist"),
        ([0x80, 0x02, 0x7D, 0x28], "byte 4: truncated pickle: ends before STOP"),
    ] as [([UInt8], String)])
    func hostile(bytes: [UInt8], expected: String) throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let input = directory.file("evil.pkl"), output = directory.file("out.safetensors")
        try Data(bytes).write(to: URL(fileURLWithPath: input))
        let result = try dlfs(["convert", input, output])
        #expect(result.status != 0)
        #expect(result.stdout.isEmpty)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(result.stderr)")
        #expect(result.stderr.lowercased().hasPrefix("error: \(input): \(expected)".lowercased()), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: output))
    }
}
