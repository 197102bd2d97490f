/**
 * The live-chat widget: one `<script src=".../widget/<publicKey>/widget.js" async></script>` on the business's
 * page. Plain ES5, no framework, about 4 KB. It finds its API (and key) from its own `src`, keeps the visitor
 * token in localStorage (a returning visitor keeps its conversation), shows the history, posts messages with
 * a client message id (a retry never doubles one), and takes replies live over the WebSocket
 * (`?visitorToken=`) when the API offers one, polling every 5 s otherwise or after the socket closes.
 * The same text for every key, so it can be cached.
 */
export const WIDGET_SCRIPT = String.raw`(function () {
  'use strict';
  var script = document.currentScript;
  if (!script || !window.fetch) return;
  var base = script.src.replace(/\/widget\.js(\?.*)?$/, '');
  var storeKey = 'stackpro-widget:' + base;
  var token = null;
  try { token = window.localStorage.getItem(storeKey); } catch (e) { token = null; }
  var shown = {};
  var poller = null;

  function el(tag, style, text) {
    var node = document.createElement(tag);
    node.setAttribute('style', style);
    if (text) node.textContent = text;
    return node;
  }
  var box = el('div', 'position:fixed;bottom:16px;right:16px;width:300px;font:14px sans-serif;background:#fff;border:1px solid #ccc;border-radius:8px;box-shadow:0 2px 12px rgba(0,0,0,.2);z-index:2147483647;display:flex;flex-direction:column');
  var list = el('div', 'height:260px;overflow-y:auto;padding:8px');
  var form = el('form', 'display:flex;border-top:1px solid #eee');
  var input = el('input', 'flex:1;border:0;padding:8px;font:inherit');
  input.setAttribute('maxlength', '2000');
  input.setAttribute('aria-label', 'Message');
  var button = el('button', 'border:0;background:#2563eb;color:#fff;padding:0 12px;font:inherit', 'Send');
  form.appendChild(input);
  form.appendChild(button);
  box.appendChild(list);
  box.appendChild(form);

  function save() { try { if (token) window.localStorage.setItem(storeKey, token); else window.localStorage.removeItem(storeKey); } catch (e) { /* private mode */ } }
  function api(method, path, body) {
    var headers = { 'Content-Type': 'application/json' };
    if (token) headers.Authorization = 'Bearer ' + token;
    return fetch(base + path, { method: method, headers: headers, body: body ? JSON.stringify(body) : undefined })
      .then(function (res) { return res.json().then(function (json) { return { status: res.status, json: json }; }, function () { return { status: res.status, json: {} }; }); });
  }
  function show(message) {
    if (!message || shown[message.messageId]) return;
    shown[message.messageId] = true;
    var mine = message.direction === 'in';
    var line = el('div', 'margin:4px 0;padding:6px 8px;border-radius:6px;max-width:85%;word-wrap:break-word;' + (mine ? 'margin-left:auto;background:#dbeafe' : 'background:#f3f4f6'), message.text);
    list.appendChild(line);
    list.scrollTop = list.scrollHeight;
  }
  function refresh() {
    return api('GET', '/messages').then(function (r) {
      if (r.status === 401) { token = null; save(); return start(); }
      if (r.status === 200 && r.json.items) r.json.items.slice().reverse().forEach(show);
    });
  }
  function poll() { if (!poller) poller = window.setInterval(refresh, 5000); }
  function connect(url) {
    if (!url || !window.WebSocket) return poll();
    var socket = new WebSocket(url + (url.indexOf('?') < 0 ? '?' : '&') + 'visitorToken=' + encodeURIComponent(token));
    socket.onmessage = function (event) {
      try {
        var frame = JSON.parse(event.data);
        if (frame.type === 'message.created') show(frame.message);
      } catch (e) { /* not a frame of ours */ }
    };
    socket.onclose = poll;
  }
  function start() {
    return api('POST', '/visitors').then(function (r) {
      if (r.status === 401 && token) { token = null; save(); return start(); }
      if (r.status !== 200 && r.status !== 201) { box.style.display = 'none'; return; }
      token = r.json.visitorToken;
      save();
      connect(r.json.websocketUrl);
      return refresh();
    });
  }
  form.addEventListener('submit', function (event) {
    event.preventDefault();
    var text = input.value.trim();
    if (!text || !token) return;
    var body = { text: text, clientMessageId: 'c' + Date.now().toString(36) + Math.random().toString(36).slice(2, 10) };
    input.value = '';
    var attempt = function (left) {
      api('POST', '/messages', body).then(function (r) {
        if (r.status === 201) show(r.json);
        else if (r.status === 429 && left > 0) window.setTimeout(function () { attempt(left - 1); }, 3000);
        else input.value = text;
      }, function () { if (left > 0) window.setTimeout(function () { attempt(left - 1); }, 3000); else input.value = text; });
    };
    attempt(3);
  });
  function mount() { document.body.appendChild(box); start(); }
  if (document.body) mount(); else document.addEventListener('DOMContentLoaded', mount);
})();
`;
