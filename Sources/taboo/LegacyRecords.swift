// Databases written before schema version 3 did not record their phases' facts (role,
// perturbation, criterion, training settings). They are recovered here, once per run key, from
// the scenario text the database stores: checked with the run's parameter values fixed, so the
// resolved schedule is exactly the one the run executed (phase indices match). Only this reader
// of old records looks at the scenario text; the analysis reads records alone.

import Records
import ScenarioLanguage
import Specification
import Store
import Synchronization

enum LegacyRecords {
  /// A `Store.legacyFacts` for a database holding `text`.
  static func facts(text: String) -> @Sendable (RunKey) -> [PhaseFacts]? {
    let cache = Mutex<[RunKey: [PhaseFacts]]>([:])
    return { key in
      var lookup = key
      lookup.seed = 0
      if let known = cache.withLock({ $0[lookup] }) { return known }
      var overrides: [String: Double] = [:]
      for parameter in key.parameters { overrides[parameter.name] = parameter.value }
      guard let scenario = ScenarioChecker.check(text: text, overrides: overrides).scenario else { return nil }
      let spec = scenario.resolved(at: SweepPoint(assignments: []))
      let facts = spec.phases.map { PhaseFacts($0, of: spec) }
      cache.withLock { $0[lookup] = facts }
      return facts
    }
  }

  /// Gives `store` the means to read its runs of before version 3.
  static func prepare(_ store: Store) {
    store.legacyFacts = facts(text: store.meta.scenarioText)
  }
}
