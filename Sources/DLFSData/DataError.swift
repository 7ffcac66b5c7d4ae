/// A problem with a dataset file or directory; the description names the file and what is wrong.
public struct DataError: Error, CustomStringConvertible, Equatable, Sendable {
    /// What went wrong, for callers (and tests) that react to a kind of failure.
    public enum Kind: String, Sendable {
        case unreadable, empty, truncated, corrupt, trailingData
        case badMagic, badElementType, badDimensions, tooLarge
        case countMismatch, shapeMismatch, missingFile, notFound
        case download, checksumMismatch, unwritable
    }

    public let kind: Kind
    /// The file or directory concerned (a path or URL), when there is one.
    public let file: String?
    public let message: String
    /// The catalogue name of the dataset that was not found (`.notFound` from `DataLocator`), else nil.
    public var dataset: String?

    public init(_ kind: Kind, file: String?, _ message: String) {
        self.kind = kind
        self.file = file
        self.message = message
    }

    public var description: String {
        guard let file else { return message }
        return "\(file): \(message)"
    }
}
