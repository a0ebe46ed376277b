import Foundation

@testable import Pipeline

/// Listings through `JSONArrayWriter`, and the same listings as the encoder's pretty-printed array (what
/// `corpusctl list --json` must print), both as text.
func writtenAndEncoded(_ listings: [DocumentListing]) throws -> (written: String, encoded: String) {
    var out = Data()
    var writer = JSONArrayWriter(encoder: .corpus) { out.append($0) }
    for listing in listings { try writer.append(listing) }
    try writer.finish(emptyAs: DocumentListing.self)
    let whole = JSONEncoder.corpus
    whole.outputFormatting.insert(.prettyPrinted)
    let expected = try whole.encode(listings) + Data("\n".utf8)
    return (String(decoding: out, as: UTF8.self), String(decoding: expected, as: UTF8.self))
}
