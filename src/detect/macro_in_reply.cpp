// SPDX-License-Identifier: Apache-2.0
// detect/macro_in_reply.cpp - a macro document arriving as a reply
//
// DESCRIPTION
//   Business replies carry documents, but seldom macro-enabled ones: a reply
//   (reply prefix, not a forward) whose attachment - or a file inside an
//   attached archive - holds VBA or Excel 4.0 macros was the 2019-2020
//   返信型Emotet payload. A payload signal, not a hijack signal: on its own it
//   makes the message suspicious, and it adds to the hijack findings when
//   there are any (HIJACK_WITH_PAYLOAD).
#include "attach/ids.hpp"
#include "attach/report.hpp"
#include "detect/detector.hpp"
#include "mime/message.hpp"

#include <fmt/format.h>

#include <array>

namespace replyguard::detect {
namespace {

constexpr std::array k_symbols{
    symbol_info{"MACRO_DOCUMENT_IN_REPLY", "payload", 3.0, "a reply carrying a document with macros",
                "返信メールにマクロ付き文書が添付されている"},
};

class macro_in_reply final : public detector {
public:
    std::string_view name() const override { return "macro_in_reply"; }
    std::span<const symbol_info> symbols() const override { return k_symbols; }
    void run(const scan_context& ctx, finding_sink& out) const override {
        if (!ctx.msg.subject.is_reply()) return;
        for (const auto& rep : ctx.attachments)
            for (const auto& f : rep.findings)
                if (f.id == attach::ids::OFFICE_VBA_MACRO || f.id == attach::ids::OFFICE_XLM_MACRO) {
                    std::string name =
                        rep.index < ctx.msg.attachments.size() ? ctx.msg.attachments[rep.index].filename : "";
                    out.emit(k_symbols[0],
                             fmt::format("reply \"{}\" carries {} ({})", ctx.msg.subject.decoded,
                                         name.empty() ? "an attachment" : name, f.id),
                             {{"attachment", name}, {"finding", f.id}, {"subject", ctx.msg.subject.decoded}});
                    return;
                }
    }
};

}  // namespace

std::unique_ptr<detector> make_macro_in_reply() { return std::make_unique<macro_in_reply>(); }

}  // namespace replyguard::detect
