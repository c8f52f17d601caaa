// The template unpacker, a module libvz loads only when a container is created: libarchive and the dozen
// libraries behind it stay out of every other command's start-up.
#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>

#include "fs/unpack_module.hpp"
#include "util/error.hpp"
#include "util/fd.hpp"
#include "util/progress.hpp"

namespace vz {
namespace {


struct ReadCloser {
    void operator()(archive* a) const { archive_read_free(a); }
};
struct WriteCloser {
    void operator()(archive* a) const { archive_write_free(a); }
};

void copy_data(archive* in, archive* out, const std::string& tarball) {
    const void* buf;
    size_t size;
    la_int64_t offset;
    for (;;) {
        int r = archive_read_data_block(in, &buf, &size, &offset);
        if (r == ARCHIVE_EOF) return;
        if (r < ARCHIVE_OK) fail(Exit::NewPrivate, "can't read {}: {}", tarball, archive_error_string(in));
        if (archive_write_data_block(out, buf, size, offset) < ARCHIVE_OK) {
            int err = archive_errno(out);
            fail(err == ENOSPC || err == EDQUOT ? Exit::NoDiskSpace : Exit::NewPrivate, "can't unpack {}: {}",
                 tarball, archive_error_string(out));
        }
    }
}

// Changes the working directory for its lifetime.
class Cwd {
public:
    explicit Cwd(const std::string& dir) : old_(::open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) {
        if (!old_ || ::chdir(dir.c_str()) != 0) fail(Exit::NewPrivate, "can't enter {}: {}", dir, errno_text(errno));
    }
    Cwd(const Cwd&) = delete;
    Cwd& operator=(const Cwd&) = delete;
    ~Cwd() {
        if (::fchdir(old_.get()) != 0) {
            // Nothing sensible is left to do; the command ends soon after.
        }
    }

private:
    Fd old_;
};

}  // namespace
void unpack_archive(const std::string& tarball, const std::string& dest, bool progress) {
    std::unique_ptr<archive, ReadCloser> in(archive_read_new());
    archive_read_support_filter_all(in.get());
    archive_read_support_format_all(in.get());
    if (archive_read_open_filename(in.get(), tarball.c_str(), 1 << 16) != ARCHIVE_OK)
        fail(Exit::OsTemplateNotFound, "can't open OS template {}: {}", tarball, archive_error_string(in.get()));

    std::unique_ptr<archive, WriteCloser> out(archive_write_disk_new());
    archive_write_disk_set_options(
        out.get(), ARCHIVE_EXTRACT_OWNER | ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_XATTR |
                       ARCHIVE_EXTRACT_ACL | ARCHIVE_EXTRACT_FFLAGS | ARCHIVE_EXTRACT_SECURE_SYMLINKS |
                       ARCHIVE_EXTRACT_SECURE_NODOTDOT | ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS |
                       ARCHIVE_EXTRACT_UNLINK);
    // Numeric ids as stored: the container has its own user database.
    archive_write_disk_set_standard_lookup(out.get());

    // libarchive's escape checks work on relative paths from the working directory: unpack from inside dest.
    // Progress in bytes of the template file read (compressed): its size is known before the first entry.
    struct stat tst;
    auto total = ::stat(tarball.c_str(), &tst) == 0 ? static_cast<uint64_t>(tst.st_size) : 0;
    auto slash = tarball.rfind('/');
    Progress bar("Unpacking " + tarball.substr(slash == std::string::npos ? 0 : slash + 1), total, progress);
    Cwd here(dest);
    archive_entry* entry;
    for (;;) {
        int r = archive_read_next_header(in.get(), &entry);
        if (r == ARCHIVE_EOF) break;
        if (r < ARCHIVE_WARN)
            fail(Exit::NewPrivate, "can't read OS template {}: {}", tarball, archive_error_string(in.get()));
        std::string path = archive_entry_pathname(entry);
        if (archive_write_header(out.get(), entry) < ARCHIVE_WARN) {
            int err = archive_errno(out.get());
            fail(err == ENOSPC || err == EDQUOT ? Exit::NoDiskSpace : Exit::NewPrivate,
                 "can't unpack {} from {}: {}", path, tarball, archive_error_string(out.get()));
        }
        if (archive_entry_size(entry) > 0) copy_data(in.get(), out.get(), tarball);
        if (archive_write_finish_entry(out.get()) < ARCHIVE_WARN)
            fail(Exit::NewPrivate, "can't unpack {} from {}: {}", path, tarball, archive_error_string(out.get()));
        bar.update(static_cast<uint64_t>(std::max<la_int64_t>(0, archive_filter_bytes(in.get(), -1))));
    }
    if (archive_write_close(out.get()) != ARCHIVE_OK)
        fail(Exit::NewPrivate, "can't finish unpacking {}: {}", tarball, archive_error_string(out.get()));
}

}  // namespace vz

extern "C" int vz_unpack_template(const char* tarball, const char* dest, int progress, char* err, size_t errlen) {
    try {
        vz::unpack_archive(tarball, dest, progress != 0);
        return 0;
    } catch (const vz::Error& e) {
        std::snprintf(err, errlen, "%s", e.what());
        return e.exit_status();
    } catch (const std::exception& e) {
        std::snprintf(err, errlen, "%s", e.what());
        return static_cast<int>(vz::Exit::NewPrivate);
    }
}
