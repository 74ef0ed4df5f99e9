// Choosing OpenBLAS's kernels. Debian's OpenBLAS is built with DYNAMIC_ARCH: at load time it
// picks kernels for the CPU it recognises, and falls back to the SSE3 "Prescott" kernels on CPUs
// newer than its tables (seen on this project's machines: 33 GFLOP/s instead of 159 with the
// AVX-512 kernels). The choice can only be overridden through OPENBLAS_CORETYPE before the
// library loads, so an executable that cares re-executes itself once with it set.

import Foundation
import COpenBLAS

extension BLAS {
  /// The kernel set OpenBLAS chose at load time (`openblas_get_corename`), e.g. "SkylakeX".
  public static var coreName: String {
    guard let text = openblas_get_corename() else { return "unknown" }
    return String(cString: text)
  }

  /// The best OpenBLAS kernel set for this CPU's instruction set (from /proc/cpuinfo), when it is
  /// better than the one OpenBLAS chose; nil when OpenBLAS's choice is as good or the CPU unknown.
  public static func betterCoreType(cpuFlags: Set<String>? = nil, current: String? = nil) -> String? {
    guard let flags = cpuFlags ?? readCPUFlags() else { return nil }
    let chosen = (current ?? coreName).lowercased()
    let generic = ["prescott", "core2", "penryn", "dunnington", "nehalem", "atom", "unknown",
                   "katmai", "coppermine", "northwood", "banias"]
    let avx512 = ["avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512cd"]
    if avx512.allSatisfy(flags.contains) {
      return ["skylakex", "cooperlake", "sapphirerapids"].contains(chosen) ? nil : "SkylakeX"
    }
    if flags.contains("avx2") && flags.contains("fma") {
      return generic.contains(chosen) || chosen == "sandybridge" ? "Haswell" : nil
    }
    return nil
  }

  /// Re-executes the current program once with OPENBLAS_CORETYPE set when OpenBLAS fell back to
  /// weaker kernels than the CPU supports. Call first thing in `main`, before any threads start.
  /// Respects an OPENBLAS_CORETYPE the user set; never loops.
  public static func useBestKernels() {
    let environment = ProcessInfo.processInfo.environment
    guard environment["OPENBLAS_CORETYPE"] == nil, environment["TABOO_KERNELS_CHOSEN"] == nil,
      let better = betterCoreType()
    else { return }
    setenv("OPENBLAS_CORETYPE", better, 1)
    setenv("TABOO_KERNELS_CHOSEN", "1", 1)
    execv("/proc/self/exe", CommandLine.unsafeArgv)
    // execv returns only on failure: carry on with the kernels we have.
  }

  private static func readCPUFlags() -> Set<String>? {
    guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
      let line = text.split(separator: "\n").first(where: { $0.hasPrefix("flags") }),
      let colon = line.firstIndex(of: ":")
    else { return nil }
    return Set(line[line.index(after: colon)...].split(separator: " ").map(String.init))
  }
}
