/// A weight file that cannot be read or written: names the file, the byte offset when one is known, and
/// what is wrong, so one line on stderr is enough to find the problem.
public struct WeightFileError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file as the user named it.
    public var file: String
    /// Offset in the file of the offending byte (pickle opcode, safetensors header field), when known.
    public var offset: Int?
    /// What is wrong, without the file name.
    public var message: String

    /// An error about a file, at a byte offset when one is known.
    public init(file: String, offset: Int? = nil, _ message: String) {
        self.file = file
        self.offset = offset
        self.message = message
    }

    /// `file: byte N: message`, or as much of it as is known.
    public var description: String {
        if file.isEmpty { return message }
        if let offset { return "\(file): byte \(offset): \(message)" }
        return "\(file): \(message)"
    }
}
