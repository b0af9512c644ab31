// SPDX-License-Identifier: Apache-2.0
// imap/response.cpp - reading untagged IMAP responses (see response.hpp)
#include "imap/response.hpp"
#include "core/strings.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace replyguard::imap {
namespace {

std::vector<std::string_view> lines(std::string_view text) {
    std::vector<std::string_view> out;
    while (!text.empty()) {
        auto nl = text.find('\n');
        auto line = text.substr(0, nl);
        if (line.ends_with('\r')) line.remove_suffix(1);
        out.push_back(line);
        if (nl == std::string_view::npos) break;
        text.remove_prefix(nl + 1);
    }
    return out;
}

/// A tiny tokenizer over one response line: atoms, quoted strings, parentheses.
class tokens {
public:
    explicit tokens(std::string_view s) : s_(s) {}
    void skip_space() {
        while (i_ < s_.size() && s_[i_] == ' ') ++i_;
    }
    bool done() {
        skip_space();
        return i_ >= s_.size();
    }
    char peek() {
        skip_space();
        return i_ < s_.size() ? s_[i_] : '\0';
    }
    bool eat(char c) {
        if (peek() != c) return false;
        ++i_;
        return true;
    }
    /// An atom or a quoted string (unescaped); "" at the end or before a parenthesis.
    std::string word() {
        skip_space();
        std::string out;
        if (i_ < s_.size() && s_[i_] == '"') {
            for (++i_; i_ < s_.size() && s_[i_] != '"'; ++i_) {
                if (s_[i_] == '\\' && i_ + 1 < s_.size()) ++i_;
                out += s_[i_];
            }
            if (i_ < s_.size()) ++i_;
            return out;
        }
        while (i_ < s_.size() && s_[i_] != ' ' && s_[i_] != '(' && s_[i_] != ')') out += s_[i_++];
        return out;
    }
    /// The words of a parenthesised list ("(" already eaten), up to the matching ")".
    std::vector<std::string> list_rest() {
        std::vector<std::string> out;
        while (!done() && !eat(')')) {
            if (eat('(')) {  // nested: skip
                (void)list_rest();
                continue;
            }
            auto w = word();
            if (w.empty() && peek() != ')' && peek() != '(')
                ++i_;  // stray character
            else if (!w.empty())
                out.push_back(std::move(w));
        }
        return out;
    }

private:
    std::string_view s_;
    std::size_t i_ = 0;
};

std::optional<std::uint32_t> to_u32(std::string_view s) {
    std::uint32_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc{} || p != s.data() + s.size()) return std::nullopt;
    return v;
}

}  // namespace

std::optional<mailbox_status> parse_status(std::string_view text) {
    for (auto line : lines(text)) {
        tokens t(line);
        if (t.word() != "*" || !ieq(t.word(), "STATUS")) continue;
        (void)t.word();  // mailbox
        if (!t.eat('(')) continue;
        auto items = t.list_rest();
        mailbox_status st;
        bool have_validity = false;
        for (std::size_t i = 0; i + 1 < items.size(); i += 2) {
            auto v = to_u32(items[i + 1]);
            if (!v) continue;
            if (ieq(items[i], "UIDVALIDITY"))
                st.uidvalidity = *v, have_validity = true;
            else if (ieq(items[i], "UIDNEXT"))
                st.uidnext = *v;
            else if (ieq(items[i], "MESSAGES"))
                st.messages = *v;
        }
        if (have_validity) return st;
    }
    return std::nullopt;
}

std::vector<std::uint32_t> parse_search(std::string_view text) {
    std::vector<std::uint32_t> out;
    for (auto line : lines(text)) {
        tokens t(line);
        if (t.word() != "*" || !ieq(t.word(), "SEARCH")) continue;
        for (auto w = t.word(); !w.empty(); w = t.word())
            if (auto v = to_u32(w); v && *v) out.push_back(*v);
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

std::vector<uid_flags> parse_fetch_flags(std::string_view text) {
    std::vector<uid_flags> out;
    for (auto line : lines(text)) {
        tokens t(line);
        if (t.word() != "*") continue;
        (void)t.word();  // sequence number
        if (!ieq(t.word(), "FETCH") || !t.eat('(')) continue;
        uid_flags u;
        bool have_uid = false, have_flags = false;
        while (!t.done() && !t.eat(')')) {
            auto key = t.word();
            if (key.empty()) break;
            if (ieq(key, "FLAGS") && t.eat('(')) {
                u.flags = t.list_rest();
                have_flags = true;
            } else if (ieq(key, "UID")) {
                if (auto v = to_u32(t.word())) u.uid = *v, have_uid = true;
            } else if (t.eat('(')) {
                (void)t.list_rest();
            } else {
                (void)t.word();
            }
        }
        if (have_uid && have_flags && u.uid) out.push_back(std::move(u));
    }
    return out;
}

std::vector<list_entry> parse_list(std::string_view text) {
    std::vector<list_entry> out;
    for (auto line : lines(text)) {
        tokens t(line);
        if (t.word() != "*" || !ieq(t.word(), "LIST") || !t.eat('(')) continue;
        list_entry e;
        e.attributes = t.list_rest();
        (void)t.word();                 // hierarchy delimiter (or NIL)
        if (t.peek() == '{') continue;  // a literal name: libcurl does not pass it on
        e.name = t.word();
        if (!e.name.empty()) out.push_back(std::move(e));
    }
    return out;
}

bool has_flag(const std::vector<std::string>& flags, std::string_view flag) {
    return std::any_of(flags.begin(), flags.end(), [&](const std::string& f) { return ieq(f, flag); });
}

}  // namespace replyguard::imap
