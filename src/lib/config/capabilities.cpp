#include "config/capabilities.hpp"

#include <linux/capability.h>

#include "config/units.hpp"

namespace vz {
namespace {

const std::vector<CapabilityDef>& table() {
    static const std::vector<CapabilityDef> t = {
        {"chown", {CAP_CHOWN}, true},
        {"dac_override", {CAP_DAC_OVERRIDE}, true},
        {"dac_read_search", {CAP_DAC_READ_SEARCH}, true},
        {"fowner", {CAP_FOWNER}, true},
        {"fsetid", {CAP_FSETID}, true},
        {"kill", {CAP_KILL}, true},
        {"setgid", {CAP_SETGID}, true},
        {"setuid", {CAP_SETUID}, true},
        {"setpcap", {CAP_SETPCAP}, true},
        {"linux_immutable", {CAP_LINUX_IMMUTABLE}, true},
        {"net_bind_service", {CAP_NET_BIND_SERVICE}, true},
        {"net_broadcast", {CAP_NET_BROADCAST}, true},
        // On a mainline kernel the container's network and mounts need these (vzctl 4 upstream mode did the same).
        {"net_admin", {CAP_NET_ADMIN}, true},
        {"net_raw", {CAP_NET_RAW}, true},
        {"ipc_lock", {CAP_IPC_LOCK}, true},
        {"ipc_owner", {CAP_IPC_OWNER}, true},
        {"sys_module", {CAP_SYS_MODULE}, false},
        {"sys_rawio", {CAP_SYS_RAWIO}, false},
        {"sys_chroot", {CAP_SYS_CHROOT}, true},
        {"sys_ptrace", {CAP_SYS_PTRACE}, true},
        {"sys_pacct", {CAP_SYS_PACCT}, true},
        {"sys_admin", {CAP_SYS_ADMIN}, true},
        // reboot(2) inside a pid namespace ends that namespace only; vzctl's monitor turns it into a restart.
        {"sys_boot", {CAP_SYS_BOOT}, true},
        {"sys_nice", {CAP_SYS_NICE}, true},
        {"sys_resource", {CAP_SYS_RESOURCE}, true},
        {"sys_time", {CAP_SYS_TIME}, false},
        {"sys_tty_config", {CAP_SYS_TTY_CONFIG}, true},
        {"mknod", {CAP_MKNOD}, true},
        {"lease", {CAP_LEASE}, true},
        {"audit_write", {CAP_AUDIT_WRITE}, true},
        // OpenVZ's VE_ADMIN let a container administer its own network and mounts.
        {"ve_admin", {CAP_NET_ADMIN, CAP_SYS_ADMIN}, true},
        {"setfcap", {CAP_SETFCAP}, true},
        {"fs_mask", {CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER, CAP_FSETID}, true},
    };
    return t;
}

}  // namespace

std::vector<std::string_view> capability_names() {
    std::vector<std::string_view> out;
    for (auto& c : table()) out.push_back(c.name);
    return out;
}

const CapabilityDef* find_capability(std::string_view lower_name) {
    for (auto& c : table())
        if (c.name == lower_name) return &c;
    return nullptr;
}

unsigned long long capability_mask(std::string_view config_value) {
    unsigned long long mask = 0;
    for (auto& c : table())
        if (c.default_on)
            for (int n : c.caps) mask |= 1ULL << n;
    for (auto& e : split(config_value, " ,")) {
        auto colon = e.find(':');
        if (colon == std::string::npos) continue;
        auto* c = find_capability(to_lower(e.substr(0, colon)));
        if (!c) continue;
        bool on = e.substr(colon + 1) == "on";
        for (int n : c->caps) {
            if (on) mask |= 1ULL << n;
            else mask &= ~(1ULL << n);
        }
    }
    return mask;
}

}  // namespace vz
