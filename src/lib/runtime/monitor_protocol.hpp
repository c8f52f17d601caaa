// What vzctl and the per-container monitor (src/monitor/vzmonitor.cpp) agree on, in one place: the monitor's
// arguments, its socket's address, the requests it answers and the hand-over back to vzctl when init ends.
// Header-only and allocation-free: the static monitor includes it.
#pragma once

#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

namespace vz::monitor {

// argv of the monitor: "vzmonitor <init pid> <vzctl> <ctid>", and with the sysinfo service
// "... <channel fd> <socket name> v1|v2 <memory cgroup> <pids cgroup> <cpu cgroup> <terminal fds>". init's filter
// listener arrives on the channel, as a joining process's does on a connection to the socket. The terminal fds are
// the masters of the container's terminals (runtime/pty.hpp ConsolePty), tty 1 (the console) first, joined by
// commas; -1 for none. After a restore (vzctl resume) one
// more: "<helper pid>", a child of the monitor's process other than init (the `criu restore` that is finishing),
// which the monitor reaps when it ends.
enum Arg : int {
    kInit = 1,
    kVzctl,
    kCtid,
    kChannel,
    kSocket,
    kMode,
    kMemoryCgroup,
    kPidsCgroup,
    kCpuCgroup,
    kConsole,
    kHelper
};
inline constexpr int kArgcPlain = kChannel;
inline constexpr int kArgcSysinfo = kConsole + 1;
inline constexpr int kArgcRestored = kHelper + 1;
inline constexpr const char* kModeV2 = "v2";
inline constexpr const char* kModeV1 = "v1";

// The socket's name is "vzctl/<CGROUP_BASE>/<CTID>" (no leading NUL here).
inline constexpr const char* kSocketPrefix = "vzctl/";

// The socket's address: abstract (no file to clean up, gone with the monitor), in the host's network namespace
// (processes of the container, in their own, can not reach it). False when the name does not fit.
inline bool socket_address(const char* name, size_t name_len, sockaddr_un& addr, socklen_t& len) {
    addr = sockaddr_un{};
    addr.sun_family = AF_UNIX;
    if (name_len == 0 || name_len + 1 > sizeof addr.sun_path) return false;
    memcpy(addr.sun_path + 1, name, name_len);
    len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name_len);
    return true;
}

// File system types whose fresh mount(2) in a container the monitor refuses with EPERM: each shows host-global
// state writable (procfs's /proc/sys and sysrq-trigger, sysfs, the kernel's debug, tracing, security, EFI and
// pstore file systems, bpffs). vzctl mounts the container's /proc and /sys itself, with /proc/sys read-only.
inline constexpr const char* kRefusedFsTypes[] = {"proc",   "sysfs",     "debugfs", "tracefs", "securityfs",
                                                  "efivarfs", "pstore", "bpf",     "configfs"};
inline bool refused_fstype(const char* type) {
    for (const char* t : kRefusedFsTypes)
        if (strcmp(t, type) == 0) return true;
    return false;
}

// Requests on a connection (one SOCK_SEQPACKET message each): a seccomp listener passed as SCM_RIGHTS, or this
// byte, answered with the load averages as kLoadFormat.
inline constexpr char kLoadRequest = 'L';
inline constexpr const char* kLoadFormat = "%.2f %.2f %.2f\n";
// A container's terminals, at most as many as the original's kernel kept (vz.conf's TTYS says how many): tty 1 is
// its console (/dev/console, bound on /dev/tty1 too, as the original's tty1 was the console), ttys 2 and up its
// /dev/tty2 .. /dev/tty12.
inline constexpr int kTerminals = 12;

// Or this byte (vzctl console): answered with the console's master as SCM_RIGHTS, the monitor no longer draining it
// until the connection closes; or without a descriptor, with kConsoleBusy (another connection has it) or
// kConsoleNone (this container has no console). tty N >= 2 is asked for by the byte kTtyRequest + N - 2, and
// answered alike.
inline constexpr char kConsoleRequest = 'C';
inline constexpr char kTtyRequest = 'a';
inline constexpr char kConsoleBusy = 'B';
inline constexpr char kConsoleNone = 'N';
inline constexpr char tty_request(int tty) {
    return tty == 1 ? kConsoleRequest : static_cast<char>(kTtyRequest + tty - 2);
}
// The tty (1 .. kTerminals) a request byte asks for; 0: not a terminal request.
inline constexpr int requested_tty(char request) {
    if (request == kConsoleRequest) return 1;
    return request >= kTtyRequest && request < kTtyRequest + kTerminals - 1 ? request - kTtyRequest + 2 : 0;
}

// Or this byte (vzctl stop, before it ends the container): "I clean up after init", answered with the same byte.
// The monitor keeps the connection. When init ends while it is open, the monitor waits for kStopDone on it (sent
// once the stop has cleaned up) and then exits without a hand-over, so the stop does not wait for a second vzctl
// process that would find nothing to do. The connection closing without kStopDone (the stop failed or was killed),
// before or after init's end, voids the claim: the hand-over runs as usual.
inline constexpr char kStopRequest = 'S';
inline constexpr char kStopDone = 'D';

// When init ends the monitor execs "<vzctl> --quiet __monitor restart|cleanup <ctid>" in the same process: restart
// after a reboot inside (init killed by SIGHUP), cleanup otherwise.
inline constexpr const char* kHandOver = "__monitor";
inline constexpr const char* kRestart = "restart";
inline constexpr const char* kCleanup = "cleanup";

}  // namespace vz::monitor
