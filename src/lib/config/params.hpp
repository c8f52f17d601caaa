// THE parameter table: one row per `vzctl set` / `vzctl create` parameter (reference section 2). CLI options,
// config load/save, validation and --help text are all generated from it.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "config/beancounters.hpp"

namespace vz {

// How a value is written on the command line and stored in the config.
enum class Kind {
    Ubc,          // barrier[:limit] in the resource's unit
    VswapSize,    // --ram/--swap: one size, stored as 0:<pages> in the UBC's key
    YesNo,
    Uint,
    Float,        // VM_OVERCOMMIT
    Text,         // free text (DESCRIPTION, OSTEMPLATE)
    Path,         // absolute path, $VEID kept literally
    CtName,       // NAME: [A-Za-z0-9 +-_.]
    Hostname,
    IpAdd,        // incremental list of addresses, IP_ADDRESS
    IpDel,
    Nameserver,   // whole list each call, or "inherit"
    Searchdomain,
    NetdevAdd,
    NetdevDel,
    NetifAdd,     // ifname[,mac,host_ifname,host_mac,bridge]
    NetifDel,
    NetifSelect,  // --ifname: the device the following NetifField options change
    NetifField,   // --mac --host_ifname --host_mac --bridge --mac_filter
    Cpuunits,
    Cpulimit,     // N (percent of one CPU) or N% (of the host)
    Cpumask,      // bitmap, all or auto
    Nodemask,
    Meminfo,
    Netfilter,
    Iptables,
    DiskSpace,    // soft[:hard], KiB
    DiskInodes,
    Capability,   // name:on|off list, merged
    Features,
    Devnodes,
    Devices,
    PciAdd,
    PciDel,
    Ioprio,
    Iolimit,      // MB/s plain, stored in bytes/s
    Iopslimit,
    Layout,       // create: simfs|ploop[:mode]
    UserPasswd,   // user:password, never saved
};

enum class Apply {
    Live,        // applied to a running container at once
    Restart,     // takes effect at the next start (--setmode)
    Stopped,     // refused while running (32)
    ConfigOnly,  // no runtime effect
    NotSaved,    // acts on the running container only
};

enum Cmd : unsigned { kSet = 1, kCreate = 2 };

struct ParamDef {
    std::string option;        // long option without dashes
    std::string aliases;       // other long spellings, space separated
    char short_opt = 0;
    std::string conf_key;      // empty for NotSaved
    std::string conf_alias;    // read-only older key
    Kind kind{};
    Apply apply{};
    unsigned cmds = kSet;
    bool needs_save = false;   // refused without --save (20; --name: 131)
    const UbcResource* ubc = nullptr;
    std::string metavar;
    std::string help;
    std::string netif_key;     // NetifField: the key inside one NETIF device entry
    unsigned groups = 0;       // ResGroup bits an Apply::Live change feeds (0 for a live one only when inert)
    bool inert = false;        // saved and listed, but applied nowhere by this version: set and create say so
};

std::span<const ParamDef> params();
const ParamDef* find_param(std::string_view option);
// The row that owns a config key (also matches read-only aliases).
const ParamDef* find_param_by_key(std::string_view conf_key);
// The ResGroup bits a config key feeds (0 for unknown keys and keys no running container takes at once).
unsigned groups_of_key(std::string_view conf_key);

}  // namespace vz
