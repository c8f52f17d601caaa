// A temporary directory that is removed with everything in it when the test ends, also when it fails.
#pragma once

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace vztest {

class TempDir {
public:
    TempDir() {
        auto base = std::filesystem::temp_directory_path() / "vztest.XXXXXX";
        std::string tmpl = base.string();
        std::vector<char> buf(tmpl.begin(), tmpl.end());
        buf.push_back('\0');
        if (!::mkdtemp(buf.data())) throw std::runtime_error("mkdtemp failed");
        path_ = buf.data();
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    const std::string& path() const { return path_; }
    std::string operator/(const std::string& leaf) const { return path_ + "/" + leaf; }

private:
    std::string path_;
};

inline std::string read_text(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("can't read " + path);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

inline void write_text(const std::string& path, const std::string& text) {
    std::filesystem::create_directories(std::filesystem::path(path).parent_path());
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    if (!(out << text)) throw std::runtime_error("can't write " + path);
}

// `path` replaced in one step by a file holding `text` (written beside it, given its mode, renamed over it): a
// command or daemon that reads it meanwhile (a container's vzubcfs, a watchdog's vzctl) gets the old text or the
// new one, never an empty or half-written file as with write_text's truncation.
inline void replace_text(const std::string& path, const std::string& text) {
    auto next = path + ".next";
    write_text(next, text);
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0) ::chmod(next.c_str(), st.st_mode & 07777);
    std::filesystem::rename(next, path);
}

}  // namespace vztest
