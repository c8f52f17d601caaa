#include "ubc/report.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>

#include "util/dir.hpp"
#include "util/error.hpp"
#include "util/fd.hpp"
#include "util/file.hpp"

namespace vz {
namespace {

constexpr std::string_view kVersion = "2.5";
// The kernel's seq_file format (64-bit): "<uid>:" right-aligned in 10 on a block's first row (blank on the
// others), two blanks, the resource left-aligned in 12, each number right-aligned in 20.
constexpr const char* kRowFormat = "{:>10}  {:<12} {:>20} {:>20} {:>20} {:>20} {:>20}\n";

constexpr const char* kColorHeader = "\033[1;32m";
constexpr const char* kColorOver = "\033[1;31m";
constexpr const char* kColorNear = "\033[1;33m";
constexpr const char* kColorNormal = "\033[0;39m";

bool is_pages(std::string_view resource) {
    auto* r = find_ubc(resource);
    return r ? r->unit == Unit::Pages : resource.ends_with("pages");
}

uint64_t value_or_zero(const std::optional<uint64_t>& v) { return v.value_or(0); }

void append_row(std::string& out, const std::string& uid, bool first, const UbcRecord& r) {
    // A block read without an id (rows before the first "<uid>:") is printed without one: a bare ":" reads back as
    // a malformed line.
    out += fmt::format(kRowFormat, first && !uid.empty() ? uid + ":" : "", r.resource, r.held, r.maxheld, r.barrier,
                       r.limit, r.failcnt);
}

std::string cformat(const char* format, double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, format, v);
    return buf;
}

std::string dashes(size_t n) { return std::string(n, '-'); }

bool visible(const UbcRecord& r, UbcLevel level, const std::optional<int64_t>& delta, const UbcTableOptions& opt) {
    if (delta && *delta != 0) return true;
    if (opt.quiet && level == UbcLevel::Normal) return false;
    return opt.verbose || !ubc_is_unlimited(r.barrier);
}

std::string held_delta_text(std::string_view resource, const std::optional<int64_t>& delta, unsigned page_kib) {
    if (!delta || *delta == 0) return std::string(7, ' ');
    auto magnitude = *delta < 0 ? 0 - static_cast<uint64_t>(*delta) : static_cast<uint64_t>(*delta);
    return fmt::format("{:>7}", fmt::format("{}{}", *delta < 0 ? '-' : '+', ubc_human(resource, magnitude, page_kib)));
}

std::optional<uint64_t> read_saved(const std::string& path) {
    auto text = read_file(path);
    if (!text) return std::nullopt;
    while (!text->empty() && (text->back() == '\n' || text->back() == ' ')) text->pop_back();
    return parse_uint(*text);
}

void save(const std::string& path, uint64_t v) {
    Fd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    auto text = std::to_string(v) + "\n";
    if (!fd || ::write(fd.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size()))
        fail(Exit::System, "can't write {}: {}", path, errno_text(errno));
}

}  // namespace

UbcBlock ubc_block(unsigned ctid, const UbcStats& stats, const CtConfig* cfg) {
    UbcBlock b;
    b.uid = std::to_string(ctid);
    auto res = ubc_resources();
    for (size_t i = 0; i < res.size(); ++i) {
        if (!ubc_listed(res[i])) continue;
        UbcRecord r;
        r.resource = std::string(res[i].name);
        if (i < stats.size()) {
            r.held = value_or_zero(stats[i].held);
            // Where the kernel keeps no peak, the current value is the best lower bound of it.
            r.maxheld = std::max(value_or_zero(stats[i].maxheld), r.held);
            r.failcnt = value_or_zero(stats[i].failcnt);
        }
        if (auto pair = cfg ? ubc_limit(*cfg, i, &stats) : std::nullopt) {
            r.barrier = pair->barrier;
            r.limit = pair->limit;
        }
        b.rows.push_back(std::move(r));
    }
    return b;
}

std::string format_ubc_raw(const std::vector<UbcBlock>& blocks) {
    std::string out = fmt::format("Version: {}\n", kVersion);
    out += fmt::format(kRowFormat, "uid", "resource", "held", "maxheld", "barrier", "limit", "failcnt");
    auto res = ubc_resources();
    int last_id = 0;
    for (auto& r : res) last_id = std::max(last_id, r.kernel_id);
    for (auto& b : blocks) {
        bool first = true;
        auto emit = [&](const UbcRecord& r) {
            append_row(out, b.uid, first, r);
            first = false;
        };
        for (int id = 0; id <= last_id; ++id) {
            auto known = std::find_if(res.begin(), res.end(), [id](auto& r) { return r.kernel_id == id; });
            if (known == res.end()) {
                emit(UbcRecord{"dummy", 0, 0, 0, 0, 0});
                continue;
            }
            for (auto& r : b.rows)
                if (r.resource == known->name) emit(r);
        }
        for (auto& r : b.rows) {
            auto* known = find_ubc(r.resource);
            if (!known || !ubc_listed(*known)) emit(r);
        }
    }
    return out;
}

std::vector<UbcBlock> parse_ubc_raw(std::string_view text) {
    // The kernel's names: a uid is a number, a resource an identifier. Anything else would not print back the
    // same (a resource "x:" reads as a uid), and both name the files of -r and -i.
    auto every = [](std::string_view s, auto pred) { return !s.empty() && std::all_of(s.begin(), s.end(), pred); };
    auto digit = [](char c) { return c >= '0' && c <= '9'; };
    auto name_char = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
    std::vector<UbcBlock> blocks;
    size_t line_no = 0;
    for (auto& line : split(text, "\n")) {
        ++line_no;
        auto words = split(line, " \t");
        if (words.empty()) continue;
        if (words[0] == "Version:") {
            if (words.size() != 2 || words[1] != kVersion)
                fail(Exit::InvalidValue, "unknown beancounter file version: {} (expected {})",
                     words.size() > 1 ? words[1] : "none", kVersion);
            continue;
        }
        if (words[0] == "uid" && words.size() > 1 && words[1] == "resource") continue;
        size_t first = 0;
        bool ok = true;
        if (words[0].size() > 1 && words[0].back() == ':') {
            auto uid = words[0].substr(0, words[0].size() - 1);
            ok = every(uid, digit);
            blocks.push_back(UbcBlock{uid, {}});
            first = 1;
        }
        std::optional<uint64_t> n[5];
        ok = ok && words.size() == first + 6 && every(words[first], name_char);
        for (size_t i = 0; ok && i < 5; ++i) ok = (n[i] = parse_uint(words[first + 1 + i])).has_value();
        if (!ok) fail(Exit::InvalidValue, "malformed line {} of the beancounter file: {}", line_no, line);
        if (words[first] == "dummy") continue;
        if (blocks.empty()) blocks.push_back(UbcBlock{});
        blocks.back().rows.push_back(UbcRecord{words[first], *n[0], *n[1], *n[2], *n[3], *n[4]});
    }
    return blocks;
}

std::string ubc_human(std::string_view resource, uint64_t v, unsigned page_kib) {
    if (v == 0 || ubc_is_unlimited(v)) return "- ";
    constexpr std::string_view kLetters = " KMGTPEZY";
    size_t unit = 0;
    auto x = static_cast<double>(v);
    if (is_pages(resource)) {
        x *= page_kib;
        unit = 1;
    }
    while (x >= 1024 && unit + 1 < kLetters.size()) {
        x /= 1024;
        ++unit;
    }
    if (x < 100) return cformat("%.3g", x) + kLetters[unit];
    return std::to_string(static_cast<uint64_t>(x)) + kLetters[unit];
}

std::string ubc_percent(uint64_t part, uint64_t whole) {
    if (whole == 0 || ubc_is_unlimited(whole)) return "- ";
    // Rounded to one decimal first; one significant digit below 10%, whole percents above.
    double r = std::round(static_cast<double>(part) / static_cast<double>(whole) * 1000.0) / 10.0;
    if (r == 0) return "- ";
    if (r >= 9.5 && r < 10) r = 10;
    // Truncated; as a double, since a read file's held can be 10^17 times its barrier (past uint64_t).
    return (r < 10 ? cformat("%.1g", r) : fmt::format("{:.0f}", std::trunc(r))) + "%";
}

UbcThresholds ubc_thresholds(double held, double maxheld) {
    if (!(held >= 0) || !(maxheld >= 0))
        fail(Exit::InvalidValue, "quiet thresholds must be ratios or percentages >= 0");
    UbcThresholds t{held > 1 ? held / 100 : held, maxheld > 1 ? maxheld / 100 : maxheld};
    t.held = std::min(t.held, t.maxheld);
    return t;
}

UbcLevel ubc_level(const UbcRecord& r, const UbcThresholds& t) {
    if (r.failcnt > 0) return UbcLevel::Over;
    uint64_t bound = r.barrier == 0 ? r.limit : r.barrier;
    if (ubc_is_unlimited(bound)) return UbcLevel::Normal;
    if (r.held > bound) return UbcLevel::Over;
    auto b = static_cast<double>(bound);
    if (static_cast<double>(r.held) > b * t.held || static_cast<double>(r.maxheld) > b * t.maxheld)
        return UbcLevel::Near;
    return UbcLevel::Normal;
}

std::string render_ubc_table(const std::vector<UbcBlock>& blocks, const UbcTableOptions& opt) {
    bool inc = static_cast<bool>(opt.held_delta);
    size_t held_width = inc ? 24 : 17;
    size_t width = 13 + 1 + held_width + 1 + 17 + 1 + 5 + 1 + 5 + 1 + 6;
    std::string out;
    auto paint = [&](const char* color, const std::string& text) {
        return opt.color ? color + text + kColorNormal : text;
    };
    for (auto& b : blocks) {
        std::string rows;
        for (auto& r : b.rows) {
            auto level = ubc_level(r, opt.thresholds);
            auto delta = inc ? opt.held_delta(b.uid, r) : std::nullopt;
            if (!visible(r, level, delta, opt)) continue;
            auto h = [&](uint64_t v) { return ubc_human(r.resource, v, opt.page_kib); };
            auto row = fmt::format("{:>13}|{:>5}{} {:>5} {:>5}|{:>5} {:>5} {:>5}|{:>5}|{:>5}| {:>5}", r.resource,
                                   h(r.held), inc ? held_delta_text(r.resource, delta, opt.page_kib) : "",
                                   ubc_percent(r.held, r.barrier), ubc_percent(r.held, r.limit), h(r.maxheld),
                                   ubc_percent(r.maxheld, r.barrier), ubc_percent(r.maxheld, r.limit), h(r.barrier),
                                   h(r.limit), ubc_human("", r.failcnt, opt.page_kib));
            rows += level == UbcLevel::Normal ? row : paint(level == UbcLevel::Over ? kColorOver : kColorNear, row);
            rows += '\n';
        }
        if (rows.empty()) continue;
        if (!out.empty()) out += '\n';
        auto header = dashes(width) + '\n';
        header += fmt::format("CT {:<10}| HELD{}  Bar%  Lim%| MAXH  Bar%  Lim%| BAR | LIM |{}FAIL\n", b.uid,
                              inc ? "  +/-  " : "", opt.relative ? '+' : ' ');
        header += fmt::format("{}+{}+{}+{}+{}+{}", dashes(13), dashes(held_width), dashes(17), dashes(5), dashes(5),
                              dashes(6));
        out += paint(kColorHeader, header) + '\n' + rows;
    }
    if (!out.empty()) out += dashes(width) + '\n';
    return out;
}

std::string UbcStore::path(const std::string& uid, const UbcRecord& r, std::string_view kind) const {
    return fmt::format("{}/ubc.{}.{}.{}", dir_, uid, r.resource, kind);
}

void UbcStore::prepare() const {
    make_dirs(dir_, 0700);
    auto probe = dir_ + "/ubc.test";
    save(probe, 0);
    ::unlink(probe.c_str());
}

void UbcStore::clear(std::string_view kind) const {
    Dir d(dir_);
    auto suffix = fmt::format(".{}", kind);
    while (auto* e = d.next()) {
        std::string_view n = e->d_name;
        if (n.starts_with("ubc.") && n.ends_with(suffix)) ::unlink((dir_ + "/" + e->d_name).c_str());
    }
}

uint64_t UbcStore::relative_failcnt(const std::string& uid, const UbcRecord& r) const {
    auto file = path(uid, r, "failcnt");
    auto old = read_saved(file);
    if (old != r.failcnt) save(file, r.failcnt);
    return old && *old <= r.failcnt ? r.failcnt - *old : r.failcnt;
}

std::optional<int64_t> UbcStore::held_delta(const std::string& uid, const UbcRecord& r) const {
    auto file = path(uid, r, "held");
    auto old = read_saved(file);
    if (old != r.held) save(file, r.held);
    if (!old) return std::nullopt;
    // Without overflow: a read file's held can be any 64-bit number. A change past INT64_MAX is shown as that.
    bool up = r.held >= *old;
    auto magnitude = static_cast<int64_t>(std::min<uint64_t>(up ? r.held - *old : *old - r.held, INT64_MAX));
    return up ? magnitude : -magnitude;
}

}  // namespace vz
