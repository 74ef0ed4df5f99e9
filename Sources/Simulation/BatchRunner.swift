// Runs many independent runs in parallel: one run per thread, never parallelism inside a run, so
// every run's numbers are the same whatever the thread count. Results come back to the calling
// thread one by one, in completion order, for the caller to store.

import Specification
import Foundation
import Records
import Synchronization

/// One run to execute: a scenario at a sweep point, and a seed.
public struct BatchJob: Sendable {
  public var key: RunKey
  public var spec: RunSpec
  public init(key: RunKey, spec: RunSpec) {
    self.key = key
    self.spec = spec
  }
}

/// What became of a job.
public enum BatchOutcome: Sendable {
  /// A finished run, and the seconds of it spent in probes.
  case finished(RunRecord, probeSeconds: Double)
  /// The run could not be built for its seed (e.g. a sample larger than its set).
  case failed(RunKey, String)
  /// Another worker on the same database stored it meanwhile; it was not trained here.
  case doneElsewhere(RunKey)
}

/// Progress of the job currently running on one worker thread.
public struct WorkerStatus: Sendable {
  public var key: RunKey
  public var phase: String
}

/// Whether a worker may start a job now (several processes sharing one database claim runs).
public enum ClaimDecision: Sendable {
  /// Train it.
  case run
  /// It is done already.
  case skip
  /// Another live worker has it: ask again later (its worker may die and its claim go stale).
  case later
}

public final class BatchRunner: Sendable {
  public let threads: Int
  private let next = Atomic<Int>(0)
  private let status: Mutex<[WorkerStatus?]>

  public init(threads: Int) {
    self.threads = max(1, threads)
    status = Mutex([WorkerStatus?](repeating: nil, count: max(1, threads)))
  }

  /// What each worker is running now (nil: idle).
  public var workers: [WorkerStatus?] { status.withLock { $0 } }

  /// Executes every job on `threads` threads. `deliver` runs on the calling thread for each
  /// result as it arrives; `tick` runs there about once a second (for progress lines). When
  /// `stopping` turns true no new run starts, and the runs in flight finish and are delivered;
  /// when `abandoning` turns true the runs in flight are abandoned too (nothing is delivered for
  /// them). `run` returns once every worker has stopped.
  ///
  /// `claim` is asked, on the worker's thread, before a job starts: a job another worker has is
  /// asked about again (about twice a second) once the queue is empty, until it is done or
  /// becomes this worker's.
  public func run(
    _ jobs: [BatchJob], stopping: @escaping @Sendable () -> Bool,
    abandoning: @escaping @Sendable () -> Bool,
    claim: @escaping @Sendable (BatchJob) -> ClaimDecision = { _ in .run },
    deliver: (BatchOutcome) -> Void, tick: () -> Void = {}
  ) {
    let mailbox = Mutex<[BatchOutcome?]>([])  // nil marks a worker that stopped
    let signal = DispatchSemaphore(value: 0)
    next.store(0, ordering: .relaxed)
    let workers = min(threads, max(jobs.count, 1))
    for worker in 0..<workers {
      let thread = Thread { [self] in
        func post(_ outcome: BatchOutcome) {
          mailbox.withLock { $0.append(outcome) }
          signal.signal()
        }
        var later: [Int] = []
        while !stopping() && !abandoning() {
          let drawn = next.add(1, ordering: .relaxed).oldValue
          let index: Int
          if drawn < jobs.count {
            index = drawn
          } else if !later.isEmpty {
            // The queue is empty: ask again about the jobs other workers had.
            var ready: (position: Int, decision: ClaimDecision)? = nil
            for (position, waiting) in later.enumerated() {
              let decision = claim(jobs[waiting])
              if decision != .later {
                ready = (position, decision)
                break
              }
            }
            guard let ready else {
              Thread.sleep(forTimeInterval: 0.5)
              continue
            }
            index = later.remove(at: ready.position)
            if ready.decision == .skip {
              post(.doneElsewhere(jobs[index].key))
              continue
            }
          } else {
            break
          }
          let job = jobs[index]
          if drawn < jobs.count {
            switch claim(job) {
            case .run: break
            case .skip:
              post(.doneElsewhere(job.key))
              continue
            case .later:
              later.append(index)
              continue
            }
          }
          status.withLock { $0[worker] = WorkerStatus(key: job.key, phase: "starting") }
          let outcome = Self.execute(job, cancelled: abandoning) { phase in
            status.withLock { $0[worker]?.phase = phase }
          }
          if let outcome { post(outcome) }
        }
        status.withLock { $0[worker] = nil }
        mailbox.withLock { $0.append(nil) }
        signal.signal()
      }
      thread.stackSize = 8 << 20
      thread.start()
    }
    var stopped = 0
    while stopped < workers {
      if signal.wait(timeout: .now() + 1) == .timedOut {
        tick()
        continue
      }
      let message = mailbox.withLock { $0.removeFirst() }
      if let outcome = message { deliver(outcome) } else { stopped += 1 }
      tick()
    }
  }

  /// One job on the current thread; nil when cancelled.
  static func execute(
    _ job: BatchJob, cancelled: () -> Bool, phase: (String) -> Void
  ) -> BatchOutcome? {
    let plan: RunPlan
    do {
      plan = try RunPlan(job.spec, seed: job.key.seed)
    } catch {
      return .failed(job.key, error.description)
    }
    do {
      let result = try Trainer(plan: plan, key: job.key).execute(
        cancelled: cancelled, phaseStarted: phase)
      return .finished(result.record, probeSeconds: result.probeSeconds)
    } catch {
      return nil
    }
  }
}
