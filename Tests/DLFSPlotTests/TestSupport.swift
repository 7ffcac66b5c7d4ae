import Foundation
import Testing
#if canImport(FoundationXML)
import FoundationXML
#endif

/// `DLFS_REQUIRE_DATA=1` (set by CI) turns a missing external tool from a skip into a failure.
let requireData = ProcessInfo.processInfo.environment["DLFS_REQUIRE_DATA"] == "1"

/// `rsvg-convert` from Debian's librsvg2-bin, if it is on PATH.
let rsvgConvert: URL? = {
    let paths = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":")
    return paths.map { URL(fileURLWithPath: String($0)).appendingPathComponent("rsvg-convert") }
        .first { FileManager.default.isExecutableFile(atPath: $0.path) }
}()

/// Checks that `rsvg-convert` renders an SVG to a PNG; skipped (with a message) when the tool is missing,
/// failing instead under `DLFS_REQUIRE_DATA=1`.
func expectRenders(_ svg: URL) throws {
    guard let tool = rsvgConvert else {
        if requireData {
            Issue.record("rsvg-convert is not on PATH but DLFS_REQUIRE_DATA=1 (install librsvg2-bin)")
        } else {
            print("skipping rendering check: rsvg-convert not on PATH (install librsvg2-bin)")
        }
        return
    }
    let png = svg.deletingPathExtension().appendingPathExtension("png")
    let process = Process()
    process.executableURL = tool
    process.arguments = [svg.path, "-o", png.path]
    try process.run()
    process.waitUntilExit()
    #expect(process.terminationStatus == 0)
    let data = try Data(contentsOf: png)
    #expect(data.starts(with: [0x89, 0x50, 0x4E, 0x47]), "not a PNG")
    #expect(data.count > 1000)
}

/// Parses XML and collects element names and text, failing the test on a parse error.
final class XMLSummary: NSObject, XMLParserDelegate {
    var elements: [String: Int] = [:]
    var texts: [String] = []
    private var current = ""

    init(_ data: Data) {
        super.init()
        let parser = XMLParser(data: data)
        parser.delegate = self
        let ok = parser.parse()
        #expect(ok, "SVG is not well-formed XML: \(parser.parserError.map { "\($0)" } ?? "?")")
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        elements[name, default: 0] += 1
        current = ""
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { current += string }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        if name == "text" { texts.append(current) }
        current = ""
    }
}

/// A fresh temporary directory for one test.
func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("dlfs-plot-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
