// SPDX-License-Identifier: Apache-2.0
// apps/cli/serve_body.cpp - `serve`: the message bytes of a scan request (size limit, zstd)
//
// DESCRIPTION
//   read_body() takes the body of POST /api/v1/scan and /checkv2 as sent and,
//   when the request says "Compression: zstd" (rspamd's protocol: `rspamc -z`,
//   the rspamd proxy's `compression = true`), decompresses it with libzstd
//   (Debian libzstd-dev) before anything is scanned. What cannot be read is
//   refused, never scanned as bytes: another Compression value, a zstd
//   dictionary ("Dictionary", `rspamc -D`), an encrypted request ("Key",
//   `rspamc --key`), a Content-Encoding other than identity, a corrupt or
//   truncated zstd frame.
// LIMITS
//   limits.message_bytes holds twice: for the body as sent and for the
//   decompressed message. Decompression is streamed in ZSTD_DStreamOutSize()
//   steps and stops as soon as the output passes the limit (a zstd bomb costs
//   at most the limit plus one step); the zstd window is capped at 2^27 bytes
//   (libzstd's default) so a frame cannot demand more decoder memory.
// DIAGNOSTICS
//   400 bad_request (empty body, corrupt zstd), 413 too_large (either size),
//   415 unsupported_media_type (a form upload, a compression or dictionary we
//   cannot read, an encrypted request).
#include "cli/serve_http.hpp"
#include "core/strings.hpp"
#include "milter/plan.hpp"

#include <fmt/format.h>
#include <zstd.h>

#include <memory>

namespace replyguard::cli::serve {

namespace {

struct dctx_free {
    void operator()(ZSTD_DCtx* d) const { ZSTD_freeDCtx(d); }
};

struct refusal {
    int status;
    std::string_view code;
    std::string message;
};

/// `in` decompressed, or why not.
std::expected<std::string, refusal> unzstd(std::string_view in, std::uint64_t limit) {
    std::unique_ptr<ZSTD_DCtx, dctx_free> d(ZSTD_createDCtx());
    if (!d) return std::unexpected(refusal{500, "internal", "cannot allocate a zstd decoder"});
    ZSTD_DCtx_setParameter(d.get(), ZSTD_d_windowLogMax, 27);
    std::string out;
    std::string step(ZSTD_DStreamOutSize(), '\0');
    ZSTD_inBuffer ib{in.data(), in.size(), 0};
    std::size_t ret = 1;
    for (;;) {
        ZSTD_outBuffer ob{step.data(), step.size(), 0};
        ret = ZSTD_decompressStream(d.get(), &ob, &ib);
        if (ZSTD_isError(ret))
            return std::unexpected(refusal{
                400, "bad_request", fmt::format("the zstd body cannot be decompressed: {}", ZSTD_getErrorName(ret))});
        if (out.size() + ob.pos > limit)
            return std::unexpected(
                refusal{413, "too_large", fmt::format("the decompressed message is larger than {} bytes", limit)});
        out.append(step.data(), ob.pos);
        if (ib.pos == ib.size && ob.pos < ob.size) break;  // all input used, nothing more buffered
    }
    if (ret != 0) return std::unexpected(refusal{400, "bad_request", "the zstd body is truncated (incomplete frame)"});
    return out;
}

}  // namespace

std::optional<std::string> read_body(const context& c, const http::request& req, http::response& res) {
    if (req.is_multipart_form_data()) {
        send_error(res, 415, "unsupported_media_type",
                   "send the raw message as the body (Content-Type: message/rfc822), not a form");
        return std::nullopt;
    }
    // Refused before the body is read: nothing of it could be scanned.
    std::string compression = lower(trim(req.get_header_value("Compression")));
    std::string encoding = lower(trim(req.get_header_value("Content-Encoding")));
    if (req.has_header("Dictionary")) {
        send_error(res, 415, "unsupported_media_type",
                   "zstd dictionaries (Dictionary header, rspamc -D) are not supported: send the body without one");
        return std::nullopt;
    }
    if (req.has_header("Key")) {
        send_error(res, 415, "unsupported_media_type",
                   "encrypted requests (Key header, rspamc --key) are not supported: use a token over loopback or TLS");
        return std::nullopt;
    }
    if (!compression.empty() && compression != "zstd") {
        send_error(res, 415, "unsupported_media_type",
                   fmt::format("Compression: {} is not supported (only zstd)", milter::ascii_only(compression)));
        return std::nullopt;
    }
    if (!encoding.empty() && encoding != "identity") {
        send_error(res, 415, "unsupported_media_type",
                   fmt::format("Content-Encoding: {} is not supported (send the message as it is, or "
                               "Compression: zstd)",
                               milter::ascii_only(encoding)));
        return std::nullopt;
    }

    const std::uint64_t limit = c.cfg.lim.message_bytes;
    // The server read the body under the same limit (413 beyond it).
    std::string body = req.body;
    if (body.size() > limit) {
        send_error(res, 413, "too_large", fmt::format("the body is larger than {} bytes", limit));
        return std::nullopt;
    }
    if (compression == "zstd") {
        auto plain = unzstd(body, limit);
        if (!plain) {
            send_error(res, plain.error().status, plain.error().code, plain.error().message);
            return std::nullopt;
        }
        body = std::move(*plain);
    }
    if (body.empty()) {
        send_error(res, 400, "bad_request", "POST the raw message (RFC 5322 bytes) as the request body");
        return std::nullopt;
    }
    return body;
}

}  // namespace replyguard::cli::serve
