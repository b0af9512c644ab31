// SPDX-License-Identifier: Apache-2.0
// mime/message.hpp - the message model every detector reads
//
// DESCRIPTION
//   The parser (mime/parser.hpp) turns raw bytes into this model. Everything
//   textual is UTF-8: headers are decoded (RFC 2047, raw 8-bit headers sniffed),
//   text parts are converted from their real charset (which is often not the
//   declared one in Japanese mail), HTML is converted to text. The body is split
//   into the sender's *new* text and the *quoted* blocks it carries, each quoted
//   block with the header fields it names (From/Sent/To/Subject and the Japanese
//   差出人/送信日時/宛先/件名). Original forms are kept next to normalised ones,
//   so detectors compare normalised keys but show the evidence as written.
//
//   Malformed mail is data: the model is always filled as far as possible and
//   what was wrong is listed in `anomalies`.
#pragma once

#include "mime/content_type.hpp"
#include "text/urls.hpp"  // text::url_ref

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace replyguard::mime {

/// One mailbox of an address header.
struct mailbox {
    std::string name;         ///< display name, decoded UTF-8, as written (may be empty)
    std::string address;      ///< addr-spec as written (local@domain), decoded; may be empty or bogus
    std::string name_key;     ///< name for comparison: NFKC, case-folded, without spaces/quotes/brackets
    std::string address_key;  ///< address for comparison: NFKC, lower-case, full-width ＠ folded

    /// Domain part of address_key ("" when there is none).
    std::string domain() const;
};

/// A header field. `raw` is the unfolded value as bytes; value() is decoded UTF-8.
struct header_field {
    std::string name;  ///< field name as written
    std::string raw;   ///< unfolded raw value (may hold 8-bit bytes)

    /// The value decoded to UTF-8 (RFC 2047 words, raw 8-bit sniffed), trimmed:
    /// decode_header_text(raw), made on each call. Decoded on demand because a
    /// dozen fields are ever read decoded, by name, once or twice a message; the
    /// parser decoding every field up front was ~5% of `scan -j1`'s instructions
    /// on the corpus (callgrind, 2026-12-06), most of it the opaque encoded words
    /// of Exchange's X-Microsoft-Antispam-Message-Info (~4.5 KB in 970 messages).
    std::string value() const;
};

enum class prefix_kind { reply, forward };

/// One reply/forward prefix of a subject: "Re:", "RE[2]:", "返信:", "ＲＥ：", "Fwd:", "転送:" ...
struct subject_prefix {
    prefix_kind kind = prefix_kind::reply;
    std::string text;  ///< as written, including the colon
    int counter = 0;   ///< "Re[2]:" / "Re^2:" -> 2; 0 when absent
};

struct subject_info {
    std::string decoded;                   ///< the whole subject, UTF-8
    std::vector<subject_prefix> prefixes;  ///< outermost first
    std::string base;                      ///< subject without prefixes and list tags ("[list] ")
    std::string key;  ///< base normalised for thread matching (NFKC, case-folded, spaces collapsed)
    bool is_reply() const;
    bool is_forward() const;
};

/// One Received: hop, newest first (as in the header block).
struct received_hop {
    std::string raw;
    std::string from_host;  ///< "from" clause host (HELO) if present
    std::string from_ip;    ///< first IP literal in the from clause, if any
    std::string by_host;
    std::string date;  ///< text after the last ';'
};

/// One method result of an Authentication-Results header (RFC 8601).
struct auth_result {
    std::string authserv_id;
    std::string method;      ///< spf, dkim, dmarc, arc, ...
    std::string result;      ///< pass, fail, softfail, none, neutral, temperror, permerror, policy
    std::string properties;  ///< remaining "ptype.property=value" pairs as written
};

/// A block of quoted earlier conversation found in the body.
struct quoted_block {
    enum class style {
        angle,    ///< lines starting with '>' (or full-width '＞')
        outlook,  ///< "-----Original Message-----" / "-----元のメッセージ-----" / a From:+Sent: header block
        wrote,    ///< "On <date>, <name> wrote:" / "YYYY年M月D日(曜) ... <addr>:"
        forward,  ///< "---------- Forwarded message ---------" / "-------- 転送メッセージ --------"
    };
    style kind = style::angle;
    std::string text;         ///< the quoted text, quote markers removed, UTF-8
    std::string attribution;  ///< the line that introduced it ("On ... wrote:"), if any
    // Quoted header fields the block names (empty when absent), decoded UTF-8.
    std::string from;                     ///< From: / 差出人:
    std::string sent;                     ///< Sent: / Date: / 送信日時:
    std::string to;                       ///< To: / 宛先:
    std::string cc;                       ///< Cc: / CC:
    std::string subject;                  ///< Subject: / 件名:
    std::optional<mailbox> from_mailbox;  ///< `from` (or the attribution) parsed as a mailbox
    int depth = 1;                        ///< '>' depth for angle quotes; 1 otherwise
};

/// A decoded text part.
struct text_part {
    std::string content_type;      ///< "text/plain", "text/html", ...
    std::string declared_charset;  ///< as in Content-Type ("" if none)
    std::string charset;           ///< the charset actually used to decode
    std::string text;              ///< UTF-8; for HTML, the text rendering
    std::string html;              ///< for HTML parts: the HTML source in UTF-8
    std::string part_path;         ///< "1.2" style position in the MIME tree
};

/// An attachment (any non-text leaf part, or a text part with a file name /
/// attachment disposition). Bytes are transfer-decoded.
struct attachment {
    std::string filename;       ///< decoded (RFC 2231 / RFC 2047), UTF-8; "" when none
    std::string declared_type;  ///< Content-Type as declared, lower-case "type/subtype"
    std::string sniffed_type;   ///< type sniffed from the bytes (libmagic), "type/subtype"
    std::string sniffed_label;  ///< libmagic's human description ("Microsoft Excel 2007+")
    std::string disposition;    ///< "attachment", "inline" or ""
    std::string content_id;
    std::string part_path;
    std::uint64_t size = 0;  ///< decoded size in bytes
    std::string sha256;      ///< hex of the decoded bytes
    std::string data;        ///< decoded bytes (may be truncated at limits::message_bytes)
    bool truncated = false;
};

struct anomaly {
    std::string id;      ///< stable UPPER_SNAKE id, e.g. HEADER_8BIT, MIME_MISSING_BOUNDARY
    std::string detail;  ///< human-readable, English
};

struct message;

/// The model of one message.
struct message {
    std::vector<header_field> headers;  ///< all top-level fields, in order

    std::optional<mailbox> from;    ///< first From mailbox
    std::vector<mailbox> from_all;  ///< every From mailbox (duplicates / lists are anomalies)
    std::optional<mailbox> sender;
    std::vector<mailbox> reply_to;
    std::vector<mailbox> to;
    std::vector<mailbox> cc;
    std::optional<mailbox> return_path;

    std::string message_id;                ///< without angle brackets
    std::vector<std::string> in_reply_to;  ///< message ids, without brackets
    std::vector<std::string> references;   ///< message ids, oldest first
    std::string date_raw;
    std::optional<std::int64_t> date;  ///< seconds since the epoch, UTC, when parseable

    subject_info subject;
    std::vector<received_hop> received;
    std::string list_id;
    std::vector<auth_result> auth_results;

    content_type body_type;  ///< Content-Type of the top-level entity (text/plain when absent)
    /// Content-Transfer-Encoding of the top-level entity, raw ("" when absent). GMime keeps
    /// the Content-* fields of the top level with its part: they are not in `headers`.
    std::string body_transfer_encoding;

    std::vector<text_part> text_parts;
    std::string body_text;  ///< the main body: text/plain preferred, else HTML converted
    std::string new_text;   ///< body_text minus quoted blocks and signature-delimited tail kept
    std::vector<quoted_block> quoted;

    std::vector<attachment> attachments;
    std::vector<std::unique_ptr<message>> embedded;  ///< message/rfc822 parts, parsed
    std::vector<text::url_ref> urls;
    std::vector<anomaly> anomalies;

    std::uint64_t raw_size = 0;

    /// First header with this name (case-insensitive), or nullptr.
    const header_field* header(std::string_view name) const;
    /// Number of headers with this name.
    std::size_t header_count(std::string_view name) const;
    void add_anomaly(std::string id, std::string detail);
};

}  // namespace replyguard::mime
