import Foundation
import Hummingbird

/// The page's files, read once from the target's resources: the only files the server answers with, by a
/// fixed table of paths, so no request path ever reaches the file system.
struct PageFiles {
    struct File: Sendable {
        var bytes: ByteBuffer
        var contentType: String

        func response() -> Response {
            Response(status: .ok, headers: [.contentType: contentType, .cacheControl: "no-cache"],
                     body: ResponseBody(byteBuffer: bytes))
        }
    }

    /// Request path → file.
    let routes: [(String, File)]

    init() throws {
        let files = [("index.html", "text/html; charset=utf-8"), ("app.js", "text/javascript; charset=utf-8"),
                     ("style.css", "text/css; charset=utf-8")]
        var routes: [(String, File)] = []
        for (name, type) in files {
            let base = (name as NSString).deletingPathExtension, ext = (name as NSString).pathExtension
            guard let url = Bundle.module.url(forResource: base, withExtension: ext, subdirectory: "Page") else {
                throw PageMissing(name: name)
            }
            let file = File(bytes: ByteBuffer(bytes: try Data(contentsOf: url)), contentType: type)
            routes.append(("/\(name)", file))
            if name == "index.html" { routes.append(("/", file)) }
        }
        self.routes = routes
    }
}

/// The page's resources are not beside the executable (a build whose resource bundle was not installed).
struct PageMissing: Error, CustomStringConvertible {
    var name: String
    var description: String { "the page's file \(name) is missing from dlfs's resources (DLFS_DLFSServe.resources)" }
}
