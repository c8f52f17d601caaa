// OS template caches: TEMPLATE/cache/<name>.tar[.gz|.xz|.zst|.bz2], unpacked into a private area.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

namespace vz {

// The archive names a template may have in the cache: <name><suffix>, the first present wins.
std::span<const char* const> template_suffixes();
// Template names present in `cache_dir`, sorted: those find_template finds (regular files, no dot names).
std::vector<std::string> list_templates(const std::string& cache_dir);
// The tarball of `name`, or nullopt.
std::optional<std::string> find_template(const std::string& cache_dir, const std::string& name);

// Unpack `tarball` into the existing empty directory `dest`, keeping ownership, modes, times, xattrs, ACLs and
// device nodes; entries that would escape `dest` (absolute paths, "..", symlinked parents) are refused.
// `progress`: a progress line on stderr when that is a terminal (util/progress). Errors throw vz::Error; the caller
// removes `dest`.
void unpack_template(const std::string& tarball, const std::string& dest, bool progress);

}  // namespace vz
