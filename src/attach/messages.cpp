// SPDX-License-Identifier: Apache-2.0
// attach/messages.cpp - attached messages (message/rfc822, .msg, TNEF) and winmail.dat files.
#include "attach/messages.hpp"
#include "core/strings.hpp"

#include "attach/internal.hpp"
#include "mime/message.hpp"
#include "outlook/mapi.hpp"
#include "outlook/msg.hpp"
#include "outlook/tnef.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>

namespace replyguard::attach {

namespace {

const std::array<symbol_info, 3> k_symbols{
    symbol_info{"ATTACHED_MESSAGE_MALICIOUS", "attached", 10.0,
                "a message attached to this one (forwarded as an attachment, .msg, winmail.dat) is malicious",
                "添付されたメッセージ（添付として転送、.msg、winmail.dat）が悪性と判定された"},
    symbol_info{"ATTACHED_MESSAGE_SUSPICIOUS", "attached", 5.0,
                "a message attached to this one (forwarded as an attachment, .msg, winmail.dat) is suspicious",
                "添付されたメッセージ（添付として転送、.msg、winmail.dat）が疑わしいと判定された"},
    symbol_info{"TNEF_UNREADABLE", "mime", 1.0, "a winmail.dat (TNEF) attachment could not be opened",
                "winmail.dat（TNEF）添付ファイルを開けなかった"},
};

bool is_tnef_attachment(const mime::attachment& a) { return outlook::is_tnef(a.data); }

}  // namespace

const symbol_info& attached_malicious_symbol() { return k_symbols[0]; }
const symbol_info& attached_suspicious_symbol() { return k_symbols[1]; }
std::vector<symbol_info> message_symbols() { return {k_symbols.begin(), k_symbols.end()}; }

std::vector<attached_message> attached_messages(const mime::message& m) {
    std::vector<attached_message> out;
    for (std::size_t i = 0; i < m.attachments.size() && out.size() < k_max_attached_messages; ++i) {
        const auto& a = m.attachments[i];
        const std::string declared = lower(a.declared_type);
        const std::string name = lower(a.filename);
        if (declared == "message/rfc822" || declared == "message/global" ||
            (name.ends_with(".eml") && a.data.find(':') != std::string::npos)) {
            out.push_back({i, "rfc822", a.filename, a.data, {}});
        } else if (outlook::is_ole2(a.data) && outlook::looks_like_msg(a.data)) {
            auto r = outlook::msg_to_rfc822(a.data, a.data.size() * 4 + (1u << 20));
            attached_message am{i, "msg", a.filename, {}, {}};
            if (r)
                am.bytes = std::move(*r);
            else
                am.error = r.error().message;
            out.push_back(std::move(am));
        } else if (is_tnef_attachment(a)) {
            auto t = outlook::read_tnef(a.data);
            if (!t) continue;  // reported by analyse_tnef
            for (auto& msg : t->messages) {
                if (out.size() >= k_max_attached_messages) break;
                out.push_back({i, "tnef", a.filename, std::move(msg), {}});
            }
        }
    }
    return out;
}

bool analyse_tnef(const file_view& f, analysis_state& st, attachment_report& rep) {
    if (!outlook::is_tnef(f.data)) return false;
    auto t = outlook::read_tnef(f.data);
    if (!t) {
        emit(rep, k_symbols[2], t.error().message, nlohmann::json::object(), f.path);
        return true;
    }
    nlohmann::json files = nlohmann::json::array();
    for (const auto& tf : t->files) {
        if (st.expired()) break;
        file_view child;
        child.name = tf.name;
        child.data = tf.data;
        child.path = f.path + "/" + (tf.name.empty() ? std::string("attachment") : tf.name);
        child.depth = f.depth + 1;
        nlohmann::json rec = nlohmann::json::object();
        rec["name"] = tf.name;
        rec["size"] = tf.data.size();
        analyse_file(child, st, rep, &rec);
        files.push_back(std::move(rec));
    }
    rep.details["tnef_files"] = std::move(files);
    if (!t->messages.empty()) rep.details["tnef_messages"] = t->messages.size();
    return true;
}

}  // namespace replyguard::attach
