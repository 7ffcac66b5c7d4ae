import Foundation

/// Finds a dataset's files: the directory given, then `$DLFS_DATA_DIR/<dataset>`, then the cache
/// (`$XDG_CACHE_HOME/dlfs/<dataset>`, else `~/.cache/dlfs/<dataset>`), then the system directories, then a
/// download into the cache. When all fail, one error lists every place looked and how to get the data.
public struct DataLocator: Sendable {
    /// Fetches `files` of a dataset into a directory; `nil` disables downloading (offline, tests).
    public typealias Download = @Sendable (_ info: DatasetInfo, _ files: [DatasetFile], _ directory: String) throws -> Void

    /// The variables read: `DLFS_DATA_DIR`, `XDG_CACHE_HOME`, `HOME` and the mirrors variables.
    public var environment: [String: String]
    /// How missing files are fetched into the cache; nil never downloads.
    public var download: Download?

    /// `download` defaults to the `Downloader` with the catalogue mirrors (or the environment's override).
    public init(environment: [String: String] = ProcessInfo.processInfo.environment, download: Download? = nil,
                allowsDownload: Bool = true) {
        self.environment = environment
        if let download {
            self.download = download
        } else if allowsDownload {
            self.download = { info, files, directory in
                try Downloader(dataset: info, environment: environment).fetch(files, into: directory)
            }
        } else {
            self.download = nil
        }
    }

    /// Where downloads of `info` are kept.
    public func cacheDirectory(for info: DatasetInfo) -> String {
        if let xdg = environment["XDG_CACHE_HOME"], !xdg.isEmpty { return "\(xdg)/dlfs/\(info.name)" }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return "\(home)/.cache/dlfs/\(info.name)"
    }

    /// The directory holding every file the splits need.
    public func locate(_ info: DatasetInfo, splits: [Split] = Split.allCases, dataDir: String? = nil) throws -> String {
        let files = info.files(for: splits)
        if let dataDir {
            // An explicit directory is the user's choice: say what is missing there rather than look elsewhere.
            for file in files { _ = try Self.existingPath(of: file, in: dataDir) }
            return dataDir
        }
        var looked: [String] = ["no directory given"]
        var candidates: [String] = []
        if let root = environment["DLFS_DATA_DIR"], !root.isEmpty {
            candidates.append("\(root)/\(info.name)")
        } else {
            looked.append("$DLFS_DATA_DIR not set")
        }
        let cache = cacheDirectory(for: info)
        candidates += [cache] + info.systemDirectories
        for directory in candidates {
            if let problem = Self.problem(with: files, in: directory) ?? (directory == cache ? Self.unverified(files, in: cache) : nil) {
                looked.append("\(directory) (\(problem))")
            } else {
                return directory
            }
        }
        if let download, !info.mirrors.isEmpty {
            do {
                try download(info, files, cache)
                return cache
            } catch {
                looked.append("download into \(cache) failed (\(error))")
            }
        } else {
            looked.append("download disabled")
        }
        var error = DataError(.notFound, file: nil, notFoundMessage(info, splits: splits, looked: looked))
        error.dataset = info.name
        throw error
    }

    /// What was looked at and which files would do; the command line adds its own options to the advice.
    private func notFoundMessage(_ info: DatasetInfo, splits: [Split], looked: [String]) -> String {
        let names = info.files(for: splits).map(\.name).joined(separator: ", ")
        let splitNames = splits.map(\.rawValue).joined(separator: " and ") + (splits.count == 1 ? " split" : " splits")
        var message = "no \(info.name) data for the \(splitNames); looked at: "
            + looked.joined(separator: "; ")
            + ". It needs the IDX files \(names) (gzip or raw) in one directory"
        if let hint = info.offlineHint { message += "; or \(hint)" }
        return message
    }

    /// The path of `file` in `directory` (the `.gz` name, else the raw one), or an error naming what is
    /// missing, or what cannot be looked at (a directory without search permission is not "missing").
    public static func existingPath(of file: DatasetFile, in directory: String) throws -> String {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) else {
            throw DataError(.missingFile, file: directory, "no such directory (it should hold \(file.name))")
        }
        guard isDirectory.boolValue else {
            throw DataError(.missingFile, file: directory, "not a directory (it should be one holding \(file.name))")
        }
        for name in [file.name, file.rawName] {
            var status = stat()
            if stat("\(directory)/\(name)", &status) == 0 { return "\(directory)/\(name)" }
            if errno == EACCES {
                throw DataError(.unreadable, file: directory, "cannot look inside for \(file.name): \(String(cString: strerror(errno)))")
            }
        }
        throw DataError(.missingFile, file: "\(directory)/\(file.name)", "missing (neither \(file.name) nor \(file.rawName) is in the directory)")
    }

    /// Why the copies of `files` in the download cache cannot be used (the first that fails its size or
    /// SHA-256), or nil when all verify: a damaged cache is downloaded again, never read as data.
    static func unverified(_ files: [DatasetFile], in directory: String) -> String? {
        for file in files {
            do { try file.verify(IDX.readFile("\(directory)/\(file.name)"), source: file.name) } catch {
                return "\(file.name) fails verification"
            }
        }
        return nil
    }

    /// Why `directory` cannot serve `files`, or nil when it can.
    static func problem(with files: [DatasetFile], in directory: String) -> String? {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            return "no such directory"
        }
        var missing: [String] = []
        for file in files {
            do { _ = try existingPath(of: file, in: directory) } catch let error as DataError where error.kind == .unreadable {
                return error.message
            } catch {
                missing.append(file.name)
            }
        }
        return missing.isEmpty ? nil : "missing \(missing.joined(separator: ", "))"
    }
}
