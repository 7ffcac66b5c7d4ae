import Foundation

/// A file that could not be written; `reason` names the step that failed.
public struct FileWriteError: Error, CustomStringConvertible, Sendable {
    /// The file that was to be written.
    public let path: String
    /// The step that failed and why.
    public let reason: String
    /// `path: reason`.
    public var description: String { "\(path): \(reason)" }
}

/// Writes `bytes` to a temporary file beside `path` (`.name.<pid>.<random>.tmp`), flushes it to disk and
/// renames it over `path`: a reader, or a crash or SIGKILL at any moment, finds the old file or the whole
/// new one, never a part. On failure the temporary is removed and `path` is untouched. Temporaries of the
/// same `path` left behind by killed writers (whose process no longer exists) are removed after a
/// successful write. The one writer of files in DLFS: checkpoints, caches, figures.
///
/// An existing `path` must be a regular file (or a link to one), whose permission bits the new file keeps;
/// anything else (a device, a FIFO, a socket, a directory) is refused, never replaced by a regular file.
public func writeFileAtomically(_ bytes: some ContiguousBytes, to path: String) throws(FileWriteError) {
    let slash = path.lastIndex(of: "/")
    let directory = slash.map { String(path[...$0]) } ?? ""
    let base = slash.map { String(path[path.index(after: $0)...]) } ?? path
    let prefix = temporaryPrefix(of: base)
    let temporary = "\(directory)\(prefix)\(getpid()).\(UInt32.random(in: 0...UInt32.max)).tmp"
    func fail(_ reason: String) -> FileWriteError { FileWriteError(path: path, reason: reason) }
    let existing = try existingRegularFile(at: path)
    let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
    guard fd >= 0 else {
        throw fail("cannot create a temporary file in \(directory.isEmpty ? "." : directory): \(String(cString: strerror(errno)))")
    }
    var failure: String?
    if let existing, fchmod(fd, existing.st_mode & 0o7777) != 0 {
        failure = "cannot keep its permissions: \(String(cString: strerror(errno)))"
    }
    if failure == nil {
        bytes.withUnsafeBytes { buffer in
            var done = 0
            while done < buffer.count {
                let n = write(fd, buffer.baseAddress! + done, buffer.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = "cannot write: \(String(cString: strerror(errno)))"
                    return
                }
                done += n
            }
        }
    }
    if failure == nil, fsync(fd) != 0 { failure = "cannot sync: \(String(cString: strerror(errno)))" }
    if close(fd) != 0, failure == nil { failure = "cannot close: \(String(cString: strerror(errno)))" }
    if failure == nil, rename(temporary, path) != 0 { failure = "cannot rename the temporary file over it: \(String(cString: strerror(errno)))" }
    if let failure {
        unlink(temporary)
        throw fail(failure)
    }
    removeAbandonedTemporaries(in: directory.isEmpty ? "." : directory, prefix: prefix)
}

/// The status of the file at `path` (following links), nil when there is none, or an error when it is
/// anything but a regular file: what `writeFileAtomically` checks, for commands to check before long work.
@discardableResult
public func existingRegularFile(at path: String) throws(FileWriteError) -> stat? {
    var status = stat()
    guard stat(path, &status) == 0 else { return nil }
    guard (status.st_mode & S_IFMT) == S_IFREG else {
        throw FileWriteError(path: path, reason: "exists and is \(fileKind(status.st_mode)), not a regular file; refusing to replace it")
    }
    return status
}

/// `.name.`, with `name` cut to 200 bytes (at a character boundary) so that the temporary's name, 30 bytes
/// longer, stays within the 255 bytes a file name may have whenever `name` itself does.
func temporaryPrefix(of base: String) -> String {
    var kept = Substring(base)
    while kept.utf8.count > 200 { kept.removeLast() }
    return ".\(kept)."
}

/// "a character device", "a FIFO", … for an error message.
func fileKind(_ mode: mode_t) -> String {
    switch mode & S_IFMT {
    case S_IFDIR: "a directory"
    case S_IFCHR: "a character device"
    case S_IFBLK: "a block device"
    case S_IFIFO: "a FIFO"
    case S_IFSOCK: "a socket"
    default: "of an unknown kind"
    }
}

/// Removes `<prefix><pid>.<random>.tmp` files whose writing process no longer exists.
private func removeAbandonedTemporaries(in directory: String, prefix: String) {
    guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return }
    for name in names where name.hasPrefix(prefix) && name.hasSuffix(".tmp") {
        let fields = name.dropFirst(prefix.count).dropLast(4).split(separator: ".")
        guard fields.count == 2, let pid = pid_t(fields[0]), UInt32(fields[1]) != nil else { continue }
        if kill(pid, 0) != 0 && errno == ESRCH { unlink("\(directory)/\(name)") }
    }
}
