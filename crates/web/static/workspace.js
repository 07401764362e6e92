/* The agent workspace: one socket (/api/v1/agent/ws) carries the agent's chats, typing,
 * delivered and read marks, screen pops and the agent assist. On every (re)connect the
 * server sends each open chat with its whole transcript, so a reload or a dropped
 * connection loses nothing; messages are kept by number and shown once each. */
(function () {
  'use strict';
  var root = document.getElementById('workspace');
  if (!root) { return; }
  var T = root.dataset;
  var $ = function (id) { return document.getElementById(id); };
  var chats = {};      /* contact id -> {id, customerId, state, messages: {seq: m}, unread, url, verified} */
  var current = null;
  var ws = null;
  var retry = 0;
  var typingTimer = null;
  var popped = {};
  try { popped = JSON.parse(sessionStorage.getItem('bankdesk-popped')) || {}; } catch (e) { popped = {}; }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = text; }
    return e;
  }

  function send(obj) {
    if (ws && ws.readyState === 1) { ws.send(JSON.stringify(obj)); return true; }
    return false;
  }

  function newId() {
    var a = new Uint8Array(8);
    window.crypto.getRandomValues(a);
    return 'd' + Date.now().toString(36) + Array.prototype.map.call(a, function (b) {
      return (b < 16 ? '0' : '') + b.toString(16);
    }).join('');
  }

  function time(ms) {
    var d = new Date(ms);
    function two(n) { return (n < 10 ? '0' : '') + n; }
    return two(d.getHours()) + ':' + two(d.getMinutes()) + ':' + two(d.getSeconds());
  }

  function chat(id) {
    if (!chats[id]) {
      chats[id] = { id: id, customerId: null, state: 'active', messages: {}, unread: 0, url: null, verified: false, readUpTo: 0, deliveredUpTo: 0 };
    }
    return chats[id];
  }

  function lastSeq(c) {
    var seqs = Object.keys(c.messages).map(Number);
    return seqs.length ? Math.max.apply(null, seqs) : 0;
  }

  function renderList() {
    var list = $('chat-list');
    while (list.firstChild) { list.removeChild(list.firstChild); }
    var ids = Object.keys(chats);
    $('no-chats').hidden = ids.length > 0;
    ids.forEach(function (id) {
      var c = chats[id];
      var li = el('li', (id === current ? 'active ' : '') + (c.state === 'closed' ? 'closed' : ''));
      li.dataset.contact = id;
      var b = el('button', '', (c.customerId ? c.customerId : T.tCustomer) + ' · ' + id);
      b.type = 'button';
      if (c.unread > 0) { b.appendChild(el('span', 'unread', String(c.unread))); }
      b.addEventListener('click', function () { select(id); });
      li.appendChild(b);
      list.appendChild(li);
    });
  }

  function who(m) {
    if (m.sender === 'customer') { return T.tCustomer; }
    if (m.sender === 'agent') { return m.author || T.tAgent; }
    return T.tSystem;
  }

  function renderConversation() {
    var c = current && chats[current];
    $('pick-chat').hidden = !!c;
    $('conversation').hidden = !c;
    if (!c) { return; }
    $('conv-title').textContent = (c.customerId ? c.customerId : T.tCustomer) + ' · ' + c.id;
    var badge = $('conv-identity');
    badge.textContent = c.verified ? T.tVerified : T.tUnverified;
    badge.className = 'badge ' + (c.verified ? 'ok' : 'warn');
    var link = $('conv-360');
    link.hidden = !c.url;
    if (c.url) { link.href = c.url; }
    var closed = c.state === 'closed';
    $('conv-closed').hidden = !closed;
    $('reply-form').hidden = closed;
    $('conv-close').hidden = closed;
    var list = $('transcript');
    while (list.firstChild) { list.removeChild(list.firstChild); }
    Object.keys(c.messages).map(Number).sort(function (a, b) { return a - b; }).forEach(function (seq) {
      var m = c.messages[seq];
      var li = el('li', m.sender);
      li.dataset.seq = String(seq);
      li.appendChild(el('span', 'meta', who(m) + ' ' + time(m.sent_at_ms)));
      li.appendChild(el('p', 'text', m.text));
      if (m.sender === 'agent') {
        var mark = seq <= c.readUpTo || m.read ? T.tRead : (seq <= c.deliveredUpTo || m.delivered ? T.tDelivered : '');
        li.appendChild(el('span', 'mark', mark));
      }
      list.appendChild(li);
    });
    list.scrollTop = list.scrollHeight;
    markRead(c);
  }

  function markRead(c) {
    if (!c || c.id !== current || document.visibilityState === 'hidden') { return; }
    var last = lastSeq(c);
    if (last > 0 && c.unread > 0) {
      c.unread = 0;
      renderList();
    }
    if (last > (c.sentRead || 0) && send({ type: 'read', contact_id: c.id, up_to_seq: last })) {
      c.sentRead = last;
    }
  }

  function select(id) {
    current = id;
    renderList();
    renderConversation();
    renderAssist();
  }

  function addMessage(m) {
    var c = chat(m.contact_id);
    var isNew = !c.messages[m.seq];
    c.messages[m.seq] = m;
    if (isNew && m.sender === 'customer' && m.contact_id !== current) { c.unread += 1; }
    if (!current) { current = m.contact_id; }
    renderList();
    if (m.contact_id === current) { renderConversation(); }
  }

  function decode(html) {
    var t = document.createElement('textarea');
    t.innerHTML = html;
    return t.value;
  }

  /* The snippet is escaped text with matches in <mark>: rebuilt as nodes, never as HTML. */
  function snippet(text) {
    var p = el('p', 'snippet');
    text.split(/(<mark>|<\/mark>)/).reduce(function (inMark, part) {
      if (part === '<mark>') { return true; }
      if (part === '</mark>') { return false; }
      p.appendChild(inMark ? el('mark', '', decode(part)) : document.createTextNode(decode(part)));
      return inMark;
    }, false);
    return p;
  }

  function renderAssist() {
    var list = $('assist-list');
    while (list.firstChild) { list.removeChild(list.firstChild); }
    var c = current && chats[current];
    var items = c && c.assist ? c.assist : [];
    $('assist-none').hidden = items.length > 0;
    items.forEach(function (s) {
      var li = el('li', 'suggestion');
      li.appendChild(el('strong', '', s.title));
      li.appendChild(snippet(s.snippet || ''));
      li.appendChild(el('p', 'script', s.script || T.tNoScript));
      if (s.script) {
        var b = el('button', 'insert secondary', T.tInsert);
        b.type = 'button';
        b.addEventListener('click', function () {
          var r = $('reply');
          r.value = r.value ? r.value + '\n' + s.script : s.script;
          r.focus();
        });
        li.appendChild(b);
      }
      list.appendChild(li);
    });
  }

  function screenPop(e) {
    var c = chat(e.contact_id);
    if (e.customer_id) { c.customerId = e.customer_id; }
    if (e.url) { c.url = e.url; }
    $('screen-pop').hidden = false;
    $('pop-text').textContent = e.channel + ' · ' + e.contact_id + (e.customer_id ? ' · ' + e.customer_id : ' · ' + T.tPopUnknown);
    var link = $('pop-link');
    link.hidden = !e.url;
    if (e.url) {
      link.href = e.url;
      /* Opened once per contact and customer, in one named tab; a blocked pop-up leaves the link. */
      var key = e.contact_id + '|' + e.url;
      if (!popped[key]) {
        popped[key] = true;
        try { sessionStorage.setItem('bankdesk-popped', JSON.stringify(popped)); } catch (err) { /* link only */ }
        window.open(e.url, 'bankdesk-360');
      }
    }
    if (!current) { current = e.contact_id; }
    renderList();
    renderConversation();
  }

  function onEvent(e) {
    var c;
    switch (e.type) {
      case 'attach':
        c = chat(e.contact_id);
        c.state = e.state;
        if (e.customer_id) { c.customerId = e.customer_id; }
        e.messages.forEach(function (m) { c.messages[m.seq] = m; });
        if (!current) { current = e.contact_id; }
        renderList();
        renderConversation();
        break;
      case 'message':
        addMessage(e);
        break;
      case 'screen_pop':
        screenPop(e);
        break;
      case 'typing':
        if (e.contact_id === current) {
          $('conv-typing').textContent = T.tTyping;
          clearTimeout(typingTimer);
          typingTimer = setTimeout(function () { $('conv-typing').textContent = ''; }, 4000);
        }
        break;
      case 'delivered':
        c = chat(e.contact_id);
        c.deliveredUpTo = Math.max(c.deliveredUpTo, e.up_to_seq);
        if (e.contact_id === current) { renderConversation(); }
        break;
      case 'read':
        c = chat(e.contact_id);
        c.readUpTo = Math.max(c.readUpTo, e.up_to_seq);
        if (e.contact_id === current) { renderConversation(); }
        break;
      case 'verified':
        c = chat(e.contact_id);
        c.verified = true;
        if (e.customer_id) { c.customerId = e.customer_id; }
        renderList();
        if (e.contact_id === current) { renderConversation(); }
        break;
      case 'assist':
        c = chat(e.contact_id);
        c.assist = e.items;
        if (e.contact_id === current) { renderAssist(); }
        break;
      case 'closed':
        c = chat(e.contact_id);
        c.state = 'closed';
        renderList();
        if (e.contact_id === current) { renderConversation(); }
        break;
      case 'agent_state':
        $('agent-state').value = e.state;
        break;
      case 'error':
        $('ws-conn').textContent = e.message;
        break;
    }
  }

  function connect() {
    var url = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/api/v1/agent/ws';
    ws = new WebSocket(url);
    ws.onopen = function () {
      retry = 0;
      $('ws-conn').textContent = T.tConnected;
      $('ws-conn').className = 'ws-conn ok';
    };
    ws.onmessage = function (m) {
      var e;
      try { e = JSON.parse(m.data); } catch (err) { return; }
      onEvent(e);
    };
    ws.onclose = function () {
      ws = null;
      $('ws-conn').textContent = T.tOffline;
      $('ws-conn').className = 'ws-conn';
      retry = Math.min(retry + 1, 6);
      setTimeout(connect, 500 * retry);
    };
  }

  $('reply-form').addEventListener('submit', function (ev) {
    ev.preventDefault();
    var text = $('reply').value.trim();
    if (!text || !current) { return; }
    if (send({ type: 'message', contact_id: current, client_id: newId(), text: text })) {
      $('reply').value = '';
    }
  });
  $('reply').addEventListener('keydown', function (ev) {
    if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing) {
      ev.preventDefault();
      $('reply-form').requestSubmit();
    }
  });
  var lastTyping = 0;
  $('reply').addEventListener('input', function () {
    var now = Date.now();
    if (current && now - lastTyping > 2000) {
      lastTyping = now;
      send({ type: 'typing', contact_id: current });
    }
  });
  $('conv-close').addEventListener('click', function () {
    if (current) { send({ type: 'close', contact_id: current }); }
  });
  $('agent-state').addEventListener('change', function () {
    send({ type: 'set_state', state: $('agent-state').value });
  });
  document.addEventListener('visibilitychange', function () { markRead(current && chats[current]); });
  connect();
}());
