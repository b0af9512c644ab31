// SPDX-License-Identifier: Apache-2.0
// attach/office_internal.hpp - shared pieces of the Office analysers (private to src/attach)
//
// DESCRIPTION
//   analyse_office() (office.cpp) recognises the container and hands it to
//   ole.cpp (OLE2/CFB) or ooxml.cpp (OPC zip) or xlm.cpp (SYLK). These call
//   vba.cpp (MS-OVBA projects), xlm.cpp (Excel 4.0 macro sheets) and
//   office_crypto.cpp (encrypted documents). Every analyser writes into one
//   office_ctx: the findings go to the attachment report (one per id), the
//   details into `entry`, which becomes one element of
//   rep.details["office"] (one element per analysed file, with its path).
//
//   The parsers here are exposed for the fuzz targets (fuzz/fuzz_vba.cpp).
//
// LIMITS
//   Every read is bounds-checked; sizes come from analysis_state::lim.
//   Decrypted and decompressed bytes are charged to analysis_state::bytes_budget.
#pragma once

#include "attach/file.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace replyguard::attach::office {

using bytes = std::span<const std::uint8_t>;

inline bytes as_bytes(std::string_view s) { return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()}; }
inline std::string_view as_sv(bytes b) { return {reinterpret_cast<const char*>(b.data()), b.size()}; }

/// Little-endian reads that return 0 when out of range (callers check sizes first
/// where a wrong value would matter).
inline std::uint16_t le16(bytes b, std::size_t off) {
    return off + 2 <= b.size() ? static_cast<std::uint16_t>(b[off] | (b[off + 1] << 8)) : 0;
}
inline std::uint32_t le32(bytes b, std::size_t off) {
    return off + 4 <= b.size() ? static_cast<std::uint32_t>(b[off] | (b[off + 1] << 8) | (b[off + 2] << 16) |
                                                            (static_cast<std::uint32_t>(b[off + 3]) << 24))
                               : 0;
}

// ---- symbols (office.cpp) --------------------------------------------------
extern const symbol_info k_vba_macro;
extern const symbol_info k_vba_autoexec;
extern const symbol_info k_vba_suspicious;
extern const symbol_info k_vba_keywords;
extern const symbol_info k_vba_stomping;
extern const symbol_info k_xlm_macro;
extern const symbol_info k_xlm_hidden_sheet;
extern const symbol_info k_xlm_suspicious;
extern const symbol_info k_external_template;
extern const symbol_info k_external_ole_link;
extern const symbol_info k_dde;
extern const symbol_info k_macro_enabled_type;
extern const symbol_info k_encrypted;
extern const symbol_info k_default_password;
extern const symbol_info k_body_password;
extern const symbol_info k_malformed;

/// One Office file being analysed.
struct office_ctx {
    const file_view& f;
    analysis_state& st;
    attachment_report& rep;
    nlohmann::json entry = nlohmann::json::object();  ///< becomes rep.details["office"][i]
};

/// Add a finding to the report unless one with this id is already there.
void emit(office_ctx& c, const symbol_info& sym, std::string detail, nlohmann::json evidence = nullptr);

/// Valid UTF-8 (invalid bytes become U+FFFD), at most `max` bytes, cut on a character.
std::string utf8_clean(std::string_view s, std::size_t max = std::string::npos);

/// Convert text in a Windows code page (MS-OVBA PROJECTCODEPAGE) to UTF-8.
std::string codepage_to_utf8(std::string_view s, std::uint16_t codepage);

/// Charge `n` decompressed/decrypted bytes to the message budget; false when it is spent.
bool take_budget(analysis_state& st, std::uint64_t n);

/// True when analysing one more nested level is still allowed.
bool may_descend(const office_ctx& c);

/// Analyse nested bytes (a decrypted package, an embedded OLE object) as a new file.
bool analyse_nested(office_ctx& c, std::string_view data, std::string_view suffix);

// ---- OLE2 (ole.cpp) -------------------------------------------------------
struct ole_stream {
    std::string path;  ///< "Macros/VBA/dir" (names as stored; control characters kept)
    std::string data;
};
inline constexpr std::string_view k_ole_magic{"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8};
inline bool is_ole(std::string_view d) { return d.substr(0, 8) == k_ole_magic; }

/// libgsf initialisation (once, thread-safe) and silencing of its g_log noise.
void ensure_gsf();
/// Read every stream of a compound file (bounded). nullopt when libgsf cannot open it.
std::optional<std::vector<ole_stream>> read_ole(std::string_view data, const limits& lim);
/// Analyse an OLE2 document (VBA, XLM, encryption). Returns false when it is not OLE2.
bool analyse_ole(office_ctx& c, std::string_view data);

// ---- OOXML (ooxml.cpp) -----------------------------------------------------
inline bool is_zip(std::string_view d) { return d.substr(0, 4) == std::string_view("PK\x03\x04", 4); }
/// Analyse an OPC package; false (nothing written) when it is a zip but not OOXML.
bool analyse_ooxml(office_ctx& c, std::string_view data);
/// Value of attribute `name` (qualified as written, e.g. "r:id") in one start tag; entities decoded.
std::optional<std::string> xml_attr(std::string_view tag, std::string_view name);
/// Start tags whose local name is `local`, any prefix, in document order (textual scan, no DOM).
std::vector<std::string_view> xml_tags(std::string_view xml, std::string_view local);

// ---- VBA (vba.cpp) ----------------------------------------------------------
/// MS-OVBA 2.4.1 decompression of a CompressedContainer; nullopt when malformed.
std::optional<std::string> ovba_decompress(bytes in, std::size_t max_out);

struct vba_module {
    std::string name;
    std::string stream;
    std::uint32_t offset = 0;  ///< MODULEOFFSET: where the compressed source starts (P-code before)
};
struct vba_dir {
    std::uint16_t codepage = 1252;
    std::vector<vba_module> modules;
};
/// Parse a decompressed `dir` stream (MS-OVBA 2.3.4.2); nullopt when malformed.
std::optional<vba_dir> parse_vba_dir(bytes dir);

struct vba_keywords {
    std::vector<std::string> autoexec;
    std::vector<std::string> suspicious;  ///< olevba SUSPICIOUS_KEYWORDS hit
    std::vector<std::string> write;       ///< mraptor W
    std::vector<std::string> exec;        ///< mraptor X
    bool mraptor_suspicious() const { return !autoexec.empty() && (!write.empty() || !exec.empty()); }
};
/// olevba/mraptor keyword scan of VBA (or XLM) source text.
vba_keywords scan_vba_keywords(std::string_view source);

/// Find VBA projects (and orphan VBA source) among the streams of an OLE file.
void analyse_vba(office_ctx& c, const std::vector<ole_stream>& streams);

// ---- XLM (xlm.cpp) ----------------------------------------------------------
/// BIFF5/BIFF8 Workbook stream: macro sheets, their formulas, FILEPASS.
/// `decrypted`: the stream was already decrypted once; a further FILEPASS ends the walk
/// (an attacker could otherwise chain FILEPASS records into nested decryptions).
void analyse_biff_workbook(office_ctx& c, std::string_view workbook, bool decrypted = false);
/// OOXML macro sheet part (xml or xlsb bin).
void analyse_xlm_part(office_ctx& c, std::string_view path, std::string_view data, std::string_view sheet_state);
/// SYLK text with formulas; false when not SYLK.
bool analyse_slk(office_ctx& c, std::string_view data);
/// Report the XLM findings collected in c.entry["xlm"] (called once per file).
void finish_xlm(office_ctx& c);

// ---- encryption (office_crypto.cpp) ------------------------------------------
/// OLE with EncryptionInfo + EncryptedPackage (ECMA-376 Standard/Agile): report, try
/// VelvetSweatshop and the candidate passwords, analyse the decrypted package.
void analyse_encrypted_package(office_ctx& c, std::string_view info, std::string_view package);
/// BIFF8 FILEPASS (RC4, RC4 CryptoAPI): try VelvetSweatshop and the candidates; on success
/// the decrypted Workbook stream (FILEPASS neutralised), the encryption entry and findings
/// are recorded; otherwise reported as not inspected and nullopt.
std::optional<std::string> biff_decrypt(office_ctx& c, std::string_view workbook, std::size_t filepass_off);
/// Report encryption we do not decrypt (BIFF FILEPASS, Word fEncrypted, PowerPoint CryptSession).
void report_encrypted(office_ctx& c, std::string_view type);

/// ECMA-376 decryption with one password; nullopt when the password is wrong or the
/// EncryptionInfo is unsupported. `type_out` receives "standard"/"agile".
std::optional<std::string> ecma376_decrypt(bytes info, bytes package, std::string_view password, std::string* type_out,
                                           std::uint64_t max_out);

}  // namespace replyguard::attach::office
