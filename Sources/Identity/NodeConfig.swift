/// A node's settings, stored as `config.json` in its data directory.
///
/// Every field has a default, and decoding fills in whatever a file leaves out, so later parts of the
/// node can add fields without breaking older files; unknown fields are ignored.
public struct NodeConfig: Codable, Sendable, Equatable {
    /// Version of this file's layout.
    public static let currentVersion = 1
    /// Where a node listens when told nothing else.
    public static let defaultListen = "tcp://127.0.0.1:7400"

    /// Layout version of the file.
    public var version: Int
    /// The ZeroMQ endpoint the node's ROUTER socket binds (`tcp://HOST:PORT`).
    public var listen: String
    /// The endpoint other nodes should dial, when it differs from `listen` (NAT, `0.0.0.0` binds).
    public var advertise: String?
    /// The bootstrap peer list (address and public key of each), relative to the data directory
    /// unless absolute.
    public var bootstrapFile: String
    /// Price asked per unit of proving work, in credits.
    public var pricePerWorkUnit: UInt64
    /// Target number of live peers.
    public var targetPeers: Int
    /// Log level: trace, debug, info, notice, warning, error, critical.
    public var logLevel: String

    /// The defaults, with an optional listen endpoint.
    public init(
        listen: String = NodeConfig.defaultListen,
        advertise: String? = nil,
        bootstrapFile: String = "bootstrap.json",
        pricePerWorkUnit: UInt64 = 1,
        targetPeers: Int = 6,
        logLevel: String = "info"
    ) {
        self.version = Self.currentVersion
        self.listen = listen
        self.advertise = advertise
        self.bootstrapFile = bootstrapFile
        self.pricePerWorkUnit = pricePerWorkUnit
        self.targetPeers = targetPeers
        self.logLevel = logLevel
    }

    private enum CodingKeys: String, CodingKey {
        case version, listen, advertise, bootstrapFile, pricePerWorkUnit, targetPeers, logLevel
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = NodeConfig()
        version = try c.decodeIfPresent(Int.self, forKey: .version) ?? defaults.version
        listen = try c.decodeIfPresent(String.self, forKey: .listen) ?? defaults.listen
        advertise = try c.decodeIfPresent(String.self, forKey: .advertise)
        bootstrapFile = try c.decodeIfPresent(String.self, forKey: .bootstrapFile) ?? defaults.bootstrapFile
        pricePerWorkUnit = try c.decodeIfPresent(UInt64.self, forKey: .pricePerWorkUnit) ?? defaults.pricePerWorkUnit
        targetPeers = try c.decodeIfPresent(Int.self, forKey: .targetPeers) ?? defaults.targetPeers
        logLevel = try c.decodeIfPresent(String.self, forKey: .logLevel) ?? defaults.logLevel
    }

    /// Checks the fields a node needs to start: supported version, well-formed endpoints.
    public func validate() throws(IdentityError) {
        guard version >= 1, version <= Self.currentVersion else {
            throw .malformedConfig(path: "config", reason: "unsupported version \(version) (this build reads up to \(Self.currentVersion))")
        }
        try Endpoint.validate(listen)
        if let advertise { try Endpoint.validate(advertise) }
        guard targetPeers > 0 else { throw .malformedConfig(path: "config", reason: "targetPeers must be positive, got \(targetPeers)") }
    }
}

/// Checks ZeroMQ tcp endpoints.
public enum Endpoint {
    /// Checks that `text` is `tcp://HOST:PORT` with a non-empty host and a port in 1...65535.
    /// The host may be a name, an IPv4 address, `*`, or a bracketed IPv6 address.
    public static func validate(_ text: String) throws(IdentityError) {
        let scheme = "tcp://"
        guard text.hasPrefix(scheme) else { throw .invalidEndpoint(text, reason: "only tcp:// endpoints are supported") }
        let rest = text.dropFirst(scheme.count)
        guard let colon = rest.lastIndex(of: ":") else { throw .invalidEndpoint(text, reason: "missing :PORT") }
        let host = rest[..<colon]
        let port = rest[rest.index(after: colon)...]
        guard !host.isEmpty else { throw .invalidEndpoint(text, reason: "missing host") }
        guard host.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || ".-_*[]:".contains($0)) }) else {
            throw .invalidEndpoint(text, reason: "host '\(host)' has invalid characters")
        }
        guard let number = Int(port), (1...65535).contains(number), port.allSatisfy(\.isNumber) else {
            throw .invalidEndpoint(text, reason: "port '\(port)' is not a number in 1...65535")
        }
    }
}
