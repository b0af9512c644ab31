// SPDX-License-Identifier: Apache-2.0
// outlook/mapi.hpp - an Outlook message as MAPI properties, and back to RFC 5322
//
// DESCRIPTION
//   Outlook keeps mail as MAPI property bags, not as RFC 5322 text: a PST/OST
//   folder holds message objects (libpff), a .msg file is one message object
//   in an OLE2 compound file, and a winmail.dat (TNEF) carries the properties
//   of the message it was made from. Every reader in this module fills the
//   same `mapi_message`, and to_rfc822() turns it into a MIME message, so the
//   rest of replyguard (parser, detectors, learner) sees one analysis path.
//
//   to_rfc822() keeps PR_TRANSPORT_MESSAGE_HEADERS (the headers as received,
//   with Received:, Authentication-Results:, the real From/Message-ID) when the
//   message has them, and replaces only their Content-* fields by the MIME body
//   rebuilt from the properties. Without them, the header block is rebuilt from
//   the properties: From (PR_SENT_REPRESENTING_*), Sender (PR_SENDER_* when it
//   differs), To/Cc/Bcc (recipient table), Subject, Date (PR_CLIENT_SUBMIT_TIME,
//   else PR_MESSAGE_DELIVERY_TIME), Message-ID (PR_INTERNET_MESSAGE_ID),
//   In-Reply-To (PR_IN_REPLY_TO_ID), References (PR_INTERNET_REFERENCES),
//   Thread-Index (PR_CONVERSATION_INDEX, base64 as Outlook writes it) and
//   Thread-Topic (PR_CONVERSATION_TOPIC). The body is text (PR_BODY), HTML
//   (PR_HTML) or, when neither is stored, the decompressed RTF
//   (PR_RTF_COMPRESSED) as text/rtf plus its plain text; attachments keep
//   their names, types and Content-IDs; an attached message (ATTACH_EMBEDDED_MSG)
//   becomes a message/rfc822 part.
//
//   Exchange addresses: an address of type "EX" (/O=ORG/OU=.../CN=RECIPIENTS/CN=x)
//   is replaced by the SMTP address the file gives for it (PR_*_SMTP_ADDRESS,
//   PR_SMTP_ADDRESS, or an `ex_to_smtp` map the reader built from other items
//   of the same file). An Exchange address nobody mapped stays as
//   "cn@exchange.invalid" so that it is still one stable, never-routable key.
// LIMITS
//   k_max_embedded_depth levels of attached messages; strings and attachments
//   are bounded by what the readers load (limits::message_bytes).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace replyguard::outlook {

/// MAPI property types (MS-OXCDATA 2.11.1) the readers keep.
enum : std::uint16_t {
    pt_short = 0x0002,
    pt_long = 0x0003,
    pt_boolean = 0x000B,
    pt_object = 0x000D,
    pt_int64 = 0x0014,
    pt_string8 = 0x001E,
    pt_unicode = 0x001F,
    pt_systime = 0x0040,
    pt_binary = 0x0102,
};

/// Property ids (MS-OXPROPS) used to rebuild a message.
enum : std::uint16_t {
    pr_message_class = 0x001A,
    pr_subject = 0x0037,
    pr_client_submit_time = 0x0039,
    pr_sent_representing_name = 0x0042,
    pr_sent_representing_addrtype = 0x0064,
    pr_sent_representing_email = 0x0065,
    pr_conversation_topic = 0x0070,
    pr_conversation_index = 0x0071,
    pr_transport_message_headers = 0x007D,
    pr_sender_name = 0x0C1A,
    pr_sender_addrtype = 0x0C1E,
    pr_sender_email = 0x0C1F,
    pr_recipient_type = 0x0C15,
    pr_message_delivery_time = 0x0E06,
    pr_message_flags = 0x0E07,
    pr_body = 0x1000,
    pr_rtf_compressed = 0x1009,
    pr_html = 0x1013,
    pr_internet_message_id = 0x1035,
    pr_internet_references = 0x1039,
    pr_in_reply_to_id = 0x1042,
    pr_display_name = 0x3001,
    pr_addrtype = 0x3002,
    pr_email_address = 0x3003,
    pr_attach_data = 0x3701,
    pr_attach_filename = 0x3704,
    pr_attach_method = 0x3705,
    pr_attach_long_filename = 0x3707,
    pr_attach_mime_tag = 0x370E,
    pr_attach_content_id = 0x3712,
    pr_smtp_address = 0x39FE,
    pr_internet_cpid = 0x3FDE,
    pr_message_codepage = 0x3FFD,
    pr_sender_smtp_address = 0x5D01,
    pr_sent_representing_smtp_address = 0x5D02,
};

/// PR_MESSAGE_FLAGS bits.
inline constexpr std::uint32_t msgflag_unsent = 0x08;
inline constexpr std::uint32_t msgflag_fromme = 0x20;
/// PR_ATTACH_METHOD values.
inline constexpr std::uint32_t attach_embedded_msg = 5;

inline constexpr int k_max_embedded_depth = 8;

/// One property value. Strings (pt_string8, pt_unicode) are stored as UTF-8
/// (the reader converts them); everything else as the little-endian bytes of
/// the file.
struct property {
    std::uint16_t type = 0;
    std::string value;
};

using property_map = std::map<std::uint16_t, property>;

struct mapi_message;

struct mapi_attachment {
    property_map props;
    std::string data;                        ///< PR_ATTACH_DATA_BIN (method 1) as bytes
    std::unique_ptr<mapi_message> embedded;  ///< ATTACH_EMBEDDED_MSG
};

struct mapi_message {
    property_map props;
    std::vector<property_map> recipients;
    std::vector<mapi_attachment> attachments;
    /// Things the reader could not read (a damaged attachment, a recipient
    /// table it could not open): written as X-Replyguard-Outlook-Warning
    /// headers so they reach the record's anomalies through the parser.
    std::vector<std::string> warnings;
};

/// A string property as UTF-8, or nullopt.
std::optional<std::string> get_string(const property_map& p, std::uint16_t id);
/// A binary property's bytes, or nullopt.
std::optional<std::string> get_binary(const property_map& p, std::uint16_t id);
/// An integer property (pt_short, pt_long, pt_boolean), or nullopt.
std::optional<std::uint32_t> get_u32(const property_map& p, std::uint16_t id);
/// A pt_systime property as seconds since the Unix epoch, or nullopt.
std::optional<std::int64_t> get_time(const property_map& p, std::uint16_t id);

/// FILETIME (100 ns ticks since 1601) to seconds since 1970.
std::int64_t filetime_to_unix(std::uint64_t ft);

/// UTF-16LE bytes to UTF-8 (a trailing NUL dropped; unpaired surrogates become U+FFFD).
std::string utf16le_to_utf8(std::string_view bytes);
/// 8-bit bytes in Windows code page `cp` (0: 1252) to UTF-8.
std::string codepage_to_utf8(std::string_view bytes, std::uint32_t cp);

/// Exchange legacy DN ("/O=.../CN=x", lower-case) -> SMTP address, from the file.
using ex_map = std::map<std::string, std::string>;

struct rebuild_options {
    const ex_map* ex_to_smtp = nullptr;
    int depth = 0;
};

/// The message as RFC 5322 bytes (CRLF line ends are not forced; GMime writes LF).
std::string to_rfc822(const mapi_message& m, const rebuild_options& o = {});

/// The SMTP address of an address of `type` ("SMTP", "EX", ...), given the
/// SMTP property the item stores for it ("" when none).
std::string smtp_address(std::string_view type, std::string_view address, std::string_view smtp, const ex_map* ex);

/// Add every (Exchange DN, SMTP) pair `m` names to `out` (sender, representing, recipients).
void collect_ex_addresses(const mapi_message& m, ex_map& out);

/// Decompress PR_RTF_COMPRESSED (MS-OXRTFCP: LZFu or uncompressed MELA). nullopt when damaged.
std::optional<std::string> decompress_rtf(std::string_view data);
/// The plain text of an RTF document (good enough for analysis: control words
/// dropped, \par as line breaks, \'hh and \uN decoded, HTML encapsulated by
/// Outlook (\fromhtml) returned as that HTML when `html` is not null).
std::string rtf_to_text(std::string_view rtf, std::string* html = nullptr);

/// File-type sniffing: PST/OST ("!BDN"), OLE2 compound file, TNEF stream.
bool is_pff(std::string_view head);
bool is_ole2(std::string_view head);
bool is_tnef(std::string_view head);

}  // namespace replyguard::outlook
