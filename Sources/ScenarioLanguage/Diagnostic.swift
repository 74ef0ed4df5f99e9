// Diagnostics are data: a stable code, a severity, a message, a source range, notes and an
// optional help line. `DiagnosticRenderer` turns them into text; `taboo check --format json`
// into JSON lines.

import Specification

/// A problem found in a scenario file.
public struct Diagnostic: Sendable, Equatable, CustomStringConvertible {
  public enum Severity: String, Sendable, Equatable, Comparable {
    case error, warning

    public static func < (a: Severity, b: Severity) -> Bool { a == .error && b == .warning }
  }

  public var code: DiagnosticCode
  public var message: String
  /// Where the problem is; always a valid range of the file it was found in.
  public var range: SourceRange
  /// Extra facts, each one sentence (`note: k = 0 in the sweep at 9:1`).
  public var notes: [String]
  /// What to do about it (`did you mean 'train'?`).
  public var help: String?

  public init(
    _ code: DiagnosticCode, _ message: String, at range: SourceRange, notes: [String] = [],
    help: String? = nil
  ) {
    self.code = code
    self.message = message
    self.range = range
    self.notes = notes
    self.help = help
  }

  public var severity: Severity { code.severity }

  public var description: String {
    "\(range.start) \(severity.rawValue)[\(code.rawValue)]: \(message)"
  }
}

/// Every diagnostic the language can give. Codes are stable: never renumber, only add.
public enum DiagnosticCode: String, Sendable, CaseIterable, Equatable {
  // Lexical and file-level problems.
  case unexpectedCharacter = "E001"
  case unterminatedString = "E002"
  case invalidNumber = "E003"
  case numberOutOfRange = "E004"
  case invalidUTF8 = "E005"
  case nestingTooDeep = "E006"
  case expressionTooLong = "E007"
  case emptyFile = "E008"
  case tooManyErrors = "E009"
  // Syntax.
  case expected = "E010"
  case unknownDirective = "E011"
  case unknownSet = "E012"
  case unknownParameter = "E013"
  case unexpectedArgument = "E014"
  case unbalancedBrace = "E015"
  case blockMismatch = "E016"
  case misplacedDirective = "E017"
  case unknownWorldKind = "E018"
  case unknownCellKind = "E019"
  case unknownOptimizer = "E020"
  case unknownConvention = "E021"
  case unknownUnit = "E022"
  case unknownContextMode = "E023"
  case duplicateDirective = "E024"
  case wrongArgumentCount = "E025"
  case streamNeedsSetName = "E026"
  case percentageNotAllowed = "E027"
  case emptyName = "E028"
  // Names.
  case duplicateName = "E030"
  case setUsedBeforeDefinition = "E031"
  case reservedName = "E032"
  case sweepOfUndefinedParameter = "E033"
  case duplicateSweep = "E034"
  case setRefersToItself = "E035"
  case unknownPhase = "E036"
  case phaseInsideRepeat = "E037"
  // Values.
  case notWholeNumber = "E040"
  case tooSmall = "E041"
  case tooLarge = "E042"
  case probabilityOutOfRange = "E043"
  case emptyRange = "E044"
  case itemOutOfRange = "E045"
  case tooManyItems = "E046"
  case sampleLargerThanSet = "E047"
  case emptySet = "E048"
  case passwordWithoutPassword = "E049"
  case memoryLimit = "E050"
  case optionNotForWorld = "E051"
  case conventionEqualsTruth = "E052"
  case conventionRequired = "E053"
  case tooManyRuns = "E054"
  case trialsOutsideFrozenStream = "E055"
  case criterionWithoutProbes = "E056"
  case phaseTrainsNothing = "E057"
  case criterionWithoutStreams = "E058"
  case frozenStreamNotInTrials = "E059"
  // Missing pieces.
  case missingWorld = "E060"
  case missingModel = "E061"
  case missingPhase = "E062"
  case frozenStreamWithoutStreams = "E063"
  // The model.
  case optionNotForCell = "E064"
  case headsDoNotDivideWidth = "E065"
  case unknownConventionName = "E066"
  // Warnings.
  case unusedSet = "W001"
  case setNeitherTrainedNorProbed = "W002"
  case singleValueSweep = "W003"
  case duplicateSweepValue = "W004"
  case noProbe = "W005"
  case probeNeverReached = "W006"
  case settingHasNoEffect = "W007"
  case duplicateItem = "W008"
  case unusedParameter = "W009"
  case criterionUnreachable = "W010"
  case conventionAlwaysTruth = "W011"

  public var severity: Diagnostic.Severity { rawValue.hasPrefix("W") ? .warning : .error }

  /// One line for the table of codes in the documentation.
  public var summary: String {
    switch self {
    case .unexpectedCharacter: return "a character that no token starts with"
    case .unterminatedString: return "a string without its closing quote on the same line"
    case .invalidNumber: return "a malformed number (`12abc`, `1e`, `.5`)"
    case .numberOutOfRange: return "a number too large or too small for a Double (`1e999`)"
    case .invalidUTF8: return "the file is not valid UTF-8"
    case .nestingTooDeep: return "blocks, parentheses or `sample … of` nested too deeply"
    case .expressionTooLong: return "a set expression with too many terms"
    case .emptyFile: return "the file is empty or holds only comments"
    case .tooManyErrors: return "so many errors that checking stopped"
    case .expected: return "something required is missing (`expected a number after 'lr'`)"
    case .unknownDirective: return "an unknown directive or block statement"
    case .unknownSet: return "a set name that is not defined"
    case .unknownParameter: return "a parameter name that is not defined"
    case .unexpectedArgument: return "extra arguments after a complete statement"
    case .unbalancedBrace: return "a `}` without `{`, or a `{` never closed"
    case .blockMismatch: return "a block where none is allowed, or none where one is required"
    case .misplacedDirective: return "a directive in the wrong place (`lr` outside `train`)"
    case .unknownWorldKind: return "an unknown world kind"
    case .unknownCellKind: return "an unknown cell kind"
    case .unknownOptimizer: return "an unknown optimizer"
    case .unknownConvention: return "an unknown convention"
    case .unknownUnit: return "an unknown unit of phase length"
    case .unknownContextMode: return "an unknown context mode"
    case .duplicateDirective: return "a directive or setting given twice"
    case .wrongArgumentCount: return "the wrong number of arguments"
    case .streamNeedsSetName: return "a stream or probe given a set expression instead of a name"
    case .percentageNotAllowed: return "a percentage where a count or plain number is expected"
    case .emptyName: return "an empty name"
    case .duplicateName: return "a set or parameter name defined twice"
    case .setUsedBeforeDefinition: return "a set used before the line that defines it"
    case .reservedName: return "a built-in name or keyword used as a set or parameter name"
    case .sweepOfUndefinedParameter: return "a sweep over a parameter without `let`"
    case .duplicateSweep: return "the same parameter swept twice"
    case .setRefersToItself: return "a set defined in terms of itself"
    case .unknownPhase: return "`from` or `perturb like` naming no earlier phase"
    case .phaseInsideRepeat: return "`from` or `perturb like` naming a phase inside another `repeat` block"
    case .notWholeNumber: return "a fraction where a whole number is required"
    case .tooSmall: return "a zero or negative size, count or rate"
    case .tooLarge: return "a size or count above its limit"
    case .probabilityOutOfRange: return "a probability outside [0, 1] or a percentage outside [0%, 100%]"
    case .emptyRange: return "a range `A..B` with B below A"
    case .itemOutOfRange: return "an item index beyond the world's items"
    case .tooManyItems: return "more items than the world has distinct sequences"
    case .sampleLargerThanSet: return "a sample larger than the set it is drawn from"
    case .emptySet: return "a set that is always empty"
    case .passwordWithoutPassword: return "`with password` in a world without a password"
    case .memoryLimit: return "a run that would need more memory than the limit"
    case .optionNotForWorld: return "a world option that does not apply to this world kind"
    case .conventionEqualsTruth: return "a convention whose taboo answer is always the truth"
    case .conventionRequired: return "`taboo` or `wrong` in a world without a convention"
    case .tooManyRuns: return "too many runs, seeds or expanded phases"
    case .trialsOutsideFrozenStream: return "`trials` outside a frozen phase in `context stream`"
    case .criterionWithoutProbes: return "`until criterion` without a `probe` directive"
    case .phaseTrainsNothing: return "a phase with no stream that is not `frozen`"
    case .criterionWithoutStreams: return "`until criterion` in a phase with no stream"
    case .frozenStreamNotInTrials: return "a frozen phase in `context stream` not counted in `trials`"
    case .frozenStreamWithoutStreams: return "a frozen phase in `context stream` with no stream to present"
    case .optionNotForCell: return "a model option of another kind of network (`embedding` of a transformer, `heads` of a GRU)"
    case .headsDoNotDivideWidth: return "a transformer whose width is not divisible by its number of heads"
    case .unknownConventionName: return "`wrong NAME` naming no convention of the world"
    case .missingWorld: return "no `world` directive"
    case .missingModel: return "no `model` directive"
    case .missingPhase: return "no `phase`"
    case .unusedSet: return "a set defined and never used"
    case .setNeitherTrainedNorProbed: return "a set only used to define others: never trained or probed"
    case .singleValueSweep: return "a sweep of one value"
    case .duplicateSweepValue: return "a sweep that lists a value twice"
    case .noProbe: return "no `probe`: only the trained streams are measured"
    case .probeNeverReached: return "a probe interval longer than every phase"
    case .settingHasNoEffect: return "a setting that has no effect where it is"
    case .duplicateItem: return "an item listed twice in `items`"
    case .unusedParameter: return "a parameter defined and never used"
    case .criterionUnreachable: return "a phase cap too short for the criterion's probes"
    case .conventionAlwaysTruth: return "`weak 1`: the taboo answer is always the truth"
    }
  }
}

/// Collects diagnostics, stopping after `limit` of them so that a file of garbage gives a
/// readable report rather than a million lines.
struct DiagnosticSink {
  private(set) var diagnostics: [Diagnostic] = []
  private(set) var stopped = false
  let limit: Int

  init(limit: Int = Limits.diagnostics) {
    self.limit = limit
  }

  mutating func add(_ diagnostic: Diagnostic) {
    guard !stopped else { return }
    if diagnostics.count >= limit {
      stopped = true
      diagnostics.append(
        Diagnostic(
          .tooManyErrors, "too many problems: stopped after \(limit)", at: diagnostic.range,
          help: "fix the first ones and check again"))
      return
    }
    diagnostics.append(diagnostic)
  }

  mutating func add(
    _ code: DiagnosticCode, _ message: String, at range: SourceRange, notes: [String] = [],
    help: String? = nil
  ) {
    add(Diagnostic(code, message, at: range, notes: notes, help: help))
  }

  var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }
}
