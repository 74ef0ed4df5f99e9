// File names for figures from user-chosen names.

/// File names from user-chosen names: letters, digits, `-` and `_` kept, the rest `-`; unique.
package struct FigureFileNames {
  private var used: Set<String> = []

  package init() {}

  package static func slug(_ name: String) -> String {
    var out = ""
    for character in name {
      if character.isASCII,
        character.isLetter || character.isNumber || character == "_" || character == "-"
      {
        out.append(character)
      } else if !out.hasSuffix("-") {
        out.append("-")
      }
    }
    while out.hasSuffix("-") { out.removeLast() }
    while out.hasPrefix("-") { out.removeFirst() }
    return out.isEmpty ? "set" : out
  }

  package mutating func unique(_ base: String) -> String {
    var name = base
    var counter = 2
    while used.contains(name.lowercased()) {
      name = "\(base)-\(counter)"
      counter += 1
    }
    used.insert(name.lowercased())
    return name
  }
}
