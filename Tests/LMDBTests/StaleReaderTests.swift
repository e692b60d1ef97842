import CLMDB
import Foundation
import Testing
import LMDB
import TestSupport
extension LMDBTestSuite {
    @Suite("LMDB stale readers")
    struct StaleReaderTests {
        /// Forks a child that opens the environment at `path` (and begins a read transaction when
        /// `holdReader`), reports it is ready, then sleeps until killed. Returns its pid, or nil if
        /// it never reported ready.
        ///
        /// Everything the child needs is prepared before fork: after it, the child only makes C calls
        /// (the Swift runtime's locks may be held by other test threads at the moment of fork).
        func forkChild(path: UnsafeMutablePointer<CChar>, holdReader: Bool) -> pid_t? {
            var fds: [Int32] = [0, 0]
            guard pipe(&fds) == 0 else { return nil }
            let pid = fork()
            if pid == 0 {
                var env: OpaquePointer?
                var txn: OpaquePointer?
                if mdb_env_create(&env) != 0 { _exit(2) }
                if mdb_env_open(env, path, UInt32(MDB_NOTLS), 0o600) != 0 { _exit(3) }
                if holdReader, mdb_txn_begin(env, nil, UInt32(MDB_RDONLY), &txn) != 0 { _exit(4) }
                var ready: UInt8 = 1
                _ = write(fds[1], &ready, 1)
                while true { pause() }
            }
            close(fds[1])
            defer { close(fds[0]) }
            guard pid > 0 else { return nil }
            var pfd = pollfd(fd: fds[0], events: Int16(POLLIN), revents: 0)
            var byte: UInt8 = 0
            if poll(&pfd, 1, 10_000) == 1, read(fds[0], &byte, 1) == 1 { return pid }
            killAndReap(pid)
            return nil
        }

        func killAndReap(_ pid: pid_t) {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
        }

        /// One child keeps the environment open (so the lock file is not reset on the next open),
        /// a second child begins a read transaction and is killed with SIGKILL while holding it.
        /// Its reader slot stays taken until the next open clears it.
        @Test("reader slots of a killed process are cleared when the environment opens")
        func staleReadersClearedAtOpen() throws {
            let dir = TemporaryDirectory()
            do {
                let env = try LMDBEnvironment(path: dir.path)
                _ = try env.openDatabase(named: "d")
            }
            let path = strdup(dir.path)!
            defer { free(path) }

            let keeper = try #require(forkChild(path: path, holdReader: false), "keeper child did not start")
            defer { killAndReap(keeper) }
            let reader = try #require(forkChild(path: path, holdReader: true), "reader child did not start")
            killAndReap(reader)

            let env = try LMDBEnvironment(path: dir.path)
            #expect(env.staleReadersClearedAtOpen == 1)
            #expect(try env.clearStaleReaders() == 0)
            _ = try env.read { $0.id }
        }
    }
}
