// SPDX-License-Identifier: Apache-2.0
// attach/office_crypto.cpp - encrypted Office documents: detect, try passwords, decrypt, recurse
//
// DESCRIPTION
//   Password-protected documents hide their macros from gateways; Emotet-style
//   mail puts the password in the body, and Excel opens files encrypted with its
//   built-in password "VelvetSweatshop" without asking. We decrypt ECMA-376
//   packages (OLE with EncryptionInfo + EncryptedPackage) with OpenSSL:
//   - Standard encryption (MS-OFFCRYPTO 2.3.4.5-2.3.4.9): SHA-1, 50000
//     iterations, AES-ECB;
//   - Agile encryption (2.3.4.10-2.3.4.15): SHA-1/256/384/512, spinCount
//     iterations, AES-CBC per 4096-byte segment.
//   VelvetSweatshop is tried first, then the candidate passwords
//   (analysis_state::passwords). The plaintext package is analysed like any
//   other document (analyse_nested). Other encryption (BIFF FILEPASS, Word
//   fEncrypted, PowerPoint CryptSession) is reported as "not inspected".
//
// LIMITS
//   lim.passwords_tried candidates; spin counts above k_max_spin are not tried
//   (a file could otherwise ask for billions of hash rounds per password), at most
//   k_spin_budget rounds per document and analysis_state::hash_rounds_budget per
//   message (details: "limited": true when candidates were left untried), and no
//   try starts once the message's time is spent (ANALYSIS_TIMEOUT); the
//   plaintext is at most lim.archive_entry_bytes and charged to the byte budget.
#include "attach/office_internal.hpp"

#include <glib.h>
#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <climits>
#include <cstdint>
#include <cstdlib>
#include <memory>

namespace replyguard::attach::office {
namespace {

constexpr std::uint32_t k_max_spin = 1'000'000;
// Hash rounds spent per document over all candidate passwords (about 0.3 us each
// with SHA-512): 40 tries at Office's default 100000 spins.
constexpr std::uint64_t k_spin_budget = 4'000'000;
constexpr std::string_view k_velvet = "VelvetSweatshop";

using md_ctx = std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)>;
using cipher_ctx = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;
using buf = std::vector<std::uint8_t>;

std::string utf16le(std::string_view utf8) {
    // Passwords are compared as UTF-16LE code units (MS-OFFCRYPTO); glib converts.
    gsize written = 0;
    gchar* out =
        g_convert(utf8.data(), static_cast<gssize>(utf8.size()), "UTF-16LE", "UTF-8", nullptr, &written, nullptr);
    if (!out) return {};
    std::string r(out, written);
    g_free(out);
    return r;
}

const EVP_MD* md_by_name(std::string_view n) {
    if (n == "SHA1" || n == "SHA-1") return EVP_sha1();
    if (n == "SHA256" || n == "SHA-256") return EVP_sha256();
    if (n == "SHA384" || n == "SHA-384") return EVP_sha384();
    if (n == "SHA512" || n == "SHA-512") return EVP_sha512();
    return nullptr;
}

buf hash(const EVP_MD* md, std::initializer_list<bytes> parts) {
    md_ctx ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    buf out(static_cast<std::size_t>(EVP_MD_size(md)));
    unsigned int len = 0;
    EVP_DigestInit_ex(ctx.get(), md, nullptr);
    for (auto p : parts) EVP_DigestUpdate(ctx.get(), p.data(), p.size());
    EVP_DigestFinal_ex(ctx.get(), out.data(), &len);
    return out;
}

/// H0 = H(salt + password); Hn = H(LE32(n) + Hn-1), `spin` rounds.
buf iterated_hash(const EVP_MD* md, bytes salt, std::string_view pw16, std::uint32_t spin) {
    buf h = hash(md, {salt, as_bytes(pw16)});
    md_ctx ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    unsigned int len = 0;
    for (std::uint32_t i = 0; i < spin; ++i) {
        const std::uint8_t it[4] = {static_cast<std::uint8_t>(i), static_cast<std::uint8_t>(i >> 8),
                                    static_cast<std::uint8_t>(i >> 16), static_cast<std::uint8_t>(i >> 24)};
        EVP_DigestInit_ex(ctx.get(), md, nullptr);
        EVP_DigestUpdate(ctx.get(), it, 4);
        EVP_DigestUpdate(ctx.get(), h.data(), h.size());
        EVP_DigestFinal_ex(ctx.get(), h.data(), &len);
    }
    return h;
}

const EVP_CIPHER* aes(std::size_t key_bytes, bool cbc) {
    switch (key_bytes) {
    case 16: return cbc ? EVP_aes_128_cbc() : EVP_aes_128_ecb();
    case 24: return cbc ? EVP_aes_192_cbc() : EVP_aes_192_ecb();
    case 32: return cbc ? EVP_aes_256_cbc() : EVP_aes_256_ecb();
    default: return nullptr;
    }
}

/// AES decryption without padding of the whole blocks of `in`.
std::optional<buf> aes_decrypt(bytes key, const std::uint8_t* iv, bytes in, bool cbc) {
    const EVP_CIPHER* c = aes(key.size(), cbc);
    if (!c) return std::nullopt;
    cipher_ctx ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
    const std::size_t n = in.size() / 16 * 16;
    buf out(n + 16);
    int l1 = 0, l2 = 0;
    if (EVP_DecryptInit_ex(ctx.get(), c, nullptr, key.data(), cbc ? iv : nullptr) != 1) return std::nullopt;
    EVP_CIPHER_CTX_set_padding(ctx.get(), 0);
    if (n && EVP_DecryptUpdate(ctx.get(), out.data(), &l1, in.data(), static_cast<int>(n)) != 1) return std::nullopt;
    if (EVP_DecryptFinal_ex(ctx.get(), out.data() + l1, &l2) != 1) return std::nullopt;
    out.resize(static_cast<std::size_t>(l1 + l2));
    return out;
}

std::optional<buf> b64(std::string_view s) {
    std::string clean;
    for (char ch : s)
        if (!std::isspace(static_cast<unsigned char>(ch))) clean.push_back(ch);
    if (clean.empty() || clean.size() % 4 != 0 || clean.size() > (1u << 20)) return std::nullopt;
    buf out(clean.size() / 4 * 3);
    const int n = EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char*>(clean.data()),
                                  static_cast<int>(clean.size()));
    if (n < 0) return std::nullopt;
    std::size_t pad = 0;
    if (clean.ends_with("=="))
        pad = 2;
    else if (clean.ends_with("="))
        pad = 1;
    out.resize(static_cast<std::size_t>(n) - pad);
    return out;
}

std::uint64_t le64(bytes b, std::size_t off) {
    return off + 8 <= b.size() ? (static_cast<std::uint64_t>(le32(b, off + 4)) << 32) | le32(b, off) : 0;
}

std::optional<std::string> decrypt_standard(bytes info, bytes pkg, std::string_view pw, std::uint64_t max_out) {
    const std::uint32_t header_size = le32(info, 8);
    if (header_size < 32 || header_size > info.size() - 12) return std::nullopt;
    const bytes header = info.subspan(12, header_size);
    const std::uint32_t alg = le32(header, 8);
    const std::uint32_t key_bits = le32(header, 16);
    if (alg != 0x660E && alg != 0x660F && alg != 0x6610) return std::nullopt;  // AES only (ECMA-376 Standard)
    const std::size_t v = 12 + header_size;
    if (v + 4 + 16 + 16 + 4 + 32 > info.size() || le32(info, v) != 16) return std::nullopt;
    const bytes salt = info.subspan(v + 4, 16);
    const bytes enc_verifier = info.subspan(v + 20, 16);
    const bytes enc_verifier_hash = info.subspan(v + 40, 32);

    const EVP_MD* sha1 = EVP_sha1();
    const buf h = iterated_hash(sha1, salt, utf16le(pw), 50000);
    const std::uint8_t block0[4] = {0, 0, 0, 0};
    const buf hfinal = hash(sha1, {bytes(h), bytes(block0, 4)});
    std::array<std::uint8_t, 64> b1{}, b2{};
    b1.fill(0x36);
    b2.fill(0x5C);
    for (std::size_t i = 0; i < hfinal.size(); ++i) {
        b1[i] ^= hfinal[i];
        b2[i] ^= hfinal[i];
    }
    buf x = hash(sha1, {bytes(b1)});
    const buf x2 = hash(sha1, {bytes(b2)});
    x.insert(x.end(), x2.begin(), x2.end());
    const std::size_t key_len = key_bits / 8;
    if (key_len == 0 || key_len > x.size()) return std::nullopt;
    const bytes key(x.data(), key_len);

    auto verifier = aes_decrypt(key, nullptr, enc_verifier, false);
    auto verifier_hash = aes_decrypt(key, nullptr, enc_verifier_hash, false);
    if (!verifier || !verifier_hash) return std::nullopt;
    const buf expect = hash(sha1, {bytes(*verifier)});
    if (!std::equal(expect.begin(), expect.end(), verifier_hash->begin())) return std::nullopt;

    const std::uint64_t size = le64(pkg, 0);
    if (pkg.size() < 8 || size > max_out || size > pkg.size() - 8) return std::nullopt;
    auto plain = aes_decrypt(key, nullptr, pkg.subspan(8), false);
    if (!plain || plain->size() < size) return std::nullopt;
    return std::string(reinterpret_cast<const char*>(plain->data()), static_cast<std::size_t>(size));
}

std::optional<std::string> decrypt_agile(bytes info, bytes pkg, std::string_view pw, std::uint64_t max_out) {
    const std::string_view xml = as_sv(info.subspan(std::min<std::size_t>(8, info.size())));
    const auto kd_tags = xml_tags(xml, "keyData");
    std::string_view ek_tag;
    for (auto t : xml_tags(xml, "encryptedKey"))
        if (xml_attr(t, "spinCount")) {
            ek_tag = t;
            break;
        }
    if (kd_tags.empty() || ek_tag.empty()) return std::nullopt;
    const std::string_view kd = kd_tags.front();

    const EVP_MD* kd_md = md_by_name(xml_attr(kd, "hashAlgorithm").value_or(""));
    const EVP_MD* ek_md = md_by_name(xml_attr(ek_tag, "hashAlgorithm").value_or(""));
    const auto kd_salt = b64(xml_attr(kd, "saltValue").value_or(""));
    const auto ek_salt = b64(xml_attr(ek_tag, "saltValue").value_or(""));
    const auto enc_input = b64(xml_attr(ek_tag, "encryptedVerifierHashInput").value_or(""));
    const auto enc_hash = b64(xml_attr(ek_tag, "encryptedVerifierHashValue").value_or(""));
    const auto enc_key = b64(xml_attr(ek_tag, "encryptedKeyValue").value_or(""));
    const unsigned long spin = std::strtoul(xml_attr(ek_tag, "spinCount").value_or("0").c_str(), nullptr, 10);
    const std::size_t ek_key_bytes = std::strtoul(xml_attr(ek_tag, "keyBits").value_or("0").c_str(), nullptr, 10) / 8;
    const std::size_t kd_key_bytes = std::strtoul(xml_attr(kd, "keyBits").value_or("0").c_str(), nullptr, 10) / 8;
    const std::size_t block = std::strtoul(xml_attr(kd, "blockSize").value_or("16").c_str(), nullptr, 10);
    if (!kd_md || !ek_md || !kd_salt || !ek_salt || !enc_input || !enc_hash || !enc_key || spin > k_max_spin ||
        block != 16 || ek_salt->size() < 16 || kd_salt->empty() || !aes(ek_key_bytes, true) || !aes(kd_key_bytes, true))
        return std::nullopt;
    if (xml_attr(kd, "cipherChaining").value_or("ChainingModeCBC") != "ChainingModeCBC") return std::nullopt;

    const buf h = iterated_hash(ek_md, *ek_salt, utf16le(pw), static_cast<std::uint32_t>(spin));
    auto derive = [&](std::array<std::uint8_t, 8> block_key) {
        buf k = hash(ek_md, {bytes(h), bytes(block_key)});
        k.resize(ek_key_bytes, 0x36);
        return k;
    };
    const buf k_input = derive({0xfe, 0xa7, 0xd2, 0x76, 0x3b, 0x4b, 0x9e, 0x79});
    const buf k_hash = derive({0xd7, 0xaa, 0x0f, 0x6d, 0x30, 0x61, 0x34, 0x4e});
    const buf k_key = derive({0x14, 0x6e, 0x0b, 0xe7, 0xab, 0xac, 0xd0, 0xd6});
    const std::uint8_t* iv = ek_salt->data();

    auto vin = aes_decrypt(k_input, iv, *enc_input, true);
    auto vhash = aes_decrypt(k_hash, iv, *enc_hash, true);
    if (!vin || !vhash) return std::nullopt;
    vin->resize(std::min(vin->size(), ek_salt->size()));
    const buf expect = hash(ek_md, {bytes(*vin)});
    if (vhash->size() < expect.size() || !std::equal(expect.begin(), expect.end(), vhash->begin())) return std::nullopt;

    auto secret = aes_decrypt(k_key, iv, *enc_key, true);
    if (!secret || secret->size() < kd_key_bytes) return std::nullopt;
    secret->resize(kd_key_bytes);

    const std::uint64_t size = le64(pkg, 0);
    if (pkg.size() < 8 || size > max_out || size > pkg.size() - 8) return std::nullopt;
    std::string out;
    out.reserve(static_cast<std::size_t>(size));
    const bytes body = pkg.subspan(8);
    for (std::size_t seg = 0, off = 0; off < body.size() && out.size() < size; ++seg, off += 4096) {
        const std::uint8_t idx[4] = {static_cast<std::uint8_t>(seg), static_cast<std::uint8_t>(seg >> 8),
                                     static_cast<std::uint8_t>(seg >> 16), static_cast<std::uint8_t>(seg >> 24)};
        const buf seg_iv = hash(kd_md, {bytes(*kd_salt), bytes(idx, 4)});
        if (seg_iv.size() < 16) return std::nullopt;
        auto plain = aes_decrypt(*secret, seg_iv.data(),
                                 body.subspan(off, std::min<std::size_t>(4096, body.size() - off)), true);
        if (!plain) return std::nullopt;
        out.append(reinterpret_cast<const char*>(plain->data()), plain->size());
    }
    if (out.size() < size) return std::nullopt;
    out.resize(static_cast<std::size_t>(size));
    return out;
}

/// Hash iterations one password try costs (0 when the info is not understood).
std::uint64_t spin_cost(bytes info) {
    const std::uint16_t major = le16(info, 0), minor = le16(info, 2);
    if (major == 4 && minor == 4) {
        const std::string_view xml = as_sv(info.subspan(std::min<std::size_t>(8, info.size())));
        for (auto t : xml_tags(xml, "encryptedKey"))
            if (auto v = xml_attr(t, "spinCount")) return std::strtoull(v->c_str(), nullptr, 10);
        return 0;
    }
    return 50000;
}

// RC4 by hand: OpenSSL 3 moved it to the legacy provider, which a system may not load,
// and BIFF needs the keystream restarted every 1024 bytes anyway.
struct rc4 {
    std::array<std::uint8_t, 256> s{};
    std::uint8_t i = 0, j = 0;
    explicit rc4(bytes key) {
        for (int k = 0; k < 256; ++k) s[k] = static_cast<std::uint8_t>(k);
        std::uint8_t jj = 0;
        for (int k = 0; k < 256; ++k) {
            jj = static_cast<std::uint8_t>(jj + s[k] + key[k % key.size()]);
            std::swap(s[k], s[jj]);
        }
    }
    std::uint8_t next() {
        i = static_cast<std::uint8_t>(i + 1);
        j = static_cast<std::uint8_t>(j + s[i]);
        std::swap(s[i], s[j]);
        return s[static_cast<std::uint8_t>(s[i] + s[j])];
    }
};

/// Per-block RC4 key of BIFF8 encryption (MS-OFFCRYPTO 2.3.6.2 RC4, 2.3.5.2 RC4 CryptoAPI).
struct biff_key {
    bool cryptoapi = false;
    buf base;  ///< RC4: MD5 H1[0:5]; CryptoAPI: SHA-1 H0
    std::size_t key_bytes = 16;

    buf block_key(std::uint32_t block) const {
        const std::uint8_t b[4] = {static_cast<std::uint8_t>(block), static_cast<std::uint8_t>(block >> 8),
                                   static_cast<std::uint8_t>(block >> 16), static_cast<std::uint8_t>(block >> 24)};
        buf k = hash(cryptoapi ? EVP_sha1() : EVP_md5(), {bytes(base), bytes(b, 4)});
        if (!cryptoapi) return k;  // 128-bit
        k.resize(key_bytes);
        if (key_bytes == 5) k.resize(16, 0);  // 40-bit keys are used as 128-bit keys with zero high bytes
        return k;
    }
};

/// Derive and verify the key for one password; nullopt when wrong or unsupported.
std::optional<biff_key> biff_key_for(bytes fp, std::string_view pw) {
    // fp: FILEPASS data: wEncryptionType(2)=1, vMajor(2), vMinor(2), ...
    const std::uint16_t major = le16(fp, 2), minor = le16(fp, 4);
    const std::string pw16 = utf16le(pw);
    biff_key k;
    bytes verifier, verifier_hash;
    if (major == 1 && minor == 1) {
        if (fp.size() < 6 + 48) return std::nullopt;
        const bytes salt = fp.subspan(6, 16);
        verifier = fp.subspan(22, 16);
        verifier_hash = fp.subspan(38, 16);
        const buf h0 = hash(EVP_md5(), {as_bytes(pw16)});
        buf inter;
        for (int r = 0; r < 16; ++r) {
            inter.insert(inter.end(), h0.begin(), h0.begin() + 5);
            inter.insert(inter.end(), salt.begin(), salt.end());
        }
        buf h1 = hash(EVP_md5(), {bytes(inter)});
        h1.resize(5);
        k.base = std::move(h1);
    } else if ((major == 2 || major == 3 || major == 4) && minor == 2) {
        const std::uint32_t header_size = le32(fp, 10);
        if (header_size < 32 || header_size > fp.size() - 14) return std::nullopt;
        const bytes header = fp.subspan(14, header_size);
        std::uint32_t key_bits = le32(header, 16);
        if (key_bits == 0) key_bits = 40;
        const std::size_t v = 14 + header_size;
        if (v + 4 + 16 + 16 + 4 + 20 > fp.size() || le32(fp, v) != 16) return std::nullopt;
        const bytes salt = fp.subspan(v + 4, 16);
        verifier = fp.subspan(v + 20, 16);
        verifier_hash = fp.subspan(v + 40, 20);
        k.cryptoapi = true;
        k.key_bytes = std::clamp<std::size_t>(key_bits / 8, 5, 16);
        k.base = hash(EVP_sha1(), {salt, as_bytes(pw16)});
    } else {
        return std::nullopt;
    }
    const buf key0 = k.block_key(0);
    rc4 r(key0);
    buf v(verifier.begin(), verifier.end()), vh(verifier_hash.begin(), verifier_hash.end());
    for (auto& b : v) b ^= r.next();
    for (auto& b : vh) b ^= r.next();
    const buf expect = hash(k.cryptoapi ? EVP_sha1() : EVP_md5(), {bytes(v)});
    if (vh.size() < expect.size() || !std::equal(expect.begin(), expect.end(), vh.begin())) return std::nullopt;
    return k;
}

/// Decrypt every record body after FILEPASS in place (MS-XLS 2.2.10): the keystream
/// is indexed by stream offset (1024-byte blocks, headers included in the count but
/// not encrypted); a few records and BoundSheet8.lbPlyPos stay in clear.
void biff_decrypt_stream(std::string& wb, std::size_t start, const biff_key& k) {
    std::uint32_t cur_block = UINT32_MAX;
    std::array<std::uint8_t, 1024> ks{};
    auto xor_at = [&](std::size_t off) {
        const auto block = static_cast<std::uint32_t>(off / 1024);
        if (block != cur_block) {
            rc4 r(k.block_key(block));
            for (auto& b : ks) b = r.next();
            cur_block = block;
        }
        wb[off] = static_cast<char>(static_cast<std::uint8_t>(wb[off]) ^ ks[off % 1024]);
    };
    const bytes d = as_bytes(wb);
    std::size_t pos = start;
    while (pos + 4 <= wb.size()) {
        const std::uint16_t op = le16(d, pos);
        const std::size_t len = std::min<std::size_t>(le16(d, pos + 2), wb.size() - pos - 4);
        const std::size_t body = pos + 4;
        const bool clear = op == 0x0809 || op == 0x002F || op == 0x0194 || op == 0x0195 || op == 0x00E1 ||
                           op == 0x0196 || op == 0x0138;
        if (!clear)
            for (std::size_t i = (op == 0x0085 ? 4 : 0); i < len; ++i) xor_at(body + i);
        pos = body + len;
    }
}

/// Evidence for OFFICE_BODY_PASSWORD: the password and the body line it came from.
nlohmann::json password_evidence(const analysis_state& st, const std::string& pw) {
    nlohmann::json ev{{"password", utf8_clean(pw, 256)}};
    for (std::size_t i = 0; i < st.passwords.size() && i < st.password_lines.size(); ++i)
        if (st.passwords[i] == pw) {
            ev["line"] = utf8_clean(st.password_lines[i], 512);
            break;
        }
    return ev;
}

}  // namespace

std::optional<std::string> biff_decrypt(office_ctx& c, std::string_view workbook, std::size_t filepass_off) {
    const bytes d = as_bytes(workbook);
    const std::size_t len =
        std::min<std::size_t>(le16(d, filepass_off + 2), d.size() - std::min(d.size(), filepass_off + 4));
    const bytes fp = d.subspan(std::min(d.size(), filepass_off + 4), len);
    const std::uint16_t etype = le16(fp, 0);
    const std::string type = etype == 0 ? "biff-xor-obfuscation" : le16(fp, 2) == 1 ? "biff-rc4" : "biff-rc4-cryptoapi";
    if (etype != 1) {
        report_encrypted(c, type);
        return std::nullopt;
    }
    std::vector<std::pair<std::string, bool>> candidates{{std::string(k_velvet), true}};
    for (const auto& p : c.st.passwords) {
        if (candidates.size() > c.st.lim.passwords_tried) break;
        if (p != k_velvet) candidates.emplace_back(p, false);
    }
    for (const auto& cand : candidates) {
        auto key = biff_key_for(fp, cand.first);
        if (!key) continue;
        if (!take_budget(c.st, workbook.size())) break;
        std::string plain(workbook);
        biff_decrypt_stream(plain, filepass_off + 4 + len, *key);
        plain[filepass_off] = '\xFF';  // FILEPASS -> an unknown record: the stream now reads as clear
        plain[filepass_off + 1] = '\xFF';
        c.entry["encryption"] = {{"type", type},
                                 {"opened", true},
                                 {"password", utf8_clean(cand.first, 256)},
                                 {"password_source", cand.second ? "default" : "candidate"}};
        emit(c, k_encrypted, "encrypted workbook (" + type + "), opened and inspected",
             {{"type", type}, {"opened", true}});
        if (cand.second)
            emit(c, k_default_password, "opens with Excel's default password VelvetSweatshop", {{"type", type}});
        else
            emit(c, k_body_password, "opens with a password found in the mail", password_evidence(c.st, cand.first));
        return plain;
    }
    c.entry["encryption"] = {{"type", type}, {"opened", false}, {"passwords_tried", candidates.size()}};
    emit(c, k_encrypted, "encrypted workbook (" + type + "), not inspected: no candidate password opened it",
         {{"type", type}, {"opened", false}});
    return std::nullopt;
}

std::optional<std::string> ecma376_decrypt(bytes info, bytes package, std::string_view password, std::string* type_out,
                                           std::uint64_t max_out) {
    const std::uint16_t major = le16(info, 0), minor = le16(info, 2);
    if (major == 4 && minor == 4) {
        if (type_out) *type_out = "agile";
        return decrypt_agile(info, package, password, max_out);
    }
    if ((major == 2 || major == 3 || major == 4) && minor == 2) {
        if (type_out) *type_out = "standard";
        return decrypt_standard(info, package, password, max_out);
    }
    if (type_out) *type_out = minor == 3 ? "extensible" : "unknown";
    return std::nullopt;
}

void report_encrypted(office_ctx& c, std::string_view type) {
    if (!c.entry.contains("encryption")) c.entry["encryption"] = {{"type", std::string(type)}, {"opened", false}};
    emit(c, k_encrypted, "encrypted document (" + std::string(type) + "), not inspected",
         {{"type", std::string(type)}});
}

void analyse_encrypted_package(office_ctx& c, std::string_view info, std::string_view package) {
    std::vector<std::pair<std::string, bool>> candidates{{std::string(k_velvet), true}};
    for (const auto& p : c.st.passwords) {
        if (candidates.size() > c.st.lim.passwords_tried) break;
        if (p != k_velvet) candidates.emplace_back(p, false);
    }
    std::string type;
    std::optional<std::string> plain;
    const std::pair<std::string, bool>* used = nullptr;
    std::size_t tried = 0;
    const std::uint64_t max_out = std::min<std::uint64_t>(c.st.lim.archive_entry_bytes, c.st.bytes_budget);
    const std::uint64_t cost = std::max<std::uint64_t>(1, spin_cost(as_bytes(info)));
    const std::size_t max_tries = static_cast<std::size_t>(std::max<std::uint64_t>(1, k_spin_budget / cost));
    for (const auto& cand : candidates) {
        if (tried >= max_tries || c.st.hash_rounds_budget < cost) break;
        // Each try is up to k_max_spin hash rounds: the clock is read before every one,
        // so an analysis past its time stops here rather than after 40M rounds.
        if (c.st.expired_now()) {
            limit_stop(c.st, c.rep, true, "Office decryption stopped at the per-message time limit", c.f.path);
            break;
        }
        c.st.hash_rounds_budget -= cost;
        ++tried;
        plain = ecma376_decrypt(as_bytes(info), as_bytes(package), cand.first, &type, max_out);
        if (plain) {
            used = &cand;
            break;
        }
        if (type == "extensible" || type == "unknown") break;  // no password will help
    }
    nlohmann::json enc{{"type", "ecma376-" + type}, {"opened", plain.has_value()}, {"passwords_tried", tried}};
    if (!plain && tried < candidates.size() && type != "extensible" && type != "unknown") enc["limited"] = true;
    if (!plain) {
        c.entry["encryption"] = std::move(enc);
        emit(c, k_encrypted, "encrypted OOXML package (" + type + "), not inspected: no candidate password opened it",
             {{"type", "ecma376-" + type}, {"opened", false}});
        return;
    }
    take_budget(c.st, plain->size());
    enc["password"] = utf8_clean(used->first, 256);
    enc["password_source"] = used->second ? "default" : "candidate";
    c.entry["encryption"] = std::move(enc);
    emit(c, k_encrypted, "encrypted OOXML package (" + type + "), opened and inspected",
         {{"type", "ecma376-" + type}, {"opened", true}});
    if (used->second)
        emit(c, k_default_password, "opens with Excel's default password VelvetSweatshop",
             {{"type", "ecma376-" + type}});
    else
        emit(c, k_body_password, "opens with a password found in the mail", password_evidence(c.st, used->first));
    analyse_nested(c, *plain, "!decrypted");
}

}  // namespace replyguard::attach::office
