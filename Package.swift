// swift-tools-version:6.0
// taboo: serial reversal learning in recurrent networks.
// Layers, dependencies one way: C libraries → LinearAlgebra → Networks → Simulation ← ScenarioLanguage;
// Results on top; the `taboo` executable on everything.
import PackageDescription

// The numeric modules (LinearAlgebra, Networks) are compiled for AVX2 + FMA ("haswell") on x86-64
// Linux: their gate kernels run on 8-lane vectors with fused multiply-adds. Every executable
// checks the CPU first (`CPUGuard`, inlined into the baseline-compiled executable) and exits with
// a one-line message on a CPU without AVX2/FMA instead of faulting. Elsewhere (aarch64, macOS)
// nothing changes. `TABOO_PORTABLE=1 swift build …` builds for baseline x86-64 instead.
#if arch(x86_64)
let numericSettings: [SwiftSetting] = Context.environment["TABOO_PORTABLE"] != nil ? [] : [
  .unsafeFlags(["-target-cpu", "haswell"], .when(platforms: [.linux])),
  .define("TABOO_AVX2", .when(platforms: [.linux])),
  .define("TABOO_FMA", .when(platforms: [.linux])),
]
#else
let numericSettings: [SwiftSetting] = []
#endif

let package = Package(
  name: "taboo",
  platforms: [.macOS(.v14)],
  products: [
    .executable(name: "taboo", targets: ["taboo"]),
    .executable(name: "taboo-bench", targets: ["TabooBench"]),
  ],
  targets: [
    // System libraries from Debian's packages, found through pkg-config.
    .systemLibrary(
      name: "COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
    .systemLibrary(
      name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),

    // The only importer of COpenBLAS.
    .target(name: "LinearAlgebra", dependencies: ["COpenBLAS"], swiftSettings: numericSettings),
    // Seeded, platform-independent random numbers; no dependencies.
    .target(name: "Randomness"),
    // Embedding, Elman/GRU/LSTM cells, readout, loss, optimizers.
    .target(
      name: "Networks", dependencies: ["LinearAlgebra", "Randomness"],
      swiftSettings: numericSettings),
    // The scenario language: lexer, parser, validator, diagnostics. No numeric dependency.
    .target(name: "ScenarioLanguage"),

    // What a run produces (runs, phases, probes) as plain values; no dependencies.
    .target(name: "Records"),
    // Worlds, item sets, schedules, the trainer, probes and the batch runner.
    .target(
      name: "Simulation",
      dependencies: ["Networks", "Randomness", "ScenarioLanguage", "Records"]),
    // The SQLite store (the only importer of CSQLite), analysis, CSV and SVG.
    .target(
      name: "Results", dependencies: ["Records", "ScenarioLanguage", "Randomness", "CSQLite"]),

    .executableTarget(
      name: "taboo",
      dependencies: [
        "ScenarioLanguage", "Networks", "LinearAlgebra", "Simulation", "Records", "Results",
      ]),
    .executableTarget(
      name: "TabooBench", dependencies: ["Networks", "LinearAlgebra", "Randomness"],
      path: "benchmarks/Sources/TabooBench"),

    .testTarget(name: "LinearAlgebraTests", dependencies: ["LinearAlgebra", "Randomness"]),
    .testTarget(
      name: "NetworksTests", dependencies: ["Networks", "LinearAlgebra", "Randomness"],
      resources: [.copy("Golden")]),
    .testTarget(
      name: "ScenarioLanguageTests", dependencies: ["ScenarioLanguage"],
      resources: [.copy("Fixtures")]),
    .testTarget(
      name: "SimulationTests", dependencies: ["Simulation", "ScenarioLanguage", "Records", "Networks"]),
    .testTarget(
      name: "ResultsTests", dependencies: ["Results", "Records", "ScenarioLanguage"],
      resources: [.copy("Fixtures")]),
    .testTarget(name: "CLITests", dependencies: ["taboo", "Results", "Records"]),
  ],
  swiftLanguageModes: [.v6]
)
