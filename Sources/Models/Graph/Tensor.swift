/// A dense float tensor: a static shape and its elements in row-major (C) order.
public struct FloatTensor: Sendable, Equatable {
    /// Dimensions, outermost first. A scalar has shape `[]` and one element.
    public var shape: [Int]
    /// Elements in row-major order; `data.count == shape.product`.
    public var data: [Float]

    /// Creates a tensor; the element count must match the shape.
    public init(shape: [Int], data: [Float]) {
        precondition(shape.reduce(1, *) == data.count, "tensor data count does not match shape")
        self.shape = shape
        self.data = data
    }

    /// A tensor of zeros.
    public init(zeros shape: [Int]) {
        self.shape = shape
        self.data = [Float](repeating: 0, count: shape.reduce(1, *))
    }

    /// Number of elements.
    public var count: Int { data.count }
}

/// Row-major strides of a shape.
@inlinable
package func rowMajorStrides(_ shape: [Int]) -> [Int] {
    var strides = [Int](repeating: 1, count: shape.count)
    var running = 1
    for axis in stride(from: shape.count - 1, through: 0, by: -1) {
        strides[axis] = running
        running *= shape[axis]
    }
    return strides
}

/// The number of elements of a shape.
@inlinable
package func elementCount(_ shape: [Int]) -> Int { shape.reduce(1, *) }
