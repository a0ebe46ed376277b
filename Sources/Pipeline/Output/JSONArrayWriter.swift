import Foundation

/// A JSON array written one element at a time, byte for byte as the pretty-printed encoding of the whole array
/// would be: each element's own pretty-printed encoding, indented one level, between "[" and "]". For listings
/// too long to hold in memory (`corpusctl list --json` over a whole corpus).
public struct JSONArrayWriter {
    private let encoder: JSONEncoder
    private let write: (Data) -> Void
    private var count = 0

    /// `encoder` (given `.prettyPrinted` here, so pass one of its own) encodes each element; `write` receives the output in order.
    public init(encoder: JSONEncoder, write: @escaping (Data) -> Void) {
        let pretty = encoder
        pretty.outputFormatting.insert(.prettyPrinted)
        self.encoder = pretty
        self.write = write
    }

    public mutating func append<T: Encodable>(_ element: T) throws {
        try appendEncoded(element)
    }

    /// A listing is written straight (`JSONLine`, the encoder's bytes: a whole-corpus listing spent most of its time in
    /// the encoder); one with its duplicates by the encoder.
    public mutating func append(_ listing: DocumentListing) throws {
        guard listing.duplicates == nil else { return try appendEncoded(listing) }
        var out = elementStart()
        out += listing.json(indent: 2)
        written(out)
    }

    /// What goes before an element: the array's opening or the comma after the element before, and its indent.
    private func elementStart() -> [UInt8] {
        Array(count == 0 ? "[\n  ".utf8 : ",\n  ".utf8)
    }

    private mutating func written(_ element: [UInt8]) {
        write(Data(element))
        count += 1
    }

    private mutating func appendEncoded<T: Encodable>(_ element: T) throws {
        let encoded = try encoder.encode(element)
        var out = elementStart()
        out.reserveCapacity(encoded.count + encoded.count / 4)
        // Nested lines move one level in, empty ones (inside an empty array or object) staying empty; a newline
        // inside a JSON string is always escaped, so every raw newline is a line break of the layout.
        encoded.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) in
            var start = 0
            for index in bytes.indices where bytes[index] == 0x0A {
                out.append(contentsOf: bytes[start...index])
                if index + 1 < bytes.count && bytes[index + 1] != 0x0A { out.append(contentsOf: [0x20, 0x20]) }
                start = index + 1
            }
            out.append(contentsOf: bytes[start...])
        }
        written(out)
    }

    /// Closes the array (an empty one as the encoder writes `[]`) and the line.
    public mutating func finish<T: Encodable>(emptyAs type: T.Type) throws {
        if count == 0 {
            write(try encoder.encode([T]()))
            write(Data("\n".utf8))
        } else {
            write(Data("\n]\n".utf8))
        }
    }
}
