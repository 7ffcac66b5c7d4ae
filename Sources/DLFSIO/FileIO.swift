import DLFSCore

/// Reads a whole weight file; a FIFO, a device or a file over `InputLimits.maximumFileSize` is refused
/// before anything is allocated for it.
func readWholeFile(_ path: String) throws -> [UInt8] {
    do { return try InputFile(path).readAll() } catch { throw WeightFileError(file: path, error.reason) }
}
