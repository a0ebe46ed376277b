import Foundation
import CCrypto

/// A SHA-256 digest. Computed by libcrypto (hardware-accelerated where the CPU allows).
public struct Digest: Sendable, Hashable, Codable, CustomStringConvertible {
    public let bytes: [UInt8]

    public init(bytes: [UInt8]) {
        precondition(bytes.count == 32, "a SHA-256 digest is 32 bytes")
        self.bytes = bytes
    }

    public static func sha256<C: ContiguousBytes>(_ data: C) -> Digest {
        var out = [UInt8](repeating: 0, count: 32)
        data.withUnsafeBytes { buffer in
            var length: UInt32 = 32
            let ok = EVP_Digest(buffer.baseAddress, buffer.count, &out, &length, EVP_sha256(), nil)
            precondition(ok == 1 && length == 32, "EVP_Digest(sha256) failed")
        }
        return Digest(bytes: out)
    }

    public static func sha256(_ text: String) -> Digest {
        sha256(Array(text.utf8))
    }

    public var hex: String {
        let digits = Array("0123456789abcdef".utf8)
        var chars = [UInt8]()
        chars.reserveCapacity(64)
        for byte in bytes {
            chars.append(digits[Int(byte >> 4)])
            chars.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: chars, as: UTF8.self)
    }

    public var description: String { hex }
}
