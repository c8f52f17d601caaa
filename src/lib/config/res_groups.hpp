// How a parameter reaches a running container: the groups of limits (and other live state) it feeds. A column of
// the parameter table; the cgroup drivers apply the limit groups, the container's own namespaces the others.
#pragma once

namespace vz {

// A `set` on a running container applies only the groups its parameters touch.
enum ResGroup : unsigned {
    kResCpu = 1,
    kResCpuset = 2,
    kResMemory = 4,
    kResPids = 8,
    kResIo = 16,
    kResDevices = 32,
    kResPty = 64,
    kResAll = 127,       // every group of limits, as a start applies them
    kResHostname = 128,  // set inside the container's UTS namespace, not a limit
    kResVenet = 256,     // the container's routed addresses (venet0), its network namespace and the host's routes
    kResDns = 512,       // /etc/resolv.conf in the container's tree (fs/ct_files.hpp), not a limit
    kResVeth = 1024,     // the container's veth devices (NETIF): pairs, bridge ports, MACs
    kResNetdev = 2048,   // host devices moved into the container's network namespace (NETDEV)
    kResDisk = 4096,     // disk limits and the image's size (ct/disk.hpp), on a mounted or stopped container alike
};

}  // namespace vz
