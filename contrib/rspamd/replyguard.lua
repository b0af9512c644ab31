--[[
SPDX-License-Identifier: Apache-2.0
contrib/rspamd/replyguard.lua - rspamd plugin: replyguard's findings as rspamd symbols

DESCRIPTION
  Sends every message rspamd checks to `replyguard serve` (POST /api/v1/scan,
  the raw message as the body, asynchronous, with a timeout and an optional
  bearer token) and inserts each finding of the JSON record as the symbol
  REPLYGUARD_<FINDING_ID>, with the finding's detail as its option, plus one
  verdict symbol (REPLYGUARD_CLEAN, REPLYGUARD_SUSPICIOUS or
  REPLYGUARD_MALICIOUS, with replyguard's own total as option).
  The finding symbols, their scores and descriptions come from the
  configuration's `symbols` section, which `replyguard findings --format rspamd`
  writes (local.d/replyguard_symbols.conf): all of them are registered as
  virtual symbols of the one callback REPLYGUARD_CHECK, in group "replyguard".
  A finding replyguard reports that the section does not list (a newer
  replyguard than the symbols file) is REPLYGUARD_UNKNOWN_FINDING (score 0,
  option "ID: detail"): regenerate the file.
LIMITS AND ERRORS
  replyguard down, slow (past `timeout`), answering an HTTP error, a body that
  is not our JSON record, or a record with an error: REPLYGUARD_FAIL (score 0)
  with the reason as option, and no other replyguard symbol. The message is
  never held longer than `timeout`, and it is never lost: rspamd goes on with
  its other rules. A message larger than `max_size` (bytes, 0: no limit) is not
  sent (REPLYGUARD_FAIL, "too large").
OPTIONS (section `replyguard`)
  url       "http://127.0.0.1:8895/api/v1/scan" (an address, not a name: no DNS)
  timeout   5s (keep it below rspamd's task_timeout, 8s by default)
  token     "" (replyguard serve's --token; sent as "Authorization: Bearer TOKEN")
  max_size  0
  symbols   { REPLYGUARD_ID { score = N; group = "..."; description = "..."; } ... }
]]

if confighelp then
  rspamd_config:add_example(nil, 'replyguard',
      "Ask replyguard serve about reply-chain hijacking and insert its findings as symbols",
      [[
replyguard {
  url = "http://127.0.0.1:8895/api/v1/scan";
  timeout = 5s;
  # token = "...";
}
]])
  return
end

local rspamd_logger = require "rspamd_logger"
local rspamd_http = require "rspamd_http"
local lua_util = require "lua_util"
local ucl = require "ucl"

local N = 'replyguard'

local settings = {
  url = 'http://127.0.0.1:8895/api/v1/scan',
  timeout = 5.0,
  token = '',
  max_size = 0,
  symbols = {},
}

local CHECK = 'REPLYGUARD_CHECK'
local FAIL = 'REPLYGUARD_FAIL'
local UNKNOWN = 'REPLYGUARD_UNKNOWN_FINDING'
local VERDICTS = {
  clean = 'REPLYGUARD_CLEAN',
  suspicious = 'REPLYGUARD_SUSPICIOUS',
  malicious = 'REPLYGUARD_MALICIOUS',
}

-- Percent-encoding for the ?source= parameter (RFC 3986 unreserved kept).
local function url_encode(s)
  return (tostring(s):gsub('[^%w%-%._~]', function(c)
    return string.format('%%%02X', string.byte(c))
  end))
end

-- One line for an option or a log line: no control characters, bounded.
local function one_line(s, max)
  s = tostring(s or ''):gsub('[%c]+', ' ')
  if #s > max then s = s:sub(1, max) .. '...' end
  return s
end

local function fail(task, why)
  rspamd_logger.infox(task, '%s: no answer used: %s', N, why)
  task:insert_result(FAIL, 1.0, one_line(why, 200))
end

local function insert_record(task, rec)
  if type(rec) ~= 'table' or type(rec.verdict) ~= 'string' then
    return fail(task, 'not a replyguard record')
  end
  if type(rec.error) == 'string' and rec.error ~= '' then  -- JSON null is ucl.null, not a string
    return fail(task, 'replyguard: ' .. tostring(rec.error))
  end
  local inserted = {}
  for _, f in ipairs(rec.findings or {}) do
    if type(f) == 'table' and type(f.id) == 'string' then
      local sym = 'REPLYGUARD_' .. f.id
      local detail = one_line(f.detail, 300)
      if settings.symbols[sym] then
        if detail ~= '' then
          task:insert_result(sym, 1.0, detail)
        else
          task:insert_result(sym, 1.0)
        end
        inserted[#inserted + 1] = sym
      else
        task:insert_result(UNKNOWN, 1.0, one_line(f.id .. ': ' .. detail, 300))
      end
    end
  end
  local vsym = VERDICTS[rec.verdict]
  if vsym then
    task:insert_result(vsym, 1.0, string.format('score=%s', tostring(rec.score)))
  end
  lua_util.debugm(N, task, 'verdict %s score %s: %s', rec.verdict, rec.score, inserted)
end

local function check(task)
  local content = task:get_content()
  if settings.max_size > 0 and content:len() > settings.max_size then
    return fail(task, string.format('too large (%d bytes, max_size %d)', content:len(), settings.max_size))
  end
  local url = settings.url
  local id = task:get_queue_id() or task:get_message_id()
  if id and id ~= 'undef' then
    url = url .. (url:find('?', 1, true) and '&' or '?') .. 'source=' .. url_encode('rspamd:' .. id)
  end
  local headers = {['Content-Type'] = 'message/rfc822'}
  if settings.token ~= '' then
    headers['Authorization'] = 'Bearer ' .. settings.token
  end

  local function on_reply(err, code, body)
    if err then
      return fail(task, 'request failed: ' .. tostring(err))
    end
    if code ~= 200 then
      return fail(task, string.format('HTTP %s: %s', tostring(code), one_line(body, 120)))
    end
    local parser = ucl.parser()
    local ok, perr = parser:parse_string(body or '')
    if not ok then
      return fail(task, 'bad JSON: ' .. tostring(perr))
    end
    local good, why = pcall(insert_record, task, parser:get_object())
    if not good then
      fail(task, 'bad record: ' .. tostring(why))
    end
  end

  local sent = rspamd_http.request({
    task = task,
    url = url,
    body = content,
    headers = headers,
    timeout = settings.timeout,
    method = 'post',
    callback = on_reply,
  })
  if not sent then
    fail(task, 'cannot send the request to ' .. settings.url)
  end
end

local opts = rspamd_config:get_all_opt(N)
if not opts then
  lua_util.disable_module(N, 'config')
  return
end
settings = lua_util.override_defaults(settings, opts)
settings.timeout = tonumber(settings.timeout) or 5.0
settings.max_size = tonumber(settings.max_size) or 0
settings.token = tostring(settings.token or '')
if type(settings.symbols) ~= 'table' then settings.symbols = {} end

local nsyms = 0
for _ in pairs(settings.symbols) do nsyms = nsyms + 1 end
if nsyms == 0 then
  rspamd_logger.warnx(rspamd_config, '%s: no symbols section (local.d/replyguard_symbols.conf, written by ' ..
      '`replyguard findings --format rspamd`): every finding will be %s', N, UNKNOWN)
end

local id = rspamd_config:register_symbol({
  name = CHECK,
  type = 'normal',
  callback = check,
  flags = 'empty',
  group = N,
  score = 0.0,
  augmentations = {string.format('timeout=%f', settings.timeout)},
})

local function virtual(name, score, description)
  rspamd_config:register_symbol({
    name = name,
    type = 'virtual',
    parent = id,
    score = score,
    group = N,
    description = description,
  })
end

virtual(FAIL, 0.0, 'replyguard did not answer in time, or not with a usable record')
virtual(UNKNOWN, 0.0, 'replyguard reported a finding the symbols file does not list (regenerate it)')
virtual(VERDICTS.clean, 0.0, 'replyguard verdict: clean')
virtual(VERDICTS.suspicious, 0.0, 'replyguard verdict: suspicious')
virtual(VERDICTS.malicious, 0.0, 'replyguard verdict: malicious')
for name, s in pairs(settings.symbols) do
  if type(s) == 'table' then
    virtual(name, tonumber(s.score) or 0.0, s.description and tostring(s.description) or nil)
  end
end

rspamd_logger.infox(rspamd_config, '%s: %s finding symbols, url %s, timeout %s s%s', N, nsyms,
    settings.url, settings.timeout, settings.token ~= '' and ', with token' or '')
