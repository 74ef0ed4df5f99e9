// The start-up check for the instruction sets LinearAlgebra and Networks were compiled to use.
//
// On x86-64 Linux, Package.swift compiles these two modules for AVX2 + FMA ("haswell"). Running
// any of their code on an older CPU would end in SIGILL, so every executable calls
// `CPUGuard.check()` first. Everything here is `@_alwaysEmitIntoClient`: its machine code is
// generated in the calling module (the executables, compiled for baseline x86-64), never here,
// so the check itself cannot contain an instruction the CPU lacks. The `#if` below is resolved
// when this module is compiled, so the client checks for what this module was really built with.

import Foundation

public enum CPUGuard {
  /// The /proc/cpuinfo flags this build of the numeric modules needs (empty: none beyond the
  /// baseline).
  @_alwaysEmitIntoClient
  public static var requiredFlags: [String] {
    #if TABOO_AVX2 && TABOO_FMA
    ["avx2", "fma"]
    #elseif TABOO_AVX2
    ["avx2"]
    #else
    []
    #endif
  }

  /// nil when a CPU with these /proc/cpuinfo `flags` (space-separated) can run this build;
  /// otherwise the one-line message to print. Unreadable flags (nil) are accepted.
  @_alwaysEmitIntoClient
  public static func refusal(cpuFlags: String?, required: [String]? = nil) -> String? {
    let required = required ?? requiredFlags
    guard let cpuFlags, !required.isEmpty else { return nil }
    let present = Set(cpuFlags.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init))
    let missing = required.filter { !present.contains($0) }
    if missing.isEmpty { return nil }
    return "taboo: this build needs a CPU with \(required.joined(separator: ", ")) "
      + "(it lacks \(missing.joined(separator: ", "))); rebuild for this machine with "
      + "TABOO_PORTABLE=1 swift build -c release"
  }

  /// The `flags` line of /proc/cpuinfo (after the colon), or nil when there is none (not Linux,
  /// not x86).
  @_alwaysEmitIntoClient
  public static func cpuinfoFlags() -> String? {
    guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return nil }
    for line in text.split(separator: "\n") where line.hasPrefix("flags") {
      guard let colon = line.firstIndex(of: ":") else { continue }
      return String(line[line.index(after: colon)...])
    }
    return nil
  }

  /// Exits with status 1 and a one-line message on standard error when this CPU lacks an
  /// instruction set the numeric modules were compiled for. Call first thing in `main`.
  @_alwaysEmitIntoClient
  public static func check() {
    if requiredFlags.isEmpty { return }
    if let message = refusal(cpuFlags: cpuinfoFlags()) {
      FileHandle.standardError.write(Data((message + "\n").utf8))
      exit(1)
    }
  }
}
