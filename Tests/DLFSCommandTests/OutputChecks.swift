import Foundation
import Testing
#if canImport(FoundationXML)
import FoundationXML
#endif

/// Parses a JSON object printed by `--json`.
func jsonObject(_ text: String) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
}

/// Text content of every `<text>` element, checking on the way that the file is well-formed XML.
func svgTexts(_ url: URL) throws -> [String] {
    final class Collector: NSObject, XMLParserDelegate {
        var texts: [String] = []
        var current = ""
        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                    attributes: [String: String] = [:]) { current = "" }
        func parser(_ parser: XMLParser, foundCharacters string: String) { current += string }
        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            if name == "text" { texts.append(current) }
            current = ""
        }
    }
    let collector = Collector()
    let parser = XMLParser(data: try Data(contentsOf: url))
    parser.delegate = collector
    #expect(parser.parse(), "\(url.lastPathComponent) is not well-formed XML")
    return collector.texts
}

/// Converts an SVG to PNG with `rsvg-convert` when it is on PATH (a failure under DLFS_REQUIRE_DATA=1).
func expectRenders(_ svg: URL) throws {
    let paths = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":")
    guard let tool = paths.map({ URL(fileURLWithPath: String($0)).appendingPathComponent("rsvg-convert") })
        .first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
        if RealData.required { Issue.record("rsvg-convert is not on PATH but DLFS_REQUIRE_DATA=1 (install librsvg2-bin)") }
        else { print("skipping rendering check: rsvg-convert not on PATH (install librsvg2-bin)") }
        return
    }
    let png = svg.deletingPathExtension().appendingPathExtension("png")
    let process = Process()
    process.executableURL = tool
    process.arguments = [svg.path, "-o", png.path]
    try process.run()
    process.waitUntilExit()
    #expect(process.terminationStatus == 0)
    #expect(try Data(contentsOf: png).starts(with: [0x89, 0x50, 0x4E, 0x47]))
}
