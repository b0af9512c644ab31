// SPDX-License-Identifier: Apache-2.0
// milter/banner.cpp - warning banner in text/plain and text/html bodies, by splicing parts.
//
// Parts are located by their boundary lines and replaced in place, so bytes we
// do not rewrite (other parts, preamble, epilogue, header fields) are kept
// exactly; re-serialising the whole message with GMime would normalise them.
#include "milter/banner.hpp"
#include "core/strings.hpp"

#include "mime/charset.hpp"
#include "mime/content_type.hpp"
#include "mime/header_decode.hpp"

#include <gmime/gmime.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cctype>
#include <vector>

namespace replyguard::milter {

banner_text default_banner() {
    banner_text b;
    b.plain =
        "【注意】このメールは replyguard により不審と判定されました。添付ファイルやリンクを開く前に、"
        "差出人に電話など別の手段で確認してください。\n"
        "WARNING: replyguard flagged this message as suspicious. Before opening attachments or links, "
        "confirm with the sender by another means (for example by phone).\n"
        "----\n";
    b.html =
        "<div style=\"border:2px solid #c00;background:#fff3f3;color:#000;padding:8px;margin:0 0 12px 0\">"
        "【注意】このメールは replyguard により不審と判定されました。添付ファイルやリンクを開く前に、"
        "差出人に電話など別の手段で確認してください。<br>"
        "WARNING: replyguard flagged this message as suspicious. Before opening attachments or links, "
        "confirm with the sender by another means (for example by phone).</div>";
    return b;
}

namespace {

using ctype = mime::content_type;

std::optional<std::string> transfer_decode(std::string_view body, std::string_view cte_raw) {
    std::string cte = lower(trim(mime::unfold(cte_raw)));
    if (cte.empty() || cte == "7bit" || cte == "8bit" || cte == "binary") return std::string(body);
    std::string out(body.size() + 16, '\0');
    int state = 0;
    guint32 save = 0;
    auto in = reinterpret_cast<const unsigned char*>(body.data());
    auto dst = reinterpret_cast<unsigned char*>(out.data());
    std::size_t n;
    if (cte == "base64")
        n = g_mime_encoding_base64_decode_step(in, body.size(), dst, &state, &save);
    else if (cte == "quoted-printable")
        n = g_mime_encoding_quoted_decode_step(in, body.size(), dst, &state, &save);
    else
        return std::nullopt;
    out.resize(n);
    return out;
}

std::string base64_lines(std::string_view data, std::string_view eol) {
    std::string out;
    constexpr std::size_t k_chunk = 57;  // 76 base64 characters a line (RFC 2045 6.8)
    for (std::size_t i = 0; i < data.size(); i += k_chunk) {
        std::size_t n = std::min(k_chunk, data.size() - i);
        unsigned char buf[80];
        int len = EVP_EncodeBlock(buf, reinterpret_cast<const unsigned char*>(data.data() + i), static_cast<int>(n));
        out.append(reinterpret_cast<const char*>(buf), static_cast<std::size_t>(len));
        out += eol;
    }
    return out;
}

std::string with_eol(std::string_view text, std::string_view eol) {
    std::string out;
    for (char c : text) {
        if (c == '\n')
            out += eol;
        else
            out += c;
    }
    return out;
}

struct entity_out {
    std::optional<std::string> content_type, transfer_encoding, body;
    std::string skipped;
    int parts = 0;
};

struct header_line {
    std::string name;                ///< lower case
    std::string value;               ///< raw (may be folded)
    std::size_t begin = 0, end = 0;  ///< byte range of the whole field, EOL included
};

std::vector<header_line> split_fields(std::string_view block) {
    std::vector<header_line> out;
    std::size_t i = 0;
    while (i < block.size()) {
        std::size_t start = i;
        std::size_t end = i;
        // A field runs until a line that does not start with white space.
        while (true) {
            std::size_t nl = block.find('\n', end);
            end = nl == std::string_view::npos ? block.size() : nl + 1;
            if (end >= block.size() || (block[end] != ' ' && block[end] != '\t')) break;
        }
        std::string_view f = block.substr(start, end - start);
        std::size_t colon = f.find(':');
        header_line h;
        if (colon != std::string_view::npos) {
            h.name = lower(trim(f.substr(0, colon)));
            h.value = std::string(f.substr(colon + 1));
        }
        h.begin = start;
        h.end = end;
        out.push_back(std::move(h));
        i = end;
    }
    return out;
}

entity_out rewrite_entity(const ctype& ct, std::string_view cte_raw, std::string_view disp_raw, std::string_view body,
                          const banner_text& banner, std::string_view eol, int depth);

entity_out rewrite_text(const ctype& ct, std::string_view cte_raw, std::string_view body, const banner_text& banner,
                        std::string_view eol) {
    entity_out r;
    auto decoded = transfer_decode(body, cte_raw);
    if (!decoded) {
        r.skipped = "unknown Content-Transfer-Encoding " + std::string(trim(cte_raw));
        return r;
    }
    mime::decoded_text t = mime::to_utf8(*decoded, ct.charset);
    if (t.lossy) {
        r.skipped = "text/" + ct.subtype + " does not decode cleanly in charset " +
                    (ct.charset.empty() ? "(none)" : ct.charset);
        return r;
    }
    std::string_view text_eol = t.text.find("\r\n") != std::string::npos ? "\r\n" : "\n";
    std::string text;
    if (ct.subtype == "html") {
        std::string low = lower(t.text);
        std::size_t pos = 0;
        if (std::size_t b = low.find("<body"); b != std::string::npos) {
            std::size_t gt = low.find('>', b);
            if (gt != std::string::npos) pos = gt + 1;
        }
        text = t.text.substr(0, pos) + banner.html + t.text.substr(pos);
    } else {
        text = with_eol(banner.plain, text_eol) + t.text;
    }
    // Base64 keeps long UTF-8 lines and the original line endings intact in transit.
    r.body = base64_lines(text, eol);
    r.content_type = "text/" + ct.subtype + "; charset=UTF-8";
    r.transfer_encoding = "base64";
    r.parts = 1;
    return r;
}

// One part of a multipart body, as byte ranges of that body.
struct part_range {
    std::size_t begin = 0, end = 0;
};

entity_out rewrite_multipart(const ctype& ct, std::string_view body, const banner_text& banner, std::string_view eol,
                             int depth) {
    entity_out r;
    if (ct.subtype == "signed" || ct.subtype == "encrypted") {
        r.skipped = "multipart/" + ct.subtype + " (a change would break it)";
        return r;
    }
    if (ct.boundary.empty()) {
        r.skipped = "multipart/" + ct.subtype + " without a boundary";
        return r;
    }
    const std::string delim = "--" + ct.boundary;
    std::vector<part_range> parts;
    bool closed = false;
    std::optional<std::size_t> open_at;  // content start of the current part
    for (std::size_t pos = 0; (pos = body.find(delim, pos)) != std::string_view::npos; pos += delim.size()) {
        if (pos != 0 && body[pos - 1] != '\n') continue;
        std::size_t after = pos + delim.size();
        bool close = body.substr(after, 2) == "--";
        std::size_t nl = body.find('\n', after);
        std::string_view rest = body.substr(
            after + (close ? 2 : 0), (nl == std::string_view::npos ? body.size() : nl) - after - (close ? 2 : 0));
        if (!close && !std::all_of(rest.begin(), rest.end(), [](char c) { return c == ' ' || c == '\t' || c == '\r'; }))
            continue;  // a longer boundary that starts with ours
        if (open_at) {
            std::size_t end = pos;
            if (end > *open_at && body[end - 1] == '\n') --end;
            if (end > *open_at && body[end - 1] == '\r') --end;
            parts.push_back({*open_at, std::max(end, *open_at)});
            open_at.reset();
        }
        if (close) {
            closed = true;
            break;
        }
        if (nl == std::string_view::npos) break;
        open_at = nl + 1;
    }
    if (!closed || parts.empty()) {
        r.skipped = "multipart/" + ct.subtype + " is not terminated by its closing boundary";
        return r;
    }
    const bool all_children = ct.subtype == "alternative";
    std::string out;
    std::size_t copied = 0;
    for (std::size_t i = 0; i < parts.size(); ++i) {
        if (!all_children && i > 0) break;
        std::string_view part = body.substr(parts[i].begin, parts[i].end - parts[i].begin);
        // Header block up to the first empty line.
        std::size_t hdr_end, body_start;
        if (part.starts_with("\r\n")) {
            hdr_end = 0;
            body_start = 2;
        } else if (part.starts_with("\n")) {
            hdr_end = 0;
            body_start = 1;
        } else {
            std::size_t a = part.find("\n\r\n"), b = part.find("\n\n");
            std::size_t m = std::min(a, b);
            if (m == std::string_view::npos) {
                if (r.skipped.empty())
                    r.skipped = "a part of multipart/" + ct.subtype + " has no header/body separator";
                continue;
            }
            hdr_end = m + 1;
            body_start = m + (m == a ? 3 : 2);
        }
        std::string_view hdr = part.substr(0, hdr_end);
        auto fields = split_fields(hdr);
        std::string pct, pcte, pdisp;
        for (const auto& f : fields) {
            if (f.name == "content-type")
                pct = f.value;
            else if (f.name == "content-transfer-encoding")
                pcte = f.value;
            else if (f.name == "content-disposition")
                pdisp = f.value;
        }
        entity_out sub =
            rewrite_entity(mime::parse_content_type(pct), pcte, pdisp, part.substr(body_start), banner, eol, depth + 1);
        if (!sub.body) {
            if (r.skipped.empty()) r.skipped = sub.skipped;
            continue;
        }
        // Rebuild the part's header block: the two changed fields replaced in place.
        std::string nh;
        bool had_cte = false;
        std::size_t hc = 0;
        for (const auto& f : fields) {
            nh.append(hdr.substr(hc, f.begin - hc));
            hc = f.end;
            if (f.name == "content-type" && sub.content_type)
                nh += "Content-Type: " + *sub.content_type + std::string(eol);
            else if (f.name == "content-transfer-encoding" && sub.transfer_encoding) {
                nh += "Content-Transfer-Encoding: " + *sub.transfer_encoding + std::string(eol);
                had_cte = true;
            } else
                nh.append(hdr.substr(f.begin, f.end - f.begin));
        }
        nh.append(hdr.substr(hc));
        if (sub.content_type && pct.empty()) nh += "Content-Type: " + *sub.content_type + std::string(eol);
        if (sub.transfer_encoding && !had_cte)
            nh += "Content-Transfer-Encoding: " + *sub.transfer_encoding + std::string(eol);
        std::string sep(part.substr(hdr_end, body_start - hdr_end));
        std::string new_body = *sub.body;
        // The EOL before the next boundary belongs to the boundary; base64 output ends in one already.
        if (new_body.ends_with(eol)) new_body.resize(new_body.size() - eol.size());
        out.append(body.substr(copied, parts[i].begin - copied));
        out += nh + sep + new_body;
        copied = parts[i].end;
        r.parts += sub.parts;
    }
    if (r.parts == 0) {
        if (r.skipped.empty()) r.skipped = "no text part in multipart/" + ct.subtype;
        return r;
    }
    out.append(body.substr(copied));
    r.body = std::move(out);
    r.skipped.clear();
    return r;
}

entity_out rewrite_entity(const ctype& ct, std::string_view cte_raw, std::string_view disp_raw, std::string_view body,
                          const banner_text& banner, std::string_view eol, int depth) {
    entity_out r;
    if (depth > k_banner_depth) {
        r.skipped = "MIME nesting deeper than the banner limit";
        return r;
    }
    if (lower(trim(mime::unfold(disp_raw))).starts_with("attachment")) {
        r.skipped = "the main part is an attachment";
        return r;
    }
    if (ct.type == "text" && (ct.subtype == "plain" || ct.subtype == "html"))
        return rewrite_text(ct, cte_raw, body, banner, eol);
    if (ct.type == "multipart") return rewrite_multipart(ct, body, banner, eol, depth);
    r.skipped = "main part is " + ct.type + "/" + ct.subtype;
    return r;
}

}  // namespace

banner_result insert_banner(std::string_view content_type, std::string_view transfer_encoding, std::string_view body,
                            const banner_text& banner) {
    return insert_banner(mime::parse_content_type(content_type), transfer_encoding, body, banner);
}

banner_result insert_banner(const mime::content_type& content_type, std::string_view transfer_encoding,
                            std::string_view body, const banner_text& banner) {
    std::string_view eol = body.find("\r\n") != std::string_view::npos || body.empty() ? "\r\n" : "\n";
    entity_out e = rewrite_entity(content_type, transfer_encoding, "", body, banner, eol, 0);
    banner_result r;
    r.body = std::move(e.body);
    r.content_type = std::move(e.content_type);
    r.transfer_encoding = std::move(e.transfer_encoding);
    r.skipped = std::move(e.skipped);
    r.parts = e.parts;
    return r;
}

}  // namespace replyguard::milter
