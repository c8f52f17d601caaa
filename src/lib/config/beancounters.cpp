#include "config/beancounters.hpp"

#include <array>

namespace vz {
namespace {

constexpr std::array kResources = {
    UbcResource{"kmemsize", "KMEMSIZE", Unit::Bytes, "KMEMSIZE", "", 'k', 0, "kernel memory, bytes"},
    UbcResource{"lockedpages", "LOCKEDP", Unit::Pages, "LOCKEDPAGES", "", 'l', 1, "mlock()ed memory, pages"},
    UbcResource{"privvmpages", "PRIVVMP", Unit::Pages, "PRIVVMPAGES", "", 0, 2, "private virtual memory, pages"},
    UbcResource{"shmpages", "SHMP", Unit::Pages, "SHMPAGES", "", 0, 3, "shared memory, pages"},
    UbcResource{"numproc", "NPROC", Unit::Items, "NUMPROC", "", 'p', 5, "processes and threads"},
    UbcResource{"physpages", "PHYSP", Unit::Pages, "PHYSPAGES", "", 0, 6, "RAM, pages (the limit is the RAM cap)"},
    UbcResource{"vmguarpages", "VMGUARP", Unit::Pages, "VMGUARPAGES", "", 0, 7, "guaranteed memory, pages"},
    UbcResource{"oomguarpages", "OOMGUARP", Unit::Pages, "OOMGUARPAGES", "", 0, 8, "out-of-memory guarantee, pages"},
    UbcResource{"numtcpsock", "NTCPSOCK", Unit::Items, "NUMTCPSOCK", "", 0, 9, "TCP sockets"},
    UbcResource{"numflock", "NFLOCK", Unit::Items, "NUMFLOCK", "", 'f', 10, "file locks"},
    UbcResource{"numpty", "NPTY", Unit::Items, "NUMPTY", "", 't', 11, "pseudo-terminals"},
    UbcResource{"numsiginfo", "NSIGINFO", Unit::Items, "NUMSIGINFO", "", 'i', 12, "pending signals"},
    UbcResource{"tcpsndbuf", "TCPSNDB", Unit::Bytes, "TCPSNDBUF", "", 0, 13, "TCP send buffers, bytes"},
    UbcResource{"tcprcvbuf", "TCPRCVB", Unit::Bytes, "TCPRCVBUF", "", 'b', 14, "TCP receive buffers, bytes"},
    UbcResource{"othersockbuf", "OTHSOCKB", Unit::Bytes, "OTHERSOCKBUF", "", 0, 15, "other socket buffers, bytes"},
    UbcResource{"dgramrcvbuf", "DGRAMRB", Unit::Bytes, "DGRAMRCVBUF", "", 0, 16, "datagram receive buffers, bytes"},
    UbcResource{"numothersock", "NOTHSOCK", Unit::Items, "NUMOTHERSOCK", "", 0, 17, "non-TCP sockets"},
    UbcResource{"dcachesize", "DCACHESZ", Unit::Bytes, "DCACHESIZE", "DCACHE", 'x', 18, "dentry and inode cache, bytes"},
    UbcResource{"numfile", "NFILE", Unit::Items, "NUMFILE", "", 'n', 19, "open files"},
    UbcResource{"numiptent", "NIPTENT", Unit::Items, "NUMIPTENT", "IPTENTRIES", 'e', 23, "iptables entries"},
    UbcResource{"swappages", "SWAPP", Unit::Pages, "SWAPPAGES", "", 0, 24, "swap, pages (the limit is the swap cap)"},
    UbcResource{"avnumproc", "", Unit::Items, "AVNUMPROC", "", 0, -1, "expected average number of processes"},
};

}  // namespace

std::span<const UbcResource> ubc_resources() { return kResources; }

bool ubc_listed(const UbcResource& r) { return r.kernel_id >= 0; }

const UbcResource* find_ubc(std::string_view name) {
    auto i = ubc_index(name);
    return i ? &kResources[*i] : nullptr;
}

std::optional<size_t> ubc_index(std::string_view name) {
    for (size_t i = 0; i < std::size(kResources); ++i)
        if (kResources[i].name == name) return i;
    return std::nullopt;
}

const UbcResource* find_ubc_by_key(std::string_view conf_key) {
    for (auto& r : kResources)
        if (r.conf_key == conf_key) return &r;
    return nullptr;
}

}  // namespace vz
