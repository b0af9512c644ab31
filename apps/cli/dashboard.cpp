// SPDX-License-Identifier: Apache-2.0
// apps/cli/dashboard.cpp - the dashboard: plain HTML, CSS and JavaScript embedded in the binary
//
// DESCRIPTION
//   A timeline of detections per day stacked by finding group (inline SVG),
//   the campaign table, recent detections, and a message view that explains
//   every finding (description in English or Japanese, detail, evidence).
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
main{padding:1em 1.2em;max-width:1200px;margin:auto}
section{background:#fff;border:1px solid #dde1e7;border-radius:6px;padding:.8em 1em;margin-bottom:1em}
h2{font-size:1.05em;margin:.1em 0 .6em}
table{border-collapse:collapse;width:100%;font-size:.92em}
th,td{border-bottom:1px solid #e6e9ee;padding:.35em .5em;text-align:left;vertical-align:top}
th{background:#f0f2f5}
td.n{text-align:right}
tr.own td{background:#fff4e5}
a{color:#2456b3;cursor:pointer}
.v-malicious{color:#b3261e;font-weight:600}.v-suspicious{color:#a06000;font-weight:600}
.legend span{display:inline-block;margin-right:1em;font-size:.85em}
.legend i{display:inline-block;width:.8em;height:.8em;margin-right:.3em;vertical-align:-.05em}
pre{background:#f4f5f7;padding:.4em;overflow:auto;max-height:14em;font-size:.85em;margin:0}
.muted{color:#6b7380}
#error{color:#b3261e}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.2em 1em;margin:0 0 .8em}
dt{color:#6b7380}
</style>
</head>
<body>
<header><h1 data-t="title">replyguard</h1>
<button id="lang-en" type="button">English</button><button id="lang-ja" type="button">日本語</button></header>
<main>
<p id="error" role="alert"></p>
<section id="timeline-section"><h2 data-t="timeline">Detections per day</h2>
<div id="timeline"></div><div class="legend" id="legend"></div></section>
<section id="campaign-section"><h2 data-t="campaigns">Campaigns</h2>
<table id="campaigns"><thead><tr><th data-t="c_date">Date</th><th data-t="c_org">Impersonated organisation</th>
<th data-t="c_person">Impersonated person</th><th data-t="c_summary">Summary</th><th data-t="c_count">Count</th>
<th data-t="c_sender">Real sender</th><th data-t="c_messages">Messages</th></tr></thead><tbody></tbody></table></section>
<section id="message" hidden><h2 data-t="message">Message</h2><div id="message-body"></div></section>
<section id="detection-section"><h2 data-t="detections">Recent detections</h2>
<table id="detections"><thead><tr><th data-t="d_date">Date</th><th data-t="d_from">From</th><th data-t="d_subject">Subject</th>
<th data-t="d_verdict">Verdict</th><th data-t="d_score">Score</th><th data-t="d_groups">Groups</th></tr></thead><tbody></tbody></table></section>
</main>
<script>
"use strict";
const T = {
  en: {title:"replyguard - reply-chain hijacking", timeline:"Detections per day (by finding group)", campaigns:"Campaigns",
       c_date:"Date", c_org:"Impersonated organisation", c_person:"Impersonated person", c_summary:"Summary", c_count:"Count",
       c_sender:"Real sender", c_messages:"Messages", message:"Message", detections:"Recent detections", d_date:"Date",
       d_from:"From", d_subject:"Subject", d_verdict:"Verdict", d_score:"Score", d_groups:"Groups", own:" (our organisation)",
       none:"No detections yet.", m_from:"From", m_subject:"Subject", m_date:"Date", m_verdict:"Verdict", m_score:"Score",
       m_recipients:"Recipients", m_relay:"Sent via", m_imp:"Impersonates", m_att:"Attachments", m_urls:"Links",
       f_id:"Finding", f_group:"Group", f_score:"Score", f_what:"What it means", f_detail:"Detail", f_evidence:"Evidence",
       close:"close", err:"Cannot load: "},
  ja: {title:"replyguard - 返信型メール攻撃", timeline:"日別の検知数（検知グループ別）", campaigns:"キャンペーン",
       c_date:"期間", c_org:"なりすまされた組織", c_person:"なりすまされた人物", c_summary:"概要", c_count:"件数",
       c_sender:"実際の送信元", c_messages:"メール", message:"メールの詳細", detections:"最近の検知", d_date:"日付",
       d_from:"差出人", d_subject:"件名", d_verdict:"判定", d_score:"スコア", d_groups:"グループ", own:"（自組織）",
       none:"検知はまだありません。", m_from:"差出人", m_subject:"件名", m_date:"日付", m_verdict:"判定", m_score:"スコア",
       m_recipients:"宛先", m_relay:"送信元サーバ", m_imp:"なりすまし対象", m_att:"添付ファイル", m_urls:"リンク",
       f_id:"検知項目", f_group:"グループ", f_score:"スコア", f_what:"意味", f_detail:"詳細", f_evidence:"根拠",
       close:"閉じる", err:"読み込めません: "}
};
const COLORS = {hijack:"#c0392b", payload:"#8e44ad", thread:"#2980b9", auth:"#16a085", mime:"#7f8c8d", composite:"#e67e22"};
const qlang = new URLSearchParams(location.search).get("lang");
let lang = qlang === "ja" || qlang === "en" ? qlang : ((navigator.language || "en").startsWith("ja") ? "ja" : "en");
(function () {
  const m = location.hash.match(/token=([^&]+)/);
  if (m) { sessionStorage.setItem("rg-token", decodeURIComponent(m[1])); history.replaceState(null, "", location.pathname + location.search); }
})();
function t(k) { return T[lang][k] || k; }
function el(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") e.className = v; else if (k.startsWith("on")) e.addEventListener(k.slice(2), v); else e.setAttribute(k, v);
  }
  for (const c of kids) e.append(c instanceof Node ? c : document.createTextNode(c == null ? "" : String(c)));
  return e;
}
async function api(path) {
  const h = {};
  const tok = sessionStorage.getItem("rg-token");
  if (tok) h["Authorization"] = "Bearer " + tok;
  const r = await fetch(path, {headers: h});
  const j = await r.json();
  if (!r.ok) throw new Error((j && j.message) || r.status);
  return j;
}
function person(p) { return p.name && p.address && !p.name.includes(p.address) ? p.name + " <" + p.address + ">" : (p.name || p.address); }
function day(s) { if (!s) return "-"; return new Date(s * 1000).toISOString().slice(0, 10); }
function translate() {
  document.documentElement.lang = lang;
  for (const e of document.querySelectorAll("[data-t]")) e.textContent = t(e.dataset.t);
  document.getElementById("lang-en").className = lang === "en" ? "on" : "";
  document.getElementById("lang-ja").className = lang === "ja" ? "on" : "";
}
function drawTimeline(data) {
  const box = document.getElementById("timeline");
  box.replaceChildren();
  const days = data.days;
  const groups = data.groups;
  const legend = document.getElementById("legend");
  legend.replaceChildren(...groups.map(g => el("span", {}, el("i", {style: "background:" + COLORS[g]}), g)));
  if (!days.length) { box.append(el("p", {class: "muted"}, t("none"))); return; }
  const W = 900, H = 180, pad = 28, bw = Math.max(6, Math.min(40, (W - pad) / days.length - 4));
  let max = 1;
  for (const d of days) max = Math.max(max, groups.reduce((s, g) => s + (d.groups[g] || 0), 0));
  const NS = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(NS, "svg");
  svg.setAttribute("viewBox", "0 0 " + W + " " + (H + 30));
  svg.setAttribute("width", "100%");
  svg.setAttribute("role", "img");
  svg.id = "timeline-chart";
  days.forEach((d, i) => {
    const x = pad + i * (bw + 4);
    let y = H;
    for (const g of groups) {
      const n = d.groups[g] || 0;
      if (!n) continue;
      const h = n / max * (H - 10);
      y -= h;
      const r = document.createElementNS(NS, "rect");
      r.setAttribute("x", x); r.setAttribute("y", y); r.setAttribute("width", bw); r.setAttribute("height", h);
      r.setAttribute("fill", COLORS[g] || "#999"); r.setAttribute("class", "bar");
      r.dataset.day = d.day; r.dataset.group = g; r.dataset.count = n;
      const tt = document.createElementNS(NS, "title"); tt.textContent = d.day + " " + g + ": " + n; r.append(tt);
      svg.append(r);
    }
    const lab = document.createElementNS(NS, "text");
    lab.setAttribute("x", x); lab.setAttribute("y", H + 14); lab.setAttribute("font-size", "10");
    lab.textContent = d.day.slice(5);
    svg.append(lab);
  });
  const ax = document.createElementNS(NS, "text");
  ax.setAttribute("x", 0); ax.setAttribute("y", 12); ax.setAttribute("font-size", "10"); ax.textContent = String(max);
  svg.append(ax);
  box.append(svg);
}
function drawCampaigns(data) {
  const tb = document.querySelector("#campaigns tbody");
  tb.replaceChildren();
  for (const c of data.campaigns) {
    const period = c.first_day === c.last_day ? c.first_day : c.first_day + " - " + c.last_day;
    const links = el("td", {});
    c.detection_ids.forEach((id, i) => { if (i) links.append(" "); links.append(el("a", {href: "#/detection/" + id, class: "open-detection"}, "#" + id)); });
    tb.append(el("tr", {class: "campaign" + (c.own_org_impersonated ? " own" : ""), "data-id": c.id},
      el("td", {}, period), el("td", {}, c.organisations.join(", ") + (c.own_org_impersonated ? t("own") : "")),
      el("td", {}, c.impersonated.map(person).join(", ")), el("td", {}, lang === "ja" ? c.summary_ja : c.summary_en),
      el("td", {class: "n"}, c.count), el("td", {}, c.senders.join(", ")), links));
  }
  if (!data.campaigns.length) tb.append(el("tr", {}, el("td", {colspan: 7, class: "muted"}, t("none"))));
}
function drawDetections(data) {
  const tb = document.querySelector("#detections tbody");
  tb.replaceChildren();
  for (const d of data.detections)
    tb.append(el("tr", {class: "detection", "data-id": d.id}, el("td", {}, d.day),
      el("td", {}, person(d.from)), el("td", {}, el("a", {href: "#/detection/" + d.id, class: "open-detection"}, d.subject || "(no subject)")),
      el("td", {class: "v-" + d.verdict}, d.verdict), el("td", {class: "n"}, d.score), el("td", {}, d.groups.join(", "))));
}
async function showMessage(id) {
  const sec = document.getElementById("message");
  const body = document.getElementById("message-body");
  const d = await api("/api/v1/detections/" + encodeURIComponent(id));
  const dl = el("dl", {},
    el("dt", {}, t("m_from")), el("dd", {id: "m-from"}, person(d.from)),
    el("dt", {}, t("m_subject")), el("dd", {id: "m-subject"}, d.subject),
    el("dt", {}, t("m_date")), el("dd", {}, day(d.date || d.time)),
    el("dt", {}, t("m_verdict")), el("dd", {class: "v-" + d.verdict}, d.verdict + " (" + d.score + ")"),
    el("dt", {}, t("m_recipients")), el("dd", {}, d.recipients.join(", ")),
    el("dt", {}, t("m_relay")), el("dd", {}, [d.relay.ip, d.relay.host].filter(Boolean).join(" ")),
    el("dt", {}, t("m_imp")), el("dd", {}, d.impersonated.map(person).join(", ")),
    el("dt", {}, t("m_att")), el("dd", {}, d.attachments.map(a => a.name + " (" + a.type + ", sha256 " + a.sha256.slice(0, 16) + "...)").join("; ")),
    el("dt", {}, t("m_urls")), el("dd", {}, d.urls.join(" ")));
  const tbl = el("table", {id: "findings"}, el("thead", {}, el("tr", {},
    el("th", {}, t("f_id")), el("th", {}, t("f_group")), el("th", {}, t("f_score")), el("th", {}, t("f_what")),
    el("th", {}, t("f_detail")), el("th", {}, t("f_evidence")))));
  const tb = el("tbody", {});
  for (const f of d.findings)
    tb.append(el("tr", {class: "finding", "data-id": f.id}, el("td", {}, f.id), el("td", {}, f.group), el("td", {class: "n"}, f.score),
      el("td", {class: "explain"}, lang === "ja" ? f.description_ja : f.description_en), el("td", {}, f.detail),
      el("td", {}, f.evidence ? el("pre", {}, JSON.stringify(f.evidence, null, 1)) : "")));
  tbl.append(tb);
  body.replaceChildren(dl, tbl, el("p", {}, el("a", {href: "#", id: "close-message"}, t("close"))));
  sec.hidden = false;
  sec.scrollIntoView();
}
async function load() {
  translate();
  const err = document.getElementById("error");
  err.textContent = "";
  try {
    const [tl, cs, ds] = await Promise.all([api("/api/v1/timeline?days=60"), api("/api/v1/campaigns?lang=" + lang), api("/api/v1/detections?limit=200")]);
    drawTimeline(tl); drawCampaigns(cs); drawDetections(ds);
    await route();
    document.body.dataset.loaded = "yes";
  } catch (e) { err.textContent = t("err") + e.message; }
}
async function route() {
  const m = location.hash.match(/^#\/detection\/(\d+)$/);
  if (m) await showMessage(m[1]); else document.getElementById("message").hidden = true;
}
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
