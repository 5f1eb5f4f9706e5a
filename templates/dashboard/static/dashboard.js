/* global document, window, CSS, setInterval, fetch */
// The dashboard's keys. The pages work without this script (every action is a link or a
// form); it only maps keys to those links and forms, and renews the claim on an open item.
const $ = (sel) => document.querySelector(sel);
const page = document.body.dataset.page;
const csrf = document.querySelector('meta[name="csrf-token"]')?.content;

const help = $('#help');
const toggleHelp = () => {
  if (!help) return;
  if (help.open) help.close();
  else help.showModal();
};
for (const b of document.querySelectorAll('[data-help]')) b.addEventListener('click', toggleHelp);

const go = (sel) => {
  const a = $(sel);
  if (a?.href) window.location.assign(a.href);
  return !!a;
};
let sent = false;
const submit = (button) => {
  if (!button || sent) return;
  sent = true;
  button.form.requestSubmit(button);
};
const typing = (el) => el && (el.tagName === 'TEXTAREA' || (el.tagName === 'INPUT' && /^(text|number|date|search)$/.test(el.type)) || el.tagName === 'SELECT');

function reviewKeys(e) {
  const k = e.key;
  if (k === 'a') return submit($('#accept'));
  if (k === 'Enter') return submit($('#save'));
  if (k === 'j') return go('#next');
  if (k === 'k') return go('#previous');
  if (k === 'u') return submit($('#undo'));
  if (k === 's') return submit($('#skip'));
  if (k === 'n') {
    $('#note')?.focus();
    return true;
  }
  const input = document.querySelector(`#label-form input[data-key="${CSS.escape(k)}"]`);
  if (input) {
    if (input.type === 'radio') input.checked = true;
    else input.checked = !input.checked;
    return true;
  }
  return false;
}

let selected = 0;
const groups = () => [...document.querySelectorAll('#groups li.group')];
function select(i) {
  const all = groups();
  if (!all.length) return;
  selected = Math.max(0, Math.min(all.length - 1, i));
  all.forEach((g, j) => g.classList.toggle('selected', j === selected));
  all[selected].scrollIntoView({ block: 'nearest' });
}
function groupKeys(e) {
  const g = groups()[selected];
  if (e.key === 'j') return select(selected + 1), true;
  if (e.key === 'k') return select(selected - 1), true;
  if (e.key === 'o' && g) return window.location.assign(g.dataset.sample), true;
  if (e.key === 'c' && g) return submit(g.querySelector('form.confirm button')), true;
  return false;
}

document.addEventListener('keydown', (e) => {
  if (e.ctrlKey || e.metaKey || e.altKey) return;
  if (typing(document.activeElement)) {
    if (e.key === 'Escape') document.activeElement.blur();
    return;
  }
  if (e.key === '?') return toggleHelp();
  if (help?.open) return;
  let handled = false;
  if (e.key === 'q') handled = go('#to-queue') || go('.top nav a');
  else if (e.key === 'g') handled = go('.top nav a[href^="/dashboard/groups"]');
  else if (page === 'submission') handled = reviewKeys(e) !== false;
  else if (page === 'groups') handled = groupKeys(e);
  else if (page === 'queue' && e.key === 'Enter') handled = go('#start');
  if (handled) e.preventDefault();
});

if (page === 'groups') select(0);

// an open item stays this TA's: renew the claim every minute
const review = $('#review');
if (review && csrf && $('#label-form')) {
  setInterval(() => {
    fetch(`/dashboard/s/${review.dataset.id}/claim`, {
      method: 'POST',
      headers: { 'x-csrf-token': csrf, accept: 'application/json' },
      credentials: 'same-origin',
    }).catch(() => {});
  }, 60_000);
}
