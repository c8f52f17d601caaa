// A strict little JSON reader (RFC 8259) for checking what vzlist -j prints: parse_json returns nullopt on any
// syntax error or a string that is not UTF-8 (section 8.1), else the document.
#pragma once

#include <cstdlib>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vztest {

struct Json {
    enum class Type { Null, Bool, Number, String, Array, Object } type = Type::Null;
    bool boolean = false;
    double number = 0;
    std::string text;  // String: the decoded value; Number: the literal
    std::vector<Json> items;
    std::map<std::string, Json> members;
    std::vector<std::string> keys;  // Object: member names in document order, repeats included
};

namespace json_detail {

class Reader {
public:
    explicit Reader(std::string_view s) : s_(s) {}

    std::optional<Json> document() {
        auto v = value();
        space();
        if (!v || i_ != s_.size()) return std::nullopt;
        return v;
    }

private:
    std::string_view s_;
    size_t i_ = 0;
    int depth_ = 0;

    void space() {
        while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) ++i_;
    }
    bool eat(char c) {
        space();
        if (i_ < s_.size() && s_[i_] == c) {
            ++i_;
            return true;
        }
        return false;
    }
    bool literal(std::string_view word) {
        if (s_.substr(i_, word.size()) != word) return false;
        i_ += word.size();
        return true;
    }

    std::optional<Json> value() {
        space();
        if (i_ >= s_.size() || depth_ >= 64) return std::nullopt;
        ++depth_;
        std::optional<Json> v;
        Json j;
        char c = s_[i_];
        if (c == '{') v = object();
        else if (c == '[') v = array();
        else if (c == '"') {
            j.type = Json::Type::String;
            if (string(j.text)) v = j;
        } else if (literal("true")) {
            j.type = Json::Type::Bool;
            j.boolean = true;
            v = j;
        } else if (literal("false")) {
            j.type = Json::Type::Bool;
            v = j;
        } else if (literal("null")) {
            v = j;
        } else {
            v = number();
        }
        --depth_;
        return v;
    }

    std::optional<Json> number() {
        size_t start = i_;
        auto digits = [&] {
            size_t from = i_;
            while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') ++i_;
            return i_ > from;
        };
        if (i_ < s_.size() && s_[i_] == '-') ++i_;
        if (i_ < s_.size() && s_[i_] == '0') ++i_;
        else if (!digits()) return std::nullopt;
        if (i_ < s_.size() && s_[i_] == '.' && (++i_, !digits())) return std::nullopt;
        if (i_ < s_.size() && (s_[i_] == 'e' || s_[i_] == 'E')) {
            ++i_;
            if (i_ < s_.size() && (s_[i_] == '+' || s_[i_] == '-')) ++i_;
            if (!digits()) return std::nullopt;
        }
        Json j;
        j.type = Json::Type::Number;
        j.text = std::string(s_.substr(start, i_ - start));
        j.number = std::strtod(j.text.c_str(), nullptr);
        return j;
    }

    bool string(std::string& out) {
        ++i_;  // opening quote
        while (i_ < s_.size()) {
            auto c = static_cast<unsigned char>(s_[i_++]);
            if (c == '"') return true;
            if (c < 0x20) return false;
            if (c >= 0x80) {
                auto n = utf8_sequence(i_ - 1);
                if (!n) return false;
                out.append(s_.substr(i_ - 1, n));
                i_ += n - 1;
                continue;
            }
            if (c != '\\') {
                out += static_cast<char>(c);
                continue;
            }
            if (i_ >= s_.size()) return false;
            char e = s_[i_++];
            switch (e) {
                case '"': out += '"'; break;
                case '\\': out += '\\'; break;
                case '/': out += '/'; break;
                case 'b': out += '\b'; break;
                case 'f': out += '\f'; break;
                case 'n': out += '\n'; break;
                case 'r': out += '\r'; break;
                case 't': out += '\t'; break;
                case 'u': {
                    if (i_ + 4 > s_.size()) return false;
                    unsigned cp = 0;
                    for (int k = 0; k < 4; ++k) {
                        char h = s_[i_++];
                        cp <<= 4;
                        if (h >= '0' && h <= '9') cp |= static_cast<unsigned>(h - '0');
                        else if (h >= 'a' && h <= 'f') cp |= static_cast<unsigned>(h - 'a' + 10);
                        else if (h >= 'A' && h <= 'F') cp |= static_cast<unsigned>(h - 'A' + 10);
                        else return false;
                    }
                    if (cp >= 0x80) return false;  // vzlist only escapes control characters
                    out += static_cast<char>(cp);
                    break;
                }
                default: return false;
            }
        }
        return false;
    }

    // The length of the well-formed UTF-8 sequence at s_[at] (RFC 3629: no overlong forms, no surrogates, nothing
    // past U+10FFFF), or 0.
    size_t utf8_sequence(size_t at) const {
        auto byte = [&](size_t k) { return at + k < s_.size() ? static_cast<unsigned char>(s_[at + k]) : 0u; };
        unsigned c = byte(0), lo = 0x80, hi = 0xBF;
        size_t n = 0;
        if (c >= 0xC2 && c <= 0xDF) n = 2;
        else if (c >= 0xE0 && c <= 0xEF) n = 3, lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
        else if (c >= 0xF0 && c <= 0xF4) n = 4, lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
        else return 0;
        for (size_t k = 1; k < n; ++k, lo = 0x80, hi = 0xBF)
            if (byte(k) < lo || byte(k) > hi) return 0;
        return n;
    }

    std::optional<Json> array() {
        ++i_;
        Json j;
        j.type = Json::Type::Array;
        if (eat(']')) return j;
        do {
            auto v = value();
            if (!v) return std::nullopt;
            j.items.push_back(std::move(*v));
        } while (eat(','));
        if (!eat(']')) return std::nullopt;
        return j;
    }

    std::optional<Json> object() {
        ++i_;
        Json j;
        j.type = Json::Type::Object;
        if (eat('}')) return j;
        do {
            space();
            std::string key;
            if (i_ >= s_.size() || s_[i_] != '"' || !string(key) || !eat(':')) return std::nullopt;
            auto v = value();
            if (!v) return std::nullopt;
            j.keys.push_back(key);
            j.members.emplace(key, std::move(*v));
        } while (eat(','));
        if (!eat('}')) return std::nullopt;
        return j;
    }
};

}  // namespace json_detail

inline std::optional<Json> parse_json(std::string_view text) { return json_detail::Reader(text).document(); }

}  // namespace vztest
