// The calls the page makes, and the polling that follows a job to its end.

export const TERMINAL_STATUSES = new Set(['SUCCEEDED', 'FAILED']);

// Polling: the API's Retry-After says when a read is worth it (its estimate of the job's end, docs/api.md):
// the page waits that long and up to a tenth more, at random, so that pages opened together do not read
// together. An API that says nothing gets the backoff below: the first read soon after the submission, then
// exponential backoff with jitter up to a cap; a change of status starts it again, as a job that has just
// been claimed usually ends soon.
// Each read lets the browser's cache revalidate the record it holds (cache: 'no-cache' sends its ETag as
// If-None-Match), so an unchanged record costs no body. The browser adds that header itself, after CORS:
// setting it here would make every job's URL cost a preflight, an extra request to the API.
export const POLL_JITTER = 0.1;
export const POLL_LONGEST_WAIT_MS = 60000;
export const POLL_FIRST_DELAY_MS = 250;
export const POLL_FACTOR = 1.6;
export const POLL_MAX_DELAY_MS = 8000;
// While a running job's progress keeps changing, it is read at least this often: the worker stores at most one
// report a second, so a shorter delay would only read the same report again.
export const POLL_PROGRESS_DELAY_MS = 2000;

/** A failed call: `problem` holds the API's problem details, or ones the page made up for a network error. */
export class ApiError extends Error {
  constructor(problem, { status = null, network = false } = {}) {
    super(problem.detail || problem.title);
    this.problem = problem;
    this.status = status;
    this.network = network;
  }
}

export class ApiClient {
  constructor(baseUrl) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
  }

  jobsUrl() {
    return `${this.baseUrl}/jobs`;
  }

  jobUrl(jobId) {
    return `${this.baseUrl}/jobs/${encodeURIComponent(jobId)}`;
  }

  uploadsUrl() {
    return `${this.baseUrl}/uploads`;
  }

  cancelUrl(jobId) {
    return `${this.jobUrl(jobId)}/cancel`;
  }

  retryUrl(jobId) {
    return `${this.jobUrl(jobId)}/retry`;
  }

  /**
   * POST /jobs: the accepted job record (202) and how long to wait before reading it (its Retry-After in
   * milliseconds, or null), or an ApiError with the problem details.
   */
  async submit(body) {
    const { document, response } = await this.#exchange(this.jobsUrl(), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { record: document, retryAfterMs: retryAfterMs(response) };
  }

  /** POST /uploads: an upload ticket (a presigned S3 POST for one image of `contentType`), or an ApiError. */
  async requestUpload(contentType) {
    return this.#call(this.uploadsUrl(), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ content_type: contentType }),
    });
  }

  /**
   * POST /jobs/{id}/cancel: the job's record and the answer's status, 200 (it had not started: it has ended
   * FAILED CANCELLED) or 202 (it runs: `cancel_requested_at` is set and it stops at its next check), or an
   * ApiError (409 for a job that has ended already, 404 for one the API does not know).
   */
  async cancel(jobId) {
    const { document, response } = await this.#exchange(this.cancelUrl(jobId), {
      method: 'POST',
      headers: { accept: 'application/json' },
    });
    return { record: document, status: response.status };
  }

  /**
   * POST /jobs/{id}/retry: the new job's record (202; `retry_of` names the failed one) and its Retry-After in
   * milliseconds, or an ApiError (409 for a job that has not failed). `idempotencyKey` makes a repeated request
   * answer with the job the first one made.
   */
  async retry(jobId, idempotencyKey) {
    const { document, response } = await this.#exchange(this.retryUrl(jobId), {
      method: 'POST',
      headers: { accept: 'application/json', 'idempotency-key': idempotencyKey },
    });
    return { record: document, retryAfterMs: retryAfterMs(response) };
  }

  /** GET /jobs/{id}: the job record and how long to wait before reading it again (ms, or null), or an ApiError. */
  async read(jobId) {
    const { document, response } = await this.#exchange(this.jobUrl(jobId), {
      headers: { accept: 'application/json' },
      cache: 'no-cache',
    });
    return { record: document, retryAfterMs: retryAfterMs(response) };
  }

  async #call(url, init) {
    return (await this.#exchange(url, init)).document;
  }

  async #exchange(url, init) {
    let response;
    try {
      response = await fetch(url, init);
    } catch {
      throw new ApiError(
        {
          title: 'The API did not answer',
          detail: `No response from ${this.baseUrl}: it may be down, or the browser refused the call (CORS).`,
        },
        { network: true },
      );
    }
    const text = await response.text();
    let document = null;
    try {
      document = JSON.parse(text);
    } catch {
      // not JSON: an error page of a proxy, say; described below
    }
    if (response.ok && document && typeof document === 'object') return { document, response };
    if (document && typeof document === 'object' && typeof document.title === 'string') {
      throw new ApiError(document, { status: response.status });
    }
    throw new ApiError(
      { title: `HTTP ${response.status} ${response.statusText}`.trim(), status: response.status, detail: text.slice(0, 500) || 'No body.' },
      { status: response.status },
    );
  }
}

/**
 * The next polling delay: exponential backoff with "equal jitter" (half fixed, half random), held at
 * POLL_PROGRESS_DELAY_MS at most while the job's progress moves (`moving`).
 */
export function nextDelay(previousDelay, random = Math.random, { moving = false } = {}) {
  let base = previousDelay === null ? POLL_FIRST_DELAY_MS : Math.min(previousDelay * POLL_FACTOR, POLL_MAX_DELAY_MS);
  if (moving) base = Math.min(base, POLL_PROGRESS_DELAY_MS);
  return { base, wait: base / 2 + random() * (base / 2) };
}

/** Retry-After (RFC 9110: delay-seconds or an HTTP-date) in milliseconds; null without a readable one. */
export function retryAfterMs(response, now = Date.now()) {
  const value = response.headers.get('retry-after');
  if (value === null) return null;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const when = Date.parse(text);
  return Number.isNaN(when) ? null : Math.max(0, when - now);
}

/** The wait the API asked for, with up to POLL_JITTER of it more, at random, and at most POLL_LONGEST_WAIT_MS. */
export function pacedDelay(askedMs, random = Math.random) {
  return Math.min(askedMs, POLL_LONGEST_WAIT_MS) * (1 + POLL_JITTER * random());
}

/** What a record says about progress, to tell a new report from the one read before. */
function progressKey(record) {
  const progress = record.progress ?? null;
  return progress === null ? null : `${progress.updated_at} ${progress.percent} ${progress.message}`;
}

/**
 * Follows jobs with GET /jobs/{id} until each reaches SUCCEEDED or FAILED. One loop per job, however
 * many parts of the page watch it; `onRecord(record)` hears every read, `onProblem(jobId, error)` every
 * failed one (the loop retries, except when the job does not exist).
 */
export class JobTracker {
  constructor(api, { onRecord, onProblem }) {
    this.api = api;
    this.onRecord = onRecord;
    this.onProblem = onProblem;
    this.loops = new Map();
  }

  isTracking(jobId) {
    return this.loops.has(jobId);
  }

  /** Follows the job; `retryAfterMs` is the wait its last answer asked for (the 202's), if any. */
  track(jobId, lastStatus = null, retryAfterMs = null) {
    if (this.loops.has(jobId)) return;
    const loop = { delay: null, status: lastStatus, progress: null, moving: false, timer: null, retryAfterMs };
    this.loops.set(jobId, loop);
    this.#schedule(jobId, loop);
  }

  #schedule(jobId, loop) {
    let wait;
    if (loop.retryAfterMs === null) {
      const next = nextDelay(loop.delay, Math.random, { moving: loop.moving });
      loop.delay = next.base;
      wait = next.wait;
    } else {
      wait = pacedDelay(loop.retryAfterMs);
    }
    loop.timer = window.setTimeout(() => this.#poll(jobId, loop), wait);
  }

  async #poll(jobId, loop) {
    loop.retryAfterMs = null;
    try {
      const { record, retryAfterMs: asked } = await this.api.read(jobId);
      loop.retryAfterMs = asked;
      if (record.status !== loop.status) {
        loop.status = record.status;
        loop.delay = null;
      }
      const progress = progressKey(record);
      loop.moving = progress !== null && progress !== loop.progress;
      loop.progress = progress;
      this.onRecord(record);
      if (TERMINAL_STATUSES.has(record.status)) {
        this.loops.delete(jobId);
        return;
      }
    } catch (error) {
      this.onProblem(jobId, error);
      if (error.status === 404 || error.status === 400) {
        this.loops.delete(jobId);
        return;
      }
    }
    this.#schedule(jobId, loop);
  }
}
