// The jobs this browser submitted, newest first, kept in localStorage with their latest known status.
// Only what the list shows is kept: results are read again from the API when a job is opened.

const STORAGE_KEY = 'conveyor.jobs.v1';
export const MAX_KEPT_JOBS = 50;
// contracts/v1/job-id.schema.json's pattern; tests/contract/test_page_job_id.py checks the two agree.
const JOB_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[48][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

export class JobHistory {
  constructor(storage = window.localStorage) {
    this.storage = storage;
    this.entries = this.#load();
  }

  #load() {
    try {
      const stored = JSON.parse(this.storage.getItem(STORAGE_KEY) ?? '[]');
      return Array.isArray(stored)
        ? stored.filter((entry) => entry && typeof entry === 'object' && JOB_ID.test(entry.job_id ?? ''))
        : [];
    } catch {
      return []; // unreadable (edited by hand, an older format): start again
    }
  }

  #save() {
    try {
      this.storage.setItem(STORAGE_KEY, JSON.stringify(this.entries));
    } catch {
      // storage full or refused (private mode): the list still works until the page is closed
    }
  }

  get(jobId) {
    return this.entries.find((entry) => entry.job_id === jobId);
  }

  /** The jobs listed here that retry `jobId`, newest first. */
  retriesOf(jobId) {
    return this.entries.filter((entry) => entry.retry_of === jobId).map((entry) => entry.job_id);
  }

  /** A job just submitted, at the top, with its POST body if given (kept for its curl command). */
  add(record, request = null) {
    this.entries = this.entries.filter((existing) => existing.job_id !== record.job_id);
    this.entries.unshift({ ...summaryOf(record), request });
    this.entries.length = Math.min(this.entries.length, MAX_KEPT_JOBS);
    this.#save();
  }

  /** The latest status of a listed job; a job this browser did not submit (opened from a link) is not added. */
  update(record) {
    const entry = this.get(record.job_id);
    if (!entry) return;
    Object.assign(entry, summaryOf(record));
    this.#save();
  }

  /** The API no longer knows the job (the local stack keeps jobs in memory only). */
  markGone(jobId) {
    const entry = this.get(jobId);
    if (entry && entry.status !== 'GONE') {
      entry.status = 'GONE';
      this.#save();
    }
  }

  clear() {
    this.entries = [];
    this.#save();
  }
}

function summaryOf(record) {
  return {
    job_id: record.job_id,
    job_type: record.job_type,
    status: record.status,
    created_at: record.created_at,
    updated_at: record.updated_at,
    error_code: record.error?.code ?? null,
    // How far a running job said it is; a record has progress only while IN_PROGRESS (job-record schema).
    percent: record.status === 'IN_PROGRESS' ? (record.progress?.percent ?? null) : null,
    // Both optional in a record: absent when no cancel was requested, and for a job that retries none.
    cancel_requested_at: record.cancel_requested_at ?? null,
    retry_of: record.retry_of ?? null,
  };
}
