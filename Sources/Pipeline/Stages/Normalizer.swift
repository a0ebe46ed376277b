import Foundation

/// Text → the canonical form fingerprints and matching are computed on:
/// Unicode NFKC, lowercased, every run of punctuation and white space collapsed to one space.
public enum Normalizer {
    public static func normalize(_ text: String) -> String {
        latin1Normalized(text) ?? unicodeNormalized(text)
    }

    static func unicodeNormalized(_ text: String) -> String {
        let folded = text.precomposedStringWithCompatibilityMapping.lowercased()
        var out = String.UnicodeScalarView()
        out.reserveCapacity(folded.unicodeScalars.count)
        var pendingSpace = false
        for scalar in folded.unicodeScalars {
            if isWordScalar(scalar) {
                if pendingSpace && !out.isEmpty { out.append(" ") }
                pendingSpace = false
                out.append(scalar)
            } else {
                pendingSpace = true
            }
        }
        return String(out)
    }

    /// The words of `normalize(text)`, without building the intermediate string twice.
    public static func words(_ text: String) -> [Substring] {
        normalize(text).split(separator: " ")
    }

    @inline(__always)
    static func isWordScalar(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII {
            let v = scalar.value
            return (v >= 0x30 && v <= 0x39) || (v >= 0x61 && v <= 0x7A) || (v >= 0x41 && v <= 0x5A)
        }
        let p = scalar.properties
        return p.isAlphabetic || p.numericType != nil
    }
}
