// Owner of a directory stream: closed on every way out, also when an entry makes the caller throw.
// Header-only: the static monitor uses it too.
#pragma once

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <string>
#include <utility>

namespace vz {

class Dir {
public:
    Dir() = default;
    // Invalid (errno set) when the directory can't be opened.
    explicit Dir(const char* path) : d_(::opendir(path)) {}
    explicit Dir(const std::string& path) : Dir(path.c_str()) {}
    // A stream over the directory `fd` (its own open file, so reading moves no offset of `fd`); the caller keeps
    // `fd`. Invalid (errno set) on failure, leaking nothing.
    static Dir of(int fd) {
        Dir d;
        int copy = ::openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (copy < 0) return d;
        d.d_ = ::fdopendir(copy);
        if (!d.d_) {
            int saved = errno;
            ::close(copy);
            errno = saved;
        }
        return d;
    }
    Dir(Dir&& o) noexcept : d_(std::exchange(o.d_, nullptr)) {}
    Dir& operator=(Dir&& o) noexcept {
        std::swap(d_, o.d_);
        return *this;
    }
    Dir(const Dir&) = delete;
    Dir& operator=(const Dir&) = delete;
    ~Dir() {
        if (d_) ::closedir(d_);
    }

    explicit operator bool() const { return d_ != nullptr; }
    // The next entry ("." and ".." included), or null at the end.
    dirent* next() { return d_ ? ::readdir(d_) : nullptr; }

private:
    DIR* d_ = nullptr;
};

}  // namespace vz
