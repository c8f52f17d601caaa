#include "ct/host.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/mount.h>
#include <unistd.h>

#include <algorithm>
#include <thread>

#include "config/capabilities.hpp"
#include "config/edit.hpp"
#include "ct/disk.hpp"
#include "ct/probe.hpp"
#include "ct/scripts.hpp"
#include "ct/state.hpp"
#include "fs/ct_files.hpp"
#include "net/netdev.hpp"
#include "net/venet.hpp"
#include "net/veth.hpp"
#include "runtime/sysinfo.hpp"
#include "util/error.hpp"
#include "util/file.hpp"
#include "util/log.hpp"
#include "util/process.hpp"
#include "util/strings.hpp"

namespace vz {
namespace {

// LXCFS="auto" (default) uses LXCFS when it is mounted at LXCFS_DIR; "yes" requires it; "no" never uses it.
std::string lxcfs_dir(const CtConfig& cfg) {
    auto mode = cfg.get_or("LXCFS", "auto");
    auto dir = cfg.get_or("LXCFS_DIR", "/var/lib/lxcfs");
    if (mode == "no") return {};
    if (is_fuse_mount(dir)) return dir;
    if (mode == "yes") fail(Exit::BadKernel, "LXCFS=yes but LXCFS is not mounted at {} (start lxcfs {})", dir, dir);
    return {};
}

// The path walks of the LXCFS files init binds, made beforehand by a thread of their own while the host is set up
// (mount, cgroups): each is a FUSE round trip to lxcfs per path component, 1-7 ms for all of them here once the
// kernel's entries have expired (lxcfs's entry timeout is a second), and the entries they leave are still valid
// when init binds the files a few ms later. Best effort; joined before the start forks anything of its own.
class LxcfsWarmup {
public:
    explicit LxcfsWarmup(const std::string& dir) {
        if (dir.empty()) return;
        try {
            thread_ = std::thread([dir] {
                auto walk = [&dir](std::string_view file) {
                    int fd = ::open((dir + std::string(file)).c_str(), O_PATH | O_CLOEXEC);
                    if (fd >= 0) ::close(fd);
                };
                for (auto file : kLxcfsProcFiles) walk(file);
                walk(kLxcfsCpuOnline);
            });
        } catch (const std::system_error&) {
            // No thread: init's binds make the walks themselves.
        }
    }
    ~LxcfsWarmup() { join(); }
    LxcfsWarmup(const LxcfsWarmup&) = delete;
    LxcfsWarmup& operator=(const LxcfsWarmup&) = delete;
    void join() {
        if (thread_.joinable()) thread_.join();
    }

private:
    std::thread thread_;
};

void report_resources(const CtConfig& cfg) {
    if (auto venet = net::venet_config(cfg); !venet.addrs.empty())
        log::info("Adding IP address(es): {}", net::joined(venet.addrs));
    if (auto* v = cfg.get("CPULIMIT"); v && *v != "0") log::info("Setting CPU limit: {}", *v);
    log::info("Setting CPU units: {}", cfg.get_or("CPUUNITS", "1000"));
    if (auto* v = cfg.get("CPUS"); v && *v != "0") log::info("Setting CPUs: {}", *v);
}

// NETFILTER other than disabled (default stateless). The container's own file only: in vz.conf it is ignored, as
// OpenVZ's vzctl ignores it there.
bool netfilter_allowed(const CtConfig& cfg) {
    auto* ct = cfg.ct_file_ptr();
    auto* v = ct ? ct->get("NETFILTER") : nullptr;
    return !v || *v != "disabled";
}

CtConfig load_checked(const Paths& p, std::shared_ptr<const ConfFile> global, unsigned ctid, BadValues bad) {
    auto cfg = load_ct(p, std::move(global), ctid, true, bad == BadValues::Refuse);
    if (bad == BadValues::Warn && cfg.ct_file_ptr()) {
        for (auto& w : cfg.ct_file_ptr()->warnings()) log::warn("{}", w);
        auto wrong = bad_values(*cfg.ct_file_ptr());
        // The areas' paths are used by every command: a bad one is refused whatever the command.
        for (auto& b : wrong)
            if (b.param->kind == Kind::Path) throw Error(Exit::InvalidValue, b.message);
        for (auto& b : wrong) log::warn("{} (ignored)", b.message);
    }
    return cfg;
}

}  // namespace

Locked lock_and_load(const Paths& p, unsigned ctid, const std::string& command, BadValues bad) {
    auto global = std::make_shared<const ConfFile>(load_global(p));
    CtLock lock(lock_dir(*global), ctid, command);
    remove_stale_temporaries(p.ct_conf(ctid));  // left by a command killed while saving
    auto cfg = load_checked(p, global, ctid, bad);
    return Locked{std::move(lock), std::move(cfg)};
}

CtConfig load_ct_warning(const Paths& p, unsigned ctid) {
    return load_checked(p, std::make_shared<const ConfFile>(load_global(p)), ctid, BadValues::Warn);
}

std::unique_ptr<CgroupDriver> driver_of(const CtConfig& cfg) { return CgroupDriver::make(ct_cgroup_layout(cfg)); }

std::optional<IdMap> ct_idmap(const CtConfig& cfg) {
    auto id = [&](const char* key) {
        auto v = parse_uint(cfg.get_or(key, std::to_string(kDefaultLocalId)), 0, UINT32_MAX - IdMap::kCount);
        if (!v) fail(Exit::InvalidValue, "{} must be a host id below {}", key, UINT32_MAX - IdMap::kCount);
        return static_cast<uint32_t>(*v);
    };
    IdMap map{id("LOCAL_UID"), id("LOCAL_GID")};
    if (map.uid == 0) return std::nullopt;
    if (map.gid == 0) fail(Exit::InvalidValue, "LOCAL_GID=0 with LOCAL_UID={}: set both or neither to 0", map.uid);
    return map;
}

InitSpec HostSetup::init_spec(const CtConfig& cfg) const {
    InitSpec s;
    s.ctid = cfg.ctid();
    s.root = cfg.ve_root();
    s.hostname = cfg.get_or("HOSTNAME", "");
    s.numpty = res_.numpty;
    s.ram = res_.ram_bytes;
    s.devnodes = res_.devnodes;
    s.root_device = ugid_quota(cfg);
    s.caps = capability_mask(cfg.get_or("CAPABILITY", ""));
    s.userns = ct_idmap(cfg);
    auto features = cfg.get_or("FEATURES", "");
    s.sysfs = features.find("sysfs:off") == std::string::npos;
    s.lxcfs = lxcfs_;
    s.ubc = daemon_.ct_dir(cfg.ctid());
    s.netfilter = netfilter_allowed(cfg);
    return s;
}

// vzubcfs starts while this sets the container up (it holds the daemon lock until finished; our cgroup exists by
// then). Undone last, on failure: after the cgroup is gone, a daemon this start spawned ends unless another
// container needs it.
HostSetup::HostSetup(const CtConfig& cfg, CgroupDriver& cg, const std::string& ubcfs, bool report, bool fsck,
                     const Paths* scripts)
    : daemon_(ubcfs.empty() ? UbcfsStart() : ubcfs_begin(cfg, ubcfs)) {
    auto ctid = cfg.ctid();
    if (!ubcfs.empty()) {
        undaemon_ = ScopeGuard([this, &cfg] {
            daemon_.finish();
            if (daemon_.spawned()) ubcfs_stop_idle(cfg.global());
        });
    }
    lxcfs_ = lxcfs_dir(cfg);  // LXCFS=yes without LXCFS fails here, before anything is mounted
    LxcfsWarmup warmup(lxcfs_);
    if (scripts ? mount_root(*scripts, cfg, fsck, report) : mount_private(cfg, fsck, report)) {
        unmount_ = ScopeGuard([&cfg, scripts] {
            if (scripts) umount_root(*scripts, cfg);
            else umount_private(cfg);
        });
        if (report) log::info("Container is mounted");
    }
    try {  // what the distribution reads at boot; a container that can't take it still starts (vzctl(8))
        write_ct_files(cfg, ct_tree(cfg), kResDns | kResHostname);
        if (!write_network_files(cfg) && !net::venet_config(cfg).addrs.empty())
            log::info("The distribution's network files were not written (not a Debian-family tree with "
                      "/etc/network): venet0 is configured for this run only");
    } catch (const Error& e) {
        log::warn("{}", e.what());
    }
    res_ = resources_from_config(cfg);
    // A fresh cgroup: after a reboot inside, the old init's systemd left cgroups of its own below the container's
    // (v1 refuses devices.deny "a" on a cgroup with children, and the new init must not inherit them).
    cg.remove(ctid);
    auto veth = net::veth_config(cfg);
    auto venet = net::venet_config(cfg);
    net::venet_cleanup(venet);  // what a killed monitor left of an earlier run
    net::veth_cleanup(veth);
    unnet_ = ScopeGuard([venet, veth] {
        net::veth_cleanup(veth);
        net::venet_cleanup(venet);
    });
    cg.create(ctid);
    uncgroup_ = ScopeGuard([&cg, ctid] {
        cg.kill_all(ctid);
        cg.remove(ctid);
    });
    if (report) report_resources(cfg);
    for (auto& w : cg.apply(ctid, res_, kResAll, ct_tree(cfg))) log::warn("{}", w);
    if (auto map = ct_idmap(cfg)) cg.delegate(ctid, map->uid, map->gid);
    if (cfg.global().get("NETFILTER")) log::warn("NETFILTER in the global configuration is ignored");
    if (auto why = sysinfo_unsupported()) log::warn("sysinfo(2) in the container reports the host's memory: {}", *why);
    warmup.join();
    daemon_.finish();  // init binds the daemon's files
}

ChildProcess spawn_stand_in(const CtConfig& cfg, CgroupDriver& cg, const HostSetup& host,
                            std::vector<std::string> command, int input) {
    auto status = make_pipe();
    auto spec = host.init_spec(cfg);
    spec.command = std::move(command);
    spec.stdin_fd = input;
    ChildProcess child(spawn_init(spec, cg, status.wr.get()));
    status.wr.reset();
    wait_init_started(status.rd.get());
    return child;
}

void HostSetup::keep() {
    uncgroup_.release();
    unnet_.release();
    unmount_.release();
    undaemon_.release();
}

bool write_network_files(const CtConfig& cfg) {
    std::vector<std::string> addrs;
    for (auto& a : net::venet_config(cfg).addrs)
        addrs.push_back(a.prefix == a.full() ? a.str() : fmt::format("{}/{}", a.str(), a.prefix));
    return write_ct_network(cfg, ct_tree(cfg), addrs);
}

Fd open_ct_netns(pid_t init) {
    return Fd(::open(fmt::format("/proc/{}/ns/net", init).c_str(), O_RDONLY | O_CLOEXEC));
}

Fd running_ct_netns(const CtConfig& cfg, CgroupDriver& cg, Exit code) {
    auto init = find_init(cg, cfg.ctid());
    if (!init) fail(Exit::NotRunning, "Container is not running");
    Fd ns = open_ct_netns(*init);
    if (!ns) fail(code, "can't open the network namespace of CT {}: {}", cfg.ctid(), errno_text(errno));
    return ns;
}

std::function<void(pid_t)> net_prepare(const CtConfig& cfg) {
    auto venet = net::venet_config(cfg);
    auto veth = net::veth_config(cfg);
    auto netdev = net::netdev_config(cfg);
    if (venet.addrs.empty() && veth.devs.empty() && netdev.devs.empty()) return nullptr;
    return [venet, veth, netdev](pid_t init) {
        Fd ns = open_ct_netns(init);
        if (!ns)
            fail(!veth.devs.empty()       ? Exit::Veth
                 : !venet.addrs.empty() ? Exit::CantAddIp
                                        : Exit::NetdevError,
                 "can't open the network namespace of CT {}: {}", venet.ctid, errno_text(errno));
        net::venet_start(venet, ns.get());
        net::veth_start(veth, ns.get());
        // Last: nothing after it here can fail and leave a moved device in a namespace that dies with init (a
        // virtual device would die with it). It undoes its own moves when it fails.
        net::netdev_start(netdev, ns.get());
    };
}

namespace {

std::string live_netdev_file(const CtConfig& cfg) {
    return fmt::format("{}/{}.netdev", lock_dir(cfg.global()), cfg.ctid());
}

std::vector<std::string> live_netdevs(const CtConfig& cfg) {
    return split(read_file(live_netdev_file(cfg), 64 * 1024).value_or(""), " \n");
}

// `devs` with the names of `more` it lacks, in their order.
void add_new(std::vector<std::string>& devs, const std::vector<std::string>& more) {
    for (auto& d : more)
        if (std::find(devs.begin(), devs.end(), d) == devs.end()) devs.push_back(d);
}

}  // namespace

void record_live_netdevs(const CtConfig& cfg, const std::vector<std::string>& add,
                         const std::vector<std::string>& del) {
    auto devs = live_netdevs(cfg);
    add_new(devs, add);
    std::erase_if(devs, [&](const std::string& d) { return std::find(del.begin(), del.end(), d) != del.end(); });
    if (devs.empty()) ::unlink(live_netdev_file(cfg).c_str());
    else write_file_atomic(live_netdev_file(cfg), join(devs, " ") + "\n", 0600);
}

void netdev_return(const CtConfig& cfg, CgroupDriver& cg) {
    auto netdev = net::netdev_config(cfg);
    add_new(netdev.devs, live_netdevs(cfg));
    if (netdev.devs.empty()) return;
    auto init = find_init(cg, cfg.ctid());
    if (!init) return;
    Fd ns = open_ct_netns(*init);
    if (!ns) {
        log::warn("can't open the network namespace of CT {} to move its NETDEV devices back: {}", cfg.ctid(),
                  errno_text(errno));
        return;
    }
    net::netdev_stop(netdev, ns.get());
}

Freezer freezer_of(const CtConfig& cfg) {
    auto layout = ct_cgroup_layout(cfg);
    bool v2 = layout.mode == CgroupMode::V2;
    return {v2, layout.ct_dir(v2 ? "" : "freezer", cfg.ctid())};
}

bool set_frozen(const Freezer& f, bool frozen) {
    Fd fd(::open((f.dir + (f.v2 ? "/cgroup.freeze" : "/freezer.state")).c_str(), O_WRONLY | O_CLOEXEC));
    return fd && write_all(fd.get(), f.v2 ? (frozen ? "1" : "0") : (frozen ? "FROZEN" : "THAWED"));
}

bool is_frozen(const Freezer& f) {
    auto state = read_file(f.dir + (f.v2 ? "/cgroup.events" : "/freezer.state")).value_or("");
    return f.v2 ? state.find("frozen 1") != std::string::npos : state.starts_with("FROZEN");
}

void release_host(const CtConfig& cfg, CgroupDriver& cg) {
    cg.remove(cfg.ctid());
    ::unlink(live_netdev_file(cfg).c_str());  // this run's record: the devices are back, or gone with it
    net::veth_cleanup(net::veth_config(cfg));
    net::venet_cleanup(net::venet_config(cfg));
}

JoinSpec join_spec(const CtConfig& cfg, pid_t init) {
    JoinSpec js{cfg.ctid(), init, capability_mask(cfg.get_or("CAPABILITY", "")),
                monitor_socket_name(ct_cgroup_layout(cfg), cfg.ctid())};
    js.netfilter = netfilter_allowed(cfg);
    return js;
}

CtCommand::CtCommand(const CtConfig& cfg, CgroupDriver& cg, pid_t init, const std::function<void()>& body)
    : cg_(cg), ctid_(cfg.ctid()), init_(init), lockdir_(lock_dir(cfg.global())) {
    auto entered = make_pipe();
    auto js = join_spec(cfg, init);
    js.entered = entered.wr.get();
    try {
        // The command gets the caller's stdin, stdout and stderr, no other descriptor of the host's (a daemon it
        // starts would keep a host file open in the container, and stop a checkpoint of it).
        child_ = ChildProcess(fork_in_ct(js, cg, [&body] {
            close_from_on_exec();
            body();
        }));
    } catch (const Error&) {
        check_still_running(cg, ctid_, init, true, lockdir_);
        throw;
    }
    entered_ = std::move(entered.rd);
}

int CtCommand::wait() {
    int code = child_.wait();
    if (code == 0) return code;
    // Every writer is gone now: a byte, or the end of the pipe when it never got in.
    char byte = 0;
    bool got_in = ::read(entered_.get(), &byte, 1) == 1;
    check_still_running(cg_, ctid_, init_, !got_in || code > 128, lockdir_);
    return code;
}

bool wait_ct_empty(CgroupDriver& cg, unsigned ctid, std::chrono::milliseconds limit) {
    auto end = std::chrono::steady_clock::now() + limit;
    while (!cg.procs(ctid).empty()) {
        if (std::chrono::steady_clock::now() >= end) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return true;
}

void fork_monitor(const std::function<void(int status_fd)>& become, MonitorProcess how) {
    auto status = make_pipe();
    // What the child reads; it changes nothing of ours (with MonitorProcess::Shared it runs in our memory).
    struct Start {
        const std::function<void(int)>* become;
        int status_rd, status_wr;
    } start{&become, status.rd.get(), status.wr.get()};
    auto child = [](void* arg) -> int {
        auto* s = static_cast<const Start*>(arg);
        ::setsid();
        ::signal(SIGINT, SIG_IGN);
        stdio_to_null();
        ::close(s->status_rd);
        close_from_on_exec();
        (*s->become)(s->status_wr);
        ::_exit(1);
    };
    if (how == MonitorProcess::Shared)
        spawn_sharing_memory(child, &start);
    else if (fork_or_throw() == 0)
        child(&start);
    status.wr.reset();
    wait_init_started(status.rd.get());
}

void exec_monitor(const Tools& t, const CtConfig& cfg, pid_t init, Fd channel, const std::vector<ConsolePty>& terminals,
                  pid_t helper) {
    std::vector<int> masters;
    for (auto& term : terminals) masters.push_back(term.master.get());
    auto args =
        monitor_argv(ct_cgroup_layout(cfg), cfg.ctid(), init, t.vzctl, channel ? channel.get() : -1, masters, helper);
    // Kept across the exec; the other ends are not.
    if (channel) ::fcntl(channel.get(), F_SETFD, 0);
    for (int fd : masters) ::fcntl(fd, F_SETFD, 0);
    ::execv(t.monitor.c_str(), CArgs(args).get());
}

}  // namespace vz
