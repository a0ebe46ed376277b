/// The version both executables report.
public enum CorpusdVersion {
    public static let string = "0.1.0"
}
