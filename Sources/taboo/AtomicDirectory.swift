// Output files that appear all together or not at all, for `export` and `plot`. The files are
// written into a staging directory beside the destination (same parent, a dot-name, so the same
// file system) and moved into place only once every one of them was written. A new destination
// is the staging directory renamed; in an existing one each file is renamed over its old
// version, the old versions kept (as hard links) until all are in, and put back if a rename
// fails. On any failure the destination is as it was and the staging directory is removed.
// Files of the destination that the command does not write are left alone.

import Foundation

struct StagedDirectory {
  /// The directory the files are for.
  let destination: String
  /// Where they are written first.
  let staging: String
  /// Whether `staging` is beside `destination` (else inside it: the parent was not writable).
  private let beside: Bool

  /// Why staging or moving failed: the directory could not be made, or a file not written.
  struct Failure: Error, CustomStringConvertible {
    enum Kind { case create, write }
    var kind: Kind
    var path: String
    var reason: String

    var description: String {
      switch kind {
      case .create: "cannot create the directory \(path): \(reason)"
      case .write: "cannot write \(path): \(reason)"
      }
    }
  }

  /// Creates the staging directory, and the destination's parent directories if missing.
  init(for destination: String) throws(Failure) {
    let manager = FileManager.default
    let url = URL(fileURLWithPath: destination)
    self.destination = destination
    var isDirectory: ObjCBool = false
    let exists = manager.fileExists(atPath: destination, isDirectory: &isDirectory)
    if exists && !isDirectory.boolValue {
      throw Failure(kind: .create, path: destination, reason: "a file of that name exists")
    }
    let parent = url.deletingLastPathComponent().path
    if let error = Self.makeDirectories(parent) {
      throw Failure(kind: .create, path: destination, reason: String(cString: strerror(error)).lowercased())
    }
    let name = ".\(url.lastPathComponent).taboo-"
    if let made = Self.makeUnique(in: parent, prefix: name) {
      staging = made
      beside = true
    } else if exists, let made = Self.makeUnique(in: destination, prefix: ".taboo-staging-") {
      // The parent may not be written, the destination may: stage inside it.
      staging = made
      beside = false
    } else {
      throw Failure(kind: .create, path: destination, reason: String(cString: strerror(errno)).lowercased())
    }
  }

  /// The path of the file `name` while it is staged.
  func path(_ name: String) -> String {
    (staging as NSString).appendingPathComponent(name)
  }

  /// The path of the file `name` once in place.
  func finalPath(_ name: String) -> String {
    URL(fileURLWithPath: destination).appendingPathComponent(name).path
  }

  /// Moves the staged files `names` into the destination, all or none, and removes the staging
  /// directory.
  func commit(_ names: [String]) throws(Failure) {
    defer { discard() }
    let manager = FileManager.default
    if beside && !manager.fileExists(atPath: destination) {
      guard rename(staging, destination) == 0 else { throw failure(moving: destination) }
      return
    }
    // Nothing is moved unless every file can be.
    for name in names {
      var isDirectory: ObjCBool = false
      if manager.fileExists(atPath: finalPath(name), isDirectory: &isDirectory), isDirectory.boolValue {
        throw Failure(kind: .write, path: finalPath(name), reason: "a directory of that name is in the way")
      }
    }
    let previous = (staging as NSString).appendingPathComponent(".previous")
    guard mkdir(previous, 0o700) == 0 else { throw failure(moving: destination) }
    var kept: Set<String> = []  // names whose old file is held in `previous`
    var moved: [String] = []
    func restore() {
      for name in moved.reversed() {
        if kept.contains(name) {
          _ = rename((previous as NSString).appendingPathComponent(name), finalPath(name))
        } else {
          unlink(finalPath(name))
        }
      }
    }
    for name in names where manager.fileExists(atPath: finalPath(name)) {
      guard link(finalPath(name), (previous as NSString).appendingPathComponent(name)) == 0 else {
        throw failure(moving: finalPath(name))
      }
      kept.insert(name)
    }
    for name in names {
      guard rename(path(name), finalPath(name)) == 0 else {
        let failed = failure(moving: finalPath(name))
        restore()
        throw failed
      }
      moved.append(name)
    }
  }

  /// Removes the staging directory and whatever is in it.
  func discard() {
    try? FileManager.default.removeItem(atPath: staging)
  }

  private func failure(moving path: String) -> Failure {
    Failure(kind: .write, path: path, reason: String(cString: strerror(errno)).lowercased())
  }

  /// Creates `path` and its missing parents; nil, or the errno of the failure.
  private static func makeDirectories(_ path: String) -> Int32? {
    var isDirectory: ObjCBool = false
    if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
      return isDirectory.boolValue ? nil : ENOTDIR
    }
    let parent = (path as NSString).deletingLastPathComponent
    if !parent.isEmpty, parent != path, let error = makeDirectories(parent) { return error }
    if mkdir(path, 0o777) == 0 || errno == EEXIST { return nil }
    return errno
  }

  /// A new directory `prefix` + a random tag in `parent`, or nil (errno says why).
  private static func makeUnique(in parent: String, prefix: String) -> String? {
    for _ in 0..<8 {
      let tag = UUID().uuidString.prefix(8).lowercased()
      let path = (parent as NSString).appendingPathComponent(prefix + tag)
      if mkdir(path, 0o777) == 0 { return path }
      if errno != EEXIST { return nil }
    }
    return nil
  }

  /// The underlying POSIX reason of a file error, in a few words.
  static func reason(_ error: Error) -> String {
    let ns = error as NSError
    if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError,
      underlying.domain == NSPOSIXErrorDomain,
      let code = POSIXErrorCode(rawValue: Int32(underlying.code))
    {
      return String(cString: strerror(code.rawValue)).lowercased()
    }
    return ns.localizedDescription
  }
}
