#include "config/conf_file.hpp"

#include "util/error.hpp"
#include "util/file.hpp"

namespace vz {
namespace {

bool blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

std::string_view trim(std::string_view s) {
    while (!s.empty() && blank(s.front())) s.remove_prefix(1);
    while (!s.empty() && blank(s.back())) s.remove_suffix(1);
    return s;
}

bool valid_key(std::string_view k) {
    if (k.empty() || (k[0] >= '0' && k[0] <= '9')) return false;
    for (char c : k)
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
    return true;
}

// The value part after '=': "quoted with \escapes" (optionally followed by a # comment) or bare to end of line.
// Returns an error text, empty on success.
std::string parse_value(std::string_view raw, std::string& out) {
    raw = trim(raw);
    out.clear();
    if (raw.empty() || raw.front() != '"') {
        for (size_t i = 0; i < raw.size(); ++i) {
            if (raw[i] == '\\' && i + 1 < raw.size()) ++i;
            out += raw[i];
        }
        return {};
    }
    size_t i = 1;
    for (; i < raw.size(); ++i) {
        if (raw[i] == '\\' && i + 1 < raw.size()) {
            out += raw[++i];
        } else if (raw[i] == '"') {
            break;
        } else {
            out += raw[i];
        }
    }
    if (i >= raw.size()) return "unterminated quoted value";
    auto rest = trim(raw.substr(i + 1));
    if (!rest.empty() && rest.front() != '#') return "unexpected text after the closing quote";
    return {};
}

}  // namespace

ConfFile ConfFile::parse(std::string_view text, const std::string& origin) {
    ConfFile f;
    f.origin_ = origin;
    f.final_newline_ = text.empty() || text.back() == '\n';
    size_t lineno = 0;
    while (!text.empty()) {
        auto nl = text.find('\n');
        std::string_view raw = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
        ++lineno;
        if (raw.size() > kConfMaxLine)
            fail(Exit::InvalidValue, "{}:{}: the line is longer than {} bytes", origin, lineno, kConfMaxLine);
        Line line{std::string(raw), {}, {}, false};
        auto body = trim(raw);
        if (!body.empty() && body.front() != '#') {
            auto eq = body.find('=');
            if (eq == std::string_view::npos)
                fail(Exit::InvalidValue, "{}:{}: expected NAME=\"value\": {}", origin, lineno, body);
            auto key = trim(body.substr(0, eq));
            if (!valid_key(key))
                fail(Exit::InvalidValue, "{}:{}: invalid parameter name '{}'", origin, lineno, key);
            auto err = parse_value(body.substr(eq + 1), line.value);
            if (!err.empty()) fail(Exit::InvalidValue, "{}:{}: {} for {}", origin, lineno, err, key);
            line.key = std::string(key);
            if (!f.index_.emplace(line.key, f.lines_.size()).second) {
                line.shadowed = true;
                f.warnings_.push_back(
                    fmt::format("{}:{}: {} is set again; the first value is used", origin, lineno, key));
            }
        }
        f.lines_.push_back(std::move(line));
    }
    return f;
}

std::optional<ConfFile> ConfFile::load(const std::string& path) {
    auto text = read_file(path, kConfMaxBytes);
    if (!text) return std::nullopt;
    if (text->size() > kConfMaxBytes) fail(Exit::InvalidValue, "{}: the file is larger than {} bytes", path, kConfMaxBytes);
    return parse(*text, path);
}

const std::string* ConfFile::get(std::string_view key) const {
    auto it = index_.find(std::string(key));
    return it == index_.end() ? nullptr : &lines_[it->second].value;
}

void ConfFile::reindex() {
    index_.clear();
    for (size_t i = 0; i < lines_.size(); ++i)
        if (!lines_[i].key.empty() && !lines_[i].shadowed) index_.emplace(lines_[i].key, i);
}

std::string ConfFile::format_line(std::string_view key, std::string_view value) {
    std::string s(key);
    s += "=\"";
    for (char c : value) {
        if (c == '"' || c == '\\') s += '\\';
        s += c;
    }
    s += '"';
    return s;
}

bool ConfFile::set(std::string_view key, const std::string& value) {
    if (auto it = index_.find(std::string(key)); it != index_.end()) {
        Line& l = lines_[it->second];
        if (l.value == value) return false;
        l.value = value;
        l.text = format_line(key, value);
        return true;
    }
    if (!final_newline_ && !lines_.empty()) final_newline_ = true;
    index_.emplace(std::string(key), lines_.size());
    lines_.push_back(Line{format_line(key, value), std::string(key), value, false});
    return true;
}

bool ConfFile::erase(std::string_view key) {
    auto n = lines_.size();
    std::erase_if(lines_, [&](const Line& l) { return l.key == key; });
    reindex();
    return n != lines_.size();
}

std::vector<std::string> ConfFile::keys() const {
    std::vector<std::string> out;
    for (auto& l : lines_)
        if (!l.key.empty() && !l.shadowed) out.push_back(l.key);
    return out;
}

std::string ConfFile::render() const {
    std::string out;
    for (size_t i = 0; i < lines_.size(); ++i) {
        out += lines_[i].text;
        if (i + 1 < lines_.size() || final_newline_) out += '\n';
    }
    return out;
}

void ConfFile::save(const std::string& path) const { write_file_atomic(path, render()); }

std::string expand_veid(std::string_view text, unsigned ctid) {
    std::string out;
    auto id = std::to_string(ctid);
    for (size_t i = 0; i < text.size();) {
        if (text.substr(i, 5) == "$VEID") {
            out += id;
            i += 5;
        } else if (text.substr(i, 7) == "${VEID}") {
            out += id;
            i += 7;
        } else {
            out += text[i++];
        }
    }
    return out;
}

}  // namespace vz
