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
