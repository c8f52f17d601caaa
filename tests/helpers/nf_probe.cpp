// Whether this process may change netfilter tables, for tests/integration/net_filter_test.cpp (NETFILTER,
// vzctl(8) --netfilter). Prints one line per attempt, "NAME: refused" when it failed with EPERM (what the
// container's seccomp filter answers with NETFILTER=disabled) and "NAME: allowed (RESULT)" otherwise:
//   netlink  socket(AF_NETLINK, SOCK_RAW, NETLINK_NETFILTER), what nft, iptables-nft and conntrack open;
//   ipt      setsockopt(SOL_IP, IPT_SO_SET_REPLACE) on a raw IPv4 socket, the legacy iptables' table replacement;
//   ip6t     setsockopt(SOL_IPV6, IP6T_SO_SET_REPLACE) on a raw IPv6 socket;
//   arpt     setsockopt(SOL_IP, ARPT_SO_SET_REPLACE);
//   ebt      setsockopt(SOL_IP, EBT_SO_SET_ENTRIES).
// The replacements get a buffer too short for a table: past the permission checks the kernel refuses them with
// EINVAL (or ENOPROTOOPT without the module), so nothing changes. Static, so that it runs in any container root.
#include <errno.h>
// Before the kernel's headers, which then leave struct in_addr and the like to it.
#include <netinet/in.h>
#include <linux/netfilter_arp/arp_tables.h>
#include <linux/netfilter_bridge/ebtables.h>
#include <linux/netfilter_ipv4/ip_tables.h>
#include <linux/netfilter_ipv6/ip6_tables.h>
#include <linux/netlink.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

namespace {

void report(const char* name, int r) {
    if (r < 0 && errno == EPERM) printf("%s: refused\n", name);
    else printf("%s: allowed (%s)\n", name, r < 0 ? strerror(errno) : "ok");
}

void try_replace(const char* name, int family, int level, int option) {
    int s = socket(family, SOCK_RAW, IPPROTO_RAW);
    if (s < 0) {
        printf("%s: no raw socket (%s)\n", name, strerror(errno));
        return;
    }
    char too_short[4] = {};
    report(name, setsockopt(s, level, option, too_short, sizeof too_short));
    close(s);
}

}  // namespace

int main() {
    int nl = socket(AF_NETLINK, SOCK_RAW, NETLINK_NETFILTER);
    report("netlink", nl);
    if (nl >= 0) close(nl);
    try_replace("ipt", AF_INET, SOL_IP, IPT_SO_SET_REPLACE);
    try_replace("ip6t", AF_INET6, SOL_IPV6, IP6T_SO_SET_REPLACE);
    try_replace("arpt", AF_INET, SOL_IP, ARPT_SO_SET_REPLACE);
    try_replace("ebt", AF_INET, SOL_IP, EBT_SO_SET_ENTRIES);
    return 0;
}
