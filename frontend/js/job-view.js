// The job being followed: its id, a timeline QUEUED → IN_PROGRESS → SUCCEEDED | FAILED, a countdown while it
// waits for its run_at, its progress while it runs, its result (read from S3 when it was stored aside) or error, Cancel or Retry, the job it retries and the
// jobs that retry it, and the curl commands that do the same.
import { TERMINAL_STATUSES } from './api.js';
import { statusCommand, submitCommand } from './curl.js';
import { copyButton, curlBlock, h, timeElement } from './dom.js';
import { cancellable, retryable, shortId } from './job-actions.js';
import { renderResult } from './results.js';
import { fetchResultDocument } from './s3.js';

const STATUS_WORDS = {
  QUEUED: 'Queued',
  IN_PROGRESS: 'In progress',
  SUCCEEDED: 'Succeeded',
  FAILED: 'Failed',
};

/**
 * `actions` (JobActions) makes the Cancel and Retry buttons; `retriesOf(jobId)` lists the ids of the jobs this
 * browser made by retrying it, newest first (a record names the job it retries, never the jobs that retry it).
 */
export class JobView {
  constructor(container, announcer, api, { actions, retriesOf }) {
    this.container = container;
    this.announcer = announcer; // a live region that exists from the start, so screen readers follow it
    this.api = api;
    this.actions = actions;
    this.retriesOf = retriesOf;
    this.jobId = null;
    this.lastAnnounced = null;
  }

  /**
   * Starts showing a job: before its first record arrives, `request` (the POST body, if known) and id. With
   * `focus`, the keyboard's focus moves to its status line (the control that led here is gone).
   */
  open(jobId, { request = null, record = null, focus = false } = {}) {
    this.jobId = jobId;
    this.request = request;
    this.lastAnnounced = null;
    this.countdown?.stop();
    this.container.dataset.jobId = jobId;
    delete this.container.dataset.status;
    this.idInput = h('input', { id: 'job-id', class: 'job-id-value mono', readonly: true, value: jobId, spellcheck: 'false' });
    this.statusLine = h('p', { class: 'job-status', tabindex: '-1' });
    this.countdown = new Countdown();
    this.note = h('p', { class: 'job-note hint' });
    this.links = h('div', { class: 'job-links' });
    this.cancelNote = h('p', { class: 'cancel-note' });
    this.cancelButton = this.actions.cancelButton(jobId, { text: 'Cancel job' });
    this.retryButton = this.actions.retryButton(jobId, { text: 'Retry job' });
    this.cancelButton.hidden = true;
    this.retryButton.hidden = true;
    this.actionProblem = h('div', { class: 'summary action-problem', hidden: true });
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
      this.countdown.element,
      this.note,
      this.links,
      this.cancelNote,
      h('div', { class: 'actions job-actions' }, this.cancelButton, this.retryButton),
      this.actionProblem,
      this.timeline,
      this.progress.element,
      this.outcome,
      this.#curlSection(),
      h('details', { class: 'raw-record' }, h('summary', {}, 'Job record as JSON'), this.raw),
    );
    if (record) this.showRecord(record);
    else this.#say('Waiting for the first status…');
    if (focus) this.statusLine.focus();
  }

  showRecord(record) {
    if (record.job_id !== this.jobId) return;
    const status = record.status;
    const announced = `${status} ${Boolean(record.cancel_requested_at)}`;
    if (announced !== this.lastAnnounced) {
      this.lastAnnounced = announced;
      this.#say(statusSentence(record));
    }
    this.note.textContent = TERMINAL_STATUSES.has(status)
      ? ''
      : 'Checking for changes, less often as time goes by.';
    this.container.dataset.status = status;
    this.timeline.replaceChildren(...timelineSteps(record));
    this.progress.show(record);
    this.countdown.show(record);
    this.outcome.replaceChildren(outcomeOf(record));
    this.raw.textContent = JSON.stringify(record, null, 2);
    this.links.replaceChildren(...jobLinks(record, this.retriesOf(record.job_id)));
    this.cancelNote.replaceChildren(...cancelNote(record));
    this.#showButtons(record);
  }

  /** A refused cancel or retry, as the forms show the API's problems (the live region has said it already). */
  showActionProblem(jobId, action, error) {
    if (jobId !== this.jobId) return;
    const { problem } = error;
    const status = problem.status ?? error.status;
    this.actionProblem.replaceChildren(
      h('h3', { class: 'summary-heading' }, `The API refused to ${action} the job${status ? `: ${status}` : ''} ${problem.title}`),
      h('p', {}, problem.detail),
      problem.type ? h('p', { class: 'problem-type' }, 'Problem type ', h('code', {}, problem.type)) : null,
    );
    this.actionProblem.hidden = false;
  }

  clearActionProblem() {
    this.actionProblem.hidden = true;
    this.actionProblem.replaceChildren();
  }

  /** The buttons the job's status allows; a focused button that goes keeps the focus nearby. */
  #showButtons(record) {
    const focused = [this.cancelButton, this.retryButton].find((button) => button === document.activeElement);
    this.cancelButton.hidden = !cancellable(record);
    this.retryButton.hidden = !retryable(record);
    if (focused?.hidden) {
      const next = [this.retryButton, this.cancelButton].find((button) => !button.hidden) ?? this.statusLine;
      next.focus();
    }
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
      return waitsForRunAt(record)
        ? `Job ${short}… is queued to run at ${clockTime(record.run_at)}, in ${untilText(Date.parse(record.run_at) - Date.now())}.`
        : `Job ${short}… is queued, waiting for a worker.`;
    case 'IN_PROGRESS':
      return record.cancel_requested_at
        ? `Job ${short}… is in progress (attempt ${record.attempts}); a cancel was requested.`
        : `Job ${short}… is in progress (attempt ${record.attempts}).`;
    case 'SUCCEEDED':
      return `Job ${short}… succeeded${durationText(record) ? ` in ${durationText(record)}` : ''}.`;
    case 'FAILED':
      return record.error?.code === 'CANCELLED'
        ? `Job ${short}… was cancelled.`
        : `Job ${short}… failed: ${record.error?.code ?? 'no error code'}.`;
    default:
      return `Job ${short}… is ${record.status}.`;
  }
}

function waitsForRunAt(record) {
  return record.status === 'QUEUED' && Boolean(record.run_at) && Date.parse(record.run_at) > Date.now();
}

function clockTime(iso) {
  return new Date(iso).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', hour12: false });
}

/** "1 h 59 min", "3 d 4 h", "42 s": what is left, rounded down past the minute so it never says too much. */
function untilText(milliseconds) {
  const seconds = Math.max(0, Math.ceil(milliseconds / 1000));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  const [days, hours] = [Math.floor(minutes / 1440), Math.floor((minutes % 1440) / 60)];
  if (days) return hours ? `${days} d ${hours} h` : `${days} d`;
  if (hours) return minutes % 60 ? `${hours} h ${minutes % 60} min` : `${hours} h`;
  return `${minutes} min`;
}

/**
 * "Runs in 1 h 59 min", ticking each second while a QUEUED job waits for its run_at. A role=timer is not a live
 * region (aria-live off): a screen reader reads it when asked, not at each tick; the status line said the time
 * once, through the page's live region.
 */
class Countdown {
  constructor() {
    this.element = h('p', { class: 'job-countdown', role: 'timer', hidden: true });
    this.runAt = null;
    this.timer = null;
  }

  show(record) {
    if (!waitsForRunAt(record)) {
      this.stop();
      return;
    }
    this.runAt = record.run_at;
    this.#tick();
    this.timer ??= window.setInterval(() => this.#tick(), 1000);
  }

  stop() {
    if (this.timer !== null) window.clearInterval(this.timer);
    this.timer = null;
    this.element.hidden = true;
  }

  #tick() {
    const left = Date.parse(this.runAt) - Date.now();
    if (left <= 0) {
      this.element.replaceChildren('Due now: waiting for a worker.');
      window.clearInterval(this.timer);
      this.timer = null;
      return;
    }
    this.element.replaceChildren(`Runs in ${untilText(left)} (at `, timeElement(this.runAt), ').');
    this.element.hidden = false;
  }
}

/** "Retry of job …" (from the record) and "Retried as job …" (from this browser's list), as links. */
function jobLinks(record, retries) {
  const link = (jobId) => h('a', { href: `#job=${jobId}`, class: 'mono', 'data-job-id': jobId }, `job ${shortId(jobId)}`);
  const lines = [];
  if (record.retry_of) lines.push(h('p', { class: 'retry-of' }, 'Retry of ', link(record.retry_of)));
  if (retries.length) {
    lines.push(h('p', { class: 'retried-as' }, 'Retried as ', retries.flatMap((jobId, index) => [index ? ', ' : null, link(jobId)])));
  }
  return lines;
}

/** What a requested cancel did, or will do: the record keeps when it was asked for. */
function cancelNote(record) {
  const at = record.cancel_requested_at;
  if (!at) return [];
  if (record.status === 'IN_PROGRESS') {
    return ['Cancel requested at ', timeElement(at), ': the job stops at its next check, or ends as it finishes.'];
  }
  if (record.status === 'FAILED' && record.error?.code === 'CANCELLED') {
    return ['Cancel requested at ', timeElement(at), ': the job stopped.'];
  }
  return ['Cancel requested at ', timeElement(at), ', but the job ended first.'];
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
