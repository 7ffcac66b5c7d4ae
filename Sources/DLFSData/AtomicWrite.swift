import DLFSCore

/// Writes through DLFSCore's atomic writer (temporary file, sync, rename), reporting failures as data errors.
public func writeAtomically(_ bytes: [UInt8], to path: String) throws {
    do { try writeFileAtomically(bytes, to: path) } catch {
        throw DataError(.unwritable, file: path, error.reason)
    }
}
