// The list of this browser's jobs, each with Cancel or Retry when its status allows. Rows are updated in place,
// so polling never steals the focus.
import { h } from './dom.js';
import { cancellable, retryable } from './job-actions.js';

const STATUS_LABELS = {
  QUEUED: 'Queued',
  IN_PROGRESS: 'In progress',
  SUCCEEDED: 'Succeeded',
  FAILED: 'Failed',
  GONE: 'Gone',
};

export class HistoryView {
  constructor(container, history, { onOpen, actions }) {
    this.container = container;
    this.history = history;
    this.onOpen = onOpen;
    this.actions = actions;
    this.currentId = null;
    this.rows = new Map();
    this.empty = h('p', { class: 'hint' }, 'No jobs yet. The jobs you submit from this browser are listed here, with their latest status.');
    this.list = h('ol', { class: 'history-list', 'aria-label': 'Jobs submitted from this browser, newest first' });
    this.clearButton = h('button', {
      type: 'button',
      class: 'button button-small button-quiet',
      onclick: () => {
        this.history.clear();
        this.render();
      },
    }, 'Forget these jobs');
    this.footer = h('div', { class: 'history-footer' }, h('p', { class: 'hint' }, 'Kept in this browser only (localStorage).'), this.clearButton);
    container.replaceChildren(this.empty, this.list, this.footer);
  }

  setCurrent(jobId) {
    this.currentId = jobId;
    for (const [id, row] of this.rows) {
      const button = row.querySelector('.history-item');
      if (id === jobId) button.setAttribute('aria-current', 'true');
      else button.removeAttribute('aria-current');
    }
  }

  render() {
    const entries = this.history.entries;
    const wanted = new Set(entries.map((entry) => entry.job_id));
    for (const [id, row] of this.rows) {
      if (!wanted.has(id)) {
        row.remove();
        this.rows.delete(id);
      }
    }
    let previous = null;
    for (const entry of entries) {
      let row = this.rows.get(entry.job_id);
      if (!row) {
        row = this.#newRow(entry);
        this.rows.set(entry.job_id, row);
        if (previous) previous.after(row);
        else this.list.prepend(row);
      }
      this.#update(row, entry);
      previous = row;
    }
    this.empty.hidden = entries.length > 0;
    this.list.hidden = entries.length === 0;
    this.footer.hidden = entries.length === 0;
  }

  #newRow(entry) {
    // Named after the job, as a row's buttons are many on the page; the visible word starts the name.
    const short = entry.job_id.slice(0, 8);
    const cancel = this.actions.cancelButton(entry.job_id, { text: 'Cancel', name: `Cancel job ${short}` });
    const retry = this.actions.retryButton(entry.job_id, { text: 'Retry', name: `Retry job ${short}` });
    const row = h(
      'li',
      { class: 'history-row', 'data-job-id': entry.job_id },
      h(
        'button',
        { type: 'button', class: 'history-item', onclick: () => this.onOpen(entry.job_id) },
        h('span', { class: 'history-id mono' }, `${entry.job_id.slice(0, 8)}…`),
        h('span', { class: 'history-type mono' }, entry.job_type),
        h('span', { class: 'badge' }),
        h('span', { class: 'history-time' }, formatWhen(entry.created_at)),
      ),
      h('span', { class: 'history-actions' }, cancel, retry),
    );
    if (entry.job_id === this.currentId) row.querySelector('.history-item').setAttribute('aria-current', 'true');
    return row;
  }

  #update(row, entry) {
    const badge = row.querySelector('.badge');
    const label = STATUS_LABELS[entry.status] ?? entry.status;
    const detail = entry.error_code ?? (entry.status === 'IN_PROGRESS' ? runningDetail(entry) : null);
    const text = detail ? `${label}: ${detail}` : label;
    if (badge.textContent !== text) badge.textContent = text;
    badge.className = `badge badge-${String(entry.status).toLowerCase().replace('_', '-')}`;
    row.dataset.status = entry.status;
    const [cancel, retry] = row.querySelectorAll('.job-action');
    const focused = [cancel, retry].find((button) => button === document.activeElement);
    cancel.hidden = !cancellable(entry);
    retry.hidden = !retryable(entry);
    if (focused?.hidden) ([retry, cancel].find((button) => !button.hidden) ?? row.querySelector('.history-item')).focus();
  }
}

function runningDetail(entry) {
  if (entry.cancel_requested_at) return 'cancel requested';
  return Number.isInteger(entry.percent) ? `${entry.percent}%` : null;
}

function formatWhen(iso) {
  const date = new Date(iso);
  const sameDay = date.toDateString() === new Date().toDateString();
  return sameDay
    ? date.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false })
    : date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}
