/// The signed envelope an inbound market message arrived in, bound for the duration of
/// `MarketEngine.receive` so the journal can keep the peer's signature next to the record (the
/// ledger stores it and `ciro ledger verify` re-checks it). Journals must only use it for a record
/// of the same kind as the envelope's topic: tasks started while handling a message inherit it.
public enum InboundEnvelope {
    @TaskLocal public static var current: [UInt8]?
}
