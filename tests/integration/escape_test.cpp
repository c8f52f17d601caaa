// Escapes from a container (issue 9): a table of attempts, each run inside a running container through `vzctl
// exec`, none of which may succeed. An attempt is a shell command that prints "escaped" when it got through;
// most call tests/helpers/escape_probe (copied into the container as /bin/vzprobe), which stops short of changing
// the host when it succeeds. The same table runs for every kind of container in kKinds: the default (unprivileged,
// a user namespace at LOCAL_UID) and a privileged one (LOCAL_UID=0).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "../support/runtime_pty.hpp"
#include "live_ct_fixture.hpp"
#include "runtime/monitor_protocol.hpp"
#include "runtime/seccomp.hpp"

namespace vztest {
namespace {

constexpr unsigned kTarget = 9200;  // the container the attempts run in
constexpr unsigned kOther = 9201;   // another container, whose figures must stay out of reach

// A kind of container the table runs against: its sample config (and later, its create options).
struct CtKind {
    const char* name;
    const char* sample;
    const char* local_id;  // --local_uid and --local_gid; "" for the default
};
const CtKind kKinds[] = {{"unprivileged", "vswap-256m", ""}, {"privileged", "vswap-256m", "0"}};

// What the commands need from the host side.
struct Host {
    std::string handle_hex;  // name_to_handle_at of a host file outside the container (empty: the fs has none)
    int handle_type = 0;
    unsigned dev_major = 0, dev_minor = 0;  // the block device holding the container's private area
    std::string monitor_socket;             // the target's monitor, an abstract unix socket
    pid_t host_pid = 0;                     // a host process (this test)
};

struct Attempt {
    const char* name;
    std::string (*command)(const Host&);
};

// A host-global sysfs knob that every kernel has (opened for writing only, never written).
const std::string kSysKnob = "/sys/kernel/mm/transparent_hugepage/enabled";

// Runs `probe ARGS` in the container; it prints "escaped: ..." when it got through.
std::string probe(const std::string& args) { return "/bin/vzprobe " + args; }
// Mounts a fresh file system of `type` at /tmp/fresh and runs `then`; unmounts in any case.
std::string fresh(const std::string& type, const std::string& opts, const std::string& then) {
    return "mkdir -p /tmp/fresh && mount -t " + type + opts + " " + type + " /tmp/fresh && " + then +
           "; umount /tmp/fresh 2>/dev/null; true";
}

const Attempt kAttempts[] = {
    {"load a kernel module (init_module)", [](const Host&) { return probe("module"); }},
    {"kexec_load", [](const Host&) { return probe("kexec"); }},
    {"open_by_handle_at on a host file",
     [](const Host& h) { return probe("handle " + h.handle_hex + " " + std::to_string(h.handle_type)); }},
    {"mount the host's block device",
     [](const Host& h) {
         return "mknod /tmp/hostdev b " + std::to_string(h.dev_major) + " " + std::to_string(h.dev_minor) +
                " && mkdir -p /tmp/hostfs && mount /tmp/hostdev /tmp/hostfs && echo escaped; umount /tmp/hostfs "
                "2>/dev/null; rm -f /tmp/hostdev; true";
     }},
    {"create a block device node (loop0)",
     [](const Host&) { return std::string("mknod /tmp/blk b 7 0 && echo escaped; rm -f /tmp/blk; true"); }},
    {"raw /dev/mem", [](const Host&) {
         return std::string("mknod /tmp/mem c 1 1 && head -c 1 /tmp/mem >/dev/null && echo escaped; rm -f /tmp/mem; true");
     }},
    {"raw /dev/sda", [](const Host&) {
         return std::string("mknod /tmp/sda b 8 0 && head -c 1 /tmp/sda >/dev/null && echo escaped; rm -f /tmp/sda; true");
     }},
    {"write /proc/sysrq-trigger", [](const Host&) { return probe("openw /proc/sysrq-trigger"); }},
    {"write /proc/sys/kernel/core_pattern", [](const Host&) { return probe("openw /proc/sys/kernel/core_pattern"); }},
    {"write /proc/sys/vm/drop_caches", [](const Host&) { return probe("openw /proc/sys/vm/drop_caches"); }},
    {"core_pattern of a fresh procfs",
     [](const Host&) { return fresh("proc", "", probe("openw /tmp/fresh/sys/kernel/core_pattern")); }},
    {"sysrq-trigger of a fresh procfs",
     [](const Host&) { return fresh("proc", "", probe("openw /tmp/fresh/sysrq-trigger")); }},
    {"unmount the read-only /proc/sys",
     [](const Host&) {
         return "umount /proc/sys/net; umount /proc/sys && " + probe("openw /proc/sys/kernel/core_pattern");
     }},
    {"remount /proc/sys read-write",
     [](const Host&) {
         return "mount -o remount,rw,bind /proc/sys && " + probe("openw /proc/sys/kernel/core_pattern");
     }},
    {"move the read-only /proc/sys away",
     [](const Host&) {
         return "mkdir -p /tmp/m && mount --move /proc/sys /tmp/m && " + probe("openw /proc/sys/kernel/core_pattern");
     }},
    {"bind /proc without its read-only submounts",
     [](const Host&) {
         return "mkdir -p /tmp/b && cd / && mount --bind proc /tmp/b && " +
                probe("openw /tmp/b/sys/kernel/core_pattern") + "; umount /tmp/b 2>/dev/null; true";
     }},
    {"remount /sys read-write", [](const Host&) { return "mount -o remount,rw /sys && " + probe("openw " + kSysKnob); }},
    {"write /sys", [](const Host&) { return probe("openw " + kSysKnob); }},
    {"write a fresh sysfs",
     [](const Host&) { return fresh("sysfs", "", probe("openw /tmp/fresh" + kSysKnob.substr(4))); }},
    {"a fresh debugfs", [](const Host&) { return fresh("debugfs", "", "echo escaped"); }},
    {"the host's cgroup tree (fresh cgroup mount)",
     [](const Host&) {
         // The cgroup namespace roots the mount at the container's own cgroup: the host's tree is out of sight.
         return fresh("cgroup", " -o memory", "test -e /tmp/fresh/../../memory.limit_in_bytes -o "
                                              "-e /tmp/fresh/system.slice && echo escaped");
     }},
    {"ptrace a host process (not in the pid namespace)",
     [](const Host& h) { return probe("ptrace " + std::to_string(h.host_pid)); }},
    {"perf_event_open", [](const Host&) { return probe("perf"); }},
    {"bpf", [](const Host&) { return probe("bpf"); }},
    {"kernel keyring (add_key)", [](const Host&) { return probe("keyctl"); }},
    {"read the host's kernel log (syslog)", [](const Host&) { return probe("syslog"); }},
    {"another container's beancounters",
     [](const Host&) {
         return "grep -q '^ *" + std::to_string(kOther) + ":' /run/vz/user_beancounters && echo escaped; true";
     }},
    {"another container's processes",
     [](const Host&) { return std::string("ps | grep -q '[s]leep 31337' && echo escaped; true"); }},
    {"the monitor's abstract socket (host network namespace)",
     [](const Host& h) { return probe("connect " + h.monitor_socket); }},
};

class Escape : public LiveCtTest, public ::testing::WithParamInterface<CtKind> {
protected:
    std::string root_of(unsigned id) { return tmp_ / ("private/" + std::to_string(id)); }

    Host host() {
        Host h;
        h.host_pid = ::getpid();
        h.monitor_socket = std::string(vz::monitor::kSocketPrefix) + base_ + "/" + std::to_string(kTarget);
        // A host file beside the private areas, on their file system but outside every container.
        auto secret = tmp_ / "host-secret";
        write_text(secret, "host only\n");
        alignas(file_handle) unsigned char buf[sizeof(file_handle) + MAX_HANDLE_SZ] = {};
        auto* fh = reinterpret_cast<file_handle*>(buf);
        fh->handle_bytes = MAX_HANDLE_SZ;
        int mnt;
        if (::name_to_handle_at(AT_FDCWD, secret.c_str(), fh, &mnt, 0) == 0) {
            char hex[3];
            for (unsigned i = 0; i < fh->handle_bytes; ++i) {
                std::snprintf(hex, sizeof hex, "%02x", buf[sizeof(file_handle) + i]);
                h.handle_hex += hex;
            }
            h.handle_type = fh->handle_type;
        }
        struct stat st{};
        ::stat(root_of(kTarget).c_str(), &st);
        h.dev_major = ::major(st.st_dev);
        h.dev_minor = ::minor(st.st_dev);
        return h;
    }
};

TEST_P(Escape, EveryAttemptFails) {
    std::vector<std::string> ids;
    if (*GetParam().local_id) ids = {"--local_uid", GetParam().local_id, "--local_gid", GetParam().local_id};
    ASSERT_TRUE(create_ct(kTarget, GetParam().sample, ids));
    ASSERT_TRUE(create_ct(kOther, GetParam().sample, ids));
    std::filesystem::copy_file(ESCAPE_PROBE, root_of(kTarget) + "/bin/vzprobe");
    ASSERT_TRUE(start_id(kTarget));
    ASSERT_TRUE(start_id(kOther));
    ASSERT_EQ(run({"exec", std::to_string(kOther), "sleep 31337 >/dev/null 2>&1 &"}).status, 0);
    auto h = host();

    unsigned attempts = 0, escaped = 0;
    for (auto& a : kAttempts) {
        SCOPED_TRACE(a.name);
        if (std::string(a.name).find("open_by_handle_at") != std::string::npos && h.handle_hex.empty()) {
            std::printf("[ skipped  ] %s: the test's file system has no file handles\n", a.name);
            continue;
        }
        auto r = run({"exec", std::to_string(kTarget), a.command(h)});
        ++attempts;
        bool got_through = r.out.find("escaped") != std::string::npos;
        escaped += got_through;
        EXPECT_FALSE(got_through) << a.name << ": " << r.out << r.err;
        auto said = r.out + r.err;
        std::printf("[ %s ] %s: %s\n", got_through ? "ESCAPED " : "refused ", a.name,
                    said.substr(0, said.find('\n')).c_str());
    }

    // TIOCSTI on the terminal `vzctl exec` was started from: keystrokes typed into the host's shell.
    {
        SCOPED_TRACE("TIOCSTI on vzctl exec's terminal");
        PtySession s({VZCTL_BIN, "exec", std::to_string(kTarget), probe("tiocsti")},
                     {"VZ_CONFDIR=" + confdir_, "TERM=vt100"}, 24, 80);
        auto status = s.wait(60s);
        ++attempts;
        bool got_through = s.screen().find("escaped") != std::string::npos;
        escaped += got_through;
        EXPECT_TRUE(status.has_value());
        EXPECT_FALSE(got_through) << s.screen();
        std::printf("[ %s ] TIOCSTI: %s\n", got_through ? "ESCAPED " : "refused ", s.screen().c_str());
    }
    std::printf("escape attempts (%s CT): %u, succeeded: %u\n", GetParam().name, attempts, escaped);
    EXPECT_EQ(escaped, 0u);
}

// vzctl(8) SECURITY names every denied system call and every refused file system type of the tables.
TEST(EscapeDocs, SecuritySectionNamesTheTables) {
    auto page = read_text(SOURCE_DIR "/man/vzctl.8");
    auto at = page.find(".SH SECURITY");
    ASSERT_NE(at, std::string::npos);
    auto section = page.substr(at, page.find(".SH ", at + 1) - at);
    for (const char* name : vz::denied_syscalls()) EXPECT_NE(section.find(name), std::string::npos) << name;
    for (const char* type : vz::monitor::kRefusedFsTypes) EXPECT_NE(section.find(type), std::string::npos) << type;
}

INSTANTIATE_TEST_SUITE_P(Kinds, Escape, ::testing::ValuesIn(kKinds),
                         [](const ::testing::TestParamInfo<CtKind>& i) { return std::string(i.param.name); });

}  // namespace
}  // namespace vztest
