// SPDX-License-Identifier: Apache-2.0
// attach/analyse.cpp - the attachment dispatcher
//
// DESCRIPTION
//   For every attachment of a message: collect candidate passwords from the new
//   text (then the caller's extra ones), then analyse the attachment as a file:
//   sniff it (libmagic), offer it to the Office analysers, open it if it is an
//   archive (members come back here, one level deeper), run the dangerous-type
//   checks and the IOC lists / YARA rules. Findings of members land in the
//   top-level attachment's report with the member path in their evidence; the
//   inner file list goes to rep.details["members"].
// LIMITS
//   limits::archive_bytes is one budget for the whole message; the other archive
//   limits are enforced per archive in archive.cpp; passwords_tried caps the
//   candidate list.
#include "attach/file.hpp"
#include "attach/internal.hpp"
#include "attach/messages.hpp"
#include "attach/passwords.hpp"
#include "attach/report.hpp"

#include <fmt/format.h>
#include "core/digest.hpp"
#include "core/strings.hpp"
#include "mime/charset.hpp"
#include "mime/magic.hpp"
#include "mime/message.hpp"

#include <algorithm>
#include <cctype>

namespace replyguard::attach {

namespace {
const symbol_info k_timeout{"ANALYSIS_TIMEOUT", "limits", 1.0,
                            "attachment analysis stopped at the per-message time limit",
                            "メッセージあたりの解析時間の上限で添付ファイルの解析を打ち切った"};
// A byte or count allowance (decompressed bytes, decoded VBA, XML tags) or memory
// ran out: part of the attachment was not looked at. Scored like the timeout; the
// result is marked incomplete for the front-end's incomplete-analysis action.
const symbol_info k_limit{"ANALYSIS_LIMIT", "limits", 1.0,
                          "attachment analysis stopped at a per-message limit (bytes, memory or count)",
                          "メッセージあたりの上限(バイト数・メモリ・件数)で添付ファイルの解析を打ち切った"};
}  // namespace

void limit_stop(analysis_state& st, attachment_report& rep, bool timeout, std::string detail, std::string_view path) {
    const auto& sym = timeout ? k_timeout : k_limit;
    if (st.opt && st.opt->bud) st.opt->bud->hit(sym.id, detail);
    for (const auto& f : rep.findings)
        if (f.id == sym.id) return;
    nlohmann::json ev = nlohmann::json::object();
    if (timeout) ev["limit_ms"] = st.lim.message_millis;
    emit(rep, sym, std::move(detail), std::move(ev), path);
}

bool out_of_time(analysis_state& st, attachment_report& rep, std::string_view what, std::string_view path) {
    if (!st.expired()) return false;
    limit_stop(st, rep, true,
               fmt::format("{} stopped at the per-message time limit ({} ms)", what, st.lim.message_millis), path);
    return true;
}

namespace {

// libmagic needs only the head of a file for its tests; bounding it keeps a large
// attachment from costing a full scan of text heuristics.
constexpr std::size_t k_sniff_bytes = 1u << 20;

std::string classify(std::string_view sniffed_in, std::string_view data) {
    const std::string sniffed = lower(sniffed_in);
    auto has = [&](std::string_view s) { return sniffed.find(s) != std::string::npos; };
    if (data.starts_with("MZ")) return "pe";
    if (data.starts_with("\x7f"
                         "ELF"))
        return "elf";
    if (is_document_container(sniffed_in, data)) return "ooxml";
    if (has("zip")) return "zip";
    if (has("x-7z")) return "7z";
    if (has("rar")) return "rar";
    if (has("gzip") || has("bzip2") || has("x-xz") || has("zstd") || has("lzma")) return "compressed";
    if (has("x-tar")) return "tar";
    if (has("iso9660")) return "iso";
    if (has("vnd.ms-cab")) return "cab";
    if (has("pdf")) return "pdf";
    if (has("html")) return "html";
    if (has("msword") || has("ms-excel") || has("ms-powerpoint") || has("x-ole-storage") || has("CDFV2")) return "ole2";
    if (has("onenote")) return "onenote";
    if (data.starts_with("\x78\x9F\x3E\x22")) return "tnef";
    if (has("ms-outlook")) return "outlook-msg";
    if (has("text/")) return "text";
    if (has("image/")) return "image";
    return "other";
}

// Replace bytes that are not UTF-8 by U+FFFD. Names inside archives, lines of a
// mislabelled body: JSON output must not fail on them.
std::string to_valid_utf8(const std::string& s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size();) {
        auto c = static_cast<unsigned char>(s[i]);
        std::size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
        bool ok = len && i + len <= s.size();
        for (std::size_t k = 1; ok && k < len; ++k) ok = (static_cast<unsigned char>(s[i + k]) >> 6) == 2;
        if (ok) {
            out.append(s, i, len);
            i += len;
        } else {
            out += "\xEF\xBF\xBD";
            ++i;
        }
    }
    return out;
}

void sanitize(nlohmann::json& j) {
    if (j.is_string()) {
        const auto& s = j.get_ref<const std::string&>();
        if (!mime::is_valid_utf8(s)) j = to_valid_utf8(s);
    } else if (j.is_structured()) {
        for (auto& v : j) sanitize(v);
    }
}

}  // namespace

bool is_document_container(std::string_view sniffed_in, std::string_view data) {
    const std::string sniffed = lower(sniffed_in);
    for (std::string_view t :
         {"openxmlformats", "macroenabled", "ms-visio", "oasis.opendocument", "ms-xpsdocument", "epub+zip"})
        if (sniffed.find(t) != std::string::npos) return true;
    // libmagic names some OOXML files plain "application/zip"; the package's content
    // types part is near the front of every OOXML zip.
    return data.starts_with("PK\x03\x04") && data.substr(0, 4096).find("[Content_Types].xml") != std::string_view::npos;
}

std::string sniff_type(std::string_view data) {
    if (data.empty()) return {};
    return mime::magic_type(data.substr(0, k_sniff_bytes));  // one handle a thread (mime/magic.hpp)
}

void emit(attachment_report& rep, const symbol_info& sym, std::string detail, nlohmann::json evidence,
          std::string_view path) {
    if (evidence.is_null()) evidence = nlohmann::json::object();
    if (!path.empty() && evidence.is_object() && !evidence.contains("path")) evidence["path"] = std::string(path);
    rep.findings.push_back(
        {std::string(sym.id), std::string(sym.group), sym.score, std::move(detail), std::move(evidence)});
}

void analyse_file(const file_view& in, analysis_state& st, attachment_report& rep, nlohmann::json* record,
                  std::string_view declared) {
    file_view f = in;
    if (f.sniffed.empty()) f.sniffed = sniff_type(f.data);
    std::string digest = sha256_hex(f.data);
    const std::size_t first_finding = rep.findings.size();
    nlohmann::json analysers = nlohmann::json::array();

    if (f.depth == 0 && rep.kind.empty()) rep.kind = classify(f.sniffed, f.data);

    // Office first: an OOXML document is a zip, but must be read as a document.
    bool office = analyse_office(f, st, rep);
    if (office) analysers.push_back("office");
    // Office containers that the Office analysers did not take (placeholder, or a
    // format they refuse) are still not archives to unpack member by member.
    if (!office && !is_document_container(f.sniffed, f.data) && is_archive_type(f.sniffed, f.data)) {
        if (analyse_archive(f, st, rep)) analysers.push_back("archive");
    }
    // winmail.dat: its files are analysed like archive members (attach/messages.hpp).
    if (!office && analyse_tnef(f, st, rep)) analysers.push_back("tnef");
    check_dangerous(f, declared, st, rep);
    analysers.push_back("dangerous");
    check_iocs(f, digest, st, rep);
    analysers.push_back("ioc");

    if (record) {
        (*record)["type"] = f.sniffed;
        (*record)["sha256"] = digest;
        (*record)["analysers"] = std::move(analysers);
        (*record)["office"] = office;
        nlohmann::json ids = nlohmann::json::array();
        for (std::size_t i = first_finding; i < rep.findings.size(); ++i) ids.push_back(rep.findings[i].id);
        (*record)["findings"] = std::move(ids);
    }
}

std::vector<attachment_report> analyse(const mime::message& msg, const analysis_options& opt) {
    std::vector<attachment_report> out;
    out.reserve(msg.attachments.size());

    analysis_state base;
    base.lim = opt.lim;
    base.opt = &opt;
    base.bytes_budget = opt.lim.archive_bytes;
    // Body passwords first (the sender's new text; the whole body when the parser
    // found no quote split), then the thread's extra ones, up to passwords_tried.
    std::string_view body = msg.new_text.empty() ? std::string_view(msg.body_text) : std::string_view(msg.new_text);
    auto add_pw = [&](std::string pw, std::string line) {
        if (pw.empty() || base.passwords.size() >= opt.lim.passwords_tried) return;
        if (std::ranges::find(base.passwords, pw) != base.passwords.end()) return;
        base.passwords.push_back(std::move(pw));
        base.password_lines.push_back(std::move(line));
    };
    if (!msg.attachments.empty()) {
        // Leave room for the thread's passwords: a body full of weak candidates must
        // not crowd out the one a follow-up mail gave.
        const std::size_t room_for_extra = std::min(opt.extra_passwords.size(), opt.lim.passwords_tried / 2);
        const std::size_t body_cap = opt.lim.passwords_tried - room_for_extra;
        for (auto& c : find_password_candidates(body)) {
            if (base.passwords.size() >= body_cap) break;
            add_pw(std::move(c.password), std::move(c.source_line));
        }
        for (const auto& e : opt.extra_passwords) add_pw(e, "");
    }

    for (std::size_t i = 0; i < msg.attachments.size(); ++i) {
        const auto& a = msg.attachments[i];
        attachment_report rep;
        rep.index = i;
        analysis_state st = base;  // budget is shared below, passwords are per attachment
        st.bytes_budget = base.bytes_budget;
        if (base.expired_now()) {
            limit_stop(
                base, rep, true,
                fmt::format("not analysed: the per-message time limit ({} ms) had passed", opt.lim.message_millis));
            out.push_back(std::move(rep));
            continue;
        }
        try {
            file_view f;
            f.name = a.filename;
            f.data = a.data;
            f.sniffed = a.sniffed_type.empty() ? sniff_type(a.data) : a.sniffed_type;
            f.path = a.filename.empty() ? "attachment-" + std::to_string(i) : a.filename;
            f.depth = 0;
            nlohmann::json record = nlohmann::json::object();
            analyse_file(f, st, rep, &record, a.declared_type);
            rep.details["sniffed_type"] = f.sniffed;
            check_vba_source(st, rep);
        } catch (const std::bad_alloc&) {
            // Memory ran out: a limit hit, never a clean attachment. What was found
            // before stays in rep.
            rep.details["error"] = "out of memory";
            limit_stop(st, rep, false, "attachment analysis ran out of memory");
        } catch (const std::exception& e) {
            // Analysers do not throw on content; this is a bug. Keep what was found and say so.
            rep.details["error"] = e.what();
            limit_stop(st, rep, false, fmt::format("attachment analysis failed: {}", e.what()));
        }
        sanitize(rep.details);
        for (auto& f : rep.findings) {
            sanitize(f.evidence);
            if (!mime::is_valid_utf8(f.detail)) f.detail = to_valid_utf8(f.detail);
        }
        base.bytes_budget = st.bytes_budget;
        out.push_back(std::move(rep));
    }
    return out;
}

std::vector<symbol_info> symbols() {
    std::vector<symbol_info> out{k_timeout, k_limit};
    for (auto&& v : {archive_symbols(), dangerous_symbols(), ioc_symbols(), office_symbols(), message_symbols()})
        out.insert(out.end(), v.begin(), v.end());
    return out;
}

}  // namespace replyguard::attach
