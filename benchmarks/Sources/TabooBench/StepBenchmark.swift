import Foundation
import LinearAlgebra
import Networks
import Specification
import Randomness

/// One full training step (forward, backward, Adam) of the canonical network family:
/// vocabulary 7, embedding 32, 5 classes, 7 time steps, loss at every position.
struct StepBenchmark {
  let cells: [CellKind]
  let hiddens: [Int]
  let batches: [Int]
  let minimumSeconds: Double
  let pytorchResults: String?

  static let steps = 7, embedding = 32, classes = 5, vocabulary = 7

  /// Floating-point operations of the matrix products of one step as the textbook (and
  /// PyTorch) computes it (2·m·n·k each); the elementwise gate arithmetic is not counted. This is
  /// the same count for both sides, so GFLOP/s compare like with like. taboo does fewer: with token
  /// inputs its input projection and its W_ih and embedding gradients work on the V embedding rows
  /// instead of all T·B positions (see Network+Training.swift and `taboo-bench shapes`), so its
  /// figure is an effective rate and may exceed what the sgemm calls themselves achieve.
  /// benchmarks/batch.sh mirrors this formula.
  static func matrixFlops(cell: CellKind, hidden h: Int, batch b: Int) -> Double {
    if let sizes = shape(cell: cell, hidden: h).transformer {
      // Per block: the in-, out- and MLP projections (2·R·(3D² + D² + 2DF)) and the attention
      // products (scores and context, 2·B·T²·D each, as a dense T × T product); backward twice
      // the projections (weight gradients and ∂inputs) and four attention products. The readout
      // 2RDC forward, twice that backward.
      let t = Double(steps), d = Double(h), c = Double(classes), f = Double(sizes.feedForward)
      let rows = t * Double(b), attention = 2 * Double(b) * t * t * d
      let projections = 2 * rows * (3 * d * d + d * d + 2 * d * f)
      return Double(sizes.layers) * (3 * projections + 6 * attention) + 3 * 2 * rows * d * c
    }
    let t = Double(steps), e = Double(embedding), c = Double(classes)
    let gh = Double(cell.gates * h), hh = Double(h), bb = Double(b)
    let rows = t * bb, recurrentRows = (t - 1) * bb  // h_0 = 0: no W_hh h_0 product
    let forward = 2 * rows * e * gh + 2 * recurrentRows * hh * gh + 2 * rows * hh * c
    let backward = 2 * rows * c * hh * 2  // head_W gradient and ∂h from the readout
      + 2 * recurrentRows * gh * hh  // ∂h_{t−1} = dG · W_hh per step
      + 2 * rows * gh * e * 2  // W_ih gradient and ∂x
      + 2 * recurrentRows * gh * hh  // W_hh gradient
    return forward + backward
  }

  func run() {
    let peak = SGEMMPeak.measure()
    let torch = loadPyTorch()
    print("taboo-bench step — one training step (forward, backward, Adam), one thread")
    print("OpenBLAS: \(BLAS.configuration); kernels \(BLAS.coreName); threads \(BLAS.threads)")
    print(String(format: "single-thread sgemm peak: %.1f GFLOP/s (%@)", peak.gflops, peak.shape))
    print("T=\(Self.steps) E=\(Self.embedding) C=\(Self.classes) V=\(Self.vocabulary), "
      + "loss at every position; matrix FLOPs counted; median of repeated steps")
    print("")
    let header = ["cell", "H", "B", "taboo ms", "GFLOP/s", "% peak", "torch ms", "speed-up"]
    let widths = [6, 5, 5, 10, 9, 8, 10, 9]
    print(zip(header, widths).map { pad($0, $1) }.joined())
    for cell in cells {
      for hidden in hiddens {
        for batch in batches {
          let seconds = time(cell: cell, hidden: hidden, batch: batch)
          let flops = Self.matrixFlops(cell: cell, hidden: hidden, batch: batch)
          let gflops = flops / seconds / 1e9
          let torchMs = torch["\(cell.rawValue)/\(hidden)/\(batch)"]
          let row = [
            cell.rawValue, "\(hidden)", "\(batch)", String(format: "%.3f", seconds * 1e3),
            String(format: "%.1f", gflops), String(format: "%.0f%%", 100 * gflops / peak.gflops),
            torchMs.map { String(format: "%.3f", $0) } ?? "—",
            torchMs.map { String(format: "%.1f×", $0 / (seconds * 1e3)) } ?? "—",
          ]
          print(zip(row, widths).map { pad($0, $1) }.joined())
        }
      }
    }
    if torch.isEmpty {
      print("\n(no PyTorch results: run benchmarks/step.sh to measure PyTorch in the same run)")
    }
  }

  /// The benchmarked network: E = 32 for the cells; the transformer embeds into its width D = H
  /// (2 blocks, 4 heads, F = 4D, positions T).
  static func shape(cell: CellKind, hidden: Int) -> NetworkShape {
    if cell == .transformer {
      return NetworkShape(
        transformer: TransformerSizes(width: hidden), vocabulary: vocabulary, inputSize: hidden,
        hidden: hidden, classes: classes, positions: steps)
    }
    return NetworkShape(cell: cell, vocabulary: vocabulary, inputSize: embedding, hidden: hidden,
                        classes: classes)
  }

  /// Median seconds per training step.
  func time(cell: CellKind, hidden: Int, batch: Int) -> Double {
    let shape = Self.shape(cell: cell, hidden: hidden)
    var network = Network(shape: shape, seed: 1)
    var random = SeededGenerator(seed: 2, stream: "bench")
    let tokens = (0..<(Self.steps * batch)).map { _ in Int32(random.nextInt(below: Self.vocabulary)) }
    let targets = (0..<(Self.steps * batch)).map { _ in Int32(random.nextInt(below: Self.classes)) }
    let ws = Workspace(shape: shape, capacity: batch, maxSteps: Self.steps)
    var gradient = network.zeroBuffer()
    var adam = Optimizer(rule: .adam(), learningRate: 0.003, parameterCount: network.layout.count)
    let result = measure(minimumSeconds: minimumSeconds) {
      tokens.withUnsafeBufferPointer { t in
        targets.withUnsafeBufferPointer { y in
          _ = network.forward(.tokens(t), targets: y, batch: batch, steps: Self.steps,
                              supervision: .everyPosition, workspace: ws)
        }
      }
      // As the trainer steps: the update leaves the gradient zero for the next backward pass.
      network.backward(workspace: ws, into: &gradient)
      adam.update(&network.parameters, clearing: &gradient)
    }
    return result.median
  }

  /// Median seconds per forward pass alone (as a probe evaluates), keeping what backward needs or
  /// not (`forBackward`).
  func forwardTime(cell: CellKind, hidden: Int, batch: Int, forBackward: Bool) -> Double {
    let shape = Self.shape(cell: cell, hidden: hidden)
    let network = Network(shape: shape, seed: 1)
    var random = SeededGenerator(seed: 2, stream: "bench")
    let tokens = (0..<(Self.steps * batch)).map { _ in Int32(random.nextInt(below: Self.vocabulary)) }
    let targets = (0..<(Self.steps * batch)).map { _ in Int32(random.nextInt(below: Self.classes)) }
    let ws = Workspace(shape: shape, capacity: batch, maxSteps: Self.steps)
    return measure(minimumSeconds: minimumSeconds) {
      tokens.withUnsafeBufferPointer { t in
        targets.withUnsafeBufferPointer { y in
          _ = network.forward(.tokens(t), targets: y, batch: batch, steps: Self.steps,
                              supervision: .everyPosition, forBackward: forBackward, workspace: ws)
        }
      }
    }.median
  }

  /// The forward pass alone, with and without keeping backward's state, per cell, H and B.
  func runForward() {
    print("taboo-bench forward — one forward pass (as probes run it), one thread; median ms")
    let header = ["cell", "H", "B", "training", "forward-only"]
    let widths = [6, 5, 5, 10, 14]
    print(zip(header, widths).map { pad($0, $1) }.joined())
    for cell in cells {
      for hidden in hiddens {
        for batch in batches {
          let kept = forwardTime(cell: cell, hidden: hidden, batch: batch, forBackward: true)
          let only = forwardTime(cell: cell, hidden: hidden, batch: batch, forBackward: false)
          let row = [cell.rawValue, "\(hidden)", "\(batch)", String(format: "%.3f", kept * 1e3),
                     String(format: "%.3f", only * 1e3)]
          print(zip(row, widths).map { pad($0, $1) }.joined())
        }
      }
    }
  }

  /// PyTorch milliseconds per step keyed "cell/hidden/batch", from step_bench.py's JSON lines.
  func loadPyTorch() -> [String: Double] {
    guard let path = pytorchResults, let text = try? String(contentsOfFile: path, encoding: .utf8)
    else { return [:] }
    var result: [String: Double] = [:]
    for line in text.split(separator: "\n") {
      guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
        let cell = object["cell"] as? String, let hidden = object["hidden"] as? Int,
        let batch = object["batch"] as? Int, let ms = object["ms_median"] as? Double
      else { continue }
      result["\(cell)/\(hidden)/\(batch)"] = ms
    }
    return result
  }

  private func pad(_ text: String, _ width: Int) -> String {
    text.count >= width ? text + " " : String(repeating: " ", count: width - text.count) + text
  }
}
