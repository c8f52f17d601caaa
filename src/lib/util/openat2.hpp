// openat2(2) with the retry its manual asks for: RESOLVE_IN_ROOT and RESOLVE_BENEATH fail with EAGAIN when a rename
// or a mount anywhere on the host raced the lookup (the kernel can't then prove ".." stayed inside the root).
#pragma once

#include <linux/openat2.h>

#include <cstdint>

namespace vz {

// A path of a container's tree resolved as inside it: "/" and ".." stop at the tree's root, and no /proc magic link
// leads out.
constexpr uint64_t kResolveInRoot = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;

// The descriptor, or -1 with errno set. O_CLOEXEC is always added; `mode` counts only with O_CREAT or O_TMPFILE.
int openat2_retry(int dirfd, const char* path, uint64_t flags, uint64_t resolve, unsigned mode = 0);

}  // namespace vz
