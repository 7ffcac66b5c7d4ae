/// A problem with a dataset file or directory; the description names the file and what is wrong.
public struct DataError: Error, CustomStringConvertible, Equatable, Sendable {
    /// What went wrong, for callers (and tests) that react to a kind of failure.
    public enum Kind: String, Sendable {
        /// The file or directory exists but cannot be opened or read.
        case unreadable
        /// The file has no bytes.
        case empty
        /// The data ends before its header or the gzip stream says it should.
        case truncated
        /// The bytes are not valid: a damaged gzip stream, or a label outside the classes.
        case corrupt
        /// Bytes follow the end the gzip stream or the IDX header declares.
        case trailingData
        /// The file does not start as an IDX file does (00 00 08).
        case badMagic
        /// An IDX element type other than unsigned bytes, the only one the datasets use.
        case badElementType
        /// An IDX array with the wrong number of dimensions: images need 3, labels 1.
        case badDimensions
        /// The file, or what it decompresses to, is larger than DLFS reads, so a hostile file cannot fill memory.
        case tooLarge
        /// The labels file and the images file hold different numbers of examples.
        case countMismatch
        /// The pixels do not divide into images of the stated size.
        case shapeMismatch
        /// A file or its directory is not where it should be.
        case missingFile
        /// No dataset of that name, or none of its copies in the places looked.
        case notFound
        /// No mirror served a valid copy of the file.
        case download
        /// The file matches neither the published file nor its decompressed content (size and SHA-256).
        case checksumMismatch
        /// The file cannot be written, or zlib could not compress.
        case unwritable
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
