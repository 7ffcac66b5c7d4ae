import ArgumentParser
import DLFS
import Foundation

/// Runs a command body; a thrown error becomes one `error: …` line on stderr and exit status 1, the
/// status for bad input (errors ArgumentParser raises itself are printed the same way by `DLFSTool.main`,
/// with its usage status 64).
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
