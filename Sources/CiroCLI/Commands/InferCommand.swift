import ArgumentParser
import Models

struct InferCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "infer",
        abstract: "Run a model on an input with the quantized integer engine.",
        discussion: """
        Reads the input in EZKL's format ({"input_data": [[...]]}, one array per model input),
        quantizes the model (scales
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

    @Option(help: "Calibration samples in EZKL format (several samples back to back; one array per model input).")
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
            guard graph.inputs.count == inputs.count else {
                throw ModelError.badInput("the model has \(graph.inputs.count) inputs and the file \(inputs.count) (one array per model input)")
            }
            let sizes = graph.inputs.map { elementCountOf($0.shape) }
            for (k, size) in sizes.enumerated() where inputs[k].count != size {
                throw ModelError.badInput("input '\(graph.inputs[k].name)' needs \(size) values \(graph.inputs[k].shape), the file has \(inputs[k].count)")
            }
            if let calibration {
                samples = try CalibrationRanges.samples(fromArrays: try EZKLData.inputs(path: calibration), inputSizes: sizes)
            } else {
                samples = [inputs.flatMap { $0 }]
            }
        } catch {
            printError("ciro infer: \(error)")
            throw CiroExit.badInput
        }
        let config = QuantizationConfig(weightBits: weightBits, activationBits: activationBits)
        let quantized: QuantizedModel
        var outputs: [[Float]]
        var reference: [[Float]]? = nil
        do {
            quantized = try Quantizer.quantize(graph, samples: samples, config: config)
            let integer = try IntegerEngine(model: quantized).run(inputs: inputs.enumerated().map { quantized.quantizeInput($0.element, index: $0.offset) })
            outputs = zip(integer, quantized.outputs).map { quantized.dequantize($0, tensor: $1) }
            // Post-processing (Softmax / ArgMax) applies to the first output.
            outputs[0] = quantized.postProcess(outputs[0])
            if float {
                let feeds = Dictionary(uniqueKeysWithValues: zip(graph.inputs, inputs).map { ($0.name, FloatTensor(shape: $0.shape, data: $1)) })
                reference = try FloatEngine(graph: graph).run(feeds).map(\.data)
            }
        } catch {
            printError("ciro infer: \(error)")
            throw CiroExit.badInput
        }
        if json {
            var text = EZKLData.outputJSON(outputs)
            if let reference {
                text.removeLast()
                text += ", \"float_output_data\": " + EZKLData.outputJSON(reference).dropFirst("{\"output_data\": ".count)
            }
            print(text)
            return
        }
        let layers = quantized.layers.count
        print("integer engine (weights \(config.weightBits)-bit, activations \(config.activationBits)-bit, \(layers) integer layers):")
        for line in OutputLines.lines(outputs, argmax: true) { print(line) }
        if let reference {
            print("float reference:")
            for line in OutputLines.lines(reference, argmax: true) { print(line) }
            let diff = zip(outputs.flatMap { $0 }, reference.flatMap { $0 }).map { abs($0 - $1) }.max() ?? 0
            print("max |integer - float|: \(diff)")
        }
    }
}

func elementCountOf(_ shape: [Int]) -> Int { shape.reduce(1, *) }
