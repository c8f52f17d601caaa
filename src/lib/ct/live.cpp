// set on a running container: the changed parameters applied at once, without a restart.
#include <fcntl.h>
#include <linux/mount.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>

#include "config/params.hpp"
#include "ct/host.hpp"
#include "ct/probe.hpp"
#include "fs/ct_files.hpp"
#include "net/netdev.hpp"
#include "net/venet.hpp"
#include "net/veth.hpp"
#include "runtime/join.hpp"
#include "util/error.hpp"
#include "util/log.hpp"
#include "util/process.hpp"
#include "util/strings.hpp"

namespace vz {
namespace {

// Runs `body` inside the running container (its namespaces, all capabilities); its exit status.
int run_inside(const CtConfig& cfg, CgroupDriver& cg, const std::function<void()>& body) {
    auto init = find_init(cg, cfg.ctid());
    if (!init) fail(Exit::NotRunning, "Container is not running");
    JoinSpec js{cfg.ctid(), *init, ~0ULL, {}};
    return ChildProcess(fork_in_ct(js, cg, body)).wait();
}

// Makes the node /dev/NAME of each --devnodes name inside the running container, where it is missing, as start
// does (runtime/init.cpp): mknod of the host node's type and number; in a user namespace, where the kernel refuses
// mknod, the host's node bound onto an empty file (the bind is taken with open_tree(2) on the host, before joining).
void make_devnodes(const CtConfig& cfg, CgroupDriver& cg, const std::vector<std::string>& names) {
    for (auto& name : names) {
        struct stat st;
        if (::stat(("/dev/" + name).c_str(), &st) != 0 || !(S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode))) continue;
        Fd tree(static_cast<int>(::syscall(SYS_open_tree, AT_FDCWD, ("/dev/" + name).c_str(),
                                           OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC)));
        int code = run_inside(cfg, cg, [&] {
            auto path = "/dev/" + name;
            struct stat have;
            if (::lstat(path.c_str(), &have) == 0) ::_exit(0);
            auto slash = path.rfind('/');
            ::mkdir(path.substr(0, slash).c_str(), 0755);
            if (::mknod(path.c_str(), st.st_mode, st.st_rdev) == 0)
                ::_exit(::chmod(path.c_str(), st.st_mode & 07777) == 0 ? 0 : 1);
            if (!tree) ::_exit(1);
            Fd file(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, st.st_mode & 07777));
            if (!file) ::_exit(1);
            ::_exit(::syscall(SYS_move_mount, tree.get(), "", AT_FDCWD, path.c_str(), MOVE_MOUNT_F_EMPTY_PATH) == 0
                        ? 0 : 1);
        });
        if (code != 0) fail(Exit::SetDevices, "can't create /dev/{} in CT {}", name, cfg.ctid());
    }
}

// What this set's --ipadd and --ipdel name, applied to the addresses in force: those added (one given again with
// another prefix is replaced), those removed (all of them with --ipdel all); the others, and connections to them,
// untouched, also those an earlier set without --save added.
void apply_venet(const CtConfig& cfg, CgroupDriver& cg, const std::vector<Change>& changes) {
    auto venet = net::venet_config(cfg);
    std::vector<net::IpAddr> add, del;
    bool del_all = false;
    for (auto& ch : changes) {
        if (ch.def->kind == Kind::IpDel && ch.value == "all") del_all = true;
        if (ch.def->kind != Kind::IpAdd && ch.def->kind != Kind::IpDel) continue;
        auto& to = ch.def->kind == Kind::IpAdd ? add : del;
        for (auto& a : net::parse_list(ch.value, venet.ipv6)) to.push_back(a);
    }
    Fd ns = running_ct_netns(cfg, cg, Exit::CantAddIp);
    auto change = net::venet_change(venet, ns.get(), add, del, del_all);
    if (!change.removed.empty()) log::info("Deleting IP address(es): {}", net::joined(change.removed));
    if (!change.added.empty()) log::info("Adding IP address(es): {}", net::joined(change.added));
}

// The veth devices made as NETIF now says (`before`: what they were made from): new ones created, dropped ones
// removed, changed fields applied.
void apply_veth(const CtConfig& before, const CtConfig& cfg, CgroupDriver& cg) {
    Fd ns = running_ct_netns(cfg, cg, Exit::Veth);
    net::veth_change(net::veth_config(before), net::veth_config(cfg), ns.get());
}

// What this set's --netdev_add and --netdev_del name, moved into the container and back to the host at once.
void apply_netdev(const CtConfig& cfg, CgroupDriver& cg, const std::vector<Change>& changes) {
    std::vector<std::string> add, del;
    for (auto& ch : changes) {
        if (ch.def->kind != Kind::NetdevAdd && ch.def->kind != Kind::NetdevDel) continue;
        auto& to = ch.def->kind == Kind::NetdevAdd ? add : del;
        for (auto& d : split(ch.value, " ,"))
            if (!d.empty()) to.push_back(d);
    }
    if (add.empty() && del.empty()) return;
    Fd ns = running_ct_netns(cfg, cg, Exit::NetdevError);
    net::netdev_change(net::netdev_config(cfg), ns.get(), add, del);
    record_live_netdevs(cfg, add, del);  // so that the stop brings them back, saved or not
}

}  // namespace

std::vector<std::string> apply_running(const CtConfig& cfg, const std::vector<std::string>& keys,
                                       const std::vector<Change>& changes, const CtConfig* before) {
    unsigned groups = 0;
    for (auto& k : keys) groups |= groups_of_key(k);  // kResDisk: set_ct calls apply_disk, running or not
    auto cg = driver_of(cfg);
    if (groups & (kResDns | kResHostname)) write_ct_files(cfg, ct_tree(cfg), groups);
    if (groups & kResHostname) {
        auto name = cfg.get_or("HOSTNAME", "");
        int code = run_inside(cfg, *cg, [&] {
            if (::sethostname(name.data(), name.size()) != 0) ::_exit(1);
            Fd fd(::open("/etc/hostname", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
            ::_exit(fd && write_all(fd.get(), name + "\n") ? 0 : 1);
        });
        if (code != 0) fail(Exit::System, "can't set the host name of CT {}", cfg.ctid());
    }
    if (groups & kResVenet) {
        apply_venet(cfg, *cg, changes);
        write_network_files(cfg);  // ifup and `systemctl restart networking` inside keep them
        // /etc/hosts names the host name at the first address.
        if (!(groups & kResHostname)) write_ct_files(cfg, ct_tree(cfg), kResHostname);
    }
    if (groups & kResVeth) apply_veth(before ? *before : cfg, cfg, *cg);
    if (groups & kResNetdev) apply_netdev(cfg, *cg, changes);
    if (!(groups & kResAll)) return {};
    auto res = resources_from_config(cfg);
    if (groups & kResPty) {
        // devpts max= lives in the container's mount namespace: remount it there.
        auto opts = devpts_options(res.numpty);
        int code = run_inside(cfg, *cg, [&] {
            int rc = ::mount("devpts", "/dev/pts", "devpts", MS_REMOUNT | MS_NOSUID | MS_NOEXEC, opts.c_str());
            ::_exit(rc == 0 ? 0 : 1);
        });
        if (code != 0) fail(Exit::SetUbc, "can't change numpty of CT {}: remount of /dev/pts failed", cfg.ctid());
    }
    auto warnings = cg->apply(cfg.ctid(), res, groups & kResAll & ~static_cast<unsigned>(kResPty), ct_tree(cfg));
    // --devnodes gives the container the node as well as the access (the start makes them; a live change did not).
    if (groups & kResDevices) make_devnodes(cfg, *cg, res.devnodes);
    return warnings;
}

}  // namespace vz
