/// A problem with a dataset file or directory; the description names the file and what is wrong.
public struct DataError: Error, CustomStringConvertible, Equatable, Sendable {
    /// What went wrong, for callers (and tests) that react to a kind of failure.
    public enum Kind: String, Sendable {
        case unreadable, empty, truncated, corrupt, trailingData
        case badMagic, badElementType, badDimensions, tooLarge
        case countMismatch, shapeMismatch, missingFile, notFound
        case download, checksumMismatch, unwritable
    }

    /// What kind of failure this is.
    public let kind: Kind
    /// The file or directory concerned (a path or URL), when there is one.
    public let file: String?
    /// What is wrong, without the file name.
    public let message: String
    /// The catalogue name of the dataset that was not found (`.notFound` from `DataLocator`), else nil.
    public var dataset: String?

    /// An error of a kind, about a file (or none), saying what is wrong.
    public init(_ kind: Kind, file: String?, _ message: String) {
        self.kind = kind
        self.file = file
        self.message = message
    }

    /// `file: message`, or the message alone when there is no file.
    public var description: String {
        guard let file else { return message }
        return "\(file): \(message)"
    }
}
