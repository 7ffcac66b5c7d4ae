import ArgumentParser
import DLFS
import Foundation

/// Runs a command body; a thrown error becomes one `error: …` line on stderr and a non-zero exit.
///
/// (ArgumentParser itself prints `Error: …`; setting `_errorPrefix` on `DLFSTool` would make this unneeded.)
func reportingErrors(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let exit as ExitCode {
        throw exit
    } catch {
        let text = "\(error)".replacingOccurrences(of: "\n", with: " ")
        FileHandle.standardError.write(Data("error: \(text)\n".utf8))
        throw ExitCode.failure
    }
}

extension Split: ExpressibleByArgument {}
