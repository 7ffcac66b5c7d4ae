import Foundation

/// Writes `bytes` to a temporary file in the target's directory, then renames it over `path`,
/// so readers never see a partial file and a failure leaves nothing behind.
public func writeAtomically(_ bytes: [UInt8], to path: String) throws {
    let url = URL(fileURLWithPath: path)
    let directory = url.deletingLastPathComponent().path
    let temporary = "\(directory)/.\(url.lastPathComponent).\(getpid()).\(UInt32.random(in: 0...UInt32.max)).tmp"
    do {
        try Data(bytes).write(to: URL(fileURLWithPath: temporary))
    } catch {
        try? FileManager.default.removeItem(atPath: temporary)
        throw DataError(.unwritable, file: path, "cannot write: \(error.localizedDescription)")
    }
    guard rename(temporary, path) == 0 else {
        let reason = String(cString: strerror(errno))
        try? FileManager.default.removeItem(atPath: temporary)
        throw DataError(.unwritable, file: path, "cannot rename the temporary file into place: \(reason)")
    }
}
