// Cancel and Retry: the buttons the job view and the list of your jobs show, the calls behind them, and what
// the page says about each through its live region.
import { ApiError } from './api.js';
import { h } from './dom.js';

/** A running or waiting job may be cancelled, once: a job whose cancel was requested says so instead. */
export function cancellable(job) {
  return (job.status === 'QUEUED' || job.status === 'IN_PROGRESS') && !job.cancel_requested_at;
}

export function retryable(job) {
  return job.status === 'FAILED';
}

/** No answer, a server error, or the first request with the key still at work: the key may have made a job. */
function unsettled(error) {
  return error instanceof ApiError
    && (error.network || error.status >= 500 || error.problem.type === 'urn:conveyor:problem:idempotency-key-in-progress');
}

export function shortId(jobId) {
  return `${jobId.slice(0, 8)}…`;
}

/**
 * One per page: every Cancel and Retry button for a job, wherever it shows, is busy (aria-disabled, so that it
 * keeps the keyboard's focus) while a request for that job is in flight, and a click on a busy one does nothing.
 * `onRecord(record)` hears the record a cancel answers with, `onRetried(record)` the new job a retry made,
 * `onRefused(jobId, action, error)` a refusal (it has been announced already), `say(text)` writes the live region.
 */
export class JobActions {
  constructor(api, { onRecord, onRetried, onRefused, say }) {
    this.api = api;
    this.onRecord = onRecord;
    this.onRetried = onRetried;
    this.onRefused = onRefused;
    this.say = say;
    this.busy = new Set();
    this.buttons = new Map(); // job id -> the Set of its buttons, each kept while it is in the document
    // A retry's Idempotency-Key, kept until an answer says what happened: a click after no answer sends the
    // same key again, so the job the lost answer would have named is not made twice.
    this.retryKeys = new Map();
  }

  /** The Cancel button of `jobId`: `name` is its accessible name, `text` what it shows. */
  cancelButton(jobId, { text, name = null }) {
    return this.#button(jobId, 'cancel', text, name, () => this.cancel(jobId));
  }

  retryButton(jobId, { text, name = null }) {
    return this.#button(jobId, 'retry', text, name, () => this.retry(jobId));
  }

  #button(jobId, action, text, name, run) {
    const button = h('button', {
      type: 'button',
      class: `button button-small job-action job-action-${action}`,
      'data-action': action,
      'aria-label': name,
      'aria-disabled': String(this.busy.has(jobId)),
      onclick: () => {
        if (!this.busy.has(jobId)) run();
      },
    }, text);
    // Kept until the job's next request: a button is made before its view puts it in the document, and one that
    // has left the document by then (a view since replaced) is let go.
    if (!this.buttons.has(jobId)) this.buttons.set(jobId, new Set());
    this.buttons.get(jobId).add(button);
    return button;
  }

  async cancel(jobId) {
    await this.#inFlight(jobId, async () => {
      try {
        const { record, status } = await this.api.cancel(jobId);
        this.onRecord(record);
        this.say(status === 202
          ? `Cancel requested for job ${shortId(jobId)}: it stops at its next check, or ends as it finishes.`
          : `Job ${shortId(jobId)} cancelled: it had not started.`);
      } catch (error) {
        this.#refused(jobId, 'cancel', error);
      }
    });
  }

  async retry(jobId) {
    const key = this.retryKeys.get(jobId) ?? crypto.randomUUID();
    this.retryKeys.set(jobId, key);
    await this.#inFlight(jobId, async () => {
      try {
        const { record, retryAfterMs } = await this.api.retry(jobId, key);
        this.retryKeys.delete(jobId);
        this.onRetried(record, retryAfterMs);
        this.say(`Job ${shortId(jobId)} retried as job ${shortId(record.job_id)}, which this page now follows.`);
      } catch (error) {
        if (!unsettled(error)) this.retryKeys.delete(jobId);
        this.#refused(jobId, 'retry', error);
      }
    });
  }

  async #inFlight(jobId, call) {
    this.#setBusy(jobId, true);
    try {
      await call();
    } finally {
      this.#setBusy(jobId, false);
    }
  }

  #setBusy(jobId, busy) {
    if (busy) this.busy.add(jobId);
    else this.busy.delete(jobId);
    const buttons = this.buttons.get(jobId) ?? new Set();
    for (const button of buttons) {
      if (button.isConnected) button.setAttribute('aria-disabled', String(busy));
      else buttons.delete(button);
    }
  }

  #refused(jobId, action, error) {
    if (!(error instanceof ApiError)) throw error;
    const { problem } = error;
    const status = problem.status ?? error.status;
    this.say(`Could not ${action} job ${shortId(jobId)}: ${status ? `${status} ` : ''}${problem.title}. ${problem.detail ?? ''}`.trim());
    this.onRefused(jobId, action, error);
  }
}
