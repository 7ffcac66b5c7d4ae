#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The reason of the last failed system call, as `strerror` words it.
private func systemError() -> String { String(cString: strerror(errno)) }

/// Reads a whole file into memory (weight files are a few megabytes).
///
/// Opened non-blocking so that a FIFO or device given as the file is refused below instead of blocking
/// `open` forever; reads of a regular file are unaffected.
func readWholeFile(_ path: String) throws -> [UInt8] {
    let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
    guard fd >= 0 else { throw WeightFileError(file: path, "cannot open: \(systemError())") }
    defer { close(fd) }
    var info = stat()
    guard fstat(fd, &info) == 0 else { throw WeightFileError(file: path, "cannot stat: \(systemError())") }
    guard (info.st_mode & S_IFMT) == S_IFREG else { throw WeightFileError(file: path, "is not a regular file") }
    let size = Int(info.st_size)
    var bytes = [UInt8](repeating: 0, count: size)
    var done = 0
    while done < size {
        let n = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress! + done, size - done) }
        if n < 0 {
            if errno == EINTR { continue }
            throw WeightFileError(file: path, "cannot read: \(systemError())")
        }
        if n == 0 { break }  // the file shrank while we read it
        done += n
    }
    if done < size { bytes.removeLast(size - done) }
    return bytes
}

/// Writes `bytes` to a temporary file beside `path` and renames it over `path`, so a reader never sees
/// half a file and a failed write leaves the old file in place.
func writeFileAtomically(_ path: String, _ bytes: [UInt8]) throws {
    let slash = path.lastIndex(of: "/")
    let directory = slash.map { String(path[...$0]) } ?? ""
    let base = slash.map { String(path[path.index(after: $0)...]) } ?? path
    let temporary = "\(directory).\(base).\(getpid()).\(UInt32.random(in: 0...UInt32.max)).tmp"
    let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
    guard fd >= 0 else {
        throw WeightFileError(file: path, "cannot create a temporary file in \(directory.isEmpty ? "." : directory): \(systemError())")
    }
    var done = 0
    var failure: String?
    while done < bytes.count {
        let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + done, bytes.count - done) }
        if n < 0 {
            if errno == EINTR { continue }
            failure = "cannot write: \(systemError())"
            break
        }
        done += n
    }
    if failure == nil, fsync(fd) != 0 { failure = "cannot sync: \(systemError())" }
    if close(fd) != 0, failure == nil { failure = "cannot close: \(systemError())" }
    if failure == nil, rename(temporary, path) != 0 { failure = "cannot rename the temporary file over it: \(systemError())" }
    if let failure {
        unlink(temporary)
        throw WeightFileError(file: path, failure)
    }
}
