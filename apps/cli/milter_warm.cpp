// SPDX-License-Identifier: Apache-2.0
// apps/cli/milter_warm.cpp - one made-up message analysed before the first real one
//
// DESCRIPTION
//   The first analysis on a thread builds what later ones reuse: libmagic
//   compiles its text rules' regular expressions (per handle, i.e. per thread:
//   ~12 M instructions), ICU's converters, uchardet, GMime's and jemalloc's
//   per-thread state; and the engine's first message from an unknown domain
//   builds the lookalike check's domain index of the whole history
//   (history/domain_index.hpp: 14.5 M instructions for the bench's 2,861
//   learnt messages, ~1.4 s at 100,000 domains). In the milter that cost fell
//   on the first real messages after a start or a reload, inside their
//   `analysis_ms` and their SMTP reply: callgrind over bench/milter_load.sh's
//   200-message mix (`scan --db` of its learnt history, one dump a message)
//   put the 7th message (26 KB, the first with a plain text attachment and
//   from an unknown domain) at 56.5 M instructions, ~26 M of them those
//   first-use builds, the costliest of the 200.
//
//   warm_up() analyses the message below once on each of `threads` pool
//   threads (milter_pool.hpp) at start, after the socket listens (Postfix's
//   connections wait in its backlog) and before the first is accepted; on
//   SIGHUP the new engine analyses it once before it takes over (its domain
//   index). The message has what the costly first uses need: ISO-2022-JP and
//   UTF-8 text, HTML with a link, a plain text attachment (all of libmagic's
//   text rules), a reply with a quote, a sender from a domain no history holds.
// LIMITS
//   The message is made up here (example domains, RFC 2606); engine::scan
//   only: nothing is learnt, kept or counted in the metrics. Exceptions are
//   swallowed: a warm-up that fails leaves the analysis as cold as before.
#include "cli/milter_daemon.hpp"
#include "cli/milter_pool.hpp"

#include <chrono>
#include <string_view>

namespace replyguard::cli::milterd {

namespace {

constexpr std::string_view k_message =
    "From: \"Warm Up\" <warm-up@replyguard-warm-up.example>\r\n"
    "To: someone@replyguard-warm-up.example\r\n"
    "Subject: Re: =?ISO-2022-JP?B?GyRCOGE4ZTpuNkgkTjdvGyhC?=\r\n"
    "Date: Sun, 06 Dec 2026 00:00:00 +0000\r\n"
    "Message-ID: <warm-up.1@replyguard-warm-up.example>\r\n"
    "In-Reply-To: <warm-up.0@replyguard-warm-up.example>\r\n"
    "References: <warm-up.0@replyguard-warm-up.example>\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/mixed; boundary=\"w1\"\r\n"
    "\r\n"
    "--w1\r\n"
    "Content-Type: multipart/alternative; boundary=\"w2\"\r\n"
    "\r\n"
    "--w2\r\n"
    "Content-Type: text/plain; charset=ISO-2022-JP\r\n"
    "Content-Transfer-Encoding: 7bit\r\n"
    "\r\n"
    "\x1b$B$*@$OC$K$J$C$F$*$j$^$9!#\x1b(B\r\n"
    "\r\n"
    "On Sat, 5 Dec 2026, Someone <someone@replyguard-warm-up.example> wrote:\r\n"
    "> the figures are attached\r\n"
    "--w2\r\n"
    "Content-Type: text/html; charset=UTF-8\r\n"
    "Content-Transfer-Encoding: 8bit\r\n"
    "\r\n"
    "<html><body><p>\xe3\x81\x8a\xe4\xb8\x96\xe8\xa9\xb1\xe3\x81\xab\xe3\x81\xaa\xe3\x81\xa3\xe3\x81\xa6"
    "\xe3\x81\x8a\xe3\x82\x8a\xe3\x81\xbe\xe3\x81\x99</p>"
    "<p><a href=\"https://replyguard-warm-up.example/figures\">figures</a></p></body></html>\r\n"
    "--w2--\r\n"
    "--w1\r\n"
    "Content-Type: text/plain; name=\"notes.txt\"\r\n"
    "Content-Disposition: attachment; filename=\"notes.txt\"\r\n"
    "\r\n"
    "line one of the notes\r\n"
    "line two of the notes\r\n"
    "--w1--\r\n";

}  // namespace

double warm_up(const scan::engine& eng, std::size_t threads) {
    const auto t0 = std::chrono::steady_clock::now();
    auto job = [&eng] {
        try {
            (void)eng.scan(k_message, "warm-up");
        } catch (...) {
            // As cold as before; the real messages will tell.
        }
    };
    if (threads == 0)
        job();
    else
        run_on_threads(threads, job);
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace replyguard::cli::milterd
