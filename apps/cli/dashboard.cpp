// SPDX-License-Identifier: Apache-2.0
// apps/cli/dashboard.cpp - the dashboard: plain HTML, CSS and JavaScript embedded in the binary
//
// DESCRIPTION
//   What a mail admin works with (issue 14 item 4), in English or Japanese
//   (every label in both; ?lang=en|ja or the header switch):
//   - detections per arrival day stacked by verdict (inline SVG) and a table
//     per day: detections, malicious, suspicious, marked genuine, confirmed;
//   - the campaign table, exportable with the advisory (注意喚起) draft as CSV
//     or Markdown (GET /api/v1/report: campaign/report.cpp renders them);
//   - the detections, filtered by sender, subject, verdict, finding, feedback
//     and arrival day (the form's values are also read from the address:
//     ?verdict=malicious&finding=...);
//   - a message view: the key facts, every finding explained, and its
//     evidence laid out as labelled fields and tables (raw JSON folded away);
//     with a token, "this is genuine" / "this is a hijack" buttons
//     (POST /api/v1/detections/ID/feedback, serve_feedback.cpp).
//   Times are arrival times (when replyguard saw the mail) in UTC; the Date:
//   header is shown beside, never used for order, and flagged when it lies
//   in the future.
//   It reads only the JSON API of the same server. Why embedded plain files
//   and no framework or build step: one binary to deploy, nothing fetched
//   from a CDN (the dashboard must work on an isolated mail host, and mail
//   metadata must not leak to third parties), no npm toolchain to keep
//   patched; the page is small enough to read in one sitting (docs/report.md).
//   Every value from mail is inserted with textContent, never as HTML.
//   A token, when the server needs one, is given once as #token=... in the
//   address and kept in sessionStorage.
#include "cli/dashboard.hpp"

namespace replyguard::cli {

namespace {

constexpr std::string_view k_page = R"rg-html(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>replyguard dashboard</title>
<style>
body{font-family:system-ui,"Hiragino Sans","Noto Sans CJK JP",sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
header{background:#1d2330;color:#fff;padding:.7em 1.2em;display:flex;align-items:center;gap:1em}
header h1{font-size:1.15em;margin:0;flex:1}
header button{background:#39414f;color:#fff;border:1px solid #586070;border-radius:4px;padding:.25em .7em;cursor:pointer}
header button.on{background:#e0a030;color:#1d2330}
#auth{font-size:.85em;color:#c8ccd4}
main{padding:1em 1.2em;max-width:1280px;margin:auto}
section{background:#fff;border:1px solid #dde1e7;border-radius:6px;padding:.8em 1em;margin-bottom:1em}
h2{font-size:1.05em;margin:.1em 0 .6em}
h3{font-size:.98em;margin:.2em 0 .4em}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:.92em}
th,td{border-bottom:1px solid #e6e9ee;padding:.35em .5em;text-align:left;vertical-align:top}
/* Japanese headers must not break per character when a column is squeezed. */
th{background:#f0f2f5;white-space:nowrap;word-break:keep-all}
td{overflow-wrap:anywhere}
td.n{text-align:right;white-space:nowrap}
td.t,td.id,td.v-malicious,td.v-suspicious{white-space:nowrap}
td.ids{font-size:.85em}
tr.own td{background:#fff4e5}
tr.fb-genuine td{color:#6b7380;text-decoration:line-through}
a{color:#2456b3;cursor:pointer}
.v-malicious{color:#b3261e;font-weight:600}.v-suspicious{color:#a06000;font-weight:600}
.legend span{display:inline-block;margin-right:1em;font-size:.85em}
.legend i{display:inline-block;width:.8em;height:.8em;margin-right:.3em;vertical-align:-.05em}
pre{background:#f4f5f7;padding:.4em;overflow:auto;max-height:14em;font-size:.85em;margin:0}
.muted{color:#6b7380;font-size:.9em}
.warn{color:#b3261e;font-weight:600}
#error{color:#b3261e}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.2em 1em;margin:0 0 .8em}
dt{color:#6b7380;white-space:nowrap}
dd{margin:0;overflow-wrap:anywhere}
form#filters{display:flex;flex-wrap:wrap;gap:.5em 1em;align-items:end;margin-bottom:.7em}
form#filters label{display:flex;flex-direction:column;font-size:.85em;color:#4a5260;white-space:nowrap}
form#filters input,form#filters select{font:inherit;font-size:.95em;padding:.2em .3em}
button.act{border:1px solid #586070;border-radius:4px;padding:.3em .8em;cursor:pointer;background:#fff}
button.genuine{border-color:#1e7b3a;color:#1e7b3a}button.hijack{border-color:#b3261e;color:#b3261e}
.exports a{display:inline-block;margin:0 .8em .5em 0;padding:.2em .6em;border:1px solid #c5cbd5;border-radius:4px;text-decoration:none;white-space:nowrap}
.evidence{border-left:3px solid #dde1e7;padding:.2em 0 .2em .8em;margin:.6em 0 1em}
.evidence table{font-size:.88em;width:auto}
.evidence dl{margin:0}
details summary{cursor:pointer;color:#6b7380;font-size:.85em}
.badge{display:inline-block;padding:0 .4em;border-radius:3px;font-size:.85em;white-space:nowrap}
.badge.genuine{background:#e3f4e8;color:#1e7b3a}.badge.hijack{background:#fbe4e2;color:#b3261e}
</style>
</head>
<body>
<header><h1 data-t="title">replyguard</h1><span id="auth"></span>
<button id="lang-en" type="button">English</button><button id="lang-ja" type="button">日本語</button></header>
<main>
<p id="error" role="alert"></p>
<section id="message" hidden><h2 data-t="message">Message</h2><div id="message-body"></div></section>
<section id="timeline-section"><h2 data-t="timeline">Detections per day</h2>
<p class="muted" data-t="timeline_note"></p>
<div id="timeline"></div><div class="legend" id="legend"></div>
<div class="scroll"><table id="perday"><thead><tr><th data-t="p_day"></th><th data-t="p_total"></th><th data-t="p_malicious"></th>
<th data-t="p_suspicious"></th><th data-t="p_genuine"></th><th data-t="p_hijack"></th><th data-t="p_actions"></th></tr></thead><tbody></tbody></table></div></section>
<section id="campaign-section"><h2 data-t="campaigns">Campaigns</h2>
<div class="exports" id="exports"></div>
<div class="scroll"><table id="campaigns"><thead><tr><th data-t="c_date">Date</th><th data-t="c_org">Impersonated organisation</th>
<th data-t="c_person">Impersonated person</th><th data-t="c_summary">Summary</th><th data-t="c_count">Count</th>
<th data-t="c_sender">Real sender</th><th data-t="c_messages">Messages</th></tr></thead><tbody></tbody></table></div></section>
<section id="detection-section"><h2 data-t="detections">Detections</h2>
<form id="filters">
<label><span data-t="f_q"></span><input id="f-q" name="q" type="search" size="18"></label>
<label><span data-t="f_subject"></span><input id="f-subject" name="subject" type="search" size="18"></label>
<label><span data-t="f_verdict"></span><select id="f-verdict" name="verdict"><option value="" data-t="any"></option>
<option value="malicious" data-t="malicious"></option><option value="suspicious" data-t="suspicious"></option></select></label>
<label><span data-t="f_finding"></span><select id="f-finding" name="finding"><option value="" data-t="any"></option></select></label>
<label><span data-t="f_feedback"></span><select id="f-feedback" name="feedback"><option value="" data-t="any"></option>
<option value="none" data-t="fb_none"></option><option value="genuine" data-t="fb_genuine"></option><option value="hijack" data-t="fb_hijack"></option></select></label>
<label><span data-t="f_from_day"></span><input id="f-day_from" name="day_from" type="date"></label>
<label><span data-t="f_to_day"></span><input id="f-day_to" name="day_to" type="date"></label>
<button class="act" type="submit" id="f-apply" data-t="apply"></button><button class="act" type="button" id="f-reset" data-t="reset"></button>
<span class="muted" id="match-count"></span>
</form>
<div class="scroll"><table id="detections"><thead><tr><th data-t="d_arrived">Arrived</th><th data-t="d_date">Date header</th><th data-t="d_from">From</th>
<th data-t="d_subject">Subject</th><th data-t="d_verdict">Verdict</th><th data-t="d_score">Score</th><th data-t="d_findings">Findings</th>
<th data-t="d_feedback">Feedback</th></tr></thead><tbody></tbody></table></div></section>
</main>
<script>
"use strict";
const T = {
  en: {title:"replyguard - reply-chain hijacking", timeline:"Detections per day (by arrival, UTC; by verdict)",
       timeline_note:"Counted by when replyguard saw each mail, never by its Date header. Only flagged mail is kept: clean mail counts are in /metrics. Actions are what the milter did; scan, serve and watch record none.",
       p_day:"Day (UTC)", p_total:"Detections", p_malicious:"Malicious", p_suspicious:"Suspicious", p_genuine:"Marked genuine", p_hijack:"Confirmed hijack", p_actions:"Actions",
       a_reject:"rejected", a_quarantine:"quarantined", a_accept:"delivered (tagged)", a_tempfail:"deferred", a_none:"no action recorded",
       campaigns:"Campaigns", exports:"Export", x_campaigns_csv:"Campaign table (CSV)", x_campaigns_md:"Campaign table (Markdown)",
       x_advisory_md:"Advisory draft 注意喚起 (Markdown)",
       c_date:"Period", c_org:"Impersonated organisation", c_person:"Impersonated person", c_summary:"Summary", c_count:"Count",
       c_sender:"Real sender", c_messages:"Messages", message:"Message", detections:"Detections",
       f_q:"Sender", f_subject:"Subject", f_verdict:"Verdict", f_finding:"Finding", f_feedback:"Feedback", f_from_day:"Arrived from",
       f_to_day:"Arrived until", apply:"Filter", reset:"Reset", any:"(any)", malicious:"malicious", suspicious:"suspicious",
       fb_none:"none yet", fb_genuine:"genuine (false positive)", fb_hijack:"hijack (confirmed)", shown:"shown", of:"of",
       d_arrived:"Arrived (UTC)", d_date:"Date header", d_from:"From", d_subject:"Subject", d_verdict:"Verdict", d_score:"Score",
       d_findings:"Findings", d_feedback:"Feedback", own:" (our organisation)", none:"No detections.", no_subject:"(no subject)",
       m_from:"From", m_subject:"Subject", m_arrived:"Arrived (UTC)", m_date:"Date header", m_future:"in the future: not trusted",
       m_verdict:"Verdict", m_recipients:"Recipients", m_relay:"Sent via", m_imp:"Impersonates", m_att:"Attachments", m_urls:"Links",
       m_source:"Source", m_mid:"Message-ID", m_feedback:"Feedback",
       f_id:"Finding", f_group:"Group", f_score:"Score", f_what:"What it means", f_detail:"Detail", f_evidence:"Evidence",
       ev_title:"Evidence, finding by finding", raw:"raw JSON", yes:"yes", no:"no",
       fb_ask:"Your judgement as admin:", fb_btn_genuine:"This is genuine", fb_btn_hijack:"This is a hijack", fb_btn_clear:"Withdraw",
       fb_need_token:"Feedback needs an admin token: start serve with --token and open the page with #token=...",
       fb_readonly:"Feedback is off: this server keeps no detections (--no-keep-detections).",
       fb_saved:"Saved: ", admin:"admin (token)", close:"close", err:"Cannot load: "},
  ja: {title:"replyguard - 返信型メール攻撃", timeline:"日別の検知数（受信日・UTC、判定別）",
       timeline_note:"replyguard がメールを受け取った日時で数えます。Date ヘッダーは使いません。保存されるのは検知したメールだけです（正常メールの件数は /metrics）。処置は milter が行ったもので、scan・serve・watch では記録されません。",
       p_day:"日付（UTC）", p_total:"検知数", p_malicious:"悪性", p_suspicious:"不審", p_genuine:"正規と判断", p_hijack:"攻撃と確認", p_actions:"処置",
       a_reject:"拒否", a_quarantine:"隔離", a_accept:"配送（警告付き）", a_tempfail:"一時拒否", a_none:"処置の記録なし",
       campaigns:"キャンペーン", exports:"出力", x_campaigns_csv:"キャンペーン一覧（CSV）", x_campaigns_md:"キャンペーン一覧（Markdown）",
       x_advisory_md:"注意喚起の文案（Markdown）",
       c_date:"期間", c_org:"なりすまされた組織", c_person:"なりすまされた人物", c_summary:"概要", c_count:"件数",
       c_sender:"実際の送信元", c_messages:"メール", message:"メールの詳細", detections:"検知一覧",
       f_q:"差出人", f_subject:"件名", f_verdict:"判定", f_finding:"検知項目", f_feedback:"管理者の判断", f_from_day:"受信日（から）",
       f_to_day:"受信日（まで）", apply:"絞り込む", reset:"解除", any:"（すべて）", malicious:"悪性", suspicious:"不審",
       fb_none:"未判断", fb_genuine:"正規（誤検知）", fb_hijack:"攻撃（確認済み）", shown:"件を表示", of:"件中",
       d_arrived:"受信日時（UTC）", d_date:"Date ヘッダー", d_from:"差出人", d_subject:"件名", d_verdict:"判定", d_score:"スコア",
       d_findings:"検知項目", d_feedback:"管理者の判断", own:"（自組織）", none:"検知はありません。", no_subject:"（件名なし）",
       m_from:"差出人", m_subject:"件名", m_arrived:"受信日時（UTC）", m_date:"Date ヘッダー", m_future:"未来の日付のため信用しません",
       m_verdict:"判定", m_recipients:"宛先", m_relay:"送信元サーバ", m_imp:"なりすまし対象", m_att:"添付ファイル", m_urls:"リンク",
       m_source:"入力元", m_mid:"Message-ID", m_feedback:"管理者の判断",
       f_id:"検知項目", f_group:"グループ", f_score:"スコア", f_what:"意味", f_detail:"詳細", f_evidence:"根拠",
       ev_title:"検知項目ごとの根拠", raw:"JSON（原文）", yes:"はい", no:"いいえ",
       fb_ask:"管理者としての判断：", fb_btn_genuine:"正規のメール", fb_btn_hijack:"攻撃メール", fb_btn_clear:"取り消す",
       fb_need_token:"判断の登録には管理者トークンが必要です（serve --token で起動し、#token=... 付きで開いてください）。",
       fb_readonly:"このサーバは検知を保存しないため（--no-keep-detections）、判断を登録できません。",
       fb_saved:"登録しました: ", admin:"管理者（トークン）", close:"閉じる", err:"読み込めません: "}
};
/* Labels of the evidence fields (docs/findings.md); an unknown key is shown as written. */
const EV = {
  en: {sender:"Sender", subject:"Subject", from:"From", address:"Address", name:"Name", names:"Names", links:"Links", url:"URL",
       thread_subject:"Thread subject", thread_id:"Thread", host:"Host", history:"History consulted", payload:"Payload", date:"Date",
       to:"To", sent:"Sent", quoted:"Quoted", participants:"Past participants of the thread", message_id:"Message-ID",
       known_addresses:"Known addresses", history_messages:"Messages in the history", found_by:"Found by", extension:"Extension",
       detail:"Detail", attachment:"Attachment", usual:"Usual", traits:"Traits", thread_messages:"Messages in the thread",
       thread_last_seen:"Thread last seen", thread_first_seen:"Thread first seen", strength:"Strength", seen:"This message",
       quoted_participant:"Quoted participant", quoted_message:"Quoted message", profile:"Profile", profile_messages:"Messages in the profile",
       family:"Family", families:"Broken families", broken:"Profile breaks", axis:"Axis", p_new:"Chance of a new value",
       linked_by:"Linked by", claimed:"Claimed client", client:"Client", header:"Header", messages:"Messages", first_seen:"First seen",
       last_seen:"Last seen", text:"Link text", shown_host:"Host shown", service:"Service", relay:"Relay", reply_to:"Reply-To",
       in_reply_to:"In-Reply-To", references:"References", recipients:"Recipients", domain:"Domain", sender_domain:"Sender domain",
       matched_fingerprints:"Matching text fingerprints", attribution:"Attribution", looks_like:"Looks like", address_in_name:"Address in the name",
       decryption_supported:"Decryption supported", encrypted_entries:"Encrypted entries", format:"Format", path:"Path",
       password:"Password", source_line:"Line it came from", real:"Real", shown:"Shown", type:"Type",
       impersonated:"Impersonated", via_message:"Via message", from_name:"Display name", referenced:"Referenced message",
       hijack:"Hijack findings", finding:"Finding", findings:"Findings", anomaly:"Anomaly", authserv_id:"authserv-id",
       body:"Body", boundary:"MIME boundary", cc:"Cc", content_types:"Content types", depth:"Depth",
       declared_size:"Declared size", declared_type:"Declared type", entries:"Entries", entries_read:"Entries read",
       field:"Field", from_headers:"From headers", from_mailboxes:"From addresses", how:"How", kind:"Kind", label:"Label",
       language:"Language", last_known_date:"Last known date", len:"Length", limit:"Limit", limit_ms:"Limit (ms)", line:"Line",
       link:"Link", link_host_never_used:"Link host never used before", link_hosts_never_used:"Link hosts never used before",
       matched:"Matched", member:"Member", members:"Members", method:"Method", mid:"Message-ID domain", mids:"Message-ID shape",
       mua:"Mail client", net:"Network", cs:"Charset", cte:"Transfer encoding", hour:"Hour", tz:"Time zone", ti:"Thread-Index",
       bnd:"Boundary shape", name_collision_possible:"Possibly the same name", opened:"Opened", origin:"Origin", ours:"Ours",
       part:"Part", pass:"Passed", password_mail:"Password mail", password_source:"Password from",
       passwords_tried:"Passwords tried", prefixes:"Prefixes", properties:"Properties", quote:"Quote", ratio:"Ratio",
       read_bytes:"Bytes read", result:"Result", results:"Results", rules:"Rules", score:"Score", source:"Source", state:"State",
       stream:"Stream", suspicious:"Suspicious", target:"Target", topic:"Topic", types:"Types", uri:"URI", verdict:"Verdict",
       where:"Where", code_points:"Characters", keywords:"Keywords", modules:"Modules", sheets:"Sheets", strings:"Strings",
       functions:"Functions", formulas:"Formulas", markers:"Markers", embedded_file:"Embedded file",
       embedded_files:"Embedded files", dormant:"Dormant", silent_days:"Days silent", silent_seconds:"Seconds silent",
       usual_interval_seconds:"Usual interval (s)", autoexec:"Runs by itself", execute:"Executes", write:"Writes",
       launch:"Launches", dde:"DDE", central_directory:"Central directory", local_header:"Local header", orphans:"Orphans",
       by:"By", size:"Size", sha256:"SHA-256"},
  ja: {sender:"差出人", subject:"件名", from:"差出人", address:"アドレス", name:"名前", names:"名前", links:"リンク", url:"URL",
       thread_subject:"スレッドの件名", thread_id:"スレッド", host:"ホスト", history:"履歴を参照", payload:"ペイロード", date:"日付",
       to:"宛先", sent:"送信", quoted:"引用", participants:"スレッドの過去の参加者", message_id:"Message-ID",
       known_addresses:"既知のアドレス", history_messages:"履歴のメール数", found_by:"検出方法", extension:"拡張子",
       detail:"詳細", attachment:"添付ファイル", usual:"いつもの値", traits:"特徴", thread_messages:"スレッドのメール数",
       thread_last_seen:"スレッドの最終日", thread_first_seen:"スレッドの開始日", strength:"強さ", seen:"このメール",
       quoted_participant:"引用された参加者", quoted_message:"引用されたメール", profile:"プロファイル", profile_messages:"プロファイルのメール数",
       family:"系統", families:"崩れた系統", broken:"プロファイルとの違い", axis:"項目", p_new:"新しい値の確率",
       linked_by:"関連付けの根拠", claimed:"名乗ったメールソフト", client:"メールソフト", header:"ヘッダー", messages:"メール数", first_seen:"初出",
       last_seen:"最終", text:"リンクの文字", shown_host:"表示上のホスト", service:"サービス", relay:"中継サーバ", reply_to:"返信先",
       in_reply_to:"In-Reply-To", references:"References", recipients:"宛先", domain:"ドメイン", sender_domain:"差出人のドメイン",
       matched_fingerprints:"一致した本文の指紋", attribution:"引用元の特定", looks_like:"似ている対象", address_in_name:"名前の中のアドレス",
       decryption_supported:"復号に対応", encrypted_entries:"暗号化されたエントリ", format:"形式", path:"パス", password:"パスワード",
       source_line:"出典の行", real:"実際", shown:"表示", type:"種類", impersonated:"なりすまし対象", via_message:"経由したメール", from_name:"表示名",
       referenced:"参照先のメール", hijack:"乗っ取りの検知", finding:"検知項目", findings:"検知項目", anomaly:"異常", authserv_id:"authserv-id",
       body:"本文", boundary:"MIME 境界", cc:"Cc", content_types:"コンテンツタイプ", depth:"深さ", declared_size:"宣言されたサイズ",
       declared_type:"宣言された種類", entries:"エントリ", entries_read:"読んだエントリ", field:"フィールド", from_headers:"From ヘッダー",
       from_mailboxes:"From のアドレス", how:"方法", kind:"種類", label:"ラベル", language:"言語", last_known_date:"最後に確認した日付", len:"長さ",
       limit:"上限", limit_ms:"上限（ミリ秒）", line:"行", link:"リンク", link_host_never_used:"初めてのリンク先", link_hosts_never_used:"初めてのリンク先",
       matched:"一致", member:"メンバー", members:"メンバー", method:"方法", mid:"Message-ID のドメイン", mids:"Message-ID の形", mua:"メールソフト",
       net:"ネットワーク", cs:"文字コード", cte:"転送エンコーディング", hour:"時刻", tz:"タイムゾーン", ti:"Thread-Index", bnd:"境界の形",
       name_collision_possible:"同名の可能性", opened:"開けた", origin:"出所", ours:"自組織", part:"パート", pass:"合格", password_mail:"パスワードのメール",
       password_source:"パスワードの出所", passwords_tried:"試したパスワード", prefixes:"接頭辞", properties:"プロパティ", quote:"引用", ratio:"比率",
       read_bytes:"読んだバイト数", result:"結果", results:"結果", rules:"ルール", score:"スコア", source:"出所", state:"状態", stream:"ストリーム",
       suspicious:"不審な点", target:"対象", topic:"話題", types:"種類", uri:"URI", verdict:"判定", where:"場所", code_points:"文字",
       keywords:"キーワード", modules:"モジュール", sheets:"シート", strings:"文字列", functions:"関数", formulas:"数式", markers:"目印",
       embedded_file:"埋め込みファイル", embedded_files:"埋め込みファイル", dormant:"休眠", silent_days:"途絶えた日数", silent_seconds:"途絶えた秒数",
       usual_interval_seconds:"いつもの間隔（秒）", autoexec:"自動実行", execute:"実行", write:"書き込み", launch:"起動", dde:"DDE",
       central_directory:"中央ディレクトリ", local_header:"ローカルヘッダー", orphans:"孤立", by:"根拠", size:"サイズ", sha256:"SHA-256"}
};
/* Finding groups (detect/ registry). */
const G = {
  en: {hijack:"hijack", payload:"payload", thread:"thread", auth:"authentication", mime:"MIME", composite:"combined", identity:"identity",
       header:"header", attached:"attached mail", limits:"limits", outbound:"outbound", trust:"trust"},
  ja: {hijack:"乗っ取り", payload:"ペイロード", thread:"スレッド", auth:"認証", mime:"MIME 構造", composite:"組み合わせ", identity:"なりすまし",
       header:"ヘッダー", attached:"添付メール", limits:"解析の上限", outbound:"送信", trust:"信頼"}
};
function group(g) { return G[lang][g] || g; }
const VCOL = {malicious:"#b3261e", suspicious:"#e0a030"};
const params = new URLSearchParams(location.search);
const qlang = params.get("lang");
let lang = qlang === "ja" || qlang === "en" ? qlang : ((navigator.language || "en").startsWith("ja") ? "ja" : "en");
(function () {
  const m = location.hash.match(/token=([^&]+)/);
  if (!m) return;
  sessionStorage.setItem("rg-token", decodeURIComponent(m[1]));
  const rest = location.hash.replace(/&?token=[^&]*/, "").replace(/^#&/, "#");  /* #/detection/ID&token=... keeps the route */
  history.replaceState(null, "", location.pathname + location.search + (rest.length > 1 ? rest : ""));
})();
const FILTERS = ["q", "subject", "verdict", "finding", "feedback", "day_from", "day_to"];
function t(k) { return T[lang][k] || k; }
function word(v) { return T[lang][v] || v; }
function el(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") e.className = v; else if (k.startsWith("on")) e.addEventListener(k.slice(2), v); else e.setAttribute(k, v);
  }
  for (const c of kids) e.append(c instanceof Node ? c : document.createTextNode(c == null ? "" : String(c)));
  return e;
}
function authHeaders() {
  const h = {};
  const tok = sessionStorage.getItem("rg-token");
  if (tok) h["Authorization"] = "Bearer " + tok;
  return h;
}
async function api(path, opts) {
  const o = opts || {};
  const r = await fetch(path, {method: o.method || "GET", headers: Object.assign(authHeaders(), o.headers || {}), body: o.body});
  const j = await r.json();
  if (!r.ok) throw new Error((j && j.message) || r.status);
  return j;
}
function person(p) { return p.name && p.address && !p.name.includes(p.address) ? p.name + " <" + p.address + ">" : (p.name || p.address); }
function stamp(s) { if (!s) return "-"; return new Date(s * 1000).toISOString().slice(0, 16).replace("T", " "); }
function translate() {
  document.documentElement.lang = lang;
  for (const e of document.querySelectorAll("[data-t]")) e.textContent = t(e.dataset.t);
  document.getElementById("lang-en").className = lang === "en" ? "on" : "";
  document.getElementById("lang-ja").className = lang === "ja" ? "on" : "";
  document.getElementById("auth").textContent = sessionStorage.getItem("rg-token") ? t("admin") : "";
}
function svgEl(tag, attrs) {
  const e = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  return e;
}
function drawTimeline(data) {
  const box = document.getElementById("timeline");
  box.replaceChildren();
  const days = data.days, verdicts = data.verdicts;
  document.getElementById("legend").replaceChildren(...verdicts.map(v => el("span", {}, el("i", {style: "background:" + VCOL[v]}), word(v))));
  const tb = document.querySelector("#perday tbody");
  tb.replaceChildren();
  if (!days.length) { box.append(el("p", {class: "muted"}, t("none"))); return; }
  const W = 900, H = 160, pad = 28, bw = Math.max(6, Math.min(40, (W - pad) / days.length - 4));
  let max = 1;
  for (const d of days) max = Math.max(max, d.detections);
  const svg = svgEl("svg", {viewBox: "0 0 " + W + " " + (H + 30), width: "100%", role: "img", id: "timeline-chart"});
  days.forEach((d, i) => {
    const x = pad + i * (bw + 4);
    let y = H;
    for (const v of verdicts) {
      const n = d.verdicts[v] || 0;
      if (!n) continue;
      const h = n / max * (H - 10);
      y -= h;
      const r = svgEl("rect", {x: x, y: y, width: bw, height: h, fill: VCOL[v] || "#999", class: "bar",
                               "data-day": d.day, "data-verdict": v, "data-count": n});
      const tt = svgEl("title", {}); tt.textContent = d.day + " " + word(v) + ": " + n; r.append(tt);
      svg.append(r);
    }
    const lab = svgEl("text", {x: x, y: H + 14, "font-size": 10}); lab.textContent = d.day.slice(5);
    svg.append(lab);
  });
  const ax = svgEl("text", {x: 0, y: 12, "font-size": 10}); ax.textContent = String(max);
  svg.append(ax);
  box.append(svg);
  for (const d of days.slice().reverse())
    tb.append(el("tr", {class: "perday", "data-day": d.day}, el("td", {class: "t"}, d.day), el("td", {class: "n"}, d.detections),
      el("td", {class: "n"}, d.verdicts.malicious || 0), el("td", {class: "n"}, d.verdicts.suspicious || 0),
      el("td", {class: "n"}, d.feedback.genuine || 0), el("td", {class: "n"}, d.feedback.hijack || 0),
      el("td", {class: "actions"}, Object.entries(d.actions || {}).map(([a, n]) => word("a_" + a) + " " + n).join(", "))));
}
function drawExports() {
  const box = document.getElementById("exports");
  box.replaceChildren(el("span", {class: "muted"}, t("exports") + ": "));
  for (const [kind, format, label] of [["campaigns", "csv", "x_campaigns_csv"], ["campaigns", "markdown", "x_campaigns_md"], ["advisory", "markdown", "x_advisory_md"]]) {
    const href = "/api/v1/report?kind=" + kind + "&format=" + format + "&lang=" + lang + (lang === "ja" ? "&utc_offset=9" : "");
    const name = "replyguard-" + kind + "-" + lang + (format === "csv" ? ".csv" : ".md");
    /* The token travels in a header, so the file is fetched and handed over as a blob. */
    box.append(el("a", {class: "export", href: href, download: name, "data-kind": kind, "data-format": format, onclick: async ev => {
      ev.preventDefault();
      try {
        const r = await fetch(href, {headers: authHeaders()});
        if (!r.ok) throw new Error(r.status);
        const url = URL.createObjectURL(await r.blob());
        const a = el("a", {href: url, download: name});
        document.body.append(a); a.click(); a.remove();
        setTimeout(() => URL.revokeObjectURL(url), 10000);
      } catch (e) { document.getElementById("error").textContent = t("err") + e.message; }
    }}, t(label)));
  }
}
function drawCampaigns(data) {
  const tb = document.querySelector("#campaigns tbody");
  tb.replaceChildren();
  for (const c of data.campaigns) {
    const period = c.first_day === c.last_day ? c.first_day : c.first_day + " - " + c.last_day;
    const links = el("td", {});
    c.detection_ids.forEach((id, i) => { if (i) links.append(" "); links.append(el("a", {href: "#/detection/" + id, class: "open-detection"}, "#" + id)); });
    tb.append(el("tr", {class: "campaign" + (c.own_org_impersonated ? " own" : ""), "data-id": c.id},
      el("td", {class: "t"}, period), el("td", {}, c.organisations.join(", ") + (c.own_org_impersonated ? t("own") : "")),
      el("td", {}, c.impersonated.map(person).join(", ")), el("td", {}, lang === "ja" ? c.summary_ja : c.summary_en),
      el("td", {class: "n"}, c.count), el("td", {}, c.senders.join(", ")), links));
  }
  if (!data.campaigns.length) tb.append(el("tr", {}, el("td", {colspan: 7, class: "muted"}, t("none"))));
}
function feedbackBadge(fb) { return fb ? el("span", {class: "badge " + fb}, word("fb_" + fb)) : ""; }
function dateCell(d) {
  if (!d.date) return "-";
  return d.date_future ? el("span", {class: "warn", title: t("m_future")}, stamp(d.date) + " ⚠") : stamp(d.date);
}
function drawDetections(data) {
  const tb = document.querySelector("#detections tbody");
  tb.replaceChildren();
  for (const d of data.detections)
    tb.append(el("tr", {class: "detection" + (d.feedback ? " fb-" + d.feedback : ""), "data-id": d.id, "data-verdict": d.verdict},
      el("td", {class: "t"}, stamp(d.time)), el("td", {class: "t"}, dateCell(d)), el("td", {}, person(d.from)),
      el("td", {}, el("a", {href: "#/detection/" + d.id, class: "open-detection"}, d.subject || t("no_subject"))),
      el("td", {class: "v-" + d.verdict}, word(d.verdict)), el("td", {class: "n"}, d.score), el("td", {class: "ids"}, d.finding_ids.join(", ")),
      el("td", {}, feedbackBadge(d.feedback))));
  if (!data.detections.length) tb.append(el("tr", {}, el("td", {colspan: 8, class: "muted"}, t("none"))));
  document.getElementById("match-count").textContent = lang === "ja"
    ? data.matched + t("of") + data.detections.length + t("shown") : data.detections.length + " " + t("shown") + " " + t("of") + " " + data.matched;
}
function filterQuery() {
  const q = new URLSearchParams();
  for (const k of FILTERS) { const v = document.getElementById("f-" + k).value.trim(); if (v) q.set(k, v); }
  return q;
}
async function loadDetections() {
  const q = filterQuery();
  q.set("limit", "500");
  drawDetections(await api("/api/v1/detections?" + q.toString()));
}
/* Evidence as a person reads it: objects as labelled fields, lists of objects as tables. */
function evLabel(k) { return EV[lang][k] || k.replace(/_/g, " "); }
function evValue(k, v) {
  if (v === null || v === undefined) return "-";
  if (typeof v === "boolean") return t(v ? "yes" : "no");
  if (typeof v === "number" && /(_seen|date)$/.test(k) && v > 1e8) return stamp(v);
  if (typeof v !== "object") return String(v);
  if (Array.isArray(v)) {
    if (!v.length) return "-";
    if (v.every(x => x === null || typeof x !== "object")) return v.map(x => evValue(k, x)).join(", ");
    if (v.every(x => x && typeof x === "object" && !Array.isArray(x))) {
      const cols = [];
      for (const x of v) for (const c of Object.keys(x)) if (!cols.includes(c)) cols.push(c);
      return el("table", {class: "ev-table"}, el("thead", {}, el("tr", {}, ...cols.map(c => el("th", {}, evLabel(c))))),
        el("tbody", {}, ...v.map(x => el("tr", {}, ...cols.map(c => el("td", {}, c in x ? evValue(c, x[c]) : ""))))));
    }
    return el("ul", {}, ...v.map(x => el("li", {}, evValue(k, x))));
  }
  const dl = el("dl", {class: "ev-fields"});
  for (const [kk, vv] of Object.entries(v)) dl.append(el("dt", {}, evLabel(kk)), el("dd", {"data-key": kk}, evValue(kk, vv)));
  return dl;
}
function feedbackBox(d) {
  const box = el("div", {id: "feedback"});
  box.append(el("p", {}, t("m_feedback") + ": ", d.feedback ? feedbackBadge(d.feedback) : word("fb_none")));
  if (!d.feedback_allowed) {
    box.append(el("p", {class: "muted", id: "feedback-off"}, sessionStorage.getItem("rg-token") ? t("fb_readonly") : t("fb_need_token")));
    return box;
  }
  const send = async fb => {
    const r = await api("/api/v1/detections/" + d.id + "/feedback",
                        {method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify({feedback: fb})});
    await load();
    const s = document.getElementById("feedback-status");
    if (s) s.textContent = t("fb_saved") + r.note;
  };
  const act = fb => () => send(fb).catch(e => { document.getElementById("error").textContent = t("err") + e.message; });
  box.append(el("p", {}, t("fb_ask") + " ",
    el("button", {type: "button", class: "act genuine", id: "fb-genuine", onclick: act("genuine")}, t("fb_btn_genuine")), " ",
    el("button", {type: "button", class: "act hijack", id: "fb-hijack", onclick: act("hijack")}, t("fb_btn_hijack")), " ",
    d.feedback ? el("button", {type: "button", class: "act", id: "fb-clear", onclick: act("")}, t("fb_btn_clear")) : ""),
    el("p", {class: "muted", id: "feedback-status"}));
  return box;
}
async function showMessage(id) {
  const sec = document.getElementById("message");
  const body = document.getElementById("message-body");
  const d = await api("/api/v1/detections/" + encodeURIComponent(id));
  const dl = el("dl", {},
    el("dt", {}, t("m_from")), el("dd", {id: "m-from"}, person(d.from)),
    el("dt", {}, t("m_subject")), el("dd", {id: "m-subject"}, d.subject),
    el("dt", {}, t("m_arrived")), el("dd", {id: "m-arrived"}, stamp(d.time)),
    el("dt", {}, t("m_date")), el("dd", {id: "m-date"}, dateCell(d), d.date_future ? " (" + t("m_future") + ")" : ""),
    el("dt", {}, t("m_verdict")), el("dd", {class: "v-" + d.verdict}, word(d.verdict) + " (" + d.score + ")"),
    el("dt", {}, t("m_recipients")), el("dd", {}, d.recipients.join(", ")),
    el("dt", {}, t("m_relay")), el("dd", {}, [d.relay.ip, d.relay.host].filter(Boolean).join(" ")),
    el("dt", {}, t("m_imp")), el("dd", {}, d.impersonated.map(person).join(", ")),
    el("dt", {}, t("m_att")), el("dd", {}, d.attachments.map(a => a.name + " (" + a.type + ", sha256 " + a.sha256.slice(0, 16) + "...)").join("; ")),
    el("dt", {}, t("m_urls")), el("dd", {}, d.urls.join(" ")),
    el("dt", {}, t("m_source")), el("dd", {}, d.source),
    el("dt", {}, t("m_mid")), el("dd", {}, d.message_id));
  const tbl = el("table", {id: "findings"}, el("thead", {}, el("tr", {},
    el("th", {}, t("f_id")), el("th", {}, t("f_group")), el("th", {}, t("f_score")), el("th", {}, t("f_what")), el("th", {}, t("f_detail")))));
  const tb = el("tbody", {});
  const ev = el("div", {id: "evidence"}, el("h3", {}, t("ev_title")));
  for (const f of d.findings) {
    tb.append(el("tr", {class: "finding", "data-id": f.id}, el("td", {class: "id"}, f.id), el("td", {class: "id"}, group(f.group)), el("td", {class: "n"}, f.score),
      el("td", {class: "explain"}, lang === "ja" ? f.description_ja : f.description_en), el("td", {}, f.detail)));
    if (f.evidence !== undefined && f.evidence !== null)
      ev.append(el("div", {class: "evidence", "data-id": f.id}, el("h3", {}, f.id + " - " + (lang === "ja" ? f.description_ja : f.description_en)),
        evValue("", f.evidence), el("details", {}, el("summary", {}, t("raw")), el("pre", {}, JSON.stringify(f.evidence, null, 1)))));
  }
  tbl.append(tb);
  body.replaceChildren(dl, feedbackBox(d), el("div", {class: "scroll"}, tbl), ev, el("p", {}, el("a", {href: "#", id: "close-message"}, t("close"))));
  sec.hidden = false;
  window.scrollTo(0, 0);
}
async function loadSymbols() {
  const sel = document.getElementById("f-finding");
  if (sel.options.length > 1) return;
  const s = await api("/api/v1/symbols");
  for (const x of s.symbols) sel.append(el("option", {value: x.id}, x.id));
  sel.value = params.get("finding") || "";
}
async function load() {
  translate();
  drawExports();
  const err = document.getElementById("error");
  err.textContent = "";
  try {
    await loadSymbols();
    const [tl, cs] = await Promise.all([api("/api/v1/timeline?days=60"), api("/api/v1/campaigns?lang=" + lang)]);
    drawTimeline(tl); drawCampaigns(cs);
    await loadDetections();
    await route();
    document.body.dataset.loaded = "yes";
  } catch (e) { err.textContent = t("err") + e.message; }
}
async function route() {
  const m = location.hash.match(/^#\/detection\/(\d+)$/);
  if (m) await showMessage(m[1]); else document.getElementById("message").hidden = true;
}
for (const k of FILTERS) if (k !== "finding" && params.get(k)) document.getElementById("f-" + k).value = params.get(k);
document.getElementById("filters").addEventListener("submit", ev => {
  ev.preventDefault();
  const q = filterQuery();
  q.set("lang", lang);
  history.replaceState(null, "", location.pathname + "?" + q.toString() + location.hash);
  loadDetections().catch(e => { document.getElementById("error").textContent = t("err") + e.message; });
});
document.getElementById("f-reset").addEventListener("click", () => {
  for (const k of FILTERS) document.getElementById("f-" + k).value = "";
  history.replaceState(null, "", location.pathname + "?lang=" + lang + location.hash);
  loadDetections().catch(e => { document.getElementById("error").textContent = t("err") + e.message; });
});
window.addEventListener("hashchange", () => route().catch(e => { document.getElementById("error").textContent = t("err") + e.message; }));
document.getElementById("lang-en").addEventListener("click", () => { lang = "en"; load(); });
document.getElementById("lang-ja").addEventListener("click", () => { lang = "ja"; load(); });
load();
</script>
</body>
</html>
)rg-html";

}  // namespace

std::string_view dashboard_html() { return k_page; }

}  // namespace replyguard::cli
