#include "config/params.hpp"

#include "config/res_groups.hpp"

#include <algorithm>
#include <utility>
#include <vector>

namespace vz {
namespace {

using K = Kind;
using A = Apply;

ParamDef row(std::string option, char short_opt, std::string key, Kind kind, Apply apply, std::string metavar,
             std::string help) {
    ParamDef p;
    p.option = std::move(option);
    p.short_opt = short_opt;
    p.conf_key = std::move(key);
    p.kind = kind;
    p.apply = apply;
    p.metavar = std::move(metavar);
    p.help = std::move(help);
    return p;
}

// The beancounters a running container's cgroups enforce, and the group of limits each feeds; the others are
// accounted only.
unsigned ubc_groups(std::string_view name) {
    constexpr std::pair<std::string_view, unsigned> kEnforced[] = {
        {"kmemsize", kResMemory}, {"physpages", kResMemory}, {"swappages", kResMemory},
        {"numproc", kResPids},    {"numpty", kResPty},
    };
    for (auto& [n, g] : kEnforced)
        if (n == name) return g;
    return 0;
}

std::vector<ParamDef> build() {
    std::vector<ParamDef> t;
    auto add = [&](ParamDef p, unsigned groups = 0) -> ParamDef& {
        p.groups = groups;
        return t.emplace_back(std::move(p));
    };

    // 2.2 miscellaneous
    add(row("onboot", 0, "ONBOOT", K::YesNo, A::ConfigOnly, "yes|no", "start the container when the host boots"));
    add(row("bootorder", 0, "BOOTORDER", K::Uint, A::ConfigOnly, "N", "boot order; higher starts earlier"));
    add(row("root", 0, "VE_ROOT", K::Path, A::Stopped, "PATH", "mount point of the root ($VEID expands)")).cmds =
        kSet | kCreate;
    add(row("private", 0, "VE_PRIVATE", K::Path, A::Stopped, "PATH", "private area ($VEID expands)")).cmds =
        kSet | kCreate;
    add(row("mount_opts", 0, "MOUNT_OPTS", K::Text, A::Restart, "OPT[,OPT]",
            "ploop: extra ext4 mount options of the image"));
    add(row("userpasswd", 0, "", K::UserPasswd, A::NotSaved, "USER:PASSWORD", "set a password inside the container"));
    add(row("disabled", 0, "DISABLED", K::YesNo, A::ConfigOnly, "yes|no", "refuse to start unless --force"));
    {
        auto& p = add(row("name", 0, "NAME", K::CtName, A::ConfigOnly, "NAME", "container name (set: needs --save)"));
        p.cmds = kSet | kCreate;
        p.needs_save = true;
    }
    add(row("description", 0, "DESCRIPTION", K::Text, A::ConfigOnly, "TEXT", "free-form description")).cmds =
        kSet | kCreate;
    {
        auto& p = add(row("ostemplate", 0, "OSTEMPLATE", K::Text, A::ConfigOnly, "NAME", "OS template name"));
        p.cmds = kSet | kCreate;
        p.needs_save = true;
    }
    add(row("stop-timeout", 0, "STOP_TIMEOUT", K::Uint, A::ConfigOnly, "SECONDS",
            "seconds a clean stop may take (0 = 120)"))
        .needs_save = true;

    // 2.3 venet networking, DNS, host devices
    {
        auto& p = add(row("ipadd", 0, "IP_ADDRESS", K::IpAdd, A::Live, "ADDR[/PREFIX]", "add IP address(es)"),
                      kResVenet);
        p.aliases = "ip";
        p.cmds = kSet | kCreate;
    }
    add(row("ipdel", 0, "IP_ADDRESS", K::IpDel, A::Live, "ADDR|all", "remove IP address(es)"), kResVenet);
    add(row("hostname", 0, "HOSTNAME", K::Hostname, A::Live, "NAME", "host name"), kResHostname).cmds = kSet | kCreate;
    add(row("nameserver", 0, "NAMESERVER", K::Nameserver, A::Live, "ADDR|inherit", "DNS server(s)"), kResDns);
    add(row("searchdomain", 0, "SEARCHDOMAIN", K::Searchdomain, A::Live, "NAME|inherit", "DNS search domain(s)"), kResDns);
    add(row("netdev_add", 0, "NETDEV", K::NetdevAdd, A::Live, "IFNAME", "move a host network device in"), kResNetdev);
    add(row("netdev_del", 0, "NETDEV", K::NetdevDel, A::Live, "IFNAME", "move a network device back out"), kResNetdev);

    // 2.4 veth
    add(row("netif_add", 0, "NETIF", K::NetifAdd, A::Live, "IFNAME[,MAC,HOST_IFNAME,HOST_MAC,BRIDGE]",
            "add a veth device"), kResVeth);
    add(row("netif_del", 0, "NETIF", K::NetifDel, A::Live, "IFNAME|all", "remove a veth device"), kResVeth);
    add(row("ifname", 0, "NETIF", K::NetifSelect, A::Live, "IFNAME", "veth device the next options change"),
        kResVeth);
    struct NetifOpt {
        const char* option;
        const char* meta;
        const char* help;
    };
    for (auto [opt, meta, help] : {NetifOpt{"mac", "MAC", "container-side MAC of --ifname"},
                                   NetifOpt{"host_ifname", "NAME", "host-side name of --ifname"},
                                   NetifOpt{"host_mac", "MAC", "host-side MAC of --ifname"},
                                   NetifOpt{"bridge", "NAME", "bridge the host side of --ifname joins"},
                                   NetifOpt{"mac_filter", "on|off", "drop frames not for the MAC of --ifname"}}) {
        auto& p = add(row(opt, 0, "NETIF", K::NetifField, A::Live, meta, help), kResVeth);
        p.netif_key = opt;
    }

    // 2.5 beancounters, from the resource table
    for (auto& r : ubc_resources()) {
        auto& p = add(row(std::string(r.name), r.short_opt, std::string(r.conf_key), K::Ubc, A::Live, "B[:L]",
                          std::string(r.help)), ubc_groups(r.name));
        p.conf_alias = r.conf_alias;
        p.ubc = &r;
        if (r.name == "avnumproc") p.apply = A::ConfigOnly;
    }

    // 2.6 VSwap
    add(row("ram", 0, "PHYSPAGES", K::VswapSize, A::Live, "SIZE", "RAM limit (stored as PHYSPAGES 0:<pages>)"), kResMemory).ubc =
        find_ubc("physpages");
    add(row("swap", 0, "SWAPPAGES", K::VswapSize, A::Live, "SIZE", "swap limit (stored as SWAPPAGES 0:<pages>)"), kResMemory).ubc =
        find_ubc("swappages");
    add(row("vm_overcommit", 0, "VM_OVERCOMMIT", K::Float, A::Live, "FLOAT",
            "privvmpages = (ram+swap) x this; 0 = unlimited"));

    // 2.7 CPU
    add(row("cpuunits", 0, "CPUUNITS", K::Cpuunits, A::Live, "8..500000", "CPU weight (default 1000)"), kResCpu);
    add(row("cpuweight", 0, "CPUUWEIGHT", K::Uint, A::Live, "N", "raw CPU weight"), kResCpu);
    add(row("cpulimit", 0, "CPULIMIT", K::Cpulimit, A::Live, "N|N%",
            "CPU cap: percent of one CPU, or N% of the whole host"), kResCpu);
    add(row("cpus", 0, "CPUS", K::Uint, A::Live, "N", "number of CPUs the container may use"), kResCpu);
    add(row("cpumask", 0, "CPUMASK", K::Cpumask, A::Live, "LIST|all|auto", "CPUs the container may run on"), kResCpuset);
    add(row("nodemask", 0, "NODEMASK", K::Nodemask, A::Live, "LIST|all", "NUMA nodes (needs --cpumask)"), kResCpuset);

    // 2.8 memory view
    add(row("meminfo", 0, "MEMINFO", K::Meminfo, A::Live, "none|pages:N|privvmpages:N",
            "/proc/meminfo of non-VSwap containers"));

    // 2.9 netfilter
    add(row("netfilter", 0, "NETFILTER", K::Netfilter, A::Restart, "disabled|stateless|stateful|full",
            "netfilter modules the container may use"));
    add(row("iptables", 0, "IPTABLES", K::Iptables, A::Restart, "MODULE[,MODULE]", "obsolete: iptables modules"));

    // 2.10 disk
    add(row("diskquota", 0, "DISK_QUOTA", K::YesNo, A::Restart, "yes|no", "per-container disk quota (simfs)"));
    add(row("diskspace", 0, "DISKSPACE", K::DiskSpace, A::Live, "SOFT[:HARD]",
            "disk space limit, KiB (suffixes); ploop: the image's size"), kResDisk)
        .cmds = kSet | kCreate;
    add(row("diskinodes", 0, "DISKINODES", K::DiskInodes, A::Live, "SOFT[:HARD]",
            "inode limit; ploop: inodes made at create"), kResDisk)
        .cmds = kSet | kCreate;
    add(row("quotatime", 0, "QUOTATIME", K::Uint, A::Live, "SECONDS",
            "grace period over the soft limits (simfs project quota)"), kResDisk);
    add(row("quotaugidlimit", 0, "QUOTAUGIDLIMIT", K::Uint, A::Restart, "N",
            "user/group quotas inside (ploop); 0 = off"));

    // 2.11 capabilities, devices, PCI, features
    add(row("capability", 0, "CAPABILITY", K::Capability, A::Restart, "NAME:on|off[,...]",
            "capabilities kept or dropped"));
    add(row("devnodes", 0, "DEVNODES", K::Devnodes, A::Live, "NAME:[r][w][q]|NAME:none",
            "device node in /dev and its access"), kResDevices);
    add(row("devices", 0, "DEVICES", K::Devices, A::Live, "b|c:MAJOR:MINOR|all:[r][w][q]|none",
            "device access without a node"), kResDevices);
    add(row("pci_add", 0, "PCI", K::PciAdd, A::Live, "[DOMAIN:]BUS:SLOT.FUNC", "pass a PCI device"));
    add(row("pci_del", 0, "PCI", K::PciDel, A::Live, "[DOMAIN:]BUS:SLOT.FUNC", "take a PCI device back"));
    add(row("features", 0, "FEATURES", K::Features, A::Restart, "NAME:on|off[,...]", "optional features"));

    // 2.12 I/O
    add(row("ioprio", 0, "IOPRIO", K::Ioprio, A::Live, "0..7", "I/O priority (default 4)"), kResIo);
    add(row("iolimit", 0, "IOLIMIT", K::Iolimit, A::Live, "N[B|K|M|G]|unlimited", "disk bandwidth, plain N = MB/s"), kResIo);
    add(row("iopslimit", 0, "IOPSLIMIT", K::Iopslimit, A::Live, "N|unlimited", "disk operations per second"), kResIo);

    // create only
    {
        auto& p = add(row("layout", 0, "VE_LAYOUT", K::Layout, A::Stopped, "simfs|ploop[:MODE]", "private area layout"));
        p.aliases = "ve_layout velayout";
        p.cmds = kCreate;
    }
    add(row("local_uid", 0, "LOCAL_UID", K::Uint, A::Stopped, "UID", "host uid of the container's root (default 100000; 0: privileged)")).cmds =
        kCreate;
    add(row("local_gid", 0, "LOCAL_GID", K::Uint, A::Stopped, "GID", "host gid of the container's root (default 100000; 0: privileged)")).cmds =
        kCreate;

    // What this version saves and lists but applies nowhere yet (PCI, the obsolete iptables module list, the meminfo
    // mode), and the beancounters no cgroup enforces. One place: vzctl(8) lists the same.
    // (--netfilter is applied: NETFILTER=disabled in the seccomp filter; --quotaugidlimit on ploop, ct/disk.hpp.)
    constexpr std::string_view kInert[] = {"pci_add", "pci_del", "iptables", "meminfo", "vm_overcommit"};
    for (auto& p : t)
        if (std::find(std::begin(kInert), std::end(kInert), p.option) != std::end(kInert) ||
            (p.kind == K::Ubc && p.apply == A::Live && !p.groups))
            p.inert = true;
    return t;
}

}  // namespace

std::span<const ParamDef> params() {
    static const std::vector<ParamDef> table = build();
    return table;
}

const ParamDef* find_param(std::string_view option) {
    for (auto& p : params()) {
        if (p.option == option) return &p;
        for (auto& a : split(p.aliases, " "))
            if (a == option) return &p;
    }
    return nullptr;
}

const ParamDef* find_param_by_key(std::string_view key) {
    for (auto& p : params()) {
        // The first row of a key owns it (ipadd before ipdel, the UBC row before --ram).
        if (!p.conf_key.empty() && (p.conf_key == key || (!p.conf_alias.empty() && p.conf_alias == key))) return &p;
    }
    return nullptr;
}

unsigned groups_of_key(std::string_view conf_key) {
    auto* p = find_param_by_key(conf_key);
    return p ? p->groups : 0;
}

}  // namespace vz
