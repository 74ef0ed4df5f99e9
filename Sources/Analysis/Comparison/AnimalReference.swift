// The animal reference points (docs/design.md §8.1), as data: a copy of
// `reference/animal-reversal.csv` (itself from `reference/animal-reversal.md`). A test reads the CSV
// and checks this table against it, so the two cannot drift; change both together.

/// The taboo measure a reference point compares with (the CSV's `measure` key).
public enum AnimalMeasure: String, Sendable, Hashable, CaseIterable {
  /// In context: the share of lanes with a one-trial reversal at the run's last reversal.
  case oneTrialShareLast = "one_trial_share_last"
  /// In context: trial-2 accuracy pooled over the first ⌊N/2⌋ reversals.
  case trial2AccuracyFirstBlock = "trial2_accuracy_first_block"
  /// In context: trial-2 accuracy pooled over the remaining reversals.
  case trial2AccuracySecondBlock = "trial2_accuracy_second_block"
  /// The slope of errors per reversal on the reversal index (its sign only).
  case errorsSlope = "errors_slope"
  /// The share of runs whose errors per reversal fall (a negative slope).
  case fallingErrorsShare = "falling_errors_share"

  /// What the measure is, in a few words.
  public var description: String {
    switch self {
    case .oneTrialShareLast: return "share of lanes with a one-trial reversal at the last reversal"
    case .trial2AccuracyFirstBlock: return "accuracy on trial 2 after the switch, reversals 1…N/2"
    case .trial2AccuracySecondBlock: return "accuracy on trial 2 after the switch, reversals N/2+1…N"
    case .errorsSlope: return "slope of errors per reversal across reversals"
    case .fallingErrorsShare: return "share of runs whose errors per reversal fall across reversals"
    }
  }

  /// Whether the measure is read only in frozen stream phases (in trials).
  public var trialsOnly: Bool {
    switch self {
    case .oneTrialShareLast, .trial2AccuracyFirstBlock, .trial2AccuracySecondBlock: return true
    case .errorsSlope, .fallingErrorsShare: return false
    }
  }
}

/// One published result on serial reversal in animals.
public struct AnimalReference: Sendable, Hashable {
  /// `A1`…`A6`.
  public var id: String
  public var species: String
  /// Subjects, where the source says.
  public var n: Int?
  public var procedure: String
  public var measure: AnimalMeasure
  /// The study's criterion (not the simulation's).
  public var criterion: String
  /// The published result in one sentence.
  public var statement: String
  /// The value on the measure's scale; nil for an ordering-only point.
  public var value: Double?
  /// The range compared with: a 95% interval for k of n subjects, else the value itself.
  public var low: Double?
  public var high: Double?
  /// For an ordering-only point: the published direction (`falls`).
  public var direction: String?
  /// Read from the paper's abstract or summary, not its tables.
  public var fromAbstract: Bool
  public var source: String

  public init(
    id: String, species: String, n: Int?, procedure: String, measure: AnimalMeasure, criterion: String,
    statement: String, value: Double?, low: Double?, high: Double?, direction: String?, fromAbstract: Bool,
    source: String
  ) {
    self.id = id
    self.species = species
    self.n = n
    self.procedure = procedure
    self.measure = measure
    self.criterion = criterion
    self.statement = statement
    self.value = value
    self.low = low
    self.high = high
    self.direction = direction
    self.fromAbstract = fromAbstract
    self.source = source
  }

  /// An ordering-only point: only the direction of its measure compares.
  public var orderingOnly: Bool { value == nil }

  /// `A1 (rat, n = 9, from abstract)`.
  public var label: String {
    "\(id) (\(species)\(n.map { ", n = \($0)" } ?? "")\(fromAbstract ? ", from abstract" : ""))"
  }
}

public enum AnimalReferences {
  /// The rows of `reference/animal-reversal.csv`, in order.
  public static let all: [AnimalReference] = [
    AnimalReference(
      id: "A1", species: "rat", n: 9,
      procedure: "position discrimination in a T-maze, original learning + 9 reversals",
      measure: .oneTrialShareLast, criterion: "11 of 12 correct with the last 8 consecutive",
      statement: "subjects reaching one-trial reversal (one error, then correct) by the last reversal: 9 of 9",
      value: 1, low: 0.6637, high: 1, direction: nil, fromAbstract: true,
      source: "Dufort, Guttman & Kimble (1954), J. Comp. Physiol. Psychol. 47:248"),
    AnimalReference(
      id: "A2", species: "rhesus monkey", n: 11,
      procedure: "344 object discriminations (6-trial problems), then 112 discrimination-reversal problems (8 continued)",
      measure: .trial2AccuracyFirstBlock, criterion: "none stated (fixed trials per problem)",
      statement: "percent correct on trial 2 of a reversal problem, problems 1-100: 82%",
      value: 0.82, low: 0.82, high: 0.82, direction: nil, fromAbstract: true,
      source: "Harlow (1950), J. Exp. Psychol."),
    AnimalReference(
      id: "A3", species: "rhesus monkey", n: 8, procedure: "as A2",
      measure: .trial2AccuracySecondBlock, criterion: "none stated (fixed trials per problem)",
      statement: "percent correct on trial 2 of a reversal problem, problems 101-200: 87%",
      value: 0.87, low: 0.87, high: 0.87, direction: nil, fromAbstract: true,
      source: "Harlow (1950), J. Exp. Psychol."),
    AnimalReference(
      id: "A4", species: "rat, pigeon, goldfish", n: 12,
      procedure: "spatial reversal, 40 trials a day, 30 daily reversals",
      measure: .errorsSlope, criterion: "none stated (one reversal a day)",
      statement: "errors per reversal fall across reversals in all three; fastest improvement rats, then pigeons, then goldfish",
      value: nil, low: nil, high: nil, direction: "falls", fromAbstract: true,
      source: "Mackintosh & Cauty (1971), Psychon. Sci. 22:281"),
    AnimalReference(
      id: "A5", species: "human", n: nil,
      procedure: "mid-session reversal, reversal point varied (humans vs pigeons)",
      measure: .oneTrialShareLast, criterion: "none stated (reversal within a session)",
      statement: "humans settle on win-stay/lose-shift: one error per reversal; pigeons make anticipatory and perseverative errors",
      value: 1, low: 1, high: 1, direction: nil, fromAbstract: true,
      source: "Rayburn-Reeves, Molet & Zentall (2011), Learn. Behav. 39:125"),
    AnimalReference(
      id: "A6", species: "octopus", n: 4, procedure: "visual reversal",
      measure: .fallingErrorsShare, criterion: ">= 80% in 2 consecutive sessions",
      statement: "subjects improving progressively across reversals: 1 of 4",
      value: 0.25, low: 0.0063, high: 0.8059, direction: nil, fromAbstract: true,
      source: "Bublitz et al. (2017), Front. Physiol."),
  ]

  public static func reference(_ id: String) -> AnimalReference? { all.first { $0.id == id } }

  /// The points on `measure`, in table order.
  public static func on(_ measure: AnimalMeasure) -> [AnimalReference] { all.filter { $0.measure == measure } }
}
