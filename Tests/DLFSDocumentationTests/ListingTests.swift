import Foundation
import Testing

/// Every ```swift listing of the DocC articles is code of a test: the lines of each listing, with their
/// indentation removed, appear one after another in the test file of the same name (`Chapter3.md` and
/// `Chapter3Tests.swift`). An edited article whose test was not edited with it fails here.
@Suite("The articles' listings are the tests' code")
struct ListingTests {
    static let catalogue = DocumentationData.packageRoot.appendingPathComponent("Sources/DLFS/DLFS.docc")
    static let tests = DocumentationData.packageRoot.appendingPathComponent("Tests/DLFSDocumentationTests")
    static let articles = ["GettingStarted", "Chapter3", "Chapter4", "Chapter5", "Chapter6", "Chapter7", "Chapter8", "Kernels"]

    /// The ```swift blocks of a Markdown text, each as its lines without leading or trailing spaces.
    static func listings(in markdown: String) -> [[String]] {
        var listings: [[String]] = [], current: [String]?
        for line in markdown.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if current == nil, trimmed == "```swift" {
                current = []
            } else if current != nil, trimmed == "```" {
                listings.append(current!)
                current = nil
            } else {
                current?.append(trimmed)
            }
        }
        return listings
    }

    static func lines(of file: URL) throws -> [String] {
        try String(contentsOf: file, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespaces) }
    }

    @Test("The catalogue holds exactly the articles checked here, beside the landing page")
    func articleList() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.catalogue.path).filter { $0.hasSuffix(".md") }
        #expect(Set(files) == Set((Self.articles + ["DLFS"]).map { "\($0).md" }))
    }

    @Test("Each listing appears verbatim in its article's test file", arguments: articles)
    func listingsAreTested(article: String) throws {
        let markdown = try String(contentsOf: Self.catalogue.appendingPathComponent("\(article).md"), encoding: .utf8)
        let listings = Self.listings(in: markdown)
        #expect(!listings.isEmpty, "\(article).md has no swift listing")
        let source = try Self.lines(of: Self.tests.appendingPathComponent("\(article)Tests.swift"))
        for listing in listings {
            let found = (0...max(0, source.count - listing.count)).contains { start in
                Array(source[start..<min(source.count, start + listing.count)]) == listing
            }
            #expect(found, "\(article).md: this listing is not in \(article)Tests.swift:\n\(listing.joined(separator: "\n"))")
        }
    }

    @Test("The listing extractor finds fenced swift blocks only")
    func extractor() {
        let text = "Text\n```swift\n    let a = 1\nprint(a)\n```\n```sh\nswift test\n```\n```swift\nb\n```"
        #expect(Self.listings(in: text) == [["let a = 1", "print(a)"], ["b"]])
    }
}
