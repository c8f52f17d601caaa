// The KEY="value" file format shared by vz.conf, CTID.conf and the samples, kept line by line so that a save
// rewrites only the lines of changed keys and leaves comments, order, unknown keys and formatting alone.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace vz {

// The largest config file and line read (ctid.conf(5)): a 10 MB file or a 1 MB line is damage, not a config.
inline constexpr size_t kConfMaxBytes = 1 << 20;
inline constexpr size_t kConfMaxLine = 64 << 10;

class ConfFile {
public:
    ConfFile() = default;

    // Parse `text`; `origin` names the file in messages ("origin:line: what is wrong"). A malformed line throws
    // vz::Error(InvalidValue), as does a line longer than kConfMaxLine. A repeated key keeps its first value and adds
    // a warning.
    static ConfFile parse(std::string_view text, const std::string& origin);
    // nullopt when the file does not exist; a file larger than kConfMaxBytes is vz::Error(InvalidValue).
    static std::optional<ConfFile> load(const std::string& path);

    // The value of the first occurrence of `key`.
    const std::string* get(std::string_view key) const;
    bool has(std::string_view key) const { return get(key) != nullptr; }
    // Replace the first line of `key` by KEY="value", or append one. Returns false when the value was the same.
    bool set(std::string_view key, const std::string& value);
    // Remove every line of `key`. Returns whether there was one.
    bool erase(std::string_view key);

    // Keys in file order, each once.
    std::vector<std::string> keys() const;
    const std::vector<std::string>& warnings() const { return warnings_; }
    const std::string& origin() const { return origin_; }

    std::string render() const;
    // Atomic write of render() to `path`.
    void save(const std::string& path) const;

    // KEY="value" with the quoting this format needs.
    static std::string format_line(std::string_view key, std::string_view value);

private:
    struct Line {
        std::string text;  // the line as read or written, without the newline
        std::string key;   // empty for comments, blank lines
        std::string value;
        bool shadowed = false;  // a later duplicate of an earlier key
    };
    void reindex();

    std::vector<Line> lines_;
    // key -> index in lines_ of its first occurrence; listings read thousands of keys.
    std::unordered_map<std::string, size_t> index_;
    std::vector<std::string> warnings_;
    std::string origin_;
    bool final_newline_ = true;
};

// Replace $VEID and ${VEID} by the container id.
std::string expand_veid(std::string_view text, unsigned ctid);

}  // namespace vz
