// The job being followed: its id, a timeline QUEUED → IN_PROGRESS → SUCCEEDED | FAILED, its progress while it
// runs, its result (read from S3 when it was stored aside) or error, and the curl commands that do the same.
import { TERMINAL_STATUSES } from './api.js';
import { statusCommand, submitCommand } from './curl.js';
import { copyButton, curlBlock, h, timeElement } from './dom.js';
import { renderResult } from './results.js';
import { fetchResultDocument } from './s3.js';

const STATUS_WORDS = {
  QUEUED: 'Queued',
  IN_PROGRESS: 'In progress',
  SUCCEEDED: 'Succeeded',
  FAILED: 'Failed',
};

export class JobView {
  constructor(container, announcer, api) {
    this.container = container;
    this.announcer = announcer; // a live region that exists from the start, so screen readers follow it
    this.api = api;
    this.jobId = null;
    this.lastAnnounced = null;
  }

  /** Starts showing a job: before its first record arrives, `request` (the POST body, if known) and id. */
  open(jobId, { request = null, record = null } = {}) {
    this.jobId = jobId;
    this.request = request;
    this.lastAnnounced = null;
    this.container.dataset.jobId = jobId;
    delete this.container.dataset.status;
    this.idInput = h('input', { id: 'job-id', class: 'job-id-value mono', readonly: true, value: jobId, spellcheck: 'false' });
    this.statusLine = h('p', { class: 'job-status' });
    this.note = h('p', { class: 'job-note hint' });
    this.timeline = h('ol', { class: 'timeline', 'aria-label': 'Status timeline' });
    this.progress = new ProgressView();
    this.outcome = h('div', { class: 'outcome' });
    this.raw = h('pre', { class: 'raw mono', tabindex: '0' });
    this.container.replaceChildren(
      h(
        'div',
        { class: 'job-id-row' },
        h('label', { for: 'job-id', class: 'label' }, 'Job id'),
        h('div', { class: 'with-button' }, this.idInput, copyButton('Copy job id', () => jobId, () => this.idInput)),
      ),
      this.statusLine,
      this.note,
      this.timeline,
      this.progress.element,
      this.outcome,
      this.#curlSection(),
      h('details', { class: 'raw-record' }, h('summary', {}, 'Job record as JSON'), this.raw),
    );
    if (record) this.showRecord(record);
    else this.#say('Waiting for the first status…');
  }

  showRecord(record) {
    if (record.job_id !== this.jobId) return;
    const status = record.status;
    if (status !== this.lastAnnounced) {
      this.lastAnnounced = status;
      this.#say(statusSentence(record));
    }
    this.note.textContent = TERMINAL_STATUSES.has(status)
      ? ''
      : 'Checking for changes, less often as time goes by.';
    this.container.dataset.status = status;
    this.timeline.replaceChildren(...timelineSteps(record));
    this.progress.show(record);
    this.outcome.replaceChildren(outcomeOf(record));
    this.raw.textContent = JSON.stringify(record, null, 2);
  }

  /** A failed read while polling: says so; the tracker keeps trying unless the job is gone. */
  showProblem(jobId, error) {
    if (jobId !== this.jobId) return;
    if (error.status === 404) {
      this.container.dataset.status = 'GONE';
      this.#say('The API does not know this job (the local stack forgets its jobs when it stops).');
      this.note.textContent = '';
    } else {
      this.note.textContent = `Could not read the job (${error.problem.title}); trying again.`;
    }
  }

  #say(text) {
    this.statusLine.textContent = text;
    this.announcer.textContent = text;
  }

  #curlSection() {
    const commands = [];
    if (this.request) {
      commands.push(['Submit it', submitCommand(this.api.jobsUrl(), this.request)]);
    }
    commands.push(['Read it back', statusCommand(this.api.jobUrl(this.jobId))]);
    return h(
      'section',
      { class: 'curl', 'aria-labelledby': 'curl-heading' },
      h('h3', { id: 'curl-heading' }, 'The same with curl'),
      this.request ? null : h('p', { class: 'hint' }, 'The payload of this job was not kept in this browser.'),
      commands.map(([label, command]) => curlBlock(label, command)),
    );
  }
}

/**
 * The running attempt's progress: a <progress> bar with its percent and message while the record has a report,
 * an indeterminate bar ("running") while it has none, nothing once the job has ended. Updated in place at each
 * read, so a screen reader that is on the bar stays on it; it is not a live region (the status line is).
 */
class ProgressView {
  constructor() {
    this.bar = h('progress', { id: 'job-progress', class: 'progress-bar', max: '100', 'aria-describedby': 'job-progress-message' });
    this.percent = h('span', { class: 'progress-percent', 'aria-hidden': 'true' });
    this.message = h('p', { id: 'job-progress-message', class: 'progress-message' });
    this.reported = h('p', { class: 'progress-reported hint' });
    this.element = h(
      'div',
      { class: 'job-progress', hidden: true },
      h('div', { class: 'progress-head' }, h('label', { for: 'job-progress', class: 'label' }, 'Progress'), this.percent),
      this.bar,
      this.message,
      this.reported,
    );
  }

  show(record) {
    const running = record.status === 'IN_PROGRESS';
    const report = running ? (record.progress ?? null) : null;
    this.element.hidden = !running;
    this.element.dataset.state = !running ? 'none' : report ? 'reported' : 'running';
    if (!running) return;
    if (report) {
      this.bar.value = report.percent;
      this.bar.textContent = `${report.percent}%`; // what a browser without <progress> shows
      this.bar.setAttribute('aria-valuetext', `${report.percent}%${report.message ? `: ${report.message}` : ''}`);
      this.percent.textContent = `${report.percent}%`;
      this.message.textContent = report.message || 'No message with this report.';
      this.message.classList.toggle('hint', !report.message);
      this.reported.replaceChildren('Reported by the worker at ', timeElement(report.updated_at), '.');
    } else {
      this.bar.removeAttribute('value'); // indeterminate: running, how far unknown
      this.bar.textContent = 'Running';
      this.bar.setAttribute('aria-valuetext', 'Running, progress not reported');
      this.percent.textContent = 'Running';
      this.message.textContent = 'The job has not reported its progress (yet: some jobs never do).';
      this.message.classList.add('hint');
      this.reported.replaceChildren();
    }
  }
}

function statusSentence(record) {
  const short = record.job_id.slice(0, 8);
  switch (record.status) {
    case 'QUEUED':
      return `Job ${short}… is queued, waiting for a worker.`;
    case 'IN_PROGRESS':
      return `Job ${short}… is in progress (attempt ${record.attempts}).`;
    case 'SUCCEEDED':
      return `Job ${short}… succeeded${durationText(record) ? ` in ${durationText(record)}` : ''}.`;
    case 'FAILED':
      return `Job ${short}… failed: ${record.error?.code ?? 'no error code'}.`;
    default:
      return `Job ${short}… is ${record.status}.`;
  }
}

function durationText(record) {
  if (!record.started_at || !record.finished_at) return '';
  const ms = Date.parse(record.finished_at) - Date.parse(record.started_at);
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

function timelineSteps(record) {
  const order = ['QUEUED', 'IN_PROGRESS', 'END'];
  const reached = record.status === 'QUEUED' ? 0 : record.status === 'IN_PROGRESS' ? 1 : 2;
  const terminal = TERMINAL_STATUSES.has(record.status);
  const steps = [
    { label: STATUS_WORDS.QUEUED, at: record.created_at, detail: 'accepted by the API' },
    {
      label: STATUS_WORDS.IN_PROGRESS,
      at: record.started_at,
      detail: record.attempts ? (record.attempts === 1 ? 'attempt 1' : `${record.attempts} attempts`) : null,
    },
    {
      label: terminal ? STATUS_WORDS[record.status] : `${STATUS_WORDS.SUCCEEDED} or ${STATUS_WORDS.FAILED.toLowerCase()}`,
      at: record.finished_at,
      detail: terminal && durationText(record) ? `ran for ${durationText(record)}` : null,
      tone: terminal ? record.status.toLowerCase() : null,
    },
  ];
  return steps.map((step, index) => {
    const state = index < reached || (index === reached && terminal) ? 'done' : index === reached ? 'current' : 'pending';
    const stateWords = { done: 'done', current: 'now', pending: 'not yet' }[state];
    return h(
      'li',
      {
        class: ['step', `step-${state}`, step.tone ? `step-${step.tone}` : ''].join(' ').trim(),
        'data-step': order[index],
        'aria-current': state === 'current' || (terminal && index === 2) ? 'step' : null,
      },
      h('span', { class: 'step-marker', 'aria-hidden': 'true' }),
      h(
        'span',
        { class: 'step-body' },
        h('span', { class: 'step-label' }, step.label, h('span', { class: 'visually-hidden' }, ` (${stateWords})`)),
        step.at ? timeElement(step.at) : h('span', { class: 'step-time step-time-pending' }, '–'),
        step.detail ? h('span', { class: 'step-detail' }, step.detail) : null,
      ),
    );
  });
}

function outcomeOf(record) {
  if (record.status === 'SUCCEEDED' && record.result) {
    return resultSection(renderResult(record.job_type, record.result));
  }
  if (record.status === 'SUCCEEDED' && record.result_url) {
    return resultSection(storedResult(record));
  }
  if (record.status === 'FAILED' && record.error) {
    return h(
      'section',
      { class: 'outcome-error', 'aria-labelledby': 'error-heading' },
      h('h3', { id: 'error-heading' }, 'Error'),
      h('p', { class: 'error-code' }, h('code', {}, record.error.code)),
      h('p', { class: 'error-message' }, record.error.message),
    );
  }
  return h('p', { class: 'hint' }, 'The result shows here when the job ends.');
}

function resultSection(content) {
  return h('section', { class: 'outcome-result', 'aria-labelledby': 'result-heading' }, h('h3', { id: 'result-heading' }, 'Result'), content);
}

/**
 * A result too large for the jobs table: the record has result_url instead, a presigned URL of the document.
 * Shown as an inline result once fetched; if it cannot be, offered as a link (it works for a short time only).
 */
function storedResult(record) {
  const url = record.result_url;
  const body = h('div', { class: 'stored-result', 'aria-busy': 'true' }, h('p', { class: 'hint' }, 'Too large for the jobs table, this result was stored in S3: fetching it…'));
  const link = (text) => h('a', { href: url, target: '_blank', rel: 'noopener' }, text);
  fetchResultDocument(url)
    .then((document) => [
      renderResult(record.job_type, document),
      h('p', { class: 'hint stored-note' }, 'Too large for the jobs table, this result was stored in S3 and read from the record\'s ', link('result_url'), '.'),
    ])
    .catch((error) => [
      h(
        'div',
        { class: 'stored-failed', role: 'alert' },
        h('p', {}, `This result was stored in S3, and the page could not read it: ${error.message}`),
        h('p', {}, link('Open the result document'), ' (the link works for a short time only; open the job again for a new one).'),
      ),
    ])
    .then((content) => {
      body.replaceChildren(...content);
      body.removeAttribute('aria-busy');
    });
  return body;
}
