#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The ceilings every reader of untrusted input (IDX, gzip, pickle, safetensors) checks before it allocates,
/// so that no file can crash `dlfs`, or make it use memory or time far beyond the file's own size.
public enum InputLimits {
    /// The largest file, or decompressed IDX payload, read into memory: far above any dataset or weight file
    /// DLFS reads, far below what would exhaust a machine's memory.
    public static let maximumFileSize = 1 << 30
    /// Decoding an input may allocate `expansion` times its size plus `allowance` bytes (see `ReadBudget`).
    public static let expansion = 4
    /// Bytes that decoding may allocate beyond `expansion` times the input.
    public static let allowance = 64 << 20
    /// The most dimensions an array may have: NumPy's own limit (NPY_MAXDIMS).
    public static let maximumRank = 64
}

/// The memory that decoding one input may still allocate: values built, memo entries, arrays assembled.
/// Anything the input makes the decoder allocate beyond its own bytes is charged here first, so a small
/// file that names one array many times, or grows a string in a loop, is refused before the copies exist.
public struct ReadBudget: Sendable {
    /// The most bytes the decoding may allocate.
    public let limit: Int
    /// The bytes allocated so far.
    public private(set) var spent = 0

    /// The budget of an input of `inputSize` bytes.
    public init(inputSize: Int) {
        limit = min(inputSize, InputLimits.maximumFileSize) * InputLimits.expansion + InputLimits.allowance
    }

    /// Charges `bytes`; returns a description of the overrun when the budget cannot cover them.
    public mutating func charge(_ bytes: Int) -> String? {
        guard bytes <= limit - spent else {
            return "needs more than \(limit) bytes of memory to decode (\(InputLimits.expansion) times the input plus "
                + "\(InputLimits.allowance >> 20) MiB); a valid file of this size needs far less"
        }
        spent += bytes
        return nil
    }
}

/// A file that could not be read; `reason` says why, without the path.
public struct FileReadError: Error, CustomStringConvertible, Sendable {
    /// The file that was to be read.
    public let path: String
    /// Why it could not be read.
    public let reason: String
    /// True when the file was refused for its size rather than for a failing system call.
    public let isTooLarge: Bool
    /// `path: reason`.
    public var description: String { "\(path): \(reason)" }
}

/// A regular file open for reading, its size known before anything is allocated for it. Opened
/// non-blocking, so that a FIFO or a device given as input is refused instead of blocking `open` forever.
public final class InputFile {
    /// The file as named by the caller.
    public let path: String
    /// Its size in bytes, at opening.
    public let size: Int
    private let descriptor: Int32

    /// Opens a regular file, or throws saying why it cannot be read.
    public init(_ path: String) throws(FileReadError) {
        self.path = path
        descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard descriptor >= 0 else {
            size = 0
            throw FileReadError(path: path, reason: "cannot open: \(String(cString: strerror(errno)))", isTooLarge: false)
        }
        var status = stat()
        let statFailed = fstat(descriptor, &status) != 0
        guard !statFailed, (status.st_mode & S_IFMT) == S_IFREG else {
            let reason = statFailed ? "cannot stat: \(String(cString: strerror(errno)))" : "is not a regular file"
            close(descriptor)
            size = 0
            throw FileReadError(path: path, reason: reason, isTooLarge: false)
        }
        size = Int(status.st_size)
    }

    deinit { close(descriptor) }

    /// The bytes at `range` (clamped to the file), refused when more than `InputLimits.maximumFileSize`.
    public func read(_ range: Range<Int>) throws(FileReadError) -> [UInt8] {
        let range = range.clamped(to: 0..<size)
        guard range.count <= InputLimits.maximumFileSize else {
            throw FileReadError(path: path, reason: "is \(size) bytes; files over \(InputLimits.maximumFileSize >> 20) MiB are not read",
                                isTooLarge: true)
        }
        var failure: String?
        let bytes = [UInt8](unsafeUninitializedCapacity: range.count) { buffer, initialized in
            while initialized < range.count {
                let n = pread(descriptor, buffer.baseAddress! + initialized, range.count - initialized, off_t(range.lowerBound + initialized))
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else {
                    failure = n < 0 ? "cannot read: \(String(cString: strerror(errno)))" : "the file shrank while it was read"
                    return
                }
                initialized += n
            }
        }
        if let failure { throw FileReadError(path: path, reason: failure, isTooLarge: false) }
        return bytes
    }

    /// The whole file.
    public func readAll() throws(FileReadError) -> [UInt8] { try read(0..<size) }
}
