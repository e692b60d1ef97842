import ArgumentParser
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Small helpers for terminal output that do not depend on Foundation's buffering.
enum FileHandleWriter {
    static func writeStderr(_ string: String) {
        var s = string
        s.withUTF8 { buf in _ = write(2, buf.baseAddress, buf.count) }
    }
}

/// Reports a command that a later part of the project will provide, and the exit code to end with.
func notYetAvailable(_ command: String) -> ExitCode {
    printError("ciro \(command): not yet available in this build")
    return CiroExit.notAvailable
}
