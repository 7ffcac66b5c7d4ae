import Foundation

/// A file that could not be written; `reason` names the step that failed.
public struct FileWriteError: Error, CustomStringConvertible, Sendable {
    public let path: String
    public let reason: String
    public var description: String { "\(path): \(reason)" }
}

/// Writes `bytes` to a temporary file beside `path` (`.name.<pid>.<random>.tmp`), flushes it to disk and
/// renames it over `path`: a reader, or a crash or SIGKILL at any moment, finds the old file or the whole
/// new one, never a part. On failure the temporary is removed and `path` is untouched. Temporaries of the
/// same `path` left behind by killed writers (whose process no longer exists) are removed after a
/// successful write. The one writer of files in DLFS: checkpoints, caches, figures.
public func writeFileAtomically(_ bytes: some ContiguousBytes, to path: String) throws(FileWriteError) {
    let slash = path.lastIndex(of: "/")
    let directory = slash.map { String(path[...$0]) } ?? ""
    let base = slash.map { String(path[path.index(after: $0)...]) } ?? path
    let prefix = ".\(base)."
    let temporary = "\(directory)\(prefix)\(getpid()).\(UInt32.random(in: 0...UInt32.max)).tmp"
    func fail(_ reason: String) -> FileWriteError { FileWriteError(path: path, reason: reason) }
    let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
    guard fd >= 0 else {
        throw fail("cannot create a temporary file in \(directory.isEmpty ? "." : directory): \(String(cString: strerror(errno)))")
    }
    var failure: String?
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
    if failure == nil, fsync(fd) != 0 { failure = "cannot sync: \(String(cString: strerror(errno)))" }
    if close(fd) != 0, failure == nil { failure = "cannot close: \(String(cString: strerror(errno)))" }
    if failure == nil, rename(temporary, path) != 0 { failure = "cannot rename the temporary file over it: \(String(cString: strerror(errno)))" }
    if let failure {
        unlink(temporary)
        throw fail(failure)
    }
    removeAbandonedTemporaries(in: directory.isEmpty ? "." : directory, prefix: prefix)
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
