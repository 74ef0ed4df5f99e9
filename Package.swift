// swift-tools-version:6.0
// taboo: serial reversal learning in recurrent networks.
// Modules and the direction of every dependency: docs/design.md §1. Specification (the shared
// vocabulary and the run specification) and Randomness at the bottom; LinearAlgebra → Networks;
// ScenarioLanguage and Records on Specification; Simulation on the numeric modules, the language
// and the records; Store (SQLite), Analysis and Output (CSV, SVG) on the records; the `taboo`
// executable on everything.
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

    // The vocabulary shared by the language, the simulator and the records, and the run
    // specification (a scenario resolved at one sweep point). No dependencies.
    .target(name: "Specification"),
    // The only importer of COpenBLAS.
    .target(name: "LinearAlgebra", dependencies: ["COpenBLAS"], swiftSettings: numericSettings),
    // Seeded, platform-independent random numbers; no dependencies.
    .target(name: "Randomness"),
    // Embedding, Elman/GRU/LSTM cells, the causal transformer, readout, loss, optimizers.
    .target(
      name: "Networks", dependencies: ["LinearAlgebra", "Randomness", "Specification"],
      swiftSettings: numericSettings),
    // The scenario language: lexer, parser, validator, diagnostics, resolution. No numeric
    // dependency.
    .target(name: "ScenarioLanguage", dependencies: ["Specification"]),

    // What a run produces (runs, phases with their facts, probes, trials) as plain values.
    .target(name: "Records", dependencies: ["Specification"]),
    // Worlds, item sets, the trainer, probes, batch planning and the batch runner.
    .target(
      name: "Simulation",
      dependencies: ["Networks", "LinearAlgebra", "Randomness", "ScenarioLanguage", "Records", "Specification"]),
    // The SQLite store: the only importer of CSQLite.
    .target(name: "Store", dependencies: ["Records", "Specification", "CSQLite"]),
    // Metrics, statistics and the language-model comparison, from records alone.
    .target(name: "Analysis", dependencies: ["Records", "Specification", "Randomness"]),
    // CSV and SVG.
    .target(name: "Output", dependencies: ["Analysis", "Records", "Specification"]),

    .executableTarget(
      name: "taboo",
      dependencies: [
        "ScenarioLanguage", "Networks", "LinearAlgebra", "Simulation", "Records", "Specification",
        "Store", "Analysis", "Output",
      ]),
    .executableTarget(
      name: "TabooBench", dependencies: ["Networks", "LinearAlgebra", "Randomness", "Specification"],
      path: "benchmarks/Sources/TabooBench"),

    .testTarget(name: "LinearAlgebraTests", dependencies: ["LinearAlgebra", "Randomness"]),
    .testTarget(
      name: "NetworksTests", dependencies: ["Networks", "LinearAlgebra", "Randomness", "Specification"],
      resources: [.copy("Golden")]),
    .testTarget(
      name: "ScenarioLanguageTests", dependencies: ["ScenarioLanguage", "Specification", "Randomness"],
      resources: [.copy("Fixtures")]),
    .testTarget(
      name: "SimulationTests",
      dependencies: ["Simulation", "Analysis", "ScenarioLanguage", "Records", "Networks", "Randomness", "Specification"]),
    // Shared fixtures of the record-reading tests: hand-built runs, temporary directories.
    .target(
      name: "RecordFixtures", dependencies: ["Records", "Specification", "Store", "Randomness"],
      path: "Tests/RecordFixtures"),
    .testTarget(
      name: "StoreTests",
      dependencies: ["Store", "Analysis", "Output", "Records", "Specification", "RecordFixtures"]),
    .testTarget(
      name: "AnalysisTests",
      dependencies: ["Analysis", "Output", "Store", "Records", "Specification", "RecordFixtures"]),
    .testTarget(
      name: "OutputTests",
      dependencies: ["Output", "Analysis", "Store", "Records", "Specification", "RecordFixtures"]),
    .testTarget(
      name: "CLITests",
      dependencies: ["taboo", "Store", "Analysis", "Output", "Records", "Specification", "Randomness"]),
  ],
  swiftLanguageModes: [.v6]
)
