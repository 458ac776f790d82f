// The JitBot playground's Block Kit renderer: Slack's mrkdwn (bold, italic, strike, code, quotes, links, user,
// channel and group mentions shown by name, date tokens in the browser's time zone, the bot's emoji) and the
// blocks the bot sends (header, section with fields, context, actions with buttons and confirm dialogs, divider,
// and a modal's inputs). Text from the bot is HTML-escaped before anything is formatted. Uses ui, act and
// confirmDialog from playground.js.
'use strict';

// ---- mrkdwn --------------------------------------------------------------------------------------------------
const escapeHtml = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const decodeEntities = (s) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

function nameOf(id) { return (ui.state && ui.state.names[id]) || id; }

// A Slack date token: <!date^UNIX^format|fallback>, in the browser's time zone.
function formatDate(unix, format) {
  const d = new Date(unix * 1000);
  const day = (opts) => d.toLocaleDateString(undefined, opts);
  const time = (secs) => d.toLocaleTimeString(undefined, secs ? { hour: '2-digit', minute: '2-digit', second: '2-digit' } : { hour: '2-digit', minute: '2-digit' });
  const pretty = (opts) => {
    const today = new Date(); const other = new Date(d); today.setHours(0, 0, 0, 0); other.setHours(0, 0, 0, 0);
    const days = Math.round((other - today) / 86400000);
    return days === 0 ? 'today' : days === 1 ? 'tomorrow' : days === -1 ? 'yesterday' : day(opts);
  };
  return format
    .replace('{date_num}', d.toISOString().slice(0, 10))
    .replace('{date_short_pretty}', pretty({ month: 'short', day: 'numeric' }))
    .replace('{date_long_pretty}', pretty({ weekday: 'long', month: 'long', day: 'numeric', year: 'numeric' }))
    .replace('{date_pretty}', pretty({ month: 'long', day: 'numeric', year: 'numeric' }))
    .replace('{date_short}', day({ month: 'short', day: 'numeric', year: 'numeric' }))
    .replace('{date_long}', day({ weekday: 'long', month: 'long', day: 'numeric', year: 'numeric' }))
    .replace('{date}', day({ month: 'long', day: 'numeric', year: 'numeric' }))
    .replace('{time_secs}', time(true))
    .replace('{time}', time(false));
}

// One <…> token: a mention, a channel, a group, a date, a special mention or a link.
function token(inner) {
  const [target, label] = splitOnce(inner, '|');
  if (target.startsWith('@')) return `<span class="mention">@${escapeHtml(label || nameOf(target.slice(1)))}</span>`;
  if (target.startsWith('#')) {
    const name = label || (ui.state && ui.state.channelNames[target.slice(1)]) || target.slice(1);
    return `<span class="mention">#${escapeHtml(name)}</span>`;
  }
  if (target.startsWith('!subteam^')) {
    const id = target.slice('!subteam^'.length);
    return `<span class="mention">${escapeHtml(label || (ui.state && ui.state.groups[id]) || '@' + id)}</span>`;
  }
  if (target.startsWith('!date^')) {
    const parts = target.split('^');
    const unix = Number(parts[1]);
    const text = Number.isFinite(unix) && parts[2] ? formatDate(unix, parts[2]) : (label || '');
    return `<time datetime="${new Date(unix * 1000).toISOString()}" title="${escapeHtml(decodeEntities(label || ''))}">${escapeHtml(text)}</time>`;
  }
  if (target.startsWith('!')) return `<span class="mention">@${escapeHtml(label || target.slice(1))}</span>`;
  const url = decodeEntities(target);
  if (!/^(https?:|mailto:)/i.test(url)) return escapeHtml(decodeEntities(label || target));
  return `<a href="${escapeHtml(url)}" target="_blank" rel="noopener noreferrer">${escapeHtml(decodeEntities(label || target))}</a>`;
}

function splitOnce(s, sep) {
  const at = s.indexOf(sep);
  return at < 0 ? [s, ''] : [s.slice(0, at), s.slice(at + 1)];
}

// Slack's mrkdwn as HTML: tokens first (kept aside), then the text is unescaped, HTML-escaped and formatted.
function mrkdwn(text) {
  const kept = [];
  const keep = (html) => `\u0000${kept.push(html) - 1}\u0000`;
  let s = String(text || '').replace(/```([\s\S]*?)```/g, (_, code) => keep(`<pre>${escapeHtml(decodeEntities(code))}</pre>`));
  s = s.replace(/`([^`\n]+)`/g, (_, code) => keep(`<code>${escapeHtml(decodeEntities(code))}</code>`));
  s = s.replace(/<([^<>\n]+)>/g, (_, inner) => keep(token(inner)));
  s = escapeHtml(decodeEntities(s));
  s = s.replace(/(^|[\s(])\*([^*\n]+)\*(?=$|[\s).,:;!?])/g, '$1<strong>$2</strong>')
    .replace(/(^|[\s(])_([^_\n]+)_(?=$|[\s).,:;!?])/g, '$1<em>$2</em>')
    .replace(/(^|[\s(])~([^~\n]+)~(?=$|[\s).,:;!?])/g, '$1<del>$2</del>')
    .replace(/^&gt; ?(.*)$/gm, '<blockquote>$1</blockquote>')
    .replace(/:([a-z0-9_+-]+):/g, (all, code) => emoji[code] || all)
    .replace(/\n/g, '<br>');
  return s.replace(/\u0000(\d+)\u0000/g, (_, i) => kept[Number(i)]);
}

// The emoji the bot writes as :codes:, shown as Slack shows them; any other :code: stays as written.
const emoji = {
  warning: '\u26a0\ufe0f', no_entry_sign: '\ud83d\udeab', hourglass_flowing_sand: '\u23f3', white_check_mark: '\u2705',
  information_source: '\u2139\ufe0f', x: '\u274c', rotating_light: '\ud83d\udea8', lock: '\ud83d\udd12', hourglass: '\u231b',
  grey_question: '\u2754', no_entry: '\u26d4', unlock: '\ud83d\udd13', bell: '\ud83d\udd14', ballot_box_with_check: '\u2611\ufe0f',
  arrows_counterclockwise: '\ud83d\udd04', raised_hand: '\u270b', memo: '\ud83d\udcdd', key: '\ud83d\udd11', alarm_clock: '\u23f0',
};

function textObject(t) {
  if (!t) return '';
  return t.type === 'mrkdwn' ? mrkdwn(t.text) : escapeHtml(t.text || '');
}

// ---- Block Kit -----------------------------------------------------------------------------------------------
// where: { channel, ts } for a message, { viewId } for a modal or the Home tab.
function renderBlocks(blocks, where) {
  const out = document.createElement('div');
  for (const block of blocks || []) {
    const el = document.createElement('div');
    el.className = 'block ' + block.type;
    switch (block.type) {
      case 'header': el.innerHTML = textObject(block.text); break;
      case 'section':
        el.innerHTML = textObject(block.text);
        if (block.fields) el.insertAdjacentHTML('beforeend', `<div class="fields">${block.fields.map((f) => `<div>${textObject(f)}</div>`).join('')}</div>`);
        if (block.accessory) el.appendChild(element(block.accessory, block, where));
        break;
      case 'context': el.innerHTML = (block.elements || []).map((e) => `<span>${e.type === 'image' ? '' : textObject(e)}</span>`).join(''); break;
      case 'divider': el.appendChild(document.createElement('hr')); break;
      case 'actions': {
        const row = document.createElement('div'); row.className = 'actions';
        for (const e of block.elements || []) row.appendChild(element(e, block, where));
        el.appendChild(row);
        break;
      }
      case 'input': el.appendChild(input(block, where)); break;
      default: el.textContent = `(a ${block.type} block the playground does not draw)`;
    }
    out.appendChild(el);
  }
  return out;
}

function element(e, block, where) {
  if (e.type === 'button') {
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = e.text ? e.text.text : '';
    if (e.style) b.className = e.style;
    b.dataset.actionId = e.action_id;
    b.addEventListener('click', async () => {
      if (e.confirm && !(await confirmDialog(e.confirm))) return;
      if (e.url) window.open(e.url, '_blank', 'noopener');
      await act('click', { ...whereArgs(where), actionId: e.action_id, blockId: block.block_id, value: e.value ?? null });
    });
    return b;
  }
  if (e.type === 'static_select') {
    const s = select(e);
    s.addEventListener('change', () => act('click', { ...whereArgs(where), actionId: e.action_id, blockId: block.block_id, selected: s.value }));
    return s;
  }
  const span = document.createElement('span');
  span.textContent = `(${e.type})`;
  return span;
}

const whereArgs = (where) => where.viewId ? { viewId: where.viewId } : { channel: where.channel, ts: where.ts };

function select(e) {
  const s = document.createElement('select');
  s.insertAdjacentHTML('beforeend', `<option value="">${escapeHtml(e.placeholder ? e.placeholder.text : 'Choose…')}</option>`);
  const option = (o) => `<option value="${escapeHtml(o.value)}">${escapeHtml(o.text.text)}</option>`;
  for (const o of e.options || []) s.insertAdjacentHTML('beforeend', option(o));
  for (const g of e.option_groups || []) s.insertAdjacentHTML('beforeend', `<optgroup label="${escapeHtml(g.label.text)}">${g.options.map(option).join('')}</optgroup>`);
  if (e.initial_option) s.value = e.initial_option.value;
  return s;
}

// An input block of a modal; its value is read back by collectValues.
function input(block, where) {
  const wrap = document.createElement('div');
  wrap.className = 'input';
  wrap.dataset.blockId = block.block_id;
  const e = block.element;
  wrap.innerHTML = `<label>${escapeHtml(block.label ? block.label.text : '')}${block.optional ? ' <span class="hint-text">(optional)</span>' : ''}</label>`;
  let control;
  if (e.type === 'plain_text_input') {
    control = document.createElement(e.multiline ? 'textarea' : 'input');
    if (e.placeholder) control.placeholder = e.placeholder.text;
    if (e.initial_value) control.value = e.initial_value;
    if (e.max_length) control.maxLength = e.max_length;
  } else if (e.type === 'static_select') {
    control = select(e);
  } else if (e.type === 'external_select') {
    control = externalSelect(e, block, where);
  } else {
    control = document.createElement('span');
    control.textContent = `(${e.type})`;
  }
  control.dataset.actionId = e.action_id;
  control.dataset.type = e.type;
  control.name = block.block_id;
  wrap.appendChild(control);
  if (block.hint) wrap.insertAdjacentHTML('beforeend', `<div class="hint-text">${escapeHtml(block.hint.text)}</div>`);
  wrap.insertAdjacentHTML('beforeend', '<div class="error"></div>');
  return wrap;
}

// An external select: a search box whose text is sent to the bot's options endpoint, and the options it answers.
function externalSelect(e, block, where) {
  const s = document.createElement('select');
  const load = async (query) => {
    const res = await fetch('/act/options', post({ user: ui.user, viewId: where.viewId, actionId: e.action_id, blockId: block.block_id, text: query }));
    const answer = res.ok ? await res.json() : { options: [] };
    const keep = s.value;
    s.innerHTML = `<option value="">${escapeHtml(e.placeholder ? e.placeholder.text : 'Choose…')}</option>`;
    const option = (o) => `<option value="${escapeHtml(o.value)}">${escapeHtml(o.text.text)}</option>`;
    for (const o of answer.options || []) s.insertAdjacentHTML('beforeend', option(o));
    for (const g of answer.option_groups || []) s.insertAdjacentHTML('beforeend', `<optgroup label="${escapeHtml(g.label.text)}">${g.options.map(option).join('')}</optgroup>`);
    s.value = keep;
  };
  load('');
  return s;
}

function collectValues(root) {
  const values = {};
  for (const control of root.querySelectorAll('[data-action-id][data-type]')) {
    const blockId = control.name;
    const entry = { type: control.dataset.type };
    if (control.tagName === 'SELECT') {
      if (control.value) entry.selected_option = { value: control.value, text: { type: 'plain_text', text: control.selectedOptions[0].textContent } };
      else entry.selected_option = null;
    } else {
      entry.value = control.value || null;
    }
    (values[blockId] = values[blockId] || {})[control.dataset.actionId] = entry;
  }
  return values;
}

