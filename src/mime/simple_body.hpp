// SPDX-License-Identifier: Apache-2.0
// mime/simple_body.hpp - a top-level text part, or a multipart of text parts, read without GMime's parser
//
// Most mail is one text/plain or text/html part at the top (72% of the corpus's
// single-message files), or a multipart/alternative of a plain and an HTML
// version (Outlook's every message). For those, GMime's parse built a
// GMimeMessage, its parts, content types, parameter lists, header lists and data
// wrappers, and a stream and filter to decode each body, then freed them all
// again: a fifth of such a message's instructions (callgrind, bench/README.md
// "Round 9"). When the Content-* fields are so simple that GMime cannot read
// them differently, the parser (mime/parser.cpp) reads the types and transfer
// encodings here, splits a multipart on its boundary as GMime does, and decodes
// each body with GMime's own decoders (no objects).
// LIMITS
//   A part is taken only when: its Content-* fields are at most one
//   Content-Type, at most one Content-Transfer-Encoding, at most one
//   "Content-Disposition: inline" (no parameters), and at most four others once
//   each (-Length, -Class, -Description, ...: nothing of a text part reads them),
//   at most eight in all, all printable ASCII without "=?" or backslashes; the
//   type is text/plain or text/html (none: text/plain, GMime's default) with
//   parameters of plain tokens or quoted strings (at most 16), none named twice,
//   none in RFC 2231 form ("*"), no "name"; the encoding one of 7bit, 8bit, binary,
//   quoted-printable, base64 (as GMime reads its name). A multipart (top level
//   only) is multipart/alternative or multipart/mixed with a boundary and no
//   transfer encoding, of 1-16 such parts whose header blocks hold Content-*
//   fields only, closed by its end boundary. Anything else: nullopt, and the
//   caller leaves the message to GMime.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace replyguard::mime {

/// One field of a header block: name (without the blanks before ':') and raw
/// value (after ':', folds and line breaks included).
struct raw_field {
    std::string_view name;
    std::string_view raw;
};

/// What GMime would have made of a simple top-level text part's fields.
struct simple_body {
    std::string type;               ///< media type as written ("text", any case)
    std::string subtype;            ///< as written ("plain" or "html", any case)
    std::string charset;            ///< the "charset" parameter's value ("" when none)
    std::string boundary;           ///< the "boundary" parameter's value ("" when none)
    std::string transfer_encoding;  ///< the Content-Transfer-Encoding value as GMime gives it ("" when none)
    enum class coding { raw, base64, quoted_printable } decode = coding::raw;
};

/// `content_fields`: the block's Content-* fields, in order. nullopt unless the
/// part is simple (LIMITS above). `multipart_too`: a multipart/alternative or
/// multipart/mixed with a boundary and no transfer encoding is taken too (its
/// subparts: split_simple_multipart).
std::optional<simple_body> read_simple_body(std::span<const raw_field> content_fields, bool multipart_too = false);

/// One subpart of a simple multipart: its fields read, its content (before the
/// transfer decoding) a view into the body.
struct simple_subpart {
    simple_body body;
    std::string_view content;
};

/// At most this many subparts are split here; more go to GMime.
inline constexpr std::size_t k_max_simple_subparts = 16;

/// The subparts of a multipart's `body` (what follows its header block's empty
/// line) split as GMime's parser splits them (gmime-parser.c 3.2: boundary lines
/// "--boundary" and "--boundary--" followed by blanks only, the line break before
/// a boundary line belongs to it), when every subpart is a simple text part whose
/// header block holds only Content-* fields, and the end boundary is there.
/// nullopt for anything else (a nested multipart, an attachment, a subpart
/// without fields, a missing end boundary: GMime's path and its warnings).
std::optional<std::vector<simple_subpart>> split_simple_multipart(std::string_view body, std::string_view boundary);

/// The part's content (the bytes after the block's empty line) decoded as GMime's
/// data wrapper decodes it (GMime's base64 and quoted-printable decoders).
std::string decode_simple_body(std::string_view content, simple_body::coding c);

}  // namespace replyguard::mime
