import Foundation
import Market
import Sodium
import Wire

/// Answers the market's control requests: submit a job, show one, list them, the live market.
public struct MarketControlModule: ControlModule {
    let engine: MarketEngine
    let backend: ZKMLProofBackend
    /// Max price of a job whose submitter names none.
    let defaultMaxPrice: UInt64

    public init(engine: MarketEngine, backend: ZKMLProofBackend, defaultMaxPrice: UInt64 = 1000) {
        self.engine = engine
        self.backend = backend
        self.defaultMaxPrice = defaultMaxPrice
    }

    public func handle(_ request: Ciro_V1_ControlRequest) async -> Ciro_V1_ControlResponse? {
        var response = Ciro_V1_ControlResponse()
        switch request.request {
        case let .submitJob(submit):
            do {
                response.submitJob = try await self.submit(submit)
            } catch {
                response.error = "\(error)"
            }
        case let .job(query):
            let jobs = await engine.jobList()
            let matches: [JobView]
            if !query.jobID.isEmpty {
                matches = jobs.filter { $0.jobID == Array(query.jobID) }
            } else {
                let prefix = query.jobIDPrefix.lowercased()
                matches = prefix.isEmpty ? [] : jobs.filter { Hex.encode($0.jobID).hasPrefix(prefix) }
            }
            if matches.count == 1 {
                var answer = Ciro_V1_JobResponse()
                answer.job = await info(matches[0])
                response.job = answer
            } else {
                response.error = matches.isEmpty ? "no job with that id on this node" : "\(matches.count) jobs start with that prefix: give more digits"
            }
        case let .jobList(query):
            var answer = Ciro_V1_JobListResponse()
            var jobs = await engine.jobList()
            if query.limit > 0 { jobs = Array(jobs.prefix(Int(query.limit))) }
            for job in jobs { answer.jobs.append(await info(job)) }
            response.jobList = answer
        case .market:
            var answer = Ciro_V1_MarketResponse()
            answer.nodeID = Data(engine.nodeID)
            answer.ads = await engine.market()
            answer.balance = await engine.balance(engine.nodeID)
            response.market = answer
        default:
            return nil
        }
        return response
    }

    func submit(_ submit: Ciro_V1_SubmitJobRequest) async throws -> Ciro_V1_SubmitJobResponse {
        let model: MarketModel
        if !submit.onnx.isEmpty {
            model = try await backend.register(onnx: Array(submit.onnx), calibration: Array(submit.calibration))
        } else {
            guard submit.modelID.count == 32, let known = await backend.model(Array(submit.modelID)) else {
                throw MarketError.invalidMessage(kind: "job", reason: "model \(Hex.encode(Array(submit.modelID))) is not registered on this node (register it with `ciro model register`, or pass the ONNX file)")
            }
            model = known
        }
        // Refuse an input the model cannot take before anything is offered.
        try await backend.checkInput(modelID: model.id, input: Array(submit.input))
        let request = JobRequest(modelID: model.id, input: Array(submit.input),
                                 maxPrice: submit.maxPrice > 0 ? submit.maxPrice : defaultMaxPrice,
                                 attestations: submit.attestations,
                                 deadlineMs: submit.deadlineMs > 0 ? submit.deadlineMs : nil,
                                 privateInput: submit.privateInput)
        let id = try await engine.submit(request)
        var answer = Ciro_V1_SubmitJobResponse()
        answer.jobID = Data(id)
        answer.modelID = Data(model.id)
        answer.macs = model.macs
        return answer
    }

    func info(_ view: JobView) async -> Ciro_V1_JobInfo {
        var info = Ciro_V1_JobInfo()
        info.offer = view.offer
        info.phase = view.phase.name
        info.phaseDetail = view.phase.description
        info.round = view.phase.round
        info.bids = view.bids
        info.awards = view.awards
        if let result = view.result {
            info.result = result
            info.output = await backend.outputValues(modelID: Array(view.offer.modelID), output: result.output) ?? []
        }
        info.requesterVerified = view.proofVerifiedByRequester == true
        info.attestations = view.attestations
        if let settlement = view.settlement { info.settlement = settlement }
        info.faults = view.faults
        info.events = view.events.map { event in
            var e = Ciro_V1_JobEvent()
            e.timeMs = event.ms
            e.text = event.text
            return e
        }
        info.terminal = view.phase.isTerminal
        info.isRequester = Array(view.offer.requester) == engine.nodeID
        return info
    }
}
