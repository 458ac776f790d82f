// The JitBot playground page: polls the playground for the conversation state (kept on the server, so a refresh
// loses nothing), renders the bot's Block Kit as Slack would, and asks the playground to send commands, clicks and
// modal submissions to the bot. Which person and conversation are shown is kept in localStorage.
'use strict';

const ui = {
  user: localStorage.getItem('jitbot.user') || '',
  conv: localStorage.getItem('jitbot.conv') || '',
  version: null,
  state: null,
  modalKey: '',
  seen: JSON.parse(localStorage.getItem('jitbot.seen') || '{}'),
};
const $ = (id) => document.getElementById(id);

// ---- dialogs -------------------------------------------------------------------------------------------------
function confirmDialog(c) {
  return new Promise((resolve) => {
    const overlay = $('overlay');
    overlay.innerHTML = '';
    const d = document.createElement('div');
    d.className = 'dialog confirm';
    d.setAttribute('role', 'dialog');
    d.innerHTML = `<h2>${escapeHtml(c.title ? c.title.text : 'Are you sure?')}</h2><div class="content">${textObject(c.text)}</div>
      <div class="buttons"><button type="button" class="confirm-no">${escapeHtml(c.deny ? c.deny.text : 'Cancel')}</button>
      <button type="button" class="confirm-yes ${c.style === 'danger' ? 'danger' : 'primary'}">${escapeHtml(c.confirm ? c.confirm.text : 'Yes')}</button></div>`;
    overlay.appendChild(d);
    overlay.hidden = false;
    const done = (answer) => { overlay.hidden = true; overlay.innerHTML = ''; ui.modalKey = ''; resolve(answer); renderModal(); };
    d.querySelector('.confirm-yes').addEventListener('click', () => done(true));
    d.querySelector('.confirm-no').addEventListener('click', () => done(false));
  });
}

function renderModal() {
  const overlay = $('overlay');
  if (overlay.querySelector('.confirm')) return;
  const modals = (ui.state && ui.state.modals) || [];
  const top = modals[modals.length - 1];
  const key = top ? top.id + JSON.stringify(top.view) + (top.errors || '') : '';
  if (key === ui.modalKey) return;
  ui.modalKey = key;
  overlay.innerHTML = '';
  overlay.hidden = !top;
  if (!top) return;
  const v = top.view;
  const d = document.createElement('form');
  d.className = 'dialog modal';
  d.setAttribute('role', 'dialog');
  d.innerHTML = `<h2>${escapeHtml(v.title ? v.title.text : '')}</h2>`;
  const content = document.createElement('div');
  content.className = 'content';
  content.appendChild(renderBlocks(v.blocks, { viewId: top.id }));
  d.appendChild(content);
  if (top.errors) {
    let errors = null;
    try { errors = JSON.parse(top.errors); } catch { /* a sentence */ }
    if (errors && typeof errors === 'object') {
      for (const [blockId, message] of Object.entries(errors)) {
        const box = content.querySelector(`.input[data-block-id="${CSS.escape(blockId)}"] .error`);
        if (box) box.textContent = message;
      }
    } else content.insertAdjacentHTML('beforeend', `<div class="error">${escapeHtml(top.errors)}</div>`);
  }
  const buttons = document.createElement('div');
  buttons.className = 'buttons';
  buttons.innerHTML = `<button type="button" class="modal-close">${escapeHtml(v.close ? v.close.text : 'Cancel')}</button>` +
    (v.submit ? `<button type="submit" class="primary modal-submit">${escapeHtml(v.submit.text)}</button>` : '');
  d.appendChild(buttons);
  d.addEventListener('submit', (ev) => { ev.preventDefault(); act('submit', { viewId: top.id, values: collectValues(d) }); });
  buttons.querySelector('.modal-close').addEventListener('click', () => act('close', { viewId: top.id }));
  overlay.appendChild(d);
}

// ---- the page ------------------------------------------------------------------------------------------------
const post = (body) => ({ method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });

async function act(kind, body) {
  await fetch('/act/' + kind, post({ user: ui.user, ...body }));
  await poll(true);
}

function render() {
  const s = ui.state;
  $('problems').hidden = s.problems.length === 0;
  $('app').hidden = s.problems.length > 0;
  $('problem-lines').textContent = s.problems.join('\n');
  document.querySelector('.who').hidden = s.problems.length > 0;

  const person = $('person');
  if (person.options.length !== s.people.length) {
    person.innerHTML = s.people.map((p) => `<option value="${escapeHtml(p.id)}">${escapeHtml(p.name)}</option>`).join('');
  }
  if (!s.people.some((p) => p.id === ui.user) && s.people.length) { setUser(s.people[0].id); return; }
  person.value = ui.user;
  const me = s.people.find((p) => p.id === ui.user);
  $('person-tags').textContent = me ? `${me.tags}${me.groups.length ? '; in ' + me.groups.join(', ') : ''}` : '';

  if (!s.conversations.some((c) => c.id === ui.conv) && ui.conv !== 'home') ui.conv = (s.conversations[0] || {}).id || '';
  const item = (id, label, count) => `<li data-id="${escapeHtml(id)}" class="${id === ui.conv ? 'active' : ''}">${label}${count ? `<span class="count">${count}</span>` : ''}</li>`;
  const unseen = (c) => c.id === ui.conv ? 0 : c.messages.filter((m) => m.ts > (ui.seen[ui.user + c.id] || '')).length;
  $('channels').innerHTML = s.conversations.filter((c) => !c.dm).map((c) => item(c.id, '# ' + escapeHtml(c.name), unseen(c))).join('');
  const dm = s.conversations.find((c) => c.dm);
  $('apps').innerHTML = item('home', 'JitBot (Home)', 0) + (dm ? item(dm.id, 'JitBot (messages)', unseen(dm)) : '');

  const messages = $('messages');
  const atBottom = messages.scrollHeight - messages.scrollTop - messages.clientHeight < 40;
  messages.innerHTML = '';
  if (ui.conv === 'home') {
    $('conversation-name').textContent = 'JitBot — Home';
    if (s.home) messages.appendChild(renderBlocks(s.home.blocks, { viewId: 'VHOME' + ui.user }));
    else messages.innerHTML = '<p class="empty">Opening the Home tab…</p>';
  } else {
    const c = s.conversations.find((x) => x.id === ui.conv);
    $('conversation-name').textContent = c ? (c.dm ? 'JitBot' : '# ' + c.name) : '';
    if (c) {
      if (c.messages.length) ui.seen[ui.user + c.id] = c.messages[c.messages.length - 1].ts;
      localStorage.setItem('jitbot.seen', JSON.stringify(ui.seen));
      if (!c.messages.length) messages.innerHTML = '<p class="empty">Nothing here yet.</p>';
      for (const m of c.messages) messages.appendChild(message(m, c));
    }
  }
  if (atBottom) messages.scrollTop = messages.scrollHeight;
  renderModal();
}

function message(m, c) {
  const el = document.createElement('div');
  el.className = 'message' + (m.ephemeral ? ' ephemeral' : '');
  el.dataset.ts = m.ts;
  const bot = m.from === 'U0JITBOT';
  const name = nameOf(m.from);
  const when = new Date(Number(m.ts.split('.')[0]) * 1000).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
  el.innerHTML = `<div class="avatar${bot ? ' bot' : ''}">${escapeHtml(name.slice(0, 1))}</div><div class="body"><div class="meta">
    <strong>${escapeHtml(name)}</strong>${bot ? '<span class="app-badge">APP</span>' : ''}${escapeHtml(when)}${m.edited ? ' (edited)' : ''}
    ${m.ephemeral ? '<span class="only-you">Only visible to you</span>' : ''}</div></div>`;
  const body = el.querySelector('.body');
  if (m.blocks && m.blocks.length) body.appendChild(renderBlocks(m.blocks, { channel: c.id, ts: m.ts }));
  else body.insertAdjacentHTML('beforeend', `<div class="block">${mrkdwn(m.text)}</div>`);
  return el;
}

function setUser(id) {
  ui.user = id;
  localStorage.setItem('jitbot.user', id);
  ui.version = null;
  ui.modalKey = '';
  if (ui.conv === 'home') act('home', {});
  else poll(true);
}

async function poll(force) {
  try {
    const res = await fetch(`/state?user=${encodeURIComponent(ui.user)}${force || ui.version === null ? '' : '&since=' + ui.version}`);
    if (res.status === 200) {
      ui.state = await res.json();
      ui.version = ui.state.version;
      render();
    }
  } catch { /* the playground stopped; try again */ }
}

$('person').addEventListener('change', (e) => setUser(e.target.value));
$('sidebar').addEventListener('click', (e) => {
  const li = e.target.closest('li[data-id]');
  if (!li) return;
  ui.conv = li.dataset.id;
  localStorage.setItem('jitbot.conv', ui.conv);
  render();
  // Opening the Home tab is an event the bot hears (app_home_opened), as in Slack; it publishes the tab.
  if (ui.conv === 'home') act('home', {});
});
$('composer').addEventListener('submit', async (e) => {
  e.preventDefault();
  const text = $('command').value.trim();
  if (!text) return;
  $('command').value = '';
  const channel = ui.conv && ui.conv !== 'home' ? ui.conv : '#general';
  await act('command', { channel, text });
});
document.addEventListener('keydown', (e) => {
  if (e.key === 'Escape' && !$('overlay').hidden) {
    const no = document.querySelector('#overlay .confirm-no, #overlay .modal-close');
    if (no) no.click();
  }
});
poll(true);
setInterval(() => poll(false), 700);
