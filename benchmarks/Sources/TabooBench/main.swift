// taboo-bench: the speed harness. Not a test: it prints measurements for people to read.
//
//   swift run -c release taboo-bench step [--cells gru,lstm,elman,transformer] [--hidden 32,64,128]
//       [--batch 2,64,576] [--min-time 0.5] [--pytorch results.jsonl]
//   swift run -c release taboo-bench forward [--cells …] [--hidden 64] [--batch 512]
//   swift run -c release taboo-bench shapes [--cells gru|transformer] [--hidden 64] [--batch 576]
//
// `benchmarks/step.sh` runs this together with the PyTorch baseline in one go.

import Foundation
import LinearAlgebra
import Networks
import Specification
import Randomness

// Before any AVX2 code of LinearAlgebra/Networks runs: refuse a CPU without AVX2/FMA.
CPUGuard.check()
BLAS.useBestKernels()
BLAS.threads = 1

let arguments = Array(CommandLine.arguments.dropFirst())
let command = arguments.first ?? "step"
@MainActor func option(_ name: String) -> String? {
  guard let i = arguments.firstIndex(of: "--\(name)"), i + 1 < arguments.count else { return nil }
  return arguments[i + 1]
}
@MainActor func intList(_ name: String, _ fallback: [Int]) -> [Int] {
  option(name).map { $0.split(separator: ",").compactMap { Int($0) } } ?? fallback
}

switch command {
case "step":
  let cells = option("cells").map { $0.split(separator: ",").compactMap { CellKind(rawValue: String($0)) } }
    ?? [.gru, .lstm, .elman]
  let report = StepBenchmark(
    cells: cells, hiddens: intList("hidden", [32, 64, 128]), batches: intList("batch", [2, 64, 576]),
    minimumSeconds: option("min-time").flatMap(Double.init) ?? 0.5,
    pytorchResults: option("pytorch"))
  report.run()
case "forward":
  let cells = option("cells").map { $0.split(separator: ",").compactMap { CellKind(rawValue: String($0)) } }
    ?? [.gru, .lstm, .elman]
  StepBenchmark(
    cells: cells, hiddens: intList("hidden", [64]), batches: intList("batch", [512]),
    minimumSeconds: option("min-time").flatMap(Double.init) ?? 0.5, pytorchResults: nil
  ).runForward()
case "peak":
  let peak = SGEMMPeak.measure()
  print(String(format: "single-thread sgemm peak: %.1f GFLOP/s (%@)", peak.gflops, peak.shape))
case "shapes":
  let peak = SGEMMPeak.measure()
  let cell = option("cells").flatMap { CellKind(rawValue: $0) } ?? .gru
  GemmShapes.run(cell: cell, hidden: intList("hidden", [64])[0], batch: intList("batch", [576])[0],
                 peak: peak.gflops)
default:
  FileHandle.standardError.write(Data("usage: taboo-bench step|forward|peak|shapes [options]\n".utf8))
  exit(64)
}
