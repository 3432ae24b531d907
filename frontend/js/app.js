// The demo page: reads config.json and the contract, builds a form per job type, submits, follows.
import { ApiClient, ApiError, JobTracker, TERMINAL_STATUSES } from './api.js';
import { loadContract } from './contract.js';
import { submitCommand } from './curl.js';
import { curlBlock, h } from './dom.js';
import { JobForm } from './form.js';
import { JobHistory } from './history.js';
import { HistoryView } from './history-view.js';
import { ImageForm } from './image-form.js';
import { JobActions } from './job-actions.js';
import { JobView } from './job-view.js';
import { JOB_TYPE_INFO, infoFor } from './samples.js';

const CONFIG_URL = new URL('../config.json', import.meta.url);
// The POST body of a job is kept with it, for its curl command, when it is at most this long.
const MAX_KEPT_REQUEST_CHARS = 2000;
const JOB_HASH = /^#job=([0-9a-f-]{36})$/;

async function loadConfig() {
  const response = await fetch(CONFIG_URL, { cache: 'no-store' });
  if (!response.ok) throw new Error(`${CONFIG_URL} answered ${response.status}`);
  const config = await response.json();
  if (typeof config.apiUrl !== 'string' || !/^https?:\/\//.test(config.apiUrl)) {
    throw new Error(`${CONFIG_URL} has no apiUrl (an http or https URL)`);
  }
  return config;
}

async function main() {
  const submitBody = document.getElementById('submit-body');
  let config;
  let contract;
  try {
    [config, contract] = await Promise.all([loadConfig(), loadContract()]);
  } catch (error) {
    submitBody.replaceChildren(
      h('div', { class: 'summary', role: 'alert' },
        h('h3', { class: 'summary-heading' }, 'The page could not start'),
        h('p', {}, error.message),
        h('p', {}, 'It needs config.json and contracts/v1/ beside it; make dev serves both.')),
    );
    return;
  }

  const api = new ApiClient(config.apiUrl);
  document.getElementById('api-url').textContent = api.baseUrl;
  const history = new JobHistory();
  const announcer = document.getElementById('announcer');
  const actions = new JobActions(api, {
    onRecord: (record) => {
      jobView.clearActionProblem();
      showRecord(record);
    },
    onRetried: followRetry,
    onRefused: showRefusedAction,
    say: (text) => { announcer.textContent = text; },
  });
  const jobView = new JobView(document.getElementById('job-body'), announcer, api, {
    actions,
    retriesOf: (jobId) => history.retriesOf(jobId),
  });
  const historyView = new HistoryView(document.getElementById('history-body'), history, { onOpen: openJob, actions });
  const tracker = new JobTracker(api, { onRecord: showRecord, onProblem: showProblem });

  function showRecord(record) {
    history.update(record);
    historyView.render();
    jobView.showRecord(record);
  }

  function showProblem(jobId, error) {
    if (error.status === 404) {
      history.markGone(jobId);
      historyView.render();
    }
    jobView.showProblem(jobId, error);
  }

  /** The job a retry made, listed with the failed job's POST body (the same request) and followed at once. */
  function followRetry(record, retryAfterMs) {
    history.add(record, history.get(record.retry_of)?.request ?? null);
    historyView.render();
    openJob(record.job_id, { record, focus: true });
    tracker.track(record.job_id, record.status, retryAfterMs);
  }

  /** A refused cancel or retry: shown with the job, whose record is read again (it has changed, most likely). */
  function showRefusedAction(jobId, action, error) {
    if (error.status === 404) {
      showProblem(jobId, error);
      return;
    }
    jobView.showActionProblem(jobId, action, error);
    if (error.network) return;
    api.read(jobId).then(({ record }) => showRecord(record), (readError) => showProblem(jobId, readError));
  }

  function openJob(jobId, { record = null, request = null, focus = false } = {}) {
    jobView.open(jobId, { record, focus, request: request ?? history.get(jobId)?.request ?? null });
    window.history.replaceState(null, '', `#job=${jobId}`);
    historyView.setCurrent(jobId);
    if (record) return; // just submitted: already tracked
    // A job from the list: read it now (its result is not kept in this browser), then follow it if it runs.
    api.read(jobId).then(
      ({ record: fresh, retryAfterMs }) => {
        showRecord(fresh);
        if (!TERMINAL_STATUSES.has(fresh.status)) tracker.track(jobId, fresh.status, retryAfterMs);
      },
      (error) => showProblem(jobId, error),
    );
  }

  async function submit(form) {
    let body = { job_type: form.jobType, payload: form.payload() };
    if (document.getElementById('validate-in-browser').checked) {
      const { violations, complete } = contract.violations(body);
      if (violations.length) {
        form.showProblems({
          heading: `Fix ${violations.length === 1 ? 'this problem' : 'these problems'} first`,
          intro: h('p', {}, 'Checked in your browser against contracts/v1/job-request.schema.json: nothing was sent.'),
          violations,
          complete,
          outro: curlBlock('The API would refuse it too; try it with curl', submitCommand(api.jobsUrl(), body)),
        });
        return;
      }
    }
    form.clearProblems();
    form.setBusy(true);
    try {
      if (form.beforeSubmit) {
        // The image form uploads its file first; it shows why itself when that is refused.
        const payload = await form.beforeSubmit(api);
        if (payload === null) return;
        body = { job_type: form.jobType, payload };
      }
      const { record, retryAfterMs } = await api.submit(body);
      history.add(record, JSON.stringify(body).length <= MAX_KEPT_REQUEST_CHARS ? body : null);
      historyView.render();
      openJob(record.job_id, { record, request: body });
      tracker.track(record.job_id, record.status, retryAfterMs);
      if (window.matchMedia('(max-width: 59.99rem)').matches) {
        document.getElementById('job-panel').scrollIntoView({ block: 'start' });
      }
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      showRefusal(form, error, body);
    } finally {
      form.setBusy(false);
    }
  }

  function showRefusal(form, error, body) {
    const { problem } = error;
    form.showProblems({
      heading: error.network
        ? problem.title
        : `The API refused the job: ${problem.status ?? error.status} ${problem.title}`,
      intro: [
        h('p', {}, problem.detail),
        problem.type ? h('p', { class: 'problem-type' }, 'Problem type ', h('code', {}, problem.type)) : null,
      ],
      violations: problem.errors ?? [],
      outro: curlBlock('The same with curl', submitCommand(api.jobsUrl(), body)),
    });
  }

  buildSubmitPanel(submitBody, contract, submit);
  historyView.render();
  for (const entry of history.entries) {
    if (!TERMINAL_STATUSES.has(entry.status) && entry.status !== 'GONE') tracker.track(entry.job_id, entry.status);
  }
  const linked = JOB_HASH.exec(window.location.hash);
  if (linked) openJob(linked[1]);
  // The links between a retry and the job it retries.
  window.addEventListener('hashchange', () => {
    const followed = JOB_HASH.exec(window.location.hash);
    if (followed && followed[1] !== jobView.jobId) openJob(followed[1], { focus: true });
  });
}

// Job types whose payload names a file the page uploads first get a form of their own.
const FORMS = { image_resize: ImageForm };

function buildSubmitPanel(container, contract, submit) {
  const forms = contract.jobTypes.map((jobType) => {
    const schema = contract.inputSchema(jobType);
    const Form = FORMS[jobType] ?? JobForm;
    return new Form({ jobType, schema, info: infoFor(jobType, schema), onSubmit: submit, uploadTypes: contract.uploadTypes });
  });
  const show = (jobType) => {
    for (const form of forms) form.element.hidden = form.jobType !== jobType;
  };
  // The radios follow the contract; the page opens on the first job type it describes (the simplest demo).
  const first = Object.keys(JOB_TYPE_INFO).find((jobType) => contract.jobTypes.includes(jobType)) ?? contract.jobTypes[0];
  const chooser = h(
    'fieldset',
    { class: 'job-types' },
    h('legend', { class: 'label' }, 'Job type'),
    h('div', { class: 'job-type-options' },
      contract.jobTypes.map((jobType) => h(
        'label',
        { class: 'job-type-option' },
        h('input', { type: 'radio', name: 'job-type', value: jobType, checked: jobType === first, onchange: () => show(jobType) }),
        h('span', { class: 'mono' }, jobType),
      ))),
  );
  const validateToggle = h(
    'div',
    { class: 'checkbox validate-toggle' },
    h('input', { type: 'checkbox', id: 'validate-in-browser', checked: true, 'aria-describedby': 'validate-hint' }),
    h('label', { for: 'validate-in-browser', class: 'checkbox-label' }, 'Check the payload in the browser before sending'),
  );
  const validateHint = h(
    'p',
    { class: 'hint', id: 'validate-hint' },
    'The page checks against the same JSON Schema as the API. Untick to send anything and see the API refuse it: the server stays the authority.',
  );
  container.replaceChildren(chooser, ...forms.map((form) => form.element), validateToggle, validateHint);
  show(first);
}

main();
