/// Aligned plain-text tables for corpusctl's human output. Pure: rows in, lines out.
public struct TextTable: Sendable {
    public struct Column: Sendable {
        public var title: String
        /// Columns that may shrink (with an ellipsis) when the table is wider than `width`.
        public var flexible: Bool
        public var alignRight: Bool
        /// A flexible column is never shrunk below this.
        public var minWidth: Int
        /// How strongly a flexible column keeps its width: one with keep 3 gives up a third as much as one with 1.
        public var keep: Int

        public init(_ title: String, flexible: Bool = false, alignRight: Bool = false, minWidth: Int = 8, keep: Int = 1) {
            self.title = title
            self.flexible = flexible
            self.alignRight = alignRight
            self.minWidth = minWidth
            self.keep = max(1, keep)
        }
    }

    public var columns: [Column]
    public var rows: [[String]]

    public init(columns: [Column], rows: [[String]]) {
        self.columns = columns
        self.rows = rows
    }

    /// The table as lines no wider than `width` (counted in characters), columns two spaces apart.
    public func render(width: Int = 100) -> String {
        var widths = columns.map { $0.title.count }
        for row in rows {
            for (index, cell) in row.enumerated() where index < widths.count {
                widths[index] = max(widths[index], cell.count)
            }
        }
        let gap = 2
        var total = widths.reduce(0, +) + gap * max(0, widths.count - 1)
        // Shrink, a column at a time, the flexible column with the most room to spare for its `keep`,
        // never below its title or its minimum width.
        func floor(_ i: Int) -> Int { max(columns[i].minWidth, columns[i].title.count) }
        func spare(_ i: Int) -> Int { (widths[i] - floor(i)) * 6 / columns[i].keep }
        while total > width {
            guard let index = widths.indices.filter({ columns[$0].flexible && widths[$0] > floor($0) })
                .max(by: { spare($0) < spare($1) })
            else { break }
            widths[index] -= 1
            total -= 1
        }
        var lines = [line(columns.map(\.title), widths)]
        for row in rows { lines.append(line(row, widths)) }
        return lines.joined(separator: "\n")
    }

    private func line(_ cells: [String], _ widths: [Int]) -> String {
        var parts: [String] = []
        for (index, width) in widths.enumerated() {
            let cell = Self.fit(index < cells.count ? cells[index] : "", width)
            let pad = String(repeating: " ", count: width - cell.count)
            let isLast = index == widths.count - 1
            parts.append(columns[index].alignRight ? pad + cell : (isLast ? cell : cell + pad))
        }
        return parts.joined(separator: "  ")
    }

    static func fit(_ text: String, _ width: Int) -> String {
        let flat = text.replacingOccurrences(of: "\n", with: " ")
        if flat.count <= width { return flat }
        guard width > 1 else { return String(flat.prefix(width)) }
        return String(flat.prefix(width - 1)) + "…"
    }
}
