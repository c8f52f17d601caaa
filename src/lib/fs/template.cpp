#include "fs/template.hpp"

#include <dirent.h>
#include <dlfcn.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>

#include "fs/unpack_module.hpp"
#include "util/dir.hpp"
#include "util/error.hpp"
#include "util/file.hpp"

namespace vz {
namespace {

constexpr std::array kSuffixes = {".tar.zst", ".tar.xz", ".tar.gz", ".tar.bz2", ".tar", ".tgz"};

// The unpacker module: ../lib from this program's directory (the build tree's src/lib, a relocated install's lib),
// else where it was installed (VZ_UNPACK_INSTALLED: the library or the private directory, top CMakeLists.txt).
// Always a full path: by name alone, dlopen would search LD_LIBRARY_PATH and the system's directories.
std::string unpack_module() {
    char exe[4096];
    auto n = ::readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) fail(Exit::NoScript, "can't find the template unpacker: /proc/self/exe: {}", errno_text(errno));
    auto beside = dir_name(dir_name(std::string(exe, static_cast<size_t>(n)))) + "/lib/" VZ_UNPACK_MODULE;
    return path_exists(beside) ? beside : VZ_UNPACK_INSTALLED;
}

}  // namespace

std::span<const char* const> template_suffixes() { return kSuffixes; }

std::vector<std::string> list_templates(const std::string& cache_dir) {
    std::vector<std::string> out;
    Dir d(cache_dir);
    while (auto* e = d.next()) {
        std::string n = e->d_name;
        // What find_template would find: no dot names, regular files (or links to them) only.
        if (n.starts_with(".")) continue;
        struct stat st;
        if (::stat((cache_dir + "/" + n).c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
        for (auto* s : kSuffixes) {
            std::string suf = s;
            if (n.size() > suf.size() && n.ends_with(suf)) {
                out.push_back(n.substr(0, n.size() - suf.size()));
                break;
            }
        }
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

std::optional<std::string> find_template(const std::string& cache_dir, const std::string& name) {
    // A NUL would end the path the kernel sees early: "notes.txt\0" would find the file notes.txt.
    if (name.empty() || name.find_first_of(std::string_view("/\0", 2)) != std::string::npos || name.starts_with("."))
        return std::nullopt;
    for (auto* s : kSuffixes) {
        auto path = cache_dir + "/" + name + s;
        struct stat st;
        if (::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode)) return path;
    }
    return std::nullopt;
}

void unpack_template(const std::string& tarball, const std::string& dest, bool progress) {
    void* mod = ::dlopen(unpack_module().c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!mod) fail(Exit::NoScript, "can't load the template unpacker: {}", ::dlerror());
    auto* fn = reinterpret_cast<decltype(&vz_unpack_template)>(::dlsym(mod, "vz_unpack_template"));
    if (!fn) fail(Exit::NoScript, "the template unpacker has no entry point: {}", ::dlerror());
    char err[1024] = {};
    int code = fn(tarball.c_str(), dest.c_str(), progress ? 1 : 0, err, sizeof err);
    if (code != 0) throw Error(static_cast<Exit>(code), err);
}

}  // namespace vz
