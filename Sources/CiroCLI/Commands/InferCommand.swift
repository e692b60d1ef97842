import ArgumentParser
import Models

struct InferCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "infer",
        abstract: "Run a model on an input with the quantized integer engine.",
        discussion: """
        Reads the input in EZKL's format ({"input_data": [[...]]}), quantizes the model (scales
        calibrated on --calibration samples, or on the input itself), runs the exact integer
        engine and prints the dequantized output. --float adds the float32 reference output.
        With --json, prints {"output_data": [[...]]} (plus "float_output_data" with --float).
        Exits 2 when a file cannot be read or the model is not supported.
        """
    )

    @Option(help: "The ONNX model file.")
    var model: String

    @Option(help: "Input JSON in EZKL format.")
    var input: String

    @Option(help: "Calibration samples in EZKL format (several inputs back to back).")
    var calibration: String?

    @Flag(help: "Also run the float32 reference path.")
    var float = false

    @Flag(help: "Print EZKL-format JSON on standard output.")
    var json = false

    @Option(help: "Signed bit width of weights.")
    var weightBits = QuantizationConfig().weightBits

    @Option(help: "Signed bit width of activations.")
    var activationBits = QuantizationConfig().activationBits

    func run() async throws {
        let graph: ModelGraph
        let inputs: [[Float]]
        let samples: [[Float]]
        do {
            graph = try ONNXImporter.load(path: model)
            inputs = try EZKLData.inputs(path: input)
            guard graph.inputs.count == 1, inputs.count == 1 else {
                throw ModelError.badInput("the model has \(graph.inputs.count) inputs and the file \(inputs.count); one each is supported")
            }
            let size = elementCountOf(graph.inputs[0].shape)
            guard inputs[0].count == size else {
                throw ModelError.badInput("input '\(graph.inputs[0].name)' needs \(size) values \(graph.inputs[0].shape), the file has \(inputs[0].count)")
            }
            if let calibration {
                let flat = try EZKLData.inputs(path: calibration).flatMap { $0 }
                samples = try CalibrationRanges.splitSamples(flat, sampleSize: size)
            } else {
                samples = inputs
            }
        } catch {
            printError("ciro infer: \(error)")
            throw CiroExit.badInput
        }
        let config = QuantizationConfig(weightBits: weightBits, activationBits: activationBits)
        let quantized: QuantizedModel
        let output: [Float]
        var reference: [Float]? = nil
        do {
            quantized = try Quantizer.quantize(graph, samples: samples, config: config)
            output = quantized.postProcess(try IntegerEngine(model: quantized).run(flatInput: inputs[0]))
            if float { reference = try FloatEngine(graph: graph).run(flatInput: inputs[0]).data }
        } catch {
            printError("ciro infer: \(error)")
            throw CiroExit.badInput
        }
        if json {
            var text = EZKLData.outputJSON([output])
            if let reference {
                text.removeLast()
                text += ", \"float_output_data\": [[" + reference.map(EZKLData.formatNumber).joined(separator: ", ") + "]]}"
            }
            print(text)
            return
        }
        let layers = quantized.layers.count
        print("integer engine (weights \(config.weightBits)-bit, activations \(config.activationBits)-bit, \(layers) integer layers):")
        print("output: [" + output.map(EZKLData.formatNumber).joined(separator: ", ") + "]")
        print("argmax: \(argmaxIndex(output))")
        if let reference {
            print("float reference:")
            print("output: [" + reference.map(EZKLData.formatNumber).joined(separator: ", ") + "]")
            print("argmax: \(argmaxIndex(reference))")
            let diff = zip(output, reference).map { abs($0 - $1) }.max() ?? 0
            print("max |integer - float|: \(diff)")
        }
    }
}

func argmaxIndex(_ values: [Float]) -> Int {
    var best = 0
    for i in values.indices where values[i] > values[best] { best = i }
    return best
}

func elementCountOf(_ shape: [Int]) -> Int { shape.reduce(1, *) }
