// The contract as the page reads it: the same JSON Schema files the services load, fetched from
// contracts/v1/ beside the page, and a validator that judges a job request the way the API does.
import { Validator } from '../vendor/cfworker-json-schema/index.js';

// Every $id in contracts/v1 starts with this; it is a name, never fetched (contracts/README.md).
const ID_BASE = 'https://conveyor.example/contracts/v1/';
const CONTRACT_URL = new URL('../contracts/v1/', import.meta.url);

// The API lists at most this many violations (api-service request_validation); so does the page.
export const MAX_LISTED_VIOLATIONS = 50;

export class ContractLoadError extends Error {}

/** Fetches job-request.schema.json and every schema it $refs, however deep, and upload-request.schema.json. */
export async function loadContract() {
  const schemas = new Map(); // absolute $id (no fragment) -> schema
  const pending = new Map(); // absolute $id -> promise of its schema
  const load = async (id) => {
    if (!pending.has(id)) {
      pending.set(id, fetchSchema(id).then(async (schema) => {
        schemas.set(id, schema);
        await Promise.all(refsOf(schema, id).map(load));
        return schema;
      }));
    }
    return pending.get(id);
  };
  const [request, uploadRequest] = await Promise.all([
    load(`${ID_BASE}job-request.schema.json`),
    load(`${ID_BASE}upload-request.schema.json`),
  ]);
  const jobTypeSchema = schemas.get(`${ID_BASE}job-type.schema.json`);
  if (!jobTypeSchema || !Array.isArray(jobTypeSchema.enum)) {
    throw new ContractLoadError('job-request.schema.json does not refer to job-type.schema.json and its enum');
  }
  const jobTypes = jobTypeSchema.enum.map(String);
  const inputs = new Map();
  for (const jobType of jobTypes) {
    inputs.set(jobType, await load(`${ID_BASE}job-types/${jobType}/input.schema.json`));
  }
  const uploadTypes = uploadRequest.properties?.content_type?.enum;
  if (!Array.isArray(uploadTypes)) {
    throw new ContractLoadError('upload-request.schema.json has no enum of content types');
  }
  return new Contract(request, schemas, jobTypes, inputs, uploadTypes.map(String));
}

async function fetchSchema(id) {
  if (!id.startsWith(ID_BASE)) {
    throw new ContractLoadError(`a $ref leaves contracts/v1: ${id}`);
  }
  const url = new URL(id.slice(ID_BASE.length), CONTRACT_URL);
  let response;
  try {
    response = await fetch(url);
  } catch (error) {
    throw new ContractLoadError(`could not fetch ${url}: ${error.message}`);
  }
  if (!response.ok) {
    throw new ContractLoadError(`${url} answered ${response.status}`);
  }
  return response.json();
}

function refsOf(schema, baseId) {
  const found = [];
  const walk = (node) => {
    if (Array.isArray(node)) {
      node.forEach(walk);
    } else if (node && typeof node === 'object') {
      if (typeof node.$ref === 'string') {
        const target = new URL(node.$ref, baseId);
        target.hash = '';
        if (target.href !== baseId) found.push(target.href);
      }
      Object.values(node).forEach(walk);
    }
  };
  walk(schema);
  return found;
}

export class Contract {
  constructor(requestSchema, schemas, jobTypes, inputs, uploadTypes) {
    this.jobTypes = jobTypes;
    this.inputs = inputs;
    this.uploadTypes = uploadTypes; // the media types POST /uploads accepts
    this.validator = new Validator(requestSchema, '2020-12', false);
    for (const schema of schemas.values()) {
      if (schema !== requestSchema) this.validator.addSchema(schema);
    }
    this.root = requestSchema;
  }

  /** The input schema of a job type: what its form is built from. */
  inputSchema(jobType) {
    return this.inputs.get(jobType);
  }

  /**
   * Judges a whole POST /jobs body against job-request.schema.json. Returns the violations as the API's
   * problem details list them: [{pointer, message}], one per member for `required` and
   * `additionalProperties`, pointers into the body (RFC 6901), at most MAX_LISTED_VIOLATIONS.
   */
  violations(body) {
    const { valid, errors } = this.validator.validate(body);
    if (valid) return { violations: [], complete: true };
    // anyOf, oneOf, not, …: one violation for the rule, as the API reports it, not one per failed branch.
    const summarised = errors.filter((error) => isSummarised(error.keyword)).map((error) => `${error.keywordLocation}/`);
    const found = errors
      .filter((error) => !summarised.some((location) => error.keywordLocation.startsWith(location)))
      .flatMap((error) => this.#describe(error, body));
    const unique = [...new Map(found.map((v) => [`${v.pointer}\u0000${v.message}`, v])).values()];
    return {
      violations: unique.slice(0, MAX_LISTED_VIOLATIONS),
      complete: unique.length <= MAX_LISTED_VIOLATIONS,
    };
  }

  #describe(error, body) {
    const { keyword } = error;
    // A wrapper's failure only means that something inside failed: the inner errors are the violations.
    // `false` is a property that `additionalProperties: false` refused, reported with its rule below.
    if (WRAPPERS.has(keyword) || keyword === 'false') return [];
    const pointer = decodeLocation(error.instanceLocation);
    const rule = this.#ruleAt(error.keywordLocation);
    const instance = valueAt(body, pointer);
    if (keyword === 'required') {
      return rule
        .filter((name) => !Object.hasOwn(instance, name))
        .map((name) => ({ pointer: `${pointer}/${escapeToken(name)}`, message: 'Required but missing; add it.' }));
    }
    if (keyword === 'additionalProperties') {
      if (rule !== false) return []; // a schema: its own errors are reported
      const schema = this.#ruleAt(parentLocation(error.keywordLocation));
      const declared = Object.keys(schema.properties ?? {});
      const patterns = Object.keys(schema.patternProperties ?? {}).map((p) => new RegExp(p, 'u'));
      const message = `Unknown field; remove it (allowed: ${declared.join(', ')}).`;
      return Object.keys(instance)
        .filter((name) => !declared.includes(name) && !patterns.some((p) => p.test(name)))
        .map((name) => ({ pointer: `${pointer}/${escapeToken(name)}`, message }));
    }
    const describe = DESCRIPTIONS[keyword];
    const message = describe
      ? describe(rule, instance)
      : `Does not satisfy the contract's \`${keyword}\` rule; see the job-request schema.`;
    return [{ pointer, message }];
  }

  /** The value of the keyword a validator error names, following $refs as the validator did. */
  #ruleAt(keywordLocation) {
    let node = this.root;
    for (const token of keywordLocation.replace(/^#\/?/, '').split('/').filter(Boolean)) {
      node = token === '$ref' ? this.validator.lookup[node.__absolute_ref__ ?? node.$ref] : node[unescapeToken(decodeURIComponent(token))];
    }
    return node;
  }
}

// Keywords whose failure only means that something inside failed.
const WRAPPERS = new Set([
  '$ref', 'allOf', 'if', 'then', 'else', 'properties', 'patternProperties', 'items', 'prefixItems',
  'additionalItems', 'dependentSchemas', 'propertyNames', 'unevaluatedProperties', 'unevaluatedItems',
]);

function isSummarised(keyword) {
  return !WRAPPERS.has(keyword) && !DESCRIPTIONS[keyword] && !['required', 'additionalProperties', 'false'].includes(keyword);
}

const TYPE_NAMES = {
  object: 'an object', array: 'an array', string: 'a string', number: 'a number',
  integer: 'an integer', boolean: 'a boolean', null: 'null',
};

export function jsonType(value) {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value === 'object' ? 'object' : typeof value;
}

/** Unicode code points, as JSON Schema (and the API) count a string's length. */
export function codePoints(text) {
  return [...text].length;
}

// The same words the API uses, so a field error reads the same whoever caught it.
const DESCRIPTIONS = {
  type: (rule, instance) => {
    const wanted = (Array.isArray(rule) ? rule : [rule]).map((name) => TYPE_NAMES[name]).join(' or ');
    return `Must be ${wanted}, not ${TYPE_NAMES[jsonType(instance)]}.`;
  },
  minLength: (rule) => (rule === 1 ? 'Must not be empty.' : `Must be at least ${rule} characters long.`),
  maxLength: (rule, instance) => `Is ${codePoints(instance)} characters long; shorten it to at most ${rule}.`,
  minItems: (rule) => (rule === 1 ? 'Must not be empty; give at least 1 item.' : `Must have at least ${rule} items.`),
  maxItems: (rule, instance) => `Has ${instance.length} items; give at most ${rule}.`,
  enum: (rule) => `Must be one of: ${rule.map(String).join(', ')}.`,
  const: (rule) => `Must be ${JSON.stringify(rule)}.`,
  minimum: (rule) => `Must be at least ${rule}.`,
  maximum: (rule) => `Must be at most ${rule}.`,
  exclusiveMinimum: (rule) => `Must be greater than ${rule}.`,
  exclusiveMaximum: (rule) => `Must be less than ${rule}.`,
  format: (rule) => `Must be a valid ${rule}.`,
  pattern: () => "Does not have the expected format; see the contract's schema.",
};

function decodeLocation(location) {
  // The validator writes '#' + a JSON pointer whose tokens are URI-encoded; the API sends the bare pointer.
  return decodeURIComponent(location.replace(/^#/, ''));
}

function parentLocation(location) {
  return location.slice(0, location.lastIndexOf('/'));
}

export function escapeToken(token) {
  return String(token).replace(/~/g, '~0').replace(/\//g, '~1');
}

export function unescapeToken(token) {
  return token.replace(/~1/g, '/').replace(/~0/g, '~');
}

/** The value a JSON pointer names in `document`, or undefined. */
export function valueAt(document, pointer) {
  let node = document;
  for (const token of pointer.split('/').slice(1)) {
    if (node === null || typeof node !== 'object') return undefined;
    node = node[unescapeToken(token)];
  }
  return node;
}
