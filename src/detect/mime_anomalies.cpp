// SPDX-License-Identifier: Apache-2.0
// detect/mime_anomalies.cpp - scores structural damage that mail clients would not produce
//
// DESCRIPTION
//   The parser lists anomalies as data (mime/parser.hpp). Most are harmless
//   in real mail (8-bit headers are common in Japanese mail, for instance) and
//   are only reported; a few are typical of hand-made or evasive mail and are
//   scored, lightly: on their own they never make a message suspicious.
#include "detect/detector.hpp"
#include "mime/message.hpp"

#include <array>

namespace replyguard::detect {
namespace {

constexpr std::array k_symbols{
    symbol_info{"MIME_DUPLICATE_FROM", "mime", 1.5, "more than one From header or mailbox",
                "From ヘッダまたは差出人が複数ある"},
    symbol_info{"MIME_NESTING_ABUSE", "mime", 2.0, "MIME nesting or part count beyond the configured limit",
                "MIME の入れ子または部品数が上限を超えている"},
    symbol_info{"MIME_BROKEN_STRUCTURE", "mime", 0.5, "broken MIME structure (missing or unterminated boundary)",
                "MIME 構造が壊れている(境界の欠落・未終端)"},
    symbol_info{"MIME_NUL_BYTES", "mime", 0.5, "NUL bytes in the message", "メッセージに NUL バイトが含まれる"},
    // Oversized input is itself evidence (header floods push From out of reach of
    // filters that stop at a size limit); the parser kept identity fields and cut
    // the rest (mime/parser.cpp bound_headers), so the detectors still ran.
    symbol_info{"MIME_SIZE_LIMIT", "mime", 2.0,
                "message, header block or a header field beyond the configured size limit (cut for analysis)",
                "メッセージ・ヘッダ全体・ヘッダ欄のいずれかがサイズ上限を超えている(解析のため切り詰めた)"},
};

class mime_anomalies final : public detector {
public:
    std::string_view name() const override { return "mime_anomalies"; }
    std::span<const symbol_info> symbols() const override { return k_symbols; }
    void run(const scan_context& ctx, finding_sink& out) const override {
        const auto& m = ctx.msg;
        if (m.header_count("From") > 1 || m.from_all.size() > 1)
            out.emit(k_symbols[0], "the message names more than one sender",
                     {{"from_headers", m.header_count("From")}, {"from_mailboxes", m.from_all.size()}});
        for (const auto& a : m.anomalies) {
            if (a.id == "MIME_TOO_DEEP" || a.id == "MIME_TOO_MANY_PARTS")
                out.emit(k_symbols[1], a.detail, {{"anomaly", a.id}});
            else if (a.id == "MIME_MISSING_BOUNDARY" || a.id == "MIME_UNTERMINATED_MULTIPART")
                out.emit(k_symbols[2], a.detail, {{"anomaly", a.id}});
            else if (a.id == "NUL_BYTES")
                out.emit(k_symbols[3], a.detail, {{"anomaly", a.id}});
            else if (a.id == "MIME_TRUNCATED" || a.id == "HEADER_TOO_LONG" || a.id == "HEADER_FIELD_TOO_LONG")
                out.emit(k_symbols[4], a.detail, {{"anomaly", a.id}});
        }
    }
};

}  // namespace

std::unique_ptr<detector> make_mime_anomalies() { return std::make_unique<mime_anomalies>(); }

}  // namespace replyguard::detect
