// SPDX-License-Identifier: Apache-2.0
// tests/unit/outlook/outlook_test.cpp - MAPI -> RFC 5322, RTF, TNEF, PST listing, .msg errors
#include "attach/messages.hpp"
#include "history/learner.hpp"
#include "io/input.hpp"
#include "mime/parser.hpp"
#include "outlook/mapi.hpp"
#include "outlook/msg.hpp"
#include "outlook/pst.hpp"
#include "outlook/tnef.hpp"
#include "store/history.hpp"

#include <glib.h>
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

using namespace replyguard;
using namespace replyguard::outlook;

namespace {

std::string utf16(std::string_view ascii) {
    std::string o;
    for (char c : ascii) {
        o += c;
        o += '\0';
    }
    return o;
}

property str(std::string s) { return property{pt_unicode, std::move(s)}; }

std::string le32(std::uint32_t v) {
    std::string o(4, '\0');
    for (int i = 0; i < 4; ++i) o[i] = static_cast<char>((v >> (8 * i)) & 0xFF);
    return o;
}
std::string le16(std::uint16_t v) { return std::string{static_cast<char>(v & 0xFF), static_cast<char>(v >> 8)}; }

std::string read_all(const std::string& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

// A TNEF MAPI property list with unicode strings and one optional PT_OBJECT.
std::string tnef_props(const std::vector<std::pair<std::uint16_t, std::string>>& strings,
                       const std::string* object = nullptr) {
    std::string o = le32(static_cast<std::uint32_t>(strings.size() + (object ? 1 : 0)));
    auto var = [&](std::uint16_t type, std::uint16_t id, const std::string& v) {
        o += le16(type) + le16(id) + le32(1) + le32(static_cast<std::uint32_t>(v.size())) + v;
        o.append((4 - v.size() % 4) % 4, '\0');
    };
    for (const auto& [id, s] : strings) var(pt_unicode, id, utf16(s) + std::string(2, '\0'));
    if (object) var(pt_object, pr_attach_data, *object);
    return o;
}

std::string tnef_attr(std::uint8_t level, std::uint32_t id, const std::string& data) {
    std::uint16_t sum = 0;
    for (unsigned char c : data) sum = static_cast<std::uint16_t>(sum + c);
    return std::string(1, static_cast<char>(level)) + le32(id) + le32(static_cast<std::uint32_t>(data.size())) + data +
           le16(sum);
}

std::string tnef_stream(const std::string& attrs) { return std::string("\x78\x9F\x3E\x22", 4) + le16(0x1234) + attrs; }

}  // namespace

TEST(OutlookRtf, DecompressesTheSpecExample) {
    // MS-OXRTFCP 3.1.1: "{\rtf1\ansi\ansicpg1252\pard hello world}\r\n" compressed.
    const unsigned char b[] = {0x2d, 0,    0,    0,    0x2b, 0,    0,    0,    0x4c, 0x5a, 0x46, 0x75, 0xf1,
                               0xc5, 0xc7, 0xa7, 0x03, 0x00, 0x0a, 0x00, 0x72, 0x63, 0x70, 0x67, 0x31, 0x32,
                               0x35, 0x42, 0x32, 0x0a, 0xf3, 0x20, 0x68, 0x65, 0x6c, 0x09, 0x00, 0x20, 0x62,
                               0x77, 0x05, 0xb0, 0x6c, 0x64, 0x7d, 0x0a, 0x80, 0x0f, 0xa0};
    auto r = decompress_rtf(std::string_view(reinterpret_cast<const char*>(b), sizeof b));
    ASSERT_TRUE(r);
    EXPECT_EQ(*r, "{\\rtf1\\ansi\\ansicpg1252\\pard hello world}\r\n");
    EXPECT_EQ(rtf_to_text(*r), "hello world");
    EXPECT_FALSE(decompress_rtf("short"));
}

TEST(OutlookRtf, TextAndEncapsulatedHtml) {
    std::string rtf =
        "{\\rtf1\\ansi\\ansicpg932{\\fonttbl{\\f0 MS Gothic;}}\\uc1 \\u12371?\\u12435?\\'82\\'cd\\par second}";
    EXPECT_EQ(rtf_to_text(rtf), "こん\xE3\x81\xAF\nsecond");  // \'82\'cd is は in CP932
    std::string html_rtf =
        "{\\rtf1\\ansi\\fromhtml1 {\\*\\htmltag19 <html>}{\\*\\htmltag2 <body>}\\htmlrtf {\\b\\htmlrtf0 "
        "Hello{\\*\\htmltag84 <b>}\\htmlrtf \\b0\\htmlrtf0 world{\\*\\htmltag92 </b>}\\htmlrtf }\\htmlrtf0 "
        "{\\*\\htmltag4 </body>}}";
    std::string html;
    rtf_to_text(html_rtf, &html);
    EXPECT_EQ(html, "<html><body>Hello<b>world</b></body>");
}

TEST(OutlookMapi, StringsAndAddresses) {
    EXPECT_EQ(utf16le_to_utf8(std::string("\x42\x30\x3D\xD8\x00\xDE\0\0", 8)), "あ\xF0\x9F\x98\x80");
    EXPECT_EQ(codepage_to_utf8("\x82\xA0", 932), "あ");
    EXPECT_EQ(smtp_address("SMTP", "a@example.com", "", nullptr), "a@example.com");
    EXPECT_EQ(smtp_address("EX", "/O=ORG/OU=SITE/CN=RECIPIENTS/CN=TANAKA", "tanaka@fuji.example", nullptr),
              "tanaka@fuji.example");
    ex_map ex{{"/o=org/ou=site/cn=recipients/cn=sato", "sato@sakura.example"}};
    EXPECT_EQ(smtp_address("EX", "/O=ORG/OU=SITE/CN=Recipients/CN=SATO", "", &ex), "sato@sakura.example");
    EXPECT_EQ(smtp_address("EX", "/O=ORG/OU=SITE/CN=RECIPIENTS/CN=YAMADA", "", &ex), "yamada@exchange.invalid");
    EXPECT_EQ(filetime_to_unix(116444736000000000ULL), 0);
}

TEST(OutlookMapi, RebuildsHeadersFromProperties) {
    mapi_message m;
    m.props[pr_subject] = str(std::string("\x01\x04RE: 見積の件", 18));
    m.props[pr_sent_representing_name] = str("田中 一郎");
    m.props[pr_sent_representing_addrtype] = str("EX");
    m.props[pr_sent_representing_email] = str("/O=FUJI/OU=X/CN=RECIPIENTS/CN=TANAKA");
    m.props[pr_sender_name] = str("Assistant");
    m.props[pr_sender_addrtype] = str("SMTP");
    m.props[pr_sender_email] = str("assistant@fuji.example");
    m.props[pr_internet_message_id] = str("<b2@fuji.example>");
    m.props[pr_in_reply_to_id] = str("<a1@sakura.example>");
    m.props[pr_internet_references] = str("<a0@sakura.example> <a1@sakura.example>");
    m.props[pr_conversation_index] = property{pt_binary, std::string("\x01\xD9\x00\x01", 4)};
    m.props[pr_client_submit_time] = property{pt_systime, std::string("\x00\x80\xBB\x53\xE9\x23\xDA\x01", 8)};
    m.props[pr_body] = str("本文です\n");
    property_map r1, r2;
    r1[pr_display_name] = str("sato@sakura.example");
    r1[pr_addrtype] = str("SMTP");
    r1[pr_email_address] = str("sato@sakura.example");
    r1[pr_recipient_type] = property{pt_long, le32(1)};
    r2[pr_display_name] = str("Suzuki");
    r2[pr_addrtype] = str("EX");
    r2[pr_email_address] = str("/o=sakura/cn=suzuki");
    r2[pr_smtp_address] = str("suzuki@sakura.example");
    r2[pr_recipient_type] = property{pt_long, le32(2)};
    m.recipients = {r1, r2};
    mapi_attachment a;
    a.props[pr_attach_long_filename] = str("請求書.zip");
    a.props[pr_attach_mime_tag] = str("application/zip");
    a.data = "PK\x03\x04zipbytes";
    m.attachments.push_back(std::move(a));
    ex_map ex{{"/o=fuji/ou=x/cn=recipients/cn=tanaka", "tanaka@fuji.example"}};
    rebuild_options o;
    o.ex_to_smtp = &ex;
    std::string bytes = to_rfc822(m, o);

    mime::init();
    auto msg = mime::parse_message(bytes, limits{});
    ASSERT_TRUE(msg.from);
    EXPECT_EQ(msg.from->address, "tanaka@fuji.example");
    EXPECT_EQ(msg.from->name, "田中 一郎");
    ASSERT_TRUE(msg.sender);
    EXPECT_EQ(msg.sender->address, "assistant@fuji.example");
    EXPECT_EQ(msg.subject.decoded, "RE: 見積の件");
    EXPECT_EQ(msg.message_id, "b2@fuji.example");
    EXPECT_EQ(msg.in_reply_to, std::vector<std::string>{"a1@sakura.example"});
    EXPECT_EQ(msg.references, (std::vector<std::string>{"a0@sakura.example", "a1@sakura.example"}));
    ASSERT_EQ(msg.to.size(), 1u);
    EXPECT_EQ(msg.to[0].address, "sato@sakura.example");
    EXPECT_EQ(msg.to[0].name, "");  // Outlook's "name = address" is no name
    ASSERT_EQ(msg.cc.size(), 1u);
    EXPECT_EQ(msg.cc[0].address, "suzuki@sakura.example");
    ASSERT_TRUE(msg.header("Thread-Index"));
    EXPECT_EQ(msg.header("Thread-Index")->value(), "AdkAAQ==");
    ASSERT_TRUE(msg.date);
    EXPECT_EQ(*msg.date, 1701388800);  // 2023-12-01 00:00:00 UTC
    EXPECT_NE(msg.body_text.find("本文です"), std::string::npos);
    ASSERT_EQ(msg.attachments.size(), 1u);
    EXPECT_EQ(msg.attachments[0].filename, "請求書.zip");
    EXPECT_EQ(msg.attachments[0].data, "PK\x03\x04zipbytes");
}

TEST(OutlookMapi, TransportHeadersWinOverProperties) {
    mapi_message m;
    m.props[pr_transport_message_headers] =
        str("Received: from mx.example (mx.example [192.0.2.1])\r\n\tby us; Mon, 1 Dec 2023 00:00:00 +0000\r\n"
            "From: Real <real@example.com>\r\nSubject: real subject\r\nMessage-ID: <t@example.com>\r\n"
            "Content-Type: multipart/mixed;\r\n\tboundary=\"gone\"\r\nMIME-Version: 1.0\r\n\r\n");
    m.props[pr_subject] = str("property subject");
    m.props[pr_body] = str("the body\n");
    auto msg = mime::parse_message(to_rfc822(m), limits{});
    ASSERT_TRUE(msg.from);
    EXPECT_EQ(msg.from->address, "real@example.com");
    EXPECT_EQ(msg.subject.decoded, "real subject");
    EXPECT_EQ(msg.received.size(), 1u);
    EXPECT_NE(msg.body_text.find("the body"), std::string::npos);  // not lost behind the old boundary
}

TEST(OutlookTnef, ReadsFilesOfMimeKitSample) {
    auto t = read_tnef(read_all(std::string(REPLYGUARD_TEST_DATA) + "/outlook/one-file.tnef"));
    ASSERT_TRUE(t) << t.error().message;
    ASSERT_EQ(t->files.size(), 1u);
    EXPECT_EQ(t->files[0].name, "AUTHORS");  // MimeKit's one-file.list
    EXPECT_NE(t->files[0].data.find("Author"), std::string::npos);
    EXPECT_FALSE(read_tnef("not tnef"));
}

TEST(OutlookTnef, AttachedMessageIsRebuilt) {
    // The inner message: its own TNEF stream with message properties and one file.
    std::string inner =
        tnef_stream(tnef_attr(1, 0x00069003,
                              tnef_props({{pr_subject, "RE: invoice"},
                                          {pr_sent_representing_name, "Tanaka"},
                                          {pr_sent_representing_addrtype, "SMTP"},
                                          {pr_sent_representing_email, "tanaka@evil.example"},
                                          {pr_internet_message_id, "<hijack@evil.example>"},
                                          {pr_body, "please open"}})) +
                    tnef_attr(2, 0x00069002, std::string(14, '\0')) +
                    tnef_attr(2, 0x00018010, std::string("a.doc\0", 6)) + tnef_attr(2, 0x0006800F, "DOCBYTES"));
    std::string object = std::string(16, '\x07') + inner;  // IID_IMessage + stream
    std::string outer =
        tnef_stream(tnef_attr(2, 0x00069002, std::string(14, '\0')) +
                    tnef_attr(2, 0x00069005, tnef_props({{pr_attach_long_filename, "fw.msg"}}, &object)) +
                    tnef_attr(2, 0x00069002, std::string(14, '\0')) +
                    tnef_attr(2, 0x00018010, std::string("note.txt\0", 9)) + tnef_attr(2, 0x0006800F, "hello"));
    auto t = read_tnef(outer);
    ASSERT_TRUE(t) << t.error().message;
    ASSERT_EQ(t->files.size(), 1u);
    EXPECT_EQ(t->files[0].name, "note.txt");
    ASSERT_EQ(t->messages.size(), 1u);
    auto msg = mime::parse_message(t->messages[0], limits{});
    ASSERT_TRUE(msg.from);
    EXPECT_EQ(msg.from->address, "tanaka@evil.example");
    EXPECT_EQ(msg.subject.decoded, "RE: invoice");
    EXPECT_EQ(msg.message_id, "hijack@evil.example");
    ASSERT_EQ(msg.attachments.size(), 1u);
    EXPECT_EQ(msg.attachments[0].filename, "a.doc");

    // The same stream as a winmail.dat attachment: attach::attached_messages() finds the message.
    std::string eml =
        "From: a@example.com\nSubject: x\nMIME-Version: 1.0\n"
        "Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nhi\n"
        "--b\nContent-Type: application/ms-tnef\nContent-Disposition: attachment; filename=winmail.dat\n"
        "Content-Transfer-Encoding: base64\n\n";
    gchar* b64 = g_base64_encode(reinterpret_cast<const guchar*>(outer.data()), outer.size());
    eml += b64;
    g_free(b64);
    eml += "\n--b--\n";
    auto with = mime::parse_message(eml, limits{});
    auto found = attach::attached_messages(with);
    ASSERT_EQ(found.size(), 1u);
    EXPECT_EQ(found[0].kind, "tnef");
    EXPECT_NE(found[0].bytes.find("hijack@evil.example"), std::string::npos);

    // Cut short: what was read before the cut.
    auto cut = read_tnef(std::string_view(outer).substr(0, outer.size() - 10));
    ASSERT_TRUE(cut);
    EXPECT_EQ(cut->messages.size(), 1u);
}

TEST(OutlookMsg, RefusesWhatIsNotAMessage) {
    EXPECT_FALSE(looks_like_msg("hello"));
    EXPECT_FALSE(read_msg("hello"));
    // An OLE2 document (a Word file) is not a .msg.
    auto doc = read_all(std::string(REPLYGUARD_CORPUS_DIR) + "/office/with-macros/poi/SimpleMacro.doc");
    if (!doc.empty()) {
        EXPECT_TRUE(is_ole2(doc));
        EXPECT_FALSE(looks_like_msg(doc));
        EXPECT_FALSE(read_msg(doc));
    }
    auto m = read_msg(read_all(std::string(REPLYGUARD_TEST_DATA) + "/outlook/strangeDate.msg"));
    ASSERT_TRUE(m) << m.error().message;
    EXPECT_EQ(get_string(m->props, pr_subject).value_or(""), "MSG Test File");
    EXPECT_TRUE(get_binary(m->props, pr_rtf_compressed));
}

TEST(OutlookPst, ListsTheCorpusFileAndFailsCleanly) {
    const std::string pst = std::string(REPLYGUARD_CORPUS_DIR) + "/outlook/apache-dev-age.pst";
    std::vector<std::string> seen;
    auto f = pst_file::open(pst, [&](const pst_folder& fo) { seen.push_back(fo.path); });
    ASSERT_TRUE(f) << f.error().message;
    EXPECT_EQ((*f)->kind(), "PST");
    ASSERT_EQ((*f)->entries().size(), 10u);
    EXPECT_EQ((*f)->entries()[3].folder, "dev_age_apache_org");
    EXPECT_EQ((*f)->entries()[3].index, 3u);
    EXPECT_NE(std::find(seen.begin(), seen.end(), "Deleted Items"), seen.end());
    EXPECT_TRUE((*f)->errors().empty());
    auto m = (*f)->message(4);
    ASSERT_TRUE(m);
    auto msg = mime::parse_message(*m, limits{});
    EXPECT_EQ(msg.message_id, "CAFOrqz3sn9UBf2TiB8DkNQdRzoY1i4hGt-_tzi7OvYupBoVFZw@mail.gmail.com");
    ASSERT_EQ(msg.cc.size(), 1u);
    EXPECT_EQ(msg.cc[0].address, "commits@age.apache.org");
    EXPECT_FALSE((*f)->message(99));

    auto bad = pst_file::open(std::string(REPLYGUARD_TEST_DATA) + "/outlook/one-file.tnef");
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.error().message.find("Outlook data file"), std::string::npos);
}

TEST(OutlookIo, PstItemsAreNamedByFolder) {
    const std::string pst = std::string(REPLYGUARD_CORPUS_DIR) + "/outlook/apache-dev-age.pst";
    std::vector<std::string> notes;
    io::expand_options o;
    o.notice = [&](const std::string& l) { notes.push_back(l); };
    auto items = io::expand_inputs({pst}, o);
    ASSERT_EQ(items.size(), 10u);
    EXPECT_EQ(items[9].source, pst + "#dev_age_apache_org#9");
    EXPECT_TRUE(items[9].owners);
    auto bytes = io::load(items[9]);
    ASSERT_TRUE(bytes);
    EXPECT_NE(bytes->find("Message-ID: <I_kwDOEHflqs56tB4s@gitbox.apache.org>"), std::string::npos);
    EXPECT_EQ(notes.size(), 2u);  // Deleted Items, dev_age_apache_org
}

TEST(OutlookLearn, OwnerAddressesMakeMailSent) {
    auto h = store::make_memory_history();
    auto msg = mime::parse_message(
        "From: Me <me@webmail.example>\nTo: you@example.org\nSubject: hi\n"
        "Message-ID: <m1@webmail.example>\n\nhello\n",
        limits{});
    history::learn_options plain;
    auto r1 = history::prepare_learn(*h, msg, plain);
    ASSERT_TRUE(r1);
    EXPECT_FALSE(r1->rec.sent);
    history::learn_options owned;
    owned.own_addresses = {"me@webmail.example"};
    auto r2 = history::prepare_learn(*h, msg, owned);
    ASSERT_TRUE(r2);
    EXPECT_TRUE(r2->rec.sent);
}

TEST(OutlookRobustness, MutatedFilesNeverCrash) {
    // Damaged .msg and TNEF files arrive as attachments of hostile mail: every
    // reader must return a value or an error, whatever the bytes.
    std::vector<std::string> seeds{read_all(std::string(REPLYGUARD_TEST_DATA) + "/outlook/strangeDate.msg"),
                                   read_all(std::string(REPLYGUARD_TEST_DATA) + "/outlook/data-before-name.tnef"),
                                   read_all(std::string(REPLYGUARD_TEST_DATA) + "/outlook/two-files.tnef")};
    std::uint32_t x = 12345;
    auto rnd = [&] { return x = x * 1103515245u + 12345u, (x >> 8); };
    int readable = 0;
    for (const auto& seed : seeds) {
        ASSERT_FALSE(seed.empty());
        for (int i = 0; i < 150; ++i) {
            std::string d = seed;
            int flips = 1 + static_cast<int>(rnd() % 40);
            for (int k = 0; k < flips; ++k) d[8 + rnd() % (d.size() - 8)] = static_cast<char>(rnd());
            if (i % 5 == 0) d.resize(8 + rnd() % (d.size() - 8));
            if (is_tnef(d)) {
                if (auto t = read_tnef(d)) ++readable;
            } else if (auto m = msg_to_rfc822(d)) {
                ++readable;
                (void)mime::parse_message(*m, limits{});
            }
        }
    }
    EXPECT_GT(readable, 0);
    EXPECT_FALSE(decompress_rtf(std::string("\x10\0\0\0\xff\xff\xff\x7fLZFu\0\0\0\0", 16)).value_or("x").size() > 1);
    std::string deep(10000, '{');
    EXPECT_EQ(rtf_to_text(deep), "");
}

TEST(OutlookMapi, EmbeddedMessageBecomesAnAttachedMessage) {
    // A .msg/PST item with an attached message (ATTACH_EMBEDDED_MSG) is rebuilt
    // with a message/rfc822 part, which the engine then analyses on its own.
    auto inner = std::make_unique<mapi_message>();
    inner->props[pr_subject] = str("RE: 請求書");
    inner->props[pr_sent_representing_name] = str("Tanaka");
    inner->props[pr_sent_representing_email] = str("tanaka@evil.example");
    inner->props[pr_internet_message_id] = str("<inner@evil.example>");
    inner->props[pr_html] = property{pt_binary, "<p>\x90\xBF\x8B\x81\x8F\x91</p>"};  // 請求書 in CP932
    inner->props[pr_internet_cpid] = property{pt_long, le32(932)};
    mapi_message outer;
    outer.props[pr_subject] = str("FW: suspicious");
    outer.props[pr_sent_representing_email] = str("sato@sakura.example");
    outer.props[pr_body] = str("see attached");
    mapi_attachment a;
    a.props[pr_attach_long_filename] = str("RE 請求書");
    a.embedded = std::move(inner);
    outer.attachments.push_back(std::move(a));
    auto msg = mime::parse_message(to_rfc822(outer), limits{});
    auto found = attach::attached_messages(msg);
    ASSERT_EQ(found.size(), 1u);
    EXPECT_EQ(found[0].kind, "rfc822");
    auto nested = mime::parse_message(found[0].bytes, limits{});
    ASSERT_TRUE(nested.from);
    EXPECT_EQ(nested.from->address, "tanaka@evil.example");
    EXPECT_EQ(nested.message_id, "inner@evil.example");
    EXPECT_NE(nested.body_text.find("請求書"), std::string::npos) << nested.body_text;
}
