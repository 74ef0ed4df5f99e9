// Probes (docs/design.md §6): evaluate, without updating weights, every probed set with and without
// password and the trained streams; per (set, password): acc_truth, acc_taboo, p_truth,
// p_taboo, the same for each named extra convention, and where the set is trained in the current
// phase, agreement with and loss against that target. Each (item, password) sequence is evaluated once per probe, however many sets
// contain it.

import Foundation
import Networks
import Records
import Specification

/// What one (item, password) sequence did at a probe.
struct ItemOutcome {
  var answer: Int32 = -1
  var pTruth: Float = 0
  var pTaboo: Float = 0
  /// Mean cross-entropy over supervised positions against truth, taboo, random, random-answer.
  var loss: (truth: Double, taboo: Double, random: Double, randomAnswer: Double) = (0, 0, 0, 0)
  /// For each named extra convention, in world order: p of its answer, and the loss against it.
  var pConventions: [Float] = []
  var lossConventions: [Double] = []

  func loss(_ target: TargetKind, conventions: [String]) -> Double {
    switch target {
    case .truth: loss.truth
    case .taboo: loss.taboo
    case .random: loss.random
    case .randomAnswer: loss.randomAnswer
    case .convention(let name): lossConventions[conventions.firstIndex(of: name)!]
    }
  }
}

/// The (set, password) pairs a probe reports, with the target each is trained on in a phase.
struct ProbeTarget {
  var set: String
  var password: Bool
  var items: [Int]
  var target: TargetKind?
}

struct Prober {
  let plan: RunPlan
  /// The outcome of item i without (index i) and with (index N + i) password.
  private var outcomes: [ItemOutcome]
  private var buffers: BatchBuffers
  let chunk: Int
  /// `probe … { latent }`: the hidden state at the answer position of each item without
  /// password (N × H), and which items the readouts are fitted on (§6.9).
  private var hidden: [Float] = []
  private let fitted: [Bool]
  /// The answers read out: truth, taboo (where the world has a convention), each named one.
  private let latentAnswers: [TargetKind]

  /// Items evaluated per forward pass: at most 512, at most every item with and without
  /// password.
  static func chunkSize(items: Int) -> Int { max(1, min(512, 2 * items)) }

  init(plan: RunPlan, chunk: Int) {
    self.plan = plan
    self.chunk = chunk
    outcomes = [ItemOutcome](repeating: ItemOutcome(), count: 2 * plan.world.items.count)
    buffers = BatchBuffers(world: plan.world, capacity: chunk)
    let latent = plan.spec.probe?.latent ?? false
    fitted = latent ? LatentReadout.split(items: plan.world.items.count, seed: plan.seed) : []
    latentAnswers = !latent ? []
      : [.truth] + (plan.spec.world.convention == nil ? [] : [.taboo])
        + plan.world.conventionNames.map { .convention($0) }
    if latent { hidden = [Float](repeating: 0, count: plan.world.items.count * plan.networkShape.hidden) }
  }

  /// The pairs reported during `phase`: probed sets (both password states where the world has a
  /// password), then any trained stream not already among them.
  func targets(for phase: PhaseSpec) -> [ProbeTarget] {
    let passwords = plan.world.hasPassword ? [false, true] : [false]
    var result: [ProbeTarget] = []
    for name in (plan.spec.probe?.sets ?? []) {
      for pw in passwords {
        result.append(ProbeTarget(set: name, password: pw, items: plan.items(of: name), target: nil))
      }
    }
    for stream in phase.streams
    where !result.contains(where: { $0.set == stream.set && $0.password == stream.password }) {
      result.append(ProbeTarget(set: stream.set, password: stream.password,
                                items: plan.items(of: stream.set), target: nil))
    }
    // A pair is trained when a stream of the phase covers all of its items with its password.
    for i in result.indices {
      let pair = result[i]
      result[i].target = phase.streams.first { stream in
        stream.password == pair.password
          && (stream.set == pair.set || isSubset(pair.items, of: plan.items(of: stream.set)))
      }?.target
    }
    return result
  }

  /// Evaluates every needed sequence and returns one record per pair. With `context` (stream
  /// mode, a recurrent network), every sequence starts from that state instead of zero; with a
  /// non-empty `prefix` (stream mode, a transformer), every sequence follows those tokens in one
  /// pass, run in `prefixWorkspace` (the stream's, sized for a window).
  mutating func probe(
    _ network: Network, workspace: Workspace, pairs: [ProbeTarget],
    phaseIndex: Int, step: Int, examples: Int, context: CarriedState? = nil,
    prefix: [Int32] = [], prefixWorkspace: Workspace? = nil
  ) -> [ProbeRecord] {
    let n = plan.world.items.count
    var needed = [Bool](repeating: false, count: 2 * n)
    for pair in pairs { for i in pair.items { needed[(pair.password ? n : 0) + i] = true } }
    let sequences = needed.indices.filter { needed[$0] }.map {
      Example(item: $0 % n, password: $0 >= n, target: .truth)
    }
    let (passWorkspace, rows) = prefix.isEmpty || prefixWorkspace == nil
      ? (workspace, chunk) : (prefixWorkspace!, min(chunk, prefixWorkspace!.capacity))
    for start in stride(from: 0, to: sequences.count, by: rows) {
      let part = sequences[start..<min(start + rows, sequences.count)]
      evaluate(network, workspace: passWorkspace, part, context: context,
               prefix: prefixWorkspace == nil ? [] : prefix)
    }
    let latent = latentScores(pairs, evaluated: sequences.filter { !$0.password }.map(\.item))
    return pairs.enumerated().map { index, pair in
      let offset = pair.password ? n : 0
      let names = plan.world.conventionNames
      var accTruth = 0.0, accTaboo = 0.0, pTruth = 0.0, pTaboo = 0.0, accTarget = 0.0, loss = 0.0
      var accConventions = [Double](repeating: 0, count: names.count)
      var pConventions = accConventions
      for i in pair.items {
        let item = plan.world.items[i], outcome = outcomes[offset + i]
        if outcome.answer == item.truth.answer { accTruth += 1 }
        if outcome.answer == item.taboo.answer { accTaboo += 1 }
        pTruth += Double(outcome.pTruth)
        pTaboo += Double(outcome.pTaboo)
        for c in names.indices {
          if outcome.answer == item.conventions[c].targets.answer { accConventions[c] += 1 }
          pConventions[c] += Double(outcome.pConventions[c])
        }
        if let target = pair.target {
          if outcome.answer == item.targets(target).answer { accTarget += 1 }
          loss += outcome.loss(target, conventions: names)
        }
      }
      let count = Double(max(pair.items.count, 1))
      let conventions = names.indices.map {
        ConventionScore(name: names[$0], acc: accConventions[$0] / count, p: pConventions[$0] / count)
      }
      return ProbeRecord(
        phaseIndex: phaseIndex, step: step, examples: examples, set: pair.set,
        password: pair.password, accTruth: accTruth / count, accTaboo: accTaboo / count,
        pTruth: pTruth / count, pTaboo: pTaboo / count, target: pair.target,
        accTarget: pair.target == nil ? nil : accTarget / count,
        loss: pair.target == nil ? nil : loss / count, conventions: conventions, latent: latent[index])
    }
  }

  /// The latent scores of each pair (empty with password, or without `latent`): one readout per
  /// answer, fitted on the evaluated items of the fit half, scored on each pair's other items.
  private func latentScores(_ pairs: [ProbeTarget], evaluated: [Int]) -> [[LatentScore]] {
    guard !latentAnswers.isEmpty else { return pairs.map { _ in [] } }
    let h = plan.networkShape.hidden, world = plan.world
    let fit = evaluated.filter { fitted[$0] }
    var rows = [Float]()
    rows.reserveCapacity(fit.count * h)
    for item in fit { rows.append(contentsOf: hidden[(item * h)..<((item + 1) * h)]) }
    let readouts = latentAnswers.map { answer in
      LatentReadout(
        rows: rows, labels: fit.map { world.items[$0].targets(answer).answer }, features: h,
        classes: world.classes)
    }
    // Each held-out item's prediction by each readout, once.
    var predicted: [Int: [Int32]] = [:]
    return hidden.withUnsafeBufferPointer { states in
      pairs.map { pair -> [LatentScore] in
        guard !pair.password else { return [] }
        let scored = pair.items.filter { !fitted[$0] }
        return latentAnswers.indices.map { a -> LatentScore in
          guard readouts[a] != nil, !scored.isEmpty else {
            return LatentScore(answer: latentAnswers[a].rawValue, acc: nil)
          }
          var right = 0
          for item in scored {
            if predicted[item] == nil {
              let row = UnsafeBufferPointer(rebasing: states[(item * h)..<((item + 1) * h)])
              predicted[item] = readouts.map { $0?.predict(row) ?? -1 }
            }
            if predicted[item]![a] == world.items[item].targets(latentAnswers[a]).answer { right += 1 }
          }
          return LatentScore(answer: latentAnswers[a].rawValue, acc: Double(right) / Double(scored.count))
        }
      }
    }
  }

  private mutating func evaluate(
    _ network: Network, workspace: Workspace, _ part: ArraySlice<Example>, context: CarriedState?,
    prefix: [Int32]
  ) {
    let world = plan.world, b = part.count, t = world.steps
    buffers.fill(part) { _ in nil }
    if prefix.isEmpty {
      context?.broadcast(rows: b, into: workspace)
      let supervision: Supervision = world.everyPosition ? .everyPosition : .lastPosition
      let targetCount = buffers.targetCount(b)
      buffers.tokens.withUnsafeBufferPointer { tokens in
        buffers.targets.withUnsafeBufferPointer { targets in
          _ = network.forward(
            .tokens(UnsafeBufferPointer(rebasing: tokens[0..<(b * t)])),
            targets: UnsafeBufferPointer(rebasing: targets[0..<targetCount]),
            batch: b, steps: t, supervision: supervision, initialState: context != nil,
            forBackward: false, workspace: workspace)
        }
      }
    } else {
      // The prefix, then each sequence: (P + T) positions, time-major, every position read.
      let p = prefix.count, steps = p + t
      var tokens = [Int32](repeating: 0, count: steps * b)
      for row in 0..<b {
        for (s, token) in prefix.enumerated() { tokens[s * b + row] = token }
        for s in 0..<t { tokens[(p + s) * b + row] = buffers.tokens[s * b + row] }
      }
      let targets = [Int32](repeating: -1, count: steps * b)
      tokens.withUnsafeBufferPointer { tokens in
        targets.withUnsafeBufferPointer { targets in
          _ = network.forward(
            .tokens(tokens), targets: targets, batch: b, steps: steps, supervision: .everyPosition,
            initialState: false, forBackward: false, workspace: workspace)
        }
      }
    }
    let offset = prefix.count
    let n = world.items.count
    for (row, example) in part.enumerated() {
      let item = world.items[example.item]
      let last = workspace.lastProbabilities(row: row)
      var outcome = ItemOutcome()
      outcome.answer = Int32(argmax(last))
      outcome.pTruth = last[Int(item.truth.answer)]
      outcome.pTaboo = last[Int(item.taboo.answer)]
      // Cross-entropy against each target over the supervised positions.
      var losses = (truth: 0.0, taboo: 0.0, random: 0.0, randomAnswer: 0.0)
      let positions = (world.everyPosition ? Array(1..<t) : [t - 1]).map { $0 + offset }
      let randomAnswer = item.targets(.randomAnswer)
      for (slot, s) in positions.enumerated() {
        let p = workspace.probabilities(step: s, row: row)
        losses.truth -= log(max(Double(p[Int(item.truth.positions[slot])]), 1e-30))
        losses.taboo -= log(max(Double(p[Int(item.taboo.positions[slot])]), 1e-30))
        losses.random -= log(max(Double(p[Int(item.random.positions[slot])]), 1e-30))
        losses.randomAnswer -= log(max(Double(p[Int(randomAnswer.positions[slot])]), 1e-30))
      }
      let count = Double(positions.count)
      outcome.loss = (losses.truth / count, losses.taboo / count, losses.random / count,
                      losses.randomAnswer / count)
      if !item.conventions.isEmpty {
        outcome.pConventions = item.conventions.map { last[Int($0.targets.answer)] }
        outcome.lossConventions = item.conventions.map { convention in
          var loss = 0.0
          for (slot, s) in positions.enumerated() {
            let p = workspace.probabilities(step: s, row: row)
            loss -= log(max(Double(p[Int(convention.targets.positions[slot])]), 1e-30))
          }
          return loss / count
        }
      }
      outcomes[(example.password ? n : 0) + example.item] = outcome
      if !hidden.isEmpty, !example.password {
        let h = plan.networkShape.hidden
        let states = workspace.finalHidden
        for j in 0..<h { hidden[example.item * h + j] = states[row * h + j] }
      }
    }
  }
}

/// The index of the largest probability (the first of equals): the network's answer.
func argmax(_ probabilities: UnsafeBufferPointer<Float>) -> Int {
  var best = 0
  for k in 1..<probabilities.count where probabilities[k] > probabilities[best] { best = k }
  return best
}

/// Whether sorted `a` is a subset of sorted `b`.
func isSubset(_ a: [Int], of b: [Int]) -> Bool {
  var j = 0
  for x in a {
    while j < b.count && b[j] < x { j += 1 }
    if j == b.count || b[j] != x { return false }
  }
  return true
}
