import Foundation
import Testing

@testable import Pipeline

/// Text formats we do not read are named, and plain-text news is never mistaken for one of them.
struct TextShapeTests {
    private func detect(_ name: String, _ text: String) throws -> DocumentFormat {
        try FormatDetection.detect(name: name, head: Array(text.utf8)[...]).format
    }

    private func reason(_ name: String, _ text: String) -> String? {
        do {
            _ = try FormatDetection.detect(name: name, head: Array(text.utf8)[...])
            return nil
        } catch {
            return error.description
        }
    }

    @Test func seedsAndPlainFixturesAreStillPlainText() throws {
        var files: [URL] = []
        let seeds = DaemonHarness.seedsDirectory
        for name in try FileManager.default.contentsOfDirectory(atPath: seeds.path) where name.hasSuffix(".txt") {
            files.append(seeds.appendingPathComponent(name))
        }
        for sub in ["plain", "formats"] {
            let dir = Fixtures.url(sub)
            for name in try FileManager.default.contentsOfDirectory(atPath: dir.path) where name.hasSuffix(".txt") {
                // catalog.txt and weekly-figures.txt are the other way round: text that is not news.
                if sub == "formats", (try? String(contentsOf: dir.appendingPathComponent(name + ".expected.json"), encoding: .utf8))?
                    .contains("unsupported format") == true { continue }
                files.append(dir.appendingPathComponent(name))
            }
        }
        #expect(files.count >= 5)
        for file in files {
            let bytes = try [UInt8](Data(contentsOf: file))
            let detected = try FormatDetection.detect(name: file.lastPathComponent, head: bytes.prefix(FormatDetection.headSize))
            #expect(detected.format == .plainText || detected.format == .html, "\(file.lastPathComponent): \(detected)")
            #expect(ArticlePipeline().process(SourceFile(name: file.lastPathComponent, bytes: bytes)).isSuccess,
                    "\(file.lastPathComponent) no longer parses")
        }
    }

    @Test func newsThatLooksStructuredIsStillNews() throws {
        let markdown = """
            # Council backs new tram line to the airport

            *By Jane Doe — 26 January 2024*

            The city council voted on Thursday to build a tram line to the airport, ending a decade of debate about how to link the two.

            | Option | Cost |
            |--------|------|
            | Tram   | £1bn |

            Work is due to start next year, and the first trams should run by 2029, the council said in a statement.
            """
        #expect(reason("tram.md", markdown) == nil, "tram.md")

        let commas = """
            Markets, banks, and bonds: a week in review

            Stocks rose, bonds fell, and the dollar, which had slipped on Monday, recovered by Friday, traders said.
            Oil, gold, and copper, meanwhile, were flat, with analysts, brokers, and fund managers all waiting for the Fed.
            Investors, for their part, said they expected rates to stay where they are, at least until the summer, or later.
            """
        #expect(reason("markets.txt", commas) == nil, "markets.txt")

        let fields = """
            Source: Harbour Times
            Date: 2024-01-26
            Tags: transport | council
            Title: Harbour road closed
            The harbour road was closed on Friday after a storm damaged the sea wall, the council said in a short statement.
            """
        #expect(reason("road.txt", fields) == nil, "road.txt")

        let wire = """
            2024-01-26 11:12 UTC
            BEIJING (Reuters) - China agreed on Friday to hold talks with the United States on curbing the flow of fentanyl.
            Officials from both countries will meet next week in Beijing, a spokesman for the foreign ministry told reporters.
            The talks had been delayed for months over sanctions that Washington lifted in November, officials said.
            """
        #expect(reason("wire.txt", wire) == nil, "wire.txt")

        let list = """
            Five things to know today
            - The harbour road is closed after the storm.
            - Library hours are cut at five branches.
            - The council backs a tram line to the airport.
            """
        #expect(reason("today.txt", list) == nil, "today.txt")
    }

    @Test func aLeadingBracketIsJSONOnlyWhenJSONFollows() throws {
        // Text that opens with a bracket: an INI section, a tagged headline, a numbered part.
        let ini = "[general]\nuser_agent = NewsBot\ntimeout = 30\n\n[site]\ndepth = 2\n"
        #expect(reason("crawler.txt", ini) == "unsupported format: configuration file (INI)")
        #expect(reason("crawler", "\u{FEFF}" + ini) == "unsupported format: configuration file (INI)")
        #expect(reason("crawler.ini", "[1]\nkey = value\nother = 2\nmore = 3\n") == "unsupported format: configuration file (INI)")
        let story = "The harbour road reopened on Friday after a storm damaged the sea wall, the council said in a statement.\n"
            + "Crews worked through the night, and traffic lights will control the one open lane until next month.\n"
        #expect(try detect("road.txt", "[Updated] Harbour road reopens\n\n" + story) == .plainText)
        #expect(try detect("road.txt", "[1/3] Harbour road reopens\n\n" + story) == .plainText)
        #expect(try detect("road.txt", "[2024] Harbour road reopens\n\n" + story) == .plainText)
        #expect(try detect("road.txt", "{Breaking} Harbour road reopens\n\n" + story) == .plainText)
        #expect(try detect("road.txt", "[\"Harbour\", road] reopens\n\n" + story) == .plainText)

        // JSON, whatever the name, the white space before it and its first value.
        #expect(try detect("export.dat", "[{\"title\": \"A\"}]") == .json)
        #expect(try detect("export.dat", "\u{FEFF}\r\n  \t\r\n  [\r\n  {\"title\": \"A\"}\r\n]\r\n") == .json)
        #expect(try detect("export.dat", "{\n  \"articles\": []\n}") == .json)
        #expect(try detect("export.dat", "{}") == .json)
        #expect(try detect("export.dat", "[]") == .json)
        #expect(try detect("export.dat", "[[1, 2], [3]]") == .json)
        #expect(try detect("export.dat", "[\"a\", \"b \\\" ]\", -1.5e+3, true, null]\n") == .json)
        #expect(try detect("export.dat", "[\n  \"a\",\n  \"b\"\n]") == .json)
        #expect(try detect("export.dat", "[1, 2,\n 3]") == .json)
        #expect(try detect("export.dat", "[") == .json)
        #expect(try detect("dump", "{\"title\": \"A\"}\n{\"title\": \"B\"}\n") == .jsonLines)
        // A name that says JSON still counts when the content does not decide.
        #expect(try detect("settings.json", ini) == .json)
        // UTF-16 JSON.
        let utf16: [UInt8] = [0xFF, 0xFE] + Array("[{\"title\": \"A\"}]".utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] })
        #expect(try FormatDetection.detect(name: "export.dat", head: utf16[...]).format == .json)
    }

    @Test func formatsWeDoNotReadAreNamed() {
        #expect(reason("data", "a;b;c\n1;2;3\n4;5;6\n7;8;9\n")?.contains("semicolon-separated table") == true)
        #expect(reason("app.ini", "; crawler settings\n[server]\nport = 8080\nhost = example.org\n\n[client]\nretries = 3\n")?.contains("configuration file") == true)
        #expect(reason("run", "#!/bin/sh\nset -e\necho hello\n")?.contains("script") == true)
        #expect(reason("main.swift", "import Foundation\n\nstruct A {\n    let b: Int\n}\n\nfunc f() -> Int {\n    return 1\n}\n") == "unsupported format: source code")
        #expect(reason("notes.txt", "<?xml version=\"1.0\"?>\n<config><item key=\"a\"/></config>\n")?.contains("root element <config>") == true)
    }
}

extension Result {
    var isSuccess: Bool {
        if case .success = self { return true }
        return false
    }
}
