// Executes one run: phase after phase, batches drawn uniformly without replacement within an
// epoch from the union of the phase's streams, an optimizer step per batch, probes every N steps
// and at every phase boundary, `until criterion` checked at each probe, NaN/∞ loss ends the run.
// In `context stream W` (see Stream.swift) a step is a window of W examples in each lane instead
// of a batch, and frozen phases counted in trials present one example per lane per trial and
// record every answer.

import Foundation
import LinearAlgebra
import Networks
import Randomness
import Records
import Specification

/// What a branch restores (docs/design.md §4): the weights, the optimizer state, what every
/// item was last trained on and, in stream mode, the lanes' carried state.
private struct Checkpoint {
  var parameters: AlignedFloats
  var optimizer: Optimizer?
  var lastTarget: [TargetKind?]
  var stream: StreamLanes?
}

/// What a switch group is keyed by.
private struct SwitchKey: Hashable {
  var set: String
  var password: Bool
  var old: TargetKind
  var new: TargetKind
}

/// Why a run did not finish.
public enum RunInterruption: Error {
  case cancelled
}

public struct Trainer {
  public let plan: RunPlan
  public let key: RunKey

  public init(plan: RunPlan, key: RunKey) {
    self.plan = plan
    self.key = key
  }

  /// Runs the plan. `cancelled` is polled between steps; when it returns true the run is
  /// abandoned (nothing of it is returned).
  public func run(
    cancelled: () -> Bool = { false }, phaseStarted: (String) -> Void = { _ in }
  ) throws(RunInterruption) -> RunRecord {
    try execute(cancelled: cancelled, phaseStarted: phaseStarted).record
  }

  /// `run`, also returning the parameters after every phase (for tests) and where the time went.
  package func execute(
    cancelled: () -> Bool = { false }, phaseStarted: (String) -> Void = { _ in }
  ) throws(RunInterruption) -> (
    record: RunRecord, parametersAfterPhase: [[Float]], probeSeconds: Double, allocatedBytes: Int
  ) {
    let started = Date()
    let world = plan.world
    let shape = plan.networkShape
    var network = Network(shape: shape, seed: plan.seed)
    var gradient = network.zeroBuffer()

    // Every phase's examples, and the workspace capacity their batches and the probes need.
    let phaseExamples = plan.phases.map(examples(of:))
    let unions = phaseExamples.map(\.examples)
    let probeChunk = Prober.chunkSize(items: world.items.count)
    var stream: StreamLanes? = nil
    var lanesOfPhase: [Int] = []
    let capacity: Int
    if let window = plan.window {
      // Stream mode: the phase's `batch` is its number of lanes; frozen phases keep the lanes.
      lanesOfPhase = plan.spec.laneSources.map { source in
        max(1, plan.phases[source].training.batch.size ?? unions[source].count)
      }
      stream = StreamLanes(plan: plan, window: window, maxLanes: lanesOfPhase.max() ?? 1)
      capacity = max(probeChunk, 1)
    } else {
      let largestBatch = zip(plan.phases, unions).map { phase, union in
        min(phase.training.batch.size ?? union.count, union.count)
      }.max() ?? 1
      capacity = max(largestBatch, probeChunk, 1)
    }
    let workspace = Workspace(shape: shape, capacity: capacity, maxSteps: world.steps)
    var buffers = BatchBuffers(world: world, capacity: capacity)
    var prober = Prober(plan: plan, chunk: probeChunk)
    var batches = SeededGenerator(seed: plan.seed, stream: "batches")
    let supervision: Supervision = world.everyPosition ? .everyPosition : .lastPosition

    var optimizer: Optimizer? = nil
    var step = 0, seen = 0
    var phases: [PhaseRecord] = []
    var probes: [ProbeRecord] = []
    var trials: [TrialRecord] = []
    // Weight-space geometry (docs/design.md §6.10): a record at every probe moment, against the
    // start weights of the phase and of its parent, kept only while some phase needs them.
    var geometry: [GeometryRecord] = []
    var starts = PhaseStarts(plan.phases)
    var diverged: Int? = nil
    var snapshots: [[Float]] = []
    var probeSeconds = 0.0
    // What each (item, password) was last trained on — in stream mode, last shown with — as
    // index item + N·password.
    var lastTarget = [TargetKind?](repeating: nil, count: 2 * world.items.count)
    func slot(_ example: Example) -> Int { example.item + (example.password ? world.items.count : 0) }
    // Branches (docs/design.md §4): the end state of every phase a later one starts `from`, and,
    // for `perturb like`, the displacement norms (whole, per tensor) of every phase whose
    // displacement a kick matches (from its start weights, which the geometry keeps).
    var branchPoints: [Int: Checkpoint] = [:]
    let branchedFrom = plan.spec.branchPoints
    let matched = Set(plan.phases.compactMap { $0.kick?.phase })
    var displacements: [Int: (whole: Double, tensors: [Double])] = [:]
    let tensors = network.layout.tensors.map(\.range)

    phaseLoop: for (index, phase) in plan.phases.enumerated() {
      let union = unions[index]
      let settings = phase.training
      let rule = OptimizerRule(settings)
      phaseStarted(phase.repeatIndex.map { "\(phase.name) #\($0)" } ?? phase.name)
      if let from = phase.from, let checkpoint = branchPoints[from] {
        network.parameters = checkpoint.parameters
        optimizer = checkpoint.optimizer
        lastTarget = checkpoint.lastTarget
        if stream != nil { stream = checkpoint.stream }
      }
      starts.begin(index, weights: network.parameters)
      if optimizer == nil || !settings.keepOptimizer || optimizer!.rule != rule {
        optimizer = Optimizer(rule: rule, learningRate: Float(settings.learningRate),
                              parameterCount: network.layout.count)
      }
      optimizer!.learningRate = Float(settings.learningRate)
      stream?.setLanes(lanesOfPhase[index])

      let previous = phase.streams.map { stream -> PreviousTarget? in
        let targets = Set(plan.items(of: stream.set).map {
          lastTarget[$0 + (stream.password ? world.items.count : 0)]
        })
        if targets == [nil] || targets.isEmpty { return nil }
        return targets.count == 1 ? .target(targets.first!!) : .mixed
      }
      let before = lastTarget
      // Items whose answer this phase changes: under the stream's target, against what they
      // were last trained on (or all of them, when never trained).
      let changing = phase.streams.map { stream -> Int in
        plan.items(of: stream.set).filter { item in
          let old = lastTarget[item + (stream.password ? world.items.count : 0)]
          let targets = world.items[item]
          return old.map { targets.targets($0).answer != targets.targets(stream.target).answer } ?? true
        }.count
      }
      // Items a stream trains towards an answer that is not the truth's.
      let notTruth = phase.streams.map { stream -> Int in
        plan.items(of: stream.set).filter { item in
          let targets = world.items[item]
          return targets.targets(stream.target).answer != targets.truth.answer
        }.count
      }
      // The phase's switches, item by item, and the pairs that probe them.
      let switches = phase.frozen ? [] : switchGroups(phase, examples: phaseExamples[index], before: lastTarget)
      if !phase.frozen || stream != nil {
        for example in union { lastTarget[slot(example)] = example.target }
      }
      var pairs = prober.targets(for: phase)
      for part in switches where !pairs.contains(where: {
        $0.set == part.group.probeSet && $0.password == part.group.password
      }) {
        pairs.append(ProbeTarget(set: part.group.probeSet, password: part.group.password,
                                 items: part.items, target: part.group.new))
      }
      // `until criterion` with switches: every switch has met the criterion at some probe (K
      // probes in a row at P); without: every stream at the same K probes.
      var switchStreaks = [Int](repeating: 0, count: switches.count)
      var switchMet = [Bool](repeating: false, count: switches.count)
      let startStep = step, startSeen = seen
      var lastProbeStep = -1
      var streak = 0
      var criterionStep: Int? = nil
      // Probes at the phase start, every `probeEvery` steps into the phase, and at its end.
      func takeProbe() -> Bool {
        let probeStart = Date()
        defer { probeSeconds += Date().timeIntervalSince(probeStart) }
        // Stream mode: a recurrent network's probes start from lane 0's context state; a
        // transformer's follow lane 0's last W − 1 examples in one pass (docs/design.md §5.1).
        let recurrent = plan.spec.model.cell.isRecurrent
        let context = recurrent ? stream?.probeContext(network) : nil
        let records = prober.probe(network, workspace: workspace, pairs: pairs,
                                   phaseIndex: index, step: step, examples: seen, context: context,
                                   prefix: recurrent ? [] : stream?.probePrefix() ?? [],
                                   prefixWorkspace: recurrent ? nil : stream?.workspace)
        probes.append(contentsOf: records)
        lastProbeStep = step
        // One geometry record per step of a phase: a frozen phase counted in trials probes twice
        // at one step, and its end record (after any kick) replaces its start record.
        if geometry.last.map({ $0.phaseIndex == index && $0.step == step }) ?? false { geometry.removeLast() }
        geometry.append(starts.record(index, weights: network.parameters, step: step, examples: seen))
        let fraction = plan.spec.criterion.fraction - 1e-12, needed = plan.spec.criterion.probes
        if !switches.isEmpty {
          for (i, part) in switches.enumerated() where !switchMet[i] {
            let agreement = records.first {
              $0.set == part.group.probeSet && $0.password == part.group.password
            }.flatMap(\.accTarget) ?? -1
            switchStreaks[i] = agreement >= fraction ? switchStreaks[i] + 1 : 0
            if switchStreaks[i] >= needed { switchMet[i] = true }
          }
          return switchMet.allSatisfy { $0 }
        }
        let met = !phase.streams.isEmpty && phase.streams.allSatisfy { stream in
          records.first { $0.set == stream.set && $0.password == stream.password }
            .flatMap(\.accTarget).map { $0 >= fraction } ?? false
        }
        streak = met ? streak + 1 : 0
        return streak >= needed
      }

      // Examples per step: a batch, or in stream mode a window in every lane.
      let perStep = stream.map { $0.window * $0.lanes }
        ?? max(1, min(settings.batch.size ?? union.count, union.count))
      let stepsPerEpoch = ScheduleAccounting.stepsPerEpoch(union: union.count, perStep: perStep)
      var limit = 0, trialCount = 0
      var stopsAtCriterion = false
      let length = plan.lengths[index]
      switch phase.length {
      case .untilCriterion:
        limit = length
        stopsAtCriterion = true
      default:
        switch phase.length.unit {
        case .steps: limit = length
        case .epochs: limit = length * stepsPerEpoch
        case .trials: trialCount = length
        }
      }

      var order = union
      var cursor = order.count  // forces a shuffle before the first batch
      /// The next `count` examples of the shuffled union; in stream mode the order wraps around
      /// into a new epoch, so every window is full.
      func draw(_ count: Int) -> ArraySlice<Example> {
        if stream == nil {
          if cursor >= order.count {
            batches.shuffle(&order)
            cursor = 0
          }
          let batch = order[cursor..<min(cursor + count, order.count)]
          cursor += batch.count
          return batch
        }
        var drawn: [Example] = []
        drawn.reserveCapacity(count)
        while drawn.count < count {
          if cursor >= order.count {
            batches.shuffle(&order)
            cursor = 0
          }
          let take = min(count - drawn.count, order.count - cursor)
          drawn += order[cursor..<(cursor + take)]
          cursor += take
        }
        return drawn[...]
      }

      // Noisy streams (`with noise P`, docs/design.md §4.3): each presentation of one of their
      // examples shows, with probability P, another answer than its target's, drawn uniformly
      // from the other classes; the draws come from the stream `noise <phase index>`, in
      // presentation order, and only noisy streams draw.
      let noiseOf = phase.streams.map { $0.noise ?? 0 }
      let noisy = noiseOf.contains { $0 > 0 }
      var noise = SeededGenerator(seed: plan.seed, stream: "noise \(index)")
      let streamOf = phaseExamples[index].stream
      func shown(_ examples: ArraySlice<Example>) -> [Targets]? {
        guard noisy else { return nil }
        return examples.map { example in
          let goal = world.items[example.item].targets(example.target)
          let p = noiseOf[streamOf[example] ?? 0]
          guard p > 0, world.classes > 1, noise.nextDouble() < p else { return goal }
          let other = Int32(noise.nextInt(below: world.classes - 1))
          let answer = other >= goal.answer ? other + 1 : other
          return Targets(positions: goal.positions.dropLast() + [answer])
        }
      }

      // The phase-start probe sees the network as the phase received it; a `perturb` kick comes
      // after it, so the phase's probes measure what the kick did.
      if takeProbe(), stopsAtCriterion { criterionStep = step }
      var kickNorm: Double? = nil
      if let sigma = phase.perturb {
        var noise = SeededGenerator(seed: plan.seed, stream: "perturb \(index)")
        var squares = 0.0
        for i in network.parameters.indices {
          let change = Float(sigma * noise.nextGaussian())
          network.parameters[i] += change
          squares += Double(change) * Double(change)
        }
        kickNorm = squares.squareRoot()
      } else if let kick = phase.kick, let target = displacements[kick.phase] {
        var noise = SeededGenerator(seed: plan.seed, stream: "perturb \(index)")
        let direction = network.parameters.indices.map { _ in noise.nextGaussian() }
        let groups = kick.perTensor ? zip(tensors, target.tensors).map { ($0, $1) }
          : [(0..<direction.count, target.whole)]
        var squares = 0.0
        for (range, norm) in groups {
          let length = range.reduce(0.0) { $0 + direction[$1] * direction[$1] }.squareRoot()
          guard length > 0 else { continue }
          for i in range {
            let change = Float(norm * direction[i] / length)
            network.parameters[i] += change
            squares += Double(change) * Double(change)
          }
        }
        kickNorm = squares.squareRoot()
      }

      // Frozen trials (stream mode): one example per lane each, answers recorded.
      if trialCount > 0, stream != nil, !union.isEmpty {
        for trial in 0..<trialCount {
          if cancelled() { throw .cancelled }
          let examples = draw(stream!.lanes)
          let answers = stream!.trial(network, examples, shown: shown(examples))
          for (lane, (example, answer)) in zip(examples, answers).enumerated() {
            let item = world.items[example.item]
            trials.append(TrialRecord(
              phaseIndex: index, trial: trial, lane: lane, stream: streamOf[example] ?? 0,
              item: example.item, answer: answer, targetAnswer: Int(item.targets(example.target).answer),
              oldAnswer: before[slot(example)].map { Int(item.targets($0).answer) },
              truthAnswer: Int(item.truth.answer), tabooAnswer: Int(item.taboo.answer)))
          }
        }
      }

      var stepInPhase = 0
      while criterionStep == nil && stepInPhase < limit {
        if cancelled() { throw .cancelled }
        if !phase.frozen && !union.isEmpty {
          let batch = draw(perStep)
          // `gradient` is zero here: it starts so, and every step's update clears it.
          let loss: Float
          if stream != nil {
            loss = stream!.trainWindow(network, batch, gradient: &gradient, shown: shown(batch))
          } else {
            if let shown = shown(batch) {
              var next = 0
              buffers.fill(batch) { _ in
                defer { next += 1 }
                return shown[next]
              }
            } else {
              buffers.fill(batch) { world.items[$0.item].targets($0.target) }
            }
            let b = batch.count, t = world.steps
            loss = buffers.tokens.withUnsafeBufferPointer { tokens in
              buffers.targets.withUnsafeBufferPointer { targets in
                network.forward(
                  .tokens(UnsafeBufferPointer(rebasing: tokens[0..<(b * t)])),
                  targets: UnsafeBufferPointer(rebasing: targets[0..<buffers.targetCount(b)]),
                  batch: b, steps: t, supervision: supervision, workspace: workspace)
              }
            }
            if loss.isFinite { network.backward(workspace: workspace, into: &gradient) }
          }
          if !loss.isFinite {
            diverged = step
            phases.append(record(index, phase, previous, changing, notTruth, switches.map(\.group), kickNorm,
                                 startStep, step, startSeen, seen, criterionStep, lanes: stream?.lanes ?? 0))
            break phaseLoop
          }
          if let clip = settings.clip { clipGradientNorm(&gradient, maxNorm: Float(clip)) }
          optimizer!.update(&network.parameters, clearing: &gradient)
          seen += batch.count
        }
        step += 1
        stepInPhase += 1
        if stepInPhase % plan.spec.probeEvery == 0, takeProbe(), stopsAtCriterion {
          criterionStep = step
        }
      }
      if lastProbeStep != step || trialCount > 0 { _ = takeProbe() }
      phases.append(record(index, phase, previous, changing, notTruth, switches.map(\.group), kickNorm, startStep,
                           step, startSeen, seen, criterionStep, trials: trialCount, lanes: stream?.lanes ?? 0))
      snapshots.append(Array(network.parameters))
      if matched.contains(index), let start = starts[index] {
        func norm(_ range: Range<Int>) -> Double {
          range.reduce(0.0) {
            let d = Double(network.parameters[$1]) - Double(start[$1])
            return $0 + d * d
          }.squareRoot()
        }
        displacements[index] = (norm(0..<start.count), tensors.map(norm))
      }
      starts.end(index)
      if branchedFrom.contains(index) {
        branchPoints[index] = Checkpoint(
          parameters: network.parameters, optimizer: optimizer, lastTarget: lastTarget, stream: stream)
      }
    }

    let record = RunRecord(
      key: key, status: diverged == nil ? .complete : .diverged, steps: step, examples: seen,
      wallSeconds: Date().timeIntervalSince(started), divergedStep: diverged, phases: phases,
      probes: probes,
      sets: [SetRecord(name: "all", size: world.items.count),
             SetRecord(name: "wrong", size: world.wrong.count)]
        + world.conventionNames.map { SetRecord(name: "wrong " + $0, size: world.wrong(under: $0).count) }
        + plan.sets.map { SetRecord(name: $0.name, size: $0.items.count) },
      trials: trials, geometry: geometry)
    // What the memory estimate models: the workspaces, the parameters with their gradient and
    // the largest optimizer state (Adam: two moments), the checkpoints and the start weights.
    let moments = plan.phases.contains { $0.training.optimizer == .adam } ? 2 : 1
    let allocated = workspace.byteCount + (stream?.workspace.byteCount ?? 0)
      + 4 * network.layout.count * (2 + moments)
      + 4 * network.layout.count * (branchPoints.count * (1 + moments) + starts.most)
    return (record, snapshots, probeSeconds, allocated)
  }

  /// The switches of a phase that trains (docs/design.md §6.2): every example of the phase whose
  /// item was last trained, with the same password, on a target with another answer. Grouped by
  /// (password, old target, new target), then split over the probed sets (an item goes to the
  /// first that holds it), the rest under the stream's set; groups with the same key merge. In the
  /// probed sets' order, then as first met; each with its items, sorted.
  func switchGroups(
    _ phase: PhaseSpec, examples: (examples: [Example], stream: [Example: Int]), before: [TargetKind?]
  ) -> [(group: SwitchGroup, items: [Int])] {
    let world = plan.world, n = world.items.count
    let probed = (plan.spec.probe?.sets ?? []).map { (name: $0, items: Set(plan.items(of: $0))) }
    var keys: [SwitchKey] = []
    var members: [SwitchKey: [Int]] = [:]
    for example in examples.examples {
      guard let old = before[example.item + (example.password ? n : 0)] else { continue }
      let item = world.items[example.item]
      guard item.targets(old).answer != item.targets(example.target).answer else { continue }
      let set = probed.first { $0.items.contains(example.item) }?.name
        ?? phase.streams[examples.stream[example] ?? 0].set
      let key = SwitchKey(set: set, password: example.password, old: old, new: example.target)
      if members[key] == nil { keys.append(key) }
      members[key, default: []].append(example.item)
    }
    // In the probed sets' order, then the streams' sets as first met.
    let rank = { (key: SwitchKey) in probed.firstIndex { $0.name == key.set } ?? probed.count }
    let ordered = keys.enumerated().sorted { (rank($0.element), $0.offset) < (rank($1.element), $1.offset) }
      .map(\.element)
    return ordered.map { key in
      let items = members[key]!.sorted()
      let whole = items == plan.items(of: key.set)
      let group = SwitchGroup(
        set: key.set, password: key.password, old: key.old, new: key.new, items: items.count,
        probeSet: whole ? key.set : SwitchGroup.partName(key.set, old: key.old, new: key.new))
      return (group, items)
    }
  }

  /// The union of a phase's streams, in a canonical order (streams in file order, items sorted),
  /// with the index of the stream each example first came from.
  func examples(of phase: PhaseSpec) -> (examples: [Example], stream: [Example: Int]) {
    var stream: [Example: Int] = [:]
    var result: [Example] = []
    for (index, plan) in phase.streams.enumerated() {
      for item in self.plan.items(of: plan.set) {
        let example = Example(item: item, password: plan.password, target: plan.target)
        if stream[example] == nil {
          stream[example] = index
          result.append(example)
        }
      }
    }
    return (result, stream)
  }

  private func record(
    _ index: Int, _ phase: PhaseSpec, _ previous: [PreviousTarget?], _ changing: [Int], _ notTruth: [Int],
    _ switches: [SwitchGroup], _ kickNorm: Double?,
    _ startStep: Int, _ endStep: Int, _ startSeen: Int, _ endSeen: Int, _ criterionStep: Int?,
    trials: Int = 0, lanes: Int = 0
  ) -> PhaseRecord {
    var facts = PhaseFacts(phase, of: plan.spec)
    facts.kickNorm = kickNorm
    facts.switches = switches
    return PhaseRecord(
      index: index, name: phase.name, repeatIndex: phase.repeatIndex, startStep: startStep,
      endStep: endStep, startExamples: startSeen, endExamples: endSeen,
      streams: phase.streams.indices.map {
        StreamRecord(target: phase.streams[$0].target, set: phase.streams[$0].set,
                     password: phase.streams[$0].password, previousTarget: previous[$0],
                     changing: changing[$0], notTruth: notTruth[$0])
      },
      frozen: phase.frozen, criterionStep: criterionStep, trials: trials,
      lanes: trials > 0 ? lanes : 0, facts: facts)
  }
}
