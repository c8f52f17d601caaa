// One escape attempt from inside a container, for tests/integration/escape_test.cpp: `escape_probe WHAT [ARG]`
// makes the system call(s) of attempt WHAT and exits 0 when the attempt got past the kernel's permission checks (an
// escape), 1 when it was refused, 2 on bad usage. It prints one line saying which, with the error. Attempts that
// would change the host when they succeed stop short of it: an invalid module image, kexec flags the kernel refuses
// after its permission check, an open for writing with nothing written.
// Static, so that it runs in any container root.
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/perf_event.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

namespace {

int verdict(bool escaped, const char* what) {
    if (escaped) printf("escaped: %s\n", what);
    else printf("blocked: %s: %s\n", what, strerror(errno));
    return escaped ? 0 : 1;
}

// The kernel got past its permission check when it fails with anything but these.
bool past_permission(long r) { return r == 0 || (errno != EPERM && errno != EACCES && errno != ENOSYS); }

int open_by_handle(const char* hex, const char* type) {
    alignas(file_handle) unsigned char buf[sizeof(file_handle) + MAX_HANDLE_SZ] = {};
    auto* h = reinterpret_cast<file_handle*>(buf);
    size_t n = strlen(hex) / 2;
    if (n > MAX_HANDLE_SZ) return 2;
    for (size_t i = 0; i < n; ++i) sscanf(hex + 2 * i, "%2hhx", buf + sizeof(file_handle) + i);
    h->handle_bytes = static_cast<unsigned>(n);
    h->handle_type = atoi(type);
    int mount_fd = open("/", O_RDONLY | O_DIRECTORY);
    int fd = open_by_handle_at(mount_fd, h, O_RDONLY);
    char c;
    return verdict(fd >= 0 && read(fd, &c, 1) == 1, "open_by_handle_at of a host file");
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) return 2;
    const char* what = argv[1];
    const char* arg = argc > 2 ? argv[2] : "";
    if (!strcmp(what, "openw")) return verdict(open(arg, O_WRONLY) >= 0, arg);
    if (!strcmp(what, "handle") && argc > 3) return open_by_handle(arg, argv[3]);
    if (!strcmp(what, "module")) {
        static const char image[] = "not an ELF module";
        return verdict(past_permission(syscall(SYS_init_module, image, sizeof image, "")), "init_module");
    }
    if (!strcmp(what, "kexec"))
        return verdict(past_permission(syscall(SYS_kexec_load, 0UL, 0UL, nullptr, 0xdead0000UL)), "kexec_load");
    if (!strcmp(what, "perf")) {
        perf_event_attr a{};
        a.size = sizeof a;
        a.type = PERF_TYPE_SOFTWARE;
        a.config = PERF_COUNT_SW_CPU_CLOCK;
        return verdict(syscall(SYS_perf_event_open, &a, 0, -1, -1, 0) >= 0, "perf_event_open");
    }
    if (!strcmp(what, "bpf")) {
        bpf_attr a{};
        a.map_type = BPF_MAP_TYPE_ARRAY;
        a.key_size = 4;
        a.value_size = 4;
        a.max_entries = 1;
        return verdict(syscall(SYS_bpf, BPF_MAP_CREATE, &a, sizeof a) >= 0, "bpf map");
    }
    if (!strcmp(what, "keyctl"))
        return verdict(syscall(SYS_add_key, "user", "vztest", "x", 1, -2 /* KEY_SPEC_PROCESS_KEYRING */) >= 0,
                       "add_key");
    if (!strcmp(what, "syslog")) {
        char buf[64];
        return verdict(syscall(SYS_syslog, 3 /* READ_ALL */, buf, sizeof buf) >= 0, "syslog");
    }
    if (!strcmp(what, "tiocsti")) {
        char c = '#';
        return verdict(ioctl(0, TIOCSTI, &c) == 0, "TIOCSTI on stdin");
    }
    if (!strcmp(what, "connect")) {
        sockaddr_un a{};
        a.sun_family = AF_UNIX;
        size_t n = strlen(arg);
        if (n + 1 > sizeof a.sun_path) return 2;
        memcpy(a.sun_path + 1, arg, n);
        int s = socket(AF_UNIX, SOCK_SEQPACKET, 0);
        auto len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + n);
        return verdict(connect(s, reinterpret_cast<sockaddr*>(&a), len) == 0, "connect to the abstract socket");
    }
    if (!strcmp(what, "ptrace")) {
        pid_t pid = atoi(arg);
        // SEIZE does not stop the tracee; it is let go when the probe ends.
        bool ok = ptrace(PTRACE_SEIZE, pid, nullptr, nullptr) == 0;
        return verdict(ok, "ptrace attach");
    }
    return 2;
}
