/* bankdesk web chat widget. Embed with
 *   <script src="https://<bankdesk>/chat/widget.js" defer></script>
 * It adds a "在线客服" button that opens a chat panel talking to <bankdesk>/chat/ws.
 *
 * Nothing is lost or shown twice: every message has a number. The widget keeps the
 * chat's resume token and the messages it has sent but not yet seen confirmed in
 * sessionStorage; on every (re)connect it resumes after the last number the page shows
 * (all of the transcript after a reload) and sends the unconfirmed messages again under
 * the same client ids, which the server stores once. Each number is shown once.
 */
(function () {
  'use strict';
  var script = document.currentScript;
  if (!script || window.bankdeskChat) { return; }
  var origin = new URL(script.src, window.location.href);
  var wsUrl = (origin.protocol === 'https:' ? 'wss://' : 'ws://') + origin.host + '/chat/ws';
  var KEY = 'bankdesk-chat:' + origin.host;
  var en = /^en/i.test(document.documentElement.lang || '');
  var T = en ? {
    open: 'Chat with us', title: 'Online service', placeholder: 'Type your message',
    send: 'Send', close: 'End chat', hide: 'Minimise', verify: 'Verify identity',
    phone: 'Mobile number registered with the bank', sendCode: 'Get code', code: '6-digit code',
    check: 'Verify', codeSent: 'A code was sent to your phone.', demoCode: 'Demo mode, your code: ',
    verified: 'Identity verified.', typing: 'The agent is typing…', delivered: 'Delivered',
    read: 'Read', waiting: 'Connecting you to an agent…', offline: 'Reconnecting…',
    csat: 'How satisfied are you with this chat?', thanks: 'Thank you for your feedback.',
    closed: 'The chat has ended.', newChat: 'New chat', agent: 'Agent', you: 'You', system: 'Notice'
  } : {
    open: '在线客服', title: '在线客服', placeholder: '请输入您的问题',
    send: '发送', close: '结束对话', hide: '收起', verify: '验证身份',
    phone: '银行预留手机号', sendCode: '获取验证码', code: '6位验证码',
    check: '验证', codeSent: '验证码已发送至您的手机。', demoCode: '演示模式，您的验证码：',
    verified: '身份验证成功。', typing: '客服正在输入…', delivered: '已送达',
    read: '已读', waiting: '正在为您接入人工客服…', offline: '连接中断，正在重连…',
    csat: '请您对本次服务进行评价', thanks: '感谢您的评价！',
    closed: '对话已结束。', newChat: '发起新对话', agent: '客服', you: '我', system: '提示'
  };

  function load() {
    try { return JSON.parse(sessionStorage.getItem(KEY)) || null; } catch (e) { return null; }
  }
  function save() {
    try {
      sessionStorage.setItem(KEY, JSON.stringify({
        token: chat.token, outbox: chat.outbox, open: chat.open
      }));
    } catch (e) { /* private mode: the chat still works until the page is left */ }
  }

  var saved = load() || {};
  var chat = {
    token: saved.token || null,
    lastSeq: 0,
    outbox: saved.outbox || [],
    open: !!saved.open,
    contactId: null,
    seen: {},
    ws: null,
    ready: false,
    closed: false,
    retry: 0,
    lastTyping: 0,
    typingTimer: null
  };

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text) { e.textContent = text; }
    return e;
  }

  var css = document.createElement('link');
  css.rel = 'stylesheet';
  css.href = origin.origin + '/chat/widget.css';
  document.head.appendChild(css);

  var button = el('button', 'bd-chat-open', T.open);
  button.id = 'bd-chat-open';
  button.type = 'button';
  var panel = el('section', 'bd-chat-panel');
  panel.id = 'bd-chat-panel';
  panel.hidden = true;
  var head = el('header', 'bd-chat-head');
  head.appendChild(el('strong', '', T.title));
  var hide = el('button', 'bd-chat-hide', T.hide);
  hide.type = 'button';
  var end = el('button', 'bd-chat-end', T.close);
  end.type = 'button';
  end.id = 'bd-chat-end';
  head.appendChild(end);
  head.appendChild(hide);
  var status = el('p', 'bd-chat-status', T.waiting);
  status.id = 'bd-chat-status';
  var log = el('ol', 'bd-chat-log');
  log.id = 'bd-chat-log';
  log.setAttribute('aria-live', 'polite');
  var typing = el('p', 'bd-chat-typing', '');
  typing.id = 'bd-chat-typing';

  var verify = el('details', 'bd-chat-verify');
  verify.id = 'bd-chat-verify';
  var verifySummary = el('summary', '', T.verify);
  verifySummary.id = 'bd-chat-verify-summary';
  verify.appendChild(verifySummary);
  var phone = el('input');
  phone.id = 'bd-chat-phone';
  phone.type = 'tel';
  phone.placeholder = T.phone;
  phone.maxLength = 20;
  var getCode = el('button', '', T.sendCode);
  getCode.type = 'button';
  getCode.id = 'bd-chat-get-code';
  var code = el('input');
  code.id = 'bd-chat-code';
  code.inputMode = 'numeric';
  code.maxLength = 6;
  code.placeholder = T.code;
  var check = el('button', '', T.check);
  check.type = 'button';
  check.id = 'bd-chat-check-code';
  var verifyNote = el('p', 'bd-chat-note', '');
  verifyNote.id = 'bd-chat-verify-note';
  [phone, getCode, code, check, verifyNote].forEach(function (x) { verify.appendChild(x); });

  var csat = el('div', 'bd-chat-csat');
  csat.id = 'bd-chat-csat';
  csat.hidden = true;
  csat.appendChild(el('p', '', T.csat));
  [1, 2, 3, 4, 5].forEach(function (n) {
    var b = el('button', 'bd-chat-score', String(n));
    b.type = 'button';
    b.dataset.score = String(n);
    csat.appendChild(b);
  });

  var form = el('form', 'bd-chat-form');
  form.id = 'bd-chat-form';
  var input = el('textarea');
  input.id = 'bd-chat-input';
  input.rows = 2;
  input.maxLength = 2000;
  input.placeholder = T.placeholder;
  var send = el('button', '', T.send);
  send.type = 'submit';
  send.id = 'bd-chat-send';
  form.appendChild(input);
  form.appendChild(send);
  var again = el('button', 'bd-chat-again', T.newChat);
  again.type = 'button';
  again.hidden = true;

  [head, status, log, typing, verify, csat, form, again].forEach(function (x) { panel.appendChild(x); });
  document.body.appendChild(button);
  document.body.appendChild(panel);

  function frame(obj) {
    if (chat.ws && chat.ready && chat.ws.readyState === 1) {
      chat.ws.send(JSON.stringify(obj));
      return true;
    }
    return false;
  }

  function time(ms) {
    var d = new Date(ms);
    function two(n) { return (n < 10 ? '0' : '') + n; }
    return two(d.getHours()) + ':' + two(d.getMinutes());
  }

  function who(m) {
    if (m.sender === 'customer') { return T.you; }
    if (m.sender === 'agent') { return m.author || T.agent; }
    return T.system;
  }

  function show(m) {
    if (m.seq > chat.lastSeq) { chat.lastSeq = m.seq; }
    if (m.client_id && m.sender === 'customer') {
      chat.outbox = chat.outbox.filter(function (o) { return o.client_id !== m.client_id; });
      var pending = log.querySelector('li.pending[data-client-id="' + m.client_id + '"]');
      if (pending) { pending.remove(); }
    }
    save();
    if (chat.seen[m.seq]) { return; }
    chat.seen[m.seq] = true;
    var li = el('li', 'bd-msg bd-' + m.sender);
    li.dataset.seq = String(m.seq);
    var meta = el('span', 'bd-meta', who(m) + ' ' + time(m.sent_at_ms));
    var body = el('p', 'bd-text', m.text);
    li.appendChild(meta);
    li.appendChild(body);
    if (m.sender === 'customer') {
      var mark = el('span', 'bd-mark', m.read ? T.read : (m.delivered ? T.delivered : ''));
      li.appendChild(mark);
    }
    var after = null;
    var items = log.querySelectorAll('li[data-seq]');
    for (var i = 0; i < items.length; i++) {
      if (Number(items[i].dataset.seq) > m.seq) { after = items[i]; break; }
    }
    log.insertBefore(li, after || log.querySelector('li.pending'));
    log.scrollTop = log.scrollHeight;
    if (m.sender !== 'customer') { markRead(); }
  }

  function showPending(o) {
    var li = el('li', 'bd-msg bd-customer pending');
    li.dataset.clientId = o.client_id;
    li.appendChild(el('span', 'bd-meta', T.you));
    li.appendChild(el('p', 'bd-text', o.text));
    log.appendChild(li);
    log.scrollTop = log.scrollHeight;
  }

  function marks(upTo, label) {
    var mine = log.querySelectorAll('li.bd-customer[data-seq]');
    for (var i = 0; i < mine.length; i++) {
      var mark = mine[i].querySelector('.bd-mark');
      if (mark && Number(mine[i].dataset.seq) <= upTo && mark.textContent !== T.read) {
        mark.textContent = label;
      }
    }
  }

  function markRead() {
    if (!panel.hidden && document.visibilityState !== 'hidden' && chat.lastSeq > 0) {
      frame({ type: 'read', up_to_seq: chat.lastSeq });
    }
  }

  function ended() {
    chat.closed = true;
    form.hidden = true;
    verify.hidden = true;
    end.hidden = true;
    again.hidden = false;
    status.textContent = T.closed;
  }

  function onEvent(e) {
    switch (e.type) {
      case 'welcome':
        chat.contactId = e.contact_id;
        if (e.token) { chat.token = e.token; }
        chat.ready = true;
        chat.retry = 0;
        status.textContent = e.state === 'waiting' ? T.waiting : '';
        save();
        if (e.state === 'closed') {
          ended();
        } else {
          chat.outbox.forEach(function (o) {
            frame({ type: 'message', client_id: o.client_id, text: o.text });
          });
        }
        break;
      case 'message':
        if (e.sender === 'agent' && status.textContent === T.waiting) { status.textContent = ''; }
        show(e);
        typing.textContent = '';
        break;
      case 'typing':
        typing.textContent = T.typing;
        clearTimeout(chat.typingTimer);
        chat.typingTimer = setTimeout(function () { typing.textContent = ''; }, 4000);
        break;
      case 'delivered':
        marks(e.up_to_seq, T.delivered);
        break;
      case 'read':
        marks(e.up_to_seq, T.read);
        break;
      case 'code_sent':
        verifyNote.textContent = T.codeSent + (e.demo_code ? ' ' + T.demoCode + e.demo_code : '');
        break;
      case 'verified':
        verifyNote.textContent = T.verified;
        verifySummary.textContent = T.verified;
        verify.open = false;
        verify.classList.add('done');
        break;
      case 'closed':
        ended();
        break;
      case 'ask_csat':
        ended();
        csat.hidden = false;
        break;
      case 'csat_thanks':
        csat.hidden = true;
        status.textContent = T.thanks;
        break;
      case 'error':
        if (e.code === 'not_found' && !chat.ready) {
          // The chat is gone (another server, a wiped database): start afresh.
          chat.token = null;
          chat.lastSeq = 0;
          chat.seen = {};
          save();
        } else {
          verifyNote.textContent = e.message;
        }
        break;
    }
  }

  /* Resume after what this page shows: all of it after a reload (the page is empty),
     only what is missing after a dropped socket. */
  function shown() {
    return Object.keys(chat.seen).length ? chat.lastSeq : 0;
  }

  function connect() {
    if (chat.ws) { return; }
    var ws = new WebSocket(wsUrl);
    chat.ws = ws;
    chat.ready = false;
    ws.onopen = function () {
      ws.send(JSON.stringify(chat.token
        ? { type: 'resume', token: chat.token, last_seq: shown() }
        : { type: 'start' }));
    };
    ws.onmessage = function (m) {
      var e;
      try { e = JSON.parse(m.data); } catch (err) { return; }
      onEvent(e);
    };
    ws.onclose = function () {
      chat.ws = null;
      chat.ready = false;
      if (chat.closed && csat.hidden) { return; }
      if (!chat.closed) { status.textContent = T.offline; }
      chat.retry = Math.min(chat.retry + 1, 6);
      setTimeout(connect, 500 * chat.retry);
    };
  }

  function newId() {
    var a = new Uint8Array(8);
    window.crypto.getRandomValues(a);
    return 'w' + Date.now().toString(36) + Array.prototype.map.call(a, function (b) {
      return (b < 16 ? '0' : '') + b.toString(16);
    }).join('');
  }

  function openPanel() {
    panel.hidden = false;
    button.hidden = true;
    chat.open = true;
    save();
    connect();
    markRead();
    input.focus();
  }

  button.addEventListener('click', openPanel);
  hide.addEventListener('click', function () {
    panel.hidden = true;
    button.hidden = false;
    chat.open = false;
    save();
  });
  form.addEventListener('submit', function (ev) {
    ev.preventDefault();
    var text = input.value.trim();
    if (!text || chat.closed) { return; }
    var o = { client_id: newId(), text: text };
    chat.outbox.push(o);
    save();
    showPending(o);
    input.value = '';
    frame({ type: 'message', client_id: o.client_id, text: o.text });
  });
  input.addEventListener('keydown', function (ev) {
    if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing) {
      ev.preventDefault();
      form.requestSubmit();
    }
  });
  input.addEventListener('input', function () {
    var now = Date.now();
    if (now - chat.lastTyping > 2000) {
      chat.lastTyping = now;
      frame({ type: 'typing' });
    }
  });
  end.addEventListener('click', function () { frame({ type: 'close' }); });
  getCode.addEventListener('click', function () {
    frame({ type: 'verify_phone', phone: phone.value.trim() });
  });
  check.addEventListener('click', function () {
    frame({ type: 'verify_code', code: code.value.trim() });
  });
  csat.addEventListener('click', function (ev) {
    var score = ev.target && ev.target.dataset ? ev.target.dataset.score : null;
    if (score) { frame({ type: 'csat', score: Number(score) }); }
  });
  again.addEventListener('click', function () {
    chat.token = null;
    chat.lastSeq = 0;
    chat.outbox = [];
    chat.seen = {};
    chat.closed = false;
    while (log.firstChild) { log.removeChild(log.firstChild); }
    form.hidden = false;
    verify.hidden = false;
    verify.classList.remove('done');
    verifyNote.textContent = '';
    verifySummary.textContent = T.verify;
    end.hidden = false;
    again.hidden = true;
    csat.hidden = true;
    status.textContent = T.waiting;
    save();
    if (chat.ws) { chat.ws.close(); } else { connect(); }
  });
  document.addEventListener('visibilitychange', markRead);

  chat.outbox.forEach(showPending);
  window.bankdeskChat = { open: openPanel };
  if (chat.open || chat.token) { openPanel(); }
}());
